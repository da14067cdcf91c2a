"""BN001 missing-eval."""
from __future__ import annotations

from bnlint.calls import COMPARISON_FUNCTIONS, OPTIMIZER_STEP_METHODS, PASS_THROUGH_METHODS
from bnlint.rule import FixSpec, InsertBefore, Related, Rule, register

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing (a few ms of every start)
if TYPE_CHECKING:  # pragma: no cover
    from typing import Optional, Set

    import libcst as cst

_CONTEXT_WORDS = {
    "no_grad": "under `torch.no_grad()`/`torch.inference_mode()`",
    "eval_fn": "in an evaluation function",
    "val_loop": "over a validation/test loader",
    "inference": "in code that runs it on data and never trains it (inference)",
    "compared": "with its output checked against a reference (the running statistics, a fused or exported copy), in code that trains nothing",
    "after_training": "below the loop that trained it, on data it is not trained on (the trained model in use)",
    "val_batch": "on a batch drawn from validation/test data",
    "trace": "traced by `torch.jit.trace` (the trace records train-mode BatchNorm, batch statistics included, in the graph)",
    "phase": "in the validation iteration of a loop over phases (`for phase in [\"train\", \"val\"]`)",
    "one_sample": "on a batch of one sample (inference: in train mode BatchNorm normalises it with its own statistics)",
}


