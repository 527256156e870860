"""The story told from other networks: imported ones (normalised inputs), other data sets (their own
images and class names in every scene), square images of any side, 2 to 30 classes."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from network.data import load_sample, read_idx
from network.model import MLP
from network.weights_file import load_weights, save_weights
from scenes.choices.class_names import article, in_sentence, output_labels, plural, this_is
from scenes.cli.options import available_entries, unavailable
from scenes.mobjects.pixel_grid import PixelGrid, WeightHeatmap
from scenes.story.catalog import STORY, find
from scenes.story.inputs import StoryConfig, load_story_inputs
from scenes.story.title import story_subtitle, story_title
from tests.scene_rendering import render_last_frame

DIGIT_WORDS = ["zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine"]
FASHION = [
    "T-shirt/top",
    "Trouser",
    "Pullover",
    "Dress",
    "Coat",
    "Sandal",
    "Shirt",
    "Sneaker",
    "Bag",
    "Ankle boot",
]


def texts(scene) -> list[str]:
    return [
        m.original_text for top in scene.mobjects for m in top.get_family() if hasattr(m, "original_text")
    ]


def pictures(scene) -> list[np.ndarray]:
    """Every image of a digit (not a weight heatmap) the scene shows at its end."""
    return [
        m.values
        for top in scene.mobjects
        for m in top.get_family()
        if isinstance(m, PixelGrid) and not isinstance(m, WeightHeatmap)
    ]


# ---------------------------------------------------------------- class names in words


def test_titles_read_naturally_with_any_class_name():
    assert (
        this_is("3") == "This is a 3" and this_is("8") == "This is an 8" and this_is("11") == "This is an 11"
    )
    assert (
        this_is("Ankle boot") == "This is an ankle boot" and this_is("T-shirt/top") == "This is a T-shirt/top"
    )
    assert this_is("eight") == "This is an eight" and this_is("USB stick") == "This is a USB stick"
    assert (
        article("F") == "an"
        and article("18") == "an"
        and article("180") == "a"
        and article("Umbrella") == "an"
    )
    assert in_sentence("Sandal") == "sandal" and in_sentence("SUV") == "SUV"
    assert [plural(n) for n in ("3", "Dress", "Ankle boot", "box")] == [
        "3s",
        "dresses",
        "ankle boots",
        "boxes",
    ]


def test_output_labels_are_shortened_only_where_long_and_stay_distinct():
    assert output_labels([str(k) for k in range(10)]) == ([str(k) for k in range(10)], False)
    labels, shortened = output_labels(FASHION)
    assert shortened and len(set(labels)) == 10 and max(len(label) for label in labels) <= 6
    assert labels[1] == "Trous." and labels[3] == "Dress" and labels[9] == "Ankle."
    twins, _ = output_labels(["Shirt long", "Shirt short"], max_chars=5)
    assert len(set(twins)) == 2 and all(label.startswith("Shir") for label in twins)


# ---------------------------------------------------------------- another data set, every scene


@pytest.fixture(scope="module")
def digits28_config(digits28_weights, mnist_dir):
    """The network of the 28x28 digit set, told with MNIST as the data directory (as CI sets
    NNEXPLAIN_DATA): its images must still be its own."""
    return StoryConfig(weights=digits28_weights, data_dir=mnist_dir)


def test_the_story_of_another_data_set_uses_its_own_images_and_names(digits28_config, digits28_dir, tmp_path):
    own = read_idx(digits28_dir / "t10k-images-idx3-ubyte.gz").reshape(-1, 784) / 255.0
    mnist = load_sample()[0]
    story = load_story_inputs(digits28_config)
    np.testing.assert_allclose(story.sample.pixels, own, atol=1e-6)  # the sample stored in the weights
    beside = load_story_inputs(StoryConfig(weights=digits28_config.weights, data_dir=digits28_dir))
    np.testing.assert_allclose(beside.sample.pixels, own, atol=1e-6)  # its own test split
    assert story.classes[3] == "three" and story.item == "image"
    entries = available_entries(STORY, digits28_config, everything=True, log=lambda line: None)
    assert "WhyLayers" not in [e.name for e in entries]  # it tells of MNIST's 8s and 9s
    assert "not the digits 0-9" in unavailable(find("WhyLayers"), digits28_config)
    for entry in entries:
        if entry.needs_history:
            continue
        scene, _ = render_last_frame(entry.load(), tmp_path, digits28_config)
        for values in pictures(scene):
            flat = values.reshape(-1)
            if flat.size == 784:
                assert np.abs(own - flat).max(axis=1).min() < 1e-6, (
                    f"{entry.name} shows an image not of the set"
                )
                assert np.abs(mnist - flat).max(axis=1).min() > 0.1, f"{entry.name} shows an MNIST digit"
        words = " ".join(texts(scene))
        if entry.name == "ReLUvsSigmoid":  # beside the shipped twin of the other activation, trained on MNIST
            assert "accuracy on digits28" in words and "accuracy on MNIST" in words
        else:
            assert "MNIST" not in words, entry.name
        if entry.name == "ThisIsAThree":  # the followed test image is labelled 6, named in classes.txt
            assert "This is a six" in texts(scene) and scene.steps[0].title == "This is a six"
            assert "Here are 5 sixes, each only 28 by 28 pixels" in scene.steps[0].notes
        if entry.name in ("ForwardPass", "LayerDiagram"):
            assert [m.original_text for m in scene.diagram.output_labels] == DIGIT_WORDS


def test_a_network_of_8x8_images_is_told_in_its_own_sizes(digits8_weights, tmp_path):
    config = StoryConfig(weights=digits8_weights)
    story = load_story_inputs(config)
    assert story.side == 8 and story.pixels().shape == (8, 8)
    scene, _ = render_last_frame(find("PixelsToInputLayer").load(), tmp_path, config)
    words = texts(scene)
    assert "64 pixels become 64 input neurons" in words and "pixel (r, c)  →  neuron 8r + c" in words
    r, c = divmod(int(scene.run_neurons[0]), 8)
    assert f"pixel ({r}, {c})  →  neuron {scene.run_neurons[0]}:  {scene.run_values[0]:.2f}" in words
    scene, _ = render_last_frame(find("EdgeDetector").load(), tmp_path, config)
    assert "its 64 weights w" in texts(scene) and scene.weights_grid.values.shape == (8, 8)
    scene, _ = render_last_frame(find("ThisIsAThree").load(), tmp_path, config)
    assert "each only 8 by 8 pixels" in scene.steps[0].notes and "these 64 numbers" in scene.steps[1].notes


# ---------------------------------------------------------------- imported networks


def test_normalised_inputs_show_their_real_values_and_the_raw_picture(torch_import, tmp_path):
    config = StoryConfig(weights=torch_import)
    story = load_story_inputs(config)
    pixels = load_sample()[0][32]
    np.testing.assert_allclose(story.pixels().reshape(-1), pixels)
    np.testing.assert_allclose(story.layer(0), (pixels - 0.1307) / 0.3081, rtol=1e-6, atol=1e-6)
    scene, _ = render_last_frame(find("PixelsToInputLayer").load(), tmp_path, config)
    np.testing.assert_allclose(scene.run_values, story.layer(0)[scene.run_neurons])
    shown = [words for words in texts(scene) if words.startswith("pixel (") and ":  " in words]
    assert [words.rsplit(":  ", 1)[1] for words in shown] == [f"{v:.2f}" for v in scene.run_values]
    assert scene.run_values.min() < 0 or scene.run_values.max() > 1  # normalised: outside [0, 1]
    scene, _ = render_last_frame(find("EdgeDetector").load(), tmp_path, config)
    j = scene.neuron
    np.testing.assert_allclose(
        scene.product_grid.values.reshape(-1), story.weights[0][j] * story.layer(0), rtol=1e-6
    )
    assert "the digit's pixels" in texts(scene)
    numbers = story.neuron_numbers(*story.followed_neuron())  # w·a uses the real inputs, checked inside
    assert numbers["z"] == pytest.approx(numbers["weighted_sum"] + numbers["b"])


IMPORTED = ["torch_import", "keras_import"]
# Every beat but the one an imported network lacks (checked below), each a test of its own so that
# pytest-xdist spreads the 30 renders over the cores.
BEATS_OF_IMPORTS = [entry for entry in STORY if entry.name != "LearningOverEpochs"]


@pytest.fixture(scope="module")
def beats_media(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("beats")  # one per worker, so LaTeX compiled once is reused


@pytest.mark.parametrize("weights", IMPORTED)
def test_imported_networks_offer_every_beat_but_learning(weights, request):
    config = StoryConfig(weights=request.getfixturevalue(weights))
    entries = available_entries(STORY, config, everything=True, log=lambda line: None)
    assert entries == BEATS_OF_IMPORTS
    assert [e.name for e in STORY if e not in entries] == ["LearningOverEpochs"]  # no training run


@pytest.mark.parametrize("entry", BEATS_OF_IMPORTS, ids=lambda entry: entry.name)
@pytest.mark.parametrize("weights", IMPORTED)
def test_imported_networks_render_every_beat(weights, entry, request, beats_media):
    config = StoryConfig(weights=request.getfixturevalue(weights))
    scene, frame = render_last_frame(entry.load(), beats_media, config)
    assert frame[..., :3].std() > 10, f"{entry.name} drew nothing"
    assert scene.steps, entry.name


def test_imported_networks_make_lecture_figures(run, torch_import, tmp_path):
    import xml.etree.ElementTree as ET

    from PIL import Image

    png, svg = tmp_path / "forward.png", tmp_path / "layers.svg"
    for name, out in (("forward-pass", png), ("layer-diagram", svg)):
        code, _, err = run(
            "figure", name, "--weights", torch_import, "--theme", "light", "--width", 640, "--out", out
        )
        assert code == 0, err
    image = np.asarray(Image.open(png).convert("RGB"))
    assert image.shape == (360, 640, 3) and image.std() > 10
    paths = ET.parse(svg).getroot().iter("{http://www.w3.org/2000/svg}path")
    assert sum(1 for _ in paths) > 200  # the edges and neurons, drawn as vectors


# ---------------------------------------------------------------- long class names, 2 and 30 classes


def named_network(tmp_path, sizes, classes, seed=0):
    """A random network of the given sizes whose manifest names its classes (MNIST-sized inputs)."""
    path = tmp_path / f"net-{len(classes)}.npz"
    model = MLP.initialise(sizes, "sigmoid", seed=seed)
    dataset = {"name": "classes", "classes": list(classes), "side": 28, "checksums": {}}
    save_weights(model, path, {"dataset": dataset, "test_accuracy": 0.5})
    return path


def test_long_class_names_get_short_labels_and_a_legend(tmp_path, mnist_dir, run):
    out = tmp_path / "fashion.npz"
    keras = Path(__file__).parent / "fixtures" / "imports" / "keras_sigmoid.keras"
    code, _, err = run("import", keras, "--classes", ",".join(FASHION), "--out", out)
    assert code == 0, err
    config = StoryConfig(weights=out, data_dir=mnist_dir)
    scene, _ = render_last_frame(find("ForwardPass").load(), tmp_path, config)
    labels = [m.original_text for m in scene.diagram.output_labels]
    assert labels == output_labels(FASHION)[0]
    legend = [m.original_text for m in scene.legend]
    assert "Ankle. = Ankle boot" in legend and "T-shi. = T-shirt/top" in legend and len(legend) == 5
    assert scene.legend.get_right()[0] < 7.1 and scene.diagram.get_right()[0] < scene.legend.get_left()[0]
    scene, _ = render_last_frame(find("ThisIsAThree").load(), tmp_path, config)
    assert "This is a dress" in texts(scene)  # test digit 32 is labelled 3: the fourth class


@pytest.mark.parametrize("count", [2, 30])
def test_two_to_thirty_classes_render(count, tmp_path, mnist_dir):
    """A 30-class network told with MNIST's test digits (labels 0-9 are among its classes); a
    2-class one with MNIST's test 0s and 1s as its data set."""
    classes = [f"c{k}" for k in range(count)]
    data_dir = mnist_dir if count == 30 else zeros_and_ones(tmp_path / "two", mnist_dir)
    config = StoryConfig(weights=named_network(tmp_path, (784, 16, count), classes), data_dir=data_dir)
    for name in (
        "LayerDiagram",
        "ForwardPass",
        "ParameterCount",
        "NetworkAsFunction",
        "MatrixVectorNotation",
    ):
        scene, frame = render_last_frame(find(name).load(), tmp_path, config)
        assert frame[..., :3].std() > 10
        if hasattr(scene, "diagram"):
            labels = scene.diagram.output_labels
            assert [m.original_text for m in labels] == classes  # every class drawn and named
            spans = sorted((label.get_bottom()[1], label.get_top()[1]) for label in labels)
            assert all(top <= next_bottom for (_, top), (next_bottom, _) in zip(spans, spans[1:])), "overlap"


