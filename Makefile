# The two commands a fresh machine needs (see README.md). Both set everything up first.
VENV := .venv
BIN := $(VENV)/bin

.PHONY: setup setup-test video test check lint train clean

setup:
	bash scripts/bootstrap.sh

setup-test:
	bash scripts/bootstrap.sh --test

video: setup
	$(BIN)/nnexplain explainer

# The suite across every core (pytest-xdist; files marked xdist_group stay on one worker). MNIST:
# $NNEXPLAIN_DATA, else ../shared/data/mnist, else the CLI's cache, downloaded on first use.
test: setup-test lint
	$(BIN)/python -m pytest -q -n auto --dist loadgroup

# A quick subset while developing (under a minute): the plain-numpy and file-format tests.
CHECK_FILES := tests/test_model.py tests/test_selection.py tests/test_digit_parts.py \
	tests/test_diagram_choices.py tests/test_export.py tests/test_import.py tests/test_images.py \
	tests/test_cli_errors.py
check: setup-test
	$(BIN)/python -m pytest -q -n auto --dist loadgroup $(CHECK_FILES)

lint: setup-test
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

train: setup
	$(BIN)/nnexplain train --out network/weights/default.npz --snapshots media/default-snapshots
	$(BIN)/nnexplain history media/default-snapshots --out network/weights/default-history
	$(BIN)/nnexplain train --activation relu --out network/weights/relu.npz

# What rendering writes: the scene cache, the published quality folders (480p15, 1080p60-light,
# 720p30-full-edges, ...) and plain manim's own folders. Trained weights in media/ are kept.
clean:
	rm -rf media/scenes media/[0-9]*p[0-9]* media/videos media/images media/Tex media/texts
