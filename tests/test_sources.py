"""bnlint.sources.decode: its tokenize-free path for files without a BOM or a coding declaration
must give exactly what the general path (``tokenize.detect_encoding``) gives."""
import io
import tokenize

import pytest

from bnlint.sources import SourceError, decode

SAMPLES = [
    b"",
    b"x = 1\n",
    b"x = 1",
    b"x = 1\r\ny = 2\r\n",
    b"x = 1\ry = 2\r",
    "s = 'café'\n".encode("utf-8"),
    b"\xef\xbb\xbfx = 1\n",
    b"# -*- coding: latin-1 -*-\ns = '\xe9'\n",
    b"#!/usr/bin/env python\n# vim: set fileencoding=cp1252 :\ns = '\x80'\n",
    b"x = 1\ny = 2\n# coding: latin-1\ns = '\xe9'\n",  # third line: not a declaration
    b"s = 'no coding here'\n",
    b"s = 'decoding'\nx = 1\n",  # the word, not a declaration
    b"s = '\xe9'\n",  # invalid UTF-8 on the first line
    b"x = 1\ny = 2\ns = '\xe9'\n",  # invalid UTF-8 further down
    b"# coding: no-such-codec\nx = 1\n",
    b"\xef\xbb\xbf# coding: latin-1\nx = 1\n",  # BOM and a different declaration
    b"x = 1\n" * 5000,
]


def reference(data: bytes):
    """The general path alone: what decode returned before its fast path."""
    try:
        encoding, _ = tokenize.detect_encoding(io.BytesIO(data).readline)
    except SyntaxError:
        try:
            data.decode("utf-8")
        except UnicodeDecodeError:
            return ("error", "cannot decode as UTF-8")
        return ("error", "invalid encoding declaration")
    try:
        text = data.decode(encoding)
    except (UnicodeDecodeError, LookupError):
        return ("error", f"cannot decode as {encoding}")
    return (text[1:] if text.startswith("\ufeff") else text, encoding)


@pytest.mark.parametrize("data", SAMPLES, ids=range(len(SAMPLES)))
def test_decode_matches_tokenize(data):
    want = reference(data)
    try:
        got = decode(data, "x.py")
    except SourceError as exc:
        assert want[0] == "error", f"decode failed ({exc}), tokenize gives {want[1]!r}"
        assert str(exc).startswith(want[1]), (str(exc), want)
        return
    assert got == want


def test_binary_is_refused_before_decoding():
    with pytest.raises(SourceError, match="binary"):
        decode(b"x = 1\n\x00\x01", "x.bin")


def test_ipython_line_alone_in_a_block_keeps_the_block(tmp_path):
    """`else:\n    !git pull` (a tutorial's set-up cell): the shell line must not leave an empty
    block behind, which made the whole notebook a BN000 "syntax error" reported in a later cell."""
    import json

    from bnlint.config import Settings
    from bnlint.runner import process_file

    cells = [
        {"cell_type": "code", "metadata": {}, "outputs": [], "source": ["import os\n", "if os.path.exists('repo'):\n", "    %cd repo\n", "else:\n", "    !git pull\n"]},
        {"cell_type": "code", "metadata": {}, "outputs": [], "source": ["import torch.nn as nn\n", "bn = nn.BatchNorm2d(8, momentum=0)\n"]},
    ]
    nb = tmp_path / "tutorial.ipynb"
    nb.write_text(json.dumps({"cells": cells, "metadata": {}, "nbformat": 4, "nbformat_minor": 5}))
    out = process_file(str(nb), Settings())
    assert [(f.code, f.cell, f.line) for f in out.findings] == [("BN002", 2, 2)]


def _notebook(tmp_path, sources):
    import json

    cells = [{"cell_type": "code", "metadata": {}, "outputs": [], "source": src} for src in sources]
    nb = tmp_path / "nb.ipynb"
    nb.write_text(json.dumps({"cells": cells, "metadata": {}, "nbformat": 4, "nbformat_minor": 5}))
    return str(nb)


_BN_INFERENCE_CELL = (
    "import torch\nimport torch.nn as nn\nnet = nn.Sequential(nn.Linear(4, 4), nn.BatchNorm1d(4))\n"
    "net.load_state_dict(torch.load('w.pt'))\nwith torch.no_grad():\n    print(net(torch.load('x.pt')))\n"
)


