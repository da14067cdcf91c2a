"""Turn exported traces into findings, and join them with the static findings of the traced files.

Pure Python: works on the JSON-able dicts that ``Tracer.export()`` produces (one per rank), so the
merge of a torchrun job's traces happens here without torch.
"""
from __future__ import annotations

import os
from dataclasses import dataclass, field
from typing import Any, Dict, Iterable, List, Optional, Sequence, Set, Tuple

from bnlint.records import replace
from bnlint.rule import Finding

RUNTIME_CODES = ("BN001", "BN002", "BN003", "BN004", "BN005", "BN006", "BN014")
RUNTIME_ONLY = {
    "BN900": ("stale-swa-bn-stats", "warning"),
    "BN901": ("ddp-bn-stat-divergence", "warning"),
}
FALLBACK_NAMES = {
    "BN001": ("missing-eval", "error"),
    "BN002": ("momentum-zero-freeze", "error"),
    "BN003": ("detached-norm-stats", "error"),
    "BN004": ("frozen-bn-train-mode", "warning"),
    "BN005": ("tiny-batch-bn", "warning"),
    "BN006": ("eval-not-restored", "error"),
    "BN014": ("train-reenables-frozen-bn", "warning"),
}
_FORWARD_FUNCS = {"forward", "_forward", "_forward_impl", "__call__", "_call_impl", "_wrapped_call_impl", "<lambda>"}
DIVERGENCE_REL = 1e-3


@dataclass
class Issue:
    code: str
    path: str
    line: int
    message: str
    evidence: str
    observations: List[Dict[str, Any]] = field(default_factory=list)
    locations: Set[Tuple[str, int]] = field(default_factory=set)
    files: Set[str] = field(default_factory=set)
    runtime_only_ok: bool = True  # may be reported without a static finding

    def add_stack(self, stack: Optional[Iterable[Sequence[Any]]]) -> None:
        for fr in stack or ():
            p = os.path.abspath(fr[0])
            self.locations.add((p, int(fr[1])))
            self.files.add(p)


def _fmt(x: float) -> str:
    if x == 0:
        return "0"
    if abs(x) >= 100 or abs(x) < 1e-3:
        return f"{x:.2e}"
    return f"{x:.3g}"


def _loc(fr: Optional[Sequence[Any]]) -> str:
    if not fr:
        return "an unknown place"
    return f"{os.path.basename(str(fr[0]))}:{fr[1]}"


def _anchor(stack: Optional[List[List[Any]]]) -> Optional[List[Any]]:
    """The first user frame that is not a module's forward: the call of the model."""
    if not stack:
        return None
    for fr in stack:
        if fr[2] not in _FORWARD_FUNCS:
            return fr
    return stack[-1]


def _eval_named(stack) -> bool:
    from bnlint.runtime.names import is_eval_frame

    return any(is_eval_frame(str(fr[0]), str(fr[2])) for fr in stack or ())


def _mod_label(m: Dict[str, Any]) -> str:
    return f"`{m['name']}` ({m['cls']})"


def _site_frame(m: Dict[str, Any]) -> Optional[List[Any]]:
    return [m["site"][0], m["site"][1], "<init>"] if m.get("site") else None


def _obs(m: Dict[str, Any], rank, **extra) -> Dict[str, Any]:
    o = {"module": m["name"], "class": m["cls"]}
    if m.get("site"):
        o["constructed_at"] = f"{m['site'][0]}:{m['site'][1]}"
    if rank is not None:
        o["rank"] = rank
    o.update(extra)
    return o


# A train- vs eval-mode output difference above this (on the same batch) means the layer normalised
# with batch statistics, not its running ones.
_BATCH_STATS_DIFF = 1e-3
# Rules whose runtime observations carry the finding's own line (the forward's call stack).
_LOCATION_ONLY = frozenset({"BN001"})


