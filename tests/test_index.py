"""The project index: imported modules are summarised name by name, with the paths each answer rests on."""
import os

import pytest

from bnlint.inventory import ProjectIndex

BN_CLASS = "import torch.nn as nn\n\n\nclass {name}(nn.Module):\n    def __init__(self):\n        super().__init__()\n        self.bn = nn.BatchNorm2d(8)\n"


def _write(root, files):
    for rel, text in files.items():
        p = root / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text(text)


def test_only_the_names_asked_about_are_summarised(tmp_path):
    """Net is decided without looking at heavy.py, which only an unrelated class refers to."""
    _write(
        tmp_path,
        {
            "models.py": "import torch.nn as nn\nfrom heavy import Big\n\n\nclass Net(nn.Module):\n    def __init__(self):\n"
            "        super().__init__()\n        self.fc = nn.Linear(4, 4)\n\n\nclass Other(nn.Module):\n    def __init__(self):\n"
            "        super().__init__()\n        self.big = Big()\n",
            "heavy.py": BN_CLASS.format(name="Big"),
            "train.py": "",
        },
    )
    index = ProjectIndex()
    train = str(tmp_path / "train.py")
    assert index.holds_bn(train, "models.Net") is False
    assert str(tmp_path / "heavy.py") not in index._by_path  # never parsed
    assert index.holds_bn(train, "models.Other") is True
    assert str(tmp_path / "heavy.py") in index._by_path
    assert str(tmp_path / "heavy.py") in index.consulted


@pytest.mark.parametrize("order", [("A", "B"), ("B", "A")])
def test_mutually_referring_classes_agree_in_any_order(tmp_path, order):
    """A uses B, B uses A and a BN block: both hold BN, whichever is asked first."""
    _write(
        tmp_path,
        {
            "models.py": "import torch.nn as nn\n\n\nclass A(nn.Module):\n    def build(self):\n        return B()\n\n\n"
            "class B(nn.Module):\n    def build(self):\n        return A(), nn.BatchNorm1d(3)\n",
            "train.py": "",
        },
    )
    index = ProjectIndex()
    train = str(tmp_path / "train.py")
    assert [index.holds_bn(train, f"models.{n}") for n in order] == [True, True]


def test_cross_module_cycle_then_evidence(tmp_path):
    """a.X uses b.Y, b.Y uses a.X and a BN layer: asking for X after Y (or Y after X) says yes."""
    _write(
        tmp_path,
        {
            "pkg/__init__.py": "",
            "pkg/a.py": "import torch.nn as nn\nfrom .b import Y\n\n\nclass X(nn.Module):\n    def make(self):\n        return Y()\n",
            "pkg/b.py": "import torch.nn as nn\nfrom . import a\n\n\nclass Y(nn.Module):\n    def make(self):\n        return a.X(), nn.BatchNorm2d(2)\n",
            "train.py": "",
        },
    )
    train = str(tmp_path / "train.py")
    for first, second in (("pkg.a.X", "pkg.b.Y"), ("pkg.b.Y", "pkg.a.X")):
        index = ProjectIndex()
        assert index.holds_bn(train, first) is True
        assert index.holds_bn(train, second) is True


def test_a_memoised_answer_still_reports_what_it_rests_on(tmp_path):
    """The second file asking about models.Net must record blocks.py too (cache invalidation)."""
    _write(
        tmp_path,
        {
            "models.py": "import torch.nn as nn\nfrom blocks import Block\n\n\nclass Net(nn.Module):\n    def __init__(self):\n"
            "        super().__init__()\n        self.block = Block()\n",
            "blocks.py": BN_CLASS.format(name="Block"),
            "train.py": "",
            "evaluate.py": "",
        },
    )
    index = ProjectIndex()
    assert index.holds_bn(str(tmp_path / "train.py"), "models.Net")
    first = index.take_consulted()
    assert {os.path.basename(p) for p in first} >= {"models.py", "blocks.py"}
    assert index.holds_bn(str(tmp_path / "evaluate.py"), "models.Net")
    second = index.take_consulted()
    assert {os.path.basename(p) for p in second} >= {"models.py", "blocks.py"}


