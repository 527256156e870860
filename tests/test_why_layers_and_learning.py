"""WhyLayers (real digits cut into loops and lines, then the real network's answer) and
LearningOverEpochs (the real training run, snapshot by snapshot, from the shipped history or a
run of your own)."""

from __future__ import annotations

import numpy as np
import pytest

from network.errors import NNExplainError
from network.history import DEFAULT_HISTORY, load_history
from network.model import MLP
from network.weights_file import RELU_WEIGHTS, save_snapshot, save_weights
from scenes.mobjects.theme import DARK
from scenes.story.inputs import StoryConfig, load_story_inputs
from scenes.story.learning_over_epochs import LearningOverEpochs
from scenes.story.why_layers import WhyLayers
from tests.cli_errors import assert_one_error_line
from tests.scene_rendering import render_last_frame


def texts(group) -> list[str]:
    return [m.original_text for m in group.get_family() if hasattr(m, "original_text")]


def bar_heights(bars) -> np.ndarray:
    return np.array([column[0].height for column in bars[1]])


def test_learning_over_epochs_shows_the_shipped_run(tmp_path):
    scene, frame = render_last_frame(LearningOverEpochs, tmp_path)
    history, story = load_history(DEFAULT_HISTORY), load_story_inputs(StoryConfig())
    assert scene.history.epochs == history.epochs == [0, 1, 2, 5, 10, 30]
    last = history.snapshots[-1].model
    # the heatmaps the scene ends on are the last snapshot's first layer
    for heatmap, w in zip(scene.heatmaps[-1], last.weights[0]):
        np.testing.assert_array_equal(heatmap.values.ravel(), w)
    # the bars are the outputs each snapshot computes for the followed digit
    outputs = np.stack([s.model.forward(story.layer(0)).activations[-1] for s in history.snapshots])
    np.testing.assert_allclose(scene.outputs, outputs)
    np.testing.assert_allclose(bar_heights(scene.bars[0]), np.maximum(1.7 * outputs[-1], 0.01), atol=1e-6)
    assert texts(scene.readouts[-1]) == ["test digit #32", f"reads 3 ({100 * outputs[-1][3]:.1f}%)"]
    assert texts(scene.readouts[0]) == ["test digit #32", f"reads 6 ({100 * outputs[0][6]:.1f}%)"]
    np.testing.assert_allclose(scene.readouts[0].get_center(), scene.readouts[-1].get_center(), atol=0.05)
    # both accuracy curves drawn over every epoch, piece by piece
    drawn = sum(len(piece.get_anchors()) for piece in scene.curve_marks)
    assert drawn >= 2 * 30  # 31 points a curve, split into pieces that share their ends
    notes = " ".join(step.notes for step in scene.steps)
    assert "12.3% of the test digits" in notes and "95.9% of the test digits" in notes
    assert "The network of epoch 30 is the one the whole story shows" in notes


def test_learning_over_epochs_tells_your_own_run(tmp_path):
    """A 784-32-10 ReLU trained for two epochs with snapshots, and its weights: 32 heatmaps, 3 epochs."""
    from network.data import Dataset, load_sample
    from network.training import TrainConfig, train

    images, labels = load_sample()
    data = Dataset(images[:800], labels[:800], images[800:], labels[800:], checksums={})
    config = TrainConfig(sizes=(784, 32, 10), activation="relu", epochs=2, validation_size=100)
    folder = tmp_path / "run"
    result = train(
        data,
        config,
        progress=False,
        on_epoch=lambda report, state: save_snapshot(
            folder / f"epoch-{report.epoch:03d}.npz",
            MLP(config.sizes, "relu"),
            state,
            {"validation_accuracy": report.validation_accuracy},
        ),  # fmt: skip
    )
    weights = tmp_path / "mine.npz"
    save_weights(result.model, weights, {"best_epoch": result.best_epoch})
    scene, _ = render_last_frame(LearningOverEpochs, tmp_path, StoryConfig(weights=weights, history=folder))
    assert scene.history.epochs == [0, 1, 2]
    assert len(scene.heatmaps[0]) == 32
    assert [s.test_accuracy for s in scene.history.snapshots] == [None] * 3  # not recorded: not shown
    notes = " ".join(step.notes for step in scene.steps)
    assert f"The network of epoch {result.best_epoch} is the one the whole story shows" in notes
    assert "784-32-10" in notes


