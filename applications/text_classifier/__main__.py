"""`python -m applications.text_classifier train|evaluate|predict ...`

Examples (from the repository root):

    python -m applications.text_classifier train \\
        --data data/imdb_sample/train.csv \\
        --test-data data/imdb_sample/test.csv --output runs/text
    python -m applications.text_classifier evaluate \\
        --model runs/text/model.keras --data data/imdb_sample/test.csv
    python -m applications.text_classifier predict --explain \\
        --model runs/text/model.keras "A wonderful, moving film."
"""

import sys

from applications._runner import main
from applications.text_classifier.cli import APPLICATION

if __name__ == "__main__":
    sys.exit(main(APPLICATION))
