"""Colours, sizes and fonts for every mobject, scene and figure: `DARK` (video) and `LIGHT` (print).

Every mobject takes its theme as an argument (default `DARK`); nothing here reads the environment.
Themes are plain data: this module imports Manim only when a colour object is asked for, so the
command line can list the themes quickly.

    >>> from manim import Create, Scene
    >>> from network import DEFAULT_WEIGHTS, load_weights
    >>> from scenes import LIGHT, NetworkDiagram, apply_theme
    >>> class ThemeExample(Scene):
    ...     def construct(self):
    ...         apply_theme(self, LIGHT)  # the scene's background to match
    ...         model, manifest = load_weights(DEFAULT_WEIGHTS)
    ...         self.play(Create(NetworkDiagram(model, theme=LIGHT)))
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

__all__ = ["DARK", "LIGHT", "THEMES", "Theme", "apply_theme", "get_theme"]


@dataclass(frozen=True)
class Theme:
    """A palette and the sizes that go with it. Make a variant with `theme.but(...)`:

    >>> poster = LIGHT.but(name="poster", positive="#0050a0", title_size=48)
    >>> poster.positive, poster.negative == LIGHT.negative, LIGHT.positive
    ('#0050a0', True, '#1f5fbf')
    """

    name: str
    background: str
    text: str
    muted: str  # secondary text, braces, dots
    neuron_stroke: str
    neuron_on: str  # fill of a fully active neuron (activation 1)
    neuron_off: str  # fill of an inactive neuron (activation 0)
    positive: str  # weights > 0
    negative: str  # weights < 0
    neutral: str  # weight 0 in heatmaps
    highlight: str  # the thing the narration points at
    correct: str
    wrong: str
    grid_line: str
    # sizes (Manim units unless said otherwise)
    neuron_radius: float = 0.16
    neuron_stroke_width: float = 2.0
    max_edge_width: float = 3.0
    max_edge_opacity: float = 0.9
    title_size: int = 40
    label_size: int = 28
    small_size: int = 20
    font: str = "DejaVu Sans"
    math_size: int = 34  # MathTex formulas
    matrix_size: int = 26  # entries of matrices and vectors of real numbers

    def but(self, **changes) -> Theme:
        """A copy with some fields changed."""
        return replace(self, **changes)

    def digit_rgba(self, values: np.ndarray) -> np.ndarray:
        """Grayscale pixels in [0, 1] to RGBA uint8, from `neuron_off` (0) to `neuron_on` (1)."""
        return _blend(self.neuron_off, self.neuron_on, np.clip(values, 0, 1))

    def weight_rgba(self, values: np.ndarray, scale: float | None = None) -> np.ndarray:
        """Weights to RGBA uint8 on a diverging map: negative -> neutral (0) -> positive,
        saturating at +-scale (default: the largest |value|)."""
        scale = scale or float(np.max(np.abs(values))) or 1.0
        t = np.clip(values / scale, -1, 1)
        rgba = _blend(self.neutral, self.positive, np.abs(t))
        negative = t < 0
        rgba[negative] = _blend(self.neutral, self.negative, -t[negative])
        return rgba

    def weight_color(self, value: float):
        """The ManimColor of an edge or entry for weight `value`: positive or negative."""
        from manim import ManimColor

        return ManimColor(self.positive if value >= 0 else self.negative)

    def activation_color(self, value: float):
        """The ManimColor of a neuron with activation `value` (clipped to [0, 1])."""
        from manim import ManimColor

        return ManimColor(self.neuron_off).interpolate(
            ManimColor(self.neuron_on), float(np.clip(value, 0, 1))
        )


def _rgb255(colour: str) -> np.ndarray:
    """A "#rrggbb" colour as three floats from 0 to 255."""
    return np.array([int(colour[k : k + 2], 16) for k in (1, 3, 5)], dtype=np.float64)


def _blend(start: str, end: str, t: np.ndarray) -> np.ndarray:
    a, b = _rgb255(start), _rgb255(end)
    t = np.asarray(t, dtype=np.float64)[..., None]
    rgb = a + (b - a) * t
    alpha = np.full(rgb.shape[:-1] + (1,), 255.0)
    return np.concatenate([rgb, alpha], axis=-1).round().astype(np.uint8)


DARK = Theme(
    name="dark",
    background="#0e1116",
    text="#f0f0f0",
    muted="#8a94a6",
    neuron_stroke="#d8dee9",
    neuron_on="#ffffff",
    neuron_off="#000000",
    positive="#3fa7ff",
    negative="#ff5c5c",
    neutral="#000000",
    highlight="#ffd54a",
    correct="#6fd66f",
    wrong="#ff6b6b",
    grid_line="#3b4252",
)
LIGHT = Theme(
    name="light",
    background="#ffffff",
    text="#111111",
    muted="#5c6370",
    neuron_stroke="#333333",
    neuron_on="#000000",
    neuron_off="#ffffff",
    positive="#1f5fbf",
    negative="#c62828",
    neutral="#ffffff",
    highlight="#d98e04",
    correct="#2e7d32",
    wrong="#c62828",
    grid_line="#c0c4cc",
)
THEMES = {"dark": DARK, "light": LIGHT}


def get_theme(name: str) -> Theme:
    """The theme called `name` ("dark" or "light"); ValueError naming the choices otherwise."""
    if name not in THEMES:
        raise ValueError(f"unknown theme {name!r}; choose one of {', '.join(THEMES)}")
    return THEMES[name]


def apply_theme(scene, theme: Theme = DARK) -> Theme:
    """Set the scene's background to the theme's and return the theme."""
    from manim import ManimColor

    scene.camera.background_color = ManimColor(theme.background)
    return theme
