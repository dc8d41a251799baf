"""`python -m applications.recommender train|evaluate|predict|export ...`

Examples (from the repository root):

    python -m applications.recommender train \\
        --data ../shared/data/movielens/ml-latest-small.zip --output runs/rec
    python -m applications.recommender predict --model runs/rec/model.keras \\
        --data ../shared/data/movielens/ml-latest-small.zip --user 1 --explain
    python -m applications.recommender predict --model runs/rec/model.keras \\
        --history "1,50,260,1196"
"""

import sys

from applications._runner import main
from applications.recommender.cli import APPLICATION

if __name__ == "__main__":
    sys.exit(main(APPLICATION))
