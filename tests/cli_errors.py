"""The one check that a command failed the way the project promises: a non-zero exit status, one
`nnexplain: error: ...` line on stderr, nothing on stdout, no traceback anywhere. Rendering
commands report each scene on stderr as it ends (`ForwardPass   12.3 s`, `... FAILED: ...`): with
`progress=True` those report lines may come before the error line, which is then the last line.

>>> assert_one_error_line(1, "", "nnexplain: error: no such file: w.npz\\n", "w.npz")
>>> assert_one_error_line(1, "", "Sum   FAILED: no latex\\nnnexplain: error: Sum failed\\n", progress=True)
"""

from __future__ import annotations

import re

__all__ = ["ERROR_PREFIX", "assert_one_error_line"]

ERROR_PREFIX = "nnexplain: error: "
# One scene's line of the render report (scenes/production/render.py): its name, then how it ended.
PROGRESS_LINE = re.compile(r"\w+ +(cached|\d+\.\d s|FAILED: .+)")


def assert_one_error_line(
    code: int, out: str, err: str, *fragments: str, status: int | None = None, progress: bool = False
) -> None:
    """Assert that (code, out, err) of a command is one clear error: `code` non-zero (and `status`
    when given), stdout empty, stderr exactly one non-blank line starting `nnexplain: error: ` and
    holding every fragment (after render report lines when `progress`), no traceback anywhere."""
    assert code != 0, f"exit status 0, expected a failure; stderr:\n{err}"
    assert status is None or code == status, f"exit status {code}, expected {status}; stderr:\n{err}"
    assert "Traceback" not in out + err, f"a traceback:\n{out}{err}"
    assert out == "", f"expected nothing on stdout, got:\n{out}"
    lines = [line for line in err.splitlines() if line.strip()]
    if progress:
        report = [line for line in lines[:-1] if PROGRESS_LINE.fullmatch(line)]
        lines = lines[len(report) :] if report == lines[: len(report)] else lines
    assert len(lines) == 1, f"expected one line on stderr, got {len(lines)}:\n{err}"
    assert lines[0].startswith(ERROR_PREFIX), f"not an nnexplain error line: {lines[0]!r}"
    for fragment in fragments:
        assert fragment in lines[0], f"{fragment!r} is not in {lines[0]!r}"
