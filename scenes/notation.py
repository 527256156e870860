"""Shared mobjects for the math beats, all showing exported numbers (nothing here runs the network):
matrices and vectors of real entries with ⋮ ⋯ ⋱ elisions, tuples with …, one neuron's weighted sum
and the fan of edges into it, activation-function plots, and the helpers that choose what to show.

Every mobject exposes the real floats it displays (`entries`, `weights_shown`, ...) so that tests
can compare them with the weights. LaTeX is needed: scenes call `require_latex()` first.
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass, field

import numpy as np
from manim import DOWN, Axes, Circle, Line, MathTex, VGroup

from network.errors import NNExplainError
from network.model import relu, sigmoid
from network.export import RELU_WEIGHTS
from scenes.inputs import SHIPPED_WEIGHTS, StoryInputs, story_inputs
from scenes.theme import Theme, theme as active_theme

LATEX_PACKAGES = "texlive-latex-base texlive-latex-extra dvisvgm"
FUNCTIONS = {"sigmoid": sigmoid, "relu": relu}
FUNCTION_TEX = {"sigmoid": r"\sigma", "relu": r"\mathrm{ReLU}"}
FUNCTION_NAMES = {"sigmoid": "sigmoid", "relu": "ReLU"}


def require_latex() -> None:
    """Raise a one-line NNExplainError naming the Debian packages when latex or dvisvgm is missing."""
    missing = [tool for tool in ("latex", "dvisvgm") if shutil.which(tool) is None]
    if missing:
        raise NNExplainError(f"the math scenes need {' and '.join(missing)}: "
                             f"apt-get install {LATEX_PACKAGES}")


# -- what to show ---------------------------------------------------------------------------------
def number(value: float, decimals: int = 2) -> str:
    return f"{value:.{decimals}f}"


def text_number(value: float, decimals: int = 2) -> str:
    """A number for plain Text: with a real minus sign."""
    return number(value, decimals).replace("-", "\u2212")


def factor(value: float, decimals: int = 2) -> str:
    """A number as a factor of a product: negative ones in parentheses."""
    text = number(value, decimals)
    return f"({text})" if text.startswith("-") else text


def elided(shown, size: int) -> list[int | None]:
    """Slots for the indices `shown` of an axis of length `size`: None (an ellipsis) wherever
    indices are skipped, including before the first and after the last."""
    slots, previous = [], -1
    for index in sorted({int(i) for i in shown}):
        if index > previous + 1:
            slots.append(None)
        slots.append(index)
        previous = index
    if previous < size - 1:
        slots.append(None)
    return slots


def followed_neuron(inputs: StoryInputs) -> tuple[int, int]:
    """(layer, j): the neuron of the second hidden layer (the first if there is only one) that the
    math scenes follow: of the neurons active for the followed digit (a > 0.5; all if none are),
    the one whose bias changes its activation the most, |f(z) - f(z - b)|, so that the bias shows."""
    layer = inputs.deep_layer
    z, b, a = inputs.z(layer), inputs.biases[layer - 1], inputs.layer(layer)
    effect = np.abs(a - FUNCTIONS[inputs.activation](z - b))
    active = a > 0.5
    return layer, int(np.argmax(np.where(active, effect, -1.0) if active.any() else effect))


def neuron_numbers(inputs: StoryInputs, layer: int, j: int) -> dict:
    """The exported z, bias b, weighted sum z - b and activation a of neuron j of `layer`; the sum
    is checked against that neuron's weights and the previous layer's exported activations."""
    z = float(inputs.z(layer)[j])
    b = float(inputs.biases[layer - 1][j])
    a = float(inputs.layer(layer)[j])
    shown = z - b
    check = float(inputs.weights[layer - 1][j].astype(np.float64) @ inputs.layer(layer - 1))
    if not np.isclose(shown, check, rtol=1e-4, atol=1e-3):
        raise NNExplainError(f"exported z{layer}[{j}] - b = {shown:.4f} does not match the weights "
                             f"({check:.4f}); re-export the activations")
    return {"z": z, "b": b, "a": a, "weighted_sum": shown}


def largest_terms(weights_row: np.ndarray, activations: np.ndarray, count: int = 3) -> np.ndarray:
    """Indices of the `count` terms w_i a_i with the largest magnitude, in index order."""
    return np.sort(np.argsort(-np.abs(weights_row * activations), kind="stable")[:count])


def ink_pixels(a0: np.ndarray, count: int = 2, ink: float = 0.5) -> np.ndarray:
    """`count` consecutive input indices where the digit has ink (the first run at least `ink`
    bright; around the brightest pixel if there is none)."""
    bright = a0 >= ink
    for start in range(len(a0) - count + 1):
        if bright[start:start + count].all():
            return np.arange(start, start + count)
    start = min(int(np.argmax(a0)), len(a0) - count)
    return np.arange(start, start + count)


def inputs_for_weights(path) -> StoryInputs:
    """The story inputs for another weights file, through the same loader and for the same digit."""
    return story_inputs(weights=path)


def other_activation_inputs(inputs: StoryInputs) -> StoryInputs:
    """The shipped network with the other hidden activation (ReLU for a sigmoid story and back)."""
    return inputs_for_weights(RELU_WEIGHTS if inputs.activation == "sigmoid" else SHIPPED_WEIGHTS)


def architecture(sizes) -> str:
    return "-".join(str(n) for n in sizes)


def accuracy_text(manifest: dict) -> str:
    accuracy = manifest.get("test_accuracy")
    return "test accuracy not recorded" if accuracy is None else f"{100 * accuracy:.2f}% test accuracy"


# -- mobjects -------------------------------------------------------------------------------------
@dataclass
class ElidedBlock:
    """The tex parts of a matrix, vector or tuple with elisions, and the real values of its shown
    entries: `entries[key]` (key (i, j) for matrices, i for tuples), `entry_tex[key]` its tex.
    Once compiled into a MathFormula, `entry(key)` is the entry's mobject."""

    parts: list[str]
    entries: dict = field(default_factory=dict)
    entry_tex: dict = field(default_factory=dict)
    part_of: dict = field(default_factory=dict)
    offset: int = 0
    owner: MathTex | None = None

    def add_entry(self, key, value: float, tex: str) -> None:
        self.entries[key], self.entry_tex[key], self.part_of[key] = float(value), tex, len(self.parts)
        self.parts.append(tex)

    def entry(self, key):
        return self.owner.submobjects[self.offset + self.part_of[key]]

    def mobjects(self) -> VGroup:
        return VGroup(*self.owner.submobjects[self.offset:self.offset + len(self.parts)])


