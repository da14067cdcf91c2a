"""``bnlint.effects``: what a project function does to the models handed to it, read from its module
through the project index (``ProjectIndex.function_effects`` / ``method_effect``)."""
import os
import textwrap

import pytest

from bnlint.effects import ENTRY, EVAL, TRAIN, UNKNOWN
from bnlint.inventory import ProjectIndex

HELPERS = textwrap.dedent(
    """\
    from contextlib import contextmanager
    import torch
    from .inner import deep_eval

    @torch.no_grad()
    def accuracy(model, loader):
        return sum((model(x).argmax(1) == y).sum() for x, y in loader)

    def validate(model, loader):
        model.eval()
        with torch.no_grad():
            return [model(x) for x, _ in loader]

    def fit(model, loader, opt):
        for x, y in loader:
            opt.zero_grad()
            model(x).sum().backward()
            opt.step()

    def fit_in_train_mode(net, loader, opt):
        net.train()
        fit(net, loader, opt)

    def chained(net):
        net = net.cuda().eval()
        return net

    def fit_and_score(model, loader, opt, epochs):
        for epoch in range(epochs):
            model.train()
            fit(model, loader, opt)
            print(accuracy(model, loader))

    @torch.no_grad()
    def update_bn_stats(model, loader):
        for x in loader:
            model(x)

    def restoring(model, loader):
        was = model.training
        model.eval()
        out = [model(x) for x in loader]
        model.train(was)
        return out

    def sometimes(model, flag):
        if flag:
            model.eval()

    def hands_off(model, tracker):
        tracker.register(model)

    def through_other_module(model):
        deep_eval(model)

    def freeze_bn(model):
        for m in model.modules():
            if isinstance(m, torch.nn.BatchNorm2d):
                m.eval()

    def only_reads(model, path):
        torch.save(model.state_dict(), path)

    def recursive(model, n):
        if n:
            recursive(model, n - 1)

    @contextmanager
    def evaluating(model):
        was = model.training
        model.eval()
        try:
            yield
        finally:
            model.train(was)

    class Net(torch.nn.Module):
        def freeze(self):
            self.apply(set_bn_eval)

        def setup(self):
            self.eval()

        def configure(self):
            self.setup()

        @torch.no_grad()
        def predict(self, x):
            return self(x)

        def train_a_batch(self, x, opt):
            self.train()
            if self.backbone_frozen:
                self.backbone.eval()
            self(x).sum().backward()
            opt.step()

    def set_bn_eval(m):
        if isinstance(m, torch.nn.BatchNorm2d):
            m.eval()
    """
)


@pytest.fixture
def project(tmp_path):
    pkg = tmp_path / "pkg"
    pkg.mkdir()
    (pkg / "__init__.py").write_text("from .helpers import accuracy as acc\n")
    (pkg / "helpers.py").write_text(HELPERS)
    (pkg / "inner.py").write_text("def deep_eval(m):\n    m.eval()\n")
    main = tmp_path / "train.py"
    main.write_text("")
    return ProjectIndex(root=str(tmp_path)), str(main)


def effect(project, name, param="model"):
    index, main = project
    summary = index.function_effects(main, f"pkg.helpers.{name}")
    assert summary is not None
    return summary.effects.get(param)


def test_evaluation_in_the_callers_mode(project):
    e = effect(project, "accuracy")
    assert e.exit == ENTRY
    assert [(sorted(kinds), trained) for kinds, trained, _ in e.forwards] == [(["no_grad"], False)]


def test_eval_left_behind(project):
    e = effect(project, "validate")
    assert (e.exit, e.forwards, e.steps) == (EVAL, (), (("mode", EVAL),))
    assert effect(project, "chained", "net").exit == EVAL  # `net = net.cuda().eval()`


def test_training_in_the_callers_mode_and_in_its_own(project):
    fit = effect(project, "fit")
    assert fit.exit == ENTRY and [trained for _, trained, _ in fit.forwards] == [True]
    own = effect(project, "fit_in_train_mode", "net")
    assert own.exit == TRAIN and own.forwards == () and own.steps == (("mode", TRAIN), ("train", TRAIN))


