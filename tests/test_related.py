"""Findings that show their reasoning (issue #7): the path that led to a mode-analysis finding
(where the model was built, where it was last put in train mode, ...) as ``Finding.related``, shown
as SARIF ``relatedLocations``, JSON ``related``, `= note:` lines with ``--show-source``, LSP
``relatedInformation``; kept by the cache and mapped to notebook cells."""
from __future__ import annotations

import json
import os
import textwrap

import libcst as cst
import pytest
from lsprotocol import types
from pytest_lsp import LanguageClient

from bnlint.config import Settings
from bnlint.engine import lint_source
from bnlint.rule import Finding, Related, Rule
from conftest import run_bnlint
from test_lsp import _init, _open, _wait_for, asyncio_test, client, open_notebook  # noqa: F401 (client: the pytest-lsp fixture)

# BN001: trained in the epoch loop, then validated under no_grad without `.eval()`.
TRAIN_THEN_VALIDATE = textwrap.dedent(
    """\
    import torch
    import torch.nn as nn

    model = nn.Sequential(nn.Linear(4, 4), nn.BatchNorm1d(4))
    for epoch in range(3):
        model.train()
        for x, y in train_loader:
            model(x).sum().backward()
            opt.step()
        with torch.no_grad():
            for x, y in val_loader:
                out = model(x)
    """
)
# BN001: an inference script that never calls `.eval()`.
NEVER_EVAL = textwrap.dedent(
    """\
    import torch
    import torch.nn as nn

    model = nn.Sequential(nn.Linear(4, 4), nn.BatchNorm1d(4))
    with torch.no_grad():
        y = model(x)
    """
)
# BN001 through helpers: `.train()` inside `train_epoch`, the forward inside `evaluate`.
HELPERS = textwrap.dedent(
    """\
    import torch
    import torch.nn as nn


    def train_epoch(model, loader):
        model.train()
        for x, y in loader:
            model(x).sum().backward()
            opt.step()


    def evaluate(net, loader):
        with torch.no_grad():
            return [net(x) for x, _ in loader]


    model = nn.Sequential(nn.Linear(4, 4), nn.BatchNorm1d(4))
    for epoch in range(3):
        train_epoch(model, train_loader)
        evaluate(model, val_loader)
    """
)
# BN001 in a function nothing in the file calls: the module-level model, never put in eval.
UNCALLED = textwrap.dedent(
    """\
    import torch
    import torch.nn as nn

    model = nn.Sequential(nn.Linear(4, 4), nn.BatchNorm1d(4))


    @torch.no_grad()
    def handle(x):
        return model(x)
    """
)
# BN001 with two paths, each with its own `.train()`.
TWO_PATHS = textwrap.dedent(
    """\
    import torch
    import torch.nn as nn

    model = nn.Sequential(nn.Linear(4, 4), nn.BatchNorm1d(4))
    model.eval()
    if mode == "a":
        model.train()
        for x, y in train_loader:
            model(x).sum().backward()
            opt.step()
    else:
        model.train()
        for x, y in other_loader:
            model(x).sum().backward()
            opt.step()
    with torch.no_grad():
        out = model(x)
    """
)
# BN006: `.eval()` at the end of the epoch leaks into the next epoch's training.
EVAL_LEAK = textwrap.dedent(
    """\
    import torch.nn as nn
    model = nn.Sequential(nn.Linear(4, 4), nn.BatchNorm1d(4))
    for epoch in range(3):
        for x, y in loader:
            model(x).sum().backward()
            opt.step()
        model.eval()
        print(epoch)
    """
)
# BN014: BN frozen by a modules() loop, then `model.train()` unfreezes it.
UNFREEZE = textwrap.dedent(
    """\
    import torch.nn as nn
    model = nn.Sequential(nn.Conv2d(3, 8, 3), nn.BatchNorm2d(8))
    for m in model.modules():
        if isinstance(m, nn.BatchNorm2d):
            m.eval()
    for epoch in range(3):
        model.train()
        for x in loader:
            model(x).sum().backward()
            opt.step()
    """
)

