"""The story: one Manim Scene per beat of the video, each a short construct() over the library.

Each module is named after the scene it holds (ForwardPass in forward_pass.py); scenes/story/catalog.py
lists them in story order. Render one with plain manim:

    manim -ql scenes/story/forward_pass.py ForwardPass
"""
