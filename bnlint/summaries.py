"""What building a model leaves its mode at, read from the ``ast`` of the module that defines it.

The mode analysis (``bnlint.modes``) follows the functions of the linted file inline.  A class it
constructs, or a loader in another module of the project, it does not run: it asks these summaries
instead.  A summary says in which mode the object comes out, and whether its BatchNorm layers were
put in eval on the way (a constructor-time freeze, which a later ``model.train()`` undoes):

* a class: what its ``__init__`` (and the methods of the class that ``__init__`` calls) does to
  ``self``: ``self.eval()`` / ``self.train(False)`` -> eval; under an ``if`` -> unknown;
  ``self.apply(freeze_bn)``, ``self.backbone.eval()``, ``m.eval()`` in a loop over
  ``self.modules()`` -> BN frozen (also under an ``if``: it may be, which is what BN014 is about);
* a function: what it returns: ``return model.eval()``, or ``m.eval(); return m`` -> eval;
  a mode switch under an ``if``, or different answers on different ``return``\\s -> unknown.

Nothing is imported or run; the trees are the ones the project index already parsed.
"""
from __future__ import annotations

import ast

from bnlint.astwalk import walk as ast_walk
from bnlint.param_names import name_filter_verdict
from bnlint.records import record

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing (a few ms of every start)
if TYPE_CHECKING:  # pragma: no cover
    from typing import Any, Callable, Dict, Iterator, List, Optional, Set, Tuple, Union

    Definition = Union[ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef]

TRAIN, EVAL, UNKNOWN = "T", "E", "?"


@record
class Construction:
    mode: str  # TRAIN, EVAL or UNKNOWN: the object's mode when the call returns
    freezes_bn: bool = False  # part of it (its BN layers) put in eval while it was built
    returns_model: bool = True  # False: a function that returns a function (a closure), not a module
    # Its BatchNorm layers' affine parameters frozen (`requires_grad = False`) on every path while
    # it was built (AdaptSegNet's DeepLab): BN004 where the model is then trained in train mode.
    freezes_bn_params: bool = False
    # The constructor parameter whose truth the BN freeze is under (`if bn_freeze: ... m.eval()`),
    # and its position among the positional parameters (after `self`): the caller's argument for
    # it decides whether the object is frozen.
    freeze_flag: Optional[str] = None
    freeze_flag_index: int = -1
    # The truth of that parameter's literal default (None: no literal default): what a call that
    # does not pass it gets (`Net()` with `def __init__(self, freeze_bn=False)`: not frozen).
    freeze_flag_default: Optional[bool] = None
    # A factory that loads a checkpoint into the model it returns (`model.load_state_dict(
    # torch.load(...))` before `return model`, on some path): the caller gets trained weights.
    loads_weights: bool = False
    # The BN parameters frozen only under a constructor flag (`if pretrained:`, or `if
    # self.pretrained == True:` with `self.pretrained = pretrained`): the parameter, its position
    # after `self`, and the truth of its default (None: no literal default).  The caller's
    # argument decides (``params_frozen_by``); `freezes_bn_params` stays False.
    params_freeze_flag: Optional[str] = None
    params_freeze_flag_index: int = -1
    params_freeze_default: Optional[bool] = None
    # A factory whose every `return` is a tuple with, at this position, a model whose BN
    # parameters it froze on every path (`return net, optimizer`): `net, opt = build(...)`.
    params_frozen_at: int = -1
    # The constructor parameter whose module it keeps (`self.backbone = backbone`) and then freezes
    # the parameters of, on every path (`for p in self.backbone.parameters(): p.requires_grad =
    # False`), and its position after `self`: the caller's argument decides whether that froze BN.
    params_frozen_argument: Optional[str] = None
    params_frozen_argument_index: int = -1
    # Where the constructor sets `requires_grad = False` on those parameters (line, column, end
    # line, end column; 1-based, end exclusive), in the module that defines the class: shown with
    # a finding at the construction, so the freeze it speaks of can be found.
    params_frozen_site: Optional[Tuple[int, int, int, int]] = None


# (id(node), name) -> (a weak reference to the node, its summary).  An id is reused once its node
# is freed, and a later module's node must not get an earlier module's summary; a strong reference
# would keep whole module trees alive (memory), a weak one answers only while its node lives.
_cache: Dict[Tuple[int, str], Tuple[Any, Optional[Construction]]] = {}


def construction(
    definitions: Dict[str, "Definition"], name: str, aliases: Optional[Dict[str, str]] = None, method_switches: "Optional[Callable[[str, str], bool]]" = None,
    imported: "Optional[Callable[[str], Optional[Construction]]]" = None,
) -> Optional[Construction]:
    """The summary of calling ``name`` (a class or function among ``definitions``, a module's
    top-level classes and functions), or None when there is nothing to say (not defined there,
    or it does not touch modes: a new module in train mode).  ``method_switches(qualified class,
    method)`` says whether a method of a class of another project module calls `.train()`/`.eval()`
    (a constructor that builds `self.model = DistModel()` and calls `self.model.initialize()`).
    ``imported(name as the module spells it)``: the summary of a factory of another project module
    (a builder that returns what `backbones.resnet_frozen()` froze hands back a frozen model)."""
    node = definitions.get(name)
    if node is None:
        return None
    key = (id(node), name)
    cached = _cache.get(key)
    if cached is None or cached[0]() is not node:
        import weakref

        if len(_cache) > 4096:
            _cache.clear()
        _cache[key] = (weakref.ref(node), None)  # while it is computed: a class that builds itself says nothing
        summary = _class_summary(node, definitions, aliases or {}, method_switches) if isinstance(node, ast.ClassDef) else _function_summary(node, definitions, aliases or {}, imported)
        cached = _cache[key] = (weakref.ref(node), summary)
    return cached[1]  # type: ignore[return-value]


def _mode_of(call: ast.Call) -> Optional[str]:
    """The mode a `.eval()` / `.train(...)` call sets, None for other calls."""
    func = call.func
    if not isinstance(func, ast.Attribute):
        return None
    if func.attr == "eval" and not call.args:
        return EVAL
    if func.attr != "train":
        return None
    if not call.args and not call.keywords:
        return TRAIN
    arg = call.args[0] if call.args else call.keywords[0].value
    if isinstance(arg, ast.Constant) and isinstance(arg.value, (bool, int)):
        return TRAIN if arg.value else EVAL
    return UNKNOWN


def _receiver(call: ast.Call) -> Optional[str]:
    """`self.backbone` for `self.backbone.eval()` (None for `super().eval()`, `f().eval()`)."""
    from bnlint.inventory import dotted_name

    return dotted_name(call.func.value) if isinstance(call.func, ast.Attribute) else None


def _calls_in_order(body: List[ast.stmt]) -> List[Tuple[ast.Call, bool]]:
    """Every call in ``body`` in source order, with whether it runs only on some paths (under an
    `if`, a loop, a `try`, a `with`, a comprehension or a lambda). Nested functions are skipped."""
    out: List[Tuple[ast.Call, bool]] = []

    def visit(node: ast.AST, conditional: bool) -> None:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            return
        if isinstance(node, ast.Call):
            out.append((node, conditional))
        branchy = isinstance(node, (ast.If, ast.For, ast.AsyncFor, ast.While, ast.Try, ast.IfExp, ast.Lambda, ast.comprehension, ast.BoolOp))
        for child in ast.iter_child_nodes(node):
            visit(child, conditional or branchy)

    for stmt in body:
        visit(stmt, False)
    out.sort(key=lambda item: (getattr(item[0], "lineno", 0), getattr(item[0], "col_offset", 0)))
    return out