BUILT = "`model` built here"
TRAINED = "`model` last put in train mode here"
NEVER = "`model` built here, in train mode (never put in eval)"


def lint(source: str, codes=("BN001", "BN006", "BN014")):
    settings = Settings()
    settings.select = list(codes)
    result = lint_source(source, "snippet.py", settings)
    assert not result.internal_errors, result.internal_errors
    return result.findings


def related_of(source: str, code: str):
    (f,) = [f for f in lint(source) if f.code == code]
    return (f.line, f.column), [(r.line, r.column, r.end_line, r.end_column, r.message) for r in f.related]


# --- the rules' paths ------------------------------------------------------------------


def test_bn001_names_the_construction_and_the_last_train_call():
    where, related = related_of(TRAIN_THEN_VALIDATE, "BN001")
    assert where == (12, 19)
    assert related == [(4, 9, 4, 58, BUILT), (6, 5, 6, 18, TRAINED)]


def test_bn001_never_put_in_eval_points_at_the_construction_only():
    where, related = related_of(NEVER_EVAL, "BN001")
    assert where == (6, 9)
    assert related == [(4, 9, 4, 58, NEVER)]


def test_bn001_through_helpers_names_the_train_call_the_helper_call_and_the_caller():
    where, related = related_of(HELPERS, "BN001")
    assert where == (14, 17)
    assert related == [
        (6, 5, 6, 18, TRAINED),  # `model.train()` inside train_epoch
        (17, 9, 17, 58, BUILT),
        (19, 5, 19, 37, "`train_epoch(...)` called here puts `model` in train mode"),
        (20, 5, 20, 32, "`evaluate()` called here with `model` in train mode"),
    ]


def test_bn001_uncalled_function_points_at_the_module_level_model():
    where, related = related_of(UNCALLED, "BN001")
    assert where == (9, 12)
    assert related == [(4, 9, 4, 58, NEVER)]


def test_bn001_every_path_train_call_once_in_source_order():
    _, related = related_of(TWO_PATHS, "BN001")
    assert related == [(4, 9, 4, 58, BUILT), (7, 5, 7, 18, TRAINED), (12, 5, 12, 18, TRAINED)]
    # deterministic: the same answer on every run (the analysis keeps the paths in a set)
    assert all(related_of(TWO_PATHS, "BN001")[1] == related for _ in range(3))


def test_bn006_names_the_training_forward_and_the_loop():
    where, related = related_of(EVAL_LEAK, "BN006")
    assert where == (7, 5)
    assert related == [
        (3, 1, 8, 17, "the training loop whose next iteration it leaks into"),
        (5, 9, 5, 17, "the next iteration trains `model` here, still in eval mode"),
    ]


def test_bn014_names_the_freeze_and_the_training_forward():
    where, related = related_of(UNFREEZE, "BN014")
    assert where == (7, 5)
    assert related == [
        (3, 1, 5, 17, "BatchNorm put in eval (frozen) here"),
        (9, 9, 9, 17, "`model` is trained here with that BatchNorm in train mode again"),
    ]


def test_bn004_names_the_train_call_that_runs_the_frozen_bn():
    source = textwrap.dedent(
        """\
        import torchvision

        model = torchvision.models.resnet50(weights="DEFAULT")
        for p in model.parameters():
            p.requires_grad = False
        model.train()
        """
    )
    (f,) = [f for f in lint(source, codes=("BN004",)) if f.code == "BN004"]
    assert (f.line, f.column) == (5, 5)
    assert [(r.line, r.column, r.end_line, r.end_column, r.message) for r in f.related] == [
        (6, 1, 6, 14, "the model is put in train mode here, BatchNorm layers included"),
    ]


