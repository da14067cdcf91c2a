#!/usr/bin/env python
"""Speed benchmark: bnlint cold/warm vs ruff and Fixit on the Python sources of the installed torch.

Not a test.  Usage::

    python bench/run_bench.py                   # everything, 3 interleaved repetitions
    python bench/run_bench.py --reps 5 --scales 1 2 4 --fixit-files 300
    python bench/run_bench.py --quick           # 1 repetition, no scaling, small Fixit sample

The start-up numbers (``--version``, one small file) come from ``bench/startup.py``, run at the end.

The corpus is every ``*.py`` under ``os.path.dirname(torch.__file__)`` copied
into a temporary directory (2,285 files, 1.2M lines for torch 2.13).  ruff and
Fixit are installed into throw-away virtual environments under the temporary
directory unless ``--ruff``/``--fixit`` name existing executables; a tool that
cannot be installed or run is reported as such.  Wall times are medians over
interleaved repetitions (bnlint cold, bnlint warm, ruff, ... in turn, so load
changes on the machine hit every tool alike).  Peak RSS is sampled from
/proc for the whole process tree (the sum over the parent and its workers)
and, separately, the largest single process.
"""
from __future__ import annotations

import argparse
import datetime
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from typing import Dict, List, Optional, Sequence, Tuple

HERE = os.path.dirname(os.path.abspath(__file__))


# --- corpus ---------------------------------------------------------------------


def torch_dir() -> str:
    out = subprocess.run([sys.executable, "-c", "import torch,os;print(os.path.dirname(torch.__file__))"], capture_output=True, text=True, check=True)
    return out.stdout.strip().splitlines()[-1]


def build_corpus(dest: str, copies: int, limit: Optional[int] = None) -> Tuple[int, int]:
    """Copy torch's .py files ``copies`` times under ``dest``; returns (files, lines)."""
    src = torch_dir()
    files = []
    for root, dirs, names in os.walk(src):
        dirs.sort()
        for n in sorted(names):
            if n.endswith(".py"):
                files.append(os.path.join(root, n))
    if limit:
        files = files[:limit]
    lines = 0
    for k in range(copies):
        for f in files:
            rel = os.path.relpath(f, os.path.dirname(src))
            target = os.path.join(dest, f"copy{k}", rel)
            os.makedirs(os.path.dirname(target), exist_ok=True)
            shutil.copy2(f, target)
            if k == 0:
                with open(f, "rb") as fh:
                    lines += fh.read().count(b"\n")
    return len(files) * copies, lines * copies


TRAIN_HEAD = '''"""Train an image classifier (benchmark input written for bnlint; not from any project)."""
import argparse
import os
import time

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader


class ConvBlock(nn.Module):
    def __init__(self, cin, cout, stride=1):
        super().__init__()
        self.conv = nn.Conv2d(cin, cout, 3, stride=stride, padding=1, bias=False)
        self.bn = nn.BatchNorm2d(cout)

    def forward(self, x):
        return F.relu(self.bn(self.conv(x)))


class Net(nn.Module):
    def __init__(self, num_classes=10, width=32):
        super().__init__()
        self.stem = ConvBlock(3, width)
        self.layer1 = nn.Sequential(ConvBlock(width, width), ConvBlock(width, width))
        self.layer2 = nn.Sequential(ConvBlock(width, 2 * width, 2), ConvBlock(2 * width, 2 * width))
        self.head = nn.Linear(2 * width, num_classes)

    def forward(self, x):
        x = self.layer2(self.layer1(self.stem(x)))
        return self.head(torch.flatten(F.adaptive_avg_pool2d(x, 1), 1))

'''

