"""Which names in a module are BatchNorm layers, hold BatchNorm, or build models that do.

This is the cheap, project-wide half of the shared analysis.  It works on the
stdlib ``ast`` (about ten times faster to parse than libcst), so the linted
file and every project module it imports (``from models import Net``) are
summarised by the same code.  Imported modules are summarised lazily, only
when a rule asks about a name that comes from them, and cached per process.
"""
from __future__ import annotations

import ast
import os
import re
from dataclasses import dataclass, field
from typing import Callable, Dict, Iterable, List, Optional, Set, Tuple

# --- Tables of PyTorch semantics ----------------------------------------------

_BN_LEAVES = (
    "BatchNorm1d",
    "BatchNorm2d",
    "BatchNorm3d",
    "LazyBatchNorm1d",
    "LazyBatchNorm2d",
    "LazyBatchNorm3d",
    "SyncBatchNorm",
)
BN_CLASSES: Set[str] = set()
for _leaf in _BN_LEAVES:
    BN_CLASSES.update({f"torch.nn.{_leaf}", f"torch.nn.modules.{_leaf}", f"torch.nn.modules.batchnorm.{_leaf}"})
BN_CLASSES.update(
    {
        "torch.nn.modules.batchnorm._BatchNorm",
        "torch.nn.modules.batchnorm._LazyNormBase",
        "apex.parallel.SyncBatchNorm",
        "timm.layers.BatchNormAct2d",
        "timm.layers.norm_act.BatchNormAct2d",
        "timm.layers.SyncBatchNormAct",
        "timm.models.layers.BatchNormAct2d",
        "torch_geometric.nn.BatchNorm",
        "torch_geometric.nn.norm.BatchNorm",
    }
)

# Frozen BN: fixed affine + fixed statistics, no train-mode behaviour at all.
FROZEN_BN_CLASSES = {
    "torchvision.ops.FrozenBatchNorm2d",
    "torchvision.ops.misc.FrozenBatchNorm2d",
    "detectron2.layers.FrozenBatchNorm2d",
    "detectron2.layers.batch_norm.FrozenBatchNorm2d",
    "timm.layers.FrozenBatchNorm2d",
    "timm.layers.norm_act.FrozenBatchNorm2d",
    "mmcv.ops.FrozenBatchNorm2d",
}

BN_FUNCTIONS = {"torch.nn.functional.batch_norm", "torch.batch_norm"}

