"""Ready attention models, each with the same command line.

`python -m applications.<app> train|evaluate|predict ...`; the shared
runner is `applications._cli`.
"""
