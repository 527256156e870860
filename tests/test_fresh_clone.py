"""`pytest` on a fresh clone: no ../shared beside it, $NNEXPLAIN_DATA unset, an empty cache.

The copy of the working tree runs its own pytest in a subprocess. With the MNIST mirror a closed
loopback port the session stops before any test with one line naming the folder to fill; with a
loopback HTTP server holding the real .gz files as the mirror, MNIST is downloaded into the CLI's
cache folder, verified, and the test passes; a tampered file is refused. Tests that need no MNIST
run offline as before.
"""

from __future__ import annotations

import functools
import os
import shutil
import subprocess
import sys
import threading
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from tests.conftest import MISSING_MNIST_STATUS, REPO, closed_port

GZ_NAMES = (
    "train-images-idx3-ubyte.gz",
    "train-labels-idx1-ubyte.gz",
    "t10k-images-idx3-ubyte.gz",
    "t10k-labels-idx1-ubyte.gz",
)
NEEDS_MNIST = "tests/test_data.py::test_real_label_counts_match_the_published_counts"
NEEDS_NO_MNIST = "tests/test_model.py::test_parameter_count_of_the_video_network"


@pytest.fixture(scope="module")
def clone(tmp_path_factory) -> Path:
    """The working tree's files (tracked and new, as git lists them) copied into an empty folder,
    so nothing named shared/ is beside the copy."""
    listed = subprocess.run(
        ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
        cwd=REPO,
        capture_output=True,
        check=True,
    ).stdout.split(b"\0")
    root = tmp_path_factory.mktemp("fresh") / "nnexplain"
    for name in filter(None, listed):
        source = REPO / os.fsdecode(name)
        if source.is_file():
            target = root / os.fsdecode(name)
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target)
    assert not (root.parent / "shared").exists()
    return root


def run_pytest(
    clone: Path, cache: Path, mirror: str, node: str, tmp: Path, *options: str
) -> subprocess.CompletedProcess:
    """`python -m pytest OPTIONS NODE` in the clone, as a new contributor's shell would run it."""
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("PYTEST_", "NNEXPLAIN_")) and key != "PYTHONPATH"
    }
    env.update(XDG_CACHE_HOME=str(cache), NNEXPLAIN_MNIST_MIRROR=mirror, PYTHONPATH=str(clone))
    argv = [
        sys.executable,
        "-m",
        "pytest",
        "-q",
        "-p",
        "no:cacheprovider",
        "--basetemp",
        str(tmp),
        *options,
        node,
    ]
    return subprocess.run(argv, cwd=clone, env=env, capture_output=True, text=True, timeout=300)


@pytest.fixture
def mirror(mnist_dir, tmp_path):
    """A loopback HTTP server serving a folder (the real MNIST .gz files copied there): its URL and
    the folder, which a test may change."""
    served = tmp_path / "served"
    served.mkdir()
    for name in GZ_NAMES:
        assert (mnist_dir / name).is_file(), f"{mnist_dir} must hold the original {name} to serve it"
        shutil.copy(mnist_dir / name, served / name)

    class Quiet(SimpleHTTPRequestHandler):
        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(Quiet, directory=str(served)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/", served
    finally:
        server.shutdown()
        server.server_close()


def one_line_naming(output: str, folder: Path) -> list[str]:
    return [line for line in output.splitlines() if str(folder) in line and "NNEXPLAIN_DATA" in line]


@pytest.mark.parametrize("options", [(), ("-n", "2")], ids=["serial", "xdist"])
def test_no_data_and_no_network_stops_at_once_with_one_line(clone, tmp_path, options):
    cache_home = tmp_path / "cache"
    cache_home.mkdir()
    mirror = f"http://127.0.0.1:{closed_port()}/"
    result = run_pytest(clone, cache_home, mirror, "tests/test_data.py", tmp_path / "t", *options)
    output = result.stdout + result.stderr
    folder = cache_home / "nnexplain" / "mnist"
    assert result.returncode == MISSING_MNIST_STATUS, output
    lines = one_line_naming(output, folder)
    assert len(lines) == 1, output
    assert "put the four MNIST .gz files in" in lines[0] and "could not download" in lines[0]
    assert "Traceback" not in output and "no tests ran" in output, output
    assert not folder.exists() or list(folder.iterdir()) == []  # nothing half-downloaded is left


def test_tests_that_need_no_mnist_run_offline(clone, tmp_path):
    cache_home = tmp_path / "cache"
    result = run_pytest(
        clone, cache_home, f"http://127.0.0.1:{closed_port()}/", NEEDS_NO_MNIST, tmp_path / "t"
    )
    assert result.returncode == 0 and "1 passed" in result.stdout, result.stdout + result.stderr
    assert not (cache_home / "nnexplain").exists()


def test_a_reachable_mirror_fills_the_cli_cache_and_the_test_passes(clone, mirror, tmp_path):
    url, served = mirror
    cache_home = tmp_path / "cache"
    result = run_pytest(clone, cache_home, url, NEEDS_MNIST, tmp_path / "t")
    assert result.returncode == 0 and "1 passed" in result.stdout, result.stdout + result.stderr
    folder = cache_home / "nnexplain" / "mnist"
    assert sorted(path.name for path in folder.iterdir()) == sorted(GZ_NAMES)
    for name in GZ_NAMES:
        assert (folder / name).read_bytes() == (served / name).read_bytes(), name
    # A second session finds the cache filled and needs no mirror.
    again = run_pytest(clone, cache_home, f"http://127.0.0.1:{closed_port()}/", NEEDS_MNIST, tmp_path / "t2")
    assert again.returncode == 0 and "1 passed" in again.stdout, again.stdout + again.stderr


def test_a_mirror_serving_a_tampered_file_is_refused(clone, mirror, tmp_path):
    url, served = mirror
    labels = served / "t10k-labels-idx1-ubyte.gz"
    tampered = bytearray(labels.read_bytes())
    tampered[-1] ^= 0xFF
    labels.write_bytes(bytes(tampered))
    cache_home = tmp_path / "cache"
    result = run_pytest(clone, cache_home, url, NEEDS_MNIST, tmp_path / "t")
    output = result.stdout + result.stderr
    folder = cache_home / "nnexplain" / "mnist"
    assert result.returncode == MISSING_MNIST_STATUS, output
    lines = one_line_naming(output, folder)
    assert len(lines) == 1 and "checksum mismatch" in lines[0], output
    assert "Traceback" not in output
    assert not (folder / labels.name).exists()