def issues_from_trace(tr: Dict[str, Any]) -> List[Issue]:
    rank = tr.get("rank")
    mods = {m["key"]: m for m in tr.get("modules", [])}
    roots = tr.get("roots", {})
    events = tr.get("events", [])
    out: List[Issue] = []

    # ---- BN001: train-mode forwards with grad disabled (evaluation without .eval())
    groups: Dict[Tuple, List[Dict[str, Any]]] = {}
    for ev in events:
        if ev["code"] == "BN001":
            a = _anchor(ev.get("stack"))
            groups.setdefault(tuple(a[:2]) if a else ("?", 0), []).append(ev)
    for key, evs in groups.items():
        anchor = _anchor(evs[0].get("stack"))
        calls = sum(e["count"] for e in evs)
        ms = {e["module"] for e in evs}
        samples = [s for e in evs for s in e.get("samples", [])]
        moved = max((s["running_mean_change"] for s in samples), default=None)
        diff = max((s["train_eval_diff"] for s in samples), default=None)
        names = [mods[k]["name"] for k in ms if k in mods]
        fn = anchor[2] if anchor else "?"
        how = "with grad disabled" if not all(e.get("root_grad") for e in evs) else "from an evaluation function"
        ev_text = (
            f"{calls} BatchNorm forward(s) ran in train mode {how} at {_loc(anchor)} (in `{fn}`) across "
            f"{len(ms)} module(s) such as `{names[0] if names else '?'}`"
        )
        if moved is not None:
            ev_text += f"; running_mean moved by up to {_fmt(moved)} per call on that data and train- vs eval-mode outputs differed by up to {_fmt(diff)} on the same batch ({len(samples)} sampled call(s))"
        iss = Issue("BN001", anchor[0] if anchor else "", int(anchor[1]) if anchor else 1,
                    "The model ran BatchNorm in train mode under no_grad/inference: evaluation without `model.eval()` normalises with batch statistics and writes this data into running_mean/running_var.",
                    ev_text + ".")
        # runtime-only when the whole model call ran without grad and that model is also trained with grad
        # (a teacher/momentum encoder under no_grad inside a training step is not evaluation)
        trained_roots = any(not e.get("root_grad") and roots.get(str(e.get("root")), {}).get("grad_train_calls", 0) > 0 for e in evs)
        iss.runtime_only_ok = trained_roots or any(_eval_named(e.get("stack")) for e in evs)
        for e in evs:
            iss.add_stack(e.get("stack"))
            if e["module"] in mods:
                iss.observations.append(_obs(mods[e["module"]], rank, calls=e["count"], step=e.get("step"), call_site=_loc(_anchor(e.get("stack"))), samples=e.get("samples", [])))
        out.append(iss)

    # ---- BN002: momentum 0 in train mode
    for m in mods.values():
        if m["kind"] != "bn" or not m.get("mom0_calls"):
            continue
        evs = [e for e in events if e["code"] == "BN002" and e["module"] == m["key"]]
        samples = [s for e in evs for s in e.get("samples", [])]
        moved = max((s["running_mean_change"] for s in samples), default=0.0)
        diff = max((s["train_eval_diff"] for s in samples), default=None)
        site = _site_frame(m) or _anchor(evs[0].get("stack") if evs else None)
        text = f"{_mod_label(m)} ran {m['mom0_calls']} train-mode forward(s) with momentum=0: running_mean changed by {_fmt(moved)}"
        if diff is not None:
            text += f" while the output was normalised with batch statistics (max |train - eval| output difference {_fmt(diff)} over {len(samples)} sampled call(s))"
        iss = Issue("BN002", site[0] if site else "", int(site[1]) if site else 1,
                    "BatchNorm ran in train mode with momentum=0: running statistics stay frozen but every batch is normalised with its own statistics.", text + ".")
        iss.add_stack([site] if site else [])
        for e in evs:
            iss.add_stack(e.get("stack"))
        iss.observations.append(_obs(m, rank, train_calls=m["mom0_calls"], samples=samples))
        out.append(iss)

    # ---- BN002: momentum set to 0 for eval mode only, where BN never updates its running statistics
    toggled = [m for m in mods.values() if m["kind"] == "bn" and m.get("mom0_eval_calls") and not m.get("mom0_calls")]
    if toggled:
        m = toggled[0]
        calls = sum(t["mom0_eval_calls"] for t in toggled)
        train_calls = sum(t["train_grad"] + t["train_nograd"] for t in toggled)
        train_m = m.get("train_momentum")
        text = (
            f"{len(toggled)} BatchNorm module(s) such as {_mod_label(m)} ran {calls} eval-mode forward(s) with momentum=0, where BatchNorm "
            f"never updates running_mean/running_var whatever its momentum, and {train_calls} train-mode forward(s) with momentum="
            f"{train_m if train_m is not None else 'None'}: setting it to 0 for evaluation changed nothing"
        )
        if isinstance(train_m, float) and train_m < 0.05:
            text += f" (the train-mode momentum {train_m} is what decides how far the running statistics lag the weights)"
        site = _site_frame(m)
        iss = Issue("BN002", site[0] if site else "", int(site[1]) if site else 1,
                    "BatchNorm momentum set to 0 in eval mode only: a no-op, since eval mode never updates running statistics.", text + ".")
        iss.add_stack([site] if site else [])
        for t in toggled:
            iss.observations.append(_obs(t, rank, eval_calls_momentum0=t["mom0_eval_calls"], train_momentum=t.get("train_momentum")))
        out.append(iss)

    # ---- BN003: gradient check on custom normalisation modules
    for ev in events:
        if ev["code"] != "BN003" or ev["module"] not in mods:
            continue
        m = mods[ev["module"]]
        s = ev["samples"][0]
        site = _site_frame(m) or _anchor(ev.get("stack"))
        text = (
            f"Gradient check of {_mod_label(m)} on an observed batch of shape {tuple(s['shape'])}: its input gradients violate the batch-norm "
            f"property (per-channel sum ~0 and orthogonal to x - mean) by {_fmt(s['custom_violation'])} (relative), while `F.batch_norm` "
            f"on the same input gives {_fmt(s['reference_violation'])}: the batch statistics are cut from the graph"
        )
        iss = Issue("BN003", site[0] if site else "", int(site[1]) if site else 1,
                    "A custom normalisation module uses detached batch statistics: its gradient misses the d(mean)/dx and d(var)/dx terms.", text + ".")
        iss.add_stack(ev.get("stack"))
        iss.add_stack([site] if site else [])
        iss.observations.append(_obs(m, rank, **s))
        out.append(iss)

    # ---- BN004: frozen affine parameters in train mode: batch statistics used, running statistics moving
    frozen = [m for m in mods.values() if m["kind"] == "bn" and m.get("frozen_calls")]
    evs4 = [e for e in events if e["code"] == "BN004"]
    if frozen and evs4:
        by_root: Dict[Any, List[Dict[str, Any]]] = {}
        for m in frozen:
            by_root.setdefault(m.get("root"), []).append(m)
        for root, ms in by_root.items():
            keys = {m["key"] for m in ms}
            samples = [s for e in evs4 if e["module"] in keys for s in e.get("samples", [])]
            moved = max((s["running_mean_change"] for s in samples), default=0.0)
            diff = max((s.get("train_eval_diff") or 0.0 for s in samples), default=0.0)
            if moved <= 0 and diff <= _BATCH_STATS_DIFF:
                continue
            calls = sum(m["frozen_calls"] for m in ms)
            site = _site_frame(ms[0])
            text = (
                f"{len(ms)} BatchNorm module(s) with frozen weight/bias (requires_grad=False) such as {_mod_label(ms[0])} ran {calls} "
                f"train-mode forward(s) with grad enabled"
            )
            if moved > 0:
                text += f"; their running_mean moved by up to {_fmt(moved)} per sampled call"
            else:
                text += " with their running statistics held still (momentum=0)"
            text += f", and each batch was normalised with its own statistics: train- vs eval-mode outputs differed by up to {_fmt(diff)} on the same batch ({len(samples)} sampled call(s))"
            iss = Issue("BN004", site[0] if site else "", int(site[1]) if site else 1,
                        "Frozen BatchNorm parameters while the layers run in train mode: they normalise with batch statistics (and move their running statistics), so the layers are not frozen.", text + ".")
            iss.add_stack([site] if site else [])
            for m in ms:
                iss.add_stack([_site_frame(m)] if m.get("site") else [])
                iss.observations.append(_obs(m, rank, train_calls=m["frozen_calls"], samples=[s for e in evs4 if e["module"] == m["key"] for s in e.get("samples", [])]))
            out.append(iss)

    # ---- BN005: tiny batches in train mode / a batch of one that raised
    tiny_mods = [m for m in mods.values() if m["kind"] == "bn" and m.get("tiny_calls")]
    raised = [e for e in events if e["code"] == "BN005" and e.get("raised")]
    thr = tr.get("tiny_batch_size", 8)
    if tiny_mods or raised:
        worst = max(tiny_mods, key=lambda m: m["tiny_calls"] / max(1, m["train_grad"]), default=None)
        evs5 = [e for e in events if e["code"] == "BN005"]
        anchor = _anchor((raised or evs5)[0].get("stack")) if (raised or evs5) else None
        frac_ok = worst is not None and worst["tiny_calls"] * 2 >= max(1, worst["train_grad"])
        if raised or frac_ok:
            hist = {}
            for m in tiny_mods:
                if m is worst:
                    hist = m["bs_hist"]
            parts = []
            if worst is not None:
                parts.append(
                    f"{worst['tiny_calls']} of {worst['train_grad']} train-mode forwards of {_mod_label(worst)} had fewer than {thr} samples "
                    f"(smallest per-channel sample count {worst['min_count']}); batch sizes seen: "
                    + ", ".join(f"{k}: {v}x" for k, v in hist.items())
                )
            for e in raised[:1]:
                m = mods.get(e["module"])
                parts.append(f"a batch of one (input shape {tuple(e.get('shape', []))}) raised 'Expected more than 1 value per channel when training' in {_mod_label(m) if m else 'a BatchNorm'} at {_loc(_anchor(e.get('stack')))}")
            iss = Issue("BN005", anchor[0] if anchor else "", int(anchor[1]) if anchor else 1,
                        "BatchNorm trained with tiny batches: the batch statistics of a few samples are noise (and a batch of one raises).", "; ".join(parts) + ".")
            for e in evs5:
                iss.add_stack(e.get("stack"))
            for m in tiny_mods[:16]:
                iss.observations.append(_obs(m, rank, tiny_calls=m["tiny_calls"], train_calls=m["train_grad"], batch_sizes=m["bs_hist"], min_per_channel=m["min_count"]))
            for e in raised:
                iss.observations.append({"raised": True, "shape": e.get("shape"), "call_site": _loc(_anchor(e.get("stack")))})
            out.append(iss)

    # ---- BN006: optimizer steps with the whole model in eval mode, after train-mode steps
    modes = tr.get("step_modes", [])
    total_steps = tr.get("steps", 0)
    seen_train = False
    for run in modes:
        mode, first, last = run[0], run[1], run[2]
        if mode == "train" or mode == "frozen":
            seen_train = True
        if mode != "eval":
            continue
        call = run[4] if len(run) > 4 and run[4] else None
        if call is None:
            ev_calls = [c for c in tr.get("mode_calls", []) if c["mode"] == "eval" and c["step"] < first]
            call = ev_calls[-1] if ev_calls else None
        site = call["stack"][0] if call and call.get("stack") else None
        n = last - first + 1
        text = (
            f"{n} of {total_steps} optimizer steps (steps {first}-{last}) ran with every BatchNorm in eval mode"
            + (f" after `.eval()` at {_loc(site)}" if site else "")
            + ("; earlier steps ran in train mode" if seen_train else "")
        )
        iss = Issue("BN006", site[0] if site else "", int(site[1]) if site else 1,
                    "Training continued with the model in eval mode: BatchNorm used frozen running statistics (and dropout was off) during optimizer steps.", text + ".")
        iss.runtime_only_ok = seen_train
        if call:
            iss.add_stack(call.get("stack"))
        iss.observations.append({"steps": [first, last], "eval_call": _loc(site) if site else None, "rank": rank})
        out.append(iss)
        break

    # ---- BN014: BN put in eval explicitly, re-enabled by a parent's .train()
    re_mods = [m for m in mods.values() if m.get("reenabled_calls")]
    if re_mods:
        evs14 = sorted((e for e in events if e["code"] == "BN014"), key=lambda e: e.get("step", 0))
        call = evs14[0].get("train_call") if evs14 else None
        if call is None:
            first_step = evs14[0].get("step", 0) if evs14 else 0
            tcalls = [c for c in tr.get("mode_calls", []) if c["mode"] == "train" and c["step"] <= first_step]
            call = tcalls[-1] if tcalls else None
        site = call["stack"][0] if call and call.get("stack") else None
        m0 = re_mods[0]
        es = m0.get("explicit_eval_site")
        text = (
            f"{len(re_mods)} BatchNorm module(s) put in eval mode explicitly (e.g. {_mod_label(m0)}"
            + (f" at {os.path.basename(es[0])}:{es[1]}" if es else "")
            + f") ran {sum(m['reenabled_calls'] for m in re_mods)} train-mode forward(s) with grad enabled"
            + (f" after `.train()` at {_loc(site)} re-enabled them" if site else "")
        )
        anchor = site or ([es[0], es[1]] if es else None)
        iss = Issue("BN014", anchor[0] if anchor else "", int(anchor[1]) if anchor else 1,
                    "`.train()` on a parent module silently re-enabled BatchNorm layers that were frozen with `.eval()`.", text + ".")
        if call:
            iss.add_stack(call.get("stack"))
        for m in re_mods:
            if m.get("explicit_eval_site"):
                iss.add_stack([list(m["explicit_eval_site"]) + ["<eval>"]])
            iss.observations.append(_obs(m, rank, train_calls_after_reenable=m["reenabled_calls"]))
        out.append(iss)

    # ---- BN900: AveragedModel evaluated with stale BN statistics
    evs9 = [e for e in events if e["code"] == "BN900"]
    if evs9:
        anchor = _anchor(evs9[0].get("stack"))
        ms = {e["module"] for e in evs9}
        calls = sum(e["count"] for e in evs9)
        text = (
            f"An AveragedModel ({evs9[0].get('updates')} update_parameters call(s)) ran {calls} eval-mode forward(s) over {len(ms)} BatchNorm "
            f"module(s) whose running statistics were never recomputed after the last update (no `update_bn`)"
        )
        iss = Issue("BN900", anchor[0] if anchor else "", int(anchor[1]) if anchor else 1,
                    "Stale BatchNorm statistics after `AveragedModel`: the averaged weights were evaluated with running stats that do not belong to them; call `torch.optim.swa_utils.update_bn(loader, swa_model)` first.", text + ".")
        for e in evs9:
            iss.add_stack(e.get("stack"))
            if e["module"] in mods:
                iss.observations.append(_obs(mods[e["module"]], rank, calls=e["count"]))
        out.append(iss)
    return out