def test_a_cell_indented_as_a_whole_is_dedented_like_ipython(tmp_path):
    """IPython strips the indentation every line of a cell shares (`leading_indent`): such a cell
    runs, so it is no syntax error, and a finding's column is the one in the cell as written."""
    from bnlint.config import Settings
    from bnlint.runner import process_file

    indented = "".join("  " + line + "\n" for line in _BN_INFERENCE_CELL.splitlines())
    out = process_file(_notebook(tmp_path, [indented]), Settings())
    assert [(f.code, f.cell, f.line, f.column) for f in out.findings] == [("BN001", 1, 6, 13)]


def test_a_cell_that_does_not_parse_is_reported_in_itself_and_the_others_are_analysed(tmp_path):
    """An exercise cell with an empty `def` fails alone when run; the joined text would show its
    error in the next cell and leave the whole notebook unanalysed."""
    from bnlint.config import Settings
    from bnlint.runner import process_file

    exercise = "class Net(nn.Module):\n    def forward(self, x):\n        # your code here\n"
    out = process_file(_notebook(tmp_path, [exercise, _BN_INFERENCE_CELL, "x = = 1\n"]), Settings())
    got = [(f.code, f.cell, f.line) for f in out.findings]
    assert got == [("BN000", 1, 3), ("BN001", 2, 6)]  # one BN000 per notebook ...
    assert "the other cells were analysed" in out.findings[0].message
    assert [(r.cell, r.line) for r in out.findings[0].related] == [(3, 1)]  # ... naming the other cells


def test_async_as_a_name_is_a_syntax_error_but_the_file_is_analysed(tmp_path):
    """`x.cuda(async=True)` (before Python 3.7) is a BN000, and the rest of the file is analysed
    as if `async` were a name; fixes are withheld for a file that does not parse as written."""
    from bnlint.config import Settings
    from bnlint.runner import process_file

    path = tmp_path / "old.py"
    path.write_text(_BN_INFERENCE_CELL.replace("torch.load('x.pt')", "torch.load('x.pt').cuda(async=True)"))
    out = process_file(str(path), Settings(), fix=True, unsafe=True)
    assert sorted((f.code, f.line) for f in out.findings) == [("BN000", 6), ("BN001", 6)]
    assert any("`async`, `await` or `nonlocal` used as a name" in f.message for f in out.findings if f.code == "BN000")
    assert all(f.fix is None for f in out.findings) and out.new_text is None


def test_nonlocal_as_an_attribute_is_a_syntax_error_but_the_file_is_analysed(tmp_path):
    """`self.nonlocal = ...` (Python 2 code) is a BN000, and the rest of the file is analysed with
    `nonlocal` read as a name of the same length, every position kept."""
    from bnlint.config import Settings
    from bnlint.runner import process_file

    path = tmp_path / "old_graph.py"
    path.write_text(
        "import torch\nimport torch.nn as nn\n\n\nclass G(nn.Module):\n    def __init__(self):\n        super().__init__()\n"
        "        self.nonlocal = nn.Sequential(nn.Linear(4, 4), nn.BatchNorm1d(4))\n\n    def forward(self, x):\n"
        "        return self.nonlocal(x)\n\n\nnet = G()\nnet.load_state_dict(torch.load('g.pt'))\n"
        "with torch.no_grad():\n    print(net(torch.load('x.pt')))\n"
    )
    out = process_file(str(path), Settings(), fix=True, unsafe=True)
    assert sorted((f.code, f.line, f.column) for f in out.findings) == [("BN000", 8, 14), ("BN001", 17, 11)]
    assert all(f.fix is None for f in out.findings) and out.new_text is None


def test_python2_statements_read_as_python3_keep_every_position():
    """Each Python 2 spelling becomes Python 3 of the same width: the text parses, and every line
    keeps its number and length (so every finding elsewhere keeps its column)."""
    import ast

    from bnlint.py2 import as_python3

    py2 = (
        "x = 0777 + 10L\nprint \"loss\", x\ntry:\n    pass\nexcept IOError, e:\n    raise ValueError, \"bad\"\n"
        "y = `x`\nif x <> 1: print x,\nprint >>f, \"z\"\nprint\nexec \"code\" in ns\ns = ur\"abc\"\nprint (x)\nprint = 3\n"
        "print \"a\", \\\n    x\n"
    )
    py3 = as_python3(py2)
    ast.parse(py3)
    assert [len(line) for line in py3.split("\n")] == [len(line) for line in py2.split("\n")]
    assert [line.rstrip() for line in py3.split("\n")] == [
        "x =  777 + 10", '_=    "loss", x', "try:", "    pass", "except IOError   :", "    raise ValueError",
        "y = (x)", "if x != 1: _=    x,", "pass", "print", "pass", "s =  r\"abc\"",
        "print (x)", "print = 3", '_=    "a", \\', "    x", "",
    ]
    assert as_python3("print(1)\nx = {'a': 1}\n") is None  # nothing to read differently


