"""Bad input never produces a traceback: a clear message naming the file, and the run goes on."""
import json
import os
import sys

import pytest

from conftest import run_bnlint

BUGGY = "import torch.nn as nn\nbn = nn.BatchNorm2d(64, momentum=0)\n"


def lint_json(tmp_path, *args):
    r = run_bnlint("--isolated", "--no-cache", "--format", "json", *args, cwd=str(tmp_path))
    assert "Traceback" not in r.stderr, r.stderr
    return r, (json.loads(r.stdout) if r.stdout.strip() else [])


def test_syntax_error_is_bn000_and_others_still_linted(tmp_path):
    (tmp_path / "broken.py").write_text("import torch.nn as nn\ndef f(:\n    pass\nbn = nn.BatchNorm2d(1, momentum=0)\n")
    (tmp_path / "good.py").write_text(BUGGY)
    r, data = lint_json(tmp_path)
    assert r.returncode == 1
    by_path = {(f["path"], f["code"]) for f in data}
    assert ("good.py", "BN002") in by_path
    err = next(f for f in data if f["path"] == "broken.py")
    assert err["code"] == "BN000" and err["line"] == 2 and "syntax error" in err["message"]


def test_python2_file_whose_repair_does_not_parse_gets_one_bn000(tmp_path):
    # A Python 2 file (`print "..."`) that also mixes tabs and spaces: reading it as Python 3
    # does not get past the tab error, so one BN000, without the note that the rest was analysed.
    source = (
        "import torch.nn as nn\n\n\ndef make(kind):\n    if kind == 'a':\n        opt = 1\n"
        "    elif kind == 'b':\n\topt = 2\n    return opt\n\n\n"
        "net = nn.Sequential(nn.Linear(2, 2), nn.BatchNorm1d(2, momentum=0))\nprint \"built\", make('a')\n"
    )
    (tmp_path / "old_style.py").write_text(source)
    r, data = lint_json(tmp_path)
    errors = [f for f in data if f["code"] == "BN000"]
    assert [(f["line"], f["column"]) for f in errors] == [(8, 1)], errors
    assert "analysed" not in errors[0]["message"] and "inconsistent use of tabs" in errors[0]["message"]


def test_syntax_error_text_output(tmp_path):
    # A file that cannot produce a finding is never parsed (the prefilter), so use one that can.
    (tmp_path / "broken.py").write_text("import torch.nn as nn\nbn = nn.BatchNorm2d(1, momentum=0)\nx = (\n")
    r = run_bnlint("--isolated", "broken.py", cwd=str(tmp_path))
    assert r.returncode == 1
    assert r.stdout.startswith("broken.py:") and "BN000" in r.stdout and "syntax error" in r.stdout


def test_non_utf8_without_cookie(tmp_path):
    (tmp_path / "latin.py").write_bytes(b"# caf\xe9\nimport torch.nn as nn\nbn = nn.BatchNorm2d(1, momentum=0)\n")
    (tmp_path / "good.py").write_text(BUGGY)
    r, data = lint_json(tmp_path)
    bad = [f for f in data if f["path"] == "latin.py"]
    assert bad and bad[0]["code"] == "BN000" and "decode" in bad[0]["message"]
    assert any(f["path"] == "good.py" for f in data)


def test_pep263_cookie_is_honoured(tmp_path):
    (tmp_path / "latin.py").write_bytes(b"# -*- coding: latin-1 -*-\n# caf\xe9\nimport torch.nn as nn\nbn = nn.BatchNorm2d(1, momentum=0)\n")
    r, data = lint_json(tmp_path)
    assert [(f["code"], f["line"]) for f in data] == [("BN002", 4)]


def test_utf8_bom_and_crlf(tmp_path):
    (tmp_path / "bom.py").write_bytes(b"\xef\xbb\xbfimport torch.nn as nn\r\nbn = nn.BatchNorm2d(1, momentum=0)\r\n")
    r, data = lint_json(tmp_path)
    assert [(f["code"], f["line"]) for f in data] == [("BN002", 2)]


