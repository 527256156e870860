"""Write the two small committed digit sets: scikit-learn's 8x8 handwritten digits as MNIST-style IDX files.

What it makes (each folder's README.md says it again):

tests/fixtures/digits8x8/
    scikit-learn's bundled 8x8 handwritten digits (1797 images, counts 0-16 scaled to pixels 0-255) as
    the four MNIST-named gzipped IDX files, split 1497 train / 300 test, and README.md.
tests/fixtures/digits28/
    the same digits and split upscaled to 28x28 the MNIST way (resized to 20x20, centred in a black
    28x28 field), the four IDX files, classes.txt (zero, one, ..., nine) and README.md.

How to run (from the repository root, no network access needed):

    python -m venv /tmp/fx
    /tmp/fx/bin/pip install scikit-learn numpy "pillow<13"
    /tmp/fx/bin/python scripts/make_digit_sets.py

scikit-learn is needed only to regenerate these fixtures (nnexplain never imports it; Pillow is one of
nnexplain's own dependencies). The split is seeded and the files are gzipped with mtime 0, so a rerun
with the same library versions writes byte-identical files. The networks trained elsewhere
(tests/fixtures/imports/) are made by scripts/make_import_fixtures.py.
"""

import gzip
import io
import json
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = ROOT / "tests" / "fixtures"
CLASS_NAMES = ["zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine"]

DIGITS_README = """# {title}

{what}

Source: the UCI Machine Learning Repository's *Optical Recognition of Handwritten Digits* data set
(E. Alpaydin and C. Kaynak, 1998, https://doi.org/10.24432/C50P49), licensed CC BY 4.0
(https://creativecommons.org/licenses/by/4.0/). These are the 1797 digits scikit-learn bundles as
`sklearn.datasets.load_digits()` (the UCI set's test part, 8x8 blocks of counts 0-16), read from
inside the installed package, nothing downloaded.

Made by `scripts/make_digit_sets.py`:

- each count v in 0..16 becomes the pixel round(v * 255 / 16) (0..255, uint8);{extra}
- the digits are split with `numpy.random.default_rng(0).permutation(1797)`: the first 1497 of the
  permutation, in that order, are the training set, the last 300 the test set;
- the four files use MNIST's names and IDX format (unsigned bytes, images n x {side} x {side}, labels n),
  gzipped with mtime 0 so a rerun writes the same bytes.

| file | array |
|---|---|
| train-images-idx3-ubyte.gz | uint8 1497 x {side} x {side} |
| train-labels-idx1-ubyte.gz | uint8 1497 (0-9) |
| t10k-images-idx3-ubyte.gz | uint8 300 x {side} x {side} |
| t10k-labels-idx1-ubyte.gz | uint8 300 (0-9) |
{classes}"""


def write_idx_gz(path: Path, array: np.ndarray) -> None:
    """Write a uint8 array as a gzipped IDX file, byte-reproducibly (gzip mtime 0, no file name)."""
    array = np.ascontiguousarray(array, dtype=np.uint8)
    header = bytes([0, 0, 0x08, array.ndim]) + np.asarray(array.shape, dtype=">u4").tobytes()
    buffer = io.BytesIO()
    with gzip.GzipFile(filename="", mode="wb", fileobj=buffer, compresslevel=9, mtime=0) as stream:
        stream.write(header + array.tobytes())
    path.write_bytes(buffer.getvalue())


def check_idx_gz(path: Path, expected: np.ndarray) -> None:
    """Read a written file back: the IDX header (2 zero bytes, type 0x08, ndim, big-endian uint32 dims)."""
    raw = gzip.decompress(path.read_bytes())
    ndim = raw[3]
    dims = tuple(int(d) for d in np.frombuffer(raw, dtype=">u4", count=ndim, offset=4))
    assert raw[:3] == b"\0\0\x08" and dims == expected.shape, (path, raw[:4], dims)
    assert np.array_equal(np.frombuffer(raw, dtype=np.uint8, offset=4 + 4 * ndim).reshape(dims), expected)


def make_digits(report: dict) -> None:
    from PIL import Image
    from sklearn.datasets import load_digits

    digits = load_digits()
    counts = np.asarray(digits.images)
    labels = np.asarray(digits.target).astype(np.uint8)
    assert counts.shape == (1797, 8, 8) and counts.min() == 0 and counts.max() == 16
    images = np.round(counts * 255.0 / 16.0).astype(np.uint8)
    order = np.random.default_rng(0).permutation(len(images))
    train, test = order[:1497], order[1497:]

    large = np.zeros((len(images), 28, 28), dtype=np.uint8)
    for i, image in enumerate(images):
        large[i, 4:24, 4:24] = np.asarray(Image.fromarray(image, mode="L").resize((20, 20), Image.BILINEAR))

    for name, array, side, extra, classes in (
        ("digits8x8", images, 8, "", ""),
        (
            "digits28",
            large,
            28,
            "\n- each 8x8 image is resized to 20x20 with Pillow's `Image.resize(..., Image.BILINEAR)` and "
            "placed\n  in the centre of a black 28x28 field (rows and columns 4..23), as MNIST centres its "
            "digits;",
            "\n`classes.txt` names the ten classes, one a line: zero, one, ..., nine.\n",
        ),
    ):
        directory = FIXTURES / name
        directory.mkdir(parents=True, exist_ok=True)
        files = {
            "train-images-idx3-ubyte.gz": array[train],
            "train-labels-idx1-ubyte.gz": labels[train],
            "t10k-images-idx3-ubyte.gz": array[test],
            "t10k-labels-idx1-ubyte.gz": labels[test],
        }
        for file_name, contents in files.items():
            write_idx_gz(directory / file_name, contents)
        if side == 28:
            (directory / "classes.txt").write_text("\n".join(CLASS_NAMES) + "\n")
        title = (
            f"{side}x{side} handwritten digits"
            if side == 8
            else "28x28 handwritten digits (the 8x8 digits upscaled the MNIST way)"
        )
        what = (
            "scikit-learn's 1797 8x8 handwritten digits as MNIST-style IDX files, a small real data set "
            "for tests."
            if side == 8
            else "The digits of `../digits8x8/`, each upscaled to MNIST's 28x28 frame, a small real data set "
            "the shape of MNIST for tests."
        )
        (directory / "README.md").write_text(
            DIGITS_README.format(title=title, what=what, side=side, extra=extra, classes=classes)
        )
        for file_name, contents in files.items():
            check_idx_gz(directory / file_name, contents)
    report["digits_train_counts"] = np.bincount(labels[train], minlength=10).tolist()
    report["digits_test_counts"] = np.bincount(labels[test], minlength=10).tolist()


def main() -> None:
    report = {}
    make_digits(report)
    print(json.dumps(report, indent=1))
    for directory in (FIXTURES / "digits8x8", FIXTURES / "digits28"):
        for path in sorted(directory.iterdir()):
            print(f"{path.stat().st_size:>10,}  {path.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
