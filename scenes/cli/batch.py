"""`nnexplain batch JOBS.toml --out DIR`: the outputs of many networks in one run (the jobs file and
the outputs: scenes/production/batch.py). Each job's network, digit or image and scenes are checked
as the single commands check them; a job that cannot run is a row of the summary, not the end of the
batch."""

from __future__ import annotations

import contextlib
import sys
from pathlib import Path

import click

from network.cli_common import echo, one_line
from network.cli_import import import_command
from network.errors import NNExplainError
from scenes.cli.options import (
    available_entries,
    cluster_option,
    jobs_option,
    lookup,
    require_folder,
    story_config,
)
from scenes.production.batch import Job, read_jobs, render_jobs, summary_lines
from scenes.production.render import ensure_writable_dir
from scenes.story import catalog

__all__ = ["batch", "prepare"]


@click.command()
@click.argument("jobs_file", metavar="JOBS.toml", type=click.Path(path_type=Path))
@click.option(
    "--out",
    type=click.Path(path_type=Path),
    required=True,
    help="Folder for each job's outputs (<out>/<job name>/) and the render cache the jobs share.",
)
@jobs_option
@cluster_option
def batch(jobs_file, out, jobs, cluster):
    """Explainers, decks and figures of many networks in one run, from a jobs file (TOML; see
    examples/batch.toml). Scene renders shared by several jobs run once."""
    require_folder(out, "--out")
    job_list = read_jobs(jobs_file)
    ensure_writable_dir(out)
    log = lambda line: echo(line, err=True)  # noqa: E731
    for job in job_list:
        prepare(job, out, log)
        if job.error:
            log(f"{job.name}: FAILED: {job.error}")
    render_jobs(job_list, out, workers=jobs, cluster=cluster, log=log)
    for line in summary_lines(job_list):
        echo(line)
    failed = [job for job in job_list if job.error]
    if failed:
        first = f": {failed[0].name}: {failed[0].error}" if len(failed) == 1 else "; see the table above"
        raise NNExplainError(f"{len(failed)} of {len(job_list)} jobs failed{first}")


def prepare(job: Job, out: Path, log) -> None:
    """Set the job's story configuration and scenes, importing its model first if it names one
    (into <out>/imports/<name>.npz); a job that cannot run gets its one-line `error`."""
    try:
        weights = job.weights
        if job.model is not None:
            weights = Path(out) / "imports" / f"{job.name}.npz"
            weights.parent.mkdir(parents=True, exist_ok=True)
            with contextlib.redirect_stdout(sys.stderr):  # its report is a log line here
                import_command.callback(model_file=job.model, out=weights, activation=None,
                                        normalize=job.normalize, classes=None, name=None,
                                        data_dir=job.data_dir)  # fmt: skip
        job.config = story_config(weights, job.digit, job.image, job.theme, job.data_dir)
        named = catalog.STORY if job.scenes is None else dict.fromkeys(lookup(name) for name in job.scenes)
        job.entries = available_entries(
            list(named),
            job.config,
            everything=job.scenes is None,
            log=lambda line: log(f"{job.name}: {line}"),
        )
    except click.ClickException as exc:
        job.error = one_line(exc.format_message())
    except (NNExplainError, OSError) as exc:
        where = f"{exc.filename}: " if isinstance(exc, OSError) and exc.filename else ""
        job.error = one_line(f"{where}{getattr(exc, 'strerror', None) or exc}")
