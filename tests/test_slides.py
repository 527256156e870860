"""`nnexplain slides`: real scenes rendered by manim, a real deck, read back by the real tools: a
headless Chromium with networking disabled walks the HTML deck with the keyboard, python-pptx reads
the PowerPoint file, pypdf and poppler read the handout.

Scenes used: LayerDiagram (four steps) and ForwardPass (three steps), at -q l.
"""

from __future__ import annotations

import json
import re
import shutil
import signal
import subprocess
import time
from pathlib import Path

import av
import numpy as np
import pytest
from PIL import Image
from pptx import Presentation
from pypdf import PdfReader

from scenes.production.narration_pass import narrated_scene
from scenes.production.steps import read_steps
from scenes.story.base import StoryScene
from scenes.story.catalog import STORY
from scenes.story.inputs import StoryConfig
from tests.cli_errors import assert_one_error_line
from tests.scene_rendering import render_last_frame, watch_copies
from tests.test_interrupts import hidden, nnexplain
from tests.test_render_cli import run

# pytest-xdist: the whole file on one worker (its module fixture builds one deck from an empty cache)
pytestmark = pytest.mark.xdist_group("slides")

SCENES = ["layer-diagram", "forward-pass"]
STORY_TITLE = "But what is a neural network?"
SHIPPED_SUBTITLE = "A 784-16-16-10 sigmoid network trained on MNIST"
STEPS = {"LayerDiagram": 4, "ForwardPass": 3}


def cached_steps(cache: Path, theme: str = "dark") -> dict[str, list[dict]]:
    """The steps of the scenes rendered in `theme`: the deck's (dark) or its handout's (light),
    told apart by their posters' brightness."""
    found = {}
    for folder in cache.glob("scenes/*/*.steps"):
        steps = read_steps(folder)
        if steps[0]["poster"] is None:  # a handout-only render's: pages, no videos
            continue
        poster = np.asarray(Image.open(steps[0]["poster"]).convert("L"), dtype=float)
        if (poster.mean() < 128) == (theme == "dark"):
            assert folder.stem not in found, f"{folder.stem} rendered twice in the {theme} theme"
            found[folder.stem] = steps
    return found


def last_frame(video: Path) -> np.ndarray:
    with av.open(str(video)) as container:
        *_, last = container.decode(video=0)
        return last.to_ndarray(format="rgb24")


def mismatch(a: np.ndarray, b: np.ndarray) -> float:
    """The share of pixels that differ by more than video coding does (edges, text, neurons)."""
    return float((np.abs(np.asarray(a, float) - np.asarray(b, float)).max(axis=2) > 48).mean())


def seconds(video: Path) -> float:
    with av.open(str(video)) as container:
        stream = container.streams.video[0]
        return sum(1 for _ in container.decode(video=0)) / float(stream.average_rate)


@pytest.mark.parametrize("entry", STORY, ids=[entry.name for entry in STORY])
def test_every_beat_is_told_in_steps_with_notes(entry, tmp_path, monkeypatch):
    plays_at_step = []
    original = StoryScene.step

    def counting(self, title, notes=""):
        plays_at_step.append(self.renderer.num_plays)
        return original(self, title, notes)

    monkeypatch.setattr(StoryScene, "step", counting)
    copied = watch_copies(monkeypatch)
    scene, _ = render_last_frame(entry.load(), tmp_path)
    assert len(scene.steps) >= 2 and plays_at_step[0] == 0  # the first step starts the beat
    assert all(a < b for a, b in zip(plays_at_step, plays_at_step[1:])), "a step without animation"
    assert plays_at_step[-1] < scene.renderer.num_plays
    titles = [step.title for step in scene.steps]
    assert len(set(titles)) == len(titles) and all(
        " " in title and not title[0].islower() for title in titles
    )
    assert all(len(step.notes.split()) >= 12 and step.notes.endswith(".") for step in scene.steps)
    assert copied and sum(copied) == 0, "a glyph's SVG source is copied with it (without_glyph_sources)"
    told = narrated_scene(entry, StoryConfig())  # what `narration` and `lesson --no-videos` read
    assert told.steps == scene.steps and told.chapter == scene.chapter


