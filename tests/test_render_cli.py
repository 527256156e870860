"""`nnexplain scenes | render | explainer`: real scenes rendered by real manim subprocesses at -q l.

Scenes used: ThisIsAThree and PixelsToInputLayer (scenes/story/) for rendering and joining,
WeightedSum for the missing-LaTeX error.
"""

from __future__ import annotations

import struct
from pathlib import Path

import av
import numpy as np
import pytest

from scenes.cli import main
from scenes.production import render as render_module
from scenes.production.cache_key import ENCODER_OPTIONS, source_closure
from scenes.production.render import QUALITIES, cache_key, fingerprint, last_error_line
from scenes.production.video_files import video_summary
from scenes.story.catalog import PROJECT_ROOT, STORY, SceneEntry, find
from scenes.story.inputs import StoryConfig
from tests.cli_errors import assert_one_error_line

# pytest-xdist: the whole file on one worker (its module fixture renders and joins two scenes once)
pytestmark = pytest.mark.xdist_group("render-cli")

SHORT = ["this-is-a-three", "pixels-to-input-layer"]


def run(capsys, *args) -> tuple[int, str, str]:
    code = main([str(arg) for arg in args])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def frame_count(path: Path) -> int:
    with av.open(str(path)) as container:
        return sum(1 for _ in container.decode(video=0))


@pytest.fixture(scope="module")
def explained(tmp_path_factory):
    """The two short scenes rendered and joined once, for the tests below to inspect."""
    out = tmp_path_factory.mktemp("media")
    code = main(["explainer", "--only", ",".join(SHORT), "-q", "l", "--out", str(out), "-j", "2"])
    assert code == 0
    return out


def test_scenes_lists_every_scene_in_story_order(capsys):
    code, out, _ = run(capsys, "scenes")
    assert code == 0
    lines = out.strip().splitlines()
    assert [line.split()[0] for line in lines] == [entry.name for entry in STORY]
    assert [line.split()[1] for line in lines] == [entry.kebab for entry in STORY]
    assert "forward-pass" in out and STORY[0].description in lines[0]


def test_the_command_line_starts_without_importing_manim():
    import subprocess
    import sys

    code = (
        "import sys, scenes.cli, scenes; sys.exit('manim' in sys.modules"
        " or 'scenes.production.figure' in sys.modules or 'scenes.mobjects.network_diagram' in sys.modules)"
    )
    assert subprocess.run([sys.executable, "-c", code]).returncode == 0


def test_the_network_package_imports_nothing_from_scenes():
    import subprocess
    import sys

    code = (
        "import sys, network, network.cli, network.training, network.images; "
        "sys.exit(any(name == 'scenes' or name.startswith('scenes.') or name == 'manim' "
        "for name in sys.modules))"
    )
    assert subprocess.run([sys.executable, "-c", code]).returncode == 0


def test_rendered_scenes_are_decodable_480p15_videos(explained):
    for name in ("ThisIsAThree", "PixelsToInputLayer"):
        path = explained / "480p15" / f"{name}.mp4"
        width, height, fps, duration = video_summary(path)
        assert (width, height) == (854, 480)
        assert fps == pytest.approx(15, abs=0.01)
        assert duration > 2
        assert frame_count(path) == pytest.approx(duration * 15, abs=2)


def test_explainer_is_the_parts_joined_in_story_order(explained):
    parts = [explained / "480p15" / f"{name}.mp4" for name in ("ThisIsAThree", "PixelsToInputLayer")]
    joined = explained / "480p15" / "explainer.mp4"
    width, height, fps, duration = video_summary(joined)
    assert (width, height) == (854, 480) and fps == pytest.approx(15, abs=0.01)
    assert duration == pytest.approx(sum(video_summary(part)[3] for part in parts), abs=0.15)
    assert frame_count(joined) == sum(frame_count(part) for part in parts)
    with av.open(str(joined)) as container:  # the first frame is the first scene's first frame
        first = next(container.decode(video=0)).to_ndarray(format="rgb24").astype(int)
    with av.open(str(parts[0])) as container:
        expected = next(container.decode(video=0)).to_ndarray(format="rgb24").astype(int)
    assert np.abs(first - expected).mean() < 2