def test_project_root_bounds_lookups_only_when_given(tmp_path):
    _write(tmp_path, {"models.py": BN_CLASS.format(name="Net"), "scripts/train.py": ""})
    train = str(tmp_path / "scripts" / "train.py")
    assert ProjectIndex().holds_bn(train, "models.Net") is True  # found in an ancestor folder
    assert ProjectIndex(root=str(tmp_path / "scripts")).holds_bn(train, "models.Net") is False
    assert ProjectIndex(root=str(tmp_path)).holds_bn(train, "models.Net") is True


def test_cli_from_a_subfolder_without_config_finds_models_above(tmp_path, bnlint_cli):
    """`cd scripts && bnlint train.py` with models.py one level up (run with PYTHONPATH=..)."""
    train = (
        "import torch\nfrom models import Net\n\n\ndef main(loader):\n    model = Net()\n    with torch.no_grad():\n"
        "        for x in loader:\n            print(model(x))\n"
    )
    _write(tmp_path, {"models.py": BN_CLASS.format(name="Net"), "scripts/train.py": train})
    res = bnlint_cli("--no-cache", "--select", "BN001", "train.py", cwd=str(tmp_path / "scripts"))
    assert res.returncode == 1, res.stdout + res.stderr
    assert "BN001" in res.stdout


def test_f_batch_norm_makes_a_class_bn_bearing_but_not_a_plain_function(tmp_path):
    _write(
        tmp_path,
        {
            "ops.py": "import torch.nn as nn\nimport torch.nn.functional as F\n\n\n"
            "def sample_inputs_batch_norm(x, rm, rv):\n    return F.batch_norm(x, rm, rv, training=True)\n\n\n"
            "class FunctionalBN(nn.Module):\n    def forward(self, x):\n        return F.batch_norm(x, self.rm, self.rv, training=self.training)\n",
            "train.py": "",
        },
    )
    index = ProjectIndex()
    train = str(tmp_path / "train.py")
    assert index.holds_bn(train, "ops.sample_inputs_batch_norm") is False  # computes a tensor, builds no module
    assert index.holds_bn(train, "ops.FunctionalBN") is True


def test_annotations_and_compared_class_tables_build_nothing(tmp_path):
    """Only what can construct BN counts: not a type annotation, not a literal class table that
    is only compared against; a table that is read elsewhere (looped over, indexed) still counts."""
    _write(
        tmp_path,
        {
            "graph.py": "import torch.nn as nn\nfrom layers import Block\n\n\n"
            "class Owner:\n    def __init__(self, block: Block = None):\n        self.block = block\n\n"
            "    def get(self) -> Block:\n        out: Block = self.block\n        return out\n\n\n"
            "class Printer(nn.Module):\n    def describe(self, module):\n"
            "        safe = [nn.Linear, nn.BatchNorm1d, nn.BatchNorm2d]\n"
            "        if type(module) in safe:\n            return repr(module)\n        return None\n\n\n"
            "class Chooser(nn.Module):\n    def __init__(self, kind):\n        super().__init__()\n"
            "        norms = (nn.BatchNorm2d, nn.GroupNorm)\n        self.norm = norms[kind](8)\n",
            "layers.py": BN_CLASS.format(name="Block"),
            "train.py": "",
        },
    )
    index = ProjectIndex()
    train = str(tmp_path / "train.py")
    assert index.holds_bn(train, "layers.Block") is True
    assert index.holds_bn(train, "graph.Owner") is False  # Block only in annotations
    assert index.holds_bn(train, "graph.Printer") is False  # the table is only compared against
    assert index.holds_bn(train, "graph.Chooser") is True  # the table is indexed and called


def test_equal_dependency_sets_are_stored_once(tmp_path):
    """Answers resting on the same paths share one set (memory: thousands of answers, few sets)."""
    _write(
        tmp_path,
        {
            "blocks.py": BN_CLASS.format(name="Block"),
            "models.py": "from blocks import Block\n\n\nclass A(Block):\n    pass\n\n\nclass B(Block):\n    pass\n",
            "train.py": "",
        },
    )
    index = ProjectIndex()
    train = str(tmp_path / "train.py")
    assert index.holds_bn(train, "models.A") and index.holds_bn(train, "models.B")
    deps = [d for _, d in index._answers.values()]
    assert len(deps) >= 2
    assert len({id(d) for d in deps}) == len(set(deps))  # equal sets are the same object


