"""Soak test, run by hand: explainer runs in a row, each interrupted at a random moment and resumed.

    python benchmarks/soak_interrupts.py [--runs 20] [--seed 0] [--out DIR]

Each round removes a few cached scene videos (so that there is rendering to interrupt), starts
`nnexplain explainer -q l -j 2`, sends SIGTERM or SIGINT after a random 0.5-12 s, then runs the
explainer again to completion. After every interrupted run and every resumed run it checks: the
exit status (143 / 130 / 0), no temporary file or folder left (no name starting with a dot), no
worker process still alive, and every cached video decoding completely. Prints the figures.
"""

from __future__ import annotations

import argparse
import os
import random
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import av

ROOT = Path(__file__).resolve().parents[1]
COMMAND = [sys.executable, "-m", "scenes.cli", "explainer", "-q", "l", "-j", "2"]


def descendants(pid: int) -> set[int]:
    parents = {int(entry): parent_of(int(entry)) for entry in os.listdir("/proc") if entry.isdigit()}
    found, frontier = set(), [pid]
    while frontier:
        parent = frontier.pop()
        children = {child for child, ppid in parents.items() if ppid == parent} - found
        found |= children
        frontier.extend(children)
    return found


def parent_of(pid: int) -> int | None:
    """The parent's pid, from /proc (None once the process is gone)."""
    try:
        with open(f"/proc/{pid}/stat") as handle:
            return int(handle.read().rsplit(")", 1)[1].split()[1])
    except (OSError, IndexError, ValueError):
        return None


def command_line(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
    except OSError:
        return ""


def alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as handle:
            return handle.read().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


def frames(video: Path) -> int:
    with av.open(str(video)) as container:
        return sum(1 for _ in container.decode(video=0))


def check(out: Path, problems: list[str], when: str) -> int:
    """Problems found in the media folder; returns the number of cached videos."""
    leftovers = sorted(out.rglob(".*"))
    if leftovers:
        problems.append(f"{when}: temporary files left: {leftovers[:3]}")
    videos = sorted(out.glob("scenes/*/*.mp4"))
    for video in videos:
        try:
            if frames(video) == 0:
                problems.append(f"{when}: {video} has no frames")
        except av.error.FFmpegError as exc:
            problems.append(f"{when}: {video} does not decode: {exc}")
    return len(videos)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", type=Path, default=None, help="media folder (default: a new temporary one)")
    args = parser.parse_args()
    rng = random.Random(args.seed)
    out = args.out or Path(tempfile.mkdtemp(prefix="nnexplain-soak-"))
    problems: list[str] = []
    stop_seconds, resumed_seconds, statuses = [], [], []
    start = time.monotonic()
    for round_ in range(1, args.runs + 1):
        cached = sorted(out.glob("scenes/*/*.mp4"))
        for video in rng.sample(cached, k=min(len(cached), rng.randint(3, 6))):
            video.unlink()
        signum = rng.choice([signal.SIGTERM, signal.SIGINT])
        delay = rng.uniform(0.5, 12.0)
        process = subprocess.Popen([*COMMAND, "--out", str(out)], cwd=ROOT, stdout=subprocess.DEVNULL,
                                   stderr=subprocess.PIPE, text=True)  # fmt: skip
        time.sleep(delay)
        workers = descendants(process.pid)
        sent = time.monotonic()
        process.send_signal(signum)
        try:
            _, err = process.communicate(timeout=60)
        except subprocess.TimeoutExpired:
            process.kill()
            _, err = process.communicate()
            problems.append(f"round {round_}: still running 60 s after {signal.Signals(signum).name}")
        stop_seconds.append(time.monotonic() - sent)
        statuses.append(process.returncode)
        finished_first = process.returncode == 0 and "scenes (" in err  # it was done before the signal
        if process.returncode != 128 + signum and not finished_first:
            problems.append(f"round {round_}: exit {process.returncode}: {err.strip().splitlines()[-1:]}")
        if stop_seconds[-1] > 2.5:
            problems.append(f"round {round_}: took {stop_seconds[-1]:.2f} s to stop (goal: about 2 s)")
        time.sleep(0.2)
        strays = [pid for pid in workers if alive(pid)]
        if strays:
            problems.append(f"round {round_}: processes still alive after the command ended: {strays}")
        check(out, problems, f"round {round_} interrupted")
        resumed = time.monotonic()
        done = subprocess.run([*COMMAND, "--out", str(out)], cwd=ROOT, capture_output=True, text=True)
        resumed_seconds.append(time.monotonic() - resumed)
        if done.returncode != 0:
            problems.append(f"round {round_}: resuming failed: {done.stderr.strip().splitlines()[-1:]}")
        videos = check(out, problems, f"round {round_} resumed")
        explainer = out / "480p15" / "explainer.mp4"
        print(f"round {round_:2d}: {signal.Signals(signum).name} after {delay:4.1f} s, stopped in "
              f"{stop_seconds[-1]:.2f} s (exit {process.returncode}); "
              f"resumed in {resumed_seconds[-1]:5.1f} s; "
              f"{videos} cached videos, explainer {frames(explainer)} frames", flush=True)  # fmt: skip
    interrupted = sum(status != 0 for status in statuses)
    print(f"\n{args.runs} rounds in {time.monotonic() - start:.0f} s: {interrupted} interrupted mid-render, "
          f"stopped within {max(stop_seconds):.2f} s (mean {sum(stop_seconds) / len(stop_seconds):.2f} s); "
          f"{len(problems)} problems")  # fmt: skip
    for problem in problems:
        print("  " + problem)
    sys.exit(1 if problems else 0)


if __name__ == "__main__":
    main()
