#!/usr/bin/env bash
# Set up a fresh machine: the Debian packages manim and LaTeX need, then a venv at .venv with
# nnexplain installed in editable mode (with the test tools). Safe to run again: it skips what is done.
set -euo pipefail
cd "$(dirname "$0")/.."

# cairo/pango for manim, LaTeX for MathTex, poppler-utils (pdftoppm) for the figure tests, espeak-ng
# for --voice tts; with --test also the browser the slide-deck tests drive (chromium and its driver)
APT_PACKAGES=(libcairo2-dev libpango1.0-dev pkg-config texlive-latex-base texlive-latex-extra dvisvgm poppler-utils
              espeak-ng)
if [[ ${1:-} == --test ]]; then
    APT_PACKAGES+=(chromium chromium-driver)
fi
missing=()
for package in "${APT_PACKAGES[@]}"; do
    dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || missing+=("$package")
done
if ((${#missing[@]})); then
    if [[ $(id -u) -eq 0 ]]; then
        echo "bootstrap: installing Debian packages: ${missing[*]}"
        apt-get update -qq
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
    else
        echo "bootstrap: missing Debian packages; run: sudo apt-get install -y ${missing[*]}" >&2
        exit 1
    fi
fi

PYTHON=${PYTHON:-python3}
if [[ ! -x .venv/bin/python ]]; then
    echo "bootstrap: creating .venv"
    "$PYTHON" -m venv .venv
fi
stamp=.venv/.nnexplain-installed
if [[ ! -f $stamp || pyproject.toml -nt $stamp ]]; then
    echo "bootstrap: installing nnexplain and its dependencies into .venv"
    # uv installs and byte-compiles the ~90 packages in about half of pip's time. It reads none of
    # pip's configuration (pip.conf, PIP_* variables): scripts/pip_config_for_uv.py hands it on as
    # uv's variables, and pip installs where it cannot, or where uv fails
    if ! { uv_settings=$(.venv/bin/python scripts/pip_config_for_uv.py) && mapfile -t uv_env <<<"$uv_settings" &&
           .venv/bin/python -m pip install -q --only-binary=:all: "uv==0.13.10" &&
           env "${uv_env[@]}" .venv/bin/uv pip install -q --python .venv/bin/python --compile-bytecode -e ".[dev]"; }; then
        echo "bootstrap: installing with pip instead of uv"
        .venv/bin/python -m pip install -q --upgrade pip
        .venv/bin/python -m pip install -q -e ".[dev]"
    fi
    touch "$stamp"
fi
