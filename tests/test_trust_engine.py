"""Nothing lost without a word (issue 14): valid Python libcst cannot read, the mode analysis's
budget, non-table and negative config values, malformed notebooks, and the lazy module shells
seen from a program that embeds bnlint."""
import io
import json
import os
import subprocess
import sys

import pytest

from bnlint import engine
from bnlint.cli import main
from bnlint.config import Settings
from bnlint.engine import lint_source
from conftest import FIXTURES, ROOT, run_bnlint

BN002_LINE = "bn = nn.BatchNorm2d(1, momentum=0)\n"


def lint_json(tmp_path, *args):
    r = run_bnlint("--isolated", "--no-cache", "--format", "json", *args, cwd=str(tmp_path))
    assert "Traceback" not in r.stderr and "internal error" not in r.stderr, r.stderr
    return r, (json.loads(r.stdout) if r.stdout.strip() else [])


# --- item 9: valid Python that libcst cannot parse ----------------------------------------------

UNREADABLE_ONE_LINE = (
    "bnlint's parser (libcst) cannot read the statement at line 2, although Python accepts it: that statement "
    "is not analysed (the rest of the file is), and no fixes are offered for this file"
)


def test_a_statement_libcst_cannot_read_is_a_warning_and_the_rest_is_linted(tmp_path):
    """Valid Python is no finding (a BN000 would fail CI on correct code): a warning on stderr."""
    source = "import torch.nn as nn\n(x): int = 1\n" + BN002_LINE
    compile(source, "t.py", "exec")  # valid Python: ast accepts it, libcst 1.x does not
    (tmp_path / "t.py").write_text(source)
    r, data = lint_json(tmp_path, "t.py")
    assert r.returncode == 1
    assert [(f["code"], f["line"], f["column"], f["severity"]) for f in data] == [("BN002", 3, 24, "error")]
    assert r.stderr == f"bnlint: warning: t.py:2:1: {UNREADABLE_ONE_LINE}\n"
    # A file the rules look at (inference on a BN model) with nothing wrong in it: a note, exit 0.
    (tmp_path / "t.py").write_text(source.replace(BN002_LINE, "model = nn.BatchNorm1d(4).eval()\nprint(model(batch))\n"))
    r, data = lint_json(tmp_path, "t.py")
    assert (r.returncode, data) == (0, []) and "cannot read the statement at line 2" in r.stderr


def test_the_line_libcst_stops_at_inside_a_function_is_named():
    source = "import torch.nn as nn\n\n\ndef f():\n    (y): int = 2\n    return 3\n" + BN002_LINE
    res = lint_source(source, "t.py", Settings())
    assert [(f.code, f.line, f.column) for f in res.findings] == [("BN002", 7, 24)]
    assert res.notes == [
        "t.py:5:1: bnlint's parser (libcst) cannot read line 5 of the statement at lines 4-6, although Python accepts it: "
        "that statement is not analysed (the rest of the file is), and no fixes are offered for this file"
    ]


def test_positions_are_those_of_the_file_in_a_chunked_parse(monkeypatch):
    """Large files are parsed in chunks of statements (``parse_cst``): the statement is found there too."""
    source = "import torch.nn as nn\n" + "".join(f"a{i} = {i}\n" for i in range(40)) + "(x): int = 1\n" + "".join(f"b{i} = {i}\n" for i in range(40)) + BN002_LINE
    monkeypatch.setattr(engine, "CHUNKED_PARSE_BYTES", 100)
    monkeypatch.setattr(engine, "_CHUNK_BYTES", 60)
    res = lint_source(source, "t.py", Settings())
    assert [(f.code, f.line, f.column, f.severity) for f in res.findings] == [("BN002", 83, 24, "error")]
    assert res.notes == ["t.py:42:1: " + UNREADABLE_ONE_LINE.replace("line 2", "line 42")]


