"""The six math-beat scenes render, and the numbers they show are the real weights and exports."""

from __future__ import annotations

import numpy as np
import pytest
from manim import ManimColor

from network.activations_file import compute_activations
from network.errors import NNExplainError
from network.model import relu, sigmoid
from network.weights_file import DEFAULT_WEIGHTS as SHIPPED_WEIGHTS
from network.weights_file import RELU_WEIGHTS, load_weights
from scenes.mobjects import math_tex
from scenes.mobjects.theme import DARK, LIGHT
from scenes.story.bias_and_sigmoid import BiasAndSigmoid
from scenes.story.inputs import StoryConfig, load_story_inputs
from scenes.story.matrix_vector_notation import MatrixVectorNotation
from scenes.story.network_as_function import NetworkAsFunction
from scenes.story.parameter_count import ParameterCount
from scenes.story.relu_vs_sigmoid import ReLUvsSigmoid
from scenes.story.weighted_sum import WeightedSum
from tests.scene_rendering import point_to_pixel, render_last_frame

# pytest-xdist: the whole file on one worker (its scenes share one media folder, so LaTeX compiles once)
pytestmark = pytest.mark.xdist_group("math-scenes")

ALL_SCENES = [
    WeightedSum,
    BiasAndSigmoid,
    ReLUvsSigmoid,
    ParameterCount,
    MatrixVectorNotation,
    NetworkAsFunction,
]


@pytest.fixture(scope="module")
def media(tmp_path_factory):
    return tmp_path_factory.mktemp("media")  # shared, so LaTeX compiled once is reused


@pytest.fixture
def render(media):
    def run(scene_class, weights=None, theme=None):
        config = StoryConfig(weights=weights or SHIPPED_WEIGHTS, theme=theme or "dark")
        return render_last_frame(scene_class, media, config)

    return run


def story_inputs():
    return load_story_inputs(StoryConfig())


def two_decimals(value: float) -> str:
    return f"{value:.2f}"


def pixel_rgb(scene, frame, point) -> np.ndarray:
    row, col = point_to_pixel(scene, point)
    return frame[row, col, :3].astype(int)


def second_layer(inputs) -> tuple[int, np.ndarray, np.ndarray, np.ndarray]:
    """The neuron the math scenes follow (how it is chosen: tests/test_selection.py), with the
    second hidden layer's exported z, biases and activations."""
    layer, j = inputs.followed_neuron()
    assert layer == 2
    z, b, a = inputs.digit.pre_activations[1][0], inputs.biases[1], inputs.layer(2)
    assert a[j] > 0.5  # an active neuron
    return j, z, b, a


def test_weighted_sum_shows_real_weights_activations_and_exported_sum(render):
    scene, frame = render(WeightedSum)
    inputs = story_inputs()
    j, z, b, _ = second_layer(inputs)
    W, a1, z, b = inputs.weights[1][j], inputs.layer(1), float(z[j]), float(b[j])
    assert scene.numbers["z"] == z
    terms = scene.terms
    assert terms.term_count == W.size
    assert set(terms.weights_shown) == set(np.argsort(-np.abs(W * a1))[:3])  # the 3 biggest terms
    for i, w in terms.weights_shown.items():
        assert w == W[i] and terms.activations_shown[i] == a1[i]
        written = f"({w:.2f})" if w < 0 else two_decimals(w)
        assert terms.number_tex[i] == written + r"\cdot" + two_decimals(a1[i])
    assert scene.total[2].tex_string == two_decimals(z - b)
    assert z - b == pytest.approx(float(W @ a1), abs=1e-4)  # the export agrees with the weights
    for i, w in terms.weights_shown.items():  # each weight is written in its sign's colour
        assert ManimColor(terms.weight_mobjects[i].get_color()) == ManimColor(
            DARK.positive if w >= 0 else DARK.negative
        )


def test_bias_and_sigmoid_dot_sits_at_the_exported_activation(render):
    scene, frame = render(BiasAndSigmoid)
    j, z, b, a = second_layer(story_inputs())
    z, b, a = float(z[j]), float(b[j]), float(a[j])
    dot = scene.dot[1]
    x, y = scene.plot.axes.p2c(dot.get_center())
    assert x == pytest.approx(z - b, abs=1e-6) and y == pytest.approx(a, abs=1e-6)
    assert a == pytest.approx(float(sigmoid(z)), abs=1e-5)
    assert scene.result[2].tex_string == two_decimals(a)
    curve = np.array([scene.plot.axes.p2c(p) for p in scene.plot.graph.points])  # shifted by the real bias
    at_threshold = curve[np.argmin(np.abs(curve[:, 0] + b))]
    assert at_threshold[1] == pytest.approx(0.5, abs=0.02)
    assert (
        np.abs(pixel_rgb(scene, frame, dot.get_center()) - np.array(ManimColor(DARK.text).to_int_rgb())).max()
        < 40
    )


