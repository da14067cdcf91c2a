"""What `--fix` and `--add-noqa` write, and which files a run reads (issue: nothing lost, nothing corrupted).

Each test here failed before the change it guards: fixes that re-applied themselves, writes that
lost concurrent edits, reset modes, replaced links or rewrote line endings, counts that lied,
FIFOs that hung the run, and excludes that matched folders above the named path.
"""
import glob
import os
import stat
import subprocess
import sys
import textwrap

import pytest

from bnlint import runner
from bnlint.config import Settings
from bnlint.fixes import split_lines
from conftest import FIXTURES, run_bnlint

# BN001 with an unsafe fix (`model.eval()` inserted before the no-grad block) on line 9.
BUGGY = textwrap.dedent(
    """\
    import torch
    import torch.nn as nn

    model = nn.Sequential(nn.Linear(4, 4), nn.BatchNorm1d(4))
    x = torch.load("batch.pt")
    print("ready")

    with torch.no_grad():
        y = model(x)
    """
)
FIXED = BUGGY.replace("with torch.no_grad():", "model.eval()\nwith torch.no_grad():")


def _settings():
    s = Settings()
    s.respect_gitignore = False
    return s


def _all_fixture_files():
    return sorted(p for p in glob.glob(os.path.join(FIXTURES, "**", "*.py"), recursive=True))


# --- 1. a fix removes its own finding, and a second round changes nothing -------------------------


@pytest.mark.parametrize("path", _all_fixture_files(), ids=lambda p: os.path.relpath(p, FIXTURES))
def test_every_fixture_fix_is_idempotent_and_removes_its_finding(path, tmp_path):
    copy = tmp_path / os.path.basename(path)
    copy.write_bytes(open(path, "rb").read())
    first = runner.process_file(str(copy), _settings(), fix=True, unsafe=True, write=True)
    assert not first.internal_errors, first.internal_errors
    assert not first.notes, first.notes  # no fix left its own finding in place
    once = copy.read_bytes()
    # The rules, run again on the result, find nothing that a fix was offered for.
    again = runner.process_file(str(copy), _settings(), fix=True, unsafe=True, write=True)
    assert copy.read_bytes() == once
    assert again.fixed_count == 0 and not again.notes
    assert [f for f in again.findings if f.fix is not None] == []


def test_bn001_fix_goes_after_the_binding_of_the_model(tmp_path):
    src = os.path.join(FIXTURES, "bn001", "positive_module_level_partial_norm.py")
    copy = tmp_path / "partial.py"
    copy.write_bytes(open(src, "rb").read())
    out = runner.process_file(str(copy), _settings(), fix=True, unsafe=True, write=True)
    text = copy.read_text()
    assert text.count("stem.eval()") == 1
    lines = text.splitlines()
    assert lines.index("    stem.eval()") > lines.index("    stem = Stem()")
    assert out.fixed_count == 1 and [f.code for f in out.findings] == []


def test_fix_never_inserted_where_the_name_is_bound_later_in_the_same_block(tmp_path):
    p = tmp_path / "loop.py"
    p.write_text(
        textwrap.dedent(
            """\
            import torch
            import torch.nn as nn


            @torch.no_grad()
            def score(loader):
                for x in loader:
                    net = nn.Sequential(nn.Linear(4, 4), nn.BatchNorm1d(4))
                    print(net(x))
            """
        )
    )
    runner.process_file(str(p), _settings(), fix=True, unsafe=True, write=True)
    lines = p.read_text().splitlines()
    assert lines[7:9] == ["        net = nn.Sequential(nn.Linear(4, 4), nn.BatchNorm1d(4))", "        net.eval()"]