# Known model factories whose default norm layer is BatchNorm.
_TV_BN_FACTORY_PREFIXES = (
    "resnet",
    "resnext",
    "wide_resnet",
    "densenet",
    "inception_v3",
    "googlenet",
    "mobilenet_v2",
    "mobilenet_v3",
    "mnasnet",
    "shufflenet_v2",
    "efficientnet_",
    "regnet_",
    "maxvit",
    "fcn_resnet",
    "deeplabv3_",
    "lraspp_",
    "fasterrcnn_",
    "retinanet_",
    "maskrcnn_",
    "keypointrcnn_",
    "fcos_",
    "ssdlite",
    "r3d_",
    "r2plus1d_",
    "mc3_",
    "quantized_",
    "raft_",
)
_TV_NO_BN = ("alexnet", "vgg", "squeezenet", "vit_", "swin_", "convnext_", "ssd300", "mvit", "s3d")
_TV_MODULES = (
    "torchvision.models",
    "torchvision.models.segmentation",
    "torchvision.models.detection",
    "torchvision.models.video",
    "torchvision.models.optical_flow",
    "torchvision.models.resnet",
    "torchvision.models.densenet",
    "torchvision.models.mobilenet",
    "torchvision.models.mobilenetv2",
    "torchvision.models.mobilenetv3",
    "torchvision.models.efficientnet",
    "torchvision.models.inception",
    "torchvision.models.googlenet",
    "torchvision.models.regnet",
    "torchvision.models.shufflenetv2",
    "torchvision.models.mnasnet",
    "torchvision.models.vgg",
)
# Factories that may well return BN models: treated as BN-bearing.
MAYBE_BN_FACTORIES = {
    "timm.create_model",
    "timm.models.create_model",
    "torchvision.models.get_model",
    "torch.hub.load",
    "pretrainedmodels.__dict__",
}
_BN_LIBRARY_PREFIXES = ("segmentation_models_pytorch.", "efficientnet_pytorch.EfficientNet")
THIRD_PARTY_ROOTS = {
    "torch",
    "torchvision",
    "timm",
    "numpy",
    "np",
    "os",
    "sys",
    "math",
    "random",
    "typing",
    "collections",
    "functools",
    "itertools",
    "argparse",
    "logging",
    "time",
    "json",
    "pathlib",
    "dataclasses",
    "tensorflow",
    "keras",
    "jax",
    "sklearn",
    "scipy",
    "pandas",
    "matplotlib",
    "PIL",
    "cv2",
    "tqdm",
    "lightning",
    "pytorch_lightning",
    "detectron2",
    "mmcv",
    "transformers",
    "apex",
    "wandb",
}
LIGHTNING_MODULES = {
    "pytorch_lightning.LightningModule",
    "lightning.LightningModule",
    "lightning.pytorch.LightningModule",
    "pytorch_lightning.core.LightningModule",
    "pytorch_lightning.core.module.LightningModule",
    "lightning.pytorch.core.LightningModule",
}
# Calls that return (a wrapper of) their first argument / receiver, module-wise.
MODULE_WRAPPERS = {
    "torch.nn.DataParallel",
    "torch.nn.parallel.DataParallel",
    "torch.nn.parallel.DistributedDataParallel",
    "torch.nn.parallel.distributed.DistributedDataParallel",
    "torch.compile",
    "torch.jit.script",
    "torch.nn.SyncBatchNorm.convert_sync_batchnorm",
    "torch.nn.modules.batchnorm.SyncBatchNorm.convert_sync_batchnorm",
    "torch.optim.swa_utils.AveragedModel",
    "copy.deepcopy",
    "apex.parallel.DistributedDataParallel",
    "apex.parallel.convert_syncbn_model",
}
MODULE_METHODS_RETURNING_SELF = {
    "to",
    "cuda",
    "cpu",
    "half",
    "float",
    "double",
    "bfloat16",
    "train",
    "eval",
    "requires_grad_",
    "to_empty",
    "share_memory",
    "apply",
    "type",
}


def canonical(name: str) -> str:
    """Collapse the many import paths of the same torch object."""
    for prefix in ("torch.nn.modules.batchnorm.", "torch.nn.modules."):
        if name.startswith(prefix) and name[len(prefix):] in _BN_LEAVES:
            return "torch.nn." + name[len(prefix):]
    return name


def is_bn_class(qualified: Optional[str]) -> bool:
    return bool(qualified) and (qualified in BN_CLASSES or canonical(qualified) in BN_CLASSES)  # type: ignore[operator]


def is_frozen_bn_class(qualified: Optional[str]) -> bool:
    if not qualified:
        return False
    return qualified in FROZEN_BN_CLASSES or qualified.rsplit(".", 1)[-1].startswith("FrozenBatchNorm")


def factory_holds_bn(qualified: Optional[str]) -> Optional[bool]:
    """True/False for a known model factory, None when the name is not one."""
    if not qualified:
        return None
    if qualified in MAYBE_BN_FACTORIES:
        return True
    if qualified.startswith(_BN_LIBRARY_PREFIXES):
        return True
    module, _, leaf = qualified.rpartition(".")
    if module in _TV_MODULES:
        low = leaf.lower()
        if low.startswith(_TV_NO_BN) and not low.endswith("_bn"):
            return False
        if low.startswith(_TV_BN_FACTORY_PREFIXES) or low.endswith("_bn"):
            return True
        return None
    return None


