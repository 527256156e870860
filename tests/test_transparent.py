"""--transparent: real scenes rendered with an alpha channel, as QuickTime Animation mov and VP9 webm,
joined into an explainer; the frames are decoded with PyAV (VP9's alpha with the libvpx decoder)."""

from __future__ import annotations

import av
import numpy as np
import pytest

from scenes.cli import main


def last_rgba(video) -> np.ndarray:
    with av.open(str(video)) as container:
        stream = container.streams.video[0]
        decoder = av.CodecContext.create("libvpx-vp9", "r") if stream.codec_context.name == "vp9" else None
        frames = []
        for packet in container.demux(stream):
            if packet.size:
                frames.extend(decoder.decode(packet) if decoder else packet.decode())
        return frames[-1].to_ndarray(format="rgba")


@pytest.mark.parametrize("fmt, codec", [("mov", "qtrle"), ("webm", "vp9")])
def test_transparent_videos_keep_the_scene_on_a_clear_background(tmp_path, capsys, fmt, codec):
    out = tmp_path / "media"
    assert main(["explainer", "--only", "this-is-a-three", "--transparent", fmt, "--out", str(out)]) == 0
    folder = out / "480p15-transparent"
    for video in (folder / f"ThisIsAThree.{fmt}", folder / f"explainer.{fmt}"):
        with av.open(str(video)) as container:
            assert container.streams.video[0].codec_context.name == codec
        alpha = last_rgba(video)[..., 3]
        assert alpha[:20, :20].max() == 0  # the background is see-through
        opaque = (alpha > 250).mean()
        assert 0.05 < opaque < 0.6, opaque  # the digit, its grid and the texts are not
    assert (folder / "explainer.srt").is_file()
