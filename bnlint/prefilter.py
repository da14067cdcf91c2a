"""Which files can produce a finding at all, decided before libcst ever sees them.

Every step is only ever a *necessary* condition of a finding, cheapest first:

1. **Text, per rule** (``Rule.trigger_tokens`` / ``trigger_pattern`` / ``required_tokens``):
   BN001 needs an evaluation context, BN004 `requires_grad`, BN003 a `def forward`, ...
2. **Text, BN evidence**, for rules whose findings all rest on a module that holds BatchNorm
   (``Rule.needs_bn_evidence``): the file names a BN layer, function or BN-bearing factory
   (``inventory.text_has_bn_evidence``), or matches the rule's own name heuristics
   (``Rule.name_evidence``), or imports a project module from which such a name is reachable
   within ``MAX_IMPORT_HOPS`` imports (``ProjectIndex.text_reaches_bn``: files are read, not
   parsed).
3. **``ast``** (``needs_cst``), for files that pass: each rule's syntax is there at all
   (``Rule.ast_relevant`` on one ``AstScan`` of the module), its name heuristics apply where
   they are used (``Rule.ast_name_evidence``), and a name in the module really resolves to BN,
   asking the project index about imported names (``ast_bn_evidence``).

Steps 2 and 3 are what make framework code cheap: most of a large code base mentions `eval`,
`detach` or `momentum` somewhere, but only a small part of it can reach a BatchNorm.
``tests/test_prefilter.py`` checks that none of this hides a finding.
"""
from __future__ import annotations

from typing import TYPE_CHECKING, List, Optional, Sequence

from bnlint.inventory import text_has_bn_evidence

if TYPE_CHECKING:  # pragma: no cover
    from bnlint.inventory import ProjectIndex
    from bnlint.rule import RuleType


class _Evidence:
    """BN evidence for one file, computed lazily and at most once."""

    def __init__(self, source: str, path: Optional[str], index: Optional["ProjectIndex"]) -> None:
        self.source = source
        self.path = path
        self.index = index
        self._local: Optional[bool] = None
        self._project: Optional[bool] = None

    def local(self) -> bool:
        if self._local is None:
            self._local = text_has_bn_evidence(self.source)
        return self._local

    def project(self) -> bool:
        if self._project is None:
            self._project = bool(self.index is not None and self.index.text_reaches_bn(self.path, self.source))
        return self._project


def text_candidates(source: str, rules: Sequence["RuleType"], path: Optional[str] = None, index: Optional["ProjectIndex"] = None) -> List["RuleType"]:
    """The rules that may report something in ``source``, judged from text (steps 1 and 2).

    Without ``index`` (or ``path``) only the file's own text counts as BN evidence; callers
    that lint files of a project pass their ``ProjectIndex`` so that `from models import Net`
    is followed.
    """
    evidence = _Evidence(source, path, index)
    out: List["RuleType"] = []
    pending = []
    for rule in rules:
        if not rule.required_tokens_present(source):
            continue
        tokens = rule.trigger_tokens_present(source)
        if not tokens and rule.trigger_pattern is None:
            continue
        if rule.needs_bn_evidence and not (evidence.local() or rule.name_evidence_matches(source)):
            pending.append((rule, tokens))
        elif tokens or rule.trigger_pattern_matches(source):
            out.append(rule)
    # The import graph last (it reads other files), and the regular expressions after it.
    if pending and evidence.project():
        out.extend(rule for rule, tokens in pending if tokens or rule.trigger_pattern_matches(source))
    return out


def needs_parse(source: str, rules: Sequence["RuleType"], path: Optional[str] = None, index: Optional["ProjectIndex"] = None) -> bool:
    """Can any of ``rules`` report anything in ``source``?  False means: do not even parse it."""
    return bool(text_candidates(source, rules, path, index))


# --- After `ast.parse`, before libcst: the precise version of the same question ------------


