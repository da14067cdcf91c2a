"""The textual prefilter never hides a finding; `--no-prefilter` is plumbed, not patched in."""
import json
import shutil

import pytest

from bnlint import engine
from bnlint.engine import lint_source
from bnlint.parallel import run_files
from bnlint.registry import load_rules
from fixture_support import FIXTURES, all_rules_settings, fixture_files

RULES = load_rules()


@pytest.mark.parametrize("rule", RULES, ids=[r.code for r in RULES])
def test_every_rule_declares_trigger_tokens(rule):
    assert rule.trigger_tokens, f"{rule.code} has no trigger_tokens: the prefilter would skip every file for it"
    assert all(isinstance(t, str) and t for t in rule.trigger_tokens)


def _examples():
    for rule in RULES:
        for n, ex in enumerate(rule.valid_examples):
            yield pytest.param(ex, id=f"{rule.code}-valid-{n}")
        for n, ex in enumerate(rule.invalid_examples):
            yield pytest.param(ex[0] if isinstance(ex, tuple) else ex, id=f"{rule.code}-invalid-{n}")


@pytest.mark.parametrize("source", list(_examples()))
def test_examples_same_with_and_without_prefilter(source):
    s = all_rules_settings()
    with_pf = lint_source(source, "example.py", s, use_prefilter=True)
    without = lint_source(source, "example.py", s, use_prefilter=False)
    assert [(f.line, f.column, f.code) for f in with_pf.findings] == [(f.line, f.column, f.code) for f in without.findings]


@pytest.mark.parametrize("rule", RULES, ids=[r.code for r in RULES])
def test_invalid_examples_contain_a_trigger_token(rule):
    """Each rule's own positive examples must pass its own prefilter (else the rule could never fire)."""
    for ex in rule.invalid_examples:
        src = ex[0] if isinstance(ex, tuple) else ex
        assert engine.needs_parse(src, [rule]), f"{rule.code}: example has none of {rule.trigger_tokens}:\n{src}"


def test_run_files_no_prefilter_does_not_patch_globals():
    original = engine.needs_parse
    files = fixture_files()
    a = run_files(files, all_rules_settings(), jobs=1, use_cache=False, use_prefilter=False)
    assert engine.needs_parse is original
    b = run_files(files, all_rules_settings(), jobs=1, use_cache=False, use_prefilter=True)
    assert [[(f.line, f.code) for f in o.findings] for o in a] == [[(f.line, f.code) for f in o.findings] for o in b]


def test_no_prefilter_really_parses(monkeypatch, tmp_path):
    """A file without any trigger token is parsed only under use_prefilter=False."""
    p = tmp_path / "plain.py"
    p.write_text("def f(:\n")  # a syntax error shows whether the file was parsed
    out_pf = run_files([str(p)], all_rules_settings(), jobs=1, use_cache=False)
    out_all = run_files([str(p)], all_rules_settings(), jobs=1, use_cache=False, use_prefilter=False)
    assert out_pf[0].findings == []
    assert [f.code for f in out_all[0].findings] == ["BN000"]


def test_cli_no_prefilter_same_findings_on_a_directory(tmp_path, bnlint_cli):
    shutil.copytree(FIXTURES, tmp_path / "fx")
    outs = []
    for extra in ((), ("--no-prefilter",)):
        res = bnlint_cli("--isolated", "--select", "ALL", "--no-cache", "--format", "json", *extra, ".", cwd=str(tmp_path))
        assert res.returncode == 1, res.stderr
        outs.append(json.loads(res.stdout))
    assert outs[0] == outs[1]
    assert outs[0]
