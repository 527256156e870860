"""NetworkDiagram as a Manim user meets it with the shipped networks: the input column a forward
pass lights by default, each layer's colour range and its legend, edge options that mean the same
with every edge drawn, `.animate` twins, flat pixel grids and plain error messages."""

from __future__ import annotations

import numpy as np
import pytest
from manim import Scene, Succession

from network import DEFAULT_WEIGHTS, RELU_WEIGHTS, load_sample, load_weights
from scenes import DARK, NetworkDiagram, PixelGrid, WeightHeatmap
from scenes.mobjects.raster_image import RasterImage
from tests.scene_rendering import point_to_pixel, render_last_frame
from tests.test_library import lit_fraction


@pytest.fixture(scope="module")
def sample():
    return load_sample()


@pytest.mark.parametrize("weights", [DEFAULT_WEIGHTS, RELU_WEIGHTS], ids=["sigmoid", "relu"])
def test_the_default_input_column_is_lit_by_real_digits(weights, sample):
    """Measured with the shipped networks: the default 16 input neurons are pixels 126 ... 514
    (sigmoid) and 265 ... 544 (ReLU); a sample digit inks 31 % of them on average, and only 9
    (sigmoid) and 26 (ReLU) of the 1000 ink none. The strongest-weight pixels shown before were
    border pixels that 965 and 973 digits left dark."""
    images, _ = sample
    model, _ = load_weights(weights)
    shown = NetworkDiagram(model).shown[0]
    assert len(shown) == 16
    inked = images[:, shown] > 0.5
    assert inked.mean() > 0.25
    assert (inked.sum(axis=1) == 0).sum() < 40
    rows, cols = np.divmod(shown, 28)
    assert rows.min() >= 3 and rows.max() <= 24 and cols.min() >= 3 and cols.max() <= 24  # no border


class DefaultDiagram(Scene):
    """A Manim user's scene: the default diagram of a shipped network, one digit through it."""

    weights = DEFAULT_WEIGHTS
    digit = 0
    options: dict = {}

    def construct(self):
        self.model, _ = load_weights(self.weights)
        self.x = load_sample()[0][self.digit]
        self.diagram = NetworkDiagram(self.model, **self.options)
        self.add(self.diagram)
        self.play(self.diagram.animate.set_forward(self.model.forward(self.x)))


def neuron_brightness(scene, frame, layer: int) -> np.ndarray:
    diagram = scene.diagram
    return np.array(
        [
            lit_fraction(frame[point_to_pixel(scene, diagram.neuron(layer, int(j)).get_center())][:3], DARK)
            for j in diagram.shown[layer]
        ]
    )


def test_a_forward_pass_lights_the_default_input_neurons_by_the_digits_pixels(tmp_path):
    scene, frame = render_last_frame(DefaultDiagram, tmp_path)
    frame = frame.astype(int)
    pixels = scene.x[scene.diagram.shown[0]]
    lit = neuron_brightness(scene, frame, 0)
    np.testing.assert_allclose(lit, pixels, atol=0.05)
    assert (lit > 0.5).sum() >= 4 and (lit < 0.1).sum() >= 4  # this 7 inks some and not others


