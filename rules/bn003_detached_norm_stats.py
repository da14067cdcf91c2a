"""BN003 detached-norm-stats."""
from __future__ import annotations

import libcst as cst

from bnlint.facts import dotted, params_of
from bnlint.rule import FixSpec, ReplaceNode, Rule, register

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing (a few ms of every start)
if TYPE_CHECKING:  # pragma: no cover
    from typing import Dict, List, Optional, Set, Tuple

# Reductions that compute a batch statistic of their receiver / first argument.
_REDUCTIONS = {"mean", "var", "std", "var_mean", "std_mean", "sum", "square", "pow"}
_STAT_REDUCTIONS = {"mean", "var", "std", "var_mean", "std_mean"}
_TORCH_STAT_FUNCS = {"torch.mean", "torch.var", "torch.std", "torch.var_mean", "torch.std_mean"}
# In-place updates of a buffer: detaching what goes in there is the correct thing to do.
_BUFFER_UPDATES = {"add_", "mul_", "copy_", "lerp_", "sub_", "addcmul_", "fill_", "set_", "div_", "append", "extend", "update"}
# Reads that do not carry the tensor's values (or its gradient): shapes, counts, detached copies.
_NON_VALUE_METHODS = {"detach", "item", "numpy", "tolist", "size", "numel", "dim", "ndimension", "nelement", "get_device"}
_NON_VALUE_ATTRS = {"data", "shape", "ndim", "device", "dtype", "is_cuda"}
_LOGGING_CALLS = {"log", "log_dict", "print", "add_scalar", "add_histogram", "info", "debug", "item", "tolist", "cpu", "numpy"}
_NORMALISING_FUNCS = {"torch.nn.functional.batch_norm", "torch.batch_norm", "torch.nn.functional.instance_norm"}

MESSAGE = (
    "The batch {stat} is {how} before it normalises the input: the forward output is unchanged, but autograd no "
    "longer sees that the statistics depend on `{inp}`, so the gradient loses the d(mean)/dx and d(var)/dx terms of "
    "BatchNorm's backward pass and training stalls or diverges. Keep the statistics in the graph "
    "(`{inp}.mean(...)`, `{inp}.var(...)` without `.detach()`/`.data`/`torch.no_grad()`); detach only the copy that "
    "updates `running_mean`/`running_var`."
)


def _method(call: cst.Call) -> Optional[str]:
    return call.func.attr.value if isinstance(call.func, cst.Attribute) else None


def _names_in(node: cst.CSTNode, live_only: bool = False, children=None) -> Set[str]:
    """Variable names read in ``node`` (not attribute names), plus ``self.x`` attributes.

    ``live_only`` skips reads cut from the graph (``.detach()``, ``.data``).
    """
    out: Set[str] = set()
    stack: List[cst.CSTNode] = [node]
    while stack:
        n = stack.pop()
        if live_only and isinstance(n, cst.Call) and (_method(n) in _NON_VALUE_METHODS or dotted(n.func) == "len"):
            continue
        if live_only and isinstance(n, cst.Attribute) and n.attr.value in _NON_VALUE_ATTRS:
            continue
        if isinstance(n, cst.Name):
            out.add(n.value)
            continue
        if isinstance(n, cst.Attribute):
            d = dotted(n)
            if d is not None and d.startswith("self."):
                out.add(d)
            stack.append(n.value)
            continue
        if isinstance(n, cst.Arg) and n.keyword is not None:
            stack.append(n.value)
            continue
        stack.extend(children(n) if children is not None else n.children)
    return out


