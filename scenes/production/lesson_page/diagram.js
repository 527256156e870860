/* nnexplain lesson: the network diagram and the focused neuron's details (NNWidgets, part 1).
 *
 * An SVG: the input image, then one column of neurons per layer, edges between the columns coloured
 * by the weight's sign with opacity by its size (the strongest MAX_EDGES of a layer if there are
 * more, fainter where there are many), as the
 * videos draw them. Each neuron is two circles, "off" below and "on" above with fill-opacity = its
 * activation (ReLU: relative to the layer's largest), so the theme's colours apply without JS.
 * Neurons are focusable: Tab reaches each, arrows move, Enter/Space/hover/tap puts one in focus.
 */
var NNWidgets = window.NNWidgets || {};
(function (W) {
  "use strict";

  var SVG = "http://www.w3.org/2000/svg", MAX_EDGES = 800, WIDTH = 720, HEIGHT = 380, NARROW = 520;

  function el(tag, attributes, parent) {
    var node = document.createElementNS(SVG, tag);
    for (var key in attributes) node.setAttribute(key, attributes[key]);
    if (parent) parent.appendChild(node);
    return node;
  }

  function exact(x) { return (x < 0 ? "\u2212" : "") + String(+Math.abs(x).toPrecision(10)); }
  W.exact = exact;
  W.fixed = function (x, digits) { return (x < 0 ? "\u2212" : "") + Math.abs(x).toFixed(digits); };
  /** The activation's name in formulas (the output layer's is softmax) and a layer's name in prose. */
  W.fName = function (S, l) { return l === S.net.weights.length ? "softmax" : S.net.activation === "relu" ? "ReLU" : "\u03c3"; };
  W.layerName = function (S, l) { return l === S.net.weights.length ? "output" : "hidden layer " + l; };

  /** Whether the diagram is drawn for a narrow screen (a phone): fewer, larger things. */
  W.narrow = function () {
    var wrap = document.querySelector(".nn-diagram-wrap") || document.body;
    return (W.isNarrow = wrap.clientWidth < NARROW); // reads the layout: at start-up and on resize only
  };

  /** Where each neuron sits: positions[l][j] = [x, y, r] for layers 1..L. On a narrow screen the
   *  drawing is 360 units wide (so its text stays readable) and the input image smaller. */
  function layout(sizes, classes) {
    if (W.isNarrow) (WIDTH = 360), (HEIGHT = 420);
    else (WIDTH = 720), (HEIGHT = 380);
    var L = sizes.length - 1, image = WIDTH < 720 ? 64 : Math.min(160, HEIGHT - 60);
    var longest = Math.max.apply(null, classes.map(function (name) { return String(name).length; }));
    var x0 = 16 + image + (WIDTH < 720 ? 40 : 70), x1 = WIDTH - 22 - Math.min(longest, 14) * 8; // room for the names
    var positions = [null];
    for (var l = 1; l <= L; l++) {
      var n = sizes[l], x = L === 1 ? x1 : x0 + ((x1 - x0) * (l - 1)) / (L - 1);
      var spacing = Math.min(30, (HEIGHT - 70) / n), r = Math.max(1.5, Math.min(11, spacing * 0.4));
      var top = (HEIGHT - 30) / 2 - (spacing * (n - 1)) / 2, column = [];
      for (var j = 0; j < n; j++) column.push([x, top + j * spacing, r]);
      positions.push(column);
    }
    return {positions: positions, image: image};
  }

  W.buildDiagram = function (S, select) {
    var svg = document.getElementById("nn-diagram");
    if (!svg) return;
    W.narrow();
    while (svg.firstChild) svg.removeChild(svg.firstChild);
    var net = S.net, sizes = net.sizes, L = sizes.length - 1, shape = layout(sizes, S.classes);
    S.diagram = {positions: shape.positions, on: [null], circles: [null]};
    svg.setAttribute("viewBox", "0 0 " + WIDTH + " " + HEIGHT);
    var imageTop = (HEIGHT - 30 - shape.image) / 2;
    var holder = el("foreignObject", {x: 16, y: imageTop, width: shape.image, height: shape.image}, svg);
    S.diagram.image = document.createElement("canvas"); // painted in place: no image to encode per stroke
    S.diagram.image.className = "nn-diagram-input";
    S.diagram.image.setAttribute("role", "img");
    S.diagram.image.setAttribute("aria-label", "the input image");
    holder.appendChild(S.diagram.image);
    el("rect", {x: 16, y: imageTop, width: shape.image, height: shape.image, "class": "nn-frame"}, svg);
    label(svg, 16 + shape.image / 2, HEIGHT - 8, "input (" + sizes[0] + ")");
    var edges = el("g", {"class": "nn-edges"}, svg), first = shape.positions[1];
    for (var k = 0; k < first.length; k += Math.max(1, Math.round(first.length / 16)))
      el("line", {x1: 16 + shape.image, y1: HEIGHT / 2 - 15, x2: first[k][0], y2: first[k][1], "class": "nn-fan"}, edges);
    for (var l = 2; l <= L; l++) drawEdges(edges, net, l, shape.positions);
    for (l = 1; l <= L; l++) {
      var column = shape.positions[l], ons = [], circles = [];
      var group = el("g", {"class": "nn-layer", role: "group", "aria-label": layerTitle(S, l)}, svg);
      for (var j = 0; j < column.length; j++) {
        var p = column[j];
        el("circle", {cx: p[0], cy: p[1], r: p[2], "class": "nn-off"}, group);
        var on = el("circle", {cx: p[0], cy: p[1], r: p[2], "class": p[2] < 4 ? "nn-neuron nn-tiny" : "nn-neuron", tabindex: 0, role: "button",
                               "data-layer": l, "data-index": j}, group); // prettier-ignore
        ons.push(on);
        circles.push(on);
        if (l === L) {
          var size = Math.min(15, 0.9 * (column.length > 1 ? column[1][1] - column[0][1] : 15));
          var name = el("text", {x: p[0] + p[2] + 4, y: p[1] + size / 3, "class": "nn-class-label", "font-size": size}, svg);
          name.textContent = S.classes[j];
        }
      }
      if (column.length > 1 && column[1][1] - column[0][1] < 12) {
        var hit = el("rect", {x: column[0][0] - 10, y: column[0][1] - 6, width: 20, "class": "nn-hit", "data-hit": l,
                              height: column[column.length - 1][1] - column[0][1] + 12}, group); // prettier-ignore
        group.insertBefore(hit, group.firstChild);
      }
      S.diagram.on.push(ons);
      S.diagram.circles.push(circles);
      var short = WIDTH < 720 ? (l === L ? "out" : "h" + l) : l === L ? "output" : "hidden " + l;
      // the output column sits near the right edge: its label ends there instead of being clipped
      if (l === L) label(svg, WIDTH - 4, HEIGHT - 8, short + " (" + sizes[l] + ")", "end");
      else label(svg, column[0][0], HEIGHT - 8, short + " (" + sizes[l] + ")");
    }
    if (!svg.hasAttribute("data-wired")) wire(svg, S, select);
    svg.setAttribute("data-wired", "");
  };

  function layerTitle(S, l) { return l === S.net.weights.length ? "output layer" : "hidden layer " + l; }

  function label(svg, x, y, text, anchor) {
    el("text", {x: x, y: y, "class": "nn-layer-label", "text-anchor": anchor || "middle"}, svg).textContent = text;
  }

  function drawEdges(group, net, l, positions) {
    var Wl = net.weights[l - 1], nIn = net.sizes[l - 1], top = 0, limit = 0, i;
    var opacity = Wl.length > 300 ? 0.55 : 0.9;
    for (i = 0; i < Wl.length; i++) top = Math.max(top, Math.abs(Wl[i]));
    if (Wl.length > MAX_EDGES) {
      var sorted = Array.prototype.map.call(Wl, Math.abs).sort(function (a, b) { return b - a; });
      limit = sorted[MAX_EDGES - 1];
    }
    for (i = 0; i < Wl.length; i++) {
      var w = Wl[i];
      if (Math.abs(w) < limit || !top) continue;
      var a = positions[l - 1][i % nIn], b = positions[l][Math.floor(i / nIn)];
      el("line", {x1: a[0], y1: a[1], x2: b[0], y2: b[1], "class": w < 0 ? "nn-eneg" : "nn-epos",
                  "stroke-opacity": (opacity * Math.abs(w) / top).toFixed(3)}, group); // prettier-ignore
    }
  }

  function wire(svg, S, select) {
    function target(event) {
      var t = event.target;
      return t && t.getAttribute && t.getAttribute("data-layer") ? t : null;
    }
    function pick(t) { select(+t.getAttribute("data-layer"), +t.getAttribute("data-index")); }
    function nearest(event) { // a column of tiny neurons: the one nearest the pointer
      var l = +event.target.getAttribute("data-hit"), box = svg.getBoundingClientRect();
      var y = ((event.clientY - box.top) * svg.viewBox.baseVal.height) / box.height, column = S.diagram.positions[l];
      var spacing = column[1][1] - column[0][1], j = Math.round((y - column[0][1]) / spacing);
      select(l, Math.min(Math.max(j, 0), column.length - 1));
    }
    svg.addEventListener("pointermove", function (event) { if (event.target.hasAttribute("data-hit")) nearest(event); });
    svg.addEventListener("pointerover", function (event) { var t = target(event); if (t) pick(t); });
    svg.addEventListener("click", function (event) {
      var t = target(event);
      if (t) pick(t);
      else if (event.target.hasAttribute && event.target.hasAttribute("data-hit")) nearest(event);
    });
    svg.addEventListener("focusin", function (event) { var t = target(event); if (t) pick(t); });
    svg.addEventListener("keydown", function (event) {
      var t = target(event);
      if (!t) return;
      var l = +t.getAttribute("data-layer"), j = +t.getAttribute("data-index"), L = S.net.weights.length;
      if (event.key === "Enter" || event.key === " ") return pick(t), event.preventDefault();
      if (event.key === "ArrowUp") j -= 1;
      else if (event.key === "ArrowDown") j += 1;
      else if (event.key === "ArrowLeft" || event.key === "ArrowRight") {
        var next = Math.min(Math.max(l + (event.key === "ArrowLeft" ? -1 : 1), 1), L);
        j = Math.round((j * (S.net.sizes[next] - 1)) / Math.max(1, S.net.sizes[l] - 1));
        l = next;
      } else return;
      event.preventDefault();
      j = Math.min(Math.max(j, 0), S.net.sizes[l] - 1);
      S.diagram.circles[l][j].focus();
    });
  }

  W.markSelected = function (S) {
    if (!S.diagram) return;
    if (S.diagram.selected) S.diagram.selected.classList.remove("nn-selected");
    var circle = S.diagram.circles[S.focus.layer][S.focus.index];
    circle.classList.add("nn-selected");
    S.diagram.selected = circle;
  };

  W.renderDiagram = function (S) {
    if (!S.diagram) return;
    var acts = S.pass.activations, L = S.net.weights.length;
    W.paint(S, S.diagram.image, S.input, "digit");
    for (var l = 1; l <= L; l++) {
      var a = acts[l], scale = 1;
      if (l < L && S.net.activation === "relu") {
        scale = 0;
        for (var k = 0; k < a.length; k++) scale = Math.max(scale, a[k]);
        scale = scale || 1;
      }
      for (var j = 0; j < a.length; j++) {
        var circle = S.diagram.on[l][j];
        circle.setAttribute("fill-opacity", Math.min(Math.max(a[j] / scale, 0), 1).toFixed(3));
        circle.setAttribute("aria-label", layerTitle(S, l) + ", neuron " + j + (l === L ? " (" + S.classes[j] + ")" : "")
                            + ": activation " + exact(a[j])); // prettier-ignore
      }
    }
  };

  /** The focused neuron's numbers, and its weights (heatmaps for the first layer, bars later). */
  W.renderDetail = function (S) {
    var text = document.getElementById("nn-detail-text");
    if (!text) return;
    var l = S.focus.layer, j = S.focus.index, L = S.net.weights.length;
    var a = S.pass.activations[l][j], z = S.pass.preActivations[l - 1][j], b = S.net.biases[l - 1][j];
    var f = W.fName(S, l);
    text.innerHTML = "<strong>" + layerTitle(S, l) + ", neuron " + j + (l === L ? " (class " + S.classes[j] + ")" : "")
      + "</strong>: activation a = " + f + "(z) = <span id=\"nn-detail-value\" class=\"nn-number\">" + exact(a)
      + "</span>; weighted sum z = w\u00b7a + b = <span id=\"nn-detail-z\" class=\"nn-number\">" + exact(z)
      + "</span>; bias b = <span id=\"nn-detail-bias\" class=\"nn-number\">" + exact(b) + "</span>"; // prettier-ignore
    var row = S.net.row(l - 1, j), heat = document.getElementById("nn-detail-heatmaps");
    var firstLayer = l === 1 && row.length === S.side * S.side;
    heat.hidden = !firstLayer;
    document.getElementById("nn-detail-barfig").hidden = firstLayer;
    if (firstLayer) {
      var push = new Float64Array(row.length), x = S.pass.inputs;
      for (var i = 0; i < row.length; i++) push[i] = row[i] * x[i];
      W.paint(S, document.getElementById("nn-detail-weights"), row, "diverging");
      W.paint(S, document.getElementById("nn-detail-push"), push, "diverging");
    } else bars(document.getElementById("nn-detail-bars"), row);
  };

  function bars(svg, row) {
    var n = row.length, width = 480, height = 120, top = 0, i;
    for (i = 0; i < n; i++) top = Math.max(top, Math.abs(row[i]));
    svg.setAttribute("viewBox", "0 0 " + width + " " + height);
    while (svg.firstChild) svg.removeChild(svg.firstChild);
    el("line", {x1: 0, y1: height / 2, x2: width, y2: height / 2, "class": "nn-axis"}, svg);
    var step = width / n;
    for (i = 0; i < n; i++) {
      var h = top ? ((height / 2 - 4) * Math.abs(row[i])) / top : 0;
      var bar = el("rect", {x: i * step + step * 0.1, width: Math.max(step * 0.8, 0.5), height: h,
                            y: row[i] < 0 ? height / 2 : height / 2 - h, "class": row[i] < 0 ? "nn-bneg" : "nn-bpos"}, svg); // prettier-ignore
      el("title", {}, bar).textContent = "weight from neuron " + i + ": " + exact(row[i]);
    }
  }
})(NNWidgets);
