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


def _readme_yaml_blocks():
    import re

    with open(os.path.join(ROOT, "README.md"), encoding="utf-8") as fh:
        text = fh.read()
    section = text[text.index("## pre-commit"):text.index("\n## ", text.index("## pre-commit") + 5)]
    return re.findall(r"```yaml\n(.*?)```", section, re.S)


def _git_out(*args):
    r = subprocess.run(["git", *args], cwd=ROOT, capture_output=True, text=True, timeout=60)
    return r.stdout.strip() if r.returncode == 0 else None


def test_readme_rev_is_the_newest_release_the_changelog_names():
    import re

    import yaml

    from bnlint import __version__

    remote = yaml.safe_load(_readme_yaml_blocks()[0])["repos"][0]
    with open(os.path.join(ROOT, "CHANGELOG.md"), encoding="utf-8") as fh:
        releases = re.findall(r"^## (\d+\.\d+\.\d+)\b", fh.read(), re.M)
    assert releases, "the CHANGELOG names no release"
    assert remote["rev"] == f"v{releases[0]}"
    assert releases[0] == __version__, "the package's version is the newest release's"
    tags = _git_out("tag", "--list", "v*")
    if tags is None or not tags:
        pytest.skip("no git tags in this checkout (a shallow or exported copy)")
    for release in releases:
        assert f"v{release}" in tags.split(), f"the CHANGELOG names {release}, but there is no tag v{release}"


def test_readme_remote_hook_at_the_release_tag_runs_in_real_pre_commit(tmp_path, pre_commit_home):
    """The README's first block, with `repo:` this repository: pre-commit clones it at the tag and
    runs the hook from there."""
    import yaml

    config = yaml.safe_load(_readme_yaml_blocks()[0])
    if _git_out("rev-parse", "--verify", "--quiet", f"{config['repos'][0]['rev']}^{{commit}}") is None:
        pytest.skip(f"no tag {config['repos'][0]['rev']} in this checkout")
    config["repos"][0]["repo"] = ROOT
    repo = _repo(tmp_path, {"train.py": BUGGY})
    (tmp_path / ".pre-commit-config.yaml").write_text(yaml.safe_dump(config), encoding="utf-8")
    env = dict(os.environ, PRE_COMMIT_HOME=pre_commit_home, PRE_COMMIT_COLOR="never", BNLINT_CACHE_DIR=str(repo / ".cache"))
    r = subprocess.run(_pre_commit() + ["run", "--all-files"], cwd=str(repo), capture_output=True, text=True, env=env, timeout=600)
    assert r.returncode == 1, r.stdout + r.stderr
    assert "train.py:3:25: BN002" in r.stdout


def test_readme_local_hook_runs_in_real_pre_commit(tmp_path, pre_commit_home):
    import yaml

    config = yaml.safe_load(_readme_yaml_blocks()[1])
    assert config["repos"][0]["repo"] == "local"
    repo = _repo(tmp_path, {"train.py": BUGGY, "ok.py": CLEAN})
    (tmp_path / ".pre-commit-config.yaml").write_text(yaml.safe_dump(config), encoding="utf-8")
    # `language: system` runs the `bnlint` on PATH: this interpreter's.
    path = os.pathsep.join([os.path.dirname(sys.executable), os.environ.get("PATH", "")])
    env = dict(os.environ, PATH=path, PRE_COMMIT_HOME=pre_commit_home, PRE_COMMIT_COLOR="never", BNLINT_CACHE_DIR=str(repo / ".cache"))
    if shutil.which("bnlint", path=path) is None:
        pytest.skip("no bnlint executable next to this interpreter")
    r = subprocess.run(_pre_commit() + ["run", "--all-files"], cwd=str(repo), capture_output=True, text=True, env=env, timeout=600)
    assert r.returncode == 1, r.stdout + r.stderr
    assert "train.py:3:25: BN002" in r.stdout and "ok.py" not in r.stdout
