"""Which files can produce a finding at all, decided before libcst ever sees them.

Every step is only ever a *necessary* condition of a finding, cheapest first:

1. **Text, per rule: declared tokens only** (``Rule.trigger_tokens`` / ``trigger_pattern`` /
   ``required_tokens``): BN001 needs an evaluation word or a `def`/`for`, BN004 `requires_grad`
   or `.train(`, BN003 a `def forward`, ...  A rule states what it looks for once, in its check:
   the prefilter does not restate it (a restated text or ``ast`` twin drifted from the check and
   hid real findings: a training loop in another module, a trainer's freeze; and it saved nothing
   measurable on BatchNorm-heavy code, see ``bench/RESULTS.md``).
2. **Text, BN evidence**, for rules whose findings all rest on a module that holds BatchNorm
   (``Rule.needs_bn_evidence``): the file's code (not its strings or comments) names a BN layer,
   function or BN-bearing factory (``inventory.code_has_bn_evidence``), or matches the rule's own name heuristics
   (``Rule.name_evidence``), or a name it imports from the project holds BN: first a text-level
   import graph must find a BN word within ``MAX_IMPORT_HOPS`` imports (``text_reaches_bn``: files
   are read, not parsed), then the index is asked about each imported name as the text uses it
   (``imported_names_hold_bn``).
3. **``ast``** (``cst_candidates``), for files that pass, rule by rule: its name heuristics apply
   where they are used (``Rule.ast_name_evidence``), a name in the module really resolves to BN
   (``ast_bn_evidence``), and for the rules that follow model objects (``Rule.needs_bn_model``) a
   call in the module builds a model that holds BN (``builds_bn_model``).  Only the rules that
   pass run on the libcst tree.

Steps 2 and 3 are what make framework code cheap: most of a large code base mentions `eval`,
`detach` or `momentum` somewhere, but only a small part of it can reach a BatchNorm.
``tests/test_prefilter.py`` checks that none of this hides a finding.
"""
from __future__ import annotations

import bisect
import re

from bnlint.astwalk import walk as ast_walk
from bnlint.eval_names import VAL_WORD_IN_TEXT
from bnlint.inventory import code_has_bn_evidence
from bnlint.patterns import lazy

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing (a few ms of every start)
if TYPE_CHECKING:  # pragma: no cover
    from typing import List, Optional, Sequence, Set

    from bnlint.inventory import ProjectIndex
    from bnlint.rule import RuleType


# Method calls that train something (or may: `fit`, `train_step`).  A file whose text calls none of
# them is inference code: BN001 treats every forward in it as evaluation (``modes.inference_file``).
# What updates a model's parameters.  `.backward()` and `.zero_grad()` alone do not: a Grad-CAM
# or adversarial-example script back-propagates into a trained model it only runs.
TRAINING_METHODS = ("step", "manual_backward", "fit", "fit_generator", "train_step", "training_step", "train_one_epoch", "train_epoch")
_TRAINING_CALL = lazy(r"\.\s*(?:" + "|".join(TRAINING_METHODS) + r")\s*\(")


def names_eval_data_in_code(source: str) -> bool:
    """Does a name in the code (not a string, comment or docstring) name evaluation data
    (``eval_names.VAL_WORD_IN_TEXT``: `val_loader`, `X_test`, `testloader`)?  A forward on a batch
    drawn from it is evaluation (``modes.ModesAnalysis._input_from_eval_data``, which reads names
    only, for this reason)."""
    spans: Optional[_CodeSpans] = None
    for m in VAL_WORD_IN_TEXT.finditer(source):
        if spans is None:
            spans = _CodeSpans(source)
        if spans.in_code(m.start()):
            return True
    return False


# What gives a model trained weights (``modes.ModesAnalysis._built_with_weights`` and
# ``calls.WEIGHT_LOADING_METHODS``), in text (a project factory that loads a checkpoint).
_WEIGHTS_TEXT = lazy(
    r"load_state_dict|load_weights|load_checkpoint|load_pretrained|from_pretrained|load_from_checkpoint|init_weights_from"
    r"|\b(?:pretrained|weights|encoder_weights|pretrained_backbone|checkpoint|ckpt|weights_path|pretrained_path)\s*=(?!=)"
    r"|\bload\s*\(|segmentation_models_pytorch"
)


