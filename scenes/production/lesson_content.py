"""The lesson page's prose: one section per beat of the story, each step's narration as its text,
with the step's video and poster (copied from the render cache) or, without videos, the words alone;
the beat's formulas typeset by the scenes' own LaTeX pipeline (Manim's MathTex, inlined as SVG) and
the markers where the live widgets go (scenes/production/lesson.py fills them in).

The narration is what the captions, the deck and `nnexplain narration` use: the steps' notes. With
videos they come from the render results (`collect_slides`, as the deck reads them), so a second
build renders nothing; without, each beat runs once in-process with its animations settled but
never begun (scenes/production/narration_pass.py, as `nnexplain narration` runs it).
"""

from __future__ import annotations

import html
import re
import shutil
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

from manim import MathTex
from manim import config as manim_config

from network.activations import ACTIVATIONS
from network.errors import NNExplainError
from network.model import architecture, parameter_count
from scenes.choices.selection import ink_run
from scenes.mobjects.math_tex import grouped
from scenes.mobjects.theme import get_theme
from scenes.production.figure import typesetting
from scenes.production.narration_pass import narrated_scene
from scenes.production.render import QUALITIES, plan_renders, render_scenes
from scenes.production.slides import asset_names, collect_slides
from scenes.production.steps import read_chapter, read_steps, steps_folder
from scenes.story import catalog
from scenes.story.inputs import StoryConfig, StoryInputs, load_story_inputs
from scenes.story.matrix_vector_notation import MatrixVectorNotation

__all__ = ["Beat", "BeatStep", "beat_html", "lesson_content", "narrate", "narrated_beats", "rendered_beats"]

# where each live widget goes: after the beat that tells what it lets the reader try
WIDGET_AFTER = {
    "ThisIsAThree": ("draw",),
    "ForwardPass": ("network",),
    "BiasAndSigmoid": ("neuron",),
    "MatrixVectorNotation": ("matrix",),
    "NetworkAsFunction": ("samples",),
}


@dataclass(frozen=True)
class BeatStep:
    """One step of a beat: its title and narration, and its video and poster in the page (or None)."""

    title: str
    notes: str
    video: str | None = None
    poster: str | None = None


@dataclass(frozen=True)
class Beat:
    """One beat of the story: its scene, its chapter title and its steps."""

    scene: str
    chapter: str
    steps: tuple[BeatStep, ...]

    @property
    def anchor(self) -> str:
        return "beat-" + catalog.find(self.scene).kebab


def rendered_beats(results, assets: Path) -> list[Beat]:
    """The beats of rendered scenes (`render_scenes` results), each step's video and poster copied
    into `assets` (copies: the page never points into the cache)."""
    slides = collect_slides(results)
    assets.mkdir(parents=True, exist_ok=True)
    steps: dict[str, list[BeatStep]] = {}
    for slide, stem in zip(slides, asset_names(slides)):
        shutil.copyfile(slide.video, assets / f"{stem}.mp4")
        shutil.copyfile(slide.poster, assets / f"{stem}.png")
        video, poster = (quote(f"{assets.name}/{stem}.{suffix}") for suffix in ("mp4", "png"))
        steps.setdefault(slide.scene, []).append(BeatStep(slide.title, slide.notes, video, poster))
    return [
        Beat(result.entry.name, read_chapter(steps_folder(result.path)), tuple(steps[result.entry.name]))
        for result in results
    ]


def narrate(name: str, config_json: str) -> Beat:
    """The beat `name`'s steps without its video: the scene run in-process, its animations settled
    but never begun (scenes/production/narration_pass.py)."""
    entry = catalog.find(name)
    try:
        scene = narrated_scene(entry, StoryConfig.from_json(config_json))
    except NNExplainError:
        raise
    except Exception as exc:  # a broken scene: one line for the user, not a traceback
        lines = str(exc).strip().splitlines()
        raise NNExplainError(f"{name} failed: {type(exc).__name__}: {lines[-1] if lines else ''}") from None
    steps = tuple(BeatStep(step.title, step.notes) for step in scene.steps)
    return Beat(entry.name, scene.chapter or steps[0].title, steps)


def narrated_beats(entries, config: StoryConfig, cache: Path, quality: str = "l") -> list[Beat]:
    """The beats' steps without their videos: read from the render cache `cache` where the beat is
    there at `quality`, else told once in this process (one beat after the other: a pool of two
    processes was slower, each importing Manim and loading the network again)."""
    planned = plan_renders(entries, config, QUALITIES[quality], cache)  # where render_scenes puts them
    return [
        cached_beat(result.entry.name, result.path)
        if result.cached
        else narrate(result.entry.name, config.to_json())
        for result in planned
    ]


