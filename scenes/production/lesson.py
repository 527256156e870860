"""The interactive lesson: the whole story as one offline page (`nnexplain lesson`), the steps'
narration as its prose, with live widgets computed in the page from the real weights.

`lesson_data(weights)` is what the page's widgets read (the network, its preprocessing, its test
sample); `page_html(data, content, title=..., theme=...)` fills lesson_page/template.html with it,
the prose and the widgets (lesson_page/widgets.html and its scripts); `build_lesson(weights, out)`
writes `out/index.html` (and `out/assets/` with the beats' videos and posters), whole or not at all.

    >>> from network import DEFAULT_WEIGHTS
    >>> data = lesson_data(DEFAULT_WEIGHTS)
    >>> data["title"], data["sizes"], data["activation"], data["preprocessing"], data["start"]
    ('But what is a neural network?', [784, 16, 16, 10], 'sigmoid', None, 32)
    >>> html = page_html(data, "<p>Hello</p><!--widget:draw-->", title=data["title"], theme="light")
    >>> '<body class="theme-light">' in html, 'data-widget="draw"' in html
    (True, True)
"""

from __future__ import annotations

import base64
import html
import json
import os
import re
import shutil
import tempfile
from pathlib import Path

import numpy as np

from network.errors import NNExplainError
from scenes.mobjects.theme import THEMES
from scenes.production.slides import move_into_place
from scenes.story.inputs import StoryConfig, load_story_inputs
from scenes.story.title import story_title

__all__ = [
    "MAX_PARAMETERS",
    "PAGE_DIR",
    "SCRIPTS",
    "WIDGETS",
    "build_lesson",
    "check_page_network",
    "lesson_data",
    "page_html",
    "widget_blocks",
]

PAGE_DIR = Path(__file__).parent / "lesson_page"
SCRIPTS = ("network.js", "drawing.js", "diagram.js", "panels.js", "widgets.js")  # inlined in this order
WIDGETS = ("draw", "network", "neuron", "matrix", "samples")
MAX_PARAMETERS = 300_000  # 3.2 MB of weights in the page: beyond that it no longer opens at once
_PLACEHOLDER = re.compile(r"\{\{(TITLE|THEME|STYLE|CONTENT|DATA|SCRIPTS)\}\}")
_MARKER = re.compile(r"<!--widget:([a-z]+)-->")


def _base64(array: np.ndarray, dtype: str) -> str:
    return base64.b64encode(np.ascontiguousarray(array, dtype=dtype).tobytes()).decode("ascii")


def check_page_network(story) -> None:
    """One clear error for a network whose page would not open at once (the story's inputs, as
    scenes.story.inputs loads them, have already refused what no scene can show)."""
    count = sum(W.size + b.size for W, b in zip(story.weights, story.biases))
    if count > MAX_PARAMETERS:
        raise NNExplainError(
            f"{story.weights_path}: {count:,} weights and biases are too many for a lesson page "
            f"(at most {MAX_PARAMETERS:,}, such as 784-128-64-10 or smaller)"
        )


def lesson_data(
    weights: Path, digit: int | None = None, image: Path | None = None, *, title: str | None = None,
    data_dir: Path | None = None,
) -> dict:  # fmt: skip
    """The page's data JSON (the README's "The interactive lesson"): the network's layers as base64 float64
    little-endian, its preprocessing, classes and image side, its test sample as raw uint8 pixels,
    and the input the story starts from (`digit`, a test-set index, or the user's `image`), loaded
    exactly as the scenes load them. One clear error for weights the page cannot show."""
    config = StoryConfig(weights=weights, digit=digit, image=image, data_dir=data_dir)
    story = load_story_inputs(config)
    check_page_network(story)
    preprocessing = story.preprocessing
    sample_pixels = np.rint(story.sample.pixels.reshape(len(story.sample.labels), -1) * 255)
    data = {
        "title": title or story_title(story.manifest),
        "side": story.side,
        "sizes": list(story.sizes),
        "activation": story.activation,
        "classes": list(story.classes),
        "preprocessing": None
        if preprocessing.is_identity
        else {"mean": preprocessing.mean, "std": preprocessing.std},
        "layers": [
            {"weights": _base64(W, "<f8"), "biases": _base64(b, "<f8")}
            for W, b in zip(story.weights, story.biases)
        ],
        "sample": {
            "images": _base64(np.clip(sample_pixels, 0, 255), "u1"),
            "labels": [int(label) for label in story.sample.labels],
        },
        "start": -1,
    }
    followed = int(story.digit.indices[0])
    if not story.follows_own_image and 0 <= followed < len(story.sample.labels):
        data["start"] = followed
    else:
        data["start_pixels"] = [float(value) for value in story.digit.pixels[0].reshape(-1)]
    return data


def _page_file(name: str) -> str:
    """A file of lesson_page/, or '' while it is not there (a widget written later)."""
    path = PAGE_DIR / name
    return path.read_text(encoding="utf-8") if path.is_file() else ""


def widget_blocks(text: str | None = None) -> dict[str, str]:
    """The widgets' markup by name, cut from widgets.html between <!--begin:NAME--> and <!--end:NAME-->.

    >>> widget_blocks("<!--begin:draw--><canvas id='draw'></canvas><!--end:draw-->")
    {'draw': "<canvas id='draw'></canvas>"}
    """
    text = _page_file("widgets.html") if text is None else text
    return dict(re.findall(r"<!--begin:([a-z]+)-->(.*?)<!--end:\1-->", text, flags=re.S))


