"""bnlint.patterns: module-level regular expressions compiled on first use, used like compiled ones."""
import re
import subprocess
import sys

from bnlint.patterns import LazyPattern, lazy


def test_a_lazy_pattern_answers_like_the_compiled_one():
    text = "a1 b22 c333"
    for flags in (0, re.IGNORECASE):
        eager, deferred = re.compile(r"([a-c])(\d+)", flags), lazy(r"([a-c])(\d+)", flags)
        assert deferred.search(text).group(2) == eager.search(text).group(2)
        assert deferred.match(text).span() == eager.match(text).span()
        assert deferred.fullmatch("b22") is not None and deferred.fullmatch("b22x") is None
        assert [m.span() for m in deferred.finditer(text)] == [m.span() for m in eager.finditer(text)]
        assert deferred.findall(text) == eager.findall(text)
        assert deferred.sub(r"\2\1", text) == eager.sub(r"\2\1", text)
        assert deferred.split(text) == eager.split(text)
        assert deferred.search(text, 3, 6).group() == eager.search(text, 3, 6).group()
        assert deferred.groups == 2 and deferred.pattern == eager.pattern


def test_importing_the_text_modules_compiles_none_of_their_patterns():
    """The point: a run that never needs BN002's momentum patterns does not pay for them."""
    probe = (
        "import bnlint.prefilter, bnlint.inventory, bnlint.suppress, bnlint.eval_names, sys\n"
        "from bnlint.patterns import LazyPattern\n"
        "mods = [sys.modules[m] for m in ('bnlint.prefilter', 'bnlint.inventory', 'bnlint.suppress', 'bnlint.eval_names')]\n"
        "found = [v for m in mods for v in vars(m).values() if hasattr(v, 'pattern') and hasattr(v, 'flags')]\n"
        "print(len(found), sum(type(v) is LazyPattern for v in found))\n"
    )
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True).stdout.split()
    total, uncompiled = int(out[0]), int(out[1])
    assert total >= 15 and uncompiled == total  # 20 patterns in those modules today


def test_first_use_compiles_once():
    p = lazy(r"x+")
    assert type(p) is LazyPattern
    assert p.search("axxb").group() == "xx"
    assert type(p) is not LazyPattern  # now a plain holder of the compiled methods
    assert p.findall("x xx") == ["x", "xx"]