TRAIN_UNIT = '''

def train_epoch_{n}(model, loader, optimizer, device, log_every=50):
    model.train()
    total, seen = 0.0, 0
    for step, (images, targets) in enumerate(loader):
        images, targets = images.to(device), targets.to(device)
        optimizer.zero_grad(set_to_none=True)
        loss = F.cross_entropy(model(images), targets)
        loss.backward()
        optimizer.step()
        total += loss.item() * images.size(0)
        seen += images.size(0)
        if step % log_every == 0:
            print(f"step {{step}} loss {{total / max(seen, 1):.4f}}")
    return total / max(seen, 1)


@torch.no_grad()
def evaluate_{n}(model, loader, device):
    model.eval()
    correct, seen = 0, 0
    for images, targets in loader:
        images, targets = images.to(device), targets.to(device)
        correct += (model(images).argmax(1) == targets).sum().item()
        seen += targets.numel()
    return correct / max(seen, 1)


def fit_{n}(model, train_loader, val_loader, epochs, lr, device):
    optimizer = torch.optim.SGD(model.parameters(), lr=lr, momentum=0.9, weight_decay=5e-4)
    scheduler = torch.optim.lr_scheduler.CosineAnnealingLR(optimizer, epochs)
    best = 0.0
    for epoch in range(epochs):
        start = time.time()
        loss = train_epoch_{n}(model, train_loader, optimizer, device)
        acc = evaluate_{n}(model, val_loader, device)
        scheduler.step()
        best = max(best, acc)
        print(f"epoch {{epoch}} loss {{loss:.3f}} acc {{acc:.3f}} best {{best:.3f}} {{time.time() - start:.1f}}s")
    return best
'''

TRAIN_TAIL = '''

def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--epochs", type=int, default=10)
    parser.add_argument("--lr", type=float, default=0.1)
    parser.add_argument("--batch-size", type=int, default=128)
    args = parser.parse_args()
    device = "cuda" if torch.cuda.is_available() else "cpu"
    model = Net().to(device)
    data = torch.utils.data.TensorDataset(torch.randn(512, 3, 32, 32), torch.randint(0, 10, (512,)))
    train_loader = DataLoader(data, batch_size=args.batch_size, shuffle=True, drop_last=True)
    val_loader = DataLoader(data, batch_size=args.batch_size)
    fit_0(model, train_loader, val_loader, args.epochs, args.lr, device)


if __name__ == "__main__":
    main()
'''


def training_script(path: str, lines: int = 500) -> int:
    parts = [TRAIN_HEAD]
    n = 0
    while sum(p.count("\n") for p in parts) + TRAIN_TAIL.count("\n") < lines - 40:
        parts.append(TRAIN_UNIT.format(n=n))
        n += 1
    parts.append(TRAIN_TAIL)
    text = "".join(parts)
    with open(path, "w", encoding="utf-8") as fh:
        fh.write(text)
    return text.count("\n")


# --- measuring ------------------------------------------------------------------


def _tree_rss(root_pid: int) -> Tuple[int, int]:
    """(sum, max) RSS in bytes over ``root_pid`` and its descendants, from /proc."""
    children: Dict[int, List[int]] = {}
    rss: Dict[int, int] = {}
    page = os.sysconf("SC_PAGE_SIZE")
    for name in os.listdir("/proc"):
        if not name.isdigit():
            continue
        try:
            with open(f"/proc/{name}/stat", "rb") as fh:
                fields = fh.read().rsplit(b")", 1)[1].split()
            ppid, pages = int(fields[1]), int(fields[21])
        except (OSError, IndexError, ValueError):
            continue
        pid = int(name)
        children.setdefault(ppid, []).append(pid)
        rss[pid] = pages * page
    total = biggest = 0
    stack = [root_pid]
    while stack:
        pid = stack.pop()
        total += rss.get(pid, 0)
        biggest = max(biggest, rss.get(pid, 0))
        stack.extend(children.get(pid, ()))
    return total, biggest


class Result:
    def __init__(self, wall: float, rc: int, rss_sum: int, rss_max: int, out: str) -> None:
        self.wall, self.rc, self.rss_sum, self.rss_max, self.out = wall, rc, rss_sum, rss_max, out


