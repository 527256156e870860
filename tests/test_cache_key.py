"""The render cache's key follows the source of each beat and of everything it imports: moving or
editing a file invalidates exactly the beats that use it, in a copy of the project."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
KEYS = (
    "import json; from scenes.story.catalog import STORY; from scenes.production.cache_key import cache_key;"
    "from scenes.production.render import QUALITIES;"
    "print(json.dumps({e.name: cache_key(e, 'same inputs', QUALITIES['l']) for e in STORY}))"
)


@pytest.fixture
def project(tmp_path) -> Path:
    copy = tmp_path / "project"
    for package in ("scenes", "network"):
        shutil.copytree(REPO / package, copy / package, ignore=shutil.ignore_patterns("__pycache__", "*.npz"))
    return copy


def keys(project: Path) -> dict[str, str]:
    done = subprocess.run(
        [sys.executable, "-c", KEYS],
        cwd=project,
        env={"PYTHONPATH": str(project)},
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def changed(before: dict, after: dict) -> set[str]:
    assert before.keys() == after.keys()
    return {name for name in before if before[name] != after[name]}


def test_moving_a_module_invalidates_exactly_the_beats_that_import_it(project):
    before = keys(project)
    assert len(set(before.values())) == len(before) == 16
    (project / "scenes/choices/digit_parts.py").rename(project / "scenes/narration/digit_parts.py")
    for path in project.rglob("*.py"):
        text = path.read_text()
        if "scenes.choices.digit_parts" in text:
            path.write_text(text.replace("scenes.choices.digit_parts", "scenes.narration.digit_parts"))
    assert changed(before, keys(project)) == {"WhyLayers"}


def test_editing_a_module_invalidates_exactly_the_beats_that_use_it(project):
    before = keys(project)
    plot = project / "scenes/mobjects/activation_plot.py"
    plot.write_text(plot.read_text() + "\n# an edit\n")
    assert changed(before, keys(project)) == {"BiasAndSigmoid", "ReLUvsSigmoid"}
    middle = keys(project)
    options = project / "scenes/cli/options.py"  # the command line renders nothing itself
    options.write_text(options.read_text() + "\n# an edit\n")
    assert changed(middle, keys(project)) == set()


def test_editing_the_render_worker_invalidates_every_beat(project):
    before = keys(project)
    recorder = project / "scenes/production/step_recorder.py"  # imported by the worker, not by any beat
    recorder.write_text(re.sub(r"\Z", "\n# an edit\n", recorder.read_text()))
    assert changed(before, keys(project)) == set(before)
