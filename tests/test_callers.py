"""A helper's parameter whose content only its callers in other modules know (``bnlint.callers``):
BN001 in `fit_one_epoch(model_train, ...)` that puts its model in train mode and validates without
`.eval()`, reported in the helper (and at the call), with the caller as a related
location in its own file; the cache re-lints the helper when a caller is added, removed or edited."""
from __future__ import annotations

import json
import os
import textwrap

import pytest

from bnlint.callers import trained_parameters
from bnlint.config import Settings
from bnlint.inventory import ProjectIndex
from bnlint.parallel import run_files
from conftest import run_bnlint

NETS = textwrap.dedent(
    """\
    import torch.nn as nn


    class ConvNet(nn.Module):
        def __init__(self):
            super().__init__()
            self.body = nn.Sequential(nn.Conv2d(3, 8, 3), nn.BatchNorm2d(8))

        def forward(self, x):
            return self.body(x)


    class Plain(nn.Module):
        def __init__(self):
            super().__init__()
            self.body = nn.Linear(4, 4)

        def forward(self, x):
            return self.body(x)
    """
)
FIT = textwrap.dedent(
    """\
    import torch


    def fit_one_epoch(net, optimizer, loader, val_loader):
        net.train()
        for x, y in loader:
            optimizer.zero_grad()
            torch.nn.functional.cross_entropy(net(x), y).backward()
            optimizer.step()
        with torch.no_grad():
            return [net(x) for x, _ in val_loader]
    """
)
TRAIN_BN = textwrap.dedent(
    """\
    import torch

    from utils.fit import fit_one_epoch
    from nets import ConvNet

    model = ConvNet()
    model_train = torch.nn.DataParallel(model).cuda()
    fit_one_epoch(model_train, torch.optim.SGD(model.parameters(), lr=0.1), train_loader, val_loader)
    """
)
TRAIN_PLAIN = TRAIN_BN.replace("ConvNet", "Plain")


@pytest.fixture
def project(tmp_path):
    (tmp_path / "pyproject.toml").write_text("[tool.bnlint]\n")
    (tmp_path / "nets.py").write_text(NETS)
    (tmp_path / "utils").mkdir()
    (tmp_path / "utils" / "__init__.py").write_text("")
    (tmp_path / "utils" / "fit.py").write_text(FIT)
    return tmp_path


def lint(project, **kw):
    settings = Settings(project_root=str(project), cache_dir=str(project / ".cache"), **kw)
    files = sorted(str(p) for p in project.rglob("*.py"))
    return {os.path.relpath(o.path, project): o.findings for o in run_files(files, settings, jobs=1)}


def test_trained_parameters_of_functions_and_trainer_classes():
    import ast

    tree = ast.parse(textwrap.dedent(
        """\
        def fit(model, opt, *, ema):
            model.train()
            ema.module.train()

        def evaluate(model):
            model.eval()

        class Trainer:
            def __init__(self, cfg, net, teacher):
                self.net = net.cuda()
                self.teacher = teacher

            def epoch(self):
                self.net.train()
        """
    ))
    assert sorted(trained_parameters(tree)) == [("Trainer", "net", 1), ("fit", "ema", 1 << 20), ("fit", "model", 0)]


def test_helper_reports_the_evaluation_with_the_caller_in_another_file(project):
    (project / "train.py").write_text(TRAIN_BN)
    got = lint(project)
    assert [(f.code, f.line) for f in got[os.path.join("utils", "fit.py")]] == [("BN001", 11)]
    # Also at the call, in the file that builds the model (where `fit_one_epoch()` runs it).
    assert [(f.code, f.line) for f in got["train.py"]] == [("BN001", 8)]
    finding = got[os.path.join("utils", "fit.py")][0]
    assert "(`train.py` line 8 passes it `model_train`, a model with BatchNorm)" in finding.message
    caller = [r for r in finding.related if r.path is not None]
    assert [(r.path, r.line, r.column, r.end_column) for r in caller] == [(str(project / "train.py"), 8, 15, 26)]


def test_a_caller_without_batchnorm_or_dropout_gives_no_finding(project):
    (project / "train.py").write_text(TRAIN_PLAIN)
    assert lint(project)[os.path.join("utils", "fit.py")] == []


def test_without_callers_the_helper_is_quiet(project):
    assert lint(project)[os.path.join("utils", "fit.py")] == []


def test_index_answers_with_the_call_site(project):
    (project / "train.py").write_text(TRAIN_BN)
    index = ProjectIndex(root=str(project))
    evidence = index.argument_evidence(str(project / "utils" / "fit.py"), "fit_one_epoch", 0, "net")
    assert (evidence.kind, evidence.line, evidence.argument, evidence.shown_path) == ("bn", 8, "model_train", "train.py")
    assert index.argument_evidence(str(project / "utils" / "fit.py"), "fit_one_epoch", 1, "optimizer") is None
    assert any(p.startswith("project-tree:") for p in index.take_consulted())


