"""The Manim library: mobjects drawn from a real network's data, each taking its data and theme as
arguments (network_diagram, pixel_grid, weighted_sum_terms, activation_plot, math_tex, text), the
themes, and the pieces they are made of (raster_image, edge_drawing). `scenes` re-exports the
public names."""
