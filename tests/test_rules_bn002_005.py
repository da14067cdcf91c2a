"""BN002-BN005: exact codes and lines on positive spellings and look-alike negatives, fixes, options, docs, seeds."""
import importlib
import os
import textwrap

import libcst
import pytest

from bnlint.config import Settings
from bnlint.engine import lint_source
from bnlint.fixes import apply_findings, select_fixes
from bnlint.registry import find_rule, load_rules
from fixture_support import FIXTURES, expectations, lint_fixture

CODES = ("BN002", "BN003", "BN004", "BN005")


def lint(source, codes=CODES, options=None):
    settings = Settings()
    settings.select = list(codes)
    if options:
        for code, opts in options.items():
            settings.rule_options.setdefault(code, {}).update(opts)
    src = textwrap.dedent(source)
    rules = [r for r in load_rules() if r.code in codes]
    result = lint_source(src, "snippet.py", settings, rules=rules)
    assert not result.internal_errors, result.internal_errors
    return src, result.findings


def found(source, codes=CODES, options=None):
    _, findings = lint(source, codes, options)
    return sorted((f.line, f.code) for f in findings)


def fixed(source, codes=CODES):
    src, findings = lint(source, codes)
    out = src
    for _ in range(5):
        chosen = select_fixes(findings, unsafe=True)
        if not chosen:
            break
        out = apply_findings(out, chosen)
        _, findings = lint(out, codes)
    return out


# --- metadata and docs --------------------------------------------------------------


@pytest.mark.parametrize(
    "code,name,severity",
    [
        ("BN002", "momentum-zero-freeze", "error"),
        ("BN003", "detached-norm-stats", "error"),
        ("BN004", "frozen-bn-train-mode", "warning"),
        ("BN005", "tiny-batch-bn", "warning"),
    ],
)
def test_public_contract(code, name, severity):
    rule = find_rule(code)
    assert rule is not None and rule.name == name and rule.severity == severity
    assert find_rule(name) is rule
    docs = rule.docs()
    for section in ("## What it does", "## Why is this bad?", "## Example", "## Use instead", "## Fix safety", "## References"):
        assert section in docs, (code, section)


@pytest.mark.parametrize("code", CODES)
def test_fixit_examples(code):
    rule = find_rule(code)
    assert rule.valid_examples and rule.invalid_examples
    for example in rule.valid_examples:
        assert found(example, (code,)) == [], example
    for example in rule.invalid_examples:
        source, expected = example if isinstance(example, tuple) else (example, None)
        assert [c for _, c in found(source, (code,))] and all(c == code for _, c in found(source, (code,)))
        if expected is not None:
            assert fixed(source, (code,)) == expected


def test_bn005_declares_its_option():
    rule = find_rule("BN005")
    opt = {o.name: o for o in rule.options}["tiny-batch-size"]
    assert opt.default == 8 and opt.type is int


# --- BN002 -----------------------------------------------------------------------------

BN002_POSITIVE = """\
import functools
import torch.nn as nn
from torch import nn as tnn
from torch.nn import BatchNorm2d as BN
from torch.nn.modules.batchnorm import _BatchNorm

ZERO = 0.0
bn_a = nn.BatchNorm2d(8, momentum=0)
bn_b = tnn.BatchNorm1d(8, 1e-5, 0.0)
bn_c = BN(8, momentum=0.0 if True else 0.1)
bn_d = nn.BatchNorm2d(8, momentum=ZERO)
norm = functools.partial(nn.BatchNorm2d, momentum=0)

def a(model):
    for m in model.modules():
        if isinstance(m, _BatchNorm):
            m.momentum = 0

def b(model):
    model.apply(lambda m: setattr(m, "momentum", 0) if isinstance(m, nn.BatchNorm2d) else None)

def c(model):
    for name, m in model.named_modules():
        if "bn" in name:
            m.momentum = 0

def d(model):
    def fn(m):
        if m.__class__.__name__.find("BatchNorm") != -1:
            setattr(m, "momentum", ZERO)
    model.apply(fn)
"""


def test_bn002_positive_spellings():
    assert found(BN002_POSITIVE, ("BN002",)) == [(8, "BN002"), (9, "BN002"), (10, "BN002"), (11, "BN002"), (12, "BN002"), (17, "BN002"), (20, "BN002"), (25, "BN002"), (30, "BN002")]


def test_bn002_forward_toggle_is_a_noop_message():
    src = """\
    import torch.nn as nn
    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            self.bn = nn.BatchNorm1d(4)
        def forward(self, x):
            if self.training:
                self.bn.momentum = 0.1
            else:
                self.bn.momentum = 0
            self.bn.momentum = 0.1 if self.training else 0.0
            return self.bn(x)
    """
    _, findings = lint(src, ("BN002",))
    assert [(f.line, f.code) for f in findings] == [(10, "BN002"), (11, "BN002")]
    assert all("no-op" in f.message and "eval mode" in f.message for f in findings)
    assert all(f.fix is None for f in findings)


