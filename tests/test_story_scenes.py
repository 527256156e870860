"""The seven story-beat scenes render, and what they draw is the real network's data."""

from __future__ import annotations

import numpy as np
import pytest
from manim import Group, ManimColor

from network.model import MLP
from network.weights_file import save_weights
from scenes.mobjects.dense_column import DenseColumn
from scenes.mobjects.theme import DARK
from scenes.story.all_hidden_weights import AllHiddenWeights
from scenes.story.designed_edge_detector import DesignedEdgeDetector
from scenes.story.edge_detector import EdgeDetector
from scenes.story.forward_pass import ForwardPass
from scenes.story.inputs import StoryConfig, load_story_inputs
from scenes.story.layer_diagram import LayerDiagram
from scenes.story.pixels_to_input_layer import PixelsToInputLayer
from scenes.story.this_is_a_three import ThisIsAThree
from scenes.story.what_neurons_respond_to import WhatNeuronsRespondTo
from tests.scene_rendering import point_to_pixel, render_last_frame

ALL_SCENES = [
    ThisIsAThree,
    PixelsToInputLayer,
    LayerDiagram,
    ForwardPass,
    EdgeDetector,
    AllHiddenWeights,
    WhatNeuronsRespondTo,
]


def story_inputs(config: StoryConfig | None = None):
    return load_story_inputs(config or StoryConfig())


def theme():
    return DARK


def rgb_at(scene, frame, point) -> np.ndarray:
    row, col = point_to_pixel(scene, point)
    return frame[row, col, :3].astype(float)


def rgb(colour) -> np.ndarray:
    return np.array(ManimColor(colour).to_rgb()) * 255


def nearer(sample, colour, other) -> bool:
    return np.linalg.norm(sample - rgb(colour)) < np.linalg.norm(sample - rgb(other))


def lit_fraction(sample) -> float:
    """Where a colour lies between the theme's neuron_off (0) and neuron_on (1)."""
    off, on = rgb(theme().neuron_off), rgb(theme().neuron_on)
    return float(np.dot(sample - off, on - off) / np.dot(on - off, on - off))


def texts(group) -> list[str]:
    return [m.original_text for m in group.get_family() if hasattr(m, "original_text")]


def test_this_is_a_three_writes_the_real_pixel_values(tmp_path):
    scene, frame = render_last_frame(ThisIsAThree, tmp_path)
    pixels = story_inputs().pixels()
    r0, c0 = scene.window
    side = scene.zoom_side
    shown = [label.original_text for label in scene.zoom_labels]
    assert shown == [f"{pixels[r, c]:.2f}" for r in range(r0, r0 + side) for c in range(c0, c0 + side)]
    assert (
        len({round(float(v), 1) for v in pixels[r0 : r0 + side, c0 : c0 + side].ravel()}) >= 4
    )  # shades of gray
    bright = np.unravel_index(np.argmax(pixels), pixels.shape)
    blank = np.unravel_index(np.argmin(pixels), pixels.shape)
    assert rgb_at(scene, frame, scene.digit_grid.pixel_center(*bright)).min() > 230
    assert rgb_at(scene, frame, scene.digit_grid.pixel_center(*blank)).max() < 25


def test_pixels_unroll_into_the_input_column_in_row_major_order(tmp_path):
    scene, frame = render_last_frame(PixelsToInputLayer, tmp_path)
    t, pixels = theme(), story_inputs().pixels()
    column = scene.column.image.pixel_array
    assert column.shape[0] == 784
    np.testing.assert_array_equal(column[:, 0, :3], t.digit_rgba(pixels.reshape(-1))[:, :3])
    for circle, neuron, label in zip(scene.run_circles, scene.run_neurons, scene.run_labels):
        r, c = divmod(int(neuron), 28)
        assert label.original_text.startswith(f"pixel ({r}, {c})  →  neuron {neuron}:")
        assert label.original_text.endswith(f"{pixels[r, c]:.2f}")
        assert (
            np.abs(rgb_at(scene, frame, circle.get_center()) - rgb(t.activation_color(pixels[r, c]))).max()
            < 8
        )
    assert np.ptp(scene.run_values) > 0.5  # the magnified run crosses the stroke


def test_layer_diagram_colours_the_strongest_edge_by_its_sign(tmp_path):
    scene, frame = render_last_frame(LayerDiagram, tmp_path)
    t, diagram = theme(), scene.diagram
    assert [W.shape for W in diagram.weights] == [W.shape for W in story_inputs().weights]
    for layer in range(1, len(diagram.sizes)):
        block = diagram.shown_weights(layer)
        j, i = np.unravel_index(np.argmax(np.abs(block)), block.shape)
        w = block[j, i]
        line = diagram.edge(layer, int(diagram.shown[layer][j]), int(diagram.shown[layer - 1][i]))
        sample = rgb_at(scene, frame, line.point_from_proportion(0.5))
        colour, other = (t.positive, t.negative) if w > 0 else (t.negative, t.positive)
        assert nearer(sample, colour, other), (layer, w, sample)
    assert "784" in texts(diagram.size_labels)
    assert texts(diagram.output_labels) == [str(k) for k in range(10)]