def divergence_issues(traces: Sequence[Dict[str, Any]]) -> List[Issue]:
    """Per-rank running-stat divergence: compare each rank's pre-forward snapshot of running_mean at the same call."""
    if len(traces) < 2:
        return []
    by_name: Dict[Tuple[str, str], Dict[Any, Dict[str, Any]]] = {}
    for tr in traces:
        for m in tr.get("modules", []):
            if m.get("snapshot"):
                by_name.setdefault((m["name"], m["cls"]), {})[tr.get("rank")] = m
    worst = None
    for (name, cls), per_rank in by_name.items():
        if len(per_rank) < 2:
            continue
        ranks = sorted(per_rank, key=lambda r: (r is None, r))
        base = per_rank[ranks[0]]
        b = base["snapshot"]["values"]
        scale = max(1e-12, sum(abs(v) for v in b) / max(1, len(b)))
        for r in ranks[1:]:
            o = per_rank[r]["snapshot"]
            if o["call"] != base["snapshot"]["call"] or len(o["values"]) != len(b):
                continue
            d = max(abs(x - y) for x, y in zip(b, o["values"]))
            rel = d / scale
            if rel > DIVERGENCE_REL and (worst is None or rel > worst[0]):
                worst = (rel, d, base, per_rank[r], ranks[0], r, len(per_rank))
    if worst is None:
        return []
    rel, d, base, other, r0, r1, n = worst
    site = _site_frame(base)
    text = (
        f"running_mean of {_mod_label(base)} differs between rank {r0} and rank {r1} by up to {_fmt(d)} ({_fmt(rel)} relative to its mean "
        f"magnitude) before the same forward call (call {base['snapshot']['call']}) across {n} ranks: each rank keeps its own BatchNorm statistics"
    )
    iss = Issue("BN901", site[0] if site else "", int(site[1]) if site else 1,
                "BatchNorm running statistics diverge across DDP ranks (no SyncBatchNorm, buffers not broadcast): each rank evaluates and checkpoints different statistics.", text + ".")
    iss.add_stack([site] if site else [])
    iss.observations.append({"module": base["name"], "ranks": [r0, r1], "max_abs_diff": d, "relative": rel, "call": base["snapshot"]["call"]})
    return [iss]


