"""What a project function does to the models it is handed, read from the ``ast`` of its module.

The mode analysis (``bnlint.modes``) runs the functions of the linted file inline.  A function of
another project module that it hands a model to (`evaluate(model, val_loader)`,
`train_one_epoch(model, ...)`, `freeze_bn(model)`) it does not run: it asks this summary instead.
For each parameter the function uses as a module, the summary says

* ``exit``: the mode the parameter is left in: as it came in (``ENTRY``: untouched, or restored
  with ``model.train(was_training)``), ``TRAIN``, ``EVAL``, or ``UNKNOWN`` (set on some paths
  only, or handed to something this summary cannot see);
* ``forwards``: the forwards of the parameter that run in the caller's mode (before the function
  switches it), each with its evaluation contexts (``no_grad``, ``val_loop``, ``eval_fn``, as
  ``ModesAnalysis._lexical_kinds`` names them) and whether the function trains on its output
  (a ``.backward()`` after it);
* ``steps``: what happens to it after that, in source order: a mode set (``("mode", TRAIN)``;
  ``("mode", ENTRY)`` for `model.train(was_training)`), BatchNorm layers put in eval
  (``("freeze", "")``: a loop over ``.modules()``, ``.apply(set_bn_eval)``,
  ``model.backbone.eval()``), training in a mode of its own (``("train", TRAIN)`` after its own
  ``model.train()``), and evaluation in train mode after its own ``model.train()`` (``("eval",
  "eval_fn,no_grad")``: the evaluation contexts).  The order matters: `self.train()` followed by a re-freeze of the BN layers
  leaves them frozen;
* ``freezes_bn`` (from the steps): whether it freezes BatchNorm layers anywhere.

Helpers the function calls with the parameter are summarised the same way (in its module or in
project modules it imports, a few calls deep); anything else it hands the parameter to makes
the mode unknown from there on.  A parameter the function does not use as a module has no
entry: handing a model to it changes nothing.

What it cannot see: methods of classes (a trainer object in another file), functions stored in
containers, and modes switched through ``setattr`` or a framework.
"""
from __future__ import annotations

import ast

from bnlint.astwalk import rewritable_copy
from bnlint.astwalk import walk as ast_walk
from bnlint.calls import PLAIN_MODULE_METHODS, WEIGHT_LOADING_METHODS, WRAPPER_LEAVES, keeps_modes
from bnlint.eval_names import RECALIBRATION_RE, RUNNING_STATS, STATS_RESET_METHODS, eval_data_verdict, is_called_eval_routine_name
from bnlint.inventory import MODULE_METHODS_KEEPING_MODE, dotted_name
from bnlint.records import record
from bnlint.shapes import is_one_sample
from bnlint.summaries import _mode_of

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing (a few ms of every start)
if TYPE_CHECKING:  # pragma: no cover
    from typing import Callable, Dict, FrozenSet, List, Optional, Set, Tuple

ENTRY, TRAIN, EVAL, UNKNOWN = "=", "T", "E", "?"
# The evaluation context of a forward on made-up data (`torch.randn(...)`): a probe of a network with
# random weights, but a pass that moves the running statistics of a trained one.
SYNTHETIC = "synthetic"
# In a forward's kinds: it is trained only when the model is in train mode (the function steps
# under `if model.training:`, a shared epoch loop that also validates).
TRAIN_MODE_ONLY = "train_mode_only"
MAX_DEPTH = 3  # helpers of helpers followed this many calls deep

_NO_GRAD_LEAVES = frozenset({"no_grad", "inference_mode"})


@record(frozen=True)
class ParamEffect:
    exit: str = ENTRY
    # (evaluation contexts, trained on by the function, line) of forwards in the caller's mode
    forwards: Tuple[Tuple[FrozenSet[str], bool, int], ...] = ()
    steps: Tuple[Tuple[str, str], ...] = ()
    # A generator (a `@contextmanager`): the mode at its `yield`, the body of the `with`.
    at_yield: Optional[str] = None
    # Loads weights into it (`model.load_state_dict(...)` in a checkpoint helper).
    loads_weights: bool = False

    @property
    def freezes_bn(self) -> bool:
        return ("freeze", "") in self.steps


@record(frozen=True)
class FunctionEffects:
    name: str
    path: str
    line: int
    positional: Tuple[str, ...]  # parameter names in positional order
    keyword_only: Tuple[str, ...]
    effects: "_ParamEffects"  # `.get(name)`: the ParamEffect of a parameter, or None

    def parameter_for(self, index: Optional[int], keyword: Optional[str]) -> Optional[str]:
        if keyword is not None:
            return keyword if keyword in self.positional or keyword in self.keyword_only else None
        return self.positional[index] if index is not None and index < len(self.positional) else None

    def argument_for(self, args, param: str):
        """The expression a call's ``args`` (libcst ``Arg``s: `.keyword`, `.value`) pass for
        ``param``, or None."""
        position = 0
        for arg in args:
            index = None
            if arg.keyword is None:
                index, position = position, position + 1
            if self.parameter_for(index, arg.keyword.value if arg.keyword is not None else None) == param:
                return arg.value
        return None

    def bound(self) -> "FunctionEffects":
        """A method's summary as its calls on an instance see it: `self` is not passed."""
        return FunctionEffects(self.name, self.path, self.line, self.positional[1:], self.keyword_only, self.effects)

    def keeping(self, kept: FrozenSet[str]) -> "FunctionEffects":
        """The summary of a constructor that keeps the parameters ``kept`` in the instance
        (`self.model = model`): what happens to those later is the instance's methods' doing,
        unknown to a summary of the call."""
        if not kept:
            return self
        base = self.effects
        effects = _ParamEffects(base._fn, base._resolve, base._functions, base._depth, tuple(base._names), base._literals, kept)
        return FunctionEffects(self.name, self.path, self.line, self.positional, self.keyword_only, effects)

    def specialised(self, literals: "Dict[str, object]") -> "FunctionEffects":
        """The summary for a call that binds parameters to literals (`skip_epoch_stats=True`, or a
        literal default left in place): the branches they rule out are not taken.  Only the
        parameters the function tests and never reassigns count; the same summary otherwise."""
        fn = self.effects._fn
        # (Tested here, or handed on to a call: `loss_batch(loss_fn, out, y, opt)` tests it there.)
        tested = _tested_parameters(fn, handed_on=True)
        bound = {k: v for k, v in literals.items() if k in tested}
        if not bound:
            return self
        key = tuple(sorted((k, repr(v)) for k, v in bound.items()))
        cache = self.effects._specialised
        if key not in cache:
            base = self.effects
            cache[key] = _ParamEffects(fn, base._resolve, base._functions, base._depth, tuple(base._names), bound, base._kept)
        return FunctionEffects(self.name, self.path, self.line, self.positional, self.keyword_only, cache[key])

    def literal_defaults(self) -> "Dict[str, object]":
        """The parameters whose default is a literal (`skip_epoch_stats=False`, `valid_loader=None`)."""
        from bnlint.summaries import literal_defaults

        return literal_defaults(self.effects._fn.args)  # type: ignore[attr-defined]

    def returned_parameter(self, index: Optional[int] = None, length: int = 0) -> Optional[str]:
        """The parameter whose object every `return` hands back (`best_model = model` ...
        `return best_model`), or None.  With ``index``: the one every `return` hands back at that
        position of a tuple of ``length`` (`return net, losses`)."""
        return _returned_parameter(self.effects._fn, index, length)  # type: ignore[attr-defined]


def _returned_parameter(fn: ast.AST, index: Optional[int] = None, length: int = 0) -> Optional[str]:
    """The parameter of ``fn`` that each of its `return`s hands back, by name or through local
    names bound only to it (`best_model = model`), at ``index`` of the tuple of ``length`` each
    returns when given; None when any return is something else."""
    args = fn.args  # type: ignore[attr-defined]
    params = {a.arg for a in list(args.posonlyargs) + list(args.args) + list(args.kwonlyargs)} - {"self", "cls"}
    bindings: Dict[str, List[ast.AST]] = {}
    returns: List[ast.AST] = []
    todo = list(ast.iter_child_nodes(fn))
    while todo:
        node = todo.pop()
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Lambda)):
            continue  # a nested scope's names and returns are its own
        if isinstance(node, ast.Return):
            returns.append(node.value)  # type: ignore[arg-type]
        elif isinstance(node, (ast.Assign, ast.AnnAssign, ast.AugAssign)):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            for t in targets:
                pairs = [(t, node.value if isinstance(node, ast.Assign) else None)]
                if isinstance(t, (ast.Tuple, ast.List)) and isinstance(node.value, (ast.Tuple, ast.List)) and len(t.elts) == len(node.value.elts):
                    pairs = list(zip(t.elts, node.value.elts))  # `best_acc, best_model = acc, model`
                for target, value in pairs:
                    for name in ast_walk(target):
                        if isinstance(name, ast.Name):
                            bindings.setdefault(name.id, []).append(value if target is name else None)
        elif isinstance(node, (ast.For, ast.AsyncFor, ast.With, ast.AsyncWith, ast.comprehension, ast.NamedExpr)):
            for name in ast_walk(getattr(node, "target", None) or ast.Tuple(elts=[i.optional_vars for i in getattr(node, "items", []) if i.optional_vars], ctx=ast.Store())):
                if isinstance(name, ast.Name):
                    bindings.setdefault(name.id, []).append(None)
        todo.extend(ast.iter_child_nodes(node))

    def origin(value: Optional[ast.AST], seen: Set[str]) -> Optional[str]:
        while isinstance(value, ast.Call) and isinstance(value.func, ast.Attribute) and value.func.attr in MODULE_METHODS_KEEPING_MODE:
            value = value.func.value  # `model.to(device)` is the same module
        if not isinstance(value, ast.Name):
            return None
        if value.id in seen:  # `model = model.to(device)`: the parameter itself, if it is one
            return value.id if value.id in params else None
        bound = bindings.get(value.id)
        if not bound:
            return value.id if value.id in params else None
        # (`best_model = None` before the loop that binds the model: no other object comes back.)
        found = {origin(b, seen | {value.id}) for b in bound if not (isinstance(b, ast.Constant) and b.value is None)}
        if value.id in params:
            found.add(value.id)  # as it came in, on the paths that do not rebind it
        return found.pop() if len(found) == 1 else None

    if not returns:
        return None
    if index is not None:
        if not all(isinstance(r, (ast.Tuple, ast.List)) and len(r.elts) == length and not any(isinstance(e, ast.Starred) for e in r.elts) for r in returns):
            return None
        returns = [r.elts[index] for r in returns]  # type: ignore[union-attr]
    found = {origin(r, set()) for r in returns}
    return found.pop() if len(found) == 1 else None


