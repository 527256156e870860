"""Writing to any path safely (network/atomic.py through the real commands): symlinks are
followed, devices and pipes are written to and never replaced, sockets, block devices and
directories are refused in one line, replaced files keep their mode and owner, `--out -` streams,
and every numeric option is range-checked."""

from __future__ import annotations

import io
import os
import socket
import stat
import subprocess
import sys
import threading
from pathlib import Path

import numpy as np
import pytest

from network import atomic
from network.activations_file import load_activations
from tests.cli_errors import assert_one_error_line

REPO = Path(__file__).resolve().parents[1]
EXPORT = ("export-activations", "--digit", "3", "--out")


def as_root() -> None:
    if os.geteuid() != 0:
        pytest.skip("mknod and chown need root (CI runs as root)")


def test_a_symlink_is_followed_and_its_target_replaced(run, tmp_path):
    target, link = tmp_path / "real.npz", tmp_path / "link.npz"
    target.write_bytes(b"old")
    link.symlink_to(target.name)
    code, stdout, err = run(*EXPORT, link)
    assert code == 0, err
    assert link.is_symlink() and os.readlink(link) == "real.npz"
    assert load_activations(target).labels.tolist() == [0]  # test digit 3 is a 0
    assert sorted(p.name for p in tmp_path.iterdir()) == ["link.npz", "real.npz"]


def test_a_chain_of_symlinks_is_followed_to_its_end(run, tmp_path):
    """link -> mid -> real: both links stay links and the file at the end of the chain is replaced."""
    (tmp_path / "deep").mkdir()
    real, mid, link = tmp_path / "deep" / "real.npz", tmp_path / "mid.npz", tmp_path / "link.npz"
    real.write_bytes(b"old")
    mid.symlink_to("deep/real.npz")
    link.symlink_to("mid.npz")
    code, _, err = run(*EXPORT, link)
    assert code == 0, err
    assert link.is_symlink() and os.readlink(link) == "mid.npz"
    assert mid.is_symlink() and os.readlink(mid) == "deep/real.npz"
    assert load_activations(real).labels.tolist() == [0]  # test digit 3 is a 0
    assert sorted(p.name for p in tmp_path.iterdir()) == ["deep", "link.npz", "mid.npz"]
    assert [p.name for p in (tmp_path / "deep").iterdir()] == ["real.npz"]


def test_a_dangling_symlink_creates_its_target(run, tmp_path):
    link = tmp_path / "link.npz"
    link.symlink_to("made.npz")
    assert run(*EXPORT, link)[0] == 0
    assert link.is_symlink() and (tmp_path / "made.npz").is_file()


def test_a_replaced_file_keeps_its_mode_and_owner(run, tmp_path):
    out = tmp_path / "acts.npz"
    out.write_bytes(b"old")
    out.chmod(0o600)
    if os.geteuid() == 0:
        os.chown(out, 1234, 5678)
    assert run(*EXPORT, out)[0] == 0
    info = out.stat()
    assert stat.S_IMODE(info.st_mode) == 0o600
    if os.geteuid() == 0:
        assert (info.st_uid, info.st_gid) == (1234, 5678)
    load_activations(out)


def test_a_character_device_is_written_to_not_replaced(run, tmp_path):
    as_root()
    device = tmp_path / "null"
    os.mknod(device, stat.S_IFCHR | 0o666, os.makedev(1, 3))  # /dev/null
    code, stdout, err = run(*EXPORT, device)
    assert code == 0, err
    assert stat.S_ISCHR(device.stat().st_mode) and device.stat().st_rdev == os.makedev(1, 3)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["null"]


def test_a_named_pipe_receives_the_complete_file(run, tmp_path):
    pipe = tmp_path / "pipe"
    os.mkfifo(pipe)
    received = {}

    def reader():
        with open(pipe, "rb") as handle:
            received["bytes"] = handle.read()

    thread = threading.Thread(target=reader)
    thread.start()
    code, stdout, err = run(*EXPORT, pipe)
    thread.join(timeout=30)
    assert code == 0, err
    assert stat.S_ISFIFO(pipe.stat().st_mode)
    with np.load(io.BytesIO(received["bytes"]), allow_pickle=False) as archive:
        assert archive["label"].tolist() == [0]


