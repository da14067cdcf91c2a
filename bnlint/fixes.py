"""Applying fix edits to source text (shared by `--fix`, `--diff` and the language server)."""
from __future__ import annotations

from bnlint.rule import Edit, Finding

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing (a few ms of every start)
if TYPE_CHECKING:  # pragma: no cover
    from typing import Iterable, List, Sequence, Tuple


def _offsets(source: str) -> List[int]:
    starts = [0]
    for line in source.splitlines(keepends=True):
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
    starts = _offsets(source)
    taken: List[Tuple[int, int]] = []
    edits: List[Edit] = []
    for f in sorted(findings, key=lambda f: (f.line, f.column)):
        assert f.fix is not None
        spans = [(to_offset(starts, e.line, e.column), to_offset(starts, e.end_line, e.end_column)) for e in f.fix.edits]
        if any(s < te and ts < e or s == ts for s, e in spans for ts, te in taken):
            continue
        taken.extend(spans)
        edits.extend(f.fix.edits)
    return apply_edits(source, edits)


def unified_diff(path: str, before: str, after: str) -> str:
    import difflib  # only --diff needs it

    return "".join(
        difflib.unified_diff(before.splitlines(keepends=True), after.splitlines(keepends=True), fromfile=f"a/{path}", tofile=f"b/{path}")
    )
