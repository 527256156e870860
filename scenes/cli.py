"""The `nnexplain` command: the scene commands (scenes, render, explainer, figure, slides) and the
network's own (train, evaluate, predict, export-activations), composed here, on top.

Manim is imported only inside the commands that draw, so `nnexplain --help` and the network
commands stay quick. Every bad input ends in one `nnexplain: error:` line (network.cli.run).
"""

from __future__ import annotations

import difflib
import os
import time
from pathlib import Path

import click

from network.atomic import STDOUT
from network.cli import MAX_INDEX, NETWORK_COMMANDS, data_dir_option, echo, run, weights_option
from network.errors import NNExplainError
from scenes.catalog import STORY, SceneEntry, find
from scenes.story.inputs import DEFAULT_DIGIT, StoryConfig
from scenes.theme import THEMES

__all__ = ["cli", "main"]


def lookup(name: str) -> SceneEntry:
    """The catalogue entry for a class or kebab-case name, or an error naming the closest ones."""
    try:
        return find(name)
    except KeyError:
        names = [entry.name for entry in STORY] + [entry.kebab for entry in STORY]
        lowered = {candidate.lower(): candidate for candidate in names}
        close = difflib.get_close_matches(name.lower(), list(lowered), n=3, cutoff=0.5)
        hint = (
            f"; did you mean {', '.join(lowered[c] for c in close)}?" if close else "; see `nnexplain scenes`"
        )
        raise NNExplainError(f"unknown scene {name!r}{hint}") from None


def story_config(weights, digit, image, theme, data_dir, full_edges=False) -> StoryConfig:
    """The story configuration the options name, checked by loading it as the scenes will."""
    from network.data import resolve_data_dir
    from scenes.render import validate

    if digit is not None and image is not None:
        raise click.UsageError("give --digit or --image, not both")
    config = StoryConfig(
        weights=Path(weights),
        digit=digit,
        image=image,
        theme=theme,
        full_edges=full_edges,
        data_dir=resolve_data_dir(data_dir)[0],
    )
    validate(config)
    return config


def input_options(function):
    options = [
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
    ]
    for option in reversed(options):
        function = option(function)
    return function


def video_options(function):
    options = [
        click.option(
            "-q",
            "--quality",
            type=click.Choice(["l", "m", "h", "k"]),
            default="l",
            show_default=True,
            help="l 480p15, m 720p30, h 1080p60, k 2160p60.",
        ),
        click.option("--full-edges", is_flag=True, help="Draw every neuron and every edge of the network."),
        click.option(
            "--out",
            type=click.Path(path_type=Path),
            default=Path("media"),
            show_default=True,
            help="Output directory.",
        ),
        click.option(
            "-j",
            "--jobs",
            type=click.IntRange(1, 64),
            default=min(2, os.cpu_count() or 1),
            show_default="up to 2",
            help="Scenes rendered in parallel processes.",
        ),
    ]
    for option in reversed(options):
        function = option(function)
    return input_options(function)


