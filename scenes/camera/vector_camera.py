"""`VectorCamera`: Manim's cairo camera drawing on a vector surface (SVG, PDF), for figures and the
handout. Text, formulas, neurons and edges stay vector paths; images are embedded with square pixels.
"""

from __future__ import annotations

import math

import cairo
import numpy as np
from manim import Camera

from scenes.camera.raster_camera import CairoImages

__all__ = ["A4_LANDSCAPE_PT", "VectorCamera"]

A4_LANDSCAPE_PT = (842.0, 595.0)  # the page of a vector figure and of the handout, in points
MIN_EMBEDDED_PIXELS = 1024  # small images are enlarged (nearest) so that no viewer blurs their pixels


class VectorCamera(CairoImages, Camera):
    """Manim's cairo camera drawing on a vector surface, into the `width` x `height` box at `origin`
    (units: px for SVG, pt for PDF); nothing is drawn outside the box."""

    true_rgb = True

    def __init__(
        self,
        surface: cairo.Surface,
        width: float,
        height: float,
        origin: tuple[float, float] = (0.0, 0.0),
        **kwargs,
    ):
        self.surface, self.surface_width, self.surface_height = surface, width, height
        self.origin = origin
        self.context = None
        super().__init__(**kwargs)

    def get_cairo_context(self, pixel_array):
        if self.context is None:
            ctx = cairo.Context(self.surface)
            (x0, y0), w, h = self.origin, self.surface_width, self.surface_height
            ctx.rectangle(x0, y0, w, h)
            ctx.clip()
            fw, fh, fc = self.frame_width, self.frame_height, self.frame_center
            sx, sy = w / fw, h / fh
            ctx.set_matrix(cairo.Matrix(sx, 0, 0, -sy, x0 + w / 2 - fc[0] * sx, y0 + h / 2 + fc[1] * sy))
            self.context = ctx
        return self.context

    def set_cairo_context_color(self, ctx, rgbas, vmobject):
        # Manim reverses RGB for its BGRA pixel buffer; a vector surface takes true RGB.
        if len(rgbas) == 1:
            ctx.set_source_rgba(*rgbas[0][:3], rgbas[0][3])
            return self
        points = self.transform_points_pre_display(vmobject, vmobject.get_gradient_start_and_end_points())
        pattern = cairo.LinearGradient(*points[0][:2], *points[1][:2])
        for rgba, offset in zip(rgbas, np.linspace(0, 1, len(rgbas))):
            pattern.add_color_stop_rgba(offset, *rgba[:3], rgba[3])
        ctx.set_source(pattern)
        return self

    def paint_background(self) -> None:
        if self.background_opacity > 0:
            ctx = self.get_cairo_context(None)
            ctx.save()
            ctx.identity_matrix()
            ctx.set_source_rgba(*self.background_color.to_rgb(), self.background_opacity)
            ctx.rectangle(*self.origin, self.surface_width, self.surface_height)
            ctx.fill()
            ctx.restore()

    def display_multiple_background_colored_vmobjects(self, cvmobjects, pixel_array):
        for vmobject in cvmobjects:  # no raster background images here: draw their outlines as vectors
            self.display_vectorized(vmobject, self.get_cairo_context(pixel_array))
        return self

    def display_multiple_point_cloud_mobjects(self, pmobjects, pixel_array):
        raster = np.zeros((self.pixel_height, self.pixel_width, 4), dtype=np.uint8)
        super().display_multiple_point_cloud_mobjects(pmobjects, raster)
        corners = np.array([[-1, 1, 0], [1, 1, 0], [-1, -1, 0]]) * [
            self.frame_width / 2,
            self.frame_height / 2,
            0,
        ]
        self.paint_rgba(raster, corners + self.frame_center, smooth=True)

    def prepared(self, rgba: np.ndarray, smooth: bool) -> np.ndarray:
        if not smooth and max(rgba.shape[:2]) < MIN_EMBEDDED_PIXELS:
            factor = math.ceil(MIN_EMBEDDED_PIXELS / max(rgba.shape[:2]))
            rgba = rgba.repeat(factor, axis=0).repeat(factor, axis=1)
        return rgba
