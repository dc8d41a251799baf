"""Multi-head attention: a faster drop-in for keras.layers.MultiHeadAttention
with a decoding cache and a cosine score."""

import math

import keras
import numpy as np
from keras import ops

from attention_zoo._checks import check_choice
from attention_zoo._checks import check_positive_int
from attention_zoo._checks import check_rank
from attention_zoo._checks import check_rate
from attention_zoo._checks import fresh_initializer
from attention_zoo.ops.attention import attention_scores
from attention_zoo.ops.attention import chunked_attention
from attention_zoo.ops.attention import combine_values
from attention_zoo.ops.attention import dot_product_attention
from attention_zoo.ops.attention import heads_first_attention
from attention_zoo.ops.masking import check_mask_shape
from attention_zoo.ops.masking import masked_softmax
from attention_zoo.ops.masking import merge_masks
from attention_zoo.ops.scores import l2_normalize

SCORES = ("dot", "cosine")


def split_heads(x, num_heads):
    """`(batch, T, heads * depth) -> (batch, T, heads, depth)`."""
    depth = x.shape[-1] // num_heads
    return ops.reshape(x, ops.shape(x)[:-1] + (num_heads, depth))


def merge_heads(x):
    """`(batch, T, heads, depth) -> (batch, T, heads * depth)`."""
    return ops.reshape(x, ops.shape(x)[:-2] + (x.shape[-2] * x.shape[-1],))


