"""Latency of `bnlint lsp`: time from didChange to the publishDiagnostics for that version.

Generates a 2,000-line PyTorch training script (models with BatchNorm, training and
evaluation loops, one deliberate BN002), starts the real server over stdio with a minimal
pygls client, opens the file, then performs N single-line incremental edits one after the
other (each waits for its diagnostics) and reports the median and p95.

    python bench/lsp_latency.py                     # default debounce (150 ms) and 0 ms
    python bench/lsp_latency.py --edits 50 --debounce-ms 0

The default-debounce figure includes the 150 ms the server deliberately waits after the
last keystroke; the 0 ms figure is the cost of linting and publishing itself.
"""
from __future__ import annotations

import argparse
import asyncio
import os
import platform
import statistics
import sys
import tempfile
import time
from typing import Dict, List, Optional

from lsprotocol import types
from pygls.lsp.client import LanguageClient

BLOCK = '''

class Block{i}(nn.Module):
    def __init__(self, channels={c}):
        super().__init__()
        self.conv1 = nn.Conv2d(channels, channels, 3, padding=1, bias=False)
        self.bn1 = nn.BatchNorm2d(channels)
        self.conv2 = nn.Conv2d(channels, channels, 3, padding=1, bias=False)
        self.bn2 = nn.BatchNorm2d(channels, momentum=0.1)
        self.relu = nn.ReLU(inplace=True)

    def forward(self, x):
        out = self.relu(self.bn1(self.conv1(x)))
        out = self.bn2(self.conv2(out))
        return self.relu(out + x)


def train_one_epoch_{i}(model, loader, optimizer, criterion, device, epoch):
    model.train()
    running = 0.0
    for step, (images, targets) in enumerate(loader):
        images, targets = images.to(device), targets.to(device)
        optimizer.zero_grad(set_to_none=True)
        loss = criterion(model(images), targets)
        loss.backward()
        optimizer.step()
        running += loss.item()
        if step % 50 == 0:
            print(f"epoch {{epoch}} step {{step}} loss {{running / (step + 1):.4f}}")
    return running / max(len(loader), 1)


@torch.no_grad()
def evaluate_{i}(model, loader, device):
    model.eval()
    correct = total = 0
    for images, targets in loader:
        images, targets = images.to(device), targets.to(device)
        preds = model(images).argmax(dim=1)
        correct += (preds == targets).sum().item()
        total += targets.numel()
    return correct / max(total, 1)
'''

HEADER = '''"""A long synthetic training script for the LSP latency benchmark."""
import torch
import torch.nn as nn
import torch.nn.functional as F

LEARNING_RATE = 0.1
frozen_bn = nn.BatchNorm2d(64, momentum=0)  # a deliberate BN002
'''

FOOTER = '''

def main():
    device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
    model = nn.Sequential(Block0(), Block1()).to(device)
    optimizer = torch.optim.SGD(model.parameters(), lr=LEARNING_RATE, momentum=0.9)
    criterion = nn.CrossEntropyLoss()
    for epoch in range(90):
        train_one_epoch_0(model, [], optimizer, criterion, device, epoch)
        print(evaluate_0(model, [], device))


if __name__ == "__main__":
    main()
'''


def make_script(lines: int = 2000) -> str:
    parts = [HEADER]
    i = 0
    while sum(p.count("\n") for p in parts) + FOOTER.count("\n") < lines:
        parts.append(BLOCK.format(i=i, c=32 + 16 * (i % 4)))
        i += 1
    text = "".join(parts) + FOOTER
    out = text.splitlines(keepends=True)
    return "".join(out[:lines]) if len(out) > lines else text


def engine_alone(text: str, select: Optional[str], runs: int = 3) -> float:
    """Median in-process `lint_source` time (ms) for the same text: the floor under the LSP latency."""
    from bnlint.config import Settings
    from bnlint.engine import lint_source

    settings = Settings(select=select.split(",")) if select else Settings()
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        lint_source(text, os.path.join(tempfile.gettempdir(), "train.py"), settings)
        times.append((time.perf_counter() - t0) * 1000.0)
    return statistics.median(times)


