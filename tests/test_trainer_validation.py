"""BN001 for a model of unknown content that a trainer puts in train mode and then validates
without `.eval()`: reported in the trainer's module unless a caller in another project module
hands it a model known to have neither BatchNorm nor dropout; the cache follows that caller."""
from __future__ import annotations

import os
import shutil

import pytest

from fixture_support import lint_project

HERE = os.path.dirname(os.path.abspath(__file__))
FIXTURE = os.path.join(HERE, "..", "fixtures", "crossfile", "trainer_validates")


@pytest.fixture
def project(tmp_path):
    (tmp_path / "pyproject.toml").write_text("[tool.bnlint]\n")
    shutil.copy(os.path.join(FIXTURE, "engine.py"), tmp_path / "engine.py")
    return tmp_path


def lint(project):
    return lint_project(project)


def test_without_callers_both_engines_validate_in_train_mode(project):
    assert lint(project)["engine.py"] == [("BN001", 33), ("BN001", 63)]


def test_a_caller_with_a_plain_model_clears_that_engine_and_the_cache_follows(project):
    shutil.copy(os.path.join(FIXTURE, "plain_script.py"), project / "plain_script.py")
    assert lint(project)["engine.py"] == [("BN001", 33)]
    (project / "plain_script.py").write_text(
        "import torch\nimport torch.nn as nn\n\nfrom engine import PlainEngine\n\n"
        "net = nn.Sequential(nn.Linear(8, 32), nn.BatchNorm1d(32), nn.Linear(32, 1))\n"
        "PlainEngine(net, torch.optim.SGD(net.parameters(), lr=0.01), loaders).run(5, val_loader)\n"
    )
    assert lint(project)["engine.py"] == [("BN001", 33), ("BN001", 63)]
