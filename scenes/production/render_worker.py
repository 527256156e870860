"""What a render worker process runs: one scene rendered by Manim's cairo renderer in a private work
folder, its steps recorded, and the video moved into the render cache in one rename, so the cache only
ever holds complete videos. `scenes/production/render.py` has it forked by the fork server
(scenes/production/fork_server.py), which calls `main(argv)`; a Dask worker runs it as
`python -m scenes.production.render_worker NAME MODULE QUALITY DESTINATION WORKDIR CONFIG_JSON`.
A failure is one line on stderr, after WORKER_ERROR.
"""

from __future__ import annotations

import shutil
import signal
import sys
from pathlib import Path

from manim import tempconfig

from network.errors import NNExplainError
from scenes.production.cache_key import ENCODER_OPTIONS, MANIM_SETTINGS
from scenes.production.figure import StillRenderer
from scenes.production.render_files import HANDOUT_ONLY, QUALITIES, WORKER_ERROR, place_in_cache
from scenes.production.step_recorder import StepRecorder
from scenes.production.steps import HANDOUT_FILE, section_videos
from scenes.story.base import Step
from scenes.story.catalog import SceneEntry
from scenes.story.inputs import StoryConfig

__all__ = ["main", "render_one"]


def render_one(
    name: str, module: str, letter: str, destination: Path, workdir: Path, config: StoryConfig
) -> None:
    """Run in the subprocess: render one scene with manim's cairo renderer in `workdir`, then move
    the video to `destination` in one rename (so the cache only ever holds complete videos)."""
    quality, extension = QUALITIES[letter], destination.suffix.lstrip(".")
    handout_only = extension == HANDOUT_ONLY  # animations skipped, no frame drawn: only the pages
    try:
        alpha = {"transparent": True, "format": extension} if extension not in ("mp4", HANDOUT_ONLY) else {}
        options = {
            **alpha,
            **MANIM_SETTINGS,
            "video_encoder_options": ENCODER_OPTIONS.get(extension, {}),
            "quality": quality.manim_name,
            "media_dir": str(workdir),
            "disable_caching": True,
            "write_to_movie": not handout_only,
            "save_sections": extension not in ("webm", HANDOUT_ONLY),  # manim 0.22 fails on webm sections
            "save_last_frame": False,
            "preview": False,
            "progress_bar": "none",
            "verbosity": "ERROR",
            "output_file": name,
        }
        steps = workdir / "steps"
        with tempconfig(options):
            renderer = StillRenderer() if handout_only else None  # None: the scene's own
            scene = SceneEntry(name, module).load()(story_config=config, renderer=renderer)
            recorder = StepRecorder(steps, name, posters=not handout_only)
            scene.step_ended = recorder
            scene.render()
            if not scene.steps:  # a beat without steps is one step: the whole scene
                recorder(scene, Step(name, "", "autocreated"))
        if handout_only:  # the handout stands in for the video: it marks the cached scene complete
            recorder.close({})
            shutil.copyfile(steps / HANDOUT_FILE, workdir / f"{name}.{HANDOUT_ONLY}")
        videos = sorted(path for path in workdir.rglob(f"{name}.{extension}") if steps not in path.parents)
        if not videos:
            raise NNExplainError(f"manim wrote no video for {name}")
        if not handout_only:
            recorder.close(section_videos(workdir))
        place_in_cache(videos[0], steps, destination)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


def main(argv: list[str]) -> int:
    """The worker process's entry point (`python -m`, or a process forked by the fork server):
    render the scene `argv` names; on failure one line on stderr after WORKER_ERROR, status 1."""
    try:
        signal.signal(signal.SIGTERM, lambda signum, frame: sys.exit(128 + signum))  # run the finally blocks
        name, module, letter, destination, workdir, config = argv[:6]
        render_one(name, module, letter, Path(destination), Path(workdir), StoryConfig.from_json(config))
    except Exception as exc:  # one line for the parent; the traceback is not for the user
        message = str(exc).strip().splitlines()[-1] if str(exc).strip() else type(exc).__name__
        if not isinstance(exc, NNExplainError):
            message = f"{type(exc).__name__}: {message}"
        print(f"{WORKER_ERROR}{message}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
