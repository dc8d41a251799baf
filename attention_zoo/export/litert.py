"""LiteRT (TFLite): written by `tf.lite.TFLiteConverter` with TFLite's
built-in operators only, run by the `ai_edge_litert` interpreter.

Built-in operators only, because the stock interpreter of TensorFlow
2.20+ and `ai-edge-litert` no longer runs Flex (select TensorFlow) ops
(LiteRT#6458): a model that needs one fails to convert here instead of
failing on the phone. The variables are frozen into constants first:
see `Graph.frozen_function`.
"""

import tempfile

import numpy as np

SIGNATURE = "serving_default"


def convert(graph, quantize="none", representative=None):
    """The `.tflite` flatbuffer of `graph`, quantized by `quantize`:
    `"float16"` weights, `"dynamic_int8"` (int8 weights, float
    activations), `"int8"` (int8 weights and activations, calibrated on
    `representative`, a list of feeds; operators without an int8 kernel
    stay float), or `"none"`."""
    import tensorflow as tf

    named = graph.frozen_function()
    # Through a SavedModel: converted from a concrete function, a graph
    # with a loop (a decoder) loses its signature (its input and output
    # names), which a SavedModel's signature keeps.
    module = tf.Module()
    module.named = named
    with tempfile.TemporaryDirectory() as directory:
        tf.saved_model.save(
            module,
            directory,
            signatures={SIGNATURE: named.get_concrete_function()},
            options=tf.saved_model.SaveOptions(
                experimental_custom_gradients=False
            ),
        )
        converter = tf.lite.TFLiteConverter.from_saved_model(
            directory, signature_keys=[SIGNATURE]
        )
        converter.target_spec.supported_ops = [tf.lite.OpsSet.TFLITE_BUILTINS]
        if quantize != "none":
            converter.optimizations = [tf.lite.Optimize.DEFAULT]
        if quantize == "float16":
            converter.target_spec.supported_types = [tf.float16]
        if quantize == "int8":
            if not representative:
                raise ValueError(
                    "int8 quantization needs representative feeds."
                )
            names = list(graph.inputs)

            def examples():
                for feed in representative:
                    yield {name: feed[name] for name in names}

            converter.representative_dataset = examples
        return converter.convert()


def write(model, graph, path, quantize="none", representative=None):
    """Writes `graph` as a `.tflite` file at `path`."""
    del model  # the graph's function holds it; its weights are frozen
    flatbuffer = convert(graph, quantize, representative)
    flexible = [
        name for name in operators(flatbuffer) if name.startswith("Flex")
    ]
    if flexible:  # the converter was told built-ins only; check anyway
        raise RuntimeError(f"the .tflite file needs Flex ops {flexible}")
    with open(path, "wb") as file:
        file.write(flatbuffer)


def operators(flatbuffer):
    """The names of the operators a `.tflite` file uses, sorted: built-in
    ones as TFLite names them (`FULLY_CONNECTED`), custom ones by their
    custom code (Flex ops are `Flex...`)."""
    from ai_edge_litert import schema_py_generated as schema

    builtin_names = {
        value: name
        for name, value in vars(schema.BuiltinOperator).items()
        if not name.startswith("_")
    }
    model = schema.Model.GetRootAsModel(flatbuffer, 0)
    names = set()
    for i in range(model.OperatorCodesLength()):
        code = model.OperatorCodes(i)
        builtin = max(code.BuiltinCode(), code.DeprecatedBuiltinCode())
        if code.CustomCode():
            names.add(code.CustomCode().decode("utf-8"))
        else:
            names.add(builtin_names[builtin])
    return sorted(names)


class Runtime:
    """The `.tflite` file at `path` in the LiteRT interpreter; `run(feed)`
    calls its signature with a dict of named numpy arrays (inputs of
    another batch size are resized)."""

    def __init__(self, path, graph):
        from ai_edge_litert.interpreter import Interpreter

        self._interpreter = Interpreter(model_path=str(path))
        self._runner = self._interpreter.get_signature_runner()

    def run(self, feed):
        outputs = self._runner(**feed)
        return {name: np.asarray(value) for name, value in outputs.items()}
