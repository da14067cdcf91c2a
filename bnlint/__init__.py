"""bnlint: a linter for BatchNorm and train/eval-mode mistakes in PyTorch training code."""

__version__ = "0.1.0"
