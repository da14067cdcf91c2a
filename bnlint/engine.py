"""Lint one source text: prefilter -> parse once -> one traversal for all rules -> suppressions.

``lint_source`` is the single entry point shared by the CLI, the fixer, the
language server and the runtime mode.  It never raises for bad input: a file
that cannot be analysed yields one BN000 finding that says why.
"""
from __future__ import annotations

import ast
import sys

from bnlint.patterns import lazy
from bnlint.records import field, record
from bnlint.rule import Edit, Finding, Fix, FixSpec, InsertAfter, InsertBefore, ReplaceNode, ReplaceRange, Rule, RuleType
from bnlint.suppress import has_skip_file, parse_suppressions

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing (a few ms of every start)
if TYPE_CHECKING:  # pragma: no cover
    from typing import Any, Callable, Dict, List, Optional, Sequence, Tuple

    import libcst as cst

    from bnlint.config import Settings
    from bnlint.inventory import ProjectIndex

SYNTAX_ERROR_CODE = "BN000"
SYNTAX_ERROR_NAME = "syntax-error"


@record
class FileResult:
    path: str
    findings: List[Finding] = field(default_factory=list)
    internal_errors: List[str] = field(default_factory=list)
    skipped: bool = False  # prefiltered, skip-file, or not analysable
    # Warnings about the analysis itself, not about the code (each names the file): the CLI
    # prints them as `bnlint: warning: ...`; they do not change the exit code.
    notes: List[str] = field(default_factory=list)


def needs_parse(source: str, rules: Sequence[RuleType], path: Optional[str] = None, index: Optional["ProjectIndex"] = None) -> bool:
    """The prefilter: can any selected rule fire on this text at all? (see ``bnlint.prefilter``)"""
    from bnlint.prefilter import needs_parse as text_needs_parse

    return text_needs_parse(source, rules, path, index)


def file_error(path: str, message: str, line: int = 1, column: int = 1, severity: str = "error") -> Finding:
    return Finding(
        code=SYNTAX_ERROR_CODE,
        name=SYNTAX_ERROR_NAME,
        severity=severity,
        message=message,
        path=path,
        line=line,
        column=column,
        end_line=line,
        end_column=column,
        summary=message,  # one line already: the whole of it in editors and `concise` output
    )


class RuleContext:
    """What a rule sees: the tree, the shared facts, its settings, and ``report``."""

    def __init__(self, path: str, source: str, module: "cst.Module", facts, settings: "Settings") -> None:
        self.path = path
        self.source = source
        self.module = module
        self.facts = facts
        self.settings = settings
        self.reports: List[Tuple[Rule, "cst.CSTNode", str, Optional[FixSpec], Tuple[str, ...], Tuple[Tuple[Optional["cst.CSTNode"], str], ...], str]] = []

    def report(
        self,
        rule: Rule,
        node: "cst.CSTNode",
        message: str,
        fix: Optional[FixSpec],
        tags: Tuple[str, ...] = (),
        related: "Sequence[Tuple[Optional[cst.CSTNode], str]]" = (),
        summary: str = "",
    ) -> None:
        self.reports.append((rule, node, message, fix, tuple(tags), tuple(related), summary))

    def code_for(self, node: "cst.CSTNode") -> str:
        return self.module.code_for_node(node)

    def positions(self) -> "_LazyPositions":
        """The positions of this file's nodes, worked out per top-level statement on demand and
        shared by the rules that ask and the placing of the findings."""
        found = self.__dict__.get("_positions")
        if found is None:
            found = self.__dict__["_positions"] = _LazyPositions(self.module, self.facts, self.source)
        return found

    def line_of(self, node: "cst.CSTNode") -> Optional[int]:
        """The 1-based line where ``node`` of this file starts; None for a node of another tree."""
        pos = self.positions().get(node)
        return pos.start.line if pos is not None else None


# libcst nodes that carry no meaning for the rules (whitespace, punctuation): not traversed.
_TOKEN_FIELDS = frozenset(
    {
        "lpar", "rpar", "comma", "equal", "colon", "semicolon", "dot", "star", "leading_lines",
        "lines_after_decorators", "header", "footer", "lbracket", "rbracket", "lbrace", "rbrace",
        "asynchronous", "newline", "trailing_whitespace", "first_line", "empty_lines", "indent", "relative",
    }
)
# Fields whose dataclass order differs from source order (libcst's own visit order).
_SOURCE_ORDER = {
    "Arg": ("keyword", "value"),
    "FunctionDef": ("decorators", "name", "type_parameters", "params", "returns", "body"),
    "ClassDef": ("decorators", "name", "type_parameters", "bases", "keywords", "body"),
    "IfExp": ("body", "test", "orelse"),
    "ExceptHandler": ("type", "name", "body"),
    "ExceptStarHandler": ("type", "name", "body"),
    "MatchCase": ("pattern", "guard", "body"),
    "TypeAlias": ("name", "type_parameters", "value"),
    "Parameters": ("posonly_params", "posonly_ind", "params", "star_arg", "kwonly_params", "star_kwarg"),
}
_child_fields: Dict[type, Tuple[str, ...]] = {}


def _fields_of(kind: type) -> Tuple[str, ...]:
    fields = _child_fields.get(kind)
    if fields is None:
        import dataclasses

        names = [f.name for f in dataclasses.fields(kind) if not f.name.startswith("whitespace") and f.name not in _TOKEN_FIELDS]
        first = tuple(n for n in _SOURCE_ORDER.get(kind.__name__, ()) if n in names)
        fields = _child_fields[kind] = first + tuple(n for n in names if n not in first)
    return fields


_kept: Dict[type, bool] = {}


def _kept_kinds(cst) -> Callable[[type], bool]:
    """``kept(type(value))``: is a field value a node the traversal visits (not whitespace or
    punctuation)?  Decided once per type: ``isinstance`` against libcst's ABCs is slow."""
    skipped = (
        cst.BaseParenthesizableWhitespace, cst.TrailingWhitespace, cst.EmptyLine, cst.Newline, cst.Comment,
        cst.Comma, cst.Dot, cst.Colon, cst.Semicolon, cst.AssignEqual, cst.Asynchronous, cst.ImportStar,
        cst.LeftParen, cst.RightParen, cst.LeftSquareBracket, cst.RightSquareBracket, cst.LeftCurlyBrace, cst.RightCurlyBrace,
    )  # fmt: skip
    node_type = cst.CSTNode

    def kept(kind: type) -> bool:
        answer = _kept.get(kind)
        if answer is None:
            answer = _kept[kind] = issubclass(kind, node_type) and not issubclass(kind, skipped)
        return answer

    return kept