def test_a_fix_that_keeps_its_finding_is_reported_and_not_written(tmp_path, monkeypatch):
    """Simulate a rule bug: BN001's insertion point before the binding (the old behaviour)."""
    from bnlint import modes

    monkeypatch.setattr(modes, "_after_bindings", lambda facts, anchor, obs: anchor)
    src = os.path.join(FIXTURES, "bn001", "positive_module_level_partial_norm.py")
    copy = tmp_path / "partial.py"
    before = open(src, "rb").read()
    copy.write_bytes(before)
    out = runner.process_file(str(copy), _settings(), fix=True, unsafe=True, write=True)
    assert copy.read_bytes() == before
    assert out.fixed_count == 0
    assert [f.code for f in out.findings] == ["BN001"]
    assert len(out.notes) == 1 and "BN001 fix not applied: it does not remove its own finding" in out.notes[0]


# --- 2. concurrent edits are never overwritten ----------------------------------------------------


def test_a_file_edited_while_it_is_linted_is_not_written(tmp_path, monkeypatch):
    p = tmp_path / "m.py"
    p.write_text(BUGGY)
    real_lint = runner.lint_text

    def lint_while_the_user_saves(text, path, *a, **kw):
        result = real_lint(text, path, *a, **kw)
        with open(path, "a") as fh:
            fh.write("# typed by the user\n")
        return result

    monkeypatch.setattr(runner, "lint_text", lint_while_the_user_saves)
    out = runner.process_file(str(p), _settings(), fix=True, unsafe=True, write=True)
    assert p.read_text().endswith("# typed by the user\n") and "model.eval()" not in p.read_text()
    assert any("changed on disk while bnlint was running" in e for e in out.internal_errors)
    assert out.fixed_count == 0 and [f.code for f in out.findings] == ["BN001"]


def test_fixes_are_written_as_each_file_is_done(tmp_path, monkeypatch):
    """The first file is on disk, fixed, before the second one is linted."""
    a, b = tmp_path / "a.py", tmp_path / "b.py"
    a.write_text(BUGGY)
    b.write_text(BUGGY)
    seen = []
    real_lint = runner.lint_text

    def lint(text, path, *args, **kw):
        seen.append((os.path.basename(path), a.read_text() == FIXED))
        return real_lint(text, path, *args, **kw)

    monkeypatch.setattr(runner, "lint_text", lint)
    from bnlint.parallel import run_files

    run_files([str(a), str(b)], _settings(), fix=True, unsafe=True, use_cache=False, jobs=1, write=True)
    assert ("b.py", True) in seen
    assert b.read_text() == FIXED


# --- 3. modes and links ---------------------------------------------------------------------------


@pytest.mark.parametrize("flag", ["--fix", "--add-noqa"])
@pytest.mark.parametrize("mode", [0o600, 0o755])
def test_mode_is_kept(tmp_path, flag, mode):
    p = tmp_path / "m.py"
    p.write_text(BUGGY)
    p.chmod(mode)
    r = run_bnlint("--isolated", "--no-cache", flag, "--unsafe-fixes", "m.py", cwd=str(tmp_path))
    assert r.returncode == 0, r.stderr
    assert p.read_text() != BUGGY
    assert stat.S_IMODE(p.stat().st_mode) == mode


@pytest.mark.parametrize("flag", ["--fix", "--add-noqa"])
def test_symlink_is_written_through(tmp_path, flag):
    target = tmp_path / "real.py"
    target.write_text(BUGGY)
    link = tmp_path / "link.py"
    link.symlink_to("real.py")
    r = run_bnlint("--isolated", "--no-cache", flag, "--unsafe-fixes", "link.py", cwd=str(tmp_path))
    assert r.returncode == 0, r.stderr
    assert link.is_symlink() and os.readlink(link) == "real.py"
    assert target.read_text() != BUGGY
    assert ("model.eval()" if flag == "--fix" else "# noqa: BN001") in target.read_text()


def test_hard_link_stays_one_file(tmp_path):
    p = tmp_path / "m.py"
    p.write_text(BUGGY)
    other = tmp_path / "other_name.txt"
    os.link(p, other)
    out = runner.process_file(str(p), _settings(), fix=True, unsafe=True, write=True)
    assert out.fixed_count == 1
    assert other.read_text() == FIXED and os.path.samefile(p, other)


