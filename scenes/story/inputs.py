"""What the story is told from: its configuration, and the weights and real activations it loads.

`StoryConfig` names the weights, the followed digit (or the user's image), the theme, the edge mode
and the data directory. `StoryConfig.from_environment()` is the one place the scenes read the
environment, for plain `manim`; `nnexplain render` and `figure` build the configuration from their
options and hand it to each scene explicitly.

    NNEXPLAIN_WEIGHTS     weights .npz (default: the shipped sigmoid 784-16-16-10)
    NNEXPLAIN_DIGIT       test-set index of the digit the story follows (default 32, a 3)
    NNEXPLAIN_IMAGE       a user's own digit image instead of a test digit
    NNEXPLAIN_THEME       dark | light
    NNEXPLAIN_FULL_EDGES  1: every neuron and edge; lines: the same as Manim Lines (benchmark reference)
    NNEXPLAIN_DATA        the data directory (read by network.data, like every other command)
    NNEXPLAIN_VOICE       tts: narrate with espeak-ng; a folder: your recordings <Scene>.<n>.wav
    NNEXPLAIN_HISTORY     the weights' training run (train --snapshots; default <weights>-history/)

Scenes never train or run the network themselves: `load_story_inputs(config)` loads the weights and
the activations that `network.activations_file` computes for the followed digit and a sample of the
test images of the weights' own data set (network.data.find_test_set: for MNIST the shipped sample).
"""

from __future__ import annotations

import functools
import json
import os
from dataclasses import asdict, dataclass, replace
from pathlib import Path

import numpy as np

from network.activations_file import Activations, compute_activations
from network.data import SAMPLE_SIZE, resolve_data_dir
from network.dataset_info import DatasetInfo
from network.errors import NNExplainError, WeightsError
from network.history import load_history
from network.images import chosen_digits
from network.model import MLP, architecture
from network.preprocessing import Preprocessing
from network.weights_file import DEFAULT_WEIGHTS, RELU_WEIGHTS, load_weights, weights_test_set
from scenes.choices.selection import bias_effect_neuron
from scenes.mobjects.theme import THEMES

__all__ = [
    "DEFAULT_DIGIT",
    "StoryConfig",
    "StoryInputs",
    "load_story_history",
    "load_story_inputs",
    "twin_weights",
]

DEFAULT_DIGIT = 32  # a clear 3 of the MNIST test set, read as a 3 with 99.9 % confidence by the shipped net
TRUE_WORDS = ("1", "true", "yes", "on")
PATH_FIELDS = ("weights", "image", "data_dir", "history")


