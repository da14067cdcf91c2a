"""``Facts.option_value``: the one reader of an argparse option's default as the program runs as
written (``option_default``, ``never_runs`` and BN005's option tests all ask it)."""
import libcst as cst
import pytest

from bnlint.engine import _traverse
from bnlint.facts import NOT_LITERAL, Facts
from bnlint.inventory import ModuleInventory, ProjectIndex

PARSER = """\
import argparse
p = argparse.ArgumentParser()
p.add_argument("--arch", default="resnet50")
p.add_argument("--epochs", type=int, default=30)
p.add_argument("--freeze", action="store_true")
p.add_argument("--keep", action="store_false")
p.add_argument("--data", required=True)
p.add_argument("--tag")
p.add_argument("--lr", type=float, default=0.1)
p.add_argument("--lr", type=float, default=0.01)
p.add_argument("--stage", default="fit")
args = p.parse_args()
{extra}
"""


def _facts(extra=""):
    module = cst.parse_module(PARSER.format(extra=extra))
    facts = Facts(module, ModuleInventory(path=None), ProjectIndex(), None)
    _traverse(module, [], facts, [], "t.py")
    return facts


@pytest.mark.parametrize(
    "dest, value",
    [
        ("arch", "resnet50"),
        ("epochs", 30),
        ("freeze", False),  # store_true without a default
        ("keep", True),
        ("tag", None),  # no default: None when the option is not given
        ("data", NOT_LITERAL),  # required: the command line decides
        ("lr", NOT_LITERAL),  # defined twice
        ("missing", NOT_LITERAL),
    ],
)
def test_option_defaults(dest, value):
    got = _facts().option_value(dest)
    assert got is value or (type(got) is type(value) and got == value)


def test_an_option_the_file_assigns_has_no_default_to_go_by():
    facts = _facts("args.stage = 'probe'\n")
    assert facts.option_value("stage") is NOT_LITERAL
    assert facts.option_value("arch") == "resnet50"
    assert facts.option_default(cst.parse_expression("args.stage")) is None
    assert facts.option_default(cst.parse_expression("args.arch")) == "resnet50"
    assert facts.option_default(cst.parse_expression("args.epochs")) is None  # not a string


def test_setattr_from_a_config_makes_every_default_unknown():
    assert _facts("for k, v in cfg.items():\n    setattr(args, k, v)\n").option_value("epochs") is NOT_LITERAL
