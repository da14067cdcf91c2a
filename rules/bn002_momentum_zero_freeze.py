"""BN002 momentum-zero-freeze."""
from __future__ import annotations

import re

import libcst as cst

from bnlint.facts import call_arg, dotted, number_value, params_of
from bnlint.patterns import lazy
from bnlint.rule import Rule, register

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing (a few ms of every start)
if TYPE_CHECKING:  # pragma: no cover
    from typing import List, Optional, Set, Tuple

_BN_NAME_RE = lazy(r"(^|_)(bn|batchnorm|batch_norm)(\d+|_|$)|batchnorm", re.IGNORECASE)
_CLASSNAME_TESTS = ("BatchNorm", "Norm")

MESSAGE = (
    "`momentum={value}` does not freeze BatchNorm: it keeps running_mean/running_var still, but in train mode "
    "BN still normalises each batch with that batch's own statistics, so training and evaluation see different "
    "normalisation. To freeze BN, put the BN modules in eval mode (`m.eval()`, re-applied after every "
    "`model.train()`) or use `torchvision.ops.FrozenBatchNorm2d`."
)
SUMMARY = "`momentum={value}` does not freeze BatchNorm (train mode uses batch statistics): put BN in eval"
SUMMARY_EVAL_BRANCH = "`momentum=0` in eval mode is a no-op (eval never updates running stats): remove it"
MESSAGE_EVAL_BRANCH = (
    "Setting BatchNorm `momentum=0` when `not self.training` is a no-op: in eval mode BN never updates its "
    "running statistics, whatever the momentum. Remove the toggle; `model.eval()` alone gives inference behaviour."
)


def _is_zero(node: cst.BaseExpression) -> Optional[str]:
    """'0'/'0.0' when the expression is (or may be, via a conditional) a literal zero."""
    if isinstance(node, cst.IfExp):
        return _is_zero(node.body) or _is_zero(node.orelse)
    value = number_value(node)
    if value is not None and value == 0:
        return "0"
    return None


def _literal_truth(node: cst.BaseExpression) -> Optional[bool]:
    """The truth of a literal argument (`True`, `0`, `None`); None for anything else."""
    if isinstance(node, cst.Name) and node.value in ("True", "False", "None"):
        return node.value == "True"
    value = number_value(node)
    return bool(value) if value is not None else None


