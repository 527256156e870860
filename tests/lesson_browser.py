"""What the lesson page's browser tests share: Debian chromium + chromedriver via selenium (set up as
the deck's tests do, tests.test_slides.browser) with every request but file: and data: blocked and
console errors collected, the lesson page of a network built by the builder's own page_html and
lesson_data, pointer-drawn strokes, and network's own numbers to compare with."""

from __future__ import annotations

import json
import time
from pathlib import Path

import numpy as np
import pytest

from network.preprocessing import Preprocessing
from network.weights_file import load_weights
from scenes.production.lesson import lesson_data, page_html
from tests.test_slides import browser

__all__ = [
    "SEVEN", "VERTICAL", "WIDGETS", "assert_offline_and_clean", "draw", "driver", "float64_pass",
    "next_frame", "numpy_pass", "open_page", "pad_raster", "pages", "scaled", "shown_activations",
]  # fmt: skip

SEVEN = [[(70, 62), (100, 60), (130, 59), (160, 58), (190, 58), (212, 60), (206, 80), (194, 104),
          (182, 130), (170, 158), (160, 184), (150, 212), (142, 236)],
         [(120, 146), (150, 145), (186, 144)]]  # fmt: skip
WIDGETS = ("draw", "network", "neuron", "samples", "matrix")
VERTICAL = [[(140, 50), (140, 90), (141, 130), (141, 170), (140, 210), (140, 240)]]
BLOCKED = ["http:*", "https:*", "ws:*", "wss:*", "ftp:*", "blob:*", "chrome-extension:*", "filesystem:*"]
ERRORS = """window.__errors = [];
window.addEventListener('error', function (e) { window.__errors.push(String(e.message)); });
var original = console.error;
console.error = function () {
  window.__errors.push([].join.call(arguments, ' '));
  original.apply(console, arguments);
};"""


@pytest.fixture(scope="module")
def driver():
    driver = browser()
    driver.execute_cdp_cmd("Network.setBlockedURLs", {"urls": BLOCKED})
    driver.execute_cdp_cmd("Page.addScriptToEvaluateOnNewDocument", {"source": ERRORS})
    yield driver
    driver.quit()


@pytest.fixture(scope="module")
def pages(tmp_path_factory):
    """The lesson page of each network, built once by the builder's own page_html and lesson_data:
    pages(weights, theme) -> its index.html, with all five widgets between lines of prose (the
    story's prose and stills are test_lesson.py's; rendering them for every network here would
    take minutes)."""
    built: dict = {}
    prose = "".join(f"<h2>{name}</h2><p>Prose.</p><!--widget:{name}-->" for name in WIDGETS)

    def page(weights: Path, theme: str = "dark") -> Path:
        if (weights, theme) not in built:
            index = tmp_path_factory.mktemp("lesson") / "index.html"
            index.write_text(page_html(lesson_data(Path(weights)), prose, title="Lesson", theme=theme))
            built[weights, theme] = index
        return built[weights, theme]

    return page


def open_page(driver, index: Path, width: int = 1280, height: int = 900):
    driver.set_window_size(width, height)
    driver.get_log("performance")  # forget earlier pages' requests
    driver.get(index.resolve().as_uri())
    deadline = time.monotonic() + 20
    while not driver.execute_script("return !!(window.nnexplainLesson && nnexplainLesson.data)"):
        assert time.monotonic() < deadline, "the page never set up window.nnexplainLesson"
        time.sleep(0.05)


def assert_offline_and_clean(driver):
    """No request but file: and data: was attempted, and no error reached the console."""
    urls = []
    for entry in driver.get_log("performance"):
        message = json.loads(entry["message"])["message"]
        if message["method"] == "Network.requestWillBeSent":
            urls.append(message["params"]["request"]["url"])
    assert urls and all(url.startswith(("file:", "data:")) for url in urls), urls
    assert driver.execute_script("return window.__errors") == []
    assert [entry for entry in driver.get_log("browser") if entry["level"] == "SEVERE"] == []


def next_frame(driver):
    driver.execute_async_script(
        "var done = arguments[0]; requestAnimationFrame(function () { requestAnimationFrame(done); });"
    )


def draw(driver, strokes, kind: str = "mouse"):
    """Draw strokes (pad pixels) on canvas#draw with pointer actions of a mouse, a finger ("touch") or a
    pen, after clearing it."""
    from selenium.webdriver.common.action_chains import ActionChains
    from selenium.webdriver.common.actions.pointer_input import PointerInput
    from selenium.webdriver.common.by import By

    driver.find_element(By.ID, "nn-clear").click()
    canvas = driver.find_element(By.ID, "draw")
    width, css = driver.execute_script(
        "var c = document.getElementById('draw'); return [c.width, c.getBoundingClientRect().width];"
    )
    scale = css / width
    for stroke in strokes:
        actions = ActionChains(driver, duration=10, devices=[PointerInput(kind, kind)])
        pointer = actions.w3c_actions.pointer_action
        at = [(round((x - width / 2) * scale), round((y - width / 2) * scale)) for x, y in stroke]
        pointer.move_to(canvas, *at[0]).pointer_down()
        for x, y in at[1:]:
            pointer.move_to(canvas, x, y)
        pointer.pointer_up()
        actions.perform()
    next_frame(driver)


def numpy_pass(weights: Path, pixels):
    model, manifest = load_weights(weights)
    return model.forward(Preprocessing.from_manifest(manifest)(np.asarray(pixels)))


def float64_pass(weights: Path, images: np.ndarray) -> np.ndarray:
    """Every layer's activations (hidden and output, side by side) with float64 numpy, for a batch."""
    model, manifest = load_weights(weights)
    mean, std = (manifest.get("preprocessing") or {"mean": 0.0, "std": 1.0}).values()
    pixels = np.round(images.astype(np.float64) * 255) / 255  # the uint8 values / 255 in float64, as the page
    a, layers = (pixels - mean) / std, []
    for layer, (W, b) in enumerate(zip(model.weights, model.biases)):
        z = a @ W.astype(np.float64).T + b.astype(np.float64)
        if layer == len(model.weights) - 1:
            a = np.exp(z - z.max(axis=1, keepdims=True))
            a /= a.sum(axis=1, keepdims=True)
        else:
            a = 1 / (1 + np.exp(-z)) if model.activation == "sigmoid" else np.maximum(z, 0)
        layers.append(a)
    return np.concatenate(layers, axis=1)


def shown_activations(driver) -> list[list[float]]:
    """The activations the diagram shows (each neuron's label), layer by layer."""
    return driver.execute_script(
        "return [].map.call(document.querySelectorAll('#nn-diagram .nn-layer'), function (g) {"
        "  return [].map.call(g.querySelectorAll('.nn-neuron'), function (c) {"
        "    var label = c.getAttribute('aria-label');"
        "    return parseFloat(label.split('activation ')[1].replace('\\u2212', '-')); }); });"
    )


def pad_raster(driver) -> np.ndarray:
    """The pad's own pixels (gray, 0-255), as the page's recipe reads them."""
    flat = driver.execute_script(
        "var c = document.getElementById('draw');"
        "var d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;"
        "var out = []; for (var i = 0; i < d.length; i += 4) out.push(d[i]); return [c.width, c.height, out];"
    )
    width, height, values = flat
    return np.array(values, dtype=np.uint8).reshape(height, width)


def scaled(strokes, factor, shift=(0, 0), centre=(140, 150)):
    (cx, cy), (dx, dy) = centre, shift
    return [
        [(cx + (x - cx) * factor + dx, cy + (y - cy) * factor + dy) for x, y in stroke] for stroke in strokes
    ]
