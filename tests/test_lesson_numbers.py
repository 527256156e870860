"""The lesson page's numbers in a real browser (tests/lesson_browser.py): its drawing recipe is
network/images.py's (the pad's own raster saved as a PNG and read by load_digit_image gives the
page's input exactly, the same strokes drawn by PIL come close), and its forward pass is numpy's on
all 1000 sample digits, for both shipped nets, the torch import and an 8x8 network.
"""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image, ImageDraw

from network.data import load_sample
from network.images import load_digit_image
from network.weights_file import DEFAULT_WEIGHTS, RELU_WEIGHTS
from tests import lesson_browser
from tests.lesson_browser import (
    SEVEN,
    assert_offline_and_clean,
    draw,
    float64_pass,
    numpy_pass,
    open_page,
    pad_raster,
    scaled,
    shown_activations,
)

driver, pages = lesson_browser.driver, lesson_browser.pages  # the shared fixtures


def sample_forward_in_the_page(driver) -> dict:
    """All 1000 sample digits through the page's forward pass, in one call."""
    return driver.execute_script(
        "var d = nnexplainLesson.data, bytes = atob(d.sample.images), n = d.side * d.side, out = [];"
        "for (var k = 0; k < d.sample.labels.length; k++) {"
        "  var pixels = new Array(n);"
        "  for (var i = 0; i < n; i++) pixels[i] = bytes.charCodeAt(k * n + i) / 255;"
        "  out.push([].concat.apply([], nnexplainLesson.forward(pixels).activations)); }"
        "return {labels: d.sample.labels, activations: out};"
    )


RECIPE_CASES = {
    "centred": SEVEN,
    "off-centre": scaled(SEVEN, 0.5, shift=(80, 70)),
    "tiny": scaled(SEVEN, 0.15, shift=(-90, -100)),
    "huge": scaled(SEVEN, 1.25, shift=(0, -10)),
}


@pytest.mark.parametrize("case", RECIPE_CASES)
def test_the_drawing_recipe_is_images_py(driver, pages, tmp_path, case):
    """The pad's raster read by network/images.py gives the page's input exactly (to float32)."""
    open_page(driver, pages(DEFAULT_WEIGHTS))
    strokes = [[(round(x), round(y)) for x, y in stroke] for stroke in RECIPE_CASES[case]]
    draw(driver, strokes)
    raster = pad_raster(driver)
    Image.fromarray(raster).save(tmp_path / "pad.png")
    expected = load_digit_image(tmp_path / "pad.png")
    shown = np.array(driver.execute_script("return nnexplainLesson.input()"))
    np.testing.assert_allclose(shown, expected, atol=1e-6)
    # the same strokes drawn by PIL ImageDraw (4x supersampled for anti-aliasing) read by images.py: close,
    # not identical (browsers and Pillow anti-alias stroke edges differently; measured mean 0.001-0.008)
    k, line_width = 4, driver.execute_script("return document.getElementById('draw').width / 14")
    paper = Image.new("L", (raster.shape[1] * k, raster.shape[0] * k), 0)
    pen, radius = ImageDraw.Draw(paper), line_width * k / 2
    for stroke in strokes:
        points = [((x + 0.5) * k - 0.5, (y + 0.5) * k - 0.5) for x, y in stroke]
        pen.line(points, fill=255, width=round(line_width * k), joint="curve")
        for x, y in (points[0], points[-1]):
            pen.ellipse([x - radius, y - radius, x + radius, y + radius], fill=255)
    paper.resize(raster.shape[::-1], Image.BOX).save(tmp_path / "pil.png")
    assert np.abs(load_digit_image(tmp_path / "pil.png") - shown).mean() < 0.015
    assert_offline_and_clean(driver)


@pytest.mark.parametrize("net", ["default", "relu", "torch_import"])
def test_the_page_forward_pass_is_numpy_on_the_whole_sample(driver, pages, request, net):
    weights = {"default": DEFAULT_WEIGHTS, "relu": RELU_WEIGHTS}.get(net) or request.getfixturevalue(net)
    open_page(driver, pages(weights))
    images, labels = load_sample()
    result = sample_forward_in_the_page(driver)
    assert result["labels"] == labels.tolist()
    shown = np.array(result["activations"])
    # network's own float32 forward pass: equal to 1e-5, or to float32's precision for ReLU values near 20
    expected = np.concatenate(numpy_pass(weights, images).activations[1:], axis=1)
    np.testing.assert_allclose(shown, expected, atol=1e-5, rtol=1e-6)
    # the same formulas in float64 numpy, as the page computes: equal to rounding
    np.testing.assert_allclose(shown, float64_pass(weights, images), atol=1e-9, rtol=1e-9)
    assert_offline_and_clean(driver)


def test_an_8x8_network_with_its_own_sample_gets_the_same_recipe_and_numbers(
    driver, pages, digits8_weights, tmp_path
):
    """k x k inputs: the pad's raster becomes 8 x 8 by images.py's recipe in proportion, the network's
    own stored sample is the test digits, and the numbers are network's."""
    from network.weights_file import load_stored_sample

    open_page(driver, pages(digits8_weights))
    draw(driver, SEVEN)
    Image.fromarray(pad_raster(driver)).save(tmp_path / "pad.png")
    shown = np.array(driver.execute_script("return nnexplainLesson.input()"))
    np.testing.assert_allclose(shown, load_digit_image(tmp_path / "pad.png", side=8), atol=1e-6)
    forward = numpy_pass(digits8_weights, shown)
    for layer, expected in zip(shown_activations(driver), forward.activations[1:]):
        np.testing.assert_allclose(layer, expected, atol=1e-5)
    images, labels = load_stored_sample(digits8_weights)
    assert driver.execute_script("return nnexplainLesson.data.sample.labels") == labels.tolist()
    size = driver.execute_script("return document.getElementById('nn-detail-weights').width")
    assert size == 8
    assert_offline_and_clean(driver)
