"""The command line as a whole, fuzzed with hypothesis: random combinations of the documented
commands, options and values (wrong types, negative and huge numbers, odd paths: symlinks,
directories, special files, non-UTF-8 and very long names) never end in a traceback. Each run
succeeds, or prints exactly one `nnexplain: error:` line and exits non-zero; and no file outside
the outputs it names (or its default output folder) is created or changed.

Rendering commands render a tiny real scene (tests/tiny_scene.py) at quality l, through the real
worker processes; training runs on 600 real MNIST digits."""

from __future__ import annotations

import os
import shutil
import socket
import stat
import tempfile
import wave
from pathlib import Path

import numpy as np
from hypothesis import HealthCheck, example, given, reject, settings
from hypothesis import strategies as st
from PIL import Image

from network.model import MLP
from network.weights_file import DEFAULT_WEIGHTS, save_weights
from scenes.story.catalog import SceneEntry
from tests.conftest import closed_port, write_idx_dir

TINY = SceneEntry("TinyScene", "tests.tiny_scene")
NARRATED = SceneEntry("TinyNarratedScene", "tests.tiny_scene")  # a second beat, with two spoken steps
SLOW_JOINS = 5  # at most this many examples join beats with a voice or an alpha channel (slow)
JOINS: list[tuple[list[str], int]] = []  # (command, exit status) of each of those examples
REPO = Path(__file__).resolve().parents[1]
OUTCOMES: list[tuple[str, int, bool]] = []  # (command, exit status, wrote a named output) of each example
# never named as an output: a FIFO waits for its reader, as with cp


def make_sandbox(root: Path, mnist_uint8: dict) -> Path:
    """A folder of good and odd paths for the fuzz to name (a fresh one for every example)."""
    (root / "good.npz").write_bytes(DEFAULT_WEIGHTS.read_bytes())
    for name in ("keras_sigmoid.keras", "torch_relu.pt", "torch_conv.safetensors"):  # models to import
        (root / name).write_bytes((REPO / "tests" / "fixtures" / "imports" / name).read_bytes())
    (root / "takes").mkdir()  # recordings for --voice: a tone for each of NARRATED's steps
    for number in (1, 2):
        tone(root / "takes" / f"TinyNarratedScene.{number}.wav", 0.4 * number)
    (root / "names.txt").write_text("\n".join(f"class {k}" for k in range(10)))
    save_weights(MLP.initialise((784, 10), seed=1), root / "flat.npz", {"seed": 1})
    (root / "garbage.npz").write_bytes(b"PK\x03\x04 not really")
    Image.fromarray(255 - mnist_uint8["test_images"][0]).resize((112, 112)).save(root / "digit.png")
    (root / "text.png").write_text("not an image")
    (root / "adir").mkdir()
    (root / "afile").write_text("a file where a folder is expected")
    (root / "link.npz").symlink_to("good.npz")
    (root / "dangling.npz").symlink_to("missing.npz")
    (root / "dirlink").symlink_to("adir")
    os.mkfifo(root / "fifo")
    socket.socket(socket.AF_UNIX).bind(str(root / "socket"))
    if os.geteuid() == 0:
        os.mknod(root / "null-device", stat.S_IFCHR | 0o666, os.makedev(1, 3))
    write_idx_dir(root / "data", {"train_images": mnist_uint8["train_images"][:600],
                                  "train_labels": mnist_uint8["train_labels"][:600],
                                  "test_images": mnist_uint8["test_images"][:100],
                                  "test_labels": mnist_uint8["test_labels"][:100]})  # fmt: skip
    return root


PATHS = [
    "good.npz", "flat.npz", "garbage.npz", "digit.png", "text.png", "adir", "afile", "afile/inside.npz",
    "link.npz", "dangling.npz", "missing.npz", "fifo", "socket", "null-device", "data", "-", "dirlink",
    "dirlink/new.npz", "dangling-dir/x.npz", "new\nline.npz", os.fsdecode(b"caf\xe9-\xff.npz"),
    "x" * 300 + ".npz", "out/new.npz", "out/new.png", "out/new.svg", "",
]  # fmt: skip
paths = st.sampled_from(PATHS)
CLOSED = f"tcp://127.0.0.1:{closed_port()}"  # a Dask scheduler address where nothing answers
fresh = st.sampled_from(["out/new.npz", "out/new.png", "out/new.svg", "out/deeper/new.npz", "link.npz"])
outputs = st.one_of(
    fresh, fresh, st.sampled_from([p for p in PATHS if p not in ("fifo", "")])
)  # mostly good ones
numbers = st.one_of(
    st.sampled_from(["0", "1", "3", "7"]),  # valid values come up often, so that many runs succeed and write
    st.sampled_from(["0", "1", "3", "7"]),
    st.integers(-(10**20), 10**20).map(str),
    st.sampled_from(["-1", "nan", "inf", "-inf", "1e999", "0x10", "", " ", "٣", "1.5", "ten"]),
)
small = st.sampled_from(["1", "2", "0", "-1", "10001", "99999999999999999999", "1.5", "x"])
models = st.sampled_from(["keras_sigmoid.keras", "torch_relu.pt", "torch_conv.safetensors", "good.npz",
                          "garbage.npz", "adir", "missing.onnx", "fifo", "link.npz", "-"])  # fmt: skip
