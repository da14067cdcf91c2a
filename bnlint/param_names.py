"""What a test on a parameter's name selects, for a freeze written as a filtered loop.

`for name, p in model.named_parameters(): if <test on name>: p.requires_grad = False` freezes the
parameters whose names pass the test.  Whether BatchNorm parameters are among them is read from the
strings the test compares the name with, once, here: BN004's check (on libcst) and the constructor
summaries (``bnlint.summaries``, on ``ast``) each extract the strings from their own tree and ask
``name_filter_verdict``.

What it cannot see: a test on something other than literal strings (a list built elsewhere, a
regular expression), and a project's own attribute names that say nothing of what they hold.
"""
from __future__ import annotations

import re

from bnlint.patterns import lazy

TYPE_CHECKING = False
if TYPE_CHECKING:  # pragma: no cover
    from typing import Iterable, Optional

BN_PARAM_STRINGS = lazy(r"(^|[._])(bn|batchnorm|batch_norm)(\d*)($|[._])|batchnorm|\.bn|bn\.", re.IGNORECASE)
NORM_PARAM_STRINGS = lazy(r"norm|downsample\.1", re.IGNORECASE)
NON_BN_PARAM_STRINGS = lazy(r"conv|fc|linear|classifier|head|attn|attention|embed|lstm|gru|rnn|proj|mlp|lm_", re.IGNORECASE)


def names_a_bn_trunk(text: str) -> bool:
    """Does a parameter-name test string name a library model's BatchNorm trunk or one of its
    stages (`"backbone"`, `"features.denseblock4"`, `"layer"` of `layer1`..`layer4`)?"""
    from bnlint.inventory import BN_TRUNKS

    parts = [p for p in text.lower().split(".") if p]
    return any(part in BN_TRUNKS or any(trunk.startswith(part) and len(part) >= 4 for trunk in BN_TRUNKS) for part in parts)


def name_filter_verdict(positive: "Iterable[str]", negative: "Iterable[str]") -> "Optional[str]":
    """What the names a filter keeps are, given the strings they must contain (``positive``) and
    must not (``negative``): "bn" (BatchNorm parameters, `"bn" in name`), "norm" (norm layers,
    BN among them in a CNN), "non-bn" (none: `"fc" in name`, or `"bn" not in name`), "subset"
    (a part that holds BN: `name.startswith("layer1")`, `not name.startswith("layer4")`,
    `"fc" not in name`), or None when there is no test."""
    positive, negative = list(positive), list(negative)
    if not positive and not negative:
        return None
    if not positive and any(BN_PARAM_STRINGS.search(s) or NORM_PARAM_STRINGS.search(s) for s in negative):
        return "non-bn"  # `if "bn" not in name:` / `= "norm" in name`: the BN layers are the ones left to train
    if any(BN_PARAM_STRINGS.search(s) for s in positive):
        return "bn"
    if positive and not negative and all(NON_BN_PARAM_STRINGS.search(s) for s in positive):
        return "non-bn"
    if any(NORM_PARAM_STRINGS.search(s) for s in positive):
        return "norm"
    if positive and not negative and not any(names_a_bn_trunk(s) for s in positive):
        # `if "netC" in k or "fc" in k:` selects parts by names that say nothing of BN (a
        # project's own attribute, which may be a linear classifier): not known to be BN.
        return "non-bn"
    return "subset"
