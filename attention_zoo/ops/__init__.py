"""Backend-agnostic attention math, written with `keras.ops` only."""

from attention_zoo.ops.attention import attention_scores
from attention_zoo.ops.attention import chunked_attention
from attention_zoo.ops.attention import combine_values
from attention_zoo.ops.attention import dot_product_attention
from attention_zoo.ops.masking import causal_mask
from attention_zoo.ops.masking import check_mask_shape
from attention_zoo.ops.masking import masked_softmax
from attention_zoo.ops.masking import merge_masks
from attention_zoo.ops.scores import additive_score
from attention_zoo.ops.scores import cosine_score
from attention_zoo.ops.scores import dot_score
from attention_zoo.ops.scores import general_score
from attention_zoo.ops.scores import l2_normalize
from attention_zoo.ops.scores import scaled_dot_score

__all__ = [
    "additive_score",
    "attention_scores",
    "causal_mask",
    "check_mask_shape",
    "chunked_attention",
    "combine_values",
    "cosine_score",
    "dot_product_attention",
    "dot_score",
    "general_score",
    "l2_normalize",
    "masked_softmax",
    "merge_masks",
    "scaled_dot_score",
]
