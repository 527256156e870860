"""How every `nnexplain` command ends, in one place: `run(group, argv)` turns each problem into one
`nnexplain: error: ...` line on stderr and a non-zero exit status, treats SIGTERM like Ctrl-C (so
files being written are cleaned up either way), and ends quietly with status 0 when the reader of
its output goes away (`nnexplain scenes | head -1`).

An unexpected exception (a bug) is one line too; `nnexplain --debug ...` or NNEXPLAIN_DEBUG=1 shows
its traceback as well.

>>> import click
>>> @click.group()
... @debug_option
... def tool():
...     pass
>>> @tool.command()
... def boom():
...     raise RuntimeError("the flux capacitor")
>>> run(tool, ["boom"])  # on stderr: nnexplain: error: unexpected RuntimeError: the flux capacitor (...)
1
"""

from __future__ import annotations

import os
import select
import signal
import sys
import traceback

import click

from network.cli_common import echo, one_line
from network.errors import NNExplainError

__all__ = ["DEBUG_VARIABLE", "Terminated", "debug_option", "exit_process", "run"]

DEBUG_VARIABLE = "NNEXPLAIN_DEBUG"  # =1: the traceback of an unexpected error, as with --debug


class Terminated(KeyboardInterrupt):
    """SIGTERM, raised like Ctrl-C so that every cleanup runs; exits 143 (128 + 15)."""


def _debug_requested(context, parameter, value):
    if value:
        context.ensure_object(dict)["debug"] = True


debug_option = click.option(
    "--debug",
    is_flag=True,
    is_eager=True,
    expose_value=False,
    callback=_debug_requested,
    help=f"Show the traceback of an unexpected error (also {DEBUG_VARIABLE}=1).",
)


def run(group: click.Group, argv=None) -> int:
    """Run a command group; user errors become one line on stderr and exit status 1 (2 for usage
    errors), an unexpected exception one line and status 1 (its traceback too under --debug or
    NNEXPLAIN_DEBUG=1), a closed standard output a quiet status 0."""
    signal.signal(signal.SIGTERM, _interrupt)
    state = {"debug": os.environ.get(DEBUG_VARIABLE, "").strip() not in ("", "0")}
    try:
        group.main(args=argv, prog_name="nnexplain", standalone_mode=False, obj=state)
        if sys.stdout is not None:  # (None: started with stdout closed, `>&-`)
            sys.stdout.flush()  # (a closed pipe shows here, not as Python exits)
    except click.exceptions.Exit as done:
        return done.exit_code
    except click.ClickException as exc:
        echo(f"nnexplain: error: {one_line(exc.format_message())}", err=True)
        return exc.exit_code
    except NNExplainError as exc:
        echo(f"nnexplain: error: {one_line(exc)}", err=True)
        return 1
    except SystemExit as done:  # click's own ending for a closed pipe (EPIPE): sys.exit(1)
        if done.code == 1 and _stdout_closed():
            _silence_stdout()
            return 0
        raise
    except BrokenPipeError as exc:  # the closed pipe found by the flush above
        if not _stdout_closed():
            return _unexpected(exc, state)
        _silence_stdout()
        return 0
    except OSError as exc:  # the last resort: a file the checks above did not foresee
        where = f"{exc.filename}: " if exc.filename else ""
        echo(f"nnexplain: error: {one_line(where)}{exc.strerror or exc}", err=True)
        return 1
    except (click.exceptions.Abort, KeyboardInterrupt) as stop:
        signum = signal.SIGTERM if _terminated(stop) else signal.SIGINT
        echo(f"nnexplain: interrupted ({signal.Signals(signum).name})", err=True)
        return 128 + signum
    except Exception as exc:  # a bug: one line, the traceback on request
        return _unexpected(exc, state)
    return 0


def exit_process(code: int) -> None:
    """End the process with `code`, as the command line's entry points do. After an interrupt was
    handled (status 130 or 143: the work stopped, nothing half-written), a further Ctrl-C or SIGTERM
    while Python shuts down changes nothing: no KeyboardInterrupt traceback, the status stays."""
    if code in (128 + signal.SIGINT, 128 + signal.SIGTERM):
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
    sys.exit(code)


def _unexpected(exc: BaseException, state: dict) -> int:
    if state.get("debug"):
        traceback.print_exception(exc, file=sys.stderr)
        hint = ""
    else:
        hint = f" (run with --debug or {DEBUG_VARIABLE}=1 for the traceback)"
    message = one_line(exc) or "(no message)"
    echo(f"nnexplain: error: unexpected {type(exc).__name__}: {message}{hint}", err=True)
    return 1


def _stdout_closed() -> bool:
    """Whether standard output is a pipe or socket whose reader has gone (poll reports an error)."""
    try:
        poller = select.poll()
        poller.register(sys.stdout.fileno(), select.POLLOUT)
        return any(events & select.POLLERR for _, events in poller.poll(0))
    except (OSError, ValueError, AttributeError):
        return False


def _silence_stdout() -> None:
    """Point standard output at /dev/null, so that Python's own flush at exit finds no closed pipe."""
    devnull = os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(devnull, sys.stdout.fileno())
    finally:
        os.close(devnull)


def _interrupt(signum, frame):
    raise Terminated


def _terminated(stop: BaseException | None) -> bool:
    """Whether SIGTERM caused `stop` (click re-raises a KeyboardInterrupt as Abort from it)."""
    while stop is not None:
        if isinstance(stop, Terminated):
            return True
        stop = stop.__cause__ or stop.__context__
    return False