# --- Text-level BN evidence (the prefilter's half of the tables above) ---------
#
# Every way the summaries above can decide that a name is (or builds) BatchNorm needs one of
# these substrings in the text of the module that spells it: the BN class and function
# names, the factories, and the torchvision factory prefixes (matched case-insensitively,
# like ``factory_holds_bn``).  The prefilter uses them to skip files that cannot involve BN.
# Names that are BN evidence on their own.
BN_EVIDENCE_TOKENS: Tuple[str, ...] = (
    "BatchNorm",  # every class in BN_CLASSES (and SyncBatchNorm, BatchNormAct2d, ...)
    "LazyNorm",  # torch.nn.modules.batchnorm._LazyNormBase
    "batch_norm",  # BN_FUNCTIONS
    "pretrainedmodels",  # MAYBE_BN_FACTORIES and _BN_LIBRARY_PREFIXES
    "segmentation_models_pytorch",
    "efficientnet_pytorch",
)
# (token, library): a factory name counts only in a text that also names its library, since
# its qualified name starts with the library (``timm.create_model``, ``torchvision.models.*``).
_FACTORY_EVIDENCE: Tuple[Tuple[str, str], ...] = (("create_model", "timm"), ("get_model", "torchvision"))
# torchvision factories, matched case-insensitively like ``factory_holds_bn`` does.
BN_EVIDENCE_TOKENS_LOWER: Tuple[str, ...] = tuple(sorted(set(_TV_BN_FACTORY_PREFIXES) | {"_bn"}))


def _has_word(text: str, word: str) -> bool:
    i = text.find(word)
    while i >= 0:
        j = i + len(word)
        if (i == 0 or not (text[i - 1].isalnum() or text[i - 1] == "_")) and (j >= len(text) or not (text[j].isalnum() or text[j] == "_")):
            return True
        i = text.find(word, j)
    return False


def text_has_bn_evidence(text: str) -> bool:
    """Could this module's text name a BatchNorm layer, BN function or BN-bearing factory?"""
    for token in BN_EVIDENCE_TOKENS:
        if token in text:
            return True
    for token, library in _FACTORY_EVIDENCE:
        if token in text and library in text:
            return True
    if _has_word(text, "hub"):  # torch.hub.load (not "github")
        return True
    if "torchvision" in text:
        low = text.lower()
        return any(token in low for token in BN_EVIDENCE_TOKENS_LOWER)
    return False


# `import a.b as c, d` / `from .x import (a, b as c)`, matched at a statement start (a line
# start, or after `;` or a one-line `if ...:`).  Over-matching (an import inside a string)
# only adds edges to the graph, which keeps the prefilter sound.
_IMPORT_STMT_RE = re.compile(
    r"[ \t]*(?:from[ \t\\\n]+(\.*[\w.]*)[ \t\\\n]+import[ \t]*(\([^)]*\)|(?:\\\n|[^\n;#])*)"
    r"|import[ \t]+((?:\\\n|[^\n;#])*))"
)


def imported_modules(text: str) -> List[Tuple[int, str, List[str]]]:
    """(relative level, module, imported names) for each import statement found in ``text``."""
    out: List[Tuple[int, str, List[str]]] = []
    done: Set[int] = set()
    pos = 0
    while True:
        i = text.find("import", pos)
        if i < 0:
            return out
        pos = i + 6
        line_start = text.rfind("\n", 0, i) + 1
        while line_start >= 2 and text[line_start - 2] == "\\":  # a continued line
            line_start = text.rfind("\n", 0, line_start - 2) + 1
        starts = [line_start]
        cut = max(text.rfind(";", line_start, i), text.rfind(":", line_start, i))
        if cut >= 0:
            starts.append(cut + 1)
        for start in starts:
            if start in done:
                break
            m = _IMPORT_STMT_RE.match(text, start)
            if m is None or m.end() <= i:
                continue
            done.add(start)
            if m.group(1) is not None:
                module = m.group(1)
                level = len(module) - len(module.lstrip("."))
                names = [n.split()[0] for n in m.group(2).replace("\\\n", " ").strip("()\\ \t\n").split(",") if n.split()]
                out.append((level, module.lstrip("."), [n for n in names if n.isidentifier()]))
            else:
                for part in m.group(3).replace("\\\n", " ").split(","):
                    words = part.split()
                    if words and all(p.isidentifier() for p in words[0].split(".")):
                        out.append((0, words[0], []))
            break


