"""Compile/fit recipes: schedules, optimizer, losses, precision, devices."""

from attention_zoo.recipes.distribution import data_parallel
from attention_zoo.recipes.epoch_shuffled import EpochShuffled
from attention_zoo.recipes.length_bucketed import LengthBucketed
from attention_zoo.recipes.losses import MaskedAccuracy
from attention_zoo.recipes.losses import SparseCategoricalCrossentropy
from attention_zoo.recipes.optimizers import AdamW
from attention_zoo.recipes.optimizers import adamw
from attention_zoo.recipes.precision import PRECISIONS
from attention_zoo.recipes.precision import set_precision
from attention_zoo.recipes.schedules import InverseSquareRoot
from attention_zoo.recipes.schedules import exponential_decay
from attention_zoo.recipes.schedules import step_decay
from attention_zoo.recipes.schedules import warmup_cosine

__all__ = [
    "PRECISIONS",
    "AdamW",
    "EpochShuffled",
    "InverseSquareRoot",
    "LengthBucketed",
    "MaskedAccuracy",
    "SparseCategoricalCrossentropy",
    "adamw",
    "data_parallel",
    "exponential_decay",
    "set_precision",
    "step_decay",
    "warmup_cosine",
]
