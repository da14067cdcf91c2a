"""``ast.walk`` for trees that are read many times over."""
from __future__ import annotations

import ast  # (a lazy shell until first used: ``bnlint.registry.LAZY_STDLIB_MODULES``)

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing (a few ms of every start)
if TYPE_CHECKING:  # pragma: no cover
    from typing import Dict, Optional, Sequence, Tuple

# Walked again and again: a function's or class's nodes, a module's (read on first use, so that
# importing this module does not load ``ast``).
_kept: "Optional[Tuple[type, ...]]" = None
_all_fields: "Dict[type, Tuple[str, ...]]" = {}


def _iter_children(node: "ast.AST") -> list:
    """``ast.iter_child_nodes(node)`` as a list, through a per-type table of fields."""
    kind = type(node)
    fields = _all_fields.get(kind)
    if fields is None:
        fields = _all_fields[kind] = kind._fields
    out: list = []
    for name in fields:
        value = getattr(node, name, None)
        if type(value) is list:
            out.extend(item for item in value if isinstance(item, ast.AST))
        elif isinstance(value, ast.AST):
            out.append(value)
    return out


def walk(node: "ast.AST") -> "Sequence[ast.AST]":
    """``ast.walk(node)``'s nodes, in its order.  The analysis asks for the nodes of the same
    statements and functions many times over (a function's summary, each rule's questions), so
    a function's, class's or module's nodes are listed once and kept on it (the trees are never
    changed after parsing); smaller nodes are listed afresh."""
    cached = getattr(node, "_bnlint_walk", None)
    if cached is not None:
        return cached
    out = [node]
    i = 0
    while i < len(out):  # breadth first, as ast.walk
        out.extend(_iter_children(out[i]))
        i += 1
    global _kept
    if _kept is None:
        _kept = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Module)
    if isinstance(node, _kept):
        node._bnlint_walk = out = tuple(out)  # type: ignore[attr-defined]
    return out


def rewritable_copy(tree: "ast.AST") -> "ast.AST":
    """A deep copy of ``tree`` for an ``ast.NodeTransformer`` to change: without what the
    analysis keeps on the nodes (``walk``'s lists, indexes of bindings), which would still name
    the nodes the transformer replaces."""
    import copy

    copied = copy.deepcopy(tree)
    pending = [copied]
    while pending:
        node = pending.pop()
        for kept in [k for k in node.__dict__ if k.startswith("_bnlint_")]:
            del node.__dict__[kept]
        pending.extend(_iter_children(node))
    return copied