def _traverse(module, rules: List[Rule], facts, errors: List[str], path: str) -> None:
    """One pre-order pass over the tree for all rules, recording parents and children.

    libcst's own visitor rebuilds every node on the way back up (``_visit_and_replace_children``)
    and its ``children`` property re-visits the node; reading the dataclass fields directly,
    and skipping whitespace and punctuation, is several times cheaper.  Children are in source
    order (``_SOURCE_ORDER`` fixes the few node types whose fields are not).
    """
    import libcst as cst

    visit: Dict[str, List[Callable]] = {}
    leave: Dict[str, List[Callable]] = {}
    for rule in rules:
        for attr in dir(type(rule)):
            if attr.startswith("visit_"):
                visit.setdefault(attr[6:], []).append(getattr(rule, attr))
            elif attr.startswith("leave_"):
                leave.setdefault(attr[6:], []).append(getattr(rule, attr))

    def guarded(fn: Callable, node) -> None:
        try:
            fn(node)
        except Exception:  # a rule bug must not take the run (or the editor) down
            import traceback

            errors.append(f"{path}: internal error in {fn.__self__.code}: {traceback.format_exc(limit=3).strip()}")

    parents = facts.parents
    children_map = facts.children_map
    functions, classes, calls = facts.functions, facts.classes, facts.calls
    kept = _kept_kinds(cst)
    _LEAVE = object()
    stack: list = [module]
    while stack:
        node = stack.pop()
        if node is _LEAVE:
            done = stack.pop()
            for fn in leave.get(type(done).__name__, ()):
                guarded(fn, done)
            continue
        kind = type(node).__name__
        if kind == "Call":
            calls.append(node)
        elif kind == "FunctionDef":
            functions.append(node)
        elif kind == "ClassDef":
            classes.append(node)
        for fn in visit.get(kind, ()):
            guarded(fn, node)
        kids: list = []
        for name in _fields_of(type(node)):
            value = getattr(node, name)
            kind_of_value = type(value)
            if kind_of_value is tuple or kind_of_value is list:
                for item in value:
                    if kept(type(item)):
                        kids.append(item)
            elif kept(kind_of_value):
                kids.append(value)
        children_map[node] = kids
        for kid in kids:
            parents[kid] = node
        if kind in leave:
            stack.append(node)
            stack.append(_LEAVE)
        stack.extend(reversed(kids))


# Above this size the libcst tree is built from chunks of top-level statements: the same tree,
# but the parser's peak memory (about as much again as the tree) is paid per chunk, not per file.
CHUNKED_PARSE_BYTES = 200_000
_CHUNK_BYTES = 64_000


_UNREADABLE_ALONE = object()  # a chunk libcst does not give back as it read it (``_parse_in_chunks``)


class ParseCache:
    """A document's top-level statements as libcst parsed them last time, by their text.

    The editor lints a file again after every edit, and an edit changes one or two statements:
    with a cache, ``parse_cst`` parses those again and takes the others from here (the same
    tree, as ``test_engine`` checks; a statement whose text occurs twice is parsed twice, so that
    no node object is in the tree twice).  It keeps the statements of the last parse only."""

    def __init__(self) -> None:
        self.chunks: Dict[str, Any] = {}  # a chunk's text -> its ``cst.Module``


def parse_cst(source: str, tree: Optional[ast.Module] = None, chunk_above: Optional[int] = None, cache: Optional[ParseCache] = None):
    """``libcst.parse_module(source)``, in chunks for large files (see ``CHUNKED_PARSE_BYTES``),
    or per top-level statement with a ``cache`` of the last parse of the same document."""
    import libcst as cst

    if cache is not None and tree is not None and len(tree.body) > 1:
        try:
            module = _parse_in_chunks(source, tree, chunk_bytes=1, cache=cache)
        except (cst.ParserSyntaxError, RecursionError, ValueError):
            module = None
        if module is not None:
            return module
        cache.chunks = {}
    limit = CHUNKED_PARSE_BYTES if chunk_above is None else chunk_above
    if tree is not None and len(source) > limit and len(tree.body) > 1:
        try:
            module = _parse_in_chunks(source, tree)
        except (cst.ParserSyntaxError, RecursionError, ValueError):
            module = None
        if module is not None:
            return module
    return _parse_unvalidated(source)


def _parse_unvalidated(source: str):
    """``libcst.parse_module`` without re-validating every node the parser builds.

    Each node's ``__post_init__`` runs ``_validate()`` (whitespace regexes, parenthesis
    checks): a quarter of the parse, and redundant for a tree the parser itself produced (libcst
    says so next to ``CSTNode.__post_init__``).  The check is switched off only around the
    parser call and always restored to libcst's own method; nodes built later (fixes) are
    validated as usual.
    """
    import libcst as cst

    CSTNode = cst.CSTNode
    original = _ORIGINAL_POST_INIT.get("fn")
    if original is None:
        original = _ORIGINAL_POST_INIT["fn"] = CSTNode.__dict__.get("__post_init__")
    if original is None:  # a libcst without the hook: nothing to switch off
        return cst.parse_module(source)
    CSTNode.__post_init__ = _no_validation  # type: ignore[method-assign]
    try:
        return cst.parse_module(source)
    finally:
        CSTNode.__post_init__ = original  # type: ignore[method-assign]


_ORIGINAL_POST_INIT: Dict[str, Callable] = {}


def _no_validation(self) -> None:
    pass


def _line_starts(source: str) -> List[int]:
    """Offsets of line starts as ``ast`` counts lines (\\r\\n, \\r, \\n; not str.splitlines' others)."""
    import re

    return [0] + [m.end() for m in re.finditer(r"\r\n|\r|\n", source)]


