"""The scenes' pieces as a Manim library: the README's example rendered with plain `manim`, and the
mobjects' contract (Create, forward_pass, themes as arguments, clear errors) on real networks."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from pathlib import Path

import av
import numpy as np
import pytest
from manim import DOWN, DR, LEFT, UL, Create, FadeIn, Scene, Uncreate, tempconfig

import scenes
from network import DEFAULT_WEIGHTS, MLP, load_sample, load_weights
from scenes import DARK, LIGHT, NetworkDiagram, PixelGrid, WeightHeatmap
from scenes.mobjects.dense_column import DenseColumn
from scenes.mobjects.raster_image import RasterImage
from tests.scene_rendering import glyph_sources, point_to_pixel, render_last_frame

REPO = Path(__file__).resolve().parents[1]


def readme_example() -> str:
    """The Python block of the README's library section, exactly as written."""
    section = REPO.joinpath("README.md").read_text(encoding="utf-8").split("## Your own scenes")[1]
    return re.search(r"```python\n(.*?)```", section, re.S).group(1)


def last_frame(video: Path) -> np.ndarray:
    with av.open(str(video)) as container:
        *_, frame = container.decode(video=0)
        return frame.to_ndarray(format="rgb24").astype(int)


def render_frame(scene_class, media_dir) -> tuple[Scene, np.ndarray]:
    """A plain Manim scene rendered in-process (animations skipped): (scene, RGB ints of its last frame)."""
    scene, frame = render_last_frame(scene_class, media_dir)
    return scene, frame[:, :, :3].astype(int)


def lit_fraction(rgb, theme) -> float:
    off, on = (
        np.array([int(c[k : k + 2], 16) for k in (1, 3, 5)]) for c in (theme.neuron_off, theme.neuron_on)
    )
    return float(np.dot(rgb - off, on - off) / np.dot(on - off, on - off))


