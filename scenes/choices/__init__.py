"""What to show, decided in plain numpy and unit-tested on small arrays: which pixels, neurons and
digits (selection), a digit cut into loops and lines (digit_parts), class names in words
(class_names). Nothing here imports Manim."""
