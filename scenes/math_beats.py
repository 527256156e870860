"""The math of one neuron, with real numbers: its weighted sum, the bias and the sigmoid, and ReLU.

The neuron is one of the second hidden layer that is active for the followed digit and whose bias
matters most (`notation.followed_neuron`). Every number shown is exported (weights, z, a); the one
derived number is f(w·a), the activation the neuron would have without its bias.
"""

from __future__ import annotations

from manim import (DOWN, LEFT, RIGHT, UP, Create, DashedLine, Dot, FadeIn, FadeOut, MathTex,
                   ReplacementTransform, Scene, Transform, TransformFromCopy, VGroup, Write)

from network.errors import NNExplainError
from scenes.inputs import StoryInputs, story_inputs
from scenes.notation import (FUNCTION_NAMES, FUNCTION_TEX, ActivationPlot, NeuronFan, WeightedSumTerms, accuracy_text,
                             architecture, followed_neuron, largest_terms, neuron_numbers, number,
                             other_activation_inputs, require_latex, symmetric_range, text_number)
from scenes.pixels import caption
from scenes.theme import Theme, apply_theme


def neuron_name(layer: int, j: int) -> str:
    return f"neuron {j} of layer {layer}"


def activation_plot(kind: str, xs, ys, width: float, height: float, theme: Theme) -> ActivationPlot:
    """Axes wide enough for the x values `xs`, tall enough for the y values `ys`."""
    y_range = [0, 1, 0.5] if kind == "sigmoid" else [0, *symmetric_range(*ys, minimum=2)[1:]]
    return ActivationPlot(kind, symmetric_range(*xs), y_range, width=width, height=height, theme=theme)


def dot_on(plot: ActivationPlot, x: float, y: float, theme: Theme) -> VGroup:
    """A dot at (x, y) and a dashed line down to the x axis."""
    dot = Dot(plot.point(x, y), radius=0.09, color=theme.text)
    return VGroup(DashedLine(plot.point(x, 0), dot.get_center(), color=theme.muted), dot)


class WeightedSum(Scene):
    """w_0 a_0 + ... + w_n a_n for one real neuron: its largest terms with real weights and
    activations, the rest elided, and the sum's real value (exported z minus bias)."""

    def construct(self):
        require_latex()
        theme = apply_theme(self)
        inputs = story_inputs()
        layer, j = followed_neuron(inputs)
        self.numbers = neuron_numbers(inputs, layer, j)
        weights, previous = inputs.weights[layer - 1][j], inputs.layer(layer - 1)

        title = caption(f"{neuron_name(layer, j).capitalize()} adds up layer {layer - 1}, weighted",
                        theme, "title").to_edge(UP, buff=0.35)
        self.terms = WeightedSumTerms(weights, previous, largest_terms(weights, previous), layer,
                                      theme=theme).shifted(1.0 * DOWN)
        fan = NeuronFan(weights, previous, self.terms.column_x, top=2.1, target=[0, 0.45, 0],
                        gaps=self.terms.gap_x, theme=theme)
        name = MathTex(rf"a^{{({layer})}}_{{{j}}}", font_size=theme.math_size, color=theme.text)
        name.next_to(fan.neuron, RIGHT, buff=0.2)
        self.total = MathTex(rf"w \cdot a^{{({layer - 1})}}", "=", number(self.numbers["weighted_sum"]),
                             font_size=theme.math_size, color=theme.text)
        self.total.next_to(self.terms, DOWN, buff=0.45)
        self.total[2].set_color(theme.highlight)
        shown = len(self.terms.weights_shown)
        note = caption(f"the {shown} largest of {self.terms.term_count} terms shown; "
                       f"digit: {inputs.source_label()}", theme, "small", "muted").to_edge(DOWN, buff=0.3)

        self.play(FadeIn(title), FadeIn(fan.inputs), run_time=1)
        self.play(Create(fan.edges), FadeIn(fan.neuron), Write(name), run_time=1.5)
        self.play(Write(self.terms.symbols), run_time=1.5)
        self.play(TransformFromCopy(self.terms.symbols, self.terms.numbers), run_time=1.5)
        self.play(Write(self.total), FadeIn(note), run_time=1.5)
        self.wait(1)