def measure(cmd: Sequence[str], cwd: str, env: Optional[Dict[str, str]] = None, timeout: Optional[float] = None) -> Result:
    full_env = dict(os.environ)
    if env:
        full_env.update(env)
    start = time.perf_counter()
    proc = subprocess.Popen(list(cmd), cwd=cwd, env=full_env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    peak = [0, 0]
    done = threading.Event()

    def sample() -> None:
        while not done.is_set():
            if sys.platform.startswith("linux"):
                s, m = _tree_rss(proc.pid)
                peak[0], peak[1] = max(peak[0], s), max(peak[1], m)
            done.wait(0.05)

    t = threading.Thread(target=sample, daemon=True)
    t.start()
    try:
        out, _ = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        out, _ = proc.communicate()
        done.set()
        return Result(float("inf"), -9, peak[0], peak[1], out.decode("utf-8", "replace")[-2000:])
    wall = time.perf_counter() - start
    done.set()
    t.join()
    return Result(wall, proc.returncode, peak[0], peak[1], out.decode("utf-8", "replace")[-2000:])


def install_tool(venv: str, package: str, exe: str) -> Optional[str]:
    try:
        subprocess.run([sys.executable, "-m", "venv", venv], check=True, capture_output=True, timeout=300)
        subprocess.run([os.path.join(venv, "bin", "pip"), "install", "-q", package], check=True, capture_output=True, timeout=600)
    except (subprocess.SubprocessError, OSError) as exc:
        print(f"# could not install {package}: {exc}", file=sys.stderr)
        return None
    path = os.path.join(venv, "bin", exe)
    return path if os.path.exists(path) else None


def fmt_s(x: float) -> str:
    return "n/a" if x == float("inf") else f"{x:.2f} s"


def fmt_mb(b: int) -> str:
    return f"{b / 2**20:.0f} MB"


# --- main -----------------------------------------------------------------------


def main(argv: Optional[Sequence[str]] = None) -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--reps", type=int, default=3)
    p.add_argument("--scales", type=int, nargs="*", default=[1, 2, 4], help="corpus copies for the growth table (bnlint cold, ruff)")
    p.add_argument("--scale-reps", type=int, default=1)
    p.add_argument("--jobs", type=int, default=None, help="bnlint --jobs (default: bnlint's own default, the number of cores)")
    p.add_argument("--ruff", help="an existing ruff executable")
    p.add_argument("--fixit", help="an existing fixit executable")
    p.add_argument("--no-fixit", action="store_true")
    p.add_argument("--fixit-files", type=int, default=0, help="run Fixit on only the first N files of the corpus (0: all), and extrapolate")
    p.add_argument("--fixit-timeout", type=float, default=900)
    p.add_argument("--limit", type=int, default=0, help="only the first N torch files (for trying the script out)")
    p.add_argument("--quick", action="store_true", help="1 repetition, no growth table, Fixit on 200 files")
    p.add_argument("--keep", action="store_true", help="keep the temporary directory")
    p.add_argument("--startup-reps", type=int, default=31, help="repetitions of the start-up benchmark (bench/startup.py; 0: skip)")
    args = p.parse_args(argv)
    if args.quick:
        args.reps, args.scales, args.fixit_files = 1, [], args.fixit_files or 200
        args.startup_reps = min(args.startup_reps, 5)

    tmp = tempfile.mkdtemp(prefix="bnlint-bench-")
    try:
        return _run(args, tmp)
    finally:
        if not args.keep:
            shutil.rmtree(tmp, ignore_errors=True)


def _run(args, tmp: str) -> int:
    corpus = os.path.join(tmp, "corpus")
    n_files, n_lines = build_corpus(corpus, 1, args.limit or None)
    script_dir = os.path.join(tmp, "script")
    os.makedirs(script_dir)
    script_lines = training_script(os.path.join(script_dir, "train.py"))
    # Bytecode is cached (outside the checkout), as in any installed package: the runs measure linting, not compiling.
    env = {"PYTHONDONTWRITEBYTECODE": "", "PYTHONPYCACHEPREFIX": os.path.join(tmp, "pycache"), "NO_COLOR": "1"}
    bn = [sys.executable, "-m", "bnlint", "--isolated", "--exit-zero", "--quiet"]
    if args.jobs:
        bn += ["--jobs", str(args.jobs)]
    cache_dir = os.path.join(tmp, "bnlint-cache")

    ruff = args.ruff or shutil.which("ruff") or install_tool(os.path.join(tmp, "ruff-venv"), "ruff", "ruff")
    fixit = None
    if not args.no_fixit:
        fixit = args.fixit or install_tool(os.path.join(tmp, "fixit-venv"), "fixit", "fixit")

    tools: List[Tuple[str, List[str], str]] = [
        ("bnlint cold (--no-cache)", bn + ["--no-cache", "."], corpus),
        ("bnlint warm (cache hit)", bn + ["--cache-dir", cache_dir, "."], corpus),
        (f"bnlint, one {script_lines}-line training script", bn + ["--no-cache", "train.py"], script_dir),
        (f"bnlint, one {script_lines}-line training script, warm", bn + ["--cache-dir", cache_dir, "train.py"], script_dir),
    ]
    if ruff:
        tools.append(("ruff check --no-cache", [ruff, "check", "--no-cache", "--isolated", "--exit-zero", "--quiet", "."], corpus))
        tools.append((f"ruff, one {script_lines}-line training script", [ruff, "check", "--no-cache", "--isolated", "--exit-zero", "--quiet", "train.py"], script_dir))

    # Compile bytecode into the fresh PYTHONPYCACHEPREFIX first (bnlint's modules and libcst's), so
    # that the first cached run below measures linting and writing the cache, not compiling.
    measure(bn + ["--no-cache", "--select", "ALL", "train.py"], script_dir, env)
    # Prime the warm cache (and report what a first cached run costs).
    prime = measure(bn + ["--cache-dir", cache_dir, "."], corpus, env)
    measure(bn + ["--cache-dir", cache_dir, "train.py"], script_dir, env)

    results: Dict[str, List[Result]] = {name: [] for name, _, _ in tools}
    for rep in range(args.reps):
        for name, cmd, cwd in tools:
            r = measure(cmd, cwd, env)
            if r.rc not in (0,):
                print(f"# {name}: exit {r.rc}\n{r.out}", file=sys.stderr)
            results[name].append(r)
            print(f"# rep {rep + 1}/{args.reps} {name}: {fmt_s(r.wall)} (tree RSS {fmt_mb(r.rss_sum)}, largest process {fmt_mb(r.rss_max)})", file=sys.stderr, flush=True)

    # Fixit: slow; once, on all files or a sample.
    fixit_row = "not run"
    if args.no_fixit:
        fixit_row = "skipped (--no-fixit)"
    elif not fixit:
        fixit_row = "could not be installed"
    else:
        sample_dir = corpus
        sample_n = n_files
        if args.fixit_files and args.fixit_files < n_files:
            sample_dir = os.path.join(tmp, "fixit-sample")
            sample_n = _copy_sample(corpus, sample_dir, args.fixit_files)
        r = measure([fixit, "lint", "."], sample_dir, env, timeout=args.fixit_timeout)
        if r.wall == float("inf"):
            fixit_row = f"did not finish within {args.fixit_timeout:.0f} s on {sample_n} files"
        elif r.rc not in (0, 1, 2) and "Traceback" in r.out:
            fixit_row = f"failed to run (exit {r.rc}): {r.out.strip().splitlines()[-1][:200]}"
        else:
            est = r.wall * n_files / sample_n
            fixit_row = f"{fmt_s(r.wall)} on {sample_n} files" + (f" (about {est:.0f} s for the {n_files} files, extrapolated)" if sample_n != n_files else "")
            results["fixit lint"] = [Result(est, r.rc, r.rss_sum, r.rss_max, "")]

    growth: List[Tuple[int, int, float, float]] = []
    for k in args.scales:
        gdir = os.path.join(tmp, f"growth{k}")
        files_k, lines_k = build_corpus(gdir, k, args.limit or None)
        b, rr = [], []
        for _ in range(args.scale_reps):
            b.append(measure(bn + ["--no-cache", "."], gdir, env).wall)
            if ruff:
                rr.append(measure([ruff, "check", "--no-cache", "--isolated", "--exit-zero", "--quiet", "."], gdir, env).wall)
        growth.append((k, lines_k, statistics.median(b), statistics.median(rr) if rr else float("nan")))
        shutil.rmtree(gdir, ignore_errors=True)

    report = _report(args, n_files, n_lines, script_lines, results, prime, fixit_row, growth, ruff is not None)
    if args.startup_reps > 0:
        sys.path.insert(0, HERE)
        import startup

        report += "\n\n" + (startup.run(args.startup_reps, ruff, tmp) or "Start-up: bnlint could not be installed into a fresh venv (see stderr)")
    print(report)
    return 0


def _copy_sample(src: str, dest: str, n: int) -> int:
    count = 0
    for root, dirs, names in os.walk(src):
        dirs.sort()
        for name in sorted(names):
            if name.endswith(".py") and count < n:
                rel = os.path.relpath(os.path.join(root, name), src)
                os.makedirs(os.path.join(dest, os.path.dirname(rel)), exist_ok=True)
                shutil.copy2(os.path.join(root, name), os.path.join(dest, rel))
                count += 1
    return count


def _report(args, n_files, n_lines, script_lines, results, prime, fixit_row, growth, have_ruff) -> str:
    med = {k: statistics.median(r.wall for r in v) for k, v in results.items() if v}
    ruff_cold = med.get("ruff check --no-cache")
    cpu = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo") as fh:
            for line in fh:
                if line.startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    try:
        load = os.getloadavg()
        load_s = f"{load[0]:.1f} / {load[1]:.1f} / {load[2]:.1f}"
    except OSError:
        load_s = "?"
    import bnlint

    lines = [
        f"Date: {datetime.datetime.now(datetime.timezone.utc).strftime('%Y-%m-%d %H:%M UTC')}",
        f"Machine: {cpu}, {len(os.sched_getaffinity(0)) if hasattr(os, 'sched_getaffinity') else os.cpu_count()} cores usable, Python {platform.python_version()}, {platform.system()} {platform.release()}",
        f"Load average at the end (1/5/15 min): {load_s}",
        f"bnlint {bnlint.__version__}; corpus: {n_files} files, {n_lines:,} lines (torch sources); {args.reps} interleaved repetitions, medians",
        "",
        "| run | median wall | × ruff cold | peak RSS, tree (sum) | peak RSS, largest process |",
        "|---|---|---|---|---|",
    ]
    for name, rs in results.items():
        if not rs:
            continue
        ratio = f"{med[name] / ruff_cold:.2f}×" if ruff_cold else "n/a"
        lines.append(f"| {name} | {fmt_s(med[name])} | {ratio} | {fmt_mb(max(r.rss_sum for r in rs))} | {fmt_mb(max(r.rss_max for r in rs))} |")
    lines.append(f"| bnlint first cached run (cold + writing the cache) | {fmt_s(prime.wall)} | {prime.wall / ruff_cold:.2f}× |" if ruff_cold else "")
    lines.append("")
    lines.append(f"Fixit (`fixit lint`): {fixit_row}")
    if growth:
        lines += ["", "Growth (cold, --no-cache):", "", "| copies | lines | bnlint | bnlint s per 100k lines | ruff |", "|---|---|---|---|---|"]
        for k, lk, b, r in growth:
            lines.append(f"| {k}× | {lk:,} | {fmt_s(b)} | {b / lk * 1e5:.3f} | {fmt_s(r) if r == r else 'n/a'} |")
    return "\n".join(l for l in lines if l is not None)


if __name__ == "__main__":
    sys.exit(main())
