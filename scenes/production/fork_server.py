"""Render workers forked from a process that has imported Manim once.

Python takes about 0.8 s of CPU to import Manim: most of what a short scene's render costs, paid again
by every `python -m scenes.production.render_worker`. The fork server pays it once per `nnexplain`
process (or test process): it imports Manim, then forks a worker for each render, which imports the
project's modules afresh (a long-lived process never renders an edited scene from old code).

A forked worker is what a worker process started by Popen is: its own process, leader of its own
session and process group (so `os.killpg` reaches whatever it starts), stdin and stdout on /dev/null,
stderr a pipe to the parent, and the parent's current environment; its exit status is reported.
`ForkedWorker` offers the part of `subprocess.Popen` the render pool uses.

The parent sends each request as one datagram on a Unix socket pair (SOCK_SEQPACKET), with two file
descriptors (SCM_RIGHTS): the write ends of the worker's stderr pipe and of its status pipe. The
worker writes its pid there once it leads its session; the server writes its exit status (as
Popen's returncode) when it has reaped it. Closing the socket ends the server; the parent closes it
at exit.
"""

from __future__ import annotations

import atexit
import json
import os
import select
import signal
import socket
import struct
import subprocess
import sys
import threading

from scenes.story.catalog import PROJECT_ROOT

__all__ = ["ForkServer", "ForkedWorker", "fork_server"]

_INT = struct.Struct("i")
_REQUEST_LIMIT = 1 << 20  # bytes: argv, environment and folder of one request


class ForkedWorker:
    """A worker forked by the server: `pid` (its process group too), `communicate()`, `wait()`,
    `returncode`, as with subprocess.Popen."""

    def __init__(self, stderr_read: int, status_read: int):
        self._stderr = os.fdopen(stderr_read, "r", encoding="utf-8", errors="replace")
        self._status = status_read
        self._ended = threading.Event()
        self.returncode: int | None = None
        pid = _read_int(status_read)
        if pid is None:
            self._close()
            raise OSError("the render fork server did not start the worker")
        self.pid = pid

    def communicate(self) -> tuple[None, str]:
        """Read stderr to its end, then wait for the exit status: (None, stderr)."""
        try:
            stderr = self._stderr.read()
            status = _read_int(self._status)
            self.returncode = 255 if status is None else status  # 255: the server died meanwhile
        finally:
            self._close()
            self._ended.set()
        return None, stderr

    def wait(self, timeout: float | None = None) -> int | None:
        """Wait for `communicate()` (running in another thread) to see the end of the worker."""
        if not self._ended.wait(timeout):
            raise subprocess.TimeoutExpired("render worker", timeout)
        return self.returncode

    def _close(self) -> None:
        self._stderr.close()
        os.close(self._status)


class ForkServer:
    """The parent's side: starts the server process and asks it for workers (thread-safe)."""

    def __init__(self):
        parent, child = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        self._socket, self._lock = parent, threading.Lock()
        with child:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "scenes.production.fork_server", str(child.fileno())],
                cwd=PROJECT_ROOT, pass_fds=[child.fileno()], stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True,
            )  # fmt: skip

    def alive(self) -> bool:
        return self.process.poll() is None

    def spawn(self, argv: list[str]) -> ForkedWorker:
        """Fork a worker running `render_worker.main(argv)`, with this process's current environment."""
        stderr_read, stderr_write = os.pipe()
        status_read, status_write = os.pipe()
        request = json.dumps({"argv": argv, "env": dict(os.environ)}).encode()
        try:
            with self._lock:
                socket.send_fds(self._socket, [request], [stderr_write, status_write])
        except OSError:
            for fd in (stderr_read, status_read):
                os.close(fd)
            raise
        finally:
            os.close(stderr_write)
            os.close(status_write)
        return ForkedWorker(stderr_read, status_read)

    def close(self) -> None:
        """End the server (its running workers are the render pool's to stop) and reap it."""
        self._socket.close()
        try:
            self.process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


_server: ForkServer | None = None
_server_lock = threading.Lock()


