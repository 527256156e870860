"""Beats 1-2: a digit is 28x28 grayscale pixels, and those 784 numbers are the input layer."""

from __future__ import annotations

import numpy as np
from manim import (DOWN, LEFT, PI, RIGHT, UP, Brace, Circle, Create, FadeIn, FadeOut, GrowFromCenter, Group,
                   LaggedStart, Line, MoveToTarget, Rectangle, Scene, VGroup, Write)

from network.data import IMAGE_SIDE
from scenes.diagram import DenseColumn
from scenes.inputs import story_inputs
from scenes.pixels import ColourBar, PixelGrid, caption
from scenes.theme import apply_theme


def busiest_window(pixels: np.ndarray, rows: int, cols: int) -> tuple[int, int]:
    """Top-left (row, col) of the rows x cols window that runs from background to ink with the most
    shades of gray in between (its range plus its fraction of gray pixels is largest)."""
    gray = (pixels > 0.05) & (pixels < 0.95)
    spans = [(np.ptp(pixels[r:r + rows, c:c + cols]) + gray[r:r + rows, c:c + cols].mean(), -r, -c)
             for r in range(pixels.shape[0] - rows + 1) for c in range(pixels.shape[1] - cols + 1)]
    *_, r, c = max(spans)
    return -r, -c


class ThisIsAThree(Scene):
    """Real MNIST digits of the followed class; the followed one grows and shows its pixel values."""

    zoom_side = 6  # the zoomed window is zoom_side x zoom_side pixels

    def construct(self):
        t, inputs = apply_theme(self), story_inputs()
        digit_class = inputs.followed_class
        title = caption(f"Your digit: the network reads a {digit_class}" if inputs.follows_own_image
                        else f"This is a {digit_class}", t, "title").to_edge(UP)
        followed_index = int(inputs.digit.indices[0])
        others = [i for i in inputs.sample_of_class(digit_class, 5) if i != followed_index][:4]
        self.digit_grid = PixelGrid(inputs.pixels(), height=2.3)
        row = Group(*(PixelGrid(inputs.pixels(i), height=2.3) for i in others[:2]), self.digit_grid,
                    *(PixelGrid(inputs.pixels(i), height=2.3) for i in others[2:]))
        row.arrange(RIGHT, buff=0.35).move_to(0.2 * DOWN)
        what = (f"your digit and {len(others)} handwritten {digit_class}s from the MNIST test set"
                if inputs.follows_own_image else f"{len(row)} handwritten {digit_class}s from the MNIST test set")
        sources = caption(f"{what}, 28 x 28 pixels each", t, "small", "muted").next_to(row, DOWN, buff=0.4)
        self.play(Write(title), LaggedStart(*(FadeIn(grid) for grid in row), lag_ratio=0.2), run_time=1.5)
        self.play(FadeIn(sources))
        self.wait(0.8)

        others_group = Group(*(grid for grid in row if grid is not self.digit_grid))
        self.play(FadeOut(others_group), FadeOut(sources),
                  self.digit_grid.animate.scale(6.2 / 2.3).move_to(3.4 * LEFT + 0.45 * DOWN), run_time=1.5)
        self.zoom_in(inputs.pixels())
        self.wait(1.5)

    def zoom_in(self, pixels: np.ndarray) -> None:
        """Mark the busiest window of the grown digit and show it magnified with its values."""
        t, side = self.digit_grid.theme, self.zoom_side
        r0, c0 = self.window = busiest_window(pixels, side, side)
        grid = self.digit_grid
        top_left = grid.pixel_center(r0, c0) + 0.5 * grid.pixel_size * (UP + LEFT)
        box = Rectangle(width=side * grid.pixel_size, height=side * grid.pixel_size,
                        stroke_color=t.highlight, stroke_width=4)
        box.move_to(top_left + 0.5 * side * grid.pixel_size * (RIGHT + DOWN))
        self.zoom_grid = PixelGrid(pixels[r0:r0 + side, c0:c0 + side], height=4.6).move_to(3.5 * RIGHT + 0.2 * DOWN)
        self.zoom_grid.frame.set_stroke(color=t.highlight, width=4)
        connectors = VGroup(Line(box.get_corner(UP + RIGHT), self.zoom_grid.get_corner(UP + LEFT)),
                            Line(box.get_corner(DOWN + RIGHT), self.zoom_grid.get_corner(DOWN + LEFT)))
        connectors.set_stroke(color=t.muted, width=2)
        self.zoom_labels = self.zoom_grid.value_labels(range(side), range(side), decimals=2)
        bar = ColourBar("digit", "0", "1", width=3.0).next_to(self.zoom_grid, DOWN, buff=0.3)
        self.play(Create(box))
        self.play(Create(connectors), FadeIn(self.zoom_grid), run_time=1.2)
        self.play(LaggedStart(*(FadeIn(label) for label in self.zoom_labels), lag_ratio=0.02), FadeIn(bar),
                  run_time=2.0)


