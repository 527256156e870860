"""Still figures of any scene: PNG at any width, or true vector SVG / PDF for lectures and print.

The scene runs in-process with every animation skipped (no frames are drawn on the way), stopping
at the wanted time: inside an animation the scene is interpolated to exactly that moment. Then its
mobjects are drawn once: by manim's own cairo camera for PNG, or by `VectorCamera`, which sends the
same cairo drawing calls (same paths, colours, stroke widths) to a cairo SVG or PDF surface. Text and
formulas are vector paths there; pixel grids are embedded as images with square pixels.
"""

from __future__ import annotations

import math
import tempfile
from pathlib import Path

import cairo
import numpy as np
from manim import Camera, tempconfig
from manim.renderer.cairo_renderer import CairoRenderer
from manim.utils.exceptions import EndSceneEarlyException
from PIL import Image

from network.atomic import atomic_path
from network.errors import NNExplainError
from scenes.catalog import SceneEntry
from scenes.raster import CairoImages, RasterCamera
from scenes.story.inputs import StoryConfig

A4_LANDSCAPE_WIDTH_PT = 842
DEFAULT_PNG_WIDTH = 1920
VECTOR_RASTER_HEIGHT = 2160  # resolution of anything a scene rasterises itself (full-edge images)
MIN_EMBEDDED_PIXELS = 1024  # small images are enlarged (nearest) so that no viewer blurs their pixels

__all__ = ["StillRenderer", "VectorCamera", "render_figure", "run_to"]


class StillRenderer(CairoRenderer):
    """Cairo renderer that skips every animation and draws nothing, optionally stopping at `stop_at` s."""

    def __init__(self, stop_at: float | None = None):
        super().__init__(skip_animations=True)
        self.stop_at = stop_at
        self.reached = stop_at is None

    def play(self, scene, *args, **kwargs):
        original = scene.play_internal

        def play_until_stop(skip_rendering: bool = False):
            start = self.time - scene.duration  # a skipped play has already advanced the clock
            if self.stop_at is not None and self.stop_at < self.time:
                scene.update_to_time(max(0.0, self.stop_at - start))
                self.reached = True
                raise EndSceneEarlyException()
            original(skip_rendering=True)

        scene.play_internal = play_until_stop
        try:
            super().play(scene, *args, **kwargs)
        finally:
            del scene.play_internal
        if self.stop_at is not None and self.stop_at < self.time:  # inside a wait: the state is final
            self.reached = True
            raise EndSceneEarlyException()

    def update_frame(self, *args, **kwargs):  # frames are drawn once, at the end, by the figure's camera
        pass

    def scene_finished(self, scene):
        pass


class VectorCamera(CairoImages, Camera):
    """Manim's cairo camera drawing on a vector surface, into the `width` x `height` box at `origin`
    (units: px for SVG, pt for PDF); nothing is drawn outside the box."""

    true_rgb = True

    def __init__(
        self,
        surface: cairo.Surface,
        width: float,
        height: float,
        origin: tuple[float, float] = (0.0, 0.0),
        **kwargs,
    ):
        self.surface, self.surface_width, self.surface_height = surface, width, height
        self.origin = origin
        self.context = None
        super().__init__(**kwargs)

    def get_cairo_context(self, pixel_array):
        if self.context is None:
            ctx = cairo.Context(self.surface)
            (x0, y0), w, h = self.origin, self.surface_width, self.surface_height
            ctx.rectangle(x0, y0, w, h)
            ctx.clip()
            fw, fh, fc = self.frame_width, self.frame_height, self.frame_center
            sx, sy = w / fw, h / fh
            ctx.set_matrix(cairo.Matrix(sx, 0, 0, -sy, x0 + w / 2 - fc[0] * sx, y0 + h / 2 + fc[1] * sy))
            self.context = ctx
        return self.context

    def set_cairo_context_color(self, ctx, rgbas, vmobject):
        # Manim reverses RGB for its BGRA pixel buffer; a vector surface takes true RGB.
        if len(rgbas) == 1:
            ctx.set_source_rgba(*rgbas[0][:3], rgbas[0][3])
            return self
        points = self.transform_points_pre_display(vmobject, vmobject.get_gradient_start_and_end_points())
        pattern = cairo.LinearGradient(*points[0][:2], *points[1][:2])
        for rgba, offset in zip(rgbas, np.linspace(0, 1, len(rgbas))):
            pattern.add_color_stop_rgba(offset, *rgba[:3], rgba[3])
        ctx.set_source(pattern)
        return self

    def paint_background(self) -> None:
        if self.background_opacity > 0:
            ctx = self.get_cairo_context(None)
            ctx.save()
            ctx.identity_matrix()
            ctx.set_source_rgba(*self.background_color.to_rgb(), self.background_opacity)
            ctx.rectangle(*self.origin, self.surface_width, self.surface_height)
            ctx.fill()
            ctx.restore()

    def display_multiple_background_colored_vmobjects(self, cvmobjects, pixel_array):
        for vmobject in cvmobjects:  # no raster background images here: draw their outlines as vectors
            self.display_vectorized(vmobject, self.get_cairo_context(pixel_array))
        return self

    def display_multiple_point_cloud_mobjects(self, pmobjects, pixel_array):
        raster = np.zeros((self.pixel_height, self.pixel_width, 4), dtype=np.uint8)
        super().display_multiple_point_cloud_mobjects(pmobjects, raster)
        corners = np.array([[-1, 1, 0], [1, 1, 0], [-1, -1, 0]]) * [
            self.frame_width / 2,
            self.frame_height / 2,
            0,
        ]
        self.paint_rgba(raster, corners + self.frame_center, smooth=True)

    def prepared(self, rgba: np.ndarray, smooth: bool) -> np.ndarray:
        if not smooth and max(rgba.shape[:2]) < MIN_EMBEDDED_PIXELS:
            factor = math.ceil(MIN_EMBEDDED_PIXELS / max(rgba.shape[:2]))
            rgba = rgba.repeat(factor, axis=0).repeat(factor, axis=1)
        return rgba


