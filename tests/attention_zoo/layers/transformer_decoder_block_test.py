import keras
import keras_hub
import numpy as np
import pytest

from attention_zoo.layers import TransformerDecoderBlock
from tests.attention_zoo.layers.transformer_encoder_block_test import (
    PRE_NORM_COSINE,
)
from tests.attention_zoo.layers.transformer_encoder_block_test import (
    copy_keras_hub_weights,
)
from tests.attention_zoo.layers.transformer_encoder_block_test import random
from tests.attention_zoo.layers.transformer_encoder_block_test import (
    randomize_weights,
)
from tests.attention_zoo.layers.transformer_encoder_block_test import (
    run_block_contract,
)
from tests.attention_zoo.layers.transformer_encoder_block_test import (
    with_junk_padding,
)
from tests.single_head import padding_mask
from tests.test_case import assert_allclose
from tests.test_case import to_numpy


def test_layer_contract(tmp_path):
    # Self- and cross-attention of 8 weights each, 3 layer norms and 2
    # feed-forward Dense layers of 2 weights each.
    run_block_contract(
        TransformerDecoderBlock,
        {"intermediate_dim": 12, "num_heads": 2},
        {"decoder_sequence": (2, 5, 8), "encoder_sequence": (2, 6, 10)},
        num_weights=26,
        tmp_path=tmp_path,
    )


def test_layer_contract_decoder_only(tmp_path):
    # No cross-attention, one temperature per head. Training and mixed
    # precision run above and in the encoder's test.
    run_block_contract(
        TransformerDecoderBlock,
        PRE_NORM_COSINE,
        {"decoder_sequence": (2, 5, 8)},
        num_weights=17,
        run_training=False,
        run_mixed_precision=False,
        tmp_path=tmp_path,
    )


def hub_and_block(rng, decoder_shape, encoder_shape, **kwargs):
    """A KerasHub decoder with random weights and our block with a copy."""
    kwargs = {
        "intermediate_dim": 12,
        "num_heads": 2,
        "activation": "gelu",
        "layer_norm_epsilon": 1e-3,
        **kwargs,
    }
    hub = keras_hub.layers.TransformerDecoder(**kwargs)
    hub.build(decoder_shape, encoder_shape)
    randomize_weights(hub, rng)
    block = TransformerDecoderBlock(**kwargs)
    block.build(decoder_shape, encoder_shape)
    copy_keras_hub_weights(block, hub, encoder_shape is not None)
    return hub, block


@pytest.mark.parametrize("cross_attention", [True, False])
@pytest.mark.parametrize("normalize_first", [False, True])
def test_matches_keras_hub_decoder(normalize_first, cross_attention):
    rng = np.random.default_rng(1)
    decoder_sequence = random(rng, 2, 5, 8)
    encoder_sequence = random(rng, 2, 6, 10) if cross_attention else None
    decoder_mask = padding_mask([5, 3], 5)
    encoder_mask = padding_mask([4, 6], 6) if cross_attention else None
    hub, block = hub_and_block(
        rng,
        decoder_sequence.shape,
        encoder_sequence.shape if cross_attention else None,
        normalize_first=normalize_first,
    )
    masks = {
        "decoder_padding_mask": decoder_mask,
        "encoder_padding_mask": encoder_mask,
    }
    expected = hub(decoder_sequence, encoder_sequence, **masks)
    got = block(decoder_sequence, encoder_sequence, **masks)
    assert_allclose(got, expected)


def decode_in_steps(block, decoder_sequence, steps, **kwargs):
    """Cached decoding, `steps` tokens per call; the outputs and the
    attention weights of all steps, concatenated."""
    length = decoder_sequence.shape[1]
    cache = block.initial_self_attention_cache(2, length)
    outputs, weights, start = [], [], 0
    for size in steps:
        output, step_weights, cache, *cross_cache = block(
            decoder_sequence[:, start : start + size],
            self_attention_cache=cache,
            self_attention_cache_update_index=start,
            return_attention_scores=True,
            **kwargs,
        )
        if cross_cache:
            # Handed back unchanged for the next step.
            for got, given in zip(
                cross_cache[0], kwargs["cross_attention_cache"]
            ):
                assert_allclose(got, given, atol=0, rtol=0)
        outputs.append(to_numpy(output))
        weights.append(to_numpy(step_weights))
        start += size
    return np.concatenate(outputs, 1), np.concatenate(weights, 2)


