"""Loading the rule modules shipped in ``bnlint.rules``."""
from __future__ import annotations

import importlib
import pkgutil
from typing import List, Optional

from bnlint.rule import RULES, RuleType

_loaded = False


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


def load_rules() -> List[RuleType]:
    """Import every ``bnlint.rules.*`` module once; each registers its rule class."""
    global _loaded
    if not _loaded:
        package = _rules_package()

        for info in sorted(pkgutil.iter_modules(package.__path__), key=lambda i: i.name):
            if not info.name.startswith("_"):
                importlib.import_module(f"bnlint.rules.{info.name}")
        RULES.sort(key=lambda r: r.code)
        _loaded = True
    return list(RULES)


def find_rule(key: str) -> Optional[RuleType]:
    for rule in load_rules():
        if rule.code.upper() == key.upper() or rule.name == key:
            return rule
    return None
