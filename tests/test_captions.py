"""Captions and chapters: the cue logic on small texts, then a real explainer of two scenes whose
SRT, WebVTT, chapter list and mp4 tracks are read back (the mp4 with PyAV)."""

from __future__ import annotations

import av
import pytest

from scenes.cli import main
from scenes.narration.subtitles import Cue, chapter_lines, sentences, srt, step_cues, timeline, vtt
from scenes.production.steps import read_steps
from scenes.production.video_files import video_summary
from tests.cli_errors import assert_one_error_line

# pytest-xdist: the whole file on one worker (its module fixture renders an explainer once)
pytestmark = pytest.mark.xdist_group("captions")


def test_sentences_end_at_stops_not_inside_numbers():
    text = "It reads 95.9% of the digits right; this is one miss. Why? Because   the sum is -0.46!"
    assert sentences(text) == [
        "It reads 95.9% of the digits right; this is one miss.",
        "Why?",
        "Because the sum is -0.46!",
    ]


def test_a_long_sentence_is_cut_at_its_clauses():
    long = "one, " * 40 + "end."
    parts = sentences(long)
    assert len(parts) > 1 and all(len(part) <= 120 for part in parts)
    assert " ".join(parts) == " ".join(long.split())


def test_step_cues_cover_the_step_in_proportion_to_words():
    cues = step_cues("One two three. Four.", 10.0, 14.0)
    assert cues == [Cue(10.0, 13.0, "One two three."), Cue(13.0, 14.0, "Four.")]
    assert step_cues("", 0, 5) == [] and step_cues("Words.", 3, 3) == []


def test_timeline_places_each_scene_after_the_last():
    cues, chapters = timeline([("A", [("First. Second.", 2.0), ("Third.", 1.5)]), ("B", [("Fourth.", 4.0)])])
    assert chapters == [(0.0, 3.5, "A"), (3.5, 7.5, "B")]
    assert [c.start for c in cues] == [0.0, 1.0, 2.0, 3.5] and cues[-1].end == 7.5


def test_srt_vtt_and_chapter_formats():
    cues = [Cue(0.0, 1.25, "Hello."), Cue(3661.5, 3662.0, "Later, café.")]
    assert srt(cues) == (
        "1\n00:00:00,000 --> 00:00:01,250\nHello.\n\n2\n01:01:01,500 --> 01:01:02,000\nLater, café.\n\n"
    )
    assert vtt(cues).startswith("WEBVTT\n\n00:00:00.000 --> 00:00:01.250\nHello.\n\n")
    assert (
        chapter_lines([(0, "Intro"), (65.9, "Layers"), (3725, "End")])
        == "0:00 Intro\n1:05 Layers\n1:02:05 End\n"
    )


def parse_srt(text: str) -> list[tuple[float, float, str]]:
    def seconds(stamp: str) -> float:
        h, m, s = stamp.replace(",", ".").split(":")
        return int(h) * 3600 + int(m) * 60 + float(s)

    blocks = [block.splitlines() for block in text.strip().split("\n\n")]
    return [
        (seconds(b[1].split(" --> ")[0]), seconds(b[1].split(" --> ")[1]), " ".join(b[2:])) for b in blocks
    ]


@pytest.fixture(scope="module")
def explainer(tmp_path_factory):
    out = tmp_path_factory.mktemp("media")
    assert main(["explainer", "--only", "this-is-a-three,layer-diagram", "--out", str(out)]) == 0
    return out


def test_the_explainer_carries_subtitles_and_chapters_at_the_scene_boundaries(explainer):
    folder = explainer / "480p15"
    first = video_summary(folder / "ThisIsAThree.mp4")[3]
    total = video_summary(folder / "explainer.mp4")[3]
    cues = parse_srt((folder / "explainer.srt").read_text("utf-8"))
    starts = [start for start, _, _ in cues]
    assert starts[0] == 0.0 and cues[-1][1] == pytest.approx(total, abs=0.07)
    assert any(start == pytest.approx(first, abs=0.07) for start in starts)  # LayerDiagram's first cue
    assert all(a[1] == pytest.approx(b[0], abs=0.002) for a, b in zip(cues, cues[1:]))  # no gap, no overlap
    steps = [s for cache in sorted(explainer.glob("scenes/*/*.steps")) for s in read_steps(cache)]
    narration = " ".join(text for _, _, text in cues)
    assert all(step["notes"] in " ".join(narration.split()) for step in steps)
    vtt_text = (folder / "explainer.vtt").read_text("utf-8")
    assert vtt_text.startswith("WEBVTT") and vtt_text.count(" --> ") == len(cues)
    assert (folder / "explainer.chapters.txt").read_text() == (
        f"0:00 Introduction: this is a 3\n0:{int(first):02d} Layers\n"
    )
    with av.open(str(folder / "explainer.mp4")) as container:
        chapters = container.chapters()
        subtitles = container.streams.subtitles[0]
        assert subtitles.codec_context.name == "mov_text" and subtitles.language == "eng"
        samples = [bytes(p)[2:].decode() for p in container.demux(subtitles) if p.size > 2]
    assert [c["metadata"]["title"] for c in chapters] == ["Introduction: this is a 3", "Layers"]
    assert chapters[1]["start"] * chapters[1]["time_base"] == pytest.approx(first, abs=0.07)
    assert samples == [text for _, _, text in cues]


