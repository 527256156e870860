"""`nnexplain batch JOBS.toml`: two networks by two outputs, a job sharing their renders and a bad job
among them, rendered by a real Dask cluster (tests/dask_cluster.py); and jobs files that are wrong."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import av
import pytest
from PIL import Image
from pptx import Presentation

from network.weights_file import DEFAULT_WEIGHTS, RELU_WEIGHTS
from scenes.cli.batch import prepare
from scenes.production.batch import read_jobs
from scenes.story.inputs import load_story_inputs
from tests.dask_cluster import running_cluster

# One Dask cluster for the module, on one worker
pytestmark = pytest.mark.xdist_group("batch")

REPO = Path(__file__).resolve().parents[1]

JOBS = """
[defaults]
quality = "l"
scenes = ["this-is-a-three"]

[[job]]
name = "sigmoid"
weights = "{sigmoid}"
outputs = ["explainer", "deck"]

[[job]]
name = "relu"
weights = "{relu}"
digit = 7
outputs = ["explainer", "figures", "lesson"]

[[job]]
name = "broken"
weights = "broken.npz"
outputs = ["explainer", "deck"]

[[job]]
name = "sigmoid-figures"
weights = "{sigmoid}"
outputs = ["figures"]
"""


@pytest.fixture(scope="module")
def dask_cluster(tmp_path_factory):
    yield from running_cluster(tmp_path_factory)


def nnexplain(*args, cwd: Path) -> subprocess.CompletedProcess:
    env = {**os.environ, "NNEXPLAIN_DATA": str(REPO.parent / "shared" / "data" / "mnist")}
    return subprocess.run(
        [sys.executable, "-m", "scenes.cli", *map(str, args)],
        cwd=cwd,
        env={**env, "PYTHONPATH": str(REPO)},
        capture_output=True,
        text=True,
        timeout=1200,
    )


def frames(video: Path) -> int:
    with av.open(str(video)) as container:
        return sum(1 for _ in container.decode(video=0))


def test_a_batch_of_two_networks_by_two_outputs_on_the_cluster(dask_cluster, tmp_path):
    (tmp_path / "broken.npz").write_bytes(b"not a weights file")
    jobs = tmp_path / "jobs.toml"
    jobs.write_text(JOBS.format(sigmoid=DEFAULT_WEIGHTS, relu=RELU_WEIGHTS))
    out = tmp_path / "out"
    done = nnexplain("batch", jobs, "--out", out, "--cluster", dask_cluster.address, cwd=tmp_path)
    assert done.returncode == 1, done.stderr
    table = done.stdout.splitlines()
    assert table[0].split() == ["job", "outputs", "scenes", "rendered", "cached", "result"]
    rows = {line.split()[0]: line.split(None, 5) for line in table[1:]}
    assert rows["sigmoid"][1:] == ["explainer,deck", "1", "1", "0", "8 files in sigmoid/"]
    relu_files = sum(path.is_file() for path in (out / "relu").rglob("*"))
    assert relu_files > 7  # 7 of the explainer and figures, the lesson's page and assets
    assert rows["relu"][1:] == ["explainer,figures,lesson", "1", "1", "0", f"{relu_files} files in relu/"]
    assert rows["sigmoid-figures"][1:] == ["figures", "1", "0", "1", "3 files in sigmoid-figures/"]
    assert rows["broken"][5].startswith("FAILED: ") and "broken.npz" in rows["broken"][5]
    assert done.stderr.splitlines()[-1].startswith("nnexplain: error: 1 of 4 jobs failed: broken: ")
    assert "Traceback" not in done.stderr
    # each distinct render ran once, on the cluster
    cached = sorted(out.glob("scenes/*/ThisIsAThree.mp4"))
    assert len(cached) == 2
    assert sorted(path.name for path in out.iterdir()) == ["relu", "scenes", "sigmoid", "sigmoid-figures"]
    assert sorted(out.rglob(".*")) == []
    for name in ("sigmoid", "relu"):
        assert frames(out / name / "explainer.mp4") in {frames(video) for video in cached}
        assert (out / name / "explainer.srt").read_text().startswith("1\n00:00:00,000 --> ")
    deck = Presentation(str(out / "sigmoid" / "deck.pptx"))
    assert len(deck.slides) == 3  # the title slide, then ThisIsAThree's two steps
    title_texts = [shape.text_frame.text for shape in deck.slides[0].shapes if shape.has_text_frame]
    assert "But what is a neural network?" in title_texts
    assert {path.name for path in (out / "sigmoid").iterdir()} >= {"deck.html", "deck.pdf", "deck_assets"}
    for name in ("relu", "sigmoid-figures"):
        figures = sorted(path.name for path in (out / name / "figures").iterdir())
        assert figures == ["ThisIsAThree-01.png", "ThisIsAThree-02.png", "ThisIsAThree-handout.pdf"]
        assert Image.open(out / name / "figures" / "ThisIsAThree-02.png").size == (854, 480)
    # the relu job's lesson: its own network in the page, its videos from the batch's render
    page = (out / "relu" / "lesson" / "index.html").read_text("utf-8")
    assert '"activation":"relu"' in page and "But what is a neural network?" in page
    videos = sorted((out / "relu" / "lesson" / "assets").glob("*.mp4"))
    assert len(videos) == 2 and all(f'src="assets/{video.name}"' in page for video in videos)
    assert sum(frames(video) for video in videos) == frames(out / "relu" / "explainer.mp4")
    assert "But what is a neural network?" in (out / "sigmoid" / "deck.html").read_text("utf-8")
    # the relu job follows test digit 7 (a 9) on its own network: other pictures than the sigmoid's 3
    relu = Image.open(out / "relu" / "figures" / "ThisIsAThree-02.png").convert("RGB")
    sigmoid = Image.open(out / "sigmoid-figures" / "figures" / "ThisIsAThree-02.png").convert("RGB")
    assert relu.tobytes() != sigmoid.tobytes()


@pytest.mark.parametrize(
    "text, message",
    [
        ('[[job]]\nname = "a"\n', 'job \'a\': give weights = "FILE.npz" or model = "FILE" (one of them)'),
        (
            '[[job]]\nname = "a"\nweights = "w.npz"\ncolour = 1\n',
            "job 1: unknown key 'colour'; a job takes name",
        ),
        ('[[job]]\nname = "a"\nweights = "w.npz"\noutputs = ["film"]\n', "job 'a': unknown output 'film'"),
        ('[[job]]\nname = "a/b"\nweights = "w.npz"\n', "job 1: needs a name of letters"),
        (
            '[[job]]\nname = "a"\nweights = "w.npz"\n[[job]]\nname = "a"\nweights = "w.npz"\n',
            "two jobs are named 'a'",
        ),
        (
            '[[job]]\nname = "a"\nweights = "w.npz"\nquality = "x"\n',
            "job 'a': quality = 'x' is not l, m, h or k",
        ),
        ("[defaults]\nquality = 'l'\n", "no jobs; add a [[job]] table"),
        ("[[job]\n", "not a TOML file"),
    ],
)
def test_a_wrong_jobs_file_is_one_line_and_writes_nothing(run, tmp_path, text, message):
    jobs = tmp_path / "jobs.toml"
    jobs.write_text(text)
    code, out, err = run("batch", jobs, "--out", tmp_path / "out")
    assert code == 1 and out == ""
    assert len(err.splitlines()) == 1 and err.startswith(f"nnexplain: error: {jobs}: ")
    assert message in err
    assert not (tmp_path / "out").exists()


def test_a_job_naming_a_model_file_imports_it_first(tmp_path, mnist_dir):
    model = REPO / "tests" / "fixtures" / "imports" / "torch_relu.onnx"
    jobs = tmp_path / "jobs.toml"
    jobs.write_text(
        f'[[job]]\nname = "torch"\nmodel = "{model}"\nnormalize = "0.1307,0.3081"\n'
        f'data_dir = "{mnist_dir}"\nscenes = ["forward-pass"]\noutputs = ["figures"]\n'
    )
    [job] = read_jobs(jobs)
    lines = []
    prepare(job, tmp_path / "out", lines.append)
    assert job.error is None
    assert job.config.weights == tmp_path / "out" / "imports" / "torch.npz"
    story = load_story_inputs(job.config)
    assert story.sizes == (784, 128, 64, 10) and story.activation == "relu"
    assert [entry.name for entry in job.entries] == ["ForwardPass"]
    broken = tmp_path / "broken.onnx"
    broken.write_bytes(b"not a model")
    jobs.write_text(f'[[job]]\nname = "broken"\nmodel = "{broken}"\n')
    [job] = read_jobs(jobs)
    prepare(job, tmp_path / "out", lines.append)
    assert job.error is not None and "broken.onnx" in job.error and "\n" not in job.error
