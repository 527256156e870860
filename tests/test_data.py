"""network.data: IDX reading on the real MNIST files, validation errors, data-dir resolution,
the verified downloader (against a loopback mirror) and the shipped test-digit sample."""

from __future__ import annotations

import contextlib
import functools
import gzip
import hashlib
import http.server
import shutil
import threading
from pathlib import Path

import numpy as np
import pytest

from network import data
from network.data import DataError, load_dataset, parse_idx, read_idx, resolve_data_dir

pytestmark = pytest.mark.usefixtures("offline")

# Published in /work/shared/data/README.md (the MNIST distribution's own class counts).
TRAIN_COUNTS = [5923, 6742, 5958, 6131, 5842, 5421, 5918, 6265, 5851, 5949]
TEST_COUNTS = [980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009]
GZ_NAMES = [f"{stem}.gz" for stem in data.SPLITS.values()]


# ---------------------------------------------------------------- the real files


def test_real_idx_files_have_mnist_shapes(mnist_uint8):
    assert mnist_uint8["train_images"].shape == (60000, 28, 28)
    assert mnist_uint8["train_labels"].shape == (60000,)
    assert mnist_uint8["test_images"].shape == (10000, 28, 28)
    assert mnist_uint8["test_labels"].shape == (10000,)
    assert all(array.dtype == np.uint8 for array in mnist_uint8.values())


def test_real_label_counts_match_the_published_counts(mnist_uint8):
    assert np.bincount(mnist_uint8["train_labels"], minlength=10).tolist() == TRAIN_COUNTS
    assert np.bincount(mnist_uint8["test_labels"], minlength=10).tolist() == TEST_COUNTS


def test_load_dataset_scales_pixels_and_keeps_labels(dataset, mnist_uint8):
    assert dataset.train_images.shape == (60000, 784) and dataset.train_images.dtype == np.float32
    assert dataset.test_images.shape == (10000, 784) and dataset.test_images.dtype == np.float32
    assert dataset.train_images.min() == 0.0 and dataset.train_images.max() == 1.0
    np.testing.assert_array_equal(
        np.rint(dataset.test_images * 255).astype(np.uint8), mnist_uint8["test_images"].reshape(10000, 784)
    )
    np.testing.assert_array_equal(dataset.train_labels, mnist_uint8["train_labels"])
    np.testing.assert_array_equal(dataset.test_labels, mnist_uint8["test_labels"])


def test_builtin_checksums_match_the_real_files(mnist_dir):
    """The downloader's sha256 table must describe the real MNIST .gz files."""
    for name in GZ_NAMES:
        digest = hashlib.sha256((mnist_dir / name).read_bytes()).hexdigest()
        assert data.MNIST_SHA256[name] == digest, name


def test_dataset_checksums_are_the_sha256_of_the_files_read(dataset, mnist_dir):
    assert set(dataset.checksums) == set(GZ_NAMES)
    for name, digest in dataset.checksums.items():
        assert hashlib.sha256((mnist_dir / name).read_bytes()).hexdigest() == digest


def test_raw_and_gzip_files_load_the_same(tmp_path, mnist_dir, dataset):
    for name in GZ_NAMES:
        (tmp_path / name[:-3]).write_bytes(gzip.decompress((mnist_dir / name).read_bytes()))
    raw = load_dataset(tmp_path, download=False)
    for field in ("train_images", "train_labels", "test_images", "test_labels"):
        np.testing.assert_array_equal(getattr(raw, field), getattr(dataset, field))
    assert set(raw.checksums) == {name[:-3] for name in GZ_NAMES}


def test_read_idx_reads_a_small_file_in_both_forms(tmp_path, make_idx):
    array = np.arange(2 * 3 * 4, dtype=np.uint8).reshape(2, 3, 4)
    (tmp_path / "a.idx").write_bytes(make_idx(array))
    (tmp_path / "a.idx.gz").write_bytes(gzip.compress(make_idx(array)))
    np.testing.assert_array_equal(read_idx(tmp_path / "a.idx"), array)
    np.testing.assert_array_equal(read_idx(tmp_path / "a.idx.gz"), array)
    np.testing.assert_array_equal(parse_idx(make_idx(array)), array)


