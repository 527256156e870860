"""A 2-D array drawn crisp: a digit in grayscale, or a neuron's weights on a diverging colour map."""

from __future__ import annotations

import numpy as np
from manim import DOWN, LEFT, RESAMPLING_ALGORITHMS, RIGHT, UP, Group, ImageMobject, Rectangle, Text, VGroup

from scenes.theme import Theme, theme as active_theme


class PixelGrid(Group):
    """An image of `values` (rows x cols) with nearest-neighbour pixels and a thin outline.

    kind="digit": values in [0, 1], black (0) to white (1) in the dark theme, ink on paper in light.
    kind="weights": diverging map, positive and negative in the theme's colours, 0 neutral; `scale`
    is the |value| that saturates (default the largest |value|, so that grids can share one scale).
    """

    def __init__(self, values: np.ndarray, kind: str = "digit", height: float = 4.0,
                 scale: float | None = None, theme: Theme | None = None, outline: bool = True):
        super().__init__()
        self.theme = theme or active_theme()
        self.values = np.asarray(values, dtype=np.float64)
        if self.values.ndim != 2:
            raise ValueError(f"PixelGrid needs a 2-D array, got shape {self.values.shape}")
        self.kind = kind
        rgba = self.theme.digit_rgba(self.values) if kind == "digit" else self.theme.weight_rgba(self.values, scale)
        self.image = ImageMobject(rgba)
        self.image.set_resampling_algorithm(RESAMPLING_ALGORITHMS["nearest"])  # crisp square pixels
        self.image.height = height
        self.add(self.image)
        if outline:
            self.frame = Rectangle(width=self.image.width, height=self.image.height,
                                   stroke_color=self.theme.grid_line, stroke_width=2).move_to(self.image)
            self.add(self.frame)

    def set_opacity(self, opacity: float) -> "PixelGrid":
        """Fade the pixels and the outline together (a Group has no opacity of its own)."""
        self.image.set_opacity(opacity)
        if hasattr(self, "frame"):
            self.frame.set_stroke(opacity=opacity)
        return self

    @property
    def rows(self) -> int:
        return self.values.shape[0]

    @property
    def cols(self) -> int:
        return self.values.shape[1]

    @property
    def pixel_size(self) -> float:
        return self.image.width / self.cols

    def pixel_center(self, row: int, col: int) -> np.ndarray:
        corner = self.image.get_corner(UP + LEFT)
        return corner + (col + 0.5) * self.pixel_size * RIGHT + (row + 0.5) * self.pixel_size * DOWN

    def pixel_outline(self, row: int, col: int, color: str | None = None) -> Rectangle:
        side = self.pixel_size
        return Rectangle(width=side, height=side, stroke_color=color or self.theme.highlight,
                         stroke_width=3).move_to(self.pixel_center(row, col))

    def value_labels(self, rows, cols, decimals: int = 1) -> VGroup:
        """The values of the pixels in `rows` x `cols`, written into them (for zoomed-in views).
        Text is dark on bright pixels and bright on dark ones so that it stays readable."""
        labels = VGroup()
        font_size = 90 * self.pixel_size
        widest = 0.86 * self.pixel_size
        for row in rows:
            for col in cols:
                value = self.values[row, col]
                if self.kind == "digit":  # pixels near 1 are drawn in neuron_on: write on them in neuron_off
                    ink = self.theme.neuron_off if value > 0.5 else self.theme.neuron_on
                else:
                    ink = self.theme.text
                label = Text(f"{value:.{decimals}f}", font_size=font_size, color=ink, font=self.theme.font)
                if label.width > widest:  # long numbers shrink to stay inside their pixel
                    label.scale_to_fit_width(widest)
                labels.add(label.move_to(self.pixel_center(row, col)))
        return labels


def caption(text: str, theme: Theme | None = None, size: str = "label", color: str = "text") -> Text:
    """Text in the theme's font; `size` is a Theme size name without "_size" (title, label, small),
    `color` a Theme colour field."""
    active = theme or active_theme()
    return Text(text, font_size=getattr(active, f"{size}_size"), color=getattr(active, color), font=active.font)


class ColourBar(Group):
    """The colour map of a PixelGrid as a horizontal bar with its end values written underneath:
    kind="digit" runs from 0 to 1, kind="weights" from -scale to +scale."""

    def __init__(self, kind: str = "digit", low: str = "0", high: str = "1", width: float = 3.0,
                 theme: Theme | None = None, middle: str | None = None):
        super().__init__()
        self.theme = theme or active_theme()
        ramp = np.linspace(0, 1, 64) if kind == "digit" else np.linspace(-1, 1, 65)
        self.bar = PixelGrid(ramp[None, :], kind=kind, height=1.0, scale=1.0, theme=self.theme)
        self.bar.stretch_to_fit_width(width).stretch_to_fit_height(0.22)
        self.labels = VGroup(caption(low, self.theme, "small").next_to(self.bar, DOWN, buff=0.1).align_to(self.bar, LEFT),
                             caption(high, self.theme, "small").next_to(self.bar, DOWN, buff=0.1).align_to(self.bar, RIGHT))
        if middle is not None:
            self.labels.add(caption(middle, self.theme, "small").next_to(self.bar, DOWN, buff=0.1))
        self.add(self.bar, self.labels)