def _tested_parameters(fn: ast.AST, handed_on: bool = False) -> Set[str]:
    """Parameters an `if` of ``fn`` tests (with ``handed_on``: or that a call of it is handed,
    to test there) and that nothing in it rebinds."""
    args = fn.args  # type: ignore[attr-defined]
    params = {a.arg for a in list(args.posonlyargs) + list(args.args) + list(args.kwonlyargs)}
    tested_names = {n.id for node in ast_walk(fn) if isinstance(node, ast.If) for n in ast_walk(node.test) if isinstance(n, ast.Name)}
    tested = tested_names & params
    # `is_train = optimizer is not None` ... `if is_train:`: a flag the function computes from a
    # parameter once, at the top of its body (``_with_derived_flags``), tests that parameter.
    for stmt in fn.body:  # type: ignore[attr-defined]
        if isinstance(stmt, ast.Assign) and len(stmt.targets) == 1 and isinstance(stmt.targets[0], ast.Name) and stmt.targets[0].id in tested_names:
            if isinstance(stmt.value, (ast.Compare, ast.BoolOp, ast.UnaryOp, ast.Name)):
                tested |= {n.id for n in ast_walk(stmt.value) if isinstance(n, ast.Name)} & params
    if handed_on:
        tested |= {
            a.id for node in ast_walk(fn) if isinstance(node, ast.Call)
            for a in [*node.args, *(k.value for k in node.keywords)] if isinstance(a, ast.Name)
        } & params
    rebound = {n.id for n in ast_walk(fn) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Store)}
    return tested - rebound


# torch's constructors of made-up tensors (random, constant, uninitialised, ranges): shape probes'
# inputs.  The one table, read by BN001's in-file probe check too.
SYNTHETIC_TENSORS = frozenset({
    "randn", "rand", "zeros", "ones", "empty", "randint", "full", "arange", "linspace", "eye",
    "randn_like", "rand_like", "zeros_like", "ones_like", "empty_like", "full_like",
})
# Of those, the random ones: noise is never the data (a start token of zeros may be).
RANDOM_TENSORS = frozenset({"randn", "rand", "randint", "randn_like", "rand_like"})


def _synthetic_tensor(expr: ast.AST, binding: "Callable[[str, int], Optional[ast.AST]]", line: int) -> bool:
    """`torch.randn(1, 3, 224, 224)` (also `.to(device)`, `.cuda()`), or a name last bound to one
    before ``line`` (``binding(name, line)``; `x = x.cuda()` reads the `x` bound before it): a
    tensor of made-up data."""
    for _ in range(4):
        if isinstance(expr, ast.Name):
            bound = binding(expr.id, line)
            if bound is None:
                return False
            line = getattr(bound, "lineno", line)
            expr = bound
        while isinstance(expr, ast.Call) and isinstance(expr.func, ast.Attribute) and expr.func.attr in ("to", "cuda", "float", "half"):
            expr = expr.func.value
        if isinstance(expr, ast.Call):
            name = dotted_name(expr.func) or ""
            return name.startswith("torch.") and name.rsplit(".", 1)[-1] in SYNTHETIC_TENSORS
        if not isinstance(expr, ast.Name):
            return False
    return False


def _dead_under(fn: ast.AST, literals: "Dict[str, object]") -> Set[int]:
    """The ids of the nodes of ``fn`` in branches that ``literals`` (parameter -> value) rule out,
    also through a flag the function computes from them once (`is_train = optimizer is not
    None` ... `if is_train:`)."""
    literals = _with_derived_flags(fn, literals)
    out: Set[int] = set()
    for node in ast_walk(fn):
        if isinstance(node, (ast.If, ast.IfExp)):
            known = static_truth(node.test, literals)
            if known is None:
                continue
            dead = node.orelse if known else node.body
            for part in dead if isinstance(dead, list) else [dead]:
                out.update(id(n) for n in ast_walk(part))
    return out


def _with_derived_flags(fn: ast.AST, literals: "Dict[str, object]") -> "Dict[str, object]":
    """``literals`` and the names ``fn`` binds exactly once, at the top of its body (not under an
    `if` or a loop), to a test whose value they decide (`is_train = optimizer is not None`)."""
    if not literals or not isinstance(getattr(fn, "body", None), list):
        return literals
    counts: Dict[str, int] = {}
    for node in ast_walk(fn):
        bound = [n for t in binding_targets(node) for n in ast_walk(t) if isinstance(n, ast.Name)]
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):  # (parameters bind names too)
            bound += [ast.Name(id=a.arg) for a in node.args.posonlyargs + node.args.args + node.args.kwonlyargs]
        for target in bound:
            counts[target.id] = counts.get(target.id, 0) + 1
    out = dict(literals)
    for stmt in fn.body:  # type: ignore[attr-defined]
        if isinstance(stmt, ast.Assign) and len(stmt.targets) == 1 and isinstance(stmt.targets[0], ast.Name):
            name = stmt.targets[0].id
            if counts.get(name) == 1 and name not in out:
                known = static_truth(stmt.value, out)
                if known is not None:
                    out[name] = known
    return out


def binding_targets(stmt: ast.AST) -> list:
    """What a statement binds: the target expressions of an assignment, `for`, `with ... as` or
    walrus (each may be a tuple to unpack)."""
    if isinstance(stmt, ast.Assign):
        return list(stmt.targets)
    if isinstance(stmt, (ast.AugAssign, ast.AnnAssign, ast.For, ast.AsyncFor, ast.NamedExpr)):
        return [stmt.target]
    if isinstance(stmt, (ast.With, ast.AsyncWith)):
        return [i.optional_vars for i in stmt.items if i.optional_vars is not None]
    return []


def static_truth(test: ast.AST, literals: "Dict[str, object]") -> Optional[bool]:
    """The value of an `if` test over names bound to literals (`valid_loader is not None`, `not
    use_val`, `mode == "val"`, `epochs > 0`, `a and b`), or None when it depends on anything else.  The one
    implementation: the mode analysis asks it of its libcst tests too (``ModesAnalysis._static_truth``)."""
    if isinstance(test, ast.Constant):  # `if 0:`, `if False:` (code switched off by hand)
        return bool(test.value)
    if isinstance(test, ast.Name):
        return bool(literals[test.id]) if test.id in literals else None
    if isinstance(test, ast.Attribute):  # `self.use_bn`, when `__init__` copied a parameter to it
        name = dotted_name(test)
        return bool(literals[name]) if name in literals else None
    if isinstance(test, ast.UnaryOp) and isinstance(test.op, ast.Not):
        inner = static_truth(test.operand, literals)
        return None if inner is None else not inner
    if isinstance(test, ast.BoolOp):
        values = [static_truth(v, literals) for v in test.values]
        if isinstance(test.op, ast.And):
            return False if False in values else (True if all(v is True for v in values) else None)
        return True if True in values else (False if all(v is False for v in values) else None)
    left_name = dotted_name(test.left) if isinstance(test, ast.Compare) and isinstance(test.left, (ast.Name, ast.Attribute)) else None
    if isinstance(test, ast.Compare) and len(test.ops) == 1 and left_name in literals:
        try:
            right = ast.literal_eval(test.comparators[0])  # `"val"`, `None`, `-1`, `("bn", "batch")`
        except (ValueError, TypeError, SyntaxError, MemoryError, RecursionError):
            return None
        left, op = literals[left_name], test.ops[0]
        if isinstance(op, (ast.Is, ast.Eq)):
            return left == right if isinstance(op, ast.Eq) else left is right
        if isinstance(op, (ast.IsNot, ast.NotEq)):
            return left != right if isinstance(op, ast.NotEq) else left is not right
        if isinstance(op, (ast.In, ast.NotIn)) and isinstance(right, (tuple, list, set, frozenset)):
            return (left in right) == isinstance(op, ast.In)
        numbers = (int, float)
        if isinstance(op, (ast.Lt, ast.LtE, ast.Gt, ast.GtE)) and isinstance(left, numbers) and isinstance(right, numbers):
            # `if evaluate > 0:` with `evaluate=0` passed
            return {ast.Lt: left < right, ast.LtE: left <= right, ast.Gt: left > right, ast.GtE: left >= right}[type(op)]
    return None


def summarise_function(
    fn: ast.AST, path: str, resolve: "Callable[[str, int], Optional[FunctionEffects]]", functions: "Dict[str, ast.AST]", depth: int = 0
) -> FunctionEffects:
    """The summary of ``fn`` (a function of the module at ``path``, whose top-level functions are
    ``functions``); ``resolve(dotted, depth)`` summarises a function it calls."""
    args = fn.args  # type: ignore[attr-defined]
    positional = tuple(a.arg for a in list(args.posonlyargs) + list(args.args))
    keyword_only = tuple(a.arg for a in args.kwonlyargs)
    effects = _ParamEffects(fn, resolve, functions, depth, positional + keyword_only)
    return FunctionEffects(fn.name, path, fn.lineno, positional, keyword_only, effects)  # type: ignore[attr-defined]


