"""BN005 following the batch size through the data flow: dict entries, batch samplers, loaders returned
by project helpers, argparse defaults of project options classes.  Exact codes and lines."""
import os
import textwrap

import pytest

from bnlint.config import Settings
from bnlint.engine import lint_source
from bnlint.registry import load_rules
from fixture_support import FIXTURES, expectations, lint_fixture

MODEL = """\
import torch
import torch.nn as nn
from torch.utils.data import DataLoader, BatchSampler, RandomSampler


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(8, 16)
        self.bn = nn.BatchNorm1d(16)

    def forward(self, x):
        return self.bn(self.fc(x))


"""  # 15 lines: a snippet's first line is line 16


def lint(source, path="snippet.py", prefilter=True):
    settings = Settings()
    settings.select = ["BN005"]
    rules = [r for r in load_rules() if r.code == "BN005"]
    result = lint_source(source, path, settings, rules=rules, use_prefilter=prefilter)
    assert not result.internal_errors, result.internal_errors
    return result.findings


def found(body, path="snippet.py"):
    return [(f.line, f.code) for f in lint(MODEL + textwrap.dedent(body), path)]


def train(loader_expr):
    """A training function whose body starts with ``loader_expr`` (which binds ``loader``): its first
    line is line 19 of the snippet."""
    head = "def main(ds):\n    model = Net()\n    opt = torch.optim.SGD(model.parameters(), lr=0.1)\n"
    tail = "    for x, y in loader:\n        model(x).sum().backward()\n        opt.step()\n"
    return head + textwrap.indent(loader_expr, "    ") + "\n" + tail


# --- fixtures: exact lines and what the messages say --------------------------------------------

POSITIVE_FIXTURES = {
    "bn005/positive_pretrained_backbone_trained_head.py": [(14, "the model it trains has BatchNorm: `nn.BatchNorm1d(500)` in `nn.Sequential`")],
    "bn005/positive_dict_batch_size.py": [
        (36, 'batch_size=p["trainBatch"] (5, set at line 31)'),
        (53, 'batch_size=cfg["batch_size"] (3, set at line 48 from `CROP_BATCH = 3`)'),
        (68, 'batch_size=HYPER["batch_size"] (2, set at line 62)'),
    ],
    "bn005/positive_batch_sampler.py": [
        (54, "batch_sampler=sampler (2 samples per batch: the `batch_size` of `BatchSampler` at line 53, a literal)"),
        (61, "batch_sampler=torch.utils.data.BatchSampler(...) (4 samples per batch"),
        (67, "(3 samples per batch: `ClassAwareBatchSampler.__iter__` yields batches of `self.batch_size`"),
    ],
    "bn005/sampler_project/train_semi_supervised.py": [
        (36, "(4 samples per batch: `LabeledUnlabeledBatchSampler.__iter__` yields batches of `self.labeled_batch_size` + "
         "`self.unlabeled_batch_size`, set in `__init__` from the arguments (samplers.py line 22))"),
    ],
    "bn005/helper_loader/train_with_helpers.py": [
        (37, "batch_size=4 (the DataLoader that `make_loader()` returns, data_utils.py line 11: a literal)"),
        (42, "batch_size=2 (the DataLoader that `make_constant_loader()` returns, data_utils.py line 15: `TRAIN_BATCH = 2` at line 6)"),
        (47, "batch_size=3 (the DataLoader that `make_sized_loader()` returns, data_utils.py line 20: its parameter `batch_size`, passed a literal)"),
        (52, "batch_size=1 (the DataLoader that `make_loaders()` returns, data_utils.py line 24: the default of its parameter `batch_size`)"),
        (58, "`args.batch_size` of the `args` passed to it: the argparse default of `--batch-size`"),
    ],
    "bn005/options_class/train_gan.py": [
        (25, "batch_size=opt.batch_size (1, the argparse default of `--batch_size` in `BaseOptions`, a base class of "
         "`TrainOptions` (options/base_options.py line 13))"),
    ],
    "bn005/options_class/train_segmenter.py": [
        (25, "batch_size=args.batch_size (3, the argparse default of `--batch-size` in `SegOptions`, `SEG_BATCH = 3` (options/simple_options.py line 11))"),
    ],
}
NEGATIVE_FIXTURES = [
    "bn005/negative_dict_batch_size.py",
    "bn005/negative_batch_sampler.py",
    "bn005/sampler_project/train_semi_supervised_large.py",
    "bn005/sampler_project/samplers.py",
    "bn005/helper_loader/train_with_helpers_negative.py",
    "bn005/helper_loader/data_utils.py",
    "bn005/options_class/train_options_negative.py",
    "bn005/options_class/options/base_options.py",
    "bn005/options_class/options/train_options.py",
    "bn005/options_class/options/simple_options.py",
]


