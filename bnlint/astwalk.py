"""``ast.walk`` for trees that are read many times over."""
from __future__ import annotations

import ast  # (a lazy shell until first used: ``bnlint.registry.LAZY_STDLIB_MODULES``)
from collections import OrderedDict

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing (a few ms of every start)
if TYPE_CHECKING:  # pragma: no cover
    from typing import Dict, Optional, Sequence, Tuple

# Walked again and again: a function's or class's nodes (read on first use, so that importing this
# module does not load ``ast``).  Not a module's: its list is large, and keeping the recent ones
# cost more memory (+60 MB in the largest process on 195 repositories) than it saved time.
_kept: "Optional[Tuple[type, ...]]" = None
_RECENT_LIMIT = 1024
_recent: "OrderedDict[int, Tuple[ast.AST, Tuple[ast.AST, ...]]]" = OrderedDict()
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
    functions and classes many times over (a function's summary, each rule's questions), so the
    lists of the most recently walked ones are kept (``_recent``, bounded: a project index holds
    thousands of trees); the trees are never changed after parsing."""
    global _kept
    if _kept is None:
        _kept = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)
    kept = isinstance(node, _kept)
    if kept:
        hit = _recent.get(id(node))
        if hit is not None and hit[0] is node:
            _recent.move_to_end(id(node))
            return hit[1]
    out = [node]
    i = 0
    while i < len(out):  # breadth first, as ast.walk
        out.extend(_iter_children(out[i]))
        i += 1
    if kept:
        nodes = tuple(out)
        _recent[id(node)] = (node, nodes)  # (the node kept alive with its list: its id stays its own)
        if len(_recent) > _RECENT_LIMIT:
            _recent.popitem(last=False)
        return nodes
    return out


def rewritable_copy(tree: "ast.AST") -> "ast.AST":
    """A deep copy of ``tree`` for an ``ast.NodeTransformer`` to change: without what the
    analysis keeps on the nodes (indexes of bindings), which would still name the nodes the
    transformer replaces.  (``walk``'s lists are keyed by the node itself: a copy has none.)"""
    import copy

    copied = copy.deepcopy(tree)
    pending = [copied]
    while pending:
        node = pending.pop()
        for kept in [k for k in node.__dict__ if k.startswith("_bnlint_")]:
            del node.__dict__[kept]
        pending.extend(_iter_children(node))
    return copied
