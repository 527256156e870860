"""The layer diagram of any MLP: neurons lit by their activations, edges coloured by the real weights.

A layer larger than `max_shown` shows a subset of its neurons split by a vertical ellipsis, with
a brace giving its true size. The input neurons shown stand for real pixels, and their edges carry
the weights of exactly those pixels (column p of W1 for pixel p).

With `full_edges=True` every neuron of every layer and every edge is drawn: the 784 inputs as a
dense column, and all n_in x n_out edges of each layer rasterised with cairo into one image per
layer (12,960 edges for 784-16-16-10 cost one image, not 12,960 Manim Lines per frame).
"""

from __future__ import annotations

import os

import cairo
import numpy as np
from manim import (DOWN, LEFT, RESAMPLING_ALGORITHMS, RIGHT, AnimationGroup, Brace, Circle, FadeIn,
                   Group, ImageMobject, Line, ManimColor, Text, Transform, VGroup, config,
                   there_and_back)

from scenes.theme import Theme, theme as active_theme


def full_edge_options() -> dict:
    """NetworkDiagram options from $NNEXPLAIN_FULL_EDGES: "1" draws every neuron and edge
    (rasterised); "lines" draws them all as Manim Lines, the slow reference for benchmarks."""
    mode = os.environ.get("NNEXPLAIN_FULL_EDGES", "").strip().lower()
    return {"full_edges": mode in ("1", "true", "yes", "on", "lines"), "rasterise": mode != "lines"}


def strongest_pixels(W1: np.ndarray, count: int, among: np.ndarray | None = None) -> np.ndarray:
    """The `count` input pixels (of the candidates `among`, default all) with the largest total
    |weight| into the first layer, in pixel order."""
    among = np.arange(W1.shape[1]) if among is None else np.asarray(among)
    strength = np.abs(W1[:, among]).sum(axis=0)
    return np.sort(among[np.argsort(-strength, kind="stable")[:count]])