def test_relu_layers_are_coloured_on_their_typical_range_with_a_legend(tmp_path):
    """The shipped ReLU net's hidden activations over the sample reach 39.6; their 99th percentiles
    are 22.2 (layer 1) and 20.1 (layer 2): those are the layers' ranges, written above them."""
    scene_class = type("ReluDiagram", (DefaultDiagram,), {"weights": RELU_WEIGHTS})
    scene, frame = render_last_frame(scene_class, tmp_path)
    frame, diagram = frame.astype(int), scene.diagram
    assert diagram.ranges[0] == diagram.ranges[3] == (0.0, 1.0)
    assert diagram.ranges[1] == (0.0, pytest.approx(22.16, abs=0.01))
    assert diagram.ranges[2] == (0.0, pytest.approx(20.12, abs=0.01))
    assert sorted(diagram.legend_of) == [1, 2]
    assert [label.original_text for label in diagram.legend_of[1].labels] == ["0", "22"]
    assert [label.original_text for label in diagram.legend_of[2].labels] == ["0", "20"]
    for layer in (1, 2):
        legend, column = diagram.legend_of[layer], diagram.layers[layer]
        assert legend.get_bottom()[1] > column.get_top()[1]  # above its column
        assert abs(legend.get_center()[0] - column.get_center()[0]) < 0.01
    forward = scene.model.forward(scene.x)
    a1 = forward.activations[1][diagram.shown[1]]
    assert (a1 >= 1).sum() >= 8  # most would look fully lit on a [0, 1] scale
    np.testing.assert_allclose(neuron_brightness(scene, frame, 1), np.clip(a1 / 22.16, 0, 1), atol=0.05)
    assert np.ptp(neuron_brightness(scene, frame, 1)) > 0.5  # shades, not one uniform glow
    # a range of one's own: layer 1 saturates at 5, layer 2 keeps the typical range
    own = NetworkDiagram(scene.model, activation_range={1: (0, 5)})
    assert own.ranges[1] == (0.0, 5.0) and own.ranges[2] == diagram.ranges[2]
    assert [label.original_text for label in own.legend_of[1].labels] == ["0", "5"]
    assert not NetworkDiagram(scene.model, range_legends=False).legend_of


def test_a_sigmoid_diagram_keeps_zero_to_one_and_draws_no_legend(sample):
    model, _ = load_weights(DEFAULT_WEIGHTS)
    diagram = NetworkDiagram(model)
    assert diagram.ranges == [(0.0, 1.0)] * 4 and not diagram.legend_of and not len(diagram.range_legends)
    given = NetworkDiagram(model, typical=model.forward(sample[0][:200]))
    assert given.ranges == [(0.0, 1.0)] * 4
    # normalised inputs: the input layer's range runs from the background to the ink
    normalised = (sample[0][:200] - 0.1307) / 0.3081
    tilted = NetworkDiagram(model, typical=[normalised, *model.forward(sample[0][:200]).activations[1:]])
    low, high = tilted.ranges[0]
    assert low == pytest.approx(-0.4242, abs=1e-4) and 2.75 < high <= 2.8215  # (1 - 0.1307) / 0.3081
    assert [label.original_text for label in tilted.legend_of[0].labels] == ["-0.42", "2.8"]
    # lit by a normalised digit, the input neurons show its pixels: background dark, ink bright
    pixels = sample[0][0]
    tilted.set_activations(0, (pixels - 0.1307) / 0.3081)
    shown = tilted.shown[0]
    brightness = [circle.get_fill_color().to_rgb()[0] for circle in tilted.layers[0]]  # DARK: gray
    np.testing.assert_allclose(brightness, pixels[shown], atol=0.02)
    assert pixels[shown].max() > 0.95 and pixels[shown].min() == 0  # both ends are checked


def test_a_list_of_weight_matrices_gets_the_samples_pixels_and_other_sizes_the_strongest():
    model, _ = load_weights(DEFAULT_WEIGHTS)
    assert NetworkDiagram(model.weights).shown[0].tolist() == NetworkDiagram(model).shown[0].tolist()
    rng = np.random.default_rng(0)
    small = [rng.normal(size=(8, 64)), rng.normal(size=(10, 8))]
    strength = np.abs(small[0]).sum(axis=0)
    shown = NetworkDiagram(small).shown[0]
    assert len(shown) == 16 and strength[shown].min() >= np.delete(strength, shown).max()


def stroke_extremes(lines) -> tuple[float, float, float, float]:
    widths = [line.get_stroke_width() for line in lines]
    opacities = [line.get_stroke_opacity() for line in lines]
    return min(widths), max(widths), min(opacities), max(opacities)


