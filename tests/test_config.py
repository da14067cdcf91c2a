"""`[tool.bnlint]` / bnlint.toml: discovery, every key, and errors that name the key and the file."""
import json
import textwrap

import pytest

from conftest import run_bnlint

BUGGY = "import torch.nn as nn\nbn = nn.BatchNorm2d(64, momentum=0)\n"


def write(tmp_path, pyproject=None, bnlint_toml=None, files=None):
    if pyproject is not None:
        (tmp_path / "pyproject.toml").write_text(textwrap.dedent(pyproject))
    if bnlint_toml is not None:
        (tmp_path / "bnlint.toml").write_text(textwrap.dedent(bnlint_toml))
    for name, text in (files or {"train.py": BUGGY}).items():
        p = tmp_path / name
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text(text)
    return tmp_path


def test_pyproject_ignore(tmp_path):
    write(tmp_path, '[tool.bnlint]\nignore = ["BN002"]\n')
    assert run_bnlint(cwd=str(tmp_path)).returncode == 0


def test_config_found_walking_up_from_first_path(tmp_path):
    write(tmp_path, '[tool.bnlint]\nignore = ["momentum-zero-freeze"]\n', files={"src/pkg/train.py": BUGGY})
    r = run_bnlint("src/pkg/train.py", cwd=str(tmp_path))
    assert r.returncode == 0, r.stdout


def test_pyproject_without_table_is_skipped(tmp_path):
    write(tmp_path, '[tool.bnlint]\nignore = ["BN002"]\n', files={"sub/train.py": BUGGY})
    (tmp_path / "sub" / "pyproject.toml").write_text('[project]\nname = "x"\n')
    assert run_bnlint("sub/train.py", cwd=str(tmp_path)).returncode == 0


def test_bnlint_toml(tmp_path):
    write(tmp_path, bnlint_toml='ignore = ["BN002"]\n')
    assert run_bnlint(cwd=str(tmp_path)).returncode == 0


def test_explicit_config_flag(tmp_path):
    write(tmp_path)
    (tmp_path / "other.toml").write_text('[tool.bnlint]\nselect = ["BN002"]\nignore = ["BN002"]\n')
    (tmp_path / "custom.toml").write_text('ignore = ["BN002"]\n')
    assert run_bnlint("--config", "custom.toml", cwd=str(tmp_path)).returncode == 0
    assert run_bnlint(cwd=str(tmp_path)).returncode == 1


def test_isolated_ignores_config(tmp_path):
    write(tmp_path, '[tool.bnlint]\nignore = ["BN002"]\n')
    assert run_bnlint("--isolated", cwd=str(tmp_path)).returncode == 1


def test_cli_select_overrides_config(tmp_path):
    write(tmp_path, '[tool.bnlint]\nselect = []\n')
    assert run_bnlint(cwd=str(tmp_path)).returncode == 0
    assert run_bnlint("--select", "BN002", cwd=str(tmp_path)).returncode == 1


@pytest.mark.parametrize(
    "table, needle",
    [
        ('selct = ["BN002"]', "selct"),
        ('select = ["BN999"]', "BN999"),
        ('ignore = ["not-a-rule"]', "not-a-rule"),
        ('select = "BN002"', "select"),
        ('respect-gitignore = "yes"', "respect-gitignore"),
        ('[tool.bnlint.per-file-ignores]\n"tests/*" = ["BN998"]', "BN998"),
        ('output-format = "xml"', "output-format"),
        ('[tool.bnlint.momentum-zero-freeze]\nno-such-option = 1', "no-such-option"),
    ],
)
def test_bad_config_exit_2_names_key_and_file(tmp_path, table, needle):
    if table.startswith("[tool.bnlint."):
        text = "[tool.bnlint]\n" + table + "\n"
    else:
        text = "[tool.bnlint]\n" + table + "\n"
    write(tmp_path, text)
    r = run_bnlint(cwd=str(tmp_path))
    assert r.returncode == 2, r.stdout
    assert needle in r.stderr
    assert "pyproject.toml" in r.stderr
    assert "Traceback" not in r.stderr


