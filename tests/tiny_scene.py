"""A real StoryScene that renders in well under a second of frames: for tests of the commands
around rendering (the command-line fuzz), not of the pictures."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import time
from pathlib import Path

from manim import RIGHT, FadeIn

from scenes.mobjects.pixel_grid import PixelGrid
from scenes.story.base import StoryScene


class TinyScene(StoryScene):
    """The followed digit and its class, for a fifth of a second.

    Loads the story (weights, digit or image, theme, data directory) like every beat.
    """

    def construct(self):
        digit = PixelGrid(self.story.pixels(), height=2, theme=self.theme)
        self.play(
            FadeIn(digit), FadeIn(self.text(str(self.story.followed_class)).next_to(digit)), run_time=0.2
        )


class TinyNarratedScene(StoryScene):
    """Two steps of two words each, for a voiced explainer of two beats in a second or two."""

    def construct(self):
        self.step("A digit", "A digit.")
        self.play(FadeIn(PixelGrid(self.story.pixels(), height=2, theme=self.theme)), run_time=0.2)
        self.step("Its class", "Its class.")
        self.play(FadeIn(self.text(str(self.story.followed_class)).shift(3 * RIGHT)), run_time=0.2)


class StubbornScene(StoryScene):
    """A worker that ignores SIGTERM (as one stuck in a long C call would) for a minute."""

    def construct(self):
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        time.sleep(60)


class StubbornChildScene(StoryScene):
    """A worker whose child ignores SIGTERM and keeps the worker's stderr open for a minute."""

    def construct(self):
        subprocess.Popen(["sh", "-c", "trap '' TERM; exec sleep 60"])
        time.sleep(60)


class ProcessReportScene(StoryScene):
    """Writes what its worker process is (session, folder, environment, standard streams) as JSON to
    $NNEXPLAIN_TEST_REPORT, then fails with that file's name on stderr."""

    def construct(self):
        report = {
            "pid": os.getpid(),
            "sid": os.getsid(0),
            "pgid": os.getpgid(0),
            "cwd": os.getcwd(),
            "marker": os.environ.get("NNEXPLAIN_TEST_MARKER"),
            "streams": [os.readlink(f"/proc/self/fd/{fd}") for fd in (0, 1)],
        }
        path = Path(os.environ["NNEXPLAIN_TEST_REPORT"])
        path.write_text(json.dumps(report))
        raise RuntimeError(f"reported to {path.name}")
