"""Python API: `with bnlint.runtime.trace() as t`, `check_model`, hook hygiene; parametrised over devices."""
import subprocess
import sys

import pytest
import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.nn.modules import module as module_mod

import bnlint.runtime
from bnlint.rule import Finding

torch.set_num_threads(1)
# The CUDA parametrisations always exist: they skip, visibly, on a machine without a GPU.
DEVICES = ["cpu", pytest.param("cuda", marks=pytest.mark.skipif(not torch.cuda.is_available(), reason="no CUDA device"))]


def small_cnn():
    return nn.Sequential(nn.Conv2d(3, 8, 3, padding=1), nn.BatchNorm2d(8), nn.ReLU(), nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(8, 4))


def train_steps(model, opt, device, n=3):
    model.train()
    for _ in range(n):
        x, y = torch.randn(16, 3, 8, 8, device=device), torch.randint(0, 4, (16,), device=device)
        opt.zero_grad()
        F.cross_entropy(model(x), y).backward()
        opt.step()


def validate(model, device, ctx=torch.no_grad):
    with ctx():
        return model(torch.randn(16, 3, 8, 8, device=device) * 3 + 2)


@pytest.mark.parametrize("ctx", [torch.no_grad, torch.inference_mode])
@pytest.mark.parametrize("device", DEVICES)
def test_trace_confirms_missing_eval(device, ctx):
    torch.manual_seed(0)
    model = small_cnn().to(device)
    opt = torch.optim.SGD(model.parameters(), lr=0.1)
    with bnlint.runtime.trace() as t:
        train_steps(model, opt, device)
        validate(model, device, ctx)
    found = t.findings()
    assert [f.code for f in found] == ["BN001"]
    f = found[0]
    assert isinstance(f, Finding) and f.path == __file__ and f.runtime["status"] == "confirmed"
    assert f.line == validate.__code__.co_firstlineno + 2
    assert "running_mean moved by up to" in f.runtime["evidence"]
    assert f.runtime["observations"][0]["module"] == "1"
    assert t.export()["events"][0]["inference_mode"] == (ctx is torch.inference_mode)
    text = t.report()
    assert "BN001 [confirmed]" in text and "Run ended: completed after 3 optimizer step(s)" in text
    assert '"runtime"' in t.report("json")


@pytest.mark.parametrize("device", DEVICES)
def test_trace_clean_loop_and_update_bn_are_silent(device):
    torch.manual_seed(0)
    model = small_cnn().to(device)
    opt = torch.optim.SGD(model.parameters(), lr=0.1)
    swa = torch.optim.swa_utils.AveragedModel(model)
    loader = [(torch.randn(16, 3, 8, 8, device=device),) for _ in range(2)]
    with bnlint.runtime.trace() as t:
        train_steps(model, opt, device)
        swa.update_parameters(model)
        torch.optim.swa_utils.update_bn(loader, swa)  # train-mode BN without grad: legitimate
        swa.eval()
        model.eval()
        validate(model, device)
        validate(swa, device)
    assert t.findings() == []


def test_precise_bn_recalibration_is_recognised():
    model = small_cnn()

    def recompute_bn_stats(m, batches):
        for mod in m.modules():
            if isinstance(mod, nn.BatchNorm2d):
                mod.reset_running_stats()
        m.train()
        with torch.no_grad():
            for b in batches:
                m(b)

    with bnlint.runtime.trace() as t:
        recompute_bn_stats(model, [torch.randn(8, 3, 8, 8) for _ in range(2)])
    assert t.findings() == []


def test_static_findings_are_joined():
    model = small_cnn()
    static = Finding("BN002", "momentum-zero-freeze", "error", "m", __file__, 10, 1, 10, 2)
    other = Finding("BN006", "eval-not-restored", "error", "m", __file__, 11, 1, 11, 2)
    model[1].momentum = 0
    opt = torch.optim.SGD(model.parameters(), lr=0.1)
    with bnlint.runtime.trace(static=[static, other]) as t:
        train_steps(model, opt, "cpu", n=2)
    by_code = {f.code: f for f in t.findings()}
    assert by_code["BN002"].runtime["status"] == "confirmed"
    assert "running_mean changed by 0" in by_code["BN002"].runtime["evidence"]
    assert by_code["BN006"].runtime["status"] == "not-observed"
    assert by_code["BN006"].runtime["evidence"].startswith("1 BatchNorm module(s) ran 2 train-mode")


def test_max_steps_in_api_unwinds_cleanly():
    model = small_cnn()
    opt = torch.optim.SGD(model.parameters(), lr=0.1)
    done = []
    with bnlint.runtime.trace(max_steps=2) as t:
        try:
            train_steps(model, opt, "cpu", n=10)
        except Exception:  # a user's `except Exception` must not swallow the stop
            done.append("swallowed")
        done.append("after")
    assert done == []
    assert t.export()["ended"]["how"] == "max-steps" and t.export()["steps"] == 2


def test_hooks_and_patches_are_removed():
    before = (dict(module_mod._global_forward_hooks), dict(module_mod._global_forward_pre_hooks), nn.Module.train)
    with bnlint.runtime.trace():
        assert nn.Module.train is not before[2]
    assert (dict(module_mod._global_forward_hooks), dict(module_mod._global_forward_pre_hooks), nn.Module.train) == before
    from torch.optim.optimizer import _global_optimizer_post_hooks

    assert not _global_optimizer_post_hooks