def test_restored_mode_is_the_callers(project):
    # Its forwards run in eval mode and the mode is put back.
    e = effect(project, "restoring")
    assert e.exit == ENTRY and e.forwards == () and e.steps == (("mode", EVAL), ("mode", ENTRY))


def test_mode_on_some_paths_or_handed_to_unknown_code_is_unknown(project):
    assert effect(project, "sometimes").exit == ENTRY + "|" + EVAL  # as it came, or eval
    assert effect(project, "hands_off").exit == UNKNOWN
    assert effect(project, "recursive").exit == UNKNOWN  # its own recursive call is not followed


def test_evaluation_after_its_own_train(project):
    e = effect(project, "fit_and_score")
    assert ("eval", "eval_fn,no_grad") in e.steps and e.steps[0] == ("mode", TRAIN)


def test_recalibration_is_neither_evaluation_nor_training(project):
    assert effect(project, "update_bn_stats") is None


def test_helpers_of_other_modules_are_followed(project):
    assert effect(project, "through_other_module").exit == EVAL


def test_freeze_helper_and_harmless_uses(project):
    e = effect(project, "freeze_bn")
    assert e.freezes_bn and e.exit == ENTRY
    assert effect(project, "only_reads") is None  # nothing happens to the model


def test_context_manager_mode_at_yield_and_after(project):
    e = effect(project, "evaluating")
    assert (e.at_yield, e.exit) == (EVAL, ENTRY)


def test_reexport_through_package_init(project):
    index, main = project
    summary = index.function_effects(main, "pkg.acc")
    assert summary is not None and summary.name == "accuracy"


def test_methods_of_an_imported_class(project):
    index, main = project
    assert index.method_effect(main, "pkg.helpers.Net", "freeze").freezes_bn
    assert index.method_effect(main, "pkg.helpers.Net", "configure").exit == EVAL  # through self.setup()
    predict = index.method_effect(main, "pkg.helpers.Net", "predict")
    assert [sorted(kinds) for kinds, _, _ in predict.forwards] == [["eval_fn", "no_grad"]]
    assert index.method_effect(main, "pkg.helpers.Net", "missing") is None
    # `self.train()`, then the backbone's BN back in eval, then training: in that order.
    step = index.method_effect(main, "pkg.helpers.Net", "train_a_batch")
    assert step.steps == (("mode", TRAIN), ("freeze", ""), ("train", TRAIN))


def test_parameters_by_position_and_keyword(project):
    index, main = project
    summary = index.function_effects(main, "pkg.helpers.fit")
    assert summary.parameter_for(0, None) == "model"
    assert summary.parameter_for(None, "opt") == "opt"
    assert summary.parameter_for(None, "nope") is None and summary.parameter_for(5, None) is None


def test_not_a_project_function(project):
    index, main = project
    assert index.function_effects(main, "torch.no_grad") is None
    assert index.function_effects(main, "pkg.helpers.missing") is None


FACTORIES = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "fixtures", "crossfile", "factories")


@pytest.mark.parametrize(
    "factory, expected",
    [
        ("zoo.get_model", ((TRAIN, True), None, None)),  # one of two models, one with BN; optimizer and loss are not models
        ("zoo.get_pretrained", ((EVAL, True), None)),  # `model.eval()` before the return
        ("zoo.get_restored", ((UNKNOWN, True), None)),  # handed to a helper before the return
        ("zoo.get_tagger", ((TRAIN, False), None)),  # dropout and no BN
        ("zoo.get_baseline", None),  # no BN at any position
        ("zoo.load_checkpoint", None),  # returns no tuple
    ],
)
def test_models_returned_in_a_tuple(factory, expected):
    index = ProjectIndex(FACTORIES)
    assert index.returned_models(os.path.join(FACTORIES, "evaluate_tuple_factory.py"), factory) == expected


def test_literal_arguments_decide_the_helpers_branches():
    """`train_and_maybe_score(..., skip_epoch_stats=True)` skips the `.eval()`: the model leaves in
    train mode; with the literal default (False) the helper leaves it in eval mode."""
    helpers = os.path.join(os.path.dirname(FACTORIES), "helpers")
    index = ProjectIndex(helpers)
    effects = index.function_effects(os.path.join(helpers, "skip_flag_literal.py"), "engine.train_and_maybe_score")
    unspecialised = effects.effects.get("model")
    skipped = effects.specialised({**effects.literal_defaults(), "skip_epoch_stats": True}).effects.get("model")
    scored = effects.specialised(effects.literal_defaults()).effects.get("model")
    assert unspecialised.exit != skipped.exit
    assert skipped.exit in (TRAIN, ENTRY + "|" + TRAIN)
    assert scored.exit in (EVAL, ENTRY + "|" + EVAL)
    assert effects.literal_defaults() == {"skip_epoch_stats": False}


