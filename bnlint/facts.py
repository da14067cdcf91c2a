"""Shared facts about one module, asked for by rules over its libcst tree.

The engine fills the parent map and the definition tables during its single
traversal; the import aliases and "which names hold BatchNorm" answers come
from the ast-based :mod:`bnlint.inventory` (this file and, lazily, the
project modules it imports).
"""
from __future__ import annotations

from _thread import _local as _ThreadLocal  # threading.local itself, without importing threading

import libcst as cst

from bnlint.astwalk import walk as ast_walk
from bnlint import inventory as inv_mod
from bnlint.eval_names import EVAL_FUNCTION_WORDS, is_eval_function_name  # noqa: F401 (the rules import them from here)
from bnlint.inventory import BN_TRUNKS, ModuleInventory, ProjectIndex  # noqa: F401 (BN_TRUNKS: modes imports it from here)
from bnlint.patterns import lazy

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing (a few ms of every start)
if TYPE_CHECKING:  # pragma: no cover
    from typing import Any, Callable, Dict, FrozenSet, Iterator, List, Optional, Sequence, Set, Tuple, Type, TypeVar, Union

    N = TypeVar("N", bound="cst.CSTNode")

NO_GRAD_CONTEXTS = {
    "torch.no_grad",
    "torch.inference_mode",
    "torch.autograd.no_grad",
    "torch.autograd.grad_mode.no_grad",
    "torch.autograd.grad_mode.inference_mode",
    "torch.set_grad_enabled",  # only with a False argument; checked by callers
}


def dotted(node: cst.CSTNode) -> Optional[str]:
    """``a.b.c`` for a Name/Attribute chain, else None."""
    parts: List[str] = []
    while type(node) is cst.Attribute:  # exact types: isinstance against libcst's ABCs is slow
        parts.append(node.attr.value)
        node = node.value
    if type(node) is cst.Name:
        parts.append(node.value)
        return ".".join(reversed(parts))
    return None


def callee_dotted(func: cst.BaseExpression) -> Optional[str]:
    """The dotted name of what is called: ``dotted(func)``, and for a factory picked from a table
    by name the table, as ``inventory.table_call_name`` spells it on the ``ast``:
    `models.__dict__[arch]` and `getattr(models, arch)` -> `models.__dict__`; `MODELS[name]` and
    `MODELS.get(name)` -> `MODELS[]`."""
    name = dotted(func)
    if name is not None:
        return name
    if type(func) is cst.Subscript:
        table = dotted(func.value)
        if table is not None:
            key = func.slice[0].slice.value if len(func.slice) == 1 and type(func.slice[0].slice) is cst.Index else None
            if table.endswith(".__dict__") and type(key) is cst.SimpleString and str(key.evaluated_value).isidentifier():
                return table[: -len("__dict__")] + str(key.evaluated_value)  # `models.__dict__["lavt"]`: `models.lavt`
            return table if table.endswith(".__dict__") else table + inv_mod.TABLE_SUFFIX
    elif type(func) is cst.Call and func.args and all(a.keyword is None and not a.star for a in func.args):
        inner = dotted(func.func)
        if inner == "getattr" and len(func.args) == 2:
            module = dotted(func.args[0].value)
            key = func.args[1].value
            if module and type(key) is cst.SimpleString and str(key.evaluated_value).isidentifier():
                return f"{module}.{key.evaluated_value}"  # `getattr(models, "resnet50")`
            return f"{module}.__dict__" if module else None
        if inner and inner.endswith(".get") and len(func.args) == 1:
            return inner[: -len(".get")] + inv_mod.TABLE_SUFFIX
    return None


# Norm layers with running statistics that are no BatchNorm (`track_running_stats=False` on them
# says nothing about BN).
_OTHER_NORMS = frozenset({"InstanceNorm1d", "InstanceNorm2d", "InstanceNorm3d", "LazyInstanceNorm1d", "LazyInstanceNorm2d", "LazyInstanceNorm3d"})


def argparse_dests(call: cst.Call) -> "Set[str]":
    """The ``dest`` of an ``add_argument`` call: its ``dest=``, else its first long option (or first name)."""
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
    return dests


def number_value(node: cst.BaseExpression) -> Optional[float]:
    """The value of a numeric literal (``0``, ``0.0``, ``-0.``, ``1e-1``), else None."""
    sign = 1.0
    while isinstance(node, cst.UnaryOperation) and isinstance(node.operator, (cst.Minus, cst.Plus)):
        if isinstance(node.operator, cst.Minus):
            sign = -sign
        node = node.expression
    if isinstance(node, (cst.Integer, cst.Float)):
        try:
            return sign * float(node.evaluated_value)
        except (ValueError, OverflowError):
            return None
    return None


def call_arg(call: cst.Call, keyword: str, position: Optional[int] = None) -> Optional[cst.Arg]:
    for arg in call.args:
        if arg.keyword is not None and arg.keyword.value == keyword:
            return arg
    if position is not None:
        positional = [a for a in call.args if a.keyword is None and not a.star]
        if len(positional) > position:
            return positional[position]
    return None


