"""What the scenes choose to show (scenes/choices/selection.py), checked as properties on small arrays."""

from __future__ import annotations

import numpy as np
import pytest

from network.activations import ACTIVATIONS
from scenes.choices import selection


def test_strongest_pixels_outweigh_every_pixel_left_out():
    rng = np.random.default_rng(0)
    W1 = rng.normal(size=(4, 30))
    chosen = selection.strongest_pixels(W1, 5)
    strength = np.abs(W1).sum(axis=0)
    assert len(chosen) == 5 and list(chosen) == sorted(chosen)
    assert strength[chosen].min() >= np.delete(strength, chosen).max()
    among = np.array([3, 7, 11, 20])
    chosen = selection.strongest_pixels(W1, 2, among)
    assert set(chosen) <= set(among)
    assert strength[chosen].min() >= strength[np.setdiff1d(among, chosen)].max()


def test_ink_and_background_pixels_take_both_kinds():
    pixels = np.zeros(20)
    pixels[[2, 3, 4, 9, 15]] = [0.9, 1.0, 0.7, 0.3, 0.6]  # 0.3 is neither ink (> 0.5) nor background (0)
    W1 = np.arange(40, dtype=float).reshape(2, 20)  # later pixels weigh more
    chosen = selection.ink_and_background_pixels(pixels, W1, count=6, ink_share=0.5)
    assert len(chosen) == 6 and 9 not in chosen
    inked, blank = [p for p in chosen if pixels[p] > 0.5], [p for p in chosen if pixels[p] == 0]
    assert sorted(inked) == [3, 4, 15] and blank == [17, 18, 19]  # the heaviest of each kind
    few = selection.ink_and_background_pixels(pixels, W1, count=10, ink_share=0.9)
    assert len(few) == 10 and sum(pixels[few] > 0.5) == 4  # only 4 inked pixels exist


def test_busiest_window_spans_ink_and_background():
    image = np.zeros((8, 8))
    image[5:8, 5:8] = 1.0
    image[4, 4:8] = 0.5  # a gray edge along the top of the ink
    r, c = selection.busiest_window(image, 3, 3)
    window = image[r : r + 3, c : c + 3]
    assert window.max() == 1.0 and window.min() == 0.0 and (window == 0.5).any()
    assert selection.busiest_window(np.zeros((5, 5)), 2, 2) == (0, 0)  # a blank image: the first window


def test_most_excited_and_top_activating():
    z = np.array([0.1, 3.0, -2.0, 3.0])
    assert selection.most_excited(z) == 1  # the first of the largest
    activations = np.array([0.2, 0.9, 0.1, 0.9, 0.5, 0.95])
    top = selection.top_activating(activations, 3)
    assert list(activations[top]) == [0.95, 0.9, 0.9]
    assert activations[top].min() >= np.delete(activations, top).max()


def test_most_selective_neuron_has_standout_digits():
    rng = np.random.default_rng(1)
    activations = rng.uniform(0.4, 0.6, size=(200, 5))
    activations[:10, 3] = 1.0  # neuron 3 fires only for a few digits
    activations[:, 1] = np.linspace(0, 1, 200)  # neuron 1 is large often, but not selective
    assert selection.most_selective(activations, top=10) == 3


@pytest.mark.parametrize("activation", sorted(ACTIVATIONS))
def test_bias_effect_neuron_is_the_active_neuron_whose_bias_matters_most(activation):
    rng = np.random.default_rng(2)
    f = ACTIVATIONS[activation].function
    z, b = rng.normal(0, 2, size=12), rng.normal(0, 1.5, size=12)
    a = f(z)
    j = selection.bias_effect_neuron(z, b, a, activation)
    effect = np.abs(a - f(z - b))
    active = a > 0.5
    if active.any():
        assert active[j] and effect[j] >= effect[active].max()
    else:
        assert effect[j] >= effect.max()
    # with no active neuron at all, every neuron is a candidate
    quiet = np.full(4, -5.0)
    j = selection.bias_effect_neuron(quiet, np.array([0.1, 2.0, 0.5, 0.0]), f(quiet), activation)
    assert j == (1 if activation == "sigmoid" else 0)  # ReLU: no bias changes a dead neuron, the first ties


def test_largest_terms_are_in_index_order_and_outweigh_the_rest():
    w, a = np.array([0.5, -3.0, 0.1, 2.0, -0.2]), np.array([1.0, 0.5, 1.0, 1.0, 0.0])
    terms = selection.largest_terms(w, a, count=2)
    assert list(terms) == [1, 3]
    products = np.abs(w * a)
    assert products[terms].min() >= np.delete(products, terms).max()


def test_ink_run_finds_consecutive_ink_or_the_brightest_pixel():
    a0 = np.array([0, 0.2, 0.8, 0.3, 0.9, 0.95, 0.6, 0])
    run = selection.ink_run(a0, count=2)
    assert list(run) == [4, 5] and (a0[run] >= 0.5).all()
    faint = np.array([0, 0.1, 0.4, 0.2])
    assert list(selection.ink_run(faint, count=2)) == [2, 3]  # around the brightest, kept inside
    assert list(selection.ink_run(np.array([0, 0, 0, 0.3]), count=3)) == [1, 2, 3]


