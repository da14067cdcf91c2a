"""Property tests for the fix loop: generated programs (hypothesmith) and mutated fixtures.

Every input is valid Python (it compiles). For each one, through the real fix loop
(``process_file(path, fix=True, unsafe=True)`` on a file in a temporary directory):

* no internal error, and no "syntax error" for a file that Python compiles;
* each fix applied alone removes its own finding (same code and message, one fewer), and a round
  of all the fixes together removes the findings of every fix that overlaps no other;
* every fixed text parses (and compiles), alone, per round and after the whole loop;
* the fixes are idempotent: fixing the written file again changes nothing;
* the written file keeps its line endings (untouched lines byte for byte, inserted lines in the
  file's own style) and its byte-order mark;
* the prefilter hides nothing: the findings are the same with and without it.

CI runs a fixed, derandomised set of examples. For a longer, random run set
``BNLINT_PROPERTY_EXAMPLES`` (examples per test), e.g.
``BNLINT_PROPERTY_EXAMPLES=2000 pytest tests/test_properties.py --hypothesis-seed=1`` (the seed is
optional; a failure prints its minimal input and a ``@reproduce_failure`` blob).
"""
from __future__ import annotations

import ast
import difflib
import inspect
import io
import keyword
import os
import re
import tempfile
import tokenize
from collections import Counter

import hypothesis
import hypothesmith
import libcst as cst
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from hypothesis.errors import InvalidArgument

from bnlint import runner
from bnlint.config import Settings
from bnlint.fixes import apply_findings, select_fixes
from bnlint.runner import lint_text, process_file
from fixture_support import fixture_files

LONG_RUN = int(os.environ.get("BNLINT_PROPERTY_EXAMPLES", "0") or 0)


def _examples(ci_count: int):
    common = dict(deadline=None, database=None, suppress_health_check=list(HealthCheck), print_blob=True)
    if LONG_RUN:
        return settings(max_examples=LONG_RUN, derandomize=False, **common)
    return settings(max_examples=ci_count, derandomize=True, **common)


def _settings() -> Settings:
    s = Settings()
    s.select = ["ALL"]
    return s


SETTINGS = _settings()
FIXTURES = fixture_files()
BOM = b"\xef\xbb\xbf"


# --- the properties ---------------------------------------------------------------------


def note(message: str) -> None:
    try:
        hypothesis.note(message)
    except InvalidArgument:  # a plain (parametrized) test: pytest shows the assertion instead
        pass


def event(name: str) -> None:
    try:
        hypothesis.event(name)
    except InvalidArgument:
        pass


def _compiles(text) -> bool:
    try:
        compile(text, "<property>", "exec", dont_inherit=True)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return False
    return True


def _assert_compiles(text, what: str) -> None:
    try:
        ast.parse(text)
        compile(text, "<fixed>", "exec", dont_inherit=True)
    except SyntaxError as exc:
        raise AssertionError(f"{what} does not parse: {exc}\n--- text ---\n{_show(text)}") from None


def _show(text) -> str:
    if isinstance(text, bytes):
        text = text.decode("utf-8", "replace")
    return text if len(text) < 6000 else text[:6000] + "\n[...]"


def _key(f):
    return (f.code, f.message)


def _spans(f):
    return [((e.line, e.column), (e.end_line, e.end_column)) for e in f.fix.edits]


def _overlaps(a, b) -> bool:
    return any(s < te and ts < e or s == ts for s, e in _spans(a) for ts, te in _spans(b))


_EOL = re.compile(r"\r\n|\r|\n")


def _split_lines(text: str):
    """(content, ending) per line, with Python's three line endings only."""
    out, pos = [], 0
    for m in _EOL.finditer(text):
        out.append((text[pos : m.start()], m.group()))
        pos = m.end()
    if pos < len(text):
        out.append((text[pos:], ""))
    return out


