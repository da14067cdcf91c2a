"""The textual prefilter never hides a finding; `--no-prefilter` is plumbed, not patched in."""
import json
import shutil

import pytest

from bnlint import engine
from bnlint.engine import lint_source
from bnlint.parallel import run_files
from bnlint.registry import load_rules
from fixture_support import FIXTURES, all_rules_settings, fixture_sample

RULES = load_rules()


@pytest.mark.parametrize("rule", RULES, ids=[r.code for r in RULES])
def test_every_rule_declares_trigger_tokens(rule):
    assert rule.trigger_tokens, f"{rule.code} has no trigger_tokens: the prefilter would skip every file for it"
    assert all(isinstance(t, str) and t for t in rule.trigger_tokens)


def _examples():
    for rule in RULES:
        for n, ex in enumerate(rule.valid_examples):
            yield pytest.param(ex, id=f"{rule.code}-valid-{n}")
        for n, ex in enumerate(rule.invalid_examples):
            yield pytest.param(ex[0] if isinstance(ex, tuple) else ex, id=f"{rule.code}-invalid-{n}")


@pytest.mark.parametrize("source", list(_examples()))
def test_examples_same_with_and_without_prefilter(source):
    s = all_rules_settings()
    with_pf = lint_source(source, "example.py", s, use_prefilter=True)
    without = lint_source(source, "example.py", s, use_prefilter=False)
    assert [(f.line, f.column, f.code) for f in with_pf.findings] == [(f.line, f.column, f.code) for f in without.findings]


@pytest.mark.parametrize("rule", RULES, ids=[r.code for r in RULES])
def test_invalid_examples_contain_a_trigger_token(rule):
    """Each rule's own positive examples must pass its own prefilter (else the rule could never fire)."""
    for ex in rule.invalid_examples:
        src = ex[0] if isinstance(ex, tuple) else ex
        assert engine.needs_parse(src, [rule]), f"{rule.code}: example has none of {rule.trigger_tokens}:\n{src}"


def test_run_files_no_prefilter_does_not_patch_globals():
    # (Each fixture's findings with and without the prefilter: test_fixtures.py.)
    original = engine.needs_parse
    files = fixture_sample(5)
    a = run_files(files, all_rules_settings(), jobs=1, use_cache=False, use_prefilter=False)
    assert engine.needs_parse is original
    b = run_files(files, all_rules_settings(), jobs=1, use_cache=False, use_prefilter=True)
    assert [[(f.line, f.code) for f in o.findings] for o in a] == [[(f.line, f.code) for f in o.findings] for o in b]


def test_no_prefilter_really_parses(monkeypatch, tmp_path):
    """A file without any trigger token is parsed only under use_prefilter=False."""
    p = tmp_path / "plain.py"
    p.write_text("def f(:\n")  # a syntax error shows whether the file was parsed
    out_pf = run_files([str(p)], all_rules_settings(), jobs=1, use_cache=False)
    out_all = run_files([str(p)], all_rules_settings(), jobs=1, use_cache=False, use_prefilter=False)
    assert out_pf[0].findings == []
    assert [f.code for f in out_all[0].findings] == ["BN000"]


def test_cli_no_prefilter_same_findings_on_a_directory(tmp_path, bnlint_cli):
    shutil.copytree(FIXTURES, tmp_path / "fx")
    outs = []
    for extra in ((), ("--no-prefilter",)):
        res = bnlint_cli("--isolated", "--select", "ALL", "--no-cache", "--format", "json", *extra, ".", cwd=str(tmp_path))
        assert res.returncode == 1, res.stderr
        outs.append(json.loads(res.stdout))
    assert outs[0] == outs[1]
    assert outs[0]


# --- BN evidence: the file's own text, or a project module it imports ------------------

from bnlint import inventory  # noqa: E402
from bnlint.inventory import ProjectIndex, imported_modules, text_has_bn_evidence  # noqa: E402
from bnlint.prefilter import needs_parse  # noqa: E402