def elided_matrix(values, rows, cols=(0,), *, decimals: int = 2, symbol=None) -> ElidedBlock:
    """A bracketed matrix of the `rows` x `cols` of `values` (2-D, or 1-D as a column) with ⋮ ⋯ ⋱ for
    every skipped index; entries are the real values rounded to `decimals`, or the tex symbol(i, j)."""
    values = np.asarray(values, dtype=np.float64)
    values = values[:, None] if values.ndim == 1 else values
    row_slots, col_slots = elided(rows, values.shape[0]), elided(cols, values.shape[1])
    block = ElidedBlock([r"\begin{bmatrix}"])
    for r, i in enumerate(row_slots):
        for c, j in enumerate(col_slots):
            if c:
                block.parts.append("&")
            if i is None or j is None:
                block.parts.append(r"\ddots" if i is None and j is None else r"\vdots" if i is None else r"\cdots")
            else:
                block.add_entry((i, j), values[i, j], symbol(i, j) if symbol else number(values[i, j], decimals))
        if r < len(row_slots) - 1:
            block.parts.append(r"\\")
    block.parts.append(r"\end{bmatrix}")
    return block


def elided_tuple(values, shown, *, decimals: int = 2, symbol=None) -> ElidedBlock:
    """(v_i, …, v_j) for the shown indices of `values`, with … for skipped ones; entries are the real
    values rounded to `decimals`, or the tex symbol(i)."""
    values = np.asarray(values, dtype=np.float64)
    block = ElidedBlock([r"\left("])
    for slot, i in enumerate(elided(shown, len(values))):
        if slot:
            block.parts.append(",")
        if i is None:
            block.parts.append(r"\dots")
        else:
            block.add_entry(i, values[i], symbol(i) if symbol else number(values[i], decimals))
    block.parts.append(r"\right)")
    return block


class MathFormula(MathTex):
    """One MathTex compiled from tex strings and named ElidedBlocks, given as (name, block) pairs;
    `blocks[name]` gives each block's real entries and their mobjects."""

    def __init__(self, *segments, theme: Theme | None = None, font_size: float | None = None):
        active = theme or active_theme()
        parts, blocks = [], {}
        for segment in segments:
            if isinstance(segment, str):
                parts.append(segment)
                continue
            name, block = segment
            block.offset = len(parts)
            parts += block.parts
            blocks[name] = block
        super().__init__(*parts, font_size=font_size or active.matrix_size, color=active.text)
        for block in blocks.values():
            block.owner = self
        self.blocks = blocks


