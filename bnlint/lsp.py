"""`bnlint lsp`: a language server (pygls 2.x) with diagnostics, quick fixes, fix-all and rule docs on hover.

Same engine, configuration, excludes and suppressions as `bnlint check`.  Linting runs in
a worker thread; results computed for an older version of a document are never published.

    bnlint lsp                  # stdio (what editors use)
    bnlint lsp --tcp 127.0.0.1:2087

initializationOptions: ``{"debounce_ms": 150}`` (delay after the last keystroke before linting).
"""
from __future__ import annotations

import argparse
import asyncio
import json
import logging
import os
import pathlib
import re
import sys
import threading
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any, Dict, Iterable, List, Optional, Sequence, Set, Tuple

from lsprotocol import types
from pygls.io_ import StdoutWriter
from pygls.lsp.server import LanguageServer
from pygls.uris import to_fs_path
from urllib.parse import unquote

from bnlint import __version__
from bnlint.sources import join_cells

logger = logging.getLogger("bnlint.lsp")

SOURCE = "bnlint"
FIX_ALL_KIND = "source.fixAll.bnlint"
DEFAULT_DEBOUNCE_MS = 150
CONFIG_NAMES = ("pyproject.toml", "bnlint.toml", ".bnlint.toml")
MAX_FIX_ROUNDS = 20

_SEVERITY = {
    "error": types.DiagnosticSeverity.Error,
    "warning": types.DiagnosticSeverity.Warning,
    "info": types.DiagnosticSeverity.Information,
}
_LINE_SPLIT = re.compile(r"\r\n|\r|\n")
_CODE_RE = re.compile(r"BN\d{3}", re.IGNORECASE)
_IGNORE_RE = re.compile(r"#\s*bnlint:\s*ignore\[[^\]]*\]", re.IGNORECASE)
_TAGS = {"unnecessary": types.DiagnosticTag.Unnecessary, "deprecated": types.DiagnosticTag.Deprecated}


# --- positions ---------------------------------------------------------------
# The engine reports 1-based lines and 1-based columns in code points (end exclusive).
# LSP wants 0-based lines and columns in the negotiated encoding (UTF-16 code units
# unless the client offered something else).  Lines are split the way Python and the
# LSP spec split them (\n, \r\n, \r), not with str.splitlines.


def split_lines(text: str) -> List[str]:
    return _LINE_SPLIT.split(text)


def _file_lines(path: str) -> Optional[List[str]]:
    """The lines of a project file on disk (a related location in another file), None if unreadable."""
    try:
        with open(path, encoding="utf-8", errors="replace", newline="") as fh:
            return split_lines(fh.read())
    except OSError:
        return None


def _units(s: str, encoding: str) -> int:
    if encoding == "utf-32":
        return len(s)
    if encoding == "utf-8":
        return len(s.encode("utf-8", "surrogatepass"))
    return len(s) + sum(1 for ch in s if ord(ch) > 0xFFFF)


def to_lsp_position(lines: Sequence[str], line: int, column: int, encoding: str = "utf-16") -> types.Position:
    """1-based (line, code-point column) -> LSP Position."""
    idx = line - 1
    if idx < 0:
        return types.Position(line=0, character=0)
    if idx >= len(lines):
        last = len(lines) - 1
        return types.Position(line=max(last, 0), character=_units(lines[last], encoding) if lines else 0)
    text = lines[idx]
    col = max(0, min(column - 1, len(text)))
    return types.Position(line=idx, character=_units(text[:col], encoding))


def from_lsp_position(lines: Sequence[str], pos: types.Position, encoding: str = "utf-16") -> Tuple[int, int]:
    """LSP Position -> 1-based (line, code-point column)."""
    if pos.line >= len(lines):
        return len(lines) + 1, 1
    text = lines[pos.line]
    units = 0
    for i, ch in enumerate(text):
        if units >= pos.character:
            return pos.line + 1, i + 1
        units += _units(ch, encoding)
    return pos.line + 1, len(text) + 1


def finding_range(lines: Sequence[str], f, encoding: str = "utf-16") -> types.Range:
    start = to_lsp_position(lines, f.line, f.column, encoding)
    end = to_lsp_position(lines, f.end_line, f.end_column, encoding)
    if (end.line, end.character) <= (start.line, start.character):
        # A point (BN000, say): widen it to something an editor can underline.
        text = lines[start.line] if start.line < len(lines) else ""
        width = _units(text, encoding)
        if start.character < width:
            end = types.Position(line=start.line, character=width)
        elif width:
            start = types.Position(line=start.line, character=0)
            end = types.Position(line=start.line, character=width)
        else:
            end = types.Position(line=start.line, character=start.character)
    return types.Range(start=start, end=end)


def to_text_edits(lines: Sequence[str], edits: Iterable, encoding: str = "utf-16") -> List[types.TextEdit]:
    out = []
    for e in edits:
        out.append(
            types.TextEdit(
                range=types.Range(start=to_lsp_position(lines, e.line, e.column, encoding), end=to_lsp_position(lines, e.end_line, e.end_column, encoding)),
                new_text=e.content,
            )
        )
    return out


def minimal_edit(old: str, new: str, encoding: str = "utf-16") -> Optional[types.TextEdit]:
    """One TextEdit turning ``old`` into ``new``, limited to the lines that differ."""
    if old == new:
        return None
    a = old.splitlines(keepends=True)
    b = new.splitlines(keepends=True)
    pre = 0
    while pre < len(a) and pre < len(b) and a[pre] == b[pre]:
        pre += 1
    suf = 0
    while suf < len(a) - pre and suf < len(b) - pre and a[len(a) - 1 - suf] == b[len(b) - 1 - suf]:
        suf += 1
    # Offsets in lines of the line-based split; positions from the LSP split of ``old``.
    start_off = sum(len(x) for x in a[:pre])
    end_off = len(old) - sum(len(x) for x in a[len(a) - suf:]) if suf else len(old)
    replacement = "".join(b[pre:len(b) - suf])
    lines = split_lines(old)
    return types.TextEdit(
        range=types.Range(start=_offset_position(old, lines, start_off, encoding), end=_offset_position(old, lines, end_off, encoding)),
        new_text=replacement,
    )


def _offset_position(text: str, lines: Sequence[str], offset: int, encoding: str) -> types.Position:
    before = text[:offset]
    parts = split_lines(before)
    return types.Position(line=len(parts) - 1, character=_units(parts[-1], encoding))


# --- linting (runs in the worker thread; no LSP traffic from here) -----------


@dataclass
class LintOutcome:
    findings: List[Any] = field(default_factory=list)
    internal_errors: List[str] = field(default_factory=list)
    notes: List[str] = field(default_factory=list)  # the CLI's warnings (statements not analysed, ...)
    config_error: Optional[str] = None
    excluded: bool = False
    settings: Any = None


