"""Slide decks from rendered scenes: one slide per step (see `StoryScene.step`), in three forms.

- `<deck>.html` + `<deck>_assets/`: plays offline in any browser (scenes/production/deck_html.py);
- `<deck>.pptx`: one slide per step with its video (poster: its last frame) and speaker notes;
- `<deck>.pdf`: a vector handout, the steps' handout pages (scenes/production/handout.py) joined, with a
  bookmark per step.

Everything comes from what `render_scenes` caches beside each scene video, so a deck of scenes
already rendered renders nothing. The deck is built in a hidden folder inside the output folder
and moved into place at the end: an interrupted build leaves no half-written deck.

`nnexplain slides` renders the scenes with `results = render_scenes(STORY, StoryConfig(),
QUALITIES["m"], Path("media"))`, their light handout pages with `render_scenes(STORY,
StoryConfig(theme="light"), QUALITIES["m"], Path("media"), handout_only=True)`, and writes the
decks with `write_deck(collect_slides(results), Path("lecture"), "explainer", DARK,
title=story_title(manifest), handout=collect_slides(handout_results))` (tests/test_slides.py and
tests/test_deck_handout.py build and read them).
"""

from __future__ import annotations

import os
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

from network.errors import NNExplainError
from scenes.production.deck_html import deck_page
from scenes.production.steps import HANDOUT_FILE, read_steps, steps_folder

__all__ = ["FORMATS", "Slide", "collect_slides", "deck_targets", "write_deck"]

FORMATS = ("html", "pptx", "pdf")
SLIDE_WIDTH_IN, SLIDE_HEIGHT_IN = 13.333, 7.5  # PowerPoint's 16:9
TITLE_HEIGHT_IN = 0.75


@dataclass(frozen=True)
class Slide:
    """One step of one scene, as a slide."""

    scene: str
    title: str
    notes: str
    video: Path | None  # None: from a handout-only render (`render_scenes(handout_only=True)`)
    poster: Path | None
    handout: Path  # the scene's handout PDF
    page: int  # this step's page in it, from 0


def collect_slides(results) -> list[Slide]:
    """The slides of rendered scenes (`render_scenes` results), in order."""
    slides = []
    for result in results:
        if result.error is not None:
            raise NNExplainError(f"{result.entry.name} failed: {result.error}")
        folder = steps_folder(result.path)
        for page, step in enumerate(read_steps(folder)):
            slides.append(
                Slide(
                    result.entry.name,
                    step["title"],
                    step["notes"],
                    step["video"],
                    step["poster"],
                    folder / HANDOUT_FILE,
                    page,
                )
            )
    return slides


def deck_targets(out: Path, name: str, formats) -> dict[str, Path]:
    """The paths a deck writes, by role; one clear error if one of them is in the way."""
    targets = {}
    if "html" in formats:
        targets["assets"], targets["html"] = out / f"{name}_assets", out / f"{name}.html"
    for fmt in ("pptx", "pdf"):
        if fmt in formats:
            targets[fmt] = out / f"{name}.{fmt}"
    for role, target in targets.items():
        wanted_dir = role == "assets"
        if target.is_symlink() or (target.exists() and target.is_dir() != wanted_dir):
            kind = "a link" if target.is_symlink() else "a folder" if target.is_dir() else "a file"
            raise NNExplainError(
                f"cannot write the deck: {target} is {kind}; remove it or choose another --name"
            )
    return targets


def write_deck(
    slides: list[Slide],
    out: Path,
    name: str,
    theme,
    formats=FORMATS,
    *,
    title: str | None = None,
    subtitle: str = "",
    handout: list[Slide] | None = None,
) -> list[Path]:
    """Write the deck `name` in `formats` into folder `out`; return the paths written. `title` (default
    `name`) and `subtitle` open the HTML deck and the PPTX and are the PDF's /Title and /Subject;
    `handout`: the slides whose pages the PDF joins (default `slides`; the light theme's, say, for
    a dark deck). The deck is built in a hidden folder and moved into place at the end, the HTML
    page last (it is what makes the new assets live); an older deck's assets are restored if the
    move fails."""
    targets = deck_targets(out, name, formats)
    title = title or name
    out.mkdir(parents=True, exist_ok=True)
    build = Path(tempfile.mkdtemp(prefix=f".{name}.", dir=out))
    try:
        built = {}
        if "html" in formats:
            built["html"], built["assets"] = write_html(slides, build, name, title, subtitle)
        if "pptx" in formats:
            built["pptx"] = write_pptx(slides, build / f"{name}.pptx", theme, title, subtitle)
        if "pdf" in formats:
            pages = slides if handout is None else handout
            built["pdf"] = write_handout(pages, build / f"{name}.pdf", title, subtitle)
        order = [role for role in ("assets", "pptx", "pdf", "html") if role in built]
        for role in order:
            move_into_place(built[role], targets[role], backup=build / "old")
        return [targets[role] for role in ("html", "assets", "pptx", "pdf") if role in built]
    finally:
        shutil.rmtree(build, ignore_errors=True)


