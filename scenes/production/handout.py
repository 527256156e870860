"""The handout page of a step: the step's final state drawn by `VectorCamera` on an A4 landscape
PDF page, under the step's title, over its speaker notes (scenes/production/steps.py records one
page per step while a beat renders; `nnexplain slides` joins them into the deck's PDF).
"""

from __future__ import annotations

from pathlib import Path

import cairo

from scenes.camera.vector_camera import A4_LANDSCAPE_PT, VectorCamera
from scenes.production.figure import scene_mobjects

__all__ = ["HANDOUT_PAGE", "HandoutPages"]

HANDOUT_PAGE = A4_LANDSCAPE_PT
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