class PixelsToInputLayer(Scene):
    """The followed digit's rows slide out into one column: pixel (r, c) becomes input neuron 28r + c."""

    run_length = 8  # neurons shown magnified beside the column

    def construct(self):
        t, inputs = apply_theme(self), story_inputs()
        pixels = inputs.pixels()
        title = caption("784 pixels become 784 input neurons", t, "title").to_edge(UP)
        grid = PixelGrid(pixels, height=4.2).move_to(4.6 * LEFT + 0.4 * DOWN)
        self.play(Write(title), FadeIn(grid), run_time=1.2)

        column_top, column_height = 2.6, 6.2
        strips = self.unrolled_rows(grid, column_top, column_height)
        self.play(LaggedStart(*(MoveToTarget(strip) for strip in strips), lag_ratio=0.06), run_time=3.0)

        positions = np.stack([np.full(pixels.size, -0.9), np.linspace(column_top, column_top - column_height,
                                                                       pixels.size), np.zeros(pixels.size)], axis=1)
        self.column = DenseColumn(positions, t)
        self.column.set_values(pixels.reshape(-1))
        brace = Brace(self.column, LEFT, color=t.muted)
        size = caption(f"{pixels.size}", t).next_to(brace, LEFT, buff=0.1)
        self.add(self.column)
        self.remove(*strips)
        self.play(GrowFromCenter(brace), FadeIn(size))
        self.show_run(grid, pixels)
        self.wait(1.5)

    def unrolled_rows(self, grid: PixelGrid, top: float, height: float) -> list[PixelGrid]:
        """One strip per pixel row, targeted to its place in the column: row r, turned upright so
        that column 0 is on top, fills cells 28r ... 28r + 27."""
        segment = height / grid.rows
        strips = []
        for r in range(grid.rows):
            strip = PixelGrid(grid.values[r:r + 1], height=grid.pixel_size, outline=False)
            strip.move_to(grid.pixel_center(r, (grid.cols - 1) / 2))
            strip.generate_target()
            strip.target.rotate(-PI / 2).stretch_to_fit_height(segment).stretch_to_fit_width(0.18)
            strip.target.move_to([-0.9, top - (r + 0.5) * segment, 0])
            strips.append(strip)
        self.add(*strips)
        return strips

    def show_run(self, grid: PixelGrid, pixels: np.ndarray) -> None:
        """Magnify `run_length` consecutive neurons across the digit's stroke: circles lit by their pixels."""
        t, n = grid.theme, self.run_length
        r, c0 = busiest_window(pixels, 1, n)
        self.run_neurons = np.arange(n) + IMAGE_SIDE * r + c0
        self.run_values = pixels.reshape(-1)[self.run_neurons]
        outline = Rectangle(width=n * grid.pixel_size, height=grid.pixel_size, stroke_color=t.highlight,
                            stroke_width=3).move_to((grid.pixel_center(r, c0) + grid.pixel_center(r, c0 + n - 1)) / 2)
        cells = self.column.image
        cell = cells.height / self.column.count
        span = Rectangle(width=0.3, height=max(n * cell, 0.04), stroke_color=t.highlight, stroke_width=3)
        span.move_to(cells.get_top() + (self.run_neurons.mean() + 0.5) * cell * DOWN)
        self.run_circles = VGroup(*(Circle(radius=0.24, stroke_color=t.neuron_stroke, stroke_width=2,
                                           fill_color=t.activation_color(v), fill_opacity=1) for v in self.run_values))
        self.run_circles.arrange(DOWN, buff=0.14).move_to(1.0 * RIGHT + 0.3 * DOWN)
        connectors = VGroup(Line(span.get_corner(UP + RIGHT), self.run_circles.get_corner(UP + LEFT)),
                            Line(span.get_corner(DOWN + RIGHT), self.run_circles.get_corner(DOWN + LEFT)))
        connectors.set_stroke(color=t.muted, width=2)
        self.run_labels = VGroup(*(caption(f"pixel ({r}, {c0 + k})  →  neuron {neuron}:  {value:.2f}", t, "small")
                                   .next_to(circle, RIGHT, buff=0.25)
                                   for k, (circle, neuron, value) in
                                   enumerate(zip(self.run_circles, self.run_neurons, self.run_values))))
        rule = caption(f"pixel (r, c)  →  neuron {IMAGE_SIDE}r + c", t, "label", "highlight")
        rule.next_to(self.run_circles, UP, buff=0.3).align_to(self.run_circles, LEFT)
        self.play(Create(outline), Create(span))
        self.play(Create(connectors), LaggedStart(*(FadeIn(circle) for circle in self.run_circles), lag_ratio=0.1),
                  run_time=1.2)
        self.play(FadeIn(self.run_labels), Write(rule), run_time=1.2)
