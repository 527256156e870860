"""The join's soundtrack on small parts made the way manim makes a voiced beat (an H.264 video, a
tone WAV turned into ADTS AAC by manim's own `convert_audio`, the two muxed packet by packet), so
each tone's start and end in the joined file can be checked to a few milliseconds: in seconds."""

from __future__ import annotations

import wave
from fractions import Fraction
from pathlib import Path

import av
import numpy as np
import pytest
from manim.scene.scene_file_writer import convert_audio

from scenes.production.video_files import join_videos

RATE, FPS = 48000, 15


def manim_like_part(
    folder: Path, name: str, frames: int, tone: tuple[float, float] | None, size: int = 64
) -> Path:
    """`frames` frames (size × size) at 15 fps, with a 440 Hz tone from tone[0] to tone[1] seconds in
    a soundtrack as long as the video (as manim pads it), or no audio at all (tone None)."""
    video = folder / f"{name}.video.mp4"
    with av.open(str(video), "w") as output:
        stream = output.add_stream("libx264", rate=FPS)
        stream.width, stream.height, stream.pix_fmt = size, size, "yuv420p"
        for index in range(frames):
            pixels = np.full((size, size, 3), index * 8 % 256, np.uint8)
            frame = av.VideoFrame.from_ndarray(pixels, format="rgb24")
            frame.pts = index
            output.mux(stream.encode(frame))
        output.mux(stream.encode(None))
    if tone is None:
        return video
    samples = np.zeros(round(frames / FPS * RATE))
    start, end = round(tone[0] * RATE), round(tone[1] * RATE)
    samples[start:end] = 0.5 * np.sin(2 * np.pi * 440 * np.arange(end - start) / RATE + np.pi / 2)
    with wave.open(str(folder / f"{name}.wav"), "wb") as audio:
        audio.setnchannels(2)
        audio.setsampwidth(2)
        audio.setframerate(RATE)
        audio.writeframes((np.repeat(samples, 2) * 32767).astype("<i2").tobytes())
    convert_audio(folder / f"{name}.wav", folder / f"{name}.aac", "aac")
    part = folder / f"{name}.mp4"
    with av.open(str(video)) as pictures, av.open(str(folder / f"{name}.aac")) as sound:
        with av.open(str(part), "w") as output:
            targets = {"video": output.add_stream_from_template(pictures.streams.video[0]),
                       "audio": output.add_stream_from_template(sound.streams.audio[0])}  # fmt: skip
            for source in (pictures, sound):
                for packet in source.demux():
                    if packet.dts is not None:
                        packet.stream = targets[packet.stream.type]
                        output.mux(packet)
    return part


def loud(signal: np.ndarray, size: int = 48) -> np.ndarray:
    """Whether each 1 ms window (48 samples) holds the tone."""
    windows = signal[: len(signal) // size * size].reshape(-1, size)
    return np.sqrt(np.mean(windows**2, axis=1)) > 0.05


def edges(signal: np.ndarray) -> list[tuple[float, float]]:
    """(start, end) in seconds of each stretch of tone, to the millisecond."""
    on = np.concatenate([[False], loud(signal), [False]]).astype(int)
    changes = np.flatnonzero(np.diff(on))
    return [(a / 1000, b / 1000) for a, b in zip(changes[::2], changes[1::2])]


def tone_edges(video: Path) -> list[tuple[float, float]]:
    with av.open(str(video)) as container:
        return edges(np.concatenate([frame.to_ndarray().mean(axis=0) for frame in container.decode(audio=0)]))


@pytest.fixture(scope="module")
def joined(tmp_path_factory):
    folder = tmp_path_factory.mktemp("parts")
    parts = [
        manim_like_part(folder, "a", 30, (0.5, 1.5)),  # 2.0 s
        manim_like_part(folder, "b", 15, (0.0, 0.6)),  # 1.0 s: speech from its first sample
        manim_like_part(folder, "c", 12, None),  # 0.8 s without a voice
        manim_like_part(folder, "d", 21, (0.2, 1.4)),  # 1.4 s: speech to its last sample
    ]
    destination = folder / "joined.mp4"
    join_videos(parts, destination)
    return destination


def test_each_tone_keeps_its_place_and_length_across_the_joins(joined):
    found = tone_edges(joined)
    expected = [(0.5, 1.5), (2.0, 2.6), (4.0, 5.2)]  # part b starts at 2.0 s, d at 3.8 s
    assert len(found) == 3, found
    for (start, end), (want_start, want_end) in zip(found, expected):
        assert abs(start - want_start) <= 0.003 and abs(end - want_end) <= 0.003, (found, expected)


def test_the_soundtrack_is_exactly_as_long_as_the_video(joined):
    with av.open(str(joined)) as container:
        video, audio = container.streams.video[0], container.streams.audio[0]
        assert audio.codec_context.name == "aac" and audio.rate == RATE
        assert Fraction(video.duration) * video.time_base == Fraction(78, FPS)  # 30 + 15 + 12 + 21 frames
        assert Fraction(audio.duration) * audio.time_base == Fraction(78, FPS)
        first = next(packet for packet in container.demux(audio) if packet.dts is not None)
    assert first.pts == -1024  # the join's own priming, skipped by the edit list that says so


def test_parts_of_different_sizes_are_encoded_again_with_their_sound_in_place(tmp_path):
    parts = [
        manim_like_part(tmp_path, "small", 15, (0.2, 0.8)),
        manim_like_part(tmp_path, "big", 9, (0.1, 0.5), 80),
    ]
    join_videos(parts, tmp_path / "joined.mp4")
    with av.open(str(tmp_path / "joined.mp4")) as container:
        frames = [frame.to_ndarray(format="rgb24") for frame in container.decode(video=0)]
    assert len(frames) == 24 and {frame.shape for frame in frames} == {(64, 64, 3)}  # the first part's size
    found, expected = tone_edges(tmp_path / "joined.mp4"), [(0.2, 0.8), (1.1, 1.5)]
    assert len(found) == 2 and all(
        abs(a - c) <= 0.003 and abs(b - d) <= 0.003 for (a, b), (c, d) in zip(found, expected)
    ), found
