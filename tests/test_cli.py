"""End-to-end tests of the command line (real subprocesses): flags, formats, exit codes."""
import json
import os
import textwrap

import pytest

from conftest import ROOT, run_bnlint

BUGGY = textwrap.dedent(
    """\
    import torch.nn as nn

    bn = nn.BatchNorm2d(64, momentum=0)
    """
)
CLEAN = textwrap.dedent(
    """\
    import torch.nn as nn

    bn = nn.BatchNorm2d(64, momentum=0.1)
    """
)


@pytest.fixture
def project(tmp_path):
    (tmp_path / "buggy.py").write_text(BUGGY)
    (tmp_path / "clean.py").write_text(CLEAN)
    return tmp_path


def test_version():
    r = run_bnlint("--version")
    assert r.returncode == 0
    assert r.stdout.startswith("bnlint ")


def test_console_script_and_module_agree(project):
    import subprocess
    import shutil

    exe = shutil.which("bnlint")
    assert exe, "the bnlint console script is installed"
    r = subprocess.run([exe, "--isolated", str(project / "buggy.py")], capture_output=True, text=True)
    assert r.returncode == 1 and "BN002" in r.stdout


def test_text_output_and_exit_1(project):
    r = run_bnlint("--isolated", "buggy.py", cwd=str(project))
    assert r.returncode == 1, r.stderr
    first = r.stdout.splitlines()[0]
    assert first.startswith("buggy.py:3:25: BN002 ")
    assert "momentum" in first and "eval" in first
    assert "Found 1 error." in r.stdout
    assert "\x1b[" not in r.stdout  # no colour when not a tty


def test_clean_file_exit_0(project):
    r = run_bnlint("--isolated", "clean.py", cwd=str(project))
    assert r.returncode == 0
    assert "All checks passed!" in r.stdout


def test_directory_default_is_cwd(project):
    r = run_bnlint("--isolated", cwd=str(project))
    assert r.returncode == 1
    assert "buggy.py:3:25: BN002" in r.stdout
    assert "clean.py" not in r.stdout


def test_check_subcommand_is_the_default(project):
    a = run_bnlint("check", "--isolated", "buggy.py", cwd=str(project))
    b = run_bnlint("--isolated", "buggy.py", cwd=str(project))
    assert a.returncode == b.returncode == 1
    assert a.stdout == b.stdout


def test_exit_zero(project):
    r = run_bnlint("--isolated", "--exit-zero", "buggy.py", cwd=str(project))
    assert r.returncode == 0
    assert "BN002" in r.stdout


def test_quiet_has_no_summary(project):
    r = run_bnlint("--isolated", "-q", "buggy.py", cwd=str(project))
    assert r.returncode == 1
    assert "Found" not in r.stdout and "BN002" in r.stdout


def test_missing_path_exit_2(project):
    r = run_bnlint("--isolated", "nope.py", cwd=str(project))
    assert r.returncode == 2
    assert "nope.py" in r.stderr and "no such file" in r.stderr
    assert "Traceback" not in r.stderr
    # Nothing was checked: the summary must not say that everything passed.
    assert "All checks passed" not in r.stdout and "1 path could not be checked" in r.stdout


def test_unknown_flag_exit_2():
    r = run_bnlint("--definitely-not-a-flag")
    assert r.returncode == 2
    assert "Traceback" not in r.stderr


@pytest.mark.parametrize("flag", ["--select", "--ignore", "--extend-select"])
def test_unknown_selector_exit_2(project, flag):
    r = run_bnlint("--isolated", flag, "BN999", "buggy.py", cwd=str(project))
    assert r.returncode == 2
    assert "BN999" in r.stderr


def test_select_by_code_name_prefix_all(project):
    for sel in ("BN002", "momentum-zero-freeze", "BN0", "BN", "ALL"):
        r = run_bnlint("--isolated", "--select", sel, "buggy.py", cwd=str(project))
        assert r.returncode == 1, (sel, r.stdout, r.stderr)
        assert "BN002" in r.stdout


def test_ignore_removes_rule(project):
    r = run_bnlint("--isolated", "--ignore", "BN002", "buggy.py", cwd=str(project))
    assert r.returncode == 0
    r = run_bnlint("--isolated", "--select", "ALL", "--ignore", "momentum-zero-freeze", "buggy.py", cwd=str(project))
    assert r.returncode == 0


def test_extend_select_adds_to_default(project):
    r = run_bnlint("--isolated", "--select", "BN001", "--extend-select", "BN002", "buggy.py", cwd=str(project))
    assert r.returncode == 1 and "BN002" in r.stdout


