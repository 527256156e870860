"""Video files: publish a cached scene video under its public name, join scene videos into one
(PyAV, packet copy when the parts allow it), and read a video's size, rate and length."""

from __future__ import annotations

import os
import shutil
import stat
from pathlib import Path

from network.atomic import atomic_path

__all__ = ["join_videos", "publish", "video_summary"]

CONTAINERS = {".mp4": "mp4", ".mov": "mov", ".webm": "webm"}  # muxer by file name


def publish(cached: Path, destination: Path) -> Path:
    """Put a cached video at `destination`, atomically: a hard link to the cached file when possible
    (no copy), else a copy. A file it replaces with another mode or owner gets a copy that keeps them."""
    with atomic_path(destination) as tmp:
        try:
            existing = destination.stat()
        except OSError:
            existing = None
        own = cached.stat()
        keeps_looks = (
            existing is not None
            and stat.S_ISREG(existing.st_mode)
            and (
                (existing.st_mode, existing.st_uid, existing.st_gid) != (own.st_mode, own.st_uid, own.st_gid)
            )
        )
        if keeps_looks:  # tmp already carries the replaced file's mode and owner
            shutil.copyfile(cached, tmp)
        else:
            tmp.unlink(missing_ok=True)  # (a device or a pipe as destination: no temporary file yet)
            try:
                os.link(cached, tmp)
            except OSError:
                shutil.copyfile(cached, tmp)
    return destination


def join_videos(parts: list[Path], destination: Path, cues=(), chapters=()) -> None:
    """Concatenate videos of one codec, size and frame rate into `destination` (written atomically),
    with `cues` (scenes.narration.subtitles.Cue) as an English subtitle track and `chapters` ((start, end,
    title) in seconds) as the mp4's chapter marks.

    Streams are copied packet by packet when every part carries the same codec parameters (as
    manim's encoder produces); otherwise the frames are decoded and encoded once more.
    """
    with atomic_path(destination) as tmp:
        join = _remux if _same_codec_parameters(parts) else _reencode
        join(parts, tmp, lambda output: _add_captions(output, list(cues), list(chapters)))


def _add_captions(output, cues, chapters) -> None:
    """Chapter marks and a mov_text subtitle track (each sample: 16-bit length, UTF-8 text)."""
    from fractions import Fraction

    import av

    millisecond = Fraction(1, 1000)
    if chapters:
        output.set_chapters(
            [
                {"id": number, "start": round(start * 1000), "end": round(end * 1000),
                 "time_base": millisecond, "metadata": {"title": title}}
                for number, (start, end, title) in enumerate(chapters, start=1)
            ]
        )  # fmt: skip
    if not cues or output.format.name == "webm":  # (webm has no mov_text: the .vtt beside it serves)
        return
    stream = output.add_mux_stream("mov_text", time_base=millisecond)
    stream.metadata["language"] = "eng"
    for cue in cues:
        text = cue.text.encode("utf-8")
        packet = av.Packet(len(text).to_bytes(2, "big") + text)
        packet.stream, packet.time_base = stream, millisecond
        packet.pts = packet.dts = round(cue.start * 1000)
        packet.duration = max(1, round(cue.end * 1000) - packet.pts)
        output.mux(packet)


def _same_codec_parameters(parts: list[Path]) -> bool:
    import av

    signatures = set()
    for part in parts:
        with av.open(str(part)) as container:
            stream = container.streams.video[0]
            ctx = stream.codec_context
            signatures.add(
                (
                    ctx.name,
                    ctx.width,
                    ctx.height,
                    ctx.format.name if ctx.format else None,
                    stream.base_rate,
                    stream.time_base,
                    bytes(ctx.extradata or b""),
                )
            )
    return len(signatures) == 1


def _remux(parts: list[Path], destination: Path, add_tracks) -> None:
    """Copy the parts' video (and narration audio, if the first part has any) packet by packet,
    each part shifted to where the last one's video ended."""
    import av

    with av.open(str(destination), "w", format=CONTAINERS.get(destination.suffix, "mp4")) as output:
        with av.open(str(parts[0])) as first:
            targets = {"video": output.add_stream_from_template(first.streams.video[0])}
            if "alpha_mode" in first.streams.video[0].metadata:  # VP9 with alpha: say so again
                targets["video"].metadata["alpha_mode"] = first.streams.video[0].metadata["alpha_mode"]
            if first.streams.audio:
                targets["audio"] = output.add_stream_from_template(first.streams.audio[0])
        add_tracks(output)
        offset = 0  # seconds, as a Fraction once the first part has been copied
        for part in parts:
            with av.open(str(part)) as container:
                video = container.streams.video[0]
                streams = [video, *(container.streams.audio[:1] if "audio" in targets else [])]
                end = 0
                for packet in container.demux(*streams):
                    if packet.dts is None:
                        continue
                    time_base, kind = packet.stream.time_base, packet.stream.type
                    shift = int(offset / time_base) if offset else 0
                    if kind == "video":
                        end = max(end, packet.pts + (packet.duration or 0))
                    packet.pts += shift
                    packet.dts += shift
                    packet.stream = targets[kind]
                    output.mux(packet)
                offset += end * video.time_base


def _reencode(parts: list[Path], destination: Path, add_tracks) -> None:
    from fractions import Fraction

    import av

    with av.open(str(parts[0])) as first:
        template = first.streams.video[0]
        width, height = template.codec_context.width, template.codec_context.height
        rate = Fraction(template.base_rate or template.average_rate).limit_denominator(1001)
    with av.open(str(destination), "w", format=CONTAINERS.get(destination.suffix, "mp4")) as output:
        out_stream = output.add_stream("libx264", rate=rate, options={"crf": "18"})
        out_stream.width, out_stream.height, out_stream.pix_fmt = width, height, "yuv420p"
        out_stream.codec_context.time_base = 1 / rate
        add_tracks(output)
        index = 0
        for part in parts:
            with av.open(str(part)) as container:
                for frame in container.decode(video=0):
                    frame = frame.reformat(width=width, height=height, format="yuv420p")
                    frame.pts, frame.time_base = index, 1 / rate
                    index += 1
                    output.mux(out_stream.encode(frame))
        output.mux(out_stream.encode(None))


def video_summary(path: Path) -> tuple[int, int, float, float]:
    """(width, height, frames per second, duration in seconds) of a video file."""
    import av

    with av.open(str(path)) as container:
        stream = container.streams.video[0]
        duration = float(stream.duration * stream.time_base) if stream.duration else container.duration / 1e6
        return stream.codec_context.width, stream.codec_context.height, float(stream.average_rate), duration