# --- Module summaries ---------------------------------------------------------


@dataclass
class ModuleInventory:
    path: Optional[str]
    aliases: Dict[str, str] = field(default_factory=dict)
    classes: Dict[str, ast.ClassDef] = field(default_factory=dict)
    functions: Dict[str, ast.FunctionDef] = field(default_factory=dict)
    class_bases: Dict[str, List[str]] = field(default_factory=dict)
    bn_layer_classes: Set[str] = field(default_factory=set)  # subclasses of a BN layer
    frozen_classes: Set[str] = field(default_factory=set)
    bn_holding: Set[str] = field(default_factory=set)  # classes and functions that hold/build BN
    lightning_classes: Set[str] = field(default_factory=set)
    # Classes whose own ``train()`` override puts BN back into eval mode.
    bn_eval_train_override: Set[str] = field(default_factory=set)

    def resolve(self, dotted: str) -> str:
        """Map a local dotted name (``nn.BatchNorm2d``) to its qualified name (``torch.nn.BatchNorm2d``)."""
        head, _, rest = dotted.partition(".")
        target = self.aliases.get(head)
        if target is None:
            return dotted
        return f"{target}.{rest}" if rest else target


def dotted_name(node: ast.AST) -> Optional[str]:
    parts: List[str] = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if isinstance(node, ast.Name):
        parts.append(node.id)
        return ".".join(reversed(parts))
    return None


def _import_aliases(tree: ast.Module) -> Dict[str, str]:
    aliases: Dict[str, str] = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for a in node.names:
                if a.asname:
                    aliases[a.asname] = a.name
                else:
                    root = a.name.split(".")[0]
                    aliases.setdefault(root, root)
        elif isinstance(node, ast.ImportFrom):
            module = "." * node.level + (node.module or "")
            for a in node.names:
                if a.name == "*":
                    continue
                sep = "" if module.endswith(".") or not module else "."
                aliases[a.asname or a.name] = f"{module}{sep}{a.name}"
    return aliases


class _References(ast.NodeVisitor):
    """Names a class or function body refers to, minus isinstance/type checks."""

    def __init__(self) -> None:
        self.names: List[Tuple[str, ast.AST]] = []
        self.calls: List[ast.Call] = []

    def visit_Call(self, node: ast.Call) -> None:
        func = dotted_name(node.func)
        if func in ("isinstance", "issubclass"):
            return  # `isinstance(m, nn.BatchNorm2d)` in weight init does not create BN
        self.calls.append(node)
        self.generic_visit(node)

    def visit_Compare(self, node: ast.Compare) -> None:
        # `type(m) == nn.BatchNorm2d`, `m.__class__ in (...)`: checks, not construction
        return

    def visit_Attribute(self, node: ast.Attribute) -> None:
        name = dotted_name(node)
        if name:
            self.names.append((name, node))
        else:
            self.generic_visit(node)

    def visit_Name(self, node: ast.Name) -> None:
        self.names.append((node.id, node))


ExternalLookup = Callable[[str], bool]