def test_a_statement_indented_with_a_tab_after_spaces_is_analysed_with_its_tabs_expanded():
    """Python accepts a tab after spaces in an indentation (it counts the tab to the next multiple
    of 8 columns); libcst's tokenizer rejects it.  The statement is read with its tabs expanded and
    its findings are reported, with a note (and no fixes for the file)."""
    source = (
        "import torch\nimport torch.nn as nn\n\n\n"
        "def evaluate(net, loader, verbose):\n    hits = 0\n    with torch.no_grad():\n        for x, y in loader:\n"
        "            hits += (net(x).argmax(1) == y).sum().item()\n    if verbose:\n \t   print(hits)\n    return hits\n\n\n"
        "def main(loader):\n    net = nn.Sequential(nn.Linear(4, 8), nn.BatchNorm1d(8), nn.Linear(8, 2))\n"
        "    opt = torch.optim.SGD(net.parameters(), lr=0.1)\n    for epoch in range(3):\n        for x, y in loader:\n"
        "            opt.zero_grad()\n            nn.functional.cross_entropy(net(x), y).backward()\n            opt.step()\n"
        "        print(evaluate(net, loader, True))\n"
    )
    compile(source, "t.py", "exec")  # valid Python
    res = lint_source(source, "t.py", Settings())
    assert [(f.code, f.line, f.column, f.fix) for f in res.findings] == [("BN001", 9, 22, None)]
    assert res.notes == [
        "t.py:5:1: the statement at lines 5-12 indents with tabs after spaces, which Python accepts and bnlint's parser "
        "(libcst) does not: it was analysed with its tabs expanded to 8 columns, and no fixes are offered for this file"
    ]
    # The same file indented with spaces only gets the same finding (with its fix).
    plain = lint_source(source.replace(" \t   print(hits)", "        print(hits)"), "t.py", Settings())
    assert [(f.code, f.line, f.column, f.fix is not None) for f in plain.findings] == [("BN001", 9, 22, True)]


def test_the_columns_of_lines_read_with_their_tabs_expanded_are_the_files_own():
    """Per line, how much wider the expanded indentation is: a finding on such a line moves back
    by that much (``_rescue_mixed_indentation``)."""
    source = "def f(a):\n    if a:\n \t   return a\n    return 0\n"
    compile(source, "t.py", "exec")
    unreadable, rescued = engine._rescue_mixed_indentation(source, [(1, 4, 3)])
    assert unreadable == [] and rescued == [(1, 4, {3: 11 - 5})]


def _bn001_file_with_unreadable_statement() -> str:
    with open(os.path.join(FIXTURES, "bn001", "positive_no_grad_block.py"), encoding="utf-8") as fh:
        lines = fh.read().splitlines(keepends=True)
    return "".join(lines[:5] + ["(LIMIT): int = 3\n"] + lines[5:])  # the new line 6; BN001 moves to line 40


def test_no_fixes_are_offered_in_a_file_with_an_unreadable_statement(tmp_path):
    source = _bn001_file_with_unreadable_statement()
    res = lint_source(source, "t.py", Settings())
    assert [(f.code, f.line, f.fix) for f in res.findings] == [("BN001", 40, None)]
    assert res.notes == ["t.py:6:1: " + UNREADABLE_ONE_LINE.replace("line 2", "line 6")]
    # Without that statement the same finding has its (unsafe) fix.
    (fixable,) = lint_source(source.replace("(LIMIT): int = 3\n", "\n"), "t.py", Settings()).findings
    assert (fixable.code, fixable.line) == ("BN001", 40) and fixable.fix is not None

    (tmp_path / "t.py").write_text(source)
    r = run_bnlint("--isolated", "--no-cache", "--fix", "--unsafe-fixes", "--format", "concise", "t.py", cwd=str(tmp_path))
    assert r.returncode == 1
    # The note only: no "a fix produced code that does not parse", no other error.
    assert r.stderr == f"bnlint: warning: t.py:6:1: {UNREADABLE_ONE_LINE.replace('line 2', 'line 6')}\n", r.stderr
    assert (tmp_path / "t.py").read_text() == source
    assert r.stdout.splitlines()[0].startswith("t.py:40:")


def test_a_file_libcst_cannot_read_at_all_is_not_called_a_syntax_error(monkeypatch):
    """Where no statement alone is to blame, the whole file is reported, as valid Python bnlint cannot read."""
    monkeypatch.setattr(engine, "_unreadable_statements", lambda source, tree, line: [])
    res = lint_source("import torch.nn as nn\n(x): int = 1\n" + BN002_LINE, "t.py", Settings())
    assert res.findings == []
    assert res.notes == ["t.py:2:1: bnlint's parser (libcst) cannot read line 2, although Python accepts it: the file is not analysed"]