def test_python2_file_is_a_syntax_error_but_the_file_is_analysed(tmp_path):
    """A training script with a few Python 2 `print` statements is a BN000, and its model code is
    analysed as Python 3: the BN001 after the prints is found on its own line and column."""
    from bnlint.config import Settings
    from bnlint.runner import process_file

    path = tmp_path / "old.py"
    path.write_text("print 'loading'\n" + _BN_INFERENCE_CELL.replace("with torch.no_grad():", "print 'eval', 1\nwith torch.no_grad():"))
    out = process_file(str(path), Settings(), fix=True, unsafe=True)
    assert sorted((f.code, f.line, f.column) for f in out.findings) == [("BN000", 1, 1), ("BN001", 8, 11)]
    assert any("Python 2 syntax; the rest of the file was analysed" in f.message for f in out.findings if f.code == "BN000")
    assert all(f.fix is None for f in out.findings) and out.new_text is None


def test_calls_inside_python2_print_statements_are_analysed(tmp_path):
    """`print "val", evaluate(net, x)`: the call in the printed tuple still runs (EEGNet's notebook
    evaluated its BatchNorm network only inside Python 2 prints, and the evaluation was lost)."""
    from bnlint.config import Settings
    from bnlint.runner import process_file

    path = tmp_path / "old_eval.py"
    path.write_text(
        "import torch\nimport torch.nn as nn\n\nnet = nn.Sequential(nn.Linear(4, 4), nn.BatchNorm1d(4))\n"
        "opt = torch.optim.Adam(net.parameters())\n\n\ndef evaluate(model, x):\n    with torch.no_grad():\n"
        "        return model(x).mean()\n\n\nfor x in batches:\n    opt.zero_grad()\n    net(x).sum().backward()\n"
        "    opt.step()\n    print \"val\", evaluate(net, x_val)\n"
    )
    out = process_file(str(path), Settings())
    assert sorted((f.code, f.line, f.column) for f in out.findings) == [("BN000", 17, 5), ("BN001", 10, 16)]


def test_python2_notebook_cells_get_one_bn000_and_are_analysed(tmp_path):
    """Cells with Python 2 prints are analysed read as Python 3, not left out: the notebook's one
    BN000 names them, and the finding in one of them is reported."""
    from bnlint.config import Settings
    from bnlint.runner import process_file

    cell2 = _BN_INFERENCE_CELL.replace("with torch.no_grad():", "print 'eval'\nwith torch.no_grad():")
    exercise = "print 'split'\n<split the data here>\n"  # not Python once read as Python 3 either
    out = process_file(_notebook(tmp_path, ["print 'start'\n", cell2, exercise]), Settings())
    got = [(f.code, f.cell, f.line) for f in out.findings]
    assert got == [("BN000", 1, 1), ("BN001", 2, 7)]
    assert [(r.cell, r.line) for r in out.findings[0].related] == [(2, 5), (3, 1)]


def test_python2_project_module_is_read_for_its_definitions(tmp_path):
    """A model class in a project module with Python 2 prints still holds BatchNorm for the
    file that imports it (the index reads it as Python 3)."""
    from bnlint.config import Settings
    from bnlint.runner import process_file

    (tmp_path / "net.py").write_text(
        "import torch.nn as nn\nclass Net(nn.Module):\n    def __init__(self):\n        super(Net, self).__init__()\n"
        "        print 'building'\n        self.bn = nn.BatchNorm1d(4)\n    def forward(self, x):\n        return self.bn(x)\n"
    )
    path = tmp_path / "infer.py"
    path.write_text("import torch\nfrom net import Net\nnet = Net()\nnet.load_state_dict(torch.load('w.pt'))\nwith torch.no_grad():\n    print(net(torch.load('x.pt')))\n")
    out = process_file(str(path), Settings())
    assert [(f.code, f.line) for f in out.findings] == [("BN001", 6)]


