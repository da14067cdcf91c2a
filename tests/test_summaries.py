"""``bnlint.summaries``: what building a model leaves its mode at, read from the defining module."""
import ast
import textwrap

import pytest

from bnlint.summaries import EVAL, TRAIN, UNKNOWN, Construction, construction

MODULE = textwrap.dedent(
    """\
    import torch.nn as nn

    def set_bn_eval(m):
        if isinstance(m, nn.BatchNorm2d):
            m.eval()

    def init_weights(m):
        nn.init.zeros_(m.weight)

    class Plain(nn.Module):
        def __init__(self):
            super().__init__()
            self.bn = nn.BatchNorm2d(3)

    class EvalInInit(nn.Module):
        def __init__(self):
            super().__init__()
            self.eval()

    class EvalThroughMethod(nn.Module):
        def __init__(self):
            super().__init__()
            self.setup()

        def setup(self):
            self.train(False)

    class MaybeEval(nn.Module):
        def __init__(self, deploy=False):
            super().__init__()
            if deploy:
                self.eval()

    class FreezesByFlag(nn.Module):
        def __init__(self, freeze=True):
            super().__init__()
            self.backbone = nn.Sequential(nn.BatchNorm2d(3))
            if freeze:
                self.backbone.eval()

    class FreezesByApply(nn.Module):
        def __init__(self):
            super().__init__()
            self.apply(set_bn_eval)

    class InitialisesByApply(nn.Module):
        def __init__(self):
            super().__init__()
            self.apply(init_weights)
            self.apply(self._init)

        def _init(self, m):
            pass

    def load(path):
        model = Plain()
        model.eval()
        return model

    def load_chained():
        return Plain().eval().to("cpu")

    def load_train():
        model = Plain()
        return model

    def load_either(deploy):
        model = Plain()
        if deploy:
            model.eval()
        return model

    def load_mixed(flag):
        if flag:
            return Plain().eval()
        return Plain()
    """
)


@pytest.fixture(scope="module")
def definitions():
    tree = ast.parse(MODULE)
    return {n.name: n for n in tree.body if isinstance(n, (ast.FunctionDef, ast.ClassDef))}


@pytest.mark.parametrize(
    "name, expected",
    [
        ("Plain", None),
        ("EvalInInit", Construction(EVAL, False)),
        ("EvalThroughMethod", Construction(EVAL, False)),
        ("MaybeEval", Construction(UNKNOWN, False)),
        ("FreezesByFlag", Construction(TRAIN, True, freeze_flag="freeze", freeze_flag_index=0, freeze_flag_default=True)),  # frozen when `freeze` is true (its default)
        ("FreezesByApply", Construction(TRAIN, True)),
        ("InitialisesByApply", None),
        ("load", Construction(EVAL, False)),
        ("load_chained", Construction(EVAL, False)),
        ("load_train", None),
        ("load_either", Construction(UNKNOWN, False)),
        ("load_mixed", Construction(UNKNOWN, False)),
        ("not_defined", None),
    ],
)
def test_construction(definitions, name, expected):
    assert construction(definitions, name) == expected


def test_a_factory_of_closures_returns_no_model():
    tree = ast.parse(
        "def prepare(path):\n    net = load(path)\n    def metrics(sample):\n        out = net(sample)\n        return out.mean()\n    return metrics\n"
    )
    definitions = {n.name: n for n in tree.body}
    assert construction(definitions, "prepare") == Construction(UNKNOWN, False, returns_model=False)


def test_constructor_parameter_freeze_resolves_the_layer_class():
    """A constructor-time `requires_grad = False` on `self.bn1` is a BN parameter freeze when
    `self.bn1` is a BatchNorm layer as the module's imports resolve it, not when its class is
    merely spelled like one."""
    tree = ast.parse(
        textwrap.dedent(
            """\
            from torch.nn import BatchNorm2d
            from .layers import BatchNormLike

            class Frozen:
                def __init__(self):
                    self.bn1 = BatchNorm2d(8)
                    for p in self.bn1.parameters():
                        p.requires_grad = False

            class Lookalike:
                def __init__(self):
                    self.bn1 = BatchNormLike(8)
                    for p in self.bn1.parameters():
                        p.requires_grad = False
            """
        )
    )
    definitions = {n.name: n for n in tree.body if isinstance(n, ast.ClassDef)}
    aliases = {"BatchNorm2d": "torch.nn.BatchNorm2d", "BatchNormLike": ".layers.BatchNormLike"}
    assert construction(definitions, "Frozen", aliases).freezes_bn_params
    assert construction(definitions, "Lookalike", aliases) is None


def test_a_reused_node_id_never_gets_another_modules_summary():
    """The summary cache is keyed by node id; ids are reused once nodes are freed, so an entry
    counts only for the very node it was made from."""
    import ast

    from bnlint import summaries
    from bnlint.summaries import Construction, construction

    tree = ast.parse("import torch.nn as nn\nclass Net(nn.Module):\n    def __init__(self):\n        super().__init__()\n")
    definitions = {n.name: n for n in tree.body if isinstance(n, ast.ClassDef)}
    stale = ast.parse("\n\nclass Other:\n    x = 1\n    y = 2\n").body[0]
    import weakref

    summaries._cache[(id(definitions["Net"]), "Net")] = (weakref.ref(stale), Construction("E", True))  # another node's answer
    assert construction(definitions, "Net") is None  # Net's own: it touches no mode
