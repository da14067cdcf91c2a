"""`bnlint trace [options] SCRIPT [-- ARGS...]` / `bnlint trace [options] -m MODULE [-- ARGS...]`.

Runs the script as ``__main__`` under the tracer, lints the script (and the user files it imported)
statically, and reports every static finding as confirmed / not-observed / not-reached /
not-applicable, plus the runtime-only findings. Exit codes: 0 nothing confirmed, 1 confirmed findings, 2 usage/internal error.
Under torchrun (WORLD_SIZE > 1) each rank writes ``.bnlint/trace/rank<R>.json`` and rank 0 merges them.
"""
from __future__ import annotations

import argparse
import ast
import builtins
import json
import os
import signal
import sys
import time
import traceback
import types
from typing import Any, Dict, List, Optional, Sequence, Set, Tuple

EXIT_OK, EXIT_FINDINGS, EXIT_ERROR = 0, 1, 2
PROBE_NAME = "__bnlint_reach__"
MERGE_WAIT_S = float(os.environ.get("BNLINT_MERGE_WAIT", "120"))


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:
        self.print_usage(sys.stderr)
        sys.stderr.write(f"bnlint trace: error: {message}\n")
        raise SystemExit(EXIT_ERROR)


def parser() -> argparse.ArgumentParser:
    p = _Parser(
        prog="bnlint trace",
        description="Run a training script with BatchNorm instrumentation and confirm bnlint's findings.",
        usage="bnlint trace [options] SCRIPT [-- ARGS...] | bnlint trace [options] -m MODULE [-- ARGS...]",
    )
    p.add_argument("script", nargs="?", help="the training script to run as __main__")
    p.add_argument("-m", dest="module", help="run a module as __main__ (like python -m)")
    p.add_argument("--format", "--output-format", dest="format", choices=("text", "json"), default="text")
    p.add_argument("--max-steps", type=int, help="stop cleanly after N optimizer steps")
    p.add_argument("--timeout", type=float, help="stop after S seconds")
    p.add_argument("--device", choices=("auto", "cpu", "cuda"), default="auto", help="device for check_model probes (the script decides its own)")
    p.add_argument("--output-file", "-o", help="write the report to this file")
    p.add_argument("--config", help="path to a pyproject.toml or bnlint.toml")
    p.add_argument("--isolated", action="store_true", help="ignore configuration files")
    p.add_argument("--no-static", action="store_true", help="runtime observations only (skip the static lint)")
    p.add_argument("--trace-dir", help="where torchrun ranks write their traces (default .bnlint/trace)")
    return p


def split_argv(argv: Sequence[str]) -> Tuple[List[str], List[str]]:
    argv = list(argv)
    if "--" in argv:
        i = argv.index("--")
        return argv[:i], argv[i + 1 :]
    # `bnlint trace [opts] script.py a b`: everything after the script belongs to the script
    takes_value = {"-m", "--format", "--output-format", "--max-steps", "--timeout", "--device", "--output-file", "-o", "--config", "--trace-dir"}
    i = 0
    while i < len(argv):
        a = argv[i]
        if a in takes_value:
            if a == "-m":
                return argv[: i + 2], argv[i + 2 :]
            i += 2
            continue
        if a.startswith("-"):
            i += 1
            continue
        return argv[: i + 1], argv[i + 1 :]
    return argv, []


