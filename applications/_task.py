"""The shape of every application model, after KerasHub's tasks.

A task is a `backbone` (the attention network: ids or pixels in, features
out, a `keras_hub.models.Backbone`, whose config keeps the dtype policy),
a `preprocessor` (raw inputs to what the backbone takes, saved in the
task's config, so that a `.keras` file maps raw inputs to outputs on every
backend) and a head, with compile defaults: `compile()` with no arguments
applies `default_optimizer()`, `default_loss()` and `default_metrics()`.

`TaskMethods` holds what tasks do with raw inputs and compile defaults;
`Task` is the functional model most applications build.

Why not `keras_hub.models.Task` itself: its `fit`/`predict` run the
preprocessor inside a `tf.data` pipeline, which wants TensorFlow string
ops; our preprocessors are plain Python (any backend, no TensorFlow at
prediction time), so `Task` applies them before handing arrays to Keras.
"""

import contextlib

import keras
import keras_hub
from keras import saving


@contextlib.contextmanager
def dtype_policy(dtype):
    """Layers created inside take the dtype policy `dtype` (if given), as
    KerasHub backbones pass `dtype=` to each of their layers."""
    if dtype is None:
        yield
        return
    previous = keras.config.dtype_policy()
    keras.config.set_dtype_policy(keras.dtype_policies.get(dtype))
    try:
        yield
    finally:
        keras.config.set_dtype_policy(previous)


class Backbone(keras_hub.models.Backbone):
    """A functional backbone whose constructor arguments are `config`.

    Subclasses build the graph and call `super().__init__(inputs=...,
    outputs=..., config={...}, dtype=dtype)` with their constructor
    arguments (besides `dtype`, `name`, `trainable`) in `config`; they
    become attributes of the same names, and `get_config` returns them
    with KerasHub's `name`, `trainable` and `dtype`.
    """

    def __init__(self, *args, config, **kwargs):
        super().__init__(*args, **kwargs)
        self.__dict__["_arguments"] = dict(config)
        for name, value in config.items():
            setattr(self, name, value)

    def get_config(self):
        return {**super().get_config(), **self._arguments}


class TaskMethods:
    """What a task does besides computing: `fit`, `evaluate` and `predict`
    take raw inputs (what `preprocessor` maps: lists of strings, file
    paths), or what the backbone takes (arrays of ids or pixels, and
    `tf.data.Dataset`s or `keras.utils.PyDataset`s of them: a pipeline
    applies `model.preprocessor` itself); `compile()` applies the
    defaults; `quantize` quantizes the backbone (the small head stays in
    float, so the task's config still describes it); the config holds the
    backbone and the preprocessor.

    A mixin, not a `keras.Model`: Keras rewrites the base classes of a
    model subclass built as a functional model (its
    `inject_functional_model_class` turns `keras.Model` into `Functional`
    all up the hierarchy), so a task with no graph (the recommender) must
    not share a `keras.Model` subclass with the functional `Task`s.
    """

    # The preprocessor's class, as KerasHub's tasks name it; a task's
    # module imports it, which registers it for loading.
    preprocessor_cls = None

    # Compile defaults ------------------------------------------------------

    def default_optimizer(self):
        raise NotImplementedError

    def default_loss(self):
        raise NotImplementedError

    def default_metrics(self):
        return []

    def compile(self, optimizer="auto", loss="auto", metrics="auto", **kwargs):
        if isinstance(optimizer, str) and optimizer == "auto":
            optimizer = self.default_optimizer()
        if isinstance(loss, str) and loss == "auto":
            loss = self.default_loss()
        if isinstance(metrics, str) and metrics == "auto":
            metrics = self.default_metrics()
        super().compile(
            optimizer=optimizer, loss=loss, metrics=metrics, **kwargs
        )

    def compile_from_config(self, config):
        # Keras skips compiling a loaded model whose `compile` is
        # overridden; ours takes the standard arguments, so do it.
        config = saving.deserialize_keras_object(config)
        self.compile(**config)
        if self.built:
            self.optimizer.build(self.trainable_variables)

    def quantize(self, mode, **kwargs):
        """Quantizes the backbone (`keras.Model.quantize`), whose config
        keeps the quantized layers' dtype policies."""
        self.backbone.quantize(mode, **kwargs)
        # Compiled functions hold the float weights: trace them anew.
        self.train_function = None
        self.test_function = None
        self.predict_function = None

    # Raw inputs ------------------------------------------------------------

    def preprocess(self, x):
        """What the backbone takes, of raw inputs (or `x` unchanged)."""
        if self.preprocessor is None:
            return x
        return self.preprocessor(x)

    def preprocess_pairs(self, x, y=None):
        """`(x, y)` as the backbone and the loss take them, of raw
        examples: here the inputs are mapped and `y` stays (a
        sequence-to-sequence task maps both)."""
        return self.preprocess(x), y

    def fit(self, x=None, y=None, *args, validation_data=None, **kwargs):
        if isinstance(validation_data, (tuple, list)):
            validation_data = (
                *self.preprocess_pairs(*validation_data[:2]),
                *validation_data[2:],
            )
        x, y = self.preprocess_pairs(x, y)
        return super().fit(
            x, y, *args, validation_data=validation_data, **kwargs
        )

    def evaluate(self, x=None, y=None, *args, **kwargs):
        x, y = self.preprocess_pairs(x, y)
        return super().evaluate(x, y, *args, **kwargs)

    def predict(self, x, *args, **kwargs):
        return super().predict(self.preprocess(x), *args, **kwargs)

    # Config ----------------------------------------------------------------

    def get_config(self):
        # Not chained to Functional's nested graph config: the constructor
        # arguments, as KerasHub's tasks do.
        return {
            "backbone": saving.serialize_keras_object(self.backbone),
            "preprocessor": saving.serialize_keras_object(self.preprocessor),
            "name": self.name,
            "trainable": self.trainable,
        }

    @classmethod
    def from_config(cls, config):
        config = dict(config)
        for name in ("backbone", "preprocessor"):
            if isinstance(config.get(name), dict):
                config[name] = saving.deserialize_keras_object(config[name])
        return cls(**config)


class Task(TaskMethods, keras.Model):
    """A functional model of `backbone`, `preprocessor` and a head
    (`TaskMethods` says what it does with them).

    Subclasses build the graph and call `super().__init__(inputs=...,
    outputs=...)`.
    """

    def __init__(self, *args, backbone, preprocessor, **kwargs):
        super().__init__(*args, **kwargs)
        # Untracked (plain __dict__): the backbone is a layer of the
        # graph already, the preprocessor no layer at all.
        self.__dict__["backbone"] = backbone
        self.__dict__["preprocessor"] = preprocessor
        self.dtype_policy = backbone.dtype_policy
