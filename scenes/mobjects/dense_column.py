"""A large layer (the 784 inputs with every edge, say) drawn as one tall column of cells."""

from __future__ import annotations

import numpy as np
from manim import Transform

from scenes.mobjects.raster_image import CreatableGroup, RasterImage
from scenes.mobjects.theme import DARK, Theme

__all__ = ["DenseColumn"]


class DenseColumn(CreatableGroup):
    """All neurons of a large layer as one tall image of cells, lit by their activations.

    >>> import numpy as np
    >>> from network import load_sample
    >>> from scenes import LIGHT
    >>> positions = np.stack([np.zeros(784), np.linspace(3, -3, 784), np.zeros(784)], axis=1)  # top down
    >>> column = DenseColumn(positions, LIGHT).set_values(load_sample()[0][0])  # cell k: value k, in [0, 1]
    >>> column.image.pixel_array.shape  # one row of pixels per cell
    (784, 4, 4)
    """

    def __init__(self, positions: np.ndarray, theme: Theme = DARK):
        super().__init__()
        self.theme, self.count = theme, len(positions)
        self.cell_height = abs(positions[0, 1] - positions[-1, 1]) / max(self.count - 1, 1)
        self.image = self._image(np.zeros(self.count))
        self.image.move_to(positions.mean(axis=0))
        self.add(self.image)

    def _image(self, values: np.ndarray) -> RasterImage:
        image = RasterImage(self.theme.digit_rgba(np.asarray(values)[:, None].repeat(4, axis=1)))
        image.stretch_to_fit_height(self.cell_height * self.count)
        image.stretch_to_fit_width(0.18)
        return image

    def set_values(self, values: np.ndarray) -> DenseColumn:
        self.image.pixel_array = self._image(values).pixel_array
        return self

    def animate_values(self, values: np.ndarray) -> Transform:
        """The cells change to `values` (Manim blends the two images' pixels)."""
        return Transform(self.image, self._image(values).replace(self.image, stretch=True))
