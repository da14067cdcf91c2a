"""`--fix`, `--unsafe-fixes`, `--diff` end to end, on real rules.

BN003's fix (dropping a `.detach()`) changes the gradients, so it is unsafe: it is applied only with
`--unsafe-fixes`, and plain `--fix` reports it as a hidden fix. The safe path (`[*]`, plain `--fix`)
runs on a toy rule with a safe fix, registered in the CLI's own process.
"""
import json
import sys
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


def test_json_reports_unsafe_fix(buggy):
    r = run_bnlint("--isolated", "--format", "json", buggy.name, cwd=str(buggy.parent))
    data = [f for f in json.loads(r.stdout) if f["code"] == "BN003"]
    assert len(data) == 1  # one finding for the normalisation, not one per statistic
    assert data[0]["fix"] and data[0]["fix"]["applicability"] == "unsafe"
    edits = data[0]["fix"]["edits"]
    assert len(edits) == 2 and all({"content", "location", "end_location"} <= set(edit) for edit in edits)


def test_text_marks_hidden_unsafe_fix(buggy):
    r = run_bnlint("--isolated", buggy.name, cwd=str(buggy.parent))
    assert " BN003 [-] " in r.stdout and " BN003 [*] " not in r.stdout
    assert "[-] 1 hidden fix can be enabled with the `--unsafe-fixes` option." in r.stdout
    assert "fixable with the `--fix` option" not in r.stdout
    r = run_bnlint("--isolated", "--unsafe-fixes", buggy.name, cwd=str(buggy.parent))
    assert "[-] 1 fixable with `--fix --unsafe-fixes`." in r.stdout


def test_plain_fix_does_not_apply_unsafe_fix(buggy):
    before = buggy.read_text()
    r = run_bnlint("--isolated", "--select", "BN003", "--fix", buggy.name, cwd=str(buggy.parent))
    assert r.returncode == 1, r.stdout + r.stderr
    assert buggy.read_text() == before
    assert "Fixed" not in r.stdout and " BN003 [-] " in r.stdout
    assert "[-] 1 hidden fix can be enabled with the `--unsafe-fixes` option." in r.stdout


def test_unsafe_fix_applies_reparses_and_exits_0_when_all_fixed(buggy):
    r = run_bnlint("--isolated", "--select", "BN003", "--fix", "--unsafe-fixes", buggy.name, cwd=str(buggy.parent))
    assert r.returncode == 0, r.stdout + r.stderr
    text = buggy.read_text()
    assert ".detach()" not in text
    assert "mean = x.mean(dim=0)\n" in text and "var = x.var(dim=0, unbiased=False)\n" in text
    libcst.parse_module(text)
    assert "Fixed 1 error." in r.stdout
    # A second run changes nothing.
    r2 = run_bnlint("--isolated", "--select", "BN003", "--fix", "--unsafe-fixes", buggy.name, cwd=str(buggy.parent))
    assert r2.returncode == 0 and buggy.read_text() == text


def test_fix_exits_1_when_unfixable_findings_remain(buggy):
    buggy.write_text(CUSTOM_BN + "\n" + BN002_LINE)
    r = run_bnlint("--isolated", "--fix", "--unsafe-fixes", buggy.name, cwd=str(buggy.parent))
    assert r.returncode == 1
    assert "BN002" in r.stdout and "BN003" not in r.stdout
    assert ".detach()" not in buggy.read_text()


def test_diff_prints_and_writes_nothing(buggy):
    before = buggy.read_text()
    r = run_bnlint("--isolated", "--diff", "--unsafe-fixes", buggy.name, cwd=str(buggy.parent))
    assert r.returncode == 1
    assert buggy.read_text() == before
    assert f"--- a/{buggy.name}" in r.stdout
    assert "-        mean = x.mean(dim=0).detach()" in r.stdout
    assert "+        mean = x.mean(dim=0)" in r.stdout
    # Without --unsafe-fixes there is nothing to show: BN003's fix is unsafe.
    r = run_bnlint("--isolated", "--diff", buggy.name, cwd=str(buggy.parent))
    assert r.returncode == 0 and r.stdout == "" and buggy.read_text() == before