EVAL_LOOP = "import torch\n{imports}\n\ndef validate(loader):\n    model = {ctor}\n    with torch.no_grad():\n        return [model(x) for x in loader]\n"
BN_MODULE = "import torch.nn as nn\n\n\nclass Net(nn.Module):\n    def __init__(self):\n        super().__init__()\n        self.bn = nn.BatchNorm1d(4)\n"
GN_MODULE = BN_MODULE.replace("nn.BatchNorm1d(4)", "nn.GroupNorm(2, 4)")


def _write(root, files):
    for rel, text in files.items():
        p = root / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text(text)


def _needs(root, rel):
    path = root / rel
    return needs_parse(path.read_text(), RULES, str(path), ProjectIndex())


@pytest.mark.parametrize(
    "qualified",
    sorted(inventory.BN_CLASSES | inventory.BN_FUNCTIONS | inventory.MAYBE_BN_FACTORIES | inventory.BN_LIBRARY_MODELS)
    + ["torchvision.models.resnet50", "torchvision.models.ResNet", "torchvision.models.vgg16_bn", "torchvision.models.detection.fasterrcnn_resnet50_fpn_v2"]
    + ["segmentation_models_pytorch.Unet", "efficientnet_pytorch.EfficientNet.from_name"],
)
def test_every_table_entry_is_text_evidence(qualified):
    """Whatever the summaries call BN (by qualified name) is BN evidence in the text naming it."""
    module, _, leaf = qualified.rpartition(".")
    if leaf == "__dict__":  # a table of factories counts where it is indexed
        assert text_has_bn_evidence(f"import {module} as m\nm.{leaf}[arch]()\n")
        assert text_has_bn_evidence(f"import {module} as m\nm.{leaf} [arch]()\n")
    else:
        assert text_has_bn_evidence(f"from {module} import {leaf}\n")
        assert text_has_bn_evidence(f"import {module} as m\nm.{leaf}\n")
    if inventory.is_bn_class(qualified) or inventory.factory_holds_bn(qualified) or qualified in inventory.BN_FUNCTIONS:
        pass  # the table and the tokens agree on this name
    else:  # pragma: no cover - the parametrisation only lists BN names
        pytest.fail(qualified)


@pytest.mark.parametrize("text", ["# see https://github.com/pytorch/pytorch\n", "from torchvision.models import vit_b_16\n", "x = momentum_bn = 1\n", "import torch.nn as nn\nnn.LayerNorm(4)\n"])
def test_look_alikes_are_not_evidence(text):
    assert not text_has_bn_evidence(text)


def test_import_scanner_spellings():
    text = (
        "import a.b as c, d\nfrom .x import (e,\n    f as g)  # comment\nfrom . import models, utils\n"
        "x = 1; import q\nfrom ..pkg.mod import \\\n    Net, Other\nif True: import zz\nfrom h \\\n    import i\n"
        '"""the importance of an import statement"""\n'
    )
    assert imported_modules(text) == [
        (0, "a.b", []), (0, "d", []), (1, "x", ["e", "f"]), (1, "", ["models", "utils"]), (0, "q", []),
        (2, "pkg.mod", ["Net", "Other"]), (0, "zz", []), (0, "h", ["i"]),
    ]


@pytest.mark.parametrize(
    "layout, parsed",
    [
        ({"models.py": BN_MODULE}, True),
        ({"models.py": GN_MODULE}, False),
        ({"models/__init__.py": "from .net import Net\n", "models/net.py": BN_MODULE}, True),  # re-export
        ({"models/__init__.py": "from .net import Net\n", "models/net.py": GN_MODULE}, False),
        ({"models/__init__.py": "from .a import Net\n", "models/a.py": "from .b import Block as Net\n", "models/b.py": BN_MODULE.replace("class Net", "class Block")}, True),  # two hops
        # the same chain to a name b.py does not define: nothing imported holds BN
        ({"models/__init__.py": "from .a import Net\n", "models/a.py": "from .b import Block as Net\n", "models/b.py": BN_MODULE}, False),
        ({"models.py": BN_MODULE + "\n\nclass Head(nn.Module):\n    pass\n"}, True),
        ({"helpers.py": "def f():\n    pass\n", "models.py": BN_MODULE}, True),
        ({"models/__init__.py": "from . import a\nfrom .a import Net\n", "models/a.py": "from . import a as again\nfrom models.b import Net\n", "models/b.py": BN_MODULE}, True),  # a cycle
        ({}, False),  # the import names no project file
    ],
)
def test_project_evidence_follows_imports(tmp_path, layout, parsed):
    _write(tmp_path, dict(layout, **{"train.py": EVAL_LOOP.format(imports="from models import Net", ctor="Net()")}))
    assert _needs(tmp_path, "train.py") is parsed


