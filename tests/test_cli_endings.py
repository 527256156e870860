"""How a command ends when something unforeseen happens (network/cli_run.py): a bug deep inside is
one `nnexplain: error:` line and status 1, its traceback shown only under --debug or
NNEXPLAIN_DEBUG=1; a reader that closes the pipe early (`nnexplain scenes | head -1`) is a quiet
status 0. The pipes are real: the command runs as a subprocess of its own."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from network.cli import main as network_main
from network.model import MLP
from scenes.cli import main
from scenes.story.catalog import SceneEntry

REPO = Path(__file__).resolve().parents[1]


def fail_deep(monkeypatch):
    """A bug deep in the network code: the forward pass raises."""

    def forward(self, x):
        raise RuntimeError("the forward pass\nlost its way")

    monkeypatch.setattr(MLP, "forward", forward)


def lines(text: str) -> list[str]:
    return [line for line in text.splitlines() if line.strip()]


@pytest.mark.parametrize("entry", [main, network_main], ids=["nnexplain", "python -m network.cli"])
def test_a_bug_deep_inside_is_one_line_and_status_1(entry, monkeypatch, capsys, mnist_dir):
    monkeypatch.delenv("NNEXPLAIN_DEBUG", raising=False)
    fail_deep(monkeypatch)
    code = entry(["predict", "--digit", "0", "--data-dir", str(mnist_dir)])
    err = capsys.readouterr().err
    assert code == 1
    assert lines(err) == [
        "nnexplain: error: unexpected RuntimeError: the forward pass\\nlost its way "
        "(run with --debug or NNEXPLAIN_DEBUG=1 for the traceback)"
    ]


def test_a_bug_in_a_scene_command_is_one_line_too(monkeypatch, capsys):
    monkeypatch.delenv("NNEXPLAIN_DEBUG", raising=False)

    def description(self):
        raise KeyError("docstring")

    monkeypatch.setattr(SceneEntry, "description", property(description))
    code = main(["scenes"])
    captured = capsys.readouterr()
    assert code == 1 and captured.out == ""
    assert lines(captured.err) == [
        "nnexplain: error: unexpected KeyError: 'docstring' "
        "(run with --debug or NNEXPLAIN_DEBUG=1 for the traceback)"
    ]


@pytest.mark.parametrize("how", ["--debug", "NNEXPLAIN_DEBUG=1"])
def test_debug_shows_the_traceback(how, monkeypatch, capsys, mnist_dir):
    monkeypatch.delenv("NNEXPLAIN_DEBUG", raising=False)
    fail_deep(monkeypatch)
    argv = ["predict", "--digit", "0", "--data-dir", str(mnist_dir)]
    if how == "--debug":
        argv.insert(0, "--debug")
    else:
        monkeypatch.setenv("NNEXPLAIN_DEBUG", "1")
    code = main(argv)
    err = lines(capsys.readouterr().err)
    assert code == 1
    assert err[0] == "Traceback (most recent call last):"
    assert any("in forward" in line for line in err) and any("test_cli_endings.py" in line for line in err)
    assert err[-3:] == [
        "RuntimeError: the forward pass",
        "lost its way",
        "nnexplain: error: unexpected RuntimeError: the forward pass\\nlost its way",
    ]


def test_nnexplain_debug_0_is_off(monkeypatch, capsys, mnist_dir):
    monkeypatch.setenv("NNEXPLAIN_DEBUG", "0")
    fail_deep(monkeypatch)
    assert main(["predict", "--digit", "0", "--data-dir", str(mnist_dir)]) == 1
    assert "Traceback" not in capsys.readouterr().err


def nnexplain(*argv: str, **options) -> subprocess.Popen:
    """`python -m scenes.cli ...` from this checkout, as a subprocess."""
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    env.pop("NNEXPLAIN_DEBUG", None)
    return subprocess.Popen([sys.executable, "-m", "scenes.cli", *argv], cwd=REPO, env=env,
                            stderr=subprocess.PIPE, **options)  # fmt: skip


def test_a_reader_that_takes_one_line_and_closes_the_pipe_ends_it_quietly():
    for _ in range(3):  # (the reader may go before or after the next line is written)
        process = nnexplain("scenes", stdout=subprocess.PIPE)
        first = process.stdout.readline()
        process.stdout.close()
        err = process.stderr.read()
        assert process.wait(timeout=60) == 0, err
        assert first.startswith(b"ThisIsAThree ") and err == b""


def test_a_pipe_closed_before_the_first_line_ends_it_quietly():
    reader, writer = os.pipe()
    os.close(reader)  # no one will ever read: the first line written meets a closed pipe
    try:
        process = nnexplain("scenes", stdout=writer)
    finally:
        os.close(writer)
    err = process.stderr.read()
    assert process.wait(timeout=60) == 0, err
    assert err == b""


def test_a_full_listing_still_ends_with_status_0():
    process = nnexplain("scenes", stdout=subprocess.PIPE)
    out, err = process.communicate(timeout=60)
    assert process.returncode == 0 and err == b""
    assert len(out.decode().splitlines()) == 16


def test_a_listing_with_standard_output_closed_ends_quietly():
    """`nnexplain scenes >&-`: Python starts without a stdout (None); nothing to write to, no error."""
    process = nnexplain("scenes", preexec_fn=lambda: os.close(1))
    err = process.stderr.read()
    assert process.wait(timeout=60) == 0, err
    assert err == b""


@pytest.mark.parametrize("status", [130, 143])
def test_a_ctrl_c_while_an_interrupted_command_exits_changes_nothing(status):
    """Once a command has handled Ctrl-C (status 130) or SIGTERM (143), a second Ctrl-C that lands
    while Python shuts down (here: an atexit callback still sleeping) leaves the status and prints
    no traceback."""
    import signal
    import time

    program = (
        "import atexit, time; from network.cli_run import exit_process; "
        f"atexit.register(time.sleep, 3); print('exiting', flush=True); exit_process({status})"
    )
    process = subprocess.Popen(
        [sys.executable, "-c", program], cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    assert process.stdout.readline() == "exiting\n"
    time.sleep(0.5)
    process.send_signal(signal.SIGINT)
    _, err = process.communicate(timeout=30)
    assert (process.returncode, err) == (status, "")