def loads_weights_in_text(source: str) -> bool:
    return _WEIGHTS_TEXT.search(source) is not None


def trains_in_text(source: str) -> bool:
    """Does ``source`` call a training method anywhere (code, strings or comments alike)?"""
    return _TRAINING_CALL.search(source) is not None


class _CodeSpans:
    """Which offsets of a text lie in code, not in a string or comment (computed on first use)."""

    def __init__(self, text: str) -> None:
        self.text = text
        self._starts: Optional[List[int]] = None
        self._ends: List[int] = []

    def in_code(self, offset: int) -> bool:
        if self._starts is None:
            from bnlint.inventory import _STRINGS_AND_COMMENTS

            spans = [m.span() for m in _STRINGS_AND_COMMENTS.finditer(self.text)]
            self._starts = [a for a, _ in spans]
            self._ends = [b for _, b in spans]
        k = bisect.bisect_right(self._starts, offset) - 1
        return k < 0 or offset >= self._ends[k]


class _Evidence:
    """BN evidence for one file, computed lazily and at most once."""

    def __init__(self, source: str, path: Optional[str], index: Optional["ProjectIndex"]) -> None:
        self.source = source
        self.path = path
        self.index = index
        self._local: Optional[bool] = None
        self._project: Optional[bool] = None
        self._dropout: Optional[bool] = None
        self._weights: Optional[bool] = None

    def local(self) -> bool:
        if self._local is None:
            # Code only: every BN decision of the rules starts from a dotted name
            # (``ast_bn_evidence``), so `"batch_norm"` in an op table or a docstring is none.
            self._local = code_has_bn_evidence(self.source)
        return self._local

    def dropout(self) -> bool:
        """Dropout evidence, for the rules that take it (``Rule.dropout_evidence``): in the code,
        or in what it imports from the project."""
        if self._dropout is None:
            from bnlint.inventory import code_has_dropout_evidence

            index = self.index
            self._dropout = code_has_dropout_evidence(self.source) or bool(
                index is not None and index.text_reaches_dropout(self.path, self.source) and index.imported_names_hold_dropout(self.path, self.source)
            )
        return self._dropout

    def may_have_callers(self) -> bool:
        """A parameter the file may put in train mode, whose callers in other project modules may
        hand it a model with BN or dropout (``Rule.caller_evidence``), or a model a project helper
        froze (``Rule.freeze_helper_evidence``): decided in the ``ast`` step
        (``has_caller_evidence``, ``calls_freeze_helper`` on the tree the engine parses anyway),
        not here."""
        return self.index is not None and bool(self.path) and ".train(" in self.source

    def project(self) -> bool:
        if self._project is None:
            index = self.index
            self._project = bool(
                index is not None
                and (
                    (index.text_reaches_bn(self.path, self.source) and index.imported_names_hold_bn(self.path, self.source))  # reads files, then summarises imported modules
                    # a whole module another project file pickled with BN, unpickled here
                    or (bool(self.path) and text_calls_unpickled(self.source) and index.pickled_module_kinds(self.path)[0])
                )
            )
        return self._project


_UNPICKLED_BINDING = lazy(r"([A-Za-z_][\w.]*)\s*=\s*torch\.load\s*\(")


def text_calls_unpickled(source: str) -> bool:
    """The text version of ``calls_unpickled_module``: `net = torch.load(...)`, and `net(` later."""
    if "torch.load" not in source:
        return False
    return any(re.search(r"(?<![\w.])" + re.escape(m.group(1)) + r"\s*\(", source) for m in _UNPICKLED_BINDING.finditer(source))


