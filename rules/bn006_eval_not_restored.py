"""BN006 eval-not-restored."""
from __future__ import annotations

import libcst as cst

from bnlint.rule import FixSpec, InsertAfter, InsertBefore, Rule, register

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing (a few ms of every start)
if TYPE_CHECKING:  # pragma: no cover
    from typing import Optional


@register
class EvalNotRestored(Rule):
    """
    ## What it does
    Flags a `model.eval()` (or a helper such as `validate(model, ...)` that
    calls it) inside a training loop when no `model.train()` runs before the
    model is trained again in the next iteration: the periodic validation
    leaves the model in eval mode for the rest of training. Where an
    evaluation before the loop (accuracy measured before training) had put
    the model in eval and nothing ever calls `.train()`, every iteration, the
    first included, trains in eval: reported at the validation inside the
    loop, with a fix that puts `.train()` at the top of each iteration. (An
    `.eval()` before the loop with no evaluation is a choice.) Also an `.eval()`
    in a loop that trained the model in train mode, when the model is trained
    again after that loop (its optimizer steps: a second training phase, a
    learning-rate sweep) with nothing putting it back in train mode; an
    explicit `model.eval()` right before the later training is a choice and
    is not reported. And in one iteration: an `.eval()` for an evaluation
    (a no-grad forward, or an evaluation function, ran in that mode) before
    the iteration's training, with no `.train()` between them (validation at
    the top of each epoch, or under `if epoch == 0:`), trains that iteration
    in eval mode; an `.eval()` with no evaluation in that mode before the
    training is a choice (BatchNorm kept on its running statistics while
    fine-tuning) and is not reported. And, inside one step: a step that puts the model in
    train mode and then, before the forward it back-propagates, puts it in
    eval (`model.train()` ... `pseudo = model.predict(u)` with a `predict`
    that calls `self.eval()`) trains that step in eval mode. A step whose
    later optimizer steps take only other models' parameters (a GAN's
    generator step through a discriminator put in eval, whose own optimizer
    clears its gradients before its next step) trains nothing in eval mode
    and is not reported; nor is an eval-mode pass whose backward's gradients
    are cleared (`net.zero_grad()`, or the optimizer's) before any step (a
    saliency map built before the step's own forward); nor does a helper that steps only `if
    model.training:`, or anything run under `torch.no_grad()`, nor a pass helper called with a
    literal flag whose every backward and step sits on a branch that flag rules out
    (`one_pass(training=False)` with `if training: loss.backward()`). Nor is a model whose own
    parameters were frozen where it is built (a loop over its `parameters()` or
    `named_parameters()` setting `requires_grad` off, whatever name test leaves a prompt or
    an adapter trainable, or `model.requires_grad_(False)`), when every optimizer built there
    takes parameters named one by one (`SGD([scorer.prompt], ...)`): what trains is those
    tensors, and eval is the mode the frozen BatchNorm belongs in (BN004). A freeze of a part
    only (`net.layer1.parameters()`), or an optimizer over `parameters()` of modules (a new
    head with dropout would train without it), does not count.

    Across the methods of one plain class (an estimator or trainer wrapper
    that keeps the model it is handed, `self.net = net`, also moved or with a
    function applied, `self.net = net.apply(init_weights)`): a method that puts
    `self.net` in eval and leaves it there (`predict()`), and a method that
    trains it in whatever mode it finds it (`fit()` without `.train()`), in a
    class none of whose methods puts it in train mode on its own (a restore
    after its own `.eval()` does not count) and whose users do not switch it
    themselves (`est.net.train()` in this file or in a script importing the
    class): a `fit()` after a `predict()` trains in eval mode. Reported at the
    `.eval()` that is left in place.

    The analysis follows helpers in the same file: calling `model.train()` at
    the top of each epoch or step, inside the training helper
    (`train_one_epoch(model, ...)` that starts with `model.train()`), or right
    after the validation block is correct and is not reported. So is a loop
    that sets the mode again on every path before training (`if finetune:
    model.train()` / `elif probe: model.eval()` / `else: assert False`; a
    branch that ends in `raise`, `assert False` or `sys.exit()` trains nothing).
    A configuration flag that chooses the mode (`if args.fix_bn: model.eval()
    else: model.train()`) is one decision wherever it is tested: on the
    flag's eval path the model trains in eval mode from the start, by design,
    and the `.eval()` chosen again after validation is not reported. A mode
    saved before the evaluation and restored after it (`was_training =
    model.training` ... `if was_training: model.train()`) is restored.

    A mode saved per module and restored per module (`saved = {n: m.training
    for n, m in model.named_modules()}` ... `for n, m in
    model.named_modules(): m.train(mode=saved[n])`) is restored too, and so is a
    `.train()` under a test of the model's own mode (`if not model.training:
    model.train()`): the test is decided by the mode, path by path.

    Models kept in a dict and switched by key in a loop over it (`for k in
    nets: nets[k].eval()`, also over `nets.keys()`) are each switched; a key
    not known here (`nets[name].eval()`) leaves each of them unknown.

    A model that comes in as a parameter of a training function nothing in the
    file calls (`def fit(model, loader, optimizer)`) is followed too, though
    its class is unknown there: an `.eval()` that leaks into training is wrong
    for any model with BatchNorm or dropout, and a model with neither makes the
    `.eval()` pointless. Its mode on entry is taken as the caller's train mode;
    a function that puts it in eval mode before the loop keeps it there on
    purpose and is not reported. The same holds for a model a trainer class
    stores from its constructor's parameter (`self.model = model`). Likewise a
    model whose class this project cannot see (picked from a registry at run
    time, `getattr(models, arch)(...)`, or imported from a package that is
    neither in the project nor a library bnlint knows) is followed when the
    file itself puts it in eval mode: that call is the file's own evidence
    that the mode matters. A model of a class the project defines without
    BatchNorm or dropout is not reported, also where a helper of this file is
    handed one as its parameter (`fit(Regressor(13), ...)` with linear layers
    only). A forward in a helper that
    back-propagates only to get the gradient of an input and steps no
    optimizer (a PGD attack in adversarial training, a saliency map) trains
    nothing: the eval mode it runs in before the step's `model.train()` is not
    a leak.

    A function of another project module that the model is handed to is read
    from its source (``validate(model, val_loader)`` imported from
    `engine.py` that calls `model.eval()`; `train_one_epoch(model, ...)` that
    trains it without `model.train()`), a few calls deep, and so is a helper
    handed a list of models (`set_mode("eval", [encoder, head])` whose
    `for m in models:` puts each in eval), in this file or another. A model picked from
    a dict literal of built models by a key (`backbone = BACKBONES[args.arch]`
    with `BACKBONES = {"r50": ResNet50(), "ir50": IR50()}`) is one of them: it
    is followed when every one holds BatchNorm (or BatchNorm or dropout).
    A method of an instance of a project class of another module is read
    the same way, `self` first (`checker.run(step, net)`), and so is the
    instance called as a function (`monitor(step, net)`: its class's
    `__call__`, a callback that scores the model and leaves it in eval).

    A model built in a way the analysis does not follow (`model =
    builder.deepvoice3(...)` of a package), handed to a function of the file
    that switches its mode (`train(model, ...)` calling `model.train()`), is
    followed from that call on as that function's parameter would be.

    A model that trains itself (a Keras-style `fit()` of an `nn.Module`) is
    followed from the method that reaches a mode switch through the methods it
    calls on `self` (`fit()` -> `self.train_one_epoch()` -> `self.train()`).

    A trainer's `self.model` that its base class of the same file stores from
    an `__init__` parameter (`super().__init__(config, model)`) is followed as
    the trainer's own would be.

    A mode switch under `if isinstance(net, nn.Module):` (textbook helpers that
    also accept a plain function) is taken: a model the analysis follows is a
    module on every path.

    Tests of the same configuration value are one decision: `if args.gated:`,
    `if cfg.mode == "gumbel":`, and `if cfg.mode in GATED` against a table the
    module binds once to literals, so a
    part used and put back in train mode only under that test is not left in
    eval by a validation that switches it whatever the test says.

    A method the class inherits from a project base class of another module
    (`self._evaluate_model(model)` defined in `BaseTrainer`) is read from its
    source too, and so is an evaluator object of another module that keeps the
    model (`BertEvaluator(self.model, ...).get_scores()` running
    `self.model.eval()`, also through its own `self._evaluate()`).  With
    `accelerate`, `self.model = accelerator.prepare(self.model)` and
    `unwrap_model` return the same model. An object of a plain class of
    another project module that builds models in its constructor (VSE++'s
    `VSE` with `self.img_enc = EncoderImage(...)`) is followed through its
    methods (`model.val_start()` in a validation helper, `model.train_emb()`
    in the loop): the finding names the part and the class's method that puts
    it back in train mode, and has no fix. A `self.model` that a class which is
    no module loads from code the project cannot read and puts in train and in
    eval mode itself is followed as a model of unknown content. (A file is read
    for such composites when it names `eval`, calls `.train(` or a method named
    like a mode switch, `x.train_start()` / `x.val_start()`: one whose switch
    methods are named otherwise and which names neither is not read.) An
    `.eval()` of a model whose class (of this file) puts every part with
    BatchNorm or dropout in eval in its constructor (`self.encoder.eval()`
    beside a prompt it tunes) changes nothing that trains, and is not
    reported; nor is an `.eval()` under `if i == len(steps) - 1:` in `for i,
    batch in enumerate(steps)`, or under `if epoch + 1 == num_epochs:` in
    `for epoch in range(num_epochs)` (the loop's last step: none of its steps
    follows). What it cannot see: attributes a base class of another module
    sets (`self.student_model` assigned in the base's `__init__`),
    functions reached through a registry or a container, and modes set by a
    framework (Lightning, ignite, mmcv runners).

    A training forward through a method of the model (`pred, aux =
    net.forward_with_aux(x)`) trains the model: the message and the fix name
    `net`, not the method. Dropout layers collected in a list
    (`layers.append(nn.Dropout(p))`, `layers += [...]`) and unpacked into
    `nn.Sequential(*layers)` are the model's dropout, as inline ones are.

    ## Why is this bad?
    `model.eval()` sets `training = False` on every submodule and it stays
    that way until `model.train()` is called. From the next iteration on, the
    model trains in eval mode: BatchNorm normalises with its frozen running
    statistics instead of the batch statistics and never updates them again,
    and dropout is off. Training silently becomes a different (usually worse)
    optimisation problem, typically visible as a kink in the loss curve right
    after the first validation.

    ## Example
    ```python
    for epoch in range(epochs):
        for images, labels in train_loader:
            loss = criterion(model(images), labels)
            ...
        model.eval()                     # BN006
        with torch.no_grad():
            val_loss = sum(criterion(model(x), y) for x, y in val_loader)
    ```

    ## Use instead
    ```python
    for epoch in range(epochs):
        model.train()
        for images, labels in train_loader:
            ...
        model.eval()
        with torch.no_grad():
            ...
    ```
    or call `model.train()` right after the validation block.

    ## Fix safety
    The fix adds `model.train()` at the end of the block that contains the
    validation (so it runs before the next iteration), or at the top of the
    loop's body where the model entered the loop in eval mode; inside one step, right
    before the statement of the forward the step trains on, when both are in
    the same block (otherwise there is no fix). It is unsafe because a
    model that is deliberately trained in eval mode (frozen BatchNorm
    fine-tuning) should instead freeze BN explicitly (see BN014).

    ## References
    - https://pytorch.org/docs/stable/generated/torch.nn.Module.html#torch.nn.Module.train
    - https://pytorch.org/docs/stable/generated/torch.nn.BatchNorm2d.html
    """

    code = "BN006"
    name = "eval-not-restored"
    severity = "warning"
    fix_availability = "unsafe"
    summary = "model.eval() inside the training loop is never undone before training resumes"
    trigger_tokens = ("eval", "train(False)", "train(mode=False)")
    # ... or none of them, where a function of another module does the `.eval()` and this file
    # puts the model in train mode (`BACKBONE.train()` ... `perform_val(..., BACKBONE, lfw)`).
    # ... or a mode-switching method of the code's own classes (`model.train_start()`,
    # `model.val_start()`: VSE++), whose `.eval()` is in another module.
    trigger_pattern = r"\.train\(|\.\w*(?:train|val)_\w*\("
    needs_bn_evidence = True
    dropout_evidence = True  # a dropout model trained in eval mode trains without its regularisation
    needs_bn_model = True  # the mode analysis tracks models from their construction in this file
    # ... or from a parameter of a training function: training in the file is evidence enough.
    name_evidence = r"\.(?:backward|manual_backward|step)\s*\("

    @classmethod
    def ast_name_evidence(cls, scan, source: str) -> bool:
        """A model that comes in as a parameter is followed without BN evidence: `.eval()` with
        training (a `.backward()` or an optimizer's `.step()`, what the analysis counts as a
        training routine, ``modes._has_training_calls``) in the module is enough to look."""
        methods = scan.called_methods
        return ("eval" in methods or "train" in methods) and bool({"backward", "manual_backward", "step"} & methods)


    valid_examples = (
        "import torch.nn as nn\nmodel = nn.Sequential(nn.Linear(4, 4), nn.BatchNorm1d(4))\nfor epoch in range(3):\n    model.train()\n    for x, y in loader:\n        model(x).sum().backward()\n        opt.step()\n    model.eval()\n",
    )
    invalid_examples = (
        (
            "import torch.nn as nn\nmodel = nn.Sequential(nn.Linear(4, 4), nn.BatchNorm1d(4))\nfor epoch in range(3):\n    for x, y in loader:\n        model(x).sum().backward()\n        opt.step()\n    model.eval()\n    print(epoch)\n",
            "import torch.nn as nn\nmodel = nn.Sequential(nn.Linear(4, 4), nn.BatchNorm1d(4))\nfor epoch in range(3):\n    for x, y in loader:\n        model(x).sum().backward()\n        opt.step()\n    model.eval()\n    print(epoch)\n    model.train()\n",
        ),
    )

    def check_module(self) -> None:
        from bnlint.modes import analysis

        facts = self.ctx.facts
        result = analysis(facts, self.ctx.source)
        if result.aborted:
            return
        for leak in result.leaks.values():
            node = leak.node
            label = leak.label
            if _parameters_frozen_where_built(facts, leak.obj):
                continue  # only what a freeze left trainable trains: eval is the frozen layers' right mode
            is_call_to_helper = not (
                isinstance(node, cst.Call) and isinstance(node.func, cst.Attribute) and node.func.attr.value in ("eval", "train")
            )
            what = f"`{facts.module.code_for_node(node.func)}(...)` puts `{label}` in eval mode" if is_call_to_helper and isinstance(node, cst.Call) else f"`{label}` is put in eval mode here"
            if leak.obj.holds_bn or leak.obj.is_parameter:
                bn = "its BatchNorm layers normalise" if leak.obj.holds_bn else "any BatchNorm in it normalises"
                effect = f"{bn} with frozen running statistics (and stop updating them) and dropout is off"
            else:  # dropout and no BatchNorm
                effect = "its dropout is off: it trains without the regularisation it was built with"
            if leak.in_step:
                message = (
                    f"{what} inside a training step that had put it in train mode, and the same step then trains it "
                    f"(`{facts.module.code_for_node(leak.use.func)}(...)`) still in eval mode: there {effect}. Call `{label}.train()` after the evaluation, before the forward "
                    f"that is trained on."
                )
                summary = f"`{label}` is put in eval mode inside the training step and then trained: call `{label}.train()` before that forward"
            elif leak.same_iteration:
                message = (
                    f"{what} for an evaluation inside the training loop, and the same iteration then trains it "
                    f"(`{facts.module.code_for_node(leak.use.func)}(...)`) without `{label}.train()`: from the first such iteration on "
                    f"{effect}. Call `{label}.train()` after the evaluation, before the training that follows it."
                )
                summary = f"`{label}` trains in eval mode after this iteration's evaluation: call `{label}.train()` after it"
            elif leak.after_loop:
                message = (
                    f"{what} inside a training loop that trained it in train mode, and it is trained again after that loop "
                    f"without `{label}.train()` (a second training phase, a learning-rate sweep): there {effect}. Call "
                    f"`{label}.train()` before training it again."
                )
                summary = f"`{label}` is left in eval mode by the training loop and trained again after it: call `{label}.train()` first"
            elif leak.entered_in_eval is not None:
                message = (
                    f"{what} inside the training loop, an evaluation before the loop had already put it in eval mode, and "
                    f"nothing ever calls `{label}.train()`: every iteration, the first included, trains it in eval mode, so "
                    f"{effect}. Call `{label}.train()` at the top of each epoch (or step)."
                )
                summary = f"`{label}` is never put back in train mode: every epoch trains in eval; call `{label}.train()` at the top of each"
            else:
                message = (
                    f"{what} inside the training loop and nothing calls `{label}.train()` before it is trained again in the "
                    f"next iteration: from then on {effect}. Call `{label}.train()` after the validation block or at the top of each "
                    f"epoch/step."
                )
                summary = f"`{label}` is left in eval mode inside the training loop: call `{label}.train()` after validating"
            if leak.obj.part_of is not None:
                # A model an object of a plain class builds and switches with its own methods
                # (`model.val_start()` / `model.train_start()`): that class's switch is the fix.
                holder = leak.obj.part_of
                switch = result.composite_switch(leak.obj, "T")
                call = f"`{holder.label}.{switch}()`" if switch else f"the method of `{(holder.cls_name or '').rsplit('.', 1)[-1]}` that puts it back in train mode"
                message += f" `{label}` is built by `{(holder.cls_name or '').rsplit('.', 1)[-1]}`: call {call} after validating."
                summary = f"`{label}` is left in eval mode inside the training loop: call {call} after validating"
            fix = None
            identifier = leak.obj.part_of is None and all(p.isidentifier() for p in label.split("."))
            if leak.in_step or leak.same_iteration:
                before = _same_block_later(facts, node, leak.use, outer=leak.same_iteration)
                if before is not None and identifier:
                    what_follows = "the forward the step trains on" if leak.in_step else "the training that follows the evaluation"
                    fix = FixSpec("unsafe", (InsertBefore(before, f"{label}.train()"),), f"Add `{label}.train()` before {what_follows}")
            elif leak.entered_in_eval is not None:
                # Restoring after the validation would leave the first iteration in eval: the top
                # of each iteration is the place.
                body = getattr(getattr(leak.loop, "body", None), "body", None)
                if body and identifier and isinstance(leak.loop, (cst.For, cst.While)):
                    fix = FixSpec("unsafe", (InsertBefore(body[0], f"{label}.train()"),), f"Add `{label}.train()` at the top of each iteration")
            else:
                anchor = _block_end(facts, node) if not leak.after_loop else None  # (after the loop: where it trains again is the place)
                if anchor is not None and identifier:
                    last, first = anchor
                    fix = FixSpec("unsafe", (InsertAfter(last, f"{label}.train()", indent_like=first),), f"Add `{label}.train()` after the validation block")
            if leak.in_step:
                related = (
                    (leak.use, f"`{label}` is trained here, still in eval mode"),
                    (leak.loop, "the training loop whose step put it in train mode"),
                )
            elif leak.same_iteration:
                related = (
                    (leak.use, f"`{label}` is trained here, still in eval mode"),
                    (leak.loop, "the training loop whose iteration evaluates it first"),
                )
            elif leak.after_loop:
                related = (
                    (leak.use, f"`{label}` is trained again here, still in eval mode"),
                    (leak.loop, "the training loop that left it in eval mode"),
                )
            elif leak.entered_in_eval is not None:
                related = (
                    (leak.use, f"every iteration trains `{label}` here in eval mode, the first one included"),
                    (leak.entered_in_eval, f"`{label}` was put in eval here for an evaluation before the loop"),
                    (leak.loop, "the training loop, entered in eval mode"),
                )
            else:
                related = (
                    (leak.use, f"the next iteration trains `{label}` here, still in eval mode"),
                    (leak.loop, "the training loop whose next iteration it leaks into"),
                )
            self.report(node, message, fix=fix, related=related, summary=summary)
        from bnlint.modes import plain_class_eval_leaks

        for item in plain_class_eval_leaks(facts):
            label = f"self.{item.attr}"
            message = (
                f"`{item.cls_name}.{item.leaving}()` leaves `{label}` in eval mode, and `{item.cls_name}.{item.training}()` "
                f"trains it in whatever mode it finds it (no `.train()`), while no method of the class puts it back in "
                f"train mode: a `{item.training}()` after a `{item.leaving}()` trains with BatchNorm on its frozen running "
                f"statistics and dropout off. Restore the mode at the end of `{item.leaving}()` (`{label}.train()` if it "
                f"was training) or call `{label}.train()` at the start of `{item.training}()`."
            )
            summary = f"`{item.leaving}()` leaves `{label}` in eval and `{item.training}()` never calls `.train()`: restore the mode"
            self.report(item.node, message, summary=summary)