class _ParamEffects:
    """The effects of a function on each of its parameters, each worked out when first asked for:
    a caller asks only about the parameters it hands a model to (library code has functions with
    many parameters, and call chains many functions deep)."""

    def __init__(
        self, fn: ast.AST, resolve, functions: "Dict[str, ast.AST]", depth: int, names: Tuple[str, ...],
        literals: "Optional[Dict[str, object]]" = None, kept: FrozenSet[str] = frozenset(),
    ) -> None:
        self._fn, self._resolve, self._functions, self._depth = fn, resolve, functions, depth
        self._kept = kept  # a constructor's parameters it keeps in the instance: unknown after the call
        self._literals = literals or {}  # parameters a call binds to literals (``FunctionEffects.specialised``)
        self._specialised: Dict[tuple, "_ParamEffects"] = {}
        self._names = set(names) - {"self", "cls"}
        self._used: Optional[Set[str]] = None
        self._done: Dict[object, Optional[ParamEffect]] = {}

    # Summaries being worked out (outermost first), and whether a recursive call was cut short
    # while they were: an answer that rests on a cut depends on where the recursion was entered,
    # so only the outermost one is kept (the same whichever file asks first).
    _active: List[Tuple["_ParamEffects", str]] = []
    _cut = False

    def get(self, name: str, element: bool = False) -> Optional[ParamEffect]:
        """The parameter's effect, or None: no such parameter, or nothing happens to it.
        ``element``: the effect on a model that is one element of the list handed to it
        (`set_mode("eval", [encoder, decoder])` with `for m in models: m.eval()`)."""
        key = (name, True) if element else name
        if key in self._done:
            return self._done[key]
        if name in self._kept:
            return ParamEffect(exit=UNKNOWN)
        if (self, key) in _ParamEffects._active:
            _ParamEffects._cut = True
            return ParamEffect(exit=UNKNOWN)  # a recursive call: unknown
        if self._used is None:
            self._used = _names_used_as_modules(self._fn)
        if name not in self._names or (not element and name not in self._used):
            self._done[key] = None
            return None
        outer_cut, _ParamEffects._cut = _ParamEffects._cut, False
        _ParamEffects._active.append((self, key))
        try:
            run = _ParamRun(self._fn, name, self._resolve, self._functions, self._depth, element=element)
            run.literals = self._literals
            effect: Optional[ParamEffect] = run.run()
        finally:
            _ParamEffects._active.pop()
        if effect == ParamEffect():
            effect = None
        if not _ParamEffects._cut or not _ParamEffects._active:
            self._done[key] = effect
        _ParamEffects._cut = outer_cut or (_ParamEffects._cut and bool(_ParamEffects._active))
        return effect

    def member(self, name: str, attr: str, siblings: FrozenSet[str] = frozenset()) -> Optional[ParamEffect]:
        """The effect on the model a holder handed to parameter ``name`` keeps under ``attr``
        (`ctx.model`, `bundle["model"]`); ``siblings``: the holder's other models, whose calls
        are their own forwards.  Unknown where the function uses the holder in a way not
        followed (hands it on, calls a method of it, rebinds it or the member); None where it does
        nothing to that model."""
        key = (name, "." + attr, siblings)
        if key in self._done:
            return self._done[key]
        if (self, key) in _ParamEffects._active:
            _ParamEffects._cut = True
            return ParamEffect(exit=UNKNOWN)  # a recursive call: unknown
        effect: Optional[ParamEffect] = None
        if name in self._names:
            fn = _ItemsAsAttributes(name).visit(rewritable_copy(self._fn))
            if _holder_escapes(fn, name, {attr} | set(siblings), self._summarised):
                effect = ParamEffect(exit=UNKNOWN)
            else:
                outer_cut, _ParamEffects._cut = _ParamEffects._cut, False
                _ParamEffects._active.append((self, key))
                try:
                    run = _ParamRun(fn, f"{name}.{attr}", self._resolve, self._functions, self._depth)
                    run.literals = self._literals
                    run.holders[name] = (attr, siblings)
                    effect = run.run()
                finally:
                    _ParamEffects._active.pop()
                if effect == ParamEffect():
                    effect = None
                cut = _ParamEffects._cut and bool(_ParamEffects._active)
                _ParamEffects._cut = outer_cut or cut
                if cut:
                    return effect  # (rests on a cut recursion: not kept, as in ``get``)
        self._done[key] = effect
        return effect

    def _summarised(self, call: ast.Call) -> bool:
        """Is ``call`` one of a function whose summary this one follows (a holder handed to it
        is then followed into it, `test(args)` reading `args["model"]`)?"""
        name = dotted_name(call.func)
        return bool(name) and self._depth < MAX_DEPTH and self._resolve(name, self._depth + 1) is not None

    def __eq__(self, other: object) -> bool:  # records compare their fields
        return self is other

    def __hash__(self) -> int:
        return id(self)


# Methods of a module (besides ``PLAIN_MODULE_METHODS``) and helpers a model class commonly
# has that run no layer of it: `self.register_parameter(...)`, `self.log(...)`.
_NOT_SUBMODULES = frozenset(
    {"register_parameter", "register_backward_hook", "get_parameter", "get_buffer", "__setattr__", "__getattr__",
     "log", "log_dict", "print", "save", "load", "update", "reset_parameters", "init_weights"}
)  # fmt: skip


_MODE_WORDS = frozenset({"train", "training", "retrain", "eval", "evaluation", "freeze", "frozen", "unfreeze", "mode"})


def _words(name: str) -> FrozenSet[str]:
    """The lower-case words of an identifier: `set_trainMode` -> {"set", "train", "mode"}."""
    import re

    return frozenset(w.lower() for w in re.findall(r"[A-Z]?[a-z]+|[A-Z]+(?![a-z])|\d+", name))


def summarise_method(
    cls: ast.ClassDef,
    name: str,
    path: str,
    resolve: "Callable[[str, int], Optional[FunctionEffects]]",
    functions: "Dict[str, ast.AST]",
    depth: int = 0,
    classes: "Optional[Dict[str, ast.ClassDef]]" = None,
) -> Optional[ParamEffect]:
    """What calling method ``name`` of ``cls`` does to the instance (`model.freeze_bn()`,
    `model.predict(x)`): the effect on ``self``; its other methods it calls are followed.
    None: no such method in the class body (inherited: not seen)."""
    methods = {n.name: n for n in cls.body if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef))}
    fn = methods.get(name)
    if fn is None or not fn.args.args or fn.args.args[0].arg != "self":
        return None
    run = _ParamRun(fn, "self", resolve, functions, depth, methods)
    run.layers_are_self = is_module_class(cls, classes or {})
    return run.run()


def constructor_attributes(cls: ast.ClassDef) -> "Optional[Tuple[Tuple[str, ...], Dict[str, str]]]":
    """For a plain class that keeps what it is handed (`def __init__(self, model, loader):
    self.model = model`): its constructor's parameters in positional order (`self` left out) and
    parameter -> attribute for those stored as they came (`.to(device)`, a `DataParallel` wrap
    and `.module` keep the object).  None when `__init__` is not in the class body or switches a
    mode itself (then its own effect decides, not a stored reference)."""
    init = next((n for n in cls.body if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef)) and n.name == "__init__"), None)
    if init is None and any((dotted_name(d.func if isinstance(d, ast.Call) else d) or "") in ("dataclass", "dataclasses.dataclass") for d in cls.decorator_list):
        # A dataclass: its generated constructor stores each argument in the field of its name.
        fields = tuple(
            n.target.id for n in cls.body
            if isinstance(n, ast.AnnAssign) and isinstance(n.target, ast.Name) and not (dotted_name(n.annotation) or "").endswith("ClassVar")
        )
        return (fields, {f: f for f in fields}) if fields else None
    if init is None or not init.args.args or init.args.args[0].arg != "self":
        return None
    if any(isinstance(n, ast.Call) and _mode_of(n) is not None for n in ast_walk(init)):
        return None
    params = tuple(a.arg for a in init.args.posonlyargs + init.args.args[1:])
    names = set(params) | {a.arg for a in init.args.kwonlyargs}
    stored: Dict[str, str] = {}
    pairs: List[Tuple[ast.AST, ast.AST]] = []
    for stmt in init.body:
        if not (isinstance(stmt, ast.Assign) and len(stmt.targets) == 1):
            continue
        target = stmt.targets[0]
        if isinstance(target, ast.Tuple) and isinstance(stmt.value, ast.Tuple) and len(target.elts) == len(stmt.value.elts):
            pairs.extend(zip(target.elts, stmt.value.elts))  # `self.encoder, self.head = encoder, head`
        else:
            pairs.append((target, stmt.value))
    for target, value in pairs:
        if not (isinstance(target, ast.Attribute) and isinstance(target.value, ast.Name) and target.value.id == "self"):
            continue
        while True:
            if isinstance(value, ast.Call) and isinstance(value.func, ast.Attribute) and value.func.attr in MODULE_METHODS_KEEPING_MODE:
                value = value.func.value
            elif isinstance(value, ast.Call) and (dotted_name(value.func) or "").rsplit(".", 1)[-1] in WRAPPER_LEAVES and value.args:
                value = value.args[0]
            else:
                break
        if isinstance(value, ast.Name) and value.id in names:
            stored.setdefault(value.id, target.attr)
    return params, stored


def summarise_attribute_method(
    cls: ast.ClassDef,
    name: str,
    attr: str,
    path: str,
    resolve: "Callable[[str, int], Optional[FunctionEffects]]",
    functions: "Dict[str, ast.AST]",
    inherited: "Optional[Dict[str, ast.AST]]" = None,
) -> Optional[ParamEffect]:
    """What calling method ``name`` of a plain class (a trainer, an evaluator) does to the model
    it keeps in `self.<attr>` (`evaluator.get_scores()` running `self.model.eval()`); the
    class's other methods it calls on `self` are followed.  ``inherited``: the methods of its
    project base classes (`Detector.__call__` running the subclass's `self.predict(x)`), which
    its own override.  None: no such method."""
    methods = dict(inherited or {})
    methods.update({n.name: n for n in cls.body if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef))})
    fn = methods.get(name)
    if fn is None or not fn.args.args or fn.args.args[0].arg != "self":
        return None
    return _ParamRun(fn, f"self.{attr}", resolve, functions, 0, methods).run()