def _dedupe(issues: List[Issue]) -> List[Issue]:
    out: Dict[Tuple[str, str, int], Issue] = {}
    for i in issues:
        k = (i.code, os.path.abspath(i.path) if i.path else "", i.line)
        if k in out:
            out[k].observations.extend(i.observations)
            out[k].locations |= i.locations
            out[k].files |= i.files
            out[k].runtime_only_ok = out[k].runtime_only_ok or i.runtime_only_ok
        else:
            out[k] = i
    return list(out.values())


def rule_meta(code: str) -> Tuple[str, str]:
    if code in RUNTIME_ONLY:
        return RUNTIME_ONLY[code]
    try:
        from bnlint.registry import find_rule

        r = find_rule(code)
        if r is not None:
            return r.name, r.severity
    except Exception:
        pass
    return FALLBACK_NAMES.get(code, ("runtime", "warning"))


def run_summary(traces: Sequence[Dict[str, Any]]) -> Dict[str, Any]:
    main = traces[0] if traces else {}
    ended = dict(main.get("ended", {}))
    # (A parent that only spawned workers steps no optimizer: the workers' steps are the run's.)
    ended["steps"] = main.get("steps", 0) or max((t.get("steps", 0) for t in traces), default=0)
    if len(traces) > 1:
        ended["ranks"] = [t.get("rank") for t in traces]
    return ended