def summarise(tree: ast.Module, path: Optional[str], external_holds_bn: Optional[ExternalLookup] = None) -> ModuleInventory:
    inv = ModuleInventory(path=path, aliases=_import_aliases(tree))
    for node in tree.body:
        if isinstance(node, ast.ClassDef):
            inv.classes[node.name] = node
            inv.class_bases[node.name] = [inv.resolve(b) for b in (dotted_name(x) for x in node.bases) if b]
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            inv.functions[node.name] = node  # type: ignore[assignment]
    # Nested classes are rare in model code but cheap to include by name.
    for node in ast.walk(tree):
        if isinstance(node, ast.ClassDef) and node.name not in inv.classes:
            inv.classes[node.name] = node
            inv.class_bases[node.name] = [inv.resolve(b) for b in (dotted_name(x) for x in node.bases) if b]

    lookup = external_holds_bn or (lambda q: False)

    # BN layer subclasses and frozen look-alikes, to a fixpoint over local bases.
    changed = True
    while changed:
        changed = False
        for name, bases in inv.class_bases.items():
            if name in inv.bn_layer_classes or name in inv.frozen_classes:
                continue
            if name.startswith("FrozenBatchNorm") or any(is_frozen_bn_class(b) or b in inv.frozen_classes for b in bases):
                inv.frozen_classes.add(name)
                changed = True
            elif any(is_bn_class(b) or b in inv.bn_layer_classes for b in bases):
                inv.bn_layer_classes.add(name)
                changed = True
        for name, bases in inv.class_bases.items():
            if any(b in LIGHTNING_MODULES or b.endswith("LightningModule") for b in bases):
                inv.lightning_classes.add(name)

    refs: Dict[str, _References] = {}
    for name, node in list(inv.classes.items()) + list(inv.functions.items()):
        r = _References()
        for stmt in node.body:
            r.visit(stmt)
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            for default in node.args.defaults + [d for d in node.args.kw_defaults if d is not None]:
                r.visit(default)
        refs[name] = r
        if isinstance(node, ast.ClassDef):
            # `def __init__(self, norm_layer=nn.BatchNorm2d)` defaults count as references.
            for item in node.body:
                if isinstance(item, (ast.FunctionDef, ast.AsyncFunctionDef)):
                    for default in item.args.defaults + [d for d in item.args.kw_defaults if d is not None]:
                        r.visit(default)

    def name_is_bn_source(dotted: str, owner: str) -> bool:
        local_head = dotted.split(".")[0]
        if dotted in inv.bn_layer_classes or dotted in inv.bn_holding:
            return dotted != owner
        if local_head in inv.classes or local_head in inv.functions:
            return False
        q = inv.resolve(dotted)
        if is_bn_class(q):
            return True
        if is_frozen_bn_class(q):
            return False
        fact = factory_holds_bn(q)
        if fact is not None:
            return fact
        if q != dotted or q.startswith("."):
            root = q.lstrip(".").split(".")[0]
            if root not in THIRD_PARTY_ROOTS:
                return lookup(q)
        return False

    def call_overrides_norm(call: ast.Call) -> bool:
        """`resnet50(norm_layer=FrozenBatchNorm2d)` builds no train-mode BN."""
        for kw in call.keywords:
            if kw.arg == "norm_layer":
                q = inv.resolve(dotted_name(kw.value) or "")
                return not is_bn_class(q)
        return False

    changed = True
    while changed:
        changed = False
        for name, r in refs.items():
            if name in inv.bn_holding:
                continue
            bases = inv.class_bases.get(name, [])
            holds = any(b in inv.bn_holding for b in bases) or any(
                (b.split(".")[-1] not in ("Module", "Sequential", "ModuleList", "ModuleDict", "object"))
                and not b.startswith("torch.")
                and b.split(".")[0] not in THIRD_PARTY_ROOTS
                and b not in inv.classes
                and lookup(b)
                for b in bases
            )
            if not holds:
                overridden = {id(c.func) for c in r.calls if call_overrides_norm(c)}
                for dotted, node in r.names:
                    if id(node) in overridden:
                        continue
                    if name_is_bn_source(dotted, name):
                        holds = True
                        break
            if not holds:
                for c in r.calls:
                    if dotted_name(c.func) in ("F.batch_norm", "torch.batch_norm") or inv.resolve(dotted_name(c.func) or "") in BN_FUNCTIONS:
                        holds = True
                        break
            if holds:
                inv.bn_holding.add(name)
                changed = True

    for name, node in inv.classes.items():
        methods = {item.name: item for item in node.body if isinstance(item, (ast.FunctionDef, ast.AsyncFunctionDef))}
        override = methods.get("train")
        if override is not None and _train_override_evals_bn(override, inv.functions, methods):
            inv.bn_eval_train_override.add(name)
    return inv


