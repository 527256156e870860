"""`nnexplain lesson`: the story as one offline page, built as a user builds it and read back by an
HTML parser, numpy (the weights file itself) and PyAV (the videos). The widgets in a real browser:
tests/test_lesson_browser.py.

Builds: the shipped network without videos (the whole story, once per module), two beats with
videos at -q l (a cold and a warm cache), the imported PyTorch 784-128-64-10 and the 8x8 digits.
"""

from __future__ import annotations

import base64
import json
import time
from html.parser import HTMLParser
from pathlib import Path

import av
import numpy as np
import pytest

from network.data import SAMPLE_PATH
from network.weights_file import DEFAULT_WEIGHTS
from scenes.cli import main
from scenes.production import lesson_content as content_module
from scenes.production.lesson import build_lesson, lesson_data
from scenes.production.render import QUALITIES, plan_renders
from scenes.story.catalog import STORY, find
from scenes.story.inputs import StoryConfig
from tests.cli_errors import assert_one_error_line
from tests.test_interrupts import hidden
from tests.test_render_cli import run

# The module's lesson builds are shared: one worker builds them once
pytestmark = pytest.mark.xdist_group("lesson")

MB = 1024 * 1024
WIDGET_BEATS = {  # each widget's section sits inside this beat's section
    "draw": "this-is-a-three",
    "network": "forward-pass",
    "neuron": "bias-and-sigmoid",
    "matrix": "matrix-vector-notation",
    "samples": "network-as-function",
}
# one sentence of each beat's narration for the shipped network, as the story tells it
SENTENCES = {
    "ThisIsAThree": "To the network, the digit is nothing but these 784 numbers.",
    "PixelsToInputLayer": "Its 28 rows of pixels are laid end to end into one column of 784 input neurons: "
    "pixel (r, c) becomes neuron 28r + c.",
    "LayerDiagram": "In between are 2 hidden layers of 16 and 16 neurons.",
    "ForwardPass": "The brightest output is 4, at 48%, but the label says 6.",
    "WhyLayers": "Why layers at all?",
    "WhatNeuronsRespondTo": "What does one neuron of hidden layer 2 respond to?",
    "DesignedEdgeDetector": "This digit has ink on the stripe and little around it: its sum is 8.06.",
    "EdgeDetector": "Add up all 784 pushes and the bias: z = 12.55.",
    "AllHiddenWeights": "Instead they look like blotches.",
    "WeightedSum": "all 16 of them add up to -0.46.",
    "BiasAndSigmoid": "The activation ends at 0.586.",
    "ParameterCount": "Every neuron after the input has its own bias: 42 more numbers.",
    "LearningOverEpochs": "After 30 epochs it reads 95.9% of the test digits right",
    "MatrixVectorNotation": "The whole layer fits in one short line, and code that multiplies matrices fast"
    " makes the network fast.",
    "NetworkAsFunction": "it takes 784 numbers and gives 10, with 13,002 parameters inside.",
    "ReLUvsSigmoid": "Modern networks prefer ReLU: its slope is 1 for every positive input",
}


class Page(HTMLParser):
    """What a test reads from a page: every URL attribute, the headings, the sections' nesting,
    the text and the data JSON."""

    URL_ATTRIBUTES = {"src", "href", "xlink:href", "poster", "srcset", "action", "data", "formaction"}

    def __init__(self, text: str):
        super().__init__(convert_charrefs=True)
        self.urls, self.headings, self.sections, self.videos = [], {}, [], []
        self.widgets_in, self.text, self.data_text = {}, [], ""
        self._stack, self._heading, self._in_data = [], None, False
        self.feed(text)

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        self.urls += [value for name, value in attrs.items() if name in self.URL_ATTRIBUTES and value]
        if tag == "video":
            self.videos.append(attrs)
        if tag == "section":
            self._stack.append(attrs.get("id") or "")
            if attrs.get("data-widget"):
                self.widgets_in[attrs["data-widget"]] = [s for s in self._stack[:-1] if s]
        if tag in ("h1", "h2", "h3"):
            self._heading = (tag, attrs.get("id"))
            self.headings[self._heading] = ""
        self._in_data = tag == "script" and attrs.get("id") == "nnexplain-data"

    def handle_endtag(self, tag):
        if tag == "section" and self._stack:
            self._stack.pop()
        if tag in ("h1", "h2", "h3"):
            self._heading = None
        self._in_data = False

    def handle_data(self, data):
        if self._in_data:
            self.data_text += data
            return
        if self._heading:
            self.headings[self._heading] += data
        self.text.append(data)

    @property
    def data(self) -> dict:
        return json.loads(self.data_text)

    @property
    def words(self) -> str:
        return " ".join(" ".join(self.text).split())


