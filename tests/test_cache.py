"""The findings cache: hits, every kind of invalidation, corrupt files, flags and `bnlint clean`."""
import glob
import json
import os
import textwrap

import pytest

from bnlint import parallel
from bnlint.config import Settings
from bnlint.parallel import run_files

MODELS_BN = textwrap.dedent(
    """\
    import torch.nn as nn


    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            self.conv = nn.Conv2d(3, 8, 3)
            self.bn = nn.BatchNorm2d(8)

        def forward(self, x):
            return self.bn(self.conv(x))
    """
)
MODELS_GN = MODELS_BN.replace("nn.BatchNorm2d(8)", "nn.GroupNorm(2, 8)")
TRAIN = textwrap.dedent(
    """\
    import torch
    from models import Net


    def main(loader, val_loader):
        model = Net()
        opt = torch.optim.SGD(model.parameters(), lr=0.1)
        for epoch in range(3):
            model.train()
            for x, y in loader:
                opt.zero_grad()
                loss = torch.nn.functional.cross_entropy(model(x), y)
                loss.backward()
                opt.step()
            correct = 0
            with torch.no_grad():
                for x, y in val_loader:
                    correct += (model(x).argmax(1) == y).sum().item()
            print(epoch, correct)
    """
)
CLEAN = "import os\n\n\ndef f(x):\n    return x + 1\n"


@pytest.fixture
def project(tmp_path):
    (tmp_path / "models.py").write_text(MODELS_BN)
    (tmp_path / "train.py").write_text(TRAIN)
    (tmp_path / "util.py").write_text(CLEAN)
    return tmp_path


@pytest.fixture
def analysed(monkeypatch):
    """Records which paths were really analysed (not answered from the cache)."""
    seen = []
    real = parallel._lint_paths

    def spy(paths, *args, **kwargs):
        seen.extend(os.path.basename(p) for p in paths)
        return real(paths, *args, **kwargs)

    monkeypatch.setattr(parallel, "_lint_paths", spy)
    return seen


def settings_for(root, **kw):
    s = Settings(project_root=str(root), cache_dir=str(root / ".cache"), **kw)
    return s


def lint(root, settings=None, **kw):
    files = sorted(str(p) for p in root.glob("*.py"))
    outcomes = run_files(files, settings or settings_for(root), jobs=1, **kw)
    return {os.path.basename(o.path): [(f.line, f.code) for f in o.findings] for o in outcomes}


def cache_files(root):
    return glob.glob(str(root / ".cache" / "*" / "*.json"))


def test_hit_skips_analysis(project, analysed):
    first = lint(project)
    assert first["train.py"] == [(18, "BN001")]
    assert sorted(analysed) == ["models.py", "train.py", "util.py"]
    analysed.clear()
    assert lint(project) == first
    assert analysed == []
    assert len(cache_files(project)) == 1


def test_first_run_reads_each_file_once_and_keys_it_by_the_bytes_analysed(project, monkeypatch):
    """Without an entry the parent does not read a file to hash it: the analysis hashes the bytes
    it reads (a serial pass over every file before the pool started, on a project's first run)."""
    from bnlint.sources import content_hash

    parent_reads = []
    real_reader = parallel._reader

    def counting_reader(path):
        read = real_reader(path)

        def counted():
            parent_reads.append(os.path.basename(path))
            return read()

        return counted

    monkeypatch.setattr(parallel, "_reader", counting_reader)
    first = lint(project)
    assert parent_reads == []
    data = json.load(open(cache_files(project)[0]))
    keys = {os.path.basename(k): v[3] for k, v in data["entries"].items()}
    assert keys["train.py"] == content_hash((project / "train.py").read_bytes())
    assert keys.keys() == {"models.py", "train.py", "util.py"}
    assert lint(project) == first
    # Without a cache nothing is hashed at all.
    uncached = run_files([str(project / "train.py")], settings_for(project), jobs=1, use_cache=False)
    assert uncached[0].content_digest is None


def test_cached_findings_are_complete(project):
    """A hit gives back the same Finding objects: message, columns, fix, statement lines."""
    files = [str(project / "train.py")]
    s = settings_for(project)
    cold = run_files(files, s, jobs=1, use_cache=False)[0].findings
    run_files(files, s, jobs=1)
    warm = run_files(files, settings_for(project), jobs=1)[0].findings
    assert [f.to_json() for f in warm] == [f.to_json() for f in cold]
    assert [f.stmt_lines for f in warm] == [f.stmt_lines for f in cold]


def test_content_change_invalidates(project, analysed):
    lint(project)
    analysed.clear()
    (project / "train.py").write_text(TRAIN.replace("with torch.no_grad():", "model.eval()\n        with torch.no_grad():"))
    got = lint(project)
    assert analysed == ["train.py"]
    assert got["train.py"] == []


