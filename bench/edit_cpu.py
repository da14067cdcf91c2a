"""CPU time per edit of ``lint_source`` on the LSP benchmark's 2,000-line script, as the language
server runs it (one persistent ``ProjectIndex``), with the server's ``ParseCache`` and without it,
interleaved.  CPU time (``time.process_time``) rather than wall time: on a shared machine the
relative figure stays meaningful; ``bench/lsp_latency.py`` gives the end-to-end latency.

    python bench/edit_cpu.py            # 20 single-line edits spread over the file
    python bench/edit_cpu.py --edits 50
"""
from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from lsp_latency import make_script  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--edits", type=int, default=20)
    args = parser.parse_args()

    from bnlint.config import Settings
    from bnlint.engine import ParseCache, lint_source
    from bnlint.inventory import ProjectIndex

    text = make_script(2000)
    lines = text.splitlines(keepends=True)
    settings = Settings()
    path = os.path.join(tempfile.gettempdir(), "train.py")
    index, cache = ProjectIndex(), ParseCache()
    lint_source(text, path, settings, index=index, parse_cache=cache)

    def edited(i: int) -> str:
        out = list(lines)
        k = 200 + (i * 37) % (len(out) - 300)
        out[k] = out[k].rstrip("\n") + f"  # edit {i}\n"
        return "".join(out)

    cached, whole = [], []
    for i in range(args.edits):
        source = edited(i)
        start = time.process_time()
        lint_source(source, path, settings, index=index, parse_cache=cache)
        cached.append(time.process_time() - start)
        start = time.process_time()
        lint_source(source, path, settings, index=index)
        whole.append(time.process_time() - start)

    def summary(xs):
        return statistics.median(xs) * 1000, sorted(xs)[int(0.95 * (len(xs) - 1))] * 1000

    print("CPU ms per edit (median / p95): with ParseCache %.0f / %.0f, whole parse %.0f / %.0f; load %s"
          % (*summary(cached), *summary(whole), open("/proc/loadavg").read().split()[0] if os.path.exists("/proc/loadavg") else "?"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
