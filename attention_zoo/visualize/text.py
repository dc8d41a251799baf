"""The words of one text highlighted by their attention weight.

Shades are on an absolute scale, relative to uniform attention: a word of
weight `w` among `n` attended words has the ratio `r = w * n` (`w` over
the uniform weight `1 / n`). Words at or below uniform (`r <= 1`) are not
coloured, words at `FULL_RATIO` (8x) uniform or more are fully coloured,
and the opacity grows with `log(r)` in between (2x: a third, 4x: two
thirds). A model that attends uniformly therefore colours nothing,
however long or short the text, and the pictures of two texts compare.
"""

import html
import pathlib

import numpy as np
from matplotlib.cm import ScalarMappable
from matplotlib.colors import LinearSegmentedColormap
from matplotlib.colors import LogNorm
from matplotlib.ticker import NullLocator

from attention_zoo._checks import check_positive_int
from attention_zoo.visualize.figures import new_figure
from attention_zoo.visualize.figures import save_figure
from attention_zoo.visualize.figures import to_numpy

HIGHLIGHT = (1.0, 0.55, 0.0)  # orange: black text stays readable on it
FULL_RATIO = 8.0  # words at 8x the uniform weight or more: full colour
RATIO_TICKS = (1, 2, 4, 8)
SCALE_LABEL = "attention / uniform (1/n)"


def _tokens_and_weights(tokens, weights):
    """Returns `(list of str, float array)` after checking they match."""
    tokens = [str(token) for token in tokens]
    weights = to_numpy("weights", weights)
    if weights.ndim != 1 or weights.shape[0] != len(tokens):
        raise ValueError(
            f"`weights` must have shape (len(tokens),) = ({len(tokens)},); "
            f"received shape {weights.shape}."
        )
    return tokens, weights


def uniform_ratios(weights, num_positions=None):
    """Returns `weights * n`: each weight over the uniform weight `1 / n`.

    `n` is `num_positions`, the number of positions the weights are a
    distribution over; by default the number of positive weights (padding
    has weight 0). Give it when showing part of a longer text. NaN
    weights count as 0.

    Example:

    >>> uniform_ratios([0.25, 0.25, 0.5, 0.0]).tolist()
    [0.75, 0.75, 1.5, 0.0]
    """
    weights = np.nan_to_num(to_numpy("weights", weights), nan=0.0)
    if num_positions is None:
        num_positions = int(np.sum(weights > 0))
    else:
        num_positions = check_positive_int("num_positions", num_positions)
    return weights * num_positions


def _strengths(weights, num_positions=None):
    """Opacities in `[0, 1]`: 0 up to uniform, 1 from `FULL_RATIO` on,
    `log(ratio) / log(FULL_RATIO)` in between."""
    ratios = uniform_ratios(weights, num_positions)
    shade = np.log(np.maximum(ratios, 1.0)) / np.log(FULL_RATIO)
    return np.clip(shade, 0.0, 1.0)


def _ratio_text(ratio):
    return f"{ratio:.2g}x" if ratio < 10 else f"{ratio:.0f}x"


def top_tokens(tokens, weights, k):
    """Returns the `k` most-attended `(token, weight, position)` triples.

    Largest weight first; `position` is the token's 0-based index in
    `tokens`, so a repeated word is told apart (it appears once per
    position). Positions of weight 0 (padding) are skipped, so fewer than
    `k` triples come back when fewer positions have weight. Ties keep the
    order of the text. The values are plain `str`, `float` and `int`,
    ready for `json.dumps`.

    Example:

    >>> top_tokens(["a", "good", "film", "<pad>"], [0.1, 0.6, 0.3, 0.0], 2)
    [('good', 0.6, 1), ('film', 0.3, 2)]
    """
    k = check_positive_int("k", k)
    tokens, weights = _tokens_and_weights(tokens, weights)
    order = np.argsort(-weights, kind="stable")
    triples = [
        (tokens[i], float(weights[i]), int(i)) for i in order if weights[i] > 0
    ]
    return triples[:k]


def text_attention_html(tokens, weights, num_positions=None):
    """Returns HTML where each token's background shows its weight.

    The background opacity follows the scale of the module docstring
    (none at or below uniform, full at 8x uniform, logarithmic between);
    `num_positions` is `n` of the uniform weight `1 / n` (default: the
    tokens of positive weight). Tokens are HTML-escaped, each span's
    tooltip shows its weight and ratio to uniform, and a legend line
    follows the text.

    Example:

    >>> text_attention_html(["<b>", "ok"], [0.0, 1.0])[:60]
    '<div style="line-height: 1.8"><span style="background-color:'
    """
    tokens, weights = _tokens_and_weights(tokens, weights)
    ratios = uniform_ratios(weights, num_positions)
    strengths = _strengths(weights, num_positions)
    red, green, blue = (round(255 * channel) for channel in HIGHLIGHT)

    def span(text, strength, tooltip):
        return (
            f'<span style="background-color: rgba({red}, {green}, {blue}, '
            f'{strength:.3f}); padding: 0 2px" title="{tooltip}">'
            f"{html.escape(text)}</span>"
        )

    words = [
        span(token, strength, f"{weight:.4f} ({_ratio_text(ratio)} uniform)")
        for token, weight, ratio, strength in zip(
            tokens, weights, ratios, strengths
        )
    ]
    legend = [
        span(f"{tick}x", np.log(tick) / np.log(FULL_RATIO), f"{tick}x uniform")
        for tick in RATIO_TICKS
    ]
    return (
        '<div style="line-height: 1.8">'
        + " ".join(words)
        + '</div>\n<div style="font-size: small; color: #555">'
        + f"{html.escape(SCALE_LABEL)}: "
        + " ".join(legend)
        + " (none at or below uniform, log scale)</div>"
    )


