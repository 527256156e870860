"""The steps folder of a rendered beat, <Scene>.steps/ beside its cached video: each step's section
video, poster and handout page, and steps.json, written last (by `StepRecorder`,
scenes/production/step_recorder.py). `render` checks it; `slides`, captions and chapters read it.

`read_steps(steps_folder(video))` gives each step's title, notes, video and poster of a cached beat
(tests/test_slides.py checks them).
"""

from __future__ import annotations

import json
from pathlib import Path

__all__ = [
    "HANDOUT_FILE",
    "STEPS_FILE",
    "read_chapter",
    "read_steps",
    "section_videos",
    "steps_folder",
]

STEPS_FILE = "steps.json"  # in each scene's steps folder: its steps, written last
HANDOUT_FILE = "handout.pdf"  # in each scene's steps folder: a handout page per step


def read_chapter(folder: Path) -> str:
    """The chapter title of the scene whose steps are in `folder`."""
    return json.loads((Path(folder) / STEPS_FILE).read_text("utf-8"))["chapter"]


def read_steps(folder: Path) -> list[dict]:
    """The steps a render recorded in `folder`, with absolute `video` and `poster` paths (None in
    a handout-only render's steps)."""
    records = json.loads((Path(folder) / STEPS_FILE).read_text("utf-8"))["steps"]
    for record in records:
        record["poster"] = Path(folder) / record["poster"] if record["poster"] else None
        record["video"] = Path(folder) / record["video"] if record["video"] else None
    return records


def steps_folder(video: Path) -> Path:
    """Where the steps of a cached scene video are: <Scene>.steps/ beside <Scene>.mp4."""
    return video.with_suffix(".steps")


def section_videos(workdir: Path) -> dict[str, Path]:
    """The section videos manim wrote (--save_sections), by section name."""
    found = {}
    for index in workdir.rglob("sections/*.json"):
        for section in json.loads(index.read_text("utf-8")):
            found[section["name"]] = index.parent / section["video"]
    return found
