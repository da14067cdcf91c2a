"""BN003 detached-norm-stats."""
from __future__ import annotations

import libcst as cst

from bnlint.facts import call_arg, dotted, number_value, params_of
from bnlint.rule import FixSpec, ReplaceNode, Rule, register

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing (a few ms of every start)
if TYPE_CHECKING:  # pragma: no cover
    from typing import Dict, List, Optional, Set, Tuple

# Reductions that compute a statistic of their receiver / first argument.  Which dimensions they
# reduce decides whether it is a *batch* statistic (see ``_is_batch_reduction``).
_STAT_REDUCTIONS = {"mean", "var", "std", "var_mean", "std_mean", "nanmean"}
_SUM_REDUCTIONS = {"sum", "nansum"}
_BATCH_REDUCTIONS = _STAT_REDUCTIONS | _SUM_REDUCTIONS
_TORCH_STAT_FUNCS = {"torch.mean", "torch.var", "torch.std", "torch.var_mean", "torch.std_mean", "torch.nanmean"}
_TORCH_REDUCE_FUNCS = _TORCH_STAT_FUNCS | {"torch.sum", "torch.nansum"}
# In-place updates of a buffer: detaching what goes in there is the correct thing to do.
_BUFFER_UPDATES = {"add_", "mul_", "copy_", "lerp_", "sub_", "addcmul_", "fill_", "set_", "div_", "append", "extend", "update"}
# Reads that do not carry the tensor's values (or its gradient): shapes, counts, detached copies.
_NON_VALUE_METHODS = {"detach", "item", "numpy", "tolist", "size", "numel", "dim", "ndimension", "nelement", "get_device"}
_NON_VALUE_ATTRS = {"data", "shape", "ndim", "device", "dtype", "is_cuda"}
_LOGGING_CALLS = {"log", "log_dict", "print", "add_scalar", "add_histogram", "info", "debug", "item", "tolist", "cpu", "numpy"}
# Layout changes a tensor may go through between the input and its reduction.
_LAYOUT_METHODS = {"transpose", "swapaxes", "swapdims", "permute", "reshape", "view", "flatten", "contiguous", "t", "float", "double", "half", "to", "clone"}
# Sliding-window sums: a convolution (of an integral image, with a box kernel) or an average pool.
_WINDOW_FUNCS = {f"torch.nn.functional.{f}{d}d" for f in ("conv", "avg_pool") for d in (1, 2, 3)} | {f"torch.conv{d}d" for d in (1, 2, 3)}
_NORMALISING_FUNCS = {"torch.nn.functional.batch_norm", "torch.batch_norm", "torch.nn.functional.instance_norm"}
# Loss functions of torch.nn.functional: with the default reduction they return a scalar.
_LOSS_FUNCS = {
    "cross_entropy", "nll_loss", "kl_div", "mse_loss", "l1_loss", "smooth_l1_loss", "huber_loss", "binary_cross_entropy",
    "binary_cross_entropy_with_logits", "cosine_embedding_loss", "margin_ranking_loss", "triplet_margin_loss",
    "triplet_margin_with_distance_loss", "soft_margin_loss", "multilabel_soft_margin_loss", "multilabel_margin_loss",
    "multi_margin_loss", "hinge_embedding_loss", "poisson_nll_loss", "gaussian_nll_loss", "ctc_loss",
}
# The statistics a finding names, in the order it names them, and the gradient term each one loses.
_KIND_ORDER = ("mean", "sum", "sum of squares", "local sum", "local sum of squares", "variance", "standard deviation", "inverse standard deviation")
_KIND_TERM = {
    "mean": "d(mean)/dx",
    "sum": "d(sum)/dx",
    "sum of squares": "d(sum x²)/dx",
    "local sum": "d(local sum)/dx",
    "local sum of squares": "d(local sum x²)/dx",
    "variance": "d(var)/dx",
    "standard deviation": "d(std)/dx",
    "inverse standard deviation": "d(1/std)/dx",
}
_SQRT_OF = {"variance": "standard deviation"}
_RSQRT_OF = {"variance": "inverse standard deviation", "standard deviation": "inverse standard deviation"}

MESSAGE = (
    "The {scope} {stats} of `{inp}` {be} {how} and then normalise{s} `{inp}`: the forward output is unchanged, but "
    "autograd treats {them} as {constants}, so the gradient loses the {terms} {term_word} of the normalisation's backward pass "
    "and training stalls or diverges. Keep the statistics in the graph (no `.detach()`/`.data`/"
    "`torch.no_grad()` on them); detach only the copy that updates `running_mean`/`running_var`."
)


def _join(words: List[str]) -> str:
    return words[0] if len(words) == 1 else ", ".join(words[:-1]) + " and " + words[-1]


def _int_value(node: Optional[cst.CSTNode]) -> Optional[int]:
    v = number_value(node) if node is not None else None
    return int(v) if v is not None and v == int(v) and not isinstance(_strip_unary(node), cst.Float) else None


def _strip_unary(node: cst.CSTNode) -> cst.CSTNode:
    while isinstance(node, cst.UnaryOperation):
        node = node.expression
    return node


def _is_running_buffer(node: cst.CSTNode) -> bool:
    """`self.running_mean`, or the running buffer of a BatchNorm part (`self.core.running_var`)."""
    d = dotted(node) or ""
    return d.startswith("self.") and d.rsplit(".", 1)[-1].startswith("running_")


def _method(call: cst.Call) -> Optional[str]:
    return call.func.attr.value if isinstance(call.func, cst.Attribute) else None


