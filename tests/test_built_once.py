"""`built_once`: a session fixture's network is built by one process, even under pytest-xdist."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap

import pytest

from tests.conftest import REPO, shared_root

INNER_CONFTEST = "from tests.conftest import built_once  # noqa: F401\n"
INNER_TESTS = textwrap.dedent(
    """
    import os
    import time

    import pytest

    LOG = os.environ["BUILD_LOG"]


    def build(path):
        with open(LOG, "a") as log:
            log.write(os.environ.get("PYTEST_XDIST_WORKER", "serial") + "\\n")
        time.sleep(1)  # long enough for the other worker to ask meanwhile
        path.write_text("built")


    @pytest.fixture(scope="session")
    def network(built_once):
        return built_once("network.txt", build)


    @pytest.mark.parametrize("n", range(8))
    def test_uses_the_network(network, n):
        assert network.read_text() == "built"
    """
)


def test_two_workers_build_a_session_network_once(tmp_path):
    (tmp_path / "conftest.py").write_text(INNER_CONFTEST)
    (tmp_path / "test_inner.py").write_text(INNER_TESTS)
    log = tmp_path / "builds.log"
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTEST_")}
    env.update(PYTHONPATH=str(REPO), BUILD_LOG=str(log))
    argv = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-n", "2", "--dist", "load"]
    result = subprocess.run(
        [*argv, "--basetemp", str(tmp_path / "t"), "test_inner.py"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0 and "8 passed" in result.stdout, result.stdout + result.stderr
    assert log.read_text().splitlines() in (["gw0"], ["gw1"])  # one build, by one of the two


def test_a_failed_build_leaves_nothing_and_the_next_caller_builds(built_once, tmp_path, tmp_path_factory):
    attempts = []

    def flaky(path):
        attempts.append(path)
        path.write_text("half")
        if len(attempts) == 1:
            raise RuntimeError("the first build fails")

    name = f"flaky-{tmp_path.name}.txt"
    with pytest.raises(RuntimeError, match="the first build fails"):
        built_once(name, flaky)
    built = shared_root(tmp_path_factory) / "built-once"
    assert not [p for p in built.iterdir() if p.is_dir() and p.name.startswith(name)]  # no half build
    path = built_once(name, flaky)
    assert len(attempts) == 2 and path.read_text() == "half" and path.name == name
    assert built_once(name, flaky) == path and len(attempts) == 2  # built, then reused