class Facts:
    """Facts about one module; one instance per linted file, shared by all rules."""

    def __init__(self, module: cst.Module, inventory: ModuleInventory, index: ProjectIndex, path: Optional[str]) -> None:
        self.module = module
        self.inventory = inventory
        self.index = index
        self.path = path
        # Filled by the engine's traversal:
        self.parents: Dict[cst.CSTNode, cst.CSTNode] = {}
        self.functions: List[cst.FunctionDef] = []
        self.classes: List[cst.ClassDef] = []
        self.calls: List[cst.Call] = []
        self._holds_cache: Dict[Tuple[int, int], bool] = {}
        # node -> children in visit order, filled by the engine's traversal
        self.children_map: Dict[cst.CSTNode, List[cst.CSTNode]] = {}
        self._ema_targets: Optional[FrozenSet[str]] = None
        self._top_level: Optional[Dict[int, int]] = None  # id(top-level statement) -> its index (``top_level_index``)
        self._tta: Optional[bool] = None  # ``test_time_adaptation``
        self._factory_name_params: Dict[int, Tuple[cst.ClassDef, Tuple[str, ...]]] = {}  # ``factory_name_parameters``
        self._aliases_of_functions: Optional[Dict[str, Set[str]]] = None  # ``_function_aliases``
        self._name_assignments: Optional[List[Tuple[str, cst.BaseExpression]]] = None
        # id(scope) -> (scope, name -> values); the scope is kept so that its id stays its own
        self._scope_assignments: Dict[int, Tuple[cst.CSTNode, Dict[str, List[cst.BaseExpression]]]] = {}
        self._scope_binding_statements: Dict[int, Tuple[cst.CSTNode, Dict[str, List[cst.CSTNode]]]] = {}
        self._code: Dict[cst.CSTNode, str] = {}  # ``code_of``

    def code_of(self, node: "cst.CSTNode") -> str:
        """The source text of ``node`` (libcst's ``code_for_node`` runs the code generator over the
        whole subtree each time; the analysis asks again for the same node from every root)."""
        code = self._code.get(node)
        if code is None:
            code = self._code[node] = self.module.code_for_node(node)
        return code

    # --- fast traversal over the parsed tree ---------------------------------
    def children_of(self, node: "cst.CSTNode") -> List["cst.CSTNode"]:
        """``node.children`` from the engine's traversal (libcst's property re-visits the node each time)."""
        kids = self.children_map.get(node)
        if kids is not None:
            return kids
        return list(node.children)  # a node built by a rule, not part of the tree

    def iter_nodes(self, node: "cst.CSTNode") -> Iterator["cst.CSTNode"]:
        """Pre-order walk of ``node`` and its descendants, like :func:`walk`, but cheap."""
        stack: List[cst.CSTNode] = [node]
        children_of = self.children_of
        while stack:
            cur = stack.pop()
            yield cur
            stack.extend(reversed(children_of(cur)))

    # --- names ---------------------------------------------------------------
    def qualified(self, node: cst.CSTNode) -> Optional[str]:
        """Qualified name of a Name/Attribute through the module's imports (``nn.X`` -> ``torch.nn.X``)."""
        name = dotted(node)
        if name is None:
            return None
        return self.inventory.resolve(name)

    def callee(self, call: cst.Call) -> Optional[str]:
        return self.qualified(call.func)

    def chosen_callee(self, func: cst.BaseExpression) -> Optional[str]:
        """``callee_dotted``, with a factory picked from a module by an option
        (`getattr(models, args.arch)`, `models.__dict__[args.arch]`) read as the one the option's
        argparse default names (`models.resnet50`): what runs when the program runs as written."""
        name = callee_dotted(func)
        if name is None or not name.endswith(".__dict__"):
            return name
        key: Optional[cst.BaseExpression] = None
        if type(func) is cst.Subscript and len(func.slice) == 1 and type(func.slice[0].slice) is cst.Index:
            key = func.slice[0].slice.value
        elif type(func) is cst.Call and len(func.args) == 2:
            key = func.args[1].value
        chosen = self.option_default(key) if key is not None else None
        if not (chosen and chosen.isidentifier()):
            return name
        picked = name[: -len("__dict__")] + chosen
        # Only a name the namespace has (a known factory, a definition of the project): a default
        # that is a key of some other table (`ARCHS["resnet"]`) says nothing about this one.
        q = self.inventory.resolve(picked)
        known = inv_mod.factory_holds_bn(q) is not None or (self.path and self.index.definition(self.path, q) is not None)
        return picked if known else name

    def is_bn_class_ref(self, node: cst.CSTNode) -> bool:
        """Does ``node`` name a (train-mode capable) BatchNorm layer class?"""
        name = dotted(node)
        return name is not None and self.is_bn_class_name(name)

    def is_bn_class_name(self, name: str) -> bool:
        """``is_bn_class_ref`` for a dotted name of this module."""
        known = inv_mod.names_bn_class(self.inventory, name)
        if known is not None:
            return known
        q = self.inventory.resolve(name)
        if self.inventory.is_imported(name) and self.path and q.lstrip(".").split(".")[0] not in inv_mod.THIRD_PARTY_ROOTS:
            # A project class imported from elsewhere: a BN subclass counts; a BatchNorm written
            # by hand (its own running statistics and momentum convention) is no BN layer class.
            if not (self.index.holds_bn(self.path, q) and q.rsplit(".", 1)[-1].lower().find("norm") >= 0):
                return False
            found = self.index.class_definition(self.path, q)
            cls = found[4][found[1]] if found is not None else None
            return not (cls is not None and inv_mod.is_hand_written_bn(cls))
        return False

    def is_bn_constructor(self, call: cst.Call) -> bool:
        return self.is_bn_class_ref(call.func)

    def is_bn_function(self, call: cst.Call) -> bool:
        q = self.callee(call)
        return q in inv_mod.BN_FUNCTIONS or (q or "").endswith("functional.batch_norm")

    # --- tree navigation -------------------------------------------------------
    def parent(self, node: cst.CSTNode) -> Optional[cst.CSTNode]:
        return self.parents.get(node)

    def ancestors(self, node: cst.CSTNode) -> Iterator[cst.CSTNode]:
        cur = self.parents.get(node)
        while cur is not None:
            yield cur
            cur = self.parents.get(cur)

    def enclosing(self, node: cst.CSTNode, kind: Union[Type[N], Tuple[Type[cst.CSTNode], ...]]) -> Optional[N]:
        for anc in self.ancestors(node):
            if isinstance(anc, kind):
                return anc  # type: ignore[return-value]
        return None

    def enclosing_function(self, node: cst.CSTNode) -> Optional[cst.FunctionDef]:
        return self._enclosing_exact(node, cst.FunctionDef)

    def enclosing_class(self, node: cst.CSTNode) -> Optional[cst.ClassDef]:
        return self._enclosing_exact(node, cst.ClassDef)

    def _enclosing_exact(self, node: cst.CSTNode, kind: type):
        """``enclosing`` for a concrete node type, compared exactly (no ABC isinstance)."""
        parents = self.parents
        cur = parents.get(node)
        while cur is not None:
            if type(cur) is kind:
                return cur
            cur = parents.get(cur)
        return None

    def enclosing_statement(self, node: cst.CSTNode) -> Optional[cst.CSTNode]:
        """The statement (simple line or compound) that directly contains ``node``."""
        cur: Optional[cst.CSTNode] = node
        while cur is not None:
            if isinstance(cur, (cst.SimpleStatementLine, cst.BaseCompoundStatement)):
                return cur
            cur = self.parents.get(cur)
        return None

    def function_named(self, name: str, before: Optional[cst.CSTNode] = None) -> Optional[cst.FunctionDef]:
        """A module-level function by name (methods are looked up through their class).  Where the
        module defines it twice (a notebook's re-run cell), the later definition replaced the first;
        ``before``: the one in force when the module-level statement holding that node runs (the
        last definition above it), where there is one."""
        found = None
        in_force = None
        limit = self.top_level_index(before) if before is not None else None
        for fn in self.functions:
            if fn.name.value == name:
                owner = self.parent_of_def(fn)
                if isinstance(owner, cst.Module):
                    found = fn
                    if limit is not None and self.top_level_index(fn) < limit:
                        in_force = fn
                elif found is None and not isinstance(owner, cst.ClassDef):
                    found = fn
        return in_force if in_force is not None else found

    def holds_bn_in_force(self, name: str, at: cst.CSTNode) -> Optional[bool]:
        """For a name the module defines more than once at top level, one definition with
        BatchNorm and one without (a notebook's comparison cells): whether the definition in force
        when the top-level statement holding ``at`` runs (the last one above it) builds BN; None
        for any other name, or where no definition is above it."""
        verdicts = self.inventory.definition_bn.get(name)
        if verdicts is None:
            # A class or function of the module that calls such a name (`SignClassifier` building
            # its layers with `convBlock(...)`, defined once without BN and again with it): it
            # builds BN where the definition of that name in force does.
            if not self.inventory.definition_bn:
                return None
            own = next((d for d in self.module.body if isinstance(d, (cst.ClassDef, cst.FunctionDef)) and d.name.value == name), None)
            if own is None:
                return None
            called = {n.func.value for n in walk(own) if isinstance(n, cst.Call) and isinstance(n.func, cst.Name)} & set(self.inventory.definition_bn)
            answers = [self.holds_bn_in_force(c, at) for c in called if c != name]
            return True if any(answers) else None
        defs = [d for d in self.module.body if isinstance(d, (cst.ClassDef, cst.FunctionDef)) and d.name.value == name]
        if len(defs) != len(verdicts):
            return None
        limit = self.top_level_index(at)
        above = [i for i, d in enumerate(defs) if self.top_level_index(d) < limit]
        return verdicts[above[-1]] if above else None

    def top_level_index(self, node: cst.CSTNode) -> int:
        """The position, in the module's body, of the top-level statement holding ``node``."""
        if self._top_level is None:
            self._top_level = {id(stmt): i for i, stmt in enumerate(self.module.body)}
        cur: Optional[cst.CSTNode] = node
        while cur is not None:
            index = self._top_level.get(id(cur))
            if index is not None:
                return index
            cur = self.parents.get(cur)
        return len(self.module.body)

    def parent_of_def(self, node: cst.CSTNode) -> Optional[cst.CSTNode]:
        """The ClassDef/FunctionDef/Module a definition lives in."""
        for anc in self.ancestors(node):
            if isinstance(anc, (cst.ClassDef, cst.FunctionDef, cst.Module)):
                return anc
        return None

    def class_named(self, name: str) -> Optional[cst.ClassDef]:
        for c in self.classes:
            if c.name.value == name:
                return c
        return None

    def in_no_grad(self, node: cst.CSTNode) -> bool:
        """Inside ``with torch.no_grad()``/``inference_mode()`` or a function decorated with them."""
        for anc in self.ancestors(node):
            if isinstance(anc, cst.With):
                for item in anc.items:
                    if self.is_no_grad_expr(item.item):
                        return True
            elif isinstance(anc, cst.FunctionDef):
                for dec in anc.decorators:
                    if self.is_no_grad_expr(dec.decorator):
                        return True
        return False

    def is_no_grad_expr(self, expr: cst.BaseExpression) -> bool:
        target = expr.func if isinstance(expr, cst.Call) else expr
        q = self.qualified(target)
        if q not in NO_GRAD_CONTEXTS:
            return False
        if q == "torch.set_grad_enabled":
            if not isinstance(expr, cst.Call) or not expr.args:
                return False
            v = expr.args[0].value
            return isinstance(v, cst.Name) and v.value == "False"
        if q.endswith("inference_mode") and isinstance(expr, cst.Call) and expr.args:
            v = expr.args[0].value
            return not (isinstance(v, cst.Name) and v.value == "False")
        return True

    # --- which objects hold BatchNorm ----------------------------------------
    def class_holds_bn(self, name: str) -> bool:
        return inv_mod.callable_holds_bn(self.inventory, name, self.path, self.index)

    def class_holds_dropout(self, name: str) -> bool:
        return inv_mod.callable_holds_dropout(self.inventory, name, self.path, self.index)

    def is_lightning_class(self, cls: cst.ClassDef) -> bool:
        return cls.name.value in self.inventory.lightning_classes

    def expr_holds_bn(self, expr: cst.BaseExpression, scope: Optional[cst.CSTNode] = None, _depth: int = 0) -> bool:
        """Does evaluating ``expr`` give a module that contains BatchNorm?

        Follows constructors, known factories, wrappers (DataParallel,
        ``.to(device)``, ``torch.compile``), ``self.<attr>`` assignments in the
        class, and plain-name assignments in the enclosing scope.
        """
        if _depth > 12:
            return False
        key = (id(expr), id(scope))
        if key in self._holds_cache:
            return self._holds_cache[key]
        self._holds_cache[key] = False  # cycle guard
        result = self._expr_holds_bn(expr, scope if scope is not None else self.enclosing_function(expr) or self.module, _depth)
        self._holds_cache[key] = result
        return result

    def _expr_holds_bn(self, expr: cst.BaseExpression, scope: cst.CSTNode, depth: int) -> bool:
        if isinstance(expr, cst.Call):
            func = expr.func
            q = self.callee(expr)
            if q is not None and (q in inv_mod.MODULE_WRAPPERS or q.rsplit(".", 1)[-1] in ("DataParallel", "DistributedDataParallel", "DDP")):
                return bool(expr.args) and self.expr_holds_bn(expr.args[0].value, scope, depth + 1)
            if isinstance(func, cst.Attribute) and func.attr.value in inv_mod.MODULE_METHODS_RETURNING_SELF:
                if self.expr_holds_bn(func.value, scope, depth + 1):
                    return True
            if isinstance(func, cst.Attribute) and func.attr.value in ("children", "modules") and not expr.args:
                return self.expr_holds_bn(func.value, scope, depth + 1)  # the parts of a module with BN
            if (isinstance(func, cst.Name) and func.value in ("list", "tuple") and len(expr.args) == 1) or (
                q is not None and q.startswith("torch.nn.") and q.rsplit(".", 1)[-1] in ("Sequential", "ModuleList")
            ):
                # `nn.Sequential(*list(resnet.children())[:-1])`: the container holds those parts.
                if any(self.expr_holds_bn(a.value, scope, depth + 1) for a in expr.args):
                    return True
                if any(self.expr_holds_bn(part, scope, depth + 1) for part in self.parts_given_to(expr, scope)):
                    return True  # `net = nn.Sequential()`, `net.features = resnet34(...)`
            arg = call_arg(expr, "norm_layer")
            if arg is not None and not self.is_bn_class_ref(arg.value) and dotted(arg.value):
                return False  # resnet50(norm_layer=FrozenBatchNorm2d)
            name = self.chosen_callee(func)
            if name is not None:
                if self.is_bn_class_ref(func):
                    return True
                if self.named_without_bn(expr):
                    return False
                return self.class_holds_bn(name) or self.kept_argument_holds_bn(expr, name, scope, depth)
            return False
        if isinstance(expr, cst.Name):
            return self._name_holds_bn(expr.value, scope, depth, expr)
        if isinstance(expr, cst.Attribute):
            base = dotted(expr)
            if base and base.startswith("self."):
                return self._self_attr_holds_bn(expr, depth)
            if isinstance(expr.value, cst.Name) and expr.attr.value == "module":
                # model.module behind DataParallel/DDP
                return self.expr_holds_bn(expr.value, scope, depth + 1)
            return self.library_part_holds_bn(expr, scope)
        if isinstance(expr, cst.IfExp):
            return self.expr_holds_bn(expr.body, scope, depth + 1) or self.expr_holds_bn(expr.orelse, scope, depth + 1)
        if isinstance(expr, cst.Subscript) and all(isinstance(e.slice, cst.Slice) for e in expr.slice):
            # `list(resnet.children())[:-1]`: a slice of a module's parts (all but the head).
            return self.expr_holds_bn(expr.value, scope, depth + 1)
        if isinstance(expr, cst.Subscript) and len(expr.slice) == 1 and isinstance(expr.slice[0].slice, cst.Index):
            # `models[0]` of a list of models: what its elements hold.
            return self._element_holds_bn(expr.value, scope, depth + 1)
        return False

    def library_part_holds_bn(self, expr: cst.BaseExpression, scope: cst.CSTNode) -> bool:
        """`googlenet.conv1.bn`, `resnet.layer4`, `densenet.features.norm0`: a part of a library
        model with BatchNorm (a name bound, where ``expr`` reads it, to a known factory's model)
        that its layout names as a BatchNorm layer (`bn`, `bn1`, `norm0`) or as a trunk."""
        if not isinstance(expr, cst.Attribute):
            return False
        path = (dotted(expr) or "").split(".")
        if len(path) < 2 or not (_BN_LAYER_ATTR.match(path[-1]) or path[-1] in BN_TRUNKS):
            return False
        values = self.reaching_assignments(path[0], expr, scope) or (self.reaching_assignments(path[0], None, self.module) if scope is not self.module else [])
        return bool(values) and all(
            isinstance(v, cst.Call) and inv_mod.factory_holds_bn(self.callee(unmoved(v))) is True for v in values
        )

    def _element_holds_bn(self, container: cst.BaseExpression, scope: cst.CSTNode, depth: int) -> bool:
        """Does an element of the list ``container`` names hold BatchNorm?  Its literal
        (`[vgg11_bn(), vgg13_bn()]`), a comprehension (`[build(n) for n in names]`), or a call of a
        function of this file that returns a local list it filled (`models.append(model)`)."""
        if not isinstance(container, cst.Name) or depth > 8:
            return False
        values = self.assignments_to(container.value, scope) or (self.assignments_to(container.value, self.module) if scope is not self.module else [])
        for value in values:
            if self._list_value_holds_bn(value, scope, depth):
                return True
            if isinstance(value, cst.Call) and isinstance(value.func, cst.Name):
                fn = self.function_named(value.func.value, before=value)
                if fn is None:
                    continue
                for node in self.iter_nodes(fn):
                    if isinstance(node, cst.Return) and isinstance(node.value, cst.Name) and self.enclosing_function(node) is fn:
                        name = node.value.value
                        if any(self._list_value_holds_bn(v, fn, depth) for v in self.assignments_to(name, fn)):
                            return True
                        if any(
                            isinstance(c.func, cst.Attribute) and c.func.attr.value in ("append", "extend") and dotted(c.func.value) == name and c.args
                            and self.expr_holds_bn(c.args[0].value, fn, depth + 1)
                            for c in self.calls if self.enclosing_function(c) is fn
                        ):
                            return True
        return False

    def _list_value_holds_bn(self, value: cst.BaseExpression, scope: cst.CSTNode, depth: int) -> bool:
        if isinstance(value, (cst.List, cst.Tuple)):
            return any(isinstance(e, cst.Element) and self.expr_holds_bn(e.value, scope, depth + 1) for e in value.elements)
        if isinstance(value, cst.ListComp):
            return self.expr_holds_bn(value.elt, scope, depth + 1)
        return False

    def kept_argument_holds_bn(self, call: cst.Call, name: str, scope: cst.CSTNode, depth: int) -> bool:
        """`Detector(base)` of an `nn.Module` class of this file that keeps a constructor argument as
        a submodule (`self.backbone = base`): it holds what that argument holds."""
        import ast

        from bnlint.summaries import kept_parameters

        from bnlint.effects import is_module_class

        cls = self.inventory.classes.get(name) if call.args else None
        if not isinstance(cls, ast.ClassDef) or not is_module_class(cls, self.inventory.classes):
            return False  # (a plain class keeping a model, a trainer, is no module that holds it)
        init = next((n for n in cls.body if isinstance(n, ast.FunctionDef) and n.name == "__init__"), None)
        if init is None:
            return False
        params = [a.arg for a in init.args.args[1:]]
        for param in kept_parameters(init, params):
            arg = call_arg(call, param, params.index(param))
            if arg is not None and not arg.star and self.expr_holds_bn(arg.value, scope, depth + 1):
                return True
        return False

    def assignments_to(self, name: str, scope: cst.CSTNode) -> List[cst.BaseExpression]:
        """Values assigned to plain ``name`` in ``scope`` (a function, or the module incl. its top level)."""
        return list(self._assignments_in(scope).get(name, ()))

    def parts_given_to(self, container: cst.BaseExpression, scope: cst.CSTNode) -> List[cst.BaseExpression]:
        """`net = nn.Sequential()` then `net.features = resnet34(weights=...)` in ``scope``: the
        values a name bound once to ``container`` is given as attributes (``nn.Module.__setattr__``
        registers each module so as a submodule)."""
        assign = self.parent(container)
        if not (isinstance(assign, cst.Assign) and len(assign.targets) == 1 and isinstance(assign.targets[0].target, cst.Name)):
            return []
        name = assign.targets[0].target.value
        if len(self.assignments_to(name, scope)) != 1:
            return []
        return [
            node.value for node in _walk_scope(scope)
            if isinstance(node, cst.Assign) and any(
                isinstance(t.target, cst.Attribute) and isinstance(t.target.value, cst.Name) and t.target.value.value == name for t in node.targets
            )
        ]

    def reaching_assignments(self, name: str, at: Optional[cst.CSTNode], scope: cst.CSTNode) -> List[cst.BaseExpression]:
        """The values of ``assignments_to(name, scope)`` that can reach ``at``: from the last plain
        `name = value` that runs on every path to ``at`` (a statement before it in a block that
        holds it) on.  A name rebound to a new object (`net = alexnet()` after `net = ResNet()`)
        is that object from there.  All of them where there is no such statement, or ``at`` is in
        a function nested in ``scope`` (it runs when it is called, not where it is written)."""
        return self._reaching(self.assignments_to(name, scope), name, at, scope, _assigns_name)

    def reaching_bindings(self, name: str, at: Optional[cst.CSTNode], scope: cst.CSTNode) -> List[cst.CSTNode]:
        """The assignment statements of ``scope`` that bind ``name``, plainly or unpacked (`loss,
        out = net.loss(x, y)`), and can reach ``at``: ``reaching_assignments`` for statements."""
        statements = list(self._binding_statements_in(scope).get(name, ()))
        return self._reaching(statements, name, at, scope, lambda statement, bound: _binds_name(statement, bound))

    def _binding_statements_in(self, scope: cst.CSTNode) -> Dict[str, List[cst.CSTNode]]:
        """Every plain name's binding statements in ``scope`` (``_names_bound_by``), in source
        order: one walk per scope (BN001 asks about every name a training loop reads)."""
        found = self._scope_binding_statements.get(id(scope))
        if found is not None and found[0] is scope:
            return found[1]
        statements: Dict[str, List[cst.CSTNode]] = {}
        for node in _walk_scope(scope):
            if isinstance(node, (cst.Assign, cst.AnnAssign, cst.AugAssign)):
                for bound in _names_bound_by(node):
                    statements.setdefault(bound, []).append(node)
        self._scope_binding_statements[id(scope)] = (scope, statements)
        return statements

    def _reaching(self, found: List[Any], name: str, at: Optional[cst.CSTNode], scope: cst.CSTNode, kills: Callable[[cst.CSTNode, str], bool]) -> List[Any]:
        """Those of ``found`` (nodes in ``scope``) from the last statement before ``at`` that
        ``kills`` the name on every path to it (one in a block that holds ``at``) on."""
        if len(found) < 2 or at is None:
            return found
        cur: cst.CSTNode = at
        while cur is not scope:
            parent = self.parents.get(cur)
            if parent is None or isinstance(parent, (cst.FunctionDef, cst.ClassDef, cst.Lambda)):
                return found
            block = parent.body if isinstance(parent, (cst.Module, cst.IndentedBlock, cst.SimpleStatementLine)) else None
            if isinstance(block, (list, tuple)):
                index = next((i for i, st in enumerate(block) if st is cur), None)
                kill = next((i for i in range(index - 1, -1, -1) if kills(block[i], name)), None) if index is not None else None
                if kill is not None:
                    region = {id(st) for st in block[kill : index + 1]}
                    return [v for v in found if self._inside_any(v, region, scope)]
            cur = parent
        return found

    def _literal_bindings(self, name: str, at: cst.CSTNode, scope: cst.CSTNode) -> Optional[FrozenSet[object]]:
        """The literal values of the bindings of ``name`` that reach ``at`` in ``scope`` (a
        function's own, else the module's), or None when one is no literal, or the name is bound
        another way there (a loop variable, `with ... as`, `global`)."""
        own = scope is not self.module and self.binds_locally(scope, name)  # type: ignore[arg-type]
        where = scope if own else self.module
        values = self.reaching_assignments(name, at if own or scope is self.module else None, where)
        if not values or self._bound_otherwise(name, where):
            return None
        found = [literal_value(v) for v in values]
        return None if any(v is NOT_LITERAL for v in found) else frozenset(found)

    def _bound_otherwise(self, name: str, scope: cst.CSTNode) -> bool:
        """Is ``name`` bound in ``scope`` by anything but a plain assignment (a loop target,
        `with ... as`, an augmented assignment, `global`/`nonlocal` in a function of the module)?"""
        for n in self.iter_nodes(scope):
            if isinstance(n, (cst.For, cst.CompFor)) and name in {x.value for x in walk(n.target) if isinstance(x, cst.Name)}:
                return True
            if isinstance(n, cst.AsName) and name in {x.value for x in walk(n.name) if isinstance(x, cst.Name)}:
                return True
            if isinstance(n, cst.AugAssign) and isinstance(n.target, cst.Name) and n.target.value == name:
                return True
            if isinstance(n, (cst.Global, cst.Nonlocal)) and any(item.name.value == name for item in n.names):
                return True
            if isinstance(n, cst.NamedExpr) and isinstance(n.target, cst.Name) and n.target.value == name:
                return True
        return False

    def _inside_any(self, node: cst.CSTNode, ids: Set[int], scope: cst.CSTNode) -> bool:
        cur: Optional[cst.CSTNode] = node
        while cur is not None and cur is not scope:
            if id(cur) in ids:
                return True
            cur = self.parents.get(cur)
        return False

    def _assignments_in(self, scope: cst.CSTNode) -> Dict[str, List[cst.BaseExpression]]:
        """Every plain name's assigned values in ``scope``, in source order: one walk per scope
        (the mode analysis asks about a receiver at every method call)."""
        found = self._scope_assignments.get(id(scope))
        if found is not None and found[0] is scope:
            return found[1]
        values: Dict[str, List[cst.BaseExpression]] = {}
        body = scope.body if isinstance(scope, cst.Module) else getattr(scope, "body", None)
        if body is not None:
            for node in _walk_scope(scope):
                if isinstance(node, cst.Assign):
                    for t in node.targets:
                        if isinstance(t.target, cst.Name):
                            values.setdefault(t.target.value, []).append(node.value)
                        elif isinstance(t.target, (cst.Tuple, cst.List)) and isinstance(node.value, (cst.Tuple, cst.List)):
                            for te, ve in zip(t.target.elements, node.value.elements):
                                if isinstance(te.value, cst.Name):
                                    values.setdefault(te.value.value, []).append(ve.value)
                elif isinstance(node, cst.AnnAssign) and node.value is not None:
                    if isinstance(node.target, cst.Name):
                        values.setdefault(node.target.value, []).append(node.value)
        self._scope_assignments[id(scope)] = (scope, values)
        return values

    def is_store(self, node: cst.CSTNode) -> bool:
        """Is ``node`` (a name or subscript) written here: an assignment / `for` / `with` / `del` target?"""
        cur = node
        parent = self.parent(cur)
        while isinstance(parent, (cst.Element, cst.StarredElement, cst.Tuple, cst.List)):
            cur, parent = parent, self.parent(parent)
        if isinstance(parent, (cst.AssignTarget, cst.AugAssign, cst.AnnAssign, cst.For, cst.CompFor, cst.NamedExpr)):
            return parent.target is cur
        if isinstance(parent, cst.AsName):
            return parent.name is cur
        if isinstance(parent, (cst.FunctionDef, cst.ClassDef)):
            return parent.name is cur
        if isinstance(parent, cst.ImportAlias):
            return parent.asname is None and parent.name is cur
        return isinstance(parent, cst.Del)

    def binds_locally(self, scope: cst.CSTNode, name: str) -> bool:
        """Does the function (or lambda, class body) ``scope`` bind ``name`` as a local of its own
        (a parameter, or written in its own body without `global`/`nonlocal`)?"""
        if isinstance(scope, (cst.FunctionDef, cst.Lambda)) and name in params_of(scope):  # type: ignore[arg-type]
            return True
        local = False
        for node in _walk_scope(scope):
            if isinstance(node, (cst.Global, cst.Nonlocal)) and any(item.name.value == name for item in node.names):
                return False
            if isinstance(node, cst.Name) and node.value == name and not isinstance(self.parent(node), cst.CompFor) and self.is_store(node):
                local = True
        return local

    def ema_targets(self) -> FrozenSet[str]:
        """Names of the models whose parameters this file writes in place from another model's, in
        a loop over ``zip(student.parameters(), teacher.parameters())``: an EMA teacher or momentum
        encoder (DINO, BYOL, MoCo, mean teacher). Such a model is not a frozen pretrained model
        (its ``requires_grad = False`` only keeps autograd out), and running it in train mode under
        ``no_grad`` is the method, not a slip. Followed from a helper's parameter to the callers'
        arguments, and through plain aliases (``teacher_unwrapped = teacher.module``)."""
        if self._ema_targets is None:
            self._ema_targets = frozenset(_ema_targets(self))
        return self._ema_targets

    def caller_arguments(self, fn: cst.FunctionDef, param: str) -> List[cst.BaseExpression]:
        """What is passed for ``param`` where ``fn`` is called by name in this file (by position or
        keyword), and the receivers of ``x.apply(fn)``; for a constructor, `ClassName(...)` of its
        class is a call of it too."""
        names = params_of(fn)
        index = names.index(param) if param in names else -1
        if names and names[0] in ("self", "cls"):
            index -= 1
        owner = self.parent_of_def(fn) if fn.name.value == "__init__" else None
        constructed = owner.name.value if isinstance(owner, cst.ClassDef) else None
        names = {fn.name.value} | self._function_aliases().get(fn.name.value, set())
        out: List[cst.BaseExpression] = []
        for call in self.calls:
            func = call.func
            called = func.value if isinstance(func, cst.Name) else (func.attr.value if isinstance(func, cst.Attribute) else None)
            if called in names or (constructed is not None and called == constructed and not any(a.star for a in call.args)):
                positional = [a.value for a in call.args if a.keyword is None]
                if 0 <= index < len(positional):
                    out.append(positional[index])
                out.extend(a.value for a in call.args if a.keyword is not None and a.keyword.value == param)
            elif isinstance(func, cst.Attribute) and func.attr.value == "apply" and call.args and dotted(call.args[0].value) == fn.name.value:
                out.append(func.value)
        return out

    def _function_aliases(self) -> Dict[str, Set[str]]:
        """Function name -> the plain names bound to it (`run = pretrain` on a branch, or `run =
        pretrain if warm else finetune`, then `run(backbone, 3)`: a call of `pretrain`),
        computed once per file."""
        if self._aliases_of_functions is None:
            functions = {f.name.value for f in self.functions if isinstance(self.parent_of_def(f), cst.Module)}
            found: Dict[str, Set[str]] = {}
            for node in self.iter_nodes(self.module):
                if not isinstance(node, cst.Assign):
                    continue
                # `run = pretrain`, or one of two: `train_fn = fit_mil if mil else fit_hybrid`
                chosen = [node.value.body, node.value.orelse] if isinstance(node.value, cst.IfExp) else [node.value]
                for value in chosen:
                    if isinstance(value, cst.Name) and value.value in functions:
                        for t in node.targets:
                            if isinstance(t.target, cst.Name) and t.target.value not in functions:
                                found.setdefault(value.value, set()).add(t.target.value)
            self._aliases_of_functions = found
        return self._aliases_of_functions

    def imported_alias(self, name: str) -> Optional[str]:
        """`check = run_validation` with `run_validation` imported, the only binding of `check` in
        the file: the imported name a call of `check(...)` runs; else None."""
        table = self.__dict__.get("_imported_aliases")
        if table is None:
            values: Dict[str, cst.BaseExpression] = {}
            stores: Dict[str, int] = {}
            for node in self.iter_nodes(self.module):
                if isinstance(node, cst.Name) and self.is_store(node):
                    stores[node.value] = stores.get(node.value, 0) + 1
                elif isinstance(node, cst.Assign) and len(node.targets) == 1 and isinstance(node.targets[0].target, cst.Name):
                    values[node.targets[0].target.value] = node.value
            table = {
                alias: value.value for alias, value in values.items()
                if stores.get(alias) == 1 and isinstance(value, cst.Name) and self.inventory.is_imported(value.value)
            }
            self.__dict__["_imported_aliases"] = table
        return table.get(name)

    def option_default(self, expr: cst.BaseExpression) -> Optional[str]:
        """`args.arch` where this file parses its options with argparse: the string default of the
        one `add_argument` that stores into `arch` (`default="resnet50"`), the value the option
        has when the program runs as written (``option_value``); None otherwise."""
        if not (isinstance(expr, cst.Attribute) and isinstance(expr.value, cst.Name)):
            return None
        value = self.option_value(expr.attr.value)
        return value if isinstance(value, str) else None

    def string_values(self, expr: cst.BaseExpression) -> Optional[FrozenSet[str]]:
        """``static_values`` of ``expr`` when they are all strings (an architecture's name)."""
        values = self.static_values(expr)
        return values if values is not None and all(isinstance(v, str) for v in values) else None  # type: ignore[return-value]

    def static_values(self, expr: cst.BaseExpression, _depth: int = 0) -> Optional[FrozenSet[object]]:
        """The literal values (strings, numbers, booleans, None) ``expr`` may have when it runs,
        where this file decides them: a literal, a configuration class's constant
        (`CFG.model_name`), an option's default (`args.arch`), a name bound once to one of those,
        or a parameter of a function of this file, from what its callers here hand it (and its
        literal default, for a caller that leaves it out); None when anything else may decide it
        (a function no caller here calls, one called with an unknown value)."""
        value = literal_value(expr)
        if value is not NOT_LITERAL:
            return frozenset({value}) if isinstance(value, (str, int, float, bool, type(None))) else None
        if _depth > 3:
            return None
        if isinstance(expr, cst.Attribute):
            constant = self.class_constant(expr)
            if isinstance(constant, (str, int, float, bool, type(None))):
                return frozenset({constant})
            default = self.option_default(expr)
            return frozenset({default}) if default is not None else None
        if not isinstance(expr, cst.Name):
            return None
        fn = self.enclosing_function(expr)
        scope = fn if fn is not None else self.module
        values = self.assignments_to(expr.value, scope)
        if fn is not None and expr.value in params_of(fn):
            return None if values else self.parameter_values(fn, expr.value, _depth)  # (rebound in the body: unknown)
        if not values and fn is not None:
            values = self.assignments_to(expr.value, self.module)
        return self.static_values(values[0], _depth + 1) if len(values) == 1 else None

    def parameter_values(self, fn: cst.FunctionDef, name: str, _depth: int = 0) -> Optional[FrozenSet[object]]:
        """``static_values`` of the parameter ``name`` of ``fn``: what the calls of this file hand
        it, and its literal default (for a call that leaves it out); None when a call hands it
        something else, or nothing calls ``fn`` and it has no literal default."""
        handed = self.caller_arguments(fn, name)
        param = next(p for p in _all_params(fn) if p.name.value == name)
        default = literal_value(param.default) if param.default is not None else NOT_LITERAL
        if not handed and default is NOT_LITERAL:
            return None
        found: Set[object] = set() if default is NOT_LITERAL else {default}
        for argument in handed:
            more = self.static_values(argument, _depth + 1)
            if more is None:
                return None
            found |= more
        return frozenset(found)

    def collecting_list(self, call: cst.CSTNode) -> Optional[Tuple[cst.Name, cst.Call]]:
        """(the list's name, the collecting call) for a value collected into a list as a statement
        of its own, `outs.append(net(x))` or `outs.extend(net(x).split(2))`; else None."""
        for parent in self.ancestors(call):
            if isinstance(parent, cst.Call) and isinstance(parent.func, cst.Attribute) and parent.func.attr.value in ("append", "extend", "insert"):
                receiver = parent.func.value
                if isinstance(receiver, cst.Name) and isinstance(self.parent(parent), cst.Expr):
                    return receiver, parent
                return None
            if isinstance(parent, (cst.BaseSmallStatement, cst.BaseCompoundStatement, cst.FunctionDef, cst.Lambda)):
                return None
        return None

    def never_runs(self, node: cst.CSTNode) -> bool:
        """Is ``node`` on a branch of an `if` that never runs: its test is a literal (`if 0:`), or
        reads names that are
        - parameters of its function, with the values this file hands them (``static_values``,
          through callers that hand on their own parameters: `build(3, use_frozen_trunk)` with
          `use_frozen_trunk = False`, then `maybe_freeze(net, flag)`, then `if flag:`);
        - or names whose bindings that reach the `if` are all literals (`FREEZE = False` above it
          in the function, or a module constant)?
        Unknown values keep it running."""
        import ast
        import itertools

        from bnlint.effects import static_truth

        fn = self.enclosing_function(node)
        scope: cst.CSTNode = fn if fn is not None else self.module
        params = set(params_of(fn)) if fn is not None else set()
        child: cst.CSTNode = node
        for anc in self.ancestors(node):
            if anc is scope:
                return False
            if isinstance(anc, cst.If) and child is not anc.test and (child is anc.body or child is anc.orelse):
                choices = []
                # `if args.lr_decay > 0:` of an option this file parses: its default, as the program
                # runs as written (`args` itself is then not what is tested).
                options = self._tested_options(anc.test)
                heads = {name.split(".")[0] for name in options}
                choices.extend([(name, value)] for name, value in sorted(options.items()))
                names = [
                    n for n in walk(anc.test) if isinstance(n, cst.Name)
                    and not (isinstance(self.parent(n), cst.Attribute) and (self.parent(n).attr is n or (n.value in heads and self.parent(n).value is n)))
                ]
                tested = sorted(({n.value for n in names} | ({anc.test.value} if isinstance(anc.test, cst.Name) else set())) - {"True", "False", "None"})
                for name in tested:
                    if name in params:
                        values = None if self.assignments_to(name, fn) else self.parameter_values(fn, name)  # type: ignore[arg-type]
                    else:
                        values = self._literal_bindings(name, anc, scope)
                    if values is None:
                        break
                    choices.append([(name, v) for v in values])
                else:
                    try:
                        tree = ast.parse(self.code_of(anc.test).strip(), mode="eval").body
                    except (SyntaxError, ValueError, RecursionError, MemoryError):
                        tree = None
                    combos = list(itertools.islice(itertools.product(*choices), 64))
                    truths = {static_truth(tree, dict(combo)) for combo in combos} if tree is not None else {None}
                    if len(truths) == 1 and None not in truths:
                        taken = truths.pop()
                        if (child is anc.body) != taken:
                            return True
            child = anc
        return False

    def _tested_options(self, test: cst.BaseExpression) -> Dict[str, object]:
        """`args.<dest>` read by ``test`` -> the literal default of the one `add_argument` of this
        file storing into ``dest`` (`store_true` gives False), for options nothing in the file
        assigns (`args.lr_decay = 0`); only when every `<x>.<dest>` the test reads has one."""
        out: Dict[str, object] = {}
        for node in walk(test):
            if not (isinstance(node, cst.Attribute) and isinstance(node.value, cst.Name)):
                continue
            value = self.option_value(node.attr.value)
            if value is NOT_LITERAL:
                return {}
            out[f"{node.value.value}.{node.attr.value}"] = value
        return out

    def option_value(self, dest: str) -> object:
        """The literal default of the argparse option stored into ``dest`` (`args.<dest>`) as the
        program runs as written: numbers, booleans, None (no `default=`), strings;
        `action="store_true"` without a default gives False.  NOT_LITERAL where the file defines
        it more than once or not at all, its default is not a literal, it is `required`, or the
        file assigns an attribute of that name (or calls `setattr`).  The one reader of option
        defaults: ``option_default``, ``never_runs`` and BN005's option tests ask it."""
        cache = self.__dict__.setdefault("_option_values", {})
        if dest not in cache:
            cache[dest] = self._option_value(dest)
        return cache[dest]

    def _option_value(self, dest: str) -> object:
        found: List[object] = []
        for call in self.calls:
            if isinstance(call.func, cst.Attribute) and call.func.attr.value == "add_argument" and dest in argparse_dests(call):
                default = call_arg(call, "default")
                action = call_arg(call, "action")
                required = call_arg(call, "required")
                if required is not None and literal_value(required.value) is not False:
                    return NOT_LITERAL  # (no default runs: the command line must give it)
                if default is not None:
                    value = literal_value(default.value)
                elif action is not None and literal_value(action.value) in ("store_true", "store_false"):
                    value = literal_value(action.value) == "store_false"
                else:
                    value = None if action is None else NOT_LITERAL
                if value is NOT_LITERAL or not isinstance(value, (str, int, float, bool, type(None))):
                    return NOT_LITERAL
                found.append(value)
        if len(found) != 1:
            return NOT_LITERAL
        for node in self.iter_nodes(self.module):
            if isinstance(node, (cst.Assign, cst.AugAssign, cst.AnnAssign)):
                targets = [t.target for t in node.targets] if isinstance(node, cst.Assign) else [node.target]
                if any(isinstance(t, cst.Attribute) and t.attr.value == dest for t in targets):
                    return NOT_LITERAL
            elif isinstance(node, cst.Call) and dotted(node.func) == "setattr":
                return NOT_LITERAL  # (`setattr(args, key, value)` from a config file)
        return found[0]

    def named_with_bn(self, call: cst.Call) -> bool:
        """Does ``call`` build, by a name this file decides (``string_values``), an architecture
        with BatchNorm (`timm.create_model("seresnext50_32x4d")`, `CFG.model_name`)?"""
        spec = inv_mod.FACTORY_NAME_ARGUMENT.get(self.callee(call) or "")
        if spec is None:
            return False
        arg = call_arg(call, spec[1], spec[0])
        names = self.string_values(arg.value) if arg is not None and not arg.star else None
        return bool(names) and all(inv_mod.architecture_with_bn(n) for n in names)  # type: ignore[union-attr]

    def named_without_bn(self, call: cst.Call) -> bool:
        """Does ``call`` build an architecture without BatchNorm that a name argument decides?
        `timm.create_model(CFG.model_name)` with `model_name = "vit_base_patch16_384"`
        (``inventory.FACTORY_NAME_ARGUMENT``, ``string_values``), and `CustomModel(CFG.model_name)`
        of a module class of this file whose only BN-bearing parts are such factories handed its
        constructor's parameters (``factory_name_parameters``)."""
        spec = inv_mod.FACTORY_NAME_ARGUMENT.get(self.callee(call) or "")
        if spec is not None:
            arg = call_arg(call, spec[1], spec[0])
            names = self.string_values(arg.value) if arg is not None and not arg.star else None
            return bool(names) and all(inv_mod.architecture_without_bn(n) for n in names)  # type: ignore[union-attr]
        if not isinstance(call.func, cst.Name) or any(a.star for a in call.args):
            return False
        name = call.func.value
        builder: Optional[Union[cst.ClassDef, cst.FunctionDef]] = None
        if sum(c.name.value == name for c in self.classes) == 1:
            builder = self.class_named(name)
        elif not any(c.name.value == name for c in self.classes):
            builder = self.function_named(name, before=call)
        if builder is None:
            return False
        params = self.factory_name_parameters(builder)
        if not params:
            return False
        fn = self._init_of(builder) if isinstance(builder, cst.ClassDef) else builder
        positional = [p for p in params_of(fn) if p not in ("self", "cls")] if fn is not None else []
        for param in params:
            arg = call_arg(call, param, positional.index(param) if param in positional else None)
            if arg is None:
                default = next((p.default for p in _all_params(fn) if p.name.value == param), None) if fn is not None else None
                names = self.string_values(default) if default is not None else None
            else:
                names = self.string_values(arg.value)
            if not names or not all(inv_mod.architecture_without_bn(n) for n in names):
                return False
        return True

    def _init_of(self, cls: cst.ClassDef) -> Optional[cst.FunctionDef]:
        return next((s for s in cls.body.body if isinstance(s, cst.FunctionDef) and s.name.value == "__init__"), None)

    def factory_name_parameters(self, cls: "Union[cst.ClassDef, cst.FunctionDef]") -> Tuple[str, ...]:
        """For an `nn.Module` class of this file whose BatchNorm can come only from model factories
        that take an architecture's name (`self.model = timm.create_model(model_name, ...)` in its
        `__init__`, nothing else with BN, no base class but `nn.Module`), or such a function
        (`def get_model(name): return timm.create_model(name)`): the constructor's or function's
        parameters that name those architectures; empty otherwise."""
        cached = self._factory_name_params.get(id(cls))
        if cached is not None and cached[0] is cls:
            return cached[1]
        found = self._factory_name_parameters(cls)
        self._factory_name_params[id(cls)] = (cls, found)
        return found

    def _factory_name_parameters(self, cls: "Union[cst.ClassDef, cst.FunctionDef]") -> Tuple[str, ...]:
        if isinstance(cls, cst.FunctionDef):
            init: Optional[cst.FunctionDef] = cls
        elif not cls.bases or not all((self.qualified(b.value) or "") == "torch.nn.Module" for b in cls.bases):
            return ()
        else:
            init = self._init_of(cls)
        if init is None:
            return ()
        init_params = params_of(init)
        params: Dict[str, None] = {}
        for node in self.iter_nodes(cls):
            if not isinstance(node, cst.Call):
                continue
            spec = inv_mod.FACTORY_NAME_ARGUMENT.get(self.callee(node) or "")
            if spec is not None:
                arg = call_arg(node, spec[1], spec[0])
                if arg is None or arg.star:
                    return ()
                if isinstance(arg.value, cst.Name) and arg.value.value in init_params and self.enclosing_function(node) is init and not self.assignments_to(arg.value.value, init):
                    params[arg.value.value] = None
                elif not self.named_without_bn(node):
                    return ()
                continue
            name = self.chosen_callee(node.func)
            if name is not None and (self.is_bn_class_ref(node.func) or self.class_holds_bn(name)):
                return ()
        return tuple(params)

    def static_test(self, test: cst.BaseExpression) -> Optional[bool]:
        """The value of an `if` test over names this file binds once, to a literal, in the test's
        scope or at module level (`backbone = "resnet50"` ... `if backbone == "resnet50":`), as
        ``bnlint.effects.static_truth`` reads it; None when it depends on anything else."""
        import ast

        from bnlint.effects import static_truth

        scope = self.enclosing_function(test) or self.module
        literals: Dict[str, object] = {}
        for name in {n.value for n in walk(test) if isinstance(n, cst.Name)} | ({test.value} if isinstance(test, cst.Name) else set()):
            values = self.assignments_to(name, scope) or (self.assignments_to(name, self.module) if scope is not self.module else [])
            if len(values) == 1 and literal_value(values[0]) is not NOT_LITERAL:
                literals[name] = literal_value(values[0])
        if not literals:
            return None
        try:
            tree = ast.parse(self.code_of(test).strip(), mode="eval").body
        except (SyntaxError, ValueError, RecursionError, MemoryError):
            return None
        return static_truth(tree, literals)

    def trains_what_it_is_handed(self, call: cst.Call) -> bool:
        """Is ``call`` a call of a function of another project module whose summary trains one of
        its parameters (`trainer(loader, model, optimizer)`, `engine.train(model=model, ...)`)?"""
        name = dotted(call.func)
        if not name or not self.path or not call.args or not self.inventory.is_imported(name) or any(a.star for a in call.args):
            return False
        effects = self.index.function_effects(self.path, self.inventory.resolve(name))
        if effects is None:
            return self._instance_trains_what_it_keeps(call, self.inventory.resolve(name))
        for index, arg in enumerate(call.args):
            pname = effects.parameter_for(None if arg.keyword else index, arg.keyword.value if arg.keyword else None)
            effect = effects.effects.get(pname) if pname else None
            if effect is not None and _trains(effect):
                return True
        return False

    def _instance_trains_what_it_keeps(self, call: cst.Call, qualified: str) -> bool:
        """`Runner(model, loader).fit(3)` with `Runner` a plain class of another project module
        that keeps an argument (`self.net = net`) and has a method whose summary trains that
        attribute (`self.net.train()`, a backward and an optimizer step on it)."""
        kept = self.index.kept_arguments(self.path, qualified)
        found = self.index.class_definition(self.path, qualified) if kept else None
        if found is None:
            return False
        positional, stored = kept
        _path, name, _functions, _aliases, classes = found
        handed = set()
        for index, arg in enumerate(call.args):
            param = arg.keyword.value if arg.keyword is not None else (positional[index] if index < len(positional) else None)
            if param in stored:
                handed.add(stored[param])
        import ast

        methods = [n.name for n in classes[name].body if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef)) and n.name != "__init__"]
        for attr in handed:
            for method in methods:
                effect = self.index.attribute_method_effect(self.path, qualified, method, attr)
                if effect is not None and _trains(effect):
                    return True
        return False

    def _ast(self):
        """The file's standard-library tree: the one the engine parsed (``ast_tree``), else parsed here."""
        import ast

        tree = getattr(self, "ast_tree", None)
        if tree is None:
            try:
                tree = ast.parse(self.module.code)
            except (SyntaxError, ValueError, RecursionError, MemoryError):
                tree = ast.Module(body=[], type_ignores=[])
            self.ast_tree = tree
        return tree

    def test_time_adaptation(self) -> bool:
        """Does this file run BatchNorm without running statistics, so that train mode at test time
        is the method (Tent, EATA) and the BN mode rules have nothing to say?  A BatchNorm (or a
        factory that may build one, not an instance norm) built with `track_running_stats=False`;
        `m.track_running_stats = False` or `m.running_mean = None`; a BatchNorm built with
        `momentum=1` (its running statistics are only the last batch's: transductive BN of few-shot
        learning); or a call of a function of another project module that does that to the model
        it is handed (`subnet = tent.configure_model(subnet)`)."""
        if self._tta is None:
            self._tta = self._test_time_adaptation()
        return self._tta

    def _test_time_adaptation(self) -> bool:
        for call in self.calls:
            for arg in call.args:
                if arg.keyword is None:
                    continue
                if arg.keyword.value == "track_running_stats":
                    if isinstance(arg.value, cst.Name) and arg.value.value == "False" and self._may_build_bn(call):
                        return True
                elif arg.keyword.value == "momentum" and literal_value(arg.value) == 1 and self.is_bn_class_ref(call.func):
                    return True
        from bnlint.inventory import clears_running_stats

        if clears_running_stats(self._ast()):
            return True
        if self.path:
            for call in self.calls:
                name = dotted(call.func)
                if name and call.args and self.inventory.is_imported(name) and self.index.clears_running_stats(self.path, self.inventory.resolve(name)):
                    return True
        return False

    def _may_build_bn(self, call: cst.Call) -> bool:
        """May ``call`` (given `track_running_stats=False`) build a BatchNorm layer: a BN class, a
        `partial` of one, or a callee not known to be another norm (a factory, a parameter some
        caller hands a BN class)?  `nn.InstanceNorm1d(c, track_running_stats=False)`, and a
        parameter every caller hands an instance-norm class, build none."""
        if self.is_bn_class_ref(call.func):
            return True
        callee = self.callee(call) or dotted(call.func) or ""
        if callee.rsplit(".", 1)[-1] == "partial":
            return bool(call.args) and self.is_bn_class_ref(call.args[0].value)
        if callee.startswith("torch.nn.") and callee.rsplit(".", 1)[-1] in _OTHER_NORMS:
            return False
        fn = self.enclosing_function(call)
        if isinstance(call.func, cst.Name) and fn is not None and call.func.value in params_of(fn):
            handed = self.caller_arguments(fn, call.func.value)  # (`ConvBlock(..., instance_norm_func=nn.InstanceNorm2d)`)
            return not handed or any(self.is_bn_class_ref(a) or (dotted(a) or "").rsplit(".", 1)[-1] not in _OTHER_NORMS for a in handed)
        return True

    def class_constant(self, expr: cst.BaseExpression) -> object:
        """`CFG.batch_size` with a module-level `class CFG:` whose body sets `batch_size = 4` (a
        Kaggle-style configuration class) and nothing in the file assigns `CFG.batch_size` or
        rebinds `CFG`: that literal; ``NOT_LITERAL`` otherwise."""
        if not (isinstance(expr, cst.Attribute) and isinstance(expr.value, cst.Name)):
            return NOT_LITERAL
        cls = self.class_named(expr.value.value)
        if cls is None and self.inventory.is_imported(expr.value.value):
            return self._imported_class_constant(expr)
        if cls is None:
            return self._instance_constant(expr)
        if not isinstance(self.parent_of_def(cls), cst.Module) or self.assignments_to(expr.value.value, self.module):
            return NOT_LITERAL
        attr = expr.attr.value
        values = [
            stmt.body[0].value  # type: ignore[attr-defined]
            for stmt in cls.body.body
            if isinstance(stmt, cst.SimpleStatementLine) and len(stmt.body) == 1 and isinstance(stmt.body[0], (cst.Assign, cst.AnnAssign))
            and (
                (isinstance(stmt.body[0], cst.Assign) and any(isinstance(t.target, cst.Name) and t.target.value == attr for t in stmt.body[0].targets))
                or (isinstance(stmt.body[0], cst.AnnAssign) and isinstance(stmt.body[0].target, cst.Name) and stmt.body[0].target.value == attr)
            )
        ]
        if len(values) != 1 or values[0] is None:
            return NOT_LITERAL
        written = any(
            isinstance(t.target, cst.Attribute) and dotted(t.target) == f"{expr.value.value}.{attr}"
            for node in self.iter_nodes(self.module) if isinstance(node, cst.Assign) for t in node.targets
        )
        return NOT_LITERAL if written else literal_value(values[0])

    def _imported_class_constant(self, expr: cst.Attribute) -> object:
        """`Config.batch_size` with `Config` a class of another project module (`from config import
        Config`) whose body sets `batch_size = 4`, where neither that module nor this file writes
        `Config.batch_size` (nor rebinds `Config` here): that literal; ``NOT_LITERAL`` otherwise."""
        import ast

        name, attr = expr.value.value, expr.attr.value  # type: ignore[attr-defined]
        if not self.path or self.assignments_to(name, self.module):
            return NOT_LITERAL
        found = self.index.class_definition(self.path, self.inventory.resolve(name))
        if found is None:
            return NOT_LITERAL
        module_path, cls_name, _functions, _aliases, classes = found
        values = [
            n.value for n in classes[cls_name].body
            if isinstance(n, ast.Assign) and any(isinstance(t, ast.Name) and t.id == attr for t in n.targets)
            or isinstance(n, ast.AnnAssign) and n.value is not None and isinstance(n.target, ast.Name) and n.target.id == attr
        ]
        if len(values) != 1 or not isinstance(values[0], ast.Constant):
            return NOT_LITERAL
        tree = self.index.module_tree(module_path)
        written_there = tree is None or any(
            isinstance(n, ast.Attribute) and isinstance(n.ctx, ast.Store) and n.attr == attr and isinstance(n.value, ast.Name) and n.value.id in (cls_name, "cls", "self")
            for n in ast_walk(tree)
        )
        written_here = any(
            isinstance(t.target, cst.Attribute) and dotted(t.target) == f"{name}.{attr}"
            for node in self.iter_nodes(self.module) if isinstance(node, cst.Assign) for t in node.targets
        )
        return NOT_LITERAL if written_there or written_here else values[0].value

    def _instance_constant(self, expr: cst.Attribute) -> object:
        """`S.batch_size` with `S = Settings()` bound once at module level, a class of this file
        whose `__init__` sets `self.batch_size = 4` (and nothing else in the class or the file
        writes that attribute): that literal; ``NOT_LITERAL`` otherwise."""
        name = expr.value.value  # type: ignore[attr-defined]
        bound = self.assignments_to(name, self.module)
        if len(bound) != 1 or not (isinstance(bound[0], cst.Call) and isinstance(bound[0].func, cst.Name)):
            return NOT_LITERAL
        cls = self.class_named(bound[0].func.value)
        attr = expr.attr.value
        if cls is None and self.inventory.is_imported(bound[0].func.value) and not bound[0].args:
            # `S = settings()` of a class of another project module whose body sets `batch = 4`
            # (and whose module writes it on no object), with no `S.batch = ...` here.
            if any(
                isinstance(t.target, cst.Attribute) and dotted(t.target) == f"{name}.{attr}"
                for node in self.iter_nodes(self.module) if isinstance(node, (cst.Assign, cst.AugAssign, cst.AnnAssign))
                for t in (node.targets if isinstance(node, cst.Assign) else [node])
            ):
                return NOT_LITERAL
            return self._imported_class_constant(cst.Attribute(value=cst.Name(bound[0].func.value), attr=cst.Name(attr)))
        if cls is None or sum(c.name.value == cls.name.value for c in self.classes) != 1:
            return NOT_LITERAL
        init = self._init_of(cls)
        values = []
        top_level = []  # `cfg.train_bs = 4` in the module's own statements, after it is built
        for node in self.iter_nodes(self.module):
            if isinstance(node, (cst.Assign, cst.AugAssign, cst.AnnAssign)):
                targets = [t.target for t in node.targets] if isinstance(node, cst.Assign) else [node.target]
                for t in targets:
                    if isinstance(t, cst.Attribute) and t.attr.value == attr and isinstance(t.value, cst.Name):
                        if t.value.value == "self" and init is not None and self.enclosing_function(node) is init and isinstance(node, cst.Assign):
                            values.append(node.value)
                        elif t.value.value == name and isinstance(node, cst.Assign) and self.enclosing_function(node) is None and isinstance(self.parent(self.parent(node)), cst.Module):
                            top_level.append(node.value)
                        elif t.value.value in ("self", name):
                            return NOT_LITERAL  # written elsewhere too
        if top_level:
            return literal_value(top_level[0]) if len(top_level) == 1 else NOT_LITERAL
        if not values and init is None or not values and attr not in self._assigned_in_methods(cls):
            values = self._class_body_values(cls, attr)  # `class Cfg: train_bs = 4`, read through `cfg = Cfg()`
        return literal_value(values[0]) if len(values) == 1 else NOT_LITERAL

    def _class_body_values(self, cls: cst.ClassDef, attr: str) -> "List[cst.BaseExpression]":
        """The values `attr = value` (or `attr: T = value`) statements of ``cls``'s own body give."""
        out = []
        for stmt in cls.body.body:
            if not (isinstance(stmt, cst.SimpleStatementLine) and len(stmt.body) == 1):
                continue
            small = stmt.body[0]
            if isinstance(small, cst.Assign) and any(isinstance(t.target, cst.Name) and t.target.value == attr for t in small.targets):
                out.append(small.value)
            elif isinstance(small, cst.AnnAssign) and small.value is not None and isinstance(small.target, cst.Name) and small.target.value == attr:
                out.append(small.value)
        return out

    def _assigned_in_methods(self, cls: cst.ClassDef) -> "Set[str]":
        """The attributes the methods of ``cls`` write on `self`."""
        return {
            t.attr.value
            for node in self.iter_nodes(cls) if isinstance(node, (cst.Assign, cst.AugAssign, cst.AnnAssign))
            for t in ([x.target for x in node.targets] if isinstance(node, cst.Assign) else [node.target])
            if isinstance(t, cst.Attribute) and isinstance(t.value, cst.Name) and t.value.value == "self"
        }

    def kept_attributes(self, cls: cst.ClassDef, modules_too: bool = False) -> "Optional[Tuple[Tuple[str, ...], Dict[str, str]]]":
        """For a plain top-level class of this file (a trainer, not an `nn.Module`; with
        ``modules_too``, a LightningModule as well) that stores what its constructor is handed:
        ``bnlint.effects.constructor_attributes`` of it, else None."""
        import ast

        from bnlint.effects import constructor_attributes, is_module_class

        if not isinstance(self.parent_of_def(cls), cst.Module):
            return None
        classes = {n.name: n for n in self._ast().body if isinstance(n, ast.ClassDef)}
        cls_ast = classes.get(cls.name.value)
        if cls_ast is None or (is_module_class(cls_ast, classes) and not (modules_too and self.is_lightning_class(cls))):
            return None
        return constructor_attributes(cls_ast)

    def _kept_parameter(self, cls: cst.ClassDef, attr: str) -> "Optional[Tuple[str, int]]":
        """The constructor parameter (name, position after `self`) the plain class ``cls`` (or a
        LightningModule: Lightning trains what it keeps) keeps in `self.<attr>`
        (``kept_attributes``), or None."""
        kept = self.kept_attributes(cls, modules_too=True)
        if kept is None:
            return None
        positional, stored = kept
        param = next((p for p, a in stored.items() if a == attr), None)
        if param is None:
            return None
        return param, positional.index(param) if param in positional else -1

    def constructor_arguments(self, cls: cst.ClassDef, attr: str) -> List[cst.BaseExpression]:
        """What the constructions of the plain class ``cls`` in this file (`Learner(model, loader)`)
        hand over for the constructor parameter it keeps in `self.<attr>` (``kept_attributes``)."""
        kept = self._kept_parameter(cls, attr)
        init = next((m for m in cls.body.body if isinstance(m, cst.FunctionDef) and m.name.value == "__init__"), None)
        return self.caller_arguments(init, kept[0]) if kept is not None and init is not None else []

    def kept_model_holds_bn(self, cls: cst.ClassDef, attr: str) -> bool:
        """Is `self.<attr>` of the plain class ``cls`` (a trainer keeping the model it is handed) a
        model with BatchNorm: what a construction of the class hands over for it, in this file
        (``constructor_arguments``) or in another project module (``ProjectIndex.argument_evidence``)?"""
        if any(self.expr_holds_bn(a) for a in self.constructor_arguments(cls, attr)):
            return True
        kept = self._kept_parameter(cls, attr)
        if kept is None or not self.path:
            return False
        found = self.index.argument_evidence(self.path, cls.name.value, kept[1], kept[0])
        return found is not None and found.kind == "bn"

    def aliases(self, names: "Set[str] | FrozenSet[str]") -> Set[str]:
        """Names bound to (parts of) these models by a plain assignment anywhere in the file, one
        step each way: ``backbone = model.backbone`` relates ``backbone`` and ``model``."""
        if self._name_assignments is None:
            self._name_assignments = [
                (n.targets[0].target.value, n.value)  # type: ignore[union-attr]
                for n in self.iter_nodes(self.module)
                if isinstance(n, cst.Assign) and len(n.targets) == 1 and isinstance(n.targets[0].target, cst.Name)
            ]
        out: Set[str] = set()
        for target, value in self._name_assignments:
            source = root_name(value)
            if source in names and target not in names:
                out.add(target)
            elif target not in names and container_of(value, names):
                out.add(target)  # `model = nn.Sequential(backbone, head)`: its `.train()` reaches `backbone`
            elif target in names and source and source not in names and isinstance(value, (cst.Attribute, cst.Name)):
                out.add(source)
        return out

    def _name_holds_bn(self, name: str, scope: cst.CSTNode, depth: int, at: Optional[cst.CSTNode] = None) -> bool:
        for value in self.reaching_assignments(name, at, scope):
            if self.expr_holds_bn(value, scope, depth + 1):
                return True
        if depth < 6 and any(self.unpacked_holds_bn(b, name, depth) for b in self.reaching_bindings(name, at, scope)):
            return True
        if not isinstance(scope, cst.Module):
            # A parameter: unknown here (callers decide); a global: look at the module.
            if isinstance(scope, cst.FunctionDef) and any(p.name.value == name for p in _all_params(scope)):
                return False
            outer = self.parent_of_def(scope)
            return self._name_holds_bn(name, outer if outer is not None else self.module, depth + 1)
        return False

    def unpacked_holds_bn(self, statement: cst.CSTNode, name: str, depth: int = 0) -> bool:
        """`model, criterion = make("cnn")` with `make` a function of this file whose `return
        model, None` hands back, at the position of ``name``, something holding BatchNorm."""
        if not (isinstance(statement, cst.Assign) and len(statement.targets) == 1 and isinstance(statement.targets[0].target, cst.Tuple)):
            return False
        elements = statement.targets[0].target.elements
        position = next((i for i, e in enumerate(elements) if isinstance(e.value, cst.Name) and e.value.value == name), None)
        value = unmoved(statement.value) if isinstance(statement.value, cst.Call) else None
        fn = self.function_named(value.func.value, before=value) if value is not None and isinstance(value.func, cst.Name) else None
        if position is None or any(isinstance(e, cst.StarredElement) for e in elements) or fn is None:
            return False
        for node in _walk_scope(fn):
            if isinstance(node, cst.Return) and isinstance(node.value, cst.Tuple) and len(node.value.elements) == len(elements):
                part = node.value.elements[position].value
                if isinstance(part, cst.Name) and self._name_holds_bn(part.value, fn, depth + 1, at=node):
                    return True
                if not isinstance(part, cst.Name) and self.expr_holds_bn(part, fn, depth + 1):
                    return True
        return False

    def _self_attr_holds_bn(self, expr: cst.Attribute, depth: int) -> bool:
        cls = self.enclosing_class(expr)
        if cls is None:
            return False
        if isinstance(expr.value, cst.Attribute) and expr.attr.value in inv_mod.BN_TRUNKS:
            # `self.base.layer1` of a `self.base = resnet50(...)`: the stage of a library model
            # with BN (its attribute layout is known: where such a model keeps its BN).
            part = dotted(expr.value)
            if any(
                isinstance(node, cst.Assign) and isinstance(node.value, cst.Call) and inv_mod.factory_holds_bn(self.callee(node.value)) is True
                and any(dotted(t.target) == part for t in node.targets)
                for node in _walk_scope(cls, into_functions=True)
            ):
                return True
        if isinstance(expr.value, cst.Attribute) and isinstance(expr.value.value, cst.Name) and expr.value.value.value == "self":
            # `self.model.trunk` with `self.model = Net()`: the part `trunk` of what `Net` builds
            # (a class of this file or of a project module), not an attribute of this class.
            return self._part_of_kept_model_holds_bn(cls, expr.value.attr.value, expr.attr.value)
        attr = expr.attr.value
        for node in _walk_scope(cls, into_functions=True):
            if isinstance(node, (cst.Assign, cst.AnnAssign)):
                targets = [t.target for t in node.targets] if isinstance(node, cst.Assign) else [node.target]
                for t in targets:
                    if isinstance(t, cst.Attribute) and dotted(t) == f"self.{attr}" and node.value is not None:
                        fn = self.enclosing_function(node) or cls
                        if self.expr_holds_bn(node.value, fn, depth + 1):
                            return True
        return False

    def _part_of_kept_model_holds_bn(self, cls: cst.ClassDef, holder: str, part: str) -> bool:
        """Does `self.<holder>.<part>` hold BatchNorm, where ``cls`` builds `self.<holder>` as an
        instance of a project class (`self.model = Net()`) whose `self.<part>` holds BN?"""
        if not self.path:
            return False
        for node in _walk_scope(cls, into_functions=True):
            if not (isinstance(node, cst.Assign) and any(isinstance(t.target, cst.Attribute) and dotted(t.target) == f"self.{holder}" for t in node.targets)):
                continue
            value = unmoved(node.value)  # `Net().cuda()`
            name = dotted(value.func) if isinstance(value, cst.Call) else None
            if not name:
                continue
            qualified = name if name in self.inventory.classes else self.inventory.resolve(name) if self.inventory.is_imported(name) else None
            if qualified and self.index.attribute_holds_bn(self.path, qualified, part, local=self.inventory) is True:
                return True
        return False


