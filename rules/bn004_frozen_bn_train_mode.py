"""BN004 frozen-bn-train-mode."""
from __future__ import annotations

import ast
import os
import re

import libcst as cst

from bnlint.astwalk import walk as ast_walk
from bnlint import inventory as inv_mod
from bnlint.facts import NOT_LITERAL, call_arg, container_of, dotted, literal_value, number_value, params_of, unmoved
from bnlint.facts import root_name as _root
from bnlint.param_names import BN_PARAM_STRINGS, name_filter_verdict
from bnlint.patterns import lazy
from bnlint.records import field, record
from bnlint.rule import Related, Rule, register

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing (a few ms of every start)
if TYPE_CHECKING:  # pragma: no cover
    from typing import Dict, List, Optional, Set, Tuple

_BN_NAME_RE = lazy(r"(^|_|\.)(bn|bns|batchnorm|batch_norm)(\d+|_|\.|$)|batchnorm", re.IGNORECASE)
def _constructor_attributes(cls: ast.ClassDef):
    from bnlint.effects import constructor_attributes

    return constructor_attributes(cls)


def _kept_parameter(cls: ast.ClassDef, attr: str) -> "Optional[Tuple[str, int]]":
    """The constructor parameter ``cls`` keeps as `self.<attr>` as it came, and its position
    among the positional parameters after `self` (-1: keyword-only); None if none."""
    from bnlint.effects import constructor_attributes

    kept = constructor_attributes(cls)
    if kept is None:
        return None
    params, stored = kept
    param = next((p for p, a in stored.items() if a == attr), None)
    if param is None:
        return None
    return param, params.index(param) if param in params else -1


def _parts_kept_in_eval(cls: ast.ClassDef, method: ast.AST, parts: "Set[str]") -> bool:
    """Does ``method`` of ``cls`` call `self.<part>.eval()` for each of ``parts``, and no method of
    the class `self.<part>.train()` (or `.train(True)`)?"""
    if not parts:
        return False

    def switched(fn: ast.AST, mode: str) -> "Set[str]":
        out = set()
        for n in ast_walk(fn):
            if isinstance(n, ast.Call) and isinstance(n.func, ast.Attribute) and n.func.attr == mode:
                if mode == "train" and n.args and isinstance(n.args[0], ast.Constant) and n.args[0].value is False:
                    continue
                target = n.func.value
                if isinstance(target, ast.Attribute) and isinstance(target.value, ast.Name) and target.value.id == "self":
                    out.add(target.attr)
        return out

    if not parts <= switched(method, "eval"):
        return False
    return not any(parts & switched(fn, "train") for fn in cls.body if isinstance(fn, (ast.FunctionDef, ast.AsyncFunctionDef)))


def _unpacked_site(assign: cst.Assign, value: cst.Call, index: int, factory: str):
    """The freeze site of the target at ``index`` of `a, b = factory(...)` (a name, or an attribute
    of the instance: `self.model, self.size = frozen_resnet50(3)`), or None."""
    targets = assign.targets[0].target.elements  # type: ignore[attr-defined]
    target = dotted(targets[index].value) if index < len(targets) else None
    if not target or target.count(".") > 1:
        return None
    roots = {target.split(".")[0]} | ({target} if "." in target else set())
    return (assign, value, ("module", roots, f"`{target}` (frozen by `{factory}()`)"))


_HEAD_ATTRS = {"fc", "classifier", "head", "heads", "linear", "lm_head", "logits", "last_linear", "out", "output", "cls_head"}
_FORWARD_DEF = lazy(r"\bdef\s+forward\b")
_MODULE_ITERATORS = {"modules", "children", "named_modules", "named_children"}
_PARAM_ITERATORS = {"parameters", "named_parameters"}

SUMMARY = "`requires_grad=False` does not freeze BatchNorm in train mode: also put its BN modules in eval"
MESSAGE = (
    "{what}, but the BatchNorm layers stay in train mode ({when}): train-mode BN still normalises every batch with "
    "that batch's own mean/variance and keeps overwriting running_mean/running_var, so `requires_grad=False` does "
    "not freeze it and the pretrained statistics drift. Also put the BN modules in eval mode after every "
    "`.train()` (`model.apply(set_bn_eval)` with `if isinstance(m, nn.modules.batchnorm._BatchNorm): m.eval()`), "
    "override `train()` to do that, or build the model with `norm_layer=torchvision.ops.FrozenBatchNorm2d`."
)


