"""The fork server process: it imports Manim once, then forks a render worker for each request.

Run by scenes/production/forked_worker.py as `python -m scenes.production.fork_server FD`, where FD is
its end of a Unix socket pair (SOCK_SEQPACKET). It first sends READY and its Manim version (or
FAILED and one line saying why it cannot render). Each request is one datagram carrying four file
descriptors (SCM_RIGHTS): the read end of a pipe holding the request (JSON: the render worker's
argv and the asking process's environment), and the write ends of the worker's stderr pipe and of
its status pipe. On the status pipe the worker writes STARTED and its pid once it leads its own
session; the server writes ENDED and its exit status (as Popen's returncode) when it has reaped it,
or ENDED and NOT_STARTED if the fork failed. When the parent closes the socket the server stops the
workers still running (SIGTERM, SIGKILL after GRACE seconds) and exits.
"""

from __future__ import annotations

import importlib
import json
import os
import select
import signal
import socket
import struct
import sys
import time
import traceback
from importlib import metadata

__all__ = ["ENDED", "FAILED", "NOT_STARTED", "READY", "RECORD", "STARTED", "serve"]

RECORD = struct.Struct("ci")  # (STARTED, pid) or (ENDED, status) on a worker's status pipe
STARTED, ENDED = b"P", b"S"
NOT_STARTED = -1000  # ENDED's status when no worker was forked
READY, FAILED = b"ready ", b"failed "
GRACE = 1.5  # seconds between SIGTERM and SIGKILL for workers left running when the parent goes
PROJECT_PACKAGES = ("scenes", "network")


def serve(connection: socket.socket) -> None:
    """Say whether Manim imports, then fork a worker per request until the parent closes the socket."""
    try:
        import manim  # noqa: F401  (the point of the server: imported once, shared by every fork)
    except Exception as exc:  # the parent reports it as the render's error
        connection.send(FAILED + f"{type(exc).__name__}: {exc}".splitlines()[0].encode())
        return
    connection.send(READY + metadata.version("manim").encode())
    folder = os.getcwd()  # the project folder: the parent starts the server there
    started_with = {
        os.path.abspath(path) for path in os.environ.get("PYTHONPATH", "").split(os.pathsep) if path
    }
    interpreter_path = [path for path in sys.path[1:] if path not in started_with]  # sys.path[0]: folder
    wake_read, wake_write = os.pipe()
    os.set_blocking(wake_write, False)
    signal.set_wakeup_fd(wake_write)
    signal.signal(signal.SIGCHLD, lambda signum, frame: None)  # (the wakeup fd is the notice)
    statuses: dict[int, int] = {}  # worker pid -> write end of its status pipe
    while True:
        ready, _, _ = select.select([connection, wake_read], [], [])
        if wake_read in ready:
            os.read(wake_read, 4096)
        _reap(statuses)
        if connection in ready:
            message, fds, _, _ = socket.recv_fds(connection, 16, 3)
            if not message:
                _stop_all(statuses)
                return  # the parent closed the socket, or ended
            if len(fds) != 3:
                for fd in fds:
                    os.close(fd)
                continue
            request_read, stderr_write, status_write = fds
            try:
                with os.fdopen(request_read, "rb") as request_file:
                    request = json.loads(request_file.read())
                pid = os.fork()
            except Exception:  # a broken request, or no fork (memory, process limit): this one fails
                _write(status_write, ENDED, NOT_STARTED)
                os.close(status_write)
                os.close(stderr_write)
                continue
            if pid == 0:
                inherited = [connection.fileno(), wake_read, wake_write, *statuses.values()]
                _run_worker(request, stderr_write, status_write, inherited, [folder, *interpreter_path])
            os.close(stderr_write)
            statuses[pid] = status_write


def _reap(statuses: dict[int, int]) -> None:
    while statuses:
        pid, status = os.waitpid(-1, os.WNOHANG)
        if pid == 0:
            return
        fd = statuses.pop(pid, None)
        if fd is not None:
            _write(fd, ENDED, os.waitstatus_to_exitcode(status))
            os.close(fd)


def _stop_all(statuses: dict[int, int]) -> None:
    """The parent is gone: end its workers' process groups as its own stop would have (SIGTERM, and
    SIGKILL after GRACE seconds for whatever is left, such as a child that ignores SIGTERM)."""
    groups = list(statuses)
    _signal_groups(groups, signal.SIGTERM)
    deadline = time.monotonic() + GRACE
    while statuses and time.monotonic() < deadline:
        _reap(statuses)
        time.sleep(0.05)
    _signal_groups(groups, signal.SIGKILL)
    while statuses:
        _reap(statuses)
        time.sleep(0.01)


def _signal_groups(groups: list[int], signum: int) -> None:
    for group in groups:
        try:
            os.killpg(group, signum)
        except OSError:
            pass  # the group has ended


def _write(fd: int, kind: bytes, value: int) -> None:
    try:
        os.write(fd, RECORD.pack(kind, value))
    except OSError:
        pass  # the parent stopped listening


def _run_worker(
    request: dict, stderr_write: int, status_write: int, inherited: list[int], path: list[str]
) -> None:
    """In the forked child: become the worker process `python -m` in the project folder `path[0]` would
    be (`path`: that folder, then the interpreter's own import path), run it, exit with its status."""
    code = 1
    try:
        os.setsid()
        signal.set_wakeup_fd(-1)
        signal.signal(signal.SIGCHLD, signal.SIG_DFL)
        for fd in inherited:  # the server's own, and the status pipes of the other workers
            os.close(fd)
        _write(status_write, STARTED, os.getpid())  # its process group exists: it can be stopped
        os.close(status_write)
        devnull = os.open(os.devnull, os.O_RDWR)
        for fd, target in ((0, devnull), (1, devnull), (2, stderr_write)):
            os.dup2(target, fd)
        os.close(devnull)
        os.close(stderr_write)
        environment = request["env"]
        os.environ.clear()
        os.environ.update(environment)
        os.chdir(path[0])
        pythonpath = [
            os.path.abspath(entry) for entry in environment.get("PYTHONPATH", "").split(os.pathsep) if entry
        ]
        sys.path[:] = [path[0], *pythonpath, *path[1:]]  # as `python -m` with this PYTHONPATH would have it
        for name in [name for name in sys.modules if name.split(".")[0] in PROJECT_PACKAGES]:
            del sys.modules[name]  # the project's modules as they are now, not as the server found them
        importlib.invalidate_caches()
        from scenes.production.render_worker import main  # (imported afresh: see above)

        code = main(request["argv"])
    except SystemExit as exc:
        code = 0 if exc.code is None else exc.code if isinstance(exc.code, int) else 1
    except BaseException:
        traceback.print_exc()
    finally:
        for stream in (sys.stdout, sys.stderr):
            try:
                stream.flush()
            except (OSError, ValueError):
                pass
        os._exit(code)  # (no atexit handlers: they are the server's)


if __name__ == "__main__":
    serve(socket.socket(fileno=int(sys.argv[1])))