def cached_beat(name: str, video: Path) -> Beat:
    """A cached beat's steps, as its render recorded them (no video)."""
    folder = steps_folder(video)
    steps = tuple(BeatStep(step["title"], step["notes"]) for step in read_steps(folder))
    return Beat(name, read_chapter(folder), steps)


# -- formulas --------------------------------------------------------------------------------------
def formula_tex(scene: str, story: StoryInputs) -> list:
    """The formulas the beat `scene` shows, as TeX strings or MathTex (the scene's own, real numbers)."""
    f = ACTIVATIONS[story.activation]
    sizes = story.sizes
    if scene == "WeightedSum":
        return [r"w_1 a_1 + w_2 a_2 + \cdots + w_n a_n = \sum_{i=1}^{n} w_i a_i"]
    if scene == "BiasAndSigmoid":
        return [
            rf"{f.tex}\left(w_1 a_1 + w_2 a_2 + \cdots + w_n a_n + b\right)",
            f.formula_tex("x"),
        ]
    if scene == "ParameterCount":
        products = " + ".join(rf"{W.shape[1]} \times {W.shape[0]}" for W in story.weights)
        biases = " + ".join(str(b.size) for b in story.biases)
        return [rf"{products} + ({biases}) = {grouped(parameter_count(sizes))}"]
    if scene == "MatrixVectorNotation":
        W, b, a0, a1 = story.weights[0], story.biases[0], story.layer(0), story.layer(1)
        rows, cols = [0, 1, W.shape[0] - 1], [0, *ink_run(a0), W.shape[1] - 1]
        theme = get_theme("dark")
        return [
            MatrixVectorNotation.layer_formula(f.tex, theme, W, b, a0, a1, rows, cols, symbols=False),
            rf"a^{{(1)}} = {f.tex}\left(W a^{{(0)}} + b\right)",
        ]
    if scene == "NetworkAsFunction":
        return [rf"f\colon \mathbb{{R}}^{{{sizes[0]}}} \to \mathbb{{R}}^{{{sizes[-1]}}}"]
    if scene == "ReLUvsSigmoid":
        return [ACTIVATIONS["sigmoid"].formula_tex("x"), ACTIVATIONS["relu"].formula_tex("x")]
    return []


_ID = re.compile(r"""\bid=(["'])([^"']+)\1""")
_REF = re.compile(r"""\b((?:xlink:)?href)=(["'])#([^"']+)\2""")
_SIZE = re.compile(r"""\b(width|height)=(["'])([\d.]+)pt\2""")
EM_PER_PT = 1 / 8  # the formulas' 10 pt TeX at 1.25 times the text's size


def inline_svg(svg: str, prefix: str) -> str:
    """dvisvgm's SVG for inlining in a page: no XML prologue, its ids made unique with `prefix`,
    its size in em (so that it grows with the text), drawn in the text's colour (currentColor) so
    that it follows the theme.

    >>> dvisvgm = "<?xml version='1.0'?><svg width='16pt'><path id='g1' fill='#000'/><use xlink:href='#g1'/>"
    >>> dvisvgm += "</svg>"
    >>> inline_svg(dvisvgm, "f-")
    '<svg aria-hidden="true" focusable="false" width="2em"><path id="f-g1"/><use xlink:href="#f-g1"/></svg>'
    """
    svg = svg[svg.index("<svg") :]
    svg = re.sub(r"<!--.*?-->", "", svg, flags=re.S)
    ids = {match[1] for match in _ID.findall(svg)}
    svg = _ID.sub(lambda m: f'id="{prefix}{m.group(2)}"', svg)
    svg = _REF.sub(
        lambda m: f'{m.group(1)}="#{prefix}{m.group(3)}"' if m.group(3) in ids else m.group(0), svg
    )
    svg = _SIZE.sub(lambda m: f'{m.group(1)}="{float(m.group(3)) * EM_PER_PT:.4g}em"', svg)
    svg = re.sub(r"""\s(fill|stroke)=(["'])#0{3,6}\2""", "", svg)
    return svg.replace("<svg", '<svg aria-hidden="true" focusable="false"', 1)


