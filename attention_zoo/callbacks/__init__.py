"""Callbacks: attention maps, generation metrics, the standard bundle."""

from attention_zoo.callbacks.attention_map_logger import AttentionMapLogger
from attention_zoo.callbacks.generation_evaluator import GenerationEvaluator
from attention_zoo.callbacks.standard import standard

__all__ = ["AttentionMapLogger", "GenerationEvaluator", "standard"]