def test_project_evidence_sees_package_relative_imports(tmp_path):
    _write(tmp_path, {"pkg/__init__.py": "", "pkg/models.py": BN_MODULE, "pkg/train.py": EVAL_LOOP.format(imports="from . import models", ctor="models.Net()")})
    assert _needs(tmp_path, "pkg/train.py")
    (tmp_path / "pkg" / "models.py").write_text(GN_MODULE)
    assert not _needs(tmp_path, "pkg/train.py")


def test_third_party_imports_are_not_followed(tmp_path):
    """`torch` is a library, as in the summaries: a local torch/ folder is not the project's."""
    _write(tmp_path, {"torch/__init__.py": BN_MODULE, "train.py": EVAL_LOOP.format(imports="from torch import Net", ctor="Net()")})
    assert not _needs(tmp_path, "train.py")


def test_files_without_evidence_are_skipped_but_the_cache_sees_their_imports(tmp_path):
    """train.py is skipped while models.py has no BN; giving models.py BN must re-lint it (cache on)."""
    _write(tmp_path, {"models.py": GN_MODULE, "train.py": EVAL_LOOP.format(imports="from models import Net", ctor="Net()")})
    from bnlint.config import Settings

    files = [str(tmp_path / "train.py")]
    settings = lambda: Settings(project_root=str(tmp_path), cache_dir=str(tmp_path / ".cache"))  # noqa: E731
    assert run_files(files, settings(), jobs=1)[0].findings == []
    (tmp_path / "models.py").write_text(BN_MODULE)
    assert [f.code for f in run_files(files, settings(), jobs=1)[0].findings] == ["BN001"]


def test_torch_hub_is_evidence_but_github_is_not():
    assert text_has_bn_evidence("model = torch.hub.load('pytorch/vision', 'resnet18')\n")
    assert not text_has_bn_evidence("# https://github.com/x/y\n")


# Files whose only BN evidence is a name (`bn1`, `"bn" in name`): the rules' name heuristics must
# survive the evidence step of the prefilter.
NAME_ONLY = {
    "bn004-parameter-filter": (
        "import torch\nfrom mylib import build\n\n\ndef main(loader):\n    model = build()\n"
        "    for name, p in model.named_parameters():\n        if \"bn\" in name:\n            p.requires_grad = False\n"
        "    opt = torch.optim.SGD(model.parameters(), lr=0.1)\n    model.train()\n    for x, y in loader:\n"
        "        loss = model(x).sum()\n        loss.backward()\n        opt.step()\n",
        [(9, "BN004")],
    ),
    "bn004-attribute-path": (
        "import torch\n\n\ndef main(model, loader):\n    model.backbone.bn1.weight.requires_grad = False\n"
        "    model.backbone.bn1.bias.requires_grad = False\n    opt = torch.optim.SGD(model.parameters(), lr=0.1)\n"
        "    model.train()\n    for x, y in loader:\n        model(x).sum().backward()\n        opt.step()\n\n\nmain(make(), data)\n",
        [(5, "BN004"), (6, "BN004")],
    ),
    "bn002-attribute": (
        "import torch\n\n\nclass Head(torch.nn.Module):\n    def __init__(self, bn):\n        super().__init__()\n"
        "        self.bn1 = bn\n\n    def freeze(self):\n        self.bn1.momentum = 0\n",
        [(10, "BN002")],
    ),
}


