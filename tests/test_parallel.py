"""The process pool: same answers as one process, outcomes in the order of the files, pool only when worth it."""
import json
import os
import shutil

import pytest

from bnlint import parallel
from bnlint.parallel import run_files
from fixture_support import FIXTURES, all_rules_settings, fixture_files


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
    files = fixture_files()
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
    files = sorted(fixture_files(), key=os.path.getsize)  # smallest first: the reverse of the schedule
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
    files = fixture_files()
    serial = run_files(files, all_rules_settings(), jobs=1, use_cache=False)

    def dying_work(task):
        os._exit(3)  # the worker process dies mid-task

    monkeypatch.setattr(parallel, "_work", dying_work)
    pooled = run_files(files, all_rules_settings(), jobs=2, use_cache=False)
    assert _key(pooled) == _key(serial)


def test_cli_jobs_1_and_2_same_output(tmp_path, bnlint_cli):
    # Enough copies of the fixtures that the CLI's own thresholds start a pool.
    for k in range(3):
        shutil.copytree(FIXTURES, tmp_path / f"copy{k}")
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
