"""The README's Neovim set-up, run in a real headless Neovim against `bnlint lsp`.

The block for the installed Neovim's range is taken from README.md verbatim and used as init.lua;
tests/neovim/drive.lua then checks, through Neovim's own LSP client, that diagnostics arrive, that
hover shows the rule's documentation, and that a quick fix chosen in Neovim's prompt edits the
buffer and makes the finding go away. Skips where `nvim` is absent (CI installs Debian's).
"""
import json
import os
import re
import shutil
import stat
import subprocess
import sys

import pytest

from conftest import ROOT

NVIM = shutil.which("nvim")
pytestmark = pytest.mark.skipif(NVIM is None, reason="nvim is not installed (CI installs Debian's neovim)")

SAMPLE = '''\
import torch
import torch.nn as nn


def evaluate(model, val_loader):
    correct = 0
    with torch.no_grad():
        for images, labels in val_loader:
            outputs = model(images)
            correct += (outputs.argmax(1) == labels).sum().item()
    return correct


def main(train_loader, val_loader):
    model = nn.Sequential(nn.Conv2d(3, 8, 3), nn.BatchNorm2d(8), nn.Flatten(), nn.LazyLinear(10))
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
    for epoch in range(10):
        model.train()
        for images, labels in train_loader:
            optimizer.zero_grad()
            nn.functional.cross_entropy(model(images), labels).backward()
            optimizer.step()
        print(epoch, evaluate(model, val_loader))
'''


def nvim_version():
    first = subprocess.run([NVIM, "--version"], capture_output=True, text=True, timeout=30).stdout.splitlines()[0]
    major, minor = re.search(r"v(\d+)\.(\d+)", first).groups()
    return int(major), int(minor)


def readme_block(version):
    """The README's Lua set-up block for this Neovim: each starts with `-- bnlint: Neovim <range>`."""
    with open(os.path.join(ROOT, "README.md"), encoding="utf-8") as fh:
        blocks = re.findall(r"```lua\n(-- bnlint: Neovim ([0-9.+-]+)\n.*?)```", fh.read(), re.S)
    assert {r for _, r in blocks} == {"0.11+", "0.10", "0.7-0.9"}, "README lost a Neovim set-up block"
    wanted = "0.11+" if version >= (0, 11) else "0.10" if version == (0, 10) else "0.7-0.9"
    if version < (0, 7):
        pytest.skip(f"Neovim {version} is older than any documented set-up")
    return next(text for text, r in blocks if r == wanted)


def test_readme_setup_gives_diagnostics_hover_and_a_quick_fix_in_real_neovim(tmp_path):
    version = nvim_version()
    project = tmp_path / "project"
    project.mkdir()
    (project / "pyproject.toml").write_text("[tool.bnlint]\nunsafe-fixes = true\n", encoding="utf-8")
    sample = project / "train.py"
    sample.write_text(SAMPLE, encoding="utf-8")
    init = tmp_path / "init.lua"
    init.write_text(readme_block(version), encoding="utf-8")
    # The set-up starts `bnlint lsp` from PATH: make that this interpreter's bnlint.
    shim_dir = tmp_path / "bin"
    shim_dir.mkdir()
    shim = shim_dir / "bnlint"
    shim.write_text(f'#!/bin/sh\nexec "{sys.executable}" -m bnlint "$@"\n', encoding="utf-8")
    shim.chmod(shim.stat().st_mode | stat.S_IXUSR)
    result_path = tmp_path / "result.json"
    env = dict(os.environ, PATH=f"{shim_dir}{os.pathsep}{os.environ.get('PATH', '')}", BNLINT_NVIM_RESULT=str(result_path))
    for var in ("XDG_CONFIG_HOME", "XDG_DATA_HOME", "XDG_STATE_HOME", "XDG_CACHE_HOME"):
        env[var] = str(tmp_path / var.lower())  # no user config, logs kept out of $HOME
    drive = os.path.join(ROOT, "tests", "neovim", "drive.lua")
    proc = subprocess.run(
        [NVIM, "--headless", "-i", "NONE", "-u", str(init), str(sample), "-c", f"luafile {drive}"],
        cwd=project, env=env, capture_output=True, text=True, timeout=150, stdin=subprocess.DEVNULL,
    )
    assert result_path.exists(), f"Neovim ended without a result (rc {proc.returncode}): {proc.stdout[-2000:]} {proc.stderr[-2000:]}"
    result = json.loads(result_path.read_text(encoding="utf-8"))
    assert result["steps"] == ["diagnostics:true", "hover:true", "quickfix:true", "relinted:true"], result
    assert [(d["line"], d["col"], d["code"]) for d in result["diagnostics"]] == [(9, 23, "BN001")]
    # The editor gets the one-line message; hover, the full documentation.
    assert result["diagnostics"][0]["message"].startswith("`model` (BatchNorm) is evaluated in train mode")
    assert len(result["diagnostics"][0]["message"]) <= 120
    assert "BN001" in result["hover"] and "missing-eval" in result["hover"]
    assert "Disable BN001 for this line" in result["offered"]
    fixed = result["fixed_text"]
    assert fixed[:8] == SAMPLE.splitlines()[:6] + ["    model.eval()", "    with torch.no_grad():"]
    assert result["after"] == []
    assert sample.read_text(encoding="utf-8") == SAMPLE  # the buffer was edited, not the file (nothing saved)
