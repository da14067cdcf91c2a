"""`--fix` and `--diff` on Jupyter notebooks, and the JSON splicing behind them.

A notebook is written back byte for byte as it was outside the edited cells' `source` values:
outputs, metadata, key order, indentation, escapes and line endings kept. A fix that cannot be
moved into its cell exactly (a cell indented as a whole, a line IPython syntax rewrote) is not
offered; the finding stays.
"""
import json

from conftest import run_bnlint

from bnlint.notebooks import source_spans, with_cell_sources

SETUP = ["%matplotlib inline\n", "import torch\n", "import torch.nn as nn\n", "model = nn.Sequential(nn.Conv2d(3, 8, 3), nn.BatchNorm2d(8))\n", "opt = torch.optim.SGD(model.parameters(), lr=0.1)"]
TRAIN = ["for x, y in train_loader:\n", "    opt.zero_grad()\n", "    model(x).sum().backward()\n", "    opt.step()"]
EVAL = ["with torch.no_grad():\n", "    for x, y in val_loader:\n", "        out = model(x)\n"]


def notebook(eval_source, ensure_ascii=False, newline="\n"):
    cells = [
        {"cell_type": "markdown", "metadata": {}, "source": ["# Träning\n", "see `model.eval()`"]},
        {"cell_type": "code", "execution_count": 1, "metadata": {"tags": ["setup"]}, "outputs": [{"name": "stdout", "output_type": "stream", "text": ["ok ✓\n"]}], "source": SETUP},
        {"cell_type": "code", "execution_count": 2, "metadata": {}, "outputs": [], "source": TRAIN},
        {"cell_type": "code", "execution_count": 3, "metadata": {"collapsed": False}, "outputs": [], "source": eval_source},
    ]
    nb = {"cells": cells, "metadata": {"kernelspec": {"display_name": "Python 3", "name": "python3"}}, "nbformat": 4, "nbformat_minor": 5}
    return (json.dumps(nb, indent=1, sort_keys=True, ensure_ascii=ensure_ascii) + "\n").replace("\n", newline)


def _outside_source(raw, number):
    start, end = source_spans(raw)[number]
    return raw[:start], raw[end:]


def test_fix_edits_only_the_cell_source_and_is_idempotent(tmp_path):
    p = tmp_path / "train.ipynb"
    before = notebook(EVAL)
    p.write_bytes(before.encode("utf-8"))
    r = run_bnlint("check", "--fix", "--unsafe-fixes", "--no-cache", str(p), cwd=str(tmp_path))
    assert r.returncode == 0, r.stdout + r.stderr
    assert "Fixed 1 error" in r.stdout
    after = p.read_bytes().decode("utf-8")
    assert json.loads(after)["cells"][3]["source"] == ["model.eval()\n"] + EVAL  # nbformat's list of lines
    assert _outside_source(after, 4) == _outside_source(before, 4)
    assert after.replace('    "model.eval()\\n",\n', "", 1) == before  # one new list element, in the list's own layout
    again = run_bnlint("check", "--fix", "--unsafe-fixes", "--no-cache", str(p), cwd=str(tmp_path))
    assert again.returncode == 0 and "All checks passed" in again.stdout
    assert p.read_bytes().decode("utf-8") == after


def test_fix_keeps_crlf_ascii_escapes_and_string_sources(tmp_path):
    p = tmp_path / "train.ipynb"
    before = notebook("".join(EVAL), ensure_ascii=True, newline="\r\n")
    p.write_bytes(before.encode("ascii"))
    r = run_bnlint("check", "--fix", "--unsafe-fixes", "--no-cache", str(p), cwd=str(tmp_path))
    assert r.returncode == 0, r.stdout + r.stderr
    after = p.read_bytes().decode("ascii")
    assert "\\u00e4" in after and "\\u2713" in after  # the escapes stay escapes
    assert after.count("\r\n") == before.count("\r\n") and "\n" not in after.replace("\r\n", "")
    assert _outside_source(after, 4) == _outside_source(before, 4)
    assert json.loads(after)["cells"][3]["source"] == "model.eval()\n" + "".join(EVAL)  # still one string


def test_notebook_with_a_byte_order_mark_is_read_and_fixed_with_it_kept(tmp_path):
    # Some Windows tools save notebooks with a UTF-8 BOM; JSON readers that reject it would
    # make the notebook a BN000 "not a valid notebook" and hide its findings.
    p = tmp_path / "train.ipynb"
    before = b"\xef\xbb\xbf" + notebook(EVAL).encode("utf-8")
    p.write_bytes(before)
    r = run_bnlint("check", "--no-cache", "--output-format", "json", str(p), cwd=str(tmp_path))
    (finding,) = json.loads(r.stdout)
    assert (finding["code"], finding["cell"], finding["line"]) == ("BN001", 4, 3)
    r = run_bnlint("check", "--fix", "--unsafe-fixes", "--no-cache", str(p), cwd=str(tmp_path))
    assert r.returncode == 0 and "Fixed 1 error" in r.stdout, r.stdout + r.stderr
    after = p.read_bytes()
    assert after.startswith(b"\xef\xbb\xbf") and not after.startswith(b"\xef\xbb\xbf" * 2)
    assert json.loads(after.decode("utf-8-sig"))["cells"][3]["source"] == ["model.eval()\n"] + EVAL


