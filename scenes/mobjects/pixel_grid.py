"""2-D arrays drawn crisp: a digit in grayscale (`PixelGrid`), a neuron's weights on a diverging
colour map (`WeightHeatmap`), and the colour bar that explains either (`ColourBar`)."""

from __future__ import annotations

import numpy as np
from manim import DOWN, LEFT, RIGHT, UP, Rectangle, Text, VGroup

from network.dataset_info import square_side
from scenes.mobjects.raster_image import CreatableGroup, RasterImage
from scenes.mobjects.text import caption, without_glyph_sources
from scenes.mobjects.theme import DARK, Theme

__all__ = ["ColourBar", "PixelGrid", "WeightHeatmap", "as_square"]


def as_square(values: np.ndarray, owner: str) -> np.ndarray:
    """A 2-D array as it is; a flat array of a square number of values (784) as its square (28 x 28)."""
    values = np.asarray(values, dtype=np.float64)
    if values.ndim == 1:
        side = square_side(values.size)
        if side * side != values.size:
            raise ValueError(f"{owner} needs a 2-D array or a square number of values, got {values.size}")
        return values.reshape(side, side)
    if values.ndim != 2:
        raise ValueError(f"{owner} needs a 2-D array or a square number of values, got shape {values.shape}")
    return values


class PixelGrid(CreatableGroup):
    """An image of `values` (rows x cols, or a flat square number of values such as a digit's 784)
    with square, nearest-neighbour pixels and a thin outline; `height` is its size in scene units.

    kind="digit": values in [0, 1], black (0) to white (1) in the dark theme, ink on paper in light.
    kind="weights": diverging map, positive and negative in the theme's colours, 0 neutral;
    `saturation` is the |value| from which colours are full (default the largest |value|; give
    several grids one saturation to compare them).

    >>> from manim import Create, FadeIn, Scene
    >>> from network import load_sample
    >>> from scenes import LIGHT, PixelGrid
    >>> class PixelGridExample(Scene):
    ...     def construct(self):
    ...         images, labels = load_sample()
    ...         digit = PixelGrid(images[0], height=3, theme=LIGHT)  # 784 values: a 28 x 28 grid
    ...         self.play(FadeIn(digit), Create(digit.pixel_outline(14, 14)))
    """

    def __init__(
        self,
        values: np.ndarray,
        kind: str = "digit",
        height: float = 4.0,
        saturation: float | None = None,
        theme: Theme = DARK,
        outline: bool = True,
    ):
        super().__init__()
        self.theme = theme
        self.values = as_square(values, type(self).__name__)
        if kind not in ("digit", "weights"):
            raise ValueError(f"kind must be 'digit' or 'weights', got {kind!r}")
        self.kind = kind
        rgba = (
            self.theme.digit_rgba(self.values)
            if kind == "digit"
            else self.theme.weight_rgba(self.values, saturation)
        )
        self.image = RasterImage(rgba)
        self.image.height = height
        self.add(self.image)
        if outline:
            self.frame = Rectangle(
                width=self.image.width,
                height=self.image.height,
                stroke_color=self.theme.grid_line,
                stroke_width=2,
            ).move_to(self.image)
            self.add(self.frame)

    def set_opacity(self, opacity: float) -> PixelGrid:
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
        return Rectangle(
            width=side, height=side, stroke_color=color or self.theme.highlight, stroke_width=3
        ).move_to(self.pixel_center(row, col))

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
                without_glyph_sources(label)
                if label.width > widest:  # long numbers shrink to stay inside their pixel
                    label.scale_to_fit_width(widest)
                labels.add(label.move_to(self.pixel_center(row, col)))
        return labels


class WeightHeatmap(PixelGrid):
    """A neuron's weights as a heatmap: a PixelGrid of kind "weights". A 1-D row of a square number
    of weights (784 = 28 x 28) is reshaped to its square; `height` is the size, `saturation` the
    |weight| from which colours are full (default the largest |weight|).

    >>> from manim import UR, FadeIn, Scene
    >>> from network import DEFAULT_WEIGHTS, load_weights
    >>> from scenes import WeightHeatmap
    >>> class WeightHeatmapExample(Scene):
    ...     def construct(self):
    ...         model, manifest = load_weights(DEFAULT_WEIGHTS)
    ...         self.play(FadeIn(WeightHeatmap(model.weights[0][3], height=2.5).to_corner(UR)))
    """

    def __init__(
        self,
        weights: np.ndarray,
        height: float = 4.0,
        saturation: float | None = None,
        theme: Theme = DARK,
        outline: bool = True,
    ):
        super().__init__(
            as_square(weights, "WeightHeatmap"),
            kind="weights",
            height=height,
            saturation=saturation,
            theme=theme,
            outline=outline,
        )


class ColourBar(CreatableGroup):
    """The colour map of a PixelGrid as a horizontal bar with its end values written underneath:
    kind="digit" runs from 0 to 1, kind="weights" from -saturation to +saturation.

    >>> from scenes import LIGHT, ColourBar
    >>> bar = ColourBar("weights", "−0.5", "+0.5", middle="0", theme=LIGHT)
    >>> [label.original_text for label in bar.labels]
    ['−0.5', '+0.5', '0']
    """

    def __init__(
        self,
        kind: str = "digit",
        low: str = "0",
        high: str = "1",
        width: float = 3.0,
        theme: Theme = DARK,
        middle: str | None = None,
    ):
        super().__init__()
        self.theme = theme
        ramp = np.linspace(0, 1, 64) if kind == "digit" else np.linspace(-1, 1, 65)
        self.bar = PixelGrid(ramp[None, :], kind=kind, height=1.0, saturation=1.0, theme=self.theme)
        self.bar.stretch_to_fit_width(width).stretch_to_fit_height(0.22)
        self.labels = VGroup(
            caption(low, self.theme, "small").next_to(self.bar, DOWN, buff=0.1).align_to(self.bar, LEFT),
            caption(high, self.theme, "small").next_to(self.bar, DOWN, buff=0.1).align_to(self.bar, RIGHT),
        )
        if middle is not None:
            self.labels.add(caption(middle, self.theme, "small").next_to(self.bar, DOWN, buff=0.1))
        self.add(self.bar, self.labels)
