"""Running files through the linter: cache lookups, then a process pool over the misses.

The parent stats every file and answers what it can from the cache.  The misses are
sorted by path, cut into chunks of roughly equal bytes, and the chunks into one
contiguous segment per worker: each worker lints its own part of the directory tree, so
the ``ProjectIndex`` it builds (summaries of the modules those files import, the
text-level import graph) serves files that import the same modules, instead of both
workers summarising the same modules for interleaved files.  A worker starts with the
large files of its segment (the longest tasks first), then goes through the rest in path
order; when its segment is empty it takes chunks from the end of the fullest other
segment (work stealing), so both cores stay busy to the end.

The pool starts only once there is enough uncached work to pay for it, so a warm run or a
run on a couple of files never forks.  Workers are initialised once (settings, rules and
a ``ProjectIndex`` of their own) and report, with each file's outcome, which project
modules its analysis consulted, for the cache key.  A chunk whose worker died is linted
again in this process.  Outcomes are returned in the order of ``files`` whatever order
the workers finish in.
"""
from __future__ import annotations

import os
import sys

from bnlint.config import Settings
from bnlint.runner import FileOutcome, process_file

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing (a few ms of every start)
if TYPE_CHECKING:  # pragma: no cover
    from typing import Callable, Dict, List, Optional, Sequence, Tuple

# Below this much uncached work a pool costs more to start than it saves.
POOL_MIN_FILES = 8
POOL_MIN_BYTES = 150_000
# Chunks of roughly this many source bytes (clamped), one claim each: small, so that the
# last claims (the tail where one worker may wait for the other) are short.
_CHUNK_MIN_BYTES = 16_000
_CHUNK_MAX_BYTES = 64_000
_CHUNK_MAX_FILES = 64

# In a worker: (settings, its ProjectIndex, use_prefilter), and the scheduler's shared state.
_worker: Optional[Tuple[Settings, object, bool]] = None
_shared: Optional["_SharedSegments"] = None

if TYPE_CHECKING:  # pragma: no cover
    Result = Tuple[FileOutcome, List[str]]
    Chunk = List[Tuple[int, str]]  # (index in ``files``, path)


def default_jobs() -> int:
    try:
        return max(1, len(os.sched_getaffinity(0)))  # type: ignore[attr-defined]
    except (AttributeError, OSError):
        return os.cpu_count() or 1


def _index_root(settings: Settings) -> Optional[str]:
    """The project root bounds import lookups only when a config file marks it: run from a
    sub-folder without one, `from models import Net` may well live above the current directory."""
    return settings.project_root if settings.config_path else None


def _init_worker(settings: Settings, use_prefilter: bool, shared: Optional["_SharedSegments"] = None) -> None:
    global _worker, _shared
    from bnlint.inventory import ProjectIndex

    _shared = shared
    if shared is not None:
        shared.register_worker()

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


def _lint_paths(paths: Sequence[str], settings: Settings, index, use_prefilter: bool, fix: bool, unsafe: bool, digest: bool = False, write: bool = False) -> List[Result]:
    from bnlint.engine import RELEASE_AFTER_BYTES, release_freed_memory

    out: List[Result] = []
    for path in paths:
        index.take_consulted()
        outcome = process_file(path, settings, fix=fix, unsafe=unsafe, index=index, use_prefilter=use_prefilter, digest=digest, write=write)
        out.append((outcome, sorted(index.take_consulted())))
        if index.over_budget():
            index.forget()  # (a run over many projects: the next files rarely import these modules)
        try:
            big = os.path.getsize(path) >= RELEASE_AFTER_BYTES
        except OSError:
            big = False
        if big:
            release_freed_memory()  # the tree is gone: do not let the next files grow on top of it
    return out


class _SharedSegments:
    """Which chunks of each segment are still to be claimed: ``lo[k]`` and ``hi[k]`` (chunk
    indices, half-open) per segment, in shared memory, behind one lock.  Worker ``k`` claims
    from the front of segment ``k``; with that empty, from the back of the fullest one."""

    def __init__(self, ctx, segments: int) -> None:
        self.lock = ctx.Lock()
        self.bounds = ctx.Array("i", 2 * segments, lock=False)
        self.next_worker = ctx.Value("i", 0, lock=False)
        self.segments = segments
        self.worker_id = -1  # set in each worker

    def set_plan(self, cuts: Sequence[int]) -> None:
        """Segment k holds chunks cuts[k] .. cuts[k + 1] - 1 (called before any claim)."""
        with self.lock:
            for k in range(self.segments):
                self.bounds[2 * k], self.bounds[2 * k + 1] = cuts[k], cuts[k + 1]

    def register_worker(self) -> None:
        with self.lock:
            self.worker_id = self.next_worker.value % self.segments
            self.next_worker.value += 1

    def claim(self) -> Optional[int]:
        """The next chunk for this worker, or None when every chunk has been claimed."""
        b = self.bounds
        with self.lock:
            k = self.worker_id
            if b[2 * k] < b[2 * k + 1]:
                b[2 * k] += 1
                return b[2 * k] - 1
            fullest = max(range(self.segments), key=lambda j: b[2 * j + 1] - b[2 * j])
            if b[2 * fullest] >= b[2 * fullest + 1]:
                return None
            b[2 * fullest + 1] -= 1
            return b[2 * fullest + 1]