class DetachedNorm(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.weight = nn.Parameter(torch.ones(c))
        self.bias = nn.Parameter(torch.zeros(c))

    def forward(self, x):
        mean = x.mean(0).detach()
        var = x.var(0, unbiased=False).detach()
        return (x - mean) / torch.sqrt(var + 1e-5) * self.weight + self.bias


class ProperNorm(DetachedNorm):
    def forward(self, x):
        mean = x.mean(0)
        var = x.var(0, unbiased=False)
        return (x - mean) / torch.sqrt(var + 1e-5) * self.weight + self.bias


@pytest.mark.parametrize("device", DEVICES)
def test_check_model_finds_problems(device):
    model = nn.Sequential(nn.Linear(6, 8), DetachedNorm(8), nn.Linear(8, 8), nn.BatchNorm1d(8, momentum=0.0), nn.Linear(8, 8), nn.BatchNorm1d(8), nn.Linear(8, 2))
    for p in model[5].parameters():
        p.requires_grad_(False)
    state = {k: v.clone() for k, v in model.state_dict().items()}
    rep = bnlint.runtime.check_model(model, torch.randn(16, 6) + 1, device=device)
    codes = sorted(f.code for f in rep.findings())
    assert codes == ["BN002", "BN003", "BN004", "BN005"], rep.report()
    assert rep.probes["train_eval_max_output_diff"] > 0
    assert rep.probes["batch_of_one_train"].startswith("raised")
    assert rep.probes["device"].startswith(device)
    for k, v in model.state_dict().items():  # the user's model is untouched
        assert torch.equal(v, state[k])
    assert "BN003 [confirmed]" in rep.report()


@pytest.mark.parametrize("device", DEVICES)
def test_check_model_clean(device):
    model = nn.Sequential(nn.Conv2d(3, 4, 3), nn.BatchNorm2d(4), nn.ReLU(), nn.Flatten(), nn.Linear(4 * 6 * 6, 2))
    rep = bnlint.runtime.check_model(model, torch.randn(4, 3, 8, 8), device=device)
    assert rep.findings() == [], rep.report()
    rep2 = bnlint.runtime.check_model(nn.Sequential(nn.Linear(6, 8), ProperNorm(8), nn.Linear(8, 2)), torch.randn(8, 6), device=device)
    assert rep2.findings() == [], rep2.report()


def test_core_does_not_import_torch():
    code = "import sys, bnlint.runtime, bnlint.cli, bnlint.engine, bnlint.runtime.report; assert 'torch' not in sys.modules, 'torch imported'"
    subprocess.run([sys.executable, "-c", code], check=True, timeout=60)


def test_train_mode_in_validate_with_grad_is_confirmed():
    model = small_cnn()
    opt = torch.optim.SGD(model.parameters(), lr=0.1)

    def validate_epoch(m):
        return m(torch.randn(16, 3, 8, 8) * 3 + 2).argmax(1)  # no no_grad, no eval(): still leaks

    with bnlint.runtime.trace() as t:
        train_steps(model, opt, "cpu", n=2)
        validate_epoch(model)
    (f,) = t.findings()
    assert f.code == "BN001" and f.line == validate_epoch.__code__.co_firstlineno + 1
    assert "from an evaluation function" in f.runtime["evidence"]


def test_keyboard_interrupt_is_reported():
    with pytest.raises(KeyboardInterrupt):
        with bnlint.runtime.trace() as t:
            raise KeyboardInterrupt
    assert t.export()["ended"]["how"] == "interrupted"
    assert "Run ended: interrupted" in t.report()


class MomentumEncoder(nn.Module):
    """MoCo-style: the key encoder runs in train mode under no_grad inside the training forward."""

    def __init__(self):
        super().__init__()
        self.encoder_q = small_cnn()
        self.encoder_k = small_cnn()
        for p in self.encoder_k.parameters():
            p.requires_grad = False

    def forward(self, x):
        q = self.encoder_q(x)
        with torch.no_grad():
            k = self.encoder_k(x)
        return (q * k).sum(1)


def test_momentum_encoder_and_ema_teacher_are_not_evaluation():
    torch.manual_seed(0)
    moco = MomentumEncoder()
    student, teacher = small_cnn(), small_cnn()
    opt = torch.optim.SGD(list(moco.encoder_q.parameters()) + list(student.parameters()), lr=0.1)
    with bnlint.runtime.trace() as t:
        for _ in range(2):
            x = torch.randn(16, 3, 8, 8)
            opt.zero_grad()
            with torch.no_grad():
                target = teacher(x).softmax(1)  # mean-teacher targets, teacher kept in train mode
            loss = moco(x).mean() + F.cross_entropy(student(x), target)
            loss.backward()
            opt.step()
    assert [f for f in t.findings() if f.code == "BN001"] == []


def test_static_bn001_call_site_is_watched_with_grad_enabled():
    model = small_cnn()
    opt = torch.optim.SGD(model.parameters(), lr=0.1)
    val = torch.randn(16, 3, 8, 8) * 3 + 2

    def run_all():
        train_steps(model, opt, "cpu", n=2)
        return model(val)  # a static BN001 finding points here (e.g. a loop over the val loader)

    line = run_all.__code__.co_firstlineno + 2
    static = Finding("BN001", "missing-eval", "error", "m", __file__, line, 16, line, 26)
    with bnlint.runtime.trace(static=[static]) as t:
        run_all()
    (f,) = t.findings()
    assert f.line == line and f.runtime["status"] == "confirmed" and f.runtime["matched_by"] == "location"