@pytest.mark.parametrize("weights", ["shipped", "relu-784-32-10"])
def test_readme_example_renders_with_plain_manim(weights, relu_784_32_10, tmp_path, monkeypatch):
    """`manim -ql my_scene.py MyScene` with no NNEXPLAIN_* variable and no nnexplain command."""
    source = DEFAULT_WEIGHTS if weights == "shipped" else relu_784_32_10
    (tmp_path / "my.npz").write_bytes(source.read_bytes())
    (tmp_path / "my_scene.py").write_text(readme_example(), encoding="utf-8")
    env = {key: value for key, value in os.environ.items() if not key.startswith("NNEXPLAIN_")}
    done = subprocess.run(
        [sys.executable, "-m", "manim", "-ql", "--disable_caching", "my_scene.py", "MyScene"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    video = tmp_path / "media" / "videos" / "my_scene" / "480p15" / "MyScene.mp4"
    frame = last_frame(video)
    assert frame.shape == (480, 854, 3)
    assert (frame[:6, :6] > 245).all()  # the LIGHT background

    # the same class in-process: the diagram shows the real forward pass of the real network
    built: list[NetworkDiagram] = []

    class Recorded(NetworkDiagram):  # the example's diagram is a local variable: note it when built
        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            built.append(self)

    monkeypatch.setattr(scenes, "NetworkDiagram", Recorded)
    namespace: dict = {}
    exec(compile(readme_example(), "my_scene.py", "exec"), namespace)
    monkeypatch.chdir(tmp_path)  # the example opens "my.npz"
    scene, still = render_frame(namespace["MyScene"], tmp_path / "inproc")
    assert np.abs(still - frame).mean() < 3  # the video ends on the same picture (x264 aside)
    (diagram,) = built
    model, _ = load_weights(source)
    probabilities = model.forward(load_sample()[0][0]).probabilities
    last = len(diagram.sizes) - 1
    lit = [
        lit_fraction(frame[point_to_pixel(scene, diagram.neuron(last, k).get_center())], LIGHT)
        for k in range(10)
    ]
    np.testing.assert_allclose(lit, probabilities, atol=0.06)
    assert diagram.sizes == list(model.sizes)


class DiagramScene(Scene):
    """Create, .animate, scaling, next_to and a forward pass on one diagram; options set by the test."""

    network = None
    options: dict = {}
    x = None

    def construct(self):
        self.diagram = NetworkDiagram(self.network, **self.options)
        self.play(Create(self.diagram))
        self.play(self.diagram.animate.scale(0.8).shift(0.3 * DOWN))
        self.input_height = self.diagram.layers[0].height
        self.grid = PixelGrid(self.x.reshape(28, 28), height=1.5, theme=self.diagram.theme)
        self.grid.next_to(self.diagram, LEFT)
        self.play(FadeIn(self.grid), self.diagram.forward_pass(self.network.forward(self.x), run_time=2))


@pytest.mark.parametrize(
    "sizes, activation, options",
    [
        ((784, 16, 16, 10), "sigmoid", {}),
        ((784, 128, 64, 10), "relu", {"max_shown": 12}),
        ((784, 32, 10), "relu", {"full_edges": True, "theme": LIGHT}),
    ],
)
def test_network_diagram_is_a_mobject_like_any_other(sizes, activation, options, tmp_path):
    model = MLP.initialise(sizes, activation, seed=1)
    x = load_sample()[0][7]
    scene_class = type(
        "Scene_" + "_".join(map(str, sizes)), (DiagramScene,), {"network": model, "options": options, "x": x}
    )
    scene, frame = render_frame(scene_class, tmp_path)
    diagram, theme = scene.diagram, options.get("theme", DARK)
    assert diagram.sizes == list(sizes)
    assert diagram.width < 14.2 and diagram.height < 8  # scaled and inside the frame
    assert scene.grid.get_right()[0] < diagram.get_left()[0]
    expected = model.forward(x).activations
    last = len(sizes) - 1
    assert diagram.layers[0].height == pytest.approx(scene.input_height)  # lighting up keeps the scale
    if options.get("full_edges"):
        assert isinstance(diagram.layers[0], DenseColumn) and all(
            isinstance(e, RasterImage) for e in diagram.edges
        )
    for layer in (1, last):
        low, high = diagram.ranges[layer]  # (0, 1), or a ReLU layer's typical range
        for j in diagram.shown[layer][:8]:
            rgb = frame[point_to_pixel(scene, diagram.neuron(layer, int(j)).get_center())]
            share = np.clip((expected[layer][j] - low) / (high - low), 0, 1)
            assert abs(lit_fraction(rgb, theme) - share) < 0.06, (layer, j)


def test_create_and_uncreate_draw_and_remove_images_too(tmp_path):
    model, _ = load_weights(DEFAULT_WEIGHTS)

    class Drawn(Scene):
        def construct(self):
            self.diagram = NetworkDiagram(model, full_edges=True)
            self.heatmap = WeightHeatmap(model.weights[0][3]).to_corner(LEFT)
            self.play(Create(self.diagram), Create(self.heatmap))
            self.play(Uncreate(self.heatmap))

    scene, frame = render_frame(Drawn, tmp_path)
    assert scene.diagram in scene.mobjects and scene.heatmap not in scene.mobjects
    assert frame[:, 300:600].max() > 100  # the rasterised edges are drawn at full strength


def test_themes_are_arguments_not_the_environment(monkeypatch):
    monkeypatch.setenv("NNEXPLAIN_THEME", "light")
    model, _ = load_weights(DEFAULT_WEIGHTS)
    assert NetworkDiagram(model).theme is DARK and PixelGrid(np.zeros((2, 2))).theme is DARK
    assert NetworkDiagram(model, theme=LIGHT).theme is LIGHT
    poster = LIGHT.but(positive="#0050a0")
    assert poster.positive == "#0050a0" and poster.negative == LIGHT.negative and LIGHT.positive != "#0050a0"


def test_diagram_options_and_clear_errors():
    model, _ = load_weights(DEFAULT_WEIGHTS)
    names = [f"class {k}" for k in range(10)]
    diagram = NetworkDiagram(
        model, output_labels=names, neuron_config={"radius": 0.1}, edge_config={"max_width": 1.0}
    )
    assert [label.original_text for label in diagram.output_labels] == names
    assert diagram.neuron(1, 0).radius == pytest.approx(0.1)
    widest = max(line.get_stroke_width() for line in diagram.edges[0])
    assert widest <= 1.0 + 0.3 + 1e-6
    with pytest.raises(ValueError, match="layers with incoming edges are 1 to 3, got 0"):
        diagram.signal(0)
    with pytest.raises(ValueError, match="got 4"):
        diagram.signal(4)
    with pytest.raises(ValueError, match="one input; layer 0 holds a batch of 5"):
        diagram.forward_pass(model.forward(load_sample()[0][:5]))
    with pytest.raises(ValueError, match="4 layers; the forward pass has 3"):
        diagram.forward_pass([np.zeros(784), np.zeros(16), np.zeros(10)])
    with pytest.raises(ValueError, match="3 names for 10 outputs"):
        NetworkDiagram(model, output_labels=["a", "b", "c"])
    with pytest.raises(ValueError, match="neuron 500 of layer 0 is not shown"):
        diagram.neuron(0, 500)
    bare = NetworkDiagram(model, show_edges=False)
    with pytest.raises(ValueError, match="draws no edges"):
        bare.signal(1)
    one_row = model.forward(load_sample()[0][:1])  # a batch of one is one input
    assert len(bare.forward_pass(one_row).animations) == 4  # no flashes without edges, but every layer


class TwoPasses(Scene):
    """Two forward passes through one diagram that moves in between (each layer takes 0.5 s)."""

    full_edges = False

    def construct(self):
        model, _ = load_weights(DEFAULT_WEIGHTS)
        images = load_sample()[0]
        self.diagram = NetworkDiagram(model, full_edges=self.full_edges)
        self.add(self.diagram)
        self.play(self.diagram.forward_pass(model.forward(images[0])))  # 0 - 2 s
        self.diagram.scale(0.6).shift(2 * LEFT)
        self.play(self.diagram.forward_pass(model.forward(images[1])))  # 2 - 4 s


def brightness_at(scene_class, seconds: float) -> float:
    """How bright the first layer's edges are at `seconds` (the scene stopped there, as a figure)."""
    from manim import Camera

    from scenes.production.figure import StillRenderer, scene_mobjects

    options = {"quality": "low_quality", "disable_caching": True, "write_to_movie": False,
               "progress_bar": "none", "verbosity": "ERROR"}  # fmt: skip
    with tempconfig(options):
        renderer = StillRenderer(stop_at=seconds)
        scene = scene_class(renderer=renderer)
        scene.render()
        camera = Camera()
        camera.capture_mobjects(scene_mobjects(scene))
        edges = scene.diagram.edges[0]
        top, bottom = point_to_pixel(scene, edges.get_corner(UL)), point_to_pixel(scene, edges.get_corner(DR))
        return float(camera.pixel_array[top[0] : bottom[0], top[1] : bottom[1], :3].astype(float).mean())


@pytest.mark.parametrize("full_edges", [False, True], ids=["lines", "full-edges"])
def test_the_signal_flashes_on_every_pass_where_the_edges_are_now(full_edges):
    scene_class = type("TwoPasses", (TwoPasses,), {"full_edges": full_edges})
    # layer 0 lights up in 0 - 0.5 s of a pass, the signal flashes into layer 1 in 0.5 - 1 s
    calm, flash = brightness_at(scene_class, 0.3), brightness_at(scene_class, 0.75)
    calm_again, flash_again = brightness_at(scene_class, 2.3), brightness_at(scene_class, 2.75)
    assert flash > 1.3 * calm and flash_again > 1.3 * calm_again, (calm, flash, calm_again, flash_again)
    model, _ = load_weights(DEFAULT_WEIGHTS)
    diagram = NetworkDiagram(model, full_edges=full_edges).scale(0.5).shift(3 * LEFT)
    flashes = [diagram.signal(1).mobject for _ in range(2)]
    assert flashes[0] is not flashes[1]
    for flash_mobject in flashes:
        np.testing.assert_allclose(flash_mobject.get_center(), diagram.edges[0].get_center(), atol=1e-6)
        assert flash_mobject.width == pytest.approx(diagram.edges[0].width)


def test_accessors_explain_what_is_not_drawn():
    model, _ = load_weights(DEFAULT_WEIGHTS)
    full = NetworkDiagram(model, full_edges=True)
    with pytest.raises(ValueError, match="layer 0 is drawn as one dense column"):
        full.neuron(0, 5)
    with pytest.raises(ValueError, match="no line is drawn for W1"):
        full.edge(1, 0, 0)


def test_the_librarys_text_and_formulas_do_not_keep_their_svg_sources_and_copy_whole():
    """Every glyph the library builds (labels, value labels, braces, formulas, tick numbers) drops the
    parsed SVG path Manim keeps after building it, which every FadeIn, Transform and `.animate` would
    deep-copy again; what is drawn stays: a copy has the same points and colours."""
    from manim import MathTex, Text

    from scenes import ActivationPlot, MathFormula, caption, elided_matrix, without_glyph_sources
    from scenes.mobjects.math_tex import typeset

    model, _ = load_weights(DEFAULT_WEIGHTS)
    images, _ = load_sample()
    built = {
        "caption": caption("The network's layers", LIGHT, "title"),
        "diagram labels, ellipsis and braces": NetworkDiagram(model, output_labels=list("abcdefghij")),
        "value labels": PixelGrid(images[0]).value_labels(range(10, 14), range(12, 16)),
        "formula": MathFormula(r"W = ", ("W", elided_matrix(model.weights[0], rows=[0, 15], cols=[0, 783]))),
        "typeset": typeset(r"\sigma(x)", font_size=30),
        "plot ticks": ActivationPlot("sigmoid", [-4, 4], [0, 1]),
        "your own Text": without_glyph_sources(Text("mine")),
    }
    assert glyph_sources(Text("plain Manim keeps them")) > 0 and glyph_sources(MathTex("x")) > 0
    for name, mobject in built.items():
        assert glyph_sources(mobject) == 0, name
        copied = mobject.copy()
        pairs = list(
            zip(mobject.family_members_with_points(), copied.family_members_with_points(), strict=True)
        )
        assert len(pairs) > 2, name
        for original, twin in pairs:
            np.testing.assert_array_equal(original.points, twin.points)
            np.testing.assert_array_equal(original.fill_rgbas, twin.fill_rgbas)


def test_a_label_made_outside_a_render_is_typeset_outside_the_repository(manim_media_of_its_own):
    """The library used as a user's script uses it (no tempconfig): Manim's files go to this test
    process's own media folder, never to the repository's media/ that all test processes share."""
    ours, repository = manim_media_of_its_own, REPO / "media"
    before = {folder: set(folder.rglob("*.svg")) for folder in (ours, repository)}
    label = scenes.caption(f"typeset by process {os.getpid()} at {time.monotonic_ns()}")
    added = {folder: set(folder.rglob("*.svg")) - before[folder] for folder in (ours, repository)}
    assert label.original_text.startswith("typeset by")
    assert len(added[ours]) == 1 and added[repository] == set(), added