def test_bn002_negatives():
    src = """\
    import torch
    import torch.nn as nn
    from torch.nn.modules.batchnorm import _BatchNorm
    bn = nn.BatchNorm2d(8, momentum=0.01)
    cma = nn.BatchNorm2d(8, momentum=None)
    stateless = nn.BatchNorm2d(8, momentum=0, track_running_stats=False)
    opt = torch.optim.SGD([], lr=0.1, momentum=0)

    def sam(model, closure):
        for m in model.modules():
            if isinstance(m, _BatchNorm):
                m.backup_momentum = m.momentum
                m.momentum = 0
        closure()
        for m in model.modules():
            if isinstance(m, _BatchNorm):
                m.momentum = m.backup_momentum

    def local_save(m):
        if isinstance(m, nn.BatchNorm2d):
            old = m.momentum
            m.momentum = 0
            m.momentum = old

    def not_bn(model):
        for m in model.modules():
            if isinstance(m, nn.Linear):
                m.momentum = 0
            else:
                pass
    """
    assert found(src, ("BN002",)) == []


def test_bn002_save_restore_is_per_module_not_file_wide():
    src = """\
    import torch.nn as nn
    def sam(m):
        if isinstance(m, nn.BatchNorm2d):
            m.backup_momentum = m.momentum
            m.momentum = 0
    def restore(m):
        if isinstance(m, nn.BatchNorm2d):
            m.momentum = m.backup_momentum
    def freeze(m):
        if isinstance(m, nn.BatchNorm2d):
            m.momentum = 0
    """
    assert found(src, ("BN002",)) == [(11, "BN002")]


# --- BN003 -----------------------------------------------------------------------------

BN003_POSITIVE = """\
import torch
from torch import nn
from torch.nn import BatchNorm2d as BN

class A(nn.Module):
    def forward(self, x):
        mean = x.mean(0).detach()
        var = x.var(0).detach()
        return (x - mean) / torch.sqrt(var + 1e-5)

class B(BN):
    def forward(self, x):
        m = x.detach().mean((0, 2, 3), keepdim=True)
        v = x.data.var((0, 2, 3), keepdim=True)
        return (x - m) * torch.rsqrt(v + self.eps)

class C(nn.Module):
    def forward(self, x):
        with torch.no_grad():
            mu = x.mean(0)
        return x - mu

class D(nn.Module):
    def forward(self, x):
        stats = {"mean": x.mean(0).detach().clone()}
        return x - stats["mean"]

class E(nn.Module):
    def _norm(self, h):
        return (h - h.mean(0).data) / h.std(0)
    def forward(self, h):
        return self._norm(h)
"""


def test_bn003_positive_spellings():
    # One finding per normalisation, at its first detached statistic (A and B detach two each).
    assert found(BN003_POSITIVE, ("BN003",)) == [(7, "BN003"), (13, "BN003"), (20, "BN003"), (25, "BN003"), (30, "BN003")]


def test_bn003_message_names_the_detached_statistics_and_the_input():
    _, findings = lint(BN003_POSITIVE, ("BN003",))
    by_line = {f.line: f.message for f in findings}
    assert by_line[7].startswith("The batch mean and variance of `x` are detached with `.detach()` and then normalise `x`")
    assert "d(mean)/dx and d(var)/dx terms" in by_line[7]
    assert by_line[13].startswith("The batch mean and variance of `x` are cut from the autograd graph (`.detach()`, `.data`)")
    assert by_line[20].startswith("The batch mean of `x` is computed inside `torch.no_grad()` and then normalises `x`")
    assert "d(mean)/dx term " in by_line[20] and "var" not in by_line[20].split(":")[0]
    src = """\
    import torch
    from torch import nn
    class TwoInputs(nn.Module):
        def forward(self, ref, x, eps=1e-5):
            std = torch.sqrt(x.var(0) + eps)
            mean = x.mean(0)
            return ref + (x - mean.detach()) / std.detach()
    class Sums(nn.Module):
        def forward(self, x):
            with torch.no_grad():
                s1, s2 = x.sum(0), x.pow(2).sum(0)
            mean = s1 / x.size(0)
            return (x - mean) * torch.rsqrt(s2 / x.size(0) - mean ** 2 + 1e-5)
    """
    _, findings = lint(src, ("BN003",))
    assert [(f.line, f.code) for f in findings] == [(7, "BN003"), (11, "BN003")]
    assert findings[0].message.startswith("The batch mean and standard deviation of `x` are detached")
    assert "d(mean)/dx and d(std)/dx" in findings[0].message
    assert findings[1].message.startswith("The batch sum and sum of squares of `x` are computed inside `torch.no_grad()`")


