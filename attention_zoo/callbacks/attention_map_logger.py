"""Plots the attention of a few fixed examples as training goes on."""

import io
import os

import keras
import numpy as np

from attention_zoo.visualize import plot_alignment


def default_plot(weights, index):
    """A heatmap of one example's weights, rows = queries, columns = keys.

    1-D weights (attention pooling) are shown as one row; 3-D weights
    (heads, queries, keys) are averaged over heads.
    """
    weights = np.asarray(weights, "float32")
    if weights.ndim == 1:
        weights = weights[None]
    columns = [str(i) for i in range(weights.shape[-1])]
    rows = [str(i) for i in range(weights.shape[-2])]
    return plot_alignment(
        weights,
        columns,
        rows,
        title=f"example {index}",
        source_label="key position",
        target_label="query position",
    )


class AttentionMapLogger(keras.callbacks.Callback):
    """Every `every_n_epochs` epochs, saves attention heatmaps of `inputs`.

    PNG files go to `output_dir/epoch_<E>/example_<i>.png` on every backend;
    with `tensorboard_dir` on the TensorFlow backend they are also written
    as TensorBoard images (tag `attention/example_<i>`).

    Args:
        attention_model: a `keras.Model` sharing layers with the trained
            model, whose output (or last output) is the attention weights,
            for example `keras.Model(inputs, [outputs, weights])` built from
            the same call as the trained model.
        inputs: the fixed examples, in any form `attention_model.predict`
            takes.
        output_dir: the folder of the PNG files.
        every_n_epochs: how often to plot.
        plot: `plot(weights, index) -> matplotlib Figure` for one example;
            defaults to a labelled heatmap (`default_plot`).
        tensorboard_dir: a TensorBoard log folder (TensorFlow backend only).

    Example::

        logger = AttentionMapLogger(explainer, x_test[:3], "runs/attention")
        model.fit(x, y, epochs=5, callbacks=[logger])
    """

    def __init__(
        self,
        attention_model,
        inputs,
        output_dir,
        every_n_epochs=1,
        plot=None,
        tensorboard_dir=None,
    ):
        super().__init__()
        if not isinstance(every_n_epochs, int) or every_n_epochs <= 0:
            raise ValueError(
                "`every_n_epochs` must be a positive integer; received "
                f"every_n_epochs={every_n_epochs!r}."
            )
        self.attention_model = attention_model
        self.inputs = inputs
        self.output_dir = output_dir
        self.every_n_epochs = every_n_epochs
        self.plot = plot or default_plot
        self.tensorboard_dir = tensorboard_dir
        self.writer = None
        if tensorboard_dir and keras.backend.backend() == "tensorflow":
            import tensorflow as tf  # TensorBoard images need TensorFlow

            self.writer = tf.summary.create_file_writer(tensorboard_dir)

    def attention_weights(self):
        """The current weights of every example, as a numpy array."""
        outputs = self.attention_model.predict(self.inputs, verbose=0)
        if isinstance(outputs, (list, tuple)):
            outputs = outputs[-1]
        return np.asarray(keras.ops.convert_to_numpy(outputs))

    def on_epoch_end(self, epoch, logs=None):
        if (epoch + 1) % self.every_n_epochs:
            return
        folder = os.path.join(self.output_dir, f"epoch_{epoch + 1:03d}")
        os.makedirs(folder, exist_ok=True)
        for index, weights in enumerate(self.attention_weights()):
            figure = self.plot(weights, index)
            path = os.path.join(folder, f"example_{index}.png")
            figure.savefig(path, bbox_inches="tight")
            if self.writer is not None:
                self._write_tensorboard_image(figure, index, epoch)

    def _write_tensorboard_image(self, figure, index, epoch):
        import tensorflow as tf  # TensorBoard images need TensorFlow

        buffer = io.BytesIO()
        figure.savefig(buffer, format="png", bbox_inches="tight")
        image = tf.image.decode_png(buffer.getvalue(), channels=4)
        with self.writer.as_default():
            tf.summary.image(
                f"attention/example_{index}", image[None], step=epoch + 1
            )
        self.writer.flush()
