"""``bnlint.shapes.is_one_sample``: which inputs are a batch of exactly one sample."""
import ast

import pytest

from bnlint.shapes import is_one_sample


def expr(code):
    return ast.parse(code, mode="eval").body


@pytest.mark.parametrize(
    "code",
    [
        "state.unsqueeze(0)",
        "state.unsqueeze(dim=0)",
        "state.unsqueeze_(0)",
        "torch.unsqueeze(state, 0)",
        "torch.as_tensor(state).unsqueeze(0).to(device).float()",
        "image[None]",
        "image[None, ...]",
        "image[np.newaxis, :]",
        "x.view(1, -1)",
        "x.reshape(1, 3, 32, 32)",
        "x.view((1, -1))",
    ],
)
def test_one_sample(code):
    assert is_one_sample(expr(code))


@pytest.mark.parametrize(
    "code",
    [
        "batch",
        "x.unsqueeze(1)",
        "x.unsqueeze(-1)",
        "x.view(1)",
        "x.view(-1, 1)",
        "x.reshape(batch_size, -1)",
        "x[:, None]",
        "x[0]",
        "torch.randn(1, 100)",
    ],
)
def test_not_one_sample(code):
    assert not is_one_sample(expr(code))


def test_through_the_name_it_was_bound_to():
    values = {"state_tensor": expr("torch.FloatTensor(state).unsqueeze(0)"), "other": expr("torch.FloatTensor(batch)")}
    assert is_one_sample(expr("state_tensor.to(device)"), values.get)
    assert not is_one_sample(expr("other"), values.get)
    assert not is_one_sample(expr("unbound"), values.get)
