"""Startup stays cheap: libcst is not imported unless a file passes the prefilter (behaviour, not timing)."""
import ast
import json
import os
import subprocess
import sys

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
RULES_DIR = os.path.join(ROOT, "rules")

PROBE = r"""
import json, sys
from bnlint.cli import main
rc = main(sys.argv[1:])
from bnlint.registry import is_lazy
loaded = sorted(m for m in sys.modules if m == "libcst" or m.startswith("libcst."))
print("\n" + json.dumps({"rc": rc, "libcst_loaded": bool(loaded) and not (loaded == ["libcst"] and is_lazy("libcst")),
      "modules": loaded[:5], "pool": "concurrent.futures.process" in sys.modules,
      "config": "bnlint.config" in sys.modules, "argparse": "argparse" in sys.modules}))
"""


def probe(*args, cwd):
    env = dict(os.environ, BNLINT_CACHE_DIR=os.path.join(str(cwd), ".cache"))
    res = subprocess.run([sys.executable, "-c", PROBE, *args], cwd=str(cwd), capture_output=True, text=True, env=env, timeout=120)
    assert res.stdout.strip(), res.stderr
    return json.loads(res.stdout.strip().splitlines()[-1])


def test_clean_file_does_not_import_libcst(tmp_path):
    (tmp_path / "clean.py").write_text("import os\n\n\ndef f(x):\n    return x + 1\n")
    for extra in ((), ("--no-cache",)):
        got = probe("--isolated", *extra, "clean.py", cwd=tmp_path)
        assert got["rc"] == 0
        assert not got["libcst_loaded"], got
        assert not got["pool"], "one file must not start a process pool"


def test_all_rules_selected_still_lazy(tmp_path):
    (tmp_path / "clean.py").write_text("x = 1\n")
    got = probe("--isolated", "--select", "ALL", "clean.py", cwd=tmp_path)
    assert got["rc"] == 0 and not got["libcst_loaded"], got


def test_file_with_tokens_does_load_libcst(tmp_path):
    (tmp_path / "bn.py").write_text("import torch.nn as nn\nbn = nn.BatchNorm2d(8, momentum=0)\n")
    got = probe("--isolated", "--select", "ALL", "--no-cache", "bn.py", cwd=tmp_path)
    assert got["libcst_loaded"], got


def test_version_imports_nothing_heavy(tmp_path):
    got = probe("--version", cwd=tmp_path)
    assert got["rc"] == 0
    assert not got["config"] and not got["libcst_loaded"], got


def _import_time_libcst_uses(path):
    """`cst.X` (or `libcst.X`) evaluated at import time: module level, class bodies, defaults, decorators."""
    tree = ast.parse(open(path, encoding="utf-8").read())
    found = []

    def scan(node):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)):
            args = node.args
            for d in args.defaults + [k for k in args.kw_defaults if k is not None]:
                scan(d)
            for d in getattr(node, "decorator_list", []):
                scan(d)
            return  # bodies run later; annotations are strings (from __future__ import annotations)
        if isinstance(node, (ast.AnnAssign, ast.arg)):
            pass
        if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id in ("cst", "libcst"):
            found.append(f"{os.path.basename(path)}:{node.lineno}: {ast.unparse(node)}")
        if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("libcst"):
            found.append(f"{os.path.basename(path)}:{node.lineno}: from {node.module} import ...")
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.AnnAssign):
                if child.value is not None:
                    scan(child.value)
                continue
            scan(child)

    scan(tree)
    return found


RULE_FILES = sorted(f for f in os.listdir(RULES_DIR) if f.endswith(".py") and not f.startswith("_"))


@pytest.mark.parametrize("name", RULE_FILES)
def test_rule_module_does_not_touch_libcst_at_import(name):
    path = os.path.join(RULES_DIR, name)
    source = open(path, encoding="utf-8").read()
    assert "from __future__ import annotations" in source, f"{name}: annotations must stay strings (lazy libcst)"
    assert _import_time_libcst_uses(path) == []


@pytest.mark.parametrize("name", ["facts.py", "modes.py"])
def test_shared_modules_do_not_touch_libcst_at_import(name):
    path = os.path.join(ROOT, "bnlint", name)
    if not os.path.exists(path):
        pytest.skip(f"no bnlint/{name}")
    assert _import_time_libcst_uses(path) == []


# Standard-library modules a run on files without BN tokens has no use for. Each costs 1-5 ms of
# every start (``ast`` and ``tokenize`` together 5-10 ms; ``shutil`` brings bz2, lzma and zlib).
NOT_AT_START = ("argparse", "gettext", "locale", "typing", "shutil", "difflib", "textwrap", "threading", "dataclasses", "inspect", "subprocess")
LAZY_AT_START = ("ast", "tokenize")  # may be present as unloaded shells (bnlint.registry.LAZY_STDLIB_MODULES)

BARE_PROBE = r"""
import sys
before = sorted(sys.modules)
from bnlint.cli import main
rc = main(sys.argv[1:])
from bnlint.registry import is_lazy
print("\n" + repr({"rc": rc, "before": before, "loaded": sorted(m for m in sys.modules if not is_lazy(m))}))
"""  # repr, not json: the probe must not import what it looks for


def bare_probe(*args, cwd):
    """Run the CLI in ``python -S`` (no ``site``: no .pth hook may import these modules first), with
    the checkout and the installed dependencies put on ``sys.path`` by hand."""
    import site

    paths = [ROOT] + [p for p in site.getsitepackages() + [site.getusersitepackages()] if os.path.isdir(p)]
    code = f"import sys; sys.path[:0] = {paths!r}\n" + BARE_PROBE
    env = dict(os.environ, BNLINT_CACHE_DIR=os.path.join(str(cwd), ".cache"))
    res = subprocess.run([sys.executable, "-S", "-c", code, *args], cwd=str(cwd), capture_output=True, text=True, env=env, timeout=120)
    assert res.stdout.strip(), res.stderr
    return ast.literal_eval(res.stdout.strip().splitlines()[-1])


@pytest.mark.parametrize("extra", [(), ("--no-cache",)])
def test_a_file_without_bn_loads_no_heavy_stdlib_module(tmp_path, extra):
    (tmp_path / "util.py").write_text("import os\n\n\ndef add(a, b):\n    return a + b\n")
    for _ in range(2):  # with a cache: the first run writes it, the second is a hit
        got = bare_probe("--isolated", *extra, "util.py", cwd=tmp_path)
        assert got["rc"] == 0
        unexpected = set(NOT_AT_START + LAZY_AT_START + ("json",)) & set(got["before"])
        assert not unexpected, f"the probe itself loaded {unexpected}: the test proves nothing"
        assert [m for m in NOT_AT_START + LAZY_AT_START if m in got["loaded"]] == []
        if extra:
            assert "json" not in got["loaded"], "--no-cache: nothing to read or write as JSON"
    assert os.path.isdir(tmp_path / ".cache") != bool(extra)


def test_a_file_with_bn_loads_the_lazy_modules_for_real(tmp_path):
    """The shells are transparent: a file that passes the prefilter gets the real modules and its finding."""
    (tmp_path / "bn.py").write_text("import torch.nn as nn\nbn = nn.BatchNorm2d(8, momentum=0)  # a comment\n")
    got = bare_probe("--isolated", "--no-cache", "bn.py", cwd=tmp_path)
    assert got["rc"] == 1
    assert {"ast", "tokenize"} <= set(got["loaded"])