def _class_summary(
    cls: ast.ClassDef, definitions: Dict[str, "Definition"], aliases: Dict[str, str], method_switches: "Optional[Callable[[str, str], bool]]" = None
) -> Optional[Construction]:
    methods = {item.name: item for item in cls.body if isinstance(item, (ast.FunctionDef, ast.AsyncFunctionDef))}
    init = methods.get("__init__")
    if init is None:
        return None
    # `self.<attr> = SomeClass(...)` in the constructor: the class whose methods a later
    # `self.<attr>.initialize()` runs.
    built_by = {
        t.attr: _dotted(stmt.value.func)
        for stmt in ast_walk(init)
        if isinstance(stmt, ast.Assign) and isinstance(stmt.value, ast.Call)
        for t in stmt.targets
        if isinstance(t, ast.Attribute) and isinstance(t.value, ast.Name) and t.value.id == "self"
    }
    # `self.backbone = resnet18(weights=...).eval()`: a part put in eval as it is built and kept.
    evaluated_parts = {id(call) for stmt in ast_walk(init) if isinstance(stmt, ast.Assign) for call in _evaluated_as_kept(stmt)}
    mode: Optional[str] = None
    freezes = False
    freeze_tests: List[Optional[str]] = []  # per freezing call: the `if <param>:` it is under, if any
    params = [a.arg for a in init.args.args[1:]]
    seen = {"__init__"}
    todo = [(init, False, None)]  # (method, runs only on some paths, the `if P:` its call in `__init__` is under)
    # What the classes of this module it derives from build as `self.<attr>` counts too (a linear
    # probe freezing `self.trunk`, built by the pretraining network's `__init__` it calls).
    built_methods = dict(methods)
    built_methods.update((f"{base.name}.{name}", fn) for base in _module_bases(cls, definitions) for name, fn in _methods(base).items())
    bn_attrs = _bn_attributes(built_methods, aliases)
    # Parts built from a class of this module that builds BatchNorm (`self.text_enc =
    # TextEncoder()`): frozen whole, their BN is frozen (their own parts' names say nothing).
    own_bn_attrs = _own_class_bn_attributes(built_methods, aliases, definitions)
    def builds_bn() -> bool:  # read only for a constructor that freezes all of `self`
        return _builds_bn(methods, aliases)
    params_frozen = False
    frozen_site: Optional[Tuple[int, int, int, int]] = None
    # A checkpoint loaded into the object or a part of it while it is built, or a part built with
    # trained weights (`self.net = resnet50(pretrained=True)`, unconditionally).
    loads = any(_assigns_self_attribute(stmt) and _built_with_weights(stmt.value) for stmt in init.body)  # type: ignore[attr-defined]
    while todo:
        fn, outer_conditional, outer_test = todo.pop(0)
        adopted = _adopted_bn_locals(fn, aliases) if fn is init else None
        frozen_by = None if outer_conditional else _freezes_bn_parameters(fn, bn_attrs, methods, definitions, builds_bn, own_bn_attrs, adopted)
        if frozen_by is not None:
            params_frozen = True
            frozen_site = frozen_site or _freeze_site(frozen_by)
        for stmt in fn.body:
            # `self.freeze_bn` as a statement, with `freeze_bn` a property: reading it runs it
            # (the same as a call of a method).
            read = stmt.value if isinstance(stmt, ast.Expr) else None
            if isinstance(read, ast.Attribute) and isinstance(read.value, ast.Name) and read.value.id == "self" and read.attr not in seen:
                getter = methods.get(read.attr)
                if getter is not None and any(_dotted(d) == "property" for d in getter.decorator_list):
                    seen.add(read.attr)
                    todo.append((getter, outer_conditional, outer_test))
        for call, conditional in _calls_in_order(fn.body):
            conditional = conditional or outer_conditional
            receiver = _receiver(call)
            set_to = _mode_of(call)
            if isinstance(call.func, ast.Attribute) and call.func.attr in ("load_state_dict", "load_weights") and receiver and receiver.split(".")[0] == "self":
                loads = True  # `self.model.load_state_dict(torch.hub.load_state_dict_from_url(...))`
            if set_to is not None and receiver == "self":
                mode = UNKNOWN if conditional else set_to
            elif set_to == EVAL and (receiver is not None or id(call) in evaluated_parts):
                # `self.backbone.eval()`, or `m.eval()` on a submodule in a loop over self.modules()
                freezes = True
                freeze_tests.append(_param_test_around(fn, call, params) if fn is init else outer_test)
            elif isinstance(call.func, ast.Attribute) and call.func.attr == "apply" and receiver and receiver.split(".")[0] == "self":
                freezes = freezes or _applies_eval(call, methods, definitions, aliases)
            elif receiver == "self" and isinstance(call.func, ast.Attribute) and call.func.attr in methods and call.func.attr not in seen:
                seen.add(call.func.attr)
                todo.append((methods[call.func.attr], conditional, _param_test_around(fn, call, params) if fn is init else outer_test))
            elif receiver and receiver.startswith("self.") and receiver.count(".") == 1 and isinstance(call.func, ast.Attribute) and built_by.get(receiver[5:]):
                if _method_switches_modes(built_by[receiver[5:]] or "", call.func.attr, definitions, aliases, method_switches):
                    # A part built here and switched by its own method (`self.model.initialize()`
                    # putting its network in eval on some path): what mode it is left in is not
                    # followed, so the object's mode is unknown.
                    mode = UNKNOWN
    if not params_frozen:
        # A part built here by a class of the module whose own construction freezes its BN
        # parameters (`self.cnn = MultitaskCNN(...)`, which sets `requires_grad = False` on all of
        # them): this object holds those frozen BN layers too.  (Unconditional assignments only.)
        params_frozen = any(
            _builds_param_frozen(stmt.value, init, definitions, aliases) or _method_returns_frozen(stmt.value, methods, definitions, aliases)
            for stmt in init.body if _assigns_self_attribute(stmt)
        )
    params_flag = None
    if not params_frozen:
        params_flag = next(
            (flag for stmt in init.body if isinstance(stmt, ast.If) and not stmt.orelse
             and (flag := _flag_parameter(stmt.test, init, params)) is not None
             and _freezes_bn_parameters(stmt, bn_attrs, methods, definitions, builds_bn, own_bn_attrs)),
            None,
        )
    if params_frozen and _ema_parts(methods):
        # `for ps, pt in zip(self.student.parameters(), self.teacher.parameters()):
        # pt.data.mul_(m).add_(...)`: the part its constructor froze is an EMA teacher (DINO, BYOL,
        # MoCo), written in place from the student; its `requires_grad = False` keeps autograd out.
        params_frozen = False
    frozen_argument = None if params_frozen else _frozen_kept_argument(init, params)
    override = methods.get("train")
    if (params_frozen or params_flag or frozen_argument) and override is not None and any(isinstance(n, ast.Call) and _mode_of(n) == EVAL for n in ast_walk(override)):
        # its `train()` puts the BN layers back in eval: frozen for real
        params_frozen, params_flag, frozen_argument = False, None, None
    if mode is None and not freezes and not params_frozen and not params_flag and not loads and not frozen_argument:
        return None
    flag = freeze_tests[0] if freeze_tests and all(t == freeze_tests[0] for t in freeze_tests) else None
    return Construction(
        mode or TRAIN, freezes, freezes_bn_params=params_frozen, freeze_flag=flag, freeze_flag_index=params.index(flag) if flag else -1,
        freeze_flag_default=_default_truth(init, flag) if flag else None, loads_weights=loads,
        params_freeze_flag=params_flag, params_freeze_flag_index=params.index(params_flag) if params_flag else -1,
        params_freeze_default=_default_truth(init, params_flag) if params_flag else None,
        params_frozen_argument=frozen_argument, params_frozen_argument_index=params.index(frozen_argument) if frozen_argument else -1,
        params_frozen_site=frozen_site if params_frozen else None,
    )


_IN_PLACE_WRITES = frozenset({"mul_", "add_", "copy_", "lerp_", "sub_", "addcmul_", "set_"})


def _ema_parts(methods: Dict[str, ast.AST]) -> Set[str]:
    """The `self.<attr>` parts a method of the class writes in place from another part's
    parameters, in a loop over `zip(self.a.parameters(), self.b.parameters())` (`pt.data.mul_(m)`,
    `pt.data.copy_(ps.data)`, `pt.data = ...`): EMA teachers and momentum encoders.  The `ast`
    reading of ``facts._ema_targets`` for a class of another module."""
    out: Set[str] = set()
    for fn in methods.values():
        for loop in ast_walk(fn):
            if not (isinstance(loop, ast.For) and isinstance(loop.iter, ast.Call) and _dotted(loop.iter.func) == "zip" and isinstance(loop.target, (ast.Tuple, ast.List))):
                continue
            names = [e.id if isinstance(e, ast.Name) else "" for e in loop.target.elts]
            sources = list(loop.iter.args)
            if len(names) != len(sources):
                continue
            for name, source in zip(names, sources):
                if not name or not _written_in_place(loop, name):
                    continue
                if isinstance(source, ast.Call) and isinstance(source.func, ast.Attribute) and source.func.attr in ("parameters", "named_parameters"):
                    owner = _dotted(source.func.value) or ""
                    if owner.startswith("self.") and owner.count(".") == 1:
                        out.add(owner[5:])
    return out


def _written_in_place(loop: ast.For, name: str) -> bool:
    for node in ast_walk(loop):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr in _IN_PLACE_WRITES:
            receiver = node.func.value
            while isinstance(receiver, (ast.Attribute, ast.Call)):
                receiver = receiver.func if isinstance(receiver, ast.Call) else receiver.value
            if isinstance(receiver, ast.Name) and receiver.id == name:
                return True
        if isinstance(node, ast.Assign) and any(_dotted(t) == f"{name}.data" for t in node.targets):
            return True
    return False


def _evaluated_as_kept(stmt: ast.Assign) -> List[ast.Call]:
    """The `.eval()` call of `self.<attr> = <built>.eval()` (also `.eval().to(device)`), if any."""
    if not any(isinstance(t, ast.Attribute) and isinstance(t.value, ast.Name) and t.value.id == "self" for t in stmt.targets):
        return []
    value = stmt.value
    while isinstance(value, ast.Call) and isinstance(value.func, ast.Attribute):
        if value.func.attr == "eval" and not value.args:
            return [value]
        value = value.func.value
    return []


def _frozen_kept_argument(init: ast.AST, params: List[str]) -> Optional[str]:
    """The constructor parameter whose module the constructor keeps (`self.backbone = backbone`)
    and whose parameters it then freezes, unconditionally, in its own body: that parameter."""
    kept: Dict[str, str] = {}
    for stmt in init.body:  # type: ignore[attr-defined]
        if isinstance(stmt, ast.Assign) and isinstance(stmt.value, ast.Name) and stmt.value.id in params:
            for target in stmt.targets:
                name = _dotted(target)
                if name and name.startswith("self.") and name.count(".") == 1:
                    kept[name] = stmt.value.id
        owner = _frozen_by(stmt)
        if owner in kept:
            return kept[owner]
        if owner in params:
            return owner  # `for p in backbone.parameters(): ...` before or after keeping it
    return None


def _flag_parameter(test: ast.AST, init: ast.AST, params: List[str]) -> Optional[str]:
    """The constructor parameter ``P`` a test is the truth of: `P`, `self.P` set from it
    (`self.pretrained = pretrained`), or either compared `== True` / `is True`."""
    if isinstance(test, ast.Compare) and len(test.ops) == 1 and isinstance(test.ops[0], (ast.Eq, ast.Is)):
        right = test.comparators[0]
        if isinstance(right, ast.Constant) and right.value is True:
            test = test.left
    if isinstance(test, ast.Name):
        return test.id if test.id in params else None
    if isinstance(test, ast.Attribute) and isinstance(test.value, ast.Name) and test.value.id == "self":
        sources = {
            stmt.value.id
            for stmt in init.body  # type: ignore[attr-defined]
            if isinstance(stmt, ast.Assign) and isinstance(stmt.value, ast.Name)
            and any(_dotted(t) == f"self.{test.attr}" for t in stmt.targets)
        }
        if len(sources) == 1 and (source := next(iter(sources))) in params:
            return source
    return None


def _default_truth(fn: ast.AST, param: str) -> Optional[bool]:
    """The truth of ``param``'s literal default in ``fn``'s signature (None: none, or not literal)."""
    args = fn.args  # type: ignore[attr-defined]
    positional = args.posonlyargs + args.args
    defaults = dict(zip([a.arg for a in positional][len(positional) - len(args.defaults):], args.defaults))
    defaults.update({a.arg: d for a, d in zip(args.kwonlyargs, args.kw_defaults) if d is not None})
    node = defaults.get(param)
    try:
        return bool(ast.literal_eval(node)) if node is not None else None
    except ValueError:
        return None


def params_frozen_by(built: Construction, argument: "Callable[[str, int], Optional[bool]]") -> bool:
    """Are the BN parameters of what ``built`` summarises frozen, given the truth of the caller's
    argument for a parameter (``argument(name, position)``: True/False, or None when the call
    does not pass it)?  An argument that is passed but unknown reads as not frozen (quiet)."""
    if built.freezes_bn_params:
        return True
    if not built.params_freeze_flag:
        return False
    truth = argument(built.params_freeze_flag, built.params_freeze_flag_index)
    return bool(truth if truth is not None else built.params_freeze_default)


