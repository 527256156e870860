"""Beats 3-4: the layers of the real network, and real digits flowing through it.

ForwardPass draws every input and all edges (rasterised) when NNEXPLAIN_FULL_EDGES=1.
"""

from __future__ import annotations

import numpy as np
from manim import DOWN, RIGHT, UP, Circle, Create, FadeIn, FadeOut, Scene, VGroup, Write

from network.data import IMAGE_SIDE
from scenes.diagram import NetworkDiagram, full_edge_options, strongest_pixels
from scenes.inputs import StoryInputs, story_inputs
from scenes.pixels import PixelGrid, caption
from scenes.theme import Theme, apply_theme


def ink_and_background_pixels(inputs: StoryInputs, count: int = 16, ink_share: float = 0.625) -> np.ndarray:
    """Input pixels to draw: where the followed digit has ink (> 0.5) and where it has none (0),
    in each group the pixels whose first-layer weights are largest in total |w|."""
    pixels, W1 = inputs.layer(0), inputs.weights[0]
    inked, blank = np.flatnonzero(pixels > 0.5), np.flatnonzero(pixels == 0)
    n_ink = min(len(inked), int(round(count * ink_share)))
    return np.sort(np.concatenate([strongest_pixels(W1, n_ink, inked), strongest_pixels(W1, count - n_ink, blank)]))


def weight_legend(t: Theme) -> VGroup:
    """'positive weight' / 'negative weight' written in their edge colours."""
    return VGroup(caption("— positive weight", t, "small", "positive"),
                  caption("— negative weight", t, "small", "negative")).arrange(RIGHT, buff=0.5)


class LayerDiagram(Scene):
    """The layers appear in turn (input, output, hidden), then the edges of the real weights."""

    def construct(self):
        t, inputs = apply_theme(self), story_inputs()
        self.diagram = diagram = NetworkDiagram(inputs.weights, width=9.0, height=5.1).shift(0.2 * UP)
        last, hidden = len(diagram.sizes) - 1, diagram.sizes[1:-1]
        title = caption("The network's layers", t, "title").to_edge(UP)
        hidden_words = " and ".join(str(n) for n in hidden)
        steps = [
            ([0], f"{diagram.sizes[0]} input neurons, one per pixel"
                  f" (showing {len(diagram.shown[0])}: the pixels with the largest weights)"),
            ([last], f"{diagram.sizes[last]} output neurons, one per digit 0-9"),
            (list(range(1, last)), f"{len(hidden)} hidden layer{'s' if len(hidden) > 1 else ''}"
                                   f" of {hidden_words} neurons"),
        ]
        self.play(Write(title))
        note = None
        for layers, words in steps:
            new_note = caption(words, t, "small", "muted").to_edge(DOWN, buff=0.25)
            self.play(*(FadeIn(diagram.layer_parts(layer)) for layer in layers), FadeIn(new_note),
                      *([FadeOut(note)] if note else []), run_time=1.2)
            note = new_note
            self.wait(0.6)
        weights = sum(W.size for W in inputs.weights)
        edge_note = VGroup(caption(f"{weights:,} weights; drawn: the shown neurons' edges, thicker = larger |w|",
                                   t, "small", "muted"), weight_legend(t)).arrange(DOWN, buff=0.12)
        edge_note.to_edge(DOWN, buff=0.15)
        self.bring_to_back(diagram.edges)
        self.play(FadeIn(diagram.edges, lag_ratio=0.002), FadeOut(note), FadeIn(edge_note), run_time=2.5)
        self.wait(1.5)


class ForwardPass(Scene):
    """Real test digits light up the network layer by layer: the followed digit, another digit it
    reads correctly, and one it gets wrong."""

    def construct(self):
        t, inputs = apply_theme(self), story_inputs()
        edge_mode = full_edge_options()
        shown_pixels = None if edge_mode["full_edges"] else ink_and_background_pixels(inputs)
        self.diagram = NetworkDiagram(inputs.weights, input_pixels=shown_pixels, **edge_mode,
                                      width=7.0, height=5.8).shift(1.3 * RIGHT + 0.3 * DOWN)
        title = caption("Real digits through the real network", t, "title").to_edge(UP)
        self.play(Write(title), FadeIn(self.diagram), run_time=1.0)
        self.grid = self.marks = self.verdict = None
        self.fed = self.digits(inputs)
        for digit in self.fed:
            self.feed(inputs, digit, shown_pixels)
            self.wait(0.7)

    @staticmethod
    def digits(inputs: StoryInputs) -> list[int | None]:
        """None for the followed digit, then sample indices: the first correctly read digit of
        another class, and the first digit the network gets wrong."""
        sample = inputs.sample
        other = np.flatnonzero((sample.labels != inputs.followed_class)
                               & (sample.predictions == sample.labels))
        wrong = inputs.misclassified()
        return [None, *(int(i) for i in other[:1]), *(int(i) for i in wrong[:1])]

    def activations(self, inputs: StoryInputs, digit: int | None) -> list[np.ndarray]:
        if digit is None:
            return [inputs.layer(layer) for layer in range(len(inputs.sizes))]
        return [a[digit] for a in inputs.sample.activations]

    def feed(self, inputs: StoryInputs, digit: int | None, shown_pixels) -> None:
        diagram = self.diagram
        values = self.activations(inputs, digit)
        grid = PixelGrid(inputs.pixels(digit), height=2.4).move_to([-5.3, 1.0, 0])
        marks = (VGroup(*(grid.pixel_outline(*divmod(int(p), IMAGE_SIDE)) for p in shown_pixels))
                 if shown_pixels is not None else VGroup())
        if self.grid is None:
            self.play(FadeIn(grid), Create(marks), run_time=0.6)
        else:
            self.play(FadeOut(self.grid), FadeIn(grid), FadeOut(self.marks), FadeIn(marks),
                      *(FadeOut(m) for m in self.verdict), run_time=0.6)
        self.grid, self.marks = grid, marks
        for layer, a in enumerate(values):
            self.play(diagram.light_up(layer, a), *([diagram.signal(layer)] if layer else []), run_time=0.5)
        self.play(*(FadeIn(m) for m in self.show_verdict(inputs, digit, values[-1])), run_time=0.6)

    def show_verdict(self, inputs: StoryInputs, digit: int | None, probabilities: np.ndarray):
        """Ring the brightest output and write the prediction, its confidence and the true label."""
        t, diagram = self.diagram.theme, self.diagram
        last, predicted = len(diagram.sizes) - 1, int(np.argmax(probabilities))
        label = inputs.label if digit is None else int(inputs.sample.labels[digit])
        right = label is None or label == predicted
        colour = "highlight" if label is None else "correct" if right else "wrong"
        neuron = diagram.neuron(last, predicted)
        ring = Circle(radius=neuron.width * 0.75, stroke_color=getattr(t, colour), stroke_width=4).move_to(neuron)
        confidence = f"{100 * probabilities[predicted]:.0f}%"
        percent = caption(confidence, t, "small", colour).next_to(diagram.output_labels[predicted], RIGHT, buff=0.15)
        lines = [caption(inputs.source_label(digit), t, "small", "muted")]
        if label is not None:
            lines.append(caption(f"label {label}", t, "small"))
        lines.append(caption(f"predicted {predicted}  ({confidence})", t, "small", colour))
        if not right:
            lines.append(caption("wrong", t, "small", "wrong"))
        text = VGroup(*lines).arrange(DOWN, buff=0.15).next_to(self.grid, DOWN, buff=0.3)
        self.verdict = VGroup(ring, percent, text)
        return self.verdict
