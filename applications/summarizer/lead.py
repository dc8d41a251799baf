"""The Lead baseline: a document's opening as its summary."""

import re

# A sentence ends at ., ! or ? followed by space (Lead-3's usual split).
SENTENCE_END = re.compile(r"(?<=[.!?])\s+")


def units(document):
    """The document's turns (one per line, as in a dialogue) or, on one
    line, its sentences."""
    lines = [line.strip() for line in document.splitlines() if line.strip()]
    if len(lines) > 1:
        return lines
    return [s for s in SENTENCE_END.split(document.strip()) if s]


def lead(document, words):
    """The first turns or sentences of `document` (`units`) that hold at
    most `words` words together; at least one, never cut inside.

    The Lead baseline of summarization papers (Lead-3 takes three
    sentences of a news article, See et al. 2017); here its length is
    the training summaries' average, so that it is as long as a summary.
    """
    taken, count = [], 0
    for unit in units(document):
        count += len(unit.split())
        if taken and count > words:
            break
        taken.append(unit)
    return "\n".join(taken)


def average_words(summaries):
    """The mean number of words of `summaries`, at least 1."""
    counts = [len(summary.split()) for summary in summaries]
    return max(1, round(sum(counts) / max(len(counts), 1)))
