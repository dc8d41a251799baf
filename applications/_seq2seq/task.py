"""`Seq2Seq`: the task of an encoder-decoder backbone, with training on
sentence pairs and generation."""

import itertools

import keras
import numpy as np
from keras import ops

from applications._recipe import decaying_adamw
from applications._seq2seq.preprocessor import END
from applications._seq2seq.preprocessor import PAD
from applications._seq2seq.preprocessor import START
from applications._seq2seq.samplers import make_sampler
from applications._seq2seq.samplers import repeated_ngram_tokens
from applications._task import Task
from attention_zoo.recipes import MaskedAccuracy
from attention_zoo.recipes import SparseCategoricalCrossentropy


class Seq2Seq(Task):
    """An encoder-decoder that maps sentences to sentences.

    Trained with teacher forcing: the decoder reads the reference
    `[START] + target` and each position predicts the next token, under
    a cross-entropy with label smoothing that leaves padding out.
    `fit(sources, targets)` takes the sentences themselves (or the
    packed ids of `preprocessor.pack`).

    `generate` decodes incrementally with a sampler (`samplers.py`): the
    encoder runs once per sentence, and each step feeds one token to
    `backbone.decode_step` in one `keras.ops.while_loop`, compiled with
    XLA on TensorFlow and JAX. `generate_uncached` recomputes the whole
    model on the growing prefix at every step (how the keras.io example
    decodes): same tokens, much slower; it is the reference the cached
    decoding is tested and timed against.

    Args:
        backbone: a `Seq2SeqBackbone`.
        preprocessor: its `Seq2SeqPreprocessor` (or `None` for ids).
        label_smoothing: `eps` of the loss.
    """

    learning_rate = 1e-3
    weight_decay = 0.01

    def __init__(self, backbone, preprocessor, label_smoothing=0.1, **kwargs):
        inputs = backbone.input
        outputs = backbone(inputs)
        super().__init__(
            inputs=inputs,
            outputs=outputs["logits"],
            backbone=backbone,
            preprocessor=preprocessor,
            **kwargs,
        )
        self.label_smoothing = label_smoothing
        # Untracked (plain __dict__): not a layer, not saved.
        explained = {k: v for k, v in outputs.items() if k != "logits"}
        self.__dict__["_explainer"] = keras.Model(inputs, explained)
        self.__dict__["_generators"] = {}

    # Training ----------------------------------------------------------------

    def default_optimizer(self, total_steps=None):
        """AdamW with a warmup and cosine decay over `total_steps`
        (`applications._recipe.decaying_adamw`)."""
        return decaying_adamw(
            self.learning_rate, self.weight_decay, total_steps
        )

    def default_loss(self):
        return SparseCategoricalCrossentropy(
            label_smoothing=self.label_smoothing,
            from_logits=True,
            ignore_class=PAD,
        )

    def default_metrics(self):
        return [MaskedAccuracy(ignore_class=PAD, name="accuracy")]

    def preprocess_pairs(self, x, y=None):
        """`(inputs, labels)` of sentence pairs (`preprocessor.pack`);
        anything else (packed ids, a data set) passes unchanged."""
        sentences = isinstance(x, (list, tuple)) and isinstance(
            next(iter(x), None), str
        )
        if self.preprocessor is None or not sentences:
            return x, y
        return self.preprocessor.pack(x, y)

    def bucketing(self, x):
        """`(lengths, keys)` for `recipes.LengthBucketed`: training
        batches group sources of similar lengths, their encoder ids cut
        to the longest (documents of 20 and 400 tokens would otherwise
        all cost the source length)."""
        ids = np.asarray(x["encoder_token_ids"])
        return np.count_nonzero(ids, axis=1), ("encoder_token_ids",)

    # Generation --------------------------------------------------------------

    @property
    def max_length(self):
        """The most target tokens a sentence may get."""
        return self.backbone.target_length

    def _prompt(self, encoder_token_ids, max_length):
        """The buffer the sampler fills: `START`, then padding."""
        batch = ops.shape(encoder_token_ids)[0]
        prompt = ops.zeros((batch, max_length + 1), dtype="int32")
        return ops.slice_update(
            prompt, [0, 0], ops.full((batch, 1), START, dtype="int32")
        )

    def generate_step(
        self,
        encoder_token_ids,
        sampler,
        max_length,
        stop_at_end=True,
        no_repeat_ngram=0,
    ):
        """Ids `(batch, max_length + 1)` (`START` first) decoded by
        `sampler` from encoder ids: the graph `generate` compiles. With
        `stop_at_end`, the loop ends once every row has an `END`; without,
        it fills all `max_length` positions (for timing). With
        `no_repeat_ngram=n` (at least 2), no n-gram of ids is generated
        twice (`samplers.repeated_ngram_tokens`)."""
        encoder_token_ids = ops.convert_to_tensor(encoder_token_ids, "int32")
        cache = self.backbone.start_cache(encoder_token_ids, max_length)

        def next(prompt, cache, index):
            token = ops.slice(prompt, [0, index - 1], [ops.shape(prompt)[0], 1])
            logits, cache = self.backbone.decode_step(token, cache, index - 1)
            logits = _never_marks(logits)
            if no_repeat_ngram:
                repeated = repeated_ngram_tokens(
                    prompt, index, no_repeat_ngram, ops.shape(logits)[-1]
                )
                logits = ops.where(repeated, -1e9, logits)
            return logits, None, cache

        prompt = self._prompt(encoder_token_ids, max_length)
        return sampler(
            next,
            prompt,
            cache=cache,
            index=1,
            mask=ops.zeros(ops.shape(prompt), dtype="bool"),
            stop_token_ids=(END,) if stop_at_end else None,
            model=self,
        )

    def _generator(
        self, method, max_length, stop_at_end, no_repeat_ngram, **options
    ):
        """The compiled `generate_step` of one sampler, made once."""
        key = (
            method,
            max_length,
            stop_at_end,
            no_repeat_ngram,
            tuple(sorted(options.items())),
        )
        if key not in self._generators:
            sampler = make_sampler(method, end_id=END, pad_id=PAD, **options)
            compiled = _compiled(
                self, sampler, max_length, stop_at_end, no_repeat_ngram
            )
            seeds = [ops.convert_to_numpy(v) for v in sampler.variables]
            self._generators[key] = (compiled, sampler, seeds)
        compiled, sampler, seeds = self._generators[key]
        if options.get("seed") is not None:
            # A seeded call samples as the first call with that seed did.
            for variable, value in zip(sampler.variables, seeds):
                variable.assign(value)
        return compiled

    def generate_ids(
        self,
        encoder_token_ids,
        method="greedy",
        max_length=None,
        batch_size=64,
        stop_at_end=True,
        no_repeat_ngram=0,
        **options,
    ):
        """Generated target ids `(n, max_length)` int32 of encoder ids,
        each row ending at its first `END` (what follows is meaningless).

        `method` and `options` choose the sampler: `"greedy"`, `"beam"`
        (`beam_width`, `length_penalty`), `"top_k"` (`top_k`), `"top_p"`
        (`top_p`), with `temperature` and `seed` for sampling;
        `no_repeat_ngram=n` never repeats an n-gram of ids (0: off);
        `stop_at_end=False` fills every position (for timing).
        """
        max_length = int(max_length or self.max_length)
        no_repeat_ngram = int(no_repeat_ngram or 0)
        if no_repeat_ngram == 1 or no_repeat_ngram < 0:
            raise ValueError(
                "`no_repeat_ngram` must be 0 (off) or at least 2; received "
                f"no_repeat_ngram={no_repeat_ngram!r}."
            )
        generate = self._generator(
            method, max_length, stop_at_end, no_repeat_ngram, **options
        )
        encoder_token_ids = np.asarray(encoder_token_ids, dtype="int32")
        rows = []
        for start in range(0, len(encoder_token_ids), batch_size):
            batch = encoder_token_ids[start : start + batch_size]
            rows.append(ops.convert_to_numpy(generate(batch))[:, 1:])
        if not rows:
            return np.zeros((0, max_length), dtype="int32")
        return np.concatenate(rows).astype("int32")

    def generate(self, sources, method="greedy", batch_size=64, **options):
        """The target sentences of source sentences (see
        `generate_ids` for `method` and `options`)."""
        ids = self.generate_ids(
            self.preprocess(list(sources)),
            method=method,
            batch_size=batch_size,
            **options,
        )
        return self.preprocessor.detokenize(ids)

    def generate_uncached(
        self, encoder_token_ids, max_length=None, stop_at_end=True
    ):
        """Greedy ids as `generate_ids(method="greedy")` gives, computed
        the slow way, as the keras.io example decodes: at every step the
        whole model (encoder included) runs on the decoder buffer, padded
        to `max_length`, and the logits of the newest position are read."""
        max_length = int(max_length or self.max_length)
        encoder_token_ids = np.asarray(encoder_token_ids, dtype="int32")
        batch = len(encoder_token_ids)
        buffer = np.zeros((batch, max_length), dtype="int32")
        buffer[:, 0] = START
        ids = np.zeros((batch, max_length), dtype="int32")
        done = np.zeros(batch, dtype=bool)
        for position in range(max_length):
            logits = self.predict_on_batch(
                {
                    "encoder_token_ids": encoder_token_ids,
                    "decoder_token_ids": buffer,
                }
            )
            token = ops.top_k(_never_marks(logits[:, position]), k=1)[1]
            token = ops.convert_to_numpy(token)[:, 0]
            ids[:, position] = token
            if position + 1 < max_length:
                buffer[:, position + 1] = token
            done |= token == END
            if stop_at_end and done.all():
                break
        return ids

    def align(self, encoder_token_ids, target_ids):
        """The attention `(n, T, S)` over source positions when the
        decoder reads `START` and `target_ids` (what `generate_ids`
        returned): row `t` is the attention while token `t` was chosen."""
        return self.explain(encoder_token_ids, target_ids)["alignment"]

    def explain(self, encoder_token_ids, target_ids):
        """What `align` returns as `"alignment"`, and for a
        pointer-generator `"copying"` `(n, T)`: how much token `t` was
        copied from the source rather than generated."""
        target_ids = np.asarray(target_ids, dtype="int32")
        decoder_ids = np.concatenate(
            [np.full((len(target_ids), 1), START, "int32"), target_ids[:, :-1]],
            axis=1,
        )
        return self._explainer.predict(
            {
                "encoder_token_ids": np.asarray(encoder_token_ids, "int32"),
                "decoder_token_ids": decoder_ids,
            },
            verbose=0,
        )

    def get_config(self):
        return {**super().get_config(), "label_smoothing": self.label_smoothing}

    def quantize(self, mode, **kwargs):
        super().quantize(mode, **kwargs)
        self._generators.clear()  # compiled with the float weights