@register
class FrozenBNTrainMode(Rule):
    """
    ## What it does
    Flags `requires_grad = False` / `requires_grad_(False)` applied to
    BatchNorm parameters, or to a module that contains BatchNorm (a
    torchvision backbone, `model.features`, a loop over
    `backbone.parameters()`, `named_parameters()` filtered on `"bn"`, modules picked by
    class name: `m.__class__.__name__.find('BatchNorm') != -1`), when
    those BatchNorm layers then run in train mode: a later `.train()` on the
    model (or training with an optimizer and no `.eval()`, also through a
    closure handed to `optimizer.step(closure)`: style transfer optimizes an
    image through a frozen pretrained network), and no code that
    puts the BN modules in eval mode.

    A function of another project module that the model is handed to after
    the freeze is read from its source: one that calls `model.train()`
    (`train_one_epoch(model, ...)` in `engine.py`) counts as the `.train()`.
    A model whose class (in this file or a project module) freezes its
    BatchNorm layers' parameters in its constructor (`for i in self.bn1.parameters():
    i.requires_grad = False`, the AdaptSegNet DeepLab idiom, or a helper of its
    module or class handed the BN layer, `_freeze_module(self.bn1)`, or all of
    its own parameters in a class that builds BN) is a freeze where it is built,
    and so is a class whose constructor builds such a class as a part
    (`self.cnn = FrozenCNN()`) and a factory whose every branch builds one.
    The finding at the construction names the constructor's `requires_grad =
    False` as a related location (in its own module when that is another
    one); a class of this file that freezes a part of `self` is reported at
    that freeze instead, once, not again where it is built.
    A constructor freeze under one of its own flags (`if pretrained:`, or `if
    self.pretrained == True:` with `self.pretrained = pretrained`) counts where
    the call passes that flag as a true literal (a keyword, a positional
    argument, an entry of a dict literal unpacked into it, `**cnn_kwargs`) or
    leaves a true default; a flag from a variable or an option is taken as
    off. That model is followed as an object: a `model.train()` in another
    function that binds its own `model` trains another model. A flag set
    from a test of the parameter's name (`p.requires_grad = "layer4" in
    name`, or `True`/`False` in the two branches of an `if`) freezes the
    parameters the test rejects; one that leaves exactly the normalisation
    layers trainable (`"norm" in name`, `if "bn" not in name: ... = False`)
    freezes no BatchNorm. A freeze that
    selects parameters by name (`if "backbone" in name:`) reaches only the
    parts whose attribute paths carry that name: `model.module.final_bn.train()`
    after it trains an unfrozen layer and is not counted (a part named
    otherwise that holds the selected name deeper inside cannot be seen).

    A pretrained sub-module kept frozen by running it under `torch.no_grad()`
    (or `inference_mode()`) in a module's `forward`, while the same forward
    trains layers of its own (`with torch.no_grad(): x = self.resnet(x)` then
    `self.fc(x)`), is reported at that call: `.train()` on the module reaches
    the sub-module, so its BatchNorm runs in train mode whenever the module
    trains. A module whose whole `forward` is such a frozen trunk (an image
    encoder) counts when a module of the file holds it beside parts that
    train (`self.encoder = Enc()`, `self.decoder = Dec()`): that module's
    `.train()` reaches it. Not when the sub-module also runs with gradients, has no
    BatchNorm, is an EMA / momentum encoder (MoCo's key encoder), is kept in
    eval by a `train()` override, or is put in eval (`.eval()`, `.train(False)`,
    `.apply(...)` on something of that attribute name) in this file or in any
    other Python file of the project (a namesake there keeps the finding
    back, unless every such switch in that file's code is on a throwaway
    object: a local its function builds, never hands on and does not train,
    as in a script that prints a fresh model's output shapes).

    A model trained in train mode (a new module's default) and put in eval
    only after its training loops, for a test, is still reported: the
    training ran with the frozen BN in train mode.

    The frozen model is followed as an object where names would mislead: a
    local of a function (not handed to a call) is that function's object, and
    a factory of this file that freezes the model it returns (`model =
    efficientnet_b2(...)`; `for p in model.features.parameters(): ...`;
    `return model` or `return model, transforms`, also a container around it,
    `return nn.Sequential(trunk, head)`, in another module too) is reported at its freeze
    when a caller trains what it returns, under any name; a name bound to a
    new object between the freeze and the training (`effnetb2, tf =
    create_model()`, not on a branch of its own) is another object.

    A function of another project module that freezes the parameters of the
    module it is handed (`set_requires_grad(model, keys, requires_grad=False)`
    looping over `named_parameters()`, `freeze(model.encoder)`) is a freeze
    where it is called with a false value (not where the same helper, or
    another one that unfreezes, `enable_gradients(model)`, unfreezes that
    model in the same function: a gradient toggle). So is a
    method of a model class of another module that freezes, at the top of
    its body, the parameters of the instance or of a part of it that is no
    head (`encoder.fine_tune(False)` with `for p in self.resnet.parameters():
    p.requires_grad = False`). A trainer class of another module or of this
    file that keeps the model it is handed and puts it in train mode in a method (`sbs =
    StepByStep(model, loss_fn, optimizer)`, `sbs.train(10)`, or
    `Runner(model, loader).fit(10)`, whatever `.eval()` its validation makes
    in between; a subclass that keeps its base's constructor too) trains it
    there, unless that method
    puts the BatchNorm layers back in eval after its `.train()`; a model
    class whose `train()` override keeps BN in eval is not reported for its
    freezing methods, nor a freeze of an object built from such a class of
    another module. A constructor that keeps the module it is handed and
    freezes its parameters (`LinearProbe(resnet18(...))` with `self.backbone
    = backbone` and `for p in self.backbone.parameters(): p.requires_grad =
    False`) is a freeze of that argument's BatchNorm, reported where the
    object is built. So is a constructor of another module (or a method it
    calls) that freezes a part by parameter name (`for name, p in
    self.trunk.named_parameters(): if not name.startswith("layer4"):
    p.requires_grad = False`): a name test freezes BatchNorm unless its
    strings keep only heads (`"fc" in name`) or leave BN out (`"bn" not in
    name`); tests on names computed elsewhere are not read. A part of a
    torchvision classification model that holds no BatchNorm (a ResNet's
    `conv1` or `fc`, a DenseNet's `classifier`) freezes none. An override that walks only `self.children()` keeps in
    eval only the BN layers that are direct children: where the class builds
    a deeper one (in a `Sequential`, a block of its own, a re-exposed part of
    a backbone), that one still runs in train mode and the freeze is
    reported. A trainer (a plain class keeping the model it is
    handed, `self.model = model`) that freezes `self.model` in one method and
    trains it in another is reported at its freeze when the model it is
    handed holds BatchNorm (a construction in this file, or in another module
    of the project) and the freeze runs first (also through a helper of this
    file its constructor hands the model to, `self.opt = make_optimizer(net)`;
    a training method that puts the frozen part back in eval after its
    `.train()`, `self.net.trunk.eval()`, keeps it frozen): the class calls it before the
    training (`def fine_tune(self): self.freeze(); self.fit()`, or in its
    constructor), or an instance of this file does (`learn.freeze()`, then
    `learn.fit()`). A freeze method that no one calls, or that runs only after
    the training, is not reported.

    A LightningModule with a `training_step` that freezes a part of itself
    (`self.teacher`'s parameters) is trained by Lightning in train mode: reported
    at the freeze unless this file, or a project file that names the class (a
    callback), switches that part's mode.

    A builder function (of this file or another module) that freezes the model
    it returns, directly or through a helper of its module, under one of its
    flags (`if feature_extract:`, or `set_parameter_requires_grad(model,
    feature_extract)`, the PyTorch fine-tuning tutorial's shape) freezes where
    the caller's argument is true: a literal, or a name the file binds once
    to one (`FEATURE_EXTRACT = True`); reported where the model is built. A
    freeze under `if flag:` in a helper every caller of the file hands a false
    value (also through its own callers' parameters) never runs. A builder
    of another module may hand the frozen model back inside a tuple (`net,
    opt = frozen_trunk(dev)`). `X.apply(lambda m: m.requires_grad_(False))`
    freezes all of X, and Lightning's `trainer.fit(model)` after the freeze
    trains the model in the mode it is in: train mode, unless something put it
    in eval. A scoring helper's `m.train()` that only restores the mode after
    its own `m.eval()`, where nothing trains after its call, trains nothing.
    A script that trains (`loss.backward()`) a model another module's builder
    froze, with no `.train()` of its own, trains it in train mode (modules
    start there); `p.requires_grad = False if freeze_norm else True` freezes
    where every value the file gives the flag picks `False`. A name bound
    several times is the object of the binding that reaches the freeze (`net =
    alexnet(...)` after `net = ResNetSmall()` has no BatchNorm). A constructor
    that freezes a library model it builds (`self.trunk = resnet50(...)`, then
    `requires_grad = False` on `self.trunk` or on a stage `self.trunk.layer1` of a library
    model; a project class's part is decided by what that class builds)
    freezes BatchNorm, also for a model of that class built in another module.
    A builder that returns what a builder of another module froze
    (`build_classifier()` returning `resnet_frozen(n)`) hands back a frozen
    model too, through any number of modules.

    A freeze on a branch that never runs is none: `if 0:`, or `if FREEZE:` where
    every binding of `FREEZE` that reaches the `if` is a literal false. A freeze
    by parameter name is a BatchNorm freeze when its strings name BN (`"bn"`,
    `"norm"`) or a library model's trunk (`"backbone"`, `"layer1"`,
    `"features"`); strings that say nothing of BN (`"netC" in k or "fc" in k`,
    a project's own classifier) are not known to select any. Builders that
    freeze only the BN parameters of the model they return (a name test in a
    `named_parameters()` loop, an isinstance test in a `modules()` loop) are
    read like builders that freeze everything, also when a constructor stores
    a builder method's result (`self.model = self.setup_model()`) or a trainer
    stores a builder's (`self.model = frozen_resnet50(3)`, `self.model,
    self.size = frozen_resnet18(3)`) and another method of the instance trains
    it. `net.train()` as the last statement before `return net` trains nothing
    in that function, and a `net` that another function builds for itself is
    another object. A frozen backbone wrapped in a container (`model =
    nn.Sequential(backbone, head)`) is trained by the container's `.train()`
    unless the backbone is put back in eval right after it, before the
    training loop (`model.train(); backbone.eval()`). A target network that
    the training loop overwrites from the online network
    (`target.load_state_dict(online.state_dict())`) is treated like an EMA
    target: its `requires_grad = False` only keeps the optimizer out. A
    LightningModule's part kept from a constructor parameter (`self.encoder =
    encoder`) holds what the constructions in the file hand it. A loop over
    `m._modules.items()` (or `.values()`), the dict behind `named_children()`,
    goes over `m`'s children. A builder that picks its class from a dict of its
    module (`TEACHERS[arch](classes)`, `MODELS.get(name)(...)`) builds what the
    dict's classes build. A LightningModule whose constructor puts every part
    that holds BatchNorm in eval (`self.features.eval()` beside the freeze) is
    fitted in that mode: `Trainer.fit` keeps the modes of sub-modules (since
    Lightning 2.2). An optimizer built over the frozen model counts as its
    training only where something reads it (`opt.step()`, `fit(net, opt)`)
    before its name is bound again; a name used before the freeze is the
    object it held then, not one bound to the name later. A builder of this
    file whose every `return` is an object of a class that puts its BatchNorm
    back in eval (a `train()` override, or `self.extractor.eval()` at the
    start of `forward`, in another module too) hands back a kept model. A part
    of a model the class keeps (`self.net.trunk` with `self.net =
    Classifier()`) holds what that project class builds there. A freeze helper
    of another module whose freeze runs only under one of its flags (`if
    lock_restored:`) freezes where the call's literal (or the flag's literal
    default) says so. A freeze on a branch that the default of an option this
    file parses rules out (`if args.lr_decay > 0: groups.append(...) else:
    p.requires_grad = False`, with `add_argument("--lr_decay", default=0.1)` and
    nothing in the file assigning `args.lr_decay`) does not run as the program
    is written and is not reported (a command line that passes 0 is not
    seen). A freeze at module level is of the module's global: a
    function's own local of the same name (`model = nn.Sequential(...)` in
    `pretrain()`) is another object, and its `model.train()` is not reported.
    An indexed layer of a container the class builds from listed layers
    (`self.body[0]` of `nn.Sequential(nn.Conv2d(...), nn.BatchNorm2d(...))`)
    is that layer: freezing a convolution there freezes no BatchNorm.

    A loop body that freezes every parameter and then switches some back on
    by a test of the name (`p.requires_grad = False` then `if
    name.startswith("head"): p.requires_grad = True`) freezes the parameters
    the test rejects, as `p.requires_grad = name.startswith("head")` does: no
    gradient toggle (a test that keeps the norm layers trainable freezes no
    BatchNorm).
    A model that the mode analysis finds in eval mode at every training
    forward (`reader = Reader().eval()` then the freeze, and no `.train()`)
    is not reported: its BatchNorm uses the running statistics. A method of a
    plain trainer class (no `nn.Module` base) that puts what it freezes in
    eval itself (`self.teacher = copy.deepcopy(self.net)`, `.eval()`,
    `requires_grad = False`) freezes no part of the trainer, and the trainer's
    own `train(epoch)` method is not `nn.Module.train`.
    What it cannot see: a factory whose returned mode depends on its
    arguments (`return net.train() if phase == "train" else net.eval()`:
    the mode is then unknown, and taken as train mode); a model built inline as an argument (`fit(Net(), loader)`)
    rather than bound to a name first; whether the Lightning version resets
    the modes the constructor set (before 2.2 `fit` called `model.train()` on
    the whole module; since 2.2 it keeps each sub-module's mode, which is what
    is assumed); BatchNorm freezes done inside a helper of another module, a
    constructor freeze under a condition other than one of its own flags, a
    file that neither freezes nor trains itself but only hands the model from
    another module's builder to another module's trainer (nor one that freezes
    through a method of the model's class of another module, `net.lock_trunk()`,
    and trains through a trainer object of a third, `runner.one_epoch()`),
    Lightning's `BaseFinetuning.freeze(..., train_bn=False)`, and a
    trainer's freeze method called on an instance by another module when that
    module runs the training through the trainer (`learn.freeze()`,
    `learn.fit()`: the order is in the caller, the freeze in the trainer's module; a caller
    that trains the model itself, with its own `.train()`, is reported at `learn.freeze()`). A sub-module handed to the constructor of an `nn.Module`
    class that is no LightningModule (a backbone parameter) has unknown
    content inside the class and is not reported there; where the model is built (`ObjectDetector(resnet50(...))`, a class
    of this file keeping it as `self.backbone = base_model`), freezing
    `model.backbone` is a freeze of the ResNet's BatchNorm. Freezing the
    handed object itself (`backbone`) and then training a module that keeps
    it (`model = Classifier(backbone, 5)` with `self.trunk = trunk` in a
    module class of this file, or `nn.Sequential(backbone, head)`) is a
    freeze its `.train()` undoes; a wrapper class of another module is not
    followed, nor a builder method a subclass overrides and its base class's constructor
    calls (`BaseModule.__init__` running `self.setup_model()`).

    ## Why is this bad?
    `requires_grad=False` only stops the optimizer from changing BN's affine
    parameters γ (`weight`) and β (`bias`). A BatchNorm module in train mode
    (`module.training is True`, which `model.train()` sets recursively)
    still normalises its input with the **current batch's** mean and
    variance and still updates `running_mean`/`running_var` with momentum.
    So the "frozen" backbone keeps changing: training sees batch statistics,
    the running statistics used at evaluation drift away from the pretrained
    ones, and with small fine-tuning batches the drift is large.

    Not reported: `FrozenBatchNorm2d` (or `norm_layer=FrozenBatchNorm2d`),
    a model whose `train()` override puts BN back in eval mode, code that
    calls `.eval()` on the BN modules (`model.apply(set_bn_eval)`, an
    `isinstance` loop), test-time adaptation that clears the running
    statistics (`track_running_stats=False`, `running_mean = None`), models
    without BatchNorm (VGG, ViT), freezing only conv/linear layers, scripts
    that never train, an EMA teacher or momentum encoder whose parameters are
    written in place from the student's (`for s, t in zip(student.parameters(),
    teacher.parameters()): t.data.mul_(m).add_(...)`: DINO, BYOL, MoCo), and a
    `.train()` under a condition that excludes the freeze's (`if args.mode ==
    "probe":` freeze ... `if args.mode == "finetune": model.train()`), and
    a gradient toggle (`requires_grad = True` again around each of a GAN
    discriminator's own steps; between the two, only optimizers built over
    other models' parameters step, whatever `.train()` ran before: over
    `netG.parameters()`, or a list the same function collects from
    `netG.named_parameters()`). An unfreeze staged for later epochs (`if
    epoch >= freeze_epoch:` in an epoch loop that does not freeze again) is
    no toggle: the epochs before it train the frozen part in train mode. A
    `.train()` in a helper called only before the freeze, in the freeze's
    function and outside its loops, ran before it.

    ## Example
    ```python
    model = torchvision.models.resnet50(weights="IMAGENET1K_V2")
    for p in model.parameters():
        p.requires_grad = False          # BN004
    model.fc = nn.Linear(2048, 10)
    model.train()
    ```

    ## Use instead
    ```python
    def set_bn_eval(m):
        if isinstance(m, nn.modules.batchnorm._BatchNorm):
            m.eval()

    model.train()
    model.apply(set_bn_eval)             # after every model.train()
    ```
    or `torchvision.models.resnet50(weights=..., norm_layer=torchvision.ops.FrozenBatchNorm2d)`.

    ## Fix safety
    No automatic fix: where the BN modules must be put in eval mode depends on
    the training loop (after every `.train()`).

    ## References
    - https://pytorch.org/docs/stable/generated/torch.nn.BatchNorm2d.html
    - https://pytorch.org/docs/stable/generated/torch.nn.Module.html#torch.nn.Module.train
    - https://pytorch.org/vision/stable/generated/torchvision.ops.FrozenBatchNorm2d.html
    """

    code = "BN004"
    name = "frozen-bn-train-mode"
    severity = "warning"
    summary = "requires_grad=False on BatchNorm in train mode does not freeze it"
    # A freeze here, or a project constructor's; or a sub-module run under no_grad in `forward`.
    # (`.backward(`: a file that trains a model a builder of another module froze, with no
    # `.train()` of its own: modules start in train mode.)
    trigger_tokens = ("requires_grad", ".train(", "no_grad", "inference_mode", ".backward(")
    imported_freeze_trigger = True  # `probe = Baseline(freeze_backbone=True)`; `fit(probe, ...)` of another module
    needs_bn_evidence = True
    caller_evidence = True  # a trainer class keeping the model its callers in other modules build
    name_evidence = r"bn|batch_?norm"  # `model.bn1.weight.requires_grad = False`, `if "bn" in name:`

    @classmethod
    def ast_name_evidence(cls, scan, source: str) -> bool:
        """BN by name: an attribute like `model.bn1` on the frozen parameter's path, a `"bn" in
        name` filter in a `named_parameters()` loop, or a module's class name tested for BatchNorm."""
        if not (any(_BN_NAME_RE.search(part) for part in scan.attributes) or any(BN_PARAM_STRINGS.search(s) for s in scan.strings)):
            return False
        # Those names are read around the freeze itself (the parameter's path, the loop that
        # yields it, the `if` filters above it): look in the functions that freeze, if any.
        from bnlint.prefilter import AstScan, freezing_scopes

        for scope in freezing_scopes(scan.tree):
            inner = scan if scope is scan.tree else AstScan(scope)
            if any(_BN_NAME_RE.search(part) for part in inner.attributes):
                return True
            if "named_parameters" in inner.called_methods and any(BN_PARAM_STRINGS.search(s) for s in inner.strings):
                return True
            if any("BatchNorm" in s for s in inner.strings) and any(n.endswith("__name__") for n in inner.names):
                return True  # `if m.__class__.__name__.find('BatchNorm') != -1:`, the old `isinstance`
        return False

    valid_examples = (
        "import torchvision\nfrom torchvision.ops import FrozenBatchNorm2d\n"
        "model = torchvision.models.resnet50(norm_layer=FrozenBatchNorm2d)\n"
        "for p in model.parameters():\n    p.requires_grad = False\nmodel.train()\n",
        "import torchvision\nmodel = torchvision.models.vgg16()\nmodel.features.requires_grad_(False)\nmodel.train()\n",
    )
    invalid_examples = (
        "import torchvision\nmodel = torchvision.models.resnet50()\n"
        "for p in model.parameters():\n    p.requires_grad = False\nmodel.train()\n",
    )

    def __init__(self, ctx) -> None:
        super().__init__(ctx)
        self._selected_names: Dict[int, Tuple[str, ...]] = {}  # freeze site -> the names its `if` selects
        self._order: Dict[int, int] = {}
        self._all: Optional[List[cst.CSTNode]] = None
        self._assigns: List[cst.Assign] = []  # filled by the shared traversal, in source order
        self._grad_nodes: List[cst.CSTNode] = []  # `.requires_grad = ...` and `.requires_grad_(...)`
        self._site = _Site()  # the freeze being checked (``_refers_to`` and ``_trains_after`` read it)
        self._name_assigns: Optional[Dict[Tuple[int, str], List[cst.Assign]]] = None  # (scope, name) -> its assignments
        self._binders: Optional[Dict[str, List[cst.Assign]]] = None  # name -> the assignments that bind it (tuples too)
        self._frozen_where: Dict[int, Optional[Related]] = {}  # construction site -> its constructor's freeze

    def visit_Assign(self, node: cst.Assign) -> None:
        self._assigns.append(node)
        for t in node.targets:
            if isinstance(t.target, cst.Attribute) and t.target.attr.value == "requires_grad":
                self._grad_nodes.append(node)
                return

    def visit_Call(self, node: cst.Call) -> None:
        if isinstance(node.func, cst.Attribute) and node.func.attr.value == "requires_grad_":
            self._grad_nodes.append(node)

    # --- driver -------------------------------------------------------------
    def _nodes(self) -> List[cst.CSTNode]:
        """Every node of the module, in source order (walked once per file)."""
        if self._all is None:
            self._all = list(self._walk(self.ctx.module))
        return self._all

    def _walk(self, node):
        """Pre-order walk through the engine's parent map (much cheaper than libcst's ``children``)."""
        return self.ctx.facts.iter_nodes(node)

    def check_module(self) -> None:
        facts = self.ctx.facts
        if facts.inventory.bn_eval_train_override:
            return
        if any((dotted(c.func) or "").endswith("convert_frozen_batchnorm") for c in facts.calls):
            return  # detectron2-style freeze(): the BN layers become FrozenBatchNorm2d
        bn_eval = self._bn_eval_calls()
        if bn_eval is True:
            return  # the file puts its BN modules in eval (`model.apply(set_bn_eval)`, an isinstance loop)
        self._check_no_grad_trunks()
        sites = self._freeze_sites()
        if not sites or self._test_time_adaptation():
            return
        ema_targets: Optional[Set[str]] = None
        reported: Set[int] = set()
        reported_lines: Set[Optional[int]] = set()  # the freezes reported where they are written
        reported_nodes: List[cst.CSTNode] = []
        direct = {id(n): (w, i) for n, w, i in sites if i is not None}
        for node, what_node, info in sites:
            if info is None:
                continue
            kind, roots, label = info
            factory_freeze = self._factory_freeze(node, what_node, direct) if node is not what_node else None
            site_cls = facts.enclosing_class(node)
            if any((f"self@{id(site_cls)}" if r == "self" and site_cls is not None else r) in bn_eval for r in roots):  # type: ignore[operator]
                continue
            if ema_targets is None:
                ema_targets = self.ctx.facts.ema_targets()
            if roots & ema_targets:
                continue
            fn = facts.enclosing_function(node)
            if roots and all(self._built_keeping_bn_eval(r, node, fn) for r in roots):
                continue  # its class's `train()` override (in any module) puts the BN layers back in eval
            # A model built by a constructor that freezes its BN is a local object: only its own
            # scope (and what it is handed to) trains it; a `model.train()` of another function's
            # `model` is another object.
            # (Stored on `self`: the instance's other methods train it.)
            constructed = what_node is not node and "constructor" in label and "self" not in roots
            # A model bound to a local variable of the freeze's function (a factory's `model`) is
            # that function's object: another function's `model.train()` is another object's (the
            # factory's callers are checked where they build it: ``_construction_sites``).
            local = fn is not None and bool(roots) and all(
                r != "self" and r not in params_of(fn) and facts.binds_locally(fn, r.split(".")[0]) and not self._handed_on(fn, r.split(".")[0])
                for r in roots
            )
            if facts.never_runs(node):
                continue  # `if flag:` in a helper every caller hands a false flag (through its own callers)
            # (A freeze at module level froze the module's global: a function's own local of the
            # same name is another object, ``_refers_to``.)
            self._site = _Site(fn=fn, guards=self._guards(node), local_to=fn if constructed or local or fn is None else False, node=node)
            when = self._trains_after(node, roots)
            if when is None:
                continue
            train_call = self._site.train_call
            related = ((train_call, "the model is put in train mode here, BatchNorm layers included"),) if train_call is not None else ()
            if self._frozen_where.get(id(node)) is not None:
                related = (self._frozen_where[id(node)],) + related
            if factory_freeze is not None:
                # A factory of this file that freezes the model it returns: reported at its freeze,
                # once, with this call as where the frozen model is built.
                freeze_node, (freeze_what, freeze_info) = factory_freeze
                if id(freeze_node) in reported:
                    continue
                related = ((node, "the frozen model is built here"),) + related
                node, what_node, (kind, _, label) = freeze_node, freeze_what, freeze_info
            if id(node) in reported:
                continue
            built_here = self._frozen_where.get(id(node))
            if built_here is not None and built_here.path is None and (built_here.line in reported_lines or self._freeze_reported_in(what_node, reported_nodes)):
                continue  # the constructor's own freeze, in this file, is already reported where it is
            reported.add(id(node))
            if node is what_node:
                reported_lines.add(self.ctx.line_of(node))
                reported_nodes.append(node)
            if kind == "bn" and isinstance(node, cst.Assign) and node is not what_node and "constructor" in label:
                builder = "constructor" if isinstance(what_node, cst.Call) and self._builds_class(what_node) else "builder"
                what = f"`{self.ctx.code_for(what_node).strip()}` builds a model whose {builder} freezes the affine parameters (weight/bias) of its BatchNorm layers"
            elif kind == "bn":
                what = f"`{self.ctx.code_for(what_node).strip()}` freezes the affine parameters (weight/bias) of {label}"
            else:
                what = f"`{self.ctx.code_for(what_node).strip()}` freezes {label}, which contains BatchNorm"
            self.report(node, MESSAGE.format(what=what, when=when), related=related, summary=SUMMARY)

    # --- a sub-module kept frozen by running it under no_grad in forward ---------------
    def _check_no_grad_trunks(self) -> None:
        """`with torch.no_grad(): x = self.resnet(x)` in a module's `forward`, followed by layers
        of its own that it trains (`self.fc1(x)` outside the block): the pretrained trunk is
        frozen by keeping autograd out, but whenever the module trains (`.train()`, which reaches
        every sub-module) the trunk's BatchNorm runs in train mode.  Not when the trunk is also
        run with gradients, put in eval anywhere in the file or by another project file
        (`model.resnet.eval()`), kept in eval by a `train()` override, or an EMA / momentum
        encoder (MoCo's key encoder runs in train mode on purpose)."""
        from bnlint.modes import keeps_bn_eval

        facts = self.ctx.facts
        ema: Optional[Set[str]] = None
        for cls in facts.classes:
            methods = {f.name.value: f for f in cls.body.body if isinstance(f, cst.FunctionDef)}
            forward = methods.get("forward")
            if forward is None or "train" in methods or keeps_bn_eval(facts, cls.name.value):
                continue
            calls: Dict[str, List[cst.Call]] = {}
            for node in self._walk(cls):
                if isinstance(node, cst.Call) and isinstance(node.func, cst.Attribute) and isinstance(node.func.value, cst.Name) and node.func.value.value == "self":
                    calls.setdefault(node.func.attr.value, []).append(node)
            trained_here = [
                attr for attr, sites in calls.items()
                if attr not in methods and any(facts.enclosing_function(c) is forward and not facts.in_no_grad(c) for c in sites)
            ]
            trainer = cls.name.value
            if not trained_here:
                # Nothing of its own trains in `forward`: an inference wrapper, unless a module of
                # this file holds it beside parts it trains (`self.encoder = Enc()`, `self.decoder
                # = Dec()` in `EncDec`): that module's `.train()` reaches the trunk.
                holder = self._trains_beside(cls)
                if holder is None:
                    continue
                trainer, trained_here = holder
            for attr, sites in calls.items():
                if attr in methods or attr in trained_here or not all(facts.in_no_grad(c) for c in sites):
                    continue
                first = next((c for c in sites if facts.enclosing_function(c) is forward), None)
                if first is None or not facts.expr_holds_bn(first.func, forward):
                    continue
                if self._mode_switched(attr):
                    continue
                if ema is None:
                    ema = set(facts.ema_targets())
                if {attr, f"self.{attr}"} & ema:
                    continue
                label = f"self.{attr}"
                trained = next((a for a in trained_here if a in calls and not facts.expr_holds_bn(calls[a][0].func, forward)), trained_here[0])
                built = next(
                    (n for n in self._walk(cls) if isinstance(n, cst.Assign) and any(dotted(t.target) == label for t in n.targets)), None
                )
                related = ((built, f"`{label}` is built here"),) if built is not None else ()
                what = f"`{cls.name.value}.forward` runs `{label}` under `torch.no_grad()` to keep it frozen"
                beside = "in the same forward" if trainer == cls.name.value else f"beside `{cls.name.value}`"
                message = (
                    f"{what}, but its BatchNorm layers stay in train mode whenever `{trainer}` trains (`.train()` reaches "
                    f"every sub-module, and `{trainer}` trains `self.{trained}` {beside}): train-mode BN "
                    f"normalises every batch with that batch's own mean/variance and keeps overwriting running_mean/running_var, "
                    f"so `no_grad` does not freeze it and the pretrained statistics drift. Put `{label}` in eval mode after every "
                    f"`.train()`: override `train()` in `{cls.name.value}` (`super().train(mode); {label}.eval(); return self`)."
                )
                summary = f"`{label}` runs under no_grad to stay frozen but its BatchNorm trains with `{trainer}`: keep it in eval"
                self.report(first, message, related=related, summary=summary)

    def _trains_beside(self, part_cls: cst.ClassDef) -> Optional[Tuple[str, List[str]]]:
        """A module class of this file that builds ``part_cls`` as one of its parts and, in its
        `forward`, runs other parts with gradients (the layers it trains): (its name, those parts).
        Not one that overrides `train()` or keeps BN in eval."""
        from bnlint.modes import keeps_bn_eval

        facts = self.ctx.facts
        for holder in facts.classes:
            if holder is part_cls:
                continue
            methods = {f.name.value: f for f in holder.body.body if isinstance(f, cst.FunctionDef)}
            init, forward = methods.get("__init__"), methods.get("forward")
            if init is None or forward is None or "train" in methods or keeps_bn_eval(facts, holder.name.value):
                continue
            kept = {
                name for n in self._walk(init) if isinstance(n, cst.Assign) and isinstance(n.value, cst.Call)
                and dotted(n.value.func) == part_cls.name.value for t in n.targets
                if (name := dotted(t.target)) is not None and name.startswith("self.") and name.count(".") == 1
            }
            if not kept:
                continue
            others = sorted({
                n.func.attr.value for n in self._walk(forward)
                if isinstance(n, cst.Call) and isinstance(n.func, cst.Attribute) and isinstance(n.func.value, cst.Name) and n.func.value.value == "self"
                and f"self.{n.func.attr.value}" not in kept and n.func.attr.value not in methods and not facts.in_no_grad(n)
            })
            if others and not any(self._mode_switched(k[5:]) for k in kept):
                return holder.name.value, others
        return None

    def _mode_switched(self, attr: str) -> bool:
        """`.eval()`/`.train(...)` on something named ``attr`` in this file or another project file."""
        facts = self.ctx.facts
        for call in facts.calls:
            func = call.func
            if isinstance(func, cst.Attribute) and func.attr.value in ("eval", "train", "apply"):
                recv = dotted(func.value)
                if recv is not None and attr in recv.split("."):
                    return True
        index, path = facts.index, facts.path
        return bool(index is not None and path and index.mode_switched_elsewhere(path, attr))

    # --- where parameters are frozen --------------------------------------------
    def _freeze_sites(self) -> List[Tuple[cst.CSTNode, cst.CSTNode, Optional[Tuple[str, Set[str], str]]]]:
        out = []
        unfrozen: Dict[str, List[cst.CSTNode]] = {}
        frozen: List[Tuple[cst.CSTNode, Optional[str]]] = []
        for node in self._grad_nodes:
            if isinstance(node, cst.Assign):
                for t in node.targets:
                    tgt = t.target
                    if isinstance(tgt, cst.Attribute) and tgt.attr.value == "requires_grad":
                        owner = self._owner(tgt.value, node)
                        if _is_false(node.value) or self._false_constant(node.value, node):
                            frozen.append((node, owner))
                            # (`p.requires_grad = False` then `if name.startswith("head"): p.requires_grad
                            # = True` in the same loop body: the flag ends as that test of the name.)
                            selection = self._reselected_by_name(node)
                            out.append((node, node, self._param_info(tgt.value, node, trained_if=selection) if selection is not None else self._param_info(tgt.value, node)))
                        elif isinstance(node.value, cst.Name) and node.value.value == "True" and owner:
                            if not self._other_branch_freezes(node) and self._reselection_of(node) is None:
                                unfrozen.setdefault(owner, []).append(node)
                        elif isinstance(node.value, (cst.Comparison, cst.BooleanOperation, cst.UnaryOperation, cst.IfExp)):
                            # `p.requires_grad = "layer4" in name or "fc" in name`: the parameters whose
                            # names the test rejects are frozen; `= False if "batch_norm" in name else
                            # True`: those it selects.
                            test = _trained_if(node.value)
                            info = self._param_info(tgt.value, node, trained_if=test) if test is not None else None
                            if info is not None:
                                frozen.append((node, owner))
                                out.append((node, node, info))
            elif isinstance(node, cst.Call) and isinstance(node.func, cst.Attribute) and node.func.attr.value == "requires_grad_":
                arg = node.args[0].value if node.args else None
                recv = self._applied_to(node.func.value, node) or node.func.value
                looks_param = self._looks_like_param(recv, node)
                owner = self._owner(recv, node) if looks_param else dotted(recv)
                if arg is None or (isinstance(arg, cst.Name) and arg.value == "True"):
                    if owner:
                        unfrozen.setdefault(owner, []).append(node)
                    continue
                if not _is_false(arg):
                    continue
                frozen.append((node, owner))
                info = self._param_info(recv, node) if looks_param else self._module_info(recv, node)
                out.append((node, node, info))
        if unfrozen:
            # `for p in netD.parameters(): p.requires_grad = False` ... `= True` on the next step: a
            # temporary gradient switch (GAN training), not an attempt to freeze the module.
            # Not an unfreeze staged for later epochs (`if epoch >= freeze_epoch:` in the epoch loop
            # the freeze comes before): the epochs before it train the frozen part in train mode.
            toggled = {
                id(n) for n, owner in frozen
                if owner is not None and any(
                    not self._staged_unfreeze(n, u, [f for f, o in frozen if o == owner]) and not self._trained_between(n, u, owner)
                    for name, caller in self._names_at_callers(n, owner) for u in unfrozen.get(name, ())
                    if (caller is None and self._may_be_same_object(n, u, owner)) or (caller is not None and self.ctx.facts.enclosing_function(u) is caller)
                )
            }
            out = [site for site in out if id(site[0]) not in toggled]
        out.extend(self._helper_freeze_sites())
        out.extend(self._construction_sites(out))
        return out

    def _helper_freeze_sites(self):
        """`set_requires_grad(model, pretrained_dict, False)` with a function of another project
        module that freezes the parameters of the module it is handed (``ProjectIndex.parameter_freezer``),
        where this call makes it freeze (the value it writes is False here)."""
        facts = self.ctx.facts
        inv = facts.inventory
        sites = []
        unfrozen: Set[Tuple[int, str]] = set()  # (scope, owner) the same helpers unfreeze: a gradient toggle (GAN training)
        if not facts.path:
            return sites
        for call in facts.calls:
            name = dotted(call.func)
            if isinstance(call.func, cst.Attribute) and isinstance(call.func.value, cst.Name) and not any(a.star for a in call.args):
                site = self._method_freeze_site(call)
                if site is not None:
                    sites.append((site, (id(facts.enclosing_function(call)), dotted(call.func.value) or "")))
                    continue
            if not name or not call.args or not inv.is_imported(name) or any(a.star for a in call.args):
                continue
            qualified = inv.resolve(name)
            thawed = facts.index.parameter_freezer(facts.path, qualified, unfreezes=True)
            if thawed is not None:
                # `enable_gradients(self.critic)` after `disable_gradients(self.critic)`: a toggle.
                for pname in thawed[1]:
                    handed = thawed[0].argument_for(call.args, pname)
                    if handed is not None:
                        unfrozen.add((id(facts.enclosing_function(call)), dotted(handed) or ""))
            found = facts.index.parameter_freezer(facts.path, qualified)
            if found is None:
                continue
            effects, frozen = found
            literals = effects.literal_defaults()
            bound = dict(literals)
            for pname in effects.positional + effects.keyword_only:
                value = effects.argument_for(call.args, pname)
                if value is not None:
                    bound[pname] = literal_value(value)
            bound = {k: v for k, v in bound.items() if v is not NOT_LITERAL}
            if bound:
                from bnlint.summaries import frozen_parameters

                # (`restore(path, net)` leaves `lock_restored=False`: its `if lock_restored:` freeze never runs)
                live = frozen_parameters(effects.effects._fn, literals=bound)  # type: ignore[attr-defined]
                frozen = {p: f for p, f in frozen.items() if p in live}
            for pname, flag in frozen.items():
                target = effects.argument_for(call.args, pname)
                if target is None or not isinstance(target, (cst.Name, cst.Attribute)):
                    continue
                if flag is not None:
                    value = effects.argument_for(call.args, flag)
                    truth = literal_value(value) if value is not None else literals.get(flag, NOT_LITERAL)
                    if truth is NOT_LITERAL or truth:
                        if truth is not NOT_LITERAL:
                            unfrozen.add((id(facts.enclosing_function(call)), dotted(target) or ""))
                        continue  # `requires_grad=True` (or not known here): no freeze
                info = self._module_info(target, call)
                if info is not None:
                    sites.append(((call, call, info), (id(facts.enclosing_function(call)), dotted(target) or "")))
        return [site for site, owner in sites if owner not in unfrozen]

    def _applied_to(self, recv: cst.BaseExpression, call: cst.Call) -> Optional[cst.BaseExpression]:
        """`X` for `X.apply(lambda m: m.requires_grad_(False))`: ``apply`` runs the lambda on every
        submodule of X, X included, so it freezes all of X's parameters (``recv`` is the lambda's
        parameter, ``call`` the lambda's body)."""
        facts = self.ctx.facts
        lam = facts.parent(call)
        if not (isinstance(recv, cst.Name) and isinstance(lam, cst.Lambda) and lam.body is call):
            return None
        params = [p.name.value for p in lam.params.params]
        arg = facts.parent(lam)
        apply = facts.parent(arg) if isinstance(arg, cst.Arg) else None
        if params[:1] != [recv.value] or not (isinstance(apply, cst.Call) and isinstance(apply.func, cst.Attribute) and apply.func.attr.value == "apply"):
            return None
        return apply.func.value

    def _bound_before(self, name: str, at: cst.CSTNode) -> Optional[cst.BaseExpression]:
        """The value ``name`` was last assigned, in the scope of ``at``, before it."""
        facts = self.ctx.facts
        order = self._positions()
        if self._name_assigns is None:
            self._name_assigns = {}
            for a in self._assign_nodes():
                if len(a.targets) == 1 and isinstance(a.targets[0].target, cst.Name):
                    self._name_assigns.setdefault((id(facts.enclosing_function(a)), a.targets[0].target.value), []).append(a)
        position = order.get(id(at), 0)
        earlier = [a for a in self._name_assigns.get((id(facts.enclosing_function(at)), name), ()) if order.get(id(a), 0) < position]
        return max(earlier, key=lambda a: order.get(id(a), 0)).value if earlier else None

    def _method_freeze_site(self, call: cst.Call):
        """`encoder.fine_tune(False)` on an instance of a model class (of this file or a project
        module) whose method freezes, unconditionally, the parameters of `self` or of a part of it
        (`for p in self.resnet.parameters(): p.requires_grad = False`): a freeze of the instance's
        BatchNorm, as far as the instance holds BN."""
        recv = call.func.value  # type: ignore[attr-defined]
        for bound in self._values_before(recv.value, call):  # `encoder = Encoder()`
            site = self._method_freeze_site_of(call, bound)
            if site is not None:
                return site
        return None

    def _values_before(self, name: str, at: cst.CSTNode) -> List[cst.BaseExpression]:
        """What ``name`` may hold at ``at``: its last assignment in the scope before it, and where
        that one is on a branch of an `if` (`if backbone == "resnet50": model = A(...) else: model
        = B(...)`), the last assignment on each branch the test's literal values leave possible."""
        facts = self.ctx.facts
        last = self._bound_before(name, at)
        if last is None:
            return []
        assign = facts.parent(last)
        branch_if = next((a for a in facts.ancestors(assign) if isinstance(a, cst.If)), None) if isinstance(assign, cst.Assign) else None
        if branch_if is None or self._inside(at, branch_if) or facts.enclosing_function(branch_if) is not facts.enclosing_function(at):
            return [last]
        values: List[cst.BaseExpression] = []
        node: Optional[cst.CSTNode] = branch_if
        while isinstance(node, cst.If):
            truth = facts.static_test(node.test)
            if truth is not False:
                values.extend(a.value for a in self._assign_nodes() if self._inside(a, node.body) and len(a.targets) == 1 and dotted(a.targets[0].target) == name)
            if truth is True:
                return values
            node = node.orelse
        if isinstance(node, cst.Else):
            values.extend(a.value for a in self._assign_nodes() if self._inside(a, node.body) and len(a.targets) == 1 and dotted(a.targets[0].target) == name)
        return values or [last]

    def _method_freeze_site_of(self, call: cst.Call, bound: cst.BaseExpression):
        from bnlint.summaries import _frozen_by, looks_non_bn

        facts = self.ctx.facts
        recv = call.func.value  # type: ignore[attr-defined]
        value = _strip_wrappers(bound) if bound is not None else None
        class_name = dotted(value.func) if isinstance(value, cst.Call) else None
        cls_ast = None
        module_classes: dict = {}
        # (A class of this file: its method's freeze is a site of its own, ``_freeze_sites``.)
        if class_name and facts.path and facts.inventory.is_imported(class_name):
            found = facts.index.class_definition(facts.path, facts.inventory.resolve(class_name))
            if found is not None:
                module_classes = found[4]
                cls_ast = module_classes[found[1]]
        if cls_ast is None:
            return None
        from bnlint.modes import keeps_bn_eval

        if keeps_bn_eval(facts, class_name):
            return None  # its `train()` override puts the BN layers back in eval
        from bnlint.effects import is_module_class

        method = inv_mod.class_method(cls_ast, call.func.attr.value)  # type: ignore[attr-defined]
        if method is None:
            return None
        # Unconditionally: a freeze statement at the top of the method's body.
        owners = [_frozen_by(stmt) or "" for stmt in method.body]
        if not any(owner == "self" or (owner.startswith("self.") and not looks_non_bn(owner.split(".")[1:])) for owner in owners):
            return None
        frozen_parts = {o.split(".")[1] for o in owners if o.startswith("self.") and o.count(".") == 1}
        if frozen_parts and "self" not in owners:
            qualified = facts.inventory.resolve(class_name)
            if all(facts.index.attribute_holds_bn(facts.path, qualified, attr) is False for attr in frozen_parts):
                return None  # `self.D` (a critic with InstanceNorm only) frozen, the BatchNorm being in `self.G`
            if self._toggled_by_called_method(cls_ast, method, frozen_parts, recv, call):
                return None  # `step_g()` freezes `self.D`, `step_d()` (called here too) unfreezes it: a GAN's toggle
        if not is_module_class(cls_ast, module_classes) and _parts_kept_in_eval(cls_ast, method, {o.split(".")[1] for o in owners if o.startswith("self.")}):
            # A plain class (a trainer) whose method puts what it freezes in eval too (`self.teacher
            # = copy.deepcopy(self.net)`, `.eval()`, `requires_grad = False`), and none of whose
            # methods puts that part back in train mode: its `lrn.train(epoch)` is its own method.
            return None
        # The object this branch built must hold BN itself (not only some other value of the name).
        info = self._module_info(recv, call) if facts.expr_holds_bn(bound) else None
        if info is None and isinstance(value, cst.Call):
            # A trainer (a plain class) whose method freezes the model it keeps (`learn.freeze()`
            # with `self.model` handed in by `Learner(model, ...)`): that model's BatchNorm.
            kept = facts.index.kept_arguments(facts.path, facts.inventory.resolve(class_name))
            if kept is not None:
                positional, stored = kept
                frozen_attrs = {o.split(".")[1] for o in owners if o.startswith("self.")}
                for index, arg in enumerate(value.args):
                    pname = arg.keyword.value if arg.keyword is not None else (positional[index] if index < len(positional) else None)
                    if pname in stored and stored[pname] in frozen_attrs and not arg.star:
                        info = self._module_info(arg.value, call)
                        if info is not None:
                            break
        return (call, call, info) if info is not None else None

    def _toggled_by_called_method(self, cls_ast: ast.ClassDef, freezing: ast.AST, parts: Set[str], recv: cst.BaseExpression, at: cst.CSTNode) -> bool:
        """Does another method of the class turn the gradients of those ``parts`` back on (`for p in
        self.D.parameters(): p.requires_grad = True`), and does this file call that method on the
        same receiver?  Then the two methods toggle the gradients step by step (a GAN's generator
        and critic steps), no freeze."""
        facts = self.ctx.facts
        receiver = dotted(recv)
        thawing = set()
        for method in cls_ast.body:
            if not isinstance(method, (ast.FunctionDef, ast.AsyncFunctionDef)) or method is freezing:
                continue
            for node in ast_walk(method):
                if (
                    isinstance(node, ast.For) and isinstance(node.iter, ast.Call) and isinstance(node.iter.func, ast.Attribute)
                    and node.iter.func.attr == "parameters" and inv_mod.dotted_name(node.iter.func.value) in {f"self.{p}" for p in parts}
                    and any(
                        isinstance(inner, ast.Assign) and isinstance(inner.value, ast.Constant) and inner.value.value is True
                        and any(inv_mod.dotted_name(t) == f"{inv_mod.dotted_name(node.target)}.requires_grad" for t in inner.targets)
                        for inner in node.body
                    )
                ):
                    thawing.add(method.name)
        return bool(receiver) and any(
            isinstance(c.func, cst.Attribute) and c.func.attr.value in thawing and dotted(c.func.value) == receiver
            for c in facts.calls
        )

    def _tuple_construction_site(self, assign: cst.Assign, value: cst.Call, direct):
        """`effnetb2, transforms = create_effnetb2_model()`: the target at the position where every
        `return` of the factory (a function of this file) hands back the local model it froze
        unconditionally (a freeze site of ``direct`` in its body)."""
        facts = self.ctx.facts
        factory = facts.function_named(value.func.value) if isinstance(value.func, cst.Name) else None
        if factory is None:
            return self._imported_tuple_construction_site(assign, value)
        frozen = {
            next(iter(info[1])) for n, _, info in direct
            if info is not None and len(info[1]) == 1 and facts.enclosing_function(n) is factory and not self._guards(n)
            and not any(isinstance(a, cst.If) for a in self._ancestors_within(n, factory))
            and facts.binds_locally(factory, next(iter(info[1])))
        }
        returns = [n for n in self._walk(factory) if isinstance(n, cst.Return) and facts.enclosing_function(n) is factory]
        positions = set()
        for r in returns:
            if not isinstance(r.value, cst.Tuple):
                return None
            names = [e.value.value if isinstance(e.value, cst.Name) else None for e in r.value.elements]
            positions.add(next((i for i, n in enumerate(names) if n in frozen), None))
        if len(positions) != 1 or None in positions:
            return None
        return _unpacked_site(assign, value, positions.pop(), factory.name.value)

    def _imported_tuple_construction_site(self, assign: cst.Assign, value: cst.Call):
        """`net, opt = frozen_trunk(dev)` with a factory of another project module whose summary
        returns, at one tuple position, a model whose BatchNorm parameters it froze
        (``summaries.Construction.params_frozen_at``): the target at that position."""
        from bnlint.modes import construction_of

        built = construction_of(self.ctx.facts, value)
        index = built.params_frozen_at if built is not None else -1
        return _unpacked_site(assign, value, index, dotted(value.func) or "factory") if index >= 0 else None

    def _ancestors_within(self, node: cst.CSTNode, scope: cst.CSTNode):
        for anc in self.ctx.facts.ancestors(node):
            if anc is scope:
                return
            yield anc

    def _handed_on(self, fn: cst.FunctionDef, name: str, _depth: int = 0) -> bool:
        """Does ``fn`` hand its local ``name`` on: as an argument of a call, or inside a list,
        tuple or dict display (`nets = {"p": paraphraser}`)?  Then its callees reach the object,
        as far as names can tell.  (A `return` hands it to the callers, which are checked where
        they build it: ``_construction_sites``.)"""
        facts = self.ctx.facts
        for node in self._walk(fn):
            if isinstance(node, cst.Name) and node.value == name:
                parent = facts.parent(node)
                if isinstance(parent, cst.Arg) and self._kept_by_local_trainer(fn, parent, _depth):
                    continue
                if isinstance(parent, (cst.Arg, cst.Element, cst.DictElement)):
                    return True
        return False

    def _kept_by_local_trainer(self, fn: cst.FunctionDef, arg: cst.Arg, depth: int) -> bool:
        """Is ``arg`` handed to the constructor of a trainer (a plain class of the project that
        keeps it: ``ProjectIndex.kept_arguments``) bound to a local of ``fn`` that is not handed on
        in turn (`learn = Learner(model, loader)`)?  Then only that local's method calls reach the
        model, and they are seen here (``_method_freeze_site``, ``_trains_in_trainer``)."""
        facts = self.ctx.facts
        call = facts.parent(arg)
        assign = facts.parent(call) if isinstance(call, cst.Call) else None
        if depth > 3 or not isinstance(assign, cst.Assign) or len(assign.targets) != 1 or not isinstance(assign.targets[0].target, cst.Name):
            return False
        class_name = dotted(call.func)  # type: ignore[union-attr]
        if not class_name or not facts.path or not facts.inventory.is_imported(class_name):
            return False
        if facts.index.kept_arguments(facts.path, facts.inventory.resolve(class_name)) is None:
            return False
        return not self._handed_on(fn, assign.targets[0].target.value, depth + 1)

    def _factory_freeze(self, node: cst.CSTNode, built: cst.CSTNode, direct) -> Optional[Tuple[cst.CSTNode, Tuple[cst.CSTNode, Tuple[str, Set[str], str]]]]:
        """For a construction site `model = build_model(...)` whose callee is a function of this
        file that freezes the model it returns: that freeze (a site of ``direct``), else None."""
        facts = self.ctx.facts
        if not isinstance(built, cst.Call) or not isinstance(built.func, cst.Name):
            return None
        factory = facts.function_named(built.func.value)
        if factory is None:
            return None
        for n in self._walk(factory):
            if id(n) in direct and direct[id(n)][0] is n:
                return n, direct[id(n)]
        return None

    def _rebound_between(self, name: str, freeze: cst.CSTNode, call: cst.CSTNode, order: Dict[int, int], roots: Set[str] = frozenset()) -> bool:  # type: ignore[assignment]
        """Is ``name`` bound to something else, in the freeze's scope, after the freeze and before
        ``call`` (with no loop running both again)?"""
        facts = self.ctx.facts
        start, end = order.get(id(freeze), 0), order.get(id(call), 0)
        if not start < end or self._share_loop(freeze, call):
            return False
        scope = facts.enclosing_function(freeze)
        if self._binders is None:
            self._binders = {}
            for a in self._assign_nodes():
                for bound_name in {n.value for t in a.targets for n in self._walk(t.target) if isinstance(n, cst.Name) and facts.is_store(n)}:
                    self._binders.setdefault(bound_name, []).append(a)
        for assign in self._binders.get(name, ()):
            at = order.get(id(assign), -1)
            if start < at < end and facts.enclosing_function(assign) is scope:
                if self._inside(call, assign):
                    continue  # `net = fit(net, ...)`: the binding happens after the call it holds
                if dotted(_strip_wrappers(_unwrapped(assign.value))) in ({name} | set(roots)):
                    continue  # `encoder = encoder.to(device)`, `model = DataParallel(model).cuda()`, `net = backbone.to(device)`: the same object, moved or wrapped
                if container_of(assign.value, roots - {name}) or self._keeps_roots(assign.value, roots - {name}):
                    continue  # `model = nn.Sequential(backbone, head)`, `Transfer(backbone)`: a holder of the frozen model
                if not any(
                    isinstance(anc, (cst.If, cst.Else, cst.For, cst.While, cst.Try, cst.ExceptHandler)) and not self._inside(call, anc)
                    for anc in self._ancestors_within(assign, scope if scope is not None else self.ctx.module)
                ):
                    return True  # (a binding on a branch of its own, `else: model = other()`, may not run)
        return False

    def _staged_unfreeze(self, freeze: cst.CSTNode, unfreeze: cst.CSTNode, freezes: List[cst.CSTNode]) -> bool:
        """Is ``unfreeze`` under an `if` inside a loop of the freeze's function that runs no
        freeze of the same parameters (``freezes``), after the freeze: a later stage of training
        (`for epoch ...: if epoch >= 50: unfreeze`), not a gradient toggle around every step?"""
        facts = self.ctx.facts
        if facts.enclosing_function(freeze) is not facts.enclosing_function(unfreeze):
            return False
        conditional = False
        for anc in facts.ancestors(unfreeze):
            if isinstance(anc, (cst.FunctionDef, cst.ClassDef, cst.Lambda)):
                return False
            if isinstance(anc, cst.If):
                conditional = True
            elif isinstance(anc, (cst.For, cst.While)) and conditional:
                # (A loop inside the `if`, `for p in backbone.parameters():`, is the unfreeze itself.)
                order = self._positions()
                return not any(self._inside(f, anc) for f in freezes) and order.get(id(freeze), 0) < order.get(id(anc), 0)
        return False

    def _trained_between(self, freeze: cst.CSTNode, unfreeze: cst.CSTNode, owner: Optional[str] = None) -> bool:
        """Does training run after the freeze and before the unfreeze, in the same code and with no
        loop around both (`freeze; train(model, 5); unfreeze; train(model, 5)`: a first stage
        trained frozen, not a gradient toggle)?  A `.backward()`/`.step()`/`.fit()` call between
        them, or a call of a function of this file that back-propagates, or of a project function
        whose summary trains what it is handed.  Not where every optimizer stepped there was
        built over the parameters of other models than the one the frozen ``owner`` is part of (a
        GAN's generator step between `netD`'s gradients off and on: `opt_g =
        Adam(netG.parameters())`); the backward there serves that step.  (A head's optimizer
        over `model.head` while `model.backbone` is frozen trains the same model.)"""
        facts = self.ctx.facts
        fn = facts.enclosing_function(freeze)
        if fn is not facts.enclosing_function(unfreeze) or self._share_loop(freeze, unfreeze):
            return False
        order = self._positions()
        start, end = order.get(id(freeze), 0), order.get(id(unfreeze), 0)
        if not start < end:
            return False
        backward = steps = False
        for call in facts.calls:
            if facts.enclosing_function(call) is not fn or not start < order.get(id(call), -1) < end:
                continue
            func = call.func
            if isinstance(func, cst.Attribute) and func.attr.value == "step":
                roots = self._optimizer_parameter_owners(dotted(func.value), fn)
                if roots is None or owner is None or any(_same_model(r, owner) for r in roots):
                    return True
                steps = True
                continue
            if isinstance(func, cst.Attribute) and func.attr.value == "backward":
                backward = True
                continue
            if isinstance(func, cst.Attribute) and func.attr.value == "fit":
                return True
            if isinstance(func, cst.Name) and self._local_function_trains(func.value, 0):
                return True
            if facts.trains_what_it_is_handed(call):
                return True
        return backward and not steps

    def _optimizer_parameter_owners(self, optimizer: Optional[str], fn: Optional[cst.CSTNode]) -> Optional[Set[str]]:
        """The objects whose `.parameters()` the optimizer bound to ``optimizer`` (`self.opt_g`,
        `opt_g`) was built over, where its one construction in this file is known and hands over
        nothing else; None otherwise."""
        facts = self.ctx.facts
        if not optimizer:
            return None
        found = []
        for call in facts.calls:
            callee = dotted(call.func) or ""
            if not ("optim." in callee or callee.rsplit(".", 1)[-1] in _OPTIMIZERS):
                continue
            parent = facts.parent(call)
            if isinstance(parent, cst.Assign) and len(parent.targets) == 1 and dotted(parent.targets[0].target) == optimizer:
                if not optimizer.startswith("self.") and facts.enclosing_function(call) is not fn:
                    continue  # (a plain name: the construction in the same function)
                found.append(call)
        if len(found) != 1 or not found[0].args:
            return None
        expression = found[0].args[0].value
        if isinstance(expression, cst.Name):
            return self._collected_parameter_owners(expression.value, found[0])
        return self._parameter_owners_in(expression)

    def _collected_parameter_owners(self, name: str, construction: cst.Call) -> Optional[Set[str]]:
        """`params = []` ... `for k, v in net.named_parameters(): if v.requires_grad:
        params.append(v)` ... `Adam(params)` in one function: the objects whose parameters the
        list collects; None where anything else goes in (or the list is bound otherwise)."""
        facts = self.ctx.facts
        scope = facts.enclosing_function(construction)
        if scope is None:
            return None
        bound = facts.assignments_to(name, scope)
        if len(bound) != 1 or not isinstance(bound[0], (cst.List, cst.Call)):
            return None
        owners: Set[str] = set()
        if isinstance(bound[0], cst.Call) or bound[0].elements:
            initial = self._parameter_owners_in(bound[0])
            if initial is None:
                return None
            owners |= initial
        for node in self._walk(scope):
            if not (isinstance(node, cst.Call) and isinstance(node.func, cst.Attribute) and dotted(node.func.value) == name):
                continue
            if node.func.attr.value == "append" and len(node.args) == 1 and isinstance(node.args[0].value, cst.Name):
                loop = self._loop_binding(node.args[0].value.value, node)
                source = _strip_wrappers(loop.iter) if loop is not None else None
                if not (isinstance(source, cst.Call) and isinstance(source.func, cst.Attribute) and source.func.attr.value in ("parameters", "named_parameters")):
                    return None
                owner = dotted(source.func.value)
                if owner is None:
                    return None
                owners.add(owner)
            elif node.func.attr.value == "extend" and len(node.args) == 1:
                more = self._parameter_owners_in(node.args[0].value)
                if more is None:
                    return None
                owners |= more
            elif node.func.attr.value not in ("__len__", "copy"):
                return None
        return owners or None

    def _parameter_owners_in(self, expression: cst.BaseExpression) -> Optional[Set[str]]:
        """The objects whose `.parameters()` an expression hands over (`list(netG.parameters())`,
        `[{"params": head.parameters()}]`), or None where it hands anything else too."""
        facts = self.ctx.facts
        owners: Set[str] = set()
        inside: Set[int] = set()
        for node in self._walk(expression):
            if isinstance(node, cst.Call) and isinstance(node.func, cst.Attribute) and node.func.attr.value in ("parameters", "named_parameters"):
                name = dotted(node.func.value)
                if name is None:
                    return None
                owners.add(name)
                inside.update(id(n) for n in self._walk(node.func.value))
        lambda_params = {p.name.value for n in self._walk(expression) if isinstance(n, cst.Lambda) for p in n.params.params}
        for node in self._walk(expression):
            # `Adam(list(netG.parameters()) + extra)`: what `extra` holds is not known.
            if isinstance(node, cst.Name) and id(node) not in inside and node.value not in lambda_params and node.value not in _PARAMETER_PLUMBING:
                parent = facts.parent(node)
                if not (isinstance(parent, cst.Attribute) and parent.attr is node):
                    return None
        return owners or None

    def _part_put_back_in_eval(self, train_call: cst.Call, container: str, roots: Set[str], order: Dict[int, int]) -> bool:
        """Is a `.train()` of a container followed, in the same block, by `.eval()` of the frozen
        model it holds (`model.train(); backbone.eval()`, a linear probe done right)?"""
        facts = self.ctx.facts
        statement = facts.enclosing_statement(train_call)
        block = facts.parent(statement) if statement is not None else None
        if not isinstance(block, cst.IndentedBlock) and not isinstance(block, cst.Module):
            return False
        later = list(block.body)[list(block.body).index(statement) + 1 :] if statement in block.body else []
        for st in later:
            if isinstance(st, (cst.For, cst.While)) or any(
                isinstance(n, cst.Call) and isinstance(n.func, cst.Attribute) and n.func.attr.value in ("backward", "step") for n in self._walk(st)
            ):
                return False  # (the training runs before any such `.eval()`)
            for node in self._walk(st):
                if isinstance(node, cst.Call) and isinstance(node.func, cst.Attribute) and node.func.attr.value == "eval":
                    part = _root(node.func.value)
                    if part in roots and part != container:
                        return True
                    if part == container and self._frozen_part_named(train_call, node):
                        return True  # `self.net.train(); self.net.trunk.eval()` after freezing `net.trunk`
        return False

    def _frozen_part_named(self, train_call: cst.Call, eval_call: cst.Call) -> bool:
        """Is ``eval_call`` on a part of what ``train_call`` trains (`self.net.trunk` of
        `self.net`) whose attribute name is the part the freeze being checked froze (`for w in
        net.trunk.parameters()`, `net.trunk.requires_grad_(False)`)?"""
        trained = dotted(train_call.func.value)  # type: ignore[attr-defined]
        part = dotted(eval_call.func.value)  # type: ignore[attr-defined]
        site = self._site.node
        if not trained or not part or not part.startswith(trained + ".") or site is None:
            return False
        frozen = site
        loop = next((a for a in self.ctx.facts.ancestors(site) if isinstance(a, cst.For)), None)
        if loop is not None:
            frozen = loop.iter
        names = {n.attr.value for n in [frozen, *self._walk(frozen)] if isinstance(n, cst.Attribute)}
        return part.rsplit(".", 1)[-1] in names

    def _only_return_follows(self, train_call: cst.Call, fn: cst.FunctionDef) -> bool:
        """Is ``train_call`` a statement of ``fn``'s own body followed by nothing but a `return`
        (`model.train()` then `return model`)?  Nothing runs the model in this function after it."""
        statement = self.ctx.facts.parent(self.ctx.facts.parent(train_call))
        body = list(fn.body.body) if isinstance(fn.body, cst.IndentedBlock) else []
        if not (isinstance(statement, cst.SimpleStatementLine) and statement in body and len(statement.body) == 1):
            return False
        rest = body[body.index(statement) + 1 :]
        return all(isinstance(st, cst.SimpleStatementLine) and all(isinstance(small, cst.Return) for small in st.body) for st in rest)

    def _restores_only(self, train_call: cst.Call, helper: cst.FunctionDef, roots: Set[str]) -> bool:
        """Is ``train_call`` a helper's restore of the mode (`m.train()` after its own `m.eval()`
        and evaluation), in a helper that trains nothing itself, called with the frozen model
        only where nothing trains after the call (`score(reloaded, test_dl)` as the last use)?
        Then it puts the model back in train mode but runs no training in it."""
        facts = self.ctx.facts
        order = self._positions()
        at = order.get(id(train_call), 0)
        if not any(
            isinstance(c.func, cst.Attribute) and c.func.attr.value == "eval" and facts.enclosing_function(c) is helper and order.get(id(c), 0) < at
            for c in facts.calls
        ):
            return False
        if self._local_function_trains(helper.name.value, 0) or any(
            isinstance(c.func, cst.Attribute) and c.func.attr.value in ("step", "fit") and facts.enclosing_function(c) is helper for c in facts.calls
        ):
            return False
        name = helper.name.value
        sites = [c for c in facts.calls if isinstance(c.func, cst.Name) and c.func.value == name]
        if not sites:
            return False
        for site in sites:
            if not any(_root(a.value) in roots for a in site.args):
                continue
            scope = facts.enclosing_function(site)
            start = order.get(id(site), 0)
            for c in facts.calls:
                if facts.enclosing_function(c) is not scope or order.get(id(c), 0) <= start:
                    continue
                if isinstance(c.func, cst.Attribute) and c.func.attr.value in ("backward", "step", "fit"):
                    return False
                if isinstance(c.func, cst.Name) and c.func.value != name and self._local_function_trains(c.func.value, 0):
                    return False
                if facts.trains_what_it_is_handed(c):
                    return False
            if self._share_loop_with_training(site):
                return False
        return True

    def _share_loop_with_training(self, site: cst.Call) -> bool:
        """Is ``site`` inside a loop whose body also back-propagates (validation each epoch)?"""
        for anc in self.ctx.facts.ancestors(site):
            if isinstance(anc, (cst.For, cst.While)) and any(
                isinstance(n, cst.Call) and isinstance(n.func, cst.Attribute) and n.func.attr.value in ("backward", "step") for n in self._walk(anc)
            ):
                return True
        return False

    def _local_function_trains(self, name: str, depth: int) -> bool:
        """Does the function of this file called ``name`` back-propagate, itself or through the
        functions of this file it calls (`train()` calling `train_step()`)?"""
        fn = self.ctx.facts.function_named(name)
        if fn is None or depth > 3:
            return False
        for n in self._walk(fn):
            if isinstance(n, cst.Call):
                if isinstance(n.func, cst.Attribute) and n.func.attr.value == "backward":
                    return True
                if isinstance(n.func, cst.Name) and n.func.value != name and self._local_function_trains(n.func.value, depth + 1):
                    return True
        return False

    def _names_at_callers(self, freeze: cst.CSTNode, owner: str) -> List[Tuple[str, Optional[cst.FunctionDef]]]:
        """``owner`` (with None), and, when its root is a parameter of the freeze's function, what
        this file's callers hand it, each with the caller's function (`check(net, loader)` in `fit`
        for `def check(model, loader)` freezing `model`'s parameters): an unfreeze of that `net` in
        `fit`, before each training step, undoes the freeze."""
        facts = self.ctx.facts
        names: List[Tuple[str, Optional[cst.FunctionDef]]] = [(owner, None)]
        fn = facts.enclosing_function(freeze)
        root, _, rest = owner.partition(".")
        if fn is not None and root in params_of(fn):
            for argument in facts.caller_arguments(fn, root):
                handed = dotted(argument)
                if handed:
                    names.append((f"{handed}.{rest}" if rest else handed, facts.enclosing_function(argument)))
        return names

    def _may_be_same_object(self, freeze: cst.CSTNode, unfreeze: cst.CSTNode, owner: str) -> bool:
        """Can the unfreeze reach what the freeze froze? Not when the owner's root is a local
        variable of the freeze's function and the unfreeze is in another function (another
        `model` there)."""
        facts = self.ctx.facts
        fn = facts.enclosing_function(freeze)
        other = facts.enclosing_function(unfreeze)
        if other is not None and other is not fn and self._never_called(other):
            return False  # `def unlock(part): ... = True` that nothing calls: no toggle
        if fn is None or other is fn:
            return True
        root = owner.split(".")[0]
        if root == "self":
            # `self` of another class is another object, unless one class derives from the other
            # (a notebook's cells that each redefine `Clf` with their own freeze and unfreeze).
            mine, theirs = facts.enclosing_class(freeze), facts.enclosing_class(unfreeze)
            return mine is None or theirs is None or mine is theirs or _may_derive(mine, theirs) or _may_derive(theirs, mine)
        return root in params_of(fn) or not facts.binds_locally(fn, root)

    def _never_called(self, fn: cst.FunctionDef) -> bool:
        """Is ``fn`` a top-level function of this file that nothing runs: its name read nowhere in
        the file (no call, no callback), and no project module importing it calls it?"""
        facts = self.ctx.facts
        if not isinstance(facts.parent_of_def(fn), cst.Module):
            return False
        name = fn.name.value
        if any(isinstance(n, cst.Name) and n.value == name and n is not fn.name for n in self._walk(facts.module)):
            return False
        return not (facts.path and facts.index.class_built_by_importers(facts.path, name))

    def _inside(self, node: cst.CSTNode, container: cst.CSTNode) -> bool:
        return any(anc is container for anc in self.ctx.facts.ancestors(node))

    def _builds_class(self, call: cst.Call) -> bool:
        """Is ``call`` a construction of a class (of this file, or of a project module), not a call
        of a builder function?"""
        facts = self.ctx.facts
        name = dotted(call.func) or ""
        if name in facts.inventory.classes:
            return True
        if not (facts.path and facts.inventory.is_imported(name)):
            return False
        return facts.index.class_definition(facts.path, facts.inventory.resolve(name)) is not None

    def _construction_sites(self, direct=()):
        """`model = DeepLab(...)` where the class (in this file or a project module) freezes its
        BatchNorm layers' parameters in its constructor (``summaries.Construction.freezes_bn_params``),
        or a factory does to the model it returns; `model, transforms = create_model()` where a
        factory of this file returns, at that position, a model it froze (a site of ``direct``)."""
        from bnlint.modes import construction_of, keeps_bn_eval
        from bnlint.summaries import params_frozen_by

        sites = []
        for assign in self._assigns:
            value = _strip_wrappers(assign.value)
            if len(assign.targets) != 1 or not isinstance(value, cst.Call):
                continue
            if isinstance(assign.targets[0].target, cst.Tuple):
                site = self._tuple_construction_site(assign, value, direct)
                if site is not None:
                    sites.append(site)
                continue
            target = dotted(assign.targets[0].target)
            built = construction_of(self.ctx.facts, value) if target else None
            if built is None:
                continue
            inner = unmoved(value)  # `DeepLab(...).cuda()`: the constructor call
            cls = self.ctx.code_for(inner.func).strip()
            roots = {target.split(".")[0]} | ({target} if "." in target else set())
            if keeps_bn_eval(self.ctx.facts, dotted(inner.func)) or self._builder_returns_kept(inner):
                continue  # its `train()` override (or its `forward`) puts the BN layers back in eval
            if not params_frozen_by(built, lambda param, index, call=inner: _argument_truth(call, param, index, self.ctx.facts)):
                # (Frozen only under a constructor flag this call leaves false, or unknown.)  Or the
                # constructor freezes the module it is handed (`Probe(resnet18(...))` with `for p in
                # self.backbone.parameters(): p.requires_grad = False`): BN if that argument holds it.
                handed = _argument_expression(inner, built.params_frozen_argument, built.params_frozen_argument_index) if built.params_frozen_argument else None
                if handed is not None and self.ctx.facts.expr_holds_bn(handed):
                    label = f"the BatchNorm layers of `{self.ctx.code_for(handed).strip()}` (frozen by `{cls}`'s constructor, which keeps it)"
                    sites.append((assign, inner, ("holds", roots, label)))
                continue
            sites.append((assign, inner, ("bn", roots, f"the BatchNorm layers of `{target}` (in `{cls}`'s constructor)")))
            if built.params_frozen_site is not None:
                self._frozen_where[id(assign)] = self._constructor_freeze(inner, built.params_frozen_site)
        return sites

    def _constructor_freeze(self, call: cst.Call, site: Tuple[int, int, int, int]) -> Optional[Related]:
        """Where the constructor ``call`` builds with sets `requires_grad = False` (``site``, in the
        module defining it), as a location on the finding's path; None where that module is not known."""
        facts = self.ctx.facts
        name = dotted(call.func) or ""
        path: Optional[str] = None
        if name not in facts.inventory.classes:
            found = facts.index.definition(facts.path, facts.inventory.resolve(name)) if facts.path and facts.inventory.is_imported(name) else None
            if found is None:
                return None
            path = os.path.abspath(found[0])
        return Related(*site, message=f"`{name}(...)` sets `requires_grad = False` here while building the model; that alone does not freeze BatchNorm", path=path)

    def _built_keeping_bn_eval(self, root: str, at: cst.CSTNode, fn: Optional[cst.FunctionDef]) -> bool:
        """Is every object the name ``root`` can hold at ``at`` built by a class (of this file or
        a project module) whose `train()` override puts its BatchNorm layers back in eval?"""
        from bnlint.modes import keeps_bn_eval

        if "." in root:
            return False
        facts = self.ctx.facts
        scope: cst.CSTNode = fn if fn is not None and facts.binds_locally(fn, root) else facts.module
        values = facts.reaching_assignments(root, at, scope)
        if not values:
            return False
        for value in values:
            inner = unmoved(_strip_wrappers(value))
            if not (isinstance(inner, cst.Call) and keeps_bn_eval(facts, dotted(inner.func))):
                return False
        return True

    def _builder_returns_kept(self, call: cst.Call) -> bool:
        """`build(cfg)` with `build` a function of this file whose every `return` builds an object of
        a class that puts its BatchNorm back in eval (``keeps_bn_eval``: a `train()` override, or
        `self.extractor.eval()` at the start of `forward`)."""
        from bnlint.modes import keeps_bn_eval

        facts = self.ctx.facts
        builder = facts.function_named(call.func.value) if isinstance(call.func, cst.Name) else None
        if builder is None:
            return False
        returned = []
        for n in self._walk(builder):
            if isinstance(n, cst.Return) and facts.enclosing_function(n) is builder:
                if isinstance(n.value, cst.Name):  # `model = FastFlow(...)` ... `return model`
                    returned.extend(facts.reaching_assignments(n.value.value, n, builder) or [None])
                else:
                    returned.append(n.value)
        classes = []
        for value in returned:
            value = unmoved(_strip_wrappers(value)) if value is not None else None  # `FeatFlow(...).cuda()`
            classes.append(dotted(value.func) if isinstance(value, cst.Call) else None)
        return bool(classes) and all(c and keeps_bn_eval(facts, c) for c in classes)

    def _owner(self, p: cst.BaseExpression, at: cst.CSTNode) -> Optional[str]:
        """The module whose parameters ``p`` iterates: `for p in netD.parameters()` -> "netD"."""
        if isinstance(p, cst.Attribute) and p.attr.value in ("weight", "bias"):
            return dotted(p.value)
        name = p.value if isinstance(p, cst.Name) else self._named_pair_part(p, 1)
        if name is not None:
            loop = self._loop_binding(name, at)
            if loop is not None and self._iter_method(loop.iter) in _PARAM_ITERATORS:
                owner = _strip_wrappers(loop.iter).func.value  # type: ignore[union-attr]
                return self._whole_of_every_child(owner, at) or dotted(owner)
        return dotted(p)

    def _whole_of_every_child(self, owner: cst.BaseExpression, at: cst.CSTNode) -> Optional[str]:
        """`for name, child in net.named_children(): for p in child.parameters(): ...` with no `if`
        choosing children: what is done to every child's parameters is done to `net`'s."""
        if not isinstance(owner, cst.Name):
            return None
        outer = self._loop_binding(owner.value, at)
        if outer is None or self._iter_method(outer.iter) not in ("children", "named_children", "modules", "named_modules"):
            return None
        target = outer.target
        if (self._iter_method(outer.iter) or "").startswith("named_"):
            if not (isinstance(target, cst.Tuple) and len(target.elements) == 2):
                return None
            target = target.elements[1].value
        if not (isinstance(target, cst.Name) and target.value == owner.value):
            return None
        if any(isinstance(n, (cst.If, cst.IfExp, cst.Continue, cst.Break, cst.Return)) for n in self._walk(outer.body)):
            return None  # `if name != "fc": continue` chooses children
        return dotted(_strip_wrappers(outer.iter).func.value)  # type: ignore[union-attr]

    def _looks_like_param(self, expr: cst.BaseExpression, at: cst.CSTNode) -> bool:
        if isinstance(expr, cst.Attribute) and expr.attr.value in ("weight", "bias"):
            return True
        if isinstance(expr, cst.Name):
            loop = self._loop_binding(expr.value, at)
            if loop is not None and self._iter_method(loop.iter) in _PARAM_ITERATORS:
                return True
        return False

    def _false_constant(self, value: cst.BaseExpression, at: cst.CSTNode) -> bool:
        """`set_req_grad` bound only to `False` in the function (or module) around ``at``, or a
        parameter every value of which this file gives is `False` (its default, its callers'
        literals); or `False if bn else True` where the values this file gives the flag (``Facts.static_values``:
        a parameter's default, its callers' literals) all pick `False`."""
        facts = self.ctx.facts
        if isinstance(value, cst.IfExp) and isinstance(value.test, (cst.Name, cst.Attribute)):
            body, orelse = literal_value(value.body), literal_value(value.orelse)
            if {body, orelse} == {True, False}:
                flags = facts.static_values(value.test)
                return bool(flags) and all((body if flag else orelse) is False for flag in flags)  # type: ignore[union-attr]
            return False
        if not isinstance(value, cst.Name):
            return False
        bound = facts.assignments_to(value.value, facts.enclosing_function(at) or facts.module)
        if bound:
            return all(_is_false(b) for b in bound)
        # `p.requires_grad = train_cnn` with `def __init__(self, dim, train_cnn=False)` and no
        # call here that passes a true value: the parameter's values, as this file decides them.
        values = facts.static_values(value)
        return bool(values) and all(v is False for v in values)

    @staticmethod
    def _named_pair_part(p: cst.BaseExpression, index: int) -> Optional[str]:
        """`param` for `param[index]` (a `(name, parameter)` pair of `named_parameters()` not
        unpacked in the `for`), else None."""
        if isinstance(p, cst.Subscript) and isinstance(p.value, cst.Name) and len(p.slice) == 1:
            sl = p.slice[0].slice
            if isinstance(sl, cst.Index) and isinstance(sl.value, cst.Integer) and int(sl.value.value) == index:
                return p.value.value
        return None

    def _reselected_by_name(self, freeze: cst.Assign) -> Optional[cst.BaseExpression]:
        """For `p.requires_grad = False` in a loop body followed, in the same body, by `if <test>:
        p.requires_grad = True` (no `else`): that test (the parameters it selects stay trainable)."""
        line = self.ctx.facts.parent(freeze)
        block = self.ctx.facts.parent(line)
        body = getattr(block, "body", None)
        if not isinstance(line, cst.SimpleStatementLine) or not isinstance(body, (list, tuple)) or line not in body:
            return None
        target = self.ctx.code_for(freeze.targets[0].target).strip()
        for stmt in body[body.index(line) + 1:]:
            if isinstance(stmt, cst.If) and stmt.orelse is None and len(stmt.body.body) == 1 and isinstance(stmt.body.body[0], cst.SimpleStatementLine):
                small = stmt.body.body[0].body
                if (
                    len(small) == 1 and isinstance(small[0], cst.Assign) and len(small[0].targets) == 1
                    and self.ctx.code_for(small[0].targets[0].target).strip() == target
                    and isinstance(small[0].value, cst.Name) and small[0].value.value == "True"
                ):
                    return stmt.test
        return None

    def _reselection_of(self, unfreeze: cst.Assign) -> Optional[cst.Assign]:
        """The freeze (`p.requires_grad = False`, earlier in the same loop body) that the `if <test>:
        p.requires_grad = True` at ``unfreeze`` selects from, or None."""
        facts = self.ctx.facts
        branch = next((a for a in facts.ancestors(unfreeze) if isinstance(a, cst.If)), None)
        if branch is None or branch.orelse is not None:
            return None
        block = facts.parent(branch)
        body = getattr(block, "body", None)
        if not isinstance(body, (list, tuple)) or branch not in body:
            return None
        for stmt in body[: body.index(branch)]:
            if isinstance(stmt, cst.SimpleStatementLine) and len(stmt.body) == 1 and isinstance(stmt.body[0], cst.Assign):
                assign = stmt.body[0]
                if self._reselected_by_name(assign) is branch.test:
                    return assign
        return None

    def _other_branch_freezes(self, node: cst.CSTNode) -> bool:
        """`if "fc" in name: p.requires_grad = True` `else: p.requires_grad = False`: the `True` is
        the selection's other branch, not a later unfreeze (a GAN's gradient toggle)."""
        child: cst.CSTNode = node
        for anc in self.ctx.facts.ancestors(node):
            if isinstance(anc, (cst.For, cst.FunctionDef)):
                return False
            if isinstance(anc, cst.If) and anc.orelse is not None:
                other = anc.orelse if child is anc.body else anc.body if child is anc.orelse else None
                if other is not None and any(
                    isinstance(n, cst.Assign) and any(isinstance(t.target, cst.Attribute) and t.target.attr.value == "requires_grad" for t in n.targets) and _is_false(n.value)
                    for n in self._walk(other)
                ):
                    return True
            child = anc
        return False

    def _param_info(self, p: cst.BaseExpression, at: cst.CSTNode, trained_if: Optional[cst.BaseExpression] = None):
        """What a frozen parameter belongs to: ('bn'|'holds', root names, label) or None.
        ``trained_if``: the test of the parameter's name its flag is set to (`p.requires_grad =
        "fc" in name`); only a named-parameter loop's parameter is read then."""
        if isinstance(p, cst.Attribute) and p.attr.value in ("weight", "bias"):
            info = self._module_info(p.value, at)
            if info is None or info[0] != "bn":
                return None  # conv.weight / fc.bias of a non-BN module
            return info
        pair = self._named_pair_part(p, 1)
        if isinstance(p, cst.Name) or pair is not None:
            loop = self._loop_binding(pair or p.value, at)  # type: ignore[union-attr]
            if loop is None:
                return None
            method = self._iter_method(loop.iter)
            if method not in _PARAM_ITERATORS or (pair is not None and method != "named_parameters"):
                return None
            owner = _strip_wrappers(loop.iter).func.value  # type: ignore[union-attr]
            name_var = f"{pair}[0]" if pair is not None else None  # `param[0]` is the name
            target = loop.target
            if isinstance(target, cst.Tuple) and len(target.elements) == 2 and isinstance(target.elements[1].value, cst.Tuple):
                target = target.elements[1].value  # `for i, (name, p) in enumerate(model.named_parameters())`
            if method == "named_parameters" and isinstance(target, cst.Tuple) and target.elements:
                first = target.elements[0].value
                name_var = first.value if isinstance(first, cst.Name) else None
            if trained_if is not None and name_var is None:
                return None
            if name_var is not None:
                verdict = self._name_guard(name_var, at, loop, trained_if)
                if verdict == "non-bn":
                    return None
                if verdict == "bn":
                    info = self._module_info(owner, at, allow_unknown=True)
                    roots = info[1] if info else {_root(owner) or ""}
                    return ("bn", roots, f"the BatchNorm layers of `{self.ctx.code_for(owner)}` (selected by parameter name)")
                if verdict == "norm":
                    info = self._module_info(owner, at)
                    if info is None:
                        return None
                    return ("bn", info[1], f"the norm layers of `{self.ctx.code_for(owner)}` (selected by parameter name)")
            return self._module_info(owner, at)
        return None

    def _name_guard(self, name_var: str, at: cst.CSTNode, loop: cst.For, trained_if: Optional[cst.BaseExpression] = None) -> Optional[str]:
        """Classify the `if ... in name` filters between the loop and ``at`` (and ``trained_if``, the
        test whose truth the flag is set to: it freezes the names it rejects). A "subset" freeze
        (`if 'backbone' in name:`) keeps the names it selects in ``_selected_names``."""
        positive: List[str] = []
        negative: List[str] = []
        if trained_if is not None:
            tests = self._string_tests(trained_if, name_var)
            if not tests:
                return "non-bn"  # a flag computed from something else: no freeze this rule can read
            for s, pos in tests:
                (negative if pos else positive).append(s)
        child: cst.CSTNode = at
        for anc in self.ctx.facts.ancestors(at):
            if anc is loop:
                break
            if isinstance(anc, cst.If):
                in_else = anc.orelse is not None and child is anc.orelse
                for s, pos in self._string_tests(anc.test, name_var):
                    (positive if pos != in_else else negative).append(s)
            child = anc
        verdict = name_filter_verdict(positive, negative)
        if verdict == "subset" and positive and not negative:
            self._selected_names[id(at)] = tuple(positive)
        return verdict

    def _string_tests(self, test: cst.BaseExpression, name_var: str) -> List[Tuple[str, bool]]:
        out: List[Tuple[str, bool]] = []

        def visit(expr: cst.BaseExpression, positive: bool) -> None:
            if isinstance(expr, cst.UnaryOperation) and isinstance(expr.operator, cst.Not):
                visit(expr.expression, not positive)
            elif isinstance(expr, cst.BooleanOperation):
                visit(expr.left, positive)
                visit(expr.right, positive)
            elif isinstance(expr, cst.Comparison) and len(expr.comparisons) == 1:
                comp = expr.comparisons[0]
                if isinstance(expr.left, cst.SimpleString) and (
                    (isinstance(comp.comparator, cst.Name) and comp.comparator.value == name_var)
                    or (self._named_pair_part(comp.comparator, 0) is not None and f"{self._named_pair_part(comp.comparator, 0)}[0]" == name_var)
                ):
                    val = expr.left.evaluated_value
                    if isinstance(val, str):
                        if isinstance(comp.operator, cst.In):
                            out.append((val, positive))
                        elif isinstance(comp.operator, cst.NotIn):
                            out.append((val, not positive))
            elif isinstance(expr, cst.Call) and isinstance(expr.func, cst.Attribute) and dotted(expr.func.value) == name_var:
                if expr.func.attr.value in ("startswith", "endswith", "find", "__contains__"):
                    for a in expr.args:
                        vals = [a.value] if isinstance(a.value, cst.SimpleString) else [e.value for e in getattr(a.value, "elements", [])]
                        for v in vals:
                            if isinstance(v, cst.SimpleString) and isinstance(v.evaluated_value, str):
                                out.append((v.evaluated_value, positive))
            elif isinstance(expr, cst.Call) and dotted(expr.func) == "any":
                for n in self._walk(expr):
                    if isinstance(n, cst.Comparison):
                        visit(n, positive)

        visit(test, True)
        return out

    # --- which module, does it hold BN, and which model variables own it --------------
    def _module_info(self, expr: cst.BaseExpression, at: cst.CSTNode, allow_unknown: bool = False):
        facts = self.ctx.facts
        guard = self._type_guard(expr, at)
        if guard == "bn":
            return ("bn", self._roots_of(expr, at), "the BatchNorm modules")
        if guard == "other":
            return None
        name = dotted(expr)
        if name is not None and _BN_NAME_RE.search(name.rsplit(".", 1)[-1]) and "." in name:
            return ("bn", self._roots_of(expr, at), f"`{name}`")
        # A loop variable over a model's modules/children.
        if isinstance(expr, cst.Name):
            loop = self._loop_binding(expr.value, at)
            if loop is not None:
                method = self._iter_method(loop.iter)
                source: Optional[cst.BaseExpression] = None
                if method in _MODULE_ITERATORS:
                    source = _iteration_owner(_strip_wrappers(loop.iter))
                else:
                    source = _strip_wrappers(loop.iter)
                listed = source is loop.iter and isinstance(source, cst.Attribute)
                if listed and self._submodule_holds_bn(source, facts.enclosing_function(at) or facts.module) is not True:
                    return None  # `for l in model.heads:` of a plain list attribute: its content decides
                if source is not None and (source is not loop.iter or listed):
                    # `for l in model.base_layers:` (a list of the ResNet's children) as well.
                    info = self._module_info(source, at, allow_unknown)
                    if info is not None:
                        return ("holds", info[1], f"the modules of `{self.ctx.code_for(source)}`")
                elif isinstance(loop.iter, (cst.List, cst.Tuple)):
                    for e in loop.iter.elements:
                        info = self._module_info(e.value, at, allow_unknown)
                        if info is not None:
                            return ("holds", info[1], f"`{self.ctx.code_for(e.value)}`")
                return None
        if isinstance(expr, cst.Call) and dotted(expr.func) in ("list", "iter", "tuple") and expr.args:
            return self._module_info(expr.args[0].value, at, allow_unknown)
        if isinstance(expr, cst.Subscript):
            if self._indexed_part_without_bn(expr, at):
                return None  # `self.body[0]` of `nn.Sequential(nn.Conv2d(...), nn.BatchNorm2d(...))`: the conv
            return self._module_info(expr.value, at, allow_unknown)
        owner = _iteration_owner(expr)
        if owner is not None:
            return self._module_info(owner, at, allow_unknown)
        if isinstance(expr, cst.Attribute) and expr.attr.value in _HEAD_ATTRS:
            return None
        root = _root(expr)
        if root is None:
            return None
        label = f"`{name}`" if name else f"`{self.ctx.code_for(expr)}`"
        if root == "self":
            if facts.expr_holds_bn(expr if isinstance(expr, cst.Attribute) else expr):
                return ("holds", self._roots_of(expr, at), label)
            # A trainer (a plain class) freezing the model it was handed: `self.model` is what
            # this file's `Learner(model, ...)` constructions pass in.
            path = (name or "").split(".")
            cls = facts.enclosing_class(at)
            if cls is not None and len(path) >= 2 and facts.kept_model_holds_bn(cls, path[1]):
                return ("holds", self._roots_of(expr, at), label)
            return None
        fn = facts.enclosing_function(at)
        scope = fn or facts.module
        if fn is not None and root in params_of(fn):
            roots: Set[str] = set()
            holds = False
            for arg in self.ctx.facts.caller_arguments(fn, root):
                if facts.expr_holds_bn(arg):
                    holds = True
                r = _root(arg)
                if r:
                    roots.add(r)
                caller = facts.enclosing_function(arg) if isinstance(arg, cst.Name) else None
                if caller is not None and arg.value in params_of(caller) and caller is not fn:
                    # Handed on from the caller's own parameter (`self.opt = make_optimizer(net)` in a
                    # trainer's constructor): what that caller's callers pass, one step further.
                    holds = holds or any(facts.expr_holds_bn(a) for a in facts.caller_arguments(caller, arg.value))
                    if caller.name.value == "__init__" and _kept_as_attribute(caller, arg.value):
                        roots.add("self")
            roots.add(root)
            if fn.name.value == "__init__" and _kept_as_attribute(fn, root):
                # A trainer's constructor freezing the model it is handed and keeps (`self.net =
                # net`; `self.opt = make_optimizer(net)`): its methods' `self.net` is that model.
                roots.add("self")
            if holds or (allow_unknown and roots):
                return ("holds", roots | self.ctx.facts.aliases(roots), label)
            return None
        if self._name_holds_bn(root, scope, at) and not self._submodule_without_bn(expr, scope):
            roots = {root}
            return ("holds", roots | self.ctx.facts.aliases(roots), label)
        return None

    def _indexed_part_without_bn(self, expr: cst.Subscript, at: cst.CSTNode) -> bool:
        """`self.body[0]` (or `seq[-1]`) where every value the class (or the scope) binds to
        `self.body` is `nn.Sequential(...)`/`nn.ModuleList([...])` of listed layers whose element
        at that literal index builds no BatchNorm."""
        facts = self.ctx.facts
        index = expr.slice[0].slice if len(expr.slice) == 1 else None
        number = number_value(index.value) if isinstance(index, cst.Index) else None
        if number is None or number != int(number):
            return False
        name = dotted(expr.value)
        if not name:
            return False
        if name.startswith("self.") and name.count(".") == 1:
            cls = facts.enclosing_class(at)
            if cls is None:
                return False
            values = [
                n.value for n in self._walk(cls) if isinstance(n, cst.Assign)
                for t in n.targets if dotted(t.target) == name
            ]
        elif "." not in name:
            scope = facts.enclosing_function(at) or facts.module
            values = list(facts.assignments_to(name, scope))
        else:
            return False
        if not values:
            return False
        for value in values:
            layers = None
            if isinstance(value, cst.Call) and (facts.callee(value) or "") in ("torch.nn.Sequential", "torch.nn.ModuleList"):
                if (facts.callee(value) or "").endswith("Sequential") and all(a.keyword is None and not a.star for a in value.args):
                    layers = [a.value for a in value.args]
                elif len(value.args) == 1 and isinstance(value.args[0].value, (cst.List, cst.Tuple)):
                    layers = [e.value for e in value.args[0].value.elements if isinstance(e, cst.Element)]
            if not layers or any(isinstance(e, cst.StarredElement) for e in layers) or not -len(layers) <= int(number) < len(layers):
                return False
            part = layers[int(number)]
            if not isinstance(part, cst.Call) or facts.expr_holds_bn(part) or facts.is_bn_class_ref(part.func):
                return False
        return True

    def _submodule_without_bn(self, expr: cst.BaseExpression, scope: cst.CSTNode) -> bool:
        """`model.vgg` where `model = SSD300(...)` and every value `SSD300` assigns to `self.vgg`
        builds no BatchNorm (``ProjectIndex.attribute_holds_bn``): the BN of the model is elsewhere.
        A part of such a part (`model.predictor.ffn[0]`) has none either."""
        first = expr
        while isinstance(first, (cst.Attribute, cst.Subscript)) and not (isinstance(first, cst.Attribute) and isinstance(first.value, cst.Name)):
            first = first.value
        return self._submodule_holds_bn(first, scope) is False

    def _submodule_holds_bn(self, expr: cst.BaseExpression, scope: cst.CSTNode) -> Optional[bool]:
        """Does `model.<attr>` hold BatchNorm, by what the class of `model` (built in this scope or
        at module level) assigns to `self.<attr>`: True, False, or None (not known)."""
        facts = self.ctx.facts
        if not (isinstance(expr, cst.Attribute) and isinstance(expr.value, cst.Name)) or not facts.path:
            return None
        root = expr.value.value
        # The bindings that reach the freeze (`model = MPNN(...)` in its branch, not the `else:`'s).
        reaching = facts.reaching_assignments(root, expr, scope)
        values = reaching or facts.assignments_to(root, scope) + (facts.assignments_to(root, facts.module) if scope is not facts.module else [])
        built = [
            v for v in (_strip_wrappers(_unwrapped(v)) for v in values)
            # (`model = model.to(device)`, `model = train_model(model, ...)` returning what it
            # was handed: the same object.)
            if dotted(v) != root and not self._returns_its_argument(v, root)
        ]
        if not built or not all(isinstance(v, cst.Call) for v in built):
            return None
        given = [
            part for v in built for part in facts.parts_given_to(v, scope)
            if isinstance(facts.parent(part), cst.Assign) and any(isinstance(t.target, cst.Attribute) and t.target.attr.value == expr.attr.value for t in facts.parent(part).targets)
        ]
        if given:  # `net = nn.Sequential()`, `net.backbone = resnet34(...)`: that part
            return any(facts.expr_holds_bn(part, scope) for part in given)
        answers = set()
        for value in built:
            kept = self._kept_argument_holds_bn(value, expr.attr.value, scope)  # type: ignore[arg-type]
            if kept is not None:
                answers.add(kept)  # `MPNN(BondMessagePassing(), ...)` keeping it as `self.message_passing`
                continue
            name = dotted(value.func)  # type: ignore[union-attr]
            if not name:
                return None
            head, _, leaf = name.rpartition(".")
            if head and leaf in inv_mod.ALTERNATE_CONSTRUCTORS:
                name = head  # `LitModel.load_from_checkpoint(path)`: a LitModel
            local = name in facts.inventory.classes
            qualified = name if local else facts.inventory.resolve(name)
            answers.add(facts.index.attribute_holds_bn(facts.path, qualified, expr.attr.value, local=facts.inventory if local else None))
        if True in answers:
            return True
        return False if answers == {False} else None

    def _kept_argument_holds_bn(self, call: cst.Call, attr: str, scope: cst.CSTNode) -> Optional[bool]:
        """For `Model(encoder_arg, ...)` of a project class whose constructor keeps a parameter as
        `self.<attr>` as it came (`self.message_passing = message_passing`): does the argument the
        call passes for it hold BatchNorm?  Also through a class method that builds the object
        (`MPNN.load_from_file(path)` returning `cls(BondMessagePassing(), ...)`).  Answered only
        where that argument builds a class of the project (or a known layer or factory); None
        otherwise."""
        facts = self.ctx.facts
        name = dotted(call.func)
        if not name or any(a.star for a in call.args):
            return None
        found = self._project_class(name)
        if found is not None:
            cls, _ = found
            kept = _kept_parameter(cls, attr)
            if kept is None:
                return None
            param, index = kept
            argument = next((a.value for a in call.args if a.keyword is not None and a.keyword.value == param), None)
            positional = [a for a in call.args if a.keyword is None]
            if argument is None and 0 <= index < len(positional):
                argument = positional[index].value
            if not isinstance(argument, cst.Call):
                return None
            callee = dotted(argument.func) or ""
            known = (
                callee in facts.inventory.classes or facts.is_bn_class_ref(argument.func)
                or inv_mod.factory_holds_bn(facts.inventory.resolve(callee)) is not None
                or (facts.path is not None and facts.inventory.is_imported(callee) and facts.index.definition(facts.path, facts.inventory.resolve(callee)) is not None)
            )
            return facts.expr_holds_bn(argument, scope) if known else None
        head, _, method = name.rpartition(".")
        found = self._project_class(head) if head else None
        if found is None:
            return None
        cls, module_path = found
        inner = inv_mod.classmethod_construction(cls, method)
        kept = _kept_parameter(cls, attr) if inner is not None else None
        if inner is None or kept is None or module_path is None:
            return None
        param, index = kept
        argument = next((k.value for k in inner.keywords if k.arg == param), None)
        if argument is None and 0 <= index < len(inner.args) and not any(isinstance(a, ast.Starred) for a in inner.args[: index + 1]):
            argument = inner.args[index]
        callee = inv_mod.dotted_name(argument.func) if isinstance(argument, ast.Call) else None
        if not callee or "." in callee:
            return None
        # A class of that module (or one it imports from the project): its summary says.
        other = facts.index.inventory_for_path(module_path)
        if other is None:
            return None
        if callee in other.classes:
            return bool(other.holds(callee, inv_mod.MAX_IMPORT_HOPS))
        if other.is_imported(callee) and facts.index.definition(module_path, other.resolve(callee)) is not None:
            return facts.index.holds_bn(module_path, other.resolve(callee))
        return None

    def _project_class(self, name: str) -> "Optional[Tuple[ast.ClassDef, Optional[str]]]":
        """The ``ast`` of the project class ``name`` names here, with its module's path (None for
        this file's own classes)."""
        facts = self.ctx.facts
        if name in facts.inventory.classes:
            cls = next((n for n in facts._ast().body if isinstance(n, ast.ClassDef) and n.name == name), None)
            return (cls, facts.path) if cls is not None else None
        if facts.path and facts.inventory.is_imported(name):
            found = facts.index.definition(facts.path, facts.inventory.resolve(name))
            cls = found[2][2].get(found[1]) if found is not None else None
            return (cls, found[0]) if isinstance(cls, ast.ClassDef) else None  # type: ignore[index]
        return None

    def _returns_its_argument(self, value: cst.BaseExpression, name: str) -> bool:
        """`train_model(model, ...)` with a function of this file whose every `return` hands back
        the parameter ``name`` is passed to: the call's value is that same object."""
        facts = self.ctx.facts
        if not (isinstance(value, cst.Call) and isinstance(value.func, cst.Name)):
            return False
        fn = next((f for f in facts.functions if f.name.value == value.func.value and facts.enclosing_class(f) is None), None)
        if fn is None:
            return False
        params = params_of(fn)
        handed = {
            params[i] if a.keyword is None else a.keyword.value
            for i, a in enumerate(value.args)
            if i < len(params) and isinstance(a.value, cst.Name) and a.value.value == name
        }
        returns = [n for n in self._walk(fn) if isinstance(n, cst.Return)]
        return bool(handed) and bool(returns) and all(isinstance(r.value, cst.Name) and r.value.value in handed for r in returns)

    def _name_holds_bn(self, name: str, scope: cst.CSTNode, at: Optional[cst.CSTNode] = None) -> bool:
        """Does a value bound to ``name`` that can reach ``at`` (``Facts.reaching_assignments``) hold BN?"""
        facts = self.ctx.facts
        for value in facts.reaching_assignments(name, at, scope) + (facts.assignments_to(name, facts.module) if scope is not facts.module else []):
            if _named_without_bn(value, facts):
                continue
            if facts.expr_holds_bn(value, scope):
                return True
            inner = _root(value) if isinstance(value, cst.Attribute) else None
            if inner and inner != name and self._name_holds_bn(inner, scope) and not (isinstance(value, cst.Attribute) and value.attr.value in _HEAD_ATTRS):
                return True
        return any(facts.unpacked_holds_bn(b, name) for b in facts.reaching_bindings(name, at, scope))

    def _roots_of(self, expr: cst.BaseExpression, at: cst.CSTNode) -> Set[str]:
        """The model variables a BN module found in a loop / apply callback belongs to."""
        facts = self.ctx.facts
        roots: Set[str] = set()
        r = _root(expr)
        if isinstance(expr, cst.Name):
            loop = self._loop_binding(expr.value, at)
            if loop is not None:
                it = _strip_wrappers(loop.iter)
                src = _iteration_owner(it) if self._iter_method(loop.iter) in _MODULE_ITERATORS else it
                rr = _root(src)
                if rr:
                    roots.add(rr)
            fn = facts.enclosing_function(at)
            if fn is not None and expr.value in params_of(fn):
                for arg in self.ctx.facts.caller_arguments(fn, expr.value):
                    rr = _root(arg)
                    if rr:
                        roots.add(rr)
        elif r:
            roots.add(r)
        # A module-walking helper called with the model: `freeze_bn(model)`.
        for root in list(roots):
            fn = facts.enclosing_function(at)
            if fn is not None and root in params_of(fn):
                for arg in self.ctx.facts.caller_arguments(fn, root):
                    rr = _root(arg)
                    if rr:
                        roots.add(rr)
        if "self" in roots:
            cls = facts.enclosing_class(at)
            if cls is not None:
                roots |= self._instances_of(cls.name.value)
        return roots | self.ctx.facts.aliases(roots)

    def _instances_of(self, cls_name: str) -> Set[str]:
        out: Set[str] = set()
        for node in self._assign_nodes():
            if isinstance(node.value, cst.Call):
                inner = _strip_wrappers(node.value)
                if isinstance(inner, cst.Call) and dotted(inner.func) == cls_name:
                    for t in node.targets:
                        if isinstance(t.target, cst.Name):
                            out.add(t.target.value)
        return out

    def _type_guard(self, expr: cst.BaseExpression, at: cst.CSTNode) -> Optional[str]:
        """'bn' when an enclosing `if` says ``expr`` is a BN module, 'other' for another type, else None."""
        facts = self.ctx.facts
        name = dotted(expr)
        if name is None:
            return None
        verdict: Optional[str] = None
        for anc in facts.ancestors(at):
            if isinstance(anc, (cst.If, cst.While, cst.IfExp)):
                test = anc.test
                for node in self._walk(test):
                    if isinstance(node, cst.Call) and dotted(node.func) == "isinstance" and len(node.args) >= 2:
                        if dotted(node.args[0].value) != name:
                            continue
                        kinds = node.args[1].value
                        elems = [e.value for e in kinds.elements] if isinstance(kinds, (cst.Tuple, cst.List)) else [kinds]
                        if any(facts.is_bn_class_ref(e) for e in elems):
                            return "bn"
                        verdict = "other"
                    elif isinstance(node, cst.SimpleString):
                        text = node.evaluated_value
                        if isinstance(text, str) and "BatchNorm" in text and not text.startswith("Frozen"):
                            return "bn"
            if isinstance(anc, cst.FunctionDef):
                break
        return verdict

    # --- train mode after the freeze -------------------------------------------------
    def _trains_after(self, node: cst.CSTNode, roots: Set[str]) -> Optional[str]:
        facts = self.ctx.facts
        order = self._positions()
        fn = facts.enclosing_function(node)
        for call in facts.calls:
            if not (isinstance(call.func, cst.Attribute) and call.func.attr.value == "train"):
                continue
            if call.args and _is_false(call.args[0].value):
                continue
            recv = call.func.value
            r = _root(recv)
            if r is None:
                continue
            cfn = facts.enclosing_function(call)
            if not self._refers_to(r, call, roots):
                continue
            if r == "self":
                mine, theirs = facts.enclosing_class(node), facts.enclosing_class(call)
                if mine is not None and theirs is not None and mine is not theirs and not _may_derive(mine, theirs) and not _may_derive(theirs, mine):
                    continue  # `self.model.train()` of another class: another object
            if cfn is fn and order.get(id(call), 0) < order.get(id(node), 0) and not self._share_loop(call, node):
                continue
            if cfn is fn and self._rebound_between(r, node, call, order, roots):
                continue  # `effnetb2, tf = create_model()` between: the `.train()` is the new object's
            if cfn is fn and fn is not None and self._only_return_follows(call, fn):
                continue  # `net.train(); return net`: the mode handed back, no training here after it
            if self._part_put_back_in_eval(call, r, roots, order):
                continue  # `model.train(); backbone.eval()`: the frozen part is put back in eval
            if cfn is not None and cfn is not fn and self._runs_only_before(cfn, node, fn, order):
                continue  # `pretrain(nets)` with its `.train()`, called before the freeze only
            if cfn is not None and cfn is not fn and r == "self" and not self._method_runs_before(fn, cfn, order) and not self._builds_the_instance(fn, cfn):
                continue  # `learn.fit()` ... `learn.freeze()`, or a freeze method no one calls
            if _exclusive(self._guards(node), self._guards(call)):
                continue  # `if args.weights == "freeze": freeze` ... `if args.weights == "finetune": model.train()`
            if self._outside_selection(recv, node):
                continue  # `model.module.final_bn.train()` after freezing the parameters named 'backbone'
            if cfn is not None and cfn is not fn and self._restores_only(call, cfn, roots):
                continue  # `m.eval(); ...; m.train(); return acc` in a scoring helper, and no training after its call
            self._site.train_call = call
            if cfn is fn:
                return f"`{self.ctx.code_for(call)}` is called after the freeze"
            # Another function (the freeze is in a helper, or the training in one): which runs
            # first is not known here, only that the model is trained in train mode.
            return f"`{self.ctx.code_for(call)}` puts the model in train mode for training"
        # A function of another project module that puts the model in train mode (its
        # ``bnlint.effects`` summary): `engine.train(model=model, ...)` with `model.train()` inside.
        helper = self._trains_in_helper(node, fn, roots, order)
        if helper is not None:
            return helper
        trainer = self._trains_in_trainer(node, fn, roots, order)
        if trainer is _REFROZEN:
            return None  # the trainer it is handed to puts its BN layers back in eval after `.train()`
        if trainer is not None:
            return trainer
        lightning = self._trained_by_lightning(node, roots) or self._fitted_by_lightning(node, roots, order)
        if lightning is not None:
            return lightning
        # No explicit .train(): a model is in train mode from construction until .eval().
        has_step = has_backward = False
        for call in facts.calls:
            if isinstance(call.func, cst.Attribute):
                m = call.func.attr.value
                if m == "backward":
                    has_backward = True
                elif m == "step" and "opt" in (dotted(call.func.value) or "").lower():
                    has_step = True
                elif (
                    m == "eval" and self._refers_to(_root(call.func.value), call, roots) and self._same_object_at(call.func.value)
                    and not self._after_training(call, roots, order)
                ):
                    return None
        if has_step and has_backward and self._trained(roots) and not self._trained_in_eval(roots):
            cls = facts.enclosing_class(node) if "self" in roots else None
            if cls is not None and fn is not None and facts.kept_attributes(cls) is not None and not any(
                self._method_runs_before(fn, m, order)
                for m in cls.body.body
                if isinstance(m, cst.FunctionDef) and m is not fn
                and any(isinstance(c.func, cst.Attribute) and c.func.attr.value == "backward" and facts.enclosing_function(c) is m for c in facts.calls)
            ):
                return None  # a trainer's freeze method that runs after its training, or never
            return "the model is trained with an optimizer and never put in eval mode; modules start in train mode"
        return None

    def _trained_in_eval(self, roots: Set[str]) -> bool:
        """Does every training forward of the frozen model (outside any evaluation context) meet it
        in eval mode, on every path the mode analysis follows (`reader = Reader(10).eval()`, or a
        factory of another module that returns `net.eval()`, and no `.train()` after)?  Then its
        BatchNorm normalises with the running statistics and never updates them."""
        from bnlint.modes import EVAL, analysis

        result = analysis(self.ctx.facts, self.ctx.source)
        if result.aborted:
            return False
        forwards = [
            o for o in result.forwards.values()
            if not o.kinds and not o.excluded and o.via is None and _root(o.node.func) is not None and self._refers_to(_root(o.node.func), o.node, roots)
        ]
        return bool(forwards) and all(o.vals and all(v.mode == EVAL for v in o.vals) for o in forwards)

    def _fitted_by_lightning(self, node: cst.CSTNode, roots: Set[str], order: Dict[int, int]) -> Optional[str]:
        """`trainer.fit(model, ...)` on a Lightning `Trainer`, after the freeze in the same
        function, with the frozen model: Lightning runs its `training_step` in the mode the model
        is in, and a model nobody put in eval is in train mode, so its BatchNorm still normalises
        with batch statistics and updates its running statistics."""
        from bnlint.modes import lightning_trainer_call

        facts = self.ctx.facts
        fn = facts.enclosing_function(node)
        for call in facts.calls:
            if facts.enclosing_function(call) is not fn or order.get(id(call), 0) <= order.get(id(node), 0):
                continue
            if not lightning_trainer_call(facts, call, frozenset({"fit"})) or not call.args:
                continue
            model = call_arg(call, "model", 0)
            if model is None or _root(model.value) not in roots or not self._same_object_at(model.value):
                continue
            if self._constructor_keeps_bn_in_eval(node):
                continue  # `self.frozen.eval()` in `__init__`: Lightning (since 2.2) keeps the modes sub-modules were put in
            # Put in eval by the code before the fit (`model.eval()` after the freeze): not trained in train mode.
            if any(
                isinstance(c.func, cst.Attribute) and c.func.attr.value == "eval" and _root(c.func.value) in roots and facts.enclosing_function(c) is fn
                and order.get(id(node), 0) < order.get(id(c), 0) < order.get(id(call), 0)
                for c in facts.calls
            ):
                continue
            self._site.train_call = call
            return f"`{self.ctx.code_for(call.func)}(...)` trains the model in the mode it is in, and nothing put it in eval: train mode"
        return None

    def _constructor_keeps_bn_in_eval(self, node: cst.CSTNode) -> bool:
        """Is ``node`` a construction site (`model = Model(...)`) of a class of this file whose
        constructor puts every part that holds BatchNorm in eval (`self.frozen.eval()`)?"""
        from bnlint.modes import analysis

        if not isinstance(node, cst.Assign):
            return False
        value = unmoved(_strip_wrappers(node.value))  # `Model(...).cuda()`: the constructor call
        name = dotted(value.func) if isinstance(value, cst.Call) else None
        return bool(name) and analysis(self.ctx.facts)._constructor_evals_every_part(name)

    def _trained_by_lightning(self, node: cst.CSTNode, roots: Set[str]) -> Optional[str]:
        """A freeze of a part of a LightningModule (`self.teacher`'s parameters in `__init__`)
        whose `training_step` runs: Lightning trains the module in train mode (it never puts it in
        eval for training steps), so the part's BatchNorm is in train mode there, unless this
        file, or a project file that names the class, switches that part's mode."""
        facts = self.ctx.facts
        cls = facts.enclosing_class(node)
        if "self" not in roots or cls is None or not facts.is_lightning_class(cls):
            return None
        step = next((m for m in cls.body.body if isinstance(m, cst.FunctionDef) and m.name.value == "training_step"), None)
        if step is None:
            return None
        frozen = {r.split(".")[1] for r in self._frozen_paths(node) if r.startswith("self.") and "." in r}
        if not frozen:
            return None
        for attr in frozen:
            # Switched in this file (a hook of the class: `self.teacher.eval()`), or in a project
            # file that names the class (a callback's `pl_module.teacher.eval()`).
            if any(
                isinstance(c.func, cst.Attribute) and c.func.attr.value in ("eval", "train", "apply") and attr in (dotted(c.func.value) or "").split(".")
                for c in facts.calls
            ):
                return None
            if facts.path and facts.index.mode_switched_elsewhere(facts.path, attr, mentioning=cls.name.value):
                return None
        return "Lightning trains the module in train mode: `training_step` runs while the frozen part's BatchNorm layers are in train mode"

    def _frozen_paths(self, node: cst.CSTNode) -> Set[str]:
        """The dotted receivers a freeze statement reaches: `self._teacher_model` for `for p in
        self._teacher_model.parameters(): p.requires_grad = False`."""
        out: Set[str] = set()
        for anc in [node, *self.ctx.facts.ancestors(node)]:
            if isinstance(anc, cst.For):
                it = _strip_wrappers(anc.iter)
                if isinstance(it, cst.Call) and isinstance(it.func, cst.Attribute):
                    name = dotted(it.func.value)
                    if name:
                        out.add(name)
                        # `for name, module in self.model.named_modules(): ... for p in
                        # module.parameters():` reaches `self.model`'s parts.
                        loop = self._loop_binding(name, anc) if "." not in name else None
                        if loop is not None and self._iter_method(loop.iter) in _MODULE_ITERATORS:
                            source = dotted(_iteration_owner(_strip_wrappers(loop.iter)))
                            if source:
                                out.add(source)
            if isinstance(anc, cst.FunctionDef):
                break
        if isinstance(node, cst.Call) and isinstance(node.func, cst.Attribute):
            name = dotted(node.func.value)
            if name:
                out.add(name)
        return out

    def _outside_selection(self, recv: cst.BaseExpression, freeze: cst.CSTNode) -> bool:
        """Is ``recv`` (what `.train()` is called on) a part of the model outside the parameters
        the freeze selected by name?  Parameter names are the attribute paths of their modules
        (`module.backbone.layer1.0.bn1.weight`): a part whose path (`model.module.final_bn`)
        names none of the selected words is a part the freeze did not reach, as far as a
        module's own names can say (a word nested deeper inside it cannot be seen)."""
        selected = self._selected_names.get(id(freeze))
        path = (dotted(recv) or "").split(".")[1:]
        parts = [p for p in path if p != "module"]
        if not selected or not parts:
            return False
        return not any(word.strip(".") and word.strip(".") in ".".join(path) for word in selected)

    def _trains_in_helper(self, node: cst.CSTNode, fn, roots: Set[str], order: Dict[int, int]) -> Optional[str]:
        """A call after the freeze that hands a frozen model to an imported project function whose
        summary puts that parameter in train mode, or trains it in train mode."""
        facts = self.ctx.facts
        inv = facts.inventory
        if not facts.path:
            return None
        for call in facts.calls:
            name = dotted(call.func)
            if not name or not inv.is_imported(name) or any(a.star for a in call.args):
                continue
            handed = [
                (i, a) for i, a in enumerate(call.args)
                if isinstance(a.value, (cst.Name, cst.Attribute)) and self._refers_to(_root(a.value), call, roots) and self._same_object_at(a.value)
            ]
            if not handed:
                continue
            cfn = facts.enclosing_function(call)
            if cfn is fn and order.get(id(call), 0) < order.get(id(node), 0) and not self._share_loop(call, node):
                continue
            effects = facts.index.function_effects(facts.path, inv.resolve(name))
            if effects is None:
                continue
            for index, arg in handed:
                keyword = arg.keyword.value if arg.keyword is not None else None
                pname = effects.parameter_for(None if keyword else index, keyword)
                effect = effects.effects.get(pname) if pname else None
                if effect is not None and _trains_unfrozen(effect):
                    from bnlint.modes import display_path

                    self._site.train_call = call
                    return f"`{self.ctx.code_for(call).strip()}` puts it in train mode (`{effects.name}()`, {display_path(effects.path, facts.path)}:{effects.line})"
        return None

    def _trains_in_trainer(self, node: cst.CSTNode, fn, roots: Set[str], order: Dict[int, int]) -> Optional[str]:
        """`sbs = StepByStep(model, loss_fn, optimizer)` ... `sbs.train(10)` after the freeze, with
        a plain class of another project module that keeps the model it is handed
        (``ProjectIndex.kept_arguments``) and a method whose summary puts it in train mode; or
        ``_REFROZEN`` where that method re-freezes its BatchNorm after the `.train()`."""
        facts = self.ctx.facts
        if not facts.path:
            return None
        for call in facts.calls:
            func = call.func
            if not (isinstance(func, cst.Attribute) and isinstance(func.value, (cst.Name, cst.Call))):
                continue
            cfn = facts.enclosing_function(call)
            if cfn is fn and order.get(id(call), 0) < order.get(id(node), 0) and not self._share_loop(call, node):
                continue
            # `runner = Runner(model, ...)` then `runner.fit()`, or `Runner(model, ...).fit()`.
            construction = func.value if isinstance(func.value, cst.Call) else self._bound_before(func.value.value, call)
            if not isinstance(construction, cst.Call):
                continue
            class_name = dotted(construction.func)
            if not class_name or any(a.star for a in construction.args):
                continue
            qualified = self._class_of_trainer(class_name)
            if qualified is None:
                continue
            kept = facts.index.kept_arguments(facts.path, qualified)
            if kept is None:
                continue
            positional, stored = kept
            for index, arg in enumerate(construction.args):
                pname = arg.keyword.value if arg.keyword is not None else (positional[index] if index < len(positional) else None)
                attr = stored.get(pname) if pname else None
                if attr is None or not isinstance(arg.value, (cst.Name, cst.Attribute)) or not self._refers_to(_root(arg.value), construction, roots):
                    continue
                effect = facts.index.attribute_method_effect(facts.path, qualified, func.attr.value, attr)
                if effect is not None and _trains_unfrozen(effect):
                    self._site.train_call = call
                    return f"`{self.ctx.code_for(call).strip()}` puts it in train mode (`{class_name}.{func.attr.value}()` on the `{attr}` it keeps)"
                if effect is not None and ("mode", "T") in effect.steps:
                    return _REFROZEN
        return None

    def _freeze_reported_in(self, construction: cst.CSTNode, reported: List[cst.CSTNode]) -> bool:
        """Is one of the freezes ``reported`` where written inside the class of this file that
        ``construction`` builds (its constructor's freeze, reported there once)?"""
        facts = self.ctx.facts
        cls = facts.class_named(dotted(construction.func) or "") if isinstance(construction, cst.Call) else None
        return cls is not None and any(facts.enclosing_class(n) is cls for n in reported)

    def _class_of_trainer(self, class_name: str) -> Optional[str]:
        """The name the project index knows the trainer class ``class_name`` by: an imported
        project class, or a top-level class of this (`.py`) file, as a sibling module's."""
        facts = self.ctx.facts
        inv = facts.inventory
        if inv.is_imported(class_name):
            return inv.resolve(class_name)
        cls = facts.class_named(class_name) if "." not in class_name else None
        if cls is None or not isinstance(facts.parent_of_def(cls), cst.Module) or not (facts.path or "").endswith(".py"):
            return None
        return f".{os.path.basename(facts.path)[:-3]}.{class_name}"

    def _after_training(self, eval_call: cst.Call, roots: Set[str], order: Dict[int, int]) -> bool:
        """Is ``eval_call`` (a `.eval()` of the frozen model) made only after its training: in the
        same scope as every training loop of it (a loop that runs it and calls `.backward()`),
        below those loops and outside them (a test after training: the training ran in train
        mode)?  False when there is no such loop, or one is elsewhere or comes later."""
        facts = self.ctx.facts
        scope = facts.enclosing_function(eval_call)
        at = order.get(id(eval_call), -1)
        loops = []
        for call in facts.calls:
            if not (isinstance(call.func, cst.Name) and self._refers_to(call.func.value, call, roots)):
                continue
            outer = None
            for anc in facts.ancestors(call):
                if isinstance(anc, (cst.FunctionDef, cst.ClassDef)):
                    break
                if isinstance(anc, (cst.For, cst.While)):
                    outer = anc
            if outer is not None and any(
                isinstance(n, cst.Call) and isinstance(n.func, cst.Attribute) and n.func.attr.value == "backward" for n in self._walk(outer.body)
            ):
                loops.append(outer)
        if not loops:
            return False
        for loop in loops:
            if facts.enclosing_function(loop) is not scope:
                return False
            last = max((order.get(id(n), -1) for n in self._walk(loop)), default=-1)
            if not last < at:
                return False
        return True

    def _trained(self, roots: Set[str]) -> bool:
        """The frozen model takes part in the training: an optimizer is built over its parameters,
        or it is called in a loop that calls ``.backward()`` (a file may train one model and only
        run another, frozen one once, as a demo)."""
        facts = self.ctx.facts
        for call in facts.calls:
            callee = dotted(call.func) or ""
            leaf = callee.rsplit(".", 1)[-1]
            if "optim." in callee or leaf in _OPTIMIZERS:
                for arg in call.args:
                    if any(isinstance(n, cst.Name) and self._refers_to(n.value, call, roots) and self._same_object_at(n) for n in self._walk(arg.value)):
                        if self._optimizer_used(call):
                            return True
            elif isinstance(call.func, cst.Name) and self._refers_to(call.func.value, call, roots) and self._same_object_at(call.func) or (
                isinstance(call.func, cst.Attribute) and call.func.attr.value == "forward" and self._refers_to(_root(call.func.value), call, roots)
            ):
                for loop in facts.ancestors(call):
                    if isinstance(loop, cst.FunctionDef) and self._optimizer_closure(loop):
                        return True  # `def closure(): ... net(x) ... loss.backward()` for `optimizer.step(closure)`
                    if isinstance(loop, (cst.FunctionDef, cst.ClassDef)):
                        break
                    if isinstance(loop, (cst.For, cst.While)) and any(
                        isinstance(n, cst.Call) and isinstance(n.func, cst.Attribute) and n.func.attr.value == "backward" for n in self._walk(loop.body)
                    ):
                        return True
        return False

    def _optimizer_used(self, construction: cst.Call) -> bool:
        """Is the optimizer ``construction`` builds ever used: a read of the name it is bound to
        (`opt.step()`, `fit(net, opt)`) that this binding reaches?  An optimizer bound again
        before any read (`opt = Adam(small.parameters())` in the next cell) trains nothing.  True
        where it is not bound to a plain name, or read in another scope (not followed there)."""
        facts = self.ctx.facts
        parent = facts.parent(construction)
        if not (isinstance(parent, cst.Assign) and len(parent.targets) == 1 and isinstance(parent.targets[0].target, cst.Name)):
            return True
        name = parent.targets[0].target.value
        scope = facts.enclosing_function(construction) or facts.module
        for node in self._nodes():
            if not (isinstance(node, cst.Name) and node.value == name) or facts.is_store(node):
                continue
            read_in = facts.enclosing_function(node) or facts.module
            if read_in is not scope or any(v is construction for v in facts.reaching_assignments(name, node, scope)):
                return True
        return False

    def _optimizer_closure(self, fn: cst.FunctionDef) -> bool:
        """Is ``fn`` a closure handed to an optimizer's `step` (L-BFGS: `optimizer.step(closure)`)
        that back-propagates? The optimizer calls it on every step: its forwards are the training
        forwards, whatever the optimizer updates (an image, in style transfer)."""
        if not any(isinstance(n, cst.Call) and isinstance(n.func, cst.Attribute) and n.func.attr.value == "backward" for n in self._walk(fn)):
            return False
        name = fn.name.value
        return any(
            isinstance(call.func, cst.Attribute) and call.func.attr.value == "step" and any(isinstance(a.value, cst.Name) and a.value.value == name for a in call.args)
            for call in self.ctx.facts.calls
        )

    def _guards(self, node: cst.CSTNode) -> List[Tuple[str, str, object]]:
        """The simple conditions ``node`` runs under, from the `if`/`elif`/`else` around it in its
        function: (subject, "==" | "!=", literal) or (subject, "truthy" | "falsy", None)."""
        facts = self.ctx.facts
        out: List[Tuple[str, str, object]] = []
        child: cst.CSTNode = node
        for anc in facts.ancestors(node):
            if isinstance(anc, (cst.FunctionDef, cst.ClassDef, cst.Lambda)):
                break
            if isinstance(anc, cst.If) and child is not anc.test:
                guard = _guard_of(anc.test)
                if guard is not None:
                    out.append(guard if child is anc.body else _negated(guard))
            child = anc
        return out

    def _refers_to(self, name: Optional[str], at: cst.CSTNode, roots: Set[str]) -> bool:
        """``name`` at ``at`` is one of the models in ``roots``, directly or as a helper's parameter."""
        if name is None:
            return False
        fn = self.ctx.facts.enclosing_function(at)
        # (A parameter of another function that shares a root's name is that function's caller's
        # object, unless that function calls the freeze's: then the roots came from its names.)
        if name in roots and not (
            fn is not None and fn is not self._site.fn and name != "self" and name in params_of(fn) and not self._calls_site_fn(fn)
        ):
            local_to = self._site.local_to
            site_fn = self._site.fn
            if (
                local_to is False and fn is not None and site_fn is not None and fn is not site_fn and name != "self"
                and self._plain_local(site_fn, name) and self._plain_local(fn, name) and self._built_there(fn, name)
                and not self._nested_in(fn, site_fn) and not self._nested_in(site_fn, fn)
            ):
                return False  # each function's own local `net`: two objects (the handed-on one is reached as a parameter)
            if local_to is False or fn is local_to:
                return True
            if local_to is None:  # built at module level: the module's code, or a function that reads the global
                return fn is None or not self.ctx.facts.binds_locally(fn, name)
            return False
        if name != "self" and self._holder_of_roots(name, at, roots):
            return True  # `model = Wrapper(backbone)` keeping the frozen `backbone`: its `.train()` reaches it
        if fn is not None and name != "self" and name in params_of(fn):
            # `model.train()` in a helper such as train_one_epoch(net, ...): the helper must be called
            # with it, where the freeze's conditions allow (`if mode == "teacher": train(teach)` does
            # not train the teacher frozen under `elif mode == "student":`).
            return any(
                _root(a) in roots and not _exclusive(self._site.guards, self._guards(a)) and self._same_object_at(a)
                for a in self.ctx.facts.caller_arguments(fn, name)
            )
        return False

    def _holder_of_roots(self, name: str, at: cst.CSTNode, roots: Set[str]) -> bool:
        """Is ``name`` at ``at`` bound, once in its scope, to a module that keeps one of the frozen
        ``roots`` as a submodule: `nn.Sequential(backbone, head)`, or a construction of a module
        class of this file whose constructor keeps the argument it is handed (`model =
        Transfer(backbone, 10).to(device)` with `self.backbone = backbone`)?  `nn.Module.train()`
        recurses into it."""
        facts = self.ctx.facts
        fn = facts.enclosing_function(at)
        values = facts.assignments_to(name, fn) if fn is not None else []
        if fn is None or (not values and not facts.binds_locally(fn, name)):
            values = facts.assignments_to(name, facts.module)
        return len(values) == 1 and self._keeps_roots(values[0], roots)

    def _keeps_roots(self, value: cst.BaseExpression, roots: Set[str]) -> bool:
        """Does ``value`` build a module that keeps one of ``roots`` as a submodule (see
        ``_holder_of_roots``)?"""
        import ast

        facts = self.ctx.facts
        value = _strip_wrappers(_unwrapped(value))
        if container_of(value, roots):
            return True
        if not isinstance(value, cst.Call) or not isinstance(value.func, cst.Name):
            return False
        cls = facts.class_named(value.func.value)
        cls_ast = next((n for n in facts._ast().body if isinstance(n, ast.ClassDef) and n.name == value.func.value), None) if cls is not None else None
        kept = _constructor_attributes(cls_ast) if cls_ast is not None else None
        if kept is None or any(a.star for a in value.args):
            return False
        positional, stored = kept
        for index, arg in enumerate(value.args):
            param = arg.keyword.value if arg.keyword is not None else (positional[index] if index < len(positional) else None)
            if param in stored and isinstance(arg.value, cst.Name) and arg.value.value in roots and self._same_object_at(arg.value):
                return True
        return False

    def _builds_the_instance(self, fn: Optional[cst.FunctionDef], method: cst.FunctionDef) -> bool:
        """Is ``fn`` the constructor of the class ``method`` belongs to?  It runs before any
        method of the instance."""
        facts = self.ctx.facts
        return fn is not None and fn.name.value == "__init__" and facts.enclosing_class(fn) is not None and facts.enclosing_class(fn) is facts.enclosing_class(method)

    def _plain_local(self, fn: cst.FunctionDef, name: str) -> bool:
        """Is ``name`` a variable ``fn`` binds itself, not one of its parameters?"""
        return name not in params_of(fn) and self.ctx.facts.binds_locally(fn, name)

    def _built_there(self, fn: cst.FunctionDef, name: str) -> bool:
        """Is every value ``fn`` binds ``name`` to a call (a model it builds or gets from a
        factory), not something it reads out of what it was handed (`nets["paraphraser"]`)?"""
        values = self.ctx.facts.assignments_to(name, fn)
        return bool(values) and all(isinstance(_strip_wrappers(v), cst.Call) and not self._reads_parameter(_strip_wrappers(v), fn) for v in values)

    def _reads_parameter(self, call: cst.Call, fn: cst.FunctionDef) -> bool:
        """`copy.deepcopy(model)`, `nets.get("p")`: a call whose receiver or arguments are ``fn``'s parameters."""
        params = set(params_of(fn))
        return any(isinstance(n, cst.Name) and n.value in params for n in self._walk(call))

    def _nested_in(self, inner: cst.CSTNode, outer: cst.CSTNode) -> bool:
        return any(a is outer for a in self.ctx.facts.ancestors(inner))

    def _same_object_at(self, argument: cst.BaseExpression) -> bool:
        """Is the name a caller hands over (``argument``) the frozen object there: in the scope
        the frozen model is local to (when it is), and not bound to another object between the
        freeze and that call (either way round)?"""
        facts = self.ctx.facts
        local_to = self._site.local_to
        scope = facts.enclosing_function(argument)
        if isinstance(local_to, cst.FunctionDef) and scope is not local_to:
            return False  # another function's namesake (a module-level model is read by any function)
        freeze = self._site.node
        root = _root(argument)
        if freeze is None or root is None or scope is not facts.enclosing_function(freeze):
            return True
        order = self._positions()
        if order.get(id(argument), 0) < order.get(id(freeze), 0):
            # Named before the freeze: the object the name held then, unless bound anew between
            # (`net = resnet50()` again before freezing the new one).
            return not self._rebound_between(root, argument, freeze, order)
        return not self._rebound_between(root, freeze, argument, order)

    def _calls_site_fn(self, fn: cst.FunctionDef) -> bool:
        """Does ``fn`` call the function the checked freeze is in (so its names are where the
        freeze's roots came from)?"""
        site = self._site.fn
        if site is None:
            return False
        return any(
            isinstance(c.func, (cst.Name, cst.Attribute)) and (c.func.value if isinstance(c.func, cst.Name) else c.func.attr.value) == site.name.value
            for c in self.ctx.facts.calls
            if self.ctx.facts.enclosing_function(c) is fn
        )

    def _runs_only_before(self, helper: cst.FunctionDef, node: cst.CSTNode, fn, order: Dict[int, int], depth: int = 0) -> bool:
        """Is ``helper``, a module-level function of this file, called only from ``fn`` (the
        freeze's function, or the module's top level), and only before ``node`` there, outside
        any loop that also runs it, or only from module-level functions that themselves run only
        before it (`run_epoch` called by `adapt_teacher()`, called before the freeze)?  Then what
        it does ran before the freeze."""
        facts = self.ctx.facts
        if depth > 3 or facts.parent_of_def(helper) is not self.ctx.module:
            return False
        name = helper.name.value
        mentions = [n for n in self._nodes() if isinstance(n, cst.Name) and n.value == name and n is not helper.name]
        if not mentions:
            return False
        for mention in mentions:
            call = facts.parent(mention)
            if not (isinstance(call, cst.Call) and call.func is mention):
                return False  # handed on (`threading.Thread(target=pretrain)`): runs when not known
            caller = facts.enclosing_function(call)
            if caller is fn:
                if not order.get(id(call), 0) < order.get(id(node), 0) or self._share_loop(call, node):
                    return False
            elif caller is None or caller is helper or not self._runs_only_before(caller, node, fn, order, depth + 1):
                return False
        return True

    def _method_runs_before(self, freezing, training, order: Dict[int, int]) -> bool:
        """With the freeze in method ``freezing`` of a plain class (a trainer keeping `self.model`)
        and the `.train()` in its method ``training``: does some object of the class run the
        freeze and then the training?  Through the class's own calls (`self.freeze()` in
        `__init__`, or before the training in a method that trains), or on an instance of this
        file (`learn.freeze(); learn.fit(3)`, or both in one loop)."""
        facts = self.ctx.facts
        cls = facts.enclosing_class(freezing)
        if freezing is None or cls is None or facts.enclosing_class(training) is not cls or facts.kept_attributes(cls) is None:
            return True  # not a trainer's two methods: the order is decided elsewhere
        methods = {m.name.value: m for m in cls.body.body if isinstance(m, cst.FunctionDef)}

        def self_calls(method: cst.FunctionDef) -> List[cst.Call]:
            return [
                c for c in facts.calls
                if isinstance(c.func, cst.Attribute) and dotted(c.func.value) == "self" and facts.enclosing_function(c) is method
            ]

        trains = {training.name.value}  # the methods that (through `self.<m>()`) run the training
        for _ in range(len(methods)):
            grown = trains | {name for name, m in methods.items() if any(c.func.attr.value in trains for c in self_calls(m))}  # type: ignore[attr-defined]
            if grown == trains:
                break
            trains = grown
        freeze_name = freezing.name.value
        for name, method in methods.items():
            for c in self_calls(method):
                if c.func.attr.value != freeze_name:  # type: ignore[attr-defined]
                    continue
                if name == "__init__" or (name in trains and name != training.name.value):
                    return True
                if method is training and any(
                    order.get(id(c), 0) < order.get(id(t), 0) or self._share_loop(c, t)
                    for t in facts.calls if isinstance(t.func, cst.Attribute) and t.func.attr.value == "train" and facts.enclosing_function(t) is method
                ):
                    return True
        instances = self._instances_of(cls.name.value)
        calls = [c for c in facts.calls if isinstance(c.func, cst.Attribute) and isinstance(c.func.value, cst.Name) and c.func.value.value in instances]
        for freeze in (c for c in calls if c.func.attr.value == freeze_name):  # type: ignore[attr-defined]
            for later in calls:
                if (
                    later.func.attr.value in trains  # type: ignore[attr-defined]
                    and later.func.value.value == freeze.func.value.value  # type: ignore[attr-defined]
                    and facts.enclosing_function(later) is facts.enclosing_function(freeze)
                    and (order.get(id(freeze), 0) < order.get(id(later), 0) or self._share_loop(freeze, later))
                ):
                    return True
        return False

    def _share_loop(self, a: cst.CSTNode, b: cst.CSTNode) -> bool:
        facts = self.ctx.facts
        loops_a = {id(x) for x in facts.ancestors(a) if isinstance(x, (cst.For, cst.While))}
        return any(id(x) in loops_a for x in facts.ancestors(b) if isinstance(x, (cst.For, cst.While)))

    def _positions(self) -> Dict[int, int]:
        if not self._order:
            for i, n in enumerate(self._nodes()):
                self._order[id(n)] = i
        return self._order

    # --- code that puts BN in eval mode ------------------------------------------
    def _bn_eval_calls(self):
        """True when the file puts BN modules in eval mode; else the roots whose sub-modules get `.eval()`."""
        facts = self.ctx.facts
        roots: Set[str] = set()
        sites: List[Tuple[cst.BaseExpression, cst.CSTNode]] = []
        for call in facts.calls:
            if not isinstance(call.func, cst.Attribute):
                continue
            m = call.func.attr.value
            if m == "eval" or (m == "train" and call.args and _is_false(call.args[0].value)):
                sites.append((call.func.value, call))
        for assign in self._assigns:  # `m.training = False`: what `.eval()` does, for that module alone
            for t in assign.targets:
                if isinstance(t.target, cst.Attribute) and t.target.attr.value == "training" and _is_false(assign.value):
                    sites.append((t.target.value, assign))
        for recv, call in sites:
            name = dotted(recv)
            if name is None:
                continue
            if self._in_partial_train_override(call):
                continue
            if self._type_guard(recv, call) == "bn":
                return True
            if _BN_NAME_RE.search(name.rsplit(".", 1)[-1]):
                return True
            if isinstance(recv, cst.Name):
                loop = self._loop_binding(recv.value, call)
                if loop is not None and isinstance(loop.iter, (cst.Name, cst.List, cst.Tuple)) and _BN_NAME_RE.search(self.ctx.code_for(loop.iter)):
                    return True
            if "." in name:
                root = name.split(".")[0]  # model.backbone.eval(): that part is frozen properly
                if root == "self":
                    cls = facts.enclosing_class(call)  # (another class's `self.model` is another object)
                    if name.count(".") < 2 and cls is not None and self._plain_class(cls):
                        continue  # a trainer's `self.model.eval()`: the whole model, for an evaluation, no part frozen
                    root = f"self@{id(cls)}" if cls is not None else root
                roots.add(root)
        return roots

    def _plain_class(self, cls: cst.ClassDef) -> bool:
        """Is ``cls`` a class of this file that is no `nn.Module` (a trainer holding the model)?"""
        from bnlint.effects import is_module_class

        classes = self.__dict__.get("_ast_classes")
        if classes is None:  # (the module's classes, read once per file: asked for each `.eval()`)
            classes = self.__dict__["_ast_classes"] = {n.name: n for n in ast_walk(self.ctx.facts._ast()) if isinstance(n, ast.ClassDef)}
        found = classes.get(cls.name.value)
        return found is not None and not is_module_class(found, classes)

    def _in_partial_train_override(self, call: cst.CSTNode) -> bool:
        """Is ``call`` in a class's `train()` override that puts only its direct children in eval,
        one that leaves nested BN in train mode (``ModuleInventory.partial_train_override``)?
        Its `.eval()` is no evidence that the file freezes its BN."""
        facts = self.ctx.facts
        fn = facts.enclosing_function(call)
        cls = facts.enclosing_class(call) if fn is not None and fn.name.value == "train" else None
        return cls is not None and cls.name.value in facts.inventory.partial_train_override

    def _assign_nodes(self) -> List[cst.Assign]:
        return self._assigns

    def _test_time_adaptation(self) -> bool:
        return self.ctx.facts.test_time_adaptation()

    # --- small helpers ----------------------------------------------------------------
    def _loop_binding(self, name: str, at: cst.CSTNode) -> Optional[cst.For]:
        for anc in self.ctx.facts.ancestors(at):
            if isinstance(anc, cst.For):
                for n in self._walk(anc.target):
                    if isinstance(n, cst.Name) and n.value == name:
                        return anc
        return None

    def _iter_method(self, it: cst.BaseExpression) -> Optional[str]:
        it = _strip_wrappers(it)
        if isinstance(it, cst.Call) and isinstance(it.func, cst.Attribute):
            if _iteration_owner(it) is not None and it.func.attr.value in _MODULES_DICT_VIEWS:
                return _MODULES_DICT_VIEWS[it.func.attr.value]
            return it.func.attr.value
        return None


