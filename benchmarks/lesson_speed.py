"""The lesson page in the browser: how long one drawn stroke takes to update the whole page.

    python benchmarks/lesson_speed.py              # the shipped 784-16-16-10 and a 784-128-64-10
    python benchmarks/lesson_speed.py --updates 500

Builds each network's page with the builder's lesson_data and page_html (the five widgets between
lines of prose; the story's own prose and stills do not change the per-stroke work), opens it from
file:// in headless Debian chromium (as the deck's tests do), draws a 7 on the pad and times the
per-stroke update in the page (performance.now() around the drawing recipe, the forward pass and
every widget's redraw): the median, 95th percentile and largest of N updates, against one
animation frame (16 ms at 60 Hz).
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from network.model import MLP  # noqa: E402
from network.weights_file import DEFAULT_WEIGHTS, save_weights  # noqa: E402
from scenes.production.lesson import lesson_data, page_html  # noqa: E402
from tests.test_slides import browser  # noqa: E402

SEVEN = [[[70, 62], [130, 59], [190, 58], [212, 60], [194, 104], [170, 158], [150, 212], [142, 236]],
         [[120, 146], [150, 145], [186, 144]]]  # fmt: skip
FRAME_MS = 16.0
WIDGETS = ("draw", "network", "neuron", "samples", "matrix")
PROSE = "".join(f"<p>Prose.</p><!--widget:{name}-->" for name in WIDGETS)


def big_network(folder: Path) -> Path:
    """A 784-128-64-10 ReLU net with random weights (seed 0), saved as network saves weights."""
    path = folder / "784-128-64-10.npz"
    save_weights(MLP.initialise((784, 128, 64, 10), "relu", seed=0), path, {"note": "random, for timing"})
    return path


def time_page(driver, index: Path, updates: int) -> tuple[list[float], float]:
    """(per-update milliseconds, milliseconds of the stroke drawn through the API) for one page."""
    driver.get(index.resolve().as_uri())
    deadline = time.monotonic() + 30
    while not driver.execute_script("return !!(window.nnexplainLesson && nnexplainLesson.data)"):
        if time.monotonic() > deadline:
            raise SystemExit(f"{index}: the page did not start")
        time.sleep(0.05)
    driver.execute_script("nnexplainLesson.clear(); nnexplainLesson.draw(arguments[0]);", SEVEN)
    stroke = driver.execute_script("return nnexplainLesson.lastUpdateMs()")
    times = driver.execute_script("return nnexplainLesson.timeUpdates(arguments[0])", updates + 10)
    return times[10:], stroke  # the first few warm the JIT


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--updates", type=int, default=200, help="updates timed per page (default 200)")
    args = parser.parse_args(argv)
    driver = browser()
    try:
        with tempfile.TemporaryDirectory() as tmp:
            folder = Path(tmp)
            nets = {"shipped 784-16-16-10": DEFAULT_WEIGHTS, "random 784-128-64-10": big_network(folder)}
            print(f"per-stroke update of the whole page, {args.updates} updates each", end=" ")
            load = f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores"
            print(f"(one frame = {FRAME_MS:g} ms; {load})")
            for name, weights in nets.items():
                started = time.perf_counter()
                index = folder / f"{name.split()[1]}.html"
                index.write_text(page_html(lesson_data(weights), PROSE, title=name, theme="dark"))
                built = time.perf_counter() - started
                times, stroke = time_page(driver, index, args.updates)
                median, p95, top = np.median(times), np.percentile(times, 95), max(times)
                verdict = {2: "within a frame", 1: "median within a frame, p95 not"}.get(
                    int(median <= FRAME_MS) + int(p95 <= FRAME_MS), "SLOWER than a frame"
                )
                size = index.stat().st_size / 1e6
                print(f"{name:22s} median {median:5.2f} ms  p95 {p95:5.2f} ms  max {top:5.2f} ms", end="  ")
                print(f"(first drawn 7, cold: {stroke:.2f} ms; page {size:.2f} MB, built in {built:.1f} s)")
                print(f"{'':22s} {verdict}")
    finally:
        driver.quit()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