class BiasAndSigmoid(Scene):
    """The neuron's weighted sum on the sigmoid (its network's hidden activation), then the real
    bias shifting the curve's threshold, ending at the exported activation a = sigma(z)."""

    def construct(self):
        require_latex()
        theme = apply_theme(self)
        inputs = story_inputs()
        layer, j = followed_neuron(inputs)
        self.numbers = numbers = neuron_numbers(inputs, layer, j)
        s, b, z, a = numbers["weighted_sum"], numbers["b"], numbers["z"], numbers["a"]
        kind, f = inputs.activation, FUNCTION_TEX[inputs.activation]

        title = caption(f"Squish the sum{' into (0, 1)' if kind == 'sigmoid' else ''}, "
                        f"shift it by the bias", theme, "title").to_edge(UP, buff=0.35)
        self.plot = plot = activation_plot(kind, [s, z, b], [s, z, 1], 10.5, 3.6, theme).shift(0.6 * DOWN)
        x_label = MathTex(rf"w \cdot a^{{({layer - 1})}}", font_size=theme.label_size, color=theme.muted)
        x_label.next_to(plot.axes.x_axis, RIGHT, buff=0.15)
        formula = plot.formula().next_to(title, DOWN, buff=0.35).to_edge(LEFT, buff=0.6)
        before = dot_on(plot, s, float(plot.function(s)), theme)
        before_label = MathTex(rf"{f}({number(s)}) = {number(float(plot.function(s)))}",
                               font_size=theme.label_size, color=theme.text).next_to(before[1], UP + LEFT, buff=0.1)

        self.play(FadeIn(title), Create(plot.axes), FadeIn(x_label), run_time=1)
        self.play(Create(plot.graph), Write(formula), run_time=1.5)
        self.play(FadeIn(before), Write(before_label), run_time=1.5)

        shift_tex = f"{'+' if b >= 0 else '-'} {number(abs(b))}"
        threshold = DashedLine(plot.point(-b, 0), plot.point(-b, plot.axes.y_range[1]), color=theme.highlight)
        bias_note = caption(f"bias b = {text_number(b)}: turns on past w·a = {text_number(-b)}",
                            theme, "label", "highlight")
        shifted_formula = plot.formula(shift_tex).move_to(formula, aligned_edge=LEFT)
        bias_note.next_to(shifted_formula, RIGHT, buff=0.8)
        ghost = plot.graph.copy().set_stroke(color=theme.muted, width=2, opacity=0.6)
        self.dot = dot_on(plot, s, a, theme)  # the exported activation, not recomputed
        self.result = MathTex(rf"a^{{({layer})}}_{{{j}}} = {f}(w \cdot a^{{({layer - 1})}} + b) = {f}({number(z)})",
                              "=", number(a), font_size=theme.math_size, color=theme.text)
        self.result[2].set_color(theme.highlight)
        self.result.to_edge(DOWN, buff=0.3)
        self.add(ghost)
        self.play(Transform(plot.graph, plot.curve(shift=b)), Create(threshold), FadeIn(bias_note),
                  Transform(formula, shifted_formula),
                  FadeOut(before_label), ReplacementTransform(before, self.dot), run_time=2.5)
        self.play(Write(self.result), run_time=1.5)
        self.wait(1)


class ReLUvsSigmoid(Scene):
    """ReLU(a) = max(0, a) beside the sigmoid, each with its shipped network's real neuron and
    test accuracy, and why modern networks prefer ReLU."""

    def construct(self):
        require_latex()
        theme = apply_theme(self)
        story = story_inputs()
        networks = {net.activation: net for net in (story, other_activation_inputs(story))}
        if set(networks) != {"sigmoid", "relu"}:
            raise NNExplainError("ReLUvsSigmoid needs one sigmoid and one ReLU network")
        title = MathTex(r"\mathrm{ReLU}(a) = \max(0, a)", font_size=theme.math_size + 6,
                        color=theme.text).to_edge(UP, buff=0.35)
        self.panels = {kind: self.panel(networks[kind], theme) for kind in ("sigmoid", "relu")}
        self.panels["sigmoid"].to_edge(LEFT, buff=0.5).shift(0.4 * UP)
        self.panels["relu"].to_edge(RIGHT, buff=0.5).shift(0.4 * UP)
        why = VGroup(caption("Modern networks prefer ReLU: its slope is 1 for every positive input,",
                             theme, "small"),
                     caption("so gradients do not vanish; it is cheap to compute and trains faster.",
                             theme, "small")).arrange(DOWN, buff=0.1).to_edge(DOWN, buff=0.3)

        self.play(FadeIn(title), *(Create(p.plot) for p in self.panels.values()), run_time=1.5)
        self.play(*(Write(p.formula) for p in self.panels.values()), run_time=1)
        self.play(*(FadeIn(p.dot) for p in self.panels.values()),
                  *(Write(p.neuron_label) for p in self.panels.values()), run_time=2)
        self.play(*(FadeIn(p.accuracy_label) for p in self.panels.values()), run_time=1.5)
        self.play(FadeIn(why), run_time=1.5)
        self.wait(1.5)

    @staticmethod
    def panel(inputs: StoryInputs, theme: Theme) -> VGroup:
        """One network's activation plot with its followed neuron's exported (z, a) on the curve."""
        layer, j = followed_neuron(inputs)
        numbers = neuron_numbers(inputs, layer, j)
        z, a, f = numbers["z"], numbers["a"], FUNCTION_TEX[inputs.activation]
        plot = activation_plot(inputs.activation, [z], [z, 1], 5.6, 2.6, theme)
        panel = VGroup(plot)
        panel.plot, panel.numbers, panel.activation = plot, numbers, inputs.activation
        panel.formula = plot.formula().scale(0.8).next_to(plot, UP, buff=0.25)
        panel.dot = dot_on(plot, z, a, theme)
        panel.neuron_label = MathTex(rf"\text{{{neuron_name(layer, j)}: }} z = {number(z)},\quad {f}(z) = {number(a)}",
                                     font_size=theme.label_size, color=theme.text).next_to(plot, DOWN, buff=0.25)
        panel.accuracy_text = accuracy_text(inputs.manifest)
        panel.accuracy_label = VGroup(caption(f"{architecture(inputs.sizes)} {FUNCTION_NAMES[inputs.activation]} network", theme),
                                      caption(panel.accuracy_text, theme, "label", "highlight"))
        panel.accuracy_label.arrange(DOWN, buff=0.1).next_to(panel.neuron_label, DOWN, buff=0.2)
        panel.add(panel.formula, panel.dot, panel.neuron_label, panel.accuracy_label)
        return panel