def _method_switches_modes(
    cls_name: str, method: str, definitions: Dict[str, "Definition"], aliases: Dict[str, str], method_switches: "Optional[Callable[[str, str], bool]]"
) -> bool:
    """Does ``method`` of the class ``cls_name`` (as the module names it) call `.train()`/`.eval()`?
    A class of this module is read here; one imported from the project is asked of
    ``method_switches`` (the project index); anything else is taken not to."""
    local = definitions.get(cls_name)
    if isinstance(local, ast.ClassDef):
        from bnlint.inventory import class_method

        fn = class_method(local, method)
        return fn is not None and any(isinstance(n, ast.Call) and _mode_of(n) is not None for n in ast_walk(fn))
    head, _, rest = cls_name.partition(".")
    target = aliases.get(head)
    if target is None or method_switches is None:
        return False
    return method_switches(f"{target}.{rest}" if rest else target, method)


def _param_test_around(fn: ast.AST, call: ast.Call, params: List[str]) -> Optional[str]:
    """The parameter ``P`` when ``call`` runs only under `if P:` in ``fn`` (besides the tests that
    pick the BN modules, `isinstance(m, nn.BatchNorm2d)`), else None."""
    parents: Dict[int, ast.AST] = {}
    for node in ast_walk(fn):
        for child in ast.iter_child_nodes(node):
            parents[id(child)] = node
    flags: List[ast.AST] = []
    node: ast.AST = call
    while id(node) in parents:
        parent = parents[id(node)]
        if isinstance(parent, ast.If) and node is not parent.test:
            if node in parent.orelse:
                return None  # an `else:` branch: not a plain `if P:`
            test = parent.test
            if not (isinstance(test, ast.Call) and isinstance(test.func, ast.Name) and test.func.id in ("isinstance", "issubclass")):
                flags.append(test)
        elif isinstance(parent, (ast.IfExp, ast.BoolOp)):
            return None
        node = parent
    if len(flags) == 1 and isinstance(flags[0], ast.Name) and flags[0].id in params:
        return flags[0].id
    return None


def _bn_trunks() -> frozenset:
    from bnlint.inventory import BN_TRUNKS

    return BN_TRUNKS


def _methods(cls: ast.ClassDef) -> Dict[str, ast.AST]:
    return {item.name: item for item in cls.body if isinstance(item, (ast.FunctionDef, ast.AsyncFunctionDef))}


def _module_bases(cls: ast.ClassDef, definitions: "Dict[str, Definition]") -> List[ast.ClassDef]:
    """The base classes of ``cls`` defined in its module, and theirs, nearest first."""
    out: List[ast.ClassDef] = []
    todo = [cls]
    while todo and len(out) < 8:
        for base in todo.pop(0).bases:
            found = definitions.get(base.id) if isinstance(base, ast.Name) else None
            if isinstance(found, ast.ClassDef) and found is not cls and found not in out:
                out.append(found)
                todo.append(found)
    return out


def _own_class_bn_attributes(methods: Dict[str, ast.AST], aliases: Dict[str, str], definitions: "Dict[str, Definition]") -> set:
    """`self.<attr>` set to an instance of a class of this module that builds BatchNorm."""
    out = set()
    for fn in methods.values():
        for node in ast_walk(fn):
            if not (isinstance(node, ast.Assign) and isinstance(node.value, ast.Call) and isinstance(node.value.func, ast.Name)):
                continue
            cls = definitions.get(node.value.func.id)
            if isinstance(cls, ast.ClassDef) and _builds_bn({n.name: n for n in cls.body if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef))}, aliases):
                out.update(name[5:] for t in node.targets if (name := _dotted(t)) and name.startswith("self.") and name.count(".") == 1)
    return out


def _bn_attributes(methods: Dict[str, ast.AST], aliases: Dict[str, str]) -> set:
    """`self.<attr>` set to a BatchNorm layer in the class's methods (`self.bn1 = nn.BatchNorm2d(64)`),
    or to a library model that holds BN (`self.base = torchvision.models.resnet50(...)`), the
    class resolved through the module's imports (``aliases``) as the inventory resolves it; a
    local BN subclass or a `norm_layer(...)` argument is not followed."""
    from bnlint.inventory import ModuleInventory, factory_holds_bn, is_bn_class

    resolve = ModuleInventory(path=None, aliases=aliases).resolve
    out = set()
    for fn in methods.values():
        for node in ast_walk(fn):
            if isinstance(node, ast.Assign) and isinstance(node.value, ast.Call) and (
                is_bn_class(q := resolve(_dotted(node.value.func) or "")) or factory_holds_bn(q) is True
            ):
                for t in node.targets:
                    name = _dotted(t)
                    if name and name.startswith("self.") and name.count(".") == 1:
                        out.add(name[5:])
        # `resnet = resnet34(...)` then `self.backbone = nn.Sequential(*list(resnet.children())[:-1])`
        for attrs in _bn_adoptions(fn, aliases).values():
            out |= attrs
    return out


def _builds_bn(methods: Dict[str, ast.AST], aliases: Dict[str, str]) -> bool:
    """Does the class build a BatchNorm layer anywhere in its methods (a container's part too)?
    Then freezing all of `self`'s parameters freezes BN's."""
    from bnlint.inventory import ModuleInventory, factory_holds_bn, is_bn_class

    resolve = ModuleInventory(path=None, aliases=aliases).resolve
    return any(
        isinstance(node, ast.Call) and (is_bn_class(q := resolve(_dotted(node.func) or "")) or factory_holds_bn(q) is True)
        for fn in methods.values() for node in ast_walk(fn)
    )


def _freezes_bn_parameters(
    fn: ast.AST, bn_attrs: set, methods: Optional[Dict[str, ast.AST]] = None, definitions: Optional[Dict[str, "Definition"]] = None,
    builds_bn: "Callable[[], bool]" = lambda: False, own_bn_attrs: "Optional[set]" = None, adopted_bn_locals: "Optional[set]" = None,
) -> Optional[ast.stmt]:
    """Unconditionally (not under an `if`) in ``fn``'s body: `for p in self.bn1.parameters():
    p.requires_grad = False`, `self.bn1.weight.requires_grad = False`, `self.bn1.requires_grad_(False)`
    on a BatchNorm attribute of the class, or `_freeze(self.bn1)` / `self._freeze(self.bn1)` with a
    function of the module or a method of the class that freezes what it is handed.  The statement
    that does it; None when none does."""
    for stmt in fn.body:  # type: ignore[attr-defined]
        owner = _frozen_by(stmt)
        if owner is None and isinstance(stmt, ast.Expr) and isinstance(stmt.value, ast.Call) and stmt.value.args:
            if _helper_freezes_argument(stmt.value, methods or {}, definitions or {}):
                owner = _dotted(stmt.value.args[0])
        if owner and owner.startswith("self.") and (owner[5:] in bn_attrs or owner[5:] in (own_bn_attrs or ())):
            return stmt
        if owner and owner.startswith("self.") and owner.count(".") == 2 and owner.split(".")[1] in bn_attrs and owner.split(".")[2] in _bn_trunks():
            # `self.base.layer1` of a `self.base = resnet50(...)`: a library model's stage (the
            # attributes ``_bn_attributes`` finds are BN layers and library models only)
            return stmt
        if owner == "self" and builds_bn():
            return stmt  # `for p in self.parameters(): p.requires_grad = False` in a class that builds BN
        if owner and adopted_bn_locals and (owner in adopted_bn_locals or (owner.count(".") == 1 and owner.split(".")[0] in adopted_bn_locals and owner.split(".")[1] in _bn_trunks())):
            return stmt  # `base = resnet50(...)`, its parameters frozen, then `self.features = nn.Sequential(*list(base.children())[:-1])`
    return None


def _freeze_site(stmt: ast.stmt) -> Tuple[int, int, int, int]:
    """The position of what sets `requires_grad` in ``stmt`` (a freezing statement: the loop's
    `p.requires_grad = False`, `X.requires_grad_(False)`, a helper's call), else of ``stmt``."""
    node: ast.AST = next(
        (
            n for n in ast_walk(stmt)
            if (isinstance(n, ast.Assign) and any(isinstance(t, ast.Attribute) and t.attr == "requires_grad" for t in n.targets))
            or (isinstance(n, ast.Call) and isinstance(n.func, ast.Attribute) and n.func.attr == "requires_grad_")
        ),
        stmt,
    )
    return (node.lineno, node.col_offset + 1, node.end_lineno or node.lineno, (node.end_col_offset or node.col_offset) + 1)  # type: ignore[attr-defined]



# What a constructor may do with a local model it adopts as a part, keeping its BatchNorm layers:
# `self.body = base`, `self.body = nn.Sequential(*list(base.children())[:-1])`, `base.to(device)`.
_ADOPTING_ATTRIBUTES = frozenset({"children", "named_children", "modules", "to", "cuda", "cpu", "float", "double", "half"})


def _adopted_bn_locals(fn: ast.AST, aliases: Dict[str, str]) -> set:
    """Locals of ``fn`` (a constructor) bound, outside any `if`, to a BatchNorm class or a library
    model that holds BN (``_bn_attributes``'s evidence), and kept afterwards as a part of the
    object, whole or by its children (`self.body = base`, `self.features =
    nn.Sequential(*list(base.children())[:-1])`): freezing their parameters freezes this object's
    BN parameters.  Not a local only some of whose attributes are kept (`self.fc = base.fc`)."""
    return set(_bn_adoptions(fn, aliases))


def _bn_adoptions(fn: ast.AST, aliases: Dict[str, str]) -> Dict[str, Set[str]]:
    """``_adopted_bn_locals``: each such local, with the `self.<attr>` names that keep it."""
    from bnlint.inventory import ModuleInventory, factory_holds_bn, is_bn_class

    body = getattr(fn, "body", None)
    if not isinstance(body, list):
        return {}
    resolve = ModuleInventory(path=None, aliases=aliases).resolve
    built: Dict[str, int] = {}
    for stmt in body:
        if isinstance(stmt, ast.Assign) and len(stmt.targets) == 1 and isinstance(stmt.targets[0], ast.Name) and isinstance(stmt.value, ast.Call):
            q = resolve(_dotted(stmt.value.func) or "")
            if is_bn_class(q) or factory_holds_bn(q) is True:
                built[stmt.targets[0].id] = stmt.lineno
    if not built:
        return {}
    adopted: Dict[str, Set[str]] = {}
    for stmt in body:
        if not isinstance(stmt, ast.Assign):
            continue
        attrs = {t.attr for t in stmt.targets if isinstance(t, ast.Attribute) and isinstance(t.value, ast.Name) and t.value.id == "self"}
        if not attrs:
            continue
        parents = {child: node for node in ast_walk(stmt.value) for child in ast.iter_child_nodes(node)}
        for node in ast_walk(stmt.value):
            if isinstance(node, ast.Name) and node.id in built and stmt.lineno > built[node.id]:
                parent = parents.get(node)
                if not isinstance(parent, ast.Attribute) or parent.attr in _ADOPTING_ATTRIBUTES:
                    adopted.setdefault(node.id, set()).update(attrs)
    return adopted


