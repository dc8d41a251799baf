"""The words of one text highlighted by their attention weight."""

import html
import pathlib

import numpy as np

from attention_zoo._checks import check_positive_int
from attention_zoo.visualize.figures import new_figure
from attention_zoo.visualize.figures import save_figure
from attention_zoo.visualize.figures import to_numpy

HIGHLIGHT = (1.0, 0.55, 0.0)  # orange: black text stays readable on it


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


def _strengths(weights):
    """Weights scaled to `[0, 1]` by the largest one (all 0 if none > 0)."""
    largest = np.nanmax(weights) if weights.size else 0.0
    if not largest > 0:
        return np.zeros_like(weights)
    return np.clip(np.nan_to_num(weights / largest), 0.0, 1.0)


def top_tokens(tokens, weights, k):
    """Returns the `k` most-attended `(token, weight)` pairs, largest first.

    Each position counts on its own (a repeated word appears once per
    position); positions of weight 0 (padding) are skipped, so fewer than
    `k` pairs come back when fewer positions have weight. Ties keep the
    order of the text.

    Example:

    >>> top_tokens(["a", "good", "film", "<pad>"], [0.1, 0.6, 0.3, 0.0], 2)
    [('good', 0.6), ('film', 0.3)]
    """
    k = check_positive_int("k", k)
    tokens, weights = _tokens_and_weights(tokens, weights)
    order = np.argsort(-weights, kind="stable")
    pairs = [(tokens[i], float(weights[i])) for i in order if weights[i] > 0]
    return pairs[:k]


def text_attention_html(tokens, weights):
    """Returns HTML where each token's background opacity is its weight.

    Opacity is the weight divided by the largest weight; tokens are
    HTML-escaped, and each span's tooltip shows its weight.

    Example:

    >>> text_attention_html(["<b>", "ok"], [0.0, 1.0])[:60]
    '<div style="line-height: 1.8"><span style="background-color:'
    """
    tokens, weights = _tokens_and_weights(tokens, weights)
    red, green, blue = (round(255 * channel) for channel in HIGHLIGHT)
    spans = [
        f'<span style="background-color: rgba({red}, {green}, {blue}, '
        f'{strength:.3f}); padding: 0 2px" title="{weight:.4f}">'
        f"{html.escape(token)}</span>"
        for token, weight, strength in zip(tokens, weights, _strengths(weights))
    ]
    return '<div style="line-height: 1.8">' + " ".join(spans) + "</div>"


def save_text_attention_html(tokens, weights, path, title=None):
    """Writes `text_attention_html` as a standalone UTF-8 HTML page.

    Creates the parent folders; returns the path as a `pathlib.Path`.
    """
    body = text_attention_html(tokens, weights)
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
):
    """Draws a text with each word's background coloured by its weight.

    Words wrap onto lines at most `width` inches wide; a word's background
    opacity is its weight divided by the largest weight, so the most-attended
    word is fully coloured and weight-0 padding is not coloured at all.

    Args:
        tokens: the words (strings), in order.
        weights: `(len(tokens),)` weights, numpy or any backend tensor.
        path: if given, the PNG is saved there (parent folders created).
        title: the figure title.
        width: the figure width in inches.
        fontsize: the word size in points.

    Returns:
        The `matplotlib.figure.Figure`.

    Example:

    >>> figure = plot_text_attention(["a", "good", "film"], [0.1, 0.6, 0.3])
    >>> [text.get_text() for text in figure.texts]
    ['a', 'good', 'film']
    """
    tokens, weights = _tokens_and_weights(tokens, weights)
    figure = new_figure((width, 1.0))
    renderer = figure.canvas.get_renderer()
    margin = 0.2
    pad = space = 0.3 * fontsize / 72  # inches around and between words
    line_height = 1.9 * fontsize / 72

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
    for token, strength in zip(tokens, _strengths(weights)):
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
    width = min(width, max(right + margin, 2.0))  # shrink a short text
    height = top + (line + 1) * line_height + margin
    figure.set_size_inches(width, height)
    for text, x, line in placed:
        text.set_position(
            (x + pad / 2, height - top - (line + 0.7) * line_height)
        )
    if title is not None:
        title_text.set_position((margin, height - margin))
    save_figure(figure, path, tight=False)
    return figure
