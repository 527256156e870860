"""Write files safely: a reader sees the old file or the complete new one, never half of one.

What `atomic_path(destination)` does with each kind of destination (as cp, rsync and editors do):

- a regular file, or a new name: the content goes to a temporary file beside it, is fsynced and
  renamed over it; the directory is fsynced so that a crash cannot lose the new name. A replaced
  file keeps its permission bits, and its owner and group where the process may set them;
- a symbolic link: it is followed, and its target is replaced as above (the link stays a link);
- a character device or a named pipe (/dev/null, a FIFO a reader waits on), or a descriptor the
  shell opened (/dev/stdout, /dev/fd/N, `>(...)`): written to directly, once the content is
  complete, in append mode (so `>> log` appends), never replaced;
- "-": the content goes to standard output once it is complete;
- a directory, a block device or a socket: refused with one line.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import stat
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

from network.errors import NNExplainError

STDOUT = "-"


def describe_kind(mode: int) -> str | None:
    """What a file of this st_mode is, when it is not a regular file or a directory."""
    kinds = (
        (stat.S_ISCHR, "a character device"),
        (stat.S_ISFIFO, "a named pipe"),
        (stat.S_ISBLK, "a block device"),
        (stat.S_ISSOCK, "a socket"),
    )
    return next((name for test, name in kinds if test(mode)), None)


@contextlib.contextmanager
def atomic_path(destination: str | os.PathLike) -> Iterator[Path]:
    """Yield a temporary path; when the block succeeds, its content reaches `destination` as the
    module docstring says. On any error (or Ctrl-C, SIGTERM) the temporary file is removed and the
    destination is untouched.

    The temporary file keeps the destination's suffix so that libraries which add one
    (numpy's ``.npz``) or choose a format by it (Pillow, cairo) behave as for the real name.
    """
    name = os.fspath(destination)
    if name == STDOUT:
        with _streamed(None, ".out") as tmp:
            yield tmp
        return
    destination = Path(name)
    if _is_descriptor(destination):
        with _streamed(destination, destination.suffix) as tmp:
            yield tmp
        return
    target = Path(os.path.realpath(destination)) if destination.is_symlink() else destination
    try:
        existing = os.stat(target)
    except FileNotFoundError:
        existing = None
    except OSError as exc:
        raise NNExplainError(f"cannot write {destination}: {exc.strerror or exc}") from None
    if existing is not None and stat.S_ISDIR(existing.st_mode):
        raise NNExplainError(f"cannot write {destination}: it is a directory")
    if existing is not None and not stat.S_ISREG(existing.st_mode):
        kind = describe_kind(existing.st_mode)
        if not (stat.S_ISCHR(existing.st_mode) or stat.S_ISFIFO(existing.st_mode)):
            raise NNExplainError(f"cannot write {destination}: it is {kind}, not a file")
        with _streamed(target, destination.suffix) as tmp:
            yield tmp
        return
    with _replaced(target, existing) as tmp:
        yield tmp


def _is_descriptor(path: Path) -> bool:
    """/dev/stdout, /dev/fd/3, /proc/self/fd/1 and links to them: an open file of the caller's,
    which may be a pipe, a terminal or a file opened for appending; never to be renamed over."""
    name = os.path.abspath(path)
    real = os.path.realpath(path)
    return name.startswith(("/dev/fd/", "/dev/std")) or real.startswith("/proc/") or name.startswith("/proc/")


@contextlib.contextmanager
def _replaced(target: Path, existing: os.stat_result | None) -> Iterator[Path]:
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp_name = tempfile.mkstemp(
            prefix=f".{target.stem}.", suffix=f".partial{target.suffix}", dir=target.parent
        )
    except OSError as exc:
        raise NNExplainError(f"cannot write to {target.parent}: {exc.strerror or exc}") from None
    tmp = Path(tmp_name)
    try:  # from here on, whatever happens (an error, Ctrl-C, SIGTERM), the temporary file goes
        os.close(fd)
        _copy_permissions(tmp, existing)
        yield tmp
        with open(tmp, "rb+") as handle:
            os.fsync(handle.fileno())
        os.replace(tmp, target)
        # rename() does nothing when both names are hard links to one file (a published video
        # linked to its cached copy): then the temporary name is still there
        tmp.unlink(missing_ok=True)
        _fsync_directory(target.parent)
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        raise NNExplainError(f"cannot write {target}: {exc.strerror or exc}") from None
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def _copy_permissions(tmp: Path, existing: os.stat_result | None) -> None:
    """The replaced file's mode (and owner and group where allowed); a new file gets 0666 less
    the umask (mkstemp's 0600 would make shipped files private)."""
    if existing is None:
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)
        return
    with contextlib.suppress(PermissionError):  # first: chown clears the setuid and setgid bits
        os.chown(tmp, existing.st_uid, existing.st_gid)
    os.chmod(tmp, stat.S_IMODE(existing.st_mode))


def _fsync_directory(directory: Path) -> None:
    with contextlib.suppress(OSError):  # not every file system lets a directory be opened
        fd = os.open(directory, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


@contextlib.contextmanager
def _streamed(target: Path | None, suffix: str) -> Iterator[Path]:
    """Build the content in a private temporary folder, then copy it to `target` (a device or a
    pipe, opened without truncating anything else) or to standard output (None)."""
    folder = Path(tempfile.mkdtemp(prefix="nnexplain-"))
    tmp = folder / f"content{suffix}"
    try:
        yield tmp
        with open(tmp, "rb") as source:
            if target is None:
                out = getattr(sys.stdout, "buffer", sys.stdout)
                shutil.copyfileobj(source, out)
                out.flush()
            else:
                with open(target, "ab") as sink:  # nothing to truncate; a file behind >> is appended to
                    shutil.copyfileobj(source, sink)
    except OSError as exc:
        raise NNExplainError(
            f"cannot write {target or 'to standard output'}: {exc.strerror or exc}"
        ) from None
    finally:
        shutil.rmtree(folder, ignore_errors=True)
