"""The train/eval-mode family: BN001 missing-eval, BN006 eval-not-restored, BN014 train-reenables-frozen-bn,
and the shared analysis in bnlint/modes.py."""
import os
import textwrap

import pytest

from bnlint.config import Settings
from bnlint.engine import lint_source
from bnlint.fixes import apply_findings, select_fixes
from bnlint.registry import load_rules
from fixture_support import FIXTURES

CODES = ("BN001", "BN006", "BN014")
RULES = {r.code: r for r in load_rules() if r.code in CODES}

PRELUDE = textwrap.dedent(
    """\
    import torch
    import torch.nn as nn
    import torch.nn.functional as F


    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            self.conv = nn.Conv2d(3, 8, 3)
            self.bn = nn.BatchNorm2d(8)
            self.fc = nn.Linear(8, 2)

        def forward(self, x):
            return self.fc(F.relu(self.bn(self.conv(x))).mean((2, 3)))


    """
)
PRELUDE_LINES = PRELUDE.count("\n")


def lint(source, codes=CODES, path="snippet.py"):
    s = Settings()
    s.select = list(codes)
    result = lint_source(source, path, s)
    assert not result.internal_errors, result.internal_errors
    return result.findings


def found(body, codes=CODES):
    """(line relative to the body, code) for a snippet that follows PRELUDE."""
    src = PRELUDE + textwrap.dedent(body)
    return sorted((f.line - PRELUDE_LINES, f.code) for f in lint(src, codes))


def fix_all(source, codes=CODES):
    for _ in range(5):
        findings = select_fixes(lint(source, codes), unsafe=True)
        if not findings:
            break
        source = apply_findings(source, findings)
    return source


# --- rule metadata and documentation ---------------------------------------------------


@pytest.mark.parametrize("code,name,severity", [("BN001", "missing-eval", "error"), ("BN006", "eval-not-restored", "warning"), ("BN014", "train-reenables-frozen-bn", "warning")])
def test_public_contract(code, name, severity):
    rule = RULES[code]
    assert rule.name == name
    assert rule.severity == severity


@pytest.mark.parametrize("code", CODES)
def test_docs_have_the_ruff_sections(code):
    doc = RULES[code].docs()
    for section in ("## What it does", "## Why is this bad?", "## Example", "## Use instead", "## Fix safety", "## References"):
        assert section in doc, (code, section)
    assert "train" in doc and "eval" in doc


# --- Fixit-style examples ---------------------------------------------------------------------


@pytest.mark.parametrize("code", CODES)
def test_valid_examples(code):
    for example in RULES[code].valid_examples:
        assert [f for f in lint(example, (code,)) if f.code == code] == [], example


@pytest.mark.parametrize("code", CODES)
def test_invalid_examples(code):
    for example in RULES[code].invalid_examples:
        source, fixed = example if isinstance(example, tuple) else (example, None)
        assert [f for f in lint(source, (code,)) if f.code == code], source
        if fixed is not None:
            assert fix_all(source, (code,)) == fixed


# --- BN001 missing-eval: positives ------------------------------------------------------------


def test_bn001_no_grad_block_after_train():
    body = """\
    model = Net()
    opt = torch.optim.SGD(model.parameters(), lr=0.1)
    for epoch in range(3):
        model.train()
        for x, y in train_loader:
            F.cross_entropy(model(x), y).backward()
            opt.step()
        with torch.no_grad():
            for x, y in loader:
                out = model(x)
    """
    assert found(body) == [(10, "BN001")]


def test_bn001_message_says_the_eval_comes_only_after_a_warm_up_forward():
    """A forward before the model's `.eval()` further down is not "never put in eval": the message
    says the `.eval()` comes too late, and one that is never put in eval still says so."""
    path = os.path.join(FIXTURES, "bn001", "positive_warmup_before_eval.py")
    with open(path, encoding="utf-8") as fh:
        (f,) = lint(fh.read(), path=path)
    assert f.code == "BN001" and f.line == 24
    assert "put in eval mode only after this forward" in f.message and "never put in eval" not in f.message
    (never,) = lint(PRELUDE + "net = Net()\nwith torch.no_grad():\n    y = net(x)\n")
    assert "it is never put in eval mode" in never.message