@dataclass(frozen=True)
class StoryConfig:
    """Everything the story's pictures depend on besides the code. Paths are made absolute when the
    configuration is made, so that it means the same files in any working directory.

    >>> from network import RELU_WEIGHTS
    >>> config = StoryConfig(weights=RELU_WEIGHTS, digit=7, theme="light")
    >>> load_story_inputs(config).activation  # any beat renders with it: ForwardPass(story_config=config)
    'relu'
    """

    weights: Path = DEFAULT_WEIGHTS
    digit: int | None = None  # test-set index; None: DEFAULT_DIGIT (or the image)
    image: Path | None = None  # the user's own digit picture instead of a test digit
    theme: str = "dark"
    full_edges: bool = False  # every neuron and every edge
    edge_lines: bool = False  # full edges as Manim Lines: the slow reference for benchmarks
    data_dir: Path | None = None  # None: network's default (--data-dir, $NNEXPLAIN_DATA, cache)
    voice: str | None = None  # None: silent; "tts": espeak-ng; else a folder of <Scene>.<n>.wav
    history: Path | None = None  # the weights' training snapshots; None: <weights>-history/ if there

    def __post_init__(self):
        for name in PATH_FIELDS:  # absolute from the start: workers run in another directory
            value = getattr(self, name)
            if value is not None:
                object.__setattr__(self, name, Path(value).expanduser().absolute())
        if self.voice not in (None, "tts"):
            object.__setattr__(self, "voice", str(Path(self.voice).expanduser().absolute()))
        if self.edge_lines and not self.full_edges:
            raise NNExplainError("edge_lines draws the full edges as Manim Lines: it needs full_edges")
        if self.theme not in THEMES:
            raise NNExplainError(f"unknown theme {self.theme!r}; choose one of {', '.join(THEMES)}")
        if self.digit is not None and self.image is not None:
            raise NNExplainError("follow a test digit or an image, not both")
        if self.digit is not None and self.digit < 0:
            raise NNExplainError(f"digit must be a test-set index 0 or more, got {self.digit}")

    @classmethod
    def from_environment(cls) -> StoryConfig:
        """The configuration named by NNEXPLAIN_* variables (see the module docstring)."""
        env = os.environ
        digit = env.get("NNEXPLAIN_DIGIT", "").strip()
        image = env.get("NNEXPLAIN_IMAGE", "").strip()
        edges = env.get("NNEXPLAIN_FULL_EDGES", "").strip().lower()
        try:
            index = int(digit) if digit and not image else None
        except ValueError:
            raise NNExplainError(f"NNEXPLAIN_DIGIT must be a test-set index, got {digit!r}") from None
        return cls(
            weights=Path(env.get("NNEXPLAIN_WEIGHTS") or DEFAULT_WEIGHTS),
            digit=index,
            image=Path(image) if image else None,
            theme=(env.get("NNEXPLAIN_THEME") or "dark").strip(),
            full_edges=edges in (*TRUE_WORDS, "lines"),
            edge_lines=edges == "lines",
            voice=env.get("NNEXPLAIN_VOICE", "").strip() or None,
            history=env.get("NNEXPLAIN_HISTORY", "").strip() or None,
        )

    @property
    def followed_digit(self) -> int:
        return DEFAULT_DIGIT if self.digit is None else self.digit

    @property
    def history_folder(self) -> Path | None:
        """The snapshots of the weights' training run: `history`, else <weights>-history/ beside
        the weights file (network/weights/default-history for the shipped network) if it exists."""
        if self.history is not None:
            return self.history
        beside = self.weights.with_name(f"{self.weights.stem}-history")
        return beside if beside.is_dir() else None

    def with_weights(self, weights: Path) -> StoryConfig:
        return replace(self, weights=Path(weights))

    def to_json(self) -> str:
        return json.dumps(
            {
                key: None if value is None else str(value) if isinstance(value, Path) else value
                for key, value in asdict(self).items()
            }
        )

    @classmethod
    def from_json(cls, text: str) -> StoryConfig:
        values = json.loads(text)
        return cls(
            **{
                key: Path(value) if key in PATH_FIELDS and value is not None else value
                for key, value in values.items()
            }
        )


