"""The lecture commands: `slides` (decks from the steps of the scenes) and `narration` (what to record
for --voice), and the explainer's captions and chapters from the steps recorded beside each video."""

from __future__ import annotations

import re
import time
from pathlib import Path

import click

from network.atomic import atomic_path
from network.cli_common import echo
from scenes.cli.options import (
    available_entries,
    cluster_option,
    fail_if_any,
    full_edges_option,
    input_options,
    jobs_option,
    lookup,
    quality_option,
    require_folder,
    story_config,
)
from scenes.mobjects.theme import get_theme
from scenes.narration.voice import recording_name
from scenes.production.captions import explainer_timeline, write_captions
from scenes.production.render import QUALITIES, ensure_writable_dir, render_scenes
from scenes.production.slides import FORMATS, collect_slides, deck_targets, write_deck
from scenes.story import catalog

__all__ = ["explainer_timeline", "narration", "slides", "write_captions"]


@click.command()
@click.argument("names", nargs=-1)
@click.option("--all", "render_all", is_flag=True, help="Every scene, in story order.")
@quality_option("m")
@full_edges_option
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
@jobs_option
@cluster_option
@input_options
def slides(names, render_all, quality, full_edges, out, deck_name, formats, cache, jobs, cluster, weights,
           digit, image, theme, data_dir, history):  # fmt: skip
    """A slide deck, one slide per step: offline HTML, PowerPoint, and a vector PDF handout."""

    if not names and not render_all:
        raise click.UsageError("name scenes for the deck, or give --all")
    entries = list(catalog.STORY) if render_all else list(dict.fromkeys(lookup(name) for name in names))
    name = deck_name or ("explainer" if render_all else entries[0].kebab if len(entries) == 1 else "slides")
    if not re.fullmatch(r"[\w][\w .-]{0,199}", name) or name != name.strip():
        raise click.BadParameter(
            f"{name!r} is not a deck name: letters, digits, spaces, '.', '-' and '_', "
            "starting with a letter, digit or '_'",
            param_hint="'--name'",
        )
    require_folder(out, "--out")
    require_folder(cache, "--cache")
    deck_targets(out, name, formats or FORMATS)  # anything in the deck's way: before rendering
    start = time.monotonic()
    config = story_config(weights, digit, image, theme, data_dir, full_edges, history=history)
    entries = available_entries(entries, config, render_all)
    ensure_writable_dir(out)
    ensure_writable_dir(cache)
    log = lambda line: echo(line, err=True)  # noqa: E731
    results = render_scenes(entries, config, QUALITIES[quality], cache, jobs, log=log, cluster=cluster)
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


@click.command()
@click.argument("names", nargs=-1)
@click.option("--out", type=click.Path(path_type=Path), required=True, help="Folder for the texts.")
@input_options
def narration(names, out, weights, digit, image, theme, data_dir, history):
    """What to record for --voice: every step's narration, as <Scene>.<n>.txt and narration.md."""
    from scenes.production.figure import run_to  # deferred: Manim, kept out of start-up

    entries = list(dict.fromkeys(lookup(name) for name in names)) if names else list(catalog.STORY)
    require_folder(out, "--out")
    config = story_config(weights, digit, image, theme, data_dir, history=history)
    entries = available_entries(entries, config, not names)
    ensure_writable_dir(out)
    listing = ["# Narration", "", "Record each step as the WAV file named above its text, then run",
               f"`nnexplain explainer --voice {out}`.", ""]  # fmt: skip
    texts = {}
    for entry in entries:
        scene = run_to(entry, config, None, 320, 180)
        listing += [f"## {entry.name}", ""]
        for number, step in enumerate(scene.steps, start=1):
            wav = recording_name(entry.name, number)
            texts[Path(wav).with_suffix(".txt").name] = step.notes + "\n"
            listing += [f"### {wav}: {step.title}", "", step.notes, ""]
    texts["narration.md"] = "\n".join(listing)
    for name, text in texts.items():
        with atomic_path(out / name) as tmp:
            tmp.write_text(text, encoding="utf-8")
    echo(out / "narration.md")
    echo(f"{len(texts) - 1} steps in {len(entries)} scenes", err=True)