def _names_bound_by(assign: cst.CSTNode) -> Set[str]:
    """The plain names an assignment statement binds: `a = b = ...`, `a, (b, *c) = ...`, `a: T = ...`, `a += ...`."""
    if isinstance(assign, cst.Assign):
        targets = [t.target for t in assign.targets]
    elif isinstance(assign, (cst.AnnAssign, cst.AugAssign)):
        targets = [assign.target]
    else:
        return set()
    names: Set[str] = set()
    while targets:
        target = targets.pop()
        if isinstance(target, cst.Name):
            names.add(target.value)
        elif isinstance(target, (cst.Tuple, cst.List)):
            targets.extend(e.value for e in target.elements)
        elif isinstance(target, cst.StarredElement):
            targets.append(target.value)
    return names


def _binds_name(statement: cst.CSTNode, name: str) -> bool:
    """``_assigns_name``, unpacking too: does ``statement`` always bind ``name`` anew when it runs?"""
    smalls = statement.body if isinstance(statement, cst.SimpleStatementLine) else [statement]
    return any(
        (isinstance(small, cst.Assign) or (isinstance(small, cst.AnnAssign) and small.value is not None)) and name in _names_bound_by(small)
        for small in smalls
    )


def _assigns_name(statement: cst.CSTNode, name: str) -> bool:
    """Is ``statement`` (a statement line, or one small statement of it) a plain `name = value`
    (or `name: T = value`), which always runs when the line does?"""
    smalls = statement.body if isinstance(statement, cst.SimpleStatementLine) else [statement]
    for small in smalls:
        if isinstance(small, cst.Assign) and any(isinstance(t.target, cst.Name) and t.target.value == name for t in small.targets):
            return True
        if isinstance(small, cst.AnnAssign) and small.value is not None and isinstance(small.target, cst.Name) and small.target.value == name:
            return True
    return False