def _drain(task: Tuple[List[Chunk], bool, bool, bool, bool]) -> Dict[int, List[Result]]:
    """A worker's whole share: claim chunks until none is left; their results by chunk index."""
    chunks, fix, unsafe, digest, write = task
    assert _worker is not None and _shared is not None
    settings, index, use_prefilter = _worker
    done: Dict[int, List[Result]] = {}
    while True:
        c = _shared.claim()
        if c is None:
            return done
        done[c] = _lint_paths([p for _, p in chunks[c]], settings, index, use_prefilter, fix, unsafe, digest, write)


def plan_chunks(misses: Sequence[Tuple[int, str, int]], jobs: int) -> Tuple[List[Chunk], List[int]]:
    """The chunks (in claim order) and the segment cuts for ``misses`` = (index, path, size).

    Path order keeps a directory's files together; a file of a chunk's size or more is a
    chunk of its own and goes to the front of its segment, largest first."""
    total = sum(size for _, _, size in misses)
    chunk_bytes = min(_CHUNK_MAX_BYTES, max(_CHUNK_MIN_BYTES, total // max(1, jobs * 12)))
    chunks: List[Chunk] = []
    sizes: List[int] = []
    current: Chunk = []
    current_bytes = 0
    for i, path, size in sorted(misses, key=lambda m: m[1]):
        if size >= chunk_bytes:
            if current:
                chunks.append(current)
                sizes.append(current_bytes)
                current, current_bytes = [], 0
            chunks.append([(i, path)])
            sizes.append(size)
            continue
        current.append((i, path))
        current_bytes += size
        if current_bytes >= chunk_bytes or len(current) >= _CHUNK_MAX_FILES:
            chunks.append(current)
            sizes.append(current_bytes)
            current, current_bytes = [], 0
    if current:
        chunks.append(current)
        sizes.append(current_bytes)
    # Contiguous segments of about equal bytes: each cut before or after the chunk that crosses
    # the segment's share, whichever lands nearer to it.
    cuts = [0]
    running = 0
    for c, size in enumerate(sizes):
        before, running = running, running + size
        target = total * len(cuts) / jobs
        if len(cuts) < jobs and running >= target:
            cut = c if target - before < running - target and c > cuts[-1] else c + 1
            cuts.append(cut)
    while len(cuts) < jobs:
        cuts.append(len(chunks))
    cuts.append(len(chunks))
    ordered: List[Chunk] = []
    for a, b in zip(cuts, cuts[1:]):
        big = sorted((c for c in range(a, b) if len(chunks[c]) == 1 and sizes[c] >= chunk_bytes), key=lambda c: -sizes[c])
        rest = [c for c in range(a, b) if not (len(chunks[c]) == 1 and sizes[c] >= chunk_bytes)]
        ordered.extend(chunks[c] for c in big + rest)
    return ordered, cuts


class _Dispatcher:
    """Collects uncached files; runs them in a pool once there is enough work, else in this process."""

    def __init__(self, settings: Settings, jobs: int, fix: bool, unsafe: bool, use_prefilter: bool, digest: bool = False, write: bool = False) -> None:
        self.settings = settings
        self.write = write  # write each fixed file back as soon as it is fixed
        self.digest = digest  # hash each file's bytes for the cache (``FileOutcome.content_digest``)
        self.jobs = jobs
        self.fix = fix
        self.unsafe = unsafe
        self.use_prefilter = use_prefilter
        self.waiting: List[Tuple[int, str, int]] = []
        self.bytes = 0
        self.pool = None
        self.shared: Optional[_SharedSegments] = None
        self._index = None

    def add(self, i: int, path: str, size: int) -> None:
        self.waiting.append((i, path, size))
        self.bytes += size
        if self.pool is None and self.jobs > 1 and len(self.waiting) >= POOL_MIN_FILES and self.bytes >= POOL_MIN_BYTES:
            self._start_pool()  # the workers import libcst while this process reads the cache

    def _start_pool(self) -> None:
        import multiprocessing
        from concurrent.futures import ProcessPoolExecutor

        ctx = None
        if sys.platform.startswith("linux") and "fork" in multiprocessing.get_all_start_methods():
            ctx = multiprocessing.get_context("fork")  # inherits the loaded rules; no re-import per worker
        try:
            self.shared = _SharedSegments(ctx or multiprocessing.get_context(), self.jobs)
            self.pool = ProcessPoolExecutor(
                max_workers=self.jobs, mp_context=ctx, initializer=_init_worker, initargs=(self.settings, self.use_prefilter, self.shared)
            )
            for _ in range(self.jobs):  # start every worker now (they start lazily, one per task)
                self.pool.submit(_ready)
        except (OSError, ValueError, NotImplementedError, RuntimeError):  # no processes here (sandbox, WASI): stay serial
            if self.pool is not None:
                self.pool.shutdown(wait=False, cancel_futures=True)
            self.pool = None
            self.jobs = 1

    def _local(self, chunk: Sequence[Tuple[int, str]]) -> List[Result]:
        if self._index is None:
            from bnlint.inventory import ProjectIndex

            self._index = ProjectIndex(root=_index_root(self.settings))
        return _lint_paths([p for _, p in chunk], self.settings, self._index, self.use_prefilter, self.fix, self.unsafe, self.digest, self.write)

    def finish(self) -> Dict[int, Result]:
        results: Dict[int, Result] = {}
        if self.pool is None or self.shared is None:
            chunk = [(i, p) for i, p, _ in self.waiting]
            for (i, _), res in zip(chunk, self._local(chunk)):
                results[i] = res
            return results
        chunks, cuts = plan_chunks(self.waiting, self.jobs)
        done: Dict[int, List[Result]] = {}
        try:
            self.shared.set_plan(cuts)
            futures = []
            for _ in range(self.jobs):
                try:
                    futures.append(self.pool.submit(_drain, (chunks, self.fix, self.unsafe, self.digest, self.write)))
                except Exception:  # broken pool: what is left is done here
                    break
            for fut in futures:
                try:
                    done.update(fut.result())
                except Exception:  # a worker died (OOM, signal): its unfinished chunks are redone below
                    pass
        finally:
            self.pool.shutdown(wait=True, cancel_futures=True)
        for c, chunk in enumerate(chunks):
            got = done.get(c)
            if got is None or len(got) != len(chunk):
                got = self._local(chunk)
            for (i, _), res in zip(chunk, got):
                results[i] = res
        return results


def _ready() -> None:
    """The task that makes a worker process start (and run its initializer)."""


def run_files(
    files: Sequence[str],
    settings: Settings,
    fix: bool = False,
    unsafe: bool = False,
    use_cache: bool = True,
    jobs: Optional[int] = None,
    use_prefilter: bool = True,
    write: bool = False,
) -> List[FileOutcome]:
    """Lint ``files``; the outcomes come back in the order of ``files``.

    ``write=True`` (``--fix``) writes each fixed file as soon as it is fixed (``process_file``).

    ``use_prefilter=False`` parses every file (a debugging aid, and the
    reference the tests compare the prefilter against); it bypasses the cache.
    """
    from bnlint.cache import stat_state

    n = len(files)
    outcomes: List[Optional[FileOutcome]] = [None] * n
    jobs = jobs if jobs and jobs > 0 else default_jobs()
    cache = None
    if use_cache and use_prefilter and not (fix or write):
        from bnlint.cache import Cache, default_cache_dir

        cache = Cache(default_cache_dir(settings), settings)

    states = [stat_state(p) for p in files]
    sizes = [s[1] if s is not None else 0 for s in states]
    order = sorted(range(n), key=lambda i: (-sizes[i], i))  # largest first: the pool starts early
    dispatcher = _Dispatcher(settings, jobs, fix or write, unsafe, use_prefilter, digest=cache is not None, write=write)
    digests: List[Optional[str]] = [None] * n
    abspaths: List[str] = [""] * n

    for i in order:
        path = files[i]
        if cache is not None and states[i] is not None:
            abspaths[i] = os.path.abspath(path)
            read = _reader(path)
            hit, digest = cache.lookup(abspaths[i], states[i], read)
            if hit is not None:
                findings = cache.findings_for(hit, path)
                if findings is not None:
                    outcomes[i] = FileOutcome(path=path, findings=findings)
                    continue
            digests[i] = digest  # None: the worker hashes the bytes it reads (``content_digest``)
        dispatcher.add(i, path, sizes[i])

    for i, (outcome, consulted) in dispatcher.finish().items():
        outcomes[i] = outcome
        digests[i] = outcome.content_digest or digests[i]  # the bytes that were analysed
        # Not an outcome with notes either (an analysis that gave up): the cache keeps findings
        # only, and a cached run must not drop the warning.
        if cache is not None and digests[i] is not None and not outcome.internal_errors and not outcome.notes:
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