EVALUATORS = textwrap.dedent(
    """\
    import contextlib
    import torch
    import torch.nn as nn

    class Evaluator:
        def __init__(self, model, loader, device="cpu"):
            self.model = nn.DataParallel(model.to(device))
            self.loader = loader

        def score(self):
            self.model.eval()
            with torch.no_grad():
                return [self.model(x) for x, _ in self.loader]

        def score_in_given_mode(self):
            return [self._forward(x) for x, _ in self.loader]

        def _forward(self, x):
            return self.model(x)

        @contextlib.contextmanager
        def _mode(self, training):
            was = self.model.training
            self.model.train(training)
            yield
            self.model.train(was)

        def score_restoring(self):
            with self._mode(False):
                return [self.model(x) for x, _ in self.loader]

    class Switching:
        def __init__(self, model):
            self.model = model
            self.model.eval()

    class Net(nn.Module):
        def __init__(self, backbone):
            super().__init__()
            self.backbone = backbone
    """
)


def test_a_plain_class_keeps_what_its_constructor_stores(tmp_path):
    (tmp_path / "evaluators.py").write_text(EVALUATORS)
    index = ProjectIndex(str(tmp_path))
    caller = str(tmp_path / "run.py")
    # Stored through `.to(device)` and a DataParallel wrap; `loader` is no module, kept as well.
    assert index.kept_arguments(caller, "evaluators.Evaluator") == (("model", "loader", "device"), {"model": "model", "loader": "loader"})
    assert index.kept_arguments(caller, "evaluators.Switching") is None  # its constructor switches a mode itself
    assert index.kept_arguments(caller, "evaluators.Net") is None  # an nn.Module: a wrapper, not a keeper


def test_a_method_of_a_keeping_class_acts_on_the_stored_model(tmp_path):
    (tmp_path / "evaluators.py").write_text(EVALUATORS)
    index = ProjectIndex(str(tmp_path))
    caller = str(tmp_path / "run.py")
    score = index.attribute_method_effect(caller, "evaluators.Evaluator", "score", "model")
    assert score.exit == EVAL and score.forwards == ()
    given = index.attribute_method_effect(caller, "evaluators.Evaluator", "score_in_given_mode", "model")
    assert given.exit == ENTRY and [kinds for kinds, _, _ in given.forwards] == [frozenset({"eval_fn"})]  # through `self._forward()`
    restoring = index.attribute_method_effect(caller, "evaluators.Evaluator", "score_restoring", "model")
    assert restoring.exit == ENTRY and restoring.forwards == ()  # its body runs in eval mode, restored after
    assert index.attribute_method_effect(caller, "evaluators.Evaluator", "missing", "model") is None



def test_a_helper_over_the_list_of_models_it_is_handed():
    """`set_mode("eval", [encoder, decoder])`: each model of the list gets one run of the loop's
    body (the `None` test is False for a model the caller hands over); the list parameter itself
    is no model."""
    project = os.path.join(os.path.dirname(FACTORIES), "mode_list_helper")
    index = ProjectIndex(project)
    caller = os.path.join(project, "train.py")
    effects = index.function_effects(caller, "modes_util.set_mode")
    assert effects.effects.get("models") is None  # never used as a module itself
    assert effects.specialised({"mode": "eval"}).effects.get("models", element=True).exit == EVAL
    assert effects.specialised({"mode": "train"}).effects.get("models", element=True).exit == TRAIN
    assert effects.effects.get("models", element=True).exit == UNKNOWN  # the mode is not known
    evaluate_all = index.function_effects(caller, "modes_util.evaluate_all")
    assert evaluate_all.effects.get("models", element=True).exit == EVAL