@register
class MissingEval(Rule):
    """
    ## What it does
    Flags a forward call of a model that contains BatchNorm when the call is
    evaluation or inference — inside `torch.no_grad()` / `torch.inference_mode()`
    (a `with` block or a decorator), in a function whose job is evaluation
    (`validate`, `evaluate`, `test`, `predict`, `infer`, ...; a `test_model()`
    counts where code calls it, since pytest tests are not called by the
    code; in a `test_*.py` file too, where the file's own code calls it:
    `if __name__ == "__main__": test_split(net, pairs)` is a script), in a loop over
    a validation/test loader (named so: `val`, `valid`, `test`, `eval`,
    `holdout`; NLP's `dev` with a data word, `dev_loader`, `devset`, or as a
    split key, `loaders["dev"]`, not a bare `dev`, which is as often a device), on a batch drawn from validation/test data
    (`x, y = next(iter(val_loader))`, `model(X_test)`) whose output is not
    trained on (a loop whose body back-propagates the forward's output and
    steps an optimizer trains, whatever its loader is called), on the
    held-out part of scikit-learn's `train_test_split` (`x_tr, x_va, y_tr,
    y_va = train_test_split(x, y)`, the second of each pair) whose own output
    is not back-propagated, also beside the training forward in a step, or anywhere in
    a file that trains nothing (no optimizer `.step()`, `fit(...)` in its
    code, nor in a project function it calls, a `.fit()` of a scikit-learn
    or similar estimator not counting: an inference script, a notebook, a
    Grad-CAM or adversarial-example script whose `.backward()` updates no
    parameter)
    when the model has trained weights (`load_state_dict`, also in a helper of
    another project module it is handed to, `restore_weights(model, path)`
    (a helper of another module may be called through a local name bound
    once to it, `validate = run_validation`);
    `pretrained=True`, `weights=...`, `torch.load`, `from_pretrained`, or a class whose
    constructor builds a part so, `self.backbone = resnet50(pretrained=True)`), or a model with trained
    weights that nothing in the file may train (no optimizer takes its
    parameters, it is handed to no call that could train it), or below the
    loop that trained it in the same code (module level, a notebook, the same
    function), outside any loop, on data that loop did not iterate and with
    an output nothing back-propagates (`pred = model(x_new)` after the
    epochs; not a training-loss estimate on the arrays it trained on, nor a
    batch drawn again from the loader it trained on, `next(iter(train_loader))`;
    not a generator's samples), or in code that trains nothing where its output is
    checked against a reference (subtracted, compared, handed to `allclose`
    or `assert_allclose`: a fused conv+BN, an ONNX export's output) — and the model is still
    in train mode on every path that reaches it: no `model.eval()` /
    `model.train(False)` after it was built or after its last `model.train()`.

    A no-grad forward on a batch of one sample (`actor(state.unsqueeze(0))`,
    `net(x[None])`, `x.view(1, -1)`, also through the name it was bound to,
    the argument a caller hands a parameter, the difference of two such
    batches, and what a function or method of the project returns:
    `state = get_screen(env) - last_screen` with `return
    resize(screen).unsqueeze(0)`)
    is inference of that sample even inside the loop that trains the model
    (an RL agent choosing its next action, here or in a method of another
    module's agent class: `agent.select_action(state)`): in train mode
    BatchNorm normalises the sample with its own statistics, and
    `BatchNorm1d` raises "Expected more than 1 value per channel". A file
    that only calls such an agent is read when a project module it imports
    has an evaluation context (a no-grad block, an evaluation `def`).

    A forward on `Variable(x, volatile=True)` (PyTorch < 0.4's way to run
    without a graph, written there or bound to the input's name) is a no-grad
    forward.

    A part of the model that its class (in this file) builds with BatchNorm
    in its constructor, run on its own (`model.features(x_test)`), runs in
    the model's mode. A forward whose output is looked at for its shape only
    (`print(model(img).shape)`) is not evaluation: the shape is the same in
    either mode. A no-grad forward in an inner loop on the batch of an outer
    loop of the same function that trains the model (random starts of an
    adversarial perturbation scored on the step's own batch, the best one then
    trained on) is part of the training step, not an evaluation.
    A loop inside another loop decides its own data: a forward
    in `for x, y in train_loader:` is training even inside `for fold, (trn,
    val) in enumerate(zip(...)):`. A whole module unpickled with
    `net = torch.load(path)` in a file that pickles `net` itself
    (`torch.save(net, ...)`) and binds `net` elsewhere to a model with
    BatchNorm is that kind of model, with trained weights, saved in train
    mode when nothing in the file switches `net`'s mode (else in a mode not
    known here). A whole module unpickled where another file of the project
    pickles whole modules (`torch.save(net, "best.pt")` in the training
    script) is of the kind every module the project pickles is, when each
    one is a model known to hold BatchNorm (or dropout) and none is of
    unknown content, and in train mode only when the pickling files never
    switch the pickled object's mode nor hand it to a helper (the pickle keeps
    each module's `training` flag: pickled after `validate(net)` put it in
    eval, it comes back in eval); the paths are not matched, and a module pickled as an
    attribute (`torch.save(model.backbone, ...)`) or by a helper handed it as
    a parameter (`def save_model(model): torch.save(model, ...)`) is not
    followed.

    The analysis follows the model through aliases (`net = model.module`),
    wrappers (`DataParallel`, `DistributedDataParallel`, `.to(device)`),
    `self.model`, and helper functions in the same file: `model.eval()` done by
    the caller before `evaluate(model, loader)` counts, and so does an
    `.eval()` inside the helper. A function that nothing in the file calls (a
    request handler, a callback) finds a module-level model in the mode the
    module's code left it in, unless some function may switch that model (a
    mode call on it, or the model passed to a call): then its mode is unknown
    and nothing is reported. A model object another project module builds at
    its top level (`CatNet = models.resnet50(...)`, imported with `from
    model_def import CatNet`) is one object, in train mode as built, unless
    that module or one that imports it switches its mode (then unknown).

    A function that a local factory returns and that switches the mode of a model
    it captured (`run_epoch = make_runner(model, opt)`, whose `run_epoch(training)`
    calls `model.train()` or `model.eval()`) leaves that model in an unknown mode
    after each call: nothing is reported on what follows (the closure's body is
    not followed per call). A lambda handed to a call (`accuracy(lambda x:
    net(x), test_loader)`) runs where it is handed, in that call's context
    (not one handed to `apply` or registered as a hook).

    A plain class of the file (a trainer, a predictor) is followed through its
    instances: `trainer = Trainer(net, ...)` runs `__init__` with `net`, and
    `trainer.validate()` runs the method with `self.model` being `net`.

    `torch.jit.trace(model, example)` of a model in train mode is reported too:
    the trace records what ran, so the traced graph normalises with batch
    statistics even after `.eval()` (a random example input is what tracing
    takes, so it is no probe here).

    A function of another project module that the model is handed to is read
    from its source: `accuracy(model, test_loader)` imported from `engine.py`,
    where it runs the model under `torch.no_grad()` without `model.eval()`, is
    reported at the call; `validate(model, ...)` that calls `model.eval()`
    first, or a `@contextmanager` that switches to eval and restores the mode
    in `finally`, counts as such. So do methods of a model class defined in
    another module (`model.predict(x)`, `model.freeze_bn()`).

    A helper that takes the model as a parameter, puts it in train mode itself and
    then evaluates it without `.eval()` (`fit_one_epoch(model_train, ...)` in
    `utils/utils_fit.py`: `model_train.train()`, the epoch's training, then a
    validation loop under `torch.no_grad()`) is reported in the helper when a
    caller in another module of the project hands it a model with BatchNorm or
    dropout (`train.py`: `model = YoloBody(...)`, `fit_one_epoch(model_train, ...)`;
    also a model picked from a dict of factories, `MODELS[name]()`, imported or
    not, whose every entry holds BatchNorm or dropout, including a dict of
    another module, `models.available_models[args.model]()`). The caller is named in
    the message and as a related location in its own file (the call is reported
    too, as any call of a project function that runs the model in train mode:
    where the helper runs it). So is a plain trainer class whose
    `__init__` stores a parameter in `self.model` and whose methods put
    `self.model` in train mode: its construction elsewhere
    (`Trainer(ConvNet(), ...)`) decides. The callers are the project's other
    `.py` files (the configured root, else the folder with `.git`,
    `pyproject.toml`, `setup.py` or `setup.cfg`, else the folder above the
    helper's package; not more than 4,000 files) that import the helper and call
    it by name or through its module. What it cannot see: a helper called as a
    method of an instance (`self.fit(model)` from another class, `engine.run(model)`),
    handed around as a value (`callbacks=[fit]`), called only from notebooks, or
    a caller whose model comes from a registry or `getattr`; then the parameter
    stays of unknown content and nothing is reported, with one exception: a
    model of unknown content that the code itself puts in train mode
    (`self.model.train()` in a trainer's loop) and then runs over a
    validation/test loader under `torch.no_grad()` or in its evaluation
    function, with no `.eval()` in between, is reported (the `.train()` says
    its mode matters; a training loop that validates must put whatever model it
    is handed in eval). A model the function builds around modules it was
    handed (`model = Fusion(encoders, head)`, whose constructor keeps them as
    `self.encoders = nn.ModuleList(encoders)` or `self.head = head`) is of
    unknown content too. Not when a project caller hands it a model known to
    have neither BatchNorm nor dropout, nor for the same input sampled again
    and again (MC dropout).

    A class with a public training method (`fit()`, training itself or
    through its own methods) and a public inference method (`predict()`,
    `score()`, `sample()`, `transform()`, ...) is used in that order: the
    inference method is also analysed from the state `fit()` leaves, so a
    `predict()` that runs `self.model` after `fit()` left it in train mode is
    reported. An inference method the class's own methods call is their
    helper, not an entry point (`evaluate()` puts the model in eval, then
    calls `self.eval_one_batch()`). A trainer whose model its base class in
    another project module builds (`class SegTrainer(BaseTrainer)`, with
    `self.model = get_model(config)` in `BaseTrainer.__init__`) is followed the
    same way: the model holds what the base's constructor builds, and it is in
    train mode when a method runs if that constructor leaves it so (handing it
    to a helper whose summary keeps it as it was, or to a class that keeps only
    a `deepcopy` of it, counts) and no method of the base's lineage switches
    it. What it cannot see: a training method of a base class in another
    module, a base that hands the model to a method of an object it built
    (`self.ema.update(self.model)`: unknown), or an estimator trained by a
    framework (`Trainer.fit(model)`).

    A function named for evaluation that puts the model it is handed in
    train mode (`def eval_one_epoch(model, loader): model.train(); ...`) and
    then evaluates data with it is reported whatever the model holds (a
    model of a class picked at run time, `importlib.import_module(args.net)`):
    the `.train()` says its mode matters.  Not when it samples the same input
    again and again (MC dropout).

    An object of a plain class of another project module that keeps the model
    (`tester = Tester(model, loader)`, whose `__init__` stores `self.model =
    model`) runs its method's summary on that model: `tester.predict_all()`
    running `self.model(x)` without `self.eval()` is reported at that call.
    Calling the object itself runs its `__call__` (`scorer(x)`), and methods
    its project base classes define count (a base `__call__` that runs the
    subclass's `self.score(x)`).
    Only where every use of the object in the function is one followed: a
    call of it or of a method, a read of the model's attribute, an argument
    of a call, a `return` (not `Thread(target=tester.run)`: its methods may
    run out of sight).

    A model held in a dict or namespace (`bundle = {"model": net, "device":
    dev}`, `models["cls"] = net`, `SimpleNamespace(model=net)`), a dataclass
    (`Context(model=net)`) or a plain object that stored it (`self.model =
    model`) is still that model: `bundle["model"](x)`, `ctx.model(x)` and a
    helper of another module handed the holder (`predict(ctx, x)` reading
    `ctx.model`) run it, also where that helper hands the holder on whole to
    a project function (`test(args)`) or copies the model into a dict of its
    own for one (`test_args["model"] = model; test(test_args)`).  A dict a
    module fills at its top level (`run_args = {}; run_args["net"] =
    Net()`) is that holder in every module that imports it, by name or
    through `from ... import *` (chains of them too).  A module class with
    no layers of its own that keeps a model as a submodule (`Perturb(core,
    eps=0.1)` with `self.inner = inner`, or one that takes its children,
    `for name, child in donor.named_children(): self.trunk.add_module(name,
    child)`) is switched with it: its `.eval()`
    puts `core` in eval, as `nn.Module.eval()` recurses, and `core.eval()`
    puts it in eval. A model a function of another module hands back in a
    tuple (`net, losses = fit(net, loader)`) is the object handed in. A file
    whose backward and optimizer step run in a function or callable of
    another project module (`self.loss_scaler(loss)`, `apply_step(loss,
    opt)`) trains: its forwards are training steps, not inference of the
    weights it loads. A function named for inference (`predict()`) whose
    result its callers hand back up to code that back-propagates it
    (`decode()` returning it to the training loop) runs a training forward.
    What
    it cannot see: a holder iterated (`for m in bundle.values(): m.eval()`),
    handed to a library, or to a helper that calls its methods, leaves its
    models unknown; a holder kept inside another holder is not followed.  A new
    container of a model's children (`nn.Sequential(*list(net.children())[:-2])`)
    is that model's layers; a project factory that loads a checkpoint into
    the model it returns (`model.load_state_dict(torch.load(path)); return
    model`) gives it trained weights.  `functools.partial(f, model)` changes
    nothing until the partial is called.

    A model built by a class whose constructor puts it in eval mode, or returned
    by a loader that does (`m.eval(); return m`, `return Net().eval()`), in this
    file or in a project module it imports, starts in eval mode; so does a
    Hugging Face model from `from_pretrained`. A model returned in a tuple by a
    project factory (`model, optimizer, loss = get_model(args)`) is followed at
    its position; a name a function declares `global` is the module's.

    A model with dropout and no BatchNorm is reported the same way (evaluated in
    train mode, dropout makes each output a random draw): dropout layers, an
    `F.dropout(..., training=self.training)`, a stacked recurrent layer built
    with a dropout rate (`nn.GRU(h, h, n_layers, dropout=p)`: it drops between
    its layers in train mode; not with one layer), PyTorch's transformer layers
    (`nn.TransformerEncoderLayer(d, h)` drops with p=0.1 unless built with 0),
    attention or PyTorch Geometric layers given a rate
    (`nn.MultiheadAttention(d, h, dropout=p)`, `GATConv(..., dropout=0.6)`), a
    layer of a class bnlint cannot read (a module outside the linted files)
    built with a literal `dropout=` rate above zero (`RGATConv(..., dropout=0.6)`),
    torchvision classifiers with a dropout head, Hugging Face models. Dropout the model's `forward` never runs
    does not count, nor a library classifier reduced to another of its parts
    (`list(vgg16(...).features)`: the dropout lives in the part named
    `classifier`, `fc` or `head`, a name taken from the library's layout), nor a `nn.Dropout(p)(x)` built inside `forward` (it follows
    no mode). The same input run again and again through a dropout-only model
    (`[net(x) for _ in range(100)]`, also through a helper called in such a
    loop) outside the training loop is MC dropout and is not reported (in a
    validation the training loop runs, train mode is what the epoch left:
    best-of-N sampling of a stochastic model there is reported). An explicit
    `.train()` right before a no-grad forward of a dropout-only model is not
    reported in training code; in evaluation or inference (trained weights,
    nothing trains) with each input run once, it is the bug. An
    object built with its class's dropout or BatchNorm switched off by a
    constructor flag (`MLP(use_dropout=False)`, `Block(norm="gn")`, when the
    class builds those layers itself under `if` on that parameter) holds none,
    and so does one whose dropout layers get a rate of zero from the call
    (`Attention(dropout=0.0)` building `nn.Dropout(dropout)`: the identity in
    both modes). A config dict bound once at module level to a dict literal
    and handed over by name (`GPTModel(BASE_CONFIG)` with `"drop_rate": 0.0`,
    `BASE_CONFIG.update(model_configs[name])` from dict literals that leave
    that key alone) counts the same way, through the classes of the model's
    module that its `__init__` builds with it (`TransformerBlock(cfg)`,
    `Attention(dropout=cfg["drop_rate"])`): every dropout layer must get a
    zero rate. A settings object built once at module level from a project
    class without bases (`config = Config()` whose `__init__` sets
    `self.DROP_RATE = 0.0`, or whose body sets it) counts the same way
    (`nn.Dropout(p=config.DROP_RATE)`), unless this module writes that
    attribute or hands the object to anything but a project class's
    constructor. The classes and builder functions a constructor calls with
    its own arguments are followed, in its module or another project module
    (`Coupling(dim, dropout=dropout)`, `make_layers(cfg, batch_norm=False)`),
    and so is a builder function called directly (`vgg11()` returning
    `VGG(make_layers(cfg))`), through an `if` or a conditional expression its
    literals decide (`nn.Dropout(0.5) if dropout else nn.Identity()`). What it
    cannot see: a dataclass or config object built with arguments
    (`GPTConfig(dropout=0.0)`, `args.dropout`), a dict built in a function or
    read from a file, and a settings object written by another module.

    A model picked from a dict literal of built models by a key
    (`BACKBONES[args.arch]`) is followed when every one of them holds BatchNorm
    or dropout.

    Names are read through the module's imports. A package imported with `*`
    (`from torch_snippets import *`, common in course notebooks) is taken to
    bind `torch`, `nn`, `F` and `optim` to torch's modules when the module
    binds those names nowhere itself.

    An `nn.Module` wrapper of this file or the project that keeps the model it
    is given as a submodule (`ModelWithTemperature(model)`, its constructor
    switching no mode) holds what that model holds, in the mode it is in: the
    wrapper's method running `self.model(x)` over a validation loader is a
    forward of it.

    A model's own method that runs its layers (`net.extract_features(x)`) is a
    forward of it (for `nn.Module` classes; a plain predictor's method runs
    models with modes of their own). For a model whose only mode-dependent
    part is dropout, the method must reach it: a layer-wise `inference()`
    that runs `self.convs[i]` of a graph network whose dropout is the
    `F.dropout(..., training=self.training)` in `forward` is not reported. In a loop over phases (`for phase in
    ["train", "val"]:`) each phase runs with `phase` bound: the validation
    pass of a loop that never calls `.eval()` is reported, without a fix
    (an `.eval()` before the shared body would hit the training pass too).

    Models kept in a list (a literal, a comprehension, or a loader function of
    the file that appends them) hold what their elements hold (a
    comprehension of one model, `[server for _ in range(3)]`, holds that very
    model: a loop over it is the model), so an ensemble
    module built from `models[0]`, `models[1]` holds BatchNorm; a member put
    in eval before it is wrapped keeps its own mode. One helper run for the
    training epoch and again, under no_grad, for validation (`run_epoch(...,
    train=False)`) runs its loop twice, over what each call hands it: the
    validation run is evaluation even though the same loop node trains. A
    builder method (`self.net = self._build()`) that puts the network in eval
    before returning it leaves it in eval; a trainer class's inference method
    is not run after its training method when a script that imports the class
    switches the model itself (`learner.model.eval()`, or through a method
    that only hands the model out, `task.get_model().eval()`; read from the
    text of the project's files that import the class). Such a getter is the
    model in the script too: `task.get_model().eval()` puts `task.model` in
    eval. A helper of another module
    that runs whatever model it is handed on made-up data (`_ =
    model(torch.randn(1, 3, s, s))` in a FLOPs counter or a warm-up)
    evaluates nothing of a network with random weights; a network with
    trained weights is reported there (the pass moves its statistics). A
    helper named for scoring (`score_loss(model, x)`) whose result its caller
    back-propagates is a training run of it, not an evaluation. `net.train()`
    then forwards whose output is thrown away (`net(x)` as a statement)
    re-estimate the BatchNorm statistics on purpose. A no-grad pass over a
    loop's own batch that the same loop trains on deeper (a gradient cache)
    is part of the training; a helper of the module that calls `.backward()`
    (`backward(loss, scaler)`) counts as the backward. A helper's loop over
    one of its parameters is over validation/test data where the call that
    runs it hands it such a loader (`calculate_accuracy(net, testloader)`).
    An untrained network (no weights, no optimizer) run once on real data with
    nothing reading its output (`out, loss = net(imgs)`, `y = net(x)` in a
    function or in a module's `if __name__ == "__main__":` self-test; a
    script's or notebook's top-level forward is read in what its author writes
    next) is no evaluation; nor is noise (`torch.randn`) through a network whose only
    mode-dependent layers are dropout (no statistics to move), nor a network
    with random weights put in train mode on purpose (`layer.train()`) and run
    on made-up data (a unit test of its train-mode path; `torch.eye` one-hot
    labels are made up too). A self-test on noise (`torch.rand`, also
    `np.random.*` made into a tensor and moved with `{k: v.cuda() for ...}`)
    of a model nothing uses afterwards (built in the function, or at a
    notebook's top level and then rebound to the real model), looked at only
    where it has trained weights, and a forward whose output nothing reads of
    such a model (a timing loop), evaluate nothing; a trained generator's
    samples from noise, and an output compared with a reference, do. A forward
    whose loss the function back-propagates and steps an optimizer with
    trains, whatever `no_grad` a caller wraps the call in; the loss may come
    back unpacked from a method of the model (`arch_loss, _ =
    model.loss(x_val, y_val)`, a differentiable architecture search's step on
    its held-out split); gradients taken with `torch.autograd.grad(loss,
    model.parameters())` count as back-propagation; so do outputs collected in a list
    (`outs.append(net(chunk))`, a mixed batch run in chunks) that the loss is
    computed from. A mode chosen by a conditional expression statement
    (`model.eval() if eval else model.train()`) is an `if` statement: the
    literal each call hands the flag decides the branch. A method that a base
    class of another project module defines and calls on `self` (a template
    method: `Scorer.score()` calling `self.score_batch(batch)`) runs this
    file's override of what it calls, where it is called; such a hook is not
    an entry point users call after fitting. A model handed to a method of a
    model class of this file or of another project module
    (`student.distillation_loss(x, y, teacher)`) runs there as the method runs
    it (a teacher's no-grad forward is evaluation in the teacher's mode, even
    though the student's loss is back-propagated). `policy(obs)` on an
    instance of a plain class of this file runs its `__call__`. torchcam's and
    captum's extractors keep the mode of the model they hook. A plain VGG's
    children without the last one (`list(vgg.children())[:-1]`, `[0]`), and a
    VGG whose classifier is replaced by a head without dropout, have no
    dropout left. A container of layers of a pretrained library model
    (`nn.Sequential(net.conv1.conv, net.conv1.bn)`) holds BatchNorm where one
    of them is a BN layer or trunk of the library's layout (`bn`, `bn1`,
    `norm0`, `layer4`), with the model's weights and in its mode. The trunk of a library model built in the same expression
    (`densenet121(weights=...).features`, `resnet50(...).layer4`) holds that
    model's BatchNorm and weights; `models.__dict__["vgg16"]` is `models.vgg16`.

    What it cannot see: a model handed to a method of a class of another module
    and run there, unless the method is called on a model built from that
    class (`student.distillation_loss(...)`) or on an instance bound to a
    name; an instance handed to a function
    of another module that calls the methods a base class runs (`play(game,
    agent)` calling `agent.search()`); a base class's template method that
    switches a mode itself before calling this class's hook (its order is not
    followed: the hook is then not read through it); a function that receives the model as a parameter and
    is never called in the file is not reported there (which model comes in,
    and in which mode, is decided by its caller, where it is reported); methods
    of a trainer class defined in another module that keeps the model and
    trains it itself (a method that takes the model as an argument, on an
    instance bound to a name, `searcher.search_batch(..., net)`, is read); a
    model kept in a dataclass or
    an argument bundle; callbacks and framework loops (Lightning, fastai); nor a
    model built by a factory or class that cannot be resolved to BatchNorm or
    dropout (a registry, a package outside the project: only torchvision, timm,
    Hugging Face and a few others are known; `torch.hub.load` of torchvision's own
    hub, `"pytorch/vision"`, is its model builder, new and in train mode, while
    another repository's hub entry point may switch the mode: unknown). A class or function a notebook defines
    twice, with and without BatchNorm, builds what the definition in force
    where the call runs builds (the last one above the top-level statement
    that runs it; a class built inside the running function is read there);
    for dropout alone, such a class is taken as neither. A model with dropout
    and no BatchNorm, of a class of the file whose `forward` runs none of its
    dropout (it keeps a whole VGG as `self.vgg` and runs only slices of its
    features), is not reported: its mode changes nothing there. An instance of a class
    that is no `nn.Module` (its bases, here or in other project modules, are
    plain classes) has no mode of its own: calling it runs its methods, where
    the models it holds are followed, also as its constructor left them
    (`self.detector.load(path)` putting the detector's network in eval). A
    forward on a new network that nothing has trained yet, its output thrown
    away (`model(first_batch)` under `no_grad` before training: a
    data-dependent initialisation; `model(test_data[0][0].unsqueeze(0))`
    before `summary(model)`), evaluates nothing; on trained weights it still
    moves their running statistics and is reported. A shape probe — a forward on `torch.randn(...)`-like tensors
    (also through `Variable(...)`, `torch.FloatTensor(n, ...)`, lists or dicts
    of them, shifted or scaled `10 + 5 * torch.randn(...)`, or another model's
    output on them) whose output is only looked at (shape, printed, passed
    on) — is not evaluation, nor is a network with random weights that nothing
    trains or loads run on such data (a demo of what train mode does), nor is a forward in a function
    whose name is its only sign of evaluation (no `no_grad`, no evaluation data)
    of a network built in that function, with random weights that nothing
    trains, loads or copies from a trained one (built there or by a factory
    of this file it calls, `blk = make_block(20, 10)`; a `test()` that checks a fresh
    encoder's output sizes); an output that is computed with or
    compared (`bn(x) - fused(x)`) is, also through a helper of this file that
    only converts it (`assert_allclose(to_numpy(torch_out), onnx_out)` with
    `def to_numpy(t): return t.detach().cpu().numpy()`, an export check).
    The noise may be a global of the module
    (`fixed_z = torch.randn(...)` above `def evaluate(epoch):` that plots a
    GAN's samples). A helper of another module whose no-grad forward feeds the
    training of the same loop (pseudo-labels from the weak view, then
    `backward()` and `step()`) runs no evaluation at its call either.

    ## Why is this bad?
    `torch.no_grad()` only turns off gradient tracking; it does not change the
    module's mode. A BatchNorm layer in train mode (`model.training == True`,
    the default for a new module and the state after `model.train()`)
    normalises each batch with **that batch's own mean and variance** and
    updates `running_mean`/`running_var` with it. So evaluation in train mode
    gives results that depend on the batch size and composition (a batch of
    one even raises "Expected more than 1 value per channel"), and it silently
    overwrites the running statistics learned in training with validation data.
    Dropout also stays active.

    ## Example
    ```python
    model = ResNet18()
    for epoch in range(epochs):
        model.train()
        train_one_epoch(model, train_loader)
        with torch.no_grad():
            for images, labels in val_loader:
                outputs = model(images)   # BN001: BN uses batch statistics
    ```

    ## Use instead
    ```python
        model.eval()
        with torch.no_grad():
            for images, labels in val_loader:
                outputs = model(images)
    ```
    (and `model.train()` again before the next training epoch).

    Not reported: PyTorch Lightning `validation_step`/`test_step` (the Trainer
    switches modes; its `fit`, `validate`, `test` and `predict` hand the module
    back in the mode it was given, so a new module run on test data after
    `trainer.fit(model)` is reported, and `model.freeze()`, Lightning's
    `self.eval()` with frozen parameters, counts as `.eval()`), `torch.optim.swa_utils.update_bn` and precise-BN /
    recalibration routines that run train mode on purpose (functions named like
    `update_bn`, `recalibrate`, `precise_bn`, or that reset the running
    statistics), test-time adaptation (`track_running_stats=False` given to a BatchNorm
    layer or to a factory that may build one, not to an instance norm; Tent),
    transductive BatchNorm (a BN layer built with `momentum=1`: its running
    statistics are only the last batch's, so train mode at test time is meant), an
    explicit `model.train()` right before a no-grad forward in training code (a
    mean teacher, pseudo-labels; it is reported in an evaluation function, in
    inference code and on validation/test data, where BatchNorm would
    normalise that data with its own statistics: MC dropout must switch only
    the dropout layers to train mode), per-step no-grad forwards of the model
    being trained in the same loop (logging, GAN samples; not on a batch of
    validation/test data), no-grad forwards of an EMA teacher or
    momentum encoder whose parameters the file writes in place from the
    student's (the method runs it in train mode), models whose `train()`
    override keeps BN in eval mode, models whose BatchNorm layers were put in
    eval directly (`model.freeze_bn()`, a loop over `model.modules()`, a
    constructor that calls `self.backbone.eval()`: modes are not tracked per
    layer, so a head whose BN was left in train mode is not seen either), and
    models without BatchNorm (a module whose only normalisation is
    `F.batch_norm(..., training=flag)` with `flag` a parameter its caller
    chooses, as in MAML's functional learner, has no mode-dependent BN).

    ## Fix safety
    The fix inserts `model.eval()` before the evaluation block (the outermost
    `no_grad` block or validation loop, or the first statement of the
    evaluation function). It is unsafe: if the model is trained again
    afterwards, a `model.train()` must follow the evaluation (see BN006).
    No fix is offered for a one-sample forward in a helper that the loop
    training the model calls (`select_action(state)`): the inserted `.eval()`
    would leave the model in eval for that training, out of BN006's sight.

    ## References
    - https://pytorch.org/docs/stable/generated/torch.nn.Module.html#torch.nn.Module.eval
    - https://pytorch.org/docs/stable/generated/torch.nn.BatchNorm2d.html
    - https://pytorch.org/docs/stable/notes/autograd.html#locally-disable-grad-doc
    """

    code = "BN001"
    name = "missing-eval"
    severity = "error"
    fix_availability = "unsafe"
    summary = "evaluation runs a BatchNorm model in train mode: call model.eval() first"
    trigger_tokens = ("no_grad", "inference_mode", "set_grad_enabled", "jit.trace")
    needs_bn_evidence = True  # only a model that holds BN ...
    dropout_evidence = True  # ... or dropout is reported
    needs_bn_model = True  # ... and one the mode analysis tracks from its construction in this file
    caller_evidence = True  # ... or a parameter put in train mode here, given such a model by its callers
    # The other evaluation contexts: a `def` named for evaluation, a `for` over evaluation data,
    # evaluation data named in the code, inference (trained weights loaded), a forward below the
    # training loop (any `def` or `for`).  A file with none of their keywords has none.
    trigger_pattern = r"(?:def|for)(?=[\s\\(\[])|load|pretrained|weights|ckpt|checkpoint|(?i:val|test|eval)"

    valid_examples = (
        "import torch\nimport torch.nn as nn\nmodel = nn.Sequential(nn.Linear(4, 4), nn.BatchNorm1d(4))\nmodel.eval()\nwith torch.no_grad():\n    y = model(x)\n",
        "import torch\nimport torch.nn as nn\nmodel = nn.Sequential(nn.Linear(4, 4), nn.ReLU())\nwith torch.no_grad():\n    y = model(x)\n",
        "import torch\n\n@torch.no_grad()\ndef evaluate(model, loader):\n    return [model(x) for x, _ in loader]\n",
    )
    invalid_examples = (
        (
            "import torch\nimport torch.nn as nn\nmodel = nn.Sequential(nn.Linear(4, 4), nn.BatchNorm1d(4))\nwith torch.no_grad():\n    y = model(x)\n",
            "import torch\nimport torch.nn as nn\nmodel = nn.Sequential(nn.Linear(4, 4), nn.BatchNorm1d(4))\nmodel.eval()\nwith torch.no_grad():\n    y = model(x)\n",
        ),
    )

    def check_module(self) -> None:
        from bnlint.modes import TRAIN, analysis, fix_anchor, is_generator_name

        facts = self.ctx.facts
        result = analysis(facts, self.ctx.source)
        if result.aborted or result.tta_file:
            return
        reported: Set[int] = set()
        anchors_done: Set[tuple] = set()
        # Forwards that also run, in a caller of this file, on a model the analysis follows: there
        # the model's content decides, not the unknown parameter's.
        run_on_known_models = {id(o.node) for o in result.forwards.values() if not o.obj.is_parameter}
        for obs in result.forwards.values():
            if not obs.kinds or obs.excluded:
                continue
            obj = obs.obj
            vals = obs.vals
            if not vals or any(v.mode != TRAIN for v in vals):
                continue
            # A model of unknown content (a parameter) that the evaluation function itself puts in
            # train mode right before evaluating data with it: the `.train()` says its mode matters.
            switched_for_evaluation = (
                obj.is_parameter and not obj.built_plain and not obj.keeps_bn_eval and not obj.mode_sensitive and obs.fn is not None and "eval_fn" in obs.lexical_kinds
                and id(obs.node) not in run_on_known_models
                and bool(obs.kinds & {"val_loop", "val_batch", "no_grad"}) and all(v.fresh and v.origin and facts.enclosing_function(v.origin[-1]) is obs.fn for v in vals)
            )
            # A model of unknown content (a parameter, or one a trainer keeps from its constructor)
            # that this code itself puts in train mode (`.train()`) and then runs over a
            # validation/test loader under no_grad or in its evaluation function, never switched
            # to eval on the way: the `.train()` says its mode matters, and a training loop that
            # validates must put whatever model it is handed in eval.  (Not where a project caller
            # hands it a model known to have neither BN nor dropout: ``built_plain``.)
            validated_after_train = (
                not switched_for_evaluation and obj.is_parameter and not obj.built_plain and not obj.keeps_bn_eval and not obj.mode_sensitive
                and id(obs.node) not in run_on_known_models
                and "val_loop" in obs.kinds and bool(obs.kinds & {"no_grad", "eval_fn"})
                and all(v.mode == TRAIN and v.origin and _is_train_call(v.origin[-1]) for v in vals)
                # MC dropout samples the same input again and again around the forward; a helper
                # that iterates a validation loader, called once per epoch, is no such sampling.
                and not _repeated_sampling(facts, obs.node)
            )
            if (not obj.mode_sensitive or obj.keeps_bn_eval) and not switched_for_evaluation and not validated_after_train:
                continue
            if all(v.frozen is not None for v in vals):
                continue  # its BatchNorm layers were put in eval (`model.freeze_bn()`): they use running statistics
            if obs.via is None and result.dropout_unreached(obj):
                continue  # its `forward` runs none of its dropout layers: the mode changes nothing
            if switched_for_evaluation and (_repeated_sampling(facts, obs.node) or any(_repeated_sampling(facts, c) for c in obs.chain)):
                continue  # MC dropout: the same input sampled again and again
            if all(v.fresh for v in vals) and not obj.holds_bn and not switched_for_evaluation:
                # Dropout only and an explicit `.train()` right before: MC dropout when the same input
                # is sampled again and again (here or in a caller), or when the forward is no
                # evaluation of data. Evaluation of data or inference with trained weights, each
                # input run once, gets random outputs: the bug (a `.train()` where `.eval()` belongs).
                if not obs.kinds & {"val_loop", "val_batch", "eval_fn", "inference", "after_fit", "after_training", "compared"}:
                    continue
                if _repeated_sampling(facts, obs.node) or any(_repeated_sampling(facts, c) for c in obs.chain):
                    continue
            if not obj.holds_bn and _repeated_sampling(facts, obs.node) and not any((loop, obj) in result.trained_within for loop in obs.outer_loops):
                # Dropout only, the same input run again and again: MC dropout sampling.  (Not in a
                # validation the training loop runs: there train mode is what training left.)
                continue
            if all(v.fresh for v in vals) and not obs.kinds & {"val_loop", "val_batch", "eval_fn", "inference", "after_fit", "after_training"}:
                # An explicit .train() right before a no-grad forward in training code: a mean
                # teacher, pseudo-labels, BN statistics refreshed on purpose. Over validation/test
                # data, in an evaluation function or in inference code (nothing trains) it is the
                # bug: BatchNorm normalises that data with its own statistics.
                continue
            if obs.via is None and _output_discarded(facts, obs.node) and vals and all(v.origin and _is_train_call(v.origin[-1]) for v in vals):
                # `net.train()`, then `net(x)` over data with the output thrown away: re-estimating the
                # BatchNorm statistics on purpose (the only thing such a pass does).
                continue
            one_sample = "one_sample" in obs.kinds  # (inference of one sample, even in the loop that trains it)
            if obs.kinds - {"one_sample"} in ({"no_grad"}, {"after_training"}, {"no_grad", "after_training"}):
                # A no-grad forward of the model that the same loop trains: logging, GAN samples;
                # below its training: a loss estimate on its training data, a GAN's samples.
                if not one_sample and any(
                    (loop, obj, chain) in result.trained_in_loop_runs
                    # (a pass over the loop's own batch, trained on deeper in the same loop: a
                    # gradient cache, pseudo-labels of the batch)
                    or ((loop, obj, chain) in result.trained_within_runs and _reads_loop_batch(obs.node, loop))
                    for loop, chain in obs.loop_runs if loop is not None
                ) or any(
                    # (the batch of an outer loop of the same function that trains it in the same
                    # run, read in an inner one: random starts of an attack scored on the step's
                    # own batch before it is trained on)
                    (outer, obj, chain) in result.trained_within_runs and _reads_loop_batch(obs.node, outer)
                    for loop, chain in obs.loop_runs if loop is not None
                    for outer in _enclosing_loops(facts, loop, obs.fn)
                ):
                    continue
                if not one_sample and _over_its_training_data(obs, obj, result):
                    continue  # a pass over the data it trains on (a loss estimate, JOAO's augmentation scores)
                if is_generator_name(obs.label) or is_generator_name(obj.label):
                    continue
                if {obs.label.split(".")[0], obj.label.split(".")[0]} & facts.ema_targets():
                    continue  # an EMA teacher / momentum encoder computing targets: train mode is the method
            elif obs.kinds <= {"no_grad", "val_batch", "one_sample"} and (is_generator_name(obs.label) or is_generator_name(obj.label)):
                continue  # a GAN's sample images from a validation batch: display, not evaluation
            if "trace" not in obs.kinds and "after_fit" not in obs.kinds and _synthetic_input(facts, obs.node, obs.fn, result, obs.chain):
                continue  # a shape/smoke check on torch.randn(...): not evaluation on data
            if "trace" not in obs.kinds and "after_fit" not in obs.kinds and not obj.holds_bn and _synthetic_input(
                facts, obs.node, obs.fn, result, obs.chain, looked_at_only=False, random_only=True
            ):
                continue  # noise through a network whose only mode-dependent layers are dropout (no statistics): no evaluation
            if (
                "trace" not in obs.kinds and not obj.has_weights and not obj.is_parameter and all(v.fresh and v.origin for v in vals)
                and not any(o is obj for _, o in result.trained_in_loop) and not result.optimized(obj)
                and _synthetic_input(facts, obs.node, obs.fn, result, obs.chain, looked_at_only=False)
            ):
                continue  # random weights put in train mode on purpose, on made-up data (a unit test of the layer's train-mode path)
            if "trace" not in obs.kinds and _shape_only_use(facts, obs.node, obs.fn):
                continue  # `print(model(img).shape)`: its shape is the same in either mode
            if (
                not obs.kinds & {"trace", "compared"} and _synthetic_input(facts, obs.node, obs.fn, result, obs.chain, looked_at_only=False, random_only=True)
                and (not obj.has_weights or _probe_use(facts, obs.node, obs.fn)) and _local_model_unused_after(facts, obj, obs.node, obs.fn)
            ):
                # (A trained generator's samples from noise are its results: noise is its input.)
                continue  # a self-test on noise of a model of the function's own that nothing uses afterwards
            if (
                not obs.kinds & {"trace", "compared"} and (is_generator_name(obs.label) or is_generator_name(obj.label))
                and not obj.has_weights and result.optimized(obj)
                and _synthetic_input(facts, obs.node, obs.fn, result, obs.chain, looked_at_only=False, random_only=True)
            ):
                # The generator this program trains, sampled from noise (a GAN's picture of the
                # epoch): drawn in train mode on purpose as often as not.  (A trained generator
                # loaded to draw samples is inference: those are its results.)
                continue
            if not obs.handed_in and _output_backpropagated(facts, obs.node, obs.fn):
                # A training forward (its loss is back-propagated here), whatever `no_grad` a caller
                # wraps it in.  (Not one a callee runs without training it: a teacher's no-grad
                # forward inside `student.distillation_loss(x, y, teacher)`.)
                continue
            if (
                not obs.kinds & {"trace", "compared"} and not result.optimized(obj) and not any(o is obj for _, o in result.trained_in_loop)
                and obs.via is None  # (`model.sample(16)`: the method reads what its forward gives)
                and _output_unread(facts, obs.node, obs.fn) and _local_model_unused_after(facts, obj, obs.node, obs.fn)
            ):
                continue  # a forward whose output nothing reads, of a model that dies with the function (a timing test)
            if (
                obs.kinds <= {"eval_fn"} and not obj.has_weights and obs.fn is not None and _built_here_untrained(facts, obj, obs.fn)
                and not result._maybe_trained(obj) and not any(o is obj for _, o in result.trained_in_loop)
            ):
                # Only the function's name says "evaluation" (`def test():`), and the network was built
                # right there with random weights that nothing trains: a smoke test of the code.
                continue
            if obs.kinds <= {"no_grad", "val_batch"} and not obj.has_weights and not any(o is obj for _, o in result.trained_in_loop) and not result.optimized(obj):
                # A network with random weights, never trained (no optimizer takes its parameters):
                # shown one batch of validation data, its output checked for its shape only (a
                # test of the code), or run on random data (what train mode does, plotted), it is
                # a demo.
                if "val_batch" in obs.kinds or _shape_only_use(facts, obs.node, obs.fn) or _output_unread(facts, obs.node, obs.fn):
                    continue  # (or run once with nothing reading what it gives: the forward runs)
                if _synthetic_input(facts, obs.node, obs.fn, result, obs.chain, looked_at_only=False):
                    continue
            if id(obs.node) in reported:
                continue
            reported.add(id(obs.node))
            label = obs.label
            fn_name = obs.fn.name.value if obs.fn is not None else None
            parts = []
            if "no_grad" in obs.kinds:
                parts.append("under `torch.no_grad()`/`torch.inference_mode()`")
            if "eval_fn" in obs.kinds and not ("after_fit" in obs.kinds and obs.after is not None):
                parts.append(f"in the evaluation function `{fn_name}()`" if "eval_fn" in obs.lexical_kinds and fn_name else "in an evaluation function")
            if obs.via:
                parts.insert(0, f"where {obs.via} runs it")
            if "val_loop" in obs.kinds:
                parts.append("over a validation/test loader")
            for kind in ("val_batch", "inference", "after_training", "compared", "trace", "phase", "one_sample"):
                if kind in obs.kinds:
                    parts.append(_CONTEXT_WORDS[kind])
            if "after_fit" in obs.kinds and obs.after is not None and fn_name:
                parts.append(f"in `{fn_name}()`, which runs the model that `{obs.after.name.value}()` trained and left in train mode")
            where = ", ".join(parts)
            switched = any(v.origin and _is_train_call(v.origin[-1]) for v in vals)
            later_eval = _later_eval(facts, obs.node, obs.fn, label) if not switched else None
            if switched:
                how = "the last mode switch on every path here is `.train()`"
            elif later_eval is not None:
                # A warm-up / probe forward before the `.eval()` (yolo's `model(get_test_input(...))`):
                # it still runs in train mode and moves the loaded running statistics.
                how = "it is put in eval mode only after this forward (`.eval()` further down), so this pass still runs in train mode"
            else:
                how = "it is never put in eval mode"
            built_here = obj.created_at is not None and obs.fn is not None and facts.enclosing_function(obj.created_at) is obs.fn
            if obs.callers and fn_name and not built_here:
                # (A model built in that function is its own local: no caller hands it over.)
                how += f" (`{fn_name}()` is called with the model in train mode)"
            if obj.from_caller is not None:
                ev = obj.from_caller
                where += f" (`{ev.shown_path}` line {ev.line} passes it `{ev.argument}`, a model with {'BatchNorm' if obj.holds_bn else 'dropout'})"
            if validated_after_train:
                message = (
                    f"`{label}` is put in train mode by `.train()` and then evaluated "
                    f"here, {where}, without `.eval()` in between. Whatever BatchNorm the model it is handed has normalises each "
                    f"batch with that batch's own mean/variance and overwrites running_mean/running_var with this data, and "
                    f"whatever dropout it has makes every output a random draw; `torch.no_grad()` does not change the mode. Call "
                    f"`{label}.eval()` before evaluating (and `{label}.train()` before training resumes)."
                )
            elif switched_for_evaluation:
                message = (
                    f"`{label}` is put in train mode by `.train()` in the evaluation function `{fn_name}()` and then evaluated "
                    f"here, {where}. Whatever BatchNorm it has normalises each batch with that batch's own mean/variance and "
                    f"overwrites running_mean/running_var with this data, and whatever dropout it has makes every output a random "
                    f"draw; `torch.no_grad()` does not change the mode. Call `{label}.eval()` there instead (and "
                    f"`{label}.train()` before training resumes)."
                )
            elif obj.holds_bn:
                message = (
                    f"`{label}` contains BatchNorm and is still in train mode here, {where}: {how}. In train mode BatchNorm "
                    f"normalises each batch with that batch's own mean/variance and overwrites running_mean/running_var with "
                    f"this data; `torch.no_grad()` does not change the mode. Call `{label}.eval()` before evaluating (and "
                    f"`{label}.train()` before training resumes)."
                )
            else:
                message = (
                    f"`{label}` contains dropout and is still in train mode here, {where}: {how}. In train mode dropout zeroes "
                    f"a random part of the activations (and scales up the rest), so each output is a random draw and the "
                    f"metrics are worse and unrepeatable; `torch.no_grad()` does not change the mode. Call `{label}.eval()` "
                    f"before evaluating (and `{label}.train()` before training resumes)."
                )
            fix = None
            # (The loop over phases runs the same code for training: no `.eval()` goes before it.)
            anchor = fix_anchor(facts, obs) if "phase" not in obs.kinds else None
            if one_sample and any((loop, obj) in result.trained_within for loop in obs.outer_loops) and obs.chain:
                # One sample run in a helper (`select_action(state)`) of the loop that trains the
                # model: an `.eval()` there would leave it in eval for the training that follows,
                # and no `.train()` can be put back after its `return`. No fix.
                anchor = None
            if anchor is not None and _simple_name(label):
                key = (id(anchor), label)
                if key not in anchors_done:
                    anchors_done.add(key)
                    fix = FixSpec("unsafe", (InsertBefore(anchor, f"{label}.eval()"),), f"Insert `{label}.eval()` before the evaluation block")
                else:
                    continue  # one finding per evaluation block and model
            # The path that led here: where the model was built, and the mode switch(es) that left
            # it in train mode on the paths that reach this forward (innermost call of each chain;
            # when that `.train()` is inside a helper, also the call of the helper on this path).
            code = facts.module.code_for_node
            never = sum(1 for v in vals if not v.origin)
            built = f"`{obj.label}` built here" + (", in train mode (never put in eval)" if never == len(vals) else ", in train mode (on some paths never put in eval)" if never else "")
            related = [(obj.created_at, built)]
            for v in vals:
                if v.origin:
                    switch = getattr(v.origin[-1], "func", None)  # `net.train()`: name the model as it is there
                    switched = code(switch.value) if getattr(switch, "attr", None) is not None and switch.attr.value == "train" else obj.label
                    related.append((v.origin[-1], f"`{switched}` last put in train mode here"))
                    helper = getattr(v.origin[0], "func", None) if len(v.origin) > 1 else None  # a call of a helper
                    if helper is not None:
                        related.append((v.origin[0], f"`{code(helper)}(...)` called here puts `{obj.label}` in train mode"))
            if obs.callers and fn_name and not built_here:
                related.append((obs.callers[0][1], f"`{obs.callers[0][0]}()` called here with `{obj.label}` in train mode"))
            layers = "BatchNorm" if obj.holds_bn else "dropout"
            if switched_for_evaluation:
                self.report(obs.node, message, fix=fix, related=related, summary=_fit(f"`{label}` is put in train mode (`.train()`) and then evaluated", f"call `{label}.eval()` instead"))
                continue
            if validated_after_train:
                self.report(obs.node, message, fix=fix, related=related, summary=_fit(f"`{label}` is validated in the train mode `.train()` set", f"call `{label}.eval()` first"))
                continue
            if obj.from_caller is not None:
                ev = obj.from_caller
                related.append(Related(ev.line, ev.column, ev.end_line, ev.end_column, f"`{ev.argument}`, a model with {layers}, is passed here as `{obj.label}`", path=ev.path))
            self.report(obs.node, message, fix=fix, related=related, summary=_fit(f"`{label}` ({layers}) is evaluated in train mode", f"call `{label}.eval()` first"))