def test_second_explainer_run_renders_nothing(explained, capsys, monkeypatch):
    cached = sorted((explained / "scenes").rglob("*.mp4"))
    stamps = [path.stat().st_mtime_ns for path in cached]

    def no_rendering(*args, **kwargs):
        raise AssertionError("a cached scene was rendered again")

    monkeypatch.setattr(render_module.Workers, "render", no_rendering)
    code, out, err = run(capsys, "explainer", "--only", SHORT[1], "--only", SHORT[0], "--out", explained)
    assert code == 0, err
    assert "2 scenes (0 rendered, 2 cached)" in err
    assert out.strip().endswith("explainer.mp4")
    assert [path.stat().st_mtime_ns for path in cached] == stamps
    code, out, err = run(capsys, "render", "ThisIsAThree", "--out", explained)  # render re-uses it too
    assert code == 0 and out.strip().endswith("480p15/ThisIsAThree.mp4") and "cached" in err
    # publishing again over a hard link to the same cached file leaves no temporary name behind
    assert not [path for path in explained.rglob(".*")], sorted(explained.rglob(".*"))


def test_cache_key_follows_every_input():
    entry = find("ThisIsAThree")
    shipped = StoryConfig(PROJECT_ROOT / "network" / "weights" / "default.npz")
    keys = {
        cache_key(entry, fingerprint(config), QUALITIES[q])
        for config, q in [
            (shipped, "l"),
            (shipped, "m"),
            (StoryConfig(shipped.weights, theme="light"), "l"),
            (StoryConfig(shipped.weights, digit=7), "l"),
            (StoryConfig(shipped.weights, full_edges=True), "l"),
            (StoryConfig(shipped.weights.with_name("relu.npz")), "l"),
        ]
    }
    assert len(keys) == 6
    # ReLUvsSigmoid also shows the shipped twin of the network it is given: both shipped files count
    names = {line.split("=")[0] for line in fingerprint(shipped).splitlines()}
    assert {"default.npz", "relu.npz", "mnist_test_sample.npz", "manim_settings"} <= names
    sources = {path.name for path in source_closure(entry.module)}
    assert {
        "this_is_a_three.py",
        "base.py",
        "theme.py",
        "inputs.py",
        "pixel_grid.py",
        "weights_file.py",
    } <= sources
    assert "forward_pass.py" not in sources and "network_diagram.py" not in sources


def test_cache_key_follows_the_manim_settings(monkeypatch):
    """The encoder settings travel with the package and are part of every scene's key."""
    entry, config = find("ThisIsAThree"), StoryConfig()
    before = cache_key(entry, fingerprint(config), QUALITIES["l"])
    monkeypatch.setitem(render_module.MANIM_SETTINGS, "encoder_queue_size", 8)
    queue = cache_key(entry, fingerprint(config), QUALITIES["l"])
    assert queue != before
    monkeypatch.setitem(ENCODER_OPTIONS["webm"], "cpu-used", "4")
    assert cache_key(entry, fingerprint(config), QUALITIES["l"]) not in (before, queue)


# -- errors: one line, non-zero exit, nothing half-written -------------------------------------------
def test_unknown_scene_suggests_the_closest_names(capsys, tmp_path):
    code, stdout, err = run(capsys, "render", "forwrd-pass", "--out", tmp_path / "media")
    assert_one_error_line(code, stdout, err, "unknown scene 'forwrd-pass'", "forward-pass")
    assert not (tmp_path / "media").exists()


def test_bad_quality_letter(capsys, tmp_path):
    code, stdout, err = run(capsys, "render", "ThisIsAThree", "-q", "x", "--out", tmp_path)
    assert_one_error_line(code, stdout, err, "'x' is not one of")


def test_digit_out_of_range(capsys, tmp_path, monkeypatch, mnist_uint8):
    data = tmp_path / "idx"  # the first 1001 MNIST test digits as IDX files: index 5000 is beyond them
    data.mkdir()
    images, labels = mnist_uint8["test_images"][:1001], mnist_uint8["test_labels"][:1001]
    (data / "t10k-images-idx3-ubyte").write_bytes(
        struct.pack(">IIII", 0x803, 1001, 28, 28) + images.tobytes()
    )
    (data / "t10k-labels-idx1-ubyte").write_bytes(struct.pack(">II", 0x801, 1001) + labels.tobytes())
    monkeypatch.setenv("NNEXPLAIN_DATA", str(data))
    code, stdout, err = run(capsys, "render", "ThisIsAThree", "--digit", "5000", "--out", tmp_path / "media")
    assert_one_error_line(code, stdout, err, "5000 is out of range")
    code, stdout, err = run(capsys, "explainer", "--digit", "-3", "--out", tmp_path / "media")
    assert_one_error_line(code, stdout, err, "--digit")
    assert not (tmp_path / "media").exists()


