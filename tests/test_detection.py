"""Detection that the fixture files alone cannot state: configuration, and whole projects."""
import json
import os

from conftest import FIXTURES, run_bnlint


def test_configured_factory_is_a_bn_model_only_when_named():
    folder = os.path.join(FIXTURES, "bn001", "factories")
    named = run_bnlint("--no-cache", "--output-format", "json", ".", cwd=folder)
    assert [(f["code"], os.path.basename(f["path"]), f["line"]) for f in json.loads(named.stdout)] == [("BN001", "evaluate.py", 10)]
    default = run_bnlint("--isolated", "--no-cache", "--output-format", "json", ".", cwd=folder)
    assert json.loads(default.stdout) == []  # the default stays quiet on a registry's model


def test_configured_factories_are_validated(tmp_path):
    (tmp_path / "pyproject.toml").write_text('[tool.bnlint]\nbn-model-factories = ["build model"]\n')
    (tmp_path / "a.py").write_text("x = 1\n")
    r = run_bnlint("--no-cache", "a.py", cwd=str(tmp_path))
    assert r.returncode == 2
    assert "`bn-model-factories` takes qualified names like" in r.stderr and "'build model'" in r.stderr
