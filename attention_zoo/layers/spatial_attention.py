"""Spatial attention of CBAM (Woo et al. 2018)."""

import keras
from keras import ops

from attention_zoo._checks import check_choice
from attention_zoo._checks import check_positive_int
from attention_zoo._checks import check_rank
from attention_zoo.layers.channel_attention import channel_axis


@keras.saving.register_keras_serializable(package="attention_zoo")
class SpatialAttention(keras.layers.Layer):
    """Reweights the positions of an image by where the features are.

    `m = sigmoid(conv_{k x k}([mean_c(x); max_c(x)]))`, output `x * m` at
    every position: the channels are summarised by their mean and their
    max, a `kernel_size x kernel_size` convolution turns the two maps into
    one, and each position is scaled by its value in `(0, 1)`. The map `m`
    shows where the network looks.

    Args:
        kernel_size: size of the convolution (7 in the paper).
        data_format: `"channels_last"` or `"channels_first"`; defaults to
            `keras.config.image_data_format()`.

    Call arguments:
        inputs: `(batch, height, width, channels)` (or channels first).
        return_attention_scores: also return the map `(batch, height,
            width)`.

    Returns:
        The reweighted image, same shape as `inputs`.

    Example:

    >>> images = keras.random.uniform((2, 8, 8, 16))
    >>> output, where = SpatialAttention()(images, return_attention_scores=True)
    >>> tuple(where.shape)
    (2, 8, 8)

    Reference: Woo, Park, Lee and Kweon 2018, "CBAM: Convolutional Block
    Attention Module", ECCV, arXiv:1807.06521 (section 3, spatial attention
    module).
    """

    def __init__(self, kernel_size=7, data_format=None, **kwargs):
        super().__init__(**kwargs)
        self.kernel_size = check_positive_int("kernel_size", kernel_size)
        self.data_format = check_choice(
            "data_format",
            data_format or keras.config.image_data_format(),
            ("channels_last", "channels_first"),
        )

    def build(self, input_shape):
        check_rank("inputs", input_shape, (4,))
        # The two-channel summary is always convolved channels-last: it is
        # tiny to transpose, and TensorFlow's CPU Conv2D has no
        # channels-first kernel.
        self.conv = keras.layers.Conv2D(
            1,
            self.kernel_size,
            padding="same",
            data_format="channels_last",
            dtype=self.dtype_policy,
            name="conv",
        )
        height_width = (
            input_shape[1:3]
            if self.data_format == "channels_last"
            else input_shape[2:4]
        )
        self.conv.build((input_shape[0], *height_width, 2))
        self.built = True

    def attention_map(self, inputs):
        """`(batch, height, width)` map in `(0, 1)`."""
        axis = channel_axis(self.data_format)
        summary = ops.concatenate(
            [
                ops.mean(inputs, axis=axis, keepdims=True),
                ops.max(inputs, axis=axis, keepdims=True),
            ],
            axis=axis,
        )
        if self.data_format == "channels_first":
            summary = ops.transpose(summary, (0, 2, 3, 1))
        return ops.squeeze(ops.sigmoid(self.conv(summary)), axis=-1)

    def call(self, inputs, return_attention_scores=False):
        check_rank("inputs", inputs.shape, (4,))
        attention = self.attention_map(inputs)
        output = inputs * ops.expand_dims(
            attention, channel_axis(self.data_format)
        )
        if return_attention_scores:
            return output, attention
        return output

    def compute_output_shape(self, input_shape):
        return tuple(input_shape)

    def compute_output_spec(self, inputs, return_attention_scores=False):
        output = keras.KerasTensor(inputs.shape, dtype=self.compute_dtype)
        if not return_attention_scores:
            return output
        shape = list(inputs.shape)
        del shape[channel_axis(self.data_format)]
        return output, keras.KerasTensor(tuple(shape), self.compute_dtype)

    def get_config(self):
        config = super().get_config()
        config.update(
            {"kernel_size": self.kernel_size, "data_format": self.data_format}
        )
        return config