@record
class _Site:
    """The freeze being checked: the function it is in, the conditions it runs under, the scope
    whose local its model is (a construction site's; None: the module's; False: roots followed
    through helpers and instances), and the `.train()` (or helper call) found to run it."""

    fn: Optional[cst.FunctionDef] = None
    guards: List[Tuple[str, str, object]] = field(default_factory=list)
    local_to: object = False
    train_call: Optional[cst.CSTNode] = None
    node: Optional[cst.CSTNode] = None  # the freeze (or construction) itself


# ``_trains_in_trainer``: the trainer puts the model in train mode and its BN layers back in eval.
_REFROZEN = "refrozen"


def _trains_unfrozen(effect) -> bool:
    """Does a summarised helper or method put the model in train mode and leave it so: a `.train()`
    not followed by a BatchNorm freeze (`model.train(); model.apply(set_bn_eval)` re-freezes)?"""
    steps = list(effect.steps)
    trains = [i for i, step in enumerate(steps) if step == ("mode", "T")]
    return bool(trains) and not any(kind == "freeze" for kind, _ in steps[trains[-1] + 1 :])


def _imports_project_module(tree) -> bool:
    """``prefilter.imports_project_module_in_text`` on the ``ast``: an import of a relative or
    non-third-party module anywhere in the module."""
    import ast

    for node in ast_walk(tree):
        if isinstance(node, ast.ImportFrom) and (node.level or (node.module or "").split(".")[0] not in inv_mod.THIRD_PARTY_ROOTS):
            return True
        if isinstance(node, ast.Import) and any(a.name.split(".")[0] not in inv_mod.THIRD_PARTY_ROOTS for a in node.names):
            return True
    return False