BN003_BATCH_DIMS = {
    "dim_0": "x.mean(0)",
    "dim_keyword": "x.mean(dim=0)",
    "dims_tuple": "x.mean(dim=(0, 2, 3), keepdim=True)",
    "dims_list": "x.mean([0, 2, 3], keepdim=True)",
    "axis_keyword": "x.mean(axis=(0, 2, 3), keepdim=True)",
    "torch_function": "torch.mean(x, (0, 2, 3), keepdim=True)",
    "sum_over_count": "x.sum(0) / x.size(0)",
    "torch_sum": "torch.sum(x, dim=[0, 2, 3], keepdim=True) / n",
    "channels_first": "x.transpose(0, 1).reshape(x.size(1), -1).mean(1).view(1, -1, 1, 1)",
    "channels_first_negative_dim": "x.permute(1, 0, 2, 3).reshape(x.size(1), -1).mean(-1).view(1, -1, 1, 1)",
    "local_dims": "x.mean(DIMS, keepdim=True)",
    "attribute_dims": "x.mean(self.dims, keepdim=True)",
    "dims_concatenated": "x.mean([0] + list(range(2, x.dim())), keepdim=True)",
}
BN003_NOT_BATCH_DIMS = {
    "per_sample": "x.mean(dim=(1, 2, 3), keepdim=True)",
    "per_sample_list": "x.mean([1, 2, 3], keepdim=True)",
    "last_dim": "x.mean(-1, keepdim=True)",
    "whole_tensor": "x.mean()",
    "flattened_per_sample": "x.flatten(1).mean(1).view(-1, 1, 1, 1)",
    "per_sample_sum": "x.sum(dim=(1, 2, 3), keepdim=True) / n",
    "unknown_dims": "x.mean(self.reduce_over, keepdim=True)",
}


def _bn003_stat_module(stat):
    return (
        "import torch\nfrom torch import nn\nclass Norm(nn.Module):\n"
        "    def __init__(self):\n        super().__init__()\n        self.dims = (0, 2, 3)\n"
        "    def forward(self, x, n=1):\n        DIMS = (0, 2, 3)\n"
        f"        m = ({stat}).detach()\n        return x - m\n"
    )


@pytest.mark.parametrize("spelling", sorted(BN003_BATCH_DIMS))
def test_bn003_batch_dimension_spellings(spelling):
    src = _bn003_stat_module(BN003_BATCH_DIMS[spelling])
    assert found(src, ("BN003",)) == [(9, "BN003")]
    no_grad = src.replace(f"        m = ({BN003_BATCH_DIMS[spelling]}).detach()\n", f"        with torch.no_grad():\n            m = {BN003_BATCH_DIMS[spelling]}\n")
    assert found(no_grad, ("BN003",)) == [(10, "BN003")]


@pytest.mark.parametrize("spelling", sorted(BN003_NOT_BATCH_DIMS))
def test_bn003_statistics_not_over_the_batch(spelling):
    src = _bn003_stat_module(BN003_NOT_BATCH_DIMS[spelling])
    assert found(src, ("BN003",)) == []
    no_grad = src.replace(f"        m = ({BN003_NOT_BATCH_DIMS[spelling]}).detach()\n", f"        with torch.no_grad():\n            m = {BN003_NOT_BATCH_DIMS[spelling]}\n")
    assert "no_grad" in no_grad and found(no_grad, ("BN003",)) == []


def test_bn003_loss_module_is_not_a_normalisation_layer():
    """A forward that returns a scalar loss normalises a target, not its own output."""
    body = """\
    import torch
    import torch.nn.functional as F
    from torch import nn
    class DistillLoss(nn.Module):
        def __init__(self):
            super().__init__()
            self.w = 2.0
        def forward(self, student, teacher):
            with torch.no_grad():
                t = (teacher - teacher.mean(0)) / teacher.std(0)
            s = (student - student.mean(0)) / student.std(0)
            {tail}
    """
    for tail in ("return self.w * F.mse_loss(s, t)", "loss = F.smooth_l1_loss(s, t) + 0.1 * (s - t).abs().mean()\n            return loss"):
        assert found(body.format(tail=tail), ("BN003",)) == [], tail
    # The same normalisation returned as the layer's output is BN003.
    assert found(body.format(tail="return s + t"), ("BN003",)) == [(10, "BN003")]
    assert found(body.format(tail='return F.mse_loss(s, t, reduction="none")'), ("BN003",)) == [(10, "BN003")]


