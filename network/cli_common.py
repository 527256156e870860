"""What every command shares: output lines that survive any file name, the options several commands
take, and `stack_options`, which makes one decorator of several click options."""

from __future__ import annotations

from pathlib import Path

import click
import numpy as np

from network.atomic import STDOUT
from network.weights_file import DEFAULT_WEIGHTS

__all__ = [
    "MAX_INDEX",
    "SEED",
    "data_dir_option",
    "echo",
    "finite",
    "one_line",
    "report",
    "stack_options",
    "weights_option",
]

MAX_INDEX = 10**9  # a test-set index beyond any data set, small enough for every integer type
SEED = click.IntRange(0, 2**32 - 1)  # what numpy's generators take


def finite(context, parameter, value):
    """Reject nan and inf, which click's FloatRange lets through."""
    if value is not None and not np.isfinite(value):
        raise click.BadParameter(f"{value!r} is not a finite number")
    return value


def echo(message, err: bool = False) -> None:
    """Print a line; bytes of a file name that are not UTF-8 are shown as \\xNN escapes (a name may
    be any bytes, and a strict stdout would fail on them)."""
    text = str(message).encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")
    click.echo(text, err=err)


def one_line(message) -> str:
    """An error message on one line whatever the file names in it hold (newlines, tabs, ...)."""
    return "".join(ch if ord(ch) >= 32 and ord(ch) != 127 else repr(ch)[1:-1] for ch in str(message))


def report(out, message: str) -> None:
    """A message about a written file: on stdout, unless the file itself is streaming there."""
    echo(message, err=str(out) == STDOUT)


weights_option = click.option(
    "--weights",
    type=click.Path(path_type=Path),
    default=DEFAULT_WEIGHTS,
    show_default="the shipped sigmoid 784-16-16-10",
    help="Weights .npz file.",
)
data_dir_option = click.option(
    "--data-dir",
    type=click.Path(path_type=Path),
    default=None,
    help="Directory with the four IDX files "
    "(default: $NNEXPLAIN_DATA, else ~/.cache/nnexplain/mnist, downloaded if empty).",
)


def stack_options(*options):
    """One decorator applying `options` in the order given, as if written one above the other."""

    def decorate(function):
        for option in reversed(options):
            function = option(function)
        return function

    return decorate
