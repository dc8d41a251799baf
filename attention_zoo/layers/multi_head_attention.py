"""Multi-head attention: a faster drop-in for keras.layers.MultiHeadAttention
with a decoding cache and a cosine score."""

import functools
import math

import keras
import numpy as np
from keras import ops

from attention_zoo._checks import check_attention_inputs
from attention_zoo._checks import check_cache_index
from attention_zoo._checks import check_choice
from attention_zoo._checks import check_positive_int
from attention_zoo._checks import check_rank
from attention_zoo._checks import check_rate
from attention_zoo._checks import fresh_initializer
from attention_zoo.layers.from_keras import convert_keras_layer
from attention_zoo.ops.attention import attention_scores
from attention_zoo.ops.attention import chunked_attention
from attention_zoo.ops.attention import combine_values
from attention_zoo.ops.attention import heads_first_attention
from attention_zoo.ops.masking import check_mask_shape
from attention_zoo.ops.masking import masked_softmax
from attention_zoo.ops.masking import merge_masks
from attention_zoo.ops.scores import l2_normalize

SCORES = ("dot", "cosine")

# Settings of the four projections, with the module that serializes each.
PROJECTION_SETTINGS = {
    f"{weight}_{kind}": module
    for kind, module in (
        ("initializer", keras.initializers),
        ("regularizer", keras.regularizers),
        ("constraint", keras.constraints),
    )
    for weight in ("kernel", "bias")
}


def heads_first(x):
    """`(batch, T, heads, depth) <-> (batch, heads, T, depth)`."""
    return ops.transpose(x, (0, 2, 1, 3))


def skip_next_empty_load(layer):
    """Makes `layer` ignore the next `load_own_variables` of an empty entry.

    For a file of the old layout, whose projection weights were loaded by
    the parent layer: the file has no entry for the projection itself.
    """

    def load_own_variables(store):
        del layer.load_own_variables
        if len(store.keys()):
            layer.load_own_variables(store)

    layer.load_own_variables = load_own_variables


