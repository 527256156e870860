"""The checks a render's files pass before they enter the cache, and placing them there, on small
real videos written by PyAV (H.264, as the renderer writes them)."""

from __future__ import annotations

import json
from pathlib import Path

import av
import numpy as np
import pytest

from network.errors import NNExplainError
from scenes.production.render_files import count_frames, is_cached, place_in_cache, verify_render


def write_video(path: Path, frames: int, fps: int = 15) -> Path:
    with av.open(str(path), "w") as container:
        stream = container.add_stream("libx264", rate=fps)
        stream.width, stream.height, stream.pix_fmt = 64, 48, "yuv420p"
        stream.options = {"g": "5"}  # a keyframe every 5 frames
        for index in range(frames):
            picture = np.full((48, 64, 3), (index * 9) % 256, np.uint8)
            picture[:, index % 64] = 255
            for packet in stream.encode(av.VideoFrame.from_ndarray(picture, format="rgb24")):
                container.mux(packet)
        for packet in stream.encode():
            container.mux(packet)
    return path


def render(folder: Path, sections=(12, 8), fps: int = 15) -> tuple[Path, Path]:
    """A finished render as the worker leaves it: the video and its steps folder."""
    steps = folder / "steps"
    steps.mkdir(parents=True)
    records = []
    for number, count in enumerate(sections):
        write_video(steps / f"step{number:02d}.mp4", count, fps)
        records.append({"title": f"step {number}", "video": f"step{number:02d}.mp4", "seconds": count / fps})
    (steps / "steps.json").write_text(json.dumps({"scene": "Tiny", "chapter": "", "steps": records}))
    return write_video(folder / "Tiny.mp4", sum(sections), fps), steps


def test_a_whole_render_passes_with_its_frame_count(tmp_path):
    video, steps = render(tmp_path)
    assert verify_render(video, steps, fps=15) == 20
    assert count_frames(video) == count_frames(video, decode="keyframes") == count_frames(video, "none") == 20


def test_a_video_shorter_than_its_steps_fails(tmp_path):
    video, steps = render(tmp_path)
    write_video(video, 19)
    with pytest.raises(NNExplainError, match="Tiny.mp4 has 19 frames, its steps 20"):
        verify_render(video, steps, fps=15)


def test_a_step_video_shorter_than_its_step_fails(tmp_path):
    video, steps = render(tmp_path)
    write_video(steps / "step01.mp4", 7)
    with pytest.raises(NNExplainError, match="step step01.mp4 is not 8 frames"):
        verify_render(video, steps, fps=15)


def test_a_damaged_or_cut_video_fails(tmp_path):
    video, steps = render(tmp_path)
    data = video.read_bytes()
    video.write_bytes(data[: len(data) // 2])
    with pytest.raises(NNExplainError, match="Tiny.mp4"):
        verify_render(video, steps, fps=15)
    video.write_bytes(b"\0" * len(data))
    with pytest.raises(NNExplainError, match="Tiny.mp4 is not a decodable video"):
        verify_render(video, steps, fps=15)


def test_steps_without_their_file_fail(tmp_path):
    video, steps = render(tmp_path)
    (steps / "steps.json").unlink()
    with pytest.raises(NNExplainError, match="no readable steps.json"):
        verify_render(video, steps, fps=15)


def test_placing_moves_steps_then_video_and_keeps_what_is_there(tmp_path):
    video, steps = render(tmp_path / "work")
    destination = tmp_path / "cache" / "key" / "Tiny.mp4"
    destination.parent.mkdir(parents=True)
    assert not is_cached(destination)
    assert place_in_cache(video, steps, destination) is True
    assert is_cached(destination) and not video.exists() and not steps.exists()
    assert sorted(p.name for p in (destination.parent / "Tiny.steps").iterdir()) == [
        "step00.mp4", "step01.mp4", "steps.json"
    ]  # fmt: skip
    again, again_steps = render(tmp_path / "other")  # a second run rendered the same scene
    assert place_in_cache(again, again_steps, destination) is False
    assert again.exists() and again_steps.exists()  # left for its caller to remove


def test_a_broken_runs_leftovers_at_the_destination_are_replaced(tmp_path):
    destination = tmp_path / "cache" / "key" / "Tiny.mp4"
    (destination.parent / "Tiny.steps").mkdir(parents=True)
    (destination.parent / "Tiny.steps" / "step00.mp4").write_bytes(b"half a step")
    destination.write_bytes(b"a video whose steps never arrived")
    video, steps = render(tmp_path / "work")
    assert place_in_cache(video, steps, destination) is True
    assert verify_render(destination, destination.parent / "Tiny.steps", fps=15) == 20