def text_candidates(source: str, rules: Sequence["RuleType"], path: Optional[str] = None, index: Optional["ProjectIndex"] = None) -> List["RuleType"]:
    """The rules that may report something in ``source``, judged from text (steps 1 and 2).

    Without ``index`` (or ``path``) only the file's own text counts as BN evidence; callers
    that lint files of a project pass their ``ProjectIndex`` so that `from models import Net`
    is followed.
    """
    if "\r" in source:
        # The text checks read lines as `\n`-terminated (`#[^\n]*` is a comment): a CR-only or
        # CRLF file is checked with Python's own line breaks made `\n` (yes/no answers only).
        source = source.replace("\r\n", "\n").replace("\r", "\n")
    evidence = _Evidence(source, path, index)
    out: List["RuleType"] = []
    pending = []
    for rule in rules:
        if not rule.required_tokens_present(source):
            continue
        if not (rule.trigger_tokens_present(source) or rule.trigger_pattern_matches(source)):
            if not (rule.imported_freeze_trigger and index is not None and path and index.builds_imported_frozen_model(path, source)):
                continue
        if rule.needs_bn_evidence and not (evidence.local() or rule.name_evidence_matches(source)):
            pending.append(rule)
        else:
            out.append(rule)
    # The import graph last: it reads other files, and costs more than any text check.
    if pending and evidence.project():
        out.extend(pending)
    elif pending:
        out.extend(
            rule for rule in pending
            if (rule.dropout_evidence and evidence.dropout()) or ((rule.caller_evidence or rule.freeze_helper_evidence) and evidence.may_have_callers())
        )
    return out


def needs_parse(source: str, rules: Sequence["RuleType"], path: Optional[str] = None, index: Optional["ProjectIndex"] = None) -> bool:
    """Can any of ``rules`` report anything in ``source``?  False means: do not even parse it."""
    return bool(text_candidates(source, rules, path, index))


# --- After `ast.parse`, before libcst: the precise version of the same question ------------


def is_numeric_zero(node) -> bool:
    """`0`, `0.0`, `-0.`, also either branch of `0.0 if frozen else 0.1` (BN002's `_is_zero`)."""
    import ast

    if type(node) is ast.IfExp:
        return is_numeric_zero(node.body) or is_numeric_zero(node.orelse)
    while type(node) is ast.UnaryOp and type(node.op) in (ast.USub, ast.UAdd):
        node = node.operand
    return type(node) is ast.Constant and type(node.value) in (int, float) and node.value == 0


