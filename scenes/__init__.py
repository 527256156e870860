"""nnexplain's Manim library: mobjects drawn from a real network's weights and activations.

>>> from manim import Create, Scene
>>> from network import DEFAULT_WEIGHTS, Preprocessing, load_sample, load_weights
>>> from scenes import LIGHT, NetworkDiagram, apply_theme
>>> class LibraryExample(Scene):
...     def construct(self):
...         apply_theme(self, LIGHT)
...         model, manifest = load_weights(DEFAULT_WEIGHTS)  # or any weights file: "my.npz"
...         preprocess = Preprocessing.from_manifest(manifest)  # pixels -> the network's inputs
...         images, labels = load_sample()  # pixels in [0, 1]
...         diagram = NetworkDiagram(model, theme=LIGHT, typical=model.forward(preprocess(images)))
...         self.play(Create(diagram))
...         self.play(diagram.animate.set_forward(model.forward(preprocess(images[0]))))

Every mobject takes its data and its theme as arguments (the theme defaults to DARK) and reads
nothing from the environment. An imported network may take normalised inputs: always feed it
`Preprocessing.from_manifest(manifest)(pixels)`, never the raw pixels. The story told by
`nnexplain` is built on top, in scenes.story. The names below are imported on first use, so that
`import scenes` (and the command line) does not pay for importing Manim until a mobject is needed;
the plain numpy choices (which pixels, neurons and digits to show) are `scenes.choices.selection` and
`scenes.choices.diagram_choices`, the most useful of them exported here too.
"""

from __future__ import annotations

import importlib

_EXPORTS = {
    "ActivationPlot": "scenes.mobjects.activation_plot",
    "ColourBar": "scenes.mobjects.pixel_grid",
    "CreatableGroup": "scenes.mobjects.raster_image",
    "DARK": "scenes.mobjects.theme",
    "DenseColumn": "scenes.mobjects.dense_column",
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
    "activation_range": "scenes.choices.diagram_choices",
    "apply_theme": "scenes.mobjects.theme",
    "caption": "scenes.mobjects.text",
    "elided_matrix": "scenes.mobjects.math_tex",
    "elided_tuple": "scenes.mobjects.math_tex",
    "get_theme": "scenes.mobjects.theme",
    "ink_and_background_pixels": "scenes.choices.selection",
    "largest_terms": "scenes.choices.selection",
    "most_selective": "scenes.choices.selection",
    "require_latex": "scenes.mobjects.math_tex",
    "shared_weight_scale": "scenes.choices.selection",
    "strongest_pixels": "scenes.choices.selection",
    "telling_pixels": "scenes.choices.diagram_choices",
    "top_activating": "scenes.choices.selection",
    "without_glyph_sources": "scenes.mobjects.text",
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