# --- item 11: the mode analysis's step budget -----------------------------------------------------


def _fixture(name: str) -> str:
    with open(os.path.join(FIXTURES, "bn001", name), encoding="utf-8") as fh:
        return fh.read()


@pytest.mark.parametrize(
    "fixture, where",
    [("positive_decorator_helper.py", "`run` (line 40)"), ("positive_trainer_class.py", "`Trainer.fit` (line 30)")],
)
def test_an_exceeded_step_budget_is_a_note_naming_the_file_and_function(monkeypatch, fixture, where):
    import bnlint.modes as modes

    source = _fixture(fixture)
    assert [f.code for f in lint_source(source, "train.py", Settings()).findings] == ["BN001"]
    monkeypatch.setattr(modes, "MAX_STEPS", 40)
    res = lint_source(source, "train.py", Settings())
    assert res.findings == []
    assert res.notes == [
        f"train.py: the train/eval mode analysis exceeded its step budget (40 steps) in {where}, "
        "so BN001, BN006 and BN014 are not reported for this file"
    ]


def test_the_cli_prints_the_budget_note_as_a_warning(monkeypatch, capsys):
    import bnlint.modes as modes

    monkeypatch.setattr(modes, "MAX_STEPS", 40)
    stdin = io.TextIOWrapper(io.BytesIO(_fixture("positive_decorator_helper.py").encode()))
    monkeypatch.setattr(sys, "stdin", stdin)
    rc = main(["--isolated", "--no-cache", "--select", "BN001", "--stdin-filename", "train.py", "-"])
    out, err = capsys.readouterr()
    assert rc == 0
    assert err == (
        "bnlint: warning: train.py: the train/eval mode analysis exceeded its step budget (40 steps) in `run` (line 40), "
        "so BN001 is not reported for this file\n"
    )


# --- (c) non-table values at table positions, (d) negative numbers --------------------------------


def check_in(tmp_path, monkeypatch, capsys, *argv):
    (tmp_path / "t.py").write_text("import torch.nn as nn\n" + BN002_LINE)
    monkeypatch.chdir(tmp_path)
    rc = main(["--no-cache", *argv, "t.py"])
    return rc, capsys.readouterr().err


@pytest.mark.parametrize(
    "name, content, message",
    [
        ("pyproject.toml", "[tool]\nbnlint = 5\n", "`tool.bnlint` must be a table ([tool.bnlint]), got 5"),
        ("pyproject.toml", "tool = 5\n", "`tool` must be a table ([tool]), got 5"),
        ("bnlint.toml", "tool = 5\n", "`tool` must be a table ([tool]), got 5"),
        ("bnlint.toml", '[tool]\nbnlint = "x"\n', "`tool.bnlint` must be a table ([tool.bnlint]), got 'x'"),
        ("pyproject.toml", "[tool.bnlint]\nBN005 = 3\n", "`BN005` must be a table of BN005's options ([tool.bnlint.BN005]), got 3"),
        ("pyproject.toml", "[tool.bnlint]\ntiny-batch-bn = true\n", "`tiny-batch-bn` must be a table of BN005's options ([tool.bnlint.tiny-batch-bn]), got True"),
    ],
)
def test_a_value_where_a_table_belongs_names_the_file_and_key(tmp_path, monkeypatch, capsys, name, content, message):
    (tmp_path / name).write_text(content)
    rc, err = check_in(tmp_path, monkeypatch, capsys)
    assert rc == 2
    assert err == f"bnlint: error: {tmp_path / name}: {message}\n"


