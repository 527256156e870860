/* nnexplain lesson: the draw, neuron, test-digit and matrix panels, and the widgets' CSS
 * (NNWidgets, part 2). Each render function reads the state S (widgets.js) and writes its panel. */
var NNWidgets = window.NNWidgets || {};
(function (W) {
  "use strict";

  var MAX_ROWS = 16, MAX_COLUMNS = 8, TOP_TERMS = 8;
  var exact = W.exact, fixed = W.fixed;

  function $(id) { return document.getElementById(id); }
  function signed(x, digits) { return '<span class="' + (x < 0 ? "nn-neg" : "nn-pos") + '" title="' + exact(x) + '">' + fixed(x, digits) + "</span>"; }
  var fName = W.fName, layerName = W.layerName;

  /* ---- colours: CSS custom properties, read once per body class ---- */
  function colours(S) {
    if (S.coloursFor !== document.body.className) {
      var style = getComputedStyle(document.body), out = {};
      ["neuron-on", "neuron-off", "positive", "negative", "neutral"].forEach(function (name) {
        var hex = style.getPropertyValue("--nn-" + name).trim() || "#808080";
        out[name] = [1, 3, 5].map(function (k) { return parseInt(hex.substr(k, 2), 16); });
      });
      S.colours = out;
      S.coloursFor = document.body.className;
    }
    return S.colours;
  }

  /** Paint side x side values on a canvas: "digit" (off -> on) or "diverging" (negative, neutral, positive). */
  W.paint = function (S, canvas, values, mode) {
    var c = colours(S), side = S.side, scale = 0, k, from, to, t;
    if (canvas.width !== side || canvas.height !== side) canvas.width = canvas.height = side;
    var context = canvas.getContext("2d"), image = context.createImageData(side, side), data = image.data;
    if (mode === "diverging") for (k = 0; k < values.length; k++) scale = Math.max(scale, Math.abs(values[k]));
    for (k = 0; k < side * side; k++) {
      var v = values[k];
      if (mode === "digit") (from = c["neuron-off"]), (to = c["neuron-on"]), (t = v < 0 ? 0 : v > 1 ? 1 : v);
      else (from = c.neutral), (to = v < 0 ? c.negative : c.positive), (t = scale ? Math.min(Math.abs(v) / scale, 1) : 0);
      data[4 * k] = Math.round(from[0] + (to[0] - from[0]) * t);
      data[4 * k + 1] = Math.round(from[1] + (to[1] - from[1]) * t);
      data[4 * k + 2] = Math.round(from[2] + (to[2] - from[2]) * t);
      data[4 * k + 3] = 255;
    }
    context.putImageData(image, 0, 0);
  };

  /* ---- 1. draw: input grid, prediction, probabilities ---- */
  W.buildDraw = function (S) {
    var list = $("nn-probabilities"), caption = $("nn-input-caption");
    if (!list) return;
    if (caption) {
      var box = Math.max(1, NNDrawing.roundHalfEven((20 * S.side) / 28)); // as network/images.py
      caption.textContent = "What the network sees: the drawing's box scaled to " + box + " \u00d7 " + box
        + ", its centre of mass moved to the centre of the " + S.side + " \u00d7 " + S.side + " grid.";
    }
    S.bars = S.classes.map(function (name) {
      var item = document.createElement("li");
      item.innerHTML = '<span class="nn-class">' + name + '</span><span class="nn-track"><span class="nn-bar"></span></span><span class="nn-number"></span>';
      list.appendChild(item);
      return item;
    });
  };

  W.renderDraw = function (S) {
    if (!S.bars) return;
    var p = S.pass.probabilities, best = NNNetwork.argmax(p), blank = !S.input.some(function (v) { return v > 0; });
    W.paint(S, $("nn-input-grid"), S.input, "digit");
    $("nn-prediction").textContent = S.classes[best];
    $("nn-prediction").setAttribute("data-class", best);
    $("nn-confidence").textContent = "(" + (100 * p[best]).toFixed(1) + "%" + (blank ? ", for an empty grid" : "") + ")";
    S.bars.forEach(function (item, k) {
      item.className = k === best ? "nn-top" : "";
      item.lastChild.textContent = (100 * p[k]).toFixed(2) + "%";
      item.lastChild.title = exact(p[k]);
      item.children[1].firstChild.style.width = (100 * p[k]).toFixed(2) + "%";
    });
  };

  /* ---- 3. one neuron's arithmetic ---- */
  W.renderNeuron = function (S) {
    var box = $("nn-neuron-sum");
    if (!box) return;
    var l = S.focus.layer, j = S.focus.index, L = S.net.weights.length, row = S.net.row(l - 1, j);
    var prev = S.pass.activations[l - 1], b0 = S.net.biases[l - 1][j], i, terms = [], rest = 0;
    if (S.neuronKey !== l + ":" + j) { // a new neuron in focus: its controls (not on every stroke)
      S.neuronKey = l + ":" + j;
      $("nn-neuron-layer").value = l;
      $("nn-neuron-index").max = S.net.sizes[l] - 1;
      if (document.activeElement !== $("nn-neuron-index")) $("nn-neuron-index").value = j;
      $("nn-bias").min = (b0 - 10).toFixed(2);
      $("nn-bias").max = (b0 + 10).toFixed(2);
      $("nn-bias").value = b0;
    }
    for (i = 0; i < row.length; i++) terms.push(i);
    if (row.length > TOP_TERMS * 2) {
      terms.sort(function (p, q) { return Math.abs(row[q] * prev[q]) - Math.abs(row[p] * prev[p]) || p - q; });
      terms = terms.slice(0, TOP_TERMS);
      for (i = 0; i < row.length; i++) if (terms.indexOf(i) < 0) rest += row[i] * prev[i];
    }
    var sum = 0;
    for (i = 0; i < row.length; i++) sum += row[i] * prev[i];
    var b = S.bias === null || S.bias === undefined ? b0 : S.bias, z = sum + b, f = fName(S, l), point = activate(S, l, j, z);
    var what = l === 1 ? (S.net.preprocessing ? "x" : "pixel") : "a";
    var html = "<p><strong>" + layerName(S, l) + ", neuron " + j + (l === L ? " (class " + S.classes[j] + ")" : "") + "</strong>: z = \u03a3 w\u1d62 " + what + "\u1d62 + b</p><p class=\"nn-terms\">z = ";
    html += terms.map(function (k) { return "(" + signed(row[k], 2) + " \u00d7 " + fixed(prev[k], 2) + ")"; }).join(" + ");
    if (terms.length < row.length) html += " + <span class=\"nn-rest\">[" + (row.length - terms.length) + " smaller terms: " + signed(rest, 3) + "]</span>";
    html += " + " + signed(b, 3) + "</p><p>= " + fixed(sum, 4) + " + " + fixed(b, 4) + " = <strong id=\"nn-neuron-z\">" + exact(z) + "</strong></p>";
    html += "<p>a = " + f + "(z) = <strong id=\"nn-neuron-a\">" + exact(point) + "</strong>";
    if (b !== b0) html += ' <span class="nn-caption">(with the trained bias ' + exact(b0) + ": a = " + exact(S.pass.activations[l][j]) + ")</span>";
    box.innerHTML = html + "</p>";
    $("nn-bias-value").textContent = fixed(b, 3);
    curve(S, l, j, z, point);
  };

  /** f(z) for neuron j of layer l; for the output, its softmax probability with the others fixed. */
  function activate(S, l, j, z) {
    if (l < S.net.weights.length) return S.net.hidden(z);
    var zs = S.pass.preActivations[l - 1], top = z, k, total = 0;
    for (k = 0; k < zs.length; k++) if (k !== j) top = Math.max(top, zs[k]);
    for (k = 0; k < zs.length; k++) total += Math.exp((k === j ? z : zs[k]) - top);
    return Math.exp(z - top) / total;
  }

  /** The activation's curve with the neuron's point: the curve is drawn again only when the neuron or
   *  the range changes (an output neuron's depends on the other outputs: always), the point moves. */
  function curve(S, l, j, z, point) {
    var svg = $("nn-curve"), width = 420, height = 200, pad = 24, output = l === S.net.weights.length;
    var half = Math.max(6, Math.ceil(1.25 * Math.abs(z))), relu = !output && S.net.activation === "relu";
    var yTop = relu ? half : 1, n = 120, d = "", key = [l, j, half].join(":");
    function X(v) { return pad + ((v + half) / (2 * half)) * (width - 2 * pad); }
    function Y(v) { return height - pad - (v / yTop) * (height - 2 * pad); }
    if (output || key !== S.curveKey) {
      S.curveKey = output ? null : key;
      for (var k = 0; k <= n; k++) {
        var v = -half + (2 * half * k) / n;
        d += (k ? "L" : "M") + X(v).toFixed(1) + "," + Y(activate(S, l, j, v)).toFixed(1);
      }
      svg.setAttribute("viewBox", "0 0 " + width + " " + height);
      svg.innerHTML = '<line class="nn-axis" x1="' + pad + '" x2="' + (width - pad) + '" y1="' + Y(0) + '" y2="' + Y(0) + '"/>'
        + '<line class="nn-axis" x1="' + X(0) + '" x2="' + X(0) + '" y1="' + pad / 2 + '" y2="' + (height - pad) + '"/>'
        + '<path class="nn-curve-line" d="' + d + '"/><circle class="nn-curve-point" r="6"/>'
        + '<text class="nn-layer-label" x="' + (width - pad) + '" y="' + (height - 6) + '" text-anchor="end">z</text>'
        + '<text class="nn-layer-label" x="' + (X(0) + 6) + '" y="' + (pad / 2 + 10) + '">' + fName(S, l) + "(z)" + (output ? " (others fixed)" : "") + "</text>"
        + '<text class="nn-layer-label nn-curve-label"></text>';
    }
    var dot = svg.querySelector(".nn-curve-point"), label = svg.querySelector(".nn-curve-label");
    dot.setAttribute("cx", X(z).toFixed(1));
    dot.setAttribute("cy", Y(point).toFixed(1));
    label.setAttribute("x", (X(z) + (z > half / 2 ? -8 : 8)).toFixed(1));
    label.setAttribute("y", (Y(point) + (point > yTop / 2 ? 18 : -10)).toFixed(1));
    label.setAttribute("text-anchor", z > half / 2 ? "end" : "start");
    label.textContent = "(" + fixed(z, 2) + ", " + fixed(point, 3) + ")";
  }

  /* ---- 5. the matrix view ---- */
  W.renderMatrix = function (S) {
    var box = $("nn-matrix");
    if (!box) return;
    var l = S.focus.layer, j = S.focus.index, L = S.net.weights.length, nIn = S.net.sizes[l - 1], nOut = S.net.sizes[l];
    var prev = S.pass.activations[l - 1], z = S.pass.preActivations[l - 1], a = S.pass.activations[l], Wl = S.net.weights[l - 1];
    var x = l === 1 ? (S.net.preprocessing ? "x" : "pixel") : "a\u207d" + (l - 1) + "\u207e";
    var columns = [], i;
    for (i = 0; i < nIn; i++) columns.push(i);
    var most = W.isNarrow ? 4 : MAX_COLUMNS;
    if (nIn > most) {
      columns.sort(function (p, q) { return Math.abs(prev[q]) - Math.abs(prev[p]) || p - q; });
      columns = columns.slice(0, most).sort(function (p, q) { return p - q; });
    }
    var first = Math.max(0, Math.min(j - MAX_ROWS / 2, nOut - MAX_ROWS)), rows = [];
    for (i = first; i < Math.min(nOut, first + MAX_ROWS); i++) rows.push(i);
    var key = [l, j, first, columns.join(","), W.isNarrow].join("|");
    if (key === S.matrixKey) return updateMatrix(S, columns, rows, prev, z, a);
    S.matrixKey = key;
    $("nn-matrix-layer").value = l;
    $("nn-matrix-formula").textContent = (l === L ? "p" : "a\u207d" + l + "\u207e") + " = " + fName(S, l) + "(W\u207d" + l + "\u207e " + x + " + b\u207d" + l + "\u207e)";
    var more = nIn - columns.length, html = "<table><thead><tr><th></th>";
    html += columns.map(function (c) { return "<th>" + c + "</th>"; }).join("") + (more ? "<th>\u22ef</th>" : "") + "<th></th><th></th><th></th></tr>";
    html += '<tr class="nn-vector"><th>' + x + " \u2192</th>" + columns.map(function () { return '<td class="nn-v"></td>'; }).join("");
    html += (more ? "<td>\u22ef</td>" : "") + "<th>+ b</th><th>= z</th><th>" + (l === L ? "p" : "a") + " = " + fName(S, l) + "(z)</th></tr></thead><tbody>";
    rows.forEach(function (r) {
      html += "<tr data-row=\"" + r + "\"" + (r === j ? ' class="nn-hl"' : "") + "><th>" + (l === L ? S.classes[r] : r) + "</th>";
      html += columns.map(function (c) { return "<td>" + signed(Wl[r * nIn + c], 2) + "</td>"; }).join("");
      html += (more ? "<td>\u22ef</td>" : "") + "<td>" + signed(S.net.biases[l - 1][r], 2) + '</td><td class="nn-z"></td><td class="nn-a"></td></tr>';
    });
    box.innerHTML = html + "</tbody></table>";
    S.matrixCells = {v: box.querySelectorAll(".nn-v"), z: box.querySelectorAll(".nn-z"), a: box.querySelectorAll(".nn-a")};
    updateMatrix(S, columns, rows, prev, z, a);
    $("nn-matrix-note").textContent = (more ? "W\u207d" + l + "\u207e has " + nIn + " columns; shown are the " + columns.length + " of the largest inputs (\u22ef stands for the other " + more + "). " : "")
      + (rows.length < nOut ? "Rows " + rows[0] + "\u2013" + rows[rows.length - 1] + " of " + nOut + ". " : "") + "Hover a row, or a neuron in the diagram, to highlight it.";
  };

  /** The matrix view's numbers that change with the input: the input vector, z and a. */
  function updateMatrix(S, columns, rows, prev, z, a) {
    var cells = S.matrixCells;
    columns.forEach(function (c, k) { cells.v[k].textContent = fixed(prev[c], 2); });
    rows.forEach(function (r, k) {
      cells.z[k].textContent = fixed(z[r], 2);
      cells.z[k].className = "nn-z " + (z[r] < 0 ? "nn-neg" : "nn-pos");
      cells.a[k].textContent = fixed(a[r], 3);
    });
  }

  W.wireMatrix = function (select, S) {
    var box = $("nn-matrix");
    if (box) box.addEventListener("pointerover", function (event) {
      var row = event.target.closest && event.target.closest("tr[data-row]");
      if (row) select(S.focus.layer, +row.getAttribute("data-row"));
    });
  };

  /* ---- 4. the test digits ---- */
  W.renderSample = function (S, list) {
    var i = S.sampleIndex, label = S.sample.labels[i], said = S.samplePredictions[i], at = list.indexOf(i);
    W.paint(S, $("nn-sample-image"), scaled(S, i), "digit");
    $("nn-sample-text").innerHTML = "Test digit #" + i + (at >= 0 ? " (" + (at + 1) + " of " + list.length + ")" : "") + ": it is a <strong>" + S.classes[label]
      + '</strong>; the network says <strong class="' + (said === label ? "nn-correct" : "nn-wrong") + '">' + S.classes[said] + "</strong>" + (said === label ? " (right)" : " (wrong)");
  };

  function scaled(S, i) {
    var n = S.side * S.side, out = new Float64Array(n);
    for (var k = 0; k < n; k++) out[k] = S.sample.images[i * n + k] / 255;
    return out;
  }
  /* ---- the widgets' CSS, injected once (theme colours from scenes/mobjects/theme.py) ---- */
  var CSS = [
    ":root, body.theme-dark { --nn-grid: #3b4252; --nn-muted: #8a94a6; --nn-positive: #3fa7ff; --nn-negative: #ff5c5c;",
    "  --nn-neutral: #000000; --nn-highlight: #ffd54a; --nn-correct: #6fd66f; --nn-wrong: #ff6b6b; --nn-neuron-on: #ffffff;",
    "  --nn-neuron-off: #000000; --nn-neuron-stroke: #d8dee9; --nn-hl-bg: rgba(255, 213, 74, 0.2); --nn-panel: rgba(255, 255, 255, 0.03); }",
    "body.theme-light { --nn-grid: #c0c4cc; --nn-muted: #5c6370; --nn-positive: #1f5fbf; --nn-negative: #c62828;",
    "  --nn-neutral: #ffffff; --nn-highlight: #d98e04; --nn-correct: #2e7d32; --nn-wrong: #c62828; --nn-neuron-on: #000000;",
    "  --nn-neuron-off: #ffffff; --nn-neuron-stroke: #333333; --nn-hl-bg: rgba(217, 142, 4, 0.18); --nn-panel: rgba(0, 0, 0, 0.02); }",
    ".nn-widget { margin: 1.5em 0; padding: 1em; border: 1px solid var(--nn-grid); border-radius: 8px; background: var(--nn-panel); }",
    ".nn-widget h3 { margin-top: 0; }",
    ".nn-row { display: flex; flex-wrap: wrap; gap: 1em 1.5em; align-items: flex-start; }",
    ".nn-caption { color: var(--nn-muted); font-size: 0.9em; }",
    ".nn-pad { position: relative; flex: 0 1 280px; max-width: 100%; }",
    "#draw { display: block; width: 100%; max-width: 280px; aspect-ratio: 1; border: 1px solid var(--nn-grid); border-radius: 6px; cursor: crosshair; touch-action: none; }",
    ".nn-pad-cursor { position: absolute; width: 16px; height: 16px; margin: -8px 0 0 -8px; border: 2px solid var(--nn-highlight); border-radius: 50%; pointer-events: none; }",
    ".nn-pad-cursor.nn-pen-down { background: var(--nn-highlight); }",
    "#nn-input-grid, #nn-sample-image, #nn-detail-weights, #nn-detail-push { image-rendering: pixelated; width: 140px; height: 140px; border: 1px solid var(--nn-grid); }",
    ".nn-input, .nn-detail figure { margin: 0; }",
    ".nn-input { flex: 0 1 160px; }",
    ".nn-output { flex: 1 1 220px; min-width: 0; }",
    ".nn-prediction { font-size: 1.2em; margin-top: 0; }",
    "#nn-prediction { font-size: 1.8em; color: var(--nn-highlight); }",
    ".nn-bars { list-style: none; padding: 0; margin: 0; }",
    ".nn-bars li { display: grid; grid-template-columns: minmax(1.5em, auto) 1fr 4.8em; align-items: center; gap: 0.5em; line-height: 1.5; }",
    ".nn-number, .nn-bars li, .nn-matrix, .nn-terms { font-variant-numeric: tabular-nums; }",
    ".nn-bars li > .nn-number { text-align: right; }",
    ".nn-track { height: 0.8em; border-radius: 2px; background: var(--nn-hl-bg); overflow: hidden; }",
    ".nn-bar { display: block; height: 100%; background: var(--nn-muted); }",
    ".nn-bars li.nn-top { font-weight: bold; } .nn-bars li.nn-top .nn-bar { background: var(--nn-highlight); }",
    ".nn-diagram-wrap svg { display: block; width: 100%; height: auto; }",
    ".nn-diagram-input { image-rendering: pixelated; display: block; width: 100%; height: 100%; }",
    ".nn-frame { fill: none; stroke: var(--nn-grid); }",
    ".nn-off { fill: var(--nn-neuron-off); }",
    ".nn-hit { fill: transparent; cursor: pointer; }",
    ".nn-neuron.nn-tiny { stroke-width: 0.4; } .nn-neuron.nn-tiny.nn-selected, .nn-neuron.nn-tiny:focus-visible { stroke-width: 3; }",
    ".nn-neuron { fill: var(--nn-neuron-on); stroke: var(--nn-neuron-stroke); stroke-width: 1.5; cursor: pointer; outline: none; }",
    ".nn-neuron:focus-visible, .nn-neuron.nn-selected { stroke: var(--nn-highlight); stroke-width: 4; }",
    ".nn-epos { stroke: var(--nn-positive); } .nn-eneg { stroke: var(--nn-negative); }",
    ".nn-fan { stroke: var(--nn-grid); stroke-opacity: 0.6; }",
    ".nn-layer-label, .nn-class-label { fill: currentColor; } .nn-layer-label { font-size: 14px; }",

    ".nn-axis { stroke: var(--nn-muted); stroke-width: 1; }",
    ".nn-bpos { fill: var(--nn-positive); } .nn-bneg { fill: var(--nn-negative); }",
    ".nn-detail-figures figure > svg { width: 100%; max-width: 560px; height: auto; display: block; }",
    ".nn-pair { display: flex; flex-wrap: wrap; gap: 1em; }",
    ".nn-pos { color: var(--nn-positive); } .nn-neg { color: var(--nn-negative); }",
    ".nn-correct { color: var(--nn-correct); } .nn-wrong { color: var(--nn-wrong); }",
    ".nn-controls { display: flex; flex-wrap: wrap; gap: 0.5em 1em; align-items: center; margin: 0.6em 0; }",
    ".nn-widget button, .nn-widget select, .nn-widget input { font: inherit; min-height: 2.2em; }",
    ".nn-widget input[type=number] { width: 5em; }",
    ".nn-widget input[type=checkbox] { min-height: 0; width: 1.2em; height: 1.2em; vertical-align: -0.2em; }",
    "body.theme-dark .nn-widget { color-scheme: dark; } body.theme-light .nn-widget { color-scheme: light; }",
    ".nn-widget input[type=range] { width: min(100%, 340px); }",
    ".nn-widget :focus-visible { outline: 3px solid var(--nn-highlight); outline-offset: 2px; }",
    ".nn-terms { overflow-wrap: anywhere; line-height: 1.7; }",
    "#nn-curve { display: block; width: 100%; max-width: 460px; height: auto; }",
    ".nn-curve-line { fill: none; stroke: currentColor; stroke-width: 2.5; }",
    ".nn-curve-point { fill: var(--nn-highlight); }",
    ".nn-formula { font-size: 1.15em; }",
    ".nn-matrix-wrap { overflow-x: auto; max-width: 100%; }",
    ".nn-matrix table { border-collapse: collapse; font-size: 0.85em; }",
    ".nn-matrix th, .nn-matrix td { padding: 0.15em 0.45em; text-align: right; white-space: nowrap; }",
    ".nn-matrix thead th { color: var(--nn-muted); font-weight: normal; }",
    ".nn-matrix tr.nn-vector td { border-bottom: 1px solid var(--nn-grid); }",
    ".nn-matrix tr.nn-hl td, .nn-matrix tr.nn-hl th { background: var(--nn-hl-bg); font-weight: bold; }",
    "@media (max-width: 480px) { .nn-widget { padding: 0.6em; } .nn-input { display: flex; gap: 0.6em; flex-basis: 100%; }",
    "  #nn-input-grid, #nn-sample-image { width: 112px; height: 112px; } #nn-detail-weights, #nn-detail-push { width: 120px; height: 120px; } }",
  ].join("\n");

  W.injectStyle = function () {
    if (document.getElementById("nnexplain-widgets-style")) return;
    var style = document.createElement("style");
    style.id = "nnexplain-widgets-style";
    style.textContent = CSS;
    document.head.appendChild(style);
  };
})(NNWidgets);
