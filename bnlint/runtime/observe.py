"""The tracer: global module forward hooks, optimizer step hooks and a few patched torch functions.

Everything here imports torch; only ``bnlint.runtime`` modules may import this file.

Hot path (every BatchNorm forward): a dict lookup, a few attribute reads, integer counters.
Device syncs (``.item()``) happen only for sampled calls (a bounded number per module and kind).
"""
from __future__ import annotations

import os
import re
import sys
import sysconfig
import time
import weakref
from collections import Counter
from typing import Any, Dict, List, Optional, Tuple

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.nn.modules import module as _module_mod
from torch.nn.modules.batchnorm import _BatchNorm, _NormBase
from torch.optim.optimizer import register_optimizer_step_post_hook

from bnlint.runtime.names import is_eval_frame, is_eval_function_name  # noqa: F401 (re-exported)

SAMPLES_PER_KIND = 3  # running-stat/output samples (each costs a device sync) per module and kind
STACKS_PER_KIND = 8  # stack walks per module and kind on the common paths
MAX_NOGRAD_STACKS = 5000  # stack walks on train-mode/no-grad forwards, in total
MAX_MODE_CALLS = 200
GRAD_CHECKS_PER_MODULE = 2

_TORCH_DIR = os.path.dirname(os.path.abspath(torch.__file__)) + os.sep
_BNLINT_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__))) + os.sep
_STDLIB_DIRS = tuple(
    {os.path.abspath(p) + os.sep for p in (sysconfig.get_paths().get("stdlib"), sysconfig.get_paths().get("platstdlib")) if p}
)
_SKIP_PREFIXES = (_TORCH_DIR, _BNLINT_DIR, "<frozen") + _STDLIB_DIRS
_RECALIBRATION_FUNCS = re.compile(r"update_bn|precise_bn|recompute_bn|recalibrat|bn_stats|calibrate_bn|adapt_bn|reset_bn", re.I)
_NORM_CLASS_RE = re.compile(r"norm|(^|[a-z_])BN($|[A-Z_\d])|Bn$", re.I)

class StopTracing(BaseException):
    """Raised from the optimizer step hook to unwind the traced script after --max-steps steps."""


class TraceTimeout(BaseException):
    """Raised in the main thread when --timeout expires."""


def _is_user_file(fn: str) -> bool:
    return not fn.startswith(_SKIP_PREFIXES)


def user_stack(skip: int = 2, limit: int = 8) -> Tuple[List[List[Any]], bool]:
    """User frames (outside torch, bnlint and the stdlib), innermost first; and whether a
    BN-recalibration function (update_bn, precise BN) is on the stack."""
    f = sys._getframe(skip)
    out: List[List[Any]] = []
    recal = False
    while f is not None:
        code = f.f_code
        if _RECALIBRATION_FUNCS.search(code.co_name):
            recal = True
        fn = code.co_filename
        if len(out) < limit and _is_user_file(fn):
            out.append([fn, f.f_lineno, code.co_name])
        f = f.f_back
    return out, recal


class ModState:
    __slots__ = (
        "ref", "key", "cls", "kind", "site", "name", "calls", "train_grad", "train_nograd", "eval_grad", "eval_nograd",
        "bs_hist", "min_count", "tiny_calls", "mom0_calls", "frozen_calls", "legit_nograd", "nograd_flagged",
        "samples", "stacks", "explicit_eval", "explicit_eval_site", "reenabled_calls", "snap", "grad_checks",
        "momentum", "track", "affine", "frozen", "num_features", "root_key", "last_reset_step", "eval_since_step",
        "mom0_eval_calls", "train_momentum",
    )

    def __init__(self, module: nn.Module, key: int, kind: str, site) -> None:
        self.ref = weakref.ref(module)
        self.key = key
        self.cls = type(module).__name__
        self.kind = kind
        self.site = site
        self.name: Optional[str] = None
        self.calls = self.train_grad = self.train_nograd = self.eval_grad = self.eval_nograd = 0
        self.bs_hist: Counter = Counter()
        self.min_count: Optional[int] = None
        self.tiny_calls = self.mom0_calls = self.frozen_calls = self.legit_nograd = self.nograd_flagged = 0
        self.mom0_eval_calls = 0  # eval-mode forwards with momentum 0: a toggle that changes nothing (BN002)
        self.train_momentum = None  # the momentum of its last train-mode forward
        self.samples: Counter = Counter()  # kind -> samples taken
        self.stacks: Counter = Counter()
        self.explicit_eval = False
        self.explicit_eval_site = None
        self.reenabled_calls = 0
        self.snap = None
        self.grad_checks = 0
        self.momentum = getattr(module, "momentum", None)
        self.track = bool(getattr(module, "track_running_stats", False))
        self.affine = bool(getattr(module, "affine", False))
        self.frozen = False
        self.num_features = getattr(module, "num_features", None)
        self.root_key = None
        self.last_reset_step = -1
        self.eval_since_step = None