def _parameters_frozen_where_built(facts, obj) -> bool:
    """Were the model's own parameters frozen where it was built: a loop over its
    `parameters()`/`named_parameters()` (the name test a loop may apply left aside) setting
    `requires_grad` off, or `model.requires_grad_(False)`, in the function that builds it?  Then
    what trains is what the freeze left out (a prompt, an adapter, a new head), and eval mode is
    what its frozen BatchNorm layers should be in (BN004's advice), not a leak."""
    from bnlint.facts import dotted, literal_value

    built = getattr(obj, "created_at", None)
    label = getattr(obj, "label", "")
    if built is None or not label.isidentifier():
        return False
    scope = facts.enclosing_function(built) or facts.module

    def off(call: cst.CSTNode, names) -> bool:
        if isinstance(call, cst.Call) and isinstance(call.func, cst.Attribute) and call.func.attr.value == "requires_grad_":
            return (dotted(call.func.value) or "") in names and bool(call.args) and literal_value(call.args[0].value) is False
        if isinstance(call, cst.Assign) and len(call.targets) == 1 and isinstance(call.targets[0].target, cst.Attribute):
            target = call.targets[0].target
            return target.attr.value == "requires_grad" and (dotted(target.value) or "") in names and literal_value(call.value) is False
        return False

    if not _optimizers_take_single_parameters(facts, scope, label):
        return False
    for node in facts.iter_nodes(scope):
        if off(node, {label}):
            return True
        if not isinstance(node, cst.For) or not isinstance(node.iter, cst.Call) or not isinstance(node.iter.func, cst.Attribute):
            continue
        if dotted(node.iter.func.value) != label or node.iter.func.attr.value not in ("parameters", "named_parameters"):
            continue
        target = node.target
        names = {n.value for n in [target, *facts.iter_nodes(target)] if isinstance(n, cst.Name)}
        if any(off(inner, names) for inner in facts.iter_nodes(node.body)):
            return True
    return False


