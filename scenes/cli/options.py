"""What the scene commands share: scene lookup, the story options (weights, digit or image, theme,
data directory) and the video options, the story configuration they name, rendering and publishing
scene videos, and one error line for failed scenes."""

from __future__ import annotations

import difflib
import os
from pathlib import Path

import click

from network.atomic import STDOUT
from network.cli_common import MAX_INDEX, data_dir_option, echo, stack_options, weights_option
from network.data import resolve_data_dir
from network.errors import NNExplainError
from scenes.mobjects.theme import THEMES
from scenes.production.render import QUALITIES, ensure_writable_dir, render_scenes, validate
from scenes.production.video_files import publish
from scenes.story import catalog
from scenes.story.catalog import SceneEntry, find
from scenes.story.inputs import DEFAULT_DIGIT, StoryConfig, load_story_inputs, missing_history

__all__ = [
    "available_entries",
    "cache_option",
    "cluster_option",
    "fail_if_any",
    "full_edges_option",
    "input_options",
    "jobs_option",
    "lookup",
    "quality_option",
    "render_videos",
    "require_folder",
    "story_config",
    "video_options",
]


def lookup(name: str) -> SceneEntry:
    """The catalogue entry for a class or kebab-case name, or an error naming the closest ones."""
    try:
        return find(name)
    except KeyError:
        names = [entry.name for entry in catalog.STORY] + [entry.kebab for entry in catalog.STORY]
        lowered = {candidate.lower(): candidate for candidate in names}
        close = difflib.get_close_matches(name.lower(), list(lowered), n=3, cutoff=0.5)
        hint = (
            f"; did you mean {', '.join(lowered[c] for c in close)}?" if close else "; see `nnexplain scenes`"
        )
        raise NNExplainError(f"unknown scene {name!r}{hint}") from None


def story_config(
    weights, digit, image, theme, data_dir, full_edges=False, voice=None, history=None
) -> StoryConfig:
    """The story configuration the options name, checked by loading it as the scenes will."""
    import shutil

    if digit is not None and image is not None:
        raise click.UsageError("give --digit or --image, not both")
    if voice == "tts" and shutil.which("espeak-ng") is None:
        raise NNExplainError("--voice tts needs espeak-ng: apt-get install espeak-ng")
    if voice not in (None, "tts") and not Path(voice).is_dir():
        raise click.BadParameter(
            f"{voice!r} is not a folder of recordings (or 'tts')", param_hint="'--voice'"
        )
    if history is not None and not Path(history).is_dir():
        raise click.BadParameter(f"{str(history)!r} is not a folder of snapshots", param_hint="'--history'")
    config = StoryConfig(
        voice=voice,
        history=history,
        weights=Path(weights),
        digit=digit,
        image=image,
        theme=theme,
        full_edges=full_edges,
        data_dir=resolve_data_dir(data_dir)[0],
    )
    validate(config)
    return config


input_options = stack_options(
    weights_option,
    click.option(
        "--digit",
        type=click.IntRange(0, MAX_INDEX),
        default=None,
        help=f"Test-set index of the digit the story follows (default {DEFAULT_DIGIT}, a 3).",
    ),
    click.option(
        "--image",
        type=click.Path(path_type=Path),
        default=None,
        help="Your own digit image instead of a test digit.",
    ),
    click.option(
        "--theme",
        type=click.Choice(list(THEMES)),
        default="dark",
        show_default=True,
        help="dark for video, light for print.",
    ),
    data_dir_option,
    click.option(
        "--history",
        type=click.Path(path_type=Path),
        default=None,
        help="The weights' training run for LearningOverEpochs: a `train --snapshots` folder "
        "(default: <weights>-history/ beside the weights, if there).",
    ),
)


def quality_option(default: str):
    return click.option(
        "-q",
        "--quality",
        type=click.Choice(["l", "m", "h", "k"]),
        default=default,
        show_default=True,
        help="l 480p15, m 720p30, h 1080p60, k 2160p60.",
    )


full_edges_option = click.option(
    "--full-edges", is_flag=True, help="Draw every neuron and every edge of the network."
)
jobs_option = click.option(
    "-j",
    "--jobs",
    type=click.IntRange(1, 64),
    default=min(2, os.cpu_count() or 1),
    show_default="up to 2",
    help="Scenes rendered in parallel processes.",
)

cache_option = click.option(
    "--cache",
    type=click.Path(path_type=Path),
    default=Path("media"),
    show_default=True,
    help="Folder of the render cache (shared by render, explainer, slides and lesson).",
)

