import keras
import numpy as np
import pytest
from matplotlib.figure import Figure

from attention_zoo.visualize import plot_alignment
from tests.attention_zoo.visualize.png import load_png

SOURCE = ["le", "chat", "<noir>"]
TARGET = ["the", "black", "cat", "<eos>"]


def _weights(num_heads=None):
    rng = np.random.default_rng(0)
    shape = (len(TARGET), len(SOURCE))
    if num_heads:
        shape = (num_heads, *shape)
    return rng.random(shape).astype("float32")


def test_tensor_weights_give_a_labelled_heatmap(tmp_path):
    weights = _weights()
    path = tmp_path / "nested" / "alignment.png"
    figure = plot_alignment(
        keras.ops.convert_to_tensor(weights),
        SOURCE,
        TARGET,
        title="cross-attention",
        path=path,
    )
    assert isinstance(figure, Figure)
    axes = figure.axes[0]
    assert axes.get_xlabel() == "source"
    assert axes.get_ylabel() == "target"
    assert axes.get_title() == "cross-attention"
    assert [t.get_text() for t in axes.get_xticklabels()] == SOURCE
    assert [t.get_text() for t in axes.get_yticklabels()] == TARGET
    np.testing.assert_allclose(axes.images[0].get_array(), weights)
    assert len(figure.axes) == 2  # the heatmap and its colorbar
    load_png(path)


def test_axis_labels_can_be_renamed():
    figure = plot_alignment(
        _weights(),
        SOURCE,
        TARGET,
        source_label="French",
        target_label="English",
    )
    assert figure.axes[0].get_xlabel() == "French"
    assert figure.axes[0].get_ylabel() == "English"


def test_multi_head_weights_pick_one_head_or_average():
    weights = _weights(num_heads=3)
    picked = plot_alignment(weights, SOURCE, TARGET, head=1)
    np.testing.assert_allclose(picked.axes[0].images[0].get_array(), weights[1])
    averaged = plot_alignment(weights, SOURCE, TARGET)
    np.testing.assert_allclose(
        averaged.axes[0].images[0].get_array(),
        weights.mean(axis=0),
        rtol=1e-6,
    )


@pytest.mark.parametrize(
    "weights, kwargs, message",
    [
        (np.ones((3, 4)), {}, "len\\(target_tokens\\)"),
        (np.ones((4, 2)), {}, "received shape \\(4, 2\\)"),
        (np.ones((1, 2, 4, 3)), {}, "Index the batch"),
        (np.ones((2, 4, 3)), {"head": 2}, "head"),
        (np.ones((4, 3)), {"head": 1}, "head"),
    ],
)
def test_bad_shapes_and_heads_raise(weights, kwargs, message):
    with pytest.raises(ValueError, match=message):
        plot_alignment(weights, SOURCE, TARGET, **kwargs)
