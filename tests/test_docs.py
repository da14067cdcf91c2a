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


def _documented_bnlint_commands():
    """Every `bnlint ...` command line in the README's and docs' shell blocks, as written."""
    import re
    import shlex

    texts = []
    for name in ["README.md"] + sorted(os.listdir(os.path.join(ROOT, "docs"))):
        path = os.path.join(ROOT, name) if name == "README.md" else os.path.join(ROOT, "docs", name)
        if path.endswith(".md"):
            with open(path, encoding="utf-8") as fh:
                texts.append(fh.read())
    commands = []
    for text in texts:
        for block in re.findall(r"```(?:bash|sh|console|shell)\n(.*?)```", text, re.S):
            for line in block.splitlines():
                line = line.strip()
                line = line[2:] if line.startswith("$ ") else line
                for part in line.split("&&"):
                    part = part.strip()
                    if part.startswith("bnlint"):
                        commands.append(shlex.split(part, comments=True))
    return commands


def test_documented_check_commands_run_as_written(tmp_path):
    """The README's `bnlint` lines (`bnlint src/ train.py`, `--fix --unsafe-fixes .`, `--diff .`,
    `--format json .`, ...) run in a folder that has what they name, and none is a usage error
    (exit 2). `lsp` and `trace` lines are run by their own tests (test_lsp, tests/runtime)."""
    import shutil
    import subprocess

    commands = _documented_bnlint_commands()
    check_lines = [c for c in commands if len(c) < 2 or c[1] not in ("lsp", "trace", "rule", "rules", "clean")]
    assert len(check_lines) >= 6, commands
    example = os.path.join(ROOT, "examples", "train_cifar.py")
    for argv in check_lines:
        work = tmp_path / f"run{check_lines.index(argv)}"
        (work / "src").mkdir(parents=True)
        shutil.copy(example, work / "src" / "train.py")
        shutil.copy(example, work / "train.py")
        (work / "examples").mkdir()
        shutil.copy(example, work / "examples" / "train_cifar.py")
        env = dict(os.environ, BNLINT_CACHE_DIR=str(work / ".cache"))
        r = subprocess.run([sys.executable, "-m", "bnlint", *argv[1:]], cwd=work, capture_output=True, text=True, timeout=120, env=env)
        assert r.returncode in (0, 1), f"{' '.join(argv)} -> {r.returncode}: {r.stderr[-800:]}"
    subcommands = {c[1] for c in commands if len(c) > 1}
    assert {"lsp", "trace"} <= subcommands
