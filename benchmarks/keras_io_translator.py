"""The keras.io English-to-Spanish Transformer as a reference translator.

The model of the keras.io example "English-to-Spanish translation with a
sequence-to-sequence Transformer" (fchollet, 2021;
`examples/nlp/neural_machine_translation_with_transformer.py` in
keras-team/keras-io, its Keras 3 version: `keras.ops`, dict inputs, the
decoder called on `[target, encoder output]`, `ignore_class=0`), rewritten
here so that a benchmark can train it and decode with it on TensorFlow,
JAX and PyTorch next to our translator. The code is ours; the recipe is
the example's. (The older tf.keras version differs in one place that
matters: its cross-attention masked encoder positions with the decoder's
causal and padding mask.)

What is reproduced, value for value:

- Text. Targets are wrapped as `"[start] " + spanish + " [end]"`. Two
  `keras.layers.TextVectorization` layers, adapted on the training pairs
  only, 15,000 tokens each (padding `""` and `"[UNK]"` included), split on
  whitespace. English: the layer's default standardization (ASCII
  lowercasing, Keras's punctuation stripped), 20 tokens. Spanish: ASCII
  lowercasing (`tf.strings.lower`, whose default leaves non-ASCII capitals
  such as "É" as they are) and removal of every character of
  `string.punctuation + "¿"` except "[" and "]", 21 tokens (decoder input
  the first 20, targets the last 20). `standardize_reference` applies this
  Spanish standardization to a reference sentence and collapses spaces.
- Data pipeline. `tf.data`: batches of 64 in corpus order, vectorized in
  `map`, then `cache().shuffle(2048).prefetch(16)`: the example shuffles
  whole batches, not sentences, and so does this module.
- Model. A learned positional embedding (token embedding plus an embedding
  of the position 0..19, width 256, Keras's default initializers) for each
  side; one post-norm encoder block and one post-norm decoder block, width
  256 (`embed_dim`, here `hidden_dim`), feed-forward 2048 with ReLU
  (`latent_dim`, here `intermediate_dim`), 8 heads of
  `keras.layers.MultiHeadAttention` with `key_dim=256` per head (the
  example's choice, not 256 / 8), no dropout inside the blocks,
  `LayerNormalization` with Keras's defaults; `Dropout(0.5)` then a
  softmax `Dense(15000)` on the decoder output. 19,960,216 weights.
- Masks, as the example's layers end up applying them under Keras 3.15
  (checked numerically against a line-by-line rebuild of the example on
  TensorFlow, including outputs at padded positions): the encoder
  attends from non-padding to non-padding source tokens; the decoder's
  self-attention is causal and between non-padding target tokens; the
  cross-attention masks padding source tokens only (the example passes a
  query mask there too, but `MultiHeadAttention` replaces it by the Keras
  mask of its query tensor, which that tensor no longer has). A query row
  with every key masked gets Keras's masked softmax, as in the example.
  The decoder's padding mask travels with its output, so Keras reports
  accuracy over non-padding decoder inputs, as it does for the example.
- Training. `compile("rmsprop", SparseCategoricalCrossentropy(
  ignore_class=0), metrics=["accuracy"])` with Keras's defaults (learning
  rate 1e-3), the final weights kept (no best-epoch restore), validation
  after every epoch when validation pairs are given.
- Decoding. Greedy: start from "[start]", recompute the whole transformer
  (encoder and decoder) on the source and the decoded prefix padded to 20
  tokens, take the argmax of the output at step i's position, append it,
  stop at "[end]" or after 20 steps (`max_decoded_sentence_length`).

Deliberate differences, none of which changes a decoded token (the one
on ids beyond the vocabulary replaces a failure of the example):

- Batched decoding. Many sentences go through the model at once and each
  keeps the example's algorithm: its own step counter, its own stop. The
  argmax is taken inside the compiled model rather than on the host
  (first index on ties in both). The prefix is kept as token ids instead
  of a string that is vectorized again at each step; the two are the same
  because every vocabulary token is unchanged by standardization and
  splitting, and a predicted padding token (id 0, the empty string),
  which re-vectorization drops, is dropped here too while the read
  position moves on as in the example. Sentences are decoded in order of
  source length so that a batch ends sooner; the output keeps the input
  order. Finished sentences stay in the batch until it ends; their extra
  predictions are ignored.
- The Spanish standardization runs as its own `tf.strings` step just
  before a `TextVectorization(standardize=None)`, in `adapt` and in the
  `tf.data` map, instead of as the layer's `standardize` callable: on
  JAX and PyTorch, Keras 3.15 hands such a callable NumPy arrays, which
  fails inside `tf.data`. Same function, same place in the pipeline
  (before whitespace splitting), same tokens.
- The causal mask is built from the static sequence length by
  broadcasting instead of `ops.tile` with a dynamic batch size, which is
  why the example says it does not run on JAX (with Keras 3.15 a
  line-by-line rebuild fails on TensorFlow too, while building the
  model); the mask values are equal.
- Output ids beyond the vocabulary. The model always has 15,000 outputs;
  when the training targets hold fewer distinct words (about 14,000 in
  30,000 pairs of this corpus), the vocabulary is shorter and a model
  may pick an id it has no word for. The example's lookup then raises
  `KeyError`; here the word is "[UNK]" and id 1 ("[UNK]") is fed back,
  as vectorizing that word again would. With the example's 83,276
  training pairs the vocabulary is full and this never happens.
- Seeds. `keras.utils.set_random_seed(seed)` (this sets the process's
  global Python, NumPy and backend seeds) and a seeded `shuffle`; the
  example is unseeded.
- A wall-clock budget in `fit`, checked after every batch.
- The example's separate `encoder` and `decoder` models, which it builds
  but never uses, are not built; the train/validation/test split is the
  caller's (the example shuffles all pairs and keeps 70/15/15).

Output of `translate`: the decoded tokens without the leading "[start]"
and the final "[end]", joined by single spaces; they are standardized
Spanish words (ASCII-lowercased, no punctuation) and may include "[UNK]"
(or a "[start]" the model chose), as in the example.

    translator = KerasIoTranslator((english, spanish))
    translator.fit((english, spanish), (val_english, val_spanish), 600)
    translator.translate(["I love to write."])
    # After the example's 30 epochs it reports ['me encanta escribir'].
"""

