#!/usr/bin/env python
"""Start-up benchmark: `bnlint --version` and bnlint on one small file without BN tokens.

Not a test.  Usage::

    python bench/startup.py               # 31 interleaved repetitions
    python bench/startup.py --reps 61

Measured the way users meet it: bnlint installed (not editable) into a fresh virtual environment,
as pre-commit does for a hook, and run through its console script.  A fresh venv also keeps this
machine's own ``site`` hooks (``.pth`` files of the base interpreter) out of the numbers; the
interpreter's bare start (`python -c pass` in the same venv) is reported beside them, so the part
that is bnlint's own can be read off.  Runs are interleaved (each command in turn, every
repetition), so load changes on the machine hit every command alike.
"""
from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from typing import Dict, List, Optional, Sequence, Tuple

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

SMALL_FILE = '''"""Small helpers with nothing for bnlint to look at."""
import os
import sys


def read_lines(path):
    with open(path, encoding="utf-8") as fh:
        return [line.rstrip("\\n") for line in fh]


def main(argv=None):
    argv = sys.argv[1:] if argv is None else argv
    for path in argv:
        if os.path.exists(path):
            print(len(read_lines(path)), path)
    return 0


if __name__ == "__main__":
    sys.exit(main())
'''

TARGETS = {"bnlint --version": 60.0, "bnlint small.py --no-cache": 80.0, "bnlint small.py (cache on)": 80.0}


def make_venv(venv: str) -> Optional[str]:
    """A fresh venv with bnlint installed from this checkout; the path of its console script."""
    try:
        subprocess.run([sys.executable, "-m", "venv", venv], check=True, capture_output=True, timeout=300)
        subprocess.run([os.path.join(venv, "bin", "pip"), "install", "-q", ROOT], check=True, capture_output=True, timeout=900)
    except (subprocess.SubprocessError, OSError) as exc:
        detail = getattr(exc, "stderr", b"") or b""
        print(f"# could not install bnlint into a fresh venv: {exc}\n{detail.decode('utf-8', 'replace')[-1000:]}", file=sys.stderr)
        return None
    finally:
        shutil.rmtree(os.path.join(ROOT, "build"), ignore_errors=True)  # setuptools' in-tree build folder
    exe = os.path.join(venv, "bin", "bnlint")
    return exe if os.path.exists(exe) else None


def time_interleaved(commands: Sequence[Tuple[str, List[str]]], reps: int, cwd: str, env: Dict[str, str]) -> Dict[str, List[float]]:
    times: Dict[str, List[float]] = {name: [] for name, _ in commands}
    for name, cmd in commands:  # one untimed run each: bytecode and the cache are in place
        subprocess.run(cmd, cwd=cwd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    for _ in range(reps):
        for name, cmd in commands:
            start = time.perf_counter()
            proc = subprocess.run(cmd, cwd=cwd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
            times[name].append((time.perf_counter() - start) * 1000)
            if proc.returncode != 0:
                print(f"# {name}: exit {proc.returncode}: {proc.stderr.decode('utf-8', 'replace')[-500:]}", file=sys.stderr)
    return times


def report(times: Dict[str, List[float]], reps: int) -> str:
    lines = [
        f"Start-up, bnlint installed in a fresh venv, console script; {reps} interleaved repetitions (ms)",
        "",
        "| command | median | 25th percentile | min | target |",
        "|---|---|---|---|---|",
    ]
    for name, values in times.items():
        v = sorted(values)
        target = TARGETS.get(name)
        mark = "" if target is None else (f"≤ {target:.0f} ✓" if statistics.median(v) <= target else f"≤ {target:.0f} ✗")
        lines.append(f"| {name} | {statistics.median(v):.1f} | {v[len(v) // 4]:.1f} | {v[0]:.1f} | {mark} |")
    return "\n".join(lines)


def run(reps: int, ruff: Optional[str] = None, tmp: Optional[str] = None) -> Optional[str]:
    """Build the venv under ``tmp`` (a new temporary directory if None), time, return the report."""
    own_tmp = tmp is None
    tmp = tmp or tempfile.mkdtemp(prefix="bnlint-startup-")
    try:
        bnlint = make_venv(os.path.join(tmp, "startup-venv"))
        if bnlint is None:
            return None
        work = os.path.join(tmp, "startup-work")
        os.makedirs(work, exist_ok=True)
        with open(os.path.join(work, "small.py"), "w", encoding="utf-8") as fh:
            fh.write(SMALL_FILE)
        python = os.path.join(os.path.dirname(bnlint), "python")
        env = dict(os.environ, NO_COLOR="1")
        env.pop("PYTHONPATH", None)
        env.pop("BNLINT_CACHE_DIR", None)
        cache = os.path.join(tmp, "startup-cache")
        commands: List[Tuple[str, List[str]]] = [
            ("python -c pass (same venv)", [python, "-c", "pass"]),
            ("bnlint --version", [bnlint, "--version"]),
            ("bnlint small.py --no-cache", [bnlint, "--isolated", "--no-cache", "small.py"]),
            ("bnlint small.py (cache on)", [bnlint, "--isolated", "--cache-dir", cache, "small.py"]),
        ]
        if ruff:
            commands.append(("ruff check --no-cache small.py", [ruff, "check", "--isolated", "--no-cache", "small.py"]))
        return report(time_interleaved(commands, reps, work, env), reps)
    finally:
        if own_tmp:
            shutil.rmtree(tmp, ignore_errors=True)


def main(argv: Optional[Sequence[str]] = None) -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--reps", type=int, default=31)
    p.add_argument("--ruff", help="an existing ruff executable, timed on the same file for comparison")
    args = p.parse_args(argv)
    text = run(args.reps, args.ruff or shutil.which("ruff"))
    if text is None:
        return 1
    print(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