def test_bn001_message_names_the_model_and_explains():
    src = PRELUDE + "net = Net()\nwith torch.no_grad():\n    y = net(x)\n"
    (f,) = lint(src)
    assert f.code == "BN001" and f.severity == "error"
    assert "`net`" in f.message and "net.eval()" in f.message
    assert "batch" in f.message and "running_mean" in f.message and "no_grad" in f.message


def test_bn001_decorator_helper_called_in_train_mode():
    body = """\
    @torch.no_grad()
    def evaluate(model, loader):
        return [model(x) for x, _ in loader]


    def main():
        model = Net()
        model.train()
        for x, y in train_loader:
            F.cross_entropy(model(x), y).backward()
        evaluate(model, val_loader)
    """
    assert found(body) == [(3, "BN001")]


def test_bn001_inference_mode_alias_and_wrapper():
    body = """\
    model = nn.DataParallel(Net()).cuda()
    net = model.module
    with torch.inference_mode():
        y = net(x)
    """
    assert found(body) == [(4, "BN001")]


def test_bn001_self_model_in_trainer():
    body = """\
    class Trainer:
        def __init__(self):
            self.model = Net()

        def validate(self, loader):
            with torch.no_grad():
                return [self.model(x) for x in loader]

        def fit(self, loader):
            opt = torch.optim.SGD(self.model.parameters(), lr=0.1)
            for epoch in range(3):
                self.model.train()
                for x, y in loader:
                    F.cross_entropy(self.model(x), y).backward()
                    opt.step()
                self.validate(loader)
    """
    assert found(body) == [(7, "BN001")]


def test_bn001_eval_function_and_val_loader_without_no_grad():
    body = """\
    def predict(images):
        model = Net()
        model.load_state_dict(torch.load("w.pt"))
        return model(images).argmax(1)


    clf = Net()
    for x, y in test_loader:
        print(clf(x))
    """
    assert found(body) == [(4, "BN001"), (9, "BN001")]


def test_bn001_module_level_model_never_put_in_eval():
    body = """\
    model = Net()


    def evaluate(loader):
        with torch.no_grad():
            return [model(x) for x in loader]


    evaluate(val_loader)
    """
    assert found(body) == [(6, "BN001")]


def test_bn001_from_torch_import_nn_and_torchvision_factory():
    src = "import torch\nfrom torch import nn\nfrom torchvision.models import resnet18\nm = resnet18()\nwith torch.no_grad():\n    print(m(x))\n"
    assert [(f.line, f.code) for f in lint(src)] == [(6, "BN001")]


def test_bn001_model_imported_from_project_module():
    path = os.path.join(FIXTURES, "bn001", "project", "train_imported.py")
    with open(path, encoding="utf-8") as fh:
        source = fh.read()
    findings = lint(source, path=path)
    assert [(f.line, f.code) for f in findings] == [(11, "BN001")]


# --- BN001: negatives --------------------------------------------------------------------------


