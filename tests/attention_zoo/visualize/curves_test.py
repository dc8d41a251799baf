import keras
import numpy as np
import pytest
from matplotlib.figure import Figure

from attention_zoo.visualize import plot_training_curves
from tests.attention_zoo.visualize.png import load_png


def _lines(figure):
    return {
        line.get_label(): (list(line.get_xdata()), list(line.get_ydata()))
        for axes in figure.axes
        for line in axes.lines
    }


def test_history_and_csv_logger_give_the_same_curves(tmp_path):
    # The callbacks `fit` would run, fed the logs of three epochs.
    model = keras.Sequential([keras.Input((2,)), keras.layers.Dense(1)])
    history = keras.callbacks.History()
    csv_path = tmp_path / "history.csv"
    callbacks = keras.callbacks.CallbackList(
        [history, keras.callbacks.CSVLogger(str(csv_path))], model=model
    )
    callbacks.on_train_begin()
    for epoch, loss in enumerate([0.9, 0.5, 0.4]):
        logs = {
            "loss": loss,
            "accuracy": 1 - loss,
            "val_loss": loss + 0.1,
            "val_accuracy": 0.9 - loss,
            "learning_rate": np.float32(0.01),
        }
        callbacks.on_epoch_end(epoch, logs)
    callbacks.on_train_end()
    from_history = plot_training_curves(history)
    from_csv = plot_training_curves(csv_path, path=tmp_path / "c" / "c.png")
    for figure in (from_history, from_csv):
        assert isinstance(figure, Figure)
        ylabels = [axes.get_ylabel() for axes in figure.axes]
        assert sorted(ylabels) == ["accuracy", "learning_rate", "loss"]
        assert {axes.get_xlabel() for axes in figure.axes} == {"epoch"}
        loss_axes = figure.axes[ylabels.index("loss")]
        labels = [line.get_label() for line in loss_axes.lines]
        assert labels == ["loss", "val_loss"]
    history_lines, csv_lines = _lines(from_history), _lines(from_csv)
    assert history_lines.keys() == csv_lines.keys()
    for name, (epochs, values) in history_lines.items():
        assert epochs == [1, 2, 3] == csv_lines[name][0]
        np.testing.assert_allclose(values, csv_lines[name][1], rtol=1e-5)
    load_png(tmp_path / "c" / "c.png")


def test_dict_with_chosen_metrics():
    history = {
        "loss": [0.9, 0.6],
        "val_loss": [1.0, 0.8],
        "accuracy": [0.5, 0.7],
    }
    figure = plot_training_curves(history, metrics="loss", title="run")
    assert len(figure.axes) == 1
    assert _lines(figure) == {
        "loss": ([1, 2], [0.9, 0.6]),
        "val_loss": ([1, 2], [1.0, 0.8]),
    }
    assert figure.get_suptitle() == "run"


def test_csv_logger_without_validation(tmp_path):
    # CSVLogger adds val_ columns of "NA"; they are not drawn.
    model = keras.Sequential([keras.Input((2,)), keras.layers.Dense(1)])
    csv_path = tmp_path / "history.csv"
    logger = keras.callbacks.CSVLogger(str(csv_path))
    logger.set_model(model)
    logger.on_train_begin()
    logger.on_epoch_end(0, {"loss": 0.7})
    logger.on_epoch_end(1, {"loss": 0.4})
    logger.on_train_end()
    assert "val_loss" in csv_path.read_text()
    assert _lines(plot_training_curves(csv_path)) == {
        "loss": ([1, 2], [0.7, 0.4])
    }


def test_hand_written_csv(tmp_path):
    csv_path = tmp_path / "log.csv"
    csv_path.write_text("epoch,loss,val_loss\n0,1.5,2.0\n1,1.0,NA\n")
    lines = _lines(plot_training_curves(str(csv_path)))
    assert lines["loss"] == ([1, 2], [1.5, 1.0])
    assert lines["val_loss"][1][0] == 2.0 and np.isnan(lines["val_loss"][1][1])


@pytest.mark.parametrize(
    "history, metrics, message",
    [
        ({"loss": [1.0]}, ["accuracy"], "metrics"),
        ({}, None, "empty history"),
        ([1.0, 2.0], None, "History"),
    ],
)
def test_bad_inputs_raise(history, metrics, message):
    with pytest.raises(ValueError, match=message):
        plot_training_curves(history, metrics=metrics)