@pytest.mark.parametrize("name", sorted(POSITIVE_FIXTURES))
def test_positive_fixture_lines_and_messages(name):
    path = os.path.join(FIXTURES, name)
    source, result = lint_fixture(path)
    got = sorted((f.line, f.code) for f in result.findings)
    assert got == sorted((line, "BN005") for line, _ in POSITIVE_FIXTURES[name])
    assert set(got) == expectations(source)
    by_line = {f.line: f.message for f in result.findings}
    for line, text in POSITIVE_FIXTURES[name]:
        assert text in by_line[line], by_line[line]


@pytest.mark.parametrize("name", NEGATIVE_FIXTURES)
def test_negative_fixtures_have_no_finding(name):
    _, result = lint_fixture(os.path.join(FIXTURES, name))
    assert [(f.line, f.code) for f in result.findings] == []


@pytest.mark.parametrize("name", sorted(POSITIVE_FIXTURES))
def test_prefilter_keeps_the_new_findings(name):
    path = os.path.join(FIXTURES, name)
    with open(path, encoding="utf-8") as fh:
        source = fh.read()
    with_prefilter = [(f.line, f.code) for f in lint(source, path, prefilter=True)]
    without = [(f.line, f.code) for f in lint(source, path, prefilter=False)]
    assert with_prefilter == without == sorted((line, "BN005") for line, _ in POSITIVE_FIXTURES[name])


# --- 1. dict entries --------------------------------------------------------------------------


def test_dict_entry_spellings():
    body = train("p = {}\np['trainBatch'] = 5\nloader = DataLoader(ds, batch_size=p['trainBatch'], shuffle=True)")
    assert found(body) == [(21, "BN005")]
    body = train("p = {'trainBatch': 4, 'lr': 0.1}\nloader = DataLoader(ds, p['trainBatch'], shuffle=True)")
    assert found(body) == [(20, "BN005")]
    body = train("BS = 2\np = dict(bs=BS)\nbs = p['bs']\nloader = DataLoader(ds, batch_size=bs, shuffle=True)")
    assert found(body) == [(22, "BN005")]
    # a module-level dict, read in a function
    body = "HP = {}\nHP['batch'] = 2\n" + train("loader = DataLoader(ds, batch_size=HP['batch'], shuffle=True)")
    assert found(body) == [(21, "BN005")]


@pytest.mark.parametrize(
    "setup",
    [
        "p = {'trainBatch': 4}\np['trainBatch'] = 32",  # assigned twice
        "p = {}\nfor s in range(2):\n    p['trainBatch'] = 4",  # updated in a loop
        "p = {'trainBatch': 4}\np.update(overrides)",
        "p = {'trainBatch': 4}\np.setdefault('trainBatch', 64)",
        "p = {'trainBatch': 4}\nconfigure(p)",  # an unknown function before the read
        "p = {'trainBatch': 4}\np[key] = 64",  # an unknown key
        "p = {'trainBatch': 4}\nq = p",  # an alias
        "p = {'trainBatch': 4}\np = load()",  # rebound
        "p = {'trainBatch': 4}\ndel p['trainBatch']",
        "p = {**defaults, 'lr': 0.1}",  # unpacked: the key may come from there
        "p = dict(defaults)",
        "p = load_params()",  # not a dict built here
        "p = {'trainBatch': 64}",  # large
        "p = {'trainBatch': n}",  # unknown value
    ],
)
def test_dict_entry_unknown_is_no_finding(setup):
    body = train(setup + "\nloader = DataLoader(ds, batch_size=p['trainBatch'], shuffle=True)")
    assert found(body) == []