import re
import string
import time

import keras
import numpy as np
import tensorflow as tf
from keras import ops

VOCABULARY_SIZE = 15000
SEQUENCE_LENGTH = 20
BATCH_SIZE = 64
HIDDEN_DIM = 256
INTERMEDIATE_DIM = 2048
NUM_HEADS = 8
OUTPUT_DROPOUT = 0.5
MAX_DECODED_SENTENCE_LENGTH = 20
SHUFFLE_BUFFER = 2048
PREFETCH = 16
START, END = "[start]", "[end]"

STRIP_CHARS = (string.punctuation + "¿").replace("[", "").replace("]", "")
STRIP_PATTERN = f"[{re.escape(STRIP_CHARS)}]"


def spanish_standardization(texts):
    """The example's target standardization on a string tensor: ASCII
    lowercasing, then every character of `STRIP_CHARS` removed."""
    return tf.strings.regex_replace(tf.strings.lower(texts), STRIP_PATTERN, "")


def standardize_reference(text):
    """A Spanish reference in the example's own terms: the target
    standardization of its `TextVectorization`, then runs of whitespace
    collapsed to single spaces and the ends stripped.

    Example: `standardize_reference("¿Dónde está Él?")` is `"dónde está
    Él"` (the example's lowercasing is ASCII only).
    """
    standardized = spanish_standardization(tf.constant([text]))[0]
    return " ".join(standardized.numpy().decode("utf-8").split())