def test_bn003_static_helper_counts_only_on_a_bn_module():
    src = """\
    import torch
    from torch import nn
    class {name}({base}):
        @staticmethod
        def _standardize(x):
            return (x - x.mean(0).detach()) / x.std(0).detach()
        def forward(self, x):
            return self.{attr}(self._standardize(x))
    """
    plain = textwrap.dedent(src.format(name="Head", base="nn.Module", attr="proj"))
    assert found(plain, ("BN003",)) == []
    bn = textwrap.dedent(src.format(name="MyBN", base="nn.BatchNorm1d", attr="identity"))
    assert found(bn, ("BN003",)) == [(6, "BN003")]


def test_bn003_fix_is_unsafe_everywhere():
    rule = find_rule("BN003")
    assert rule.fix_availability == "unsafe"
    safety = rule.docs().split("## Fix safety", 1)[1].split("##", 1)[0]
    assert "unsafe" in safety and "changes the gradients" in safety and "--unsafe-fixes" in safety
    _, findings = lint(BN003_POSITIVE, ("BN003",))
    fixes = [f.fix for f in findings if f.fix is not None]
    assert fixes and all(fix.applicability == "unsafe" for fix in fixes)
    assert select_fixes(findings, unsafe=False) == []


def test_bn003_fix_drops_the_detach_and_is_idempotent():
    out = fixed(BN003_POSITIVE, ("BN003",))
    libcst.parse_module(out)
    assert "x.mean(0)\n" in out and "x.var(0)\n" in out
    assert "x.mean((0, 2, 3), keepdim=True)" in out and "x.var((0, 2, 3), keepdim=True)" in out
    assert 'x.mean(0).clone()' in out
    assert "h.mean(0)) / h.std(0)" in out
    assert "with torch.no_grad():\n            mu = x.mean(0)" in out  # reported, never auto-fixed
    assert found(out, ("BN003",)) == [(20, "BN003")]
    assert fixed(out, ("BN003",)) == out


def test_bn003_no_fix_when_detached_value_also_feeds_running_buffer():
    src = """\
    import torch
    from torch import nn
    class A(nn.Module):
        def forward(self, x):
            mean = x.mean(0).detach()
            self.running_mean.mul_(0.9).add_(0.1 * mean)
            return x - mean
    """
    _, findings = lint(src, ("BN003",))
    assert [(f.line, f.code) for f in findings] == [(5, "BN003")]
    assert findings[0].fix is None


def test_bn003_no_fix_when_detached_statistics_are_stored_into_a_parts_running_buffers():
    """The statistics feed `self.bn.running_mean = ...` (a BatchNorm part's buffer, assigned): no fix,
    one finding at the first statistic naming both."""
    import os

    from fixture_support import FIXTURES, lint_fixture

    _, result = lint_fixture(os.path.join(FIXTURES, "bn003", "positive_folded_affine_statistics_feeding_buffers.py"))
    assert [(f.line, f.code) for f in result.findings] == [(19, "BN003")]
    assert "mean and variance" in result.findings[0].summary
    assert result.findings[0].fix is None


def test_bn003_negatives():
    src = """\
    import torch
    from torch import nn
    class A(nn.Module):
        def forward(self, x):
            mean, var = x.mean(0), x.var(0)
            self.running_mean.mul_(0.9).add_(0.1 * mean.detach())
            with torch.no_grad():
                self.running_var.copy_(0.9 * self.running_var + 0.1 * x.var(0))
            self.last = x.mean().detach()
            print(x.std().detach().item())
            return (x - mean) / torch.sqrt(var + 1e-5)

    class Frozen(nn.Module):
        @torch.no_grad()
        def forward(self, x):
            return x - x.mean(0)

    def preprocess(batch):
        return batch - batch.mean(0).detach()

    class StopGrad(nn.Module):
        def forward(self, p, z):
            target = z.detach()
            return p - (target - z.mean(0).detach())
    """
    assert found(src, ("BN003",)) == []


# --- BN004 -----------------------------------------------------------------------------

BN004_TRAIN_TAIL = """
opt = torch.optim.SGD(model.parameters(), lr=0.1)
model.train()
"""


@pytest.mark.parametrize(
    "freeze",
    [
        "for p in model.parameters():\n    p.requires_grad = False",
        "model.layer1.requires_grad_(False)",
        "for name, p in model.named_parameters():\n    if 'bn' in name:\n        p.requires_grad = False",
        "for m in model.modules():\n    if isinstance(m, BN):\n        m.weight.requires_grad = False",
        "for c in list(model.children())[:5]:\n    c.requires_grad_(False)",
        "backbone = model\nfor p in backbone.parameters():\n    p.requires_grad = False",
    ],
)
def test_bn004_positive_spellings(freeze):
    src = "import torch\nfrom torch.nn import BatchNorm2d as BN\nfrom torchvision.models import resnet50\nmodel = resnet50()\n" + freeze + "\n" + BN004_TRAIN_TAIL
    line = next(i for i, text in enumerate(src.splitlines(), 1) if "requires_grad" in text)
    assert found(src, ("BN004",)) == [(line, "BN004")]


