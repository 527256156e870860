"""What every render path shares about the files of one rendered scene: the qualities, the worker's
error marker, when a scene counts as cached, checking a finished render (decodable, as many frames as
its steps say) and placing it into the render cache in the one order that keeps the cache whole.

A local render (scenes/production/render_worker.py, in a subprocess) and a render on a Dask worker
(scenes/production/cluster.py, whose files arrive as bytes) both end in `place_in_cache`:

    >>> from pathlib import Path
    >>> steps_folder(Path("media/scenes/0123/ForwardPass.mp4")).name
    'ForwardPass.steps'
"""

from __future__ import annotations

import json
import os
import re
import shutil
from dataclasses import dataclass
from pathlib import Path

from network.errors import NNExplainError
from scenes.production.steps import STEPS_FILE, steps_folder

__all__ = [
    "HANDOUT_ONLY",
    "QUALITIES",
    "WORKER_ERROR",
    "Quality",
    "count_frames",
    "is_cached",
    "last_error_line",
    "place_in_cache",
    "steps_folder",
    "verify_render",
    "worker_argv",
]

WORKER_ERROR = "nnexplain-worker-error: "  # marks the render worker's own one-line error on stderr


def worker_argv(
    name: str, module: str, letter: str, destination: Path, workdir: Path, config_json: str
) -> list[str]:
    """The render worker's arguments (scenes/production/render_worker.py `main`): scene `name` of
    `module` at quality `letter`, its video to `destination`, rendered in `workdir`."""
    return [name, module, letter, str(destination), str(workdir), config_json]


@dataclass(frozen=True)
class Quality:
    """A manim quality: `QUALITIES["l"].label` is '480p15'."""

    letter: str
    manim_name: str
    width: int
    height: int
    fps: int

    @property
    def label(self) -> str:
        return f"{self.height}p{self.fps}"


QUALITIES = {
    q.letter: q
    for q in (
        Quality("l", "low_quality", 854, 480, 15),
        Quality("m", "medium_quality", 1280, 720, 30),
        Quality("h", "high_quality", 1920, 1080, 60),
        Quality("k", "fourk_quality", 3840, 2160, 60),
    )
}


HANDOUT_ONLY = "pdf"  # the "video" of a handout-only render: the scene's handout pages


def is_cached(video: Path) -> bool:
    """A scene is in the cache when its video and its steps both are."""
    return video.is_file() and (steps_folder(video) / STEPS_FILE).is_file()


def place_in_cache(video: Path, steps: Path, destination: Path) -> bool:
    """Move a finished render (`video` and its `steps` folder, both on the cache's file system) to
    `destination` and its steps folder: the steps first, the video last in one rename, so a cached
    video always has complete steps. False (and nothing moved) when another run placed it first."""
    if is_cached(destination):  # another run rendered the same scene meanwhile: keep its files
        return False
    shutil.rmtree(steps_folder(destination), ignore_errors=True)  # leftovers of a broken run
    try:
        os.replace(steps, steps_folder(destination))
    except OSError:  # another run placed its (identical) steps in between
        if not (steps_folder(destination) / STEPS_FILE).is_file():
            raise
    os.replace(video, destination)
    return True


def count_frames(video: Path, decode: str = "all") -> int:
    """The number of frames of `video`, counted as it is decoded: "all" frames (a damaged file fails
    here), only its "keyframes" (each packet read, a tenth of the time) or "none" (packets read).

    The cluster's check decodes the keyframes: decoding every frame of a 1080p60 scene on the
    client would take longer than a worker takes to render one."""
    import av  # deferred: PyAV takes 0.2 s to import, kept out of start-up

    try:
        with av.open(str(video)) as container:
            stream = container.streams.video[0]
            if decode == "none":
                return sum(1 for packet in container.demux(stream) if packet.size)
            stream.thread_type = "AUTO"
            if decode == "all":
                return sum(1 for _ in container.decode(stream))
            stream.codec_context.skip_frame = "NONKEY"
            packets = decoded = 0
            for packet in container.demux(stream):
                packets += packet.size > 0
                decoded += len(packet.decode())
            if not decoded:
                raise NNExplainError(f"{Path(video).name}: no frame decodes")
            return packets
    except (av.FFmpegError, IndexError, OSError) as exc:
        raise NNExplainError(f"{Path(video).name} is not a decodable video: {exc}") from None


def verify_render(video: Path, steps: Path, fps: int) -> int:
    """Check a render before it enters the cache: the video's keyframes decode, and when its steps
    have section videos (every format but webm), it has exactly as many frames as they add up to,
    each section holding the frames its step's length says. Returns the video's frame count.

    (StepRecorder writes each step's `seconds` as its section's frames over the frame rate.)
    """
    try:
        records = json.loads((Path(steps) / STEPS_FILE).read_text("utf-8"))["steps"]
    except (OSError, ValueError, KeyError) as exc:
        raise NNExplainError(f"{Path(video).name}: no readable {STEPS_FILE} ({exc})") from None
    if Path(video).suffix == f".{HANDOUT_ONLY}":  # a handout-only render: its pages, no frames
        if not Path(video).read_bytes().startswith(b"%PDF-") or not records:
            raise NNExplainError(f"{Path(video).name} is not a handout of {len(records)} steps")
        return 0
    frames = count_frames(video, decode="keyframes")
    if frames == 0:
        raise NNExplainError(f"{Path(video).name} has no frames")
    if records and all(record.get("video") for record in records):
        expected = 0
        for record in records:
            section = round(record["seconds"] * fps)
            if count_frames(Path(steps) / record["video"], decode="none") != section:
                raise NNExplainError(f"{Path(video).name}: step {record['video']} is not {section} frames")
            expected += section
        if frames != expected:
            raise NNExplainError(f"{Path(video).name} has {frames} frames, its steps {expected}")
    return frames


_DECORATION = re.compile(r"[\s│┃║╭╮╰╯─━═┏┓┗┛|]+")


def last_error_line(stderr: str) -> str:
    """The worker's own error line if it wrote one, else the last line of stderr with content.

    >>> last_error_line("Traceback ...\\nnnexplain-worker-error: no such weights")
    'no such weights'
    """
    lines = [line.strip() for line in stderr.splitlines()]
    for line in reversed(lines):
        if line.startswith(WORKER_ERROR):
            return line[len(WORKER_ERROR) :]
    for line in reversed(lines):
        cleaned = _DECORATION.sub(" ", line).strip()
        if len(cleaned) > 3:
            return cleaned
    return ""