ATTACKS = textwrap.dedent(
    """\
    import torch
    import torch.nn.functional as F

    def pgd(model, x, y, eps, steps):
        delta = torch.zeros_like(x, requires_grad=True)
        for _ in range(steps):
            F.cross_entropy(model(x + delta), y).backward()
            delta.data = (delta + eps * delta.grad.sign()).clamp(-eps, eps)
        return delta.detach()

    def saliency(model, x):
        x = x.clone().requires_grad_(True)
        (grad,) = torch.autograd.grad(model(x).max(), x)
        return grad

    def train_step(model, x, y, opt):
        opt.zero_grad()
        F.cross_entropy(model(x), y).backward()
        opt.step()
    """
)


def test_a_helper_that_back_propagates_to_an_input_trains_nothing(tmp_path):
    """An attack or a saliency map back-propagates to its input and steps no optimizer: its forwards
    are neither training (BN006 would see eval "leak" into it) nor evaluation; a training step is."""
    (tmp_path / "attacks.py").write_text(ATTACKS)
    index = ProjectIndex(str(tmp_path))
    caller = str(tmp_path / "train.py")
    for name in ("pgd", "saliency"):
        effect = index.function_effects(caller, f"attacks.{name}").effects.get("model")
        assert effect is None or (effect.forwards == () and effect.exit == ENTRY), (name, effect)
    step = index.function_effects(caller, "attacks.train_step").effects.get("model")
    assert [trained for _, trained, _ in step.forwards] == [True]


def test_a_model_handed_on_by_keyword_gets_the_callees_effect(tmp_path):
    """`train_step(model=model, ...)` then `test_step(model=model, ...)` each epoch: the epoch loop
    ends in eval mode (or, with no epoch, as it came), as with positional arguments."""
    (tmp_path / "engine.py").write_text(textwrap.dedent(
        """\
        import torch

        def train_step(model, dataloader, optimizer):
            model.train()
            for x, y in dataloader:
                optimizer.zero_grad()
                model(x).sum().backward()
                optimizer.step()

        def test_step(model, dataloader):
            model.eval()
            with torch.inference_mode():
                return [model(x) for x, _ in dataloader]

        def train(model, train_dataloader, test_dataloader, optimizer, epochs):
            for epoch in range(epochs):
                train_step(model=model, dataloader=train_dataloader, optimizer=optimizer)
                test_step(dataloader=test_dataloader, model=model)
        """
    ))
    index = ProjectIndex(str(tmp_path))
    effect = index.function_effects(str(tmp_path / "main.py"), "engine.train").effects.get("model")
    assert effect.exit == ENTRY + "|" + EVAL
    assert [what for kind, what in effect.steps if kind == "mode"] == [TRAIN, EVAL, TRAIN, EVAL]


@pytest.mark.parametrize(
    "body, expected",
    [
        ("best_acc, best = 0.0, None\n    for _ in range(3):\n        best = model\n    return best", "model"),
        ("model = model.to('cuda')\n    return model", "model"),
        ("return model.cuda()", "model"),
        ("import copy\n    return copy.deepcopy(model)", None),  # a copy is another object
        ("if loader:\n        return model\n    return loader", None),  # two objects
        ("def inner(model):\n        return model\n    return 1", None),  # the nested scope's return
        ("pass", None),
    ],
)
def test_the_parameter_a_function_hands_back(tmp_path, body, expected):
    (tmp_path / "helpers.py").write_text(f"def helper(model, loader):\n    {body}\n")
    index = ProjectIndex(str(tmp_path))
    assert index.function_effects(str(tmp_path / "main.py"), "helpers.helper").returned_parameter() == expected


def test_a_method_called_on_the_parameter_is_a_step_for_the_caller(tmp_path):
    """`model.val_start()` in a helper: the helper cannot tell what it does (the object's class is
    the caller's to know), so it hands the call on as a step, in order with the rest; a helper of
    the helper hands it on too."""
    (tmp_path / "helpers.py").write_text(textwrap.dedent(
        """\
        import torch

        def encode(model, loader):
            model.val_start()
            with torch.no_grad():
                return [model.forward_emb(x) for x in loader]

        def validate(model, loader):
            out = encode(model, loader)
            model.train_start()
            return out
        """
    ))
    index = ProjectIndex(str(tmp_path))
    caller = str(tmp_path / "main.py")
    encode = index.function_effects(caller, "helpers.encode").effects.get("model")
    assert [s for s in encode.steps if s[0] == "method"] == [("method", "val_start"), ("method", "forward_emb")]
    validate = index.function_effects(caller, "helpers.validate").effects.get("model")
    assert [s for s in validate.steps if s[0] == "method"] == [("method", "val_start"), ("method", "forward_emb"), ("method", "train_start")]