def fix_text(text: str, path: str, settings, index=None, unsafe: bool = False) -> str:
    """The `--fix` loop of runner.process_file, on a text instead of a file."""
    from bnlint.engine import lint_source
    from bnlint.fixes import apply_findings, select_fixes

    findings = lint_source(text, path, settings, index=index).findings
    current = text
    for _ in range(MAX_FIX_ROUNDS):
        chosen = select_fixes(findings, unsafe, settings.is_fixable)
        if not chosen:
            break
        new_text = apply_findings(current, chosen)
        if new_text == current:
            break
        check = lint_source(new_text, path, settings, index=index)
        if any(f.code == "BN000" for f in check.findings):
            return text  # a fix broke the file: apply nothing, like the CLI
        current, findings = new_text, check.findings
    return current


# --- reading the stream ------------------------------------------------------
# pygls' own reader (pygls.io_.run_async) wedges for good on one badly framed message: it only
# knows a header line that is exactly `Content-Length: <digits>\r\n`, so without one it skips the
# empty line and reads the body as more header lines (the body has no newline, so it swallows the
# next message's header line too, and so on for ever); a Content-Length too large makes it block
# in read(n) until n bytes came, eating the next messages; one too small leaves the rest of the
# body in front of the next header, with the same effect.  And a request whose params do not
# structure is logged and never answered.  _Framer splits the byte stream itself: it never trusts
# a Content-Length that disagrees with the bytes, and resynchronises on the next header.

_STALL_S = 0.5  # a declared body that stops short: after this long, take the JSON value that came
_TOKEN = rb"[!#$%&'*+.^_`|~0-9A-Za-z-]"
_HEADER_LINE = re.compile(_TOKEN + rb"+[ \t]*:[^\r\n]*\r?$")
_PARTIAL_HEADER_LINE = re.compile(_TOKEN + rb"*(?:[ \t]*:[^\r\n]*)?\r?$")
_HEADER_NAME = re.compile(rb"Content-Length[ \t]*:", re.IGNORECASE)
# A complete Content-Length header line.  Never inside a valid JSON body: a JSON string cannot hold
# a raw newline, and outside strings `Content-Length` is not JSON.
_NEXT_HEADER = re.compile(rb"Content-Length[ \t]*:[ \t]*\d+[ \t]*\r?\n", re.IGNORECASE)
_MAX_HEADER_BLOCK = 8192
_WS = b" \t\r\n"
_DECODER = json.JSONDecoder()


class _Framer:
    """LSP base-protocol framing of a byte stream, resynchronising after any framing error.

    ``next(stalled)`` returns one event, or None when more bytes are needed:
    ``("message", obj)`` a decoded JSON body, ``("parse-error", why)`` a framed body that is not
    JSON (JSON-RPC wants a -32700 answer), ``("skipped", why)`` bytes dropped to resynchronise.
    ``stalled`` says that no byte came for a while: a body shorter than its Content-Length is then
    taken as it is.  Problems are reported through ``warn``.
    """

    def __init__(self, warn) -> None:
        self.buf = bytearray()
        self.warn = warn
        self.in_body = False
        self.length: Optional[int] = None  # of the body being read; None: no usable Content-Length
        self.scanned = 0  # the body has no header line before this offset

    @property
    def pending(self) -> bool:
        return bool(self.buf)

    def feed(self, data: bytes) -> None:
        self.buf += data

    def next(self, stalled: bool = False):
        if not self.in_body:
            event = self._header(stalled)
            if event is not None or not self.in_body:
                return event
        return self._body(stalled)

    # -- header block
    def _header(self, stalled: bool):
        buf = self.buf
        i = 0
        while i < len(buf) and buf[i] in _WS:
            i += 1
        if i:
            del buf[:i]
        if not buf:
            return None
        lines = bytes(buf[:_MAX_HEADER_BLOCK + 2]).split(b"\n")
        complete, partial = lines[:-1], lines[-1]
        headers: List[bytes] = []
        end = None  # offset just after the header block
        offset = 0
        for line in complete:
            if line in (b"", b"\r"):
                end = offset + len(line) + 1
                break
            if not _HEADER_LINE.match(line):
                if headers:  # no empty line after the headers: the body starts here
                    self.warn("a header block not ended by an empty line")
                    end = offset
                break
            headers.append(line)
            offset += len(line) + 1
        if end is None:
            if not headers and (complete or not _PARTIAL_HEADER_LINE.match(partial) or len(partial) > 1024):
                return self._garbage(stalled)
            if len(headers) == len(complete) and offset < _MAX_HEADER_BLOCK and _PARTIAL_HEADER_LINE.match(partial):
                return None  # the header block is still coming
            if not headers:
                return self._garbage(stalled)
            self.warn("a header block not ended by an empty line")
            end = offset
        length = None
        value = None
        for line in headers:
            name, _, raw = line.partition(b":")
            if name.strip().lower() == b"content-length":
                value = raw.strip()
                if value.isdigit():
                    length = int(value)
                break
        if value is None:
            self.warn("a header block without Content-Length: " + _show(b"\n".join(headers)))
        elif length is None:
            self.warn(f"an invalid Content-Length: {_show(value)}")
        del buf[:end]
        self.in_body, self.length, self.scanned = True, length, 0
        return None

    def _garbage(self, stalled: bool):
        """Bytes where a header block should start: a JSON message sent without a header, or junk
        to drop up to the next `Content-Length:`."""
        buf = self.buf
        m = _HEADER_NAME.search(buf, 1)
        end = m.start() if m else len(buf)
        obj, used = _json_prefix(buf[:end])
        if obj is not None:
            del buf[:used]
            self.warn("a message without a header block (no Content-Length)")
            return ("message", obj)
        if m is None and not stalled:
            keep = 32  # may be the start of the next header
            if len(buf) <= keep:
                return None
            end = len(buf) - keep
        dropped = bytes(buf[:end])
        del buf[:end]
        return ("skipped", f"{len(dropped)} bytes that are not an LSP message: {_show(dropped)}")

    # -- body
    def _body(self, stalled: bool):
        buf, n = self.buf, self.length
        if n is not None and len(buf) >= n and not _NEXT_HEADER.search(buf, 0, n):
            body = bytes(buf[:n])
            try:
                obj = json.loads(body)
            except (ValueError, UnicodeDecodeError) as exc:
                error: Exception = exc
            else:
                return self._done(n, ("message", obj))
            # Not JSON: is the Content-Length too small (the body goes on after it)?
            nxt = _NEXT_HEADER.search(buf)
            obj, used = _json_prefix(buf[: nxt.start() if nxt else len(buf)])
            if obj is not None:
                self.warn(f"Content-Length: {n}, but the message is {used} bytes long")
                return self._done(used, ("message", obj))
            if nxt is None and not stalled:
                return None
            self.warn(f"a body of Content-Length: {n} that is not JSON ({error}): {_show(body)}")
            return self._done(n, ("parse-error", f"the message body is not JSON: {error}"))
        # The body is not all here, or its length is unknown: does the next message start already?
        end = n if n is not None and n <= len(buf) else len(buf)
        nxt = _NEXT_HEADER.search(buf, max(0, self.scanned - 64), end)
        self.scanned = len(buf)
        if nxt is not None:
            if n is not None:
                self.warn(f"Content-Length: {n}, but the next message starts after {nxt.start()} bytes")
            obj, used = _json_prefix(buf[: nxt.start()])
            if obj is not None:
                return self._done(used, ("message", obj))
            dropped = bytes(buf[: nxt.start()])
            if not dropped.strip(_WS):
                return self._done(len(dropped), ("skipped", "a header block without a body"))
            return self._done(len(dropped), ("parse-error", f"the message body is not JSON: {_show(dropped)}"))
        if n is None or stalled:
            # No length to wait for, or the client sent no byte for a while (a Content-Length too
            # large, and the client waits for the answer): the JSON object that came is the message.
            obj, used = _json_prefix(buf)
            if obj is not None:
                if n is not None:
                    self.warn(f"Content-Length: {n}, but the message is {used} bytes long")
                return self._done(used, ("message", obj))
            if stalled and n is None and bytes(buf).strip(_WS):
                dropped = bytes(buf)
                return self._done(len(dropped), ("parse-error", f"the message body is not JSON: {_show(dropped)}"))
        return None  # a body still coming

    def _done(self, used: int, event):
        del self.buf[:used]
        self.in_body = False
        return event


