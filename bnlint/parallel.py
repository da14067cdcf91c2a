"""Running files through the linter: cache lookups, then a process pool over the misses.

The parent stats every file (largest first), answers what it can from the
cache, and hands the misses to worker processes in chunks of roughly equal
bytes: big files first, small ones last, so both cores stay busy to the end
(longest-processing-time-first scheduling).  The pool starts only once there
is enough uncached work to pay for it, so a warm run or a run on a couple of
files never forks.  Workers are initialised once (settings, rules and a
``ProjectIndex`` of their own) and report, with each file's outcome, which
project modules its analysis consulted, for the cache key.  Outcomes are
returned in the order of ``files`` whatever order the workers finish in.
"""
from __future__ import annotations

import os
import sys
from typing import Callable, Dict, List, Optional, Sequence, Tuple

from bnlint.config import Settings
from bnlint.runner import FileOutcome, process_file

# Below this much uncached work a pool costs more to start than it saves.
POOL_MIN_FILES = 8
POOL_MIN_BYTES = 150_000
# Chunks of roughly this many source bytes (clamped), one task each.
_CHUNK_MIN_BYTES = 16_000
_CHUNK_MAX_BYTES = 256_000
_CHUNK_MAX_FILES = 64

_worker: Optional[Tuple[Settings, object, bool]] = None

Result = Tuple[FileOutcome, List[str]]


def default_jobs() -> int:
    try:
        return max(1, len(os.sched_getaffinity(0)))  # type: ignore[attr-defined]
    except (AttributeError, OSError):
        return os.cpu_count() or 1


def _index_root(settings: Settings) -> Optional[str]:
    """The project root bounds import lookups only when a config file marks it: run from a
    sub-folder without one, `from models import Net` may well live above the current directory."""
    return settings.project_root if settings.config_path else None


def _init_worker(settings: Settings, use_prefilter: bool) -> None:
    global _worker
    from bnlint.inventory import ProjectIndex

    from bnlint.engine import tune_gc_for_batch

    tune_gc_for_batch()
    settings.enabled_rules()
    _worker = (settings, ProjectIndex(root=_index_root(settings)), use_prefilter)
    try:  # pay for libcst once, while the parent is still reading the cache
        import libcst
        import libcst.metadata  # noqa: F401

        libcst.Module  # noqa: B018 - loads the lazy module
        import bnlint.facts  # noqa: F401
    except ImportError:  # pragma: no cover - reported per file by the engine
        pass


def _lint_paths(paths: Sequence[str], settings: Settings, index, use_prefilter: bool, fix: bool, unsafe: bool) -> List[Result]:
    from bnlint.engine import RELEASE_AFTER_BYTES, release_freed_memory

    out: List[Result] = []
    for path in paths:
        index.take_consulted()
        outcome = process_file(path, settings, fix=fix, unsafe=unsafe, index=index, use_prefilter=use_prefilter)
        out.append((outcome, sorted(index.take_consulted())))
        try:
            big = os.path.getsize(path) >= RELEASE_AFTER_BYTES
        except OSError:
            big = False
        if big:
            release_freed_memory()  # the tree is gone: do not let the next files grow on top of it
    return out


def _work(task: Tuple[List[str], bool, bool]) -> List[Result]:
    paths, fix, unsafe = task
    assert _worker is not None
    settings, index, use_prefilter = _worker
    return _lint_paths(paths, settings, index, use_prefilter, fix, unsafe)