def _first_line(stmt: ast.stmt) -> int:
    """A top-level statement's first line, its decorators included."""
    return min([stmt.lineno] + [d.lineno for d in getattr(stmt, "decorator_list", ())])


def _parse_in_chunks(source: str, tree: ast.Module, chunk_bytes: Optional[int] = None, cache: Optional[ParseCache] = None):
    import libcst as cst

    size = _CHUNK_BYTES if chunk_bytes is None else chunk_bytes
    starts = _line_starts(source)
    cuts = [0]
    for stmt in tree.body[1:]:
        first = _first_line(stmt)
        offset = starts[first - 1]
        if offset - cuts[-1] >= size:
            cuts.append(offset)
    if len(cuts) < 2:
        return None
    cuts.append(len(source))
    texts = [source[a:b] for a, b in zip(cuts, cuts[1:])]
    previous: Dict[str, Any] = {}
    if cache is not None:
        previous, cache.chunks = cache.chunks, {}
    chunks = []
    carried_text = ""
    for text in texts:
        text = carried_text + text
        chunk = previous.pop(text, None)  # taken once: a repeated statement is parsed anew
        if chunk is _UNREADABLE_ALONE:
            chunk = None
            if cache is not None:
                cache.chunks[text] = _UNREADABLE_ALONE
        elif chunk is None:
            chunk = _parse_unvalidated(text)
            if chunk.code != text:
                # libcst does not always give back the lines at the end of a text as it read them
                # (blank lines before a line of spaces): read this chunk with the next one.
                chunk = None
                if cache is not None:
                    cache.chunks[text] = _UNREADABLE_ALONE
        if chunk is None:
            carried_text = text
            continue
        carried_text = ""
        if cache is not None:
            cache.chunks.setdefault(text, chunk)
        chunks.append(chunk)
    if carried_text or not chunks:
        return None  # (the last chunk is the file's end: libcst reads it so as a whole too)
    first = chunks[0]
    # libcst's default indent is the file's first indented block's (its first INDENT token); a
    # block indented so is stored without its indent.  That block is the first chunk's with one,
    # and every chunk with a block must have read the same default, or its blocks would print
    # with another indent: otherwise the file is parsed as a whole.  Chunks without blocks say
    # libcst's fallback, which nothing in them uses.
    with_blocks = [chunk for chunk in chunks if any(_has_indented_block(st) for st in chunk.body)]
    indent = with_blocks[0].default_indent if with_blocks else first.default_indent
    body: list = []
    carried: list = []  # the previous chunk's trailing blank lines and comments
    for chunk in chunks:
        if chunk.default_newline != first.default_newline:
            return None
        if chunk.default_indent != indent and any(chunk is c for c in with_blocks):
            return None
        stmts = list(chunk.body)
        if chunk is not first:
            lead = carried + list(chunk.header)
            if lead:
                if not stmts:
                    return None
                stmts[0] = stmts[0].with_changes(leading_lines=[*lead, *stmts[0].leading_lines])
        body.extend(stmts)
        carried = list(chunk.footer)
    last = chunks[-1]
    return cst.Module(
        body=body,
        header=first.header,
        footer=last.footer,
        encoding=first.encoding,
        default_indent=indent,
        default_newline=first.default_newline,
        has_trailing_newline=last.has_trailing_newline,
    )


def _has_indented_block(statement) -> bool:
    """Does a top-level statement have a suite on lines of its own (``cst.IndentedBlock``), in any
    of its clauses (`else`, `except`, `finally`, `case`)?  (`if x: y()` has none.)"""
    import libcst as cst

    if isinstance(statement, cst.SimpleStatementLine):
        return False
    if isinstance(getattr(statement, "body", None), cst.IndentedBlock):
        return True
    clauses = [getattr(statement, "orelse", None), getattr(statement, "finalbody", None), *getattr(statement, "handlers", ()), *getattr(statement, "cases", ())]
    return any(_has_indented_block(clause) for clause in clauses if clause is not None)


def _libcst_error_line(exc, default: int) -> int:
    """The line of a libcst parser error: its message's "error at LINE:COL" (``raw_line`` is
    sometimes the line after)."""
    import re

    m = re.search(r"error at (\d+):\d+", getattr(exc, "message", "") or "")
    return int(m.group(1)) if m else (getattr(exc, "raw_line", 0) or default)


def _unreadable_statements(source: str, tree: ast.Module, error_line: int) -> List[Tuple[int, int, int]]:
    """The top-level statements of a file that ``ast`` accepts which libcst cannot parse on their
    own (its grammar lags behind CPython's in places: ``(x): int = 1``), as (first line, last
    line, the line libcst stopped at).  Statements that share a line are parsed together.

    libcst stops in the first statement it cannot read (``error_line``, for the whole file):
    that statement is confirmed alone and the parse goes on after it, so one such statement
    costs about one more parse of the file.  Where the line points at a statement that does
    parse alone, the rest is parsed by halves, down to the statements that fail."""
    import bisect

    import libcst as cst

    starts = _line_starts(source)
    spans: List[List[int]] = []
    for stmt in tree.body:
        first, last = _first_line(stmt), max(stmt.end_lineno or stmt.lineno, stmt.lineno)
        if spans and first <= spans[-1][1]:
            spans[-1][1] = max(spans[-1][1], last)
        else:
            spans.append([first, last])

    def stopped_at(i: int, j: int) -> Optional[int]:
        """None when ``spans[i:j]`` parse, else the line (of the file) where libcst stopped."""
        first, last = spans[i][0], spans[j - 1][1]
        end = starts[last] if last < len(starts) else len(source)
        try:
            _parse_unvalidated(source[starts[first - 1] : end])
        except (cst.ParserSyntaxError, RecursionError, ValueError) as exc:
            return first - 1 + _libcst_error_line(exc, 1)
        return None

    bad: List[Tuple[int, int, int]] = []

    def add(k: int, line: int) -> None:
        first, last = spans[k]
        bad.append((first, last, min(max(line, first), last)))

    def by_halves(i: int, j: int) -> None:
        line = stopped_at(i, j)
        if line is None:
            return
        if j - i == 1:
            add(i, line)
            return
        mid = (i + j) // 2
        by_halves(i, mid)
        by_halves(mid, j)

    firsts = [first for first, _ in spans]
    i, line = 0, error_line
    while i < len(spans) and line is not None:
        k = max(i, bisect.bisect_right(firsts, line) - 1)
        alone = stopped_at(k, k + 1)
        if alone is None:  # the line did not lead to a failing statement
            by_halves(i, len(spans))
            break
        add(k, alone)
        i = k + 1
        line = stopped_at(i, len(spans)) if i < len(spans) else None
    return bad