# Tensor methods that overwrite the tensor: what an EMA update does to the target's parameters.
_IN_PLACE_WRITES = {"mul_", "add_", "sub_", "div_", "copy_", "lerp_", "addcmul_", "addcdiv_", "set_", "zero_"}


def root_name(expr: cst.CSTNode) -> Optional[str]:
    """Leftmost variable of an access chain: ``model.module.layer1[0].bn1`` -> ``model``; through
    method calls (``model.to(dev)``) and ``list``/``tuple``/``iter``/``enumerate``/``getattr``."""
    for _ in range(20):
        if isinstance(expr, cst.Name):
            return expr.value
        if isinstance(expr, (cst.Attribute, cst.Subscript)):
            expr = expr.value
        elif isinstance(expr, cst.Call):
            if isinstance(expr.func, cst.Attribute):
                expr = expr.func.value
            elif dotted(expr.func) in ("list", "tuple", "iter", "enumerate", "getattr") and expr.args:
                expr = expr.args[0].value
            else:
                return None
        else:
            return None
    return None


NOT_LITERAL = object()  # what ``literal_value`` returns for anything else


# How torchvision's and timm's models name their BatchNorm layers (`bn`, `bn1`, `norm0`, `batchnorm`).
_BN_LAYER_ATTR = lazy(r"(?i)^(bn\d*|norm\d*|batch_?norm\d*)$")


