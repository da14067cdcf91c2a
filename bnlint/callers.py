"""What the project's callers hand a function: the content of a parameter, read at its call sites.

A helper such as ``fit_one_epoch(model_train, ...)`` in ``utils/utils_fit.py`` puts its parameter
in train mode, trains it and then validates it under ``torch.no_grad()`` without ``.eval()``.
Whether that matters depends on what the parameter is: the helper's module never says, its callers
do (``train.py``: ``model = YoloBody(...)``; ``fit_one_epoch(model_train, ...)``).  This module
finds those call sites in the other modules of the project and reads, with the project index's
ordinary evidence (``ProjectIndex._bn_answer``, ``callable_holds_dropout``), whether the argument
holds BatchNorm or dropout.

Which files are callers: every Python file of the project (the configured root, else the nearest
folder above the helper with ``.git``, ``pyproject.toml``, ``setup.py`` or ``setup.cfg``, else the
folder above the helper's outermost package) whose text names the function, and whose import of
that name resolves, through the index, to the helper's own definition.  Calls by plain name or
through the imported module (``utils_fit.fit_one_epoch(...)``) count; a method called on an
instance does not (its receiver's class is not known there), nor a function passed around as a
value.  An argument is followed through plain assignments in the caller's function (or module),
wrappers (``DataParallel``, ``convert_sync_batchnorm``), ``.to()``/``.cuda()``/``.train()`` and
``.module``; its content is what the constructor or factory it came from builds.

The answer rests on the whole project's file list, so a cached result that used it is keyed on it
(``TREE_DEPENDENCY``): adding, removing or editing any Python file of the project re-lints the
helpers whose answer used their callers.
"""
from __future__ import annotations

import ast
import os
import re
from dataclasses import dataclass

from bnlint.astwalk import walk as ast_walk
from bnlint.calls import COPY_CALLS, OPTIMIZER_STEP_METHODS
from bnlint.inventory import MODULE_WRAPPERS, TABLE_SUFFIX, THIRD_PARTY_ROOTS, ast_nodes, callable_holds_bn, callable_holds_dropout, dotted_name, imported_modules, table_call_name
from bnlint.project_files import TREE_DEPENDENCY, project_files, project_scope

TYPE_CHECKING = False
if TYPE_CHECKING:  # pragma: no cover
    from typing import Any, Dict, List, Optional, Set, Tuple

    from bnlint.inventory import ModuleInventory, ProjectIndex

_WRAPPER_TAILS = ("DataParallel", "DistributedDataParallel", "DDP", "convert_sync_batchnorm", "convert_syncbn_model")
# Methods that hand back the model they are called on (its content unchanged).
_KEEPS_MODEL = ("to", "cuda", "cpu", "half", "float", "double", "train", "eval", "requires_grad_", "share_memory")


@dataclass(frozen=True)
class CallerEvidence:
    """A call site in another module that passes a model holding ``kind`` ("bn" or "dropout")."""

    kind: str
    path: str
    line: int  # of the argument (1-based; columns 1-based, the end exclusive)
    column: int
    end_line: int
    end_column: int
    argument: str  # the argument as written there (`model_train`)
    shown_path: str  # ``path`` relative to the project's folder, for messages


