"""Each rule's bug script is confirmed at runtime; its correct twin yields no confirmed finding.

The scripts run in this process through the real `bnlint trace` entry point (bnlint.runtime.cli.main),
with real torch on CPU, real models and real optimizers.
"""
import json
import os

import pytest

from bnlint.runtime.cli import main as trace_main

HERE = os.path.dirname(os.path.abspath(__file__))
SCRIPTS = os.path.join(HERE, "scripts")

BUGS = [
    ("bn001_bug.py", "BN001"),
    ("bn002_bug.py", "BN002"),
    ("bn003_bug.py", "BN003"),
    ("bn004_bug.py", "BN004"),
    ("bn005_bug.py", "BN005"),
    ("bn005_bug_one.py", "BN005"),
    ("bn006_bug.py", "BN006"),
    ("bn014_bug.py", "BN014"),
    ("swa_bug.py", "BN900"),
]
OKS = ["bn001_ok.py", "bn002_ok.py", "bn003_ok.py", "bn004_ok.py", "bn005_ok.py", "bn006_ok.py", "bn014_ok.py", "swa_ok.py"]


def trace_json(tmp_path, script, *extra):
    out = tmp_path / "report.json"
    rc = trace_main(["--format", "json", "-o", str(out), *extra, os.path.join(SCRIPTS, script)])
    return rc, json.loads(out.read_text())


def confirmed(findings, code=None):
    return [f for f in findings if f["runtime"]["status"] == "confirmed" and (code is None or f["code"] == code)]


@pytest.mark.parametrize("script,code", BUGS, ids=[b[0] for b in BUGS])
def test_bug_script_is_confirmed(tmp_path, script, code):
    rc, findings = trace_json(tmp_path, script)
    hits = confirmed(findings, code)
    assert hits, findings
    assert rc == 1
    rt = hits[0]["runtime"]
    assert rt["evidence"] and any(ch.isdigit() for ch in rt["evidence"])
    assert rt["observations"]
    assert os.path.basename(hits[0]["path"]) == script
    # only the rule the script is about is confirmed
    assert {f["code"] for f in confirmed(findings)} == {code}, findings


@pytest.mark.parametrize("script", OKS)
def test_correct_twin_has_no_confirmed_finding(tmp_path, script):
    rc, findings = trace_json(tmp_path, script)
    assert confirmed(findings) == [], findings
    assert rc == 0


def test_bn001_evidence_numbers(tmp_path):
    _, findings = trace_json(tmp_path, "bn001_bug.py")
    (f,) = confirmed(findings, "BN001")
    assert f["line"] == 35  # `output = model(images)` in evaluate()
    assert "running_mean moved by up to" in f["runtime"]["evidence"]
    samples = [s for o in f["runtime"]["observations"] for s in o.get("samples", [])]
    assert samples and max(s["running_mean_change"] for s in samples) > 0
    assert max(s["train_eval_diff"] for s in samples) > 0.01
    assert f["runtime"]["observations"][0]["module"] == "bn"


def test_bn002_running_stats_unchanged(tmp_path):
    _, findings = trace_json(tmp_path, "bn002_bug.py")
    (f,) = confirmed(findings, "BN002")
    samples = f["runtime"]["observations"][0]["samples"]
    assert samples and all(s["running_mean_change"] == 0 for s in samples)
    assert all(s["train_eval_diff"] > 0 for s in samples)


def test_bn005_batch_of_one_is_reported_not_swallowed(tmp_path, capsys):
    rc, findings = trace_json(tmp_path, "bn005_bug_one.py")
    (f,) = confirmed(findings, "BN005")
    assert "raised" in f["runtime"]["evidence"]
    assert f["runtime"]["run"]["how"] == "exception"
    assert "ValueError" in f["runtime"]["run"]["detail"]
    assert "Expected more than 1 value per channel" in capsys.readouterr().err
    assert rc == 1


def test_bn006_names_the_eval_call(tmp_path):
    _, findings = trace_json(tmp_path, "bn006_bug.py")
    (f,) = confirmed(findings, "BN006")
    assert "steps 4-8" in f["runtime"]["evidence"]
    assert f["runtime"]["observations"][0]["eval_call"] == "bn006_bug.py:25"


def test_max_steps_stops_cleanly(tmp_path):
    rc, findings = trace_json(tmp_path, "bn002_bug.py", "--max-steps", "2")
    (f,) = confirmed(findings, "BN002")
    assert f["runtime"]["run"]["how"] == "max-steps"
    assert f["runtime"]["run"]["steps"] == 2


def test_not_reached_when_stopped_before_evaluation(tmp_path):
    # With one optimizer step the run stops before evaluate() ever runs.
    rc, findings = trace_json(tmp_path, "bn001_bug.py", "--max-steps", "1")
    assert confirmed(findings) == []
    for f in findings:  # whatever static findings exist for the script, none ran
        if f["code"] == "BN001":
            assert f["runtime"]["status"] == "not-reached", f
    assert rc == 0


