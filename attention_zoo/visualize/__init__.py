"""Plots of attention and training: alignments, words, images, curves.

Every function returns a `matplotlib.figure.Figure` (headless, no pyplot
state) and saves a PNG when given `path=`.
"""

from attention_zoo.visualize.alignment import plot_alignment
from attention_zoo.visualize.curves import plot_training_curves
from attention_zoo.visualize.curves import read_history
from attention_zoo.visualize.image import plot_image_attention
from attention_zoo.visualize.image import upsample_attention
from attention_zoo.visualize.text import plot_text_attention
from attention_zoo.visualize.text import save_text_attention_html
from attention_zoo.visualize.text import text_attention_html
from attention_zoo.visualize.text import top_tokens
from attention_zoo.visualize.text import uniform_ratios

__all__ = [
    "plot_alignment",
    "plot_image_attention",
    "plot_text_attention",
    "plot_training_curves",
    "read_history",
    "save_text_attention_html",
    "text_attention_html",
    "top_tokens",
    "uniform_ratios",
    "upsample_attention",
]