def test_every_step_is_captioned_with_its_narration_as_manim_subcaptions(tmp_path):
    """What plain manim writes to <Scene>.srt: the steps' narration, sentence by sentence, end to end."""
    from scenes.story.layer_diagram import LayerDiagram
    from tests.scene_rendering import render_last_frame

    scene, _ = render_last_frame(LayerDiagram, tmp_path)
    subtitles = scene.renderer.file_writer.subcaptions
    assert " ".join(s.content for s in subtitles) == " ".join(step.notes for step in scene.steps)
    assert subtitles[0].start.total_seconds() == 0
    assert subtitles[-1].end.total_seconds() == pytest.approx(scene.renderer.time, abs=0.002)
    assert all(a.end == b.start for a, b in zip(subtitles, subtitles[1:]))


def tone(path, seconds: float, frequency: float, rate: int = 16000) -> None:
    """A real WAV file (Python's wave module): a sine tone."""
    import wave

    import numpy as np

    t = np.arange(int(seconds * rate)) / rate
    samples = (0.5 * 32767 * np.sin(2 * np.pi * frequency * t)).astype("<i2")
    with wave.open(str(path), "wb") as audio:
        audio.setnchannels(1)
        audio.setsampwidth(2)
        audio.setframerate(rate)
        audio.writeframes(samples.tobytes())


def loudness(video, windows) -> list[float]:
    """RMS of the video's audio track (samples in [-1, 1]) in each (start, end) window, in seconds."""
    import numpy as np

    with av.open(str(video)) as container:
        chunks, rate = [], container.streams.audio[0].rate
        for frame in container.decode(audio=0):
            chunks.append(frame.to_ndarray().astype(float).mean(axis=0))
    signal = np.concatenate(chunks)
    assert all(0 <= a < b <= len(signal) / rate for a, b in windows), (windows, len(signal) / rate)
    return [float(np.sqrt(np.mean(signal[int(a * rate) : int(b * rate)] ** 2))) for a, b in windows]


def test_your_own_recordings_set_each_steps_length_and_fill_the_soundtrack(tmp_path, capsys):
    voice = tmp_path / "takes"
    voice.mkdir()
    lengths = [14.0, 2.0, 2.0, 2.0]  # the first take is far longer than the step's reading time
    for number, seconds in enumerate(lengths, start=1):
        tone(voice / f"LayerDiagram.{number}.wav", seconds, 300 + 100 * number)
    out = tmp_path / "media"
    assert main(["explainer", "--only", "layer-diagram", "--voice", str(voice), "--out", str(out)]) == 0
    capsys.readouterr()
    steps = read_steps(next(out.glob("scenes/*/LayerDiagram.steps")))
    assert all(step["seconds"] >= length for step, length in zip(steps, lengths))
    assert steps[0]["seconds"] < lengths[0] + 1.0  # held as long as the take, not much longer
    video = out / "480p15-voice" / "explainer.mp4"
    starts = [sum(step["seconds"] for step in steps[:k]) for k in range(len(steps))]
    speaking = loudness(video, [(s + 0.3, s + length - 0.3) for s, length in zip(starts, lengths)])
    gaps = [(s + length + 0.2, s + step["seconds"] - 0.1) for s, length, step in zip(starts, lengths, steps)]
    quiet = loudness(video, [(a, b) for a, b in gaps if b > a + 0.2])  # reading time past the take
    assert len(quiet) >= 2 and min(speaking) > 0.1 and max(quiet) < 0.005, (speaking, quiet)


def test_a_missing_or_unreadable_recording_is_one_line_naming_the_step(tmp_path, capsys):
    voice = tmp_path / "takes"
    voice.mkdir()
    tone(voice / "LayerDiagram.1.wav", 1.0, 440)
    (voice / "LayerDiagram.2.wav").write_text("not audio")
    code = main(["render", "layer-diagram", "--voice", str(voice), "--out", str(tmp_path / "m")])
    assert_one_error_line(
        code, *capsys.readouterr(), "LayerDiagram step 2 ('The output layer')", progress=True
    )
    (voice / "LayerDiagram.2.wav").unlink()
    code = main(["render", "layer-diagram", "--voice", str(voice), "--out", str(tmp_path / "m")])
    assert_one_error_line(
        code, *capsys.readouterr(), "no recording for LayerDiagram step 2", "is missing", progress=True
    )
    code = main(
        ["render", "layer-diagram", "--voice", str(tmp_path / "nowhere"), "--out", str(tmp_path / "m")]
    )
    assert_one_error_line(code, *capsys.readouterr(), "is not a folder of recordings", progress=True)


def test_narration_lists_every_step_to_record(tmp_path, capsys):
    code = main(["narration", "forward-pass", "--out", str(tmp_path / "script")])
    assert code == 0
    files = sorted(path.name for path in (tmp_path / "script").iterdir())
    assert files == ["ForwardPass.1.txt", "ForwardPass.2.txt", "ForwardPass.3.txt", "narration.md"]
    listing = (tmp_path / "script" / "narration.md").read_text("utf-8")
    assert "### ForwardPass.3.wav: One it gets wrong" in listing
    assert "but the label says" in (tmp_path / "script" / "ForwardPass.3.txt").read_text("utf-8")


def test_tts_speaks_every_step_with_espeak(tmp_path, capsys):
    out = tmp_path / "media"
    assert main(["render", "forward-pass", "--voice", "tts", "--out", str(out)]) == 0
    steps = read_steps(next(out.glob("scenes/*/ForwardPass.steps")))
    video = out / "480p15-voice" / "ForwardPass.mp4"
    starts = [sum(step["seconds"] for step in steps[:k]) for k in range(len(steps))]
    assert min(loudness(video, [(s + 0.2, s + 1.5) for s in starts])) > 0.01  # speech at each step's start