class AstScan:
    """What the prefilter's ``ast`` step needs from a module, gathered in one walk."""

    def __init__(self, tree) -> None:
        self.tree = tree
        self._identifiers: Optional[set] = None
        self._attributes: Optional[set] = None
        self.names: set = set()  # dotted names (and their prefixes) and plain names
        self.assigned_attributes: set = set()  # `x.<attr> = ...`, `setattr(x, "<attr>", ...)`
        self.called_methods: set = set()  # `x.<method>(...)`
        self.keywords: set = set()  # `f(<kw>=...)`; None for `**kwargs`
        self.strings: set = set()  # short string constants
        self.freezes_parameters = False  # `p.requires_grad = False` / `m.requires_grad_(False)`
        self.forward_classes: list = []  # classes that define `forward`
        self.classes: list = []
        self.call_names: set = set()  # dotted names of everything called: `Net`, `nn.BatchNorm2d`
        self.def_names: set = set()  # names of every function and method
        # Values that could set a momentum: `x.momentum = v`, `setattr(x, "momentum", v)`,
        # `f(momentum=v)`; and (callee, third positional argument): BN's own momentum position.
        self.momentum_values: list = []
        self.third_arguments: list = []
        self._imports: Optional[object] = None  # a ModuleInventory of the imports, built on demand
        self.zero_names: set = set()  # plain names assigned a numeric zero somewhere in the module
        self._walk(tree)

    def _walk(self, tree) -> None:
        """One explicit-stack pass over every node (``ast.walk`` costs several times more)."""
        import ast

        from bnlint.inventory import _MARKER_FIELDS, _MIXED_LIST_FIELDS, _walk_fields, dotted_name, table_call_name

        names, strings, call_names, called_methods = self.names, self.strings, self.call_names, self.called_methods
        keywords, assigned, momentum_values, zero_names = self.keywords, self.assigned_attributes, self.momentum_values, self.zero_names
        fields_of = _walk_fields
        node_type = ast.AST
        Attribute, Name, Constant, Call, Assign = ast.Attribute, ast.Name, ast.Constant, ast.Call, ast.Assign
        stack = [tree]
        pop, push, extend = stack.pop, stack.append, stack.extend
        while stack:
            node = pop()
            kind = type(node)
            if kind is Name:
                names.add(node.id)
                continue
            if kind is Attribute:
                dotted = dotted_name(node)
                if dotted:
                    # `a.b.c`: the chain holds only these names, so record them all and stop here.
                    parts = dotted.split(".")
                    for i in range(1, len(parts) + 1):
                        names.add(".".join(parts[:i]))
                else:
                    push(node.value)
                continue
            if kind is Constant:
                if type(node.value) is str and len(node.value) <= 200:
                    strings.add(node.value)
                continue
            if kind is Call:
                func = node.func
                callee = dotted_name(func)
                if callee:
                    call_names.add(callee)
                    if len(node.args) > 2:
                        positional = [a for a in node.args if type(a) is not ast.Starred]
                        if len(positional) > 2:
                            self.third_arguments.append((callee, positional[2]))
                else:  # `models.__dict__[arch]()`, `MODELS[name]()` (``facts.callee_dotted``)
                    table = table_call_name(func)
                    if table:
                        call_names.add(table)
                if type(func) is Attribute:
                    called_methods.add(func.attr)
                    if func.attr == "requires_grad_" and is_freeze_site(node):
                        self.freezes_parameters = True
                elif type(func) is Name and func.id == "setattr" and len(node.args) >= 2:
                    name = node.args[1]
                    if type(name) is Constant and isinstance(name.value, str):
                        assigned.add(name.value)
                        if name.value == "momentum" and len(node.args) >= 3:
                            momentum_values.append(node.args[2])
                for k in node.keywords:
                    keywords.add(k.arg)
                    if k.arg == "momentum":
                        momentum_values.append(k.value)
            elif kind is Assign:
                if is_freeze_site(node):
                    self.freezes_parameters = True
                for t in node.targets:
                    if type(t) is Attribute:
                        assigned.add(t.attr)
                        if t.attr == "momentum":
                            momentum_values.append(node.value)
                    elif type(t) is Name:
                        if is_numeric_zero(node.value):
                            zero_names.add(t.id)
                    elif type(t) in (ast.Tuple, ast.List) and type(node.value) in (ast.Tuple, ast.List):
                        for te, ve in zip(t.elts, node.value.elts):
                            if type(te) is Name and is_numeric_zero(ve):
                                zero_names.add(te.id)
            elif kind is ast.AnnAssign:
                if type(node.target) is Name and node.value is not None and is_numeric_zero(node.value):
                    zero_names.add(node.target.id)
            elif kind is ast.FunctionDef or kind is ast.AsyncFunctionDef:
                self.def_names.add(node.name)
            elif kind is ast.ClassDef:
                self.classes.append(node)
                if any(type(item) in (ast.FunctionDef, ast.AsyncFunctionDef) and item.name == "forward" for item in node.body):
                    self.forward_classes.append(node)
            # ``ast_children``, inlined: this loop runs once per node of every file that reaches it.
            fields = fields_of.get(kind)
            if fields is None:
                fields = fields_of[kind] = tuple(f for f in kind._fields if f not in _MARKER_FIELDS)
            for field in fields:
                value = getattr(node, field, None)
                if type(value) is list:
                    if field in _MIXED_LIST_FIELDS:
                        extend([item for item in value if isinstance(item, node_type)])
                    else:
                        extend(value)
                elif isinstance(value, node_type):
                    push(value)

    def resolve(self, dotted: str) -> str:
        """``dotted`` through the module's imports (``nn.BatchNorm2d`` -> ``torch.nn.BatchNorm2d``)."""
        return self._import_inventory().resolve(dotted)

    def is_imported(self, dotted: str) -> bool:
        return self._import_inventory().is_imported(dotted)

    def _import_inventory(self):
        if self._imports is None:
            from bnlint.inventory import ModuleInventory, _import_aliases

            self._imports = ModuleInventory(path=None, aliases=_import_aliases(self.tree))
        return self._imports

    @property
    def identifiers(self) -> set:
        """Every identifier used in a name or attribute (`model.bn1.weight` -> model, bn1, weight)."""
        if self._identifiers is None:
            self._identifiers = {part for name in self.names for part in name.split(".")}
        return self._identifiers

    @property
    def attributes(self) -> set:
        """Every attribute name (`model.bn1.weight` -> bn1, weight)."""
        if self._attributes is None:
            self._attributes = {part for name in self.names for part in name.split(".")[1:]}
        return self._attributes


