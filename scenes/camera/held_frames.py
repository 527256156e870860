"""The scene file writer every beat renders with: held frames (a `wait`) converted once.

Subclasses Manim 0.22's segment encoder, which is pinned: a Manim upgrade must re-check it (the
byte-identical video of a beat is the check).
"""

from __future__ import annotations

from fractions import Fraction

import av
from manim.scene.scene_file_writer import SceneFileWriter
from manim.scene.video_segment_encoder import VideoSegmentEncoder

__all__ = ["HeldFrameEncoder", "HeldFrameWriter"]


class HeldFrameEncoder(VideoSegmentEncoder):
    """Manim 0.22's segment encoder, converting a held frame (a `wait`: one frame repeated) from
    RGBA to the video's pixel format once instead of once per repeat: a third of the cost of each
    held 1080p frame."""

    def write_frame(self, pixels, *, repeat: int = 1) -> None:
        if repeat == 1:
            return super().write_frame(pixels, repeat=repeat)
        self._validate_frame(pixels, repeat)
        time_base = Fraction(self.spec.frame_rate.denominator, self.spec.frame_rate.numerator)
        try:
            frame = av.VideoFrame.from_ndarray(pixels, format="rgba").reformat(format=self.spec.pixel_format)
            frame.time_base = time_base
            for _ in range(repeat):
                frame.pts = self._next_pts
                self._next_pts += 1
                for packet in self._stream.encode(frame):
                    self._container.mux(packet)
        except BaseException as error:
            raise self._operation_error("encode", error) from error


class HeldFrameWriter(SceneFileWriter):
    """Manim's SceneFileWriter with `HeldFrameEncoder` segments."""

    def _create_segment_encoder(self, target):
        return HeldFrameEncoder(target=target, spec=self.video_encoder)