def test_bn004_exact_lines_apply_and_helper():
    src = """\
    import torch
    import torch.nn as nn
    import torchvision

    def frozen_fn(m):
        if m.__class__.__name__.find("BatchNorm") != -1:
            for p in m.parameters():
                p.requires_grad = False

    def train_one_epoch(model, opt):
        model.train()
        opt.step()

    net = torchvision.models.resnet18()
    net.apply(frozen_fn)
    optimizer = torch.optim.SGD(net.parameters(), lr=0.1)
    for epoch in range(3):
        train_one_epoch(net, optimizer)
    """
    _, findings = lint(src, ("BN004",))
    assert [(f.line, f.code) for f in findings] == [(8, "BN004")]
    assert "train mode" in findings[0].message and "FrozenBatchNorm2d" in findings[0].message


@pytest.mark.parametrize(
    "body",
    [
        # FrozenBatchNorm2d as the norm layer
        "model = torchvision.models.resnet50(norm_layer=torchvision.ops.FrozenBatchNorm2d)\nfor p in model.parameters():\n    p.requires_grad = False\nmodel.train()",
        # no BN in the model
        "model = torchvision.models.vgg16()\nmodel.features.requires_grad_(False)\nmodel.train()",
        # only conv layers frozen
        "model = torchvision.models.resnet50()\nfor m in model.modules():\n    if isinstance(m, nn.Conv2d):\n        m.weight.requires_grad = False\nmodel.train()",
        # BN put back in eval after train()
        "model = torchvision.models.resnet50()\nmodel.requires_grad_(False)\nmodel.train()\nmodel.apply(lambda m: m.eval() if isinstance(m, nn.BatchNorm2d) else None)",
        # inference only
        "model = torchvision.models.resnet50()\nfor p in model.parameters():\n    p.requires_grad = False\nmodel.eval()",
        # test-time adaptation with cleared running stats
        "model = torchvision.models.resnet50()\nmodel.train()\nmodel.requires_grad_(False)\nfor m in model.modules():\n    if isinstance(m, nn.BatchNorm2d):\n        m.requires_grad_(True)\n        m.track_running_stats = False\n        m.running_mean = None",
        # the classifier head frozen, not the backbone
        "model = torchvision.models.resnet50()\nmodel.fc.requires_grad_(False)\nmodel.train()",
    ],
)
def test_bn004_negatives(body):
    src = "import torch\nimport torch.nn as nn\nimport torchvision\n" + body + "\n"
    assert found(src, ("BN004",)) == []


def test_bn004_train_override_is_not_reported():
    src = """\
    import torch.nn as nn
    import torchvision
    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            self.backbone = torchvision.models.resnet18()
            self.backbone.requires_grad_(False)
        def train(self, mode=True):
            super().train(mode)
            self.backbone.eval()
            return self
    net = Net()
    net.train()
    """
    assert found(src, ("BN004",)) == []


# --- BN005 -----------------------------------------------------------------------------

BN005_MODEL = """\
import argparse
import torch
import torch.nn as nn
from torch.utils.data import DataLoader

class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc1 = nn.Linear(16, 32)
        self.bn_fc1 = nn.BatchNorm1d(32)
        self.head = nn.Sequential(self.fc1, self.bn_fc1, nn.ReLU())
        self.fc2 = nn.Linear(32, 2)
    def forward(self, x):
        return self.fc2(self.head(x))

model = Net()
opt = torch.optim.SGD(model.parameters(), lr=0.1)
"""


def test_bn005_loader_spellings_and_message():
    src = BN005_MODEL + textwrap.dedent(
        """\
        parser = argparse.ArgumentParser()
        parser.add_argument("--batch-size", type=int, default=4)
        args = parser.parse_args()
        BS = 2
        train_loader = DataLoader(ds, batch_size=args.batch_size, shuffle=True)
        train_loader2 = DataLoader(ds, BS, shuffle=True)
        loader = DataLoader(ds, batch_size=1, shuffle=True)
        val_loader = DataLoader(ds, batch_size=1)
        test_loader = DataLoader(ds, batch_size=2, shuffle=False)
        big_loader = DataLoader(ds, batch_size=64, shuffle=True)
        for x, y in train_loader:
            nn.functional.cross_entropy(model(x), y).backward()
            opt.step()
        """
    )
    _, findings = lint(src, ("BN005",))
    assert [(f.line, f.code) for f in findings] == [(22, "BN005"), (23, "BN005"), (24, "BN005")]
    msg = findings[0].message
    assert "batch_size=4" in msg and "--batch-size" in msg and "Net.bn_fc1" in msg and "BatchNorm1d" in msg
    assert "GroupNorm" in msg and "FrozenBatchNorm2d" in msg
    assert "Expected more than 1 value per channel" in findings[2].message