def fork_server() -> ForkServer:
    """This process's fork server, started on first use (and again if it died); closed at exit."""
    global _server
    with _server_lock:
        if _server is None or not _server.alive():
            if _server is None:
                atexit.register(_close_server)
            _server = ForkServer()
        return _server


def _close_server() -> None:
    with _server_lock:
        if _server is not None:
            _server.close()


def _read_int(fd: int) -> int | None:
    data = b""
    while len(data) < _INT.size:
        chunk = os.read(fd, _INT.size - len(data))
        if not chunk:
            return None
        data += chunk
    return _INT.unpack(data)[0]


# -- the server process ----------------------------------------------------------------------------
def serve(connection: socket.socket) -> None:
    """Fork a worker for each request until the parent closes the connection."""
    import manim  # noqa: F401  (the point of the server: imported once, shared by every fork)

    wake_read, wake_write = os.pipe()
    os.set_blocking(wake_write, False)
    signal.set_wakeup_fd(wake_write)
    signal.signal(signal.SIGCHLD, lambda signum, frame: None)  # (the wakeup fd is the notice)
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    statuses: dict[int, int] = {}  # worker pid -> write end of its status pipe
    while True:
        ready, _, _ = select.select([connection, wake_read], [], [])
        if wake_read in ready:
            os.read(wake_read, 4096)
        _reap(statuses)
        if connection in ready:
            message, fds, _, _ = socket.recv_fds(connection, _REQUEST_LIMIT, 2)
            if not message:
                return  # the parent closed the connection (or ended)
            stderr_write, status_write = fds
            pid = os.fork()
            if pid == 0:
                inherited = [connection.fileno(), wake_read, wake_write, *statuses.values()]
                _run_worker(json.loads(message), stderr_write, status_write, inherited)
            os.close(stderr_write)
            statuses[pid] = status_write


def _reap(statuses: dict[int, int]) -> None:
    while statuses:
        pid, status = os.waitpid(-1, os.WNOHANG)
        if pid == 0:
            return
        fd = statuses.pop(pid, None)
        if fd is not None:
            try:
                os.write(fd, _INT.pack(os.waitstatus_to_exitcode(status)))
            except OSError:
                pass  # the parent stopped listening
            os.close(fd)


def _run_worker(request: dict, stderr_write: int, status_write: int, inherited: list[int]) -> None:
    """In the forked child: become a worker process like Popen's, run it and exit with its status."""
    code = 1
    try:
        os.setsid()
        signal.set_wakeup_fd(-1)
        for signum in (signal.SIGCHLD, signal.SIGINT):
            signal.signal(signum, signal.SIG_DFL if signum == signal.SIGCHLD else signal.default_int_handler)
        for fd in inherited:  # the server's own, and the status pipes of the other workers
            os.close(fd)
        os.write(status_write, _INT.pack(os.getpid()))  # its process group exists: it can be stopped
        os.close(status_write)
        devnull = os.open(os.devnull, os.O_RDWR)
        os.dup2(devnull, 0)
        os.dup2(devnull, 1)
        os.dup2(stderr_write, 2)
        os.close(devnull)
        os.close(stderr_write)
        os.environ.clear()
        os.environ.update(request["env"])
        added = [path for path in request["env"].get("PYTHONPATH", "").split(os.pathsep) if path]
        sys.path[:0] = [path for path in added if path not in sys.path]
        os.chdir(PROJECT_ROOT)
        for name in [name for name in sys.modules if name.split(".")[0] in ("scenes", "network")]:
            del sys.modules[name]  # the project's modules as they are now, not as the server found them
        from scenes.production.render_worker import main

        code = main(request["argv"])
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else 1
    except BaseException:
        import traceback

        traceback.print_exc()
    finally:
        for stream in (sys.stdout, sys.stderr):
            try:
                stream.flush()
            except (OSError, ValueError):
                pass
        os._exit(code)


if __name__ == "__main__":
    serve(socket.socket(fileno=int(sys.argv[1])))
