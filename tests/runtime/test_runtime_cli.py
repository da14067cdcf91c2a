"""`bnlint trace` end to end: subprocess CLI, exit codes, endings, -m, --timeout, torchrun DDP."""
import json
import os
import re
import subprocess
import sys
import textwrap

import pytest

from bnlint.runtime.cli import instrument, main as trace_main, split_argv

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
SCRIPTS = os.path.join(HERE, "scripts")
STATIC_KEYS = {"code", "name", "severity", "message", "path", "line", "column", "end_line", "end_column", "fix", "url"}


def _env():
    env = dict(os.environ)
    env["PYTHONPATH"] = ROOT + os.pathsep + env.get("PYTHONPATH", "")
    return env


def test_cli_subprocess_json(tmp_path):
    proc = subprocess.run(
        [sys.executable, "-m", "bnlint", "trace", "--format", "json", "--max-steps", "3", os.path.join(SCRIPTS, "bn001_bug.py")],
        cwd=tmp_path, capture_output=True, text=True, env=_env(), timeout=180,
    )
    assert proc.returncode == 1, proc.stderr
    findings = json.loads(proc.stdout)  # the script's prints went to stderr
    (f,) = [f for f in findings if f["code"] == "BN001" and f["runtime"]["status"] == "confirmed"]
    assert STATIC_KEYS <= set(f)
    assert set(f["runtime"]) >= {"status", "evidence", "observations"}
    assert f["runtime"]["run"]["how"] == "max-steps" and f["runtime"]["run"]["steps"] == 3
    assert "epoch 0 acc" in proc.stderr
    assert "run ended: max-steps" in proc.stderr


def test_text_report_says_how_it_ended(tmp_path, capsys):
    script = tmp_path / "crash.py"
    script.write_text(textwrap.dedent("""
        import torch, torch.nn as nn
        torch.set_num_threads(1)
        model = nn.Sequential(nn.Linear(4, 8), nn.BatchNorm1d(8))
        opt = torch.optim.SGD(model.parameters(), lr=0.1)
        for step in range(2):
            opt.zero_grad(); model(torch.randn(16, 4)).sum().backward(); opt.step()
        raise RuntimeError("disk full")
    """))
    rc = trace_main([str(script)])
    out, err = capsys.readouterr()
    assert "Run ended: exception (RuntimeError: disk full) after 2 optimizer step(s)" in out
    assert "disk full" in err
    assert rc == 0


def test_exit_and_script_args(tmp_path, capsys):
    script = tmp_path / "args.py"
    script.write_text("import sys\nprint('ARGS', sys.argv[1:], __name__)\nsys.exit(3)\n")
    trace_main([str(script), "--", "--lr", "0.1"])
    out, _ = capsys.readouterr()
    assert "ARGS ['--lr', '0.1'] __main__" in out
    assert "Run ended: exit (SystemExit(3))" in out


def test_timeout(tmp_path, capsys):
    script = tmp_path / "forever.py"
    script.write_text("import time\nwhile True:\n    time.sleep(0.01)\n")
    rc = trace_main(["--timeout", "0.5", str(script)])
    out, _ = capsys.readouterr()
    assert "Run ended: timeout" in out
    assert rc == 0


def test_module_mode(tmp_path, capsys, monkeypatch):
    pkg = tmp_path / "trainpkg"
    pkg.mkdir()
    (pkg / "__init__.py").write_text("")
    (pkg / "train.py").write_text(textwrap.dedent("""
        import torch, torch.nn as nn
        torch.set_num_threads(1)
        if __name__ == "__main__":
            model = nn.Sequential(nn.Linear(4, 8), nn.BatchNorm1d(8), nn.Linear(8, 2))
            opt = torch.optim.SGD(model.parameters(), lr=0.1)
            for step in range(3):
                opt.zero_grad(); model(torch.randn(16, 4)).sum().backward(); opt.step()
            with torch.no_grad():
                model(torch.randn(16, 4))
    """))
    monkeypatch.chdir(tmp_path)
    rc = trace_main(["--format", "json", "-m", "trainpkg.train"])
    findings = json.loads(capsys.readouterr().out)
    assert [f["code"] for f in findings if f["runtime"]["status"] == "confirmed"] == ["BN001"]
    assert rc == 1


