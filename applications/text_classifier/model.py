"""`TextClassifierBackbone` and `TextClassifier`: token ids to pooled
features with attention, and raw text to class probabilities."""

from keras import layers
from keras import ops
from keras import saving

from applications._classifier import Classifier
from applications._task import Backbone
from applications._task import dtype_policy
from applications.text_classifier.defaults import ATTENTIONS
from applications.text_classifier.preprocessor import TextClassifierPreprocessor
from attention_zoo.layers import AttentionPooling
from attention_zoo.layers import MultiHeadAttention
from attention_zoo.layers import get


@saving.register_keras_serializable(package="applications")
class TextClassifierBackbone(Backbone):
    """Token ids in, an attention-pooled text vector out.

    Token ids `(batch, sequence_length)` (0 = padding) are embedded, then:

    - `attention="bahdanau" | "luong" | "cosine"`: a convolutional encoder
      (`Conv1D`, ReLU) gives states `h_t`; their masked mean `q` asks the
      attention layer of that name (`attention_zoo.layers.get`) which
      states matter, `c = sum_t a_t h_t` with `a = softmax_t(score(q,
      h_t))`, and the features are `[c, q]`;
    - `attention="multi_head"`: a Transformer encoder block (learned
      positions, masked multi-head self-attention, feed-forward network,
      post-norm residuals), then `AttentionPooling`.

    Outputs a dict: `"features"` `(batch, dim)` and `"attention"`, the
    word weights `a` `(batch, sequence_length)`, 0 at padding.

    Args:
        vocabulary_size: token ids, padding and out-of-vocabulary
            included (`TextClassifierPreprocessor.vocabulary_size`).
        attention: one of `ATTENTIONS`.
        sequence_length: tokens per text.
        embedding_dim: size of the word embeddings.
        hidden_dim: encoder width (convolution filters; feed-forward
            width of the Transformer block).
        num_heads: heads of `"multi_head"`.
        kernel_size: width of the convolution.
        dropout: dropout rate of embeddings and encoder.
        dtype: the dtype policy of the layers (kept in the config).

    Example:

    >>> backbone = TextClassifierBackbone(10, sequence_length=8)
    >>> outputs = backbone(np.ones((2, 8), "int32"))
    >>> tuple(outputs["features"].shape), tuple(outputs["attention"].shape)
    ((2, 128), (2, 8))

    Reference: Bahdanau et al. 2015 (arXiv:1409.0473), Luong et al. 2015
    (arXiv:1508.04025), Vaswani et al. 2017 (arXiv:1706.03762).
    """

    def __init__(
        self,
        vocabulary_size,
        attention="bahdanau",
        sequence_length=256,
        embedding_dim=64,
        hidden_dim=64,
        num_heads=2,
        kernel_size=5,
        dropout=0.25,
        dtype=None,
        **kwargs,
    ):
        if attention not in ATTENTIONS:
            raise ValueError(
                f"`attention` must be one of {', '.join(ATTENTIONS)}; "
                f"received attention={attention!r}."
            )
        config = {
            "vocabulary_size": vocabulary_size,
            "attention": attention,
            "sequence_length": sequence_length,
            "embedding_dim": embedding_dim,
            "hidden_dim": hidden_dim,
            "num_heads": num_heads,
            "kernel_size": kernel_size,
            "dropout": dropout,
        }
        with dtype_policy(dtype):
            token_ids = layers.Input(
                (sequence_length,), dtype="int32", name="token_ids"
            )
            features, weights = _encode(token_ids, **config)
        super().__init__(
            inputs=token_ids,
            outputs={"features": features, "attention": weights},
            config=config,
            dtype=dtype,
            **kwargs,
        )