@keras.saving.register_keras_serializable(package="keras_io_translator")
class PositionalEmbedding(keras.layers.Layer):
    """Token embedding plus a learned embedding of the position.

    Args:
        sequence_length: int, the number of positions embedded.
        vocabulary_size: int, the number of token ids.
        hidden_dim: int, the embedding width.

    Call arguments:
        token_ids: int tensor `(batch, length)`, `length <=
            sequence_length`, 0 is padding.

    Returns:
        float tensor `(batch, length, hidden_dim)`, with the Keras mask
        `token_ids != 0`.
    """

    def __init__(self, sequence_length, vocabulary_size, hidden_dim, **kwargs):
        super().__init__(**kwargs)
        self.sequence_length = sequence_length
        self.vocabulary_size = vocabulary_size
        self.hidden_dim = hidden_dim

    def build(self, token_ids_shape):
        self.token_embedding = keras.layers.Embedding(
            self.vocabulary_size,
            self.hidden_dim,
            dtype=self.dtype_policy,
            name="token_embedding",
        )
        self.token_embedding.build(token_ids_shape)
        self.position_embedding = keras.layers.Embedding(
            self.sequence_length,
            self.hidden_dim,
            dtype=self.dtype_policy,
            name="position_embedding",
        )
        self.position_embedding.build((self.sequence_length,))
        self.built = True

    def call(self, token_ids):
        positions = ops.arange(ops.shape(token_ids)[-1])
        return self.token_embedding(token_ids) + self.position_embedding(
            positions
        )

    def compute_mask(self, token_ids, mask=None):
        return ops.not_equal(token_ids, 0)

    def compute_output_shape(self, token_ids_shape):
        return (*token_ids_shape, self.hidden_dim)

    def get_config(self):
        config = super().get_config()
        config.update(
            {
                "sequence_length": self.sequence_length,
                "vocabulary_size": self.vocabulary_size,
                "hidden_dim": self.hidden_dim,
            }
        )
        return config


def _feed_forward(layer, intermediate_dim, hidden_dim, shape):
    inner = keras.layers.Dense(
        intermediate_dim,
        activation="relu",
        dtype=layer.dtype_policy,
        name="intermediate_dense",
    )
    inner.build(shape)
    outer = keras.layers.Dense(
        hidden_dim, dtype=layer.dtype_policy, name="output_dense"
    )
    outer.build((*shape[:-1], intermediate_dim))
    return inner, outer


def _layer_norm(layer, name, shape):
    norm = keras.layers.LayerNormalization(dtype=layer.dtype_policy, name=name)
    norm.build(shape)
    return norm


def _pair_mask(query_mask, key_mask):
    """`(batch, query, key)` boolean mask from per-token masks."""
    return ops.logical_and(
        ops.expand_dims(ops.cast(query_mask, "bool"), -1),
        ops.expand_dims(ops.cast(key_mask, "bool"), -2),
    )


@keras.saving.register_keras_serializable(package="keras_io_translator")
class EncoderBlock(keras.layers.Layer):
    """The example's post-norm encoder block.

    `x = norm(x + attention(x, x)); x = norm(x + dense(relu(dense(x))))`,
    attention between non-padding tokens only.

    Args:
        hidden_dim: int, the model width.
        intermediate_dim: int, the feed-forward width.
        num_heads: int, attention heads, each of `key_dim=hidden_dim`.

    Call arguments:
        inputs: float tensor `(batch, length, hidden_dim)`.
        mask: optional boolean tensor `(batch, length)`, False at padding
            (Keras passes the mask of `inputs`).

    Returns:
        float tensor `(batch, length, hidden_dim)`; the mask carries over.
    """

    def __init__(self, hidden_dim, intermediate_dim, num_heads, **kwargs):
        super().__init__(**kwargs)
        self.hidden_dim = hidden_dim
        self.intermediate_dim = intermediate_dim
        self.num_heads = num_heads
        self.supports_masking = True

    def build(self, inputs_shape):
        self.self_attention = keras.layers.MultiHeadAttention(
            self.num_heads,
            key_dim=self.hidden_dim,
            dtype=self.dtype_policy,
            name="self_attention",
        )
        self.self_attention.build(inputs_shape, inputs_shape)
        self.attention_norm = _layer_norm(self, "attention_norm", inputs_shape)
        self.intermediate_dense, self.output_dense = _feed_forward(
            self, self.intermediate_dim, self.hidden_dim, inputs_shape
        )
        self.output_norm = _layer_norm(self, "output_norm", inputs_shape)
        self.built = True

    def call(self, inputs, mask=None):
        attention_mask = None if mask is None else _pair_mask(mask, mask)
        attended = self.self_attention(
            query=inputs,
            value=inputs,
            key=inputs,
            attention_mask=attention_mask,
        )
        x = self.attention_norm(inputs + attended)
        fed = self.output_dense(self.intermediate_dense(x))
        return self.output_norm(x + fed)

    def compute_output_shape(self, inputs_shape):
        return inputs_shape

    def get_config(self):
        config = super().get_config()
        config.update(
            {
                "hidden_dim": self.hidden_dim,
                "intermediate_dim": self.intermediate_dim,
                "num_heads": self.num_heads,
            }
        )
        return config


