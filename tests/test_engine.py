"""Engine mechanics with a synthetic rule: one traversal, lazy positions, fix resolution, re-parse, idempotence."""
from __future__ import annotations

import libcst as cst
import pytest

from bnlint.config import Settings
from bnlint.engine import lint_source, needs_parse
from bnlint.fixes import apply_edits, apply_findings, select_fixes
from bnlint.rule import Edit, FixSpec, InsertAfter, InsertBefore, ReplaceNode, Rule


class DropDetach(Rule):
    """Test rule: `x.detach()` -> `x` (safe) and `model.eval()` inserted before `with no_grad` (unsafe)."""

    code = "BN900"
    name = "test-drop-detach"
    trigger_tokens = ("detach", "no_grad")
    visits = 0

    def visit_Call(self, node: cst.Call) -> None:
        type(self).visits += 1
        if isinstance(node.func, cst.Attribute) and node.func.attr.value == "detach":
            self.report(node, "detached", FixSpec("safe", [ReplaceNode(node, node.func.value)]))

    def visit_With(self, node: cst.With) -> None:
        self.report(node, "needs eval", FixSpec("unsafe", [InsertBefore(node, "model.eval()"), InsertAfter(node, "model.train()")]))


class Crashes(Rule):
    """Test rule that raises."""

    code = "BN901"
    name = "test-crash"
    trigger_tokens = ("detach",)

    def visit_Name(self, node):
        raise RuntimeError("boom")


SRC = """\
def f(model, x):
    y = x.detach()
    with torch.no_grad():
        out = model(y)
    return out
"""


def lint(src, rules):
    return lint_source(src, "t.py", Settings(), rules=rules)


def test_positions_and_fix_edits():
    res = lint(SRC, [DropDetach])
    assert [(f.line, f.column, f.end_line, f.end_column, f.code) for f in res.findings] == [
        (2, 9, 2, 19, "BN900"),
        (3, 5, 4, 23, "BN900"),
    ]
    safe = res.findings[0].fix
    assert safe.applicability == "safe" and safe.edits == (Edit(2, 9, 2, 19, "x"),)


def test_apply_fixes_safe_then_unsafe_and_idempotent():
    res = lint(SRC, [DropDetach])
    safe_only = apply_findings(SRC, select_fixes(res.findings, unsafe=False))
    assert "y = x\n" in safe_only and "model.eval()" not in safe_only
    both = apply_findings(SRC, select_fixes(res.findings, unsafe=True))
    assert both == (
        "def f(model, x):\n    y = x\n    model.eval()\n    with torch.no_grad():\n        out = model(y)\n    model.train()\n    return out\n"
    )
    cst.parse_module(both)


def test_overlapping_edits_are_deferred():
    assert apply_edits("abcdef", [Edit(1, 1, 1, 4, "X"), Edit(1, 2, 1, 3, "Y")]) == "Xdef"


def test_prefilter():
    assert not needs_parse("import os\n", [DropDetach])
    assert needs_parse("x.detach()", [DropDetach])
    res = lint("import os\n", [DropDetach])
    assert res.skipped and not res.findings


def test_rule_crash_is_contained():
    res = lint(SRC, [Crashes, DropDetach])
    assert any("BN901" in e and "boom" in e for e in res.internal_errors)
    assert [f.code for f in res.findings] == ["BN900", "BN900"]  # the other rule still ran


def test_one_traversal_for_all_rules():
    DropDetach.visits = 0
    lint(SRC, [DropDetach])
    assert DropDetach.visits == SRC.count("(") - 1  # each Call visited exactly once (the def's parens are no call)


def test_suppression_applies_before_output():
    res = lint(SRC.replace("x.detach()", "x.detach()  # noqa: BN900"), [DropDetach])
    assert [f.line for f in res.findings] == [3]


def test_cli_fix_loop_on_files(tmp_path, monkeypatch):
    """process_file's fix rounds, re-lint and write-back, driven with the synthetic rule."""
    from bnlint import runner

    p = tmp_path / "t.py"
    p.write_text(SRC)
    s = Settings()
    monkeypatch.setattr(s, "rules_for", lambda path: [DropDetach])
    out = runner.process_file(str(p), s, fix=True, unsafe=False)
    assert out.fixed_count == 1 and [f.line for f in out.findings] == [3]
    assert runner.write_fixed(out) is None
    assert "y = x\n" in p.read_text()
    again = runner.process_file(str(p), s, fix=True, unsafe=False)
    assert again.new_text is None  # nothing left to change