# ---------------------------------------------------------------------------- reach probes
def instrument(src: str, path: str, lines: Set[int]):
    """Compile ``src`` with a call ``__bnlint_reach__((line, ...))`` before the innermost statement
    holding each line in ``lines``; line numbers of the script are unchanged."""
    tree = ast.parse(src, path)
    if not lines:
        return compile(tree, path, "exec")

    def start(s: ast.stmt) -> int:
        decos = getattr(s, "decorator_list", None) or []
        return min([s.lineno] + [d.lineno for d in decos])

    def process(stmts: List[ast.stmt]) -> Tuple[List[ast.stmt], Set[int]]:
        out: List[ast.stmt] = []
        claimed: Set[int] = set()
        for s in stmts:
            inner = {ln for ln in lines if start(s) <= ln <= (s.end_lineno or s.lineno)}
            child_claimed: Set[int] = set()
            if inner:
                for fld in ("body", "orelse", "finalbody"):
                    sub = getattr(s, fld, None)
                    if isinstance(sub, list) and sub and isinstance(sub[0], ast.stmt):
                        new, c = process(sub)
                        setattr(s, fld, new)
                        child_claimed |= c
                for h in getattr(s, "handlers", None) or []:
                    new, c = process(h.body)
                    h.body = new
                    child_claimed |= c
                for case in getattr(s, "cases", None) or []:
                    new, c = process(case.body)
                    case.body = new
                    child_claimed |= c
            own = inner - child_claimed
            if own and not (isinstance(s, ast.ImportFrom) and s.module == "__future__"):
                call = ast.Expr(ast.Call(ast.Name(PROBE_NAME, ast.Load()), [ast.Constant(tuple(sorted(own)))], []))
                ast.copy_location(call, s)
                ast.copy_location(call.value, s)
                ast.copy_location(call.value.func, s)
                ast.copy_location(call.value.args[0], s)
                call.end_lineno = call.value.end_lineno = s.lineno
                out.append(call)
            out.append(s)
            claimed |= inner
        return out, claimed

    body, _ = process(tree.body)
    # keep `from __future__` imports and the docstring first
    tree.body = body
    ast.fix_missing_locations(tree)
    return compile(tree, path, "exec")


# ---------------------------------------------------------------------------- running
class _Reach:
    def __init__(self, path: str, lines: Set[int]) -> None:
        self.path = os.path.abspath(path)
        self.hit: Dict[int, bool] = {ln: False for ln in lines}

    def __call__(self, lines) -> None:
        for ln in lines:
            self.hit[ln] = True

    def as_dict(self) -> Dict[Tuple[str, int], bool]:
        return {(self.path, ln): v for ln, v in self.hit.items()}


def _run_script(path: str, args: List[str], reach: _Reach) -> None:
    with open(path, "rb") as fh:
        raw = fh.read()
    from bnlint.sources import decode

    src, _ = decode(raw, path)
    try:
        code = instrument(src, path, set(reach.hit))
    except SyntaxError:
        raise
    except Exception:  # never let the probes stop a run: fall back to the plain script
        code = compile(src, path, "exec")
        reach.hit.clear()
    mod = types.ModuleType("__main__")
    mod.__dict__.update({"__file__": path, "__builtins__": builtins, "__spec__": None, "__loader__": None, "__package__": None, "__cached__": None})
    mod.__dict__[PROBE_NAME] = reach
    saved_main = sys.modules.get("__main__")
    saved_argv = sys.argv[:]
    saved_path = sys.path[:]
    sys.modules["__main__"] = mod
    sys.argv = [path] + list(args)
    sys.path.insert(0, os.path.dirname(os.path.abspath(path)))
    try:
        exec(code, mod.__dict__)
    finally:
        sys.argv = saved_argv
        sys.path[:] = saved_path
        if saved_main is not None:
            sys.modules["__main__"] = saved_main


def _run_module(name: str, args: List[str]) -> None:
    import runpy

    saved_argv = sys.argv[:]
    saved_path = sys.path[:]
    sys.argv = [name] + list(args)
    sys.path.insert(0, os.getcwd())
    try:
        runpy.run_module(name, run_name="__main__", alter_sys=True)
    finally:
        sys.argv = saved_argv
        sys.path[:] = saved_path


def _user_files(root_dir: str, exclude: Set[str]) -> List[str]:
    root_dir = os.path.abspath(root_dir) + os.sep
    bn_dir = os.path.dirname(os.path.dirname(os.path.abspath(__file__))) + os.sep
    out = []
    for m in list(sys.modules.values()):
        f = getattr(m, "__file__", None)
        if not f or not f.endswith(".py"):
            continue
        f = os.path.abspath(f)
        if f.startswith(root_dir) and not f.startswith(bn_dir) and "site-packages" not in f and f not in exclude:
            out.append(f)
    return sorted(set(out))


