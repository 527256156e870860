# The two commands a fresh machine needs (see README.md). Both set everything up first.
VENV := .venv
BIN := $(VENV)/bin

.PHONY: setup video test train clean

setup:
	bash scripts/bootstrap.sh

video: setup
	$(BIN)/nnexplain explainer

test: setup
	$(BIN)/python -m pytest -q

train: setup
	$(BIN)/nnexplain train --out network/weights/default.npz
	$(BIN)/nnexplain train --activation relu --out network/weights/relu.npz

clean:
	rm -rf media/videos media/images media/Tex media/texts media/figures media/cache
