"""The `lesson` command: the story as one offline page to read and poke (scenes/production/lesson.py)."""

from __future__ import annotations

import time
from pathlib import Path

import click

from network.cli_common import echo
from scenes.cli.options import (
    available_entries,
    cache_option,
    cluster_option,
    input_options,
    jobs_option,
    quality_option,
    require_folder,
    story_config,
)
from scenes.production.render import ensure_writable_dir
from scenes.story import catalog
from scenes.story.inputs import load_story_inputs

__all__ = ["lesson"]


@click.command()
@click.option(
    "--out", type=click.Path(path_type=Path), required=True, help="Folder for index.html (and assets/)."
)
@click.option(
    "--no-videos", "no_videos", is_flag=True, help="The words, formulas and live figures only: one file."
)
@click.option("--title", default=None, help="The page's title (default: the story's).")
@quality_option("l")
@cache_option
@jobs_option
@cluster_option
@input_options
def lesson(
    out, no_videos, title, quality, cache, jobs, cluster, weights, digit, image, theme, data_dir, history
):
    """The story as one offline web page: each beat's narration, video and formulas, with live
    figures of the real network to draw on, hover and drag (out/index.html)."""
    # deferred: Manim, kept out of start-up
    from scenes.production.lesson import build_lesson, check_out_dir, check_page_network

    if title is not None and not title.strip():
        raise click.BadParameter("the title is empty", param_hint="'--title'")
    require_folder(out, "--out")
    check_out_dir(out)
    require_folder(cache, "--cache")
    start = time.monotonic()
    config = story_config(weights, digit, image, theme, data_dir, history=history)
    log = lambda line: echo(line, err=True)  # noqa: E731
    check_page_network(load_story_inputs(config))  # before any note of beats left out
    entries = available_entries(list(catalog.STORY), config, True, log=log)
    ensure_writable_dir(cache)  # (the formulas' LaTeX is cached there too)
    page = build_lesson(
        config.weights, out, digit=digit, image=image, theme=theme, quality=quality, videos=not no_videos,
        title=title, media_dir=cache, jobs=jobs, progress=log, data_dir=config.data_dir, entries=entries,
        history=history, cluster=cluster,
    )  # fmt: skip
    echo(page)
    echo(f"{len(entries)} beats in {time.monotonic() - start:.1f} s", err=True)
