"""A voiced explainer of two and three beats, joined for real and read back: with espeak-ng's draft
voice (`--voice tts`) and with a folder of recordings (tones of known lengths written with the
`wave` module). The joined file's audio lasts as long as its video, every step's speech starts
with its step (found in the decoded samples, not taken from the code), captions and chapters sit
at the steps' and beats' boundaries. One render per voice serves every test (module fixtures)."""

from __future__ import annotations

import shutil
import wave
from pathlib import Path

import av
import numpy as np
import pytest

from scenes.cli import main
from scenes.production.steps import read_steps
from tests.test_captions import parse_srt

# The two voiced renders are shared by every test: one worker renders them once
pytestmark = pytest.mark.xdist_group("voiced")

BEATS = ["ThisIsAThree", "LayerDiagram", "ForwardPass"]
KEBAB = {"ThisIsAThree": "this-is-a-three", "LayerDiagram": "layer-diagram", "ForwardPass": "forward-pass"}
FRAME = 1 / 15  # -q l: 480p15
WINDOW = 0.002  # seconds of audio per loudness window
SPEECH = 0.01  # RMS (samples in [-1, 1]) above which a window holds speech or a tone


def explainers(out: Path, voice: str) -> dict[int, Path]:
    """Join the first two, then all three beats (the second join reuses the rendered beats); each
    joined video and its captions moved into <out>/<beats>/."""
    joined = {}
    for count in (3, 2):
        only = ",".join(KEBAB[name] for name in BEATS[:count])
        assert main(["explainer", "--only", only, "--voice", voice, "--out", str(out)]) == 0
        folder = out / str(count)
        folder.mkdir()
        for produced in (out / "480p15-voice").glob("explainer.*"):
            shutil.move(produced, folder / produced.name)
        joined[count] = folder / "explainer.mp4"
    return joined


def write_tone(path: Path, seconds: float, frequency: float, rate: int = 22050) -> None:
    """A WAV file (Python's wave module) of a sine tone at full loudness from its first sample."""
    t = np.arange(round(seconds * rate)) / rate
    samples = (0.5 * 32767 * np.sin(2 * np.pi * frequency * t + np.pi / 2)).astype("<i2")
    with wave.open(str(path), "wb") as audio:
        audio.setnchannels(1)
        audio.setsampwidth(2)
        audio.setframerate(rate)
        audio.writeframes(samples.tobytes())


@pytest.fixture(scope="module")
def tts(tmp_path_factory):
    out = tmp_path_factory.mktemp("tts")
    return out, explainers(out, "tts"), {}


@pytest.fixture(scope="module")
def recorded(tmp_path_factory):
    """Takes of 1.2 s, 1.4 s, ... for every step `nnexplain narration` lists (by <Scene>.<n>)."""
    script, takes = tmp_path_factory.mktemp("script"), tmp_path_factory.mktemp("takes")
    assert main(["narration", *(KEBAB[name] for name in BEATS), "--out", str(script)]) == 0
    names = sorted(path.stem for path in script.glob("*.txt"))
    assert len(names) >= 7, names  # every step of the three beats
    lengths = {name: round(1.0 + 0.2 * number, 1) for number, name in enumerate(names, start=1)}
    for number, name in enumerate(names, start=1):
        write_tone(takes / f"{name}.wav", lengths[name], 220 + 40 * number)
    out = tmp_path_factory.mktemp("recorded")
    return out, explainers(out, str(takes)), lengths


def steps_of(out: Path, count: int) -> list[list[dict]]:
    """Each joined beat's steps (from the steps.json beside its cached video), in story order."""
    found = {folder.stem: read_steps(folder) for folder in out.glob("scenes/*/*.steps")}
    return [found[name] for name in BEATS[:count]]


def step_starts(beats: list[list[dict]]) -> list[tuple[float, dict]]:
    """(start in the joined video, step) for every step: the steps' lengths added up; each step
    also gets its recording's name, <Scene>.<n>, as "take"."""
    starts, clock = [], 0.0
    for name, steps in zip(BEATS, beats):
        for number, step in enumerate(steps, start=1):
            starts.append((clock, {**step, "take": f"{name}.{number}"}))
            clock += step["seconds"]
    return starts


