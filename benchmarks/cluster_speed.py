"""The explainer rendered by the local pool (-j 2) and by a local Dask cluster of two single-threaded
workers (`dask scheduler` + 2 x `dask worker --nthreads 1`, each in its own folder), side by side.

    python benchmarks/cluster_speed.py                 # the whole 480p15 explainer, about 10 minutes
    python benchmarks/cluster_speed.py --only this-is-a-three,pixels-to-input-layer   # a quick look

Each run starts from an empty output folder (no cache); the cluster is started before its clock
starts, as a cluster is running before anyone sends it work. The cluster path's overhead is the
extra wall time: shipping the code and inputs, checking each worker, and sending every finished
video and its steps back to be checked (every frame decoded) and placed in the cache.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.dask_cluster import DaskCluster  # noqa: E402 (the same cluster as the tests')


def explainer(out: Path, quality: str, only: str | None, extra: list[str]) -> float:
    """Wall seconds of one `nnexplain explainer` from an empty folder."""
    command = [sys.executable, "-m", "scenes.cli", "explainer", "-q", quality, "--out", str(out), *extra]
    command += ["--only", only] if only else []
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    start = time.monotonic()
    done = subprocess.run(command, cwd=out.parent, env=env, capture_output=True, text=True)
    seconds = time.monotonic() - start
    if done.returncode != 0:
        sys.exit(f"{' '.join(command)} failed:\n{done.stderr}")
    return seconds


def frames(video: Path) -> int:
    import av

    with av.open(str(video)) as container:
        return sum(1 for _ in container.decode(video=0))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-q", "--quality", default="l", choices=["l", "m", "h", "k"])
    parser.add_argument(
        "--only", default=None, help="Only these scenes (comma-separated), as explainer --only."
    )
    args = parser.parse_args()
    os.environ.setdefault("NNEXPLAIN_DATA", str(ROOT.parent / "shared" / "data" / "mnist"))
    with tempfile.TemporaryDirectory(prefix="cluster-speed-") as folder:
        root = Path(folder)
        print(f"load before: {os.getloadavg()[0]:.2f}", flush=True)
        local = explainer(root / "local", args.quality, args.only, ["-j", "2"])
        print(f"local pool -j 2      {local:7.1f} s", flush=True)
        cluster = DaskCluster(root / "dask")
        try:
            cluster.start(workers=2)
            remote = explainer(root / "cluster", args.quality, args.only, ["--cluster", cluster.address])
        finally:
            cluster.stop()
        print(f"Dask, 2 workers x 1  {remote:7.1f} s", flush=True)
        label = {"l": "480p15", "m": "720p30", "h": "1080p60", "k": "2160p60"}[args.quality]
        a, b = (frames(root / name / label / "explainer.mp4") for name in ("local", "cluster"))
        print(
            f"overhead             {100 * (remote - local) / local:+7.1f} %   (frames {a} local, {b} cluster)"
        )
        print(f"load after: {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