NEGATIVES_BN001 = {
    "eval by the caller": """\
    def evaluate(model, loader):
        with torch.no_grad():
            return [model(x) for x in loader]


    model = Net()
    model.eval()
    evaluate(model, val_loader)
    """,
    "eval inside the helper": """\
    def validate(model, loader):
        model.eval()
        with torch.no_grad():
            return [model(x) for x in loader]


    model = Net()
    model.train()
    validate(model, val_loader)
    """,
    "train(False)": """\
    model = Net()
    model.train(False)
    with torch.no_grad():
        y = model(x)
    """,
    "never called helper": """\
    def evaluate(model, loader):
        with torch.no_grad():
            return [model(x) for x in loader]
    """,
    "no BN": """\
    from torchvision.models import vgg16, vit_b_16
    mlp = nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 1))
    with torch.no_grad():
        mlp(x), vgg16()(x), vit_b_16()(x)
    """,
    "update_bn recalibration": """\
    @torch.no_grad()
    def update_bn_stats(model, loader):
        model.train()
        for m in model.modules():
            if isinstance(m, nn.BatchNorm2d):
                m.reset_running_stats()
        for x in loader:
            model(x)


    model = Net()
    update_bn_stats(model, train_loader)
    """,
    "lightning": """\
    import lightning.pytorch as pl


    class Lit(pl.LightningModule):
        def __init__(self):
            super().__init__()
            self.net = Net()

        def validation_step(self, batch, idx):
            with torch.no_grad():
                return self.net(batch[0])
    """,
    "train override keeps BN eval": """\
    class FrozenNet(Net):
        def train(self, mode=True):
            super().train(mode)
            self.bn.eval()
            return self


    model = FrozenNet()
    for epoch in range(2):
        model.train()
        with torch.no_grad():
            y = model(x)
    """,
    "explicit train right before a no-grad forward in training code (pseudo-labels)": """\
    model = Net()
    opt = torch.optim.SGD(model.parameters(), lr=0.1)
    for x, unlabeled in train_loader:
        model.train()
        with torch.no_grad():
            pseudo = model(unlabeled).argmax(1)
        F.cross_entropy(model(unlabeled), pseudo).backward()
        opt.step()
    """,
    "teacher in eval in a training step": """\
    teacher, student = Net(), Net()
    teacher.eval()
    opt = torch.optim.SGD(student.parameters(), lr=0.1)
    for x, y in train_loader:
        with torch.no_grad():
            t = teacher(x)
        F.mse_loss(student(x), t).backward()
        opt.step()
    """,
    "shape smoke test on random input": """\
    def test():
        net = Net()
        y = net(torch.randn(2, 3, 32, 32))
        print(y.size())


    test()
    """,
    "pytest test function": """\
    def test_shapes():
        m = Net()
        with torch.no_grad():
            assert m(torch.randn(2, 3, 8, 8)).shape == (2, 2)
    """,
}


def test_bn001_mc_dropout_with_train_in_an_evaluation_function():
    """`model.train()` for Monte Carlo dropout also puts BatchNorm in train mode: reported in an
    evaluation function (#15: not exempt as MC dropout there)."""
    src = PRELUDE + textwrap.dedent(
        """\
        def mc_predict(model, x):
            model.train()
            with torch.no_grad():
                return torch.stack([model(x) for _ in range(10)])


        model = Net()
        print(mc_predict(model, x))
        """
    )
    line = src.splitlines().index("        return torch.stack([model(x) for _ in range(10)])") + 1
    assert [(f.line, f.code) for f in lint(src)] == [(line, "BN001")]


@pytest.mark.parametrize("name", sorted(NEGATIVES_BN001))
def test_bn001_negatives(name):
    path = "test_models.py" if name == "pytest test function" else "snippet.py"
    src = PRELUDE + textwrap.dedent(NEGATIVES_BN001[name])
    assert [(f.line, f.code) for f in lint(src, path=path)] == []


def test_bn001_fix_inserts_eval_before_the_block():
    src = PRELUDE + "model = Net()\nwith torch.no_grad():\n    for x in val_loader:\n        y = model(x)\n        z = model(x + 1)\n"
    fixed = fix_all(src, ("BN001",))
    assert fixed == PRELUDE + "model = Net()\nmodel.eval()\nwith torch.no_grad():\n    for x in val_loader:\n        y = model(x)\n        z = model(x + 1)\n"
    assert [f for f in lint(fixed) if f.code == "BN001"] == []