@pytest.mark.parametrize("name", sorted(NAME_ONLY))
def test_name_heuristics_pass_the_prefilter(name, tmp_path):
    source, expected = NAME_ONLY[name]
    path = str(tmp_path / "train.py")
    s = all_rules_settings()
    without = [(f.line, f.code) for f in lint_source(source, path, s, use_prefilter=False).findings]
    assert without == expected  # the case really depends on a name heuristic
    assert [(f.line, f.code) for f in lint_source(source, path, s, use_prefilter=True).findings] == expected


def test_large_non_bn_file_is_not_parsed_by_libcst(tmp_path, monkeypatch):
    """A framework-style file with `requires_grad_(x)`, `*_batch_norm` helper names and no BN model stops at the ast step."""
    import libcst

    source = (
        "import torch\n\n\ndef sample_inputs_batch_norm(shape):\n    t = torch.randn(shape).requires_grad_(False)\n"
        "    return [t for _ in range(3)]\n\n\ndef test_eval(model, x):\n    with torch.no_grad():\n        return model(x)\n"
    )
    calls = []
    monkeypatch.setattr(libcst, "parse_module", lambda *a, **k: calls.append(1))
    result = lint_source(source, str(tmp_path / "ops.py"), all_rules_settings())
    assert result.skipped and not result.findings and calls == []


@pytest.mark.parametrize(
    "text, evidence",
    [
        ("model = torch.hub.load('pytorch/vision', 'resnet18')\n", True),
        ("from torch.hub import load\nmodel = load('a', 'b')\n", True),
        ("from torch.hub import (\n    load,\n)\n", True),
        ("import torch.hub as th\nmodel = th.load('a', 'b')\n", True),
        ("from torch import hub as h\nmodel = h.load('a', 'b')\n", True),
        ("from torch.hub import tqdm\ndata = json.load(f)\n", False),
        ("from torch.hub import load_state_dict_from_url\n", False),
        ("# see github.com/x: hub.load is not here\n", True),  # comments count in the linted file itself
    ],
)
def test_torch_hub_load_spellings(text, evidence):
    assert text_has_bn_evidence(text) is evidence


def _count_libcst_parses(monkeypatch):
    import libcst

    calls = []
    real = libcst.parse_module
    monkeypatch.setattr(libcst, "parse_module", lambda *a, **k: calls.append(1) or real(*a, **k))
    return calls


# Each case: source, the findings expected (with and without the prefilter), and whether libcst
# may be skipped because no rule can fire.
ZERO_MOMENTUM = {
    "module-name": ("import torch.nn as nn\nBN_MOMENTUM = 0.0\n\n\ndef block(c):\n    return nn.BatchNorm2d(c, momentum=BN_MOMENTUM)\n", [(6, "BN002")]),
    "tuple-assign": ("import torch.nn as nn\neps, mom = 1e-5, 0\nbn = nn.BatchNorm1d(8, eps, mom)\n", [(3, "BN002")]),
    "alias-positional": ("from torch.nn import BatchNorm2d as BN\nbn = BN(8, 1e-5, -0.0)\n", [(2, "BN002")]),
    "conditional": ("import torch.nn as nn\nbn = nn.BatchNorm2d(8, momentum=0.0 if frozen else 0.1)\n", [(2, "BN002")]),
    "setattr": (
        "import torch.nn as nn\nnet = nn.Sequential(nn.Conv2d(3, 8, 3), nn.BatchNorm2d(8))\n"
        "for m in net.modules():\n    if isinstance(m, nn.BatchNorm2d):\n        setattr(m, 'momentum', 0)\n",
        [(5, "BN002")],
    ),
    "nonzero-only": ("import torch.nn as nn\nx = foo(8, 1e-5, 0)\nbn = nn.BatchNorm2d(8, 1e-5, 0.1, momentum=0.01)\n", []),
}


@pytest.mark.parametrize("name", sorted(ZERO_MOMENTUM))
def test_zero_momentum_same_with_and_without_prefilter(name, tmp_path):
    source, expected = ZERO_MOMENTUM[name]
    path = str(tmp_path / "model.py")
    s = all_rules_settings()
    without = [(f.line, f.code) for f in lint_source(source, path, s, use_prefilter=False).findings]
    assert without == expected
    assert [(f.line, f.code) for f in lint_source(source, path, s, use_prefilter=True).findings] == expected