def rms(signal: np.ndarray, rate: int, start: float, end: float, size: float = 0.02) -> np.ndarray:
    """The RMS of each `size`-second window in [start, end)."""
    a, b, n = round(start * rate), round(end * rate), round(size * rate)
    windows = signal[a : a + (b - a) // n * n].reshape(-1, n)
    return np.sqrt(np.mean(windows**2, axis=1))


def soundtrack(video: Path) -> tuple[np.ndarray, int]:
    """The decoded audio (mono, samples in [-1, 1]) and its rate."""
    with av.open(str(video)) as container:
        rate = container.streams.audio[0].rate
        chunks = [frame.to_ndarray().astype(float).mean(axis=0) for frame in container.decode(audio=0)]
    return np.concatenate(chunks), rate


def onset(signal: np.ndarray, rate: int, after: float) -> float:
    """The start of the first WINDOW from `after` seconds whose RMS is above SPEECH."""
    size = round(WINDOW * rate)
    begin = max(0, round(after * rate))
    for start in range(begin, len(signal) - size, size):
        if np.sqrt(np.mean(signal[start : start + size] ** 2)) > SPEECH:
            return start / rate
    return float("inf")


def stream_seconds(video: Path) -> dict[str, float]:
    """Each stream's end (last packet's pts + duration) by kind, in seconds."""
    ends = {}
    with av.open(str(video)) as container:
        for packet in container.demux(container.streams.video[0], container.streams.audio[0]):
            if packet.dts is not None:
                end = float((packet.pts + (packet.duration or 0)) * packet.time_base)
                ends[packet.stream.type] = max(ends.get(packet.stream.type, 0.0), end)
    return ends


def decoded_seconds(video: Path) -> tuple[float, float]:
    """(video frames × frame length, audio samples / rate), counted by decoding."""
    with av.open(str(video)) as container:
        frames = sum(1 for _ in container.decode(video=0))
    signal, rate = soundtrack(video)
    return frames * FRAME, len(signal) / rate


@pytest.mark.parametrize("voice", ["tts", "recorded"])
@pytest.mark.parametrize("count", [2, 3])
def test_the_joined_audio_lasts_as_long_as_the_video(voice, count, request):
    out, joined, _ = request.getfixturevalue(voice)
    video = joined[count]
    beats = steps_of(out, count)
    total = sum(step["seconds"] for steps in beats for step in steps)
    ends = stream_seconds(video)
    assert ends["audio"] == pytest.approx(ends["video"], abs=FRAME), ends
    pictures, sound = decoded_seconds(video)
    assert sound == pytest.approx(pictures, abs=FRAME) and pictures == pytest.approx(total, abs=FRAME)


@pytest.mark.parametrize("voice", ["tts", "recorded"])
@pytest.mark.parametrize("count", [2, 3])
def test_each_steps_speech_starts_with_its_step(voice, count, request):
    out, joined, _ = request.getfixturevalue(voice)
    signal, rate = soundtrack(joined[count])
    starts = step_starts(steps_of(out, count))
    assert len(starts) >= 5
    late = {}
    for number, (start, step) in enumerate(starts):
        if not step["notes"]:
            continue
        if number:  # the last step's take has ended: quiet just before the boundary
            before = signal[round((start - 0.25) * rate) : round((start - 0.02) * rate)]
            assert np.sqrt(np.mean(before**2)) < SPEECH, (step["title"], start)
        late[step["title"]] = onset(signal, rate, start - 0.25) - start
    tolerance = 0.1 if voice == "tts" else 0.01  # espeak-ng's own lead-in; a tone starts at once
    assert all(-1.5 * WINDOW <= delay <= tolerance for delay in late.values()), late


@pytest.mark.parametrize("count", [2, 3])
def test_recorded_takes_keep_their_lengths_across_the_joins(count, recorded):
    """Each tone is heard for as long as its take, then quiet until the next step: none cut short
    by a join, none running into the next step."""
    out, joined, lengths = recorded
    signal, rate = soundtrack(joined[count])
    for start, step in step_starts(steps_of(out, count)):
        length = lengths[step["take"]]
        assert step["seconds"] >= length + 0.2, step["take"]  # the step is held for its take
        heard = rms(signal, rate, start + 0.03, start + length - 0.03)
        after = rms(signal, rate, start + length + 0.03, start + step["seconds"] - 0.01)
        assert heard.min() > 0.2 and after.max() < SPEECH, (step["take"], heard.min(), after.max())


@pytest.mark.parametrize("voice", ["tts", "recorded"])
@pytest.mark.parametrize("count", [2, 3])
def test_captions_and_chapters_sit_at_the_boundaries(voice, count, request):
    out, joined, _ = request.getfixturevalue(voice)
    video = joined[count]
    beats = steps_of(out, count)
    starts = step_starts(beats)
    cues = parse_srt(video.with_suffix(".srt").read_text("utf-8"))
    cue_starts = [start for start, _, _ in cues]
    for start, step in starts:
        if step["notes"]:
            assert any(abs(cue - start) < 0.002 for cue in cue_starts), (step["title"], start)
    beat_starts = [sum(s["seconds"] for steps in beats[:k] for s in steps) for k in range(count)]
    with av.open(str(video)) as container:
        chapters = container.chapters()
    assert len(chapters) == count
    marks = [float(c["start"] * c["time_base"]) for c in chapters]
    assert marks == pytest.approx(beat_starts, abs=0.002)
    listed = video.with_suffix(".chapters.txt").read_text("utf-8").splitlines()
    assert [line.split()[0] for line in listed] == [f"{int(s) // 60}:{int(s) % 60:02d}" for s in beat_starts]