def is_freeze_site(node) -> bool:
    """`p.requires_grad = False` or `x.requires_grad_(False)`."""
    import ast

    kind = type(node)
    if kind is ast.Assign:
        return (
            (type(node.value) is ast.Constant and node.value.value is False) or _name_test(node.value)
            or type(node.value) is ast.Name  # `= set_req_grad`: the rule reads whether it is a `False` constant
        ) and any(type(t) is ast.Attribute and t.attr == "requires_grad" for t in node.targets)
    if kind is ast.Call:
        func = node.func
        return (
            type(func) is ast.Attribute and func.attr == "requires_grad_" and bool(node.args)
            and type(node.args[0]) is ast.Constant and node.args[0].value is False
        )  # fmt: skip
    return False


def _name_test(value) -> bool:
    """`"fc" in name`, `not "fc" in name`, `"a" in name or "b" in name` (``_NAME_TEST_ASSIGNMENT``)."""
    import ast

    if isinstance(value, ast.UnaryOp) and isinstance(value.op, ast.Not):
        return _name_test(value.operand)
    if isinstance(value, ast.IfExp):  # `False if "batch_norm" in name else True`
        return _name_test(value.test)
    if isinstance(value, ast.BoolOp):
        return any(_name_test(v) for v in value.values)
    return (
        isinstance(value, ast.Compare) and len(value.ops) == 1 and isinstance(value.ops[0], (ast.In, ast.NotIn))
        and isinstance(value.left, ast.Constant) and isinstance(value.left.value, str)
    )


def freezing_scopes(tree) -> list:
    """The functions (nested ones too) that contain a freeze site, and ``tree`` itself when a
    top-level statement other than a `def`/`class` contains one."""
    import ast

    from bnlint.inventory import ast_children, ast_nodes

    functions = (ast.FunctionDef, ast.AsyncFunctionDef)
    scopes: list = []
    seen: set = set()
    top_level = False
    for stmt in tree.body:
        if not isinstance(stmt, functions + (ast.ClassDef,)):
            top_level = top_level or any(is_freeze_site(n) for n in ast_nodes(stmt))
            continue
        # Walk with the chain of enclosing functions; a freeze marks all of them.
        stack = [(stmt, (stmt,) if isinstance(stmt, functions) else ())]
        while stack:
            node, chain = stack.pop()
            if is_freeze_site(node):
                for fn in chain:
                    if id(fn) not in seen:
                        seen.add(id(fn))
                        scopes.append(fn)
            for child in ast_children(node):
                stack.append((child, chain + (child,) if isinstance(child, functions) else chain))
    if top_level:
        scopes.append(tree)
    return scopes


def ast_bn_evidence(scan: AstScan, aliases, path: Optional[str], index: Optional["ProjectIndex"]) -> bool:
    """Does any name in this module denote BatchNorm or something that holds it?

    Every BN decision of the rules (``Facts.is_bn_class_ref``, ``class_holds_bn``,
    ``expr_holds_bn``, the summaries of local classes) starts from a dotted name in the module
    that resolves to a BN layer, function or factory, or to a project object whose summary
    says BN; so if none does, no BN-evidence rule can report anything.  Local names are
    checked first; the project index (which reads other modules) only if they decide nothing.
    """
    from bnlint import inventory as inv_mod

    resolve = inv_mod.ModuleInventory(path=path, aliases=aliases).resolve

    imported = []
    bn_function_used = False
    for dotted in scan.names:
        q = resolve(dotted)
        if inv_mod.is_bn_class(q) or inv_mod.factory_holds_bn(q):
            return True
        if q in inv_mod.BN_FUNCTIONS or q.endswith("functional.batch_norm"):
            bn_function_used = True
        if dotted.partition(".")[0] in aliases and q.lstrip(".").split(".")[0] not in inv_mod.THIRD_PARTY_ROOTS:
            imported.append(q)
    if bn_function_used and _class_calls_bn_function(scan, resolve):
        return True  # a custom module built on F.batch_norm
    if any(d.endswith((".running_mean", ".running_var")) for d in scan.names) and _hand_written_bn(scan):
        return True  # a BatchNorm written by hand (running statistics, `self.training`)
    if path is None or index is None:
        return False
    if any(index.holds_bn(path, q) for q in sorted(imported)):
        return True
    if any((found := index.module_level_model(path, q)) is not None and found.any_bn for q in sorted(imported)):
        return True  # a model object a project module builds at its top level (`from model_def import net`)
    # A model picked by name from a project module's namespace (`models.__dict__[arch]()`, or by a
    # literal key, `models.__dict__["lavt"]()`: a callee no name in the code spells); one of them
    # with BN is evidence (which one an option picks by default is read on the tree).
    inventory = inv_mod.ModuleInventory(path=path, aliases=aliases)
    for name in sorted(scan.call_names):
        if not (name.endswith(".__dict__") or name not in scan.names):
            continue
        if inv_mod.callable_holds_bn(inventory, name, path, index):
            return True
        module = name[: -len(".__dict__")] if name.endswith(".__dict__") else None
        if module and inventory.is_imported(module) and index.namespace_may_hold_bn(path, resolve(module)):
            return True
    return runs_unpickled_model(scan, resolve, path, index, "bn")


