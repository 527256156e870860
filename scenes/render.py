"""Render scenes to video, each in its own `manim` subprocess, with a cache keyed on everything a
scene's pixels depend on, and join scene videos into one with PyAV.

Cache layout:  <out>/scenes/<key>/<Scene>.mp4, where <key> hashes the scene module's source and the
sources of every `scenes.*` / `network.*` module it imports (transitively), the weights file, the
followed digit or image, the shipped digit sample, theme, quality, full-edges mode, the manim
settings below and manim's version. Each worker gets the story configuration explicitly.
This module imports neither manim nor numpy at the top, so that `nnexplain` stays quick to start.
"""

from __future__ import annotations

import ast
import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path

from network.errors import NNExplainError
from scenes.catalog import SceneEntry
from scenes.story.inputs import StoryConfig

PROJECT_ROOT = Path(__file__).resolve().parents[1]
WORKER_ERROR = "nnexplain-worker-error: "
# Manim settings every render uses. x264 by default keeps 40 frames of look-ahead and several threads
# per encoder, and manim queues 8 frames (8 MB each at 1080p): about 700 MB per 1080p60 scene. This
# keeps two parallel 1080p renders within 1 GB (benchmarks/render_speed.py). Part of the cache key.
MANIM_SETTINGS = {
    "renderer": "cairo",
    "encoder_queue_size": 2,
    "video_encoder_options": {"x264-params": "rc-lookahead=5:threads=1"},
}


@dataclass(frozen=True)
class Quality:
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


def validate(config: StoryConfig) -> None:
    """Load weights, digit and image exactly as the scenes will, so that bad input fails at once."""
    from scenes.story.inputs import load_story_inputs

    load_story_inputs(config)


def fingerprint(config: StoryConfig) -> str:
    """Every file a scene's pixels may depend on: the weights, both shipped networks (ReLUvsSigmoid
    shows the twin of the one it is given), the sample, and the test split the digit comes from."""
    from network.data import SAMPLE_PATH, SPLITS, find_idx_file, resolve_data_dir, sha256_of
    from network.export import DEFAULT_WEIGHTS, RELU_WEIGHTS

    files = [Path(config.weights), DEFAULT_WEIGHTS, RELU_WEIGHTS, SAMPLE_PATH]
    directory, _ = resolve_data_dir(config.data_dir)
    files += [
        path
        for path in (
            find_idx_file(directory, SPLITS["test_images"]),
            find_idx_file(directory, SPLITS["test_labels"]),
        )
        if path is not None
    ]
    parts = [f"{path.name}={sha256_of(path)}" for path in files]
    parts += [f"theme={config.theme}", f"full_edges={config.full_edges}", f"edge_lines={config.edge_lines}"]
    parts.append(
        f"image={sha256_of(Path(config.image))}" if config.image else f"digit={config.followed_digit}"
    )
    parts.append(f"manim_settings={json.dumps(MANIM_SETTINGS, sort_keys=True)}")
    return "\n".join(parts)


# -- cache keys ------------------------------------------------------------------------------------
def source_closure(module: str) -> list[Path]:
    """The source files of `module` and of every project module it imports, transitively."""
    seen: dict[str, Path] = {}
    pending = [module]
    while pending:
        name = pending.pop()
        path = _module_path(name)
        if name in seen or path is None:
            continue
        seen[name] = path
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.module and not node.level:
                pending.append(node.module)
                pending.extend(f"{node.module}.{alias.name}" for alias in node.names)
            elif isinstance(node, ast.Import):
                pending.extend(alias.name for alias in node.names)
    return sorted(seen.values())


def _module_path(name: str) -> Path | None:
    if name.split(".")[0] not in ("scenes", "network"):
        return None
    base = PROJECT_ROOT.joinpath(*name.split("."))
    for candidate in (base.with_suffix(".py"), base / "__init__.py"):
        if candidate.is_file():
            return candidate
    return None


def cache_key(entry: SceneEntry, inputs_fingerprint: str, quality: Quality) -> str:
    digest = hashlib.sha256()
    for path in source_closure(entry.module):
        digest.update(path.relative_to(PROJECT_ROOT).as_posix().encode() + b"\0" + path.read_bytes() + b"\0")
    digest.update(inputs_fingerprint.encode())
    digest.update(f"quality={quality.letter}\nmanim={metadata.version('manim')}".encode())
    return digest.hexdigest()[:20]


