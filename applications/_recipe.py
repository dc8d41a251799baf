"""What every application's recipe shares: the optimizer and its steps."""

import math

from applications._splits import training_share
from attention_zoo.recipes import adamw
from attention_zoo.recipes import warmup_cosine


def decaying_adamw(learning_rate, weight_decay, total_steps=None):
    """AdamW (no decay on biases, norms, embeddings), clipped gradients;
    with `total_steps`, a 5% linear warmup to `learning_rate`, then cosine
    decay to zero (a run that stops at its best epoch early still ends
    with a low rate when it was planned short)."""
    if total_steps:
        learning_rate = warmup_cosine(
            learning_rate, total_steps, warmup_steps=total_steps // 20
        )
    return adamw(learning_rate=learning_rate, weight_decay=weight_decay)


def total_steps(examples, batch_size, epochs):
    """Optimizer steps of `epochs` epochs over the share of `examples`
    that trains (`applications._splits.validation_split` keeps the rest
    for validation), at least 2."""
    train = training_share(examples)
    return max(epochs * math.ceil(train / batch_size), 2)
