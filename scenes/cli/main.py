"""The `nnexplain` command: the scene commands (scenes, render, explainer, figure; slides and
narration from lecture.py, lesson from lesson.py, batch from batch.py) and the network's own
(train, evaluate, predict, export-activations, ...), composed here, on top.

Manim is imported only inside the commands that draw, so `nnexplain --help` and the network
commands stay quick. Every bad input ends in one `nnexplain: error:` line (network/cli_run.py `run`).
"""

from __future__ import annotations

import time
from pathlib import Path

import click

from network.atomic import STDOUT
from network.cli import NETWORK_COMMANDS
from network.cli_common import echo
from network.cli_run import debug_option, exit_process, run
from network.errors import NNExplainError
from scenes.cli.batch import batch
from scenes.cli.lecture import narration, slides
from scenes.cli.lesson import lesson
from scenes.cli.options import (
    available_entries,
    fail_if_any,
    full_edges_option,
    input_options,
    lookup,
    render_videos,
    story_config,
    video_options,
)
from scenes.production.captions import write_explainer
from scenes.production.render import ensure_writable_dir
from scenes.story import catalog

__all__ = ["cli", "console", "main"]


@click.command("scenes")
def list_scenes():
    """Every scene in story order: class name, kebab-case name, what it shows."""
    width = max(len(entry.name) for entry in catalog.STORY)
    kebab = max(len(entry.kebab) for entry in catalog.STORY)
    for entry in catalog.STORY:
        echo(f"{entry.name:<{width}}  {entry.kebab:<{kebab}}  {entry.description}")


@click.command()
@click.argument("names", nargs=-1)
@click.option("--all", "render_all", is_flag=True, help="Every scene, in story order.")
@video_options
def render(names, render_all, **options):
    """Render scenes to video (class or kebab-case names, or --all)."""
    if not names and not render_all:
        raise click.UsageError("name scenes to render, or give --all")
    entries = list(catalog.STORY) if render_all else list(dict.fromkeys(lookup(name) for name in names))
    results, _ = render_videos(entries, everything=render_all, **options)
    for result in results:
        if result.error is None:
            echo(result.published)
    fail_if_any(results)


@click.command()
@click.option(
    "--only", multiple=True, help="Join only these scenes (repeatable or comma-separated), in story order."
)
@video_options
def explainer(only, **options):
    """Render every scene in story order (re-using rendered ones) and join them into explainer.mp4."""

    if only:
        wanted = {lookup(name) for text in only for name in text.split(",") if name.strip()}
        entries = [entry for entry in catalog.STORY if entry in wanted]
    else:
        entries = list(catalog.STORY)
    start = time.monotonic()
    results, folder = render_videos(entries, everything=not only, **options)
    fail_if_any(results)
    destination = folder / f"explainer.{options['transparent'] or 'mp4'}"
    write_explainer(results, destination)
    rendered = sum(not result.cached for result in results)
    echo(
        f"{len(results)} scenes ({rendered} rendered, {len(results) - rendered} cached) "
        f"in {time.monotonic() - start:.1f} s",
        err=True,
    )
    echo(destination)


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
@full_edges_option
@click.option(
    "--out", type=click.Path(path_type=Path), required=True, help="File to write ('-': standard output)."
)
@input_options
def figure(
    name, at_text, fmt, transparent, width, full_edges, out, weights, digit, image, theme, data_dir, history
):
    """A still of any scene as PNG or true vector SVG/PDF, for lectures and print."""
    from scenes.production.figure import render_figure  # deferred: Manim, kept out of start-up

    entry = lookup(name)
    at = parse_at(at_text)
    fmt = fmt or (out.suffix.lower().lstrip(".") if out.suffix.lower() in (".png", ".svg", ".pdf") else "png")
    config = story_config(weights, digit, image, theme, data_dir, full_edges, history=history)
    available_entries([entry], config, everything=False)
    streamed = str(out) == STDOUT
    if out.is_dir():
        raise NNExplainError(f"cannot write {out}: it is a directory")
    if not streamed and (not out.exists() or out.is_file()):  # a device or a pipe: written to as it is
        ensure_writable_dir(out.parent)

    render_figure(entry, config, out, fmt=fmt, at=at, transparent=transparent, width=width)
    if not streamed:
        echo(out)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="nnexplain")
@debug_option
def cli() -> None:
    """Train a real MNIST network and turn it into explainer scenes and lecture figures."""


for command in (*NETWORK_COMMANDS, list_scenes, render, explainer, figure, slides, lesson, narration, batch):
    cli.add_command(command)


def main(argv=None) -> int:
    """`nnexplain ARGV` in-process: its exit status."""
    return run(cli, argv)


def console(argv=None) -> None:
    """The `nnexplain` program (its console script and `python -m scenes.cli`): main, then exit."""
    exit_process(main(argv))