def test_bn001_fix_in_decorated_function_goes_after_the_docstring():
    body = '''\
    @torch.no_grad()
    def evaluate(model, loader):
        """Accuracy."""
        return [model(x) for x, _ in loader]


    evaluate(Net(), val_loader)
    '''
    src = PRELUDE + textwrap.dedent(body)
    fixed = fix_all(src, ("BN001",))
    assert '"""Accuracy."""\n    model.eval()\n    return [model(x)' in fixed


def test_bn001_fix_is_unsafe():
    src = PRELUDE + "model = Net()\nwith torch.no_grad():\n    y = model(x)\n"
    (f,) = lint(src)
    assert f.fix is not None and f.fix.applicability == "unsafe"


# --- BN006 eval-not-restored --------------------------------------------------------------------


def test_bn006_eval_left_on_after_validation_and_fix():
    body = """\
    model = Net()
    opt = torch.optim.SGD(model.parameters(), lr=0.1)
    model.train()
    for epoch in range(5):
        for x, y in train_loader:
            F.cross_entropy(model(x), y).backward()
            opt.step()
        model.eval()
        with torch.no_grad():
            acc = sum((model(x).argmax(1) == y).sum() for x, y in val_loader)
        print(acc)
    """
    assert found(body) == [(8, "BN006")]
    src = PRELUDE + textwrap.dedent(body)
    (f,) = lint(src)
    assert "`model`" in f.message and "model.train()" in f.message and "frozen running statistics" in f.message
    fixed = fix_all(src)
    assert fixed == src.replace("    print(acc)\n", "    print(acc)\n    model.train()\n")
    assert lint(fixed) == []


def test_bn006_eval_inside_the_step_before_its_training_forward_and_fix():
    body = """\
    def blob_stats(model, x):
        return model.predict(x).float().mean()


    def loss_fn(model, x, y):
        model.train()
        extra = blob_stats(model, x)
        out = model(x)
        return F.cross_entropy(out, y) + extra


    def fit(model, loader, opt):
        for x, y in loader:
            opt.zero_grad()
            loss_fn(model, x, y).backward()
            opt.step()


    class Predicting(Net):
        def predict(self, x):
            self.eval()
            return self(x).argmax(1)


    model = Predicting()
    fit(model, train_loader, torch.optim.SGD(model.parameters(), lr=0.1))
    """
    assert found(body) == [(7, "BN006")]
    src = PRELUDE + textwrap.dedent(body)
    (f,) = lint(src)
    assert "`blob_stats(...)` puts `model` in eval mode inside a training step" in f.message
    assert f.fix is not None and f.fix.applicability == "unsafe"
    fixed = fix_all(src)
    assert fixed == src.replace("    out = model(x)\n", "    model.train()\n    out = model(x)\n")
    assert lint(fixed) == []
    assert fix_all(fixed) == fixed


def test_bn006_eval_inside_the_step_then_train_again_is_quiet():
    body = """\
    model = Net()
    opt = torch.optim.SGD(model.parameters(), lr=0.1)
    for x, y in train_loader:
        model.train()
        model.eval()
        with torch.no_grad():
            target = model(x).argmax(1)
        model.train()
        F.cross_entropy(model(x), target).backward()
        opt.step()
    """
    assert found(body) == []


def test_bn006_through_helpers():
    body = """\
    def validate(model, loader):
        model.eval()
        with torch.no_grad():
            return [model(x) for x in loader]


    def train_epoch(model, loader, opt):
        for x, y in loader:
            F.cross_entropy(model(x), y).backward()
            opt.step()


    def main():
        model = Net()
        opt = torch.optim.SGD(model.parameters(), lr=0.1)
        for epoch in range(5):
            train_epoch(model, train_loader, opt)
            validate(model, val_loader)
    """
    findings = found(body)
    assert findings == [(18, "BN006")]
    src = PRELUDE + textwrap.dedent(body)
    (f,) = lint(src)
    assert "`validate(...)` puts `model` in eval mode" in f.message


