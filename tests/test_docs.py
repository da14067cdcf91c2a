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


def test_runtime_extra_accepts_the_users_torch_and_only_the_test_extra_pins_it():
    """`bnlint[runtime]` goes into environments that already have their own torch: no exact pin
    there (an exact pin would make pip replace it, or fetch gigabytes of CUDA wheels). The test
    extra pins the CPU wheel CI installs. Both bring numpy, without which torch warns on every run."""
    try:
        import tomllib
    except ImportError:  # Python < 3.11
        import tomli as tomllib  # type: ignore[no-redef]
    with open(os.path.join(ROOT, "pyproject.toml"), "rb") as fh:
        extras = tomllib.load(fh)["project"]["optional-dependencies"]
    runtime_torch = [d for d in extras["runtime"] if d.startswith("torch")]
    assert runtime_torch == ["torch>=2.1"]
    assert "torch==2.13.0" in extras["test"]
    assert "numpy" in extras["runtime"] and "numpy" in extras["test"]
    assert not any(d.startswith("torch") for d in extras.get("lsp", []))
