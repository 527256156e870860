"""scripts/pip_config_for_uv.py: the set-up hands pip's configuration to uv, which reads none of it,
and leaves the install to pip when a setting has no uv counterpart. Run on `pip config list` output
as pip prints it, and through pip itself with PIP_* variables."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "scripts"))

from pip_config_for_uv import uv_variables  # noqa: E402


def test_indexes_wheel_folders_constraints_and_certificates_reach_uv():
    listing = "\n".join([
        ":env:.cert='/etc/ssl/certs/ca.crt'",
        ":env:.find-links='/opt/wheels'",
        "global.extra-index-url='file:///opt/a file:///opt/b'",
        "global.find-links='/opt/wheels /srv/more'",
        "global.index-url='https://mirror.example/simple'",
        "global.constraint='/etc/pip/constraints.txt'",
        "global.default-timeout='180'",
    ])  # fmt: skip
    assert uv_variables(listing) == {
        "UV_INDEX_STRATEGY": "unsafe-best-match",
        "SSL_CERT_FILE": "/etc/ssl/certs/ca.crt",
        "UV_FIND_LINKS": "/opt/wheels,/srv/more",
        "UV_EXTRA_INDEX_URL": "file:///opt/a file:///opt/b",
        "UV_INDEX_URL": "https://mirror.example/simple",
        "UV_CONSTRAINT": "/etc/pip/constraints.txt",
    }
    assert uv_variables("") == {"UV_INDEX_STRATEGY": "unsafe-best-match"}  # a plain pip: PyPI alone


@pytest.mark.parametrize("line", ["global.no-binary=':all:'", ":env:.pre='1'",
                                  "global.index-url='https://a/simple https://b/simple'"])  # fmt: skip
def test_a_setting_uv_would_miss_leaves_the_install_to_pip(line):
    with pytest.raises(ValueError, match="pip"):
        uv_variables(line)


def test_the_script_reads_pips_own_configuration(tmp_path):
    env = {**os.environ, "PIP_CONFIG_FILE": os.devnull, "PIP_INDEX_URL": "https://mirror.example/simple"}
    env = {key: value for key, value in env.items() if key not in ("PIP_FIND_LINKS", "PIP_CERT")}
    script = [sys.executable, str(REPO / "scripts" / "pip_config_for_uv.py")]
    done = subprocess.run(script, env=env, capture_output=True, text=True, cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert "UV_INDEX_URL=https://mirror.example/simple" in done.stdout.splitlines()
    refused = subprocess.run(script, env={**env, "PIP_NO_BINARY": ":all:"}, capture_output=True, text=True)
    assert refused.returncode == 1 and refused.stderr.startswith("bootstrap: pip's setting"), refused.stderr