# The rules whose bugs a run can show (the rest, BN000 among them, are "not-applicable").
_RUNTIME_CHECKS = frozenset({"BN001", "BN002", "BN003", "BN004", "BN005", "BN006", "BN014"})


def _not_observed_text(code: str, traces: Sequence[Dict[str, Any]]) -> str:
    mods = [m for t in traces for m in t.get("modules", []) if m["kind"] == "bn"]
    train = sum(m["train_grad"] + m["train_nograd"] for m in mods)
    evals = sum(m["eval_grad"] + m["eval_nograd"] for m in mods)
    steps = sum(t.get("steps", 0) for t in traces[:1])
    base = f"{len(mods)} BatchNorm module(s) ran {train} train-mode and {evals} eval-mode forward(s) over {steps} optimizer step(s)"
    what = {
        "BN001": "none in train mode with grad disabled outside BN recalibration",
        "BN002": "none with momentum=0",
        "BN003": f"{sum(1 for t in traces for m in t.get('modules', []) if m['kind'] == 'custom')} custom normalisation module(s) seen, none failed the gradient check",
        "BN004": "none with frozen weight/bias and moving running statistics",
        "BN005": "no train-mode batch below the tiny-batch threshold in most steps",
        "BN006": "no optimizer step with the model in eval mode",
        "BN014": "no BatchNorm frozen with .eval() was re-enabled by .train()",
    }.get(code)
    if what is None:
        return f"bnlint trace has no runtime check for {code}; {base}."
    return f"{base}; {what}."