def move_into_place(path: Path, target: Path, backup: Path) -> None:
    """Rename `path` to `target`; an older assets folder at `target` is moved to `backup` first
    (and back, should the rename fail)."""
    if not path.is_dir() or not target.is_dir():
        os.replace(path, target)
        return
    os.replace(target, backup)
    try:
        os.replace(path, target)
    except BaseException:
        os.replace(backup, target)
        raise


def asset_names(slides: list[Slide]) -> list[str]:
    """A file stem per slide: 01-ThisIsAThree-1, 02-ThisIsAThree-2, ..."""
    names, counts = [], {}
    for number, slide in enumerate(slides, start=1):
        counts[slide.scene] = counts.get(slide.scene, 0) + 1
        names.append(f"{number:02d}-{slide.scene}-{counts[slide.scene]}")
    return names


def write_html(
    slides: list[Slide], build: Path, name: str, title: str, subtitle: str = ""
) -> tuple[Path, Path]:
    """The page and its assets folder (a video and a poster per step) in `build`."""
    from urllib.parse import quote

    assets = build / f"{name}_assets"
    assets.mkdir()
    entries = []
    for slide, stem in zip(slides, asset_names(slides)):
        shutil.copyfile(slide.video, assets / f"{stem}.mp4")  # copies: editing a deck leaves the cache
        shutil.copyfile(slide.poster, assets / f"{stem}.png")
        entries.append(
            {
                "scene": slide.scene,
                "title": slide.title,
                "notes": slide.notes,
                "video": quote(f"{assets.name}/{stem}.mp4"),
                "poster": quote(f"{assets.name}/{stem}.png"),
            }
        )
    page = build / f"{name}.html"
    page.write_text(deck_page(title, entries, subtitle), encoding="utf-8")
    return page, assets


def write_pptx(slides: list[Slide], path: Path, theme, title: str, subtitle: str = "") -> Path:
    """A title slide (`title`, `subtitle`), then one slide per step: the step's title, its video
    (its last frame as poster), its notes."""
    from pptx import Presentation
    from pptx.dml.color import RGBColor
    from pptx.util import Inches, Pt

    deck = Presentation()
    deck.slide_width, deck.slide_height = Inches(SLIDE_WIDTH_IN), Inches(SLIDE_HEIGHT_IN)
    layout = deck.slide_layouts[5]  # "Title Only"
    background, text = (
        RGBColor.from_string(colour.lstrip("#")[:6]) for colour in (theme.background, theme.text)
    )

    def new_slide(layout):
        page = deck.slides.add_slide(layout)
        page.background.fill.solid()
        page.background.fill.fore_color.rgb = background
        return page

    def set_text(shape, words: str, size: float) -> None:
        shape.text = words
        for paragraph in shape.text_frame.paragraphs:
            for run in paragraph.runs:
                run.font.size, run.font.color.rgb = Pt(size), text

    cover = new_slide(deck.slide_layouts[0])  # "Title Slide": title and subtitle placeholders
    for box, words, top, height, size in ((cover.shapes.title, title, 2.2, 1.6, 40),
                                          (cover.placeholders[1], subtitle, 3.9, 1.0, 20)):  # fmt: skip
        box.left, box.top = Inches(0.8), Inches(top)
        box.width, box.height = Inches(SLIDE_WIDTH_IN - 1.6), Inches(height)
        set_text(box, words, size)
    video_height = SLIDE_HEIGHT_IN - TITLE_HEIGHT_IN - 0.15
    video_width = video_height * 16 / 9
    for slide in slides:
        page = new_slide(layout)
        heading = page.shapes.title
        heading.left, heading.top = Inches(0.4), Inches(0.05)
        heading.width, heading.height = Inches(SLIDE_WIDTH_IN - 0.8), Inches(TITLE_HEIGHT_IN)
        set_text(heading, slide.title, 26)
        page.shapes.add_movie(
            str(slide.video),
            Inches((SLIDE_WIDTH_IN - video_width) / 2),
            Inches(TITLE_HEIGHT_IN + 0.1),
            Inches(video_width),
            Inches(video_height),
            poster_frame_image=str(slide.poster),
            mime_type="video/mp4",
        )
        page.notes_slide.notes_text_frame.text = slide.notes
    deck.save(str(path))
    return path


def write_handout(slides: list[Slide], path: Path, title: str, subtitle: str = "") -> Path:
    """The steps' vector handout pages in deck order, one bookmark per step; `title` and `subtitle`
    are the PDF's /Title and /Subject."""
    from pypdf import PdfReader, PdfWriter

    writer, readers = PdfWriter(), {}
    for slide in slides:
        if slide.handout not in readers:
            readers[slide.handout] = PdfReader(str(slide.handout))
        reader = readers[slide.handout]
        writer.add_page(reader.pages[slide.page])
        writer.add_outline_item(title=f"{slide.scene}: {slide.title}", page_number=len(writer.pages) - 1)
    writer.add_metadata({"/Title": title, "/Subject": subtitle, "/Creator": "nnexplain slides"})
    with path.open("wb") as file:
        writer.write(file)
    return path