def _frozen_by(stmt: ast.stmt) -> Optional[str]:
    """The module whose parameters the statement freezes: `for p in X.parameters(): p.requires_grad =
    False` (or `p.requires_grad_(False)`), `X.requires_grad_(False)`, `X.weight.requires_grad = False`
    (or `.bias`): X; None for any other statement."""
    if isinstance(stmt, ast.For):
        it = stmt.iter
        if not (isinstance(it, ast.Call) and isinstance(it.func, ast.Attribute)):
            return None
        method = it.func.attr
        target = _dotted(stmt.target)
        if method == "parameters" and target and any(_frozen_by(inner) == target or _sets_requires_grad_false(inner, target) for inner in stmt.body):
            return _dotted(it.func.value)
        # `for name, p in X.named_parameters(): if "bn" in name: p.requires_grad = False`, or
        # `for m in X.modules(): if isinstance(m, nn.BatchNorm2d): m.requires_grad_(False)`: X's
        # BatchNorm parameters.
        pair = stmt.target.elts if isinstance(stmt.target, ast.Tuple) and len(stmt.target.elts) == 2 else None
        item = _dotted(pair[1]) if pair is not None and method.startswith("named_") else target
        if not item or method not in ("parameters", "named_parameters", "modules", "named_modules"):
            return None
        param_loop = method.endswith("parameters")

        def freezes_item(inner: ast.stmt) -> bool:
            return _sets_requires_grad_false(inner, item) or _frozen_by(inner) == item if param_loop else _frozen_by(inner) == item

        name_var = _dotted(pair[0]) if pair is not None and method == "named_parameters" else None
        for inner in stmt.body:
            if isinstance(inner, ast.If) and not inner.orelse and _selects_bn(inner.test) and any(freezes_item(s) for s in inner.body):
                return _dotted(it.func.value)
            if name_var is not None and isinstance(inner, ast.If):
                # `if not name.startswith("layer4"): p.requires_grad = False`: the parameters the
                # test keeps (or, in its `else`, rejects) are frozen; BN among them unless the
                # strings say otherwise (``param_names.name_filter_verdict``).
                tests = _name_tests(inner.test, name_var)
                for branch, kept in ((inner.body, True), (inner.orelse, False)):
                    if tests and any(freezes_item(s) for s in branch):
                        positive = [text for text, pos in tests if pos == kept]
                        negative = [text for text, pos in tests if pos != kept]
                        if name_filter_verdict(positive, negative) in ("bn", "norm", "subset"):
                            return _dotted(it.func.value)
        return None
    if isinstance(stmt, ast.Expr) and isinstance(stmt.value, ast.Call) and isinstance(stmt.value.func, ast.Attribute):
        call = stmt.value
        if call.func.attr == "requires_grad_" and call.args and _is_false(call.args[0]):  # type: ignore[attr-defined]
            return _dotted(call.func.value)  # type: ignore[attr-defined]
        return None
    if isinstance(stmt, ast.Assign) and _is_false(stmt.value):
        for t in stmt.targets:
            parts = (_dotted(t) or "").split(".")
            if len(parts) >= 3 and parts[-1] == "requires_grad" and parts[-2] in ("weight", "bias"):
                return ".".join(parts[:-2])
    return None


def _name_tests(test: ast.AST, name_var: str) -> List[Tuple[str, bool]]:
    """The strings a test on the parameter name ``name_var`` compares it with, each with whether
    a name passing the test holds it (`"fc" not in name`: ("fc", False); `not
    name.startswith("layer4")`: ("layer4", False)).  BN004's check reads the same on libcst."""
    out: List[Tuple[str, bool]] = []

    def visit(expr: ast.AST, positive: bool) -> None:
        if isinstance(expr, ast.UnaryOp) and isinstance(expr.op, ast.Not):
            visit(expr.operand, not positive)
        elif isinstance(expr, ast.BoolOp):
            for value in expr.values:
                visit(value, positive)
        elif isinstance(expr, ast.Compare) and len(expr.ops) == 1:
            if isinstance(expr.left, ast.Constant) and isinstance(expr.left.value, str) and _dotted(expr.comparators[0]) == name_var:
                if isinstance(expr.ops[0], ast.In):
                    out.append((expr.left.value, positive))
                elif isinstance(expr.ops[0], ast.NotIn):
                    out.append((expr.left.value, not positive))
        elif isinstance(expr, ast.Call) and isinstance(expr.func, ast.Attribute) and _dotted(expr.func.value) == name_var:
            if expr.func.attr in ("startswith", "endswith", "find", "__contains__"):
                for arg in expr.args:
                    for value in arg.elts if isinstance(arg, (ast.Tuple, ast.List)) else [arg]:
                        if isinstance(value, ast.Constant) and isinstance(value.value, str):
                            out.append((value.value, positive))
        elif isinstance(expr, ast.Call) and _dotted(expr.func) == "any":
            for node in ast_walk(expr):
                if isinstance(node, ast.Compare):
                    visit(node, positive)

    visit(test, True)
    return out


def _selects_bn(test: ast.AST) -> bool:
    """A test that is true for BatchNorm layers or their parameters: `isinstance(m,
    nn.BatchNorm2d)`, `"bn" in name`, `"BatchNorm" in classname`, or an `or`/`and` of such.  (A
    negated one, `"bn" not in name`, selects the rest.)"""
    if isinstance(test, ast.BoolOp):
        return any(_selects_bn(v) for v in test.values) if isinstance(test.op, ast.Or) else any(_selects_bn(v) for v in test.values) and not any(isinstance(v, ast.UnaryOp) for v in test.values)
    if isinstance(test, ast.Call) and _dotted(test.func) == "isinstance" and len(test.args) == 2:
        kinds = test.args[1]
        names = [_dotted(e) or "" for e in (kinds.elts if isinstance(kinds, (ast.Tuple, ast.List)) else [kinds])]
        return any("BatchNorm" in n.rsplit(".", 1)[-1] for n in names)
    if isinstance(test, ast.Compare) and len(test.ops) == 1 and isinstance(test.ops[0], ast.In) and isinstance(test.left, ast.Constant) and isinstance(test.left.value, str):
        word = test.left.value.lower().strip("._")
        return word in ("bn", "batchnorm", "batch_norm", "norm") or word.startswith("bn")
    return False


def _sets_requires_grad_false(stmt: ast.stmt, name: str) -> bool:
    """`name.requires_grad = False` (a parameter's flag)."""
    return isinstance(stmt, ast.Assign) and _is_false(stmt.value) and any(_dotted(t) == f"{name}.requires_grad" for t in stmt.targets)


def _helper_freezes_argument(call: ast.Call, methods: Dict[str, ast.AST], definitions: Dict[str, "Definition"]) -> bool:
    """`_freeze(x)` (a function of the module) or `self._freeze(x)` (a method of the class) that
    freezes the parameters of its first argument."""
    if isinstance(call.func, ast.Name):
        return _freezes_its_argument(definitions.get(call.func.id), 0)
    if isinstance(call.func, ast.Attribute) and _dotted(call.func.value) == "self":
        return _freezes_its_argument(methods.get(call.func.attr), 1)
    return False


def _freezes_its_argument(fn: Optional[ast.AST], position: int) -> bool:
    """Does the helper ``fn`` unconditionally freeze the parameters of its parameter at
    ``position`` (`def _freeze(module): for p in module.parameters(): p.requires_grad = False`,
    or `module.requires_grad_(False)`)?"""
    if not isinstance(fn, (ast.FunctionDef, ast.AsyncFunctionDef)) or len(fn.args.args) <= position:
        return False
    name = fn.args.args[position].arg
    return any(_frozen_by(stmt) == name for stmt in fn.body)


def _is_false(node: ast.AST) -> bool:
    return isinstance(node, ast.Constant) and node.value is False


def _dotted(node: ast.AST) -> Optional[str]:
    from bnlint.inventory import dotted_name

    return dotted_name(node)


def _applies_eval(call: ast.Call, methods: Dict[str, ast.AST], definitions: Dict[str, "Definition"], aliases: Dict[str, str]) -> bool:
    """`self.apply(lambda m: m.eval() if isinstance(m, nn.BatchNorm2d) else None)`, or a function
    of the module or a method of the class that puts BatchNorm (or every submodule) in eval
    (`set_bn_eval`; ``apply_effect``); a function defined elsewhere (or `init_weights`, which
    calls no `.eval()`, or one that switches only dropout) freezes nothing we can see."""
    from bnlint.inventory import is_bn_class, qualify

    if not call.args:
        return False
    fn = call.args[0]
    body: Optional[ast.AST] = None
    if isinstance(fn, ast.Lambda):
        body = fn
    elif isinstance(fn, ast.Attribute) and isinstance(fn.value, ast.Name) and fn.value.id == "self":
        body = methods.get(fn.attr)
    elif isinstance(fn, ast.Name):
        body = definitions.get(fn.id)  # type: ignore[assignment]
    return body is not None and apply_effect(body, lambda name: is_bn_class(qualify(name, aliases))) is not None


