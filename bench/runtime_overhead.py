"""Instrumentation overhead of `bnlint trace` on a small CNN training loop (CPU by default).

Same process, interleaved runs (plain, traced, plain, traced, ...), median of several rounds:

    python bench/runtime_overhead.py [--rounds 7] [--steps 30] [--batch 32] [--threads N] [--device cpu]

Prints one line per round and a summary; results are recorded in bench/RUNTIME_RESULTS.md.
"""
from __future__ import annotations

import argparse
import os
import platform
import statistics
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

import torch  # noqa: E402
import torch.nn as nn  # noqa: E402
import torch.nn.functional as F  # noqa: E402

import bnlint.runtime  # noqa: E402


class SmallCNN(nn.Module):
    def __init__(self, num_classes: int = 10) -> None:
        super().__init__()

        def block(cin, cout):
            return nn.Sequential(nn.Conv2d(cin, cout, 3, padding=1, bias=False), nn.BatchNorm2d(cout), nn.ReLU(inplace=True))

        self.features = nn.Sequential(block(3, 16), block(16, 16), nn.MaxPool2d(2), block(16, 32), block(32, 32), nn.MaxPool2d(2), block(32, 64))
        self.head = nn.Sequential(nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(64, 64), nn.BatchNorm1d(64), nn.ReLU(), nn.Linear(64, num_classes))

    def forward(self, x):
        return self.head(self.features(x))


def run(model, opt, data, device):
    """Wall time and process CPU time of one pass over ``data`` (train steps, then one eval forward)."""
    model.train()
    c0 = time.process_time()
    t0 = time.perf_counter()
    for x, y in data:
        opt.zero_grad(set_to_none=True)
        loss = F.cross_entropy(model(x), y)
        loss.backward()
        opt.step()
    model.eval()
    with torch.no_grad():
        model(data[0][0])
    if device.type == "cuda":
        torch.cuda.synchronize()
    return time.perf_counter() - t0, time.process_time() - c0


def main() -> int:
    p = argparse.ArgumentParser()
    p.add_argument("--rounds", type=int, default=15)
    p.add_argument("--steps", type=int, default=10)
    p.add_argument("--batch", type=int, default=32)
    p.add_argument("--size", type=int, default=16)
    p.add_argument("--threads", type=int, default=1, help="torch threads (0: torch's default)")
    p.add_argument("--device", default="cpu")
    args = p.parse_args()
    if args.threads:
        torch.set_num_threads(args.threads)
    device = torch.device(args.device)
    torch.manual_seed(0)
    model = SmallCNN().to(device)
    opt = torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9)
    data = [(torch.randn(args.batch, 3, args.size, args.size, device=device), torch.randint(0, 10, (args.batch,), device=device)) for _ in range(args.steps)]
    run(model, opt, data[:3], device)  # warm-up (allocator, kernels)
    with bnlint.runtime.trace():
        run(model, opt, data[:3], device)
    plain, traced = [], []
    for r in range(args.rounds):
        order = ("plain", "traced") if r % 2 == 0 else ("traced", "plain")
        for kind in order:
            if kind == "plain":
                plain.append(run(model, opt, data, device))
            else:
                with bnlint.runtime.trace() as t:
                    traced.append(run(model, opt, data, device))
                assert t.export()["steps"] == args.steps
        print(f"round {r + 1}: plain {plain[-1][0] * 1000:.1f} ms, traced {traced[-1][0] * 1000:.1f} ms, ratio {traced[-1][0] / plain[-1][0]:.3f}")
    mp, mt = statistics.median(w for w, _ in plain), statistics.median(w for w, _ in traced)
    cp, ct = statistics.median(c for _, c in plain), statistics.median(c for _, c in traced)
    per_step = (mt - mp) / args.steps * 1e6
    print(
        f"SUMMARY device={device} threads={torch.get_num_threads()} steps={args.steps} batch={args.batch}x3x{args.size}x{args.size} "
        f"bn_layers=6 rounds={args.rounds}: wall median plain {mp * 1000:.1f} ms, traced {mt * 1000:.1f} ms, ratio {mt / mp:.3f} "
        f"({per_step:.0f} us per step); cpu-time median plain {cp * 1000:.1f} ms, traced {ct * 1000:.1f} ms, ratio {ct / cp:.3f}; "
        f"torch {torch.__version__}, python {platform.python_version()}"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
