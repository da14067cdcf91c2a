"""Reading source files: PEP 263 encodings, binary and oversized files, notebooks."""
from __future__ import annotations

import io
import os
import sys
import tokenize  # lazy under `bnlint check` (bnlint.registry.LAZY_STDLIB_MODULES)

from bnlint.patterns import lazy
from bnlint.records import record

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing (a few ms of every start)
if TYPE_CHECKING:  # pragma: no cover
    from typing import Any, Dict, List, Optional, Tuple

# A notebook's JSON also holds its outputs (plots as base64 images): max-file-size applies to its
# code cells, and the file itself may be this many times larger.
NOTEBOOK_SIZE_FACTOR = 20

# Cell magics whose body is not Python at all.
_FOREIGN_CELL_MAGICS = ("%%bash", "%%sh", "%%script", "%%html", "%%javascript", "%%js", "%%latex", "%%markdown", "%%writefile", "%%perl", "%%ruby", "%%svg", "%%file", "%%capture --no-display")


def blake2b(data: bytes = b"", digest_size: int = 16) -> Any:
    """``hashlib.blake2b``: taken from ``_blake2``, where hashlib gets it, when that module exists.
    Importing ``hashlib`` first loads OpenSSL's ``_hashlib`` (about 5 ms of every start), and the
    cache needs no other hash."""
    try:
        from _blake2 import blake2b as make
    except ImportError:  # pragma: no cover - a Python built without it
        from hashlib import blake2b as make
    return make(data, digest_size=digest_size)


def content_hash(data: bytes) -> str:
    """The cache's content key for a file's bytes."""
    return blake2b(data).hexdigest()


class SourceError(Exception):
    """A file that cannot be analysed; the message says why (the caller adds the path)."""


class NotPythonSource(SourceError):
    """A file that is not Python (a notebook of another kernel's language): skipped with a note,
    not reported as an error."""


def notebook_language(nb: Dict[str, Any]) -> Optional[str]:
    """The notebook's programming language as nbformat records it: `metadata.kernelspec.language`,
    else `metadata.language_info.name`; None when neither is there (then it is taken for Python)."""
    metadata = nb.get("metadata")
    if not isinstance(metadata, dict):
        return None
    for section, key in (("kernelspec", "language"), ("language_info", "name")):
        value = metadata.get(section)
        if isinstance(value, dict) and isinstance(value.get(key), str) and value[key].strip():
            return value[key].strip()
    return None


@record
class CellSpan:
    """Where one code cell of a notebook is in the joined text that bnlint lints."""

    key: Any  # the cell's number in the notebook (the editor's cell document in the LSP)
    first: int  # its first line in the joined text
    last: int  # its last line
    indent: int = 0  # leading whitespace IPython strips from every line of the cell (`leading_indent`)


@record
class Source:
    path: str
    text: str
    # For notebooks: where each code cell is in ``text``.
    cells: Optional[List[CellSpan]] = None
    newline: str = "\n"
    encoding: str = "utf-8"
    digest: Optional[str] = None  # ``content_hash`` of the bytes read (the cache's key)
    # For notebooks: the JSON text as read, and each code cell's own source by cell number
    # (what fixes edit: ``bnlint.notebooks``).
    raw: Optional[str] = None
    cell_texts: Optional[Dict[int, str]] = None

    @property
    def is_notebook(self) -> bool:
        return self.cells is not None

    def locate(self, line: int) -> Tuple[Optional[int], int]:
        """Map a line of ``text`` to (cell, line in cell) for notebooks."""
        span = cell_at(self.cells, line) if self.cells else None
        if span is None:
            return None, line
        return span.key, line - span.first + 1

    def column_shift(self, line: int) -> int:
        """What to add to a column on ``line`` of ``text`` for the column in the cell as written."""
        span = cell_at(self.cells, line) if self.cells else None
        return span.indent if span is not None else 0


