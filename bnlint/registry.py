"""Loading the rule modules shipped in ``bnlint.rules``."""
from __future__ import annotations

import importlib
import os
import sys
import types

from bnlint.rule import RULES, RuleType

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing (a few ms of every start)
if TYPE_CHECKING:  # pragma: no cover
    from typing import List, Optional, Sequence

_loaded = False

# Modules that rule modules import at top level but only use inside methods.
# They are placed in ``sys.modules`` as empty shells that load for real on the
# first attribute access, so ``bnlint`` on files that pass no prefilter never
# pays for importing libcst (about 0.15 s).
LAZY_MODULES = ("libcst",)

# Standard-library modules that only files passing the prefilter need (``ast`` and ``tokenize``
# together cost 5-10 ms to import). ``bnlint check`` makes them lazy before importing anything else,
# so a run on files without BatchNorm tokens never loads them.
LAZY_STDLIB_MODULES = ("ast", "tokenize")


class _LazyModule(types.ModuleType):
    """A module whose code runs on the first access to an attribute it lacks.

    Unlike ``importlib.util.LazyLoader``, the import system's own reads
    (``__spec__``, ``__path__``, ``__name__``) do not trigger the load: they
    are plain entries of the module dict.  So ``import libcst as cst`` and
    even ``import libcst.metadata`` keep it lazy, while ``cst.Call`` loads it.
    After loading, the object is an ordinary module (same identity), so there
    is no per-access overhead in hot paths.
    """

    def __getattr__(self, attr: str):
        _load_lazy(self)
        return getattr(self, attr)


def _load_lazy(module: types.ModuleType) -> None:
    if type(module) is not _LazyModule:
        return
    module.__class__ = types.ModuleType  # stop intercepting before the module code runs
    spec = module.__spec__
    try:
        spec.loader.exec_module(module)  # type: ignore[union-attr]
    except BaseException:
        if sys.modules.get(spec.name) is module:  # type: ignore[union-attr]
            del sys.modules[spec.name]  # type: ignore[union-attr]
        raise


def install_lazy_modules(names=LAZY_MODULES) -> None:
    """Put lazy shells for ``names`` in ``sys.modules`` (no-op for modules already imported)."""
    import importlib.util

    for name in names:
        if name in sys.modules:
            continue
        try:
            spec = importlib.util.find_spec(name)
        except (ImportError, ValueError):
            continue
        if spec is None or spec.loader is None or not hasattr(spec.loader, "exec_module"):
            continue
        module = importlib.util.module_from_spec(spec)
        module.__class__ = _LazyModule
        sys.modules[name] = module


def is_lazy(name: str) -> bool:
    """True while ``name`` is an unloaded lazy shell (for tests and diagnostics)."""
    return type(sys.modules.get(name)) is _LazyModule


def _rules_package():
    """``bnlint.rules`` is the repository's ``rules/`` folder, mapped by pyproject.toml.

    Running from a source checkout without installing, the mapping is not in
    place, so load the folder under that name ourselves.
    """
    try:
        import bnlint.rules as package

        return package
    except ImportError:
        import importlib.util
        import os
        import sys

        folder = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "rules")
        spec = importlib.util.spec_from_file_location("bnlint.rules", os.path.join(folder, "__init__.py"), submodule_search_locations=[folder])
        if spec is None or spec.loader is None:
            raise
        package = importlib.util.module_from_spec(spec)
        sys.modules["bnlint.rules"] = package
        spec.loader.exec_module(package)
        return package


def _rule_module_names(paths: Sequence[str]) -> List[str]:
    """The rule modules in the package's folders (``pkgutil.iter_modules`` would import
    ``inspect``, a few milliseconds of every start, to tell the same from file names)."""
    names = set()
    for folder in paths:
        try:
            entries = os.listdir(folder)
        except OSError:
            continue
        for entry in entries:
            stem, dot, ext = entry.partition(".")
            if dot and ext in ("py", "pyc") and stem.isidentifier() and not stem.startswith("_"):
                names.add(stem)
            elif not dot and stem.isidentifier() and not stem.startswith("_") and os.path.isfile(os.path.join(folder, entry, "__init__.py")):
                names.add(stem)  # a rule package
    return sorted(names)


def load_rules() -> List[RuleType]:
    """Import every ``bnlint.rules.*`` module once; each registers its rule class."""
    global _loaded
    if not _loaded:
        install_lazy_modules()
        package = _rules_package()

        for name in _rule_module_names(package.__path__):
            importlib.import_module(f"bnlint.rules.{name}")
        RULES.sort(key=lambda r: r.code)
        _loaded = True
    return list(RULES)


def find_rule(key: str) -> Optional[RuleType]:
    for rule in load_rules():
        if rule.code.upper() == key.upper() or rule.name == key:
            return rule
    return None