def _optimizers_take_single_parameters(facts, scope, label: str) -> bool:
    """Is every optimizer built in ``scope`` over what the model ``label`` holds (at least one)
    built over a list of its parameters named one by one (`SGD([scorer.prompt], ...)`): tensors,
    not the `parameters()` of modules that may hold BatchNorm or dropout (a new head trained in
    eval would lose its dropout)?  (Another model's optimizer, `SGD(student.parameters())`, says
    nothing about this one.)"""
    built = [
        node for node in facts.iter_nodes(scope)
        if isinstance(node, cst.Call) and (facts.callee(node) or "").startswith("torch.optim.") and node.args
        and not (facts.callee(node) or "").startswith("torch.optim.lr_scheduler")
        and any(isinstance(n, cst.Name) and n.value == label for n in facts.iter_nodes(node.args[0].value))
    ]
    if not built:
        return False
    for call in built:
        first = call.args[0].value
        if not isinstance(first, (cst.List, cst.Tuple)) or not first.elements:
            return False
        if not all(isinstance(e, cst.Element) and isinstance(e.value, (cst.Attribute, cst.Name)) for e in first.elements):
            return False
    return True


def _block_end(facts, node: cst.CSTNode) -> Optional[tuple]:
    """(last statement of the block holding ``node``'s statement, that statement)."""
    stmt = facts.enclosing_statement(node)
    if stmt is None:
        return None
    block = facts.parent(stmt)
    if not isinstance(block, cst.IndentedBlock):
        return None
    last = block.body[-1]
    if isinstance(last, cst.SimpleStatementLine) and any(isinstance(s, (cst.Return, cst.Break, cst.Continue, cst.Raise)) for s in last.body):
        return None
    return last, stmt


def _same_block_later(facts, node: cst.CSTNode, use: cst.CSTNode, outer: bool = False) -> Optional[cst.CSTNode]:
    """The statement holding ``use`` when it follows the statement holding ``node`` in the same
    block (where `model.train()` goes between them), else None.  ``outer``: ``use`` may be deeper
    (the epoch's batch loop after the validation): the statement of that block holding it."""
    first, later = facts.enclosing_statement(node), facts.enclosing_statement(use)
    if first is None or later is None or first is later:
        return None
    block = facts.parent(first)
    if outer:
        while later is not None and facts.parent(later) is not block:
            later = next((a for a in facts.ancestors(later) if facts.parent(a) is block), None)
        if later is None or later is first:
            return None
    if block is not facts.parent(later) or not isinstance(block, cst.IndentedBlock):
        return None
    body = list(block.body)
    return later if body.index(first) < body.index(later) else None