# ---------------------------------------------------------------- bad IDX bytes


def _labels(n=5):
    return np.arange(n, dtype=np.uint8) % 10


@pytest.mark.parametrize(
    "make_bad",
    [
        pytest.param(lambda idx: b"", id="empty"),
        pytest.param(lambda idx: idx(_labels())[:3], id="shorter-than-magic"),
        pytest.param(lambda idx: idx(_labels())[:6], id="truncated-header"),
        pytest.param(lambda idx: idx(_labels())[:-2], id="truncated-data"),
        pytest.param(
            lambda idx: idx(_labels())[:4] + (99).to_bytes(4, "big") + bytes(_labels()),
            id="count-larger-than-data",
        ),
        pytest.param(lambda idx: idx(_labels()) + b"\x00\x01", id="extra-trailing-bytes"),
        pytest.param(lambda idx: b"\x12\x34" + idx(_labels())[2:], id="wrong-magic"),
        pytest.param(lambda idx: idx(_labels(), dtype_code=0x0D), id="float-dtype"),
        pytest.param(lambda idx: b"\x00\x00\x08\x00" + bytes(8), id="zero-dimensions"),
        pytest.param(lambda idx: b"\x89PNG\r\n\x1a\n" + bytes(40), id="png-bytes"),
    ],
)
def test_bad_idx_bytes_raise_data_error(tmp_path, make_idx, make_bad):
    raw = make_bad(make_idx)
    with pytest.raises(DataError):
        parse_idx(raw)
    path = tmp_path / "labels-idx1-ubyte"
    path.write_bytes(raw)
    with pytest.raises(DataError):
        read_idx(path)
    gz = tmp_path / "labels-idx1-ubyte.gz"
    gz.write_bytes(gzip.compress(raw))
    with pytest.raises(DataError):
        read_idx(gz)


def test_gz_name_that_is_not_gzip_raises_data_error(tmp_path, make_idx):
    path = tmp_path / "t10k-labels-idx1-ubyte.gz"
    path.write_bytes(make_idx(_labels()))  # a valid raw IDX file, misnamed
    with pytest.raises(DataError, match="gzip"):
        read_idx(path)