def assert_offline(page: Page) -> None:
    """Every URL in the page is a relative path, a data: URL or a #fragment."""
    for url in page.urls:
        relative = not (":" in url.split("/")[0] or url.startswith(("/", "\\")))
        assert url.startswith(("data:", "#")) or relative, url


def decoded(layer: dict, key: str) -> np.ndarray:
    return np.frombuffer(base64.b64decode(layer[key]), dtype="<f8")


@pytest.fixture(scope="module")
def shipped(tmp_path_factory):
    """The shipped network's lesson without videos, through the command, into a folder that already
    holds a file of the user's: (folder, the page read, seconds)."""
    root = tmp_path_factory.mktemp("lesson")
    (root / "out").mkdir()
    (root / "out" / "mine.txt").write_text("the user's own file")
    start = time.monotonic()
    code = main(["lesson", "--no-videos", "--out", str(root / "out"), "--cache", str(root / "cache")])
    seconds = time.monotonic() - start
    assert code == 0
    return root / "out", Page((root / "out" / "index.html").read_text("utf-8")), seconds


def test_the_shipped_page_is_one_small_offline_file_beside_the_users_own(shipped):
    folder, page, seconds = shipped
    size = (folder / "index.html").stat().st_size
    print(f"\nshipped network, --no-videos: index.html {size / MB:.2f} MB, built in {seconds:.1f} s")
    assert size <= 3 * MB
    assert sorted(path.name for path in folder.iterdir()) == ["index.html", "mine.txt"]
    assert (folder / "mine.txt").read_text() == "the user's own file"
    assert hidden(folder.parent) == []
    assert page.urls and page.videos == []
    assert_offline(page)
    text = (folder / "index.html").read_text("utf-8")
    for external in ("<link", "@import", "url(", "fetch(", "XMLHttpRequest", "import("):
        assert external not in text, external


def test_the_pages_data_is_exactly_the_weights_file_and_the_shipped_sample(shipped):
    data = shipped[1].data
    with np.load(DEFAULT_WEIGHTS, allow_pickle=False) as arrays:
        layers = [(arrays[f"W{n}"], arrays[f"b{n}"]) for n in (1, 2, 3)]
    assert (data["sizes"], data["side"], data["activation"]) == ([784, 16, 16, 10], 28, "sigmoid")
    assert data["preprocessing"] is None and data["classes"] == list("0123456789")
    assert len(data["layers"]) == 3
    for layer, (W, b) in zip(data["layers"], layers):
        assert np.array_equal(decoded(layer, "weights").reshape(W.shape), W.astype(np.float64))
        assert np.array_equal(decoded(layer, "biases"), b.astype(np.float64))
    with np.load(SAMPLE_PATH, allow_pickle=False) as sample:
        images, labels = sample["images"].reshape(1000, 784), sample["labels"]
    shown = np.frombuffer(base64.b64decode(data["sample"]["images"]), dtype=np.uint8).reshape(-1, 784)
    assert np.array_equal(shown, images) and data["sample"]["labels"] == labels.tolist()
    assert data["start"] == 32 and data["title"] == "But what is a neural network?"


def test_every_beat_has_its_heading_its_narration_and_a_contents_entry(shipped):
    page = shipped[1]
    headings = {anchor: text for (tag, anchor), text in page.headings.items() if tag == "h2"}
    for entry in STORY:
        anchor = f"beat-{entry.kebab}-h"
        assert anchor in headings, anchor
        assert entry.load().chapter in headings[anchor]
        assert f"#beat-{entry.kebab}" in page.urls  # the table of contents links to it
        assert SENTENCES[entry.name] in page.words, entry.name
    assert ("h1", None) in page.headings and "But what is a neural network?" in page.headings[("h1", None)]