def test_fix_that_breaks_syntax_is_not_applied(tmp_path, monkeypatch):
    from bnlint import runner

    class Breaks(Rule):
        """Test rule with a broken fix."""

        code = "BN902"
        name = "test-breaks"
        trigger_tokens = ("detach",)

        def visit_Call(self, node):
            if isinstance(node.func, cst.Attribute) and node.func.attr.value == "detach":
                self.report(node, "x", FixSpec("safe", [ReplaceNode(node, "x.detach((")]))

    p = tmp_path / "t.py"
    p.write_text(SRC)
    s = Settings()
    monkeypatch.setattr(s, "rules_for", lambda path: [Breaks])
    out = runner.process_file(str(p), s, fix=True)
    assert out.new_text is None
    assert any("does not parse" in e for e in out.internal_errors)


def test_chunked_parse_builds_the_same_tree(monkeypatch):
    """Large files are parsed per chunk of top-level statements: same code, same tree (here: per statement)."""
    import ast

    import libcst as cst

    from bnlint import engine
    from fixture_support import fixture_files

    monkeypatch.setattr(engine, "_CHUNK_BYTES", 1)
    checked = 0
    for path in fixture_files():
        source = open(path, encoding="utf-8").read()
        tree = ast.parse(source)
        if len(tree.body) < 2:
            continue
        module = engine._parse_in_chunks(source, tree)
        assert module is not None, path
        assert module.code == source, path
        assert module.deep_equals(cst.parse_module(source)), path
        checked += 1
    assert checked > 20


def test_mixed_indentation_falls_back_to_a_whole_parse(monkeypatch):
    from bnlint import engine
    import ast

    monkeypatch.setattr(engine, "_CHUNK_BYTES", 1)
    source = "def f():\n    return 1\n\n\ndef g():\n  return 2\n"
    assert engine._parse_in_chunks(source, ast.parse(source)) is None
    assert engine.parse_cst(source, ast.parse(source), chunk_above=0).code == source


SOURCE_ORDER_SAMPLE = '''
import os, sys as system
from .pkg import (a, b as c)


@decorator(arg)
class Net(Base, metaclass=Meta):
    """Doc."""

    def forward(self, x: int, /, y=1, *args, z: "T" = 2, **kw) -> int:
        lam = lambda q, *r: q if r else -q
        with open(x) as fh, ctx():
            for i, j in zip(a, b):
                while i < j:
                    i += 1
                else:
                    pass
        try:
            y = {k: v for k, v in kw.items() if v}
        except (ValueError, KeyError) as e:
            raise RuntimeError(f"{e!r:>{width}}") from e
        else:
            y = [s async for s in gen()] if False else {*a, *b}
        finally:
            del lam
        match x:
            case [p, q] if p > q:
                return p
            case {"k": v, **rest}:
                return v
            case Point(x=0, y=yy) as pt:
                return yy
            case 1 | 2:
                return 0
        return x[1:2, ::3] + (yield) + await z


try:
    pass
except* ValueError as eg:
    pass
'''


def test_traversal_children_are_in_source_order():
    """The engine's field-based walk lists the same children, in the same order, as libcst."""
    import libcst as cst

    from bnlint import engine
    from bnlint.facts import Facts
    from bnlint.inventory import ModuleInventory, ProjectIndex

    module = cst.parse_module(SOURCE_ORDER_SAMPLE)
    facts = Facts(module, ModuleInventory(path=None), ProjectIndex(), None)
    engine._traverse(module, [], facts, [], "sample.py")
    skipped = (
        cst.BaseParenthesizableWhitespace, cst.TrailingWhitespace, cst.EmptyLine, cst.Newline, cst.Comment, cst.Comma, cst.Dot,
        cst.LeftParen, cst.RightParen, cst.LeftSquareBracket, cst.RightSquareBracket, cst.LeftCurlyBrace, cst.RightCurlyBrace,
        cst.Semicolon, cst.Colon, cst.AssignEqual, cst.ImportStar, cst.Asynchronous,
    )
    checked = 0
    for node, kids in facts.children_map.items():
        expected = [c for c in node.children if not isinstance(c, skipped)]
        assert [id(k) for k in kids] == [id(k) for k in expected], type(node).__name__
        checked += 1
    assert checked > 200


def test_parse_skips_node_validation_only_inside_the_parser():
    """The parser's own output is not re-validated (a quarter of the parse); the tree is the same,
    and nodes built afterwards (fixes) are validated as before."""
    from bnlint.engine import parse_cst

    source = "import torch.nn as nn\n\n\nclass Net(nn.Module):\n    def forward(self, x):  # comment\n        return (x + 1) * 2\n"
    tree = parse_cst(source)
    assert tree.deep_equals(cst.parse_module(source)) and tree.code == source
    assert cst.CSTNode.__dict__["__post_init__"] is not None
    with pytest.raises(cst.CSTValidationError):
        cst.Name("not a name!")
    with pytest.raises(cst.ParserSyntaxError):
        parse_cst("def f(:\n")
    with pytest.raises(cst.CSTValidationError):  # still on after a parser error
        cst.Name("still not a name")


