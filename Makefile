# The two commands a fresh machine needs (see README.md). Both set everything up first.
VENV := .venv
BIN := $(VENV)/bin

.PHONY: setup setup-test video test lint train clean

setup:
	bash scripts/bootstrap.sh

setup-test:
	bash scripts/bootstrap.sh --test

video: setup
	$(BIN)/nnexplain explainer

test: setup-test lint
	$(BIN)/python -m pytest -q

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
