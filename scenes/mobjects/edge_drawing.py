"""Edges drawn by their weights: the style of each edge j <- i of a layer (the same options mean the
same whether a few shown edges or every edge is drawn), drawn either with cairo into one
transparent image (fast: 12,960 edges of 784-16-16-10 cost one image per layer) or as Manim Lines
(each reachable on its own, and the slow reference the render benchmark compares against).
"""

from __future__ import annotations

import cairo
import numpy as np
from manim import Line, ManimColor, VGroup, config

from scenes.mobjects.raster_image import RasterImage
from scenes.mobjects.theme import Theme

__all__ = ["EDGE_OPTIONS", "edge_lines", "edge_options", "edge_styles", "rasterised_edges"]

EDGE_OPTIONS = ("max_width", "min_width", "max_opacity", "min_opacity", "rasterise")
UNCROWDED = 16  # inputs per neuron up to which a layer's edges are drawn as the options say


def edge_options(theme: Theme, edge_config: dict | None, full_edges: bool) -> dict:
    """The edge options with the theme's defaults filled in; an unknown key is an error.
    `rasterise` defaults to `full_edges`: every edge as one image, a few shown edges as Lines."""
    unknown = sorted(set(edge_config or {}) - set(EDGE_OPTIONS))
    if unknown:
        known = ", ".join(EDGE_OPTIONS)
        raise ValueError(f"edge_config: unknown {', '.join(map(repr, unknown))}; the options are {known}")
    defaults = {"max_width": theme.max_edge_width, "min_width": 0.3, "max_opacity": theme.max_edge_opacity,
                "min_opacity": 0.15, "rasterise": full_edges}  # fmt: skip
    return {**defaults, **(edge_config or {})}


def edge_styles(W: np.ndarray, theme: Theme, options: dict, scale: float, crowded: bool = False) -> tuple:
    """How every edge j <- i of W (n_out, n_in) is drawn: the drawing order (weakest first, so that
    the strongest lie on top) and per edge in that order: (j, i), RGB, opacity and stroke width.

    An edge's strength s = |w| / `scale` (the largest |w| of its layer) sets its width from
    `min_width` to `max_width` and its opacity from `min_opacity` to `max_opacity`, colour by sign.
    `crowded`: where more than 16 edges meet at each neuron (784 when every input is drawn) they
    would pile up into a solid wedge, so by c = n_in / 16 the weak edges fade (min_opacity / c^0.55),
    all thin (widths / c^0.15) and s is raised to 1 + 0.6 log10 c: the bundle reads as a fine mesh
    and the strongest weights stand out."""
    crowding = max(1.0, W.shape[1] / UNCROWDED) if crowded else 1.0
    order = np.argsort(np.abs(W), axis=None, kind="stable")
    strength = np.clip(np.abs(W).ravel()[order] / (scale or 1.0), 0, 1) ** (1 + 0.6 * np.log10(crowding))
    rows, cols = np.divmod(order, W.shape[1])
    colours = np.where(
        (W.ravel()[order] >= 0)[:, None],
        ManimColor(theme.positive).to_rgb(),
        ManimColor(theme.negative).to_rgb(),
    )
    floor = options["min_opacity"] / crowding**0.55
    opacity = floor + (options["max_opacity"] - floor) * strength
    width = (options["min_width"] + (options["max_width"] - options["min_width"]) * strength) / crowding**0.15
    return np.stack([rows, cols], axis=1), colours, opacity, width


def edge_lines(starts: np.ndarray, ends: np.ndarray, styles: tuple) -> VGroup:
    """Every edge as its own Manim Line (in the order of `styles`), styled as `rasterised_edges`
    draws it."""
    return VGroup(
        *(
            Line(
                starts[i], ends[j], stroke_color=ManimColor.from_rgb(colour), stroke_width=w, stroke_opacity=o
            )
            for (j, i), colour, o, w in zip(*styles)
        )
    )


def rasterised_edges(
    starts: np.ndarray, ends: np.ndarray, styles: tuple, brighten: float = 1.0
) -> RasterImage:
    """Every edge of `styles` drawn with cairo into one transparent image placed over the region
    the edges span, at the resolution of the current render (opacities x `brighten`)."""
    px_per_unit = config.pixel_height / config.frame_height
    points = np.concatenate([starts, ends])[:, :2]
    low, high = points.min(axis=0), points.max(axis=0)
    width, height = (max(2, int(np.ceil((high - low)[k] * px_per_unit)) + 2) for k in (0, 1))
    surface = cairo.ImageSurface(cairo.FORMAT_ARGB32, width, height)
    context = cairo.Context(surface)
    context.set_line_cap(cairo.LINE_CAP_ROUND)

    def to_pixels(point):
        return 1 + (point[0] - low[0]) * px_per_unit, 1 + (high[1] - point[1]) * px_per_unit

    pixels_per_stroke_unit = px_per_unit / 100  # Manim draws stroke width 100 as one scene unit
    for (j, i), colour, opacity, stroke in zip(*styles):
        context.set_source_rgba(*colour, min(1.0, opacity * brighten))
        context.set_line_width(stroke * pixels_per_stroke_unit)
        context.move_to(*to_pixels(starts[i]))
        context.line_to(*to_pixels(ends[j]))
        context.stroke()
    surface.flush()
    bgra = np.ndarray((height, width, 4), np.uint8, surface.get_data(), strides=(surface.get_stride(), 4, 1))
    rgba = bgra[:, :, [2, 1, 0, 3]].astype(np.float64)
    alpha = rgba[:, :, 3:4]
    rgba[:, :, :3] = np.where(alpha > 0, rgba[:, :, :3] * 255 / np.maximum(alpha, 1), 0)  # un-premultiply
    image = RasterImage(rgba.round().astype(np.uint8), crisp=False)
    image.stretch_to_fit_width(width / px_per_unit)
    image.stretch_to_fit_height(height / px_per_unit)
    image.move_to([(low[0] + high[0]) / 2, (low[1] + high[1]) / 2, 0])
    return image