def _function_summary(
    fn: ast.AST, definitions: Dict[str, "Definition"], aliases: Dict[str, str], imported: "Optional[Callable[[str], Optional[Construction]]]" = None
) -> Optional[Construction]:
    if not isinstance(fn, (ast.FunctionDef, ast.AsyncFunctionDef)):
        return None
    calls = _calls_in_order(fn.body)
    own = _own_nodes(fn)
    nested = {n.name for n in own if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef))}
    returned = [n.value for n in own if isinstance(n, ast.Return) and n.value is not None]
    if returned and all(isinstance(v, ast.Lambda) or (isinstance(v, ast.Name) and v.id in nested) for v in returned):
        return Construction(UNKNOWN, returns_model=False)  # `def f(x): return net(x)` ... `return f`
    answers: List[str] = []
    for node in own:
        if not isinstance(node, ast.Return) or node.value is None:
            continue
        value = node.value
        mode: Optional[str] = None
        # `return Net().eval()`, `return model.eval().to(device)`
        cur = value
        while isinstance(cur, ast.Call) and isinstance(cur.func, ast.Attribute):
            set_to = _mode_of(cur)
            if set_to is not None:
                mode = set_to
                break
            cur = cur.func.value
        if mode is None and isinstance(value, (ast.Name, ast.Call)):
            # `return XrayNet(weights=w)`, or `model = XrayNet(...)` ... `return model`: a class of
            # this module whose constructor leaves the object in eval (`self.eval()` in `__init__`)
            # or in an unknown mode; a later mode call on the name decides instead (below).
            mode = _constructed_mode(value, fn, definitions, aliases)
            name = value.id if isinstance(value, ast.Name) else _receiver(value)
            if name:
                # The last mode call on the returned name before this return decides.
                for call, conditional in calls:
                    if getattr(call, "lineno", 0) > getattr(node, "lineno", 0):
                        break
                    set_to = _mode_of(call)
                    if set_to is not None and _receiver(call) == name:
                        mode = UNKNOWN if conditional else set_to
        answers.append(mode or TRAIN)
    frozen_at = _tuple_position_frozen(returned, fn, definitions, aliases)
    frozen = [(True, None) if _builds_param_frozen(v, fn, definitions, aliases, imported) else _freezes_what_it_returns(v, fn, definitions, aliases) for v in returned]
    params_frozen = bool(returned) and all(f is not None and f[1] is None for f in frozen)
    # Frozen only under one parameter of the factory (`if feature_extract:`): the caller decides.
    flags = {f[1] for f in frozen if f is not None}
    params_flag = flags.pop() if not params_frozen and returned and all(f is not None for f in frozen) and len(flags) == 1 else None
    returned_names = {v.id for v in returned if isinstance(v, ast.Name)}
    loads = any(
        isinstance(call.func, ast.Attribute) and call.func.attr in ("load_state_dict", "load_weights") and _receiver(call) in returned_names
        for call, _ in calls
    )
    # BN put in eval by the constructor of what it returns (`return Net(**kwargs)` with `if
    # freeze_bn: self.freeze_bn()` there): frozen as that call's arguments say.
    bn_freezes = {_returned_bn_freeze(v, fn, definitions, aliases, imported) for v in returned}
    bn_freeze = bn_freezes.pop() if len(bn_freezes) == 1 else None
    if (not answers or all(a == TRAIN for a in answers)) and not params_frozen and not params_flag and not loads and frozen_at < 0 and bn_freeze is None:
        return None
    mode = (answers[0] if all(a == answers[0] for a in answers) else UNKNOWN) if answers else TRAIN
    positional = [a.arg for a in fn.args.posonlyargs + fn.args.args]
    flag = bn_freeze[0] if bn_freeze is not None else None
    return Construction(
        mode, freezes_bn=bn_freeze is not None, freeze_flag=flag,
        freeze_flag_index=positional.index(flag) if flag in positional else -1,
        freeze_flag_default=bn_freeze[1] if bn_freeze is not None else None,
        freezes_bn_params=params_frozen, loads_weights=loads, params_freeze_flag=params_flag,
        params_freeze_flag_index=positional.index(params_flag) if params_flag in positional else -1,
        params_freeze_default=_default_truth(fn, params_flag) if params_flag else None, params_frozen_at=frozen_at,
        params_frozen_site=next((site for v in returned if (site := _local_freeze_site(v, fn, definitions, aliases)) is not None), None) if params_frozen else None,
    )


def _returned_bn_freeze(
    value: ast.AST, fn: ast.AST, definitions: Dict[str, "Definition"], aliases: Dict[str, str], imported: "Optional[Callable[[str], Optional[Construction]]]"
) -> Optional[Tuple[Optional[str], Optional[bool]]]:
    """Does the factory ``fn`` return (``value``) an object whose constructor puts its BN in eval
    (``Construction.freezes_bn``)?  (None, None): on every call; (P, default truth): under the
    factory's parameter P, passed on to the constructor's flag (`freeze_bn=freeze_bn`, or
    through `**kwargs`); None: not, or not known."""
    if isinstance(value, ast.Name):
        bound = _bound_values(fn, value.id)
        if len(bound) != 1:
            return None
        value = bound[0]
    if not isinstance(value, ast.Call):
        return None
    name = _dotted(value.func) or ""
    built = construction(definitions, name, aliases) if name in definitions else (imported(name) if imported is not None and name.split(".")[0] in aliases else None)
    if built is None or not built.freezes_bn:
        return None
    if not built.freeze_flag:
        return (None, None)
    passed = next((k.value for k in value.keywords if k.arg == built.freeze_flag), None)
    positional = [a for a in value.args if not isinstance(a, ast.Starred)]
    if passed is None and len(positional) == len(value.args) and 0 <= built.freeze_flag_index < len(positional):
        passed = positional[built.freeze_flag_index]
    kwargs = fn.args.kwarg.arg if fn.args.kwarg is not None else None  # type: ignore[attr-defined]
    if passed is None:
        if kwargs and any(k.arg is None and isinstance(k.value, ast.Name) and k.value.id == kwargs for k in value.keywords):
            return (built.freeze_flag, built.freeze_flag_default)  # the caller's `freeze_bn=` reaches it
        return (None, None) if built.freeze_flag_default else None
    if isinstance(passed, ast.Constant):
        return (None, None) if passed.value else None
    params = [a.arg for a in fn.args.posonlyargs + fn.args.args + fn.args.kwonlyargs]  # type: ignore[attr-defined]
    if isinstance(passed, ast.Name) and passed.id in params:
        return (passed.id, _default_truth(fn, passed.id))
    return None


def returned_imported_calls(fn: ast.AST, aliases: Dict[str, str]) -> List[str]:
    """The names of another module's callables whose result ``fn`` returns (`return build(...)`,
    or `model = build(...)` ... `return model`), as the module spells them: the factories a
    summary of ``fn`` may depend on (``construction(..., imported=)``)."""
    out: List[str] = []
    for node in _own_nodes(fn):
        if not isinstance(node, ast.Return) or node.value is None:
            continue
        values = _bound_values(fn, node.value.id) if isinstance(node.value, ast.Name) else [node.value]
        for value in values:
            name = _dotted(value.func) if isinstance(value, ast.Call) else None
            if name and name.split(".")[0] in aliases and name not in out:
                out.append(name)
    return out


def _bound_values(fn: ast.AST, name: str) -> List[ast.AST]:
    """The values plain assignments in ``fn`` give ``name`` (`model = XrayNet(...)`)."""
    return [n.value for n in ast_walk(fn) if isinstance(n, ast.Assign) and any(isinstance(t, ast.Name) and t.id == name for t in n.targets)]


def _unpacked_values(fn: ast.AST, name: str, definitions: Dict[str, "Definition"], depth: int = 0) -> List[ast.AST]:
    """The values ``name`` gets in ``fn`` from unpacking a call of a function of the module whose
    every `return` is a tuple (`net, width = backbone(name)`): at its position, each return's
    element, a call itself or a local name of that function read through its plain assignments."""
    out: List[ast.AST] = []
    if depth > 2:
        return out
    for node in ast_walk(fn):
        if not (isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Tuple) and isinstance(node.value, ast.Call)):
            continue
        names = [e.id if isinstance(e, ast.Name) else None for e in node.targets[0].elts]
        if name not in names or not isinstance(node.value.func, ast.Name):
            continue
        callee = definitions.get(node.value.func.id)
        if not isinstance(callee, (ast.FunctionDef, ast.AsyncFunctionDef)):
            continue
        index = names.index(name)
        returns = [r.value for r in ast_walk(callee) if isinstance(r, ast.Return) and r.value is not None]
        if not returns or not all(isinstance(r, ast.Tuple) and len(r.elts) == len(names) for r in returns):
            continue
        for r in returns:
            element = r.elts[index]  # type: ignore[attr-defined]
            if isinstance(element, ast.Name):
                out.extend(b for b in _bound_values(callee, element.id) + _unpacked_values(callee, element.id, definitions, depth + 1) if not _same_object_moved(b, element.id))
            else:
                out.append(element)
    return out


def _constructed_mode(value: ast.AST, fn: ast.AST, definitions: Dict[str, "Definition"], aliases: Dict[str, str]) -> Optional[str]:
    """The mode a class of this module leaves the object ``value`` builds in, when its constructor
    sets one (EVAL, or UNKNOWN for a switch under an `if`): `XrayNet(...)`, or a name every
    binding of which in ``fn`` is such a call with the same answer.  None otherwise (train mode)."""
    if isinstance(value, ast.Name):
        bound = _bound_values(fn, value.id)
        modes = {_constructed_mode(b, fn, definitions, aliases) if not isinstance(b, ast.Name) else None for b in bound}
        return modes.pop() if len(modes) == 1 else (UNKNOWN if modes - {None} else None)
    if not isinstance(value, ast.Call):
        return None
    name = _dotted(value.func)
    if not isinstance(definitions.get(name or ""), ast.ClassDef):
        return None
    built = construction(definitions, name or "", aliases)
    return built.mode if built is not None and built.mode != TRAIN else None


def _built_with_weights(value: ast.AST) -> bool:
    """`resnet50(pretrained=True)`, `models.vgg16(weights="DEFAULT").cuda()`: a call given trained
    weights by a `pretrained=`/`weights=` keyword that is not False, None, 0 or empty."""
    while isinstance(value, ast.Call) and isinstance(value.func, ast.Attribute) and isinstance(value.func.value, ast.Call):
        value = value.func.value  # `.to(device)`, `.cuda()`
    from bnlint.inventory import weights_given

    return isinstance(value, ast.Call) and weights_given(value)


def _assigns_self_attribute(stmt: ast.stmt) -> bool:
    """`self.<attr> = <call>` (a statement of the constructor's own body)."""
    return (
        isinstance(stmt, ast.Assign) and isinstance(stmt.value, ast.Call)
        and any(isinstance(t, ast.Attribute) and isinstance(t.value, ast.Name) and t.value.id == "self" for t in stmt.targets)
    )


def _method_returns_frozen(value: ast.AST, methods: Dict[str, ast.AST], definitions: Dict[str, "Definition"], aliases: Dict[str, str]) -> bool:
    """`self.model = self.setup_model()` in a constructor, with a method of the class that returns
    a model with BatchNorm whose BN parameters it froze."""
    if not (isinstance(value, ast.Call) and isinstance(value.func, ast.Attribute) and _dotted(value.func.value) == "self"):
        return False
    method = methods.get(value.func.attr)
    built = _function_summary(method, definitions, aliases) if method is not None else None
    return built is not None and built.freezes_bn_params