def test_each_step_is_a_section_whose_poster_is_its_last_frame(deck):
    _, cache = deck
    steps = cached_steps(cache)
    assert {name: len(found) for name, found in steps.items()} == STEPS
    for name, found in steps.items():
        assert all(step["title"] and len(step["notes"].split()) >= 8 for step in found)
        whole = next(cache.glob(f"scenes/*/{name}.mp4"))
        assert sum(seconds(step["video"]) for step in found) == pytest.approx(seconds(whole), abs=0.15)
        endings = [last_frame(step["video"]) for step in found]
        for number, step in enumerate(found):
            poster = np.asarray(Image.open(step["poster"]).convert("RGB"), dtype=float)
            distances = [mismatch(poster, ending) for ending in endings]
            others = distances[:number] + distances[number + 1 :]
            assert distances[number] < 0.01 and min(others) > 3 * distances[number], (name, distances)
    forward = [step["title"] for step in steps["ForwardPass"]]
    assert forward == ["The followed digit goes through", "Another digit", "One it gets wrong"]
    assert "but the label says" in steps["ForwardPass"][2]["notes"]


def test_a_second_run_renders_nothing_and_writes_the_same_deck(deck, capsys):
    folder, cache = deck
    before = (folder / "slides.html").read_bytes()
    code, out, err = run(capsys, "slides", *SCENES, "-q", "l", "--out", folder, "--cache", cache)
    assert code == 0 and "7 slides from 2 scenes (0 rendered, 2 cached)" in err
    assert out.split() == [str(folder / name) for name in ("slides.html", "slides_assets", "slides.pptx",
                                                            "slides.pdf")]  # fmt: skip
    assert (folder / "slides.html").read_bytes() == before
    assert hidden(folder) == []


def browser():
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = shutil.which("chromium") or "/usr/bin/chromium"
    for argument in ("--headless=new", "--no-sandbox", "--disable-gpu", "--window-size=1280,800",
                     "--autoplay-policy=no-user-gesture-required", "--mute-audio"):  # fmt: skip
        options.add_argument(argument)
    options.set_capability("goog:loggingPrefs", {"performance": "ALL"})
    driver = webdriver.Chrome(service=Service(shutil.which("chromedriver")), options=options)
    driver.execute_cdp_cmd("Network.enable", {})
    driver.execute_cdp_cmd(
        "Network.emulateNetworkConditions",
        {"offline": True, "latency": 0, "downloadThroughput": 0, "uploadThroughput": 0},
    )
    return driver


def screenshot_of_video(driver) -> np.ndarray:
    """What the page shows inside the video's box, as RGB."""
    from io import BytesIO

    box = driver.execute_script(
        "const r = document.getElementById('video').getBoundingClientRect();"
        "return [r.left, r.top, r.width, r.height, window.devicePixelRatio];"
    )
    left, top, width, height, ratio = (float(v) for v in box)
    shot = Image.open(BytesIO(driver.get_screenshot_as_png())).convert("RGB")
    crop = shot.crop(tuple(round(v * ratio) for v in (left, top, left + width, top + height)))
    return np.asarray(crop.resize((320, 180)), dtype=float)


