"""Images and groups that behave like Manim's vector mobjects under `Create`.

Manim's `Create` draws a VMobject stroke by stroke; it refuses any mobject (or part) without
`pointwise_become_partial`, which a `Group` and an `ImageMobject` lack. Here a `RasterImage` fades
in as it is created (its alpha follows the share drawn) and a `CreatableGroup` has nothing of its
own to draw, so a mobject mixing images and vectors, such as a NetworkDiagram, works with
`Create`, `Uncreate`, `FadeIn`, `.animate` and the rest.

    >>> import numpy as np
    >>> from manim import Create, Scene, Square
    >>> from scenes import CreatableGroup, RasterCamera, RasterImage
    >>> class RasterExample(Scene):
    ...     def __init__(self, **kwargs):
    ...         super().__init__(camera_class=RasterCamera, **kwargs)  # images painted by cairo
    ...
    ...     def construct(self):
    ...         rgba = np.full((8, 8, 4), 255, dtype=np.uint8)  # 8 x 8 white pixels
    ...         grid = RasterImage(rgba, crisp=True).scale(6)
    ...         self.play(Create(CreatableGroup(grid, Square())))  # a Group or an ImageMobject: TypeError
"""

from __future__ import annotations

import numpy as np
from manim import RESAMPLING_ALGORITHMS, Group, ImageMobject

__all__ = ["CreatableGroup", "RasterImage"]


class RasterImage(ImageMobject):
    """An ImageMobject of an RGBA uint8 array; `crisp=True` keeps square pixels (nearest neighbour)
    however large it is drawn. Under `Create` it fades in.

    >>> from network import load_sample
    >>> from scenes import LIGHT
    >>> images, labels = load_sample()
    >>> digit = RasterImage(LIGHT.digit_rgba(images[0].reshape(28, 28))).scale(8)
    >>> digit.pixel_array.shape  # 28 x 28 RGBA, drawn with square pixels however large
    (28, 28, 4)
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

    >>> import numpy as np
    >>> from manim import Circle, Create
    >>> group = CreatableGroup(RasterImage(np.zeros((2, 2, 4), dtype=np.uint8)), Circle())
    >>> Create(group).run_time  # a plain Group would raise TypeError here
    1.0
    """

    def pointwise_become_partial(self, mobject, a: float, b: float) -> CreatableGroup:
        return self