class CallerIndex:
    """Call sites of project functions in the other modules of the project, for one ``ProjectIndex``."""

    def __init__(self, index: "ProjectIndex") -> None:
        self.index = index
        self._words: Dict[str, Dict[str, Tuple[str, ...]]] = {}  # ``_import_words``
        self._scopes: Dict[str, str] = {}  # a helper's folder -> ``project_scope``
        self._answers: Dict[tuple, Any] = {}  # per question: CallerEvidence or None, or a yes/no
        self._resolved: Dict[Tuple[str, str], Optional[Tuple[str, str]]] = {}

    def argument_evidence(self, path: str, name: str, position: int, keyword: str, kinds: Tuple[str, ...] = ("bn", "dropout")) -> Optional[CallerEvidence]:
        """A call of the top-level function or class ``name`` of ``path`` (a class: its
        construction) in another project module whose argument for the parameter (``position``
        among the positional parameters after `self`, or ``keyword``) holds BatchNorm, else one
        whose argument holds dropout (when ``kinds`` asks for it); None when no caller's does."""
        path = os.path.abspath(path)
        scope = self._scope_of(path)
        if not self._import_words(scope):
            return None  # no other file, or too many to read (``MAX_PROJECT_FILES``): not looked for
        self.index.consulted.add(TREE_DEPENDENCY + scope)
        key = (path, name, position, keyword, kinds)
        if key in self._answers:
            return self._answers[key]
        found: Optional[CallerEvidence] = None
        sites = list(self._call_sites(scope, path, name, position, keyword))
        for kind in kinds:
            for caller_path, call, argument, tree in sites:
                if self._holds(caller_path, tree, call, argument, kind):
                    found = CallerEvidence(
                        kind, caller_path, argument.lineno, argument.col_offset + 1,
                        argument.end_lineno or argument.lineno, (argument.end_col_offset or argument.col_offset) + 1, _shown(argument),
                        os.path.relpath(caller_path, scope).replace(os.sep, "/"),
                    )
                    break
            if found is not None:
                break
        self._answers[key] = found
        return found

    def passes_plain_model(self, path: str, name: str, position: int, keyword: str) -> bool:
        """Does a call of ``name`` of ``path`` in another project module hand the parameter a
        model known to hold neither BatchNorm nor dropout (a class the index resolves, built
        without either)?  Then that parameter's content is known, not unknown."""
        path = os.path.abspath(path)
        scope = self._scope_of(path)
        if not self._import_words(scope):
            return False
        self.index.consulted.add(TREE_DEPENDENCY + scope)
        key = (path, name, position, keyword, "plain")
        if key not in self._answers:
            self._answers[key] = any(
                self._plain(caller_path, tree, call, argument) for caller_path, call, argument, tree in self._call_sites(scope, path, name, position, keyword)
            )
        return bool(self._answers[key])

    def _plain(self, caller_path: str, tree: ast.Module, call: ast.Call, value: ast.AST) -> bool:
        """Does ``value`` (at ``call`` in ``caller_path``) build a model known to hold neither
        BatchNorm nor dropout, whatever it is built from (``_built_from``)?"""
        inv = self.index.inventory_for_path(caller_path)
        if inv is None:
            return False
        built = list(self._built_from(caller_path, tree, call, value, inv))
        return bool(built) and all(
            b is not None and self.index._bn_answer(inv, caller_path, b) is False
            and not ((name := dotted_name(b.func)) and callable_holds_dropout(inv, name, caller_path, self.index))
            for b in built
        )

    def mode_switched_elsewhere(self, path: str, attribute: str, mentioning: "Optional[str]" = None) -> bool:
        """Does a Python file of the project other than ``path`` switch the mode of something
        named ``attribute`` (`x.<attribute>.eval()`, `<attribute>.train(False)`)?  Read from the
        text: a yes only keeps a finding back.  True when the project cannot be read whole."""
        path = os.path.abspath(path)
        scope = self._scope_of(path)
        files = self._import_words(scope)
        if not files and project_files(scope) is None:
            return True  # too many files to read (``MAX_PROJECT_FILES``): unknown
        self.index.consulted.add(TREE_DEPENDENCY + scope)
        key = (path, attribute, "switched", mentioning)
        if key not in self._answers:
            self._answers[key] = self._text_switches_mode(files, path, attribute, mentioning, reaching_only=True)
        return bool(self._answers[key])

    def pickled_module_kinds(self, path: str) -> "Tuple[bool, bool]":
        """(BatchNorm, dropout): what the whole modules that the other Python files of ``path``'s
        project pickle hold (`torch.save(model, "best.pt")` with `model` built there by a class or
        factory known to hold BN or dropout), each True only when every such pickled module the
        project's code reads as a model holds it.  A script that unpickles `torch.load("best.pt")`
        and runs it gets back one of them.  (False, False) when no file pickles a known model."""
        path = os.path.abspath(path)
        scope = self._scope_of(path)
        words = self._import_words(scope)
        if not words:
            return (False, False)
        self.index.consulted.add(TREE_DEPENDENCY + scope)
        key = (scope, "pickled")
        if key not in self._answers:
            saves = re.compile(rb"\bsave\s*\(")
            kinds: List[Tuple[bool, bool]] = []
            unknown = False
            in_train_mode = True
            for other in words:
                tree = self._caller_tree(other, saves)
                inv = self.index.inventory_for_path(other) if tree is not None else None
                if tree is None or inv is None:
                    continue
                for node in ast_nodes(tree):
                    if not (isinstance(node, ast.Call) and node.args) or _is_state_dict_call(node.args[0]):
                        continue  # (`torch.save(model.state_dict(), ...)`: tensors, no module)
                    if inv.resolve(dotted_name(node.func) or "") != "torch.save":
                        continue
                    bn = self._holds(other, tree, node, node.args[0], "bn")
                    dropout = not bn and self._holds(other, tree, node, node.args[0], "dropout")
                    if bn or dropout:
                        kinds.append((bn, dropout))
                        in_train_mode = in_train_mode and _never_switched(tree, node.args[0], inv, lambda call, o=other, t=tree, i=inv: self._may_switch_modes(o, t, i, call))
                        continue
                    values = _assigned_values(tree, node, node.args[0].id) if isinstance(node.args[0], ast.Name) else []
                    if values and all(isinstance(v, ast.Call) and not _is_state_dict_call(v) for v in values):
                        unknown = True  # a module of unknown content pickled too: what comes back is not known
            all_bn = bool(kinds) and not unknown and all(bn for bn, _ in kinds)
            all_mode_sensitive = bool(kinds) and not unknown
            self._answers[key] = (all_bn, all_mode_sensitive and not all_bn, bool(kinds) and in_train_mode)
        return self._answers[key][:2]

    def _may_switch_modes(self, caller_path: str, tree: ast.Module, inv: "ModuleInventory", call: ast.Call) -> bool:
        """May the function ``call`` runs leave a module it is handed in another mode?  A function
        of the file or of a project module: when it has a `.eval()` or `.train(...)` with an
        argument anywhere in it; a library's (`writer.add_graph(model, x)`, a method of an object
        a library built): no.  Anything not resolved: yes."""
        callee = dotted_name(call.func) or ""
        local = next((n for n in tree.body if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef)) and n.name == callee), None)
        if local is not None:
            return _switches_modes(local)
        head = callee.split(".")[0]
        qualified = inv.resolve(callee)
        if qualified.lstrip(".").split(".")[0] in THIRD_PARTY_ROOTS:
            return False
        if callee and self._target(caller_path, inv, callee) is not None:
            definition = self.index.definition(caller_path, qualified)
            fn = definition[2][0].get(definition[1]) if definition is not None else None
            return fn is None or _switches_modes(fn)
        if "." in callee and not inv.is_imported(head):
            # `writer.add_graph(model, x)`: a method of an object the file built with a library
            # class (`writer = SummaryWriter(...)`)
            built = [n.value for n in ast_nodes(tree) if isinstance(n, ast.Assign) and any(isinstance(t, ast.Name) and t.id == head for t in n.targets)]
            return not built or not all(
                isinstance(v, ast.Call) and inv.resolve(dotted_name(v.func) or "").lstrip(".").split(".")[0] in THIRD_PARTY_ROOTS for v in built
            )
        return True

    def pickled_in_train_mode(self, path: str) -> bool:
        """Were the whole modules of ``pickled_module_kinds`` all pickled in train mode, as built
        and trained: the pickling files never switch the pickled object's mode (`.eval()`,
        `.train(False)`) and hand it to nothing but `torch.save`, a wrapper and its optimizer (a
        `validate(model)` may put it in eval; the pickle keeps `training`)?"""
        if self.pickled_module_kinds(path) == (False, False):
            return False
        return self._answers[(self._scope_of(os.path.abspath(path)), "pickled")][2]

    def mode_switched_by_importers(self, path: str, attribute: str, class_name: str) -> bool:
        """Does a Python file of the project that imports ``class_name`` from ``path``'s module
        (its import statements name both) switch the mode of something named ``attribute``
        (`learner.model.eval()` in an inference script that builds the `Learner`)?"""
        path = os.path.abspath(path)
        scope = self._scope_of(path)
        module_word = os.path.splitext(os.path.basename(path))[0]
        if module_word == "__init__":
            module_word = os.path.basename(os.path.dirname(path))
        files = {p: words for p, words in self._import_words(scope).items() if class_name in words and module_word in words}
        self.index.consulted.add(TREE_DEPENDENCY + scope)
        key = (path, attribute, "switched-by-importers", class_name)
        if key not in self._answers:
            self._answers[key] = self._text_switches_mode(files, path, attribute)
        return bool(self._answers[key])

    def class_built_by_importers(self, path: str, class_name: str) -> bool:
        """Does a Python file of the project that imports ``path``'s module build an instance of its
        class ``class_name`` (`ClassName(` in its text)?  True when the project cannot be read whole."""
        path = os.path.abspath(path)
        scope = self._scope_of(path)
        module_word = os.path.splitext(os.path.basename(path))[0]
        if module_word == "__init__":
            module_word = os.path.basename(os.path.dirname(path))
        words = self._import_words(scope)
        if not words and project_files(scope) is None:
            return True
        self.index.consulted.add(TREE_DEPENDENCY + scope)
        key = (path, class_name, "built-by-importers", None)
        if key not in self._answers:
            built = re.compile(rb"\b" + re.escape(class_name.encode()) + rb"\s*\(")
            found = False
            for other, other_words in words.items():
                if other == path or module_word not in other_words:
                    continue  # (`from trainer import *` names no class: the module is enough)
                try:
                    with open(other, "rb") as fh:
                        found = built.search(fh.read()) is not None
                except OSError:
                    continue
                if found:
                    break
            self._answers[key] = found
        return bool(self._answers[key])

    @staticmethod
    def _text_switches_mode(files, path: str, attribute: str, mentioning: "Optional[str]" = None, reaching_only: bool = False) -> bool:
        """Does the text of a file other than ``path`` switch the mode of something named
        ``attribute``?  ``reaching_only``: not where every such switch, read in the code, is on a
        throwaway object (``_switches_only_throwaway_objects``)."""
        switch = re.compile(rb"\b" + re.escape(attribute.encode()) + rb"\s*\.\s*(?:eval|train)\s*\(")
        word = re.compile(rb"\b" + re.escape(mentioning.encode()) + rb"\b") if mentioning else None
        for other in files:
            if other == path:
                continue
            try:
                with open(other, "rb") as fh:
                    text = fh.read()
            except OSError:
                continue
            if switch.search(text) and (word is None or word.search(text)):
                if not (reaching_only and _switches_only_throwaway_objects(text, attribute)):
                    return True
        return False

    def _scope_of(self, path: str) -> str:
        """The project folder whose files may call into ``path`` (``project_scope``), per folder."""
        folder = os.path.dirname(path)
        scope = self._scopes.get(folder)
        if scope is None:
            scope = self._scopes[folder] = project_scope(path, self.index.root)
        return scope

    def _import_words(self, scope: str) -> Dict[str, Tuple[str, ...]]:
        """Per Python file of ``scope``: the words of its import statements (module path parts and
        imported names), read once per index.  A caller of `utils/fit.py`'s `fit_one_epoch`
        names `fit` or `fit_one_epoch` there (`from utils.fit import fit_one_epoch`, `import
        utils.fit as f`, `from utils import fit_one_epoch` through a re-export)."""
        words = self._words.get(scope)
        if words is None:
            words = self._words[scope] = {}
            for caller_path, _mtime, size in project_files(scope) or ():
                if size > 2_000_000:
                    continue
                try:
                    with open(caller_path, "rb") as fh:
                        text = fh.read().decode("utf-8", "replace")
                except OSError:
                    continue
                found: Set[str] = set()
                for _level, module, names in imported_modules(text):
                    found.update(module.split("."))
                    found.update(names)
                words[caller_path] = tuple(sorted(found))
        return words

    def _call_sites(self, scope: str, path: str, name: str, position: int, keyword: str):
        module_word = os.path.splitext(os.path.basename(path))[0]
        if module_word == "__init__":
            module_word = os.path.basename(os.path.dirname(path))
        word = re.compile(rb"\b" + re.escape(name.encode()) + rb"\s*\(")
        for caller_path, imported in self._import_words(scope).items():
            if caller_path == path or (name not in imported and module_word not in imported):
                continue
            tree = self._caller_tree(caller_path, word)
            inv = self.index.inventory_for_path(caller_path) if tree is not None else None
            if tree is None or inv is None:
                continue
            for node in ast_nodes(tree):
                if not isinstance(node, ast.Call):
                    continue
                callee = dotted_name(node.func)
                if not callee or callee.rsplit(".", 1)[-1] != name or self._target(caller_path, inv, callee) != (path, name):
                    continue
                positional = [a for a in node.args]
                argument = None
                if any(isinstance(a, ast.Starred) for a in positional[: position + 1]):
                    continue
                if position < len(positional):
                    argument = positional[position]
                for kw in node.keywords:
                    if kw.arg == keyword:
                        argument = kw.value
                if argument is not None:
                    yield caller_path, node, argument, tree

    def _caller_tree(self, caller_path: str, call: "re.Pattern[bytes]") -> Optional[ast.Module]:
        """The ``ast`` of a file whose text calls the name (``call`` matches `name(`), parsed for
        this question only: a framework's modules import one another everywhere, and keeping
        every tree read for a caller cost gigabytes there."""
        try:
            with open(caller_path, "rb") as fh:
                data = fh.read()
        except OSError:
            return None
        if not call.search(data):
            return None
        from bnlint.py2 import parse_leniently

        try:
            return parse_leniently(data)
        except (SyntaxError, ValueError, RecursionError, MemoryError):
            return None

    def _target(self, caller_path: str, inv: "ModuleInventory", callee: str) -> Optional[Tuple[str, str]]:
        """The (module path, name) of the definition that ``callee`` names in ``caller_path``."""
        key = (caller_path, callee)
        if key not in self._resolved:
            target = None
            head = callee.split(".")[0]
            if inv.is_imported(head) and head not in inv.classes and head not in inv.functions:
                found = self.index.definition(caller_path, inv.resolve(callee))
                if found is not None:
                    target = (found[0], found[1])
            self._resolved[key] = target
        return self._resolved[key]

    def _table_holds(self, caller_path: str, inv: "ModuleInventory", table: str, kind: str) -> bool:
        """A model picked from the dict of factories ``table`` (`get_model_from_name[backbone](...)`,
        the dict of this module or imported from a project module): every factory in it builds a
        model with BatchNorm or dropout, and one builds ``kind`` (BatchNorm: some configurations
        hold it; "dropout": none holds BatchNorm)."""
        module_path, values = caller_path, inv.tables.get(table)
        if values is None and inv.is_imported(table):
            for candidate, attr in self.index._candidate_modules(caller_path, inv.resolve(table)):
                source = self.index.inventory_for_path(candidate)
                if source is not None and "." not in attr:
                    inv, module_path, values = source, os.path.abspath(candidate), source.tables.get(attr)
                break
        if not values:
            return False
        bn = [callable_holds_bn(inv, v, module_path, self.index) for v in values]
        sensitive = all(b or callable_holds_dropout(inv, v, module_path, self.index) for b, v in zip(bn, values))
        return sensitive and (any(bn) if kind == "bn" else not any(bn))

    def _holds(self, caller_path: str, tree: ast.Module, call: ast.Call, value: ast.AST, kind: str) -> bool:
        """Does ``value`` (an expression at ``call`` in ``caller_path``) evaluate to a model holding ``kind``?"""
        inv = self.index.inventory_for_path(caller_path)
        if inv is None:
            return False
        for built in self._built_from(caller_path, tree, call, value, inv):
            if built is None:
                continue
            callee = dotted_name(built.func)
            table = None if callee else table_call_name(built.func)
            if table is not None and table.endswith(TABLE_SUFFIX):
                if self._table_holds(caller_path, inv, table[: -len(TABLE_SUFFIX)], kind):
                    return True
            elif kind == "bn":
                if self.index._bn_answer(inv, caller_path, built):
                    return True
            elif (callee or table) and callable_holds_dropout(inv, callee or table, caller_path, self.index):
                return True
        return False

    def _built_from(self, caller_path: str, tree: ast.Module, call: ast.Call, value: ast.AST, inv: "ModuleInventory", depth: int = 0):
        """The constructor or factory calls ``value`` (at ``call``) may evaluate to: through
        `.to()`/`.cuda()`/`.train()`..., `.module`, wrappers (DataParallel, SyncBN conversion), copies
        (`copy.deepcopy`) and
        every plain binding of a name in the caller's scope; None for a value that is none of these."""
        if depth > 6:
            yield None
            return
        while isinstance(value, ast.Call) and isinstance(value.func, ast.Attribute) and value.func.attr in _KEEPS_MODEL:
            value = value.func.value
        if isinstance(value, ast.Attribute) and value.attr == "module":
            yield from self._built_from(caller_path, tree, call, value.value, inv, depth + 1)
        elif isinstance(value, ast.Name):
            bound = _assigned_values(tree, call, value.id)
            if not bound:
                yield None
            for v in bound:
                yield from self._built_from(caller_path, tree, call, v, inv, depth + 1)
        elif isinstance(value, ast.Call):
            callee = dotted_name(value.func)
            if callee and value.args and (inv.resolve(callee) in MODULE_WRAPPERS or callee.rsplit(".", 1)[-1] in _WRAPPER_TAILS or inv.resolve(callee) in COPY_CALLS):
                # (`copy.deepcopy(model)`: a copy of the same layers)
                yield from self._built_from(caller_path, tree, call, value.args[0], inv, depth + 1)
            elif callee and inv.resolve(callee) == "torch.nn.Sequential" and value.args and not any(isinstance(a, ast.Starred) for a in value.args):
                # `nn.Sequential(net)`, `nn.Sequential(backbone, head)`: the modules it is given
                for part in value.args:
                    yield from self._built_from(caller_path, tree, call, part, inv, depth + 1)
            else:
                yield value
        else:
            yield None