def runs_unpickled_model(scan: AstScan, resolve, path: Optional[str], index: Optional["ProjectIndex"], kind: str) -> bool:
    """Does the module run a whole module another file of the project pickled
    (`torch.save(model, "best.pt")` there, `net = torch.load(...)` ... `net(x)` here) of the
    ``kind`` ("bn" or "dropout") every module the project pickles is (``modes._unpickled``)?"""
    if not path or index is None or not calls_unpickled_module(scan, resolve):
        return False
    holds_bn, holds_dropout = index.pickled_module_kinds(path)
    return holds_bn if kind == "bn" else holds_dropout


def calls_unpickled_module(scan: AstScan, resolve) -> bool:
    """Does the module call what it unpickled (`net = torch.load(path)` ... `net(x)`, also
    `self.net`)?  Only a module is called: a loaded state dict or tensor is not."""
    import ast

    if not any(resolve(name) == "torch.load" for name in scan.call_names):
        return False
    for node in ast_walk(scan.tree):
        if isinstance(node, ast.Assign) and isinstance(node.value, ast.Call):
            from bnlint.inventory import dotted_name

            if resolve(dotted_name(node.value.func) or "") != "torch.load":
                continue
            if any((dotted_name(t) or "") in scan.call_names for t in node.targets):
                return True
    return False


def _hand_written_bn(scan: AstScan) -> bool:
    import ast

    from bnlint.inventory import is_hand_written_bn

    return any(isinstance(node, ast.ClassDef) and is_hand_written_bn(node) for node in ast_walk(scan.tree))


def _class_calls_bn_function(scan: AstScan, resolve) -> bool:
    import ast

    from bnlint.inventory import ast_nodes, calls_bn_function

    return any(isinstance(node, ast.Call) and calls_bn_function(node, resolve, cls) for cls in scan.classes for node in ast_nodes(cls))


def builds_bn_model(scan: AstScan, inventory, path: Optional[str], index: Optional["ProjectIndex"]) -> bool:
    """Is a model that holds BN built in this module: a call of a BN layer, of a class or
    function that holds BN, or of a BN factory (``Facts.is_bn_class_ref`` or
    ``Facts.class_holds_bn`` on the callee), or is a LightningModule here one that holds BN?

    ``bnlint.modes`` creates its model objects only at such calls (``_create``, ``_self_obj``),
    and BN005's ``_bn_models`` are such calls; ``inventory`` is the module's own summary.
    """
    from bnlint import inventory as inv_mod

    if path and index is not None and any(
        inventory.is_imported(name) and (found := index.module_level_model(path, inventory.resolve(name))) is not None and found.any_bn
        for name in sorted(scan.names) if "." not in name
    ):
        return True  # a model object a project module builds at its top level, imported here (``modes._imported_model``)
    for name in scan.call_names:
        if inv_mod.callable_holds_bn(inventory, name, path, index):
            return True
        if name.endswith(".__dict__") and path and index is not None and inventory.is_imported(name[: -len(".__dict__")]):
            # `models.__dict__[args.arch]()` of a project package with some BN models: which one
            # runs (the option's default) is decided on the tree (``Facts.chosen_callee``).
            if index.namespace_may_hold_bn(path, inventory.resolve(name[: -len(".__dict__")])):
                return True
    if runs_unpickled_model(scan, inventory.resolve, path, index, "bn"):
        return True
    if inherits_built_part(scan, inventory, path, index, 0):
        return True  # `self.model` a project base class builds in its constructor (``modes._imported_base_part``)
    return bool(inventory.lightning_classes & inventory.bn_holding)