def test_the_five_widgets_sit_in_their_beats(shipped):
    page = shipped[1]
    assert {name: stack[-1] for name, stack in page.widgets_in.items()} == {
        name: f"beat-{beat}" for name, beat in WIDGET_BEATS.items()
    }


def test_the_formulas_are_inline_svg_typeset_by_latex(shipped):
    folder, page, _ = shipped
    text = (folder / "index.html").read_text("utf-8")
    section = text[
        text.index('id="beat-matrix-vector-notation"') : text.index('id="beat-network-as-function"')
    ]
    assert section.count('<div class="formula"') == 2 and section.count("<svg") == 2
    assert "0.03" in section  # the real W1[0, 0], as the video writes it (in the label)
    assert "<path" in section and "<img" not in section
    # typeset in the building process's own folder: nothing in the render cache two builds may share
    assert not list(folder.parent.joinpath("cache").rglob("*.tex"))


def test_the_videos_are_files_that_decode_and_a_second_build_renders_nothing(tmp_path):
    entries = [find("this-is-a-three"), find("layer-diagram")]
    cache, out, heard = tmp_path / "cache", tmp_path / "out", []
    options = dict(videos=True, quality="l", media_dir=cache, entries=entries, progress=heard.append)
    start = time.monotonic()
    build_lesson(DEFAULT_WEIGHTS, out, **options)
    cold = time.monotonic() - start
    heard.clear()
    start = time.monotonic()
    page_path = build_lesson(DEFAULT_WEIGHTS, out, **options)
    warm = time.monotonic() - start
    assets = sorted((out / "assets").iterdir())
    size = sum(path.stat().st_size for path in assets)
    print(f"\n2 beats at -q l: cold {cold:.1f} s, warm {warm:.1f} s; assets {size / MB:.2f} MB")
    assert heard and all(line.split()[-1] == "cached" for line in heard), heard
    assert warm < 30
    # without videos, the prose of beats in the cache is read from it, in no time
    start = time.monotonic()
    build_lesson(DEFAULT_WEIGHTS, tmp_path / "words", videos=False, media_dir=cache, entries=entries)
    print(f"the same without videos from the warm cache: {time.monotonic() - start:.1f} s")
    assert (tmp_path / "words" / "index.html").read_text("utf-8").count('class="step"') == 6
    paths = [result.path for result in plan_renders(entries, StoryConfig(), QUALITIES["l"], cache)]
    assert sorted(paths) == sorted(
        cache.resolve().glob("scenes/*/*.mp4")
    )  # the renders the prose was read from
    page = Page(page_path.read_text("utf-8"))
    assert_offline(page)
    assert len(page.videos) == 2 + 4  # ThisIsAThree's two steps, LayerDiagram's four
    for video in page.videos:
        for key in ("src", "poster"):
            assert video[key].startswith("assets/") and (out / video[key]).is_file()
        with av.open(str(out / video["src"])) as container:
            frames = [frame.to_ndarray(format="rgb24") for frame in container.decode(video=0)]
        assert len(frames) > 5 and frames[-1].shape == (480, 854, 3)
    assert len(assets) == 12 and "base64" not in page_path.read_text("utf-8").split("nnexplain-data")[0]
    assert hidden(tmp_path) == []


def test_an_imported_normalised_network_keeps_its_preprocessing(torch_import, tmp_path, capsys):
    data = lesson_data(torch_import)
    assert data["preprocessing"] == {"mean": 0.1307, "std": 0.3081}
    assert (data["sizes"], data["activation"]) == ([784, 128, 64, 10], "relu")
    with np.load(torch_import, allow_pickle=False) as arrays:
        for n, layer in enumerate(data["layers"], start=1):
            W = arrays[f"W{n}"]
            assert np.array_equal(decoded(layer, "weights").reshape(W.shape), W.astype(np.float64))
    options = ["--title", "Imported", "--theme", "light", "--out", tmp_path / "page"]
    options += ["--cache", tmp_path / "cache"]
    code, stdout, err = run(capsys, "lesson", "--weights", torch_import, "--no-videos", *options)
    assert code == 0, err
    page_path = tmp_path / "page" / "index.html"
    size = page_path.stat().st_size
    print(f"\nimported 784-128-64-10 ReLU, --no-videos: index.html {size / MB:.2f} MB")
    assert size <= 3 * MB
    page = Page(page_path.read_text("utf-8"))
    assert page.data["preprocessing"] == {"mean": 0.1307, "std": 0.3081} and page.data["title"] == "Imported"
    assert '<body class="theme-light">' in page_path.read_text("utf-8")
    assert "leaving out LearningOverEpochs" in err  # no training history came with the import
    assert ("h2", "beat-learning-over-epochs-h") not in page.headings