def test_bn004_at_a_construction_names_the_constructor_freeze():
    # (A freeze of `self`'s own part is reported where it is, once: ``test_bn004_constructor_freeze_of_self_is_reported_once``.)
    source = textwrap.dedent(
        """\
        import torch.nn as nn
        import torchvision


        class Regressor(nn.Module):
            def __init__(self):
                super().__init__()
                trunk = torchvision.models.resnet18(weights="DEFAULT")
                for p in trunk.parameters():
                    p.requires_grad = False
                self.trunk = nn.Sequential(*list(trunk.children())[:-1])

            def forward(self, x):
                return self.trunk(x)


        model = Regressor()
        model.train()
        """
    )
    (f,) = [f for f in lint(source, codes=("BN004",)) if f.code == "BN004"]
    assert (f.line, f.column) == (17, 1)
    assert [(r.line, r.column, r.end_line, r.end_column, r.path) for r in f.related] == [
        (10, 13, 10, 36, None),
        (18, 1, 18, 14, None),
    ]
    assert f.related[0].message.startswith("`Regressor(...)` sets `requires_grad = False` here")


def test_bn004_constructor_freeze_of_self_is_reported_once():
    source = textwrap.dedent(
        """\
        import torch.nn as nn
        import torchvision


        class Regressor(nn.Module):
            def __init__(self):
                super().__init__()
                self.trunk = torchvision.models.resnet18(weights="DEFAULT")
                for p in self.trunk.parameters():
                    p.requires_grad = False


        model = Regressor()
        model.train()
        """
    )
    assert [(f.line, f.column) for f in lint(source, codes=("BN004",))] == [(10, 13)]


def test_bn004_at_a_construction_names_the_freeze_in_the_factory_module(tmp_path):
    (tmp_path / "nets.py").write_text(textwrap.dedent(
        """\
        import torch.nn as nn


        class Backbone(nn.Module):
            def __init__(self):
                super().__init__()
                self.bn1 = nn.BatchNorm2d(8)
                for q in self.bn1.parameters():
                    q.requires_grad = False


        def build_backbone():
            return Backbone()
        """
    ))
    source = "from nets import build_backbone\n\nnet = build_backbone()\nnet.train()\n"
    (tmp_path / "train.py").write_text(source)
    settings = Settings()
    settings.select = ["BN004"]
    result = lint_source(source, str(tmp_path / "train.py"), settings)
    (f,) = [f for f in result.findings if f.code == "BN004"]
    assert f.line == 3
    freeze = [r for r in f.related if r.path is not None]
    assert [(os.path.basename(r.path), r.line, r.column) for r in freeze] == [("nets.py", 9, 13)]


class _PathRule(Rule):
    """Test rule: reports `target` with related nodes, some of which have no position here."""

    code = "BN950"
    name = "test-related"
    trigger_tokens = ("target",)

    def visit_Module(self, node: cst.Module) -> None:
        self._module = node

    def visit_Name(self, node: cst.Name) -> None:
        if node.value == "target":
            stmts = self._module.body
            foreign = cst.parse_expression("elsewhere")  # a node of another tree: no position here
            related = ((stmts[1], "second"), (None, "nothing"), (foreign, "foreign"), (stmts[0], "first"), (stmts[1], "second"))
            self.report(node, "found", related=related)


def test_engine_resolves_related_nodes_skips_the_unplaceable_and_sorts():
    (f,) = lint_source("a = 1\nb = 2\ntarget\n", "t.py", Settings(), rules=[_PathRule]).findings
    assert f.related == (Related(1, 1, 1, 6, "first"), Related(2, 1, 2, 6, "second"))
    from bnlint.cache import _finding_from_data, _finding_to_data

    assert _finding_from_data(json.loads(json.dumps(_finding_to_data(f))), "t.py") == f  # the cache's format


def test_findings_without_a_path_have_no_related_key():
    f = Finding("BN002", "momentum-zero-freeze", "error", "m", "x.py", 1, 1, 1, 2)
    assert f.related == () and "related" not in f.to_json()


# --- output formats -------------------------------------------------------------------------


@pytest.fixture
def project(tmp_path):
    (tmp_path / "train.py").write_text(TRAIN_THEN_VALIDATE)
    (tmp_path / "leak.py").write_text(EVAL_LEAK)
    return tmp_path


def _run(project, *args):
    r = run_bnlint("--isolated", "--no-cache", *args, cwd=str(project))
    assert r.returncode == 1, r.stderr
    return r.stdout