def method_reaches_dropout(cls: ast.ClassDef, name: str, holds_dropout: "Callable[[str], bool]", is_dropout_call: "Callable[[ast.Call], bool]") -> bool:
    """Can method ``name`` of a model with dropout and no BN run its dropout?  Yes when what it
    reaches (``inventory.reachable_parts``: its methods through `self`, the values of the
    `self.<attr>` they use; `self.forward(x)` reaches `forward`) calls a mode-following dropout
    function or builds a dropout layer, when it calls `self(x)`, or hands `self` to other code. A
    layer-wise `inference()` running only `self.convs[i]` of a model whose dropout is the
    `F.dropout` in its `forward` cannot. A method the class body does not define: yes."""
    from bnlint.inventory import reachable_parts

    reached = reachable_parts(cls, name)
    if reached is None:
        return True
    methods, values = reached
    used = {n.attr for m in methods for n in ast_walk(m) if isinstance(n, ast.Attribute) and isinstance(n.value, ast.Name) and n.value.id == "self"}
    for method in methods:
        for node in ast_walk(method):
            if not isinstance(node, ast.Call):
                continue
            if is_dropout_call(node) or (isinstance(node.func, ast.Name) and node.func.id == "self"):
                return True
            if any(isinstance(a, ast.Name) and a.id == "self" for a in list(node.args) + [k.value for k in node.keywords]):
                return True
    # Layers added to a used container after it was built (`self.layers.append(nn.Dropout(p))`).
    for node in ast_walk(cls):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr in ("append", "extend", "insert", "add_module"):
            holder = node.func.value
            if isinstance(holder, ast.Attribute) and isinstance(holder.value, ast.Name) and holder.value.id == "self" and holder.attr in used:
                values = values + list(node.args)
            elif isinstance(holder, ast.Name) and holder.id == "self":
                values = values + list(node.args)
    # A part kept from a constructor parameter (`self.model = model` of a wrapper): whatever model
    # it was handed, its dropout included, runs there.
    init = next((n for n in cls.body if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef)) and n.name == "__init__"), None)
    params = {a.arg for a in init.args.args[1:] + init.args.kwonlyargs} if init is not None else set()
    if any(isinstance(value, ast.Name) and value.id in params for value in values):
        return True
    # (`self.rnn = nn.GRU(h, h, 2, dropout=p)`: a layer built with a rate is dropout too.)
    return any(isinstance(n, ast.Call) and (holds_dropout(dotted_name(n.func) or "") or is_dropout_call(n)) for value in values for n in ast_walk(value))


def is_module_class(cls: ast.ClassDef, classes: "Dict[str, ast.ClassDef]", _depth: int = 0) -> bool:
    """Is ``cls`` an `nn.Module` (its `self.<layer>(x)` runs part of it, in its mode), rather than a
    plain class holding models (a predictor, a trainer, an sklearn-style wrapper, whose models
    have modes of their own)?  A base of the module (``classes``) is asked in turn; an imported
    one counts when it is torch's or named like a module."""
    if _depth > 8:
        return False
    for base in cls.bases:
        name = dotted_name(base) or ""
        if name in classes and classes[name] is not cls:
            if is_module_class(classes[name], classes, _depth + 1):
                return True
        elif name.startswith(("torch.", "nn.")) or name.endswith(("Module", "Sequential", "ModuleList", "ModuleDict")):
            return True
    return False


class _ItemsAsAttributes(ast.NodeTransformer):
    """`bundle["model"]` -> `bundle.model` for one name: a holder's members are then one kind of
    dotted path, whichever way the code reads them."""

    def __init__(self, name: str) -> None:
        self.name = name

    def visit_Subscript(self, node: ast.Subscript) -> ast.AST:
        self.generic_visit(node)
        key = node.slice
        if isinstance(node.value, ast.Name) and node.value.id == self.name and isinstance(key, ast.Constant) and isinstance(key.value, str) and key.value.isidentifier():
            return ast.copy_location(ast.Attribute(value=node.value, attr=key.value, ctx=node.ctx), node)
        return node


def _holder_escapes(fn: ast.AST, name: str, members: Set[str], summarised: "Callable[[ast.Call], bool]" = lambda call: False) -> bool:
    """Does ``fn`` use the holder ``name`` other than by reading its ``members`` (`ctx.model`),
    attributes that are no methods (`ctx.device`), and handing it as a whole to a call that
    ``summarised`` follows (`test(args)`)?"""
    parents = {id(child): node for node in ast_walk(fn) for child in ast.iter_child_nodes(node)}
    for node in ast_walk(fn):
        if not (isinstance(node, ast.Name) and node.id == name):
            continue
        holder = parents.get(id(node))
        if isinstance(node.ctx, ast.Load):
            call = parents.get(id(holder)) if isinstance(holder, ast.keyword) else holder
            if isinstance(call, ast.Call) and call.func is not node and (node in call.args or isinstance(holder, ast.keyword) and holder.arg is not None) and summarised(call):
                continue
        if not isinstance(node.ctx, ast.Load) or not (isinstance(holder, ast.Attribute) and holder.value is node):
            return True  # rebound, handed on, iterated, subscripted by a key not known here
        if holder.attr in members:
            if not isinstance(holder.ctx, ast.Load):
                return True  # `ctx.model = other`
            continue
        outer = parents.get(id(holder))
        if isinstance(outer, ast.Call) and outer.func is holder:
            return True  # `ctx.predict(x)`, `bundle.values()`: a method runs on it
    return False


def last_binding(fn: ast.AST, name: str, line: int) -> Optional[ast.AST]:
    """The value ``name`` was last assigned in ``fn`` on a line before ``line`` (`x = ...`), if any."""
    found: Optional[ast.Assign] = None
    for node in ast_walk(fn):
        if isinstance(node, ast.Assign) and node.lineno < line and any(isinstance(t, ast.Name) and t.id == name for t in node.targets):
            if found is None or node.lineno > found.lineno:
                found = node
    return found.value if found is not None else None


def _names_used_as_modules(fn: ast.AST) -> Set[str]:
    """Names that are called, have a method called on them, or are handed to a call."""
    out: Set[str] = set()
    for node in ast_walk(fn):
        if isinstance(node, ast.Call):
            head = node.func
            while isinstance(head, ast.Attribute):
                head = head.value
            if isinstance(head, ast.Name):
                out.add(head.id)
            for a in list(node.args) + [k.value for k in node.keywords]:
                if isinstance(a, ast.Starred):
                    a = a.value
                if isinstance(a, ast.Name):
                    out.add(a.id)
                elif isinstance(a, ast.Attribute) and isinstance(a.value, ast.Name):
                    out.add(a.value.id)
        elif isinstance(node, ast.Assign) and isinstance(node.value, ast.Name):
            out.add(node.value.id)
    return out


def names_eval_data(node: ast.AST, strings: bool = True) -> bool:
    """The ``ast`` twin of ``modes._mentions_eval_data``: a name (or string key) whose words say
    val/test/eval, not train; `range(...)`/`len(...)` count steps, not data."""
    stack = [node]
    while stack:
        cur = stack.pop()
        if isinstance(cur, ast.Call) and isinstance(cur.func, ast.Name) and cur.func.id in ("range", "len"):
            continue
        stack.extend(ast.iter_child_nodes(cur))
        text = cur.id if isinstance(cur, ast.Name) else cur.value if strings and isinstance(cur, ast.Constant) and isinstance(cur.value, str) else None
        verdict = eval_data_verdict(text, key=isinstance(cur, ast.Constant)) if text else None
        if verdict is not None:
            return verdict
    return False


def _is_no_grad(expr: ast.AST) -> bool:
    """`torch.no_grad()`, `torch.inference_mode()`, `torch.set_grad_enabled(False)` (also bare)."""
    if isinstance(expr, ast.Call):
        name = dotted_name(expr.func) or ""
        leaf = name.rsplit(".", 1)[-1]
        if leaf == "set_grad_enabled":
            return bool(expr.args) and isinstance(expr.args[0], ast.Constant) and expr.args[0].value is False
        return leaf in _NO_GRAD_LEAVES
    name = dotted_name(expr) or ""
    return name.rsplit(".", 1)[-1] in _NO_GRAD_LEAVES


class _Context:
    __slots__ = ("no_grad", "val_loop", "loop")

    def __init__(self, no_grad: bool = False, val_loop: bool = False, loop: Optional[ast.AST] = None) -> None:
        self.no_grad = no_grad
        self.val_loop = val_loop
        self.loop = loop

    def inside(self, **kw) -> "_Context":
        ctx = _Context(self.no_grad, self.val_loop, self.loop)
        for k, v in kw.items():
            setattr(ctx, k, v)
        return ctx


Modes = "FrozenSet[str]"