def _encode(
    token_ids,
    vocabulary_size,
    attention,
    sequence_length,
    embedding_dim,
    hidden_dim,
    num_heads,
    kernel_size,
    dropout,
):
    """`(features, word weights)` of the token ids."""
    mask = ops.not_equal(token_ids, 0)
    x = layers.Embedding(vocabulary_size, embedding_dim, name="embedding")(
        token_ids
    )
    if attention == "multi_head":
        positions = ops.cumsum(ops.ones_like(token_ids), axis=1) - 1
        x = x + layers.Embedding(
            sequence_length, embedding_dim, name="position_embedding"
        )(positions)
        x = layers.Dropout(dropout, name="embedding_dropout")(x)
        attended = MultiHeadAttention(
            num_heads,
            key_dim=max(1, embedding_dim // num_heads),
            dropout=dropout,
            name="self_attention",
        )(x, x, query_mask=mask, value_mask=mask)
        attended = layers.Dropout(dropout, name="attention_dropout")(attended)
        x = layers.LayerNormalization(name="attention_norm")(x + attended)
        hidden = layers.Dense(
            hidden_dim, activation="relu", name="intermediate"
        )(x)
        hidden = layers.Dense(embedding_dim, name="feedforward_output")(hidden)
        hidden = layers.Dropout(dropout, name="feedforward_dropout")(hidden)
        x = layers.LayerNormalization(name="feedforward_norm")(x + hidden)
        return AttentionPooling(name="attention")(
            x, mask=mask, return_attention_scores=True
        )
    # Padding embeds to zeros, so convolution windows at the end of a text
    # see zeros there, as at its start.
    x = x * ops.expand_dims(ops.cast(mask, x.dtype), -1)
    x = layers.Dropout(dropout, name="embedding_dropout")(x)
    states = layers.Conv1D(
        hidden_dim,
        kernel_size,
        padding="same",
        activation="relu",
        name="encoder",
    )(x)
    real = ops.expand_dims(ops.cast(mask, states.dtype), -1)
    count = ops.maximum(ops.sum(real, axis=1), 1.0)
    query = ops.sum(states * real, axis=1) / count
    options = {
        "bahdanau": {"units": hidden_dim},
        "luong": {"score_mode": "general"},
        "cosine": {},
    }[attention]
    context, weights = get(attention, name="attention", **options)(
        query, states, value_mask=mask, return_attention_scores=True
    )
    features = layers.Concatenate(name="context_and_query")([context, query])
    return features, weights


@saving.register_keras_serializable(package="applications")
class TextClassifier(Classifier):
    """A text classifier whose attention shows which words it read.

    `TextClassifierPreprocessor` maps raw texts to token ids, the
    `TextClassifierBackbone` pools them with attention, and a softmax
    layer gives the class probabilities. `fit`, `evaluate`, `predict`
    and `explain` take raw strings as well as token ids; `explain`
    returns the word weights `(n, sequence_length)` with the
    probabilities. `compile()` with no arguments applies AdamW at
    `learning_rate` with `weight_decay`, cross-entropy and accuracy,
    macro precision, recall, F1 and PR-AUC.

    Args:
        backbone: a `TextClassifierBackbone`.
        preprocessor: a `TextClassifierPreprocessor` of the same
            `sequence_length`.
        labels: the class names, class `i` being `labels[i]`.
        dropout: dropout rate before the softmax layer.

    Example:

    >>> preprocessor = TextClassifierPreprocessor(["good", "bad"], 8)
    >>> backbone = TextClassifierBackbone(
    ...     preprocessor.vocabulary_size, sequence_length=8)
    >>> model = TextClassifier(backbone, preprocessor, ["neg", "pos"])
    >>> model.predict(["a good film"], verbose=0).shape
    (1, 2)
    """

    preprocessor_cls = TextClassifierPreprocessor
    learning_rate = 2e-3
    weight_decay = 0.01

    def __init__(self, backbone, preprocessor, labels, dropout=0.25, **kwargs):
        if preprocessor.sequence_length != backbone.sequence_length:
            raise ValueError(
                "`preprocessor.sequence_length` and "
                "`backbone.sequence_length` must agree; received "
                f"{preprocessor.sequence_length} and "
                f"{backbone.sequence_length}."
            )
        super().__init__(backbone, preprocessor, labels, dropout, **kwargs)

    def words(self, text):
        """The words of `text` at its token positions."""
        return self.preprocessor.words(text)