@keras.saving.register_keras_serializable(package="attention_zoo")
class MultiHeadAttention(keras.layers.Layer):
    """Multi-head attention (Vaswani et al. 2017), a drop-in for Keras's.

    `head_i = softmax(score(Q W_q^i, K W_k^i)) V W_v^i`, and the output is
    `concat(head_1, ..., head_h) W_o`. With `score="dot"` the score is
    `q . k / sqrt(key_dim)`; with `score="cosine"` it is `cos(q, k) / tau_i`
    with one learned temperature per head, kept above 0.01 (Swin V2).

    Same constructor and call arguments as `keras.layers.MultiHeadAttention`
    (attention over the sequence axis), and these additions:

    - Speed: unless a cache, the weights, active dropout or query chunks
      are asked for, each projection is one 2-D matmul and the heads stay
      in `(batch, heads, T, depth)` layout up to the output projection.
      Attention there is two plain batched matmuls and a softmax on
      TensorFlow and JAX (XLA compiles them without the transposes of
      `keras.ops.dot_product_attention`), and PyTorch's fused
      `scaled_dot_product_attention` through that op. Both are exact: a
      query with no visible key gets zeros. The other paths (decoding,
      weights, dropout) project with one fused matmul per input tensor.
    - `cache=` and `cache_update_index=`: cached decoding, one or a few
      tokens at a time, with the same outputs as one full causal call.
    - `query_chunk_size=`: exact attention over long sequences in blocks of
      queries, with memory linear in the sequence length.
    - `MultiHeadAttention.from_keras(layer)`: the same weights, same outputs.
    - An explicit `query_mask` is honoured (Keras's layer replaces it with
      the query's Keras mask); `flash_attention` is kept in the config.

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
        bias_regularizer, activity_regularizer, kernel_constraint,
        bias_constraint: as for `keras.layers.Dense`.
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
        self.value_dim = check_positive_int("value_dim", value_dim or key_dim)
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

    def _kernel(self, shape, name):
        return self.add_weight(
            shape=shape,
            initializer=fresh_initializer(self.kernel_initializer),
            regularizer=self.kernel_regularizer,
            constraint=self.kernel_constraint,
            name=name,
        )

    def _bias(self, size, name):
        if not self.use_bias:
            return None
        return self.add_weight(
            shape=(size,),
            initializer=self.bias_initializer,
            regularizer=self.bias_regularizer,
            constraint=self.bias_constraint,
            name=name,
        )

    def build(self, query_shape, value_shape, key_shape=None):
        check_rank("query", query_shape, (3,))
        check_rank("value", value_shape, (3,))
        key_shape = value_shape if key_shape is None else key_shape
        check_rank("key", key_shape, (3,))
        heads_key = self.num_heads * self.key_dim
        heads_value = self.num_heads * self.value_dim
        self.query_kernel = self._kernel(
            (query_shape[-1], heads_key), "query_kernel"
        )
        self.query_bias = self._bias(heads_key, "query_bias")
        self.key_kernel = self._kernel((key_shape[-1], heads_key), "key_kernel")
        self.key_bias = self._bias(heads_key, "key_bias")
        self.value_kernel = self._kernel(
            (value_shape[-1], heads_value), "value_kernel"
        )
        self.value_bias = self._bias(heads_value, "value_bias")
        output_dim = self.output_dim or query_shape[-1]
        self.output_kernel = self._kernel(
            (heads_value, output_dim), "output_kernel"
        )
        self.output_bias = self._bias(output_dim, "output_bias")
        if self.score == "cosine":
            self.log_inverse_temperature = self.add_weight(
                shape=(self.num_heads,),
                initializer=keras.initializers.Constant(math.log(10.0)),
                name="log_inverse_temperature",
            )
        self.built = True

    # Projections -----------------------------------------------------------

    def _project(self, x, kernels, biases):
        """One matmul for several projections of the same tensor."""
        if len(kernels) == 1:
            kernel, bias = kernels[0], biases[0]
        else:
            kernel = ops.concatenate(kernels, axis=-1)
            bias = None if biases[0] is None else ops.concatenate(biases, -1)
        projected = ops.matmul(x, kernel)
        if bias is not None:
            projected = projected + bias
        if len(kernels) == 1:
            return [projected]
        sizes = [k.shape[-1] for k in kernels]
        split_points = [sum(sizes[: i + 1]) for i in range(len(sizes) - 1)]
        return ops.split(projected, split_points, axis=-1)

    def project_query(self, query):
        """`(batch, Tq, dim) -> (batch, Tq, heads, key_dim)`."""
        (projected,) = self._project(
            query, [self.query_kernel], [self.query_bias]
        )
        return split_heads(projected, self.num_heads)

    def project_key_value(self, value, key=None):
        """Projected key and value, `(batch, Tv, heads, depth)` each."""
        if key is None or key is value:
            key, value = self._project(
                value,
                [self.key_kernel, self.value_kernel],
                [self.key_bias, self.value_bias],
            )
        else:
            (key,) = self._project(key, [self.key_kernel], [self.key_bias])
            (value,) = self._project(
                value, [self.value_kernel], [self.value_bias]
            )
        return split_heads(key, self.num_heads), split_heads(
            value, self.num_heads
        )

    def _project_all(self, query, value, key):
        if query is value and (key is None or key is value):
            projected = self._project(
                query,
                [self.query_kernel, self.key_kernel, self.value_kernel],
                [self.query_bias, self.key_bias, self.value_bias],
            )
            return [split_heads(x, self.num_heads) for x in projected]
        return [self.project_query(query), *self.project_key_value(value, key)]

    def _project_heads_first(self, query, value, key):
        """Query, key and value projected to `(batch, heads, T, depth)`.

        Each projection is its own 2-D matmul on `(batch * T, dim)`, even in
        self-attention: three independent matmuls (and kernel gradients)
        can run at the same time on the cores that a fused one leaves idle,
        and there is no concatenation and split (measured faster on all
        three backends on CPU). A 2-D matmul also keeps TensorFlow from
        computing a kernel gradient as one product per batch element.
        """
        key = value if key is None else key
        projected = []
        for x, name in ((query, "query"), (key, "key"), (value, "value")):
            flat = ops.reshape(x, (-1, x.shape[-1]))
            part = ops.matmul(flat, getattr(self, f"{name}_kernel"))
            bias = getattr(self, f"{name}_bias")
            if bias is not None:
                part = part + bias
            part = ops.reshape(part, ops.shape(x)[:-1] + (self.num_heads, -1))
            projected.append(ops.transpose(part, (0, 2, 1, 3)))
        return projected

    def _project_output_heads_first(self, attended):
        """`(batch, heads, Tq, value_dim) -> (batch, Tq, output_dim)`."""
        batch_and_time = (ops.shape(attended)[0], ops.shape(attended)[2])
        merged = ops.reshape(
            ops.transpose(attended, (0, 2, 1, 3)),
            (-1, self.num_heads * self.value_dim),
        )
        output = ops.matmul(merged, self.output_kernel)
        if self.output_bias is not None:
            output = output + self.output_bias
        return ops.reshape(output, batch_and_time + (output.shape[-1],))

    def project_output(self, attended):
        """`(batch, Tq, heads, value_dim) -> (batch, Tq, output_dim)`."""
        output = ops.matmul(merge_heads(attended), self.output_kernel)
        if self.output_bias is not None:
            output = output + self.output_bias
        return output

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

    # Attention -------------------------------------------------------------

    def _scale_and_normalize(self, query, key, heads_first=False):
        """Per-score preparation so that `q . k * scale` is the score.

        `query` and `key` are `(batch, T, heads, depth)`, or
        `(batch, heads, T, depth)` with `heads_first`.
        """
        if self.score == "dot":
            return query, key, 1.0 / math.sqrt(self.key_dim)
        ceiling = math.log(100.0)  # temperature >= 0.01, as in Swin V2
        inverse_temperature = ops.exp(
            ops.minimum(self.log_inverse_temperature, ceiling)
        )
        per_head = (
            inverse_temperature[:, None, None]
            if heads_first
            else inverse_temperature[:, None]
        )
        query = l2_normalize(query) * ops.cast(per_head, query.dtype)
        return query, l2_normalize(key), 1.0

    def _attend(self, query, key, value, mask, causal, scores, training):
        query, key, scale = self._scale_and_normalize(query, key)
        dropout_active = bool(training) and self.dropout > 0
        if scores or dropout_active:
            logits = attention_scores(query, key, scale)
            if causal:
                causal_only = merge_masks(
                    use_causal_mask=True,
                    query_length=ops.shape(query)[1],
                    key_length=ops.shape(key)[1],
                )
                mask = (
                    causal_only
                    if mask is None
                    else ops.logical_and(mask, causal_only)
                )
            if mask is not None:
                mask = ops.expand_dims(mask, 1)
            weights = masked_softmax(logits, mask)
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
                use_causal_mask=causal,
                chunk_size=self.query_chunk_size,
            )
            return attended, None
        attended = dot_product_attention(
            query,
            key,
            value,
            mask,
            scale,
            use_causal_mask=causal,
            flash_attention=self.flash_attention,
        )
        return attended, None

    def _sliding_window_mask(self, query_length, key_length, offset):
        """`(1, Tq, Tk)`: query `i` (at position `i + offset`) sees keys
        `j` with `|i + offset - j| < sliding_window`."""
        rows = ops.arange(query_length, dtype="int32")[:, None] + offset
        columns = ops.arange(key_length, dtype="int32")[None, :]
        return ops.less(ops.abs(rows - columns), self.sliding_window)[None]

    def _use_heads_first(self, query, cache, return_scores, training):
        """Whether `call` takes the fast `(batch, heads, T, depth)` path.

        It does unless a cache, the attention weights, active dropout or
        query chunking need the `(batch, T, heads, depth)` path.
        """
        query_length = query.shape[1]
        chunked = (
            self.query_chunk_size is not None
            and query_length is not None
            and query_length > self.query_chunk_size
        )
        dropout_active = bool(training) and self.dropout > 0
        return not (
            cache is not None or return_scores or dropout_active or chunked
        )

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
        check_mask_shape(
            attention_mask,
            (batch, query_length, value_length),
            "attention_mask",
        )
        if self.sliding_window is not None:
            offset = 0 if cache is None else cache_update_index
            window = self._sliding_window_mask(
                ops.shape(query)[1],
                value_length or ops.shape(value)[1],
                0 if offset is None else offset,
            )
            attention_mask = (
                window
                if attention_mask is None
                else ops.logical_and(ops.cast(attention_mask, "bool"), window)
            )
        if self._use_heads_first(
            query, cache, return_attention_scores, training
        ):
            mask = merge_masks(query_mask, value_mask, attention_mask)
            if key_mask is not None:
                key_mask = ops.expand_dims(ops.cast(key_mask, "bool"), -2)
                mask = (
                    key_mask
                    if mask is None
                    else ops.logical_and(ops.cast(mask, "bool"), key_mask)
                )
            query, key, value = self._project_heads_first(query, value, key)
            query, key, scale = self._scale_and_normalize(
                query, key, heads_first=True
            )
            attended = heads_first_attention(
                query,
                key,
                value,
                mask,
                scale,
                use_causal_mask=use_causal_mask,
                flash_attention=self.flash_attention,
            )
            return self._project_output_heads_first(attended)
        query, key, value = self._project_all(query, value, key)
        causal = use_causal_mask
        if cache is not None:
            cache, key, value = self._update_cache(
                cache, key, value, cache_update_index
            )
            # Decoding is causal over the cache, offset by the new position.
            offset_causal = merge_masks(
                use_causal_mask=True,
                query_length=ops.shape(query)[1],
                key_length=ops.shape(key)[1],
                causal_offset=cache_update_index,
            )
            attention_mask = (
                offset_causal
                if attention_mask is None
                else ops.logical_and(
                    ops.cast(attention_mask, "bool"), offset_causal
                )
            )
            causal = False
        mask = merge_masks(query_mask, value_mask, attention_mask)
        if key_mask is not None:
            key_mask = ops.expand_dims(ops.cast(key_mask, "bool"), -2)
            mask = key_mask if mask is None else ops.logical_and(mask, key_mask)
        attended, scores = self._attend(
            query,
            key,
            value,
            mask,
            causal,
            return_attention_scores,
            training,
        )
        outputs = [self.project_output(attended)]
        if return_attention_scores:
            outputs.append(scores)
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
                "kernel_initializer": keras.initializers.serialize(
                    self.kernel_initializer
                ),
                "bias_initializer": keras.initializers.serialize(
                    self.bias_initializer
                ),
                "kernel_regularizer": keras.regularizers.serialize(
                    self.kernel_regularizer
                ),
                "bias_regularizer": keras.regularizers.serialize(
                    self.bias_regularizer
                ),
                "kernel_constraint": keras.constraints.serialize(
                    self.kernel_constraint
                ),
                "bias_constraint": keras.constraints.serialize(
                    self.bias_constraint
                ),
                "seed": self.seed,
                "score": self.score,
                "query_chunk_size": self.query_chunk_size,
                "sliding_window": self.sliding_window,
            }
        )
        return config

    @classmethod
    def from_keras(cls, layer, **kwargs):
        """A built copy of a `keras.layers.MultiHeadAttention`, same weights.

        Args:
            layer: a built `keras.layers.MultiHeadAttention` that attends
                over the sequence axis (no `attention_axes` or gate) and has
                a 1-D output; its `sliding_window` is kept.
            **kwargs: extra constructor arguments (`query_chunk_size`, ...).

        Returns:
            A `MultiHeadAttention` whose outputs equal `layer`'s.
        """
        if not isinstance(layer, keras.layers.MultiHeadAttention):
            raise TypeError(
                "`layer` must be a keras.layers.MultiHeadAttention; "
                f"received {type(layer).__name__}."
            )
        if not layer.built:
            raise ValueError(
                "`layer` must be built (called once, or `build()` with the "
                "input shapes) so that its weights exist."
            )
        config = layer.get_config()
        unsupported = {
            "attention_axes": config.get("attention_axes")
            not in (None, [1], (1,)),
            "use_gate": bool(config.get("use_gate")),
        }
        for name, present in unsupported.items():
            if present:
                raise ValueError(
                    f"Cannot convert a layer with `{name}`="
                    f"{config.get(name)!r}; only sequence attention without "
                    "gate is supported."
                )
        output_kernel = layer.output_dense.kernel
        if len(output_kernel.shape) != 3:
            raise ValueError(
                "Cannot convert a layer with a multi-dimensional "
                f"output_shape={config.get('output_shape')!r}."
            )
        query_dim = layer.query_dense.kernel.shape[0]
        key_input_dim = layer.key_dense.kernel.shape[0]
        value_input_dim = layer.value_dense.kernel.shape[0]
        output_dim = output_kernel.shape[-1]
        converted = cls(
            num_heads=config["num_heads"],
            key_dim=config["key_dim"],
            value_dim=config["value_dim"],
            dropout=config["dropout"],
            use_bias=config["use_bias"],
            output_shape=None if output_dim == query_dim else output_dim,
            seed=config.get("seed"),
            sliding_window=config.get("sliding_window"),
            name=layer.name,
            dtype=layer.dtype_policy,
            **kwargs,
        )
        converted.build(
            (None, None, query_dim),
            (None, None, value_input_dim),
            (None, None, key_input_dim),
        )
        pairs = [
            ("query", layer.query_dense),
            ("key", layer.key_dense),
            ("value", layer.value_dense),
            ("output", layer.output_dense),
        ]
        for prefix, dense in pairs:
            # Values go through numpy: a copy, so that the two layers never
            # share a buffer (on JAX, training one would delete the other's).
            kernel = getattr(converted, f"{prefix}_kernel")
            kernel.assign(
                np.reshape(ops.convert_to_numpy(dense.kernel), kernel.shape)
            )
            bias = getattr(converted, f"{prefix}_bias")
            if bias is not None:
                bias.assign(
                    np.reshape(ops.convert_to_numpy(dense.bias), bias.shape)
                )
        return converted
