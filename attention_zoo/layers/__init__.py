"""Attention layers, one public class per file, and a registry by name."""

from attention_zoo.layers.attention_pooling import AttentionPooling
from attention_zoo.layers.bahdanau_attention import BahdanauAttention
from attention_zoo.layers.base_attention import BaseAttention
from attention_zoo.layers.cbam import CBAM
from attention_zoo.layers.channel_attention import ChannelAttention
from attention_zoo.layers.cosine_attention import CosineAttention
from attention_zoo.layers.cross_attention import CrossAttention
from attention_zoo.layers.luong_attention import LuongAttention
from attention_zoo.layers.multi_head_attention import MultiHeadAttention
from attention_zoo.layers.registry import LAYERS
from attention_zoo.layers.registry import get
from attention_zoo.layers.spatial_attention import SpatialAttention
from attention_zoo.layers.transformer_decoder_block import (
    TransformerDecoderBlock,
)
from attention_zoo.layers.transformer_encoder_block import (
    TransformerEncoderBlock,
)

__all__ = [
    "LAYERS",
    "AttentionPooling",
    "BahdanauAttention",
    "BaseAttention",
    "CBAM",
    "ChannelAttention",
    "CosineAttention",
    "CrossAttention",
    "LuongAttention",
    "MultiHeadAttention",
    "SpatialAttention",
    "TransformerDecoderBlock",
    "TransformerEncoderBlock",
    "get",
]
