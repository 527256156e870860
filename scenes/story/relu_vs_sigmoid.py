from __future__ import annotations

from manim import DOWN, LEFT, RIGHT, UP, Create, FadeIn, VGroup, Write

from network.activations import ACTIVATIONS
from network.errors import NNExplainError
from network.model import architecture
from scenes.mobjects.activation_plot import ActivationPlot
from scenes.mobjects.math_tex import number, require_latex, typeset
from scenes.mobjects.text import caption
from scenes.mobjects.theme import Theme
from scenes.story.base import StoryScene, accuracy_text, neuron_name
from scenes.story.inputs import StoryInputs

__all__ = ["ReLUvsSigmoid"]


class ReLUvsSigmoid(StoryScene):
    """ReLU beside the sigmoid, with the shipped ReLU network's real numbers.

    Each panel plots one network's hidden activation with its followed neuron's exported (z, a) on
    the curve and the network's test accuracy; the story's network and its shipped twin with the
    other activation fill the two panels.
    """

    chapter = "ReLU vs sigmoid"  # its chapter in the explainer

    def construct(self):
        require_latex()
        theme, story = self.theme, self.story
        networks = {net.activation: net for net in (story, self.twin_story())}
        if set(networks) != {"sigmoid", "relu"}:
            raise NNExplainError("ReLUvsSigmoid needs one sigmoid and one ReLU network")
        title = typeset(
            r"\mathrm{ReLU}(a) = \max(0, a)", font_size=theme.math_size + 6, color=theme.text
        ).to_edge(UP, buff=0.35)
        named = len({net.dataset.name for net in networks.values()}) > 1  # a twin trained on other data
        self.panels = {kind: self.panel(networks[kind], theme, named) for kind in ("sigmoid", "relu")}
        self.panels["sigmoid"].to_edge(LEFT, buff=0.5).shift(0.4 * UP)
        self.panels["relu"].to_edge(RIGHT, buff=0.5).shift(0.4 * UP)
        why = VGroup(
            self.text("Modern networks prefer ReLU: its slope is 1 for every positive input,", "small"),
            self.text("so gradients do not vanish; it is cheap to compute and trains faster.", "small"),
        )
        why.arrange(DOWN, buff=0.1).to_edge(DOWN, buff=0.3)

        self.step(
            "Sigmoid and ReLU",
            "Two networks trained the same way: one squishes with the sigmoid, as early networks did,"
            " the other with ReLU, the rectified linear unit, the maximum of 0 and its input. Each panel"
            " shows a real neuron of one network and that network's test accuracy.",
        )
        self.play(FadeIn(title), *(Create(p.plot) for p in self.panels.values()), run_time=1.5)
        self.play(*(Write(p.formula) for p in self.panels.values()), run_time=1)
        self.play(
            *(FadeIn(p.dot) for p in self.panels.values()),
            *(Write(p.neuron_label) for p in self.panels.values()),
            run_time=2,
        )
        self.play(*(FadeIn(p.accuracy_label) for p in self.panels.values()), run_time=1.5)
        self.step(
            "Why modern networks use ReLU",
            "Modern networks prefer ReLU: its slope is 1 for every positive input, so learning does"
            " not stall, and it is cheap to compute.",
        )
        self.play(FadeIn(why), run_time=1.5)
        self.wait(1.5)

    @staticmethod
    def panel(inputs: StoryInputs, theme: Theme, name_data: bool = False) -> VGroup:
        """One network's activation plot with its followed neuron's exported (z, a) on the curve."""
        layer, j = inputs.followed_neuron()
        numbers = inputs.neuron_numbers(layer, j)
        activation = ACTIVATIONS[inputs.activation]
        z, a, f = numbers["z"], numbers["a"], activation.tex
        plot = ActivationPlot.covering(inputs.activation, [z], [z, 1], 5.6, 2.6, theme)
        panel = VGroup(plot)
        panel.plot, panel.numbers, panel.activation = plot, numbers, inputs.activation
        panel.formula = plot.formula().scale(0.8).next_to(plot, UP, buff=0.25)
        panel.dot = plot.dot(z, a)
        panel.neuron_label = typeset(
            rf"\text{{{neuron_name(layer, j)}: }} z = {number(z)},\quad {f}(z) = {number(a)}",
            font_size=theme.label_size,
            color=theme.text,
        ).next_to(plot, DOWN, buff=0.25)
        panel.accuracy_text = accuracy_text(inputs.manifest)
        panel.accuracy_label = VGroup(
            caption(f"{architecture(inputs.sizes)} {activation.label} network", theme),
            caption(
                panel.accuracy_text + (f" on {inputs.dataset.name}" if name_data else ""),
                theme,
                "label",
                "highlight",
            ),
        )
        panel.accuracy_label.arrange(DOWN, buff=0.1).next_to(panel.neuron_label, DOWN, buff=0.2)
        panel.add(panel.formula, panel.dot, panel.neuron_label, panel.accuracy_label)
        return panel
