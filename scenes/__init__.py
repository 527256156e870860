"""Manim scenes that tell the story of a real, trained MNIST network, and the mobjects they share."""