def test_usage_errors(tmp_path, capsys):
    assert trace_main([str(tmp_path / "missing.py")]) == 2
    with pytest.raises(SystemExit) as exc:
        trace_main([])
    assert exc.value.code == 2


def test_split_argv():
    assert split_argv(["--max-steps", "3", "s.py", "--lr", "1"]) == (["--max-steps", "3", "s.py"], ["--lr", "1"])
    assert split_argv(["-m", "pkg.train", "--", "a"]) == (["-m", "pkg.train"], ["a"])
    assert split_argv(["--format", "json", "s.py"]) == (["--format", "json", "s.py"], [])


def test_reach_probes_keep_line_numbers():
    src = "x = 1\ndef f():\n    y = 2\n    return y\nif x:\n    z = f()\nelse:\n    z = 0\n"
    hits = []
    code = instrument(src, "<t>", {3, 8})
    ns = {"__bnlint_reach__": hits.extend}
    exec(code, ns)
    assert hits == [3] and ns["z"] == 2
    import dis

    assert {ln for _, ln in dis.findlinestarts(code) if ln} <= set(range(1, 9))


def _only_signals(stderr: str) -> bool:
    """Did torchrun report failed workers, every one ended by a signal (SIGABRT: exit code -6)?"""
    codes = [int(c) for c in re.findall(r"exitcode\s*:\s*(-?\d+)", stderr)]
    return bool(codes) and all(c < 0 for c in codes)


def test_ddp_torchrun_merges_ranks(tmp_path):
    cmd = [sys.executable, "-m", "torch.distributed.run", "--standalone", "--nproc_per_node", "2",
           "-m", "bnlint", "trace", "--format", "json", "--no-static", os.path.join(SCRIPTS, "ddp_bug.py")]
    proc = subprocess.run(cmd, cwd=tmp_path, capture_output=True, text=True, env=_env(), timeout=240)
    if "exit status 0 under torchrun" not in proc.stderr and _only_signals(proc.stderr):
        # torch 2.13's gloo abort (below) can also hit a worker before bnlint's summary is written
        # (seen once in a CI run on a loaded 2-core machine, never alone): run it once more.
        proc = subprocess.run(cmd, cwd=tmp_path, capture_output=True, text=True, env=_env(), timeout=240)
    # A run that only found bugs is no failed job: no rank exits non-zero because of bnlint, so
    # torchrun prints no child-failure traceback for it.
    assert "exit status 0 under torchrun" in proc.stderr
    if proc.returncode != 0:
        # torch 2.13's gloo sometimes aborts a worker at interpreter exit ("terminate called without an
        # active exception", exit code -6), with or without bnlint (reproduced running the script plain
        # under torchrun: 1 run in 10). That is torch's, not a failing rank: every exit code is a signal.
        assert _only_signals(proc.stderr), proc.stderr
    else:
        assert "ChildFailedError" not in proc.stderr and "Traceback" not in proc.stderr
    start = proc.stdout.index("[")
    findings = json.loads(proc.stdout[start:])
    (f,) = [f for f in findings if f["code"] == "BN901"]
    assert f["runtime"]["status"] == "confirmed"
    assert "rank 0 and rank 1" in f["runtime"]["evidence"]
    assert sorted(p.name for p in (tmp_path / ".bnlint" / "trace").iterdir()) == ["rank0.json", "rank1.json"]
    assert f["runtime"]["run"]["ranks"] == [0, 1]


def _rank_trace(rank, values, call=5):
    mod = {"key": 1, "name": "backbone.bn1", "cls": "BatchNorm2d", "kind": "bn", "site": ["/x/train.py", 12],
           "snapshot": {"call": call, "values": values}}
    return {"rank": rank, "modules": [mod], "events": [], "steps": 5, "ended": {"how": "completed"}}