def test_dict_entry_controls_of_the_negatives():
    """The same code with the dict left alone is reported: the negatives fail for the stated reason."""
    body = train("p = {'trainBatch': 4}\nprint(p)\nloader = DataLoader(ds, batch_size=p['trainBatch'], shuffle=True)\nconfigure(p)")
    assert found(body) == [(21, "BN005")]
    # handed over in the training loop, which also runs before a later read: unknown
    body = textwrap.dedent(
        """\
        def main(ds):
            model = Net()
            p = {'trainBatch': 4}
            for epoch in range(3):
                loader = DataLoader(ds, batch_size=p['trainBatch'], shuffle=True)
                configure(p)
                for x, y in loader:
                    model(x).sum().backward()
        """
    )
    assert found(body) == []


def test_dict_in_another_function_is_another_variable():
    body = textwrap.dedent(
        """\
        def report(p):
            p['trainBatch'] = 64

        def other():
            p = {'trainBatch': 64}
            return p

        """
    ) + train("p = {}\np['trainBatch'] = 2\nloader = DataLoader(ds, batch_size=p['trainBatch'], shuffle=True)")
    assert found(body) == [(28, "BN005")]
    # a function that declares it global writes the module's dict: unknown
    body = "p = {'trainBatch': 2}\n\ndef tune():\n    global p\n    p['trainBatch'] = 64\n\n" + train(
        "loader = DataLoader(ds, batch_size=p['trainBatch'], shuffle=True)"
    )
    assert found(body) == []


# --- 2. batch samplers ------------------------------------------------------------------------


def test_torch_batch_sampler():
    body = train("loader = DataLoader(ds, batch_sampler=BatchSampler(RandomSampler(ds), batch_size=2, drop_last=True))")
    assert found(body) == [(19, "BN005")]
    body = train("s = BatchSampler(RandomSampler(ds), 64, False)\nloader = DataLoader(ds, batch_sampler=s)")
    assert found(body) == []
    body = train("s = BatchSampler(RandomSampler(ds), bs, False)\nloader = DataLoader(ds, batch_sampler=s)")
    assert found(body) == []
    # a sampler (not a batch sampler) with the default batch_size: not read here
    body = train("loader = DataLoader(ds, sampler=RandomSampler(ds))")
    assert found(body) == []


SAMPLER = """\
class Chunks:
    def __init__(self, indices, batch_size):
        self.indices = indices
        self.batch_size = batch_size

    def __iter__(self):
        for i in range(0, len(self.indices), self.batch_size):
            yield self.indices[i:i + self.batch_size]


"""


def test_project_sampler_in_this_file():
    body = SAMPLER + train("loader = DataLoader(ds, batch_sampler=Chunks(list(range(100)), 2))")
    assert found(body) == [(29, "BN005")]
    body = SAMPLER + train("loader = DataLoader(ds, batch_sampler=Chunks(list(range(100)), batch_size=32))")
    assert found(body) == []


@pytest.mark.parametrize(
    "change",
    [
        ("self.batch_size = batch_size", "self.batch_size = batch_size\n        self.batch_size += 1"),  # written twice
        ("yield self.indices[i:i + self.batch_size]", "yield self.indices[i:i + self.batch_size]\n            yield self.indices[:1] + [0]"),
        ("yield self.indices[i:i + self.batch_size]", "yield from self.indices"),
        ("self.batch_size = batch_size", "self.batch_size = batch_size * self.scale()"),  # not from the arguments
        ("    def __iter__(self):", "    def __iter_off__(self):"),  # no __iter__ of its own
    ],
)
def test_project_sampler_unknown_is_no_finding(change):
    body = SAMPLER.replace(*change) + train("loader = DataLoader(ds, batch_sampler=Chunks(list(range(100)), 2))")
    assert found(body) == []


# --- 3. and 4. other modules (written to a temporary project) --------------------------------------


def write(tmp_path, files):
    for name, text in files.items():
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text))
    return str(tmp_path / "train.py")