def _static(paths: List[str], settings) -> List[Any]:
    from bnlint.runner import process_file

    out = []
    for p in paths:
        try:
            res = process_file(p, settings)
        except Exception as exc:  # the static side must not hide the runtime report
            sys.stderr.write(f"bnlint trace: warning: static lint of {p} failed: {exc}\n")
            continue
        out.extend(f for f in res.findings if f.code != "BN000")
    return out


def _tiny_threshold(settings) -> int:
    try:
        from bnlint.registry import find_rule

        rule = find_rule("BN005")
        if rule is not None:
            return int(settings.rule_option(rule, "tiny-batch-size"))
    except Exception:
        pass
    return 8


def _trace_dir(args) -> str:
    return args.trace_dir or os.environ.get("BNLINT_TRACE_DIR") or os.path.join(".bnlint", "trace")


def _write_rank(path_dir: str, rank: int, payload: Dict[str, Any]) -> None:
    os.makedirs(path_dir, exist_ok=True)
    tmp = os.path.join(path_dir, f".rank{rank}.json.tmp")
    with open(tmp, "w", encoding="utf-8") as fh:
        json.dump(payload, fh)
    os.replace(tmp, os.path.join(path_dir, f"rank{rank}.json"))


def _collect_ranks(path_dir: str, world: int, run_id: Optional[str], since: float) -> List[Dict[str, Any]]:
    deadline = time.time() + MERGE_WAIT_S
    found: Dict[int, Dict[str, Any]] = {}
    while True:
        for r in range(world):
            if r in found:
                continue
            p = os.path.join(path_dir, f"rank{r}.json")
            try:
                if os.path.getmtime(p) + 1 < since:
                    continue
                with open(p, encoding="utf-8") as fh:
                    data = json.load(fh)
            except (OSError, ValueError):
                continue
            if run_id is None or data.get("trace", {}).get("run_id") == run_id:
                found[r] = data
        if len(found) == world or time.time() > deadline:
            break
        time.sleep(0.1)
    if len(found) < world:
        sys.stderr.write(f"bnlint trace: warning: only {len(found)} of {world} rank traces arrived in {path_dir}\n")
    return [found[r] for r in sorted(found)]