def test_invalid_toml_exit_2(tmp_path):
    write(tmp_path, "[tool.bnlint\nselect = [")
    r = run_bnlint(cwd=str(tmp_path))
    assert r.returncode == 2 and "pyproject.toml" in r.stderr and "Traceback" not in r.stderr


def test_per_file_ignores(tmp_path):
    write(tmp_path, '[tool.bnlint.per-file-ignores]\n"legacy/*" = ["BN002"]\n', files={"legacy/old.py": BUGGY, "new.py": BUGGY})
    r = run_bnlint("--format", "json", cwd=str(tmp_path))
    paths = {f["path"] for f in json.loads(r.stdout)}
    assert paths == {"new.py"}


def test_exclude_and_extend_exclude(tmp_path):
    write(tmp_path, '[tool.bnlint]\nextend-exclude = ["generated"]\n', files={"generated/a.py": BUGGY, "b.py": BUGGY})
    r = run_bnlint("--format", "json", cwd=str(tmp_path))
    assert {f["path"] for f in json.loads(r.stdout)} == {"b.py"}
    r = run_bnlint("--format", "json", "--extend-exclude", "b.py", cwd=str(tmp_path))
    assert json.loads(r.stdout) == []


def test_default_excludes(tmp_path):
    write(tmp_path, files={".venv/lib/x.py": BUGGY, "build/y.py": BUGGY, "node_modules/z.py": BUGGY, "ok.py": "x = 1\n"})
    r = run_bnlint("--isolated", cwd=str(tmp_path))
    assert r.returncode == 0, r.stdout


def test_explicit_file_linted_unless_force_exclude(tmp_path):
    write(tmp_path, '[tool.bnlint]\nextend-exclude = ["gen.py"]\n', files={"gen.py": BUGGY})
    assert run_bnlint("gen.py", cwd=str(tmp_path)).returncode == 1
    assert run_bnlint("--force-exclude", "gen.py", cwd=str(tmp_path)).returncode == 0


def test_gitignore_respected_by_default(tmp_path):
    import subprocess

    write(tmp_path, files={"ignored/a.py": BUGGY, "kept.py": "x = 1\n"})
    subprocess.run(["git", "init", "-q"], cwd=tmp_path, check=True)
    (tmp_path / ".gitignore").write_text("ignored/\n")
    assert run_bnlint("--isolated", cwd=str(tmp_path)).returncode == 0
    assert run_bnlint("--isolated", "--no-respect-gitignore", cwd=str(tmp_path)).returncode == 1


def test_rule_option_validated_and_typed(tmp_path):
    from bnlint.registry import load_rules

    with_options = [r for r in load_rules() if r.options]
    assert [r.code for r in with_options] == ["BN005"]  # tiny-batch-size
    rule = with_options[0]
    opt = rule.options[0]
    write(tmp_path, f'[tool.bnlint]\n{opt.name} = "not-a-{opt.type.__name__}"\n', files={"a.py": "x = 1\n"})
    r = run_bnlint(cwd=str(tmp_path))
    assert r.returncode == 2 and opt.name in r.stderr


def test_tiny_batch_size_option_changes_findings(tmp_path):
    script = textwrap.dedent(
        """\
        import torch
        import torch.nn as nn
        from torch.utils.data import DataLoader

        model = nn.Sequential(nn.Conv2d(3, 8, 3), nn.BatchNorm2d(8), nn.ReLU())
        train_loader = DataLoader(train_set, batch_size=6, shuffle=True)
        optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
        model.train()
        for x, y in train_loader:
            loss = model(x).mean()
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
        """
    )
    write(tmp_path, files={"train.py": script})
    r = run_bnlint("--isolated", "--select", "BN005", cwd=str(tmp_path))
    assert r.returncode == 1 and "BN005" in r.stdout  # 6 < default 8
    write(tmp_path, "[tool.bnlint]\ntiny-batch-size = 4\n", files={"train.py": script})
    assert run_bnlint("--select", "BN005", cwd=str(tmp_path)).returncode == 0
    write(tmp_path, "[tool.bnlint.tiny-batch-bn]\ntiny-batch-size = 16\n", files={"train.py": script})
    assert run_bnlint("--select", "BN005", cwd=str(tmp_path)).returncode == 1