def inherits_built_part(scan: AstScan, inventory, path: Optional[str], index: Optional["ProjectIndex"], kind: int) -> bool:
    """Does a class of this module inherit, from a plain project class of another module, a part
    its constructor builds (``ProjectIndex.built_parts``) that holds BN (``kind`` 0) or dropout (1)?"""
    from bnlint.inventory import dotted_name

    if not path or index is None:
        return False
    for cls in scan.classes:
        for base in (dotted_name(b) for b in cls.bases):
            if base and inventory.is_imported(base):
                parts = index.built_parts(path, inventory.resolve(base)) or {}
                if any(part[kind] for part in parts.values()):
                    return True
    return False


def builds_dropout_model(scan: AstScan, inventory, path: Optional[str], index: Optional["ProjectIndex"]) -> bool:
    """``builds_bn_model`` for dropout: is a model with a dropout layer built in this module
    (``callable_holds_dropout`` on a callee)?  The mode analysis tracks such models for BN001."""
    from bnlint import inventory as inv_mod

    if any(inv_mod.callable_holds_dropout(inventory, name, path, index) for name in scan.call_names):
        return True
    return runs_unpickled_model(scan, inventory.resolve, path, index, "dropout") or inherits_built_part(scan, inventory, path, index, 1)


class CstCandidates:
    """The outcome of the ``ast`` step: the rules to run, and the module summary if it was built."""

    def __init__(self, rules: List["RuleType"], inventory=None) -> None:
        self.rules = rules
        self.inventory = inventory

    def __bool__(self) -> bool:
        return bool(self.rules)


def cst_candidates(tree, source: str, rules: Sequence["RuleType"], path: Optional[str], index: Optional["ProjectIndex"]) -> CstCandidates:
    """The prefilter's ``ast`` step (step 3 above): which of ``rules`` (those that passed
    ``text_candidates``) can report anything in this tree?  Only those need to run."""
    from bnlint.inventory import _import_aliases, _star_imports

    scan: Optional[AstScan] = None
    evidence: Optional[bool] = None
    model: Optional[bool] = None
    dropout_model: Optional[bool] = None
    caller_model: Optional[bool] = None
    freeze_helper: Optional[bool] = None
    inventory = None
    out: List["RuleType"] = []
    for rule in rules:
        if scan is None:
            scan = AstScan(tree)
        if not rule.needs_bn_evidence or rule.ast_name_evidence(scan, source):
            out.append(rule)
            continue
        if rule.freeze_helper_evidence and path and index is not None:
            if freeze_helper is None:
                freeze_helper = calls_freeze_helper(scan, _import_aliases(tree), path, index)
            if freeze_helper:
                out.append(rule)
                continue
        if evidence is None:
            aliases = _import_aliases(tree)
            if path and index is not None and _star_imports(tree):
                # `from models import *`: what it binds, as the module's summary will see it (the
                # summary is kept: the model step and the rules use the same one).
                inventory = index.inventory_for_source(source, path, tree)
                aliases = inventory.aliases
            evidence = ast_bn_evidence(scan, aliases, path, index)
        if not evidence and not rule.dropout_evidence and not rule.caller_evidence:
            continue
        if rule.needs_bn_model or not evidence:
            if index is None:
                from bnlint.inventory import ProjectIndex

                index = ProjectIndex()
            if inventory is None:
                inventory = index.inventory_for_source(source, path, tree)
            if evidence and model is None:
                model = builds_bn_model(scan, inventory, path, index)
            if not (evidence and model):
                # A model with dropout and no BN, for the rules that evaluate (``dropout_evidence``).
                if not rule.dropout_evidence and not rule.caller_evidence:
                    continue
                if rule.dropout_evidence and dropout_model is None:
                    dropout_model = builds_dropout_model(scan, inventory, path, index)
                if not (rule.dropout_evidence and dropout_model):
                    if not rule.caller_evidence:
                        continue
                    if caller_model is None:
                        from bnlint.callers import has_caller_evidence

                        caller_model = has_caller_evidence(tree, path, index) or evaluation_trains_parameter(tree) or validates_after_train(scan, source)
                    if not caller_model:
                        continue
        out.append(rule)
    return CstCandidates(out, inventory)