def join(static: Sequence[Finding], traces: Sequence[Dict[str, Any]], reach: Optional[Dict[Tuple[str, int], bool]] = None) -> List[Finding]:
    """Every static finding gets a ``runtime`` object; unmatched runtime observations become findings."""
    issues: List[Issue] = []
    for tr in traces:
        issues.extend(issues_from_trace(tr))
    issues = _dedupe(issues)
    issues.extend(divergence_issues(traces))
    run = run_summary(traces)
    used: Set[int] = set()
    out: List[Finding] = []
    for f in static:
        f = replace(f)  # a copy: the runtime evidence is added to it, not to the caller's finding
        p = os.path.abspath(f.path)
        cands = [(i, iss) for i, iss in enumerate(issues) if iss.code == f.code]
        matched = [(i, iss) for i, iss in cands if (p, f.line) in iss.locations or (os.path.abspath(iss.path), iss.line) == (p, f.line)]
        how = "location"
        # A BN001 finding is about the forward on its own line: forwards observed elsewhere in the
        # file (a recalibration pass, another evaluation) are no evidence for it.
        if not matched and f.code not in _LOCATION_ONLY:
            matched = [(i, iss) for i, iss in cands if p in iss.files]
            how = "file"
        if not matched and f.code not in _LOCATION_ONLY:
            matched = cands
            how = "rule"
        if matched:
            used.update(i for i, _ in matched)
            f.runtime = {
                "status": "confirmed",
                "evidence": " ".join(iss.evidence for _, iss in matched[:2]),
                "observations": [o for _, iss in matched for o in iss.observations][:50],
                "matched_by": how,
                "run": run,
            }
        elif f.code not in _RUNTIME_CHECKS:
            f.runtime = {
                "status": "not-applicable",
                "evidence": f"bnlint trace has no runtime check for {f.code}: this finding is static only, the run did not look for it.",
                "observations": [],
                "run": run,
            }
        else:
            key = (p, f.line)
            if reach is not None and key in reach and not reach[key]:
                status, text = "not-reached", f"Line {f.line} never ran before the run ended ({run.get('how')}, {run.get('steps', 0)} optimizer step(s))."
            else:
                status, text = "not-observed", _not_observed_text(f.code, traces)
            f.runtime = {"status": status, "evidence": text, "observations": [], "run": run}
        out.append(f)
    for i, iss in enumerate(issues):
        if i in used or not iss.runtime_only_ok:
            continue
        name, severity = rule_meta(iss.code)
        out.append(
            Finding(
                code=iss.code, name=name, severity=severity, message=iss.message + " (observed at runtime)",
                path=iss.path or "<runtime>", line=iss.line or 1, column=1, end_line=iss.line or 1, end_column=1,
                runtime={"status": "confirmed", "evidence": iss.evidence, "observations": iss.observations[:50], "runtime_only": True, "run": run},
            )
        )
    out.sort(key=lambda f: f.sort_key())
    return out


def format_text(findings: Sequence[Finding], run: Dict[str, Any], stream) -> None:
    for f in findings:
        rt = f.runtime or {}
        cwd = os.getcwd()
        path = os.path.relpath(f.path, cwd) if os.path.isabs(f.path) and f.path.startswith(cwd) else f.path
        stream.write(f"{path}:{f.line}:{f.column}: {f.code} [{rt.get('status', '?')}] {f.message}\n")
        if rt.get("evidence"):
            stream.write(f"    evidence: {rt['evidence']}\n")
    confirmed = sum(1 for f in findings if (f.runtime or {}).get("status") == "confirmed")
    stream.write(
        f"Run ended: {run.get('how')}{' (' + run['detail'] + ')' if run.get('detail') else ''} after {run.get('steps', 0)} optimizer step(s)"
        f"{' in ' + str(run['seconds']) + ' s' if run.get('seconds') is not None else ''}. "
        f"{confirmed} confirmed, {len(findings) - confirmed} other finding(s).\n"
    )
