"""Formulas with real numbers: matrices and vectors with ⋮ ⋯ ⋱ elisions, tuples with …, and one
MathTex compiled from tex strings and such blocks, whose entries stay reachable by index.

Every block keeps the real floats it shows (`entries`), so a test or a scene can find the mobject
of any entry. LaTeX is needed: call `require_latex()` first for a one-line error without it.

    >>> from manim import YELLOW
    >>> from network import DEFAULT_WEIGHTS, load_weights
    >>> from scenes import LIGHT
    >>> model, manifest = load_weights(DEFAULT_WEIGHTS)
    >>> W = elided_matrix(model.weights[0], rows=[0, 1, 15], cols=[0, 783])
    >>> formula = MathFormula(r"\\sigma\\left(", ("W", W), r"\\right)", theme=LIGHT)
    >>> entry = formula.blocks["W"].entry((15, 783)).set_color(YELLOW)
    >>> W.entries[(15, 783)] == float(model.weights[0][15, 783]), W.entry_tex[(15, 783)]  # as drawn
    (True, '-0.21')
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass, field

import numpy as np
from manim import MathTex, VGroup

from network.errors import NNExplainError
from scenes.mobjects.text import without_glyph_sources
from scenes.mobjects.theme import DARK, Theme

__all__ = [
    "ElidedBlock",
    "MathFormula",
    "elided",
    "elided_matrix",
    "elided_tuple",
    "factor",
    "grouped",
    "number",
    "require_latex",
    "typeset",
    "text_number",
]

LATEX_PACKAGES = "texlive-latex-base texlive-latex-extra dvisvgm"


def require_latex() -> None:
    """Raise a one-line NNExplainError naming the Debian packages when latex or dvisvgm is missing."""
    missing = [tool for tool in ("latex", "dvisvgm") if shutil.which(tool) is None]
    if missing:
        raise NNExplainError(
            f"the math scenes need {' and '.join(missing)}: apt-get install {LATEX_PACKAGES}"
        )


def typeset(*strings: str, **options) -> MathTex:
    """MathTex(*strings, **options), typeset by LaTeX, with glyphs that are cheap to copy
    (without_glyph_sources): what the beats write their formulas with.

    >>> formula = typeset(r"a^{(1)}_3", "=", "0.97", font_size=36)
    >>> formula.tex_strings, any(glyph.path_obj for glyph in formula.family_members_with_points())
    (['a^{(1)}_3', '=', '0.97'], False)
    """
    return without_glyph_sources(MathTex(*strings, **options))


def number(value: float, decimals: int = 2) -> str:
    return f"{value:.{decimals}f}"


def text_number(value: float, decimals: int = 2) -> str:
    """A number for plain Text: with a real minus sign."""
    return number(value, decimals).replace("-", "\u2212")


def factor(value: float, decimals: int = 2) -> str:
    """A number as a factor of a product: negative ones in parentheses."""
    text = number(value, decimals)
    return f"({text})" if text.startswith("-") else text


def grouped(count: int) -> str:
    """An integer with thousands separators, for LaTeX: 13{,}002."""
    return f"{count:,}".replace(",", "{,}")


def elided(shown, size: int) -> list[int | None]:
    """Slots for the indices `shown` of an axis of length `size`: None (an ellipsis) wherever
    indices are skipped, including before the first and after the last."""
    slots, previous = [], -1
    for index in sorted({int(i) for i in shown}):
        if index > previous + 1:
            slots.append(None)
        slots.append(index)
        previous = index
    if previous < size - 1:
        slots.append(None)
    return slots


@dataclass
class ElidedBlock:
    """The tex parts of a matrix, vector or tuple with elisions, and the real values of its shown
    entries: `entries[key]` (key (i, j) for matrices, i for tuples), `entry_tex[key]` its tex.
    Once compiled into a MathFormula, `entry(key)` is the entry's mobject.

    >>> import numpy as np
    >>> block = elided_matrix(np.array([0.12, -0.4, 0.3, 0.9]), rows=[0, 1, 3])  # a column, row 2 elided
    >>> block.entries  # the real values shown
    {(0, 0): 0.12, (1, 0): -0.4, (3, 0): 0.9}
    """

    parts: list[str]
    entries: dict = field(default_factory=dict)
    entry_tex: dict = field(default_factory=dict)
    part_of: dict = field(default_factory=dict)
    offset: int = 0
    owner: MathTex | None = None

    def add_entry(self, key, value: float, tex: str) -> None:
        self.entries[key], self.entry_tex[key], self.part_of[key] = float(value), tex, len(self.parts)
        self.parts.append(tex)

    def entry(self, key):
        return self.owner.submobjects[self.offset + self.part_of[key]]

    def mobjects(self) -> VGroup:
        return VGroup(*self.owner.submobjects[self.offset : self.offset + len(self.parts)])


def elided_matrix(values, rows, cols=(0,), *, decimals: int = 2, symbol=None) -> ElidedBlock:
    """A bracketed matrix of the `rows` x `cols` of `values` (2-D, or 1-D as a column) with ⋮ ⋯ ⋱ for
    every skipped index; entries are the real values rounded to `decimals`, or the tex symbol(i, j)."""
    values = np.asarray(values, dtype=np.float64)
    values = values[:, None] if values.ndim == 1 else values
    row_slots, col_slots = elided(rows, values.shape[0]), elided(cols, values.shape[1])
    block = ElidedBlock([r"\begin{bmatrix}"])
    for r, i in enumerate(row_slots):
        for c, j in enumerate(col_slots):
            if c:
                block.parts.append("&")
            if i is None or j is None:
                block.parts.append(
                    r"\ddots" if i is None and j is None else r"\vdots" if i is None else r"\cdots"
                )
            else:
                block.add_entry(
                    (i, j), values[i, j], symbol(i, j) if symbol else number(values[i, j], decimals)
                )
        if r < len(row_slots) - 1:
            block.parts.append(r"\\")
    block.parts.append(r"\end{bmatrix}")
    return block


def elided_tuple(values, shown, *, decimals: int = 2, symbol=None) -> ElidedBlock:
    """(v_i, …, v_j) for the shown indices of `values`, with … for skipped ones; entries are the real
    values rounded to `decimals`, or the tex symbol(i)."""
    values = np.asarray(values, dtype=np.float64)
    block = ElidedBlock([r"\left("])
    for slot, i in enumerate(elided(shown, len(values))):
        if slot:
            block.parts.append(",")
        if i is None:
            block.parts.append(r"\dots")
        else:
            block.add_entry(i, values[i], symbol(i) if symbol else number(values[i], decimals))
    block.parts.append(r"\right)")
    return block


class MathFormula(MathTex):
    """One MathTex compiled from tex strings and named ElidedBlocks, given as (name, block) pairs;
    `blocks[name]` gives each block's real entries and their mobjects.

    >>> from manim import Indicate, Scene, Write
    >>> from network import DEFAULT_WEIGHTS, load_weights
    >>> from scenes import LIGHT, MathFormula, apply_theme, elided_matrix
    >>> class MathFormulaExample(Scene):
    ...     def construct(self):
    ...         apply_theme(self, LIGHT)
    ...         model, manifest = load_weights(DEFAULT_WEIGHTS)
    ...         b = elided_matrix(model.biases[0], rows=[0, 1, 15])
    ...         formula = MathFormula("b = ", ("b", b), theme=LIGHT)
    ...         self.play(Write(formula), Indicate(formula.blocks["b"].entry((15, 0))))
    """

    def __init__(self, *segments, theme: Theme = DARK, font_size: float | None = None):
        active = theme
        parts, blocks = [], {}
        for segment in segments:
            if isinstance(segment, str):
                parts.append(segment)
                continue
            name, block = segment
            block.offset = len(parts)
            parts += block.parts
            blocks[name] = block
        super().__init__(*parts, font_size=font_size or active.matrix_size, color=active.text)
        without_glyph_sources(self)
        for block in blocks.values():
            block.owner = self
        self.blocks = blocks