@pytest.mark.parametrize(
    "body",
    [
        # train() at the top of each epoch
        """\
        model = Net()
        opt = torch.optim.SGD(model.parameters(), lr=0.1)
        for epoch in range(5):
            model.train()
            for x, y in train_loader:
                F.cross_entropy(model(x), y).backward()
                opt.step()
            model.eval()
        """,
        # train() inside the training helper
        """\
        def train_one_epoch(model, loader, opt):
            model.train()
            for x, y in loader:
                F.cross_entropy(model(x), y).backward()
                opt.step()


        model = Net()
        opt = torch.optim.SGD(model.parameters(), lr=0.1)
        for epoch in range(5):
            train_one_epoch(model, train_loader, opt)
            model.eval()
        """,
        # the model is deliberately kept in eval mode for the whole training
        """\
        backbone = Net()
        head = nn.Linear(2, 2)
        opt = torch.optim.SGD(head.parameters(), lr=0.1)
        backbone.eval()
        for epoch in range(5):
            for x, y in train_loader:
                F.cross_entropy(head(backbone(x)), y).backward()
                opt.step()
            backbone.eval()
        """,
        # evaluation after the training loop only
        """\
        model = Net()
        opt = torch.optim.SGD(model.parameters(), lr=0.1)
        model.train()
        for epoch in range(5):
            for x, y in train_loader:
                F.cross_entropy(model(x), y).backward()
                opt.step()
        model.eval()
        """,
        # an inference loop (nothing is trained)
        """\
        model = Net()
        for frame in frames:
            model.eval()
            with torch.no_grad():
                print(model(frame))
        """,
    ],
)
def test_bn006_negatives(body):
    assert found(body) == []


# --- BN014 train-reenables-frozen-bn --------------------------------------------------------------


def test_bn014_apply_once_then_train_each_epoch():
    body = """\
    def set_bn_eval(m):
        if isinstance(m, nn.BatchNorm2d):
            m.eval()


    model = Net()
    model.apply(set_bn_eval)
    opt = torch.optim.SGD(model.parameters(), lr=0.1)
    for epoch in range(5):
        model.train()
        for x, y in train_loader:
            F.cross_entropy(model(x), y).backward()
            opt.step()
    """
    assert found(body) == [(10, "BN014")]
    (f,) = lint(PRELUDE + textwrap.dedent(body))
    assert "`model.train()`" in f.message and "model.apply(set_bn_eval)" in f.message
    assert "recursive" in f.message and "Override `train()`" in f.message


def test_bn014_submodule_eval():
    body = """\
    model = Net()
    model.bn.eval()
    opt = torch.optim.SGD(model.parameters(), lr=0.1)
    for epoch in range(5):
        model.train()
        for x, y in train_loader:
            F.cross_entropy(model(x), y).backward()
            opt.step()
    """
    assert found(body) == [(5, "BN014")]


@pytest.mark.parametrize(
    "body",
    [
        # re-applied after every train()
        """\
        model = Net()
        opt = torch.optim.SGD(model.parameters(), lr=0.1)
        for epoch in range(5):
            model.train()
            for m in model.modules():
                if isinstance(m, nn.BatchNorm2d):
                    m.eval()
            for x, y in train_loader:
                F.cross_entropy(model(x), y).backward()
                opt.step()
        """,
        # the class keeps BN in eval in its train() override
        """\
        class Frozen(Net):
            def train(self, mode=True):
                super().train(mode)
                for m in self.modules():
                    if isinstance(m, nn.BatchNorm2d):
                        m.eval()
                return self


        model = Frozen()
        model.bn.eval()
        opt = torch.optim.SGD(model.parameters(), lr=0.1)
        for epoch in range(5):
            model.train()
            for x, y in train_loader:
                F.cross_entropy(model(x), y).backward()
                opt.step()
        """,
        # only dropout put in eval: not a BN freeze
        """\
        model = Net()
        for m in model.modules():
            if isinstance(m, nn.Dropout):
                m.eval()
        opt = torch.optim.SGD(model.parameters(), lr=0.1)
        for epoch in range(5):
            model.train()
            for x, y in train_loader:
                F.cross_entropy(model(x), y).backward()
                opt.step()
        """,
        # frozen after the only train()
        """\
        model = Net()
        model.train()
        model.bn.eval()
        opt = torch.optim.SGD(model.parameters(), lr=0.1)
        for epoch in range(5):
            for x, y in train_loader:
                F.cross_entropy(model(x), y).backward()
                opt.step()
        """,
    ],
)
def test_bn014_negatives(body):
    assert found(body) == []