@pytest.mark.parametrize(
    "content, message",
    [
        ("max-file-size = -1", "`max-file-size` must be a number of bytes, 0 or more (0: no limit), got -1"),
        ("jobs = -1", "`jobs` must be a number of processes, 0 or more (0: one per core), got -1"),
        ("tiny-batch-size = -1", "`tiny-batch-size` must be a number, 0 or more, got -1"),
        ("[tool.bnlint.tiny-batch-bn]\ntiny-batch-size = -2", "`tiny-batch-bn.tiny-batch-size` must be a number, 0 or more, got -2"),
    ],
)
def test_negative_numbers_in_the_config_are_errors(tmp_path, monkeypatch, capsys, content, message):
    (tmp_path / "pyproject.toml").write_text(f"[tool.bnlint]\n{content}\n")
    rc, err = check_in(tmp_path, monkeypatch, capsys)
    assert rc == 2
    assert err == f"bnlint: error: {tmp_path / 'pyproject.toml'}: {message}\n"


@pytest.mark.parametrize("argv, value", [(["--jobs", "-1"], -1), (["--jobs=-1"], -1), (["-j", "-3"], -3), (["-j-2"], -2)])
def test_negative_jobs_on_the_command_line_is_an_error(tmp_path, monkeypatch, capsys, argv, value):
    rc, err = check_in(tmp_path, monkeypatch, capsys, "--isolated", *argv)
    assert rc == 2
    assert err.splitlines()[-1] == f"bnlint: error: argument --jobs/-j: must be 0 or more (0: the default), got {value}"


# --- (e) malformed notebooks -----------------------------------------------------------------------

CODE = {"cell_type": "code", "metadata": {}, "outputs": [], "execution_count": None}


@pytest.mark.parametrize(
    "nb, message",
    [
        ({"cells": [{"cell_type": "markdown", "source": "# t"}, {**CODE, "source": ["import torch.nn as nn\n", 1]}]}, "cell 2: `source` holds a number (1); it must be a string or a list of strings"),
        ({"cells": [{**CODE, "source": ["x = 1\n", None]}]}, "cell 1: `source` holds null; it must be a string or a list of strings"),
        ({"cells": [{**CODE, "source": 5}]}, "cell 1: `source` is a number (5); it must be a string or a list of strings"),
        ({"cells": [{**CODE, "source": None}]}, "cell 1: `source` is null; it must be a string or a list of strings"),
        ({"cells": [{**CODE, "source": "x = 1\n"}, {**CODE, "source": {"a": 1}}]}, "cell 2: `source` is an object; it must be a string or a list of strings"),
        ({"cells": [{**CODE, "source": "x = 1\n"}, 3]}, "cell 2 is a number (3), not an object"),
        ({"cells": 5}, "`cells` is a number (5), not a list"),
        ({"cells": None}, "`cells` is null, not a list"),
        ({"cells": "abc"}, '`cells` is a string ("abc"), not a list'),
        ([], "the JSON is a list, not an object"),
    ],
)
def test_a_malformed_notebook_is_one_bn000_naming_the_cell(tmp_path, nb, message):
    (tmp_path / "nb.ipynb").write_text(json.dumps(nb))
    (tmp_path / "good.py").write_text("import torch.nn as nn\n" + BN002_LINE)
    r, data = lint_json(tmp_path)
    assert r.returncode == 1
    assert [(f["path"], f["code"], f["line"], f["message"]) for f in data] == [
        ("good.py", "BN002", 2, data[0]["message"]),
        ("nb.ipynb", "BN000", 1, f"not a valid notebook: {message}"),
    ]


# --- (f) the lazy module shells, seen from a program that embeds bnlint ------------------------------

EMBED_AFTER_CLI = r"""
import io, json, sys
from bnlint.cli import main
rc = main(sys.argv[1:])
from bnlint.registry import is_lazy
rule_module = sys.modules["bnlint.rules.bn002_momentum_zero_freeze"]
before = {"libcst_in_sys_modules": "libcst" in sys.modules, "rules_libcst": type(rule_module.cst).__name__,
          "stdlib_shells": [m for m in ("ast", "tokenize") if is_lazy(m)]}
import libcst._nodes.expression
import libcst.metadata
from libcst import matchers
import libcst
module = libcst.parse_module("x = (1)\n")
import ast, tokenize
from ast import NodeVisitor
tokens = [t.string for t in tokenize.generate_tokens(io.StringIO("a + b\n").readline)][:3]
rc_bn = main(sys.argv[1:-1] + ["bn.py"])  # bnlint's own shells still work, now over the real modules
print("\n" + json.dumps({"rc": rc, "before": before, "code": module.code, "expression": libcst._nodes.expression.Name.__name__,
      "one_nodes": sys.modules["libcst._nodes"] is libcst._nodes and hasattr(libcst._nodes, "expression"),
      "metadata": libcst.metadata.PositionProvider.__name__, "matchers": matchers.Name.__name__,
      "ast": ast.dump(ast.parse("x")), "visitor": NodeVisitor.__name__, "tokens": tokens,
      "rc_bn": rc_bn, "same_classes": rule_module.cst.Call is libcst.Call and rule_module.cst.metadata is libcst.metadata}))
"""


