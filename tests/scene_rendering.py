"""Render a Manim scene in-process at low quality and hand back its last frame, for scene tests."""

from __future__ import annotations

import sys

import numpy as np
from manim.constants import QUALITIES

from scenes.production.figure import typesetting


def render_last_frame(
    scene_class, media_dir, config=None, quality: str = "low_quality"
) -> tuple[object, np.ndarray]:
    """Run `scene_class` with animations skipped (only the final state is drawn) and return
    (scene, frame) where frame is the RGBA uint8 array of the last frame; LaTeX and text files are
    shared with the process's narrations and figures (the product's typeset_folder(): a formula or
    label is typeset once per process, not once per test). A StoryScene is told from
    `config` (a StoryConfig, default the shipped story); any other Scene is run as it is."""
    from scenes.story.base import StoryScene
    from scenes.story.inputs import StoryConfig

    options = {
        "quality": quality,
        "media_dir": str(media_dir),
        "disable_caching": True,
        "save_last_frame": True,
        "write_to_movie": False,
        "preview": False,
        "progress_bar": "none",
        "verbosity": "ERROR",
    }
    with typesetting(QUALITIES[quality]["pixel_width"], options):
        story = issubclass(scene_class, StoryScene)
        scene = scene_class(story_config=config or StoryConfig()) if story else scene_class()
        scene.render()
        return scene, np.array(scene.renderer.get_frame())


def point_to_pixel(scene, point) -> tuple[int, int]:
    """(row, col) of the frame pixel where the scene point (x, y, z) is drawn."""
    camera = scene.renderer.camera
    x, y = point[0], point[1]
    col = int((x + camera.frame_width / 2) / camera.frame_width * camera.pixel_width)
    row = int((camera.frame_height / 2 - y) / camera.frame_height * camera.pixel_height)
    return min(max(row, 0), camera.pixel_height - 1), min(max(col, 0), camera.pixel_width - 1)


def glyph_sources(*mobjects) -> int:
    """How many parts of `mobjects` keep the parsed SVG path they were built from (a Text, MathTex or
    Brace glyph that every copy would deep-copy again: scenes.without_glyph_sources drops it)."""
    return sum(getattr(part, "path_obj", None) is not None for m in mobjects for part in m.get_family())


# Manim's SVG and number caches copy what they store while a glyph is being built: not animation copies
GLYPH_BUILDING = frozenset({"init_svg_mobject", "_string_to_mob"})


def watch_copies(monkeypatch) -> list[int]:
    """A list that, until `monkeypatch` is undone, gets the glyph_sources of every mobject copied by
    Mobject.copy (FadeIn, Transform, `.animate`, ...), but for the copies Manim's caches make while
    a glyph is built."""
    from manim import Mobject

    found: list[int] = []
    original = Mobject.copy

    def copy(self):
        if sys._getframe(1).f_code.co_name not in GLYPH_BUILDING:
            found.append(glyph_sources(self))
        return original(self)

    monkeypatch.setattr(Mobject, "copy", copy)
    return found
