"""BN005 tiny-batch-bn."""
from __future__ import annotations

import ast
import os
import re

import libcst as cst

from bnlint.astwalk import walk as ast_walk
from bnlint import inventory as inv_mod
from bnlint.calls import ast_iterated_source, iterated_source
from bnlint.facts import NOT_LITERAL, all_params, argparse_dests, call_arg, dotted, is_eval_function_name, literal_value, number_value, params_of, walk_scope
from bnlint.patterns import lazy
from bnlint.rule import Option, Rule, register

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing (a few ms of every start)
if TYPE_CHECKING:  # pragma: no cover
    from typing import Dict, List, Optional, Tuple

_EVAL_WORDS = lazy(r"(^|_|\b)(val|valid|validation|test|testing|eval|evaluation|infer|inference|predict|calib|calibration|holdout|dev)(_|\b|$|\d)", re.IGNORECASE)
_FIT = frozenset({"fit"})  # the Lightning trainer method that trains the model it is handed

LOADER_MESSAGE = (
    "Training loader `{loader}` uses {shown}, below the tiny-batch-size threshold ({limit}), "
    "and the model it trains has BatchNorm: {layer}. In train mode BN normalises every batch with that batch's own "
    "mean and variance; from {samples} those statistics are mostly noise, the running estimates used at "
    "evaluation do not match what training saw{single}. Use larger batches (or gradient accumulation plus larger "
    "per-step batches), replace BN with `nn.GroupNorm`/`nn.LayerNorm`, or freeze it "
    "(`torchvision.ops.FrozenBatchNorm2d`, or BN modules in `.eval()`)."
)
LOOP_MESSAGE = (
    "`{call}` runs a training forward pass on {samples} at a time through a model with BatchNorm: {layer}. "
    "In train mode BN normalises with the statistics of that tiny batch, which are noise, and the running "
    "estimates used at evaluation drift with every sample{single}. Batch the samples "
    "(`model(torch.stack(samples))`), or, if the input really comes one by one, replace BN with "
    "`nn.GroupNorm`/`nn.LayerNorm` or freeze it (`torchvision.ops.FrozenBatchNorm2d`, BN modules in `.eval()`)."
)
SINGLE_NOTE = (
    "; with a single sample, a BatchNorm1d on (N, C) features raises \"Expected more than 1 value per channel when "
    "training\""
)
SINGLE_NOTE_2D = "; with a single sample, BatchNorm2d degenerates into per-image instance normalisation"
SINGLE_NOTE_ANY = (
    "; with a single sample, a BatchNorm1d on (N, C) features raises \"Expected more than 1 value per channel when "
    "training\", and a BatchNorm2d degenerates into per-image instance normalisation"
)


def _single_note(size: int, layer: str) -> str:
    if size != 1:
        return ""
    if "BatchNorm1d" in layer:
        return SINGLE_NOTE
    return SINGLE_NOTE_2D if "BatchNorm2d" in layer or "BatchNorm3d" in layer else SINGLE_NOTE_ANY


def _samples(size: int) -> str:
    return "1 sample" if size == 1 else f"{size} samples"
FC_NOTE = (
    " This BatchNorm1d sits in a fully-connected block on (N, C) features, so its per-channel statistics come from "
    "only N values (a conv BatchNorm2d averages over N*H*W) and it is the layer most hurt by small batches."
)


# --- factories whose model (BN or not) is chosen by a branch -------------------------------------
def _project_function(index, from_path: str, qualified: str, hops: int):
    """The top-level function ``qualified`` (as imported in ``from_path``) of a project module, as
    ``ProjectIndex.holds_bn`` finds it (re-exports followed): (ast def, module inventory, module path,
    hops), or None when it is a class, not found, or outside the project."""
    if hops <= 0:
        return None
    for module_path, attr in index._candidate_modules(from_path, qualified):
        other = index.inventory_for_path(module_path)
        if other is None:
            continue
        head = attr.split(".")[0]
        if "." in attr or head in other.classes:
            return None
        if head in other.functions:
            fn = _top_level_function(index.module_tree(module_path), head)
            return (fn, other, os.path.abspath(module_path), hops) if fn is not None else None
        target = other.aliases.get(head)
        if target is not None and target.lstrip(".").split(".")[0] not in inv_mod.THIRD_PARTY_ROOTS:
            return _project_function(index, module_path, target, hops - 1)
        return None
    return None


def _gives_up(stmts) -> bool:
    """A branch that builds nothing to train: it ends in `raise`, `exit()` / `sys.exit()` or `assert False`."""
    if not stmts:
        return False
    last = stmts[-1]
    if isinstance(last, ast.Raise):
        return True
    if isinstance(last, ast.Assert) and isinstance(last.test, ast.Constant) and not last.test.value:
        return True
    if isinstance(last, ast.Expr) and isinstance(last.value, ast.Call):
        return (inv_mod.dotted_name(last.value.func) or "") in ("exit", "quit", "sys.exit", "os._exit")
    return False


def _returns_a_value(fn) -> bool:
    """Does the function ``fn`` (`ast`) return or yield a value anywhere in its own body?"""
    return any(isinstance(n, (ast.Yield, ast.YieldFrom)) or (isinstance(n, ast.Return) and n.value is not None) for n in _own_nodes(fn))


def _returns(stmts) -> bool:
    return bool(stmts) and isinstance(stmts[-1], (ast.Return, ast.Raise))


class _FactoryBN:
    """Does a function surely build BatchNorm, whichever branch its arguments select?

    BN evidence is what the inventory counts (``_References``: constructors and factories that hold
    BN, not `isinstance` checks or annotations), asked of the function's code outside any
    conditional, then branch by branch: an if/elif/else chain (or conditional expression) whose
    every branch surely builds BN is enough, one with a branch that does not (an InstanceNorm
    UNet, `None`) is a "maybe", like `timm.create_model(args.model)`.  A branch that gives up
    (`raise ValueError(name)`) is no alternative; with no `else`, the code after a chain whose
    branches all return is its last branch.  A function it calls counts only if it surely builds
    BN itself (`train(args)` that calls such a factory is no surer than the factory).
    """

    def __init__(self, index) -> None:
        self.index = index
        self._memo: dict = {}

    def surely(self, fn, inv, path: Optional[str], hops: int, depth: int = 0) -> bool:
        key = id(fn)
        if key in self._memo:
            return self._memo[key]
        self._memo[key] = True  # a cycle: no reason for doubt
        result = depth > 6 or self._surely(fn, inv, path, hops, depth)
        self._memo[key] = result
        return result

    def _surely(self, fn, inv, path: Optional[str], hops: int, depth: int) -> bool:
        index = self.index

        def local_holds(name: str) -> bool:
            if not inv.holds(name, hops):
                return False
            if name not in inv.functions:
                return True
            other = inv.functions[name]
            if not isinstance(other, (ast.FunctionDef, ast.AsyncFunctionDef)):
                tree = index.module_tree(path) if path else None
                other = _top_level_function(tree, name)
            return other is None or self.surely(other, inv, path, hops, depth + 1)

        def lookup(qualified: str) -> bool:
            if not path or not index.holds_bn(path, qualified, hops - 1):
                return False
            found = _project_function(index, path, qualified, hops - 1)
            return found is None or self.surely(found[0], found[1], found[2], found[3], depth + 1)

        def builds_bn(parts, skip=frozenset()) -> bool:
            refs = inv_mod._References()
            for part in parts:
                refs.visit(part)
            refs.finish()
            names = dict.fromkeys(d for d, n in refs.names if id(n) not in skip)
            reasons = inv_mod._classify_reasons(inv, fn.name, [], names, False)
            return inv_mod._holds_for_reasons(inv, fn.name, reasons, local_holds, lookup)

        conditional: set = set()
        for node in ast_walk(fn):
            if isinstance(node, (ast.If, ast.IfExp)):
                conditional.update(id(n) for n in ast_walk(node))
        defaults = list(fn.args.defaults) + [d for d in fn.args.kw_defaults if d is not None]
        if builds_bn(list(fn.body) + defaults, conditional):
            return True  # BN built whatever the branches do (`model = resnet50()` then `if ...: model.fc = ...`)

        def all_bn(branches) -> bool:
            live = [b for b in branches if not _gives_up(b)]
            return bool(live) and all(builds_bn(b) for b in live)

        def visit_block(stmts) -> bool:
            for i, stmt in enumerate(stmts):
                if isinstance(stmt, ast.If):
                    branches = [stmt.body]
                    cur = stmt
                    while len(cur.orelse) == 1 and isinstance(cur.orelse[0], ast.If):
                        cur = cur.orelse[0]
                        branches.append(cur.body)
                    if cur.orelse:
                        branches.append(cur.orelse)
                    elif all(_returns(b) for b in branches) and stmts[i + 1:]:
                        branches.append(stmts[i + 1:])
                    if all_bn(branches):
                        return True
                    # (An `if` inside one of those branches runs only when that branch does: the
                    # `elif kind == "v2":` of a chain is no chain of its own.)
                    continue
                for block in _child_blocks(stmt):
                    if visit_block(block):
                        return True
            return False

        if visit_block(fn.body):
            return True
        return any(isinstance(n, ast.IfExp) and all_bn([[n.body], [n.orelse]]) for n in ast_walk(fn))


def sync_bn_in(facts) -> bool:
    """Does the file convert its model to SyncBatchNorm (statistics over the global batch)?"""
    return any("SyncBatchNorm" in (dotted(c.func) or "") or (dotted(c.func) or "").endswith("convert_syncbn_model") for c in facts.calls)


def _keys_trained_on(fn, param: str) -> List[str]:
    """The keys of the dict parameter ``param`` whose value a loop of ``fn`` iterates
    (`for x, y in args["train_loader"]`, or through a name bound to it, `enumerate`/`tqdm`) while
    back-propagating in that loop."""
    bound: Dict[str, str] = {}
    for node in ast_walk(fn):
        if isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name):
            key = _param_key(node.value, param)
            if key is not None:
                bound[node.targets[0].id] = key
    out: List[str] = []
    for node in ast_walk(fn):
        if not isinstance(node, (ast.For, ast.AsyncFor)):
            continue
        it = ast_iterated_source(node.iter)
        key = _param_key(it, param) or (bound.get(it.id) if isinstance(it, ast.Name) else None)
        if key is not None and key not in out and any(
            isinstance(n, ast.Call) and isinstance(n.func, ast.Attribute) and n.func.attr in ("backward", "manual_backward") for n in ast_walk(node)
        ):
            out.append(key)
    return out


def _param_key(expr, param: str) -> Optional[str]:
    """`args["train_loader"]` of the parameter ``param``: "train_loader"; else None."""
    if isinstance(expr, ast.Subscript) and isinstance(expr.value, ast.Name) and expr.value.id == param:
        key = expr.slice
        if isinstance(key, ast.Constant) and isinstance(key.value, str):
            return key.value
    return None


def _ast_rebatched_inside(loop: ast.AST, is_loader) -> bool:
    """Does every backward or optimizer step in the body of ``loop`` (a `for` over a loader) run
    in an inner `for` over a DataLoader the body builds itself (`patch_loader =
    DataLoader(TensorDataset(patches), batch_size=16)` from each volume, ``is_loader`` telling the
    DataLoader calls)?  Then the network trains on that loader's batches, not on this one's."""
    nodes = [n for stmt in loop.body for n in ast_walk(stmt)]
    assigns = [n for n in nodes if isinstance(n, ast.Assign) and isinstance(n.value, ast.Call)]
    built = {inv_mod.dotted_name(t) for n in assigns if is_loader(n.value) for t in n.targets}
    # (`subvoxels = tqdm(patch_loader)`: the same loader, wrapped for its progress bar.)
    built |= {
        inv_mod.dotted_name(t) for n in assigns
        if n.value is not ast_iterated_source(n.value) and inv_mod.dotted_name(ast_iterated_source(n.value)) in built
        for t in n.targets
    }
    built.discard(None)
    inner = [
        n for n in nodes
        if isinstance(n, (ast.For, ast.AsyncFor))
        and ((isinstance(n.iter, ast.Call) and is_loader(n.iter)) or inv_mod.dotted_name(ast_iterated_source(n.iter)) in built)
    ]
    within = {id(x) for inner_loop in inner for stmt in inner_loop.body for x in ast_walk(stmt)}
    training = [n for n in nodes if isinstance(n, ast.Call) and isinstance(n.func, ast.Attribute) and n.func.attr in ("backward", "manual_backward", "step")]
    return bool(inner) and bool(training) and all(id(n) in within for n in training)


def _top_level_function(tree: Optional[ast.Module], name: str):
    if tree is None:
        return None
    return next((n for n in tree.body if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef)) and n.name == name), None)


def _child_blocks(stmt):
    for name in ("body", "orelse", "finalbody"):
        block = getattr(stmt, name, None)
        if isinstance(block, list) and block and isinstance(block[0], ast.stmt):
            yield block
    for handler in getattr(stmt, "handlers", ()) or ():
        yield handler.body
    for case in getattr(stmt, "cases", ()) or ():
        yield case.body


# --- data flow: where a batch size comes from (dict entries, batch samplers, project helpers, options classes)
class _Traced(str):
    """The origin of a batch size found by following the data flow: the message shows the expression
    and then the value, `batch_size=p['trainBatch'] (5, set at line 12)`."""


_DICT_SAFE_METHODS = frozenset({"get", "keys", "values", "items", "copy", "__getitem__", "__contains__", "__len__", "__iter__"})
# Calls that read a dict handed to them and change nothing (a parameter report, a log line).
_DICT_SAFE_CALLS = frozenset(
    {
        "print", "str", "repr", "len", "sorted", "list", "tuple", "set", "dict", "isinstance", "type", "id", "bool",
        "json.dump", "json.dumps", "pprint", "pprint.pprint", "pprint.pformat", "copy.copy", "copy.deepcopy",
        "yaml.dump", "yaml.safe_dump",
    }
)  # fmt: skip
_LOG_METHODS = frozenset({"debug", "info", "warning", "warn", "error", "critical", "log"})
_DICT_FACTORIES = frozenset({"dict", "collections.OrderedDict", "OrderedDict", "easydict.EasyDict", "EasyDict"})
_TORCH_BATCH_SAMPLERS = frozenset({"torch.utils.data.BatchSampler", "torch.utils.data.sampler.BatchSampler"})
_OPTIONS_METHODS = frozenset({"parse", "parse_args", "initialize", "get_args", "gather_options", "get_parser_args"})
# Graph libraries' loaders batch whole graphs: `batch_size=1` is one graph of thousands of nodes,
# and a BatchNorm1d over node features normalises over all of them.
_GRAPH_LOADER_ROOTS = ("torch_geometric.", "dgl.")


def _ast_int(node) -> Optional[int]:
    """An integer literal (``4``, ``-1``), not a bool."""
    sign = 1
    while isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.USub, ast.UAdd)):
        sign = -sign if isinstance(node.op, ast.USub) else sign
        node = node.operand
    if isinstance(node, ast.Constant) and type(node.value) is int:
        return sign * node.value
    return None


def _own_nodes(fn) -> list:
    """The nodes of a function body, without nested functions, lambdas and classes."""
    out: list = []
    stack = list(reversed(fn.body))
    while stack:
        node = stack.pop()
        out.append(node)
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda, ast.ClassDef)):
            continue
        stack.extend(reversed(inv_mod.ast_children(node)))
    return out


def _module_scope_bindings(tree: ast.Module, name: str) -> Optional[list]:
    """The statements that bind ``name`` at module level (also under `if`/`try`/`for`/`with`), or None
    when a function rebinds it through `global`."""
    found: list = []
    stack = list(reversed(tree.body))
    while stack:
        node = stack.pop()
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            if node.name == name:
                found.append(node)
            if any(isinstance(n, ast.Global) and name in n.names for n in ast_walk(node)):
                return None
            continue
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            if any((a.asname or a.name.split(".")[0]) == name for a in node.names):
                found.append(node)
            continue
        targets: list = []
        if isinstance(node, ast.Assign):
            targets = node.targets
        elif isinstance(node, (ast.AugAssign, ast.AnnAssign, ast.For, ast.AsyncFor)):
            targets = [node.target]
        elif isinstance(node, (ast.With, ast.AsyncWith)):
            targets = [i.optional_vars for i in node.items if i.optional_vars is not None]
        if any(isinstance(n, ast.Name) and n.id == name for t in targets for n in ast_walk(t)):
            found.append(node)
        for field in ("body", "orelse", "finalbody"):
            block = getattr(node, field, None)
            if isinstance(block, list):
                stack.extend(reversed(block))
        for handler in getattr(node, "handlers", ()) or ():
            stack.extend(reversed(handler.body))
    return found


def _module_int_constant(tree: Optional[ast.Module], name: str) -> Optional[Tuple[int, int]]:
    """``NAME = 4`` bound once at module level: (4, its line)."""
    if tree is None:
        return None
    found = _module_scope_bindings(tree, name)
    if not found or len(found) != 1 or not isinstance(found[0], (ast.Assign, ast.AnnAssign)):
        return None
    stmt = found[0]
    if isinstance(stmt, ast.Assign) and not all(isinstance(t, ast.Name) for t in stmt.targets):
        return None
    value = _ast_int(stmt.value)
    return (value, stmt.lineno) if value is not None else None


def _ast_call_arg(call: ast.Call, keyword: str, position: Optional[int] = None):
    for kw in call.keywords:
        if kw.arg == keyword:
            return kw.value
    if position is not None:
        positional = [a for a in call.args if not isinstance(a, ast.Starred)]
        if len(positional) > position and not any(isinstance(a, ast.Starred) for a in call.args[: position + 1]):
            return positional[position]
    return None


def _is_grouper(fn) -> bool:
    """``def grouper(iterable, n): args = [iter(iterable)] * n; return zip(*args)``: the itertools
    recipe that yields tuples of exactly ``n`` items (``zip_longest`` pads the last one to ``n``)."""
    if not isinstance(fn, (ast.FunctionDef, ast.AsyncFunctionDef)) or len(fn.args.args) < 2:
        return False
    it, n = fn.args.args[0].arg, fn.args.args[1].arg

    def repeated(expr) -> bool:
        return (
            isinstance(expr, ast.BinOp) and isinstance(expr.op, ast.Mult)
            and isinstance(expr.left, ast.List) and len(expr.left.elts) == 1
            and isinstance(expr.left.elts[0], ast.Call) and inv_mod.dotted_name(expr.left.elts[0].func) == "iter"
            and len(expr.left.elts[0].args) == 1 and isinstance(expr.left.elts[0].args[0], ast.Name) and expr.left.elts[0].args[0].id == it
            and isinstance(expr.right, ast.Name) and expr.right.id == n
        )  # fmt: skip

    body = [s for s in fn.body if not (isinstance(s, ast.Expr) and isinstance(s.value, ast.Constant))]
    if not body or not isinstance(body[-1], ast.Return) or not isinstance(body[-1].value, ast.Call):
        return False
    ret = body[-1].value
    if (inv_mod.dotted_name(ret.func) or "").rsplit(".", 1)[-1] not in ("zip", "zip_longest", "izip_longest"):
        return False
    if len(ret.args) != 1 or not isinstance(ret.args[0], ast.Starred):
        return False
    spread = ret.args[0].value
    if repeated(spread):
        return len(body) == 1
    if not isinstance(spread, ast.Name) or len(body) != 2:
        return False
    first = body[0]
    return (
        isinstance(first, ast.Assign) and len(first.targets) == 1 and isinstance(first.targets[0], ast.Name)
        and first.targets[0].id == spread.id and repeated(first.value)
    )  # fmt: skip


def _self_attr(node) -> Optional[str]:
    if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id == "self":
        return node.attr
    return None


def _unwrap_list(node):
    while isinstance(node, ast.Call) and inv_mod.dotted_name(node.func) in ("list", "tuple") and len(node.args) == 1 and not node.keywords:
        node = node.args[0]
    return node


def _sampler_batch_attrs(cls: ast.ClassDef, functions: dict) -> Optional[Tuple[str, ...]]:
    """The ``self`` attributes whose sum is the size of every batch the sampler class's own
    ``__iter__`` yields, established from its code alone, else None:

    * ``batch.append(i)`` ... ``if len(batch) == self.batch_size: yield batch`` (torch's
      ``BatchSampler``; a remainder ``yield batch`` of the same list is smaller),
    * ``yield indices[i:i + self.batch_size]``,
    * ``return (a + b for a, b in zip(grouper(it1, self.n1), grouper(it2, self.n2)))`` with
      ``grouper`` the itertools recipe defined in the same module (a two-stream sampler).
    """
    it = next((n for n in cls.body if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef)) and n.name == "__iter__"), None)
    if it is None:
        return None
    nodes = _own_nodes(it)
    parents = {}
    for node in nodes:
        for child in inv_mod.ast_children(node):
            parents[child] = node
    yields = [n for n in nodes if isinstance(n, (ast.Yield, ast.YieldFrom))]
    returns = [n for n in nodes if isinstance(n, ast.Return) and n.value is not None and not (isinstance(n.value, ast.Constant) and n.value.value is None)]
    if not yields:
        if len(returns) != 1:
            return None
        return _concatenated_groups(returns[0].value, functions)
    if returns or any(isinstance(y, ast.YieldFrom) or y.value is None for y in yields):
        return None
    found: set = set()
    guarded: set = set()
    remainders: list = []
    for y in yields:
        value = _unwrap_list(y.value)
        if isinstance(value, ast.Subscript) and isinstance(value.slice, ast.Slice) and value.slice.step is None:
            lower, upper = value.slice.lower, value.slice.upper
            if lower is None or not isinstance(upper, ast.BinOp) or not isinstance(upper.op, ast.Add):
                return None
            if ast.dump(upper.left) == ast.dump(lower) and _self_attr(upper.right):
                found.add((_self_attr(upper.right),))
            elif ast.dump(upper.right) == ast.dump(lower) and _self_attr(upper.left):
                found.add((_self_attr(upper.left),))
            else:
                return None
            continue
        if not isinstance(value, ast.Name):
            return None
        attr = None
        cur = y
        while cur in parents:
            parent = parents[cur]
            if isinstance(parent, ast.If) and cur in parent.body:
                attr = _len_equals_attr(parent.test, value.id)
                if attr:
                    break
            cur = parent
        if attr:
            found.add((attr,))
            guarded.add(value.id)
        else:
            remainders.append(value.id)
    if len(found) != 1 or any(r not in guarded for r in remainders):
        return None
    return found.pop()


