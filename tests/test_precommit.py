"""The real `pre-commit try-repo` against this repository's `.pre-commit-hooks.yaml`."""
import os
import shutil
import subprocess
import sys

import pytest

from conftest import ROOT

BUGGY = "import torch.nn as nn\n\nbn = nn.BatchNorm2d(64, momentum=0)\n"
CLEAN = "import torch.nn as nn\n\nbn = nn.BatchNorm2d(64, momentum=0.1)\n"


def _pre_commit():
    exe = shutil.which("pre-commit")
    return [exe] if exe else [sys.executable, "-m", "pre_commit"]


@pytest.fixture(scope="module")
def pre_commit_home(tmp_path_factory):
    # One hook environment for the whole module: building it installs bnlint once.
    return str(tmp_path_factory.mktemp("pre-commit-home"))


def _git(cwd, *args):
    subprocess.run(["git", *args], cwd=cwd, check=True, capture_output=True)


def _repo(tmp_path, files):
    _git(tmp_path, "init", "-q")
    _git(tmp_path, "config", "user.email", "t@example.invalid")
    _git(tmp_path, "config", "user.name", "t")
    for name, text in files.items():
        (tmp_path / name).write_text(text)
    _git(tmp_path, "add", *files)
    return tmp_path


def _try_repo(repo, home, hook="bnlint"):
    env = dict(os.environ, PRE_COMMIT_HOME=home, PRE_COMMIT_COLOR="never", BNLINT_CACHE_DIR=str(repo / ".cache"))
    return subprocess.run(_pre_commit() + ["try-repo", ROOT, hook, "--verbose"], cwd=str(repo), capture_output=True, text=True, env=env, timeout=600)


def test_hooks_file_shape():
    import yaml  # pre-commit depends on PyYAML

    with open(os.path.join(ROOT, ".pre-commit-hooks.yaml")) as fh:
        hooks = {h["id"]: h for h in yaml.safe_load(fh)}
    assert set(hooks) == {"bnlint", "bnlint-fix"}
    for h in hooks.values():
        assert h["types_or"] == ["python", "pyi"]
        assert h["require_serial"] is True
        assert h["language"] == "python"
    assert "--fix" in hooks["bnlint-fix"]["entry"]


def test_staged_buggy_script_fails_with_finding(tmp_path, pre_commit_home):
    repo = _repo(tmp_path, {"train.py": BUGGY})
    r = _try_repo(repo, pre_commit_home)
    assert r.returncode == 1, r.stdout + r.stderr
    assert "train.py:3:25: BN002" in r.stdout


def test_staged_clean_script_passes(tmp_path, pre_commit_home):
    repo = _repo(tmp_path, {"train.py": CLEAN})
    r = _try_repo(repo, pre_commit_home)
    assert r.returncode == 0, r.stdout + r.stderr
    assert "Passed" in r.stdout


def test_no_python_files_staged_passes(tmp_path, pre_commit_home):
    repo = _repo(tmp_path, {"README.md": "# hello\n"})
    r = _try_repo(repo, pre_commit_home)
    assert r.returncode == 0, r.stdout + r.stderr
    assert "no files to check" in r.stdout.lower() or "Skipped" in r.stdout
