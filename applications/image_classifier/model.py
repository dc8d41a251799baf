"""`ImageClassifierBackbone` and `ImageClassifier`: images to pooled
features with attention, and to class probabilities."""

import keras_hub
from keras import layers
from keras import ops
from keras import saving

from applications._classifier import Classifier
from applications._task import Backbone
from applications._task import dtype_policy
from applications.image_classifier.defaults import ATTENTIONS
from applications.image_classifier.preprocessor import (
    ImageClassifierPreprocessor,
)
from attention_zoo.layers import CBAM
from attention_zoo.layers import AttentionPooling
from attention_zoo.layers import ChannelAttention
from attention_zoo.layers import MultiHeadAttention
from attention_zoo.layers import SpatialAttention

AUGMENTATIONS = ("flip", "translate")
# The scale of each attention's map in `plot_image_attention`: sigmoid
# gates on 0 to 1 ("unit"); the pooling's probabilities over the patches,
# and SE's non-negative activation map, as ratios to uniform ("uniform").
ATTENTION_SCALES = {
    "cbam": "unit",
    "spatial": "unit",
    "se": "uniform",
    "multi_head": "uniform",
    "none": None,
}


@saving.register_keras_serializable(package="applications")
class ImageClassifierBackbone(Backbone):
    """Images in, attention-pooled features out.

    Images `(batch, height, width, channels)` in their own range (uint8
    0-255 or floats) are normalized per channel with the training set's
    `mean` and `variance` (`keras.layers.Normalization`), augmented while
    training only (`augmentation`: `"flip"` horizontal flips, `"translate"`
    shifts of up to a tenth of the size), then:

    - `attention="cbam" | "se" | "spatial" | "none"`: a small residual CNN
      (He et al. 2016). A 3x3 stem (stride `stem_strides`), then one
      stage per entry of `widths`, each of `blocks` residual blocks
      `y = relu(x + A(F(x)))`, where `F` is conv-BN-ReLU-conv-BN and the
      first block of each stage after the first halves the resolution.
      `A` is the attention module on the residual branch, where SE-ResNet
      and CBAM-ResNet put it:
      `ChannelAttention` (squeeze-and-excitation, Hu et al. 2018),
      `SpatialAttention`, `CBAM` (Woo et al. 2018), or nothing. Global
      average pooling follows.
    - `attention="multi_head"`: a small ViT-style encoder (Dosovitskiy et
      al. 2021): a 3x3 convolutional stem, non-overlapping
      `patch_size` patches projected to `widths[-1]`, learned positions
      (`keras_hub.layers.PositionEmbedding`), `depth` pre-norm Transformer
      blocks of multi-head self-attention and a GELU MLP, then
      `AttentionPooling` over the patches.

    Outputs a dict: `"features"` `(batch, dim)` and, except for `none`,
    `"attention"`, a map `(batch, h, w)` over the last feature grid: the
    spatial attention of the last block (`spatial`, `cbam`), the patch
    weights of the pooling (`multi_head`), or for `se`, whose attention
    weighs channels, not places, the residual branch's activations
    averaged with the SE weights, `m = sum_c s_c relu(f_c) / sum_c s_c`
    (where the channels SE favours are active).

    Args:
        image_shape: `(height, width, channels)` of the inputs.
        mean, variance: per-channel statistics of the training images.
        attention: one of `ATTENTIONS`.
        widths: channels per stage (the last is the ViT width).
        blocks: residual blocks per stage.
        stem_strides: stride of the CNN's 3x3 stem; 2 halves the
            resolution first, 4x less work for small, centred images.
        depth: Transformer blocks of `multi_head`.
        patch_size: ViT patch side; the image side must divide by it.
        num_heads: heads of `multi_head`.
        reduction_ratio: channel bottleneck of SE and CBAM.
        augmentation: a tuple of names from `AUGMENTATIONS`.
        dropout: dropout rate of the ViT.
        dtype: the dtype policy of the layers (kept in the config).

    Example:

    >>> backbone = ImageClassifierBackbone((16, 16, 1), [0.5], [0.25],
    ...                                    widths=(8, 16))
    >>> tuple(backbone(np.zeros((2, 16, 16, 1)))["attention"].shape)
    (2, 4, 4)
    """

    def __init__(
        self,
        image_shape,
        mean,
        variance,
        attention="cbam",
        widths=(32, 64, 128),
        blocks=1,
        stem_strides=2,
        depth=4,
        patch_size=4,
        num_heads=4,
        reduction_ratio=8,
        augmentation=("flip",),
        dropout=0.2,
        dtype=None,
        **kwargs,
    ):
        if attention not in ATTENTIONS:
            raise ValueError(
                f"`attention` must be one of {', '.join(ATTENTIONS)}; "
                f"received attention={attention!r}."
            )
        image_shape = tuple(int(size) for size in image_shape)
        if len(image_shape) != 3 or min(image_shape) < 1:
            raise ValueError(
                "`image_shape` must be (height, width, channels); "
                f"received image_shape={image_shape!r}."
            )
        unknown = set(augmentation) - set(AUGMENTATIONS)
        if unknown:
            raise ValueError(
                f"`augmentation` must hold names from {AUGMENTATIONS}; "
                f"received {sorted(unknown)}."
            )
        widths = tuple(int(width) for width in widths)
        if attention == "multi_head" and (
            image_shape[0] % patch_size or image_shape[1] % patch_size
        ):
            raise ValueError(
                f"`patch_size` {patch_size} must divide the image size "
                f"{image_shape[:2]} for attention='multi_head'."
            )

        config = {
            "image_shape": image_shape,
            "mean": [float(value) for value in mean],
            "variance": [float(value) for value in variance],
            "attention": attention,
            "widths": widths,
            "blocks": blocks,
            "stem_strides": stem_strides,
            "depth": depth,
            "patch_size": patch_size,
            "num_heads": num_heads,
            "reduction_ratio": reduction_ratio,
            "augmentation": tuple(augmentation),
            "dropout": dropout,
        }
        with dtype_policy(dtype):
            images = layers.Input(image_shape, name="images")
            x = layers.Normalization(
                mean=config["mean"],
                variance=config["variance"],
                name="normalize",
            )(images)
            if "flip" in augmentation:
                x = layers.RandomFlip("horizontal", name="random_flip")(x)
            if "translate" in augmentation:
                x = layers.RandomTranslation(
                    0.1, 0.1, fill_mode="constant", name="random_translation"
                )(x)
            if attention == "multi_head":
                features, weights = _vision_transformer(
                    x, widths, depth, patch_size, num_heads, dropout
                )
            else:
                features, weights = _residual_network(
                    x, attention, widths, blocks, stem_strides, reduction_ratio
                )
        outputs = {"features": features}
        if weights is not None:
            outputs["attention"] = weights
        super().__init__(
            inputs=images, outputs=outputs, config=config, dtype=dtype, **kwargs
        )


