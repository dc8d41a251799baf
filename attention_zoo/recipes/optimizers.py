"""AdamW whose weight decay skips biases, norms and embeddings, and keeps
that choice when the model is saved."""

import keras

# Biases, LayerNorm parameters, embedding tables, and the learned scalars of
# attention scores (cosine temperature as in Swin V2, Luong's scale).
NO_DECAY_NAMES = (
    "bias",
    "gamma",
    "beta",
    "embeddings",
    "temperature",
    "scale",
)


@keras.saving.register_keras_serializable(package="attention_zoo")
class AdamW(keras.optimizers.AdamW):
    """`keras.optimizers.AdamW` with decay exclusions that survive saving.

    Decoupled weight decay (Loshchilov and Hutter 2019) shrinks weights
    towards zero; on biases, LayerNorm scales (`gamma`, `beta`), embedding
    tables and the temperature or scale of attention scores it only hurts,
    so variables whose name contains one of `no_decay_names` are excluded.
    Keras's own `exclude_from_weight_decay()` is not part of the
    optimizer's config, so a model reloaded from `.keras` would silently
    decay everything again; here the names are a constructor argument.

    Args:
        no_decay_names: substrings of variable names that get no decay.
        **kwargs: `keras.optimizers.AdamW` arguments (`learning_rate`,
            `weight_decay`, `global_clipnorm`, ...).
    """

    def __init__(self, no_decay_names=NO_DECAY_NAMES, **kwargs):
        super().__init__(**kwargs)
        self.no_decay_names = tuple(no_decay_names)
        if self.no_decay_names:
            self.exclude_from_weight_decay(var_names=list(self.no_decay_names))

    def get_config(self):
        config = super().get_config()
        config["no_decay_names"] = list(self.no_decay_names)
        return config


def adamw(
    learning_rate=1e-3,
    weight_decay=0.01,
    global_clipnorm=1.0,
    no_decay_names=NO_DECAY_NAMES,
    **kwargs,
):
    """The default optimizer of our recipes.

    AdamW with weight decay kept off biases, norms and embeddings, and the
    gradients clipped to a global norm of `global_clipnorm` (`None` to turn
    clipping off). `learning_rate` may be a float or a schedule from
    `attention_zoo.recipes` (`warmup_cosine`, `InverseSquareRoot`, ...).
    """
    return AdamW(
        learning_rate=learning_rate,
        weight_decay=weight_decay,
        global_clipnorm=global_clipnorm,
        no_decay_names=no_decay_names,
        **kwargs,
    )