def cell_at(cells: List[CellSpan], line: int) -> Optional[CellSpan]:
    """The cell holding ``line`` of the joined text (the first one for a line before it)."""
    current = cells[0] if cells else None
    for cell in cells:
        if cell.first <= line:
            current = cell
        else:
            break
    return current


def join_cells(cells: List[Tuple[Any, str]]) -> Tuple[str, List[CellSpan]]:
    """The code cells of a notebook as one module, the way IPython runs each: cell magics whose
    body is not Python become comments, IPython-only lines (`%magic`, `!shell`) become `pass`,
    and a cell indented as a whole is dedented (IPython's `leading_indent`).  Lines keep their
    numbers within the cell, so findings map back (``CellSpan``)."""
    lines: List[str] = []
    spans: List[CellSpan] = []
    for key, text in cells:
        cell_lines = text.splitlines() or [""]
        if cell_lines[0].lstrip().startswith(_FOREIGN_CELL_MAGICS):
            cell_lines = ["# (non-Python cell)" for _ in cell_lines]
        indent = _common_indent(cell_lines)
        if indent:
            cell_lines = [line[indent:] for line in cell_lines]
        cell_lines = _comment_out_ipython(cell_lines)
        spans.append(CellSpan(key, len(lines) + 1, len(lines) + len(cell_lines), indent))
        lines.extend(cell_lines)
    return "\n".join(lines) + "\n", spans


def _common_indent(lines: List[str]) -> int:
    """The width of the whitespace every non-blank line of a cell starts with (0: none)."""
    width: Optional[int] = None
    prefix = ""
    for line in lines:
        if not line.strip():
            continue
        lead = line[: len(line) - len(line.lstrip(" \t"))]
        if width is None:
            prefix, width = lead, len(lead)
        else:
            k = 0
            while k < min(len(prefix), len(lead)) and prefix[k] == lead[k]:
                k += 1
            prefix, width = prefix[:k], k
        if not width:
            return 0
    return width or 0


def _declaration_lines(data: bytes) -> bytes:
    """The first two lines, where PEP 263 allows a coding declaration (what ``detect_encoding`` reads)."""
    first = data.find(b"\n")
    second = data.find(b"\n", first + 1) if first >= 0 else -1
    return data if second < 0 else data[: second + 1]


def decode(data: bytes, path: str) -> Tuple[str, str]:
    if b"\x00" in data[:8192]:
        raise SourceError("binary file (NUL bytes), not Python source: not analysed")
    if not data.startswith(b"\xef\xbb\xbf") and b"coding" not in _declaration_lines(data):
        # No BOM and no declaration: UTF-8, as tokenize would say (without importing it).
        try:
            return data.decode("utf-8"), "utf-8"
        except UnicodeDecodeError:
            pass  # the general path below words the error
    try:
        encoding, _ = tokenize.detect_encoding(io.BytesIO(data).readline)
    except SyntaxError as exc:
        try:
            data.decode("utf-8")
        except UnicodeDecodeError as ude:
            raise SourceError(
                f"cannot decode as UTF-8 ({ude.reason} at byte {ude.start}); add a PEP 263 coding cookie or re-save the file as UTF-8"
            ) from exc
        raise SourceError(f"invalid encoding declaration: {exc}") from exc
    try:
        text = data.decode(encoding)
    except (UnicodeDecodeError, LookupError) as exc:
        raise SourceError(f"cannot decode as {encoding}: {exc}; add a PEP 263 coding cookie or re-save the file as UTF-8") from exc
    if text.startswith("\ufeff"):
        text = text[1:]
    return text, encoding