def unmoved(value: cst.BaseExpression) -> cst.BaseExpression:
    """`resnet50(weights=...).to(device).eval()`, `Net().cuda()` -> the factory (constructor) call."""
    while isinstance(value, cst.Call) and isinstance(value.func, cst.Attribute) and isinstance(value.func.value, cst.Call):
        value = value.func.value
    return value


def literal_value(expr: cst.BaseExpression) -> object:
    """The value of a string, integer, float, ``True``/``False``/``None`` literal, else ``NOT_LITERAL``."""
    if isinstance(expr, cst.SimpleString):
        return expr.evaluated_value
    if isinstance(expr, cst.Integer):
        try:
            return int(expr.value, 0)
        except ValueError:
            return NOT_LITERAL
    if isinstance(expr, cst.Float):  # `nn.Dropout(0.0)`, `Net(dropout=0.0)`
        try:
            return float(expr.value)
        except ValueError:
            return NOT_LITERAL
    if isinstance(expr, cst.Name) and expr.value in ("True", "False", "None"):
        return {"True": True, "False": False, "None": None}[expr.value]
    return NOT_LITERAL


def _parameter_owner(expr: cst.BaseExpression) -> Optional[cst.BaseExpression]:
    """``teacher.parameters()``, ``teacher.buffers()``, ``teacher.state_dict().values()``
    (also wrapped in ``list(...)``) -> ``teacher``."""
    if isinstance(expr, cst.Call) and dotted(expr.func) in ("list", "tuple", "iter") and expr.args:
        expr = expr.args[0].value
    if not (isinstance(expr, cst.Call) and isinstance(expr.func, cst.Attribute)):
        return None
    method, owner = expr.func.attr.value, expr.func.value
    if method == "values" and isinstance(owner, cst.Call) and isinstance(owner.func, cst.Attribute) and owner.func.attr.value == "state_dict":
        return owner.func.value
    if method in ("parameters", "buffers"):
        return owner
    return None


