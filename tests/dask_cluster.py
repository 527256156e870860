"""A real Dask cluster on 127.0.0.1 for the tests: `dask scheduler` and `dask worker` processes, the
commands a user runs, each worker in its own folder (its working directory and Dask's local
directory), without $PYTHONPATH or $NNEXPLAIN_DATA: it sees neither the project's media folder nor
the data set, and gets everything a render needs from the client."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

DASK = Path(sys.executable).with_name("dask")  # the venv's own command


EMPTY_FONTS = '<?xml version="1.0"?>\n<!DOCTYPE fontconfig SYSTEM "fonts.dtd">\n<fontconfig></fontconfig>\n'


def running_cluster(tmp_path_factory):
    """For a module's fixture (`yield from running_cluster(tmp_path_factory)`): a scheduler, two
    workers (worker1, worker2) and a third whose fontconfig sees no fonts (odd-fonts), which
    nnexplain must refuse; stopped when the module's tests are done."""
    root = tmp_path_factory.mktemp("dask")
    running = DaskCluster(root)
    try:
        running.start(workers=2)
        (root / "no-fonts.conf").write_text(EMPTY_FONTS)
        running.add_worker("odd-fonts", env={"FONTCONFIG_FILE": str(root / "no-fonts.conf")})
        yield running
    finally:
        running.stop()


class DaskCluster:
    """`cluster.start(workers=2)`, `cluster.address`, `cluster.add_worker(env=...)`, `cluster.stop()`."""

    def __init__(self, root: Path):
        self.root = Path(root)
        self.processes: list[subprocess.Popen] = []
        self.workers: dict[str, subprocess.Popen] = {}  # folder name -> its `dask worker` (the nanny)
        self.address = ""

    def start(self, workers: int = 2) -> DaskCluster:
        folder = self.root / "scheduler"
        folder.mkdir(parents=True)
        scheduler_file = folder / "scheduler.json"
        self._spawn(
            [DASK, "scheduler", "--host", "127.0.0.1", "--port", "0", "--no-dashboard",
             "--scheduler-file", scheduler_file], folder, {},
        )  # fmt: skip
        deadline = time.monotonic() + 60
        while not scheduler_file.is_file() and time.monotonic() < deadline:
            time.sleep(0.1)
        self.address = json.loads(scheduler_file.read_text())["address"]
        for index in range(workers):
            self.add_worker(f"worker{index + 1}")
        return self

    def add_worker(self, name: str, env: dict | None = None, wait: bool = True) -> Path:
        """Start one single-threaded worker in <root>/<name>; wait until the scheduler knows it."""
        folder = self.root / name
        folder.mkdir(parents=True)
        before = self.worker_count()
        self.workers[name] = self._spawn(
            [DASK, "worker", self.address, "--nthreads", "1", "--nworkers", "1", "--host", "127.0.0.1",
             "--no-dashboard", "--local-directory", folder, "--name", name], folder, env or {},
        )  # fmt: skip
        if wait:
            self.wait_for_workers(before + 1)
        return folder

    def _spawn(self, command, folder: Path, env: dict) -> subprocess.Popen:
        environment = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "NNEXPLAIN_DATA")}
        process = subprocess.Popen(
            [str(part) for part in command],
            cwd=folder,
            env={**environment, **env},
            stdin=subprocess.DEVNULL,
            stdout=open(folder / "log", "ab"),  # noqa: SIM115 (kept open as long as the process)
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        self.processes.append(process)
        return process

    def info(self) -> dict:
        """The scheduler's view of its workers: {address: {"name": ..., "pid": ...}}."""
        from distributed import Client

        with Client(self.address, timeout=10, set_as_default=False) as client:
            workers = client.scheduler_info(n_workers=-1)["workers"]
            return {
                address: {"name": workers[address]["name"], "pid": pid}
                for address, pid in client.run(os.getpid).items()
            }

    def worker_count(self) -> int:
        if not self.address:
            return 0
        from distributed import Client

        with Client(self.address, timeout=10, set_as_default=False) as client:
            return len(client.scheduler_info(n_workers=-1)["workers"])

    def wait_for_workers(self, count: int, timeout: float = 120) -> None:
        from distributed import Client

        with Client(self.address, timeout=10, set_as_default=False) as client:
            client.wait_for_workers(count, timeout=timeout)

    def stop(self) -> None:
        for process in self.processes:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGTERM)
        deadline = time.monotonic() + 10
        for process in self.processes:
            with contextlib.suppress(subprocess.TimeoutExpired):
                process.wait(timeout=max(0.1, deadline - time.monotonic()))
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)
            process.wait()