def _built_here_untrained(facts, obj, fn) -> bool:
    """Was ``obj`` constructed in ``fn`` by a class or factory (not copied from another model, whose
    weights it would carry, nor an EMA copy whose parameters are written in place)?"""
    import libcst as cst

    from bnlint.calls import COPY_CALLS

    made = obj.created_at
    if not isinstance(made, cst.Call):
        return False
    maker = facts.enclosing_function(made)
    if maker is not fn and not (
        # `blk = make_block(20, 10)`: a factory of this file that `fn` calls builds it there.
        maker is not None and facts.enclosing_class(maker) is None
        and any(isinstance(n, cst.Call) and isinstance(n.func, cst.Name) and n.func.value == maker.name.value for n in facts.iter_nodes(fn))
    ):
        return False
    if (facts.callee(made) or "") in COPY_CALLS or obj.label.split(".")[0] in facts.ema_targets():
        return False
    return True




def _loop_data(loop) -> Optional[str]:
    """The data a `for` iterates, by name: `loader` for `for x in loader:` and
    `for i, b in enumerate(loader):`."""
    from bnlint.facts import dotted

    from bnlint.calls import iterated_source

    it = getattr(loop, "iter", None)
    return dotted(iterated_source(it)) if it is not None else None


def _enclosing_loops(facts, loop, fn) -> list:
    """The `for` loops around ``loop`` inside the function ``fn`` (the module where it is None)."""
    import libcst as cst

    out = []
    for anc in facts.ancestors(loop):
        if anc is fn or isinstance(anc, (cst.FunctionDef, cst.ClassDef)):
            break
        if isinstance(anc, cst.For):
            out.append(anc)
    return out