def _is_mode_switch(node: ast.AST) -> bool:
    """`x.eval()`, `x.train(False)`, `x.train(mode)`: a call that may leave a module in eval."""
    return (
        isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
        and (node.func.attr == "eval" or (node.func.attr == "train" and bool(node.args or node.keywords)))
    )


def _switches_modes(fn: ast.AST) -> bool:
    """Has ``fn`` a mode switch anywhere in it?"""
    return any(_is_mode_switch(n) for n in ast_nodes(fn))


def _never_switched(tree: ast.Module, saved: ast.AST, inv: "ModuleInventory", may_switch: "Any") -> bool:
    """Is the object ``saved`` names (a plain name) left in the mode it was built in by its
    file: no mode switch of it (or of its parts), and the name handed to no call that
    ``may_switch`` (`validate(model)` with a `model.eval()` in it may put it in eval; `torch.save`,
    a wrapper, an optimizer's constructor and a library's function do not)?"""
    # (`torch.save(nn.Sequential(net), path)`: the name inside a wrapper that keeps its mode.)
    while isinstance(saved, ast.Call) and len(saved.args) == 1 and _keeps_mode(inv.resolve(dotted_name(saved.func) or "")):
        saved = saved.args[0]
    if not isinstance(saved, ast.Name):
        return False
    for node in ast_nodes(tree):
        if not isinstance(node, ast.Call):
            continue
        func = node.func
        if _is_mode_switch(node) and (dotted_name(func.value) or "").split(".")[0] == saved.id:  # type: ignore[attr-defined]
            return False  # `net.eval()`, `net.backbone.eval()`
        callee = inv.resolve(dotted_name(func) or "")
        handed = any(isinstance(a, ast.Name) and a.id == saved.id for a in list(node.args) + [k.value for k in node.keywords])
        if handed and callee != "torch.save" and not callee.startswith("torch.optim.") and not _keeps_mode(callee) and may_switch(node):
            return False
    return True