def test_relu_vs_sigmoid_shows_both_networks_real_numbers(render):
    scene, frame = render(ReLUvsSigmoid)
    relu_model, relu_manifest = load_weights(RELU_WEIGHTS)
    _, sigmoid_manifest = load_weights(SHIPPED_WEIGHTS)
    panels = scene.panels
    for panel, manifest in ((panels["relu"], relu_manifest), (panels["sigmoid"], sigmoid_manifest)):
        shown = f"{100 * manifest['test_accuracy']:.2f}% test accuracy"
        assert panel.accuracy_text == shown and panel.accuracy_label[1].original_text == shown
    digit = story_inputs()
    relu_run = compute_activations(relu_model, relu_manifest, digit.layer(0)[None])  # the same digit, afresh
    _, j = load_story_inputs(StoryConfig(weights=RELU_WEIGHTS)).followed_neuron()
    z = float(relu_run.pre_activations[1][0, j])
    assert panels["relu"].numbers["z"] == pytest.approx(z, abs=1e-5)
    x, y = panels["relu"].plot.axes.p2c(panels["relu"].dot[1].get_center())
    assert (x, y) == pytest.approx((z, float(relu(z))), abs=1e-5)
    j, _, _, a = second_layer(digit)
    assert panels["sigmoid"].numbers["a"] == a[j]


def expected_count(path) -> tuple[int, int]:
    model, _ = load_weights(path)
    return (sum(W.shape[0] * W.shape[1] for W in model.weights), sum(b.size for b in model.biases))


def test_parameter_count_comes_from_the_weights(render, relu_784_32_10):
    for path in (SHIPPED_WEIGHTS, relu_784_32_10):
        scene, _ = render(ParameterCount, weights=path)
        weights, biases = expected_count(path)
        assert (scene.weight_count, scene.bias_count, scene.total) == (weights, biases, weights + biases)
        assert scene.total_line[-1].tex_string == f"{weights + biases:,}".replace(",", "{,}")
        model, _ = load_weights(path)
        products = [part.tex_string for part in scene.weights_line[1:-2:2]]
        assert products == [rf"{W.shape[1]} \times {W.shape[0]}" for W in model.weights]


def test_matrix_vector_entries_are_the_real_weights_and_activations(render):
    scene, frame = render(MatrixVectorNotation)
    inputs = story_inputs()
    W1, b1, a0, a1, z1 = (
        inputs.weights[0],
        inputs.biases[0],
        inputs.layer(0),
        inputs.layer(1),
        inputs.digit.pre_activations[0][0],
    )
    blocks = scene.formula.blocks
    k, n = W1.shape[0] - 1, W1.shape[1] - 1
    assert (k, n) in blocks["W"].entries and k in {i for i, _ in blocks["b"].entries}
    for (i, j), value in blocks["W"].entries.items():
        assert value == W1[i, j]
        assert blocks["W"].entry((i, j)).tex_string == f"{W1[i, j]:.2f}"
        assert ManimColor(blocks["W"].entry((i, j)).get_color()) == ManimColor(DARK.weight_color(W1[i, j]))
    assert all(blocks["b"].entry_tex[(i, 0)] == two_decimals(b1[i]) for i, _ in blocks["b"].entries)
    assert all(blocks["a0"].entry_tex[(j, 0)] == two_decimals(a0[j]) for j, _ in blocks["a0"].entries)
    assert max(blocks["a0"].entries.values()) > 0  # pixels with ink are shown
    assert {j for j, _ in blocks["a0"].entries} == {
        j for _, j in blocks["W"].entries
    }  # W's columns = a0's rows
    for (i, _), value in blocks["a1"].entries.items():
        assert value == a1[i] and blocks["a1"].entry_tex[(i, 0)] == two_decimals(a1[i])
        assert value == pytest.approx(float(sigmoid(z1[i])), abs=1e-5)
    assert scene.compact.tex_string.replace(" ", "") == r"a^{(1)}=\sigma\left(Wa^{(0)}+b\right)"