class _Dispatcher:
    """Collects uncached files; runs them in a pool once there is enough work, else in this process."""

    def __init__(self, settings: Settings, jobs: int, fix: bool, unsafe: bool, use_prefilter: bool, total_bytes: int) -> None:
        self.settings = settings
        self.jobs = jobs
        self.fix = fix
        self.unsafe = unsafe
        self.use_prefilter = use_prefilter
        self.chunk_bytes = min(_CHUNK_MAX_BYTES, max(_CHUNK_MIN_BYTES, total_bytes // max(1, jobs * 12)))
        self.waiting: List[Tuple[int, str, int]] = []  # not yet submitted
        self.waiting_bytes = 0
        self.count = 0
        self.bytes = 0
        self.pool = None
        self.futures: List[Tuple[object, List[Tuple[int, str]]]] = []
        self._index = None

    def add(self, i: int, path: str, size: int) -> None:
        self.waiting.append((i, path, size))
        self.waiting_bytes += size
        self.count += 1
        self.bytes += size
        if self.pool is None and self.jobs > 1 and self.count >= POOL_MIN_FILES and self.bytes >= POOL_MIN_BYTES:
            self._start_pool()
        if self.pool is not None and (self.waiting_bytes >= self.chunk_bytes or len(self.waiting) >= _CHUNK_MAX_FILES):
            self._submit_waiting()

    def _start_pool(self) -> None:
        import multiprocessing
        from concurrent.futures import ProcessPoolExecutor

        ctx = None
        if sys.platform.startswith("linux") and "fork" in multiprocessing.get_all_start_methods():
            ctx = multiprocessing.get_context("fork")  # inherits the loaded rules; no re-import per worker
        try:
            self.pool = ProcessPoolExecutor(
                max_workers=self.jobs, mp_context=ctx, initializer=_init_worker, initargs=(self.settings, self.use_prefilter)
            )
        except (OSError, ValueError, NotImplementedError):  # no processes here (sandbox, WASI): stay serial
            self.pool = None
            self.jobs = 1

    def _submit_waiting(self) -> None:
        # Files arrive largest first; cut the queue into chunks of about chunk_bytes.
        chunk: List[Tuple[int, str]] = []
        size = 0
        for i, path, n in self.waiting:
            chunk.append((i, path))
            size += n
            if size >= self.chunk_bytes or len(chunk) >= _CHUNK_MAX_FILES:
                self._submit(chunk)
                chunk, size = [], 0
        if chunk:
            self._submit(chunk)
        self.waiting, self.waiting_bytes = [], 0

    def _submit(self, chunk: List[Tuple[int, str]]) -> None:
        try:
            fut = self.pool.submit(_work, ([p for _, p in chunk], self.fix, self.unsafe))  # type: ignore[union-attr]
        except Exception:  # broken pool: do it here
            fut = None
        self.futures.append((fut, chunk))

    def _local(self, chunk: Sequence[Tuple[int, str]]) -> List[Result]:
        if self._index is None:
            from bnlint.inventory import ProjectIndex

            self._index = ProjectIndex(root=_index_root(self.settings))
        return _lint_paths([p for _, p in chunk], self.settings, self._index, self.use_prefilter, self.fix, self.unsafe)

    def finish(self) -> Dict[int, Result]:
        results: Dict[int, Result] = {}
        if self.pool is None:
            chunk = [(i, p) for i, p, _ in self.waiting]
            for (i, _), res in zip(chunk, self._local(chunk)):
                results[i] = res
            return results
        self._submit_waiting()
        try:
            for fut, chunk in self.futures:
                try:
                    got = fut.result() if fut is not None else None  # type: ignore[attr-defined]
                except Exception:  # a worker died (OOM, signal): redo its chunk here
                    got = None
                if got is None or len(got) != len(chunk):
                    got = self._local(chunk)
                for (i, _), res in zip(chunk, got):
                    results[i] = res
        finally:
            self.pool.shutdown(wait=True, cancel_futures=True)  # type: ignore[union-attr]
        return results


def run_files(
    files: Sequence[str],
    settings: Settings,
    fix: bool = False,
    unsafe: bool = False,
    use_cache: bool = True,
    jobs: Optional[int] = None,
    use_prefilter: bool = True,
) -> List[FileOutcome]:
    """Lint ``files``; the outcomes come back in the order of ``files``.

    ``use_prefilter=False`` parses every file (a debugging aid, and the
    reference the tests compare the prefilter against); it bypasses the cache.
    """
    from bnlint.cache import stat_state

    n = len(files)
    outcomes: List[Optional[FileOutcome]] = [None] * n
    jobs = jobs if jobs and jobs > 0 else default_jobs()
    cache = None
    if use_cache and use_prefilter and not fix:
        from bnlint.cache import Cache, default_cache_dir

        cache = Cache(default_cache_dir(settings), settings)

    states = [stat_state(p) for p in files]
    sizes = [s[1] if s is not None else 0 for s in states]
    order = sorted(range(n), key=lambda i: (-sizes[i], i))  # largest first
    dispatcher = _Dispatcher(settings, jobs, fix, unsafe, use_prefilter, sum(sizes))
    digests: List[Optional[str]] = [None] * n
    abspaths: List[str] = [""] * n

    for i in order:
        path = files[i]
        if cache is not None and states[i] is not None:
            from bnlint.cache import content_hash

            abspaths[i] = os.path.abspath(path)
            read = _reader(path)
            hit, digest = cache.lookup(abspaths[i], states[i], read)
            if hit is not None:
                findings = cache.findings_for(hit, path)
                if findings is not None:
                    outcomes[i] = FileOutcome(path=path, findings=findings)
                    continue
            if digest is None:
                data = read()
                digest = content_hash(data) if data is not None else None
            digests[i] = digest
        dispatcher.add(i, path, sizes[i])

    for i, (outcome, consulted) in dispatcher.finish().items():
        outcomes[i] = outcome
        if cache is not None and digests[i] is not None and not outcome.internal_errors:
            # Not when the file changed while it was being analysed: the answer may match neither version.
            if stat_state(files[i]) == states[i]:
                cache.put(abspaths[i], states[i], digests[i], outcome.findings, consulted)  # type: ignore[arg-type]
    if cache is not None:
        cache.save()
    return [o if o is not None else FileOutcome(path=files[k]) for k, o in enumerate(outcomes)]


def _reader(path: str) -> Callable[[], Optional[bytes]]:
    memo: List[Optional[bytes]] = []

    def read() -> Optional[bytes]:
        if not memo:
            try:
                with open(path, "rb") as fh:
                    memo.append(fh.read())
            except OSError:
                memo.append(None)
        return memo[0]

    return read