def test_fix_keeps_crlf_line_endings(buggy):
    buggy.write_bytes(CUSTOM_BN.replace("\n", "\r\n").encode())
    run_bnlint("--isolated", "--select", "BN003", "--fix", "--unsafe-fixes", buggy.name, cwd=str(buggy.parent))
    raw = buggy.read_bytes()
    assert b".detach()" not in raw and b"\r\n" in raw and b"\n" not in raw.replace(b"\r\n", b"")


def test_fix_stdin_prints_fixed_source(buggy):
    r = run_bnlint("--isolated", "--select", "BN003", "--fix", "--unsafe-fixes", "-", "--stdin-filename", "norm.py", input=CUSTOM_BN, cwd=str(buggy.parent))
    assert ".detach()" not in r.stdout and "class MyBatchNorm" in r.stdout
    r = run_bnlint("--isolated", "--select", "BN003", "--fix", "-", "--stdin-filename", "norm.py", input=CUSTOM_BN, cwd=str(buggy.parent))
    assert r.stdout == CUSTOM_BN  # the unsafe fix is not applied: the source comes back unchanged


def test_rules_listing_and_docs_say_bn003_fix_is_unsafe():
    r = run_bnlint("rules")
    row = next(line for line in r.stdout.splitlines() if line.startswith("BN003"))
    assert row.split() == ["BN003", "detached-norm-stats", "on", "unsafe", "error"]
    r = run_bnlint("rule", "BN003")
    assert "Fix is available (unsafe: review it)." in r.stdout
    assert "**unsafe**" in r.stdout and "changes the gradients" in r.stdout


# A real CLI process with one extra, test-only rule whose fix is safe: BN990 renames FIXME_BN.
TOY_SAFE_CLI = textwrap.dedent(
    '''
    import sys
    from bnlint.registry import load_rules
    from bnlint.rule import FixSpec, ReplaceNode, Rule, register

    load_rules()


    @register
    class ToySafeFix(Rule):
        """
        ## What it does
        Toy rule with a safe fix, for the `--fix` tests.
        """
        code = "BN990"
        name = "toy-safe-fix"
        severity = "warning"
        fix_availability = "safe"
        trigger_tokens = ("FIXME_BN",)

        def visit_Name(self, node):
            if node.value == "FIXME_BN":
                self.report(node, "toy: rename FIXME_BN", fix=FixSpec("safe", [ReplaceNode(node, "FIXED_BN")], "Rename"))


    from bnlint.cli import main
    sys.exit(main(sys.argv[1:]))
    '''
)


def test_safe_fix_applies_with_plain_fix_and_unsafe_stays_hidden(buggy):
    """Plain `--fix` applies the safe fix ([*]) and leaves BN003's unsafe one for `--unsafe-fixes`."""
    import subprocess

    script = buggy.parent / "toy_cli.py"
    script.write_text(TOY_SAFE_CLI)
    buggy.write_text(CUSTOM_BN + "\nFIXME_BN = 1\n")

    def cli(*args):
        return subprocess.run([sys.executable, str(script), "--isolated", "--no-cache", *args, buggy.name], cwd=str(buggy.parent), capture_output=True, text=True, timeout=120)

    r = cli()
    assert " BN990 [*] " in r.stdout and " BN003 [-] " in r.stdout
    assert "[*] 1 fixable with the `--fix` option." in r.stdout
    r = cli("--fix")
    assert r.returncode == 1, r.stdout + r.stderr
    text = buggy.read_text()
    assert "FIXED_BN = 1" in text and "FIXME_BN" not in text and text.count(".detach()") == 2
    assert "(1 fixed, 1 remaining)" in r.stdout and "hidden fix can be enabled with the `--unsafe-fixes` option" in r.stdout
    r = cli("--fix", "--unsafe-fixes")
    assert r.returncode == 0, r.stdout + r.stderr
    assert ".detach()" not in buggy.read_text()


