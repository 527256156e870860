"""The deck's first impressions (issue 22): it opens on the story's title (HTML card and page title,
the PPTX's title slide, the PDF's metadata), or on --title; its PDF handout is light for print
unless --handout-theme says otherwise, the light pages coming from a handout-only render whose
pages are the video render's; and every handout page is its own step. The deck is the one
tests/test_slides.py reads (the session's `deck` fixture, tests/conftest.py)."""

from __future__ import annotations

import subprocess
import tempfile
from pathlib import Path

import numpy as np
import pytest
from PIL import Image
from pptx import Presentation
from pypdf import PdfReader

from tests.test_render_cli import run
from tests.test_slides import SCENES, SHIPPED_SUBTITLE, STORY_TITLE, mismatch

# pytest-xdist: beside tests/test_slides.py on one worker, so the session's deck is rendered once
pytestmark = pytest.mark.xdist_group("slides")


def slide_texts(slide) -> list[str]:
    return [shape.text_frame.text for shape in slide.shapes if shape.has_text_frame]


def page_text(pdf: Path, number: int) -> str:
    """Page `number` (from 1) as poppler's pdftotext reads it, on one line."""
    text = subprocess.run(["pdftotext", "-f", str(number), "-l", str(number), str(pdf), "-"],
                          capture_output=True, text=True, check=True).stdout  # fmt: skip
    return " ".join(text.split())


def page_brightness(pdf: Path, number: int) -> float:
    """The mean grey level (0-255) of page `number` drawn by poppler's pdftoppm."""
    with tempfile.TemporaryDirectory() as folder:
        subprocess.run(["pdftoppm", "-r", "30", "-png", "-gray", "-f", str(number), "-l", str(number),
                        str(pdf), f"{folder}/page"], check=True)  # fmt: skip
        (image,) = Path(folder).glob("page*.png")
        return float(np.asarray(Image.open(image).convert("L"), dtype=float).mean())


def test_every_handout_page_is_its_own_step(deck):
    """Page k shows step k: the title of its bookmark and its own "Scene · step n" (a handout whose
    pages were shifted by one keeps its bookmarks and passes every other test)."""
    folder, _ = deck
    pdf = folder / "slides.pdf"
    reader = PdfReader(str(pdf))
    expected = [("LayerDiagram", n) for n in range(1, 5)] + [("ForwardPass", n) for n in range(1, 4)]
    assert len(reader.pages) == len(reader.outline) == len(expected) == 7
    for index, (item, (scene, number)) in enumerate(zip(reader.outline, expected)):
        assert reader.get_destination_page_number(item) == index
        prefix, title = item.title.split(": ", 1)
        assert prefix == scene
        text = page_text(pdf, index + 1)
        assert title in text and f"{scene} · step {number}" in text, (index, item.title, text[:120])
        others = [f"{scene} · step {k}" for k in range(1, 5) if k != number]
        assert not any(other in text for other in others), (index, text[:120])


def test_the_deck_opens_on_the_story_title(deck):
    """The story's title, not the deck's file name: HTML page and card, PPTX (above), PDF metadata."""
    folder, _ = deck
    page = (folder / "slides.html").read_text("utf-8")
    assert "<title>But what is a neural network?</title>" in page
    assert '<h1 id="card-title">But what is a neural network?</h1>' in page
    assert f'<p id="card-subtitle">{SHIPPED_SUBTITLE}</p>' in page
    metadata = PdfReader(str(folder / "slides.pdf")).metadata
    assert metadata.title == STORY_TITLE and metadata.subject == SHIPPED_SUBTITLE


def test_the_handout_is_light_unless_asked_and_the_title_can_be_given(deck, tmp_path, capsys):
    """The dark deck's handout is printable (white pages); --handout-theme dark gives the deck's
    dark pages; --title names every form of the deck. Everything comes from the render cache."""
    folder, cache = deck
    assert min(page_brightness(folder / "slides.pdf", n) for n in (1, 4, 7)) > 200
    title = "Week 3: how a network reads digits"
    code, out, err = run(capsys, "slides", *SCENES, "-q", "l", "--out", tmp_path / "dark", "--cache", cache,
                         "--handout-theme", "dark", "--title", title)  # fmt: skip
    assert code == 0 and "7 slides from 2 scenes (0 rendered, 2 cached) in" in err, err
    dark = tmp_path / "dark" / "slides.pdf"
    assert max(page_brightness(dark, n) for n in (1, 4, 7)) < 150  # a dark frame on a white page
    assert PdfReader(str(dark)).metadata.title == "Week 3: how a network reads digits"
    pptx = Presentation(str(tmp_path / "dark" / "slides.pptx"))
    assert slide_texts(pptx.slides[0]) == ["Week 3: how a network reads digits", SHIPPED_SUBTITLE]
    page = (tmp_path / "dark" / "slides.html").read_text("utf-8")
    assert "<title>Week 3: how a network reads digits</title>" in page
    # the handout alone renders only the light pass (already cached by the fixture's deck)
    code, out, err = run(capsys, "slides", *SCENES, "-q", "l", "--out", tmp_path / "pdf", "--cache", cache,
                         "--format", "pdf")  # fmt: skip
    assert code == 0 and "7 slides from 2 scenes (0 rendered, 2 cached) in" in err, err
    assert (tmp_path / "pdf" / "slides.pdf").read_bytes() == (folder / "slides.pdf").read_bytes()


def page_pixels(pdf: Path, number: int) -> np.ndarray:
    with tempfile.TemporaryDirectory() as folder:
        subprocess.run(["pdftoppm", "-r", "40", "-png", "-f", str(number), "-l", str(number), str(pdf),
                        f"{folder}/page"], check=True)  # fmt: skip
        (image,) = Path(folder).glob("page*.png")
        return np.asarray(Image.open(image).convert("RGB"), dtype=float)


def test_a_handout_only_render_draws_the_pages_the_video_render_draws(deck, tmp_path, capsys):
    """The light handout of a dark deck comes from a handout-only render (animations skipped, no
    frame drawn, no video): drawn in the deck's own theme, its pages are the video render's."""
    folder, cache = deck
    handouts = sorted(cache.glob("scenes/*/*.pdf"))
    assert sorted(path.name for path in handouts) == ["ForwardPass.pdf", "LayerDiagram.pdf"]
    for handout in handouts:  # only pages and steps in its cache folder: no video, no poster
        steps = handout.with_suffix(".steps")
        assert sorted(p.name for p in steps.iterdir()) == ["handout.pdf", "steps.json"]
        assert not list(handout.parent.glob("*.mp4"))
    code, _, err = run(capsys, "slides", *SCENES, "-q", "l", "--out", tmp_path / "still", "--cache",
                       tmp_path / "cache", "--format", "pdf", "--handout-theme", "dark")  # fmt: skip
    assert code == 0 and "7 slides from 2 scenes (2 rendered, 0 cached) in" in err, err
    still, rendered = tmp_path / "still" / "slides.pdf", tmp_path / "rendered.pdf"
    code, _, err = run(capsys, "slides", *SCENES, "-q", "l", "--out", tmp_path / "video", "--cache", cache,
                       "--handout-theme", "dark")  # fmt: skip
    assert code == 0, err
    (tmp_path / "video" / "slides.pdf").rename(rendered)
    assert len(PdfReader(str(still)).pages) == len(PdfReader(str(rendered)).pages) == 7
    for number in range(1, 8):
        assert page_text(still, number) == page_text(rendered, number)
        assert mismatch(page_pixels(still, number), page_pixels(rendered, number)) < 0.005, number
