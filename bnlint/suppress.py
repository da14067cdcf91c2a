"""`# noqa`, `# bnlint: ignore[...]` and `# bnlint: skip-file` comments."""
from __future__ import annotations

import io
import re
import tokenize

from bnlint.patterns import lazy
from bnlint.records import field, record

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing (a few ms of every start)
if TYPE_CHECKING:  # pragma: no cover
    from typing import Dict, List, Optional, Set, Tuple

NOQA_RE = lazy(r"#\s*noqa(?::\s*(?P<codes>[A-Za-z0-9_\-]+(?:[\s,]+[A-Za-z0-9_\-]+)*))?", re.IGNORECASE)
IGNORE_RE = lazy(r"#\s*bnlint:\s*ignore(?:\[(?P<codes>[^\]]*)\])?", re.IGNORECASE)
SKIP_FILE_RE = lazy(r"^\s*#\s*bnlint:\s*skip-file\b", re.IGNORECASE | re.MULTILINE)

ALL = "*"


@record
class Suppressions:
    # line -> set of codes/names suppressed on that line ("*" = all)
    on_line: Dict[int, Set[str]] = field(default_factory=dict)
    # lines holding only a `# bnlint: ignore[...]` comment: they cover the next statement
    own_line_ignores: Dict[int, Set[str]] = field(default_factory=dict)

    def matches(self, code: str, name: str, first_line: int, last_line: int, stmt_first: int) -> bool:
        for line in range(first_line, last_line + 1):
            if _covers(self.on_line.get(line), code, name):
                return True
        above = (stmt_first or first_line) - 1
        return _covers(self.own_line_ignores.get(above), code, name)


def _covers(codes: Optional[Set[str]], code: str, name: str) -> bool:
    if not codes:
        return False
    return ALL in codes or code in codes or name in codes or any(code.startswith(c) for c in codes if c.startswith("BN"))


def _parse_codes(text: Optional[str]) -> Set[str]:
    if not text or not text.strip():
        return {ALL}
    return {c.strip().upper() if c.strip().upper().startswith("BN") else c.strip() for c in re.split(r"[\s,]+", text) if c.strip()}


def has_skip_file(source: str) -> bool:
    return bool(SKIP_FILE_RE.search(source)) and _skip_file_in_comment(source)


def _skip_file_in_comment(source: str) -> bool:
    for line, comment, _ in comments(source):
        if SKIP_FILE_RE.search(comment):
            return True
    return False


def comments(source: str) -> List[Tuple[int, str, bool]]:
    """(line, comment text, comment is alone on its line) for every real comment token."""
    out: List[Tuple[int, str, bool]] = []
    from bnlint.fixes import split_lines

    lines = split_lines(source)
    try:
        # newline=None: a CR-only or mixed file is read line by line as ``ast`` numbers its lines.
        for tok in tokenize.generate_tokens(io.StringIO(source, newline=None).readline):
            if tok.type == tokenize.COMMENT:
                line = tok.start[0]
                alone = lines[line - 1][: tok.start[1]].strip() == "" if line - 1 < len(lines) else False
                out.append((line, tok.string, alone))
    except (tokenize.TokenError, IndentationError, SyntaxError):
        pass
    return out


def parse_suppressions(source: str) -> Suppressions:
    sup = Suppressions()
    lowered = source.lower()
    if "noqa" not in lowered and "bnlint" not in lowered:
        return sup  # no comment can suppress anything: skip the tokenizer (about a sixth of a large file's lint)
    for line, text, alone in comments(source):
        m = NOQA_RE.search(text)
        if m:
            sup.on_line.setdefault(line, set()).update(_parse_codes(m.group("codes")))
        m = IGNORE_RE.search(text)
        if m:
            codes = _parse_codes(m.group("codes"))
            sup.on_line.setdefault(line, set()).update(codes)
            if alone:
                sup.own_line_ignores.setdefault(line, set()).update(codes)
    return sup


def add_noqa(source: str, line_codes: Dict[int, Set[str]]) -> str:
    """Append (or extend) `# noqa: CODES` on each given line."""
    from bnlint.fixes import split_lines  # Python's own line breaks only (not form feeds)

    lines = split_lines(source)
    for line, codes in sorted(line_codes.items()):
        if not 1 <= line <= len(lines):
            continue
        raw = lines[line - 1]
        body = raw.rstrip("\r\n")
        ending = raw[len(body):]
        m = NOQA_RE.search(body)
        if m and m.group("codes") is None:
            continue  # a bare noqa already covers everything
        if m:
            existing = _parse_codes(m.group("codes"))
            merged = ", ".join(sorted(existing | codes))
            body = body[: m.start()] + f"# noqa: {merged}" + body[m.end():]
        else:
            body = body.rstrip() + f"  # noqa: {', '.join(sorted(codes))}"
        lines[line - 1] = body + ending
    return "".join(lines)
