"""BN005 tiny-batch-bn."""
from __future__ import annotations

import ast
import os
import re

import libcst as cst

from bnlint import inventory as inv_mod
from bnlint.facts import call_arg, dotted, is_eval_function_name, number_value, params_of
from bnlint.patterns import lazy
from bnlint.rule import Option, Rule, register

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing (a few ms of every start)
if TYPE_CHECKING:  # pragma: no cover
    from typing import List, Optional, Tuple

_EVAL_WORDS = lazy(r"(^|_|\b)(val|valid|validation|test|testing|eval|evaluation|infer|inference|predict|calib|calibration|holdout|dev)(_|\b|$|\d)", re.IGNORECASE)
_DETECTION_PREFIXES = ("fasterrcnn_", "maskrcnn_", "keypointrcnn_", "retinanet_", "fcos_", "ssdlite", "ssd300")
_PER_SAMPLE_RESHAPES = ("unsqueeze", "unsqueeze_", "view", "reshape", "expand")

LOADER_MESSAGE = (
    "Training loader `{loader}` uses batch_size={size} ({source}), below the tiny-batch-size threshold ({limit}), "
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


def _single_note(size: int, layer: str) -> str:
    if size != 1:
        return ""
    return SINGLE_NOTE if "BatchNorm1d" in layer else SINGLE_NOTE_2D


def _samples(size: int) -> str:
    return "1 sample" if size == 1 else f"{size} samples"
FC_NOTE = (
    " This BatchNorm1d sits in a fully-connected block on (N, C) features, so its per-channel statistics come from "
    "only N values (a conv BatchNorm2d averages over N*H*W) and it is the layer most hurt by small batches."
)


# --- factories whose model (BN or not) is chosen by a branch -------------------------------------
_TREES: dict = {}  # path -> ((mtime_ns, size), ast.Module): a project module's functions, parsed once


def _module_tree(path: str) -> Optional[ast.Module]:
    try:
        st = os.stat(path)
        key = (st.st_mtime_ns, st.st_size)
        cached = _TREES.get(path)
        if cached is not None and cached[0] == key:
            return cached[1]
        with open(path, "rb") as fh:
            tree = ast.parse(fh.read())
    except (OSError, SyntaxError, ValueError, RecursionError, MemoryError):
        return None
    if len(_TREES) > 64:
        _TREES.clear()
    _TREES[path] = (key, tree)
    return tree


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
            fn = _top_level_function(_module_tree(os.path.abspath(module_path)), head)
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
                tree = _module_tree(path) if path else None
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
        for node in ast.walk(fn):
            if isinstance(node, (ast.If, ast.IfExp)):
                conditional.update(id(n) for n in ast.walk(node))
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
                for block in _child_blocks(stmt):
                    if visit_block(block):
                        return True
            return False

        if visit_block(fn.body):
            return True
        return any(isinstance(n, ast.IfExp) and all_bn([[n.body], [n.orelse]]) for n in ast.walk(fn))


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


@register
class TinyBatchBN(Rule):
    """
    ## What it does
    Flags training a model that contains BatchNorm with tiny batches: a
    training `DataLoader` whose `batch_size` (a literal, a variable bound to
    one, or an argparse default, itself a literal or a module constant such
    as `default=BATCH_SIZE`) is below the `tiny-batch-size` option
    (default 8), and per-sample training steps such as `model(x[i:i+1])`,
    `model(x.unsqueeze(0))` or `model(sample[None])` followed by `backward()`.

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
    is a small per-process `batch_size` when the script converts the model to
    `SyncBatchNorm` (statistics over the global batch), and a model built by a
    factory that may not contain BN (`timm.create_model(args.model)`, or a
    project function such as `net_factory(net_type=args.model)` that builds BN
    on some of its branches and not on others) or with FrozenBatchNorm2d
    (torchvision detection models). BN evidence is what is built: an
    `isinstance(m, nn.BatchNorm3d)` check in weight init builds nothing. Nor
    is a model reported whose BN is put back in eval after every `.train()`
    (`model.apply(set_bn_eval)`, `m.eval()` on the BN layers in a loop over
    `model.modules()`, or a `train()` override that does so): frozen BN uses
    its running statistics whatever the batch size.

    ## Example
    ```python
    model = Net()                      # has nn.BatchNorm1d(512) before the classifier
    train_loader = DataLoader(train_set, batch_size=2, shuffle=True)   # BN005
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
    trigger_tokens = ("batch_size", "unsqueeze", "None]", ":i+", ": i +", "[None", "view(1", "reshape(1", "stack([", "batch-size")
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

    @classmethod
    def text_relevant(cls, source: str) -> bool:
        """``ast_relevant`` on the text: `.backward(`, `.manual_backward(` or `def training_step`."""
        from bnlint.prefilter import calls_method_in_text

        return (
            calls_method_in_text(source, "backward")
            or calls_method_in_text(source, "manual_backward")
            or ("training_step" in source and re.search(r"\bdef\s+training_step\b", source) is not None)
        )

    @classmethod
    def ast_relevant(cls, scan) -> bool:
        """Something is trained here (what ``_trains`` asks): a `.backward()` /
        `.manual_backward()` call, or a Lightning `training_step`."""
        return "backward" in scan.called_methods or "manual_backward" in scan.called_methods or "training_step" in scan.def_names

    def _walk(self, node):
        """Pre-order walk through the engine's parent map (much cheaper than libcst's ``children``)."""
        return self.ctx.facts.iter_nodes(node)

    def check_module(self) -> None:
        facts = self.ctx.facts
        limit = int(self.option("tiny-batch-size"))
        if not self._trains():
            return
        models = self._bn_models()
        lightning_bn = [c for c in facts.classes if facts.is_lightning_class(c) and c.name.value in facts.inventory.bn_holding]
        if not models and not lightning_bn:
            return
        # SyncBatchNorm computes the statistics over the global batch (all processes): a small
        # per-process batch_size is then fine.
        sync_bn = any("SyncBatchNorm" in (dotted(c.func) or "") or (dotted(c.func) or "").endswith("convert_syncbn_model") for c in facts.calls)
        for call in facts.calls:
            q = facts.callee(call) or ""
            if q.rsplit(".", 1)[-1] == "DataLoader" and not sync_bn:
                self._check_loader(call, limit, models)
        if models:
            for call in facts.calls:
                self._check_per_sample(call, limit, models)

    # --- which models in this file have BN, and is anything trained --------------
    def _bn_models(self) -> List[Tuple[cst.Call, str]]:
        """Model constructions (`Net()`, `resnet18()`, `nn.Sequential(..., nn.BatchNorm1d(..))`) that surely hold BN.

        Factories that only *may* build BN (`timm.create_model(args.model)`,
        `torchvision.models.get_model`, `torch.hub.load`) and torchvision detection
        models (built with FrozenBatchNorm2d when pretrained weights are used) are left out:
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
        for anc in facts.ancestors(call):
            if isinstance(anc, cst.FunctionDef):
                top = anc
            elif isinstance(anc, cst.ClassDef):
                return False
        return top is not None and top.name.value in facts.inventory.functions and self._maybe_bn_factory(top.name.value)

    def _surely_bn(self, call: cst.Call) -> Optional[str]:
        """A description of the BN layer when ``call`` surely builds a model with train-mode BN."""
        facts = self.ctx.facts
        name = dotted(call.func)
        if name is None or facts.is_bn_constructor(call):
            return None
        q = facts.qualified(call.func) or name
        if q in inv_mod.MAYBE_BN_FACTORIES or q.rsplit(".", 1)[-1].startswith(_DETECTION_PREFIXES):
            return None
        if q.rsplit(".", 1)[-1] == "Sequential" and q.startswith("torch.nn"):
            bn = next((n for n in self._walk(call) if isinstance(n, cst.Call) and facts.is_bn_constructor(n)), None)
            if bn is not None and facts.enclosing_class(call) is None:
                return f"`{self.ctx.code_for(bn)}` in `nn.Sequential`"
            return None
        if facts.class_holds_bn(name) and facts.expr_holds_bn(call) and not self._maybe_bn_factory(name):
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
        facts = self.ctx.facts
        for call in facts.calls:
            if isinstance(call.func, cst.Attribute) and call.func.attr.value in ("backward", "manual_backward"):
                return True
        for cls in facts.classes:
            if facts.is_lightning_class(cls) and any(
                isinstance(i, cst.FunctionDef) and i.name.value == "training_step" for i in cls.body.body
            ):
                return True
        return False

    # --- DataLoader(batch_size=small) ---------------------------------------------
    def _check_loader(self, call: cst.Call, limit: int, models) -> None:
        arg = call_arg(call, "batch_size", 1)
        if arg is None:
            return
        resolved = self._int_value(arg.value, call)
        if resolved is None:
            return
        size, source = resolved
        if size >= limit or size <= 0:
            return
        loader = self._loader_name(call)
        if self._is_eval_loader(call, loader):
            return
        cls = self.ctx.facts.enclosing_class(call)
        if cls is not None and cls.name.value in self.ctx.facts.inventory.bn_holding:
            if self._modes()._keeps_bn_eval(cls.name.value):
                return  # its train() override puts BN back in eval: Lightning's .train() each epoch freezes BN
            layer = self._describe_layer(cls.name.value)  # a LightningModule's train_dataloader()
        elif models:
            if self._bn_frozen_in_training(self._training_bn_forwards(near=call)):
                return
            layer = models[0][1]
        else:
            return
        single = _single_note(size, layer)
        self.report(arg, LOADER_MESSAGE.format(loader=loader, size=size, samples=_samples(size), source=source, limit=limit, layer=layer, single=single))

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
            return True
        dataset = call.args[0].value if call.args and call.args[0].keyword is None else None
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
            return True
        return False

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
            if not values and fn is not None:
                for p in list(fn.params.params) + list(fn.params.kwonly_params):
                    if p.name.value == expr.value and p.default is not None:
                        r = self._int_value(p.default, at, depth + 1)
                        return (r[0], f"the default of parameter `{expr.value}`") if r else None
                if expr.value in params_of(fn):
                    return None
                values = facts.assignments_to(expr.value, facts.module)
            ints = [self._int_value(v, at, depth + 1) for v in values]
            if ints and all(i is not None for i in ints) and len({i[0] for i in ints}) == 1:  # type: ignore[index]
                return (ints[0][0], f"`{expr.value} = {ints[0][0]}`")  # type: ignore[index]
            return None
        if isinstance(expr, cst.Attribute):
            attr = expr.attr.value
            default = self._argparse_default(attr, depth)
            if default is not None:
                size, via = default
                where = f", {via}" if via else ""
                return size, f"the argparse default of `--{attr.replace('_', '-')}`{where}"
        return None

    def _argparse_default(self, dest: str, depth: int = 0) -> Optional[Tuple[int, str]]:
        """The integer default of the argparse option stored in ``dest``: a literal, or a name bound
        to one (`default=BATCH_SIZE` with `BATCH_SIZE = 2`), and how the name was resolved ("" for a literal)."""
        facts = self.ctx.facts
        found: Optional[Tuple[int, str]] = None
        for call in facts.calls:
            if not (isinstance(call.func, cst.Attribute) and call.func.attr.value == "add_argument"):
                continue
            names = []
            for a in call.args:
                if a.keyword is None and isinstance(a.value, cst.SimpleString):
                    val = a.value.evaluated_value
                    if isinstance(val, str):
                        names.append(val)
            dest_arg = call_arg(call, "dest")
            dests = set()
            if dest_arg is not None and isinstance(dest_arg.value, cst.SimpleString):
                dests.add(str(dest_arg.value.evaluated_value))
            else:
                longs = [n for n in names if n.startswith("--")] or names
                if longs:
                    dests.add(longs[0].lstrip("-").replace("-", "_"))
            if dest not in dests:
                continue
            d = call_arg(call, "default")
            if d is None:
                return None
            v = number_value(d.value)
            if v is not None:
                if v != int(v):
                    return None
                found = (int(v), "")
                continue
            if not isinstance(d.value, cst.Name):
                return None
            resolved = self._int_value(d.value, call, depth + 1)  # a module constant (or a local bound once)
            if resolved is None:
                return None
            found = resolved
        return found

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

    @staticmethod
    def _bn_frozen_in_training(forwards) -> bool:
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
                if obs.obj.keeps_bn_eval and v.mode == TRAIN and v.origin:
                    continue  # set by a `.train()` call: the override ran (a freshly built model did not)
                return False
        return True

    # --- per-sample training steps -----------------------------------------------------
    def _check_per_sample(self, call: cst.Call, limit: int, models) -> None:
        facts = self.ctx.facts
        if len(call.args) < 1 or call.args[0].keyword is not None:
            return
        size = self._per_sample_size(call.args[0].value, limit)
        if size is None:
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
        if not self._backward_follows(call, fn):
            return
        if self._bn_frozen_in_training(self._training_bn_forwards(at=call)):
            return
        single = _single_note(size, layer)
        self.report(call, LOOP_MESSAGE.format(call=self.ctx.code_for(call), samples=_samples(size), layer=layer, single=single))

    def _per_sample_size(self, arg: cst.BaseExpression, limit: int) -> Optional[int]:
        facts = self.ctx.facts
        if isinstance(arg, cst.Subscript):
            elems = arg.slice
            first = elems[0].slice if elems else None
            if isinstance(first, cst.Index) and isinstance(first.value, cst.Name) and first.value.value == "None":
                return 1  # sample[None], sample[None, ...]
            if isinstance(first, cst.Slice) and first.lower is not None and isinstance(first.upper, cst.BinaryOperation):
                up = first.upper
                if isinstance(up.operator, cst.Add) and self.ctx.code_for(up.left).strip() == self.ctx.code_for(first.lower).strip():
                    k = number_value(up.right)
                    if k is not None and 0 < k < limit:
                        return int(k)
            return None
        if isinstance(arg, cst.Call):
            m = arg.func.attr.value if isinstance(arg.func, cst.Attribute) else None
            q = facts.callee(arg) or ""
            if m in ("unsqueeze", "unsqueeze_") and not q.startswith("torch.unsqueeze"):
                a = call_arg(arg, "dim", 0)
                if a is not None and number_value(a.value) == 0:
                    return 1
            if q == "torch.unsqueeze":
                a = call_arg(arg, "dim", 1)
                if a is not None and number_value(a.value) == 0:
                    return 1
            if m in ("view", "reshape") and arg.args and number_value(arg.args[0].value) == 1 and len(arg.args) > 1:
                return 1
            if q in ("torch.stack", "torch.cat") and arg.args and isinstance(arg.args[0].value, (cst.List, cst.Tuple)):
                elems = arg.args[0].value.elements
                if 0 < len(elems) < limit and q == "torch.stack" and all(isinstance(e.value, cst.Name) and self._is_loop_target(e.value) for e in elems):
                    return len(elems)
        return None

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
                return models[0][1]  # a model passed in: the file builds a BN model
            return None
        if name.startswith("self.") and facts.expr_holds_bn(model):
            return f"`{name}`"
        return None

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
