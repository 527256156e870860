"""`RasterCamera` draws images through cairo, like everything else.

Manim's own Camera composites each image onto a full-frame copy with PIL, which costs about 12 ms an
image at 1080p (most of the time of a beat with sixteen heatmaps); cairo paints only the image's own
pixels. Every story beat uses it; a scene of yours can too, by passing
`camera_class=RasterCamera` to `Scene.__init__` (the example in scenes/mobjects/raster_image.py does).

`CairoImages` is the painter it shares with the vector camera of figures and handouts.
"""

from __future__ import annotations

import cairo
import numpy as np
from manim import RESAMPLING_ALGORITHMS, Camera

__all__ = ["CairoImages", "RasterCamera", "cairo_image"]


class CairoImages:
    """A Camera mixin that paints ImageMobjects with cairo into the camera's own context, through
    the affine map of the image's corners (nearest-neighbour for crisp images)."""

    true_rgb = False  # Manim's pixel buffer holds RGBA where cairo writes BGRA; a vector surface does not

    def display_image_mobject(self, image_mobject, pixel_array) -> None:
        smooth = image_mobject.resampling_algorithm != RESAMPLING_ALGORITHMS["nearest"]
        self.paint_rgba(image_mobject.get_pixel_array(), image_mobject.points[:3], smooth, pixel_array)

    def prepared(self, rgba: np.ndarray, smooth: bool) -> np.ndarray:
        """The pixels to embed (a vector camera enlarges small crisp images)."""
        return rgba

    def paint_rgba(self, rgba: np.ndarray, corners: np.ndarray, smooth: bool, pixel_array=None) -> None:
        """Paint an RGBA array whose top-left, top-right and bottom-left corners sit at `corners`
        (scene units)."""
        rgba = self.prepared(np.asarray(rgba, dtype=np.uint8), smooth)
        height, width = rgba.shape[:2]
        if height == 0 or width == 0 or not rgba[..., 3].any():
            return
        image = cairo_image(rgba, swap=self.true_rgb)
        top_left, top_right, bottom_left = (np.asarray(point, dtype=float)[:2] for point in corners)
        across, down = (top_right - top_left) / width, (bottom_left - top_left) / height
        ctx = self.get_cairo_context(pixel_array)
        ctx.save()
        try:
            ctx.transform(cairo.Matrix(across[0], across[1], down[0], down[1], top_left[0], top_left[1]))
        except cairo.Error:  # a degenerate (zero-area) image draws nothing
            ctx.restore()
            return
        ctx.set_source_surface(image, 0, 0)
        ctx.get_source().set_filter(cairo.FILTER_GOOD if smooth else cairo.FILTER_NEAREST)
        ctx.rectangle(0, 0, width, height)
        ctx.fill()
        ctx.restore()


class RasterCamera(CairoImages, Camera):
    """Manim's cairo Camera with images painted by cairo (see the module docstring)."""


def cairo_image(rgba: np.ndarray, swap: bool = True) -> cairo.ImageSurface:
    """RGBA uint8 to a cairo ARGB32 surface (premultiplied); `swap` gives cairo's BGRA memory order,
    without it the channels keep Manim's buffer order."""
    height, width = rgba.shape[:2]
    stride = cairo.ImageSurface.format_stride_for_width(cairo.FORMAT_ARGB32, width)
    alpha = rgba[..., 3:4].astype(np.uint16)
    premultiplied = (rgba[..., :3].astype(np.uint16) * alpha + 127) // 255
    pixels = np.zeros((height, stride // 4, 4), dtype=np.uint8)
    pixels[:, :width, :3] = premultiplied[..., ::-1] if swap else premultiplied
    pixels[:, :width, 3] = rgba[..., 3]
    return cairo.ImageSurface.create_for_data(
        bytearray(pixels.tobytes()), cairo.FORMAT_ARGB32, width, height, stride
    )