def _keeps_mode(callee: str) -> bool:
    """A wrapper built around a module that keeps its mode (`nn.Sequential(net)`, `DataParallel`)."""
    return callee == "torch.nn.Sequential" or callee in MODULE_WRAPPERS


def _is_state_dict_call(value: ast.AST) -> bool:
    """`model.state_dict()`, `model.state_dict().copy()`: a dict of tensors, no module."""
    while isinstance(value, ast.Call) and isinstance(value.func, ast.Attribute) and value.func.attr == "copy":
        value = value.func.value
    return isinstance(value, ast.Call) and isinstance(value.func, ast.Attribute) and value.func.attr == "state_dict"


def _shown(expr: ast.AST) -> str:
    """An argument as the message quotes it (a long one cut short)."""
    text = " ".join(ast.unparse(expr).split())
    return text if len(text) <= 40 else text[:37] + "..."


def _assigned_values(tree: ast.Module, at: ast.AST, name: str) -> List[ast.AST]:
    """Values assigned to ``name`` in the function around ``at`` (or the module's own code when it
    is at the top level, or when the function does not bind the name)."""
    functions = getattr(tree, "_bnlint_functions", None)
    if functions is None:  # (asked for many arguments of one module: its functions listed once)
        functions = [node for node in ast_nodes(tree) if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef))]
        tree._bnlint_functions = functions  # type: ignore[attr-defined]
    scope: ast.AST = tree
    for node in functions:
        if node.lineno <= at.lineno <= (node.end_lineno or node.lineno):
            if scope is tree or node.lineno >= scope.lineno:  # type: ignore[attr-defined]
                scope = node  # the innermost
    values = _assignments(scope, name)
    if scope is not tree and not values and not any(a.arg == name for a in _arguments(scope)):
        values = _assignments(tree, name)
    return values