@saving.register_keras_serializable(package="applications")
class ImageClassifier(Classifier):
    """An image classifier whose attention shows where it looked.

    `ImageClassifierPreprocessor` turns image files (or arrays) into
    arrays of the model's image shape, the `ImageClassifierBackbone`
    pools them with attention, and a softmax layer gives the class
    probabilities. `explain(images)` returns the backbone's attention map
    `(n, h, w)` with the probabilities (not for `attention="none"`).
    `compile()` with no arguments applies AdamW at `learning_rate` with
    `weight_decay`, cross-entropy with label smoothing, and accuracy,
    macro precision, recall, F1 and PR-AUC.

    Args:
        backbone: an `ImageClassifierBackbone`.
        preprocessor: an `ImageClassifierPreprocessor` of the same
            `image_shape`, or `None` (arrays only).
        labels: the class names, class `i` being `labels[i]`.
        dropout: dropout rate before the softmax layer.

    Example:

    >>> backbone = ImageClassifierBackbone((16, 16, 1), [0.5], [0.25],
    ...                                    widths=(8, 16))
    >>> preprocessor = ImageClassifierPreprocessor((16, 16, 1))
    >>> model = ImageClassifier(backbone, preprocessor, ["a", "b"])
    >>> model.predict(np.zeros((2, 16, 16, 1)), verbose=0).shape
    (2, 2)
    """

    preprocessor_cls = ImageClassifierPreprocessor
    learning_rate = 3e-3
    weight_decay = 0.05
    label_smoothing = 0.1

    def __init__(self, backbone, preprocessor, labels, dropout=0.2, **kwargs):
        if preprocessor is not None and tuple(
            preprocessor.image_shape
        ) != tuple(backbone.image_shape):
            raise ValueError(
                "`preprocessor.image_shape` and `backbone.image_shape` must "
                f"agree; received {preprocessor.image_shape} and "
                f"{backbone.image_shape}."
            )
        super().__init__(backbone, preprocessor, labels, dropout, **kwargs)

    @property
    def image_shape(self):
        return self.backbone.image_shape

    @property
    def attention_scale(self):
        """The `scale` of `plot_image_attention` for `explain`'s maps:
        `"unit"` (sigmoid maps of `spatial` and `cbam`), `"uniform"`
        (`multi_head`'s probabilities over the patches; `se`'s map,
        relative to its mean), or `None` (`none`)."""
        return ATTENTION_SCALES[self.backbone.attention]