cluster_option = click.option(
    "--cluster",
    metavar="ADDRESS",
    envvar="NNEXPLAIN_CLUSTER",
    default=None,
    help="Render each scene as a task on the Dask cluster whose scheduler is at ADDRESS "
    "(tcp://host:8786; also $NNEXPLAIN_CLUSTER) instead of local processes; needs nnexplain[cluster].",
)


_video_only_options = stack_options(
    quality_option("l"),
    full_edges_option,
    click.option(
        "--transparent",
        type=click.Choice(["mov", "webm"]),
        default=None,
        help="Video with an alpha channel, to lay over footage: mov (QuickTime Animation: Premiere, "
        "Final Cut, DaVinci Resolve, After Effects) or webm (VP9: browsers, Kdenlive, Shotcut, OBS).",
    ),
    click.option(
        "--voice",
        default=None,
        help="Narrate: a folder of your recordings <Scene>.<n>.wav (see `nnexplain narration`), "
        "or 'tts' for a draft spoken by espeak-ng. Each step lasts as long as its recording.",
    ),
    click.option(
        "--out",
        type=click.Path(path_type=Path),
        default=Path("media"),
        show_default=True,
        help="Output directory.",
    ),
    jobs_option,
    cluster_option,
)


def video_options(function):
    return input_options(_video_only_options(function))


def available_entries(entries, config: StoryConfig, everything: bool, log=None) -> list:
    """The scenes to render: one that cannot be told from these weights (LearningOverEpochs without
    the weights' training run, WhyLayers for a data set of other classes than the digits) is left
    out of the whole story with a note, and is an error when named."""
    reasons = {entry.name: unavailable(entry, config) for entry in entries}
    missing = [name for name, reason in reasons.items() if reason]
    if missing and not everything:
        raise NNExplainError(f"{missing[0]}: {reasons[missing[0]]}")
    for name in missing:
        (log or (lambda line: echo(line, err=True)))(f"leaving out {name}: {reasons[name]}")
    return [entry for entry in entries if not reasons[entry.name]]


def unavailable(entry, config: StoryConfig) -> str | None:
    """Why `entry` cannot be told from the configuration's weights, or None."""
    if entry.needs_history and config.history_folder is None:
        return missing_history(config)
    if entry.needs_digits:
        from scenes.choices.digit_parts import missing_digit_examples  # deferred: scipy, 0.35 s at start-up

        story = load_story_inputs(config)
        return missing_digit_examples(story.sample.pixels, story.sample.labels, story.classes)
    return None


def require_folder(path: Path, option: str) -> None:
    """One error line if `path`, given as `option`, is '-' or something other than a folder."""
    if str(path) == STDOUT or (path.exists() and not path.is_dir()):
        raise click.BadParameter(f"{str(path)!r} is not a folder", param_hint=f"'{option}'")


def render_videos(
    entries, *, weights, digit, image, theme, data_dir, history, quality, full_edges, transparent, voice, out,
    jobs, cluster=None, everything=False,
):  # fmt: skip
    """Validate, render what the cache lacks, publish <out>/<label>/<Scene>.mp4; return the results."""

    if str(out) == STDOUT:
        raise click.BadParameter("'-' is not a folder: render and explainer write a folder of videos",
                                 param_hint="'--out'")  # fmt: skip
    config = story_config(weights, digit, image, theme, data_dir, full_edges, voice, history)
    entries = available_entries(entries, config, everything)
    ensure_writable_dir(out)
    chosen = QUALITIES[quality]
    log = lambda line: echo(line, err=True)  # noqa: E731
    results = render_scenes(
        entries, config, chosen, out, jobs, log=log, transparent=transparent, cluster=cluster
    )
    folder = out / (
        chosen.label
        + ("-light" if theme == "light" else "")
        + ("-full-edges" if full_edges else "")
        + ("-voice" if voice else "")
        + ("-transparent" if transparent else "")
    )
    for result in results:
        if result.error is None:
            result.published = publish(result.path, folder / result.path.name)
    return results, folder


def fail_if_any(results) -> None:
    failed = [result for result in results if result.error is not None]
    if len(failed) == 1:
        raise NNExplainError(f"{failed[0].entry.name} failed: {failed[0].error}")
    if failed:
        raise NNExplainError(
            f"{len(failed)} scenes failed: "
            + "; ".join(f"{result.entry.name}: {result.error}" for result in failed)
        )