@pytest.mark.parametrize(
    "imports, build",
    [
        ("import models", "models.Net()"),
        ("import models as M", "M.Net()"),
        ("from models import Net", "Net()"),
        ("import pkg.nets", "pkg.nets.Net()"),
        ("from pkg import nets", "nets.Net()"),
    ],
)
def test_every_import_spelling_of_a_project_model_is_followed(tmp_path, imports, build):
    """`import models; models.Net()` is as much a project model as `from models import Net`."""
    from bnlint.engine import lint_source
    from fixture_support import all_rules_settings

    _write(tmp_path, {"models.py": BN_CLASS.format(name="Net"), "pkg/__init__.py": "", "pkg/nets.py": BN_CLASS.format(name="Net")})
    script = f"import torch\n{imports}\n\nnet = {build}\nwith torch.no_grad():\n    out = net(torch.load('batch.pt'))\n"
    path = str(tmp_path / "evaluate.py")
    for prefilter in (True, False):
        found = [(f.line, f.code) for f in lint_source(script, path, all_rules_settings(), use_prefilter=prefilter).findings]
        assert found == [(6, "BN001")], (prefilter, found)


def test_module_level_aliases_of_imported_names():
    import ast

    from bnlint.inventory import _import_aliases

    tree = ast.parse(
        "import torch.nn as nn\nfrom torchvision.ops import FrozenBatchNorm2d\n"
        "BN = nn.BatchNorm2d\nNorm = nn.GroupNorm\nNorm = nn.SyncBatchNorm if dist else nn.GroupNorm\n"
        "Frozen = FrozenBatchNorm2d\nclass Local: pass\nAlias = Local\nnn = nn\n"
        "try:\n    Fast = nn.BatchNorm1d\nexcept ImportError:\n    pass\n"
        "def f():\n    inner = nn.BatchNorm3d\n"
    )
    aliases = _import_aliases(tree)
    assert aliases["BN"] == "torch.nn.BatchNorm2d"
    assert aliases["Norm"] == "torch.nn.SyncBatchNorm"  # a BN option wins: the summaries are a may-analysis
    assert aliases["Frozen"] == "torchvision.ops.FrozenBatchNorm2d"
    assert aliases["Fast"] == "torch.nn.BatchNorm1d"
    assert aliases["nn"] == "torch.nn"  # an import is never rebound
    assert "Alias" not in aliases and "inner" not in aliases  # local classes and function locals have their own analysis


def test_module_level_partial_of_a_bn_class_is_an_alias():
    import ast

    from bnlint.inventory import _import_aliases

    tree = ast.parse(
        "import functools\nfrom functools import partial\nimport torch.nn as nn\n"
        "BN = functools.partial(nn.BatchNorm2d, momentum=0.01)\nBN1 = partial(nn.BatchNorm1d, eps=1e-3)\n"
        "Shifted = partial(nn.BatchNorm2d, 64)\n"
    )
    aliases = _import_aliases(tree)
    assert aliases["BN"] == "torch.nn.BatchNorm2d" and aliases["BN1"] == "torch.nn.BatchNorm1d"
    assert "Shifted" not in aliases  # a bound positional argument would shift BN002's momentum position


def test_answers_are_shared_within_a_folder_not_across_folders(tmp_path):
    """`from .models import Net` means a different module in each package: the memo is per folder."""
    _write(
        tmp_path,
        {
            "a/__init__.py": "",
            "a/models.py": BN_CLASS.format(name="Net"),
            "a/train.py": "",
            "a/evaluate.py": "",
            "b/__init__.py": "",
            "b/models.py": "import torch.nn as nn\n\n\nclass Net(nn.Module):\n    pass\n",
            "b/train.py": "",
        },
    )
    index = ProjectIndex()
    assert index.holds_bn(str(tmp_path / "a" / "train.py"), ".models.Net") is True
    assert index.holds_bn(str(tmp_path / "b" / "train.py"), ".models.Net") is False
    index.take_consulted()
    assert index.holds_bn(str(tmp_path / "a" / "evaluate.py"), ".models.Net") is True  # the neighbour's answer
    assert str(tmp_path / "a" / "models.py") in index.take_consulted()  # with what it rests on


def test_dotted_uses_of_imported_names_in_text():
    from bnlint.inventory import _dotted_uses

    text = "net = models . resnet.Net(\n    models\n    .blocks.Block)\nx = other.models.Net\nmodelsx = 1\n# models.in_comment\n"
    assert _dotted_uses(text, ["models"]) == {("models", ".resnet.Net"), ("models", ".blocks.Block"), ("models", ".in_comment")}
    assert _dotted_uses("from m import A\nA\nB.A.x\n_A\nA_\n", ["A"]) == {("A", "")}


