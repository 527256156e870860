"""Render scenes to video, each in its own worker process, with a cache keyed on everything a
scene's pixels depend on, and join scene videos into one with PyAV.

Cache layout:  <out>/scenes/<key>/<Scene>.mp4, and beside it <Scene>.steps/ (each step's section
video, poster and handout page; see scenes/production/step_recorder.py), where <key> hashes the
scene module's source and the sources of every `scenes.*` / `network.*` module it or the render worker imports
(transitively), the weights file, the followed digit or image, the shipped digit sample, theme,
quality, full-edges mode, the Manim settings and encoder options (scenes/production/cache_key.py)
and manim's version. Each worker gets the
story configuration explicitly.
This module imports neither manim nor numpy at the top, so that `nnexplain` stays quick to start.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass
from pathlib import Path

from network.errors import NNExplainError
from scenes.production.cache_key import MANIM_SETTINGS, cache_key, fingerprint
from scenes.production.cluster import ClusterRenders
from scenes.production.forked_worker import ForkedWorker, shared_fork_server
from scenes.production.render_files import (
    HANDOUT_ONLY,
    QUALITIES,
    Quality,
    is_cached,
    last_error_line,
    worker_argv,
)
from scenes.story.catalog import SceneEntry
from scenes.story.inputs import StoryConfig, load_story_inputs

__all__ = [
    "MANIM_SETTINGS",
    "QUALITIES",
    "Quality",
    "RenderResult",
    "Workers",
    "cache_key",
    "ensure_writable_dir",
    "fingerprint",
    "is_cached",
    "last_error_line",
    "plan_renders",
    "render_scenes",
    "run_renders",
    "validate",
]


def validate(config: StoryConfig) -> None:
    """Load weights, digit and image exactly as the scenes will, so that bad input fails at once."""

    load_story_inputs(config)


# -- rendering -------------------------------------------------------------------------------------
@dataclass
class RenderResult:
    """One scene to render (or found in the cache) into `path`, and how it went."""

    entry: SceneEntry
    path: Path
    config: StoryConfig | None = None
    quality: Quality | None = None
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
    entries: list[SceneEntry],
    config: StoryConfig,
    quality: Quality,
    out: Path,
    jobs: int = 1,
    log=None,
    transparent: str | None = None,
    cluster: str | None = None,
    handout_only: bool = False,
) -> list[RenderResult]:
    """Render every scene not already in the cache, `jobs` subprocesses at a time (or on the Dask
    cluster whose scheduler is at `cluster`); as H.264 mp4, or with an alpha channel as
    `transparent` "mov" (QuickTime Animation) or "webm" (VP9). With `handout_only`, each scene runs
    with its animations skipped and no frame drawn, recording only its steps' handout pages (each
    result's path is then the scene's handout, `<Scene>.pdf`).

    A failing scene never removes another's video: each result carries its path or its error.
    `log(text)` receives one line per finished scene. On Ctrl-C or SIGTERM (KeyboardInterrupt) every
    worker is stopped within about 2 s and its work folder removed; the cache keeps only complete
    videos (a worker moves its video into place in one rename).
    """
    results = plan_renders(entries, config, quality, out, transparent, handout_only)
    return run_renders(results, jobs=jobs, log=log, cluster=cluster)


def plan_renders(
    entries: list[SceneEntry],
    config: StoryConfig,
    quality: Quality,
    out: Path,
    transparent: str | None = None,
    handout_only: bool = False,
) -> list[RenderResult]:
    """Where each scene's video (or handout) goes in the cache under `out`
    (<out>/scenes/<key>/<Scene>.<ext>), and whether it is there already."""
    extension = HANDOUT_ONLY if handout_only else transparent or "mp4"
    inputs_fingerprint, out = f"{fingerprint(config)}\nvideo={extension}", Path(out).resolve()
    results = []
    for entry in entries:
        key = cache_key(entry, inputs_fingerprint, quality)
        path = out / "scenes" / key / f"{entry.name}.{extension}"
        results.append(RenderResult(entry, path, config, quality, cached=is_cached(path)))
    return results


def run_renders(
    results: list[RenderResult], jobs: int = 1, log=None, cluster: str | None = None
) -> list[RenderResult]:
    """Render the planned scenes not cached, each distinct video once however many results name it
    (a batch's jobs share renders), locally `jobs` at a time or on the Dask `cluster`; a progress
    bar meanwhile, and one `log` line per scene. Returns `results`, each with its outcome."""
    from tqdm import tqdm

    todo: dict[Path, RenderResult] = {}
    for result in results:
        if not result.cached:
            todo.setdefault(result.path, result)
    sharing = Counter(result.path for result in results if not result.cached)
    with tqdm(
        total=len(results), desc="scenes", unit="scene", leave=False, disable=None, file=sys.stderr
    ) as bar:

        def done(result: RenderResult) -> None:
            bar.update(1 if result.cached else sharing[result.path])
            status = f"{result.seconds:6.1f} s" if result.error is None else f"FAILED: {result.error}"
            _report(log, bar, f"{result.entry.name:<24} {'cached' if result.cached else status}")

        for result in results:
            if result.cached:
                done(result)
        if cluster:
            ClusterRenders(cluster, log=lambda line: _report(log, bar, line)).run(list(todo.values()), done)
        else:
            _render_locally(list(todo.values()), jobs, done)
    for result in results:  # the others naming a video rendered in this run share its outcome
        first = todo.get(result.path)
        if first is not None and first is not result:
            result.error, result.cached = first.error, first.error is None
    return results


def _render_locally(todo: list[RenderResult], jobs: int, done) -> None:
    workers = Workers()
    pool = ThreadPoolExecutor(max_workers=max(1, jobs))
    try:
        futures = [pool.submit(workers.render, result) for result in todo]
        for future in as_completed(futures):
            done(future.result())
    except BaseException:
        workers.stop()
        raise
    finally:
        pool.shutdown(wait=True, cancel_futures=True)


class Workers:
    """The render processes of one run (forked by the fork server: scenes/production/forked_worker.py),
    each in its own process group (so that LaTeX and whatever else it starts stop with it) and its own
    work folder; `stop()` ends them all."""

    GRACE = 1.5  # seconds between SIGTERM and SIGKILL

    def __init__(self):
        self.lock = threading.Lock()
        self.running: dict[ForkedWorker, Path] = {}
        self.stopping = False

    def render(self, result: RenderResult) -> RenderResult:
        config, quality = result.config, result.quality
        start = time.monotonic()
        try:
            server = shared_fork_server()  # (started, and Manim imported, outside the lock: stop() takes it)
        except NNExplainError as exc:  # no worker: the fork server could not start
            result.error = str(exc)
            return result
        result.path.parent.mkdir(parents=True, exist_ok=True)
        workdir = Path(tempfile.mkdtemp(prefix=f".{result.entry.name}.", dir=result.path.parent))
        entry = result.entry
        argv = worker_argv(entry.name, entry.module, quality.letter, result.path, workdir, config.to_json())
        try:
            with self.lock:
                if self.stopping:
                    result.error = "interrupted"
                    return result
                process = server.spawn(argv)
                self.running[process] = workdir
            _, stderr = process.communicate()
        except NNExplainError as exc:  # no worker: the fork server could not fork one
            result.error = str(exc)
            return result
        finally:
            with self.lock:
                self.running = {p: w for p, w in self.running.items() if w != workdir}
            shutil.rmtree(workdir, ignore_errors=True)
        result.seconds = time.monotonic() - start
        if process.returncode != 0 or not result.path.is_file():
            result.error = last_error_line(stderr) or f"manim exited with status {process.returncode}"
        return result

    def stop(self) -> None:
        """Start no new worker; SIGTERM every running one's process group, wait up to GRACE seconds
        for the workers, SIGKILL whatever is left of each group (a child that ignores SIGTERM too),
        and remove their work folders. A second Ctrl-C or SIGTERM meanwhile changes nothing."""
        with _signals_held():
            with self.lock:
                self.stopping = True
                running = dict(self.running)
            for process in running:
                _signal_group(process, signal.SIGTERM)
            deadline = time.monotonic() + self.GRACE
            for process in running:
                with contextlib.suppress(subprocess.TimeoutExpired):
                    process.wait(timeout=max(0.0, deadline - time.monotonic()))
            for process in running:
                _signal_group(process, signal.SIGKILL)
                process.wait()
            for workdir in running.values():
                shutil.rmtree(workdir, ignore_errors=True)


@contextlib.contextmanager
def _signals_held():
    """Ignore SIGINT and SIGTERM for the duration (only the main thread may set handlers)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    saved = {signum: signal.signal(signum, signal.SIG_IGN) for signum in (signal.SIGINT, signal.SIGTERM)}
    try:
        yield
    finally:
        for signum, handler in saved.items():
            signal.signal(signum, handler)


def _signal_group(process: ForkedWorker, signum: int) -> None:
    try:
        os.killpg(process.pid, signum)
    except (ProcessLookupError, PermissionError):
        pass


def _report(log, bar, text: str) -> None:
    if log is not None:
        bar.clear()
        log(text)
        bar.refresh()
