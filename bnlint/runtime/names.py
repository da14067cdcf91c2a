"""Small torch-free helpers shared by the tracer and the report."""
from __future__ import annotations

EVAL_FUNCTION_WORDS = ("eval", "valid", "test", "infer", "predict", "score", "benchmark")


def is_eval_function_name(name: str) -> bool:
    """Whether a function's name says it evaluates (validate, evaluate, test_epoch, predict...)."""
    low = name.lower()
    if low in ("train", "training_step", "fit") or low.startswith(("train", "pretrain")):
        return False
    return any(w in low for w in EVAL_FUNCTION_WORDS)


def is_eval_frame(filename: str, name: str) -> bool:
    """is_eval_function_name for a running frame; pytest test functions (test_* in test_*.py) are not evaluation."""
    import os

    if name.startswith("test") and os.path.basename(filename).startswith(("test_", "conftest")):
        return False
    return is_eval_function_name(name)
