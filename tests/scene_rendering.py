"""Render a Manim scene in-process at low quality and hand back its last frame, for scene tests."""

from __future__ import annotations

import numpy as np
from manim import tempconfig


def render_last_frame(
    scene_class, media_dir, config=None, quality: str = "low_quality"
) -> tuple[object, np.ndarray]:
    """Run `scene_class` with animations skipped (only the final state is drawn) and return
    (scene, frame) where frame is the RGBA uint8 array of the last frame. A StoryScene is told from
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
    with tempconfig(options):
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
