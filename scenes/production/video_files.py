"""Video files: publish a cached scene video under its public name, join scene videos into one
(PyAV: the video by packet copy when the parts allow it, the narration as one soundtrack), and read
a video's size, rate and length."""

from __future__ import annotations

import os
import shutil
import stat
from fractions import Fraction
from pathlib import Path

from network.atomic import atomic_path
from scenes.production.soundtrack import Soundtrack, audio_template

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
    """Concatenate videos of one size and frame rate into `destination` (written atomically), with
    `cues` (scenes.narration.subtitles.Cue) as an English subtitle track and `chapters` ((start, end,
    title) in seconds) as the mp4's chapter marks.

    The video is copied packet by packet when every part carries the same codec parameters (as
    manim's encoder produces); otherwise its frames are decoded and encoded once more. The parts'
    audio (the narration), if any has some, becomes one track encoded once, each part's sound cut or
    padded to that part's video (scenes/production/soundtrack.py), so speech keeps to its step.
    """
    import av  # deferred: PyAV, kept out of start-up

    sound = audio_template(parts)
    with atomic_path(destination) as tmp:
        with av.open(str(tmp), "w", format=CONTAINERS.get(destination.suffix, "mp4")) as output:
            video = (_PacketCopy if _same_codec_parameters(parts) else _Reencode)(output, parts[0])
            soundtrack = None
            if sound is not None:
                codec, rate, layout = sound
                soundtrack = Soundtrack(output, codec=codec, rate=rate, layout=layout)
            _add_captions(output, list(cues), list(chapters))
            end = Fraction(0)
            for part in parts:
                start, end = end, end + video.add(part, offset=end)
                if soundtrack is not None:
                    soundtrack.add(part, start, end)
            video.close()
            if soundtrack is not None:
                soundtrack.close()


def _add_captions(output, cues, chapters) -> None:
    """Chapter marks and a mov_text subtitle track (each sample: 16-bit length, UTF-8 text)."""
    import av  # deferred: PyAV, kept out of start-up

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
    """Whether the parts' video packets can be copied into one stream. (The frame rate is not
    compared: each part keeps its own timestamps, and a rate guessed from a clip of a few frames,
    as webm's is, differs from the declared one.)"""
    import av  # deferred: PyAV, kept out of start-up

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
                    stream.time_base,
                    bytes(ctx.extradata or b""),
                )
            )
    return len(signatures) == 1


class _PacketCopy:
    """The parts' video copied packet by packet, each part shifted to where the last one ended."""

    def __init__(self, output, first: Path):
        import av  # deferred: PyAV, kept out of start-up

        self.output = output
        with av.open(str(first)) as container:
            template = container.streams.video[0]
            self.stream = output.add_stream_from_template(template)
            if "alpha_mode" in template.metadata:  # VP9 with alpha: say so again
                self.stream.metadata["alpha_mode"] = template.metadata["alpha_mode"]

    def add(self, part: Path, offset: Fraction) -> Fraction:
        """Copy `part`'s video to start at `offset` seconds; its length in seconds."""
        import av  # deferred: PyAV, kept out of start-up

        with av.open(str(part)) as container:
            video = container.streams.video[0]
            shift, end = round(offset / video.time_base), 0
            for packet in container.demux(video):
                if packet.dts is None:
                    continue
                end = max(end, packet.pts + (packet.duration or 0))
                packet.pts += shift
                packet.dts += shift
                packet.stream = self.stream
                self.output.mux(packet)
            return end * video.time_base

    def close(self) -> None:
        pass


class _Reencode:
    """The parts' frames encoded once more, for parts whose codec parameters differ: H.264 in an
    mp4, QuickTime Animation with its alpha channel in a mov, VP9 in a webm (whose alpha channel
    is lost: PyAV's own VP9 decoder does not read it)."""

    ENCODERS = {"mp4": ("libx264", "yuv420p", {"crf": "18"}), "mov": ("qtrle", "argb", {}),
                "webm": ("libvpx-vp9", "yuva420p", {"crf": "30", "b": "0"})}  # fmt: skip

    def __init__(self, output, first: Path):
        import av  # deferred: PyAV, kept out of start-up

        with av.open(str(first)) as container:
            template = container.streams.video[0]
            self.width, self.height = template.codec_context.width, template.codec_context.height
            self.rate = Fraction(template.base_rate or template.average_rate).limit_denominator(1001)
        self.output = output
        codec, self.pixels, options = self.ENCODERS.get(output.format.name, self.ENCODERS["mp4"])
        self.stream = output.add_stream(codec, rate=self.rate, options=options)
        self.stream.width, self.stream.height, self.stream.pix_fmt = self.width, self.height, self.pixels
        self.stream.codec_context.time_base = 1 / self.rate
        self.index = 0  # frames so far

    def add(self, part: Path, offset: Fraction) -> Fraction:
        """Encode `part`'s frames after the last part's; its length in seconds."""
        import av  # deferred: PyAV, kept out of start-up

        first = self.index
        with av.open(str(part)) as container:
            for frame in container.decode(video=0):
                frame = frame.reformat(width=self.width, height=self.height, format=self.pixels)
                frame.pts, frame.time_base = self.index, 1 / self.rate
                self.index += 1
                self.output.mux(self.stream.encode(frame))
        return (self.index - first) / self.rate

    def close(self) -> None:
        self.output.mux(self.stream.encode(None))


def video_summary(path: Path) -> tuple[int, int, float, float]:
    """(width, height, frames per second, duration in seconds) of a video file."""
    import av

    with av.open(str(path)) as container:
        stream = container.streams.video[0]
        duration = float(stream.duration * stream.time_base) if stream.duration else container.duration / 1e6
        return stream.codec_context.width, stream.codec_context.height, float(stream.average_rate), duration
