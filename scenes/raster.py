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

`RasterCamera` draws images through cairo, like everything else: Manim's own Camera composites each
image onto a full-frame copy with PIL, which costs about 12 ms an image at 1080p (most of the time
of a beat with sixteen heatmaps); cairo paints only the image's own pixels. Every story beat uses
it; a scene of yours can too, as the example above does.
"""

from __future__ import annotations

from fractions import Fraction

import av
import cairo
import numpy as np
from manim import RESAMPLING_ALGORITHMS, Camera, Group, ImageMobject
from manim.scene.scene_file_writer import SceneFileWriter
from manim.scene.video_segment_encoder import VideoSegmentEncoder

__all__ = ["CairoImages", "CreatableGroup", "HeldFrameWriter", "RasterCamera", "RasterImage"]


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


class HeldFrameEncoder(VideoSegmentEncoder):
    """Manim 0.22's segment encoder, converting a held frame (a `wait`: one frame repeated) from
    RGBA to the video's pixel format once instead of once per repeat: a third of the cost of each
    held 1080p frame."""

    def write_frame(self, pixels, *, repeat: int = 1) -> None:
        if repeat == 1:
            return super().write_frame(pixels, repeat=repeat)
        self._validate_frame(pixels, repeat)
        time_base = Fraction(self.spec.frame_rate.denominator, self.spec.frame_rate.numerator)
        try:
            frame = av.VideoFrame.from_ndarray(pixels, format="rgba").reformat(format=self.spec.pixel_format)
            frame.time_base = time_base
            for _ in range(repeat):
                frame.pts = self._next_pts
                self._next_pts += 1
                for packet in self._stream.encode(frame):
                    self._container.mux(packet)
        except BaseException as error:
            raise self._operation_error("encode", error) from error


class HeldFrameWriter(SceneFileWriter):
    """Manim's SceneFileWriter with `HeldFrameEncoder` segments."""

    def _create_segment_encoder(self, target):
        return HeldFrameEncoder(target=target, spec=self.video_encoder)
