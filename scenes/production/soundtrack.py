"""The soundtrack of a joined video: each part's audio decoded, its encoder priming dropped, cut or
padded to exactly that part's video length, and encoded once into one continuous track, so that
speech stays on its step across every join (scenes/production/video_files.py `join_videos`).

Copying the parts' audio packets instead cannot work: manim's AAC track runs a little past its
video (the encoder pads its last frame), so the next part's packets would start before the last
part's ended; and each part starts with the encoder's priming (1024 samples of delay that manim's
ADTS round trip leaves in), which would push every later step's speech late.

The sample arithmetic is plain numpy:

>>> import numpy as np
>>> fit(np.ones((2, 5), np.float32), 3).shape, fit(np.ones((2, 2), np.float32), 4)[:, 2:].sum()
((2, 3), np.float32(0.0))
>>> part_samples(seconds_before=1.5, seconds_after=2.25, rate=8000)  # (as the parts add up)
6000
>>> priming_to_drop("aac", first_pts=0), priming_to_drop("aac", first_pts=-1024)
(1024, 0)
>>> priming_to_drop("pcm_s16le", first_pts=0)
0
"""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path

import numpy as np

__all__ = ["AAC_PRIMING", "Soundtrack", "audio_template", "fit", "part_samples", "priming_to_drop"]

AAC_PRIMING = 1024  # samples of delay ffmpeg's AAC encoder puts before the first real sample


def fit(samples: np.ndarray, length: int) -> np.ndarray:
    """`samples` (channels × n) cut to `length`, or padded with silence up to it."""
    if samples.shape[1] >= length:
        return samples[:, :length]
    return np.pad(samples, ((0, 0), (0, length - samples.shape[1])))


def part_samples(seconds_before: Fraction | float, seconds_after: Fraction | float, rate: int) -> int:
    """How many samples a part from `seconds_before` to `seconds_after` of the joined video gets:
    counted from the start of the whole, so that rounding never adds up across parts."""
    return round(Fraction(seconds_after) * rate) - round(Fraction(seconds_before) * rate)


def priming_to_drop(codec: str, first_pts: int) -> int:
    """Samples of encoder priming a decoder will still output at the start of a track whose first
    packet is at `first_pts` (in samples): none where the container already skips them (an mp4
    edit list makes the first packet's pts negative) or for codecs without priming."""
    if codec != "aac":
        return 0
    return max(0, AAC_PRIMING + min(first_pts, 0))


def audio_template(parts: list[Path]):
    """(codec name, sample rate, channel layout) of the first part with audio; None if none has."""
    import av  # deferred: PyAV, kept out of start-up

    for part in parts:
        with av.open(str(part)) as container:
            if container.streams.audio:
                ctx = container.streams.audio[0].codec_context
                return ctx.name, ctx.sample_rate, ctx.layout.name
    return None


class Soundtrack:
    """One audio track in the open output container `output`, filled part by part: `add(part,
    start, end)` puts the part's audio (silence if it has none) at [start, end) seconds of the
    joined video, cut or padded to fit exactly; `close()` flushes the encoder.

    >>> import av, numpy as np
    >>> with av.open("joined.m4a", "w", format="mp4") as output:
    ...     track = Soundtrack(output, codec="aac", rate=8000, layout="mono")
    ...     track.add(None, 0, 1)  # a part without audio: one second of silence
    ...     track.add(None, 1, Fraction(5, 2))
    ...     track.close()
    >>> with av.open("joined.m4a") as result:  # 2.5 s at 8000 Hz (the encoder's padding trimmed)
    ...     result.streams.audio[0].duration
    20000
    """

    def __init__(self, output, *, codec: str, rate: int, layout: str):
        import av  # deferred: PyAV, kept out of start-up

        self.output, self.rate, self.layout = output, rate, layout
        self.stream = output.add_stream(codec, rate=rate, layout=layout)
        self.stream.time_base = Fraction(1, rate)
        ctx = self.stream.codec_context
        self.frame_size = ctx.frame_size or 1024
        self.to_encoder = av.AudioResampler(format=ctx.format.name, layout=layout, rate=rate)
        self.channels = len(av.AudioLayout(layout).channels)
        self.pending = np.zeros((self.channels, 0), np.float32)
        self.sent = 0  # samples handed to the encoder

    def add(self, part: Path | None, start, end) -> None:
        """The audio of `part` (None: silence) placed at [start, end) seconds of the joined video."""
        length = part_samples(start, end, self.rate)
        audio = self.decode(part) if part is not None else np.zeros((self.channels, 0), np.float32)
        self.pending = np.concatenate([self.pending, fit(audio, length)], axis=1)
        while self.pending.shape[1] >= self.frame_size:
            self._encode(self.pending[:, : self.frame_size])
            self.pending = self.pending[:, self.frame_size :]

    def decode(self, part: Path) -> np.ndarray:
        """The part's audio (channels × samples, float) at this track's rate and layout, without
        the encoder priming its decoder would otherwise output first."""
        import av  # deferred: PyAV, kept out of start-up

        with av.open(str(part)) as container:
            if not container.streams.audio:
                return np.zeros((self.channels, 0), np.float32)
            stream = container.streams.audio[0]
            resampler = av.AudioResampler(format="fltp", layout=self.layout, rate=self.rate)
            chunks, skip = [], None
            for packet in container.demux(stream):
                if skip is None and packet.pts is not None:
                    first = round(packet.pts * packet.time_base * stream.codec_context.sample_rate)
                    skip = priming_to_drop(stream.codec_context.name, first)
                for frame in packet.decode():
                    chunks += [f.to_ndarray() for f in resampler.resample(frame)]
            chunks += [f.to_ndarray() for f in resampler.resample(None)]
            in_rate = stream.codec_context.sample_rate
        audio = np.concatenate(chunks, axis=1) if chunks else np.zeros((self.channels, 0), np.float32)
        return audio[:, round((skip or 0) * self.rate / in_rate) :]

    def close(self) -> None:
        """Encode what is left and flush the encoder."""
        if self.pending.shape[1]:
            self._encode(self.pending)
            self.pending = self.pending[:, :0]
        self.output.mux(self.stream.encode(None))

    def _encode(self, samples: np.ndarray) -> None:
        import av  # deferred: PyAV, kept out of start-up

        frame = av.AudioFrame.from_ndarray(np.ascontiguousarray(samples, np.float32), format="fltp",
                                           layout=self.layout)  # fmt: skip
        frame.sample_rate = self.rate
        for converted in self.to_encoder.resample(frame):
            converted.pts, converted.time_base = self.sent, Fraction(1, self.rate)
            self.sent += converted.samples
            self.output.mux(self.stream.encode(converted))
