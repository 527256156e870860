/* nnexplain lesson: the network, in plain JavaScript (no modules, works from file://).
 *
 * Mirrors network/preprocessing.py and network/model.py, in float64:
 *   x = (pixel - mean) / std            (pixel in [0, 1]; no preprocessing: x = pixel)
 *   a(l) = f(W(l) a(l-1) + b(l))        f = sigmoid 1/(1+e^-z) = 0.5 (1 + tanh(z/2)) or ReLU max(0, z)
 *   output = softmax(W(L) a(L-1) + b(L))
 * W(l) is (n_out, n_in) row-major, so row j holds neuron j's incoming weights.
 *
 *   var net = NNNetwork.fromData(JSON.parse(text));
 *   var pass = net.forward(pixels);   // {inputs, preActivations, activations, probabilities}
 */
var NNNetwork = (function () {
  "use strict";

  function bytesOf(base64) {
    var text = atob(base64), bytes = new Uint8Array(text.length);
    for (var i = 0; i < text.length; i++) bytes[i] = text.charCodeAt(i);
    return bytes;
  }

  /** base64 of little-endian float64 values -> Float64Array. */
  function decodeFloat64(base64) {
    var bytes = bytesOf(base64);
    if (bytes.length % 8) throw new Error("float64 data of " + bytes.length + " bytes");
    var view = new DataView(bytes.buffer), out = new Float64Array(bytes.length / 8);
    for (var i = 0; i < out.length; i++) out[i] = view.getFloat64(8 * i, true);
    return out;
  }

  /** base64 of uint8 values -> Uint8Array. */
  function decodeUint8(base64) {
    return bytesOf(base64);
  }

  function sigmoid(z) {
    return 0.5 * (1 + Math.tanh(0.5 * z)); // as network/activations.py: never overflows
  }

  function relu(z) {
    return z > 0 ? z : 0;
  }

  var HIDDEN = {sigmoid: sigmoid, relu: relu};

  function softmax(z) {
    var top = -Infinity, i, out = new Float64Array(z.length), total = 0;
    for (i = 0; i < z.length; i++) if (z[i] > top) top = z[i];
    for (i = 0; i < z.length; i++) total += out[i] = Math.exp(z[i] - top);
    for (i = 0; i < z.length; i++) out[i] /= total;
    return out;
  }

  function Network(sizes, activation, weights, biases, preprocessing) {
    if (!HIDDEN[activation]) throw new Error("unknown activation " + activation);
    this.sizes = sizes;
    this.activation = activation;
    this.hidden = HIDDEN[activation];
    this.weights = weights; // Float64Array (n_out * n_in) per layer
    this.biases = biases; // Float64Array (n_out) per layer
    this.preprocessing = preprocessing || null;
  }

  /** The network in the page's data JSON (see lesson_contract: sizes, activation, layers, preprocessing). */
  Network.fromData = function (data) {
    var weights = [], biases = [];
    data.layers.forEach(function (layer, l) {
      var W = decodeFloat64(layer.weights), b = decodeFloat64(layer.biases);
      if (W.length !== data.sizes[l] * data.sizes[l + 1] || b.length !== data.sizes[l + 1])
        throw new Error("layer " + (l + 1) + " does not fit sizes " + data.sizes.join("-"));
      weights.push(W);
      biases.push(b);
    });
    return new Network(data.sizes, data.activation, weights, biases, data.preprocessing);
  };

  /** The network's inputs for raw pixels in [0, 1], as network/preprocessing.py. */
  Network.prototype.preprocess = function (pixels) {
    var n = this.sizes[0], x = new Float64Array(n), p = this.preprocessing;
    if (pixels.length !== n) throw new Error("the network takes " + n + " pixels, got " + pixels.length);
    for (var i = 0; i < n; i++) x[i] = p ? (pixels[i] - p.mean) / p.std : +pixels[i];
    return x;
  };

  /** z = W a + b for one layer (0-based). */
  Network.prototype.weightedSums = function (layer, a) {
    var W = this.weights[layer], b = this.biases[layer];
    var nIn = this.sizes[layer], nOut = this.sizes[layer + 1], z = new Float64Array(nOut);
    for (var j = 0; j < nOut; j++) {
      var sum = 0, row = j * nIn;
      for (var i = 0; i < nIn; i++) sum += W[row + i] * a[i];
      z[j] = sum + b[j];
    }
    return z;
  };

  /** Every layer for raw pixels in [0, 1]: activations[0] is the network's input x. */
  Network.prototype.forward = function (pixels) {
    var a = this.preprocess(pixels), activations = [a], pre = [], last = this.weights.length - 1;
    for (var l = 0; l <= last; l++) {
      var z = this.weightedSums(l, a);
      if (l === last) a = softmax(z);
      else {
        a = new Float64Array(z.length);
        for (var j = 0; j < z.length; j++) a[j] = this.hidden(z[j]);
      }
      pre.push(z);
      activations.push(a);
    }
    return {inputs: activations[0], preActivations: pre, activations: activations, probabilities: a};
  };

  /** Index of the largest value (the first of equal ones, as numpy's argmax). */
  function argmax(values) {
    var best = 0;
    for (var i = 1; i < values.length; i++) if (values[i] > values[best]) best = i;
    return best;
  }

  /** Weight row of neuron j in layer l (0-based): a view, not a copy. */
  Network.prototype.row = function (layer, j) {
    var nIn = this.sizes[layer];
    return this.weights[layer].subarray(j * nIn, (j + 1) * nIn);
  };

  return {
    Network: Network,
    fromData: Network.fromData,
    decodeFloat64: decodeFloat64,
    decodeUint8: decodeUint8,
    sigmoid: sigmoid,
    relu: relu,
    softmax: softmax,
    argmax: argmax,
  };
})();
