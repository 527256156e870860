from __future__ import annotations

import numpy as np
from manim import DOWN, RIGHT, UP, Circle, Create, FadeIn, FadeOut, VGroup, Write

from scenes.choices.selection import forward_pass_digits, ink_and_background_pixels
from scenes.mobjects.network_diagram import NetworkDiagram
from scenes.mobjects.pixel_grid import PixelGrid
from scenes.story.base import StoryScene

__all__ = ["ForwardPass"]


class ForwardPass(StoryScene):
    """Real digits light the network up layer by layer, including one it gets wrong.

    The followed digit, then another digit the network reads correctly, then the first it gets
    wrong; each ends with the brightest output ringed and the verdict written under the digit.
    With full edges every input and all edges are drawn (rasterised).
    """

    chapter = "Digits through the network"  # its chapter in the explainer

    def construct(self):
        t, inputs, config = self.theme, self.story, self.story_config
        shown_pixels = (
            None
            if config.full_edges
            else ink_and_background_pixels(inputs.pixels().reshape(-1), inputs.weights[0])
        )

        def diagram(width: float) -> NetworkDiagram:
            return NetworkDiagram(
                inputs.weights,
                theme=t,
                input_pixels=shown_pixels,
                typical=inputs.sample,  # each layer's colours span its typical activations
                full_edges=config.full_edges,
                edge_config={"rasterise": config.full_edges and not config.edge_lines},
                width=width,
                height=5.8,
                output_labels=self.output_names(),
            ).shift(1.3 * RIGHT + 0.3 * DOWN)

        self.diagram = diagram(7.0)
        self.legend = self.class_legend()
        if len(self.legend):  # long class names: a legend at the right edge, the diagram narrower
            self.legend.scale_to_fit_height(min(self.legend.height, 5.8)).to_edge(RIGHT, buff=0.2)
            overlap = self.diagram.get_right()[0] - self.legend.get_left()[0] + 0.3
            if overlap > 0:
                left = self.diagram.get_left()[0]  # where the digit beside it leaves room
                self.diagram = diagram(7.0 - overlap)
                self.diagram.shift((left - self.diagram.get_left()[0]) * RIGHT)
        title = self.text(f"Real {inputs.item}s through the real network", "title").to_edge(UP)
        self.grid = self.marks = self.verdict = None
        self.fed = self.digits()
        for number, digit in enumerate(self.fed):
            self.step(*self.step_words(number, digit))
            if number == 0:
                self.play(Write(title), FadeIn(self.diagram), FadeIn(self.legend), run_time=1.0)
            self.feed(digit, shown_pixels)
            self.wait(0.7)

    def digits(self) -> list[int | None]:
        """None for the followed digit, then sample indices: another digit read correctly and one
        the network gets wrong."""
        sample = self.story.sample
        return [None, *forward_pass_digits(sample.labels, sample.predictions, self.story.followed_class)]

    def step_words(self, number: int, digit: int | None) -> tuple[str, str]:
        """The title and notes of the step that feeds `digit`, the `number`-th digit fed."""
        inputs = self.story
        probabilities = inputs.forward(digit)[-1]
        predicted = int(np.argmax(probabilities))
        label = inputs.label if digit is None else int(inputs.sample.labels[digit])
        item = inputs.item
        share = f"{100 * probabilities[predicted]:.0f}%"
        verdict = f"The brightest output is {inputs.class_name(predicted)}, at {share}"
        if label is None or label == predicted:
            right = f"{verdict}{'' if label is None else ': right'}."
            if number == 0:
                return f"The followed {item} goes through", (
                    f"Each layer's activations decide the next layer's. Feed the {item} in and watch the"
                    f" activity flow from layer to layer to the output. {right}"
                )
            return f"Another {item}", f"A different {item} lights up a different pattern. {right}"
        accuracy = inputs.manifest.get("test_accuracy")
        rate = f"It reads {100 * accuracy:.1f}% of the test {item}s right; " if accuracy else ""
        return (
            "One it gets wrong",
            f"{verdict}, but the label says {inputs.class_name(label)}. {rate}this is one of its misses.",
        )

    def feed(self, digit: int | None, shown_pixels) -> None:
        """Show digit `digit` of the sample (None: the followed one) and run it through the network."""
        inputs = self.story
        values = inputs.forward(digit)
        grid = PixelGrid(inputs.pixels(digit), height=2.4, theme=self.theme).move_to([-5.3, 1.0, 0])
        marks = (
            VGroup(*(grid.pixel_outline(*divmod(int(p), inputs.side)) for p in shown_pixels))
            if shown_pixels is not None
            else VGroup()
        )
        if self.grid is None:
            self.play(FadeIn(grid), Create(marks), run_time=0.6)
        else:
            self.play(
                FadeOut(self.grid),
                FadeIn(grid),
                FadeOut(self.marks),
                FadeIn(marks),
                *(FadeOut(m) for m in self.verdict),
                run_time=0.6,
            )
        self.grid, self.marks = grid, marks
        self.play(self.diagram.animate.set_forward(values))  # its forward_pass, layer by layer
        self.play(*(FadeIn(m) for m in self.show_verdict(digit, values[-1])), run_time=0.6)

    def show_verdict(self, digit: int | None, probabilities: np.ndarray) -> VGroup:
        """Ring the brightest output and write the prediction, its confidence and the true label."""
        t, diagram, inputs = self.theme, self.diagram, self.story
        last, predicted = len(diagram.sizes) - 1, int(np.argmax(probabilities))
        label = inputs.label if digit is None else int(inputs.sample.labels[digit])
        right = label is None or label == predicted
        colour = "highlight" if label is None else "correct" if right else "wrong"
        neuron = diagram.neuron(last, predicted)
        ring = Circle(radius=neuron.width * 0.75, stroke_color=getattr(t, colour), stroke_width=4).move_to(
            neuron
        )
        confidence = f"{100 * probabilities[predicted]:.0f}%"
        percent = self.text(confidence, "small", colour).next_to(
            diagram.output_labels[predicted], RIGHT, buff=0.15
        )
        lines = [self.text(inputs.source_label(digit), "label")]  # readable at 480p
        if label is not None:
            lines.append(self.text(f"label {inputs.class_name(label)}", "label"))
        lines.append(self.text(f"predicted {inputs.class_name(predicted)}  ({confidence})", "label", colour))
        if not right:
            lines.append(self.text("wrong", "label", "wrong"))
        text = VGroup(*lines).arrange(DOWN, buff=0.15)
        room = diagram.get_left()[0] - 0.15 + 6.9  # between the frame's edge and the diagram
        text.scale_to_fit_width(min(text.width, room)).next_to(self.grid, DOWN, buff=0.3)
        text.shift(max(0.0, -6.9 - text.get_left()[0]) * RIGHT)  # inside the frame
        self.verdict = VGroup(ring, percent, text)
        return self.verdict