def _arguments(fn: ast.AST) -> List[ast.arg]:
    args = fn.args  # type: ignore[attr-defined]
    return [*args.posonlyargs, *args.args, *args.kwonlyargs]


def _assignments(scope: ast.AST, name: str) -> List[ast.AST]:
    """The values assigned to ``name`` in ``scope``'s own code (not in nested functions or classes);
    every name's, indexed on the scope node at the first question."""
    index: Optional[Dict[str, List[ast.AST]]] = getattr(scope, "_bnlint_assignments", None)
    if index is None:
        index = {}
        todo = list(scope.body)  # type: ignore[attr-defined]
        while todo:
            node = todo.pop()
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Lambda)):
                continue  # their own scopes
            if isinstance(node, ast.Assign):
                for target in node.targets:
                    if isinstance(target, ast.Name):
                        index.setdefault(target.id, []).append(node.value)
                    elif isinstance(target, (ast.Tuple, ast.List)) and isinstance(node.value, (ast.Tuple, ast.List)):
                        for t, v in zip(target.elts, node.value.elts):
                            if isinstance(t, ast.Name):
                                index.setdefault(t.id, []).append(v)
            elif isinstance(node, ast.AnnAssign) and node.value is not None and isinstance(node.target, ast.Name):
                index.setdefault(node.target.id, []).append(node.value)
            todo.extend(ast.iter_child_nodes(node))
        scope._bnlint_assignments = index  # type: ignore[attr-defined]
    return list(index.get(name, ()))