def _named_without_bn(value: cst.BaseExpression, facts) -> bool:
    """`timm.create_model("vit_base_patch16_224")`, `torch.hub.load(repo, "dinov2_vitb14")`: a named
    architecture without BN (``Facts.named_without_bn``)."""
    while isinstance(value, cst.Call) and isinstance(value.func, cst.Attribute) and value.func.attr.value in ("to", "cuda", "eval", "train"):
        value = value.func.value
    return isinstance(value, cst.Call) and facts.named_without_bn(value)


# `m._modules` is the dict behind `named_children()`: its views iterate the same children.
_MODULES_DICT_VIEWS = {"items": "named_children", "values": "children"}


def _iteration_owner(it: cst.BaseExpression) -> Optional[cst.BaseExpression]:
    """The module whose parts the loop iterator ``it`` (wrappers stripped) goes over: `m` of
    `m.children()`, `m.named_modules()` and of `m._modules.items()`; None for anything else."""
    if not (isinstance(it, cst.Call) and isinstance(it.func, cst.Attribute)):
        return None
    method = it.func.attr.value
    owner = it.func.value
    if method in _MODULES_DICT_VIEWS:
        if isinstance(owner, cst.Attribute) and owner.attr.value == "_modules":
            return owner.value
        return None
    return owner if method in _MODULE_ITERATORS else None