def _written_in_place(facts: "Facts", body: cst.CSTNode, names: Sequence[str]) -> List[str]:
    """Which of ``names`` ``body`` overwrites: ``p.mul_(m)``, ``p.data.copy_(q)``, ``p.data = ...``."""
    out: List[str] = []
    for node in facts.iter_nodes(body):
        target: Optional[cst.BaseExpression] = None
        if isinstance(node, cst.Call) and isinstance(node.func, cst.Attribute) and node.func.attr.value in _IN_PLACE_WRITES:
            target = node.func.value
        elif isinstance(node, cst.Assign) and len(node.targets) == 1 and isinstance(node.targets[0].target, cst.Attribute):
            if node.targets[0].target.attr.value == "data":
                target = node.targets[0].target
        name = root_name(target) if target is not None else None
        if name in names and name not in out:
            out.append(name)  # type: ignore[arg-type]
    return out


def _ema_targets(facts: "Facts") -> set:
    targets: set = set()
    for loop in facts.iter_nodes(facts.module):
        if not (isinstance(loop, cst.For) and isinstance(loop.iter, cst.Call) and dotted(loop.iter.func) == "zip"):
            continue
        if not isinstance(loop.target, (cst.Tuple, cst.List)):
            continue
        names = [e.value.value if isinstance(e.value, cst.Name) else "" for e in loop.target.elements]
        sources = [a.value for a in loop.iter.args if a.keyword is None and not a.star]
        if len(names) != len(sources):
            continue
        written = _written_in_place(facts, loop.body, [n for n in names if n])
        fn = facts.enclosing_function(loop)
        for name, source in zip(names, sources):
            expr = _parameter_owner(source) if name in written else None
            owner = root_name(expr) if expr is not None else None
            if owner is None:
                continue
            targets.add(owner)
            path = dotted(expr)
            if owner == "self" and path:
                targets.add(path)  # `self.encoder_k`: which of the module's parts is the EMA copy
            if fn is not None and owner in params_of(fn):
                targets.update(r for r in map(root_name, facts.caller_arguments(fn, owner)) if r)
    from bnlint.modes import _has_training_calls  # (the one reading of "this code trains"; modes imports this module)

    # A target network refreshed from the online one inside the training loop
    # (`target.load_state_dict(online.state_dict())` every epoch): its weights and running
    # statistics are overwritten each time, the bootstrap / DQN target, not a frozen pretrained model.
    for call in facts.calls:
        func = call.func
        if not (isinstance(func, cst.Attribute) and func.attr.value == "load_state_dict" and call.args):
            continue
        source = call.args[0].value
        if not (isinstance(source, cst.Call) and isinstance(source.func, cst.Attribute) and source.func.attr.value == "state_dict"):
            continue
        target, online = dotted(func.value), dotted(source.func.value)
        if not target or not online or target == online:
            continue
        loop = next((a for a in facts.ancestors(call) if isinstance(a, (cst.For, cst.While))), None)
        if loop is None or not _has_training_calls(loop):
            continue
        targets.add(target.split(".")[0])
        if "." in target:
            targets.add(target)
    for _ in range(3):  # `teacher_unwrapped = teacher.module`: both names
        more = facts.aliases(targets) - targets
        if not more:
            break
        targets |= more
    return targets