@register
class DetachedNormStats(Rule):
    """
    ## What it does
    Flags a custom normalisation module whose `forward` computes the batch
    mean/variance of its input, cuts them from the autograd graph
    (`.detach()`, `.data`, `.detach().clone()`, `x.detach().mean()`,
    `x.data.var()`, or a `with torch.no_grad():` block) and then uses them to
    normalise that same input.

    ## Why is this bad?
    BatchNorm's output is `(x - mean(x)) / sqrt(var(x) + eps)`. Its gradient
    with respect to `x` has three terms: the direct one, plus the terms that
    flow through `mean(x)` and `var(x)`. With the statistics detached, the
    forward output is numerically identical, but autograd treats them as
    constants, so `backward()` drops the d(mean)/dx and d(var)/dx terms. The
    resulting gradient no longer removes the components that normalisation
    cancels anyway, the network's weights drift along them, and training
    stalls or diverges although the module "matches" `nn.BatchNorm2d` in the
    forward pass. Detaching is right only for the copy that updates the
    running buffers (`running_mean`, `running_var`) or for logging: that path
    does not produce the output.

    ## Example
    ```python
    class MyBatchNorm2d(nn.BatchNorm2d):
        def forward(self, x):
            mean = x.mean(dim=(0, 2, 3)).detach()   # BN003
            var = x.var(dim=(0, 2, 3)).detach()     # BN003
            x = (x - mean[None, :, None, None]) / torch.sqrt(var[None, :, None, None] + self.eps)
            return x * self.weight[None, :, None, None] + self.bias[None, :, None, None]
    ```

    ## Use instead
    ```python
    class MyBatchNorm2d(nn.BatchNorm2d):
        def forward(self, x):
            mean = x.mean(dim=(0, 2, 3))
            var = x.var(dim=(0, 2, 3), unbiased=False)
            with torch.no_grad():  # only the running-buffer update is detached
                self.running_mean.lerp_(mean, self.momentum)
                self.running_var.lerp_(var, self.momentum)
            x = (x - mean[None, :, None, None]) / torch.sqrt(var[None, :, None, None] + self.eps)
            return x * self.weight[None, :, None, None] + self.bias[None, :, None, None]
    ```

    ## Fix safety
    The fix removes the `.detach()` call or the `.data` access (`.detach().clone()`
    becomes `.clone()`). It is marked safe: the forward values are unchanged and
    the gradient becomes the mathematically correct one. No fix is offered when
    the same detached value also updates a running buffer with grad enabled
    (dropping the detach would put the buffer into the autograd graph), nor for
    statistics computed inside a `torch.no_grad()` block, which may hold other
    statements.

    ## References
    - https://pytorch.org/docs/stable/generated/torch.nn.BatchNorm2d.html
    - https://arxiv.org/abs/1502.03167 (section 3, the backward pass through the batch statistics)
    - https://pytorch.org/docs/stable/notes/autograd.html
    """

    code = "BN003"
    name = "detached-norm-stats"
    severity = "error"
    fix_availability = "sometimes"
    summary = "Batch statistics detached from the graph before normalising: BatchNorm's gradient is wrong"
    trigger_tokens = ("detach", ".data", "no_grad", "inference_mode")
    # A custom normalisation module: a class with a `forward` that reduces its input.
    required_tokens = (("mean(", "var(", "std("), ("def forward",), ("class",))

    @classmethod
    def text_relevant(cls, source: str) -> bool:
        """The reduction, the cut and the `forward` all in the code of one class (a finding is
        about one normalisation module's own body)."""
        from bnlint.inventory import class_stretches

        return any(cls.required_tokens_present(part) and cls.trigger_tokens_present(part) for part in class_stretches(source))

    @classmethod
    def ast_relevant(cls, scan) -> bool:
        """A class with a `forward`, whose methods both reduce (mean/var/std) and cut the graph."""
        import ast

        from bnlint.inventory import ast_nodes

        cuts = {"detach", "data", "no_grad", "inference_mode"}
        for node in scan.forward_classes:
            words = {n.attr if isinstance(n, ast.Attribute) else n.id for n in ast_nodes(node) if isinstance(n, (ast.Attribute, ast.Name))}
            if words & cuts and words & _STAT_REDUCTIONS:
                return True
        return False
    valid_examples = (
        "import torch\nimport torch.nn as nn\n\nclass BN(nn.Module):\n    def forward(self, x):\n"
        "        mean = x.mean(0)\n        var = x.var(0)\n        self.running_mean.mul_(0.9).add_(0.1 * mean.detach())\n"
        "        return (x - mean) / torch.sqrt(var + 1e-5)\n",
    )
    invalid_examples = (
        (
            "import torch\nimport torch.nn as nn\n\nclass BN(nn.Module):\n    def forward(self, x):\n"
            "        mean = x.mean(0).detach()\n        return x - mean\n",
            "import torch\nimport torch.nn as nn\n\nclass BN(nn.Module):\n    def forward(self, x):\n"
            "        mean = x.mean(0)\n        return x - mean\n",
        ),
    )

    def __init__(self, ctx) -> None:
        super().__init__(ctx)
        self._lineage: Dict[str, Set[str]] = {}
        self._site_origin: Set[str] = set()

    def _walk(self, node):
        """Pre-order walk through the engine's parent map (much cheaper than libcst's ``children``)."""
        return self.ctx.facts.iter_nodes(node)

    def check_module(self) -> None:
        facts = self.ctx.facts
        for cls in facts.classes:
            if not self._is_module_class(cls):
                continue
            methods = {
                item.name.value: item
                for item in cls.body.body
                if isinstance(item, cst.FunctionDef)
            }
            if "forward" not in methods:
                continue
            todo = ["forward"]
            seen: Set[str] = set()
            while todo:
                name = todo.pop()
                if name in seen or name not in methods:
                    continue
                seen.add(name)
                fn = methods[name]
                self._check_function(fn)
                for node in self._walk(fn):
                    if isinstance(node, cst.Call) and isinstance(node.func, cst.Attribute):
                        if dotted(node.func.value) == "self" and node.func.attr.value in methods:
                            todo.append(node.func.attr.value)

    def _is_module_class(self, cls: cst.ClassDef, depth: int = 0) -> bool:
        facts = self.ctx.facts
        if depth > 8:
            return False
        for base in cls.bases:
            name = dotted(base.value)
            if name is None:
                continue
            q = facts.qualified(base.value) or name
            if q.startswith("torch.nn.") or q.startswith("torch.") or facts.is_bn_class_ref(base.value):
                return True
            local = facts.class_named(name)
            if local is not None and local is not cls and self._is_module_class(local, depth + 1):
                return True
            leaf = name.rsplit(".", 1)[-1]
            if local is None and ("Module" in leaf or "Norm" in leaf):
                return True
        return False

    # --- per function ---------------------------------------------------------
    def _check_function(self, fn: cst.FunctionDef) -> None:
        params = [p for p in params_of(fn) if p not in ("self", "cls")]
        if not params:
            return
        if not any(isinstance(n, cst.Name) and n.value in ("detach", "data", "no_grad", "inference_mode") for n in self._walk(fn.body)):
            return  # nothing in this function cuts anything from the graph
        inputs = self._input_names(fn, set(params))
        sites = self._detach_sites(fn, inputs)
        if not sites:
            return
        for site, fix_node, fix_repl, how in sites:
            normalises, feeds_buffer = self._reaches_normalisation(site, fn, inputs)
            if normalises:
                stat = "variance" if self._stat_kind(site) == "var" else "mean"
                inp = params[0]
                fix = None
                if fix_node is not None and not feeds_buffer:
                    fix = FixSpec("safe", [ReplaceNode(fix_node, fix_repl)], "Keep the batch statistics in the autograd graph")
                self.report(site, MESSAGE.format(stat=stat, how=how, inp=inp), fix=fix)

    def _stat_kind(self, node: cst.CSTNode) -> str:
        for n in self._walk(node):
            if isinstance(n, cst.Call):
                m = _method(n) or (dotted(n.func) or "").rsplit(".", 1)[-1]
                if m in ("var", "std", "var_mean", "std_mean"):
                    return "var"
        return "mean"

    def _input_names(self, fn: cst.FunctionDef, params: Set[str]) -> Set[str]:
        """Parameters and local names computed from them (reshapes, activations), to a fixpoint."""
        names = set(params)
        lineage: Dict[str, Set[str]] = {p: {p} for p in params}
        assigns: List[Tuple[List[str], cst.BaseExpression]] = []
        for node in self._walk(fn.body):
            if isinstance(node, cst.Assign):
                targets: List[str] = []
                for t in node.targets:
                    for n in self._walk(t.target):
                        if isinstance(n, cst.Name):
                            targets.append(n.value)
                assigns.append((targets, node.value))
        changed = True
        while changed:
            changed = False
            for targets, value in assigns:
                if self._is_statistic(value, names):
                    continue  # a statistic is not "the input"
                live = _names_in(value, live_only=True, children=self.ctx.facts.children_of) & names
                if live:
                    origin: Set[str] = set()
                    for n in live:
                        origin |= lineage.get(n, set())
                    for t in targets:
                        if t not in names or not origin <= lineage.get(t, set()):
                            names.add(t)
                            lineage[t] = lineage.get(t, set()) | origin
                            changed = True
        self._lineage = lineage
        return names

    def _origin(self, node: cst.CSTNode, inputs: Set[str]) -> Set[str]:
        """The forward parameters an expression's input reads come from."""
        out: Set[str] = set()
        for n in _names_in(node, children=self.ctx.facts.children_of) & inputs:
            out |= self._lineage.get(n, set())
        return out

    def _is_reduction_of(self, call: cst.Call, inputs: Set[str], stat_only: bool = True) -> Optional[cst.BaseExpression]:
        """The reduced expression when ``call`` is ``E.mean(...)``/``torch.var(E, ...)`` of an input-derived E."""
        facts = self.ctx.facts
        kinds = _STAT_REDUCTIONS if stat_only else _REDUCTIONS
        m = _method(call)
        subject: Optional[cst.BaseExpression] = None
        q = facts.callee(call)
        if q in _TORCH_STAT_FUNCS and call.args:
            subject = call.args[0].value
        elif m in kinds and isinstance(call.func, cst.Attribute):
            subject = call.func.value
            if isinstance(subject, cst.Name) and subject.value == "torch":
                return None
        if subject is None:
            return None
        if _names_in(subject, children=self.ctx.facts.children_of) & inputs:
            return subject
        return None

    def _is_statistic(self, expr: cst.BaseExpression, inputs: Set[str]) -> bool:
        for n in self._walk(expr):
            if isinstance(n, cst.Call) and self._is_reduction_of(n, inputs) is not None:
                return True
        return False

    def _detach_sites(self, fn: cst.FunctionDef, inputs: Set[str]):
        """(reported node, node to replace, replacement, wording) for each cut of a statistic."""
        facts = self.ctx.facts
        sites = []
        covered: Set[int] = set()
        stat_names = self._stat_names(fn, inputs)
        for node in self._walk(fn.body):
            if isinstance(node, cst.Call) and _method(node) == "detach" and not node.args:
                receiver = node.func.value  # type: ignore[union-attr]
                kids = self.ctx.facts.children_of
                if self._is_statistic(receiver, inputs) or (
                    _names_in(receiver, live_only=True, children=kids) & stat_names
                    and not (_names_in(receiver, live_only=True, children=kids) & inputs)
                ):
                    # mean = x.mean(0).detach()
                    sites.append((node, node, receiver, "detached with `.detach()`"))
                    covered.add(id(node))
                elif self._feeds_reduction(node, inputs):
                    # x.detach().mean(0)
                    sites.append((node, node, receiver, "computed from a detached input (`.detach()`)"))
                    covered.add(id(node))
            elif isinstance(node, cst.Attribute) and node.attr.value == "data":
                if self._is_statistic(node.value, inputs) and isinstance(self.ctx.facts.parent(node), (cst.Call, cst.Attribute, cst.Assign, cst.BinaryOperation, cst.Arg, cst.Element, cst.DictElement, cst.Subscript)):
                    if not self._is_assign_target(node):
                        sites.append((node, node, node.value, "read through `.data`"))
                elif self._feeds_reduction(node, inputs) and not self._is_assign_target(node):
                    sites.append((node, node, node.value, "computed from `.data`"))
        # Statistics computed under torch.no_grad() in forward.
        for node in self._walk(fn.body):
            if isinstance(node, cst.Call) and self._is_reduction_of(node, inputs) is not None and facts.in_no_grad(node):
                # Only the outermost reduction, and only when nothing above already detaches it.
                if any(isinstance(a, cst.Call) and (self._is_reduction_of(a, inputs) is not None or _method(a) == "detach") for a in self._ancestors_in(node, fn)):
                    continue
                if fn.decorators and any(facts.is_no_grad_expr(d.decorator) for d in fn.decorators):
                    continue  # the whole forward runs without grad: nothing is trained through it
                sites.append((node, None, None, "computed inside `torch.no_grad()`"))
        return sites

    def _stat_names(self, fn: cst.FunctionDef, inputs: Set[str]) -> Set[str]:
        """Locals holding a batch statistic of the input (`mean = x.mean(0)`, `std = torch.sqrt(var + eps)`)."""
        kids = self.ctx.facts.children_of
        names: Set[str] = set()
        assigns = [n for n in self._walk(fn.body) if isinstance(n, cst.Assign)]
        for _ in range(4):
            grew = False
            for node in assigns:
                value = node.value
                live = _names_in(value, live_only=True, children=kids)
                is_stat = self._is_statistic(value, inputs) and not self._reads_input_outside_stats(value, inputs)
                if not is_stat and not (live & names and not (live & inputs)):
                    continue
                if isinstance(value, cst.Call) and _method(value) == "detach":
                    continue  # a detached copy is reported at its own `.detach()`
                for t in node.targets:
                    targets = [t.target] if isinstance(t.target, cst.Name) else [e.value for e in getattr(t.target, "elements", [])]
                    for tg in targets:
                        if isinstance(tg, cst.Name) and tg.value not in names:
                            names.add(tg.value)
                            grew = True
            if not grew:
                break
        return names

    def _reads_input_outside_stats(self, expr: cst.CSTNode, inputs: Set[str]) -> bool:
        saved = self._site_origin
        self._site_origin = set()
        try:
            return self._reads_input(expr, inputs, set())
        finally:
            self._site_origin = saved

    def _is_assign_target(self, node: cst.CSTNode) -> bool:
        for anc in self.ctx.facts.ancestors(node):
            if isinstance(anc, cst.AssignTarget):
                return True
            if isinstance(anc, (cst.SimpleStatementLine, cst.BaseCompoundStatement)):
                return False
        return False

    def _feeds_reduction(self, node: cst.BaseExpression, inputs: Set[str]) -> bool:
        """``node`` is (an input) being reduced: ``node.mean()`` or ``torch.var(node)``."""
        if not (_names_in(node, children=self.ctx.facts.children_of) & inputs):
            return False
        parent = self.ctx.facts.parent(node)
        if isinstance(parent, cst.Attribute) and parent.value is node:
            call = self.ctx.facts.parent(parent)
            return isinstance(call, cst.Call) and call.func is parent and _method(call) in _STAT_REDUCTIONS
        if isinstance(parent, cst.Arg):
            call = self.ctx.facts.parent(parent)
            return isinstance(call, cst.Call) and call.args and call.args[0] is parent and self.ctx.facts.callee(call) in _TORCH_STAT_FUNCS
        return False

    def _ancestors_in(self, node: cst.CSTNode, fn: cst.FunctionDef):
        for anc in self.ctx.facts.ancestors(node):
            if anc is fn:
                return
            yield anc

    # --- does the cut statistic normalise the input? ---------------------------
    def _reaches_normalisation(self, site: cst.CSTNode, fn: cst.FunctionDef, inputs: Set[str]) -> Tuple[bool, bool]:
        """(normalises the input, also feeds a running buffer through the graph)."""
        tainted: Set[str] = set()
        feeds: List[bool] = []
        self._site_origin = self._origin(site, inputs)
        verdict, target = self._consumer(site, fn, inputs, tainted, feeds)
        if verdict is not None:
            return verdict, bool(feeds)
        if not target:
            return False, bool(feeds)
        tainted.update(target)
        normalises = False
        # Follow the tainted names through the function, to a fixpoint.
        for _ in range(6):
            grew = False
            for node in self._walk(fn.body):
                if isinstance(node, (cst.Name, cst.Attribute)) and self._name_key(node) in tainted and not self._is_assign_target(node):
                    parent = self.ctx.facts.parent(node)
                    if isinstance(node, cst.Name) and isinstance(parent, cst.Attribute) and parent.attr is node:
                        continue
                    verdict, target = self._consumer(node, fn, inputs, tainted, feeds)
                    if verdict:
                        normalises = True
                    for t in target:
                        if t not in tainted:
                            tainted.add(t)
                            grew = True
            if not grew:
                break
        return normalises, bool(feeds)

    def _reads_input(self, expr: cst.CSTNode, inputs: Set[str], tainted: Set[str]) -> bool:
        """``expr`` reads the input itself (not only a statistic of it, not a tainted statistic)."""
        stack: List[cst.CSTNode] = [expr]
        while stack:
            n = stack.pop()
            if isinstance(n, cst.Call) and (self._is_reduction_of(n, inputs) is not None or _method(n) == "detach"):
                continue
            if isinstance(n, cst.Attribute) and n.attr.value in _NON_VALUE_ATTRS:
                continue
            if isinstance(n, cst.Call) and (_method(n) in _NON_VALUE_METHODS or dotted(n.func) == "len"):
                continue
            key = self._name_key(n) if isinstance(n, (cst.Name, cst.Attribute)) else None
            if key is not None and key in tainted:
                continue
            if isinstance(n, cst.Name):
                if n.value in inputs and (not self._site_origin or self._lineage.get(n.value, set()) & self._site_origin):
                    return True
                continue
            if isinstance(n, cst.Attribute):
                d = dotted(n)
                if d is not None and d in inputs:
                    return True
                stack.append(n.value)
                continue
            stack.extend(self.ctx.facts.children_of(n))
        return False

    def _name_key(self, node: cst.CSTNode) -> Optional[str]:
        if isinstance(node, cst.Name):
            return node.value
        d = dotted(node)
        return d if d and d.startswith("self.") else None

    def _reads_running_stats(self, expr: cst.CSTNode, fn: cst.FunctionDef) -> bool:
        """``expr`` reads ``self.running_*`` (directly or through a local computed from it)."""
        key = id(fn)
        if getattr(self, "_running_fn", None) != key:
            names: Set[str] = set()
            for _ in range(3):
                for node in self._walk(fn.body):
                    if isinstance(node, cst.Assign) and any(
                        (dotted(n) or "").startswith("self.running_") or (isinstance(n, cst.Name) and n.value in names)
                        for n in self._walk(node.value)
                    ):
                        for t in node.targets:
                            if isinstance(t.target, cst.Name):
                                names.add(t.target.value)
            self._running_fn, self._running_names = key, names
        for n in self._walk(expr):
            if (dotted(n) or "").startswith("self.running_") or (isinstance(n, cst.Name) and n.value in self._running_names):
                return True
        return False

    def _consumer(self, node: cst.CSTNode, fn: cst.FunctionDef, inputs: Set[str], tainted: Set[str], feeds: List[bool]):
        """(True, _) normalises the input; (False, _) a buffer/logging sink; (None, targets) assigned on.

        Appends to ``feeds`` when the value reaches a buffer update with grad enabled and no
        further ``.detach()``: dropping the detach would then put the buffer in the graph.
        """
        facts = self.ctx.facts
        child = node
        detached_again = False
        for anc in self._ancestors_in(node, fn):
            if isinstance(anc, cst.Call) and _method(anc) == "detach" and child is not node:
                detached_again = True
            if isinstance(anc, cst.BinaryOperation) and isinstance(anc.operator, (cst.Subtract, cst.Divide, cst.Multiply)):
                other = anc.right if child is anc.left else anc.left
                if self._reads_running_stats(other, fn):
                    # Batch Renormalization: r = sigma_B / sigma, d = (mu_B - mu) / sigma are
                    # stop-gradient corrections by design, not the statistics that normalise x.
                    return False, set()
                if self._reads_input(other, inputs, tainted):
                    return True, set()
            elif isinstance(anc, cst.Call):
                m = _method(anc)
                q = facts.callee(anc)
                if q in _NORMALISING_FUNCS:
                    return True, set()
                if m in _BUFFER_UPDATES or m in _LOGGING_CALLS or q in ("print",):
                    if m in _BUFFER_UPDATES and not detached_again and not facts.in_no_grad(anc):
                        feeds.append(True)
                    return False, set()
                if child is anc.func:
                    pass
            elif isinstance(anc, (cst.Assign, cst.AugAssign, cst.AnnAssign)):
                targets: Set[str] = set()
                tlist = [t.target for t in anc.targets] if isinstance(anc, cst.Assign) else [anc.target]
                for t in tlist:
                    if isinstance(t, cst.Attribute) and (dotted(t) or "").startswith("self.running_"):
                        if not detached_again and not facts.in_no_grad(anc):
                            feeds.append(True)
                        return False, set()
                    if isinstance(t, cst.Subscript):
                        t = t.value
                    key = self._name_key(t)
                    if key is not None:
                        targets.add(key)
                    elif isinstance(t, (cst.Tuple, cst.List)):
                        for e in t.elements:
                            k = self._name_key(e.value)
                            if k is not None:
                                targets.add(k)
                return None, targets
            elif isinstance(anc, cst.Return):
                return False, set()
            elif isinstance(anc, (cst.SimpleStatementLine, cst.BaseCompoundStatement)):
                return False, set()
            child = anc
        return False, set()
