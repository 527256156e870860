"""Images and groups that behave like Manim's vector mobjects under `Create`.

Manim's `Create` draws a VMobject stroke by stroke; it refuses any mobject (or part) without
`pointwise_become_partial`, which a `Group` and an `ImageMobject` lack. Here a `RasterImage` fades
in as it is created (its alpha follows the share drawn) and a `CreatableGroup` has nothing of its
own to draw, so a mobject mixing images and vectors, such as a NetworkDiagram, works with
`Create`, `Uncreate`, `FadeIn`, `.animate` and the rest.

    >>> grid = RasterImage(rgba_array, crisp=True)
    >>> self.play(Create(CreatableGroup(grid, Square())))   # a Group or an ImageMobject: TypeError
"""

from __future__ import annotations

import numpy as np
from manim import RESAMPLING_ALGORITHMS, Group, ImageMobject

__all__ = ["CreatableGroup", "RasterImage"]


class RasterImage(ImageMobject):
    """An ImageMobject of an RGBA uint8 array; `crisp=True` keeps square pixels (nearest neighbour)
    however large it is drawn. Under `Create` it fades in.

    >>> self.play(Create(RasterImage(LIGHT.digit_rgba(images[0].reshape(28, 28))).scale(8)))
    """

    def __init__(self, rgba: np.ndarray, *, crisp: bool = True, **kwargs):
        super().__init__(np.asarray(rgba), **kwargs)
        if crisp:
            self.set_resampling_algorithm(RESAMPLING_ALGORITHMS["nearest"])

    def pointwise_become_partial(self, mobject: ImageMobject, a: float, b: float) -> RasterImage:
        """The image `mobject` with its alpha scaled by the share b - a that is drawn."""
        pixels = np.array(mobject.pixel_array, copy=True)
        pixels[..., 3] = (pixels[..., 3].astype(np.float64) * float(np.clip(b - a, 0, 1))).round()
        self.pixel_array = pixels.astype(np.uint8)
        return self


class CreatableGroup(Group):
    """A Group that `Create` accepts: it has no points of its own, its parts draw themselves.

    >>> self.play(Create(CreatableGroup(RasterImage(rgba), Circle())))
    """

    def pointwise_become_partial(self, mobject, a: float, b: float) -> CreatableGroup:
        return self