def test_touch_without_change_is_a_hit(project, analysed):
    lint(project)
    analysed.clear()
    st = os.stat(project / "util.py")
    os.utime(project / "util.py", ns=(st.st_atime_ns, st.st_mtime_ns + 5_000_000_000))
    lint(project)
    assert analysed == []


def test_settings_change_invalidates(project, analysed):
    lint(project)
    analysed.clear()
    got = lint(project, settings_for(project, ignore=["BN001"]))
    assert sorted(analysed) == ["models.py", "train.py", "util.py"]
    assert got["train.py"] == []
    assert len(cache_files(project)) == 2  # one packed file per effective settings


def test_imported_project_module_change_invalidates(project, analysed):
    """train.py's finding depends on models.Net holding BatchNorm: editing models.py must re-lint train.py."""
    assert lint(project)["train.py"] == [(18, "BN001")]
    analysed.clear()
    (project / "models.py").write_text(MODELS_GN)
    got = lint(project)
    assert sorted(analysed) == ["models.py", "train.py"]
    assert got["train.py"] == []
    analysed.clear()
    (project / "models.py").write_text(MODELS_BN)
    assert lint(project)["train.py"] == [(18, "BN001")]
    assert sorted(analysed) == ["models.py", "train.py"]


def test_creating_a_probed_module_invalidates(tmp_path, analysed):
    """`from models import Net` with no models.py yet: creating it must change the answer."""
    (tmp_path / "train.py").write_text(TRAIN)
    files = [str(tmp_path / "train.py")]
    s = lambda: settings_for(tmp_path)  # noqa: E731
    first = run_files(files, s(), jobs=1)[0].findings
    assert first == []
    (tmp_path / "models.py").write_text(MODELS_BN)
    analysed.clear()
    again = run_files(files, s(), jobs=1)[0].findings
    assert analysed == ["train.py"]
    assert [(f.line, f.code) for f in again] == [(18, "BN001")]


@pytest.mark.parametrize("garbage", [b"", b"{not json", b"\x00\xff\xfe", b'{"format": 2, "entries": {"x": [1]}}', b"[1, 2, 3]"])
def test_corrupt_cache_file_is_ignored_and_rewritten(project, analysed, garbage):
    expected = lint(project)
    (path,) = cache_files(project)
    with open(path, "wb") as fh:
        fh.write(garbage)
    analysed.clear()
    assert lint(project) == expected
    assert sorted(analysed) == ["models.py", "train.py", "util.py"]
    with open(path, encoding="utf-8") as fh:
        data = json.load(fh)  # valid again
    assert len(data["entries"]) == 3
    analysed.clear()
    assert lint(project) == expected
    assert analysed == []


def test_corrupt_entry_is_a_miss(project, analysed):
    expected = lint(project)
    (path,) = cache_files(project)
    with open(path, encoding="utf-8") as fh:
        data = json.load(fh)
    key = str(project / "train.py")
    data["entries"][key][4] = [{"bogus": 1}]  # findings that cannot be decoded
    with open(path, "w", encoding="utf-8") as fh:
        json.dump(data, fh)
    analysed.clear()
    assert lint(project) == expected
    assert "train.py" in analysed


def test_concurrent_writers_merge(project):
    """Two runs that each lint part of the tree both keep their entries (atomic replace + merge)."""
    from bnlint.cache import Cache, default_cache_dir

    s = settings_for(project)
    a = Cache(default_cache_dir(s), s)
    b = Cache(default_cache_dir(s), s)
    a._load(), b._load()
    run_files([str(project / "util.py")], s, jobs=1)
    for c, name in ((a, "train.py"), (b, "models.py")):
        p = str(project / name)
        from bnlint.cache import stat_state

        c.put(p, stat_state(p), "0" * 32, [], [])
        c.save()
    (path,) = cache_files(project)
    with open(path, encoding="utf-8") as fh:
        entries = json.load(fh)["entries"]
    assert {os.path.basename(k) for k in entries} == {"util.py", "train.py", "models.py"}
    assert not [f for f in os.listdir(os.path.dirname(path)) if f.startswith(".tmp-")]


def test_no_prefilter_and_fix_bypass_the_cache(project):
    lint(project, use_prefilter=False)
    lint(project, fix=True)
    assert cache_files(project) == []


# --- command line ---------------------------------------------------------------


def _cli_project(tmp_path):
    (tmp_path / "models.py").write_text(MODELS_BN)
    (tmp_path / "train.py").write_text(TRAIN)
    return tmp_path