def _train_override_evals_bn(fn: ast.AST, functions: Dict[str, ast.AST], methods: Dict[str, ast.AST], _seen: Optional[Set[int]] = None) -> bool:
    """A ``train()`` override that puts something (the BN layers) back into eval mode.

    Directly (``m.eval()``, ``.train(False)``, ``self.apply(fn)``) or through a helper it calls:
    a module-level function (``freeze_bn(self)``) or another method (``self._freeze_bn()``).
    """
    seen = _seen if _seen is not None else set()
    if id(fn) in seen:
        return False
    seen.add(id(fn))
    for node in ast.walk(fn):
        if not isinstance(node, ast.Call):
            continue
        func = node.func
        if isinstance(func, ast.Attribute):
            if func.attr == "eval" or func.attr == "apply":
                return True
            if func.attr == "train" and node.args:
                arg = node.args[0]
                if isinstance(arg, ast.Constant) and arg.value is False:
                    return True
            if isinstance(func.value, ast.Name) and func.value.id == "self" and func.attr in methods and func.attr != "train":
                if _train_override_evals_bn(methods[func.attr], functions, methods, seen):
                    return True
        elif isinstance(func, ast.Name) and func.id in functions:
            if _train_override_evals_bn(functions[func.id], functions, methods, seen):
                return True
    return False


# --- The project index --------------------------------------------------------

_MAX_INDEX_BYTES = 2_000_000
# How many imported-module summaries may be in progress at once (train.py -> models/__init__.py
# -> models/resnet.py -> models/blocks.py is three).
MAX_SUMMARY_NESTING = 3


