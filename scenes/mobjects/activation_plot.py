"""A hidden activation plotted on axes, with points on its curve: `ActivationPlot`."""

from __future__ import annotations

import numpy as np
from manim import DOWN, LEFT, RIGHT, UP, Axes, DashedLine, Dot, MathTex, VGroup

from network.activations import ACTIVATIONS
from scenes.mobjects.math_tex import typeset
from scenes.mobjects.text import without_glyph_sources
from scenes.mobjects.theme import DARK, Theme

__all__ = ["ActivationPlot", "symmetric_range"]


class ActivationPlot(VGroup):
    """Axes with a hidden activation (`kind`: a name in network.activations.ACTIVATIONS) plotted on
    them, optionally shifted by a bias: f(x + shift). `point(x, y)` is the scene point of (x, y).

    >>> from manim import UP, Create, FadeIn, Scene, Transform, Write
    >>> from scenes import LIGHT, ActivationPlot, apply_theme
    >>> class ActivationPlotExample(Scene):
    ...     def construct(self):
    ...         apply_theme(self, LIGHT)
    ...         plot = ActivationPlot.covering("sigmoid", xs=[-4.2, 3.1], ys=[1], theme=LIGHT)
    ...         self.play(Create(plot), Write(plot.formula().next_to(plot, UP)))
    ...         self.play(FadeIn(plot.dot(3.1, 0.96)), Transform(plot.graph, plot.curve(shift=0.8)))
    """

    def __init__(
        self, kind: str, x_range, y_range, *, width: float = 7.0, height: float = 3.5, theme: Theme = DARK
    ):
        super().__init__()
        self.theme = active = theme
        self.kind, self.activation = kind, ACTIVATIONS[kind]
        self.function = self.activation.function
        numbers = {
            "font_size": active.label_size,
            "decimal_number_config": {"num_decimal_places": 0, "color": active.muted},
        }
        self.axes = without_glyph_sources(
            Axes(
                x_range=x_range,
                y_range=y_range,
                x_length=width,
                y_length=height,
                tips=False,
                axis_config={"color": active.muted, "include_numbers": True, **numbers},
                y_axis_config={
                    "decimal_number_config": {
                        "num_decimal_places": 1 if y_range[1] <= 1 else 0,
                        "color": active.muted,
                    }
                },
            )
        )  # the tick numbers are glyphs
        self.graph = self.curve()
        self.add(self.axes, self.graph)

    @classmethod
    def covering(cls, kind: str, xs, ys, width: float = 7.0, height: float = 3.5, theme: Theme = DARK):
        """A plot whose axes are wide enough for the x values `xs` and tall enough for the y values
        `ys` (a bounded activation such as the sigmoid keeps its own range)."""
        bounded = ACTIVATIONS[kind].output_range
        y_range = [*bounded, 0.5] if bounded else [0, *symmetric_range(*ys, minimum=2)[1:]]
        return cls(kind, symmetric_range(*xs), y_range, width=width, height=height, theme=theme)

    def curve(self, shift: float = 0.0, color: str | None = None):
        """f(x + shift), drawn only where it stays below the top of the axes."""
        low, high = self.axes.x_range[:2]
        xs = np.linspace(low, high, 801)
        high = float(xs[self.function(xs + shift) <= self.axes.y_range[1]].max())
        return self.axes.plot(
            lambda x: float(self.function(x + shift)),
            x_range=[low, high],
            color=color or self.theme.highlight,
            stroke_width=4,
            use_smoothing=self.activation.smooth,
        )  # keep ReLU's kink sharp

    def point(self, x: float, y: float) -> np.ndarray:
        return self.axes.c2p(x, y)

    def dot(self, x: float, y: float) -> VGroup:
        """A dot at (x, y) and a dashed line down to the x axis."""
        dot = Dot(self.point(x, y), radius=0.09, color=self.theme.text)
        return VGroup(DashedLine(self.point(x, 0), dot.get_center(), color=self.theme.muted), dot)

    def label_point(self, label, x: float, y: float, buff: float = 0.15):
        """Move `label` beside the point (x, y) where it touches neither the curve nor the axes and
        their numbers: the first clear side of up-left, down-right, up-right, down-left, left, right,
        at `buff`, then further out."""
        lines = [self.graph, self.axes.x_axis, self.axes.y_axis]
        sampled = [[line.point_from_proportion(t) for t in np.linspace(0, 1, 120)] for line in lines]
        obstacles = np.concatenate([*sampled, self.axes.get_all_points()])  # and the ticks' numbers
        sides = (UP + LEFT, DOWN + RIGHT, UP + RIGHT, DOWN + LEFT, LEFT, RIGHT)
        for direction, distance in (
            (side, distance) for distance in (buff, 3 * buff, 6 * buff) for side in sides
        ):
            label.next_to(self.point(x, y), direction, buff=distance)
            low, high = label.get_corner(DOWN + LEFT) - 0.15, label.get_corner(UP + RIGHT) + 0.15
            inside = np.all((obstacles[:, :2] >= low[:2]) & (obstacles[:, :2] <= high[:2]), axis=1)
            if not inside.any():
                return label
        return label.next_to(self.point(x, y), UP + LEFT, buff=buff)

    def formula(self, shift_tex: str = "") -> MathTex:
        """f(x) written out, e.g. sigma(x + b) = 1 / (1 + e^-(x + b)) for a shift such as "+ 0.80"."""
        written = self.activation.formula_tex(f"x {shift_tex}" if shift_tex else "x")
        return typeset(written, font_size=self.theme.math_size, color=self.theme.text)


def symmetric_range(*values: float, minimum: float = 6.0, ticks: int = 3) -> list[float]:
    """[-R, R, step] covering every value with room, at least `minimum`; the step is 1, 2 or 5 times
    a power of ten, so that each half of the axis has at most `ticks` numbered ticks."""
    reach = max([minimum] + [abs(v) * 1.1 + 0.5 for v in values])
    step = min(m * 10.0**e for e in range(-1, 6) for m in (1, 2, 5) if reach / (m * 10.0**e) <= ticks)
    return [-step * np.ceil(reach / step), step * np.ceil(reach / step), step]