def test_json_has_the_related_list(project):
    (f,) = json.loads(_run(project, "--format", "json", "train.py"))
    assert f["code"] == "BN001"
    assert f["related"] == [
        {"message": BUILT, "line": 4, "column": 9, "end_line": 4, "end_column": 58},
        {"message": TRAINED, "line": 6, "column": 5, "end_line": 6, "end_column": 18},
    ]


def test_sarif_related_locations(project):
    doc = json.loads(_run(project, "--format", "sarif", "train.py", "leak.py"))
    results = {r["ruleId"]: r for r in doc["runs"][0]["results"]}
    assert set(results) == {"BN001", "BN006"}
    for res in results.values():
        related = res["relatedLocations"]
        assert [loc["id"] for loc in related] == list(range(len(related)))  # unique within the result
        for loc in related:
            assert set(loc) == {"id", "physicalLocation", "message"}
            phys = loc["physicalLocation"]
            assert phys["artifactLocation"] == res["locations"][0]["physicalLocation"]["artifactLocation"]
            assert set(phys["region"]) == {"startLine", "startColumn", "endLine", "endColumn"}
            assert isinstance(loc["message"]["text"], str) and loc["message"]["text"]
    bn001 = results["BN001"]["relatedLocations"]
    assert [(loc["physicalLocation"]["artifactLocation"]["uri"], loc["physicalLocation"]["region"], loc["message"]["text"]) for loc in bn001] == [
        ("train.py", {"startLine": 4, "startColumn": 9, "endLine": 4, "endColumn": 58}, BUILT),
        ("train.py", {"startLine": 6, "startColumn": 5, "endLine": 6, "endColumn": 18}, TRAINED),
    ]
    bn006 = results["BN006"]["relatedLocations"]
    assert [(loc["physicalLocation"]["region"]["startLine"], loc["physicalLocation"]["region"]["startColumn"]) for loc in bn006] == [(3, 1), (5, 9)]


def test_show_source_prints_each_related_location_with_its_line(project):
    out = _run(project, "--show-source", "train.py")
    lines = out.splitlines()
    start = next(i for i, l in enumerate(lines) if l.startswith("train.py:12:19: BN001"))
    assert lines[start + 1 : start + 9] == [
        "   12 |             out = model(x)",
        "      |                   ^^^^^^^^",
        f"  = note: {BUILT} at train.py:4:9",
        "    4 | model = nn.Sequential(nn.Linear(4, 4), nn.BatchNorm1d(4))",
        "      |         " + "-" * 49,
        f"  = note: {TRAINED} at train.py:6:5",
        "    6 |     model.train()",
        "      |     -------------",
    ]
    # `full` is the text format with the source: the same notes
    assert _run(project, "--format", "full", "train.py") == out


def test_without_show_source_and_concise_there_are_no_notes(project):
    for args in ((), ("--format", "concise")):
        out = _run(project, *args, "train.py")
        assert "= note:" not in out
        assert [l for l in out.splitlines() if l.startswith("train.py:")] == [next(l for l in out.splitlines() if l.startswith("train.py:12:19: BN001"))]


# --- notebooks -----------------------------------------------------------------------------


def _notebook(tmp_path, cells):
    nb = tmp_path / "nb.ipynb"
    nb.write_text(json.dumps({"cells": [{"cell_type": "code", "metadata": {}, "outputs": [], "source": c} for c in cells], "metadata": {}, "nbformat": 4, "nbformat_minor": 5}))
    return nb


NB_CELLS = [
    "import torch\nimport torch.nn as nn\nmodel = nn.Sequential(nn.Linear(4, 4), nn.BatchNorm1d(4))\n",
    "model.train()\nfor x, y in train_loader:\n    model(x).sum().backward()\n    opt.step()\n",
    "with torch.no_grad():\n    out = model(x)\n",
]


