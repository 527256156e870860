"""Many networks' outputs in one run (`nnexplain batch JOBS.toml`): a jobs file names, for each job,
its network, followed digit or image, theme, quality, scenes and the outputs it wants; every scene
render of every job is planned at once so that renders shared by several jobs run once (locally or
on a Dask cluster), then each job's outputs are written into <out>/<job name>/, built in a hidden
folder and moved into place whole.

The outputs are a table, name -> function(job, folder) returning the files it wrote:

    >>> sorted(OUTPUTS)
    ['deck', 'explainer', 'figures', 'lesson']

A jobs file (paths are relative to the file's own folder; `[defaults]` holds keys every job gets
unless it names its own):

    [defaults]
    quality = "l"
    outputs = ["explainer", "deck"]

    [[job]]
    name = "sigmoid"
    weights = "network/weights/default.npz"
    digit = 7
"""

from __future__ import annotations

import os
import re
import shutil
import tempfile
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from network.errors import NNExplainError
from scenes.mobjects.theme import THEMES, get_theme
from scenes.production.captions import write_explainer
from scenes.production.render import QUALITIES, plan_renders, run_renders
from scenes.production.slides import FORMATS, collect_slides, write_deck
from scenes.production.steps import read_steps, steps_folder
from scenes.story.inputs import load_story_inputs
from scenes.story.title import story_subtitle, story_title

__all__ = ["JOB_KEYS", "OUTPUTS", "Job", "read_jobs", "render_jobs", "summary_lines"]

JOB_KEYS = {
    "name": "the job's folder name under --out",
    "weights": "a weights file (.npz)",
    "model": "a PyTorch, ONNX or Keras model file, imported as `nnexplain import` does",
    "normalize": "the model's input normalisation MEAN,STD (model only)",
    "digit": "test-set index of the followed digit",
    "image": "your own digit image instead",
    "theme": "dark or light",
    "quality": "l, m, h or k",
    "outputs": "a list of outputs",
    "scenes": "a list of scene names (default: the whole story)",
    "data_dir": "the data set's folder",
}
NAME = re.compile(r"[\w][\w.-]{0,99}")


@dataclass
class Job:
    """One job of a jobs file and, once run, how it went."""

    name: str
    outputs: tuple[str, ...]
    quality: str = "l"
    theme: str = "dark"
    weights: Path | None = None
    model: Path | None = None
    normalize: str | None = None
    digit: int | None = None
    image: Path | None = None
    scenes: tuple[str, ...] | None = None
    data_dir: Path | None = None
    config: object = None  # its StoryConfig, once prepared
    entries: list = field(default_factory=list)  # the scenes it renders, once prepared
    results: list = field(default_factory=list)  # render.RenderResult of each scene
    error: str | None = None
    written: list[Path] = field(default_factory=list)


def read_jobs(path: Path) -> list[Job]:
    """The jobs of a jobs file; one error line for anything in it that is not a job."""
    path = Path(path)
    try:
        document = tomllib.loads(path.read_text("utf-8"))
    except OSError as exc:
        raise NNExplainError(f"cannot read {path}: {exc.strerror or exc}") from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise NNExplainError(f"{path}: not a TOML file ({exc})") from None
    unknown = set(document) - {"defaults", "job"}
    if unknown:
        raise NNExplainError(
            f"{path}: unknown table {sorted(unknown)[0]!r}; a jobs file has [defaults] and [[job]]"
        )
    defaults, entries = document.get("defaults", {}), document.get("job", [])
    if not isinstance(defaults, dict) or not isinstance(entries, list) or not entries:
        raise NNExplainError(
            f"{path}: no jobs; add a [[job]] table for each (see the README's batch section)"
        )
    jobs = [_job({**defaults, **entry}, path, index) for index, entry in enumerate(entries, start=1)]
    names = [job.name for job in jobs]
    twice = sorted({name for name in names if names.count(name) > 1})
    if twice:
        raise NNExplainError(f"{path}: two jobs are named {twice[0]!r}; each job needs its own folder")
    return jobs


