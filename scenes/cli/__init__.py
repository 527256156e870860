"""The `nnexplain` command: the scene commands (main.py), the lecture commands (lecture.py) and the
options they share (options.py), with the network's commands mounted beside them."""

from scenes.cli.main import console, main

__all__ = ["console", "main"]