def test_divergence_merge_unit():
    from bnlint.runtime.report import divergence_issues, join

    assert divergence_issues([_rank_trace(0, [0.5, 1.0]), _rank_trace(1, [0.5, 1.0])]) == []
    assert divergence_issues([_rank_trace(0, [0.5, 1.0]), _rank_trace(1, [0.9, 1.0], call=4)]) == []  # not the same call
    (iss,) = divergence_issues([_rank_trace(0, [0.5, 1.0]), _rank_trace(1, [0.9, 1.0])])
    assert iss.code == "BN901" and "rank 0 and rank 1 by up to 0.4" in iss.evidence
    (f,) = join([], [_rank_trace(0, [0.5, 1.0]), _rank_trace(1, [0.9, 1.0])])
    assert f.code == "BN901" and f.path == "/x/train.py" and f.line == 12 and f.runtime["run"]["ranks"] == [0, 1]


def test_without_torch_it_says_which_extra_to_install(tmp_path):
    """`bnlint trace` in an environment without PyTorch: one line naming the extra, exit 2, no
    traceback and no "internal error"."""
    blocker = tmp_path / "sitecustomize.py"  # runs at start-up: torch cannot be imported
    blocker.write_text(
        "import sys\n"
        "class _NoTorch:\n"
        "    def find_spec(self, name, path=None, target=None):\n"
        "        if name == 'torch' or name.startswith('torch.'):\n"
        "            raise ModuleNotFoundError(\"No module named 'torch'\", name='torch')\n"
        "sys.meta_path.insert(0, _NoTorch())\n"
    )
    env = _env()
    env["PYTHONPATH"] = str(tmp_path) + os.pathsep + env["PYTHONPATH"]
    proc = subprocess.run(
        [sys.executable, "-m", "bnlint", "trace", os.path.join(SCRIPTS, "bn001_bug.py")],
        cwd=tmp_path, capture_output=True, text=True, env=env, timeout=120,
    )
    assert proc.returncode == 2
    assert "pip install 'bnlint[runtime]'" in proc.stderr
    assert "Traceback" not in proc.stderr and "internal error" not in proc.stderr
    assert proc.stdout == ""


def test_spawned_workers_are_traced(tmp_path):
    """Workers started with `torch.multiprocessing.spawn` run under tracers of their own: the BN001
    that happens only in them is confirmed, and the JSON report on stdout stays clean of their
    prints."""
    cmd = [sys.executable, "-m", "bnlint", "trace", "--format", "json", os.path.join(SCRIPTS, "spawn_bug.py")]
    proc = subprocess.run(cmd, cwd=tmp_path, capture_output=True, text=True, env=_env(), timeout=240)
    assert proc.returncode == 1, proc.stderr
    findings = json.loads(proc.stdout)
    (f,) = [f for f in findings if f["code"] == "BN001"]
    assert f["runtime"]["status"] == "confirmed"
    assert "spawn_bug.py:16" in f["runtime"]["evidence"]
    assert f["runtime"]["run"]["ranks"] == [None, 0, 1] and f["runtime"]["run"]["steps"] == 3
    assert "rank 0 val acc" in proc.stderr and "rank 1 val acc" in proc.stderr
    assert sorted(p.name for p in (tmp_path / ".bnlint" / "trace").iterdir()) == ["spawn1_rank0.json", "spawn1_rank1.json"]


@pytest.mark.skipif(not __import__("torch").cuda.is_available(), reason="SyncBatchNorm needs CUDA (GPU modules only)")
def test_ddp_syncbn_correct_twin_confirms_nothing(tmp_path):
    """DDP with SyncBatchNorm over every GPU (NCCL): running statistics agree across ranks, so no
    BN901 and nothing else is confirmed."""
    import torch

    cmd = [sys.executable, "-m", "torch.distributed.run", "--standalone", "--nproc_per_node", str(torch.cuda.device_count()),
           "-m", "bnlint", "trace", "--format", "json", os.path.join(SCRIPTS, "ddp_syncbn_ok.py")]
    proc = subprocess.run(cmd, cwd=tmp_path, capture_output=True, text=True, env=_env(), timeout=300)
    assert proc.returncode == 0, proc.stderr
    findings = json.loads(proc.stdout[proc.stdout.index("["):])
    assert [f for f in findings if f["runtime"]["status"] == "confirmed"] == [], findings
    assert "SyncBatchNorm" in (tmp_path / ".bnlint" / "trace" / "rank0.json").read_text()