def _strip_wrappers(expr: cst.BaseExpression) -> cst.BaseExpression:
    """`list(x)`, `enumerate(x)`, `x.to(dev)`, `list(x)[:-1]` -> x."""
    for _ in range(6):
        if isinstance(expr, cst.Call) and dotted(expr.func) in ("list", "tuple", "iter", "enumerate", "reversed", "sorted") and expr.args:
            expr = expr.args[0].value
        elif isinstance(expr, cst.Subscript):
            expr = expr.value
        elif isinstance(expr, cst.Call) and isinstance(expr.func, cst.Attribute) and expr.func.attr.value in ("to", "cuda", "cpu", "float", "half"):
            expr = expr.func.value
        else:
            break
    return expr


def _unwrapped(expr: cst.BaseExpression) -> cst.BaseExpression:
    """`torch.nn.DataParallel(model).cuda()`, `DDP(model.to(rank))` -> `model`: a wrapper runs the
    module it wraps (its parameters, its BatchNorm layers), so the wrapped object is the same model."""
    from bnlint.calls import WRAPPER_LEAVES

    for _ in range(6):
        expr = _strip_wrappers(expr)
        if isinstance(expr, cst.Call) and expr.args and (dotted(expr.func) or "").rsplit(".", 1)[-1] in WRAPPER_LEAVES:
            expr = expr.args[0].value
        else:
            break
    return expr


