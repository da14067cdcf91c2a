"""`# noqa`, `# bnlint: ignore[...]`, `# bnlint: skip-file`, and `--add-noqa`."""
import textwrap

import pytest

from bnlint.config import Settings
from bnlint.engine import lint_source
from conftest import run_bnlint


def codes(source):
    return [(f.line, f.code) for f in lint_source(textwrap.dedent(source), "t.py", Settings()).findings]


HEAD = "import torch.nn as nn\n"


@pytest.mark.parametrize(
    "line",
    [
        "bn = nn.BatchNorm2d(64, momentum=0)  # noqa",
        "bn = nn.BatchNorm2d(64, momentum=0)  # noqa: BN002",
        "bn = nn.BatchNorm2d(64, momentum=0)  # noqa:BN001,BN002",
        "bn = nn.BatchNorm2d(64, momentum=0)  # NOQA: BN002",
        "bn = nn.BatchNorm2d(64, momentum=0)  # bnlint: ignore[BN002]",
        "bn = nn.BatchNorm2d(64, momentum=0)  # bnlint: ignore[momentum-zero-freeze]",
        "bn = nn.BatchNorm2d(64, momentum=0)  # bnlint: ignore",
    ],
)
def test_same_line_suppressions(line):
    assert codes(HEAD + line + "\n") == []


@pytest.mark.parametrize(
    "line",
    [
        "bn = nn.BatchNorm2d(64, momentum=0)  # noqa: BN001",
        "bn = nn.BatchNorm2d(64, momentum=0)  # bnlint: ignore[BN003]",
        "bn = nn.BatchNorm2d(64, momentum=0)  # not a noqa comment",
        'bn = nn.BatchNorm2d(64, momentum=0); s = "# noqa"',
    ],
)
def test_other_codes_do_not_suppress(line):
    assert codes(HEAD + line + "\n") == [(2, "BN002")]


def test_ignore_on_line_above_multiline_statement():
    src = HEAD + "# bnlint: ignore[BN002]\nbn = nn.BatchNorm2d(\n    64,\n    momentum=0,\n)\n"
    assert codes(src) == []


def test_noqa_at_end_of_multiline_statement():
    src = HEAD + "bn = nn.BatchNorm2d(\n    64,\n    momentum=0,\n)  # noqa: BN002\n"
    assert codes(src) == []


def test_ignore_above_does_not_leak_to_next_statement():
    src = HEAD + "# bnlint: ignore[BN002]\nx = 1\nbn = nn.BatchNorm2d(64, momentum=0)\n"
    assert codes(src) == [(4, "BN002")]


def test_skip_file():
    src = "# bnlint: skip-file\n" + HEAD + "bn = nn.BatchNorm2d(64, momentum=0)\n"
    assert codes(src) == []


def test_skip_file_inside_string_does_not_skip():
    src = HEAD + 's = """\n# bnlint: skip-file\n"""\nbn = nn.BatchNorm2d(64, momentum=0)\n'
    assert codes(src) == [(5, "BN002")]


def test_add_noqa_then_clean(tmp_path):
    p = tmp_path / "train.py"
    p.write_text(HEAD + "bn = nn.BatchNorm2d(64, momentum=0)\nbn2 = nn.BatchNorm2d(\n    64, momentum=0\n)\n")
    r = run_bnlint("--isolated", "--add-noqa", "train.py", cwd=str(tmp_path))
    assert r.returncode == 0, r.stderr
    assert "Added 2 noqa directives" in r.stdout
    text = p.read_text()
    assert "bn = nn.BatchNorm2d(64, momentum=0)  # noqa: BN002\n" in text
    assert ")  # noqa: BN002\n" in text
    assert run_bnlint("--isolated", "train.py", cwd=str(tmp_path)).returncode == 0
    # Running it again adds nothing.
    r = run_bnlint("--isolated", "--add-noqa", "train.py", cwd=str(tmp_path))
    assert "Added 0 noqa directives" in r.stdout


def test_add_noqa_extends_existing_codes():
    from bnlint.suppress import add_noqa

    out = add_noqa("x = 1  # noqa: BN001\ny = 2  # noqa\n", {1: {"BN002"}, 2: {"BN002"}})
    assert out == "x = 1  # noqa: BN001, BN002\ny = 2  # noqa\n"