def test_helper_loader_without_any_batch_word_in_the_training_file(tmp_path):
    """The prefilter keeps a file whose only hint is the loader's name."""
    main = write(
        tmp_path,
        {
            "loaders.py": "from torch.utils.data import DataLoader\n\n\ndef get_train_loader(ds):\n    return DataLoader(ds, batch_size=2, shuffle=True)\n",
            "train.py": MODEL.replace(", BatchSampler, RandomSampler", "").replace("from torch.utils.data import DataLoader\n", "")
            + "from loaders import get_train_loader\nmodel = Net()\nfor x, y in get_train_loader(ds):\n    pass\ntrainloader = get_train_loader(ds)\nfor x, y in trainloader:\n    model(x).sum().backward()\n",
        },
    )
    with open(main, encoding="utf-8") as fh:
        source = fh.read()
    assert "batch_size" not in source and "batch-size" not in source and "Sampler" not in source
    assert [(f.line, f.code) for f in lint(source, main)] == [(19, "BN005")]
    assert [(f.line, f.code) for f in lint(source, main, prefilter=False)] == [(19, "BN005")]


@pytest.mark.parametrize(
    "helper, expected",
    [
        ("def make(ds):\n    return DataLoader(ds, batch_size=2, shuffle=True)\n", [(18, "BN005")]),
        ("def make(ds):\n    return DataLoader(ds, batch_size=64, shuffle=True)\n", []),
        ("def make(ds, bs=4):\n    return DataLoader(ds, batch_size=bs, shuffle=True)\n", [(18, "BN005")]),
        ("def make(ds, bs=4):\n    bs = bs * 16\n    return DataLoader(ds, batch_size=bs, shuffle=True)\n", []),
        ("def make(ds, bs):\n    return DataLoader(ds, batch_size=bs, shuffle=True)\n", []),  # not passed
        ("def make(ds):\n    return DataLoader(ds, batch_size=BS, shuffle=True)\nBS = 2\nBS = 64\n", []),  # bound twice
        ("def make(ds):\n    return DataLoader(ds, batch_size=2, shuffle=False)\n", []),  # not shuffled: evaluation
        ("def make(ds):\n    return DataLoader(ds, batch_sampler=s)\n", []),
        ("def make(ds):\n    loader = DataLoader(ds, batch_size=2, shuffle=True)\n    return wrap(loader)\n", []),
        ("def make(ds):\n    for bs in (2, 4):\n        yield DataLoader(ds, batch_size=bs, shuffle=True)\n", []),
    ],
)
def test_helper_loader_of_another_module(tmp_path, helper, expected):
    main = write(
        tmp_path,
        {
            "helpers.py": "from torch.utils.data import DataLoader\n\n\n" + helper,
            "train.py": MODEL + "from helpers import make\nmodel = Net()\ntrain_loader = make(ds)\nfor x, y in train_loader:\n    model(x).sum().backward()\n",
        },
    )
    with open(main, encoding="utf-8") as fh:
        assert [(f.line, f.code) for f in lint(fh.read(), main)] == expected


@pytest.mark.parametrize(
    "returned, expected",
    [
        # What the helper returns decides, not the names: `batches = make(ds)` is a DataLoader.
        ("DataLoader(ds, batch_size=2, shuffle=True)", ["BN005"]),
        ("[x for x in ds][:2]", []),  # no DataLoader: nothing to follow
    ],
)
def test_helper_loader_found_whatever_its_name(tmp_path, returned, expected):
    main = write(
        tmp_path,
        {
            "helpers.py": f"from torch.utils.data import DataLoader\n\n\ndef make(ds):\n    return {returned}\n",
            "train.py": MODEL + "from helpers import make\nmodel = Net()\nbatches = make(ds)\nfor x, y in batches:\n    model(x).sum().backward()\n",
        },
    )
    with open(main, encoding="utf-8") as fh:
        assert [f.code for f in lint(fh.read(), main)] == expected


OPTIONS = """\
import argparse


class Options:
    def initialize(self):
        parser = argparse.ArgumentParser()
        parser.add_argument('--batch_size', type=int, default=2)
        return parser.parse_args()
"""


