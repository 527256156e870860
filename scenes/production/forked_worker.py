"""Render workers forked from a process that has imported Manim once (scenes/production/fork_server.py).

Python takes about 0.8 s of CPU to import Manim: most of what a short scene's render costs, paid again
by every `python -m scenes.production.render_worker`. The fork server pays it once per process that
renders (an `nnexplain` command, a test session, a notebook) and forks a worker per render. The worker
imports the project's modules afresh, so a long-lived process never renders edited code with old
code; a server whose Manim is not the installed version any more is replaced.

A forked worker is, as far as the render pool can tell, the process Popen started: its own session and
process group (so `os.killpg` reaches whatever it starts), in the project folder with the asking
process's environment and PYTHONPATH, stdin and stdout on /dev/null, stderr a pipe to the parent,
and an exit status as Popen's returncode. It differs in what was fixed when the server started:
the interpreter, the third-party modules it imported and the settings they read at import.
"""

from __future__ import annotations

import atexit
import json
import os
import socket
import subprocess
import sys
import threading
from importlib import metadata

from network.errors import NNExplainError
from scenes.production.fork_server import ENDED, FAILED, NOT_STARTED, READY, RECORD, STARTED
from scenes.story.catalog import PROJECT_ROOT

__all__ = ["ForkServer", "ForkedWorker", "shared_fork_server"]


class ForkedWorker:
    """A worker the server forked: `pid` (its process group's too), and Popen's `communicate()`,
    `wait()` and `returncode`. `communicate()` reads stderr to its end (the worker and everything it
    started have closed it), then the status; `wait()` waits for `communicate()` in another thread."""

    def __init__(self, stderr_read: int, status_read: int):
        self._stderr = os.fdopen(stderr_read, "r", encoding="utf-8", errors="replace")
        self._status = status_read
        self._ended = threading.Event()
        self.returncode: int | None = None
        kind, value = _read_record(status_read)
        if kind != STARTED or value <= 1:
            self._close()
            self._ended.set()
            raise NNExplainError("the render worker did not start (the fork server could not fork it)")
        self.pid = value

    def communicate(self) -> tuple[None, str]:
        try:
            stderr = self._stderr.read()
            kind, status = _read_record(self._status)
            if kind != ENDED:  # the server died meanwhile: a nonzero status, and the error says so
                stderr += "\nthe render fork server stopped before the worker's end\n"
                status = 255
            self.returncode = status
        finally:
            self._close()
            self._ended.set()
        return None, stderr

    def wait(self, timeout: float | None = None) -> int | None:
        if not self._ended.wait(timeout):
            raise subprocess.TimeoutExpired("render worker", timeout)
        return self.returncode

    def _close(self) -> None:
        self._stderr.close()
        os.close(self._status)


class ForkServer:
    """The parent's side of one fork server (thread-safe): started, and ready, when constructed."""

    def __init__(self):
        parent, child = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        self._socket, self._lock = parent, threading.Lock()
        with child:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "scenes.production.fork_server", str(child.fileno())],
                cwd=PROJECT_ROOT, pass_fds=[child.fileno()], stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True,
            )  # fmt: skip
        greeting = parent.recv(4096)  # READY and its Manim version, once Manim is imported
        if not greeting.startswith(READY):
            self.close()
            reason = greeting.removeprefix(FAILED).decode(errors="replace") or "it ended at start"
            raise NNExplainError(f"the render workers cannot start: {reason}")
        self.manim_version = greeting.removeprefix(READY).decode()

    def alive(self) -> bool:
        return self.process.poll() is None

    def spawn(self, argv: list[str]) -> ForkedWorker:
        """Fork a worker running `render_worker.main(argv)`, with this process's current environment."""
        request = json.dumps({"argv": argv, "env": dict(os.environ)}).encode()
        request_read, request_write = os.pipe()
        stderr_read, stderr_write = os.pipe()
        status_read, status_write = os.pipe()
        try:
            with self._lock:
                socket.send_fds(self._socket, [b"render"], [request_read, stderr_write, status_write])
                with os.fdopen(request_write, "wb") as body:  # (the server reads it at once)
                    request_write = None
                    body.write(request)
        except OSError as exc:
            for fd in (stderr_read, status_read, request_write):
                if fd is not None:
                    os.close(fd)
            raise NNExplainError(f"the render fork server stopped ({exc.strerror or exc})") from None
        finally:
            for fd in (request_read, stderr_write, status_write):
                os.close(fd)
        return ForkedWorker(stderr_read, status_read)

    def close(self) -> None:
        """End the server (it stops any worker still running) and reap it."""
        self._socket.close()
        try:
            self.process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


_server: ForkServer | None = None
_server_lock = threading.Lock()


def shared_fork_server() -> ForkServer:
    """This process's fork server: started on first use, and again if it ended or its Manim is not
    the installed one; closed at exit."""
    global _server
    with _server_lock:
        installed = metadata.version("manim")
        if _server is not None and (not _server.alive() or _server.manim_version != installed):
            _server.close()
            _server = None
        if _server is None:
            _server = ForkServer()
            atexit.register(_close, _server)
        return _server


def _close(server: ForkServer) -> None:
    if server.alive():
        server.close()


def _read_record(fd: int) -> tuple[bytes, int]:
    """The next (kind, value) on a status pipe; (b"", NOT_STARTED) at its end."""
    data = b""
    while len(data) < RECORD.size:
        chunk = os.read(fd, RECORD.size - len(data))
        if not chunk:
            return b"", NOT_STARTED
        data += chunk
    return RECORD.unpack(data)