def calls_freeze_helper(scan: "AstScan", aliases, path: str, index: "ProjectIndex") -> bool:
    """Does the module call, with an argument, a function of another project module whose summary
    freezes the BatchNorm of what it is handed (``ProjectIndex.freeze_helper``)?"""
    import ast

    from bnlint.inventory import ModuleInventory, dotted_name

    inv = ModuleInventory(path=path, aliases=aliases)
    seen = set()
    for node in ast_walk(scan.tree):
        if not (isinstance(node, ast.Call) and node.args):
            continue
        name = dotted_name(node.func)
        if not name or name in seen or not inv.is_imported(name):
            continue
        seen.add(name)
        if index.freeze_helper(path, inv.resolve(name)) is not None:
            return True
    return False


def validates_after_train(scan: "AstScan", source: str) -> bool:
    """Does the file call `.train()`, evaluate (a no-grad context or a function named for
    evaluation) and name validation/test data in its code?  BN001 reports a model of unknown
    content that this code puts in train mode and then runs over validation data (the `.train()`
    says its mode matters), so such a file needs no BN evidence."""
    from bnlint.eval_names import is_eval_routine_name

    methods = scan.called_methods
    if "train" not in methods:
        return False
    if not ("no_grad" in methods or "inference_mode" in methods or any(is_eval_routine_name(name) for name in scan.def_names)):
        return False
    return names_eval_data_in_code(source) and _trains_parameter_or_attribute(scan.tree)


def _trains_parameter_or_attribute(tree) -> bool:
    """Does a function call `.train()` on one of its parameters or on a `self.<attr>` (a model
    whose content its caller or constructor decides)?"""
    return _trains_unknown_model(tree, eval_routines_only=False)


def _trains_unknown_model(tree, eval_routines_only: bool) -> bool:
    """Does a function (one named for evaluation, with ``eval_routines_only``) call `.train()`
    on one of its parameters (or, without ``eval_routines_only``, on a `self.<attr>`)?"""
    import ast

    from bnlint.eval_names import is_eval_routine_name

    for fn in ast_walk(tree):
        if not isinstance(fn, (ast.FunctionDef, ast.AsyncFunctionDef)) or (eval_routines_only and not is_eval_routine_name(fn.name)):
            continue
        params = {a.arg for a in fn.args.posonlyargs + fn.args.args + fn.args.kwonlyargs}
        if not eval_routines_only:
            # A module built here around modules the caller handed in (`model = Fused(encoders,
            # head)`): its content is the caller's too.
            params |= _built_from_parameters(fn, params)
        for node in ast_walk(fn):
            if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "train"):
                continue
            if node.args and isinstance(node.args[0], ast.Constant) and node.args[0].value in (False, 0):
                continue
            recv = node.func.value
            if isinstance(recv, ast.Name) and recv.id in params:
                return True
            if not eval_routines_only and isinstance(recv, ast.Attribute) and isinstance(recv.value, ast.Name) and recv.value.id == "self":
                return True
    return False


def _built_from_parameters(fn, params: Set[str]) -> Set[str]:
    """Names ``fn`` binds to a call that is handed one of its parameters (`model =
    Fused(encoders, head).to(device)`), or to the parameter itself (`net = input_net`)."""
    import ast

    out = set()
    for stmt in fn.body:
        if not (isinstance(stmt, ast.Assign) and len(stmt.targets) == 1 and isinstance(stmt.targets[0], ast.Name)):
            continue
        value = stmt.value
        if isinstance(value, ast.Name) and value.id in params:
            out.add(stmt.targets[0].id)
            continue
        while isinstance(value, ast.Call) and isinstance(value.func, ast.Attribute) and isinstance(value.func.value, ast.Call):
            value = value.func.value  # `Fused(...).to(device)`
        if isinstance(value, ast.Call) and any(isinstance(a, ast.Name) and a.id in params for a in list(value.args) + [k.value for k in value.keywords]):
            out.add(stmt.targets[0].id)
    return out


def evaluation_trains_parameter(tree) -> bool:
    """Does a function named for evaluation (``eval_names.is_eval_routine_name``) call `.train()`
    on one of its parameters?  BN001 reports the evaluation that follows whatever the model holds
    (the `.train()` says its mode matters), so such a file needs no BN evidence."""
    return _trains_unknown_model(tree, eval_routines_only=True)


