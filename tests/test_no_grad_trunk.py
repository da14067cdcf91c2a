"""BN004 for a pretrained trunk kept frozen by `torch.no_grad()` in a module's `forward`: another
project file that puts the trunk in eval after `model.train()` makes the freeze real, and the
cache re-lints the model's file when that file appears or goes."""
from __future__ import annotations

import textwrap

import pytest

from fixture_support import lint_project

MODELS = textwrap.dedent(
    """\
    import torch
    import torch.nn as nn
    import torchvision


    class VideoEncoder(nn.Module):
        def __init__(self):
            super().__init__()
            self.frame_trunk = torchvision.models.resnet18(weights="DEFAULT")
            self.rnn = nn.LSTM(1000, 256, batch_first=True)

        def forward(self, clips):
            with torch.no_grad():
                feats = torch.stack([self.frame_trunk(clips[:, t]) for t in range(clips.size(1))], dim=1)
            out, _ = self.rnn(feats)
            return out[:, -1]
    """
)
TRAIN = textwrap.dedent(
    """\
    import torch

    from models import VideoEncoder


    def train(loader, epochs=10):
        model = VideoEncoder()
        optimizer = torch.optim.Adam(model.rnn.parameters())
        for _ in range(epochs):
            model.train()
            {switch}
            for clips, target in loader:
                loss = torch.nn.functional.mse_loss(model(clips), target)
                optimizer.zero_grad()
                loss.backward()
                optimizer.step()
    """
)


@pytest.fixture
def project(tmp_path):
    (tmp_path / "pyproject.toml").write_text("[tool.bnlint]\n")
    (tmp_path / "models.py").write_text(MODELS)
    return tmp_path


def lint(project):
    return lint_project(project)


def test_trunk_under_no_grad_is_reported_where_it_runs(project):
    (project / "train.py").write_text(TRAIN.format(switch="pass"))
    assert lint(project)["models.py"] == [("BN004", 14)]


def test_trunk_put_in_eval_by_the_training_script_is_not_reported_and_the_cache_follows(project):
    (project / "train.py").write_text(TRAIN.format(switch="model.frame_trunk.eval()"))
    assert lint(project)["models.py"] == []
    (project / "train.py").write_text(TRAIN.format(switch="pass"))  # the eval goes: re-linted
    assert lint(project)["models.py"] == [("BN004", 14)]
    (project / "train.py").write_text(TRAIN.format(switch="model.frame_trunk.train(False)"))
    assert lint(project)["models.py"] == []
