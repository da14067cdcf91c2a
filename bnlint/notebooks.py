"""Fixing notebooks: a fix found in the joined code cells, moved into its cell, and the cell's
new source spliced into the notebook's JSON text.

Everything outside the edited cells' ``source`` values stays byte for byte as it was (outputs,
metadata, key order, indentation, escapes, line endings): the JSON is not re-serialised, only
the ``source`` value of each edited cell is re-encoded, in the style the file already uses
(a string, or nbformat's list of lines with the list's own indentation).
"""
from __future__ import annotations

from bnlint.rule import Edit, Fix
from bnlint.sources import CellSpan, cell_at

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing (a few ms of every start)
if TYPE_CHECKING:  # pragma: no cover
    from typing import Dict, Iterator, List, Mapping, Optional, Sequence, Tuple

# Line breaks other than "\n" that ``str.splitlines`` (and so ``join_cells``) splits at: a cell
# holding one would number its lines differently from the joined text.  Such cells get no fix.
_OTHER_BREAKS = frozenset("\r\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029")


def fix_in_cell(fix: Fix, spans: Sequence[CellSpan], joined_lines: Sequence[str], cell_texts: Mapping[int, str]) -> Optional[Tuple[int, Fix]]:
    """``fix`` (positions in the joined text) as a fix of one cell's own source: (cell, fix).

    None where it cannot be moved faithfully: edits in more than one cell, a cell indented as a
    whole (it was linted dedented), or a touched line that joining rewrote (an IPython magic, a
    timing magic, a non-Python cell).  Such a finding is reported without a fix."""
    cell: Optional[CellSpan] = None
    moved: List[Edit] = []
    for e in fix.edits:
        span = cell_at(list(spans), e.line)
        if span is None or e.line < span.first or e.end_line > span.last or (cell is not None and span.key != cell.key):
            return None
        cell = span
        text = cell_texts.get(span.key)
        if text is None or span.indent or _OTHER_BREAKS.intersection(text):
            return None
        own = text.split("\n")
        for line in range(e.line, e.end_line + 1):
            if own[line - span.first] != joined_lines[line - 1]:
                return None  # joining rewrote this line: its columns are not the cell's
        offset = span.first - 1
        moved.append(Edit(e.line - offset, e.column, e.end_line - offset, e.end_column, e.content))
    if cell is None:
        return None
    return cell.key, Fix(fix.applicability, tuple(moved), fix.message)


# -- the notebook's JSON text -----------------------------------------------------------------

_WHITESPACE = " \t\n\r"


def _skip(s: str, i: int) -> int:
    while i < len(s) and s[i] in _WHITESPACE:
        i += 1
    return i


def _decoder():
    import json

    return json.JSONDecoder()


def _members(s: str, i: int, decoder) -> Iterator[Tuple[str, int, int]]:
    """(key, value start, value end) of each member of the JSON object at ``s[i] == "{"``."""
    from json.decoder import scanstring

    i = _skip(s, i + 1)
    if s[i] == "}":
        return
    while True:
        key, i = scanstring(s, i + 1)
        i = _skip(s, i) + 1  # the ':'
        start = _skip(s, i)
        _, end = decoder.raw_decode(s, start)
        yield key, start, end
        i = _skip(s, end)
        if s[i] != ",":
            return
        i = _skip(s, i + 1)


def _elements(s: str, i: int, decoder) -> Iterator[Tuple[int, int]]:
    """(start, end) of each element of the JSON array at ``s[i] == "["``."""
    i = _skip(s, i + 1)
    if s[i] == "]":
        return
    while True:
        _, end = decoder.raw_decode(s, i)
        yield i, end
        i = _skip(s, end)
        if s[i] != ",":
            return
        i = _skip(s, i + 1)


def source_spans(raw: str) -> Dict[int, Tuple[int, int]]:
    """Where each cell's ``source`` value is in the notebook's JSON text: {cell number: (start, end)},
    numbered from 1 as ``sources._read_notebook`` numbers cells."""
    decoder = _decoder()
    i = _skip(raw, 0)
    spans: Dict[int, Tuple[int, int]] = {}
    for key, start, _ in _members(raw, i, decoder):
        if key != "cells":
            continue
        spans.clear()  # a repeated key: JSON keeps the last one
        for number, (cell_start, _) in enumerate(_elements(raw, start, decoder), start=1):
            for cell_key, value_start, value_end in _members(raw, cell_start, decoder):
                if cell_key == "source":
                    spans[number] = (value_start, value_end)
    return spans


def _line_indent(raw: str, pos: int) -> str:
    line_start = raw.rfind("\n", 0, pos) + 1
    line = raw[line_start:pos]
    return line[: len(line) - len(line.lstrip(" \t"))]


def _encode_source(raw: str, start: int, end: int, text: str, ensure_ascii: bool, newline: str) -> str:
    """``text`` as a JSON value in the style of the one at ``raw[start:end]``."""
    import json

    if raw[start] == '"':
        return json.dumps(text, ensure_ascii=ensure_ascii)
    decoder = _decoder()
    old = list(_elements(raw, start, decoder))
    # Elements that did not change keep their bytes (their escapes included).
    kept: Dict[str, str] = {}
    for a, b in old:
        kept.setdefault(decoder.raw_decode(raw, a)[0], raw[a:b])
    if old:
        opener = raw[start + 1 : old[0][0]]
        closer = raw[old[-1][1] : end - 1]
        separator = raw[old[0][1] : old[1][0]] if len(old) > 1 else "," + opener
    else:  # `[]`: nbformat's layout, one space deeper than the line the key is on
        indent = _line_indent(raw, start)
        opener, closer, separator = newline + indent + " ", newline + indent, "," + newline + indent + " "
    lines = text.splitlines(True)  # how nbformat splits a source into its list
    if not lines:
        return "[]"
    return "[" + opener + separator.join(kept.get(line) or json.dumps(line, ensure_ascii=ensure_ascii) for line in lines) + closer + "]"


def with_cell_sources(raw: str, sources: Mapping[int, str]) -> Optional[str]:
    """The notebook's JSON text with the ``source`` of each cell in ``sources`` replaced, nothing
    else changed; None if that cannot be done exactly (checked by reading the result back)."""
    import json

    try:
        spans = source_spans(raw)
    except (ValueError, IndexError):
        return None
    if any(number not in spans for number in sources):
        return None
    ensure_ascii = raw.isascii() and "\\u" in raw
    newline = "\r\n" if "\r\n" in raw else "\n"
    out = raw
    for number in sorted(sources, key=lambda n: spans[n][0], reverse=True):
        start, end = spans[number]
        out = out[:start] + _encode_source(raw, start, end, sources[number], ensure_ascii, newline) + out[end:]
    # Read it back: the edited sources say what was asked, and every other value is unchanged.
    try:
        before, after = json.loads(raw), json.loads(out)
    except ValueError:
        return None
    for number, text in sources.items():
        source = after["cells"][number - 1].get("source")
        if ("".join(source) if isinstance(source, list) else source) != text:
            return None
        after["cells"][number - 1]["source"] = before["cells"][number - 1]["source"]
    return out if after == before else None