def _reads_loop_batch(node, loop) -> bool:
    """Does the forward ``node`` read a name the `for` ``loop`` binds (`for i, (x, y) in
    enumerate(batches)`: `net(x)`)?"""
    import libcst as cst

    from bnlint.facts import walk

    target = getattr(loop, "target", None)
    if target is None:
        return False
    bound = {n.value for n in walk(target) if isinstance(n, cst.Name)}
    return any(isinstance(n, cst.Name) and n.value in bound for a in node.args for n in walk(a.value))


def _output_discarded(facts, node) -> bool:
    """Is the forward ``node`` a statement of its own (`net(x)`) or bound to `_`: nothing reads its
    output?"""
    import libcst as cst

    parent = facts.parent(node)
    if isinstance(parent, cst.Expr):
        return True
    return isinstance(parent, cst.Assign) and all(isinstance(t.target, cst.Name) and t.target.value == "_" for t in parent.targets)


def _over_its_training_data(obs, obj, result) -> bool:
    """Does the no-grad forward run in a loop over the very data (by name, in the same function)
    that a loop training ``obj`` iterates?  Not an evaluation of held-out data.  Below the training
    (``after_training``): is its input read from a name the training loops iterate over
    (`model(X_train)` after `for i in range(0, len(X_train), bs):`), a training-loss estimate?"""
    if "after_training" in obs.kinds:
        import builtins

        import libcst as cst

        iterated: Set[str] = set()
        for loop, o in result.trained_within:
            if o is obj and loop is not None:
                iterated |= _names_in(getattr(loop, "iter", None))
        read = {n for a in obs.node.args for n in _names_in(a.value)}
        # A batch drawn from the training loader (`xb, yb = next(iter(train_loader))` ...
        # `model(xb)`): the names its binding reads, one step back.
        facts = result.facts
        scope = obs.fn if obs.fn is not None else facts.module
        for name in list(read):
            for statement in facts.reaching_bindings(name, obs.node, scope):
                value = getattr(statement, "value", None)
                if isinstance(value, cst.Call):
                    read |= _names_in(value)
        inventory = result.facts.inventory
        return any(not hasattr(builtins, n) and not inventory.is_imported(n) for n in iterated & read)
    data = {_run_data(result.facts, loop, chain) for loop, chain in obs.loop_runs if loop is not None} - {None}
    if not data:
        return False
    trained_on = {_run_data(result.facts, loop, chain) for loop, o, chain in result.trained_in_loop_runs if o is obj and loop is not None}
    return bool(data & trained_on)


