"""VP9 (--transparent webm) encoding: the render's options (ENCODER_OPTIONS["webm"]) beside
Manim's (crf 23 at libvpx's defaults: the "good" deadline at cpu-used 1).

    python benchmarks/vp9_speed.py              # ThisIsAThree at 480p15 (about a minute)
    python benchmarks/vp9_speed.py --scene forward-pass

The beat is rendered once with an alpha channel as lossless QuickTime Animation; its frames are then
encoded by each peer in this process, one after the other, and decoded again by libvpx (which keeps
the alpha channel). Printed per peer: CPU seconds of the encode, file size, PSNR to the lossless
frames (colours and alpha channel), and the share of the background (alpha 0 in the lossless frames)
that is not fully clear after decoding.
"""

from __future__ import annotations

import argparse
import io
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import av
import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from scenes.production.cache_key import ENCODER_OPTIONS  # noqa: E402
from scenes.story.catalog import find  # noqa: E402

PEERS = {"Manim's (crf 23, good)": {"crf": "23"}, "nnexplain's": ENCODER_OPTIONS["webm"]}


def lossless_frames(scene: str, out: Path) -> list[np.ndarray]:
    command = [sys.executable, "-m", "scenes.cli", "render", scene, "--transparent", "mov", "--out", str(out)]
    subprocess.run(command, cwd=ROOT, check=True, capture_output=True)
    (video,) = out.glob(f"480p15-transparent/{find(scene).name}.mov")
    with av.open(str(video)) as container:
        return [frame.to_ndarray(format="rgba") for frame in container.decode(video=0)]


def encode(frames: list[np.ndarray], options: dict[str, str]) -> tuple[bytes, float]:
    buffer = io.BytesIO()
    start = time.process_time()
    with av.open(buffer, "w", format="webm") as output:
        stream = output.add_stream("libvpx-vp9", rate=15, options=options)
        stream.pix_fmt, stream.height, stream.width = "yuva420p", *frames[0].shape[:2]
        for pixels in frames:
            output.mux(stream.encode(av.VideoFrame.from_ndarray(pixels, format="rgba")))
        output.mux(stream.encode())
    return buffer.getvalue(), time.process_time() - start


def decode(data: bytes) -> list[np.ndarray]:
    decoder = av.CodecContext.create("libvpx-vp9", "r")  # FFmpeg's own vp9 decoder drops the alpha
    with av.open(io.BytesIO(data)) as container:
        packets = [packet for packet in container.demux(container.streams.video[0]) if packet.size]
        return [frame.to_ndarray(format="rgba") for packet in packets for frame in decoder.decode(packet)]


def psnr(a: list[np.ndarray], b: list[np.ndarray], channels: slice) -> float:
    mse = np.mean([((x[..., channels].astype(float) - y[..., channels]) ** 2).mean() for x, y in zip(a, b)])
    return 10 * np.log10(255**2 / mse)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scene", default="this-is-a-three")
    scene = parser.parse_args().scene
    with tempfile.TemporaryDirectory() as out:
        frames = lossless_frames(scene, Path(out))
    print(f"{scene}: {len(frames)} frames of {frames[0].shape[1]}x{frames[0].shape[0]}")
    for name, options in PEERS.items():
        data, seconds = encode(frames, options)
        decoded = decode(data)
        assert len(decoded) == len(frames), (len(decoded), len(frames))
        clouded = np.mean([(got[..., 3][was[..., 3] == 0] > 0).mean() for was, got in zip(frames, decoded)])
        print(
            f"{name:24s} {seconds:5.1f} s of CPU, {len(data) / 1024:6.0f} KB, PSNR "
            f"{psnr(frames, decoded, slice(0, 3)):.1f} dB, alpha {psnr(frames, decoded, slice(3, 4)):.1f} "
            f"dB, background not clear {100 * clouded:.2f} %"
        )


if __name__ == "__main__":
    main()