# -- rendering -------------------------------------------------------------------------------------
@dataclass
class RenderResult:
    entry: SceneEntry
    path: Path
    seconds: float = 0.0
    cached: bool = False
    error: str | None = None
    published: Path | None = None


def ensure_writable_dir(directory: Path) -> None:
    """Create `directory` if needed and prove that a file can be written in it."""
    try:
        directory.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=directory, prefix=".nnexplain-probe-"):
            pass
    except OSError as exc:
        raise NNExplainError(f"cannot write to {directory}: {exc.strerror or exc}") from None


def render_scenes(
    entries: list[SceneEntry], config: StoryConfig, quality: Quality, out: Path, jobs: int = 1, log=None
) -> list[RenderResult]:
    """Render every scene not already in the cache, `jobs` subprocesses at a time.

    A failing scene never removes another's video: each result carries its path or its error.
    `log(text)` receives one line per finished scene.
    """
    from tqdm import tqdm

    inputs_fingerprint, out = fingerprint(config), Path(out).resolve()
    results = [
        RenderResult(
            entry, out / "scenes" / cache_key(entry, inputs_fingerprint, quality) / f"{entry.name}.mp4"
        )
        for entry in entries
    ]
    todo = [result for result in results if not result.path.is_file()]
    for result in results:
        if result not in todo:
            result.cached = True
    with tqdm(
        total=len(results), desc="scenes", unit="scene", leave=False, disable=None, file=sys.stderr
    ) as bar:
        for result in results:
            if result.cached:
                bar.update()
                _report(log, bar, f"{result.entry.name:<24} cached")
        with ThreadPoolExecutor(max_workers=max(1, jobs)) as pool:
            futures = {pool.submit(_render_one, result, config, quality): result for result in todo}
            for future in as_completed(futures):
                result = future.result()
                bar.update()
                status = f"{result.seconds:6.1f} s" if result.error is None else f"FAILED: {result.error}"
                _report(log, bar, f"{result.entry.name:<24} {status}")
    return results


def _report(log, bar, text: str) -> None:
    if log is not None:
        bar.clear()
        log(text)
        bar.refresh()


def _render_one(result: RenderResult, config: StoryConfig, quality: Quality) -> RenderResult:
    start = time.monotonic()
    result.path.parent.mkdir(parents=True, exist_ok=True)
    command = [
        sys.executable,
        "-m",
        "scenes.render",
        result.entry.name,
        quality.letter,
        str(result.path),
        config.to_json(),
    ]
    process = subprocess.run(
        command,
        cwd=PROJECT_ROOT,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        errors="replace",
    )
    result.seconds = time.monotonic() - start
    if process.returncode != 0 or not result.path.is_file():
        result.error = last_error_line(process.stderr) or f"manim exited with status {process.returncode}"
    return result


_DECORATION = re.compile(r"[\s│┃║╭╮╰╯─━═┏┓┗┛|]+")


def last_error_line(stderr: str) -> str:
    """The worker's own error line if it wrote one, else the last line of stderr with content."""
    lines = [line.strip() for line in stderr.splitlines()]
    for line in reversed(lines):
        if line.startswith(WORKER_ERROR):
            return line[len(WORKER_ERROR) :]
    for line in reversed(lines):
        cleaned = _DECORATION.sub(" ", line).strip()
        if len(cleaned) > 3:
            return cleaned
    return ""


def _worker(name: str, letter: str, destination: Path, config: StoryConfig) -> None:
    """Run in the subprocess: render one scene with manim's cairo renderer into `destination`."""
    from manim import tempconfig

    quality = QUALITIES[letter]
    workdir = Path(tempfile.mkdtemp(prefix=f".{name}.", dir=destination.parent))
    try:
        options = {
            **MANIM_SETTINGS,
            "quality": quality.manim_name,
            "media_dir": str(workdir),
            "disable_caching": True,
            "write_to_movie": True,
            "save_last_frame": False,
            "preview": False,
            "progress_bar": "none",
            "verbosity": "ERROR",
            "output_file": name,
        }
        with tempconfig(options):
            scene_class = SceneEntry(name).load()
            scene_class(story_config=config).render()
        videos = sorted(workdir.rglob(f"{name}.mp4"))
        if not videos:
            raise NNExplainError(f"manim wrote no video for {name}")
        os.replace(videos[0], destination)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


