"""Stopping renders promptly and running several at once over one media folder, with real
`nnexplain` processes and real manim workers."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from PIL import Image

from benchmarks.soak_interrupts import alive, command_line, descendants, frames, parent_of  # as the soak

# pytest-xdist: the whole file on one worker (signals, process groups and a time limit: one at a time)
pytestmark = pytest.mark.xdist_group("interrupts")

REPO = Path(__file__).resolve().parents[1]
SHORT = "this-is-a-three,pixels-to-input-layer"


def nnexplain(*args, cwd: Path) -> subprocess.Popen:
    env = {"NNEXPLAIN_DATA": str(REPO.parent / "shared" / "data" / "mnist"), **os.environ}
    return subprocess.Popen(
        [sys.executable, "-m", "scenes.cli", *map(str, args)],
        cwd=cwd,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def render_processes(pid: int) -> set[int]:
    """The descendants of `pid` but its render fork server (scenes/production/fork_server.py, a child
    of `pid`): the workers the server forked and whatever they started."""
    found = descendants(pid)
    return {child for child in found if not is_fork_server(child, pid)}


def is_fork_server(child: int, parent: int) -> bool:
    return parent_of(child) == parent and "scenes.production.fork_server" in command_line(child)


def hidden(folder: Path) -> list[Path]:
    """Temporary files and folders: every name that starts with a dot."""
    return sorted(path for path in folder.rglob(".*"))


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "SIGINT"])
def test_a_signal_stops_the_whole_render_promptly_and_cleanly(tmp_path, signum):
    out = tmp_path / "media"
    process = nnexplain("explainer", "--out", out, "-j", "2", cwd=tmp_path)
    deadline = time.monotonic() + 120
    while len(list(out.glob("scenes/*/.*"))) < 2 and time.monotonic() < deadline:  # two workers at work
        time.sleep(0.05)
    time.sleep(1.0)  # inside manim by now
    workers = descendants(process.pid)  # the fork server with them
    assert len(render_processes(process.pid)) >= 2
    start = time.monotonic()
    process.send_signal(signum)
    _, err = process.communicate(timeout=60)
    elapsed = time.monotonic() - start
    assert process.returncode == 128 + signum, err
    assert f"interrupted ({signal.Signals(signum).name})" in err and "Traceback" not in err
    assert elapsed < 5, f"took {elapsed:.1f} s to stop"  # SIGTERM, then SIGKILL after 1.5 s at the latest
    assert not [pid for pid in workers if alive(pid)], "a worker outlived the command"
    assert hidden(out) == []
    assert not (out / "480p15").exists()  # nothing half-done was published
    for video in out.glob("scenes/*/*.mp4"):  # the cache holds only complete videos
        assert frames(video) > 0


def test_concurrent_runs_over_one_media_folder_all_complete(tmp_path):
    out = tmp_path / "media"
    runs = [
        nnexplain("render", "ThisIsAThree", "PixelsToInputLayer", "-j", "1", "--out", out, cwd=tmp_path),
        nnexplain("render", "PixelsToInputLayer", "ThisIsAThree", "-j", "1", "--out", out, cwd=tmp_path),
        nnexplain("explainer", "--only", SHORT, "-j", "1", "--out", out, cwd=tmp_path),
        nnexplain("figure", "this-is-a-three", "--width", "640", "--out", out / "three.png", cwd=tmp_path),
        nnexplain("figure", "this-is-a-three", "--width", "640", "--out", out / "three.png", cwd=tmp_path),
    ]
    for process in runs:
        _, err = process.communicate(timeout=600)
        assert process.returncode == 0, err
    assert hidden(out) == []
    parts = [out / "480p15" / f"{name}.mp4" for name in ("ThisIsAThree", "PixelsToInputLayer")]
    assert frames(out / "480p15" / "explainer.mp4") == sum(frames(part) for part in parts)
    assert len(list(out.glob("scenes/*/*.mp4"))) == 2  # one cached video per scene, whoever rendered it
    assert Image.open(out / "three.png").size == (640, 360)


DRIVER = """
import sys
from scenes.story import catalog
from scenes import cli
entries = [catalog.SceneEntry(name, "tests.tiny_scene") for name in sys.argv[1].split(",")]
catalog.STORY = cli.STORY = entries
cli.console(sys.argv[2:])
"""


@pytest.mark.parametrize("scene, signals", [("StubbornChildScene", [signal.SIGTERM]),
                                            ("StubbornScene", [signal.SIGINT, signal.SIGINT])])  # fmt: skip
def test_stubborn_workers_and_a_second_ctrl_c_still_stop_within_seconds(tmp_path, scene, signals):
    """A worker's child that ignores SIGTERM, or a worker that does, while Ctrl-C is pressed twice."""
    env = {"NNEXPLAIN_DATA": str(REPO.parent / "shared" / "data" / "mnist"), **os.environ}
    command = [sys.executable, "-c", DRIVER, scene, "render", scene, "--out", str(tmp_path / "m")]
    process = subprocess.Popen(
        command, cwd=REPO, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    deadline, tree = time.monotonic() + 60, set()
    while time.monotonic() < deadline and len(tree) < (2 if scene == "StubbornChildScene" else 1):
        tree = render_processes(process.pid)  # the worker (and its child, sleep)
        time.sleep(0.1)
    time.sleep(2.0)  # the worker is inside construct()
    tree = descendants(process.pid)  # the fork server with them
    start = time.monotonic()
    for signum in signals:
        process.send_signal(signum)
        time.sleep(0.3)
    _, err = process.communicate(timeout=90)
    elapsed = time.monotonic() - start
    assert process.returncode == 128 + signals[-1], err
    assert elapsed < 5, f"took {elapsed:.1f} s"
    time.sleep(0.2)
    assert not [pid for pid in tree if alive(pid)], "a process of the worker's group outlived the command"
    assert hidden(tmp_path) == []