def test_cache_relints_the_helper_when_a_caller_appears_changes_or_goes(project):
    helper = os.path.join("utils", "fit.py")
    assert lint(project)[helper] == []
    (project / "train.py").write_text(TRAIN_BN)
    assert [f.code for f in lint(project)[helper]] == ["BN001"]
    (project / "train.py").write_text(TRAIN_PLAIN + "\n")  # an edit of the caller only
    assert lint(project)[helper] == []
    (project / "train.py").write_text(TRAIN_BN)
    assert [f.code for f in lint(project)[helper]] == ["BN001"]
    os.remove(project / "train.py")
    assert lint(project)[helper] == []


def test_text_and_sarif_output_point_into_the_callers_file(project):
    (project / "train.py").write_text(TRAIN_BN)
    text = run_bnlint("--no-cache", "--show-source", "utils/fit.py", cwd=str(project)).stdout
    assert "= note: `model_train`, a model with BatchNorm, is passed here as `net` at train.py:8:15" in text
    assert "fit_one_epoch(model_train, torch.optim.SGD" in text  # the caller's own source line
    sarif = json.loads(run_bnlint("--no-cache", "--output-format", "sarif", "utils/fit.py", cwd=str(project)).stdout)
    locations = sarif["runs"][0]["results"][0]["relatedLocations"]
    assert {"uri": "train.py", "uriBaseId": "%SRCROOT%"} in [loc["physicalLocation"]["artifactLocation"] for loc in locations]


from test_lsp import _init, _open, _wait_for, asyncio_test, client  # noqa: E402,F401 (client: the pytest-lsp fixture)


@asyncio_test
async def test_lsp_related_information_names_the_callers_file(client, project):  # noqa: F811
    (project / "train.py").write_text(TRAIN_BN)
    await _init(client, project)
    uri = _open(client, project / "utils" / "fit.py", FIT)
    p = await _wait_for(client, uri, lambda p: bool(p.diagnostics))
    (d,) = [d for d in p.diagnostics if d.code == "BN001"]
    assert d.range.start.line == 10
    other = [(i.location.uri, i.location.range.start.line, i.location.range.start.character, i.message) for i in d.related_information if i.location.uri != uri]
    assert other == [((project / "train.py").as_uri(), 7, 14, "`model_train`, a model with BatchNorm, is passed here as `net`")]


def test_callers_through_a_module_alias_and_a_package_reexport_count_and_namesakes_do_not(project):
    index = lambda: ProjectIndex(root=str(project))  # noqa: E731
    helper = str(project / "utils" / "fit.py")
    (project / "train.py").write_text(
        "import torch\nimport utils.fit as f\nfrom nets import ConvNet\n\nf.fit_one_epoch(ConvNet(), opt, loader, val_loader)\n"
    )
    assert index().argument_evidence(helper, "fit_one_epoch", 0, "net").line == 5
    (project / "utils" / "__init__.py").write_text("from .fit import fit_one_epoch\n")
    (project / "train.py").write_text("from utils import fit_one_epoch\nfrom nets import ConvNet\n\nfit_one_epoch(ConvNet(), opt, loader, val_loader)\n")
    assert index().argument_evidence(helper, "fit_one_epoch", 0, "net").line == 4
    # A function of the same name defined by the caller itself is another function.
    (project / "train.py").write_text("from nets import ConvNet\n\n\ndef fit_one_epoch(net, *args):\n    pass\n\n\nfit_one_epoch(ConvNet(), opt, loader, val_loader)\n")
    assert index().argument_evidence(helper, "fit_one_epoch", 0, "net") is None


def test_project_files_lists_regular_files_only(tmp_path):
    """A FIFO named `*.py` in the project is no module: listing it would make every reader of the
    project's files (callers, pickled modules) block on it."""
    from bnlint.project_files import project_files

    (tmp_path / "train.py").write_text("import torch\n")
    os.mkfifo(tmp_path / "pipe.py")
    assert [os.path.basename(p) for p, _, _ in project_files(str(tmp_path))] == ["train.py"]


def test_pickled_module_kinds_of_the_project(tmp_path):
    """What `torch.save(model, ...)` pickles in the project's files: BN only when every pickled
    whole module is a model known to hold it; nothing when one is of unknown content."""
    from bnlint.inventory import ProjectIndex

    (tmp_path / "nets.py").write_text(
        "import torch.nn as nn\n\n\nclass Net(nn.Module):\n    def __init__(self):\n        super().__init__()\n"
        "        self.bn = nn.BatchNorm2d(3)\n\n    def forward(self, x):\n        return self.bn(x)\n"
    )
    (tmp_path / "train.py").write_text("import torch\nfrom nets import Net\n\nnet = Net()\ntorch.save(net, 'best.pt')\ntorch.save(net.state_dict(), 'w.pt')\n")
    (tmp_path / "infer.py").write_text("import torch\n\nnet = torch.load('best.pt')\n")
    assert ProjectIndex().pickled_module_kinds(str(tmp_path / "infer.py")) == (True, False)
    (tmp_path / "other.py").write_text("import torch\nfrom somewhere import build\n\nmodel = build()\ntorch.save(model, 'other.pt')\n")
    assert ProjectIndex().pickled_module_kinds(str(tmp_path / "infer.py")) == (False, False)