BN_NET = (
    "import torch.nn as nn\n\n\nclass Net(nn.Module):\n    def __init__(self):\n        super().__init__()\n"
    "        self.bn = nn.BatchNorm2d(8)\n\n    def forward(self, x):\n        return self.bn(x)\n"
)


def test_mode_rules_need_a_model_built_in_the_file(tmp_path, monkeypatch):
    """An `isinstance(m, nn.BatchNorm2d)` helper evaluating a model it is given: no model object
    the mode analysis could track, so BN001 does not run there; the same helper next to `Net()`
    is linted."""
    helper = (
        "import torch\nimport torch.nn as nn\n\n\ndef bn_count(model):\n"
        "    return sum(isinstance(m, nn.BatchNorm2d) for m in model.modules())\n\n\n"
        "def evaluate(model, loader):\n    with torch.no_grad():\n        return [model(x) for x in loader]\n"
    )
    import ast

    from bnlint.inventory import ProjectIndex
    from bnlint.prefilter import cst_candidates, text_candidates

    (tmp_path / "net.py").write_text(BN_NET)
    s = all_rules_settings()
    result = lint_source(helper, str(tmp_path / "helpers.py"), s)
    assert not result.findings
    index = ProjectIndex(str(tmp_path))
    passed = text_candidates(helper, s.enabled_rules(), str(tmp_path / "helpers.py"), index)
    candidates = cst_candidates(ast.parse(helper), helper, passed, str(tmp_path / "helpers.py"), index)
    assert "BN001" not in [r.code for r in candidates.rules]  # no model here: BN001 does not run
    script = helper + "\n\nfrom net import Net\nnet = Net()\nwith torch.no_grad():\n    out = net(batch)\n"
    path = str(tmp_path / "script.py")
    expected = [(f.line, f.code) for f in lint_source(script, path, s, use_prefilter=False).findings]
    assert expected == [(17, "BN001")]
    assert [(f.line, f.code) for f in lint_source(script, path, s).findings] == expected


def test_only_the_rules_that_passed_run(tmp_path, monkeypatch):
    """A file where only BN002 can fire never runs the (costly) train/eval mode analysis."""
    from bnlint import modes

    def boom(*a, **k):
        raise AssertionError("mode analysis ran")

    monkeypatch.setattr(modes, "analysis", boom)
    source = (
        "import torch\nimport torch.nn as nn\n\n\ndef freeze(model):\n    for m in model.modules():\n"
        "        if isinstance(m, nn.BatchNorm2d):\n            m.momentum = 0\n\n\n"
        "@torch.no_grad()\ndef evaluate(model, x):\n    return model(x)\n"
    )
    result = lint_source(source, str(tmp_path / "m.py"), all_rules_settings())
    assert [(f.line, f.code) for f in result.findings] == [(8, "BN002")]
    assert not result.internal_errors


def test_import_bindings_spellings():
    from bnlint.inventory import import_bindings

    text = (
        "import a.b.c\nimport x.y as z, w\nfrom .m import (p as q,  # a comment\n    r)\nfrom .. import s\n"
        "from pkg.sub import t as u\nif x: import v\nfrom \\\n  mod import k\n"
    )
    assert import_bindings(text) == {
        "a": {"a"}, "z": {"x.y"}, "w": {"w"}, "q": {".m.p"}, "r": {".m.r"}, "s": {"..s"}, "u": {"pkg.sub.t"}, "v": {"v"}, "k": {"mod.k"},
    }
    assert import_bindings("from models import *\n") is None  # unknown names: never a reason to skip


