"""What a NetworkDiagram shows by default (scenes/choices/diagram_choices.py) and how its edges are styled
(scenes/mobjects/edge_drawing.py), checked as plain numpy on small arrays."""

from __future__ import annotations

import re

import numpy as np
import pytest

from scenes.choices.diagram_choices import activation_range, layer_ranges, short_number, telling_pixels
from scenes.mobjects.edge_drawing import edge_options, edge_styles
from scenes.mobjects.theme import DARK


def test_telling_pixels_pass_over_pixels_no_input_changes_however_strong_their_weights():
    inputs = np.array(
        [
            [0.0, 1.0, 0.0, 0.5, 0.0, 0.3],
            [0.0, 0.0, 1.0, 0.5, 0.0, 0.1],
            [0.0, 1.0, 1.0, 0.5, 0.0, 0.2],
        ]
    )  # pixels 0, 3 and 4 never change; 1 and 2 change most, 5 a little
    W1 = np.array([[9.0, 1.0, 2.0, 9.0, 9.0, 3.0], [9.0, 1.0, -1.0, 9.0, 9.0, 3.0]])
    # spread x total |w|: pixel 1 0.47 x 2, pixel 2 0.47 x 3, pixel 5 0.08 x 6 (weighs most, varies least)
    assert telling_pixels(W1, inputs, 2).tolist() == [1, 2]
    assert telling_pixels(W1, inputs, 3).tolist() == [1, 2, 5]
    # the spread counts times the weight: pixel 5's weights 100 times larger outrank pixel 1
    heavy = W1.copy()
    heavy[:, 5] = 100.0
    assert telling_pixels(heavy, inputs, 1).tolist() == [5]
    # normalised inputs (x - 0.13) / 0.31 choose the same pixels as raw ones
    assert telling_pixels(W1, (inputs - 0.13) / 0.31, 3).tolist() == [1, 2, 5]


def test_telling_pixels_of_one_input_are_its_ink_and_of_constant_inputs_the_weights():
    digit = np.array([0.0, 0.9, 0.0, 1.0, 0.2])
    W1 = np.ones((2, 5))
    assert telling_pixels(W1, digit, 2).tolist() == [1, 3]
    assert telling_pixels(W1, digit[None, :], 2).tolist() == [1, 3]  # a batch of one alike
    blank = np.zeros((4, 5))
    W1 = np.array([[0.1, 5.0, 0.2, 3.0, 0.0]])
    assert telling_pixels(W1, blank, 2).tolist() == [1, 3]  # nothing varies: the strongest weights


def test_activation_range_keeps_zero_to_one_for_bounded_layers_and_spans_relu_activations():
    assert activation_range(np.array([[0.0, 0.2], [0.9, 1.0]])) == (0.0, 1.0)  # sigmoid, softmax
    assert activation_range(np.array([[0.01, 0.02]])) == (0.0, 1.0)  # small is still in [0, 1]
    relu = np.concatenate([np.zeros(50), np.arange(1.0, 101.0)])  # 150 values, 0 ... 100
    low, high = activation_range(relu)
    assert low == 0.0 and high == pytest.approx(98.51)  # numpy's 99th percentile of them
    assert activation_range(relu, percentile=50) == (0.0, pytest.approx(25.5))
    pixels = np.array([-0.4242] * 90 + [2.8215] * 10)  # normalised MNIST pixels: background, ink
    assert activation_range(pixels) == (pytest.approx(-0.4242), pytest.approx(2.8215))
    assert activation_range(np.array([0.0] * 99 + [7.0])) == (0.0, 1.0)  # one outlier: never narrower
    assert activation_range(np.array([0.1] * 90 + [1.5] * 10)) == (0.0, 1.5)
    assert activation_range(np.array([-3.0] * 100)) == (-3.0, 1.0)