def test_the_8x8_digits_make_a_lesson_of_their_own(digits8_weights, tmp_path):
    entries = [find(name) for name in ("this-is-a-three", "parameter-count", "matrix-vector-notation")]
    page_path = build_lesson(digits8_weights, tmp_path / "page", videos=False, media_dir=tmp_path / "cache",
                             entries=entries)  # fmt: skip
    page = Page(page_path.read_text("utf-8"))
    data = page.data
    assert (
        data["side"] == 8
        and data["sizes"][0] == 64
        and data["title"] == "What a neural network sees in digits8x8"
    )
    with np.load(digits8_weights, allow_pickle=False) as arrays:
        stored = arrays["sample_images"].reshape(len(arrays["sample_images"]), 64)
    shown = np.frombuffer(base64.b64decode(data["sample"]["images"]), dtype=np.uint8).reshape(-1, 64)
    assert np.array_equal(shown, stored)
    assert [anchor for tag, anchor in page.headings if tag == "h2" and anchor != "toc-h"] == [
        "beat-this-is-a-three-h", "beat-parameter-count-h", "beat-matrix-vector-notation-h",
    ]  # fmt: skip
    assert "8 by 8 pixels" in page.words
    assert "data-widget" in page_path.read_text("utf-8")


def assert_nothing_written(tmp_path: Path, *kept: str) -> None:
    assert sorted(path.name for path in tmp_path.iterdir()) == sorted(kept)
    assert hidden(tmp_path) == []


def test_unknown_weights_are_one_line_and_write_nothing(tmp_path, capsys):
    code, stdout, err = run(capsys, "lesson", "--weights", tmp_path / "nope.npz", "--out", tmp_path / "page",
                       "--no-videos")  # fmt: skip
    assert_one_error_line(code, stdout, err, "nope.npz")
    assert_nothing_written(tmp_path)


def test_an_output_that_is_a_file_is_one_line_and_left_alone(tmp_path, capsys):
    (tmp_path / "page").write_text("mine")
    code, stdout, err = run(capsys, "lesson", "--out", tmp_path / "page", "--no-videos")
    assert_one_error_line(code, stdout, err, "page")
    assert (tmp_path / "page").read_text() == "mine"
    (tmp_path / "folder" / "index.html").mkdir(parents=True)
    code, stdout, err = run(capsys, "lesson", "--out", tmp_path / "folder", "--no-videos")
    assert_one_error_line(code, stdout, err, "index.html", "folder")
    assert_nothing_written(tmp_path, "page", "folder")


def test_an_unwritable_output_is_one_line(tmp_path, capsys):
    code, stdout, err = run(capsys, "lesson", "--out", "/proc/nnexplain-lesson", "--no-videos",
                       "--cache", tmp_path / "cache")  # fmt: skip
    assert_one_error_line(code, stdout, err, "/proc")
    assert not Path("/proc/nnexplain-lesson").exists()
    (tmp_path / "file").write_text("mine")
    code, stdout, err = run(capsys, "lesson", "--out", tmp_path / "file" / "page", "--no-videos",
                       "--cache", tmp_path / "cache")  # fmt: skip
    assert_one_error_line(code, stdout, err, "file is a file, not a folder")
    assert (tmp_path / "file").read_text() == "mine" and hidden(tmp_path) == []


