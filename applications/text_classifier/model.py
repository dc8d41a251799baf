"""`TextClassifier`: raw text in, class probabilities out, with attention."""

import keras
import numpy as np
from keras import layers
from keras import ops
from keras import saving

from applications._classifier import RecipeDefaults
from applications.text_classifier.data import split_words
from attention_zoo.layers import AttentionPooling
from attention_zoo.layers import MultiHeadAttention
from attention_zoo.layers import get

ATTENTIONS = ("bahdanau", "luong", "cosine", "multi_head")
PADDING, OOV = "", "[UNK]"  # token ids 0 and 1


@saving.register_keras_serializable(package="applications")
class TextClassifier(RecipeDefaults, keras.Model):
    """A text classifier whose attention shows which words it read.

    Token ids (0 = padding, 1 = out of vocabulary) are embedded, then:

    - `attention="bahdanau" | "luong" | "cosine"`: a convolutional encoder
      (`Conv1D`, ReLU) gives states `h_t`; their masked mean `q` asks the
      attention layer of that name (`attention_zoo.layers.get`) which
      states matter, `c = sum_t a_t h_t` with `a = softmax_t(score(q,
      h_t))`, and `[c, q]` goes to the classifier head;
    - `attention="multi_head"`: a Transformer encoder block (learned
      positions, masked multi-head self-attention, feed-forward network,
      post-norm residuals), then `AttentionPooling`.

    The word weights `a` (batch, sequence_length) come from `explain`.
    The vocabulary is part of the model (a constructor argument, so it is
    saved in the `.keras` file), and `fit`, `evaluate` and `predict` take
    raw strings as well as token ids. Tokenization is plain Python
    (`data.standardize`, whitespace split, dictionary look-up, the
    conventions of `keras.layers.TextVectorization`), so a saved model
    gives the same ids, and the same predictions, on every backend, and
    the graph itself takes only integer ids (exportable to TFLite
    without Flex string ops). We do not use `TextVectorization` or
    KerasHub's `WordPieceTokenizer` here on purpose: both are TensorFlow
    string ops, so a model holding them predicts only on the TensorFlow
    backend, and a pipeline applying them outside the model would need
    TensorFlow text ops at prediction time on JAX and PyTorch too; the
    vocabulary would still have to be saved next to the model by hand.

    Args:
        vocabulary: the words, most frequent first, without the padding
            and out-of-vocabulary tokens (ids 2, 3, ... in order).
        labels: the class names, class `i` being `labels[i]`.
        attention: one of `"bahdanau"`, `"luong"`, `"cosine"`,
            `"multi_head"`.
        sequence_length: tokens kept from the start of each text.
        embedding_dim: size of the word embeddings.
        hidden_dim: encoder width (convolution filters; feed-forward
            width of the Transformer block).
        num_heads: heads of `"multi_head"`.
        kernel_size: width of the convolution.
        dropout: dropout rate of embeddings, encoder and head.

    Example:

    >>> model = TextClassifier(["good", "bad"], ["neg", "pos"],
    ...                        sequence_length=8)
    >>> model.predict(["a good film"], verbose=0).shape
    (1, 2)
    """

    recipe_module = "applications.text_classifier.recipe"

    def __init__(
        self,
        vocabulary,
        labels,
        attention="bahdanau",
        sequence_length=256,
        embedding_dim=64,
        hidden_dim=64,
        num_heads=2,
        kernel_size=5,
        dropout=0.25,
        **kwargs,
    ):
        if attention not in ATTENTIONS:
            raise ValueError(
                f"`attention` must be one of {', '.join(ATTENTIONS)}; "
                f"received attention={attention!r}."
            )
        vocabulary = [str(word) for word in vocabulary]
        labels = [str(label) for label in labels]
        if len(labels) < 2 or len(set(labels)) != len(labels):
            raise ValueError(
                "`labels` must hold at least 2 distinct class names; "
                f"received labels={labels!r}."
            )
        reserved = {PADDING, OOV}.intersection(vocabulary)
        if reserved:
            raise ValueError(
                "`vocabulary` must not hold the padding ('') or "
                f"out-of-vocabulary ('[UNK]') token; received {reserved}."
            )

        token_ids = keras.Input(
            (sequence_length,), dtype="int32", name="token_ids"
        )
        mask = ops.not_equal(token_ids, 0)
        x = layers.Embedding(
            len(vocabulary) + 2, embedding_dim, name="embedding"
        )(token_ids)
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
            attended = layers.Dropout(dropout, name="attention_dropout")(
                attended
            )
            x = layers.LayerNormalization(name="attention_norm")(x + attended)
            hidden = layers.Dense(
                hidden_dim, activation="relu", name="intermediate"
            )(x)
            hidden = layers.Dense(embedding_dim, name="feedforward_output")(
                hidden
            )
            hidden = layers.Dropout(dropout, name="feedforward_dropout")(hidden)
            x = layers.LayerNormalization(name="feedforward_norm")(x + hidden)
            pooled, weights = AttentionPooling(name="attention")(
                x, mask=mask, return_attention_scores=True
            )
        else:
            # Padding embeds to zeros, so convolution windows at the end of
            # a text see zeros there, as at its start.
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
                query,
                states,
                value_mask=mask,
                return_attention_scores=True,
            )
            pooled = layers.Concatenate(name="context_and_query")(
                [context, query]
            )
        pooled = layers.Dropout(dropout, name="pooled_dropout")(pooled)
        probabilities = layers.Dense(
            len(labels),
            activation="softmax",
            dtype="float32",
            name="probabilities",
        )(pooled)
        super().__init__(inputs=token_ids, outputs=probabilities, **kwargs)

        self.vocabulary = vocabulary
        self.labels = labels
        self.attention = attention
        self.sequence_length = sequence_length
        self.embedding_dim = embedding_dim
        self.hidden_dim = hidden_dim
        self.num_heads = num_heads
        self.kernel_size = kernel_size
        self.dropout = dropout
        # Untracked (plain __dict__): not layers, not saved.
        self.__dict__["_explainer"] = keras.Model(
            token_ids, [probabilities, weights]
        )
        self.__dict__["_index"] = {
            word: i for i, word in enumerate(vocabulary, start=2)
        }

    def get_config(self):
        return {
            "name": self.name,
            "trainable": self.trainable,
            "vocabulary": list(self.vocabulary),
            "labels": list(self.labels),
            "attention": self.attention,
            "sequence_length": self.sequence_length,
            "embedding_dim": self.embedding_dim,
            "hidden_dim": self.hidden_dim,
            "num_heads": self.num_heads,
            "kernel_size": self.kernel_size,
            "dropout": self.dropout,
        }

    @classmethod
    def from_config(cls, config):
        return cls(**config)

    # Text in ---------------------------------------------------------------

    def words(self, text):
        """The words of `text` at its token positions (at most
        `sequence_length`)."""
        return split_words(text)[: self.sequence_length]

    def vectorize(self, texts):
        """`(len(texts), sequence_length)` int32 token ids of raw texts."""
        if isinstance(texts, str):
            texts = [texts]
        ids = np.zeros((len(texts), self.sequence_length), dtype="int32")
        index = self._index
        for row, text in enumerate(texts):
            tokens = [index.get(word, 1) for word in self.words(text)]
            ids[row, : len(tokens)] = tokens
        return ids

    def _token_ids(self, x):
        if isinstance(x, str):
            return self.vectorize([x])
        if isinstance(x, (list, tuple)) and x and isinstance(x[0], str):
            return self.vectorize(list(x))
        if isinstance(x, np.ndarray) and x.dtype.kind in "OUS":
            return self.vectorize(
                [t.decode("utf-8") if isinstance(t, bytes) else t for t in x]
            )
        return x

    def fit(self, x=None, y=None, *args, validation_data=None, **kwargs):
        if validation_data is not None:
            validation_data = (
                self._token_ids(validation_data[0]),
                *validation_data[1:],
            )
        return super().fit(
            self._token_ids(x),
            y,
            *args,
            validation_data=validation_data,
            **kwargs,
        )

    def evaluate(self, x=None, y=None, *args, **kwargs):
        return super().evaluate(self._token_ids(x), y, *args, **kwargs)

    def predict(self, x, *args, **kwargs):
        return super().predict(self._token_ids(x), *args, **kwargs)

    def explain(self, x, batch_size=64, verbose=0):
        """`(probabilities, weights)`: class probabilities `(n, classes)`
        and attention weights over token positions `(n,
        sequence_length)`, 0 at padding."""
        return self._explainer.predict(
            self._token_ids(x), batch_size=batch_size, verbose=verbose
        )
