from __future__ import annotations

import numpy as np
from manim import (
    DOWN,
    LEFT,
    RIGHT,
    UP,
    Axes,
    Create,
    FadeIn,
    Group,
    Line,
    Rectangle,
    Transform,
    VGroup,
    VMobject,
    Write,
)

from network.model import architecture, parameter_count
from scenes.choices.selection import closest_snapshot, curve_until, grid_layout, shared_weight_scale
from scenes.mobjects.pixel_grid import PixelGrid, WeightHeatmap
from scenes.story.base import StoryScene
from scenes.story.inputs import load_story_history

__all__ = ["LearningOverEpochs"]


def percent(value: float) -> str:
    return f"{100 * value:.1f}%"


class LearningOverEpochs(StoryScene):
    """Learning is finding the numbers: the first-layer weights morph from their random start, the
    accuracy climbs, and one digit's outputs settle on the right answer, epoch by epoch.

    From the snapshots of the weights' real training run (`nnexplain train --snapshots`; the shipped
    network's run is network/weights/default-history): each snapshot's heatmaps on that epoch's
    own colour scale, the validation and test accuracy of every epoch, and the followed digit's
    outputs computed by each snapshot.
    """

    chapter = "How learning relates"  # its chapter in the explainer

    def construct(self):
        t, inputs = self.theme, self.story
        self.history = history = load_story_history(self.story_config, inputs)
        snapshots, last = history.snapshots, history.epochs[-1]
        self.outputs = history.outputs(inputs.layer(0))
        count = parameter_count(inputs.sizes)
        title = self.text(f"Learning: finding {count:,} numbers", "title").to_edge(UP, buff=0.3)

        cols, side = grid_layout(inputs.sizes[1], width=6.3, height=5.4)
        self.heatmaps = [self.layer_heatmaps(s.model.weights[0], cols, side) for s in snapshots]
        grid = self.heatmaps[0]
        grid.move_to([-3.65, -0.4, 0])
        for later in self.heatmaps[1:]:
            later.move_to(grid)
        self.epoch_labels = [self.epoch_label(s, grid) for s in snapshots]

        self.axes = Axes(
            x_range=[0, max(last, 1), max(1, last // 6)],
            y_range=[0, 1, 0.25],
            x_length=5.2,
            y_length=2.6,
            tips=False,
            axis_config={"color": t.muted, "include_numbers": False},
        ).move_to([3.75, 1.3, 0])
        axis_labels = self.axis_labels(last)
        self.curves = {
            name: (curve, colour)
            for name, curve, colour in (
                ("validation", history.validation_curve, t.highlight),
                ("test", history.test_curve, t.positive),
            )
            if curve
        }
        legend = VGroup(
            *(self.legend_entry(name, colour) for name, (_, colour) in self.curves.items())
        ).arrange(DOWN, aligned_edge=LEFT, buff=0.15)
        legend.move_to(self.axes.c2p(0.6 * max(last, 1), 0.3))  # under the curve, which rises at once

        digit = PixelGrid(inputs.pixels(), height=1.9, theme=t)
        digit.move_to([0.95, -2.45, 0])
        self.bars = [
            self.output_bars(a).next_to(digit, RIGHT, buff=0.45).align_to(digit, DOWN) for a in self.outputs
        ]
        self.readouts = [
            self.readout(i).next_to(digit, UP, buff=0.3).align_to(digit, LEFT) for i in range(len(snapshots))
        ]

        first = snapshots[0]
        start = "the random start" if first.epoch == 0 else f"epoch {first.epoch}, the first snapshot"
        self.step(
            f"Learning: finding {count:,} numbers",
            f"Learning means finding these {count:,} weights and biases of the "
            f"{architecture(inputs.sizes)} network. Here they are at {start}: the first-layer weights"
            + (
                f" are noise, and it reads {percent(first.test_accuracy)} of the test {inputs.item}s right."
                if first.test_accuracy is not None
                else " are noise."
            ),
        )
        self.play(Write(title), run_time=1.0)
        self.play(FadeIn(grid), FadeIn(self.epoch_labels[0]), run_time=1.2)
        self.play(Create(self.axes), FadeIn(axis_labels), FadeIn(legend), run_time=1.2)
        self.curve_marks = VGroup()
        self.add(self.curve_marks)
        self.play(FadeIn(digit), FadeIn(self.bars[0]), FadeIn(self.readouts[0]), run_time=1.0)

        self.step("Epoch by epoch", self.epoch_notes())
        for i in range(1, len(snapshots)):
            self.play(
                Transform(grid, self.heatmaps[i]),
                Transform(self.epoch_labels[0], self.epoch_labels[i]),
                Transform(self.bars[0], self.bars[i]),
                Transform(self.readouts[0], self.readouts[i]),
                *self.curve_growth(snapshots[i - 1].epoch, snapshots[i].epoch),
                run_time=1.8,
            )
            self.wait(0.8)

        self.step("Where learning ends", self.final_notes())
        settled = self.readout(len(snapshots) - 1, verdict=True).move_to(self.readouts[0], aligned_edge=LEFT)
        self.play(Transform(self.readouts[0], settled), run_time=0.8)
        self.wait(1.0)

    # -- pieces ------------------------------------------------------------------------------------
    def layer_heatmaps(self, W1: np.ndarray, cols: int, side: float) -> Group:
        """One heatmap per first-layer neuron, on that snapshot's own shared colour scale."""
        scale = shared_weight_scale(W1)
        maps = Group(*(WeightHeatmap(w, height=0.92 * side, saturation=scale, theme=self.theme) for w in W1))
        return maps.arrange_in_grid(cols=cols, buff=0.08 * side)

    def epoch_label(self, snapshot, grid: Group) -> VGroup:
        """ "epoch N" above the heatmaps, and the snapshot's colour scale below them."""
        scale = shared_weight_scale(snapshot.model.weights[0])
        return VGroup(
            self.text(f"epoch {snapshot.epoch}", "label", "highlight").next_to(grid, UP, buff=0.2),
            self.text(f"first-layer weights, colour scale ±{scale:.2f}", "small", "muted").next_to(
                grid, DOWN, buff=0.2
            ),
        )

    def axis_labels(self, last: int) -> VGroup:
        axes, small = self.axes, lambda words: self.text(words, "small", "muted")
        labels = VGroup(
            *(small(f"{p}%").next_to(axes.c2p(0, p / 100), LEFT, buff=0.12) for p in (0, 50, 100))
        )
        labels.add(small(str(last)).next_to(axes.c2p(max(last, 1), 0), DOWN, buff=0.12))
        labels.add(small("epochs").next_to(axes.c2p(max(last, 1) / 2, 0), DOWN, buff=0.12))
        return labels

    def legend_entry(self, name: str, colour) -> VGroup:
        swatch = Line(LEFT * 0.25, RIGHT * 0.25, color=colour, stroke_width=5)
        return VGroup(swatch, self.text(f"{name} {self.story.item}s read right", "small")).arrange(
            RIGHT, buff=0.15
        )

    def curve_growth(self, after: int, upto: int) -> list:
        """Create each accuracy curve's segment over the epochs (after, upto]."""
        animations = []
        for curve, colour in self.curves.values():
            points = curve_until(curve, after, upto)
            if len(points) < 2:
                continue
            segment = VMobject(stroke_color=colour, stroke_width=4)
            segment.set_points_as_corners([self.axes.c2p(epoch, accuracy) for epoch, accuracy in points])
            self.curve_marks.add(segment)
            animations.append(Create(segment))
        return animations or [FadeIn(VGroup())]

    def output_bars(self, outputs: np.ndarray) -> VGroup:
        """The ten (or n) outputs as bars on one baseline, the followed class in the highlight colour."""
        t, n = self.theme, len(outputs)
        width = min(0.42, 4.2 / n)
        top = max(1.0, float(outputs.max())) if self.story.activation == "relu" else 1.0
        bars = VGroup()
        for k, value in enumerate(outputs):
            colour = t.highlight if k == self.story.followed_class else t.neuron_on
            bar = Rectangle(
                width=0.75 * width,
                height=max(1.7 * value / top, 0.01),
                stroke_width=0,
                fill_color=colour,
                fill_opacity=1,
            )
            bar.move_to([k * width, 0, 0], aligned_edge=DOWN)
            label = self.text(self.output_names()[k], "small", "muted")
            label.scale_to_fit_width(min(label.width, 0.95 * width)).next_to(
                [k * width, 0, 0], DOWN, buff=0.1
            )
            bars.add(VGroup(bar, label))
        baseline = Line([-0.5 * width, 0, 0], [(n - 0.5) * width, 0, 0], color=t.muted, stroke_width=2)
        return VGroup(baseline, bars)

    def readout(self, i: int, verdict: bool = False) -> VGroup:
        """ "test digit #32 reads 6 (29.1%)" for snapshot i; with `verdict`, coloured right or wrong."""
        outputs, inputs = self.outputs[i], self.story
        guess = int(np.argmax(outputs))
        colour = ("correct" if guess == inputs.followed_class else "wrong") if verdict else "text"
        return VGroup(
            self.text(inputs.source_label(), "label", "muted"),
            self.text(
                f"reads {inputs.class_name(guess)} ({percent(outputs[guess] / outputs.sum())})",
                "label",
                colour,
            ),
        ).arrange(RIGHT, buff=0.25, aligned_edge=DOWN)

    # -- narration ---------------------------------------------------------------------------------
    def epoch_notes(self) -> str:
        history = self.history
        milestones = [
            f"after {s.epoch} epoch{'s' if s.epoch != 1 else ''} {percent(s.test_accuracy)}"
            for s in history.snapshots[1:-1]
            if s.test_accuracy is not None
        ][:3]
        item = self.story.item
        said = f" It reads {', '.join(milestones)} of the test {item}s right." if milestones else ""
        return (
            f"Each epoch is one pass over the training {item}s, nudging every number a little."
            + said
            + " The noise turns into smooth blotches of positive and negative weight."
        )

    def final_notes(self) -> str:
        final, inputs = self.history.snapshots[-1], self.story
        outputs = self.outputs[-1]
        guess = int(np.argmax(outputs))
        accuracy = (
            f" it reads {percent(final.test_accuracy)} of the test {inputs.item}s right, and"
            if (final.test_accuracy is not None)
            else ""
        )
        story = np.concatenate(
            [np.concatenate([W.ravel(), b]) for W, b in zip(inputs.weights, inputs.biases)]
        )
        same = closest_snapshot([s.model.parameters for s in self.history.snapshots], story)
        shown = (
            f" The network of epoch {self.history.snapshots[same].epoch} is the one the whole story shows."
            if same is not None
            else ""
        )
        return (
            f"After {final.epoch} epochs{accuracy} this {inputs.item}'s outputs have settled on"
            f" {inputs.class_name(guess)},"
            f" at {percent(outputs[guess] / outputs.sum())}.{shown}"
        )
