"""What code says about the batch dimension of a tensor it hands a model.

A model's forward on a batch of one (`state.unsqueeze(0)`, `image[None]`, `x.view(1, -1)`) is a
single sample: in train mode BatchNorm normalises it with its own statistics (`BatchNorm1d` raises
"Expected more than 1 value per channel when training"), so such a forward under `no_grad` is
inference of one sample, never training (an RL agent's action selection, a demo's prediction).

One predicate on the standard library's ``ast``; the libcst analysis asks it about the code of
the expression (``ModesAnalysis._one_sample_input``).
"""
from __future__ import annotations

import ast

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Callable, Optional

# Methods that keep a tensor's shape: `x.unsqueeze(0).to(device).float()` is still one sample.
SHAPE_KEEPING = frozenset({"to", "cuda", "cpu", "float", "double", "half", "detach", "contiguous", "type", "requires_grad_", "clone"})


def is_one_sample(expr: ast.AST, bound: "Optional[Callable[[str], Optional[ast.AST]]]" = None, _depth: int = 0) -> bool:
    """Is ``expr`` a batch of exactly one sample, built by adding a batch dimension of size one?
    ``bound(name)``: the value a name was last bound to before the forward, if known."""
    if _depth > 6:
        return False
    while isinstance(expr, ast.Call) and isinstance(expr.func, ast.Attribute) and expr.func.attr in SHAPE_KEEPING:
        expr = expr.func.value
    if isinstance(expr, ast.Name):
        value = bound(expr.id) if bound is not None else None
        return value is not None and is_one_sample(value, bound, _depth + 1)
    if isinstance(expr, ast.Subscript):
        index = expr.slice
        first = index.elts[0] if isinstance(index, ast.Tuple) and index.elts else index
        # `x[None]`, `x[None, ...]`, `x[np.newaxis, :]`
        return (isinstance(first, ast.Constant) and first.value is None) or (isinstance(first, ast.Attribute) and first.attr == "newaxis")
    if not isinstance(expr, ast.Call):
        return False
    func = expr.func
    name = func.attr if isinstance(func, ast.Attribute) else (func.id if isinstance(func, ast.Name) else "")
    args = list(expr.args)
    keywords = {k.arg: k.value for k in expr.keywords if k.arg}
    if name in ("unsqueeze", "unsqueeze_"):
        if isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name) and func.value.id == "torch":
            args = args[1:]  # `torch.unsqueeze(x, 0)`
        dim = args[0] if args else keywords.get("dim")
        return isinstance(dim, ast.Constant) and dim.value == 0
    if name == "reshape" and isinstance(func, ast.Attribute) and len(args) == 2 and isinstance(args[1], (ast.Tuple, ast.List)) and not isinstance(args[0], ast.Constant):
        # `torch.reshape(x, (1, 1, 48, 48))` (or `T.reshape`, `np.reshape`): the function form,
        # the tensor first and the shape as one sequence.
        shape = args[1].elts
        return bool(shape) and isinstance(shape[0], ast.Constant) and shape[0].value == 1
    if name in ("view", "reshape") and isinstance(func, ast.Attribute):
        first = args[0] if args else None
        if isinstance(first, (ast.Tuple, ast.List)) and first.elts:
            first = first.elts[0]  # `x.view((1, -1))`
        return len(args) >= 1 and isinstance(first, ast.Constant) and first.value == 1 and not (len(args) == 1 and not isinstance(args[0], (ast.Tuple, ast.List)))
    return False