def test_empty_file(tmp_path):
    (tmp_path / "empty.py").write_text("")
    r, data = lint_json(tmp_path)
    assert r.returncode == 0 and data == []


def test_binary_file_with_py_name(tmp_path):
    (tmp_path / "blob.py").write_bytes(b"\x00\x01\x02BatchNorm momentum\xff\xfe" * 100)
    (tmp_path / "good.py").write_text(BUGGY)
    r, data = lint_json(tmp_path)
    bad = [f for f in data if f["path"] == "blob.py"]
    assert bad and "binary" in bad[0]["message"]
    assert any(f["path"] == "good.py" for f in data)


def test_huge_generated_file_is_skipped_with_message(tmp_path):
    big = "import torch.nn as nn\n" + "x = nn.BatchNorm2d(1, momentum=0.1)\n" * 80000
    (tmp_path / "generated.py").write_text(big)
    r, data = lint_json(tmp_path)
    assert [f["code"] for f in data] == ["BN000"]
    assert "max-file-size" in data[0]["message"]


@pytest.mark.skipif(os.geteuid() == 0 if hasattr(os, "geteuid") else True, reason="root can read everything")
def test_unreadable_directory(tmp_path):  # pragma: no cover - CI runs as root
    d = tmp_path / "secret"
    d.mkdir()
    (d / "a.py").write_text(BUGGY)
    d.chmod(0)
    try:
        r = run_bnlint("--isolated", cwd=str(tmp_path))
        assert "secret" in r.stderr and "Traceback" not in r.stderr
    finally:
        d.chmod(0o755)


def test_unreadable_directory_via_walk_error(tmp_path, monkeypatch):
    """Root can read anything, so simulate the permission error of listing one folder in-process."""
    from bnlint import discovery
    from bnlint.config import Settings

    (tmp_path / "a.py").write_text(BUGGY)
    (tmp_path / "secret").mkdir()
    (tmp_path / "secret" / "b.py").write_text(BUGGY)
    real_scandir = os.scandir

    def scandir(path):
        if os.path.basename(path) == "secret":
            raise PermissionError(13, "Permission denied", str(path))
        return real_scandir(path)

    monkeypatch.setattr(discovery.os, "scandir", scandir)
    s = Settings()
    s.respect_gitignore = False
    found = discovery.discover([str(tmp_path)], s)
    assert any("secret" in w and "Permission denied" in w for w in found.warnings)
    assert [os.path.basename(f) for f in found.files] == ["a.py"]


def test_deeply_nested_expression_does_not_crash(tmp_path):
    (tmp_path / "deep.py").write_text("import torch.nn as nn\nx = " + "(" * 300 + "1" + ")" * 300 + "\nbn = nn.BatchNorm2d(1, momentum=0)\n")
    r = run_bnlint("--isolated", "--no-cache", "deep.py", cwd=str(tmp_path))
    assert "Traceback" not in r.stderr
    assert r.returncode in (1, 2)
    assert "deep.py" in (r.stdout + r.stderr)


def test_notebook(tmp_path):
    nb = {
        "cells": [
            {"cell_type": "markdown", "source": ["# Title"]},
            {"cell_type": "code", "source": ["%matplotlib inline\n", "import torch.nn as nn\n"]},
            {"cell_type": "code", "source": ["!pip install torch\n", "bn = nn.BatchNorm2d(64, momentum=0)\n"]},
        ],
        "metadata": {},
        "nbformat": 4,
        "nbformat_minor": 5,
    }
    (tmp_path / "nb.ipynb").write_text(json.dumps(nb))
    r = run_bnlint("--isolated", "--no-cache", "nb.ipynb", cwd=str(tmp_path))
    assert r.returncode == 1
    assert r.stdout.startswith("nb.ipynb:cell 3:2:25: BN002")
    r, data = lint_json(tmp_path, "nb.ipynb")
    assert data[0]["cell"] == 3 and data[0]["line"] == 2