@pytest.mark.parametrize("kind", ["socket", "block device", "directory"])
def test_sockets_block_devices_and_directories_are_refused(run, tmp_path, kind):
    path = tmp_path / "thing"
    if kind == "socket":
        server = socket.socket(socket.AF_UNIX)
        server.bind(str(path))
    elif kind == "block device":
        as_root()
        os.mknod(path, stat.S_IFBLK | 0o600, os.makedev(7, 0))
    else:
        path.mkdir()
    before = path.lstat()
    code, stdout, err = run(*EXPORT, path)
    assert_one_error_line(code, stdout, err, str(path), f"it is a {kind}")
    after = path.lstat()
    assert (after.st_mode, after.st_ino) == (before.st_mode, before.st_ino)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["thing"]


def test_the_directory_is_fsynced_after_the_rename(tmp_path, monkeypatch):
    synced = []
    real_fsync = os.fsync

    def fsync(fd):
        synced.append(stat.S_ISDIR(os.fstat(fd).st_mode))
        real_fsync(fd)

    monkeypatch.setattr(atomic.os, "fsync", fsync)
    with atomic.atomic_path(tmp_path / "file.bin") as tmp:
        tmp.write_bytes(b"content")
    assert synced == [False, True]  # the file, then its directory, after the rename
    assert (tmp_path / "file.bin").read_bytes() == b"content"