def _bound_names(assign: cst.Assign) -> List[str]:
    """The plain names an assignment binds: `x = ...`, and the elements of `a, b = ...`."""
    out = []
    for t in assign.targets:
        for target in [t.target] if isinstance(t.target, cst.Name) else [e.value for e in getattr(t.target, "elements", [])]:
            if isinstance(target, cst.Name):
                out.append(target.value)
    return out


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
    Flags a module whose `forward` normalises its input batch with *batch*
    statistics that it has cut from the autograd graph. All of these must hold:

    - the statistic is reduced over the batch dimension: `x.mean(0)`,
      `x.var(dim=(0, 2, 3))`, `x.mean([0, 2, 3])`, `x.sum(0) / n`,
      `(x * x).sum(0)`, `x.transpose(0, 1).reshape(C, -1).mean(1)`, or a
      statistic built from such a reduction (a box filter over an integral
      image of the batch sum, `torch.sqrt(var + eps)`), or a windowed sum
      that a local-context normalisation divides by: a box convolution of an
      integral image (`F.conv2d`/`F.conv3d` of `x.cumsum(2).cumsum(3)`) or an
      average pool of the input;
    - it is detached: `.detach()`, `.data`, `.detach().clone()`,
      `x.detach().mean(0)`, `x.data.var(0)`, or computed inside a
      `with torch.no_grad():` block;
    - it normalises (subtracts from / divides) the very tensor it was computed
      from, in the `forward` of an `nn.Module` subclass (or a method `forward`
      calls).

    There is one finding per normalisation, at the first detached statistic;
    the message names the statistics that are detached (mean, sum, sum of
    squares, variance, standard deviation).

    Not flagged: per-sample standardisation (`x.mean(dim=(1, 2, 3))`, which
    reduces over dimensions other than the batch; also statistics of one sample
    at a time, `masks[i]` in a loop over the batch), whole-tensor reductions
    (`x.mean()`), a module whose `forward` returns a scalar loss (a
    distillation loss normalising the teacher's distances under `no_grad`
    builds a fixed target, not a layer output), a `@staticmethod` helper of a
    module that holds no BatchNorm state, a `forward` decorated with
    `@torch.no_grad()`, statistics under `torch.no_grad()` that normalise
    inside the same block and never reach code with grad (Sinkhorn-Knopp
    targets: `Q /= torch.sum(Q, dim=0)` and a `return` in the block; nothing
    there has a gradient to lose), and detaches on the running-buffer or
    logging path (a buffer updated in place or assigned, `self.running_var =
    ...`, also a BatchNorm part's own, `self.bn.running_mean = ...`, which the
    layer may then normalise with: an exponential moving average, not a batch
    statistic; a statistic computed further from the detached one, `(x -
    mean).var(0)`, is followed as a statistic; also a `self.<stat>` that the forward reads before it stores
    the new, detached value: the running estimate of earlier batches, as in an
    EMA feature alignment). A data-dependent initialisation (Glow's ActNorm)
    whose no-grad statistics only set the parameters is not flagged either:
    a read of the statistic's name is followed only where that binding reaches
    it (`log_scale = self.log_scale()` binds it again before the output), and
    an attribute of the same name (`self.log_scale()`) is no read of it.

    ## Why is this bad?
    BatchNorm's output is `(x - mean(x)) / sqrt(var(x) + eps)`, with the
    statistics taken over the batch. Its gradient with respect to `x` has three
    terms: the direct one, plus the terms that flow through `mean(x)` and
    `var(x)`. With the statistics detached, the forward output is numerically
    identical, but autograd treats them as constants, so `backward()` drops the
    d(mean)/dx and d(var)/dx terms. The resulting gradient no longer removes
    the components that normalisation cancels anyway, the network's weights
    drift along them, and training stalls or diverges although the module
    "matches" `nn.BatchNorm2d` in the forward pass. Detaching is right only for
    the copy that updates the running buffers (`running_mean`, `running_var`)
    or for logging: that path does not produce the output.

    ## Example
    ```python
    class MyBatchNorm2d(nn.BatchNorm2d):
        def forward(self, x):
            mean = x.mean(dim=(0, 2, 3)).detach()   # BN003 (mean and variance)
            var = x.var(dim=(0, 2, 3)).detach()
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
    The fix removes every `.detach()` call and `.data` access of the finding
    (`.detach().clone()` becomes `.clone()`). It is **unsafe**, applied only
    with `--fix --unsafe-fixes`: removing a detach changes the gradients. The
    forward values stay the same, but every parameter upstream of the layer
    now trains differently, a run tuned with the detached statistics will not
    reproduce, and where the detach was a deliberate stop-gradient the edit is
    wrong. Review each one. No fix is offered when a detached value also
    updates a running buffer with grad enabled (dropping the detach would put
    the buffer into the autograd graph), nor for statistics computed inside a
    `torch.no_grad()` block, which may hold other statements.

    ## References
    - https://pytorch.org/docs/stable/generated/torch.nn.BatchNorm2d.html
    - https://arxiv.org/abs/1502.03167 (section 3, the backward pass through the batch statistics)
    - https://pytorch.org/docs/stable/notes/autograd.html
    """

    code = "BN003"
    name = "detached-norm-stats"
    severity = "error"
    fix_availability = "unsafe"  # removing a detach changes the gradients; not offered for `no_grad` blocks
    summary = "Batch statistics detached from the graph before normalising: BatchNorm's gradient is wrong"
    trigger_tokens = ("detach", ".data", "no_grad", "inference_mode")
    # A custom normalisation module: a class with a `forward` that reduces its input (`sum(` also
    # covers `cumsum(`, `nansum(`).
    required_tokens = (("mean(", "var(", "std(", "sum("), ("def forward",), ("class",))

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
        self._tainted_bindings: Set[int] = set()
        self._params: Set[str] = set()
        self._local_values: Dict[str, List[Optional[cst.BaseExpression]]] = {}
        self._attr_values: Dict[str, List[cst.BaseExpression]] = {}
        self._stat_defs: Dict[str, cst.BaseExpression] = {}

    def _walk(self, node):
        """Pre-order walk through the engine's parent map (much cheaper than libcst's ``children``)."""
        return self.ctx.facts.iter_nodes(node)

    def _own_nodes(self, fn: cst.FunctionDef):
        """The nodes of ``fn``'s body, without those of nested functions, lambdas and classes."""
        kids = self.ctx.facts.children_of
        stack: List[cst.CSTNode] = list(reversed(kids(fn.body)))
        while stack:
            n = stack.pop()
            yield n
            if isinstance(n, (cst.FunctionDef, cst.ClassDef, cst.Lambda)):
                continue
            stack.extend(reversed(kids(n)))

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
            if self._returns_scalar_loss(methods["forward"], cls):
                continue  # a loss module: what it normalises is a target, not a layer's output
            static = {
                name
                for name, fn in methods.items()
                if any(dotted(d.decorator) in ("staticmethod", "classmethod") for d in fn.decorators)
            }
            # A static helper is a plain function that happens to live in the class; it is this
            # module's own normalisation only when the module holds BatchNorm state.
            follow_static = bool(static) and self._holds_bn_state(cls)
            self._attr_values = self._self_attr_values(cls)
            todo = ["forward"]
            seen: Set[str] = set()
            while todo:
                name = todo.pop()
                if name in seen or name not in methods:
                    continue
                if name in static and not follow_static:
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

    def _holds_bn_state(self, cls: cst.ClassDef, depth: int = 0) -> bool:
        """A BatchNorm subclass, or a module with running statistics or a BN layer/function of its own."""
        facts = self.ctx.facts
        for base in cls.bases:
            if facts.is_bn_class_ref(base.value):
                return True
            name = dotted(base.value)
            local = facts.class_named(name) if name else None
            if local is not None and local is not cls and depth < 8 and self._holds_bn_state(local, depth + 1):
                return True
        for n in self._walk(cls.body):
            if isinstance(n, cst.Call):
                if _method(n) == "register_buffer" and n.args and isinstance(n.args[0].value, cst.SimpleString):
                    if "running_" in n.args[0].value.value:
                        return True
                if facts.is_bn_constructor(n) or facts.is_bn_function(n):
                    return True
            elif isinstance(n, cst.Attribute) and (dotted(n) or "").startswith("self.running_"):
                return True
        return False

    def _self_attr_values(self, cls: cst.ClassDef) -> Dict[str, List[cst.BaseExpression]]:
        out: Dict[str, List[cst.BaseExpression]] = {}
        for n in self._walk(cls.body):
            if isinstance(n, cst.Assign):
                for t in n.targets:
                    d = dotted(t.target) if isinstance(t.target, cst.Attribute) else None
                    if d is not None and d.startswith("self."):
                        out.setdefault(d, []).append(n.value)
        return out

    # --- a loss module ------------------------------------------------------------
    def _returns_scalar_loss(self, fn: cst.FunctionDef, cls: cst.ClassDef) -> bool:
        """Every ``return`` of ``forward`` gives a scalar loss (``F.mse_loss(...)``, ``x.mean()``,
        a criterion, a weighted sum of those): the module is a loss, not a normalisation layer."""
        facts = self.ctx.facts
        loss_attrs: Set[str] = set()
        for n in self._walk(cls.body):
            if isinstance(n, cst.Assign) and isinstance(n.value, cst.Call):
                q = facts.callee(n.value) or ""
                if q.startswith("torch.nn.") and q.endswith("Loss"):
                    for t in n.targets:
                        d = dotted(t.target)
                        if d is not None and d.startswith("self."):
                            loss_attrs.add(d)
        returns: List[cst.Return] = []
        values: Dict[str, List[cst.BaseExpression]] = {}
        for n in self._own_nodes(fn):
            if isinstance(n, cst.Return):
                returns.append(n)
            elif isinstance(n, cst.Assign) and len(n.targets) == 1 and isinstance(n.targets[0].target, cst.Name):
                values.setdefault(n.targets[0].target.value, []).append(n.value)
            elif isinstance(n, (cst.AugAssign, cst.AnnAssign)) and isinstance(n.target, cst.Name) and n.value is not None:
                values.setdefault(n.target.value, []).append(n.value)
        if not returns or any(r.value is None for r in returns):
            return False
        scalar: Set[str] = set()
        changed = True
        while changed:
            changed = False
            for name, vals in values.items():
                if name in scalar:
                    continue
                kinds = [self._scalar_kind(v, scalar, loss_attrs) for v in vals]
                if "scalar" in kinds and all(k is not None for k in kinds):
                    scalar.add(name)
                    changed = True
        return all(self._scalar_kind(r.value, scalar, loss_attrs) == "scalar" for r in returns)  # type: ignore[arg-type]

    def _scalar_kind(self, expr: cst.BaseExpression, scalar: Set[str], loss_attrs: Set[str]) -> Optional[str]:
        """"scalar" (a loss value), "const" (a number, a hyperparameter ``self.w``) or None."""
        if isinstance(expr, (cst.Integer, cst.Float)):
            return "const"
        if isinstance(expr, cst.UnaryOperation):
            return self._scalar_kind(expr.expression, scalar, loss_attrs)
        if isinstance(expr, cst.Name):
            return "scalar" if expr.value in scalar else None
        if isinstance(expr, cst.Attribute):
            return "const" if (dotted(expr) or "").startswith("self.") else None
        if isinstance(expr, cst.BinaryOperation):
            kinds = (self._scalar_kind(expr.left, scalar, loss_attrs), self._scalar_kind(expr.right, scalar, loss_attrs))
            if None in kinds:
                return None
            return "scalar" if "scalar" in kinds else "const"
        if isinstance(expr, cst.Call):
            reduction = call_arg(expr, "reduction")
            if reduction is not None and isinstance(reduction.value, cst.SimpleString) and "none" in reduction.value.value:
                return None
            q = self.ctx.facts.callee(expr) or ""
            leaf = q.rsplit(".", 1)[-1]
            if q.startswith("torch.nn.functional.") and (leaf in _LOSS_FUNCS or leaf.endswith("_loss")):
                return "scalar"
            if dotted(expr.func) in loss_attrs:
                return "scalar"
            m = _method(expr)
            if m == "item":
                return "scalar"
            dims = call_arg(expr, "dim")
            if m in ("mean", "sum", "nanmean", "nansum", "norm") and dims is None and not expr.args:
                return "scalar"  # a whole-tensor reduction
            if q in ("torch.mean", "torch.sum") and len(expr.args) == 1:
                return "scalar"
        return None

    # --- per function ---------------------------------------------------------
    def _check_function(self, fn: cst.FunctionDef) -> None:
        # A parameter with a number, flag or string default (`eps=1e-5`) is a setting, not a tensor.
        settings = {
            p.name.value
            for p in (*fn.params.params, *fn.params.kwonly_params, *fn.params.posonly_params)
            if p.default is not None and (number_value(p.default) is not None or isinstance(p.default, cst.SimpleString) or (isinstance(p.default, cst.Name) and p.default.value in ("True", "False")))
        }
        params = [p for p in params_of(fn) if p not in ("self", "cls") and p not in settings]
        if not params:
            return
        if not any(isinstance(n, cst.Name) and n.value in ("detach", "data", "no_grad", "inference_mode") for n in self._walk(fn.body)):
            return  # nothing in this function cuts anything from the graph
        self._params = set(params)
        self._local_values = self._collect_local_values(fn)
        self._stat_defs = {}
        inputs = self._input_names(fn, set(params))
        cuts = self._detach_sites(fn, inputs)
        if not cuts:
            return
        order = {id(n): i for i, n in enumerate(self._walk(fn.body))}
        # One site per normalised tensor: cuts whose statistics come from overlapping inputs
        # (`x`; `x` and `eps`) normalise the same batch.
        sites: List[Tuple[Set[str], list]] = []
        for cut in cuts:
            normalises, feeds_buffer = self._reaches_normalisation(cut[0], fn, inputs)
            if not normalises:
                continue
            origin = set(self._site_origin)
            members = [(cut, feeds_buffer)]
            for other in [s for s in sites if s[0] & origin or not (s[0] and origin)]:
                sites.remove(other)
                origin |= other[0]
                members += other[1]
            sites.append((origin, members))
        for origin, members in sites:
            members.sort(key=lambda m: order.get(id(m[0][0]), 0))
            self._report_site(params, origin, members)

    def _report_site(self, params: List[str], origin: Set[str], members: list) -> None:
        """One finding for one normalisation: at its first detached statistic, naming all of them."""
        kinds: List[str] = []
        hows: List[str] = []
        for (_, _, _, how, cut_kinds), _ in members:
            kinds.extend(k for k in cut_kinds if k not in kinds)
            if how not in hows:
                hows.append(how)
        kinds = sorted(kinds or ["mean"], key=_KIND_ORDER.index)
        if len(hows) == 1:
            how = hows[0]
        else:
            tokens = [t for t in ("`.detach()`", "`.data`", "`torch.no_grad()`") if any(t in h for h in hows)]
            how = "cut from the autograd graph (" + ", ".join(tokens) + ")"
        inp = next((p for p in params if p in origin), params[0])
        many = len(kinds) > 1
        local = all(k.startswith("local") for k in kinds)
        message = MESSAGE.format(
            scope="windowed" if local else "batch",
            stats=_join([k[len("local "):] if local else k for k in kinds]),
            inp=inp,
            be="are" if many else "is",
            how=how,
            s="" if many else "s",
            them="them" if many else "it",
            constants="constants" if many else "a constant",
            terms=_join([_KIND_TERM[k] for k in kinds]),
            term_word="terms" if many else "term",
        )
        fix = None
        if all(cut[1] is not None and not feeds for cut, feeds in members):
            nodes = [cut[0] for cut, _ in members]
            edits = []
            for cut, _ in members:
                if any(other is not cut[1] and self._contains(other, cut[1]) for other in nodes):
                    continue  # nested in another edit: the next round of fixes takes it
                edits.append(ReplaceNode(cut[1], cut[2]))
            fix = FixSpec("unsafe", edits, "Keep the batch statistics in the autograd graph (this changes the gradients)")
        related = [(cut[0], f"also {cut[3]} here") for cut, _ in members[1:]]
        stats = _join([k[len("local "):] if local else k for k in kinds])
        summary = f"{'Windowed' if local else 'Batch'} {stats} of `{inp}` detached before normalising: wrong gradient; keep them in the graph"
        self.report(members[0][0][0], message, fix=fix, related=related, summary=summary)

    def _contains(self, outer: cst.CSTNode, inner: cst.CSTNode) -> bool:
        return any(anc is outer for anc in self.ctx.facts.ancestors(inner))

    def _collect_local_values(self, fn: cst.FunctionDef) -> Dict[str, List[Optional[cst.BaseExpression]]]:
        """Name -> the values assigned to it in ``fn`` (None for an assignment not of a plain value)."""
        out: Dict[str, List[Optional[cst.BaseExpression]]] = {}
        for n in self._walk(fn.body):
            if isinstance(n, cst.Assign):
                for t in n.targets:
                    if isinstance(t.target, cst.Name):
                        out.setdefault(t.target.value, []).append(n.value)
                    else:
                        for e in self._walk(t.target):
                            if isinstance(e, cst.Name):
                                out.setdefault(e.value, []).append(None)
            elif isinstance(n, (cst.AugAssign, cst.AnnAssign, cst.For, cst.NamedExpr)):
                target = n.target
                for e in self._walk(target):
                    if isinstance(e, cst.Name):
                        out.setdefault(e.value, []).append(n.value if isinstance(n, cst.AnnAssign) else None)
        return out

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

    def _origin(self, node: cst.CSTNode, inputs: Set[str], depth: int = 0) -> Set[str]:
        """The forward parameters an expression's input reads (or its statistics' inputs) come from."""
        out: Set[str] = set()
        for n in _names_in(node, children=self.ctx.facts.children_of):
            if n in inputs:
                out |= self._lineage.get(n, set())
            elif n in self._stat_defs and depth < 4:
                out |= self._origin(self._stat_defs[n], inputs, depth + 1)
        return out

    # --- reductions, and which of them are batch statistics ---------------------
    def _reduction(self, call: cst.Call) -> Optional[Tuple[str, cst.BaseExpression, Optional[cst.Arg]]]:
        """(kind, reduced expression, dimension argument) of ``E.mean(...)`` / ``torch.var(E, ...)``."""
        q = self.ctx.facts.callee(call)
        if q in _TORCH_REDUCE_FUNCS and call.args:
            return q.rsplit(".", 1)[-1], call.args[0].value, call_arg(call, "dim", 1) or call_arg(call, "axis")
        if q in _WINDOW_FUNCS and call.args:
            # Sums over a sliding window (a convolution of an integral image, an average pool):
            # the local statistics of a local-context normalisation.
            return "window", call.args[0].value, None
        m = _method(call)
        if m in _BATCH_REDUCTIONS and isinstance(call.func, cst.Attribute):
            subject = call.func.value
            if isinstance(subject, cst.Name) and subject.value == "torch":
                return None
            return m, subject, call_arg(call, "dim", 0) or call_arg(call, "axis")
        return None

    def _is_reduction_of(self, call: cst.Call, inputs: Set[str]) -> Optional[cst.BaseExpression]:
        """The reduced expression when ``call`` is a statistic of an input-derived E: a mean/var/std
        over any dimensions, or a batch sum."""
        r = self._reduction(call)
        if r is None or not (_names_in(r[1], children=self.ctx.facts.children_of) & inputs):
            return None
        if r[0] in _STAT_REDUCTIONS or self._is_batch_reduction(call, inputs):
            return r[1]
        return None

    def _is_batch_reduction(self, call: cst.Call, inputs: Set[str]) -> bool:
        """``call`` reduces an input-derived tensor over its batch dimension (``x.mean(0)``,
        ``x.var(dim=(0, 2, 3))``, ``x.transpose(0, 1).reshape(C, -1).sum(1)``)."""
        r = self._reduction(call)
        if r is not None and r[0] == "window":
            return bool(_names_in(r[1], children=self.ctx.facts.children_of) & inputs)
        if r is None or r[2] is None:
            return False  # no dimension: a whole-tensor reduction, not a per-channel batch statistic
        if not (_names_in(r[1], children=self.ctx.facts.children_of) & inputs):
            return False
        dims = self._dims(r[2].value)
        if not dims:
            return False
        pos, rank = self._batch_pos(r[1], inputs)
        if pos is None:
            return False
        return any(d == pos or (d < 0 and rank is not None and d + rank == pos) for d in dims)

    def _is_statistic(self, expr: cst.BaseExpression, inputs: Set[str]) -> bool:
        """A mean/var/std of the input (any dimensions), or a batch sum: not "the input" itself."""
        return any(isinstance(n, cst.Call) and self._is_reduction_of(n, inputs) is not None for n in self._walk(expr))

    def _is_batch_statistic(self, expr: cst.BaseExpression, inputs: Set[str]) -> bool:
        return any(isinstance(n, cst.Call) and self._is_batch_reduction(n, inputs) for n in self._walk(expr))

    def _dims(self, expr: cst.BaseExpression, depth: int = 0) -> Optional[Set[int]]:
        """The dimensions a ``dim`` argument names, as far as they are literal."""
        if depth > 4:
            return None
        v = _int_value(expr)
        if v is not None:
            return {v}
        if isinstance(expr, (cst.Tuple, cst.List)):
            out: Set[int] = set()
            for el in expr.elements:
                d = self._dims(el.value, depth + 1) if isinstance(el, cst.Element) else None
                out |= d or set()
            return out
        if isinstance(expr, cst.BinaryOperation) and isinstance(expr.operator, cst.Add):
            left, right = self._dims(expr.left, depth + 1), self._dims(expr.right, depth + 1)
            return None if left is None and right is None else (left or set()) | (right or set())
        if isinstance(expr, cst.Call):
            name = dotted(expr.func)
            if name in ("tuple", "list") and expr.args:
                return self._dims(expr.args[0].value, depth + 1)
            if name == "range" and expr.args:
                start = _int_value(expr.args[0].value) if len(expr.args) > 1 else 0
                return {0} if start == 0 else set()
            return None
        if isinstance(expr, cst.Name):
            values = self._local_values.get(expr.value, [])
            if len(values) == 1 and values[0] is not None:
                return self._dims(values[0], depth + 1)
            return None
        if isinstance(expr, cst.Attribute):
            values = self._attr_values.get(dotted(expr) or "", [])
            if len(values) == 1:
                return self._dims(values[0], depth + 1)
        return None

    def _batch_pos(self, expr: cst.BaseExpression, inputs: Set[str], depth: int = 0) -> Tuple[Optional[int], Optional[int]]:
        """Where the batch dimension of ``expr`` is (it starts at 0 in the input), and its rank if known."""
        if depth > 12:
            return 0, None
        if isinstance(expr, cst.Call):
            m = _method(expr)
            q = self.ctx.facts.callee(expr) or ""
            args = [a.value for a in expr.args if a.keyword is None and not a.star]
            if q.startswith("torch.") and not (m and q.startswith("torch.Tensor")):
                if not args:
                    return 0, None
                pos, rank = self._batch_pos(args[0], inputs, depth + 1)
                if q in ("torch.transpose", "torch.swapaxes", "torch.swapdims") and len(args) == 3:
                    return self._swap(pos, rank, _int_value(args[1]), _int_value(args[2]))
                return pos, rank
            kids = self.ctx.facts.children_of
            if m is None or not isinstance(expr.func, cst.Attribute) or not (_names_in(expr.func.value, children=kids) & inputs):
                # a function or helper method applied to the input: the input is its first tensor argument
                tensor_args = [a for a in args if _names_in(a, children=kids) & inputs]
                return self._batch_pos(tensor_args[0], inputs, depth + 1) if tensor_args else (0, None)
            pos, rank = self._batch_pos(expr.func.value, inputs, depth + 1)
            if pos is None:
                return None, None
            if len(args) == 1 and isinstance(args[0], (cst.Tuple, cst.List)):
                args = [e.value for e in args[0].elements]
            ints = [_int_value(a) for a in args]
            if m in ("transpose", "swapaxes", "swapdims") and len(ints) == 2:
                return self._swap(pos, rank, ints[0], ints[1])
            if m == "t":
                return self._swap(pos, 2, 0, 1)
            if m == "permute":
                if ints and None not in ints:
                    order = [d % len(ints) for d in ints]  # type: ignore[operator]
                    return (order.index(pos) if pos in order else None), len(ints)
                return None, None
            if m in ("reshape", "view"):
                if not args:
                    return pos, rank
                if pos == 0:
                    return 0, len(args)  # the batch stays the leading dimension
                inferred = [i for i, v in enumerate(ints) if v == -1]
                return (inferred[0] if inferred else len(args) - 1), len(args)  # merged into the inferred one
            if m == "flatten":
                start = ints[0] if ints else _int_value(call_arg(expr, "start_dim").value) if call_arg(expr, "start_dim") else 0
                if start is None or start < 0:
                    return None, None
                return (min(pos, start)), None
            if m == "unsqueeze":
                d = ints[0] if ints else None
                if d is None or d < 0:
                    return None, None
                return (pos + 1 if d <= pos else pos), (rank + 1 if rank is not None else None)
            if m == "squeeze":
                return pos, None
            return pos, rank  # elementwise, dtype/device, indexing-free methods
        if isinstance(expr, cst.Attribute):
            if expr.attr.value == "T":
                pos, rank = self._batch_pos(expr.value, inputs, depth + 1)
                return self._swap(pos, 2, 0, 1)
            if expr.attr.value == "data":
                return self._batch_pos(expr.value, inputs, depth + 1)
            return 0, None
        if isinstance(expr, cst.Name):
            values = self._local_values.get(expr.value, [])
            if expr.value not in self._params and len(values) == 1 and values[0] is not None:
                return self._batch_pos(values[0], inputs, depth + 1)
            if expr.value not in self._params and len(values) > 1 and all(v is not None for v in values):
                # Rebound several times (`m = f(x[i]); m = m.permute(1, 2, 0)`): when every binding
                # that starts afresh (not from the name itself) has no batch dimension, none has.
                kids = self.ctx.facts.children_of
                fresh = [v for v in values if expr.value not in _names_in(v, children=kids)]  # type: ignore[arg-type]
                if fresh and all(self._batch_pos(v, inputs, depth + 1)[0] is None for v in fresh):  # type: ignore[arg-type]
                    return None, None
            return 0, None
        if isinstance(expr, cst.BinaryOperation):
            kids = self.ctx.facts.children_of
            side = expr.left if _names_in(expr.left, children=kids) & inputs else expr.right
            return self._batch_pos(side, inputs, depth + 1)
        if isinstance(expr, cst.Subscript):
            pos, rank = self._batch_pos(expr.value, inputs, depth + 1)
            first = expr.slice[0].slice if expr.slice else None
            if pos == 0 and isinstance(first, cst.Index) and self._integer_index(first.value):
                return None, None  # `masks[idx]`: one sample, no batch dimension left
            return pos, rank
        return 0, None

    def _integer_index(self, expr: cst.BaseExpression) -> bool:
        """An integer literal, or the variable of a `for ... in range(...)` loop."""
        if _int_value(expr) is not None:
            return True
        if not isinstance(expr, cst.Name):
            return False
        facts = self.ctx.facts
        for anc in facts.ancestors(expr):
            if isinstance(anc, cst.For) and isinstance(anc.target, cst.Name) and anc.target.value == expr.value:
                return isinstance(anc.iter, cst.Call) and dotted(anc.iter.func) == "range"
            if isinstance(anc, cst.FunctionDef):
                return False
        return False

    @staticmethod
    def _swap(pos: Optional[int], rank: Optional[int], a: Optional[int], b: Optional[int]) -> Tuple[Optional[int], Optional[int]]:
        if pos is None or a is None or b is None:
            return None, None
        if rank is not None:
            a, b = a % rank, b % rank
        elif a < 0 or b < 0:
            return None, None
        return (b if pos == a else a if pos == b else pos), rank

    # --- naming the statistics -------------------------------------------------
    def _kinds(self, expr: cst.CSTNode, inputs: Set[str], depth: int = 0) -> List[str]:
        """The batch statistics ``expr`` holds: mean, sum, sum of squares, variance, standard deviation."""
        out: List[str] = []
        stack: List[cst.CSTNode] = [expr]
        while stack:
            n = stack.pop()
            if isinstance(n, cst.Call):
                r = self._reduction(n)
                if r is not None and self._is_batch_reduction(n, inputs):
                    out.extend(self._reduction_kinds(r[0], r[1]))
                    continue
                root = self._root(n)
                if root is not None and depth < 6:
                    table = _SQRT_OF if root[0] == "sqrt" else _RSQRT_OF
                    out.extend(table.get(k, k) for k in self._kinds(root[1], inputs, depth + 1))
                    continue
            elif isinstance(n, cst.BinaryOperation) and isinstance(n.operator, cst.Power) and depth < 6:
                e = number_value(n.right)
                if e in (0.5, -0.5):
                    table = _SQRT_OF if e > 0 else _RSQRT_OF
                    out.extend(table.get(k, k) for k in self._kinds(n.left, inputs, depth + 1))
                    continue
            elif isinstance(n, cst.Name) and n.value in self._stat_defs and depth < 6:
                out.extend(self._kinds(self._stat_defs[n.value], inputs, depth + 1))
                continue
            stack.extend(self.ctx.facts.children_of(n))
        return out

    def _root(self, call: cst.Call) -> Optional[Tuple[str, cst.BaseExpression]]:
        """("sqrt" | "rsqrt", operand) for ``torch.sqrt(v)``, ``v.rsqrt()``, ``v.pow(0.5)``."""
        m = _method(call)
        q = self.ctx.facts.callee(call) or ""
        if q in ("torch.sqrt", "torch.rsqrt") and call.args:
            return q.rsplit(".", 1)[-1], call.args[0].value
        if isinstance(call.func, cst.Attribute) and not q.startswith("torch."):
            if m in ("sqrt", "rsqrt"):
                return m, call.func.value
            if m == "pow" and call.args and number_value(call.args[0].value) in (0.5, -0.5):
                return ("sqrt" if number_value(call.args[0].value) == 0.5 else "rsqrt"), call.func.value
        return None

    def _reduction_kinds(self, kind: str, subject: cst.BaseExpression) -> List[str]:
        if kind == "window":
            return ["local sum of squares"] if self._squares_in(subject) else ["local sum"]
        if kind in ("mean", "nanmean"):
            return ["mean"]
        if kind == "var":
            return ["variance"]
        if kind == "std":
            return ["standard deviation"]
        if kind == "var_mean":
            return ["variance", "mean"]
        if kind == "std_mean":
            return ["standard deviation", "mean"]
        return ["sum of squares"] if any(self._is_square(n) for n in self._walk(subject)) else ["sum"]

    def _squares_in(self, expr: cst.BaseExpression, depth: int = 0) -> bool:
        """Does ``expr`` square its input, itself or through the locals it reads (`x_sq = x * x;
        integral = x_sq.cumsum(2)`)?"""
        for n in self._walk(expr):
            if self._is_square(n):
                return True
            if isinstance(n, cst.Name) and depth < 4 and n.value not in self._params:  # (the input's own later rebinding is not its past)
                if any(v is not None and v is not expr and self._squares_in(v, depth + 1) for v in self._local_values.get(n.value, [])):
                    return True
        return False

    def _is_square(self, expr: cst.BaseExpression) -> bool:
        if isinstance(expr, cst.BinaryOperation):
            if isinstance(expr.operator, cst.Power):
                return number_value(expr.right) == 2
            if isinstance(expr.operator, cst.Multiply):
                code = self.ctx.facts.module.code_for_node
                return code(expr.left).strip() == code(expr.right).strip()
            return False
        if isinstance(expr, cst.Call):
            m = _method(expr)
            q = self.ctx.facts.callee(expr) or ""
            if q == "torch.square" or (m == "square" and not q.startswith("torch.")):
                return True
            if q == "torch.pow":
                return len(expr.args) > 1 and number_value(expr.args[1].value) == 2
            if m == "pow":
                return bool(expr.args) and number_value(expr.args[0].value) == 2
        return False

    # --- where the statistics are cut from the graph ------------------------------
    def _detach_sites(self, fn: cst.FunctionDef, inputs: Set[str]):
        """(reported node, node to replace, replacement, wording, statistics) for each cut of a batch statistic."""
        facts = self.ctx.facts
        kids = facts.children_of
        sites = []
        stat_names = self._stat_names(fn, inputs)
        for node in self._walk(fn.body):
            if isinstance(node, cst.Call) and _method(node) == "detach" and not node.args:
                receiver = node.func.value  # type: ignore[union-attr]
                live = _names_in(receiver, live_only=True, children=kids)
                if self._is_batch_statistic(receiver, inputs) or (live & stat_names and not (live & inputs)):
                    # mean = x.mean(0).detach()
                    sites.append((node, node, receiver, "detached with `.detach()`", self._kinds(receiver, inputs)))
                    continue
                reduction = self._feeds_reduction(node, inputs)
                if reduction is not None:
                    # x.detach().mean(0)
                    sites.append((node, node, receiver, "computed from a detached input (`.detach()`)", self._kinds(reduction, inputs)))
            elif isinstance(node, cst.Attribute) and node.attr.value == "data":
                if self._is_assign_target(node):
                    continue
                live = _names_in(node.value, live_only=True, children=kids)
                if self._is_batch_statistic(node.value, inputs) or (live & stat_names and not (live & inputs)):
                    if isinstance(facts.parent(node), (cst.Call, cst.Attribute, cst.Assign, cst.BinaryOperation, cst.Arg, cst.Element, cst.DictElement, cst.Subscript)):
                        sites.append((node, node, node.value, "read through `.data`", self._kinds(node.value, inputs)))
                    continue
                reduction = self._feeds_reduction(node, inputs)
                if reduction is not None:
                    sites.append((node, node, node.value, "computed from `.data`", self._kinds(reduction, inputs)))
        if fn.decorators and any(facts.is_no_grad_expr(d.decorator) for d in fn.decorators):
            return sites  # the whole forward runs without grad: nothing is trained through it
        # Statistics computed under torch.no_grad() in forward.
        for node in self._walk(fn.body):
            if isinstance(node, cst.Call) and self._is_batch_reduction(node, inputs) and facts.in_no_grad(node):
                # Only the outermost reduction, and only when nothing above already detaches it.
                if any(isinstance(a, cst.Call) and (self._is_reduction_of(a, inputs) is not None or _method(a) == "detach") for a in self._ancestors_in(node, fn)):
                    continue
                if not self._escapes_no_grad(node, fn):
                    continue  # normalised inside the block too: the result has no gradient at all (a target)
                sites.append((node, None, None, "computed inside `torch.no_grad()`", self._kinds(node, inputs)))
        return sites

    def _escapes_no_grad(self, node: cst.CSTNode, fn: cst.FunctionDef) -> bool:
        """Does the statistic at ``node`` (inside a `no_grad` block) reach code that runs with grad?
        Only through a name it is assigned to (directly or through other assignments in no-grad
        code) that is read outside `no_grad`. `Q /= Q.sum(0)` or a `return` inside the block
        normalises without grad: nothing there has a gradient to lose (Sinkhorn targets)."""
        facts = self.ctx.facts
        kids = facts.children_of
        stmt: Optional[cst.CSTNode] = node
        while stmt is not None and not isinstance(stmt, (cst.BaseSmallStatement, cst.BaseCompoundStatement)):
            stmt = facts.parent(stmt)
        if not isinstance(stmt, cst.Assign):
            return isinstance(stmt, cst.AnnAssign)  # (annotated: rare, keep reporting)
        carried = set(_bound_names(stmt))
        if not carried:
            return False
        carrying = {id(stmt)}  # the no-grad assignments that bind the statistic (or what it made)
        assigns = [n for n in self._walk(fn.body) if isinstance(n, cst.Assign) and facts.in_no_grad(n)]
        for _ in range(4):
            grew = False
            for a in assigns:
                if _names_in(a.value, children=kids) & carried:
                    carrying.add(id(a))
                    new = set(_bound_names(a)) - carried
                    carried |= new
                    grew = grew or bool(new)
            if not grew:
                break
        for n in self._walk(fn.body):
            if isinstance(n, cst.Name) and n.value in carried and not self._is_assign_target(n) and not facts.in_no_grad(n):
                above = facts.parent(n)
                if isinstance(above, cst.Attribute) and above.attr is n:
                    continue  # `self.log_scale()`: an attribute of that name, not the variable
                # (A read that a later binding of the name reaches instead, `log_scale =
                # self.scale_t()` after a data-dependent initialisation, reads no statistic.)
                reaching = facts.reaching_bindings(n.value, n, fn)
                if not reaching or any(id(r) in carrying for r in reaching):
                    return True
        return False

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
                is_stat = self._is_batch_statistic(value, inputs) and not self._reads_input_outside_stats(value, inputs)
                if not is_stat and not (live & names and not (live & inputs)):
                    continue
                if isinstance(value, cst.Call) and _method(value) == "detach":
                    continue  # a detached copy is reported at its own `.detach()`
                for name in _bound_names(node):
                    if name not in names:
                        names.add(name)
                        self._stat_defs.setdefault(name, value)
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

    def _feeds_reduction(self, node: cst.BaseExpression, inputs: Set[str]) -> Optional[cst.Call]:
        """The batch reduction ``node`` (an input) is reduced by: ``node.mean(0)``,
        ``torch.var(node, 0)``, ``node.transpose(0, 1).reshape(C, -1).mean(1)``."""
        facts = self.ctx.facts
        if not (_names_in(node, children=facts.children_of) & inputs):
            return None
        cur: cst.CSTNode = node
        for _ in range(8):
            parent = facts.parent(cur)
            if isinstance(parent, cst.Attribute) and parent.value is cur:
                call = facts.parent(parent)
                if not (isinstance(call, cst.Call) and call.func is parent):
                    return None
                if _method(call) in _BATCH_REDUCTIONS:
                    return call if self._is_batch_reduction(call, inputs) else None
                if _method(call) not in _LAYOUT_METHODS:
                    return None
                cur = call
                continue
            if isinstance(parent, cst.Arg):
                call = facts.parent(parent)
                if isinstance(call, cst.Call) and call.args and call.args[0] is parent and facts.callee(call) in _TORCH_REDUCE_FUNCS:
                    return call if self._is_batch_reduction(call, inputs) else None
            return None
        return None

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
        self._tainted_bindings: Set[int] = set()  # the assignments that bound a tainted name (``_consumer``)
        self._site_origin = self._origin(site, inputs)
        verdict, target = self._consumer(site, fn, inputs, tainted, feeds)
        if verdict is not None:
            return verdict, bool(feeds)
        if not target:
            return False, bool(feeds)
        tainted.update(target)
        normalises = False
        stored_at = self._first_stores(fn)
        # Follow the tainted names through the function, to a fixpoint.
        for _ in range(6):
            grew = False
            for position, node in enumerate(self._walk(fn.body)):
                if isinstance(node, (cst.Name, cst.Attribute)) and self._name_key(node) in tainted and not self._is_assign_target(node):
                    parent = self.ctx.facts.parent(node)
                    if isinstance(node, cst.Name) and isinstance(parent, cst.Attribute) and parent.attr is node:
                        continue
                    key = self._name_key(node) or ""
                    if isinstance(node, cst.Name):
                        # (`log_scale = self.scale_t()` again before this read: the statistic's
                        # binding does not reach it.)
                        reaching = self.ctx.facts.reaching_bindings(node.value, node, fn)
                        if reaching and not any(id(r) in self._tainted_bindings for r in reaching):
                            continue
                    store = stored_at.get(key)
                    if key.startswith("self.") and store is not None and position < store[0] and not self._share_a_loop(node, store[1], fn):
                        continue  # `self.ema_mu` read before this call stores it: the running estimate of earlier batches
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

    def _reduced_above(self, node: cst.CSTNode, fn: cst.FunctionDef) -> bool:
        """Is the value of ``node`` reduced further in its statement (`(x - mu).pow(2).mean(0)`,
        `torch.var(x - mu, 0)`): a statistic is computed from it, nothing is normalised there?"""
        facts = self.ctx.facts
        for anc in self._ancestors_in(node, fn):
            if isinstance(anc, cst.Call) and (_method(anc) in _BATCH_REDUCTIONS or facts.callee(anc) in _TORCH_REDUCE_FUNCS):
                return True
            if isinstance(anc, (cst.SimpleStatementLine, cst.BaseCompoundStatement)):
                return False
        return False

    def _first_stores(self, fn: cst.FunctionDef) -> Dict[str, Tuple[int, cst.CSTNode]]:
        """For each `self.<attr>` that ``fn`` assigns: where (in walk order) it is first assigned."""
        out: Dict[str, Tuple[int, cst.CSTNode]] = {}
        for position, node in enumerate(self._walk(fn.body)):
            if isinstance(node, cst.Assign):
                for t in node.targets:
                    key = dotted(t.target)
                    if key and key.startswith("self.") and key not in out:
                        out[key] = (position, node)
        return out

    def _share_a_loop(self, a: cst.CSTNode, b: cst.CSTNode, fn: cst.FunctionDef) -> bool:
        loops = {id(n) for n in self._ancestors_in(b, fn) if isinstance(n, (cst.For, cst.While))}
        return any(id(n) in loops for n in self._ancestors_in(a, fn))

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
        """``expr`` reads a running statistic (directly or through a local computed from it):
        ``self.running_*``, or a buffer the class registers (`self.register_buffer("ra_var", ...)`)."""
        key = id(fn)
        if getattr(self, "_running_fn", None) != key:
            buffers = self._registered_buffers(fn)

            def running(n: cst.CSTNode) -> bool:
                d = dotted(n) or ""
                return _is_running_buffer(n) or (d.startswith("self.") and d[5:] in buffers)

            names: Set[str] = set()
            for _ in range(3):
                for node in self._walk(fn.body):
                    if isinstance(node, cst.Assign) and any(running(n) or (isinstance(n, cst.Name) and n.value in names) for n in self._walk(node.value)):
                        for t in node.targets:
                            if isinstance(t.target, cst.Name):
                                names.add(t.target.value)
            self._running_fn, self._running_names, self._running = key, names, running
        for n in self._walk(expr):
            if self._running(n) or (isinstance(n, cst.Name) and n.value in self._running_names):
                return True
        return False

    def _registered_buffers(self, fn: cst.FunctionDef) -> Set[str]:
        """The buffers the class of ``fn`` registers under literal names (`self.register_buffer("ra_mean", ...)`)."""
        facts = self.ctx.facts
        cls = facts.enclosing_class(fn)
        out: Set[str] = set()
        # The class and its base classes of this file (`class RobustBN2d(MomentumBN)` with the
        # buffers registered by `MomentumBN.__init__`).
        todo = [cls] if cls is not None else []
        seen: Set[int] = set()
        while todo:
            current = todo.pop()
            if id(current) in seen:
                continue
            seen.add(id(current))
            for node in self._walk(current):
                if isinstance(node, cst.Call) and _method(node) == "register_buffer" and node.args and isinstance(node.args[0].value, cst.SimpleString):
                    name = node.args[0].value.evaluated_value
                    if isinstance(name, str):
                        out.add(name)
            for base in current.bases:
                local = facts.class_named(dotted(base.value) or "")
                if local is not None:
                    todo.append(local)
        return out

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
            if isinstance(anc, cst.BinaryOperation) and isinstance(anc.operator, (cst.Subtract, cst.Divide, cst.Multiply, cst.Add)):
                other = anc.right if child is anc.left else anc.left
                if not isinstance(anc.operator, cst.Add) and self._reads_running_stats(other, fn):
                    # Batch Renormalization: r = sigma_B / sigma, d = (mu_B - mu) / sigma are
                    # stop-gradient corrections by design, not the statistics that normalise x.
                    return False, set()
                if self._reads_input(other, inputs, tainted) and not self._reduced_above(anc, fn):
                    # (`(x - mu).var(dim=0)`: a second statistic computed with it, followed on.)
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
                    if isinstance(t, cst.Attribute) and _is_running_buffer(t):
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
                self._tainted_bindings.add(id(anc))
                return None, targets
            elif isinstance(anc, cst.Return):
                return False, set()
            elif isinstance(anc, (cst.SimpleStatementLine, cst.BaseCompoundStatement)):
                return False, set()
            child = anc
        return False, set()