async def run(edits: int, debounce_ms: int, warmup: int, select: Optional[str] = None) -> Dict[str, float]:
    client = LanguageClient("bnlint-bench", "1")
    published: Dict[int, float] = {}
    counts: List[int] = []

    @client.feature(types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS)
    def on_diagnostics(params: types.PublishDiagnosticsParams) -> None:
        if params.version is not None:
            published[params.version] = time.perf_counter()
            counts.append(len(params.diagnostics))

    @client.feature(types.WINDOW_LOG_MESSAGE)
    def on_log(params: types.LogMessageParams) -> None:
        sys.stderr.write(f"server: {params.message}\n")

    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "train.py")
        text = make_script()
        assert text.count("\n") == 2000, text.count("\n")
        with open(path, "w", encoding="utf-8") as fh:
            fh.write(text)
        if select:
            with open(os.path.join(tmp, "pyproject.toml"), "w", encoding="utf-8") as fh:
                fh.write("[tool.bnlint]\nselect = [%s]\n" % ", ".join(f'"{c}"' for c in select.split(",")))
        uri = "file://" + path
        await client.start_io(sys.executable, "-m", "bnlint", "lsp")
        await client.initialize_async(
            types.InitializeParams(
                capabilities=types.ClientCapabilities(),
                root_uri="file://" + tmp,
                initialization_options={"debounce_ms": debounce_ms},
            )
        )
        client.initialized(types.InitializedParams())
        client.text_document_did_open(types.DidOpenTextDocumentParams(text_document=types.TextDocumentItem(uri=uri, language_id="python", version=1, text=text)))
        await _wait(published, 1)

        line_no = text.splitlines().index("LEARNING_RATE = 0.1")
        latencies: List[float] = []
        for n in range(warmup + edits):
            version = n + 2
            new_line = f"LEARNING_RATE = 0.{n + 2:03d}"
            old_len = len(text.splitlines()[line_no])
            client.text_document_did_change(
                types.DidChangeTextDocumentParams(
                    text_document=types.VersionedTextDocumentIdentifier(uri=uri, version=version),
                    content_changes=[
                        types.TextDocumentContentChangePartial(
                            range=types.Range(start=types.Position(line=line_no, character=0), end=types.Position(line=line_no, character=old_len)),
                            text=new_line,
                        )
                    ],
                )
            )
            sent = time.perf_counter()
            lines = text.splitlines(keepends=True)
            lines[line_no] = new_line + "\n"
            text = "".join(lines)
            await _wait(published, version)
            if n >= warmup:
                latencies.append((published[version] - sent) * 1000.0)
        await client.shutdown_async(None)
        client.exit(None)
        await client.stop()
    latencies.sort()
    return {
        "edits": len(latencies),
        "median_ms": statistics.median(latencies),
        "p95_ms": latencies[max(0, int(round(0.95 * len(latencies))) - 1)],
        "min_ms": latencies[0],
        "max_ms": latencies[-1],
        "diagnostics": counts[-1] if counts else 0,
    }


async def _wait(published: Dict[int, float], version: int, timeout: float = 60.0) -> None:
    deadline = time.perf_counter() + timeout
    while version not in published:
        if time.perf_counter() > deadline:
            raise TimeoutError(f"no diagnostics for version {version}")
        await asyncio.sleep(0.0005)


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--edits", type=int, default=50)
    p.add_argument("--warmup", type=int, default=3)
    p.add_argument("--debounce-ms", type=int, action="append", help="server debounce (repeatable; default: 150 and 0)")
    p.add_argument("--select", help="comma-separated rule codes (written to a [tool.bnlint] in the temporary project)")
    args = p.parse_args()
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(f"machine: {platform.platform()}, {os.cpu_count()} cores, Python {platform.python_version()}, load average {load:.1f}")
    from bnlint.registry import load_rules

    codes = args.select or ",".join(r.code for r in load_rules() if r.default_enabled)
    print(f"rules: {codes}")
    print(f"engine alone (lint_source in-process, median of 3): {engine_alone(make_script(), args.select):.1f} ms")
    for debounce in args.debounce_ms or [150, 0]:
        r = asyncio.run(run(args.edits, debounce, args.warmup, args.select))
        print(
            f"debounce {debounce:>3} ms: {r['edits']} edits on a 2,000-line file "
            f"median {r['median_ms']:.1f} ms, p95 {r['p95_ms']:.1f} ms (min {r['min_ms']:.1f}, max {r['max_ms']:.1f}); "
            f"{r['diagnostics']} diagnostic(s) per publish"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
