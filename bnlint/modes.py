"""Train/eval state of model objects, in statement order, through helpers and callers in one file.

This is the shared analysis behind BN001 (missing-eval), BN006 (eval-not-restored)
and BN014 (train-reenables-frozen-bn).  It is a small abstract interpreter over
the libcst tree of one module:

* **Objects.**  A model object is created where a BatchNorm-bearing module is
  built (``model = Net()``, ``resnet50()``, ``timm.create_model``: decided by
  :meth:`Facts.expr_holds_bn`) and is then followed through aliases
  (``net = model.module``, ``model = DDP(model)``, ``model.to(device)``),
  copies (``copy.deepcopy``, ``AveragedModel``: a new object with the copied
  mode), ``self.<attr>`` attributes, call arguments and return values.

* **States.**  Each object's state is a *set* of values (a may-analysis: the
  join of all paths).  A value says the mode (``T`` train, ``E`` eval, ``?``
  unknown), where it was set (the call chain of the ``.train()``/``.eval()``),
  whether an explicit ``.train()`` has not been followed by training yet
  ("fresh": MC-dropout, Tent, a mean teacher), the BN006 loop mark (an
  ``.eval()`` that reached the next iteration through the loop's back edge),
  and BN014's partial freeze (``model.apply(set_bn_eval)``, a loop over
  ``model.modules()`` calling ``m.eval()``, ``model.backbone.eval()``) and
  which ``.train()`` undid it.

* **Calls.**  Functions and ``self.<method>`` calls defined in the file are
  analysed *inline*, with the caller's state (so ``model.eval()`` before
  ``evaluate(model)`` counts, and ``.eval()`` inside a helper changes the
  caller's state after the call).  Functions never called in the file are
  analysed on their own with unknown parameters, which are never reported.
  A call of an unknown function that receives a tracked model makes its state
  unknown (it may switch modes).

* **Loops.**  The state at a loop head is the join of the entry state and the
  back-edge state, iterated to a fixpoint.

The result lists, for every model forward call, the states it was reached
with and the evaluation context it runs in; the rules only filter and word it.
Nothing here imports torch or the linted code.
"""
from __future__ import annotations

import ast

import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Callable, Dict, FrozenSet, Iterable, List, Optional, Sequence, Set, Tuple, Union

import libcst as cst

from bnlint.astwalk import walk as ast_walk
from bnlint.calls import COMPARISON_FUNCTIONS, COPY_CALLS, OPTIMIZER_STEP_METHODS, PASS_THROUGH_METHODS, PLAIN_MODULE_METHODS, WEIGHT_LOADING_METHODS, WRAPPER_LEAVES, iterated_source, keeps_modes
from bnlint.inventory import MODULE_METHODS_KEEPING_MODE as KEEPS_MODE

_LIGHTNING_TRAINERS = frozenset({
    "pytorch_lightning.Trainer", "pytorch_lightning.trainer.Trainer", "pytorch_lightning.trainer.trainer.Trainer",
    "lightning.Trainer", "lightning.pytorch.Trainer", "lightning.pytorch.trainer.Trainer", "lightning.pytorch.trainer.trainer.Trainer",
})  # fmt: skip
_LIGHTNING_TRAINER_METHODS = frozenset({"fit", "validate", "test", "predict"})
from bnlint.inventory import built_in_eval_mode as inv_built_in_eval_mode
from bnlint.inventory import DROPOUT_HEADS
from bnlint.inventory import ALTERNATE_CONSTRUCTORS, PLAIN_LIBRARY_BASES, class_method, factory_holds_bn
from bnlint.summaries import kept_parameters, looks_non_bn
from bnlint.eval_names import RECALIBRATION_RE, RUNNING_STATS, STATS_RESET_METHODS, eval_data_verdict, is_called_eval_routine_name, is_eval_routine_name
from bnlint.eval_names import is_inference_method_name as _is_inference_method_name
if TYPE_CHECKING:  # pragma: no cover
    from bnlint.summaries import Construction
from bnlint.facts import BN_TRUNKS, NOT_LITERAL, Facts, _children, all_params, callee_dotted, dotted, literal_value, params_of, root_name, unmoved, walk, walk_scope

TRAIN, EVAL, UNKNOWN = "T", "E", "?"

# Tracing runs a forward and records it (BN001: a trace in train mode bakes in batch statistics).
_TRACE_CALLS = frozenset({"torch.jit.trace", "torch.jit.trace_module"})
# Calls that do not return: the path that reaches them ends there.
_EXIT_CALLS = {"sys.exit", "exit", "quit", "os._exit", "os.abort"}
# What puts trained weights into a model, or builds it with them.
# Calls that build a dict or namespace from keyword arguments (or from one dict display).
_NAMESPACE_CALLS = frozenset({"dict", "types.SimpleNamespace", "argparse.Namespace", "easydict.EasyDict", "addict.Dict", "munch.Munch"})
# Methods of a dict or namespace that leave what it holds as it is.
_BUNDLE_READS = frozenset({"get", "keys", "__contains__", "copy", "__len__"})
_WEIGHT_KEYWORDS = {"pretrained", "weights", "encoder_weights", "pretrained_backbone", "checkpoint", "ckpt", "weights_path", "pretrained_path"}
# Calls on a model (or a part of it) that may change what mode it, or its BN layers, run in.
# Methods of library models that run the model's forward (decoding): method -> library prefix.
_LIBRARY_FORWARD_METHODS = {"generate": "transformers."}
_MODE_CHANGING_METHODS = {"eval", "train", "apply", "modules", "named_modules", "children", "named_children", "requires_grad_"}

# A GAN's generators: `G`, `netG`, `generator`, and the paired ones of image-to-image translation
# (`G_AB`, `G_BA`, `netG_A`).
# Calls a model may be handed to that train nothing: printing, saving, graph and summary views.
_PARTIAL_CALLS = frozenset({"functools.partial"})
_ACCELERATOR_PASSTHROUGH = frozenset({"prepare", "prepare_model", "unwrap_model"})
_CANNOT_TRAIN = frozenset({"print", "repr", "str", "len", "type", "id", "isinstance", "hasattr", "save", "add_graph", "summary", "export", "count_parameters"})
_GENERATOR_RE = re.compile(r"^(g|g_ema|netg|gen|generator|g_net|decoder|dec|sampler)$|(^|_)(netg|generator|gen)(_|$)|^(g|netg)_[a-z]{1,2}$", re.IGNORECASE)

MAX_STEPS = 200_000
MAX_DEPTH = 8
MAX_LOOP_ITERS = 6


class _Abort(Exception):
    pass


@dataclass(eq=False)
class Obj:
    """One model object (identity)."""

    label: str
    holds_bn: bool
    cls_name: Optional[str] = None
    keeps_bn_eval: bool = False  # its class overrides train() to put BN back in eval
    created_at: Optional[cst.CSTNode] = None
    # Its constructor puts every part with BatchNorm or dropout in eval (`self.encoder.eval()`
    # beside a prompt it tunes): an `.eval()` of the whole leaves what trains as it was.
    parts_built_in_eval: bool = False
    # A parameter of a function analysed on its own: a model may come in, with or without BN
    # (BN001 needs BN evidence; an `.eval()` that leaks into training is wrong for any model).
    is_parameter: bool = False
    # Trained weights went into it (`load_state_dict`, `pretrained=True`, `torch.load`): running it
    # on data where nothing trains is inference, not a demo of a random network.
    has_weights: bool = False
    # No BN, but a dropout layer: evaluating it in train mode gives random outputs (BN001).
    holds_dropout: bool = False
    # A parameter whose content its callers in other project modules decide: the call site that
    # hands it a model with BatchNorm or dropout (``bnlint.callers.CallerEvidence``).
    from_caller: Any = None
    # Handed over by a caller of this file that built it with something the analysis resolved
    # (a function or class here, a known library factory) and found without BN or dropout (a
    # torchvision detector with frozen BN): its content is known, not unknown.
    built_plain: bool = False
    # ``built_plain`` decided from the very argument a call of this file hands over (not from
    # some caller in another module): the model in this run is known to hold neither.
    plain_argument: bool = False
    # An instance of a plain project class of another module that builds models in its
    # constructor (VSE++'s `VSE` with `self.img_enc`, `self.txt_enc`): those parts, by attribute;
    # its methods act on them as their summaries say (``ProjectIndex.attribute_method_effect``).
    parts: Optional[Dict[str, "Obj"]] = None
    # The composite this model is a part of (`model.img_enc` of a `VSE`): its own methods, not
    # `.train()` on the part, are how the code switches it.
    part_of: Optional["Obj"] = None
    # A holder of models it was handed (``parts`` are those objects, not new ones): a dict or
    # namespace (`{"model": net, "device": dev}`, `SimpleNamespace(model=net)`), a dataclass, or a
    # plain class that stores its arguments (`self.model = model`).  Per part, the argument
    # expression that handed it over, for messages and fixes.
    handed: Optional[Dict[str, cst.BaseExpression]] = None
    # An instance of a plain class of this file: its methods run inline, on the attributes its
    # constructor stored.
    local_class: Optional[cst.ClassDef] = None
    # A dict holder: its members are read by key (`args["model"]`), as messages spell them.
    keyed: bool = False
    # A module that keeps this model as a submodule (`Perturb(core)` with `self.inner = inner`):
    # its `.eval()`/`.train()` (and a BN freeze) reach the model, as `nn.Module.train` recurses.
    wraps: Optional["Obj"] = None
    # Its class builds no BatchNorm or dropout of its own: its mode is the wrapped model's, so a
    # switch of that model is a switch of it too.
    only_wraps: bool = False

    @property
    def mode_sensitive(self) -> bool:
        """Does its output depend on its mode (BatchNorm or dropout in it)?"""
        return self.holds_bn or self.holds_dropout


@dataclass(frozen=True)
class Val:
    mode: str
    origin: Tuple[cst.CSTNode, ...] = ()  # call chain of the mode-setting call (outermost first)
    frame: int = 0
    fresh: bool = False  # explicit .train() not yet followed by training
    mark: Optional[Tuple[cst.CSTNode, cst.CSTNode]] = None  # (loop, node reached through the back edge)
    frozen: Optional[cst.CSTNode] = None  # BN put in eval here (partial freeze)
    unfrozen: Optional[Tuple[cst.CSTNode, cst.CSTNode]] = None  # (.train() call, freeze site) that undid it
    entry: bool = False  # a parameter's mode as the function was entered (a caller's model: train unless told)
    # The branches of a configuration flag this value was reached under (`if args.freeze_bn:` ->
    # ("args.freeze_bn", True)): a later `if` on the same flag keeps only the values that agree.
    guards: FrozenSet[Tuple[str, bool]] = frozenset()
    # Eval mode that a saved mode puts back (`if was_training: model.train()` not taken: the model
    # was in eval before), not an evaluation's switch that leaks into training (BN006).
    restored: bool = False
    # Eval mode set in an iteration of this training loop after train mode was set in the same
    # iteration (`model.train()` ... `model.predict(x)` calling `self.eval()`): a training forward
    # later in that iteration trains in eval mode although the step chose train mode (BN006).
    over_train: Optional[cst.CSTNode] = None

    def replace(self, **kw) -> "Val":
        data = dict(
            over_train=self.over_train,
            restored=self.restored,
            guards=self.guards,
            mode=self.mode,
            origin=self.origin,
            frame=self.frame,
            fresh=self.fresh,
            mark=self.mark,
            frozen=self.frozen,
            unfrozen=self.unfrozen,
            entry=self.entry,
        )
        data.update(kw)
        return Val(**data)


class State:
    __slots__ = ("vars", "modes")

    def __init__(self, vars: Optional[Dict[tuple, Optional[Obj]]] = None, modes: Optional[Dict[Obj, FrozenSet[Val]]] = None) -> None:
        self.vars: Dict[tuple, Optional[Obj]] = vars if vars is not None else {}
        self.modes: Dict[Obj, FrozenSet[Val]] = modes if modes is not None else {}

    def copy(self) -> "State":
        return State(dict(self.vars), dict(self.modes))

    def same(self, other: "State") -> bool:
        return self.modes == other.modes and self.vars == other.vars


def join(states: Iterable[Optional[State]], keep: Iterable[Optional[Obj]] = ()) -> Optional[State]:
    """The state after paths that meet.  An object no name refers to any more on a path (its name
    was bound to something else: `model = other`) contributes nothing from that path: its mode
    there can reach no later use.  ``keep``: objects that are reachable otherwise (returned)."""
    live = [s for s in states if s is not None]
    if not live:
        return None
    if len(live) == 1:
        return live[0].copy()
    out = State()
    for s in live:
        for k, v in s.vars.items():
            if k not in out.vars or out.vars[k] is None:
                out.vars[k] = v
    kept = {id(o) for o in keep if o is not None}
    kept.update(id(p) for o in keep if o is not None and o.parts for p in o.parts.values())
    for s in live:
        reachable = set(kept)
        for v in s.vars.values():
            if isinstance(v, tuple):  # the models of a list (``_members_key``)
                reachable.update(id(o) for o in v)
            elif v is not None:
                reachable.add(id(v))
                if v.parts:  # the models a composite holds (``ModesAnalysis._composite``)
                    reachable.update(id(o) for o in v.parts.values())
        for obj, vals in s.modes.items():
            if id(obj) in reachable:
                out.modes[obj] = out.modes.get(obj, frozenset()) | vals
    return out


@dataclass
class Frame:
    fn: Optional[cst.FunctionDef]  # None for the module body
    act: int
    parent_act: Optional[int]  # activation that holds the free variables (closure / module)
    cls: Optional[cst.ClassDef]
    callsite: Optional[cst.Call]
    inherited: FrozenSet[str] = frozenset()  # evaluation contexts of the call site(s) above
    returns: List[Optional[State]] = field(default_factory=list)
    returned_objs: List[Optional[Obj]] = field(default_factory=list)
    # `return model, optimizer`: the models at each position of each returned tuple (None: not a tuple)
    returned_items: List[Optional[Tuple[Optional[Obj], ...]]] = field(default_factory=list)
    breaks: List[List[State]] = field(default_factory=list)
    continues: List[List[State]] = field(default_factory=list)
    # Parameters bound to a literal in this call (`fit(model, loader, None)`, or a literal default
    # left in place) and never reassigned in the function: branches they rule out are not taken.
    literals: Dict[str, object] = field(default_factory=dict)
    # Names this frame bound to a literal (`classify = False`): candidates for ``literals``.
    constants: Dict[str, object] = field(default_factory=dict)


@dataclass
class ForwardObs:
    """A forward call of a tracked model, in one calling context (joined over loop iterations)."""

    node: cst.Call
    obj: Obj
    chain: Tuple[cst.CSTNode, ...]  # call sites of the inline stack
    label: str
    kinds: Set[str] = field(default_factory=set)  # evaluation contexts: no_grad, eval_fn, val_loop
    lexical_kinds: Set[str] = field(default_factory=set)
    vals: Set[Val] = field(default_factory=set)
    excluded: bool = False
    loops: Set[Optional[cst.CSTNode]] = field(default_factory=set)  # innermost active loop
    # The innermost loop with the call chain of the frame that runs it: one execution of that loop
    # (a helper's loop runs once per call of the helper: `run_epoch(train=True)` then, under
    # no_grad, `run_epoch(train=False)` are two runs of the same loop).
    loop_runs: Set[Tuple[Optional[cst.CSTNode], tuple]] = field(default_factory=set)
    # Every loop active at the forward, through the inline stack (`for epoch ...` of the caller).
    outer_loops: Set[cst.CSTNode] = field(default_factory=set)
    fn: Optional[cst.FunctionDef] = None
    callers: Tuple[Tuple[str, cst.CSTNode], ...] = ()
    # Run by a function of another module that ``node`` calls: "`evaluate()` (utils.py:12)".
    via: Optional[str] = None
    # The model is an argument of ``node`` (`student.distillation_loss(x, y, teacher)`,
    # `evaluate(model, loader)`), run inside the callee: not the call's own forward.
    handed_in: bool = False
    # A forward of a model with trained weights outside any evaluation context, in a file that
    # trains something: inference when nothing may train this model (``ModesAnalysis.run``).
    maybe_inference: bool = False
    # Run by an inference method from the state a training method of its class leaves
    # (``ModesAnalysis._run_estimators``): that training method.
    after: Optional[cst.FunctionDef] = None

    @property
    def is_eval_context(self) -> bool:
        return bool(self.kinds)


@dataclass
class EvalLeak:
    """BN006: ``.eval()`` (at ``node``) reached the next iteration's training forward of ``obj``."""

    node: cst.CSTNode
    loop: cst.CSTNode
    obj: Obj
    label: str
    use: cst.Call
    # The training it reached is not the loop's next iteration but a later one, after the loop
    # (a learning-rate sweep or a second training phase run without `.train()`).
    after_loop: bool = False
    # The training it reached is later in the same step: the step put it in train mode, then
    # something in the step put it in eval (`model.predict(x)` calling `self.eval()`) before the
    # forward it trains on.
    in_step: bool = False
    # The training it reached is later in the same iteration of the loop that holds the `.eval()`,
    # which served an evaluation first (`validate(model)` at the top of each epoch, then the
    # epoch's batches): from the first iteration on, the model trains in eval mode.
    same_iteration: bool = False
    # The model entered the loop in eval mode, left there by an evaluation before it (accuracy
    # measured before training, at this `.eval()`): the first iteration trains in eval mode too.
    entered_in_eval: Optional[cst.CSTNode] = None


@dataclass
class Unfreeze:
    """BN014: ``.train()`` at ``node`` undid the BN freeze at ``freeze`` before a training forward."""

    node: cst.CSTNode
    freeze: cst.CSTNode
    obj: Obj
    label: str
    use: cst.Call


class ModesAnalysis:
    """Runs once per module (cached on the facts) and is shared by BN001/BN006/BN014."""

    def __init__(self, facts: Facts, source: Optional[str] = None) -> None:
        self.facts = facts
        self.source = source
        self.module = facts.module
        self.forwards: Dict[tuple, ForwardObs] = {}
        self.leaks: Dict[cst.CSTNode, EvalLeak] = {}
        self._evals_every_part: Dict[int, bool] = {}
        self.unfreezes: Dict[cst.CSTNode, Unfreeze] = {}
        self.trained_in_loop: Set[Tuple[Optional[cst.CSTNode], Obj]] = set()
        self.trained_in_loop_runs: Set[Tuple[Optional[cst.CSTNode], Obj, tuple]] = set()  # (loop, model, ``loop_runs`` chain)
        self.trained_within_runs: Set[Tuple[cst.CSTNode, Obj, tuple]] = set()  # ``trained_within`` per run of the loop
        # (loop, model): the model was trained while that loop was running (at any depth of it).
        self.trained_within: Set[Tuple[cst.CSTNode, Obj]] = set()
        self.labels: Dict[Obj, str] = {}
        self.aborted = False
        # Why and where the analysis gave up (``aborted``): "budget" (``MAX_STEPS``) or "recursion",
        # and the function being analysed then (None: the module's top-level code).
        self.abort_reason: Optional[str] = None
        self.abort_fn: Optional[cst.FunctionDef] = None
        self._root: Optional[cst.FunctionDef] = None
        self._steps = 0
        self._acts = 0
        self._stack: List[Frame] = []
        self._loop_stack: List[cst.CSTNode] = []
        self._phases: Dict[str, object] = {}  # `phase` -> "val" while ``_exec_phases`` runs that iteration
        self._may_be_trained: Set[int] = set()  # ids of models an optimizer or a call may train
        self._optimized: Set[int] = set()  # ids of models whose parameters an optimizer takes
        self._mode_method_names: Optional[Set[str]] = None  # ``_mode_method_call``
        self._getters: Dict[Tuple[str, str], Optional[str]] = {}  # ``_getter_attribute``
        # The name an optimizer is bound to (`opt_d = Adam(netD.parameters())`) -> the ids of the
        # models whose parameters it takes (None: some it takes are not known).
        self._optimizer_models: Dict[str, Optional[Set[int]]] = {}
        # (public method, its class) -> (its end state, its activation), for ``_run_estimators``
        self._method_ends: Dict[Tuple[int, int], Tuple[Optional[State], int]] = {}
        # A base class's `self.<attr>` that its subclasses build -> their keys for that attribute.
        self._subclass_twins: Dict[int, List[tuple]] = {}
        self._trained_keys: Set[tuple] = set()  # `self.<attr>` keys an optimizer or a call may train
        self._optimizes_unknown = False  # an optimizer takes parameters of models not told apart
        self._input_gradient_passes: List[Tuple[Obj, FrozenSet[Val]]] = []  # (model, its modes) of attack/saliency forwards
        self._stepped: Optional[Set[str]] = None  # names the file steps like an optimizer (``_stepped_result``)
        self._test_trees: Dict[int, object] = {}  # `if` tests as ``ast`` expressions (``_static_truth``)
        self._self_objs: Dict[tuple, Obj] = {}
        self._pure_done: Set[tuple] = set()
        self._self_assign_cache: Dict[cst.ClassDef, Dict[str, List[Tuple[cst.BaseExpression, cst.CSTNode]]]] = {}
        self._fn_training: Dict[int, bool] = {}
        self._trained_only_cache: Dict[int, bool] = {}  # ``_only_trained_on``, by id(function)
        self._module_classes: Dict[int, bool] = {}  # ``_is_module_class``, by id(class)
        self._fn_recalib: Dict[int, bool] = {}
        self._methods: Dict[int, Dict[str, cst.FunctionDef]] = {}
        self._called_names: Set[str] = set()
        self._self_called: Set[Tuple[int, str]] = set()
        self.tta_file = False
        base = (facts.path or "").replace("\\", "/").rsplit("/", 1)[-1]
        self._in_test_file = base.startswith("test_") or base.endswith("_test.py") or "/tests/" in (facts.path or "").replace("\\", "/")
        self._parent_of_act: Dict[int, Optional[int]] = {}
        self._module_act: Optional[int] = None
        self._imported_models: Dict[str, Optional[Obj]] = {}  # ``_imported_model``
        self._wrappers: Dict[int, List[Obj]] = {}  # id(model) -> modules that keep it (``Obj.wraps``)
        self._plain_objects: Dict[int, bool] = {}  # id(class) -> no `nn.Module` (``_plain_object_call``)
        self._imported_entry: Dict[int, str] = {}
        self._global_names: Dict[int, Set[str]] = {}  # function -> the names it declares `global`
        self._module_end: Optional[State] = None  # the globals once the module's code has run
        self._globals_at_entry: Optional[State] = None
        self._no_training: Optional[bool] = None
        self._attr_train_cache: Dict[Tuple[int, str], bool] = {}
        self._inherited_parts: Dict[cst.ClassDef, Dict[str, Optional[Tuple[bool, bool, bool]]]] = {}
        self._memo: Dict[Tuple[str, str], bool] = {}
        self._instances_cache: Optional[Dict[str, cst.ClassDef]] = None
        self._inlined: Set[int] = set()  # calls of this file's functions that were analysed inline
        self._globals_declared: Optional[Set[str]] = None
        self._instance_entries: Dict[int, Dict[tuple, Tuple[Obj, FrozenSet[Val]]]] = {}
        self._init_method_cache: Dict[int, Set[str]] = {}
        self._trained_parameters: Optional[Dict[Tuple[str, str], int]] = None  # ``_parameter_obj``
        # Functions returned by a local function that switch the modes of the models they captured:
        # per factory call, the models handed to it; per variable bound to one, the same.
        self._closure_factories: Dict[int, bool] = {}
        self._switched_params: Dict[int, Set[str]] = {}  # ``_mode_switched_params``
        self._closure_models: Dict[int, Tuple[Obj, ...]] = {}
        # Instances of plain classes of project modules that keep tracked models in attributes
        # (`evaluator = Evaluator(self.model, ...)`): (qualified class, ((attribute, model), ...)),
        # by constructor call and by the variable bound to it.
        # (attribute, model, the argument expression that handed it over)
        # Variables bound to an instance of a project class of another module (`searcher =
        # mcts.MCTS()`): its qualified name, as bound at that point of the analysis.
        self._instance_classes: Dict[tuple, str] = {}
        # `was_training = model.training`: the model's modes where the function saved them, per
        # variable (a test of the saved mode later takes only the paths those modes allow).
        self._saved_modes: Dict[tuple, FrozenSet[Val]] = {}
        self._attr_switch_cache: Dict[int, Dict[str, Set[str]]] = {}  # ``_switched_both_ways``
        self._returned_params: Dict[tuple, Any] = {}  # (callee, tuple index, length) -> (effects, returned parameter) (``_handed_back``)
        self._freeze_helpers: Dict[str, Any] = {}  # callee -> effects of a BN-freezing helper (``_freezing_helper_call``)
        self._composite_parts: Dict[str, Any] = {}  # qualified class -> its built parts (``_composite``)
        self._part_entry: Dict[int, FrozenSet[Val]] = {}  # id(part) -> its mode when its composite is built
        self._project_classes: Dict[str, bool] = {}  # qualified name -> a class of the project
        self._closure_vars: Dict[tuple, Tuple[Obj, ...]] = {}
        self._call_results: Dict[int, Obj] = {}  # calls of this file's functions -> the model returned
        self._flags: Optional[Set[str]] = None
        self._call_tuples: Dict[int, Tuple[Optional[Obj], ...]] = {}  # local calls returning a tuple of models
        self._bindings_cache: Dict[int, Tuple[Dict[int, int], Dict[str, List[Tuple[int, cst.BaseExpression]]]]] = {}
        # What the file puts in eval mode (`net.eval()`, `self.model.train(False)`), by its text:
        # a model of a class this project cannot see is followed when one of these names it.
        self._eval_receivers: Optional[Set[str]] = None
        self._flag_aliases: Dict[int, str] = {}  # a flag test's name -> the flag it copies (``_flag_key``)
        self._method_returns: Dict[int, List[cst.BaseExpression]] = {}  # (``_self_method_returns``)
        self._template_calls: Dict[Tuple[int, str], List[cst.FunctionDef]] = {}  # (``_template_overrides``)
        self._trained_in_train_mode: Set[Tuple[cst.CSTNode, "Obj"]] = set()  # (loop, model) trained there in train mode
        self._method_summaries: Dict[Tuple[str, str], Any] = {}  # (class, method) -> its summary (``_local_method_summary``)

    def children(self, node: cst.CSTNode) -> Sequence[cst.CSTNode]:
        """``node.children`` without libcst's re-visit."""
        return self.facts.children_of(node)  # the engine's map: no libcst re-visit

    def walk(self, node: cst.CSTNode) -> Iterable[cst.CSTNode]:
        stack: List[cst.CSTNode] = [node]
        while stack:
            cur = stack.pop()
            yield cur
            stack.extend(reversed(self.children(cur)))

    # --- driver ------------------------------------------------------------------
    def run(self) -> "ModesAnalysis":
        try:
            self._prepare()
            self._module_end = self._run_root(None, None)
            for fn in self.facts.functions:
                if self._is_root(fn):
                    cls = self.facts.enclosing_class(fn)
                    end = self._run_root(fn, cls)
                    if cls is not None and _is_training_method_name(fn.name.value):
                        # What a public training method leaves, for the methods users call after it.
                        self._method_ends[(id(fn), id(cls))] = (join([end] + self._stack[0].returns), self._stack[0].act)
            self._run_estimators()
        except (_Abort, RecursionError) as exc:
            self.aborted = True
            self.abort_reason = "budget" if isinstance(exc, _Abort) else "recursion"
            self.abort_fn = self._root
        for obs in self.forwards.values():
            # A model with trained weights whose parameters no optimizer here takes, and which
            # is never handed to code that could train it (a trainer, a helper): its forwards are
            # inference, whatever else the file trains (a notebook that trains one network and
            # then classifies a photo with a pretrained VGG).
            if obs.maybe_inference and not obs.kinds and not self._maybe_trained(obs.obj) and not self._optimizes_unknown:
                obs.kinds.add("inference")
        return self

    def _run_estimators(self) -> None:
        """A class with a public training method (`fit()`, training through its own methods) and a
        public inference method (`predict()`, `sample()`): users call one after the other, so the
        inference method also runs from the state the training method leaves (`self.model` in
        train mode after its loop), as its own analysis (entry unknown) cannot say."""
        for cls in self.facts.classes:
            if self.facts.is_lightning_class(cls) or not isinstance(self.facts.parent_of_def(cls), cst.Module):
                continue
            methods = self._methods_of(cls)
            public = {name: fn for name, fn in methods.items() if not name.startswith("_")}
            # The method that fits the model for later use (`fit`, `train`, `fit_generator`,
            # `train_model`), not any method with a backward (`find_lr()`'s learning-rate sweep).
            trainers = [fn for name, fn in public.items() if _is_training_method_name(name) and self._trains_through_self(fn, methods)]
            if not trainers:
                continue
            # Entry points users call after fitting: not a method the class's own methods call
            # (`evaluate()` puts the model in eval, then runs `self.eval_one_batch()`).
            called_inside = {
                node.func.attr.value
                for other in methods.values()
                for node in self.walk(other)
                if isinstance(node, cst.Call) and isinstance(node.func, cst.Attribute) and isinstance(node.func.value, cst.Name) and node.func.value.value == "self"
            }
            # (and the methods a base class of another module calls on `self`: a hook of its `score()`)
            called_inside.update(name for calls, _ in self._base_self_calls(cls).values() for name in calls)
            inference = [
                fn for name, fn in public.items() if _is_inference_method_name(name) and name not in called_inside and not self._trains_through_self(fn, methods)
            ]
            for trainer in trainers[:2]:
                if not inference:
                    break
                ended = self._method_ends.get((id(trainer), id(cls)))  # (`self.<attr>` of another class differs)
                if ended is None:
                    saved = (self._stack, self._loop_stack, self._root)
                    try:
                        end = self._run_root(trainer, cls)
                        ended = (join([end] + self._stack[0].returns), self._stack[0].act)
                    finally:
                        self._stack, self._loop_stack, self._root = saved
                end, act = ended
                if end is None or not any(obj.mode_sensitive for obj in end.modes):
                    continue  # it leaves no model this file follows
                if self.facts.path and any(
                    len(var) == 3 and var[0] == "self" and var[1] == id(cls) and obj is not None and obj.mode_sensitive
                    and self._switched_by_importers(cls, var[2].split(".", 1)[1])
                    for var, obj in end.vars.items()
                ):
                    break  # the scripts that use the class switch its model themselves (`learner.model.eval()`)
                for method in inference[:4]:
                    self._run_after(cls, trainer, method, end.copy(), end.vars.get((act, "self")))

    def _trains_through_self(self, fn: cst.FunctionDef, methods: Dict[str, cst.FunctionDef], depth: int = 0) -> bool:
        """Does ``fn`` train (a backward or an optimizer step), itself or through the methods of
        its class it calls on `self`?"""
        key = ("trains", id(fn))
        cached = self._fn_training.get(key)  # type: ignore[call-overload]
        if cached is not None:
            return cached
        self._fn_training[key] = False  # type: ignore[index]  # (recursion: no)
        found = _has_training_calls(fn)
        if not found and depth < 3:
            for node in self.walk(fn):
                if (
                    isinstance(node, cst.Call) and isinstance(node.func, cst.Attribute) and isinstance(node.func.value, cst.Name)
                    and node.func.value.value == "self" and node.func.attr.value in methods
                    and self._trains_through_self(methods[node.func.attr.value], methods, depth + 1)
                ):
                    found = True
                    break
        self._fn_training[key] = found  # type: ignore[index]
        return found

    def _run_after(self, cls: cst.ClassDef, trainer: cst.FunctionDef, method: cst.FunctionDef, end: State, me: Optional[Obj]) -> None:
        """Run ``method`` of ``cls`` from the state ``end`` that ``trainer`` leaves (see
        ``_run_estimators``; ``me``: the trainer's `self`, a model's own method); its forwards are
        observed apart (their chain holds ``trainer``), with ``ForwardObs.after`` set."""
        saved = (self._stack, self._loop_stack, self._root)
        try:
            act = self._new_act()
            self._parent_of_act[act] = self._module_act
            if me is not None:
                end.vars[(act, "self")] = me
            params = list(method.params.posonly_params) + list(method.params.params) + list(method.params.kwonly_params)
            self._bind_entry_parameters(method, params[1:] if params and params[0].name.value == "self" else params, end, act)
            frame = Frame(fn=method, act=act, parent_act=self._module_act, cls=cls, callsite=trainer, inherited=frozenset({"after_fit"}))  # type: ignore[arg-type]
            self._root = method
            self._stack = [frame]
            self._loop_stack = []
            self._exec_block(_body_of(method), end, frame)
        finally:
            self._stack, self._loop_stack, self._root = saved

    def optimized(self, obj: "Obj") -> bool:
        """Does an optimizer take ``obj``'s parameters here (`Adam(model.parameters())`, also
        wrapped: `NoamOpt(..., Adam(model.parameters()))`)?  Then something trains it, even where
        the step is out of sight (a loss object's `__call__` that steps the optimizer it holds)."""
        return id(obj) in self._optimized

    def _maybe_trained(self, obj: "Obj") -> bool:
        """May an optimizer or a call train ``obj`` (or, for a base class's `self.<attr>`, the
        subclasses' object it stands for)?"""
        if id(obj) in self._may_be_trained:
            return True
        return any(key in self._trained_keys for key in self._subclass_twins.get(id(obj), ()))

    def _note_trained_key(self, expr: cst.BaseExpression, fr: Frame) -> None:
        key = self._self_key(expr, fr)
        if key is not None:
            self._trained_keys.add(key)

    def _stepped_result(self, call: cst.Call) -> bool:
        """Is what ``call`` returns stepped like an optimizer: bound to a name on which the file
        calls `.step()` or `.zero_grad()`, or which it hands to a `.step(...)` (`scaler.step(opt)`)?
        An optimizer is what is used as one, whatever its class is called (`BertAdam`, `LARS`)."""
        parent = self.facts.parent(call)
        if not isinstance(parent, cst.Assign) or len(parent.targets) != 1:
            return False
        name = dotted(parent.targets[0].target)
        if not name:
            return False
        if self._stepped is None:
            stepped: Set[str] = set()
            for c in self.facts.calls:
                if isinstance(c.func, cst.Attribute) and c.func.attr.value in OPTIMIZER_STEP_METHODS | {"zero_grad"}:
                    receiver = dotted(c.func.value)
                    if receiver:
                        stepped.add(receiver)
                    if c.func.attr.value in OPTIMIZER_STEP_METHODS:
                        stepped.update(d for d in (dotted(a.value) for a in c.args) if d)
            self._stepped = stepped
        return name in self._stepped

    def _loop_members(self, name: cst.BaseExpression, st: State, fr: Frame) -> Optional[Tuple[Optional[Obj], ...]]:
        """The models a comprehension or loop variable ranges over (`for m in (vgg, resnet)`,
        `for net in nets`), where ``name`` is that variable."""
        if not isinstance(name, cst.Name):
            return None
        for anc in self.facts.ancestors(name):
            if isinstance(anc, (cst.CompFor, cst.For)) and isinstance(anc.target, cst.Name) and anc.target.value == name.value:
                return self._sequence_members(anc.iter, st, fr)
            if isinstance(anc, (cst.FunctionDef, cst.ClassDef)):
                break
        return None

    def _note_training_evidence(self, call: cst.Call, st: State, fr: Frame) -> None:
        """Models that may be trained: their parameters handed to an optimizer, or the model handed
        to a call that could train it (anything but a wrapper or a mode-keeping method)."""
        callee = self.facts.callee(call) or dotted(call.func) or ""
        optimizer = callee.startswith("torch.optim.") or self._stepped_result(call)
        if not optimizer and self._lightning_trainer_call(call) and call.func.attr.value == "fit":  # type: ignore[attr-defined]
            # `trainer.fit(model, ...)`: Lightning steps the optimizers `configure_optimizers` returns.
            model = next((a.value for a in call.args if a.keyword is None or a.keyword.value == "model"), None)
            obj = self.resolve(model, st, fr) if isinstance(model, (cst.Name, cst.Attribute)) else None
            if obj is not None:
                self._may_be_trained.add(id(obj))
                self._optimized.add(id(obj))
                self._note_trained_key(model, fr)  # type: ignore[arg-type]
            return
        if not optimizer:
            # Another call: the models handed to it, or whose parameters are (`get_optimizer(model.parameters())`).
            if keeps_modes(callee) or callee.rsplit(".", 1)[-1] in _CANNOT_TRAIN:
                return
            for arg in call.args:
                value = arg.value
                if isinstance(value, cst.Call) and isinstance(value.func, cst.Attribute) and value.func.attr.value in ("parameters", "named_parameters"):
                    value = value.func.value
                if isinstance(value, (cst.Name, cst.Attribute)):
                    obj = self.resolve(value, st, fr)
                    if obj is not None:
                        self._may_be_trained.add(id(obj))
                        self._note_trained_key(value, fr)
            return
        # An optimizer: the models whose parameters it takes, also through names bound to them
        # (`params = [p for p in model.parameters() if p.requires_grad]`).
        scope: cst.CSTNode = fr.fn if fr.fn is not None else self.module
        bindings = self.binding_index(scope)[1]
        todo: List[cst.CSTNode] = [a.value for a in call.args]
        found = False
        seen = 0
        parent = self.facts.parent(call)
        bound = dotted(parent.targets[0].target) if isinstance(parent, cst.Assign) and len(parent.targets) == 1 else None
        takes: Optional[Set[int]] = set()
        while todo and seen < 50:
            seen += 1
            node = todo.pop(0)  # the call's own arguments first, then what names in them were bound to
            for inner in [node, *self.walk(node)]:  # (``walk`` yields the descendants)
                if isinstance(inner, cst.Call) and isinstance(inner.func, cst.Attribute) and inner.func.attr.value in ("parameters", "named_parameters"):
                    receiver = inner.func.value
                    obj, _ = self.resolve_sub(receiver, st, fr)
                    members = self._loop_members(receiver, st, fr) if obj is None else None
                    if obj is not None:
                        self._may_be_trained.add(id(obj))
                        self._optimized.add(id(obj))
                        self._note_trained_key(receiver, fr)
                        found = True
                        if takes is not None:
                            takes.add(id(obj))
                    elif members:
                        self._may_be_trained.update(id(m) for m in members if m is not None)
                        found = True
                        takes = None
                    elif optimizer:
                        self._optimizes_unknown = True  # `[p for m in models for p in m.parameters()]`
                        takes = None
                elif isinstance(inner, cst.Name) and inner.value in bindings and len(bindings[inner.value]) <= 3:
                    todo.extend(value for _, value in bindings[inner.value])
        if not found:
            # Parameters reached some other way (`self.params = model.parameters()`): any
            # model may be the one it trains.
            self._optimizes_unknown = True
            takes = None
        if bound:
            known = self._optimizer_models.get(bound, set())
            self._optimizer_models[bound] = None if takes is None or known is None else known | takes

    def _prepare(self) -> None:
        for call in self.facts.calls:
            func = call.func
            if isinstance(func, cst.Name):
                self._called_names.add(func.value)
            elif isinstance(func, cst.Attribute) and isinstance(func.value, cst.Name) and func.value.value in ("self", "cls"):
                cls = self.facts.enclosing_class(call)
                if cls is not None:
                    self._self_called.add((id(cls), func.attr.value))
        # Test-time adaptation / BN without running statistics: train mode at test time is the point.
        self.tta_file = self.facts.test_time_adaptation()

    def _is_root(self, fn: cst.FunctionDef) -> bool:
        owner = self.facts.parent_of_def(fn)
        if isinstance(owner, cst.ClassDef):
            if self.facts.is_lightning_class(owner):
                return False
            if (id(owner), fn.name.value) in self._self_called:
                return False
            if self._is_module_class(owner) and not self._switches_modes_through_self(fn, owner):
                # A model's own method: `self` and its attributes have an unknown mode here, so only a
                # mode switch inside could matter (and model files have many methods: keep them cheap).
                return False
            return True
        return fn.name.value not in self._called_names

    def _is_module_class(self, cls: cst.ClassDef) -> bool:
        known = self._module_classes.get(id(cls))
        if known is None:
            known = self._module_classes[id(cls)] = self._derives_module(cls)
        return known

    def _derives_module(self, cls: cst.ClassDef) -> bool:
        """An `nn.Module` through its bases: of this file, or project classes of other modules."""
        inv = self.facts.inventory
        seen = set()
        todo = [cls.name.value]
        while todo:
            name = todo.pop()
            if name in seen:
                continue
            seen.add(name)
            for base in inv.class_bases.get(name, []):
                if base in ("torch.nn.Module", "torch.nn.modules.module.Module") or base.endswith((".Module", "Sequential")):
                    return True
                if base in inv.classes:
                    todo.append(base)
                elif self.facts.path and self.facts.index.derives_from_module(self.facts.path, base):
                    return True  # `class SEGAN(Model)` with `Model(nn.Module)` in another project module
        return False

    def _switches_modes_through_self(self, fn: cst.FunctionDef, cls: cst.ClassDef, seen: Optional[Set[int]] = None) -> bool:
        """``_switches_modes`` of a method, or of a method of its class it calls on `self`
        (a Keras-style `fit()` whose `self.train_one_epoch()` calls `self.train()`)."""
        if self._switches_modes(fn):
            return True
        seen = seen if seen is not None else {id(fn)}
        methods = self._methods_of(cls)
        for node in self.walk(fn):
            if isinstance(node, cst.Call) and isinstance(node.func, cst.Attribute) and dotted(node.func.value) == "self":
                callee = methods.get(node.func.attr.value)
                if callee is not None and id(callee) not in seen:
                    seen.add(id(callee))
                    if self._switches_modes_through_self(callee, cls, seen):
                        return True
        return False

    def _switches_modes(self, fn: cst.FunctionDef) -> bool:
        for node in self.walk(fn):
            if isinstance(node, cst.Call) and isinstance(node.func, cst.Attribute) and node.func.attr.value in ("train", "eval", "apply"):
                return True
        return False

    def _new_act(self) -> int:
        self._acts += 1
        return self._acts

    def _run_root(self, fn: Optional[cst.FunctionDef], cls: Optional[cst.ClassDef]) -> Optional[State]:
        """Analyse the module's code (``fn`` None) or a function nothing in the file calls.

        Such a function runs after the module's code (a framework, a callback, another module calls
        it): a module-level model it uses is in the mode the module's code left it in, unless some
        function may switch that model (then its mode is unknown).  Its parameters are objects of
        unknown content whose mode on entry is the caller's (``Val.entry``).
        """
        self._root = fn
        state = State()
        act = self._new_act()
        parent_act = None
        if fn is None:
            self._module_act = act
        else:
            owner = self.facts.parent_of_def(fn)
            if isinstance(owner, cst.Module) or (isinstance(owner, cst.ClassDef) and isinstance(self.facts.parent_of_def(owner), cst.Module)):
                state = self._global_entry_state()
                parent_act = self._module_act
            elif isinstance(owner, cst.FunctionDef) and self._reads_only_globals(fn, owner):
                # A handler defined in a factory and called by a framework (`@app.route` inside
                # `create_app()`): the module-level model it reads is the module's, as for a
                # module-level function (none of the names it reads is the factory's own).
                state = self._global_entry_state()
                parent_act = self._module_act
            if isinstance(owner, cst.ClassDef) and fn.name.value not in self._init_methods(owner) and self._is_plain_class(owner):
                # A method of a plain class (a predictor) runs on an instance `__init__` built.
                for key, (obj, vals) in self._instance_entry(owner).items():
                    state.vars[key] = obj
                    state.modes[obj] = vals
            params = list(fn.params.posonly_params) + list(fn.params.params) + list(fn.params.kwonly_params)
            if isinstance(owner, cst.ClassDef) and params and params[0].name.value in ("self", "cls"):
                if params[0].name.value == "self" and self._is_module_class(owner):
                    # A model's own method that switches modes (a Keras-style `fit()`): `self` is
                    # the caller's model, in the caller's mode (BN006 follows it, as a parameter).
                    me = Obj(label="self", holds_bn=False, is_parameter=True)
                    state.vars[(act, "self")] = me
                    state.modes[me] = frozenset({Val(UNKNOWN, entry=True)})
                params = params[1:]
            self._bind_entry_parameters(fn, params, state, act)
        self._parent_of_act[act] = parent_act
        frame = Frame(fn=fn, act=act, parent_act=parent_act, cls=cls, callsite=None)
        self._stack = [frame]
        self._loop_stack = []
        body = self.module.body if fn is None else _body_of(fn)
        return self._exec_block(body, state, frame)

    def _reads_only_globals(self, fn: cst.FunctionDef, owner: cst.FunctionDef) -> bool:
        """Is ``fn``, nested in module-level function(s) ending at ``owner``, reading no name that an
        enclosing function binds (so each free name it reads is a module global)?"""
        chain: List[cst.FunctionDef] = [owner]
        cur: Optional[cst.CSTNode] = self.facts.parent_of_def(owner)
        while isinstance(cur, cst.FunctionDef):
            chain.append(cur)
            cur = self.facts.parent_of_def(cur)
        if not isinstance(cur, cst.Module):
            return False
        own = set(params_of(fn))
        read = {n.value for n in self.walk(fn.body) if isinstance(n, cst.Name)} - own  # (not its decorators: `@app.route`)
        read = {name for name in read if not self.facts.binds_locally(fn, name)}
        if any(self.facts.binds_locally(f, name) or name in params_of(f) for f in chain for name in read):
            return False
        # The factory runs before its handler: one that switches a mode (`model.eval()` in
        # `create_app()`) leaves a state the module's end does not show.
        return not any(
            isinstance(n, cst.Call) and isinstance(n.func, cst.Attribute) and n.func.attr.value in _MODE_CHANGING_METHODS
            for f in chain for n in self.walk(f.body)
        )

    def _bind_entry_parameters(self, fn: cst.FunctionDef, params: Sequence[cst.Param], state: State, act: int) -> None:
        """A function called from outside: each parameter an object of unknown content whose mode
        on entry is the caller's (``Val.entry``)."""
        for p in params:
            obj = self._parameter_obj(p.name.value, fn)
            state.vars[(act, p.name.value)] = obj
            state.modes[obj] = frozenset({Val(UNKNOWN, entry=True)})

    def _init_methods(self, cls: cst.ClassDef) -> Set[str]:
        """`__init__` and the methods of ``cls`` it calls on `self` (`self.generate()`), transitively,
        that nothing else calls: the construction of an instance."""
        cached = self._init_method_cache.get(id(cls))
        if cached is None:
            cached = self._init_method_cache[id(cls)] = self._find_init_methods(cls)
        return cached

    def _find_init_methods(self, cls: cst.ClassDef) -> Set[str]:
        methods = self._methods_of(cls)
        found = {"__init__"} if "__init__" in methods else set()
        todo = list(found)
        while todo:
            for node in self.walk(methods[todo.pop()]):
                if isinstance(node, cst.Call) and isinstance(node.func, cst.Attribute) and dotted(node.func.value) == "self":
                    name = node.func.attr.value
                    if name in methods and name not in found:
                        found.add(name)
                        todo.append(name)
        # A helper also called from another method, or from outside, is not only construction.
        for call in self.facts.calls:
            func = call.func
            if isinstance(func, cst.Attribute) and func.attr.value in found - {"__init__"}:
                fn = self.facts.enclosing_function(call)
                # (`self.setup_model()` in a base class's `__init__` that ``cls`` inherits: construction.)
                if fn is None or fn.name.value not in found or methods.get(fn.name.value) is not fn:
                    found.discard(func.attr.value)
        return found

    def _instance_entry(self, cls: cst.ClassDef) -> Dict[tuple, Tuple[Obj, FrozenSet[Val]]]:
        """The models `__init__` stores in `self.<attr>` of a plain class, in the mode it leaves
        them in (`self.net = Net(); self.net.load_state_dict(...)`: train), as every other method
        finds them, unless something outside the construction may switch them (then unknown)."""
        key = id(cls)
        cached = self._instance_entries.get(key)
        if cached is not None:
            return cached
        self._instance_entries[key] = {}
        init = self._methods_of(cls).get("__init__")
        out: Dict[tuple, Tuple[Obj, FrozenSet[Val]]] = {}
        if init is not None:
            saved = (self._stack, self._loop_stack, self._root)
            try:
                end = self._run_root(init, cls)
            finally:
                self._stack, self._loop_stack, self._root = saved
            for var, obj in (end.vars.items() if end is not None else ()):
                if obj is None or len(var) != 3 or var[0] != "self" or var[1] != id(cls) or not obj.mode_sensitive:
                    continue
                attr = var[2].split(".", 1)[1]
                vals = end.modes.get(obj, frozenset({Val(UNKNOWN)}))
                building = self._init_methods(cls)
                if self._attr_may_be_switched(cls, attr, outside=building, to_train_ok=True) or (
                    any(v.mode != TRAIN for v in vals) and self._attr_may_be_switched(cls, attr, outside=building)
                ):
                    # Another method may switch it (a `.train()` leaves a model built in train mode as it was).
                    vals = frozenset({Val(UNKNOWN)})
                    if obj.is_parameter and self._constructor_freeze(cls, attr) is not None:
                        # The caller's model, frozen while the trainer was built (`self.model =
                        # fix_bn(self.model)` in `build_model()`): every method finds it frozen.
                        vals = self._constructor_freeze_vals(cls, attr, UNKNOWN, True)
                out[var] = (obj, frozenset(v.replace(fresh=False, mark=None) for v in vals))
        self._instance_entries[key] = out
        return out

    def _global_entry_state(self) -> State:
        """Module-level models as a function called from outside finds them (see ``_run_root``)."""
        if self._globals_at_entry is None:
            entry = State()
            end = self._module_end
            if end is not None and self._module_act is not None:
                tracked = {key[1]: obj for key, obj in end.vars.items() if len(key) == 2 and key[0] == self._module_act and isinstance(obj, Obj)}
                switched = self._names_switched_in_functions(set(tracked)) if tracked else set()
                for name, obj in tracked.items():
                    entry.vars[(self._module_act, name)] = obj
                    vals = end.modes.get(obj, frozenset({Val(UNKNOWN)}))
                    entry.modes[obj] = frozenset({Val(UNKNOWN)}) if name in switched else vals
            self._globals_at_entry = entry
        return self._globals_at_entry.copy()

    def _names_switched_in_functions(self, names: Set[str]) -> Set[str]:
        """Which of the module-level ``names`` some function may switch: a mode or freeze call on it
        (`model.eval()`, `model.backbone.train()`, `model.apply(f)`, a loop over `model.modules()`),
        a `global` statement, or the name passed to a call (a helper may switch it)."""

        def in_function(node: cst.CSTNode) -> bool:  # it may run at any time
            return any(isinstance(a, (cst.FunctionDef, cst.Lambda)) for a in self.facts.ancestors(node))

        switched: Set[str] = set()
        for call in self.facts.calls:
            found = {a.value.value for a in call.args if isinstance(a.value, cst.Name) and a.value.value in names}
            receiver = _mode_call_receiver(call)
            if receiver and receiver[0] in names:
                found.add(receiver[0])
            if found - switched and in_function(call):
                switched |= found
        if names - switched:
            for node in self.walk(self.module):
                if isinstance(node, cst.Global) and in_function(node):
                    switched.update(n.name.value for n in node.names if n.name.value in names)
        return switched

    # --- names ---------------------------------------------------------------
    def _var_key(self, name: str, fr: Frame) -> tuple:
        """Where a name assigned in frame ``fr`` lives: the module's variable when the function
        declares it `global` (`global i3d_model` in an `init_model()`), else the frame's own."""
        if fr.fn is not None and self._module_act is not None and name in self._declared_global() and name in self._globals_of(fr.fn):
            return (self._module_act, name)
        return (fr.act, name)

    def _globals_of(self, fn: cst.FunctionDef) -> Set[str]:
        cached = self._global_names.get(id(fn))
        if cached is None:
            cached = set()
            for node in self.walk(fn):
                if isinstance(node, cst.Global) and self.facts.enclosing_function(node) is fn:
                    cached.update(n.name.value for n in node.names)
            self._global_names[id(fn)] = cached
        return cached

    def _lookup(self, name: str, st: State, fr: Frame) -> Optional[Obj]:
        key = self._var_key(name, fr)
        if key in st.vars:
            return st.vars[key]
        act = fr.parent_act
        seen = 0
        while act is not None and seen < 20:
            key = (act, name)
            if key in st.vars:
                return st.vars[key]
            act = self._parent_of_act.get(act)
            seen += 1
        return self._imported_model(name, st)

    def _imported_model(self, name: str, st: State) -> Optional[Obj]:
        """A model object another project module builds at its top level and this file imports
        (`from model_def import CatNet`): one object for the whole analysis, in train mode as built
        unless that module switches it (then unknown); ``ProjectIndex.module_level_model``."""
        if name in self._imported_models:
            obj = self._imported_models[name]
        else:
            obj = None
            inv = self.facts.inventory
            if self.facts.path and inv.is_imported(name) and name not in inv.classes and name not in inv.functions and not self.facts.assignments_to(name, self.module):
                found = self.facts.index.module_level_model(self.facts.path, inv.resolve(name))
                if found is not None and found.parts is not None:
                    # A dict of models (`train_args = {}; train_args["model"] = Net()`): a holder.
                    parts = {}
                    for key, part in found.parts.items():
                        parts[key] = Obj(label=f"{name}[{key!r}]", holds_bn=part.holds_bn, holds_dropout=part.holds_dropout, cls_name=part.cls_name, has_weights=part.has_weights)
                        self._imported_entry[id(parts[key])] = UNKNOWN if part.switched else TRAIN
                    obj = Obj(label=name, holds_bn=False, parts=parts, handed={}, keyed=True)
                elif found is not None:
                    obj = Obj(label=name, holds_bn=found.holds_bn, holds_dropout=found.holds_dropout, cls_name=found.cls_name, has_weights=found.has_weights)
                    self._imported_entry[id(obj)] = UNKNOWN if found.switched else TRAIN
            self._imported_models[name] = obj
        if obj is not None:
            for member in [obj, *(obj.parts or {}).values()]:
                if member not in st.modes and id(member) in self._imported_entry:
                    st.modes[member] = frozenset({Val(self._imported_entry[id(member)])})
        return obj

    def _self_key(self, expr: cst.BaseExpression, fr: Frame) -> Optional[tuple]:
        name = dotted(expr)
        if not name or not name.startswith("self.") or name.count(".") != 1 or fr.cls is None:
            return None
        return ("self", id(fr.cls), name)

    def resolve(self, expr: cst.BaseExpression, st: State, fr: Frame) -> Optional[Obj]:
        """The tracked object an expression denotes (through aliases and wrappers), if any."""
        if isinstance(expr, cst.Name):
            return self._lookup(expr.value, st, fr)
        if isinstance(expr, cst.Subscript) and len(expr.slice) == 1:
            index = expr.slice[0].slice
            if isinstance(index, cst.Index) and isinstance(index.value, cst.SimpleString) and isinstance(index.value.evaluated_value, str):
                holder = self.resolve(expr.value, st, fr)  # `bundle["model"]`, `state["nets"]["G"]`
                return holder.parts.get(index.value.evaluated_value) if holder is not None and holder.parts is not None else None
            return None
        if isinstance(expr, cst.Attribute):
            if expr.attr.value == "module":
                inner = self.resolve(expr.value, st, fr)
                if inner is not None:
                    return inner
            if not (isinstance(expr.value, cst.Name) and expr.value.value == "self"):
                holder = self.resolve(expr.value, st, fr) if isinstance(expr.value, (cst.Name, cst.Attribute, cst.Subscript, cst.Call)) else None
                if holder is not None and holder.parts is not None:
                    return holder.parts.get(expr.attr.value)  # `model.img_enc` of a composite, `ctx.model`
            key = self._self_key(expr, fr)
            if key is not None:
                if key in st.vars:
                    return st.vars[key]
                obj = self._self_obj(expr, key, fr)
                if obj is not None:
                    st.vars[key] = obj
                    for part in (obj.parts or {}).values():
                        st.modes.setdefault(part, self._part_entry.get(id(part), frozenset({Val(UNKNOWN)})))
                    entry = TRAIN if fr.cls is not None and self._attr_built_in_train_mode(fr.cls, expr.attr.value) else UNKNOWN
                    if fr.cls is not None and obj.is_parameter:
                        st.modes.setdefault(obj, self._constructor_freeze_vals(fr.cls, expr.attr.value, entry, obj.is_parameter))
                    else:
                        st.modes.setdefault(obj, frozenset({Val(entry, entry=obj.is_parameter)}))
                return obj
            return None
        if isinstance(expr, cst.Call):
            if id(expr) in self._call_results:
                return self._call_results[id(expr)]
            func = expr.func
            q = self.facts.callee(expr) or ""
            leaf = q.rsplit(".", 1)[-1]
            if leaf in WRAPPER_LEAVES and expr.args and q not in COPY_CALLS:
                return self.resolve(expr.args[0].value, st, fr)
            if isinstance(func, cst.Attribute) and (func.attr.value in KEEPS_MODE or func.attr.value in ("train", "eval")):
                return self.resolve(func.value, st, fr)
            if isinstance(func, cst.Attribute) and not expr.args and isinstance(func.value, (cst.Name, cst.Attribute)):
                holder = self.resolve(func.value, st, fr)
                attr = self._getter_attribute(holder.cls_name, func.attr.value) if holder is not None and holder.parts and holder.cls_name else None
                if attr is not None:
                    return holder.parts.get(attr)  # `task.network()` of `def network(self): return self.net`
            source = _children_container_source(expr, q)
            if source is not None:
                whole = self.resolve(source, st, fr)
                if whole is not None and whole.holds_dropout and not whole.holds_bn and self._library_built(whole) and _leaves_out_last_child(expr):
                    return None  # `nn.Sequential(*list(vgg16().children())[:-1])`: its dropout head is left out
                return whole
            return None
        return None

    def _getter_attribute(self, cls_name: str, method: str) -> Optional[str]:
        """``attr`` when the method ``method`` of the class ``cls_name`` (of this file or a project
        module) does nothing but hand out `self.<attr>` (every `return` returns it), else None."""
        key = (cls_name, method)
        if key not in self._getters:
            found: Optional[str] = None
            local = self.facts.class_named(cls_name) if "." not in cls_name else None
            if local is not None:
                fn = self._methods_of(local).get(method)
                returns = [dotted(n.value) if n.value is not None else None for n in self.walk(fn) if isinstance(n, cst.Return)] if fn is not None else []
            else:
                inv = self.facts.inventory
                cls = None
                if self.facts.path and self.facts.index is not None:
                    # (``Obj.cls_name`` of an imported class is already qualified: `tasks.Task`.)
                    qualified = inv.resolve(cls_name) if inv.is_imported(cls_name) else cls_name
                    defined = self.facts.index.class_definition(self.facts.path, qualified)
                    cls = defined[4][defined[1]] if defined is not None else None
                fn_ast = next((n for n in cls.body if isinstance(n, ast.FunctionDef) and n.name == method), None) if cls is not None else None
                from bnlint.inventory import dotted_name

                returns = [dotted_name(n.value) if n.value is not None else None for n in ast_walk(fn_ast) if isinstance(n, ast.Return)] if fn_ast is not None else []
            if returns and all(r is not None and r == returns[0] and r.startswith("self.") for r in returns):
                found = returns[0][5:]
            self._getters[key] = found
        return self._getters[key]

    def _library_built(self, obj: Obj) -> bool:
        """Was ``obj`` built by a library model factory, whose dropout is in its last child?"""
        built = obj.created_at
        return isinstance(built, cst.Call) and factory_holds_bn(self.facts.callee(built)) is not None

    def _self_obj(self, expr: cst.Attribute, key: tuple, fr: Frame) -> Optional[Obj]:
        if key in self._self_objs:
            return self._self_objs[key]
        obj = None
        cls = self.facts.enclosing_class(expr)
        holds = dropout = unpickled = False
        name: Optional[str] = None
        if cls is not None:
            built = [(v, scope) for v, scope in self._self_assignments(cls).get(expr.attr.value, ()) if isinstance(v, (cst.Call, cst.IfExp))]
            assigned = self._self_assignments(cls).get(expr.attr.value, ())
            if len(built) == 1 and len(assigned) == 1 and isinstance(built[0][0], cst.Call):
                composite = self._composite(built[0][0], None, dotted(expr) or "self.model")
                if composite is not None:  # `self.extractor = Extractor(path)`: a holder of models
                    self._constructor_part_calls(cls, expr.attr.value, composite)
                    self._self_objs[key] = composite
                    return composite
            from_subclasses = not built and expr.attr.value not in self._self_assignments(cls)
            if from_subclasses:
                # `self.model` built by a base class of this file (`BaseTrainer.__init__`), read
                # in the subclass's `predict()`; else by the subclasses, for a base's method.
                built = self._built_by_local_bases(cls, expr.attr.value)
                from_subclasses = not built
            if from_subclasses:
                built = self._built_by_subclasses(cls, expr.attr.value)
            inherited = self._imported_base_part(cls, expr.attr.value) if from_subclasses and not built else None
            if inherited is not None:
                # `self.model` built by a base class of another project module (`BaseTrainer`).
                holds, dropout = inherited[0], inherited[1] and not inherited[0]
                from_subclasses = False
            for value, scope in built:  # (`self.model = model`: a parameter, unknown here)
                if self._value_holds_bn(value, scope):
                    holds = True
                    name = self._constructor_name(value)
                    break
            if not holds:
                for value, _ in built:
                    if self._value_holds_dropout(value):
                        dropout = True
                        name = self._constructor_name(value)
                        break
            unpickled = (
                not holds and not dropout and len(built) == 1 and len(assigned) == 1 and isinstance(built[0][0], cst.Call)
                and self.facts.callee(built[0][0]) == "torch.load" and bool(self.facts.path)
                and self._called_as_module(dotted(expr) or "", cls) and not self._loaded_into_module(dotted(expr) or "", cls)
            )
            if unpickled:
                # `self.net = torch.load("best.pt")`, a whole module another file of the project
                # pickled: of the kind every module the project pickles is, with trained weights.
                holds, dropout = self.facts.index.pickled_module_kinds(self.facts.path)
        if holds or dropout:
            obj = Obj(label=dotted(expr) or "self.model", holds_bn=holds, holds_dropout=dropout, cls_name=name, keeps_bn_eval=holds and self._keeps_bn_eval(name))
            if unpickled:
                obj.has_weights = True
            if cls is not None and from_subclasses:
                # The same object as the subclasses' `self.<attr>`: what trains theirs trains it.
                self._subclass_twins[id(obj)] = [("self", id(sub), key[2]) for sub in self._subclasses_of(cls)]
        elif cls is not None and (self._stored_parameter(cls, expr.attr.value) or self._stored_by_local_base(cls, expr.attr.value)):
            # `self.model = model` in a trainer's `__init__`: the caller's model, like a parameter
            # of a training function (BN006 follows it; BN001 needs BN evidence: the callers that
            # build the trainer in other modules give it, when a method puts the model in train mode).
            init = self._methods_of(cls).get("__init__")
            stored = self._stored_parameter_name(cls, expr.attr.value)
            obj = self._parameter_obj(stored or "", init, label=dotted(expr) or "self.model")
        elif cls is not None and not self._is_module_class(cls) and self._switched_both_ways(cls, expr.attr.value):
            # `self.model` of a trainer that gets it from code this project cannot read (a
            # library's loader, `self.config, self.model = load(...)`) and puts it in train and
            # in eval mode itself: a model of unknown content, as a parameter (BN006 follows it;
            # BN001 needs BN or dropout evidence).
            obj = Obj(label=dotted(expr) or "self.model", holds_bn=False, is_parameter=True)
        self._self_objs[key] = obj  # type: ignore[assignment]
        return obj

    def _output_discarded(self, call: cst.Call) -> bool:
        """Is ``call``'s value thrown away: a statement of its own, or bound to `_`?"""
        parent = self.facts.parent(call)
        if isinstance(parent, cst.Expr):
            return parent.value is call
        return isinstance(parent, cst.Assign) and len(parent.targets) == 1 and isinstance(parent.targets[0].target, cst.Name) and parent.targets[0].target.value == "_"

    def _plain_object_call(self, value: cst.Call) -> bool:
        """`Classify(task="cls")` of a class of this file that is known to be no `nn.Module`: its
        bases, here or in other project modules, are plain classes (``ProjectIndex._plain_lineage``).
        Its instance has no mode of its own (`clf.eval()` does not exist); what it holds runs in
        its methods."""
        name = dotted(value.func)
        cls = self.facts.class_named(name) if name and "." not in name else None
        if cls is None or not cls.bases:
            return False
        if id(cls) not in self._plain_objects:
            self._plain_objects[id(cls)] = self._is_plain_class(cls) or self._plain_project_lineage(name)  # type: ignore[arg-type]
        return self._plain_objects[id(cls)]

    def _plain_project_lineage(self, name: str) -> bool:
        """``ProjectIndex._plain_lineage`` for the class ``name`` of this file."""
        tree = getattr(self.facts, "ast_tree", None)
        if tree is None or not self.facts.path:
            return False
        classes = {n.name: n for n in tree.body if isinstance(n, ast.ClassDef)}
        functions = {n.name: n for n in tree.body if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef))}
        node = classes.get(name)  # type: ignore[arg-type]
        if node is None:
            return False
        from bnlint.inventory import _import_aliases

        return self.facts.index._plain_lineage(self.facts.path, node, functions, _import_aliases(tree), classes)

    def _constructor_part_calls(self, cls: cst.ClassDef, attr: str, composite: Obj) -> None:
        """What the class's `__init__` does to the models of `self.<attr>` (a holder of another
        module's class) by calling its methods after building it (`self.detector.load(path)`,
        whose summary puts `self.model` in eval): the modes its parts start with in the methods."""
        init = self._methods_of(cls).get("__init__")
        if init is None or not composite.cls_name or not isinstance(init.body, cst.IndentedBlock):
            return
        for stmt in init.body.body:
            small = stmt.body[0] if isinstance(stmt, cst.SimpleStatementLine) and len(stmt.body) == 1 else None
            call = small.value if isinstance(small, cst.Expr) else small.value if isinstance(small, cst.Assign) else None
            if not (isinstance(call, cst.Call) and isinstance(call.func, cst.Attribute) and dotted(call.func.value) == f"self.{attr}"):
                continue
            for part_attr, part in (composite.parts or {}).items():
                effect = self.facts.index.attribute_method_effect(self.facts.path, composite.cls_name, call.func.attr.value, part_attr)  # type: ignore[arg-type]
                if effect is None or effect.exit == "=":
                    continue
                before = self._part_entry.get(id(part), frozenset({Val(TRAIN)}))
                if effect.exit.startswith("=|"):
                    self._part_entry[id(part)] = before | {Val(effect.exit[2:], (call,))}
                else:
                    self._part_entry[id(part)] = frozenset({Val(effect.exit, (call,) if effect.exit != TRAIN else ())})

    def _switched_both_ways(self, cls: cst.ClassDef, attr: str) -> bool:
        """Do the methods of ``cls`` put `self.<attr>` in train and in eval mode, on the attribute
        or on a local name a method binds to it (``inventory.attributes_switched``, the reading
        used for classes of other modules too)?"""
        switched = self._attr_switch_cache.get(id(cls))
        if switched is None:
            from bnlint.inventory import attributes_switched

            node = self._ast_definition(cls)  # type: ignore[arg-type]
            switched = attributes_switched(node) if isinstance(node, ast.ClassDef) else {}
            self._attr_switch_cache[id(cls)] = switched
        seen = switched.get(attr, set())
        return TRAIN in seen and EVAL in seen

    def _subclasses_of(self, cls: cst.ClassDef) -> List[cst.ClassDef]:
        """The classes of this module that name ``cls`` as a base."""
        return [sub for sub in self.facts.classes if sub is not cls and any(dotted(b.value) == cls.name.value for b in sub.bases)]

    def _built_by_subclasses(self, cls: cst.ClassDef, attr: str) -> List[Tuple[cst.BaseExpression, cst.CSTNode]]:
        """`self.netg` in a method of a base class that never sets it, where every subclass of this
        module that sets it builds it (`self.netg = NetG(opt)` in `Ganomaly.__init__`): what those
        subclasses build. Empty when one sets it otherwise (a parameter: another object each time)
        or no subclass sets it."""
        out: List[Tuple[cst.BaseExpression, cst.CSTNode]] = []
        for sub in self._subclasses_of(cls):
            assigned = self._self_assignments(sub).get(attr, [])
            if any(not isinstance(v, (cst.Call, cst.IfExp)) for v, _ in assigned):
                return []
            out.extend(assigned)
        return out

    def _rebinds_itself(self, value: cst.BaseExpression, method: cst.CSTNode, cls: cst.ClassDef, attr: str) -> bool:
        """`self.model = accelerator.prepare(self.model)` (`unwrap_model`, `DataParallel(...)`,
        `.to(device)`): the same object again, wrapped or moved."""
        while True:
            value = _moved(value)
            if not isinstance(value, cst.Call) or not value.args:
                break
            leaf = (self.facts.callee(value) or dotted(value.func) or "").rsplit(".", 1)[-1]
            func = value.func
            if leaf in WRAPPER_LEAVES or (
                isinstance(func, cst.Attribute) and func.attr.value in _ACCELERATOR_PASSTHROUGH and len(value.args) == 1
                and self._is_accelerator(func.value, method if isinstance(method, cst.FunctionDef) else None, cls)
            ):
                value = value.args[0].value
            elif (handed := self._handed_back(value)) is not None:
                value = handed  # `self.model = fix_bn(self.model)`: a project helper that returns it
            else:
                break
        return dotted(value) == f"self.{attr}"

    def _handed_back(self, call: cst.Call, index: Optional[int] = None, length: int = 0) -> Optional[cst.BaseExpression]:
        """The argument of ``call`` that it returns, when it calls a function of another project
        module whose every `return` hands back that parameter (``FunctionEffects.returned_parameter``);
        with ``index``, at that position of the tuple of ``length`` it returns (`net, losses = fit(net, ...)`)."""
        name = dotted(call.func)
        inv = self.facts.inventory
        if not name or not self.facts.path or not call.args or not inv.is_imported(name) or any(a.star for a in call.args):
            return None
        key = (name, index, length)
        if key not in self._returned_params:
            effects = self.facts.index.function_effects(self.facts.path, inv.resolve(name))
            param = effects.returned_parameter(index, length) if effects is not None else None
            self._returned_params[key] = (effects, param) if param is not None else None
        known = self._returned_params[key]
        if known is None:
            return None
        effects, param = known
        return effects.argument_for(call.args, param)

    def _stored_parameter(self, cls: cst.ClassDef, attr: str) -> bool:
        """Is `self.<attr>` of a plain class set only in `__init__`, from one of its parameters
        (or again to itself, wrapped or moved, elsewhere)?"""
        if not self._is_plain_class(cls):
            return False
        assigned = [(v, m) for v, m in self._self_assignments(cls).get(attr, []) if not self._rebinds_itself(v, m, cls, attr)]

        def parameter(value: cst.BaseExpression, method: cst.FunctionDef) -> bool:
            # `self.model = model`, or moved: `model.to(self.device)`, `model.cuda()`, or with a
            # function applied to each submodule (`generator.apply(init_weights)` returns it)
            value = _moved(_applied(value))
            return isinstance(value, cst.Name) and value.value in {p.name.value for p in all_params(method)}

        return bool(assigned) and all(
            isinstance(method, cst.FunctionDef) and method.name.value == "__init__" and parameter(value, method)
            for value, method in assigned
        )

    def _stored_by_local_base(self, cls: cst.ClassDef, attr: str) -> bool:
        """`self.<attr>` that ``cls`` never sets, stored from a parameter by the `__init__` of a base
        class of this module (`AbstractTrainer.__init__(self, config, model)`: `self.model =
        model`, reached by `super().__init__(config, model)`)."""
        if any(not self._rebinds_itself(v, m, cls, attr) for v, m in self._self_assignments(cls).get(attr, [])):
            return False
        seen: Set[int] = set()
        todo = [cls]
        while todo:
            current = todo.pop()
            for base in current.bases:
                name = dotted(base.value)
                found = self.facts.class_named(name) if name else None
                if found is None or id(found) in seen:
                    continue
                seen.add(id(found))
                if attr in self._self_assignments(found):
                    return self._stored_parameter(found, attr)
                todo.append(found)
        return False

    def _imported_base_part(self, cls: cst.ClassDef, attr: str) -> Optional[Tuple[bool, bool, bool]]:
        """``ProjectIndex.inherited_part`` for `self.<attr>` of ``cls``, a class of this file whose
        bases are plain project classes of other modules (or `object`), the first of them that
        builds the part in its constructor."""
        if not self.facts.path or self.facts.index is None or not cls.bases:
            return None
        if cls in self._inherited_parts and attr in self._inherited_parts[cls]:
            return self._inherited_parts[cls][attr]
        inv = self.facts.inventory
        answer = None
        names = [dotted(base.value) for base in cls.bases]
        if not cls.keywords and all(name == "object" or (name and inv.is_imported(name)) for name in names):
            for name in names:
                if name != "object":
                    answer = self.facts.index.inherited_part(self.facts.path, inv.resolve(name), attr)  # type: ignore[arg-type]
                    if answer is not None:
                        break
        self._inherited_parts.setdefault(cls, {})[attr] = answer
        return answer

    def _built_by_local_bases(self, cls: cst.ClassDef, attr: str) -> List[Tuple[cst.BaseExpression, cst.CSTNode]]:
        """The calls that build `self.<attr>` in the nearest base class of this file that assigns
        it (what `super().__init__()` runs for the subclass)."""
        todo = [cls]
        seen = {id(cls)}
        while todo:
            current = todo.pop(0)
            for base in current.bases:
                name = dotted(base.value)
                found = self.facts.class_named(name) if name else None
                if found is None or id(found) in seen:
                    continue
                seen.add(id(found))
                assigned = self._self_assignments(found).get(attr)
                if assigned:
                    return [(v, scope) for v, scope in assigned if isinstance(v, (cst.Call, cst.IfExp))]
                todo.append(found)
        return []

    def _stored_parameter_name(self, cls: cst.ClassDef, attr: str) -> Optional[str]:
        """The `__init__` parameter that `self.<attr>` stores (see ``_stored_parameter``)."""
        for value, _method in self._self_assignments(cls).get(attr, []):
            value = _moved(_applied(value))
            if isinstance(value, cst.Name):
                return value.value
        return None

    def _parameter_obj(self, name: str, fn: Optional[cst.FunctionDef], label: Optional[str] = None) -> Obj:
        """The object a parameter ``name`` of ``fn`` (analysed on its own) stands for: of unknown
        content, unless the module puts it in train mode (``bnlint.callers.trained_parameters``)
        and a caller in another project module hands it a model with BatchNorm or dropout (``fn``
        None: not looked for).  Only then can its content matter to BN001 (an evaluation in
        train mode that the module itself sets up); every other use of a parameter's mode is
        followed without it."""
        obj = Obj(label=label or name, holds_bn=False, is_parameter=True)
        tree = getattr(self.facts, "ast_tree", None)
        if fn is None or not name or not self.facts.path or tree is None:
            return obj
        owner = self.facts.parent_of_def(fn)
        if isinstance(owner, cst.Module):
            callee = fn.name.value
        elif isinstance(owner, cst.ClassDef) and fn.name.value == "__init__" and isinstance(self.facts.parent_of_def(owner), cst.Module):
            callee = owner.name.value  # its construction, `Trainer(net, ...)`
        else:
            return obj  # a method called on an instance: its receiver's class is not known at the call
        if self._trained_parameters is None:
            from bnlint.callers import trained_parameters

            self._trained_parameters = {(c, p): i for c, p, i in trained_parameters(tree)}
        position = self._trained_parameters.get((callee, name))
        evidence = self.facts.index.argument_evidence(self.facts.path, callee, position, name) if position is not None and self.facts.path.endswith(".py") else None
        if evidence is not None:
            obj.from_caller = evidence
            obj.holds_bn = evidence.kind == "bn"
            obj.holds_dropout = evidence.kind == "dropout"
        elif position is not None and self.facts.path.endswith(".py"):
            # A caller that hands it a model known to have neither: its content is known.
            obj.built_plain = self.facts.index.passes_plain_model(self.facts.path, callee, position, name)
        return obj

    def _constructor_freeze(self, cls: cst.ClassDef, attr: str) -> Optional[cst.Call]:
        """The call in the construction of a plain class's instance (``_init_methods``) that puts
        the BatchNorm layers of the model it keeps in `self.<attr>` in eval: a helper of another
        project module whose summary freezes what it is handed (`self.model = fix_bn(self.model)`,
        `fix_bn` looping over `.modules()` with `m.eval()` on BN), on some path (a configuration
        flag).  A method that runs later then finds the model frozen, and its `.train()` undoes
        the freeze (BN014)."""
        key = (id(cls), attr, "freeze")
        if key in self._attr_train_cache:
            return self._attr_train_cache[key]  # type: ignore[return-value]
        found: Optional[cst.Call] = None
        methods = self._methods_of(cls)
        target = f"self.{attr}"
        for name in sorted(self._init_methods(cls)):
            for node in self.walk(methods[name]) if name in methods else ():
                if found is None and isinstance(node, cst.Call) and self._freezing_helper_call(node, target):
                    found = node
        self._attr_train_cache[key] = found  # type: ignore[assignment]
        return found

    def _mode_method_call(self, call: cst.Call) -> bool:
        """`model.module.freeze_bn()`: a call of a method that some class of this file, or a
        project class it imports, defines and that switches modes (`.eval()`, `.train(...)`,
        `.apply(...)` in its body).  (By the method's name: which object's class runs it is the
        analysis's business; this only says the `if` around it decides a mode.)"""
        if not isinstance(call.func, cst.Attribute):
            return False
        if self._mode_method_names is None:
            from bnlint.effects import switches_modes_in

            names: Set[str] = set()
            inv = self.facts.inventory
            classes = list(inv.classes.values())
            if self.facts.index is not None and self.facts.path:
                called = {dotted(c.func) for c in self.facts.calls}
                for local in inv.aliases:
                    # (Only classes this file builds: their modules are read for their BN anyway.)
                    found = self.facts.index.class_definition(self.facts.path, inv.resolve(local)) if local in called and inv.is_imported(local) else None
                    if found is not None:
                        classes.append(found[4][found[1]])
            for cls in classes:
                for item in cls.body:
                    if isinstance(item, (ast.FunctionDef, ast.AsyncFunctionDef)) and item.name not in ("train", "eval", "__init__") and switches_modes_in(item):
                        names.add(item.name)
            self._mode_method_names = names
        return call.func.attr.value in self._mode_method_names

    def _under_if(self, node: cst.CSTNode) -> bool:
        """Is ``node`` inside an `if` of its function (or of the module's top level)?"""
        for anc in self.facts.ancestors(node):
            if isinstance(anc, cst.If):
                return True
            if isinstance(anc, (cst.FunctionDef, cst.ClassDef)):
                return False
        return False

    def _freezing_helper_call(self, call: cst.Call, target: Optional[str] = None) -> bool:
        """Is ``call`` a function of another project module whose summary freezes the BatchNorm of
        what it is handed (`fix_bn(self.model)`), as the argument ``target`` (any, if None)?"""
        callee = dotted(call.func)
        inv = self.facts.inventory
        if not callee or not call.args or not self.facts.path or not inv.is_imported(callee) or any(a.star for a in call.args):
            return False
        if target is not None and not any(dotted(a.value) == target for a in call.args):
            return False
        if callee not in self._freeze_helpers:
            self._freeze_helpers[callee] = self.facts.index.freeze_helper(self.facts.path, inv.resolve(callee))
        effects = self._freeze_helpers[callee]
        if effects is None:
            return False
        for index, arg in enumerate(call.args):
            if target is not None and dotted(arg.value) != target:
                continue
            pname = effects.parameter_for(index if arg.keyword is None else None, arg.keyword.value if arg.keyword is not None else None)
            effect = effects.effects.get(pname) if pname else None
            if effect is not None and effect.freezes_bn:
                return True
        return False

    def _constructor_freeze_vals(self, cls: cst.ClassDef, attr: str, entry: str, is_parameter: bool) -> FrozenSet[Val]:
        """The entry values of a kept model frozen while its trainer was built
        (``_constructor_freeze``): frozen, or, when the freeze ran under a configuration flag the
        file tests again (`if self.cfg.get('fix_bn', False):`), frozen under that flag and not
        under its negation (one decision)."""
        frozen = self._constructor_freeze(cls, attr)
        if frozen is None:
            return frozenset({Val(entry, entry=is_parameter)})
        for anc in self.facts.ancestors(frozen):
            if isinstance(anc, (cst.FunctionDef, cst.ClassDef)):
                break
            if isinstance(anc, cst.If):
                key = self._flag_key(anc.test)
                if key is not None and key in self._repeated_flags():
                    return frozenset({
                        Val(entry, entry=is_parameter, frozen=frozen, guards=frozenset({(key, True)})),
                        Val(entry, entry=is_parameter, guards=frozenset({(key, False)})),
                    })
                break
        return frozenset({Val(entry, entry=is_parameter, frozen=frozen)})

    def _attr_built_in_train_mode(self, cls: cst.ClassDef, attr: str) -> bool:
        """Is `self.<attr>` of a plain class (a predictor, a trainer: not an `nn.Module`, whose
        submodules follow the parent's mode) a model in train mode whenever a method runs?

        It is when the attribute is only ever set while the instance is built (`__init__` and the
        methods only it calls, `self.setup_model()`), each time to a newly built model (a
        constructor or factory call: new modules start in train mode), and nothing in the file
        may switch it to anything but train mode afterwards: no `.eval()`, `.train(False)` or
        freeze call on `self.<attr>` or `<x>.<attr>` (a `fit()` that calls `.train()` leaves it in
        train mode), no method that puts `self` itself in a mode, and the attribute never handed
        to a call or bound to another name (a helper or an alias could switch it unseen)."""
        key = (id(cls), attr)
        cached = self._attr_train_cache.get(key)
        if cached is not None:
            return cached
        result = False
        if self._is_plain_class(cls):
            assigned = self._self_assignments(cls).get(attr, [])
            building = self._init_methods(cls)
            result = bool(assigned) and all(
                isinstance(method, cst.FunctionDef) and method.name.value in building and isinstance(value, cst.Call) and self._constructor_name(value) is not None
                # (Not a builder that hands it back in eval mode: `net.eval(); return net`.)
                and ((built := self._construction(value)) is None or built.mode == TRAIN)
                for value, method in assigned
            )
            if result:
                result = not self._attr_may_be_switched(cls, attr, to_train_ok=True)
        if not result and not self._self_assignments(cls).get(attr) and not self._built_by_local_bases(cls, attr):
            # Built by the constructor of a plain base class of another module, which keeps it
            # in train mode; then nothing here may switch it either.
            inherited = self._imported_base_part(cls, attr)
            result = inherited is not None and inherited[2] and not self._attr_may_be_switched(cls, attr, to_train_ok=True)
        self._attr_train_cache[key] = result
        return result

    def _is_plain_class(self, cls: cst.ClassDef) -> bool:
        """Is ``cls`` known not to be a module: no base classes but `object` and this file's own
        plain classes?  (A base from elsewhere may be `nn.Module`, `ScriptModule`, a `BaseModel`.)"""
        seen: Set[str] = set()
        todo = [cls]
        while todo:
            current = todo.pop()
            if current.name.value in seen:
                continue
            seen.add(current.name.value)
            for base in current.bases:
                name = dotted(base.value)
                if name == "object" or (name and self.facts.inventory.resolve(name) in PLAIN_LIBRARY_BASES):
                    continue
                local = self.facts.class_named(name) if name and "." not in name else None
                if local is None:
                    # (A plain base of another project module, `class TAKD(BaseClass)`, would do too,
                    # but then every pix2pix-style `TestModel(BaseModel)` runs its generator "in train
                    # mode" at test time, where that codebase keeps train mode on purpose and its BN
                    # depends on a `--norm` option: not followed until the option's value is.)
                    return False
                todo.append(local)
        return True

    def _attr_may_be_switched(self, cls: cst.ClassDef, attr: str, outside: Set[str] = frozenset(), to_train_ok: bool = False) -> bool:
        """May something switch `self.<attr>`'s mode: a mode call on it, a helper it is handed
        to, an alias of it?  Calls in the methods ``outside`` (the construction, already
        analysed) and wrappers (`nn.DataParallel(self.net)`) do not count; with ``to_train_ok``
        neither does a `.train()` on the attribute itself."""
        for call in self.facts.calls:
            if outside:
                fn = self.facts.enclosing_function(call)
                if fn is not None and fn.name.value in outside and self.facts.enclosing_class(call) is cls:
                    continue
            receiver = _mode_call_receiver(call)
            if receiver and receiver[0] == "self" and not self._same_self(call, cls):
                receiver = None  # `self.net.eval()` in another class: another object (objects, not names)
            if receiver and (attr in receiver[1:] or (receiver == ["self"] and self.facts.enclosing_class(call) is cls)):
                if to_train_ok and receiver[-1:] == [attr] and isinstance(call.func, cst.Attribute) and call.func.attr.value == "train" and self._mode_of_call(call) == TRAIN:
                    continue
                return True
            if any(
                isinstance(arg.value, cst.Attribute) and arg.value.attr.value == attr and (dotted(arg.value.value) != "self" or self._same_self(call, cls))
                for arg in call.args
            ) and not self._keeps_modes(call):
                # `helper(self.model)`: the helper may switch it, unless it is a function of this
                # file that switches no mode at all.
                callee = self._file_callee(call, cls)
                if callee is None and self._project_callee_keeps_mode(call, attr):
                    continue
                if callee is None or self._switches_modes(callee):
                    return True
        for node in self.walk(self.module):
            if isinstance(node, (cst.Assign, cst.AnnAssign)):
                value = node.value
                if isinstance(value, cst.Attribute) and value.attr.value == attr and (dotted(value.value) != "self" or self._same_self(node, cls)):
                    return True  # `model = self.model`: the alias may be switched
        # A script of the project that imports the class and switches the part itself
        # (`learner.model.eval()` before `learner.infer(...)`): its mode at a method is the
        # caller's choice.  (Read from the text: `.model.eval(` in a file importing the class.)
        return self._switched_by_importers(cls, attr)

    def _switched_by_importers(self, cls: cst.ClassDef, attr: str) -> bool:
        """Does a script of the project that imports ``cls`` switch the mode of its `self.<attr>`
        (`learner.model.eval()`), also through a method that hands it out (`task.get_model().eval()`
        with `def get_model(self): return self.model`, or a property)?"""
        if not self.facts.path:
            return False
        index = self.facts.index
        if index.mode_switched_by_importers(self.facts.path, attr, cls.name.value):
            return True
        for name, method in self._methods_of(cls).items():
            if self._getter_attribute(cls.name.value, name) == attr:
                prop = any(dotted(d.decorator) == "property" for d in method.decorators)
                # (Through the getter the scripts need not import the class: a task factory builds
                # it.  Any project file that switches what the getter hands out counts.)
                if index.mode_switched_elsewhere(self.facts.path, name if prop else f"{name}()"):
                    return True
        return False

    def _project_callee_keeps_mode(self, call: cst.Call, attr: str) -> bool:
        """Is ``call`` a call of a function of another project module whose summary leaves the
        mode of what it gets as `self.<attr>` as it was (`get_matched_pairs(..., self.phi, ...)`
        that only runs it under no_grad): no switch, no freeze, not handed on to code unread?"""
        from bnlint.effects import ENTRY

        name = dotted(call.func)
        inv = self.facts.inventory
        if not name or not self.facts.path or any(a.star for a in call.args) or not inv.is_imported(name):
            return False
        effects = self.facts.index.function_effects(self.facts.path, inv.resolve(name))
        if effects is None:
            return False
        for index, arg in enumerate(call.args):
            if not (isinstance(arg.value, cst.Attribute) and arg.value.attr.value == attr):
                continue
            pname = effects.parameter_for(None if arg.keyword else index, arg.keyword.value if arg.keyword else None)
            if pname is None:
                return False
            effect = effects.effects.get(pname)
            if effect is not None and (effect.exit != ENTRY or effect.steps or effect.at_yield is not None):
                return False
        return True

    def _same_self(self, node: cst.CSTNode, cls: cst.ClassDef) -> bool:
        """Is `self` at ``node`` (in a method of some class) possibly an instance of ``cls``: the
        same class, or one of its subclasses or bases in this file?"""
        other = self.facts.enclosing_class(node)
        if other is None or other is cls:
            return True
        return other in self._subclasses_of(cls) or cls in self._subclasses_of(other)

    def _file_callee(self, call: cst.Call, cls: cst.ClassDef) -> Optional[cst.FunctionDef]:
        """The function of this file a call runs: `f(...)` (module level) or `self.m(...)` in ``cls``."""
        func = call.func
        if isinstance(func, cst.Name):
            return self.facts.function_named(func.value)
        if isinstance(func, cst.Attribute) and isinstance(func.value, cst.Name) and func.value.value == "self":
            return self._methods_of(cls).get(func.attr.value)
        return None

    def _self_assignments(self, cls: cst.ClassDef) -> Dict[str, List[Tuple[cst.BaseExpression, cst.CSTNode]]]:
        """``self.<attr> = value`` in the class's methods: attr -> [(value, method)], computed once per class."""
        cached = self._self_assign_cache.get(cls)
        if cached is not None:
            return cached
        out: Dict[str, List[Tuple[cst.BaseExpression, cst.CSTNode]]] = {}
        for item in _body_of(cls):
            if not isinstance(item, cst.FunctionDef):
                continue
            for node in self.walk(item):
                kind = type(node)
                if kind is cst.Assign:
                    for t in node.targets:
                        tgt = t.target
                        if isinstance(tgt, cst.Attribute) and isinstance(tgt.value, cst.Name) and tgt.value.value == "self":
                            out.setdefault(tgt.attr.value, []).append((node.value, item))
                elif kind is cst.AnnAssign and node.value is not None:
                    tgt = node.target
                    if isinstance(tgt, cst.Attribute) and isinstance(tgt.value, cst.Name) and tgt.value.value == "self":
                        out.setdefault(tgt.attr.value, []).append((node.value, item))
        self._self_assign_cache[cls] = out
        return out

    def _self_attr_class(self, expr: cst.Attribute) -> Tuple[Optional[str], bool]:
        cls = self.facts.enclosing_class(expr)
        if cls is None:
            return None, False
        target = dotted(expr)
        for node in self.walk(cls):
            if isinstance(node, cst.Assign) and any(dotted(t.target) == target for t in node.targets):
                name = self._constructor_name(node.value)
                if name:
                    return name, self._keeps_bn_eval(name)
        return None, False

    def resolve_sub(self, expr: cst.BaseExpression, st: State, fr: Frame) -> Tuple[Optional[Obj], List[str]]:
        """``model.backbone.bn1`` -> (model, ['backbone', 'bn1'])."""
        path: List[str] = []
        cur = expr
        while True:
            obj = self.resolve(cur, st, fr)
            if obj is not None:
                return obj, list(reversed(path))
            if isinstance(cur, cst.Attribute):
                path.append(cur.attr.value)
                cur = cur.value
                continue
            if isinstance(cur, cst.Subscript):
                path.append("[]")
                cur = cur.value
                continue
            return None, []

    def _constructor_name(self, expr: cst.BaseExpression) -> Optional[str]:
        while isinstance(expr, cst.Call):
            func = expr.func
            if isinstance(func, cst.Attribute) and (func.attr.value in KEEPS_MODE or func.attr.value in ("train", "eval")):
                expr = func.value
                continue
            q = self.facts.callee(expr) or ""
            if q.rsplit(".", 1)[-1] in WRAPPER_LEAVES and expr.args:
                expr = expr.args[0].value
                continue
            return dotted(func)
        return None

    def _keeps_bn_eval(self, name: Optional[str]) -> bool:
        return keeps_bn_eval(self.facts, name)

    def _constructor_evals_every_part(self, name: Optional[str]) -> bool:
        """Does the constructor of the class ``name`` of this file put in eval (`self.encoder.eval()`)
        every part it builds that holds BatchNorm or dropout, and build no other such layer?"""
        cls = self.facts.class_named(name) if name and "." not in name else None
        if cls is None:
            return False
        cached = self._evals_every_part.get(id(cls))
        if cached is not None:
            return cached
        self._evals_every_part[id(cls)] = False  # (cycle guard)
        methods = self._methods_of(cls)
        bodies = [methods[m] for m in self._init_methods(cls) if m in methods]
        switched = {
            node.func.value.attr.value
            for body in bodies for node in self.walk(body)
            if isinstance(node, cst.Call) and isinstance(node.func, cst.Attribute) and node.func.attr.value == "eval"
            and isinstance(node.func.value, cst.Attribute) and isinstance(node.func.value.value, cst.Name) and node.func.value.value.value == "self"
        }
        answer = bool(switched)
        targets = {f"self.{a}" for a in switched}
        for body in bodies if answer else ():
            for node in self.walk(body):
                if not isinstance(node, cst.Call):
                    continue
                if any(isinstance(a, cst.Assign) and any(dotted(t.target) in targets for t in a.targets) for a in self.facts.ancestors(node)):
                    continue  # (building the part it puts in eval)
                if self._value_holds_bn(node, body) or self._value_holds_dropout(node):
                    answer = False
                    break
        self._evals_every_part[id(cls)] = answer
        return answer

    # --- statements ------------------------------------------------------------
    def _tick(self) -> None:
        self._steps += 1
        if self._steps > MAX_STEPS:
            raise _Abort()

    def _exec_block(self, body: Sequence[cst.CSTNode], st: Optional[State], fr: Frame) -> Optional[State]:
        for stmt in body:
            if st is None:
                return None
            st = self._exec_stmt(stmt, st, fr)
        return st

    def _exec_stmt(self, stmt: cst.CSTNode, st: State, fr: Frame) -> Optional[State]:
        self._tick()
        if isinstance(stmt, cst.SimpleStatementLine):
            for small in stmt.body:
                if st is None:
                    return None
                st = self._exec_small(small, st, fr)
            return st
        if isinstance(stmt, cst.BaseSmallStatement):
            # The body of a one-line compound statement (`if args.test: evaluate(model)`,
            # `for x, _ in loader: outs.append(model(x))`) holds small statements directly.
            return self._exec_small(stmt, st, fr)
        if isinstance(stmt, (cst.FunctionDef, cst.ClassDef)):
            return st
        if isinstance(stmt, cst.If):
            self._exec_expr(stmt.test, st, fr)
            if _is_main_guard(stmt.test):
                return self._exec_block(_body_of(stmt), st, fr)
            orelse = stmt.orelse
            if orelse is None:
                run_orelse = None
            elif isinstance(orelse, cst.If):
                run_orelse = lambda branch: self._exec_stmt(orelse, branch, fr)  # noqa: E731
            else:
                run_orelse = lambda branch: self._exec_block(_body_of(orelse), branch, fr)  # noqa: E731
            return self._exec_branches(stmt.test, lambda branch: self._exec_block(_body_of(stmt), branch, fr), run_orelse, st, fr)
        return self._exec_compound(stmt, st, fr)

    def _exec_branches(
        self, test: cst.BaseExpression, run_body: Callable[[State], Optional[State]], run_orelse: Optional[Callable[[State], Optional[State]]], st: State, fr: Frame,
    ) -> Optional[State]:
        """`if test: body else: orelse`, also written as a conditional expression statement
        (`model.eval() if use_eval else model.train()`): a test the literals decide runs one
        branch; otherwise both, from copies of ``st``, joined (``test`` has run already)."""
        known = self._static_truth(test, self._literals_for(test, fr)) if fr.literals or fr.constants else None
        if known is None:
            known = self._module_instance_test(test, st, fr)
        if known is True:
            return run_body(st)
        if known is False:
            return st if run_orelse is None else run_orelse(st)
        mode_test = self._mode_test(test, st, fr)
        if mode_test is None:
            body_entry: Optional[State] = st.copy()
            else_entry: Optional[State] = st if run_orelse is None else st.copy()
            flag = self._flag_of(test)
        else:
            # A test of the model's own mode (`if not net.training: net.train()`) is decided by
            # the mode, path by path, not a configuration flag.
            body_entry, else_entry = self._on_mode_path(mode_test, st.copy(), True), self._on_mode_path(mode_test, st, False)
            flag = None
        saved = self._saved_mode_test(test, st, fr)
        a = run_body(self._under_flag(body_entry, flag, True)) if body_entry is not None else None
        b: Optional[State]
        if else_entry is None:
            b = None
        elif run_orelse is None:
            b = self._under_flag(else_entry, flag, False)
        else:
            b = run_orelse(self._under_flag(else_entry, flag, False))
        if saved is not None:
            obj, positive = saved
            name = test.expression if isinstance(test, cst.UnaryOperation) else test
            before = self._saved_modes.get(self._var_key(name.value, fr)) if isinstance(name, cst.Name) else None
            if before and all(v.mode == TRAIN for v in before):
                # Saved while surely in train mode: the path where it was eval is not taken
                # (`finally: if was_training: model.train()` restores train mode).
                if positive:
                    b = None
                else:
                    a = None
            elif before and all(v.mode == EVAL for v in before):
                if positive:
                    a = None
                else:
                    b = None
            was_eval = b if positive else a  # the path where the saved mode was eval
            if was_eval is not None and obj in was_eval.modes:
                was_eval.modes[obj] = frozenset(v.replace(restored=True) if v.mode == EVAL else v for v in was_eval.modes[obj])
        return join([a, b])

    def _exec_compound(self, stmt: cst.CSTNode, st: State, fr: Frame) -> Optional[State]:
        if isinstance(stmt, cst.For):
            self._exec_expr(stmt.iter, st, fr)
            restored = self._modules_loop_restore(stmt, st, fr)
            if restored is not None:
                # `for name, m in model.named_modules(): m.train(saved[name])`: each module back in
                # the mode saved before (not followed per module: the model's mode is unknown).
                st.modes[restored] = frozenset({Val(UNKNOWN, (stmt,), fr.act)})
                return st
            freeze_target = self._modules_loop_freeze(stmt, st, fr)
            if freeze_target is not None:
                obj, full = freeze_target
                if full:
                    self._set_mode(obj, EVAL, stmt, st, fr)
                else:
                    self._freeze(obj, stmt, st)
                return st
            members = self._sequence_members(stmt.iter, st, fr) if isinstance(stmt.target, cst.Name) else None
            if members:
                return self._exec_over_members(stmt, members, st, fr)
            phases = _string_literals(stmt.iter)
            # One level of unrolling: a loop over strings inside another one (an experiment grid,
            # `for dataset in [...]: for arch in [...]:`) is an ordinary loop, or the unrolled
            # bodies multiply.
            if phases and isinstance(stmt.target, cst.Name) and stmt.orelse is None and not self._phases:
                return self._exec_phases(stmt, stmt.target.value, phases, st, fr)
            return self._exec_loop(stmt, st, fr, targets=stmt.target)
        if isinstance(stmt, cst.While):
            self._exec_expr(stmt.test, st, fr)
            return self._exec_loop(stmt, st, fr, targets=None)
        if isinstance(stmt, cst.With):
            restore: List[Tuple[Obj, str, FrozenSet[Val], cst.Call]] = []
            for item in stmt.items:
                entered = self._remote_call(item.item, st, fr, entering=True) if isinstance(item.item, cst.Call) else None
                if entered is None:
                    self._exec_expr(item.item, st, fr)
                else:
                    restore.extend(entered)
            out = self._exec_block(_body_of(stmt), st, fr)
            # A context manager of another module leaves the `with` as its summary says: restored
            # to the mode before it (`finally: model.train(was_training)`), or set.
            for obj, mode, before, call in restore:
                if out is not None:
                    if mode == "=":
                        out.modes[obj] = before
                    else:
                        self._set_mode(obj, mode, call, out, fr)
            return out
        if isinstance(stmt, cst.Try) or type(stmt).__name__ == "TryStar":
            entry = st.copy()
            s1 = self._exec_block(_body_of(stmt), st, fr)
            outs: List[Optional[State]] = []
            handler_entry = join([entry, s1])
            for h in getattr(stmt, "handlers", ()):
                if handler_entry is not None:
                    outs.append(self._exec_block(_body_of(h), handler_entry.copy(), fr))
            if stmt.orelse is not None and s1 is not None:
                s1 = self._exec_block(_body_of(stmt.orelse), s1, fr)
            outs.append(s1)
            out = join(outs)
            if stmt.finalbody is not None:
                base = out if out is not None else handler_entry
                if base is not None:
                    fin = self._exec_block(_body_of(stmt.finalbody), base.copy(), fr)
                    return fin if out is not None else None
            return out
        if type(stmt).__name__ == "Match":
            self._exec_expr(stmt.subject, st, fr)  # type: ignore[attr-defined]
            outs = [self._exec_block(_body_of(case), st.copy(), fr) for case in stmt.cases]  # type: ignore[attr-defined]
            outs.append(st)
            return join(outs)
        return st

    def _exec_loop(self, loop: cst.CSTNode, st: State, fr: Frame, targets) -> Optional[State]:
        entry = st
        if targets is not None:
            entry = entry.copy()
            self._unbind_targets(targets, entry, fr)
        head = entry
        infinite = isinstance(loop, cst.While) and isinstance(loop.test, cst.Name) and loop.test.value == "True"
        fr.breaks.append([])
        fr.continues.append([])
        self._loop_stack.append(loop)
        try:
            last_breaks: List[State] = []
            for _ in range(MAX_LOOP_ITERS):
                fr.breaks[-1] = []
                fr.continues[-1] = []
                end = self._exec_block(_body_of(loop), head.copy(), fr)
                back = join([end] + fr.continues[-1])
                last_breaks = list(fr.breaks[-1])
                if back is None:
                    break
                back = self._mark_back_edge(loop, back, entry, fr)
                new_head = join([entry, back])
                assert new_head is not None
                if new_head.same(head):
                    break
                head = new_head
        finally:
            fr.breaks.pop()
            fr.continues.pop()
            self._loop_stack.pop()
        exits: List[Optional[State]] = list(last_breaks)
        if not infinite:
            # The state the loop leaves when it ends normally: after an iteration where it surely
            # runs one (`if n >= 1: for i in range(n):`), else possibly without any.
            done = back if back is not None and self._runs_at_least_once(loop) else head
            orelse = getattr(loop, "orelse", None)
            if orelse is not None:
                exits.append(self._exec_block(_body_of(orelse), done.copy(), fr))
            else:
                exits.append(done)
        out = join(exits)
        if out is not None:
            for obj, vals in list(out.modes.items()):
                if any((v.mark is not None and v.mark[0] is loop) or v.over_train is loop for v in vals):
                    out.modes[obj] = frozenset(
                        v.replace(mark=None if v.mark is not None and v.mark[0] is loop else v.mark, over_train=None if v.over_train is loop else v.over_train)
                        for v in vals
                    )
        return out

    def _runs_at_least_once(self, loop: cst.CSTNode) -> bool:
        """A `for` over `range(n)` whose `n` is a positive literal or is known positive where the
        loop runs: an enclosing `if n >= 1:` / `if n > 0:` of the same function."""
        if not (isinstance(loop, cst.For) and isinstance(loop.iter, cst.Call) and dotted(loop.iter.func) == "range"):
            return False
        args = loop.iter.args
        if len(args) == 2 and literal_value(args[0].value) == 0:
            args = args[1:]
        if len(args) != 1 or args[0].keyword is not None:
            return False
        bound = args[0].value
        value = literal_value(bound)
        if isinstance(value, int) and not isinstance(value, bool):
            return value >= 1
        text = dotted(bound)
        if not text:
            return False
        for anc in self.facts.ancestors(loop):
            if isinstance(anc, (cst.FunctionDef, cst.ClassDef)):
                return False
            if isinstance(anc, cst.If) and self._inside(loop, anc.body) and isinstance(anc.test, cst.Comparison) and len(anc.test.comparisons) == 1:
                comparison = anc.test.comparisons[0]
                limit = literal_value(comparison.comparator)
                if dotted(anc.test.left) == text and isinstance(limit, int) and not isinstance(limit, bool):
                    if (isinstance(comparison.operator, cst.GreaterThanEqual) and limit >= 1) or (isinstance(comparison.operator, cst.GreaterThan) and limit >= 0):
                        return True
        return False

    def _exec_phases(self, loop: cst.For, name: str, phases: Tuple[str, ...], st: State, fr: Frame) -> Optional[State]:
        """`for phase in ["train", "val"]:` runs its body once per phase, in order, with `phase`
        bound to each string: `if phase == "train":` is decided, and `loaders[phase]` is the
        validation data in the "val" iteration (``_lexical_kinds``)."""
        saved_literals, saved_phase = fr.literals, self._phases.get(name)
        fr.breaks.append([])
        fr.continues.append([])
        self._loop_stack.append(loop)
        exits: List[State] = []
        current: Optional[State] = st
        try:
            for value in phases:
                fr.literals = {**saved_literals, name: value}
                self._phases[name] = value
                fr.breaks[-1], fr.continues[-1] = [], []
                end = self._exec_block(_body_of(loop), current.copy(), fr)  # type: ignore[union-attr]
                exits.extend(fr.breaks[-1])
                current = join([end] + fr.continues[-1])
                if current is None:
                    break
        finally:
            fr.literals = saved_literals
            if saved_phase is None:
                self._phases.pop(name, None)
            else:
                self._phases[name] = saved_phase
            fr.breaks.pop()
            fr.continues.pop()
            self._loop_stack.pop()
        return join([current] + exits)

    def _phase_data(self, expr: cst.BaseExpression) -> Optional[bool]:
        """`loaders[phase]` in an iteration of ``_exec_phases``: does the phase's key name
        evaluation data (True), training data (False)?  None: no phase key here."""
        for node in self.walk(expr):
            if isinstance(node, cst.Subscript) and len(node.slice) == 1:
                index = node.slice[0].slice
                if isinstance(index, cst.Index) and isinstance(index.value, cst.Name) and index.value.value in self._phases:
                    return bool(eval_data_verdict(str(self._phases[index.value.value]), key=True))
        return None

    def _sequence_members(self, expr: cst.BaseExpression, st: State, fr: Frame, label: str = "model") -> Optional[Tuple[Optional[Obj], ...]]:
        """The models a `for` iterates over when it iterates a list or tuple of tracked models:
        written in place (`for m in (netG, netD):`) or bound to a name (`models = [a, b]`,
        `[resnet18(), resnet50()]`: built there)."""
        if isinstance(expr, cst.Call) and isinstance(expr.func, cst.Attribute) and expr.func.attr.value == "values" and not expr.args:
            expr = expr.func.value  # `nets.values()`
        if isinstance(expr, cst.Name):
            held = self._lookup(_members_key(expr.value), st, fr)
            return held if isinstance(held, tuple) else None
        if isinstance(expr, (cst.List, cst.Tuple)) and 0 < len(expr.elements) <= MAX_MEMBERS:
            objs: List[Optional[Obj]] = []
            for i, element in enumerate(expr.elements):
                if isinstance(element, cst.Element) and isinstance(element.value, cst.Name) and element.value.value == "None":
                    objs.append(None)  # `[model, None]`: a slot a loop over it skips or runs on nothing
                    continue
                if not isinstance(element, cst.Element) or not isinstance(element.value, (cst.Name, cst.Attribute, cst.Call)):
                    return None
                obj = self._member(element.value, st, fr, f"{label}[{i}]")
                if obj is None:
                    return None
                objs.append(obj)
            return tuple(objs) if any(o is not None for o in objs) else None  # type: ignore[return-value]
        return None

    def _module_instance_test(self, test: cst.BaseExpression, st: State, fr: Frame) -> Optional[bool]:
        """`isinstance(net, torch.nn.Module)` (or `not ...`) on a tracked model: True (False).  d2l's
        helpers guard `net.train()` so; a model the analysis follows is a module on every path.
        `net is None` / `net is not None` (or `== None` / `!= None`, or the bare `net`): False /
        True for a model the caller built."""
        negated = isinstance(test, cst.UnaryOperation) and isinstance(test.operator, cst.Not)
        call = test.expression if negated else test  # type: ignore[attr-defined]
        if isinstance(call, cst.Attribute) or (isinstance(call, cst.Name) and call.value not in ("None", "True", "False")):
            # `if head:`: a module the caller built is true (`nn.Module` defines no `__bool__`;
            # a container of layers has a length above 0).
            obj = self.resolve(call, st, fr)
            return None if obj is None or obj.is_parameter else not negated
        if isinstance(call, cst.Comparison) and len(call.comparisons) == 1 and isinstance(call.comparisons[0].operator, (cst.Is, cst.IsNot, cst.Equal, cst.NotEqual)):
            # `if m is None: continue` over a list of models handed to a helper: a model the caller
            # built is not None (a parameter of the analysed function itself may be).
            target = call.comparisons[0]
            if not (isinstance(target.comparator, cst.Name) and target.comparator.value == "None" and isinstance(call.left, (cst.Name, cst.Attribute))):
                return None
            obj = self.resolve(call.left, st, fr)
            if obj is None or obj.is_parameter:
                return None
            # (`!= None` as `is not None`: `nn.Module` does not override `__eq__`)
            return isinstance(target.operator, (cst.IsNot, cst.NotEqual)) != negated
        if not (isinstance(call, cst.Call) and isinstance(call.func, cst.Name) and call.func.value == "isinstance" and len(call.args) == 2):
            return None
        kind = self.facts.inventory.resolve(dotted(call.args[1].value) or "")
        if kind not in ("torch.nn.Module", "torch.nn.modules.module.Module"):
            return None
        if not isinstance(call.args[0].value, (cst.Name, cst.Attribute)) or self.resolve(call.args[0].value, st, fr) is None:
            return None
        return not negated

    def _static_truth(self, test: cst.BaseExpression, literals: Dict[str, object]) -> Optional[bool]:
        """``effects.static_truth`` of a libcst test: its source read back as an ``ast``
        expression, once per test (an `if` in a loop is asked again on every pass)."""
        from bnlint.effects import static_truth

        if not literals:
            return None
        tree = self._test_trees.get(id(test))
        if tree is None:
            try:
                tree = ast.parse(self.facts.code_of(test).strip(), mode="eval").body
            except (SyntaxError, ValueError, RecursionError, MemoryError):
                tree = False
            self._test_trees[id(test)] = tree
        return static_truth(tree, literals) if tree is not False else None  # type: ignore[arg-type]

    def _member(self, value: cst.BaseExpression, st: State, fr: Frame, label: str) -> Optional[Obj]:
        """The model an element of a list or dict display denotes: a tracked one, or one built there."""
        obj = self.resolve(value, st, fr)
        if obj is None and isinstance(value, cst.Call) and id(value) not in self._inlined:
            obj = self._create(value, st, fr, label)
        return obj

    def _over_members(self, comp: cst.BaseExpression, st: State, fr: Frame) -> bool:
        """`[m.eval() for m in (encoder, head)]`: the element runs once per model of a literal
        list; False (not handled) for any other comprehension."""
        for_in = comp.for_in  # type: ignore[attr-defined]
        if for_in.inner_for_in is not None or for_in.ifs or not isinstance(for_in.target, cst.Name):
            return False
        members: Optional[Tuple[Optional[Obj], ...]] = self._sequence_members(for_in.iter, st, fr)
        if not members and isinstance(for_in.iter, (cst.List, cst.Tuple)) and 0 < len(for_in.iter.elements) <= MAX_MEMBERS:
            # Some of them models: `(embedding_net, cls_head)` where only the first has BN.
            members = tuple(
                self.resolve(e.value, st, fr) if isinstance(e, cst.Element) and isinstance(e.value, (cst.Name, cst.Attribute)) else None
                for e in for_in.iter.elements
            )
        if not members or all(m is None for m in members):
            return False
        key = (fr.act, for_in.target.value)
        had, old = key in st.vars, st.vars.get(key)
        for obj in members:
            st.vars[key] = obj  # type: ignore[assignment]
            self._exec_expr(comp.elt, st, fr)  # type: ignore[attr-defined]
        if had:
            st.vars[key] = old
        else:
            st.vars.pop(key, None)
        return True

    def _exec_over_members(self, loop: cst.For, members: Tuple[Optional[Obj], ...], st: State, fr: Frame) -> Optional[State]:
        """`for model in models:` over a literal list of models: the body runs once per model, in
        order, with the loop variable bound to it (an ensemble evaluated model by model)."""
        assert isinstance(loop.target, cst.Name)
        key = (fr.act, loop.target.value)
        fr.breaks.append([])
        fr.continues.append([])
        ends: List[Optional[State]] = []
        cur: Optional[State] = st
        try:
            for obj in members:
                if cur is None:
                    break
                cur.vars[key] = obj
                end = self._exec_block(_body_of(loop), cur, fr)
                ends.extend(fr.breaks[-1])
                cur = join([end] + fr.continues[-1])
                fr.breaks[-1] = []
                fr.continues[-1] = []
        finally:
            fr.breaks.pop()
            fr.continues.pop()
        return join(ends + [cur])

    def _mark_back_edge(self, loop: cst.CSTNode, back: State, entry: State, fr: Frame) -> State:
        out = back.copy()
        for obj, vals in back.modes.items():
            before = entry.modes.get(obj, frozenset())
            new = set()
            changed = False
            for v in vals:
                if v.over_train is loop:
                    v = v.replace(over_train=None)  # the next iteration is another step
                    changed = True
                if (
                    v.mode == EVAL
                    and v.mark is None
                    and not v.restored
                    and v not in before
                    and v.frame == fr.act
                    and v.origin
                    and self._inside(v.origin[0], loop)
                    and not self._in_last_iteration_only(v.origin[0], loop, fr)
                ):
                    new.add(v.replace(mark=(loop, v.origin[0])))
                    changed = True
                else:
                    new.add(v)
            if changed:
                out.modes[obj] = frozenset(new)
        return out

    def _in_last_iteration_only(self, node: cst.CSTNode, loop: cst.CSTNode, fr: Frame) -> bool:
        """Is ``node`` under `if i == len(steps) - 1:` in `for i, batch in enumerate(steps)` (also
        through `tqdm(...)`/`list(...)` and a name bound to them, or `for i in range(len(steps))`)?
        It runs in the loop's last iteration only: no next iteration of that loop follows it."""
        if not isinstance(loop, cst.For):
            return False
        index = loop.target.elements[0].value if isinstance(loop.target, cst.Tuple) and loop.target.elements else loop.target
        if not isinstance(index, cst.Name):
            return False
        scope = fr.fn if fr.fn is not None else self.module
        iterated: Set[str] = set()
        bounds: Set[str] = set()  # `for epoch in range(num_epochs)`: its last index is `num_epochs - 1`
        expr: Optional[cst.BaseExpression] = loop.iter
        for _ in range(6):
            if isinstance(expr, cst.Name):
                iterated.add(expr.value)
                bound = self.facts.reaching_assignments(expr.value, loop, scope)
                expr = bound[0] if len(bound) == 1 else None
            elif isinstance(expr, cst.Call) and expr.args and (dotted(expr.func) or "").rsplit(".", 1)[-1] in ("enumerate", "tqdm", "list", "range", "len", "iter", "zip"):
                if dotted(expr.func) == "range" and len(expr.args) == 1 and dotted(expr.args[0].value):
                    bounds.add(dotted(expr.args[0].value))  # type: ignore[arg-type]
                expr = expr.args[0].value
            else:
                break
        if isinstance(expr, cst.Name):
            iterated.add(expr.value)
        child: cst.CSTNode = node
        for anc in self.facts.ancestors(node):
            if anc is loop:
                return False
            if isinstance(anc, cst.If) and child is anc.body and any(
                self._compares_with_last_index(test, index.value, iterated, frozenset(bounds)) for test in _conjuncts(anc.test)
            ):
                return True  # (its `else:` runs in every other iteration; `and` only narrows it)
            child = anc
        return False

    @staticmethod
    def _compares_with_last_index(test: cst.BaseExpression, index: str, iterated: Set[str], bounds: FrozenSet[str] = frozenset()) -> bool:
        """`i == len(steps) - 1` (or `i + 1 == len(steps)`) for an ``iterated`` name `steps`;
        `epoch == num_epochs - 1` (or `epoch + 1 == num_epochs`) for `range(num_epochs)`, one of
        ``bounds``."""
        if not (isinstance(test, cst.Comparison) and len(test.comparisons) == 1 and isinstance(test.comparisons[0].operator, cst.Equal)):
            return False
        left, right = test.left, test.comparisons[0].comparator

        def length_of(expr) -> bool:
            if bounds and dotted(expr) in bounds:
                return True
            return isinstance(expr, cst.Call) and dotted(expr.func) == "len" and len(expr.args) == 1 and isinstance(expr.args[0].value, cst.Name) and expr.args[0].value.value in iterated

        def shifted(expr, name_side) -> bool:  # `x - 1` with x matching, or `x + 1`
            return isinstance(expr, cst.BinaryOperation) and isinstance(expr.right, cst.Integer) and expr.right.value == "1" and name_side(expr.left)

        def is_index(expr) -> bool:
            return isinstance(expr, cst.Name) and expr.value == index

        for a, b in ((left, right), (right, left)):
            if is_index(a) and isinstance(b, cst.BinaryOperation) and isinstance(b.operator, cst.Subtract) and shifted(b, length_of):
                return True
            if isinstance(a, cst.BinaryOperation) and isinstance(a.operator, cst.Add) and shifted(a, is_index) and length_of(b):
                return True
        return False

    def _inside(self, node: cst.CSTNode, container: cst.CSTNode) -> bool:
        for anc in self.facts.ancestors(node):
            if anc is container:
                return True
        return False

    def _unbind_targets(self, target: cst.CSTNode, st: State, fr: Frame) -> None:
        for node in self.walk(target):
            if isinstance(node, cst.Name):
                key = self._var_key(node.value, fr)
                if key in st.vars or self._lookup(node.value, st, fr) is not None:
                    st.vars[key] = None

    def _exec_small(self, small: cst.CSTNode, st: State, fr: Frame) -> Optional[State]:
        if type(small) is cst.Expr and type(small.value) is cst.IfExp:  # type: ignore[attr-defined]
            # `model.eval() if use_eval else model.train()`: an `if` statement in one line.
            choice: cst.IfExp = small.value  # type: ignore[attr-defined]
            self._exec_expr(choice.test, st, fr)
            return self._exec_branches(
                choice.test, lambda branch: self._after_expr(choice.body, branch, fr), lambda branch: self._after_expr(choice.orelse, branch, fr), st, fr
            )
        if isinstance(small, cst.Return):
            if small.value is not None:
                self._exec_expr(small.value, st, fr)
                returned = self.resolve(small.value, st, fr)
                if returned is None and isinstance(small.value, (cst.Call, cst.IfExp)) and id(small.value) not in self._inlined:
                    # `return Net()`, `return Net().eval()`: the object is built here, in this mode.
                    returned = self._create(small.value, st, fr, fr.fn.name.value if fr.fn is not None else "model")
                fr.returned_objs.append(returned)
                items = None
                if isinstance(small.value, cst.Tuple) and all(isinstance(e, cst.Element) for e in small.value.elements):
                    items = tuple(self.resolve(e.value, st, fr) if isinstance(e.value, (cst.Name, cst.Attribute, cst.Call)) else None for e in small.value.elements)
                fr.returned_items.append(items)
            else:
                fr.returned_objs.append(None)
                fr.returned_items.append(None)
            fr.returns.append(st)
            return None
        if isinstance(small, cst.Raise):
            if small.exc is not None:
                self._exec_expr(small.exc, st, fr)
            return None
        if isinstance(small, cst.Assert):
            self._exec_expr(small.test, st, fr)
            return None if _is_falsy_constant(small.test) else st  # `assert False`: this path ends here
        if isinstance(small, cst.Expr) and isinstance(small.value, cst.Call) and callee_dotted(small.value.func) in _EXIT_CALLS:
            self._exec_expr(small.value, st, fr)
            return None
        if isinstance(small, cst.Break):
            if fr.breaks:
                fr.breaks[-1].append(st)
            return None
        if isinstance(small, cst.Continue):
            if fr.continues:
                fr.continues[-1].append(st)
            return None
        if isinstance(small, cst.Assign):
            result = self._exec_expr(small.value, st, fr)
            for t in small.targets:
                self._bind(t.target, small.value, result, st, fr)
            if len(small.targets) == 1 and isinstance(small.targets[0].target, cst.Name):
                self._note_constant(small.targets[0].target.value, small.value, fr)
            return st
        if isinstance(small, cst.AnnAssign):
            if small.value is not None:
                result = self._exec_expr(small.value, st, fr)
                self._bind(small.target, small.value, result, st, fr)
            return st
        if isinstance(small, cst.AugAssign):
            self._exec_expr(small.value, st, fr)
            return st
        if isinstance(small, cst.Expr):
            self._exec_expr(small.value, st, fr)
            return st
        if isinstance(small, (cst.Global, cst.Nonlocal)):
            return st
        for child in self.children(small):
            if isinstance(child, cst.BaseExpression):
                self._exec_expr(child, st, fr)
        return st

    def _bind(self, target: cst.BaseExpression, value: cst.BaseExpression, result: Optional[Obj], st: State, fr: Frame) -> None:
        if isinstance(target, (cst.Tuple, cst.List)):
            if isinstance(value, (cst.Tuple, cst.List)) and len(value.elements) == len(target.elements):
                for te, ve in zip(target.elements, value.elements):
                    self._bind(te.value, ve.value, self.resolve(ve.value, st, fr), st, fr)
            elif isinstance(value, cst.Call) and len(self._call_tuples.get(id(value), ())) == len(target.elements):
                self._unbind_targets(target, st, fr)
                for te, obj in zip(target.elements, self._call_tuples[id(value)]):
                    key = (fr.act, te.value.value) if isinstance(te.value, cst.Name) else self._self_key(te.value, fr)
                    if key is not None and obj is not None:
                        st.vars[key] = obj
            else:
                # `net, losses = fit(net, loader)` of another module that returns its parameter in
                # the tuple: the same object as the argument (read before the targets are unbound:
                # `enc, head = fit(data, enc, head)` hands back the objects it was given).
                handed_back: Dict[int, Obj] = {}
                if isinstance(value, cst.Call) and id(value) not in self._inlined:
                    for i, te in enumerate(target.elements):
                        handed = self._handed_back(value, i, len(target.elements)) if isinstance(te.value, cst.Name) else None
                        obj = self.resolve(handed, st, fr) if isinstance(handed, (cst.Name, cst.Attribute)) else None
                        if obj is not None:
                            handed_back[i] = obj
                self._unbind_targets(target, st, fr)
                if isinstance(value, cst.Call) and id(value) not in self._inlined:
                    self._bind_returned_models(target, value, st, fr)
                    for i, obj in handed_back.items():
                        st.vars[self._var_key(target.elements[i].value.value, fr)] = obj  # type: ignore[attr-defined]
            return
        key: Optional[tuple] = None
        if isinstance(target, cst.Name):
            key = self._var_key(target.value, fr)
            if isinstance(value, cst.Attribute) and value.attr.value == "training":
                saved = self.resolve(value.value, st, fr)
                if saved is not None and saved in st.modes:
                    self._saved_modes[key] = st.modes[saved]
                else:
                    self._saved_modes.pop(key, None)
            members = self._sequence_members(value, st, fr, target.value) if isinstance(value, (cst.List, cst.Tuple)) else None
            if isinstance(value, cst.ListComp) and isinstance(value.elt, (cst.Name, cst.Attribute)) and not any(
                isinstance(n, cst.Name) and n.value == root_name(value.elt) for n in walk(value.for_in.target)
            ):
                # `workers = [server for _ in range(3)]`: the same model, again and again.
                same = self.resolve(value.elt, st, fr)
                members = (same,) if same is not None else None
            if isinstance(value, cst.Dict) and result is None:
                result = self._bundle(value, st, fr, target.value)
                if result is not None and len(result.parts or ()) == len(value.elements):
                    members = tuple(result.parts.values())  # type: ignore[union-attr]  # `for net in nets.values():`
            st.vars[(fr.act, _members_key(target.value))] = members  # type: ignore[assignment]
        elif isinstance(target, cst.Attribute):
            self._head_replaced(target, value, st, fr)
            key = self._self_key(target, fr)
        elif isinstance(target, cst.Subscript):
            self._bind_entry(target, value, result, st, fr)
            return
        if key is None:
            return
        if isinstance(value, cst.Call) and id(value) in self._closure_models:
            self._closure_vars[key] = self._closure_models[id(value)]
        instance_of = self._project_class_called(value) if isinstance(value, cst.Call) else None
        if instance_of is not None:
            self._instance_classes[key] = instance_of
        else:
            self._instance_classes.pop(key, None)
        obj = result if result is not None else self.resolve(value, st, fr)
        if obj is None and isinstance(value, cst.Call) and id(value) not in self._inlined:
            obj = self._returned_argument(value, st, fr)
        if obj is None and id(value) not in self._inlined:
            # (A function of this file that was analysed returned no model: a class from a registry,
            # a model whose branch the arguments rule out; its BN content says nothing more.)
            obj = self._create(value, st, fr, dotted(target) or "model")
            if obj is None and isinstance(value, cst.Call) and self._opaque_model(value, dotted(target)):
                # A model of a class this project cannot see (a registry, a package that is not in
                # the project), which the file itself puts in eval mode: its mode is what the file
                # says it is, and what it holds is unknown, as for a parameter (BN006 follows it;
                # BN001 needs BN or dropout evidence and does not).
                obj = Obj(label=dotted(target) or "model", holds_bn=False, is_parameter=True, created_at=value)
                st.modes[obj] = frozenset({Val(UNKNOWN, entry=True)})
        st.vars[key] = obj
        if obj is not None and dotted(target) and (obj.label in ("", "model") or self._named_after_factory(obj)):
            # (A model a factory returned is named after the factory until the caller names it:
            # `model = build_model()` is `model` to the reader, and to a fix that calls `.train()`.)
            obj.label = dotted(target) or obj.label

    def _head_replaced(self, target: cst.Attribute, value: cst.BaseExpression, st: State, fr: Frame) -> None:
        """`net.classifier = nn.Sequential(nn.Linear(512, 64), nn.ReLU(), nn.Linear(64, 10))` on a
        library model whose only mode-dependent layers are the dropout of that head (a VGG): the new
        head has none, so the model has none left.  (The object's flag changes, not the state at
        this point: a forward before the replacement would be read as the new model's; in practice
        a head is replaced right after the model is built.)"""
        if target.attr.value not in DROPOUT_HEADS:
            return
        obj = self.resolve(target.value, st, fr) if isinstance(target.value, (cst.Name, cst.Attribute)) else None
        if obj is None or obj.holds_bn or not obj.holds_dropout or not self._library_built(obj):
            return
        if isinstance(value, cst.Call) and not self._value_holds_dropout(value) and not self._value_holds_bn(value, fr.fn if fr.fn is not None else self.module):
            obj.holds_dropout = False

    def _members_by_index(self, call: cst.Call, recv: cst.Subscript, st: State, fr: Frame) -> Optional[Tuple[Optional[Obj], ...]]:
        """The models of a list of tracked models (`models = [a, b]`) that `models[i]` denotes in
        turn inside `for i in range(len(models)):` around ``call``; None for any other subscript."""
        index = recv.slice[0].slice if len(recv.slice) == 1 else None
        if not (isinstance(index, cst.Index) and isinstance(index.value, cst.Name) and isinstance(recv.value, cst.Name)):
            return None
        key, listed = index.value.value, recv.value.value
        for anc in self.facts.ancestors(call):
            if isinstance(anc, (cst.FunctionDef, cst.ClassDef, cst.Lambda)):
                return None
            if isinstance(anc, cst.For) and isinstance(anc.target, cst.Name) and anc.target.value == key:
                it = anc.iter
                counted = (
                    isinstance(it, cst.Call) and dotted(it.func) == "range" and len(it.args) == 1
                    and isinstance(it.args[0].value, cst.Call) and dotted(it.args[0].value.func) == "len"
                    and len(it.args[0].value.args) == 1 and dotted(it.args[0].value.args[0].value) == listed
                )
                if not counted:
                    return None
                held = self._lookup(_members_key(listed), st, fr)
                return held if isinstance(held, tuple) else None
        return None

    def _switch_by_key(self, call: cst.Call, holder: Obj, recv: cst.Subscript, st: State, fr: Frame) -> None:
        """`nets[k].eval()` with a key not known here: in `for k in nets:` (or `nets.keys()`) every
        model the holder keeps gets it; any other key switches one of them, which one is not
        known (each is then unknown)."""
        index = recv.slice[0].slice if len(recv.slice) == 1 else None
        key = index.value if isinstance(index, cst.Index) and isinstance(index.value, cst.Name) else None
        every = False
        if key is not None:
            for anc in self.facts.ancestors(call):
                if isinstance(anc, (cst.FunctionDef, cst.ClassDef, cst.Lambda)):
                    break
                if isinstance(anc, (cst.For, cst.CompFor)) and isinstance(anc.target, cst.Name) and anc.target.value == key.value:
                    it = anc.iter
                    if isinstance(it, cst.Call) and isinstance(it.func, cst.Attribute) and it.func.attr.value == "keys" and not it.args:
                        it = it.func.value
                    every = self.resolve(it, st, fr) is holder if isinstance(it, (cst.Name, cst.Attribute, cst.Subscript)) else False
                    break
        meth = call.func.attr.value  # type: ignore[attr-defined]
        for part in (holder.parts or {}).values():
            if every and meth in ("train", "eval"):
                self._set_mode(part, self._mode_of_call(call), call, st, fr)
            elif every and meth == "apply" and call.args:
                effect = self._apply_effect(call.args[0].value, fr)
                if effect == "freeze":
                    self._freeze(part, call, st)
                elif effect == EVAL:
                    self._set_mode(part, EVAL, call, st, fr)
            elif meth != "requires_grad_":
                st.modes[part] = frozenset({Val(UNKNOWN, (call,), fr.act)})

    def _bind_entry(self, target: cst.Subscript, value: cst.BaseExpression, result: Optional[Obj], st: State, fr: Frame) -> None:
        """`models["cls"] = net`: the dict now holds ``net`` under that key (a dict this code
        had not seen holding models becomes a holder); another value there replaces it."""
        index = target.slice[0].slice if len(target.slice) == 1 else None
        key = index.value.evaluated_value if isinstance(index, cst.Index) and isinstance(index.value, cst.SimpleString) else None
        if not isinstance(key, str):
            return
        holder = self.resolve(target.value, st, fr)
        obj = result if result is not None else self.resolve(value, st, fr)
        if obj is None and not (isinstance(value, cst.Call) and id(value) in self._inlined):
            obj = self._create(value, st, fr, self.facts.code_of(target))
        if obj is not None and obj.parts is not None:
            obj = None  # (a holder in a holder: not followed)
        if holder is not None and holder.parts is not None and holder.local_class is None:
            if obj is not None:
                holder.parts[key] = obj
                if holder.handed is not None:
                    holder.handed[key] = value
            else:
                holder.parts.pop(key, None)
                if holder.handed is not None:
                    holder.handed.pop(key, None)
        elif holder is None and obj is not None and isinstance(target.value, cst.Name):
            st.vars[self._var_key(target.value.value, fr)] = Obj(label=target.value.value, holds_bn=False, created_at=target, parts={key: obj}, handed={key: value}, keyed=True)

    def _returned_argument(self, call: cst.Call, st: State, fr: Frame) -> Optional[Obj]:
        """The model ``call`` hands back when it is a function of another project module that
        returns one of its parameters (`best_model = train_val(model, ...)` returning `model`):
        the object the caller passed for it."""
        handed = self._handed_back(call)
        return self.resolve(handed, st, fr) if isinstance(handed, (cst.Name, cst.Attribute)) else None

    def _named_after_factory(self, obj: Obj) -> bool:
        fn = self.facts.enclosing_function(obj.created_at) if obj.created_at is not None else None
        return fn is not None and fn.name.value == obj.label

    def _opaque_model(self, call: cst.Call, name: Optional[str]) -> bool:
        """Is ``call`` (bound to ``name``) a model that the file puts in eval mode, built by a callee
        this project cannot see into: a class or factory picked at run time (`getattr(models,
        arch)(...)`, `MODELS[name](...)`, `model_class.from_pretrained(...)`), or imported from a
        module that is neither in the project nor a library bnlint knows (torch, torchvision, ...)?
        A class or function of the file or the project is known, and so is a known library's."""
        if not name:
            return False
        if self._eval_receivers is None:
            self._eval_receivers = set()
            for c in self.facts.calls:
                if isinstance(c.func, cst.Attribute) and self._mode_of_call(c) == EVAL:
                    receiver = dotted(c.func.value)
                    if receiver:
                        self._eval_receivers.add(receiver)
        if name not in self._eval_receivers:
            return False
        while True:  # `Net(...).to(device)`, `DataParallel(Net(...))`
            func = call.func
            if isinstance(func, cst.Attribute) and func.attr.value in KEEPS_MODE and isinstance(func.value, cst.Call):
                call = func.value
                continue
            q = self.facts.callee(call) or ""
            if q.rsplit(".", 1)[-1] in WRAPPER_LEAVES and call.args and isinstance(call.args[0].value, cst.Call):
                call = call.args[0].value  # type: ignore[assignment]
                continue
            break
        func = call.func
        written = dotted(func)
        if written is None:
            return True  # `getattr(models, arch)(...)`, `MODELS[name](...)`
        head = written.split(".")[0]
        inv = self.facts.inventory
        if self.facts.class_named(head) is not None or self.facts.function_named(head) is not None:
            return False
        if head in ("self", "cls"):
            return False  # a method of the class: the file's own code
        if not inv.is_imported(head):
            if isinstance(func, cst.Attribute):
                return False  # a method of a local object (`model.cuda()`: that object was decided)
            # A class bound at run time (`model_class = MODEL_CLASSES[kind]`), not a builtin.
            import builtins

            return not hasattr(builtins, head)
        qualified = inv.resolve(written)
        from bnlint.inventory import THIRD_PARTY_ROOTS

        if qualified.lstrip(".").split(".")[0] in THIRD_PARTY_ROOTS:
            return False
        path = self.facts.path
        return not path or self.facts.index.definition(path, qualified) is None

    def _bind_returned_models(self, target: Union[cst.Tuple, cst.List], call: cst.Call, st: State, fr: Frame) -> None:
        """`net, optimizer, scheduler = get_model(args)` with `get_model` in another project module:
        the models it returns, at their positions, in the mode it leaves them in."""
        name = dotted(call.func)
        inv = self.facts.inventory
        if not name or not self.facts.path or not inv.is_imported(name):
            return
        positions = self.facts.index.returned_models(self.facts.path, inv.resolve(name))
        if positions is None or len(positions) != len(target.elements):
            return
        for element, returned in zip(target.elements, positions):
            key = self._var_key(element.value.value, fr) if isinstance(element.value, cst.Name) else self._self_key(element.value, fr)
            if returned is None or key is None:
                continue
            mode, holds_bn = returned
            obj = Obj(label=dotted(element.value) or "model", holds_bn=holds_bn, holds_dropout=not holds_bn, created_at=call)
            st.vars[key] = obj
            st.modes[obj] = frozenset({Val(mode, (call,) if mode != TRAIN else (), fr.act)})

    def _create(self, value: cst.BaseExpression, st: State, fr: Frame, label: str) -> Optional[Obj]:
        if isinstance(value, cst.Subscript):
            return self._picked_model(value, st, fr, label)
        # A copy keeps the mode of its source (deepcopy copies every submodule's `training`).
        if isinstance(value, cst.Call):
            q = self.facts.callee(value) or dotted(value.func) or ""
            if (q in COPY_CALLS or q.endswith(".deepcopy") or q.endswith("AveragedModel")) and value.args:
                src = self.resolve(value.args[0].value, st, fr)
                if src is not None:
                    obj = Obj(label=label, holds_bn=src.holds_bn, holds_dropout=src.holds_dropout, cls_name=src.cls_name, keeps_bn_eval=src.keeps_bn_eval, created_at=value, has_weights=src.has_weights)
                    st.modes[obj] = frozenset(v.replace(fresh=False, mark=None) for v in st.modes.get(src, frozenset({Val(UNKNOWN)})))
                    return obj
        if isinstance(value, cst.Dict) or (isinstance(value, cst.Call) and (self.facts.callee(value) or dotted(value.func) or "") in _NAMESPACE_CALLS):
            return self._bundle(value, st, fr, label)
        if isinstance(value, cst.Attribute) and isinstance(value.value, cst.Call) and value.attr.value in BN_TRUNKS:
            return self._trunk_of_new_model(value, st, fr, label)
        if not isinstance(value, (cst.Call, cst.IfExp)):
            return None
        composite = self._composite(value, st, label) if isinstance(value, cst.Call) else None
        if composite is not None:
            return composite
        scope = fr.fn if fr.fn is not None else self.module
        if isinstance(value, cst.Call) and self.facts.callee(value) == "torch.load":
            return self._unpickled(value, st, fr, label, scope)
        if isinstance(value, cst.Call) and self._plain_object_call(value):
            return None  # `Classify(task="cls")`: no module, no mode (its methods run what it holds)
        if isinstance(value, cst.Call) and value.args:
            # `Perturb(core, eps)` of a module class with no layers of its own that keeps `core`
            # as a submodule: the same modules as `core`, switched together (``Obj.wraps``).
            name = self.facts.chosen_callee(value.func)
            if name and not self.facts.class_holds_bn(name) and not self.facts.class_holds_dropout(name):
                wrapper = self._wrapper_of(value, st, fr, label, plain_only=True)
                if wrapper is not None:
                    return wrapper
        try:
            holds = self._value_holds_bn(value, scope) and not self._layers_switched_off(value, "bn")
            dropout = not holds and self._value_holds_dropout(value) and not self._layers_switched_off(value, "dropout")
        except RecursionError:
            holds = dropout = False
        if not holds and not dropout:
            return self._wrapper_of(value, st, fr, label) if isinstance(value, cst.Call) else None
        built = self._construction(value) if isinstance(value, cst.Call) else None
        if built is not None and not built.returns_model:
            return None  # a factory of functions (a closure over a model), not a module
        name = self._constructor_name(value)
        obj = Obj(
            label=label, holds_bn=holds, holds_dropout=dropout, cls_name=name, keeps_bn_eval=holds and self._keeps_bn_eval(name),
            created_at=value, has_weights=self._built_with_weights(value) or (built is not None and built.loads_weights),
        )
        # nn.Module starts in training mode; `Net().eval()` / `.train(False)` in the same expression.
        mode = TRAIN
        explicit = False
        cur = value
        while isinstance(cur, cst.Call) and isinstance(cur.func, cst.Attribute):
            if cur.func.attr.value in ("eval", "train"):
                mode = self._mode_of_call(cur)
                explicit = True
                break
            cur = cur.func.value
        frozen = None
        callee = self.facts.callee(value) if isinstance(value, cst.Call) else None
        if not explicit and isinstance(value, cst.Call) and isinstance(value.func, cst.Attribute) and value.func.attr.value in KEEPS_MODE:
            callee = self.facts.callee(unmoved(value))  # `AutoModel.from_pretrained(...).to("cuda")`: the loader's mode, moved
        if mode == TRAIN and callee == "torch.hub.load" and not _torchvision_hub_entry(value):
            # What the hub entry point does to the mode is not in this project (torchvision's,
            # `torch.hub.load("pytorch/vision", "resnet50")`, are its model builders: train mode).
            mode = UNKNOWN
        elif mode == TRAIN and inv_built_in_eval_mode(callee):
            mode = EVAL  # `AutoModel.from_pretrained(...)` returns the model in eval mode
        elif mode == TRAIN and built is not None:
            mode = built.mode
            frozen = value if built.freezes_bn and not obj.keeps_bn_eval else None
            obj.parts_built_in_eval = built.freezes_bn and self._constructor_evals_every_part(name)
            if frozen is not None and built.freeze_flag and isinstance(value, cst.Call):
                # The constructor freezes BN only `if bn_freeze:`: the argument decides.
                flag = self._argument_for(value, built.freeze_flag, built.freeze_flag_index)
                truth = literal_value(flag) if flag is not None else NOT_LITERAL
                key = self._flag_key(flag) if flag is not None and truth is NOT_LITERAL else None
                if flag is None and built.freeze_flag_default is not None and not any(a.star for a in value.args):
                    truth = built.freeze_flag_default  # not passed: its default decides
                if truth is not NOT_LITERAL and not truth:
                    frozen = None
                elif key is not None and key in self._repeated_flags():
                    # One decision with the file's later `if args.bn_freeze:` tests (#15).
                    st.modes[obj] = frozenset({
                        Val(mode, (value,) if mode != TRAIN else (), fr.act, frozen=frozen, guards=frozenset({(key, True)})),
                        Val(mode, (value,) if mode != TRAIN else (), fr.act, guards=frozenset({(key, False)})),
                    })
                    return obj
        source = self._parts_source(value, st, fr) if mode == TRAIN and callee in ("torch.nn.Sequential", "torch.nn.ModuleList") else None
        if source is not None:
            # `nn.Sequential(googlenet.conv1.conv, googlenet.conv1.bn)`: the same layers, in the mode
            # that model's layers are in now (`googlenet.eval()` above puts these in eval too).
            st.modes[obj] = frozenset(v.replace(fresh=False, mark=None) for v in st.modes.get(source, frozenset({Val(UNKNOWN)})))
            return obj
        st.modes[obj] = frozenset({Val(mode, (value,) if mode != TRAIN else (), fr.act, frozen=frozen)})
        return obj

    def _parts_source(self, value: cst.BaseExpression, st: State, fr: Frame) -> Optional[Obj]:
        """The one tracked model that every layer a container is built from is a part of
        (`nn.Sequential(mod.conv1.conv, mod.conv1.bn)`: `mod`), else None."""
        if not isinstance(value, cst.Call) or not value.args or any(a.star or a.keyword is not None for a in value.args):
            return None
        roots = {root_name(a.value) if isinstance(a.value, cst.Attribute) else None for a in value.args}
        if len(roots) != 1 or None in roots:
            return None
        root: cst.BaseExpression = value.args[0].value
        while isinstance(root, cst.Attribute):
            root = root.value
        return self.resolve(root, st, fr) if isinstance(root, cst.Name) else None

    def _trunk_of_new_model(self, value: cst.Attribute, st: State, fr: Frame, label: str) -> Optional[Obj]:
        """`densenet121(pretrained=True).features`, `resnet50(weights=...).layer4`: the convolutional
        part of a model built right there, which holds its BatchNorm (the head, where a classifier
        keeps its dropout, is not kept), with its weights, in train mode as the model is built."""
        built = value.value
        scope = fr.fn if fr.fn is not None else self.module
        try:
            holds = self._value_holds_bn(built, scope) and not self._layers_switched_off(built, "bn")
        except RecursionError:
            holds = False
        # Only a library model: its attribute layout is known (torchvision's `.features`,
        # `.layer4`); a project class's `.encoder` may hold anything.
        if not holds or factory_holds_bn(self.facts.callee(built)) is not True:
            return None
        obj = Obj(label=label, holds_bn=True, cls_name=self._constructor_name(built), created_at=value, has_weights=self._built_with_weights(built))
        st.modes[obj] = frozenset({Val(TRAIN, (), fr.act)})
        return obj

    def _unpickled(self, value: cst.Call, st: State, fr: Frame, label: str, scope: cst.CSTNode) -> Optional[Obj]:
        """`net = torch.load(path)` where this file pickles what `net` holds (`torch.save(net,
        ...)`) and binds `net` elsewhere in the scope to a model with BatchNorm (or dropout): the
        whole module it saved comes back, of that kind, with trained weights, in the mode it was
        saved in (unknown here).  Anything else `torch.load` returns (a state dict) is no model."""
        saved_here = "." not in label and any(
            self.facts.callee(call) == "torch.save" and call.args and isinstance(call.args[0].value, cst.Name) and call.args[0].value.value == label
            for call in self.facts.calls
        )
        if saved_here:
            others = [v for _, v in self.binding_index(scope)[1].get(label, ()) if v is not value and isinstance(v, cst.Call) and self.facts.callee(v) != "torch.load"]
            holds = any(self._value_holds_bn(v, scope) for v in others)
            dropout = not holds and any(self._value_holds_dropout(v) for v in others)
        elif self.facts.path and self._called_as_module(label, scope) and not self._loaded_into_module(label, scope):
            # Pickled by another file of the project (`training.py`: `torch.save(model,
            # "best.pt")`), unpickled here and run: a module of the kind every pickled one is.
            holds, dropout = self.facts.index.pickled_module_kinds(self.facts.path)
        else:
            return None
        if not holds and not dropout:
            return None
        obj = Obj(label=label, holds_bn=holds, holds_dropout=dropout, created_at=value, has_weights=True)
        # The pickle keeps each module's `training` flag: in train mode, as built, when nothing
        # here (saved by this file) or in the pickling files (saved by another) switches its mode.
        switched = any(
            isinstance(call.func, cst.Attribute) and call.func.attr.value in ("eval", "train") and root_name(call.func.value) == label
            for call in self.facts.calls
        ) or (not saved_here and not self.facts.index.pickled_in_train_mode(self.facts.path))
        st.modes[obj] = frozenset({Val(UNKNOWN, (value,), fr.act) if switched else Val(TRAIN, (), fr.act)})
        return obj

    def _called_as_module(self, label: str, scope: cst.CSTNode) -> bool:
        """Is what `label` holds called in the scope (`net(x)`, `self.net(x)`), or handed to a
        function of this file that calls it (`make_codes(batches, net)` with `net(x)` there):
        only a module (of what `torch.load` gives back) is; a state dict or a tensor is not."""
        for node in self.facts.iter_nodes(scope):
            if not isinstance(node, cst.Call):
                continue
            if dotted(node.func) == label:
                return True
            if isinstance(node.func, cst.Name) and not any(a.star for a in node.args):
                positions = [i for i, a in enumerate(node.args) if a.keyword is None and dotted(a.value) == label]
                helper = self.facts.function_named(node.func.value, before=node) if positions else None
                params = [p.name.value for p in list(helper.params.posonly_params) + list(helper.params.params)] if helper is not None else []
                if any(i < len(params) and any(isinstance(c, cst.Call) and dotted(c.func) == params[i] for c in self.facts.iter_nodes(helper)) for i in positions):
                    return True
        return False

    def _loaded_into_module(self, label: str, scope: cst.CSTNode) -> bool:
        """Is what `label = torch.load(...)` holds a state dict: handed to `load_state_dict`, or
        indexed (`ckpt["model"]`, `ckpt.get(...)`, `.items()`), anywhere in the scope?"""
        for node in self.facts.iter_nodes(scope):
            if isinstance(node, cst.Call) and isinstance(node.func, cst.Attribute):
                if node.func.attr.value in ("load_state_dict", "load_weights") and any(root_name(a.value) == label.split(".")[0] and dotted(a.value) in (label, None) for a in node.args):
                    return True
                if node.func.attr.value in ("get", "items", "keys", "values") and dotted(node.func.value) == label:
                    return True
            if isinstance(node, cst.Subscript) and dotted(node.value) == label:
                return True
        return False

    @staticmethod
    def _argument_for(call: cst.Call, param: str, index: int) -> Optional[cst.BaseExpression]:
        """The argument ``call`` passes for the constructor parameter ``param`` (positional ``index``)."""
        for arg in call.args:
            if arg.keyword is not None and arg.keyword.value == param:
                return arg.value
        positional = [a for a in call.args if a.keyword is None]
        if any(a.star for a in positional):
            return None
        return positional[index].value if 0 <= index < len(positional) else None

    def _composite(self, value: cst.Call, st: Optional[State], label: str) -> Optional[Obj]:
        """`model = VSE(opt)` of a plain class of another project module whose constructor builds
        models (``ProjectIndex.built_parts``): an object that is no model itself, holding those
        parts, each a new model in train mode."""
        call = value
        while isinstance(call.func, cst.Attribute) and call.func.attr.value in KEEPS_MODE and isinstance(call.func.value, cst.Call):
            call = call.func.value
        qualified = self._project_class_called(call)
        if not qualified or not self.facts.path:
            return None
        if qualified not in self._composite_parts:
            self._composite_parts[qualified] = self.facts.index.built_parts(self.facts.path, qualified)
        parts = self._composite_parts[qualified]
        if not parts:
            return None
        obj = Obj(label=label, holds_bn=False, cls_name=qualified, created_at=value, parts={})
        for attr, (bn, dropout) in parts.items():
            # (Neither: built by code whose content cannot be told, switched by the class itself.)
            part = Obj(label=f"{label}.{attr}", holds_bn=bn, holds_dropout=dropout, created_at=value, is_parameter=not (bn or dropout), part_of=obj)
            obj.parts[attr] = part  # type: ignore[index]
            # A new module is in train mode, unless the constructor switches it (`self.model.cuda().eval()`).
            built = self.facts.index.attribute_method_effect(self.facts.path, qualified, "__init__", attr)  # type: ignore[arg-type]
            exit_mode = built.exit if built is not None else "="
            if exit_mode == "=":
                modes = {TRAIN}
            elif exit_mode.startswith("=|"):
                modes = {TRAIN, exit_mode[2:]}
            else:
                modes = {exit_mode}
            vals = frozenset(Val(m, (call,) if m != TRAIN else ()) for m in modes)
            self._part_entry[id(part)] = vals
            if st is not None:
                st.modes[part] = vals
        return obj

    def _bundle(self, value: cst.BaseExpression, st: State, fr: Frame, label: str) -> Optional[Obj]:
        """`{"model": net, "device": dev}`, `dict(model=net)`, `SimpleNamespace(model=net)`,
        `EasyDict({...})`: a holder of the tracked models among its values, by key (the same
        objects: `bundle["model"]` and `bundle.model` are `net`).  None when it holds none."""
        if isinstance(value, cst.Call):
            if len(value.args) == 1 and value.args[0].keyword is None and isinstance(value.args[0].value, cst.Dict):
                value = value.args[0].value  # `EasyDict({"model": net})`
            else:
                pairs = [(a.keyword.value, a.value) for a in value.args if a.keyword is not None and not a.star]
                if len(pairs) != len(value.args):
                    return None
                holder = self._holder(label, pairs, st, fr, value)
                if holder is not None:
                    holder.keyed = dotted(value.func) == "dict"
                return holder
        assert isinstance(value, cst.Dict)
        pairs = []
        for element in value.elements:
            if not isinstance(element, cst.DictElement):
                return None  # `{**defaults, ...}`: what it holds is not known
            key = element.key.evaluated_value if isinstance(element.key, cst.SimpleString) else None
            if isinstance(key, str):
                pairs.append((key, element.value))
        holder = self._holder(label, pairs, st, fr, value)
        if holder is not None:
            holder.keyed = True
        return holder

    def _holder(self, label: str, pairs, st: State, fr: Frame, created_at: cst.CSTNode, cls_name: Optional[str] = None, local_class: Optional[cst.ClassDef] = None) -> Optional[Obj]:
        """A holder (``Obj.handed``) of the tracked models among ``pairs`` of (key, expression)."""
        parts: Dict[str, Obj] = {}
        handed: Dict[str, cst.BaseExpression] = {}
        for key, expr in pairs:
            obj = self._member(expr, st, fr, f"{label}[{key!r}]") if isinstance(expr, (cst.Name, cst.Attribute, cst.Call, cst.Subscript)) else None
            if obj is not None and obj.parts is None:
                parts[key], handed[key] = obj, expr
        if not parts:
            return None
        return Obj(label=label, holds_bn=False, cls_name=cls_name, created_at=created_at, parts=parts, handed=handed, local_class=local_class)

    def _composite_method(self, call: cst.Call, obj: Obj, meth: str, st: State, fr: Frame) -> None:
        """`model.val_start()` on a composite (``_composite``): the method's effect on each part.
        (The call itself labels the forwards: they are the part's, `extractor.net`, not the
        method's the code calls.)"""
        if obj.handed is not None:
            pairs = []
            for attr, part in (obj.parts or {}).items():
                given = obj.handed.get(attr)
                if isinstance(given, (cst.Name, cst.Attribute, cst.Subscript)):
                    pairs.append((attr, part, given, f"on the `{self.facts.code_of(given)}` it keeps"))
                else:  # built in the constructor call (`Agent(Actor(3, 1), ...)`): `agent.actor_net`
                    holder = call.func.value if isinstance(call.func, cst.Attribute) else call.func
                    pairs.append((attr, part, cst.Attribute(value=holder, attr=cst.Name(attr)), f"on its `{attr}`"))
        else:
            pairs = [(attr, part, call, f"on its `{attr}`") for attr, part in (obj.parts or {}).items()]
        if obj.cls_name is None:
            # A dict or namespace: reading it (`.get`, `.keys()`) switches nothing; anything else
            # (`.values()` in a loop not followed, `.update(...)`) leaves what it holds unknown.
            if meth not in _BUNDLE_READS:
                for _, part, _, _ in pairs:
                    st.modes[part] = frozenset({Val(UNKNOWN, (call,), fr.act)})
            return
        self._holder_method(call, obj.cls_name, pairs, meth, st, fr)
        if call.args and obj.handed is not None and st.modes:
            # The models handed to the method besides (`monitor(step, net)`, an instance of a
            # project class keeping its settings): what it does to them, as a function with `self`
            # first.
            self._remote_call(call, st, fr, bases=[obj.cls_name], method=meth)

    def _holder_method(self, call: cst.Call, qualified: str, pairs, meth: str, st: State, fr: Frame) -> None:
        """A method of a plain project class called on an instance that holds models (its parts,
        or the models it keeps): its summary's effect on each (``attribute_method_effect``; the
        class's own methods, then its project bases'). A method found nowhere (a library base
        class's) leaves them unknown."""
        for attr, obj, label_expr, what in pairs:
            effect = self.facts.index.attribute_method_effect(self.facts.path, qualified, meth, attr)
            if effect is None:
                st.modes[obj] = frozenset({Val(UNKNOWN, (call,), fr.act)})
                continue
            where = f"`{self.facts.code_of(call.func)}()` (`{qualified.rsplit('.', 1)[-1]}.{meth}`, {what})"
            self._apply_effect_summary(call, obj, effect, st, fr, label_expr, where)

    def composite_switch(self, part: Obj, mode: str) -> Optional[str]:
        """The method of ``part``'s composite class that puts it in ``mode`` and runs nothing
        (`train_start` of VSE++'s `VSE`), for the message; None when there is none."""
        holder = part.part_of
        found = self.facts.index.class_definition(self.facts.path, holder.cls_name) if holder is not None and holder.cls_name and self.facts.path else None
        cls = found[4][found[1]] if found is not None else None
        attr = next((a for a, p in (holder.parts or {}).items() if p is part), None) if holder is not None else None
        if cls is None or attr is None:
            return None
        for node in cls.body:
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and not node.name.startswith("__"):
                effect = self.facts.index.attribute_method_effect(self.facts.path, holder.cls_name, node.name, attr)  # type: ignore[arg-type, union-attr]
                if effect is not None and effect.exit == mode and not effect.forwards and all(kind == "mode" for kind, _ in effect.steps):
                    return node.name
        return None

    def _wrapper_of(self, value: cst.Call, st: State, fr: Frame, label: str, plain_only: bool = False) -> Optional[Obj]:
        """`ModelWithTemperature(model)`: an `nn.Module` class (of this file or the project) whose
        constructor keeps an argument as a submodule (`self.model = model`) holds what that
        argument holds, in the mode it is in (the same modules); an argument built in the call
        (`Diffusion(Denoiser())`) is a new model in train mode.  ``plain_only``: None for a class
        whose constructor switches a mode or freezes (read as a construction of its own)."""
        while isinstance(value.func, cst.Attribute) and value.func.attr.value in KEEPS_MODE and isinstance(value.func.value, cst.Call):
            value = value.func.value  # `Wrapper(model).to(device)`: the constructor call
        handed = [a for a in value.args if isinstance(a.value, (cst.Name, cst.Attribute, cst.Call))]
        inner_of = {id(a): o for a in handed if not isinstance(a.value, cst.Call) and (o := self.resolve(a.value, st, fr)) is not None and o.mode_sensitive}
        built_inline = [a for a in handed if isinstance(a.value, cst.Call)]
        own_params = set(params_of(fr.fn)) if fr.fn is not None else set()
        # Modules of unknown content handed in by this function's caller (`MMDL(encoders, fusion,
        # head)` in `def train(encoders, fusion, head, ...)`).
        unknown_parts = [
            a for a in handed
            if isinstance(a.value, cst.Name) and a.value.value in own_params and id(a) not in inner_of
            and ((o := self.resolve(a.value, st, fr)) is None or (o.is_parameter and not o.built_plain))
        ]
        if not inner_of and not built_inline and not unknown_parts:
            return None  # no model handed to it: nothing it could hold (and no class to look up)
        cls_ast, classes = self._class_definition(value)
        if cls_ast is None:
            return None
        for a in built_inline:
            # A model built in the call itself (`GaussianDiffusion(UNet(dropout=0.1))`) is a new
            # object in train mode, as if bound to a name first.
            o = self._create(a.value, st, fr, self.facts.code_of(a.value))
            if o is not None and o.mode_sensitive:
                inner_of[id(a)] = o
        if not inner_of and not unknown_parts:
            return None
        from bnlint.effects import is_module_class

        init = next((n for n in cls_ast.body if isinstance(n, ast.FunctionDef) and n.name == "__init__"), None)
        if init is None or not is_module_class(cls_ast, classes):
            return None
        if plain_only and any(
            isinstance(n, ast.Call) and isinstance(n.func, ast.Attribute) and n.func.attr in ("eval", "train", "apply", "requires_grad_")
            or isinstance(n, ast.Attribute) and n.attr == "requires_grad" and isinstance(n.ctx, ast.Store)
            for n in ast_walk(init)
        ):
            return None  # its constructor switches or freezes what it keeps (``_constructor_freeze``)
        params = [a.arg for a in init.args.args[1:]]
        stored = kept_parameters(init, params)
        for param in stored:
            arg = self._argument_for(value, param, params.index(param))
            inner = next((inner_of[id(a)] for a in handed if a.value is arg and id(a) in inner_of), None)
            if inner is not None:
                name = self.facts.chosen_callee(value.func) or ""
                # (What it keeps besides: settings given as literals, `Perturb(core, eps=0.1)`.)
                kept = [a for a in (self._argument_for(value, p, params.index(p)) for p in stored) if a is not None and literal_value(a) is NOT_LITERAL]
                obj = Obj(label=label, holds_bn=inner.holds_bn, holds_dropout=inner.holds_dropout, cls_name=self._constructor_name(value),
                          created_at=value, has_weights=inner.has_weights, wraps=inner,
                          only_wraps=len(kept) == 1 and bool(name) and not self.facts.class_holds_bn(name) and not self.facts.class_holds_dropout(name))
                self._wrappers.setdefault(id(inner), []).append(obj)
                st.modes[obj] = frozenset(v.replace(fresh=False, mark=None) for v in st.modes.get(inner, frozenset({Val(UNKNOWN)})))
                self._apply_construction(obj, value, st, fr)
                return obj
        if any(self._argument_for(value, param, params.index(param)) is a.value for param in stored for a in unknown_parts):
            # It keeps modules this function was handed, whose content only its callers know: what
            # it holds is unknown, as for a parameter, and its mode is what this code sets.
            obj = Obj(label=label, holds_bn=False, is_parameter=True, cls_name=self._constructor_name(value), created_at=value)
            st.modes[obj] = frozenset({Val(UNKNOWN, entry=True)})
            return obj
        return None

    def _apply_construction(self, obj: Obj, call: cst.Call, st: State, fr: Frame) -> None:
        """What the constructor of a wrapper (``_wrapper_of``) does to the modules it keeps:
        `self.encoder.eval()` freezes their BatchNorm, `self.eval()` puts all in eval (its
        ``summaries.Construction``); a freeze under a constructor flag counts where the call
        passes a true literal for it."""
        built = self._construction(call)
        if built is None:
            return
        if built.mode == EVAL:
            self._set_mode(obj, EVAL, call, st, fr)
        elif built.freezes_bn and not obj.keeps_bn_eval:
            if built.freeze_flag:
                flag = self._argument_for(call, built.freeze_flag, built.freeze_flag_index)
                truth = literal_value(flag) if flag is not None else (built.freeze_flag_default if not any(a.star for a in call.args) else None)
                if truth is None or truth is NOT_LITERAL or not truth:
                    return
            self._freeze(obj, call, st)

    def _class_definition(self, call: cst.Call) -> "Tuple[Optional[ast.ClassDef], Dict[str, ast.ClassDef]]":
        """The ``ast`` of the class ``call`` instantiates, with its module's classes, when it is a
        class of this file or of a project module; (None, {}) otherwise."""
        name = dotted(call.func)
        if not name:
            return None, {}
        tree = getattr(self.facts, "ast_tree", None)
        if "." not in name and self.facts.class_named(name) is not None and tree is not None:
            classes = {n.name: n for n in tree.body if isinstance(n, ast.ClassDef)}
            return classes.get(name), classes
        inv = self.facts.inventory
        if not (self.facts.path and inv.is_imported(name)):
            return None, {}
        found = self.facts.index.definition(self.facts.path, inv.resolve(name))
        if found is None:
            return None, {}
        _path, attr, (_functions, _aliases, classes) = found
        return classes.get(attr), classes

    def _construction(self, value: cst.Call) -> Optional["Construction"]:
        return construction_of(self.facts, value)

    def _value_holds_bn(self, value: cst.BaseExpression, scope: cst.CSTNode, depth: int = 0) -> bool:
        """Does this constructor/factory expression build a module with BatchNorm?

        Like :meth:`Facts.expr_holds_bn` for calls, but a plain name is not chased through the
        scope's assignments: a tracked variable is resolved by the analysis itself, an untracked
        one is unknown (and chasing names through a large module is slow)."""
        if depth > 8:
            return False
        if isinstance(value, cst.IfExp):
            return self._value_holds_bn(value.body, scope, depth + 1) or self._value_holds_bn(value.orelse, scope, depth + 1)
        if not isinstance(value, cst.Call):
            return False
        func = value.func
        if isinstance(func, cst.Attribute) and (func.attr.value in KEEPS_MODE or func.attr.value in ("train", "eval")):
            return self._value_holds_bn(func.value, scope, depth + 1)
        if isinstance(func, cst.Attribute) and func.attr.value in ALTERNATE_CONSTRUCTORS and isinstance(func.value, cst.Call):
            # `LitModel(hparams).load_from_checkpoint(path)`: the class method builds a new LitModel.
            return self._value_holds_bn(func.value, scope, depth + 1)
        q = self.facts.callee(value) or ""
        if q.rsplit(".", 1)[-1] in WRAPPER_LEAVES and value.args:
            return self._value_holds_bn(value.args[0].value, scope, depth + 1)
        if self._container_holds_bn(value, scope):
            return True
        method_returns = self._self_method_returns(value)
        if method_returns is not None:
            return any(self._value_holds_bn(r, scope, depth + 1) for r in method_returns)
        name = self.facts.chosen_callee(func)
        if name is None:
            return False
        for arg in value.args:
            if arg.keyword is not None and arg.keyword.value == "norm_layer":
                if not self.facts.is_bn_class_ref(arg.value) and dotted(arg.value):
                    return False  # resnet50(norm_layer=FrozenBatchNorm2d)
        if self.facts.is_bn_class_ref(func):
            return True
        if self.facts.named_without_bn(value):
            return False  # `timm.create_model(CFG.model_name)` with `model_name = "vit_base_patch16_384"`
        if isinstance(func, cst.Name):
            in_force = self.facts.holds_bn_in_force(name, self._module_anchor(value))
            if in_force is not None:
                return in_force  # a notebook's second `class Net` (with BN) after the first (without)
            local = self._local_class(name)
            if local is not None:
                # `class neuralnet(nn.Module)` defined inside the running `get_model()`: the layers
                # it builds decide (the module summary answers for top-level names only).
                return any(isinstance(n, cst.Call) and self._value_holds_bn(n, scope, depth + 1) for n in self.walk(local))
        if self.facts.class_holds_bn(name):
            return True
        # `MyEnsemble(models[0], models[1])` of a module class keeping its arguments as parts: a
        # new object in train mode, holding them, unless a part was put in eval before (its own
        # flag stays as it was: then the wrapper's mode says nothing).
        return self.facts.kept_argument_holds_bn(value, name, scope, depth) and not self._parts_switched_before(value)

    def _parts_switched_before(self, call: cst.Call) -> bool:
        """Do the arguments of ``call`` come from code that switches a mode: an argument (or the
        list it is an element of) with a mode call on it anywhere in the file, or built by a
        function of this file that makes one (`return [load(n).eval() for n in names]`)?"""
        roots = {root_name(a.value) for a in call.args} - {None}
        for mode_call in self.facts.calls:
            func = mode_call.func
            if isinstance(func, cst.Attribute) and func.attr.value in ("eval", "train", "requires_grad_") and root_name(func.value) in roots:
                return True
        for root in roots:
            for bound in self.facts.assignments_to(root, self.facts.enclosing_function(call) or self.module) + self.facts.assignments_to(root, self.module):
                fn = self.facts.function_named(bound.func.value, before=bound) if isinstance(bound, cst.Call) and isinstance(bound.func, cst.Name) else None
                searched = fn if fn is not None else bound
                if any(isinstance(n, cst.Call) and isinstance(n.func, cst.Attribute) and n.func.attr.value in ("eval", "train") for n in self.walk(searched)):
                    return True
        return False

    def _local_class(self, name: str) -> Optional[cst.ClassDef]:
        """A class defined in the body of the function running now, by name."""
        fn = self._stack[-1].fn if self._stack else None
        if fn is None:
            return None
        return next((s for s in _body_of(fn) if isinstance(s, cst.ClassDef) and s.name.value == name), None)

    def _module_anchor(self, node: cst.CSTNode) -> cst.CSTNode:
        """The node whose top-level statement is running when ``node`` runs: the module-level call
        that entered the inline stack, or ``node`` itself."""
        if self._stack and self._stack[0].fn is None and len(self._stack) > 1 and self._stack[1].callsite is not None:
            return self._stack[1].callsite
        return node

    def _picked_model(self, value: cst.Subscript, st: State, fr: Frame, label: str) -> Optional[Obj]:
        """`BACKBONE = BACKBONE_DICT[args.backbone]` with `BACKBONE_DICT = {"ResNet_50": ResNet_50(...),
        ...}`: one of the models the dict literal built. It holds BatchNorm when every one does
        (dropout when every one holds BatchNorm or dropout), and its mode is theirs."""
        if not (isinstance(value.value, cst.Name) and len(value.slice) == 1 and isinstance(value.slice[0].slice, cst.Index)):
            return None
        name = value.value.value
        bound = None
        for scope in ([fr.fn] if fr.fn is not None else []) + [self.module]:
            bindings = self.binding_index(scope)[1].get(name)
            if bindings:
                bound = [v for _, v in bindings]
                break
        if not bound or len(bound) != 1 or not isinstance(bound[0], cst.Dict) or not bound[0].elements:
            return None
        values = [e.value for e in bound[0].elements if isinstance(e, cst.DictElement)]
        if len(values) != len(bound[0].elements) or not all(isinstance(v, cst.Call) for v in values):
            return None
        scratch = st.copy()
        built = [self._create(v, scratch, fr, label) for v in values]
        if any(b is None for b in built):
            return None
        holds = all(b.holds_bn for b in built)  # type: ignore[union-attr]
        dropout = not holds and all(b.holds_bn or b.holds_dropout for b in built)  # type: ignore[union-attr]
        if not holds and not dropout:
            return None
        obj = Obj(label=label, holds_bn=holds, holds_dropout=dropout, created_at=value, has_weights=all(b.has_weights for b in built))  # type: ignore[union-attr]
        st.modes[obj] = frozenset(v for b in built for v in scratch.modes.get(b, frozenset({Val(UNKNOWN)})))  # type: ignore[arg-type]
        return obj

    def _layers_switched_off(self, value: cst.BaseExpression, kind: str) -> bool:
        return layers_switched_off_at(self.facts, value, kind)

    def _value_holds_dropout(self, value: cst.BaseExpression, depth: int = 0) -> bool:
        """Does this constructor/factory expression build a module with a dropout layer (and, as
        asked only where ``_value_holds_bn`` said no, no BN)?  A container is asked about the
        layers written in it (`nn.Sequential(nn.Linear(8, 8), nn.Dropout(0.5))`)."""
        if depth > 8:
            return False
        if isinstance(value, cst.IfExp):
            return self._value_holds_dropout(value.body, depth + 1) or self._value_holds_dropout(value.orelse, depth + 1)
        if not isinstance(value, cst.Call):
            return False
        func = value.func
        if isinstance(func, cst.Attribute) and (func.attr.value in KEEPS_MODE or func.attr.value in ("train", "eval")):
            return self._value_holds_dropout(func.value, depth + 1)
        q = self.facts.callee(value) or ""
        if q.rsplit(".", 1)[-1] in WRAPPER_LEAVES and value.args:
            return self._value_holds_dropout(value.args[0].value, depth + 1)
        if q.startswith("torch.") and q.rsplit(".", 1)[-1] in ("Sequential", "ModuleList", "ModuleDict"):
            return any(node is not value and isinstance(node, cst.Call) and self._value_holds_dropout(node, depth + 1) for node in self.walk(value))
        method_returns = self._self_method_returns(value)
        if method_returns is not None:
            return any(self._value_holds_dropout(r, depth + 1) for r in method_returns)
        name = self.facts.chosen_callee(func)
        return bool(name) and self.facts.class_holds_dropout(name)  # type: ignore[arg-type]

    def _self_method_returns(self, call: cst.Call) -> Optional[List[cst.BaseExpression]]:
        """`self._net_choice(...)`, a method of the enclosing class of this file: the values its
        `return`s give (a returned local name read through its assignments in the method), which
        the caller's model is one of; None when ``call`` is no such call."""
        func = call.func
        if not (isinstance(func, cst.Attribute) and isinstance(func.value, cst.Name) and func.value.value == "self"):
            return None
        cls = self.facts.enclosing_class(call)
        method = self._methods_of(cls).get(func.attr.value) if cls is not None else None
        if method is None:
            return None
        cached = self._method_returns.get(id(method))
        if cached is not None:
            return cached
        out: List[cst.BaseExpression] = []
        for node in walk_scope(method):
            if isinstance(node, cst.Return) and node.value is not None:
                if isinstance(node.value, cst.Name):
                    out.extend(self.facts.assignments_to(node.value.value, method))
                else:
                    out.append(node.value)
        self._method_returns[id(method)] = out
        return out

    def _container_holds_bn(self, value: cst.BaseExpression, scope: cst.CSTNode, depth: int = 0) -> bool:
        """``nn.Sequential(nn.Linear(4, 4), nn.BatchNorm1d(4))`` (also ModuleList/ModuleDict, nested, ``.to()``)."""
        if depth > 6 or not isinstance(value, cst.Call):
            return False
        func = value.func
        if isinstance(func, cst.Attribute) and (func.attr.value in KEEPS_MODE or func.attr.value in ("train", "eval")):
            return self._container_holds_bn(func.value, scope, depth + 1)
        q = self.facts.callee(value) or ""
        if q.rsplit(".", 1)[-1] not in ("Sequential", "ModuleList", "ModuleDict") or not q.startswith("torch."):
            return False
        for node in self.walk(value):
            if node is value or not isinstance(node, cst.Call):
                continue
            if self.facts.is_bn_constructor(node):
                return True
            name = dotted(node.func)
            if name and self.facts.class_holds_bn(name):
                return True
        if any(self.facts.library_part_holds_bn(a.value, scope) for a in value.args if not a.star):
            return True  # `nn.Sequential(googlenet.conv1.conv, googlenet.conv1.bn)`: the pretrained BN layer
        return self._given_bn_parts(value, scope, depth)

    def _given_bn_parts(self, value: cst.Call, scope: cst.CSTNode, depth: int) -> bool:
        """A container given a BN model as an attribute (``Facts.parts_given_to``) holds it."""
        return any(self._value_holds_bn(part, scope, depth + 1) for part in self.facts.parts_given_to(value, scope))

    # --- expressions and calls ------------------------------------------------------
    def _after_expr(self, expr: cst.CSTNode, st: State, fr: Frame) -> State:
        """``st`` after the calls in ``expr`` have run."""
        self._exec_expr(expr, st, fr)
        return st

    def _exec_expr(self, expr: cst.CSTNode, st: State, fr: Frame) -> Optional[Obj]:
        """Run the calls in ``expr`` in evaluation order; return the object a top-level call returns."""
        calls: List[cst.Call] = []
        stack: List[Tuple[cst.CSTNode, bool]] = [(expr, False)]
        while stack:
            node, done = stack.pop()
            if done:
                calls.append(node)  # type: ignore[arg-type]
                continue
            kind = type(node)  # exact types: isinstance against libcst's ABCs is slow here
            if kind is cst.Lambda and self._runs_where_handed(node):  # type: ignore[arg-type]
                stack.append((node.body, False))  # type: ignore[attr-defined]
                continue
            if kind is cst.Lambda or kind is cst.FunctionDef or kind is cst.ClassDef:
                continue
            if (kind is cst.ListComp or kind is cst.GeneratorExp or kind is cst.SetComp) and self._over_members(node, st, fr):  # type: ignore[arg-type]
                continue
            if kind is cst.Call:
                stack.append((node, True))
            for child in reversed(self.children(node)):
                stack.append((child, False))
        result: Optional[Obj] = None
        for call in calls:
            r = self._exec_call(call, st, fr)
            if call is expr:
                result = r
        return result

    def _input_gradient_only(self, fn: cst.FunctionDef) -> bool:
        """``effects.input_gradient_only`` of a function of this file (read back as ``ast``, once)."""
        key = ("input_gradient", id(fn))
        cached = self._fn_training.get(key)  # type: ignore[call-overload]
        if cached is None and not any(type(n) is cst.Attribute and n.attr.value == "grad" for n in self.walk(fn)):  # type: ignore[attr-defined]
            cached = self._fn_training[key] = False  # type: ignore[index]  # no `.grad` read anywhere (the cheap test first)
        if cached is None:
            from bnlint.effects import input_gradient_only

            node = self._ast_definition(fn)
            cached = self._fn_training[key] = node is not None and input_gradient_only(node)  # type: ignore[index]
        return cached

    def _ast_definition(self, fn: cst.FunctionDef) -> Optional[ast.AST]:
        """The ``ast`` node of ``fn`` in the file's own ``ast`` tree (the engine parsed it once),
        found by the names of the classes and functions that hold it; None where a name is
        defined twice on the way (which one is meant cannot be told) or there is no tree."""
        path: List[str] = []
        node: Optional[cst.CSTNode] = fn
        while isinstance(node, (cst.FunctionDef, cst.ClassDef)):
            path.insert(0, node.name.value)
            node = self.facts.parent_of_def(node)
        found: Optional[ast.AST] = getattr(self.facts, "ast_tree", None)
        for name in path:
            body = getattr(found, "body", None)
            matches = [n for n in body or () if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)) and n.name == name]
            if len(matches) != 1:
                return None
            found = matches[0]
        return found if path else None

    def _runs_where_handed(self, fn: cst.Lambda) -> bool:
        """A lambda handed to a call (`accuracy(lambda x: net(x), loader)`): the callee runs it, so
        its body runs there, in the call's context.  Not one handed to `apply` (read apart) or
        registered as a hook (it runs inside later forwards), nor one whose parameters shadow a
        name it calls (`lambda net: net(x)` calls what it is given)."""
        arg = self.facts.parent(fn)
        call = self.facts.parent(arg) if isinstance(arg, cst.Arg) else None
        if not isinstance(call, cst.Call):
            return False
        callee = call.func.attr.value if isinstance(call.func, cst.Attribute) else dotted(call.func) or ""
        if callee == "apply" or callee.startswith("register_") or callee.endswith("_hook"):
            return False
        params = {p.name.value for p in all_params(fn)}  # type: ignore[arg-type]
        called = {n.func.value for n in self.walk(fn.body) if isinstance(n, cst.Call) and isinstance(n.func, cst.Name)}
        return not params & called

    def _exec_call(self, call: cst.Call, st: State, fr: Frame) -> Optional[Obj]:
        self._tick()
        if call.args and st.modes:  # (no model tracked yet: nothing to note)
            self._note_training_evidence(call, st, fr)
        func = call.func
        # Mode switches and module methods on a tracked object.
        if isinstance(func, cst.Attribute):
            meth = func.attr.value
            recv = func.value
            if meth in ("train", "eval") and isinstance(recv, cst.Subscript):
                every = self._members_by_index(call, recv, st, fr)
                if every is not None:
                    # `for i in range(len(models)): models[i].eval()`: each model of the list.
                    for member in every:
                        if member is not None:
                            self._set_mode(member, self._mode_of_call(call), call, st, fr)
                    return None
            obj, path = self.resolve_sub(recv, st, fr)
            if obj is not None and isinstance(recv, cst.Name) and recv.value == "self" and fr.cls is not None and meth in self._methods_of(fr.cls) and meth not in ("train", "eval", "forward"):
                obj = None  # `self.evaluate()` in a model's own method: analysed inline below
            if obj is not None and obj.parts is not None:
                if path == ["[]"] and meth in ("train", "eval", "apply", "requires_grad_") and isinstance(recv, cst.Subscript):
                    self._switch_by_key(call, obj, recv, st, fr)
                    return None
                if path:
                    return None  # a member that is no tracked model (`state["optimizer"].step()`)
                if meth in obj.parts:
                    self._forward(call, obj.parts[meth], st, fr, func)  # `ctx.model(x)`
                    return None
                if meth == "get" and obj.cls_name is None and call.args and isinstance(call.args[0].value, cst.SimpleString):
                    return obj.parts.get(call.args[0].value.evaluated_value)  # type: ignore[arg-type]
                if obj.local_class is None:
                    self._composite_method(call, obj, meth, st, fr)
                    return None
                obj = None  # `predictor.predict(x)`, a plain class of this file: analysed inline below
            if obj is not None:
                sub = [p for p in path if p != "module"]
                if meth in ("train", "eval"):
                    mode = self._mode_of_call(call)
                    if mode == UNKNOWN and meth == "train" and call.args and fr.literals:
                        # `model.train(phase == "train")` in an iteration of a loop over phases
                        known = self._static_truth(call.args[0].value, fr.literals)
                        mode = UNKNOWN if known is None else (TRAIN if known else EVAL)
                    if not sub:
                        self._set_mode(obj, mode, call, st, fr)
                    elif mode == EVAL and not looks_non_bn(sub):
                        self._freeze(obj, call, st)
                    elif mode == TRAIN and obj in st.modes:
                        # `net.module.head.train()` after an `.eval()`: the part that trains is put
                        # back on purpose and the rest kept in eval (a frozen backbone): the mode
                        # is mixed by design, no leaked evaluation (BN006).
                        st.modes[obj] = frozenset(v.replace(mark=None) if v.mode == EVAL and v.mark is not None else v for v in st.modes[obj])
                    return obj if not sub else None
                if meth == "apply" and call.args:
                    effect = self._apply_effect(call.args[0].value, fr)
                    if effect == "freeze":
                        self._freeze(obj, call, st)
                    elif effect == EVAL and not sub:
                        self._set_mode(obj, EVAL, call, st, fr)
                    return obj if not sub else None
                if meth in ("forward", "module") and not sub:
                    self._forward(call, obj, st, fr, recv)
                    return None
                if meth in WEIGHT_LOADING_METHODS:
                    obj.has_weights = True
                if meth in PLAIN_MODULE_METHODS:
                    return obj if (meth in KEEPS_MODE and not sub) else None
                if not sub:
                    self._model_method(obj, meth, call, st, fr)
                return None
        # A forward call of a tracked object.
        target = self.resolve(func, st, fr) if isinstance(func, (cst.Name, cst.Attribute, cst.Subscript)) else None
        if target is not None and target.parts is not None and target.local_class is None:
            self._composite_method(call, target, "__call__", st, fr)  # `extractor(crops)`: its `__call__`
            return None
        if target is not None and target.local_class is not None:
            target = None  # `policy(obs)`, a plain class of this file: its `__call__`, analysed inline below
        if target is not None:
            self._forward(call, target, st, fr, func)
            return None
        # `torch.jit.trace(model, example)` runs the model once and records what ran: BatchNorm in
        # train mode is recorded with batch statistics, whatever mode the traced module is in later.
        if call.args and self.facts.callee(call) in _TRACE_CALLS:
            arg = call.args[0].value
            traced = self.resolve(arg, st, fr) if isinstance(arg, (cst.Name, cst.Attribute)) else None
            if traced is None and isinstance(arg, cst.Attribute):
                # `torch.jit.trace(model.depth_net, x)`: a part with BatchNorm of a model class of
                # this file, in the model's mode (a part's flag follows the model's mode calls).
                owner = self.resolve(arg.value, st, fr) if isinstance(arg.value, (cst.Name, cst.Attribute)) else None
                cls = self.facts.class_named(owner.cls_name) if owner is not None and owner.cls_name and "." not in owner.cls_name else None
                if cls is not None and self._submodule_holds_bn(cls, arg.attr.value):
                    traced = owner
            if traced is not None:
                self._forward(call, traced, st, fr, arg, extra_kinds=frozenset({"trace"}))
                return None
        if isinstance(func, cst.Name):
            captured = self._closure_vars.get(self._var_key(func.value, fr))
            if captured:
                # `loop = get_loop(model, opt)` ... `loop(is_train=False, ...)`: the function it
                # returned switches the mode of the model it captured, in a way not followed here.
                for obj in captured:
                    st.modes[obj] = frozenset({Val(UNKNOWN, (call,), fr.act)})
                return None
        # A function or method defined in this file: analysed inline.
        callee, cls = self._local_callee(call, fr, st)
        if callee is not None:
            returned = self._inline(callee, cls, call, st, fr)
            if returned is not None:
                self._call_results[id(call)] = returned  # `nn.DataParallel(self._build())`
            elif self._returns_mode_switching_closure(callee):
                handed = [self.resolve(a.value, st, fr) for a in call.args if isinstance(a.value, (cst.Name, cst.Attribute))]
                self._closure_models[id(call)] = tuple(o for o in handed if o is not None)
            return returned
        for method in self._template_overrides(call, fr):
            # `self.pick()` of a base class of another module that calls `self._score()`: this
            # class's `_score` runs there (the base's own effects on what it is handed follow).
            self._inline(method, fr.cls, call, st, fr, bind_arguments=False)
        # A plain class of this file (a trainer, a predictor): its `__init__` runs with the
        # arguments (`Trainer(net, loader)` stores the model in `self.model`).
        plain = self._plain_class_called(call)
        if plain is not None:
            init = self._methods_of(plain).get("__init__")
            if init is not None:
                self._inline(init, plain, call, st, fr)
                stored = [(attr, st.vars.get(("self", id(plain), f"self.{attr}"))) for attr in self._self_assignments(plain)]
                parts = {attr: o for attr, o in stored if isinstance(o, Obj) and o.parts is None}
                if not parts:
                    return None
                holder = Obj(label=dotted(call.func) or "instance", holds_bn=False, created_at=call, parts=parts, local_class=plain)
                self._call_results[id(call)] = holder
                return holder
            from bnlint.effects import constructor_attributes

            cls_ast, _classes = self._class_definition(call)
            kept = constructor_attributes(cls_ast) if cls_ast is not None else None
            if kept is not None:
                # A dataclass: its generated constructor stores each argument in its field.
                fields, _stored = kept
                pairs = [(f, a.value) for f, a in zip(fields, call.args) if a.keyword is None and not a.star]
                pairs += [(a.keyword.value, a.value) for a in call.args if a.keyword is not None and a.keyword.value in fields]
                holder = self._holder(dotted(call.func) or "instance", pairs, st, fr, call, cls_name=plain.name.value)
                if holder is not None:
                    holder.handed = None  # (its fields are reached as `ctx.model`)
                    self._call_results[id(call)] = holder
                return holder
            return None
        if isinstance(func, cst.Attribute) and func.attr.value in _ACCELERATOR_PASSTHROUGH and call.args and self._is_accelerator(func.value, fr.fn, fr.cls):
            # `model, opt = accelerator.prepare(model, opt)`: the same objects, wrapped for the
            # device/DDP (a wrapper keeps the mode); `accelerator.unwrap_model(model)` likewise.
            objs = tuple(self.resolve(a.value, st, fr) if isinstance(a.value, (cst.Name, cst.Attribute)) else None for a in call.args)
            if len(objs) > 1:
                self._call_tuples[id(call)] = objs
            return objs[0] if len(objs) == 1 else None
        # A function of another project module: what its summary says it does to the models.
        if self._remote_call(call, st, fr):
            return None
        kept = self._keeping_constructor(call, st, fr)
        if kept is not None:
            return kept
        if (self.facts.callee(call) or dotted(func) or "") in _NAMESPACE_CALLS:
            bundle = self._bundle(call, st, fr, "namespace")
            if bundle is not None:
                self._call_results[id(call)] = bundle
            return bundle  # (it runs nothing it is handed)
        if self.facts.callee(call) in _PARTIAL_CALLS and call.args:
            self._partial(call, st, fr)
            return None
        # Anything else that receives a tracked model may switch its mode.
        self._unknown_call(call, st, fr)
        return None

    def _built_plain(self, name: cst.Name, fr: Frame) -> bool:
        """Was ``name`` (in the caller's frame) last bound to a call of a function or class of this
        file, a class of another project module, or a library factory the inventory knows, that
        builds neither BN nor dropout?"""
        scope: cst.CSTNode = fr.fn if fr.fn is not None else self.module
        bindings = self.binding_index(scope)[1].get(name.value)
        if not bindings:
            return False
        value = _moved(bindings[-1][1])
        if not isinstance(value, cst.Call):
            return False
        callee = dotted(value.func) or ""
        inv = self.facts.inventory
        resolved = (
            callee in inv.functions or callee in inv.classes or factory_holds_bn(self.facts.callee(value)) is not None
            or self._project_class_called(value) is not None  # `net = UNet(1, 3)` of `netdef.py`, read by the index
        )
        if not resolved:
            return False
        try:
            return not self._value_holds_bn(value, scope) and not self._value_holds_dropout(value)
        except RecursionError:
            return False

    def _is_accelerator(self, expr: cst.BaseExpression, fn: Optional[cst.FunctionDef], cls: Optional[cst.ClassDef]) -> bool:
        """Is ``expr`` (in ``fn``, a method of ``cls`` or not) an `accelerate.Accelerator`: a name
        or `self.<attr>` bound to `Accelerator(...)`, or to a parameter annotated `Accelerator`?"""
        if isinstance(expr, cst.Name):
            scopes: List[cst.CSTNode] = [fn] if fn is not None else []
            scopes.append(self.module)
            for scope in scopes:
                if any(self._accelerator_value(v, scope) for _, v in self.binding_index(scope)[1].get(expr.value, ())):
                    return True
                if isinstance(scope, cst.FunctionDef) and any(p.name.value == expr.value and self._annotated_accelerator(p) for p in all_params(scope)):
                    return True
            return False
        if isinstance(expr, cst.Attribute) and isinstance(expr.value, cst.Name) and expr.value.value == "self":
            cls = cls if cls is not None else (self.facts.enclosing_class(fn) if fn is not None else None)
            if cls is None:
                return False
            for method in self._methods_of(cls).values():
                for node in self.walk(method):
                    if isinstance(node, cst.Assign) and any(
                        isinstance(t.target, cst.Attribute) and isinstance(t.target.value, cst.Name) and t.target.value.value == "self" and t.target.attr.value == expr.attr.value
                        for t in node.targets
                    ) and self._accelerator_value(node.value, method):
                        return True
        return False

    def _accelerator_value(self, value: cst.BaseExpression, scope: cst.CSTNode) -> bool:
        if isinstance(value, cst.Call):
            return self.facts.callee(value) == "accelerate.Accelerator"
        if isinstance(value, cst.Name) and isinstance(scope, cst.FunctionDef):
            return any(p.name.value == value.value and self._annotated_accelerator(p) for p in all_params(scope))
        return False

    def _annotated_accelerator(self, param: cst.Param) -> bool:
        annotation = param.annotation.annotation if param.annotation is not None else None
        return annotation is not None and self.facts.qualified(annotation) == "accelerate.Accelerator"

    def _keeping_constructor(self, call: cst.Call, st: State, fr: Frame) -> Optional[Obj]:
        """`Evaluator(model, loader)` of a plain class of another project module whose `__init__`
        stores the models it is handed (`self.model = model`) and switches no mode: building it
        changes no mode, and the instance is a holder of those models (``Obj.handed``): its
        methods called later do what their summaries say to them, and `evaluator.model` is the
        model.  Only where every use of the instance in this scope is one the analysis follows."""
        name = dotted(call.func)
        inv = self.facts.inventory
        if not name or not self.facts.path or not inv.is_imported(name) or any(a.star for a in call.args):
            return None
        def handed_obj(expr: cst.BaseExpression) -> Optional[Obj]:
            obj = self.resolve(expr, st, fr)
            if obj is None and isinstance(expr, cst.Call) and id(expr) not in self._inlined:
                obj = self._create(expr, st, fr, self.facts.code_of(expr))  # `Agent(Actor(3, 1), ...)`
            return obj

        handed = [(i, a, handed_obj(a.value)) for i, a in enumerate(call.args) if isinstance(a.value, (cst.Name, cst.Attribute, cst.Subscript, cst.Call))]
        handed = [(i, a, obj) for i, a, obj in handed if obj is not None]
        if not handed:
            return None
        qualified = inv.resolve(name)
        kept = self.facts.index.kept_arguments(self.facts.path, qualified)
        if kept is None:
            return None
        positional, stored = kept
        parts: Dict[str, Obj] = {}
        exprs: Dict[str, cst.BaseExpression] = {}
        for index, arg, obj in handed:
            pname = arg.keyword.value if arg.keyword is not None else (positional[index] if index < len(positional) else None)
            attr = stored.get(pname) if pname else None
            if attr is None or obj.parts is not None:
                return None  # handed over, not kept as it came: unknown (as any call)
            parts[attr], exprs[attr] = obj, arg.value
        if not self._instance_uses_followed(call, fr, set(parts)):
            return None
        holder = Obj(label=name, holds_bn=False, cls_name=qualified, created_at=call, parts=parts, handed=exprs)
        self._call_results[id(call)] = holder
        return holder

    def _instance_uses_followed(self, call: cst.Call, fr: Frame, attrs: Set[str]) -> bool:
        """Is every use of the object ``call`` builds one the analysis follows: `Cls(...).run()`,
        or `x = Cls(...)` with every other use of `x` in the scope a call of it or of a method,
        a read of an attribute in ``attrs`` (`x.model`), an argument of a call, or a `return`?
        (Not `threading.Thread(target=x.run)`, a callback list: its methods would run unseen.)"""
        parent = self.facts.parent(call)
        if isinstance(parent, cst.Attribute) and isinstance(self.facts.parent(parent), cst.Call) and self.facts.parent(parent).func is parent:
            return True
        if not (isinstance(parent, cst.Assign) and len(parent.targets) == 1 and isinstance(parent.targets[0].target, cst.Name)):
            return False
        name = parent.targets[0].target.value
        scope: cst.CSTNode = fr.fn if fr.fn is not None else self.module
        for node in self.walk(scope):
            if not (isinstance(node, cst.Name) and node.value == name) or node is parent.targets[0].target:
                continue
            holder = self.facts.parent(node)
            if isinstance(holder, (cst.ImportFrom, cst.ImportAlias, cst.AsName, cst.Attribute)) and self._in_import(node):
                continue  # `from player import Player`: the module's name, not the instance
            if isinstance(holder, cst.Call) and holder.func is node:
                continue  # `detector(x)`: its `__call__` method
            if isinstance(holder, (cst.Arg, cst.Return)):
                continue  # handed on: the call or the caller follows it
            if isinstance(holder, cst.Element) and isinstance(self.facts.parent(self.facts.parent(holder)), cst.Return):
                continue  # `return total, agent`: handed back to the caller
            if not (isinstance(holder, cst.Attribute) and holder.value is node):
                return False
            outer = self.facts.parent(holder)
            if holder.attr.value in attrs or (isinstance(outer, cst.Call) and outer.func is holder):
                continue
            return False
        return True

    def _in_import(self, node: cst.CSTNode) -> bool:
        return any(isinstance(anc, (cst.Import, cst.ImportFrom)) for anc in self.facts.ancestors(node))

    def _partial(self, call: cst.Call, st: State, fr: Frame) -> None:
        """`functools.partial(f, ..., model)` runs nothing: the models it captures are handed to
        ``f`` when the result is called.  Unless ``f`` keeps their modes (an `nn.Module` class whose
        constructor switches none, a logging call), that later call leaves them unknown, as a
        returned closure does."""
        target = call.args[0].value
        captured = tuple(
            obj for obj in (self.resolve(a.value, st, fr) for a in call.args[1:] if isinstance(a.value, (cst.Name, cst.Attribute))) if obj is not None
        )
        if not captured:
            return
        as_call = cst.Call(func=target, args=call.args[1:])
        if keeps_modes(self.facts.qualified(target) or dotted(target) or ""):
            return
        cls_ast, classes = self._class_definition(as_call)
        if cls_ast is not None:
            from bnlint.effects import is_module_class

            if is_module_class(cls_ast, classes) and _constructor_switches_no_mode(cls_ast):
                return
        self._closure_models[id(call)] = captured

    def _mode_switched_params(self, fn: cst.FunctionDef) -> Set[str]:
        """The parameters of ``fn`` it calls `.train()` or `.eval()` on (through attributes too)."""
        found = self._switched_params.get(id(fn))
        if found is None:
            names = {p.name.value for p in all_params(fn)}
            found = self._switched_params[id(fn)] = {
                root
                for node in self.walk(fn)
                if isinstance(node, cst.Call) and isinstance(node.func, cst.Attribute) and node.func.attr.value in ("train", "eval")
                for root in (root_name(node.func.value),)
                if root in names
            }
        return found

    def _returns_mode_switching_closure(self, fn: cst.FunctionDef) -> bool:
        """Does ``fn`` return a function it defines (`def loop(...): ... model.eval() ...; return
        loop`) that switches a mode?"""
        key = id(fn)
        if key not in self._closure_factories:
            nested = {n.name.value: n for n in _body_of(fn) if isinstance(n, cst.FunctionDef)}
            returned = {n.value.value for n in walk_scope(fn) if isinstance(n, cst.Return) and isinstance(n.value, cst.Name)} if nested else set()
            self._closure_factories[key] = any(name in nested and self._switches_modes(nested[name]) for name in returned)
        return self._closure_factories[key]

    def _remote_call(self, call: cst.Call, st: State, fr: Frame, entering: bool = False, bases: Optional[List[str]] = None, method: Optional[str] = None):
        """`evaluate(model, val_loader)` with `evaluate` imported from a project module: apply its
        ``bnlint.effects`` summary to each tracked model handed to it (forwards it runs in the
        caller's mode, the mode it leaves the model in, BN it freezes).  False: not such a call.

        ``entering``: the call is a `with` item.  A context manager's models are put in the mode
        they have at its `yield`; the result is then what to do when the `with` ends, as
        (model, mode or "=" for restored, its modes before, call), or None: not such a call.

        ``bases``: the call is a method of these project classes (qualified), called on a model
        (`student.distill_loss(x, y, teacher)`) or on an instance that holds models: its effects
        on the models handed to it.  ``method``: the method's name, when the call's own spelling
        does not give it (`self.student.distill_loss(...)`)."""
        name = dotted(call.func)
        inv = self.facts.inventory
        if name and "." not in name and not inv.is_imported(name):
            name = self.facts.imported_alias(name) or name  # `check = run_validation`, then `check(net, ...)`
        inherited = bases or (self._inherited_bases(call, name) if not entering else None)
        if inherited is None and not entering:
            inherited = self._instance_class(call, fr)
        if inherited is None and (not name or not self.facts.path or not inv.is_imported(name)) or any(a.star for a in call.args):
            return None if entering else False
        handed = []
        positional = 0
        for arg in call.args:
            index = None
            if arg.keyword is None:
                index, positional = positional, positional + 1
            obj = self.resolve(arg.value, st, fr) if isinstance(arg.value, (cst.Name, cst.Attribute)) else None
            # A model with BN (any rule), or a caller's model in training code (BN006 only).
            if obj is not None and (obj.mode_sensitive or obj.parts is not None or self._training_stack()):
                handed.append((index, arg, obj, arg.value, False))
            elif obj is None and isinstance(arg.value, (cst.List, cst.Tuple)) and len(arg.value.elements) <= MAX_MEMBERS:
                # `set_mode("eval", [encoder, decoder])`: each model of the list, as an element.
                for element in arg.value.elements:
                    member = self.resolve(element.value, st, fr) if isinstance(element, cst.Element) and isinstance(element.value, (cst.Name, cst.Attribute)) else None
                    if member is not None and (member.mode_sensitive or self._training_stack()):
                        handed.append((index, arg, member, element.value, True))
        if not handed:
            return None if entering else False
        if inherited is not None:
            # `self._evaluate_model(model)`, a method of a project base class in another module: its
            # summary as a function whose first parameter is `self` (positions shift by one).
            method = method or (name.rsplit(".", 1)[1] if "." in name else "__call__")  # type: ignore[union-attr]
            effects = self.facts.index.inherited_method_effects(self.facts.path, inherited, method)
            shift = 1
        else:
            effects = self.facts.index.function_effects(self.facts.path, inv.resolve(name))  # type: ignore[arg-type]
            shift = 0
        if effects is None:
            return None if entering else False
        # Parameters this call binds to literals (`train(model, ..., skip_epoch_stats=True)`, or a
        # literal default left in place) decide the helper's `if`s on them.
        literals = effects.literal_defaults()
        position = shift
        for arg in call.args:
            index = None
            if arg.keyword is None:
                index, position = position, position + 1
            pname = effects.parameter_for(index, arg.keyword.value if arg.keyword is not None else None)
            if pname is None:
                continue
            value = literal_value(arg.value)
            if value is NOT_LITERAL:
                literals.pop(pname, None)
            else:
                literals[pname] = value
        if literals:
            effects = effects.specialised(literals)
        if entering and not any(
            (e := effects.effects.get(effects.parameter_for(i, a.keyword.value if a.keyword is not None else None) or "", element)) is not None and e.at_yield is not None
            for i, a, _, _, element in handed
        ):
            return None  # not a context manager that switches modes: an ordinary call
        where = f"`{name}()` ({display_path(effects.path, self.facts.path)}:{effects.line})"
        restore = []
        for index, arg, obj, expr, element in handed:
            pname = effects.parameter_for(None if index is None else index + shift, arg.keyword.value if arg.keyword is not None else None)
            if pname is None:
                st.modes[obj] = frozenset({Val(UNKNOWN, (call,), fr.act)})
                continue
            if obj.parts:
                # A holder (`predict(ctx, x)` reading `ctx.model`): the effect on each model it holds.
                parts = obj.parts
                for attr, part in list(parts.items()):
                    member = effects.effects.member(pname, attr, frozenset(parts) - {attr})
                    if member is not None:
                        given = obj.handed.get(attr) if obj.handed is not None else None
                        # (The name the caller handed it under, else the holder's: `ctx.model`.)
                        if isinstance(given, (cst.Name, cst.Attribute, cst.Subscript)):
                            label = given
                        elif obj.keyed:
                            label = cst.Subscript(value=expr, slice=[cst.SubscriptElement(cst.Index(cst.SimpleString(repr(attr))))])
                        else:
                            label = cst.Attribute(value=expr, attr=cst.Name(attr))
                        self._apply_effect_summary(call, part, member, st, fr, label, where)
                if obj.cls_name is None or obj.handed is not None:
                    continue  # (a dict or namespace, or a holder of what it was handed: no methods of its own)
            effect = effects.effects.get(pname, element)
            if effect is None:
                continue  # it does not use the model as a module: nothing changes
            if entering and effect.at_yield is not None:
                self._apply_effect_summary(call, obj, effect, st, fr, expr, where, apply_exit=False)
                restore.append((obj, effect.exit, st.modes.get(obj, frozenset({Val(UNKNOWN)})), call))
                if effect.at_yield != "=":
                    self._set_mode(obj, effect.at_yield, call, st, fr)
            else:
                self._apply_effect_summary(call, obj, effect, st, fr, expr, where, callee=effects)
        return restore if entering else True

    def _instance_class(self, call: cst.Call, fr: Frame) -> Optional[List[str]]:
        """For `searcher.search(net)` on a variable bound (where this call runs) to an instance of a
        project class of another module (`searcher = mcts.MCTS()`): that class (qualified), whose
        method then runs as a function with `self` first; else None.  `check(step, net)` on such
        a variable runs the class's `__call__`."""
        func = call.func
        if isinstance(func, cst.Name):
            name = func.value  # `check(step, net)`: the instance called, its `__call__`
        elif isinstance(func, cst.Attribute) and isinstance(func.value, cst.Name) and func.value.value not in ("self", "cls"):
            name = func.value.value
        else:
            return None
        key: Optional[tuple] = self._var_key(name, fr)
        act = fr.parent_act
        for _ in range(20):  # the frame's own variable, then those of the scopes it sees
            if key in self._instance_classes:
                return [self._instance_classes[key]]  # type: ignore[index]
            if act is None:
                return None
            key, act = (act, name), self._parent_of_act.get(act)
        return None

    def _project_class_called(self, call: cst.Call) -> Optional[str]:
        """The qualified name of the project class of another module that ``call`` instantiates."""
        name = dotted(call.func)
        inv = self.facts.inventory
        if not name or not self.facts.path or not inv.is_imported(name):
            return None
        qualified = inv.resolve(name)
        known = self._project_classes.get(qualified)
        if known is None:
            known = self._project_classes[qualified] = self.facts.index.class_definition(self.facts.path, qualified) is not None
        return qualified if known else None

    def _template_overrides(self, call: cst.Call, fr: Frame) -> List[cst.FunctionDef]:
        """For `self.pick()` whose method a project base class of another module defines: the
        methods of this file's class it calls on `self` (``ProjectIndex.inherited_self_calls``: a
        base's search loop calling the subclass's `_expand`), in the order it calls them."""
        func = call.func
        if fr.cls is None or not (isinstance(func, cst.Attribute) and isinstance(func.value, cst.Name) and func.value.value == "self"):
            return []
        name = f"self.{func.attr.value}"
        key = (id(fr.cls), name)
        found = self._template_calls.get(key)
        if found is None:
            found = self._template_calls[key] = []
            summary = self._base_self_calls(fr.cls) if self._inherited_bases(call, name) else {}
            methods = self._methods_of(fr.cls)
            names: List[str] = []

            def visit(method: str, depth: int) -> bool:
                """Collect what ``method`` of the bases runs of this class; False: it switches a mode."""
                calls, switches = summary.get(method, ((), False))
                if switches or depth > 3:
                    return not switches
                for called in calls:
                    if called in methods:
                        names.append(called)
                    elif called != method and not visit(called, depth + 1):
                        return False
                return True

            if visit(name[5:], 0):
                found.extend(methods[n] for n in names)
        return found

    def _base_self_calls(self, cls: cst.ClassDef) -> Dict[str, Tuple[Tuple[str, ...], bool]]:
        """``ProjectIndex.base_self_calls`` for the imported project bases of ``cls``."""
        inv = self.facts.inventory
        bases = [inv.resolve(b) for b in (dotted(x.value) for x in cls.bases) if b and inv.is_imported(b)]
        if not bases or self.facts.index is None or not self.facts.path:
            return {}
        return self.facts.index.base_self_calls(self.facts.path, bases)

    def _inherited_bases(self, call: cst.Call, name: Optional[str]) -> Optional[List[str]]:
        """For `self.<method>(...)` whose method the enclosing class does not define: the class's
        bases that are imported project names (qualified), where the method may live; else None."""
        if not name or not name.startswith("self.") or name.count(".") != 1 or not self.facts.path:
            return None
        cls = self.facts.enclosing_class(call)
        if cls is None or name[5:] in self._methods_of(cls):
            return None
        inv = self.facts.inventory
        bases = [inv.resolve(b) for b in (dotted(x.value) for x in cls.bases) if b and inv.is_imported(b)]
        return bases or None

    def _apply_effect_summary(
        self, call: cst.Call, obj: Obj, effect, st: State, fr: Frame, expr: cst.BaseExpression, where: str, apply_exit: bool = True, callee=None,
    ) -> None:
        """A ``bnlint.effects.ParamEffect`` of a call on ``obj``: the forwards it runs in the
        caller's mode, its training in its own mode, BN it freezes, the mode it leaves.
        ``callee``: the ``FunctionEffects`` called, to read the callables the call hands it."""
        from bnlint.effects import TRAIN_MODE_ONLY

        if effect.loads_weights:
            obj.has_weights = True  # `load_checkpoint(model, path)` of a project module
        for kinds, trained, _ in effect.forwards:
            if TRAIN_MODE_ONLY in kinds:
                # Trained only in train mode (`if model.training:` around the step): handed a model
                # in eval mode, the callee evaluates it, as it should.
                kinds = kinds - {TRAIN_MODE_ONLY}
                if all(v.mode == EVAL for v in st.modes.get(obj, frozenset({Val(UNKNOWN)}))):
                    continue
            kinds = _summary_kinds(kinds, obj)
            if kinds is None:
                continue
            self._forward(call, obj, st, fr, expr, extra_kinds=frozenset() if trained else kinds, trained=trained, via=where)
        before = st.modes.get(obj, frozenset({Val(UNKNOWN)}))
        last = "="
        skip_training = False
        for kind, what in effect.steps:
            if kind == "callback":
                # The training that follows runs through a callable this call hands over (`run_epoch(
                # model, opt, batches, loss_of)`): one that switches modes itself is not followed.
                handed = callee.argument_for(call.args, what) if callee is not None else None
                skip_training = handed is not None and self._callable_switches_modes(handed, fr)
                continue
            if skip_training and kind == "train":
                skip_training = False
                last = UNKNOWN
                st.modes[obj] = frozenset({Val(UNKNOWN, (call,), fr.act)})
                continue
            if kind == "mode":
                last = what
                if what == "=":
                    st.modes[obj] = before  # `model.train(was_training)`
                else:
                    self._set_mode(obj, what, call, st, fr)
            elif kind == "freeze":
                self._freeze(obj, call, st)
            elif kind == "method":
                if obj.parts is not None:  # `model.val_start()` in the callee, on a composite handed to it
                    self._composite_method(call, obj, what, st, fr)
            elif kind == "eval":  # evaluated in train mode the callee set
                self._forward(call, obj, st, fr, expr, extra_kinds=frozenset(what.split(",")), via=where)
            elif what == UNKNOWN:
                # Trained where the callee's branches leave either mode (`if split == "train":
                # net.train() else: net.eval()` around one training forward): the steps, read in
                # source order, end on the last branch's mode; the forward runs in either.
                saved = st.modes.get(obj)
                st.modes[obj] = frozenset({Val(UNKNOWN, (call,), fr.act)})
                self._forward(call, obj, st, fr, expr, trained=True, via=where)
                if saved is not None:
                    st.modes[obj] = saved
            else:  # trained in a mode the callee set
                self._forward(call, obj, st, fr, expr, trained=True, via=where)
        if apply_exit and effect.exit != last:
            # The steps run in source order on every path; where the paths end differently the
            # summary's exit (unknown, say) decides.
            if effect.exit == "=":
                st.modes[obj] = before
            elif effect.exit.startswith("=|"):
                # As it came, or set (a loop of the callee that may run no iteration).
                if last != effect.exit[2:]:
                    self._set_mode(obj, effect.exit[2:], call, st, fr)
                st.modes[obj] = st.modes[obj] | before
            else:
                self._set_mode(obj, effect.exit, call, st, fr)

    def _callable_switches_modes(self, handed: cst.BaseExpression, fr: Frame) -> bool:
        """Does the callable ``handed`` (a lambda, or a function of this file) call `.eval()`,
        `.train(...)` or `.apply(...)`?"""
        body: Optional[cst.CSTNode] = handed.body if isinstance(handed, cst.Lambda) else None
        if body is None and isinstance(handed, cst.Name):
            body = self._function_by_name(handed.value, fr)
        return body is not None and any(
            isinstance(n, cst.Call) and isinstance(n.func, cst.Attribute) and n.func.attr.value in ("eval", "train", "apply") for n in self.walk(body)
        )

    def _mode_of_call(self, call: cst.Call) -> str:
        func = call.func
        assert isinstance(func, cst.Attribute)
        if func.attr.value == "eval":
            return EVAL
        if not call.args:
            return TRAIN
        v = call.args[0].value
        if isinstance(v, cst.Name) and v.value in ("True", "False"):
            return TRAIN if v.value == "True" else EVAL
        if isinstance(v, cst.Integer):
            return TRAIN if v.value != "0" else EVAL
        return UNKNOWN

    def _linked(self, obj: Obj) -> List[Obj]:
        """The models a mode switch of ``obj`` switches too: the model it keeps as a submodule
        (``Obj.wraps``, down the chain), and a wrapper whose mode is only that model's
        (``Obj.only_wraps``, up the chain)."""
        out: List[Obj] = []
        inner = obj.wraps
        while inner is not None and inner not in out and len(out) < 8:
            out.append(inner)
            inner = inner.wraps
        todo = [obj]
        while todo and len(out) < 16:
            for wrapper in self._wrappers.get(id(todo.pop()), ()):
                if wrapper.only_wraps and wrapper not in out and wrapper is not obj:
                    out.append(wrapper)
                    todo.append(wrapper)
        return out

    def _set_mode(self, obj: Obj, mode: str, node: cst.CSTNode, st: State, fr: Frame) -> None:
        self._set_own_mode(obj, mode, node, st, fr)
        if obj.wraps is not None or id(obj) in self._wrappers:
            for other in self._linked(obj):
                if other in st.modes:
                    self._set_own_mode(other, mode, node, st, fr)

    def _set_own_mode(self, obj: Obj, mode: str, node: cst.CSTNode, st: State, fr: Frame) -> None:
        old = st.modes.get(obj, frozenset({Val(UNKNOWN)}))
        new = set()
        for v in old:
            frozen = v.frozen
            unfrozen = v.unfrozen
            if mode in (TRAIN, UNKNOWN) and frozen is not None and not obj.keeps_bn_eval:
                # nn.Module.train() recurses: the BN put in eval earlier run in train mode again.
                unfrozen = (node, frozen) if mode == TRAIN else None
                frozen = None
            elif mode == EVAL:
                unfrozen = None
            # A helper's `.train()` after its own `.eval()` of the same model (the end of a scoring
            # routine) puts back train mode for training; it is no deliberate train-mode pass
            # (a mean teacher's), whatever mode the caller's model was in before (``Val.fresh``).
            restores = mode == TRAIN and v.mode == EVAL and v.frame == fr.act and fr.callsite is not None
            over = self._loop_stack[-1] if mode == EVAL and v.mode == TRAIN and self._loop_stack and self._set_this_iteration(v, self._loop_stack[-1]) else None
            new.add(Val(mode, (node,), fr.act, fresh=(mode == TRAIN and not restores), frozen=frozen if mode != EVAL else v.frozen, unfrozen=unfrozen, guards=v.guards, over_train=over))
        st.modes[obj] = frozenset(new)

    def _set_this_iteration(self, v: Val, loop: cst.CSTNode) -> bool:
        """Was the mode ``v`` set during the current iteration of ``loop`` (the innermost loop
        running): by a call inside the loop's body in the function that runs the loop, or in a
        function that body called (its activation began in this iteration)?"""
        if not v.origin:
            return False
        owner = self.facts.enclosing_function(loop)
        loop_frame = next((i for i in range(len(self._stack) - 1, -1, -1) if self._stack[i].fn is owner), None)
        set_in = next((i for i in range(len(self._stack) - 1, -1, -1) if self._stack[i].act == v.frame), None)
        if loop_frame is None or set_in is None or set_in < loop_frame:
            return False
        return set_in > loop_frame or self._inside(v.origin[0], loop)

    def _freeze(self, obj: Obj, node: cst.CSTNode, st: State) -> None:
        linked = self._linked(obj) if obj.wraps is not None or id(obj) in self._wrappers else []
        for member in [obj, *(m for m in linked if m in st.modes)]:
            old = st.modes.get(member, frozenset({Val(UNKNOWN)}))
            # (In eval already, `model.eval(); model.backbone.eval()` in an evaluation: no freeze.)
            st.modes[member] = frozenset(v if v.mode == EVAL and v.frozen is None else v.replace(frozen=node, unfrozen=None) for v in old)

    def _apply_effect(self, fn_expr: cst.BaseExpression, fr: Frame) -> Optional[str]:
        """What ``model.apply(fn)`` does to the modes: 'freeze' (BN only), EVAL (everything) or
        None (``summaries.apply_effect``), for a lambda, a function of this module, or one a
        project module defines and this one imports (`from bn_tools import freeze_norm`)."""
        from bnlint import inventory as inv_mod
        from bnlint.summaries import apply_effect

        node: Optional[ast.AST] = None
        is_bn: Callable[[str], bool] = self.facts.is_bn_class_name
        if isinstance(fn_expr, cst.Lambda):
            node = _ast_of(self.facts.module.code_for_node(fn_expr))
        else:
            name = dotted(fn_expr)
            fn = self._function_by_name(name.split(".")[-1], fr) if name else None
            if fn is not None:
                node = _ast_of(self.facts.module.code_for_node(fn))
            elif name and self.facts.path and self.facts.inventory.is_imported(name):
                found = self.facts.index.definition(self.facts.path, self.facts.inventory.resolve(name))
                node = found[2][0].get(found[1]) if found is not None else None
                other = self.facts.index.inventory_for_path(found[0]) if found is not None else None
                if other is None:
                    return None
                is_bn = lambda name: bool(inv_mod.names_bn_class(other, name))  # noqa: E731
        if node is None:
            return None
        effect = apply_effect(node, is_bn)
        return EVAL if effect == "eval" else effect

    def _modules_loop_restore(self, loop: cst.For, st: State, fr: Frame) -> Optional[Obj]:
        """The model of `for name, m in model.named_modules(): m.train(mode=saved[name])` (also
        `.modules()`, `.children()`): each module set to a mode not written here."""
        it = loop.iter
        if not (isinstance(it, cst.Call) and isinstance(it.func, cst.Attribute) and it.func.attr.value in ("modules", "named_modules", "children", "named_children")):
            return None
        names = {n.value for n in self.walk(loop.target) if isinstance(n, cst.Name)}
        restores = any(
            isinstance(node, cst.Call) and isinstance(node.func, cst.Attribute) and node.func.attr.value == "train" and node.args
            and (dotted(node.func.value) or "").split(".")[0] in names and self._mode_of_call(node) == UNKNOWN
            for node in self.walk(loop.body)
        )
        if not restores:
            return None
        obj, path = self.resolve_sub(it.func.value, st, fr)
        return obj if obj is not None and not path else None

    def _modules_loop_freeze(self, loop: cst.For, st: State, fr: Frame) -> Optional[Tuple[Obj, bool]]:
        """``for m in model.modules(): if isinstance(m, BN): m.eval()`` (also named_modules/children;
        also over a local bound to such a call, `modules = model.model.modules() if gpu else
        model.module.model.modules()`, each branch of it the same model)."""
        it = loop.iter
        if isinstance(it, cst.Name):
            # (Only a loop whose body puts modules in eval is worth the look-up: `for x, y in loader:`
            # is the common case.)
            if not any(isinstance(n, cst.Call) and isinstance(n.func, cst.Attribute) and n.func.attr.value == "eval" for n in self.walk(loop.body)):
                return None
            bound = self.facts.assignments_to(it.value, fr.fn if fr.fn is not None else self.module)
            if len(bound) == 1:
                it = bound[0].body if isinstance(bound[0], cst.IfExp) else bound[0]
        if isinstance(it, cst.Call) and isinstance(it.func, cst.Attribute) and it.func.attr.value in ("modules", "named_modules", "children", "named_children"):
            obj, _ = self.resolve_sub(it.func.value, st, fr)
            if obj is None:
                return None
            names = {n.value for n in self.walk(loop.target) if isinstance(n, cst.Name)}
            evals = filtered = False
            for node in self.walk(loop.body):
                if isinstance(node, cst.Call) and isinstance(node.func, cst.Attribute) and node.func.attr.value in ("eval", "train"):
                    base = dotted(node.func.value) or ""
                    if base.split(".")[0] in names and (node.func.attr.value == "eval" or self._mode_of_call(node) == EVAL):
                        evals = True
                elif isinstance(node, cst.Assign) and _is_falsy_constant(node.value):
                    # `m.training = False`: the module alone in eval (no recursion, as a BN layer has no children)
                    if any(isinstance(t.target, cst.Attribute) and t.target.attr.value == "training" and (dotted(t.target.value) or "").split(".")[0] in names for t in node.targets):
                        evals = True
                if isinstance(node, (cst.If, cst.IfExp)):
                    filtered = True
            if evals:
                from bnlint.summaries import filter_mentions_bn

                parsed = _ast_of(self.facts.module.code_for_node(loop))
                loop_ast = parsed.body[0] if isinstance(parsed, ast.Module) and parsed.body else None
                body = ast.Module(body=list(loop_ast.body), type_ignores=[]) if isinstance(loop_ast, (ast.For, ast.AsyncFor)) else None
                if filtered and (body is None or not filter_mentions_bn(body, self.facts.is_bn_class_name)):
                    return None  # e.g. only Dropout put in eval
                return obj, not filtered
        return None

    def _model_method(self, obj: Obj, meth: str, call: cst.Call, st: State, fr: Frame) -> None:
        """``model.freeze_bn()`` and friends, when the model's class is defined in this file or in
        a project module it imports (its ``bnlint.effects`` summary)."""
        cls = self.facts.class_named(obj.cls_name.split(".")[-1]) if obj.cls_name else None
        if cls is None:
            inv = self.facts.inventory
            if meth in _LIBRARY_FORWARD_METHODS and obj.cls_name and inv.resolve(obj.cls_name).startswith(_LIBRARY_FORWARD_METHODS[meth]):
                # `model.generate(x)` of a Hugging Face model runs its forward (in its mode) to decode.
                self._forward(call, obj, st, fr, call.func.value)  # type: ignore[attr-defined]
                return
            if obj.cls_name and self.facts.path and inv.is_imported(obj.cls_name):
                effect = self.facts.index.method_effect(self.facts.path, inv.resolve(obj.cls_name), meth)
                if effect is not None:
                    where = f"`{obj.cls_name.split('.')[-1]}.{meth}()`"
                    assert isinstance(call.func, cst.Attribute)
                    self._apply_effect_summary(call, obj, effect, st, fr, call.func.value, where)
                if call.args and st.modes:
                    # The other models handed to it (`student.distill_loss(x, y, teacher)`): what the
                    # method does to them, as a function with `self` first.
                    self._remote_call(call, st, fr, bases=[inv.resolve(obj.cls_name)], method=meth)
            return
        fn = self._methods_of(cls).get(meth)
        if fn is None and meth in ("freeze", "unfreeze") and self.facts.is_lightning_class(cls):
            # `LightningModule.freeze()`: every parameter's requires_grad off and `self.eval()`;
            # `unfreeze()`: requires_grad on and `self.train()`.
            self._set_mode(obj, EVAL if meth == "freeze" else TRAIN, call, st, fr)
            return
        if fn is None:
            if self._submodule_holds_bn(cls, meth):
                # `model.features(x_test)`: a part of the model, with its BatchNorm, run in its mode.
                self._forward(call, obj, st, fr, call.func.value)  # type: ignore[attr-defined]
            return
        self._method_forwards(obj, cls.name.value, meth, call, st, fr)
        if call.args and st.modes:
            self._handed_to_method(obj, cls.name.value, meth, call, st, fr)
        effect = self._own_method_effect(fn, self._methods_of(cls), {}, fr)
        if effect == "freeze":
            self._freeze(obj, call, st)
        elif effect in (TRAIN, EVAL, UNKNOWN):
            self._set_mode(obj, effect, call, st, fr)

    def _own_method_effect(self, fn: cst.FunctionDef, methods: Dict[str, cst.FunctionDef], literals: Dict[str, object], fr: Frame, depth: int = 0) -> Optional[str]:
        """What a method of the model's class does to the model's mode: `self.eval()`/`.train()`
        (EVAL/TRAIN), "freeze" for `.eval()` of its parts (`m.eval()` for the BN modules,
        `self.backbone.eval()`, `self.apply(set_bn_eval)`), else None.  Through the helpers it
        calls on `self` (`self._set_requires_grad(modules, requires_grad=False)`), whose `if`
        branches a literal argument rules out are not taken (`if requires_grad: m.train()`)."""
        effect: Optional[str] = None
        skipped: Set[int] = set()
        for node in self.walk(fn):
            if id(node) in skipped:
                continue
            if isinstance(node, cst.If) and literals:
                truth = self._static_truth(node.test, literals)
                if truth is not None:
                    dead = node.orelse if truth else node.body
                    if dead is not None:
                        skipped.update(id(n) for n in self.walk(dead))
                continue
            if not (isinstance(node, cst.Call) and isinstance(node.func, cst.Attribute)):
                continue
            attr = node.func.attr.value
            base = dotted(node.func.value)
            if attr in ("eval", "train"):
                if base == "self":
                    effect = self._mode_of_call(node)
                elif base and base != "super()" and self._mode_of_call(node) != TRAIN:
                    effect = effect or "freeze"  # (`m.train()` of a part unfreezes: no freeze)
            elif attr == "apply":
                if node.args and self._apply_effect(node.args[0].value, fr) == "freeze":
                    effect = effect or "freeze"
            elif base == "self" and attr in methods and methods[attr] is not fn and depth < 2:
                helper = methods[attr]
                params = [p.name.value for p in list(helper.params.posonly_params) + list(helper.params.params)][1:]
                bound: Dict[str, object] = {}
                for index, arg in enumerate(node.args):
                    name = arg.keyword.value if arg.keyword is not None else (params[index] if index < len(params) and not arg.star else None)
                    value = literal_value(arg.value)
                    if name is not None and value is not NOT_LITERAL:
                        bound[name] = value
                inner = self._own_method_effect(helper, methods, bound, fr, depth + 1)
                if inner in (TRAIN, EVAL, UNKNOWN):
                    effect = inner
                elif inner == "freeze":
                    effect = effect or "freeze"
        return effect

    def _submodule_holds_bn(self, cls: cst.ClassDef, attr: str) -> bool:
        """Does the `nn.Module` class ``cls`` of this file build `self.<attr>` only in its
        constructor, as a module with BatchNorm (`self.features = nn.Sequential(..., BatchNorm2d)`)?"""
        if not self._is_module_class(cls):
            return False
        assigned = self._self_assignments(cls).get(attr, ())
        return bool(assigned) and all(
            isinstance(method, cst.FunctionDef) and method.name.value == "__init__" and self._value_holds_bn(value, method) for value, method in assigned
        )

    def dropout_unreached(self, obj: Obj) -> bool:
        """A model with dropout and no BatchNorm, of a class of this file whose `forward` runs none
        of its dropout (a counting head on `list(self.vgg.children())[0][:16]` keeps the whole VGG
        as `self.vgg`, classifier and all, and runs only its feature slices): its mode changes
        nothing there."""
        if obj.holds_bn or not obj.holds_dropout or not obj.cls_name or "." in obj.cls_name:
            return False
        key = ("dropout unreached", obj.cls_name)
        if key not in self._memo:
            tree = getattr(self.facts, "ast_tree", None)
            classes = [n for n in tree.body if isinstance(n, ast.ClassDef) and n.name == obj.cls_name] if tree is not None else []
            answer = False
            if len(classes) == 1:
                from bnlint.effects import method_reaches_dropout
                from bnlint.inventory import calls_dropout_function

                resolve = self.facts.inventory.resolve
                answer = not method_reaches_dropout(classes[0], "forward", lambda name: bool(name) and self.facts.class_holds_dropout(name), lambda c: calls_dropout_function(c, resolve))
            self._memo[key] = answer
        return self._memo[key]

    def _method_forwards(self, obj: Obj, cls_name: str, meth: str, call: cst.Call, st: State, fr: Frame) -> None:
        """`net.extract_features(x)` with the class defined in this file: the forwards its method
        runs (``bnlint.effects.summarise_method`` on this file's ``ast``), in the model's mode."""
        tree = getattr(self.facts, "ast_tree", None)
        if tree is None or meth in ("forward", "__call__") or not self.facts.path:
            return
        from bnlint.effects import summarise_method
        from bnlint.inventory import _import_aliases

        classes = [n for n in tree.body if isinstance(n, ast.ClassDef) and n.name == cls_name]
        if len(classes) != 1:
            return
        if obj.holds_dropout and not obj.holds_bn:
            from bnlint.effects import method_reaches_dropout
            from bnlint.inventory import calls_dropout_function

            resolve = self.facts.inventory.resolve
            if not method_reaches_dropout(classes[0], meth, lambda name: bool(name) and self.facts.class_holds_dropout(name), lambda c: calls_dropout_function(c, resolve)):
                return  # the method runs none of the model's dropout: its mode changes nothing there
        functions = {n.name: n for n in tree.body if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef))}
        module_classes = {n.name: n for n in tree.body if isinstance(n, ast.ClassDef)}
        resolver = self.facts.index._resolver(self.facts.path, functions, _import_aliases(tree))
        try:
            effect = summarise_method(classes[0], meth, self.facts.path, resolver, functions, classes=module_classes)
        except RecursionError:
            return
        if effect is None:
            return
        assert isinstance(call.func, cst.Attribute)
        where = f"`{cls_name}.{meth}()`"
        for kinds, trained, _ in effect.forwards:
            kinds = _summary_kinds(kinds, obj)
            if kinds is None:
                continue
            self._forward(call, obj, st, fr, call.func.value, extra_kinds=frozenset() if trained else kinds, trained=trained, via=where)

    def _local_method_summary(self, cls_name: str, meth: str) -> Any:
        """``bnlint.effects.summarise_function`` of the method ``meth`` of this file's class
        ``cls_name`` (`self` first), read from the file's ``ast`` once per analysis; None when the
        class or method is not found (or defined twice)."""
        key = (cls_name, meth)
        if key in self._method_summaries:
            return self._method_summaries[key]
        self._method_summaries[key] = None  # (while it is computed)
        tree = getattr(self.facts, "ast_tree", None)
        if tree is None or not self.facts.path:
            return None
        from bnlint.effects import summarise_function
        from bnlint.inventory import _import_aliases, class_method

        classes = [n for n in tree.body if isinstance(n, ast.ClassDef) and n.name == cls_name]
        method = class_method(classes[0], meth) if len(classes) == 1 else None
        if method is None:
            return None
        functions = {n.name: n for n in tree.body if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef))}
        resolver = self.facts.index._resolver(self.facts.path, functions, _import_aliases(tree))
        try:
            self._method_summaries[key] = summarise_function(method, self.facts.path, resolver, functions)
        except RecursionError:
            pass
        return self._method_summaries[key]

    def _handed_to_method(self, obj: Obj, cls_name: str, meth: str, call: cst.Call, st: State, fr: Frame) -> None:
        """`student.distill_loss(x, y, teacher)`, a method of a model class of this file handed
        another tracked model: what the method does to it (``bnlint.effects.summarise_function``
        of the method, `self` first): the teacher's forwards run there, in the teacher's mode."""
        handed = []
        position = 0
        for arg in call.args:
            index = None
            if arg.star:
                return
            if arg.keyword is None:
                index, position = position + 1, position + 1  # (after `self`)
            other = self.resolve(arg.value, st, fr) if isinstance(arg.value, (cst.Name, cst.Attribute)) else None
            if other is not None and other is not obj and other.mode_sensitive and other.parts is None:
                handed.append((index, arg, other))
        effects = self._local_method_summary(cls_name, meth) if handed else None
        if effects is None:
            return
        where = f"`{cls_name}.{meth}()`"
        for index, arg, other in handed:
            pname = effects.parameter_for(index, arg.keyword.value if arg.keyword is not None else None)
            effect = effects.effects.get(pname) if pname is not None else None
            if effect is not None:
                self._apply_effect_summary(call, other, effect, st, fr, arg.value, where)

    def _methods_of(self, cls: cst.ClassDef) -> Dict[str, cst.FunctionDef]:
        """The methods of ``cls``: its own, and those it inherits from base classes of this module
        (`self.path()` defined in `BaseEstimator` runs for the subclass too), the own ones first."""
        key = id(cls)
        if key not in self._methods:
            self._methods[key] = {}  # (a cycle of bases in broken code: nothing more)
            inherited: Dict[str, cst.FunctionDef] = {}
            for base in reversed(cls.bases):
                name = dotted(base.value)
                found = self.facts.class_named(name) if name and "." not in name else None
                if found is not None and found is not cls:
                    inherited.update(self._methods_of(found))
            inherited.update({s.name.value: s for s in _body_of(cls) if isinstance(s, cst.FunctionDef)})
            self._methods[key] = inherited
        return self._methods[key]

    def _function_by_name(self, name: str, fr: Frame, call: Optional[cst.CSTNode] = None) -> Optional[cst.FunctionDef]:
        # A function nested in one of the active frames, then a module-level one: the definition in
        # force when the module-level statement that runs this call runs (a notebook that defines
        # `get_model()` again further down uses the first one until then).
        for frame in reversed(self._stack):
            if frame.fn is not None:
                for s in _body_of(frame.fn):
                    if type(s) is cst.FunctionDef and s.name.value == name:
                        return s
        anchor = self._module_anchor(call) if call is not None and self._stack and self._stack[0].fn is None else None
        return self.facts.function_named(name, before=anchor)

    def _local_callee(self, call: cst.Call, fr: Frame, st: Optional[State] = None) -> Tuple[Optional[cst.FunctionDef], Optional[cst.ClassDef]]:
        func = call.func
        if isinstance(func, cst.Name):
            fn = self._function_by_name(func.value, fr, call)
            if fn is not None:
                return fn, None
            # `policy(obs)` on an instance of a plain class of this file: its `__call__`.
            holder = self.resolve(func, st, fr) if st is not None else None
            cls = holder.local_class if holder is not None else self._instances().get(func.value)
            fn = self._methods_of(cls).get("__call__") if cls is not None else None
            return (fn, cls) if fn is not None else (None, None)
        if isinstance(func, cst.Attribute) and isinstance(func.value, cst.Name) and func.value.value == "self" and fr.cls is not None:
            fn = self._methods_of(fr.cls).get(func.attr.value)
            if fn is not None:
                return fn, fr.cls
        if (
            isinstance(func, cst.Attribute) and isinstance(func.value, cst.Call) and dotted(func.value.func) == "super"
            and fr.cls is not None and fr.fn is not None
        ):
            # `super().__init__(model, layer)`: the method of the nearest base class of this file
            # that defines it, run on the same instance (`self.model = model` there is this
            # object's attribute).
            owner = self.facts.enclosing_class(fr.fn)
            for base in owner.bases if owner is not None else ():
                found = self.facts.class_named(dotted(base.value) or "")
                fn = self._methods_of(found).get(func.attr.value) if found is not None and found is not owner else None
                if fn is not None:
                    return fn, fr.cls
        if isinstance(func, cst.Attribute) and st is not None:
            # `predictor.predict(x)` on an instance of a plain class of this file that this code
            # built (and handed here): its class's method.
            holder = self.resolve(func.value, st, fr)
            if holder is not None and holder.local_class is not None:
                fn = self._methods_of(holder.local_class).get(func.attr.value)
                if fn is not None:
                    return fn, holder.local_class
        if isinstance(func, cst.Attribute) and isinstance(func.value, cst.Name):
            # `trainer.validate()` on an instance of a plain class of this file (`trainer = Trainer(...)`).
            cls = self._instances().get(func.value.value)
            if cls is not None:
                fn = self._methods_of(cls).get(func.attr.value)
                if fn is not None:
                    return fn, cls
        if isinstance(func, cst.Attribute) and isinstance(func.value, cst.Call):
            # `Trainer(model, loader).fit(10)`: the method of the instance just built (its
            # constructor ran first, as the receiver).
            cls = self._plain_class_called(func.value)
            if cls is not None:
                fn = self._methods_of(cls).get(func.attr.value)
                if fn is not None:
                    return fn, cls
        return None, None

    def _plain_class_called(self, call: cst.Call) -> Optional[cst.ClassDef]:
        name = dotted(call.func)
        if not name or "." in name:
            return None
        cls = self.facts.class_named(name)
        return cls if cls is not None and self._is_plain_class(cls) else None

    def _instances(self) -> Dict[str, cst.ClassDef]:
        """Names bound to instances of a plain class of this file (`trainer = Trainer(...)`), where
        the name is bound to nothing else in the file (one class per name, or none)."""
        if self._instances_cache is None:
            found: Dict[str, Optional[cst.ClassDef]] = {}
            for node in self.walk(self.module):
                if isinstance(node, cst.Assign) and len(node.targets) == 1 and isinstance(node.targets[0].target, cst.Name):
                    name = node.targets[0].target.value
                    cls = self._plain_class_called(node.value) if isinstance(node.value, cst.Call) else None
                    if name in found and found[name] is not cls:
                        found[name] = None  # bound to different things: not followed
                    else:
                        found[name] = cls
            self._instances_cache = {k: v for k, v in found.items() if v is not None}
        return self._instances_cache

    def _keeps_modes(self, call: cst.Call) -> bool:
        """A call that changes no mode of a model handed to it (``calls.keeps_modes``), or the
        constructor of an `nn.Module` class of this file or the project that switches no mode
        while it is built (`ModelWithTemperature(model)` keeps the model as a submodule)."""
        if keeps_modes(self.facts.callee(call) or dotted(call.func) or "") or self._lightning_trainer_call(call):
            return True
        cls_ast, classes = self._class_definition(call) if call.args else (None, {})
        if cls_ast is None:
            return False
        from bnlint.effects import is_module_class

        # Only a module wrapper: a plain class (a trainer) keeps the model to switch it later.
        return is_module_class(cls_ast, classes) and _constructor_switches_no_mode(cls_ast)

    def _lightning_trainer_call(self, call: cst.Call) -> bool:
        """`trainer.fit(model, ...)` (or `validate`, `test`, `predict`) on a Lightning `Trainer`:
        Lightning gives the module back in the mode it was handed in (2.x restores the mode its
        evaluation loops change, and its training loop does not call `.train()`; 1.x left it in
        train mode, which is where a model that was never put in eval starts anyway)."""
        return lightning_trainer_call(self.facts, call)

    def _unknown_call(self, call: cst.Call, st: State, fr: Frame) -> None:
        handed = [obj for obj in (self.resolve(a.value, st, fr) for a in call.args if isinstance(a.value, (cst.Name, cst.Attribute, cst.Subscript))) if obj is not None]
        if not handed or self._keeps_modes(call):  # (no model handed over: nothing to decide)
            return
        for obj in handed:
            st.modes[obj] = frozenset({Val(UNKNOWN, (call,), fr.act)})
            for part in (obj.parts or {}).values():  # what a holder holds, the callee reaches too
                st.modes[part] = frozenset({Val(UNKNOWN, (call,), fr.act)})

    def _inline(self, fn: cst.FunctionDef, cls: Optional[cst.ClassDef], call: cst.Call, st: State, fr: Frame, bind_arguments: bool = True) -> Optional[Obj]:
        """Run ``fn`` for ``call`` here.  ``bind_arguments`` False: the call runs ``fn`` without
        handing it its own arguments (a base class's method that calls ``fn`` on `self`)."""
        if any(f.fn is fn for f in self._stack) or len(self._stack) >= MAX_DEPTH:
            self._unknown_call(call, st, fr)
            return None
        owner = self.facts.parent_of_def(fn)
        if isinstance(owner, cst.ClassDef) and self.facts.is_lightning_class(owner):
            return None
        params = list(fn.params.posonly_params) + list(fn.params.params)
        if cls is not None and params and params[0].name.value in ("self", "cls"):
            params = params[1:]
        arguments = call.args if bind_arguments else ()
        positional = [a for a in arguments if a.keyword is None and not a.star]
        literals = self._literal_arguments(fn, params, positional, arguments, fr)
        # With nothing tracked anywhere, a callee's result does not depend on the caller (but for
        # the literals it is called with): analyse it once.
        pure_key = None
        if not st.modes and not isinstance(owner, cst.FunctionDef):
            pure_key = (fn, frozenset(set(fr.inherited) | self._lexical_kinds(call, fr.fn)), id(cls), frozenset(literals.items()))
            if pure_key in self._pure_done:
                return None
        act = self._new_act()
        parent_act: Optional[int]
        if isinstance(owner, cst.FunctionDef):
            parent_act = next((f.act for f in reversed(self._stack) if f.fn is owner), None)
        else:
            parent_act = self._stack[0].act if self._stack[0].fn is None else None
            # A module-level function sees the module's globals, whatever frame calls it.
            parent_act = self._module_act if self._module_act is not None else parent_act
        self._parent_of_act[act] = parent_act
        inherited = set(fr.inherited) | self._lexical_kinds(call, fr.fn)
        frame_cls = cls if cls is not None else (owner if isinstance(owner, cst.ClassDef) else None)
        if frame_cls is None and isinstance(owner, cst.FunctionDef):
            # A function nested in a method: its `self` is the method's (a closure over it).
            frame_cls = next((f.cls for f in reversed(self._stack) if f.fn is owner), None)
        callee_frame = Frame(fn=fn, act=act, parent_act=parent_act, cls=frame_cls, callsite=call, inherited=frozenset(inherited))
        # Bind the arguments.
        def arg_obj(expr: cst.BaseExpression, pname: str) -> Optional[Obj]:
            obj = self.resolve(expr, st, fr)
            if obj is None and isinstance(expr, cst.Call):
                obj = self._create(expr, st, fr, pname)  # evaluate(Net(), loader)
            if obj is None and isinstance(expr, cst.Name) and pname in self._mode_switched_params(fn):
                # A model the caller built in a way not followed here (`model = build_model()` of a
                # package's builder), handed to a function that switches its mode: that function
                # sees it as it would see its parameter analysed on its own (BN006 follows it; BN001
                # needs BN evidence), and so does the caller from now on.
                plain = self._built_plain(expr, fr)
                obj = Obj(label=expr.value, holds_bn=False, is_parameter=True, built_plain=plain, plain_argument=plain)
                st.modes[obj] = frozenset({Val(UNKNOWN, entry=True)})
                key = self._var_key(expr.value, fr)
                if self._lookup(expr.value, st, fr) is None and key not in st.vars:
                    st.vars[key] = obj
            return obj

        for p, a in zip(params, positional):
            st.vars[(act, p.name.value)] = arg_obj(a.value, p.name.value)
            self._bind_passed_members(act, p.name.value, a.value, st, fr)
        all_p = {p.name.value for p in all_params(fn)}
        for a in arguments:
            if a.keyword is not None and a.keyword.value in all_p:
                st.vars[(act, a.keyword.value)] = arg_obj(a.value, a.keyword.value)
                self._bind_passed_members(act, a.keyword.value, a.value, st, fr)
        first = list(fn.params.posonly_params) + list(fn.params.params)
        if cls is not None and first and first[0].name.value == "self" and isinstance(call.func, cst.Attribute) and isinstance(call.func.value, cst.Name) and call.func.value.value == "self":
            # `self.evaluate(...)` in a model's own method: the same `self` (a tracked model there).
            st.vars[(act, "self")] = self._lookup("self", st, fr)
        for p in all_params(fn):
            st.vars.setdefault((act, p.name.value), None)
        callee_frame.literals = literals
        self._stack.append(callee_frame)
        try:
            end = self._exec_block(_body_of(fn), st, callee_frame)
        finally:
            self._stack.pop()
        self._inlined.add(id(call))
        out = join([end] + callee_frame.returns, keep=callee_frame.returned_objs)
        if out is None:
            # The callee always raises: keep the caller going with its own state.
            return None
        # Copy the result back into the caller's state object.
        st.vars.clear()
        st.vars.update({k: v for k, v in out.vars.items() if k[0] != act})
        st.modes.clear()
        for obj, vals in out.modes.items():
            st.modes[obj] = frozenset(
                v.replace(origin=(call,) + v.origin, frame=fr.act) if v.frame == act else v for v in vals
            )
        tuples = callee_frame.returned_items
        if tuples and all(t is not None and len(t) == len(tuples[0]) for t in tuples):  # type: ignore[arg-type]
            # `netC, optimizer, scheduler = get_model(args)`: the model at each position.
            positions: List[Optional[Obj]] = []
            for items in zip(*tuples):  # type: ignore[misc]
                found = [o for o in items if o is not None]
                if found and len(found) == len(items) and all(o is found[0] for o in found):
                    positions.append(found[0])
                elif len(found) > 1 and len(found) == len(items) and all(o.holds_bn and not o.is_parameter for o in found):
                    positions.append(self._one_of(found, call, st))
                else:
                    positions.append(None)
            if any(p is not None for p in positions):
                self._call_tuples[id(call)] = tuple(positions)
        objs = [o for o in callee_frame.returned_objs if o is not None]
        if objs and all(o is objs[0] for o in objs) and len(objs) == len(callee_frame.returned_objs):
            return objs[0]
        if len(objs) > 1 and len(objs) == len(callee_frame.returned_objs) and all(o.holds_bn and not o.is_parameter for o in objs):
            # A factory that builds one of several BN models (`if name == "resnet": return ResNet()
            # elif ...`): the caller gets one of them, in the mode that one is in.
            return self._one_of(objs, call, st)
        if pure_key is not None and not objs and not st.modes:
            self._pure_done.add(pure_key)
        return None

    def _bind_passed_members(self, act: int, pname: str, expr: cst.BaseExpression, st: State, fr: Frame) -> None:
        """A list of models handed to a parameter (`set_mode("eval", [encoder, decoder])`, or a name
        bound to one): the callee's `for m in models:` runs once per element.  Elements the analysis
        does not follow (`None`, a model of an unresolved factory) run the body on nothing tracked."""
        members: Optional[Tuple[Optional[Obj], ...]] = None
        if isinstance(expr, cst.Name):
            held = self._lookup(_members_key(expr.value), st, fr)
            members = held if isinstance(held, tuple) else None
        elif isinstance(expr, (cst.List, cst.Tuple)) and 0 < len(expr.elements) <= MAX_MEMBERS:
            if all(isinstance(e, cst.Element) for e in expr.elements):
                members = tuple(self.resolve(e.value, st, fr) if isinstance(e.value, (cst.Name, cst.Attribute)) else None for e in expr.elements)
        if members and any(m is not None for m in members):
            st.vars[(act, _members_key(pname))] = members  # type: ignore[assignment]

    def _one_of(self, objs: List[Obj], call: cst.Call, st: State) -> Obj:
        first = objs[0]
        same = all(o.cls_name == first.cls_name for o in objs)
        merged = Obj(
            label="model",  # named by what the caller binds it to
            holds_bn=True,
            cls_name=first.cls_name if same else None,
            keeps_bn_eval=all(o.keeps_bn_eval for o in objs),
            created_at=call,
            has_weights=all(o.has_weights for o in objs),
        )
        vals: Set[Val] = set()
        for o in objs:
            vals |= st.modes.pop(o, frozenset({Val(UNKNOWN)}))
        st.modes[merged] = frozenset(vals)
        return merged

    def _mode_test(self, test: cst.BaseExpression, st: State, fr: Frame) -> Optional[Tuple[Obj, bool]]:
        """(model, polarity) of a test of a tracked model's own mode: `net.training` (True),
        `not net.training` (False); None for any other test."""
        positive = True
        if isinstance(test, cst.UnaryOperation) and isinstance(test.operator, cst.Not):
            test, positive = test.expression, False
        if not (isinstance(test, cst.Attribute) and test.attr.value == "training" and isinstance(test.value, (cst.Name, cst.Attribute))):
            return None
        obj = self.resolve(test.value, st, fr)
        return (obj, positive) if obj is not None and obj in st.modes else None

    def _on_mode_path(self, mode_test: Tuple[Obj, bool], st: State, test_true: bool) -> Optional[State]:
        """``st`` on the path where the mode test ``mode_test`` (``_mode_test``) is ``test_true``:
        there the model is in the mode the test says.  None: no value of ``st`` takes that path."""
        obj, positive = mode_test
        wanted = TRAIN if positive == test_true else EVAL
        kept = frozenset(v for v in st.modes[obj] if v.mode in (wanted, UNKNOWN))
        if not kept:
            return None
        st.modes[obj] = kept
        return st

    def _saved_mode_test(self, test: cst.BaseExpression, st: State, fr: Frame) -> Optional[Tuple[Obj, bool]]:
        """(model, polarity) of `if was_training:` where the function saved `was_training =
        model.training` (once): the test of a mode saved before an evaluation, to restore it."""
        positive = True
        if isinstance(test, cst.UnaryOperation) and isinstance(test.operator, cst.Not):
            test, positive = test.expression, False
        if not isinstance(test, cst.Name) or fr.fn is None:
            return None
        bound = [value for _, value in self.binding_index(fr.fn)[1].get(test.value, ())]
        if len(bound) != 1 or not (isinstance(bound[0], cst.Attribute) and bound[0].attr.value == "training"):
            return None
        obj = self.resolve(bound[0].value, st, fr)
        return (obj, positive) if obj is not None else None

    def _flag_of(self, test: cst.BaseExpression) -> Optional[Tuple[str, bool]]:
        """(flag, polarity) of an `if` on a configuration flag that decides a mode switch somewhere
        in the module (`if args.freeze_bn: <freeze>`, `if not cfg.bn_eval:`): every test of it is
        one decision, not one per test (#15), also when the same `if` runs again in a loop."""
        positive = True
        if isinstance(test, cst.UnaryOperation) and isinstance(test.operator, cst.Not):
            test, positive = test.expression, False
        key = self._flag_key(test)
        if key is None or key not in self._repeated_flags():
            return None
        return key, positive

    def _flag_key(self, test: cst.BaseExpression) -> Optional[str]:
        """`args.freeze_bn` for a flag, `args.mode == 'probe'` (as written) for a flag compared
        with a literal; None for any other test."""
        if isinstance(test, cst.Name):
            # `bn_freeze = args.bn_freeze` ... `if bn_freeze:`: the flag it copies, tested again.
            # (Asked for every `if` the analysis runs: each test node is read once.)
            key = self._flag_aliases.get(id(test))
            if key is None:
                scope = self.facts.enclosing_function(test) or self.module
                bound = self.facts.assignments_to(test.value, scope)
                key = dotted(bound[0]) if len(bound) == 1 and isinstance(bound[0], cst.Attribute) and dotted(bound[0]) else test.value
                self._flag_aliases[id(test)] = key
            return key
        if isinstance(test, cst.Attribute):
            return dotted(test)
        if _looked_up(test) is not None:
            return self.facts.code_of(test)  # `self.args['train_base']`: as written
        if isinstance(test, cst.Comparison) and len(test.comparisons) == 1 and isinstance(test.left, (cst.Name, cst.Attribute, cst.Subscript)):
            comparator = test.comparisons[0].comparator
            if (dotted(test.left) or _looked_up(test.left)) and (
                literal_value(comparator) is not NOT_LITERAL or self._literal_display(comparator) or self._constant_table(comparator, test)
            ):
                return self.facts.code_of(test)  # (`freeze_mode in ("head", "top")` too)
        if (
            isinstance(test, cst.Call) and isinstance(test.func, cst.Attribute) and test.func.attr.value == "get" and dotted(test.func.value)
            and test.args and all(literal_value(a.value) is not NOT_LITERAL for a in test.args)
        ):
            return self.facts.code_of(test)  # `self.cfg.get('fix_bn', False)`: a lookup, as written
        return None

    def _in_constructor(self, node: cst.CSTNode) -> bool:
        fn = self.facts.enclosing_function(node)
        return fn is not None and fn.name.value == "__init__" and isinstance(self.facts.parent_of_def(fn), cst.ClassDef)

    def _literal_display(self, expr: cst.BaseExpression) -> bool:
        """A tuple, list or set display of literals (`("head_only", "head_plus_top")`)."""
        return isinstance(expr, (cst.Tuple, cst.List, cst.Set)) and all(
            isinstance(e, cst.Element) and literal_value(e.value) is not NOT_LITERAL for e in expr.elements
        )

    def _constant_table(self, expr: cst.BaseExpression, at: cst.CSTNode) -> bool:
        """`GATED` in `cfg.mode in GATED`: a name the module binds once, to a display of literals
        (`{"gumbel": 4, "hard": 8}`), and the testing function does not bind: the same table at
        every test, so the test is one configuration decision, like a comparison with a literal."""
        if not isinstance(expr, cst.Name):
            return False
        fn = self.facts.enclosing_function(at)
        if fn is not None and self.facts.binds_locally(fn, expr.value):
            return False
        bound = self.facts.assignments_to(expr.value, self.module)
        if len(bound) != 1:
            return False
        try:  # (a display of literals only)
            ast.literal_eval(self.module.code_for_node(bound[0]).strip())
        except (ValueError, SyntaxError, TypeError, MemoryError, RecursionError):
            return False
        return True

    def _repeated_flags(self) -> Set[str]:
        if self._flags is None:
            # The `if`s around a mode-changing call, found from the calls up (one pass, not a walk
            # of every `if`'s subtree).
            deciding: Set[str] = set()
            flag_names: Dict[str, Optional[str]] = {}  # comparison key -> the flag it compares
            flag_scopes: Dict[str, Set[Optional[int]]] = {}  # key of a plain-name flag -> the scopes that bind it
            for call in self.facts.calls:
                if not (isinstance(call.func, cst.Attribute) and call.func.attr.value in _MODE_CHANGING_METHODS) and not (
                    self._under_if(call) and (self._freezing_helper_call(call) or self._mode_method_call(call))
                ):
                    continue
                for anc in self.facts.ancestors(call):
                    if isinstance(anc, (cst.FunctionDef, cst.ClassDef)):
                        break
                    if isinstance(anc, cst.If):
                        test = anc.test
                        if isinstance(test, cst.UnaryOperation) and isinstance(test.operator, cst.Not):
                            test = test.expression
                        name = self._flag_key(test)
                        if name:
                            deciding.add(name)
                            if isinstance(test, cst.Comparison):
                                flag_names[name] = dotted(test.left) or _looked_up(test.left)
                            elif isinstance(test, cst.Subscript):
                                flag_names[name] = _looked_up(test)
                            flag = flag_names.get(name, name)
                            if flag and flag.isidentifier():
                                # A plain name: the variable of the scope that binds it (a
                                # parameter `head` of `fit`, not `main`'s `head`).
                                fn = self.facts.enclosing_function(anc)
                                binder = fn if fn is not None and (flag in params_of(fn) or self.facts.binds_locally(fn, flag)) else None
                                flag_scopes.setdefault(name, set()).add(id(binder) if binder is not None else None)
            if deciding:
                assigned: Set[Optional[str]] = set()
                assigned_in: Set[Tuple[Optional[int], str]] = set()  # (scope, plain name)
                for node in self.walk(self.module):
                    if isinstance(node, cst.Assign) and not self._in_constructor(node):
                        targets = [dotted(t.target) for t in node.targets]
                        assigned.update(t for t in targets if t and not t.isidentifier())
                        fn = self.facts.enclosing_function(node)
                        assigned_in.update((id(fn) if fn is not None else None, t) for t in targets if t and t.isidentifier())
                # A flag reassigned in the file may change between its tests: not one decision.
                # (Set in a constructor, `self.args = args`, it is set before any method tests it.)

                def reassigned(key: str) -> bool:
                    flag = flag_names.get(key, key)
                    if flag and flag.isidentifier():
                        return any((scope, flag) in assigned_in for scope in flag_scopes.get(key, {None}))
                    return key in assigned or flag in assigned

                deciding = {key for key in deciding if not reassigned(key)}
            self._flags = deciding
        return self._flags

    def _under_flag(self, st: State, flag: Optional[Tuple[str, bool]], taken: bool) -> State:
        """The state on the branch of ``flag`` where its test is ``taken``: values reached under
        the other outcome of the same flag are dropped, and the rest remember this outcome."""
        if flag is None:
            return st
        name, positive = flag
        truth = positive if taken else not positive
        for obj, vals in list(st.modes.items()):
            agreeing = [v for v in vals if (name, not truth) not in v.guards] or list(vals)
            st.modes[obj] = frozenset(v if (name, truth) in v.guards else v.replace(guards=v.guards | {(name, truth)}) for v in agreeing)
        return st

    def _note_constant(self, name: str, value: cst.BaseExpression, fr: Frame) -> None:
        """`classify = False`: a candidate constant of the frame (``_literals_for`` checks it is
        bound once when an `if` tests it)."""
        constant = literal_value(value)
        if constant is NOT_LITERAL:
            constant = self._literal_item(value, fr)
        if constant is not NOT_LITERAL and (constant is None or isinstance(constant, (bool, int, str))):
            fr.constants[name] = constant
        else:
            fr.constants.pop(name, None)

    def _literal_item(self, value: cst.BaseExpression, fr: Frame) -> object:
        """`names[1]`: the item a literal index picks from a list or tuple of literals that the
        frame's scope binds the name to once (`names = ["vggm", "voicefilter"]`); else NOT_LITERAL."""
        if not (isinstance(value, cst.Subscript) and isinstance(value.value, cst.Name) and len(value.slice) == 1 and isinstance(value.slice[0].slice, cst.Index)):
            return NOT_LITERAL
        index = literal_value(value.slice[0].slice.value)
        if isinstance(value.slice[0].slice.value, cst.UnaryOperation) and isinstance(value.slice[0].slice.value.operator, cst.Minus):
            inner = literal_value(value.slice[0].slice.value.expression)
            index = -inner if isinstance(inner, int) and not isinstance(inner, bool) else NOT_LITERAL
        if not isinstance(index, int) or isinstance(index, bool):
            return NOT_LITERAL
        scope: cst.CSTNode = fr.fn if fr.fn is not None else self.module
        bound = self.binding_index(scope)[1].get(value.value.value, ())
        if len(bound) != 1 or value.value.value in self._declared_global():
            return NOT_LITERAL
        display = bound[0][1]
        if not isinstance(display, (cst.List, cst.Tuple)) or any(not isinstance(e, cst.Element) for e in display.elements):
            return NOT_LITERAL
        items = [literal_value(e.value) for e in display.elements]
        if any(i is NOT_LITERAL for i in items) or not -len(items) <= index < len(items):
            return NOT_LITERAL
        return items[index]

    def _literals_for(self, test: cst.BaseExpression, fr: Frame) -> Dict[str, object]:
        """The literals an `if` test may be decided by: parameters bound to literals by the call,
        and names bound once in their scope to a literal and never declared global elsewhere
        (`classify = False` ... `if classify:` is never taken: dead code is not analysed)."""
        if not fr.constants:
            return fr.literals
        names = {n.value for n in self.walk(test) if isinstance(n, cst.Name)} & set(fr.constants)
        if not names:
            return fr.literals
        scope: cst.CSTNode = fr.fn if fr.fn is not None else self.module
        bindings = self.binding_index(scope)[1]
        out = dict(fr.literals)
        for name in names:
            if len(bindings.get(name, ())) == 1 and name not in self._declared_global():
                out[name] = fr.constants[name]
        return out

    def _declared_global(self) -> Set[str]:
        """Names some function declares `global` or `nonlocal` (it may rebind them at any time)."""
        if self._globals_declared is None:
            self._globals_declared = {
                n.name.value for node in self.walk(self.module) if isinstance(node, (cst.Global, cst.Nonlocal)) for n in node.names
            }
        return self._globals_declared

    def _literal_arguments(
        self, fn: cst.FunctionDef, params: List[cst.Param], positional: List[cst.Arg], arguments: Sequence[cst.Arg], caller: Optional[Frame] = None,
    ) -> Dict[str, object]:
        """The parameters a call with ``arguments`` binds to a literal (an argument, or a default
        the call leaves): written in the call, or a name the ``caller`` binds once to a literal
        (`kind = "lstm"` ... `build(kind)`)."""
        if any(a.star for a in arguments):
            return {}

        def value_of(expr: cst.BaseExpression) -> object:
            value = literal_value(expr)
            if value is NOT_LITERAL and isinstance(expr, cst.Name) and caller is not None and expr.value in caller.constants:
                value = self._literals_for(expr, caller).get(expr.value, NOT_LITERAL)
            return value

        values: Dict[str, object] = {}
        for p, a in zip(params, positional):
            values[p.name.value] = value_of(a.value)
        keywords = {a.keyword.value: a.value for a in arguments if a.keyword is not None}
        for p in all_params(fn):
            name = p.name.value
            if name in keywords:
                values[name] = value_of(keywords[name])
            elif name not in values and p.default is not None:
                values[name] = literal_value(p.default)
        literals = {k: v for k, v in values.items() if v is not NOT_LITERAL}
        if literals:
            for name in self._rebound_names(fn):
                literals.pop(name, None)
        return literals

    def _rebound_names(self, fn: cst.FunctionDef) -> Set[str]:
        """The names a function assigns (so a parameter among them may no longer hold its argument)."""
        return set(self.binding_index(fn)[1])

    # --- forward calls -------------------------------------------------------------
    def _forward(
        self,
        call: cst.Call,
        obj: Obj,
        st: State,
        fr: Frame,
        func_expr: cst.BaseExpression,
        extra_kinds: FrozenSet[str] = frozenset(),
        trained: bool = False,
        via: Optional[str] = None,
    ) -> None:
        """A forward of ``obj`` at ``call``; ``via``: run by a function of another module that
        ``call`` calls, in the evaluation contexts ``extra_kinds`` (none when it ``trained`` on it)."""
        if not obj.mode_sensitive and not obj.is_parameter:
            return
        vals = st.modes.get(obj, frozenset({Val(UNKNOWN)}))
        if trained and via is not None and "no_grad" in self._lexical_kinds(call, fr.fn):
            # A helper that trains on its forward, called under `torch.no_grad()` (a shared epoch
            # loop that steps only `if model.training:`): nothing it computes there has a gradient.
            trained = False
        lexical = self._lexical_kinds(call, fr.fn) if not trained else set()
        if not trained and "no_grad" not in lexical and self._volatile_input(call, fr):
            lexical.add("no_grad")  # `model(Variable(x, volatile=True))`: PyTorch < 0.4's no-grad inference
        kinds = set() if trained else set(lexical) | set(fr.inherited) | set(extra_kinds)
        if not trained and "val_loop" not in kinds and self._loop_over_eval_argument(call, fr) and not self._backward_after(call, fr.fn):
            kinds.add("val_loop")  # `for x, y in loader:` of a helper the caller hands `testloader`
        innermost = self._loop_stack[-1] if self._loop_stack else None
        chain = tuple(f.callsite for f in self._stack if f.callsite is not None)
        key = (call, obj, chain, via)
        obs = self.forwards.get(key)
        if obs is None:
            label = self.facts.code_of(func_expr) if not isinstance(func_expr, cst.Call) else obj.label
            if isinstance(func_expr, cst.Attribute) and func_expr.attr.value == "forward":
                label = self.facts.code_of(func_expr.value)
            obs = ForwardObs(
                via=via,
                handed_in=via is not None and any(a.value is func_expr for a in call.args),
                node=call,
                obj=obj,
                chain=chain,
                label=label,
                fn=fr.fn,
                callers=tuple((f.fn.name.value if f.fn is not None else "<module>", f.callsite) for f in self._stack[1:] if f.callsite is not None),
                after=next((f.callsite for f in self._stack if isinstance(f.callsite, cst.FunctionDef)), None),
            )
            self.forwards[key] = obs
        if "eval_fn" in kinds and "no_grad" not in kinds and (
            self._backward_after(call, fr.fn) or self._only_trained_on(fr.fn) or self._caller_trains_on_result(fr)
        ):
            # A function named for evaluation that trains on this forward's output
            # (`after_validation()` running the training loop), or whose output every caller in
            # the file trains on (`loss = l1(self.infer_G(x), y); loss.backward()`): its name
            # says nothing here.
            kinds.discard("eval_fn")
            lexical.discard("eval_fn")
        if not kinds and not trained and not self.inference_file() and self._input_from_eval_data(call, fr.fn) and (
            not self._backward_after(call, fr.fn)
            # The held-out part of a split in the training step (`val_out = model(x_va)` beside
            # `model(x_tr)`): evaluation unless its own output is back-propagated.
            or (self._input_from_eval_data(call, fr.fn, held_out_only=True) and not self._output_backpropagated(call, fr.fn))
        ):
            # One batch drawn from a validation/test loader (`x, y = next(iter(val_loader))`).
            kinds = {"val_batch"}
        if not kinds and not trained and obj.has_weights and self.inference_file():
            # Nothing in the file trains anything and the model has trained weights: inference.
            kinds = {"inference"}
        elif not kinds and not trained and via is None and self.inference_file() and self._compared_output(call, fr.fn):
            # `bn(x) - fused(x)`, `np.testing.assert_allclose(model(x), ort_out)`: the output's
            # values are checked against a reference, in code that trains nothing.
            kinds = {"compared"}
        elif not kinds and not trained and via is None and self._after_its_training(call, obj, fr) and not self._backward_after(call, fr.fn):
            # `pred = model(x_new)` below the loop that trained the model, in the same code, its
            # output trained on nowhere: the trained model is used, in the mode training left.
            kinds = {"after_training"}
        elif not kinds and not trained and obj.has_weights and via is None and not self._backward_after(call, fr.fn):
            obs.maybe_inference = True
        if kinds == {"no_grad"}:
            # A no-grad forward is evaluation whatever the loop around it trains when its input
            # is a batch of validation/test data, or when nothing in the file trains (inference).
            if self._input_from_eval_data(call, fr.fn):
                kinds.add("val_batch")
            elif obj.has_weights and self.inference_file():
                kinds.add("inference")
        if "no_grad" in kinds and self._one_sample_input(call, fr):
            kinds.add("one_sample")  # `actor(state.unsqueeze(0))` under no_grad: inference of one sample
        if kinds and via is None and not obj.has_weights and self._output_discarded(call) and not any(o is obj for _, o in self.trained_in_loop):
            # `with torch.no_grad(): model(init_batch)` (or `model(test_data[0][0].unsqueeze(0))`
            # before `summary(model)`) on a new model that nothing has trained yet, its output
            # thrown away: a pass for its side effects (a data-dependent initialisation, a shape
            # check), no evaluation.  (On trained weights it moves their running statistics:
            # still reported.)
            if not obs.kinds and not obs.vals:
                self.forwards.pop(key, None)
            return
        obs.kinds |= kinds
        obs.lexical_kinds |= lexical
        obs.vals |= set(vals)
        obs.loops.add(innermost)
        obs.loop_runs.add((innermost, self._loop_owner_chain(innermost)))
        obs.outer_loops.update(self._loop_stack)
        if self._excluded_stack():
            obs.excluded = True
        if kinds:
            return
        # A training forward (outside any evaluation context).
        if not trained and not self._training_stack():
            return
        if not trained and fr.fn is not None and self._input_gradient_only(fr.fn):
            # An attack / saliency map inside the training loop: back-propagates to an input,
            # trains nothing.  It uses the model as it is, like an evaluation (BN006: training that
            # follows it in that mode was not chosen for the training).
            self._input_gradient_passes.append((obj, vals))
            return
        self.trained_in_loop.add((innermost, obj))
        self.trained_in_loop_runs.add((innermost, obj, self._loop_owner_chain(innermost)))
        self.trained_within.update((loop, obj) for loop in self._loop_stack)
        self.trained_within_runs.update((loop, obj, self._loop_owner_chain(loop)) for loop in self._loop_stack)
        new = set()
        # Only a leak when training also ran in train mode (the first iteration): a model that is
        # deliberately kept in eval mode for the whole training (entry state eval) is another matter.
        # Under a configuration flag, only the values reached under the same outcome of every flag
        # count (`if args.fix_bn: model.eval() else: model.train()`, chosen again after each
        # validation: on the flag's path the model trains in eval mode throughout, by design).
        # An `.eval()` before the loop that served an evaluation (accuracy measured before
        # training) was not chosen for the training either: the loop trains in eval mode from its
        # first iteration, and the validation inside it keeps it there.
        def trains_somewhere(v: Val) -> bool:
            return any(
                (u.mode == TRAIN or u.entry or (u.mode == EVAL and u.mark is None and not u.restored and u.origin and self._evaluated_with(obj, u)))
                and not any((name, not truth) in u.guards for name, truth in v.guards)
                for u in vals
            )

        if any(u.mode == TRAIN or u.entry for u in vals):
            self._trained_in_train_mode.update((loop, obj) for loop in self._loop_stack)
        for v in vals:
            # (A parameter the call of this file that runs here fills with a model built without
            # BN or dropout, ``plain_argument``: its mode changes nothing.)
            plain = obj.keeps_bn_eval or obj.parts_built_in_eval or obj.plain_argument
            if v.mode == EVAL and v.mark is not None and trains_somewhere(v) and not plain:
                node = v.mark[1]
                if node not in self.leaks:
                    before_loop = None
                    if not any(u.mode == TRAIN or u.entry for u in vals):
                        before_loop = next((u.origin[0] for u in vals if u.mode == EVAL and u.mark is None and u.origin), None)
                    self.leaks[node] = EvalLeak(
                        node=node, loop=v.mark[0], obj=obj, label=self._label_at(node, obj, use=call, st=st, fr=fr), use=call, entered_in_eval=before_loop
                    )
            elif (
                v.mode == EVAL and v.over_train is not None and v.over_train is innermost and v.mark is None and not v.restored and not plain
                and (self.optimized(obj) or obj.is_parameter)
                and (trained or (via is None and self._output_backpropagated(call, fr.fn)) or self._caller_trains_on_result(fr))
                and not self._steps_only_other_models(call, fr.fn, obj)
                and not self._gradients_discarded(call, fr.fn, obj)
            ):
                # Train mode chosen for this step, then put in eval inside it before the forward
                # the step trains on: this step trains it in eval mode.
                node = v.origin[0]
                if node not in self.leaks:
                    self.leaks[node] = EvalLeak(node=node, loop=innermost, obj=obj, label=self._label_at(node, obj, use=call, st=st, fr=fr), use=call, in_step=True)
            elif (
                v.mode == EVAL and v.mark is None and v.over_train is None and not v.restored and v.origin and not plain
                and (self.optimized(obj) or obj.is_parameter)
                and (trained or (via is None and self._output_backpropagated(call, fr.fn)) or self._caller_trains_on_result(fr))
                and not self._steps_only_other_models(call, fr.fn, obj)
                and (loop := self._loop_holding_both(v.origin[0], call)) is not None
                and self._evaluated_with(obj, v)
            ):
                # Put in eval inside the training loop for an evaluation (a no-grad forward, an
                # evaluation function reached the same value), then trained later in the same
                # iteration without `.train()`: every iteration trains it in eval mode.  (A model
                # put in eval for the training itself, with no evaluation, is deliberate.)
                node = v.origin[0]
                known = self.leaks.get(node)
                if known is None or not (known.same_iteration or known.in_step or known.after_loop):
                    # (Also when the same switch leaks into the next iteration, whichever forward was
                    # met first: the iteration that evaluates it trains in eval already.)
                    self.leaks[node] = EvalLeak(node=node, loop=loop, obj=obj, label=self._label_at(node, obj, use=call, st=st, fr=fr), use=call, same_iteration=True)
            elif v.mode == EVAL and not v.restored and v.origin and not plain and self.optimized(obj):
                # Put in eval inside a loop that trained it in train mode, and trained again after
                # that loop (an optimizer takes its parameters) with nothing putting it back in
                # train mode: a second training phase, a learning-rate sweep.
                node = v.origin[-1]
                loop = next((a for a in self.facts.ancestors(node) if isinstance(a, (cst.For, cst.While)) and (a, obj) in self._trained_in_train_mode), None)
                # (A forward in a helper the loop itself calls runs inside it; the later training is
                # one whose output is back-propagated.)
                inside = loop is not None and (self._inside(call, loop) or any(f.callsite is not None and self._inside(f.callsite, loop) for f in self._stack))
                if loop is not None and not inside and self._backward_after(call, fr.fn) and node not in self.leaks:
                    self.leaks[node] = EvalLeak(node=node, loop=loop, obj=obj, label=self._label_at(node, obj, use=call, st=st, fr=fr), use=call, after_loop=True)
            if v.unfrozen is not None and not obj.keeps_bn_eval:
                node = v.unfrozen[0]
                if node not in self.unfreezes:
                    self.unfreezes[node] = Unfreeze(node=node, freeze=v.unfrozen[1], obj=obj, label=self._label_at(node, obj), use=call)
            new.add(v.replace(fresh=False) if v.fresh else v)
        st.modes[obj] = frozenset(new)

    def _loop_holding_both(self, switch: cst.CSTNode, call: cst.Call) -> Optional[cst.CSTNode]:
        """The innermost loop of the running code that holds the mode switch ``switch`` and, after
        it in the same iteration, the forward ``call`` (directly, or through the call site of a
        helper it runs); None when there is none (a switch later in the body reaches the forward
        only through the next iteration)."""
        for loop in reversed(self._loop_stack):
            if loop is None or not self._inside(switch, loop):
                continue
            site = call if self._inside(call, loop) else next((f.callsite for f in self._stack if f.callsite is not None and self._inside(f.callsite, loop)), None)
            if site is None:
                continue
            scope = self.facts.enclosing_function(loop) or self.module
            order = self.binding_index(scope)[0]
            at_switch, at_site = order.get(id(switch)), order.get(id(site))
            return loop if at_switch is not None and at_site is not None and at_switch < at_site else None
        return None

    def _evaluated_with(self, obj: Obj, val: Val) -> bool:
        """Did an evaluation forward of ``obj`` (under no_grad, in an evaluation function, over
        evaluation data) run in the mode ``val`` records, before this point?"""
        # (Inside a helper the value's origin is its own `.eval()`; seen from the caller, the
        # call chain down to it: the same switch is the innermost call.)
        passes = [(o.obj, o.vals) for o in self.forwards.values() if o.kinds] + self._input_gradient_passes
        return any(
            used is obj and any(u.mode == val.mode and u.origin and u.origin[-1] is val.origin[-1] for u in vals)
            for used, vals in passes
        )

    def _loop_owner_chain(self, loop: Optional[cst.CSTNode]) -> tuple:
        """The call sites of the inline stack down to the frame whose function runs ``loop``."""
        if loop is None:
            return ()
        owner = self.facts.enclosing_function(loop)
        depth = len(self._stack)
        for index in range(len(self._stack) - 1, -1, -1):
            if self._stack[index].fn is owner:
                depth = index + 1
                break
        return tuple(f.callsite for f in self._stack[:depth] if f.callsite is not None)

    def _loop_over_eval_argument(self, node: cst.CSTNode, fr: Frame) -> bool:
        """Is ``node`` inside a `for` of the frame's function over one of its parameters (also
        through `enumerate`/`tqdm`) for which the call that runs the frame passes evaluation data
        (`calculate_accuracy(net, testloader)`)?"""
        fn, call = fr.fn, fr.callsite
        if fn is None or not isinstance(call, cst.Call) or any(a.star for a in call.args):
            return False
        params = params_of(fn)
        positional = params[1:] if params and params[0] in ("self", "cls") and isinstance(call.func, cst.Attribute) else params
        for anc in self.facts.ancestors(node):
            if anc is fn:
                break
            if isinstance(anc, cst.For):
                it = iterated_source(anc.iter)
                if isinstance(it, cst.Name) and it.value in positional:
                    arg = next((a for a in call.args if a.keyword is not None and a.keyword.value == it.value), None)
                    index = positional.index(it.value)
                    plain = [a for a in call.args if a.keyword is None]
                    if arg is None and index < len(plain):
                        arg = plain[index]
                    if arg is not None and _mentions_eval_data(arg.value, strings=False):
                        return True
        return False

    def _caller_trains_on_result(self, fr: Frame) -> bool:
        """Does the call that runs the frame ``fr`` (a helper named for scoring, `score_loss(model,
        x)`) have its result trained on by its caller (`loss = score_loss(...)`, then
        `loss.backward()`)?  Then this run of the helper is training, whatever its name says."""
        if not isinstance(fr.callsite, cst.Call) or len(self._stack) < 2 or self._stack[-1] is not fr:
            return False
        # Up the calls whose caller hands the result back (`decode()` returning what `predict()`
        # computed), to the code that back-propagates it.
        level = len(self._stack) - 1
        for _ in range(3):
            frame, caller = self._stack[level], self._stack[level - 1]
            if not isinstance(frame.callsite, cst.Call):
                return False
            if self._backward_after(frame.callsite, caller.fn):
                return True
            if level < 2 or caller.fn is None or not self._returns_value_of(frame.callsite, caller.fn):
                return False
            level -= 1
        return False

    def _returns_value_of(self, call: cst.Call, fn: cst.FunctionDef) -> bool:
        """Does a `return` of ``fn`` hand back what ``call`` computed (itself, or through the names
        bound from it)?"""
        outputs = self._bound_by_statement_of(call)
        for node in self.walk(fn):
            if isinstance(node, cst.Return) and node.value is not None:
                if any(n is call for n in self.walk(node.value)) or self._reads_names(node.value, outputs, fn):
                    return True
        return False

    def _label_at(self, node: cst.CSTNode, obj: Obj, use: Optional[cst.Call] = None, st: Optional[State] = None, fr: Optional[Frame] = None) -> str:
        """The model's name as the code at ``node`` spells it: the receiver of a mode call there,
        or, for a helper called with it (`self._accuracy()`), the name the training forward
        ``use`` next to it calls (a name of the helper's or the factory's own is not the one the
        reader sees)."""
        if isinstance(node, cst.Call) and isinstance(node.func, cst.Attribute) and node.func.attr.value in ("eval", "train"):
            receiver = node.func.value
            for anc in self.facts.ancestors(node):
                comp_for = getattr(anc, "for_in", None) if isinstance(anc, (cst.ListComp, cst.GeneratorExp, cst.SetComp)) else None
                if comp_for is not None and isinstance(receiver, cst.Name) and isinstance(comp_for.target, cst.Name) and comp_for.target.value == receiver.value:
                    return obj.label  # `[m.eval() for m in (net, head)]`: the model, not the loop variable
            return self.facts.code_of(receiver)
        if obj.part_of is not None or (use is not None and any(dotted(a.value) == obj.label for a in use.args)):
            # A part of a composite (`model.img_enc`, trained by `model.train_emb()`), or a model a
            # helper trains (`train(model, loader)`): the model, not what the code calls.
            return obj.label
        if use is not None and st is not None and fr is not None:
            # A helper handed the model under another name (`train(model=net_multi, ...)` with
            # `net_multi = nn.DataParallel(net)`): that name, not the helper's.
            for arg in use.args:
                if isinstance(arg.value, (cst.Name, cst.Attribute)) and self.resolve(arg.value, st, fr) is obj:
                    return self.facts.code_of(arg.value)
        if use is not None and self.facts.enclosing_function(use) is self.facts.enclosing_function(node):
            func = use.func
            if isinstance(func, cst.Attribute) and func.attr.value == "forward":
                func = func.value
            elif isinstance(func, cst.Attribute) and st is not None and fr is not None and self.resolve(func, st, fr) is not obj and self.resolve(func.value, st, fr) is obj:
                func = func.value  # `net.forward_with_aux(x)`: a method of the model, not a part of it
            name = dotted(func)
            if name and all(part.isidentifier() for part in name.split(".")):
                return name
        return obj.label

    def _excluded_stack(self) -> bool:
        for f in self._stack:
            fn = f.fn
            if fn is None:
                continue
            if self._is_recalibration(fn):
                return True
            if self._in_test_file and fn.name.value.startswith("test_") and fn.name.value not in self._called_names:
                # A pytest test: running the model in train mode is part of what it checks.  (One
                # the file's own code calls, `if __name__ == "__main__": test_holdout()`, is a
                # script's evaluation routine.)
                return True
            owner = self.facts.parent_of_def(fn)
            if isinstance(owner, cst.ClassDef) and self.facts.is_lightning_class(owner):
                return True
        return False

    def _is_recalibration(self, fn: cst.FunctionDef) -> bool:
        key = id(fn)
        if key in self._fn_recalib:
            return self._fn_recalib[key]
        result = bool(RECALIBRATION_RE.search(fn.name.value))
        if not result:
            for node in self.walk(fn):
                if isinstance(node, cst.Call) and isinstance(node.func, cst.Attribute) and node.func.attr.value in STATS_RESET_METHODS:
                    result = True
                    break
                if isinstance(node, cst.Assign):
                    for t in node.targets:
                        if isinstance(t.target, cst.Attribute) and t.target.attr.value == "momentum" and isinstance(node.value, cst.Name) and node.value.value == "None":
                            result = True
                        if isinstance(t.target, cst.Attribute) and t.target.attr.value in RUNNING_STATS:
                            result = True  # the running statistics reset by hand, to be recomputed
                        if isinstance(t.target, cst.Attribute) and t.target.attr.value == "momentum" and self._momentum_of_own_norm(node):
                            result = True  # a hand-written norm's own momentum convention (`momentum = 0`: take the next batch's)
        self._fn_recalib[key] = result
        return result

    def _momentum_of_own_norm(self, assign: cst.Assign) -> bool:
        """Is the `.momentum` assignment under `isinstance(m, C)` with ``C`` a class that is no
        BatchNorm layer class in torch's sense (a normalisation written by hand, whose momentum
        follows its own convention)?"""
        for anc in self.facts.ancestors(assign):
            if isinstance(anc, cst.If) and isinstance(anc.test, cst.Call) and dotted(anc.test.func) == "isinstance" and len(anc.test.args) == 2:
                cls_ref = anc.test.args[1].value
                return dotted(cls_ref) is not None and not self.facts.is_bn_class_ref(cls_ref)
            if isinstance(anc, (cst.FunctionDef, cst.ClassDef)):
                break
        return False

    def _input_from_eval_data(self, call: cst.Call, fn: Optional[cst.FunctionDef], held_out_only: bool = False) -> bool:
        """Does a positional argument of the forward come from evaluation data: named so (`x_val`),
        or bound, by the nearest assignment before the call (following unpacking, `.to()`,
        `next(iter(...))`, a few steps back), to something that names it (`next(iter(val_loader))`),
        or to the held-out part of `train_test_split(...)` (``held_out_only``: that alone)?"""
        scope: cst.CSTNode = fn if fn is not None else self.module
        order, bindings = self.binding_index(scope)
        at = order.get(id(call))
        if at is None:
            return False
        todo: List[Tuple[cst.BaseExpression, int, int]] = [(a.value, at, 0) for a in call.args if a.keyword is None and not a.star]
        seen: Set[Tuple[str, int]] = set()
        while todo:
            expr, before, depth = todo.pop()
            if not held_out_only and _mentions_eval_data(expr, strings=False):
                return True
            if depth >= 6:
                continue
            for node in self.walk(expr):
                if isinstance(node, cst.Name) and not (isinstance(self.facts.parent(node), cst.Attribute) and self.facts.parent(node).attr is node):
                    earlier = [b for b in bindings.get(node.value, ()) if b[0] < before]
                    if earlier and self._held_out_split(earlier[-1][1], node.value):
                        return True
                    if earlier and (node.value, earlier[-1][0]) not in seen:
                        seen.add((node.value, earlier[-1][0]))
                        todo.append((earlier[-1][1], earlier[-1][0], depth + 1))
        return False

    def _held_out_split(self, value: cst.BaseExpression, name: str) -> bool:
        """Is ``name`` bound to a held-out part of `train_test_split(...)` (scikit-learn's): the
        second of each pair it returns, `x_tr, x_va, y_tr, y_va = train_test_split(x, y)`?"""
        if not (isinstance(value, cst.Call) and (self.facts.callee(value) or "").endswith("model_selection.train_test_split")):
            return False
        assign = self.facts.parent(value)
        if not (isinstance(assign, cst.Assign) and len(assign.targets) == 1 and isinstance(assign.targets[0].target, (cst.Tuple, cst.List))):
            return False
        names = [e.value.value if isinstance(e.value, cst.Name) else None for e in assign.targets[0].target.elements]
        return name in names and names.index(name) % 2 == 1

    def _only_trained_on(self, fn: Optional[cst.FunctionDef]) -> bool:
        """Is ``fn`` called in this file, and is each call's result trained on where it is made
        (a `.backward()` after it there, ``_backward_after``)?  A method counts its calls through
        `self.`, a function its calls by name."""
        if fn is None:
            return False
        known = self._trained_only_cache.get(id(fn))
        if known is not None:
            return known
        self._trained_only_cache[id(fn)] = False  # a recursive call: not decided by itself
        name = fn.name.value
        method = self.facts.enclosing_class(fn) is not None
        sites = [
            c for c in self.facts.calls
            if (isinstance(c.func, cst.Attribute) and method and isinstance(c.func.value, cst.Name) and c.func.value.value == "self" and c.func.attr.value == name)
            or (isinstance(c.func, cst.Name) and not method and c.func.value == name)
        ]
        answer = bool(sites) and all(self._backward_after(c, self.facts.enclosing_function(c)) for c in sites)
        self._trained_only_cache[id(fn)] = answer
        return answer

    def _compared_output(self, call: cst.Call, fn: Optional[cst.FunctionDef]) -> bool:
        """Is the forward's output (or the name it is bound to, in this scope) compared with
        something: subtracted, tested for equality, or handed to `allclose`/`assert_close`-like
        checks (through `.detach()`, `.cpu()`, `.numpy()`)?"""
        uses: List[cst.CSTNode] = [call]
        parent = self.facts.parent(call)
        if isinstance(parent, cst.Assign) and len(parent.targets) == 1 and isinstance(parent.targets[0].target, cst.Name):
            name = parent.targets[0].target.value
            scope: cst.CSTNode = fn if fn is not None else self.module
            uses = [n for n in walk_scope(scope) if isinstance(n, cst.Name) and n.value == name and n is not parent.targets[0].target]
        for node in uses:
            for _ in range(8):
                up = self.facts.parent(node)
                if isinstance(up, cst.Attribute) and up.value is node and (up.attr.value in PASS_THROUGH_METHODS or up.attr.value == "numpy"):
                    node = self.facts.parent(up)  # (the call of that method)
                    continue
                if isinstance(up, cst.Attribute) and up.value is node and up.attr.value == "data":
                    node = up  # (`out.data`, the old spelling of `out.detach()`)
                    continue
                break
            up = self.facts.parent(node)
            if isinstance(up, cst.BinaryOperation) and isinstance(up.operator, cst.Subtract):
                return True
            if isinstance(up, (cst.Comparison, cst.ComparisonTarget)):
                return True
            if isinstance(up, cst.Arg):
                outer = self.facts.parent(up)
                if isinstance(outer, cst.Call) and (dotted(outer.func) or "").rsplit(".", 1)[-1] in COMPARISON_FUNCTIONS:
                    return True
        return False

    def _after_its_training(self, call: cst.Call, obj: Obj, fr: Frame) -> bool:
        """Is ``call`` below, and outside, a loop of the same code (function or module level) that
        trained ``obj`` (``trained_within``: the loop ran a training forward of it, here or in a
        helper it calls), with no loop around ``call`` that trains it again?"""
        if self._loop_stack or any(o is obj for loop, o in self.trained_within if loop is not None and self._inside(call, loop)):
            return False  # inside a loop: training code, or a loop of its own (decided elsewhere)
        scope: cst.CSTNode = fr.fn if fr.fn is not None else self.module
        order, _ = self.binding_index(scope)
        at = order.get(id(call))
        if at is None:
            return False
        for loop, o in self.trained_within:
            if o is obj and loop is not None and order.get(id(loop), at) < at and not self._inside(call, loop):
                return True
        return False

    def _step_region(self, call: cst.Call, scope: cst.CSTNode) -> Optional[Tuple[Dict[int, int], int, cst.CSTNode, Set[int]]]:
        """(statement order of ``scope``, the forward's place in it, the innermost loop holding the
        forward or else ``scope``, the ids of the forward's ancestors up to it); None when the
        forward is not in ``scope``'s order."""
        order, _ = self.binding_index(scope)
        at = order.get(id(call))
        if at is None:
            return None
        container: cst.CSTNode = scope
        enclosing = set()
        collected = self._collected_into(call)
        for anc in self.facts.ancestors(call):
            enclosing.add(id(anc))
            if anc is scope:
                container = anc
                break
            if isinstance(anc, (cst.For, cst.While)):
                if collected is not None and not any(n.value == collected for n in self.walk(anc) if isinstance(n, cst.Name) and self.facts.is_store(n)):
                    # `for chunk in pieces: outs.append(net(chunk))`: the outputs leave the loop
                    # in the list, and the step that trains on them is around it.
                    continue
                container = anc
                break
        return order, at, container, enclosing

    def _collected_into(self, call: cst.Call) -> Optional[str]:
        """The name of the list a forward is collected in (``Facts.collecting_list``)."""
        found = self.facts.collecting_list(call)
        return found[0].value if found is not None else None

    def _backward_after(self, call: cst.Call, fn: Optional[cst.FunctionDef]) -> bool:
        """Is there a `.backward()` after the forward in the loop body (or function) that holds it?
        Then its output is trained on, whatever its data is called: `inputs_test` in domain
        adaptation is the unlabelled target data the step trains on."""
        scope: cst.CSTNode = fn if fn is not None else self.module
        found = self._step_region(call, scope)
        if found is None:
            return False
        order, at, container, enclosing = found
        # Straight-line module code (a notebook): only a backward of what this forward computed
        # (`out = model(x)` ... `loss = crit(out, y)` ... `loss.backward()`), not any later one.
        outputs = self._bound_by_statement_of(call) if container is self.module else None
        for node in self.walk(container):
            if isinstance(node, cst.Call) and isinstance(node.func, cst.Attribute) and node.func.attr.value in ("backward", "manual_backward"):
                # After it, or around it: `loss_fn(model(x), y).backward()`.
                if id(node) in enclosing:
                    return True
                if order.get(id(node), -1) > at and (outputs is None or self._reads_names(node.func.value, outputs, scope)):
                    return True
        return False

    def _output_backpropagated(self, call: cst.Call, fn: Optional[cst.FunctionDef]) -> bool:
        """Is what the forward ``call`` computes back-propagated later in its loop body (or
        function): a `.backward()` around it, or on a value read from the names its statement
        binds (`logits = model(x)` ... `loss = ce(logits, y)` ... `loss.backward()`)?"""
        found = self._forward_region(call, fn)
        if found is None or self._detached(call):
            return False
        scope, order, at, container, enclosing, outputs = found
        for node in self.walk(container):
            if isinstance(node, cst.Call) and isinstance(node.func, cst.Attribute) and node.func.attr.value in ("backward", "manual_backward"):
                if id(node) in enclosing:
                    return True
                if order.get(id(node), -1) > at and self._reads_names(node.func.value, outputs, scope, after=at):
                    return True
        return False

    def _detached(self, call: cst.Call) -> bool:
        """Is the forward's output cut from the graph as it is bound (`feats = model.body(x).detach()`,
        `.data`, also after moves like `.cpu()`)?  No gradient reaches the model through it."""
        node: cst.CSTNode = call
        while True:
            parent = self.facts.parent(node)
            if isinstance(parent, cst.Attribute) and parent.value is node:
                if parent.attr.value in ("detach", "data", "detach_"):
                    return True
                node = parent
            elif isinstance(parent, cst.Call) and parent.func is node:
                node = parent
            else:
                return False

    def _forward_region(self, call: cst.Call, fn: Optional[cst.FunctionDef]):
        """``_step_region`` of the forward ``call`` in its function (or the module), with that
        scope first and the names its statement binds last; None when it is not in that order."""
        scope: cst.CSTNode = fn if fn is not None else self.module
        found = self._step_region(call, scope)
        if found is None:
            return None
        return (scope, *found, self._bound_by_statement_of(call))

    def _gradients_discarded(self, call: cst.Call, fn: Optional[cst.FunctionDef], obj: Obj) -> bool:
        """Are the gradients of the backward that reads the forward ``call``'s output cleared
        before any optimizer step can use them (`logits[:, 0].sum().backward()` for a saliency
        map, then `model.zero_grad()` or `opt.zero_grad()` before the step's own forward and
        backward)?  Then that forward trains nothing.  False when a step (of an optimizer not
        known to leave ``obj`` out) comes first, or nothing clears them in the loop body."""
        found = self._forward_region(call, fn)
        if found is None:
            return False
        scope, order, at, container, enclosing, outputs = found
        model = dotted(call.func)
        armed = False
        for node in self._method_calls_after(container, order, at, ("backward", "manual_backward", "step", "zero_grad")):
            method = node.func.attr.value  # type: ignore[attr-defined]
            receiver = dotted(node.func.value)  # type: ignore[attr-defined]
            if method in ("backward", "manual_backward"):
                if armed:
                    return False  # another backward before the clearing: not told apart here
                armed = id(node) in enclosing or self._reads_names(node.func.value, outputs, scope, after=at)  # type: ignore[attr-defined]
                continue
            if not armed:
                if method == "step":
                    return False
                continue
            takes = self._optimizer_models.get(receiver) if receiver else None
            if method == "zero_grad":
                if (takes is not None and id(obj) in takes) or (receiver is not None and receiver == model):
                    return True
                continue
            if takes is None or id(obj) in takes:
                return False  # stepped with those gradients
        return False

    def _method_calls_after(self, container: cst.CSTNode, order: Dict[int, int], at: int, methods: Tuple[str, ...]) -> List[cst.Call]:
        """The calls of the methods ``methods`` (`x.step()`, `loss.backward()`) in ``container``
        that come after position ``at`` of ``order`` (``binding_index``), in source order."""
        return sorted(
            (node for node in self.walk(container)
             if isinstance(node, cst.Call) and isinstance(node.func, cst.Attribute) and node.func.attr.value in methods and order.get(id(node), -1) > at),
            key=lambda node: order.get(id(node), -1),
        )

    def _steps_only_other_models(self, call: cst.Call, fn: Optional[cst.FunctionDef], obj: Obj) -> bool:
        """Do the optimizer steps after the forward ``call`` in the loop body (or function) that
        holds it all step optimizers known to take other models' parameters, not ``obj``'s (a
        GAN's generator step through a discriminator it does not update)?  False when a step's
        optimizer is not known, or when none is stepped there (the caller steps)."""
        found = self._step_region(call, fn if fn is not None else self.module)
        if found is None:
            return False
        order, at, container, _ = found
        stepped = False
        for node in self._method_calls_after(container, order, at, ("step", "zero_grad")):
            name = dotted(node.func.value)  # type: ignore[attr-defined]
            takes = self._optimizer_models.get(name) if name else None
            if node.func.attr.value == "zero_grad":  # type: ignore[attr-defined]
                if stepped and (takes is None or id(obj) in takes):
                    break  # its own optimizer clears what this forward left before stepping (GAN)
                continue
            if takes is None or id(obj) in takes:
                return False
            stepped = True
        return stepped

    def _bound_by_statement_of(self, call: cst.Call) -> Set[str]:
        """The names the statement holding ``call`` binds (`out, feats = model(x)`: out, feats)."""
        for anc in self.facts.ancestors(call):
            if isinstance(anc, (cst.Assign, cst.AugAssign, cst.AnnAssign)):
                targets = [t.target for t in anc.targets] if isinstance(anc, cst.Assign) else [anc.target]
                return {n.value for t in targets for n in [t, *self.walk(t)] if isinstance(n, cst.Name)}
            if isinstance(anc, (cst.SimpleStatementLine, cst.BaseCompoundStatement)):
                break
        return set()

    def _reads_names(self, expr: cst.BaseExpression, names: Set[str], scope: cst.CSTNode, depth: int = 0, after: Optional[int] = None) -> bool:
        """Does ``expr`` read one of ``names``, itself or through the values of the names it reads?
        ``after``: the position (``binding_index``) where ``names`` were bound; a read of one of them
        that a later binding of the name reaches first (`outputs = model.head(f)` rebinding the
        `outputs` of an earlier forward) reads that other object, not these."""
        if not names or depth > 4:
            return False
        order, bindings = self.binding_index(scope)
        for n in [expr, *self.walk(expr)]:
            if isinstance(n, cst.Name):
                read_at = order.get(id(n))
                if n.value in names:
                    rebound = [
                        value for at, value in bindings.get(n.value, ())
                        if after is not None and read_at is not None and after < at < read_at
                        and not any(anc is value for anc in self.facts.ancestors(n))  # (`out = out.float()` reads it)
                    ]
                    # Rebound since: the object the read sees is what the last rebinding computed,
                    # which may still be derived from these (`outputs = outputs[:, 0]`).
                    if not rebound or self._reads_names(rebound[-1], names, scope, depth + 1, after):
                        return True
                    continue
                found = bindings.get(n.value, ())
                if after is not None and read_at is not None:
                    earlier = [(at, v) for at, v in found if at < read_at]
                    found = earlier[-1:] if earlier else found[:3]  # the binding this read sees (else one from the loop's last turn)
                if any(self._reads_names(v, names, scope, depth + 1, after) for _, v in found[:3]):
                    return True
        return False

    def binding_index(self, scope: cst.CSTNode) -> Tuple[Dict[int, int], Dict[str, List[Tuple[int, cst.BaseExpression]]]]:
        """Pre-order positions in ``scope``, and for each name its bindings (position, value) in order."""
        cached = self._bindings_cache.get(id(scope))
        if cached is not None:
            return cached
        order: Dict[int, int] = {}
        bindings: Dict[str, List[Tuple[int, cst.BaseExpression]]] = {}
        for i, node in enumerate(walk_scope(scope)):
            order[id(node)] = i
            target: Optional[cst.CSTNode] = None
            value: Optional[cst.BaseExpression] = None
            if isinstance(node, cst.AssignTarget):
                assign = self.facts.parent(node)
                target, value = node.target, assign.value if isinstance(assign, cst.Assign) else None
            elif isinstance(node, (cst.For, cst.CompFor)):
                target, value = node.target, node.iter
            elif isinstance(node, cst.WithItem) and node.asname is not None:
                target, value = node.asname.name, node.item
            elif isinstance(node, cst.NamedExpr):
                target, value = node.target, node.value
            elif isinstance(node, cst.AugAssign):
                target, value = node.target, node.target  # `x += y`: x keeps what it held (followed further back)
            if target is not None and value is not None:
                fields = {id(n.attr) for n in walk(target) if isinstance(n, cst.Attribute)}  # `x.pos = ...` binds no `pos`
                for n in walk(target):
                    if isinstance(n, cst.Name) and id(n) not in fields:
                        bindings.setdefault(n.value, []).append((i, value))
        self._bindings_cache[id(scope)] = (order, bindings)
        return order, bindings

    def _built_with_weights(self, value: cst.BaseExpression) -> bool:
        """Does the expression that builds a model give it trained weights: a loader
        (`torch.load`, `from_pretrained`, `load_from_checkpoint`, `torch.hub.load`), or a
        `pretrained=`/`weights=` argument that is not `False`/`None` (also through `.to()`,
        wrappers; segmentation_models_pytorch's encoders are pretrained unless told not to be)?"""
        cur = value
        while isinstance(cur, cst.Call):
            q = self.facts.callee(cur) or dotted(cur.func) or ""
            leaf = q.rsplit(".", 1)[-1] if q else (cur.func.attr.value if isinstance(cur.func, cst.Attribute) else "")
            if leaf in ("from_pretrained", "load_from_checkpoint") or q in ("torch.load", "torch.jit.load", "torch.hub.load"):
                return True  # (also `LitModel(hparams).load_from_checkpoint(path)`)
            for arg in cur.args:
                if arg.keyword is not None and arg.keyword.value in _WEIGHT_KEYWORDS:
                    return literal_value(arg.value) not in (False, None, 0, "")
            if q.startswith("segmentation_models_pytorch."):
                return True  # encoder_weights="imagenet" by default (an explicit None was handled above)
            if isinstance(cur.func, cst.Attribute) and (cur.func.attr.value in KEEPS_MODE or cur.func.attr.value in ("eval", "train")):
                cur = cur.func.value
            elif leaf in WRAPPER_LEAVES and cur.args:
                cur = cur.args[0].value
            elif q.startswith("torch.nn.") and leaf in ("Sequential", "ModuleList"):
                # `nn.Sequential(googlenet.conv1.conv, googlenet.conv1.bn)`: the parts' weights
                return any(self._part_of_pretrained(a.value) for a in cur.args if not a.star)
            else:
                return False
        return False

    def _part_of_pretrained(self, part: cst.BaseExpression) -> bool:
        """`googlenet.conv1.bn` where `googlenet` is bound (where ``part`` reads it) to a model built
        with trained weights."""
        root = root_name(part) if isinstance(part, cst.Attribute) else None
        if not root:
            return False
        scope = self.facts.enclosing_function(part) or self.module
        values = self.facts.reaching_assignments(root, part, scope)
        return bool(values) and all(self._built_with_weights(v) for v in values)

    def inference_file(self) -> bool:
        """Does nothing in the file update parameters (no optimizer or scheduler `.step()`,
        `fit(...)`, `manual_backward(...)`: ``prefilter.trains_in_text``; a `.backward()` alone, as
        in Grad-CAM, trains nothing)?  Then every forward in it is inference or a probe."""
        if self._no_training is None:
            from bnlint.prefilter import trains_in_text

            source = self.source if isinstance(self.source, str) else self.module.code
            self._no_training = not (trains_in_text(source) and self._trains_in_code()) and not self._calls_project_trainer()
        return self._no_training

    def _trains_in_code(self) -> bool:
        """Does the file's code (not a comment or string that mentions `.fit()`) call a training
        method, other than a `.fit()` of another library's estimator (k-means on embeddings)?"""
        from bnlint.prefilter import TRAINING_METHODS

        tree = self.facts._ast()
        resolve = self.facts.inventory.resolve
        # `obs, reward, done, info = env.step(action)`: an environment's step, whose result is
        # unpacked; an optimizer's or scheduler's `.step()` gives None (or the closure's loss).
        env_steps = {
            id(node.value) for node in ast_walk(tree)
            if isinstance(node, ast.Assign) and isinstance(node.value, ast.Call) and isinstance(node.value.func, ast.Attribute) and node.value.func.attr == "step"
            and any(isinstance(t, (ast.Tuple, ast.List)) and len(t.elts) >= 2 for t in node.targets)
        }
        return any(
            isinstance(n, ast.Call) and isinstance(n.func, ast.Attribute) and n.func.attr in TRAINING_METHODS
            and id(n) not in env_steps and not _fits_other_library_estimator(n, tree, resolve)
            for n in ast_walk(tree)
        )

    def _calls_project_trainer(self) -> bool:
        """Does the file call a function or class of another project module that updates
        parameters (`apply_step(loss, opt)`, a loss scaler whose `__call__` steps the optimizer)?
        Then its training happens there, and its forwards are not inference."""
        from bnlint.prefilter import TRAINING_METHODS

        inv, path = self.facts.inventory, self.facts.path
        if not path:
            return False
        seen: Set[str] = set()
        for call in self.facts.calls:
            name = dotted(call.func)
            if not name or not inv.is_imported(name):
                continue
            qualified = inv.resolve(name)
            if qualified in seen:
                continue
            seen.add(qualified)
            found = self.facts.index.definition(path, qualified)
            if found is None:
                continue
            node = found[2][0].get(found[1]) or found[2][2].get(found[1])
            if node is not None and any(
                isinstance(n, ast.Call) and isinstance(n.func, ast.Attribute) and n.func.attr in TRAINING_METHODS
                and not _fits_other_library_estimator(n, node, lambda head, aliases=found[2][1]: aliases.get(head) or head)
                for n in ast_walk(node)
            ):
                return True
        return False

    def _volatile_input(self, call: cst.Call, fr: Frame) -> bool:
        """Is the forward's input `Variable(x, volatile=True)` (written there, or what its name
        was last bound to before it in the scope)?  Before PyTorch 0.4 that was how a forward ran
        without building a graph: inference, as under `torch.no_grad()` now."""
        if not call.args or call.args[0].keyword is not None:
            return False
        expr = call.args[0].value
        if isinstance(expr, cst.Name):
            scope: cst.CSTNode = fr.fn if fr.fn is not None else self.module
            order, bindings = self.binding_index(scope)
            at = order.get(id(call), -1)
            earlier = [value for position, value in bindings.get(expr.value, ()) if position < at]
            expr = earlier[-1] if earlier else expr
        while isinstance(expr, cst.Call) and isinstance(expr.func, cst.Attribute) and expr.func.attr.value in ("cuda", "to", "float", "cpu"):
            expr = expr.func.value
        if not (isinstance(expr, cst.Call) and (self.facts.callee(expr) or "").endswith("Variable")):
            return False
        return any(a.keyword is not None and a.keyword.value == "volatile" and isinstance(a.value, cst.Name) and a.value.value == "True" for a in expr.args)

    def _one_sample_input(self, call: cst.Call, fr: Frame) -> bool:
        """Is the forward's input a batch of one (``bnlint.shapes.is_one_sample``): written in the
        call, or what its name was last bound to before it in the scope, or (a parameter) what the
        caller hands it, or what a function of this file or the project returns (`state =
        get_screen()` ... `return resize(screen).unsqueeze(0)`); `a - b` of two such batches too."""
        if not call.args or call.args[0].keyword is not None or call.args[0].star:
            return False
        depth = next((i for i, f in enumerate(self._stack) if f is fr), len(self._stack) - 1)
        return self._one_sample(call.args[0].value, call, depth, 0)

    def _one_sample(self, expr: cst.BaseExpression, at_node: cst.CSTNode, depth: int, hops: int) -> bool:
        from bnlint.shapes import SHAPE_KEEPING, is_one_sample

        if hops > 6:
            return False
        while isinstance(expr, cst.Call) and isinstance(expr.func, cst.Attribute) and expr.func.attr.value in SHAPE_KEEPING:
            expr = expr.func.value
        if isinstance(expr, cst.BinaryOperation):
            sides = [side for side in (expr.left, expr.right) if not isinstance(side, (cst.Integer, cst.Float))]
            return bool(sides) and all(self._one_sample(side, at_node, depth, hops + 1) for side in sides)
        frame = self._stack[depth] if 0 <= depth < len(self._stack) else None
        scope: cst.CSTNode = frame.fn if frame is not None and frame.fn is not None else self.module
        if isinstance(expr, cst.Name):
            order, bindings = self.binding_index(scope)
            at = order.get(id(at_node), -1)
            # (Not the binding whose value this name is read in: `state = state.cuda()` reads the
            # `state` bound before it.)
            earlier = [value for position, value in bindings.get(expr.value, ()) if position < at and value is not at_node and not self._inside(at_node, value)]
            if earlier:
                return self._one_sample(earlier[-1], earlier[-1], depth, hops + 1)
            if frame is not None and frame.fn is not None and frame.callsite is not None and isinstance(frame.callsite, cst.Call) and depth > 0:
                handed = self._handed_for(frame.fn, frame.callsite, expr.value)
                if handed is not None:
                    return self._one_sample(handed, frame.callsite, depth - 1, hops + 1)
            return False
        if isinstance(expr, cst.Call) and not (isinstance(expr.func, cst.Attribute) and expr.func.attr.value in ("unsqueeze", "view", "reshape")):
            returned = self._returned_expressions(expr)
            if returned is not None:
                fn_ast, values = returned
                from bnlint.effects import last_binding

                return bool(values) and all(is_one_sample(v, lambda name, v=v: last_binding(fn_ast, name, getattr(v, "lineno", 0))) for v in values)
        try:
            tree = ast.parse(self.facts.code_of(expr).strip(), mode="eval").body
        except SyntaxError:
            return False
        return is_one_sample(tree)

    def _instance_method_ast(self, receiver: cst.BaseExpression, method: str, at: cst.CSTNode) -> Optional[ast.AST]:
        """The ``ast`` of `method` of the class ``receiver`` is an instance of, where that is
        known from one construction: `self.env = CartPoleEnv(...)` in the class, or `env =
        CartPoleEnv(...)` in the scope; the class of this file or of a project module."""
        built: List[cst.BaseExpression] = []
        name = dotted(receiver)
        if name and name.startswith("self.") and name.count(".") == 1:
            cls = self.facts.enclosing_class(at)
            built = [v for v, _ in self._self_assignments(cls).get(name[5:], ())] if cls is not None else []
        elif isinstance(receiver, cst.Name):
            scope = self.facts.enclosing_function(at) or self.module
            built = [v for _, v in self.binding_index(scope)[1].get(receiver.value, ())]
        if len(built) != 1 or not isinstance(built[0], cst.Call):
            return None
        cls_ast, _classes = self._class_definition(built[0])
        return class_method(cls_ast, method) if cls_ast is not None else None

    def _handed_for(self, fn: cst.FunctionDef, callsite: cst.Call, param: str) -> Optional[cst.BaseExpression]:
        """The argument ``callsite`` passes for ``fn``'s parameter ``param`` (a method's `self`
        not counted when called on an object)."""
        params = [p.name.value for p in list(fn.params.posonly_params) + list(fn.params.params)]
        if params and params[0] in ("self", "cls") and isinstance(callsite.func, cst.Attribute):
            params = params[1:]
        positional = [a for a in callsite.args if a.keyword is None and not a.star]
        for arg in callsite.args:
            if arg.keyword is not None and arg.keyword.value == param:
                return arg.value
        if param in params and params.index(param) < len(positional):
            return positional[params.index(param)].value
        return None

    def _returned_expressions(self, call: cst.Call) -> "Optional[Tuple[ast.AST, List[ast.AST]]]":
        """(the function's ``ast``, what its `return`s hand back) for a call of a function of this
        file or of a project module; None for anything else."""
        fn_ast: Optional[ast.AST] = None
        if isinstance(call.func, cst.Name):
            local = self.facts.function_named(call.func.value)
            if local is not None:
                fn_ast = self._ast_definition(local)
        if fn_ast is None:
            name = dotted(call.func)
            inv = self.facts.inventory
            if name and self.facts.path and inv.is_imported(name):
                effects = self.facts.index.function_effects(self.facts.path, inv.resolve(name))
                fn_ast = effects.effects._fn if effects is not None else None  # type: ignore[union-attr]
        if fn_ast is None and isinstance(call.func, cst.Attribute):
            fn_ast = self._instance_method_ast(call.func.value, call.func.attr.value, call)
        if fn_ast is None:
            return None
        values = [n.value for n in ast_walk(fn_ast) if isinstance(n, ast.Return) and n.value is not None]
        return fn_ast, values

    def _iterated(self, loop: cst.For) -> cst.BaseExpression:
        """What ``loop`` iterates: its iterable, seen through `enumerate(...)`, and for a name the
        value it was last bound to before the loop in the statements leading to it (`tk0 =
        tqdm(train_loader)`); the iterable as written where that binding is not one."""
        it = loop.iter
        if isinstance(it, cst.Call) and dotted(it.func) == "enumerate" and it.args:
            it = it.args[0].value
        if not isinstance(it, cst.Name):
            return it
        child: cst.CSTNode = loop
        for anc in self.facts.ancestors(loop):
            if isinstance(anc, (cst.FunctionDef, cst.ClassDef, cst.Lambda, cst.Module)):
                statements = anc.body if isinstance(anc, cst.Module) else None
            else:
                statements = getattr(anc, "body", None)
            if isinstance(statements, (list, tuple)) and child in statements:
                for stmt in reversed(statements[: statements.index(child)]):
                    if isinstance(stmt, cst.SimpleStatementLine):
                        for small in reversed(stmt.body):
                            if isinstance(small, cst.Assign) and any(isinstance(t.target, cst.Name) and t.target.value == it.value for t in small.targets):
                                return small.value
                    elif any(isinstance(n, cst.Name) and n.value == it.value and self.facts.is_store(n) for n in self.walk(stmt)):
                        return loop.iter  # rebound in a branch or loop before it: not one binding
            if isinstance(anc, (cst.FunctionDef, cst.ClassDef, cst.Lambda, cst.Module)):
                break
            child = anc
        return loop.iter

    def _training_stack(self) -> bool:
        """Is some function on the inline stack (or the module) a training routine (backward / optimizer step)?"""
        for f in self._stack:
            scope: cst.CSTNode = f.fn if f.fn is not None else self.module
            key = id(scope)
            if key not in self._fn_training:
                self._fn_training[key] = _has_training_calls(scope)
            if self._fn_training[key] and not (f.literals and f.fn is not None and self.training_ruled_out(f.fn, f.literals)):
                return True
        return False

    def training_ruled_out(self, fn: cst.FunctionDef, literals: Dict[str, object]) -> bool:
        """Does every backward / optimizer step of ``fn`` sit on a branch that the literals its
        call binds rule out (`if training: loss.backward()` in `one_pass(net, training=False)`)?"""
        steps = [n for n in walk_scope(fn) if isinstance(n, cst.Call) and _is_training_call(n)]
        for step in steps:
            child: cst.CSTNode = step
            ruled_out = False
            for anc in self.facts.ancestors(step):
                if anc is fn:
                    break
                if isinstance(anc, cst.If) and child is not anc.test:
                    truth = self._static_truth(anc.test, literals)
                    if truth is not None and (child is anc.body) != truth:
                        ruled_out = True
                        break
                child = anc
            if not ruled_out:
                return False
        return bool(steps)

    def _lexical_kinds(self, node: cst.CSTNode, fn: Optional[cst.FunctionDef]) -> Set[str]:
        kinds: Set[str] = set()
        over_training_data = False  # an inner loop draws from training data: outer loops do not decide
        for anc in self.facts.ancestors(node):
            if isinstance(anc, cst.With):
                if any(self.facts.is_no_grad_expr(item.item) for item in anc.items):
                    kinds.add("no_grad")
            elif isinstance(anc, (cst.For, cst.CompFor)) and not over_training_data:
                phase = self._phase_data(anc.iter) if self._phases else None
                if phase:
                    kinds |= {"val_loop", "phase"}  # the "val" iteration of a loop over phases
                elif phase is None and _mentions_eval_data(anc.iter):
                    kinds.add("val_loop")
                elif phase is None and isinstance(anc, cst.For) and (_names_training_data(anc.iter) or _names_training_data(self._iterated(anc))):
                    # `for x, y in train_loader:` (or `tk0 = tqdm(train_loader)` ... `for i, data in
                    # enumerate(tk0):`) inside `for fold, (trn, val) in enumerate(zip(...)):`
                    over_training_data = True
            elif isinstance(anc, cst.FunctionDef):
                if any(self.facts.is_no_grad_expr(d.decorator) for d in anc.decorators):
                    kinds.add("no_grad")
                if anc is fn and (is_eval_routine_name(anc.name.value) or self._called_test_routine(anc)):
                    kinds.add("eval_fn")
                break
        return kinds

    def _called_test_routine(self, fn: cst.FunctionDef) -> bool:
        """`def test_model(model, loader):` that this file's code calls: an evaluation routine,
        not a pytest test (pytest calls those; the code does not)."""
        name = fn.name.value
        return name in self._called_names and is_called_eval_routine_name(name)


# Libraries whose estimators have a `.fit()` that trains no torch model (clustering, PCA, a
# gradient-boosted tree on the network's outputs).
_ESTIMATOR_LIBRARIES = frozenset({"sklearn", "xgboost", "lightgbm", "catboost", "scipy", "statsmodels", "hdbscan", "umap", "faiss", "cv2"})


def _fits_other_library_estimator(call: ast.Call, scope: ast.AST, resolve: Callable[[str], str]) -> bool:
    """Is ``call`` (in ``scope``, of the module whose imported names ``resolve`` qualifies) the `.fit()` of an
    estimator of a library that is not torch: `DBSCAN(eps=.5).fit(points)`, or `db.fit(points)`
    with `db` bound there to such a constructor?"""
    if call.func.attr != "fit":  # type: ignore[attr-defined]
        return False
    receiver = call.func.value  # type: ignore[attr-defined]
    if isinstance(receiver, ast.Name):
        bound = [
            n.value for n in ast_walk(scope)
            if isinstance(n, ast.Assign) and any(isinstance(t, ast.Name) and t.id == receiver.id for t in n.targets)
        ]
        receiver = bound[0] if len(bound) == 1 else receiver
    if not isinstance(receiver, ast.Call):
        return False
    from bnlint.inventory import dotted_name as _ast_dotted

    head = (_ast_dotted(receiver.func) or "").split(".")[0]
    return (resolve(head) or head).split(".")[0] in _ESTIMATOR_LIBRARIES


def _torchvision_hub_entry(call: cst.BaseExpression) -> bool:
    """`torch.hub.load("pytorch/vision:v0.10.0", "resnet50", ...)`: torchvision's own hub, whose
    entry points are its model builders (a new model, in train mode)."""
    if not isinstance(call, cst.Call) or not call.args:
        return False
    repo = literal_value(call.args[0].value)
    return isinstance(repo, str) and repo.split(":")[0].rstrip("/") == "pytorch/vision"


def keeps_bn_eval(facts: Facts, name: Optional[str]) -> bool:
    """Does the class ``name`` (as the file spells it; or a subclass of one) override `train()`
    to put its BatchNorm layers back in eval, or re-freeze them at the start of `forward`, in this
    file or a project module?"""
    if not name:
        return False
    inv = facts.inventory
    if name in inv.bn_eval_train_override:
        return True
    if name in inv.classes:
        # A subclass of a class with the override inherits it.
        return any(base in inv.bn_eval_train_override for base in inv.class_bases.get(name, []))
    if inv.is_imported(name) and facts.path:
        found = facts.index.definition(facts.path, inv.resolve(name))  # through re-exports
        if found is not None:
            other = facts.index.inventory_for_path(found[0])
            return other is not None and found[1] in other.bn_eval_train_override
    return False


def layers_switched_off_at(facts: Facts, value: cst.BaseExpression, kind: str) -> bool:
    """`MLP(hidden=30)` of a class whose `__init__` builds its dropout (or BN) only under
    `if use_dropout:` with the default False, which this call leaves in place: this object has
    none (``summaries.layers_switched_off``).  The class is this file's or a project module's.
    A module-level config dict handed over by name (`GPTModel(BASE_CONFIG)` with `"drop_rate":
    0.0`) gives its literal entries, and the project classes `__init__` builds with it
    (`TransformerBlock(cfg)`, `MultiHeadAttention(dropout=cfg["drop_rate"])`) must build theirs
    switched off too."""
    value = _moved(value)  # `vgg19().to(device)`: what `vgg19()` builds
    if not isinstance(value, cst.Call) or any(a.star for a in value.args):
        return False
    name = dotted(value.func)
    if not name:
        return False
    from bnlint.summaries import _UNKNOWN_ARGUMENT, ConfigLiteral

    inv = facts.inventory
    tree = getattr(facts, "ast_tree", None)
    found = _builder_for_call(facts, name, tree, facts.path, inv.resolve, inv)
    if found is None:
        return False
    positional = []
    keywords = {}
    for a in value.args:
        v = literal_value(a.value)
        if v is NOT_LITERAL and isinstance(a.value, cst.Name) and not _bound_in_function(facts, a.value):
            config = _config_dict(facts, a.value.value)
            if config is None:
                config = _settings_object(facts, a.value.value)
            v = ConfigLiteral(config) if config is not None else NOT_LITERAL
        v = _UNKNOWN_ARGUMENT if v is NOT_LITERAL else v
        if a.keyword is None:
            positional.append(v)
        else:
            keywords[a.keyword.value] = v
    return _switched_off(facts, found, positional, keywords, kind, 0)


def _class_for_call(facts: Facts, name: str, tree: Optional[ast.Module], path: Optional[str], resolve, inv) -> Optional[Tuple[ast.ClassDef, Optional[ast.Module], Optional[str], Any]]:
    """The class a call of ``name`` builds (this module's, or a project module's through the
    index), with the module it is in, that module's path and its name resolver."""
    if name in inv.classes and tree is not None:
        classes = [n for n in tree.body if isinstance(n, ast.ClassDef) and n.name == name]
        return (classes[0], tree, path, resolve) if len(classes) == 1 else None
    if inv.is_imported(name):
        return _imported_class(facts, path, inv.resolve(name))
    return None


def _imported_class(facts: Facts, path: Optional[str], qualified: str):
    """The project class that the module at ``path`` imports as ``qualified``, as
    ``_class_for_call`` gives it; None when it is not one."""
    found = _imported_builder(facts, path, qualified)
    return found if found is not None and isinstance(found[0], ast.ClassDef) else None


def _imported_builder(facts: Facts, path: Optional[str], qualified: str):
    """The project class or top-level function that the module at ``path`` imports as
    ``qualified``, with its module's tree, path and name resolver; None when it is neither."""
    from bnlint import inventory as inv_mod

    definition = facts.index.definition(path, qualified) if path and qualified else None
    if definition is None:
        return None
    functions, aliases, classes = definition[2]
    node = classes.get(definition[1]) or functions.get(definition[1])
    if not isinstance(node, (ast.ClassDef, ast.FunctionDef)):
        return None
    module_inv = inv_mod.ModuleInventory(path=definition[0], aliases=aliases)
    return node, facts.index.module_tree(definition[0]), definition[0], module_inv.resolve


def _builder_for_call(facts: Facts, name: str, tree: Optional[ast.Module], path: Optional[str], resolve, inv):
    """The class a call of ``name`` builds, or the builder function it calls (`make_layers(cfg)`,
    `vgg11()`), of this module or a project module, as ``_class_for_call`` gives it."""
    if (name in inv.classes or name in inv.functions) and tree is not None:
        return _local_builder(tree, name, path, resolve)
    if inv.is_imported(name):
        return _imported_builder(facts, path, inv.resolve(name))
    return None


def _local_builder(tree: ast.Module, name: str, path: Optional[str], resolve):
    found = [n for n in tree.body if isinstance(n, (ast.ClassDef, ast.FunctionDef)) and n.name == name]
    return (found[0], tree, path, resolve) if len(found) == 1 else None


def _switched_off(facts: Facts, found, positional: list, keywords: dict, kind: str, depth: int) -> bool:
    """Does this call of a project class or builder function, with these literal arguments,
    build none of the layers of ``kind`` (``summaries.layers_switched_off``)?  The project
    classes and builders it calls with literals it knows answer in turn (`Net(make_layers(cfg))`
    with `make_layers(cfg, batch_norm=False)`)."""
    builder = found[0]
    memo = facts.__dict__.setdefault("_switched_off_memo", {})
    key = (id(builder), kind, depth, _literal_key(positional), _literal_key(sorted(keywords.items())))
    if key not in memo:
        memo[key] = None  # (a builder reached again while it is read: not known switched off)
        memo[key] = _switched_off_uncached(facts, found, positional, keywords, kind, depth)
    return bool(memo[key])


def _literal_key(values) -> tuple:
    """A hashable stand-in for literal arguments: their reprs (a config table's names its object)."""
    return tuple(repr(value) for value in values)


def _switched_off_uncached(facts: Facts, found, positional: list, keywords: dict, kind: str, depth: int) -> bool:
    from bnlint import inventory as inv_mod
    from bnlint.summaries import argument_literal, construction_literals, layers_switched_off

    builder, tree, path, resolve = found
    if isinstance(builder, ast.ClassDef):
        init = next((n for n in builder.body if isinstance(n, ast.FunctionDef) and n.name == "__init__"), None)
        if init is None:
            return False
        literals = construction_literals(init, positional, keywords)
    else:
        literals = construction_literals(builder, positional, keywords, bound=False)
    is_layer = (lambda n: inv_mod.is_bn_class(resolve(n))) if kind == "bn" else (lambda n: inv_mod.is_dropout_class(resolve(n)))
    nested = None
    if tree is not None and depth < 4:
        local_names = {n.name for n in tree.body if isinstance(n, (ast.ClassDef, ast.FunctionDef))}

        def nested(call: ast.Call, outer: "Dict[str, object]") -> Optional[bool]:
            # A project class or builder called with the config or with this builder's own
            # arguments (`self.skip = Skip(n, skip_dropout)` with `skip_dropout=0`, `Coupling(d,
            # dropout=dropout)` of another module, `make_layers(cfg, batch_norm)`): its layers too.
            callee = inv_mod.dotted_name(call.func)
            if not callee:
                return None
            if callee in local_names:
                inner = _local_builder(tree, callee, path, resolve)
            else:
                inner = _imported_builder(facts, path, resolve(callee))
                library = inv_mod.factory_holds_bn(resolve(callee)) if kind == "bn" else inv_mod.factory_holds_dropout(resolve(callee))
                if inner is None and library:
                    return False  # `torchvision.models.resnet18()` built beside: its layers are on
            if inner is None or inner[1] is None or not _builds_layers(inner[0], is_layer, inner[1], set()):
                return None
            args = [argument_literal(a, outer) for a in call.args if not isinstance(a, ast.Starred)]
            if len(args) != len(call.args) or any(k.arg is None for k in call.keywords):
                return False  # (`*args`, `**kwargs`: any parameter may be given)
            kws = {k.arg: argument_literal(k.value, outer) for k in call.keywords if k.arg}
            return _switched_off(facts, inner, args, kws, kind, depth + 1)

    return layers_switched_off(builder, is_layer, literals, rate="p" if kind == "dropout" else None, nested=nested)


def _builds_layers(cls: ast.AST, is_layer, tree: ast.Module, seen: Set[str]) -> bool:
    """Does building ``cls`` (a class or builder function of ``tree``) build such a layer, itself
    or through the module's classes and builders it calls?"""
    from bnlint import inventory as inv_mod

    if cls.name in seen:  # type: ignore[attr-defined]
        return False
    seen.add(cls.name)  # type: ignore[attr-defined]
    local = {n.name: n for n in tree.body if isinstance(n, (ast.ClassDef, ast.FunctionDef))}
    for node in ast_walk(cls):
        if isinstance(node, ast.Call):
            callee = inv_mod.dotted_name(node.func) or ""
            if is_layer(callee) or (callee in local and _builds_layers(local[callee], is_layer, tree, seen)):
                return True
    return False


def _config_dict(facts: Facts, name: str) -> Optional[Dict[str, object]]:
    """The literal entries of a config dict bound once, at module level, to ``name`` by a dict
    literal with string keys; an entry `name.update(...)` or `name[key] = ...` may set is
    dropped (an `update` from a dict literal, or from a module-level dict of dict literals,
    drops the keys those name; any other `update` drops all).  None: not such a dict."""
    dict_names = getattr(facts, "_module_dict_names", None)
    if dict_names is None:
        # Names a top-level statement binds to a dict display: the only candidates (one pass).
        dict_names = facts._module_dict_names = {  # type: ignore[attr-defined]
            t.target.value
            for stmt in facts.module.body
            if isinstance(stmt, cst.SimpleStatementLine)
            for small in stmt.body
            if isinstance(small, cst.Assign) and isinstance(small.value, cst.Dict)
            for t in small.targets
            if isinstance(t.target, cst.Name)
        }
    if name not in dict_names:
        return None
    values = facts.assignments_to(name, facts.module)
    if len(values) != 1 or not isinstance(values[0], cst.Dict):
        return None
    out: Dict[str, object] = {}
    for element in values[0].elements:
        if not isinstance(element, cst.DictElement):
            return None  # `**other`
        key = literal_value(element.key)
        if not isinstance(key, str):
            return None
        value = literal_value(element.value)
        if value is not NOT_LITERAL:
            out[key] = value
    for node in facts.iter_nodes(facts.module):
        if isinstance(node, cst.Call) and isinstance(node.func, cst.Attribute) and dotted(node.func.value) == name and node.func.attr.value in ("update", "setdefault", "pop", "clear"):
            keys = _keys_set_by(facts, node)
            if keys is None:
                return {}
            for key in keys:
                out.pop(key, None)
        elif isinstance(node, cst.Subscript) and dotted(node.value) == name and facts.is_store(node):
            key = literal_value(node.slice[0].slice.value) if len(node.slice) == 1 and isinstance(node.slice[0].slice, cst.Index) else NOT_LITERAL
            if not isinstance(key, str):
                return {}
            out.pop(key, None)
    return out


def _bound_in_function(facts: Facts, name: cst.Name) -> bool:
    """Is ``name`` a parameter or a local of the function it is read in (so not the global)?"""
    fn = facts.enclosing_function(name)
    if fn is None:
        return False
    params = fn.params
    every = list(params.posonly_params) + list(params.params) + list(params.kwonly_params)
    every += [p for p in (params.star_arg, params.star_kwarg) if isinstance(p, cst.Param)]
    return any(p.name.value == name.value for p in every) or bool(facts.assignments_to(name.value, fn))


def _settings_object(facts: Facts, name: str) -> Optional[Dict[str, object]]:
    """The literal attributes of a settings object bound once, at module level, to ``name`` by
    building a project class without bases (`config = Config()` with `self.DROP_RATE = 0.0` in
    its `__init__`, or `DROP_RATE = 0.0` in its body): each attribute the class assigns once, to
    a literal, in its body or at the top of `__init__`.  An attribute this module writes
    (`config.DROP_RATE = args.drop`) is dropped, and every one when the object is handed to
    anything but a project class's constructor (`update_config(config, args)` may write any).
    None: not such an object.  Cannot see writes from other modules."""
    memo = facts.__dict__.setdefault("_settings_objects", {})
    if name not in memo:
        memo[name] = _read_settings_object(facts, name)
    return memo[name]


def _read_settings_object(facts: Facts, name: str) -> Optional[Dict[str, object]]:
    from bnlint.inventory import dotted_name

    tree = getattr(facts, "ast_tree", None)
    values = facts.assignments_to(name, facts.module)
    if len(values) != 1 or not isinstance(values[0], cst.Call) or dotted(values[0].func) is None:
        return None
    found = _class_for_call(facts, dotted(values[0].func) or "", tree, facts.path, facts.inventory.resolve, facts.inventory)
    if found is None:
        return None
    cls_node = found[0]
    if cls_node.bases or cls_node.keywords or (cls_node.decorator_list and values[0].args):
        return None  # inherited attributes; a dataclass's fields set by the call
    assigned: Dict[str, List[object]] = {}
    for stmt in cls_node.body:
        if isinstance(stmt, (ast.Assign, ast.AnnAssign)):
            targets = stmt.targets if isinstance(stmt, ast.Assign) else [stmt.target]
            for target in targets:
                if isinstance(target, ast.Name):
                    assigned.setdefault(target.id, []).append(_ast_literal(stmt.value))
    for method in cls_node.body:
        if not isinstance(method, (ast.FunctionDef, ast.AsyncFunctionDef)):
            continue
        top = set(map(id, method.body)) if method.name == "__init__" else set()
        for node in ast_walk(method):
            if isinstance(node, (ast.Assign, ast.AugAssign, ast.AnnAssign)):
                targets = node.targets if isinstance(node, ast.Assign) else [node.target]
                for target in targets:
                    if isinstance(target, ast.Attribute) and isinstance(target.value, ast.Name) and target.value.id == "self":
                        plain = isinstance(node, ast.Assign) and id(node) in top
                        assigned.setdefault(target.attr, []).append(_ast_literal(node.value) if plain else NOT_LITERAL)
            elif isinstance(node, ast.Call) and (dotted_name(node.func) or "") in ("setattr", "self.__dict__.update"):
                return None
    out = {attr: found_values[0] for attr, found_values in assigned.items() if len(found_values) == 1 and found_values[0] is not NOT_LITERAL}
    for node in facts.iter_nodes(facts.module):
        if isinstance(node, (cst.AssignTarget, cst.AugAssign, cst.AnnAssign)):
            target = node.target
            if isinstance(target, cst.Attribute) and isinstance(target.value, cst.Name) and target.value.value == name:
                out.pop(target.attr.value, None)
        elif isinstance(node, cst.Call) and any(isinstance(a.value, cst.Name) and a.value.value == name for a in node.args):
            callee = dotted(node.func) or ""
            if _class_for_call(facts, callee, tree, facts.path, facts.inventory.resolve, facts.inventory) is None:
                return None
    return out


def _ast_literal(value: Optional[ast.AST]) -> object:
    try:
        return ast.literal_eval(value) if value is not None else NOT_LITERAL
    except (ValueError, TypeError, SyntaxError, MemoryError, RecursionError):
        return NOT_LITERAL


def _keys_set_by(facts: Facts, call: cst.Call) -> Optional[Set[str]]:
    """The keys `name.update(arg)` may set: those of a dict literal, or of every dict literal in a
    module-level dict of them (`model_configs[CHOOSE_MODEL]`); None when not known."""
    if call.func.attr.value != "update" or len(call.args) != 1 or call.args[0].keyword is not None:  # type: ignore[attr-defined]
        return None
    arg = call.args[0].value
    if isinstance(arg, cst.Subscript):
        table = facts.assignments_to(dotted(arg.value) or "", facts.module) if dotted(arg.value) else []
        if len(table) != 1 or not isinstance(table[0], cst.Dict):
            return None
        dicts = [e.value for e in table[0].elements if isinstance(e, cst.DictElement)]
    elif isinstance(arg, cst.Dict):
        dicts = [arg]
    else:
        return None
    keys: Set[str] = set()
    for d in dicts:
        if not isinstance(d, cst.Dict):
            return None
        for e in d.elements:
            key = literal_value(e.key) if isinstance(e, cst.DictElement) else NOT_LITERAL
            if not isinstance(key, str):
                return None
            keys.add(key)
    return keys


def construction_of(facts: Facts, value: cst.Call) -> Optional["Construction"]:
    """What the class or function a call builds the model with does to its mode
    (``bnlint.summaries``): defined in this file, or in a project module it imports."""
    from bnlint.summaries import construction

    cur: cst.BaseExpression = value
    while isinstance(cur, cst.Call) and isinstance(cur.func, cst.Attribute) and cur.func.attr.value in KEEPS_MODE:
        cur = cur.func.value
    if not isinstance(cur, cst.Call):
        return None
    name = dotted(cur.func)
    if not name:
        return None
    inv = facts.inventory
    if name.startswith("self.") and name.count(".") == 1:
        return _method_construction(facts, cur, name[5:])
    if name in inv.classes or name in inv.functions:
        path = facts.path
        switches = (lambda q, m: facts.index.method_switches_modes(path, q, m)) if path else None
        imported = facts.index.imported_construction_reader(path, inv.resolve) if path else None
        return construction({**inv.functions, **inv.classes}, name, inv.aliases, switches, imported)
    if not (inv.is_imported(name) and facts.path):
        return None
    found = facts.index.definition(facts.path, inv.resolve(name))  # through re-exports
    if found is None:
        return None
    other = facts.index.inventory_for_path(found[0])
    return other.constructions.get(found[1]) if other is not None else None


def _summary_kinds(kinds: FrozenSet[str], obj: Obj) -> Optional[FrozenSet[str]]:
    """The evaluation contexts of a summary's forward of ``obj``; None for none at all: a pass over
    made-up data (``effects.SYNTHETIC``, a profiler or a shape check of another module) of a
    network with random weights, or of one whose only mode-dependent layers are dropout (they keep
    no statistics: the pass changes nothing).  One with trained BatchNorm is a pass that moves its
    statistics."""
    from bnlint.effects import SYNTHETIC

    if SYNTHETIC not in kinds:
        return kinds
    return kinds - {SYNTHETIC} if obj.has_weights and obj.holds_bn else None


def _method_construction(facts: Facts, call: cst.Call, method: str) -> Optional["Construction"]:
    """`self.net = self._build(weights)`: the summary of the enclosing class's method (of this
    file) as a function that builds what it returns (``summaries``: `net.eval(); return net`
    gives a model in eval mode)."""
    from bnlint.summaries import _function_summary

    cls = facts.enclosing_class(call)
    if cls is None:
        return None
    classes = {n.name: n for n in facts._ast().body if isinstance(n, ast.ClassDef)}
    cls_ast = classes.get(cls.name.value)
    fn = next((n for n in cls_ast.body if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef)) and n.name == method), None) if cls_ast is not None else None
    if fn is None:
        return None
    inv = facts.inventory
    return _function_summary(fn, {**inv.functions, **inv.classes}, inv.aliases)


MAX_MEMBERS = 8  # a list of models longer than this is not unrolled


def _constructor_switches_no_mode(cls: ast.ClassDef) -> bool:
    """Does building ``cls`` leave every module handed to it in its mode: no `.train()`,
    `.eval()`, `.apply()`, `requires_grad_()` or freeze-named call in `__init__` or in the methods
    of the class it calls?"""
    methods = {n.name: n for n in cls.body if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef))}
    todo, seen = ["__init__"], set()
    while todo:
        name = todo.pop()
        if name in seen or name not in methods:
            continue
        seen.add(name)
        for node in ast_walk(methods[name]):
            if not isinstance(node, ast.Call):
                continue
            func = node.func
            leaf = func.attr if isinstance(func, ast.Attribute) else func.id if isinstance(func, ast.Name) else ""
            if leaf in ("train", "eval", "apply", "requires_grad_") or "freeze" in leaf.lower():
                return False
            if isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name) and func.value.id == "self":
                todo.append(func.attr)
    return "__init__" in seen


def _children_container_source(call: cst.Call, qualified: str) -> Optional[cst.BaseExpression]:
    """`nn.Sequential(*list(net.children())[:-2])` (`ModuleList`, `*net.children()`): a new
    container of the same submodules, so the same BatchNorm/dropout layers, weights and modes as
    ``net`` (the model it is returned for).  None for any other call."""
    if qualified not in ("torch.nn.Sequential", "torch.nn.ModuleList") or len(call.args) != 1:
        return None
    arg = call.args[0]
    value = arg.value
    if not arg.star and qualified.endswith("Sequential"):
        return None
    while True:
        if isinstance(value, cst.Subscript) and len(value.slice) == 1 and isinstance(value.slice[0].slice, cst.Slice):
            value = value.value  # `[:-2]`: the leading children
        elif isinstance(value, cst.Call) and dotted(value.func) in ("list", "tuple") and len(value.args) == 1:
            value = value.args[0].value
        else:
            break
    if isinstance(value, cst.Call) and isinstance(value.func, cst.Attribute) and value.func.attr.value == "children" and not value.args:
        return value.func.value
    return None


def _leaves_out_last_child(call: cst.Call) -> bool:
    """`nn.Sequential(*list(net.children())[:-k])`: the container leaves out the last child (a
    library classifier's head, where its dropout is)."""
    value = call.args[0].value
    if not (isinstance(value, cst.Subscript) and len(value.slice) == 1 and isinstance(value.slice[0].slice, cst.Slice)):
        return False
    part = value.slice[0].slice
    upper = part.upper
    lower = literal_value(part.lower) if part.lower is not None else 0
    negative = isinstance(upper, cst.UnaryOperation) and isinstance(upper.operator, cst.Minus) and isinstance(upper.expression, cst.Integer)
    return part.step is None and lower == 0 and negative and literal_value(upper.expression) != 0  # type: ignore[union-attr]


def _moved(value: cst.BaseExpression) -> cst.BaseExpression:
    """The model a device/dtype move returns (`model.to(device).cuda()` -> `model`)."""
    while isinstance(value, cst.Call) and isinstance(value.func, cst.Attribute) and value.func.attr.value in KEEPS_MODE:
        value = value.func.value
    return value


def _ast_of(code: str) -> Optional[ast.AST]:
    """The ``ast`` of a function definition or lambda's source text (dedented), or None."""
    import textwrap

    try:
        return ast.parse(textwrap.dedent(code).strip())
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return None


def _applied(value: cst.BaseExpression) -> cst.BaseExpression:
    """The module `module.apply(fn)` returns (itself; what ``fn`` does to its submodules is the
    call's effect, analysed where it runs): `generator.apply(init_weights).to(device)` ->
    `generator.to(device)`'s receiver chain without the `apply`."""
    value = _moved(value)
    while isinstance(value, cst.Call) and isinstance(value.func, cst.Attribute) and value.func.attr.value == "apply" and len(value.args) == 1:
        value = _moved(value.func.value)
    return value


def _looked_up(expr: cst.BaseExpression) -> Optional[str]:
    """`self.args['train_base']` -> `self.args`: the dotted holder of a configuration entry read
    by a literal key; None for anything else."""
    if isinstance(expr, cst.Subscript) and len(expr.slice) == 1 and isinstance(expr.slice[0].slice, cst.Index):
        if literal_value(expr.slice[0].slice.value) is not NOT_LITERAL:
            return dotted(expr.value)
    return None


def _conjuncts(test: cst.BaseExpression) -> List[cst.BaseExpression]:
    """The tests an `and` chain requires (`a == b and c`: both); a test that is no `and`: itself."""
    if isinstance(test, cst.BooleanOperation) and isinstance(test.operator, cst.And):
        return _conjuncts(test.left) + _conjuncts(test.right)
    return [test]


def _members_key(name: str) -> str:
    """The variable under which the models of a list bound to ``name`` are kept."""
    return name + "[*]"


def display_path(path: str, from_path: Optional[str]) -> str:
    """``path`` relative to the linted file's folder when it is below it, else as given."""
    import os

    try:
        rel = os.path.relpath(path, os.path.dirname(os.path.abspath(from_path or path)))
    except ValueError:  # another drive
        return path
    return rel if not rel.startswith("..") else path


def _mode_call_receiver(call: cst.Call) -> Optional[List[str]]:
    """`['model', 'backbone']` for `model.backbone.eval()` (any of ``_MODE_CHANGING_METHODS``)."""
    func = call.func
    if isinstance(func, cst.Attribute) and func.attr.value in _MODE_CHANGING_METHODS:
        name = dotted(func.value)
        return name.split(".") if name else None
    return None


def _string_literals(expr: cst.BaseExpression) -> Optional[Tuple[str, ...]]:
    """("train", "val") for `["train", "val"]` / `("train", "valid", "test")`: 2 to 4 strings."""
    if not isinstance(expr, (cst.List, cst.Tuple)) or not 2 <= len(expr.elements) <= 4:
        return None
    values = []
    for element in expr.elements:
        if not isinstance(element, cst.Element) or not isinstance(element.value, cst.SimpleString):
            return None
        value = element.value.evaluated_value
        if not isinstance(value, str):
            return None
        values.append(value)
    return tuple(values)


def _mentions_eval_data(expr: cst.BaseExpression, strings: bool = True) -> bool:
    """Does ``expr`` name evaluation data: a name (or, with ``strings``, a string key:
    `loaders["val"]`) whose words say val/test/eval (``eval_names.is_val_token``)?"""
    stack: List[cst.CSTNode] = [expr]
    while stack:
        node = stack.pop()
        if isinstance(node, cst.Call) and isinstance(node.func, cst.Name) and node.func.value in ("range", "len"):
            continue  # `range(val_interval)` counts steps: integers, not evaluation data
        stack.extend(reversed(_children(node)))
        text = None
        if isinstance(node, cst.Name):
            text = node.value
        elif strings and isinstance(node, cst.SimpleString):
            text = node.value.strip("'\"bBrRuU")
        verdict = eval_data_verdict(text, key=isinstance(node, cst.SimpleString)) if text else None
        if verdict is not None:
            return verdict
    return False


def _names_training_data(expr: cst.BaseExpression) -> bool:
    """Does ``expr`` name training data (`train_loader`, `tqdm(trainloader)`) and no evaluation
    data: a name whose words say train (``eval_names.eval_data_verdict`` False)?"""
    found = False
    for node in walk(expr):
        if isinstance(node, cst.Name):
            verdict = eval_data_verdict(node.value)
            if verdict:
                return False
            found = found or verdict is False
    return found


def _is_training_method_name(name: str) -> bool:
    """A public method that fits the model for later use: `fit`, `train`, `fit_generator`,
    `train_model`, `learn`."""
    return not name.startswith("_") and name.lower().startswith(("fit", "train", "learn"))


def _has_training_calls(scope: cst.CSTNode) -> bool:
    return any(isinstance(node, cst.Call) and _is_training_call(node) for node in walk_scope(scope))


def _is_training_call(node: cst.Call) -> bool:
    """Is ``node`` a backward or an optimizer (or scaler) step?"""
    if not isinstance(node.func, cst.Attribute):
        return False
    attr = node.func.attr.value
    if attr in ("backward", "optimizer_step", "manual_backward"):
        return True
    if attr == "step":
        base = (dotted(node.func.value) or "").lower()
        return "optim" in base or "opt" in base.split(".")[-1] or "scaler" in base
    return False


def _is_falsy_constant(expr: cst.BaseExpression) -> bool:
    """``False``, ``None``, ``0`` or an empty string: ``assert False, "unknown mode"`` ends a branch."""
    value = literal_value(expr)
    return value is not NOT_LITERAL and not value


def _is_main_guard(test: cst.BaseExpression) -> bool:
    return isinstance(test, cst.Comparison) and dotted(test.left) == "__name__"


def _body_of(node: cst.CSTNode) -> Sequence[cst.CSTNode]:
    body = getattr(node, "body", None)
    if body is None:
        return ()
    if isinstance(body, (cst.IndentedBlock, cst.SimpleStatementSuite)):
        return body.body
    if isinstance(body, (list, tuple)):
        return body
    inner = getattr(body, "body", None)
    return inner if isinstance(inner, (list, tuple)) else ()


def is_generator_name(label: str) -> bool:
    leaf = label.split(".")[-1]
    return bool(_GENERATOR_RE.search(leaf))


def analysis(facts: Facts, source: Optional[str] = None) -> ModesAnalysis:
    """The module's train/eval analysis, computed once and shared by the rules."""
    cached = getattr(facts, "_bnlint_modes", None)
    if cached is None:
        cached = ModesAnalysis(facts, source)
        cached.run()
        setattr(facts, "_bnlint_modes", cached)
    return cached


# The rules whose findings come from the analysis: none of them reports on a module where it gave up.
ANALYSIS_RULES = ("BN001", "BN006", "BN014")


def aborted_analysis(facts: Facts) -> Optional[ModesAnalysis]:
    """The module's analysis if a rule ran it and it gave up (``ModesAnalysis.aborted``), else None."""
    cached = getattr(facts, "_bnlint_modes", None)
    return cached if cached is not None and cached.aborted else None


def fix_anchor(facts: Facts, obs: ForwardObs) -> Optional[cst.CSTNode]:
    """The statement before which ``model.eval()`` goes: the evaluation block in the call's own function."""
    node: cst.CSTNode = obs.node
    fn = obs.fn
    outer_with = None
    outer_loop = None
    for anc in facts.ancestors(node):
        if anc is fn:
            break
        if isinstance(anc, cst.With) and any(facts.is_no_grad_expr(i.item) for i in anc.items):
            outer_with = anc
        elif isinstance(anc, cst.For) and _mentions_eval_data(anc.iter):
            outer_loop = anc
    anchor: Optional[cst.CSTNode] = None
    if outer_with is not None or outer_loop is not None:
        cands = [c for c in (outer_with, outer_loop) if c is not None]
        # The outermost of the two.
        anchor = cands[0]
        for c in cands[1:]:
            if any(a is c for a in facts.ancestors(anchor)):
                anchor = c
    elif fn is not None and ("eval_fn" in obs.lexical_kinds or "no_grad" in obs.lexical_kinds):
        if isinstance(fn.body, cst.SimpleStatementSuite):
            return None
        body = _body_of(fn)
        anchor = next((stmt for i, stmt in enumerate(body) if not (i == 0 and _is_docstring(stmt))), None)
    if anchor is None:
        return None
    return _after_bindings(facts, anchor, obs)


def _after_bindings(facts: Facts, anchor: cst.CSTNode, obs: ForwardObs) -> Optional[cst.CSTNode]:
    """``anchor``, or the statement nearest inside it on the way to the forward, such that no
    binding of the model's name lies between the inserted line and the forward: `model.eval()`
    before `model = Net()` would raise (UnboundLocalError) or switch another object, and would
    leave the finding in place.  None when every candidate has such a binding."""
    root = obs.label.split(".")[0]
    node: cst.CSTNode = obs.node
    for anc in facts.ancestors(node):
        if anc is anchor:
            break
        if isinstance(anc, (cst.ListComp, cst.SetComp, cst.GeneratorExp, cst.DictComp)):
            comp: Optional[cst.CompFor] = anc.for_in
            while comp is not None:
                if _binds_name(facts, comp, root, node):
                    return None  # `[m(x) for m in ensemble]`: `m` exists only inside the comprehension
                comp = comp.inner_for_in
    # Candidate insertion points: the anchor, then each statement in a block (not a one-line
    # suite) between it and the forward, outermost first.
    chain: List[cst.CSTNode] = []
    for anc in facts.ancestors(node):
        if isinstance(anc, (cst.SimpleStatementLine, cst.BaseCompoundStatement)) and isinstance(facts.parent(anc), (cst.IndentedBlock, cst.Module)):
            chain.append(anc)
        if anc is anchor or anc is obs.fn:
            break
    chain.reverse()
    if anchor not in chain:
        chain.insert(0, anchor)
    scope = obs.fn if obs.fn is not None else facts.module
    # Pre-order positions up to the forward, and where the name is (re)bound on the way.
    order: Dict[int, int] = {}
    bound_at: List[int] = []
    for i, cur in enumerate(walk_scope(scope)):
        order[id(cur)] = i
        if cur is node:
            break
        if _binds_name(facts, cur, root, node) or _switches_to_train(cur, root):
            bound_at.append(i)  # a `model.train()` in between would undo the inserted `.eval()`
    for cand in chain:
        start = order.get(id(cand))
        if start is not None and not any(b >= start for b in bound_at):
            return cand
    return None


def _switches_to_train(node: cst.CSTNode, root: str) -> bool:
    """`model.train()` (or `.train(True)`) on ``root`` or a part of it."""
    if not (isinstance(node, cst.Call) and isinstance(node.func, cst.Attribute) and node.func.attr.value == "train"):
        return False
    if node.args and _is_falsy_constant(node.args[0].value):
        return False
    return (dotted(node.func.value) or "").split(".")[0] == root


def _binds_name(facts: Facts, node: cst.CSTNode, name: str, forward: cst.CSTNode) -> bool:
    """Does ``node`` bind ``name`` (before ``forward`` runs, where the two share a statement)?"""

    def names_in_target(t: cst.CSTNode) -> Iterable[str]:
        if isinstance(t, cst.Name):
            yield t.value
        elif isinstance(t, (cst.Tuple, cst.List)):
            for el in t.elements:
                yield from names_in_target(el.value)
        elif isinstance(t, cst.StarredElement):
            yield from names_in_target(t.value)

    if isinstance(node, cst.AssignTarget):
        assign = facts.parent(node)
        if any(a is assign for a in facts.ancestors(forward)):
            return False  # `model = model(x)`: the value (and its forward) runs first
        return name in names_in_target(node.target)
    if isinstance(node, cst.AnnAssign) and node.value is not None:
        return name in names_in_target(node.target)
    if isinstance(node, (cst.For, cst.CompFor)):
        return name in names_in_target(node.target)
    if isinstance(node, cst.WithItem) and node.asname is not None:
        return name in names_in_target(node.asname.name)
    if isinstance(node, cst.NamedExpr):
        return name in names_in_target(node.target)
    if isinstance(node, cst.ImportAlias):
        bound = node.asname.name if node.asname is not None else node.name
        return isinstance(bound, (cst.Name, cst.Attribute)) and (dotted(bound) or "").split(".")[0] == name
    if isinstance(node, (cst.FunctionDef, cst.ClassDef)):
        return node.name.value == name
    if isinstance(node, cst.ExceptHandler) and node.name is not None:
        return name in names_in_target(node.name.name)
    return False


def _is_docstring(stmt: cst.CSTNode) -> bool:
    return (
        isinstance(stmt, cst.SimpleStatementLine)
        and len(stmt.body) == 1
        and isinstance(stmt.body[0], cst.Expr)
        and isinstance(stmt.body[0].value, (cst.SimpleString, cst.ConcatenatedString))
    )


def lightning_trainer_call(facts: Facts, call: cst.Call, methods: FrozenSet[str] = _LIGHTNING_TRAINER_METHODS) -> bool:
    """Is ``call`` `trainer.fit(...)` (or another of ``methods``) on a name bound, in its scope or
    at module level, only to a Lightning `Trainer(...)`, or on such a `Trainer(...)` itself?"""
    func = call.func
    if isinstance(func, cst.Attribute) and func.attr.value in methods and isinstance(func.value, cst.Call):
        return (facts.callee(func.value) or "") in _LIGHTNING_TRAINERS  # `pl.Trainer(max_epochs=5).fit(model, loader)`
    if not (isinstance(func, cst.Attribute) and func.attr.value in methods and isinstance(func.value, cst.Name)):
        return False
    scope = facts.enclosing_function(call) or facts.module
    values = facts.assignments_to(func.value.value, scope) or facts.assignments_to(func.value.value, facts.module)
    return bool(values) and all(isinstance(v, cst.Call) and (facts.callee(v) or "") in _LIGHTNING_TRAINERS for v in values)


@dataclass(frozen=True)
class ClassEvalLeak:
    """BN006 across the methods of one plain class: ``leaving`` (a method) puts `self.<attr>` in
    eval at ``node`` and leaves it there, ``training`` trains it in whatever mode it finds it in,
    and no method of the class puts it back in train mode for training."""

    node: cst.Call
    cls_name: str
    attr: str
    leaving: str
    training: str


def plain_class_eval_leaks(facts: Facts) -> List[ClassEvalLeak]:
    """``ClassEvalLeak``s of the plain classes of this file (trainer or estimator wrappers, not
    `nn.Module`s) that keep a model they are handed (`self.net = net`), read from the methods'
    effect summaries (``effects.summarise_attribute_method``): a `predict()` that ends with
    `self.net.eval()`, and a `fit()` that back-propagates `self.net` without `.train()` first, the
    class having no method that switches it to train mode on its own."""
    from bnlint.effects import EVAL as E_EVAL
    from bnlint.effects import TRAIN as E_TRAIN
    from bnlint.effects import constructor_attributes, is_module_class, summarise_attribute_method
    from bnlint.inventory import _import_aliases

    tree = getattr(facts, "ast_tree", None)
    if tree is None or not facts.path or facts.index is None:
        return []
    classes = {n.name: n for n in tree.body if isinstance(n, ast.ClassDef)}
    functions = {n.name: n for n in tree.body if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef))}
    out: List[ClassEvalLeak] = []
    resolver = None
    for name, cls in classes.items():
        if is_module_class(cls, classes):
            continue
        kept = constructor_attributes(cls)
        if kept is None or not kept[1]:
            continue
        if any(dotted(c.func) == name for c in facts.calls) or facts.index.class_built_by_importers(facts.path, name):
            # Built by this project's own code: the order it calls the methods in decides, and
            # the mode analysis of that code follows it.  Only an API class whose callers are
            # outside the project (a library's estimator) is judged by its methods alone.
            continue
        methods = [n for n in cls.body if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef)) and n.name != "__init__"]
        if resolver is None:
            resolver = facts.index._resolver(facts.path, functions, _import_aliases(tree))
        for attr in sorted(set(kept[1].values())):
            leaving: List[str] = []
            training: List[str] = []
            switches_to_train = False
            for method in methods:
                try:
                    effect = summarise_attribute_method(cls, method.name, attr, facts.path, resolver, functions)
                except RecursionError:
                    effect = None
                if effect is None:
                    continue
                modes = [what for kind, what in effect.steps if kind == "mode"]
                steps = list(effect.steps)
                for at, step in enumerate(steps):
                    if step == ("mode", E_TRAIN) and (
                        ("mode", E_EVAL) not in steps[:at] or any(kind == "train" for kind, _ in steps[at + 1:])
                    ):
                        # A `.train()` for training (`fit()` setting it before its steps, also after
                        # an initial validation), or a switch of its own: not a restore after `.eval()`.
                        switches_to_train = True
                if effect.exit in (E_EVAL, "=|" + E_EVAL) and E_EVAL in modes:  # (on some path: `if eval_: self.net.eval()`)
                    leaving.append(method.name)
                if any(trained for _, trained, _ in effect.forwards) and not modes:
                    training.append(method.name)  # trained in the mode the caller left it in
            if switches_to_train or not leaving or not training:
                continue
            outside = any(
                isinstance(c.func, cst.Attribute) and c.func.attr.value == "train" and (dotted(c.func.value) or "").endswith("." + attr)
                and dotted(c.func.value) != f"self.{attr}"
                for c in facts.calls
            )
            if outside or facts.index.mode_switched_by_importers(facts.path, attr, name):
                continue  # code outside the class switches that model itself (`est.net.train()`)
            for method_name in leaving:  # (reported where the `.eval()` is written, not at a method calling that one)
                node = _last_attribute_eval(facts, name, method_name, attr)
                if node is not None:
                    out.append(ClassEvalLeak(node=node, cls_name=name, attr=attr, leaving=method_name, training=training[0]))
    return out


def _last_attribute_eval(facts: Facts, cls_name: str, method: str, attr: str) -> Optional[cst.Call]:
    """The last `self.<attr>.eval()` (in source order) of the method ``method`` of this file's class."""
    cls = facts.class_named(cls_name)
    fn = next((s for s in _body_of(cls) if isinstance(s, cst.FunctionDef) and s.name.value == method), None) if cls is not None else None
    if fn is None:
        return None
    found = [
        n for n in walk(fn)
        if isinstance(n, cst.Call) and isinstance(n.func, cst.Attribute) and n.func.attr.value == "eval" and dotted(n.func.value) == f"self.{attr}"
    ]
    return found[-1] if found else None
