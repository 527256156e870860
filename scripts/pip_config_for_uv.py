"""Print pip's configuration (pip.conf files and PIP_* variables, as `pip config list` reports them)
as uv's environment variables, one NAME=VALUE a line, for scripts/bootstrap.sh: uv reads none of it.
Exits 1, naming the setting, when pip has one with no counterpart here (bootstrap then uses pip).

    python scripts/pip_config_for_uv.py   # e.g. UV_INDEX_STRATEGY=unsafe-best-match, UV_FIND_LINKS=...
"""

from __future__ import annotations

import shlex
import subprocess
import sys

# pip's setting -> uv's variable and how it joins several values
VARIABLES = {
    "index-url": ("UV_INDEX_URL", " "),
    "extra-index-url": ("UV_EXTRA_INDEX_URL", " "),
    "find-links": ("UV_FIND_LINKS", ","),
    "constraint": ("UV_CONSTRAINT", " "),
    "cert": ("SSL_CERT_FILE", " "),
}
# settings that do not change what is installed (config-file: where pip read the ones listed)
IRRELEVANT = {"default-timeout", "timeout", "disable-pip-version-check", "no-cache-dir", "progress-bar",
              "config-file", "root-user-action", "no-input", "quiet", "verbose"}  # fmt: skip


def uv_variables(listing: str) -> dict[str, str]:
    """`pip config list` output as uv's variables; ValueError for a setting uv would not honour.
    uv is told to take the best version across every index, as pip does.

    >>> uv_variables("global.extra-index-url='file:///a file:///b'\\n:env:.default-timeout='180'")
    {'UV_INDEX_STRATEGY': 'unsafe-best-match', 'UV_EXTRA_INDEX_URL': 'file:///a file:///b'}
    """
    values: dict[str, list[str]] = {}
    for line in listing.splitlines():
        key, _, quoted = line.partition("=")
        name = key.rsplit(".", 1)[-1]
        if name in IRRELEVANT:
            continue
        if name not in VARIABLES:
            raise ValueError(f"pip's setting {key} has no uv counterpart here")
        found = values.setdefault(name, [])
        found += [value for value in " ".join(shlex.split(quoted)).split() if value not in found]
    variables = {"UV_INDEX_STRATEGY": "unsafe-best-match"}
    for name, found in values.items():
        variable, separator = VARIABLES[name]
        if variable in ("UV_INDEX_URL", "SSL_CERT_FILE") and len(found) > 1:
            raise ValueError(f"pip has {len(found)} values for {name}")
        variables[variable] = separator.join(found)
    return variables


def main() -> int:
    listing = subprocess.run([sys.executable, "-m", "pip", "config", "list"], capture_output=True, text=True)
    try:
        variables = uv_variables(listing.stdout)
    except ValueError as exc:
        print(f"bootstrap: {exc}", file=sys.stderr)
        return 1
    print("\n".join(f"{name}={value}" for name, value in variables.items()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
