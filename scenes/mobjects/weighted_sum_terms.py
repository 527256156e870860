"""One neuron's weighted sum, with real numbers: the terms w_i a_i written out (`WeightedSumTerms`)
and the fan of edges from the inputs into the neuron (`NeuronFan`)."""

from __future__ import annotations

import numpy as np
from manim import DOWN, Circle, Line, VGroup

from scenes.mobjects.math_tex import elided, factor, number, typeset
from scenes.mobjects.theme import DARK, Theme

__all__ = ["NeuronFan", "WeightedSumTerms"]


class WeightedSumTerms(VGroup):
    """w_0 a_0 + w_1 a_1 + ⋯ + w_n a_n for the real terms `shown` (indices from 0, like the matrix
    notation), each term's symbols above its numbers: weights in their sign's colour, the
    activations a^(layer - 1) feeding the neuron in the text colour, ⋯ where terms are skipped.
    `weights_shown`/`activations_shown` map index -> real value, `number_tex[i]` is term i's tex,
    `weight_mobjects[i]` its weight's mobject and `column_x[i]` its centre.

    >>> from manim import Scene, TransformFromCopy, Write
    >>> from network import DEFAULT_WEIGHTS, load_sample, load_weights
    >>> from scenes import LIGHT, WeightedSumTerms, apply_theme, largest_terms
    >>> class WeightedSumExample(Scene):
    ...     def construct(self):
    ...         apply_theme(self, LIGHT)
    ...         model, manifest = load_weights(DEFAULT_WEIGHTS)
    ...         forward = model.forward(load_sample()[0][0])
    ...         row, a = model.weights[1][11], forward.activations[1]  # neuron 11 of layer 2, its inputs
    ...         terms = WeightedSumTerms(row, a, largest_terms(row, a), layer=2, theme=LIGHT)
    ...         self.play(Write(terms.symbols), TransformFromCopy(terms.symbols, terms.numbers))
    """

    def __init__(
        self,
        weights_row,
        activations,
        shown,
        layer: int,
        *,
        decimals: int = 2,
        theme: Theme = DARK,
        font_size: float | None = None,
        line_gap: float = 0.75,
    ):
        super().__init__()
        self.theme = active = theme
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
            numbers += [
                factor(self.weights_shown[i], decimals),
                r"\cdot",
                number(self.activations_shown[i], decimals),
            ]
        size = font_size or active.math_size
        self.symbols = typeset(*symbols, font_size=size, color=active.text)
        self.numbers = typeset(*numbers, font_size=size, color=active.text)
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

    def shifted(self, vector) -> WeightedSumTerms:
        """Move the terms and keep `column_x` in step."""
        self.shift(vector)
        self.column_x = {i: value + vector[0] for i, value in self.column_x.items()}
        self.gap_x = [value + vector[0] for value in self.gap_x]
        return self


class NeuronFan(VGroup):
    """One neuron and the shown neurons feeding it: input circles (lit by their real activations)
    at `xs[i]` on the line y = `top`, a "⋯" at each of `gaps` (x) for skipped inputs, and edges to
    the neuron at `target` coloured by the sign and sized by the magnitude of the real weights.

    >>> from manim import DOWN, Create, FadeIn, Scene
    >>> from network import DEFAULT_WEIGHTS, load_sample, load_weights
    >>> from scenes import NeuronFan, WeightedSumTerms, largest_terms
    >>> class NeuronFanExample(Scene):
    ...     def construct(self):
    ...         model, manifest = load_weights(DEFAULT_WEIGHTS)
    ...         row, a = model.weights[1][11], model.forward(load_sample()[0][0]).activations[1]
    ...         terms = WeightedSumTerms(row, a, largest_terms(row, a), layer=2).to_edge(DOWN)
    ...         fan = NeuronFan(row, a, terms.column_x, top=2.1, target=[0, 0.4, 0], gaps=terms.gap_x)
    ...         self.play(FadeIn(fan.inputs), Create(fan.edges), FadeIn(fan.neuron), FadeIn(terms))
    """

    def __init__(
        self, weights_row, activations, xs: dict, top: float, target, *, gaps=(), theme: Theme = DARK
    ):
        super().__init__()
        active = theme
        radius = active.neuron_radius * 1.4
        scale = float(np.max(np.abs(weights_row))) or 1.0
        self.inputs = VGroup(
            *(
                Circle(
                    radius=radius,
                    stroke_color=active.neuron_stroke,
                    stroke_width=active.neuron_stroke_width,
                    fill_opacity=1,
                    fill_color=active.activation_color(activations[i]),
                ).move_to([x, top, 0])
                for i, x in xs.items()
            )
        )
        self.neuron = Circle(
            radius=radius * 1.6,
            stroke_color=active.neuron_stroke,
            stroke_width=active.neuron_stroke_width,
            fill_opacity=1,
            fill_color=active.neuron_off,
        ).move_to(target)
        self.edges = VGroup()
        for circle, i in zip(self.inputs, xs):
            strength = abs(float(weights_row[i])) / scale
            self.edges.add(
                Line(
                    circle.get_bottom(),
                    self.neuron.get_center(),
                    buff=0,
                    stroke_color=active.weight_color(float(weights_row[i])),
                    stroke_width=1 + 2.5 * active.max_edge_width * strength,
                    stroke_opacity=0.35 + 0.6 * strength,
                )
            )
        self.gaps = VGroup(
            *(
                typeset(r"\cdots", color=active.muted, font_size=active.math_size + 12).move_to([x, top, 0])
                for x in gaps
            )
        )
        self.inputs.add(*self.gaps)
        self.add(self.edges, self.inputs, self.neuron)
