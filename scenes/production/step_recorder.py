"""Records each step of a beat while it renders: its poster (the video's last frame of the step) and
its handout page as the step ends, then its section video and steps.json (scenes/production/steps.py).

The render worker (scenes/production/render_worker.py) does, for each StoryScene `scene` it renders:
`recorder = StepRecorder(Path("ForwardPass.steps"), "ForwardPass")`, `scene.step_ended = recorder`
(called as each step ends), `scene.render()`, then `recorder.close(section_videos(workdir))`: the
folder then holds step00.png, ..., handout.pdf and steps.json (tests/test_slides.py checks them).
"""

from __future__ import annotations

import json
from pathlib import Path

import av
from PIL import Image

from scenes.production.handout import HandoutPages
from scenes.production.steps import HANDOUT_FILE, STEPS_FILE
from scenes.story.base import Step

__all__ = ["StepRecorder", "video_seconds"]


class StepRecorder:
    """Called as each step of a StoryScene ends (`scene.step_ended`): saves the step's poster
    (<section>.png, the frame the video shows last; not with `posters=False`) and its handout page
    into `folder`;
    `close(sections)` writes steps.json, pairing each step with its section video."""

    def __init__(self, folder: Path, scene_name: str, posters: bool = True):
        self.folder, self.scene_name, self.posters = Path(folder), scene_name, posters
        self.folder.mkdir(parents=True, exist_ok=True)
        self.handout = HandoutPages(self.folder / HANDOUT_FILE)
        self.steps: list[Step] = []
        self.spans: list[float] = []  # each step's length by the scene's clock
        self.chapter = ""

    def __call__(self, scene, step: Step) -> None:
        if self.posters:  # not for a handout-only run, which draws no frames
            Image.fromarray(scene.renderer.get_frame()).convert("RGB").save(
                self.folder / f"{step.section}.png"
            )
        where = f"{self.scene_name} · step {len(self.steps) + 1}"
        self.handout.add(scene, step.title, step.notes, where)
        self.steps.append(step)
        self.spans.append(scene.renderer.time - getattr(scene, "step_start", 0.0))
        self.chapter = getattr(scene, "chapter", "") or self.steps[0].title

    def close(self, section_videos: dict[str, Path]) -> list[dict]:
        """Move each step's section video (by section name) beside its poster and write steps.json
        with each step's length in the video."""
        self.handout.close()
        if self.steps and self.steps[0].section != "autocreated" and "autocreated" in section_videos:
            raise ValueError(f"{self.scene_name} animates before its first step(): start with self.step(...)")
        records = []
        for step, span in zip(self.steps, self.spans):
            poster = f"{step.section}.png" if self.posters else None
            record = {**step._asdict(), "video": None, "poster": poster, "seconds": span}
            video = section_videos.get(step.section)
            if video is not None:
                record["video"] = f"{step.section}{video.suffix}"
                video.replace(self.folder / record["video"])
                record["seconds"] = video_seconds(self.folder / record["video"])
            elif section_videos:  # (a render without sections, such as webm, has none at all)
                raise ValueError(f"{self.scene_name}: step {step.title!r} has no animation, so no video")
            records.append(record)
        index = {"scene": self.scene_name, "chapter": self.chapter, "steps": records}
        (self.folder / STEPS_FILE).write_text(json.dumps(index, indent=1, ensure_ascii=False), "utf-8")
        return records


def video_seconds(video: Path) -> float:
    """A video's length: its frame count over its frame rate."""
    with av.open(str(video)) as container:
        stream = container.streams.video[0]
        frames = stream.frames or sum(1 for packet in container.demux(stream) if packet.dts is not None)
        return frames / float(stream.average_rate)
