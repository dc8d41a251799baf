"""CBAM: channel attention, then spatial attention (Woo et al. 2018)."""

import keras

from attention_zoo._checks import check_choice
from attention_zoo._checks import check_rank
from attention_zoo.layers.channel_attention import ChannelAttention
from attention_zoo.layers.spatial_attention import SpatialAttention


@keras.saving.register_keras_serializable(package="attention_zoo")
class CBAM(keras.layers.Layer):
    """Convolutional Block Attention Module: what, then where.

    `x' = ChannelAttention(x)` with average and max pooling through a shared
    MLP, then `y = SpatialAttention(x')`: the channels are reweighted first,
    the positions second, as in the paper's best ordering.

    Args:
        reduction_ratio: bottleneck of the channel MLP (16 in the paper).
        kernel_size: convolution of the spatial map (7 in the paper).
        data_format: `"channels_last"` or `"channels_first"`; defaults to
            `keras.config.image_data_format()`.

    Call arguments:
        inputs: `(batch, height, width, channels)` (or channels first).
        return_attention_scores: also return the spatial map `(batch,
            height, width)`; the channel weights come from
            `layer.channel_attention(x, return_attention_scores=True)`.

    Returns:
        The reweighted image, same shape as `inputs`.

    Example:

    >>> images = keras.random.uniform((2, 8, 8, 32))
    >>> output, where = CBAM(reduction_ratio=8)(
    ...     images, return_attention_scores=True)
    >>> tuple(output.shape), tuple(where.shape)
    ((2, 8, 8, 32), (2, 8, 8))

    Reference: Woo, Park, Lee and Kweon 2018, "CBAM: Convolutional Block
    Attention Module", ECCV, arXiv:1807.06521.
    """

    def __init__(
        self, reduction_ratio=16, kernel_size=7, data_format=None, **kwargs
    ):
        super().__init__(**kwargs)
        self.data_format = check_choice(
            "data_format",
            data_format or keras.config.image_data_format(),
            ("channels_last", "channels_first"),
        )
        self.reduction_ratio = reduction_ratio
        self.kernel_size = kernel_size
        self.channel_attention = ChannelAttention(
            reduction_ratio=reduction_ratio,
            pooling="average_max",
            data_format=self.data_format,
            dtype=self.dtype_policy,
            name="channel_attention",
        )
        self.spatial_attention = SpatialAttention(
            kernel_size=kernel_size,
            data_format=self.data_format,
            dtype=self.dtype_policy,
            name="spatial_attention",
        )

    def build(self, input_shape):
        check_rank("inputs", input_shape, (4,))
        self.channel_attention.build(input_shape)
        self.spatial_attention.build(input_shape)
        self.built = True

    def call(self, inputs, return_attention_scores=False):
        return self.spatial_attention(
            self.channel_attention(inputs),
            return_attention_scores=return_attention_scores,
        )

    def compute_output_shape(self, input_shape):
        return tuple(input_shape)

    def compute_output_spec(self, inputs, return_attention_scores=False):
        return self.spatial_attention.compute_output_spec(
            inputs, return_attention_scores
        )

    def get_config(self):
        config = super().get_config()
        config.update(
            {
                "reduction_ratio": self.reduction_ratio,
                "kernel_size": self.kernel_size,
                "data_format": self.data_format,
            }
        )
        return config
