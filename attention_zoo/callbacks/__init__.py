"""Callbacks: attention maps, generation metrics, exact resume, brief
progress, the standard bundle."""

from attention_zoo.callbacks.attention_map_logger import AttentionMapLogger
from attention_zoo.callbacks.brief_progress import BriefProgress
from attention_zoo.callbacks.epoch_seeds import EpochSeeds
from attention_zoo.callbacks.generation_evaluator import GenerationEvaluator
from attention_zoo.callbacks.standard import standard
from attention_zoo.callbacks.training_state import TrainingState

__all__ = [
    "AttentionMapLogger",
    "BriefProgress",
    "EpochSeeds",
    "GenerationEvaluator",
    "TrainingState",
    "standard",
]