@keras.saving.register_keras_serializable(package="keras_io_translator")
class DecoderBlock(keras.layers.Layer):
    """The example's post-norm decoder block.

    `x = norm(x + causal_self_attention(x)); x = norm(x + attention(x,
    encoder)); x = norm(x + dense(relu(dense(x))))`. Self-attention is
    causal and between non-padding target tokens; cross-attention skips
    padding source tokens and, as in the example, has no query mask.

    Args:
        hidden_dim: int, the model width.
        intermediate_dim: int, the feed-forward width.
        num_heads: int, attention heads, each of `key_dim=hidden_dim`.

    Call arguments:
        decoder_sequence: float tensor `(batch, target_length,
            hidden_dim)`.
        encoder_sequence: float tensor `(batch, source_length,
            hidden_dim)`.
        decoder_sequence_mask, encoder_sequence_mask: optional boolean
            tensors `(batch, length)`, False at padding (Keras passes the
            masks of the two sequences).

    Returns:
        float tensor `(batch, target_length, hidden_dim)`; the decoder's
        mask carries over.
    """

    def __init__(self, hidden_dim, intermediate_dim, num_heads, **kwargs):
        super().__init__(**kwargs)
        self.hidden_dim = hidden_dim
        self.intermediate_dim = intermediate_dim
        self.num_heads = num_heads
        self.supports_masking = True

    def build(self, decoder_sequence_shape, encoder_sequence_shape):
        self.self_attention = keras.layers.MultiHeadAttention(
            self.num_heads,
            key_dim=self.hidden_dim,
            dtype=self.dtype_policy,
            name="self_attention",
        )
        self.self_attention.build(
            decoder_sequence_shape, decoder_sequence_shape
        )
        self.self_attention_norm = _layer_norm(
            self, "self_attention_norm", decoder_sequence_shape
        )
        self.cross_attention = keras.layers.MultiHeadAttention(
            self.num_heads,
            key_dim=self.hidden_dim,
            dtype=self.dtype_policy,
            name="cross_attention",
        )
        self.cross_attention.build(
            decoder_sequence_shape, encoder_sequence_shape
        )
        self.cross_attention_norm = _layer_norm(
            self, "cross_attention_norm", decoder_sequence_shape
        )
        self.intermediate_dense, self.output_dense = _feed_forward(
            self, self.intermediate_dim, self.hidden_dim, decoder_sequence_shape
        )
        self.output_norm = _layer_norm(
            self, "output_norm", decoder_sequence_shape
        )
        self.built = True

    def call(
        self,
        decoder_sequence,
        encoder_sequence,
        decoder_sequence_mask=None,
        encoder_sequence_mask=None,
    ):
        length = ops.shape(decoder_sequence)[1]
        positions = ops.arange(length)
        # (1, length, length): a query attends to itself and earlier keys.
        causal = ops.expand_dims(
            ops.greater_equal(positions[:, None], positions[None, :]), 0
        )
        self_mask = causal
        if decoder_sequence_mask is not None:
            self_mask = ops.logical_and(
                causal,
                _pair_mask(decoder_sequence_mask, decoder_sequence_mask),
            )
        attended = self.self_attention(
            query=decoder_sequence,
            value=decoder_sequence,
            key=decoder_sequence,
            attention_mask=self_mask,
        )
        x = self.self_attention_norm(decoder_sequence + attended)
        cross_mask = None
        if encoder_sequence_mask is not None:
            # (batch, 1, source_length): padding keys only.
            cross_mask = ops.expand_dims(
                ops.cast(encoder_sequence_mask, "bool"), 1
            )
        attended = self.cross_attention(
            query=x,
            value=encoder_sequence,
            key=encoder_sequence,
            attention_mask=cross_mask,
        )
        x = self.cross_attention_norm(x + attended)
        fed = self.output_dense(self.intermediate_dense(x))
        return self.output_norm(x + fed)

    def compute_output_shape(
        self, decoder_sequence_shape, encoder_sequence_shape
    ):
        return decoder_sequence_shape

    def get_config(self):
        config = super().get_config()
        config.update(
            {
                "hidden_dim": self.hidden_dim,
                "intermediate_dim": self.intermediate_dim,
                "num_heads": self.num_heads,
            }
        )
        return config


