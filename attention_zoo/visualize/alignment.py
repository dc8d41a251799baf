"""Token-to-token attention (an alignment) as a labelled heatmap."""

import numpy as np

from attention_zoo.visualize.figures import new_figure
from attention_zoo.visualize.figures import save_figure
from attention_zoo.visualize.figures import to_numpy


def select_head(weights, head=None):
    """Returns `(target, source)` weights from one or all heads.

    `weights` is `(target, source)` or `(num_heads, target, source)`;
    with heads, `head=i` picks head `i` and `head=None` averages them.
    """
    if weights.ndim == 2:
        if head not in (None, 0):
            raise ValueError(
                "`head` must be None (or 0) for single-head weights of shape "
                f"{weights.shape}; received head={head!r}."
            )
        return weights
    if weights.ndim != 3:
        raise ValueError(
            "`weights` must have shape (target, source) or (num_heads, "
            f"target, source); received shape {weights.shape}. Index the "
            "batch first, e.g. `scores[0]`."
        )
    if head is None:
        return weights.mean(axis=0)
    num_heads = weights.shape[0]
    if isinstance(head, bool) or not isinstance(head, (int, np.integer)):
        raise ValueError(
            f"`head` must be None or an integer; received head={head!r}."
        )
    if not -num_heads <= head < num_heads:
        raise ValueError(
            f"`head` must be in [0, {num_heads}) for weights with "
            f"{num_heads} heads; received head={head!r}."
        )
    return weights[head]


def plot_alignment(
    weights,
    source_tokens,
    target_tokens,
    title=None,
    path=None,
    head=None,
    source_label="source",
    target_label="target",
    cmap="viridis",
):
    """Plots attention between two token sequences as a heatmap.

    Row `i`, column `j` is the weight target token `i` gives source token
    `j`, e.g. a translator's decoder attending over the input sentence.

    Args:
        weights: `(target, source)` or `(num_heads, target, source)` weights,
            numpy or a tensor of any backend (the scores a layer returns
            with `return_attention_scores=True`, batch indexed out).
        source_tokens: the `source` strings, one per column.
        target_tokens: the `target` strings, one per row.
        title: the figure title.
        path: if given, the PNG is saved there (parent folders created).
        head: with multi-head weights, the head to show; `None` shows the
            mean over heads.
        source_label: the x axis label.
        target_label: the y axis label.
        cmap: a matplotlib colormap name.

    Returns:
        The `matplotlib.figure.Figure`.

    Example:

    >>> figure = plot_alignment(
    ...     [[0.9, 0.1], [0.2, 0.8]], ["le", "chat"], ["the", "cat"])
    >>> figure.axes[0].get_xlabel(), figure.axes[0].get_ylabel()
    ('source', 'target')
    """
    weights = select_head(to_numpy("weights", weights), head)
    source_tokens = [str(token) for token in source_tokens]
    target_tokens = [str(token) for token in target_tokens]
    expected = (len(target_tokens), len(source_tokens))
    if weights.shape != expected:
        raise ValueError(
            "`weights` must have shape (len(target_tokens), "
            f"len(source_tokens)) = {expected}; received shape "
            f"{weights.shape}."
        )

    width = min(max(4.0, 0.4 * len(source_tokens) + 2.0), 24.0)
    height = min(max(3.0, 0.4 * len(target_tokens) + 1.5), 24.0)
    figure = new_figure((width, height))
    axes = figure.add_subplot()
    image = axes.imshow(
        weights, cmap=cmap, aspect="auto", interpolation="nearest"
    )
    axes.set_xticks(np.arange(len(source_tokens)))
    axes.set_xticklabels(source_tokens, rotation=90)
    axes.set_yticks(np.arange(len(target_tokens)))
    axes.set_yticklabels(target_tokens)
    axes.set_xlabel(source_label)
    axes.set_ylabel(target_label)
    if title is not None:
        axes.set_title(title)
    figure.colorbar(image, ax=axes, label="attention weight")
    figure.tight_layout()
    save_figure(figure, path)
    return figure