_OPTIMIZERS = {"SGD", "Adam", "AdamW", "Adamax", "Adagrad", "Adadelta", "RMSprop", "Rprop", "NAdam", "RAdam", "LBFGS", "SparseAdam", "LARS", "LAMB", "Lamb", "Lars", "Lion", "Adafactor", "create_optimizer", "create_optimizer_v2", "build_optimizer"}


def _guard_of(test: cst.BaseExpression) -> Optional[Tuple[str, str, object]]:
    """`args.weights == "freeze"` -> ("args.weights", "==", "freeze"); `args.freeze` -> (.., "truthy", None)."""
    if isinstance(test, cst.UnaryOperation) and isinstance(test.operator, cst.Not):
        inner = _guard_of(test.expression)
        return _negated(inner) if inner is not None else None
    subject = dotted(test)
    if subject is not None:
        return (subject, "truthy", None)
    if isinstance(test, cst.Comparison) and len(test.comparisons) == 1:
        comp = test.comparisons[0]
        left, right = test.left, comp.comparator
        if literal_value(left) is not NOT_LITERAL:
            left, right = right, left
        subject, value = dotted(left), literal_value(right)
        if subject is None or value is NOT_LITERAL:
            return None
        if isinstance(comp.operator, (cst.Equal, cst.Is)):
            return (subject, "==", value)
        if isinstance(comp.operator, (cst.NotEqual, cst.IsNot)):
            return (subject, "!=", value)
    return None