def _job(values: dict, path: Path, index: int) -> Job:
    where = f"{path}: job {index}"
    unknown = sorted(set(values) - set(JOB_KEYS))
    if unknown:
        raise NNExplainError(f"{where}: unknown key {unknown[0]!r}; a job takes {', '.join(JOB_KEYS)}")
    name = values.get("name")
    if not isinstance(name, str) or not NAME.fullmatch(name):
        raise NNExplainError(f"{where}: needs a name of letters, digits, '.', '-' and '_' (got {name!r})")
    where = f"{path}: job {name!r}"
    outputs = values.get("outputs", ["explainer"])
    if isinstance(outputs, str):
        outputs = [outputs]
    bad = [output for output in outputs if output not in OUTPUTS] if isinstance(outputs, list) else [outputs]
    if bad or not outputs:
        raise NNExplainError(
            f"{where}: unknown output {bad[0] if bad else None!r}; choose from {', '.join(OUTPUTS)}"
        )
    if ("weights" in values) == ("model" in values):
        raise NNExplainError(f'{where}: give weights = "FILE.npz" or model = "FILE" (one of them)')
    if "digit" in values and "image" in values:
        raise NNExplainError(f"{where}: give digit or image, not both")
    checks = {
        "digit": lambda v: isinstance(v, int) and not isinstance(v, bool) and v >= 0,
        "theme": lambda v: v in THEMES,
        "quality": lambda v: v in QUALITIES,
        "scenes": lambda v: isinstance(v, list) and v and all(isinstance(s, str) for s in v),
        "normalize": lambda v: isinstance(v, str),
    }
    for key, check in checks.items():
        if key in values and not check(values[key]):
            raise NNExplainError(f"{where}: {key} = {values[key]!r} is not {JOB_KEYS[key]}")
    for key in ("weights", "model", "image", "data_dir"):
        if key in values and not isinstance(values[key], str):
            raise NNExplainError(f"{where}: {key} must be a path in quotes")
    located = {
        key: path.parent / values[key] for key in ("weights", "model", "image", "data_dir") if key in values
    }
    return Job(
        name=name,
        outputs=tuple(dict.fromkeys(outputs)),
        quality=values.get("quality", "l"),
        theme=values.get("theme", "dark"),
        digit=values.get("digit"),
        normalize=values.get("normalize"),
        scenes=tuple(values["scenes"]) if "scenes" in values else None,
        **located,
    )


# -- outputs ---------------------------------------------------------------------------------------
def explainer_output(job: Job, folder: Path) -> list[Path]:
    """explainer.mp4 of the job's scenes in story order, with its captions and chapters."""
    return write_explainer(job.results, folder / "explainer.mp4")


def deck_output(job: Job, folder: Path) -> list[Path]:
    """The slide deck, one slide per step: deck.html (offline), deck.pptx and the deck.pdf handout,
    opening on the story's title for the job's network (the handout in the job's theme)."""
    manifest = load_story_inputs(job.config).manifest
    return write_deck(
        collect_slides(job.results), folder, "deck", get_theme(job.theme), FORMATS,
        title=story_title(manifest), subtitle=story_subtitle(manifest),
    )  # fmt: skip


def lesson_output(job: Job, folder: Path) -> list[Path]:
    """lesson/index.html and lesson/assets/: the interactive page of the job's scenes, its videos
    taken from the renders the batch made (the cache they are in renders nothing again)."""
    from scenes.production.lesson import build_lesson  # deferred: Manim, kept out of start-up

    config, cache = job.config, job.results[0].path.parents[2]  # <cache>/scenes/<key>/<Scene>.mp4
    page = build_lesson(
        config.weights, folder / "lesson", digit=config.digit, image=config.image, theme=job.theme,
        quality=job.quality, media_dir=cache, entries=job.entries, data_dir=config.data_dir,
        history=config.history,
    )  # fmt: skip
    return sorted(path for path in page.parent.rglob("*") if path.is_file())


