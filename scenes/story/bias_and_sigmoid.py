from __future__ import annotations

from manim import (
    DOWN,
    LEFT,
    RIGHT,
    UP,
    Create,
    DashedLine,
    FadeIn,
    FadeOut,
    ReplacementTransform,
    Transform,
    Write,
)

from network.activations import ACTIVATIONS
from scenes.mobjects.activation_plot import ActivationPlot
from scenes.mobjects.math_tex import number, require_latex, text_number, typeset
from scenes.story.base import StoryScene

__all__ = ["BiasAndSigmoid"]


class BiasAndSigmoid(StoryScene):
    """The sum on the sigmoid; the real bias shifts the threshold.

    The followed neuron's weighted sum sits on its network's hidden activation; the real bias then
    shifts the curve, and the dot ends at the exported activation a = f(z).
    """

    chapter = "Squish and bias"  # its chapter in the explainer

    def construct(self):
        require_latex()
        theme, inputs = self.theme, self.story
        layer, j = inputs.followed_neuron()
        self.numbers = numbers = inputs.neuron_numbers(layer, j)
        s, b, z, a = numbers["weighted_sum"], numbers["b"], numbers["z"], numbers["a"]
        kind, f = inputs.activation, ACTIVATIONS[inputs.activation].tex

        title = self.text(
            f"Squish the sum{' into (0, 1)' if kind == 'sigmoid' else ''}, shift it by the bias", "title"
        ).to_edge(UP, buff=0.35)
        self.plot = plot = ActivationPlot.covering(kind, [s, z, b], [s, z, 1], 10.5, 3.6, theme).shift(
            0.6 * DOWN
        )
        x_label = typeset(rf"w \cdot a^{{({layer - 1})}}", font_size=theme.label_size, color=theme.muted)
        x_label.next_to(plot.axes.x_axis, RIGHT, buff=0.15)
        formula = plot.formula().next_to(title, DOWN, buff=0.35).to_edge(LEFT, buff=0.6)
        before = plot.dot(s, float(plot.function(s)))
        before_label = typeset(
            rf"{f}({number(s)}) = {number(float(plot.function(s)))}",
            font_size=theme.label_size,
            color=theme.text,
        )
        plot.label_point(before_label, s, float(plot.function(s)))  # off the curve and the axes

        squash = (
            "the sigmoid squishes any number into the range from 0 to 1"
            if kind == "sigmoid"
            else "ReLU keeps positive sums and turns negative ones into 0"
        )
        self.step(
            "Squish the sum",
            f"A weighted sum can be any number, but {squash}. This neuron's sum, {s:.2f}, lands here.",
        )
        self.play(FadeIn(title), Create(plot.axes), FadeIn(x_label), run_time=1)
        self.play(Create(plot.graph), Write(formula), run_time=1.5)
        self.play(FadeIn(before), Write(before_label), run_time=1.5)

        shift_tex = f"{'+' if b >= 0 else '-'} {number(abs(b))}"
        threshold = DashedLine(plot.point(-b, 0), plot.point(-b, plot.axes.y_range[1]), color=theme.highlight)
        bias_note = self.text(
            f"bias b = {text_number(b)}: turns on past w·a = {text_number(-b)}", "label", "highlight"
        )
        shifted_formula = plot.formula(shift_tex).move_to(formula, aligned_edge=LEFT)
        bias_note.next_to(shifted_formula, RIGHT, buff=0.8)
        room = 6.9 - bias_note.get_left()[0]  # a long formula (ReLU's) leaves less room: fit inside the frame
        if bias_note.width > room:
            bias_note.scale_to_fit_width(room).next_to(shifted_formula, RIGHT, buff=0.8)
        ghost = plot.graph.copy().set_stroke(color=theme.muted, width=2, opacity=0.6)
        self.dot = plot.dot(s, a)  # the exported activation, not recomputed
        self.result = typeset(
            rf"a^{{({layer})}}_{{{j}}} = {f}(w \cdot a^{{({layer - 1})}} + b) = {f}({number(z)})",
            "=",
            number(a),
            font_size=theme.math_size,
            color=theme.text,
        )
        self.result[2].set_color(theme.highlight)
        self.result.to_edge(DOWN, buff=0.3)
        self.step(
            "The bias shifts the threshold",
            f"The bias, {b:.2f}, is added before squishing: it says how large the sum must be before"
            f" the neuron becomes active. The activation ends at {a:.3f}.",
        )
        self.add(ghost)
        self.play(
            Transform(plot.graph, plot.curve(shift=b)),
            Create(threshold),
            FadeIn(bias_note),
            Transform(formula, shifted_formula),
            FadeOut(before_label),
            ReplacementTransform(before, self.dot),
            run_time=2.5,
        )
        self.play(Write(self.result), run_time=1.5)
        self.wait(1)