def test_a_stale_temp_name_does_not_block_the_write(tmp_path):
    """The old fixed temp name `x.py.bnlint-tmp` clashed between two runs; the name is now unique."""
    p = tmp_path / "m.py"
    p.write_text(BUGGY)
    (tmp_path / "m.py.bnlint-tmp").mkdir()
    out = runner.process_file(str(p), _settings(), fix=True, unsafe=True, write=True)
    assert not out.internal_errors and p.read_text() == FIXED
    assert sorted(os.listdir(tmp_path)) == ["m.py", "m.py.bnlint-tmp"]


# --- 4. line endings ------------------------------------------------------------------------------


def test_mixed_line_endings_untouched_outside_the_fix(tmp_path):
    lines = BUGGY.splitlines(keepends=True)
    endings = ["\r\n", "\n", "\r\n", "\n", "\n", "\r\n", "\r\n", "\r\n", "\n"]
    mixed = "".join(line.rstrip("\n") + e for line, e in zip(lines, endings))
    p = tmp_path / "m.py"
    p.write_bytes(mixed.encode())
    out = runner.process_file(str(p), _settings(), fix=True, unsafe=True, write=True)
    assert out.fixed_count == 1
    new = p.read_bytes().decode()
    old_lines, new_lines = split_lines(mixed), split_lines(new)
    inserted = new_lines.pop(7)
    assert inserted == "model.eval()\r\n"  # the ending of the line it was inserted before
    assert new_lines == old_lines


def test_cr_only_file_gets_no_lf(tmp_path):
    p = tmp_path / "m.py"
    p.write_bytes(BUGGY.replace("\n", "\r").encode())
    out = runner.process_file(str(p), _settings(), fix=True, unsafe=True, write=True)
    assert out.fixed_count == 1
    assert p.read_bytes() == FIXED.replace("\n", "\r").encode()


def test_form_feed_does_not_shift_fix_positions(tmp_path):
    """`str.splitlines` splits at a form feed; Python does not: the fix must land where ast says."""
    src = BUGGY.replace("import torch\n", "import torch\n\x0c\n", 1)
    p = tmp_path / "m.py"
    p.write_text(src)
    runner.process_file(str(p), _settings(), fix=True, unsafe=True, write=True)
    assert p.read_text() == FIXED.replace("import torch\n", "import torch\n\x0c\n", 1)


def test_bom_and_declared_encoding_are_kept(tmp_path):
    p = tmp_path / "m.py"
    p.write_bytes(b"\xef\xbb\xbf" + BUGGY.encode())
    runner.process_file(str(p), _settings(), fix=True, unsafe=True, write=True)
    assert p.read_bytes() == b"\xef\xbb\xbf" + FIXED.encode()
    q = tmp_path / "latin.py"
    q.write_bytes(("# -*- coding: latin-1 -*-\n# caf\xe9\n" + BUGGY).encode("latin-1"))
    runner.process_file(str(q), _settings(), fix=True, unsafe=True, write=True)
    assert q.read_bytes() == ("# -*- coding: latin-1 -*-\n# caf\xe9\n" + FIXED).encode("latin-1")


# --- 5. counts are the truth ----------------------------------------------------------------------


def _fail_writes(monkeypatch):
    def refuse(target, data):
        raise OSError(30, "Read-only file system")

    monkeypatch.setattr(runner, "_replace_contents", refuse)


def test_add_noqa_reports_a_failed_write(tmp_path, monkeypatch, capsys):
    from bnlint import cli

    p = tmp_path / "m.py"
    p.write_text(BUGGY)
    _fail_writes(monkeypatch)
    monkeypatch.chdir(tmp_path)
    code = cli.main(["--isolated", "--no-cache", "--jobs", "1", "--add-noqa", "m.py"])
    out, err = capsys.readouterr()
    assert code == 2
    assert "Added 0 noqa directives." in out
    assert "m.py: cannot write fixes: Read-only file system" in err
    assert p.read_text() == BUGGY