scene_names = st.sampled_from(["TinyScene", "tiny-scene", "tiny_scene", "nope", "", "--all"])

OPTIONS = {
    "train": {"--data-dir": st.sampled_from(["data", "adir", "missing", "afile", "good.npz"]),
              "--sizes": st.sampled_from(["784,16,10", "784,10", "10", "784,0,10", "a,b", "784,70000,10", "",
                                          "784,16,16,9", "784,-5,10"]),
              "--activation": st.sampled_from(["sigmoid", "relu", "tanh", ""]), "--epochs": small,
              "--batch-size": numbers, "--learning-rate": numbers, "--shift": numbers, "--seed": numbers,
              "--snapshots": paths, "--out": outputs, "--quiet": None, "--resume": None,
              "--classes": st.sampled_from(["names.txt", "a,b", "a,b,c,d,e,f,g,h,i,j", "", "missing"])},
    "import": {"--out": outputs, "--activation": st.sampled_from(["sigmoid", "relu", "tanh"]),
               "--normalize": st.sampled_from(["0.1307,0.3081", "0,1", "0,0", "nan,1", "1", "a,b", ""]),
               "--classes": st.sampled_from(["names.txt", "a,b", "a,b,c,d,e,f,g,h,i,j", "", "adir"]),
               "--name": st.sampled_from(["Mine", "", "new\nline"]),
               "--data-dir": st.sampled_from(["data", "missing", "afile", "adir"])},
    "evaluate": {"--weights": paths, "--data-dir": st.sampled_from(["data", "adir", "missing", "afile"])},
    "predict": {"--weights": paths, "--digit": numbers, "--image": paths, "--json": None,
                "--data-dir": st.sampled_from(["data", "missing"])},
    "export-activations": {"--weights": paths, "--digit": numbers, "--image": paths, "--out": outputs,
                           "--data-dir": st.sampled_from(["data", "missing"])},
    "render": {"--weights": paths, "--digit": numbers, "--image": paths,
               "--theme": st.sampled_from(["dark", "sepia"]),
               "-q": st.sampled_from(["l", "x", ""]), "--out": outputs, "-j": numbers, "--full-edges": None,
               "--transparent": st.sampled_from(["mov", "gif"]),
               "--voice": st.sampled_from(["adir", "afile"]),
               "--data-dir": st.sampled_from(["data", "missing", "afile"])},
    "explainer": {"--weights": paths, "--digit": numbers, "--theme": st.sampled_from(["light", "sepia"]),
                  "--out": outputs, "-j": small, "--only": scene_names,
                  "--voice": st.sampled_from(["tts", "takes", "adir", "afile"]),
                  "--transparent": st.sampled_from(["mov", "webm", "gif"])},
    "figure": {"--weights": paths, "--digit": numbers, "--image": paths, "--at": numbers, "--out": outputs,
               "--format": st.sampled_from(["png", "svg", "pdf", "gif"]), "--width": numbers,
               "--transparent": None, "--theme": st.sampled_from(["dark", "light", "sepia"]),
               "--history": st.sampled_from(["adir", "missing", "afile"])},
    "slides": {"--weights": paths, "--digit": numbers, "--image": paths, "--out": outputs, "--cache": outputs,
               "-q": st.sampled_from(["l", "x"]), "--name": st.sampled_from(["deck", "../x", "", ".hidden"]),
               "--format": st.sampled_from(["html", "pptx", "pdf", "gif"]), "--all": None, "-j": small,
               "--theme": st.sampled_from(["light", "sepia"]),
               "--handout-theme": st.sampled_from(["dark", "sepia"]),
               "--title": st.sampled_from(["Week 3", "", "a\nb"])},
    "history": {"--epochs": st.sampled_from(["0,last", "0,7", "x", "", "last"]), "--out": outputs,
                "--data-dir": st.sampled_from(["data", "missing"])},
    "lesson": {"--weights": paths, "--digit": numbers, "--image": paths, "--out": outputs,
               "--no-videos": None, "--cache": outputs, "--title": st.sampled_from(["Week 3", "", "a\nb"]),
               "--theme": st.sampled_from(["light", "sepia"])},
    "batch": {"--out": outputs, "-j": numbers, "--cluster": st.sampled_from([CLOSED, "nonsense"])},
    "scenes": {},
    "frobnicate": {"--out": outputs},
}  # fmt: skip


