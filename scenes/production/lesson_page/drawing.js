/* nnexplain lesson: drawing a digit and turning it into the network's input.
 *
 * NNDrawing.mnistStyle(gray, width, height, side) is network/images.py's mnist_style, step by step
 * in float64: polarity from the border's median, background removed, the ink's bounding box
 * (pixels above a tenth of the brightest) cropped and resized with Pillow's own LANCZOS
 * arithmetic (Resample.c: 22-bit fixed-point coefficients, a rounded 8-bit horizontal pass, then a
 * vertical pass) so its longer side is round(20 side / 28), then placed so its centre of mass sits
 * at (side / 2, side / 2), kept inside the field. Returns raw pixels in [0, 1], length side².
 *
 * NNDrawing.Pad(canvas, onChange) paints mouse, touch and pen strokes (pointer events) white on
 * black with round caps, and calls onChange() after each painted segment.
 */
var NNDrawing = (function () {
  "use strict";

  var DIGIT_BOX = 20, MNIST_SIDE = 28, PRECISION_BITS = 22;

  /** Python's round(): halves go to the even neighbour. */
  function roundHalfEven(x) {
    var r = Math.round(x);
    if (Math.abs(x % 1) === 0.5 && r % 2 !== 0) r -= 1;
    return r;
  }

  function median(values) {
    var sorted = Array.prototype.slice.call(values).sort(function (a, b) { return a - b; });
    var n = sorted.length, mid = n >> 1;
    return n % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
  }

  function sinc(x) {
    if (x === 0) return 1;
    x *= Math.PI;
    return Math.sin(x) / x;
  }

  function lanczos(x) {
    return -3 <= x && x < 3 ? sinc(x) * sinc(x / 3) : 0;
  }

  var cached = {}, cachedCount = 0;

  /** Pillow's precompute_coeffs + normalize_coeffs_8bpc for one axis, remembered: a stroke keeps
   *  its box's size over many frames, and the sines are most of the recipe's time. */
  function coefficients(inSize, outSize) {
    var key = inSize + ">" + outSize;
    if (!cached[key]) {
      if (++cachedCount > 256) (cached = {}), (cachedCount = 1);
      cached[key] = computeCoefficients(inSize, outSize);
    }
    return cached[key];
  }

  function computeCoefficients(inSize, outSize) {
    var scale = inSize / outSize, filterscale = Math.max(scale, 1), support = 3 * filterscale;
    var ksize = Math.ceil(support) * 2 + 1, bounds = new Int32Array(2 * outSize);
    var kk = new Float64Array(outSize * ksize);
    for (var xx = 0; xx < outSize; xx++) {
      var center = (xx + 0.5) * scale, ww = 0, ss = 1 / filterscale, x;
      var xmin = Math.max(Math.trunc(center - support + 0.5), 0);
      var xmax = Math.min(Math.trunc(center + support + 0.5), inSize) - xmin;
      for (x = 0; x < xmax; x++) {
        var w = lanczos((x + xmin - center + 0.5) * ss);
        kk[xx * ksize + x] = w;
        ww += w;
      }
      for (x = 0; x < xmax; x++) if (ww !== 0) kk[xx * ksize + x] /= ww;
      bounds[2 * xx] = xmin;
      bounds[2 * xx + 1] = xmax;
    }
    var fixed = new Float64Array(kk.length), one = 1 << PRECISION_BITS;
    for (var k = 0; k < kk.length; k++) fixed[k] = Math.trunc(kk[k] < 0 ? -0.5 + kk[k] * one : 0.5 + kk[k] * one);
    return {ksize: ksize, bounds: bounds, kk: fixed};
  }

  function clip8(sum) {
    if (sum >= 256 * (1 << PRECISION_BITS)) return 255;
    if (sum <= 0) return 0;
    return Math.floor(sum / (1 << PRECISION_BITS));
  }

  /** Pillow's Image.resize((outW, outH), LANCZOS) of an 8-bit grayscale image (Uint8Array, row-major). */
  function resizeLanczos(pixels, width, height, outW, outH) {
    if (outW === width && outH === height) return Uint8Array.from(pixels);
    var needH = outW !== width, needV = outH !== height;
    var h = coefficients(width, outW), v = coefficients(height, outH);
    var first = v.bounds[0], last = v.bounds[2 * outH - 2] + v.bounds[2 * outH - 1];
    var src = pixels, srcW = width, srcH = height, half = 1 << (PRECISION_BITS - 1), x, y, k;
    if (needH) {
      var rows = last - first, tmp = new Uint8Array(outW * rows);
      for (y = 0; y < rows; y++) {
        var base = (y + first) * width;
        for (x = 0; x < outW; x++) {
          var xmin = h.bounds[2 * x], xn = h.bounds[2 * x + 1], off = x * h.ksize, sum = half;
          for (k = 0; k < xn; k++) sum += pixels[base + xmin + k] * h.kk[off + k];
          tmp[y * outW + x] = clip8(sum);
        }
      }
      src = tmp; srcW = outW; srcH = rows;
    } else {
      first = 0;
    }
    if (!needV) return src;
    var out = new Uint8Array(srcW * outH);
    for (y = 0; y < outH; y++) {
      var ymin = v.bounds[2 * y] - first, yn = v.bounds[2 * y + 1], voff = y * v.ksize;
      for (x = 0; x < srcW; x++) {
        var s = half;
        for (k = 0; k < yn; k++) s += src[(ymin + k) * srcW + x] * v.kk[voff + k];
        out[y * srcW + x] = clip8(s);
      }
    }
    return out;
  }

  /** network/images.py's mnist_style: gray (width*height values in [0, 1]) -> side² raw pixels,
   *  or null when there is no digit (the brightest ink is below 0.1). */
  function mnistStyle(gray, width, height, side) {
    side = side || MNIST_SIDE;
    var n = width * height, i, x, y, border = [];
    for (x = 0; x < width; x++) border.push(gray[x]);
    for (x = 0; x < width; x++) border.push(gray[(height - 1) * width + x]);
    for (y = 0; y < height; y++) border.push(gray[y * width]);
    for (y = 0; y < height; y++) border.push(gray[y * width + width - 1]);
    var invert = median(border) > 0.5, background;
    if (invert) border = border.map(function (b) { return 1.0 - b; });
    background = median(border);
    var digit = gray, top = 0, denominator = Math.max(1e-6, 1.0 - background);
    if (invert || background !== 0) {
      digit = new Float64Array(n);
      for (i = 0; i < n; i++) {
        var d = ((invert ? 1.0 - gray[i] : gray[i]) - background) / denominator;
        digit[i] = d < 0 ? 0 : d > 1 ? 1 : d;
      }
    } // else (g - 0) / 1 = g: the gray values as they are, in [0, 1]
    var rowTop = new Float64Array(height), columnTop = new Float64Array(width); // one pass for both
    for (y = 0, i = 0; y < height; y++) {
      var best = 0;
      for (x = 0; x < width; x++, i++) {
        var value = digit[i];
        if (value > best) best = value;
        if (value > columnTop[x]) columnTop[x] = value;
      }
      rowTop[y] = best;
      if (best > top) top = best;
    }
    if (top < 0.1) return null;
    var r0 = height, r1 = -1, c0 = width, c1 = -1, threshold = 0.1 * top; // ink: above a tenth of the top
    for (y = 0; y < height; y++) if (rowTop[y] > threshold) (r0 = Math.min(r0, y)), (r1 = y);
    for (x = 0; x < width; x++) if (columnTop[x] > threshold) (c0 = Math.min(c0, x)), (c1 = x);
    var cropH = r1 - r0 + 1, cropW = c1 - c0 + 1, crop = new Uint8Array(cropW * cropH);
    for (y = 0; y < cropH; y++)
      for (x = 0; x < cropW; x++) crop[y * cropW + x] = Math.trunc(digit[(y + r0) * width + x + c0] * 255);
    var scale = Math.max(1, roundHalfEven((DIGIT_BOX * side) / MNIST_SIDE)) / Math.max(cropH, cropW);
    var outH = Math.max(1, roundHalfEven(cropH * scale)), outW = Math.max(1, roundHalfEven(cropW * scale));
    var small = resizeLanczos(crop, cropW, cropH, outW, outH);
    var total = 0, sy = 0, sx = 0;
    for (y = 0; y < outH; y++) {
      for (x = 0; x < outW; x++) {
        var v = small[y * outW + x] / 255;
        total += v; sy += y * v; sx += x * v;
      }
    }
    var field = new Float64Array(side * side);
    if (total === 0) return field;
    var topRow = roundHalfEven(side / 2 - sy / total), left = roundHalfEven(side / 2 - sx / total);
    topRow = Math.max(Math.min(topRow, side - outH), 0);
    left = Math.max(Math.min(left, side - outW), 0);
    for (y = 0; y < outH; y++)
      for (x = 0; x < outW; x++) field[(y + topRow) * side + x + left] = small[y * outW + x] / 255;
    return field;
  }

  /** The canvas' gray values in [0, 1] (its red channel: the pad paints gray on gray). */
  function canvasGray(canvas) {
    var data = canvas.getContext("2d").getImageData(0, 0, canvas.width, canvas.height).data;
    var gray = new Float64Array(canvas.width * canvas.height);
    for (var i = 0; i < gray.length; i++) gray[i] = data[4 * i] / 255;
    return gray;
  }

  /** A drawing pad on a canvas: pointer strokes (mouse, touch, pen), white on black. */
  function Pad(canvas, onChange, options) {
    options = options || {};
    this.canvas = canvas;
    this.context = canvas.getContext("2d", {willReadFrequently: true});
    this.lineWidth = options.lineWidth || Math.round(canvas.width / 14);
    this.onChange = onChange;
    this.last = null;
    this.strokes = [];
    this.clear();
    var pad = this;
    canvas.style.touchAction = "none";
    canvas.addEventListener("pointerdown", function (event) {
      event.preventDefault();
      if (canvas.setPointerCapture) canvas.setPointerCapture(event.pointerId);
      pad.begin(pad.point(event));
    });
    canvas.addEventListener("pointermove", function (event) {
      if (pad.last === null) return;
      event.preventDefault();
      var events = event.getCoalescedEvents ? event.getCoalescedEvents() : [];
      if (!events.length) events = [event];
      events.forEach(function (e) { pad.extend(pad.point(e)); });
    });
    ["pointerup", "pointercancel", "lostpointercapture"].forEach(function (name) {
      canvas.addEventListener(name, function () { pad.last = null; });
    });
  }

  /** Canvas pixel coordinates of a pointer event (the canvas may be shown at any CSS size). */
  Pad.prototype.point = function (event) {
    var box = this.canvas.getBoundingClientRect();
    return [
      ((event.clientX - box.left) * this.canvas.width) / box.width,
      ((event.clientY - box.top) * this.canvas.height) / box.height,
    ];
  };

  Pad.prototype.clear = function () {
    this.context.fillStyle = "#000";
    this.context.fillRect(0, 0, this.canvas.width, this.canvas.height);
    this.strokes = [];
    this.last = null;
  };

  Pad.prototype.begin = function (point) {
    this.strokes.push([point]);
    this.last = point;
    this.segment(point, point);
  };

  Pad.prototype.extend = function (point) {
    if (this.last === null) return this.begin(point);
    this.strokes[this.strokes.length - 1].push(point);
    this.segment(this.last, point);
    this.last = point;
  };

  Pad.prototype.segment = function (from, to) {
    var c = this.context;
    c.strokeStyle = "#fff";
    c.lineWidth = this.lineWidth;
    c.lineCap = "round";
    c.lineJoin = "round";
    c.beginPath();
    c.moveTo(from[0], from[1]);
    c.lineTo(to[0], to[1]);
    c.stroke();
    if (this.onChange) this.onChange();
  };

  /** Draw whole strokes (lists of [x, y] canvas points), as a pointer would. */
  Pad.prototype.drawStrokes = function (strokes) {
    var pad = this;
    strokes.forEach(function (stroke) {
      pad.begin(stroke[0]);
      stroke.slice(1).forEach(function (p) { pad.extend(p); });
      pad.last = null;
    });
  };

  /** The drawing as the network's raw input (side²), or null for a blank pad. */
  Pad.prototype.input = function (side) {
    return mnistStyle(canvasGray(this.canvas), this.canvas.width, this.canvas.height, side);
  };

  return {
    mnistStyle: mnistStyle,
    resizeLanczos: resizeLanczos,
    roundHalfEven: roundHalfEven,
    canvasGray: canvasGray,
    Pad: Pad,
  };
})();
