"""How the next token is chosen: greedy, beam search, top-k and top-p.

All four are KerasHub samplers (`keras_hub.samplers.Sampler`): they fill
a fixed-length buffer of ids in one `keras.ops.while_loop`, calling
`next(prompt, cache, index) -> (logits, hidden_states, cache)` once per
position, so decoding compiles with XLA and can run inside an exported
graph. Top-k and top-p are KerasHub's own. Greedy is KerasHub's with
`top_k(k=1)` in place of `argmax` (which lowers outside TFLite's
built-in ops; same tokens). Beam search is ours: KerasHub's
`BeamSampler` keeps extending a beam after its end token, has no length
penalty, and picks the final beam with `argmax`. `repeated_ngram_tokens`
is the rule any of them can decode under that no n-gram comes twice
(KerasHub's samplers have no such option).
"""

import keras_hub
from keras import ops
from keras import tree

METHODS = ("greedy", "beam", "top_k", "top_p")


class Greedy(keras_hub.samplers.GreedySampler):
    """The most probable token at every step (`top_k` with k=1)."""

    def get_next_token(self, probabilities):
        return ops.top_k(probabilities, k=1)[1][:, 0]


class BeamSearch(keras_hub.samplers.Sampler):
    """Beam search with a length penalty (Wu et al. 2016, GNMT, eq. 14).

    Each sequence keeps the `beam_width` prefixes of highest log
    probability. A beam that has produced `end_id` is finished: it
    extends with `pad_id` at no cost, so its score stays. The loop stops
    when every beam is finished or the buffer is full; the answer is the
    beam of highest `log p / lp`, `lp = ((5 + length) / 6) ** alpha`
    (`alpha = length_penalty`; 0 ranks by log probability alone, larger
    values favour longer outputs).

    Args:
        beam_width: beams kept per sequence; 1 is greedy decoding.
        length_penalty: `alpha` above.
        end_id: the id that finishes a beam.
        pad_id: the id a finished beam extends with.
    """

    def __init__(self, beam_width=4, length_penalty=0.6, end_id=3, pad_id=0):
        super().__init__()
        self.beam_width = int(beam_width)
        self.length_penalty = float(length_penalty)
        self.end_id = end_id
        self.pad_id = pad_id

    def __call__(
        self,
        next,
        prompt,
        cache=None,
        index=0,
        mask=None,
        stop_token_ids=None,
        hidden_states=None,
        model=None,
    ):
        width = self.beam_width
        batch, length = ops.shape(prompt)[0], ops.shape(prompt)[1]
        first = int(index)  # the first position to fill

        def widen(x):  # (batch, ...) -> (batch * width, ...)
            return ops.repeat(x, width, axis=0)

        def split(x):  # (batch * width, ...) -> (batch, width, ...)
            return ops.reshape(x, (-1, width) + tuple(ops.shape(x)[1:]))

        def merge(x):  # (batch, width, ...) -> (batch * width, ...)
            return ops.reshape(x, (-1,) + tuple(ops.shape(x)[2:]))

        prompt = widen(prompt)
        cache = tree.map_structure(widen, () if cache is None else cache)
        # Only the first beam is alive at the start (all beams are equal).
        scores = ops.tile(
            ops.convert_to_tensor([[0.0] + [-1e9] * (width - 1)]), (batch, 1)
        )
        scores = merge(scores)
        finished = ops.zeros((batch * width,), dtype="bool")

        def cond(prompt, cache, index, scores, finished):
            return ops.logical_not(ops.all(finished))

        def body(prompt, cache, index, scores, finished):
            logits, _, cache = next(prompt, cache, index)
            log_probabilities = ops.log_softmax(
                ops.cast(logits, "float32") / self.temperature, axis=-1
            )
            vocabulary = ops.shape(log_probabilities)[-1]
            # A finished beam may only add padding, at no cost.
            padding_only = ops.where(
                ops.equal(ops.arange(vocabulary), self.pad_id), 0.0, -1e9
            )
            log_probabilities = ops.where(
                finished[:, None], padding_only[None, :], log_probabilities
            )
            candidates = ops.reshape(
                scores[:, None] + log_probabilities, (-1, width * vocabulary)
            )
            best, choice = ops.top_k(candidates, k=width, sorted=True)
            parent = choice // vocabulary
            token = ops.cast(merge(choice % vocabulary), prompt.dtype)

            def follow(x):  # each new beam takes its parent's state
                x = split(x)
                rows = ops.reshape(
                    parent, ops.shape(parent) + (1,) * (len(ops.shape(x)) - 2)
                )
                return merge(ops.take_along_axis(x, rows, axis=1))

            prompt = follow(prompt)
            cache = tree.map_structure(follow, cache)
            finished = follow(finished)
            prompt = ops.slice_update(prompt, [0, index], token[:, None])
            finished = ops.logical_or(finished, ops.equal(token, self.end_id))
            return prompt, cache, index + 1, merge(best), finished

        prompt, _, _, scores, _ = self.run_loop(
            cond,
            body,
            loop_vars=(
                prompt,
                cache,
                ops.convert_to_tensor(first, "int32"),
                scores,
                finished,
            ),
            maximum_iterations=length - first,
            model=model,
        )
        # Rank the final beams by length-normalized score.
        tail = prompt[:, first:]
        generated = ops.logical_and(
            ops.not_equal(tail, self.pad_id), ops.not_equal(tail, self.end_id)
        )
        lengths = ops.sum(ops.cast(generated, "float32"), axis=-1) + 1.0
        penalty = ops.power((5.0 + lengths) / 6.0, self.length_penalty)
        normalized = split(scores / penalty)
        _, best = ops.top_k(normalized, k=1)
        return ops.take_along_axis(split(prompt), best[:, :, None], axis=1)[
            :, 0
        ]

    def get_config(self):
        return {
            **super().get_config(),
            "beam_width": self.beam_width,
            "length_penalty": self.length_penalty,
            "end_id": self.end_id,
            "pad_id": self.pad_id,
        }


