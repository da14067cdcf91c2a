"""Fixture files state their expectations inline: `# expect: BN002` on each line that must be reported.

A fixture without any `expect` comment must produce no finding at all (from any rule).
A fixture `name.py` may have `name.py.fixed`: the text after `--fix --unsafe-fixes`.
"""
import glob
import os
import re
from typing import List, Set, Tuple

from bnlint.config import Settings
from bnlint.engine import lint_source

FIXTURES = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "fixtures")
EXPECT_RE = re.compile(r"#\s*expect:\s*(?P<codes>BN\d{3}(?:\s*,\s*BN\d{3})*)")


def fixture_files() -> List[str]:
    return sorted(glob.glob(os.path.join(FIXTURES, "**", "*.py"), recursive=True))


def expectations(source: str) -> Set[Tuple[int, str]]:
    out = set()
    for lineno, line in enumerate(source.splitlines(), start=1):
        m = EXPECT_RE.search(line)
        if m:
            for code in re.split(r"\s*,\s*", m.group("codes")):
                out.add((lineno, code))
    return out


def all_rules_settings() -> Settings:
    s = Settings()
    s.select = ["ALL"]
    return s


def lint_fixture(path: str, use_prefilter: bool = True):
    with open(path, encoding="utf-8") as fh:
        source = fh.read()
    return source, lint_source(source, path, all_rules_settings(), use_prefilter=use_prefilter)
