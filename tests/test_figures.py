"""`nnexplain figure`: PNG at any width, transparent backgrounds, true vector SVG and PDF, --at times.

Scenes used: ThisIsAThree (pixel grids, text, a gradient bar) and LayerDiagram (hundreds of edges).
"""

from __future__ import annotations

import re
import subprocess
import sys
import xml.etree.ElementTree as ET
import zlib
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from scenes.cli import main
from scenes.mobjects.theme import DARK, LIGHT
from scenes.production.figure import typeset_folder
from scenes.production.narration_pass import narrated_scene
from scenes.story.catalog import find
from scenes.story.inputs import StoryConfig
from tests.cli_errors import assert_one_error_line

# pytest-xdist: the whole file on one worker (its module fixture renders a figure once)
pytestmark = pytest.mark.xdist_group("figures")

SVG = "{http://www.w3.org/2000/svg}"


def figure(capsys, *args) -> tuple[int, str, str]:
    """`nnexplain figure ARGS` in-process: (exit status, stdout, stderr)."""
    code = main(["figure", *map(str, args)])
    return code, *capsys.readouterr()


def rgba(path: Path) -> np.ndarray:
    return np.asarray(Image.open(path).convert("RGBA")).astype(int)


def hex_rgb(colour: str) -> list[int]:
    return [int(colour[i : i + 2], 16) for i in (1, 3, 5)]


def pdf_to_png(pdf: Path, dpi: int) -> np.ndarray:
    prefix = pdf.with_name(f"{pdf.stem}-{dpi}")
    subprocess.run(["pdftoppm", "-png", "-r", str(dpi), "-singlefile", str(pdf), str(prefix)], check=True)
    return rgba(prefix.with_suffix(".png"))