def build_transformer():
    """The example's end-to-end model: dict inputs `encoder_inputs` and
    `decoder_inputs` (int64 token ids), softmax over the target vocabulary
    at every decoder position. Returns `(transformer, argmax_model)`, the
    second one the same graph ending in the argmax over the vocabulary."""
    encoder_inputs = keras.Input((None,), dtype="int64", name="encoder_inputs")
    decoder_inputs = keras.Input((None,), dtype="int64", name="decoder_inputs")
    x = PositionalEmbedding(
        SEQUENCE_LENGTH, VOCABULARY_SIZE, HIDDEN_DIM, name="source_embedding"
    )(encoder_inputs)
    encoded = EncoderBlock(
        HIDDEN_DIM, INTERMEDIATE_DIM, NUM_HEADS, name="encoder"
    )(x)
    x = PositionalEmbedding(
        SEQUENCE_LENGTH, VOCABULARY_SIZE, HIDDEN_DIM, name="target_embedding"
    )(decoder_inputs)
    x = DecoderBlock(HIDDEN_DIM, INTERMEDIATE_DIM, NUM_HEADS, name="decoder")(
        x, encoded
    )
    x = keras.layers.Dropout(OUTPUT_DROPOUT, name="output_dropout")(x)
    probabilities = keras.layers.Dense(
        VOCABULARY_SIZE, activation="softmax", name="next_token"
    )(x)
    inputs = {
        "encoder_inputs": encoder_inputs,
        "decoder_inputs": decoder_inputs,
    }
    transformer = keras.Model(inputs, probabilities, name="transformer")
    argmax_model = keras.Model(
        inputs, ops.argmax(probabilities, axis=-1), name="transformer_argmax"
    )
    return transformer, argmax_model


class _WallClockStop(keras.callbacks.Callback):
    """Counts steps and stops `fit` at the end of the batch that crosses
    `seconds` of wall time since `fit` began."""

    def __init__(self, seconds):
        super().__init__()
        self.seconds = seconds

    def on_train_begin(self, logs=None):
        self.started = time.perf_counter()
        self.steps = 0
        self.epoch_steps = 0
        self.epochs_done = 0

    def on_epoch_begin(self, epoch, logs=None):
        self.epoch_steps = 0

    def on_train_batch_end(self, batch, logs=None):
        self.steps += 1
        self.epoch_steps += 1
        if time.perf_counter() - self.started >= self.seconds:
            self.model.stop_training = True

    def on_epoch_end(self, epoch, logs=None):
        self.epochs_done += 1

    def on_train_end(self, logs=None):
        self.seconds_spent = time.perf_counter() - self.started