def test_bn006_names_the_model_a_helper_of_another_module_is_handed(tmp_path):
    """The model handed to a helper under a wrapper's name (`tnt.train(model=net_multi, ...)`) is
    named as handed, in the message and the fix, not by the helper's name (`tnt.train.train()`
    would have been inserted)."""
    (tmp_path / "engine.py").write_text(textwrap.dedent(
        """\
        import torch
        import torch.nn.functional as F


        def train(model, loader, optimizer):
            for x, y in loader:
                loss = F.cross_entropy(model(x), y)
                optimizer.zero_grad()
                loss.backward()
                optimizer.step()


        def test(model, loader):
            model.eval()
            with torch.no_grad():
                return sum(F.cross_entropy(model(x), y).item() for x, y in loader)
        """
    ))
    (tmp_path / "main.py").write_text(textwrap.dedent(
        """\
        import torch
        import torch.nn as nn

        import engine as tnt

        net = nn.Sequential(nn.Conv2d(3, 8, 3), nn.BatchNorm2d(8), nn.Flatten(), nn.LazyLinear(10))
        net_multi = nn.DataParallel(net)
        opt = torch.optim.SGD(net.parameters(), lr=0.1)
        for epoch in range(10):
            tnt.train(model=net_multi, loader=[], optimizer=opt)
            acc = tnt.test(model=net_multi, loader=[])
        """
    ))
    settings = Settings(project_root=str(tmp_path), cache_dir=str(tmp_path / ".cache"))
    found = [f for o in run_files([str(tmp_path / "main.py")], settings, jobs=1) for f in o.findings if f.code == "BN006"]
    assert [f.line for f in found] == [11]
    assert "`net_multi`" in found[0].message and "tnt.train" not in found[0].message


def test_pickled_modules_keep_the_mode_they_were_saved_in(tmp_path):
    """A pickle keeps each module's `training` flag: whole modules pickled by a file that never
    switches a mode (nor hands the model to a helper that might) come back in train mode, and a
    script that runs one under `no_grad` is reported (BN001); one pickled after `validate(net)`
    put it in eval comes back in eval mode, and the same script is not reported."""
    (tmp_path / "setup.cfg").write_text("[metadata]\nname = lanes\n")
    (tmp_path / "nets.py").write_text(
        "import torch.nn as nn\n\n\nclass Net(nn.Module):\n    def __init__(self):\n        super().__init__()\n"
        "        self.bn = nn.BatchNorm2d(3)\n\n    def forward(self, x):\n        return self.bn(x)\n"
    )
    training = (
        "import torch\nfrom nets import Net\n\n\ndef validate(model, batches):\n    model.eval()\n"
        "    with torch.no_grad():\n        return [model(x) for x in batches]\n\n\n"
        "net = Net()\nopt = torch.optim.SGD(net.parameters(), lr=0.1)\nfor x in batches:\n    net.train()\n"
        "    net(x).sum().backward()\n    opt.step()\n{validation}torch.save(net, 'best.pt')\n"
    )
    infer = (
        "import torch\nfrom nets import Net  # noqa: F401\n\nnet = torch.load('best.pt', weights_only=False)\n"
        "with torch.no_grad():\n    for x in frames:\n        print(net(x))\n"
    )
    (tmp_path / "infer.py").write_text(infer)

    def findings() -> list:
        out = run_bnlint("--no-cache", "--output-format", "json", "infer.py", cwd=str(tmp_path)).stdout
        return [(f["code"], f["line"]) for f in json.loads(out)]

    (tmp_path / "train.py").write_text(training.format(validation=""))
    assert ProjectIndex().pickled_in_train_mode(str(tmp_path / "infer.py")) is True
    assert findings() == [("BN001", 7)]
    (tmp_path / "train.py").write_text(training.format(validation="validate(net, batches)\n"))
    assert ProjectIndex().pickled_in_train_mode(str(tmp_path / "infer.py")) is False
    assert findings() == []
    # Handed to a helper that switches no mode (a plot of its predictions), or to a library's
    # method, the model stays in train mode.
    plotting = "def show(model, x):\n    print(model(x))\n\n\n"
    (tmp_path / "train.py").write_text(
        training.replace("\n\nnet = Net()", "\n\n" + plotting + "from torch.utils.tensorboard import SummaryWriter\n\nwriter = SummaryWriter()\nnet = Net()")
        .format(validation="show(net, batches[0])\nwriter.add_graph(net, batches[0])\n")
    )
    assert ProjectIndex().pickled_in_train_mode(str(tmp_path / "infer.py")) is True
    assert findings() == [("BN001", 7)]