def test_edge_options_mean_the_same_with_every_edge_drawn():
    model, _ = load_weights(DEFAULT_WEIGHTS)
    options = {"min_width": 0.5, "max_width": 2.0, "min_opacity": 0.1, "max_opacity": 0.4}
    shown = NetworkDiagram(model, edge_config=options)
    every = NetworkDiagram(model, full_edges=True, edge_config={**options, "rasterise": False})
    for layer in (2, 3):  # 16 inputs a neuron: not crowded, so exactly the options
        for diagram in (shown, every):
            low_w, high_w, low_o, high_o = stroke_extremes(diagram.edges[layer - 1])
            assert high_w == pytest.approx(2.0) and high_o == pytest.approx(0.4)
            assert 0.5 <= low_w < 0.6 and 0.1 <= low_o < 0.12
    # 784 inputs a neuron: the strongest edge keeps max_opacity, the others thin and fade
    low_w, high_w, low_o, high_o = stroke_extremes(every.edges[0])
    assert high_o == pytest.approx(0.4) and high_w < 2.0 and low_o < 0.1 / 5
    rasterised = NetworkDiagram(model, full_edges=True, edge_config={"max_opacity": 0.4})
    default = NetworkDiagram(model, full_edges=True)  # max_opacity 0.9
    assert isinstance(rasterised.edges[2], RasterImage)
    faint, bright = (d.edges[2].pixel_array[:, :, 3].astype(float).mean() for d in (rasterised, default))
    assert 0.35 < faint / bright < 0.6  # the opacities of the drawn edges, 0.4 / 0.9 for the strong ones
    lines_kept = NetworkDiagram(model, full_edges=True, edge_config={"rasterise": False})
    assert lines_kept.edge(3, 7, 4) in lines_kept.edges[2]  # every line reachable, as with a few
    pictured = NetworkDiagram(model, edge_config={"rasterise": True})  # a few edges, as one image
    assert all(isinstance(edges, RasterImage) for edges in pictured.edges)
    with pytest.raises(ValueError, match="edge_config: unknown 'max_widht'; the options are max_width"):
        NetworkDiagram(model, edge_config={"max_widht": 1.0})
    with pytest.raises(ValueError, match="edge_config: unknown 'colour'"):
        NetworkDiagram(model, full_edges=True, edge_config={"colour": "red"})


def test_animate_set_activations_and_set_forward_are_the_diagrams_animations(sample):
    model, _ = load_weights(DEFAULT_WEIGHTS)
    diagram = NetworkDiagram(model)
    forward = model.forward(sample[0][3])
    passing = diagram.animate(run_time=3).set_forward(forward).build()
    assert isinstance(passing, Succession) and len(passing.animations) == 4 and passing.run_time == 3
    lighting = diagram.animate.set_activations(2, forward.activations[2]).build()
    assert len(lighting.animations) == 16  # one fill per shown neuron
    lighting.begin()
    lighting.finish()
    expected = [diagram.theme.activation_color(a) for a in forward.activations[2]]
    assert [circle.get_fill_color() for circle in diagram.layers[2]] == expected


def test_pixel_grids_take_flat_squares_and_errors_print_plain_numbers(sample):
    images, _ = sample
    flat = PixelGrid(images[5])
    np.testing.assert_array_equal(flat.values, images[5].reshape(28, 28))
    assert (flat.rows, flat.cols) == (28, 28)
    with pytest.raises(ValueError, match="PixelGrid needs a 2-D array or a square number of values, got 10"):
        PixelGrid(np.zeros(10))
    with pytest.raises(ValueError, match="got shape \\(2, 2, 2\\)"):
        PixelGrid(np.zeros((2, 2, 2)))
    weights = np.linspace(-0.5, 0.5, 784)
    faint = WeightHeatmap(weights, saturation=1.0, height=2.0)
    full = WeightHeatmap(weights, height=2.0)
    assert faint.height == pytest.approx(2.0) and full.height == pytest.approx(2.0)  # height is the size
    # saturation is where colours are full: at 1.0 the weight 0.5 is half-way to the positive colour
    assert faint.image.pixel_array[-1, -1, :3].max() < 0.6 * full.image.pixel_array[-1, -1, :3].max()
    model, _ = load_weights(DEFAULT_WEIGHTS)
    with pytest.raises(ValueError) as error:
        NetworkDiagram(model).neuron(0, 3)
    assert "shown: [126, 266, 267" in str(error.value) and "np." not in str(error.value)
