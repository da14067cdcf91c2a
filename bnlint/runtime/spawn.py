"""Workers started by the traced script with `torch.multiprocessing.spawn` are traced too.

`mp.spawn(fn, args, nprocs)` starts fresh interpreters that import the script's module again,
without the tracer of the parent.  While `bnlint trace` runs the script, `spawn` and
`start_processes` of `torch.multiprocessing` are replaced by versions that start
``traced_worker`` instead, with the user's ``fn`` among its arguments: each worker installs its own
tracer (its process index as its rank), runs ``fn(index, *args)`` as `spawn` would, and writes
its trace to the trace directory, where the parent picks it up after the script ends
(``collect``).  The user's function must be picklable for `spawn` anyway; ``traced_worker`` is a
module-level function, so it is too.
"""
from __future__ import annotations

import glob
import json
import os
import uuid
from typing import Any, Callable, Dict, List, Optional

_GROUP_FILE = "spawn{group}_rank{index}.json"


def traced_worker(index: int, fn: Callable[..., Any], config: Dict[str, Any], *args: Any) -> None:
    """Runs in the spawned process: ``fn(index, *args)`` under a tracer of its own."""
    from bnlint.runtime import Trace

    if config.get("stdout_to_stderr"):
        import sys

        sys.stdout = sys.stderr  # as in the parent: the report on stdout stays clean
    session = Trace(max_steps=config["max_steps"], tiny_batch_size=config["tiny_batch_size"], rank=index)
    try:
        with session:
            fn(index, *args)
    finally:
        data = session.export() if session.tracer is not None else None
        if data is not None:
            data["parent_run"] = config["parent_run"]
            path = os.path.join(config["dir"], _GROUP_FILE.format(group=config["group"], index=index))
            os.makedirs(config["dir"], exist_ok=True)
            tmp = path + ".tmp"
            with open(tmp, "w", encoding="utf-8") as fh:
                json.dump({"trace": data}, fh)
            os.replace(tmp, path)


class SpawnPatch:
    """Replaces `torch.multiprocessing.spawn`/`start_processes` while the script runs."""

    def __init__(self, trace_dir: str, max_steps: Optional[int], tiny_batch_size: int, stdout_to_stderr: bool = False) -> None:
        self.dir = os.path.abspath(trace_dir)
        self.stdout_to_stderr = stdout_to_stderr
        self.max_steps = max_steps
        self.tiny_batch_size = tiny_batch_size
        self.parent_run = uuid.uuid4().hex
        self.groups = 0  # spawn calls so far
        self._saved: Dict[str, Any] = {}

    def __enter__(self) -> "SpawnPatch":
        import torch.multiprocessing as tmp

        start_processes = tmp.start_processes

        def config() -> Dict[str, Any]:
            self.groups += 1
            return {"dir": self.dir, "max_steps": self.max_steps, "tiny_batch_size": self.tiny_batch_size,
                    "parent_run": self.parent_run, "group": self.groups, "stdout_to_stderr": self.stdout_to_stderr}

        def traced_start_processes(fn, args=(), nprocs=1, join=True, daemon=False, start_method="spawn"):
            return start_processes(traced_worker, args=(fn, config(), *tuple(args)), nprocs=nprocs, join=join, daemon=daemon, start_method=start_method)

        def traced_spawn(fn, args=(), nprocs=1, join=True, daemon=False, start_method="spawn"):
            return traced_start_processes(fn, args=args, nprocs=nprocs, join=join, daemon=daemon, start_method=start_method)

        self._saved = {"spawn": tmp.spawn, "start_processes": tmp.start_processes}
        tmp.spawn = traced_spawn
        tmp.start_processes = traced_start_processes
        return self

    def __exit__(self, *exc: Any) -> bool:
        import torch.multiprocessing as tmp

        for name, value in self._saved.items():
            setattr(tmp, name, value)
        return False

    def collect(self) -> List[Dict[str, Any]]:
        """The traces the workers of this run wrote (none when the script spawned none)."""
        if not self.groups:
            return []
        out = []
        for path in sorted(glob.glob(os.path.join(self.dir, "spawn*_rank*.json"))):
            try:
                with open(path, encoding="utf-8") as fh:
                    trace = json.load(fh).get("trace", {})
            except (OSError, ValueError):
                continue
            if trace.get("parent_run") == self.parent_run:
                out.append(trace)
        return out
