from __future__ import annotations

import numpy as np
from manim import (
    DOWN,
    RIGHT,
    UP,
    Circle,
    Create,
    FadeIn,
    FadeOut,
    Group,
    Line,
    Rectangle,
    Transform,
    TransformFromCopy,
    VGroup,
    Write,
)

from network.errors import NNExplainError
from scenes.choices.digit_parts import (
    EIGHT,
    NINE,
    bounding_square,
    digit_parts,
    example_with_parts,
    loop_arcs,
    missing_digit_examples,
)
from scenes.choices.selection import loop_neuron, neurons_to_show
from scenes.mobjects.pixel_grid import PixelGrid
from scenes.story.base import StoryScene

__all__ = ["WhyLayers"]

ARC_NAMES = ("upper right", "lower right", "lower left", "upper left")  # loop_arcs' order


class WhyLayers(StoryScene):
    """The hope behind the hidden layers: a 9 is a loop on top and a line on the right, an 8 two
    loops, a loop small edges; then what the trained network really does with those parts.

    The parts are cut from real sample digits' pixels (scenes.choices.digit_parts: the ink around each
    enclosed hole is a loop, the rest lines); the hoped-for neurons are drawn as such. The last step
    feeds the parts alone to the real network and shows its deep layer's real activations.
    """

    chapter = "Why layers?"  # its chapter in the explainer

    def construct(self):
        _t, inputs = self.theme, self.story
        images, labels = inputs.sample.pixels, inputs.sample.labels
        missing = missing_digit_examples(images, labels, inputs.classes)
        if missing:  # the shipped sample has dozens of each; another data set may not
            raise NNExplainError(f"WhyLayers: {missing}")
        self.examples = {}
        for label, names in (NINE, EIGHT):
            index = example_with_parts(images, labels, label, names)
            pixels = images[index].reshape(inputs.side, inputs.side)
            self.examples[label] = (index, pixels, digit_parts(pixels))
        layer = inputs.deep_layer
        title = self.text("Why layers? The hope", "title").to_edge(UP, buff=0.3)
        hoped_names = ["loop on top", "loop below", "line on the right"]
        self.hoped = self.neuron_column(len(hoped_names), x=1.7, spacing=1.55, radius=0.38)
        hoped_labels = VGroup(
            *(self.text(name).next_to(n, RIGHT, buff=0.25) for name, n in zip(hoped_names, self.hoped))
        )
        self.outputs = self.neuron_column(10, x=6.3, spacing=0.62, radius=0.21)
        output_labels = VGroup(
            *(self.text(str(k), "small").next_to(n, RIGHT, buff=0.15) for k, n in enumerate(self.outputs))
        )
        headings = VGroup(
            self.text(f"hoped-for neurons of layer {layer}", "small", "muted").next_to(
                self.hoped, UP, buff=0.35
            ),
            self.text("output", "small", "muted").next_to(self.outputs, UP, buff=0.2),
        )
        uses = {9: ("loop on top", "line on the right"), 8: ("loop on top", "loop below")}
        self.wires = {  # from the end of each neuron's name, so that no wire crosses a name
            digit: VGroup(
                *(self.wire(hoped_labels[hoped_names.index(name)], self.outputs[digit]) for name in names)
            )
            for digit, names in uses.items()
        }
        self.step(
            "The hope behind the layers",
            "Why layers at all? The hope: a 9 is a loop on top and a line on the right. If one neuron of"
            f" layer {layer} lit up for a loop on top and another for a line on the right, the output"
            " layer would only have to notice those two together.",
        )
        self.play(Write(title), FadeIn(self.hoped), FadeIn(hoped_labels), FadeIn(headings), run_time=1.2)
        self.play(
            FadeIn(self.outputs),
            FadeIn(output_labels),
            Create(self.wires[9]),
            Create(self.wires[8]),
            run_time=1.2,
        )
        shown = self.tell_digit(9, [hoped_names.index(p.name) for p in self.examples[9][2]])

        self.step(
            "An 8 is two loops",
            "An 8 is a loop on top and a loop below: the same loop neuron, with another beside it. This"
            " sample 8 is cut the same way, from its own pixels.",
        )
        self.play(FadeOut(shown), *self.reset(), run_time=0.8)
        shown = self.tell_digit(8, [hoped_names.index(p.name) for p in self.examples[8][2]])

        self.step(
            "A loop is made of small edges",
            "And a loop is itself made of small edges. The hope is that the first hidden layer finds"
            " the edges, the next one puts them together into loops and lines, and the output layer"
            " puts those together into digits.",
        )
        self.play(*(FadeOut(m) for m in self.mobjects if m is not title), run_time=0.8)
        self.tell_edges()

        self.step("What the trained network does", self.honest_notes())
        honest = self.text("What the trained network does", "title").move_to(title)
        self.play(
            *(FadeOut(m) for m in self.mobjects if m is not title), Transform(title, honest), run_time=0.8
        )
        self.show_real_activations()

    # -- the hope --------------------------------------------------------------------------------
    def neuron_column(self, count: int, x: float, spacing: float, radius: float) -> VGroup:
        t = self.theme
        column = VGroup(
            *(
                Circle(
                    radius=radius,
                    stroke_color=t.neuron_stroke,
                    stroke_width=t.neuron_stroke_width,
                    fill_color=t.neuron_off,
                    fill_opacity=1,
                )
                for _ in range(count)
            )
        )
        return column.arrange(DOWN, buff=spacing - 2 * radius).move_to([x, -0.25, 0])

    def wire(self, start, end) -> Line:
        return Line(
            start.get_right(), end.get_left(), color=self.theme.muted, stroke_width=2, stroke_opacity=0.6
        )

    def light(self, neurons, color: str = "highlight") -> list:
        return [n.animate.set_fill(getattr(self.theme, color)) for n in neurons]

    def reset(self) -> list:
        return [n.animate.set_fill(self.theme.neuron_off) for n in [*self.hoped, *self.outputs]]

    def tell_digit(self, label: int, hoped: list[int]) -> Group:
        """The sample digit, its parts cut from it, each lighting its hoped-for neuron, then the output."""
        t = self.theme
        index, pixels, parts = self.examples[label]
        digit = PixelGrid(pixels, height=3.3, theme=t).move_to([-5.05, -0.3, 0])
        name = self.text(self.story.source_label(index), "small", "muted").next_to(digit, UP, buff=0.2)
        grids = Group(*(PixelGrid(part.pixels(pixels), height=1.75, theme=t) for part in parts))
        grids.arrange(DOWN, buff=0.6).move_to([-1.75, -0.3, 0])
        frames = VGroup(*(self.part_frame(grid, part.kind) for grid, part in zip(grids, parts)))
        arrows = VGroup(
            *(
                self.wire(frame, self.hoped[j]).set_stroke(getattr(t, self.part_colour(part.kind)), 3, 1)
                for frame, part, j in zip(frames, parts, hoped)
            )
        )
        self.play(FadeIn(digit), FadeIn(name), run_time=0.8)
        self.play(*(TransformFromCopy(digit, grid) for grid in grids), run_time=1.4)
        self.play(Create(frames), Create(arrows), *self.light(self.hoped[j] for j in hoped), run_time=1.2)
        self.play(
            self.wires[label].animate.set_stroke(t.highlight, 3, 1),
            *self.light([self.outputs[label]]),
            run_time=1.0,
        )
        self.wait(0.5)
        return Group(digit, name, grids, frames, arrows)

    def part_colour(self, kind: str) -> str:
        return "highlight" if kind == "loop" else "positive"

    def part_frame(self, grid: PixelGrid, kind: str) -> VGroup:
        colour = getattr(self.theme, self.part_colour(kind))
        frame = Rectangle(
            width=grid.width + 0.1, height=grid.height + 0.1, stroke_color=colour, stroke_width=4
        )
        return VGroup(
            frame.move_to(grid),
            self.text(kind, "small", self.part_colour(kind)).next_to(frame, UP, buff=0.08),
        )

    def tell_edges(self) -> None:
        """The 9's loop, enlarged, cut into four arcs, each feeding a hoped-for edge neuron of layer
        1, all wired to a hoped-for loop neuron of the next layer."""
        t = self.theme
        _, pixels, parts = self.examples[9]
        loop = parts[0]
        crop = bounding_square(loop.mask)
        big = PixelGrid(loop.pixels(pixels)[crop], height=3.3, theme=t).move_to([-5.05, -0.3, 0])
        name = self.text("the 9's loop, enlarged", "small", "muted").next_to(big, UP, buff=0.2)
        edges = self.neuron_column(4, x=0.9, spacing=1.3, radius=0.3)
        arcs = Group(
            *(
                PixelGrid(np.where(arc, pixels, 0.0)[crop], height=1.1, theme=t).move_to([-1.7, n.get_y(), 0])
                for arc, n in zip(loop_arcs(loop), edges)
            )
        )
        edge_labels = VGroup(
            *(
                self.text(f"{arc} edge", "small").next_to(n, RIGHT, buff=0.2)
                for arc, n in zip(ARC_NAMES, edges)
            )
        )
        loop_neuron = self.neuron_column(1, x=6.1, spacing=1, radius=0.45)
        headings = VGroup(
            self.text("hoped-for layer 1: edges", "small", "muted").next_to(edges, UP, buff=0.35).set_x(1.2),
            self.text("layer 2: a loop", "small", "muted").next_to(loop_neuron, UP, buff=0.35).set_x(5.7),
        )
        wires = VGroup(
            *(self.wire(label, loop_neuron).set_stroke(t.highlight, 3, 1) for label in edge_labels)
        )
        feeds = VGroup(*(self.wire(a, n).set_stroke(t.positive, 2, 0.8) for a, n in zip(arcs, edges)))
        self.play(FadeIn(big), FadeIn(name), run_time=0.8)
        self.play(*(TransformFromCopy(big, arc) for arc in arcs), run_time=1.4)
        self.play(FadeIn(edges), FadeIn(edge_labels), FadeIn(headings[0]), Create(feeds), run_time=1.0)
        self.play(*self.light(edges, "positive"), run_time=0.8)
        self.play(FadeIn(loop_neuron), FadeIn(headings[1]), run_time=0.6)
        self.play(Create(wires), *self.light(loop_neuron), run_time=1.0)

    # -- what the real network does -----------------------------------------------------------------
    def part_inputs(self) -> tuple[list[str], np.ndarray]:
        """Names and pixels (flat) of what the last step feeds the real network."""
        _, nine, nine_parts = self.examples[9]
        _, eight, eight_parts = self.examples[8]
        rows = [
            ("the whole 9", nine),
            ("its loop alone", nine_parts[0].pixels(nine)),
            ("its line alone", nine_parts[1].pixels(nine)),
            ("the 8's top loop", eight_parts[0].pixels(eight)),
            ("the 8's lower loop", eight_parts[1].pixels(eight)),
        ]
        return [name for name, _ in rows], np.stack([image.reshape(-1) for _, image in rows])

    def real_activations(self) -> tuple[np.ndarray, np.ndarray]:
        """(pixels, deep-layer activations scaled to [0, 1]) of the rows of `part_inputs`."""
        _, images = self.part_inputs()
        a = self.story.run(images)[self.story.deep_layer]
        top = max(float(a.max()), 1.0) if self.story.activation == "relu" else 1.0
        return images, a / top

    def honest_notes(self) -> str:
        _, a = self.real_activations()
        j, acts = loop_neuron(a[1], a[2], a[3:])
        layer = self.story.deep_layer
        numbers = (
            f"Feed the parts alone to the real network. Of the {a.shape[1]} neurons of layer {layer},"
            f" neuron {j}"
            f" prefers the 9's loop to its line most: {a[1, j]:.2f} for the loop, {a[2, j]:.2f} for the"
            f" line, {a[3, j]:.2f} and {a[4, j]:.2f} for the 8's loops."
        )
        verdict = (
            " On these digits it acts a little like a loop detector, but the trained network was never told"
            " to, and most neurons do not."
            if acts
            else " It is not the loop detector we hoped for: the trained network does not do exactly this."
        )
        return numbers + verdict + " So what do its neurons respond to? Let us look."

    def show_real_activations(self) -> None:
        t, inputs = self.theme, self.story
        names, _ = self.part_inputs()
        images, a = self.real_activations()
        j, _ = loop_neuron(a[1], a[2], a[3:])
        shown = neurons_to_show(a, j)
        self.neuron_row = shown
        words = (
            f"real activations of layer {inputs.deep_layer}; the box: neuron {j}, which prefers the loop most"
        )
        heading = self.text(words, "small", "muted").move_to([0, 2.75, 0])
        rows = Group()
        for k, (name, image) in enumerate(zip(names, images)):
            y = 1.75 - 1.22 * k
            grid = PixelGrid(image.reshape(self.story.side, self.story.side), height=1.0, theme=t).move_to(
                [-6.35, y, 0]
            )
            label = self.text(name, "small").next_to(grid, RIGHT, buff=0.2)
            circles = VGroup(
                *(
                    Circle(
                        radius=0.22,
                        stroke_color=t.neuron_stroke,
                        stroke_width=t.neuron_stroke_width,
                        fill_color=t.activation_color(a[k, n]),
                        fill_opacity=1,
                    )
                    for n in shown
                )
            )
            circles.arrange(RIGHT, buff=0.14).move_to([2.2, y, 0])
            rows.add(Group(grid, label, circles))
        numbers = VGroup(
            *(
                self.text(str(n), "small", "muted").next_to(c, UP, buff=0.12)
                for n, c in zip(shown, rows[0][2])
            )
        )
        column = int(np.flatnonzero(shown == j)[0])
        box = Rectangle(
            width=0.6,
            height=rows[0][2][column].get_top()[1] - rows[-1][2][column].get_bottom()[1] + 0.25,
            stroke_color=t.highlight,
            stroke_width=3,
        )
        box.move_to(
            [rows[0][2][column].get_x(), (rows[0][2][column].get_y() + rows[-1][2][column].get_y()) / 2, 0]
        )
        self.play(FadeIn(heading), FadeIn(numbers), run_time=0.6)
        for row in rows:
            self.play(FadeIn(row), run_time=0.6)
        self.play(Create(box), run_time=0.8)
        self.rows = rows
