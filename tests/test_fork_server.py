"""The fork server (scenes/production/forked_worker.py and fork_server.py), with real processes: the
render workers it forks are what Popen's were (each its own session, in the project folder, with the
environment of the moment it was asked for, stdin and stdout on /dev/null, stderr to the parent),
their exit statuses are Popen's, a scene module is imported afresh by each worker, a worker renders
the same video as one started with `python -m`, and neither the server nor its workers outlive the
process that started it, however that process ends."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import av

from benchmarks.soak_interrupts import alive, descendants
from scenes.production.forked_worker import ForkServer
from scenes.production.render_files import last_error_line
from scenes.production.render_files import worker_argv as render_worker_argv
from scenes.production.steps import read_steps
from scenes.story.catalog import PROJECT_ROOT
from scenes.story.inputs import StoryConfig
from tests.test_cluster import same_picture

CONFIG = StoryConfig().to_json()


def worker_argv(scene: str, folder: Path, module: str = "tests.tiny_scene") -> list[str]:
    """render_worker's arguments: `scene` of `module` at -q l into `folder`."""
    folder.mkdir(exist_ok=True)
    return render_worker_argv(scene, module, "l", folder / f"{scene}.mp4", folder / f".{scene}.work", CONFIG)


def frames(video: Path) -> list:
    with av.open(str(video)) as container:
        return [frame.to_ndarray() for frame in container.decode(video=0)]


def test_a_forked_worker_is_its_own_session_with_the_environment_of_its_request(tmp_path, monkeypatch):
    server = ForkServer()
    try:
        report = tmp_path / "report.json"
        monkeypatch.setenv("NNEXPLAIN_TEST_REPORT", str(report))  # set after the server started
        monkeypatch.setenv("NNEXPLAIN_TEST_MARKER", "asked for now")
        worker = server.spawn(worker_argv("ProcessReportScene", tmp_path))
        _, stderr = worker.communicate()
        assert worker.returncode == 1 and last_error_line(stderr) == "RuntimeError: reported to report.json"
        seen = json.loads(report.read_text())
        assert seen["pid"] == worker.pid == seen["sid"] == seen["pgid"] != server.process.pid
        assert seen["cwd"] == str(PROJECT_ROOT) and seen["marker"] == "asked for now"
        assert seen["streams"] == ["/dev/null", "/dev/null"]
        assert not (tmp_path / ".ProcessReportScene.work").exists()  # the worker's own clean-up ran
    finally:
        server.close()
    assert server.process.returncode is not None


def test_exit_statuses_are_popens_and_a_killed_group_is_reported(tmp_path):
    server = ForkServer()
    try:
        stubborn = server.spawn(worker_argv("StubbornChildScene", tmp_path))
        ended = {}
        reader = threading.Thread(target=lambda: ended.setdefault("stderr", stubborn.communicate()[1]))
        reader.start()
        done = server.spawn(worker_argv("TinyScene", tmp_path))
        failed = server.spawn(worker_argv("NoSuchScene", tmp_path))
        _, stderr = done.communicate()
        assert done.returncode == 0, stderr
        assert len(frames(tmp_path / "TinyScene.mp4")) >= 3
        _, stderr = failed.communicate()
        assert failed.returncode == 1 and "NoSuchScene" in last_error_line(stderr)
        try:
            stubborn.wait(timeout=0.5)
            raise AssertionError("the stubborn worker ended by itself")
        except subprocess.TimeoutExpired:
            pass
        time.sleep(1.0)  # its child (sleep, ignoring SIGTERM) is running by now
        os.killpg(stubborn.pid, signal.SIGKILL)
        assert stubborn.wait(timeout=10) == -signal.SIGKILL
        reader.join(timeout=10)
        assert not reader.is_alive() and ended["stderr"] == ""  # stderr closed: the whole group ended
    finally:
        server.close()


def test_each_worker_imports_the_scene_module_afresh_from_its_own_pythonpath(tmp_path, monkeypatch):
    server = ForkServer()  # started before the module's folder is on PYTHONPATH
    try:
        monkeypatch.setenv("PYTHONPATH", str(tmp_path))
        messages = []
        for version in ("one", "two, edited"):  # (of another length: Python's bytecode cache, if
            # written, tells an edit made within the same second by the source's size)
            (tmp_path / "users_beats.py").write_text(
                "from scenes.story.base import StoryScene\n\n\nclass Edited(StoryScene):\n"
                f"    def construct(self):\n        raise ValueError('version {version}')\n"
            )
            worker = server.spawn(worker_argv("Edited", tmp_path, module="users_beats"))
            messages.append(last_error_line(worker.communicate()[1]))
        assert messages == ["ValueError: version one", "ValueError: version two, edited"]
    finally:
        server.close()


def test_a_forked_worker_renders_what_a_python_m_worker_renders(tmp_path):
    server = ForkServer()
    try:
        forked = server.spawn(worker_argv("TinyNarratedScene", tmp_path / "forked"))
        assert forked.communicate() and forked.returncode == 0
    finally:
        server.close()
    argv = worker_argv("TinyNarratedScene", tmp_path / "started")
    run = subprocess.run([sys.executable, "-m", "scenes.production.render_worker", *argv], cwd=PROJECT_ROOT,
                         capture_output=True, text=True)  # fmt: skip
    assert run.returncode == 0, run.stderr
    ours, theirs = (frames(tmp_path / name / "TinyNarratedScene.mp4") for name in ("forked", "started"))
    assert len(ours) == len(theirs) >= 6
    assert all(same_picture(a, b) for a, b in zip(ours, theirs))
    titles = [[step["title"] for step in read_steps(tmp_path / name / "TinyNarratedScene.steps")]
              for name in ("forked", "started")]  # fmt: skip
    assert titles == [["A digit", "Its class"]] * 2


def test_the_server_ends_with_the_process_that_started_it():
    script = "from scenes.production.forked_worker import shared_fork_server as s; print(s().process.pid)"
    run = subprocess.run([sys.executable, "-c", script], cwd=PROJECT_ROOT, capture_output=True, text=True)
    assert run.returncode == 0, run.stderr
    assert not alive(int(run.stdout))


KILLED_PARENT = """
import sys, time
from pathlib import Path
from scenes.production.forked_worker import shared_fork_server
from tests.test_fork_server import worker_argv
worker = shared_fork_server().spawn(worker_argv("StubbornChildScene", Path(sys.argv[1])))
print(worker.pid, flush=True)
time.sleep(60)
"""


def test_a_killed_parents_workers_are_stopped_by_the_server(tmp_path):
    """SIGKILL leaves no atexit: the server sees the socket close and stops the workers itself
    (SIGTERM, then SIGKILL for the child that ignores it)."""
    parent = subprocess.Popen([sys.executable, "-c", KILLED_PARENT, str(tmp_path)], cwd=PROJECT_ROOT,
                              stdout=subprocess.PIPE, text=True)  # fmt: skip
    worker = int(parent.stdout.readline())
    deadline = time.monotonic() + 30
    while len(descendants(worker)) < 1 and time.monotonic() < deadline:  # its child, sleep, has started
        time.sleep(0.05)
    tree = {*descendants(parent.pid), worker, *descendants(worker)}
    assert len(tree) >= 3  # the server, the worker and its child
    parent.kill()
    parent.wait()
    deadline = time.monotonic() + 10
    while any(alive(pid) for pid in tree) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not [pid for pid in tree if alive(pid)]
    assert not (tmp_path / ".StubbornChildScene.work").exists()  # its finally ran on SIGTERM