class Tracer:
    """Install with ``start()``, remove with ``stop()``; ``export()`` gives a JSON-able trace."""

    def __init__(self, max_steps: Optional[int] = None, tiny_batch_size: int = 8, custom_norm_sites=(), rank: Optional[int] = None) -> None:
        self.max_steps = max_steps
        self.tiny = tiny_batch_size
        self.custom_norm_sites = list(custom_norm_sites)  # (path, line) of static BN003 findings
        self.watch_sites: set = set()  # (path, line) of static BN001 findings: model calls that evaluate
        self.rank = rank
        self.world_size = int(os.environ.get("WORLD_SIZE", "1") or 1)
        self.snapshots = self.world_size > 1
        self.mods: Dict[int, ModState] = {}
        self.sites: Dict[int, Any] = {}
        self.roots: Dict[int, Any] = {}  # id -> [weakref, class name, grad_train_calls, calls]
        self.kind_cache: Dict[type, Optional[str]] = {}
        self.depth = 0
        self.root_key: Optional[int] = None
        self.root_training = True
        self.root_grad = True
        self.steps = 0
        self.step_train = self.step_frozen = self.step_eval = 0
        self.step_eval_modules: Dict[int, int] = {}
        self.step_modes: List[List[Any]] = []  # [mode, first_step, last_step]
        self.events: Dict[Tuple, Dict[str, Any]] = {}
        self.mode_calls: List[Dict[str, Any]] = []
        self.last_mode_call: Dict[str, Dict[str, Any]] = {}
        self.pending: Dict[int, Tuple] = {}
        self.nograd_stacks = 0
        self.train_depth = 0
        self.in_probe = False
        self.root_eval_fn = False
        self.code_cache: Dict[Any, bool] = {}
        self.swa: Dict[int, Dict[str, Any]] = {}  # AveragedModel id -> state
        self.swa_members: Dict[int, int] = {}  # BN id -> AveragedModel id
        self.handles: List[Any] = []
        self.patches: List[Tuple[Any, str, Any]] = []
        self.started_at = 0.0
        self.ended: Dict[str, Any] = {"how": "running"}
        self.active = False
        self.unnamed = False

    # ------------------------------------------------------------------ install
    def start(self) -> "Tracer":
        if self.active:
            return self
        self.active = True
        self.started_at = time.perf_counter()
        self.handles.append(_module_mod.register_module_forward_pre_hook(self._pre))
        self.handles.append(_module_mod.register_module_forward_hook(self._post, always_call=True))
        self.handles.append(register_optimizer_step_post_hook(self._on_step))
        tracer = self

        orig_init = _NormBase.__init__

        def norm_init(mod, *args, **kwargs):
            orig_init(mod, *args, **kwargs)
            if id(mod) not in tracer.sites:
                st, _ = user_stack(2, 1)
                tracer.sites[id(mod)] = st[0][:2] if st else None

        orig_reset = _NormBase.reset_running_stats

        def reset_running_stats(mod):
            orig_reset(mod)
            st = tracer.mods.get(id(mod))
            if st is not None:
                st.last_reset_step = tracer.steps

        orig_train = nn.Module.train

        def train(mod, mode=True):
            depth = tracer.train_depth
            tracer.train_depth = depth + 1
            try:
                return orig_train(mod, mode)
            finally:
                tracer.train_depth = depth
                if depth == 0 and not tracer.in_probe:
                    tracer._on_mode_call(mod, bool(mode))

        self._patch(_NormBase, "__init__", norm_init)
        self._patch(_NormBase, "reset_running_stats", reset_running_stats)
        self._patch(nn.Module, "train", train)
        try:
            from torch.optim import swa_utils

            orig_upd = swa_utils.AveragedModel.update_parameters

            def update_parameters(avg, model):
                res = orig_upd(avg, model)
                tracer._on_swa_update(avg)
                return res

            self._patch(swa_utils.AveragedModel, "update_parameters", update_parameters)
        except Exception:  # pragma: no cover - swa_utils always exists in torch 2.x
            pass
        return self

    def _patch(self, owner, name, fn) -> None:
        self.patches.append((owner, name, owner.__dict__[name]))
        setattr(owner, name, fn)

    def stop(self) -> None:
        if not self.active:
            return
        self.active = False
        for h in self.handles:
            h.remove()
        self.handles.clear()
        for owner, name, orig in reversed(self.patches):
            setattr(owner, name, orig)
        self.patches.clear()
        self.resolve_names()
        self.pending.clear()
        if self.ended.get("how") == "running":
            self.ended = {"how": "completed"}
        self.ended.setdefault("seconds", round(time.perf_counter() - self.started_at, 3))
        self.ended.setdefault("steps", self.steps)

    # ------------------------------------------------------------------ hooks
    def _kind(self, module: nn.Module) -> Optional[str]:
        cls = type(module)
        try:
            return self.kind_cache[cls]
        except KeyError:
            pass
        kind: Optional[str] = None
        if issubclass(cls, _BatchNorm):
            # A subclass that writes its own forward (seed 004's `BatchNorm2d_new`) computes
            # whatever it computes: its gradient is checked like any custom normalisation's.
            kind = "custom" if _overrides_forward(cls) else "bn"
        elif not (cls.__module__ or "").startswith("torch.") and not issubclass(cls, _NormBase):
            if _NORM_CLASS_RE.search(cls.__name__) and not any(True for _ in module.children()):
                kind = "custom"
            elif self.custom_norm_sites and self._class_flagged(cls):
                kind = "custom"
        self.kind_cache[cls] = kind
        return kind

    def _class_flagged(self, cls) -> bool:
        import inspect

        try:
            path = os.path.abspath(inspect.getsourcefile(cls) or "")
            lines, start = inspect.getsourcelines(cls)
        except (OSError, TypeError):
            return False
        return any(os.path.abspath(p) == path and start <= ln < start + len(lines) for p, ln in self.custom_norm_sites)

    def _state(self, module: nn.Module, kind: str) -> ModState:
        key = id(module)
        st = self.mods.get(key)
        if st is None or st.ref() is not module:
            st = ModState(module, key, kind, self.sites.get(key))
            self.mods[key] = st
            self.unnamed = True
        return st

    def _pre(self, module, args):
        if self.in_probe:
            return None
        depth = self.depth
        self.depth = depth + 1
        if depth == 0:
            key = id(module)
            r = self.roots.get(key)
            if r is None or r[0]() is not module:
                r = [weakref.ref(module), type(module).__name__, 0, 0]
                self.roots[key] = r
            r[3] += 1
            self.root_key = key
            self.root_training = module.training
            self.root_grad = torch.is_grad_enabled()
            if self.root_grad and module.training:
                r[2] += 1
            self.root_eval_fn = False
            if module.training:  # is the model called from an evaluation function (validate, evaluate, test...)?
                f = sys._getframe(1)
                while f is not None and f.f_code.co_filename.startswith(_TORCH_DIR):
                    f = f.f_back
                if f is not None:
                    c = f.f_code
                    v = self.code_cache.get(c)
                    if v is None:
                        v = self.code_cache[c] = is_eval_frame(c.co_filename, c.co_name) and _is_user_file(c.co_filename)
                    if not v and self.watch_sites and (c.co_filename, f.f_lineno) in self.watch_sites:
                        v = True  # the evaluation call site a static BN001 finding points at
                    self.root_eval_fn = v
        kind = self._kind(module)
        if kind is None or not args or not isinstance(args[0], torch.Tensor):
            return None
        x = args[0]
        if kind == "custom":
            if module.training and torch.is_grad_enabled() and x.dim() >= 2:
                st = self._state(module, kind)
                st.calls += 1
                st.train_grad += 1
                if st.grad_checks < GRAD_CHECKS_PER_MODULE:
                    self.pending[id(module)] = ("custom", st, x)
            return None
        st = self._state(module, kind)
        st.calls += 1
        st.root_key = self.root_key
        training = module.training
        grad = torch.is_grad_enabled()
        shape = x.shape
        ndim = len(shape)
        n = shape[0] if ndim else 1
        c = shape[1] if ndim > 1 else 1
        count = x.numel() // c if c else 0
        momentum = module.momentum
        st.momentum = momentum
        bn_live = training or not module.track_running_stats or module.running_mean is None
        if not training:
            if momentum == 0:
                st.mom0_eval_calls += 1
            if grad:
                st.eval_grad += 1
                if self.root_training:
                    self.step_frozen += 1
                else:
                    self.step_eval += 1
                    self.step_eval_modules[id(module)] = self.step_eval_modules.get(id(module), 0) + 1
            else:
                st.eval_nograd += 1
            if self.swa_members and id(module) in self.swa_members:
                self._check_swa(module, st)
            return None
        # ---- train mode
        st.train_momentum = momentum
        if not bn_live:
            return None
        weight, bias = module.weight, module.bias
        frozen = weight is not None and not weight.requires_grad and (bias is None or not bias.requires_grad)
        st.frozen = frozen
        if st.min_count is None or count < st.min_count:
            st.min_count = count
        sample = None
        if grad:
            st.train_grad += 1
            self.step_train += 1
            st.bs_hist[n] += 1
            if count < self.tiny or n < self.tiny:
                st.tiny_calls += 1
                if st.stacks["BN005"] < STACKS_PER_KIND:
                    st.stacks["BN005"] += 1
                    stack, _ = user_stack(2)
                    self._event("BN005", st, stack, {"batch_size": n, "per_channel": count, "shape": list(shape)})
            if count <= 1:
                stack, _ = user_stack(2)
                self.pending[id(module)] = ("raise", st, stack, list(shape))
            if st.explicit_eval:
                st.reenabled_calls += 1
                if st.stacks["BN014"] < STACKS_PER_KIND:
                    st.stacks["BN014"] += 1
                    stack, _ = user_stack(2)
                    self._event("BN014", st, stack, {"explicit_eval_site": st.explicit_eval_site, "train_call": self.last_mode_call.get("train")})
            # (Also with momentum 0, seed 002's set-up: the running statistics stay still, but the
            # layer normalises with batch statistics all the same; the sample measures both.)
            if frozen and module.track_running_stats and module.running_mean is not None:
                st.frozen_calls += 1
                if st.samples["BN004"] < SAMPLES_PER_KIND:
                    st.samples["BN004"] += 1
                    sample = "BN004"
            if self.root_eval_fn and st.stacks["BN001"] < STACKS_PER_KIND:
                st.stacks["BN001"] += 1
                stack, recal = user_stack(2)
                if not recal:
                    self._event("BN001", st, stack, {"root": self.root_key, "root_grad": True})
                    if sample is None and st.samples["BN001"] < SAMPLES_PER_KIND:
                        st.samples["BN001"] += 1
                        sample = "BN001"
            if self.snapshots and module.running_mean is not None:
                st.snap = (st.train_grad, module.running_mean.detach().clone())
        else:
            st.train_nograd += 1
            legit = momentum is None or st.last_reset_step == self.steps
            stack = None
            if not legit and self.nograd_stacks < MAX_NOGRAD_STACKS:
                self.nograd_stacks += 1
                stack, recal = user_stack(2)
                legit = recal
            if legit:
                st.legit_nograd += 1
            else:
                st.nograd_flagged += 1
                if stack is not None:
                    self._event("BN001", st, stack, {"root": self.root_key, "root_grad": self.root_grad, "inference_mode": torch.is_inference_mode_enabled()})
                    if st.samples["BN001"] < SAMPLES_PER_KIND:
                        st.samples["BN001"] += 1
                        sample = "BN001"
        if momentum == 0:
            st.mom0_calls += 1
            if st.stacks["BN002"] < STACKS_PER_KIND:
                st.stacks["BN002"] += 1
                stack, _ = user_stack(2)
                self._event("BN002", st, stack, {})
            if sample is None and st.samples["BN002"] < SAMPLES_PER_KIND:
                st.samples["BN002"] += 1
                sample = "BN002"
        if sample is not None and module.running_mean is not None:
            self.pending[id(module)] = (sample, st, x, module.running_mean.detach().clone(), module.running_var.detach().clone())
        return None

    def _post(self, module, args, output):
        if self.in_probe:
            return None
        self.depth = max(0, self.depth - 1)
        if self.pending:
            p = self.pending.pop(id(module), None)
            if p is not None:
                try:
                    self._finish_sample(module, p, output)
                except Exception as exc:  # never break the user's run
                    self.ended.setdefault("warnings", []).append(f"sample failed: {type(exc).__name__}: {exc}")
        if self.depth == 0 and self.unnamed:
            self.resolve_names()
        return None

    def _finish_sample(self, module, p, output) -> None:
        what = p[0]
        if what == "raise":
            if output is None:
                _, st, stack, shape = p
                self._event("BN005", st, stack, {"raised": True, "shape": shape, "batch_size": shape[0] if shape else 1})
            return
        if output is None or not isinstance(output, torch.Tensor):
            return
        if what == "custom":
            _, st, x = p
            st.grad_checks += 1
            self._grad_check(module, st, x, output)
            return
        _, st, x, rm, rv = p
        with torch.no_grad():
            delta = float((module.running_mean - rm).abs().max().item())
            ev_out = F.batch_norm(x, rm, rv, module.weight, module.bias, False, 0.0, module.eps)
            diff = float((output.detach() - ev_out).abs().max().item())
        ev = next((e for k, e in self.events.items() if k[0] == what and k[1] == st.key), None)
        if ev is None:
            ev = self._event(what, st, [], {})
        ev.setdefault("samples", []).append({"running_mean_change": delta, "train_eval_diff": diff, "batch_size": int(x.shape[0])})

    def _event(self, code: str, st: ModState, stack, extra: Dict[str, Any]) -> Dict[str, Any]:
        loc = tuple(stack[0][:2]) if stack else None
        k = (code, st.key, loc)
        ev = self.events.get(k)
        if ev is None:
            ev = {"code": code, "module": st.key, "stack": stack, "count": 0, "step": self.steps}
            ev.update(extra)
            self.events[k] = ev
        elif extra.get("raised"):
            ev["raised"] = True
        ev["count"] += 1
        return ev

    def _on_step(self, optimizer, args, kwargs) -> None:
        self.steps += 1
        if self.step_eval and not self.step_train:
            mode = "eval"
        elif self.step_frozen:
            mode = "frozen"
        elif self.step_train:
            mode = "train"
        else:
            mode = "none"
        if self.step_modes and self.step_modes[-1][0] == mode and self.step_modes[-1][2] == self.steps - 1:
            self.step_modes[-1][2] = self.steps
        else:
            self.step_modes.append([mode, self.steps, self.steps, list(self.step_eval_modules)[:64], self.last_mode_call.get("eval") if mode == "eval" else None])
        self.step_train = self.step_frozen = self.step_eval = 0
        if self.step_eval_modules:
            self.step_eval_modules = {}
        if self.max_steps is not None and self.steps >= self.max_steps:
            self.ended = {"how": "max-steps", "detail": f"stopped after {self.steps} optimizer steps (--max-steps)"}
            raise StopTracing()

    def _on_mode_call(self, mod: nn.Module, mode: bool) -> None:
        if isinstance(mod, _BatchNorm):
            st = self._state(mod, "bn")
            if not mode:
                stack, _ = user_stack(3, 1)
                st.explicit_eval = True
                st.explicit_eval_site = stack[0][:2] if stack else None
            else:
                st.explicit_eval = False
            return
        stack, _ = user_stack(3, 3)
        call = {"root": id(mod), "cls": type(mod).__name__, "mode": "train" if mode else "eval", "step": self.steps, "stack": stack}
        self.last_mode_call[call["mode"]] = call
        if len(self.mode_calls) < MAX_MODE_CALLS:
            self.mode_calls.append(call)

    # ------------------------------------------------------------------ SWA
    def _on_swa_update(self, avg) -> None:
        s = self.swa.get(id(avg))
        if s is None:
            s = {"ref": weakref.ref(avg), "updates": 0, "use_buffers": bool(getattr(avg, "use_buffers", False)), "site": None}
            self.swa[id(avg)] = s
            for m in avg.modules():
                if isinstance(m, _BatchNorm):
                    self.swa_members[id(m)] = id(avg)
        s["updates"] += 1
        s["last_update"] = time.perf_counter()
        s["last_update_step"] = self.steps
        for m in avg.modules():
            if isinstance(m, _BatchNorm):
                st = self._state(m, "bn")
                st.eval_since_step = None
                st.samples["SWA_cal"] = st.legit_nograd + st.train_nograd + st.train_grad

    def _check_swa(self, module, st: ModState) -> None:
        s = self.swa.get(self.swa_members[id(module)])
        if s is None or s["use_buffers"] or not s["updates"]:
            return
        if st.train_nograd + st.train_grad > st.samples["SWA_cal"]:
            return  # the averaged model's BN statistics were recomputed after the last update
        if st.stacks["BN900"] < STACKS_PER_KIND:
            st.stacks["BN900"] += 1
            stack, _ = user_stack(3)
            self._event("BN900", st, stack, {"updates": s["updates"]})

    # ------------------------------------------------------------------ BN003
    def _grad_check(self, module, st: ModState, x, output) -> None:
        if output.shape != x.shape or x.dim() < 2 or x.shape[1] < 1 or not x.is_floating_point():
            return
        self.in_probe = True
        try:
            res = gradient_property(module, x.detach())
        finally:
            self.in_probe = False
        if res is None:
            return
        st.samples["grad_check"] += 1
        if res["bn_like"] and res["custom_violation"] > 0.05 and res["reference_violation"] < 1e-3:
            stack, _ = user_stack(3)
            ev = self._event("BN003", st, stack, {})
            ev.setdefault("samples", []).append(res)
        else:
            st.samples["grad_ok"] += 1

    # ------------------------------------------------------------------ names
    def resolve_names(self) -> None:
        self.unnamed = False
        missing = {k for k, st in self.mods.items() if st.name is None}
        if not missing:
            return
        for key, r in list(self.roots.items()):
            root = r[0]()
            if root is None:
                continue
            base = root
            prefix = ""
            inner = getattr(root, "module", None)
            if isinstance(inner, nn.Module) and type(root).__name__ in ("DistributedDataParallel", "DataParallel"):
                base = inner
            try:
                for name, m in base.named_modules():
                    st = self.mods.get(id(m))
                    if st is not None and st.name is None and st.ref() is m:
                        st.name = prefix + (name or type(m).__name__)
                        missing.discard(id(m))
            except Exception:
                continue
            if not missing:
                return

    # ------------------------------------------------------------------ export
    def export(self) -> Dict[str, Any]:
        self.resolve_names()
        mods = []
        for key, st in self.mods.items():
            rm = None
            if st.snap is not None:
                rm = {"call": st.snap[0], "values": [float(v) for v in st.snap[1].float().cpu().tolist()[:4096]]}
            mods.append(
                {
                    "key": key, "name": st.name or st.cls, "cls": st.cls, "kind": st.kind, "site": st.site,
                    "calls": st.calls, "train_grad": st.train_grad, "train_nograd": st.train_nograd,
                    "eval_grad": st.eval_grad, "eval_nograd": st.eval_nograd,
                    "bs_hist": {str(k): v for k, v in sorted(st.bs_hist.items())}, "min_count": st.min_count,
                    "tiny_calls": st.tiny_calls, "mom0_calls": st.mom0_calls, "frozen_calls": st.frozen_calls,
                    "mom0_eval_calls": st.mom0_eval_calls, "train_momentum": st.train_momentum,
                    "legit_nograd": st.legit_nograd, "nograd_flagged": st.nograd_flagged, "momentum": st.momentum,
                    "track_running_stats": st.track, "affine": st.affine,
                    "frozen": st.frozen, "reenabled_calls": st.reenabled_calls, "explicit_eval_site": st.explicit_eval_site,
                    "root": st.root_key, "grad_checks": st.samples["grad_check"], "grad_ok": st.samples["grad_ok"],
                    "snapshot": rm,
                }
            )
        events = []
        for ev in self.events.values():
            ev = dict(ev)
            events.append(ev)
        roots = {str(k): {"cls": r[1], "grad_train_calls": r[2], "calls": r[3]} for k, r in self.roots.items()}
        return {
            "version": 1,
            "rank": self.rank,
            "world_size": self.world_size,
            "run_id": os.environ.get("TORCHELASTIC_RUN_ID"),
            "ended": dict(self.ended),
            "steps": self.steps,
            "step_modes": self.step_modes,
            "mode_calls": self.mode_calls,
            "modules": mods,
            "events": events,
            "roots": roots,
            "tiny_batch_size": self.tiny,
        }


