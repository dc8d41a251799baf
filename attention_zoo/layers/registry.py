"""Build an attention layer from its name: `get("luong", score_mode=...)`."""

from attention_zoo.layers.attention_pooling import AttentionPooling
from attention_zoo.layers.bahdanau_attention import BahdanauAttention
from attention_zoo.layers.cbam import CBAM
from attention_zoo.layers.channel_attention import ChannelAttention
from attention_zoo.layers.cosine_attention import CosineAttention
from attention_zoo.layers.cross_attention import CrossAttention
from attention_zoo.layers.luong_attention import LuongAttention
from attention_zoo.layers.multi_head_attention import MultiHeadAttention
from attention_zoo.layers.spatial_attention import SpatialAttention
from attention_zoo.layers.transformer_decoder_block import (
    TransformerDecoderBlock,
)
from attention_zoo.layers.transformer_encoder_block import (
    TransformerEncoderBlock,
)

LAYERS = {
    "bahdanau": BahdanauAttention,
    "luong": LuongAttention,
    "cosine": CosineAttention,
    "multi_head": MultiHeadAttention,
    "cross": CrossAttention,
    "pooling": AttentionPooling,
    "channel": ChannelAttention,
    "spatial": SpatialAttention,
    "cbam": CBAM,
    "transformer_encoder": TransformerEncoderBlock,
    "transformer_decoder": TransformerDecoderBlock,
}


def get(identifier, /, **kwargs):
    """Returns a new attention layer.

    Args:
        identifier: one of `"bahdanau"`, `"luong"`, `"cosine"`, `"multi_head"`,
            `"cross"`, `"pooling"` (sequences), `"channel"`, `"spatial"`,
            `"cbam"` (images).
            Blocks: `"transformer_encoder"`, `"transformer_decoder"`.
        **kwargs: the layer's constructor arguments.

    Example:

    >>> get("luong", score_mode="general").score_mode
    'general'
    """
    if identifier not in LAYERS:
        raise ValueError(
            f"Unknown attention layer name {identifier!r}; expected one of "
            f"{', '.join(repr(n) for n in LAYERS)}."
        )
    return LAYERS[identifier](**kwargs)
