"""The explainer's captions and chapters, from the steps recorded beside each cached scene video
(scenes/production/steps.py): `explainer_timeline(results)` gives the cues and chapters of the joined
scenes and `write_captions(video, cues, chapters)` writes <video>.srt, .vtt and .chapters.txt beside
the video. `nnexplain explainer` and `nnexplain batch` share them:

    >>> from pathlib import Path
    >>> Path("explainer.mp4").with_suffix(".chapters.txt").name
    'explainer.chapters.txt'
"""

from __future__ import annotations

from pathlib import Path

from network.atomic import atomic_path
from scenes.narration.subtitles import chapter_lines, srt, timeline, vtt
from scenes.production.steps import read_chapter, read_steps, steps_folder
from scenes.production.video_files import join_videos

__all__ = ["explainer_timeline", "write_captions", "write_explainer"]


def explainer_timeline(results):
    """Subtitle cues and chapters of the joined scenes, from the steps recorded beside each video."""

    scenes = []
    for result in results:
        folder = steps_folder(result.path)
        scenes.append(
            (read_chapter(folder), [(step["notes"], step["seconds"]) for step in read_steps(folder)])
        )
    return timeline(scenes)


def write_captions(video: Path, cues, chapters) -> None:
    """<video>.srt, <video>.vtt and <video>.chapters.txt beside the video, each written atomically."""

    texts = {".srt": srt(cues), ".vtt": vtt(cues), ".chapters.txt": chapter_lines([c[::2] for c in chapters])}
    for suffix, text in texts.items():
        with atomic_path(video.with_suffix(suffix)) as tmp:
            tmp.write_text(text, encoding="utf-8")


def write_explainer(results, destination: Path) -> list[Path]:
    """The rendered scenes of `results` joined in their order into `destination`, with its captions
    and chapters beside it; returns the files written."""
    cues, chapters = explainer_timeline(results)
    join_videos([result.path for result in results], destination, cues, chapters)
    write_captions(destination, cues, chapters)
    return [destination, *(destination.with_suffix(suffix) for suffix in (".srt", ".vtt", ".chapters.txt"))]
