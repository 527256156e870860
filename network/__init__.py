"""nnexplain's numpy network: data (IDX files), model (MLP), training, export (.npz files)."""

__version__ = "0.1.0"