@pytest.fixture(scope="module")
def light_png(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("fig") / "three.png"
    assert main(["figure", "ThisIsAThree", "--theme", "light", "--width", "842", "--out", str(out)]) == 0
    return out


def test_png_at_the_requested_width_with_the_theme_background(light_png, capsys, tmp_path):
    image = rgba(light_png)
    assert image.shape == (474, 842, 4)
    assert image[0, 0, :3].tolist() == hex_rgb(LIGHT.background) and image[0, 0, 3] == 255
    assert (image[..., :3].sum(axis=2) < 100).mean() > 0.02  # dark ink: the digit and the text
    code, _, _ = figure(capsys, "this-is-a-three", "--width", "320", "--out", tmp_path / "small.png")
    small = rgba(tmp_path / "small.png")
    assert code == 0 and small.shape == (180, 320, 4)
    assert small[-1, -1, :3].tolist() == hex_rgb(DARK.background)


def test_transparent_png_has_clear_corners_and_opaque_content(capsys, tmp_path):
    out = tmp_path / "clear.png"
    code, stdout, err = figure(capsys, "ThisIsAThree", "--transparent", "--width", "480", "--out", out)
    image = rgba(out)
    assert code == 0, err
    assert all(image[row, col, 3] == 0 for row, col in [(0, 0), (0, -1), (-1, 0), (-1, -1)])
    assert (image[..., 3] == 255).mean() > 0.05


def test_svg_is_vector_paths_with_the_pixel_grids_as_images(capsys, tmp_path):
    out = tmp_path / "three.svg"
    code, stdout, err = figure(capsys, "ThisIsAThree", "--theme", "light", "--out", out)
    assert code == 0, err
    root = ET.parse(out).getroot()
    assert root.tag == f"{SVG}svg" and root.get("viewBox") == "0 0 842 474"
    assert len(list(root.iter(f"{SVG}path"))) > 100  # glyphs, outlines, connectors: all paths
    assert len(list(root.iter(f"{SVG}image"))) >= 2  # the digit and the zoomed pixels
    assert "data:image/png;base64" in out.read_text()


def test_pdf_is_vector_and_draws_what_the_png_shows(light_png, capsys, tmp_path):
    out = tmp_path / "three.pdf"
    code, stdout, err = figure(capsys, "ThisIsAThree", "--theme", "light", "--format", "pdf", "--out", out)
    assert code == 0, err
    data = out.read_bytes()
    assert data.startswith(b"%PDF")
    streams = [
        zlib.decompress(match)
        for match in re.findall(rb"/FlateDecode.*?stream\r?\n(.*?)endstream", data, flags=re.S)
        if match
    ]
    operators = b"\n".join(streams)
    assert len(re.findall(rb"\d c\s", operators)) > 200  # cubic Bezier curves: outlines of glyphs and shapes
    assert b"/Image" in data or b"/Subtype /Image" in data
    at_72, at_144 = pdf_to_png(out, 72), pdf_to_png(out, 144)
    assert at_72.shape[:2] == (474, 842) and at_144.shape[:2] == (948, 1684)
    # the vector page rasterised at 72 dpi is the same picture as the PNG drawn by manim at 842 px
    assert np.abs(at_72[..., :3] - rgba(light_png)[..., :3]).mean() < 6


def test_network_diagram_pdf_is_mostly_vector_lines(capsys, tmp_path):
    out = tmp_path / "diagram.svg"
    code, stdout, err = figure(capsys, "layer-diagram", "--theme", "light", "--out", out)
    assert code == 0, err
    assert len(list(ET.parse(out).getroot().iter(f"{SVG}path"))) > 500


def test_at_picks_the_moment_inside_an_animation(light_png, capsys, tmp_path):
    def inked(image):  # share of pixels that are not the white page
        return (np.abs(image[..., :3] - 255).max(axis=2) > 30).mean()

    images = {}
    for at in ("0", "0.7"):
        out = tmp_path / f"at-{at}.png"
        code, stdout, err = figure(
            capsys, "ThisIsAThree", "--theme", "light", "--width", "842", "--at", at, "--out", out
        )
        assert code == 0, err
        images[at] = rgba(out)
    last = rgba(light_png)
    assert inked(images["0"]) == 0  # the first animation has not started drawing yet
    assert 0.005 < inked(images["0.7"]) < inked(last)  # part-way through the first fade-in
    assert np.abs(images["0.7"] - last).mean() > 5


@pytest.mark.parametrize(
    "args, fragment",
    [
        (["ThisIsAThree", "--at", "999"], "past the end of ThisIsAThree"),
        (["ThisIsAThree", "--at", "soon"], "'soon' is not a time"),
        (["ThisIsAThree", "--at", "-1"], "0 or more seconds"),
        (["ThisIsAThre"], "did you mean ThisIsAThree"),
        (["ThisIsAThree", "--format", "gif"], "'gif' is not one of"),
    ],
)
def test_figure_errors_leave_no_file(args, fragment, capsys, tmp_path):
    out = tmp_path / "figure.png"
    code, stdout, err = figure(capsys, *args, "--out", out)
    assert_one_error_line(code, stdout, err, fragment)
    assert list(tmp_path.iterdir()) == []


def test_figure_into_a_directory_or_past_a_file_fails(capsys, tmp_path):
    code, stdout, err = figure(capsys, "ThisIsAThree", "--out", tmp_path)
    assert_one_error_line(code, stdout, err, "directory")
    (tmp_path / "blocker").write_text("x")
    code, stdout, err = figure(capsys, "ThisIsAThree", "--out", tmp_path / "blocker" / "three.png")
    assert_one_error_line(code, stdout, err, "nnexplain: error: cannot write to")


def test_missing_latex_in_a_figure_is_one_line(capsys, tmp_path, monkeypatch):
    monkeypatch.setenv("PATH", str(tmp_path))
    code, stdout, err = figure(capsys, "WeightedSum", "--out", tmp_path / "sum.pdf")
    assert code != 0 and err.count("\n") == 1 and "need latex" in err
    assert not (tmp_path / "sum.pdf").exists()


def test_a_process_typesets_each_formula_once_in_a_folder_of_its_own(monkeypatch):
    """Narration passes and figures typeset in this process's folder: a second pass over a beat runs
    no LaTeX, and every formula and label it shows is a file of that folder (texts by frame width:
    Pango lays a label out for it). A failed run drops the folder (a file may be half-written). A
    forked child gets a folder of its own, and only the process that made a folder removes it."""
    from manim.mobject.text import numbers
    from manim.utils import tex_file_writing

    # Manim keeps each number's glyphs once per process (DecimalNumber's string_to_mob_map), naming
    # the file of whichever folder first typeset them: one an earlier test dropped, say
    monkeypatch.setattr(numbers, "string_to_mob_map", {})
    narrated_scene(find("bias-and-sigmoid"), StoryConfig())  # formulas, tick numbers and labels
    compiled = []
    original = tex_file_writing.compile_tex
    counting = lambda *args, **kwargs: compiled.append(args) or original(*args, **kwargs)  # noqa: E731
    monkeypatch.setattr(tex_file_writing, "compile_tex", counting)
    scene = narrated_scene(find("bias-and-sigmoid"), StoryConfig())
    assert compiled == [] and scene.steps  # LaTeX did not run again
    files = {Path(part.file_name) for mobject in scene.mobjects for part in mobject.get_family()
             if getattr(part, "file_name", None)}  # fmt: skip
    folder = typeset_folder()
    assert {path.parent for path in files} == {folder / "Tex", folder / "texts-320"}
    beat = find("weighted-sum")
    monkeypatch.setattr(beat.load(), "construct", lambda self: 1 / 0)  # a run cut off half-way
    with pytest.raises(ZeroDivisionError):
        narrated_scene(beat, StoryConfig())
    assert not folder.exists() and typeset_folder() != folder
    done = subprocess.run([sys.executable, "-c", FORKED], cwd=Path(__file__).resolve().parents[1],
                          capture_output=True, text=True, check=True)  # fmt: skip
    child, parent, parent_kept = done.stdout.splitlines()
    assert parent != child and parent_kept == "True"  # the child's exit removed its own folder only
    assert not Path(parent).exists() and not Path(child).exists()  # each removed at its own exit


FORKED = """
import os, sys
from scenes.production.figure import typeset_folder
parent = typeset_folder()
pid = os.fork()
if pid == 0:
    print(typeset_folder(), flush=True)
    sys.exit(0)
os.waitpid(pid, 0)
print(parent)
print(parent.is_dir())
"""
