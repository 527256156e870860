"""network.training on real MNIST subsets: determinism, learning, augmentation, schedule, split."""

from __future__ import annotations

import numpy as np
import pytest

from network.data import Dataset
from network.errors import NNExplainError
from network.model import MLP
from network.training import ShiftedBatches, TrainConfig, one_cycle, one_hot, train, validation_split

pytestmark = pytest.mark.usefixtures("offline")


def train_subset(dataset, n: int, keep_test: bool = False) -> Dataset:
    """The first n real training digits. Without keep_test the test split is None, so that
    training which peeks at the test set fails loudly."""
    return Dataset(
        dataset.train_images[:n],
        dataset.train_labels[:n],
        dataset.test_images if keep_test else None,
        dataset.test_labels if keep_test else None,
        checksums={},
    )


SMALL = dict(sizes=(784, 16, 16, 10), epochs=2, validation_size=1000)


def test_same_seed_gives_identical_parameters(dataset):
    subset = train_subset(dataset, 5000)
    first = train(subset, TrainConfig(**SMALL, seed=7), progress=False)
    second = train(subset, TrainConfig(**SMALL, seed=7), progress=False)
    np.testing.assert_array_equal(first.model.parameters, second.model.parameters)
    assert [r.loss for r in first.history] == [r.loss for r in second.history]
    assert first.best_epoch == second.best_epoch


def test_different_seed_gives_different_parameters(dataset):
    subset = train_subset(dataset, 5000)
    first = train(subset, TrainConfig(**SMALL, seed=7), progress=False)
    other = train(subset, TrainConfig(**SMALL, seed=8), progress=False)
    assert not np.allclose(first.model.parameters, other.model.parameters)


def test_training_a_few_epochs_learns_real_digits(dataset):
    subset = train_subset(dataset, 10000, keep_test=True)
    config = TrainConfig(
        sizes=(784, 16, 16, 10), epochs=3, validation_size=2000, max_learning_rate=0.01, seed=0
    )
    result = train(subset, config, progress=False)
    assert len(result.history) == 3
    assert result.validation_accuracy > 0.8  # chance is 0.1
    assert result.model.accuracy(dataset.test_images, dataset.test_labels) > 0.8
    # training loss falls and the reports are real numbers
    losses = [report.loss for report in result.history]
    assert all(np.isfinite(losses)) and losses[-1] < losses[0]
    # the kept model is the best epoch's, and its validation accuracy is what was reported
    accuracies = [report.validation_accuracy for report in result.history]
    assert result.validation_accuracy == max(accuracies)
    assert accuracies[result.best_epoch - 1] == max(accuracies)
    _, val_idx = validation_split(10000, 2000, config.seed)
    assert (
        result.model.accuracy(subset.train_images[val_idx], subset.train_labels[val_idx])
        == result.validation_accuracy
    )


def test_relu_training_learns_real_digits(dataset):
    subset = train_subset(dataset, 10000, keep_test=True)
    config = TrainConfig(activation="relu", epochs=2, validation_size=2000, max_learning_rate=0.01, seed=1)
    result = train(subset, config, progress=False)
    assert result.model.activation == "relu"
    assert result.model.accuracy(dataset.test_images, dataset.test_labels) > 0.8


def test_on_epoch_checkpoints_resume_exactly(dataset):
    """Every epoch hands out a Checkpoint, and so does the random start (epoch 0); resuming from
    epoch 0 or epoch 1 gives the uninterrupted result."""
    subset = train_subset(dataset, 3000)
    config = TrainConfig(**{**SMALL, "epochs": 3, "validation_size": 500})
    checkpoints, reports = [], []
    full = train(
        subset,
        config,
        progress=False,
        on_epoch=lambda report, state: (checkpoints.append(state), reports.append(report)),
    )
    assert [c.epoch for c in checkpoints] == [0, 1, 2, 3]
    start = MLP.initialise(config.sizes, config.activation, seed=config.seed)
    np.testing.assert_array_equal(checkpoints[0].parameters, start.parameters)
    assert 0.0 < reports[0].validation_accuracy < 0.3 < reports[1].validation_accuracy  # chance, then learnt
    np.testing.assert_array_equal(checkpoints[-1].best_parameters, full.model.parameters)
    for checkpoint in checkpoints[:2]:
        resumed = train(subset, config, progress=False, resume=checkpoint)
        np.testing.assert_array_equal(resumed.model.parameters, full.model.parameters)
        assert [r.loss for r in resumed.history] == [r.loss for r in full.history]


# ---------------------------------------------------------------- augmentation


def shift_zero_filled(image: np.ndarray, dy: int, dx: int) -> np.ndarray:
    """image (28, 28) moved down by dy and right by dx, with zeros coming in."""
    out = np.zeros_like(image)
    h, w = image.shape
    out[max(dy, 0) : h + min(dy, 0), max(dx, 0) : w + min(dx, 0)] = image[
        max(-dy, 0) : h + min(-dy, 0), max(-dx, 0) : w + min(-dx, 0)
    ]
    return out


