from __future__ import annotations

from manim import (
    DOWN,
    LEFT,
    RIGHT,
    UP,
    Create,
    FadeIn,
    FadeOut,
    Group,
    LaggedStart,
    Line,
    Rectangle,
    VGroup,
    Write,
)

from scenes.choices.class_names import article, in_sentence, plural, this_is
from scenes.choices.selection import busiest_window
from scenes.mobjects.pixel_grid import ColourBar, PixelGrid
from scenes.story.base import StoryScene

__all__ = ["ThisIsAThree"]


class ThisIsAThree(StoryScene):
    """Real MNIST 3s at 28x28; one zooms in to its pixels' values from 0 to 1.

    For another data set, its own images of the followed class at their own size, with a title
    that reads with the class's name ("This is an ankle boot").

    The followed digit stands among others of its class from the sample, grows, and its busiest
    window (the most shades of gray) is magnified with every pixel's value written in it.
    """

    chapter = "Introduction: this is a 3"  # its chapter in the explainer

    zoom_side = 6  # the zoomed window is zoom_side x zoom_side pixels

    def construct(self):
        t, inputs = self.theme, self.story
        digit_class = inputs.followed_class
        name = inputs.class_name(digit_class)
        words = (
            f"Your {inputs.item}: the network reads {article(name)} {in_sentence(name)}"
            if inputs.follows_own_image
            else this_is(name)
        )
        title = self.text(words, "title").to_edge(UP)
        followed_index = int(inputs.digit.indices[0])
        others = [i for i in inputs.sample_of_class(digit_class, 5) if i != followed_index][:4]
        self.digit_grid = PixelGrid(inputs.pixels(), height=2.5, theme=t)
        row = Group(
            *(PixelGrid(inputs.pixels(i), height=2.5, theme=t) for i in others[:2]),
            self.digit_grid,
            *(PixelGrid(inputs.pixels(i), height=2.5, theme=t) for i in others[2:]),
        )
        row.arrange(RIGHT, buff=0.25).move_to(0.2 * DOWN)
        digits, side = inputs.dataset.names_are_labels, inputs.side
        many, verb = (f"handwritten {plural(name)}", "written") if digits else (plural(name), "drawn")
        what = (
            f"your {inputs.item} and {len(others)} {many} from the {inputs.dataset.name} test set"
            if inputs.follows_own_image
            else f"{len(row)} {many} from the {inputs.dataset.name} test set"
        )
        sources = self.text(f"{what}, {side} x {side} pixels each", "label", "muted").next_to(
            row, DOWN, buff=0.4
        )
        sources.scale_to_fit_width(min(sources.width, 13.5))
        self.step(
            words,
            f"Here are {len(row)} {many}, each only {side} by {side} pixels. Every one is {verb}"
            f" differently, and yet you read each of them as {article(name)} {in_sentence(name)}"
            " without effort.",
        )
        self.play(Write(title), LaggedStart(*(FadeIn(grid) for grid in row), lag_ratio=0.2), run_time=1.5)
        self.play(FadeIn(sources))
        self.wait(0.8)

        self.step(
            "Every pixel is a number",
            f"Zoom in on one of them. Each pixel holds one number, from 0 for black to 1 for white:"
            f" this {self.zoom_side} by {self.zoom_side} window is where the {inputs.item} has the most"
            f" shades of gray. To the network, the {inputs.item} is nothing but these {side * side} numbers.",
        )
        others_group = Group(*(grid for grid in row if grid is not self.digit_grid))
        self.play(
            FadeOut(others_group),
            FadeOut(sources),
            self.digit_grid.animate.scale(6.2 / 2.3).move_to(3.4 * LEFT + 0.45 * DOWN),
            run_time=1.5,
        )
        self.zoom_in(inputs.pixels())
        self.wait(1.5)

    def zoom_in(self, pixels) -> None:
        """Mark the busiest window of the grown digit and show it magnified with its values."""
        t, side = self.theme, self.zoom_side
        r0, c0 = self.window = busiest_window(pixels, side, side)
        grid = self.digit_grid
        top_left = grid.pixel_center(r0, c0) + 0.5 * grid.pixel_size * (UP + LEFT)
        box = Rectangle(
            width=side * grid.pixel_size,
            height=side * grid.pixel_size,
            stroke_color=t.highlight,
            stroke_width=4,
        )
        box.move_to(top_left + 0.5 * side * grid.pixel_size * (RIGHT + DOWN))
        self.zoom_grid = PixelGrid(pixels[r0 : r0 + side, c0 : c0 + side], height=4.6, theme=t)
        self.zoom_grid.move_to(3.5 * RIGHT + 0.2 * DOWN)
        self.zoom_grid.frame.set_stroke(color=t.highlight, width=4)
        connectors = VGroup(
            Line(box.get_corner(UP + RIGHT), self.zoom_grid.get_corner(UP + LEFT)),
            Line(box.get_corner(DOWN + RIGHT), self.zoom_grid.get_corner(DOWN + LEFT)),
        )
        connectors.set_stroke(color=t.muted, width=2)
        self.zoom_labels = self.zoom_grid.value_labels(range(side), range(side), decimals=2)
        bar = ColourBar("digit", "0", "1", width=3.0, theme=t).next_to(self.zoom_grid, DOWN, buff=0.3)
        self.play(Create(box))
        self.play(Create(connectors), FadeIn(self.zoom_grid), run_time=1.2)
        self.play(
            LaggedStart(*(FadeIn(label) for label in self.zoom_labels), lag_ratio=0.02),
            FadeIn(bar),
            run_time=2.0,
        )