def output_brightness(scene, frame) -> np.ndarray:
    diagram = scene.diagram
    last = len(diagram.sizes) - 1
    return np.array(
        [lit_fraction(rgb_at(scene, frame, diagram.neuron(last, k).get_center())) for k in range(10)]
    )


def check_forward_pass(scene, frame, config=None):
    inputs, diagram = story_inputs(config), scene.diagram
    last_digit = scene.fed[-1]
    probabilities = inputs.sample.activations[-1][last_digit]
    predicted, label = int(np.argmax(probabilities)), int(inputs.sample.labels[last_digit])
    assert predicted != label and last_digit in inputs.misclassified()
    brightness = output_brightness(scene, frame)
    assert int(np.argmax(brightness)) == predicted
    np.testing.assert_allclose(brightness, probabilities, atol=0.05)
    words = texts(scene.verdict)
    assert f"label {label}" in words
    assert f"predicted {predicted}  ({100 * probabilities[predicted]:.0f}%)" in words
    return inputs, diagram, last_digit


def test_forward_pass_lights_the_real_activations_and_names_the_mistake(tmp_path):
    scene, frame = render_last_frame(ForwardPass, tmp_path)
    inputs, diagram, digit = check_forward_pass(scene, frame)
    assert scene.fed[0] is None and len(scene.fed) >= 3
    followed = inputs.layer(0)
    shown = diagram.shown[0]
    assert (followed[shown] > 0.5).any() and (followed[shown] == 0).any()  # ink and background
    pixels = inputs.sample.activations[0][digit]
    for pixel in shown:
        sample = rgb_at(scene, frame, diagram.neuron(0, pixel).get_center())
        assert abs(lit_fraction(sample) - pixels[pixel]) < 0.05
    hidden = inputs.sample.activations[1][digit]
    lit = [lit_fraction(rgb_at(scene, frame, diagram.neuron(1, n).get_center())) for n in diagram.shown[1]]
    np.testing.assert_allclose(lit, hidden[diagram.shown[1]], atol=0.05)


def test_forward_pass_with_every_edge(tmp_path):
    scene, frame = render_last_frame(ForwardPass, tmp_path, StoryConfig(full_edges=True))
    diagram = scene.diagram
    assert isinstance(diagram.layers[0], DenseColumn) and diagram.layers[0].count == 784
    assert all(len(shown) == size for shown, size in zip(diagram.shown, diagram.sizes))
    assert "784" in texts(diagram.size_labels)
    check_forward_pass(scene, frame)


def test_edge_detector_colours_weights_by_sign_and_ends_in_the_real_activation(tmp_path):
    scene, frame = render_last_frame(EdgeDetector, tmp_path)
    t, inputs = theme(), story_inputs()
    j = scene.neuron
    weights = inputs.weights[0][j]
    for pixel, colour, other in (
        (np.argmax(weights), t.positive, t.negative),
        (np.argmin(weights), t.negative, t.positive),
    ):
        sample = rgb_at(scene, frame, scene.weights_grid.pixel_center(*divmod(int(pixel), 28)))
        assert nearer(sample, colour, other)
        expected = t.weight_rgba(np.array([weights[pixel]]), scale=float(np.abs(weights).max()))[0, :3]
        assert np.linalg.norm(sample - expected) < 25  # the diverging map's colour for that real weight
    assert f"= {inputs.layer(1)[j]:.3f}" in scene.result.original_text
    assert f"= {inputs.digit.pre_activations[0][0][j]:.2f}" in scene.result.original_text


def test_designed_edge_detector_fires_for_the_digit_with_the_edge_only(tmp_path):
    from network.activations import sigmoid
    from network.data import load_sample
    from scenes.choices.selection import designed_edge_weights

    scene, _ = render_last_frame(DesignedEdgeDetector, tmp_path)
    inputs = story_inputs()
    images, _ = load_sample()
    designed, _ = designed_edge_weights(inputs.layer(0).reshape(28, 28))
    sums = images @ designed.reshape(-1)
    assert scene.other == int(np.argmin(sums))
    assert scene.sums == pytest.approx([float(designed.reshape(-1) @ inputs.layer(0)), sums[scene.other]])
    assert scene.sums[0] > scene.threshold > scene.sums[1]  # the bias separates the two digits
    assert scene.outputs == pytest.approx([float(sigmoid(s - scene.threshold)) for s in scene.sums])
    assert scene.outputs[0] > 0.9 and scene.outputs[1] < 0.1
    assert scene.neuron == int(np.argmax(inputs.z(1)))  # the trained neuron shown beside the design
    assert f"w · a = {scene.sums[0]:.2f}" in scene.sum_texts[0][1].original_text


