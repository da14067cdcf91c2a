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
    """Exactly the expected findings, each with a one-line summary (about 100 characters: what is
    wrong, what to write) for `concise` output and editor diagnostics besides its full explanation."""
    from bnlint.rule import SUMMARY_WIDTH

    source, result = lint_fixture(path)
    assert not result.internal_errors, result.internal_errors
    got = {(f.line, f.code) for f in result.findings}
    assert got == expectations(source), "\n".join(f"{f.line}:{f.column} {f.code} {f.message[:80]}" for f in result.findings)
    for f in result.findings:
        if f.code == "BN000":
            continue
        assert f.summary, f.code
        assert "\n" not in f.summary and len(f.summary) <= SUMMARY_WIDTH + 20, f.summary
        assert len(f.message) > len(f.summary) + 40, f.code


@pytest.mark.parametrize("path", FILES, ids=[os.path.relpath(p, FIXTURES) for p in FILES])
def test_prefilter_and_chunked_parse_never_change_a_finding(path, monkeypatch):
    """The same findings, at the same positions and with the same messages, with the prefilter
    off and the file parsed one top-level statement at a time (as large files are)."""
    from bnlint import engine

    _, normal = lint_fixture(path, use_prefilter=True)
    monkeypatch.setattr(engine, "CHUNKED_PARSE_BYTES", 0)
    monkeypatch.setattr(engine, "_CHUNK_BYTES", 1)
    _, other = lint_fixture(path, use_prefilter=False)
    key = [(f.line, f.column, f.code, f.message) for f in normal.findings]
    assert [(f.line, f.column, f.code, f.message) for f in other.findings] == key


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


def test_the_fixtures_cover_every_rule():
    """Each rule has fixtures that expect it (each finding's summary is checked where it is linted)."""
    seen = set()
    for path in FILES:
        with open(path, encoding="utf-8") as fh:
            seen |= {code for _, code in expectations(fh.read())}
    assert seen >= {"BN001", "BN002", "BN003", "BN004", "BN005", "BN006", "BN014"}


def test_concise_output_prints_the_summary_and_text_output_the_explanation(tmp_path):
    from conftest import run_bnlint

    (tmp_path / "t.py").write_text("import torch.nn as nn\nbn = nn.BatchNorm2d(8, momentum=0)\n")
    concise = run_bnlint("--isolated", "--no-cache", "--output-format", "concise", "t.py", cwd=str(tmp_path)).stdout.splitlines()[0]
    full = run_bnlint("--isolated", "--no-cache", "t.py", cwd=str(tmp_path)).stdout.splitlines()[0]
    assert concise == "t.py:2:24: BN002 `momentum=0` does not freeze BatchNorm (train mode uses batch statistics): put BN in eval"
    assert full.startswith("t.py:2:24: BN002 `momentum=0` does not freeze BatchNorm: it keeps running_mean/running_var still")
    assert len(full) > 300