@pytest.mark.parametrize(
    "damage",
    [
        pytest.param(lambda gz: gz[: len(gz) // 2], id="truncated-gzip"),
        pytest.param(lambda gz: gz[:-8] + bytes(4) + gz[-4:], id="bad-crc"),
        pytest.param(lambda gz: gz[:10] + b"\xff" * 4 + gz[14:], id="invalid-deflate-block"),
        pytest.param(lambda gz: gz[:12] + bytes(len(gz) - 20) + gz[-8:], id="zeroed-deflate"),
        pytest.param(lambda gz: gz + b"trailing garbage", id="garbage-after-gzip"),
        pytest.param(lambda gz: gz[:2], id="gzip-magic-only"),
    ],
)
def test_damaged_gzip_raises_data_error(tmp_path, make_idx, damage):
    gz = gzip.compress(make_idx(np.arange(3000, dtype=np.uint8).reshape(30, 100) % 251))
    path = tmp_path / "x-idx2-ubyte.gz"
    path.write_bytes(damage(gz))
    with pytest.raises(DataError):
        read_idx(path)


def test_missing_file_and_directory_raise_data_error(tmp_path):
    with pytest.raises(DataError):
        read_idx(tmp_path / "nope-idx1-ubyte")
    with pytest.raises(DataError):
        read_idx(tmp_path)


# ---------------------------------------------------------------- bad data directories


@pytest.fixture
def small_dir(tmp_path, mnist_uint8, make_idx_dir, mnist_subset):
    """A valid directory of raw IDX files: the first 100 train and 50 test digits."""
    return make_idx_dir(tmp_path / "idx", mnist_subset(mnist_uint8, 100, 50))


def test_small_idx_directory_loads(small_dir, mnist_uint8):
    small = load_dataset(small_dir, download=False)
    assert small.train_images.shape == (100, 784) and small.test_images.shape == (50, 784)
    np.testing.assert_array_equal(small.test_labels, mnist_uint8["test_labels"][:50])


def test_images_that_are_not_28x28_raise_data_error(small_dir, make_idx):
    (small_dir / data.SPLITS["test_images"]).write_bytes(make_idx(np.zeros((50, 10, 10))))
    with pytest.raises(DataError, match="28"):
        load_dataset(small_dir, download=False)


def test_images_without_a_third_dimension_raise_data_error(small_dir, make_idx):
    (small_dir / data.SPLITS["test_images"]).write_bytes(make_idx(np.zeros((50, 784))))
    with pytest.raises(DataError):
        load_dataset(small_dir, download=False)


def test_labels_beyond_30_classes_raise_data_error(small_dir, mnist_uint8, make_idx):
    labels = mnist_uint8["train_labels"][:100].copy()
    labels[37] = 30
    (small_dir / data.SPLITS["train_labels"]).write_bytes(make_idx(labels))
    with pytest.raises(DataError, match="label 30 is outside 0-29"):
        load_dataset(small_dir, download=False)


def test_classes_file_names_the_classes_and_must_cover_the_labels(small_dir):
    names = ["zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten"]
    (small_dir / "classes.txt").write_text("\n".join(names) + "\n")
    dataset = load_dataset(small_dir, download=False)
    assert dataset.classes == tuple(names) and dataset.name == small_dir.name and dataset.side == 28
    (small_dir / "classes.txt").write_text("\n".join(names[:9]))
    with pytest.raises(DataError, match="9 class names, but the labels go up to 9"):
        load_dataset(small_dir, download=False)


def test_two_dimensional_labels_raise_data_error(small_dir, make_idx):
    (small_dir / data.SPLITS["train_labels"]).write_bytes(make_idx(np.zeros((100, 2))))
    with pytest.raises(DataError):
        load_dataset(small_dir, download=False)


def test_image_and_label_count_mismatch_raises_data_error(small_dir, mnist_uint8, make_idx):
    (small_dir / data.SPLITS["test_labels"]).write_bytes(make_idx(mnist_uint8["test_labels"][:49]))
    with pytest.raises(DataError, match="49"):
        load_dataset(small_dir, download=False)


@pytest.mark.parametrize("keep", [1, 2, 3])
def test_directory_with_only_some_files_raises_data_error(small_dir, keep):
    stems = list(data.SPLITS.values())
    for stem in stems[keep:]:
        (small_dir / stem).unlink()
    # download=True: a partial directory must be reported, not silently "repaired" from the internet
    with pytest.raises(DataError, match=stems[-1]):
        load_dataset(small_dir)
    assert sorted(p.name for p in small_dir.iterdir()) == sorted(stems[:keep])


def test_empty_directory_without_download_names_data_dir(tmp_path):
    with pytest.raises(DataError, match="--data-dir"):
        load_dataset(tmp_path, download=False)
    assert list(tmp_path.iterdir()) == []


# ---------------------------------------------------------------- resolve_data_dir


def test_data_dir_argument_beats_environment(monkeypatch, tmp_path):
    monkeypatch.setenv("NNEXPLAIN_DATA", str(tmp_path / "env"))
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert resolve_data_dir(tmp_path / "arg") == (tmp_path / "arg", True)
    assert resolve_data_dir(str(tmp_path / "arg")) == (tmp_path / "arg", True)


def test_environment_beats_cache(monkeypatch, tmp_path):
    monkeypatch.setenv("NNEXPLAIN_DATA", str(tmp_path / "env"))
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert resolve_data_dir(None) == (tmp_path / "env", True)


def test_cache_directory_is_last(monkeypatch, tmp_path):
    monkeypatch.delenv("NNEXPLAIN_DATA", raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert resolve_data_dir(None) == (tmp_path / "xdg" / "nnexplain" / "mnist", False)
    monkeypatch.setenv("NNEXPLAIN_DATA", "")  # empty counts as unset
    assert resolve_data_dir(None) == (tmp_path / "xdg" / "nnexplain" / "mnist", False)
    monkeypatch.delenv("XDG_CACHE_HOME")
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    assert resolve_data_dir(None) == (tmp_path / "home" / ".cache" / "nnexplain" / "mnist", False)


def test_load_dataset_uses_the_environment_directory(monkeypatch, small_dir):
    monkeypatch.setenv("NNEXPLAIN_DATA", str(small_dir))
    assert load_dataset(download=False).train_images.shape == (100, 784)


# ---------------------------------------------------------------- downloader (loopback mirror)


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


class _TruncatingHandler(_QuietHandler):
    """Announces the whole file but closes the connection after half of it."""

    def do_GET(self):
        path = Path(self.translate_path(self.path))
        if not path.is_file():
            self.send_error(404)
            return
        body = path.read_bytes()
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body[: len(body) // 2])
        self.close_connection = True


@contextlib.contextmanager
def serve(directory: Path, handler=_QuietHandler):
    """An HTTP server on 127.0.0.1 (loopback only) serving `directory`, in a thread."""
    server = http.server.ThreadingHTTPServer(
        ("127.0.0.1", 0), functools.partial(handler, directory=str(directory))
    )
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


@pytest.fixture
def good_mirror(mnist_dir):
    with serve(mnist_dir) as url:
        yield url


def _copy_with_corruption(mnist_dir: Path, target: Path, corrupt: set[str]) -> Path:
    target.mkdir()
    for name in GZ_NAMES:
        content = bytearray((mnist_dir / name).read_bytes())
        if name in corrupt:
            content[len(content) // 2] ^= 0xFF
        (target / name).write_bytes(bytes(content))
    return target


def test_download_from_mirror_gives_the_verified_dataset(monkeypatch, tmp_path, good_mirror, dataset):
    monkeypatch.setenv("NNEXPLAIN_MNIST_MIRROR", good_mirror)
    target = tmp_path / "empty"
    target.mkdir()
    downloaded = load_dataset(target)
    assert sorted(p.name for p in target.iterdir()) == sorted(GZ_NAMES)
    for name in GZ_NAMES:
        assert hashlib.sha256((target / name).read_bytes()).hexdigest() == data.MNIST_SHA256[name]
    for field in ("train_images", "train_labels", "test_images", "test_labels"):
        np.testing.assert_array_equal(getattr(downloaded, field), getattr(dataset, field))
    assert downloaded.checksums == dataset.checksums


def test_download_creates_a_missing_directory(monkeypatch, tmp_path, good_mirror):
    monkeypatch.setenv("NNEXPLAIN_MNIST_MIRROR", good_mirror)
    target = tmp_path / "not" / "yet"
    data.download_mnist(target)
    assert sorted(p.name for p in target.iterdir()) == sorted(GZ_NAMES)


def test_mirror_with_every_file_corrupted_leaves_nothing(monkeypatch, tmp_path, mnist_dir):
    served = _copy_with_corruption(mnist_dir, tmp_path / "served", set(GZ_NAMES))
    target = tmp_path / "target"
    target.mkdir()
    with serve(served) as url:
        monkeypatch.setenv("NNEXPLAIN_MNIST_MIRROR", url)
        with pytest.raises(DataError, match="checksum"):
            load_dataset(target)
    assert list(target.iterdir()) == []  # neither the bad file nor a partial/temporary one


def test_corrupted_file_is_refused_and_not_kept(monkeypatch, tmp_path, mnist_dir):
    bad = "t10k-images-idx3-ubyte.gz"
    served = _copy_with_corruption(mnist_dir, tmp_path / "served", {bad})
    target = tmp_path / "target"
    target.mkdir()
    with serve(served) as url:
        monkeypatch.setenv("NNEXPLAIN_MNIST_MIRROR", url)
        with pytest.raises(DataError, match="checksum") as error:
            load_dataset(target)
    assert bad in str(error.value)
    names = [p.name for p in target.iterdir()]
    assert bad not in names
    assert all(name in GZ_NAMES for name in names), names  # no partial or temporary file
    for name in names:  # whatever was kept is verified
        assert hashlib.sha256((target / name).read_bytes()).hexdigest() == data.MNIST_SHA256[name]


def test_download_resumes_after_a_failed_attempt(monkeypatch, tmp_path, mnist_dir, good_mirror):
    """A download that failed halfway (network drop, bad mirror) must not leave the directory
    permanently unusable: the next run with a working mirror completes it."""
    served = _copy_with_corruption(mnist_dir, tmp_path / "served", {"t10k-images-idx3-ubyte.gz"})
    target = tmp_path / "target"
    target.mkdir()
    with serve(served) as url:
        monkeypatch.setenv("NNEXPLAIN_MNIST_MIRROR", url)
        with pytest.raises(DataError):
            load_dataset(target)
    monkeypatch.setenv("NNEXPLAIN_MNIST_MIRROR", good_mirror)
    assert load_dataset(target).test_images.shape == (10000, 784)


def test_truncated_transfer_raises_data_error(monkeypatch, tmp_path, mnist_dir):
    target = tmp_path / "target"
    target.mkdir()
    with serve(mnist_dir, _TruncatingHandler) as url:
        monkeypatch.setenv("NNEXPLAIN_MNIST_MIRROR", url)
        with pytest.raises(DataError):
            load_dataset(target)
    assert list(target.iterdir()) == []


def test_mirror_without_the_files_raises_data_error(monkeypatch, tmp_path):
    (tmp_path / "served").mkdir()
    target = tmp_path / "target"
    with serve(tmp_path / "served") as url:
        monkeypatch.setenv("NNEXPLAIN_MNIST_MIRROR", url)
        with pytest.raises(DataError, match="--data-dir"):
            load_dataset(target)
    assert not target.exists() or list(target.iterdir()) == []


def test_unreachable_mirror_raises_data_error_naming_data_dir(monkeypatch, tmp_path, unreachable_mirror):
    monkeypatch.setenv("NNEXPLAIN_MNIST_MIRROR", unreachable_mirror)
    target = tmp_path / "target"
    target.mkdir()
    with pytest.raises(DataError, match="--data-dir"):
        load_dataset(target)
    assert list(target.iterdir()) == []


def test_already_verified_files_are_not_downloaded_again(
    monkeypatch, tmp_path, mnist_dir, unreachable_mirror
):
    target = tmp_path / "target"
    shutil.copytree(mnist_dir, target, ignore=shutil.ignore_patterns("*.md"))
    monkeypatch.setenv("NNEXPLAIN_MNIST_MIRROR", unreachable_mirror)
    data.download_mnist(target)  # nothing to fetch, so the dead mirror is never asked


# ---------------------------------------------------------------- shipped sample / test_digits


def test_shipped_sample_is_the_first_1000_test_digits(mnist_uint8):
    images, labels = data.load_sample()
    assert images.shape == (data.SAMPLE_SIZE, 784) and images.dtype == np.float32
    np.testing.assert_array_equal(
        np.rint(images * 255).astype(np.uint8),
        mnist_uint8["test_images"][: data.SAMPLE_SIZE].reshape(-1, 784),
    )
    np.testing.assert_array_equal(labels, mnist_uint8["test_labels"][: data.SAMPLE_SIZE])


@pytest.mark.parametrize("indices", [[0], [7, 0, 999], [1000], [4242, 3, 9999]])
def test_test_digits_equal_the_real_test_set(indices, mnist_dir, mnist_uint8):
    images, labels, sources = data.test_digits(indices, data_dir=mnist_dir)
    assert images.shape == (len(indices), 784) and sources == [f"mnist-test:{i}" for i in indices]
    np.testing.assert_array_equal(
        np.rint(images * 255).astype(np.uint8), mnist_uint8["test_images"][indices].reshape(len(indices), 784)
    )
    np.testing.assert_array_equal(labels, mnist_uint8["test_labels"][indices])


def test_sample_digits_work_without_any_data_directory():
    images, labels, _ = data.test_digits([0, 1, 2])  # offline fixture: no data dir exists
    assert images.shape == (3, 784) and labels.shape == (3,)


@pytest.mark.parametrize("index", [10000, 123456, -1])
def test_out_of_range_digit_raises_data_error(index, mnist_dir):
    with pytest.raises(DataError, match="range"):
        data.test_digits([index], data_dir=mnist_dir)


def test_digit_beyond_sample_without_data_raises_data_error(tmp_path):
    with pytest.raises(DataError, match="--data-dir"):
        data.test_digits([5000], data_dir=tmp_path)
    assert list(tmp_path.iterdir()) == []  # and nothing was downloaded