def _builds_param_frozen(
    value: ast.AST, fn: ast.AST, definitions: Dict[str, "Definition"], aliases: Dict[str, str], imported: "Optional[Callable[[str], Optional[Construction]]]" = None
) -> bool:
    """Does ``value`` (returned by ``fn``) build a class of the module whose construction freezes
    its BN parameters: `return ResNetMulti(...)`, or `model = ResNetMulti(...)` ... `return model`
    (every binding of the name, as in `if refine: model = A(...) else: model = B(...)`)?  With
    ``imported``: or call a factory of another project module that returns a model it froze."""
    if isinstance(value, ast.Name):
        bound = _bound_values(fn, value.id)
        return bool(bound) and all(not isinstance(b, ast.Name) and _builds_param_frozen(b, fn, definitions, aliases, imported) for b in bound)
    if not isinstance(value, ast.Call):
        return False
    name = _dotted(value.func)
    node = definitions.get(name or "")
    if node is None and imported is not None and name and name.split(".")[0] in aliases:
        built = imported(name)
        return built is not None and params_frozen_by(built, lambda param, index: _argument_truth(value, fn, param, index))
    if not isinstance(node, ast.ClassDef):
        return False
    built = construction(definitions, name or "", aliases)
    return built is not None and params_frozen_by(built, lambda param, index: _argument_truth(value, fn, param, index))


def _local_freeze_site(value: ast.AST, fn: ast.AST, definitions: Dict[str, "Definition"], aliases: Dict[str, str]) -> Optional[Tuple[int, int, int, int]]:
    """Where the constructor of the class of this module that ``value`` (returned by ``fn``)
    builds sets `requires_grad = False` (``Construction.params_frozen_site``); None if not known."""
    if isinstance(value, ast.Name):
        bound = _bound_values(fn, value.id)
        value = bound[0] if len(bound) == 1 else value
    name = _dotted(value.func) if isinstance(value, ast.Call) else None
    if not name or not isinstance(definitions.get(name), ast.ClassDef):
        return None
    built = construction(definitions, name, aliases)
    return built.params_frozen_site if built is not None else None


# Attribute names of a model's parts that are heads or sequence layers, not its BN trunk
# (`model.fc`, `model.classifier`): a mode switch or freeze of one says nothing about its BN.
_NON_BN_LEAVES = ("drop", "fc", "classifier", "head", "linear", "lstm", "rnn", "gru", "embed", "attn", "attention", "proj")


def looks_non_bn(path: List[str]) -> bool:
    """Does the last attribute of ``path`` (`["module", "fc"]`) name a part without BatchNorm?"""
    leaf = path[-1].lower() if path else ""
    return any(leaf.startswith(p) for p in _NON_BN_LEAVES)


def _live_nodes(fn: ast.AST, literals: "Optional[Dict[str, object]]") -> "Iterator[ast.AST]":
    """``ast.walk(fn)`` without the branches of `if flag:` / `if not flag:` that the literal
    ``literals`` gives the parameter `flag` rules out (`restore(path, net)` leaves
    `lock_restored=False`: its `if lock_restored:` freeze never runs)."""
    todo = [fn]
    while todo:
        node = todo.pop()
        yield node
        if literals and isinstance(node, ast.If):
            test, negate = node.test, False
            if isinstance(test, ast.UnaryOp) and isinstance(test.op, ast.Not):
                test, negate = test.operand, True
            if isinstance(test, ast.Name) and test.id in literals:
                taken = bool(literals[test.id]) != negate
                todo.extend(reversed(node.body if taken else node.orelse))
                continue
        todo.extend(reversed(list(ast.iter_child_nodes(node))))


def frozen_parameters(fn: ast.AST, unfreezes: bool = False, literals: "Optional[Dict[str, object]]" = None) -> Dict[str, Optional[str]]:
    """The parameters of ``fn`` whose module parameters it freezes: `for p in model.parameters():
    p.requires_grad = False` (also `named_parameters()`, pairs `p[1]` or `name, p`, under a name
    test), `model.requires_grad_(False)` — parameter -> None, or -> the parameter of ``fn`` whose
    value is written (`p.requires_grad = requires_grad`: a freeze where the call passes False).
    In a method, `self` and its attributes count as well (`for p in self.resnet.parameters()`).
    ``unfreezes``: the parameters it unfreezes instead (`= True`: `enable_gradients(model)`).
    ``literals``: the parameters a call binds to literals, whose `if`s rule branches out."""
    args = fn.args  # type: ignore[attr-defined]
    params = [a.arg for a in list(args.posonlyargs) + list(args.args) + list(args.kwonlyargs)]
    out: Dict[str, Optional[str]] = {}

    def written(value: ast.AST) -> Optional[Tuple[bool, Optional[str]]]:
        if unfreezes:
            return (True, None) if isinstance(value, ast.Constant) and value.value is True else None
        if _is_false(value):
            return True, None
        if isinstance(value, ast.Name) and value.id in params:
            return True, value.id
        return None

    def owner_of(expr: ast.AST) -> Optional[str]:
        # A parameter (`model`), or in a method `self` and its attributes (`self.resnet`).
        name = _dotted(expr)
        if not name:
            return None
        if name in params and name not in ("self", "cls"):
            return name
        return name if params and params[0] == "self" and (name == "self" or name.startswith("self.")) else None

    for node in _live_nodes(fn, literals):
        if isinstance(node, ast.For) and isinstance(node.iter, ast.Call) and isinstance(node.iter.func, ast.Attribute):
            if node.iter.func.attr not in ("parameters", "named_parameters"):
                continue
            owner = owner_of(node.iter.func.value)
            if owner is None:
                continue
            for inner in ast_walk(node):
                value = None
                if isinstance(inner, ast.Assign) and any(isinstance(t, ast.Attribute) and t.attr == "requires_grad" for t in inner.targets):
                    value = inner.value
                elif isinstance(inner, ast.Call) and isinstance(inner.func, ast.Attribute) and inner.func.attr == "requires_grad_" and inner.args:
                    value = inner.args[0]
                found = written(value) if value is not None else None
                if found is not None:
                    out.setdefault(owner, found[1])
        elif isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "requires_grad_" and node.args:
            owner = owner_of(node.func.value)
            found = written(node.args[0])
            if owner is not None and found is not None:
                out.setdefault(owner, found[1])
    return out


def _same_object_moved(value: ast.AST, name: str) -> bool:
    """`name.to(device)`, `name.cuda()`, `name.train()`: the object ``name`` holds, not a new one."""
    while isinstance(value, ast.Call) and isinstance(value.func, ast.Attribute) and value.func.attr in ("to", "cuda", "cpu", "float", "double", "half", "train", "eval"):
        value = value.func.value
    return isinstance(value, ast.Name) and value.id == name


def _tuple_position_frozen(returned: List[ast.AST], fn: ast.AST, definitions: Dict[str, "Definition"], aliases: Dict[str, str]) -> int:
    """The position, in every tuple the function returns, of a model whose BatchNorm parameters
    it froze on every path (``_freezes_what_it_returns``), or -1."""
    if not returned or not all(isinstance(v, ast.Tuple) for v in returned):
        return -1
    positions = set()
    for value in returned:
        found = [i for i, e in enumerate(value.elts) if (_freezes_what_it_returns(e, fn, definitions, aliases) or (False, ""))[1] is None]  # type: ignore[attr-defined]
        if len(found) != 1:
            return -1
        positions.add(found[0])
    return positions.pop() if len(positions) == 1 else -1


def _freezes_what_it_returns(value: ast.AST, fn: ast.AST, definitions: Dict[str, "Definition"], aliases: Dict[str, str]) -> "Optional[Tuple[bool, Optional[str]]]":
    """`model = efficientnet_b2(weights=...)`, `for p in model.parameters(): p.requires_grad =
    False` (in ``fn``'s body, directly or through a helper of the module handed the model:
    `set_parameter_requires_grad(model, feature_extract)`), `return model`: a factory that returns a
    model with BatchNorm whose parameters it froze (every binding of the name builds BN).  (True,
    None): on every path; (True, P): only when ``fn``'s parameter P is true (`if feature_extract:`
    around the freeze, or handed to the helper's own flag); None: no freeze seen.  A container
    returned around it (`return nn.Sequential(trunk, head)`) holds that frozen model."""
    if isinstance(value, ast.Call) and not value.keywords and (_qualified(value.func, aliases) or "").rsplit(".", 1)[-1] in ("Sequential", "ModuleList"):
        parts = value.args[0].elts if len(value.args) == 1 and isinstance(value.args[0], (ast.List, ast.Tuple)) else value.args
        found = [_freezes_what_it_returns(part, fn, definitions, aliases) for part in parts if isinstance(part, ast.Name)]
        return next((f for f in found if f is not None and f[1] is None), next((f for f in found if f is not None), None))
    if not isinstance(value, ast.Name):
        return None
    # (`net = net.to(device)`: the same object, moved; `net, width = backbone(name)`: what that
    # function of the module returns first.)
    bound = [b for b in _bound_values(fn, value.id) + _unpacked_values(fn, value.id, definitions) if not _same_object_moved(b, value.id)]
    if not bound or not all(isinstance(b, ast.Call) and _call_builds_bn(b, definitions, aliases) for b in bound):
        return None
    args = fn.args  # type: ignore[attr-defined]
    params = [a.arg for a in args.posonlyargs + args.args + args.kwonlyargs]
    flags = set()
    for stmt in fn.body:  # type: ignore[attr-defined]
        found = _statement_freeze(stmt, fn, params, definitions)
        if found is None:
            continue
        owner, flag = found[0].split("."), found[1]
        # The model itself, or its trunk (`model.features`), not its head (`model.classifier`).
        if owner[0] == value.id and (len(owner) == 1 or not looks_non_bn(owner[1:])):
            if flag is None:
                return True, None
            flags.add(flag)
    return (True, flags.pop()) if len(flags) == 1 else None


def _qualified(func: ast.AST, aliases: Dict[str, str]) -> Optional[str]:
    """A callee's dotted name through the module's imports (`nn.Sequential` -> `torch.nn.Sequential`)."""
    from bnlint.inventory import qualify

    name = _dotted(func)
    return qualify(name, aliases) if name else None


