"""The image classifier's choices and defaults, in a module without
Keras: the command line's `--help` shows them before Keras is loaded."""

ATTENTIONS = ("cbam", "se", "spatial", "none", "multi_head")
BATCH_SIZE = 128
# `--augment` choices: the augmentation layers each adds.
AUGMENTATIONS = {
    "flip": ("flip",),
    "translate": ("translate",),
    "flip+translate": ("flip", "translate"),
    "none": (),
}
