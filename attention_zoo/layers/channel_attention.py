"""Squeeze-and-excitation channel attention (Hu et al. 2018)."""

import keras
from keras import ops

from attention_zoo._checks import check_choice
from attention_zoo._checks import check_positive_int
from attention_zoo._checks import check_rank

POOLINGS = ("average", "average_max")


def channel_axis(data_format):
    """The channel axis of a rank-4 image batch."""
    return -1 if data_format == "channels_last" else 1


@keras.saving.register_keras_serializable(package="attention_zoo")
class ChannelAttention(keras.layers.Layer):
    """Reweights the channels of an image by how much each one matters.

    `w = sigmoid(W_2 relu(W_1 pool(x)))`, output `x * w` per channel: the
    image is squeezed to one value per channel (`pool`), a bottleneck MLP
    of `channels / reduction_ratio` units scores the channels, and each
    channel is scaled by its score in `(0, 1)`. With
    `pooling="average_max"` the MLP is applied to both the average and the
    max of each channel and the two scores are added before the sigmoid, as
    in CBAM's channel module (Woo et al. 2018).

    Args:
        reduction_ratio: bottleneck size is `max(channels // ratio,
            min_units)`.
        min_units: smallest bottleneck.
        pooling: `"average"` (squeeze-and-excitation) or `"average_max"`
            (CBAM).
        use_bias: biases in the MLP.
        data_format: `"channels_last"` or `"channels_first"`; defaults to
            `keras.config.image_data_format()`.

    Call arguments:
        inputs: `(batch, height, width, channels)` (or channels first).
        return_attention_scores: also return the channel weights
            `(batch, channels)`.

    Returns:
        The reweighted image, same shape as `inputs`.

    Example:

    >>> images = keras.random.uniform((2, 8, 8, 32))
    >>> layer = ChannelAttention(reduction_ratio=8)
    >>> output, weights = layer(images, return_attention_scores=True)
    >>> tuple(output.shape), tuple(weights.shape)
    ((2, 8, 8, 32), (2, 32))

    Reference: Hu, Shen and Sun 2018, "Squeeze-and-Excitation Networks",
    CVPR, arXiv:1709.01507.
    """

    def __init__(
        self,
        reduction_ratio=16,
        min_units=4,
        pooling="average",
        use_bias=True,
        data_format=None,
        **kwargs,
    ):
        super().__init__(**kwargs)
        self.reduction_ratio = check_positive_int(
            "reduction_ratio", reduction_ratio
        )
        self.min_units = check_positive_int("min_units", min_units)
        self.pooling = check_choice("pooling", pooling, POOLINGS)
        self.use_bias = use_bias
        self.data_format = check_choice(
            "data_format",
            data_format or keras.config.image_data_format(),
            ("channels_last", "channels_first"),
        )

    def build(self, input_shape):
        check_rank("inputs", input_shape, (4,))
        channels = input_shape[channel_axis(self.data_format)]
        units = max(channels // self.reduction_ratio, self.min_units)
        self.squeeze = keras.layers.Dense(
            units,
            activation="relu",
            use_bias=self.use_bias,
            dtype=self.dtype_policy,
            name="squeeze",
        )
        self.squeeze.build((None, channels))
        self.excite = keras.layers.Dense(
            channels,
            use_bias=self.use_bias,
            dtype=self.dtype_policy,
            name="excite",
        )
        self.excite.build((None, units))
        self.built = True

    def channel_weights(self, inputs):
        """`(batch, channels)` weights in `(0, 1)`."""
        spatial = (1, 2) if self.data_format == "channels_last" else (2, 3)
        logits = self.excite(self.squeeze(ops.mean(inputs, axis=spatial)))
        if self.pooling == "average_max":
            logits = logits + self.excite(
                self.squeeze(ops.max(inputs, axis=spatial))
            )
        return ops.sigmoid(logits)

    def call(self, inputs, return_attention_scores=False):
        check_rank("inputs", inputs.shape, (4,))
        weights = self.channel_weights(inputs)
        if self.data_format == "channels_last":
            output = inputs * weights[:, None, None, :]
        else:
            output = inputs * weights[:, :, None, None]
        if return_attention_scores:
            return output, weights
        return output

    def compute_output_shape(self, input_shape):
        return tuple(input_shape)

    def compute_output_spec(self, inputs, return_attention_scores=False):
        output = keras.KerasTensor(inputs.shape, dtype=self.compute_dtype)
        if not return_attention_scores:
            return output
        channels = inputs.shape[channel_axis(self.data_format)]
        return output, keras.KerasTensor(
            (inputs.shape[0], channels), dtype=self.compute_dtype
        )

    def get_config(self):
        config = super().get_config()
        config.update(
            {
                "reduction_ratio": self.reduction_ratio,
                "min_units": self.min_units,
                "pooling": self.pooling,
                "use_bias": self.use_bias,
                "data_format": self.data_format,
            }
        )
        return config
