"""Text in a theme's font, sizes and colours, and glyphs that are cheap to copy."""

from __future__ import annotations

from typing import TypeVar

from manim import Mobject, Text
from manim.mobject.svg.svg_mobject import VMobjectFromSVGPath

from scenes.mobjects.theme import DARK, Theme

__all__ = ["caption", "without_glyph_sources"]

AnyMobject = TypeVar("AnyMobject", bound=Mobject)


def without_glyph_sources(mobject: AnyMobject) -> AnyMobject:
    """`mobject`, each of its glyphs (the parts of a Text, MathTex or Brace) without the parsed SVG
    path it was built from. Manim reads that path only while building the glyph's points, but every
    copy (FadeIn, Transform, `.animate`) deep-copies it again: a 32-letter label copies in 2.1 ms
    instead of 17 ms, and the story's 16 beats run to their last frames on 40 % less CPU
    (benchmarks/glyph_copies.py).

    >>> from manim import Text
    >>> label = without_glyph_sources(Text("ten"))
    >>> [glyph.path_obj for glyph in label.submobjects], len(label.copy().family_members_with_points())
    ([None, None, None], 3)
    """
    for part in mobject.get_family():
        if isinstance(part, VMobjectFromSVGPath):
            part.path_obj = None
    return mobject


def caption(text: str, theme: Theme = DARK, size: str = "label", color: str = "text") -> Text:
    """A line of text: `size` is a Theme size name without "_size" (title, label, small), `color` a
    Theme colour field (text, muted, highlight, ...). Its glyphs are cheap to copy
    (without_glyph_sources).

    >>> from scenes import LIGHT
    >>> title = caption("The network's layers", LIGHT, "title")
    >>> bool(title.font_size == LIGHT.title_size), title.original_text
    (True, "The network's layers")
    """
    size_and_colour = {"font_size": getattr(theme, f"{size}_size"), "color": getattr(theme, color)}
    return without_glyph_sources(Text(text, **size_and_colour, font=theme.font))