@pytest.mark.parametrize(
    "options, main_extra, expected",
    [
        (OPTIONS, "", [(19, "BN005")]),
        (OPTIONS.replace("default=2", "default=64"), "", []),
        (OPTIONS.replace("default=2", "default=BS") + "\nBS = 1\n", "", [(19, "BN005")]),
        (OPTIONS.replace("default=2", "default=get_bs()"), "", []),
        # a second definition (another parser of the class), set_defaults, an unknown base: unknown
        (OPTIONS + "\n    def other(self, parser):\n        parser.add_argument('--batch-size', type=int, default=64)\n", "", []),
        (OPTIONS.replace("return parser.parse_args()", "parser.set_defaults(batch_size=32)\n        return parser.parse_args()"), "", []),
        (OPTIONS.replace("class Options:", "class Options(Configurable):"), "", []),
        # changed after parsing, or the file defines the option itself
        (OPTIONS, "opt.batch_size = 32\n", []),
        (OPTIONS, "p = argparse.ArgumentParser()\np.add_argument('--batch_size', type=int)\n", []),
    ],
)
def test_options_class_of_another_module(tmp_path, options, main_extra, expected):
    main = write(
        tmp_path,
        {
            "opts.py": options,
            "train.py": MODEL.replace("import torch\n", "import argparse\nimport torch\n", 1)
            + "from opts import Options\nopt = Options().initialize()\n"
            + main_extra
            + "loader = DataLoader(ds, batch_size=opt.batch_size, shuffle=True)\nmodel = Net()\nfor x, y in loader:\n    model(x).sum().backward()\n",
        },
    )
    with open(main, encoding="utf-8") as fh:
        src = fh.read()
    if main_extra:
        expected = [(line + main_extra.count("\n"), code) for line, code in expected]
    assert [(f.line, f.code) for f in lint(src, main)] == expected


OPTIONS_FUNCTION = """\
import argparse


def parse_args():
    parser = argparse.ArgumentParser()
    parser.add_argument('--batch_size', type=int, default=1)
    args = parser.parse_args()
    return args
"""

NETS = """\
import torch.nn as nn


class PointNet(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = nn.Conv1d(3, 64, 1)
        self.bn_conv = nn.BatchNorm2d(64)
        self.fc = nn.Linear(64, 10)
        self.bn_fc = nn.BatchNorm1d(10)
"""


@pytest.mark.parametrize(
    "options, expected",
    [
        (OPTIONS_FUNCTION, [(8, "BN005")]),
        (OPTIONS_FUNCTION.replace("default=1", "default=32"), []),
        # written to after parsing, defined twice, or not what the function returns: unknown
        (OPTIONS_FUNCTION.replace("    return args", "    args.batch_size *= 4\n    return args"), []),
        (OPTIONS_FUNCTION.replace("    args = parser", "    parser.add_argument('--batch-size', type=int, default=64)\n    args = parser"), []),
        (OPTIONS_FUNCTION.replace("    return args", "    return vars(args)"), []),
    ],
)
def test_options_function_of_another_module_through_a_parameter(tmp_path, options, expected):
    """`args = parse_args()` of another module, handed to `train(args)` which builds the loader; the
    message names the BatchNorm1d of the imported model class and what a batch of one does to it."""
    main = write(
        tmp_path,
        {
            "opts.py": options,
            "nets.py": NETS,
            "train.py": "import torch\nfrom torch.utils.data import DataLoader\nfrom nets import PointNet\nfrom opts import parse_args\n\n\n"
            "def train(args, ds):\n    loader = DataLoader(ds, batch_size=args.batch_size, shuffle=True)\n    model = PointNet()\n"
            "    for x, y in loader:\n        model(x).sum().backward()\n\n\nargs = parse_args()\ntrain(args, None)\n",
        },
    )
    with open(main, encoding="utf-8") as fh:
        findings = lint(fh.read(), main)
    assert [(f.line, f.code) for f in findings] == expected
    if findings:
        message = findings[0].message
        assert "the argparse default of `--batch_size` in `parse_args()` (opts.py line 6)" in message
        assert "`PointNet.bn_fc` = `nn.BatchNorm1d(10)` (nets.py)" in message and "Expected more than 1 value per channel" in message