JSON_KEYS = {"code", "name", "severity", "message", "path", "line", "column", "end_line", "end_column", "fix", "url"}


def test_json_schema_contract(project):
    r = run_bnlint("--isolated", "--format", "json", "buggy.py", cwd=str(project))
    assert r.returncode == 1
    data = json.loads(r.stdout)
    assert isinstance(data, list) and len(data) == 1
    f = data[0]
    assert JSON_KEYS <= set(f)
    assert f["code"] == "BN002" and f["name"] == "momentum-zero-freeze"
    assert f["severity"] in ("error", "warning", "info")
    assert (f["line"], f["column"], f["end_line"], f["end_column"]) == (3, 25, 3, 35)
    assert f["path"] == "buggy.py"
    assert f["fix"] is None or {"applicability", "edits"} <= set(f["fix"])
    assert f["url"] is None  # no public home for the docs yet: no link that leads nowhere


def test_json_empty_array_when_clean(project):
    r = run_bnlint("--isolated", "--output-format", "json", "clean.py", cwd=str(project))
    assert r.returncode == 0
    assert json.loads(r.stdout) == []


def test_sarif(project):
    r = run_bnlint("--isolated", "--format", "sarif", "buggy.py", cwd=str(project))
    assert r.returncode == 1
    doc = json.loads(r.stdout)
    assert doc["version"] == "2.1.0" and "$schema" in doc
    run = doc["runs"][0]
    driver = run["tool"]["driver"]
    assert driver["name"] == "bnlint"
    ids = [rule["id"] for rule in driver["rules"]]
    assert "BN002" in ids
    res = run["results"][0]
    assert res["ruleId"] == "BN002"
    assert driver["rules"][res["ruleIndex"]]["id"] == "BN002"
    region = res["locations"][0]["physicalLocation"]["region"]
    assert region["startLine"] == 3 and region["startColumn"] == 25
    assert res["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] == "buggy.py"
    assert res["level"] in ("error", "warning", "note")


def test_github_annotations(project):
    r = run_bnlint("--isolated", "--format", "github", "buggy.py", cwd=str(project))
    assert r.returncode == 1
    line = r.stdout.strip().splitlines()[0]
    assert line.startswith("::error file=buggy.py,line=3,col=25,")
    assert "title=BN002 momentum-zero-freeze::" in line


def test_statistics(project):
    r = run_bnlint("--isolated", "--statistics", "buggy.py", cwd=str(project))
    assert r.returncode == 1
    assert any(l.split("\t")[:2] == ["    1", "BN002"] for l in r.stdout.splitlines())
    assert "buggy.py:" not in r.stdout  # the table instead of the findings, as ruff's --statistics


def test_statistics_marks_unsafe_fixes_as_the_findings_do(tmp_path):
    import shutil

    shutil.copy(os.path.join(ROOT, "examples", "train_cifar.py"), tmp_path / "train.py")
    r = run_bnlint("--isolated", "--no-cache", "--statistics", "train.py", cwd=str(tmp_path))
    rows = {l.split("\t")[1]: l.split("\t")[2] for l in r.stdout.splitlines() if l.count("\t") == 2}
    assert rows["BN001"] == "[-] missing-eval"  # an unsafe fix: `[-]`, never `[*]`
    assert rows["BN002"] == "    momentum-zero-freeze"


def test_fix_summary_counts_from_what_was_found(tmp_path):
    """A fix may bring a finding that another fix removes (BN001's `.eval()`, then BN006's
    `.train()`): the summary starts from the count a run without --fix reported."""
    import shutil

    shutil.copy(os.path.join(ROOT, "examples", "train_cifar.py"), tmp_path / "train.py")
    before = run_bnlint("--isolated", "--no-cache", "train.py", cwd=str(tmp_path)).stdout
    assert "Found 5 errors." in before
    after = run_bnlint("--isolated", "--no-cache", "--fix", "--unsafe-fixes", "train.py", cwd=str(tmp_path)).stdout
    assert "Found 5 errors (1 fixed, 4 remaining)." in after


def test_show_source(project):
    r = run_bnlint("--isolated", "--show-source", "buggy.py", cwd=str(project))
    assert "    3 | bn = nn.BatchNorm2d(64, momentum=0)" in r.stdout
    assert "^^^^^^^^^^" in r.stdout


def test_output_file(project):
    r = run_bnlint("--isolated", "--format", "json", "-o", "report.json", "buggy.py", cwd=str(project))
    assert r.returncode == 1 and r.stdout == ""
    assert json.loads((project / "report.json").read_text())[0]["code"] == "BN002"


def test_stdin(project):
    r = run_bnlint("--isolated", "-", "--stdin-filename", "train.py", input=BUGGY, cwd=str(project))
    assert r.returncode == 1
    assert r.stdout.startswith("train.py:3:25: BN002")


def test_fix_without_fixable_findings_reports_and_writes_nothing(project):
    before = (project / "buggy.py").read_text()
    r = run_bnlint("--isolated", "--fix", "buggy.py", cwd=str(project))
    assert r.returncode == 1  # the finding remains
    assert (project / "buggy.py").read_text() == before


def test_fix_on_clean_file_exit_0(project):
    r = run_bnlint("--isolated", "--fix", "clean.py", cwd=str(project))
    assert r.returncode == 0


def test_diff_writes_nothing(project):
    before = (project / "buggy.py").read_text()
    r = run_bnlint("--isolated", "--diff", "buggy.py", cwd=str(project))
    assert r.returncode in (0, 1)
    assert (project / "buggy.py").read_text() == before


def test_nothing_written_without_fix(project):
    before = {p.name: p.read_text() for p in project.iterdir() if p.is_file()}
    run_bnlint("--isolated", "--no-cache", str(project))
    after = {p.name: p.read_text() for p in project.iterdir() if p.is_file()}
    assert before == after
    assert not (project / ".bnlint_cache").exists()


def test_rule_docs_by_code_and_name():
    for key in ("BN002", "bn002", "momentum-zero-freeze"):
        r = run_bnlint("rule", key)
        assert r.returncode == 0, r.stderr
        for section in ("## What it does", "## Why is this bad?", "## Example", "## Use instead", "## Fix safety"):
            assert section in r.stdout
        assert "momentum-zero-freeze (BN002)" in r.stdout


def test_rule_unknown_exit_2():
    r = run_bnlint("rule", "BN999")
    assert r.returncode == 2 and "BN999" in r.stderr


def test_rule_json():
    r = run_bnlint("rule", "BN002", "--output-format", "json")
    data = json.loads(r.stdout)
    assert data["code"] == "BN002" and "What it does" in data["explanation"]


def test_rules_table():
    r = run_bnlint("rules")
    assert r.returncode == 0
    header = r.stdout.splitlines()[0].split()
    assert header == ["code", "name", "default", "fixable", "severity"]
    assert any(l.split()[:2] == ["BN002", "momentum-zero-freeze"] for l in r.stdout.splitlines())


def test_every_rule_has_full_docs():
    from bnlint.registry import load_rules

    rules = load_rules()
    assert rules
    for rule in rules:
        docs = rule.docs()
        for section in ("## What it does", "## Why is this bad?", "## Example", "## Use instead", "## Fix safety"):
            assert section in docs, (rule.code, section)
        assert rule.trigger_tokens, f"{rule.code} declares no prefilter tokens"
        assert rule.name == rule.name.lower() and " " not in rule.name


def test_color_only_on_tty(project):
    import pty
    import subprocess
    import sys

    master, slave = pty.openpty()
    env = dict(os.environ, BNLINT_CACHE_DIR=str(project / ".c"))
    env.pop("NO_COLOR", None)
    p = subprocess.Popen([sys.executable, "-m", "bnlint", "--isolated", "buggy.py"], cwd=str(project), stdout=slave, stderr=slave, env=env)
    p.wait(timeout=60)
    os.close(slave)
    out = os.read(master, 65536).decode()
    os.close(master)
    assert "\x1b[" in out and "BN002" in out


@pytest.mark.parametrize("columns", ["50", "100", "200", "", "junk"])
def test_help_is_wrapped_as_argparse_would(monkeypatch, columns):
    """The help formatter finds the terminal width without ``shutil``; the text must not change."""
    import argparse

    from bnlint.cli import check_parser

    monkeypatch.setenv("COLUMNS", columns)
    parser = check_parser()
    ours = parser.format_help()
    parser.formatter_class = argparse.RawDescriptionHelpFormatter  # the stock one (asks shutil), epilog as written
    assert ours == parser.format_help()
    if columns == "50":
        monkeypatch.setenv("COLUMNS", "200")
        assert check_parser().format_help() != ours  # the width is really taken from $COLUMNS


def test_help_lists_the_subcommands():
    r = run_bnlint("-h")
    assert r.returncode == 0
    for sub in ("bnlint check", "bnlint rule CODE", "bnlint rules", "bnlint clean", "bnlint lsp", "bnlint trace SCRIPT"):
        assert sub in r.stdout