@st.composite
def command_lines(draw) -> list[str]:
    command = draw(st.sampled_from(sorted(OPTIONS)))
    argv = [command]
    if command in ("render", "figure", "slides"):
        argv.append(draw(scene_names))
    if command in ("history", "batch"):
        argv.append(draw(st.sampled_from(["adir", "missing", "afile", "good.npz", "-"])))
    if command == "import":
        argv.append(draw(models))
    for option in draw(
        st.lists(st.sampled_from(sorted(OPTIONS[command]) or ["--help"]), unique=True, max_size=6)
    ):
        strategy = OPTIONS[command].get(option)
        argv += [option] if strategy is None else [option, draw(strategy)]
    return argv


WELL_FORMED = {
    "export-activations": ["export-activations", "--digit", "3"],
    "figure": ["figure", "TinyScene", "--width", "320"],
    "train": ["train", "--epochs", "1", "--sizes", "784,16,10", "--quiet"],
    "import": ["import", "keras_sigmoid.keras"],
    "render": ["render", "tiny-scene"],
    "explainer": ["explainer", "-j", "1"],
    "slides": ["slides", "tiny-scene", "-q", "l", "--cache", "media"],
}


@st.composite
def well_formed_lines(draw) -> list[str]:
    """A command that would succeed, with an output to write and up to two random options on top."""
    command = draw(st.sampled_from(sorted(WELL_FORMED)))
    argv = [*WELL_FORMED[command], "--out", draw(outputs)]
    extra = sorted(set(OPTIONS[command]) - set(argv))
    for option in draw(st.lists(st.sampled_from(extra), unique=True, max_size=2)):
        strategy = OPTIONS[command][option]
        argv += [option] if strategy is None else [option, draw(strategy)]
    return argv


@st.composite
def voiced_joins(draw) -> list[str]:
    """An explainer of both beats with a voice (espeak-ng or the takes) and maybe an alpha channel."""
    argv = ["explainer", "-j", "1", "--voice", draw(st.sampled_from(["tts", "takes"]))]
    transparent = draw(st.sampled_from([None, "mov", "webm"]))
    argv += ["--transparent", transparent] if transparent else []
    return [*argv, "--out", draw(outputs)]


def slow(argv: list[str]) -> bool:
    """Whether the example joins beats with a voice or an alpha channel."""
    return argv[0] == "explainer" and ("--voice" in argv or "--transparent" in argv)


def tone(path: Path, seconds: float, rate: int = 16000) -> None:
    """A WAV file of a 440 Hz tone (Python's wave module)."""
    t = np.arange(round(seconds * rate)) / rate
    with wave.open(str(path), "wb") as audio:
        audio.setnchannels(1)
        audio.setsampwidth(2)
        audio.setframerate(rate)
        audio.writeframes((0.5 * 32767 * np.sin(2 * np.pi * 440 * t)).astype("<i2").tobytes())


def named_outputs(argv: list[str], root: Path) -> list[Path]:
    """What a command may write: each --out, --snapshots and --cache it names (and, through a
    symlink, its target), and the default folder."""
    named = [
        root / argv[k + 1] for k, word in enumerate(argv[:-1]) if word in ("--out", "--snapshots", "--cache")
    ]
    named += [Path(os.path.realpath(path)) for path in named]
    return [*named, root / "media"]


# what the project folder holds that is not the project's own files (never walked into)
NOT_PROJECT = frozenset({".git", ".venv", "__pycache__", ".pytest_cache", ".hypothesis", "media"})


def snapshot(root: Path, skip: list[Path]) -> dict:
    """(type, size, mtime, inode) of every path under `root` but the `skip` outputs (and, in the
    project folder, NOT_PROJECT: the walk never enters them, the virtual environment alone holds
    thousands of files)."""
    state = {}
    for folder, subfolders, files in os.walk(root):
        if root == REPO:
            subfolders[:] = [name for name in subfolders if name not in NOT_PROJECT]
        for name in subfolders + files:
            path = Path(folder, name)
            if any(path == out or out in path.parents or path in out.parents for out in skip):
                continue  # a named output, inside one, or a folder on the way to one
            info = path.lstat()
            state[path] = (stat.S_IFMT(info.st_mode), info.st_size, info.st_mtime_ns, info.st_ino)
    return state