def _never_marks(logits):
    """`logits` `(batch, vocabulary)` with padding and `START`, which
    are never generated, ruled out."""
    vocabulary = ops.arange(ops.shape(logits)[-1])
    marks = ops.logical_or(
        ops.equal(vocabulary, PAD), ops.equal(vocabulary, START)
    )
    return ops.where(marks[None, :], -1e9, ops.cast(logits, "float32"))


def _compiled(model, sampler, max_length, stop_at_end, no_repeat_ngram):
    """`generate_step` with `sampler`, compiled for the backend: XLA on
    TensorFlow and JAX (the model's variables passed in, so a compiled
    function sees the weights of later training), eager on PyTorch."""
    backend = keras.backend.backend()

    def step(encoder_token_ids):
        return model.generate_step(
            encoder_token_ids, sampler, max_length, stop_at_end, no_repeat_ngram
        )

    if backend == "tensorflow":
        import tensorflow as tf

        return tf.function(step, jit_compile=True, reduce_retracing=True)
    if backend == "torch":
        import torch

        return torch.no_grad()(step)
    if backend != "jax":
        return step
    import jax

    @jax.jit
    def stateless(state, encoder_token_ids):
        sampler_values, trainable, non_trainable = state
        mapping = itertools.chain(
            zip(sampler.variables, sampler_values),
            zip(model.trainable_variables, trainable),
            zip(model.non_trainable_variables, non_trainable),
        )
        with keras.StatelessScope(state_mapping=mapping) as scope:
            outputs = step(encoder_token_ids)
        sampler_values = [scope.get_current_value(v) for v in sampler.variables]
        return outputs, sampler_values

    def run(encoder_token_ids):
        state = (
            [v.value for v in sampler.variables],
            [v.value for v in model.trainable_variables],
            [v.value for v in model.non_trainable_variables],
        )
        outputs, sampler_values = stateless(state, encoder_token_ids)
        for variable, value in zip(sampler.variables, sampler_values):
            variable.assign(value)
        return outputs

    return run