def test_forward_pass_digits_pick_a_right_other_class_and_a_wrong_one():
    labels = np.array([3, 3, 5, 7, 2])
    predictions = np.array([3, 8, 5, 7, 2])
    assert selection.forward_pass_digits(labels, predictions, followed_class=3) == [2, 1]
    assert selection.forward_pass_digits(labels[[0, 2]], predictions[[0, 2]], 3) == [1]  # nothing wrong
    assert selection.forward_pass_digits(labels[:2], predictions[:2], 3) == [1]  # no other class


def test_shared_weight_scale_ignores_a_few_outliers():
    W = np.concatenate([np.linspace(-1, 1, 990), [50, -60, 40, 70, -80, 90, 30, -45, 55, 65]])
    scale = selection.shared_weight_scale(W)
    assert 1 <= scale < 30 and (np.abs(W) > scale).sum() <= 0.011 * W.size


@pytest.mark.parametrize("count, width, height", [(16, 8.2, 6.1), (32, 8.2, 6.1), (7, 4.0, 1.0), (1, 3, 5)])
def test_grid_layout_fits_and_is_the_largest(count, width, height):
    cols, side = selection.grid_layout(count, width, height)
    rows = -(-count // cols)
    assert cols * side <= width + 1e-9 and rows * side <= height + 1e-9 and cols * rows >= count
    for other in range(1, count + 1):  # no other column count gives larger cells
        assert min(width / other, height / -(-count // other)) <= side + 1e-12


def test_designed_edge_weights_sit_on_a_bar_with_nothing_around_it():
    image = np.zeros((10, 12))
    image[6:8, 3:9] = 1.0  # a bar 2 rows thick: where the design must go
    image[1:5, 1:3] = 1.0  # a thick vertical blob: ink above and below any stripe on it
    weights, (row, col) = selection.designed_edge_weights(image, length=6, thickness=2)
    assert (row, col) == (6, 3)
    assert (weights[6:8, 3:9] == 1).all() and (weights[5, 3:9] == -1).all() and (weights[8, 3:9] == -1).all()
    assert np.count_nonzero(weights) == 24 and (weights * image).sum() == 12
    for r in range(1, 8):  # no other place scores higher
        for c in range(7):
            other = np.zeros_like(image)
            other[r - 1, c : c + 6] = other[r + 2, c : c + 6] = -1
            other[r : r + 2, c : c + 6] = 1
            assert (other * image).sum() <= 12


def test_curve_until_gives_pieces_that_join_into_one_line():
    curve = [(0, 0.1), (1, 0.7), (2, 0.8), (3, 0.9), (5, 0.95)]
    assert selection.curve_until(curve, -1, 0) == [(0, 0.1)]  # one point: nothing to draw yet
    assert selection.curve_until(curve, 0, 2) == [(0, 0.1), (1, 0.7), (2, 0.8)]
    assert selection.curve_until(curve, 2, 4) == [(2, 0.8), (3, 0.9)]
    assert selection.curve_until(curve, 4, 5) == [(3, 0.9), (5, 0.95)]  # joined to the point before
    pieces = [selection.curve_until(curve, a, b) for a, b in ((0, 1), (1, 2), (2, 5))]
    assert [p for piece in pieces for p in piece[1:]] == curve[1:]


def test_closest_snapshot_finds_the_same_parameters_within_rounding():
    rng = np.random.default_rng(0)
    runs = [rng.normal(size=20).astype(np.float32) for _ in range(3)]
    assert selection.closest_snapshot(runs, runs[1] + 1e-5) == 1
    assert selection.closest_snapshot(runs, runs[2] + 0.5) is None
    assert selection.closest_snapshot(runs, np.zeros(7)) is None  # another architecture
    assert selection.closest_snapshot([], runs[0]) is None


def test_loop_neuron_is_the_one_preferring_the_loop_and_says_if_it_detects_loops():
    loop = np.array([0.9, 0.8, 0.3])
    line = np.array([0.7, 0.1, 0.2])
    assert selection.loop_neuron(loop, line, np.array([[0.1, 0.9, 0.0], [0.2, 0.6, 0.1]])) == (1, True)
    assert selection.loop_neuron(loop, line, np.array([[0.1, 0.4, 0.0]])) == (1, False)  # misses a loop
    assert selection.loop_neuron(loop, np.array([0.1, 0.1, 0.9]), np.array([[1, 1, 1]])) == (0, True)
    assert selection.loop_neuron(np.array([0.4, 0.3]), np.zeros(2), np.ones((1, 2))) == (0, False)  # too weak


def test_neurons_to_show_keeps_the_one_asked_for_among_the_most_active():
    a = np.array([[0.9, 0.1, 0.5, 0.0, 0.7], [0.2, 0.3, 0.1, 0.05, 0.6]])
    assert selection.neurons_to_show(a, must=3, count=3).tolist() == [0, 3, 4]
    assert selection.neurons_to_show(a, must=0, count=3).tolist() == [0, 2, 4]  # no duplicate
    assert selection.neurons_to_show(a, must=1, count=8).tolist() == [0, 1, 2, 3, 4]
