import keras
import numpy as np
import pytest
from matplotlib.figure import Figure

from attention_zoo.visualize import plot_text_attention
from attention_zoo.visualize import save_text_attention_html
from attention_zoo.visualize import text_attention_html
from attention_zoo.visualize import top_tokens
from tests.attention_zoo.visualize.png import load_png

TOKENS = ["the", "cat", "the", "<pad>", "sat"]
WEIGHTS = [0.3, 0.1, 0.3, 0.0, 0.25]


def test_top_tokens_orders_by_weight_and_skips_padding():
    assert top_tokens(TOKENS, WEIGHTS, 2) == [("the", 0.3), ("the", 0.3)]
    assert top_tokens(TOKENS, WEIGHTS, 10) == [
        ("the", 0.3),
        ("the", 0.3),
        ("sat", 0.25),
        ("cat", 0.1),
    ]
    with pytest.raises(ValueError, match="`k`"):
        top_tokens(TOKENS, WEIGHTS, 0)


def test_words_are_drawn_with_background_alpha_by_weight(tmp_path):
    path = tmp_path / "nested" / "text.png"
    weights = keras.ops.convert_to_tensor(np.array(WEIGHTS, "float32"))
    figure = plot_text_attention(TOKENS, weights, path=path, title="review")
    assert isinstance(figure, Figure)
    words = [text for text in figure.texts if text.get_text() != "review"]
    assert [text.get_text() for text in words] == TOKENS
    alphas = [text.get_bbox_patch().get_facecolor()[3] for text in words]
    np.testing.assert_allclose(alphas, np.array(WEIGHTS) / 0.3, rtol=1e-6)
    load_png(path)


def test_long_texts_wrap_inside_the_figure():
    tokens = [f"word{i}" for i in range(60)]
    figure = plot_text_attention(tokens, np.linspace(0, 1, 60), width=6.0)
    renderer = figure.canvas.get_renderer()
    extents = [text.get_window_extent(renderer) for text in figure.texts]
    assert len({round(extent.y0) for extent in extents}) > 3
    assert max(extent.x1 for extent in extents) < figure.bbox.width
    assert min(extent.y0 for extent in extents) > 0


def test_html_escapes_tokens_and_scales_alpha(tmp_path):
    page = text_attention_html(["<script>", "ok"], [0.2, 0.4])
    assert "<script>" not in page
    assert "&lt;script&gt;" in page
    assert "0.500)" in page and "1.000)" in page
    path = save_text_attention_html(
        ["<script>", "ok"], [0.2, 0.4], tmp_path / "nested" / "a.html"
    )
    saved = path.read_text(encoding="utf-8")
    assert '<meta charset="utf-8">' in saved and page in saved


@pytest.mark.parametrize("weights", [[0.5, 0.5], np.ones((1, 5))])
def test_mismatched_weights_raise(weights):
    with pytest.raises(ValueError, match="len\\(tokens\\)"):
        plot_text_attention(TOKENS, weights)
    with pytest.raises(ValueError, match="len\\(tokens\\)"):
        text_attention_html(TOKENS, weights)