def run_to(entry: SceneEntry, config: StoryConfig, at: float | None, pixel_width: int, pixel_height: int):
    """Run the scene (animations skipped) to time `at` (None: the end); return the scene. Manim's
    text and LaTeX files go to a private temporary folder: nothing is written beside the figure."""
    options = {
        "pixel_width": pixel_width,
        "pixel_height": pixel_height,
        "frame_rate": 15,
        "renderer": "cairo",
        "disable_caching": True,
        "write_to_movie": False,
        "save_last_frame": False,
        "preview": False,
        "progress_bar": "none",
        "verbosity": "ERROR",
    }
    with (
        tempfile.TemporaryDirectory(prefix="nnexplain-figure-") as media,
        tempconfig({**options, "media_dir": media}),
    ):
        renderer = StillRenderer(stop_at=at)
        scene = entry.load()(renderer=renderer, story_config=config)
        scene.render()
    if not renderer.reached:
        raise NNExplainError(f"--at {at:g} is past the end of {entry.name} ({renderer.time:.2f} s long)")
    return scene


def scene_mobjects(scene) -> list:
    return [*scene.mobjects, *(m for m in scene.foreground_mobjects if m not in scene.mobjects)]


def render_figure(
    entry: SceneEntry,
    config: StoryConfig,
    out: Path,
    fmt: str = "png",
    at: float | None = None,
    transparent: bool = False,
    width: int | None = None,
) -> None:
    """Write a still of `entry` at time `at` (None: the last frame) to `out` as png, svg or pdf."""
    vector = fmt in ("svg", "pdf")
    width = width or (A4_LANDSCAPE_WIDTH_PT if vector else DEFAULT_PNG_WIDTH)
    height = round(width * 9 / 16)
    raster_width, raster_height = (
        (round(VECTOR_RASTER_HEIGHT * 16 / 9), VECTOR_RASTER_HEIGHT) if vector else (width, height)
    )
    try:
        scene = run_to(entry, config, at, raster_width, raster_height)
    except NNExplainError:
        raise
    except Exception as exc:  # a broken scene: one line for the user, not a traceback
        lines = str(exc).strip().splitlines()
        raise NNExplainError(
            f"{entry.name} failed: {type(exc).__name__}: {lines[-1] if lines else ''}"
        ) from exc
    background, opacity = scene.camera.background_color, 0.0 if transparent else 1.0
    with atomic_path(out) as tmp, tempconfig({"pixel_width": raster_width, "pixel_height": raster_height}):
        if vector:
            surface_class = cairo.SVGSurface if fmt == "svg" else cairo.PDFSurface
            surface = surface_class(str(tmp), width, height)
            if fmt == "svg" and hasattr(surface, "set_document_unit"):
                surface.set_document_unit(cairo.SVGUnit.PX)
            camera = VectorCamera(
                surface, width, height, background_color=background, background_opacity=opacity
            )
            camera.paint_background()
            camera.capture_mobjects(scene_mobjects(scene))
            surface.finish()
        else:
            camera = RasterCamera(background_color=background, background_opacity=opacity)
            camera.capture_mobjects(scene_mobjects(scene))
            Image.fromarray(camera.pixel_array).save(tmp, format="PNG")
