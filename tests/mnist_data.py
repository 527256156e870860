"""Where the tests find the real MNIST files, in the order a new contributor meets them.

1. $NNEXPLAIN_DATA (CI sets it), used as it is: nothing is downloaded into a folder the user named.
2. ../shared/data/mnist beside the repository, when it holds the four files.
3. The command line's own default, network.data's cache folder (~/.cache/nnexplain/mnist, or under
   $XDG_CACHE_HOME), downloaded and checksum-verified on first use by network.data's downloader
   ($NNEXPLAIN_MNIST_MIRROR replaces the mirrors, as for the CLI).

`locate_mnist` returns the folder or raises `MissingMNIST` whose message is the one line the test
session stops with.

>>> sorted(SPLITS)[0]
'test_images'
"""

from __future__ import annotations

from pathlib import Path

from network.data import DATA_DIR_HINT, SPLITS, default_data_dir, download_mnist, find_idx_file
from network.errors import NNExplainError

__all__ = ["MissingMNIST", "locate_mnist", "SHARED_MNIST"]

SHARED_MNIST = Path(__file__).resolve().parents[2] / "shared" / "data" / "mnist"


class MissingMNIST(Exception):
    """No MNIST folder for the tests, and none could be downloaded: the message says what to do."""


def _holds_mnist(directory: Path) -> bool:
    return all(find_idx_file(directory, stem) is not None for stem in SPLITS.values())


def locate_mnist(named: str | None, shared: Path = SHARED_MNIST) -> Path:
    """The MNIST folder for the tests: `named` ($NNEXPLAIN_DATA), else `shared`, else the CLI's
    cache folder, filled by `network.data.download_mnist` when it lacks a file."""
    if named:
        directory = Path(named).expanduser()
        if not _holds_mnist(directory):
            raise MissingMNIST(
                f"NNEXPLAIN_DATA={directory} does not hold the four MNIST IDX files "
                f"({', '.join(SPLITS.values())}, .gz or raw): fill it, or unset NNEXPLAIN_DATA "
                "to let the tests download MNIST into the cache"
            )
        return directory
    if _holds_mnist(shared):
        return shared
    cache = default_data_dir()
    if not _holds_mnist(cache):
        try:
            download_mnist(cache)
        except NNExplainError as exc:
            reason = str(exc).removesuffix(f"; {DATA_DIR_HINT}")
            raise MissingMNIST(
                f"the tests need MNIST: not in $NNEXPLAIN_DATA (unset), {shared} or {cache}, and {reason}; "
                f"put the four MNIST .gz files in {cache} (or set NNEXPLAIN_DATA=DIR to a folder "
                "that holds them) and run the tests again"
            ) from None
    return cache