def formula_html(formulas: list, first: int) -> tuple[str, int]:
    """Each formula typeset by Manim's LaTeX and inlined; ids numbered from `first`."""
    parts = []
    for formula in formulas:
        mobject = formula if isinstance(formula, MathTex) else MathTex(formula)
        text = Path(mobject.file_name).read_text(encoding="utf-8")
        label = html.escape(mobject.tex_string, quote=True)
        svg = inline_svg(text, f"f{first + len(parts)}-")
        parts.append(f'<div class="formula" role="img" aria-label="{label}">{svg}</div>')
    return "\n".join(parts), first + len(parts)


# -- the page's prose ------------------------------------------------------------------------------
def beat_html(number: int, beat: Beat, formulas: str = "") -> str:
    """One beat's section: its heading, each step's video (if any) and narration, its formulas and
    the markers of the widgets that go after it."""
    lines = [f'<section class="beat" id="{beat.anchor}" aria-labelledby="{beat.anchor}-h">',
             f'<h2 id="{beat.anchor}-h">{number}. {html.escape(beat.chapter)}</h2>']  # fmt: skip
    for step in beat.steps:
        lines.append('<div class="step">')
        if step.title != beat.chapter or len(beat.steps) > 1:
            lines.append(f"<h3>{html.escape(step.title)}</h3>")
        if step.video:
            label = html.escape(step.title, quote=True)
            lines.append(
                f'<figure class="step-media"><video src="{step.video}" poster="{step.poster}" controls '
                f'preload="none" playsinline muted aria-label="{label}"></video></figure>'
            )
        lines.append(f"<p>{html.escape(step.notes)}</p>")
        lines.append("</div>")
    if formulas:
        lines.append(formulas)
    lines += [f"<!--widget:{name}-->" for name in WIDGET_AFTER.get(beat.scene, ())]
    lines.append("</section>")
    return "\n".join(lines)


def introduction(story: StoryInputs) -> str:
    """The page's opening lines: which network, what it was trained on, how to use the page."""
    accuracy = story.manifest.get("test_accuracy")
    trained = f", {accuracy:.1%} right on its test set" if isinstance(accuracy, (int, float)) else ""
    count = grouped(parameter_count(story.sizes)).replace("{,}", ",")
    return (
        f'<p class="lede">The story of a real network, told with its own numbers: a '
        f"{architecture(story.sizes)} {ACTIVATIONS[story.activation].label} network trained on "
        f"{html.escape(story.dataset.name)}{trained}. Every picture and every live figure below is "
        f"computed from its {count} weights and biases, which this page carries: draw, "
        f"hover, tap and drag, and the network answers, with no connection to anything.</p>"
    )


def table_of_contents(beats: list[Beat]) -> str:
    items = "".join(f'<li><a href="#{beat.anchor}">{html.escape(beat.chapter)}</a></li>' for beat in beats)
    return f'<nav class="toc" aria-labelledby="toc-h"><h2 id="toc-h">Contents</h2><ol>{items}</ol></nav>'


def lesson_content(
    config: StoryConfig, assets: Path, *, videos: bool = True, quality: str = "l", entries=None,
    media_dir: Path = Path("media"), jobs: int = 2, progress=None, cluster: str | None = None,
) -> str:  # fmt: skip
    """The page's prose for `config`'s story: the introduction, a table of contents and a section
    per beat of `entries` (default: every beat), with the videos in `assets` when `videos` (rendered
    locally, or on the Dask `cluster` at that scheduler address, where not in the cache)."""
    entries = list(catalog.STORY) if entries is None else list(entries)
    story = load_story_inputs(config)
    if videos:
        results = render_scenes(
            entries, config, QUALITIES[quality], media_dir, jobs, log=progress, cluster=cluster
        )
        failed = [result for result in results if result.error is not None]
        if failed:
            raise NNExplainError(f"{failed[0].entry.name} failed: {failed[0].error}")
        beats = rendered_beats(results, assets)
    else:
        beats = narrated_beats(entries, config, media_dir, quality)
    sections, count = [], 0
    # typeset in this process's own folder, as the narration's and the figures' formulas are (Manim
    # writes LaTeX's files without locks: a folder two builds share could hand one a half-written SVG)
    with typesetting(manim_config.pixel_width, {"verbosity": "ERROR"}):
        for number, beat in enumerate(beats, start=1):
            formulas, count = formula_html(formula_tex(beat.scene, story), count)
            sections.append(beat_html(number, beat, formulas))
    placed = {name for beat in beats for name in WIDGET_AFTER.get(beat.scene, ())}
    rest = [
        f"<!--widget:{name}-->" for names in WIDGET_AFTER.values() for name in names if name not in placed
    ]
    return "\n".join([introduction(story), table_of_contents(beats), *sections, *rest])