def save_text_attention_html(
    tokens, weights, path, title=None, num_positions=None
):
    """Writes `text_attention_html` as a standalone UTF-8 HTML page.

    Creates the parent folders; returns the path as a `pathlib.Path`.
    """
    body = text_attention_html(tokens, weights, num_positions)
    heading = "" if title is None else f"<h3>{html.escape(title)}</h3>\n"
    title_tag = html.escape(title or "attention")
    page = (
        '<!DOCTYPE html>\n<html>\n<head>\n<meta charset="utf-8">\n'
        f"<title>{title_tag}</title>\n</head>\n"
        '<body style="font-family: sans-serif; max-width: 50em">\n'
        f"{heading}{body}\n</body>\n</html>\n"
    )
    path = pathlib.Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(page, encoding="utf-8")
    return path


def plot_text_attention(
    tokens,
    weights,
    path=None,
    title=None,
    width=8.0,
    fontsize=14,
    num_positions=None,
):
    """Draws a text with each word's background coloured by its weight.

    Words wrap onto lines at most `width` inches wide. The colour is on
    the absolute scale of the module docstring: with `n` attended words,
    a word of weight `w` has the ratio `w * n` to the uniform weight
    `1 / n`; at or below 1x it is not coloured, at 8x or more it is fully
    coloured, and its opacity grows with the log of the ratio between
    (2x: 1/3, 4x: 2/3). A colour bar under the text, "attention /
    uniform (1/n)" with ticks 1x 2x 4x 8x, shows the scale. So uniform
    attention colours no word, and only words the model prefers to the
    average stand out.

    Args:
        tokens: the words (strings), in order.
        weights: `(len(tokens),)` attention probabilities, numpy or any
            backend tensor.
        path: if given, the PNG is saved there (parent folders created).
        title: the figure title.
        width: the figure width in inches.
        fontsize: the word size in points.
        num_positions: `n`, the number of positions the weights are a
            distribution over. Defaults to the tokens of positive weight
            (padding has weight 0); give the full count when `tokens` is
            only the start of a longer text.

    Returns:
        The `matplotlib.figure.Figure`: one text per word (its background
        patch coloured), then the title; the colour bar is its only axes.

    Example:

    >>> figure = plot_text_attention(["a", "good", "film"], [0.1, 0.6, 0.3])
    >>> [text.get_text() for text in figure.texts]
    ['a', 'good', 'film']
    >>> figure.axes[0].get_xlabel()
    'attention / uniform (1/n)'
    """
    tokens, weights = _tokens_and_weights(tokens, weights)
    strengths = _strengths(weights, num_positions)
    figure = new_figure((width, 1.0))
    renderer = figure.canvas.get_renderer()
    margin = 0.2
    pad = space = 0.3 * fontsize / 72  # inches around and between words
    line_height = 1.9 * fontsize / 72
    legend_width, legend_height = 3.0, 0.7  # the colour bar and its labels

    def add_text(string, **kwargs):
        text = figure.text(
            0,
            0,
            string,
            fontsize=fontsize,
            transform=figure.dpi_scale_trans,
            **kwargs,
        )
        return text, text.get_window_extent(renderer).width / figure.dpi

    placed, line, x, right = [], 0, margin, margin
    for token, strength in zip(tokens, strengths):
        text, word_width = add_text(
            token,
            va="baseline",
            bbox=dict(
                boxstyle="square,pad=0.15",
                facecolor=(*HIGHLIGHT, float(strength)),
                edgecolor="none",
            ),
        )
        word_width += pad
        if x > margin and x + word_width > width - margin:
            line, x = line + 1, margin
        placed.append((text, x, line))
        right = max(right, x + word_width)
        x += word_width + space

    top = margin
    if title is not None:
        title_text, title_width = add_text(title, weight="bold", va="top")
        right = max(right, margin + title_width)
        top += 2.0 * fontsize / 72
    # Shrink a short text, keeping room for the colour bar.
    width = min(width, max(right + margin, legend_width + 2 * margin))
    height = top + (line + 1) * line_height + legend_height + margin
    figure.set_size_inches(width, height)
    for text, x, line in placed:
        text.set_position(
            (x + pad / 2, height - top - (line + 0.7) * line_height)
        )
    if title is not None:
        title_text.set_position((margin, height - margin))
    _add_scale(figure, width, height, margin, min(legend_width, width))
    save_figure(figure, path, tight=False)
    return figure


def _add_scale(figure, width, height, margin, legend_width):
    """The colour bar of the shades, `legend_width` inches at the bottom."""
    bar_height, label_room = 0.12, 0.42  # inches
    axes = figure.add_axes(
        [
            margin / width,
            (margin + label_room) / height,
            (legend_width - 2 * margin) / width,
            bar_height / height,
        ]
    )
    shades = LinearSegmentedColormap.from_list(
        "attention_shade", [(*HIGHLIGHT, 0.0), (*HIGHLIGHT, 1.0)]
    )
    bar = figure.colorbar(
        ScalarMappable(norm=LogNorm(1.0, FULL_RATIO), cmap=shades),
        cax=axes,
        orientation="horizontal",
    )
    bar.set_ticks(RATIO_TICKS, labels=[f"{tick}x" for tick in RATIO_TICKS])
    axes.xaxis.set_minor_locator(NullLocator())
    axes.tick_params(labelsize=8)
    bar.set_label(SCALE_LABEL, fontsize=8)
    return bar
