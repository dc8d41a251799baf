import keras
import keras_hub
import numpy as np
import pytest

from attention_zoo import layers
from attention_zoo.layers import TransformerEncoderBlock
from tests.single_head import padding_mask
from tests.test_case import assert_allclose
from tests.test_case import run_layer_test
from tests.test_case import to_numpy

# Sublayers whose weights copy one to one from a KerasHub block, whose
# attributes have the same names with a leading underscore.
COPIED_SUBLAYERS = (
    "self_attention_layer_norm",
    "feedforward_layer_norm",
    "feedforward_intermediate_dense",
    "feedforward_output_dense",
)


# The variant the contract tests run besides post-norm with the scaled dot
# score, which the KerasHub comparisons check.
PRE_NORM_COSINE = {
    "intermediate_dim": 12,
    "num_heads": 2,
    "normalize_first": True,
    "attention_score": "cosine",
}


def random(rng, *shape):
    return rng.normal(size=shape).astype("float32")


def copy_keras_hub_weights(block, hub_block, cross_attention=False):
    """Gives `block` the weights of a built KerasHub encoder or decoder."""
    block.self_attention.set_weights(
        hub_block._self_attention_layer.get_weights()
    )
    names = COPIED_SUBLAYERS
    if cross_attention:
        block.cross_attention.set_weights(
            hub_block._cross_attention_layer.get_weights()
        )
        names += ("cross_attention_layer_norm",)
    for name in names:
        getattr(block, name).set_weights(
            getattr(hub_block, f"_{name}").get_weights()
        )


def randomize_weights(layer, rng):
    """Nonzero biases and non-unit norms, so that every weight counts."""
    layer.set_weights(
        [random(rng, *w.shape) * 0.5 for w in layer.get_weights()]
    )


def run_block_contract(block_cls, init_kwargs, shapes, num_weights, **kwargs):
    """`run_layer_test` on random inputs of the `shapes` given by name;
    the first input's shape is the output's."""
    rng = np.random.default_rng(0)
    inputs = {name: random(rng, *shape) for name, shape in shapes.items()}
    run_layer_test(
        block_cls,
        init_kwargs,
        inputs,
        expected_output_shape=next(iter(shapes.values())),
        expected_num_trainable_weights=num_weights,
        **kwargs,
    )


def test_layer_contract(tmp_path):
    # Attention: 8 projection weights and a temperature per head; 2 layer
    # norms and 2 feed-forward Dense layers of 2 weights each.
    run_block_contract(
        TransformerEncoderBlock,
        PRE_NORM_COSINE,
        {"inputs": (2, 5, 8)},
        num_weights=17,
        tmp_path=tmp_path,
    )


@pytest.mark.parametrize("normalize_first", [False, True])
def test_matches_keras_hub_encoder(normalize_first):
    rng = np.random.default_rng(1)
    inputs = random(rng, 2, 5, 8)
    mask = padding_mask([5, 3], 5)
    attention_mask = rng.random((2, 5, 5)) < 0.7
    attention_mask |= np.eye(5, dtype=bool)  # no query without a key
    kwargs = {
        "intermediate_dim": 12,
        "num_heads": 2,
        "activation": "gelu",
        "layer_norm_epsilon": 1e-3,
        "normalize_first": normalize_first,
    }
    hub = keras_hub.layers.TransformerEncoder(**kwargs)
    hub.build(inputs.shape)
    randomize_weights(hub, rng)
    block = TransformerEncoderBlock(**kwargs)
    block.build(inputs.shape)
    copy_keras_hub_weights(block, hub)

    expected, expected_weights = hub(
        inputs,
        padding_mask=mask,
        attention_mask=attention_mask,
        return_attention_scores=True,
    )
    got, weights = block(
        inputs,
        padding_mask=mask,
        attention_mask=attention_mask,
        return_attention_scores=True,
    )
    assert_allclose(got, expected)
    assert_allclose(weights, expected_weights)
    # Padded keys get no weight.
    assert np.all(to_numpy(weights)[1, :, :, 3:] == 0)


def with_junk_padding(rng, embedded, ids):
    """`embedded` as numpy, random values where `ids` is padding."""
    junk = to_numpy(embedded).copy()
    junk[ids == 0] = random(rng, int(np.sum(ids == 0)), junk.shape[-1])
    return junk


def test_keras_mask_hides_padding():
    # Eager calls on the inputs' shapes of `test_layer_contract`, which
    # also compares padded and unpadded inputs in a functional model.
    rng = np.random.default_rng(3)
    ids = np.array([[3, 1, 4, 1, 5], [9, 2, 6, 0, 0]])
    embedding = keras.layers.Embedding(10, 8, mask_zero=True)
    block = TransformerEncoderBlock(intermediate_dim=12, num_heads=2)
    expected = to_numpy(block(embedding(ids)))  # the Keras mask
    # Whatever the padding holds, the real outputs stay.
    junk = with_junk_padding(rng, embedding(ids), ids)
    got = to_numpy(block(junk, padding_mask=ids != 0))
    assert_allclose(got[ids != 0], expected[ids != 0])
    # Without a mask, they would not.
    unmasked = to_numpy(block(junk))
    assert not np.allclose(unmasked[1, :3], expected[1, :3], atol=1e-3)


def test_dropout_only_in_training():
    rng = np.random.default_rng(2)
    inputs = random(rng, 2, 5, 8)
    block = TransformerEncoderBlock(
        intermediate_dim=12, num_heads=2, dropout=0.5
    )
    inference = block(inputs)
    assert_allclose(block(inputs, training=False), inference)
    assert not np.allclose(
        to_numpy(block(inputs, training=True)), to_numpy(inference)
    )


def test_invalid_arguments_name_the_argument():
    with pytest.raises(ValueError, match="attention_score"):
        TransformerEncoderBlock(4, 2, attention_score="additive")
    with pytest.raises(ValueError, match="intermediate_dim"):
        TransformerEncoderBlock(0, 2)
    with pytest.raises(ValueError, match="num_heads"):
        TransformerEncoderBlock(4, 8)(np.zeros((1, 2, 4), "float32"))
    with pytest.raises(ValueError, match="padding_mask"):
        TransformerEncoderBlock(4, 2)(
            np.zeros((1, 2, 4), "float32"), padding_mask=np.ones((1, 3))
        )


def test_registry_builds_the_blocks():
    block = layers.get("transformer_encoder", intermediate_dim=8, num_heads=2)
    assert type(block) is TransformerEncoderBlock
    assert block.intermediate_dim == 8
    decoder = layers.get("transformer_decoder", intermediate_dim=8, num_heads=2)
    assert type(decoder) is layers.TransformerDecoderBlock
