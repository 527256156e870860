from __future__ import annotations

import numpy as np
from manim import (
    DOWN,
    LEFT,
    PI,
    RIGHT,
    UP,
    Brace,
    Circle,
    Create,
    FadeIn,
    GrowFromCenter,
    LaggedStart,
    Line,
    MoveToTarget,
    Rectangle,
    VGroup,
    Write,
)

from scenes.choices.selection import busiest_window
from scenes.mobjects.dense_column import DenseColumn
from scenes.mobjects.pixel_grid import PixelGrid
from scenes.mobjects.text import without_glyph_sources
from scenes.story.base import StoryScene

__all__ = ["PixelsToInputLayer"]


class PixelsToInputLayer(StoryScene):
    """A real digit's 28x28 grid unrolls into the 784 input neurons (pixel (r, c) is neuron 28r + c).

    The sizes are the data set's own (64 neurons and 8r + c for 8x8 images); normalised inputs show
    their real values.

    Each pixel row slides out into one column of cells; then a run of neurons across the digit's
    stroke is magnified, each circle lit by its pixel's value.
    """

    chapter = "Pixels become neurons"  # its chapter in the explainer

    run_length = 8  # neurons shown magnified beside the column

    def construct(self):
        t, inputs = self.theme, self.story
        pixels = inputs.pixels()
        heading = f"{pixels.size} pixels become {pixels.size} input neurons"
        title = self.text(heading, "title").to_edge(UP)
        grid = PixelGrid(pixels, height=4.2, theme=t).move_to(4.6 * LEFT + 0.4 * DOWN)
        self.step(
            heading,
            f"The network does not see a picture. Its {pixels.shape[0]} rows of pixels are laid end to end"
            f" into one column of {pixels.size} input neurons: pixel (r, c) becomes neuron"
            f" {inputs.side}r + c.",
        )
        self.play(Write(title), FadeIn(grid), run_time=1.2)

        column_top, column_height = 2.6, 6.2
        strips = self.unrolled_rows(grid, column_top, column_height)
        self.play(LaggedStart(*(MoveToTarget(strip) for strip in strips), lag_ratio=0.06), run_time=3.0)

        positions = np.stack(
            [
                np.full(pixels.size, -0.9),
                np.linspace(column_top, column_top - column_height, pixels.size),
                np.zeros(pixels.size),
            ],
            axis=1,
        )
        self.column = DenseColumn(positions, t)
        self.column.set_values(pixels.reshape(-1))
        brace = without_glyph_sources(Brace(self.column, LEFT, color=t.muted))
        size = self.text(f"{pixels.size}").next_to(brace, LEFT, buff=0.1)
        self.add(self.column)
        self.remove(*strips)
        self.play(GrowFromCenter(brace), FadeIn(size))
        preprocessing = inputs.preprocessing
        self.step(
            "Each neuron holds its pixel's value",
            f"Look closely at a run of {self.run_length} neurons across the stroke. Each one holds the"
            " brightness of its pixel, a number between 0 and 1: that number is the neuron's activation."
            if preprocessing.is_identity
            else f"Look closely at a run of {self.run_length} neurons across the stroke. Each one holds the"
            " brightness of its pixel, normalised the way the network was trained,"
            f" {preprocessing.describe()}: from {float(preprocessing(0.0)):.2f} for black to"
            f" {float(preprocessing(1.0)):.2f} for white. That number is the neuron's activation.",
        )
        self.show_run(grid, pixels)
        self.wait(1.5)

    def unrolled_rows(self, grid: PixelGrid, top: float, height: float) -> list[PixelGrid]:
        """One strip per pixel row, targeted to its place in the column: row r, turned upright so
        that column 0 is on top, fills cells 28r ... 28r + 27."""
        segment = height / grid.rows
        strips = []
        for r in range(grid.rows):
            strip = PixelGrid(grid.values[r : r + 1], height=grid.pixel_size, outline=False, theme=self.theme)
            strip.move_to(grid.pixel_center(r, (grid.cols - 1) / 2))
            strip.generate_target()
            strip.target.rotate(-PI / 2).stretch_to_fit_height(segment).stretch_to_fit_width(0.18)
            strip.target.move_to([-0.9, top - (r + 0.5) * segment, 0])
            strips.append(strip)
        self.add(*strips)
        return strips

    def show_run(self, grid: PixelGrid, pixels: np.ndarray) -> None:
        """Magnify `run_length` consecutive neurons across the digit's stroke: circles lit by their pixels."""
        t, n = self.theme, self.run_length
        r, c0 = busiest_window(pixels, 1, n)
        self.run_neurons = np.arange(n) + self.story.side * r + c0
        self.run_values = self.story.layer(0)[self.run_neurons]  # a(0): what the network takes
        brightness = pixels.reshape(-1)[self.run_neurons]
        outline = Rectangle(
            width=n * grid.pixel_size, height=grid.pixel_size, stroke_color=t.highlight, stroke_width=3
        ).move_to((grid.pixel_center(r, c0) + grid.pixel_center(r, c0 + n - 1)) / 2)
        cells = self.column.image
        cell = cells.height / self.column.count
        span = Rectangle(width=0.3, height=max(n * cell, 0.04), stroke_color=t.highlight, stroke_width=3)
        span.move_to(cells.get_top() + (self.run_neurons.mean() + 0.5) * cell * DOWN)
        self.run_circles = VGroup(
            *(
                Circle(
                    radius=0.24,
                    stroke_color=t.neuron_stroke,
                    stroke_width=2,
                    fill_color=t.activation_color(v),
                    fill_opacity=1,
                )
                for v in brightness
            )
        )
        self.run_circles.arrange(DOWN, buff=0.14).move_to(1.0 * RIGHT + 0.3 * DOWN)
        connectors = VGroup(
            Line(span.get_corner(UP + RIGHT), self.run_circles.get_corner(UP + LEFT)),
            Line(span.get_corner(DOWN + RIGHT), self.run_circles.get_corner(DOWN + LEFT)),
        )
        connectors.set_stroke(color=t.muted, width=2)
        self.run_labels = VGroup(
            *(
                self.text(f"pixel ({r}, {c0 + k})  →  neuron {neuron}:  {value:.2f}", "small").next_to(
                    circle, RIGHT, buff=0.25
                )
                for k, (circle, neuron, value) in enumerate(
                    zip(self.run_circles, self.run_neurons, self.run_values)
                )
            )
        )
        rule = self.text(f"pixel (r, c)  →  neuron {self.story.side}r + c", "label", "highlight")
        rule.next_to(self.run_circles, UP, buff=0.3).align_to(self.run_circles, LEFT)
        self.play(Create(outline), Create(span))
        self.play(
            Create(connectors),
            LaggedStart(*(FadeIn(circle) for circle in self.run_circles), lag_ratio=0.1),
            run_time=1.2,
        )
        self.play(FadeIn(self.run_labels), Write(rule), run_time=1.2)
