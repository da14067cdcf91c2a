"""The names that make code an evaluation context, shared by the mode analysis (``bnlint.modes``,
on the libcst tree) and the prefilter (evaluation data named in code, evaluation routines).

Kept free of libcst, so the prefilter can ask the very same questions of names it finds in text.
"""
from __future__ import annotations

import re

from bnlint.patterns import lazy

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing (a few ms of every start)
if TYPE_CHECKING:  # pragma: no cover
    from typing import List, Optional

EVAL_FUNCTION_WORDS = (
    "eval",
    "valid",
    "test",
    "predict",
    "infer",
    "inference",
    "score",
    "benchmark",
    "metric",
)

# Functions that deliberately run train mode under no_grad to recompute BN statistics.
RECALIBRATION_RE = lazy(
    r"update_bn|bn_update|recalib|precise_bn|preciseb|bn_stat|bn_recal|calibrate_bn|reset_bn|adapt_bn|bn_adapt|"
    r"refresh_bn|recompute_bn|standing_stat|collect_stat|warmup_bn|bn_calib|calib_bn",
    re.IGNORECASE,
)

# Evidence of a recalibration besides its name: the running statistics reset, by a method or by
# assigning them (``modes.ModesAnalysis._is_recalibration`` on libcst, ``effects._recalibrates``
# on ``ast``).
STATS_RESET_METHODS = ("reset_running_stats", "reset_parameters_bn")
RUNNING_STATS = ("running_mean", "running_var")

# Words naming evaluation data, as whole tokens of a name or string (`val_loader`, `testSet`,
# `loaders["valid"]`): see ``name_tokens``.
VAL_TOKENS = frozenset({"val", "valid", "validation", "vali", "test", "testing", "eval", "evaluation", "holdout", "heldout"})
# What follows such a word in a name written without separators (`testloader`, `valset`,
# `testdataloader`): the name is still one of evaluation data.
DATA_SUFFIXES = ("dataloader", "loader", "dataset", "data", "set", "iter", "batch", "batches", "ds", "dl", "gen", "queue", "images", "imgs")


# NLP's name for the validation split.  Alone, `dev` is as often a device (`x.to(dev)`): it names
# evaluation data only with a data word (`dev_loader`, `devset`, `dev_iter`) or as a split key
# (`loaders["dev"]`, `for phase in ["train", "dev"]`).
DEV_SPLIT = "dev"


def is_val_token(token: str) -> bool:
    """A ``name_tokens`` word naming evaluation data: `val`, `test`, or `testloader`-like."""
    if token in VAL_TOKENS:
        return True
    for word in ("validation", "valid", "val", "testing", "test", "evaluation", "eval", "holdout", DEV_SPLIT):
        if token.startswith(word):
            rest = token[len(word):]
            while rest:
                suffix = next((s for s in DATA_SUFFIXES if rest.startswith(s)), None)
                if suffix is None:
                    break
                rest = rest[len(suffix):]
            if not rest and token != word:
                return True
    return False


def eval_data_verdict(text: str, key: bool = False) -> Optional[bool]:
    """What one name (or, with ``key``, a string key) says about the data it names: True for
    evaluation data (`val_loader`, `X_test`, `dev_iter`; the key `"dev"`), False for training data
    (`train_val_split`: "train" decides), None for neither.  Shared by the libcst and ``ast``
    walks that look for evaluation data."""
    tokens = name_tokens(text)
    if "train" in tokens or "training" in tokens:
        return False
    if any(is_val_token(t) for t in tokens):
        return True
    if DEV_SPLIT in tokens and (key and tokens == [DEV_SPLIT] or any(t in DATA_SUFFIXES for t in tokens)):
        return True
    return None


def is_eval_function_name(name: str) -> bool:
    """Does a function's name say it evaluates (validate, evaluate, test_epoch, predict, ...)?"""
    low = name.lower()
    if low in ("train", "training_step", "fit"):
        return False
    if low.startswith(("train", "pretrain")):
        return False
    # `val`, `val_epoch`, `run_val`: "val" as a word of the name (not `interval`, `value`).
    return any(w in low for w in EVAL_FUNCTION_WORDS) or ("val" in low and "val" in name_tokens(name))


def is_eval_routine_name(name: str) -> bool:
    """``is_eval_function_name``, less the look-alikes whose body is no evaluation context:
    pytest tests (`test_*`, `*_test`), BN recalibration (`update_bn`), `__init__`/`forward`/`main`."""
    low = name.lower()
    if low.startswith("test_") or low.endswith("_test"):
        return False  # a pytest test function, not an evaluation routine
    if RECALIBRATION_RE.search(low):
        return False
    if low in ("__init__", "forward", "main"):
        return False
    return is_eval_function_name(name)


def is_called_eval_routine_name(name: str) -> bool:
    """``is_eval_routine_name`` for a function that code calls: `test_model()` called by a script
    is an evaluation routine (pytest calls its tests; the code does not)."""
    low = name.lower()
    if low.startswith("test_") or low.endswith("_test"):
        return not RECALIBRATION_RE.search(low) and is_eval_function_name(name)
    return is_eval_routine_name(name)


# What an estimator-style class's users call after training it, besides the names of evaluation
# routines (`predict`, `score`, `evaluate`): generative and representation APIs.
_INFERENCE_METHODS = frozenset({"sample", "generate", "impute", "forecast", "transform", "encode", "embed", "decision_function"})


def is_inference_method_name(name: str) -> bool:
    """A public method an estimator's users call after `fit()` to use the trained model:
    an evaluation routine's name, or `sample`/`generate`/`transform`/`encode`/... ."""
    return is_eval_routine_name(name) or name in _INFERENCE_METHODS or name.startswith(("predict", "sample_", "generate_"))


_CAMEL_BOUNDARY = lazy(r"([a-z])([A-Z])")
_TOKEN_BREAK = lazy(r"[^a-z0-9]+|(?<=[a-z])(?=[0-9])")


def name_tokens(text: str) -> List[str]:
    """A name's or string's words: split at non-alphanumerics, camelCase and letter-to-digit
    boundaries, lower-cased (`valLoader2` -> val, loader, 2)."""
    return [t for t in _TOKEN_BREAK.split(_CAMEL_BOUNDARY.sub(r"\1_\2", text).lower()) if t]


# Where a VAL_TOKENS word may start and end as ``name_tokens`` splits it, in raw text: a
# superset of those tokens for the text checks (the first-letter lookahead lets ``re`` skip).
VAL_WORD_IN_TEXT = lazy(
    r"(?=[VvTtEeHhDd])(?:(?<![A-Za-z0-9])|(?<=[a-z])(?=[A-Z]))"
    r"(?i:validation|valid|vali|val|testing|test|evaluation|eval|holdout|heldout|dev)"
    r"(?:(?![a-z])|(?=(?:" + "|".join(DATA_SUFFIXES) + r")))"
)