@pytest.mark.parametrize(
    "imports, ctor, parsed",
    [
        ("from models import Head", "Head()", False),  # models.py has BN, but not in the name used
        ("from models import Net", "Net()", True),
        ("import models", "models.Head()", False),
        ("import models", "models.Net()", True),
        ("from models import *", "Head()", True),  # unknown names
    ],
)
def test_only_imported_names_that_hold_bn_are_evidence(tmp_path, imports, ctor, parsed):
    """A file that uses only BN-free names of a module that also defines a BN model is not parsed."""
    head = "\n\nclass Head(nn.Module):\n    def __init__(self):\n        super().__init__()\n        self.fc = nn.Linear(4, 4)\n"
    _write(tmp_path, {"models.py": BN_MODULE + head, "train.py": EVAL_LOOP.format(imports=imports, ctor=ctor)})
    assert _needs(tmp_path, "train.py") is parsed
    s = all_rules_settings()
    path = str(tmp_path / "train.py")
    source = (tmp_path / "train.py").read_text()
    expected = [(f.line, f.code) for f in lint_source(source, path, s, use_prefilter=False).findings]
    assert [(f.line, f.code) for f in lint_source(source, path, s).findings] == expected
    assert bool(expected) == ("Net" in ctor)


def test_unindexed_module_dict_is_not_factory_evidence():
    """`m.__dict__` in a helper that also imports torchvision is no factory table (torch's
    _inductor/utils.py is one, and everything there imports it)."""
    helper = "from torchvision.ops import roi_align\n\ndef attrs(m):\n    return list(m.__dict__)\n"
    assert not text_has_bn_evidence(helper)
    assert text_has_bn_evidence("import torchvision.models as models\nmodel = models.__dict__[args.arch]()\n")


def test_bn_words_only_in_strings_and_comments_are_no_local_evidence(tmp_path):
    """An op table or a docstring saying "batch_norm" builds nothing: the file is not even
    parsed for the BN-evidence rules; the same words in code are evidence, also after
    strings that hold quotes and `#`."""
    from bnlint.prefilter import text_candidates

    settings = all_rules_settings()
    rules = [r for r in settings.enabled_rules() if r.needs_bn_evidence and not r.name_evidence]  # BN002/BN004 also go by names
    path = str(tmp_path / "ops.py")
    strings_only = (
        '"""Tests for batch_norm and nn.BatchNorm2d."""\nimport torch\n\n'
        "OPS = ['batch_norm', \"BatchNorm2d\"]  # nn.BatchNorm1d too\n\n\n"
        "def evaluate(model, x):\n    with torch.no_grad():\n        return model(x)\n"
    )
    assert text_candidates(strings_only, rules, path) == []
    in_code = (
        "import torch\nimport torch.nn as nn\nNOTE = \"it's # not a comment\"\n\n\n"
        "def main(train_loader, val_loader, opt):\n    model = nn.Sequential(nn.Conv2d(3, 8, 3), nn.BatchNorm2d(8))\n"
        "    for x, y in train_loader:\n        model(x).sum().backward()\n        opt.step()\n"
        "    with torch.no_grad():\n        for x, y in val_loader:\n            model(x)\n"
    )
    assert "BN001" in [r.code for r in text_candidates(in_code, rules, path)]
    assert [f.code for f in lint_source(in_code, path, settings).findings] == ["BN001"]


def test_bn006_gate_counts_an_optimizer_step_as_training():
    """The analysis counts `optimizer.step()` as training (``modes._has_training_calls``), so the
    prefilter must not require `.backward(` for BN006 on a model handed to a trainer (found by the
    mutation property test: `backward` renamed away)."""
    from bnlint.engine import lint_source

    src = (
        "class Trainer:\n    def __init__(self, model, optimizer):\n        self.model = model\n        self.optimizer = optimizer\n\n"
        "    def validate(self, loader):\n        self.model.eval()\n        return [self.model(x) for x in loader]\n\n"
        "    def fit(self, loader, val_loader):\n        self.model.train()\n        for epoch in range(3):\n"
        "            for x in loader:\n                loss = self.model(x).sum()\n                loss.grad_fn\n                self.optimizer.step()\n"
        "            self.validate(val_loader)\n"
    )
    gated = lint_source(src, "t.py", all_rules_settings(), use_prefilter=True)
    full = lint_source(src, "t.py", all_rules_settings(), use_prefilter=False)
    assert [(f.line, f.code) for f in full.findings] == [(17, "BN006")]
    assert [(f.line, f.code) for f in gated.findings] == [(17, "BN006")]
