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