def figures_output(job: Job, folder: Path) -> list[Path]:
    """figures/: every step's still (the frame it ends on, as PNG) and each scene's vector handout
    pages (PDF), as the render recorded them."""
    figures = folder / "figures"
    figures.mkdir()
    written = []
    for result in job.results:
        for number, step in enumerate(read_steps(steps_folder(result.path)), start=1):
            written.append(figures / f"{result.entry.name}-{number:02d}.png")
            shutil.copyfile(step["poster"], written[-1])
        written.append(figures / f"{result.entry.name}-handout.pdf")
        shutil.copyfile(steps_folder(result.path) / "handout.pdf", written[-1])
    return written


OUTPUTS = {
    "explainer": explainer_output,
    "deck": deck_output,
    "figures": figures_output,
    "lesson": lesson_output,
}


# -- running ---------------------------------------------------------------------------------------
def render_jobs(
    jobs: list[Job], out: Path, *, workers: int = 1, cluster: str | None = None, log=None
) -> None:
    """Render the scenes of every prepared job (`job.config` and `job.entries` set, `job.error`
    None) into the render cache <out>/scenes, each distinct render once, then write each job's
    outputs into <out>/<name>/. A job whose render or output fails gets its one-line `error`; the
    others go on. KeyboardInterrupt (Ctrl-C, SIGTERM) stops at once, leaving finished jobs whole
    and no half-written one."""
    log = log or (lambda line: None)
    ready = [job for job in jobs if job.error is None]
    for job in ready:
        job.results = plan_renders(job.entries, job.config, QUALITIES[job.quality], out)
    run_renders([result for job in ready for result in job.results], jobs=workers, log=log, cluster=cluster)
    for job in ready:
        failed = [result for result in job.results if result.error is not None]
        if failed:
            job.error = f"{failed[0].entry.name} failed: {failed[0].error}"
            continue
        try:
            job.written = write_outputs(job, Path(out) / job.name)
        except (NNExplainError, OSError, ValueError) as exc:
            job.error = f"{type(exc).__name__}: {exc}" if not isinstance(exc, NNExplainError) else str(exc)
        log(f"{job.name}: {'FAILED: ' + job.error if job.error else ', '.join(job.outputs) + ' written'}")


def write_outputs(job: Job, folder: Path) -> list[Path]:
    """Each output of `job` built in a hidden folder beside `folder`, which then replaces `folder`
    whole; returns the files as they are named in place."""
    folder.parent.mkdir(parents=True, exist_ok=True)
    build = Path(tempfile.mkdtemp(prefix=f".{job.name}.", dir=folder.parent))
    old = None
    try:
        written = [path for output in job.outputs for path in OUTPUTS[output](job, build)]
        if folder.exists():
            old = Path(tempfile.mkdtemp(prefix=f".{job.name}.old.", dir=folder.parent)) / "previous"
            os.rename(folder, old)
        try:
            os.rename(build, folder)
        except OSError:
            if old is not None:  # the previous outputs stay as they were
                os.rename(old, folder)
            raise
        return [folder / path.relative_to(build) for path in written]
    finally:
        shutil.rmtree(build, ignore_errors=True)
        if old is not None:
            shutil.rmtree(old.parent, ignore_errors=True)


def summary_lines(jobs: list[Job]) -> list[str]:
    """The table printed at the end: one row per job."""
    rows = [("job", "outputs", "scenes", "rendered", "cached", "result")]
    for job in jobs:
        rendered = sum(not result.cached and result.error is None for result in job.results)
        cached = sum(result.cached for result in job.results)
        result = f"FAILED: {job.error}" if job.error else f"{len(job.written)} files in {job.name}/"
        rows.append(
            (job.name, ",".join(job.outputs), str(len(job.entries)), str(rendered), str(cached), result)
        )
    widths = [max(len(row[column]) for row in rows) for column in range(5)]
    return ["  ".join(cell.ljust(width) for cell, width in zip(row, widths)) + "  " + row[5] for row in rows]