def _run_python(code: str, *args, cwd) -> dict:
    env = dict(os.environ, BNLINT_CACHE_DIR=os.path.join(str(cwd), ".cache"), PYTHONPATH=ROOT)
    res = subprocess.run([sys.executable, "-c", code, *args], cwd=str(cwd), capture_output=True, text=True, env=env, timeout=120)
    assert res.returncode == 0 and res.stdout.strip(), res.stderr
    return json.loads(res.stdout.strip().splitlines()[-1])


def test_libcst_and_stdlib_imports_work_after_the_cli_ran_in_process(tmp_path):
    (tmp_path / "clean.py").write_text("import os\n\n\ndef add(a, b):\n    return a + b\n")
    (tmp_path / "bn.py").write_text("import torch.nn as nn\n" + BN002_LINE)
    got = _run_python(EMBED_AFTER_CLI, "--isolated", "--no-cache", "--format", "json", "clean.py", cwd=tmp_path)
    assert got["rc"] == 0
    # The CLI stayed lazy (the test proves something): its rules hold an unloaded libcst shell, which
    # is not in sys.modules; the stdlib shells are, and load in place.
    assert got["before"] == {"libcst_in_sys_modules": False, "rules_libcst": "_LazyModule", "stdlib_shells": ["ast", "tokenize"]}
    assert got["code"] == "x = (1)\n"
    assert (got["expression"], got["metadata"], got["matchers"], got["visitor"]) == ("Name", "PositionProvider", "Name", "NodeVisitor")
    assert got["one_nodes"] is True  # libcst._nodes imported once, not twice
    assert got["ast"] == "Module(body=[Expr(value=Name(id='x', ctx=Load()))], type_ignores=[])"
    assert got["tokens"] == ["a", "+", "b"]
    assert got["rc_bn"] == 1 and got["same_classes"] is True


LIBRARY_USE = r"""
import json, sys, types
from bnlint.config import Settings
from bnlint.engine import lint_source
result = lint_source("import os\nx = 1\n", "x.py", Settings())
from bnlint.registry import is_lazy
rule_module = sys.modules["bnlint.rules.bn002_momentum_zero_freeze"]
print("\n" + json.dumps({"skipped": result.skipped, "lazy": [m for m in ("libcst", "ast", "tokenize") if is_lazy(m)],
      "rules_libcst_is_the_real_one": rule_module.cst is sys.modules.get("libcst") and type(rule_module.cst) is types.ModuleType}))
"""


def test_the_library_api_puts_no_lazy_shells_in_sys_modules(tmp_path):
    got = _run_python(LIBRARY_USE, cwd=tmp_path)
    assert got == {"skipped": True, "lazy": [], "rules_libcst_is_the_real_one": True}


@pytest.mark.parametrize("name, text", [("pyproject.toml", "[tool.bnlint]\nx = " + "[" * 5000 + "]" * 5000 + "\n"), ("bnlint.toml", "x = " + "[" * 5000 + "]" * 5000 + "\n")])
def test_deeply_nested_toml_is_a_config_error_not_a_crash(tmp_path, name, text):
    (tmp_path / name).write_text(text)
    (tmp_path / "a.py").write_text("x = 1\n")
    r = run_bnlint("--no-cache", "a.py", cwd=str(tmp_path))
    assert r.returncode == 2
    assert "Traceback" not in r.stderr and "internal error" not in r.stderr
    assert f"{name}: invalid TOML: nested too deeply to read" in r.stderr
