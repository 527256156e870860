"""Write files atomically: a reader sees the old file or the complete new one, never half of one."""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path

from network.errors import NNExplainError


@contextlib.contextmanager
def atomic_path(destination: str | os.PathLike) -> Iterator[Path]:
    """Yield a temporary path beside `destination`; move it into place only if the block succeeds.

    The temporary file keeps the destination's suffix so that libraries which add one
    (numpy's ``.npz``) or choose a format by it (Pillow, cairo) behave as for the real name.
    """
    destination = Path(destination)
    try:
        destination.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp_name = tempfile.mkstemp(
            prefix=f".{destination.stem}.",
            suffix=f".partial{destination.suffix}",
            dir=destination.parent,
        )
    except OSError as exc:
        raise NNExplainError(f"cannot write to {destination.parent}: {exc.strerror or exc}") from None
    tmp = Path(tmp_name)
    try:  # from here on, whatever happens (an error, Ctrl-C, SIGTERM), the temporary file goes
        os.close(fd)
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)  # mkstemp's 0600 would make shipped files private
        yield tmp
        with open(tmp, "rb+") as handle:
            os.fsync(handle.fileno())
        os.replace(tmp, destination)
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        raise NNExplainError(f"cannot write {destination}: {exc.strerror or exc}") from None
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