def trained_parameters(tree: ast.Module) -> List[Tuple[str, str, int]]:
    """The parameters whose content a caller in another module may decide and that the module's
    own code puts in train mode, as (callee, parameter, position among the positional parameters
    after `self`; a large number for keyword-only ones): a parameter of a top-level function
    that calls `<parameter>.train()` (on it or on an attribute of it), and an `__init__`
    parameter of a top-level class that stores it in `self.<attr>` (as it is, or moved with
    `.to()`/`.cuda()`) where a method of the class calls `self.<attr>.train()`."""
    out: List[Tuple[str, str, int]] = []
    for node in tree.body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            trained = {root.split(".")[0] for root in (_train_receiver(n) for n in ast_nodes(node)) if root}
            out.extend((node.name, p, i) for p, i in _positions(node, False).items() if p in trained)
        elif isinstance(node, ast.ClassDef):
            init = next((n for n in node.body if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef)) and n.name == "__init__"), None)
            if init is None:
                continue
            trained_attrs = {root[len("self."):] for root in (_train_receiver(n) for n in ast_nodes(node)) if root and root.startswith("self.") and root.count(".") == 1}
            positions = _positions(init, True)
            for stmt in ast_nodes(init):
                if isinstance(stmt, ast.Assign) and len(stmt.targets) == 1:
                    target, value = stmt.targets[0], stmt.value
                    while isinstance(value, ast.Call) and isinstance(value.func, ast.Attribute) and value.func.attr in ("to", "cuda", "cpu", "float", "half", "double"):
                        value = value.func.value
                    if (
                        isinstance(target, ast.Attribute) and isinstance(target.value, ast.Name) and target.value.id == "self"
                        and target.attr in trained_attrs and isinstance(value, ast.Name) and value.id in positions
                    ):
                        out.append((node.name, value.id, positions[value.id]))
    return out