class ProjectIndex:
    """Lazily summarises project modules that a linted file imports from."""

    def __init__(self) -> None:
        self._by_path: Dict[str, Optional[ModuleInventory]] = {}
        self._in_progress: Set[str] = set()
        self._answers: Dict[Tuple[str, str], bool] = {}
        # For the cache: every project path whose content (or absence) an answer
        # depended on, since the last ``take_consulted()``.  ``_deps`` keeps, per
        # summarised module, what its own summary consulted (transitively), so a
        # later file that reuses the summary records those paths too.
        self.consulted: Set[str] = set()
        self._deps: Dict[str, Set[str]] = {}
        # The text-level import graph (see ``text_reaches_bn``): per module file, whether its
        # text has BN evidence, the project files it imports, and the absent files probed.
        self._text_nodes: Dict[str, Tuple[bool, Tuple[str, ...], Tuple[str, ...]]] = {}
        self._text_resolved: Dict[Tuple[str, int, Tuple[str, ...]], Tuple[Tuple[str, ...], Tuple[str, ...]]] = {}
        # Modules from which no BN evidence is reachable, with what that answer rests on.
        self._text_dead: Dict[str, frozenset] = {}

    def take_consulted(self) -> Set[str]:
        """The paths consulted since the last call (existing or probed-and-absent), and reset."""
        out, self.consulted = self.consulted, set()
        return out

    def _note(self, path: str) -> None:
        self.consulted.add(path)
        deps = self._deps.get(path)
        if deps:
            self.consulted |= deps

    # --- the prefilter's project-wide evidence: a text-level import graph ------------
    def text_reaches_bn(self, path: Optional[str], source: str) -> bool:
        """Could any project module this file imports (transitively) hold BatchNorm?

        A necessary condition for ``holds_bn`` answering yes for any name of this file: that
        answer comes from the text of a project module reachable through imports, which must
        then contain a BN evidence token.  It reads files but parses nothing, so the prefilter
        can skip a file that merely imports project modules without BN (most framework code).
        """
        if path is None:
            return False
        start = os.path.abspath(path)
        seen: Set[str] = {start}
        consulted: Set[str] = set()
        _, edges, probed = self._text_scan(start, source)
        consulted.update(probed)
        todo = list(edges)
        visited: List[str] = []
        found = False
        while todo:
            p = todo.pop()
            if p in seen:
                continue
            seen.add(p)
            consulted.add(p)
            dead = self._text_dead.get(p)
            if dead is not None:
                consulted |= dead
                continue
            node = self._text_nodes.get(p)
            if node is None:
                try:
                    with open(p, "rb") as fh:
                        text = fh.read().decode("latin-1")
                except OSError:
                    continue
                node = self._text_scan(p, text)
                self._text_nodes[p] = node
            has, edges, probed = node
            consulted.update(probed)
            if has:
                found = True
                break
            visited.append(p)
            todo.extend(edges)
        self.consulted |= consulted
        if not found:
            deps = frozenset(consulted)
            for p in visited:
                self._text_dead[p] = deps
        return found

    def _text_scan(self, path: str, text: str) -> Tuple[bool, Tuple[str, ...], Tuple[str, ...]]:
        """(has BN evidence, project files imported, absent files probed) for one module's text."""
        edges: List[str] = []
        probed: List[str] = []
        folder = os.path.dirname(path)
        for level, module, names in imported_modules(text):
            parts = tuple(module.split(".")) if module else ()
            if not level and (not parts or parts[0] in THIRD_PARTY_ROOTS):
                continue
            targets = [parts] if parts else []
            targets += [parts + (n,) for n in names]
            if level and not parts:
                targets.append(("__init__",))  # `from . import x`: the package itself
            for target in targets:
                found, absent = self._resolve_text_import(folder, level, target)
                edges.extend(found)
                probed.extend(absent)
        return text_has_bn_evidence(text), tuple(dict.fromkeys(edges)), tuple(dict.fromkeys(probed))

    def _resolve_text_import(self, folder: str, level: int, target: Tuple[str, ...]) -> Tuple[Tuple[str, ...], Tuple[str, ...]]:
        """The files an import of ``target`` may load, as ``_candidate_modules`` would look for them."""
        key = (folder, level, target)
        cached = self._text_resolved.get(key)
        if cached is not None:
            return cached
        if level:
            base = folder
            for _ in range(level - 1):
                base = os.path.dirname(base)
            bases = [base]
        else:
            bases = []
            d = folder
            for _ in range(6):  # the file's folder and a few ancestors, as _candidate_modules
                bases.append(d)
                parent = os.path.dirname(d)
                if parent == d:
                    break
                d = parent
        found: List[str] = []
        absent: List[str] = []
        for base in bases:
            for split in range(len(target), 0, -1):
                stem = os.path.join(base, *target[:split])
                for candidate in (stem + ".py", os.path.join(stem, "__init__.py")):
                    (found if os.path.isfile(candidate) else absent).append(candidate)
            if found:
                break
        result = (tuple(found), tuple(absent))
        self._text_resolved[key] = result
        return result

    def inventory_for_source(self, source: str, path: Optional[str], tree: Optional[ast.Module] = None) -> ModuleInventory:
        if tree is None:
            tree = ast.parse(source)
        return summarise(tree, path, self._external_lookup(path))

    def _external_lookup(self, path: Optional[str]) -> ExternalLookup:
        def lookup(qualified: str) -> bool:
            if path is None:
                return False
            return self.holds_bn(path, qualified)

        return lookup

    def inventory_for_path(self, path: str) -> Optional[ModuleInventory]:
        path = os.path.abspath(path)
        self._note(path)
        if path in self._by_path:
            return self._by_path[path]
        if path in self._in_progress:
            return None  # import cycle: answer "unknown"
        if len(self._in_progress) >= MAX_SUMMARY_NESTING:
            # Summaries nest when a module's classes refer to other project modules. Deep chains
            # cost seconds on large code bases (framework internals importing each other) and
            # BN is almost always found within a few hops of the training script: answer "unknown".
            return None
        self._in_progress.add(path)
        outer, self.consulted = self.consulted, set()
        inv: Optional[ModuleInventory] = None
        try:
            if os.path.getsize(path) <= _MAX_INDEX_BYTES:
                with open(path, "rb") as fh:
                    tree = ast.parse(fh.read())
                inv = summarise(tree, path, self._external_lookup(path))
                # Only names are needed from imported modules: drop the AST nodes (memory).
                inv.classes = dict.fromkeys(inv.classes)  # type: ignore[assignment]
                inv.functions = dict.fromkeys(inv.functions)  # type: ignore[assignment]
                del tree
        except (OSError, SyntaxError, ValueError, RecursionError):
            inv = None
        finally:
            self._in_progress.discard(path)
            deps, self.consulted = self.consulted, outer
            deps.discard(path)
            self._deps[path] = deps
            self.consulted |= deps
        self._by_path[path] = inv
        return inv

    def holds_bn(self, from_path: str, qualified: str) -> bool:
        """Does the project object ``qualified`` (as imported in ``from_path``) hold BatchNorm?"""
        key = (os.path.abspath(from_path), qualified)
        if key in self._answers:
            return self._answers[key]
        self._answers[key] = False  # re-export cycles (`from . import x` in x's own package) answer "no"
        answer = self._holds_bn(from_path, qualified)
        self._answers[key] = answer
        return answer

    def _holds_bn(self, from_path: str, qualified: str) -> bool:
        for module_path, attr in self._candidate_modules(from_path, qualified):
            inv = self.inventory_for_path(module_path)
            if inv is None:
                continue
            head = attr.split(".")[0]
            if head in inv.bn_holding or head in inv.bn_layer_classes:
                return True
            if head in inv.classes or head in inv.functions:
                return False
            # Re-exported name (`from .resnet import ResNet` in __init__.py)
            if head in inv.aliases:
                target = inv.aliases[head]
                if target.split(".")[0].lstrip(".") in THIRD_PARTY_ROOTS or target.split(".")[0] in THIRD_PARTY_ROOTS:
                    return is_bn_class(target) or bool(factory_holds_bn(target))
                return self.holds_bn(module_path, target)
            return False
        return False

    def _candidate_modules(self, from_path: str, qualified: str) -> Iterable[Tuple[str, str]]:
        level = len(qualified) - len(qualified.lstrip("."))
        parts = qualified.lstrip(".").split(".")
        if level:
            base = os.path.dirname(os.path.abspath(from_path))
            for _ in range(level - 1):
                base = os.path.dirname(base)
            bases = [base]
        else:
            bases = []
            d = os.path.dirname(os.path.abspath(from_path))
            for _ in range(6):  # the file's folder and a few ancestors: src/, the repo root
                bases.append(d)
                parent = os.path.dirname(d)
                if parent == d:
                    break
                d = parent
        for base in bases:
            # Longest module prefix first: a.b.C -> module a/b.py attr C, then module a attr b.C
            for split in range(len(parts) - 1, 0, -1):
                mod, attr = parts[:split], ".".join(parts[split:])
                file_path = os.path.join(base, *mod) + ".py"
                pkg_path = os.path.join(base, *mod, "__init__.py")
                self.consulted.add(file_path)  # its absence decided the answer too
                if os.path.isfile(file_path):
                    yield file_path, attr
                    return
                self.consulted.add(pkg_path)
                if os.path.isfile(pkg_path):
                    yield pkg_path, attr
                    return
            if level:
                # `from . import models` style: `.X` inside the package __init__
                pkg_init = os.path.join(base, "__init__.py")
                if len(parts) == 1:
                    self.consulted.add(pkg_init)
                if len(parts) == 1 and os.path.isfile(pkg_init):
                    yield pkg_init, parts[0]
                    return
