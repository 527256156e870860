"""What dropping the glyphs' SVG sources (scenes.without_glyph_sources) saves, beside Manim as it is.

    python benchmarks/glyph_copies.py            # copies, then the 16 beats twice each way (about 2 minutes)
    python benchmarks/glyph_copies.py --copies   # only the copies (seconds)

Manim keeps, in every glyph of a Text, MathTex or Brace, the svgelements path it parsed the glyph
from; every copy (FadeIn, Transform, `.animate`) deep-copies it again. The library's text drops it.
The peer here is the same code with the drop switched off (its function body replaced by one that
returns the mobject unchanged), run in the same process after a warm-up pass, so that LaTeX and
Pango files are made once for both.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from manim import tempconfig  # noqa: E402

from network import DEFAULT_WEIGHTS, load_weights  # noqa: E402
from scenes import MathFormula, NetworkDiagram, caption, elided_matrix  # noqa: E402
from scenes.mobjects import text  # noqa: E402
from scenes.story.catalog import STORY  # noqa: E402
from scenes.story.inputs import StoryConfig  # noqa: E402
from tests.scene_rendering import render_last_frame  # noqa: E402


def _unchanged(mobject):
    return mobject


@contextmanager
def sources_kept():
    """The library as if it kept the glyph sources, as plain Manim does."""
    drop = text.without_glyph_sources.__code__
    text.without_glyph_sources.__code__ = _unchanged.__code__
    try:
        yield
    finally:
        text.without_glyph_sources.__code__ = drop


def copy_ms(mobject, repeats: int = 20) -> float:
    start = time.perf_counter()
    for _ in range(repeats):
        mobject.copy()
    return (time.perf_counter() - start) / repeats * 1000


def copies() -> None:
    model, _ = load_weights(DEFAULT_WEIGHTS)
    W = elided_matrix(model.weights[0], rows=[0, 1, 15], cols=[0, 1, 783])
    line = "The network's layers, one by one"
    builders = {
        "a 32-letter label": lambda: caption(line),
        "a 3 x 3 matrix formula": lambda: MathFormula(r"W = ", ("W", W)),
        "the 784-16-16-10 diagram": lambda: NetworkDiagram(model),
    }
    with sources_kept():
        kept = {name: build() for name, build in builders.items()}
    rows = [(name, kept[name], build()) for name, build in builders.items()]
    print(f"{'one copy of':28s} {'sources kept':>13s} {'dropped':>9s}")
    for name, kept, dropped in rows:
        print(f"{name:28s} {copy_ms(kept):10.1f} ms {copy_ms(dropped):6.1f} ms")


def beats_seconds() -> float:
    """CPU seconds to run the 16 beats of the shipped story to their last frames (animations skipped)."""
    start = time.process_time()
    with tempfile.TemporaryDirectory() as media:
        for entry in STORY:
            render_last_frame(entry.load(), Path(media), StoryConfig())
    return time.process_time() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--copies", action="store_true", help="only the copies")
    only_copies = parser.parse_args().copies
    with tempconfig({"verbosity": "ERROR"}):
        copies()
    if only_copies:
        return
    beats_seconds()  # warm-up: LaTeX and Pango files made once, modules imported
    kept, dropped = [], []
    for _ in range(2):
        with sources_kept():
            kept.append(beats_seconds())
        dropped.append(beats_seconds())
    print(f"16 beats to their last frames: {min(kept):.1f} s of CPU with the sources kept, "
          f"{min(dropped):.1f} s dropped (best of 2 each)")  # fmt: skip


if __name__ == "__main__":
    main()
