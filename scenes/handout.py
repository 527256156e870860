"""What each step of a beat leaves behind while the beat renders: its poster (the video's last frame
of the step) and a vector handout page (the step's final state drawn by `VectorCamera`, under the
step's title, over its speaker notes). `nnexplain render` records them beside every scene video;
`nnexplain slides` builds its decks from them.

`render_scenes` (scenes/render.py) does, for each StoryScene `scene` it renders:
`recorder = StepRecorder(Path("ForwardPass.steps"), "ForwardPass")`, `scene.step_ended = recorder`
(called as each step ends), `scene.render()`, then `recorder.close(section_videos)`: the folder
then holds step00.png, ..., handout.pdf and steps.json (tests/test_slides.py checks them).
"""

from __future__ import annotations

import json
from pathlib import Path

import cairo
from PIL import Image

from scenes.figure import VectorCamera, scene_mobjects
from scenes.render import STEPS_FILE
from scenes.story.base import Step

__all__ = ["HANDOUT_PAGE", "HandoutPages", "StepRecorder", "read_chapter", "read_steps", "video_seconds"]

HANDOUT_PAGE = (842.0, 595.0)  # A4 landscape, in points
MARGIN = 36.0
TITLE_SIZE, NOTES_SIZE, SMALL_SIZE = 18.0, 10.5, 8.5
INK, MUTED = (0.13, 0.13, 0.13), (0.42, 0.42, 0.42)
FONT = "DejaVu Sans"


class HandoutPages:
    """A PDF with one A4 landscape page per step: title, the scene's frame as vector drawing, notes."""

    def __init__(self, path: Path):
        self.surface = cairo.PDFSurface(str(path), *HANDOUT_PAGE)
        self.pages = 0

    def add(self, scene, title: str, notes: str, where: str) -> None:
        page_width, page_height = HANDOUT_PAGE
        width = page_width - 2 * MARGIN
        height = width * 9 / 16
        top = MARGIN + TITLE_SIZE + 14
        camera = VectorCamera(
            self.surface,
            width,
            height,
            origin=(MARGIN, top),
            background_color=scene.camera.background_color,
            background_opacity=1.0,
        )
        camera.paint_background()
        camera.capture_mobjects(scene_mobjects(scene))
        ctx = cairo.Context(self.surface)
        ctx.select_font_face(FONT, cairo.FONT_SLANT_NORMAL, cairo.FONT_WEIGHT_NORMAL)
        ctx.set_font_size(SMALL_SIZE)
        right = page_width - MARGIN - ctx.text_extents(where).x_advance
        self._write(ctx, where, right, MARGIN + TITLE_SIZE, SMALL_SIZE, MUTED)
        ctx.select_font_face(FONT, cairo.FONT_SLANT_NORMAL, cairo.FONT_WEIGHT_BOLD)
        ctx.set_font_size(TITLE_SIZE)
        fit = min(1.0, (right - MARGIN - 12) / max(ctx.text_extents(title).x_advance, 1))  # beside the label
        self._write(ctx, title, MARGIN, MARGIN + TITLE_SIZE, TITLE_SIZE * fit, INK, bold=True)
        first = top + height + 12 + NOTES_SIZE
        room = int((page_height - MARGIN / 2 - first) // (NOTES_SIZE * 1.4)) + 1
        lines = wrap(ctx, notes, width, NOTES_SIZE)
        if len(lines) > room:  # never cut silently
            lines = [*lines[: room - 1], lines[room - 1].rstrip(".") + " …"]
        for number, line in enumerate(lines):
            self._write(ctx, line, MARGIN, first + number * NOTES_SIZE * 1.4, NOTES_SIZE, INK)
        self.surface.show_page()
        self.pages += 1

    @staticmethod
    def _write(ctx, text: str, x: float, y: float, size: float, colour, bold: bool = False) -> None:
        weight = cairo.FONT_WEIGHT_BOLD if bold else cairo.FONT_WEIGHT_NORMAL
        ctx.select_font_face(FONT, cairo.FONT_SLANT_NORMAL, weight)
        ctx.set_font_size(size)
        ctx.set_source_rgb(*colour)
        ctx.move_to(x, y)
        ctx.show_text(text)

    def close(self) -> None:
        self.surface.finish()


def wrap(ctx: cairo.Context, text: str, width: float, size: float) -> list[str]:
    """`text` broken into lines no wider than `width` at font size `size`."""
    ctx.select_font_face(FONT, cairo.FONT_SLANT_NORMAL, cairo.FONT_WEIGHT_NORMAL)
    ctx.set_font_size(size)
    lines, line = [], ""
    for word in text.split():
        candidate = f"{line} {word}".strip()
        if line and ctx.text_extents(candidate).x_advance > width:
            lines.append(line)
            candidate = word
        line = candidate
    return [*lines, line] if line else lines


class StepRecorder:
    """Called as each step of a StoryScene ends (`scene.step_ended`): saves the step's poster
    (<section>.png, the frame the video shows last) and its handout page into `folder`;
    `close(sections)` writes steps.json, pairing each step with its section video."""

    def __init__(self, folder: Path, scene_name: str):
        self.folder, self.scene_name = Path(folder), scene_name
        self.folder.mkdir(parents=True, exist_ok=True)
        self.handout = HandoutPages(self.folder / "handout.pdf")
        self.steps: list[Step] = []
        self.spans: list[float] = []  # each step's length by the scene's clock
        self.chapter = ""

    def __call__(self, scene, step: Step) -> None:
        Image.fromarray(scene.renderer.get_frame()).convert("RGB").save(self.folder / f"{step.section}.png")
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
            record = {**step._asdict(), "video": None, "poster": f"{step.section}.png", "seconds": span}
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
    import av

    with av.open(str(video)) as container:
        stream = container.streams.video[0]
        frames = stream.frames or sum(1 for packet in container.demux(stream) if packet.dts is not None)
        return frames / float(stream.average_rate)


def read_chapter(folder: Path) -> str:
    """The chapter title of the scene whose steps are in `folder`."""
    return json.loads((Path(folder) / STEPS_FILE).read_text("utf-8"))["chapter"]


def read_steps(folder: Path) -> list[dict]:
    """The steps a render recorded in `folder`, with absolute `video` and `poster` paths."""
    records = json.loads((Path(folder) / STEPS_FILE).read_text("utf-8"))["steps"]
    for record in records:
        record["poster"] = Path(folder) / record["poster"]
        record["video"] = Path(folder) / record["video"] if record["video"] else None
    return records