def test_fix_summary_counts_only_written_fixes(tmp_path, monkeypatch, capsys):
    from bnlint import cli

    p = tmp_path / "m.py"
    p.write_text(BUGGY)
    _fail_writes(monkeypatch)
    monkeypatch.chdir(tmp_path)
    code = cli.main(["--isolated", "--no-cache", "--jobs", "1", "--fix", "--unsafe-fixes", "m.py"])
    out, err = capsys.readouterr()
    assert code == 2
    assert "fixed" not in out.lower().replace("fixable", "")
    assert "m.py:9:" in out  # the finding is still reported: nothing was fixed
    assert "cannot write fixes" in err


# --- 6. files that are not regular ----------------------------------------------------------------


def _bnlint_with_timeout(*args, cwd):
    env = dict(os.environ, BNLINT_CACHE_DIR=os.path.join(str(cwd), ".cache"))
    return subprocess.run([sys.executable, "-m", "bnlint", *args], cwd=cwd, capture_output=True, text=True, timeout=60, env=env)


def test_fifo_in_a_folder_is_skipped(tmp_path):
    os.mkfifo(tmp_path / "pipe.py")
    (tmp_path / "m.py").write_text(BUGGY)
    r = _bnlint_with_timeout("--isolated", "--no-cache", ".", cwd=tmp_path)  # used to block forever
    assert r.returncode == 1 and "m.py:9:" in r.stdout and "pipe.py" not in r.stdout + r.stderr


def test_fifo_named_explicitly(tmp_path):
    os.mkfifo(tmp_path / "pipe.py")
    (tmp_path / "m.py").write_text(BUGGY)
    r = _bnlint_with_timeout("--isolated", "--no-cache", "pipe.py", "m.py", cwd=tmp_path)
    assert r.returncode == 2
    assert "bnlint: error: pipe.py: not a regular file (a FIFO): not linted" in r.stderr
    assert "m.py:9:" in r.stdout  # the other file is still linted


def test_dangling_link_named_explicitly(tmp_path):
    (tmp_path / "gone.py").symlink_to("missing_target.py")
    r = _bnlint_with_timeout("--isolated", "--no-cache", "gone.py", cwd=tmp_path)
    assert r.returncode == 2
    assert "gone.py: broken symbolic link (to missing_target.py): not linted" in r.stderr


def test_file_reached_through_a_link_is_linted_once(tmp_path):
    (tmp_path / "m.py").write_text(BUGGY)
    (tmp_path / "alias.py").symlink_to("m.py")
    sub = tmp_path / "sub"
    sub.mkdir()
    (sub / "again.py").symlink_to(os.path.join("..", "m.py"))
    r = _bnlint_with_timeout("--isolated", "--no-cache", "--format", "concise", ".", cwd=tmp_path)
    assert r.stdout.count("BN001") == 1, r.stdout


# --- 8. excludes apply below the named path only ---------------------------------------------------


@pytest.mark.parametrize("above", ["env", "build", "venv", "site-packages", ".git"])
def test_excluded_folder_above_the_named_path_does_not_count(tmp_path, above):
    proj = tmp_path / above / "proj"
    proj.mkdir(parents=True)
    (proj / "train.py").write_text(BUGGY)
    (proj / "build").mkdir()
    (proj / "build" / "generated.py").write_text(BUGGY)  # below the named path: still excluded
    r = _bnlint_with_timeout("--isolated", "--no-cache", "--format", "concise", f"{above}/proj", cwd=tmp_path)
    assert r.returncode == 1, r.stdout + r.stderr
    assert "train.py:9:" in r.stdout and "generated.py" not in r.stdout
    r = _bnlint_with_timeout("--isolated", "--no-cache", "--format", "concise", str(proj), cwd=tmp_path)
    assert "train.py:9:" in r.stdout and "generated.py" not in r.stdout


def test_no_files_found_is_a_warning(tmp_path):
    (tmp_path / "notes.txt").write_text("nothing to lint")
    r = _bnlint_with_timeout("--isolated", "--no-cache", ".", cwd=tmp_path)
    assert r.returncode == 0
    assert "bnlint: warning: No Python files found under the given path(s)" in r.stderr
