"""`--fix`, `--unsafe-fixes`, `--diff` end to end, on real rules (BN003's safe fix)."""
import json
import textwrap

import libcst
import pytest

from conftest import run_bnlint

CUSTOM_BN = textwrap.dedent(
    """\
    import torch
    import torch.nn as nn


    class MyBatchNorm(nn.Module):
        def __init__(self, c):
            super().__init__()
            self.weight = nn.Parameter(torch.ones(c))
            self.bias = nn.Parameter(torch.zeros(c))

        def forward(self, x):
            mean = x.mean(dim=0).detach()
            var = x.var(dim=0, unbiased=False).detach()
            return (x - mean) / torch.sqrt(var + 1e-5) * self.weight + self.bias
    """
)
BN002_LINE = "bn = nn.BatchNorm2d(64, momentum=0)\n"


@pytest.fixture
def buggy(tmp_path):
    p = tmp_path / "norm.py"
    p.write_text(CUSTOM_BN)
    return p


def test_json_reports_safe_fix(buggy):
    r = run_bnlint("--isolated", "--format", "json", buggy.name, cwd=str(buggy.parent))
    data = [f for f in json.loads(r.stdout) if f["code"] == "BN003"]
    assert data and all(f["fix"] and f["fix"]["applicability"] == "safe" for f in data)
    edit = data[0]["fix"]["edits"][0]
    assert {"content", "location", "end_location"} <= set(edit)


def test_text_marks_fixable(buggy):
    r = run_bnlint("--isolated", buggy.name, cwd=str(buggy.parent))
    assert " BN003 [*] " in r.stdout
    assert "fixable with the `--fix` option" in r.stdout


def test_fix_applies_reparses_and_exits_0_when_all_fixed(buggy):
    r = run_bnlint("--isolated", "--select", "BN003", "--fix", buggy.name, cwd=str(buggy.parent))
    assert r.returncode == 0, r.stdout + r.stderr
    text = buggy.read_text()
    assert ".detach()" not in text
    assert "mean = x.mean(dim=0)\n" in text
    libcst.parse_module(text)
    assert "Fixed 2 errors." in r.stdout
    # A second run changes nothing.
    r2 = run_bnlint("--isolated", "--select", "BN003", "--fix", buggy.name, cwd=str(buggy.parent))
    assert r2.returncode == 0 and buggy.read_text() == text


def test_fix_exits_1_when_unfixable_findings_remain(buggy):
    buggy.write_text(CUSTOM_BN + "\n" + BN002_LINE)
    r = run_bnlint("--isolated", "--fix", buggy.name, cwd=str(buggy.parent))
    assert r.returncode == 1
    assert "BN002" in r.stdout and "BN003" not in r.stdout
    assert ".detach()" not in buggy.read_text()


def test_diff_prints_and_writes_nothing(buggy):
    before = buggy.read_text()
    r = run_bnlint("--isolated", "--diff", buggy.name, cwd=str(buggy.parent))
    assert r.returncode == 1
    assert buggy.read_text() == before
    assert f"--- a/{buggy.name}" in r.stdout
    assert "-        mean = x.mean(dim=0).detach()" in r.stdout
    assert "+        mean = x.mean(dim=0)" in r.stdout


def test_fix_keeps_crlf_line_endings(buggy):
    buggy.write_bytes(CUSTOM_BN.replace("\n", "\r\n").encode())
    run_bnlint("--isolated", "--select", "BN003", "--fix", buggy.name, cwd=str(buggy.parent))
    raw = buggy.read_bytes()
    assert b".detach()" not in raw and b"\r\n" in raw and b"\n" not in raw.replace(b"\r\n", b"")


def test_fix_stdin_prints_fixed_source(buggy):
    r = run_bnlint("--isolated", "--select", "BN003", "--fix", "-", "--stdin-filename", "norm.py", input=CUSTOM_BN, cwd=str(buggy.parent))
    assert ".detach()" not in r.stdout and "class MyBatchNorm" in r.stdout


def test_unsafe_fixes_flag_applies_unsafe(tmp_path):
    """With --unsafe-fixes, unsafe fixes (where a rule offers one) are applied; without, they are only shown."""
    from bnlint.registry import load_rules

    unsafe_rules = [r for r in load_rules() if r.fix_availability in ("unsafe", "sometimes")]
    assert any(r.code == "BN001" for r in unsafe_rules)
    src = textwrap.dedent(
        """\
        import torch
        import torchvision

        model = torchvision.models.resnet18()
        loader = []
        with torch.no_grad():
            for x in loader:
                model(x)
        """
    )
    p = tmp_path / "infer.py"
    p.write_text(src)
    r = run_bnlint("--isolated", "--select", "BN001", "--fix", p.name, cwd=str(tmp_path))
    assert r.returncode == 1 and p.read_text() == src
    assert "--unsafe-fixes" in r.stdout
    r = run_bnlint("--isolated", "--select", "BN001", "--fix", "--unsafe-fixes", p.name, cwd=str(tmp_path))
    assert r.returncode == 0, r.stdout + r.stderr
    assert "model.eval()" in p.read_text()
    libcst.parse_module(p.read_text())
