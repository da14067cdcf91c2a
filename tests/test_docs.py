"""Published docs match the code: docs/rules.md is regenerated from the rule classes; README starts with the two commands."""
import os
import sys

from conftest import ROOT

sys.path.insert(0, os.path.join(ROOT, "scripts"))


def test_rules_md_is_up_to_date():
    from gen_rule_docs import render

    with open(os.path.join(ROOT, "docs", "rules.md"), encoding="utf-8") as fh:
        assert fh.read() == render(), "docs/rules.md is stale: run `python scripts/gen_rule_docs.py`"


def test_readme_starts_with_the_two_commands():
    with open(os.path.join(ROOT, "README.md"), encoding="utf-8") as fh:
        text = fh.read()
    blocks = [b for b in text.split("```") if b.startswith(("bash", "sh", "console"))]
    first = blocks[0].split("\n", 1)[1].strip().splitlines()
    assert first[0] == 'pip install -e ".[test]" && bnlint examples/'
    assert first[1] == "pytest"
    with open(os.path.join(ROOT, ".ci", "run"), encoding="utf-8") as fh:
        ci = fh.read()
    assert "pip install" in ci and '-e ".[test]"' in ci
    assert ci.strip().splitlines()[-1].strip() == "pytest"  # the README's test command, verbatim


def test_every_rule_code_in_readme_table():
    from bnlint.registry import load_rules

    with open(os.path.join(ROOT, "README.md"), encoding="utf-8") as fh:
        text = fh.read()
    for r in load_rules():
        assert f"`{r.code}`" in text and r.name in text, r.code