def container_of(value: cst.BaseExpression, names: "Set[str] | FrozenSet[str]") -> bool:
    """`nn.Sequential(backbone, head)` / `nn.ModuleList([...])` holding one of ``names`` as a part."""
    if not (isinstance(value, cst.Call) and (dotted(value.func) or "").rsplit(".", 1)[-1] in ("Sequential", "ModuleList")):
        return False
    parts = [a.value for a in value.args if not a.star]
    if len(parts) == 1 and isinstance(parts[0], (cst.List, cst.Tuple)):
        parts = [e.value for e in parts[0].elements]
    return any(isinstance(p, cst.Name) and p.value in names for p in parts)


def _all_params(fn: cst.FunctionDef) -> Sequence[cst.Param]:
    p = fn.params
    out = list(p.posonly_params) + list(p.params) + list(p.kwonly_params)
    if isinstance(p.star_arg, cst.Param):
        out.append(p.star_arg)
    if p.star_kwarg is not None:
        out.append(p.star_kwarg)
    return out


def params_of(fn: cst.FunctionDef) -> List[str]:
    return [p.name.value for p in _all_params(fn)]


# The facts of the file being linted right now (per thread: the language server lints in threads),
# so that the plain ``walk``/``walk_scope`` helpers get the fast children map.
_active = _ThreadLocal()