def _negated(guard: Tuple[str, str, object]) -> Tuple[str, str, object]:
    subject, op, value = guard
    return (subject, {"==": "!=", "!=": "==", "truthy": "falsy", "falsy": "truthy"}[op], value)


def _exclusive(a: List[Tuple[str, str, object]], b: List[Tuple[str, str, object]]) -> bool:
    """Whether no run can meet both lists of guards (the same subject tested against each other)."""
    for sa, oa, va in a:
        for sb, ob, vb in b:
            if sa != sb:
                continue
            if oa == ob == "==" and va != vb:
                return True
            if {oa, ob} == {"==", "!="} and va == vb:
                return True
            if {oa, ob} == {"truthy", "falsy"}:
                return True
    return False


def _is_false(expr: cst.BaseExpression) -> bool:
    return isinstance(expr, cst.Name) and expr.value == "False"


def _argument_expression(call: cst.Call, param: str, index: int) -> Optional[cst.BaseExpression]:
    """What ``call`` passes for the constructor parameter ``param`` (position ``index``), or None."""
    for arg in call.args:
        if arg.keyword is not None and arg.keyword.value == param:
            return arg.value
        if arg.star:
            return None
    positional = [a for a in call.args if a.keyword is None]
    return positional[index].value if 0 <= index < len(positional) else None


