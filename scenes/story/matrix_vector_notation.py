from __future__ import annotations

from manim import DOWN, UP, FadeIn, Indicate, ReplacementTransform, Write

from network.activations import ACTIVATIONS
from scenes.choices.selection import ink_run
from scenes.mobjects.math_tex import MathFormula, elided_matrix, require_latex
from scenes.mobjects.theme import Theme
from scenes.story.base import StoryScene

__all__ = ["MatrixVectorNotation"]


def vector_symbol(name: str, layer: int | None = None):
    """Entry symbols name^(layer)_i for elided_matrix/elided_tuple."""
    sup = "" if layer is None else f"^{{({layer})}}"
    return lambda i, j=0: f"{name}{sup}_{{{i}}}"


class MatrixVectorNotation(StoryScene):
    """a⁽¹⁾ = σ(W a⁽⁰⁾ + b) with real entries, elided with ⋮ ⋯ ⋱.

    First with symbols w_{i,j}, then with the real entries of W1 and b1, the followed digit's pixels
    where it has ink and its exported a(1); it ends in the compact form.
    """

    chapter = "Notation and linear algebra"  # its chapter in the explainer

    def construct(self):
        require_latex()
        theme, inputs = self.theme, self.story
        W, b, a0, a1 = inputs.weights[0], inputs.biases[0], inputs.layer(0), inputs.layer(1)
        k, n = W.shape[0] - 1, W.shape[1] - 1
        rows, cols = [0, 1, k], [0, *ink_run(a0), n]
        f = ACTIVATIONS[inputs.activation].tex

        title = self.text("One whole layer in one line", "title").to_edge(UP, buff=0.35)
        symbolic = self.layer_formula(f, theme, W, b, a0, a1, rows, cols, symbols=True)
        self.formula = self.layer_formula(f, theme, W, b, a0, a1, rows, cols, symbols=False)
        dims = self.text(
            f"W: {k + 1} × {n + 1} weights w(i, j), rows i = 0 … k = {k}, columns j = 0 … n = {n}",
            "small",
            "muted",
        ).next_to(self.formula, DOWN, buff=0.35)
        self.compact = MathFormula(
            r"a^{(1)} = ", f, r"\left(W a^{(0)} + b\right)", theme=theme, font_size=theme.math_size + 6
        ).to_edge(DOWN, buff=0.45)
        self.compact.set_color(theme.highlight)

        self.step(
            "A layer as a matrix",
            f"Write the activations of layer 0 as one column, and the weights as a matrix W with"
            f" one row per neuron of layer 1: {k + 1} rows of {n + 1} weights.",
        )
        self.play(FadeIn(title), Write(symbolic), run_time=2)
        self.play(FadeIn(dims), run_time=1)
        preprocessing = inputs.preprocessing
        pixels = (
            f"this {inputs.item}'s pixels"
            if preprocessing.is_identity
            else f"this {inputs.item}'s pixels, normalised as the network was trained:"
            f" {preprocessing.describe()}"
        )
        self.step(
            "With the real entries",
            f"Here are the real numbers: the trained weights and biases, and {pixels}. Multiply, add the"
            " biases, squish each entry, and out come layer 1's real activations.",
        )
        self.play(*(ReplacementTransform(old, new) for old, new in zip(symbolic, self.formula)), run_time=2)
        self.play(Indicate(self.formula.blocks["a1"].mobjects(), color=theme.highlight), run_time=1.5)
        self.step(
            "One whole layer in one line",
            "The whole layer fits in one short line, and code that multiplies matrices fast makes the"
            " network fast.",
        )
        self.play(Write(self.compact), run_time=1.5)
        self.wait(1)

    @staticmethod
    def layer_formula(f: str, theme: Theme, W, b, a0, a1, rows, cols, symbols: bool) -> MathFormula:
        """f(W a0 + b) = a1 with the same elisions either as symbols or as real numbers."""
        symbol = vector_symbol if symbols else (lambda *_: None)
        weight_symbol = (lambda i, j: f"w_{{{i},{j}}}") if symbols else None
        formula = MathFormula(
            f + r"\left(",
            ("W", elided_matrix(W, rows, cols, symbol=weight_symbol)),
            ("a0", elided_matrix(a0, cols, symbol=symbol("a", 0))),
            "+",
            ("b", elided_matrix(b, rows, symbol=symbol("b"))),
            r"\right)",
            "=",
            ("a1", elided_matrix(a1, rows, symbol=symbol("a", 1))),
            theme=theme,
            font_size=theme.math_size,
        )
        if not symbols:
            for block in ("W", "b"):
                for key, value in formula.blocks[block].entries.items():
                    formula.blocks[block].entry(key).set_color(theme.weight_color(value))
        return formula.scale_to_fit_width(min(formula.width, 13.0)).move_to(0.3 * UP)