def activate(facts: "Facts"):
    previous = getattr(_active, "children", None)
    _active.children = facts.children_map
    return previous


def deactivate(previous) -> None:
    _active.children = previous


def _children(node: cst.CSTNode) -> List[cst.CSTNode]:
    cmap = getattr(_active, "children", None)
    if cmap is not None:
        kids = cmap.get(node)
        if kids is not None:
            return kids
    return list(node.children)


def _walk_scope(scope: cst.CSTNode, into_functions: bool = False) -> Iterator[cst.CSTNode]:
    """Nodes of ``scope`` without descending into nested functions/classes (unless asked)."""
    stack: List[cst.CSTNode] = list(reversed(_children(scope)))
    while stack:
        node = stack.pop()
        yield node
        if isinstance(node, (cst.FunctionDef, cst.ClassDef, cst.Lambda)) and not into_functions:
            continue
        stack.extend(reversed(_children(node)))


walk_scope = _walk_scope
all_params = _all_params


def _trains(effect) -> bool:
    """Does a summarised function train the parameter its ``ParamEffect`` describes: put it in
    train mode, or back-propagate a forward of it (`loss.backward()` with no `.train()` call:
    a module is in train mode from construction)?"""
    return any(kind == "train" for kind, _ in effect.steps) or any(trained for _, trained, _ in effect.forwards)


def walk(node: cst.CSTNode) -> Iterator[cst.CSTNode]:
    stack: List[cst.CSTNode] = [node]
    while stack:
        cur = stack.pop()
        yield cur
        stack.extend(reversed(_children(cur)))


