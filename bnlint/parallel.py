"""Running files through the linter: cache lookups, then a process pool over the misses."""
from __future__ import annotations

import os
from concurrent.futures import ProcessPoolExecutor
from typing import List, Optional, Sequence

from bnlint.config import Settings
from bnlint.runner import FileOutcome, process_file

# Below this many files a pool costs more to start than it saves.
_POOL_MIN_FILES = 16

_worker_settings: Optional[Settings] = None
_worker_index = None


def _init_worker(settings: Settings, use_prefilter: bool) -> None:
    global _worker_settings, _worker_index
    from bnlint.inventory import ProjectIndex

    _worker_settings = settings
    _worker_index = ProjectIndex()


def _work(args) -> List[FileOutcome]:
    paths, fix, unsafe = args
    assert _worker_settings is not None
    return [process_file(p, _worker_settings, fix=fix, unsafe=unsafe, index=_worker_index) for p in paths]


def run_files(
    files: Sequence[str],
    settings: Settings,
    fix: bool = False,
    unsafe: bool = False,
    use_cache: bool = True,
    jobs: Optional[int] = None,
    use_prefilter: bool = True,
) -> List[FileOutcome]:
    from bnlint.inventory import ProjectIndex

    outcomes: List[Optional[FileOutcome]] = [None] * len(files)
    cache = None
    keys: List[Optional[str]] = [None] * len(files)
    todo: List[int] = []
    if use_cache:
        from bnlint.cache import Cache, default_cache_dir

        cache = Cache(default_cache_dir(settings), settings.fingerprint())
        for i, path in enumerate(files):
            try:
                with open(path, "rb") as fh:
                    data = fh.read()
            except OSError:
                todo.append(i)
                continue
            keys[i] = Cache.key(path, data)
            hit = cache.get(keys[i])  # type: ignore[arg-type]
            if hit is not None:
                outcomes[i] = FileOutcome(path=path, findings=hit)
            else:
                todo.append(i)
    else:
        todo = list(range(len(files)))

    if not use_prefilter:
        from bnlint import engine

        engine.needs_parse = lambda source, rules: True  # type: ignore[assignment]

    jobs = jobs or os.cpu_count() or 1
    if jobs > 1 and len(todo) >= _POOL_MIN_FILES and use_prefilter:
        chunk = max(1, min(32, len(todo) // (jobs * 8) or 1))
        batches = [[files[i] for i in todo[k : k + chunk]] for k in range(0, len(todo), chunk)]
        with ProcessPoolExecutor(max_workers=jobs, initializer=_init_worker, initargs=(settings, use_prefilter)) as pool:
            results = list(pool.map(_work, [(b, fix, unsafe) for b in batches]))
        flat = [o for batch in results for o in batch]
        for i, outcome in zip(todo, flat):
            outcomes[i] = outcome
    else:
        index = ProjectIndex()
        for i in todo:
            outcomes[i] = process_file(files[i], settings, fix=fix, unsafe=unsafe, index=index)

    if cache is not None:
        for i in todo:
            o = outcomes[i]
            if o is not None and keys[i] is not None and not o.internal_errors:
                # A finding can depend on imported project modules: cache only self-contained answers.
                cache.put(keys[i], o.findings)  # type: ignore[arg-type]
    return [o for o in outcomes if o is not None]