class WeightedSumTerms(VGroup):
    """w_0 a_0 + w_1 a_1 + ⋯ + w_n a_n for the real terms `shown` (indices from 0, like the matrix
    notation), each term's symbols above its numbers: weights in their sign's colour, the
    activations a^(layer - 1) feeding the neuron in the text colour, ⋯ where terms are skipped.
    `weights_shown`/`activations_shown` map index -> real value, `number_tex[i]` is term i's tex,
    `weight_mobjects[i]` its weight's mobject and `column_x[i]` its centre."""

    def __init__(self, weights_row, activations, shown, layer: int, *, decimals: int = 2,
                 theme: Theme | None = None, font_size: float | None = None, line_gap: float = 0.75):
        super().__init__()
        self.theme = active = theme or active_theme()
        self.slots = elided(shown, len(weights_row))
        self.term_count = len(weights_row)
        self.weights_shown = {i: float(weights_row[i]) for i in self.slots if i is not None}
        self.activations_shown = {i: float(activations[i]) for i in self.slots if i is not None}
        symbols, numbers, columns = [], [], []  # columns: (symbol part indices, number part indices)
        for slot, i in enumerate(self.slots):
            if slot:
                columns.append(([len(symbols)], [len(numbers)]))
                symbols.append("+")
                numbers.append("+")
            if i is None:
                columns.append(([len(symbols)], [len(numbers)]))
                symbols.append(r"\cdots")
                numbers.append(r"\cdots")
                continue
            columns.append(([len(symbols), len(symbols) + 1], [len(numbers) + k for k in range(3)]))
            symbols += [f"w_{{{i}}}", f"a^{{({layer - 1})}}_{{{i}}}"]
            numbers += [factor(self.weights_shown[i], decimals), r"\cdot", number(self.activations_shown[i], decimals)]
        size = font_size or active.math_size
        self.symbols = MathTex(*symbols, font_size=size, color=active.text)
        self.numbers = MathTex(*numbers, font_size=size, color=active.text)
        self.numbers.shift(line_gap * DOWN)
        self.number_tex, self.weight_mobjects = {}, {}
        self.column_x, self.gap_x, x = {}, [], 0.0
        ellipses = {k for k, tex in enumerate(numbers) if tex == r"\cdots"}
        term_slots = iter(self.slots)
        for symbol_parts, number_parts in columns:
            top = VGroup(*(self.symbols[k] for k in symbol_parts))
            bottom = VGroup(*(self.numbers[k] for k in number_parts))
            width = max(top.width, bottom.width)
            top.set_x(x + width / 2)
            bottom.set_x(x + width / 2)
            if number_parts[0] in ellipses:
                self.gap_x.append(x + width / 2)
            if len(number_parts) == 3:  # a term: record where it is and colour its weight
                i = next(i for i in term_slots if i is not None)
                self.column_x[i] = x + width / 2
                self.weight_mobjects[i] = self.numbers[number_parts[0]]
                self.weight_mobjects[i].set_color(active.weight_color(self.weights_shown[i]))
                self.number_tex[i] = "".join(self.numbers[k].tex_string for k in number_parts)
            x += width + 0.18
        self.add(self.symbols, self.numbers)
        offset = -self.get_center()[0]
        self.shift(offset * np.array([1.0, 0, 0]))
        self.column_x = {i: value + offset for i, value in self.column_x.items()}
        self.gap_x = [value + offset for value in self.gap_x]

    def shifted(self, vector) -> "WeightedSumTerms":
        """Move the terms and keep `column_x` in step."""
        self.shift(vector)
        self.column_x = {i: value + vector[0] for i, value in self.column_x.items()}
        self.gap_x = [value + vector[0] for value in self.gap_x]
        return self