def test_network_as_function_shows_the_real_outputs(render):
    scene, _ = render(NetworkAsFunction)
    inputs = story_inputs()
    model, _ = load_weights(SHIPPED_WEIGHTS)
    outputs = scene.values.blocks["y"]
    probabilities = inputs.digit.probabilities[0]
    assert sorted(outputs.entries) == list(range(probabilities.size))
    assert all(outputs.entry(i).tex_string == two_decimals(p) for i, p in enumerate(probabilities))
    assert ManimColor(outputs.entry(int(np.argmax(probabilities))).get_color()) == ManimColor(DARK.highlight)
    assert scene.parameters == sum(W.size + b.size for W, b in zip(model.weights, model.biases))


def test_every_math_scene_renders_for_a_784_32_10_relu_network(render, relu_784_32_10):
    model, manifest = load_weights(relu_784_32_10)
    scenes = {cls.__name__: render(cls, weights=relu_784_32_10)[0] for cls in ALL_SCENES}
    assert scenes["WeightedSum"].terms.term_count == 784  # the only hidden layer sums the pixels
    assert (31, 783) in scenes["MatrixVectorNotation"].formula.blocks["W"].entries
    assert scenes["NetworkAsFunction"].parameters == sum(
        W.size + b.size for W, b in zip(model.weights, model.biases)
    )
    assert scenes["BiasAndSigmoid"].plot.kind == "relu"
    relu_panel = scenes["ReLUvsSigmoid"].panels["relu"]
    assert relu_panel.accuracy_label[0].original_text == "784-32-10 ReLU network"
    assert relu_panel.accuracy_text == f"{100 * manifest['test_accuracy']:.2f}% test accuracy"


def test_light_theme_is_dark_ink_on_white(render):
    scene, frame = render(MatrixVectorNotation, theme="light")
    assert tuple(frame[0, 0, :3]) == (255, 255, 255)
    entry = scene.formula.blocks["a1"].entry((0, 0))
    assert all(ManimColor(glyph.get_fill_color()) == ManimColor(LIGHT.text) for glyph in entry)
    row, col = point_to_pixel(scene, scene.formula.get_center())
    ink = frame[max(0, row - 60) : row + 60, :, :3].astype(int).sum(axis=2)
    assert ink.min() < 3 * 90  # dark glyphs are drawn


def test_require_latex_names_the_packages(monkeypatch, tmp_path, render):
    monkeypatch.setenv("PATH", str(tmp_path))  # neither latex nor dvisvgm can be found
    with pytest.raises(NNExplainError) as error:
        math_tex.require_latex()
    message = str(error.value)
    assert "\n" not in message and "apt-get install texlive-latex-base texlive-latex-extra dvisvgm" in message
    with pytest.raises(NNExplainError, match="latex and dvisvgm"):
        render(WeightedSum)
    real_which = math_tex.shutil.which
    monkeypatch.setattr(
        math_tex.shutil,
        "which",
        lambda tool: None if tool == "dvisvgm" else real_which(tool, path="/usr/bin:/bin"),
    )
    with pytest.raises(NNExplainError, match="need dvisvgm:"):
        math_tex.require_latex()


@pytest.mark.parametrize("kind, x", [("sigmoid", -0.46), ("sigmoid", 2.5), ("relu", 1.9), ("relu", -1.2)])
def test_a_point_label_stays_off_the_curve_and_the_axes(kind, x):
    import numpy as np
    from manim import DOWN, LEFT, RIGHT, UP, Text

    from scenes.mobjects.activation_plot import ActivationPlot

    plot = ActivationPlot.covering(kind, [x], [x, 1], 10.5, 3.6)
    y = float(plot.function(x))
    label = plot.label_point(Text(f"f({x}) = {y:.2f}", font_size=24), x, y)
    lines = [plot.graph, plot.axes.x_axis, plot.axes.y_axis]
    points = np.array([line.point_from_proportion(t) for line in lines for t in np.linspace(0, 1, 400)])
    points = np.concatenate([points, plot.axes.get_all_points()])
    low, high = label.get_corner(DOWN + LEFT)[:2], label.get_corner(UP + RIGHT)[:2]
    assert not np.all((points[:, :2] > low) & (points[:, :2] < high), axis=1).any()
    assert np.linalg.norm(label.get_center() - plot.point(x, y)) < 3.0  # still beside its point