def test_unsafe_fixes_flag_applies_unsafe(tmp_path):
    """With --unsafe-fixes, unsafe fixes (where a rule offers one) are applied; without, they are only shown."""
    from bnlint.registry import load_rules

    unsafe_rules = [r for r in load_rules() if r.fix_availability in ("unsafe", "sometimes")]
    assert any(r.code == "BN001" for r in unsafe_rules) and any(r.code == "BN003" for r in unsafe_rules)
    src = textwrap.dedent(
        """\
        import torch
        import torchvision

        model = torchvision.models.resnet18()
        loader = []
        with torch.no_grad():
            for x in loader:
                print(model(x))
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


def test_diff_counts_the_fixes_as_fix_does(tmp_path):
    """`--diff` says how many findings `--fix` would fix, the same count: a finding whose fix round
    was followed by one that a later round removed is not counted twice, and a finding the fixes
    leave (a module-level forward after the `.train()` the first fix adds) is not fixed."""
    source = textwrap.dedent(
        """\
        import torch
        import torch.nn as nn

        net = nn.Sequential(nn.Conv2d(3, 8, 3), nn.BatchNorm2d(8), nn.ReLU(), nn.Flatten(), nn.LazyLinear(10))
        optimizer = torch.optim.SGD(net.parameters(), lr=0.1)
        for epoch in range(10):
            for inputs, labels in train_loader:
                optimizer.zero_grad()
                nn.functional.cross_entropy(net(inputs), labels).backward()
                optimizer.step()
            correct = 0
            for inputs, labels in valid_loader:
                outputs = net(inputs)
                correct += (outputs.argmax(1) == labels).sum().item()

        images, labels = next(iter(test_loader))
        outputs = net(images)

        with torch.no_grad():
            for images, labels in test_loader:
                outputs = net(images)
        """
    )
    path = tmp_path / "notebook_like.py"
    path.write_text(source)
    diff = run_bnlint("--no-cache", "--diff", "--unsafe-fixes", str(path))
    assert path.read_text() == source
    fixed = run_bnlint("--no-cache", "--fix", "--unsafe-fixes", str(path))
    assert "Found 3 errors (2 fixed, 1 remaining)." in fixed.stdout
    assert "Would fix 2 errors in 1 file." in diff.stderr


def test_bn006_fix_across_files_names_the_model_and_is_idempotent(tmp_path):
    """The model is trained and tested by helpers of other modules: the unsafe fix inserts
    `model.train()` (the model, not the training helper), removes its own finding, and a second
    `--fix` changes nothing."""
    import os
    import shutil

    src = os.path.join(os.path.dirname(__file__), "..", "fixtures", "crossfile", "dropout_eval_leak")
    for name in ("epoch_train.py", "epoch_test.py", "run_adaptation.py"):
        shutil.copy(os.path.join(src, name), tmp_path / name)
    target = tmp_path / "run_adaptation.py"
    r = run_bnlint("--isolated", "--no-cache", "--fix", "--unsafe-fixes", "run_adaptation.py", cwd=str(tmp_path))
    assert r.returncode == 0, r.stdout + r.stderr
    fixed = target.read_text()
    assert "        model.train()\n" in fixed and "train_epoch.train()" not in fixed
    libcst.parse_module(fixed)
    again = run_bnlint("--isolated", "--no-cache", "--fix", "--unsafe-fixes", "run_adaptation.py", cwd=str(tmp_path))
    assert again.returncode == 0 and target.read_text() == fixed
    check = run_bnlint("--isolated", "--no-cache", "--select", "BN006", "run_adaptation.py", cwd=str(tmp_path))
    assert check.returncode == 0, check.stdout
