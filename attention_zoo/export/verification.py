"""How close a runtime's outputs are to Keras's, and how fast each is."""

import time

import numpy as np


def compare(expected, actual):
    """Per output name: `{"max_abs_difference": d}` for float outputs,
    `{"identical": fraction of rows equal}` for the others (ids,
    strings). `expected` and `actual` map names to arrays whose first
    axis is the examples."""
    figures = {}
    for name, want in expected.items():
        want, got = np.asarray(want), np.asarray(actual[name])
        if want.shape != got.shape:
            raise ValueError(
                f"output {name!r} has shape {got.shape}, Keras's {want.shape}"
            )
        if want.dtype.kind == "f":
            difference = (
                np.abs(want.astype("float64") - got) if want.size else 0
            )
            figures[name] = {"max_abs_difference": float(np.max(difference))}
        else:
            equal = (want == got).reshape(len(want), -1).all(axis=1)
            figures[name] = {"identical": float(np.mean(equal))}
    return figures


def median_latency_ms(function, repeats=20, warmup=3):
    """The median wall time of `function()` in milliseconds."""
    for _ in range(warmup):
        function()
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        function()
        times.append(time.perf_counter() - start)
    return float(np.median(times) * 1000)
