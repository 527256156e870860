from __future__ import annotations

from manim import DOWN, UP, FadeIn, FadeOut, VGroup, Write

from scenes.network_diagram import NetworkDiagram
from scenes.story.base import StoryScene, weight_legend

__all__ = ["LayerDiagram"]


class LayerDiagram(StoryScene):
    """The layers appear in turn; edges coloured by the sign and sized by the size of the real weights.

    Input, output, then hidden layers fade in with a note on each; the edges of the shown neurons
    follow, thicker for larger |w|.
    """

    def construct(self):
        t, inputs = self.theme, self.story
        self.diagram = diagram = NetworkDiagram(inputs.weights, theme=t, width=9.0, height=5.1).shift(
            0.2 * UP
        )
        last, hidden = len(diagram.sizes) - 1, diagram.sizes[1:-1]
        title = self.text("The network's layers", "title").to_edge(UP)
        hidden_words = " and ".join(str(n) for n in hidden)
        steps = [
            (
                [0],
                f"{diagram.sizes[0]} input neurons, one per pixel"
                f" (showing {len(diagram.shown[0])}: the pixels with the largest weights)",
            ),
            ([last], f"{diagram.sizes[last]} output neurons, one per digit 0-9"),
            (
                list(range(1, last)),
                f"{len(hidden)} hidden layer{'s' if len(hidden) > 1 else ''} of {hidden_words} neurons",
            ),
        ]
        self.play(Write(title))
        note = None
        for layers, words in steps:
            new_note = self.text(words, "small", "muted").to_edge(DOWN, buff=0.25)
            self.play(
                *(FadeIn(diagram.layer_parts(layer)) for layer in layers),
                FadeIn(new_note),
                *([FadeOut(note)] if note else []),
                run_time=1.2,
            )
            note = new_note
            self.wait(0.6)
        weights = sum(W.size for W in inputs.weights)
        edge_note = VGroup(
            self.text(
                f"{weights:,} weights; drawn: the shown neurons' edges, thicker = larger |w|",
                "small",
                "muted",
            ),
            weight_legend(t),
        ).arrange(DOWN, buff=0.12)
        edge_note.to_edge(DOWN, buff=0.15)
        self.bring_to_back(diagram.edges)
        self.play(FadeIn(diagram.edges, lag_ratio=0.002), FadeOut(note), FadeIn(edge_note), run_time=2.5)
        self.wait(1.5)
