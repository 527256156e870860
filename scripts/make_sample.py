"""Write network/samples/mnist_test_sample.npz: the first 1000 MNIST test digits with labels.

Usage: python scripts/make_sample.py [DATA_DIR]
"""

import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from network.data import SAMPLE_PATH, SAMPLE_SIZE, SPLITS, find_idx_file, read_idx, resolve_data_dir  # noqa: E402
from network.weights_file import write_npz  # noqa: E402

directory, _ = resolve_data_dir(sys.argv[1] if len(sys.argv) > 1 else None)
images = read_idx(find_idx_file(directory, SPLITS["test_images"]))[:SAMPLE_SIZE]
labels = read_idx(find_idx_file(directory, SPLITS["test_labels"]))[:SAMPLE_SIZE]
write_npz(
    SAMPLE_PATH,
    {"images": images, "labels": labels.astype(np.int64), "indices": np.arange(SAMPLE_SIZE, dtype=np.int64)},
)
print(f"wrote {SAMPLE_PATH} ({SAMPLE_PATH.stat().st_size:,} bytes)")