def _statement_freeze(stmt: ast.stmt, fn: ast.AST, params: List[str], definitions: Dict[str, "Definition"], depth: int = 0) -> "Optional[Tuple[str, Optional[str]]]":
    """What one statement of ``fn`` freezes, as (the module whose parameters it freezes, the
    parameter of ``fn`` whose truth the freeze runs under, or None for always): a freeze
    (``_frozen_by``), one under `if P:` with no `else`, or a call of a function of the module
    that does either to a parameter it is handed, its flag decided by the call's literal, by
    the helper's default, or handed on from ``fn``'s own parameter."""
    owner = _frozen_by(stmt)
    if owner:
        return owner, None
    if isinstance(stmt, ast.If) and not stmt.orelse:
        flag = _flag_parameter(stmt.test, fn, params)
        if flag is None:
            return None
        for inner in stmt.body:
            found = _statement_freeze(inner, fn, params, definitions, depth)
            if found is not None and found[1] is None:
                return found[0], flag
        return None
    if depth > 1 or not (isinstance(stmt, ast.Expr) and isinstance(stmt.value, ast.Call) and isinstance(stmt.value.func, ast.Name)):
        return None
    from bnlint.inventory import _unpacks_nothing

    call = stmt.value
    helper = definitions.get(call.func.id)  # type: ignore[attr-defined]
    if not isinstance(helper, (ast.FunctionDef, ast.AsyncFunctionDef)) or not _unpacks_nothing(call):
        return None
    helper_params = [a.arg for a in helper.args.posonlyargs + helper.args.args]

    def handed(name: str) -> Optional[ast.AST]:
        for keyword in call.keywords:
            if keyword.arg == name:
                return keyword.value
        index = helper_params.index(name) if name in helper_params else -1
        return call.args[index] if 0 <= index < len(call.args) else None

    for inner in helper.body:
        found = _statement_freeze(inner, helper, helper_params + [a.arg for a in helper.args.kwonlyargs], definitions, depth + 1)
        if found is None:
            continue
        frozen, helper_flag = found
        head, _, rest = frozen.partition(".")
        target = handed(head)
        target_name = _dotted(target) if target is not None else None
        if not target_name:
            continue
        owner = f"{target_name}.{rest}" if rest else target_name
        if helper_flag is None:
            return owner, None
        argument = handed(helper_flag)
        if argument is None:
            if _default_truth(helper, helper_flag):
                return owner, None
            continue
        if isinstance(argument, ast.Constant):
            if argument.value:
                return owner, None
            continue
        if isinstance(argument, ast.Name) and argument.id in params:
            return owner, argument.id
    return None


def _call_builds_bn(call: ast.Call, definitions: Dict[str, "Definition"], aliases: Dict[str, str]) -> bool:
    """A call of a library factory or layer known to build BatchNorm (`torchvision.models.resnet50`),
    or of a class of this module whose methods build it."""
    from bnlint.inventory import ModuleInventory, factory_holds_bn, is_bn_class

    while isinstance(call.func, ast.Attribute) and call.func.attr in ("to", "cuda", "cpu", "float", "double", "half", "train", "eval") and isinstance(call.func.value, ast.Call):
        call = call.func.value  # `efficientnet_b0(weights=w).to(device)`
    name = _dotted(call.func) or ""
    node = definitions.get(name)
    if isinstance(node, ast.ClassDef):
        return _builds_bn({n.name: n for n in node.body if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef))}, aliases)
    resolve = ModuleInventory(path=None, aliases=aliases).resolve
    if any(k.arg == "norm_layer" and not is_bn_class(resolve(_dotted(k.value) or "")) for k in call.keywords):
        return False  # `resnet50(norm_layer=FrozenBatchNorm2d)`
    q = resolve(name)
    return is_bn_class(q) or bool(factory_holds_bn(q))


def _argument_truth(call: ast.Call, fn: ast.AST, param: str, index: int) -> Optional[bool]:
    """The truth of what ``call`` (in ``fn``) passes for the parameter ``param`` (position
    ``index`` after `self`): a literal keyword or positional argument, or an entry of a dict
    literal it unpacks (`MultitaskCNN(**cnn_kwargs)` with `cnn_kwargs = {'pretrained': True}`
    bound once in ``fn``).  None: not passed; False: passed but not a literal."""
    def truth(node: ast.AST) -> bool:
        try:
            return bool(ast.literal_eval(node))
        except ValueError:
            return False

    for kw in call.keywords:
        if kw.arg == param:
            return truth(kw.value)
        if kw.arg is None:
            unpacked = kw.value
            if isinstance(unpacked, ast.Name):
                bound = _bound_values(fn, unpacked.id)
                unpacked = bound[0] if len(bound) == 1 else unpacked
            if not isinstance(unpacked, ast.Dict):
                return False  # `**cfg` of unknown content may pass it
            for key, entry in zip(unpacked.keys, unpacked.values):
                if key is None:
                    return False
                if isinstance(key, ast.Constant) and key.value == param:
                    return truth(entry)
    if any(isinstance(a, ast.Starred) for a in call.args):
        return False
    return truth(call.args[index]) if 0 <= index < len(call.args) else None


def _own_nodes(fn: ast.AST) -> List[ast.AST]:
    """The nodes of ``fn``'s body, with nested functions and classes themselves but not their bodies."""
    out: List[ast.AST] = []
    todo = list(ast.iter_child_nodes(fn))
    while todo:
        node = todo.pop()
        out.append(node)
        if not isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Lambda)):
            todo.extend(ast.iter_child_nodes(node))
    return out


def returned_tuple(fn: ast.AST) -> Optional[List[Tuple[List[ast.expr], str]]]:
    """What a function that returns a tuple (`return model, optimizer, scheduler`) hands back at
    each position: the values the element may hold (the calls a returned name was bound to, or
    the element itself) and the mode a model there is in (TRAIN, EVAL or UNKNOWN, from the mode
    calls on that name before the return).  None when some return is not a tuple of the same
    length, or unpacks a starred value."""
    if not isinstance(fn, (ast.FunctionDef, ast.AsyncFunctionDef)):
        return None
    own = _own_nodes(fn)
    returns = [n for n in own if isinstance(n, ast.Return)]
    if not returns or not all(isinstance(r.value, ast.Tuple) for r in returns):
        return None
    width = len(returns[0].value.elts)  # type: ignore[union-attr]
    if width < 2 or any(len(r.value.elts) != width or any(isinstance(e, ast.Starred) for e in r.value.elts) for r in returns):  # type: ignore[union-attr]
        return None
    bound: Dict[str, List[ast.expr]] = {}
    for node in own:
        if isinstance(node, ast.Assign):
            for t in node.targets:
                if isinstance(t, ast.Name):
                    bound.setdefault(t.id, []).append(node.value)
    calls = _calls_in_order(fn.body)
    out: List[Tuple[List[ast.expr], str]] = []
    for position in range(width):
        values: List[ast.expr] = []
        modes = set()
        for r in returns:
            element = r.value.elts[position]  # type: ignore[union-attr]
            if isinstance(element, ast.Name):
                values.extend(bound.get(element.id, []))
                chained = {_chain_mode(v) for v in bound.get(element.id, [])}
                mode = chained.pop() if len(chained) == 1 else UNKNOWN
                for call, conditional in calls:
                    if getattr(call, "lineno", 0) > r.lineno:
                        break
                    set_to = _mode_of(call)
                    if set_to is not None and _receiver(call) == element.id:
                        mode = UNKNOWN if conditional else set_to
                    elif _passes_bare(call, element.id):
                        mode = UNKNOWN  # `load_weights(model, path)`: a helper may switch it
                modes.add(mode)
            else:
                values.append(element)
                modes.add(_chain_mode(element))
        out.append((values, modes.pop() if len(modes) == 1 else UNKNOWN))
    return out


def _chain_mode(value: ast.AST) -> str:
    """The mode of a freshly built `Net()`, `Net().eval()`, `Net().to(device).train(False)`."""
    cur = value
    while isinstance(cur, ast.Call) and isinstance(cur.func, ast.Attribute):
        set_to = _mode_of(cur)
        if set_to is not None:
            return set_to
        cur = cur.func.value
    return TRAIN


def _passes_bare(call: ast.Call, name: str) -> bool:
    """Is the object bound to ``name`` handed to ``call`` itself (not `name.parameters()`), other
    than to a wrapper that keeps its mode (`nn.DataParallel(model)`)?"""
    from bnlint.calls import WRAPPER_LEAVES

    callee = _dotted(call.func) or ""
    if callee.rsplit(".", 1)[-1] in WRAPPER_LEAVES:
        return False
    return any(isinstance(a, ast.Name) and a.id == name for a in list(call.args) + [k.value for k in call.keywords])


def layers_switched_off(
    cls: "Union[ast.ClassDef, ast.FunctionDef]",
    is_layer: "Callable[[str], bool]",
    literals: "Dict[str, object]",
    rate: Optional[str] = None,
    nested: "Optional[Callable[[ast.Call, Dict[str, object]], Optional[bool]]]" = None,
) -> bool:
    """Does building ``cls`` with these literal arguments (the call's and the defaults it leaves in
    place) build none of the layers ``is_layer`` names?  True only when the class builds such a layer
    itself (`nn.Dropout(...)`), always in `__init__` and under an `if` on an `__init__` parameter that
    the literals decide against (`if use_dropout:` with `use_dropout=False`, `if norm == "bn":` with
    `norm="gn"`), or, with ``rate`` (the layer's first argument's keyword, "p" for dropout), built
    with a rate of zero (`nn.Dropout(dropout)` with `dropout=0.0`, `nn.Dropout(cfg["drop_rate"])`
    with a config dict whose "drop_rate" is 0.0): such a layer does nothing in either mode.  A
    layer built anywhere else, or under a test they do not decide: False.  ``nested`` answers for
    the other calls of `__init__` with the literals they get (``argument_literal``): None for a
    call that builds no such layer, True for one that builds them all switched off, False
    otherwise (`TransformerBlock(cfg)` of a GPT whose blocks take the same config).  A builder
    function (`make_layers(cfg, batch_norm=False)`, `plain_net()`) is read as its own `__init__`."""
    if isinstance(cls, ast.FunctionDef):
        init: "Optional[ast.AST]" = cls
        methods: "List[ast.AST]" = [cls]
    else:
        init = next((n for n in cls.body if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef)) and n.name == "__init__"), None)
        methods = [n for n in cls.body if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef))]
    found_in_init = 0
    for method in methods:
        for node in ast_walk(method):
            if isinstance(node, ast.Call) and is_layer(_dotted(node.func) or ""):
                if method is not init:
                    return False
                found_in_init += 1
    if init is None or not (found_in_init or nested is not None):
        return False
    # `self.norm = norm` ... `if self.norm == "batch":`: the copy has the parameter's value (when
    # `__init__` assigns the attribute that once, from the parameter).
    copies: Dict[str, List[ast.AST]] = {}
    for node in ast_walk(init):
        if isinstance(node, (ast.Assign, ast.AugAssign, ast.AnnAssign)):
            for target in node.targets if isinstance(node, ast.Assign) else [node.target]:
                name = _dotted(target) if isinstance(target, ast.Attribute) else None
                if name and name.startswith("self."):
                    copies.setdefault(name, []).append(node)
    literals = dict(literals)
    for name, nodes in copies.items():
        value = getattr(nodes[0], "value", None)
        if len(nodes) == 1 and isinstance(nodes[0], ast.Assign) and isinstance(value, ast.Name) and value.id in literals:
            literals[name] = literals[value.id]
    off = 0

    def zero_rate(call: ast.Call) -> bool:
        if rate is None:
            return False
        arg = call.args[0] if call.args else next((k.value for k in call.keywords if k.arg == rate), None)
        value = argument_literal(arg, literals) if arg is not None else _UNKNOWN_ARGUMENT
        return isinstance(value, (int, float)) and not isinstance(value, bool) and value == 0

    nested_on = nested_off = 0
    for node, ruled_out in _calls_decided(init, literals, False):
        if is_layer(_dotted(node.func) or ""):
            if ruled_out or zero_rate(node):
                off += 1
        elif nested is not None and not ruled_out:
            answer = nested(node, literals)
            if answer is False:
                nested_on += 1
            elif answer:
                nested_off += 1
    return off == found_in_init and not nested_on and (found_in_init > 0 or nested_off > 0)