@register
class MomentumZeroFreeze(Rule):
    """
    ## What it does
    Flags `momentum=0` (or `0.0`, a conditional that can be zero such as
    `0.0 if frozen else 0.1`, or a name bound to zero) given to a BatchNorm
    constructor or to `functools.partial(nn.BatchNorm2d, ...)`, and
    `.momentum = 0` / `setattr(m, "momentum", 0)` applied to a BatchNorm
    module: directly, in an `isinstance` loop over `model.modules()` or
    `named_modules()` (also filtered by a module name such as `"bn" in name`),
    in a `model.apply(fn)` callback or lambda, after a class-name check
    (`classname.find("BatchNorm") != -1`, `"BatchNorm" in type(m).__name__`),
    or toggled inside `forward` for eval mode.

    ## Why is this bad?
    In PyTorch, `momentum` only controls how the *running* statistics are
    updated: `running = (1 - momentum) * running + momentum * batch_stat`.
    With `momentum=0` the running statistics never change, but a BatchNorm
    layer in train mode still normalises its input with the **current batch's**
    mean and variance. So the network trains against batch statistics while
    evaluation (`model.eval()`) uses the old running statistics: the two no
    longer match and validation accuracy collapses. It is a popular but
    broken way to "freeze" BN. Setting `momentum=0` in `forward` when
    `not self.training` is simply a no-op: eval mode never updates running
    statistics.

    ## Example
    ```python
    for m in model.modules():
        if isinstance(m, nn.BatchNorm2d):
            m.momentum = 0          # BN002
            m.weight.requires_grad = False
    model.train()
    ```

    ## Use instead
    ```python
    def set_bn_eval(m):
        if isinstance(m, nn.modules.batchnorm._BatchNorm):
            m.eval()

    model.train()
    model.apply(set_bn_eval)        # after every model.train()
    ```
    or replace the layers with `torchvision.ops.FrozenBatchNorm2d`, or override
    `train()` in the model so it puts BN back in eval mode.

    Saving and restoring the momentum of the same module around a step (the
    SAM `disable_running_stats` / `enable_running_stats` pattern: the old value
    kept on the module, in a local, or in a dict keyed by module, and written
    back to `.momentum`) is correct and is not reported. A save/restore of other
    modules elsewhere in the file does not excuse an unsaved zeroing. Nor is a
    helper that switches the updates off and on by its parameter
    (`m.momentum = momentum if enable else 0.0`): it pauses the running
    statistics for a pass and resumes them. Called in the file only with the
    literal that zeroes the momentum (`set_momentum(model, enable=False)`), it
    is a freeze and is reported; a call with an unknown value or none in the
    file is not. A zero
    momentum set right next to `m.eval()` on the same module is redundant rather
    than wrong and is not reported either (BN014 covers a later `.train()`
    that undoes that `eval()`).

    ## Fix safety
    No automatic fix. Replacing the momentum trick with a real freeze changes
    what the model computes in train mode, and where `.eval()` must go depends
    on the training loop. Even deleting the eval-branch toggle in `forward` is
    not offered: a BN module can be in train mode while its parent is in eval
    mode (`model.eval(); model.bn.train()`), and there the zero momentum does
    have an effect.

    ## References
    - https://pytorch.org/docs/stable/generated/torch.nn.BatchNorm2d.html
    - https://discuss.pytorch.org/t/frozen-batch-normalization-still-shows-different-performance/
    """

    code = "BN002"
    name = "momentum-zero-freeze"
    severity = "error"
    summary = "momentum=0 does not freeze BatchNorm: train mode still normalises with batch statistics"
    trigger_tokens = ("momentum", "BatchNorm")
    needs_bn_evidence = True
    name_evidence = r"bn|batch_?norm"  # `self.bn1.momentum = 0`, `if "bn" in name:` count on their own

    @classmethod
    def ast_name_evidence(cls, scan, source: str) -> bool:
        """Names (`self.bn1.momentum = 0`) only decide for assignments; constructors need BN itself."""
        if "momentum" not in scan.assigned_attributes:
            return False
        return any(_BN_NAME_RE.search(part) for part in scan.identifiers) or any(
            "BatchNorm" in s or _BN_NAME_RE.search(s.strip(".")) for s in scan.strings
        )
    valid_examples = (
        "import torch.nn as nn\nbn = nn.BatchNorm2d(64, momentum=0.01)\n",
        "import torch.nn as nn\nbn = nn.BatchNorm2d(64, momentum=None)\n",
        "import torch\nopt = torch.optim.SGD(params, lr=0.1, momentum=0)\n",
    )
    invalid_examples = (
        "import torch.nn as nn\nbn = nn.BatchNorm2d(64, momentum=0)\n",
        "from torch import nn\nbn = nn.BatchNorm1d(8, 1e-5, 0.0)\n",
    )

    def __init__(self, ctx) -> None:
        super().__init__(ctx)
        # (node to report, the module expression, the assigned value)
        self._zero_assignments: List[Tuple[cst.CSTNode, cst.BaseExpression, cst.BaseExpression]] = []

    # --- constructor keyword / positional / partial -----------------------------
    def visit_Call(self, node: cst.Call) -> None:
        facts = self.ctx.facts
        if dotted(node.func) == "setattr" and len(node.args) >= 3:
            name = node.args[1].value
            if isinstance(name, cst.SimpleString) and name.evaluated_value == "momentum":
                value = node.args[2].value
                if _is_zero(value) or self._name_is_zero(value, node):
                    self._zero_assignments.append((node, node.args[0].value, value))
            return
        target: Optional[cst.Call] = None
        args = node
        if facts.is_bn_constructor(node):
            target = node
        elif facts.callee(node) in ("functools.partial", "partial") and node.args and facts.is_bn_class_ref(node.args[0].value):
            # partial(nn.BatchNorm2d, momentum=0): the BN args shift by one position
            target = node
        if target is None:
            return
        is_partial = target is not node or not facts.is_bn_constructor(node)
        momentum = call_arg(args, "momentum", None if is_partial else 2)
        if momentum is None:
            return
        trs = call_arg(args, "track_running_stats", None if is_partial else 4)
        if trs is not None and isinstance(trs.value, cst.Name) and trs.value.value == "False":
            return  # no running statistics at all: momentum is irrelevant
        zero = _is_zero(momentum.value)
        if zero is None:
            zero = self._name_is_zero(momentum.value, node)
        if zero is not None:
            self.report(momentum, MESSAGE.format(value=zero), summary=SUMMARY.format(value=zero))

    def _name_is_zero(self, value: cst.BaseExpression, at: cst.CSTNode) -> Optional[str]:
        """`momentum=bn_mom` where `bn_mom = 0.0` in the same function or module."""
        if not isinstance(value, cst.Name):
            return None
        facts = self.ctx.facts
        scope = facts.enclosing_function(at) or facts.module
        values = facts.assignments_to(value.value, scope)
        if not values and scope is not facts.module:
            fn = facts.enclosing_function(at)
            if fn is not None and value.value in params_of(fn):
                return None
            values = facts.assignments_to(value.value, facts.module)
        if values and all(_is_zero(v) for v in values):
            return "0"
        return None

    # --- `.momentum = 0` on a BN module -------------------------------------
    def visit_Assign(self, node: cst.Assign) -> None:
        for target in node.targets:
            t = target.target
            if isinstance(t, cst.Attribute) and t.attr.value == "momentum":
                if _is_zero(node.value) or self._name_is_zero(node.value, node):
                    self._zero_assignments.append((node, t.value, node.value))

    def _walk(self, node):
        """Pre-order walk through the engine's parent map (much cheaper than libcst's ``children``)."""
        return self.ctx.facts.iter_nodes(node)

    def check_module(self) -> None:
        for node, obj, value in self._zero_assignments:
            if not self._is_bn_module(obj, node):
                continue
            if self._saved_and_restored(node, obj) or self._switch_by_parameter(value, node):
                continue
            if self._evaluated_alongside(node, obj):
                continue
            if self._in_eval_branch(node) or self._eval_only_value(value):
                self.report(node, MESSAGE_EVAL_BRANCH, tags=("unnecessary",), summary=SUMMARY_EVAL_BRANCH)
            else:
                self.report(node, MESSAGE.format(value="0"), summary=SUMMARY.format(value="0"))

    def _switch_by_parameter(self, value: cst.BaseExpression, at: cst.CSTNode) -> bool:
        """`m.momentum = momentum if enable else 0.0` in a function whose parameter `enable`
        chooses: a switch that pauses the running-statistics updates and resumes them (the SAM
        pattern in one helper), not a freeze; its other value is not zero."""
        if not isinstance(value, cst.IfExp) or (_is_zero(value.body) and _is_zero(value.orelse)):
            return False
        test = value.test
        if isinstance(test, cst.UnaryOperation) and isinstance(test.operator, cst.Not):
            test = test.expression
        fn = self.ctx.facts.enclosing_function(at)
        if fn is None or not isinstance(test, cst.Name) or test.value not in params_of(fn):
            return False
        # Its callers in this file decide: calls that only ever pick the zero are a freeze; a call
        # for each value is a pause and a resume, and a helper no call here decides is a switch
        # whose use is not seen.
        zero_when = bool(_is_zero(value.body))  # the truth of the test that picks the zero
        truths = {_literal_truth(arg) for arg in self.ctx.facts.caller_arguments(fn, test.value)}
        if isinstance(value.test, cst.UnaryOperation):
            zero_when = not zero_when
        return not (truths and truths <= {zero_when})

    # --- the SAM pattern: saved, zeroed, restored on the same module ---------------
    def _saved_and_restored(self, node: cst.CSTNode, obj: cst.BaseExpression) -> bool:
        """`m.backup = m.momentum; m.momentum = 0; ...; m.momentum = m.backup` (or a local / a dict)."""
        facts = self.ctx.facts
        obj_name = dotted(obj)
        if obj_name is None:
            return False
        fn = facts.enclosing_function(node)
        scope = fn or facts.module
        keys: Set[Tuple[str, str]] = set()
        for n in self._walk(scope):
            if not isinstance(n, cst.Assign):
                continue
            value = n.value
            reads_momentum = dotted(value) == f"{obj_name}.momentum"
            in_container = not reads_momentum and isinstance(value, (cst.DictComp, cst.ListComp, cst.Dict, cst.List)) and any(
                isinstance(x, cst.Attribute) and x.attr.value == "momentum" for x in self._walk(value)
            )
            if not (reads_momentum or in_container):
                continue
            for t in n.targets:
                tgt = t.target
                if reads_momentum and isinstance(tgt, cst.Attribute) and dotted(tgt.value) == obj_name:
                    keys.add(("attr", tgt.attr.value))
                elif isinstance(tgt, cst.Name):
                    keys.add(("name", tgt.value) if reads_momentum else ("container", tgt.value))
                elif isinstance(tgt, cst.Subscript) and dotted(tgt.value):
                    keys.add(("container", dotted(tgt.value) or ""))
                elif isinstance(tgt, cst.Attribute) and dotted(tgt):
                    keys.add(("container", dotted(tgt) or ""))
        if not keys:
            return False
        for n in self._walk(self.ctx.module):
            restored = None
            if isinstance(n, cst.Assign):
                for t in n.targets:
                    if isinstance(t.target, cst.Attribute) and t.target.attr.value == "momentum":
                        restored = (t.target.value, n.value)
            elif isinstance(n, cst.Call) and dotted(n.func) == "setattr" and len(n.args) >= 3:
                a1 = n.args[1].value
                if isinstance(a1, cst.SimpleString) and a1.evaluated_value == "momentum":
                    restored = (n.args[0].value, n.args[2].value)
            if restored is None:
                continue
            target_obj, value = restored
            if isinstance(value, cst.Attribute) and dotted(value.value) == dotted(target_obj) and ("attr", value.attr.value) in keys:
                return True
            if isinstance(value, cst.Name) and ("name", value.value) in keys and (facts.enclosing_function(n) or facts.module) is scope:
                return True
            if isinstance(value, cst.Subscript) and ("container", dotted(value.value) or "") in keys:
                return True
        return False

    def _evaluated_alongside(self, node: cst.CSTNode, obj: cst.BaseExpression) -> bool:
        """`m.eval(); m.momentum = 0` in the same block: the module is frozen by eval mode already."""
        facts = self.ctx.facts
        name = dotted(obj)
        stmt = facts.enclosing_statement(node)
        block = facts.parent(stmt) if stmt is not None else None
        if name is None or block is None:
            return False
        for n in self._walk(block):
            if isinstance(n, cst.Call) and isinstance(n.func, cst.Attribute) and dotted(n.func.value) == name:
                m = n.func.attr.value
                if m == "eval" or (m == "train" and n.args and isinstance(n.args[0].value, cst.Name) and n.args[0].value.value == "False"):
                    return True
        return False

    def _eval_only_value(self, value: cst.BaseExpression) -> bool:
        """`0.1 if self.training else 0`: zero only in eval mode."""
        if not isinstance(value, cst.IfExp):
            return False
        test = value.test
        if dotted(test) == "self.training":
            return _is_zero(value.orelse) is not None and _is_zero(value.body) is None
        if isinstance(test, cst.UnaryOperation) and isinstance(test.operator, cst.Not) and dotted(test.expression) == "self.training":
            return _is_zero(value.body) is not None and _is_zero(value.orelse) is None
        return False

    def _in_eval_branch(self, node: cst.CSTNode) -> bool:
        """Inside the else of `if self.training:` (or the body of `if not self.training:`)."""
        facts = self.ctx.facts
        child: cst.CSTNode = node
        for anc in facts.ancestors(node):
            if isinstance(anc, cst.If):
                test = anc.test
                on_else = anc.orelse is not None and child is anc.orelse
                if dotted(test) == "self.training" and on_else:
                    return True
                if isinstance(test, cst.UnaryOperation) and isinstance(test.operator, cst.Not) and dotted(test.expression) == "self.training" and not on_else:
                    return True
            child = anc
        return False

    def _is_bn_module(self, expr: cst.BaseExpression, at: cst.CSTNode) -> bool:
        facts = self.ctx.facts
        name = dotted(expr)
        if name is None:
            return False
        leaf = name.rsplit(".", 1)[-1]
        # Guarded by isinstance(m, <BN>) or a class-name test somewhere above (not in its else branch).
        child: cst.CSTNode = at
        for anc in facts.ancestors(at):
            if isinstance(anc, (cst.If, cst.While)) and child is not anc.orelse and self._guard_says_bn(anc.test, name):
                return True
            if isinstance(anc, cst.IfExp) and child is anc.body and self._guard_says_bn(anc.test, name):
                return True  # lambda m: setattr(m, "momentum", 0) if isinstance(m, nn.BatchNorm2d) else None
            if isinstance(anc, cst.BooleanOperation) and isinstance(anc.operator, cst.And) and child is anc.right and self._guard_says_bn(anc.left, name):
                return True  # isinstance(m, _BatchNorm) and setattr(m, "momentum", 0)
            child = anc
        fn = facts.enclosing_function(at)
        scope = fn or facts.module
        if isinstance(expr, cst.Name):
            # Bound by a loop over BN layers, or assigned a BN constructor.
            for node in self._walk(scope):
                if isinstance(node, cst.For) and isinstance(node.target, cst.Name) and node.target.value == name:
                    if self._iterable_is_bn(node.iter, scope):
                        return True
                    for inner in self._walk(node.body):
                        if isinstance(inner, cst.If) and self._guard_says_bn(inner.test, name):
                            return True
            for value in facts.assignments_to(name, scope):
                if isinstance(value, cst.Call) and facts.is_bn_constructor(value):
                    return True
        if isinstance(expr, cst.Attribute) and name.startswith("self."):
            cls = facts.enclosing_class(at)
            if cls is not None and self._self_attr_is_bn(cls, name):
                return True
        if _BN_NAME_RE.search(leaf):
            return True
        return False

    def _guard_says_bn(self, test: cst.BaseExpression, name: str) -> bool:
        facts = self.ctx.facts
        for node in self._walk(test):
            if isinstance(node, cst.Call) and dotted(node.func) == "isinstance" and len(node.args) >= 2:
                if dotted(node.args[0].value) != name:
                    continue
                kinds = node.args[1].value
                elems = [e.value for e in kinds.elements] if isinstance(kinds, (cst.Tuple, cst.List)) else [kinds]
                if any(facts.is_bn_class_ref(e) for e in elems):
                    return True
            if isinstance(node, cst.SimpleString):
                # A class-name test: `classname.find("BatchNorm") != -1`, `"BatchNorm" in type(m).__name__`
                text = node.evaluated_value
                if isinstance(text, str) and "BatchNorm" in text and not text.startswith("Frozen"):
                    return True
            if isinstance(node, cst.Comparison) and isinstance(node.left, cst.SimpleString):
                # A module-name test in a named_modules() loop: `if "bn" in name:`
                text = node.left.evaluated_value
                if (
                    isinstance(text, str)
                    and any(isinstance(c.operator, cst.In) for c in node.comparisons)
                    and _BN_NAME_RE.search(text.strip("."))
                ):
                    return True
        return False

    def _iterable_is_bn(self, iterable: cst.BaseExpression, scope: cst.CSTNode) -> bool:
        facts = self.ctx.facts
        if isinstance(iterable, cst.Name):
            for value in facts.assignments_to(iterable.value, scope):
                if self._iterable_is_bn(value, scope):
                    return True
            return False
        if isinstance(iterable, (cst.List, cst.Tuple)):
            elems = [e.value for e in iterable.elements]
            cls = facts.enclosing_class(scope)
            return bool(elems) and all(
                (isinstance(e, cst.Call) and facts.is_bn_constructor(e))
                or (dotted(e) or "").startswith("self.") and cls is not None and self._self_attr_is_bn(cls, dotted(e) or "")
                or bool(_BN_NAME_RE.search((dotted(e) or "").rsplit(".", 1)[-1]))
                for e in elems
            )
        return False

    def _self_attr_is_bn(self, cls: cst.ClassDef, name: str) -> bool:
        facts = self.ctx.facts
        for node in self._walk(cls):
            if isinstance(node, cst.Assign):
                for t in node.targets:
                    if dotted(t.target) == name and isinstance(node.value, cst.Call) and facts.is_bn_constructor(node.value):
                        return True
        return False
