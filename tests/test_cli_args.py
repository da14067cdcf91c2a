"""`bnlint [check]` reads ordinary command lines without argparse; the result must be exactly
what argparse (``parse_intermixed_args``) gives, and anything else must go to argparse."""
import random

import pytest

from bnlint.cli import CHECK_OPTIONS, FORMATS, _parse_simple, check_parser, parse_check_args

from conftest import run_bnlint


def argparse_result(argv):
    try:
        return vars(check_parser().parse_intermixed_args(list(argv)))
    except SystemExit:
        return "error"


def test_the_table_is_the_parser():
    """Every option argparse knows is in CHECK_OPTIONS with the same spellings and defaults."""
    parser = check_parser()
    actions = {a.dest: a for a in parser._actions if a.dest not in ("help", "version", "paths")}
    table = {dest: flags for flags, dest, _, _ in CHECK_OPTIONS}
    assert set(actions) == set(table)
    for dest, action in actions.items():
        assert tuple(action.option_strings) == table[dest], dest
    assert vars(parse_check_args([])) == argparse_result([])


VALUES = {"append": ["BN001", "BN0", "ALL,BN002", "", "a=b"], "value": ["x.toml", "out dir", ""], "int": ["2", "0", "x", "1.5", ""], "choice": list(FORMATS) + ["xml", ""]}
ODD = ["--", "-", "-qj2", "-j2", "--no-c", "--sel", "-h", "--help", "--version", "-1", "--jobs=-1", "--select=-x", "--isolated=yes", "--bogus", "-x"]
PATHS = ["a.py", "src/", "b c.py", "", "-"]


def random_argv(rng):
    argv = []
    for _ in range(rng.randint(0, 6)):
        roll = rng.random()
        if roll < 0.3:
            argv.append(rng.choice(PATHS))
        elif roll < 0.4:
            argv.append(rng.choice(ODD))
        else:
            flags, _, kind, _ = rng.choice(CHECK_OPTIONS)
            flag = rng.choice(flags)
            if kind in VALUES:
                value = rng.choice(VALUES[kind])
                if flag.startswith("--") and rng.random() < 0.4:
                    argv.append(f"{flag}={value}")
                elif rng.random() < 0.95:
                    argv += [flag, value]
                else:
                    argv.append(flag)  # the value is missing (or is the next option)
            else:
                argv.append(flag)
    return argv


def test_simple_reading_agrees_with_argparse(capsys):
    rng = random.Random(20261124)
    fast_hits = 0
    for _ in range(3000):
        argv = random_argv(rng)
        fast = _parse_simple(argv)
        if fast is None:
            continue  # argparse decides
        fast_hits += 1
        want = argparse_result(argv)
        assert want != "error", f"{argv}: read as {fast}, argparse refuses it"
        assert vars(fast) == want, argv
    capsys.readouterr()  # argparse's usage messages
    assert fast_hits > 1000, "ordinary command lines must take the fast path"


@pytest.mark.parametrize(
    "argv",
    [
        ["src/", "--select", "BN001", "tests/"],
        ["--no-cache", "a.py", "-q", "b.py", "--format=json", "--jobs", "2"],
        ["--select=BN001,BN002", "--select", "BN005", "--no-respect-gitignore", "--show-source"],
        ["-", "--stdin-filename", "train.py"],
    ],
)
def test_ordinary_command_lines_are_read_without_argparse(argv):
    fast = _parse_simple(argv)
    assert fast is not None and vars(fast) == argparse_result(argv)


@pytest.mark.parametrize("argv", [["--no-c", "a.py"], ["--jobs", "-1"], ["-qj2"], ["--", "-weird.py"], ["--format", "xml"], ["--select"]])
def test_the_rest_goes_to_argparse(argv):
    assert _parse_simple(argv) is None


def test_paths_around_options_are_all_linted(tmp_path):
    """ruff accepts `ruff check a.py --no-cache b.py`; argparse's parse_args did not (it stopped
    at the first group of paths and refused the second)."""
    (tmp_path / "a.py").write_text("import torch.nn as nn\nbn = nn.BatchNorm2d(8, momentum=0)\n")
    (tmp_path / "b.py").write_text("import torch.nn as nn\nbn = nn.BatchNorm1d(8, momentum=0.0)\n")
    for argv in (["a.py", "--no-cache", "b.py"], ["a.py", "--no-c", "b.py"]):  # the fast reading, and argparse's
        r = run_bnlint("--isolated", "--format", "concise", *argv, cwd=str(tmp_path))
        assert r.returncode == 1, r.stderr
        assert "a.py:2" in r.stdout and "b.py:2" in r.stdout, r.stdout
