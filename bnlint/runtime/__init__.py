"""Runtime mode (`bnlint trace`): confirms static findings by watching PyTorch run. Needs `bnlint[runtime]`.

Python API::

    import bnlint.runtime

    with bnlint.runtime.trace(max_steps=None) as t:
        train(model, loader)
    for f in t.findings():
        print(f.code, f.runtime["status"], f.runtime["evidence"])
    print(t.report())

    report = bnlint.runtime.check_model(model, example_batch, device="cpu")
    report.findings()

torch is imported only when one of these is used, never by ``import bnlint.runtime``.
"""
from __future__ import annotations

import io
import json
from typing import Any, Dict, List, Optional, Sequence

__all__ = ["trace", "Trace", "check_model"]


class Trace:
    """A tracing session; use as a context manager (``bnlint.runtime.trace()``)."""

    def __init__(self, max_steps: Optional[int] = None, tiny_batch_size: int = 8, static: Sequence[Any] = (), rank: Optional[int] = None) -> None:
        self.max_steps = max_steps
        self.tiny_batch_size = tiny_batch_size
        self.static = list(static)
        self.rank = rank
        self.tracer = None
        self.data: Optional[Dict[str, Any]] = None

    def __enter__(self) -> "Trace":
        from bnlint.runtime.observe import Tracer

        sites = [(f.path, f.line) for f in self.static if getattr(f, "code", "") == "BN003"]
        self.tracer = Tracer(self.max_steps, self.tiny_batch_size, sites, self.rank)
        import os

        self.tracer.watch_sites = {(os.path.abspath(f.path), f.line) for f in self.static if getattr(f, "code", "") == "BN001"}
        self.tracer.start()
        return self

    def __exit__(self, et, ev, tb) -> bool:
        from bnlint.runtime.observe import StopTracing, TraceTimeout

        tr = self.tracer
        suppress = False
        if et is None:
            tr.ended = {"how": "completed"} if tr.ended.get("how") == "running" else tr.ended
        elif issubclass(et, StopTracing):
            suppress = True
        elif issubclass(et, TraceTimeout):
            tr.ended = {"how": "timeout", "detail": str(ev) or "the time limit expired"}
            suppress = True
        elif issubclass(et, KeyboardInterrupt):
            tr.ended = {"how": "interrupted", "detail": "KeyboardInterrupt"}
        elif issubclass(et, SystemExit):
            tr.ended = {"how": "exit", "detail": f"SystemExit({ev.code!r})"}
        else:
            tr.ended = {"how": "exception", "detail": f"{et.__name__}: {ev}"}
        tr.stop()
        self.data = tr.export()
        return suppress

    def export(self) -> Dict[str, Any]:
        if self.data is not None:
            return self.data
        if self.tracer is None:
            raise RuntimeError("the trace has not started")
        return self.tracer.export()

    def findings(self, static: Optional[Sequence[Any]] = None) -> List[Any]:
        from bnlint.runtime.report import join

        return join(self.static if static is None else list(static), [self.export()])

    def report(self, format: str = "text") -> str:
        from bnlint.runtime.report import format_text, run_summary

        findings = self.findings()
        if format == "json":
            return json.dumps([f.to_json() for f in findings], indent=2)
        buf = io.StringIO()
        format_text(findings, run_summary([self.export()]), buf)
        return buf.getvalue()


def trace(max_steps: Optional[int] = None, tiny_batch_size: int = 8, static: Sequence[Any] = ()) -> Trace:
    """Watch every BatchNorm forward and optimizer step inside the ``with`` block."""
    return Trace(max_steps=max_steps, tiny_batch_size=tiny_batch_size, static=static)


def check_model(model, example_batch, device: str = "auto", tiny_batch_size: int = 8):
    """Run a few train/eval probes on a copy of ``model`` with ``example_batch``; see ``probe.check_model``."""
    from bnlint.runtime.probe import check_model as _check

    return _check(model, example_batch, device=device, tiny_batch_size=tiny_batch_size)
