"""``check_model``: train/eval probes on a copy of a model, without a training script."""
from __future__ import annotations

import copy
import io
import json
import os
from typing import Any, Dict, List, Optional

import torch
import torch.nn as nn
from torch.nn.modules.batchnorm import _BatchNorm

from bnlint.rule import Finding
from bnlint.runtime.observe import Tracer
from bnlint.runtime.report import Issue, _dedupe, format_text, issues_from_trace, rule_meta


def resolve_device(device: Optional[str]) -> torch.device:
    if not device or device == "auto":  # `bnlint trace --device` sets BNLINT_DEVICE for check_model calls in the script
        device = os.environ.get("BNLINT_DEVICE") or "auto"
    if device == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    if device.startswith("cuda") and not torch.cuda.is_available():
        raise ValueError("--device cuda was asked for but torch.cuda.is_available() is False")
    return torch.device(device)


def _to(batch, device):
    if isinstance(batch, torch.Tensor):
        return batch.to(device)
    if isinstance(batch, (tuple, list)):
        return type(batch)(_to(b, device) for b in batch)
    if isinstance(batch, dict):
        return {k: _to(v, device) for k, v in batch.items()}
    return batch


def _call(model, batch):
    if isinstance(batch, (tuple, list)):
        return model(*batch)
    if isinstance(batch, dict):
        return model(**batch)
    return model(batch)


def _first(batch, n):
    if isinstance(batch, torch.Tensor):
        return batch[:n]
    if isinstance(batch, (tuple, list)):
        return type(batch)(_first(b, n) for b in batch)
    if isinstance(batch, dict):
        return {k: _first(v, n) for k, v in batch.items()}
    return batch


def _tensors(out) -> List[torch.Tensor]:
    if isinstance(out, torch.Tensor):
        return [out]
    if isinstance(out, (tuple, list)):
        return [t for o in out for t in _tensors(o)]
    if isinstance(out, dict):
        return [t for o in out.values() for t in _tensors(o)]
    return []


class ModelCheck:
    def __init__(self, findings: List[Finding], probes: Dict[str, Any]) -> None:
        self._findings = findings
        self.probes = probes

    def findings(self) -> List[Finding]:
        return list(self._findings)

    def report(self, format: str = "text") -> str:
        if format == "json":
            return json.dumps({"findings": [f.to_json() for f in self._findings], "probes": self.probes}, indent=2, default=str)
        buf = io.StringIO()
        format_text(self._findings, {"how": "check_model", "steps": 0}, buf)
        for k, v in self.probes.items():
            buf.write(f"probe {k}: {v}\n")
        return buf.getvalue()


def check_model(model: nn.Module, example_batch, device: Optional[str] = "auto", tiny_batch_size: int = 8) -> ModelCheck:
    dev = resolve_device(device)
    m = copy.deepcopy(model).to(dev)
    batch = _to(example_batch, dev)
    names = {id(mod): n or type(mod).__name__ for n, mod in m.named_modules()}
    probes: Dict[str, Any] = {"device": str(dev)}
    issues: List[Issue] = []

    # 1. one traced train-mode step: momentum 0, frozen parameters with moving stats, custom-norm gradient check
    tracer = Tracer(None, tiny_batch_size).start()
    try:
        m.train()
        out = _call(m, batch)
        ts = [t for t in _tensors(out) if t.is_floating_point() and t.requires_grad]
        if ts:
            sum(t.float().square().mean() for t in ts).backward()
    finally:
        tracer.stop()
    m.zero_grad(set_to_none=True)
    data = tracer.export()
    for iss in issues_from_trace(data):
        if iss.code in ("BN002", "BN003", "BN004"):
            issues.append(iss)

    # 2. train- vs eval-mode outputs on the same batch (evaluating without .eval() changes predictions)
    state = copy.deepcopy(m.state_dict())
    with torch.no_grad():
        m.eval()
        e = _tensors(_call(m, batch))
        m.train()
        t = _tensors(_call(m, batch))
    m.load_state_dict(state)
    diff = max((float((a.float() - b.float()).abs().max().item()) for a, b in zip(e, t) if a.shape == b.shape), default=0.0)
    n_bn = sum(1 for mod in m.modules() if isinstance(mod, _BatchNorm))
    probes["batchnorm_modules"] = n_bn
    probes["train_eval_max_output_diff"] = diff

    # 3. a batch of one in train mode
    try:
        with torch.no_grad():
            m.train()
            _call(m, _first(batch, 1))
        probes["batch_of_one_train"] = "ok"
    except ValueError as exc:
        probes["batch_of_one_train"] = f"raised: {exc}"
        if "Expected more than 1 value per channel" in str(exc):
            bad = [names[id(mod)] for mod in m.modules() if isinstance(mod, _BatchNorm)]
            iss = Issue(
                "BN005", "<model>", 1,
                "A batch of one raises in train mode: a BatchNorm layer sees a single value per channel (use drop_last=True for the training loader, or GroupNorm/LayerNorm).",
                f"A train-mode forward of a batch of one raised ValueError: {exc}; the model has {n_bn} BatchNorm module(s) (e.g. `{bad[-1] if bad else '?'}`).",
            )
            iss.observations.append({"probe": "batch_of_one", "error": str(exc)})
            issues.append(iss)
    m.load_state_dict(state)

    findings: List[Finding] = []
    for iss in _dedupe(issues):
        name, sev = rule_meta(iss.code)
        findings.append(
            Finding(
                code=iss.code, name=name, severity=sev, message=iss.message, path=iss.path or "<model>", line=iss.line or 1, column=1,
                end_line=iss.line or 1, end_column=1,
                runtime={"status": "confirmed", "evidence": iss.evidence, "observations": iss.observations, "runtime_only": True},
            )
        )
    return ModelCheck(findings, probes)