class _ParamRun:
    """One parameter's modes through the function's statements, path-insensitively joined."""

    def __init__(
        self, fn: ast.AST, param: str, resolve, functions: "Dict[str, ast.AST]", depth: int, methods: "Optional[Dict[str, ast.AST]]" = None, element: bool = False
    ) -> None:
        self.fn = fn
        self.functions = functions
        self.methods = methods or {}  # the class's methods, when ``param`` is `self`
        self.layers_are_self = False  # `self.<layer>(x)` runs part of the parameter (an nn.Module's method)
        self.literals: Dict[str, object] = {}  # parameters bound to literals: branches they rule out are skipped
        self.visiting: Set[str] = {getattr(fn, "name", "")}
        # Context managers whose `with` is open here: (mode before it, mode it leaves), for returns.
        self.managed: List[Tuple[FrozenSet[str], str]] = []
        # Names (or, for a method's `self.<attr>`, dotted attribute paths) that reach the parameter.
        self.aliases: Set[str] = set() if element else {param}
        # The model is one element of the list ``param``: a `for` over it reaches the model once.
        self.collection = param if element else None
        self.param = param
        # The function's own parameters other than the model: a call of one of them is of a
        # callable the caller hands in (`model_func(model, batch)`).
        args = fn.args  # type: ignore[attr-defined]
        self.callable_parameters = {a.arg for a in [*args.posonlyargs, *args.args, *args.kwonlyargs] if a.arg != param}
        # Holders of the model this run follows, to follow them where they are handed on whole:
        # name -> (the member it is under, the holder's other models).  The holder parameter
        # whose member the run follows (`args.model`), and dicts the function fills with it
        # (`test_args["model"] = model`).
        self.holders: Dict[str, Tuple[str, FrozenSet[str]]] = {}
        self.saved: Dict[str, FrozenSet[str]] = {}
        self.resolve = resolve
        self.depth = depth
        self.exits: List[FrozenSet[str]] = []
        self.forwards: List[Tuple[ast.AST, FrozenSet[str], FrozenSet[str], Optional[ast.AST], bool]] = []
        self.breaks: List[List[FrozenSet[str]]] = []
        self.yields: List[FrozenSet[str]] = []
        # ("mode", m) / ("freeze", "") / ("forward", index into self.forwards), in source order.
        self.steps: List[Tuple[str, object]] = []
        self.loads_weights = False
        # (A `test_model()` that project code calls, as it does here, is no pytest test.)
        self.eval_fn = is_called_eval_routine_name(fn.name)  # type: ignore[attr-defined]
        # BN recalibration (precise BN, `update_bn_stats`): train-mode forwards on purpose, no evaluation.
        self.recalibrates = _recalibrates(fn)
        no_grad = any(_is_no_grad(d) for d in fn.decorator_list)  # type: ignore[attr-defined]
        self.ctx0 = _Context(no_grad=no_grad)

    def run(self) -> ParamEffect:
        end = self.block(self.fn.body, frozenset({ENTRY}), self.ctx0)  # type: ignore[attr-defined]
        if end is not None:
            self.exits.append(end)
        finals = frozenset().union(*self.exits) if self.exits else frozenset({ENTRY})
        exit_mode = next(iter(finals)) if len(finals) == 1 else UNKNOWN
        if len(finals) == 2 and ENTRY in finals and UNKNOWN not in finals:
            # As it came, or set (a loop that may run no iteration): "=|T", "=|E".
            exit_mode = ENTRY + "|" + next(iter(finals - {ENTRY}))
        backwards = _backward_positions(self.fn, self.functions)
        if self.literals:
            # (`if phase == "train": loss.backward()` in a run bound to `phase="val"`: not taken.)
            dead = self.dead_under_literals()
            backwards = [b for b in backwards if id(b[1]) not in dead]
        # (`loss_batch(loss_fn, out, y, opt)` in a run bound to `opt=None`, or called without an
        # optimizer: the helper's `if opt is not None: loss.backward()` is not taken.)
        backwards = [b for b in backwards if not self._helper_backward_ruled_out(b[1])]
        training_guarded = self.training_guarded()
        forwards: List[Tuple[FrozenSet[str], bool, int]] = []
        trains_in: List[str] = []
        # Forwards after the function put submodules in eval (`self.backbone.eval();
        # self.head.eval(); ... self(x)`): its evaluation switched what it evaluates itself.
        after_freeze: Set[int] = set()
        frozen = False
        for kind, what in self.steps:
            if kind == "freeze":
                frozen = True
            elif kind == "mode":
                frozen = False
            elif kind == "forward" and frozen:
                after_freeze.add(what)  # type: ignore[arg-type]
        # An attack or saliency map: forwards that back-propagate to an input train nothing.
        input_gradient = any(f[5] for f in self.forwards) and input_gradient_only(self.fn)
        for index, (node, modes, kinds, loop, trained_by_callee, own) in enumerate(self.forwards):
            if index in after_freeze and ENTRY in modes and len(modes) == 1:
                trains_in.append(("", ""))
                continue
            if self.recalibrates:
                trains_in.append(("", ""))  # its forwards recompute BN statistics on purpose: neither
                continue  # evaluation nor training
            # A forward of a callee is trained on there, or here when this function back-propagates
            # what the callee returned (`loss, metrics = self._compute_loss_and_metrics(x, y)` ...
            # `loss.backward()`: a helper named for metrics, used for training).
            if own and input_gradient:
                # Back-propagated to an input, no optimizer step: neither training nor (without an
                # evaluation context) evaluation.
                if kinds:
                    item = (kinds, False, getattr(node, "lineno", 0))
                    if ENTRY in modes and len(modes) == 1 and not any(f[0] == item[0] and f[1] == item[1] for f in forwards):
                        forwards.append(item)
                trains_in.append(("", ""))
                continue
            trained = trained_by_callee or (
                not kinds & {"no_grad"} and (_trained_after(node, loop, backwards) if own else _result_backpropagated(self.fn, node, backwards))
            )
            if trained and own and not trained_by_callee and training_guarded:
                unguarded = [b for b in backwards if id(b[1]) not in training_guarded]
                if not _trained_after(node, loop, unguarded):
                    if modes == frozenset({EVAL}):
                        trains_in.append(("", ""))  # run in eval mode: the training branch is not taken
                        continue
                    kinds = kinds | {TRAIN_MODE_ONLY}
            if len(modes) == 2 and ENTRY in modes and TRAIN in modes:
                modes = frozenset({TRAIN})  # train mode, or as it came (a loop that may not run)
            if ENTRY in modes and len(modes) == 1:
                item = (kinds, trained, getattr(node, "lineno", 0))
                if not any(f[0] == item[0] and f[1] == item[1] for f in forwards):
                    forwards.append(item)
                trains_in.append(("", ""))
            elif trained:
                trains_in.append(("train", next(iter(modes)) if len(modes) == 1 else UNKNOWN))
            elif kinds == {"no_grad"} and _backward_in_loop(loop, backwards):
                # A no-grad pass of the model the same loop trains (pseudo-labels, a target, a
                # log line): part of the training, not an evaluation (BN001's own reading).
                trains_in.append(("", ""))
            elif SYNTHETIC in kinds:
                trains_in.append(("", ""))  # made-up data after its own `.train()`: a probe, not an evaluation
            elif kinds and modes == {TRAIN}:
                # Evaluated after its own `model.train()` (a training routine that evaluates at the
                # end of each epoch without `.eval()`): the caller's model is evaluated in train mode.
                trains_in.append(("eval", ",".join(sorted(kinds))))
            else:
                trains_in.append(("", ""))
        steps: List[Tuple[str, str]] = []
        for kind, what in self.steps:
            step = trains_in[what] if kind == "forward" else (kind, what)  # type: ignore[index]
            if not step[0]:
                continue
            if not steps or steps[-1] != step:
                steps.append(step)  # type: ignore[arg-type]
        at_yield = None
        if self.yields:
            modes_at_yield = frozenset().union(*self.yields)
            at_yield = next(iter(modes_at_yield)) if len(modes_at_yield) == 1 else UNKNOWN
        return ParamEffect(
            at_yield=at_yield,
            exit=exit_mode,
            forwards=tuple(forwards),
            steps=tuple(steps),
            loads_weights=self.loads_weights,
        )

    def dead_under_literals(self) -> Set[int]:
        """The ids of the nodes in branches the parameters bound to literals rule out."""
        return _dead_under(self.fn, self.literals)

    def _helper_backward_ruled_out(self, call: ast.AST) -> bool:
        """Is ``call`` a call of a function of the module whose every `.backward()` sits in a
        branch that the literals this call binds rule out (an argument written as a literal, a
        parameter of this run bound to one, or a literal default left in place)?"""
        if not (isinstance(call, ast.Call) and isinstance(call.func, ast.Name) and call.func.id in self.functions):
            return False
        helper = self.functions[call.func.id]
        if not isinstance(helper, (ast.FunctionDef, ast.AsyncFunctionDef)) or any(isinstance(a, ast.Starred) for a in call.args) or any(k.arg is None for k in call.keywords):
            return False
        from bnlint.summaries import literal_defaults

        literals = literal_defaults(helper.args)
        positional = [a.arg for a in helper.args.posonlyargs + helper.args.args]
        passed = list(zip(positional, call.args)) + [(k.arg, k.value) for k in call.keywords]
        for name, value in passed:
            if isinstance(value, ast.Constant):
                literals[name] = value.value
            elif isinstance(value, ast.Name) and value.id in self.literals:
                literals[name] = self.literals[value.id]
            else:
                literals.pop(name, None)
        if not literals:
            return False
        dead = _dead_under(helper, literals)
        backwards = [c for c in ast_walk(helper) if isinstance(c, ast.Call) and isinstance(c.func, ast.Attribute) and c.func.attr == "backward"]
        return bool(backwards) and all(id(c) in dead for c in backwards)

    def training_guarded(self) -> Set[int]:
        """The ids of the nodes under `if model.training:` (the parameter's own mode): they run
        only when it is in train mode."""
        out: Set[int] = set()
        for node in ast_walk(self.fn):
            test = node.test if isinstance(node, ast.If) else None
            if isinstance(test, ast.Attribute) and test.attr == "training" and self.is_alias(test.value):
                out.update(id(n) for stmt in node.body for n in ast_walk(stmt))
        return out

    # --- statements -----------------------------------------------------------------
    def block(self, body: List[ast.stmt], modes: Optional[FrozenSet[str]], ctx: _Context) -> Optional[FrozenSet[str]]:
        for stmt in body:
            if modes is None:
                return None
            modes = self.stmt(stmt, modes, ctx)
        return modes

    def stmt(self, node: ast.stmt, modes: FrozenSet[str], ctx: _Context) -> Optional[FrozenSet[str]]:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            return modes
        if isinstance(node, ast.Return):
            if node.value is not None:
                modes = self.expr(node.value, modes, ctx)
            for before, leaves in reversed(self.managed):
                modes = before if leaves == ENTRY else frozenset({leaves})  # the `with`'s exit runs first
            self.exits.append(modes)
            return None
        if isinstance(node, ast.Raise):
            return None
        if isinstance(node, (ast.Break, ast.Continue)):
            if self.breaks:
                self.breaks[-1].append(modes)
            return None
        if isinstance(node, ast.If):
            modes = self.expr(node.test, modes, ctx)
            known = static_truth(node.test, self.literals) if self.literals else None
            if known is None:
                known = self.module_instance_test(node.test)
            if known is None:
                known = self.none_test(node.test)
            if known is not None:
                return self.block(node.body if known else node.orelse, modes, ctx)
            return _join(self.block(node.body, modes, ctx), self.block(node.orelse, modes, ctx))
        if isinstance(node, (ast.For, ast.AsyncFor, ast.While)):
            return self.loop(node, modes, ctx)
        if isinstance(node, (ast.With, ast.AsyncWith)):
            no_grad = ctx.no_grad
            exits: List[Tuple[FrozenSet[str], str]] = []
            for item in node.items:
                if _is_no_grad(item.context_expr):
                    no_grad = True
                    continue
                managed = self.context_manager_effect(item.context_expr)
                if managed is not None and managed.at_yield is not None:
                    # `with self._set_training_mode(False):` the body runs in the mode at its
                    # `yield`; the mode after the `with` is the one it leaves on exit.
                    exits.append((modes, managed.exit))
                    if managed.at_yield != ENTRY:
                        modes = self.set_mode(frozenset({managed.at_yield}))
                else:
                    modes = self.expr(item.context_expr, modes, ctx)
            self.managed.extend(exits)
            try:
                end = self.block(node.body, modes, ctx.inside(no_grad=no_grad))
            finally:
                del self.managed[len(self.managed) - len(exits):]
            for before, leaves in reversed(exits):
                if end is None:
                    break
                end = before if leaves == ENTRY else self.set_mode(frozenset({leaves}))
            return end
        if isinstance(node, ast.Try) or type(node).__name__ == "TryStar":
            after_body = self.block(node.body, modes, ctx)  # type: ignore[attr-defined]
            anywhere = _join(modes, after_body)
            outs = [self.block(node.orelse, after_body, ctx) if after_body is not None else None]  # type: ignore[attr-defined]
            for handler in node.handlers:  # type: ignore[attr-defined]
                outs.append(self.block(handler.body, anywhere, ctx))
            out = _join(*outs)
            if node.finalbody:  # type: ignore[attr-defined]
                out = self.block(node.finalbody, out if out is not None else anywhere, ctx)  # type: ignore[attr-defined]
            return out
        if type(node).__name__ == "Match":
            modes = self.expr(node.subject, modes, ctx)  # type: ignore[attr-defined]
            return _join(modes, *(self.block(case.body, modes, ctx) for case in node.cases))  # type: ignore[attr-defined]
        if isinstance(node, ast.Assign):
            modes = self.expr(node.value, modes, ctx)
            return self.bind(node.targets, node.value, modes)
        if isinstance(node, (ast.AnnAssign, ast.AugAssign)):
            if node.value is not None:
                modes = self.expr(node.value, modes, ctx)
            if isinstance(node, ast.AnnAssign) and node.value is not None:
                modes = self.bind([node.target], node.value, modes)
            return modes
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.expr):
                modes = self.expr(child, modes, ctx)
        return modes

    def loop(self, node: ast.AST, modes: FrozenSet[str], ctx: _Context) -> Optional[FrozenSet[str]]:
        inner = ctx.inside(loop=node)
        if self.collection is not None and isinstance(node, (ast.For, ast.AsyncFor)) and isinstance(node.iter, ast.Name) and node.iter.id == self.collection and isinstance(node.target, ast.Name):
            # `for m in models:` over the list holding the model: one iteration reaches it (the
            # others reach other objects), so its effect is one run of the body.
            self.aliases.add(node.target.id)
            self.breaks.append([])
            try:
                end = self.block(node.body, modes, inner)
            finally:
                self.aliases.discard(node.target.id)
            state = _join(end, *self.breaks.pop())
            if state is None:
                return None
            return self.block(node.orelse, state, ctx) if node.orelse else state
        if isinstance(node, (ast.For, ast.AsyncFor)):
            modes = self.expr(node.iter, modes, ctx)
            rebound = {n.id for n in ast_walk(node.target) if isinstance(n, ast.Name)} & self.aliases
            if rebound:  # `for model in models:` the name now reaches other objects
                self.aliases -= rebound
                modes = frozenset({UNKNOWN})
            if self.modules_loop_freezes(node):
                self.freeze()
            if names_eval_data(node.iter):
                inner.val_loop = True
        else:
            modes = self.expr(node.test, modes, ctx)  # type: ignore[attr-defined]
        state: FrozenSet[str] = modes
        self.breaks.append([])
        for _ in range(2):  # once, then again from the joined back edge
            end = self.block(node.body, state, inner)  # type: ignore[attr-defined]
            state = _join(state, end, *self.breaks[-1]) or state
        self.breaks.pop()
        return self.block(node.orelse, state, ctx) if node.orelse else state  # type: ignore[attr-defined]

    def modules_loop_freezes(self, loop: ast.AST) -> bool:
        """`for m in model.modules(): if isinstance(m, nn.BatchNorm2d): m.eval()`."""
        it = loop.iter  # type: ignore[attr-defined]
        if not (isinstance(it, ast.Call) and isinstance(it.func, ast.Attribute) and it.func.attr in ("modules", "named_modules", "children", "named_children")):
            return False
        base = dotted_name(it.func.value) or ""
        if not self.alias_length(base.split(".")):
            return False
        targets = {n.id for n in ast_walk(loop.target) if isinstance(n, ast.Name)}  # type: ignore[attr-defined]
        for n in ast_walk(loop):
            if isinstance(n, ast.Call) and _mode_of(n) == EVAL and (dotted_name(n.func.value) or "").split(".")[0] in targets:  # type: ignore[attr-defined]
                return True
        return False

    def bind(self, targets: List[ast.AST], value: ast.AST, modes: FrozenSet[str]) -> FrozenSet[str]:
        """Aliases made or lost by an assignment.  A name of the parameter bound to something else
        (`model = getattr(model, "head")` on some path) makes what later calls on that name reach
        unknown: the mode becomes unknown (nothing is claimed from there on)."""
        names = [t.id for t in targets if isinstance(t, ast.Name)]
        for name in names:
            self.holders.pop(name, None)  # (a holder name bound to a new dict: filled again, or not)
        if self.is_alias(value):
            for t in targets:
                # `test_args["model"] = model`: a dict of this function now holds the model.
                if isinstance(t, ast.Subscript) and isinstance(t.value, ast.Name) and isinstance(t.slice, ast.Constant) and isinstance(t.slice.value, str) and t.slice.value.isidentifier():
                    self.holders[t.value.id] = (t.slice.value, frozenset())
        if any(isinstance(t, ast.Name) is False for t in targets):
            names += [n.id for t in targets if not isinstance(t, ast.Name) for n in ast_walk(t) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Store)]
        is_alias = self.is_alias(value)
        saved = isinstance(value, ast.Attribute) and value.attr == "training" and self.is_alias(value.value)
        for name in names:
            if saved:
                self.saved[name] = modes
            else:
                self.saved.pop(name, None)
            if is_alias:
                self.aliases.add(name)
            elif name in self.aliases:
                self.aliases.discard(name)
                modes = frozenset({UNKNOWN})
        return modes

    def is_alias(self, expr: ast.AST) -> bool:
        """The parameter itself: its name, an alias, `.to(device)`, `.cuda()`, a DataParallel wrap,
        `.module`."""
        while True:
            if isinstance(expr, ast.Name):
                return expr.id in self.aliases
            if isinstance(expr, ast.Attribute) and dotted_name(expr) in self.aliases:
                return True  # `self.model`, the attribute this run follows
            if isinstance(expr, ast.Attribute) and expr.attr == "module":
                expr = expr.value
            elif isinstance(expr, ast.Call) and isinstance(expr.func, ast.Attribute) and (expr.func.attr in MODULE_METHODS_KEEPING_MODE or expr.func.attr in ("train", "eval")):
                expr = expr.func.value
            elif isinstance(expr, ast.Call) and (dotted_name(expr.func) or "").rsplit(".", 1)[-1] in WRAPPER_LEAVES and expr.args:
                expr = expr.args[0]
            else:
                return False

    def module_instance_test(self, test: ast.AST) -> Optional[bool]:
        """`isinstance(net, torch.nn.Module)` (or `not ...`) on the parameter: True (False).  The
        summary is applied only where a model is handed over (d2l's helpers take plain functions
        too, and guard `net.eval()` so), as ``ModesAnalysis._module_instance_test`` does."""
        negated = isinstance(test, ast.UnaryOp) and isinstance(test.op, ast.Not)
        call = test.operand if negated else test  # type: ignore[attr-defined]
        if not (isinstance(call, ast.Call) and isinstance(call.func, ast.Name) and call.func.id == "isinstance" and len(call.args) == 2):
            return None
        if dotted_name(call.args[1]) not in ("torch.nn.Module", "nn.Module", "torch.nn.modules.module.Module") or not self.is_alias(call.args[0]):
            return None
        return not negated

    def none_test(self, test: ast.AST) -> Optional[bool]:
        """`m is None` / `m is not None` on the model (False / True): a summary is applied only
        where a model is handed over."""
        negated = isinstance(test, ast.UnaryOp) and isinstance(test.op, ast.Not)
        cmp = test.operand if negated else test  # type: ignore[attr-defined]
        if not (isinstance(cmp, ast.Compare) and len(cmp.ops) == 1 and isinstance(cmp.ops[0], (ast.Is, ast.IsNot))):
            return None
        right = cmp.comparators[0]
        if not (isinstance(right, ast.Constant) and right.value is None and self.is_alias(cmp.left)):
            return None
        return isinstance(cmp.ops[0], ast.IsNot) != negated

    def method_run(self, name: str, param: str) -> "Optional[_ParamRun]":
        """A run of the class's method ``name`` (called on `self` here) for ``param`` (`self`, or
        the `self.<attr>` this run follows), one call deeper; None when there is no such method, it
        is already being run, or the calls are too deep."""
        fn = self.methods.get(name)
        if fn is None or name in self.visiting or self.depth >= MAX_DEPTH:
            return None
        run = _ParamRun(fn, param, self.resolve, self.functions, self.depth + 1, self.methods)
        run.visiting |= self.visiting
        run.layers_are_self = self.layers_are_self
        return run

    def context_manager_effect(self, expr: ast.AST) -> Optional[ParamEffect]:
        """The effect on the parameter of a `with` item that is a method of the class called on
        `self` (`self._set_training_mode(False)`), with the literals it is called with; None for
        anything else (then the item is an ordinary call)."""
        if not (isinstance(expr, ast.Call) and isinstance(expr.func, ast.Attribute) and isinstance(expr.func.value, ast.Name) and expr.func.value.id == "self"):
            return None
        if not (self.param == "self" or self.param.startswith("self.")):
            return None
        run = self.method_run(expr.func.attr, self.param)
        if run is None:
            return None
        names = [a.arg for a in run.fn.args.args[1:]]  # type: ignore[attr-defined]
        for name, arg in zip(names, expr.args):
            if isinstance(arg, ast.Constant):
                run.literals[name] = arg.value
        return run.run()

    def alias_length(self, parts: List[str]) -> int:
        """How many leading parts of a dotted receiver name the parameter (`model` in
        `model.backbone`: 1; `self.model` in `self.model.head`: 2); 0 when it does not start with it."""
        for k in range(min(len(parts), 3), 0, -1):
            if ".".join(parts[:k]) in self.aliases:
                return k
        return 0

    # --- expressions ----------------------------------------------------------------
    def expr(self, node: ast.AST, modes: FrozenSet[str], ctx: _Context) -> FrozenSet[str]:
        if isinstance(node, ast.IfExp):
            # `model.train() if phase == "train" else model.eval()`: one branch runs, the one the
            # call's literals decide where they do.
            modes = self.expr(node.test, modes, ctx)
            known = static_truth(node.test, self.literals) if self.literals else None
            if known is not None:
                return self.expr(node.body if known else node.orelse, modes, ctx)
            return _join(self.expr(node.body, modes, ctx), self.expr(node.orelse, modes, ctx)) or modes
        for call in _calls_in_evaluation_order(node):
            if isinstance(call, (ast.Yield, ast.YieldFrom)):
                self.yields.append(modes)
            else:
                modes = self.call(call, modes, ctx)
        return modes

    def kinds(self, ctx: _Context) -> FrozenSet[str]:
        out = set()
        if ctx.no_grad:
            out.add("no_grad")
        if ctx.val_loop:
            out.add("val_loop")
        if self.eval_fn:
            out.add("eval_fn")
        return frozenset(out)

    def call(self, call: ast.Call, modes: FrozenSet[str], ctx: _Context) -> FrozenSet[str]:
        func = call.func
        if isinstance(func, ast.Name) and func.id in self.aliases or isinstance(func, ast.Attribute) and dotted_name(func) in self.aliases:
            kinds = self.kinds(ctx)
            if call.args and _synthetic_tensor(call.args[0], lambda name, line: last_binding(self.fn, name, line), call.lineno):
                # `_ = model(torch.randn(1, 3, side, side))` in a profiler, a shape check or a
                # warm-up: made-up data; the caller decides by what it hands over (``SYNTHETIC``).
                kinds |= {SYNTHETIC}
            if "no_grad" in kinds and call.args and is_one_sample(call.args[0], lambda name: last_binding(self.fn, name, call.lineno)):
                kinds |= {"one_sample"}  # `actor(state.unsqueeze(0))`: inference of one sample
            self.forward(call, modes, kinds, ctx.loop, False)
            return modes
        if self.layers_are_self and isinstance(func, ast.Subscript) and (dotted_name(func.value) or "").split(".")[0] == "self":
            # `self._modules[name](x)`, `self.blocks[i](x)` in a method of the model: its layers run.
            self.forward(call, modes, self.kinds(ctx), ctx.loop, False)
            return modes
        if isinstance(func, ast.Attribute):
            recv = dotted_name(func.value)
            parts = recv.split(".") if recv else []
            if not parts and isinstance(func.value, ast.Call) and self.is_alias(func.value):
                parts = [self.param]  # `net.cuda().eval()`: a method of the parameter itself
            size = self.alias_length(parts)
            if not size and parts == ["self"] and self.param.startswith("self."):
                # `self._valid()` in a method of a trainer whose `self.model` this run follows:
                # that method's effect on the same attribute.
                run = self.method_run(func.attr, self.param)
                if run is not None:
                    return self.apply_effect(call, run.run(), modes, ctx)
            if size:
                sub = [p for p in parts[size:] if p != "module"]
                meth = func.attr
                if meth in ("eval", "train"):
                    mode = _mode_of(call)
                    if sub:
                        if mode == EVAL and modes != frozenset({EVAL}):
                            self.freeze()  # (in eval already, `model.eval(); model.backbone.eval()`: nothing more)
                        return modes
                    flag = call.args[0] if call.args else call.keywords[0].value if call.keywords else None
                    if mode == UNKNOWN and isinstance(flag, ast.Name) and flag.id in self.saved:
                        # `model.train(was_training)`: restored
                        return self.set_mode(self.saved[flag.id])
                    if mode == UNKNOWN and isinstance(flag, ast.Name) and flag.id in self.literals:
                        mode = TRAIN if self.literals[flag.id] else EVAL  # `train(training)`, called with a literal
                    return self.set_mode(frozenset({mode or UNKNOWN}))
                if sub:
                    return modes
                if meth == "forward":
                    self.forward(call, modes, self.kinds(ctx), ctx.loop, False)
                    return modes
                if meth == "apply":
                    return self.applied(call, modes)
                if meth in WEIGHT_LOADING_METHODS:
                    self.loads_weights = True
                if meth in PLAIN_MODULE_METHODS:
                    return modes
                run = self.method_run(meth, "self") if parts[0] == "self" else None
                if run is not None:
                    # Another method of the same class: its effect on `self`.
                    return self.apply_effect(call, run.run(), modes, ctx)
                if parts[0] != "self":
                    # `model.val_start()` on what the caller handed over: a caller that knows the
                    # object's class (an instance holding models, ``ModesAnalysis._composite``)
                    # runs the method's effect on its parts; for a model it is what follows.
                    self.steps.append(("method", meth))
                if _MODE_WORDS & _words(meth):
                    # A method of the model's own class (`set_mode`, `freeze_bn`): not seen here.
                    # (Words, not substrings: `self.model(x)` runs a submodule.)
                    return frozenset({UNKNOWN})
                if self.layers_are_self and parts == ["self"] and meth not in _NOT_SUBMODULES:
                    # `self.encoder(x)` in a method of the model (`extract_features`): a layer of it runs.
                    self.forward(call, modes, self.kinds(ctx), ctx.loop, False)
                return modes
        # The parameter handed to another call.
        for index, arg in _arguments(call):
            value = arg.value if isinstance(arg, (ast.Starred, ast.keyword)) else arg
            if isinstance(value, ast.Name) and value.id in self.holders and not isinstance(arg, ast.Starred):
                # A holder of the model this run follows, handed on whole (`test(args)`): the
                # callee's effect on the same member (``_holder_escapes`` let only summarised ones
                # through for the holder parameter).
                callee = self.resolve(dotted_name(func) or "", self.depth + 1) if self.depth < MAX_DEPTH else None
                pname = callee.parameter_for(index, arg.arg if isinstance(arg, ast.keyword) else None) if callee is not None else None
                if pname is None:
                    return frozenset({UNKNOWN})
                attr, siblings = self.holders[value.id]
                effect = callee.effects.member(pname, attr, siblings)  # type: ignore[union-attr]
                if effect is not None:
                    modes = self.apply_effect(call, effect, modes, ctx)
                continue
            if not self.is_alias(value):
                continue
            if isinstance(arg, ast.Starred):
                return frozenset({UNKNOWN})
            name = dotted_name(func) or ""
            if keeps_modes(name):
                continue
            callee = self.resolve(name, self.depth + 1) if name and self.depth < MAX_DEPTH else None
            if callee is None:
                if name in self.callable_parameters and _result_backpropagated(self.fn, call, _backward_positions(self.fn, self.functions)):
                    # `loss, _ = model_func(model, batch)` ... `loss.backward()`: a loss function the
                    # caller hands in runs the model, and this function trains on what it returns.
                    # (Which callable it is, the caller knows: ``("callback", name)`` lets it
                    # drop this training where its callable switches modes itself.)
                    self.steps.append(("callback", name))
                    self.forward(call, modes, frozenset(), ctx.loop, True, own=False)
                return frozenset({UNKNOWN})  # what the callable does to the mode is not seen
            keyword = arg.arg if isinstance(arg, ast.keyword) else None
            pname = callee.parameter_for(index, keyword)
            if pname is None:
                return frozenset({UNKNOWN})
            callee = _specialised_for(callee, call)  # `run_epoch(net, val_loader)`: `opt=None` left in place
            effect = callee.effects.get(pname)
            if effect is None:
                continue
            modes = self.apply_effect(call, effect, modes, ctx, callee)
        return modes

    def set_mode(self, modes: FrozenSet[str]) -> FrozenSet[str]:
        if modes == frozenset({EVAL}):
            # (`model.backbone.eval(); model.eval()`: the part's eval is the whole's, no freeze.)
            while self.steps and self.steps[-1] == ("freeze", ""):
                self.steps.pop()
        self.steps.append(("mode", next(iter(modes)) if len(modes) == 1 else UNKNOWN))
        return modes

    def freeze(self) -> None:
        self.steps.append(("freeze", ""))

    def forward(self, call: ast.Call, modes: FrozenSet[str], kinds: FrozenSet[str], loop: Optional[ast.AST], trained: bool, own: bool = True) -> None:
        """A forward of the parameter: ``own`` in this function, or one a callee runs (``trained``
        then says whether the callee trains on it)."""
        self.steps.append(("forward", len(self.forwards)))
        self.forwards.append((call, modes, kinds, loop, trained, own))

    def apply_effect(self, call: ast.Call, effect: ParamEffect, modes: FrozenSet[str], ctx: _Context, callee: "Optional[FunctionEffects]" = None) -> FrozenSet[str]:
        """A callee's effect on the parameter, in its order: its forwards in the mode the
        parameter has here, then its steps."""
        entry = modes
        for kinds, trained, _ in effect.forwards:
            self.forward(call, modes, frozenset(kinds | self.kinds(ctx)), ctx.loop, trained, own=False)
        skip_training = False
        for kind, what in effect.steps:
            if kind == "callback":
                handed = _ast_argument_for(callee, call, what) if callee is not None else None
                if isinstance(handed, ast.Name) and handed.id in self.callable_parameters:
                    self.steps.append((kind, handed.id))  # handed on from this function's caller
                else:
                    skip_training = handed is not None and _switches_modes(handed, self.functions)
                continue
            if skip_training and kind == "train":
                skip_training = False
                modes = self.set_mode(frozenset({UNKNOWN}))  # its callable switches modes: not followed
                continue
            if kind == "mode":
                modes = self.set_mode(entry if what == ENTRY else frozenset({what}))
            elif kind == "freeze":
                self.freeze()
            elif kind == "method":
                self.steps.append((kind, what))  # run on the object by the caller that knows its class
            elif kind == "eval":
                self.forward(call, frozenset({TRAIN}), frozenset(what.split(",")) | self.kinds(ctx), ctx.loop, False, own=False)
            else:
                self.forward(call, frozenset({what}), frozenset(), ctx.loop, True, own=False)
        if effect.exit == ENTRY:
            return entry
        if effect.exit.startswith(ENTRY + "|"):
            return entry | {effect.exit[2:]}
        return frozenset({effect.exit})

    def applied(self, call: ast.Call, modes: FrozenSet[str]) -> FrozenSet[str]:
        """`model.apply(fn)`: a lambda or a function of this module that calls `.eval()` freezes
        (filtered to BN) or evaluates everything; one that calls no mode method changes nothing."""
        if not call.args:
            return modes
        fn = call.args[0]
        body: Optional[ast.AST] = fn.body if isinstance(fn, ast.Lambda) else None
        if body is None and isinstance(fn, ast.Name):
            nested = [n for n in ast_walk(self.fn) if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef)) and n.name == fn.id and n is not self.fn]
            body = nested[0] if nested else self.functions.get(fn.id)
        if body is None:
            return frozenset({UNKNOWN})
        evals = any(isinstance(n, ast.Call) and _mode_of(n) == EVAL for n in ast_walk(body))
        if not evals:
            return modes
        if any(isinstance(n, (ast.If, ast.IfExp)) for n in ast_walk(body)):
            self.freeze()
            return modes
        return self.set_mode(frozenset({EVAL}))