def read_source(path: str, max_size: int, digest: bool = False) -> Source:
    if path == "-":
        data = sys.stdin.buffer.read()
        text, enc = decode(data, path)
        return Source(path, text, encoding=enc)
    notebook = path.endswith(".ipynb")
    try:
        size = os.path.getsize(path)
        if max_size and size > max_size * (NOTEBOOK_SIZE_FACTOR if notebook else 1):
            what = f"notebook is {size / 1e6:.1f} MB, over {NOTEBOOK_SIZE_FACTOR} × max-file-size" if notebook else f"file is {size / 1e6:.1f} MB, over max-file-size"
            raise SourceError(f"{what} ({max_size / 1e6:.1f} MB): not analysed (raise `max-file-size` to lint it)")
        with open(path, "rb") as fh:
            data = fh.read()
    except OSError as exc:
        raise SourceError(f"cannot read file: {exc.strerror or exc}") from exc
    if notebook:
        src = _read_notebook(path, data)
        code_size = len(src.text.encode("utf-8", "surrogatepass"))
        if max_size and code_size > max_size:
            raise SourceError(f"the notebook's code cells are {code_size / 1e6:.1f} MB, over max-file-size ({max_size / 1e6:.1f} MB): not analysed (raise `max-file-size` to lint it)")
    else:
        text, enc = decode(data, path)
        newline = "\r\n" if "\r\n" in text[:10000] else "\n"
        src = Source(path, text, newline=newline, encoding=enc)
    if digest:  # for the cache: hashed where it is read (in a worker), not read again by the parent
        src.digest = content_hash(data)
    return src


# What only IPython reads at the start of a statement: `%magic`, `!shell`, `?help`, `obj?`/`obj??`,
# `files = !ls`, `t = %timeit -o f()`.
_IPYTHON_LINE = lazy(r"\s*(?:[%!?]|[\w.]+\?\??\s*$|[\w.]+(?:\s*,\s*[\w.]+)*\s*=\s*[!%])")


# IPython's automagic (on by default) runs a line magic or a shell alias written without its `%`:
# `pip install x`, `cd data`, `cd 'My Drive'`, `ls -la`, `matplotlib inline`.  Such a line is no
# Python (and `config = ConfigDict(`, the first line of a statement, is: an operator after the name
# is Python).
_AUTOMAGIC_LINE = lazy(
    r"\s*(?:pip|conda|cd|ls|pwd|env|load_ext|reload_ext|matplotlib|pylab|pinfo|who|whos|reset|mkdir|rmdir|rm|cp|mv|cat|"
    r"less|man|clear|history|bookmark|autoreload|config|alias|pdb|debug|precision|xmode|colors)[ \t]+[^\s=(\[{,:;+*/%<>&|^@!]"
)


def _is_ipython_line(line: str) -> bool:
    if _IPYTHON_LINE.match(line) is not None:
        return True
    if _AUTOMAGIC_LINE.match(line) is None:
        return False
    import ast

    try:  # `ls = files` or `cd(x)` stay Python: only a line that is not Python is a magic
        ast.parse(line.strip())
    except SyntaxError:
        return True
    return False


# Line magics that run the Python statement after them: `%time train(model)`.
_TIMING_MAGIC = lazy(r"(\s*)(%(?:time|timeit|prun|memit)[ \t]+)(?![-\s])(?!(?:for|while|if|with|try|def|class|async)\b)")


def _comment_out_ipython(lines: List[str]) -> List[str]:
    """IPython-only lines become comments (so positions stay put), but only where a statement
    starts: a `%` that continues an expression (`print("%d"\n      % n)`) or sits in a string is Python.
    A timing magic keeps its statement: `%time train(m)` is read as `if 1: train(m)` (same columns)."""
    out: List[str] = []
    depth, quote, continued = 0, None, False
    shell_continues = False  # `!python main.py \` goes on over the next lines
    for line in lines:
        if shell_continues:
            body = line.lstrip(" \t")
            out.append(line[: len(line) - len(body)] + "# " + body)
            shell_continues = line.rstrip("\r\n").endswith("\\")
            continue
        timed = _TIMING_MAGIC.match(line) if depth == 0 and quote is None and not continued else None
        if timed is not None:
            magic = timed.group(2)
            line = timed.group(1) + "if 1:" + " " * (len(magic) - len("if 1:")) + line[timed.end():]
        elif depth == 0 and quote is None and not continued and _is_ipython_line(line):
            # `pass`, not a bare comment: `else:\n    !git pull` must stay a block with a body.
            body = line.lstrip(" \t")
            out.append(line[: len(line) - len(body)] + "pass  # " + body)
            shell_continues = line.rstrip("\r\n").endswith("\\")
            continue
        out.append(line)
        depth, quote, continued = _scan_line(line, depth, quote)
    return out