def _assert_line_endings(before: str, after: str) -> None:
    a, b = _split_lines(before), _split_lines(after)
    styles_in = {e for _, e in a if e}
    styles_out = {e for _, e in b if e}
    if styles_in:
        assert styles_out <= styles_in, f"the fixed file has line endings {styles_out - styles_in!r} that the file did not have ({styles_in!r})"
    matcher = difflib.SequenceMatcher(None, [c for c, _ in a], [c for c, _ in b], autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag != "equal":
            continue
        for i, j in zip(range(i1, i2), range(j1, j2)):
            if a[i][1] and a[i][1] != b[j][1]:
                raise AssertionError(f"untouched line {i + 1} {a[i][0]!r} changed its ending {a[i][1]!r} -> {b[j][1]!r}")


# The fix loop as `bnlint --fix` runs it: process_file writes the file itself where it can.
_WRITES = "write" in inspect.signature(process_file).parameters


def _fix_file(path: str, use_prefilter: bool):
    """The file fixed as --fix leaves it: (outcome, the bytes on disk after it)."""
    if _WRITES:
        outcome = process_file(path, SETTINGS, fix=True, unsafe=True, use_prefilter=use_prefilter, write=True)
    else:  # pragma: no cover - before process_file wrote files itself
        outcome = process_file(path, SETTINGS, fix=True, unsafe=True, use_prefilter=use_prefilter)
        if outcome.new_text is not None and not outcome.internal_errors:
            err = runner.write_fixed(outcome)
            assert err is None, err
    with open(path, "rb") as fh:
        return outcome, fh.read()


def check_properties(data: bytes, name: str, use_prefilter: bool = True) -> None:
    text = data[len(BOM) :].decode("utf-8") if data.startswith(BOM) else data.decode("utf-8")
    assert _compiles(data), "the generator must give valid Python"
    note(f"input {name}:\n{text if chr(13) not in text else repr(text)}")
    with tempfile.TemporaryDirectory(prefix="bnlint-prop-") as workdir:
        path = os.path.join(workdir, name)
        with open(path, "wb") as fh:
            fh.write(data)

        # One round, fix by fix and all together.
        res = lint_text(text, path, SETTINGS, use_prefilter=use_prefilter)
        assert not res.internal_errors, res.internal_errors
        event("analysed" if not res.skipped else "skipped by the prefilter")
        if any(f.code == "BN000" for f in res.findings):
            event("BN000 on valid Python")
        wrong = [f for f in res.findings if f.code == "BN000" and "syntax error" in f.message]
        assert not wrong, f"valid Python reported as a syntax error: {[(f.line, f.message) for f in wrong]}"
        if use_prefilter:
            unfiltered = lint_text(text, path, SETTINGS, use_prefilter=False)
            assert not unfiltered.internal_errors, unfiltered.internal_errors
            assert sorted((f.line, f.column, f.code) for f in res.findings) == sorted(
                (f.line, f.column, f.code) for f in unfiltered.findings
            ), "the prefilter changed the findings"
        before = Counter(_key(f) for f in res.findings)
        chosen = select_fixes(res.findings, True, SETTINGS.is_fixable)
        for f in chosen:
            event(f"fix {f.code}")
            single = apply_findings(text, [f])
            _assert_compiles(single, f"the text after {f.code}'s fix (line {f.line})")
            after = lint_text(single, path, SETTINGS, use_prefilter=use_prefilter)
            assert not after.internal_errors, after.internal_errors
            assert Counter(_key(g) for g in after.findings)[_key(f)] < before[_key(f)], (
                f"{f.code}'s fix at line {f.line} does not remove its finding: {f.message}\n"
                f"--- after the fix ---\n{_show(single)}"
            )
        if len(chosen) > 1:
            together = apply_findings(text, chosen)
            _assert_compiles(together, "the text after one round of fixes")
            round_result = lint_text(together, path, SETTINGS, use_prefilter=use_prefilter)
            assert not round_result.internal_errors, round_result.internal_errors
            after = Counter(_key(g) for g in round_result.findings)
            alone = Counter(_key(f) for f in chosen if not any(_overlaps(f, g) for g in chosen if g is not f))
            for key, n in alone.items():
                assert after[key] <= before[key] - n, f"a round of fixes left {key[0]}'s finding in place: {key[1]}"

        # The real fix loop, the file it writes, and a second run on that file.
        outcome, raw = _fix_file(path, use_prefilter)
        assert not outcome.internal_errors, outcome.internal_errors
        assert not [n for n in outcome.notes if "fix" in n], outcome.notes  # "fix not applied: it does not remove its own finding"
        if outcome.new_text is None:
            assert raw == data, "nothing to fix, yet the file changed"
            return
        _assert_compiles(outcome.new_text, "the fixed text")
        _assert_compiles(raw, "the fixed file")
        again, raw_again = _fix_file(path, use_prefilter)
        assert not again.internal_errors, again.internal_errors
        assert again.new_text is None and raw_again == raw, "fixing the fixed file changed it again:\n" + runner.diff_for(again)
        assert raw.startswith(BOM) == data.startswith(BOM), "the byte-order mark was not kept"
        _assert_line_endings(text, raw.decode("utf-8-sig"))


# --- every fixture, as it is and in every line-ending style -----------------------------


def _with_endings(text: str, style: str) -> str:
    lf = text.replace("\r\n", "\n").replace("\r", "\n")
    if style == "mixed":
        lines = lf.split("\n")
        ends = ["\n", "\r\n", "\r"]
        return "".join(line + ends[i % 3] for i, line in enumerate(lines[:-1])) + lines[-1]
    return lf.replace("\n", {"lf": "\n", "crlf": "\r\n", "cr": "\r"}[style])


def _fixture_cases():
    """Each fixture with LF and with CR-only endings (text scans that look for "\\n" fail on
    those); those with a `.fixed` file (fixes that insert and rewrite lines) also with CRLF and
    mixed endings."""
    for path in FIXTURES:
        styles = ["lf", "cr", "crlf", "mixed"] if os.path.exists(path + ".fixed") else ["lf", "cr"]
        for style in styles:
            yield pytest.param(path, style, id=f"{os.path.relpath(path, os.path.dirname(os.path.dirname(path)))}-{style}")


@pytest.mark.parametrize("path, style", list(_fixture_cases()))
def test_fixture_fix_properties(path, style):
    with open(path, encoding="utf-8", newline="") as fh:
        text = fh.read()
    check_properties(_with_endings(text, style).encode("utf-8"), os.path.basename(path))


# --- mutated fixtures -------------------------------------------------------------------

_CST_CACHE: dict = {}


def _names(text: str):
    out = []
    try:
        for tok in tokenize.generate_tokens(io.StringIO(text).readline):
            if tok.type == tokenize.NAME and not keyword.iskeyword(tok.string) and tok.string not in out:
                out.append(tok.string)
    except (tokenize.TokenError, SyntaxError):
        pass
    return out


def _replace_tokens(text: str, kind: int, old, new: str, which=None) -> str:
    """Replace NAME tokens equal to ``old`` (all of them), or the ``which``-th token of ``kind``."""
    lines = io.StringIO(text).readlines()  # split at "\n" only, as tokenize does
    hits = []
    n = 0
    for tok in tokenize.generate_tokens(io.StringIO(text).readline):
        if tok.type != kind:
            continue
        if which is None and tok.string == old or which is not None and n == which:
            hits.append((tok.start, tok.end))
        n += 1
    for (sr, sc), (er, ec) in reversed(hits):
        assert sr == er
        line = lines[sr - 1]
        lines[sr - 1] = line[:sc] + new + line[ec:]
    return "".join(lines)


def _count_tokens(text: str, kind: int) -> int:
    return sum(1 for tok in tokenize.generate_tokens(io.StringIO(text).readline) if tok.type == kind)


class _Blocks(cst.CSTVisitor):
    def __init__(self):
        self.blocks = []

    def visit_Module(self, node):
        self.blocks.append(node)

    def visit_IndentedBlock(self, node):
        self.blocks.append(node)


class _EditBlock(cst.CSTTransformer):
    def __init__(self, target, edit):
        self.target, self.edit = target, edit

    def _maybe(self, original, updated):
        if original is self.target:
            body = self.edit(list(updated.body)) or [cst.parse_statement("pass\n")]
            return updated.with_changes(body=body)
        return updated

    def leave_Module(self, original_node, updated_node):
        return self._maybe(original_node, updated_node)

    def leave_IndentedBlock(self, original_node, updated_node):
        return self._maybe(original_node, updated_node)


WRAPPERS = [
    "if flag:\n    pass\n",
    "if __name__ == '__main__':\n    pass\n",
    "for _i in range(2):\n    pass\n",
    "while not done:\n    pass\n",
    "with torch.no_grad():\n    pass\n",
    "with torch.inference_mode():\n    pass\n",
    "with torch.enable_grad():\n    pass\n",
    "try:\n    pass\nexcept Exception:\n    pass\n",
    "try:\n    pass\nfinally:\n    model.train()\n",
    "def _wrapped():\n    pass\n",
    "@torch.no_grad()\ndef evaluate(model, val_loader):\n    pass\n",
    "class _Wrapped:\n    pass\n",
    "if flag:\n    pass\nelse:\n    pass\n",
]

INSERTS = [
    "{m}.train()\n",
    "{m}.eval()\n",
    "{m}.train(False)\n",
    "{m}.train(mode=True)\n",
    "with torch.no_grad():\n    out = {m}({x})\n",
    "@torch.no_grad()\ndef validate(loader):\n    for batch in loader:\n        {m}(batch)\n",
    "{m}.requires_grad_(False)\n",
    "for _p in {m}.parameters():\n    _p.requires_grad = False\n",
    "{m}.apply(lambda mod: mod.eval() if isinstance(mod, nn.BatchNorm2d) else None)\n",
    "{m} = nn.BatchNorm2d(8, momentum=0)\n",
    "{m} = nn.Sequential(nn.Conv2d(3, 8, 3), nn.BatchNorm2d(8))\n",
    "{m}.momentum = 0\n",
    "if {m}.training:\n    {m}.eval()\n",
    "{m} = {x}\n",
    "del {m}\n",
    "{x} = DataLoader({m}, batch_size=1)\n",
    "mean = {x}.mean(0).detach()\n",
    "torch.set_grad_enabled(False)\n",
    "return {m}\n",
    "yield {m}({x})\n",
    "{m}.eval(); {m}({x})\n",
    "{m}: nn.Module = {x}\n",
    "global {m}\n",
    "for {x} in val_loader:\n    {m}({x})\n",
    "# {m}.eval()\n",
]

NEW_NAMES = ["model", "net", "self", "torch", "nn", "eval", "train", "bn", "x", "loader", "val_loader", "no_grad", "momentum", "renamed_v"]
NUMBERS = ["0", "0.0", "1", "2", "4", "8", "16", "0.1", "1e-5", "0x0", "0j", "1_0", "None", "True"]
ODD = ["\x0c", "# \x0c", "# \u2028 x", "# \x85", "# \x1c", "# caf\u00e9 \u00e9t\u00e9", "\t# tab"]
MUTATIONS = ["rename", "literal", "drop", "duplicate", "reorder", "wrap", "insert", "odd-line", "tabs"]


def _statement_edit(text: str, data, kind: str) -> str:
    module = cst.parse_module(text)
    visitor = _Blocks()
    module.visit(visitor)
    block = visitor.blocks[data.draw(st.integers(0, len(visitor.blocks) - 1), label="block")]
    n = len(block.body)
    if not n:
        return text
    i = data.draw(st.integers(0, n - 1), label="statement")
    names = _names(text) + ["model", "self.model", "net", "teacher"]

    def edit(body):
        if kind == "drop":
            del body[i]
        elif kind == "duplicate":
            body.insert(i + 1, body[i])
        elif kind == "reorder":
            j = data.draw(st.integers(0, n - 1), label="to")
            body.insert(j, body.pop(i))
        elif kind == "wrap":
            k = data.draw(st.integers(1, max(1, min(3, n - i))), label="how many")
            tpl = data.draw(st.sampled_from(WRAPPERS), label="wrapper")
            w = cst.parse_statement(tpl)
            if isinstance(w, cst.If) and w.orelse is not None:
                w = w.with_changes(orelse=w.orelse.with_changes(body=w.orelse.body.with_changes(body=body[i : i + k])))
            else:
                w = w.with_changes(body=w.body.with_changes(body=body[i : i + k]))
            body[i : i + k] = [w]
        elif kind == "insert":
            tpl = data.draw(st.sampled_from(INSERTS), label="insert")
            m = data.draw(st.sampled_from(names), label="m")
            x = data.draw(st.sampled_from(names), label="x")
            body.insert(i, cst.parse_statement(tpl.format(m=m, x=x)))
        return body

    return module.visit(_EditBlock(block, edit)).code


def mutate(text: str, data, kind: str) -> str:
    if kind == "rename":
        names = _names(text)
        if not names:
            return text
        old = data.draw(st.sampled_from(names), label="rename")
        new = data.draw(st.sampled_from(NEW_NAMES + names), label="to")
        return _replace_tokens(text, tokenize.NAME, old, new)
    if kind == "literal":
        n = _count_tokens(text, tokenize.NUMBER)
        if not n:
            return text
        which = data.draw(st.integers(0, n - 1), label="number")
        return _replace_tokens(text, tokenize.NUMBER, None, data.draw(st.sampled_from(NUMBERS), label="literal"), which=which)
    if kind == "odd-line":
        lines = io.StringIO(text).readlines()
        i = data.draw(st.integers(0, len(lines)), label="line")
        odd = data.draw(st.sampled_from(ODD), label="odd")
        if data.draw(st.booleans(), label="own line"):
            lines.insert(i, odd + "\n")
        elif i < len(lines):
            lines[i] = lines[i].rstrip("\n") + "  " + odd.lstrip() + "\n"
        return "".join(lines)
    if kind == "tabs":
        return re.sub(r"(?m)^((?:    )+)", lambda m: "\t" * (len(m.group(1)) // 4), text)
    return _statement_edit(text, data, kind)


ENCODINGS = ["lf", "lf", "crlf", "cr", "mixed", "no-final-newline", "bom"]


def _encode(text: str, style: str, data) -> bytes:
    if style == "no-final-newline":
        return text.rstrip("\n").encode("utf-8")
    if style == "bom":
        return BOM + text.encode("utf-8")
    if style == "mixed":
        lines = text.split("\n")
        ends = data.draw(st.lists(st.sampled_from(["\n", "\r\n", "\r"]), min_size=len(lines), max_size=len(lines)), label="endings")
        return ("".join(line + end for line, end in zip(lines[:-1], ends)) + lines[-1]).encode("utf-8")
    return _with_endings(text, style).encode("utf-8")


N_SHARDS = 4  # separate tests, so that pytest-xdist spreads them over the cores


def _expects_a_fix(path: str) -> bool:
    """The fixture expects a finding of a rule that offers fixes (half the draws start from one)."""
    from bnlint.registry import load_rules
    from fixture_support import expectations

    with open(path, encoding="utf-8") as fh:
        codes = {code for _, code in expectations(fh.read())}
    return bool(codes & {r.code for r in load_rules() if r.fix_availability})


WITH_FIXES = [p for p in FIXTURES if _expects_a_fix(p)]


@pytest.mark.parametrize("shard", range(N_SHARDS))
@_examples(ci_count=30)
@given(data=st.data())
def test_mutated_fixtures(shard, data):
    pool = WITH_FIXES if data.draw(st.booleans(), label="one with fixes") else FIXTURES
    path = data.draw(st.sampled_from(pool[shard::N_SHARDS]), label="fixture")
    with open(path, encoding="utf-8") as fh:
        text = fh.read()
    applied = []
    for kind in data.draw(st.lists(st.sampled_from(MUTATIONS), min_size=1, max_size=4), label="mutations"):
        try:
            mutated = mutate(text, data, kind)
        except (cst.ParserSyntaxError, tokenize.TokenError, SyntaxError, IndentationError):
            continue  # a mutation of a mutation that the generator itself cannot read: skip it
        if mutated != text and _compiles(mutated):
            text = mutated
            applied.append(kind)
    note(f"fixture {os.path.relpath(path)}, mutations {applied}")
    check_properties(_encode(text, data.draw(st.sampled_from(ENCODINGS), label="encoding"), data), os.path.basename(path))


# --- generated programs -----------------------------------------------------------------

PREAMBLE = """\
import torch
import torch.nn as nn
from torch.utils.data import DataLoader

model = nn.Sequential(nn.Conv2d(3, 8, 3), nn.BatchNorm2d(8, momentum=0))
loader = DataLoader(dataset, batch_size=1)
"""
POSTAMBLE = """
with torch.no_grad():
    for x in val_loader:
        model(x)
for epoch in range(3):
    model.train()
    for x in loader:
        model(x).sum().backward()
    model.eval()
"""


def _check_generated(source: str) -> None:
    try:
        data = source.encode("utf-8")
    except UnicodeEncodeError:  # a lone surrogate in a string literal: no file can hold it
        assume(False)
    assume(_compiles(data))
    check_properties(data, "generated.py", use_prefilter=False)
    embedded = PREAMBLE + source + POSTAMBLE
    if _compiles(embedded):  # e.g. not with a `from __future__` import in the middle
        check_properties(embedded.encode("utf-8"), "train.py")


@_examples(ci_count=30)
@given(source=hypothesmith.from_grammar())
def test_generated_from_grammar(source):
    _check_generated(source)


@_examples(ci_count=20)
@given(source=hypothesmith.from_node())
def test_generated_from_node(source):
    _check_generated(source)
