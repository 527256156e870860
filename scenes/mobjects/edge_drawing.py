"""Every edge of a layer at once: the style of each of n_in x n_out edges, drawn either with cairo
into one transparent image (fast: 12,960 edges of 784-16-16-10 cost one image per layer) or as
Manim Lines (the slow reference the render benchmark compares against).
"""

from __future__ import annotations

import cairo
import numpy as np
from manim import Line, ManimColor, VGroup, config

from scenes.mobjects.raster_image import RasterImage
from scenes.mobjects.theme import Theme

__all__ = ["full_edge_lines", "full_edge_styles", "rasterised_edges"]


def full_edge_styles(W: np.ndarray, theme: Theme):
    """How every edge j <- i of W (n_out, n_in) is drawn in full-edge mode: the drawing order
    (weakest first, so that the strongest lie on top) and per edge in that order: (j, i), RGB,
    opacity and stroke width in Manim units. Where many edges meet at each neuron (784 per hidden
    neuron) they would pile up into a solid wedge, so the more crowded the layer, the fainter and
    thinner the weak edges: the bundle reads as a fine mesh and the strongest weights stand out."""
    scale = np.abs(W).max() or 1.0
    crowding = max(1.0, W.shape[1] / 16)
    exponent = 1.5 + 0.6 * np.log10(crowding)
    floor = 0.04 / crowding**0.2
    thinnest, widest = 0.6 / crowding**0.25, theme.max_edge_width / crowding**0.25
    order = np.argsort(np.abs(W), axis=None, kind="stable")
    strength = (np.abs(W).ravel()[order] / scale) ** exponent
    rows, cols = np.divmod(order, W.shape[1])
    colours = np.where(
        (W.ravel()[order] >= 0)[:, None],
        ManimColor(theme.positive).to_rgb(),
        ManimColor(theme.negative).to_rgb(),
    )
    opacity = floor + (theme.max_edge_opacity - floor) * strength
    width = 2 * np.maximum(thinnest, 0.3 / crowding + widest * strength)
    return np.stack([rows, cols], axis=1), colours, opacity, width


def full_edge_lines(starts: np.ndarray, ends: np.ndarray, W: np.ndarray, theme: Theme) -> VGroup:
    """Every edge as its own Manim Line, styled as `rasterised_edges` draws it (slow: reference only)."""
    pairs, colours, opacity, width = full_edge_styles(W, theme)
    return VGroup(
        *(
            Line(
                starts[i], ends[j], stroke_color=ManimColor.from_rgb(colour), stroke_width=w, stroke_opacity=o
            )
            for (j, i), colour, o, w in zip(pairs, colours, opacity, width)
        )
    )


def rasterised_edges(
    starts: np.ndarray, ends: np.ndarray, W: np.ndarray, theme: Theme, brighten: float = 1.0
) -> RasterImage:
    """Every edge j <- i of W (n_out, n_in) drawn with cairo into one transparent image placed over
    the region the edges span, at the resolution of the current render (opacities x `brighten`)."""
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
    for (j, i), colour, opacity, stroke in zip(*full_edge_styles(W, theme)):
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
