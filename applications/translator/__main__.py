"""`python -m applications.translator train|evaluate|predict ...`

Examples (from the repository root):

    python -m applications.translator train \\
        --data ../shared/data/spa-eng/spa-eng.zip --output runs/spa
    python -m applications.translator evaluate \\
        --model runs/spa/model.keras --data my_test_pairs.txt
    python -m applications.translator predict --beam-width 4 --explain \\
        --model runs/spa/model.keras "I love you."
"""

import sys

from applications._runner import main
from applications.translator.cli import APPLICATION

if __name__ == "__main__":
    sys.exit(main(APPLICATION))