@pytest.mark.parametrize(
    "command",
    [
        ["export-activations", "--digit", "3", "--digit", "7"],
        ["figure", "parameter-count", "--format", "svg", "--width", "300"],
    ],
)
def test_out_dash_streams_to_standard_output(command, tmp_path):
    env = {"NNEXPLAIN_DATA": str(REPO.parent / "shared" / "data" / "mnist"), **os.environ}
    done = subprocess.run(
        [sys.executable, "-m", "scenes.cli", *command, "--out", "-"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr.decode()
    if command[0] == "figure":
        assert done.stdout.startswith(b"<?xml") and b"</svg>" in done.stdout[-200:]
    else:
        with np.load(io.BytesIO(done.stdout), allow_pickle=False) as archive:
            assert archive["label"].tolist() == [0, 9]
        assert b"wrote -" in done.stderr
    assert list(tmp_path.iterdir()) == []  # nothing written beside


@pytest.mark.parametrize(
    "args, fragment",
    [
        (["train", "--seed", "-1"], "'--seed': -1 is not in the range"),
        (["train", "--seed", str(2**32)], "'--seed'"),
        (["train", "--epochs", "0"], "'--epochs'"),
        (["train", "--epochs", "1000000"], "'--epochs'"),
        (["train", "--batch-size", "0"], "'--batch-size'"),
        (["train", "--learning-rate", "nan"], "'--learning-rate': nan is not a finite number"),
        (["train", "--learning-rate", "inf"], "'--learning-rate'"),
        (["train", "--learning-rate", "-0.1"], "'--learning-rate'"),
        (["train", "--shift", "9"], "'--shift'"),
        (["train", "--sizes", "784,70000,10"], "65,536 neurons a layer"),
        (["train", "--sizes", "784,60000,900,10"], "50,000,000 parameters"),
        (["train", "--sizes", ",".join(["784"] + ["2"] * 70 + ["10"])], "at most 64 layers"),
        (["predict", "--digit", "-1"], "'--digit'"),
        (["predict", "--digit", "99999999999999999999"], "'--digit'"),
        (["render", "ThisIsAThree", "--digit", "99999999999999999999"], "'--digit'"),
        (["render", "ThisIsAThree", "-j", "0"], "'-j'"),
        (["render", "ThisIsAThree", "-j", "100000"], "'-j'"),
        (["figure", "this-is-a-three", "--width", "0", "--out", "x.png"], "'--width'"),
        (["figure", "this-is-a-three", "--at", "nan", "--out", "x.png"], "'--at'"),
        (["figure", "this-is-a-three", "--at", "1e999", "--out", "x.png"], "'--at'"),
    ],
)
def test_every_numeric_option_is_range_checked(run, tmp_path, monkeypatch, args, fragment):
    monkeypatch.chdir(tmp_path)
    code, out, err = run(*args)
    assert_one_error_line(code, out, err, fragment)
    assert list(tmp_path.iterdir()) == []


def test_dev_stdout_writes_to_the_pipe_and_appends_to_a_file(tmp_path):
    env = {"NNEXPLAIN_DATA": str(REPO.parent / "shared" / "data" / "mnist"), **os.environ}
    command = [
        sys.executable,
        "-m",
        "scenes.cli",
        "export-activations",
        "--digit",
        "3",
        "--out",
        "/dev/stdout",
    ]
    piped = subprocess.run(command, cwd=tmp_path, env=env, capture_output=True, timeout=120)
    assert piped.returncode == 0, piped.stderr.decode()
    with np.load(io.BytesIO(piped.stdout), allow_pickle=False) as archive:
        assert archive["label"].tolist() == [0]
    log = tmp_path / "log.bin"
    log.write_bytes(b"previous\n")
    with open(log, "ab") as appended:  # what `>> log.bin` hands the command
        done = subprocess.run(command, cwd=tmp_path, env=env, stdout=appended, stderr=subprocess.PIPE)
    assert done.returncode == 0, done.stderr.decode()
    content = log.read_bytes()
    assert content.startswith(b"previous\nPK\x03\x04") and len(content) == len(b"previous\n") + len(
        piped.stdout
    )


def test_setuid_and_setgid_bits_survive_a_replacement(tmp_path):
    target = tmp_path / "tool.bin"
    target.write_bytes(b"old")
    target.chmod(0o6755)
    with atomic.atomic_path(target) as tmp:
        tmp.write_bytes(b"new")
    assert stat.S_IMODE(target.stat().st_mode) == 0o6755 and target.read_bytes() == b"new"


def test_publish_keeps_a_replaced_videos_mode_and_owner_and_writes_to_devices(tmp_path):
    from scenes.production.video_files import publish

    cached = tmp_path / "cache.mp4"
    cached.write_bytes(b"video")
    published = tmp_path / "pub.mp4"
    published.write_bytes(b"older video")
    published.chmod(0o600)
    if os.geteuid() == 0:
        os.chown(published, 1234, 5678)
    publish(cached, published)
    info = published.stat()
    assert published.read_bytes() == b"video" and stat.S_IMODE(info.st_mode) == 0o600
    assert info.st_ino != cached.stat().st_ino  # a copy: changing one will not change the cache
    if os.geteuid() == 0:
        assert (info.st_uid, info.st_gid) == (1234, 5678)
    fresh = tmp_path / "fresh.mp4"
    publish(cached, fresh)
    assert fresh.stat().st_ino == cached.stat().st_ino  # a new name: a hard link, no copy
    sink = tmp_path / "null.mp4"
    sink.symlink_to("/dev/null")
    publish(cached, sink)
    assert sink.is_symlink() and sorted(p.name for p in tmp_path.iterdir() if p.name.startswith(".")) == []


def test_messages_stay_on_one_line_and_folders_refuse_dash(run, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    code, stdout, err = run("predict", "--weights", "no\nsuch.npz", "--digit", "1")
    assert_one_error_line(code, stdout, err, "no\\nsuch.npz")
    for command in (["render", "this-is-a-three"], ["explainer"]):
        code, stdout, err = run(*command, "--out", "-")
        assert_one_error_line(code, stdout, err, "'-' is not a folder")
    code, stdout, err = run("train", "--snapshots", "-")
    assert_one_error_line(code, stdout, err, "'-' is not a folder")
    (tmp_path / "adir").mkdir()
    code, stdout, err = run(
        "train", "--out", "adir", "--data-dir", "nowhere"
    )  # refused before any data is read
    assert_one_error_line(code, stdout, err, "adir: it is a directory")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["adir"]