def _len_equals_attr(test, name: str) -> Optional[str]:
    """``len(name) == self.attr`` (either way round): ``attr``."""
    if not (isinstance(test, ast.Compare) and len(test.ops) == 1 and isinstance(test.ops[0], ast.Eq)):
        return None
    left, right = test.left, test.comparators[0]
    for a, b in ((left, right), (right, left)):
        if (
            isinstance(a, ast.Call) and inv_mod.dotted_name(a.func) == "len" and len(a.args) == 1
            and isinstance(a.args[0], ast.Name) and a.args[0].id == name and _self_attr(b)
        ):  # fmt: skip
            return _self_attr(b)
    return None


def _concatenated_groups(expr, functions: dict) -> Optional[Tuple[str, ...]]:
    """``(a + b for (a, b) in zip(grouper(x, self.n1), grouper(y, self.n2)))``: ("n1", "n2")."""
    if not isinstance(expr, ast.GeneratorExp) or len(expr.generators) != 1:
        return None
    gen = expr.generators[0]
    if gen.ifs or gen.is_async or not isinstance(gen.target, ast.Tuple) or not isinstance(gen.iter, ast.Call):
        return None
    if inv_mod.dotted_name(gen.iter.func) != "zip" or gen.iter.keywords or len(gen.iter.args) != len(gen.target.elts):
        return None
    names = [e.id if isinstance(e, ast.Name) else None for e in gen.target.elts]
    if None in names or len(set(names)) != len(names):
        return None
    attrs = {}
    for name, group in zip(names, gen.iter.args):
        if not isinstance(group, ast.Call) or not isinstance(group.func, ast.Name) or len(group.args) != 2 or group.keywords:
            return None
        if not _is_grouper(functions.get(group.func.id)) or not _self_attr(group.args[1]):
            return None
        attrs[name] = _self_attr(group.args[1])
    terms: list = []

    def flatten(node) -> bool:
        node = _unwrap_list(node)
        if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
            return flatten(node.left) and flatten(node.right)
        if isinstance(node, ast.Name) and node.id in attrs:
            terms.append(node.id)
            return True
        return False

    if not flatten(expr.elt) or sorted(terms) != sorted(names):
        return None
    return tuple(attrs[n] for n in terms)


def _self_attr_stores(cls: ast.ClassDef, attr: str) -> list:
    """Every statement of the class's methods that writes ``self.<attr>``."""
    out = []
    for node in ast_walk(cls):
        targets: list = []
        if isinstance(node, ast.Assign):
            targets = node.targets
        elif isinstance(node, (ast.AugAssign, ast.AnnAssign, ast.For, ast.AsyncFor)):
            targets = [node.target]
        elif isinstance(node, ast.Call) and inv_mod.dotted_name(node.func) == "setattr":
            out.append(node)
            continue
        if any(_self_attr(n) == attr for t in targets for n in ast_walk(t)):
            out.append(node)
    return out


def _add_argument_dests(call: ast.Call) -> List[str]:
    """The ``dest`` an ``add_argument`` call stores into (as ``bnlint``'s in-file argparse reading does)."""
    for kw in call.keywords:
        if kw.arg == "dest":
            return [kw.value.value] if isinstance(kw.value, ast.Constant) and isinstance(kw.value.value, str) else []
    names = [a.value for a in call.args if isinstance(a, ast.Constant) and isinstance(a.value, str)]
    longs = [n for n in names if n.startswith("--")] or names
    return [longs[0].lstrip("-").replace("-", "_")] if longs else []


def _option_definitions_in(node, dest: str) -> Optional[List[ast.Call]]:
    """The ``add_argument`` calls in ``node`` (an options class or function) that store into
    ``dest``; None when a ``set_defaults`` there may set it instead."""
    found = []
    for call in ast_walk(node):
        if isinstance(call, ast.Call) and isinstance(call.func, ast.Attribute):
            if call.func.attr == "add_argument" and dest in _add_argument_dests(call):
                found.append(call)
            elif call.func.attr == "set_defaults" and any(k.arg is None or k.arg == dest for k in call.keywords):
                return None
    return found


def _ast_targets(stmt) -> list:
    """What a statement binds (``effects.binding_targets``)."""
    from bnlint.effects import binding_targets

    return binding_targets(stmt)



def _ast_expression(code: str) -> Optional[ast.expr]:
    try:
        return ast.parse(code.strip(), mode="eval").body
    except SyntaxError:
        return None


def _strip_shape_keeping(expr: cst.BaseExpression) -> cst.BaseExpression:
    """`x.cuda().float()` -> `x` (``bnlint.shapes.SHAPE_KEEPING``)."""
    from bnlint.shapes import SHAPE_KEEPING

    while isinstance(expr, cst.Call) and isinstance(expr.func, cst.Attribute) and expr.func.attr.value in SHAPE_KEEPING:
        expr = expr.func.value
    return expr


# Builtins a helper may call on a loader it is handed without training anything with it.
_PASSIVE_BUILTINS = frozenset({"iter", "next", "len", "enumerate", "zip", "range", "print", "float", "int", "min", "max", "sum", "list", "tuple", "isinstance"})

