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
# While the CLI imports the rules (``load_rules(lazy=True)``) they are empty
# shells in ``sys.modules`` that load on the first attribute access, so
# ``bnlint`` on files that pass no prefilter never pays for importing libcst
# (about 0.15 s).  The shells leave ``sys.modules`` as soon as the rules are
# imported: only bnlint's own modules hold them, and anything else importing
# libcst (a submodule such as ``libcst._nodes.expression``, a program that
# embeds bnlint, a pytest plugin) gets the real package, imported normally.
# The library API (``bnlint.engine.lint_source``) uses no shells at all.
LAZY_MODULES = ("libcst",)

# Standard-library modules that only files passing the prefilter need (``ast`` and ``tokenize``
# together cost 5-10 ms to import). ``bnlint check`` makes them lazy before importing anything else,
# so a run on files without BatchNorm tokens never loads them.  They stay in ``sys.modules``:
# they are plain modules (no submodules), and a shell loads in place, into the same object.
LAZY_STDLIB_MODULES = ("ast", "tokenize")


class _LazyModule(types.ModuleType):
    """A module whose code runs on the first access to an attribute it lacks.

    Unlike ``importlib.util.LazyLoader``, the import system's own reads
    (``__spec__``, ``__path__``, ``__name__``) do not trigger the load: they
    are plain entries of the module dict.  So ``import ast`` keeps it lazy,
    while ``ast.parse`` loads it.  After loading, the object is an ordinary
    module, so there is no per-access overhead in hot paths: loaded in place
    while it is the module in ``sys.modules`` (same identity); once withdrawn
    from there (``LAZY_MODULES``), a ``_Mirror`` of the real module.
    """

    def __getattr__(self, attr: str):
        _load_lazy(self)
        return getattr(self, attr)


class _Mirror(types.ModuleType):
    """A withdrawn shell after loading: the real module's names, copied once; a name the real
    module gained since (a submodule imported later) is read from it."""

    def __getattr__(self, attr: str):
        real = sys.modules.get(self.__name__)
        if real is None or real is self:
            raise AttributeError(f"module {self.__name__!r} has no attribute {attr!r}")
        return getattr(real, attr)


def _load_lazy(module: types.ModuleType) -> None:
    if type(module) is not _LazyModule:
        return
    spec = module.__spec__
    if sys.modules.get(spec.name) is not module:  # type: ignore[union-attr]
        # Withdrawn: the real module is imported the ordinary way (or already was) and mirrored.
        module.__class__ = _Mirror
        try:
            real = importlib.import_module(spec.name)  # type: ignore[union-attr]
        except BaseException:
            module.__class__ = _LazyModule
            raise
        module.__dict__.update(real.__dict__)
        return
    module.__class__ = types.ModuleType  # stop intercepting before the module code runs
    try:
        spec.loader.exec_module(module)  # type: ignore[union-attr]
    except BaseException:
        if sys.modules.get(spec.name) is module:  # type: ignore[union-attr]
            del sys.modules[spec.name]  # type: ignore[union-attr]
        raise


def install_lazy_modules(names=LAZY_MODULES) -> List[str]:
    """Put lazy shells for ``names`` in ``sys.modules`` (no-op for modules already imported);
    the names it installed."""
    import importlib.util

    installed: List[str] = []
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
        installed.append(name)
    return installed


def _withdraw_lazy_modules(names: Sequence[str]) -> None:
    """Take the shells of ``names`` that are still unloaded out of ``sys.modules``."""
    for name in names:
        if type(sys.modules.get(name)) is _LazyModule:
            del sys.modules[name]


def is_lazy(name: str) -> bool:
    """True while ``name`` is an unloaded lazy shell in ``sys.modules`` (for tests and diagnostics)."""
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


def load_rules(lazy: bool = False) -> List[RuleType]:
    """Import every ``bnlint.rules.*`` module once; each registers its rule class.

    ``lazy`` (the CLI): the rule modules get lazy shells for ``LAZY_MODULES``, which leave
    ``sys.modules`` once they are imported.  The library API (the default) swaps no modules
    under the program that embeds it."""
    global _loaded
    if not _loaded:
        installed = install_lazy_modules(LAZY_MODULES) if lazy else []
        try:
            package = _rules_package()

            for name in _rule_module_names(package.__path__):
                importlib.import_module(f"bnlint.rules.{name}")
        finally:
            _withdraw_lazy_modules(installed)
        RULES.sort(key=lambda r: r.code)
        _loaded = True
    return list(RULES)


def find_rule(key: str) -> Optional[RuleType]:
    for rule in load_rules():
        if rule.code.upper() == key.upper() or rule.name == key:
            return rule
    return None