def _may_derive(cls: cst.ClassDef, base: cst.ClassDef) -> bool:
    """May ``cls`` derive from ``base``: it names ``base``'s name among its bases (`class
    Student(Teacher)`), or a base other than `nn.Module`/`object`/`LightningModule`, whose
    lineage is not followed here?"""
    names = {(dotted(b.value) or "").rsplit(".", 1)[-1] for b in cls.bases}
    return base.name.value in names or bool(names - {"Module", "object", "LightningModule", ""})


def _argument_truth(call: cst.Call, param: str, index: int, facts) -> Optional[bool]:
    """The truth of what ``call`` passes for the constructor parameter ``param`` (position
    ``index``): a literal argument's truth, or of a value this file decides (`FEATURE_EXTRACT`
    bound once to `True`, ``Facts.static_values``: true when one of its values is); None when not
    passed; False when passed but not decided here (`**cfg`, `args.freeze`), which keeps the rule
    quiet."""
    def truth(expr: cst.BaseExpression) -> bool:
        values = facts.static_values(expr)
        return bool(values) and any(bool(v) for v in values)  # type: ignore[union-attr]

    for arg in call.args:
        if arg.keyword is not None and arg.keyword.value == param:
            return truth(arg.value)
        if arg.star:
            return False
    positional = [a for a in call.args if a.keyword is None]
    return truth(positional[index].value) if 0 <= index < len(positional) else None


def _trained_if(value: cst.BaseExpression) -> Optional[cst.BaseExpression]:
    """The test a `requires_grad` flag is set to: the expression itself, or for `False if T else
    True` its negation (`True if T else False`: T); None for any other conditional expression."""
    if not isinstance(value, cst.IfExp):
        return value
    body, orelse = literal_value(value.body), literal_value(value.orelse)
    if body is False and orelse is True:
        return cst.UnaryOperation(operator=cst.Not(), expression=value.test)
    if body is True and orelse is False:
        return value.test
    return None


def _kept_as_attribute(init: cst.FunctionDef, param: str) -> bool:
    """Does the constructor store its parameter ``param`` on the instance (`self.net = net`)?"""
    for stmt in init.body.body:
        if isinstance(stmt, cst.SimpleStatementLine):
            for small in stmt.body:
                if (
                    isinstance(small, cst.Assign) and isinstance(small.value, cst.Name) and small.value.value == param
                    and any(isinstance(t.target, cst.Attribute) and isinstance(t.target.value, cst.Name) and t.target.value.value == "self" for t in small.targets)
                ):
                    return True
    return False


# Callables that pass parameters on unchanged (`filter(lambda p: p.requires_grad, net.parameters())`).
_PARAMETER_PLUMBING = frozenset({"list", "filter", "chain", "itertools", "requires_grad", "True", "False", "None"})


def _same_model(a: str, b: str) -> bool:
    """Are two dotted names parts of one model: the same object at their root (`model.head` and
    `model.backbone`; `self.net.fc` and `self.net`), where the root of `self.x.y` is `self.x`?"""

    def root(name: str) -> str:
        parts = name.split(".")
        return ".".join(parts[:2]) if parts[0] == "self" and len(parts) > 1 else parts[0]

    return root(a) == root(b)