def _json_prefix(data) -> Tuple[Optional[dict], int]:
    """The JSON object at the start of ``data`` (whitespace first allowed), and the bytes it takes."""
    text = bytes(data).decode("utf-8", "surrogateescape")
    start = len(text) - len(text.lstrip(" \t\r\n"))
    if not text.startswith("{", start):
        return None, 0
    try:
        obj, end = _DECODER.raw_decode(text, start)
    except ValueError:
        return None, 0
    return obj, len(text[:end].encode("utf-8", "surrogateescape"))


def _show(data: bytes, limit: int = 80) -> str:
    text = repr(bytes(data[:limit]))
    return text + (f" (+{len(data) - limit} bytes)" if len(data) > limit else "")


def _error_response(msg_id: Any, code: int, message: str) -> Dict[str, Any]:
    if not (isinstance(msg_id, (int, str)) and not isinstance(msg_id, bool)):
        msg_id = None
    return {"jsonrpc": "2.0", "id": msg_id, "error": {"code": code, "message": message}}


PARSE_ERROR, INVALID_REQUEST, INVALID_PARAMS = -32700, -32600, -32602


def _structure_errors(exc: Exception) -> str:
    """cattrs' complaints, as `invalid value for type, expected str @ $.params.text_document.uri`."""
    cause = exc.__cause__ or exc
    try:
        from cattrs import transform_error

        return "; ".join(transform_error(cause))
    except Exception:
        return f"{type(cause).__name__}: {cause}"