def test_networks_the_page_cannot_show_are_one_line(tmp_path, capsys):
    from network.model import MLP
    from network.weights_file import save_weights

    rng = np.random.default_rng(0)
    for sizes, words in (((784, 10), "hidden layer"), ((784, 400, 10), "too many")):
        count = sum(a * b + b for a, b in zip(sizes, sizes[1:]))
        model = MLP(sizes, "sigmoid", rng.normal(0, 0.1, count).astype(np.float32))
        save_weights(model, tmp_path / "net.npz", {})
        argv = ["--weights", tmp_path / "net.npz", "--out", tmp_path / "page", "--no-videos"]
        code, stdout, err = run(capsys, "lesson", *argv, "--cache", tmp_path / "cache")
        assert_one_error_line(code, stdout, err, words)
        assert not (tmp_path / "page").exists() and hidden(tmp_path) == []


def test_a_build_that_fails_half_way_leaves_nothing_behind(tmp_path, monkeypatch):
    out = tmp_path / "page"
    out.mkdir()
    (out / "index.html").write_text("the last lesson")

    def failing(config, assets, **options):
        assets.mkdir(parents=True)
        (assets / "01-ThisIsAThree-1.mp4").write_bytes(b"half")
        raise KeyboardInterrupt

    monkeypatch.setattr(content_module, "lesson_content", failing)
    with pytest.raises(KeyboardInterrupt):
        build_lesson(DEFAULT_WEIGHTS, out, videos=True, media_dir=tmp_path / "cache")
    assert sorted(path.name for path in out.iterdir()) == ["index.html"]
    assert (out / "index.html").read_text() == "the last lesson"
    assert hidden(tmp_path) == []
    with pytest.raises(KeyboardInterrupt):  # nor the folders it made on the way to a new one
        build_lesson(DEFAULT_WEIGHTS, tmp_path / "new" / "deeper" / "page", media_dir=tmp_path / "cache")
    assert sorted(path.name for path in tmp_path.iterdir()) == ["page"]


def test_formulas_stopped_half_way_drop_the_process_typeset_folder(tmp_path, monkeypatch):
    """Ctrl-C while a formula is typeset may leave its SVG cut off: the folder is dropped, and the next
    build typesets in a new one."""
    from scenes.production.figure import typeset_folder

    typeset = content_module.formula_html

    def interrupted(formulas, first):
        typeset(formulas, first)  # the beat's formulas typeset, then Ctrl-C
        raise KeyboardInterrupt

    monkeypatch.setattr(content_module, "formula_html", interrupted)
    with pytest.raises(KeyboardInterrupt):
        build_lesson(DEFAULT_WEIGHTS, tmp_path / "page", videos=False, media_dir=tmp_path / "cache",
                     entries=[find("weighted-sum")])  # fmt: skip
    folder = typeset_folder()
    assert not list(folder.rglob("*.svg"))  # a new folder: nothing of the interrupted build
    monkeypatch.setattr(content_module, "formula_html", typeset)
    build_lesson(DEFAULT_WEIGHTS, tmp_path / "page", videos=False, media_dir=tmp_path / "cache",
                 entries=[find("weighted-sum")])  # fmt: skip
    assert list(folder.rglob("*.svg")) and "<svg" in (tmp_path / "page" / "index.html").read_text("utf-8")


def test_the_page_starts_from_the_followed_digit_or_the_users_image(tmp_path, mnist_dir, dataset):
    from PIL import Image, ImageDraw

    from network.images import load_digit_image

    assert lesson_data(DEFAULT_WEIGHTS, digit=7)["start"] == 7
    far = lesson_data(DEFAULT_WEIGHTS, digit=5000, data_dir=mnist_dir)
    assert far["start"] == -1
    np.testing.assert_array_equal(np.float32(far["start_pixels"]), dataset.test_images[5000])
    paper = Image.new("L", (120, 160), 255)
    ImageDraw.Draw(paper).line([(60, 20), (62, 140)], fill=0, width=12)
    paper.save(tmp_path / "one.png")
    own = lesson_data(DEFAULT_WEIGHTS, image=tmp_path / "one.png")
    assert own["start"] == -1
    np.testing.assert_array_equal(np.float32(own["start_pixels"]), load_digit_image(tmp_path / "one.png"))