def _train_receiver(node: ast.AST) -> Optional[str]:
    """`x.train()` / `x.y.train(True)` -> "x" / "x.y"."""
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "train":
        return dotted_name(node.func.value)
    return None


def _positions(fn: ast.AST, method: bool) -> Dict[str, int]:
    args = fn.args  # type: ignore[attr-defined]
    positional = [a.arg for a in [*args.posonlyargs, *args.args]]
    if method and positional and positional[0] in ("self", "cls"):
        positional = positional[1:]
    out = {name: i for i, name in enumerate(positional)}
    out.update((a.arg, 1 << 20) for a in args.kwonlyargs)
    return out


def has_caller_evidence(tree: ast.Module, path: Optional[str], index: "ProjectIndex") -> bool:
    """Does a caller in another project module hand one of ``trained_parameters`` a model with
    BatchNorm or dropout?  (The prefilter's question for ``Rule.caller_evidence``.)"""
    if not path or not path.endswith(".py"):
        return False
    return any(index.argument_evidence(path, callee, position, name) is not None for callee, name, position in trained_parameters(tree))


_MODE_SWITCHES = ("eval", "train")
_TRAINING_STEPS = frozenset({"backward", "manual_backward"}) | OPTIMIZER_STEP_METHODS


def _switches_only_throwaway_objects(text: bytes, attribute: str) -> bool:
    """Is every `<...attribute>.eval()` / `.train(...)` in this module's code on an object that no
    other code can see and that nothing trains: a local of a function that builds it there, never
    hands it on (not returned, passed, stored or aliased; only its methods are called and it is
    called), in a function with no `backward()`/`step()` (`model = Net(); model.teacher.eval();
    print(model(x).shape)` in a shape-printing script)?  A switch in a comment or a string is no
    switch.  A module that does not parse: no (the text's answer stands)."""
    try:
        tree = ast.parse(text)
    except (SyntaxError, ValueError):
        return False
    ends_with_attribute = re.compile(r"\b" + re.escape(attribute) + r"$")
    parents: Dict[ast.AST, ast.AST] = {}
    for node in ast_walk(tree):
        for child in ast.iter_child_nodes(node):
            parents[child] = node
    for node in ast_walk(tree):
        if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr in _MODE_SWITCHES):
            continue
        if not ends_with_attribute.search(ast.unparse(node.func.value).replace(" ", "")):
            continue
        if not _throwaway_receiver(node.func.value, parents):
            return False
    return True


