"""A beat's steps without its pictures: the scene runs in-process with every animation settled but
never begun (no copies of its mobjects, no interpolation, no frame). That is all `nnexplain
narration` and `lesson --no-videos` need, at about half the cost of the skipped run a figure makes
(the whole shipped story: 12 s of CPU instead of 24 s).

Settling keeps the scene's membership right: what an animation introduces is added, what it removes
is removed, and a replacing transform swaps in its target. Every mobject is left as it was, since a
beat's notes come from its numbers, never from where its mobjects ended up. tests/test_slides.py
checks that every beat's steps equal the rendered scene's.

>>> from scenes.story.catalog import find
>>> steps = narrated_scene(find("layer-diagram"), StoryConfig()).steps
>>> len(steps), steps[0].title
(4, 'The input layer')
"""

from __future__ import annotations

from scenes.production.figure import StillRenderer, run_to
from scenes.story.catalog import SceneEntry
from scenes.story.inputs import StoryConfig

__all__ = ["NarrationRenderer", "narrated_scene", "settle"]


class NarrationRenderer(StillRenderer):
    """A renderer whose plays only advance the clock and settle their animations."""

    def play(self, scene, *args, **kwargs):
        scene.compile_animation_data(*args, **kwargs)
        self.time += scene.duration
        for animation in scene.animations:
            settle(animation, scene)
        self.num_plays += 1


def settle(animation, scene) -> None:
    """The scene's mobjects as they stand after `animation` (and its parts, for a group): its
    mobject added if it introduces it, removed if it removes it, replaced by its target if it is
    a replacing transform. The mobjects themselves are not changed."""
    for part in getattr(animation, "animations", ()):
        settle(part, scene)
    if animation.is_introducer() and animation.mobject not in scene.mobjects:
        scene.add(animation.mobject)
    if animation.is_remover():
        scene.remove(animation.mobject)
    if getattr(animation, "replace_mobject_with_target_in_scene", False):
        scene.replace(animation.mobject, animation.target_mobject)


def narrated_scene(entry: SceneEntry, config: StoryConfig):
    """The scene `entry` told with `config` to its end by a NarrationRenderer: its steps and chapter
    are those a render records."""
    return run_to(entry, config, None, 320, 180, renderer=NarrationRenderer())