def main(argv: Sequence[str]) -> int:
    head, script_args = split_argv(argv)
    args = parser().parse_args(head)
    if bool(args.script) == bool(args.module):
        parser().error("give exactly one of SCRIPT or -m MODULE")
    try:
        import torch  # noqa: F401  (runtime mode watches PyTorch run: without it there is nothing to trace)
    except ImportError as exc:
        sys.stderr.write(
            f"bnlint trace: error: runtime mode needs PyTorch ({exc}); install the runtime extra into the environment "
            "that runs your training code: pip install 'bnlint[runtime]' (or install torch itself)\n"
        )
        return EXIT_ERROR
    os.environ["BNLINT_DEVICE"] = args.device
    if args.device == "cuda":
        import torch

        if not torch.cuda.is_available():
            sys.stderr.write("bnlint trace: error: --device cuda but no CUDA device is available\n")
            return EXIT_ERROR

    if args.script:
        target = os.path.abspath(args.script)
        if not os.path.isfile(target):
            sys.stderr.write(f"bnlint trace: error: {args.script}: no such file\n")
            return EXIT_ERROR
    else:
        import importlib.util

        sys.path.insert(0, os.getcwd())
        try:
            spec = importlib.util.find_spec(args.module)
        except (ImportError, ValueError):
            spec = None
        finally:
            sys.path.pop(0)
        if spec is None:
            sys.stderr.write(f"bnlint trace: error: no module named {args.module!r}\n")
            return EXIT_ERROR
        target = os.path.abspath(spec.origin) if spec.origin and spec.origin.endswith(".py") else None

    from bnlint.config import ConfigError, load_settings

    try:
        settings = load_settings([target or "."], args.config, args.isolated)
    except ConfigError as exc:
        sys.stderr.write(f"bnlint trace: error: {exc}\n")
        return EXIT_ERROR

    static = [] if args.no_static or not target else _static([target], settings)
    reach = _Reach(target or "", {f.line for f in static if f.cell is None} if args.script else set())

    world = int(os.environ.get("WORLD_SIZE", "1") or 1)
    rank = int(os.environ.get("RANK", "0") or 0) if world > 1 else None
    started = time.time()

    from bnlint.runtime import Trace
    from bnlint.runtime.observe import TraceTimeout

    session = Trace(max_steps=args.max_steps, tiny_batch_size=_tiny_threshold(settings), static=static, rank=rank)
    old_alarm = None
    if args.timeout and args.timeout > 0 and hasattr(signal, "setitimer"):

        def _on_alarm(signum, frame):
            raise TraceTimeout(f"stopped after --timeout {args.timeout:g} s")

        old_alarm = signal.signal(signal.SIGALRM, _on_alarm)
        signal.setitimer(signal.ITIMER_REAL, args.timeout)
    saved_stdout = sys.stdout
    if args.format == "json" and not args.output_file:
        sys.stdout = sys.stderr  # keep the script's prints out of the JSON report
    crashed = None
    from bnlint.runtime.spawn import SpawnPatch

    spawned = SpawnPatch(_trace_dir(args), args.max_steps, _tiny_threshold(settings), stdout_to_stderr=sys.stdout is not saved_stdout)
    try:
        with session, spawned:
            try:
                if args.script:
                    _run_script(target, script_args, reach)
                else:
                    _run_module(args.module, script_args)
            except SystemExit as exc:
                if exc.code not in (None, 0):
                    raise
                session.tracer.ended = {"how": "exit", "detail": f"SystemExit({exc.code!r})"}
    except (KeyboardInterrupt, SystemExit) as exc:
        crashed = exc
    except SyntaxError as exc:
        sys.stdout = saved_stdout
        sys.stderr.write(f"bnlint trace: error: cannot run {args.script or args.module}: {exc}\n")
        return EXIT_ERROR
    except Exception as exc:  # the script raised: report it and go on to the report
        crashed = exc
        sys.stderr.write("bnlint trace: the script raised:\n")
        traceback.print_exception(type(exc), exc, exc.__traceback__, file=sys.stderr)
    finally:
        sys.stdout = saved_stdout
        if old_alarm is not None:
            signal.setitimer(signal.ITIMER_REAL, 0)
            signal.signal(signal.SIGALRM, old_alarm)
    del crashed

    data = session.export()
    if target and not args.no_static:
        extra = _user_files(os.path.dirname(target), {target})
        static += _static(extra, settings)

    traces = [data]
    reach_map = reach.as_dict()
    workers = spawned.collect()
    if workers:
        # The workers `mp.spawn` started ran the script's code too, without its reach probes: a
        # line the parent never reached may have run there, so no finding is "not-reached".
        traces += workers
        reach_map = {}
    if rank is not None:
        tdir = _trace_dir(args)
        _write_rank(tdir, rank, {"trace": data, "reach": [[p, ln, v] for (p, ln), v in reach_map.items()]})
        if rank != 0:
            return EXIT_OK
        payloads = _collect_ranks(tdir, world, data.get("run_id"), started)
        traces = [p["trace"] for p in payloads] or [data]
        for p in payloads:
            for path, ln, v in p.get("reach", []):
                reach_map[(path, ln)] = reach_map.get((path, ln), False) or v

    from bnlint.runtime.report import format_text, join, run_summary

    findings = join(static, traces, reach_map)
    run = run_summary(traces)
    out = open(args.output_file, "w", encoding="utf-8") if args.output_file else sys.stdout
    try:
        if args.format == "json":
            json.dump([f.to_json() for f in findings], out, indent=2)
            out.write("\n")
        else:
            format_text(findings, run, out)
    finally:
        if out is not sys.stdout:
            out.close()
    if args.format == "json":
        sys.stderr.write(f"bnlint trace: run ended: {run.get('how')} after {run.get('steps', 0)} optimizer step(s)\n")
    confirmed = any((f.runtime or {}).get("status") == "confirmed" for f in findings)
    if confirmed and rank is not None:
        # Under torchrun a non-zero exit of a worker is a failed job: torchrun would print a
        # child-failure traceback over a run that only found bugs.  The report says what was found.
        sys.stderr.write("bnlint trace: confirmed findings above; exit status 0 under torchrun (a non-zero one reads as a failed worker)\n")
        return EXIT_OK
    return EXIT_FINDINGS if confirmed else EXIT_OK