# Scripts built from the users' own model code in the seed reports (tiny random data, CPU).
SEEDS = {
    "seed000_momentum_in_forward.py": {"BN002"},
    "seed002_frozen_bn_momentum0.py": {"BN001", "BN002", "BN004"},
    "seed004_detached_bn.py": {"BN003"},
}


@pytest.mark.parametrize("script", sorted(SEEDS))
def test_every_static_finding_on_a_seed_script_is_confirmed(tmp_path, script):
    rc, findings = trace_json(tmp_path, script)
    static = [f for f in findings if not f["runtime"].get("runtime_only")]
    assert {f["code"] for f in static} == SEEDS[script], findings
    for f in static:
        assert f["runtime"]["status"] == "confirmed", f
        assert any(ch.isdigit() for ch in f["runtime"]["evidence"])
    assert rc == 1


def test_seed004_bn_subclass_with_its_own_forward_gets_the_gradient_check(tmp_path):
    """A `nn.BatchNorm2d` subclass that overrides `forward` is checked like any custom
    normalisation: its detached statistics break the batch-norm gradient property."""
    _, findings = trace_json(tmp_path, "seed004_detached_bn.py")
    (f,) = confirmed(findings, "BN003")
    assert "BatchNorm2d_new" in f["runtime"]["evidence"]
    (obs,) = f["runtime"]["observations"][:1]
    assert obs["custom_violation"] > 0.05 and obs["reference_violation"] < 1e-3


def test_seed002_bn004_confirmed_with_momentum_zero_from_batch_statistics(tmp_path):
    """momentum=0 keeps the running statistics still, so BN004 is confirmed by what train mode does
    instead: the frozen layers normalise with batch statistics (train vs eval output differ)."""
    _, findings = trace_json(tmp_path, "seed002_frozen_bn_momentum0.py")
    (f,) = confirmed(findings, "BN004")
    assert "held still (momentum=0)" in f["runtime"]["evidence"]
    samples = [s for o in f["runtime"]["observations"] for s in o.get("samples", [])]
    assert samples and all(s["running_mean_change"] == 0 for s in samples)
    assert max(s["train_eval_diff"] for s in samples) > 0.01


def test_seed002_bn001_evidence_is_the_forward_on_its_own_line(tmp_path):
    """The BN001 finding on the train-mode evaluation is confirmed by the forwards on its line only
    (not by other train-mode forwards of the file)."""
    _, findings = trace_json(tmp_path, "seed002_frozen_bn_momentum0.py")
    (f,) = confirmed(findings, "BN001")
    assert f["runtime"]["matched_by"] == "location"
    assert f"seed002_frozen_bn_momentum0.py:{f['line']}" in f["runtime"]["evidence"]
    assert all(o["call_site"] == f"seed002_frozen_bn_momentum0.py:{f['line']}" for o in f["runtime"]["observations"])


def test_seed000_momentum_toggle_in_eval_is_confirmed_a_no_op(tmp_path):
    _, findings = trace_json(tmp_path, "seed000_momentum_in_forward.py")
    (f,) = confirmed(findings, "BN002")
    assert "eval-mode forward(s) with momentum=0" in f["runtime"]["evidence"]
    assert "momentum=0.01" in f["runtime"]["evidence"]


def test_readme_trace_example_confirms_every_finding(tmp_path):
    """The README's `bnlint trace` command, as written, on the shipped example: the run reaches the
    validation, so every static finding (BN001 included) comes back confirmed."""
    import shlex

    root = os.path.dirname(os.path.dirname(HERE))
    with open(os.path.join(root, "README.md"), encoding="utf-8") as fh:
        readme = fh.read()
    (line,) = [l for l in readme.splitlines() if l.startswith("bnlint trace ")]
    argv = shlex.split(line)[2:]
    out = tmp_path / "report.json"
    cwd = os.getcwd()
    os.chdir(root)
    try:
        rc = trace_main(["--format", "json", "-o", str(out), *argv])
    finally:
        os.chdir(cwd)
    findings = json.loads(out.read_text())
    assert {f["code"] for f in findings} >= {"BN001", "BN002", "BN004", "BN005"}
    assert all(f["runtime"]["status"] == "confirmed" for f in findings), [(f["code"], f["runtime"]["status"]) for f in findings]
    assert rc == 1


def test_a_finding_no_run_can_show_is_not_applicable():
    """BN000 (a file that does not parse) has no runtime counterpart: it says so instead of a status
    that suggests the run looked for it."""
    from bnlint.rule import Finding
    from bnlint.runtime.report import join

    static = [Finding(code="BN000", name="syntax-error", severity="error", message="syntax error", path="helper.py", line=3, column=1, end_line=3, end_column=1)]
    (f,) = join(static, [{"steps": 4, "modules": [], "events": [], "roots": {}, "ended": {"how": "completed"}}])
    assert f.runtime["status"] == "not-applicable"
    assert "no runtime check for BN000" in f.runtime["evidence"]
