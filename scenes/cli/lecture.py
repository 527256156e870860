"""The lecture commands: `slides` (decks from the steps of the scenes) and `narration` (what to record
for --voice), and the explainer's captions and chapters from the steps recorded beside each video."""

from __future__ import annotations

import re
import time
from dataclasses import replace
from pathlib import Path

import click

from network.atomic import atomic_path
from network.cli_common import echo
from scenes.cli.options import (
    available_entries,
    cache_option,
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
from scenes.mobjects.theme import THEMES, get_theme
from scenes.narration.voice import recording_name
from scenes.production.captions import explainer_timeline, write_captions
from scenes.production.render import QUALITIES, ensure_writable_dir, render_scenes
from scenes.production.slides import FORMATS, collect_slides, deck_targets, write_deck
from scenes.story import catalog
from scenes.story.inputs import load_story_inputs
from scenes.story.title import story_subtitle, story_title

__all__ = ["explainer_timeline", "narration", "slides", "write_captions"]

MAX_TITLE = 200  # characters in a deck's --title


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
@cache_option
@click.option(
    "--title",
    default=None,
    help="The deck's title, on its title card, first slide and PDF (default: the story's, for the "
    "network and its data set).",
)
@click.option(
    "--handout-theme",
    type=click.Choice(list(THEMES)),
    default="light",
    show_default=True,
    help="The PDF handout's theme (for print); the HTML and PowerPoint decks keep --theme.",
)
@jobs_option
@cluster_option
@input_options
def slides(names, render_all, quality, full_edges, out, deck_name, formats, cache, title, handout_theme,
           jobs, cluster, weights, digit, image, theme, data_dir, history):  # fmt: skip
    """A slide deck, one slide per step: offline HTML, PowerPoint, and a vector PDF handout."""

    if not names and not render_all:
        raise click.UsageError("name scenes for the deck, or give --all")
    if title is not None and (not title.strip() or len(title) > MAX_TITLE or not title.isprintable()):
        raise click.BadParameter(
            f"{title[:MAX_TITLE]!r} is not a title: one line of 1 to {MAX_TITLE} printable characters",
            param_hint="'--title'",
        )
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
    formats = formats or FORMATS
    deck_targets(out, name, formats)  # anything in the deck's way: before rendering
    start = time.monotonic()
    config = story_config(weights, digit, image, theme, data_dir, full_edges, history=history)
    entries = available_entries(entries, config, render_all)
    manifest = load_story_inputs(config).manifest
    ensure_writable_dir(out)
    ensure_writable_dir(cache)
    log = lambda line: echo(line, err=True)  # noqa: E731
    # The handout's pages are drawn as each step ends, in the render's theme. Where the deck's videos
    # are not rendered in the handout's theme, a handout-only render (animations skipped, no frame
    # drawn, cached apart) draws its pages in that theme.
    level = QUALITIES[quality]
    results = {}
    if set(formats) - {"pdf"}:
        results["deck"] = render_scenes(entries, config, level, cache, jobs, log=log, cluster=cluster)
    if "pdf" in formats and not (results and handout_theme == theme):
        handout_config = replace(config, theme=handout_theme)
        results["handout"] = render_scenes(entries, handout_config, level, cache, jobs, log=log,
                                           handout_only=True, cluster=cluster)  # fmt: skip
    for outcome in results.values():
        fail_if_any(outcome)
    decks = {role: collect_slides(outcome) for role, outcome in results.items()}
    deck = decks.get("deck", decks.get("handout"))
    title = title.strip() if title else story_title(manifest)
    written = write_deck(deck, out, name, get_theme(theme), formats, title=title,
                         subtitle=story_subtitle(manifest), handout=decks.get("handout"))  # fmt: skip
    for path in written:
        echo(path)
    (_, first), *others = results.items()
    handout = "".join(f", the {handout_theme} handout's pages ({tally(outcome)})" for _, outcome in others)
    echo(
        f"{len(deck)} slides from {len(entries)} scenes ({tally(first)}){handout} "
        f"in {time.monotonic() - start:.1f} s",
        err=True,
    )


def tally(results) -> str:
    """How many scenes a render pass rendered and found cached."""
    rendered = sum(not result.cached for result in results)
    return f"{rendered} rendered, {len(results) - rendered} cached"


@click.command()
@click.argument("names", nargs=-1)
@click.option("--out", type=click.Path(path_type=Path), required=True, help="Folder for the texts.")
@input_options
def narration(names, out, weights, digit, image, theme, data_dir, history):
    """What to record for --voice: every step's narration, as <Scene>.<n>.txt and narration.md."""
    from scenes.production.narration_pass import narrated_scene  # deferred: Manim, kept out of start-up

    entries = list(dict.fromkeys(lookup(name) for name in names)) if names else list(catalog.STORY)
    require_folder(out, "--out")
    config = story_config(weights, digit, image, theme, data_dir, history=history)
    entries = available_entries(entries, config, not names)
    ensure_writable_dir(out)
    listing = ["# Narration", "", "Record each step as the WAV file named above its text, then run",
               f"`nnexplain explainer --voice {out}`.", ""]  # fmt: skip
    texts = {}
    for entry in entries:
        scene = narrated_scene(entry, config)
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