class NeuronFan(VGroup):
    """One neuron and the shown neurons feeding it: input circles (lit by their real activations)
    at `xs[i]` on the line y = `top`, a "⋯" at each of `gaps` (x) for skipped inputs, and edges to the neuron at
    `target` coloured by the sign and sized by the magnitude of the real weights."""

    def __init__(self, weights_row, activations, xs: dict, top: float, target, *, gaps=(),
                 theme: Theme | None = None):
        super().__init__()
        active = theme or active_theme()
        radius = active.neuron_radius * 1.4
        scale = float(np.max(np.abs(weights_row))) or 1.0
        self.inputs = VGroup(*(Circle(radius=radius, stroke_color=active.neuron_stroke,
                                      stroke_width=active.neuron_stroke_width, fill_opacity=1,
                                      fill_color=active.activation_color(activations[i])).move_to([x, top, 0])
                               for i, x in xs.items()))
        self.neuron = Circle(radius=radius * 1.6, stroke_color=active.neuron_stroke,
                             stroke_width=active.neuron_stroke_width, fill_opacity=1,
                             fill_color=active.neuron_off).move_to(target)
        self.edges = VGroup()
        for circle, i in zip(self.inputs, xs):
            strength = abs(float(weights_row[i])) / scale
            self.edges.add(Line(circle.get_bottom(), self.neuron.get_center(), buff=0,
                                stroke_color=active.weight_color(float(weights_row[i])),
                                stroke_width=1 + 2.5 * active.max_edge_width * strength,
                                stroke_opacity=0.35 + 0.6 * strength))
        self.gaps = VGroup(*(MathTex(r"\cdots", color=active.muted, font_size=active.math_size + 12).move_to([x, top, 0])
                             for x in gaps))
        self.inputs.add(*self.gaps)
        self.add(self.edges, self.inputs, self.neuron)


class ActivationPlot(VGroup):
    """Axes with a hidden activation function (`kind`: sigmoid or relu) plotted on them, optionally
    shifted by a bias: f(x + shift). `point(x, y)` is the scene point of (x, y)."""

    def __init__(self, kind: str, x_range, y_range, *, width: float = 7.0, height: float = 3.5,
                 theme: Theme | None = None):
        super().__init__()
        self.theme = active = theme or active_theme()
        self.kind, self.function = kind, FUNCTIONS[kind]
        numbers = {"font_size": active.label_size, "decimal_number_config": {"num_decimal_places": 0,
                                                                            "color": active.muted}}
        self.axes = Axes(x_range=x_range, y_range=y_range, x_length=width, y_length=height, tips=False,
                         axis_config={"color": active.muted, "include_numbers": True, **numbers},
                         y_axis_config={"decimal_number_config": {"num_decimal_places": 1 if y_range[1] <= 1 else 0,
                                                                  "color": active.muted}})
        self.graph = self.curve()
        self.add(self.axes, self.graph)

    def curve(self, shift: float = 0.0, color: str | None = None):
        """f(x + shift), drawn only where it stays below the top of the axes."""
        low, high = self.axes.x_range[:2]
        xs = np.linspace(low, high, 801)
        high = float(xs[self.function(xs + shift) <= self.axes.y_range[1]].max())
        return self.axes.plot(lambda x: float(self.function(x + shift)), x_range=[low, high],
                              color=color or self.theme.highlight, stroke_width=4,
                              use_smoothing=self.kind != "relu")  # keep ReLU's kink sharp

    def point(self, x: float, y: float) -> np.ndarray:
        return self.axes.c2p(x, y)

    def formula(self, shift_tex: str = "") -> MathTex:
        """f(x) written out, e.g. sigma(x + b) = 1 / (1 + e^-(x + b)) for a shift."""
        x = f"(x {shift_tex})" if shift_tex else "x"
        if self.kind == "sigmoid":
            tex = rf"\sigma({x[1:-1] if shift_tex else x}) = \frac{{1}}{{1 + e^{{-{x}}}}}"
        else:
            tex = rf"\mathrm{{ReLU}}({x[1:-1] if shift_tex else x}) = \max(0, {x[1:-1] if shift_tex else x})"
        return MathTex(tex, font_size=self.theme.math_size, color=self.theme.text)


def symmetric_range(*values: float, minimum: float = 6.0, ticks: int = 3) -> list[float]:
    """[-R, R, step] covering every value with room, at least `minimum`; the step is 1, 2 or 5 times
    a power of ten, so that each half of the axis has at most `ticks` numbered ticks."""
    reach = max([minimum] + [abs(v) * 1.1 + 0.5 for v in values])
    step = min(m * 10.0 ** e for e in range(-1, 6) for m in (1, 2, 5) if reach / (m * 10.0 ** e) <= ticks)
    return [-step * np.ceil(reach / step), step * np.ceil(reach / step), step]