@pytest.fixture(scope="module")
def borderless(dataset):
    """Real training digits with no ink in the outermost row/column, and their indices."""
    images = dataset.train_images[:400].reshape(-1, 28, 28)
    border = np.zeros((28, 28), bool)
    border[[0, -1], :] = border[:, [0, -1]] = True
    keep = np.flatnonzero(~(images[:, border] > 0).any(axis=1))
    assert len(keep) >= 64
    return dataset.train_images[:400], keep[:64]


def test_shift_zero_returns_the_same_images(borderless):
    images, idx = borderless
    batches = ShiftedBatches(images, max_shift=0, batch_size=64)
    out = batches.batch(idx, np.random.default_rng(0))
    np.testing.assert_array_equal(out, images[idx])


def test_shift_one_moves_each_digit_by_one_of_nine_offsets(borderless):
    images, idx = borderless
    batches = ShiftedBatches(images, max_shift=1, batch_size=64)
    out = batches.batch(idx, np.random.default_rng(0)).copy()
    assert out.shape == (64, 784)
    used = []
    for row, i in zip(out, idx):
        original = images[i].reshape(28, 28)
        assert row.sum() == pytest.approx(float(original.sum()), rel=1e-6)  # no ink lost
        np.testing.assert_array_equal(np.sort(row), np.sort(original.ravel()))
        matches = [
            (dy, dx)
            for dy in (-1, 0, 1)
            for dx in (-1, 0, 1)
            if np.array_equal(row.reshape(28, 28), shift_zero_filled(original, dy, dx))
        ]
        assert len(matches) == 1, "output is not a one-pixel shift of its input"
        used.append(matches[0])
    assert set(used) == {(dy, dx) for dy in (-1, 0, 1) for dx in (-1, 0, 1)}  # balanced over 64 digits
    assert max(used.count(o) for o in set(used)) <= 8


def test_shift_assignment_changes_between_batches(borderless):
    images, idx = borderless
    batches = ShiftedBatches(images, max_shift=1, batch_size=64)
    rng = np.random.default_rng(0)
    first = batches.batch(idx, rng).copy()
    second = batches.batch(idx, rng).copy()
    assert not np.array_equal(first, second)


def test_short_last_batch_is_shifted_too(borderless):
    images, idx = borderless
    batches = ShiftedBatches(images, max_shift=1, batch_size=64)
    out = batches.batch(idx[:5], np.random.default_rng(3))
    assert out.shape == (5, 784)
    for row, i in zip(out, idx[:5]):
        original = images[i].reshape(28, 28)
        assert any(
            np.array_equal(row.reshape(28, 28), shift_zero_filled(original, dy, dx))
            for dy in (-1, 0, 1)
            for dx in (-1, 0, 1)
        )


# ---------------------------------------------------------------- schedule, targets, split


def test_one_cycle_rises_to_the_peak_then_falls():
    total, peak = 1000, 0.01
    rates = np.array([one_cycle(step, total, peak) for step in range(total)])
    top = int(rates.argmax())
    assert 0 < top < total - 1
    assert rates.max() == pytest.approx(peak)
    assert np.all(np.diff(rates[: top + 1]) > 0)  # rises
    assert np.all(np.diff(rates[top:]) <= 0)  # then falls
    assert rates[0] < 0.1 * peak and rates[-1] < 0.01 * peak
    assert np.all(rates > 0)


def test_one_hot_targets_with_and_without_smoothing():
    labels = np.array([3, 0, 9])
    np.testing.assert_array_equal(one_hot(labels, 10), np.eye(10, dtype=np.float32)[labels])
    np.testing.assert_array_equal(one_hot(np.array([1, 0]), 2), [[0, 1], [1, 0]])
    smooth = one_hot(labels, 10, 0.1)
    np.testing.assert_allclose(smooth.sum(axis=1), 1.0, rtol=1e-6)
    assert smooth[0, 3] == pytest.approx(0.91) and smooth[0, 4] == pytest.approx(0.01)


def test_validation_split_is_disjoint_and_covers():
    train_idx, val_idx = validation_split(1000, 150, seed=4)
    assert len(val_idx) == 150 and len(train_idx) == 850
    assert np.intersect1d(train_idx, val_idx).size == 0
    np.testing.assert_array_equal(np.union1d(train_idx, val_idx), np.arange(1000))
    again = validation_split(1000, 150, seed=4)
    np.testing.assert_array_equal(again[1], val_idx)
    assert not np.array_equal(validation_split(1000, 150, seed=5)[1], val_idx)
    assert not np.array_equal(val_idx, np.arange(150))  # random, not the first digits


def test_training_set_smaller_than_the_validation_size_is_handled(dataset):
    """With fewer training digits than TrainConfig.validation_size (5000 by default, and the CLI
    has no option to change it), training must either train on something or refuse clearly --
    not crash with ZeroDivisionError or return an untrained network."""
    subset = train_subset(dataset, 3000)
    try:
        result = train(subset, TrainConfig(epochs=1), progress=False)
    except (NNExplainError, ValueError):
        return  # a clear refusal is acceptable
    assert all(np.isfinite(r.loss) for r in result.history)
    untrained = MLP.initialise((784, 16, 16, 10), seed=TrainConfig().seed)
    assert not np.array_equal(result.model.parameters, untrained.parameters)
