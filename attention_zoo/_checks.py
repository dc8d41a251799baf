"""Argument checks shared by every package of attention_zoo (layers,
metrics, recipes, plots); each raises a `ValueError` that names the
argument, what was expected and what was received."""

import numbers


def check_positive_int(name, value, allow_none=False):
    """Returns `value` if it is a positive integer (or `None` if allowed)."""
    if value is None and allow_none:
        return value
    if (
        isinstance(value, bool)
        or not isinstance(value, numbers.Integral)
        or value <= 0
    ):
        expected = "a positive integer" + (" or None" if allow_none else "")
        raise ValueError(
            f"`{name}` must be {expected}; received {name}={value!r}."
        )
    return int(value)


def check_rate(name, value):
    """Returns `value` if it is a float in `[0, 1)`."""
    if (
        isinstance(value, bool)
        or not isinstance(value, numbers.Real)
        or not 0 <= value < 1
    ):
        raise ValueError(
            f"`{name}` must be a float in [0, 1); received {name}={value!r}."
        )
    return float(value)


def check_choice(name, value, choices):
    """Returns `value` if it is one of `choices`."""
    if value not in choices:
        raise ValueError(
            f"`{name}` must be one of {sorted(choices)}; "
            f"received {name}={value!r}."
        )
    return value


def check_rank(name, shape, ranks):
    """Raises unless `len(shape)` is one of `ranks`."""
    if len(shape) not in ranks:
        allowed = " or ".join(str(rank) for rank in ranks)
        raise ValueError(
            f"`{name}` must have rank {allowed}; received {name} with shape "
            f"{tuple(shape)} (rank {len(shape)})."
        )


def fresh_initializer(initializer):
    """A new instance of `initializer` for one weight.

    An unseeded Keras initializer draws its seed once, when it is created,
    so one instance used for two weights of the same shape gives them the
    same values (query and key kernels that start out equal, say).
    """
    return initializer.__class__.from_config(initializer.get_config())


def check_attention_shapes(query_shape, value_shape, key_shape=None):
    """Raises unless the shapes of `query`, `value` and `key` have one
    batch size and `key` and `value` one length (where the sizes are
    known). `build` checks the shapes, `call` the tensors
    (`check_attention_inputs`), with the same messages."""
    named = {"query": query_shape, "value": value_shape, "key": key_shape}
    batches = {
        name: shape[0]
        for name, shape in named.items()
        if shape is not None and shape[0] is not None
    }
    if len(set(batches.values())) > 1:
        shown = ", ".join(f"{name} {size}" for name, size in batches.items())
        raise ValueError(
            "`query`, `value` and `key` must have the same batch size; "
            f"received {shown}."
        )
    if key_shape is not None and None not in (key_shape[1], value_shape[1]):
        if key_shape[1] != value_shape[1]:
            raise ValueError(
                "`key` and `value` must have the same length (one value per "
                f"key); received key with shape {tuple(key_shape)} and value "
                f"with shape {tuple(value_shape)}."
            )


def check_attention_inputs(query, value, key=None):
    """`check_attention_shapes` of the tensors `query`, `value`, `key`."""
    check_attention_shapes(
        query.shape, value.shape, None if key is None else key.shape
    )


def check_cache_index(cache_update_index, new_tokens, max_length):
    """Raises unless a known `cache_update_index` leaves room in the cache
    for `new_tokens` tokens: `0 <= index <= max_length - new_tokens`."""
    if not isinstance(cache_update_index, numbers.Integral):
        return  # a tensor: checked by nobody, as in Keras
    if None in (new_tokens, max_length):
        return
    if not 0 <= cache_update_index <= max_length - new_tokens:
        raise ValueError(
            f"`cache_update_index` must be from 0 to {max_length - new_tokens}"
            f" for {new_tokens} new token(s) in a cache of length "
            f"{max_length}; received cache_update_index={cache_update_index}."
        )
