from __future__ import annotations

from manim import DOWN, RIGHT, UP, Create, FadeIn, TransformFromCopy, Write

from scenes.choices.selection import largest_terms
from scenes.mobjects.math_tex import number, require_latex, typeset
from scenes.mobjects.weighted_sum_terms import NeuronFan, WeightedSumTerms
from scenes.story.base import StoryScene, neuron_name

__all__ = ["WeightedSum"]


class WeightedSum(StoryScene):
    """w·a with a real neuron's weights and a real digit's activations.

    The neuron is one of the second hidden layer that is active for the followed digit and whose
    bias matters most; its largest terms w_i a_i are written with real numbers, the rest elided,
    and the sum is the exported z minus the bias.
    """

    chapter = "The weighted sum"  # its chapter in the explainer

    def construct(self):
        require_latex()
        theme, inputs = self.theme, self.story
        layer, j = inputs.followed_neuron()
        self.numbers = inputs.neuron_numbers(layer, j)
        weights, previous = inputs.weights[layer - 1][j], inputs.layer(layer - 1)

        title = self.text(
            f"{neuron_name(layer, j).capitalize()} adds up layer {layer - 1}, weighted", "title"
        ).to_edge(UP, buff=0.35)
        self.terms = WeightedSumTerms(
            weights, previous, largest_terms(weights, previous), layer, theme=theme
        ).shifted(1.0 * DOWN)
        fan = NeuronFan(
            weights,
            previous,
            self.terms.column_x,
            top=2.1,
            target=[0, 0.45, 0],
            gaps=self.terms.gap_x,
            theme=theme,
        )
        name = typeset(rf"a^{{({layer})}}_{{{j}}}", font_size=theme.math_size, color=theme.text)
        name.next_to(fan.neuron, RIGHT, buff=0.2)
        self.total = typeset(
            rf"w \cdot a^{{({layer - 1})}}",
            "=",
            number(self.numbers["weighted_sum"]),
            font_size=theme.math_size,
            color=theme.text,
        )
        self.total.next_to(self.terms, DOWN, buff=0.45)
        self.total[2].set_color(theme.highlight)
        shown = len(self.terms.weights_shown)
        note = self.text(
            f"the {shown} largest of {self.terms.term_count} terms shown;"
            f" {inputs.item}: {inputs.source_label()}",
            "small",
            "muted",
        ).to_edge(DOWN, buff=0.3)

        self.step(
            "A weighted sum",
            f"Take one neuron of layer {layer}. It listens to all {len(previous)} neurons of layer"
            f" {layer - 1}, each through its own weight, and adds up weight times activation.",
        )
        self.play(FadeIn(title), FadeIn(fan.inputs), run_time=1)
        self.play(Create(fan.edges), FadeIn(fan.neuron), Write(name), run_time=1.5)
        self.play(Write(self.terms.symbols), run_time=1.5)
        self.step(
            "With the real numbers",
            f"With the real weights and this {inputs.item}'s real activations, the largest terms are these;"
            f" all {self.terms.term_count} of them add up to {self.numbers['weighted_sum']:.2f}.",
        )
        self.play(TransformFromCopy(self.terms.symbols, self.terms.numbers), run_time=1.5)
        self.play(Write(self.total), FadeIn(note), run_time=1.5)
        self.wait(1)
