"""Transformer decoder block with cached decoding."""

import keras
from keras import ops

from attention_zoo._checks import check_rank
from attention_zoo.layers.cross_attention import CrossAttention
from attention_zoo.layers.transformer_encoder_block import TransformerBlock
from attention_zoo.ops.masking import check_mask_shape


@keras.saving.register_keras_serializable(package="attention_zoo")
class TransformerDecoderBlock(TransformerBlock):
    """Transformer decoder block: causal self-attention, optional
    cross-attention to an encoder's output, then a feed-forward network.

    Each sublayer sits in a residual connection with dropout and layer
    normalization: `x = norm(x + dropout(f(x)))` (post-norm,
    `normalize_first=False`, the original Transformer) or
    `x = x + dropout(f(norm(x)))` (pre-norm, GPT-2; stack a final
    `LayerNormalization` after the last block). Query `i` of the
    self-attention sees positions `j <= i` only. The block has
    cross-attention when its first call (or `build`) gets an
    `encoder_sequence`, and is decoder-only (GPT) otherwise; the number of
    inputs must not change afterwards. Attention heads have
    `hidden_dim // num_heads` dimensions and the score
    `q . k / sqrt(head_dim)` (`attention_score="scaled_dot"`) or
    `cos(q, k) / tau` with a learned temperature per head (`"cosine"`).

    Cached decoding feeds one (or a few) new tokens per call: the
    self-attention keys and values of earlier tokens are kept in
    `self_attention_cache` (start from `initial_self_attention_cache`), and
    the cross-attention keys and values of the encoder output are projected
    once per sequence with `compute_cross_attention_cache` and passed as
    `cross_attention_cache` to every step. The steps give the same outputs
    as one call on the whole sequence.

    Same arguments and weights as `keras_hub.layers.TransformerDecoder`, and
    with the scaled dot score the same outputs at every real (unpadded)
    position; built on this package's `MultiHeadAttention` and `CrossAttention`.

    Args: as `TransformerEncoderBlock` (`intermediate_dim`, `num_heads`,
    `dropout`, `activation`, `layer_norm_epsilon`, `kernel_initializer`,
    `bias_initializer`, `normalize_first`, `attention_score`, `**kwargs`).

    Call arguments:
        decoder_sequence: `(batch, Td, hidden_dim)`; with a cache, only the
            new tokens.
        encoder_sequence: `(batch, Te, encoder_dim)`, the sequence to
            attend to; may be omitted when `cross_attention_cache` is given.
        decoder_padding_mask: boolean, `True` at real tokens, `(batch, Td)`;
            with a cache it covers the cache, `(batch, max_length)`.
            Defaults to the Keras mask of `decoder_sequence`. The outputs at
            padded positions carry no meaning.
        decoder_attention_mask: `(batch, Td, Td)` boolean, or
            `(batch, Td, max_length)` with a cache; `True` = may attend.
        encoder_padding_mask: `(batch, Te)` boolean, `True` at real tokens.
            Defaults to the Keras mask of `encoder_sequence`; pass it with
            `cross_attention_cache` when the encoder input was padded.
        encoder_attention_mask: `(batch, Td, Te)` boolean.
        self_attention_cache: `(batch, 2, max_length, num_heads, head_dim)`,
            the self-attention keys and values of the earlier tokens.
        self_attention_cache_update_index: position of the first new token
            in the cache.
        cross_attention_cache: from `compute_cross_attention_cache`.
        use_causal_mask: the causal mask of the self-attention (a cached
            call is always causal).
        return_attention_scores: also return the attention weights: those of
            the cross-attention, `(batch, num_heads, Td, Te)` (the alignments
            of a translator), or in a decoder-only block those of the
            self-attention, `(batch, num_heads, Td, Td or max_length)`.
        training: applies dropout when true.

    Returns:
        The outputs `(batch, Td, hidden_dim)`, followed by, in this order
        and only when asked for: the attention weights, the updated
        `self_attention_cache`, and `cross_attention_cache` (unchanged). A
        single tensor when there is nothing else to return.

    Example:

    >>> decoder = TransformerDecoderBlock(intermediate_dim=32, num_heads=4)
    >>> targets = keras.random.normal((2, 5, 16))
    >>> sources = keras.random.normal((2, 7, 16))
    >>> tuple(decoder(targets, sources).shape)
    (2, 5, 16)
    >>> cross_cache = decoder.compute_cross_attention_cache(sources)
    >>> cache = decoder.initial_self_attention_cache(2, max_length=5)
    >>> step, weights, cache, cross_cache = decoder(
    ...     targets[:, :1],
    ...     self_attention_cache=cache,
    ...     self_attention_cache_update_index=0,
    ...     cross_attention_cache=cross_cache,
    ...     return_attention_scores=True,
    ... )
    >>> tuple(step.shape), tuple(weights.shape)
    ((2, 1, 16), (2, 4, 1, 7))

    Reference: Vaswani et al. 2017, "Attention Is All You Need",
    arXiv:1706.03762 (section 3.2.3, encoder-decoder attention and masked
    self-attention); see `TransformerEncoderBlock` for pre-norm (Xiong et
    al. 2020) and cosine attention (Liu et al. 2022, Swin V2).
    """

    def __init__(self, intermediate_dim, num_heads, **kwargs):
        super().__init__(intermediate_dim, num_heads, **kwargs)
        self.cross_attention = None

    def build(self, decoder_sequence_shape, encoder_sequence_shape=None):
        check_rank("decoder_sequence", decoder_sequence_shape, (3,))
        shape = decoder_sequence_shape
        self._build_self_attention(shape)
        if encoder_sequence_shape is not None:
            check_rank("encoder_sequence", encoder_sequence_shape, (3,))
            self.cross_attention = self._attention(
                CrossAttention, "cross_attention", shape, encoder_sequence_shape
            )
            self.cross_attention_layer_norm = self._layer_norm(
                "cross_attention_layer_norm", shape
            )
            self.cross_attention_dropout = self._dropout(
                "cross_attention_dropout"
            )
        self._build_feedforward(shape)
        self.built = True

    # Caches ------------------------------------------------------------------

    def _check_built(self, method):
        if not self.built:
            raise ValueError(
                f"Call the block once (or `build` it) before `{method}`, so "
                "that its weights exist."
            )

    def initial_self_attention_cache(self, batch_size, max_length, dtype=None):
        """An empty `self_attention_cache`,
        `(batch_size, 2, max_length, num_heads, head_dim)`."""
        self._check_built("initial_self_attention_cache")
        return self.self_attention.initial_cache(
            batch_size, max_length, dtype=dtype
        )

    def compute_cross_attention_cache(self, encoder_sequence):
        """Projects `encoder_sequence` `(batch, Te, encoder_dim)` once to the
        keys and values of the cross-attention: the `cross_attention_cache`
        of every decoding step of that sequence."""
        self._check_built("compute_cross_attention_cache")
        if self.cross_attention is None:
            raise ValueError(
                "This block has no cross-attention: it was built without an "
                "`encoder_sequence` (decoder-only), so it has no "
                "cross-attention cache."
            )
        return self.cross_attention.compute_context_cache(encoder_sequence)

    # Call --------------------------------------------------------------------

    def _check_inputs(self, encoder_sequence, cross_attention_cache):
        given = (
            encoder_sequence is not None or cross_attention_cache is not None
        )
        if self.cross_attention is None and given:
            raise ValueError(
                "This block was built without cross-attention (its first "
                "call had no `encoder_sequence`), so it takes neither "
                "`encoder_sequence` nor `cross_attention_cache`; received "
                "one of them. Build a new block to add cross-attention."
            )
        if self.cross_attention is not None and not given:
            raise ValueError(
                "This block was built with cross-attention (its first call "
                "had an `encoder_sequence`), so it needs `encoder_sequence` "
                "or `cross_attention_cache`; received neither."
            )

    def call(
        self,
        decoder_sequence,
        encoder_sequence=None,
        decoder_padding_mask=None,
        decoder_attention_mask=None,
        encoder_padding_mask=None,
        encoder_attention_mask=None,
        self_attention_cache=None,
        self_attention_cache_update_index=None,
        cross_attention_cache=None,
        use_causal_mask=True,
        return_attention_scores=False,
        training=None,
    ):
        check_rank("decoder_sequence", decoder_sequence.shape, (3,))
        self._check_inputs(encoder_sequence, cross_attention_cache)
        has_cross_attention = self.cross_attention is not None
        batch, length = decoder_sequence.shape[0], decoder_sequence.shape[1]
        key_length = (
            length
            if self_attention_cache is None
            else self_attention_cache.shape[2]
        )
        check_mask_shape(
            decoder_padding_mask, (batch, key_length), "decoder_padding_mask"
        )
        check_mask_shape(
            decoder_attention_mask,
            (batch, length, key_length),
            "decoder_attention_mask",
        )
        value_mask = decoder_padding_mask
        attention_mask = decoder_attention_mask
        if self_attention_cache is not None and value_mask is not None:
            # The padding of a cache reaches the attention as a key mask.
            padding = ops.expand_dims(ops.cast(value_mask, "bool"), 1)
            attention_mask = (
                padding
                if attention_mask is None
                else ops.logical_and(ops.cast(attention_mask, "bool"), padding)
            )
            value_mask = None

        x, *extras = self._self_attention_block(
            decoder_sequence,
            training,
            value_mask=value_mask,
            attention_mask=attention_mask,
            # The weights asked for are the cross-attention's, if any.
            return_attention_scores=(
                return_attention_scores and not has_cross_attention
            ),
            use_causal_mask=use_causal_mask,
            cache=self_attention_cache,
            cache_update_index=self_attention_cache_update_index,
        )

        # Without `encoder_padding_mask`, `cross_attention` reads the Keras
        # mask of `encoder_sequence`.
        def cross_attend(x):
            return self.cross_attention(
                x,
                encoder_sequence,
                context_mask=encoder_padding_mask,
                attention_mask=encoder_attention_mask,
                return_attention_scores=return_attention_scores,
                training=training,
                context_cache=cross_attention_cache,
            )

        if has_cross_attention:
            x, *cross_extras = self._residual(
                x,
                self.cross_attention_layer_norm,
                self.cross_attention_dropout,
                cross_attend,
                training,
            )
            extras = cross_extras + extras
        outputs = [self._feedforward(x, training), *extras]
        if cross_attention_cache is not None:
            outputs.append(cross_attention_cache)
        return outputs[0] if len(outputs) == 1 else tuple(outputs)

    # Shapes ------------------------------------------------------------------

    def compute_output_shape(
        self, decoder_sequence_shape, encoder_sequence_shape=None
    ):
        return tuple(decoder_sequence_shape)

    def compute_output_spec(
        self,
        decoder_sequence,
        encoder_sequence=None,
        self_attention_cache=None,
        cross_attention_cache=None,
        return_attention_scores=False,
        **kwargs,
    ):
        def like(tensor):
            return keras.KerasTensor(tensor.shape, dtype=tensor.dtype)

        outputs = [
            keras.KerasTensor(decoder_sequence.shape, dtype=self.compute_dtype)
        ]
        if return_attention_scores and self.cross_attention is not None:
            _, weights = self.cross_attention.compute_output_spec(
                decoder_sequence,
                encoder_sequence,
                return_attention_scores=True,
                context_cache=cross_attention_cache,
            )
            outputs.append(weights)
        elif return_attention_scores:
            weights = self.self_attention.compute_output_spec(
                decoder_sequence,
                decoder_sequence,
                return_attention_scores=True,
                cache=self_attention_cache,
            )[1]
            outputs.append(weights)
        if self_attention_cache is not None:
            outputs.append(like(self_attention_cache))
        if cross_attention_cache is not None:
            outputs.append(
                keras.tree.map_structure(like, cross_attention_cache)
            )
        return outputs[0] if len(outputs) == 1 else tuple(outputs)