def input_gradient_only(fn: ast.AST) -> bool:
    """A function that back-propagates only to get the gradient of an input (an adversarial attack,
    a saliency map: `loss.backward(); grad = delta.grad`, or `torch.autograd.grad(loss, x)`) and
    steps no optimizer: its forwards train nothing, whatever mode the model is in."""
    backward = reads_grad = False
    # Optimizers the function builds over tensors of its own (`optim.SGD([delta], lr=...)`, the
    # perturbation of an L2 attack): their steps move an input, not the model.
    input_optimizers = {
        dotted_name(target)
        for node in ast_walk(fn) if isinstance(node, ast.Assign) and isinstance(node.value, ast.Call) and node.value.args
        and (dotted_name(node.value.func) or "").split(".")[-2:-1] == ["optim"]
        and isinstance(node.value.args[0], (ast.List, ast.Tuple)) and node.value.args[0].elts
        and all(isinstance(e, ast.Name) for e in node.value.args[0].elts)
        for target in node.targets
    }
    for node in ast_walk(fn):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
            if node.func.attr == "step" and dotted_name(node.func.value) not in input_optimizers:
                return False
            if node.func.attr == "backward":
                backward = True
            elif node.func.attr == "grad" and dotted_name(node.func.value) in ("torch.autograd", "autograd"):
                backward = reads_grad = True
        elif isinstance(node, ast.Attribute) and node.attr == "grad" and isinstance(node.value, ast.Name) and isinstance(node.ctx, ast.Load):
            reads_grad = True
    return backward and reads_grad