def _run_data(facts, loop, chain: tuple) -> "Optional[str]":
    """``_loop_data`` of one run of ``loop`` (``ForwardObs.loop_runs``): where the name is a
    parameter of the function running the loop, what the call that ran it passed for it
    (`run_epoch(model, val_loader, ...)`: `val_loader`, not `loader`)."""
    import libcst as cst

    from bnlint.facts import call_arg, dotted, params_of

    name = _loop_data(loop)
    fn = facts.enclosing_function(loop)
    if name is None or fn is None or "." in name or name not in params_of(fn) or not chain:
        return name
    call = chain[-1]
    if not isinstance(call, cst.Call) or any(a.star for a in call.args):
        return name
    params = params_of(fn)
    positional = params[1:] if params and params[0] in ("self", "cls") and isinstance(call.func, cst.Attribute) else params
    arg = call_arg(call, name, positional.index(name) if name in positional else None)
    return (dotted(arg.value) or name) if arg is not None else name


def _names_in(expr) -> "Set[str]":
    """The plain names read in ``expr`` (none for None)."""
    import libcst as cst

    from bnlint.facts import walk

    if expr is None:
        return set()
    return {n.value for n in walk(expr) if isinstance(n, cst.Name)} | ({expr.value} if isinstance(expr, cst.Name) else set())