class AstScan:
    """What the prefilter's ``ast`` step needs from a module, gathered in one walk."""

    def __init__(self, tree) -> None:
        import ast

        from bnlint.inventory import dotted_name

        self.tree = tree
        self._identifiers: Optional[set] = None
        self._attributes: Optional[set] = None
        self.names: set = set()  # dotted names (and their prefixes) and plain names
        self.assigned_attributes: set = set()  # `x.<attr> = ...`, `setattr(x, "<attr>", ...)`
        self.called_methods: set = set()  # `x.<method>(...)`
        self.keywords: set = set()  # `f(<kw>=...)`; None for `**kwargs`
        self.strings: set = set()  # short string constants
        self.long_calls = False
        self.freezes_parameters = False  # `p.requires_grad = False` / `m.requires_grad_(False)`  # a call with three positional arguments or a `*args`
        self.forward_classes: list = []  # classes that define `forward`
        self.classes: list = []
        for node in ast.walk(tree):
            kind = type(node)
            if kind is ast.Attribute:
                dotted = dotted_name(node)
                if dotted:
                    self.names.add(dotted)
            elif kind is ast.Name:
                self.names.add(node.id)
            elif kind is ast.Constant:
                if type(node.value) is str and len(node.value) <= 200:
                    self.strings.add(node.value)
            elif kind is ast.Call:
                if type(node.func) is ast.Attribute:
                    self.called_methods.add(node.func.attr)
                    if node.func.attr == "requires_grad_" and node.args and type(node.args[0]) is ast.Constant and node.args[0].value is False:
                        self.freezes_parameters = True
                elif type(node.func) is ast.Name and node.func.id == "setattr" and len(node.args) >= 2:
                    name = node.args[1]
                    if type(name) is ast.Constant and isinstance(name.value, str):
                        self.assigned_attributes.add(name.value)
                for k in node.keywords:
                    self.keywords.add(k.arg)
                if len(node.args) >= 3 or any(type(a) is ast.Starred for a in node.args):
                    self.long_calls = True
            elif kind is ast.Assign:
                for t in node.targets:
                    if type(t) is ast.Attribute:
                        self.assigned_attributes.add(t.attr)
                        if t.attr == "requires_grad" and type(node.value) is ast.Constant and node.value.value is False:
                            self.freezes_parameters = True
            elif kind is ast.ClassDef:
                self.classes.append(node)
                if any(type(item) in (ast.FunctionDef, ast.AsyncFunctionDef) and item.name == "forward" for item in node.body):
                    self.forward_classes.append(node)


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
        if (q != dotted or q.startswith(".")) and q.lstrip(".").split(".")[0] not in inv_mod.THIRD_PARTY_ROOTS:
            imported.append(q)
    if bn_function_used and _class_calls_bn_function(scan, resolve):
        return True  # a custom module built on F.batch_norm
    if path is None or index is None:
        return False
    return any(index.holds_bn(path, q) for q in sorted(imported))


def _class_calls_bn_function(scan: AstScan, resolve) -> bool:
    import ast

    from bnlint.inventory import calls_bn_function

    return any(isinstance(node, ast.Call) and calls_bn_function(node, resolve) for cls in scan.classes for node in ast.walk(cls))


def needs_cst(tree, source: str, rules: Sequence["RuleType"], path: Optional[str], index: Optional["ProjectIndex"]) -> bool:
    """The prefilter's ``ast`` step (step 3 above): can any of ``rules`` (those that passed
    ``text_candidates``) report anything in this tree?"""
    from bnlint.inventory import _import_aliases

    scan: Optional[AstScan] = None
    evidence: Optional[bool] = None
    for rule in rules:
        if scan is None:
            scan = AstScan(tree)
        if not rule.ast_relevant(scan):
            continue
        if not rule.needs_bn_evidence or rule.ast_name_evidence(scan, source):
            return True
        if evidence is None:
            evidence = ast_bn_evidence(scan, _import_aliases(tree), path, index)
        if evidence:
            return True
    return False