def _calls_decided(node: ast.AST, literals: "Dict[str, object]", decided_off: bool) -> "Iterator[Tuple[ast.Call, bool]]":
    """Each call under ``node``, with whether the literals rule it out: a call in the arm of an
    `if` or a conditional expression that the test decides against (`nn.Dropout(p) if dropout else
    nn.Identity()` with `dropout=False`) is not built."""
    from bnlint.effects import static_truth

    stack = [(node, decided_off)]
    while stack:
        current, off = stack.pop()
        if isinstance(current, (ast.If, ast.IfExp)):
            known = static_truth(current.test, literals)
            stack.append((current.test, off))
            for arm, ruled_out in ((current.body, known is False), (current.orelse, known is True)):
                for part in arm if isinstance(arm, list) else [arm]:
                    stack.append((part, off or ruled_out))
            continue
        if isinstance(current, ast.Call):
            yield current, off
        stack.extend((child, off) for child in ast.iter_child_nodes(current))


def apply_effect(fn: ast.AST, is_bn_class_ref: "Callable[[str], bool]") -> Optional[str]:
    """What `model.apply(fn)` does to the modes of the model's submodules, read from ``fn`` (a
    function definition or a lambda, of this module or another): "freeze" when it puts only the
    BatchNorm layers in eval (`if isinstance(m, nn.BatchNorm2d): m.eval()`), "eval" when it puts
    every submodule in eval, None when it switches nothing (or selects modules by a test that
    does not name BatchNorm).  ``is_bn_class_ref``: does a dotted name name a BatchNorm class?"""
    evals = filtered = False
    for node in ast_walk(fn):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
            first = node.args[0] if node.args else None
            if node.func.attr == "eval" or (node.func.attr == "train" and isinstance(first, ast.Constant) and first.value is False):
                evals = True
        if isinstance(node, ast.Call) and _dotted(node.func) in ("isinstance", "type"):
            filtered = True
        elif isinstance(node, ast.Constant) and isinstance(node.value, str) and "Norm" in node.value:
            filtered = True
        elif isinstance(node, (ast.If, ast.IfExp)):
            filtered = True
    if not evals:
        return None
    if not filtered:
        return "eval"
    return "freeze" if filter_mentions_bn(fn, is_bn_class_ref) else None


def filter_mentions_bn(fn: ast.AST, is_bn_class_ref: "Callable[[str], bool]") -> bool:
    """The test before ``m.eval()`` (in ``fn``, or a loop over the modules) selects BatchNorm,
    not Dropout & co."""
    import re

    for node in ast_walk(fn):
        if isinstance(node, ast.Call) and _dotted(node.func) == "isinstance" and len(node.args) >= 2:
            kinds = node.args[1]
            elements = list(kinds.elts) if isinstance(kinds, (ast.Tuple, ast.List)) else [kinds]
            if any(is_bn_class_ref(_dotted(e) or "") or "Norm" in (_dotted(e) or "") for e in elements):
                return True
        elif isinstance(node, ast.Constant) and isinstance(node.value, str) and ("Norm" in node.value or "bn" in node.value.lower()):
            return True
        elif isinstance(node, (ast.Name, ast.Attribute)) and is_bn_class_ref(_dotted(node) or ""):
            return True
        elif isinstance(node, ast.Name) and re.search(r"(^|_)(bn|batchnorm|norm)(\d|_|$)", node.id, re.IGNORECASE):
            return True
    return False


def argument_literal(arg: ast.AST, literals: "Dict[str, object]") -> object:
    """The literal value of an argument expression in a constructor whose parameters have the
    ``literals``: a constant, a parameter (or its `self.` copy), a key of a config-dict
    parameter (`cfg["drop_rate"]`) or an attribute of a settings-object parameter
    (`cfg.DROP_RATE`); ``_UNKNOWN_ARGUMENT`` otherwise."""
    if isinstance(arg, ast.Constant):
        return arg.value
    if isinstance(arg, (ast.Name, ast.Attribute)) and (_dotted(arg) or "") in literals:
        return literals[_dotted(arg) or ""]
    if isinstance(arg, ast.Attribute):  # `cfg.DROP_RATE` of a settings object (``ConfigLiteral``)
        table = literals.get(_dotted(arg.value) or "")
        if isinstance(table, ConfigLiteral):
            return table.values.get(arg.attr, _UNKNOWN_ARGUMENT)
    if isinstance(arg, ast.Subscript) and isinstance(arg.slice, ast.Constant) and isinstance(arg.slice.value, str):
        table = literals.get(_dotted(arg.value) or "")
        if isinstance(table, ConfigLiteral):
            return table.values.get(arg.slice.value, _UNKNOWN_ARGUMENT)
    return _UNKNOWN_ARGUMENT


class ConfigLiteral:
    """A config dict or settings object handed to a constructor, with those of its entries (or
    attributes) whose values are known literals (`{"drop_rate": 0.0, "emb_dim": 768}` bound to
    a module-level name, `config = Config()` with `self.DROP_RATE = 0.0`).  It equals no
    plain literal, so a test on the parameter itself stays undecided."""

    __slots__ = ("values",)

    def __init__(self, values: "Dict[str, object]") -> None:
        self.values = values


def literal_defaults(args: ast.arguments) -> "Dict[str, object]":
    """The parameters whose default is a literal (`skip_epoch_stats=False`, `valid_loader=None`)."""
    positional = list(args.posonlyargs) + list(args.args)
    out: Dict[str, object] = {}
    for a, d in zip(positional[len(positional) - len(args.defaults):], args.defaults):
        if isinstance(d, ast.Constant):
            out[a.arg] = d.value
    for a, d in zip(args.kwonlyargs, args.kw_defaults):
        if isinstance(d, ast.Constant):
            out[a.arg] = d.value
    return out


def construction_literals(init: ast.AST, positional: List[object], keywords: "Dict[str, object]", bound: bool = True) -> "Dict[str, object]":
    """The literal value of each parameter of ``init`` for a call: its default when the call leaves
    it, the call's literal (``positional``/``keywords`` hold NOT_GIVEN-free literals, or ``None``
    entries for arguments that are not literals, which then drop the parameter).  ``bound``: a
    method, whose first parameter (`self`) the call does not pass; False for a plain function."""
    args = init.args  # type: ignore[attr-defined]
    params = [a.arg for a in list(args.posonlyargs) + list(args.args)][1 if bound else 0 :]
    out = literal_defaults(args)
    for name, value in list(zip(params, positional)) + list(keywords.items()):
        if value is _UNKNOWN_ARGUMENT:
            out.pop(name, None)
        else:
            out[name] = value
    return out


_UNKNOWN_ARGUMENT = object()  # an argument that is not a literal (``construction_literals``)


def kept_parameters(init: ast.FunctionDef, params: List[str]) -> List[str]:
    """The constructor parameters a module keeps as submodules: `self.model = model`,
    `self.encoders = nn.ModuleList(encoders)`, `self.body = nn.Sequential(*layers)`."""
    kept = []
    for n in ast_walk(init):
        if isinstance(n, (ast.For, ast.AsyncFor, ast.ListComp, ast.GeneratorExp)):
            # `for name, child in donor.named_children(): self.trunk.add_module(name, child)` (or
            # the same as a list comprehension): the donor's own layers become this module's.
            iters = [n.iter] if isinstance(n, (ast.For, ast.AsyncFor)) else [g.iter for g in n.generators]
            for owner in (_children_owner(it) for it in iters):
                if owner in params and owner not in kept and any(isinstance(c, ast.Call) and isinstance(c.func, ast.Attribute) and c.func.attr == "add_module" for c in ast_walk(n)):
                    kept.append(owner)  # type: ignore[arg-type]
            continue
        if not (isinstance(n, ast.Assign) and any(isinstance(t, ast.Attribute) and isinstance(t.value, ast.Name) and t.value.id == "self" for t in n.targets)):
            continue
        value = n.value
        if isinstance(value, ast.Call) and (_dotted(value.func) or "").split(".")[-1] in ("ModuleList", "Sequential", "ModuleDict") and len(value.args) == 1:
            value = value.args[0].value if isinstance(value.args[0], ast.Starred) else value.args[0]
            owner = _children_owner(value)  # `nn.Sequential(*list(backbone.children())[:-1])`
            if owner is not None:
                value = ast.Name(id=owner)
        if isinstance(value, ast.Name) and value.id in params and value.id not in kept:
            kept.append(value.id)
    return kept


def _children_owner(expr: ast.AST) -> Optional[str]:
    """`donor.named_children()`, `list(m.children())[:-1]`, `m._modules.items()`: the name whose
    child modules these are, else None."""
    while isinstance(expr, ast.Subscript) or isinstance(expr, ast.Call) and isinstance(expr.func, ast.Name) and expr.func.id in ("list", "tuple") and expr.args:
        expr = expr.value if isinstance(expr, ast.Subscript) else expr.args[0]  # type: ignore[attr-defined]
    if isinstance(expr, ast.Call) and isinstance(expr.func, ast.Attribute) and expr.func.attr in ("children", "named_children", "items", "values"):
        base = expr.func.value
        if expr.func.attr in ("items", "values"):
            base = base.value if isinstance(base, ast.Attribute) and base.attr == "_modules" else None  # type: ignore[assignment]
        return base.id if isinstance(base, ast.Name) else None
    return None
