"""Export of Keras models as SavedModel, LiteRT (TFLite) and ONNX files,
and their verification in the runtimes that serve them.

An exported function is a `Graph` (named tensors in, named tensors out,
traced by TensorFlow). Each format has a writer and a runtime:

- `tf_saved_model`: `saved_model.write` (`keras.export.ExportArchive`),
  run by `tf.saved_model.load`;
- `litert`: `litert.write` (`tf.lite.TFLiteConverter`, built-in ops
  only), run by the `ai_edge_litert` interpreter;
- `onnx`: `onnx.write` (`tf2onnx`), run by `onnxruntime`.

All writers need the TensorFlow backend: a SavedModel and a `.tflite`
file hold TensorFlow graphs, and one traced graph serving all three
formats means the three files compute the same function. A model trained
on JAX or PyTorch is loaded again under TensorFlow to be exported (the
applications' `export` command does this in a subprocess).
`verification` compares what a runtime returns with what Keras returns
and times both.
"""

from attention_zoo.export.graph import Graph
from attention_zoo.export.verification import compare
from attention_zoo.export.verification import median_latency_ms

# The quantizations each format offers ("none" is float32).
FORMAT_QUANTIZATIONS = {
    "tf_saved_model": ("none",),
    "litert": ("none", "float16", "dynamic_int8", "int8"),
    "onnx": ("none", "dynamic_int8"),
}


def writer(format):
    """The module that writes and runs `format` (`write`, `Runtime`)."""
    from attention_zoo.export import litert
    from attention_zoo.export import onnx
    from attention_zoo.export import saved_model

    return {"tf_saved_model": saved_model, "litert": litert, "onnx": onnx}[
        format
    ]


__all__ = [
    "FORMAT_QUANTIZATIONS",
    "Graph",
    "compare",
    "median_latency_ms",
    "writer",
]