@pytest.mark.parametrize("normalize_first", [False, True])
def test_cached_decoding_matches_full_pass(normalize_first):
    rng = np.random.default_rng(2)
    decoder_sequence = random(rng, 2, 5, 8)
    encoder_sequence = random(rng, 2, 6, 10)
    encoder_mask = padding_mask([4, 6], 6)
    block = TransformerDecoderBlock(
        intermediate_dim=12, num_heads=2, normalize_first=normalize_first
    )
    expected, expected_weights = block(
        decoder_sequence,
        encoder_sequence,
        encoder_padding_mask=encoder_mask,
        return_attention_scores=True,
    )
    # The cross-attention cache is computed once, then no step sees the
    # encoder sequence.
    cross_cache = block.compute_cross_attention_cache(encoder_sequence)
    got, weights = decode_in_steps(
        block,
        decoder_sequence,
        [1, 2, 1, 1],
        cross_attention_cache=cross_cache,
        encoder_padding_mask=encoder_mask,
    )
    assert_allclose(got, expected)
    assert_allclose(weights, expected_weights)  # the alignments
    assert np.all(weights[0, :, :, 4:] == 0)  # padded source tokens


def test_cached_decoding_matches_full_pass_decoder_only():
    rng = np.random.default_rng(3)
    decoder_sequence = random(rng, 2, 5, 8)
    # Left padding: the second sequence starts at position 2.
    mask = np.arange(5)[None] >= np.array([[0], [2]])
    block = TransformerDecoderBlock(intermediate_dim=12, num_heads=2)
    expected, expected_weights = block(
        decoder_sequence,
        decoder_padding_mask=mask,
        return_attention_scores=True,
    )
    # With a cache, the padding mask covers the cache: (batch, max_length).
    got, weights = decode_in_steps(
        block, decoder_sequence, [1] * 5, decoder_padding_mask=mask
    )
    assert_allclose(got, expected)
    assert_allclose(weights, expected_weights)
    # Causal: no weight on later tokens.
    assert np.all(np.triu(weights[0, 0], 1) == 0)


def test_keras_masks_hide_padding():
    # Eager calls on the inputs' shapes of `test_layer_contract`, which
    # also compares padded and unpadded inputs in a functional model.
    rng = np.random.default_rng(5)
    decoder_ids = np.array([[3, 1, 4, 1, 5], [9, 2, 6, 0, 0]])
    encoder_ids = np.array([[2, 7, 1, 8, 2, 8], [8, 1, 8, 0, 0, 0]])
    decoder_embedding = keras.layers.Embedding(10, 8, mask_zero=True)
    encoder_embedding = keras.layers.Embedding(10, 10, mask_zero=True)
    decoder_sequence = decoder_embedding(decoder_ids)
    encoder_sequence = encoder_embedding(encoder_ids)
    block = TransformerDecoderBlock(intermediate_dim=12, num_heads=2)
    expected = to_numpy(block(decoder_sequence, encoder_sequence))
    real = decoder_ids != 0
    # Whatever the padding of either sequence holds, the real outputs stay.
    got = block(
        with_junk_padding(rng, decoder_sequence, decoder_ids),
        with_junk_padding(rng, encoder_sequence, encoder_ids),
        decoder_padding_mask=real,
        encoder_padding_mask=encoder_ids != 0,
    )
    assert_allclose(to_numpy(got)[real], expected[real])
    # Without the encoder's mask, they would not.
    unmasked = block(
        decoder_sequence,
        with_junk_padding(rng, encoder_sequence, encoder_ids),
    )
    assert not np.allclose(to_numpy(unmasked)[1], expected[1], atol=1e-3)


def test_inputs_must_match_how_the_block_was_built():
    shape = (2, 5, 8)
    sequence = np.zeros(shape, "float32")
    decoder_only = TransformerDecoderBlock(intermediate_dim=12, num_heads=2)
    decoder_only.build(shape)
    with pytest.raises(ValueError, match="without cross-attention"):
        decoder_only(sequence, sequence)
    with pytest.raises(ValueError, match="no cross-attention"):
        decoder_only.compute_cross_attention_cache(sequence)
    with_cross = TransformerDecoderBlock(intermediate_dim=12, num_heads=2)
    with pytest.raises(ValueError, match="Call the block once"):
        with_cross.compute_cross_attention_cache(sequence)
    with_cross.build(shape, shape)
    with pytest.raises(ValueError, match="needs `encoder_sequence`"):
        with_cross(sequence)
