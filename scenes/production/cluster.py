"""Scene renders as tasks on a Dask cluster (`--cluster tcp://host:8786`, or $NNEXPLAIN_CLUSTER):
each worker gets what one render needs as bytes (the project's code, the weights, the followed image
or the data set's test split, the training history, recordings, the story options) and returns the
finished files as bytes (scenes/production/cluster_worker.py), which are checked (decodable, as many
frames as the steps say) and placed into the local render cache exactly as a local render's are
(scenes/production/render_files.py). Workers need no shared file system.

Before any work, every worker's drawing environment (Python, manim and its drawing packages, the
fonts, LaTeX) is compared with this machine's: a worker that would draw other pixels is refused
with one line and gets no task of this run. A worker that dies mid-render has its task run again on
another (Dask's scheduler does that for a lost worker; `retries=` for a render killed under a living
worker); a render that fails for a reason of its own fails its scene with its one error line.

Dask's `distributed` is an optional dependency (`pip install 'nnexplain[cluster]'`), imported only
when a cluster is named:

    >>> ClusterRenders("tcp://127.0.0.1:8786").address
    'tcp://127.0.0.1:8786'
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import hashlib
import io
import json
import logging
import shutil
import socket
import tempfile
import time
import uuid
import zipfile
from pathlib import Path

from network.data import SPLITS, find_idx_file, resolve_data_dir
from network.dataset_info import CLASSES_FILE
from network.errors import NNExplainError
from network.history import snapshot_files
from scenes.production import cluster_worker
from scenes.production.cluster_worker import render_task, safe_relative, stop_renders, worker_environment
from scenes.production.render_files import last_error_line, place_in_cache, verify_render
from scenes.story.catalog import PROJECT_ROOT
from scenes.story.inputs import StoryConfig

__all__ = ["CONNECT_TIMEOUT", "ClusterRenders", "code_bundle", "input_bundle"]

CONNECT_TIMEOUT = 4  # seconds to reach the scheduler before giving up with one line
RETRIES = 2  # a render killed under a living worker runs again up to this often
LEFT_GRACE = 20  # seconds the run waits for a checked worker to be back before failing what is left
PACKAGES = ("network", "scenes")


@functools.lru_cache(maxsize=1)
def code_bundle() -> tuple[str, bytes]:
    """(digest, zip) of the project's code and data files (network/ and scenes/), the same bytes for
    the same files: what every worker renders with."""
    files = sorted(
        path
        for package in PACKAGES
        for path in (PROJECT_ROOT / package).rglob("*")
        if path.is_file() and "__pycache__" not in path.parts and not path.name.startswith(".")
    )
    digest, buffer = hashlib.sha256(), io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as bundle:
        for path in files:
            name, data = path.relative_to(PROJECT_ROOT).as_posix(), path.read_bytes()
            digest.update(name.encode() + b"\0" + data + b"\0")
            bundle.writestr(zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0)), data)
    return digest.hexdigest()[:20], buffer.getvalue()


def input_bundle(config: StoryConfig) -> dict:
    """Every file of `config` a scene may read, as {"files": {relative path: bytes}, "paths":
    {config field: relative path}}: the same files the render cache's key hashes
    (scenes/production/cache_key.py fingerprint), named as they are here."""
    files: dict[str, bytes] = {}

    def add(folder: str, path: Path) -> str:
        files[f"{folder}/{path.name}"] = Path(path).read_bytes()
        return f"{folder}/{path.name}"

    paths = {"weights": add("weights", config.weights), "data_dir": "data"}
    if config.image is not None:
        paths["image"] = add("image", config.image)
    directory, _ = resolve_data_dir(config.data_dir)
    for stem in (SPLITS["test_images"], SPLITS["test_labels"]):
        found = find_idx_file(directory, stem)
        if found is not None:
            add("data", found)
    if (directory / CLASSES_FILE).is_file():
        add("data", directory / CLASSES_FILE)
    if config.history_folder is not None and config.history_folder.is_dir():
        for snapshot in snapshot_files(config.history_folder):
            add("history", snapshot)
        paths["history"] = "history"
    if config.voice not in (None, "tts"):
        for recording in sorted(Path(config.voice).glob("*.wav")):
            add("voice", recording)
        paths["voice"] = "voice"
    return {"files": files, "paths": paths}


class ClusterRenders:
    """The renders of one run on the Dask cluster whose scheduler is at `address`; `log(line)` hears
    of refused workers."""

    def __init__(self, address: str, log=None):
        self.address, self.log = address, log or (lambda line: None)

    def run(self, todo: list, done) -> None:
        """Render each result of `todo` (render.RenderResult) on the cluster, calling `done(result)`
        in this thread as each ends, placed in the cache or with its `error`. On Ctrl-C or SIGTERM
        the tasks are cancelled and the connection closed at once; nothing half-placed remains."""
        if not todo:
            return
        client = connect(self.address)
        futures: dict = {}
        bundles: dict = {}  # the inputs of each configuration, and the code (under None)
        run = uuid.uuid4().hex[:12]
        try:
            workers = self.checked_workers(client)
            # The code and each configuration's files are tasks that return their bytes, not scattered
            # data: Dask can compute them again on another worker when the one holding them dies.
            restricted = {"workers": workers, "allow_other_workers": False}
            code = client.submit(tuple, code_bundle(), key=f"nnexplain-code-{run}", **restricted)
            bundles[None] = code
            environment, waiting = worker_environment(), list(todo)

            def submit_next():
                """Send the next render to the cluster: only as many at a time as the checked
                workers have threads, as the local pool does, so none waits behind another's queue."""
                result = waiting.pop(0)
                if result.config not in bundles:
                    key = f"nnexplain-inputs-{run}-{len(bundles)}"
                    bundles[result.config] = client.submit(
                        dict, input_bundle(result.config), key=key, **restricted
                    )
                request = {
                    "run": run,
                    "name": result.entry.name,
                    "module": result.entry.module,
                    "letter": result.quality.letter,
                    "extension": result.path.suffix.lstrip("."),
                    "config": json.loads(result.config.to_json()),
                    "environment": environment,
                }
                key = f"nnexplain-render-{result.entry.name}-{uuid.uuid4().hex[:12]}"
                future = client.submit(_ByValue(render_task), code, bundles[result.config], request,
                                       key=key, pure=False, retries=RETRIES, **restricted)  # fmt: skip
                futures[future] = result
                return future

            threads = client.nthreads()
            slots = max(1, sum(threads.get(address, 1) for address in workers))
            pending = [submit_next() for _ in range(min(slots, len(waiting)))]
            self._collect(client, futures, pending, workers, done, lambda: submit_next() if waiting else None)
        except BaseException:  # Ctrl-C, SIGTERM: the workers stop this run's renders too
            with contextlib.suppress(Exception):
                client.run(_ByValue(stop_renders), run, on_error="ignore")
            raise
        finally:
            client.cancel([*futures, *bundles.values()], force=True)
            client.close(timeout=2)

    def checked_workers(self, client) -> list[str]:
        """The addresses of the workers that draw as this machine does; one line for each other."""
        here = worker_environment()
        found = client.run(worker_environment, on_error="return")
        if not found:
            raise NNExplainError(f"the Dask scheduler at {self.address} has no workers")
        matching = []
        for address, theirs in sorted(found.items()):
            if not isinstance(theirs, dict):
                self.log(f"refusing worker {address}: its version check failed ({_one_line(theirs)})")
                continue
            differences = [f"{key} {theirs.get(key)} (here {value})" for key, value in here.items()
                           if theirs.get(key) != value]  # fmt: skip
            if differences:
                self.log(f"refusing worker {address}: it would draw other pixels: {', '.join(differences)}")
            else:
                matching.append(address)
        if not matching:
            raise NNExplainError(
                f"no worker of the Dask cluster at {self.address} has this machine's manim, fonts and "
                "LaTeX; see the lines above"
            )
        return matching

    def _collect(self, client, futures: dict, pending: list, workers: list[str], done, more) -> None:
        """Wait for the `pending` renders, placing each as it ends and sending `more()` (the next
        render's future, or None) in its stead."""
        gone_since = None
        while pending:
            finished, pending = _wait_some(pending)
            for future in finished:
                following = more()  # first: the worker starts its next render while this one is placed
                if following is not None:
                    pending.append(following)
                result = futures[future]
                self._finish(future, result)
                done(result)
            if finished or not pending:
                gone_since = None
                continue
            alive = set(client.scheduler_info(n_workers=-1).get("workers", {}))
            if alive & set(workers):
                gone_since = None
            elif gone_since is None:
                gone_since = time.monotonic()
            elif time.monotonic() - gone_since > LEFT_GRACE:
                while (following := more()) is not None:  # the renders not sent yet share their fate
                    pending.append(following)
                for future in pending:
                    result = futures[future]
                    result.error = f"every worker of {self.address} this run checked has left the cluster"
                    done(result)
                return

    def _finish(self, future, result) -> None:
        """Check the returned files and place them into the cache, or note the render's error."""
        try:
            payload = future.result()
        except Exception as exc:  # the task raised (a render killed too often) or was lost
            result.error = _one_line(exc)
            return
        if "video" not in payload:
            status = f"manim exited with status {payload['status']}"
            result.error = last_error_line(payload["stderr"]) or status
            return
        result.seconds = payload["seconds"]
        result.path.parent.mkdir(parents=True, exist_ok=True)
        workdir = Path(tempfile.mkdtemp(prefix=f".{result.entry.name}.", dir=result.path.parent))
        try:
            video, steps = workdir / result.path.name, workdir / "steps"
            video.write_bytes(payload["video"])
            for name, data in payload["steps"].items():
                target = steps / safe_relative(name)
                target.parent.mkdir(parents=True, exist_ok=True)
                target.write_bytes(data)
            verify_render(video, steps, result.quality.fps)
            place_in_cache(video, steps, result.path)
        except (NNExplainError, ValueError) as exc:
            result.error = f"the render from worker {payload['worker']} failed its check: {exc}"
        finally:
            shutil.rmtree(workdir, ignore_errors=True)