@dataclass(frozen=True)
class StoryInputs:
    """The trained network's parameters and its exported activations.

    >>> story = load_story_inputs(StoryConfig(digit=7))  # MNIST test digit #7, a 9
    >>> story.sizes, story.label, story.prediction, story.layer(1).shape
    ((784, 16, 16, 10), 9, 9, (16,))
    """

    weights: list[np.ndarray]  # W1..WL, each (n_out, n_in)
    biases: list[np.ndarray]  # b1..bL
    manifest: dict
    digit: Activations  # the one digit the story follows
    sample: Activations  # test images of the weights' data set (for MNIST the shipped sample)
    weights_path: Path
    dataset: DatasetInfo  # what the network was trained on: its name, class names, image side

    @property
    def classes(self) -> tuple[str, ...]:
        return self.dataset.classes

    def class_name(self, k: int) -> str:
        return self.dataset.classes[int(k)]

    @property
    def item(self) -> str:
        """What one input is called on screen: 'digit' where the classes are the digits 0, 1, ...,
        else 'image'."""
        return "digit" if self.dataset.names_are_labels else "image"

    @property
    def side(self) -> int:
        """The images' side in pixels (28 for MNIST)."""
        return self.dataset.side

    @property
    def preprocessing(self) -> Preprocessing:
        return Preprocessing.from_manifest(self.manifest)

    @property
    def sizes(self) -> tuple[int, ...]:
        return tuple(self.manifest["sizes"])

    @property
    def activation(self) -> str:
        return self.manifest["activation"]

    def layer(self, index: int) -> np.ndarray:
        """a(index) of the followed digit: 0 is the input, len(sizes) - 1 the output."""
        return self.digit.activations[index][0]

    def z(self, index: int) -> np.ndarray:
        """z(index) = W a(index - 1) + b of the followed digit, as exported (index 1 ... L)."""
        return self.digit.pre_activations[index - 1][0]

    def forward(self, which: int | None = None) -> list[np.ndarray]:
        """a(0) ... a(L) of the followed digit, or of sample digit `which`."""
        if which is None:
            return [self.layer(layer) for layer in range(len(self.sizes))]
        return [a[which] for a in self.sample.activations]

    def pixels(self, which: int | None = None) -> np.ndarray:
        """The side x side picture (values in [0, 1]) of the followed digit, or of sample digit
        `which`: what the eye sees, before any preprocessing (a(0) is what the network takes)."""
        values = self.digit.pixels[0] if which is None else self.sample.pixels[which]
        return values.reshape(self.side, self.side)

    @property
    def prediction(self) -> int:
        return int(self.digit.predictions[0])

    @property
    def label(self) -> int | None:
        label = int(self.digit.labels[0])
        return None if label < 0 else label

    @property
    def digit_source(self) -> str:
        return self.digit.manifest["sources"][0]

    @property
    def deep_layer(self) -> int:
        """The layer whose neurons the scenes about learned features follow: the second hidden
        layer, or the first if the network has only one."""
        return min(2, len(self.sizes) - 2)

    @property
    def followed_class(self) -> int:
        """The class of the followed digit: its label, or the network's prediction for a user's image."""
        return self.label if self.label is not None else self.prediction

    @property
    def follows_own_image(self) -> bool:
        return self.digit_source.startswith("image:")

    def source_label(self, which: int | None = None) -> str:
        """How a digit is named on screen: "test digit #32", or "your image" for the user's own;
        `which` is an index into the sample, None the followed digit."""
        if which is not None:
            return f"test {self.item} #{int(self.sample.indices[which])}"
        return "your image" if self.follows_own_image else f"test {self.item} #{int(self.digit.indices[0])}"

    def sample_of_class(self, label: int, count: int) -> np.ndarray:
        """Indices into the sample of the first `count` digits labelled `label`."""
        return np.flatnonzero(self.sample.labels == label)[:count]

    def followed_neuron(self) -> tuple[int, int]:
        """(layer, j): the neuron the math beats follow, in `deep_layer`: of the neurons active for
        the followed digit, the one whose bias matters most (scenes.choices.selection.bias_effect_neuron)."""
        layer = self.deep_layer
        return layer, bias_effect_neuron(
            self.z(layer), self.biases[layer - 1], self.layer(layer), self.activation
        )

    def neuron_numbers(self, layer: int, j: int) -> dict:
        """The exported z, bias b, weighted sum z - b and activation a of neuron j of `layer`; the sum
        is checked against that neuron's weights and the previous layer's exported activations."""
        z, b, a = float(self.z(layer)[j]), float(self.biases[layer - 1][j]), float(self.layer(layer)[j])
        shown = z - b
        check = float(self.weights[layer - 1][j].astype(np.float64) @ self.layer(layer - 1))
        if not np.isclose(shown, check, rtol=1e-4, atol=1e-3):
            raise NNExplainError(
                f"exported z{layer}[{j}] - b = {shown:.4f} does not match the weights "
                f"({check:.4f}); re-export the activations"
            )
        return {"z": z, "b": b, "a": a, "weighted_sum": shown}

    def run(self, images: np.ndarray) -> list[np.ndarray]:
        """a(0) ... a(L) of the network for other pictures (n, side * side) in [0, 1], such as a
        digit's parts (preprocessed as the network's inputs are)."""

        model = MLP.from_layers(self.weights, self.biases, self.activation)
        return model.forward(self.preprocessing(np.atleast_2d(images))).activations

    def misclassified(self) -> np.ndarray:
        """Indices into the sample of the digits the network gets wrong."""
        return np.flatnonzero(self.sample.predictions != self.sample.labels)


