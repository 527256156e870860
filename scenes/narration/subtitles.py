"""Captions and chapters from the story's steps, in plain Python (no Manim): each step's narration is
cut into sentences, each sentence shown for a share of the step's time in proportion to its words;
SRT and WebVTT files from those cues; chapter lines in the `0:00 Title` form video sites read.

>>> cues = step_cues("Feed the digit in. Watch the activity flow.", 2.0, 6.0)
>>> [(c.start, c.end, c.text) for c in cues]
[(2.0, 4.0, 'Feed the digit in.'), (4.0, 6.0, 'Watch the activity flow.')]
"""

from __future__ import annotations

import re
from typing import NamedTuple

__all__ = ["Cue", "chapter_lines", "sentences", "srt", "step_cues", "timeline", "vtt"]

MAX_CUE_CHARACTERS = 120  # longer sentences are cut at commas, semicolons or colons


class Cue(NamedTuple):
    start: float  # seconds
    end: float
    text: str


def sentences(text: str) -> list[str]:
    """`text` cut after each . ! ? (and long sentences after , ; :) that ends a word."""
    parts = []
    for sentence in re.split(r"(?<=[.!?])\s+(?=\S)", " ".join(text.split())):
        if len(sentence) <= MAX_CUE_CHARACTERS:
            parts.append(sentence)
            continue
        current = ""
        for clause in re.split(r"(?<=[,;:])\s+", sentence):
            if current and len(current) + len(clause) + 1 > MAX_CUE_CHARACTERS:
                parts.append(current)
                current = clause
            else:
                current = f"{current} {clause}".strip()
        parts.append(current)
    return [part for part in parts if part]


def step_cues(text: str, start: float, end: float) -> list[Cue]:
    """The step's narration spread over [start, end]: one cue per sentence, timed by word count."""
    parts = sentences(text)
    if not parts or end <= start:
        return []
    words = [len(part.split()) for part in parts]
    total, elapsed, cues = sum(words), 0, []
    for part, count in zip(parts, words):
        cue_start = start + (end - start) * elapsed / total
        elapsed += count
        cues.append(Cue(round(cue_start, 3), round(start + (end - start) * elapsed / total, 3), part))
    return cues


def _timestamp(seconds: float, separator: str) -> str:
    milliseconds = round(seconds * 1000)
    hours, rest = divmod(milliseconds, 3_600_000)
    minutes, rest = divmod(rest, 60_000)
    return f"{hours:02d}:{minutes:02d}:{rest // 1000:02d}{separator}{rest % 1000:03d}"


def srt(cues: list[Cue]) -> str:
    return "".join(
        f"{number}\n{_timestamp(c.start, ',')} --> {_timestamp(c.end, ',')}\n{c.text}\n\n"
        for number, c in enumerate(cues, start=1)
    )


def vtt(cues: list[Cue]) -> str:
    return "WEBVTT\n\n" + "".join(
        f"{_timestamp(c.start, '.')} --> {_timestamp(c.end, '.')}\n{c.text}\n\n" for c in cues
    )


def chapter_lines(chapters: list[tuple[float, str]]) -> str:
    """'0:00 Title' lines (h:mm:ss past an hour), one per (start seconds, title)."""
    lines = []
    for start, title in chapters:
        whole = int(start)
        hours, minutes, seconds = whole // 3600, whole // 60 % 60, whole % 60
        stamp = f"{hours}:{minutes:02d}:{seconds:02d}" if hours else f"{minutes}:{seconds:02d}"
        lines.append(f"{stamp} {title}")
    return "\n".join(lines) + "\n"


def timeline(
    scenes: list[tuple[str, list[tuple[str, float]]]],
) -> tuple[list[Cue], list[tuple[float, float, str]]]:
    """Cues and chapters of scenes played one after another. `scenes`: (chapter title, steps) with
    steps as (narration, seconds). Chapters: (start, end, title), one per scene."""
    cues, chapters, clock = [], [], 0.0
    for title, steps in scenes:
        start = clock
        for narration, seconds in steps:
            cues += step_cues(narration, clock, clock + seconds)
            clock += seconds
        chapters.append((round(start, 3), round(clock, 3), title))
    return cues, chapters
