"""BN014 train-reenables-frozen-bn."""
from __future__ import annotations

import libcst as cst

from bnlint.rule import Rule, register


@register
class TrainReenablesFrozenBN(Rule):
    """
    ## What it does
    Flags a `.train()` call on a model whose BatchNorm layers were put in eval
    mode earlier ("frozen": `m.eval()` for the BN modules in a loop over
    `model.modules()`, `model.apply(set_bn_eval)` with `set_bn_eval` a lambda,
    a function of this file or one imported from a project module,
    `model.backbone.eval()`, `model.backbone.bn1.eval()`), when the model is
    then trained without the
    BN layers being put back in eval mode. Typically the BN layers are frozen
    once before the training loop and `model.train()` is called at the start
    of every epoch.

    The freeze may also happen where the model is built: a constructor that
    puts BN layers in eval (`if cfg.freeze_bn: self._freeze_bn()`, or a
    statement reading a property whose getter does, `self.freeze_bn`), in this
    file or in a project module it imports, is read from its definition (the
    most common real shape of this bug). A constructor that freezes only under
    one of its parameters (`if bn_freeze:`) freezes where the caller's argument
    says so (a call that does not pass it gets the parameter's default:
    `Net()` with `freeze_bn=False` freezes nothing): `Net(bn_freeze=
    args.bn_freeze)` and a later `if args.bn_freeze:` re-freeze (also through
    `bn_freeze = args.bn_freeze`) are one decision. A factory that returns
    such a model (`return Net(**kwargs)`, `return Net(freeze_bn=freeze_bn)`),
    in this file or another project module, freezes as its own arguments
    say (`hlmobilenetv2(freeze_bn=True)`); a factory picked from a dict of
    factories (`backbones[args.arch](...)`) is not followed.
    A module class of another project module that keeps the model it is
    handed and puts it in eval in its constructor (`FrozenProbe(encoder)`
    with `self.encoder = encoder; self.encoder.eval()`) freezes that model's
    BatchNorm: a later `probe.train()` undoes it. A part put in eval while the
    whole model is in eval already (`model.eval(); model.backbone.eval()` in
    an evaluation helper) freezes nothing: the `.train()` after it only ends
    the evaluation. A
    re-freeze loop over a local bound to `model.modules()` counts. A trainer
    (a plain class) that keeps the model it is handed and freezes it while it
    is built, with a helper of another project module (`self.model =
    fix_bn(self.model)`, on some path), hands it to its other methods frozen:
    their `self.model.train()` is reported; a re-freeze after it under the same
    configuration lookup (`if self.cfg.get("fix_bn", False):`) is one decision
    with the first. A model a factory builds by name (`timm.create_model`,
    `torch.hub.load`, `torchvision.models.get_model`) holds BatchNorm unless the
    file decides the name and it is an architecture without BN (a vision
    transformer, ConvNeXt, an MLP mixer): a literal, a configuration class's
    constant (`CFG.model_name`), an option's default, handed on through the
    model class's constructor or a builder function of the file. What it
    cannot see: a freeze done by a function of a package outside the project,
    or in a module the import graph does not reach; a model name read from a
    YAML/JSON file or typed on the command line (such a model counts as one
    with BN).

    ## Why is this bad?
    `nn.Module.train()` is recursive: it sets `training = True` on **every**
    submodule, including the BatchNorm layers that were frozen. From then on
    those layers normalise with batch statistics and update their running
    statistics again, which is exactly what the freeze was meant to prevent
    (small-batch fine-tuning, a pretrained detection backbone). Nothing
    warns: the loss just gets noisier and the frozen statistics drift.

    ## Example
    ```python
    model.apply(set_bn_eval)            # freeze BN once
    for epoch in range(epochs):
        model.train()                   # BN014: unfreezes the BN layers again
        train_one_epoch(model, loader)
    ```

    ## Use instead
    Override `train()` in the model so the freeze survives every call:
    ```python
    class Net(nn.Module):
        def train(self, mode=True):
            super().train(mode)
            for m in self.modules():
                if isinstance(m, nn.modules.batchnorm._BatchNorm):
                    m.eval()
            return self
    ```
    or re-apply the freeze after each `model.train()`
    (`model.train(); model.apply(set_bn_eval)`), or use
    `torchvision.ops.FrozenBatchNorm2d`. The override may call a helper
    (`freeze_bn(self)`, `self._freeze_norm()`): bnlint follows it. A
    `forward` that re-applies the freeze before any of its layers runs (`if
    self.bn_freezed: self.freeze_bn()` as its first statement) works too and
    is not reported; one that runs a layer first, or puts anything back in
    train mode, is no freeze. An override that never calls `super().train()`
    and switches only named parts (`for part in (self.upper, self.head):
    part.train(mode)`) leaves the parts the constructor put in eval
    (`self.stem.eval()`) where they were, and is not reported; one that
    switches the frozen part is.

    ## Fix safety
    No automatic fix: where the freeze must be re-applied depends on the
    training loop; the `train()` override is the robust idiom.

    ## References
    - https://pytorch.org/docs/stable/generated/torch.nn.Module.html#torch.nn.Module.train
    - https://pytorch.org/vision/stable/generated/torchvision.ops.FrozenBatchNorm2d.html
    """

    code = "BN014"
    name = "train-reenables-frozen-bn"
    severity = "warning"
    summary = "model.train() recurses and silently unfreezes BatchNorm layers put in eval earlier"
    # A freeze is an `.eval()` here, or a constructor's or loader's in another module (its summary):
    # the `.train()` that undoes it is what must be in this file.
    trigger_tokens = ("eval", ".train")
    needs_bn_evidence = True
    needs_bn_model = True  # the mode analysis tracks models from their construction in this file
    # ... or a model kept by a trainer and frozen while the trainer is built, by a BN-freezing
    # helper of another project module (`self.model = fix_bn(self.model)`).
    freeze_helper_evidence = True

    valid_examples = (
        "import torch.nn as nn\nmodel = nn.Sequential(nn.Conv2d(3, 8, 3), nn.BatchNorm2d(8))\nfor epoch in range(3):\n    model.train()\n    for m in model.modules():\n        if isinstance(m, nn.BatchNorm2d):\n            m.eval()\n    for x in loader:\n        model(x).sum().backward()\n        opt.step()\n",
    )
    invalid_examples = (
        "import torch.nn as nn\nmodel = nn.Sequential(nn.Conv2d(3, 8, 3), nn.BatchNorm2d(8))\nfor m in model.modules():\n    if isinstance(m, nn.BatchNorm2d):\n        m.eval()\nfor epoch in range(3):\n    model.train()\n    for x in loader:\n        model(x).sum().backward()\n        opt.step()\n",
    )

    def check_module(self) -> None:
        from bnlint.modes import analysis

        facts = self.ctx.facts
        result = analysis(facts, self.ctx.source)
        if result.aborted:
            return
        for item in result.unfreezes.values():
            label = item.label
            freeze_lines = facts.module.code_for_node(item.freeze).strip().splitlines()
            freeze_code = freeze_lines[0]
            if len(freeze_lines) > 1 and isinstance(item.freeze, cst.Call):
                freeze_code = f"{facts.module.code_for_node(item.freeze.func)}(...)"  # a constructor over several lines
            if len(freeze_code) > 70:
                freeze_code = freeze_code[:67] + "..."
            node = item.node
            through = isinstance(node, cst.Call) and not (isinstance(node.func, cst.Attribute) and node.func.attr.value == "train")
            # A helper that calls `.train()` on the model (`train_model(model, ...)`): name it.
            switch = f"`{facts.module.code_for_node(node.func)}(...)` calls `{label}.train()`, which" if through else f"`{label}.train()`"
            message = (
                f"{switch} re-enables the BatchNorm layers frozen earlier by `{freeze_code}`: `train()` is "
                f"recursive and sets every submodule, the frozen BN included, back to train mode, so they normalise with "
                f"batch statistics and update their running stats again. Override `train()` in the model to put BN back "
                f"in eval after `super().train(mode)`, or re-apply the freeze after every `{label}.train()`."
            )
            related = (
                (item.freeze, "BatchNorm put in eval (frozen) here"),
                (item.use, f"`{label}` is trained here with that BatchNorm in train mode again"),
            )
            summary = (
                f"`{_short(facts.module.code_for_node(node.func))}(...)` calls `{label}.train()` and unfreezes BN put in eval: override `train()` to keep it frozen"
                if through else f"`{label}.train()` re-enables BatchNorm frozen with `.eval()`: re-freeze it after every `.train()`"
            )
            self.report(item.node, message, related=related, summary=summary)


def _short(code: str, width: int = 28) -> str:
    """A callee's name for a one-line summary (its tail when long: `...trainer.run_epoch`)."""
    return code if len(code) <= width else "..." + code[-(width - 3):]