class _ByValue:
    """`function`, pickled as its own code (cloudpickle): Dask pickles a task with the standard pickle,
    which names a function's module, and workers have no copy of the project's modules."""

    def __init__(self, function):
        self.function = function

    def __call__(self, *args, **kwargs):
        return self.function(*args, **kwargs)

    def __reduce__(self):
        import cloudpickle  # deferred: an optional dependency (nnexplain[cluster])

        return cloudpickle.loads, (cloudpickle.dumps(self.function),)


def _wait_some(pending: list, seconds: float = 1.0, poll: float = 0.1) -> tuple[list, list]:
    """(finished, still pending) as soon as one is finished, or after `seconds` (a sleep that Ctrl-C
    and SIGTERM interrupt at once)."""
    deadline = time.monotonic() + seconds
    while True:
        finished = [future for future in pending if future.done()]
        if finished or time.monotonic() >= deadline:
            ended = {id(future) for future in finished}
            return finished, [future for future in pending if id(future) not in ended]
        time.sleep(poll)


def connect(address: str):
    """A Dask client of the scheduler at `address`, or one error line within about CONNECT_TIMEOUT
    seconds: the address is parsed, its port reached and Dask's handshake made before a client
    exists (a client that fails to start takes seconds more to tear down, with a traceback)."""
    try:  # deferred: optional dependencies (nnexplain[cluster])
        import cloudpickle
        import distributed
        from distributed.comm import connect as comm_connect
        from distributed.comm.addressing import get_address_host_port
    except ImportError:
        raise NNExplainError(
            "--cluster needs Dask's distributed package: pip install 'nnexplain[cluster]'"
        ) from None
    cloudpickle.register_pickle_by_value(cluster_worker)  # its functions travel as their code
    logging.getLogger("distributed").setLevel(logging.CRITICAL)  # its errors become our one line
    where = f"cannot reach the Dask scheduler at {address}"
    try:
        host, port = get_address_host_port(address)
    except (ValueError, TypeError) as exc:
        raise NNExplainError(f"{where}: not a scheduler address ({_one_line(exc)})") from None
    try:
        socket.create_connection((host, port), timeout=CONNECT_TIMEOUT).close()
    except OSError as exc:
        raise NNExplainError(f"{where}: {exc.strerror or _one_line(exc)}") from None

    async def handshake():
        comm = await comm_connect(address, timeout=CONNECT_TIMEOUT)
        await comm.close()

    try:
        asyncio.run(handshake())
        return distributed.Client(address, timeout=CONNECT_TIMEOUT, set_as_default=False)
    except Exception as exc:  # anything but a Dask scheduler answering there (garbage: MemoryError)
        why = "" if isinstance(exc, MemoryError) else f" ({_one_line(exc)[:120]})"
        raise NNExplainError(f"{where}: no Dask scheduler answers there{why}") from None


def _one_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return f"{type(exc).__name__}: {text[0]}" if text else type(exc).__name__
