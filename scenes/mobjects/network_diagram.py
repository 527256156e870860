"""The layer diagram of any MLP: neurons lit by real activations, edges coloured by real weights.

A layer larger than `max_shown` shows a subset of its neurons split by a vertical ellipsis, with
its true size written beside it. The input neurons shown stand for real pixels, and their edges
carry the weights of exactly those pixels (column p of W1 for pixel p).

With `full_edges=True` every neuron of every layer and every edge is drawn: the inputs as a dense
column, and all n_in x n_out edges of each layer rasterised with cairo into one image per layer.

A neuron's fill runs from unlit to lit over its layer's activation range: (0, 1) for sigmoid and
softmax layers and pixels, a ReLU layer's typical range (stated by a small colour bar above it).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from manim import (
    DOWN,
    LEFT,
    RIGHT,
    UP,
    AnimationGroup,
    Brace,
    Circle,
    FadeIn,
    Line,
    Succession,
    VGroup,
    override_animate,
    there_and_back,
)

from scenes.choices.diagram_choices import (
    UNIT_RANGE,
    layer_ranges,
    short_number,
    telling_pixels,
    typical_layers,
)
from scenes.choices.selection import strongest_pixels
from scenes.mobjects.dense_column import DenseColumn
from scenes.mobjects.edge_drawing import edge_lines, edge_options, edge_styles, rasterised_edges
from scenes.mobjects.pixel_grid import ColourBar
from scenes.mobjects.raster_image import CreatableGroup, RasterImage
from scenes.mobjects.text import caption, without_glyph_sources
from scenes.mobjects.theme import DARK, Theme

__all__ = ["NetworkDiagram", "labels_beside"]

MAX_OUTPUTS_SHOWN = 30  # up to this many outputs are all drawn, whatever max_shown says
LEGEND_ROOM = 0.65  # height of a range legend above its column
DENSE_FROM = 64  # a full-edge layer with more neurons than this is drawn as one column of cells


def labels_beside(labels: VGroup, points: np.ndarray, buff: float) -> VGroup:
    """Each label right of its point (a column, top to bottom), all scaled alike to fit between
    the rows: with many classes the output labels get smaller, never overlap."""
    spacing = float(np.min(np.abs(np.diff(points[:, 1])))) if len(points) > 1 else np.inf
    labels.scale(min(1.0, 0.85 * spacing / max(label.height for label in labels)))
    for label, point in zip(labels, points):
        label.next_to(point, RIGHT, buff=buff)
    return labels


class NetworkDiagram(CreatableGroup):
    """A network's layers and edges, drawn from its real weights; a Manim mobject like any other.

    `network` is an MLP (anything with `.weights`, each (n_out, n_in)) or the list of weight
    matrices. Options:

    - layout: `width`, `height` (scene units), `max_shown` neurons per layer (the rest elided);
    - `typical`: `model.forward(inputs)` of typical inputs (as the network takes them): the input
      neurons shown are the pixels that tell them apart (`diagram_choices.telling_pixels`), each
      layer's colours span its typical activations (`activation_range`). Default, for 784
      inputs: the shipped MNIST sample (`diagram_choices.typical_layers`); give a network taking
      normalised inputs or another data set its own;
    - `input_pixels`: the input neurons to show instead (e.g. `ink_and_background_pixels` of one
      digit); with no typical inputs, the pixels with the largest weights;
    - `activation_range`: (low, high) drawn unlit and fully lit, for every layer, one per layer or
      {layer: (low, high)}; a range other than (0, 1) gets a colour bar (`range_legends=False`: none);
    - what is shown: `show_edges`, `output_labels` (True: 0, 1, ...; a list: class names; False),
      `size_labels` (each elided layer's true size);
    - `full_edges=True`: every neuron and every edge;
    - `neuron_config`: radius, stroke_width, stroke_color, fill_color (the unlit fill);
    - `edge_config` (the same with full edges; unknown keys are an error): min_width, max_width,
      min_opacity, max_opacity (from weight 0 to the largest |w|; crowded full-edge layers thin,
      see `edge_drawing.edge_styles`); rasterise (one image per layer; default: with full edges).

    `diagram.animate.set_activations(layer, a)` and `diagram.animate.set_forward(forward)` are the
    animations `light_up(layer, a)` and `forward_pass(forward)`; `signal(layer)` flashes edges.

    >>> from manim import Create, Scene
    >>> from network import DEFAULT_WEIGHTS, load_sample, load_weights
    >>> from scenes import LIGHT, NetworkDiagram
    >>> class DiagramExample(Scene):
    ...     def construct(self):
    ...         model, manifest = load_weights(DEFAULT_WEIGHTS)  # takes pixels in [0, 1] as they are
    ...         images, labels = load_sample()
    ...         diagram = NetworkDiagram(model, theme=LIGHT, max_shown=10)
    ...         self.play(Create(diagram))
    ...         self.play(diagram.animate(run_time=3).set_forward(model.forward(images[0])))
    """

    def __init__(
        self,
        network,
        *,
        theme: Theme = DARK,
        width: float = 9.0,
        height: float = 6.4,
        max_shown: int = 16,
        typical=None,
        input_pixels: Sequence[int] | None = None,
        activation_range=None,
        range_legends: bool = True,
        show_edges: bool = True,
        full_edges: bool = False,
        output_labels: bool | Sequence[str] = True,
        size_labels: bool = True,
        neuron_config: dict | None = None,
        edge_config: dict | None = None,
    ):
        super().__init__()
        self.theme = theme
        self.weights = [np.asarray(W) for W in getattr(network, "weights", network)]
        if not self.weights or any(W.ndim != 2 for W in self.weights):
            raise ValueError("NetworkDiagram needs an MLP or a list of 2-D weight matrices (n_out, n_in)")
        self.sizes = [self.weights[0].shape[1]] + [W.shape[0] for W in self.weights]
        self.full_edges = full_edges
        self.neuron_config = {
            "stroke_width": theme.neuron_stroke_width,
            "stroke_color": theme.neuron_stroke,
            "fill_color": theme.neuron_off,
            **(neuron_config or {}),
        }
        self.edge_config = edge_options(theme, edge_config, full_edges)
        typical_inputs, typical = typical_layers(network, self.sizes[0], typical)
        self.ranges = layer_ranges(self.sizes, typical, activation_range)
        self._flashes: dict[int, object] = {}
        legends = [layer for layer, span in enumerate(self.ranges) if range_legends and span != UNIT_RANGE]
        room = LEGEND_ROOM if legends else 0.0  # the columns move down to make room: all within `height`
        self.column_height, self.column_centre = height - room, -room / 2
        tallest = max(min(max(self.sizes), max_shown), min(self.sizes[-1], MAX_OUTPUTS_SHOWN))
        self.radius = self.neuron_config.pop(
            "radius", min(theme.neuron_radius, 0.42 * self.column_height / (tallest + 1))
        )
        self.xs = np.linspace(-width / 2, width / 2, len(self.sizes))
        self.shown = [
            self._choose_shown(layer, n, max_shown, input_pixels, typical_inputs)
            for layer, n in enumerate(self.sizes)
        ]
        self.positions = [self._layout(layer) for layer in range(len(self.sizes))]

        self._edge_lines: dict[tuple[int, int, int], Line] = {}
        self.edges = (
            CreatableGroup(*(self._edges(layer) for layer in range(1, len(self.sizes))))
            if show_edges
            else CreatableGroup()
        )
        self.layers = [self._neurons(layer) for layer in range(len(self.sizes))]
        self.decorations = VGroup(*(self._ellipsis(layer) for layer in range(len(self.sizes))))
        names = (
            [str(k) for k in range(self.sizes[-1])] if output_labels is True else list(output_labels or [])
        )
        if names and len(names) != self.sizes[-1]:
            raise ValueError(f"output_labels: {len(names)} names for {self.sizes[-1]} outputs")
        self.labels_outputs = bool(names)
        self.size_label_of = {
            layer: self._size_label(layer)
            for layer in range(len(self.sizes))
            if size_labels and (self._truncated(layer) or isinstance(self.layers[layer], DenseColumn))
        }
        self.size_labels = VGroup(*self.size_label_of.values())
        self.output_labels = self._output_labels(names)
        self.legend_of = {layer: self._range_legend(layer) for layer in legends}
        self.range_legends = CreatableGroup(*self.legend_of.values())
        self.add(self.edges, *self.layers, self.decorations, self.size_labels, self.output_labels)
        self.add(self.range_legends)

    # -- layout -----------------------------------------------------------------------------------
    def _choose_shown(self, layer: int, n: int, max_shown: int, input_pixels, typical_inputs) -> np.ndarray:
        if self.full_edges or n <= max_shown or (layer == len(self.sizes) - 1 and n <= MAX_OUTPUTS_SHOWN):
            return np.arange(n)  # every output (every class) is always drawn
        if layer == 0:
            if input_pixels is not None:
                return np.sort(np.asarray(input_pixels))
            if typical_inputs is None:
                return strongest_pixels(self.weights[0], max_shown)
            return telling_pixels(self.weights[0], typical_inputs, max_shown)
        half = max_shown // 2
        return np.concatenate([np.arange(half), np.arange(n - (max_shown - half), n)])

    def _truncated(self, layer: int) -> bool:
        return len(self.shown[layer]) < self.sizes[layer]

    def _layout(self, layer: int) -> np.ndarray:
        """Centres of the shown neurons, top to bottom; a gap for the ellipsis if truncated."""
        count = len(self.shown[layer])
        slots = count + (1 if self._truncated(layer) else 0)
        if self.full_edges and count > DENSE_FROM:  # dense column: cells touch
            ys = np.linspace(self.column_height / 2, -self.column_height / 2, count)
        else:
            spacing = min(self.column_height / max(slots - 1, 1), 5 * self.radius)
            ys = (np.arange(slots) - (slots - 1) / 2) * -spacing
            if self._truncated(layer):
                ys = np.delete(ys, count // 2)
        return np.stack([np.full(count, self.xs[layer]), ys + self.column_centre, np.zeros(count)], axis=1)

    # -- parts ------------------------------------------------------------------------------------
    def _neurons(self, layer: int):
        if self.full_edges and len(self.shown[layer]) > DENSE_FROM:
            return DenseColumn(self.positions[layer], self.theme)
        return VGroup(
            *(
                Circle(radius=self.radius, fill_opacity=1, **self.neuron_config).move_to(point)
                for point in self.positions[layer]
            )
        )

    def _edge_styles(self, layer: int):
        """How each drawn edge into `layer` looks (edge_drawing.edge_styles), weakest first."""
        scale = float(np.abs(self.weights[layer - 1]).max())
        return edge_styles(self.shown_weights(layer), self.theme, self.edge_config, scale, self.full_edges)

    def _edges(self, layer: int):
        starts, ends, styles = self.positions[layer - 1], self.positions[layer], self._edge_styles(layer)
        if self.edge_config["rasterise"]:
            return rasterised_edges(starts, ends, styles)
        lines = edge_lines(starts, ends, styles)
        for (j, i), line in zip(styles[0], lines):
            self._edge_lines[(layer, int(self.shown[layer][j]), int(self.shown[layer - 1][i]))] = line
        return lines

    def _ellipsis(self, layer: int) -> VGroup:
        if not self._truncated(layer):
            return VGroup()
        count = len(self.shown[layer])
        middle = (self.positions[layer][count // 2 - 1] + self.positions[layer][count // 2]) / 2
        return VGroup(caption("⋮", self.theme, color="muted").move_to(middle))

    def _size_label(self, layer: int) -> VGroup:
        """A brace with the layer's true size on the outer side of the first and last layers; between
        layers (or beside labelled outputs) a brace would lie on the edges, so the size goes below."""
        column = VGroup(*self.layers[layer]) if isinstance(self.layers[layer], VGroup) else self.layers[layer]
        label = caption(f"{self.sizes[layer]:,}", self.theme)
        last = len(self.sizes) - 1
        if 0 < layer < last or (layer == last and self.labels_outputs):
            return VGroup(label.scale(0.8).next_to(column, DOWN, buff=0.15))
        side = LEFT if layer == 0 else RIGHT
        brace = without_glyph_sources(Brace(column, side, color=self.theme.muted))
        return VGroup(brace, label.next_to(brace, side, buff=0.1))

    def _range_legend(self, layer: int) -> ColourBar:
        """A small colour bar above the layer: the activations its fills run between."""
        ends, width = [short_number(end) for end in self.ranges[layer]], 0.9
        bar = ColourBar("digit", *ends, width=width, theme=self.theme)
        crowded = bar.labels[0].get_right()[0] + 0.12 - bar.labels[1].get_left()[0]
        if crowded > 0:  # long numbers: a wider bar keeps them apart
            bar = ColourBar("digit", *ends, width=width + crowded, theme=self.theme)
        column = VGroup(*self.layers[layer]) if isinstance(self.layers[layer], VGroup) else self.layers[layer]
        return bar.next_to(column, UP, buff=0.12)

    def _output_labels(self, names: list[str]) -> VGroup:
        if not names:
            return VGroup()
        layer = len(self.sizes) - 1
        labels = VGroup(*(caption(names[k], self.theme) for k in self.shown[layer]))
        return labels_beside(labels, self.positions[layer], self.radius + 0.15)

    # -- accessors --------------------------------------------------------------------------------
    def neuron(self, layer: int, index: int):
        """The circle that stands for neuron `index` of `layer` (it must be shown)."""
        if isinstance(self.layers[layer], DenseColumn):
            raise ValueError(f"layer {layer} is drawn as one dense column of cells, not as separate neurons")
        rows = np.flatnonzero(self.shown[layer] == index)
        if not len(rows):
            shown = self.shown[layer].tolist()
            raise ValueError(f"neuron {index} of layer {layer} is not shown (shown: {shown})")
        return self.layers[layer][int(rows[0])]

    def edge(self, layer: int, to_neuron: int, from_neuron: int) -> Line:
        """The line drawn for weight W(layer)[to_neuron, from_neuron] (both neurons shown, edges as Lines)."""
        if (layer, to_neuron, from_neuron) not in self._edge_lines:
            raise ValueError(f"no line is drawn for W{layer}[{to_neuron}, {from_neuron}] "
                             "(a neuron not shown, no edges, or edges drawn as one image)")  # fmt: skip
        return self._edge_lines[(layer, to_neuron, from_neuron)]

    def shown_weights(self, layer: int) -> np.ndarray:
        """The block of W(layer) whose edges are drawn: rows are the shown neurons of `layer`,
        columns those of `layer` - 1."""
        return self.weights[layer - 1][np.ix_(self.shown[layer], self.shown[layer - 1])]

    def layer_parts(self, layer: int) -> CreatableGroup:
        """Everything drawn for one layer: its neurons, ellipsis, size label and (last layer)
        output labels."""
        parts = CreatableGroup(self.layers[layer], self.decorations[layer])
        if layer in self.size_label_of:
            parts.add(self.size_label_of[layer])
        if layer in self.legend_of:
            parts.add(self.legend_of[layer])
        if layer == len(self.sizes) - 1:
            parts.add(self.output_labels)
        return parts

    # -- activations ------------------------------------------------------------------------------
    def _layer_values(self, layer: int, values) -> np.ndarray:
        """The shown neurons' shares of the layer's activation range, 0 unlit, 1 fully lit (clipped
        when drawn)."""
        values = np.asarray(values, dtype=np.float64)
        if values.ndim == 2 and len(values) == 1:
            values = values[0]
        if values.shape != (self.sizes[layer],):
            raise ValueError(
                f"layer {layer} has {self.sizes[layer]} neurons; got values of shape {values.shape}"
            )
        low, high = self.ranges[layer]
        return (values[self.shown[layer]] - low) / (high - low)

    def set_activations(self, layer: int, values: np.ndarray) -> NetworkDiagram:
        """Fill the shown neurons of `layer` by their activations (`values`: the whole layer)."""
        values = self._layer_values(layer, values)
        column = self.layers[layer]
        if isinstance(column, DenseColumn):
            column.set_values(values)
        else:
            for circle, value in zip(column, values):
                circle.set_fill(self.theme.activation_color(value), opacity=1)
        return self

    def set_forward(self, forward) -> NetworkDiagram:
        """Fill every layer at once from `model.forward(x)` of one input (or a list a(0) ... a(L))."""
        for layer, values in enumerate(self._forward_layers(forward)):
            self.set_activations(layer, values)
        return self

    @override_animate(set_activations)
    def light_up(self, layer: int, values: np.ndarray, lag_ratio: float = 0.02, **kwargs) -> AnimationGroup:
        """An animation that fills `layer` with its activations (`values`: the whole layer); also
        what `diagram.animate.set_activations(layer, values)` plays."""
        kwargs.update(kwargs.pop("anim_args", None) or {})
        values = self._layer_values(layer, values)
        column = self.layers[layer]
        if isinstance(column, DenseColumn):
            return AnimationGroup(column.animate_values(values), **kwargs)
        return AnimationGroup(
            *(
                circle.animate.set_fill(self.theme.activation_color(value), opacity=1)
                for circle, value in zip(column, values)
            ),
            lag_ratio=lag_ratio,
            **kwargs,
        )

    def signal(self, layer: int, **kwargs) -> FadeIn:
        """An animation of the signal passing into `layer` (1 ... L): its incoming edges flash
        brighter and fade back (a brighter copy fades in and out over them, where they are now)."""
        last = len(self.sizes) - 1
        if not 1 <= layer <= last:
            raise ValueError(f"signal(layer): the layers with incoming edges are 1 to {last}, got {layer}")
        if not len(self.edges):
            raise ValueError("signal: this diagram draws no edges (show_edges=False)")
        edges = self.edges[layer - 1]
        if isinstance(edges, RasterImage):  # the brighter image is drawn once, then copied onto the edges
            if layer not in self._flashes:
                self._flashes[layer] = rasterised_edges(
                    self.positions[layer - 1], self.positions[layer], self._edge_styles(layer), brighten=3.0
                )
            flash = self._flashes[layer].copy().replace(edges, stretch=True)
        else:  # wherever the diagram is now
            flash = edges.copy()
            for line in flash:
                line.set_stroke(opacity=min(1.0, 3.0 * line.get_stroke_opacity()))
        return FadeIn(flash, rate_func=there_and_back, remover=True, **kwargs)

    @override_animate(set_forward)
    def forward_pass(
        self,
        forward,
        *,
        run_time: float | None = None,
        lag_ratio: float = 1.0,
        layer_time: float = 0.5,
        anim_args: dict | None = None,
    ) -> AnimationGroup:
        """The forward pass of one input, layer by layer: each layer lights up with its real
        activations while the signal flashes along its incoming edges; also what
        `diagram.animate.set_forward(forward)` plays (`diagram.animate(run_time=3)` to stretch it).

        `forward` is what `model.forward(x)` returns for one input x (shape (n_inputs,) or
        (1, n_inputs)), or the list a(0) ... a(L). Each layer takes `layer_time` seconds;
        `run_time` stretches the whole pass instead; `lag_ratio` < 1 overlaps the layers."""
        run_time = (anim_args or {}).get("run_time", run_time)
        steps = []
        for layer, values in enumerate(self._forward_layers(forward)):
            flash = [self.signal(layer, run_time=layer_time)] if layer and len(self.edges) else []
            steps.append(AnimationGroup(self.light_up(layer, values, run_time=layer_time), *flash))
        # One layer after another: a Succession sets each step up only when it starts, so each
        # layer's flash is in the scene only while it plays (cheaper frames than a group of all)
        if lag_ratio >= 1:
            return Succession(*steps, lag_ratio=lag_ratio, run_time=run_time)
        return AnimationGroup(*steps, lag_ratio=lag_ratio, run_time=run_time)

    def _forward_layers(self, forward) -> list[np.ndarray]:
        layers = list(getattr(forward, "activations", forward))
        if len(layers) != len(self.sizes):
            raise ValueError(f"the diagram has {len(self.sizes)} layers; the forward pass has {len(layers)}")
        for layer, values in enumerate(layers):
            shape = np.shape(values)
            if len(shape) == 2 and shape[0] != 1:
                raise ValueError(f"forward_pass shows one input; layer {layer} holds a batch of {shape[0]}")
        return layers