def test_cli_no_cache_writes_nothing(tmp_path, bnlint_cli):
    root = _cli_project(tmp_path)
    env = {"BNLINT_CACHE_DIR": ""}
    res = bnlint_cli("--isolated", "--no-cache", "--format", "json", ".", cwd=str(root), env=env)
    assert res.returncode == 1, res.stderr
    assert [f["code"] for f in json.loads(res.stdout)] == ["BN001"]
    leftovers = [p for p in os.listdir(root) if "cache" in p]
    assert leftovers == []


def test_cli_default_cache_dir_and_hit(tmp_path, bnlint_cli):
    root = _cli_project(tmp_path)
    env = {"BNLINT_CACHE_DIR": ""}
    cold = bnlint_cli("--isolated", "--format", "json", ".", cwd=str(root), env=env)
    assert os.path.isdir(root / ".bnlint_cache")
    assert (root / ".bnlint_cache" / ".gitignore").read_text().strip().endswith("*")
    warm = bnlint_cli("--isolated", "--format", "json", ".", cwd=str(root), env=env)
    assert warm.returncode == cold.returncode == 1
    assert warm.stdout == cold.stdout


def test_cli_cache_dir_flag_and_config(tmp_path, bnlint_cli):
    root = _cli_project(tmp_path)
    res = bnlint_cli("--isolated", "--cache-dir", "custom-cache", ".", cwd=str(root))
    assert res.returncode == 1
    assert glob.glob(str(root / "custom-cache" / "*" / "*.json"))
    (root / "pyproject.toml").write_text('[tool.bnlint]\ncache-dir = "from-config"\n')
    res = bnlint_cli(".", cwd=str(root))
    assert res.returncode == 1, res.stderr
    assert glob.glob(str(root / "from-config" / "*" / "*.json"))


def test_cli_clean(tmp_path, bnlint_cli):
    root = _cli_project(tmp_path)
    (root / "pyproject.toml").write_text('[tool.bnlint]\ncache-dir = "from-config"\n')
    bnlint_cli(".", cwd=str(root))
    assert os.path.isdir(root / "from-config")
    res = bnlint_cli("clean", cwd=str(root))
    assert res.returncode == 0, res.stderr
    assert not os.path.exists(root / "from-config")
    assert "Removed cache" in res.stdout
    res = bnlint_cli("clean", cwd=str(root))
    assert res.returncode == 0 and "No cache" in res.stdout
    bnlint_cli("--cache-dir", "other", ".", cwd=str(root))
    res = bnlint_cli("clean", "--cache-dir", "other", cwd=str(root))
    assert res.returncode == 0 and not os.path.exists(root / "other")


def test_concurrent_writers_merge_their_dependency_tables(project):
    """Both runs recorded deps: after the merge every entry's deps still decode to its own paths."""
    from bnlint.cache import Cache, default_cache_dir, stat_state

    s = settings_for(project)
    a = Cache(default_cache_dir(s), s)
    b = Cache(default_cache_dir(s), s)
    a._load(), b._load()
    models, util = str(project / "models.py"), str(project / "util.py")
    a.put(str(project / "train.py"), stat_state(str(project / "train.py")), "0" * 32, [], [models])
    a.save()
    b.put(models, stat_state(models), "1" * 32, [], [util, str(project / "absent.py")])
    b.save()
    (path,) = cache_files(project)
    with open(path, encoding="utf-8") as fh:
        data = json.load(fh)
    decoded = {os.path.basename(k): sorted(os.path.basename(data["deps"][i][0]) for i in v[5]) for k, v in data["entries"].items()}
    assert decoded == {"train.py": ["models.py"], "models.py": ["absent.py", "util.py"]}
    assert [row for row in data["deps"] if row[0].endswith("absent.py")][0][1] is None


def test_dependency_table_is_shared_and_compacted(project, analysed):
    """Files resting on the same module share one table row; a changed module's old row is dropped."""
    (project / "eval.py").write_text(TRAIN.replace("def main", "def evaluate"))
    lint(project)
    (path,) = cache_files(project)
    with open(path, encoding="utf-8") as fh:
        data = json.load(fh)
    rows = [i for i, row in enumerate(data["deps"]) if row[0].endswith("models.py")]
    assert len(rows) == 1
    users = [k for k, v in data["entries"].items() if rows[0] in v[5]]
    assert {os.path.basename(k) for k in users} == {"train.py", "eval.py"}
    (project / "models.py").write_text(MODELS_GN)
    lint(project)
    with open(path, encoding="utf-8") as fh:
        data = json.load(fh)
    rows = [row for row in data["deps"] if row[0].endswith("models.py")]
    assert len(rows) == 1 and rows[0][1] is not None  # only the current signature is left
