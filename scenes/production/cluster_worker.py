"""What a Dask worker runs for nnexplain (scenes/production/cluster.py submits it): one scene
rendered from bytes, the finished files handed back as bytes, so a worker needs no shared file
system and no copy of the project.

This module imports only the standard library: the client pickles it by value (cloudpickle), and
the project's code arrives as a zip (unpacked once per worker and code version into the worker's
own folder); the render runs there as the local renderer runs it,
`python -m scenes.production.render_worker ...` in a subprocess, which dies with the worker.

`worker_environment()` is what a render's pixels depend on besides the code and the inputs; the
client compares a worker's with its own before giving it work:

    >>> environment = worker_environment()
    >>> environment["manim"], sorted(environment)[-5:]
    ('0.22.0', ['numpy', 'pillow', 'pycairo', 'python', 'scipy'])
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import zipfile
from importlib import metadata
from pathlib import Path, PurePosixPath

__all__ = ["CODE_FOLDER", "render_task", "safe_relative", "stop_renders", "worker_environment"]

CODE_FOLDER = "nnexplain-code"  # in the worker's folder: <digest>/ holds one version of the code
# What Dask's nanny sets for its worker process (distributed.nanny.pre-spawn-environ): one BLAS thread and
# glibc returning freed memory at once. A local render runs without them, so a render here does too.
NANNY_ENVIRONMENT = ("MALLOC_TRIM_THRESHOLD_", "OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS")
PACKAGES = ("manim", "ManimPango", "pycairo", "av", "numpy", "pillow", "scipy")


def worker_environment() -> dict[str, str]:
    """Versions of what draws the pixels: Python, the drawing packages, the fonts fontconfig sees
    (a digest of `fc-list`), LaTeX and dvisvgm (MathTex)."""
    environment = {"python": "{}.{}".format(*sys.version_info[:2])}
    for package in PACKAGES:
        try:
            environment[package] = metadata.version(package)
        except metadata.PackageNotFoundError:
            environment[package] = "missing"
    fonts = _first_lines(["fc-list", "--format", "%{family}|%{style}|%{fontversion}\n"], every=True)
    environment["fonts"] = hashlib.sha256(fonts.encode()).hexdigest()[:12] if fonts else "none"
    environment["latex"] = _first_lines(["latex", "--version"]) or "none"
    environment["dvisvgm"] = _first_lines(["dvisvgm", "--version"]) or "none"
    return environment


def _environment_here(base: Path) -> dict[str, str]:
    """worker_environment() of this worker process, found once (it runs fc-list and LaTeX)."""
    record = base / f"environment-{os.getpid()}.json"
    try:
        return json.loads(record.read_text())
    except (OSError, ValueError):
        environment = worker_environment()
        partial = record.with_name(f".{record.name}.{threading.get_ident()}")
        partial.write_text(json.dumps(environment))
        os.replace(partial, record)
        return environment


def _first_lines(command: list[str], every: bool = False) -> str:
    try:
        done = subprocess.run(command, capture_output=True, text=True, errors="replace", timeout=30)
    except (OSError, subprocess.TimeoutExpired):
        return ""
    lines = done.stdout.splitlines()
    return "\n".join(sorted(lines)) if every else (lines[0].strip() if lines else "")


def render_task(code: tuple[str, bytes], inputs: dict, request: dict) -> dict:
    """Render one scene on this worker. `code` is (digest, zip of network/ and scenes/); `inputs`
    is {"files": {relative path: bytes}, "paths": {config field: relative path}}; `request` names
    the client's run (for stop_renders), the scene (name, module, letter, extension), its story
    configuration (a StoryConfig as JSON fields, whose path fields `inputs["paths"]` replaces) and
    the environment it expects.

    Returns {"video": bytes, "steps": {name: bytes}, "seconds", "worker"} or, when the render
    itself fails (the same failure on any worker), {"stderr", "status", "worker"}; raises
    RuntimeError when the render was killed, so that Dask runs it again."""
    base = _worker_folder()
    worker = f"{os.uname().nodename}:{os.getpid()}"
    expected, here = request["environment"], _environment_here(base)
    if here != expected:  # the client checked this worker when it joined; it changed since
        changed = ", ".join(f"{key} {here.get(key)} (client: {value})" for key, value in expected.items()
                            if here.get(key) != value)  # fmt: skip
        message = f"worker {worker} does not render as the client does: {changed}"
        return {"stderr": message, "status": 1, "worker": worker}
    code_dir = _unpacked(code, base / CODE_FOLDER)
    work = Path(tempfile.mkdtemp(prefix=f"render-{request['run']}-", dir=base))
    start = time.monotonic()
    try:
        config = dict(request["config"])
        for field, relative in inputs["paths"].items():
            config[field] = str(work / "inputs" / safe_relative(relative))
            if field == "data_dir":  # it may hold no files: the story then uses the shipped sample
                Path(config[field]).mkdir(parents=True, exist_ok=True)
        for relative, data in inputs["files"].items():
            target = work / "inputs" / safe_relative(relative)
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(data)
        name, extension = request["name"], request["extension"]
        destination = work / "out" / f"{name}.{extension}"
        destination.parent.mkdir()
        (work / "render").mkdir()
        command = [sys.executable, "-m", "scenes.production.render_worker", name, request["module"],
                   request["letter"], str(destination), str(work / "render"), json.dumps(config)]  # fmt: skip
        environment = {key: value for key, value in os.environ.items() if key not in NANNY_ENVIRONMENT}
        process = subprocess.Popen(command, cwd=code_dir, env={**environment, "PYTHONPATH": str(code_dir)},
                                   stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                   stderr=subprocess.PIPE, text=True, errors="replace",
                                   preexec_fn=_die_with_parent)  # fmt: skip
        (work / "pid").write_text(str(process.pid))  # for stop_renders
        _, stderr = process.communicate()
        done = subprocess.CompletedProcess(command, process.returncode, None, stderr)
        if done.returncode < 0:
            raise RuntimeError(f"{name}: the render on {worker} was killed by signal {-done.returncode}")
        if done.returncode != 0 or not destination.is_file():
            return {"stderr": done.stderr[-8000:], "status": done.returncode, "worker": worker}
        steps = destination.with_suffix(".steps")
        return {
            "video": destination.read_bytes(),
            "steps": {
                path.relative_to(steps).as_posix(): path.read_bytes()
                for path in sorted(steps.rglob("*"))
                if path.is_file()
            },
            "seconds": time.monotonic() - start,
            "worker": worker,
        }
    finally:
        shutil.rmtree(work, ignore_errors=True)


def stop_renders(run: str, dask_worker=None) -> int:
    """Stop this worker's renders of the client run `run` (the client was interrupted): SIGTERM, and
    SIGKILL after a second for what is left. Returns how many were running. (`Client.run` passes
    the worker as `dask_worker`.)"""
    pids = []
    folder = Path(dask_worker.local_directory) if dask_worker is not None else _worker_folder()
    for record in folder.glob(f"render-{run}-*/pid"):
        try:
            pids.append(int(record.read_text()))
            os.kill(pids[-1], signal.SIGTERM)
        except (OSError, ValueError):
            continue
    deadline = time.monotonic() + 1.0
    for pid in pids:
        while time.monotonic() < deadline and Path(f"/proc/{pid}").exists():
            time.sleep(0.05)
        try:
            os.kill(pid, signal.SIGKILL)
        except OSError:
            pass
    return len(pids)


def _worker_folder() -> Path:
    """The Dask worker's own folder (removed by Dask when a new worker finds it dead)."""
    try:
        from distributed import get_worker  # deferred: an optional dependency, present on a worker

        return Path(get_worker().local_directory)
    except (ImportError, ValueError):  # called outside a worker (tests of this module)
        return Path(tempfile.gettempdir())


def _unpacked(code: tuple[str, bytes], folder: Path) -> Path:
    """The code's folder, unpacked on first use in one rename (so a half-unpacked copy is never used)."""
    digest, archive = code
    target = folder / digest
    if not target.is_dir():
        folder.mkdir(parents=True, exist_ok=True)
        partial = Path(tempfile.mkdtemp(prefix=f".{digest}.", dir=folder))
        try:
            with zipfile.ZipFile(io.BytesIO(archive)) as bundle:
                for member in bundle.namelist():
                    safe_relative(member)
                bundle.extractall(partial)
            os.rename(partial, target)
        except OSError:
            if not target.is_dir():
                raise
        finally:
            shutil.rmtree(partial, ignore_errors=True)
    return target


def safe_relative(relative: str) -> PurePosixPath:
    """A relative path that stays inside its folder."""
    path = PurePosixPath(relative)
    if path.is_absolute() or ".." in path.parts or not path.parts:
        raise ValueError(f"unsafe path in a render task: {relative!r}")
    return path


def _die_with_parent() -> None:
    """In the render subprocess before it starts: be killed when the worker dies (Linux), so a
    killed worker leaves no render behind."""
    try:
        import ctypes  # deferred: only in the child between fork and exec

        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass
