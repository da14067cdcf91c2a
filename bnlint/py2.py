"""Reading Python 2 syntax as Python 3 text of the same lines and columns.

Training code from before 2020 often still holds a few Python 2 statements (`print "loss", l`,
`except IOError, e:`) in a file that is otherwise Python 3.  Such a file does not compile, and
bnlint reports that (BN000); but the model code around those statements is what the rules are
about, so the rest of the file is analysed as if written in Python 3.  Each spelling is replaced
by one of the same width that parses, so every other position in the file stays where it is:

* a `print` statement becomes an assignment of what it prints (`print "acc", f(x)` ->
  `_=    "acc", f(x)`: its calls are analysed); `print >>f, x` and `exec` become `pass`;
* `except E, e:` drops `, e`; `raise E, "msg"` drops `, "msg"`;
* `` `x` `` becomes `(x)`, `<>` becomes `!=`, `10L` becomes `10 `, `0777` becomes ` 777`,
  `ur"..."` becomes ` r"..."`.

The text is only ever read, never written back: fixes are withheld in a file read so.
"""
from __future__ import annotations

import io
import tokenize

TYPE_CHECKING = False
if TYPE_CHECKING:  # pragma: no cover
    import ast
    from typing import List, Optional, Tuple

# A token after which a statement starts (at bracket depth 0).
_STATEMENT_BREAKS = (tokenize.NEWLINE, tokenize.INDENT, tokenize.DEDENT, tokenize.NL)
# What follows `print` in a Python 2 print statement (`print x`, `print "a"`, `print >>f, x`).
_PRINT_OPERANDS = (tokenize.NAME, tokenize.STRING, tokenize.NUMBER)
_PRINT_OPERATORS = (">>", "-", "~", "[", "{", "`")


def as_python3(source: str) -> Optional[str]:
    """``source`` with its Python 2 statements and tokens rewritten as same-width Python 3, or
    None when there is none (or the text cannot be tokenized)."""
    try:
        tokens = list(tokenize.generate_tokens(io.StringIO(source).readline))
    except (tokenize.TokenError, SyntaxError, IndentationError):
        return None
    # (first (row, col), end (row, col), replacement); the replacement is padded to the width.
    edits: List[Tuple[Tuple[int, int], Tuple[int, int], str]] = []
    depth = 0
    statement_start = True
    backtick_open = False
    n = len(tokens)
    for k, tok in enumerate(tokens):
        kind, text = tok.type, tok.string
        nxt = tokens[k + 1] if k + 1 < n else None
        if kind == tokenize.OP and text in "([{":
            depth += 1
        elif kind == tokenize.OP and text in ")]}":
            depth = max(0, depth - 1)
        if statement_start and kind == tokenize.NAME and depth == 0 and nxt is not None:
            if text == "print" and nxt.string != ">>" and _starts_operand(nxt, text):
                # `print "acc", evaluate(net, x)` -> `_=    "acc", evaluate(net, x)`: what it
                # prints is still code that runs (an assignment of the same tuple).
                edits.append((tok.start, tok.end, "_="))
            elif text in ("print", "exec") and _starts_operand(nxt, text):
                end = _statement_end(tokens, k)
                edits.append((tok.start, end, "pass"))
            elif text == "raise":
                comma = _depth0_comma(tokens, k + 1)
                if comma is not None:
                    edits.append((tokens[comma].start, _statement_end(tokens, k), ""))
            elif text == "except":
                comma = _depth0_comma(tokens, k + 1, stop=":")
                if comma is not None:
                    colon = _next_op(tokens, comma, ":")
                    if colon is not None:
                        edits.append((tokens[comma].start, tokens[colon].start, ""))
        if kind == tokenize.ERRORTOKEN and text == "`":
            edits.append((tok.start, tok.end, ")" if backtick_open else "("))
            backtick_open = not backtick_open
        elif kind == tokenize.OP and text == "<" and nxt is not None and nxt.string == ">" and nxt.start == tok.end:
            edits.append((tok.start, nxt.end, "!="))
        elif kind == tokenize.NUMBER and nxt is not None and nxt.start == tok.end:
            if nxt.type == tokenize.NAME and nxt.string in ("L", "l"):
                edits.append((nxt.start, nxt.end, ""))  # 10L
            elif text == "0" and nxt.type == tokenize.NUMBER and nxt.string.isdigit():
                edits.append((tok.start, tok.end, ""))  # 0777: an octal literal
        elif kind == tokenize.NAME and text.lower() == "ur" and nxt is not None and nxt.type == tokenize.STRING and nxt.start == tok.end:
            edits.append((tok.start, (tok.start[0], tok.start[1] + 1), ""))
        # Where the next statement starts: after a line's end, an indent, a `;`, or the `:` of a
        # one-line compound statement (`if x: print x`).
        if kind in _STATEMENT_BREAKS:
            statement_start = depth == 0
        elif kind == tokenize.OP and text in (";", ":") and depth == 0:
            statement_start = True
        elif kind != tokenize.COMMENT:
            statement_start = False
    if not edits:
        return None
    return _apply(source, edits)


def _starts_operand(nxt: tokenize.TokenInfo, keyword: str) -> bool:
    """Is the token after `print`/`exec` the start of a Python 2 statement's operand (and not a
    call, an assignment, an attribute or the end of the statement)?"""
    if nxt.type in _PRINT_OPERANDS:
        return nxt.string not in ("if", "else", "for", "in", "and", "or", "is") or keyword == "exec"
    return nxt.type in (tokenize.OP, tokenize.ERRORTOKEN) and nxt.string in _PRINT_OPERATORS


def _statement_end(tokens: List[tokenize.TokenInfo], start: int) -> Tuple[int, int]:
    """Where the simple statement starting at ``tokens[start]`` ends: before a `;` at depth 0 or
    at its NEWLINE."""
    depth = 0
    end = tokens[start].end
    for tok in tokens[start:]:
        if tok.type == tokenize.OP and tok.string in "([{":
            depth += 1
        elif tok.type == tokenize.OP and tok.string in ")]}":
            depth -= 1
        elif tok.type in (tokenize.NEWLINE, tokenize.ENDMARKER) or (tok.type == tokenize.OP and tok.string == ";" and depth <= 0):
            return end
        if tok.type not in (tokenize.NL, tokenize.COMMENT):
            end = tok.end
    return end


def _depth0_comma(tokens: List[tokenize.TokenInfo], start: int, stop: str = "") -> Optional[int]:
    """The index of the first `,` at bracket depth 0 in the statement from ``start`` (before a
    ``stop`` operator), or None."""
    depth = 0
    for k in range(start, len(tokens)):
        tok = tokens[k]
        if tok.type in (tokenize.NEWLINE, tokenize.ENDMARKER):
            return None
        if tok.type == tokenize.OP:
            if tok.string in "([{":
                depth += 1
            elif tok.string in ")]}":
                depth -= 1
            elif depth == 0 and (tok.string == ";" or (stop and tok.string == stop)):
                return None
            elif depth == 0 and tok.string == ",":
                return k
    return None


def _next_op(tokens: List[tokenize.TokenInfo], start: int, op: str) -> Optional[int]:
    for k in range(start, len(tokens)):
        if tokens[k].type in (tokenize.NEWLINE, tokenize.ENDMARKER):
            return None
        if tokens[k].type == tokenize.OP and tokens[k].string == op:
            return k
    return None


def _apply(source: str, edits: List[Tuple[Tuple[int, int], Tuple[int, int], str]]) -> str:
    """Each edit's span blanked to spaces and its replacement written at its start; line breaks
    inside a span are kept, so every line keeps its number and every other column its place."""
    lines = source.splitlines(keepends=True)
    rows = [list(line) for line in lines]
    for (r0, c0), (r1, c1), text in edits:
        for row in range(r0, r1 + 1):
            if row - 1 >= len(rows):
                break
            chars = rows[row - 1]
            first = c0 if row == r0 else 0
            last = c1 if row == r1 else len(chars)
            for col in range(first, min(last, len(chars))):
                if chars[col] not in "\r\n":
                    chars[col] = " "
        chars = rows[r0 - 1]
        for offset, ch in enumerate(text):
            if c0 + offset < len(chars):
                chars[c0 + offset] = ch
    return "".join("".join(chars) for chars in rows)


def parse_leniently(data: bytes) -> "ast.Module":
    """``ast.parse`` of a project module that another file imports, reading Python 2 syntax as
    Python 3 (``as_python3``) when that is what stops it: its definitions are what the importer
    needs.  Raises the original SyntaxError when that does not help."""
    import ast

    try:
        return ast.parse(data)
    except SyntaxError as exc:
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError:
            raise exc from None
        repaired = as_python3(text)
        if repaired is None:
            raise
        try:
            return ast.parse(repaired)
        except SyntaxError:
            raise exc from None