@register
class TinyBatchBN(Rule):
    """
    ## What it does
    Flags training a model that contains BatchNorm with tiny batches: a
    training `DataLoader` (or a project subclass of it that keeps its
    constructor, `class DataLoaderX(DataLoader)` overriding `__iter__` only)
    whose `batch_size` (a literal, a variable bound to
    one, or an argparse default, itself a literal or a module constant such
    as `default=BATCH_SIZE`; a conditional expression whose two arms are both
    known, at the larger of the two (`Freeze_batch_size if Freeze_Train else
    Unfreeze_batch_size`); a constant of another project module too, read
    through `from config import batch_size` or `from config import *`, or a
    class attribute of a settings class of another module read through an
    instance, `cfg = RunSettings()` ... `cfg.per_step`) is below the `tiny-batch-size` option
    (default 8), and per-sample training steps such as `model(x[i:i+1])`,
    `model(x.unsqueeze(0))` or `model(sample[None])` followed by `backward()`,
    also through the name the input was last bound to in the function
    (`x = img.reshape(1, 1, H, W)` or `x = torch.reshape(img, (1, 1, H, W))`
    ... `model(x)`), when that binding is not under an `if`/`try` the forward
    is outside of, in a file that steps an optimizer (a `.backward()` alone,
    for a Grad-CAM heat map of one image, trains nothing). A per-sample call
    of a function parameter counts where the callers hand it a BatchNorm
    model (or where no caller says): a loss module handed in as `criterion`
    (also through an alias, `run = fit_a if mode else fit_b`) and called per
    sample on a batched forward's output trains nothing. A loader of batches
    of one that is only counted (`len(loader)` for a progress line) outside
    the evaluation that iterates it trains nothing either.

    The batch size is followed through the data flow:
    - a dict of loader options unpacked into the loader, `loader_args =
      dict(batch_size=args.batch_size, num_workers=4)` ... `DataLoader(ds,
      shuffle=True, **loader_args)` (or a `{"batch_size": ...}` literal),
      bound once before the loader and not written to in place;
    - a dict entry with a constant key, `p = {}` / `p['trainBatch'] = 5` ...
      `batch_size=p['trainBatch']` (also `{'trainBatch': 5}`, `dict(...)`,
      `OrderedDict()`), when the dict is bound once in the function (or the
      module) and the key is assigned exactly once, outside any loop;
    - a batch sampler, `DataLoader(ds, batch_sampler=...)`: the `batch_size`
      of torch's `BatchSampler`, or a sampler class of the project whose own
      `__iter__` shows the size of every batch (`if len(batch) ==
      self.batch_size: yield batch`, `yield idx[i:i + self.batch_size]`, or
      the two-stream `a + b for a, b in zip(grouper(x, self.n1), grouper(y,
      self.n2))` with `grouper` the itertools recipe), each `self.<size>`
      written once in `__init__` from its arguments;
    - a loader returned by a function of another project module,
      `train_loader = make_loader(ds)` (the name of the target or the function
      says "loader"), whose every `return` gives a `DataLoader` with the same
      batch size: a literal, a module constant there, a parameter (what the
      call passes, or its default) or `args.<option>` of a passed `args`;
    - an argparse default in an options class of another module,
      `opt = TrainOptions().parse()` / `args = Options().initialize()`: the one
      `add_argument` for that option in the class and its project bases;
      or in an options function of another module, `args = parse_args()`
      whose every `return` gives what its parser parsed: the one
      `add_argument` for that option in it (none written to after parsing);
    - an options object handed to the function that builds the loader,
      `def train(args): ... DataLoader(ds, batch_size=args.batch_size)` with
      every call of `train` in the module passing the same parsed options
      (also a constructor, `PairTrainer(options)` building the loader in its
      `__init__`, when no subclass of the module hands it its own);
    - a size written on the parsed options, `args.batch_size = 1`, the only
      write of it in the file, made on every run: in the body of the function
      that parsed them (after the parse) or at module level, or of an option
      no `add_argument` defines (a write under an `if` is not known).

    Not flagged: loaders built for evaluation (named so, over an evaluation
    split, unshuffled unless a loop over it back-propagates, or in the branch of an `if` that compares with an
    evaluation split, `elif mode == "test":`, the code's own label for it),
    loaders on a branch of their function that no call of it in the module
    takes (`elif mode == "finetune":` in a helper this module calls only with
    `"train"`; calls from other modules are not seen), loaders every use of
    which goes where nothing trains (a `for` without a backward or optimizer
    step, a function of the module without one: a `val(args, valLoader,
    model)` copied from the training loader), a loader a trainer keeps
    (`self.valloader = DataLoader(...)`) that only methods training nothing read
    (its `validation()` with `self.model.eval()` and no backward or step), a loader built only to draw one batch
    whose values are printed or measured (`_, (x, y) =
    next(enumerate(DataLoader(ds, batch_size=1)))` then `print(x[0].shape)`),
    and loaders whose items are groups of
    samples that reach BatchNorm together: a loop that joins them along the
    batch axis, or a model whose `forward` folds a second axis of its input
    into the batch axis (`support_x.view(b * setsz, c, h, w)`,
    `x.flatten(0, 1)`: few-shot episodes, bags, clips).

    ## Why is this bad?
    In train mode a BatchNorm layer normalises its input with the mean and
    variance of the **current batch** and folds them into `running_mean` /
    `running_var` for evaluation. With 1-4 samples those statistics are mostly
    noise: the activations the network learns from are scaled by noise, and
    the running estimates used after `model.eval()` do not describe what
    training saw, so evaluation accuracy drops. A `BatchNorm1d` on `(N, C)`
    features (a fully-connected block, often the last one before the
    classifier) is worst hit, because its statistics come from only `N`
    values per channel; with `N == 1` PyTorch raises
    `ValueError: Expected more than 1 value per channel when training`.
    Batch size 1 at inference, in eval mode, is fine and is not reported; so
    is a loader whose every element is a group of samples that the training
    loop joins into one batch (`torch.cat(query_images, 0)`,
    `clips.view(-1, c, h, w)`: few-shot episodes), a small per-process `batch_size` when the script converts the model to
    `SyncBatchNorm` (statistics over the global batch), and a model built by a
    factory that may not contain BN (`timm.create_model(args.model)`, or a
    project function such as `net_factory(net_type=args.model)` that builds BN
    on some of its branches and not on others) or with FrozenBatchNorm2d
    (torchvision's Faster/Mask/Keypoint R-CNN, RetinaNet and FCOS, whose
    backbone is frozen when weights or backbone weights are used, the
    default; their `_v2` versions and SSDlite have BatchNorm2d), or built with
    its BatchNorm switched off by a constructor flag (`Net(use_bn=False)` of a
    class that builds it only `if use_bn:`), or whose normalisation comes from
    a selector function of its module that returns BatchNorm only on a branch
    its argument rules out (`select_norm(norm, dim)` given `"ln"`, or the
    constructor's parameter `norm` with its default `"ln"`). BN evidence is what is built: an
    `isinstance(m, nn.BatchNorm3d)` check in weight init builds nothing. Nor
    is a model reported whose BN is put back in eval after every `.train()`
    (`model.apply(set_bn_eval)`, `m.eval()` on the BN layers in a loop over
    `model.modules()`, or a `train()` override that does so): frozen BN uses
    its running statistics whatever the batch size. A graph library's loader
    (PyTorch Geometric, DGL) is not reported: its `batch_size` counts graphs,
    and BatchNorm over node features normalises over every node of them.

    A factory that builds by name (`timm.create_model`, `torch.hub.load`,
    `torchvision.models.get_model`) counts as BatchNorm only where the file
    decides the name and it is an architecture with BN (`"seresnext50_32x4d"`,
    `CFG.arch`); a batch size may come from a settings object built once at
    module level whose class's `__init__` sets it (`self.batch_size = 4`). A
    loader returned inside a tuple (`return tr, va`) is what each caller
    unpacks at its position (`train_loader, val_loader = build()`), whatever
    the caller names it (`fit_dl, check_dl = make_sets(opts)`): what the
    helper returns there decides. A loader built in a function named for
    evaluation (`loso_cross_validation`) is still a training loader where a
    loop over it (also through `enumerate`/`tqdm`) or a helper handed it
    back-propagates. A loader another project module builds once at its
    top level (`pair_loader = DataLoader(pairs, batch_size=2)`, star-imported
    or imported by name) is reported where this file trains on it: a loop
    that back-propagates, or a function handed it that does. A helper's
    branch that a string option's default rules out (`load_data(args,
    args.dataset)` with `--dataset` defaulting to `"images"`, the loader under
    `if name == "text":`) is judged as the defaults run it, as batch sizes
    are. A loader
    used only to draw one batch that no training loop reads (`xs =
    next(iter(peek_loader))`, to show a few images), or never read in a
    function or a notebook, trains nothing; nor does a loader whose name is
    bound again, unconditionally in the same scope, before anything reads it;
    a read of the name above the binding (outside a loop around both) reads
    an earlier binding, not this loader. A loader handed only to a function of
    another project module that trains nothing (no backward, step or fit, and
    no call it could hand the loader on to: `pixel_stats(loader)` reading one
    batch; a call of the model it is handed is a forward, `map_score(model,
    validloader)`, and a call of another function handed other values than
    the loader keeps it there) trains nothing. A dict another project module fills at its
    top level with a loader and a BatchNorm model (`fit_args["fit_loader"] =
    loader`, star-imported), handed to a project function whose loop over
    that entry back-propagates, is reported at the argument. A loader handed
    only to training calls that are also handed a model bound there to a
    construction known to hold no trainable BatchNorm (`model =
    get_detector(2)` returning torchvision's Faster R-CNN with its frozen BN)
    is not reported, whatever the name was bound to in an earlier notebook
    cell. An option's `default=` may be a parameter of the
    helper that adds it: its value is what every call of the helper in the
    file passes (`add_training_args(parser, batch_size=4)`). Two options of a
    parser that store into the same dest give it the first one's default, as
    argparse does; parsers that disagree leave it unknown. A model handed to
    a Lightning trainer's `fit` (`pl.Trainer(...).fit(model, train_loader)`)
    is trained there, also a LightningModule of another project module. A
    configuration object of a class of this file (`config = TrainConfig()`)
    gives its class's constant (`config.batch_size`), or the value set once at
    the top of the module after it is built (`opts.batch_size = 2`); a write
    anywhere else makes it unknown. So does a class of another project module
    (`from config import Config`, `Config.batch_size`) whose body sets the
    value and whose module writes it nowhere else. A model handed to a plain class of another
    project module that keeps it and has a method that trains it
    (`Runner(model, loader).fit(140)`: a `.train()` on it, or a backward and
    an optimizer step on its forward with no `.train()` call at all) is
    trained by that class. A loader of
    whole items (volumes, slides) whose every backward runs in an inner loop
    over a DataLoader built in its body from each item (`patch_loader =
    DataLoader(TensorDataset(patches), batch_size=16)`) does not set the
    batch BatchNorm sees: the inner loader is judged instead, also where that
    loop is in a training function of another project module the loader is
    handed to. A loader a helper returns (`return valloader`, or inside a
    tuple) is followed to the names its callers bind: a loop over it whose
    only `.backward()` has no optimizer step (a Grad-CAM or saliency map)
    trains nothing; one that hands each batch to a helper that steps an
    optimizer trains. BatchNorm put
    back in eval after `.train()` under a test of an argparse option (`if
    args.stage != "chairs": model.freeze_bn()`) is judged as the defaults
    run: with no `--stage` given (default None) it is frozen and the batch
    size does not reach it. A batch of `torch.cuda.device_count() * 4` for a
    model the same function wraps in `nn.DataParallel` is 4 per replica: each
    GPU's BatchNorm normalises its own share. A loop that drops the loader's
    batch dimension from what it draws (`group = group.squeeze(0)`: each item
    is a stack its dataset built; also after unpacking the item on a line of
    its own, `for item in loader: clips, labels = item`) trains on batches of the item's size, not
    known here: the loader's size is not reported.  So does a model whose
    `forward` drops its input's batch axis (`clips = video.squeeze(0)`: one
    video per loader item, its clips the batch).

    A loader handed to a function of the module that trains nothing itself
    is followed into what that function hands it to (`fit(net, loader)`
    calling `run_pass(loader, learn=True)`), and a helper whose backward and
    optimizer steps all sit under `if <flag>:` on a parameter the call
    leaves false (`run_pass(check_loader, learn=False)`) trains nothing on it.
    A loader whose `collate_fn` (a function of the module or of another
    project module, or a lambda)
    concatenates the items (`torch.cat(frames, dim=0)`) feeds groups of
    samples: `batch_size` counts groups, and it is not reported. A loader on
    a branch that never runs (`training = False` ... `if training:`) is not
    reported, and a loader bound under its dataset's name (`data =
    DataLoader(data, ...)`) is followed from that binding. Only calls that
    give a value back count as model constructions (`main()` that builds and
    trains a model inside is none).
    What it cannot see: a batch size that is not a constant of the code
    (config files, `yaml`/`json` loads, environment variables, command lines
    that override argparse defaults); a dict that is rebound, updated
    (`p.update()`, `p[k] = v` with a computed key, a write in a loop or in
    another function), aliased (`q = p`), nested (`cfg['train']['bs']`) or
    handed to an unknown function before the loader reads it; a sampler class
    whose `__iter__` it cannot read as batches of a fixed size (bucketing by
    length, schedules, `more_itertools.chunked`, a base class's `__iter__`);
    a loader helper in the same file called with a size (that `DataLoader` is
    judged where it is), one returned through a wrapper, or built
    differently on different branches; a loader a module builds at its top
    level and keeps in a dict imported by name (not through `import *`) that a
    function of another module trains on; a tiny-batch loader on a branch only a
    non-default option value takes (`--dataset text`); options
    whose default is set by `set_defaults`, by code outside the options class
    hierarchy (a model's option setter), or changed after parsing
    (`opt.batch_size = ...` makes the default unknown); a per-sample input
    built in another function or bound under a condition
    (`if x.dim() == 3: x = x.unsqueeze(0)`: the shape is not known here).
    A last batch of one sample: a training loader without `drop_last=True`
    yields one when `len(dataset) % batch_size == 1`, and with BatchNorm on
    `(N, C)` features that batch raises `Expected more than 1 value per
    channel when training`; whether it happens depends on the size of the
    data, which the code does not say, so it is not reported (a warning on
    every such loader would be wrong for every dataset whose size never
    leaves one sample). Pass `drop_last=True` to training loaders of models
    with `BatchNorm1d` heads.

    ## Example
    ```python
    model = Net()                      # has nn.BatchNorm1d(512) before the classifier
    train_loader = DataLoader(train_set, batch_size=2, shuffle=True)   # BN005
    p = {'trainBatch': 4}
    loader = DataLoader(train_set, batch_size=p['trainBatch'], shuffle=True)   # BN005
    loader = DataLoader(train_set, batch_sampler=BatchSampler(RandomSampler(train_set), 2, False))  # BN005
    for x, y in zip(inputs, targets):
        loss = criterion(model(x.unsqueeze(0)), y)                     # BN005
        loss.backward()
    ```

    ## Use instead
    ```python
    train_loader = DataLoader(train_set, batch_size=64, shuffle=True)
    # or, when memory forces small batches:
    model = Net(norm_layer=lambda c: nn.GroupNorm(32, c))
    # or keep pretrained statistics fixed:
    model = torchvision.models.resnet50(norm_layer=torchvision.ops.FrozenBatchNorm2d)
    ```

    ## Options
    - `tiny-batch-size` (int, default 8): batch sizes below this are reported.

    ## Fix safety
    No automatic fix: the batch size is a resource decision.

    ## References
    - https://pytorch.org/docs/stable/generated/torch.nn.BatchNorm1d.html
    - https://arxiv.org/abs/1803.08494 (Group Normalization: BN error grows quickly below 8 samples per batch)
    """

    code = "BN005"
    name = "tiny-batch-bn"
    severity = "warning"
    summary = "A model with BatchNorm trained with tiny batches: batch statistics are noise"
    trigger_tokens = ("batch_size", "unsqueeze", "None]", ":i+", ": i +", "[None", "view(1", "reshape(", "stack([", "batch-size", "oader", "OADER")
    # (`from data_setup import *` ... `train(train_args)`: loaders of another module's dict.)
    trigger_pattern = r"import\s+\*"
    needs_bn_evidence = True
    needs_bn_model = True  # a model built here (`_bn_models`) or a LightningModule holding BN
    valid_examples = (
        "import torchvision\nfrom torch.utils.data import DataLoader\nmodel = torchvision.models.resnet18()\n"
        "loader = DataLoader(ds, batch_size=64, shuffle=True)\nfor x, y in loader:\n    model(x).sum().backward()\n",
    )
    invalid_examples = (
        "import torchvision\nfrom torch.utils.data import DataLoader\nmodel = torchvision.models.resnet18()\n"
        "loader = DataLoader(ds, batch_size=2, shuffle=True)\nfor x, y in loader:\n    model(x).sum().backward()\n",
    )
    options = (Option("tiny-batch-size", 8, int, "Training batch sizes below this are reported when the model has BatchNorm."),)

    def _walk(self, node):
        """Pre-order walk through the engine's parent map (much cheaper than libcst's ``children``)."""
        return self.ctx.facts.iter_nodes(node)

    def check_module(self) -> None:
        facts = self.ctx.facts
        limit = int(self.option("tiny-batch-size"))
        # SyncBatchNorm computes the statistics over the global batch (all processes): a small
        # per-process batch_size is then fine.
        sync_bn = sync_bn_in(facts)
        if not self._trains():
            if not sync_bn:
                self._check_bundle_loaders(limit, [])  # (the callee's loop is the training evidence)
            return
        models = self._bn_models()
        lightning_bn = [c for c in facts.classes if facts.is_lightning_class(c) and c.name.value in facts.inventory.bn_holding]
        if not sync_bn:
            self._check_bundle_loaders(limit, models)
        if not models and not lightning_bn:
            return
        for call in facts.calls:
            q = facts.callee(call) or ""
            if sync_bn:
                continue
            if q.rsplit(".", 1)[-1] == "DataLoader" or self._project_loader_subclass(call):
                if q.startswith(_GRAPH_LOADER_ROOTS):
                    continue  # its batch_size counts graphs: BatchNorm sees each graph's many nodes
                self._check_loader(call, limit, models)
            elif isinstance(call.func, (cst.Name, cst.Attribute)):
                self._check_helper_loader(call, limit, models)
        if models and not sync_bn:
            self._check_imported_loaders(limit, models)
        if models:
            for call in facts.calls:
                self._check_per_sample(call, limit, models)

    def _project_loader_subclass(self, call: cst.Call) -> bool:
        """Is ``call`` a construction of a project class (of this module or another) that
        subclasses `DataLoader` and keeps its constructor (no `__init__` of its own: a prefetching
        `DataLoaderX(DataLoader)` that only overrides `__iter__`)?  Its `batch_size` is the
        loader's."""
        facts = self.ctx.facts
        name = dotted(call.func)
        if not name:
            return False
        cls = facts.class_named(name)
        if cls is not None:
            bases = [facts.inventory.resolve(dotted(b.value) or "") for b in cls.bases]
            own_init = any(isinstance(i, cst.FunctionDef) and i.name.value == "__init__" for i in cls.body.body)
        elif facts.path and facts.inventory.is_imported(name):
            found = facts.index.class_definition(facts.path, facts.inventory.resolve(name))
            if found is None:
                return False
            node = found[4][found[1]]
            aliases = found[3] or {}
            bases = [aliases.get(b, b) for b in (inv_mod.dotted_name(x) or "" for x in node.bases)]
            own_init = any(isinstance(i, (ast.FunctionDef, ast.AsyncFunctionDef)) and i.name == "__init__" for i in node.body)
        else:
            return False
        return not own_init and any(b.rsplit(".", 1)[-1] == "DataLoader" and "torch" in b for b in bases)

    # --- which models in this file have BN, and is anything trained --------------
    def _bn_models(self) -> List[Tuple[cst.Call, str]]:
        """Model constructions (`Net()`, `resnet18()`, `nn.Sequential(..., nn.BatchNorm1d(..))`) that surely hold BN.

        Factories that only *may* build BN (`timm.create_model(args.model)`,
        `torchvision.models.get_model`, `torch.hub.load`) are left out, and torchvision's first
        detectors (FrozenBatchNorm2d, ``inventory.factory_holds_bn``) hold no BN:
        this rule reports only when the small batch really meets train-mode BN.
        """
        facts = self.ctx.facts
        out = []
        for call in facts.calls:
            cls = facts.enclosing_class(call)
            if cls is not None and cls.name.value in facts.inventory.bn_holding:
                continue  # a sub-block built inside a model class
            layer = self._surely_bn(call)
            if layer is not None and not self._in_maybe_factory(call):
                out.append((call, layer))
        return out

    def _in_maybe_factory(self, call: cst.Call) -> bool:
        """``call`` is in a module-level function that builds BN only on some branches (``_maybe_bn_factory``):
        `VNet()` on the `elif net_type == "vnet":` branch of a factory is not what the default run trains."""
        facts = self.ctx.facts
        top = None
        branched = False  # (a call outside any `if` of the function runs whenever it runs)
        for anc in facts.ancestors(call):
            if isinstance(anc, cst.FunctionDef):
                top = anc
            elif isinstance(anc, cst.ClassDef):
                return False
            elif isinstance(anc, (cst.If, cst.IfExp)) and top is None:
                branched = True
        return branched and top is not None and top.name.value in facts.inventory.functions and self._maybe_bn_factory(top.name.value)

    def _surely_bn(self, call: cst.Call) -> Optional[str]:
        """A description of the BN layer when ``call`` surely builds a model with train-mode BN."""
        facts = self.ctx.facts
        name = dotted(call.func)
        if name is None:
            # `models.__dict__[args.arch]()`: the factory the option's default names, if known.
            chosen = facts.chosen_callee(call.func)
            name = chosen if chosen and not chosen.endswith(("__dict__", inv_mod.TABLE_SUFFIX)) else None
        if name is None or facts.is_bn_constructor(call):
            return None
        function = facts.inventory.functions.get(name)
        if function is not None and not _returns_a_value(function):
            return None  # `main()` builds and trains a model inside: the call gives none back
        q = facts.qualified(call.func) or facts.inventory.resolve(name)
        if q in inv_mod.MAYBE_BN_FACTORIES:
            # `timm.create_model("seresnext50_32x4d")`, or a name the file decides (`CFG.model_name`).
            return f"the BatchNorm layers of `{self.ctx.code_for(call.func)}(...)`'s architecture" if facts.named_with_bn(call) else None
        if q.rsplit(".", 1)[-1] == "Sequential" and q.startswith("torch.nn"):
            bn = next((n for n in self._walk(call) if isinstance(n, cst.Call) and facts.is_bn_constructor(n)), None)
            if bn is not None and facts.enclosing_class(call) is None:
                return f"`{self.ctx.code_for(bn)}` in `nn.Sequential`"
            return None
        # A notebook that defines `Net` twice, without BatchNorm and then with it: the definition in
        # force where this call runs decides (``Facts.holds_bn_in_force``).
        in_force = facts.holds_bn_in_force(name, call) if isinstance(call.func, cst.Name) else None
        if in_force is False:
            return None
        if (in_force or (facts.class_holds_bn(name) and facts.expr_holds_bn(call))) and not self._maybe_bn_factory(name):
            from bnlint.modes import layers_switched_off_at

            if layers_switched_off_at(facts, call, "bn"):
                return None  # `Net(batch_norm=False)`: its BatchNorm is behind that flag
            return self._describe_layer(name)
        return None

    def _maybe_bn_factory(self, name: str) -> bool:
        """``name`` is a function, here or in a project module, that builds BN only on some of the branches
        its arguments select (``_FactoryBN``): `net_factory(net_type=args.model)` whose default branch
        builds an InstanceNorm UNet and another a BN VNet.  Classes are not factories here: `Net()`
        builds what its default construction builds."""
        facts = self.ctx.facts
        inv = facts.inventory
        checker = self.__dict__.get("_factory_bn")
        if checker is None:
            checker = self.__dict__["_factory_bn"] = _FactoryBN(facts.index)
        if name in inv.functions:
            fn = inv.functions[name]
            if not isinstance(fn, (ast.FunctionDef, ast.AsyncFunctionDef)):
                return False
            return not checker.surely(fn, inv, facts.path, inv_mod.MAX_IMPORT_HOPS + 1)
        head = name.split(".")[0]
        if head in inv.classes or head in inv.functions or not facts.path or not inv.is_imported(name):
            return False
        q = inv.resolve(name)
        if q.lstrip(".").split(".")[0] in inv_mod.THIRD_PARTY_ROOTS:
            return False
        found = _project_function(facts.index, facts.path, q, inv_mod.MAX_IMPORT_HOPS)
        return found is not None and not checker.surely(*found)

    def _describe_layer(self, name: str, depth: int = 0) -> str:
        cache = self.__dict__.setdefault("_layer_cache", {})
        if (name, depth) not in cache:
            cache[(name, depth)] = self._describe_layer_uncached(name, depth)
        return cache[(name, depth)]

    def _describe_layer_uncached(self, name: str, depth: int = 0) -> str:
        facts = self.ctx.facts
        cls = facts.class_named(name.rsplit(".", 1)[-1]) if "." not in name else None
        if cls is None and depth <= 4:
            return self._describe_imported_layer(name) or f"`{name}` (BatchNorm layers)"
        if cls is None or depth > 4:
            return f"`{name}` (BatchNorm layers)"
        best: Optional[Tuple[str, cst.Call]] = None
        for node in self._walk(cls):
            if isinstance(node, cst.Call) and facts.is_bn_constructor(node):
                target = self._target_of(node)
                label = f"`{cls.name.value}.{target[5:]}`" if target and target.startswith("self.") else f"`{cls.name.value}`"
                is_1d = (dotted(node.func) or "").endswith("BatchNorm1d")
                if best is None or (is_1d and not (dotted(best[1].func) or "").endswith("BatchNorm1d")):
                    best = (label, node)
        if best is not None:
            label, node = best
            text = f"{label} = `{self.ctx.code_for(node)}`"
            if (dotted(node.func) or "").endswith("BatchNorm1d") and self._in_fc_block(cls, node):
                text += "." + FC_NOTE.rstrip(".")
            return text
        for node in self._walk(cls):
            if isinstance(node, cst.Call):
                inner = dotted(node.func)
                if inner and inner != name and facts.class_named(inner) is not None and inner in facts.inventory.bn_holding:
                    return self._describe_layer(inner, depth + 1)
        return f"`{name}` (BatchNorm layers)"

    def _describe_imported_layer(self, name: str) -> Optional[str]:
        """`PointNetCls.bn4 = nn.BatchNorm1d(512)` (model/pointnet.py): the BN layer a class of
        another project module builds itself (a BatchNorm1d first: the one small batches hurt most)."""
        facts = self.ctx.facts
        if not facts.path or not facts.inventory.is_imported(name):
            return None
        found = facts.index.definition(facts.path, facts.inventory.resolve(name))
        if found is None or found[1] not in found[2][2]:
            return None
        module_path, cname, (_, _, classes) = found
        best = None
        assigns = sorted((n for n in ast_walk(classes[cname]) if isinstance(n, ast.Assign) and isinstance(n.value, ast.Call)), key=lambda n: (n.lineno, n.col_offset))
        for node in assigns:
            kind = (inv_mod.dotted_name(node.value.func) or "").rsplit(".", 1)[-1]
            is_1d = kind == "BatchNorm1d"
            if kind in ("BatchNorm1d", "BatchNorm2d", "BatchNorm3d") and (best is None or (is_1d and not best[0])):
                target = node.targets[0]
                attr = target.attr if isinstance(target, ast.Attribute) else None
                best = (is_1d, attr, node.value)
        if best is None:
            return None
        _, attr, call = best
        label = f"`{cname}.{attr}`" if attr else f"`{cname}`"
        return f"{label} = `{ast.unparse(call)}` ({self._where(module_path)})"

    def _in_fc_block(self, cls: cst.ClassDef, bn: cst.Call) -> bool:
        """BatchNorm1d next to a Linear: in the same Sequential, or the module defines Linear layers."""
        facts = self.ctx.facts
        parent = facts.parent(bn)
        seq = facts.parent(parent) if isinstance(parent, cst.Arg) else None
        if isinstance(seq, cst.Call):
            return any((dotted(a.value.func) or "").endswith("Linear") for a in seq.args if isinstance(a.value, cst.Call))
        target = self._target_of(bn)
        if target:
            for node in self._walk(cls):
                if isinstance(node, cst.Call) and (dotted(node.func) or "").endswith("Sequential"):
                    elems = [dotted(a.value) for a in node.args]
                    if target in elems:
                        return any((dotted(a.value.func) or "").endswith("Linear") for a in node.args if isinstance(a.value, cst.Call))
        return False

    def _target_of(self, call: cst.Call) -> Optional[str]:
        facts = self.ctx.facts
        stmt = facts.parent(call)
        if isinstance(stmt, cst.Assign) and stmt.value is call:
            return dotted(stmt.targets[0].target)
        return None

    def _trains(self) -> bool:
        """Does this file train: back-propagate, define a Lightning `training_step`, or hand a model
        to a function of another project module that trains what it is handed (its summary's
        "train" step: `trainer(loader, model, opt)` with `from utils import *`)?"""
        facts = self.ctx.facts
        for call in facts.calls:
            if isinstance(call.func, cst.Attribute) and call.func.attr.value in ("backward", "manual_backward"):
                return True
        for cls in facts.classes:
            if facts.is_lightning_class(cls) and any(
                isinstance(i, cst.FunctionDef) and i.name.value == "training_step" for i in cls.body.body
            ):
                return True
        from bnlint.modes import lightning_trainer_call

        # (`trainer.fit(model, loader)`: Lightning trains a LightningModule of another module too)
        return any(facts.trains_what_it_is_handed(call) or (call.args and lightning_trainer_call(facts, call, _FIT)) for call in facts.calls)

    # --- DataLoader(batch_size=small) ---------------------------------------------
    def _check_loader(self, call: cst.Call, limit: int, models) -> None:
        arg = call_arg(call, "batch_size", 1) or self._unpacked_keyword(call, "batch_size")
        keyword = "batch_size"
        if arg is None:
            arg = call_arg(call, "batch_sampler")
            if arg is None:
                return
            keyword = "batch_sampler"
            resolved = self._sampler_batch_size(arg.value, call)
        else:
            resolved = self._int_value(arg.value, call)
        if resolved is None:
            return
        size, source = resolved
        if isinstance(source, _Traced):
            code = self.ctx.code_for(arg.value).strip()
            if isinstance(arg.value, cst.Call):
                code = f"{dotted(arg.value.func) or 'sampler'}(...)"
            shown = f"{keyword}={code} ({source})"
        else:
            shown = f"batch_size={size} ({source})"
        self._report_loader(arg, call, self._loader_name(call), size, shown, limit, models)

    def _unpacked_keyword(self, call: cst.Call, keyword: str):
        """The argument ``keyword`` that a `**options` of ``call`` hands it, where `options` is
        `dict(batch_size=..., ...)` or `{"batch_size": ..., ...}`, written there or bound once
        before the call in the scope and not written to afterwards (`options["batch_size"] =
        ...`, `options.update(...)`): `loader_args = dict(batch_size=args.batch_size,
        num_workers=4)` ... `DataLoader(train_set, shuffle=True, **loader_args)`.  An object with
        a `.value`, as ``call_arg`` gives."""
        facts = self.ctx.facts
        for arg in call.args:
            if arg.star != "**":
                continue
            value = arg.value
            if isinstance(value, cst.Name):
                scope = facts.enclosing_function(call) or facts.module
                values = facts.reaching_assignments(value.value, call, scope)
                if len(values) != 1 or self._dict_written(value.value, scope):
                    continue
                value = values[0]
            if isinstance(value, cst.Call) and dotted(value.func) == "dict":
                found = call_arg(value, keyword)
                if found is not None:
                    return found
            elif isinstance(value, cst.Dict):
                for element in value.elements:
                    if isinstance(element, cst.DictElement) and literal_value(element.key) == keyword:
                        return element
        return None

    def _dict_written(self, name: str, scope: cst.CSTNode) -> bool:
        """Is the dict ``name`` of ``scope`` written to in place: an item assigned or deleted, or a
        mutating method called (`update`, `setdefault`, `pop`, `__setitem__`)?"""
        for node in walk_scope(scope):
            if isinstance(node, cst.Subscript) and isinstance(node.value, cst.Name) and node.value.value == name:
                parent = self.ctx.facts.parents.get(node)
                if isinstance(parent, (cst.AssignTarget, cst.AugAssign, cst.Del)):
                    return True
            elif isinstance(node, cst.Call) and isinstance(node.func, cst.Attribute) and isinstance(node.func.value, cst.Name) and node.func.value.value == name:
                if node.func.attr.value in ("update", "setdefault", "pop", "popitem", "clear", "__setitem__"):
                    return True
        return False

    def _report_loader(self, node: cst.CSTNode, call: cst.Call, loader: str, size: int, shown: str, limit: int, models) -> None:
        """Report ``node`` when the training loader ``call`` builds (named ``loader``) has batches of
        ``size`` < ``limit`` and the model it trains has train-mode BN."""
        if size >= limit or size <= 0:
            return
        if self._is_eval_loader(call, loader) or self._branch_ruled_out(call) or self.ctx.facts.never_runs(call):
            return
        if self._feeds_no_training(call, loader) or self._peeked_for_shapes(call):
            return
        if self._items_are_groups(loader) or self._collate_merges_items(call):
            return  # each batch element is a group of samples (an episode): BN sees more than `size`
        if models and all(self._forward_merges_batch(c) for c, _ in models):
            return  # the model's forward folds each item's samples into the batch: BN sees more than `size`
        cls = self.ctx.facts.enclosing_class(call)
        if cls is not None and cls.name.value in self.ctx.facts.inventory.bn_holding:
            if self._modes()._keeps_bn_eval(cls.name.value):
                return  # its train() override puts BN back in eval: Lightning's .train() each epoch freezes BN
            layer = self._describe_layer(cls.name.value)  # a LightningModule's train_dataloader()
        elif models:
            if self._bn_frozen_in_training(self._training_bn_forwards(near=call)):
                return
            if self._trains_only_models_without_bn(call, loader):
                return
            layer = self._optimized_first(models)[1]
        else:
            return
        single = _single_note(size, layer)
        summary = f"`{loader}` trains BatchNorm on batches of {size}: use >= {limit}, GroupNorm, or frozen BN"
        self.report(node, LOADER_MESSAGE.format(loader=loader, shown=shown, samples=_samples(size), limit=limit, layer=layer, single=single), summary=summary)

    def _optimized_first(self, models):
        """The model an optimizer of the file trains (`optim.Adam(model.parameters())`), else the first
        BN model: a frozen pretrained backbone feeding a trained head is not "the model it trains"."""
        facts = self.ctx.facts
        optimized = set()
        for call in facts.calls:
            if (facts.callee(call) or "").startswith("torch.optim."):
                for node in self._walk(call):
                    if isinstance(node, cst.Call) and isinstance(node.func, cst.Attribute) and node.func.attr.value == "parameters":
                        optimized.add(dotted(node.func.value))
        return next((m for m in models if self._target_of(m[0]) in optimized), models[0])

    def _forward_merges_batch(self, construction: cst.Call) -> bool:
        """Does the model's class fold a second axis of its input into the batch axis in `forward`
        (`support_x.view(batchsz * setsz, c, h, w)`, `x.flatten(0, 1)`), or drop the batch axis
        so that the second one is the batch (`video.squeeze(0)`)?  Then each loader item is
        a group (a few-shot episode, a bag, a clip of frames) and BatchNorm normalises over all
        its samples. Read from the class's source, in this module or a project module."""
        facts = self.ctx.facts
        name = dotted(construction.func)
        if not name:
            return False
        inv = facts.inventory
        cls = inv.classes.get(name) if name in inv.classes else None
        if cls is None and facts.path and inv.is_imported(name):
            found = facts.index.definition(facts.path, inv.resolve(name))
            cls = found[2][2].get(found[1]) if found is not None else None
        if not isinstance(cls, ast.ClassDef):
            return False
        forward = next((n for n in cls.body if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef)) and n.name == "forward"), None)
        if forward is None:
            return False
        inputs = {a.arg for a in forward.args.args[1:] + forward.args.kwonlyargs}
        for node in ast_walk(forward):
            if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.args):
                continue
            method, receiver = node.func.attr, node.func.value
            if method == "flatten" and isinstance(node.func.value, ast.Name) and inv_mod.dotted_name(node.func.value) == "torch":
                receiver, args = node.args[0], node.args[1:]
            else:
                args = node.args
            if not (isinstance(receiver, ast.Name) and receiver.id in inputs):
                continue
            if method in ("view", "reshape") and isinstance(args[0], ast.BinOp) and isinstance(args[0].op, ast.Mult):
                return True
            if method == "flatten" and [a.value if isinstance(a, ast.Constant) else None for a in args[:2]] == [0, 1]:
                return True
            if method == "squeeze" and [a.value if isinstance(a, ast.Constant) else None for a in args[:1]] == [0]:
                # `video.squeeze(0)`: the loader's batch axis is dropped, so the next one (the clips
                # of the one video) is the batch its layers see (BatchNorm needs one to run).
                return True
        return False

    def _items_are_groups(self, loader: str) -> bool:
        """Is each element the loader yields a group of samples, merged into one batch before the
        model sees it?  A loop over the loader (or over a parameter it is passed as) that joins a
        batch element along the batch axis, `torch.cat(query_images, 0)` or
        `x.view(-1, c, h, w)`: few-shot episodes, bags, sequences of clips.  Then the batch size
        counts groups, and BatchNorm sees all their samples at once."""
        facts = self.ctx.facts
        if not loader.isidentifier():
            return False
        for loop in self._walk(self.ctx.module):
            if not isinstance(loop, cst.For):
                continue
            source = dotted(iterated_source(loop.iter))
            if source is None:
                continue
            fn = facts.enclosing_function(loop)
            if source != loader and not (fn is not None and source in params_of(fn) and any(dotted(a) == loader for a in facts.caller_arguments(fn, source))):
                continue
            names = {n.value for n in self._walk(loop.target) if isinstance(n, cst.Name)}
            for node in self._walk(loop.body):
                if not isinstance(node, cst.Call) or not node.args:
                    continue
                callee = dotted(node.func) or ""
                first = node.args[0].value
                if callee.rsplit(".", 1)[-1] in ("cat", "stack", "concat", "concatenate") and isinstance(first, cst.Name) and first.value in names:
                    return True
                if isinstance(first, (cst.List, cst.Tuple)) and first.elements:
                    first = first.elements[0].value  # `x.view([-1, c, h, w])`: the shape as one sequence
                if (
                    isinstance(node.func, cst.Attribute) and node.func.attr.value in ("view", "reshape")
                    and isinstance(node.func.value, cst.Name) and node.func.value.value in names
                    and isinstance(first, cst.UnaryOperation) and isinstance(first.operator, cst.Minus)
                ):
                    return True
        return False

    def _collate_merges_items(self, call: cst.Call) -> bool:
        """Does the loader's `collate_fn` (a function of this module, or a lambda) concatenate the
        items it is handed (`torch.cat(frames, dim=0)`) rather than stack them?  Then each item is
        a group of samples (the frames of a video, the crops of an image) and BatchNorm sees all of
        them: `batch_size` counts groups."""
        facts = self.ctx.facts
        arg = call_arg(call, "collate_fn")
        if arg is None:
            return False
        value = arg.value
        joins = ("cat", "concat", "concatenate")
        if isinstance(value, cst.Name) and facts.function_named(value.value) is None and facts.path and facts.inventory.is_imported(value.value):
            # (`from load_data import my_collate_fn`: a function of another project module)
            fn = self._project_function_ast(value.value)
            return fn is not None and any(
                isinstance(n, ast.Call) and (inv_mod.dotted_name(n.func) or "").rsplit(".", 1)[-1] in joins for n in ast_walk(fn)
            )
        if isinstance(value, cst.Name):
            value = facts.function_named(value.value)
        if not isinstance(value, (cst.FunctionDef, cst.Lambda)):
            return False
        return any(isinstance(n, cst.Call) and (dotted(n.func) or "").rsplit(".", 1)[-1] in joins for n in self._walk(value))

    def _loader_name(self, call: cst.Call) -> str:
        facts = self.ctx.facts
        parent = facts.parent(call)
        if isinstance(parent, cst.Assign):
            name = dotted(parent.targets[0].target)
            if name:
                return name
        fn = facts.enclosing_function(call)
        if fn is not None and isinstance(parent, cst.Return):
            return f"{fn.name.value}()"
        return "DataLoader(...)"

    def _is_eval_loader(self, call: cst.Call, loader: str) -> bool:
        facts = self.ctx.facts
        leaf = loader.rsplit(".", 1)[-1]
        if _EVAL_WORDS.search(leaf):
            return True
        fn = facts.enclosing_function(call)
        if fn is not None and (is_eval_function_name(fn.name.value) or _EVAL_WORDS.search(fn.name.value)) and "train" not in fn.name.value.lower():
            # An evaluation-named function (`loso_cross_validation`) may still build the folds'
            # training loaders: the loop or helper that trains on this one decides.
            if not self._feeds_training(fn, loader):
                return True
        entry = facts.parent(call)
        if isinstance(entry, cst.DictElement) and isinstance(entry.key, cst.SimpleString) and _EVAL_WORDS.search(str(entry.key.evaluated_value)):
            return True  # `{"train": DataLoader(...), "val": DataLoader(...)}`: kept under an evaluation split
        dataset = call.args[0].value if call.args and call.args[0].keyword is None else None
        if isinstance(dataset, cst.Subscript) and len(dataset.slice) == 1 and isinstance(dataset.slice[0].slice, cst.Index):
            key = dataset.slice[0].slice.value
            if isinstance(key, cst.SimpleString) and _EVAL_WORDS.search(str(key.evaluated_value)):
                return True  # `DataLoader(image_datasets["val"], ...)`
        if dataset is not None:
            dname = dotted(dataset) or ""
            if _EVAL_WORDS.search(dname.rsplit(".", 1)[-1]):
                return True
            if isinstance(dataset, cst.Call):
                tr = call_arg(dataset, "train")
                if tr is not None and isinstance(tr.value, cst.Name) and tr.value.value == "False":
                    return True
                split = call_arg(dataset, "split")
                if split is not None and isinstance(split.value, cst.SimpleString) and _EVAL_WORDS.search(str(split.value.evaluated_value)):
                    return True
        shuffle = call_arg(call, "shuffle")
        if shuffle is not None and isinstance(shuffle.value, cst.Name) and shuffle.value.value == "False" and "train" not in loader.lower():
            # Unshuffled is how evaluation loaders are usually built, but a loop over this one
            # that back-propagates says it trains.
            return not self._feeds_training(fn if fn is not None else facts.module, loader)
        return self._in_eval_branch(call)

    def _loop_over(self, node: cst.Name) -> Tuple[cst.CSTNode, bool]:
        """(the `for` iterating ``node``, True) where one does, through `enumerate`/`tqdm`
        (``iterated_source``); else (``node``'s parent, False)."""
        facts = self.ctx.facts
        holder, outer = facts.parent(node), node
        while isinstance(holder, cst.Arg) and isinstance(facts.parent(holder), cst.Call) and iterated_source(facts.parent(holder)) is node:
            outer = facts.parent(holder)
            holder = facts.parent(outer)
        if isinstance(holder, cst.For) and holder.iter is outer:
            return holder, True
        return facts.parent(node), False

    def _feeds_training(self, scope: cst.FunctionDef, loader: str) -> bool:
        """Is the loader named ``loader`` in ``scope`` seen training: a `for` over it (through
        `enumerate`/`tqdm`) whose body back-propagates or steps an optimizer, or an argument of a
        function of this module, or of another project module, that does?"""
        from bnlint.modes import _has_training_calls

        if not loader.isidentifier():
            return False
        facts = self.ctx.facts
        for node in self._reads_of(scope, loader):
            if not (isinstance(node, cst.Name) and node.value == loader) or facts.is_store(node):
                continue
            holder, looped = self._loop_over(node)
            if looped and _has_training_calls(holder):
                return True
            if isinstance(holder, cst.Arg) and holder.value is node and isinstance(facts.parent(holder), cst.Call):
                func = facts.parent(holder).func
                callee = func.value if isinstance(func, cst.Name) else None
                local = facts.function_named(callee) if callee else None
                if local is not None and _has_training_calls(local):
                    return True
                if local is None and callee and self._imported_function_trains(callee):
                    return True
        return False

    def _steps_in_helper(self, loop: cst.CSTNode) -> bool:
        """Does the body of ``loop`` call a function of this file, or of another project module,
        that steps an optimizer (`train_step(model, x, y)`)?  (A helper that back-propagates
        without a step, a Grad-CAM heat map, trains nothing.)"""
        facts = self.ctx.facts
        for node in facts.iter_nodes(getattr(loop, "body", loop)):
            if not (isinstance(node, cst.Call) and isinstance(node.func, cst.Name)):
                continue
            fn = self._callee_ast(node.func.value)[0]
            if fn is not None and any(
                isinstance(n, ast.Call) and isinstance(n.func, ast.Attribute) and n.func.attr in ("step", "manual_backward", "fit")
                for n in ast_walk(fn)
            ):
                return True
        return False

    def _imported_function_trains(self, name: str) -> bool:
        """Is ``name`` a function of another project module that back-propagates or steps an
        optimizer (`fold_fit(train_dl)` in `engine.py`)?"""
        import ast as _ast

        facts = self.ctx.facts
        found = facts.index.definition(facts.path, facts.inventory.resolve(name)) if facts.path and facts.inventory.is_imported(name) else None
        fn = found[2][0].get(found[1]) if found is not None else None
        if not isinstance(fn, (_ast.FunctionDef, _ast.AsyncFunctionDef)):
            return False
        return any(
            isinstance(n, _ast.Call) and isinstance(n.func, _ast.Attribute) and n.func.attr in ("backward", "manual_backward")
            for n in ast_walk(fn)
        )

    def _feeds_no_training(self, call: cst.Call, loader: str) -> bool:
        """Does every use of the loader bound here go where nothing trains?  Each use is a `for`
        over it whose body has no backward/optimizer step, or an argument of a function of this
        module that trains nothing (`val(args, valLoader, model)`, which calls `model.eval()` and
        no `.backward()`).  No use seen, or any other use (returned, stored, handed to something
        not in this file): it may train, as before."""
        facts = self.ctx.facts
        if loader.startswith("self.") and loader.count(".") == 1:
            return self._attribute_feeds_no_training(call, loader[5:])
        if not loader.isidentifier():
            return False
        parent = facts.parent(call)
        if not (isinstance(parent, cst.Assign) and len(parent.targets) == 1):
            return False
        target = parent.targets[0].target
        scope = facts.enclosing_function(call) or facts.module
        return self._uses_train_nothing(scope, loader, target, 0)

    def _attribute_feeds_no_training(self, call: cst.Call, attr: str) -> bool:
        """`self.valloader = DataLoader(...)` in a trainer's constructor: does every read of
        `self.<attr>` in the class sit in a method that trains nothing (`validation()` with
        `self.model.eval()` and no backward or step), or count it (`len(self.valloader)`), the
        attribute written nowhere else and the instance's class used by nothing outside this
        file's own methods?"""
        from bnlint.modes import _has_training_calls

        facts = self.ctx.facts
        cls = facts.enclosing_class(call)
        if cls is None or not isinstance(facts.parent_of_def(cls), cst.Module):
            return False
        reads = 0
        for node in facts.iter_nodes(cls):
            if not (isinstance(node, cst.Attribute) and node.attr.value == attr and isinstance(node.value, cst.Name) and node.value.value == "self"):
                continue
            above = facts.parent(node)
            if isinstance(above, cst.AssignTarget):
                if facts.parent(above) is not facts.parent(call):
                    return False  # written again elsewhere
                continue
            method = facts.enclosing_function(node)
            if method is None:
                return False
            if isinstance(above, cst.Arg) and isinstance(facts.parent(above), cst.Call) and dotted(facts.parent(above).func) in _INSPECTING_BUILTINS:
                continue  # `len(self.valloader)`
            if _has_training_calls(method):
                return False
            reads += 1
        # (Scripts importing the class may read the attribute: `trainer.valloader` elsewhere.)
        return reads > 0 and not self._attribute_read_outside(attr)

    def _attribute_read_outside(self, attr: str) -> bool:
        """Does code of this file outside the classes' own methods read `<x>.<attr>`?"""
        facts = self.ctx.facts
        for node in facts.iter_nodes(facts.module):
            if isinstance(node, cst.Attribute) and node.attr.value == attr and not (isinstance(node.value, cst.Name) and node.value.value == "self"):
                return True
        return False

    def _peeked_for_shapes(self, call: cst.Call) -> bool:
        """A loader built only to draw one batch, `_, (x, y) = next(enumerate(DataLoader(ds,
        batch_size=1)))`, whose values are only printed or measured (`print(x[0].shape)`): it
        shows the data's shapes and trains nothing."""
        facts = self.ctx.facts
        node: cst.CSTNode = call
        parent = facts.parent(node)
        while isinstance(parent, cst.Arg):
            holder = facts.parent(parent)
            if not (isinstance(holder, cst.Call) and isinstance(holder.func, cst.Name) and holder.func.value in ("iter", "enumerate", "next") and len(holder.args) == 1):
                return False
            node, parent = holder, facts.parent(holder)
            if holder.func.value == "next":
                break
        else:
            return False
        if not (isinstance(node, cst.Call) and node.func.value == "next" and isinstance(parent, cst.Assign)):  # type: ignore[attr-defined]
            return False
        names = {n.value for t in parent.targets for n in [t.target, *facts.iter_nodes(t.target)] if isinstance(n, cst.Name) and n.value != "_"}
        scope = facts.enclosing_function(call) or facts.module
        for read in facts.iter_nodes(scope):
            if not (isinstance(read, cst.Name) and read.value in names) or facts.is_store(read):
                continue
            above = facts.parent(read)
            if isinstance(above, cst.Attribute) and above.attr is read:
                continue
            shown = any(
                isinstance(a, cst.Call) and dotted(a.func) in ("print", "len")
                or (isinstance(a, cst.Attribute) and a.attr.value in ("shape", "dtype", "size"))
                for a in facts.ancestors(read)
                if not isinstance(a, (cst.BaseSmallStatement, cst.BaseCompoundStatement))
            )
            if not shown:
                return False
        return True

    def _rebatched_inside(self, loop: cst.CSTNode) -> bool:
        """``_ast_rebatched_inside`` for a loop of this file (a `for` over a loader)."""
        found = self._ast_node_at(loop)
        return found is not None and _ast_rebatched_inside(found, self._loader_test(None))

    def _rebatched_in_function(self, fn: ast.AST, aliases: Optional[Dict[str, str]], site: cst.Call, arg: cst.Arg) -> bool:
        """Does every loop of the helper ``fn`` (of this file, or of the module whose imports are
        ``aliases``) over the parameter ``arg`` fills (at ``site``) train only on DataLoaders it
        builds from each item (``_ast_rebatched_inside``)?"""
        positional = [a.arg for a in list(fn.args.posonlyargs) + list(fn.args.args)]
        params = set(positional) | {a.arg for a in fn.args.kwonlyargs}
        if arg.keyword is not None:
            name = arg.keyword.value
        else:
            plain = [a for a in site.args if a.keyword is None]
            index = next((i for i, a in enumerate(plain) if a is arg), -1)
            name = positional[index] if 0 <= index < len(positional) else None
        if not name or name not in params:
            return False
        nodes = list(ast_walk(fn))
        # (`batches = tqdm(loader)`: the same loader, wrapped for its progress bar.)
        wrapped = {name} | {
            inv_mod.dotted_name(t) for n in nodes
            if isinstance(n, ast.Assign) and isinstance(n.value, ast.Call) and n.value is not ast_iterated_source(n.value)
            and inv_mod.dotted_name(ast_iterated_source(n.value)) == name
            for t in n.targets
        }
        loops = [n for n in nodes if isinstance(n, (ast.For, ast.AsyncFor)) and inv_mod.dotted_name(ast_iterated_source(n.iter)) in wrapped]
        test = self._loader_test(aliases)
        return bool(loops) and all(_ast_rebatched_inside(loop, test) for loop in loops)

    def _helper_rebatches(self, callee: str, site: cst.Call, arg: cst.Arg) -> bool:
        """``_rebatched_in_function`` for the function ``callee`` names at ``site``: a function of
        this file (nested ones included), or of the project module it is imported from."""
        fn, aliases = self._callee_ast(callee)
        return fn is not None and self._rebatched_in_function(fn, aliases, site, arg)

    def _callee_ast(self, callee: str) -> "Tuple[Optional[ast.AST], Optional[Dict[str, str]]]":
        """The ``ast`` of the function ``callee`` names here, with the imports of its module
        (None for this file's own): a function of this file (nested ones included, its libcst
        definition mapped by line), or of the project module it is imported from."""
        facts = self.ctx.facts
        local = facts.function_named(callee)
        fn, aliases = None, None
        if local is not None:
            fn = self._ast_node_at(local)
        elif facts.path and facts.inventory.is_imported(callee):
            found = facts.index.definition(facts.path, facts.inventory.resolve(callee))
            if found is not None:
                fn, aliases = found[2][0].get(found[1]), found[2][1]
        return (fn, aliases) if isinstance(fn, (ast.FunctionDef, ast.AsyncFunctionDef)) else (None, None)

    def _loader_test(self, aliases: Optional[Dict[str, str]]):
        """Is an ``ast`` call `torch.utils.data.DataLoader(...)`: in this file (``aliases`` None,
        resolved through its imports), or in the module whose imports are ``aliases``?"""
        if aliases is None:
            resolve = self.ctx.facts.inventory.resolve
            return lambda call: resolve(inv_mod.dotted_name(call.func) or "") == "torch.utils.data.DataLoader"

        def test(call: ast.Call) -> bool:
            func = inv_mod.dotted_name(call.func) or ""
            head, _, rest = func.partition(".")
            qualified = f"{aliases[head]}.{rest}" if head in aliases and rest else aliases.get(head, func)
            return qualified.rsplit(".", 1)[-1] == "DataLoader"

        return test

    def _ast_node_at(self, node: cst.CSTNode) -> Optional[ast.AST]:
        """The node of this file's ``ast`` tree that is ``node`` (a loop or a function): the one
        of the same kind starting on its line."""
        kinds = {cst.For: (ast.For, ast.AsyncFor), cst.While: (ast.While,), cst.FunctionDef: (ast.FunctionDef, ast.AsyncFunctionDef)}.get(type(node))
        line = self.ctx.line_of(node) if kinds else None
        if line is None:
            return None
        starts = self.__dict__.get("_ast_starts")
        if starts is None:
            starts = self.__dict__["_ast_starts"] = {}
            for n in ast_walk(self.ctx.facts._ast()):
                if isinstance(n, (ast.For, ast.AsyncFor, ast.While, ast.FunctionDef, ast.AsyncFunctionDef)):
                    # (A decorated function's line is its `def`'s, as libcst's position of the def.)
                    starts.setdefault((type(n).__name__ in ("FunctionDef", "AsyncFunctionDef"), n.lineno), n)
        return starts.get((isinstance(node, cst.FunctionDef), line))

    def _unbatched_in_loop(self, loop: cst.CSTNode) -> bool:
        """Does the body of ``loop`` (a `for` over a loader) drop the loader's batch dimension from
        what it draws (`group = group.squeeze(0)`): each item is a batch of its own (a stack of clips built by `__getitem__`), of a size not known here."""
        facts = self.ctx.facts
        target = getattr(loop, "target", None)
        body = getattr(loop, "body", None)
        if target is None or body is None:
            return False
        drawn = {n.value for n in [target, *facts.iter_nodes(target)] if isinstance(n, cst.Name)}
        nodes = list(facts.iter_nodes(body))
        for n in nodes:
            # What the item unpacks into on the next lines (`for batch in loader:` then `pts, lab =
            # batch`, or `pts = batch[0]`) is drawn too.
            if isinstance(n, cst.Assign) and len(n.targets) == 1:
                value = n.value.value if isinstance(n.value, cst.Subscript) else n.value
                if isinstance(value, cst.Name) and value.value in drawn:
                    drawn |= {t.value for t in [n.targets[0].target, *facts.iter_nodes(n.targets[0].target)] if isinstance(t, cst.Name)}
        # What the network is called on: the first argument of a plain call (`model(group)`),
        # not of a loss (`criterion(outputs, labels)` squeezes a label, not the batch).
        fed = {
            n.args[0].value.value for n in nodes
            if isinstance(n, cst.Call) and n.args and n.args[0].keyword is None and isinstance(n.args[0].value, cst.Name)
            and isinstance(n.func, (cst.Name, cst.Attribute)) and not (isinstance(n.func, cst.Attribute) and n.func.attr.value in ("squeeze", "squeeze_", "to", "cuda", "float"))
        }
        for n in nodes:
            if (
                isinstance(n, cst.Call) and isinstance(n.func, cst.Attribute) and n.func.attr.value in ("squeeze", "squeeze_")
                and isinstance(n.func.value, cst.Name) and n.func.value.value in drawn
                and len(n.args) == 1 and literal_value(n.args[0].value) == 0
            ):
                parent = facts.parent(n)
                bound = {dotted(t.target) for t in parent.targets} if isinstance(parent, cst.Assign) else set()
                if ({n.func.value.value} | bound) & fed:
                    return True
        return False

    def _inside(self, node: cst.CSTNode, container: cst.CSTNode) -> bool:
        return any(a is container for a in self.ctx.facts.ancestors(node))

    def _uses_train_nothing(self, scope: cst.CSTNode, loader: str, target: Optional[cst.CSTNode], depth: int) -> bool:
        """``_feeds_no_training`` for the name ``loader`` of ``scope`` (its binding ``target``
        excluded).  A loader returned inside a tuple (`return tr, va`) is followed to the name each
        caller of the function unpacks at its position (`train_loader, val_loader = build()`):
        a name for evaluation data there, or one whose uses train nothing."""
        from bnlint.modes import _has_training_calls

        facts = self.ctx.facts
        uses = 0
        rebound = False  # a later unconditional binding of the name in this scope ends this one's reach
        seen_target = target is None
        reads = list(self._reads_of(scope, loader))
        # (Reads above the binding see an earlier one, where the binding is among the reads.)
        ordered = isinstance(target, cst.Name) and any(node is target for node in reads)
        # (`feed = DataLoader(feed, ...)`: the `feed` its own value reads is the dataset bound before.)
        binding = next((a for a in facts.ancestors(target) if isinstance(a, (cst.Assign, cst.AnnAssign))), None) if target is not None else None
        own_value = getattr(binding, "value", None)
        for node in reads:
            if not (isinstance(node, cst.Name) and node.value == loader):
                continue
            if own_value is not None and self._inside(node, own_value):
                continue
            above = facts.parent(node)
            if isinstance(above, cst.Attribute) and above.attr is node:
                continue  # `self.train_loader`: an attribute of that name, another variable
            if isinstance(above, cst.Param):
                continue  # (the parameter itself, where a helper's uses of it are read)
            if node is target:
                seen_target = True
                continue
            same_level = facts.enclosing_function(node) is (scope if isinstance(scope, cst.FunctionDef) else None)
            if facts.is_store(node):
                if seen_target and same_level and not self._conditional_within(node, scope) and not self._wraps_itself(node, loader):
                    rebound = True
                continue
            if rebound and same_level:
                continue  # (reads the later binding: `loader = DataLoader(..., batch_size=16)`)
            if ordered and not seen_target and same_level and not self._in_loop_around(node, target, scope):
                continue  # (reads an earlier binding: this one is not made yet)
            if facts.never_runs(node):
                uses += 1
                continue  # `if False: trainer.train_model(train_loader=train_loader)`: a branch that never runs
            uses += 1
            holder, looped = self._loop_over(node)
            if looped:
                if (_has_training_calls(holder) or self._steps_in_helper(holder)) and not self._rebatched_inside(holder) and not self._unbatched_in_loop(holder):
                    return False
                continue
            if self._draws_one_batch_untrained(node, scope):
                continue  # `peek = next(iter(peek_loader))[0]` for a look at a few images
            if isinstance(holder, cst.Attribute) and holder.value is node and holder.attr.value in _PROGRESS_BAR_ATTRIBUTES:
                continue  # `pbar.set_postfix(...)`, `pbar.n` of `pbar = tqdm(loader)`: the bar, not the data
            if isinstance(holder, cst.Attribute) and holder.value is node and holder.attr.value in ("dataset", "batch_size", "sampler"):
                counted = facts.parent(holder)
                site = facts.parent(counted) if isinstance(counted, cst.Arg) else None
                if isinstance(site, cst.Call) and isinstance(site.func, cst.Name) and site.func.value in _INSPECTING_BUILTINS and not facts.inventory.is_imported(site.func.value):
                    continue  # `len(loader.dataset)` for a log line: counted, not iterated
            if isinstance(holder, cst.Arg) and holder.value is node:
                site = facts.parent(holder)
                alias = facts.parent(site) if isinstance(site, cst.Call) and iterated_source(site) is node else None
                if depth < 2 and isinstance(alias, cst.Assign) and len(alias.targets) == 1 and isinstance(alias.targets[0].target, cst.Name):
                    # `pbar = tqdm(loader, desc=...)`, then `for batch in pbar:`: the same loader's uses.
                    where = facts.enclosing_function(alias) or facts.module
                    if not self._uses_train_nothing(where, alias.targets[0].target.value, alias.targets[0].target, depth + 1):
                        return False
                    continue
                callee = site.func.value if isinstance(site, cst.Call) and isinstance(site.func, cst.Name) else None
                fn = facts.function_named(callee) if callee else None
                if fn is None and callee in _INSPECTING_BUILTINS and not facts.inventory.is_imported(callee):
                    continue  # `len(testloader)` for a progress count: the loader is not iterated
                if fn is None and callee and self._imported_function_trains_nothing(callee, site, holder):
                    continue  # `pixel_stats(loader)` of another module: one batch's statistics
                if callee and self._helper_rebatches(callee, site, holder):
                    continue  # the helper trains on loaders it builds from each item this one draws
                if fn is None:
                    return False
                if _has_training_calls(fn):
                    if self._trains_nothing_when_called(fn, site):
                        continue  # `one_pass(check_loader, ..., train=False)`: its steps are under `if train:`
                    return False
                if depth < 2 and holder.star == "":
                    # `fit(model, fit_loader, ...)` that trains nothing itself but hands its
                    # parameter on (`one_pass(fit_loader, train=True)`): that parameter's uses.
                    param = self._parameter_of(fn, site, holder)
                    if param is None or not self._uses_train_nothing(fn, param, None, depth + 1):
                        return False
                continue
            if isinstance(holder, cst.Assign) and holder.value is node and self._store_overwritten(holder):
                continue  # `cfg["train"] = loader`, stored again (`cfg["train"] = big_loader`) before anything reads `cfg`
            if isinstance(holder, cst.DictElement) and holder.value is node and self._entry_overwritten(holder):
                continue  # `params = {"train_dl": loader, ...}`, its item stored again before anything reads `params`
            returned = facts.parent(holder) if isinstance(holder, cst.Element) else None
            if depth < 2 and isinstance(holder, cst.Return) and isinstance(scope, cst.FunctionDef):
                # `return valloader`: followed to the name each caller binds it to (`loader = load_data(root)`)
                unpacked = self._unpacked_by_callers(scope, None, 0)
                if not unpacked or not all(self._uses_train_nothing(where, name, bound, depth + 1) for where, name, bound in unpacked):
                    return False
                continue
            if depth < 2 and isinstance(returned, cst.Tuple) and isinstance(facts.parent(returned), cst.Return) and isinstance(scope, cst.FunctionDef):
                unpacked = self._unpacked_by_callers(scope, returned.elements.index(holder), len(returned.elements))
                if not unpacked or not all(
                    _EVAL_WORDS.search(name) or self._uses_train_nothing(where, name, bound, depth + 1) for where, name, bound in unpacked
                ):
                    return False
                continue
            return False
        # No read at all: a loader of a function, or of a notebook (nothing imports it), trains
        # nothing; one at a module's top level may be imported by the training script.
        return uses > 0 or rebound or isinstance(scope, cst.FunctionDef) or self.ctx.facts.path.endswith(".ipynb")

    def _trains_nothing_when_called(self, fn: cst.FunctionDef, site: cst.Call) -> bool:
        """Does every backward and optimizer step of ``fn`` sit on a branch that the literals the
        call ``site`` binds (or leaves at their defaults) rule out: `one_pass(check_loader, ...,
        train=False)` runs the helper's evaluation only?  (The mode analysis' own reading,
        ``ModesAnalysis.training_ruled_out``.)"""
        literals = {name: value for name in params_of(fn) if (value := self._argument_value(fn, site, name)) is not NOT_LITERAL}
        return bool(literals) and self._modes().training_ruled_out(fn, literals)

    def _argument_value(self, fn: cst.FunctionDef, site: cst.Call, param: str) -> object:
        """The literal the call ``site`` passes for ``param`` of ``fn``, or its literal default;
        NOT_LITERAL where neither is known."""
        if any(a.star for a in site.args):
            return NOT_LITERAL
        for arg in site.args:
            if arg.keyword is not None and arg.keyword.value == param:
                return literal_value(arg.value)
        positional = [p.name.value for p in list(fn.params.posonly_params) + list(fn.params.params)]
        values = [a.value for a in site.args if a.keyword is None]
        if param in positional and positional.index(param) < len(values):
            return literal_value(values[positional.index(param)])
        default = next((p.default for p in list(fn.params.params) + list(fn.params.kwonly_params) if p.name.value == param), None)
        return literal_value(default) if default is not None else NOT_LITERAL

    @staticmethod
    def _parameter_of(fn: cst.FunctionDef, site: cst.Call, arg: cst.Arg) -> Optional[str]:
        """The parameter of ``fn`` that the argument ``arg`` of the call ``site`` fills."""
        if arg.keyword is not None:
            return arg.keyword.value if arg.keyword.value in params_of(fn) else None
        positional = [p.name.value for p in list(fn.params.posonly_params) + list(fn.params.params)]
        index = [a for a in site.args if a.keyword is None].index(arg)
        return positional[index] if index < len(positional) else None

    def _store_overwritten(self, assign: cst.Assign) -> bool:
        """Is ``assign`` `holder[key] = value` (a literal key) whose item a later statement of the
        same block stores again (`holder[key] = other`) with nothing in between reading `holder`?
        Then nothing ever reads what this statement stored."""
        if len(assign.targets) != 1 or not isinstance(assign.targets[0].target, cst.Subscript):
            return False
        target = assign.targets[0].target
        holder = dotted(target.value)
        if not holder or len(target.slice) != 1 or not isinstance(target.slice[0].slice, cst.Index):
            return False
        return self._item_stored_again(assign, holder, literal_value(target.slice[0].slice.value))

    def _entry_overwritten(self, element: cst.CSTNode) -> bool:
        """Is ``element`` an entry `"key": value` of a dict display bound to a name (`params =
        {"train_dl": loader, ...}`) whose item a later statement of the same block stores again
        (`params["train_dl"] = other`) with nothing in between reading the dict?"""
        facts = self.ctx.facts
        display = facts.parent(element)
        assign = facts.parent(display)
        if not (isinstance(element, cst.DictElement) and isinstance(display, cst.Dict) and isinstance(assign, cst.Assign) and assign.value is display):
            return False
        if len(assign.targets) != 1 or not isinstance(assign.targets[0].target, cst.Name):
            return False
        return self._item_stored_again(assign, assign.targets[0].target.value, literal_value(element.key))

    def _item_stored_again(self, assign: cst.Assign, holder: str, key: object) -> bool:
        """Does a later statement of the block that holds ``assign`` store `holder[key]` again
        (not from `holder` itself) before any statement reads `holder`?  Stores of other literal
        keys (`holder["model_type"] = "meta"`) read nothing."""
        facts = self.ctx.facts
        if key is NOT_LITERAL:
            return False
        line = facts.parent(assign)
        block = facts.parent(line)
        body = getattr(block, "body", None)
        if not isinstance(line, cst.SimpleStatementLine) or len(line.body) != 1 or not isinstance(body, (list, tuple)) or line not in body:
            return False
        root = holder.split(".")[0]

        def mentions_root(node: cst.CSTNode) -> bool:
            return any(isinstance(n, cst.Name) and n.value == root for n in facts.iter_nodes(node))

        for later in body[body.index(line) + 1:]:
            small = later.body[0] if isinstance(later, cst.SimpleStatementLine) and len(later.body) == 1 else None
            stored = small.targets[0].target if isinstance(small, cst.Assign) and len(small.targets) == 1 else None
            if (
                isinstance(stored, cst.Subscript) and dotted(stored.value) == holder and len(stored.slice) == 1
                and isinstance(stored.slice[0].slice, cst.Index) and not mentions_root(small.value)
            ):
                other = literal_value(stored.slice[0].slice.value)
                if other == key:
                    return True
                if other is not NOT_LITERAL:
                    continue  # `holder["model_type"] = "meta"`: another item stored, nothing read
            if mentions_root(later):
                return False
        return False

    def _imported_function_trains_nothing(self, name: str, site: Optional[cst.Call] = None, arg: Optional[cst.Arg] = None) -> bool:
        """Is ``name`` a function of another project module (imported, or star-imported) that
        trains nothing: no `.backward()`, optimizer `.step()` or `.fit()` in it, and no call of
        another function it could hand the loader on to (only builtins such as `iter`/`next`; with
        the call ``site`` and its ``arg`` for the loader: no call handed that parameter itself)?"""
        import ast as _ast

        facts = self.ctx.facts
        if not facts.path:
            return False
        found = facts.index.definition(facts.path, facts.inventory.resolve(name))
        if found is None:
            return False
        fn = found[2][0].get(found[1])
        if not isinstance(fn, (_ast.FunctionDef, _ast.AsyncFunctionDef)):
            return False
        positional = [a.arg for a in list(fn.args.posonlyargs) + list(fn.args.args)]
        params = set(positional) | {a.arg for a in fn.args.kwonlyargs}
        loader_param = None
        if site is not None and arg is not None and not any(a.star for a in site.args):
            if arg.keyword is not None:
                loader_param = arg.keyword.value if arg.keyword.value in params else None
            else:
                plain = [a for a in site.args if a.keyword is None]
                index = next((i for i, a in enumerate(plain) if a is arg), None)
                loader_param = positional[index] if index is not None and index < len(positional) else None
        for n in ast_walk(fn):
            if not isinstance(n, _ast.Call):
                continue
            if isinstance(n.func, _ast.Attribute) and n.func.attr in ("backward", "step", "fit", "train", "manual_backward"):
                return False
            # (`p = model(x)`: a forward of the model it was handed, no hand-off of the loader.)
            if isinstance(n.func, _ast.Name) and n.func.id not in _PASSIVE_BUILTINS and n.func.id not in params:
                if loader_param is None:
                    return False
                handed = [*n.args, *(k.value for k in n.keywords)]
                if any(isinstance(x, _ast.Name) and x.id == loader_param or isinstance(x, _ast.Starred) for x in handed):
                    return False  # (`calculate(...)` with other values only: the loader stays here)
        return True

    def _trains_only_models_without_bn(self, call: cst.Call, loader: str) -> bool:
        """Do the training loops over the loader bound here run models that are known to hold no
        BatchNorm?  Each `for` over the name (after its binding) that trains, calls a model
        (`net(inputs)`) whose binding there is a construction of a class of this file without BN
        (the definition in force, in a notebook that defines `Net` twice), and no other model."""
        from bnlint.modes import _has_training_calls

        facts = self.ctx.facts
        parent = facts.parent(call)
        if not loader.isidentifier() or not (isinstance(parent, cst.Assign) and len(parent.targets) == 1 and isinstance(parent.targets[0].target, cst.Name)):
            return False
        scope = facts.enclosing_function(call) or facts.module
        loops = [
            n for n in self._walk(scope)
            if isinstance(n, cst.For) and any(isinstance(x, cst.Name) and x.value == loader for x in self._walk(n.iter))
            and facts.reaching_assignments(loader, n, scope) == [call] and _has_training_calls(n)
        ]
        if not loops:
            return self._handed_with_models_without_bn(call, loader, scope)
        parameters = {p for fn in [facts.enclosing_function(loops[0])] if fn is not None for p in params_of(fn)}
        for loop in loops:
            models = []
            for node in self._walk(loop.body):
                if isinstance(node, cst.Call) and isinstance(node.func, cst.Name):
                    name = node.func.value
                    if name in parameters:
                        return False  # (a model handed in: unknown)
                    bound = facts.reaching_assignments(name, node, scope)
                    if not bound and scope is not facts.module:
                        bound = facts.assignments_to(name, facts.module)
                    if bound and not all(isinstance(b, cst.Call) for b in bound):
                        return False  # (bound to something not built here: unknown)
                    if bound:
                        models.append(bound)
            calls = [b for bound in models for b in bound]
            own = [b for b in calls if isinstance(b.func, cst.Name) and b.func.value in facts.inventory.classes]
            if not own:
                return False  # (no model of this file's classes runs there: unknown)
            for b in calls:
                in_force = facts.holds_bn_in_force(b.func.value, b) if isinstance(b.func, cst.Name) else None
                if in_force or (in_force is None and facts.expr_holds_bn(b, scope)):
                    return False  # (a loss object, `nn.CrossEntropyLoss()`, holds none)
        return True

    def _handed_with_models_without_bn(self, call: cst.Call, loader: str, scope: cst.CSTNode) -> bool:
        """Is the loader bound at ``call`` handed only to calls (`train_one_epoch(model, opt,
        loader, ...)`) that are also handed a model, each bound where the call runs to a
        construction known to hold no BatchNorm (`model = get_model(2)` returning a torchvision
        detector with frozen BN), whatever the name was bound to before (another notebook cell)?"""
        facts = self.ctx.facts
        sites = []
        for node in self._reads_of(scope, loader):
            if not (isinstance(node, cst.Name) and node.value == loader) or facts.is_store(node):
                continue
            if call not in facts.reaching_assignments(loader, node, scope):
                continue  # (reads another binding of the name: an earlier notebook cell's loader)
            holder = facts.parent(node)
            site = facts.parent(holder) if isinstance(holder, cst.Arg) else None
            if not isinstance(site, cst.Call) or facts.reaching_assignments(loader, site, scope) != [call]:
                return False
            sites.append(site)
        if not sites:
            return False
        for site in sites:
            models = [a.value for a in site.args if isinstance(a.value, cst.Name) and a.value.value != loader]
            known = False
            for name in models:
                bound = facts.reaching_assignments(name.value, site, scope)
                if not bound or not all(isinstance(b, cst.Call) for b in bound):
                    continue
                if any(facts.expr_holds_bn(b, scope) for b in bound):
                    return False
                if all(self._known_without_bn(b) for b in bound):
                    known = True
            if not known:
                return False
        return True

    def _known_without_bn(self, call: cst.Call, depth: int = 0) -> bool:
        """Is ``call`` a model construction known to hold no trainable BatchNorm: a torchvision
        builder the inventory reads so (a detector with frozen BN), a class of this file without
        BN, or a function of this file whose every `return` is one (through a local bound once)?"""
        facts = self.ctx.facts
        if facts.expr_holds_bn(call):
            return False
        q = facts.callee(call) or ""
        if q.startswith("torchvision.models."):
            return True
        name = dotted(call.func) or ""
        if name in facts.inventory.classes:
            return not facts.class_holds_bn(name)
        fn = facts.function_named(name) if name and "." not in name and depth < 2 else None
        if fn is None:
            return False
        returns = [n for n in walk_scope(fn) if isinstance(n, cst.Return)]
        if not returns:
            return False
        for ret in returns:
            value = ret.value
            if isinstance(value, cst.Name):
                bound = facts.assignments_to(value.value, fn)
                value = bound[0] if len(bound) == 1 else None
            if not (isinstance(value, cst.Call) and self._known_without_bn(value, depth + 1)):
                return False
        return True

    def _in_loop_around(self, node: cst.CSTNode, target: Optional[cst.CSTNode], scope: cst.CSTNode) -> bool:
        """Is ``node`` inside a loop of ``scope`` that also holds ``target`` (its next iteration
        reads what this one bound)?"""
        facts = self.ctx.facts
        loops = []
        cur = facts.parent(target) if target is not None else None
        while cur is not None and cur is not scope:
            if isinstance(cur, (cst.For, cst.While)):
                loops.append(cur)
            cur = facts.parent(cur)
        return any(any(anc is loop for anc in facts.ancestors(node)) for loop in loops)

    def _wraps_itself(self, store: cst.Name, name: str) -> bool:
        """Is the binding at ``store`` a wrapper of the same loader (`loader = PreFetcher(loader)`):
        its value reads the name it rebinds?"""
        from bnlint.facts import walk

        for anc in self.ctx.facts.ancestors(store):
            if isinstance(anc, (cst.Assign, cst.AugAssign, cst.AnnAssign)):
                value = anc.value
                return value is not None and any(isinstance(n, cst.Name) and n.value == name for n in walk(value))
            if isinstance(anc, (cst.SimpleStatementLine, cst.FunctionDef, cst.Module)):
                break
        return False

    def _conditional_within(self, node: cst.CSTNode, scope: cst.CSTNode) -> bool:
        """Is ``node`` under a loop, a branch or a `try` of ``scope`` (so it may not run, or may run
        before a use it follows in the text)?"""
        for anc in self.ctx.facts.ancestors(node):
            if anc is scope:
                return False
            if isinstance(anc, (cst.For, cst.While, cst.If, cst.Try, cst.With, cst.FunctionDef, cst.Lambda)):
                return True
        return False

    def _draws_one_batch_untrained(self, node: cst.Name, scope: cst.CSTNode) -> bool:
        """Is ``node`` (a read of the loader) `next(iter(loader))` whose batch, bound to names, is
        read in no loop that trains (`peek = next(iter(peek_loader))[0]`, shown or printed)?  One
        batch trains something only where a training loop runs on it (overfitting one batch)."""
        from bnlint.facts import walk_scope

        facts = self.ctx.facts
        inner = facts.parent(facts.parent(node))
        if not (isinstance(inner, cst.Call) and dotted(inner.func) == "iter"):
            return False
        outer = facts.parent(facts.parent(inner))
        bound = facts.parent(inner)
        if isinstance(bound, cst.Assign) and len(bound.targets) == 1 and isinstance(bound.targets[0].target, cst.Name):
            # `it = iter(sample_loader)`, then `xs = next(it)`: every read of `it` draws a batch.
            name = bound.targets[0].target.value
            reads = [n for n in walk_scope(scope) if isinstance(n, cst.Name) and n.value == name and n is not bound.targets[0].target]
            return bool(reads) and all(self._untrained_batch(facts.parent(facts.parent(r)), scope) for r in reads)
        return self._untrained_batch(outer, scope)

    def _untrained_batch(self, outer: cst.CSTNode, scope: cst.CSTNode) -> bool:
        """Is ``outer`` `next(...)` (or `it.next()`) whose batch, bound to names, is read in no loop that trains?"""
        from bnlint.facts import walk, walk_scope
        from bnlint.modes import _has_training_calls

        facts = self.ctx.facts
        if not (isinstance(outer, cst.Call) and (
            dotted(outer.func) == "next"
            # `it.next()`: the iterator method of Python 2 era code (PyTorch's old loaders had it)
            or (isinstance(outer.func, cst.Attribute) and outer.func.attr.value in ("next", "__next__") and not outer.args)
        )):
            return False
        value: cst.CSTNode = outer
        while True:
            parent = facts.parent(value)
            if isinstance(parent, (cst.Subscript, cst.SubscriptElement, cst.Index)):
                value = parent
            elif isinstance(parent, cst.Attribute) and isinstance(facts.parent(parent), cst.Call) and parent.attr.value in ("to", "cuda", "float"):
                value = facts.parent(parent)  # `next(loader).to(device)`
            else:
                break
        assign = facts.parent(value)
        if not (isinstance(assign, cst.Assign) and assign.value is value):
            return False
        names = {n.value for t in assign.targets for n in walk(t.target) if isinstance(n, cst.Name)}
        for read in walk_scope(scope):
            if isinstance(read, cst.Name) and read.value in names and not any(read is n for t in assign.targets for n in walk(t.target)):
                for anc in facts.ancestors(read):
                    if isinstance(anc, (cst.For, cst.While)) and _has_training_calls(anc):
                        return False
                    if anc is scope:
                        break
        return True

    def _unpacked_by_callers(self, fn: cst.FunctionDef, index: Optional[int], size: int):
        """(scope, name, its binding) of what each call of ``fn`` in this file unpacks at
        ``index`` (`a, b = fn(...)`), or binds whole with ``index`` None (`a = fn(...)`); None
        where a call does anything else with what it returns."""
        facts = self.ctx.facts
        found = []
        for call in facts.calls:
            if not (isinstance(call.func, cst.Name) and call.func.value == fn.name.value):
                continue
            assign = facts.parent(call)
            if index is None:
                if not (isinstance(assign, cst.Assign) and len(assign.targets) == 1 and isinstance(assign.targets[0].target, cst.Name)):
                    return None
                found.append((facts.enclosing_function(call) or facts.module, assign.targets[0].target.value, assign.targets[0].target))
                continue
            if not (isinstance(assign, cst.Assign) and len(assign.targets) == 1 and isinstance(assign.targets[0].target, (cst.Tuple, cst.List))):
                return None
            elements = assign.targets[0].target.elements  # type: ignore[union-attr]
            if len(elements) != size or not isinstance(elements[index].value, cst.Name):
                return None
            found.append((facts.enclosing_function(call) or facts.module, elements[index].value.value, elements[index].value))
        return found

    def _reads_of(self, scope: cst.CSTNode, name: str):
        """The nodes of ``scope`` where ``name`` is this scope's variable: nested functions and
        classes only where they do not bind a ``name`` of their own (`def train_fn(train_loader,
        ...)` reads its parameter, not the global)."""
        from bnlint.facts import walk_scope

        facts = self.ctx.facts
        for node in walk_scope(scope):
            yield node
            if isinstance(node, cst.FunctionDef) and name not in params_of(node) and not facts.binds_locally(node, name):
                yield from self._reads_of(node, name)

    def _in_eval_branch(self, call: cst.Call) -> bool:
        """Built in the branch of an `if` that picks an evaluation split: `elif mode == 'test':`,
        `if split in ("val", "test"):` (every literal compared names evaluation data)."""
        facts = self.ctx.facts
        child: cst.CSTNode = call
        for anc in facts.ancestors(call):
            if isinstance(anc, (cst.FunctionDef, cst.ClassDef)):
                return False
            if isinstance(anc, cst.If) and child is anc.body:
                test = anc.test
                if isinstance(test, cst.Comparison) and len(test.comparisons) == 1:
                    op = test.comparisons[0].operator
                    sides = [test.left, test.comparisons[0].comparator]
                    words: List[str] = []
                    for side in sides:
                        elements = side.elements if isinstance(side, (cst.Tuple, cst.List, cst.Set)) and isinstance(op, cst.In) else [side]
                        for e in elements:
                            value = e.value if isinstance(e, cst.BaseElement) else e
                            if isinstance(value, cst.SimpleString) and isinstance(value.evaluated_value, str):
                                words.append(value.evaluated_value)
                    if isinstance(op, (cst.Equal, cst.In)) and words and all(_EVAL_WORDS.search(w) and "train" not in w.lower() for w in words):
                        return True
            child = anc
        return False

    def _branch_ruled_out(self, call: cst.Call) -> bool:
        """Is ``call`` on a branch of its function that no call of that function in this module
        takes?  The `if` tests on the way read parameters that every call passes a literal for
        (`get_dataloader(ds, "train", args)` and `(..., "val", args)`, never `"test"`), and none of
        those calls makes them lead to ``call`` (`elif mode == "test":`): dead code for this module."""
        import ast as std_ast

        from bnlint.effects import static_truth
        from bnlint.facts import NOT_LITERAL, literal_value

        facts = self.ctx.facts
        fn = facts.enclosing_function(call)
        if fn is None:
            return False
        conditions: List[Tuple[cst.If, bool]] = []  # (the `if`, the truth that leads to ``call``)
        child: cst.CSTNode = call
        for anc in facts.ancestors(call):
            if anc is fn:
                break
            if isinstance(anc, cst.If) and child in (anc.body, anc.orelse):
                conditions.append((anc, child is anc.body))
            child = anc
        if not conditions:
            return False
        params = {p.name.value: p for p in list(fn.params.params) + list(fn.params.kwonly_params)}
        per_call: Optional[List[Dict[str, object]]] = None
        for name, param in params.items():
            passed = self._passed_everywhere(fn, param)
            if passed is None:
                continue
            values = [literal_value(v) for v in passed]
            # (`load_data(args, args.dataset)`: an option's string default, as the defaults run.)
            values = [self._option_string_default(e) if v is NOT_LITERAL else v for v, e in zip(values, passed)]
            if any(v is NOT_LITERAL for v in values):
                continue
            per_call = [dict() for _ in values] if per_call is None else per_call
            for literals, value in zip(per_call, values):
                literals[name] = value
        if not per_call:
            return False
        tests = []
        for node, wanted in conditions:
            try:
                tests.append((std_ast.parse(facts.module.code_for_node(node.test).strip(), mode="eval").body, wanted))
            except (SyntaxError, ValueError, RecursionError, MemoryError):
                return False
        # Ruled out when, for every call, some test on the way is decided against ``call``.
        return all(any(static_truth(test, literals) is (not wanted) for test, wanted in tests) for literals in per_call)

    def _int_value(self, expr: cst.BaseExpression, at: cst.CSTNode, depth: int = 0) -> Optional[Tuple[int, str]]:
        """The integer a batch-size expression evaluates to, and where it comes from."""
        facts = self.ctx.facts
        if depth > 4:
            return None
        v = number_value(expr)
        if v is not None:
            return (int(v), "a literal") if v == int(v) else None
        if isinstance(expr, cst.Name):
            fn = facts.enclosing_function(at)
            scope = fn or facts.module
            values = facts.assignments_to(expr.value, scope)
            if len(values) > 1:
                # `bs = 4` ... `DataLoader(..., batch_size=bs)` ... `bs = 2` ... (a second stage): the
                # binding that reaches this read, where one does on every path.
                values = facts.reaching_assignments(expr.value, expr, scope) or values
            if not values and fn is not None:
                for p in list(fn.params.posonly_params) + list(fn.params.params) + list(fn.params.kwonly_params):
                    if p.name.value != expr.value:
                        continue
                    passed = self._passed_everywhere(fn, p)
                    if passed is not None:
                        # Every call in this module passes it (`add_common_args(parser, batch_size=4)`):
                        # a default is never used.
                        ints = [self._int_value(v, v, depth + 1) for v in passed]
                        if ints and all(i is not None for i in ints) and len({i[0] for i in ints}) == 1:  # type: ignore[index]
                            return (ints[0][0], f"the argument of every call of `{fn.name.value}()`")  # type: ignore[index]
                        return None
                    if p.default is not None:
                        r = self._int_value(p.default, at, depth + 1)
                        return (r[0], f"the default of parameter `{expr.value}`") if r else None
                if expr.value in params_of(fn):
                    return None
                values = facts.assignments_to(expr.value, facts.module)
            if not values and facts.path and facts.index is not None:
                # `from config import batch_size` (or `from config import *`, the last star import
                # that binds it) with `batch_size = 1` in the project's `config.py`.
                if facts.inventory.is_imported(expr.value):
                    candidates = [facts.inventory.resolve(expr.value)]
                else:
                    stars = inv_mod._star_imports(facts.ast_tree) if getattr(facts, "ast_tree", None) is not None else []
                    candidates = [f"{m}{'' if m.endswith('.') else '.'}{expr.value}" for m in reversed(stars)]
                for qualified in candidates:
                    found = facts.index.module_level_literal(facts.path, qualified)
                    if found is not None:
                        if isinstance(found[0], int) and not isinstance(found[0], bool):
                            return (found[0], f"`{expr.value} = {found[0]}` ({self._where(found[1])} line {found[2]})")
                        return None
                return None
            ints = [self._int_value(v, at, depth + 1) for v in values]
            if ints and all(i is not None for i in ints) and len({i[0] for i in ints}) == 1:  # type: ignore[index]
                if "DataParallel" in ints[0][1]:  # type: ignore[index]
                    return (ints[0][0], f"`{expr.value}` = {ints[0][1]}")  # type: ignore[index]
                return (ints[0][0], f"`{expr.value} = {ints[0][0]}`")  # type: ignore[index]
            return None
        if isinstance(expr, cst.Attribute):
            return self._attribute_value(expr.value, expr.attr.value, at, depth)
        if isinstance(expr, cst.Subscript):
            return self._dict_entry_value(expr, depth) or self._uniform_attribute_dict_value(expr)
        if isinstance(expr, cst.BinaryOperation) and isinstance(expr.operator, cst.Multiply) and self._data_parallel_around(at):
            # `torch.cuda.device_count() * 4` with the model in `nn.DataParallel`: it splits each
            # batch over the GPUs, and each replica's BatchNorm normalises its own share of 4.
            for count, per_device in ((expr.left, expr.right), (expr.right, expr.left)):
                if isinstance(count, cst.Call) and facts.callee(count) == "torch.cuda.device_count":
                    share = self._int_value(per_device, at, depth + 1)
                    if share is not None:
                        return (share[0], f"`{self.ctx.code_for(expr).strip()}`, split over the GPUs by `nn.DataParallel`")
        if isinstance(expr, cst.BinaryOperation) and isinstance(expr.operator, (cst.Add, cst.Subtract, cst.Multiply, cst.FloorDivide)):
            left, right = self._int_value(expr.left, at, depth + 1), self._int_value(expr.right, at, depth + 1)
            if left is None or right is None:
                return None
            a, b = left[0], right[0]
            op = expr.operator
            value = a + b if isinstance(op, cst.Add) else a - b if isinstance(op, cst.Subtract) else a * b if isinstance(op, cst.Multiply) else (a // b if b else None)
            return (value, f"`{self.ctx.code_for(expr).strip()}`") if value is not None else None
        if isinstance(expr, cst.IfExp):
            # `Freeze_batch_size if Freeze_Train else Unfreeze_batch_size`: whichever arm runs,
            # the batches are no larger than the larger of the two.
            arms = [self._int_value(arm, at, depth + 1) for arm in (expr.body, expr.orelse)]
            if any(arm is None for arm in arms):
                return None
            return (max(arm[0] for arm in arms), f"`{self.ctx.code_for(expr).strip()}`, either arm")  # type: ignore[index]
        if isinstance(expr, cst.Call) and dotted(expr.func) == "len" and len(expr.args) == 1:
            # `len(args.gpu.split(","))`: how many items the option's default lists (one GPU, "0").
            inner = expr.args[0].value
            if isinstance(inner, cst.Call) and isinstance(inner.func, cst.Attribute) and inner.func.attr.value == "split" and len(inner.args) == 1:
                sep = literal_value(inner.args[0].value)
                text = literal_value(inner.func.value)
                if not isinstance(text, str):
                    text = facts.option_default(inner.func.value)
                if isinstance(sep, str) and sep and isinstance(text, str):
                    return (len(text.split(sep)), f"`{self.ctx.code_for(expr).strip()}` with the option's default {text!r}")
        return None

    def _data_parallel_around(self, at: Optional[cst.CSTNode]) -> bool:
        """Does the function holding ``at`` (or the module's top level) wrap a model in
        `nn.DataParallel`, whose replicas each normalise their own share of the batch?"""
        facts = self.ctx.facts
        scope = facts.enclosing_function(at) if at is not None else None
        return any(facts.callee(c) == "torch.nn.DataParallel" and facts.enclosing_function(c) is scope for c in facts.calls)

    def _passed_everywhere(self, fn: cst.FunctionDef, param: cst.Param) -> Optional[List[cst.BaseExpression]]:
        """The arguments for ``param`` when ``fn`` is called in this module and every call passes
        one (so its default is never used); None otherwise (no call here, a call that leaves it
        out, or one that unpacks `*args`/`**kwargs`)."""
        facts = self.ctx.facts
        name = fn.name.value
        method = facts.enclosing_class(fn) is not None
        positional = [p.name.value for p in fn.params.posonly_params] + [p.name.value for p in fn.params.params]
        if method and positional:
            positional = positional[1:]  # self
        index = positional.index(param.name.value) if param.name.value in positional and param not in fn.params.kwonly_params else None
        passed: List[cst.BaseExpression] = []
        cls = facts.enclosing_class(fn) if method else None
        # A constructor's arguments come from the constructions of its class (`Trainer(args)`);
        # a subclass of this file may hand its own through `super().__init__(...)`: not followed.
        constructed = name == "__init__" and cls is not None and facts.parent_of_def(cls) is facts.module and not any(
            any(dotted(b.value) == cls.name.value for b in other.bases) for other in facts.classes
        )
        for call in facts.calls:
            func = call.func
            if constructed:
                hit = isinstance(func, cst.Name) and func.value == cls.name.value  # type: ignore[union-attr]
            elif method:
                hit = isinstance(func, cst.Attribute) and func.attr.value == name and isinstance(func.value, cst.Name) and func.value.value == "self"
            else:
                hit = isinstance(func, cst.Name) and func.value == name
            if not hit:
                continue
            if any(a.star for a in call.args):
                return None
            found = next((a.value for a in call.args if a.keyword is not None and a.keyword.value == param.name.value), None)
            if found is None and index is not None:
                plain = [a for a in call.args if a.keyword is None]
                found = plain[index].value if index < len(plain) else None
            if found is None:
                return None
            passed.append(found)
        return passed or None

    def _option_test_by_default(self, key: str) -> Optional[bool]:
        """The truth, as the defaults run, of a configuration test the mode analysis keeps as a
        guard (`args.stage != 'chairs'`, as written): a comparison of an argparse option of this
        file with a string, at the option's default (``Facts.option_value``).  None when not
        decided so."""
        import ast as _ast

        try:
            test = _ast.parse(key, mode="eval").body
        except SyntaxError:
            return None
        if not (isinstance(test, _ast.Compare) and len(test.ops) == 1 and isinstance(test.ops[0], (_ast.Eq, _ast.NotEq))):
            return None
        left, right = test.left, test.comparators[0]
        if not (isinstance(left, _ast.Attribute) and isinstance(left.value, _ast.Name) and isinstance(right, _ast.Constant) and isinstance(right.value, str)):
            return None
        default = self.ctx.facts.option_value(left.attr)
        if default is NOT_LITERAL:
            return None
        equal = default == right.value
        return equal if isinstance(test.ops[0], _ast.Eq) else not equal

    def _option_string_default(self, expr: cst.BaseExpression) -> object:
        """`args.dataset` of an argparse option of this file with a string default (`default=
        "images"`) that the code never assigns: that string; else NOT_LITERAL.  The branch it
        selects is the one the defaults run, as for the batch sizes read from defaults."""
        root = dotted(expr.value) if isinstance(expr, cst.Attribute) else None
        if root is None or "." in root:
            return NOT_LITERAL
        value = self.ctx.facts.option_value(expr.attr.value)  # type: ignore[union-attr]
        return value if isinstance(value, str) else NOT_LITERAL

    def _argparse_default(self, dest: str, depth: int = 0) -> Optional[Tuple[int, str]]:
        """The integer default of the argparse option stored in ``dest``: a literal, or a name bound
        to one (`default=BATCH_SIZE` with `BATCH_SIZE = 2`), and how the name was resolved ("" for a literal)."""
        facts = self.ctx.facts
        # argparse gives a dest the default of the first option of a parser that stores into it
        # (`--bs` with default 16, then `-b/--b-s` with `dest="bs"` and default 1: 16).  Parsers
        # that disagree leave it unknown.
        first: Dict[str, Tuple[int, str]] = {}
        for call in facts.calls:
            if not (isinstance(call.func, cst.Attribute) and call.func.attr.value == "add_argument"):
                continue
            if dest not in argparse_dests(call):
                continue
            parser = f"{id(facts.enclosing_function(call))}:{dotted(call.func.value)}"
            if parser in first:
                continue
            d = call_arg(call, "default")
            if d is None:
                return None
            v = number_value(d.value)
            if v is not None:
                if v != int(v):
                    return None
                first[parser] = (int(v), "")
                continue
            if not isinstance(d.value, cst.Name):
                return None
            resolved = self._int_value(d.value, call, depth + 1)  # a module constant (or a local bound once)
            if resolved is None:
                return None
            first[parser] = resolved
        if len({size for size, _ in first.values()}) != 1:
            return None
        return next(iter(first.values()))

    # --- where a batch size comes from: data flow ---------------------------------------

    def _where(self, module_path: str) -> str:
        """A project module's path as the message shows it: relative to the linted file's folder."""
        facts = self.ctx.facts
        if not facts.path:
            return os.path.basename(module_path)
        try:
            return os.path.relpath(module_path, os.path.dirname(os.path.abspath(facts.path))).replace(os.sep, "/")
        except ValueError:  # another drive (Windows)
            return module_path

    def _occurrences(self, region: cst.CSTNode, name: str):
        """The names in ``region`` (and the functions nested in it) that refer to its variable ``name``."""
        facts = self.ctx.facts
        stack = list(reversed(facts.children_of(region)))
        while stack:
            node = stack.pop()
            if isinstance(node, (cst.FunctionDef, cst.Lambda, cst.ClassDef)) and self.ctx.facts.binds_locally(node, name):
                if isinstance(node, (cst.FunctionDef, cst.ClassDef)) and node.name.value == name:
                    yield node.name  # `def p(): ...` rebinds it here
                continue
            if isinstance(node, (cst.ListComp, cst.SetComp, cst.DictComp, cst.GeneratorExp)):
                comp = node.for_in
                binds = False
                while comp is not None:
                    binds = binds or any(isinstance(n, cst.Name) and n.value == name for n in facts.iter_nodes(comp.target))
                    comp = comp.inner_for_in
                if binds:
                    continue
            if isinstance(node, cst.Name) and node.value == name:
                parent = facts.parent(node)
                if not ((isinstance(parent, cst.Attribute) and parent.attr is node) or (isinstance(parent, cst.Arg) and parent.keyword is node)):
                    yield node
                continue
            stack.extend(reversed(facts.children_of(node)))

    @staticmethod
    def _key_of(sub: cst.Subscript) -> object:
        from bnlint.facts import NOT_LITERAL, literal_value

        if len(sub.slice) != 1 or not isinstance(sub.slice[0].slice, cst.Index):
            return NOT_LITERAL
        key = literal_value(sub.slice[0].slice.value)
        return key if isinstance(key, (str, int)) and not isinstance(key, bool) else NOT_LITERAL

    def _runs_after(self, node: cst.CSTNode, read: cst.CSTNode) -> bool:
        """``node`` runs only after ``read`` has been evaluated: later in the same function (or
        script), and in no loop around both."""
        from bnlint.facts import walk_scope

        facts = self.ctx.facts
        fn = facts.enclosing_function(read)
        if facts.enclosing_function(node) is not fn:
            return False
        scope = fn or facts.module
        order = {id(n): i for i, n in enumerate(walk_scope(scope))}
        if id(node) not in order or id(read) not in order or order[id(node)] <= order[id(read)]:
            return False
        loops = {id(a) for a in facts.ancestors(read) if isinstance(a, (cst.For, cst.While))}
        return not any(isinstance(a, (cst.For, cst.While)) and id(a) in loops for a in facts.ancestors(node))

    def _dict_entry_value(self, expr: cst.Subscript, depth: int) -> Optional[Tuple[int, str]]:
        """``p['trainBatch']`` where ``p`` is a dict bound once in the function (or the module) and the
        key is assigned exactly once, not in a loop, with an integer (a literal, or a name bound to
        one); the dict not rebound, updated (`p.update()`, `p[k] = ...` with an unknown key), aliased or
        handed to an unknown function before the read.  (size, where it was set), else None."""
        from bnlint.facts import NOT_LITERAL

        facts = self.ctx.facts
        if not isinstance(expr.value, cst.Name):
            return None
        key = self._key_of(expr)
        if key is NOT_LITERAL:
            return None
        name = expr.value.value
        fn = facts.enclosing_function(expr)
        region: cst.CSTNode = facts.module
        if fn is not None:
            if name in params_of(fn):
                return None
            if self.ctx.facts.binds_locally(fn, name):
                region = fn
        owner = region if region is not facts.module else None
        binding: Optional[cst.Assign] = None
        write: Optional[Tuple[cst.BaseExpression, cst.CSTNode]] = None
        for occ in self._occurrences(region, name):
            parent = facts.parent(occ)
            if self.ctx.facts.is_store(occ):
                assign = facts.parent(parent) if isinstance(parent, cst.AssignTarget) else None
                if binding is not None or not isinstance(assign, cst.Assign) or len(assign.targets) != 1 or parent.target is not occ:
                    return None
                binding = assign
            elif isinstance(parent, cst.Subscript) and parent.value is occ:
                k = self._key_of(parent)
                if not self.ctx.facts.is_store(parent):
                    continue  # a read
                up = facts.parent(parent)
                if k is NOT_LITERAL:
                    return None
                if k != key:
                    continue
                assign = facts.parent(up) if isinstance(up, cst.AssignTarget) else None
                if write is not None or not isinstance(assign, cst.Assign) or len(assign.targets) != 1 or up.target is not parent:
                    return None
                write = (assign.value, assign)
            elif isinstance(parent, cst.Attribute) and parent.value is occ:
                if parent.attr.value not in _DICT_SAFE_METHODS:
                    return None  # `p.update(...)`, `p.setdefault(...)`, `p.pop(...)`
            elif isinstance(parent, cst.Arg) and parent.value is occ:
                call = facts.parent(parent)
                if parent.star == "**":
                    continue  # `f(**p)` unpacks a copy
                if not isinstance(call, cst.Call):
                    return None
                q = facts.callee(call) or ""
                logs = isinstance(call.func, cst.Attribute) and call.func.attr.value in _LOG_METHODS and "log" in (dotted(call.func.value) or "").lower()
                if not (q in _DICT_SAFE_CALLS or logs or self._runs_after(call, expr)):
                    return None  # handed to a function that may change it before the read
            elif not isinstance(parent, (cst.FormattedStringExpression, cst.Comparison, cst.ComparisonTarget)):
                return None  # aliased (`q = p`), returned, stored elsewhere: not followed
        if binding is None or facts.enclosing_function(binding) is not owner:
            return None
        entry = self._dict_display_entry(binding.value, key)
        if entry is False:
            return None
        if entry is not None:
            if write is not None:
                return None
            write = entry  # type: ignore[assignment]
        if write is None:
            return None
        value, where = write
        if facts.enclosing_function(where) is not owner:
            return None  # set inside another function: when (and whether) it runs is not followed
        for anc in facts.ancestors(where):
            if anc is region:
                break
            if isinstance(anc, (cst.For, cst.While)):
                return None  # updated in a loop
        resolved = self._int_value(value, where, depth + 1)
        if resolved is None:
            return None
        size, source = resolved
        line = self.ctx.line_of(where)
        text = f"{size}, set at line {line}" if line else f"{size}"
        if source != "a literal":
            text += f" from {source}"
        return size, _Traced(text)

    def _uniform_attribute_dict_value(self, expr: cst.Subscript) -> Optional[Tuple[int, str]]:
        """``self.sizes[phase]`` where the class binds `self.sizes` once, to a dict display whose
        values are all the same integer literal (`{"train": 4, "val": 4}`), and never stores an
        item of it: whatever the key, that integer."""
        facts = self.ctx.facts
        name = dotted(expr.value)
        cls = facts.enclosing_class(expr)
        if not name or not name.startswith("self.") or name.count(".") != 1 or cls is None:
            return None
        bound = []
        for node in self._walk(cls):
            if isinstance(node, cst.Assign):
                for target in node.targets:
                    if dotted(target.target) == name:
                        bound.append(node.value)
                    elif isinstance(target.target, cst.Subscript) and dotted(target.target.value) == name:
                        return None  # an item stored: not followed
            elif isinstance(node, (cst.AugAssign, cst.AnnAssign)) and dotted(node.target) in (name,):
                return None
        if len(bound) != 1 or not isinstance(bound[0], cst.Dict) or not bound[0].elements:
            return None
        values = {literal_value(e.value) if isinstance(e, cst.DictElement) else NOT_LITERAL for e in bound[0].elements}
        value = values.pop() if len(values) == 1 else NOT_LITERAL
        if not isinstance(value, int) or isinstance(value, bool):
            return None
        line = self.ctx.line_of(bound[0])
        return value, _Traced(f"{value} for every key of `{name}`" + (f", set at line {line}" if line else ""))

    def _dict_display_entry(self, value: cst.BaseExpression, key: object):
        """The (value, node) ``key`` has in the dict a binding builds (`{}`/`{'k': 4}`, `dict(k=4)`,
        `OrderedDict()`), None when it has no such key, False when it is no dict read here."""
        from bnlint.facts import NOT_LITERAL, literal_value

        found = []
        if isinstance(value, cst.Dict):
            for element in value.elements:
                if not isinstance(element, cst.DictElement):
                    return False  # `{**defaults, ...}`
                k = literal_value(element.key)
                if k is NOT_LITERAL:
                    return False
                if k == key and not isinstance(k, bool):
                    found.append((element.value, element))
        elif isinstance(value, cst.Call) and (self.ctx.facts.callee(value) or "") in _DICT_FACTORIES:
            for arg in value.args:
                if arg.keyword is None:
                    return False  # `dict(defaults)`, `dict(**defaults)`
                if arg.keyword.value == key:
                    found.append((arg.value, arg))
        else:
            return False
        if len(found) > 1:
            return False
        return found[0] if found else None

    # --- batch samplers ---
    def _sampler_batch_size(self, value: cst.BaseExpression, at: cst.Call) -> Optional[Tuple[int, str]]:
        """The size of the batches of ``DataLoader(..., batch_sampler=value)``: the `batch_size` of
        torch's ``BatchSampler``, or what the code of a project sampler class shows (``_sampler_batch_attrs``)."""
        facts = self.ctx.facts
        sampler = value
        if isinstance(value, cst.Name):
            fn = facts.enclosing_function(at)
            if fn is not None and value.value in params_of(fn):
                return None
            values = facts.assignments_to(value.value, fn or facts.module)
            if not values and fn is not None:
                values = facts.assignments_to(value.value, facts.module)
            if len(values) != 1:
                return None
            sampler = values[0]
        if not isinstance(sampler, cst.Call) or any(a.star for a in sampler.args):
            return None
        q = facts.callee(sampler) or ""
        if q in _TORCH_BATCH_SAMPLERS:
            bs = call_arg(sampler, "batch_size", 1)
            resolved = self._int_value(bs.value, sampler, 1) if bs is not None else None
            if resolved is None:
                return None
            size, source = resolved
            line = self.ctx.line_of(sampler)
            at_line = f" at line {line}" if line and sampler is not value else ""
            return size, _Traced(f"{size} samples per batch: the `batch_size` of `BatchSampler`{at_line}, {source}")
        return self._project_sampler_size(sampler)

    def _project_sampler_size(self, sampler: cst.Call) -> Optional[Tuple[int, str]]:
        facts = self.ctx.facts
        name = dotted(sampler.func)
        tree = getattr(facts, "ast_tree", None)
        if name is None:
            return None
        if "." not in name and name in facts.inventory.classes and not facts.inventory.is_imported(name):
            if tree is None:
                return None
            cls = next((n for n in tree.body if isinstance(n, ast.ClassDef) and n.name == name), None)
            functions = {n.name: n for n in tree.body if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef))}
            module_tree, where = tree, None
        elif facts.path and facts.inventory.is_imported(name):
            found = facts.index.definition(facts.path, facts.inventory.resolve(name))
            if found is None or found[1] not in found[2][2]:
                return None
            module_path, cname, (functions, _, classes) = found
            cls, module_tree, where = classes[cname], self.ctx.facts.index.module_tree(module_path), self._where(module_path)
        else:
            return None
        if cls is None:
            return None
        attrs = _sampler_batch_attrs(cls, functions)
        if not attrs:
            return None
        init = next((n for n in cls.body if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef)) and n.name == "__init__"), None)
        if init is None:
            return None
        env = self._call_env(init, sampler, module_tree)
        if env is None:
            return None
        values = [self._eval_self_attr(cls, init, attr, env, module_tree, 0) for attr in attrs]
        if any(v is None for v in values):
            return None
        size = sum(values)  # type: ignore[arg-type]
        terms = " + ".join(f"`self.{a}`" for a in attrs)
        place = f"{where} line {cls.lineno}" if where else f"line {cls.lineno}"
        return size, _Traced(f"{size} samples per batch: `{cls.name}.__iter__` yields batches of {terms}, set in `__init__` from the arguments ({place})")

    def _call_env(self, init, call: cst.Call, module_tree: Optional[ast.Module]):
        """How the arguments of ``call`` bind to the parameters of the ``__init__`` (or function) ``init``:
        a function from a parameter name to its integer value (or None: unknown)."""
        a = init.args
        positional_params = [p.arg for p in list(a.posonlyargs) + list(a.args)]
        if positional_params and positional_params[0] in ("self", "cls") and init.name == "__init__":
            positional_params = positional_params[1:]
        defaults = dict(zip([p.arg for p in (list(a.posonlyargs) + list(a.args))][len(a.posonlyargs) + len(a.args) - len(a.defaults):], a.defaults))
        defaults.update({p.arg: d for p, d in zip(a.kwonlyargs, a.kw_defaults) if d is not None})
        if any(arg.star for arg in call.args):
            return None
        positional = [arg.value for arg in call.args if arg.keyword is None]
        keywords = {arg.keyword.value: arg.value for arg in call.args if arg.keyword is not None}
        if len(positional) > len(positional_params) and a.vararg is None:
            return None

        def value(param: str) -> Optional[int]:
            expr = keywords.get(param)
            if expr is None and param in positional_params and positional_params.index(param) < len(positional):
                expr = positional[positional_params.index(param)]
            if expr is not None:
                resolved = self._int_value(expr, call, 1)
                return resolved[0] if resolved else None
            default = defaults.get(param)
            if default is None:
                return None
            v = _ast_int(default)
            if v is None and isinstance(default, ast.Name):
                const = _module_int_constant(module_tree, default.id)
                v = const[0] if const else None
            return v

        return value

    def _eval_self_attr(self, cls: ast.ClassDef, init, attr: str, env, module_tree, depth: int) -> Optional[int]:
        """``self.<attr>``, written exactly once, by a top-level statement of ``__init__``, from its
        arguments: its integer value."""
        stores = _self_attr_stores(cls, attr)
        if depth > 4 or len(stores) != 1 or stores[0] not in init.body:
            return None
        stmt = stores[0]
        if not isinstance(stmt, ast.Assign) or len(stmt.targets) != 1 or _self_attr(stmt.targets[0]) != attr:
            return None
        rebound = {n.id for s in _own_nodes(init) if isinstance(s, (ast.Assign, ast.AugAssign, ast.AnnAssign, ast.For)) for t in (s.targets if isinstance(s, ast.Assign) else [s.target]) for n in ast_walk(t) if isinstance(n, ast.Name)}

        def ev(node) -> Optional[int]:
            v = _ast_int(node)
            if v is not None:
                return v
            if isinstance(node, ast.Name):
                if node.id in rebound:
                    return None
                params = {p.arg for p in list(init.args.posonlyargs) + list(init.args.args) + list(init.args.kwonlyargs)}
                if node.id in params:
                    return env(node.id)
                const = _module_int_constant(module_tree, node.id)
                return const[0] if const else None
            if isinstance(node, ast.BinOp) and isinstance(node.op, (ast.Add, ast.Sub, ast.Mult, ast.FloorDiv)):
                left, right = ev(node.left), ev(node.right)
                if left is None or right is None:
                    return None
                if isinstance(node.op, ast.Add):
                    return left + right
                if isinstance(node.op, ast.Sub):
                    return left - right
                if isinstance(node.op, ast.Mult):
                    return left * right
                return left // right if right else None
            if isinstance(node, ast.Call) and inv_mod.dotted_name(node.func) == "int" and len(node.args) == 1 and not node.keywords:
                return ev(node.args[0])
            other = _self_attr(node)
            if other is not None:
                return self._eval_self_attr(cls, init, other, env, module_tree, depth + 1)
            return None

        return ev(stmt.value)

    # --- loaders built and returned by a project helper of another module ---
    def _check_helper_loader(self, call: cst.Call, limit: int, models) -> None:
        """``train_loader = make_loader(args)`` with ``make_loader`` a function of a project module
        that returns ``DataLoader(ds, batch_size=4, ...)``: the loader's batch size, followed there."""
        facts = self.ctx.facts
        parent = facts.parent(call)
        if not isinstance(parent, cst.Assign) or parent.value is not call or len(parent.targets) != 1 or not facts.path:
            return
        name = dotted(call.func)
        if name is None or not facts.inventory.is_imported(name) or any(a.star for a in call.args):
            return
        target = parent.targets[0].target
        if isinstance(target, (cst.Tuple, cst.List)):
            if any(not isinstance(e, cst.Element) for e in target.elements):
                return
            # (Whatever the names: the helper's returns decide what is a DataLoader, ``_helper_loader_size``.)
            items = [(dotted(e.value), i) for i, e in enumerate(target.elements)]
            candidates = [(n, i) for n, i in items if n]
        else:
            loader = dotted(target)
            candidates = [(loader, None)] if loader else []
        if not candidates:
            return
        q = facts.inventory.resolve(name)
        found = facts.index.definition(facts.path, q)
        if found is None or found[1] not in found[2][0]:
            return
        fname = found[1]
        if _EVAL_WORDS.search(fname) and "train" not in fname.lower():
            return
        for loader, position in candidates:
            resolved = self._helper_loader_size(found, call, position)
            if resolved is not None:
                self._report_loader(call, call, loader, resolved[0], f"batch_size={resolved[0]} ({resolved[1]})", limit, models)

    # --- loaders kept in a dict another project module fills at its top level ---------
    def _check_bundle_loaders(self, limit: int, models) -> None:
        """`train(train_args)` with `train_args` a dict another project module fills at its top
        level (`train_args["train_loader"] = train_loader`, a `DataLoader(..., batch_size=1)`
        there, and `train_args["model"] = Net()` with BatchNorm), handed to a project function
        whose loop over `train_args["train_loader"]` back-propagates: reported at the argument."""
        facts = self.ctx.facts
        inv = facts.inventory
        if not facts.path:
            return
        for call in facts.calls:
            if any(a.star for a in call.args) or not isinstance(call.func, cst.Name):
                continue
            handed = [(i, a) for i, a in enumerate(call.args) if isinstance(a.value, cst.Name) and inv.is_imported(a.value.value)]
            if not handed:
                continue
            fn = self._project_function_ast(call.func.value)
            if fn is None:
                continue
            positional = [p.arg for p in list(fn.args.posonlyargs) + list(fn.args.args)]
            for index, arg in handed:
                name = arg.value.value  # type: ignore[union-attr]
                param = arg.keyword.value if arg.keyword is not None else positional[index] if index < len(positional) else None
                found = facts.index.module_level_dict(facts.path, inv.resolve(name)) if param else None
                if found is None:
                    continue
                module_path, entries = found
                holder = facts.index.module_level_model(facts.path, inv.resolve(name))
                if not (holder is not None and holder.any_bn) and not models:
                    continue  # no BatchNorm model in the dict, nor built here
                for key in _keys_trained_on(fn, param):  # type: ignore[arg-type]
                    if key not in entries:
                        continue  # (a loop over it back-propagates: a training loader, whatever its key says)
                    loader = self._bundle_loader(module_path, entries[key])
                    resolved = self._loader_call_size(key, *loader) if loader is not None else None
                    if resolved is None or not 0 < resolved[0] < limit:
                        continue
                    size, where = resolved
                    label = f"{name}[{key!r}]"
                    layer = next((p.cls_name for p in (holder.parts or {}).values() if p.holds_bn), None) if holder is not None else None
                    layer = f"`{layer}`" if layer else self._optimized_first(models)[1]
                    summary = f"`{label}` trains BatchNorm on batches of {size}: use >= {limit}, GroupNorm, or frozen BN"
                    shown = f"batch_size={size} ({where})"
                    self.report(arg.value, LOADER_MESSAGE.format(loader=label, shown=shown, samples=_samples(size), limit=limit, layer=layer, single=_single_note(size, layer)), summary=summary)

    def _project_function_ast(self, name: str):
        """The ``ast`` of the top-level function ``name`` calls here: of this file, or of the
        project module it is imported from; None otherwise."""
        facts = self.ctx.facts
        tree = facts.ast_tree if getattr(facts, "ast_tree", None) is not None else None
        local = _top_level_function(tree, name) if tree is not None else None
        if local is not None or not facts.inventory.is_imported(name):
            return local
        found = facts.index.definition(facts.path, facts.inventory.resolve(name))
        fn = found[2][0].get(found[1]) if found is not None else None
        return fn if isinstance(fn, (ast.FunctionDef, ast.AsyncFunctionDef)) else None

    def _bundle_loader(self, module_path: str, value: ast.expr):
        """A dict entry's `DataLoader(...)` call: written there, or a name the module binds once at
        its top level to one; (module path, call, its import aliases), else None."""
        tree = self.ctx.facts.index.module_tree(module_path)
        if tree is None:
            return None
        if isinstance(value, ast.Name):
            bound = [n for n in tree.body if isinstance(n, ast.Assign) and any(isinstance(t, ast.Name) and t.id == value.id for t in n.targets)]
            value = bound[0].value if len(bound) == 1 else None  # type: ignore[assignment]
        if not isinstance(value, ast.Call):
            return None
        return module_path, value, inv_mod._import_aliases(tree)

    # --- loaders another project module builds at its top level -----------------------
    def _check_imported_loaders(self, limit: int, models) -> None:
        """`from data.loaders import *` ... `fit(net, pair_loader, opt)`: a DataLoader another
        project module builds once at its top level, used here by a loop that trains (also
        through `enumerate`/`tqdm`) or handed to a function that does (of this file or of
        another project module).  Reported at that use, with the batch size read there."""
        from bnlint.modes import _has_training_calls

        facts = self.ctx.facts
        inv = facts.inventory
        if not facts.path:
            return
        answers: Dict[str, Optional[Tuple[int, str]]] = {}
        for node in self._walk(self.ctx.module):
            if not isinstance(node, cst.Name) or not inv.is_imported(node.value) or facts.is_store(node):
                continue
            holder, looped = self._loop_over(node)
            if looped:
                trains = _has_training_calls(holder)
            elif isinstance(holder, cst.Arg) and holder.value is node and isinstance(facts.parent(holder), cst.Call):
                func = facts.parent(holder).func
                callee = func.value if isinstance(func, cst.Name) else None
                local = facts.function_named(callee) if callee else None
                trains = (local is not None and _has_training_calls(local)) or (local is None and bool(callee) and self._imported_function_trains(callee))
            else:
                continue
            # (A loop here that back-propagates decides; a helper that trains something is coarser:
            # there an evaluation name keeps the loader out, `fit_and_score(net, val_loader)`.)
            if not trains or (not looped and _EVAL_WORDS.search(node.value)) or facts.binds_locally(facts.enclosing_function(node) or facts.module, node.value):
                continue
            if node.value not in answers:
                answers[node.value] = self._imported_loader_size(node.value)
            resolved = answers[node.value]
            if resolved is None or resolved[0] >= limit or resolved[0] <= 0:
                continue
            if self._bn_frozen_in_training(self._training_bn_forwards(near=node)):
                continue
            size, where = resolved
            layer = self._optimized_first(models)[1]
            summary = f"`{node.value}` trains BatchNorm on batches of {size}: use >= {limit}, GroupNorm, or frozen BN"
            shown = f"batch_size={size} ({where})"
            self.report(node, LOADER_MESSAGE.format(loader=node.value, shown=shown, samples=_samples(size), limit=limit, layer=layer, single=_single_note(size, layer)), summary=summary)
            answers[node.value] = None  # once per loader

    def _imported_loader_size(self, name: str) -> Optional[Tuple[int, str]]:
        """The batch size of the DataLoader ``name`` is bound to at the top level of another
        project module: a literal or a constant of that module; None otherwise (and for a loader
        built for evaluation there: named so, over an evaluation split, or not shuffled and not
        named for training)."""
        facts = self.ctx.facts
        found = facts.index.module_level_call(facts.path, facts.inventory.resolve(name))
        if found is None:
            return None
        return self._loader_call_size(name, *found)

    def _loader_call_size(self, name: str, module_path: str, call: ast.Call, aliases: Dict[str, str]) -> Optional[Tuple[int, str]]:
        """The batch size of ``call`` when it is a training `DataLoader(...)` of the module at
        ``module_path`` (named ``name`` there): a literal or a constant of that module."""
        facts = self.ctx.facts
        func = inv_mod.dotted_name(call.func) or ""
        head, _, rest = func.partition(".")
        qualified = f"{aliases[head]}.{rest}" if head in aliases and rest else aliases.get(head, func)
        if qualified.rsplit(".", 1)[-1] != "DataLoader" or self._ast_eval_loader(call, ast.Name(id=name)):
            return None
        if _ast_call_arg(call, "batch_sampler") is not None:
            return None
        bs = _ast_call_arg(call, "batch_size", 1)
        if bs is None:
            return None  # (the default of 1 is not read as a choice, as for the loaders built here)
        value = _ast_int(bs)
        if value is not None:
            return value, f"the DataLoader `{name}`, {self._where(module_path)} line {call.lineno}"
        if isinstance(bs, ast.Name):
            const = _module_int_constant(facts.index.module_tree(module_path), bs.id)
            if const:
                return const[0], f"the DataLoader `{name}`, {self._where(module_path)} line {call.lineno}: `{bs.id} = {const[0]}` at line {const[1]}"
        return None

    def _helper_loader_size(self, found, call: cst.Call, position: Optional[int]) -> Optional[Tuple[int, str]]:
        module_path, fname, (functions, aliases, _) = found
        fn = functions[fname]
        own = _own_nodes(fn)
        returns = [n for n in own if isinstance(n, ast.Return)]
        if not returns or any(isinstance(n, (ast.Yield, ast.YieldFrom)) for n in own):
            return None
        sizes = set()
        first: Optional[Tuple[int, str]] = None
        for ret in returns:
            value = ret.value
            if position is not None:
                if not isinstance(value, (ast.Tuple, ast.List)) or any(isinstance(e, ast.Starred) for e in value.elts) or position >= len(value.elts):
                    return None
                value = value.elts[position]
            loader_call = self._ast_loader_call(value, own, aliases)
            if loader_call is None or self._ast_eval_loader(loader_call, value):
                return None
            if _ast_call_arg(loader_call, "batch_sampler") is not None:
                return None
            bs = _ast_call_arg(loader_call, "batch_size", 1)
            resolved = self._helper_int(bs, fn, own, module_path, call) if bs is not None else None
            if resolved is None:
                return None
            sizes.add(resolved[0])
            if first is None:
                first = (resolved[0], f"the DataLoader that `{fname}()` returns, {self._where(module_path)} line {loader_call.lineno}: {resolved[1]}")
        return first if len(sizes) == 1 else None

    @staticmethod
    def _ast_loader_call(value, own: list, aliases: dict) -> Optional[ast.Call]:
        """The ``DataLoader(...)`` call a helper returns: directly, or through a local bound once to it."""
        if isinstance(value, ast.Name):
            bound = [
                s for s in own
                if isinstance(s, (ast.Assign, ast.AugAssign, ast.AnnAssign, ast.For, ast.AsyncFor, ast.With, ast.AsyncWith, ast.NamedExpr))
                and any(isinstance(n, ast.Name) and n.id == value.id for t in _ast_targets(s) for n in ast_walk(t))
            ]  # fmt: skip
            if len(bound) != 1 or not isinstance(bound[0], ast.Assign) or len(bound[0].targets) != 1 or not isinstance(bound[0].targets[0], ast.Name):
                return None
            value = bound[0].value
        if not isinstance(value, ast.Call):
            return None
        func = inv_mod.dotted_name(value.func) or ""
        head, _, rest = func.partition(".")
        qualified = f"{aliases[head]}.{rest}" if head in aliases and rest else aliases.get(head, func)
        return value if qualified.rsplit(".", 1)[-1] == "DataLoader" else None

    @staticmethod
    def _ast_eval_loader(loader_call: ast.Call, returned) -> bool:
        """A loader the helper builds for evaluation: named so, over an evaluation split, or not shuffled."""
        name = returned.id if isinstance(returned, ast.Name) else ""
        if name and _EVAL_WORDS.search(name):
            return True
        dataset = loader_call.args[0] if loader_call.args else _ast_call_arg(loader_call, "dataset")
        if dataset is not None:
            dname = inv_mod.dotted_name(dataset) or ""
            if _EVAL_WORDS.search(dname.rsplit(".", 1)[-1]):
                return True
            if isinstance(dataset, ast.Call):
                tr = _ast_call_arg(dataset, "train")
                if isinstance(tr, ast.Constant) and tr.value is False:
                    return True
                split = _ast_call_arg(dataset, "split")
                if isinstance(split, ast.Constant) and isinstance(split.value, str) and _EVAL_WORDS.search(split.value):
                    return True
        shuffle = _ast_call_arg(loader_call, "shuffle")
        return isinstance(shuffle, ast.Constant) and shuffle.value is False and "train" not in name.lower()

    def _helper_int(self, expr, fn, own: list, module_path: str, call: cst.Call) -> Optional[Tuple[int, str]]:
        """An integer expression of the helper ``fn`` (another module): a literal, a module constant,
        a local bound once to a literal, a parameter (what ``call`` passes, or its default), or
        ``<parameter>.<option>`` read as this file reads ``args.<option>``."""
        v = _ast_int(expr)
        if v is not None:
            return v, "a literal"
        a = fn.args
        positional = [p.arg for p in list(a.posonlyargs) + list(a.args)]
        params = set(positional) | {p.arg for p in a.kwonlyargs}
        local = expr.id if isinstance(expr, ast.Name) else (expr.value.id if isinstance(expr, ast.Attribute) and isinstance(expr.value, ast.Name) else None)
        stores = [s for s in own if any(isinstance(n, ast.Name) and n.id == local for t in _ast_targets(s) for n in ast_walk(t))]
        if isinstance(expr, ast.Name):
            if expr.id in params:
                if stores:
                    return None
                env_value = self._argument_for(fn, expr.id, call)
                if env_value is not None:
                    resolved = self._int_value(env_value, call, 1)
                    return (resolved[0], f"its parameter `{expr.id}`, passed {resolved[1]}") if resolved else None
                if any(k.keyword is not None and k.keyword.value == expr.id for k in call.args):
                    return None
                defaults = dict(zip(positional[len(positional) - len(a.defaults):], a.defaults))
                defaults.update({p.arg: d for p, d in zip(a.kwonlyargs, a.kw_defaults) if d is not None})
                default = defaults.get(expr.id)
                if default is None:
                    return None
                v = _ast_int(default)
                if v is not None:
                    return v, f"the default of its parameter `{expr.id}`"
                if isinstance(default, ast.Name):
                    const = _module_int_constant(self.ctx.facts.index.module_tree(module_path), default.id)
                    if const:
                        return const[0], f"the default of its parameter `{expr.id}`, `{default.id} = {const[0]}` at line {const[1]}"
                return None
            if stores:
                if len(stores) != 1 or not isinstance(stores[0], ast.Assign) or len(stores[0].targets) != 1 or not isinstance(stores[0].targets[0], ast.Name):
                    return None
                v = _ast_int(stores[0].value)
                return (v, f"`{expr.id} = {v}` at line {stores[0].lineno}") if v is not None else None
            const = _module_int_constant(self.ctx.facts.index.module_tree(module_path), expr.id)
            return (const[0], f"`{expr.id} = {const[0]}` at line {const[1]}") if const else None
        if isinstance(expr, ast.Attribute) and isinstance(expr.value, ast.Name) and expr.value.id in params and not stores:
            passed = self._argument_for(fn, expr.value.id, call)
            if isinstance(passed, cst.Name):
                resolved = self._attribute_value(passed, expr.attr, call, 1)
                if resolved is not None:
                    return resolved[0], f"`{expr.value.id}.{expr.attr}` of the `{passed.value}` passed to it: {resolved[1]}"
        return None

    @staticmethod
    def _argument_for(fn, param: str, call: cst.Call) -> Optional[cst.BaseExpression]:
        """What ``call`` passes for the parameter ``param`` of the function ``fn`` (an ast def)."""
        a = fn.args
        positional = [p.arg for p in list(a.posonlyargs) + list(a.args)]
        for arg in call.args:
            if arg.keyword is not None and arg.keyword.value == param:
                return arg.value
        values = [arg.value for arg in call.args if arg.keyword is None]
        if param in positional and positional.index(param) < len(values):
            return values[positional.index(param)]
        return None

    # --- argparse defaults of an options class in another module ---
    def _attribute_value(self, obj: cst.BaseExpression, attr: str, at: cst.CSTNode, depth: int) -> Optional[Tuple[int, str]]:
        """``args.<attr>``: the argparse default of that option, defined in this file or (when the
        file defines no such option) in the project options class ``args`` comes from."""
        root = dotted(obj)
        # (A configuration class's constant, or an instance's attribute set once at the top of the
        # module, `cfg = Cfg(); cfg.train_bs = 4`: ``Facts.class_constant`` checks every write.)
        constant = self.ctx.facts.class_constant(cst.Attribute(value=obj, attr=cst.Name(attr))) if isinstance(obj, cst.Name) else NOT_LITERAL
        if isinstance(constant, int) and not isinstance(constant, bool):
            return constant, f"`{root}.{attr} = {constant}` in the configuration"
        if root is not None and self._attribute_assigned(f"{root}.{attr}"):
            # `args.batch_size = 1` after parsing: that value, where it is the only write and one
            # every run makes; any other write is not the default (and not known).
            written = self._only_literal_write(root, attr)
            return (written, f"`{root}.{attr} = {written}`") if written is not None else None
        default = self._argparse_default(attr, depth)
        if default is not None:
            size, via = default
            where = f", {via}" if via else ""
            return size, f"the argparse default of `{self._option_flag(attr)}`{where}"
        if self._argparse_defines(attr) or not isinstance(obj, cst.Name):
            return None
        return self._options_default(obj.value, attr, at, depth)

    def _options_default(self, root: str, attr: str, at: cst.CSTNode, depth: int) -> Optional[Tuple[int, str]]:
        """The default of option ``attr`` of the options object ``root`` names at ``at``: made by an
        options class or function of another module, or handed to this function by every call of
        it in this module (`def train(args): ...` with `train(parse_args())` / `args = parse_args()`)."""
        fn = self.ctx.facts.enclosing_function(at)
        if fn is None or root not in params_of(fn):
            return self._options_class_default(root, attr, at) or self._options_function_default(root, attr, at)
        if depth > 3:
            return None
        param = next((p for p in all_params(fn) if p.name.value == root), None)
        passed = self._passed_everywhere(fn, param) if param is not None else None
        if not passed:
            return None
        found = []
        for value in passed:
            if isinstance(value, cst.Name):
                found.append(self._options_default(value.value, attr, value, depth + 1))
            elif isinstance(value, cst.Call):
                found.append(self._options_function_result(value, attr))
            else:
                return None
        if not found or any(f is None for f in found) or len({f[0] for f in found}) != 1:  # type: ignore[index]
            return None
        return found[0]

    def _options_function_default(self, root: str, attr: str, at: cst.CSTNode) -> Optional[Tuple[int, str]]:
        """``args = parse_args()`` with ``parse_args`` a project function of another module that
        builds the parser and returns what it parsed."""
        facts = self.ctx.facts
        fn = facts.enclosing_function(at)
        values = facts.assignments_to(root, fn) if fn is not None else []
        values = values or facts.assignments_to(root, facts.module)
        if len(values) != 1 or not isinstance(values[0], cst.Call):
            return None
        return self._options_function_result(values[0], attr)

    def _options_function_result(self, call: cst.Call, attr: str) -> Optional[Tuple[int, str]]:
        """The default of ``attr`` in the namespace a project options function returns
        (`return parser.parse_args()`): the one ``add_argument`` for it in that function."""
        facts = self.ctx.facts
        name = dotted(call.func)
        if not name or not facts.path or not facts.inventory.is_imported(name):
            return None
        found = facts.index.definition(facts.path, facts.inventory.resolve(name))
        if found is None or found[1] not in found[2][0]:
            return None
        module_path, fname, _ = found
        options_fn = found[2][0][fname]
        assigned: dict = {}
        for node in ast_walk(options_fn):
            if isinstance(node, ast.Assign):
                for target in node.targets:
                    if isinstance(target, ast.Name):
                        assigned.setdefault(target.id, []).append(node.value)

        def parsed(value) -> bool:  # `parser.parse_args()`, or a name bound only to it
            if isinstance(value, ast.Name) and len(assigned.get(value.id, ())) == 1:
                value = assigned[value.id][0]
            return isinstance(value, ast.Call) and isinstance(value.func, ast.Attribute) and value.func.attr == "parse_args"

        returns = [n.value for n in ast_walk(options_fn) if isinstance(n, ast.Return)]
        if not returns or not all(parsed(r) for r in returns):
            return None
        if any(
            isinstance(node, (ast.Assign, ast.AugAssign)) and any(isinstance(t, ast.Attribute) and t.attr == attr for t in (node.targets if isinstance(node, ast.Assign) else [node.target]))
            for node in ast_walk(options_fn)
        ):
            return None  # `args.batch_size *= n_gpus` after parsing: not the default
        definitions = _option_definitions_in(options_fn, attr)
        if definitions is None or len(definitions) != 1:
            return None
        return self._option_call_default(module_path, definitions[0], attr, f"`{fname}()`")

    def _only_literal_write(self, root: str, attr: str) -> Optional[int]:
        """The int literal of the one write of `root.attr` in the file (`args.batch_size = 1`),
        made unconditionally: a statement of a function's or the module's own body, where the
        options object `root` is parsed (`root = parser.parse_args()`) before it in the same body,
        or where no `add_argument` defines the option (its only value).  None otherwise."""
        facts = self.ctx.facts
        writes = self._attribute_writes().get(f"{root}.{attr}", [])
        if len(writes) != 1 or not isinstance(writes[0], cst.Assign) or len(writes[0].targets) != 1:
            return None
        write = writes[0]
        value = number_value(write.value)
        if value is None or value != int(value) or isinstance(write.value, cst.Name):
            return None
        line = facts.parent(write)
        body = facts.parent(line) if isinstance(line, cst.SimpleStatementLine) else None
        owner = facts.parent(body) if isinstance(body, cst.IndentedBlock) else body
        if not (isinstance(owner, cst.FunctionDef) or isinstance(body, cst.Module)):
            return None  # under an `if`, a loop, a `with`, a `try`: not every run
        statements = body.body if isinstance(body, (cst.Module, cst.IndentedBlock)) else []
        before = statements[: statements.index(line)] if line in statements else []
        parsed_before = any(
            isinstance(st, cst.SimpleStatementLine) and isinstance(st.body[0], cst.Assign)
            and any(dotted(t.target) == root for t in st.body[0].targets)
            and isinstance(st.body[0].value, cst.Call) and (dotted(st.body[0].value.func) or "").endswith("parse_args")
            for st in before
        )
        return int(value) if parsed_before or not self._argparse_defines(attr) else None

    def _attribute_assigned(self, name: str) -> bool:
        return name in self._attribute_writes()

    def _attribute_writes(self) -> "Dict[str, List[cst.CSTNode]]":
        """Every dotted attribute the file writes to (`args.batch_size = 1`, `cfg.bs += 2`, also
        `a.b` of `a.b.c = ...`), with the statements that write it; one walk per file."""
        cache = self.__dict__.get("_assigned_attrs")
        if cache is None:
            cache = self.__dict__["_assigned_attrs"] = {}
            for node in self._walk(self.ctx.facts.module):
                targets: list = []
                if isinstance(node, cst.Assign):
                    targets = [t.target for t in node.targets]
                elif isinstance(node, (cst.AugAssign, cst.AnnAssign)):
                    targets = [node.target]
                for t in targets:
                    for n in self._walk(t):
                        if isinstance(n, cst.Attribute):
                            d = dotted(n)
                            if d and node not in cache.setdefault(d, []):
                                cache[d].append(node)
        return cache

    def _option_flag(self, dest: str) -> str:
        """The option string that stores into ``dest``, as its `add_argument` spells it (`--batch_size`)."""
        for call in self.ctx.facts.calls:
            if isinstance(call.func, cst.Attribute) and call.func.attr.value == "add_argument" and dest in argparse_dests(call):
                flags = [a.value.evaluated_value for a in call.args if a.keyword is None and isinstance(a.value, cst.SimpleString)]
                long_flags = [f for f in flags if isinstance(f, str) and f.startswith("--")]
                if long_flags:
                    return long_flags[0]
        return "--" + dest.replace("_", "-")

    def _argparse_defines(self, dest: str) -> bool:
        """Does an ``add_argument`` call of this file store into ``dest``?"""
        return any(dest in argparse_dests(call) for call in self.ctx.facts.calls if isinstance(call.func, cst.Attribute) and call.func.attr.value == "add_argument")

    def _options_class_default(self, root: str, attr: str, at: cst.CSTNode) -> Optional[Tuple[int, str]]:
        """``opt = TrainOptions().parse()`` with ``TrainOptions`` a project class of another module whose
        methods (or its project base classes') build the parser: the integer default of the one
        ``add_argument`` that stores into ``attr``, unless a ``set_defaults`` there names it."""
        facts = self.ctx.facts
        if not facts.path:
            return None
        fn = facts.enclosing_function(at)
        if fn is not None and root in params_of(fn):
            return None
        values = facts.assignments_to(root, fn) if fn is not None else []
        if not values:
            values = facts.assignments_to(root, facts.module)
        if len(values) != 1:
            return None
        value = values[0]
        if not (isinstance(value, cst.Call) and isinstance(value.func, cst.Attribute) and value.func.attr.value in _OPTIONS_METHODS):
            return None
        maker = value.func.value
        if isinstance(maker, cst.Name):
            made = facts.assignments_to(maker.value, fn) if fn is not None else []
            made = made or facts.assignments_to(maker.value, facts.module)
            if len(made) != 1:
                return None
            maker = made[0]
        if not isinstance(maker, cst.Call):
            return None
        cname = dotted(maker.func)
        if cname is None or not facts.inventory.is_imported(cname):
            return None
        found = facts.index.definition(facts.path, facts.inventory.resolve(cname))
        if found is None or found[1] not in found[2][2]:
            return None
        definitions: list = []
        if not self._option_definitions(found, attr, definitions, set(), 0):
            return None
        if len(definitions) != 1:
            return None
        module_path, cls_name, call = definitions[0]
        owner = f"`{cls_name}`" if cls_name == found[1] else f"`{cls_name}`, a base class of `{found[1]}`"
        return self._option_call_default(module_path, call, attr, owner)

    def _option_call_default(self, module_path: str, call: ast.Call, attr: str, owner: str) -> Optional[Tuple[int, str]]:
        """The integer default of an ``add_argument`` call of another module (a literal or a module
        constant there), traced for the message."""
        default = _ast_call_arg(call, "default")
        if default is None:
            return None
        size = _ast_int(default)
        via = ""
        if size is None and isinstance(default, ast.Name):
            const = _module_int_constant(self.ctx.facts.index.module_tree(module_path), default.id)
            if const is None:
                return None
            size, via = const[0], f", `{default.id} = {const[0]}`"
        if size is None:
            return None
        flag = next((a.value for a in call.args if isinstance(a, ast.Constant) and isinstance(a.value, str) and a.value.startswith("--")), f"--{attr}")
        return size, _Traced(f"{size}, the argparse default of `{flag}` in {owner}{via} ({self._where(module_path)} line {call.lineno})")

    def _option_definitions(self, found, dest: str, out: list, seen: set, hops: int) -> bool:
        """Collect the ``add_argument`` calls for ``dest`` in a project class and its project bases;
        False when something could set it that is not read here (an unresolved base, ``set_defaults``)."""
        module_path, cname, (functions, aliases, classes) = found
        if (module_path, cname) in seen:
            return True
        seen.add((module_path, cname))
        if hops > 4:
            return False
        cls = classes[cname]
        found = _option_definitions_in(cls, dest)
        if found is None:
            return False
        out.extend((module_path, cname, node) for node in found)
        for base in cls.bases:
            bname = inv_mod.dotted_name(base)
            if bname is None:
                return False
            if bname == "object":
                continue
            if bname in classes:
                if not self._option_definitions((module_path, bname, (functions, aliases, classes)), dest, out, seen, hops + 1):
                    return False
                continue
            head, _, rest = bname.partition(".")
            if head not in aliases:
                return False
            q = f"{aliases[head]}.{rest}" if rest else aliases[head]
            if q.lstrip(".").split(".")[0] in inv_mod.THIRD_PARTY_ROOTS:
                continue  # `argparse.ArgumentParser`, ...: no options of the project
            other = self.ctx.facts.index.definition(module_path, q)
            if other is None or other[1] not in other[2][2]:
                return False
            if not self._option_definitions(other, dest, out, seen, hops + 1):
                return False
        return True

    # --- BN put back in eval after every .train(): the train/eval analysis' freezes ----------
    def _modes(self):
        """The module's train/eval analysis (:mod:`bnlint.modes`, shared with BN001/BN006/BN014), run on first need."""
        if "_modes_result" not in self.__dict__:
            from bnlint.modes import analysis

            self.__dict__["_modes_result"] = analysis(self.ctx.facts, self.ctx.source)
        return self.__dict__["_modes_result"]

    def _training_bn_forwards(self, at: Optional[cst.Call] = None, near: Optional[cst.CSTNode] = None) -> list:
        """The analysis' training forwards (outside any evaluation context) of models with BN.

        ``at``: those of that very call.  ``near``: those in the same function as ``near`` (a loader
        built next to its training loop), else all of them in the file.  Empty when the analysis
        gave up or did not follow the model: then nothing is known to be frozen.
        """
        result = self._modes()
        if result.aborted:
            return []
        trained = [o for o in result.forwards.values() if not o.kinds and not o.excluded and o.obj.holds_bn]
        if at is not None:
            return [o for o in trained if o.node is at]
        facts = self.ctx.facts
        fn = facts.enclosing_function(near) if near is not None else None
        return [o for o in trained if facts.enclosing_function(o.node) is fn] or trained

    def _bn_frozen_in_training(self, forwards) -> bool:
        """Every one of these training forwards meets the model's BN in eval mode, whichever path led there:
        frozen after the last ``.train()`` (``model.apply(set_bn_eval)``, ``m.eval()`` in a loop over
        ``model.modules()``: the analysis' ``Val.frozen``), the whole model in eval, or an explicit
        ``.train()`` of a model whose ``train()`` override puts BN back in eval (``Obj.keeps_bn_eval``).
        BN in eval uses its running statistics and does not update them: the batch size does not matter to it."""
        from bnlint.modes import EVAL, TRAIN

        if not forwards:
            return False
        for obs in forwards:
            for v in obs.vals:
                if v.frozen is not None or v.mode == EVAL:
                    continue
                if any(self._option_test_by_default(key) is (not truth) for key, truth in v.guards):
                    continue  # reached only under an option value the defaults do not take
                    # (`if args.stage != "chairs": model.freeze_bn()` with no `--stage` given)
                if obs.obj.keeps_bn_eval and v.mode == TRAIN and v.origin:
                    continue  # set by a `.train()` call: the override ran (a freshly built model did not)
                return False
        return True

    # --- per-sample training steps -----------------------------------------------------
    def _check_per_sample(self, call: cst.Call, limit: int, models) -> None:
        facts = self.ctx.facts
        if len(call.args) < 1 or call.args[0].keyword is not None:
            return
        arg = call.args[0].value
        size = self._per_sample_size(arg, limit)
        # A bare name (`model(x)`, `model(x.cuda())`) is a batch of one when it was bound to one:
        # looked up only for a forward of a BN model (the lookup walks the function).
        bound_name = size is None and isinstance(_strip_shape_keeping(arg), cst.Name)
        if size is None and not bound_name:
            return
        model = call.func
        if not isinstance(model, (cst.Name, cst.Attribute)):
            return
        if isinstance(model, cst.Attribute) and model.attr.value in ("forward",):
            model = model.value
        if dotted(model) is None:
            return
        fn = facts.enclosing_function(call)
        if fn is not None and (is_eval_function_name(fn.name.value) and "train" not in fn.name.value.lower()):
            return
        if facts.in_no_grad(call):
            return
        layer = self._model_layer(model, fn, models, call)
        if layer is None:
            return
        if bound_name:
            size = 1 if fn is not None and self._bound_to_one_sample(arg, call, fn) else None
            if size is None:
                return
        if not self._backward_follows(call, fn):
            return
        result = self._modes()
        if not result.aborted and result.inference_file():
            return  # a `.backward()` for gradients alone (Grad-CAM, saliency): nothing in the file steps an optimizer
        if self._bn_frozen_in_training(self._training_bn_forwards(at=call)):
            return
        single = _single_note(size, layer)
        summary = f"BatchNorm trained on {size} sample{'s' if size != 1 else ''} per step: its batch statistics are noise; batch the samples"
        self.report(call, LOOP_MESSAGE.format(call=self.ctx.code_for(call), samples=_samples(size), layer=layer, single=single), summary=summary)

    def _per_sample_size(self, arg: cst.BaseExpression, limit: int) -> Optional[int]:
        """The number of samples a training forward's input holds when the call builds it so: a
        slice `x[i:i+k]` (k below the limit), `torch.stack([a, b])` of loop targets, or one sample
        (``bnlint.shapes.is_one_sample``: `x.unsqueeze(0)`, `x[None]`, `x.view(1, -1)`)."""
        facts = self.ctx.facts
        if isinstance(arg, cst.Subscript):
            elems = arg.slice
            first = elems[0].slice if elems else None
            if isinstance(first, cst.Slice) and first.lower is not None and isinstance(first.upper, cst.BinaryOperation):
                up = first.upper
                if isinstance(up.operator, cst.Add) and self.ctx.code_for(up.left).strip() == self.ctx.code_for(first.lower).strip():
                    k = number_value(up.right)
                    if k is not None and 0 < k < limit:
                        return int(k)
        elif not isinstance(arg, cst.Call):
            return None
        if isinstance(arg, cst.Call) and facts.callee(arg) == "torch.stack" and arg.args and isinstance(arg.args[0].value, (cst.List, cst.Tuple)):
            elems = arg.args[0].value.elements
            if 0 < len(elems) < limit and all(isinstance(e.value, cst.Name) and self._is_loop_target(e.value) for e in elems):
                return len(elems)
        from bnlint.shapes import is_one_sample

        tree = _ast_expression(self.ctx.code_for(arg))
        return 1 if tree is not None and is_one_sample(tree) else None

    def _bound_to_one_sample(self, arg: cst.BaseExpression, call: cst.Call, fn: cst.FunctionDef) -> bool:
        """Is the name handed to the forward (`model(x)`) bound to one sample by the binding of
        the function that reaches it (`x = img.reshape(1, 1, H, W)`, `one = x[None]; one =
        one.cuda()`), each name read where the binding that reads it is?  Not a binding under an
        `if`/`try` the forward is outside of (`if x.dim() == 3: x = x.unsqueeze(0)` guards a
        shape the loader may never yield)."""
        from bnlint.shapes import is_one_sample

        facts = self.ctx.facts
        order, bindings = self._modes().binding_index(fn)
        around_call = {id(a) for a in facts.ancestors(call)}
        expr: cst.BaseExpression = arg
        at_node: cst.CSTNode = call
        for _ in range(6):
            expr = _strip_shape_keeping(expr)
            if not isinstance(expr, cst.Name):
                tree = _ast_expression(self.ctx.code_for(expr))
                return tree is not None and is_one_sample(tree)
            at = order.get(id(at_node))
            earlier = [value for position, value in bindings.get(expr.value, ()) if at is not None and position < at and value is not at_node]
            if not earlier:
                return False
            value = earlier[-1]
            for anc in facts.ancestors(value):
                if anc is fn:
                    break
                if isinstance(anc, (cst.If, cst.Try)) and id(anc) not in around_call:
                    return False
            expr, at_node = value, value
        return False

    def _is_loop_target(self, name: cst.Name) -> bool:
        facts = self.ctx.facts
        for anc in facts.ancestors(name):
            if isinstance(anc, cst.For):
                for n in self._walk(anc.target):
                    if isinstance(n, cst.Name) and n.value == name.value:
                        return True
        return False

    def _model_layer(self, model: cst.BaseExpression, fn: Optional[cst.FunctionDef], models, call: Optional[cst.Call] = None) -> Optional[str]:
        facts = self.ctx.facts
        name = dotted(model) or ""
        scope = fn or facts.module
        if isinstance(model, cst.Name):
            values = facts.assignments_to(model.value, scope) + (facts.assignments_to(model.value, facts.module) if fn else [])
            # The object the name holds here is the one its nearest binding before the call gave it:
            # a notebook reuses `model` for a model without BN and, cells later, one with BN.
            order, bindings = self._modes().binding_index(scope)
            at = order.get(id(call))
            earlier = [b for b in bindings.get(model.value, ()) if at is not None and b[0] < at]
            if earlier:
                values = [earlier[-1][1]]
            for value in values:
                inner = value
                while isinstance(inner, cst.Call) and isinstance(inner.func, cst.Attribute) and inner.func.attr.value in ("to", "cuda", "train", "float"):
                    inner = inner.func.value
                if isinstance(inner, cst.Call):
                    layer = self._surely_bn(inner)
                    if layer is not None:
                        return layer
            if fn is not None and model.value in params_of(fn):
                # A parameter: what the callers hand in decides.  The mode analysis follows the
                # objects into the call (a loss module handed in as `criterion` is no model
                # forward); where no caller says (an uncalled helper) or it gave up, the file's
                # BN model is the likely one.
                if call is not None and model.value != "self" and not self._modes().aborted:
                    seen = [o.obj for o in self._modes().forwards.values() if o.node is call]
                    if not any(obj.holds_bn or obj.is_parameter for obj in seen):
                        return None
                if self._callers_hand_only_plain_objects(fn, model.value):
                    return None  # `train_fn(model, loader, opt, criterion)` with `criterion = EDLLoss(...)`
                return models[0][1]
            return None
        if name.startswith("self.") and facts.expr_holds_bn(model):
            return f"`{name}`"
        return None

    def _callers_hand_only_plain_objects(self, fn: cst.FunctionDef, param: str) -> bool:
        """Do this file's calls of ``fn`` (by name or an alias, `train_fn = a if mil else b`) all
        hand ``param`` an object built, in the caller, by a class known to hold no BatchNorm (a
        loss module of the project or of torch)?  False where there is no such call or one
        hands anything else."""
        facts = self.ctx.facts
        handed = facts.caller_arguments(fn, param)
        if not handed:
            return False
        for argument in handed:
            values = [argument]
            if isinstance(argument, cst.Name):
                scope = facts.enclosing_function(argument) or facts.module
                values = facts.assignments_to(argument.value, scope)
            if not values:
                return False
            for value in values:
                if not isinstance(value, cst.Call) or not self._plain_class_call(value):
                    return False
        return True

    def _plain_class_call(self, call: cst.Call) -> bool:
        """A construction of a class known to hold no BatchNorm: a torch loss, or a project class
        (of this file or another) whose definition holds none."""
        facts = self.ctx.facts
        name = dotted(call.func) or ""
        qualified = facts.inventory.resolve(name)
        if qualified.startswith("torch.nn.") and qualified.endswith("Loss"):
            return True
        if name in facts.inventory.classes:
            return not facts.class_holds_bn(name) and not facts.class_holds_dropout(name)
        if facts.inventory.is_imported(name) and facts.path and facts.index is not None:
            if facts.index.class_definition(facts.path, qualified) is None:
                return False
            return not facts.index.holds_bn(facts.path, qualified)
        return False

    def _backward_follows(self, call: cst.Call, fn: Optional[cst.FunctionDef]) -> bool:
        """A ``.backward()`` in the same function (or script), and the model not put in eval there."""
        facts = self.ctx.facts
        scope: cst.CSTNode = fn or facts.module
        model = dotted(call.func)
        found = False
        for node in self._walk(scope):
            if isinstance(node, cst.Call) and isinstance(node.func, cst.Attribute):
                method = node.func.attr.value
                if method in ("backward", "manual_backward"):
                    found = True
                elif method == "eval" and dotted(node.func.value) == model:
                    return False
        return found


# Builtins that look at a loader without drawing a batch from it (`len(loader)` for a progress count).
# What a progress bar wrapping a loader offers besides its items (tqdm's): a DataLoader has none.
_PROGRESS_BAR_ATTRIBUTES = frozenset({"n", "total", "set_postfix", "set_postfix_str", "set_description", "set_description_str", "update", "close", "refresh", "write", "reset"})
_INSPECTING_BUILTINS = frozenset({"len", "print", "repr", "str", "type", "isinstance", "id", "hasattr", "getattr", "format"})