def _without_statements(
    source: str, tree: ast.Module, spans: Sequence[Tuple[int, int, int]], rescued: Sequence[Tuple[int, int, Dict[int, int]]] = ()
) -> Tuple[str, ast.Module]:
    """``source`` with the lines of ``spans`` blanked to ``#`` comments, and ``tree`` without their
    statements: libcst reads the rest, and every other line keeps its number and its text (so
    positions, suppressions and fixes elsewhere are those of the original).  The statements of
    ``rescued`` are kept, their indentation's tabs expanded (``_rescue_mixed_indentation``)."""
    import re

    starts = _line_starts(source)
    pieces: List[str] = []
    pos = 0
    edits = [(first, last, False) for first, last, _ in spans] + [(first, last, True) for first, last, _ in rescued]
    for first, last, keep in sorted(edits):
        a = starts[first - 1]
        b = starts[last] if last < len(starts) else len(source)
        pieces.append(source[pos:a])
        pieces.append(_expanded_indentation(source[a:b]) if keep else re.sub(r"[^\r\n]+", "#", source[a:b]))
        pos = b
    pieces.append(source[pos:])
    body = [stmt for stmt in tree.body if not any(first <= stmt.lineno <= last for first, last, _ in spans)]
    return "".join(pieces), ast.Module(body=body, type_ignores=list(tree.type_ignores))


def _expanded_indentation(chunk: str) -> str:
    """``chunk`` with the tabs of each line's indentation expanded to the next multiple of 8
    columns, as Python's tokenizer counts them."""
    import re

    return re.sub(r"(?m)^[ \t]+", lambda m: m.group(0).expandtabs(8), chunk)


def _rescue_mixed_indentation(
    source: str, spans: Sequence[Tuple[int, int, int]]
) -> Tuple[List[Tuple[int, int, int]], List[Tuple[int, int, Dict[int, int]]]]:
    """Of the statements libcst cannot read, those it reads once the tabs of their indentation
    are expanded (a tab after spaces, which Python accepts and libcst's tokenizer rejects): each
    with, per line, how many columns wider its expanded indentation is.  The others stay
    unreadable."""
    import re

    import libcst as cst

    starts = _line_starts(source)
    unreadable: List[Tuple[int, int, int]] = []
    rescued: List[Tuple[int, int, Dict[int, int]]] = []
    for first, last, line in spans:
        chunk = source[starts[first - 1] : starts[last] if last < len(starts) else len(source)]
        expanded = _expanded_indentation(chunk)
        if expanded == chunk:
            unreadable.append((first, last, line))
            continue
        try:
            _parse_unvalidated(expanded)
        except (cst.ParserSyntaxError, RecursionError, ValueError):
            unreadable.append((first, last, line))
            continue
        shifts: Dict[int, int] = {}
        for offset, text in enumerate(chunk.splitlines()):
            indent = re.match(r"[ \t]*", text).group(0)  # type: ignore[union-attr]
            if "\t" in indent:
                shifts[first + offset] = len(indent.expandtabs(8)) - len(indent)
        rescued.append((first, last, shifts))
    return unreadable, rescued


def _mixed_indentation_note(path: str, first: int, last: int) -> str:
    where = f"the statement at line {first}" if first == last else f"the statement at lines {first}-{last}"
    return (
        f"{path}:{first}:1: {where} indents with tabs after spaces, which Python accepts and bnlint's parser (libcst) "
        "does not: it was analysed with its tabs expanded to 8 columns, and no fixes are offered for this file"
    )


def _unreadable_note(path: str, first: int, last: int, line: int) -> str:
    """A note, not a finding: the file is valid Python (``ast`` accepts it), so nothing is wrong in
    it; only bnlint's parser cannot read this statement.  (A BN000 would fail a CI run on valid code.)"""
    where = f"the statement at line {first}" if first == last else f"line {line} of the statement at lines {first}-{last}"
    return (
        f"{path}:{line}:1: bnlint's parser (libcst) cannot read {where}, although Python accepts it: that statement "
        "is not analysed (the rest of the file is), and no fixes are offered for this file"
    )


def _note_incomplete_analysis(facts, path: str, source: str, module, result: FileResult, rules: Sequence[Rule]) -> None:
    """A warning (``FileResult.notes``) when the train/eval mode analysis gave up on this file:
    its rules then report nothing here, and that must not pass for "no findings"."""
    modes = sys.modules.get("bnlint.modes")
    aborted = modes.aborted_analysis(facts) if modes is not None else None
    if aborted is None:
        return
    import libcst as cst

    codes = [r.code for r in rules if r.code in modes.ANALYSIS_RULES]
    fn = aborted.abort_fn
    if fn is None:
        where = "the module's top-level code"
    else:
        names = [fn.name.value] + [a.name.value for a in facts.ancestors(fn) if isinstance(a, (cst.FunctionDef, cst.ClassDef))]
        where = f"`{'.'.join(reversed(names))}`"
        pos = _LazyPositions(module, facts, source).get(fn)
        if pos is not None:
            where += f" (line {pos.start.line})"
    why = f"exceeded its step budget ({modes.MAX_STEPS:,} steps)" if aborted.abort_reason == "budget" else "met code nested too deeply"
    codes = codes or list(modes.ANALYSIS_RULES)
    rules_text = f"{codes[0]} is" if len(codes) == 1 else f"{', '.join(codes[:-1])} and {codes[-1]} are"
    result.notes.append(f"{path}: the train/eval mode analysis {why} in {where}, so {rules_text} not reported for this file")


_MAX_RECOVERIES = 20  # syntax errors looked past in one file (one per notebook cell)