def _throwaway_receiver(receiver: ast.AST, parents: "Dict[ast.AST, ast.AST]") -> bool:
    root = receiver
    while isinstance(root, (ast.Attribute, ast.Subscript, ast.Call)):
        root = root.func if isinstance(root, ast.Call) else root.value
    if not isinstance(root, ast.Name):
        return False
    fn = parents.get(receiver)
    while fn is not None and not isinstance(fn, (ast.FunctionDef, ast.AsyncFunctionDef)):
        fn = parents.get(fn)
    if fn is None:
        return False  # a module's top level: its names are anyone's
    name = root.id
    arguments = fn.args
    if name in {a.arg for a in arguments.posonlyargs + arguments.args + arguments.kwonlyargs} | {a.arg for a in (arguments.vararg, arguments.kwarg) if a}:
        return False
    built_here = False
    for node in ast_walk(fn):
        if isinstance(node, (ast.Global, ast.Nonlocal)) and name in node.names:
            return False
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr in _TRAINING_STEPS:
            return False  # it trains something here: the switch may be what keeps that training right
        if isinstance(node, ast.Assign) and any(isinstance(t, ast.Name) and t.id == name for t in node.targets):
            if not isinstance(node.value, ast.Call):
                return False  # an alias or a value of unknown origin
            built_here = True
        elif isinstance(node, ast.Name) and node.id == name:
            if isinstance(node.ctx, ast.Store):
                if not (isinstance(parents.get(node), ast.Assign)):
                    return False  # bound by a loop, a `with`, an unpacking: not built here
            elif not _only_used_through_calls(node, parents):
                return False
    return built_here


def _only_used_through_calls(name: ast.Name, parents: "Dict[ast.AST, ast.AST]") -> bool:
    """Is this read of a name the object a call runs (`m(x)`), or the start of an attribute chain
    that ends in a call of one of its methods (`m.teacher.eval()`), and nothing else?"""
    node: ast.AST = name
    while True:
        parent = parents.get(node)
        if isinstance(parent, ast.Attribute) and parent.value is node:
            node = parent
            continue
        return isinstance(parent, ast.Call) and parent.func is node