def test_invalid_notebook(tmp_path):
    (tmp_path / "bad.ipynb").write_text("{not json")
    r, data = lint_json(tmp_path, "bad.ipynb")
    assert data[0]["code"] == "BN000" and "notebook" in data[0]["message"]


def _notebook(*cells, outputs=None):
    return json.dumps({
        "cells": [{"cell_type": "code", "source": list(c), "outputs": outputs or [], "metadata": {}} for c in cells],
        "metadata": {}, "nbformat": 4, "nbformat_minor": 5,
    })


def test_notebook_percent_that_continues_an_expression_is_python(tmp_path):
    """Only a `%` (or `!`, `?`) that starts a statement is IPython's: `print("%d"\\n % n)` is Python."""
    (tmp_path / "nb.ipynb").write_text(_notebook(
        ["import torch.nn as nn\n", "files = !ls\n", "nn.BatchNorm2d?\n"],
        ["for n in range(3):\n", "    print('step %03d'\n", "          %(n))\n", "    %time x = 1\n", "s = '''\n", "%not a magic\n", "'''\n"],
        ["bn = nn.BatchNorm2d(8, momentum=0)\n"],
    ))
    r, data = lint_json(tmp_path, "nb.ipynb")
    assert [(f["code"], f["cell"], f["line"]) for f in data] == [("BN002", 3, 1)], data


def test_notebook_outputs_do_not_count_against_max_file_size(tmp_path):
    """A notebook's plots (base64 in its JSON) can make the file large; the limit is on its code."""
    image = {"output_type": "display_data", "data": {"image/png": "A" * 3_000_000}, "metadata": {}}
    (tmp_path / "plots.ipynb").write_text(_notebook(["import torch.nn as nn\n", "bn = nn.BatchNorm2d(8, momentum=0)\n"], outputs=[image]))
    r, data = lint_json(tmp_path, "plots.ipynb")
    assert [f["code"] for f in data] == ["BN002"], data
    code = ["import torch.nn as nn\n"] + [f"x{i} = {i}  # padding\n" for i in range(120_000)]
    (tmp_path / "huge.ipynb").write_text(_notebook(code))
    r, data = lint_json(tmp_path, "huge.ipynb")
    assert data[0]["code"] == "BN000" and "code cells" in data[0]["message"], data


@pytest.mark.skipif(sys.version_info >= (3, 12), reason="Python 3.12 reads PEP 701 f-strings")
def test_a_newer_f_string_gets_a_hint_about_the_python_version(tmp_path):
    """An f-string that breaks a line inside `{}` is valid from Python 3.12 on: on an older
    interpreter the syntax error says so (the file is fine, the interpreter is old)."""
    (tmp_path / "train.py").write_text(BUGGY + 'loss = 0.5\nprint(\n    f"loss: {\n        loss:.4f}")\n')
    r, data = lint_json(tmp_path)
    (error,) = [f for f in data if f["code"] == "BN000"]
    assert error["line"] == 5 and "Python 3.12" in error["message"] and f"{sys.version_info[0]}.{sys.version_info[1]}" in error["message"]


def test_an_unclosed_call_beside_an_f_string_gets_no_python_version_hint(tmp_path):
    """`os.path.join(root + f"{n:04d}"` never closed: the f-string is valid on every Python
    bnlint supports, so the message names the parenthesis and says nothing of Python 3.12."""
    (tmp_path / "train.py").write_text(BUGGY + 'import os\nfor n in range(3):\n    p = os.path.join("root", f"{n:04d}" + ".off"\n    print(p)\n')
    r, data = lint_json(tmp_path)
    (error,) = [f for f in data if f["code"] == "BN000"]
    assert "was never closed" in error["message"] and "3.12" not in error["message"], error
