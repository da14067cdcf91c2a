"""Every fixture's findings are exactly the ones its `# expect:` comments state (code and line)."""
import os

import pytest

from bnlint.fixes import apply_findings, select_fixes
from bnlint.engine import lint_source
from fixture_support import FIXTURES, all_rules_settings, expectations, fixture_files, lint_fixture

FILES = fixture_files()


def test_there_are_fixtures():
    assert len(FILES) >= 5


@pytest.mark.parametrize("path", FILES, ids=[os.path.relpath(p, FIXTURES) for p in FILES])
def test_fixture_expectations(path):
    source, result = lint_fixture(path)
    assert not result.internal_errors, result.internal_errors
    got = {(f.line, f.code) for f in result.findings}
    assert got == expectations(source), "\n".join(f"{f.line}:{f.column} {f.code} {f.message[:80]}" for f in result.findings)


@pytest.mark.parametrize("path", FILES, ids=[os.path.relpath(p, FIXTURES) for p in FILES])
def test_prefilter_never_hides_a_finding(path):
    _, with_prefilter = lint_fixture(path, use_prefilter=True)
    _, without = lint_fixture(path, use_prefilter=False)
    assert [(f.line, f.code) for f in with_prefilter.findings] == [(f.line, f.code) for f in without.findings]


FIXED = [p for p in FILES if os.path.exists(p + ".fixed")]


@pytest.mark.parametrize("path", FIXED, ids=[os.path.relpath(p, FIXTURES) for p in FIXED])
def test_fix_output_and_idempotence(path):
    source, result = lint_fixture(path)
    chosen = select_fixes(result.findings, unsafe=True)
    assert chosen, "a .fixed fixture must have fixable findings"
    fixed = source
    for _ in range(10):
        res = lint_source(fixed, path, all_rules_settings())
        chosen = select_fixes(res.findings, unsafe=True)
        if not chosen:
            break
        fixed = apply_findings(fixed, chosen)
    with open(path + ".fixed", encoding="utf-8") as fh:
        assert fixed == fh.read()
    import libcst

    libcst.parse_module(fixed)  # the fixed file re-parses
    again = lint_source(fixed, path, all_rules_settings())
    assert not select_fixes(again.findings, unsafe=True), "applying fixes twice must change nothing"