def test_a_timed_statement_is_analysed(tmp_path):
    """`%time train(model)` runs `train(model)`: the statement is analysed (read as `if 1: ...`,
    same columns); a timing magic with options, or before a compound statement, is skipped."""
    from bnlint.sources import join_cells

    text, _ = join_cells([(1, "%time fit(model, loader)\n%timeit -n 3 f()\n%time for x in y: f(x)\n%timeit g(\n  1)\nfor e in range(3):\n    %time fit(model, loader)\n")])
    assert text.splitlines() == [
        "if 1: fit(model, loader)", "pass  # %timeit -n 3 f()", "pass  # %time for x in y: f(x)", "if 1:   g(", "  1)", "for e in range(3):", "    if 1: fit(model, loader)",
    ]
    from bnlint.config import Settings
    from bnlint.runner import process_file

    timed = _BN_INFERENCE_CELL.replace("with torch.no_grad():\n    print(net(torch.load('x.pt')))\n", "%time preds = net(torch.load('x.pt'))\n")
    out = process_file(_notebook(tmp_path, [timed]), Settings())
    assert [(f.code, f.line, f.column) for f in out.findings] == [("BN001", 5, 15)]


def test_a_shell_line_continued_with_backslashes_is_one_line():
    """`!python main.py \\` goes on over the next lines: they are shell too, not indented Python."""
    from bnlint.sources import join_cells

    text, _ = join_cells([(1, "!python main.py --data x\\\n  --epochs 10\\\n  --out y\nprint(1)\n")])
    assert text.splitlines() == ["pass  # !python main.py --data x\\", "  # --epochs 10\\", "  # --out y", "print(1)"]
    import ast

    ast.parse(text)


def test_automagic_lines_are_ipython_not_python():
    """IPython runs `pip install x` or `cd data` (a line magic without its `%`, automagic is on by
    default): such a line is no syntax error; a line that is Python (`pip = 3`, `ls - la`) stays."""
    import ast

    from bnlint.sources import join_cells

    text, _ = join_cells([(1, "pip install torchviz\ncd ../data\ncd 'Colab Notebooks'\nmatplotlib inline\npip = 3\nls(x)\nls \"a\" in b\nx = 1\n")])
    assert text.splitlines() == [
        "pass  # pip install torchviz", "pass  # cd ../data", "pass  # cd 'Colab Notebooks'", "pass  # matplotlib inline",
        "pip = 3", "ls(x)", "pass  # ls \"a\" in b", "x = 1",
    ]
    ast.parse(text)


def test_a_statement_starting_with_a_magic_name_stays_python():
    """`config = ConfigDict(` opens a statement over several lines: Python, not `%config`."""
    from bnlint.sources import join_cells

    cell = "config = ConfigDict(\n    dict(a=1)\n)\nhistory = []\n"
    text, _ = join_cells([(1, cell)])
    assert text == cell.rstrip("\n") or text.splitlines() == cell.splitlines()


def _notebook_with_language(tmp_path, name, metadata, cells):
    import json

    path = tmp_path / name
    path.write_text(json.dumps({
        "nbformat": 4, "nbformat_minor": 5, "metadata": metadata,
        "cells": [{"cell_type": "code", "metadata": {}, "execution_count": None, "outputs": [], "source": c} for c in cells],
    }))
    return str(path)


def test_a_notebook_of_another_language_is_skipped_with_a_note(tmp_path, capsys):
    """A Swift (or R, Julia) notebook is no Python: every cell would be a BN000. It is skipped, and
    the run says so on stderr; its exit code is that of the other files."""
    from bnlint.cli import main

    swift = _notebook_with_language(
        tmp_path, "optimizer.ipynb", {"kernelspec": {"name": "swift", "language": "swift", "display_name": "Swift"}},
        ["let x: Int = 1\n", "var layers: [Layer] = []\n"],
    )
    python = _notebook_with_language(tmp_path, "infer.ipynb", {"kernelspec": {"name": "python3", "language": "python"}}, [_BN_INFERENCE_CELL])
    rc = main(["--no-cache", "--output-format", "concise", swift, python])
    out, err = capsys.readouterr()
    assert rc == 1
    assert "infer.ipynb" in out and "BN001" in out
    assert "optimizer.ipynb" not in out and "BN000" not in out
    assert f"{swift}: a `swift` notebook" in err and "not analysed" in err


def test_a_notebook_language_comes_from_language_info_when_the_kernelspec_has_none(tmp_path):
    from bnlint.config import Settings
    from bnlint.runner import process_file

    r = _notebook_with_language(tmp_path, "stats.ipynb", {"language_info": {"name": "R"}}, ["x <- c(1, 2)\n"])
    out = process_file(r, Settings())
    assert out.findings == [] and out.notes == [f"{r}: a `R` notebook (the language its metadata names for the kernel), not Python: not analysed"]
    # No language recorded (an old or hand-written notebook): Python, as before.
    bare = _notebook_with_language(tmp_path, "bare.ipynb", {}, [_BN_INFERENCE_CELL])
    assert [f.code for f in process_file(bare, Settings()).findings] == ["BN001"]