def _recover(source: str, line: int, regions: Optional[Sequence[Tuple[int, int]]]) -> Tuple[Optional[str], str]:
    """A text with the same lines and columns that may parse, past the syntax error on ``line``,
    and what was done, or (None, "") when it is not one to look past:

    * `async` used as a name (`x.cuda(async=True)`, valid before Python 3.7, common in older
      training code): read as another name of the same length, so the rest is analysed;
    * Python 2 statements and tokens (`print "loss", l`, `except IOError, e:`) in a file
      or cell: read as Python 3 of the same width (``bnlint.py2``);
    * an error inside one of ``regions`` (a notebook cell): that cell is left out, as running
      the notebook fails that cell only."""
    from bnlint.py2 import as_python3

    text, hows = source, []
    for repair, how in (
        (_keywords_as_names, "`async`, `await` or `nonlocal` used as a name (keywords in Python 3, `async` since 3.7); the rest of the file was analysed reading it as a name"),
        (as_python3, "Python 2 syntax; the rest of the file was analysed reading it as Python 3"),
    ):
        repaired = repair(text)
        if repaired is not None:
            text = repaired
            hows.append(how)
    region = next(((first, last) for first, last in regions or () if first <= line <= last), None)
    if region is not None and _regions_not_parsing(text, (region,)):
        # Still not Python once read as such (an exercise's placeholder): the cell is left out.
        first, last = region
        lines = text.split("\n")
        if all(not l.strip() for l in lines[first - 1 : last]):
            return None, ""
        for k in range(first - 1, min(last, len(lines))):
            lines[k] = ""
        text = "\n".join(lines)
        hows.append("the other cells were analysed without this one")
    if text == source:
        return None, ""
    return text, "; ".join(hows)


def _regions_not_parsing(source: str, regions: Sequence[Tuple[int, int]]) -> List[Tuple[int, int, SyntaxError]]:
    """The regions (notebook cells) that do not parse on their own, with their errors (at most
    ``_MAX_RECOVERIES``)."""
    lines = source.split("\n")
    out: List[Tuple[int, int, SyntaxError]] = []
    for first, last in regions:
        try:
            ast.parse("\n".join(lines[first - 1 : last]))
        except SyntaxError as exc:
            out.append((first, last, exc))
            if len(out) >= _MAX_RECOVERIES:
                break
        except (ValueError, RecursionError, MemoryError):
            continue  # the joined text meets it again, with its own message
    return out


# Names of older code that Python 3 made keywords: `x.cuda(async=True)` (before 3.7),
# `self.nonlocal = ...` (Python 2).
_KEYWORDS_OF_NEWER_PYTHONS = ("async", "await", "nonlocal")


def _keywords_as_names(source: str) -> Optional[str]:
    """``source`` with `async`, `await` or `nonlocal` as a keyword argument or attribute
    (`cuda(async=True)`, `self.nonlocal`) renamed to a name of the same length (its tail and an
    underscore: positions stay), or None if none."""
    if not any(word in source for word in _KEYWORDS_OF_NEWER_PYTHONS):
        return None
    import io
    import tokenize

    spots: List[Tuple[int, int]] = []
    try:
        tokens = [t for t in tokenize.generate_tokens(io.StringIO(source).readline) if t.type not in (tokenize.NL, tokenize.COMMENT)]
    except (tokenize.TokenError, SyntaxError, IndentationError):
        return None
    for k, tok in enumerate(tokens):
        if tok.type == tokenize.NAME and tok.string in _KEYWORDS_OF_NEWER_PYTHONS:
            after = tokens[k + 1].string if k + 1 < len(tokens) else ""
            before = tokens[k - 1].string if k else ""
            if after == "=" or before == ".":
                spots.append((tok.start, tok.string))
    if not spots:
        return None
    lines = source.split("\n")
    for (row, col), word in spots:
        text = lines[row - 1]
        lines[row - 1] = text[:col] + word[1:] + "_" + text[col + len(word) :]
    return "\n".join(lines)


_FSTRING_START = lazy(r"(?<![\w'\"])[rRbB]?[fF][rR]?['\"]")


# What Python before 3.12 says of an f-string in PEP 701's forms (its own quotes reused inside
# `{}`, a backslash or a line break there): `f-string: unmatched '['`, `f-string: expecting '}'`,
# an unterminated string, a stray character after a backslash.  Not, say, "'(' was never closed".
_FSTRING_ERRORS = ("f-string", "unterminated string literal", "unterminated triple-quoted string", "unexpected character after line continuation", "invalid syntax")


def _newer_python_hint(source: str, line: int, message: str) -> str:
    """A note for a syntax error that may be newer syntax than this Python reads: on Python
    before 3.12, an f-string on the failing line (or the line before) may use PEP 701's forms
    (a line break inside `{}`, its own quotes reused inside), valid from 3.12 on, when the error
    is one such an f-string raises (``_FSTRING_ERRORS``)."""
    if sys.version_info >= (3, 12) or not message.startswith(_FSTRING_ERRORS):
        return ""
    lines = source.splitlines()
    near = lines[max(line - 2, 0) : line]
    if any(_FSTRING_START.search(text) for text in near):
        version = f"{sys.version_info[0]}.{sys.version_info[1]}"
        return f" (an f-string here may use Python 3.12 syntax; bnlint reads files as the Python it runs on, {version}: run it with Python 3.12 or later)"
    return ""


def lint_source(
    source: str,
    path: str,
    settings: "Settings",
    index: Optional["ProjectIndex"] = None,
    rules: Optional[Sequence[RuleType]] = None,
    use_prefilter: bool = True,
    regions: Optional[Sequence[Tuple[int, int]]] = None,
    parse_cache: Optional[ParseCache] = None,
) -> FileResult:
    """Lint ``source``.  ``regions``: (first line, last line) of parts that run on their own (a
    notebook's cells): one that does not parse gets its BN000 and the others are analysed.
    ``parse_cache``: the statements of this document's last parse (``ParseCache``; the editor)."""
    from bnlint import inventory as inv_mod

    previous = inv_mod.use_configured_factories(settings.bn_model_factories)
    try:
        return _lint_source(source, path, settings, index, rules, use_prefilter, regions, parse_cache)
    finally:
        inv_mod.use_configured_factories(previous)


