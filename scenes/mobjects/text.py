"""Text in a theme's font, sizes and colours."""

from __future__ import annotations

from manim import Text

from scenes.mobjects.theme import DARK, Theme

__all__ = ["caption"]


def caption(text: str, theme: Theme = DARK, size: str = "label", color: str = "text") -> Text:
    """A line of text: `size` is a Theme size name without "_size" (title, label, small), `color` a
    Theme colour field (text, muted, highlight, ...).

    >>> from scenes import LIGHT
    >>> title = caption("The network's layers", LIGHT, "title")
    >>> bool(title.font_size == LIGHT.title_size), title.original_text
    (True, "The network's layers")
    """
    return Text(text, font_size=getattr(theme, f"{size}_size"), color=getattr(theme, color), font=theme.font)
