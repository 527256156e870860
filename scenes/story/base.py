"""What every beat of the story shares: `StoryScene`, a Manim Scene that knows its configuration,
its theme and the real network it tells about, and a few texts several beats write."""

from __future__ import annotations

import functools
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import NamedTuple

from manim import DOWN, LEFT, RIGHT, Scene, VGroup
from manim.renderer.cairo_renderer import CairoRenderer
from manim.utils.exceptions import EndSceneEarlyException

from scenes.camera.held_frames import HeldFrameWriter
from scenes.camera.raster_camera import RasterCamera
from scenes.choices.class_names import output_labels
from scenes.mobjects.text import caption
from scenes.mobjects.theme import Theme, apply_theme, get_theme
from scenes.narration.subtitles import step_cues
from scenes.narration.voice import TTS, recording, recording_name, silence, speak, wav_seconds
from scenes.story.inputs import StoryConfig, StoryInputs, load_story_inputs, twin_weights

READING_WORDS_PER_SECOND = 2.7  # a first-time viewer reading captions, a narrator speaking
AUDIO_TAIL = 0.3  # seconds of quiet after a recording before the next step starts

__all__ = ["Step", "StoryScene", "accuracy_text", "neuron_name", "weight_legend"]


class Step(NamedTuple):
    """One step of a beat: a slide in a deck, a section of the video (manim's `next_section`)."""

    title: str  # the slide's title
    notes: str  # what to say over it: the speaker notes
    section: str  # the manim section's name: step00, step01, ...


class StoryScene(Scene):
    """A beat of the story. `self.story` holds the real weights and activations, `self.theme` the
    theme, `self.text(...)` writes in it. The configuration comes from `story_config=` (what
    `nnexplain render` and `figure` pass), else from the environment (for plain `manim`).
    `self.step(title, notes)` starts each step: a slide of `nnexplain slides` with speaker notes.

    >>> from manim import Write
    >>> from scenes.story.base import StoryScene
    >>> class MyBeat(StoryScene):
    ...     def construct(self):
    ...         self.step("Layers", "Count the layers.")
    ...         self.play(Write(self.text(f"{len(self.story.weights)} layers", "title")))
    """

    chapter = ""  # the beat's chapter title in the joined explainer (default: its first step's title)

    def __init__(self, *args, story_config: StoryConfig | None = None, **kwargs):
        self.story_config = story_config or StoryConfig.from_environment()
        self.theme: Theme = get_theme(self.story_config.theme)
        self.steps: list[Step] = []
        # called as each step ends, with the scene in that step's final state (nnexplain's renderer
        # records posters and handout pages here); the last step ends when construct returns
        self.step_ended: Callable[[StoryScene, Step], None] | None = None
        self.step_start = self.step_audio = 0.0  # when the current step began; its recording's length
        kwargs.setdefault("camera_class", RasterCamera)  # images painted by cairo: crisp and fast
        if kwargs.get("renderer") is None:  # held frames converted once (scenes.camera.raster_camera)
            kwargs["renderer"] = CairoRenderer(
                file_writer_class=HeldFrameWriter,
                camera_class=kwargs["camera_class"],
                skip_animations=kwargs.get("skip_animations", False),
            )
        super().__init__(*args, **kwargs)

    def step(self, title: str, notes: str = "") -> Step:
        """End the current step and start the next: a new video section, a new slide; its notes
        are the narration, shown as subcaptions and spoken by the voice (if any) over the step."""
        self.end_step()
        step = Step(" ".join(title.split()), " ".join(notes.split()), f"step{len(self.steps):02d}")
        self.steps.append(step)
        self.step_start = self.renderer.time
        self.next_section(step.section)
        self.step_audio = self.narrate(step)
        return step

    def narrate(self, step: Step) -> float:
        """Put the step's recording (or its espeak-ng draft) on the soundtrack; its length in s."""
        voice = self.story_config.voice
        if voice is None or not step.notes:
            return 0.0
        name, number = type(self).__name__, len(self.steps)
        with tempfile.TemporaryDirectory(prefix="nnexplain-voice-") as folder:  # for the draft voice
            if voice == TTS:
                path = speak(step.notes, Path(folder) / recording_name(name, number))
            else:
                path = recording(name, number, step.title, voice)
            self.add_sound(str(path))  # (read into memory at once)
            return wav_seconds(path)

    def end_step(self) -> None:
        """Hold the current step (if any) until its narration could be read or heard (reading
        speed, recording length), caption it sentence by sentence, then tell `step_ended`."""
        if not self.steps:
            return
        words = len(self.steps[-1].notes.split())
        needed = max(words / READING_WORDS_PER_SECOND, self.step_audio + AUDIO_TAIL if self.step_audio else 0)
        remaining = needed - (self.renderer.time - self.step_start)
        if remaining > 0.05:
            self.wait(remaining)
        for cue in step_cues(self.steps[-1].notes, self.step_start, self.renderer.time):
            self.add_subcaption(cue.text, duration=cue.end - cue.start, offset=cue.start - self.renderer.time)
        if self.step_ended is not None:
            self.step_ended(self, self.steps[-1])

    def tear_down(self) -> None:
        try:
            self.end_step()
        except EndSceneEarlyException:  # a still of an earlier moment (figure --at) is already taken
            pass
        if self.story_config.voice is not None:  # the soundtrack lasts as long as the picture
            with tempfile.TemporaryDirectory(prefix="nnexplain-voice-") as folder:
                gap = 0.1
                self.add_sound(str(silence(Path(folder) / "end.wav", gap)), time_offset=-gap)
        super().tear_down()

    def setup(self) -> None:
        apply_theme(self, self.theme)

    @functools.cached_property
    def story(self) -> StoryInputs:
        return load_story_inputs(self.story_config)

    def twin_story(self) -> StoryInputs:
        """The same story told by the shipped network with the other hidden activation."""
        return load_story_inputs(self.story_config.with_weights(twin_weights(self.story.activation)))

    def text(self, words: str, size: str = "label", color: str = "text"):
        return caption(words, self.theme, size, color)

    def output_names(self) -> list[str]:
        """The output neurons' labels: the class names, shortened where long (see `class_legend`)."""
        return output_labels(self.story.classes)[0]

    def class_legend(self) -> VGroup:
        """'short = full name' for every shortened output label; empty where none is shortened."""
        labels, shortened = output_labels(self.story.classes)
        if not shortened:
            return VGroup()
        rows = [f"{short} = {name}" for short, name in zip(labels, self.story.classes) if short != name]
        return VGroup(*(self.text(row, "small", "muted") for row in rows)).arrange(
            DOWN, aligned_edge=LEFT, buff=0.08
        )


def weight_legend(theme: Theme) -> VGroup:
    """'positive weight' / 'negative weight' written in their edge colours."""
    return VGroup(
        caption("— positive weight", theme, "small", "positive"),
        caption("— negative weight", theme, "small", "negative"),
    ).arrange(RIGHT, buff=0.5)


def neuron_name(layer: int, j: int) -> str:
    return f"neuron {j} of layer {layer}"


def accuracy_text(manifest: dict) -> str:
    accuracy = manifest.get("test_accuracy")
    return "test accuracy not recorded" if accuracy is None else f"{100 * accuracy:.2f}% test accuracy"