def test_bn005_threshold_option():
    src = BN005_MODEL + "train_loader = DataLoader(ds, batch_size=4, shuffle=True)\nmodel(x).sum().backward()\n"
    assert found(src, ("BN005",)) == [(18, "BN005")]
    assert found(src, ("BN005",), options={"BN005": {"tiny-batch-size": 4}}) == []


def test_bn005_per_sample_training_steps():
    src = BN005_MODEL + textwrap.dedent(
        """\
        def step(xs, ys):
            for i in range(len(xs)):
                loss = nn.functional.cross_entropy(model(xs[i:i + 1]), ys[i:i + 1])
                loss.backward()
            for x, y in zip(xs, ys):
                model(x.unsqueeze(0)).sum().backward()
                model(x[None]).sum().backward()
            opt.step()
        """
    )
    assert found(src, ("BN005",)) == [(20, "BN005"), (23, "BN005"), (24, "BN005")]


def test_bn005_negatives():
    src = BN005_MODEL + textwrap.dedent(
        """\
        parser = argparse.ArgumentParser()
        parser.add_argument("--batch-size", type=int, default=128)
        args = parser.parse_args()
        train_loader = DataLoader(ds, batch_size=args.batch_size, shuffle=True, drop_last=True)
        val_loader = DataLoader(ds, batch_size=1, shuffle=False)

        @torch.no_grad()
        def predict(x):
            model.eval()
            return model(x.unsqueeze(0))

        def evaluate(xs):
            model.eval()
            with torch.no_grad():
                return [model(xs[i:i + 1]) for i in range(len(xs))]

        for x, y in train_loader:
            nn.functional.cross_entropy(model(x), y).backward()
            opt.step()
        """
    )
    assert found(src, ("BN005",)) == []


def test_bn005_model_without_bn_is_fine():
    src = """\
    import torch
    import torch.nn as nn
    from torch.utils.data import DataLoader
    model = nn.Sequential(nn.Linear(4, 4), nn.LayerNorm(4))
    loader = DataLoader(ds, batch_size=1, shuffle=True)
    for x in loader:
        model(x[0].unsqueeze(0)).sum().backward()
    """
    assert found(src, ("BN005",)) == []


BN005_FREEZES = {
    "apply_function": """\
        def set_bn_eval(m):
            if m.__class__.__name__.find("BatchNorm") != -1:
                m.eval()

        for epoch in range(3):
            model.train()
            model.apply(set_bn_eval)
        """,
    "apply_lambda": """\
        for epoch in range(3):
            model.train()
            model.apply(lambda m: m.eval() if isinstance(m, nn.BatchNorm1d) else None)
        """,
    "modules_loop": """\
        for epoch in range(3):
            model.train()
            for m in model.modules():
                if isinstance(m, nn.BatchNorm1d):
                    m.eval()
        """,
}
BN005_FREEZE_BODY = (  # the rest of each epoch
    "    for x, y in train_loader:\n"
    "        nn.functional.cross_entropy(model(x), y).backward()\n"
    "        for i in range(x.size(0)):\n"
    "            model(x[i:i + 1]).sum().backward()\n"
    "        opt.step()\n"
)


@pytest.mark.parametrize("spelling", sorted(BN005_FREEZES))
def test_bn005_bn_put_back_in_eval_after_every_train(spelling):
    """BN frozen in eval after each `.train()` uses running statistics: small batches do not train it."""
    src = BN005_MODEL + "train_loader = DataLoader(ds, batch_size=2, shuffle=True)\n"
    src += textwrap.dedent(BN005_FREEZES[spelling]) + BN005_FREEZE_BODY
    assert found(src, ("BN005",)) == []
    # The same freeze done once, before the loop: the `.train()` of every epoch undoes it.
    head, _, loop = textwrap.dedent(BN005_FREEZES[spelling]).partition("for epoch in range(3):\n    model.train()\n")
    once = BN005_MODEL + "train_loader = DataLoader(ds, batch_size=2, shuffle=True)\n" + head
    once += textwrap.dedent(loop) + "for epoch in range(3):\n    model.train()\n" + BN005_FREEZE_BODY
    lines = once.splitlines()
    loop_line = next(i for i, line in enumerate(lines, 1) if "model(x[i:i + 1])" in line)
    assert found(once, ("BN005",)) == [(18, "BN005"), (loop_line, "BN005")]