def test_plain_check_and_plain_fix_leave_the_notebook_alone(tmp_path):
    p = tmp_path / "train.ipynb"
    before = notebook(EVAL).encode("utf-8")
    p.write_bytes(before)
    r = run_bnlint("check", "--no-cache", "--output-format", "json", str(p), cwd=str(tmp_path))
    (finding,) = json.loads(r.stdout)
    assert (finding["code"], finding["cell"], finding["line"]) == ("BN001", 4, 3)
    # The fix is reported in the cell's own coordinates: insert at the top of cell 4.
    (edit,) = finding["fix"]["edits"]
    assert (edit["location"]["line"], edit["location"]["column"], edit["content"]) == (1, 1, "model.eval()\n")
    r = run_bnlint("check", "--fix", "--no-cache", str(p), cwd=str(tmp_path))  # the BN001 fix is unsafe
    assert r.returncode == 1 and "hidden fix" in r.stdout + r.stderr
    assert p.read_bytes() == before


def test_diff_shows_the_cell_and_writes_nothing(tmp_path):
    p = tmp_path / "train.ipynb"
    before = notebook(EVAL).encode("utf-8")
    p.write_bytes(before)
    r = run_bnlint("check", "--diff", "--unsafe-fixes", "--no-cache", "train.ipynb", cwd=str(tmp_path))
    assert r.returncode == 1, r.stdout + r.stderr
    assert r.stdout.splitlines()[:4] == ["--- a/train.ipynb:cell 4", "+++ b/train.ipynb:cell 4", "@@ -1,3 +1,4 @@", "+model.eval()"]
    assert "Would fix 1 error in 1 file" in r.stderr
    assert p.read_bytes() == before


def test_cell_indented_as_a_whole_gets_no_fix(tmp_path):
    p = tmp_path / "train.ipynb"
    before = notebook(["  " + line for line in EVAL]).encode("utf-8")
    p.write_bytes(before)
    r = run_bnlint("check", "--no-cache", "--output-format", "json", str(p), cwd=str(tmp_path))
    (finding,) = json.loads(r.stdout)
    assert finding["code"] == "BN001" and finding["fix"] is None and finding["column"] == 17
    r = run_bnlint("check", "--fix", "--unsafe-fixes", "--no-cache", str(p), cwd=str(tmp_path))
    assert r.returncode == 1 and "BN001" in r.stdout
    assert p.read_bytes() == before


def test_with_cell_sources_reencodes_in_the_files_style():
    raw = '{"cells": [{"source": []}, {"source": "a\\n"}, {"source": ["x = \\"\\u00e9\\"\\n", "y\\n"]}], "nbformat": 4}'
    out = with_cell_sources(raw, {1: "p\nq", 3: 'x = "é"\nz\ny\n'})
    data = json.loads(out)
    assert data["cells"][0]["source"] == ["p\n", "q"]
    assert data["cells"][1]["source"] == "a\n" and '{"source": "a\\n"}' in out  # untouched cell, same bytes
    assert data["cells"][2]["source"] == ['x = "é"\n', "z\n", "y\n"]
    assert '"x = \\"\\u00e9\\"\\n"' in out  # an unchanged line keeps its escape
    assert with_cell_sources(raw, {9: "x"}) is None  # no such cell: nothing is guessed
    assert with_cell_sources("not json", {1: "x"}) is None


def test_add_noqa_comments_the_cell_line_and_keeps_the_rest(tmp_path):
    p = tmp_path / "train.ipynb"
    before = notebook(EVAL)
    p.write_bytes(before.encode("utf-8"))
    r = run_bnlint("check", "--add-noqa", "--no-cache", str(p), cwd=str(tmp_path))
    assert r.returncode == 0 and "Added 1 noqa directive" in r.stdout, r.stdout + r.stderr
    after = p.read_bytes().decode("utf-8")
    assert json.loads(after)["cells"][3]["source"][2] == "        out = model(x)  # noqa: BN001\n"
    assert _outside_source(after, 4) == _outside_source(before, 4)
    again = run_bnlint("check", "--no-cache", str(p), cwd=str(tmp_path))
    assert again.returncode == 0 and "All checks passed" in again.stdout