def test_two_space_files_are_parsed_in_chunks_too(monkeypatch):
    """The default indent is the first indented block's, wherever it is (here after an import)."""
    import ast

    import libcst as cst

    from bnlint import engine

    monkeypatch.setattr(engine, "_CHUNK_BYTES", 1)
    source = "import torch\n\n\ndef f():\n  return 1\n\n\nclass A: pass\n\n\ndef g():\n  if True:\n    return 2\n"
    module = engine._parse_in_chunks(source, ast.parse(source))
    assert module is not None
    assert module.default_indent == "  "
    assert module.code == source and module.deep_equals(cst.parse_module(source))


def test_a_chunk_libcst_cannot_give_back_is_read_with_the_next_one(monkeypatch):
    """libcst drops blank lines before a line of spaces at the end of a text: such a chunk is read
    together with the statement after it (where those lines are not at the end)."""
    import ast

    import libcst as cst

    from bnlint import engine

    monkeypatch.setattr(engine, "_CHUNK_BYTES", 1)
    alone = "import os\n\n\n\n\n \n# a comment\n"
    assert cst.parse_module(alone).code != alone  # (libcst's behaviour)
    source = alone + "x = 1\n\n\ny = 2\n"
    module = engine._parse_in_chunks(source, ast.parse(source))
    assert module is not None and module.code == source and module.deep_equals(cst.parse_module(source))
    cache = engine.ParseCache()
    for _ in range(2):  # the second time from the cache, which remembers the chunk to join
        module = engine.parse_cst(source, ast.parse(source), cache=cache)
        assert module.code == source and module.deep_equals(cst.parse_module(source))


EDITED_SCRIPT = '''import torch
import torch.nn as nn


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.bn = nn.BatchNorm2d(3)

    def forward(self, x):
        return self.bn(x)


def helper():
    return 1


def helper():
    return 1


@torch.no_grad()
def evaluate(model, loader):
    for x in loader:
        model(x)
'''


def test_a_parse_cache_parses_again_only_the_statements_an_edit_touched():
    import ast

    import libcst as cst

    from bnlint.engine import ParseCache, parse_cst

    cache = ParseCache()
    first = parse_cst(EDITED_SCRIPT, ast.parse(EDITED_SCRIPT), cache=cache)
    assert first.code == EDITED_SCRIPT and first.deep_equals(cst.parse_module(EDITED_SCRIPT))
    edited = EDITED_SCRIPT.replace("        model(x)\n", "        model(x)\n        print(x)\n")
    second = parse_cst(edited, ast.parse(edited), cache=cache)
    assert second.code == edited and second.deep_equals(cst.parse_module(edited))
    # The imports and the class's body are the same objects (a statement after blank lines gets
    # them as a new outer node); the edited function is new.
    assert first.body[0] is second.body[0] and first.body[1] is second.body[1]
    assert first.body[2].body is second.body[2].body
    assert first.body[-1].body is not second.body[-1].body
    # The two identical helpers are two objects (a node is never in a tree twice).
    helpers = [s for s in second.body if isinstance(s, cst.FunctionDef) and s.name.value == "helper"]
    assert len(helpers) == 2 and helpers[0] is not helpers[1]
    assert len({id(n) for n in _all_nodes(second)}) == len(list(_all_nodes(second)))


def _all_nodes(node):
    yield node
    for kid in node.children:
        yield from _all_nodes(kid)


def test_a_parse_cache_gives_the_same_findings_through_a_series_of_edits():
    """Each fixture, edited line by line (a blank line added at each line in turn), linted with one
    cache as the editor does: the findings are those of a lint without it."""
    from bnlint import engine
    from fixture_support import all_rules_settings, fixture_files

    settings = all_rules_settings()
    compared = 0
    for path in fixture_files()[::13]:
        source = open(path, encoding="utf-8").read()
        lines = source.splitlines(keepends=True)
        cache = engine.ParseCache()
        for at in range(0, len(lines), max(1, len(lines) // 4)):
            text = "".join(lines[:at] + ["\n"] + lines[at:])
            with_cache = engine.lint_source(text, path, settings, parse_cache=cache).findings
            without = engine.lint_source(text, path, settings).findings
            assert [(f.line, f.column, f.code, f.message) for f in with_cache] == [(f.line, f.column, f.code, f.message) for f in without], (path, at)
            compared += bool(without)
    assert compared > 10