class NetworkDiagram(Group):
    def __init__(self, weights: list[np.ndarray], *, theme: Theme | None = None, max_shown: int = 16,
                 input_pixels=None, full_edges: bool = False, width: float = 9.0, height: float = 6.4,
                 show_edges: bool = True, output_labels: bool = True, size_labels: bool = True,
                 rasterise: bool = True):
        """`rasterise=False` draws full edges as Manim Lines: the slow reference for benchmarks."""
        super().__init__()
        self.theme = theme or active_theme()
        self.weights = [np.asarray(W) for W in weights]
        self.sizes = [self.weights[0].shape[1]] + [W.shape[0] for W in self.weights]
        self.full_edges, self.rasterise = full_edges, rasterise
        self._flashes: dict[int, object] = {}
        self.column_height = height
        self.radius = min(self.theme.neuron_radius, 0.42 * height / (min(max(self.sizes), max_shown) + 1))
        self.xs = np.linspace(-width / 2, width / 2, len(self.sizes))
        self.shown = [self._choose_shown(layer, n, max_shown, input_pixels) for layer, n in enumerate(self.sizes)]
        self.positions = [self._layout(layer) for layer in range(len(self.sizes))]

        self._edge_lines: dict[tuple[int, int, int], Line] = {}
        self.edges = Group(*(self._edges(layer) for layer in range(1, len(self.sizes)))) if show_edges else Group()
        self.layers = [self._neurons(layer) for layer in range(len(self.sizes))]
        self.decorations = VGroup(*(self._ellipsis(layer) for layer in range(len(self.sizes))))
        self.labels_outputs = output_labels
        self.size_label_of = {layer: self._size_label(layer) for layer in range(len(self.sizes)) if size_labels
                              and (self._truncated(layer) or isinstance(self.layers[layer], DenseColumn))}
        self.size_labels = VGroup(*self.size_label_of.values())
        self.output_labels = self._output_labels() if output_labels else VGroup()
        self.add(self.edges, *self.layers, self.decorations, self.size_labels, self.output_labels)

    # -- layout -----------------------------------------------------------------------------------
    def _choose_shown(self, layer: int, n: int, max_shown: int, input_pixels) -> np.ndarray:
        if self.full_edges or n <= max_shown:
            return np.arange(n)
        if layer == 0:
            pixels = strongest_pixels(self.weights[0], max_shown) if input_pixels is None else np.asarray(input_pixels)
            return np.sort(pixels)
        half = max_shown // 2
        return np.concatenate([np.arange(half), np.arange(n - (max_shown - half), n)])

    def _truncated(self, layer: int) -> bool:
        return len(self.shown[layer]) < self.sizes[layer]

    def _layout(self, layer: int) -> np.ndarray:
        """Centres of the shown neurons, top to bottom; a gap for the ellipsis if truncated."""
        count = len(self.shown[layer])
        slots = count + (1 if self._truncated(layer) else 0)
        if self.full_edges and count > 64:  # dense column: cells touch
            ys = np.linspace(self.column_height / 2, -self.column_height / 2, count)
        else:
            spacing = min(self.column_height / max(slots - 1, 1), 5 * self.radius)
            ys = (np.arange(slots) - (slots - 1) / 2) * -spacing
            if self._truncated(layer):
                ys = np.delete(ys, count // 2)
        return np.stack([np.full(count, self.xs[layer]), ys, np.zeros(count)], axis=1)

    # -- parts ------------------------------------------------------------------------------------
    def _neurons(self, layer: int):
        if self.full_edges and len(self.shown[layer]) > 64:
            return DenseColumn(self.positions[layer], self.theme)
        return VGroup(*(Circle(radius=self.radius, stroke_color=self.theme.neuron_stroke,
                               stroke_width=self.theme.neuron_stroke_width, fill_color=self.theme.neuron_off,
                               fill_opacity=1).move_to(point) for point in self.positions[layer]))

    def _edges(self, layer: int):
        W = self.shown_weights(layer)
        starts, ends = self.positions[layer - 1], self.positions[layer]
        if self.full_edges:
            return (rasterised_edges(starts, ends, W, self.theme) if self.rasterise
                    else full_edge_lines(starts, ends, W, self.theme))
        scale = np.abs(self.weights[layer - 1]).max() or 1.0
        lines = VGroup()
        for j, i in sorted(np.ndindex(W.shape), key=lambda ji: abs(W[ji])):
            strength = abs(W[j, i]) / scale
            line = Line(starts[i], ends[j], stroke_color=self.theme.weight_color(W[j, i]),
                        stroke_width=0.3 + self.theme.max_edge_width * strength,
                        stroke_opacity=0.15 + (self.theme.max_edge_opacity - 0.15) * strength)
            self._edge_lines[(layer, int(self.shown[layer][j]), int(self.shown[layer - 1][i]))] = line
            lines.add(line)
        return lines

    def edge(self, layer: int, to_neuron: int, from_neuron: int) -> Line:
        """The line drawn for weight W(layer)[to_neuron, from_neuron] (both neurons shown, not full_edges)."""
        return self._edge_lines[(layer, to_neuron, from_neuron)]

    def shown_weights(self, layer: int) -> np.ndarray:
        """The block of W(layer) whose edges are drawn: rows = shown neurons of `layer`, cols = of `layer` - 1."""
        return self.weights[layer - 1][np.ix_(self.shown[layer], self.shown[layer - 1])]

    def layer_parts(self, layer: int) -> Group:
        """Everything drawn for one layer: its neurons, ellipsis, size brace and (last layer) digit labels."""
        parts = Group(self.layers[layer], self.decorations[layer])
        if layer in self.size_label_of:
            parts.add(self.size_label_of[layer])
        if layer == len(self.sizes) - 1:
            parts.add(self.output_labels)
        return parts

    def _ellipsis(self, layer: int) -> VGroup:
        if not self._truncated(layer):
            return VGroup()
        count = len(self.shown[layer])
        middle = (self.positions[layer][count // 2 - 1] + self.positions[layer][count // 2]) / 2
        return VGroup(Text("⋮", font_size=self.theme.label_size, color=self.theme.muted, font=self.theme.font).move_to(middle))

    def _size_label(self, layer: int) -> VGroup:
        """A brace with the layer's true size on the outer side of the first and last layers; between
        layers (or beside labelled outputs) a brace would lie on the edges, so the size goes below."""
        column = VGroup(*self.layers[layer]) if isinstance(self.layers[layer], VGroup) else self.layers[layer]
        label = Text(f"{self.sizes[layer]:,}", font_size=self.theme.label_size, color=self.theme.text,
                     font=self.theme.font)
        last = len(self.sizes) - 1
        if 0 < layer < last or (layer == last and self.labels_outputs):
            return VGroup(label.scale(0.8).next_to(column, DOWN, buff=0.15))
        side = LEFT if layer == 0 else RIGHT
        brace = Brace(column, side, color=self.theme.muted)
        return VGroup(brace, label.next_to(brace, side, buff=0.1))

    def _output_labels(self) -> VGroup:
        layer = len(self.sizes) - 1
        return VGroup(*(Text(str(k), font_size=self.theme.label_size, color=self.theme.text, font=self.theme.font)
                        .next_to(self.positions[layer][row], RIGHT, buff=self.radius + 0.15)
                        for row, k in enumerate(self.shown[layer])))

    # -- activations ------------------------------------------------------------------------------
    def neuron(self, layer: int, index: int):
        """The circle that stands for neuron `index` of `layer` (it must be shown)."""
        row = int(np.flatnonzero(self.shown[layer] == index)[0])
        return self.layers[layer][row]

    def set_activations(self, layer: int, values: np.ndarray) -> "NetworkDiagram":
        """Fill the shown neurons of `layer` by their activations (values: the whole layer)."""
        values = np.asarray(values)[self.shown[layer]]
        column = self.layers[layer]
        if isinstance(column, DenseColumn):
            column.set_values(values)
        else:
            for circle, value in zip(column, values):
                circle.set_fill(self.theme.activation_color(value), opacity=1)
        return self

    def signal(self, layer: int):
        """An animation of the signal passing into `layer`: its incoming edges flash brighter and
        fade back (a brighter copy, drawn once, fades in and out over them)."""
        if layer not in self._flashes:
            edges = self.edges[layer - 1]
            if isinstance(edges, ImageMobject):
                W = self.shown_weights(layer)
                flash = rasterised_edges(self.positions[layer - 1], self.positions[layer], W, self.theme,
                                         brighten=3.0).move_to(edges)
            else:
                flash = edges.copy()
                for line in flash:
                    line.set_stroke(opacity=min(1.0, 3.0 * line.get_stroke_opacity()))
            self._flashes[layer] = flash
        return FadeIn(self._flashes[layer], rate_func=there_and_back, remover=True)

    def light_up(self, layer: int, values: np.ndarray, lag_ratio: float = 0.02):
        """An animation that fills `layer` with its activations."""
        values = np.asarray(values)[self.shown[layer]]
        column = self.layers[layer]
        if isinstance(column, DenseColumn):
            return column.animate_values(values)
        return AnimationGroup(*(circle.animate.set_fill(self.theme.activation_color(value), opacity=1)
                                for circle, value in zip(column, values)), lag_ratio=lag_ratio)


class DenseColumn(Group):
    """All neurons of a large layer as one tall image of cells, lit by their activations."""

    def __init__(self, positions: np.ndarray, theme: Theme):
        super().__init__()
        self.theme, self.count = theme, len(positions)
        self.cell_height = abs(positions[0, 1] - positions[-1, 1]) / max(self.count - 1, 1)
        self.image = self._image(np.zeros(self.count))
        self.image.move_to(positions.mean(axis=0))
        self.add(self.image)

    def _image(self, values: np.ndarray) -> ImageMobject:
        strip = self.theme.digit_rgba(np.asarray(values)[:, None].repeat(4, axis=1))
        image = ImageMobject(strip)
        image.set_resampling_algorithm(RESAMPLING_ALGORITHMS["nearest"])
        image.stretch_to_fit_height(self.cell_height * self.count)
        image.stretch_to_fit_width(0.18)
        return image

    def set_values(self, values: np.ndarray) -> None:
        self.image.pixel_array = self._image(values).pixel_array

    def animate_values(self, values: np.ndarray):
        """The cells change to `values` (Manim blends the two images' pixels)."""
        return Transform(self.image, self._image(values).move_to(self.image))


def full_edge_styles(W: np.ndarray, theme: Theme):
    """How every edge j <- i of W (n_out, n_in) is drawn in full-edge mode: the drawing order
    (weakest first, so that the strongest lie on top) and per edge in that order: (j, i), RGB,
    opacity and stroke width in Manim units. Where many edges meet at each neuron (784 per hidden
    neuron) they would pile up into a solid wedge, so the more crowded the layer, the fainter and
    thinner the weak edges: the bundle reads as a fine mesh and the strongest weights stand out."""
    scale = np.abs(W).max() or 1.0
    crowding = max(1.0, W.shape[1] / 16)
    exponent = 1.5 + 0.6 * np.log10(crowding)
    floor = 0.04 / crowding ** 0.2
    thinnest, widest = 0.6 / crowding ** 0.25, theme.max_edge_width / crowding ** 0.25
    order = np.argsort(np.abs(W), axis=None, kind="stable")
    strength = (np.abs(W).ravel()[order] / scale) ** exponent
    rows, cols = np.divmod(order, W.shape[1])
    colours = np.where((W.ravel()[order] >= 0)[:, None], ManimColor(theme.positive).to_rgb(),
                       ManimColor(theme.negative).to_rgb())
    opacity = floor + (theme.max_edge_opacity - floor) * strength
    width = 2 * np.maximum(thinnest, 0.3 / crowding + widest * strength)
    return np.stack([rows, cols], axis=1), colours, opacity, width


def full_edge_lines(starts: np.ndarray, ends: np.ndarray, W: np.ndarray, theme: Theme) -> VGroup:
    """Every edge as its own Manim Line, styled as `rasterised_edges` draws it (slow: reference only)."""
    pairs, colours, opacity, width = full_edge_styles(W, theme)
    return VGroup(*(Line(starts[i], ends[j], stroke_color=ManimColor.from_rgb(colour), stroke_width=w,
                         stroke_opacity=o) for (j, i), colour, o, w in zip(pairs, colours, opacity, width)))


def rasterised_edges(starts: np.ndarray, ends: np.ndarray, W: np.ndarray, theme: Theme,
                     brighten: float = 1.0) -> ImageMobject:
    """Every edge j <- i of W (n_out, n_in) drawn with cairo into one transparent image placed over
    the region the edges span, at the resolution of the current render (opacities x `brighten`)."""
    px_per_unit = config.pixel_height / config.frame_height
    points = np.concatenate([starts, ends])[:, :2]
    low, high = points.min(axis=0), points.max(axis=0)
    width, height = (max(2, int(np.ceil((high - low)[k] * px_per_unit)) + 2) for k in (0, 1))
    surface = cairo.ImageSurface(cairo.FORMAT_ARGB32, width, height)
    context = cairo.Context(surface)
    context.set_line_cap(cairo.LINE_CAP_ROUND)

    def to_pixels(point):
        return 1 + (point[0] - low[0]) * px_per_unit, 1 + (high[1] - point[1]) * px_per_unit

    pixels_per_stroke_unit = px_per_unit / 100  # Manim draws stroke width 100 as one scene unit
    for (j, i), colour, opacity, stroke in zip(*full_edge_styles(W, theme)):
        context.set_source_rgba(*colour, min(1.0, opacity * brighten))
        context.set_line_width(stroke * pixels_per_stroke_unit)
        context.move_to(*to_pixels(starts[i]))
        context.line_to(*to_pixels(ends[j]))
        context.stroke()
    surface.flush()
    bgra = np.ndarray((height, width, 4), np.uint8, surface.get_data(), strides=(surface.get_stride(), 4, 1))
    rgba = bgra[:, :, [2, 1, 0, 3]].astype(np.float64)
    alpha = rgba[:, :, 3:4]
    rgba[:, :, :3] = np.where(alpha > 0, rgba[:, :, :3] * 255 / np.maximum(alpha, 1), 0)  # un-premultiply
    image = ImageMobject(rgba.round().astype(np.uint8))
    image.stretch_to_fit_width(width / px_per_unit)
    image.stretch_to_fit_height(height / px_per_unit)
    image.move_to([(low[0] + high[0]) / 2, (low[1] + high[1]) / 2, 0])
    return image