def _recalibrates(fn: ast.AST) -> bool:
    """A function that recomputes BN statistics on purpose: named so (``RECALIBRATION_RE``, as the
    mode analysis's ``_is_recalibration``), or resetting them (`reset_running_stats()`,
    `m.running_mean = ...`, `m.momentum = None`)."""
    if RECALIBRATION_RE.search(fn.name):  # type: ignore[attr-defined]
        return True
    for node in ast_walk(fn):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr in STATS_RESET_METHODS:
            return True
        if isinstance(node, ast.Assign):
            for t in node.targets:
                if isinstance(t, ast.Attribute) and (t.attr in RUNNING_STATS or (t.attr == "momentum" and isinstance(node.value, ast.Constant) and node.value.value is None)):
                    return True
    return False


def _specialised_for(callee: FunctionEffects, call: ast.Call) -> FunctionEffects:
    """``callee``'s summary for ``call``: the parameters it binds to literals, passed or left at a
    literal default (`run_epoch(net, loader)` with `opt=None`), decide the callee's `if`s on them
    (as ``ModesAnalysis`` does for the calls it sees)."""
    if any(isinstance(a, ast.Starred) for a in call.args) or any(k.arg is None for k in call.keywords):
        return callee
    literals = callee.literal_defaults()
    for index, arg in _arguments(call):
        pname = callee.parameter_for(index, arg.arg if isinstance(arg, ast.keyword) else None)
        if pname is None:
            continue
        value = arg.value if isinstance(arg, ast.keyword) else arg
        if isinstance(value, ast.Constant):
            literals[pname] = value.value
        else:
            literals.pop(pname, None)
    return callee.specialised(literals) if literals else callee


