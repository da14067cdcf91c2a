"""Applying fix edits to source text (shared by `--fix`, `--diff` and the language server)."""
from __future__ import annotations

from bnlint.patterns import lazy
from bnlint.rule import Edit, Finding

_LINE_BREAK = lazy(r"(\r\n|\r|\n)")

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing (a few ms of every start)
if TYPE_CHECKING:  # pragma: no cover
    from typing import Iterable, List, Sequence, Tuple


def split_lines(source: str) -> List[str]:
    """``source``'s lines with their endings, split where Python's tokenizer splits them: at
    ``\r\n``, ``\r`` and ``\n`` only.  (``str.splitlines`` also splits at form feeds, ``\x1c``
    to ``\x1e``, ``\x85`` and U+2028/U+2029, which Python source may hold inside a line: line
    numbers and offsets would then disagree with ``ast`` and libcst.)"""
    if not source:
        return []
    parts = _LINE_BREAK.split(source)
    # [text, ending, text, ending, ..., text]: pair each text with its ending.
    lines = [parts[i] + parts[i + 1] for i in range(0, len(parts) - 1, 2)]
    if parts[-1]:
        lines.append(parts[-1])
    return lines


def line_ending(line: str, default: str = "\n") -> str:
    """The line break that ends ``line`` (``default`` for a last line without one)."""
    if line.endswith("\r\n"):
        return "\r\n"
    if line.endswith(("\r", "\n")):
        return line[-1]
    return default


def _offsets(source: str) -> List[int]:
    starts = [0]
    for line in split_lines(source):
        starts.append(starts[-1] + len(line))
    return starts


def to_offset(starts: List[int], line: int, column: int) -> int:
    if line - 1 >= len(starts):
        return starts[-1]
    return min(starts[line - 1] + column - 1, starts[-1])


def apply_edits(source: str, edits: Sequence[Edit]) -> str:
    """Apply non-overlapping edits; an edit that overlaps an earlier one is dropped."""
    starts = _offsets(source)
    spans = sorted(
        ((to_offset(starts, e.line, e.column), to_offset(starts, e.end_line, e.end_column), e.content) for e in edits),
        key=lambda s: (s[0], s[1]),
    )
    kept: List[Tuple[int, int, str]] = []
    last_end = -1
    for start, end, content in spans:
        if start < last_end:
            continue
        kept.append((start, end, content))
        last_end = max(end, start)
    out = source
    for start, end, content in reversed(kept):
        out = out[:start] + content + out[end:]
    return out


def select_fixes(findings: Iterable[Finding], unsafe: bool, is_fixable=lambda code: True) -> List[Finding]:
    chosen = []
    for f in findings:
        if f.fix is None or not is_fixable(f.code):
            continue
        if f.fix.applicability == "safe" or (unsafe and f.fix.applicability == "unsafe"):
            chosen.append(f)
    return chosen


def apply_findings(source: str, findings: Sequence[Finding]) -> str:
    """Apply each finding's fix as a unit: a fix overlapping an earlier one waits for the next round."""
    return apply_fixes(source, findings)[0]


def apply_fixes(source: str, findings: Sequence[Finding]) -> Tuple[str, List[Finding]]:
    """``apply_findings``, and the findings whose fixes it applied (the rest overlapped one)."""
    starts = _offsets(source)
    taken: List[Tuple[int, int]] = []
    edits: List[Edit] = []
    applied: List[Finding] = []
    for f in sorted(findings, key=lambda f: (f.line, f.column)):
        assert f.fix is not None
        spans = [(to_offset(starts, e.line, e.column), to_offset(starts, e.end_line, e.end_column)) for e in f.fix.edits]
        if any(s < te and ts < e or s == ts for s, e in spans for ts, te in taken):
            continue
        taken.extend(spans)
        edits.extend(f.fix.edits)
        applied.append(f)
    return apply_edits(source, edits), applied


def unified_diff(path: str, before: str, after: str) -> str:
    import difflib  # only --diff needs it

    return "".join(
        difflib.unified_diff(before.splitlines(keepends=True), after.splitlines(keepends=True), fromfile=f"a/{path}", tofile=f"b/{path}")
    )