def test_unreadable_image_and_invalid_weights(capsys, tmp_path):
    broken_image, broken_weights = tmp_path / "digit.png", tmp_path / "weights.npz"
    broken_image.write_bytes(b"not a png at all")
    broken_weights.write_bytes(b"PK\x03\x04 truncated")
    code, stdout, err = run(
        capsys, "render", "ThisIsAThree", "--image", broken_image, "--out", tmp_path / "media"
    )
    assert_one_error_line(code, stdout, err, "digit.png", "not a readable image")
    code, stdout, err = run(capsys, "explainer", "--weights", broken_weights, "--out", tmp_path / "media")
    assert_one_error_line(code, stdout, err, "weights.npz", "not a valid .npz")
    assert not (tmp_path / "media").exists()


def test_output_directory_that_is_a_file(capsys, tmp_path):
    blocker = tmp_path / "media"
    blocker.write_text("a file where the output directory should be")
    for out in (blocker, blocker / "inside"):
        code, stdout, err = run(capsys, "render", "ThisIsAThree", "--out", out)
        assert_one_error_line(code, stdout, err, "cannot write to")
    assert blocker.read_text().startswith("a file")


def test_output_directory_without_permission(capsys, tmp_path, monkeypatch):
    def refuse(
        *args, **kwargs
    ):  # what a read-only directory answers (tests may run as root, who may write anywhere)
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(render_module.tempfile, "NamedTemporaryFile", refuse)
    code, stdout, err = run(capsys, "explainer", "--out", tmp_path / "media")
    assert_one_error_line(code, stdout, err, "cannot write to", "Permission denied")
    assert not list(tmp_path.rglob("*.mp4"))


def test_missing_latex_reaches_the_user_as_one_line(capsys, tmp_path, monkeypatch):
    monkeypatch.setenv("PATH", str(tmp_path))  # no latex, no dvisvgm: the scene's own check fires
    code, out, err = run(capsys, "render", "weighted-sum", "--out", tmp_path / "media")
    assert_one_error_line(
        code, out, err, "WeightedSum failed", "need latex", "apt-get install", progress=True
    )
    assert not list((tmp_path / "media").rglob("*.mp4")) and out == ""


def test_a_failing_scene_keeps_the_others_and_is_named(capsys, explained, monkeypatch, tmp_path):
    broken = SceneEntry("NoSuchScene")  # no scenes/story/no_such_scene.py
    monkeypatch.setattr("scenes.story.catalog.STORY", [find("ThisIsAThree"), broken])
    out = tmp_path / "media"
    for cached in (explained / "scenes").glob("*/ThisIsAThree.mp4"):  # already rendered: re-use it
        target = out / "scenes" / cached.parent.name
        target.mkdir(parents=True)
        (target / "ThisIsAThree.mp4").write_bytes(cached.read_bytes())
    code, stdout, err = run(capsys, "render", "--all", "--out", out)
    # stdout lists the scenes that were made (checked below); stderr reports ThisIsAThree as cached
    failed = ("NoSuchScene failed", "No module named 'scenes.story.no_such_scene'")
    assert_one_error_line(code, "", err, *failed, progress=True)
    assert stdout.strip().endswith("480p15/ThisIsAThree.mp4")
    assert (out / "480p15" / "ThisIsAThree.mp4").is_file()
    assert not list(out.rglob("NoSuchScene*")) and not list(out.rglob(".NoSuchScene.*"))


def test_last_error_line_reads_a_rich_traceback():
    stderr = (
        "╭───── Traceback (most recent call last) ─────╮\n│ /x/scene.py:12 in construct │\n"
        "╰─────────────────────────────────────────────╯\nValueError: the matrix is empty\n\n"
    )
    assert last_error_line(stderr) == "ValueError: the matrix is empty"
    assert (
        last_error_line("noise\nnnexplain-worker-error: the real reason\nmore noise\n") == "the real reason"
    )


def test_relative_paths_work_from_any_directory(capsys, tmp_path, monkeypatch, mnist_uint8):
    """The workers run in the project folder: the user's relative paths must still name their files."""
    from PIL import Image

    monkeypatch.chdir(tmp_path)
    (tmp_path / "net.npz").write_bytes((PROJECT_ROOT / "network/weights/relu.npz").read_bytes())
    Image.fromarray(255 - mnist_uint8["test_images"][0]).resize((84, 84)).save("digit.png")
    code, out, err = run(capsys, "render", "ThisIsAThree", "--weights", "net.npz", "--image", "digit.png",
                         "--out", "media")  # fmt: skip
    assert code == 0, err
    assert Path(out.strip()).resolve() == tmp_path / "media" / "480p15" / "ThisIsAThree.mp4"
    assert video_summary(tmp_path / "media" / "480p15" / "ThisIsAThree.mp4")[3] > 5