def test_bn005_train_override_that_freezes_bn():
    src = BN005_MODEL.replace(
        "    def forward(self, x):\n",
        "    def train(self, mode=True):\n        super().train(mode)\n        self.bn_fc1.eval()\n        return self\n"
        "    def forward(self, x):\n",
    ) + textwrap.dedent(
        """\
        train_loader = DataLoader(ds, batch_size=2, shuffle=True)
        for epoch in range(3):
            model.train()
            for x, y in train_loader:
                nn.functional.cross_entropy(model(x), y).backward()
                opt.step()
        """
    )
    assert found(src, ("BN005",)) == []
    # Never switched with `.train()`: the override never runs and BN trains on the small batches.
    assert found(src.replace("    model.train()\n", ""), ("BN005",)) == [(22, "BN005")]


def test_bn005_argparse_default_is_a_module_constant():
    template = BN005_MODEL + textwrap.dedent(
        """\
        BATCH_SIZE = {size}
        parser = argparse.ArgumentParser()
        parser.add_argument("--batch-size", type=int, default=BATCH_SIZE)
        args = parser.parse_args()
        train_loader = DataLoader(ds, batch_size=args.batch_size, shuffle=True)
        for x, y in train_loader:
            nn.functional.cross_entropy(model(x), y).backward()
            opt.step()
        """
    )
    _, findings = lint(template.format(size=2), ("BN005",))
    assert [(f.line, f.code) for f in findings] == [(22, "BN005")]
    assert "batch_size=2" in findings[0].message and "`--batch-size`" in findings[0].message and "BATCH_SIZE = 2" in findings[0].message
    assert found(template.format(size=64), ("BN005",)) == []
    assert found(template.format(size="2 if fast else 64"), ("BN005",)) == []  # not one integer: unknown


BN005_UNET = """\
import torch.nn as nn


class ConvBlock(nn.Module):
    def __init__(self, cin, cout, is_batchnorm=True):
        super().__init__()
        norm = nn.InstanceNorm3d(cout) if is_batchnorm else nn.Identity()
        self.block = nn.Sequential(nn.Conv3d(cin, cout, 3, padding=1), norm, nn.ReLU())


class UNet(nn.Module):
    def __init__(self, in_chns=1, class_num=2, is_batchnorm=True):
        super().__init__()
        self.enc = ConvBlock(in_chns, 16, is_batchnorm)
        self.out = nn.Conv3d(16, class_num, 1)
        for m in self.modules():
            if isinstance(m, nn.BatchNorm3d):
                nn.init.constant_(m.weight, 1)
"""
BN005_VNET = """\
import torch.nn as nn


class VNet(nn.Module):
    def __init__(self, in_chns=1, class_num=2):
        super().__init__()
        self.conv = nn.Conv3d(in_chns, 16, 5, padding=2)
        self.bn = nn.BatchNorm3d(16)
"""
BN005_TRAIN_SCRIPT = """\
import argparse
import torch
from torch.utils.data import DataLoader
from networks.factory import net_factory

parser = argparse.ArgumentParser()
parser.add_argument("--model", type=str, default="unet")
parser.add_argument("--batch_size", type=int, default=2)
args = parser.parse_args()


def train(args):
    model = net_factory(net_type=args.model)
    loader = DataLoader(ds, batch_size=args.batch_size, shuffle=True)
    model.train()
    for x, y in loader:
        torch.nn.functional.cross_entropy(model(x), y).backward()


train(args)
"""


def _lint_project(tmp_path, factory):
    files = {
        "networks/__init__.py": "",
        "networks/unet.py": BN005_UNET,
        "networks/vnet.py": BN005_VNET,
        "networks/factory.py": "from networks.unet import UNet\nfrom networks.vnet import VNet\n\n\n" + textwrap.dedent(factory),
        "train.py": BN005_TRAIN_SCRIPT,
    }
    for rel, text in files.items():
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / rel).write_text(text)
    settings = Settings()
    settings.select = ["BN005"]
    path = str(tmp_path / "train.py")
    result = lint_source(BN005_TRAIN_SCRIPT, path, settings)
    assert not result.internal_errors, result.internal_errors
    return [(f.line, f.code) for f in result.findings]


def test_bn005_factory_that_may_build_bn_stays_quiet(tmp_path):
    """The default branch builds an InstanceNorm UNet (BN only in an isinstance check), another a BN VNet:
    which model trains depends on `--model`, a "maybe" (SSL4MIS `net_factory_3d`)."""
    factory = """\
        def net_factory(net_type="unet", in_chns=1, class_num=2):
            if net_type == "unet":
                net = UNet(in_chns=in_chns, class_num=class_num).cuda()
            elif net_type == "vnet":
                net = VNet(in_chns=in_chns, class_num=class_num).cuda()
            else:
                net = None
            return net
        """
    assert _lint_project(tmp_path, factory) == []