@keras.saving.register_keras_serializable(package="attention_zoo")
class MultiHeadAttention(keras.layers.Layer):
    """Multi-head attention (Vaswani et al. 2017), a drop-in for Keras's.

    `head_i = softmax(score(Q W_q^i, K W_k^i)) V W_v^i`, and the output is
    `concat(head_1, ..., head_h) W_o`. With `score="dot"` the score is
    `q . k / sqrt(key_dim)`; with `score="cosine"` it is `cos(q, k) / tau_i`
    with one learned temperature per head, kept above 0.01 (Swin V2).

    Same constructor and call arguments as `keras.layers.MultiHeadAttention`
    (attention over the sequence axis) and the same projections:
    `query_dense`, `key_dense`, `value_dense` and `output_dense` are
    `keras.layers.EinsumDense` sublayers with Keras's equations and kernel
    shapes (query kernel `(dim, heads, key_dim)`, output kernel
    `(heads, value_dim, output_dim)`), and `weights` come in Keras's order
    (query, key, value, output; kernel then bias), so
    `layer.set_weights(keras_layer.get_weights())` works for `score="dot"`,
    `model.quantize("int8")` quantizes the projections and
    `layer.query_dense.enable_lora(rank)` adds LoRA adapters. Additions:

    - Speed: each projection is one 2-D matmul of `(batch * T, dim)` by its
      sublayer's kernel (the sublayer's own `call` runs instead once it is
      quantized or has LoRA), and attention is computed with the heads in
      `(batch, heads, T, depth)` layout: two plain batched matmuls and a
      softmax on TensorFlow and JAX (XLA compiles them without the
      transposes of `keras.ops.dot_product_attention`), and PyTorch's fused
      `scaled_dot_product_attention` through that op. Both are exact: a
      query with no visible key gets zeros. Only returned weights, active
      dropout or query chunks take the explicit `(batch, T, heads, depth)`
      path.
    - `cache=` and `cache_update_index=`: cached decoding, one or a few
      tokens at a time, with the same outputs as one full causal call.
    - `query_chunk_size=`: exact attention over long sequences in blocks of
      queries, with memory linear in the sequence length.
    - `MultiHeadAttention.from_keras(layer)`: the same weights, same outputs.
    - An explicit `query_mask` is honoured (Keras's layer replaces it with
      the query's Keras mask); `flash_attention` is kept in the config.
    - `.keras` files saved before the projections were sublayers (2-D
      kernels `(dim, heads * depth)` held by this layer) still load.

    Args:
        num_heads: number of attention heads.
        key_dim: size of each head for query and key.
        value_dim: size of each head for value; defaults to `key_dim`.
        dropout: dropout on the attention weights.
        use_bias: biases in the projections.
        output_shape: size of the output (an int or a 1-tuple); defaults to
            the query's last dimension.
        attention_axes: only `None` (the sequence axis) is supported; other
            values raise, see `keras.layers.MultiHeadAttention` for those.
        flash_attention: `None` lets Keras decide, `True` forces and `False`
            disables the fused kernel.
        kernel_initializer, bias_initializer, kernel_regularizer,
        bias_regularizer, kernel_constraint, bias_constraint: of the four
            projections, as for `keras.layers.EinsumDense`.
        activity_regularizer: on the layer's output.
        seed: seed of the dropout.
        score: `"dot"` or `"cosine"`.
        query_chunk_size: when set, sequences longer than this are attended
            that many queries at a time (inference on long inputs).
        sliding_window: when set, query `i` attends only to keys `j` with
            `|i - j| < sliding_window` (with `use_causal_mask`, the last
            `sliding_window` positions), as in Keras and Mistral.

    Call arguments:
        query: `(batch, Tq, dim)`.
        value: `(batch, Tv, dim)`.
        key: `(batch, Tv, dim)`; defaults to `value`.
        query_mask, value_mask, key_mask: `(batch, T)` boolean padding masks,
            read from the inputs' Keras masks when not given.
        attention_mask: `(batch, Tq, Tv)` boolean, `True` = may attend.
        return_attention_scores: also return `(batch, heads, Tq, Tv)`.
        training: applies dropout when true.
        use_causal_mask: query `i` attends to keys `j <= i` only.
        cache: `(batch, 2, max_length, heads, key_dim)`, the projected keys
            and values of earlier steps (see `initial_cache`). With a cache,
            `value` holds only the new tokens; their keys and values are
            written at `cache_update_index`, and query `i` attends to cache
            positions `<= cache_update_index + i` (decoding is causal).
            Padding of cached positions goes in `attention_mask`
            `(batch, Tq, max_length)`.
        cache_update_index: position of the first new token in the cache.

    Returns:
        The output `(batch, Tq, output_dim)`; then the attention weights if
        `return_attention_scores`; then the updated cache if `cache` was
        given. A single tensor when there is nothing else to return.

    Example:

    >>> x = keras.random.normal((2, 10, 64))
    >>> layer = MultiHeadAttention(num_heads=4, key_dim=16)
    >>> tuple(layer(x, x, use_causal_mask=True).shape)
    (2, 10, 64)
    >>> tuple(layer.query_dense.kernel.shape)
    (64, 4, 16)

    Reference: Vaswani et al. 2017, "Attention Is All You Need",
    arXiv:1706.03762.
    """

    def __init__(
        self,
        num_heads,
        key_dim,
        value_dim=None,
        dropout=0.0,
        use_bias=True,
        output_shape=None,
        attention_axes=None,
        flash_attention=None,
        kernel_initializer="glorot_uniform",
        bias_initializer="zeros",
        kernel_regularizer=None,
        bias_regularizer=None,
        activity_regularizer=None,
        kernel_constraint=None,
        bias_constraint=None,
        seed=None,
        score="dot",
        query_chunk_size=None,
        sliding_window=None,
        **kwargs,
    ):
        super().__init__(activity_regularizer=activity_regularizer, **kwargs)
        self.num_heads = check_positive_int("num_heads", num_heads)
        self.key_dim = check_positive_int("key_dim", key_dim)
        self.value_dim = check_positive_int(
            "value_dim", key_dim if value_dim is None else value_dim
        )
        self.dropout = check_rate("dropout", dropout)
        self.use_bias = use_bias
        if isinstance(output_shape, (tuple, list)):
            if len(output_shape) != 1:
                raise ValueError(
                    "`output_shape` must be an int or a 1-tuple; received "
                    f"output_shape={output_shape!r}. Reshape the output for "
                    "more dimensions."
                )
            output_shape = output_shape[0]
        self.output_dim = check_positive_int(
            "output_shape", output_shape, allow_none=True
        )
        if attention_axes not in (None, 1, (1,), [1]):
            raise ValueError(
                "`attention_axes` must be None (attend over the sequence "
                f"axis); received attention_axes={attention_axes!r}. Use "
                "keras.layers.MultiHeadAttention for other axes."
            )
        self.flash_attention = flash_attention
        self.kernel_initializer = keras.initializers.get(kernel_initializer)
        self.bias_initializer = keras.initializers.get(bias_initializer)
        self.kernel_regularizer = keras.regularizers.get(kernel_regularizer)
        self.bias_regularizer = keras.regularizers.get(bias_regularizer)
        self.kernel_constraint = keras.constraints.get(kernel_constraint)
        self.bias_constraint = keras.constraints.get(bias_constraint)
        self.seed = seed
        self.score = check_choice("score", score, SCORES)
        self.query_chunk_size = check_positive_int(
            "query_chunk_size", query_chunk_size, allow_none=True
        )
        self.sliding_window = check_positive_int(
            "sliding_window", sliding_window, allow_none=True
        )
        self.supports_masking = True
        self.seed_generator = (
            keras.random.SeedGenerator(seed) if self.dropout > 0 else None
        )

    # Weights ---------------------------------------------------------------

    def _einsum_dense(self, equation, output_shape, bias_axes, name):
        return keras.layers.EinsumDense(
            equation,
            output_shape=output_shape,
            bias_axes=bias_axes if self.use_bias else None,
            kernel_initializer=fresh_initializer(self.kernel_initializer),
            bias_initializer=fresh_initializer(self.bias_initializer),
            kernel_regularizer=self.kernel_regularizer,
            bias_regularizer=self.bias_regularizer,
            kernel_constraint=self.kernel_constraint,
            bias_constraint=self.bias_constraint,
            dtype=self.dtype_policy,
            name=name,
        )

    def build(self, query_shape, value_shape, key_shape=None):
        check_rank("query", query_shape, (3,))
        check_rank("value", value_shape, (3,))
        key_shape = value_shape if key_shape is None else key_shape
        check_rank("key", key_shape, (3,))
        # Keras's equations and sublayer names, for rank-3 inputs.
        heads_key = (None, self.num_heads, self.key_dim)
        heads_value = (None, self.num_heads, self.value_dim)
        self.query_dense = self._einsum_dense(
            "abc,cde->abde", heads_key, "de", "query"
        )
        self.query_dense.build(query_shape)
        self.key_dense = self._einsum_dense(
            "abc,cde->abde", heads_key, "de", "key"
        )
        self.key_dense.build(key_shape)
        self.value_dense = self._einsum_dense(
            "abc,cde->abde", heads_value, "de", "value"
        )
        self.value_dense.build(value_shape)
        output_dim = self.output_dim or query_shape[-1]
        self.output_dense = self._einsum_dense(
            "abcd,cde->abe", (None, output_dim), "e", "attention_output"
        )
        self.output_dense.build(
            tuple(query_shape[:2]) + (self.num_heads, self.value_dim)
        )
        if self.score == "cosine":
            self.log_inverse_temperature = self.add_weight(
                shape=(self.num_heads,),
                initializer=keras.initializers.Constant(math.log(10.0)),
                name="log_inverse_temperature",
            )
        self.built = True

    def _projections(self):
        """The four `EinsumDense` sublayers: query, key, value, output.

        A method, not a property: `.keras` saving walks the attributes, and
        would file the sublayers under a property's name.
        """
        return (
            self.query_dense,
            self.key_dense,
            self.value_dense,
            self.output_dense,
        )

    def load_own_variables(self, store):
        """Loads this layer's weights, also from files of the old layout.

        Before the projections were sublayers, this layer held all its
        weights (`query_kernel` `(dim, heads * key_dim)`, `query_bias`,
        ..., `output_bias`, then `log_inverse_temperature`). Such entries
        are reshaped into the sublayers, which then skip their own (absent)
        entries of that file.
        """
        own = self._trainable_variables + self._non_trainable_variables
        projected = []
        if self.built and len(store.keys()) != len(own):
            projected = [
                weight
                for dense in self._projections()
                for weight in (dense.kernel, dense.bias)
                if weight is not None
            ]
        if not projected or len(store.keys()) != len(projected) + len(own):
            super().load_own_variables(store)  # raises on a mismatch
            return
        for index, weight in enumerate(projected + own):
            weight.assign(np.reshape(store[str(index)], weight.shape))
        for dense in self._projections():
            skip_next_empty_load(dense)

    # Projections -----------------------------------------------------------

    def _project(self, dense, x):
        """`dense` (an `EinsumDense` of this layer) applied to `x`.

        `x` is `(batch, T, dim)` for the query, key and value projections
        and `(batch, T, heads, value_dim)` for the output projection. As
        long as `dense` is neither quantized nor has LoRA, the result is one
        2-D matmul of `(batch * T, ...)` by its kernel seen as a matrix: a
        TensorFlow `EinsumDense` computes its kernel gradient as one product
        per batch element and a sum, a 2-D matmul as one product. Otherwise
        the sublayer's own `call` runs, which honours both.
        """
        if dense.quantization_mode is not None or dense.lora_enabled:
            return dense(x)
        kernel = dense.kernel
        contracted = len(x.shape) - 2
        size = math.prod(kernel.shape[:contracted])
        flat = ops.matmul(
            ops.reshape(x, (-1, size)), ops.reshape(kernel, (size, -1))
        )
        if dense.bias is not None:
            flat = flat + ops.reshape(dense.bias, (-1,))
        return ops.reshape(
            flat, ops.shape(x)[:2] + tuple(kernel.shape[contracted:])
        )

    def project_query(self, query):
        """`(batch, Tq, dim) -> (batch, Tq, heads, key_dim)`."""
        return self._project(self.query_dense, query)

    def project_key_value(self, value, key=None):
        """Projected key and value, `(batch, Tv, heads, depth)` each."""
        key = value if key is None else key
        return (
            self._project(self.key_dense, key),
            self._project(self.value_dense, value),
        )

    def project_output(self, attended):
        """`(batch, Tq, heads, value_dim) -> (batch, Tq, output_dim)`."""
        return self._project(self.output_dense, attended)

    # Cache -----------------------------------------------------------------

    def initial_cache(self, batch_size, max_length, dtype=None):
        """An empty decoding cache `(batch, 2, max_length, heads, key_dim)`."""
        if self.key_dim != self.value_dim:
            raise ValueError(
                "A decoding cache stores keys and values together, so it "
                f"needs key_dim == value_dim; this layer has key_dim="
                f"{self.key_dim} and value_dim={self.value_dim}."
            )
        return ops.zeros(
            (batch_size, 2, max_length, self.num_heads, self.key_dim),
            dtype=dtype or self.compute_dtype,
        )

    def _update_cache(self, cache, key, value, cache_update_index):
        if self.key_dim != self.value_dim:
            self.initial_cache(0, 0)  # raises the explanatory error
        expected = (2, None, self.num_heads, self.key_dim)
        if len(cache.shape) != 5 or any(
            want is not None and have != want
            for have, want in zip(cache.shape[1:], expected, strict=True)
        ):
            raise ValueError(
                "`cache` must have shape (batch, 2, max_length, "
                f"{self.num_heads}, {self.key_dim}); received "
                f"cache.shape={tuple(cache.shape)}. Start from "
                "`layer.initial_cache(batch_size, max_length)`."
            )
        if cache_update_index is None:
            raise ValueError(
                "`cache_update_index` is required with `cache`: the position "
                "where the new tokens' keys and values are written."
            )
        update = ops.stack([key, value], axis=1)
        start = [0, 0, cache_update_index, 0, 0]
        cache = ops.slice_update(cache, start, ops.cast(update, cache.dtype))
        return cache, cache[:, 0], cache[:, 1]

    # Masks and attention ---------------------------------------------------

    def _attention_mask(
        self,
        query,
        key,
        query_mask=None,
        value_mask=None,
        key_mask=None,
        attention_mask=None,
        cache_update_index=None,
    ):
        """The one boolean mask of a call, broadcastable to `(batch, Tq, Tk)`.

        The AND of the padding masks, `attention_mask`, the sliding window
        and, when decoding (`cache_update_index` given), the causal mask
        offset by the position of the first new token. Without a cache, a
        causal mask is left to the attention kernel. `None` if nothing is
        masked.
        """
        query_length, key_length = ops.shape(query)[1], ops.shape(key)[1]
        offset = 0 if cache_update_index is None else cache_update_index
        masks = [
            merge_masks(
                query_mask,
                value_mask,
                attention_mask,
                use_causal_mask=cache_update_index is not None,
                query_length=query_length,
                key_length=key_length,
                causal_offset=offset,
            )
        ]
        if key_mask is not None:
            masks.append(ops.expand_dims(key_mask, -2))
        if self.sliding_window is not None:
            # Query i (at position i + offset) sees keys j with
            # |i + offset - j| < sliding_window.
            rows = ops.arange(query_length, dtype="int32")[:, None] + offset
            columns = ops.arange(key_length, dtype="int32")[None, :]
            distance = ops.abs(rows - columns)
            masks.append(ops.less(distance, self.sliding_window)[None])
        masks = [ops.cast(mask, "bool") for mask in masks if mask is not None]
        return functools.reduce(ops.logical_and, masks) if masks else None

    def _scale_and_normalize(self, query, key):
        """Per-score preparation so that `q . k * scale` is the score;
        `query` and `key` are `(batch, T, heads, depth)`."""
        if self.score == "dot":
            return query, key, 1.0 / math.sqrt(self.key_dim)
        ceiling = math.log(100.0)  # temperature >= 0.01, as in Swin V2
        inverse_temperature = ops.exp(
            ops.minimum(self.log_inverse_temperature, ceiling)
        )
        query = l2_normalize(query) * ops.cast(
            inverse_temperature[:, None], query.dtype
        )
        return query, l2_normalize(key), 1.0

    def _attend(
        self,
        query,
        key,
        value,
        mask,
        use_causal_mask,
        return_attention_scores,
        training,
    ):
        """Attention on projected `(batch, T, heads, depth)` tensors.

        Returns `(batch, Tq, heads, value_dim)` and the weights `(batch,
        heads, Tq, Tk)`, or `None` unless `return_attention_scores`.
        """
        query, key, scale = self._scale_and_normalize(query, key)
        dropout_active = bool(training) and self.dropout > 0
        if return_attention_scores or dropout_active:
            if use_causal_mask:
                mask = merge_masks(
                    attention_mask=mask,
                    use_causal_mask=True,
                    query_length=ops.shape(query)[1],
                    key_length=ops.shape(key)[1],
                )
            if mask is not None:
                mask = ops.expand_dims(mask, 1)
            weights = masked_softmax(attention_scores(query, key, scale), mask)
            dropped = weights
            if dropout_active:
                dropped = keras.random.dropout(
                    weights, self.dropout, seed=self.seed_generator
                )
            return combine_values(dropped, value), weights
        query_length = query.shape[1]
        if (
            self.query_chunk_size is not None
            and query_length is not None
            and query_length > self.query_chunk_size
        ):
            attended = chunked_attention(
                query,
                key,
                value,
                mask,
                scale,
                use_causal_mask=use_causal_mask,
                chunk_size=self.query_chunk_size,
            )
            return attended, None
        attended = heads_first_attention(
            heads_first(query),
            heads_first(key),
            heads_first(value),
            mask,
            scale,
            use_causal_mask=use_causal_mask,
            flash_attention=self.flash_attention,
        )
        return heads_first(attended), None

    def call(
        self,
        query,
        value,
        key=None,
        query_mask=None,
        value_mask=None,
        key_mask=None,
        attention_mask=None,
        return_attention_scores=False,
        training=None,
        use_causal_mask=False,
        cache=None,
        cache_update_index=None,
    ):
        # Checked on every call, not only when the layer is built.
        check_rank("query", query.shape, (3,))
        check_rank("value", value.shape, (3,))
        if key is not None:
            check_rank("key", key.shape, (3,))
        check_attention_inputs(query, value, key)
        batch, query_length = query.shape[0], query.shape[1]
        check_mask_shape(query_mask, (batch, query_length), "query_mask")
        if cache is None:
            value_length = value.shape[1]
            check_mask_shape(value_mask, (batch, value_length), "value_mask")
            check_mask_shape(key_mask, (batch, value_length), "key_mask")
        else:
            # The masks of the new tokens do not cover the cached ones.
            value_mask = key_mask = None
            value_length = cache.shape[2]
            check_cache_index(cache_update_index, value.shape[1], value_length)
        check_mask_shape(
            attention_mask,
            (batch, query_length, value_length),
            "attention_mask",
        )
        query = self.project_query(query)
        key, value = self.project_key_value(value, key)
        if cache is not None:
            cache, key, value = self._update_cache(
                cache, key, value, cache_update_index
            )
        mask = self._attention_mask(
            query,
            key,
            query_mask,
            value_mask,
            key_mask,
            attention_mask,
            cache_update_index=None if cache is None else cache_update_index,
        )
        attended, weights = self._attend(
            query,
            key,
            value,
            mask,
            use_causal_mask and cache is None,
            return_attention_scores,
            training,
        )
        outputs = [self.project_output(attended)]
        if return_attention_scores:
            outputs.append(weights)
        if cache is not None:
            outputs.append(cache)
        return outputs[0] if len(outputs) == 1 else tuple(outputs)

    # Shapes, config, conversion ---------------------------------------------

    def compute_output_shape(self, query_shape, value_shape, key_shape=None):
        return tuple(query_shape[:-1]) + (self.output_dim or query_shape[-1],)

    def compute_output_spec(
        self,
        query,
        value,
        key=None,
        return_attention_scores=False,
        cache=None,
        **kwargs,
    ):
        outputs = [
            keras.KerasTensor(
                self.compute_output_shape(query.shape, value.shape),
                dtype=self.compute_dtype,
            )
        ]
        if return_attention_scores:
            key_length = value.shape[1] if cache is None else cache.shape[2]
            outputs.append(
                keras.KerasTensor(
                    (
                        query.shape[0],
                        self.num_heads,
                        query.shape[1],
                        key_length,
                    ),
                    dtype=self.compute_dtype,
                )
            )
        if cache is not None:
            outputs.append(keras.KerasTensor(cache.shape, dtype=cache.dtype))
        return outputs[0] if len(outputs) == 1 else tuple(outputs)

    def get_config(self):
        config = super().get_config()
        config.update(
            {
                "num_heads": self.num_heads,
                "key_dim": self.key_dim,
                "value_dim": self.value_dim,
                "dropout": self.dropout,
                "use_bias": self.use_bias,
                "output_shape": self.output_dim,
                "flash_attention": self.flash_attention,
                "seed": self.seed,
                "score": self.score,
                "query_chunk_size": self.query_chunk_size,
                "sliding_window": self.sliding_window,
            }
        )
        config.update(
            {
                name: module.serialize(getattr(self, name))
                for name, module in PROJECTION_SETTINGS.items()
            }
        )
        return config

    @classmethod
    def from_keras(cls, layer, **kwargs):
        """A built copy of a `keras.layers.MultiHeadAttention`, same weights.

        Args:
            layer: a built `keras.layers.MultiHeadAttention` that attends
                over the sequence axis (no `attention_axes` or gate), has a
                1-D output and is not quantized; its `sliding_window` is
                kept. See `attention_zoo.layers.from_keras`.
            **kwargs: extra constructor arguments (`query_chunk_size`, ...).

        Returns:
            A `MultiHeadAttention` whose outputs equal `layer`'s.
        """
        return convert_keras_layer(cls, layer, **kwargs)