def _arguments(call: ast.Call):
    index = 0
    for a in call.args:
        yield (None if isinstance(a, ast.Starred) else index), a
        index += 1
    for k in call.keywords:
        if k.arg is None:
            yield None, ast.Starred(value=k.value)
        else:
            yield None, k


def _calls_in_evaluation_order(node: ast.AST) -> List[ast.expr]:
    """Calls (and `yield`s) under ``node``, arguments before the call they are passed to
    (post-order); not inside lambdas (they run later, if at all)."""
    out: List[ast.expr] = []

    def visit(n: ast.AST) -> None:
        if isinstance(n, ast.Lambda):
            return
        for child in ast.iter_child_nodes(n):
            visit(child)
        if isinstance(n, (ast.Call, ast.Yield, ast.YieldFrom)):
            out.append(n)

    visit(node)
    return out


def _join(*states: Optional[FrozenSet[str]]) -> Optional[FrozenSet[str]]:
    live = [s for s in states if s is not None]
    if not live:
        return None
    return frozenset().union(*live)


def _backward_positions(fn: ast.AST, functions: "Optional[Dict[str, ast.AST]]" = None) -> List[Tuple[Tuple[int, int], ast.AST]]:
    """Where ``fn`` back-propagates: `.backward()` calls, and calls of a function of its module
    that does (`backward(total, scaler)` wrapping `scaler.scale(total).backward()`)."""
    out = []
    for n in ast_walk(fn):
        if isinstance(n, ast.Call) and isinstance(n.func, ast.Attribute) and n.func.attr in ("backward", "manual_backward"):
            out.append(((n.end_lineno or n.lineno, n.end_col_offset or 0), n))
        elif functions and isinstance(n, ast.Call) and isinstance(n.func, ast.Name) and n.func.id in functions and n.func.id != getattr(fn, "name", None):
            helper = functions[n.func.id]
            if any(isinstance(c, ast.Call) and isinstance(c.func, ast.Attribute) and c.func.attr == "backward" for c in ast_walk(helper)):
                out.append(((n.end_lineno or n.lineno, n.end_col_offset or 0), n))
    return out


def _ast_argument_for(callee: FunctionEffects, call: ast.Call, param: str) -> Optional[ast.AST]:
    """The expression ``call`` passes for the callee's parameter ``param``, or None."""
    for keyword in call.keywords:
        if keyword.arg == param:
            return keyword.value
    positional = [a for a in call.args if not isinstance(a, ast.Starred)]
    if len(positional) != len(call.args):
        return None
    index = callee.positional.index(param) if param in callee.positional else -1
    return positional[index] if 0 <= index < len(positional) else None


def switches_modes_in(body: ast.AST) -> bool:
    """Does ``body`` call `.eval()` / `.train(...)` / `.apply(...)` on anything?"""
    return any(isinstance(n, ast.Call) and isinstance(n.func, ast.Attribute) and n.func.attr in ("eval", "train", "apply") for n in ast_walk(body))


def _switches_modes(handed: ast.AST, functions: "Dict[str, ast.AST]") -> bool:
    """Does the callable a caller hands in (a lambda, or a function of the module) switch modes?"""
    if isinstance(handed, ast.Lambda):
        return switches_modes_in(handed.body)
    fn = functions.get(handed.id) if isinstance(handed, ast.Name) else None
    return fn is not None and switches_modes_in(fn)


def _result_backpropagated(fn: ast.AST, call: ast.AST, backwards) -> bool:
    """Does ``fn`` call `.backward()` on a name it bound to what ``call`` returned, or to a value
    computed from it (`adjusted = loss * step.size`)?"""
    names: Set[str] = set()
    assigns = [n for n in ast_walk(fn) if isinstance(n, (ast.Assign, ast.AnnAssign)) and n.value is not None]

    def bound(n: ast.AST) -> Set[str]:
        targets = n.targets if isinstance(n, ast.Assign) else [n.target]  # type: ignore[attr-defined]
        return {t.id for target in targets for t in ast_walk(target) if isinstance(t, ast.Name)}

    for n in assigns:
        if n.value is call:  # type: ignore[attr-defined]
            names |= bound(n)
    if not names:
        return False
    for _ in range(3):  # values computed from it, a few steps on
        grown = set(names)
        for n in assigns:
            if any(isinstance(t, ast.Name) and t.id in names for t in ast_walk(n.value)):  # type: ignore[attr-defined]
                grown |= bound(n)
        if grown == names:
            break
        names = grown
    for _, b in backwards:
        if b is call:
            continue  # a helper that trains and returns the model (`net, score = train_epoch(net, ...)`)
        # `loss.backward()`, or a helper of the module that back-propagates what it is handed
        # (`backward(loss, scaler)`: its arguments).
        receiver = b.func.value if isinstance(b.func, ast.Attribute) else ast.Tuple(elts=[*b.args, *(k.value for k in b.keywords)])  # type: ignore[attr-defined]
        if any(isinstance(t, ast.Name) and t.id in names for t in ast_walk(receiver)):
            return True
    return False


def _backward_in_loop(loop: Optional[ast.AST], backwards) -> bool:
    """A `.backward()` inside ``loop`` (None: not in a loop)."""
    if loop is None:
        return False
    inside = {id(n) for n in ast_walk(loop)}
    return any(id(b) in inside for _, b in backwards)


def _trained_after(node: ast.AST, loop: Optional[ast.AST], backwards) -> bool:
    """A `.backward()` after the forward, or anywhere in the loop that repeats it."""
    # By where they end: `loss_fn(model(x), y).backward()` ends after the forward it holds.
    at = (getattr(node, "end_lineno", 0) or 0, getattr(node, "end_col_offset", 0) or 0)
    if any(pos > at for pos, _ in backwards):
        return True
    return _backward_in_loop(loop, backwards)
