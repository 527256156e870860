"""The render cache's key: everything a scene's pixels (and sound) depend on (scenes/production/render.py)."""

from __future__ import annotations

import ast
import functools
import hashlib
import json
from importlib import metadata
from pathlib import Path

from network.data import SAMPLE_PATH, SPLITS, find_idx_file, resolve_data_dir, sha256_of
from network.history import snapshot_files
from network.weights_file import DEFAULT_WEIGHTS, RELU_WEIGHTS
from scenes.narration.voice import TTS, tts_version
from scenes.story.catalog import PROJECT_ROOT, SceneEntry
from scenes.story.inputs import StoryConfig

__all__ = [
    "ENCODER_OPTIONS", "MANIM_SETTINGS", "cache_key", "fingerprint", "source_closure", "voice_fingerprint",
]  # fmt: skip

# Manim settings every render uses: the cairo renderer, and an encoder queue of 2 frames (Manim's 8
# take 8 MB each at 1080p). Part of the cache key.
MANIM_SETTINGS = {"renderer": "cairo", "encoder_queue_size": 2}

# The video encoder's options by file type (Manim's video_encoder_options). Part of the cache key.
# - mp4: x264 by default keeps 40 frames of look-ahead and several threads per encoder: with Manim's
#   queue, about 700 MB per 1080p60 scene. A short look-ahead and one thread keep two parallel 1080p
#   renders within 1 GB (benchmarks/render_speed.py). The veryfast preset encodes a 1080p60 beat in
#   about two thirds of the time of the default (medium), at the same quality (AllHiddenWeights: 35.6
#   against 35.9 dB PSNR to the still) and a smaller file.
# - webm (VP9 with alpha): libvpx's realtime deadline at crf 18 encodes a 480p beat on a tenth of the
#   CPU of Manim's setting (crf 23 at libvpx's default, the good deadline) at the same quality
#   (ThisIsAThree: 39.8 dB PSNR both; background pixels not fully clear 1.3 % against 1.2 %), in a file
#   about half as large again (benchmarks/vp9_speed.py).
# - mov (QuickTime Animation) is lossless and has no options.
ENCODER_OPTIONS = {
    "mp4": {"preset": "veryfast", "x264-params": "rc-lookahead=5:threads=1"},
    "webm": {"crf": "18", "deadline": "realtime", "cpu-used": "6", "row-mt": "1"},
    "mov": {},
}


def fingerprint(config: StoryConfig) -> str:
    """Every file a scene's pixels may depend on: the weights, both shipped networks (ReLUvsSigmoid
    shows the twin of the one it is given), the weights' training history, the sample, and the test
    split the digit comes from."""

    files = [Path(config.weights), DEFAULT_WEIGHTS, RELU_WEIGHTS, SAMPLE_PATH]
    if config.history_folder is not None and config.history_folder.is_dir():  # LearningOverEpochs
        files += snapshot_files(config.history_folder)
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
    parts.append(f"encoder_options={json.dumps(ENCODER_OPTIONS, sort_keys=True)}")
    parts.append(f"voice={voice_fingerprint(config.voice)}")
    return "\n".join(parts)


def voice_fingerprint(voice: str | None) -> str:
    """What the narration depends on: espeak-ng's version, or every recording in the folder."""

    if voice is None:
        return "none"
    if voice == TTS:
        return f"tts {tts_version()}"
    return " ".join(f"{path.name}:{sha256_of(path)}" for path in sorted(Path(voice).glob("*.wav")))


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
        pending.extend(_imported_names(path.read_text(encoding="utf-8")))
    return sorted(seen.values())


@functools.cache
def _imported_names(source: str) -> tuple[str, ...]:
    """Every module (or module.name) a source text imports absolutely. Cached by the text itself, so
    the 16 beats' closures parse each file once and an edited file is always parsed again."""
    names: list[str] = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.ImportFrom) and node.module and not node.level:
            names.append(node.module)
            names.extend(f"{node.module}.{alias.name}" for alias in node.names)
        elif isinstance(node, ast.Import):
            names.extend(alias.name for alias in node.names)
    return tuple(names)


def _module_path(name: str) -> Path | None:
    if name.split(".")[0] not in ("scenes", "network"):
        return None
    base = PROJECT_ROOT.joinpath(*name.split("."))
    for candidate in (base.with_suffix(".py"), base / "__init__.py"):
        if candidate.is_file():
            return candidate
    return None


def cache_key(entry: SceneEntry, inputs_fingerprint: str, quality) -> str:
    """The cache folder name of `entry` rendered at `quality` (a render.Quality) from these inputs: the
    source of the scene and of the render worker, with everything each imports."""
    digest = hashlib.sha256()
    for path in sorted({*source_closure(entry.module), *source_closure("scenes.production.render_worker")}):
        digest.update(path.relative_to(PROJECT_ROOT).as_posix().encode() + b"\0" + path.read_bytes() + b"\0")
    digest.update(inputs_fingerprint.encode())
    digest.update(f"quality={quality.letter}\nmanim={metadata.version('manim')}".encode())
    return digest.hexdigest()[:20]