def zeros_and_ones(directory, mnist_dir):
    """MNIST's test 0s and 1s as a two-class IDX set (train and test alike)."""
    from network.data import SPLITS
    from tests.conftest import idx_bytes

    images = read_idx(mnist_dir / "t10k-images-idx3-ubyte.gz")
    labels = read_idx(mnist_dir / "t10k-labels-idx1-ubyte.gz")
    keep = labels < 2
    directory.mkdir()
    for key, stem in SPLITS.items():
        (directory / stem).write_bytes(idx_bytes(images[keep] if key.endswith("images") else labels[keep]))
    return directory


def test_a_deck_of_another_data_set_is_titled_by_it(digits28_weights, digits8_weights, relu_784_32_10):
    """The title card, first slide and PDF title of a deck (scenes/story/title.py) from the weights'
    manifest: the video's title for MNIST only."""
    manifests = [load_weights(path)[1] for path in (digits28_weights, digits8_weights, relu_784_32_10)]
    assert [story_title(manifest) for manifest in manifests] == [
        "What a neural network sees in digits28",
        "What a neural network sees in digits8x8",
        "But what is a neural network?",
    ]
    assert [story_subtitle(manifest) for manifest in manifests] == [
        "A 784-16-16-10 sigmoid network trained on digits28: zero, one, two, …",
        "A 64-16-16-10 sigmoid network trained on digits8x8",
        "A 784-32-10 ReLU network trained on MNIST",
    ]
    fashion = {"sizes": [784, 16, 10], "activation": "relu",
               "dataset": {"name": "Fashion-MNIST", "classes": FASHION, "side": 28}}  # fmt: skip
    assert story_title(fashion) == "What a neural network sees in Fashion-MNIST"
    assert (
        story_subtitle(fashion)
        == "A 784-16-10 ReLU network trained on Fashion-MNIST: T-shirt/top, Trouser, Pullover, …"
    )
    unnamed = {"sizes": [256, 30, 4], "activation": "sigmoid"}  # an import that says nothing of its data
    assert story_title(unnamed) == "What a neural network sees in 16×16 images"
    assert story_subtitle(unnamed) == "A 256-30-4 sigmoid network trained on 16×16 images in 4 classes"
