"""The process pool: same answers as one process, outcomes in the order of the files, pool only when worth it."""
import json
import os
import shutil

import pytest

from bnlint import parallel
from bnlint.parallel import run_files
from fixture_support import FIXTURES, all_rules_settings, fixture_files, fixture_sample


def _key(outcomes):
    return [(o.path, [(f.line, f.column, f.code, f.message) for f in o.findings], o.internal_errors) for o in outcomes]


@pytest.fixture
def small_pool(monkeypatch):
    """Make the pool start on a handful of files, and record that it did."""
    started = []
    real = parallel._Dispatcher._start_pool

    def spy(self):
        started.append(True)
        return real(self)

    monkeypatch.setattr(parallel, "POOL_MIN_FILES", 2)
    monkeypatch.setattr(parallel, "POOL_MIN_BYTES", 1)
    monkeypatch.setattr(parallel, "_CHUNK_MIN_BYTES", 1)
    monkeypatch.setattr(parallel._Dispatcher, "_start_pool", spy)
    return started


def test_pool_matches_serial_and_keeps_order(small_pool):
    files = fixture_sample()
    assert len(files) >= 5
    serial = run_files(files, all_rules_settings(), jobs=1, use_cache=False)
    assert not small_pool
    pooled = run_files(files, all_rules_settings(), jobs=2, use_cache=False)
    assert small_pool, "the pool was not used"
    assert [o.path for o in pooled] == list(files)
    assert _key(pooled) == _key(serial)
    assert any(o.findings for o in pooled)


def test_order_does_not_follow_size(small_pool):
    """Work is scheduled largest-first; the outcomes still follow the input order."""
    files = sorted(fixture_sample(), key=os.path.getsize)  # smallest first: the reverse of the schedule
    pooled = run_files(files, all_rules_settings(), jobs=3, use_cache=False)
    assert [o.path for o in pooled] == files


def test_few_files_no_pool(monkeypatch):
    def boom(self):
        raise AssertionError("a pool for two small files")

    monkeypatch.setattr(parallel._Dispatcher, "_start_pool", boom)
    files = fixture_files()[:2]
    out = run_files(files, all_rules_settings(), jobs=8, use_cache=False)
    assert [o.path for o in out] == files


def test_broken_worker_falls_back_to_serial(small_pool, monkeypatch):
    files = fixture_sample()
    serial = run_files(files, all_rules_settings(), jobs=1, use_cache=False)

    real = parallel._lint_paths
    parent = os.getpid()
    claimed = []

    def dying_lint(paths, *args):
        claimed.append(paths)
        if os.getpid() != parent and len(claimed) == 2:
            os._exit(3)  # a worker process dies with its second chunk claimed
        return real(paths, *args)

    monkeypatch.setattr(parallel, "_lint_paths", dying_lint)
    pooled = run_files(files, all_rules_settings(), jobs=2, use_cache=False)
    assert _key(pooled) == _key(serial)


def test_cli_jobs_1_and_2_same_output(tmp_path, bnlint_cli):
    # The fixtures are more files and bytes than the CLI's own thresholds need to start a pool.
    assert len(fixture_files()) >= parallel.POOL_MIN_FILES
    assert sum(os.path.getsize(p) for p in fixture_files()) >= parallel.POOL_MIN_BYTES
    shutil.copytree(FIXTURES, tmp_path / "copy")
    outs = []
    for jobs in ("1", "2"):
        res = bnlint_cli("--isolated", "--select", "ALL", "--no-cache", "--jobs", jobs, "--format", "json", ".", cwd=str(tmp_path))
        assert res.returncode == 1, res.stderr
        outs.append(res.stdout)
    assert outs[0] == outs[1]
    findings = json.loads(outs[0])
    assert findings and [(f["filename"] if "filename" in f else f["path"], f["line"]) for f in findings] == sorted(
        (f["filename"] if "filename" in f else f["path"], f["line"]) for f in findings
    )


def test_plan_keeps_path_order_big_files_first(monkeypatch):
    monkeypatch.setattr(parallel, "_CHUNK_MIN_BYTES", 1)
    monkeypatch.setattr(parallel, "_CHUNK_MAX_BYTES", 100)
    names = ["a/x.py", "a/z.py", "b/w.py", "b/y.py", "c/u.py", "c/v.py"]
    misses = [(i, p, 40) for i, p in enumerate(names)] + [(6, "a/big.py", 500), (7, "c/huge.py", 900)]
    chunks, cuts = parallel.plan_chunks(misses, 2)
    assert sorted(i for chunk in chunks for i, _ in chunk) == list(range(8))  # every file once
    assert len(cuts) == 3 and cuts[0] == 0 and cuts[-1] == len(chunks)
    for a, b in zip(cuts, cuts[1:]):
        seg = [p for chunk in chunks[a:b] for _, p in chunk]
        bigs = [p for p in seg if p in ("a/big.py", "c/huge.py")]
        assert seg[: len(bigs)] == sorted(bigs, key=lambda p: -dict(big=500, huge=900)[p[2:-3]])  # longest tasks first
        rest = seg[len(bigs):]
        assert rest == sorted(rest)  # then the folder's files together, in path order
    assert [p for chunk in chunks[: cuts[1]] for _, p in chunk][0] == "a/big.py"


def test_workers_steal_from_the_fullest_segment():
    import multiprocessing

    shared = parallel._SharedSegments(multiprocessing.get_context(), 2)
    shared.set_plan([0, 1, 5])  # segment 0: chunk 0; segment 1: chunks 1-4
    shared.worker_id = 0
    assert [shared.claim() for _ in range(3)] == [0, 4, 3]  # its own, then the other's tail
    shared.worker_id = 1
    assert [shared.claim() for _ in range(3)] == [1, 2, None]


def test_index_starting_afresh_changes_no_finding(monkeypatch):
    # A run over many projects drops the index's summaries once it holds more modules than its
    # budget (``ProjectIndex.MODULE_BUDGET``): only memory and time may change, never an answer.
    from bnlint.inventory import ProjectIndex

    files = [f for f in fixture_files() if os.sep + "crossfile" + os.sep in f]
    assert len(files) >= 20
    whole = run_files(files, all_rules_settings(), jobs=1, use_cache=False)
    forgotten = []
    real_forget = ProjectIndex.forget

    def forget(self):
        forgotten.append(True)
        real_forget(self)

    monkeypatch.setattr(ProjectIndex, "MODULE_BUDGET", 1)
    monkeypatch.setattr(ProjectIndex, "forget", forget)
    fresh = run_files(files, all_rules_settings(), jobs=1, use_cache=False)
    assert len(forgotten) >= 10, "the index never started afresh"
    assert _key(fresh) == _key(whole)
    assert sum(len(o.findings) for o in whole) >= 20
