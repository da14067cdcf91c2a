"""Regular expressions compiled on first use.

The prefilter and the index define some forty patterns at module level, most of which a given run
never uses (BN002's momentum patterns in a file without `momentum`, ...).  Compiling them all at
import cost about 8 ms of every start.  ``lazy`` returns a stand-in that compiles on first use and
then keeps the compiled pattern's methods as its own attributes, so later calls cost the same as
on the pattern itself.
"""
from __future__ import annotations

import re

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing (a few ms of every start)
if TYPE_CHECKING:  # pragma: no cover
    from typing import Any

_METHODS = ("search", "match", "fullmatch", "finditer", "findall", "sub", "subn", "split", "scanner")


class LazyPattern:
    """``re.compile(pattern, flags)``, deferred; use it like the compiled pattern."""

    def __init__(self, pattern: str, flags: int = 0) -> None:
        self.pattern = pattern
        self.flags = flags

    def __getattr__(self, name: str) -> Any:
        # Only reached for attributes not yet set: the first use compiles.
        compiled = re.compile(self.pattern, self.flags)
        for method in _METHODS:
            setattr(self, method, getattr(compiled, method))
        self.groups = compiled.groups
        self.groupindex = compiled.groupindex
        # A class with __getattr__ keeps every later lookup off CPython's fast paths: become a
        # plain holder of the compiled pattern's methods.
        self.__class__ = _CompiledPattern
        return getattr(compiled, name)

    def __repr__(self) -> str:
        return f"lazy({self.pattern!r})"


class _CompiledPattern:
    """A ``LazyPattern`` after its first use: the compiled pattern's methods as attributes."""

    def __repr__(self) -> str:
        return f"lazy({self.pattern!r}, compiled)"


def lazy(pattern: str, flags: int = 0) -> Any:
    return LazyPattern(pattern, flags)