def render_videos(entries, weights, digit, image, theme, data_dir, quality, full_edges, out, jobs):
    """Validate, render what the cache lacks, publish <out>/<label>/<Scene>.mp4; return the results."""
    from scenes.render import QUALITIES, ensure_writable_dir, render_scenes
    from scenes.video_files import publish

    if str(out) == STDOUT:
        raise click.BadParameter("'-' is not a folder: render and explainer write a folder of videos",
                                 param_hint="'--out'")  # fmt: skip
    config = story_config(weights, digit, image, theme, data_dir, full_edges)
    ensure_writable_dir(out)
    chosen = QUALITIES[quality]
    results = render_scenes(entries, config, chosen, out, jobs, log=lambda line: echo(line, err=True))
    folder = out / (
        chosen.label + ("-light" if theme == "light" else "") + ("-full-edges" if full_edges else "")
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


@click.command("scenes")
def list_scenes():
    """Every scene in story order: class name, kebab-case name, what it shows."""
    width = max(len(entry.name) for entry in STORY)
    kebab = max(len(entry.kebab) for entry in STORY)
    for entry in STORY:
        echo(f"{entry.name:<{width}}  {entry.kebab:<{kebab}}  {entry.description}")


@click.command()
@click.argument("names", nargs=-1)
@click.option("--all", "render_all", is_flag=True, help="Every scene, in story order.")
@video_options
def render(names, render_all, weights, digit, image, theme, data_dir, quality, full_edges, out, jobs):
    """Render scenes to video (class or kebab-case names, or --all)."""
    if not names and not render_all:
        raise click.UsageError("name scenes to render, or give --all")
    entries = list(STORY) if render_all else list(dict.fromkeys(lookup(name) for name in names))
    results, _ = render_videos(
        entries, weights, digit, image, theme, data_dir, quality, full_edges, out, jobs
    )
    for result in results:
        if result.error is None:
            echo(result.published)
    fail_if_any(results)


@click.command()
@click.option(
    "--only", multiple=True, help="Join only these scenes (repeatable or comma-separated), in story order."
)
@video_options
def explainer(only, weights, digit, image, theme, data_dir, quality, full_edges, out, jobs):
    """Render every scene in story order (re-using rendered ones) and join them into explainer.mp4."""
    from scenes.video_files import join_videos

    if only:
        wanted = {lookup(name) for text in only for name in text.split(",") if name.strip()}
        entries = [entry for entry in STORY if entry in wanted]
    else:
        entries = list(STORY)
    start = time.monotonic()
    results, folder = render_videos(
        entries, weights, digit, image, theme, data_dir, quality, full_edges, out, jobs
    )
    fail_if_any(results)
    destination = folder / "explainer.mp4"
    cues, chapters = explainer_timeline(results)
    join_videos([result.path for result in results], destination, cues, chapters)
    write_captions(destination, cues, chapters)
    rendered = sum(not result.cached for result in results)
    echo(
        f"{len(results)} scenes ({rendered} rendered, {len(results) - rendered} cached) "
        f"in {time.monotonic() - start:.1f} s",
        err=True,
    )
    echo(destination)


@click.command()
@click.argument("names", nargs=-1)
@click.option("--all", "render_all", is_flag=True, help="Every scene, in story order.")
@click.option(
    "-q",
    "--quality",
    type=click.Choice(["l", "m", "h", "k"]),
    default="m",
    show_default=True,
    help="l 480p15, m 720p30, h 1080p60, k 2160p60.",
)
@click.option("--full-edges", is_flag=True, help="Draw every neuron and every edge of the network.")
@click.option("--out", type=click.Path(path_type=Path), required=True, help="Folder for the deck.")
@click.option(
    "--name",
    "deck_name",
    default=None,
    help="The deck's file name (default: explainer for --all, else the scene's kebab-case name).",
)
@click.option(
    "--format",
    "formats",
    multiple=True,
    type=click.Choice(["html", "pptx", "pdf"]),
    help="Only these (repeatable); default all three.",
)
@click.option(
    "--cache",
    type=click.Path(path_type=Path),
    default=Path("media"),
    show_default=True,
    help="Folder of the render cache (shared with render and explainer).",
)
@click.option(
    "-j",
    "--jobs",
    type=click.IntRange(1, 64),
    default=min(2, os.cpu_count() or 1),
    show_default="up to 2",
    help="Scenes rendered in parallel processes.",
)
@input_options
def slides(names, render_all, quality, full_edges, out, deck_name, formats, cache, jobs, weights, digit,
           image, theme, data_dir):  # fmt: skip
    """A slide deck, one slide per step: offline HTML, PowerPoint, and a vector PDF handout."""
    from scenes.render import QUALITIES, ensure_writable_dir, render_scenes
    from scenes.slides import FORMATS, collect_slides, write_deck
    from scenes.theme import get_theme

    if not names and not render_all:
        raise click.UsageError("name scenes for the deck, or give --all")
    entries = list(STORY) if render_all else list(dict.fromkeys(lookup(name) for name in names))
    name = deck_name or ("explainer" if render_all else entries[0].kebab if len(entries) == 1 else "slides")
    if not name.strip() or name.startswith(".") or "/" in name or "\\" in name or "\0" in name:
        raise click.BadParameter(f"{name!r} is not a file name", param_hint="'--name'")
    for folder, option in ((out, "--out"), (cache, "--cache")):
        if str(folder) == STDOUT or (folder.exists() and not folder.is_dir()):
            raise click.BadParameter(f"{str(folder)!r} is not a folder", param_hint=f"'{option}'")
    start = time.monotonic()
    config = story_config(weights, digit, image, theme, data_dir, full_edges)
    ensure_writable_dir(out)
    ensure_writable_dir(cache)
    log = lambda line: echo(line, err=True)  # noqa: E731
    results = render_scenes(entries, config, QUALITIES[quality], cache, jobs, log=log)
    fail_if_any(results)
    deck = collect_slides(results)
    for path in write_deck(deck, out, name, get_theme(theme), formats or FORMATS):
        echo(path)
    rendered = sum(not result.cached for result in results)
    echo(
        f"{len(deck)} slides from {len(results)} scenes ({rendered} rendered, {len(results) - rendered} "
        f"cached) in {time.monotonic() - start:.1f} s",
        err=True,
    )


def explainer_timeline(results):
    """Subtitle cues and chapters of the joined scenes, from the steps recorded beside each video."""
    from scenes.captions import timeline
    from scenes.handout import read_chapter, read_steps

    scenes = []
    for result in results:
        folder = result.path.with_suffix(".steps")
        scenes.append(
            (read_chapter(folder), [(step["notes"], step["seconds"]) for step in read_steps(folder)])
        )
    return timeline(scenes)


def write_captions(video: Path, cues, chapters) -> None:
    """<video>.srt, <video>.vtt and <video>.chapters.txt beside the video, each written atomically."""
    from network.atomic import atomic_path
    from scenes.captions import chapter_lines, srt, vtt

    texts = {".srt": srt(cues), ".vtt": vtt(cues), ".chapters.txt": chapter_lines([c[::2] for c in chapters])}
    for suffix, text in texts.items():
        with atomic_path(video.with_suffix(suffix)) as tmp:
            tmp.write_text(text, encoding="utf-8")


def parse_at(text: str) -> float | None:
    if text.strip().lower() == "last":
        return None
    try:
        seconds = float(text)
    except ValueError:
        raise click.BadParameter(
            f"{text!r} is not a time in seconds or 'last'", param_hint="'--at'"
        ) from None
    if not seconds >= 0 or seconds == float("inf"):
        raise click.BadParameter(f"{text!r}: the time must be 0 or more seconds", param_hint="'--at'")
    return seconds


@click.command()
@click.argument("name")
@click.option(
    "--at",
    "at_text",
    default="last",
    show_default=True,
    help="Time in seconds, or 'last' for the final frame.",
)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["png", "svg", "pdf"]),
    default=None,
    help="Default: from the --out suffix, else png.",
)
@click.option("--transparent", is_flag=True, help="No background (PNG, SVG and PDF).")
@click.option(
    "--width",
    type=click.IntRange(min=16, max=16384),
    default=None,
    help="PNG width in pixels (default 1920); SVG/PDF page width in points (default 842, A4 landscape). "
    "Height follows from 16:9.",
)
@click.option("--full-edges", is_flag=True, help="Draw every neuron and every edge of the network.")
@click.option(
    "--out", type=click.Path(path_type=Path), required=True, help="File to write ('-': standard output)."
)
@input_options
def figure(name, at_text, fmt, transparent, width, full_edges, out, weights, digit, image, theme, data_dir):
    """A still of any scene as PNG or true vector SVG/PDF, for lectures and print."""
    from scenes.render import ensure_writable_dir

    entry = lookup(name)
    at = parse_at(at_text)
    fmt = fmt or (out.suffix.lower().lstrip(".") if out.suffix.lower() in (".png", ".svg", ".pdf") else "png")
    config = story_config(weights, digit, image, theme, data_dir, full_edges)
    streamed = str(out) == STDOUT
    if out.is_dir():
        raise NNExplainError(f"cannot write {out}: it is a directory")
    if not streamed and (not out.exists() or out.is_file()):  # a device or a pipe: written to as it is
        ensure_writable_dir(out.parent)
    from scenes.figure import render_figure

    render_figure(entry, config, out, fmt=fmt, at=at, transparent=transparent, width=width)
    if not streamed:
        echo(out)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="nnexplain")
def cli() -> None:
    """Train a real MNIST network and turn it into explainer scenes and lecture figures."""


for command in (*NETWORK_COMMANDS, list_scenes, render, explainer, figure, slides):
    cli.add_command(command)


def main(argv=None) -> int:
    """The `nnexplain` entry point."""
    return run(cli, argv)


if __name__ == "__main__":
    import sys

    sys.exit(main())