def _synthetic_input(facts, call, fn, result, chain=(), looked_at_only=True, random_only=False) -> bool:
    """``net(torch.randn(1, 3, 32, 32))`` or ``x = torch.zeros(...); net(x)``: a shape probe / smoke test.

    A name's value is the one its nearest binding before the use gives it (``X`` may be a random
    probe here and a real batch further down the notebook).  ``looked_at_only``: the output must be
    only looked at, too (a probe); False asks only about the input (a demo network's random data)."""
    import libcst as cst

    from bnlint.effects import RANDOM_TENSORS, SYNTHETIC_TENSORS

    made_up = RANDOM_TENSORS if random_only else SYNTHETIC_TENSORS

    # `net(x, *state)`: the state a streaming model feeds back to itself is not the data.
    args = [a.value for a in call.args if a.keyword is None and not a.star]
    if not args or (looked_at_only and not _probe_use(facts, call, fn)):
        return False
    # Where a name is a parameter of the function the forward is in, its value is the argument of
    # the call that ran it (the inline chain, innermost last): `self._forward_conv(torch.zeros(...))`.
    scopes = [fn] + [facts.enclosing_function(site) for site in reversed(chain)]
    sites = list(reversed(chain))

    def synthetic_in(expr, level: int) -> bool:
        scope_fn = scopes[level] if level < len(scopes) else None
        order, bindings = result.binding_index(scope_fn if scope_fn is not None else facts.module)
        at = order.get(id(call if level == 0 else sites[level - 1]))
        if at is None:
            return False

        def _synthetic(expr, before: int, depth=0, table=None) -> bool:
            table = bindings if table is None else table
            if depth > 24:  # each step goes to an earlier binding: the chain ends; this bounds its cost
                return False
            if isinstance(expr, cst.Call):
                q = facts.callee(expr) or ""
                leaf = q.rsplit(".", 1)[-1]
                if q.startswith("torch.") and (
                    leaf in made_up or (leaf.endswith("Tensor") and not random_only and all(_literal(a.value) for a in expr.args))
                ):
                    # torch.randn(...), torch.FloatTensor(8, 3, 32, 32) (uninitialised); not
                    # `torch.Tensor(np.load("frame.npy"))`, a tensor of the data it is handed
                    return True
                if q.startswith(("numpy.random.", "np.random.")):
                    return True  # np.random.uniform(-1, 1, shape): noise, whatever tensor it is made into
                if isinstance(expr.func, cst.Attribute) and _synthetic(expr.func.value, before, depth + 1, table):
                    return True  # torch.rand(...).unsqueeze(0), .cuda(), .float(): still random
                # Variable(torch.rand(...)), or another model's output on random input.
                # Literal arguments (`torch.cat((pos, x), 2)`: a dimension) carry no data.
                inputs = [a.value for a in expr.args if a.keyword is None and not a.star and not _literal(a.value)]
                return bool(inputs) and all(_synthetic(a, before, depth + 1, table) for a in inputs)
            if isinstance(expr, (cst.List, cst.Tuple)):
                return bool(expr.elements) and all(_synthetic(e.value, before, depth + 1, table) for e in expr.elements)
            if isinstance(expr, cst.BinaryOperation):  # `10 + 5 * torch.randn(n, 1)`: random data shifted and scaled
                sides = [side for side in (expr.left, expr.right) if not _literal(side)]
                return bool(sides) and all(_synthetic(side, before, depth + 1, table) for side in sides)
            if isinstance(expr, cst.UnaryOperation):
                return _synthetic(expr.expression, before, depth + 1, table)
            if isinstance(expr, cst.Dict):  # `{"frames": torch.rand(4, 3, 32, 224, 224)}`: a batch dict made up
                return bool(expr.elements) and all(isinstance(e, cst.DictElement) and _synthetic(e.value, before, depth + 1, table) for e in expr.elements)
            if isinstance(expr, cst.Subscript):
                return _synthetic(expr.value, before, depth + 1, table)
            if isinstance(expr, (cst.DictComp, cst.ListComp, cst.GeneratorExp)) and expr.for_in.inner_for_in is None:
                # `{k: v.cuda() for k, v in batch.items()}`: the same made-up tensors, moved
                return _synthetic(expr.for_in.iter, before, depth + 1, table)
            if isinstance(expr, cst.Name):
                earlier = [b for b in table.get(expr.value, ()) if b[0] < before]
                stored = False
                while earlier and _stores_attribute(facts, earlier[-1][1], expr.value):
                    # `batch.pos = torch.rand(...)`: a field of the object filled in here.
                    if not _synthetic(earlier[-1][1], earlier[-1][0], depth + 1, table):
                        return False
                    earlier.pop()
                    stored = True
                if earlier:
                    made = earlier[-1][1]
                    if stored and isinstance(made, cst.Call) and not made.args:
                        return True  # `batch = Batch()` with every field made up in code
                    return _synthetic(made, earlier[-1][0], depth + 1, table)
                argument = _argument_for(facts, scope_fn, expr.value, sites[level] if level < len(sites) else None)
                if argument is None and scope_fn is not None and table is bindings and not facts.binds_locally(scope_fn, expr.value):
                    # A global of the module (`fixed_z = torch.randn(...)` above `def sample():`):
                    # every value the module's code gives it.
                    _order, module_table = result.binding_index(facts.module)
                    values = module_table.get(expr.value, ())
                    return bool(values) and all(_synthetic(v, i, depth + 1, module_table) for i, v in values)
                return argument is not None and synthetic_in(argument, level + 1)
            return False

        return _synthetic(expr, at)

    return all(synthetic_in(a, 0) for a in args)