def twin_weights(activation: str) -> Path:
    """The shipped network with the other hidden activation (ReLU for sigmoid and back)."""
    return RELU_WEIGHTS if activation == "sigmoid" else DEFAULT_WEIGHTS


def load_story_inputs(config: StoryConfig) -> StoryInputs:
    """Weights, the followed digit and the sample, exported; loaded once per process for the same
    files: the cache is keyed on the identity (path, size, time) of the weights and the image, and
    on the resolved data directory."""
    data_dir = resolve_data_dir(config.data_dir)[0].expanduser().absolute()
    image = _identity(config.image) if config.image else ("", 0, 0)
    return _load(_identity(config.weights), config.followed_digit, image, str(data_dir))


def _identity(path: Path) -> tuple[str, int, int]:
    try:
        stat = Path(path).stat()
        return str(Path(path).resolve()), stat.st_mtime_ns, stat.st_size
    except OSError:
        return str(path), 0, 0  # the loader reports the missing file


@functools.lru_cache(maxsize=4)
def _load(weights: tuple, digit: int, image: tuple, data_dir: str) -> StoryInputs:
    weights_path, image = weights[0], image[0]
    model, manifest = load_weights(weights_path)
    if len(model.sizes) < 3:
        raise NNExplainError(
            f"{weights_path}: the scenes need at least one hidden layer, found sizes {model.sizes}"
        )
    try:
        test_set = weights_test_set(weights_path, manifest, data_dir)
    except WeightsError as exc:
        raise NNExplainError(f"{weights_path}: {exc}") from None
    info = test_set.info
    images, labels, indices, sources = chosen_digits([digit], image or None, test_set, info.side)
    followed = compute_activations(model, manifest, images, labels, indices, sources)
    shown = np.arange(min(SAMPLE_SIZE, len(test_set.labels)))
    sample_images, sample_labels, sample_sources = test_set.select(shown)
    sample = compute_activations(model, manifest, sample_images, sample_labels, shown, sample_sources)
    return StoryInputs(
        [W.copy() for W in model.weights],
        [b.copy() for b in model.biases],
        manifest,
        followed,
        sample,
        Path(weights_path),
        info,
    )


def load_story_history(config: StoryConfig, story: StoryInputs):
    """The training run of the story's weights (network.history), checked to be of the same network."""
    folder = config.history_folder
    if folder is None:
        raise NNExplainError(missing_history(config))
    history = _history(*_identity(folder))
    last = history.snapshots[-1].model
    if (last.sizes, last.activation) != (story.sizes, story.activation):
        raise NNExplainError(
            f"{folder}: the history of a {architecture_name(last.sizes, last.activation)} network, "
            f"but the weights are a {architecture_name(story.sizes, story.activation)} one"
        )
    return history


def missing_history(config: StoryConfig) -> str:
    return (
        f"no training history for {config.weights.name}: train it with --snapshots DIR and pass "
        f"--history DIR (or keep DIR as {config.weights.stem}-history beside the weights)"
    )


def architecture_name(sizes, activation: str) -> str:
    return f"{architecture(sizes)} {activation}"


@functools.lru_cache(maxsize=2)
def _history(folder: str, mtime: int, size: int):

    return load_history(folder)