@settings(max_examples=140, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True)
# every command at least once, whatever the derandomised draw reaches
@example(argv=["history", "adir", "--epochs", "0,last", "--out", "hist"])
@example(argv=["lesson", "--no-videos", "--title", "Week 3", "--out", "page"])
@example(argv=["batch", "afile", "--cluster", CLOSED, "--out", "jobs"])
@given(argv=st.one_of(command_lines(), well_formed_lines(), voiced_joins()))
def test_the_command_line_never_ends_in_a_traceback(mnist_uint8, monkeypatch, capsysbinary, argv):
    from scenes import cli
    from scenes.story import catalog

    if slow(argv) and len(JOINS) >= SLOW_JOINS:
        reject()  # (CPU is scarce: a few of these are enough)
    sandbox = make_sandbox(Path(tempfile.mkdtemp(prefix="fuzz-")), mnist_uint8)
    try:
        monkeypatch.setattr(catalog, "STORY", [TINY, NARRATED])
        monkeypatch.chdir(sandbox)
        monkeypatch.setenv("NNEXPLAIN_DATA", str(sandbox / "data"))
        outputs = named_outputs(argv, sandbox)
        before, project = snapshot(sandbox, outputs), snapshot(REPO, [])
        code = cli.main(argv)
        err = capsysbinary.readouterr().err.decode("utf-8", "replace")  # stdout may be a file's bytes
        lines = [line for line in err.splitlines() if line.strip()]
        assert "Traceback" not in err, (argv, err)
        errors = [line for line in lines if line.startswith("nnexplain: error:")]
        if code == 0:
            assert errors == [], (argv, err)
        else:
            assert len(errors) == 1 and lines[-1] == errors[0], (argv, code, err)
        assert snapshot(sandbox, outputs) == before, (argv, "changed a file it did not name")
        assert snapshot(REPO, []) == project, (argv, "changed a file in the project folder")
        assert not [p for p in sandbox.rglob(".*") if not any(o in p.parents for o in outputs[:-1])], argv
        wrote = code == 0 and any(path.exists() and path.name != "media" for path in outputs[:-1])
        OUTCOMES.append((argv[0], code, wrote))
        if slow(argv):
            JOINS.append((argv, code))
    finally:
        shutil.rmtree(sandbox, ignore_errors=True)


def test_the_fuzz_reaches_success_and_every_command(tmp_path, mnist_uint8, monkeypatch, capsys):
    """The fuzz is not all errors: the tiny scene renders through real workers, and trains."""
    from scenes import cli
    from scenes.story import catalog

    sandbox = make_sandbox(tmp_path, mnist_uint8)
    monkeypatch.setattr(catalog, "STORY", [TINY])
    monkeypatch.chdir(sandbox)
    monkeypatch.setenv("NNEXPLAIN_DATA", str(sandbox / "data"))
    assert cli.main(["render", "tiny-scene", "--digit", "7", "--out", "ok-media"]) == 0
    assert (sandbox / "ok-media" / "480p15" / "TinyScene.mp4").stat().st_size > 0
    assert cli.main(["train", "--epochs", "1", "--sizes", "784,16,10", "--quiet", "--out", "ok.npz"]) == 0
    monkeypatch.setattr(catalog, "STORY", [TINY, NARRATED])
    for voice, transparent in (("tts", "webm"), ("takes", "mov")):  # two beats joined, with a voice
        argv = ["explainer", "--voice", voice, "--transparent", transparent, "--out", "voiced"]
        assert cli.main(argv) == 0
        assert (sandbox / "voiced" / "480p15-voice-transparent" / f"explainer.{transparent}").stat().st_size
    monkeypatch.setattr(catalog, "STORY", [TINY])
    assert cli.main(["figure", "TinyScene", "--out", "ok.svg", "--width", "200"]) == 0
    assert cli.main(["slides", "tiny-scene", "-q", "l", "--out", "deck", "--cache", "ok-media"]) == 0
    assert sorted(path.name for path in (sandbox / "deck").iterdir()) == [
        "tiny-scene.html", "tiny-scene.pdf", "tiny-scene.pptx", "tiny-scene_assets"]  # fmt: skip
    if OUTCOMES:  # the fuzz above ran in this session: it reached every command, and many runs wrote files
        assert {command for command, _, _ in OUTCOMES} == set(OPTIONS)
        assert sum(wrote for _, _, wrote in OUTCOMES) >= 10, OUTCOMES
        voiced = [argv for argv, code in JOINS if code == 0 and "--voice" in argv and "--only" not in argv]
        assert voiced and any("--transparent" in argv for argv in voiced), JOINS  # joined, with a voice
        assert len(JOINS) <= SLOW_JOINS