def _later_eval(facts, call, fn, label: str):
    """The first ``<label>.eval()`` (or ``.train(False)``) after the forward ``call`` in its function
    (or the module's top level), or None."""
    import libcst as cst

    from bnlint.facts import walk_scope

    passed = False
    code = facts.module.code_for_node
    for node in walk_scope(fn if fn is not None else facts.module):
        if node is call:
            passed = True
        elif passed and isinstance(node, cst.Call) and isinstance(node.func, cst.Attribute):
            attr = node.func.attr.value
            is_eval = attr == "eval" or (attr == "train" and node.args and isinstance(node.args[0].value, cst.Name) and node.args[0].value.value == "False")
            if is_eval and code(node.func.value).strip() == label:
                return node
    return None


def _is_train_call(node) -> bool:
    """Is ``node`` a `.train()` call (what a value's origin names when a mode call set it)?"""
    import libcst as cst

    return isinstance(node, cst.Call) and isinstance(node.func, cst.Attribute) and node.func.attr.value == "train"


def _repeated_sampling(facts, call) -> bool:
    """Is the forward ``call`` repeated on the same input: in a loop or comprehension over
    `range(...)` whose variable its arguments do not read (`[net(x) for _ in range(100)]`)?  For a
    model whose only mode-dependent layers are dropout, that is Monte-Carlo sampling."""
    import libcst as cst

    from bnlint.facts import dotted

    read = {n.value for a in call.args for n in [a.value, *facts.iter_nodes(a.value)] if isinstance(n, cst.Name)}
    for anc in facts.ancestors(call):
        if isinstance(anc, (cst.ListComp, cst.GeneratorExp, cst.SetComp)):
            anc = anc.for_in  # the element runs once per iteration of its `for`
        if isinstance(anc, (cst.For, cst.CompFor)):
            it = anc.iter
            if isinstance(it, cst.Call) and dotted(it.func) == "range":
                targets = {n.value for n in [anc.target, *facts.iter_nodes(anc.target)] if isinstance(n, cst.Name)}
                if isinstance(anc, cst.For):
                    # An input the loop rebinds changes every time (`decoder_input = topi` in decoding).
                    for node in facts.iter_nodes(anc.body):
                        if isinstance(node, cst.AssignTarget) or isinstance(node, (cst.AugAssign, cst.AnnAssign)):
                            target = node.target
                            targets |= {n.value for n in [target, *facts.iter_nodes(target)] if isinstance(n, cst.Name)}
                return not targets & read
            return False
        if isinstance(anc, (cst.FunctionDef, cst.ClassDef)):
            return False
    return False


def _output_backpropagated(facts, call, fn) -> bool:
    """Does ``fn`` (None: the module's top level) step an optimizer and call `.backward()` on what the forward ``call`` computes:
    a name whose binding there is an assignment that holds the forward (`loss =
    loss_fn(anchor=model(a), ...)`), or one computed from such a binding in turn (`total = loss +
    reg`)?  Bindings, not names: a validation loop's `output = model(x)` is not the training
    loop's `output` that is back-propagated."""
    import libcst as cst

    from bnlint.facts import walk, walk_scope

    if facts.in_no_grad(call):
        return False  # (a target computed without grad here, `soft = teacher(x)`, trains the other model)
    statement = next((a for a in facts.ancestors(call) if isinstance(a, (cst.Assign, cst.AugAssign, cst.AnnAssign))), None)
    collected = facts.collecting_list(call) if statement is None else None
    if collected is not None:
        # `logits.append(net(chunk))`: the list it is collected in holds the forward.
        statement = facts.parent(collected[1])
    if statement is None or facts.enclosing_function(statement) is not fn:
        return False
    if fn is None:
        # A script's or notebook's top level: the loop around the forward is what can train it.
        loop = next((a for a in facts.ancestors(call) if isinstance(a, (cst.For, cst.While))), None)
        if loop is None:
            return False
        nodes = list(walk(loop))
    else:
        nodes = list(walk_scope(fn))
    scope = fn if fn is not None else facts.module
    tainted = {id(statement)}
    if collected is not None:
        tainted |= {id(binding) for binding in facts.reaching_bindings(collected[0].value, collected[0], scope)}

    def reads_tainted(expr) -> bool:
        for n in walk(expr):
            if isinstance(n, cst.Name) and not facts.is_store(n):
                # (`loss, logits = net.loss(x, y)` binds `loss` from the forward too)
                if any(id(binding) in tainted for binding in facts.reaching_bindings(n.value, n, scope)):
                    return True
        return False

    def taint(assign) -> None:
        tainted.add(id(assign))

    if not any(isinstance(n, cst.Call) and isinstance(n.func, cst.Attribute) and n.func.attr.value in OPTIMIZER_STEP_METHODS for n in nodes):
        return False  # (a backward with no optimizer step is a saliency map or an attack: no training)
    assigns = [n for n in nodes if isinstance(n, (cst.Assign, cst.AugAssign, cst.AnnAssign)) and n.value is not None and n is not statement]
    done: Set[int] = set()
    for _ in range(4):
        grew = False
        for assign in assigns:
            if id(assign) not in done and reads_tainted(assign.value):
                done.add(id(assign))
                taint(assign)
                grew = True
        if not grew:
            break
    around_forward = {id(a) for a in facts.ancestors(call)}
    for node in nodes:
        if not isinstance(node, cst.Call):
            continue
        if (facts.callee(node) or "") in ("torch.autograd.grad", "torch.autograd.backward") and node.args and reads_tainted(node.args[0].value):
            # `torch.autograd.grad(loss, model.parameters())`: the gradients of a loss of this
            # forward, for the step (a finite-difference regulariser, a meta-gradient)
            if all(id(a) in around_forward for a in facts.ancestors(node) if isinstance(a, (cst.If, cst.Else, cst.Try, cst.ExceptHandler))):
                return True
        if isinstance(node.func, cst.Attribute) and node.func.attr.value == "backward" and reads_tainted(node.func.value):
            # (`if learn: loss.backward()`: a branch of its own, which a validation call may skip)
            if all(id(a) in around_forward for a in facts.ancestors(node) if isinstance(a, (cst.If, cst.Else, cst.Try, cst.ExceptHandler))):
                return True
    return False


def _local_model_unused_after(facts, obj, call, fn) -> bool:
    """Is ``obj`` a model built in ``fn`` (or at the top level: a name of the module) that nothing
    reads after the forward ``call`` (nor, in a loop around the call, anywhere else in that loop):
    no later forward, save, return or hand-over of that object (a later binding of the name is
    another object)?  Its train-mode statistics then die with it (`run_check_net()`'s forward on
    random data, a timing loop of a throw-away model, a notebook's self-test before the real
    model is built under the same name)."""
    import libcst as cst

    from bnlint.facts import dotted, walk_scope

    scope = fn if fn is not None else facts.module
    built = obj.created_at
    if built is None or facts.enclosing_function(built) is not fn or not obj.label.isidentifier():
        return False
    name = obj.label
    if (dotted(call.func) or "").split(".")[0] != name:
        return False  # (only a forward of the model itself: `trainer.fit()` runs it where it keeps it)
    loops = [a for a in facts.ancestors(call) if isinstance(a, (cst.For, cst.While)) and facts.enclosing_function(a) is fn]
    passed = rebound = False
    for n in walk_scope(scope):
        if n is call:
            passed = True
            continue
        if passed and isinstance(n, cst.Name) and n.value == name and facts.is_store(n):
            rebound = True
        if not (isinstance(n, cst.Name) and n.value == name) or facts.is_store(n) or any(a is call for a in facts.ancestors(n)):
            continue  # (the forward itself: `enc.encode(x)`)
        parent = facts.parent(n)
        if isinstance(parent, cst.Attribute) and parent.attr is n:
            continue  # `x.model`: another name
        if not (passed or any(any(a is loop for a in facts.ancestors(n)) for loop in loops)):
            continue
        if not any(v is built for v in facts.reaching_assignments(name, n, scope)):
            continue  # reads a later binding: another object
        return False
    if fn is None:
        # At the top level the object lives on with the module (a notebook's inference is its
        # result): only a later binding of the name to another model ends it.
        return passed and rebound
    return passed


def _output_unread(facts, call, fn) -> bool:
    """Is the output of the forward ``call`` thrown away, or bound to names (`out, loss = net(x)`)
    that nothing in its scope reads?  At a module's top level only in its self-test (`if __name__
    == "__main__":`): a script's or notebook's last forward is read in the next cell or line the
    author writes, a function's dead local is not."""
    import libcst as cst

    from bnlint.facts import walk_scope

    if fn is None and not _in_main_block(facts, call):
        return False
    parent = facts.parent(call)
    if isinstance(parent, cst.Expr):
        return True
    if not isinstance(parent, cst.Assign):
        return False
    targets = []
    for t in parent.targets:
        elements = t.target.elements if isinstance(t.target, (cst.Tuple, cst.List)) else [t.target]
        for e in elements:
            value = e.value if isinstance(e, cst.BaseElement) else e  # (a tuple's element, or the target itself)
            if not isinstance(value, cst.Name):
                return False  # (stored in an attribute or an item: read elsewhere)
            targets.append(value)
    names = {t.value for t in targets}
    loops = [a for a in facts.ancestors(parent) if isinstance(a, (cst.For, cst.While))]
    passed = False  # (a read above the assignment sees it only through a loop around both)
    for n in walk_scope(fn if fn is not None else facts.module):
        if n is parent:
            passed = True
        elif isinstance(n, cst.Name) and n.value in names and not any(n is t for t in targets):
            if passed or any(any(a is loop for a in facts.ancestors(n)) for loop in loops):
                return False
    return True


