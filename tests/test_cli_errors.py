"""The one-error-line check itself: it passes a clean error and fails on everything else."""

from __future__ import annotations

import pytest

from tests.cli_errors import assert_one_error_line

LINE = "nnexplain: error: w.npz: no such file\n"


def test_a_clean_error_passes_with_its_fragments_and_status():
    assert_one_error_line(1, "", LINE, "w.npz", "no such file", status=1)
    assert_one_error_line(2, "", "\n" + LINE + "\n")  # blank lines are not lines of text


@pytest.mark.parametrize(
    "code, out, err, fragments, status",
    [
        (0, "", LINE, (), None),  # exit 0
        (1, "", LINE, (), 2),  # the wrong status
        (1, "", "Traceback (most recent call last):\n" + LINE, (), None),
        (1, "Traceback (most recent call last):\n", LINE, (), None),  # a traceback on stdout
        (1, "", LINE + LINE, (), None),  # two lines
        (1, "", "warning: slow\n" + LINE, (), None),  # a line before the error
        (1, "", "error: w.npz: no such file\n", (), None),  # not the nnexplain prefix
        (1, "", "", (), None),  # nothing said at all
        (1, "wrote w.npz\n", LINE, (), None),  # something on stdout
        (1, "", LINE, ("x.npz",), None),  # a fragment missing
    ],
)
def test_anything_else_fails(code, out, err, fragments, status):
    with pytest.raises(AssertionError):
        assert_one_error_line(code, out, err, *fragments, status=status)


REPORT = "ThisIsAThree              cached\nWeightedSum              FAILED: need latex\n"


def test_render_report_lines_may_come_first_only_when_asked():
    assert_one_error_line(1, "", REPORT + LINE, "w.npz", progress=True)
    with pytest.raises(AssertionError):
        assert_one_error_line(1, "", REPORT + LINE)  # a plain command prints no report
    with pytest.raises(AssertionError):
        assert_one_error_line(1, "", LINE + REPORT, progress=True)  # the error is the last line
    with pytest.raises(AssertionError):
        assert_one_error_line(1, "", "warning: slow\n" + LINE, progress=True)  # not a report line
    with pytest.raises(AssertionError):
        assert_one_error_line(1, "", REPORT + LINE + LINE, progress=True)