class BnlintLanguageServer(LanguageServer):
    def __init__(self) -> None:
        super().__init__(
            "bnlint",
            __version__,
            text_document_sync_kind=types.TextDocumentSyncKind.Incremental,
            notebook_document_sync=types.NotebookDocumentSyncOptions(
                notebook_selector=[
                    types.NotebookDocumentFilterWithCells(
                        notebook="jupyter-notebook", cells=[types.NotebookCellLanguage(language="python")]
                    )
                ]
            ),
        )
        self.debounce = DEFAULT_DEBOUNCE_MS / 1000.0
        self.executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="bnlint-lint")
        self.pending: Dict[str, asyncio.Task] = {}
        # uri -> (version, findings, text) of the last published result
        self.results: Dict[str, Tuple[Optional[int], List[Any], str]] = {}
        self.cell_results: Dict[str, Tuple[List[Any], str]] = {}
        self._settings_cache: Dict[str, Tuple[Any, Optional[str], Optional[float], Optional[str]]] = {}
        self._settings_lock = threading.Lock()
        self._shown_errors: Set[str] = set()
        self._index = None
        self._notebook_cells: Dict[str, List[str]] = {}
        self.open_uris: Set[str] = set()  # as the client spells them
        # path -> its statements as last parsed (``bnlint.engine.ParseCache``): an edit re-parses the
        # statements it touched.  Used from the lint thread only.
        self.parse_caches: Dict[str, Any] = {}

    # --- serving (our own reader: see _Framer) --------------------------------
    def start_io(self, stdin=None, stdout=None) -> int:  # type: ignore[override]
        """Serve over stdin/stdout until `exit` or end of input; the exit code (0, or 1 after an
        `exit` without `shutdown`).  stdin is read by a daemon thread, so that nothing waits for it."""
        stdin = stdin or sys.stdin.buffer
        self._stop_event = threading.Event()
        self.protocol.set_writer(StdoutWriter(stdout or sys.stdout.buffer))
        loop = asyncio.new_event_loop()
        asyncio.set_event_loop(loop)
        chunks: "asyncio.Queue[bytes]" = asyncio.Queue()
        read = getattr(stdin, "read1", None) or stdin.read

        def pump() -> None:
            while True:
                try:
                    data = read(1 << 16)
                except (OSError, ValueError):
                    data = b""
                try:
                    loop.call_soon_threadsafe(chunks.put_nowait, data or b"")
                except RuntimeError:  # the loop is gone
                    return
                if not data:
                    return

        threading.Thread(target=pump, name="bnlint-lsp-stdin", daemon=True).start()
        return self._run_until_exit(loop, self._serve(chunks.get))

    def start_tcp(self, host: str, port: int) -> int:  # type: ignore[override]
        self._stop_event = threading.Event()
        loop = asyncio.new_event_loop()
        asyncio.set_event_loop(loop)

        async def connection(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
            self.protocol.set_writer(writer)  # type: ignore[arg-type]
            await self._serve(lambda: reader.read(1 << 16))
            if self._server is not None:
                self._server.close()

        async def serve() -> None:
            self._server = await asyncio.start_server(connection, host, port)
            logger.info("serving on %s", ", ".join(str(sock.getsockname()) for sock in self._server.sockets))
            async with self._server:
                try:
                    await self._server.serve_forever()
                except asyncio.CancelledError:
                    pass

        return self._run_until_exit(loop, serve())

    def _run_until_exit(self, loop: asyncio.AbstractEventLoop, main) -> int:
        code = 0
        try:
            loop.run_until_complete(main)
        except SystemExit as exc:  # pygls' `exit` handler
            code = 0 if exc.code is None else exc.code if isinstance(exc.code, int) else 1
        except BrokenPipeError:
            logger.error("the connection to the client is lost: stopping")
        except KeyboardInterrupt:
            pass
        finally:
            self._stop_event.set()
            self.executor.shutdown(wait=False, cancel_futures=True)
        # No loop.close() / asyncio.run() clean-up: that would wait for a lint in progress, and
        # editors kill a server that does not exit at once.  main() ends the process.
        return code

    async def _serve(self, read_chunk) -> None:
        framer = _Framer(lambda why: logger.error("badly framed message: %s; resynchronising", why))
        stalled = False
        assert self._stop_event is not None
        while not self._stop_event.is_set():
            while True:
                event = framer.next(stalled)
                if event is None:
                    break
                stalled = False
                self._handle_event(event)
            try:
                chunk = await asyncio.wait_for(read_chunk(), _STALL_S if framer.pending and not stalled else None)
            except asyncio.TimeoutError:
                stalled = True
                continue
            if not chunk:  # end of input
                while (event := framer.next(True)) is not None:
                    self._handle_event(event)
                logger.info("end of input: stopping")
                return
            framer.feed(chunk)
            stalled = False

    def _handle_event(self, event) -> None:
        kind, payload = event
        if kind == "message":
            self._dispatch(payload)
        elif kind == "parse-error":
            logger.error("%s", payload)
            self.protocol._send_data(_error_response(None, PARSE_ERROR, f"Parse error: {payload}"))
        else:
            logger.error("skipped %s", payload)

    def _dispatch(self, data: Any) -> None:
        """One decoded message: what pygls' reader does, but every request gets an answer."""
        proto = self.protocol
        if not isinstance(data, dict):
            logger.error("a message that is not a JSON object: %.200r", data)
            proto._send_data(_error_response(None, INVALID_REQUEST, "Invalid Request: not a JSON object"))
            return
        method = data.get("method")
        is_request = "id" in data and isinstance(method, str)
        if data.get("jsonrpc") != "2.0":
            logger.error("a message without \"jsonrpc\": \"2.0\": %.200r", data)
            if is_request or "method" not in data and "result" not in data and "error" not in data:
                proto._send_data(_error_response(data.get("id"), INVALID_REQUEST, 'Invalid Request: "jsonrpc" must be "2.0"'))
            return
        if isinstance(method, str) and "params" not in data and proto.get_message_type(method) is None:
            data = {**data, "params": None}  # params may be left out; pygls' fallback type wants them
        try:
            message = proto.structure_message(data)
        except Exception as exc:
            self._unstructurable(data, exc)
            return
        if is_request and proto._shutdown and method != types.EXIT:
            proto._send_data(_error_response(data["id"], INVALID_REQUEST, f"Invalid Request: {method} after shutdown"))
            return
        try:
            proto.handle_message(message)
        except (SystemExit, KeyboardInterrupt, BrokenPipeError):
            raise
        except Exception:  # pragma: no cover - pygls answers requests itself
            logger.exception("cannot handle %s", method)

    def _unstructurable(self, data: Dict[str, Any], exc: Exception) -> None:
        method = data.get("method")
        detail = _structure_errors(exc)
        if isinstance(method, str):
            if "id" in data:
                msg_id = data["id"]
                if isinstance(msg_id, (int, str)) and not isinstance(msg_id, bool):
                    self.protocol._send_data(_error_response(msg_id, INVALID_PARAMS, f"Invalid params for {method}: {detail}"))
                else:
                    self.protocol._send_data(_error_response(None, INVALID_REQUEST, f"Invalid Request: bad id {msg_id!r}"))
            else:
                self.log(f"bnlint: ignored a {method} notification with invalid params: {detail}", types.MessageType.Warning)
            return
        future = self.protocol._request_futures.pop(data.get("id"), None) if isinstance(data.get("id"), (int, str)) else None
        if future is not None and not future.done():  # an answer to one of our requests
            from pygls.exceptions import JsonRpcInvalidParams

            future.set_exception(JsonRpcInvalidParams(f"invalid response: {detail}"))
        logger.error("cannot read a message from the client: %s", detail)

    # --- helpers -------------------------------------------------------------
    def doc_for(self, uri: str):
        """The open document (pygls keys documents by the unquoted URI), or None."""
        return self.workspace.text_documents.get(unquote(uri))

    @property
    def encoding(self) -> str:
        enc = self.protocol._workspace.position_encoding if self.protocol._workspace is not None else None
        return str(getattr(enc, "value", enc) or "utf-16")

    def folder_for(self, path: str) -> Optional[str]:
        best = None
        try:
            folders = list(self.workspace.folders.values())
        except Exception:
            folders = []
        for folder in folders:
            root = to_fs_path(folder.uri)
            if root and (path == root or path.startswith(root.rstrip(os.sep) + os.sep)):
                if best is None or len(root) > len(best):
                    best = root
        if best is None:
            try:
                root = self.workspace.root_path
            except Exception:
                root = None
            if root and path.startswith(root.rstrip(os.sep) + os.sep):
                best = root
        return best

    def settings_for(self, path: str) -> Tuple[Any, Optional[str]]:
        """Settings of the file's project ([tool.bnlint] nearest the file); (settings, config error)."""
        from bnlint.config import ConfigError, Settings, find_config, load_settings

        directory = os.path.dirname(path)
        with self._settings_lock:
            cached = self._settings_cache.get(directory)
            if cached is not None:
                settings, cfg, mtime, error = cached
                if cfg is not None and _mtime(cfg) == mtime:
                    return settings, error
                if cfg is None and find_config(directory) is None:
                    # (A config file created since, `bnlint.toml` or a `[tool.bnlint]`, is noticed
                    # here: editors such as Neovim send no didChangeWatchedFiles.)
                    return settings, error
            error = None
            cfg = None
            try:
                cfg = find_config(directory)
                settings = load_settings([path], cfg)
                settings.enabled_rules()
                settings.rules_for(path)
            except ConfigError as exc:
                error = str(exc)
                settings = Settings()
                # Watch the broken file's mtime too, so fixing it is noticed even without watchers.
                head = error.split(": ", 1)[0]
                cfg = head if os.path.isfile(head) else None
            except Exception as exc:  # a shape the loader does not expect (`[tool] bnlint = 5`): same thing
                cfg = cfg or _nearest_config_file(directory)
                error = f"{cfg or directory}: invalid configuration: {type(exc).__name__}: {exc}"
                settings = Settings()
            if settings.config_path is None:
                settings.project_root = (os.path.dirname(cfg) if cfg else None) or self.folder_for(path) or directory
            self._settings_cache[directory] = (settings, cfg, _mtime(cfg) if cfg else None, error)
            return settings, error

    def reset_config(self) -> None:
        with self._settings_lock:
            self._settings_cache.clear()
            self._shown_errors.clear()
            self._index = None

    def index(self):
        if self._index is None:
            from bnlint.inventory import ProjectIndex

            self._index = ProjectIndex()
        return self._index

    def lint(self, text: str, path: str, regions: Optional[List[Tuple[int, int]]] = None) -> LintOutcome:
        from bnlint.discovery import _excluded
        from bnlint.engine import lint_source

        out = LintOutcome()
        settings, out.config_error = self.settings_for(path)
        out.settings = settings
        if _excluded(path, settings):
            out.excluded = True
            return out
        limit = settings.max_file_size
        if limit and len(text) * 4 > limit:  # the CLI's check (bnlint.sources.read_source), on the text's bytes
            size = len(text.encode("utf-8", "surrogatepass"))
            if size > limit:
                from bnlint.engine import file_error

                what = "the notebook's code cells are" if path.endswith(".ipynb") else "file is"
                message = f"{what} {size / 1e6:.1f} MB, over max-file-size ({limit / 1e6:.1f} MB): not analysed (raise `max-file-size` to lint it)"
                out.findings = [file_error(path, message)]
                return out
        from bnlint.engine import ParseCache

        cache = self.parse_caches.get(path)
        if cache is None:
            cache = self.parse_caches[path] = ParseCache()
        result = lint_source(text, path, settings, index=self.index(), regions=regions, parse_cache=cache)
        out.findings = result.findings
        out.internal_errors = list(result.internal_errors)
        out.notes = list(result.notes)
        return out

    def to_diagnostics(
        self, findings: Sequence[Any], text: str, uri: Optional[str] = None, cells: Optional[Sequence[Tuple[str, str]]] = None
    ) -> List[types.Diagnostic]:
        """Diagnostics for ``findings`` in the document ``uri`` whose text is ``text``.  The path that
        led to a finding (``Finding.related``) becomes ``relatedInformation`` (with ``uri``); in a
        notebook a related location's ``cell`` indexes ``cells``, the (uri, text) of its code cells."""
        lines = split_lines(text)
        enc = self.encoding
        cell_lines: Dict[int, List[str]] = {}

        def related_information(f) -> Optional[List[types.DiagnosticRelatedInformation]]:
            out = []
            for r in getattr(f, "related", ()):
                where, where_lines = uri, lines
                if r.path is not None:  # another file of the project (a caller that hands over the model)
                    other = _file_lines(r.path)
                    if other is None:
                        continue
                    where, where_lines = pathlib.Path(r.path).as_uri(), other
                elif r.cell is not None:
                    if cells is None or not 1 <= r.cell <= len(cells):
                        continue  # a notebook cell this call was not told about
                    where = cells[r.cell - 1][0]
                    if r.cell not in cell_lines:
                        cell_lines[r.cell] = split_lines(cells[r.cell - 1][1])
                    where_lines = cell_lines[r.cell]
                if where is None:
                    continue
                rng = types.Range(start=to_lsp_position(where_lines, r.line, r.column, enc), end=to_lsp_position(where_lines, r.end_line, r.end_column, enc))
                out.append(types.DiagnosticRelatedInformation(location=types.Location(uri=where, range=rng), message=r.message))
            return out or None

        out = []
        for f in findings:
            out.append(
                types.Diagnostic(
                    range=finding_range(lines, f, enc),
                    severity=_SEVERITY.get(f.severity, types.DiagnosticSeverity.Warning),
                    code=f.code,
                    code_description=types.CodeDescription(href=f.url) if f.url else None,
                    source=SOURCE,
                    message=f.short_message,  # the full explanation is the hover's
                    data={"name": f.name, "fix": f.fix.applicability if f.fix else None},
                    tags=[_TAGS[t] for t in getattr(f, "tags", ()) if t in _TAGS] or None,
                    related_information=related_information(f),
                )
            )
        return out

    def log(self, message: str, kind: types.MessageType = types.MessageType.Error) -> None:
        try:
            self.window_log_message(types.LogMessageParams(type=kind, message=message))
        except Exception:  # pragma: no cover - the client went away
            logger.exception("cannot send logMessage")

    def report(self, outcome: LintOutcome) -> None:
        if outcome.config_error and outcome.config_error not in self._shown_errors:
            self._shown_errors.add(outcome.config_error)
            msg = f"bnlint: configuration error, using the default settings: {outcome.config_error}"
            self.window_show_message(types.ShowMessageParams(type=types.MessageType.Error, message=msg))
            self.log(msg)
        for err in outcome.internal_errors:
            self.log(f"bnlint: {err}")
        for note in outcome.notes:
            self.log(f"bnlint: warning: {note}", types.MessageType.Warning)

    # --- scheduling ----------------------------------------------------------
    def schedule(self, uri: str, delay: float) -> None:
        old = self.pending.pop(uri, None)
        if old is not None and not old.done():
            old.cancel()
        self.pending[uri] = asyncio.get_running_loop().create_task(self._lint_and_publish(uri, delay))

    async def _lint_and_publish(self, uri: str, delay: float) -> None:
        try:
            if delay > 0:
                await asyncio.sleep(delay)
            if uri.endswith(".ipynb") and self.workspace.get_notebook_document(notebook_uri=uri) is not None:
                await self._lint_notebook(uri)
                return
            doc = self.doc_for(uri)
            if doc is None:
                return
            version, text, path = doc.version, doc.source, doc.path
            if not _lintable(path, doc.language_id):
                self.results.pop(uri, None)
                self.text_document_publish_diagnostics(types.PublishDiagnosticsParams(uri=uri, diagnostics=[], version=version))
                return
            loop = asyncio.get_running_loop()
            outcome = await loop.run_in_executor(self.executor, self.lint, text, path)
            current = self.doc_for(uri)
            if current is None or current.version != version:
                return  # stale: a newer version is (or will be) linted
            self.report(outcome)
            self.results[uri] = (version, outcome.findings, text)
            self.text_document_publish_diagnostics(
                types.PublishDiagnosticsParams(uri=uri, diagnostics=self.to_diagnostics(outcome.findings, text, uri), version=version)
            )
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # never let one file take the server down
            logger.exception("lint failed")
            self.log(f"bnlint: internal error while linting {uri}: {type(exc).__name__}: {exc}")
        finally:
            task = self.pending.get(uri)
            if task is asyncio.current_task():
                self.pending.pop(uri, None)

    async def _lint_notebook(self, nb_uri: str) -> None:
        nb = self.workspace.get_notebook_document(notebook_uri=nb_uri)
        if nb is None:
            return
        version = nb.version
        path = to_fs_path(nb_uri) or nb_uri
        sources: Dict[str, str] = {}
        for cell in nb.cells:
            if cell.kind != types.NotebookCellKind.Code:
                continue
            doc = self.doc_for(cell.document)
            if doc is None or (doc.language_id and doc.language_id != "python"):
                continue
            sources[cell.document] = doc.source
        # The cells joined as the CLI joins a notebook's (``bnlint.sources.join_cells``).
        text, spans = join_cells(list(sources.items()))
        cells: List[Tuple[str, int, str]] = [(span.key, span.first, sources[span.key]) for span in spans]  # (cell uri, first line, text)
        loop = asyncio.get_running_loop()
        outcome = await loop.run_in_executor(self.executor, self.lint, text, path, [(span.first, span.last) for span in spans])
        nb_now = self.workspace.get_notebook_document(notebook_uri=nb_uri)
        if nb_now is None or nb_now.version != version:
            return
        self.report(outcome)
        per_cell: Dict[str, List[Any]] = {c[0]: [] for c in cells}
        import copy

        from bnlint.runner import place_in_cells
        from bnlint.sources import CellSpan, Source

        # Placed in their cells as `bnlint check` places a notebook's findings (fixes moved into
        # the cell's own text, related locations in theirs), with cells numbered by their place
        # among the code cells: a related location's `cell` indexes ``cells``.
        numbered = [CellSpan(i, span.first, span.last, span.indent) for i, span in enumerate(spans, start=1)]
        placed = Source(path, text, cells=numbered, cell_texts={i: cells[i - 1][2] for i in range(1, len(cells) + 1)})
        for g in place_in_cells(placed, [copy.copy(f) for f in outcome.findings]):
            uri = cells[g.cell - 1][0]
            g.cell = None  # a finding of this cell's own document (its quick fixes, its noqa)
            per_cell[uri].append(g)
        cell_docs = [(uri, cell_text) for uri, _, cell_text in cells]
        for uri, _, cell_text in cells:
            self.cell_results[uri] = (per_cell[uri], cell_text)
            self.text_document_publish_diagnostics(
                types.PublishDiagnosticsParams(uri=uri, diagnostics=self.to_diagnostics(per_cell[uri], cell_text, uri, cell_docs))
            )
        old = set(self._notebook_cells.get(nb_uri, ())) - set(per_cell)
        for uri in old:
            self.cell_results.pop(uri, None)
            self.text_document_publish_diagnostics(types.PublishDiagnosticsParams(uri=uri, diagnostics=[]))
        self._notebook_cells[nb_uri] = list(per_cell)

    def relint_all(self) -> None:
        for uri in list(self.open_uris):
            if self.doc_for(uri) is not None:
                self.schedule(uri, 0)
        for nb_uri in list(self.workspace.notebook_documents):
            self.schedule(nb_uri, 0)

    async def current_findings(self, uri: str) -> Tuple[List[Any], str, Any]:
        """Findings for the document as it is now (re-linting when the last result is stale)."""
        doc = self.doc_for(uri)
        notebook = self.workspace.get_notebook_document(cell_uri=uri)
        if notebook is not None:
            # A cell: its findings come from linting the notebook's cells together. A result for
            # other text than the cell holds now is none at all (its edits would land wrong).
            findings, text = self.cell_results.get(uri, ([], ""))
            if doc is not None and doc.source != text:
                return [], doc.source, None
            settings, _ = self.settings_for(to_fs_path(notebook.uri) or notebook.uri)
            return findings, text, settings
        if doc is None:
            if uri in self.cell_results:
                findings, text = self.cell_results[uri]
                return findings, text, None
            return [], "", None
        cached = self.results.get(uri)
        path = doc.path
        if not _lintable(path, doc.language_id):
            return [], doc.source, None
        if cached is not None and cached[0] == doc.version and cached[2] == doc.source:
            settings, _ = self.settings_for(path)  # cached: no need to queue behind a running lint
            return cached[1], cached[2], settings
        text = doc.source
        outcome = await asyncio.get_running_loop().run_in_executor(self.executor, self.lint, text, path)
        return outcome.findings, text, outcome.settings


def _mtime(path: Optional[str]) -> Optional[float]:
    if not path:
        return None
    try:
        return os.stat(path).st_mtime_ns
    except OSError:
        return None


def _nearest_config_file(directory: str) -> Optional[str]:
    """The configuration file the CLI would read for ``directory``, found without reading any."""
    d = os.path.abspath(directory)
    while True:
        for name in ("bnlint.toml", ".bnlint.toml", "pyproject.toml"):
            candidate = os.path.join(d, name)
            if os.path.isfile(candidate):
                return candidate
        parent = os.path.dirname(d)
        if parent == d:
            return None
        d = parent


def _lintable(path: str, language_id: Optional[str] = None) -> bool:
    """Python files; an extension-less document (untitled buffer, script) only when the client calls it Python."""
    if path.endswith((".py", ".pyi")):
        return True
    return not os.path.splitext(path)[1] and language_id == "python"


def _ranges_overlap(a: types.Range, b: types.Range) -> bool:
    a0, a1 = (a.start.line, a.start.character), (a.end.line, a.end.character)
    b0, b1 = (b.start.line, b.start.character), (b.end.line, b.end.character)
    return a0 <= b1 and b0 <= a1


def _contains(r: types.Range, p: types.Position) -> bool:
    return (r.start.line, r.start.character) <= (p.line, p.character) <= (r.end.line, r.end.character)


def rule_hover_markdown(code: str) -> Optional[str]:
    from bnlint.cli import rule_markdown
    from bnlint.registry import find_rule

    rule = find_rule(code)
    if rule is None:
        return None
    return rule_markdown(rule)


def create_server() -> BnlintLanguageServer:
    server = BnlintLanguageServer()

    @server.feature(types.INITIALIZE)
    def initialize(ls: BnlintLanguageServer, params: types.InitializeParams) -> None:
        opts = params.initialization_options
        if isinstance(opts, dict):
            value = opts.get("debounce_ms", opts.get("debounceMs"))
            if isinstance(opts.get("bnlint"), dict):
                value = opts["bnlint"].get("debounce_ms", value)
            if isinstance(value, (int, float)) and not isinstance(value, bool) and value >= 0:
                ls.debounce = value / 1000.0

    @server.feature(types.INITIALIZED)
    async def initialized(ls: BnlintLanguageServer, params: types.InitializedParams) -> None:
        caps = ls.client_capabilities
        dynamic = bool(caps.workspace and caps.workspace.did_change_watched_files and caps.workspace.did_change_watched_files.dynamic_registration)
        if not dynamic:
            return
        watchers = [types.FileSystemWatcher(glob_pattern=f"**/{name}") for name in CONFIG_NAMES]
        try:
            await ls.client_register_capability_async(
                types.RegistrationParams(
                    registrations=[
                        types.Registration(
                            id="bnlint-config-watcher",
                            method=types.WORKSPACE_DID_CHANGE_WATCHED_FILES,
                            register_options=types.DidChangeWatchedFilesRegistrationOptions(watchers=watchers),
                        )
                    ]
                )
            )
        except Exception as exc:
            ls.log(f"bnlint: could not register the configuration file watcher: {exc}", types.MessageType.Warning)

    @server.feature(types.TEXT_DOCUMENT_DID_OPEN)
    def did_open(ls: BnlintLanguageServer, params: types.DidOpenTextDocumentParams) -> None:
        uri = params.text_document.uri
        if os.path.basename(to_fs_path(uri) or "") in CONFIG_NAMES:
            return
        if ls.workspace.get_notebook_document(cell_uri=uri) is not None:
            return
        ls.open_uris.add(uri)
        ls.schedule(uri, 0)

    @server.feature(types.TEXT_DOCUMENT_DID_CHANGE)
    def did_change(ls: BnlintLanguageServer, params: types.DidChangeTextDocumentParams) -> None:
        uri = params.text_document.uri
        if ls.workspace.get_notebook_document(cell_uri=uri) is not None:
            return
        ls.schedule(uri, ls.debounce)

    @server.feature(types.TEXT_DOCUMENT_DID_SAVE)
    def did_save(ls: BnlintLanguageServer, params: types.DidSaveTextDocumentParams) -> None:
        uri = params.text_document.uri
        if os.path.basename(to_fs_path(uri) or "") in CONFIG_NAMES:
            ls.reset_config()
            ls.relint_all()
            return
        ls._index = None  # other files' summaries may have changed on disk
        if ls.workspace.get_notebook_document(cell_uri=uri) is not None:
            return
        ls.schedule(uri, 0)

    @server.feature(types.TEXT_DOCUMENT_DID_CLOSE)
    def did_close(ls: BnlintLanguageServer, params: types.DidCloseTextDocumentParams) -> None:
        uri = params.text_document.uri
        ls.open_uris.discard(uri)
        task = ls.pending.pop(uri, None)
        if task is not None:
            task.cancel()
        ls.results.pop(uri, None)
        ls.parse_caches.pop(to_fs_path(uri) or uri, None)
        ls.text_document_publish_diagnostics(types.PublishDiagnosticsParams(uri=uri, diagnostics=[]))

    @server.feature(types.NOTEBOOK_DOCUMENT_DID_OPEN)
    def nb_open(ls: BnlintLanguageServer, params: types.DidOpenNotebookDocumentParams) -> None:
        ls.schedule(params.notebook_document.uri, 0)

    @server.feature(types.NOTEBOOK_DOCUMENT_DID_CHANGE)
    def nb_change(ls: BnlintLanguageServer, params: types.DidChangeNotebookDocumentParams) -> None:
        ls.schedule(params.notebook_document.uri, ls.debounce)

    @server.feature(types.NOTEBOOK_DOCUMENT_DID_SAVE)
    def nb_save(ls: BnlintLanguageServer, params: types.DidSaveNotebookDocumentParams) -> None:
        ls.schedule(params.notebook_document.uri, 0)

    @server.feature(types.NOTEBOOK_DOCUMENT_DID_CLOSE)
    def nb_close(ls: BnlintLanguageServer, params: types.DidCloseNotebookDocumentParams) -> None:
        nb_uri = params.notebook_document.uri
        task = ls.pending.pop(nb_uri, None)
        if task is not None:
            task.cancel()
        ls.parse_caches.pop(to_fs_path(nb_uri) or nb_uri, None)
        for uri in ls._notebook_cells.pop(nb_uri, []):
            ls.cell_results.pop(uri, None)
            ls.text_document_publish_diagnostics(types.PublishDiagnosticsParams(uri=uri, diagnostics=[]))

    @server.feature(types.WORKSPACE_DID_CHANGE_WATCHED_FILES)
    def watched(ls: BnlintLanguageServer, params: types.DidChangeWatchedFilesParams) -> None:
        relevant = False
        for change in params.changes:
            name = os.path.basename(to_fs_path(change.uri) or change.uri)
            if name in CONFIG_NAMES:
                relevant = True
            elif name.endswith(".py"):
                ls._index = None
        if relevant:
            ls.reset_config()
            ls.relint_all()

    @server.feature(types.WORKSPACE_DID_CHANGE_WORKSPACE_FOLDERS)
    def folders_changed(ls: BnlintLanguageServer, params: types.DidChangeWorkspaceFoldersParams) -> None:
        ls.reset_config()
        ls.relint_all()

    @server.feature(
        types.TEXT_DOCUMENT_CODE_ACTION,
        types.CodeActionOptions(code_action_kinds=[types.CodeActionKind.QuickFix, types.CodeActionKind.SourceFixAll, FIX_ALL_KIND], resolve_provider=False),
    )
    async def code_action(ls: BnlintLanguageServer, params: types.CodeActionParams) -> Optional[List[types.CodeAction]]:
        uri = params.text_document.uri
        only = params.context.only
        want_quick = only is None or any(types.CodeActionKind.QuickFix.value.startswith(str(getattr(k, "value", k))) for k in only)
        want_fix_all = only is None or any(FIX_ALL_KIND.startswith(str(getattr(k, "value", k))) for k in only)
        if not (want_quick or want_fix_all):
            return None
        findings, text, settings = await ls.current_findings(uri)
        doc = ls.doc_for(uri)
        version = doc.version if doc is not None else None
        enc = ls.encoding
        lines = split_lines(text)
        actions: List[types.CodeAction] = []

        def workspace_edit(edits: List[types.TextEdit]) -> types.WorkspaceEdit:
            caps = ls.client_capabilities
            doc_changes = bool(caps.workspace and caps.workspace.workspace_edit and caps.workspace.workspace_edit.document_changes)
            if doc_changes and version is not None:
                return types.WorkspaceEdit(
                    document_changes=[types.TextDocumentEdit(text_document=types.OptionalVersionedTextDocumentIdentifier(uri=uri, version=version), edits=edits)]
                )
            return types.WorkspaceEdit(changes={uri: edits})

        if want_quick:
            context_diags = [d for d in params.context.diagnostics if d.source == SOURCE]
            for f in findings:
                rng = finding_range(lines, f, enc)
                if context_diags:
                    matching = [d for d in context_diags if d.code == f.code and _ranges_overlap(d.range, rng)]
                    if not matching:
                        continue
                elif not _ranges_overlap(rng, params.range):
                    continue
                diag = ls.to_diagnostics([f], text, uri)[0]
                if f.fix is not None and (settings is None or settings.is_fixable(f.code)):
                    unsafe = f.fix.applicability != "safe"
                    label = f.fix.message or f"Fix {f.code} ({f.name})"
                    actions.append(
                        types.CodeAction(
                            title=f"bnlint: {label}{' (unsafe)' if unsafe else ''}",
                            kind=types.CodeActionKind.QuickFix,
                            diagnostics=[diag],
                            is_preferred=not unsafe,
                            edit=workspace_edit(to_text_edits(lines, f.fix.edits, enc)),
                        )
                    )
                if f.code != "BN000" and f.cell is None and doc is not None:
                    from bnlint.suppress import add_noqa

                    line = f.line if f.stmt_lines[1] in (0, f.line) else f.stmt_lines[1]
                    new_text = add_noqa(text, {line: {f.code}})
                    edit = minimal_edit(text, new_text, enc)
                    if edit is not None:
                        actions.append(
                            types.CodeAction(
                                title=f"Disable {f.code} for this line",
                                kind=types.CodeActionKind.QuickFix,
                                diagnostics=[diag],
                                edit=workspace_edit([edit]),
                            )
                        )
        in_notebook = ls.workspace.get_notebook_document(cell_uri=uri) is not None  # fix-all would lint the cell alone
        if want_fix_all and settings is not None and doc is not None and not in_notebook and any(f.fix is not None for f in findings):
            path = doc.path
            unsafe = bool(settings.unsafe_fixes)
            new_text = await asyncio.get_running_loop().run_in_executor(ls.executor, fix_text, text, path, settings, ls.index(), unsafe)
            edit = minimal_edit(text, new_text, enc)
            if edit is not None:
                actions.append(types.CodeAction(title="bnlint: Fix all auto-fixable problems", kind=FIX_ALL_KIND, edit=workspace_edit([edit])))
        return actions or None

    @server.feature(types.TEXT_DOCUMENT_HOVER)
    async def hover(ls: BnlintLanguageServer, params: types.HoverParams) -> Optional[types.Hover]:
        uri = params.text_document.uri
        doc = ls.doc_for(uri)
        if doc is None:
            return None
        text = doc.source
        lines = split_lines(text)
        enc = ls.encoding
        pos = params.position
        codes: List[str] = []
        hover_range = None
        # 1. a `# noqa: BN002` / `# bnlint: ignore[BN002]` code under the cursor
        if pos.line < len(lines):
            line_text = lines[pos.line]
            _, col = from_lsp_position(lines, pos, enc)
            from bnlint.suppress import NOQA_RE

            for m in list(NOQA_RE.finditer(line_text)) + list(_IGNORE_RE.finditer(line_text)):
                for cm in _CODE_RE.finditer(line_text, m.start(), m.end()):
                    if cm.start() <= col - 1 <= cm.end():
                        codes = [cm.group(0).upper()]
                        hover_range = types.Range(
                            start=types.Position(line=pos.line, character=_units(line_text[: cm.start()], enc)),
                            end=types.Position(line=pos.line, character=_units(line_text[: cm.end()], enc)),
                        )
        # 2. a diagnostic under the cursor: its full explanation, then its rule's documentation
        explanations: List[str] = []
        if not codes:
            cached = ls.results.get(uri)
            if cached is not None and cached[0] == doc.version:
                for f in cached[1]:
                    rng = finding_range(lines, f, enc)
                    if _contains(rng, pos):
                        if f.message != f.short_message:
                            explanations.append(f"**{f.code}** {f.message}")
                        if f.code not in codes:
                            codes.append(f.code)
                        hover_range = hover_range or rng
        docs = explanations + [md for md in (rule_hover_markdown(c) for c in codes) if md]
        if not docs:
            return None
        return types.Hover(contents=types.MarkupContent(kind=types.MarkupKind.Markdown, value="\n---\n\n".join(docs)), range=hover_range)

    @server.feature(types.SHUTDOWN)
    def shutdown(ls: BnlintLanguageServer, params: None) -> None:
        for task in list(ls.pending.values()):
            task.cancel()
        ls.pending.clear()
        ls.executor.shutdown(wait=False, cancel_futures=True)

    return server


def main(argv: Optional[Sequence[str]] = None) -> int:
    parser = argparse.ArgumentParser(prog="bnlint lsp", description="Run the bnlint language server (stdio by default).")
    parser.add_argument("--stdio", action="store_true", help="talk over stdin/stdout (the default)")
    parser.add_argument("--tcp", metavar="HOST:PORT", help="listen on a TCP socket instead of stdio")
    parser.add_argument("--log-file", help="write the server's own log here")
    parser.add_argument("--log-level", default="WARNING", choices=("DEBUG", "INFO", "WARNING", "ERROR"))
    try:
        args = parser.parse_args(list(argv or []))
    except SystemExit as exc:
        return exc.code if isinstance(exc.code, int) else 2
    handler: logging.Handler = logging.FileHandler(args.log_file) if args.log_file else logging.StreamHandler(sys.stderr)
    logging.basicConfig(level=getattr(logging, args.log_level), handlers=[handler], format="%(asctime)s %(name)s %(levelname)s %(message)s")

    # Load the rules up front: the first diagnostics should not wait for imports.
    from bnlint.registry import load_rules

    load_rules()
    server = create_server()
    if args.tcp:
        host, _, port = args.tcp.rpartition(":")
        try:
            port_number = int(port)
        except ValueError:
            sys.stderr.write(f"bnlint lsp: error: --tcp wants HOST:PORT, got {args.tcp!r}\n")
            return 2
        _exit_now(server.start_tcp(host or "127.0.0.1", port_number))
    stdin, stdout = sys.stdin.buffer, sys.stdout.buffer
    sys.stdout = sys.stderr  # a stray print() must not corrupt the protocol stream
    _exit_now(server.start_io(stdin, stdout))
    return 0  # not reached


def _exit_now(code: int) -> None:
    """End the process now: a normal exit would wait for a lint in progress (its thread is joined
    at interpreter exit), and editors kill a server that does not exit promptly after `exit`."""
    try:
        sys.stderr.flush()
        logging.shutdown()
    finally:
        os._exit(code)
