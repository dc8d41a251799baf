"""ONNX: written by `tf2onnx` from the graph TensorFlow traces, run by
`onnxruntime`.

The graph is traced with Keras's `slice_update` rewritten as padding and
a select: on TensorFlow, Keras lowers it to `XlaDynamicUpdateSlice`,
which `tf2onnx` cannot convert, and a decoder's key/value cache and
KerasHub's samplers use it at every step. Padding and `where` compute
the same values (start indices clipped as XLA clips them) with operators
ONNX has.
"""

import contextlib

import numpy as np

OPSET = 17


def _padded_slice_update(inputs, start_indices, updates):
    """`inputs` with `updates` written at `start_indices`, as
    `XlaDynamicUpdateSlice` computes it."""
    import tensorflow as tf

    inputs = tf.convert_to_tensor(inputs)
    updates = tf.cast(updates, inputs.dtype)
    if isinstance(start_indices, (list, tuple)):
        start_indices = tf.stack([tf.cast(i, "int32") for i in start_indices])
    start = tf.cast(start_indices, "int32")
    shape, size = tf.shape(inputs), tf.shape(updates)
    start = tf.clip_by_value(start, 0, shape - size)
    paddings = tf.stack([start, shape - size - start], axis=1)
    written = tf.pad(tf.ones_like(updates, "bool"), paddings)
    return tf.where(written, tf.pad(updates, paddings), inputs)


@contextlib.contextmanager
def onnx_friendly_slice_update():
    """Keras's TensorFlow `slice_update` is `_padded_slice_update` inside
    (Keras ops look it up at every call)."""
    from keras.src.backend.tensorflow import core

    original = core.slice_update
    core.slice_update = _padded_slice_update
    try:
        yield
    finally:
        core.slice_update = original


def write(model, graph, path, quantize="none", representative=None):
    """Writes `graph` as an ONNX file at `path`; `"dynamic_int8"`
    quantizes its weights with `onnxruntime.quantization`."""
    import tf2onnx
    from keras.src.export.tf2onnx_lib import patch_tf2onnx

    del model, representative
    if quantize not in ("none", "dynamic_int8"):
        raise ValueError(f"ONNX export offers no {quantize} quantization.")
    patch_tf2onnx()  # as keras.export does: tf2onnx predates numpy 2
    float_path = str(path) + ".float32" if quantize != "none" else str(path)
    with onnx_friendly_slice_update():
        frozen, output_names = graph.frozen()
    inputs = [t.name for t in frozen.inputs]
    outputs = [t.name for t in frozen.outputs]
    tf2onnx.convert.from_graph_def(
        frozen.graph.as_graph_def(),
        input_names=inputs,
        output_names=outputs,
        tensors_to_rename={
            **dict(zip(inputs, graph.inputs)),
            **dict(zip(outputs, output_names)),
        },
        opset=OPSET,
        output_path=float_path,
    )
    if quantize == "dynamic_int8":
        import os

        from onnxruntime.quantization import QuantType
        from onnxruntime.quantization import quantize_dynamic

        quantize_dynamic(float_path, str(path), weight_type=QuantType.QInt8)
        os.remove(float_path)


class Runtime:
    """The ONNX file at `path` in an `onnxruntime.InferenceSession`;
    `run(feed)` takes and returns dicts of named numpy arrays."""

    def __init__(self, path, graph):
        import onnxruntime

        self._session = onnxruntime.InferenceSession(
            str(path), providers=["CPUExecutionProvider"]
        )
        self._outputs = [output.name for output in self._session.get_outputs()]

    def run(self, feed):
        values = self._session.run(None, feed)
        return {name: np.asarray(v) for name, v in zip(self._outputs, values)}