def test_layer_ranges_from_typical_activations_overridden_by_the_users():
    typical = [np.array([[0.0, 1.0]]), np.array([[0.0, 10.0], [20.0, 30.0]]), np.array([[0.3, 0.7]])]
    ranges = layer_ranges((2, 2, 2), typical)
    assert ranges[0] == ranges[2] == (0.0, 1.0) and ranges[1][0] == 0.0 and 29 < ranges[1][1] < 30
    assert layer_ranges((2, 2, 2)) == [(0.0, 1.0)] * 3
    assert layer_ranges((2, 2, 2), typical, {1: (0, 5)})[1] == (0.0, 5.0)
    assert layer_ranges((2, 2, 2), None, (0, 4)) == [(0.0, 4.0)] * 3
    assert layer_ranges((2, 2, 2), None, [(0, 1), (0, 2), (0, 3)])[2] == (0.0, 3.0)
    with pytest.raises(ValueError, match="need low < high, got \\(5, 5\\)"):
        layer_ranges((2, 2, 2), None, {1: (5, 5)})
    with pytest.raises(ValueError, match="layer 3 is not one of 0 to 2"):
        layer_ranges((2, 2, 2), None, {3: (0, 1)})
    with pytest.raises(ValueError, match="give \\(low, high\\), 3 pairs"):
        layer_ranges((2, 2, 2), None, [(0, 1), (0, 2)])
    with pytest.raises(
        ValueError, match=re.escape("typical: activations of sizes [2, 2] for a network of [2, 2, 2]")
    ):
        layer_ranges((2, 2, 2), typical[:2])
    with pytest.raises(ValueError, match="sizes \\[2, 2, 2\\] for a network of \\[2, 3, 2\\]"):
        layer_ranges((2, 3, 2), typical)


def test_edge_options_refuse_unknown_keys_in_one_message():
    with pytest.raises(ValueError) as error:
        edge_options(DARK, {"max_widht": 2, "colour": "red", "min_width": 0.1}, full_edges=False)
    assert str(error.value) == (
        "edge_config: unknown 'colour', 'max_widht'; the options are "
        "max_width, min_width, max_opacity, min_opacity, rasterise"
    )
    assert edge_options(DARK, None, full_edges=True)["rasterise"] is True
    assert edge_options(DARK, {"rasterise": False}, full_edges=True)["rasterise"] is False
    assert edge_options(DARK, None, full_edges=False)["rasterise"] is False


def test_edge_styles_run_from_the_min_to_the_max_options_weakest_first():
    W = np.array([[0.5, -1.0], [0.0, 0.25]])
    options = {"min_width": 1.0, "max_width": 5.0, "min_opacity": 0.2, "max_opacity": 0.6}
    pairs, colours, opacity, width = edge_styles(W, DARK, options, scale=1.0)
    assert pairs.tolist() == [[1, 0], [1, 1], [0, 0], [0, 1]]  # |w| 0, 0.25, 0.5, 1
    np.testing.assert_allclose(width, [1.0, 2.0, 3.0, 5.0])
    np.testing.assert_allclose(opacity, [0.2, 0.3, 0.4, 0.6])
    assert colours[-1].tolist() == pytest.approx([1.0, 0x5C / 255, 0x5C / 255])  # the negative weight
    # crowded (every one of 1600 inputs drawn, 100 x 16): the same ends for the strongest edge,
    # the weakest fainter and every edge thinner by the crowding
    wide = np.zeros((2, 1600))
    wide[0, 0], wide[1, 1] = 1.0, 0.5
    _, _, opacity, width = edge_styles(wide, DARK, options, scale=1.0, crowded=True)
    assert opacity[-1] == pytest.approx(0.6) and opacity[0] == pytest.approx(0.2 / 100**0.55)
    assert width[-1] == pytest.approx(5.0 / 100**0.15) and width[0] == pytest.approx(1.0 / 100**0.15)
    assert opacity[-2] < 0.2 + 0.4 * 0.5  # a middling weight stands back: strength 0.5 ** 2.2


def test_legend_numbers_have_two_significant_digits_and_no_exponent():
    cases = {0.0: "0", 22.16: "22", 20.12: "20", -0.4242: "-0.42", 2.8088: "2.8", 5.0: "5", 180.4: "180",
             0.0123: "0.012", 1.0: "1", 8.55: "8.6"}  # fmt: skip
    assert {value: short_number(value) for value in cases} == cases
