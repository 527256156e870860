"""Still figures of any scene: PNG at any width, or true vector SVG / PDF for lectures and print.

The scene runs in-process with every animation skipped (no frames are drawn on the way), stopping
at the wanted time: inside an animation the scene is interpolated to exactly that moment. Then its
mobjects are drawn once: by manim's own cairo camera for PNG, or by `VectorCamera`, which sends the
same cairo drawing calls (same paths, colours, stroke widths) to a cairo SVG or PDF surface. Text and
formulas are vector paths there; pixel grids are embedded as images with square pixels.
"""

from __future__ import annotations

import atexit
import os
import shutil
import tempfile
from contextlib import contextmanager
from pathlib import Path

import cairo
from manim import tempconfig
from manim.renderer.cairo_renderer import CairoRenderer
from manim.utils.exceptions import EndSceneEarlyException
from PIL import Image

from network.atomic import atomic_path
from network.errors import NNExplainError
from scenes.camera.raster_camera import RasterCamera
from scenes.camera.vector_camera import A4_LANDSCAPE_PT, VectorCamera
from scenes.story.catalog import SceneEntry
from scenes.story.inputs import StoryConfig

DEFAULT_PNG_WIDTH = 1920
VECTOR_RASTER_HEIGHT = 2160  # resolution of anything a scene rasterises itself (full-edge images)

__all__ = [
    "StillRenderer", "drop_typeset_folder", "render_figure", "run_to", "scene_mobjects", "typeset_config",
    "typeset_folder", "typesetting",
]  # fmt: skip


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


def run_to(
    entry: SceneEntry,
    config: StoryConfig,
    at: float | None,
    pixel_width: int,
    pixel_height: int,
    renderer: StillRenderer | None = None,
):
    """Run the scene (animations skipped) to time `at` (None: the end) with `renderer` (default a
    StillRenderer stopping at `at`); return the scene. Manim's files go to private temporary folders
    (its text and LaTeX files to this process's typeset_folder()): nothing is written beside the figure."""
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
        typesetting(pixel_width, {**options, "media_dir": media}),
    ):
        renderer = renderer or StillRenderer(stop_at=at)
        scene = entry.load()(renderer=renderer, story_config=config)
        scene.render()
    if not renderer.reached:
        raise NNExplainError(f"--at {at:g} is past the end of {entry.name} ({renderer.time:.2f} s long)")
    return scene


def typeset_folder() -> Path:
    """This process's private folder for Manim's LaTeX and Pango files, removed at normal exit: a
    process that tells many beats (a lesson, `nnexplain narration`, a notebook) typesets each formula
    and label once. One per process, and a forked child makes its own: Manim writes these files
    without locks, and a process renders one scene at a time (Manim's config is global)."""
    global _typeset
    if _typeset is None:
        _typeset = Path(tempfile.mkdtemp(prefix="nnexplain-typeset-"))
        atexit.register(_remove_own, _typeset, os.getpid())
    return _typeset


def typeset_config(pixel_width: int) -> dict:
    """Manim's tex_dir and text_dir in typeset_folder(). Pango lays text out for the frame's pixel
    width and Manim names the file without it (Manim issue 4043), so each width has its own texts."""
    return {"tex_dir": typeset_folder() / "Tex", "text_dir": typeset_folder() / f"texts-{pixel_width}"}


@contextmanager
def typesetting(pixel_width: int, options: dict | None = None):
    """Manim's config with `options`, its LaTeX and Pango files in this process's folder
    (typeset_config); the folder is dropped if the block stops half-way, since a file in it may have
    been cut off mid-write (the next call makes a new one)."""
    try:
        with tempconfig({**(options or {}), **typeset_config(pixel_width)}):
            yield
    except BaseException:
        drop_typeset_folder()
        raise


def drop_typeset_folder() -> None:
    """Remove this process's folder (a file in it may be half-written); the next call makes a new one."""
    global _typeset
    if _typeset is not None:
        shutil.rmtree(_typeset, ignore_errors=True)
        _typeset = None


_typeset: Path | None = None


def _forget_parents_folder() -> None:
    global _typeset
    _typeset = None


os.register_at_fork(after_in_child=_forget_parents_folder)


def _remove_own(folder: Path, owner: int) -> None:
    if os.getpid() == owner:  # (a forked child inherits this handler, not the folder)
        shutil.rmtree(folder, ignore_errors=True)


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
    width = width or (A4_LANDSCAPE_PT[0] if vector else DEFAULT_PNG_WIDTH)
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
