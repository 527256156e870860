"""Cutting a digit into loops and lines (scenes.choices.digit_parts), on drawn arrays and real digits."""

from __future__ import annotations

import numpy as np

from network.data import load_sample
from scenes.choices.digit_parts import (
    bounding_square,
    digit_parts,
    enclosed_holes,
    example_with_parts,
    loop_arcs,
)


def nine() -> np.ndarray:
    """A 20x20 '9': a ring on top (5x5 hole) and a stem, two pixels wide, down its right side."""
    image = np.zeros((20, 20))
    image[1:8, 3:10] = 1.0
    image[2:7, 4:9] = 0.0  # the hole
    image[8:19, 9:11] = 1.0  # the stem
    return image


def test_enclosed_holes_are_background_the_ink_closes_in():
    holes = enclosed_holes(nine())
    assert len(holes) == 1 and holes[0].sum() == 25 and holes[0][4, 6]
    opened = nine()
    opened[4, 9] = 0.0  # a gap in the ring's right side: the background escapes
    assert enclosed_holes(opened) == []
    diagonal = np.zeros((6, 6))
    for r, c in [(1, 2), (2, 1), (2, 3), (3, 2)]:  # ink touching at corners closes (2, 2) in
        diagonal[r, c] = 1.0
    assert len(enclosed_holes(diagonal, min_area=1)) == 1


def test_a_nine_is_a_loop_on_top_and_a_line_on_the_right():
    parts = digit_parts(nine(), min_line=5)
    assert [(p.kind, p.name) for p in parts] == [("loop", "loop on top"), ("line", "line on the right")]
    loop, line = parts
    ring = np.zeros((20, 20), bool)
    ring[1:8, 3:10], ring[2:7, 4:9] = True, False
    assert (loop.mask >= ring).all() and not (loop.mask & line.mask).any()
    assert (loop.mask | line.mask).sum() == (nine() > 0.3).sum()  # every ink pixel in one part
    assert loop.centre == (4.0, 6.0)
    np.testing.assert_array_equal(line.pixels(nine()), np.where(line.mask, nine(), 0))


def test_loop_arcs_cut_the_loop_clockwise_from_the_top():
    loop = digit_parts(nine(), min_line=5)[0]
    arcs = loop_arcs(loop)
    assert len(arcs) == 4
    assert sum(arc.sum() for arc in arcs) == loop.mask.sum()
    assert (np.sum(arcs, axis=0) == loop.mask).all()  # each loop pixel in exactly one arc
    upper_right, lower_right, lower_left, upper_left = arcs
    assert upper_right[1, 8] and lower_right[7, 8] and lower_left[7, 4] and upper_left[1, 4]


def test_bounding_square_is_square_and_inside_the_image():
    mask = np.zeros((28, 28), bool)
    mask[3:8, 20:27] = True  # 5 x 7 near the right edge
    rows, cols = bounding_square(mask)
    assert rows.stop - rows.start == cols.stop - cols.start == 11
    assert cols.stop <= 28 and mask[rows, cols].sum() == mask.sum()


def test_real_sample_digits_with_the_parts_the_story_needs():
    images, labels = load_sample()
    nine_index = example_with_parts(images, labels, 9, ("loop on top", "line on the right"))
    eight_index = example_with_parts(images, labels, 8, ("loop on top", "loop below"))
    assert labels[nine_index] == 9 and labels[eight_index] == 8
    top, below = digit_parts(images[eight_index].reshape(28, 28))
    assert top.centre[0] < below.centre[0] - 5
    assert example_with_parts(images, labels, 1, ("loop on top", "loop below")) is None