def test_all_hidden_weights_draws_one_heatmap_per_first_layer_neuron(tmp_path):
    scene, frame = render_last_frame(AllHiddenWeights, tmp_path)
    W = story_inputs().weights[0]
    assert len(scene.heatmaps) == W.shape[0] == 16
    for heatmap, w in zip(scene.heatmaps, W):
        np.testing.assert_array_equal(heatmap.values.ravel(), w)
    centres = np.array([h.get_center()[:2] for h in scene.heatmaps])
    assert len(np.unique(centres[:, 0].round(2))) == 4 and len(np.unique(centres[:, 1].round(2))) == 4


def test_what_neurons_respond_to_shows_the_top_digits_by_real_activation(tmp_path):
    scene, frame = render_last_frame(WhatNeuronsRespondTo, tmp_path)
    inputs = story_inputs()
    a2 = inputs.sample.activations[2]
    j = scene.neuron
    shown, others = a2[scene.digits, j], np.delete(a2[:, j], scene.digits)
    assert len(scene.digits) == scene.top == 10 and len(set(scene.digits)) == 10
    assert shown.min() >= others.max()  # no digit left out excites the neuron more
    assert list(shown) == sorted(shown, reverse=True)
    assert [v.original_text for v in scene.values] == [f"{a2[i, j]:.3f}" for i in scene.digits]
    assert scene.verdict.original_text.startswith(("Mostly", "A mix"))


def test_light_theme_prints_on_white(tmp_path):
    scene, frame = render_last_frame(ThisIsAThree, tmp_path, StoryConfig(theme="light"))
    assert (frame[2, 2, :3] == 255).all() and (frame[-3, -3, :3] == 255).all()
    pixels = story_inputs().pixels()
    bright = np.unravel_index(np.argmax(pixels), pixels.shape)
    assert rgb_at(scene, frame, scene.digit_grid.pixel_center(*bright)).max() < 25  # ink is dark on paper


@pytest.fixture(scope="module")
def relu_32_weights(tmp_path_factory):
    """A real 784-32-10 ReLU weights file (initialised, not trained) read through the real loader."""
    path = tmp_path_factory.mktemp("relu32") / "relu32.npz"
    save_weights(MLP.initialise((784, 32, 10), "relu", seed=3), path, {"seed": 3, "epochs": 0})
    return path


@pytest.mark.parametrize("scene_class", ALL_SCENES, ids=lambda c: c.__name__)
def test_scenes_follow_a_784_32_10_relu_network(scene_class, relu_32_weights, tmp_path):
    config = StoryConfig(weights=relu_32_weights)
    assert story_inputs(config).sizes == (784, 32, 10)
    scene, frame = render_last_frame(scene_class, tmp_path, config)
    if scene_class is LayerDiagram:
        assert scene.diagram.sizes == [784, 32, 10]
        assert {"784", "32"} <= set(texts(scene.diagram.size_labels))
    if scene_class is ForwardPass:
        check_forward_pass(scene, frame, config)
    if scene_class is AllHiddenWeights:
        assert len(scene.heatmaps) == 32
    if scene_class is WhatNeuronsRespondTo:
        assert scene.layer == 1


def test_a_users_own_image_is_named_as_such(tmp_path, monkeypatch, mnist_uint8):
    """A user's picture (a real test 2, drawn large, black on white) is never called an MNIST digit."""
    from PIL import Image

    ink = np.kron(255 - mnist_uint8["test_images"][1], np.ones((8, 8), dtype=np.uint8))
    path = tmp_path / "my-digit.png"
    Image.fromarray(ink).save(path)
    config = StoryConfig(image=path)
    inputs = story_inputs(config)
    assert inputs.follows_own_image and inputs.label is None
    scene, _ = render_last_frame(ThisIsAThree, tmp_path, config)
    assert f"Your digit: the network reads a {inputs.prediction}" in texts(Group(*scene.mobjects))
    monkeypatch.setattr(ForwardPass, "digits", lambda self: [None])  # end on the user's digit
    scene, frame = render_last_frame(ForwardPass, tmp_path, config)
    shown = texts(Group(*scene.mobjects))
    assert "your image" in shown and f"predicted {inputs.prediction}" in " ".join(shown)
    assert not any("label" in text for text in shown)  # a user's image has no true label to show
    brightness = output_brightness(scene, frame)
    assert int(np.argmax(brightness)) == inputs.prediction
    np.testing.assert_allclose(brightness, inputs.layer(len(inputs.sizes) - 1), atol=0.05)
