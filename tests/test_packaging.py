"""The README's install lines, for real: build the sdist and the wheel from this repository, install
the wheel (with the `lsp` extra) into a fresh virtual environment, and run bnlint from there."""
import os
import shutil
import subprocess
import sys
import tarfile
import zipfile

import pytest

from conftest import ROOT

import bnlint


def _copy_source(dest):
    """The files a clone has (what `git ls-files` lists), so nothing built here leaks into the sdist."""
    try:
        listed = subprocess.run(["git", "ls-files", "-z"], cwd=ROOT, capture_output=True, check=True, timeout=60).stdout
        files = [f for f in listed.decode().split("\0") if f]
    except (OSError, subprocess.CalledProcessError):
        files = None
    if not files:
        shutil.copytree(ROOT, dest, ignore=shutil.ignore_patterns(".git", "*.egg-info", "build", "dist", "__pycache__", ".*cache*"))
        return
    for rel in files:
        src = os.path.join(ROOT, rel)
        if os.path.isfile(src):
            os.makedirs(os.path.dirname(os.path.join(dest, rel)), exist_ok=True)
            shutil.copy2(src, os.path.join(dest, rel))


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    base = tmp_path_factory.mktemp("packaging")
    src, dist = base / "src", base / "dist"
    _copy_source(src)
    # By default `build` makes the sdist, then the wheel from the unpacked sdist: a file missing
    # from the sdist breaks the wheel too. --no-isolation: setuptools is already here (no download).
    r = subprocess.run([sys.executable, "-m", "build", "--no-isolation", "--outdir", str(dist), str(src)], capture_output=True, text=True, timeout=600)
    assert r.returncode == 0, r.stdout[-3000:] + r.stderr[-3000:]
    wheels = list(dist.glob("*.whl"))
    sdists = list(dist.glob("*.tar.gz"))
    assert [w.name for w in wheels] == [f"bnlint-{bnlint.__version__}-py3-none-any.whl"]
    assert [s.name for s in sdists] == [f"bnlint-{bnlint.__version__}.tar.gz"]
    return base, wheels[0], sdists[0]


def test_wheel_holds_the_package_and_its_rules_only(built):
    _, wheel, sdist = built
    names = zipfile.ZipFile(wheel).namelist()
    assert "bnlint/cli.py" in names and "bnlint/lsp.py" in names and "bnlint/runtime/observe.py" in names
    assert "bnlint/rules/bn001_missing_eval.py" in names
    assert not any(n.startswith(("tests/", "fixtures/", "bench/", "examples/")) for n in names)
    with tarfile.open(sdist) as tar:
        members = {m.split("/", 1)[1] for m in tar.getnames() if "/" in m}
    assert {"README.md", "pyproject.toml", "CHANGELOG.md", "rules/bn001_missing_eval.py"} <= members


def test_wheel_installs_into_a_fresh_venv_and_runs(built, tmp_path):
    base, wheel, _ = built
    venv = base / "venv"
    if not venv.exists():
        subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, timeout=300)
        # Its dependencies come from the package index (or pip's cache), as they would for a user.
        r = subprocess.run([str(venv / "bin" / "pip"), "install", "-q", "--disable-pip-version-check", f"{wheel}[lsp]"], capture_output=True, text=True, timeout=600)
        assert r.returncode == 0, r.stdout[-3000:] + r.stderr[-3000:]
    exe = str(venv / "bin" / "bnlint")
    shutil.copy(os.path.join(ROOT, "examples", "train_cifar.py"), tmp_path / "train_cifar.py")
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    env["BNLINT_CACHE_DIR"] = str(tmp_path / ".cache")
    lint = subprocess.run([exe, "--output-format", "concise", "train_cifar.py"], cwd=tmp_path, capture_output=True, text=True, timeout=120, env=env)
    assert lint.returncode == 1, lint.stdout + lint.stderr
    assert "train_cifar.py:" in lint.stdout and " BN001 " in lint.stdout
    # It runs the installed copy, not this checkout.
    where = subprocess.run([str(venv / "bin" / "python"), "-c", "import bnlint; print(bnlint.__file__)"], capture_output=True, text=True, timeout=60, env=env, cwd=tmp_path)
    assert where.stdout.strip().startswith(str(venv)), where.stdout + where.stderr
    lsp = subprocess.run([exe, "lsp", "--help"], capture_output=True, text=True, timeout=60, env=env, cwd=tmp_path)
    assert lsp.returncode == 0 and "--tcp" in lsp.stdout, lsp.stdout + lsp.stderr
    doc = subprocess.run([exe, "rule", "BN001"], capture_output=True, text=True, timeout=60, env=env, cwd=tmp_path)
    assert doc.returncode == 0 and "missing-eval" in doc.stdout and "## What it does" in doc.stdout
