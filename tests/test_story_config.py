"""The story layer: its one environment reader, the catalogue (one description per scene, the same
in `nnexplain scenes`, the class docstring and the README) and the one activation table."""

from __future__ import annotations

import os
import re
from pathlib import Path

import numpy as np
import pytest

from network.activations import ACTIVATIONS
from network.errors import NNExplainError
from network.weights_file import DEFAULT_WEIGHTS, RELU_WEIGHTS, load_weights, save_weights
from scenes.story.base import StoryScene
from scenes.story.catalog import STORY, find
from scenes.story.inputs import DEFAULT_DIGIT, StoryConfig, load_story_inputs

REPO = Path(__file__).resolve().parents[1]


def test_story_configuration_from_the_environment(monkeypatch, tmp_path):
    for name in (
        "NNEXPLAIN_WEIGHTS",
        "NNEXPLAIN_DIGIT",
        "NNEXPLAIN_IMAGE",
        "NNEXPLAIN_THEME",
        "NNEXPLAIN_FULL_EDGES",
    ):
        monkeypatch.delenv(name, raising=False)
    assert StoryConfig.from_environment() == StoryConfig()
    assert StoryConfig().followed_digit == DEFAULT_DIGIT and StoryConfig().weights == DEFAULT_WEIGHTS
    monkeypatch.setenv("NNEXPLAIN_WEIGHTS", str(RELU_WEIGHTS))
    monkeypatch.setenv("NNEXPLAIN_DIGIT", "7")
    monkeypatch.setenv("NNEXPLAIN_THEME", "light")
    monkeypatch.setenv("NNEXPLAIN_FULL_EDGES", "lines")
    config = StoryConfig.from_environment()
    assert (config.weights, config.digit, config.theme, config.full_edges, config.edge_lines) == (
        RELU_WEIGHTS,
        7,
        "light",
        True,
        True,
    )
    assert StoryConfig.from_json(config.to_json()) == config
    monkeypatch.setenv("NNEXPLAIN_DIGIT", "seven")
    with pytest.raises(NNExplainError, match="NNEXPLAIN_DIGIT must be a test-set index, got 'seven'"):
        StoryConfig.from_environment()
    monkeypatch.setenv("NNEXPLAIN_IMAGE", str(tmp_path / "mine.png"))  # an image wins over a digit
    assert StoryConfig.from_environment().image == tmp_path / "mine.png"
    with pytest.raises(NNExplainError, match="unknown theme 'sepia'"):
        StoryConfig(theme="sepia")
    with pytest.raises(NNExplainError, match="not both"):
        StoryConfig(digit=3, image=tmp_path / "mine.png")


def test_story_inputs_are_keyed_on_the_data_directory(mnist_dir, tmp_path, make_idx_dir, mnist_uint8):
    """Two data directories give two different digit 5s, never one cached for both (weights of an
    unnamed 28x28 data set, which takes its test images from the data directory)."""
    other = make_idx_dir(
        tmp_path / "other",
        {
            "train_images": mnist_uint8["train_images"][:10],
            "train_labels": mnist_uint8["train_labels"][:10],
            "test_images": mnist_uint8["test_images"][::-1][:20],
            "test_labels": mnist_uint8["test_labels"][::-1][:20],
        },
    )
    model, manifest = load_weights(DEFAULT_WEIGHTS)
    unnamed = {"name": "unnamed", "classes": [str(k) for k in range(10)], "side": 28, "checksums": {}}
    save_weights(model, tmp_path / "unnamed.npz", {**manifest, "dataset": unnamed})
    mnist = load_story_inputs(StoryConfig(weights=tmp_path / "unnamed.npz", digit=5, data_dir=mnist_dir))
    reversed_set = load_story_inputs(StoryConfig(weights=tmp_path / "unnamed.npz", digit=5, data_dir=other))
    np.testing.assert_array_equal(
        mnist.layer(0) * 255, mnist_uint8["test_images"][5].reshape(-1).astype(np.float32)
    )
    np.testing.assert_array_equal(
        reversed_set.layer(0) * 255, mnist_uint8["test_images"][-6].reshape(-1).astype(np.float32)
    )
    shipped = load_story_inputs(StoryConfig(digit=5, data_dir=other))  # MNIST weights: MNIST's own digit 5
    np.testing.assert_array_equal(
        shipped.layer(0) * 255, mnist_uint8["test_images"][5].reshape(-1).astype(np.float32)
    )