def test_learning_over_epochs_needs_the_weights_own_run(tmp_path):
    with pytest.raises(NNExplainError, match="no training history for relu.npz"):
        render_last_frame(LearningOverEpochs, tmp_path, StoryConfig(weights=RELU_WEIGHTS))
    with pytest.raises(
        NNExplainError, match="the history of a 784-16-16-10 sigmoid network, but the weights"
    ):
        render_last_frame(
            LearningOverEpochs, tmp_path, StoryConfig(weights=RELU_WEIGHTS, history=DEFAULT_HISTORY)
        )


def test_why_layers_cuts_real_digits_and_shows_the_real_answer(tmp_path):
    scene, frame = render_last_frame(WhyLayers, tmp_path)
    story = load_story_inputs(StoryConfig())
    names = {label: [part.name for part in parts] for label, (_, _, parts) in scene.examples.items()}
    assert names == {9: ["loop on top", "line on the right"], 8: ["loop on top", "loop below"]}
    for label, (index, pixels, _) in scene.examples.items():
        assert story.sample.labels[index] == label
        np.testing.assert_array_equal(pixels.ravel(), story.sample.activations[0][index])
    # the last step's circles are the real layer-2 activations of the digit, its parts and the 8's loops
    _, images = scene.part_inputs()
    real = MLP.from_layers(story.weights, story.biases, "sigmoid").forward(images).activations[2]
    for row, values in zip(scene.rows, real):
        fills = [circle.get_fill_color().to_hex() for circle in row[2]]
        assert fills == [DARK.activation_color(values[n]).to_hex() for n in scene.neuron_row]
    notes = scene.steps[-1].notes
    j = int(np.argmax(real[1] - real[2]))
    assert f"neuron {j} prefers the 9's loop to its line most: {real[1, j]:.2f} for the loop" in notes
    assert [step.title for step in scene.steps] == [
        "The hope behind the layers",
        "An 8 is two loops",
        "A loop is made of small edges",
        "What the trained network does",
    ]


def test_why_layers_follows_a_network_with_one_wide_hidden_layer(tmp_path, relu_784_32_10):
    scene, _ = render_last_frame(WhyLayers, tmp_path, StoryConfig(weights=relu_784_32_10, theme="light"))
    assert len(scene.neuron_row) == 16  # 32 neurons: the 15 most active and the loop neuron
    assert "of layer 1," in scene.steps[-1].notes


def test_the_whole_story_leaves_learning_out_for_weights_without_a_run(tmp_path, run):
    from scenes.cli.options import available_entries
    from scenes.story.catalog import STORY

    notes = []
    without = StoryConfig(weights=RELU_WEIGHTS)
    kept = available_entries(STORY, without, everything=True, log=notes.append)
    assert [e.name for e in kept] == [e.name for e in STORY if e.name != "LearningOverEpochs"]
    assert notes == [
        "leaving out LearningOverEpochs: no training history for relu.npz: train it with --snapshots DIR"
        " and pass --history DIR (or keep DIR as relu-history beside the weights)"
    ]
    assert available_entries(STORY, StoryConfig(), everything=True) == list(STORY)  # the shipped run
    code, out, err = run(
        "figure", "learning-over-epochs", "--weights", RELU_WEIGHTS, "--out", tmp_path / "a.png"
    )
    assert_one_error_line(code, out, err, "LearningOverEpochs: no training history for relu.npz", status=1)
    code, out, err = run(
        "figure", "learning-over-epochs", "--history", tmp_path / "none", "--out", tmp_path / "b.png"
    )
    assert_one_error_line(code, out, err, "is not a folder of snapshots", status=2)
    assert list(tmp_path.iterdir()) == []
