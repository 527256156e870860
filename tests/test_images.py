"""network.images: users' own digit pictures, made here with Pillow from real MNIST test digits."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PIL import Image

import network
from network.errors import ImageError
from network.images import load_digit_image
from network.weights_file import load_weights

pytestmark = pytest.mark.usefixtures("offline")

DEFAULT_WEIGHTS = Path(network.__file__).parent / "weights" / "default.npz"


@pytest.fixture(scope="module")
def default_model():
    return load_weights(DEFAULT_WEIGHTS)[0]


@pytest.fixture(scope="module")
def mnist_test_set(mnist_uint8):
    return mnist_uint8["test_images"], mnist_uint8["test_labels"]


def as_paper_scan(digit: np.ndarray, size: int = 200) -> Image.Image:
    """A real MNIST digit as a user might draw it: large, black ink on white paper."""
    return Image.fromarray(255 - digit).resize((size, size), Image.BICUBIC)


def centre_of_mass(images: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    images = images.reshape(-1, 28, 28).astype(np.float64)
    ys, xs = np.indices((28, 28))
    total = images.sum(axis=(1, 2))
    return (images * ys).sum(axis=(1, 2)) / total, (images * xs).sum(axis=(1, 2)) / total


def test_redrawn_test_digits_are_recognised(tmp_path, default_model, mnist_test_set):
    images, labels = mnist_test_set
    raw_predictions = default_model.predict(images[:100].reshape(100, 784) / 255.0)
    chosen = np.flatnonzero(raw_predictions == labels[:100])[:10]  # the first 10 the net gets right as given
    correct = 0
    for i in chosen:
        path = tmp_path / f"digit-{i}.png"
        as_paper_scan(images[i]).save(path)
        x = load_digit_image(path)
        assert x.shape == (784,) and x.dtype == np.float32
        assert 0.0 <= x.min() and x.max() <= 1.0 and x.max() > 0.9
        correct += int(default_model.predict(x) == labels[i])
    assert correct >= 8, f"only {correct} of 10 redrawn digits recognised"


def test_redrawn_digits_are_centred_like_mnist(tmp_path, mnist_test_set):
    """MNIST puts each digit's centre of mass at a fixed spot; a redrawn digit must land there too
    (the network only knows digits in that position)."""
    images, _ = mnist_test_set
    mnist_y, mnist_x = centre_of_mass(images)
    processed = []
    for i in range(40):
        path = tmp_path / f"digit-{i}.png"
        as_paper_scan(images[i]).save(path)
        processed.append(load_digit_image(path))
    ys, xs = centre_of_mass(np.array(processed))
    got, mnist = (float(ys.mean()), float(xs.mean())), (float(mnist_y.mean()), float(mnist_x.mean()))
    assert abs(got[0] - mnist[0]) < 0.2 and abs(got[1] - mnist[1]) < 0.2, (
        f"mean centre of mass (row, col) {got}, MNIST's {mnist}"
    )


def test_digit_is_scaled_into_a_20_pixel_box(tmp_path, mnist_test_set):
    images, _ = mnist_test_set
    as_paper_scan(images[0], size=600).save(tmp_path / "big.png")
    x = load_digit_image(tmp_path / "big.png").reshape(28, 28)
    rows, cols = np.flatnonzero(x.max(axis=1) > 0.05), np.flatnonzero(x.max(axis=0) > 0.05)
    assert max(rows[-1] - rows[0] + 1, cols[-1] - cols[0] + 1) in (19, 20, 21)
    assert rows[0] > 0 and cols[0] > 0 and rows[-1] < 27 and cols[-1] < 27


@pytest.fixture(scope="module")
def base_digit(tmp_path_factory, mnist_test_set):
    """Test digit 3 as an 8-bit grayscale black-on-white PNG, its pixels and preprocessed form."""
    images, _ = mnist_test_set
    path = tmp_path_factory.mktemp("base") / "gray.png"
    scan = as_paper_scan(images[3])
    scan.save(path)
    return np.asarray(scan), load_digit_image(path)


def save_variant(image: Image.Image, path: Path, expected_mode: str) -> Path:
    image.save(path)
    with Image.open(path) as reopened:
        assert reopened.mode == expected_mode  # the file really is in the mode under test
    return path


def test_white_on_black_loads_like_black_on_white(tmp_path, base_digit):
    gray, expected = base_digit
    path = save_variant(Image.fromarray(255 - gray), tmp_path / "mnist-polarity.png", "L")
    np.testing.assert_allclose(load_digit_image(path), expected, atol=0.02)


def test_rgba_with_transparent_background(tmp_path, base_digit, default_model):
    gray, expected = base_digit
    rgba = np.zeros(gray.shape + (4,), np.uint8)  # black ink whose opacity is the stroke
    rgba[..., 3] = 255 - gray
    path = save_variant(Image.fromarray(rgba, "RGBA"), tmp_path / "rgba.png", "RGBA")
    x = load_digit_image(path)
    np.testing.assert_allclose(x, expected, atol=0.02)
    assert default_model.predict(x) == default_model.predict(expected)


def test_rgb_colour_ink(tmp_path, base_digit):
    gray, expected = base_digit
    rgb = np.stack([gray, gray, gray], axis=-1)
    path = save_variant(Image.fromarray(rgb, "RGB"), tmp_path / "rgb.png", "RGB")
    np.testing.assert_allclose(load_digit_image(path), expected, atol=0.02)


def test_palette_image(tmp_path, base_digit):
    gray, expected = base_digit
    palette = Image.frombytes("P", (gray.shape[1], gray.shape[0]), gray.tobytes())
    palette.putpalette([v for level in range(256) for v in (level, level, level)])
    path = save_variant(palette, tmp_path / "palette.png", "P")
    np.testing.assert_allclose(load_digit_image(path), expected, atol=0.02)


def test_palette_image_with_transparent_background(tmp_path, base_digit):
    gray, expected = base_digit
    indices = np.where(gray > 250, 0, 1 + (gray.astype(np.int32) * 254) // 255).astype(np.uint8)
    palette = Image.frombytes("P", (gray.shape[1], gray.shape[0]), indices.tobytes())
    # entry 0 is transparent *black*: only compositing on white makes it background
    palette.putpalette([0, 0, 0] + [v for i in range(1, 256) for v in ((i - 1),) * 3])
    palette.info["transparency"] = 0
    path = tmp_path / "palette-transparent.png"
    palette.save(path, transparency=0)
    with Image.open(path) as reopened:
        assert reopened.mode == "P" and "transparency" in reopened.info
    np.testing.assert_allclose(load_digit_image(path), expected, atol=0.05)


def test_sixteen_bit_grayscale(tmp_path, base_digit):
    gray, expected = base_digit
    deep = Image.fromarray(gray.astype(np.uint16) * 257)
    assert deep.mode == "I;16"
    path = tmp_path / "deep.png"
    deep.save(path)
    with Image.open(path) as reopened:
        assert reopened.mode in ("I;16", "I;16B", "I")
        assert np.asarray(reopened).max() > 255  # really 16-bit values
    np.testing.assert_allclose(load_digit_image(path), expected, atol=0.02)


def test_jpeg(tmp_path, base_digit, default_model):
    gray, expected = base_digit
    path = save_variant(Image.fromarray(gray), tmp_path / "scan.jpg", "L")
    x = load_digit_image(path)
    assert np.corrcoef(x, expected)[0, 1] > 0.95
    assert default_model.predict(x) == default_model.predict(expected)


# ---------------------------------------------------------------- errors


def test_text_file_named_png(tmp_path):
    path = tmp_path / "digit.png"
    path.write_text("this is not a picture\n")
    with pytest.raises(ImageError):
        load_digit_image(path)


def test_empty_file(tmp_path):
    path = tmp_path / "digit.png"
    path.write_bytes(b"")
    with pytest.raises(ImageError):
        load_digit_image(path)


def test_truncated_png(tmp_path, base_digit):
    gray, _ = base_digit
    full = tmp_path / "full.png"
    Image.fromarray(gray).save(full)
    path = tmp_path / "cut.png"
    path.write_bytes(full.read_bytes()[: full.stat().st_size // 2])
    with pytest.raises(ImageError):
        load_digit_image(path)


@pytest.mark.parametrize("value", [255, 0, 128])
def test_blank_image_has_no_digit(tmp_path, value):
    path = tmp_path / "blank.png"
    Image.new("L", (200, 200), value).save(path)
    with pytest.raises(ImageError, match="no digit"):
        load_digit_image(path)


def test_missing_file_and_directory(tmp_path):
    with pytest.raises(ImageError):
        load_digit_image(tmp_path / "missing.png")
    with pytest.raises(ImageError):
        load_digit_image(tmp_path)