def _in_main_block(facts, node) -> bool:
    """Is ``node`` under `if __name__ == "__main__":`?"""
    import libcst as cst

    for anc in facts.ancestors(node):
        test = anc.test if isinstance(anc, cst.If) else None
        if isinstance(test, cst.Comparison) and len(test.comparisons) == 1 and isinstance(test.comparisons[0].operator, cst.Equal):
            sides = (test.left, test.comparisons[0].comparator)
            if any(isinstance(x, cst.Name) and x.value == "__name__" for x in sides) and any(
                isinstance(x, cst.SimpleString) and x.evaluated_value == "__main__" for x in sides
            ):
                return True
    return False


def _shape_only_use(facts, call, fn) -> bool:
    """Is the output of the forward ``call`` only ever looked at for its shape (`out.shape`,
    `out.size()`, `type(out)`, `len(out)`), directly or through the one name it is bound to?"""
    import libcst as cst

    from bnlint.facts import dotted

    def shape_use(node, depth: int = 0) -> bool:
        parent = facts.parent(node)
        if isinstance(parent, cst.Attribute) and parent.value is node:
            if parent.attr.value in ("shape", "ndim", "dtype", "device"):
                return True
            call_of = facts.parent(parent)
            if parent.attr.value in ("items", "values") and depth < 2 and isinstance(call_of, cst.Call) and call_of.func is parent:
                # `{k: tuple(v.shape) for k, v in out.items()}`: each output of a dict of outputs
                # looked at for its shape only
                return _comprehension_shape_only(call_of, parent.attr.value, depth)
            return parent.attr.value in ("size", "dim") and isinstance(call_of, cst.Call) and call_of.func is parent
        if isinstance(parent, cst.Arg):
            outer = facts.parent(parent)
            return isinstance(outer, cst.Call) and dotted(outer.func) in ("type", "len", "isinstance")
        return False

    def _comprehension_shape_only(iterated: cst.Call, method: str, depth: int) -> bool:
        comp = facts.parent(iterated)
        if not isinstance(comp, cst.CompFor) or comp.iter is not iterated:
            return False
        target = comp.target
        if method == "items":
            if not (isinstance(target, cst.Tuple) and len(target.elements) == 2 and isinstance(target.elements[1].value, cst.Name)):
                return False
            value = target.elements[1].value.value
        elif isinstance(target, cst.Name):
            value = target.value
        else:
            return False
        owner = facts.parent(comp)
        uses = [
            n for n in facts.iter_nodes(owner) if isinstance(n, cst.Name) and n.value == value and n is not target
            and not any(n is t for t in facts.iter_nodes(target))
        ]
        return bool(uses) and all(shape_use(n, depth + 1) for n in uses)

    parent = facts.parent(call)
    if isinstance(parent, cst.Assign) and len(parent.targets) == 1 and isinstance(parent.targets[0].target, cst.Name):
        from bnlint.facts import walk_scope

        name = parent.targets[0].target.value
        target = parent.targets[0].target
        uses = [n for n in walk_scope(fn if fn is not None else facts.module) if isinstance(n, cst.Name) and n.value == name and n is not target]
        return bool(uses) and all(shape_use(n) for n in uses)
    return shape_use(call)


def _stores_attribute(facts, value, name: str) -> bool:
    """Is ``value`` the right-hand side of `name.field = value` (not a rebinding of ``name``)?"""
    import libcst as cst

    assign = facts.parent(value)
    return isinstance(assign, cst.Assign) and all(
        isinstance(t.target, cst.Attribute) and isinstance(t.target.value, cst.Name) and t.target.value.value == name for t in assign.targets
    )


def _literal(expr) -> bool:
    """A number, string, `True`/`False`/`None`, or a negative number: not a tensor."""
    import libcst as cst

    if isinstance(expr, cst.UnaryOperation):
        expr = expr.expression
    return isinstance(expr, (cst.Integer, cst.Float, cst.SimpleString)) or (isinstance(expr, cst.Name) and expr.value in ("True", "False", "None"))


def _argument_for(facts, fn, name: str, site) -> Optional["cst.BaseExpression"]:
    """The argument a call ``site`` passes for parameter ``name`` of ``fn`` (self/cls skipped)."""
    import libcst as cst

    if fn is None or site is None or not isinstance(site, cst.Call):
        return None
    params = list(fn.params.posonly_params) + list(fn.params.params)
    if params and params[0].name.value in ("self", "cls") and isinstance(facts.parent_of_def(fn), cst.ClassDef):
        params = params[1:]
    positional = [a for a in site.args if a.keyword is None and not a.star]
    for p, a in zip(params, positional):
        if p.name.value == name:
            return a.value
    for a in site.args:
        if a.keyword is not None and a.keyword.value == name:
            return a.value
    return None


# Functions that compare or reduce tensors' values.
_VALUE_FUNCTIONS = COMPARISON_FUNCTIONS + ("eq", "ne", "abs", "max", "min", "mean", "sum", "std", "var", "norm", "dist", "sub", "subtract", "add", "mul", "div", "testing", "all", "any", "argmax", "argmin", "topk", "sort")
_PASS_THROUGH_METHODS = PASS_THROUGH_METHODS  # (same values in another form: a copy, another device or shape)
# Methods that compute with a tensor's values: an output used so is a result, not a probe.
# Calls that save or show a tensor's values as an image: a generator's samples handed to one are
# its results, whatever its input (noise is a generator's input).
_IMAGE_SINKS = frozenset({"save_image", "make_grid", "imshow", "imsave", "imwrite", "fromarray", "add_image", "add_images"})
_VALUE_METHODS = ("mean", "sum", "max", "min", "std", "var", "abs", "item", "numpy", "tolist", "argmax", "argmin", "norm", "sub", "add", "mul", "div", "eq", "allclose", "equal", "softmax", "topk", "sort")


def _converts_argument(facts, call, position: int) -> bool:
    """Is ``call`` a function of this file that hands back the values of its argument at
    ``position``, converted (`def to_numpy(t): return t.detach().cpu().numpy() if t.requires_grad
    else t.cpu().numpy()`)?  Every `return` gives that parameter, through `.data` and methods that
    keep its values (a copy, another device or dtype, a NumPy array or list)."""
    import libcst as cst

    if not isinstance(call.func, cst.Name) or any(a.star for a in call.args):
        return False
    fn = facts.function_named(call.func.value, before=call)
    params = list(fn.params.posonly_params) + list(fn.params.params) if fn is not None else []
    if fn is None or position >= len(params):
        return False
    name = params[position].name.value

    def converted(expr) -> bool:
        if isinstance(expr, cst.IfExp):
            return converted(expr.body) and converted(expr.orelse)
        while True:
            if isinstance(expr, cst.Name):
                return expr.value == name
            if isinstance(expr, cst.Attribute) and expr.attr.value == "data":
                expr = expr.value
            elif isinstance(expr, cst.Call) and isinstance(expr.func, cst.Attribute) and expr.func.attr.value in _PASS_THROUGH_METHODS + ("numpy", "tolist"):
                expr = expr.func.value
            else:
                return False

    returns = [n for n in facts.iter_nodes(fn) if isinstance(n, cst.Return)]
    return bool(returns) and all(r.value is not None and converted(r.value) for r in returns)


def _probe_use(facts, call, fn) -> bool:
    """Is the forward's output only looked at as a probe (its shape, printed, passed on, dropped)?
    An output that is computed with or compared (`bn(x) - fused(x)`, `torch.allclose(a, b)`,
    `out.mean()`) is a result, whatever the input: the mode decides the numbers."""
    import libcst as cst

    def numeric(node) -> bool:
        parent = facts.parent(node)
        if isinstance(parent, (cst.BinaryOperation, cst.UnaryOperation, cst.ComparisonTarget)):
            return True
        if isinstance(parent, cst.Comparison):
            return True
        if isinstance(parent, cst.Attribute) and parent.value is node:
            if parent.attr.value == "data":
                return numeric(parent)  # `out.cpu().data.numpy()`: the same values, through the old `.data`
            if parent.attr.value in _PASS_THROUGH_METHODS:
                # `out.detach().cpu().numpy()`: still the output's values, looked at further on.
                call = facts.parent(parent)
                return isinstance(call, cst.Call) and call.func is parent and numeric(call)
            return parent.attr.value in _VALUE_METHODS
        if isinstance(parent, cst.Subscript) and parent.value is node:
            return numeric(parent)
        if isinstance(parent, cst.Arg):
            # Compared or reduced (`torch.allclose(a, b)`, `torch.max(torch.abs(...))`); passed on
            # through a layer or activation (`F.relu(bn(x))`) it is still the probe's tensor.
            outer = facts.parent(parent)
            q = (facts.callee(outer) or "") if isinstance(outer, cst.Call) else ""
            if q.rsplit(".", 1)[-1] in _IMAGE_SINKS:
                return True  # `save_image(fake, ...)`, `plt.imshow(out)`: its pixel values are the result
            if isinstance(outer, cst.Call) and parent.keyword is None and _converts_argument(facts, outer, outer.args.index(parent)):
                return numeric(outer)  # `to_numpy(torch_out)`, a helper of this file returning its values
            return q.split(".")[0] in ("torch", "np", "numpy") and q.rsplit(".", 1)[-1] in _VALUE_FUNCTIONS
        return False

    parent = facts.parent(call)
    if isinstance(parent, cst.Assign) and len(parent.targets) == 1:
        target = parent.targets[0].target
        names = {n.value for n in facts.iter_nodes(target) if isinstance(n, cst.Name)}
        if not names:
            return not numeric(call)
        scope = fn if fn is not None else facts.module
        bound = set(facts.iter_nodes(target))
        from bnlint.facts import walk_scope

        # Uses in this scope only: an `out` in another function or class is another variable.
        uses = [n for n in walk_scope(scope) if isinstance(n, cst.Name) and n.value in names and n not in bound]
        return not any(numeric(n) for n in uses)
    return not numeric(call)


def _fit(what: str, do: str) -> str:
    """``what``: ``do``, within about ``SUMMARY_WIDTH`` characters (a long model name is cut)."""
    from bnlint.rule import SUMMARY_WIDTH

    line = f"{what}: {do}"
    return line if len(line) <= SUMMARY_WIDTH + 20 else line[: SUMMARY_WIDTH + 17] + "..."


def _simple_name(label: str) -> bool:
    return all(part.isidentifier() for part in label.split("."))
