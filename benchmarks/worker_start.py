"""What forking render workers from the fork server saves, beside starting each with `python -m`.

    python benchmarks/worker_start.py          # 8 tiny renders and 2 beats each way (about a minute)

Each render is one render worker on one scene at -q l, one at a time: tests/tiny_scene.py's TinyScene
(a fifth of a second of video, where starting the worker is most of the cost) and two beats of the
story. "python -m" is the worker as a Dask worker still starts it (and as the local pool started it
before the fork server); "forked" is the local pool's way now. Seconds are per scene name; CPU is
the kernel's accounting of reaped children: per scene for "python -m", and for "forked" the server's
whole life (its start, Python and Manim once per `nnexplain` process, and every worker it forked,
which it reaps), read when it is closed.
"""

from __future__ import annotations

import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from scenes.production.forked_worker import ForkServer  # noqa: E402
from scenes.production.render_files import worker_argv  # noqa: E402
from scenes.story.inputs import StoryConfig  # noqa: E402

SCENES = [("TinyScene", "tests.tiny_scene")] * 8 + [
    ("ThisIsAThree", "scenes.story.this_is_a_three"),
    ("LayerDiagram", "scenes.story.layer_diagram"),
]


def children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def argv(name: str, module: str, folder: Path) -> list[str]:
    return worker_argv(
        name, module, "l", folder / f"{name}.mp4", folder / f".{name}.work", StoryConfig().to_json()
    )


def started(name: str, module: str, folder: Path) -> None:
    command = [sys.executable, "-m", "scenes.production.render_worker", *argv(name, module, folder)]
    subprocess.run(command, cwd=ROOT, check=True, stdout=subprocess.DEVNULL)


def measure(label: str, render) -> dict[str, tuple[float, float]]:
    """Seconds and CPU seconds (of the reaped children) per scene name, summed over its renders."""
    figures: dict[str, list[float]] = {}
    for name, module in SCENES:
        with tempfile.TemporaryDirectory() as folder:
            wall, cpu = time.perf_counter(), children_cpu()
            render(name, module, Path(folder))
            sums = figures.setdefault(name, [0.0, 0.0])
            sums[0] += time.perf_counter() - wall
            sums[1] += children_cpu() - cpu
    for name, (wall, cpu) in figures.items():
        count = sum(1 for scene, _ in SCENES if scene == name)
        # (a forked worker's CPU is counted when the server is reaped, at its close)
        cpu_text = f", {cpu:6.2f} s of CPU" if cpu else ""
        print(f"{label:<10} {name:<14} x{count}: {wall:6.2f} s{cpu_text}")
    return {name: tuple(values) for name, values in figures.items()}


def main() -> None:
    peer = measure("python -m", started)
    wall, cpu = time.perf_counter(), children_cpu()
    server = ForkServer()

    def forked(name: str, module: str, folder: Path) -> None:
        worker = server.spawn(argv(name, module, folder))
        _, stderr = worker.communicate()
        assert worker.returncode == 0, stderr

    try:
        ours = measure("forked", forked)
    finally:
        server.close()
    forked_cpu = children_cpu() - cpu
    peer_wall, peer_cpu = (sum(figures[k] for figures in peer.values()) for k in (0, 1))
    print(
        f"forked, with the server's start: {time.perf_counter() - wall:.2f} s, {forked_cpu:.2f} s of CPU "
        f"(python -m: {peer_wall:.2f} s, {peer_cpu:.2f} s of CPU)"
    )
    for name in peer:
        print(f"{name:<14} forked / python -m: {ours[name][0] / peer[name][0]:.2f} of the time")


if __name__ == "__main__":
    main()