def _lint_source(
    source: str,
    path: str,
    settings: "Settings",
    index: Optional["ProjectIndex"],
    rules: Optional[Sequence[RuleType]],
    use_prefilter: bool,
    regions: Optional[Sequence[Tuple[int, int]]] = None,
    parse_cache: Optional[ParseCache] = None,
) -> FileResult:
    if rules is None:
        rules = settings.rules_for(path)
    result = FileResult(path=path)
    if not rules:
        result.skipped = True
        return result
    if index is None:
        from bnlint.inventory import ProjectIndex

        index = ProjectIndex()
    candidates = list(rules)
    if use_prefilter:
        from bnlint.prefilter import text_candidates

        candidates = text_candidates(source, rules, path, index)  # the ast step sees only these
    if not candidates:
        result.skipped = True
        return result
    if has_skip_file(source):
        result.skipped = True
        return result
    if "\x00" in source:
        result.findings.append(file_error(path, "binary data (NUL bytes) in a Python file: not analysed"))
        return result

    recovered = False  # analysed as repaired by ``_recover``: its fixes are withheld
    reported: List[Tuple[int, int, str]] = []  # the syntax errors reported, in order

    def syntax_error(exc: SyntaxError, first_line: int = 1, last_line: int = 0) -> Optional[str]:
        """Report ``exc`` (in a part that starts at ``first_line``) and return the text to go on
        with (``_recover``), or None: the file is not analysed."""
        line = first_line + (exc.lineno or 1) - 1
        col = (exc.offset or 1) if exc.offset and exc.offset > 0 else 1
        if last_line and recovered and not _regions_not_parsing(source, ((first_line, last_line),)):
            # An earlier repair (Python 2 read as Python 3) made this cell parse too.
            result.findings.append(file_error(path, f"syntax error: {exc.msg}", line, col))
            return source
        if reported and reported[-1] == (line, col, exc.msg):
            # The repair did not get past this error (a tab/space mix in a Python 2 file): one
            # finding for it, without the note that the rest was analysed.
            result.findings.pop()
            result.findings.append(file_error(path, f"syntax error: {exc.msg}" + _newer_python_hint(source, line, exc.msg or ""), line, col))
            return None
        reported.append((line, col, exc.msg))
        repaired, how = _recover(source, line, regions)
        note = f" ({how})" if repaired is not None else _newer_python_hint(source, line, exc.msg or "")
        result.findings.append(file_error(path, f"syntax error: {exc.msg}" + note, line, col))
        return repaired

    # Each notebook cell is compiled on its own when it runs: one that does not parse (a `def`
    # left empty for an exercise) fails alone, and its error is in it, not in the cell after it,
    # where the joined text would show it.  One BN000 for the notebook, at its first such cell;
    # the others are its related locations (a Python 2 notebook fails in most of its cells).
    failing = _regions_not_parsing(source, regions or ())
    if failing:
        from bnlint.rule import Related

        first_finding = len(result.findings)
        for first, last, exc in failing:
            repaired = syntax_error(exc, first, last)
            if repaired is None:
                return result
            source, recovered = repaired, True
        if len(failing) > 1:
            main, others = result.findings[first_finding], result.findings[first_finding + 1 :]
            main.message += f"; {len(others)} more cell{'s' if len(others) > 1 else ''} of this notebook do{'' if len(others) > 1 else 'es'} not parse either"
            main.related = tuple(Related(f.line, f.column, f.end_line, f.end_column, f"also {f.message.split(' (')[0]}") for f in others)
            del result.findings[first_finding + 1 :]
    for _ in range(_MAX_RECOVERIES + 1):
        try:
            tree = ast.parse(source, filename=path)
            break
        except SyntaxError as exc:
            repaired = syntax_error(exc)
            if repaired is None:
                return result
            source, recovered = repaired, True
        except (ValueError, RecursionError, MemoryError) as exc:
            result.findings.append(file_error(path, f"could not parse file: {type(exc).__name__}: {exc}"))
            return result
    else:
        return result

    inventory = None
    if use_prefilter:
        from bnlint.prefilter import cst_candidates

        gate = cst_candidates(tree, source, candidates, path, index)
        if not gate:
            result.skipped = True
            return result
        # Only the rules that can report here run (each step is a necessary condition per rule).
        rules, inventory = gate.rules, gate.inventory

    import libcst as cst

    from bnlint.facts import Facts

    text, text_tree = source, tree  # what libcst reads: the file, less statements it cannot parse
    unreadable: List[Tuple[int, int, int]] = []
    rescued: List[Tuple[int, int, Dict[int, int]]] = []
    try:
        module = parse_cst(source, tree, cache=parse_cache)
    except cst.ParserSyntaxError as exc:
        # ``ast`` accepted the file, so this is no syntax error: libcst's grammar lags behind
        # CPython's here.  Analyse the rest, without the top-level statements it cannot read.
        module = None
        unreadable = _unreadable_statements(source, tree, _libcst_error_line(exc, 1))
        unreadable, rescued = _rescue_mixed_indentation(source, unreadable)
        if unreadable or rescued:
            text, text_tree = _without_statements(source, tree, unreadable, rescued)
            try:
                module = parse_cst(text, text_tree)
            except (cst.ParserSyntaxError, RecursionError, ValueError):
                module = None
        if module is None:
            line = _libcst_error_line(exc, 1)
            result.notes.append(f"{path}:{line}:1: bnlint's parser (libcst) cannot read line {line}, although Python accepts it: the file is not analysed")
            return result
    except (RecursionError, MemoryError) as exc:
        result.findings.append(file_error(path, f"could not parse file: {type(exc).__name__}"))
        return result

    if inventory is None:
        inventory = index.inventory_for_source(source, path, tree)
    facts = Facts(module, inventory, index, path)
    facts.ast_tree = text_tree  # statement line anchors for lazy positions
    ctx = RuleContext(path, text, module, facts, settings)
    instances = [rule_cls(ctx) for rule_cls in rules]

    from bnlint import facts as facts_module

    token = facts_module.activate(facts)
    try:
        _run_rules(module, facts, ctx, instances, result, path, text)
        _note_incomplete_analysis(facts, path, text, module, result, instances)
        if recovered:
            for finding in result.findings:
                finding.fix = None  # fixes are for code that parses as written
        if unreadable or rescued:
            # Fixes are withheld: one could not be checked against the statement left out (or
            # read with its tabs expanded), and the fix loops (CLI, editor) take a BN000 after a
            # fix round for a fix that broke the file.
            for finding in result.findings:
                finding.fix = None
            result.notes.extend(_unreadable_note(path, first, last, line) for first, last, line in unreadable)
        if rescued:
            shifts = {line: shift for first, last, lines in rescued for line, shift in lines.items()}
            for finding in result.findings:
                # Columns of the original text: the expanded indentation is wider than its tabs.
                if finding.line in shifts and finding.column > shifts[finding.line]:
                    finding.column -= shifts[finding.line]
                if finding.end_line in shifts and finding.end_column > shifts[finding.end_line]:
                    finding.end_column -= shifts[finding.end_line]
            result.notes.extend(_mixed_indentation_note(path, first, last) for first, last, _ in rescued)
        return result
    finally:
        facts_module.deactivate(token)
        # The rules, their context and the facts refer to each other: break those cycles so the
        # tree is freed now by reference counting, not at some later (rare) full collection.
        for rule in instances:
            rule.__dict__.clear()
        ctx.__dict__.clear()
        facts.__dict__.clear()