# --- the shared analysis -------------------------------------------------------------------------


def test_modes_analysis_states_and_sharing():
    from bnlint.facts import Facts  # noqa: F401  (the analysis runs on the engine's facts)
    from bnlint import modes

    seen = {}
    original = modes.analysis

    def spy(facts, source=None):
        result = original(facts, source)
        seen["result"] = result
        return result

    modes.analysis = spy
    try:
        src = PRELUDE + textwrap.dedent(
            """\
            model = Net()
            model.eval()
            with torch.no_grad():
                a = model(x)
            model.train()
            with torch.no_grad():
                b = model(x)
            """
        )
        lint(src)
    finally:
        modes.analysis = original
    result = seen["result"]
    assert not result.aborted
    by_line = {}
    for obs in result.forwards.values():
        by_line.setdefault(obs.label, []).append({v.mode for v in obs.vals})
    assert by_line["model"] == [{"E"}, {"T"}]


def test_modes_analysis_is_computed_once_per_file():
    from bnlint import modes

    calls = []
    original = modes.ModesAnalysis.run

    def counting(self):
        calls.append(1)
        return original(self)

    modes.ModesAnalysis.run = counting
    try:
        lint(PRELUDE + "model = Net()\nwith torch.no_grad():\n    model(x)\n")
    finally:
        modes.ModesAnalysis.run = original
    assert len(calls) == 1


def test_seed_001_eval_before_plotting_is_clean():
    path = os.path.join(FIXTURES, "bn001", "negative_seed001_eval_before_plot.py")
    with open(path, encoding="utf-8") as fh:
        assert lint(fh.read(), path=path) == []


def test_one_sample_in_a_helper_of_the_training_loop_gets_no_fix():
    """`select_action(state)` runs the policy network on one frame in a helper the training loop
    calls: an inserted `.eval()` would leave the network in eval for the training that follows (no
    `.train()` can go after its `return`), so the finding has no fix; in the loop itself the fix is
    offered (BN006's fix then puts `.train()` back)."""
    for name, line, fixable in (("dqn_action_from_screen.py", 44, False), ("single_sample_action_in_training_loop.py", 34, True)):
        path = os.path.join(FIXTURES, "bn001", name)
        with open(path, encoding="utf-8") as fh:
            findings = [f for f in lint(fh.read(), path=path) if f.code == "BN001"]
        assert [f.line for f in findings] == [line]
        assert (findings[0].fix is not None) is fixable, name


def test_bn001_no_fix_for_a_comprehension_variable():
    """`[m(x) for m in ensemble]`: `m.eval()` before the loop would raise NameError; the finding
    stays, without a fix (the property test's mutated container fixture found it)."""
    src = (
        "import torch\nimport torchvision\n\n"
        "ensemble = [torchvision.models.resnet18(num_classes=10), torchvision.models.resnet34(num_classes=10)]\n"
        "with torch.no_grad():\n"
        "    for images, labels in test_loader:\n"
        "        votes = [m(images) for m in ensemble]\n"
    )
    findings = [f for f in lint(src) if f.code == "BN001"]
    assert [(f.line, f.column) for f in findings] == [(7, 18)]
    assert findings[0].fix is None
