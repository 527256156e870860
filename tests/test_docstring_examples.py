"""Every `>>>` example in the docstrings of `network` and `scenes` runs as written (a doctest: the
outputs it shows are checked), and every Scene an example defines is rendered for real with plain
Manim at low quality, its video read back: what `help(scenes.NetworkDiagram)` shows a user works."""

from __future__ import annotations

import doctest
import importlib
import pkgutil
from pathlib import Path

import av
import numpy as np
import pytest
from manim import Scene, tempconfig

import network
import scenes

REPO = Path(__file__).resolve().parents[1]


def library_modules() -> list[str]:
    """Every module of the two packages, found by walking them (a new module is checked too)."""
    names = ["network", "scenes"]
    for package in (network, scenes):
        names += [info.name for info in pkgutil.walk_packages(package.__path__, package.__name__ + ".")]
    return sorted(names)


def examples() -> list[doctest.DocTest]:
    found = []
    for name in library_modules():
        module = importlib.import_module(name)
        found += [test for test in doctest.DocTestFinder().find(module, name) if test.examples]
    return sorted(found, key=lambda test: test.name)


EXAMPLES = examples()


def test_the_library_documents_its_public_classes_with_examples():
    names = {test.name for test in EXAMPLES}
    for documented in (
        "scenes",
        "network",
        "scenes.mobjects.network_diagram.NetworkDiagram",
        "scenes.mobjects.dense_column.DenseColumn",
        "scenes.mobjects.pixel_grid.PixelGrid",
        "scenes.mobjects.pixel_grid.WeightHeatmap",
        "scenes.mobjects.pixel_grid.ColourBar",
        "scenes.choices.diagram_choices",
        "scenes.choices.selection",
    ):
        assert documented in names, documented
    assert len(EXAMPLES) >= 25


def rendered_last_frame(scene_class: type[Scene], media_dir: Path) -> np.ndarray:
    """Render `scene_class` to a 480p15 video with every animation played; its last frame."""
    options = {"quality": "low_quality", "media_dir": str(media_dir), "disable_caching": True,
               "write_to_movie": True, "progress_bar": "none", "verbosity": "ERROR"}  # fmt: skip
    with tempconfig(options):
        scene = scene_class()
        scene.render()
        video = Path(scene.renderer.file_writer.movie_file_path)
    with av.open(str(video)) as container:
        *_, frame = container.decode(video=0)
        return frame.to_ndarray(format="rgb24")


@pytest.mark.parametrize("example", EXAMPLES, ids=lambda test: test.name)
def test_docstring_example_runs_as_written(example, tmp_path, monkeypatch):
    for folder in ("network", "tests"):  # the examples name files as a user in a checkout would
        (tmp_path / folder).symlink_to(REPO / folder)
    monkeypatch.chdir(tmp_path)  # and what they write lands here
    runner = doctest.DocTestRunner(optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    before = set(example.globs)
    failures = []
    with tempconfig({"verbosity": "ERROR", "media_dir": str(tmp_path / "media")}):  # no log among outputs
        runner.run(example, out=failures.append, clear_globs=False)
    assert runner.failures == 0, "".join(failures)
    defined = [
        value
        for key, value in example.globs.items()
        if key not in before
        and isinstance(value, type)
        and issubclass(value, Scene)
        and value.__module__ == example.globs["__name__"]  # defined by the example, not imported
    ]
    for scene_class in defined:
        frame = rendered_last_frame(scene_class, tmp_path / "media")
        assert frame.shape == (480, 854, 3)
        assert np.ptp(frame.reshape(-1, 3), axis=0).max() > 100, scene_class  # something is drawn