# After a file this large, the freed libcst tree (about 350 bytes per source byte) is handed back.
RELEASE_AFTER_BYTES = 100_000
_malloc_trim: Optional[Callable[[int], int]] = None


def release_freed_memory() -> None:
    """Return the heap freed by a large libcst tree to the operating system.

    glibc keeps freed memory in the process; without this, a worker that linted one 500 kB
    file stays at its peak (~200 MB) and the project index then grows on top of it.
    A no-op where there is no glibc ``malloc_trim``.
    """
    global _malloc_trim
    if _malloc_trim is None:
        trim: Callable[[int], int] = lambda pad: 0  # noqa: E731
        if sys.platform.startswith("linux"):
            try:
                import ctypes

                trim = ctypes.CDLL("libc.so.6").malloc_trim
            except (OSError, AttributeError):
                pass
        _malloc_trim = trim
    _malloc_trim(0)


def tune_gc_for_batch() -> None:
    """Fewer cyclic-GC passes in batch runs: parsing allocates millions of objects, none in
    cycles, and each pass walks the growing project index (a quarter of the CPU time before)."""
    import gc

    gc.set_threshold(100_000, 50, 100)


def _run_rules(module, facts, ctx, instances, result: FileResult, path: str, source: str) -> FileResult:
    try:
        _traverse(module, instances, facts, result.internal_errors, path)
    except RecursionError:
        result.internal_errors.append(f"{path}: file too deeply nested to analyse")
        return result
    for rule in instances:
        try:
            rule.check_module()
        except Exception:
            import traceback

            result.internal_errors.append(f"{path}: internal error in {rule.code}: {traceback.format_exc(limit=3).strip()}")

    if ctx.reports:
        result.findings.extend(_to_findings(ctx, path, source, module))
    result.findings.sort(key=Finding.sort_key)
    return result


class _LazyPositions:
    """Node positions, computed per top-level statement and only for statements that hold a finding.

    libcst's PositionProvider over a whole module is a second full visit plus a full code
    generation (seconds on a 2,000-line script). Instead, each top-level statement holding a
    reported node is generated alone and its positions shifted by the statement's first line,
    which the stdlib ``ast`` tree (already parsed for the inventory) gives for free. The shift
    is verified against the source text; any mismatch falls back to the whole-module pass.
    """

    def __init__(self, module, facts, source: str) -> None:
        self.module = module
        self.facts = facts
        from bnlint.fixes import split_lines

        self.lines = [line.rstrip("\r\n") for line in split_lines(source)]
        self.tables: Dict[object, Optional[dict]] = {}
        self.full = None
        self.anchors = _statement_anchor_lines(module, getattr(facts, "ast_tree", None))

    def _whole_module(self):
        if self.full is None:
            from libcst.metadata import MetadataWrapper, PositionProvider

            self.full = MetadataWrapper(self.module, unsafe_skip_copy=True).resolve(PositionProvider)
        return self.full

    def _top_statement(self, node):
        parents = self.facts.parents
        cur = node
        while True:
            parent = parents.get(cur)
            if parent is None:
                return None
            if parent is self.module:
                return cur
            cur = parent

    def _table_for(self, top) -> Optional[dict]:
        if top in self.tables:
            return self.tables[top]
        table = None
        index = self.anchors.get(top) if self.anchors else None
        if index is not None:
            import libcst as cst
            from libcst.metadata import CodePosition, CodeRange, MetadataWrapper, PositionProvider

            from bnlint.fixes import split_lines

            m = self.module
            mini = cst.Module(body=[top], header=[], footer=[], encoding=m.encoding, default_indent=m.default_indent, default_newline=m.default_newline, has_trailing_newline=True)
            rel = MetadataWrapper(mini, unsafe_skip_copy=True).resolve(PositionProvider)
            start = rel.get(top)
            if start is not None:
                offset = index - start.start.line
                mini_lines = [line.rstrip("\r\n") for line in split_lines(mini.code)]
                same = 0 < index <= len(self.lines) and 0 < start.start.line <= len(mini_lines) and mini_lines[start.start.line - 1] == self.lines[index - 1]
                if same:
                    table = {
                        node: CodeRange(CodePosition(r.start.line + offset, r.start.column), CodePosition(r.end.line + offset, r.end.column))
                        for node, r in rel.items()
                    }
        self.tables[top] = table
        return table

    def get(self, node, default=None):
        if self.full is None:
            top = self._top_statement(node)
            table = self._table_for(top) if top is not None else None
            if table is not None:
                return table.get(node, default)
        return self._whole_module().get(node, default)

    def __contains__(self, node) -> bool:
        return self.get(node) is not None

    def __getitem__(self, node):
        value = self.get(node)
        if value is None:
            raise KeyError(node)
        return value


