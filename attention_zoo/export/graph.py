"""`Graph`: the function an export holds, with its input signature."""

from dataclasses import dataclass
from dataclasses import field


@dataclass
class Graph:
    """`function(**inputs)` returns a dict of named output tensors.

    Attributes:
        function: TensorFlow-traceable (Keras ops on the TensorFlow
            backend, `tf.*`).
        inputs: `{name: (shape, dtype)}`, `None` for a free dimension.
        resources: trackable objects the function uses besides the
            model's variables (a tokenizer's lookup table or model), saved
            with a SavedModel.
    """

    function: object
    inputs: dict
    resources: list = field(default_factory=list)

    def signature(self):
        """The inputs as named `tf.TensorSpec`s, in order."""
        import tensorflow as tf

        return [
            tf.TensorSpec(shape, dtype, name=name)
            for name, (shape, dtype) in self.inputs.items()
        ]

    def tf_function(self):
        """A `tf.function` of positional inputs in `inputs`' order."""
        import tensorflow as tf

        names = list(self.inputs)

        def function(*args):
            return self.function(**dict(zip(names, args)))

        return tf.function(function, input_signature=self.signature())

    def frozen(self):
        """`(function, output_names)`: the concrete function of
        `tf_function` with the model's variables (and captured tensors)
        turned into constants, and the names of its outputs in order.
        The converters take it: the LiteRT converter leaves variables read
        inside a loop body (a decoder's `while`) as `READ_VARIABLE` ops
        its interpreter cannot run, and `tf2onnx` makes captured tensors
        graph inputs."""
        from tensorflow.python.framework.convert_to_constants import (
            convert_variables_to_constants_v2,
        )

        concrete = self.tf_function().get_concrete_function()
        names = sorted(concrete.structured_outputs)  # tf.nest's order
        return convert_variables_to_constants_v2(concrete), names

    def frozen_function(self):
        """`frozen` as a `tf.function` returning the dict of named
        outputs."""
        import tensorflow as tf

        frozen, names = self.frozen()

        @tf.function(input_signature=self.signature())
        def named(*args):
            return dict(zip(names, frozen(*args)))

        return named
