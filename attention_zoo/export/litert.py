"""LiteRT (TFLite): written by `tf.lite.TFLiteConverter` with TFLite's
built-in operators only, run by the `ai_edge_litert` interpreter.

Built-in operators only, because the stock interpreter of TensorFlow
2.20+ and `ai-edge-litert` no longer runs Flex (select TensorFlow) ops
(LiteRT#6458): a model that needs one fails to convert here instead of
failing on the phone. The variables are frozen into constants first:
the converter leaves variables read inside a loop body (a decoder's
`while`) as `READ_VARIABLE` ops that the interpreter cannot run.
"""

import numpy as np


def converter(graph, quantize="none", representative=None):
    """A `tf.lite.TFLiteConverter` of `graph`, set for `quantize`:
    `"float16"` weights, `"dynamic_int8"` (int8 weights, float
    activations), `"int8"` (int8 weights and activations, calibrated on
    `representative`, a list of feeds; operators without an int8 kernel
    stay float), or `"none"`."""
    import tensorflow as tf
    from tensorflow.python.framework.convert_to_constants import (
        convert_variables_to_constants_v2,
    )

    concrete = graph.tf_function().get_concrete_function()
    frozen = convert_variables_to_constants_v2(concrete)
    # Freezing drops the output names; a function around it gives them
    # back, so that the file's signature names inputs and outputs.
    names = sorted(concrete.structured_outputs)  # tf.nest's order

    @tf.function(input_signature=graph.signature())
    def named(*args):
        return dict(zip(names, frozen(*args)))

    module = tf.Module()
    module.named = named
    result = tf.lite.TFLiteConverter.from_concrete_functions(
        [named.get_concrete_function()], module
    )
    result.target_spec.supported_ops = [tf.lite.OpsSet.TFLITE_BUILTINS]
    if quantize != "none":
        result.optimizations = [tf.lite.Optimize.DEFAULT]
    if quantize == "float16":
        result.target_spec.supported_types = [tf.float16]
    if quantize == "int8":
        if not representative:
            raise ValueError("int8 quantization needs representative feeds.")
        names = list(graph.inputs)

        def examples():
            for feed in representative:
                yield [feed[name] for name in names]

        result.representative_dataset = examples
    return result


def write(model, graph, path, quantize="none", representative=None):
    """Writes `graph` as a `.tflite` file at `path`."""
    del model  # the graph's function holds it; its weights are frozen
    flatbuffer = converter(graph, quantize, representative).convert()
    flexible = [name for name in operators(flatbuffer) if name.startswith("Flex")]
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
        self._graph = graph

    def run(self, feed):
        outputs = self._runner(**feed)
        return {name: np.asarray(value) for name, value in outputs.items()}
