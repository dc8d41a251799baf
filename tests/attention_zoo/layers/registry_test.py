import pytest

from attention_zoo import layers


@pytest.mark.parametrize(
    "name, kwargs, cls",
    [
        ("bahdanau", {"units": 4}, layers.BahdanauAttention),
        ("luong", {"score_mode": "general"}, layers.LuongAttention),
        ("cosine", {}, layers.CosineAttention),
        (
            "multi_head",
            {"num_heads": 2, "key_dim": 4},
            layers.MultiHeadAttention,
        ),
        ("cross", {"num_heads": 2, "key_dim": 4}, layers.CrossAttention),
        ("pooling", {}, layers.AttentionPooling),
    ],
)
def test_get_builds_each_layer(name, kwargs, cls):
    layer = layers.get(name, **kwargs)
    assert type(layer) is cls
    for key, value in kwargs.items():
        assert getattr(layer, key) == value


def test_unknown_name_lists_valid_names():
    with pytest.raises(ValueError, match="'bahdanau', 'luong', 'cosine'"):
        layers.get("bahdanu")


def test_get_passes_a_layer_name():
    assert layers.get("cosine", name="attention").name == "attention"