def _conv_bn(x, filters, strides, name, activation=True):
    x = layers.Conv2D(
        filters,
        3,
        strides=strides,
        padding="same",
        use_bias=False,
        name=f"{name}_conv",
    )(x)
    x = layers.BatchNormalization(name=f"{name}_bn")(x)
    return layers.ReLU(name=f"{name}_relu")(x) if activation else x


def _residual_network(
    x, attention, widths, blocks, stem_strides, reduction_ratio
):
    """Pooled features and the attention map of the last block."""
    x = _conv_bn(x, widths[0], stem_strides, "stem")
    weights = None
    for stage, width in enumerate(widths):
        for block in range(blocks):
            name = f"stage{stage + 1}_block{block + 1}"
            strides = 2 if stage > 0 and block == 0 else 1
            shortcut = x
            if strides != 1 or x.shape[-1] != width:
                shortcut = layers.Conv2D(
                    width, 1, strides=strides, name=f"{name}_shortcut"
                )(x)
            y = _conv_bn(x, width, strides, f"{name}_a")
            y = _conv_bn(y, width, 1, f"{name}_b", activation=False)
            if attention == "se":
                attended, channel_weights = ChannelAttention(
                    reduction_ratio, name=f"{name}_se"
                )(y, return_attention_scores=True)
                weights = (
                    ops.sum(
                        ops.relu(y) * channel_weights[:, None, None, :], axis=-1
                    )
                    / ops.sum(channel_weights, axis=-1)[:, None, None]
                )
                y = attended
            elif attention == "spatial":
                y, weights = SpatialAttention(name=f"{name}_spatial")(
                    y, return_attention_scores=True
                )
            elif attention == "cbam":
                y, weights = CBAM(reduction_ratio, name=f"{name}_cbam")(
                    y, return_attention_scores=True
                )
            x = layers.ReLU(name=f"{name}_out")(
                layers.Add(name=f"{name}_add")([shortcut, y])
            )
    return layers.GlobalAveragePooling2D(name="pool")(x), weights


def _vision_transformer(x, widths, depth, patch_size, num_heads, dropout):
    """Pooled patch features and the pooling weights `(batch, h, w)`."""
    width = widths[-1]
    x = _conv_bn(x, widths[0], 1, "stem")
    x = layers.Conv2D(
        width, patch_size, strides=patch_size, name="patch_embedding"
    )(x)
    grid = x.shape[1:3]
    x = layers.Reshape((grid[0] * grid[1], width), name="patches")(x)
    x = x + keras_hub.layers.PositionEmbedding(
        grid[0] * grid[1], name="position_embedding"
    )(x)
    for block in range(depth):
        name = f"encoder{block + 1}"
        y = layers.LayerNormalization(name=f"{name}_attention_norm")(x)
        y = MultiHeadAttention(
            num_heads,
            key_dim=width // num_heads,
            dropout=dropout,
            name=f"{name}_attention",
        )(y, y)
        x = x + layers.Dropout(dropout, name=f"{name}_attention_drop")(y)
        y = layers.LayerNormalization(name=f"{name}_mlp_norm")(x)
        y = layers.Dense(2 * width, activation="gelu", name=f"{name}_mlp")(y)
        y = layers.Dense(width, name=f"{name}_mlp_output")(y)
        x = x + layers.Dropout(dropout, name=f"{name}_mlp_drop")(y)
    x = layers.LayerNormalization(name="final_norm")(x)
    pooled, weights = AttentionPooling(name="pooling")(
        x, return_attention_scores=True
    )
    return pooled, layers.Reshape(grid, name="patch_weights")(weights)
