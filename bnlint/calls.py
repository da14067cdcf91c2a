"""What a call does to the mode of a module handed to it, by the callee's name: the one table the
mode analysis (``bnlint.modes``, on libcst trees) and the cross-file summaries
(``bnlint.effects``, on ``ast`` trees) both read."""
from __future__ import annotations

# Calls that never change the mode of a module passed to them.
HARMLESS_CALLS = frozenset(
    {
        "print", "len", "isinstance", "issubclass", "str", "repr", "id", "type", "getattr", "hasattr",
        "setattr", "vars", "dir", "sum", "list", "tuple", "dict", "sorted", "enumerate", "zip", "iter",
        "next", "super", "format", "hash",
    }
)  # fmt: skip
HARMLESS_PREFIXES = (
    "torch.", "logging.", "logger.", "log.", "wandb.", "mlflow.", "writer.", "tb_writer.", "summary_writer.",
    "np.", "numpy.", "math.", "os.", "json.", "pickle.", "time.",
    # Explanation libraries: their extractors hook a model and run it in the mode it is in
    # (torchcam's layer search restores the mode it switches; captum switches none).
    "torchcam.", "captum.",
)  # fmt: skip
HARMLESS_LEAVES = frozenset({"info", "debug", "warning", "print", "log", "watch", "add_graph", "summary", "save", "dumps", "dump", "append", "format"})
# Wrappers whose result runs the wrapped module in the wrapped module's mode.
WRAPPER_LEAVES = frozenset({"DataParallel", "DistributedDataParallel", "DDP", "compile", "convert_sync_batchnorm", "convert_syncbn_model", "script"})
# Calls whose result iterates over their first argument, item for item or in order
# (`for i, (x, y) in enumerate(tqdm(loader))`): a `for` over them is a `for` over that argument.
ITERATION_WRAPPER_LEAVES = frozenset({"enumerate", "tqdm", "iter", "zip", "islice"})


def iterated_source(node):
    """``node`` (a libcst expression) with the iteration wrappers around it taken off:
    `enumerate(tqdm(loader))` -> `loader`."""
    from bnlint.facts import dotted

    while type(node).__name__ == "Call" and node.args and (dotted(node.func) or "").rsplit(".", 1)[-1] in ITERATION_WRAPPER_LEAVES:
        node = node.args[0].value
    return node


def ast_iterated_source(node):
    """``iterated_source`` for a standard-library ``ast`` expression."""
    import ast

    from bnlint.inventory import dotted_name

    while isinstance(node, ast.Call) and node.args and (dotted_name(node.func) or "").rsplit(".", 1)[-1] in ITERATION_WRAPPER_LEAVES:
        node = node.args[0]
    return node


# Copies: a new module in the mode of the one copied.
COPY_CALLS = frozenset({"copy.deepcopy", "torch.optim.swa_utils.AveragedModel", "deepcopy", "AveragedModel"})
# Module methods that put trained weights into a model.
WEIGHT_LOADING_METHODS = frozenset({"load_state_dict", "load_weights", "load_checkpoint", "load_pretrained", "load_pretrained_weights", "init_weights_from"})
# Module methods that neither change a mode nor run a forward.
PLAIN_MODULE_METHODS = frozenset(
    {
        "to", "cuda", "cpu", "half", "float", "double", "bfloat16", "parameters", "named_parameters",
        "buffers", "named_buffers", "modules", "named_modules", "children", "named_children",
        "state_dict", "load_state_dict", "zero_grad", "requires_grad_", "register_forward_hook",
        "register_forward_pre_hook", "register_full_backward_hook", "register_buffer", "share_memory",
        "type", "extra_repr", "get_submodule", "add_module", "register_module", "to_empty",
    }
)  # fmt: skip


def keeps_modes(callee: str) -> bool:
    """Does calling ``callee`` (a dotted or qualified name) leave the modes of the modules handed
    to it as they were: logging, `torch.*`, a wrapper (`DataParallel`), a copy?"""
    leaf = callee.rsplit(".", 1)[-1]
    if callee in HARMLESS_CALLS or callee.startswith(HARMLESS_PREFIXES) or leaf in HARMLESS_LEAVES:
        return True
    return leaf in WRAPPER_LEAVES or callee in COPY_CALLS or leaf in ("deepcopy", "AveragedModel")


# Tensor methods that give the same values in another form (a copy, another device, another
# shape): what a forward's output is still, for the questions asked of how it is used.
# Calls that step an optimizer: `optimizer.step()`, `scaler.step(optimizer)`, and torch_xla's
# `xm.optimizer_step(optimizer)` (which reduces the gradients across replicas, then steps it).
OPTIMIZER_STEP_METHODS = frozenset({"step", "optimizer_step"})

PASS_THROUGH_METHODS = ("detach", "cpu", "cuda", "to", "clone", "float", "double", "half", "contiguous", "squeeze", "unsqueeze", "view", "reshape", "flatten")
# Checks of one result against another (`torch.allclose(a, b)`, `np.testing.assert_allclose(a, b)`).
COMPARISON_FUNCTIONS = ("allclose", "isclose", "equal", "assert_close", "assert_allclose", "assert_array_almost_equal", "assert_almost_equal", "assert_array_equal")
