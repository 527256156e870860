"""Render speed: full-edge ForwardPass against plain Manim Lines, the whole explainer, -j 1 vs -j 2,
the whole story as a slide deck.

    python benchmarks/render_speed.py            # the first three at 480p15
    python benchmarks/render_speed.py --hd       # also the explainer at 1080p60 (about 10 minutes)
    python benchmarks/render_speed.py --only slides   # deck at 720p30, cold and warm, beside the explainer

Every render starts from an empty output directory (no cache). Peak memory is the largest sum of
the resident memory of the command and all its child processes, sampled every 0.1 s.
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PYTHON = sys.executable
NNEXPLAIN = [PYTHON, "-m", "scenes.cli"]


def tree_rss_bytes(root_pid: int) -> int:
    """Resident memory of a process and all its descendants, from /proc."""
    parents: dict[int, int] = {}
    rss: dict[int, int] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as handle:
                fields = handle.read().rsplit(")", 1)[1].split()
            parents[int(entry)] = int(fields[1])
            rss[int(entry)] = int(fields[21]) * os.sysconf("SC_PAGE_SIZE")
        except (OSError, IndexError, ValueError):
            continue
    family, frontier = {root_pid}, [root_pid]
    while frontier:
        parent = frontier.pop()
        children = [pid for pid, ppid in parents.items() if ppid == parent and pid not in family]
        family.update(children)
        frontier.extend(children)
    return sum(rss.get(pid, 0) for pid in family)


def run(command: list[str], env: dict | None = None) -> tuple[float, int, str]:
    """(seconds, peak bytes of the process tree, stdout) of a command that must succeed."""
    start = time.perf_counter()
    process = subprocess.Popen(
        command,
        cwd=ROOT,
        env={**os.environ, **(env or {})},
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    peak = 0

    def sample():
        nonlocal peak
        while process.poll() is None:
            peak = max(peak, tree_rss_bytes(process.pid))
            time.sleep(0.1)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    output, _ = process.communicate()
    seconds = time.perf_counter() - start
    sampler.join()
    if process.returncode:
        sys.exit(f"failed: {' '.join(command)}\n{output[-2000:]}")
    return seconds, peak, output


# Runs manim's own command line with CairoRenderer.play timed: the time spent drawing and encoding
# the frames of the animations, apart from start-up (imports, loading the data, building mobjects).
FRAME_TIMER = """
import atexit, sys, time
from manim.renderer.cairo_renderer import CairoRenderer
spent, play = [0.0], CairoRenderer.play
def timed(self, *args, **kwargs):
    start = time.perf_counter()
    try:
        return play(self, *args, **kwargs)
    finally:
        spent[0] += time.perf_counter() - start