def wait_for(driver, script: str, timeout: float = 60.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = driver.execute_script(script)
        if value:
            return value
        time.sleep(0.1)
    raise AssertionError(f"timed out waiting for: {script}")


def test_the_html_deck_plays_offline_in_a_real_browser(deck):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys

    folder, _ = deck
    page = (folder / "slides.html").read_text("utf-8")
    assert "http://" not in page and "https://" not in page
    slides = json.loads(page.split('id="deck-data">')[1].split("</script>")[0])
    assert len(slides) == 7 and all((folder / s["video"]).is_file() and (folder / s["poster"]).is_file()
                                    for s in slides)  # fmt: skip
    posters = [
        np.asarray(Image.open(folder / s["poster"]).convert("RGB").resize((320, 180)), dtype=float)
        for s in slides
    ]
    driver = browser()
    try:
        driver.get((folder / "slides.html").as_uri())
        # every step plays to its end at 16x speed (Chromium's fastest): what is checked is that each step
        # plays, ends and holds its last frame, not how long that takes
        driver.execute_script("document.getElementById('video').defaultPlaybackRate = 16")
        body = driver.find_element(By.TAG_NAME, "body")
        assert "start" in body.get_attribute("class")  # a title card until the first key
        assert driver.find_element(By.ID, "card-title").text == STORY_TITLE
        assert driver.find_element(By.ID, "card-subtitle").text == SHIPPED_SUBTITLE
        assert (
            driver.find_element(By.ID, "card").is_displayed()
            and driver.execute_script("return document.getElementById('video').getAttribute('src')") is None
        )
        for index in range(len(slides)):
            body.send_keys(Keys.ARROW_RIGHT if index % 2 else Keys.SPACE)
            wait_for(driver, f"return location.hash === '#{index + 1}'")
            wait_for(driver, "return document.getElementById('video').dataset.state === 'ended'")
            time.sleep(0.3)
            shown = screenshot_of_video(driver)
            distances = [mismatch(shown, poster) for poster in posters]
            others = distances[:index] + distances[index + 1 :]
            assert distances[index] < 0.01 and min(others) > 2 * distances[index], (index, distances)
        body.send_keys(Keys.ARROW_LEFT)  # back one step: held on that step's last frame
        wait_for(driver, f"return location.hash === '#{len(slides) - 1}'")
        time.sleep(0.5)
        assert driver.execute_script("return document.getElementById('video').dataset.state") == "held"
        assert mismatch(screenshot_of_video(driver), posters[-2]) < 0.01
        driver.execute_script("document.getElementById('video').defaultPlaybackRate = 1")  # real time again
        body.send_keys(Keys.HOME)
        wait_for(driver, "return location.hash === '#1'")
        body.send_keys(Keys.ARROW_RIGHT)  # step 2 plays ...
        wait_for(driver, "return document.getElementById('video').dataset.state === 'playing'")
        body.send_keys(Keys.ARROW_RIGHT)  # ... and a second press while it plays shows its end first
        time.sleep(0.5)
        state = driver.execute_script(
            "return [location.hash, document.getElementById('video').dataset.state]"
        )
        assert state == ["#2", "held"]
        assert mismatch(screenshot_of_video(driver), posters[1]) < 0.01
        driver.execute_script("location.hash = '#5'")  # an edited address opens that step, held
        wait_for(driver, "return document.getElementById('count').textContent.startsWith('5 /')")
        time.sleep(0.5)
        assert mismatch(screenshot_of_video(driver), posters[4]) < 0.01
        body.send_keys(Keys.ARROW_RIGHT)
        wait_for(driver, "return location.hash === '#6'")
        body.send_keys(Keys.ARROW_LEFT)  # back to step 5 for the notes below
        wait_for(driver, "return location.hash === '#5'")
        slides_shown = 5
        body.send_keys("s")  # the speaker notes view
        notes = driver.find_element(By.ID, "notes")
        assert notes.is_displayed() and slides[slides_shown - 1]["notes"] in notes.text
        assert f"Next: {slides[slides_shown]['title']}" in notes.text
        main_window = driver.current_window_handle
        body.send_keys("p")  # the presenter window follows the deck and steers it
        deadline = time.monotonic() + 10
        while len(driver.window_handles) < 2 and time.monotonic() < deadline:
            time.sleep(0.1)
        driver.switch_to.window(next(h for h in driver.window_handles if h != main_window))
        assert slides[slides_shown - 1]["notes"] in driver.find_element(By.TAG_NAME, "body").text
        driver.find_element(By.TAG_NAME, "body").send_keys(Keys.ARROW_RIGHT)
        title = slides[slides_shown]["title"]
        wait_for(driver, f"return document.getElementById('notes-title').textContent === {title!r}")
        driver.find_element(By.TAG_NAME, "body").send_keys("s")  # only the audience screen's own key
        driver.switch_to.window(main_window)
        wait_for(driver, f"return location.hash === '#{slides_shown + 1}'")
        assert "notes" in body.get_attribute("class")  # still open: S in the presenter window did nothing
        requests = [
            json.loads(entry["message"])["message"]["params"]["request"]["url"]
            for entry in driver.get_log("performance")
            if json.loads(entry["message"])["message"]["method"] == "Network.requestWillBeSent"
        ]
    finally:
        driver.quit()
    assert requests and all(url.startswith(folder.as_uri()) for url in requests), requests


def test_the_pptx_has_a_video_and_notes_per_step(deck):
    folder, cache = deck
    steps = [step for name in ("LayerDiagram", "ForwardPass") for step in cached_steps(cache)[name]]
    deck_file = Presentation(str(folder / "slides.pptx"))
    assert len(deck_file.slides) == len(steps) + 1 == 8  # a title slide, then one per step
    assert deck_file.slide_width / deck_file.slide_height == pytest.approx(16 / 9, abs=0.01)
    cover = [shape.text_frame.text for shape in deck_file.slides[0].shapes if shape.has_text_frame]
    assert cover == [STORY_TITLE, SHIPPED_SUBTITLE]
    for slide, step in zip(list(deck_file.slides)[1:], steps):
        assert slide.shapes.title.text == step["title"]
        assert slide.notes_slide.notes_text_frame.text == step["notes"]
        parts = {rel.reltype.rsplit("/", 1)[-1]: rel.target_part for rel in slide.part.rels.values()}
        assert parts["video"].blob == step["video"].read_bytes()
        assert parts["image"].blob == step["poster"].read_bytes()  # the poster frame


def test_the_pdf_handout_is_vector_with_a_page_per_step(deck, tmp_path):
    folder, _ = deck
    pdf = folder / "slides.pdf"
    reader = PdfReader(str(pdf))
    assert len(reader.pages) == 7
    assert [item.title for item in reader.outline][:2] == ["LayerDiagram: The input layer",
                                                          "LayerDiagram: The output layer"]  # fmt: skip
    text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    assert "One it gets wrong" in text and "but the label says" in text  # titles and notes are text
    listing = subprocess.run(["pdfimages", "-list", str(pdf)], capture_output=True, text=True, check=True)
    images = [line.split() for line in listing.stdout.splitlines()[2:]]
    pages = [int(row[0]) for row in images]
    assert pages == [5, 6, 7]  # only ForwardPass's digit grids: its three pages, one image each
    assert all(int(row[3]) % 28 == 0 and int(row[4]) % 28 == 0 for row in images)  # 28x28, enlarged
    subprocess.run(["pdftoppm", "-r", "40", "-png", "-f", "7", "-l", "7", str(pdf), str(tmp_path / "p")],
                   check=True)  # fmt: skip
    page = np.asarray(Image.open(next(tmp_path.glob("p*.png"))).convert("L"), dtype=float)
    assert page.mean() > 200 and page.std() > 20  # a white page, the light theme's frame drawn on it


def test_bad_output_folders_and_names_are_one_line(tmp_path, capsys):
    a_file = tmp_path / "notes.txt"
    a_file.write_text("keep me")
    code, stdout, err = run(capsys, "slides", "layer-diagram", "--out", a_file)
    assert_one_error_line(code, stdout, err, "is not a folder")
    assert a_file.read_text() == "keep me"
    code, stdout, err = run(capsys, "slides", "layer-diagrm", "--out", tmp_path / "deck")
    assert_one_error_line(code, stdout, err, "unknown scene", "layer-diagram")
    code, stdout, err = run(capsys, "slides", "layer-diagram", "--name", "../x", "--out", tmp_path / "deck")
    assert_one_error_line(code, stdout, err, "is not a deck name")
    for bad in ("week#1", " spaced", "a\nb", "x" * 201):
        code, stdout, err = run(capsys, "slides", "layer-diagram", "--name", bad, "--out", tmp_path / "deck")
        assert_one_error_line(code, stdout, err, "is not a deck name")
    (tmp_path / "deck").mkdir()
    (tmp_path / "deck" / "layer-diagram_assets").write_text("a file in the deck's way")
    code, stdout, err = run(
        capsys, "slides", "layer-diagram", "--out", tmp_path / "deck", "--cache", tmp_path / "c"
    )
    assert_one_error_line(code, stdout, err, "layer-diagram_assets is a file", "--name")
    assert sorted(p.name for p in (tmp_path / "deck").iterdir()) == ["layer-diagram_assets"]
    assert not (tmp_path / "c").exists()  # refused before rendering anything
    shutil.rmtree(tmp_path / "deck")
    code, stdout, err = run(capsys, "slides", "--out", tmp_path / "deck")
    assert_one_error_line(code, stdout, err, "--all")
    for bad in ("", "   ", "two\nlines", "t" * 201):
        code, stdout, err = run(capsys, "slides", "layer-diagram", "--title", bad, "--out", tmp_path / "deck")
        assert_one_error_line(code, stdout, err, "is not a title")
    code, stdout, err = run(capsys, "slides", "layer-diagram", "--out", "/proc/nnexplain-deck")
    assert_one_error_line(code, stdout, err, "cannot write to /proc/nnexplain-deck")
    assert not (tmp_path / "deck").exists()


def test_missing_latex_is_one_line_and_writes_no_deck(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("PATH", str(tmp_path))  # no latex, no dvisvgm (workers start from sys.executable)
    code, stdout, err = run(capsys, "slides", "weighted-sum", "-q", "l", "--out", tmp_path / "deck",
                       "--cache", tmp_path / "cache")  # fmt: skip
    assert_one_error_line(code, stdout, err, "WeightedSum failed", "latex", progress=True)
    assert list((tmp_path / "deck").iterdir()) == []


def test_an_interrupted_build_leaves_no_deck(tmp_path):
    out = tmp_path / "deck"
    process = nnexplain("slides", "layer-diagram", "forward-pass", "--out", out, "--cache", tmp_path / "c",
                        "-q", "l", cwd=tmp_path)  # fmt: skip
    deadline = time.monotonic() + 120
    while not list((tmp_path / "c").glob("scenes/*/.*")) and time.monotonic() < deadline:
        time.sleep(0.05)
    time.sleep(1.0)
    process.send_signal(signal.SIGINT)
    _, err = process.communicate(timeout=60)
    assert process.returncode == 130 and "interrupted" in err and "Traceback" not in err
    assert list(out.iterdir()) == [] and hidden(tmp_path) == []


def test_a_deck_takes_the_render_options(tmp_path, relu_784_32_10, capsys):
    """Another network, another digit, the light theme, one format: the handout shows that story."""
    code, out, _ = run(capsys, "slides", "edge-detector", "-q", "l", "--theme", "light", "--digit", "7",
                       "--weights", relu_784_32_10, "--format", "pdf", "--out", tmp_path / "deck",
                       "--cache", tmp_path / "cache")  # fmt: skip
    assert code == 0 and out.split() == [str(tmp_path / "deck" / "edge-detector.pdf")]
    assert sorted(p.name for p in (tmp_path / "deck").iterdir()) == ["edge-detector.pdf"]
    text = subprocess.run(["pdftotext", str(tmp_path / "deck" / "edge-detector.pdf"), "-"],
                          capture_output=True, text=True, check=True).stdout  # fmt: skip
    assert text.count("EdgeDetector · step") == 3
    z, a = re.search(
        r"z = (-?[\d.]+)\. The activation .* activation, (-?[\d.]+)\.", " ".join(text.split())
    ).groups()
    assert float(z) > 0 and float(a) == pytest.approx(float(z), abs=0.006)  # ReLU: a = z for z > 0
    subprocess.run(["pdftoppm", "-r", "30", "-png", "-f", "1", "-l", "1", str(tmp_path / "deck" /
                    "edge-detector.pdf"), str(tmp_path / "p")], check=True)  # fmt: skip
    page = np.asarray(Image.open(next(tmp_path.glob("p*.png"))).convert("L"), dtype=float)
    assert page.mean() > 230  # the light theme: a white frame on a white page
    metadata = PdfReader(str(tmp_path / "deck" / "edge-detector.pdf")).metadata
    assert metadata.title == STORY_TITLE  # still MNIST's digits
    assert metadata.subject == "A 784-32-10 ReLU network trained on MNIST"


def test_a_cached_video_without_its_steps_is_rendered_again(deck, capsys):
    folder, cache = deck
    steps = next(p for p in cache.glob("scenes/*/LayerDiagram.steps") if p.with_suffix(".mp4").is_file())
    shutil.rmtree(steps)  # as a crash between the two renames, or a user's clean-up, would leave it
    code, stdout, err = run(capsys, "slides", *SCENES, "-q", "l", "--out", folder, "--cache", cache)
    assert code == 0 and "(1 rendered, 1 cached)" in err
    assert (steps / "steps.json").is_file() and len(read_steps(steps)) == STEPS["LayerDiagram"]