def _statement_anchor_lines(module, tree) -> Optional[Dict[object, int]]:
    """First source line of each top-level libcst statement, from the matching ``ast`` statements."""
    import libcst as cst

    if tree is None:
        return None
    anchors: Dict[object, int] = {}
    body = tree.body
    i = 0
    for stmt in module.body:
        if i >= len(body):
            return None
        node = body[i]
        if isinstance(stmt, cst.SimpleStatementLine):
            anchors[stmt] = node.lineno
            i += len(stmt.body)
        else:
            anchors[stmt] = node.lineno  # for decorated defs both libcst's range and ast start at `def`
            i += 1
    return anchors if i == len(body) else None


def _to_findings(ctx: RuleContext, path: str, source: str, module: "cst.Module") -> List[Finding]:
    """Resolve positions (only now, for files that have findings), fixes and suppressions."""
    import libcst as cst

    positions = ctx.positions() if ctx.module is module and ctx.source is source else _LazyPositions(module, ctx.facts, source)
    suppressions = parse_suppressions(source)
    from bnlint.fixes import split_lines

    lines = split_lines(source)
    seen = set()
    findings: List[Finding] = []
    for rule, node, message, fix_spec, tags, related_spec, summary in ctx.reports:
        pos = positions.get(node)
        if pos is None:
            continue
        key = (rule.code, pos.start.line, pos.start.column, message)
        if key in seen:
            continue
        seen.add(key)
        stmt = ctx.facts.enclosing_statement(node)
        stmt_first, stmt_last = pos.start.line, pos.end.line
        if stmt is not None and stmt in positions:
            if isinstance(stmt, cst.SimpleStatementLine):
                stmt_first, stmt_last = positions[stmt].start.line, positions[stmt].end.line
            else:
                stmt_first = positions[stmt].start.line
        if suppressions.matches(rule.code, rule.name, min(pos.start.line, stmt_first), max(pos.end.line, stmt_last), stmt_first):
            continue
        fix = _resolve_fix(fix_spec, positions, module, lines) if fix_spec else None
        findings.append(
            Finding(
                code=rule.code,
                name=rule.name,
                severity=rule.severity,
                message=message,
                path=path,
                line=pos.start.line,
                column=pos.start.column + 1,
                end_line=pos.end.line,
                end_column=pos.end.column + 1,
                fix=fix,
                stmt_lines=(stmt_first, stmt_last),
                tags=tags,
                related=_resolve_related(related_spec, positions) if related_spec else (),
                summary=summary,
            )
        )
    return findings


def _resolve_related(spec: Sequence[Tuple[Optional["cst.CSTNode"], str]], positions: "_LazyPositions") -> tuple:
    """The (node, message) pairs a rule gave as the path to its finding, as positions in source
    order; a node without a position here (None, or one from another module) is left out."""
    from bnlint.rule import Related

    out: List[Related] = []
    for entry in spec:
        if isinstance(entry, Related):  # a location in another file, already placed
            if entry not in out:
                out.append(entry)
            continue
        node, message = entry
        if node is None or positions._top_statement(node) is None:
            continue  # not in this module's tree: asking would compute every position in vain
        pos = positions.get(node)
        if pos is None:
            continue
        item = Related(pos.start.line, pos.start.column + 1, pos.end.line, pos.end.column + 1, message)
        if item not in out:
            out.append(item)
    out.sort(key=Related.sort_key)
    return tuple(out)


def _indent_of(line_text: str) -> str:
    return line_text[: len(line_text) - len(line_text.lstrip(" \t"))]


def _resolve_fix(spec: FixSpec, positions, module, lines: List[str]) -> Optional[Fix]:
    """Edits in source coordinates.  Inserted lines take the line ending of the line they are
    inserted beside, so a CRLF, CR-only or mixed file keeps its endings."""
    from bnlint.fixes import line_ending

    default_ending = line_ending(lines[0]) if lines else "\n"

    def ending_near(line: int) -> str:
        for i in (line - 1, line - 2):  # this line, else the one before (the last line may have none)
            if 0 <= i < len(lines) and line_ending(lines[i], ""):
                return line_ending(lines[i])
        return default_ending

    edits: List[Edit] = []
    for e in spec.edits:
        if isinstance(e, ReplaceNode):
            p = positions.get(e.node)
            if p is None:
                return None
            text = e.replacement if isinstance(e.replacement, str) else module.code_for_node(e.replacement)
            edits.append(Edit(p.start.line, p.start.column + 1, p.end.line, p.end.column + 1, text))
        elif isinstance(e, ReplaceRange):
            a, b = positions.get(e.start), positions.get(e.end)
            if a is None or b is None:
                return None
            edits.append(Edit(a.start.line, a.start.column + 1, b.end.line, b.end.column + 1, e.replacement))
        elif isinstance(e, InsertBefore):
            p = positions.get(e.stmt)
            if p is None:
                return None
            indent = _indent_of(lines[p.start.line - 1]) if p.start.line - 1 < len(lines) else ""
            nl = ending_near(p.start.line)
            text = "".join(f"{indent}{t}{nl}" for t in e.text.splitlines())
            edits.append(Edit(p.start.line, 1, p.start.line, 1, text))
        elif isinstance(e, InsertAfter):
            p = positions.get(e.stmt)
            ref = positions.get(e.indent_like) if e.indent_like is not None else p
            if p is None or ref is None:
                return None
            indent = _indent_of(lines[ref.start.line - 1]) if ref.start.line - 1 < len(lines) else ""
            end_line = p.end.line
            nl = ending_near(end_line)
            text = "".join(f"{indent}{t}{nl}" for t in e.text.splitlines())
            # Insert at the start of the line after the statement (and its trailing comment).
            if end_line >= len(lines):
                last = lines[-1] if lines else ""
                body_end = len(last) - len(line_ending(last, ""))
                # Before the last line's own line break (if any): the break then ends the insertion.
                edits.append(Edit(end_line, body_end + 1, end_line, body_end + 1, nl + text[: -len(nl)]))
            else:
                edits.append(Edit(end_line + 1, 1, end_line + 1, 1, text))
        else:  # pragma: no cover - exhaustive
            return None
    return Fix(spec.applicability, tuple(edits), spec.message)