class KerasIoTranslator:
    """The keras.io English-to-Spanish Transformer, trained and decoded as
    the example does (see the module docstring for what is reproduced).

    Args:
        train_pairs: `(sources, targets)`, lists of English and Spanish
            sentences; the vectorizers are adapted on them.
        seed: int, the seed of the weights, dropout and batch shuffling.

    Attributes: `transformer` (the Keras model), `source_vectorization`,
    `target_vectorization`, `history` (the last `fit`'s history dict).
    """

    def __init__(self, train_pairs, seed=1337):
        self.seed = seed
        keras.utils.set_random_seed(seed)
        sources, targets = _check_pairs(train_pairs, "train_pairs")
        self.source_vectorization = keras.layers.TextVectorization(
            max_tokens=VOCABULARY_SIZE,
            output_mode="int",
            output_sequence_length=SEQUENCE_LENGTH,
        )
        self.target_vectorization = keras.layers.TextVectorization(
            max_tokens=VOCABULARY_SIZE,
            output_mode="int",
            output_sequence_length=SEQUENCE_LENGTH + 1,
            standardize=None,  # `spanish_standardization`, applied before.
        )
        self.source_vectorization.adapt(sources)
        self.target_vectorization.adapt(
            tf.data.Dataset.from_tensor_slices(_wrap(targets))
            .batch(1024)
            .map(spanish_standardization)
        )
        self.target_vocabulary = self.target_vectorization.get_vocabulary()
        self.start_id = self.target_vocabulary.index(START)
        self.end_id = self.target_vocabulary.index(END)
        self.unknown_id = self.target_vocabulary.index("[UNK]")
        self.transformer, self._argmax_model = build_transformer()
        self.transformer.compile(
            "rmsprop",
            loss=keras.losses.SparseCategoricalCrossentropy(ignore_class=0),
            metrics=["accuracy"],
        )
        self.history = {}

    def _dataset(self, pairs, argument):
        sources, targets = _check_pairs(pairs, argument)

        def vectorize(source, target):
            target_ids = self.target_vectorization(
                spanish_standardization(target)
            )
            inputs = {
                "encoder_inputs": self.source_vectorization(source),
                "decoder_inputs": target_ids[:, :-1],
            }
            return inputs, target_ids[:, 1:]

        dataset = tf.data.Dataset.from_tensor_slices((sources, _wrap(targets)))
        dataset = dataset.batch(BATCH_SIZE).map(vectorize)
        dataset = dataset.cache().shuffle(SHUFFLE_BUFFER, seed=self.seed)
        return dataset.prefetch(PREFETCH)

    def fit(
        self,
        train_pairs,
        validation_pairs,
        max_seconds,
        epochs=30,
        *,
        verbose=2,
    ):
        """Trains for `epochs` epochs or until `max_seconds` of wall time
        have passed, whichever comes first (checked after every batch; the
        epoch cut short is still validated).

        Args:
            train_pairs: `(sources, targets)` lists.
            validation_pairs: `(sources, targets)` lists, or None.
            max_seconds: float, the wall-clock budget of `fit`.
            epochs: int, the most epochs (the example: 30).
            verbose: Keras's `fit` verbosity.

        Returns:
            dict: `epochs` (float, fractional when stopped mid-epoch),
            `steps` (int) and `train_seconds` (float, wall time of `fit`
            including validation).
        """
        train = self._dataset(train_pairs, "train_pairs")
        validation = None
        if validation_pairs is not None:
            validation = self._dataset(validation_pairs, "validation_pairs")
        steps_per_epoch = int(train.cardinality())
        budget = _WallClockStop(max_seconds)
        history = self.transformer.fit(
            train,
            epochs=epochs,
            validation_data=validation,
            shuffle=False,  # The dataset shuffles its batches itself.
            callbacks=[budget],
            verbose=verbose,
        )
        self.history = history.history
        epochs_run = float(budget.epochs_done)
        if budget.epoch_steps < steps_per_epoch:
            epochs_run += budget.epoch_steps / steps_per_epoch - 1.0
        return {
            "epochs": round(epochs_run, 4),
            "steps": budget.steps,
            "train_seconds": round(budget.seconds_spent, 2),
        }

    def translate(self, sources, batch_size=256):
        """Greedy translations of English `sources`, decoded as the example
        decodes (the whole model recomputed at every step, at most 20
        tokens, stop at "[end]"), `batch_size` sentences at a time.

        Returns:
            list of str: the decoded words without "[start]" and "[end]",
            joined by single spaces, in the order of `sources`.
        """
        sources = _check_texts(sources, "sources")
        if not sources:
            return []
        source_ids = np.concatenate(
            list(
                tf.data.Dataset.from_tensor_slices(sources)
                .batch(1024)
                .map(self.source_vectorization)
                .as_numpy_iterator()
            )
        ).astype("int64")
        order = np.argsort(np.count_nonzero(source_ids, axis=1), kind="stable")
        decoded = [None] * len(sources)
        for begin in range(0, len(sources), batch_size):
            rows = order[begin : begin + batch_size]
            for row, ids in zip(rows, self._decode(source_ids[rows])):
                words = (self.target_vocabulary[i] for i in ids)
                decoded[row] = " ".join(word for word in words if word)
        return decoded

    def _decode(self, source_ids):
        """Token ids decoded for each row of `source_ids`, "[end]" left
        out. The example's loop, run for all rows at once."""
        count = len(source_ids)
        prefix = np.zeros((count, SEQUENCE_LENGTH), dtype="int64")
        prefix[:, 0] = self.start_id
        length = np.ones(count, dtype="int64")
        finished = np.zeros(count, dtype=bool)
        decoded = [[] for _ in range(count)]
        for step in range(MAX_DECODED_SENTENCE_LENGTH):
            predicted = self._argmax_model.predict_on_batch(
                {"encoder_inputs": source_ids, "decoder_inputs": prefix}
            )
            predicted = np.asarray(ops.convert_to_numpy(predicted))[:, step]
            for row in np.flatnonzero(~finished):
                token = int(predicted[row])
                if token >= len(self.target_vocabulary):
                    # An id the vocabulary does not fill (see the module
                    # docstring): the example fails here; "[UNK]" instead.
                    token = self.unknown_id
                if token == self.end_id:
                    finished[row] = True
                    continue
                decoded[row].append(token)
                # The example appends the word to a string and vectorizes
                # it again: the empty padding word vanishes, and only the
                # first 20 tokens are read.
                if token != 0 and length[row] < SEQUENCE_LENGTH:
                    prefix[row, length[row]] = token
                    length[row] += 1
            if finished.all():
                break
        return decoded

    def decode_seconds_per_sentence(self, sources, batch_size=256):
        """Wall seconds per sentence of `translate(sources, batch_size)`."""
        started = time.perf_counter()
        self.translate(sources, batch_size=batch_size)
        return (time.perf_counter() - started) / max(len(sources), 1)


def _wrap(targets):
    return [f"{START} {target} {END}" for target in targets]


def _check_texts(texts, argument):
    texts = list(texts)
    for index, text in enumerate(texts):
        if not isinstance(text, str):
            raise TypeError(
                f"`{argument}` must hold strings; item {index} is "
                f"{type(text).__name__}: {text!r}"
            )
    return texts


def _check_pairs(pairs, argument):
    try:
        sources, targets = pairs
    except (TypeError, ValueError):
        raise ValueError(
            f"`{argument}` must be a pair (sources, targets) of lists of "
            f"strings; received {type(pairs).__name__}"
        ) from None
    sources = _check_texts(sources, f"{argument}[0]")
    targets = _check_texts(targets, f"{argument}[1]")
    if len(sources) != len(targets) or not sources:
        raise ValueError(
            f"`{argument}` must hold as many targets as sources, at least "
            f"one; received {len(sources)} sources and {len(targets)} "
            "targets"
        )
    return sources, targets
