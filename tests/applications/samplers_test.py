"""The decoding rules of `applications._seq2seq.samplers` that work on
ids alone, checked against plain Python."""

import numpy as np
import pytest
from keras import ops

from applications._seq2seq.samplers import repeated_ngram_tokens

VOCABULARY = 6


def blocked_by_hand(row, index, n):
    """The tokens that would repeat an n-gram of `row[:index]`."""
    prefix = list(row[:index])
    last = prefix[len(prefix) - (n - 1) :]
    return {
        prefix[j + n - 1]
        for j in range(len(prefix) - n + 1)
        if prefix[j : j + n - 1] == last
    }


@pytest.mark.parametrize("n", [2, 3, 4])
def test_repeated_ngram_tokens_equal_a_plain_python_count(n):
    # Few token values, so that n-grams repeat often.
    prompts = np.random.default_rng(n).integers(0, 3, size=(5, 14))
    for index in range(1, 14):
        blocked = ops.convert_to_numpy(
            repeated_ngram_tokens(
                ops.convert_to_tensor(prompts, "int32"), index, n, VOCABULARY
            )
        )
        assert blocked.shape == (5, VOCABULARY)
        for row, tokens in zip(prompts, blocked):
            expected = blocked_by_hand(row, index, n)
            assert set(np.flatnonzero(tokens)) == expected, (row, index)


def test_a_hand_made_repeat_is_blocked_and_nothing_else():
    # "a b c a b" -> "c" would repeat the trigram "a b c".
    prompt = ops.convert_to_tensor([[1, 2, 3, 1, 2, 0, 0]], "int32")
    blocked = ops.convert_to_numpy(repeated_ngram_tokens(prompt, 5, 3, 5))
    np.testing.assert_array_equal(blocked[0], [0, 0, 0, 1, 0])
    # Before "a b" comes back, nothing is blocked.
    blocked = ops.convert_to_numpy(repeated_ngram_tokens(prompt, 4, 3, 5))
    assert not blocked.any()