CairoRenderer.play = timed
atexit.register(lambda: print(f"PLAY_SECONDS {spent[0]:.3f}"))
from manim.__main__ import main
sys.argv = ["manim"] + sys.argv[1:]
main()
"""


def frame_count(video: Path) -> int:
    import av

    with av.open(str(video)) as container:
        return sum(1 for _ in container.decode(video=0))


def full_edges(animations: str | None) -> None:
    """ForwardPass with all 12,960 edges: rasterised (ours) against every edge a Manim Line."""
    print(
        "ForwardPass, full edges, 480p15" + (f", animations {animations}" if animations else ", whole scene")
    )
    print("  (s/frame: time in the animations' frames, drawing and encoding; wall: the whole command)")
    per_frame, wall = {}, {}
    for mode, label in (
        ("1", "rasterised edges (--full-edges)"),
        ("lines", "12,960 Manim Lines (reference)"),
    ):
        with tempfile.TemporaryDirectory() as media:
            command = [
                PYTHON,
                "-c",
                FRAME_TIMER,
                "render",
                "-ql",
                "--disable_caching",
                "--media_dir",
                media,
                "scenes/story/forward_pass.py",
                "ForwardPass",
            ] + (["-n", animations] if animations else [])
            wall[mode], peak, output = run(command, {"NNEXPLAIN_FULL_EDGES": mode})
            frames = frame_count(next(Path(media).rglob("ForwardPass.mp4")))
        played = float(re.search(r"PLAY_SECONDS ([\d.]+)", output).group(1))
        per_frame[mode] = played / frames
        print(
            f"  {label:34s} {frames:4d} frames  {per_frame[mode]:6.3f} s/frame  wall {wall[mode]:6.1f} s"
            f"  peak {peak / 2**20:5.0f} MB"
        )
    print(
        f"  rasterised is {per_frame['lines'] / per_frame['1']:.1f}x faster per frame, "
        f"{wall['lines'] / wall['1']:.1f}x in wall time (goal: <= 0.15 s/frame, >= 10x)"
    )


GOALS = {"l": 0.3, "h": 1.0}  # wall seconds per second of video (issue: the explainer complete)


def explainer(quality: str) -> None:
    import av

    with tempfile.TemporaryDirectory() as out:
        seconds, peak, output = run(NNEXPLAIN + ["explainer", "-q", quality, "-j", "2", "--out", out])
        video = next(Path(out).glob("*/explainer.mp4"))
        with av.open(str(video)) as container:
            length = container.duration / av.time_base
    scenes = [
        line.strip() for line in output.splitlines() if re.match(r"^[A-Z]\w+\s+[\d.]+ s$", line.strip())
    ]
    goal = f" (goal <= {GOALS[quality]})" if quality in GOALS else ""
    print(
        f"explainer -q {quality} -j 2 ({len(scenes)} scenes, no cache): {seconds:.1f} s for {length:.1f} s "
        f"of video, {seconds / length:.2f} s per second{goal}; peak memory {peak / 2**20:.0f} MB"
    )
    for line in scenes:
        print("  " + line)


def parallel() -> None:
    times = {}
    for jobs in (1, 2):
        with tempfile.TemporaryDirectory() as out:
            times[jobs], peak, _ = run(
                NNEXPLAIN + ["render", "--all", "-q", "l", "-j", str(jobs), "--out", out]
            )
        print(f"render --all -q l -j {jobs}: {times[jobs]:.1f} s, peak memory {peak / 2**20:.0f} MB")
    print(f"  -j 2 is {times[1] / times[2]:.2f}x faster than -j 1 on {os.cpu_count()} cores")


def folder_bytes(path: Path) -> int:
    return (
        sum(f.stat().st_size for f in path.rglob("*") if f.is_file())
        if path.is_dir()
        else path.stat().st_size
    )


def slides() -> None:
    """The whole story as a deck at 720p30 from an empty cache, then again from the warm cache; the
    explainer at 720p30 from an empty cache beside it (the same scenes, without the deck)."""
    with tempfile.TemporaryDirectory() as root:
        deck, cache = Path(root) / "deck", Path(root) / "cache"
        command = NNEXPLAIN + [
            "slides",
            "--all",
            "-q",
            "m",
            "-j",
            "2",
            "--out",
            str(deck),
            "--cache",
            str(cache),
        ]
        cold, peak, output = run(command)
        warm, _, _ = run(command)
        names = ("explainer.html", "explainer_assets", "explainer.pptx", "explainer.pdf")
        sizes = {name: folder_bytes(deck / name) for name in names}
        steps = re.search(r"(\d+) slides", output).group(1)
    print(f"slides --all -q m -j 2 ({steps} slides): {cold:.1f} s from an empty cache (goal <= 180 s), "
          f"peak memory {peak / 2**20:.0f} MB; {warm:.1f} s from the warm cache")  # fmt: skip
    print("  " + ", ".join(f"{name} {size / 2**20:.1f} MB" for name, size in sizes.items()))
    with tempfile.TemporaryDirectory() as out:
        seconds, peak, _ = run(NNEXPLAIN + ["explainer", "-q", "m", "-j", "2", "--out", out])
    print(f"  beside it: explainer -q m -j 2 (no cache): {seconds:.1f} s, peak memory {peak / 2**20:.0f} MB")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--only",
        choices=["edges", "explainer", "parallel", "slides"],
        nargs="+",
        default=["edges", "explainer", "parallel"],
    )
    parser.add_argument("--hd", action="store_true", help="also time the explainer at 1080p60")
    parser.add_argument(
        "--animations",
        default="0,5",
        help="ForwardPass animations to render for the edge comparison (manim -n; 0,5 is the title and "
        "the first digit's whole pass); 'all' for the whole scene",
    )
    args = parser.parse_args()
    if "edges" in args.only:
        full_edges(None if args.animations == "all" else args.animations)
    if "explainer" in args.only:
        explainer("l")
        if args.hd:
            explainer("h")
    if "parallel" in args.only:
        parallel()
    if "slides" in args.only:
        slides()


if __name__ == "__main__":
    main()