@pytest.mark.parametrize(
    "factory",
    [
        'def net_factory(net_type="vnet"):\n    if net_type == "vnet":\n        return VNet()\n    raise ValueError(net_type)\n',
        'def net_factory(net_type="vnet"):\n    if net_type == "small":\n        return VNet(class_num=1)\n    return VNet()\n',
        'def net_factory(net_type="vnet"):\n    net = VNet()\n    if net_type == "plain":\n        net.out = UNet()\n    return net\n',
        'def net_factory(net_type="vnet"):\n    return VNet(class_num=1) if net_type == "binary" else VNet()\n',
    ],
    ids=["raise-otherwise", "return-chain", "bn-before-branch", "ifexp"],
)
def test_bn005_factory_that_surely_builds_bn_is_reported(tmp_path, factory):
    assert _lint_project(tmp_path, factory) == [(14, "BN005")]


def test_bn005_isinstance_mention_is_no_bn():
    src = "import torch\nimport torch.nn as nn\nfrom torch.utils.data import DataLoader\n" + BN005_UNET.split("\n", 2)[2] + textwrap.dedent(
        """\
        model = UNet()
        loader = DataLoader(ds, batch_size=1, shuffle=True)
        optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
        for x, y in loader:
            model(x).sum().backward()
            model(x[0].unsqueeze(0)).sum().backward()
            optimizer.step()
        """
    )
    assert found(src, ("BN005",)) == []
    assert found(src.replace("nn.InstanceNorm3d(cout)", "nn.BatchNorm3d(cout)"), ("BN005",)) == [(21, "BN005"), (25, "BN005")]


# --- seeds ---------------------------------------------------------------------------------

SEEDS = {
    "seed000_momentum_toggle_in_forward.py": {(52, "BN002")},
    "seed001_full_batch_regression.py": set(),
    "seed002_momentum_zero_and_requires_grad.py": {(12, "BN002"), (14, "BN004")},
    "seed003_tensorflow_not_pytorch.py": set(),
    "seed004_detached_batch_stats.py": {(12, "BN003")},
}


@pytest.mark.parametrize("name", sorted(SEEDS))
def test_seed_fixtures(name):
    path = os.path.join(FIXTURES, "seeds", name)
    source, result = lint_fixture(path)
    assert {(f.line, f.code) for f in result.findings} == SEEDS[name] == expectations(source)


def test_seed004_reports_both_detached_statistics():
    """One finding for the normalisation, naming both statistics; its (unsafe) fix drops both detaches."""
    path = os.path.join(FIXTURES, "seeds", "seed004_detached_batch_stats.py")
    _, result = lint_fixture(path)
    bn003 = [f for f in result.findings if f.code == "BN003"]
    assert len(bn003) == 1
    assert bn003[0].message.startswith("The batch mean and variance of `input` are detached")
    assert bn003[0].fix is not None and bn003[0].fix.applicability == "unsafe" and len(bn003[0].fix.edits) == 2


@pytest.mark.parametrize(
    "freeze_test, train_test, in_else, exclusive",
    [
        ('args.mode == "probe"', 'args.mode == "finetune"', False, True),
        ('args.mode == "probe"', 'args.mode == "probe"', False, False),
        ('args.mode == "probe"', 'args.mode != "probe"', False, True),
        ('args.mode == "probe"', '"finetune" == args.mode', False, True),
        ("args.freeze", "not args.freeze", False, True),
        ("args.freeze", "args.freeze", True, True),  # the .train() in the `else:` of the same test
        ("args.freeze", "args.other", False, False),
        ("args.freeze", "args.freeze and epoch > 3", False, False),  # not a simple guard: no claim
        ("cfg.stage == 1", "cfg.stage == 2", False, True),
        ("cfg.stage is None", "cfg.stage is not None", False, True),
    ],
)
def test_bn004_conditions_that_exclude_each_other(freeze_test, train_test, in_else, exclusive):
    """BN004 drops a `.train()` that can never run on the same path as the freeze."""
    import libcst as cst

    bn004 = importlib.import_module("bnlint.rules.bn004_frozen_bn_train_mode")
    a = bn004._guard_of(cst.parse_expression(freeze_test))
    b = bn004._guard_of(cst.parse_expression(train_test))
    if b is not None and in_else:
        b = bn004._negated(b)
    assert bn004._exclusive([a] if a else [], [b] if b else []) is exclusive