def test_configurations_mean_the_same_files_in_any_directory(tmp_path, monkeypatch, mnist_uint8):
    from PIL import Image

    monkeypatch.chdir(tmp_path)
    Image.fromarray(mnist_uint8["test_images"][0]).save("digit.png")  # a 7
    (tmp_path / "net.npz").write_bytes(DEFAULT_WEIGHTS.read_bytes())
    config = StoryConfig(weights="net.npz", image="digit.png", data_dir="data")
    assert config.weights == tmp_path / "net.npz" and config.image == tmp_path / "digit.png"
    monkeypatch.chdir(REPO)  # where the render workers run
    again = StoryConfig.from_json(config.to_json())
    assert again == config and load_story_inputs(again).prediction == 7
    # the same name redrawn: the inputs are loaded afresh, not taken from the cache
    Image.fromarray(mnist_uint8["test_images"][1]).save(tmp_path / "digit.png")  # a 2
    os.utime(tmp_path / "digit.png", ns=(1, 10**18))
    assert load_story_inputs(again).prediction == 2


def test_only_the_story_configuration_reads_the_environment():
    """`grep os.environ network scenes`: the story's reader, network's data-directory default, the
    command's --debug twin (NNEXPLAIN_DEBUG), the cluster worker, which hands its own environment
    to the render process it starts (less the Dask nanny's thread limits), and the fork server (both
    sides), which gives each worker it forks the environment of the process that asked for it."""
    readers = {
        path.relative_to(REPO).as_posix()
        for folder in ("network", "scenes")
        for path in REPO.joinpath(folder).rglob("*.py")
        if re.search(r"\benviron\b|getenv", path.read_text(encoding="utf-8"))
    }
    assert readers == {
        "scenes/story/inputs.py",
        "network/data.py",
        "network/cli_run.py",
        "scenes/production/cluster_worker.py",
        "scenes/production/fork_server.py",
        "scenes/production/forked_worker.py",
    }
    runner = REPO.joinpath("network/cli_run.py").read_text(encoding="utf-8")
    assert runner.count("os.environ") == 1 and "os.environ.get(DEBUG_VARIABLE" in runner
    story = REPO.joinpath("scenes/story/inputs.py").read_text(encoding="utf-8")
    assert story.count("os.environ") == 1  # inside StoryConfig.from_environment
    data = REPO.joinpath("network/data.py").read_text(encoding="utf-8")
    assert data.count("os.environ") == 3 and "def environment_defaults" in data


def readme_scene_table() -> list[tuple[str, str]]:
    section = REPO.joinpath("README.md").read_text(encoding="utf-8").split("## The story")[1]
    return re.findall(r"^\| \d+ \| `(\w+)` \| (.+?) \|$", section, re.M)


def test_one_description_per_scene_in_catalogue_docstring_and_readme(capsys):
    from scenes.cli import main

    assert readme_scene_table() == [(entry.name, entry.description) for entry in STORY]
    assert main(["scenes"]) == 0
    listed = capsys.readouterr().out.splitlines()
    for entry, line in zip(STORY, listed, strict=True):
        scene_class = entry.load()
        assert issubclass(scene_class, StoryScene) and scene_class.__name__ == entry.name
        assert scene_class.__doc__.split("\n\n")[0].split() == entry.description.split()
        assert scene_class.__module__ == entry.module and Path(entry.path).is_file()
        assert line.split()[:2] == [entry.name, entry.kebab] and line.endswith(entry.description)
    assert find("forward_pass") is find("ForwardPass") is find("forward-pass")


def test_each_scene_module_is_named_after_its_scene():
    modules = sorted(p.stem for p in REPO.joinpath("scenes/story").glob("*.py"))
    scenes = sorted(entry.path.stem for entry in STORY)
    assert set(scenes) <= set(modules) and set(modules) - set(scenes) == {
        "__init__",
        "base",
        "catalog",
        "inputs",
        "title",
    }


@pytest.mark.parametrize("name", sorted(ACTIVATIONS))
def test_activation_table_derivative_and_notation(name):
    activation = ACTIVATIONS[name]
    z = np.linspace(-4, 4, 81)
    z = z[np.abs(z) > 0.05]  # away from ReLU's kink
    a = activation.function(z)
    numeric = (activation.function(z + 1e-5) - activation.function(z - 1e-5)) / 2e-5
    np.testing.assert_allclose(activation.derivative(a), numeric, atol=1e-6)
    assert activation.formula_tex("x").startswith(activation.tex + "(x) = ")
    if activation.output_range:
        assert activation.output_range[0] <= a.min() and a.max() <= activation.output_range[1]


def test_the_command_line_offers_exactly_the_table(capsys):
    from scenes.cli import main

    assert main(["train", "--activation", "tanh", "--epochs", "1"]) == 2
    err = capsys.readouterr().err
    assert all(f"'{name}'" in err for name in ACTIVATIONS) and "'tanh' is not one of" in err
