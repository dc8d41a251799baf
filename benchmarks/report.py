"""How the accuracy benchmarks print their results."""

import json


def print_row(row):
    """One finished model as a JSON line (flushed: runs are long)."""
    print(json.dumps(row), flush=True)


def print_table(rows, first_column="model"):
    """The rows as the Markdown table that goes into RESULTS.md."""
    print(
        f"\n| {first_column} | test accuracy | macro F1 | epochs (best) | "
        "train s |"
    )
    print("|---|---|---|---|---|")
    for row in rows:
        print(
            f"| {row['model']} | {row['accuracy']:.4f} | {row['f1']:.4f} | "
            f"{row['epochs']} ({row['best_epoch']}) | "
            f"{row['train_seconds']:.0f} |"
        )