def _channel_dims(x) -> List[int]:
    return [0] + list(range(2, x.dim()))


def gradient_property(module: nn.Module, x) -> Optional[Dict[str, Any]]:
    """The per-channel input-gradient property of batch normalisation, for ``module`` and for
    ``F.batch_norm`` on the same input: true BN input-gradients sum to ~0 per channel and are
    orthogonal to (x - mean); normalising with detached statistics violates both."""
    dims = _channel_dims(x)
    saved = {k: b.detach().clone() for k, b in module.named_buffers(recurse=False) if b is not None}
    gen = torch.Generator(device="cpu").manual_seed(0)
    try:
        with torch.enable_grad():
            xx = x.detach().clone().float().requires_grad_(True)
            out = module.forward(xx.to(x.dtype) if x.dtype != torch.float32 else xx)
            if not isinstance(out, torch.Tensor) or out.shape != x.shape or not out.requires_grad:
                return None
            xr = x.detach().clone().float().requires_grad_(True)
            ref = F.batch_norm(xr, None, None, None, None, True, 0.0, float(getattr(module, "eps", 1e-5) or 1e-5))
            with torch.no_grad():
                o = out.detach().float().transpose(0, 1).reshape(x.shape[1], -1)
                r = ref.detach().transpose(0, 1).reshape(x.shape[1], -1)
                rc = r - r.mean(1, keepdim=True)
                oc = o - o.mean(1, keepdim=True)
                a = (oc * rc).sum(1, keepdim=True) / (rc * rc).sum(1, keepdim=True).clamp_min(1e-12)
                resid = (oc - a * rc).norm() / oc.norm().clamp_min(1e-12)
                bn_like = bool(resid.item() < 1e-2)
                noise = torch.randn(x.shape, generator=gen).to(x.device)
                xc = xx.detach() - xx.detach().mean(dim=dims, keepdim=True)
                g1 = 1.0 + 0.1 * noise
                g2 = xc / xc.abs().amax().clamp_min(1e-12) + 0.1 * noise

            def violation(o_, inp, g, g2_):
                d1, = torch.autograd.grad(o_, inp, g.to(o_.dtype), retain_graph=True)
                d2, = torch.autograd.grad(o_, inp, g2_.to(o_.dtype), retain_graph=True)
                d1, d2 = d1.float(), d2.float()
                s1 = (d1.sum(dims).abs() / d1.abs().sum(dims).clamp_min(1e-20)).max()
                prod = d2 * xc
                s2 = (prod.sum(dims).abs() / prod.abs().sum(dims).clamp_min(1e-20)).max()
                return float(torch.maximum(s1, s2).item())

            custom_v = violation(out, xx, g1, g2)
            ref_v = violation(ref, xr, g1, g2)
    finally:
        with torch.no_grad():
            for k, v in saved.items():
                getattr(module, k).copy_(v)
    return {"bn_like": bn_like, "custom_violation": custom_v, "reference_violation": ref_v, "shape": list(x.shape)}


def _overrides_forward(cls: type) -> bool:
    """Does a class outside torch, in ``cls``'s MRO up to torch's own classes, define `forward`?"""
    for klass in cls.__mro__:
        if (klass.__module__ or "").startswith("torch."):
            return False
        if "forward" in vars(klass):
            return True
    return False