HOLDERS = textwrap.dedent(
    """\
    import torch

    def predict(ctx, x):
        with torch.no_grad():
            return ctx.model(x.to(ctx.device))

    def predict_entry(bundle, x):
        with torch.no_grad():
            return bundle["model"](x)

    def prepare(bundle):
        bundle["model"].eval()

    def gan_step(nets, z):
        return nets.D(nets.G(z))

    def hands_on(ctx):
        register(ctx)

    def loops(bundle):
        for m in bundle.values():
            m.eval()

    def swaps(ctx, other):
        ctx.model = other
    """
)


def member(tmp_path, name, param, attr, siblings=()):
    (tmp_path / "holders.py").write_text(HOLDERS)
    main = tmp_path / "main.py"
    main.write_text("")
    summary = ProjectIndex(root=str(tmp_path)).function_effects(str(main), f"holders.{name}")
    assert summary is not None
    return summary.effects.member(param, attr, frozenset(siblings))


def test_a_holders_member_read_as_attribute_or_entry(tmp_path):
    """`ctx.model` and `bundle["model"]` are the model the caller put in the holder."""
    for name, param in (("predict", "ctx"), ("predict_entry", "bundle")):
        e = member(tmp_path, name, param, "model")
        assert e.exit == ENTRY and [("no_grad" in kinds, trained) for kinds, trained, _ in e.forwards] == [(True, False)]
    assert member(tmp_path, "prepare", "bundle", "model").exit == EVAL
    assert member(tmp_path, "predict", "ctx", "encoder", siblings=("model",)) is None  # a member it does not use


def test_a_holders_other_models_are_their_own_forwards(tmp_path):
    e = member(tmp_path, "gan_step", "nets", "G", siblings=("D",))
    assert e.exit == ENTRY and len(e.forwards) == 1
    assert member(tmp_path, "gan_step", "nets", "G").exit == UNKNOWN  # `nets.D(...)`: a method, as far as it knows


def test_a_holder_used_in_ways_not_followed_leaves_its_models_unknown(tmp_path):
    for name in ("hands_on", "loops", "swaps"):
        param = "bundle" if name == "loops" else "ctx"
        assert member(tmp_path, name, param, "model").exit == UNKNOWN, name


CONSTRUCTORS = textwrap.dedent(
    """
    import copy


    class Shadow:
        def __init__(self, model, decay):
            self.copy = copy.deepcopy(model)
            self.copy.eval()
            self.decay = decay


    class Keeper:
        def __init__(self, model):
            self.model = model
            self.model.eval()


    class EvalsWithoutKeeping:
        def __init__(self, model):
            model.eval()


    def shadow_of(model):
        return Shadow(model, 0.99)


    def keeper_of(model):
        return Keeper(model)


    def evaluator_of(model):
        return EvalsWithoutKeeping(model)
    """
)


def test_constructors_in_summaries(tmp_path):
    """A function that builds an object from the model: a class keeping only a deepcopy leaves the
    model as it was; one keeping the model itself is unknown afterwards (its methods may switch
    it); one switching it without keeping it switches it."""
    (tmp_path / "holders.py").write_text(CONSTRUCTORS)
    main = tmp_path / "train.py"
    main.write_text("")
    index = ProjectIndex(root=str(tmp_path))
    def exit_of(name):
        effect = index.function_effects(str(main), f"holders.{name}").effects.get("model")
        return ENTRY if effect is None else effect.exit  # (None: nothing happens to it)

    exits = {name: exit_of(name) for name in ("shadow_of", "keeper_of", "evaluator_of")}
    assert exits == {"shadow_of": ENTRY, "keeper_of": UNKNOWN, "evaluator_of": EVAL}
    # The mode analysis follows kept objects itself: a class is no function to it.
    assert index.function_effects(str(main), "holders.Shadow") is None