def publish(cached: Path, destination: Path) -> Path:
    """Put a cached video at `destination` (a hard link when possible, else a copy), atomically."""
    from network.atomic import atomic_path

    with atomic_path(destination) as tmp:
        tmp.unlink()
        try:
            os.link(cached, tmp)
        except OSError:
            shutil.copyfile(cached, tmp)
    return destination


# -- joining ---------------------------------------------------------------------------------------
def join_videos(parts: list[Path], destination: Path) -> None:
    """Concatenate videos of one codec, size and frame rate into `destination` (written atomically).

    Streams are copied packet by packet when every part carries the same codec parameters (as
    manim's encoder produces); otherwise the frames are decoded and encoded once more.
    """
    from network.atomic import atomic_path

    with atomic_path(destination) as tmp:
        if _same_codec_parameters(parts):
            _remux(parts, tmp)
        else:
            _reencode(parts, tmp)


def _same_codec_parameters(parts: list[Path]) -> bool:
    import av

    signatures = set()
    for part in parts:
        with av.open(str(part)) as container:
            stream = container.streams.video[0]
            ctx = stream.codec_context
            signatures.add(
                (
                    ctx.name,
                    ctx.width,
                    ctx.height,
                    ctx.format.name if ctx.format else None,
                    stream.base_rate,
                    stream.time_base,
                    bytes(ctx.extradata or b""),
                )
            )
    return len(signatures) == 1


def _remux(parts: list[Path], destination: Path) -> None:
    import av

    with av.open(str(destination), "w", format="mp4") as output:
        with av.open(str(parts[0])) as first:
            out_stream = output.add_stream_from_template(first.streams.video[0])
        offset = 0  # in the output stream's time base, set once the muxer has started
        for part in parts:
            with av.open(str(part)) as container:
                stream = container.streams.video[0]
                end = 0
                for packet in container.demux(stream):
                    if packet.dts is None:
                        continue
                    shift = int(offset / stream.time_base) if offset else 0
                    end = max(end, packet.pts + (packet.duration or 0))
                    packet.pts += shift
                    packet.dts += shift
                    packet.stream = out_stream
                    output.mux(packet)
                offset += end * stream.time_base


def _reencode(parts: list[Path], destination: Path) -> None:
    from fractions import Fraction

    import av

    with av.open(str(parts[0])) as first:
        template = first.streams.video[0]
        width, height = template.codec_context.width, template.codec_context.height
        rate = Fraction(template.base_rate or template.average_rate).limit_denominator(1001)
    with av.open(str(destination), "w", format="mp4") as output:
        out_stream = output.add_stream("libx264", rate=rate, options={"crf": "18"})
        out_stream.width, out_stream.height, out_stream.pix_fmt = width, height, "yuv420p"
        out_stream.codec_context.time_base = 1 / rate
        index = 0
        for part in parts:
            with av.open(str(part)) as container:
                for frame in container.decode(video=0):
                    frame = frame.reformat(width=width, height=height, format="yuv420p")
                    frame.pts, frame.time_base = index, 1 / rate
                    index += 1
                    output.mux(out_stream.encode(frame))
        output.mux(out_stream.encode(None))


def video_summary(path: Path) -> tuple[int, int, float, float]:
    """(width, height, frames per second, duration in seconds) of a video file."""
    import av

    with av.open(str(path)) as container:
        stream = container.streams.video[0]
        duration = float(stream.duration * stream.time_base) if stream.duration else container.duration / 1e6
        return stream.codec_context.width, stream.codec_context.height, float(stream.average_rate), duration


if __name__ == "__main__":
    try:
        _worker(sys.argv[1], sys.argv[2], Path(sys.argv[3]), StoryConfig.from_json(sys.argv[4]))
    except Exception as exc:  # one line for the parent; the traceback is not for the user
        message = str(exc).strip().splitlines()[-1] if str(exc).strip() else type(exc).__name__
        if not isinstance(exc, NNExplainError):
            message = f"{type(exc).__name__}: {message}"
        print(f"{WORKER_ERROR}{message}", file=sys.stderr)
        sys.exit(1)
