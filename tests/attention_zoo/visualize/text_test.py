import json

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
    assert top_tokens(TOKENS, WEIGHTS, 2) == [("the", 0.3, 0), ("the", 0.3, 2)]
    assert top_tokens(TOKENS, WEIGHTS, 10) == [
        ("the", 0.3, 0),
        ("the", 0.3, 2),
        ("sat", 0.25, 4),
        ("cat", 0.1, 1),
    ]
    with pytest.raises(ValueError, match="`k`"):
        top_tokens(TOKENS, WEIGHTS, 0)


def test_top_tokens_tell_repeated_words_apart_by_position_in_json():
    weights = keras.ops.convert_to_tensor(np.array(WEIGHTS, "float32"))
    top = top_tokens(TOKENS, weights, 3)
    assert [(token, position) for token, _, position in top] == [
        ("the", 0),
        ("the", 2),
        ("sat", 4),
    ]
    assert json.loads(json.dumps(top)) == [
        ["the", pytest.approx(0.3), 0],
        ["the", pytest.approx(0.3), 2],
        ["sat", pytest.approx(0.25), 4],
    ]


def _word_alphas(figure, title=None):
    words = [text for text in figure.texts if text.get_text() != title]
    return [text.get_bbox_patch().get_facecolor()[3] for text in words]


def test_words_are_drawn_with_background_alpha_by_weight(tmp_path):
    # 4 attended words (padding has weight 0): uniform is 1/4, so the
    # ratios are 1.2x, 0.4x, 1.2x, -, 1x; alpha = log(ratio) / log(8).
    path = tmp_path / "nested" / "text.png"
    weights = keras.ops.convert_to_tensor(np.array(WEIGHTS, "float32"))
    figure = plot_text_attention(TOKENS, weights, path=path, title="review")
    assert isinstance(figure, Figure)
    words = [text for text in figure.texts if text.get_text() != "review"]
    assert [text.get_text() for text in words] == TOKENS
    shade = np.log(1.2) / np.log(8)
    np.testing.assert_allclose(
        _word_alphas(figure, "review"), [shade, 0, shade, 0, 0], atol=1e-6
    )
    load_png(path)


@pytest.mark.parametrize("length", [2, 4, 50])
def test_uniform_weights_colour_no_word(length):
    tokens = [f"w{i}" for i in range(length)]
    figure = plot_text_attention(tokens, np.full(length, 1 / length))
    np.testing.assert_array_equal(_word_alphas(figure), np.zeros(length))


def test_shades_are_absolute_relative_to_uniform():
    # 16 words: 8/16 is 8x uniform, 2/16 2x, 4/16 4x, 0.5/16 below.
    weights = np.array([8, 2, 4, 0.5, 0.5, 1] + [0] * 4, "float64") / 16
    tokens = [f"w{i}" for i in range(10)]
    figure = plot_text_attention(tokens, weights, num_positions=16)
    np.testing.assert_allclose(
        _word_alphas(figure),
        [1, 1 / 3, 2 / 3, 0, 0, 0, 0, 0, 0, 0],
        atol=1e-6,
    )
    # Beyond 8x stays full: one word takes all of 2.
    figure = plot_text_attention(["a", "b"], [1.0, 0.0], num_positions=16)
    assert _word_alphas(figure) == [1.0, 0.0]
    with pytest.raises(ValueError, match="num_positions"):
        plot_text_attention(["a", "b"], [1.0, 0.0], num_positions=0)


def test_figure_has_a_legend_of_the_scale():
    figure = plot_text_attention(["a", "good", "film"], [0.1, 0.6, 0.3])
    (legend,) = figure.axes
    assert legend.get_xlabel() == "attention / uniform (1/n)"
    ticks = [label.get_text() for label in legend.get_xticklabels()]
    assert ticks == ["1x", "2x", "4x", "8x"]
    np.testing.assert_allclose(legend.get_xlim(), (1, 8))
    renderer = figure.canvas.get_renderer()
    bar = legend.get_window_extent(renderer)
    lowest_word = min(
        text.get_window_extent(renderer).y0 for text in figure.texts
    )
    assert bar.y1 < lowest_word and bar.y0 > 0  # under the text, inside


def test_long_texts_wrap_inside_the_figure():
    tokens = [f"word{i}" for i in range(60)]
    figure = plot_text_attention(tokens, np.linspace(0, 1, 60), width=6.0)
    renderer = figure.canvas.get_renderer()
    extents = [text.get_window_extent(renderer) for text in figure.texts]
    assert len({round(extent.y0) for extent in extents}) > 3
    assert max(extent.x1 for extent in extents) < figure.bbox.width
    assert min(extent.y0 for extent in extents) > 0


def test_html_escapes_tokens_and_scales_alpha(tmp_path):
    # 2 words: uniform is 1/2; 0.2 is 0.4x (no colour), 0.8 is 1.6x.
    page = text_attention_html(["<script>", "ok"], [0.2, 0.8])
    assert "<script>" not in page
    assert "&lt;script&gt;" in page
    assert "0.000);" in page
    assert f"{np.log(1.6) / np.log(8):.3f});" in page
    assert 'title="0.8000 (1.6x uniform)"' in page
    assert "attention / uniform (1/n)" in page
    assert page.count("1.000);") == 1  # the 8x of the legend
    uniform = text_attention_html(["a", "b", "c"], [1 / 3] * 3)
    body = uniform.split("</div>")[0]
    assert body.count("0.000);") == 3
    path = save_text_attention_html(
        ["<script>", "ok"], [0.2, 0.8], tmp_path / "nested" / "a.html"
    )
    saved = path.read_text(encoding="utf-8")
    assert '<meta charset="utf-8">' in saved and page in saved


@pytest.mark.parametrize("weights", [[0.5, 0.5], np.ones((1, 5))])
def test_mismatched_weights_raise(weights):
    with pytest.raises(ValueError, match="len\\(tokens\\)"):
        plot_text_attention(TOKENS, weights)
    with pytest.raises(ValueError, match="len\\(tokens\\)"):
        text_attention_html(TOKENS, weights)