def test_notebook_related_locations_report_their_own_cell(tmp_path):
    _notebook(tmp_path, NB_CELLS)
    r = run_bnlint("--isolated", "--no-cache", "--format", "json", "nb.ipynb", cwd=str(tmp_path))
    (f,) = json.loads(r.stdout)
    assert (f["code"], f["cell"], f["line"], f["column"]) == ("BN001", 3, 2, 11)
    assert f["related"] == [
        {"message": BUILT, "line": 3, "column": 9, "end_line": 3, "end_column": 58, "cell": 1},
        {"message": TRAINED, "line": 1, "column": 1, "end_line": 1, "end_column": 14, "cell": 2},
    ]
    text = run_bnlint("--isolated", "--no-cache", "--show-source", "nb.ipynb", cwd=str(tmp_path)).stdout
    assert f"  = note: {BUILT} at nb.ipynb:cell 1:3:9" in text.splitlines()
    assert f"  = note: {TRAINED} at nb.ipynb:cell 2:1:1" in text.splitlines()
    sarif = json.loads(run_bnlint("--isolated", "--no-cache", "--format", "sarif", "nb.ipynb", cwd=str(tmp_path)).stdout)
    locs = sarif["runs"][0]["results"][0]["relatedLocations"]
    assert [loc["properties"]["cell"] for loc in locs] == [1, 2]


# --- cache --------------------------------------------------------------------------------


def test_cache_round_trips_related(tmp_path, project):
    cache = tmp_path / "cache"
    env = {"BNLINT_CACHE_DIR": str(cache)}

    def run(*args):
        r = run_bnlint("--isolated", *args, "train.py", "leak.py", cwd=str(project), env=env)
        assert r.returncode == 1, r.stderr
        return r.stdout

    cold = run("--no-cache", "--format", "json")
    first = run("--format", "json")  # fills the cache
    (cache_file,) = [os.path.join(d, n) for d, _, names in os.walk(cache) for n in names if n.endswith(".json")]
    stored = open(cache_file).read()
    assert '"related"' in stored
    second = run("--format", "json")  # served from the cache
    assert json.loads(cold) == json.loads(first) == json.loads(second)
    assert all(f["related"] for f in json.loads(second))
    assert run("--show-source") == run("--no-cache", "--show-source")
    assert run("--format", "sarif") == run("--no-cache", "--format", "sarif")


# --- language server --------------------------------------------------------------------------


def _related(d: types.Diagnostic):
    return [
        (i.location.uri, i.location.range.start.line, i.location.range.start.character, i.location.range.end.line, i.location.range.end.character, i.message)
        for i in d.related_information or []
    ]


@asyncio_test
async def test_lsp_related_information(client: LanguageClient, tmp_path):  # noqa: F811
    await _init(client, tmp_path)
    uri = _open(client, tmp_path / "train.py", TRAIN_THEN_VALIDATE)
    p = await _wait_for(client, uri, lambda p: bool(p.diagnostics))
    (d,) = [d for d in p.diagnostics if d.code == "BN001"]
    assert (d.range.start.line, d.range.start.character) == (11, 18)
    assert _related(d) == [(uri, 3, 8, 3, 57, BUILT), (uri, 5, 4, 5, 17, TRAINED)]


@asyncio_test
async def test_lsp_notebook_related_information_points_at_other_cells(client: LanguageClient, tmp_path):  # noqa: F811
    await _init(client, tmp_path)
    nb_path = tmp_path / "nb.ipynb"
    cell_uris = open_notebook(client, nb_path, NB_CELLS)
    p = await _wait_for(client, cell_uris[2], lambda p: bool(p.diagnostics))
    (d,) = p.diagnostics
    assert d.code == "BN001" and (d.range.start.line, d.range.start.character) == (1, 10)
    assert _related(d) == [(cell_uris[0], 2, 8, 2, 57, BUILT), (cell_uris[1], 0, 0, 0, 13, TRAINED)]


def test_bn001_does_not_say_a_function_is_called_with_its_own_local_model():
    source = textwrap.dedent(
        """\
        import torch
        import torchvision


        def main():
            model = torchvision.models.resnet18()
            model.load_state_dict(torch.load("w.pt"))
            with torch.no_grad():
                print(model(torch.load("x.pt")).argmax(1))


        main()
        """
    )
    (f,) = [f for f in lint(source) if f.code == "BN001"]
    assert "is called with the model" not in f.message
    assert all("called here with" not in r.message for r in f.related)