def theme_variables() -> str:
    """The page's colours from the themes of the videos: body.theme-dark / body.theme-light."""
    rules = []
    for name, theme in THEMES.items():
        values = {
            "bg": theme.background, "text": theme.text, "muted": theme.muted, "accent": theme.positive,
            "focus": theme.highlight, "rule": theme.grid_line,
        }  # fmt: skip
        rules.append(
            f"body.theme-{name} {{ {' '.join(f'--{key}: {value};' for key, value in values.items())} }}"
        )
    return "\n".join(rules)


def page_html(data: dict, content_html: str, *, title: str, theme: str = "dark") -> str:
    """The page: template.html with the title, theme, styles, prose (each <!--widget:NAME--> marker
    replaced by that widget's block; a missing one by nothing), data JSON and scripts filled in."""
    if theme not in THEMES:
        raise NNExplainError(f"unknown theme {theme!r}; choose one of {', '.join(THEMES)}")
    blocks = widget_blocks()
    content = _MARKER.sub(lambda match: blocks.get(match.group(1), ""), content_html)
    scripts = "\n;\n".join(_page_file(name) for name in SCRIPTS).replace("</script", "<\\/script")
    values = {
        "TITLE": html.escape(title),
        "THEME": f"theme-{theme}",
        "STYLE": theme_variables() + "\n" + _page_file("lesson.css"),
        "CONTENT": content,
        "DATA": json.dumps(data, ensure_ascii=False, separators=(",", ":")).replace("</", "<\\/"),
        "SCRIPTS": scripts,
    }
    return _PLACEHOLDER.sub(lambda match: values[match.group(1)], _page_file("template.html"))


def check_out_dir(out_dir: Path) -> None:
    """One clear error if the lesson cannot go into folder `out_dir` (a file, or in its way)."""
    out_dir = Path(out_dir)
    if out_dir.exists() and not out_dir.is_dir():
        raise NNExplainError(f"cannot write the lesson into {out_dir}: it is a file, not a folder")
    above = next((folder for folder in out_dir.absolute().parents if folder.exists()), None)
    if above is not None and not above.is_dir():
        raise NNExplainError(f"cannot write the lesson into {out_dir}: {above} is a file, not a folder")
    for name, folder in (("index.html", False), ("assets", True)):
        target = out_dir / name
        if target.is_symlink() or (target.exists() and target.is_dir() != folder):
            kind = "a link" if target.is_symlink() else "a folder" if target.is_dir() else "a file"
            raise NNExplainError(
                f"cannot write the lesson: {target} is {kind}; remove it or choose another --out"
            )


def publish(build: Path, out_dir: Path) -> None:
    """Move the built page (and its assets) from `build` into `out_dir`: a new folder in one rename;
    into an existing one the assets first and the page last, leaving anything else there alone."""
    if not out_dir.exists():
        build.rename(out_dir)
        return
    if (build / "assets").is_dir():
        move_into_place(build / "assets", out_dir / "assets", backup=build / "old-assets")
    (build / "index.html").replace(out_dir / "index.html")


def build_lesson(
    weights: Path, out_dir: Path, *, digit: int | None = None, image: Path | None = None,
    theme: str = "dark", quality: str = "l", videos: bool = True, title: str | None = None,
    media_dir: Path = Path("media"), jobs: int = 2, progress=None, data_dir: Path | None = None,
    entries=None, history: Path | None = None, cluster: str | None = None,
) -> Path:  # fmt: skip
    """Write the lesson page `out_dir/index.html` (with `out_dir/assets/` when `videos`), built in
    a hidden folder beside `out_dir` and moved into place at the end; return the page's path.
    `entries`: the beats to tell (default every beat of the story); `progress(line)` hears of each
    scene rendered or found in the cache; `cluster`: a Dask scheduler's address to render on."""
    from scenes.production.lesson_content import lesson_content  # deferred: Manim, kept out of start-up

    out_dir = Path(out_dir)
    check_out_dir(out_dir)
    data = lesson_data(weights, digit, image, title=title, data_dir=data_dir)
    config = StoryConfig(
        weights=weights, digit=digit, image=image, theme=theme, data_dir=data_dir, history=history
    )
    parent = out_dir.absolute().parent
    made = [folder for folder in (parent, *parent.parents) if not folder.exists()]  # removed on failure
    try:
        parent.mkdir(parents=True, exist_ok=True)
        build = Path(tempfile.mkdtemp(prefix=f".{out_dir.name}.lesson-", dir=parent))
        umask = os.umask(0)
        os.umask(umask)
        build.chmod(0o777 & ~umask)  # (mkdtemp's 0700) as a folder made by mkdir: it may become out_dir
    except OSError as exc:
        remove_empty(made)
        raise NNExplainError(f"cannot write to {parent}: {exc.strerror or exc}") from None
    done = False
    try:
        content = lesson_content(
            config, build / "assets", videos=videos, quality=quality, media_dir=media_dir, jobs=jobs,
            progress=progress, entries=entries, cluster=cluster,
        )  # fmt: skip
        (build / "index.html").write_text(page_html(data, content, title=data["title"], theme=theme), "utf-8")
        try:
            publish(build, out_dir)
        except OSError as exc:
            raise NNExplainError(f"cannot write the lesson into {out_dir}: {exc.strerror or exc}") from None
        done = True
    finally:
        shutil.rmtree(build, ignore_errors=True)
        if not done:
            remove_empty(made)
    return out_dir / "index.html"


def remove_empty(folders) -> None:
    """Remove `folders` (innermost first) where they are empty: the ones a failed build made."""
    for folder in folders:
        try:
            folder.rmdir()
        except OSError:
            return