def repeated_ngram_tokens(prompt, index, n, vocabulary_size):
    """`(batch, vocabulary_size)` bool: the tokens that, written at
    position `index` of `prompt` `(batch, length)`, would repeat an
    n-gram of `prompt[:, :index]` (the "no repeat n-gram" rule of Paulus
    et al. 2018, which blocks repeated trigrams in summaries).

    The n-grams of the prefix are windows of the whole buffer, kept
    where they end before `index`; the tokens that follow a window equal
    to the last `n - 1` tokens are written onto the vocabulary with one
    scatter (not a `(batch, length, vocabulary)` one-hot), so the rule
    runs inside the compiled decoding loop and in exported graphs.
    """
    batch, length = ops.shape(prompt)[0], ops.shape(prompt)[1]
    windows = length - n + 1
    if windows < 1:
        return ops.zeros((batch, vocabulary_size), dtype="bool")
    grams = ops.stack(
        [prompt[:, k : k + windows] for k in range(n - 1)], axis=-1
    )  # (batch, windows, n - 1): the first n - 1 tokens of each n-gram
    follow = prompt[:, n - 1 :]  # (batch, windows): each n-gram's last token
    index = ops.convert_to_tensor(index, "int32")
    last = ops.take(
        prompt, ops.maximum(index - (n - 1) + ops.arange(n - 1), 0), axis=1
    )  # (batch, n - 1): the tokens the next one follows
    ended = ops.arange(windows) <= index - n  # the n-gram ends before `index`
    match = ops.logical_and(
        ops.all(ops.equal(grams, last[:, None, :]), axis=-1), ended[None, :]
    )
    # Unmatched windows write to an extra column, cut off after: every
    # write is a 1, so the result is the same whether a runtime adds the
    # writes to one place (TensorFlow, JAX, PyTorch) or keeps the last
    # (ONNX's ScatterND).
    columns = ops.where(match, ops.cast(follow, "int32"), vocabulary_size)
    rows = ops.repeat(ops.arange(batch)[:, None], windows, axis=1)
    indices = ops.reshape(ops.stack([rows, columns], axis=-1), (-1, 2))
    written = ops.scatter(
        indices,
        ops.ones((ops.shape(indices)[0],), "float32"),
        (batch, vocabulary_size + 1),
    )
    return written[:, :vocabulary_size] > 0


def make_sampler(
    method="greedy",
    beam_width=4,
    length_penalty=0.6,
    top_k=10,
    top_p=0.9,
    temperature=1.0,
    seed=None,
    end_id=3,
    pad_id=0,
):
    """The sampler of `method` (one of `METHODS`) and its options."""
    if method not in METHODS:
        raise ValueError(
            f"`method` must be one of {', '.join(METHODS)}; received "
            f"method={method!r}."
        )
    if method == "greedy":
        return Greedy()
    if method == "beam":
        if int(beam_width) < 1:
            raise ValueError(
                f"`beam_width` must be at least 1; received {beam_width!r}."
            )
        return BeamSearch(beam_width, length_penalty, end_id, pad_id)
    if method == "top_k":
        return keras_hub.samplers.TopKSampler(
            k=int(top_k), seed=seed, temperature=temperature
        )
    return keras_hub.samplers.TopPSampler(
        p=float(top_p), seed=seed, temperature=temperature
    )
