from __future__ import annotations

from manim import DOWN, UP, FadeIn, FadeOut, VGroup, Write

from scenes.mobjects.network_diagram import NetworkDiagram
from scenes.story.base import StoryScene, weight_legend

__all__ = ["LayerDiagram"]


class LayerDiagram(StoryScene):
    """The layers appear in turn; edges coloured by the sign and sized by the size of the real weights.

    Input, output, then hidden layers fade in with a note on each; the edges of the shown neurons
    follow, thicker for larger |w|.
    """

    chapter = "Layers"  # its chapter in the explainer

    def construct(self):
        t, inputs = self.theme, self.story
        self.diagram = diagram = NetworkDiagram(
            inputs.weights,
            theme=t,
            typical=inputs.sample,  # the input pixels shown: those that tell its digits apart
            range_legends=False,  # nothing lights up here
            width=9.0,
            height=5.1,
            output_labels=self.output_names(),
        ).shift(0.2 * UP)
        last, hidden = len(diagram.sizes) - 1, diagram.sizes[1:-1]
        title = self.text("The network's layers", "title").to_edge(UP)
        hidden_words = " and ".join(str(n) for n in hidden)
        parts = [
            (
                "The input layer",
                [0],
                f"{diagram.sizes[0]} input neurons, one per pixel"
                f" (showing {len(diagram.shown[0])}: pixels that tell {self.story.item}s apart)",
            ),
            ("The output layer", [last], f"{diagram.sizes[last]} output neurons, {self.one_per_class()}"),
            (
                "The hidden layers",
                list(range(1, last)),
                f"{len(hidden)} hidden layer{'s' if len(hidden) > 1 else ''} of {hidden_words} neurons",
            ),
        ]
        notes = {
            0: "The first layer holds one neuron per pixel: the input. Only pixels that differ most"
            f" from {self.story.item} to {self.story.item}, where the weights are strong, are drawn.",
            last: f"The last layer has {diagram.sizes[last]} neurons, one per {self.class_word()}. How"
            " brightly each one lights up is how strongly the network thinks the image is that"
            f" {self.class_word()}.",
        }
        hidden_note = (
            f"In between are {len(hidden)} hidden layer{'s' if len(hidden) > 1 else ''} of"
            f" {hidden_words} neurons. What they do is the question of the whole story."
        )
        self.step(parts[0][0], notes[0])
        self.play(Write(title))
        note = None
        for name, layers, words in parts:
            if name != parts[0][0]:
                self.step(name, notes.get(layers[0], hidden_note))
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
        self.step(
            "A weight on every edge",
            f"Every neuron is connected to every neuron of the layer before: {weights:,} weights in all."
            " Blue edges are positive weights, red ones negative; thicker means larger.",
        )
        self.bring_to_back(diagram.edges)
        self.play(FadeIn(diagram.edges, lag_ratio=0.002), FadeOut(note), FadeIn(edge_note), run_time=2.5)
        self.wait(1.5)

    def class_word(self) -> str:
        return "digit" if self.story.item == "digit" else "class"

    def one_per_class(self) -> str:
        """'one per digit 0-9', or 'one per class (T-shirt/top, ..., Ankle boot)'."""
        classes = self.story.classes
        if self.story.item == "digit":
            return f"one per digit {classes[0]}-{classes[-1]}"
        return f"one per class ({classes[0]}, ..., {classes[-1]})"