@pytest.mark.parametrize(
    "layout, packaging, expected",
    [
        ("src", "pyproject.toml", True),  # the src layout
        ("python", "python/setup.py", True),  # dgl's, tvm's: the package and its setup.py under python/
        ("src", None, False),  # a `src/` folder without packaging metadata is no package root
    ],
)
def test_package_roots_of_a_project_are_import_bases(tmp_path, layout, packaging, expected):
    files = {f"{layout}/zoo/__init__.py": "from .nets import Net\n", f"{layout}/zoo/nets.py": BN_CLASS.format(name="Net"), "examples/run.py": ""}
    if packaging:
        files[packaging] = ""
    _write(tmp_path, files)
    index = ProjectIndex(str(tmp_path))
    assert index.holds_bn(str(tmp_path / "examples" / "run.py"), "zoo.Net") is expected


@pytest.mark.parametrize(
    "code, drops",
    [
        ("nn.TransformerEncoderLayer(64, 4)", True),  # p=0.1 by default
        ("nn.TransformerEncoderLayer(64, 4, 256, 0.0)", False),
        ("nn.TransformerEncoderLayer(64, 4, dropout=0)", False),
        ("nn.TransformerDecoderLayer(64, 4, dropout=args.p)", True),
        ("nn.Transformer(64, 4, 2, 2, 256)", True),
        ("nn.MultiheadAttention(64, 4)", False),  # p=0 by default
        ("nn.MultiheadAttention(64, 4, 0.1)", True),
        ("GATConv(16, 8, heads=8, dropout=0.6)", True),
        ("GATConv(16, 8, heads=8)", False),
        ("nn.GRU(8, 8, 2, dropout=0.5)", True),
        ("nn.Linear(8, 8)", False),
    ],
)
def test_layers_with_a_dropout_rate(code, drops):
    """PyTorch's transformer layers drop with p=0.1 unless built with 0; attention and PyTorch
    Geometric's layers only with a rate; a stacked recurrent layer with its rate."""
    import ast

    from bnlint.inventory import calls_dropout_function

    aliases = {"nn": "torch.nn", "GATConv": "torch_geometric.nn.GATConv"}

    def resolve(name):
        head, _, rest = name.partition(".")
        return aliases.get(head, head) + ("." + rest if rest else "")

    assert calls_dropout_function(ast.parse(code, mode="eval").body, resolve) is drops


SELECTORS = """
def select_norm(norm, dim):
    if norm == "gln":
        return GlobalLayerNorm(dim)
    if norm == "ln":
        return nn.GroupNorm(1, dim)
    else:
        return nn.BatchNorm1d(dim)

def get_norm_layer(norm_type="instance"):
    if norm_type == "batch":
        layer = functools.partial(nn.BatchNorm2d, affine=True)
    elif norm_type == "instance":
        layer = functools.partial(nn.InstanceNorm2d, affine=False)
    return layer
"""


@pytest.mark.parametrize(
    "call, defaults, builds_none",
    [
        ("select_norm('ln', 64)", {}, True),
        ("select_norm('gln', 64)", {}, True),
        ("select_norm('bn', 64)", {}, False),  # the else branch: BatchNorm
        ("select_norm(norm, 64)", {"norm": "ln"}, True),  # the constructor's default decides
        ("select_norm(norm, 64)", {}, False),  # not decided: BN evidence as before
        ("select_norm(kind, 64)", {"norm": "ln"}, False),
        # a selector that assigns before returning is not read: not decided, whichever branch
        ("get_norm_layer(norm_type='instance')", {}, False),
        ("get_norm_layer(norm_type='batch')", {}, False),
    ],
)
def test_a_norm_selector_builds_batchnorm_only_where_its_argument_selects_it(call, defaults, builds_none):
    import ast

    from bnlint.inventory import selector_builds_no_bn

    tree = ast.parse(SELECTORS)
    functions = {f.name: f for f in tree.body}
    node = ast.parse(call, mode="eval").body
    is_bn = lambda name: name.endswith("BatchNorm1d") or name.endswith("BatchNorm2d")  # noqa: E731
    assert selector_builds_no_bn(functions[node.func.id], node, defaults, is_bn) is builds_none
