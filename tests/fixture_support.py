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


def fixture_sample(every: int = 3) -> List[str]:
    """Every ``every``-th fixture, spread over all rule folders: for the tests of a mechanism (the
    process pool, the CLI's pool, the parse cache) that need many real files but not all of them;
    each fixture's own findings are checked one by one in ``test_fixtures.py``."""
    return fixture_files()[::every]


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


def lint_project(project) -> dict:
    """Lint every `.py` file of a temporary project folder (with its own cache, so that a rerun
    exercises the cache's dependencies): relative path -> [(code, line)]."""
    from bnlint.parallel import run_files

    settings = Settings(project_root=str(project), cache_dir=str(project / ".cache"))
    files = sorted(str(p) for p in project.rglob("*.py"))
    return {os.path.relpath(o.path, project): [(f.code, f.line) for f in o.findings] for o in run_files(files, settings, jobs=1)}