def _scan_line(line: str, depth: int, quote: Optional[str]) -> Tuple[int, Optional[str], bool]:
    """After ``line``: the open-bracket depth, the delimiter of a triple-quoted string left open,
    and whether the line's code ends with a backslash continuation. Strings and comments skipped."""
    i, n = 0, len(line)
    while i < n:
        c = line[i]
        if quote is not None:  # inside a triple-quoted string
            if c == "\\":
                i += 2
            elif line.startswith(quote, i):
                i, quote = i + 3, None
            else:
                i += 1
            continue
        if c == "#":
            return depth, None, False
        if c in "\"'":
            if line.startswith(c * 3, i):
                quote, i = c * 3, i + 3
                continue
            i += 1
            while i < n and line[i] != c:
                i += 2 if line[i] == "\\" else 1
            i += 1
            continue
        if c in "([{":
            depth += 1
        elif c in ")]}" and depth:
            depth -= 1
        i += 1
    return depth, quote, quote is None and line.rstrip("\r\n").endswith("\\")


def _json_kind(value: Any) -> str:
    """How JSON names a value's type, with the value when it is short: "a number (3)", "null"."""
    import json

    if value is None:
        return "null"
    kind = {bool: "a boolean", int: "a number", float: "a number", str: "a string", list: "a list", dict: "an object"}.get(type(value), type(value).__name__)
    shown = json.dumps(value)
    return f"{kind} ({shown})" if len(shown) <= 20 and not isinstance(value, (list, dict)) else kind


def _read_notebook(path: str, data: bytes) -> Source:
    import json  # notebooks only

    # A byte-order mark (some Windows editors write one) is not part of the JSON; the notebook
    # is written back with it (``Source.encoding``), as Python files are.
    encoding = "utf-8-sig" if data.startswith(b"\xef\xbb\xbf") else "utf-8"
    try:
        raw = data.decode(encoding)
        nb = json.loads(raw)
    except (UnicodeDecodeError, ValueError, RecursionError) as exc:
        raise SourceError(f"not a valid notebook (JSON): {exc}") from exc
    # Valid JSON in the wrong shape is as unreadable: say where (nbformat 4: an object whose
    # `cells` is a list of objects, a cell's `source` a string or a list of strings).
    if not isinstance(nb, dict):
        raise SourceError(f"not a valid notebook: the JSON is {_json_kind(nb)}, not an object")
    language = notebook_language(nb)
    if language is not None and language.lower() not in ("python", "python2", "python3", "ipython", "ipython3"):
        raise NotPythonSource(f"a `{language}` notebook (the language its metadata names for the kernel), not Python: not analysed")
    cells = nb.get("cells", [])
    if not isinstance(cells, list):
        raise SourceError(f"not a valid notebook: `cells` is {_json_kind(cells)}, not a list")
    code: List[Tuple[int, str]] = []
    for number, cell in enumerate(cells, start=1):
        if not isinstance(cell, dict):
            raise SourceError(f"not a valid notebook: cell {number} is {_json_kind(cell)}, not an object")
        if cell.get("cell_type") != "code":
            continue
        src = cell.get("source", "")
        if isinstance(src, list):
            odd = [item for item in src if not isinstance(item, str)]
            if odd:
                raise SourceError(f"not a valid notebook: cell {number}: `source` holds {_json_kind(odd[0])}; it must be a string or a list of strings")
            text = "".join(src)
        elif isinstance(src, str):
            text = src
        else:
            raise SourceError(f"not a valid notebook: cell {number}: `source` is {_json_kind(src)}; it must be a string or a list of strings")
        code.append((number, text))
    text, spans = join_cells(code)
    return Source(path, text, cells=spans, encoding=encoding, raw=raw, cell_texts=dict(code))
