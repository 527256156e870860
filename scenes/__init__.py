"""nnexplain's Manim library: mobjects drawn from a real network's weights and activations.

    from manim import LEFT, UR, Create, FadeIn, Scene
    from network import load_sample, load_weights
    from scenes import LIGHT, NetworkDiagram, PixelGrid, WeightHeatmap

    class MyScene(Scene):
        def construct(self):
            model, manifest = load_weights("my.npz")
            diagram = NetworkDiagram(model, theme=LIGHT)
            self.play(Create(diagram))
            x = load_sample()[0][0]
            self.play(diagram.forward_pass(model.forward(x)))

Every mobject takes its data and its theme as arguments (the theme defaults to DARK) and reads
nothing from the environment. The story told by `nnexplain` is built on top, in scenes.story.
The names below are imported on first use, so that `import scenes` (and the command line) does
not pay for importing Manim until a mobject is needed.
"""

from __future__ import annotations

import importlib

_EXPORTS = {
    "ActivationPlot": "scenes.mobjects.activation_plot",
    "ColourBar": "scenes.mobjects.pixel_grid",
    "CreatableGroup": "scenes.mobjects.raster_image",
    "DARK": "scenes.mobjects.theme",
    "DenseColumn": "scenes.mobjects.network_diagram",
    "ElidedBlock": "scenes.mobjects.math_tex",
    "LIGHT": "scenes.mobjects.theme",
    "MathFormula": "scenes.mobjects.math_tex",
    "NetworkDiagram": "scenes.mobjects.network_diagram",
    "NeuronFan": "scenes.mobjects.weighted_sum_terms",
    "PixelGrid": "scenes.mobjects.pixel_grid",
    "RasterCamera": "scenes.camera.raster_camera",
    "RasterImage": "scenes.mobjects.raster_image",
    "THEMES": "scenes.mobjects.theme",
    "Theme": "scenes.mobjects.theme",
    "WeightHeatmap": "scenes.mobjects.pixel_grid",
    "WeightedSumTerms": "scenes.mobjects.weighted_sum_terms",
    "apply_theme": "scenes.mobjects.theme",
    "caption": "scenes.mobjects.text",
    "elided_matrix": "scenes.mobjects.math_tex",
    "elided_tuple": "scenes.mobjects.math_tex",
    "get_theme": "scenes.mobjects.theme",
    "require_latex": "scenes.mobjects.math_tex",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str):
    if name not in _EXPORTS:
        raise AttributeError(f"module 'scenes' has no attribute {name!r}")
    value = getattr(importlib.import_module(_EXPORTS[name]), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
