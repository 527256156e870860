/* nnexplain lesson: the five live widgets and window.nnexplainLesson (plain JavaScript, no modules).
 *
 * Reads the network from <script id="nnexplain-data" type="application/json"> (see lesson_contract),
 * computes everything with NNNetwork (network.js) and NNDrawing (drawing.js), and fills whichever of
 * the widgets' sections (widgets.html) the page holds, drawn by NNWidgets (diagram.js and panels.js).
 * One state: the current input and its forward pass, and the neuron in focus (last hovered, tapped
 * or focused); every change re-renders at most once per animation frame.
 *
 *   nnexplainLesson.forward(pixels)  // {activations: [layer 1, ..., output], probabilities}
 *   nnexplainLesson.input()          // the current raw pixels in [0, 1] (after the drawing recipe)
 *   nnexplainLesson.prediction()     // the class index
 *   nnexplainLesson.load(pixels)     // make pixels the current input
 *   nnexplainLesson.draw([[[x, y], ...], ...]); nnexplainLesson.clear()   // the pad, from a script
 */
(function () {
  "use strict";

  var S = {}; // the state

  function $(id) { return document.getElementById(id); }

  function el(tag, attributes, parent) {
    var node = document.createElement(tag);
    for (var key in attributes) node.setAttribute(key, attributes[key]);
    if (parent) parent.appendChild(node);
    return node;
  }

  function toArray(values) { return Array.prototype.slice.call(values); }

  /* ---- the current input and the update ---- */
  function zeros() { return new Float64Array(S.side * S.side); }

  function samplePixels(i) {
    var n = S.side * S.side, out = new Float64Array(n);
    for (var k = 0; k < n; k++) out[k] = S.sample.images[i * n + k] / 255;
    return out;
  }

  function update() {
    var start = performance.now();
    S.frame = 0;
    if (S.fromPad) S.input = S.pad.input(S.side) || zeros();
    S.fromPad = false;
    S.pass = S.net.forward(S.input);
    render();
    S.lastUpdateMs = performance.now() - start;
    if (S.timings.push(S.lastUpdateMs) > 1000) S.timings.shift();
  }

  function schedule(fromPad) {
    S.fromPad = S.fromPad || fromPad;
    if (!S.frame) S.frame = requestAnimationFrame(update);
  }

  function load(pixels) {
    if (pixels.length !== S.side * S.side) throw new Error("load takes " + S.side * S.side + " pixels");
    S.input = Float64Array.from(pixels);
    S.fromPad = false;
    if (S.pad) {
      S.pad.clear();
      var small = el("canvas", {width: S.side, height: S.side}), context = S.pad.context;
      var image = small.getContext("2d").createImageData(S.side, S.side);
      for (var i = 0; i < S.input.length; i++) {
        var v = Math.round(255 * Math.min(Math.max(S.input[i], 0), 1));
        image.data.set([v, v, v, 255], 4 * i);
      }
      small.getContext("2d").putImageData(image, 0, 0);
      context.imageSmoothingEnabled = false;
      context.drawImage(small, 0, 0, S.pad.canvas.width, S.pad.canvas.height);
    }
    if (S.frame) cancelAnimationFrame(S.frame);
    update();
  }

  function render() {
    NNWidgets.renderDraw(S);
    NNWidgets.renderDiagram(S);
    renderFocus();
  }

  /** Everything that follows the neuron in focus. */
  function renderFocus() {
    NNWidgets.renderDetail(S);
    NNWidgets.renderNeuron(S);
    NNWidgets.renderMatrix(S);
  }

  /** Put neuron `index` of layer `layer` (1 = first hidden layer) in focus. */
  function select(layer, index) {
    var L = S.net.weights.length;
    layer = Math.min(Math.max(layer, 1), L);
    index = Math.min(Math.max(index, 0), S.net.sizes[layer] - 1);
    if (S.focus && S.focus.layer === layer && S.focus.index === index) return;
    S.focus = {layer: layer, index: index};
    S.bias = null;
    NNWidgets.markSelected(S);
    renderFocus();
  }

  /* ---- wiring ---- */
  function setUpDraw() {
    var canvas = $("draw");
    if (!canvas) return;
    S.pad = new NNDrawing.Pad(canvas, function () { schedule(true); });
    $("nn-clear").addEventListener("click", function () {
      S.pad.clear();
      schedule(true);
    });
    var cursor = $("nn-pad-cursor"), pen = {at: [canvas.width / 2, canvas.height / 2], down: false};
    function showCursor() {
      cursor.hidden = false;
      cursor.style.left = canvas.offsetLeft + (pen.at[0] * canvas.clientWidth) / canvas.width + "px";
      cursor.style.top = canvas.offsetTop + (pen.at[1] * canvas.clientHeight) / canvas.height + "px";
      cursor.classList.toggle("nn-pen-down", pen.down);
    }
    canvas.addEventListener("keydown", function (event) {
      var step = event.shiftKey ? 3 : 10, moves = {ArrowLeft: [-1, 0], ArrowRight: [1, 0], ArrowUp: [0, -1], ArrowDown: [0, 1]};
      if (event.key === " " || event.key === "Enter") {
        pen.down = !pen.down;
        if (pen.down) S.pad.begin(pen.at.slice());
        else S.pad.last = null;
      } else if (moves[event.key]) {
        var m = moves[event.key];
        pen.at = [Math.min(Math.max(pen.at[0] + m[0] * step, 0), canvas.width), Math.min(Math.max(pen.at[1] + m[1] * step, 0), canvas.height)];
        if (pen.down) S.pad.extend(pen.at.slice());
      } else return;
      event.preventDefault();
      showCursor();
    });
    canvas.addEventListener("keyup", function (event) { if (event.key === "Tab") showCursor(); });
    canvas.addEventListener("blur", function () {
      cursor.hidden = true;
      pen.down = false;
      S.pad.last = null;
    });
  }

  /** One option per layer that has neurons: hidden layer 1, ..., output. */
  function fillLayers(select) {
    for (var l = 1; l <= S.net.weights.length; l++) el("option", {value: l}, select).textContent = NNWidgets.layerName(S, l);
  }

  function setUpNeuronControls() {
    var layerSelect = $("nn-neuron-layer");
    if (!layerSelect) return;
    fillLayers(layerSelect);
    layerSelect.addEventListener("change", function () { select(+layerSelect.value, +$("nn-neuron-index").value); });
    $("nn-neuron-index").addEventListener("input", function () {
      var value = parseInt(this.value, 10);
      if (!isNaN(value)) select(S.focus.layer, value);
    });
    $("nn-bias").addEventListener("input", function () {
      S.bias = +this.value;
      NNWidgets.renderNeuron(S);
    });
    $("nn-bias-reset").addEventListener("click", function () {
      S.bias = null;
      S.neuronKey = null; // the slider back to the trained bias
      NNWidgets.renderNeuron(S);
    });
  }

  function setUpMatrix() {
    var layerSelect = $("nn-matrix-layer");
    if (!layerSelect) return;
    fillLayers(layerSelect);
    layerSelect.addEventListener("change", function () { select(+layerSelect.value, 0); });
  }

  function setUpSamples() {
    if (!$("nn-sample-text")) return;
    var n = S.sample.labels.length;
    if (!n) {
      $("nn-sample-text").textContent = "This network came without test digits.";
      return;
    }
    S.samplePredictions = [];
    S.wrong = [];
    for (var i = 0; i < n; i++) {
      var predicted = NNNetwork.argmax(S.net.forward(samplePixels(i)).probabilities);
      S.samplePredictions.push(predicted);
      if (predicted !== S.sample.labels[i]) S.wrong.push(i);
    }
    S.sampleIndex = S.data.start >= 0 ? S.data.start : 0;
    function shown() { return $("nn-sample-wrong").checked ? S.wrong : S.sample.labels.map(function (_, k) { return k; }); }
    function step(by) {
      var list = shown();
      if (!list.length) return;
      var at = list.indexOf(S.sampleIndex);
      if (at < 0) at = by > 0 ? -1 : 0;
      S.sampleIndex = list[(at + by + list.length) % list.length];
      NNWidgets.renderSample(S, list);
    }
    $("nn-sample-prev").addEventListener("click", function () { step(-1); });
    $("nn-sample-next").addEventListener("click", function () { step(1); });
    $("nn-sample-wrong").addEventListener("change", function () {
      if (shown().indexOf(S.sampleIndex) < 0) step(1);
      else NNWidgets.renderSample(S, shown());
    });
    $("nn-sample-load").addEventListener("click", function () { load(samplePixels(S.sampleIndex)); });
    var image = $("nn-sample-image");
    image.tabIndex = 0;
    image.addEventListener("keydown", function (event) {
      var by = {ArrowLeft: -1, ArrowUp: -1, ArrowRight: 1, ArrowDown: 1}[event.key];
      if (by) step(by);
      else if (event.key === "Enter" || event.key === " ") load(samplePixels(S.sampleIndex));
      else return;
      event.preventDefault();
    });
    S.renderSample = function () { NNWidgets.renderSample(S, shown()); };
    $("nn-wrong-count").textContent = S.wrong.length + " of " + n;
    NNWidgets.renderSample(S, shown());
  }

  function init() {
    var source = $("nnexplain-data");
    if (!source) return;
    var data = JSON.parse(source.textContent);
    S.data = data;
    S.net = NNNetwork.fromData(data);
    S.side = data.side;
    S.classes = data.classes;
    S.sample = {images: data.sample ? NNNetwork.decodeUint8(data.sample.images) : new Uint8Array(0),
                labels: data.sample ? data.sample.labels : []}; // prettier-ignore
    S.timings = [];
    NNWidgets.injectStyle();
    if (data.start >= 0 && S.sample.labels.length) S.input = samplePixels(data.start);
    else if (data.start_pixels) S.input = Float64Array.from(data.start_pixels);
    else S.input = zeros();
    S.focus = {layer: 1, index: 0};
    NNWidgets.narrow();
    setUpDraw();
    NNWidgets.buildDraw(S);
    NNWidgets.buildDiagram(S, select);
    setUpNeuronControls();
    setUpMatrix();
    NNWidgets.wireMatrix(select, S);
    setUpSamples();
    NNWidgets.markSelected(S);
    load(S.input);
    new MutationObserver(function () { // the page's theme toggle: repaint the canvases in the new colours
      S.matrixKey = null;
      if (S.renderSample) S.renderSample();
      schedule(false);
    }).observe(document.body, {attributes: true, attributeFilter: ["class"]});
    window.addEventListener("resize", function () {
      var was = NNWidgets.isNarrow;
      if (NNWidgets.narrow() === was) return;
      NNWidgets.buildDiagram(S, select); // a phone turned sideways: redraw for the new width
      NNWidgets.markSelected(S);
      render();
    });
  }

  window.nnexplainLesson = {
    forward: function (pixels) {
      var pass = S.net.forward(pixels);
      return {activations: pass.activations.slice(1).map(toArray), probabilities: toArray(pass.probabilities)};
    },
    input: function () { return toArray(S.input); },
    prediction: function () { return NNNetwork.argmax(S.pass.probabilities); },
    load: load,
    select: select,
    /** Draw strokes (lists of [x, y] in the pad's pixels) on the pad as a pointer would, then update. */
    draw: function (strokes) {
      S.pad.drawStrokes(strokes);
      if (S.frame) cancelAnimationFrame(S.frame);
      S.fromPad = true;
      update();
    },
    /** Clear the pad (the input becomes an empty grid). */
    clear: function () {
      S.pad.clear();
      S.fromPad = true;
      update();
    },
    /** Milliseconds the last update took (drawing recipe, forward pass and every widget). */
    lastUpdateMs: function () { return S.lastUpdateMs; },
    /** Milliseconds of each update since the last call (at most the last 1000), then forgets them. */
    updateTimes: function () { return S.timings.splice(0, S.timings.length); },
    /** Run the whole per-stroke update n times and return each one's milliseconds. */
    timeUpdates: function (n) {
      var times = [];
      for (var i = 0; i < n; i++) {
        S.fromPad = !!S.pad;
        update();
        times.push(S.lastUpdateMs);
      }
      return times;
    },
    get data() { return S.data; },
  };

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", init);
  else init();
})();
