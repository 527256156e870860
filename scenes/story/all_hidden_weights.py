from __future__ import annotations

from manim import DOWN, LEFT, UP, FadeIn, Group, LaggedStart, VGroup, Write

from scenes.choices.selection import grid_layout, shared_weight_scale
from scenes.mobjects.pixel_grid import WeightHeatmap
from scenes.story.base import StoryScene
from scenes.story.edge_detector import weight_bar

__all__ = ["AllHiddenWeights"]


class AllHiddenWeights(StoryScene):
    """All first-layer weight heatmaps on one colour scale: blotches, not clean edges.

    The scale is the 99th percentile of |w| over the layer, so that a few outliers do not wash out
    the rest.
    """

    chapter = "All first-layer weights"  # its chapter in the explainer

    def construct(self):
        t, inputs = self.theme, self.story
        W = inputs.weights[0]
        scale = shared_weight_scale(W)
        words = f"All {len(W)} first-layer neurons' weights"
        title = self.text(words, "title").to_edge(UP, buff=0.3)
        cols, side = grid_layout(len(W), width=7.6, height=6.6)
        self.heatmaps = Group(*(WeightHeatmap(w, height=0.92 * side, saturation=scale, theme=t) for w in W))
        self.heatmaps.arrange_in_grid(cols=cols, buff=0.08 * side)
        self.heatmaps.move_to([-6.75 + self.heatmaps.width / 2, -0.4, 0])  # the left of the frame
        bar = weight_bar(scale, 3.6, t).move_to([(self.heatmaps.get_right()[0] + 6.8) / 2, 1.5, 0])
        shared = self.text("one colour scale", "small", "muted").next_to(bar, UP, buff=0.15)
        notes = VGroup(
            *(
                self.text(line)
                for line in (
                    "Blotchy patterns,",
                    "not the clean edges",
                    "and loops we hoped for:",
                    "the network found",
                    "its own features.",
                )
            )
        ).arrange(DOWN, aligned_edge=LEFT, buff=0.18)
        notes.next_to(bar, DOWN, buff=0.9)
        self.step(
            words,
            f"Here are the weights of all {len(W)} first-layer neurons, on one colour scale. If the"
            " network worked the way we hoped, we would see little edges and loops.",
        )
        self.play(Write(title))
        self.play(
            LaggedStart(*(FadeIn(h) for h in self.heatmaps), lag_ratio=0.1),
            FadeIn(bar),
            FadeIn(shared),
            run_time=3.0,
        )
        self.step(
            "Not the edges we hoped for",
            "Instead they look like blotches. Training found weights that work, not weights that are"
            " easy for us to read.",
        )
        self.play(FadeIn(notes), run_time=1.2)
        self.wait(2.0)
