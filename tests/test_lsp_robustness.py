"""`bnlint lsp` under a misbehaving client: badly framed messages, invalid params, `exit` during a
long lint, documents over `max-file-size`, broken configuration files (issue 14, items 7 and 10).

These tests talk to a real `bnlint lsp` process over raw stdin/stdout, so that they can send what
no well-behaved client library would: a wrong `Content-Length`, a header block without one, bodies
that are not JSON.  Every wait has a short timeout, so a wedged server fails the test quickly.
"""
from __future__ import annotations

import json
import os
import queue
import subprocess
import sys
import tempfile
import textwrap
import threading
import time
from typing import Any, Callable, Dict, List, Optional

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
WAIT = 5.0  # seconds: far more than any answer here needs, far less than a hang

BUGGY = "import torch.nn as nn\n\nbn = nn.BatchNorm2d(64, momentum=0)\n"

# A server with one test-only rule that takes 60 s on `SLOW_BN`: a stand-in for a long lint.
SLOW_SERVER = textwrap.dedent(
    '''
    import sys, time
    from bnlint.registry import load_rules
    from bnlint.rule import Rule, register

    load_rules()

    @register
    class ToySlow(Rule):
        """
        ## What it does
        Toy rule that takes a minute.
        """
        code = "BN992"
        name = "toy-slow"
        trigger_tokens = ("SLOW_BN",)

        def visit_Name(self, node):
            if node.value == "SLOW_BN":
                sys.stderr.write("toy-slow: started\\n")
                sys.stderr.flush()
                time.sleep(60)

    from bnlint.lsp import main
    sys.exit(main([]))
    '''
)


def frame(payload: Any, length_delta: int = 0, headers: Optional[str] = None) -> bytes:
    """One LSP message; ``length_delta`` makes its Content-Length wrong, ``headers`` replaces the header block."""
    body = payload if isinstance(payload, bytes) else json.dumps(payload).encode("utf-8")
    if headers is None:
        headers = f"Content-Length: {len(body) + length_delta}\r\n\r\n"
    return headers.encode("ascii") + body


def request(msg_id: int, method: str, params: Any = None) -> Dict[str, Any]:
    msg: Dict[str, Any] = {"jsonrpc": "2.0", "id": msg_id, "method": method}
    if params is not None:
        msg["params"] = params
    return msg


def notification(method: str, params: Any = None) -> Dict[str, Any]:
    msg: Dict[str, Any] = {"jsonrpc": "2.0", "method": method}
    if params is not None:
        msg["params"] = params
    return msg


class RawServer:
    """A `bnlint lsp` process, written to byte by byte; everything it sends is parsed into ``messages``."""

    def __init__(self, argv: Optional[List[str]] = None, cwd: Optional[str] = None) -> None:
        self.stderr = tempfile.TemporaryFile()
        env = {**os.environ, "PYTHONUNBUFFERED": "1"}
        self.proc = subprocess.Popen(
            argv or [sys.executable, "-m", "bnlint", "lsp"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=self.stderr,
            cwd=cwd or ROOT,
            env=env,
        )
        self.messages: List[Dict[str, Any]] = []
        self._new: "queue.Queue[None]" = queue.Queue()
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        out = self.proc.stdout
        assert out is not None
        while True:
            length = None
            while True:
                line = out.readline()
                if not line:
                    return
                if line in (b"\r\n", b"\n"):
                    break
                name, _, value = line.decode("ascii").partition(":")
                if name.strip().lower() == "content-length":
                    length = int(value.strip())
            assert length is not None, "the server sent a header block without Content-Length"
            self.messages.append(json.loads(out.read(length)))
            self._new.put(None)

    def send(self, data: bytes) -> None:
        assert self.proc.stdin is not None
        self.proc.stdin.write(data)
        self.proc.stdin.flush()

    def send_message(self, payload: Any) -> None:
        self.send(frame(payload))

    def wait_for(self, pred: Callable[[Dict[str, Any]], bool], timeout: float = WAIT, what: str = "a message") -> Dict[str, Any]:
        deadline = time.monotonic() + timeout
        seen = 0
        while True:
            for msg in self.messages[seen:]:
                if pred(msg):
                    return msg
            seen = len(self.messages)
            left = deadline - time.monotonic()
            if left <= 0:
                raise AssertionError(f"no answer: waited {timeout} s for {what}; got {self.messages!r}; stderr: {self.stderr_text()[-2000:]}")
            try:
                self._new.get(timeout=min(left, 0.1))
            except queue.Empty:
                pass

    def response(self, msg_id: Any, timeout: float = WAIT) -> Dict[str, Any]:
        return self.wait_for(lambda m: "method" not in m and m.get("id") == msg_id, timeout, f"the response to request {msg_id!r}")

    def diagnostics(self, uri: str, timeout: float = WAIT) -> Dict[str, Any]:
        msg = self.wait_for(
            lambda m: m.get("method") == "textDocument/publishDiagnostics" and m["params"]["uri"] == uri, timeout, f"diagnostics for {uri}"
        )
        return msg["params"]

    def initialize(self, root: Optional[str] = None) -> None:
        root_uri = f"file://{root}" if root else None
        self.send_message(request(1, "initialize", {"processId": None, "rootUri": root_uri, "capabilities": {}, "initializationOptions": {"debounce_ms": 0}}))
        assert "result" in self.response(1)
        self.send_message(notification("initialized", {}))

    def open(self, path: str, text: str) -> str:
        uri = f"file://{path}"
        self.send_message(notification("textDocument/didOpen", {"textDocument": {"uri": uri, "languageId": "python", "version": 1, "text": text}}))
        return uri

    def shutdown_and_exit(self, msg_id: int = 99) -> int:
        """`shutdown` must be answered and `exit` must end the process (code 0)."""
        self.send_message(request(msg_id, "shutdown"))
        assert self.response(msg_id).get("result", "missing") is None
        self.send_message(notification("exit"))
        return self.wait_exit()

    def wait_exit(self, timeout: float = WAIT) -> int:
        try:
            return self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            raise AssertionError(f"the server is still running {timeout} s after `exit`; stderr: {self.stderr_text()[-2000:]}") from None

    def stderr_text(self) -> str:
        self.stderr.seek(0)
        return self.stderr.read().decode("utf-8", "replace")

    def close(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(5)
        for stream in (self.proc.stdin, self.proc.stdout):
            try:
                stream.close()  # type: ignore[union-attr]
            except OSError:
                pass
        self.stderr.close()


@pytest.fixture
def server():
    servers: List[RawServer] = []

    def start(*args, **kwargs) -> RawServer:
        s = RawServer(*args, **kwargs)
        servers.append(s)
        return s

    yield start
    for s in servers:
        s.close()


HOVER = {"textDocument": {"uri": "file:///nowhere/x.py"}, "position": {"line": 0, "character": 0}}


# --- item 7: framing -------------------------------------------------------------------------


def test_content_length_too_large_then_the_next_message_resynchronises(server):
    """The declared body runs into the next message (its header, or all of it): both are answered."""
    s = server()
    s.initialize()
    for msg_id, delta in ((2, 40), (4, 1000)):
        s.send(frame(request(msg_id, "textDocument/hover", HOVER), length_delta=delta))
        s.send_message(request(msg_id + 1, "textDocument/hover", HOVER))
        assert s.response(msg_id + 1).get("result", "missing") is None
        assert s.response(msg_id).get("result", "missing") is None  # recovered, not lost
    assert s.shutdown_and_exit() == 0
    assert "Content-Length" in s.stderr_text()  # the framing error is logged


def test_content_length_too_large_on_a_lone_request_is_answered(server):
    """Nothing follows the short body (the client waits for the answer): answer it anyway."""
    s = server()
    s.initialize()
    s.send(frame(request(2, "textDocument/hover", HOVER), length_delta=500))
    assert s.response(2).get("result", "missing") is None
    assert s.shutdown_and_exit() == 0


def test_content_length_too_small(server):
    s = server()
    s.initialize()
    s.send(frame(request(2, "textDocument/hover", HOVER), length_delta=-10))
    assert s.response(2).get("result", "missing") is None
    s.send_message(request(3, "textDocument/hover", HOVER))
    assert s.response(3).get("result", "missing") is None
    assert s.shutdown_and_exit() == 0


def test_content_length_too_small_with_a_truncation_that_is_valid_json(server):
    """The declared length cuts the body after a complete JSON value: the rest is garbage to skip."""
    s = server()
    s.initialize()
    body = b'{"jsonrpc": "2.0", "id": 2, "method": "textDocument/hover", "params": {}}' + b'   , "junk": 1}'
    s.send(b"Content-Length: 75\r\n\r\n" + body)
    s.send_message(request(3, "textDocument/hover", HOVER))
    assert s.response(3).get("result", "missing") is None
    assert s.shutdown_and_exit() == 0


def test_header_block_without_a_usable_content_length(server):
    s = server()
    s.initialize()
    bad_headers = [
        "Content-Length: abc\r\n\r\n",
        "Content-Length: -5\r\n\r\n",
        "Content-Type: application/vscode-jsonrpc; charset=utf-8\r\n\r\n",  # no Content-Length
        "\r\n",  # an empty header block
    ]
    for n, headers in enumerate(bad_headers):
        s.send(frame(request(10 + n, "textDocument/hover", HOVER), headers=headers))
        s.send_message(request(20 + n, "textDocument/hover", HOVER))
        assert s.response(20 + n).get("result", "missing") is None, headers
    assert s.shutdown_and_exit() == 0
    assert "Content-Length" in s.stderr_text()


def test_garbage_between_messages_is_skipped(server):
    s = server()
    s.initialize()
    s.send(b"hello, this is not LSP\r\n\r\n\x00\xff{]}")
    s.send_message(request(3, "textDocument/hover", HOVER))
    assert s.response(3).get("result", "missing") is None
    assert s.shutdown_and_exit() == 0


def test_body_that_is_not_json_gets_a_parse_error_and_the_server_goes_on(server):
    s = server()
    s.initialize()
    s.send(frame(b'{"jsonrpc": "2.0", "id": 2, "method": '))
    err = s.wait_for(lambda m: "error" in m and m.get("id") is None, what="a parse error")
    assert err["error"]["code"] == -32700
    s.send_message(request(3, "textDocument/hover", HOVER))
    assert s.response(3).get("result", "missing") is None
    assert s.shutdown_and_exit() == 0


def test_exit_works_after_a_framing_error(server):
    """Even with no request in between: the `exit` notification right after the bad message is heard."""
    s = server()
    s.initialize()
    s.send(frame(notification("textDocument/didSave", {"textDocument": {"uri": "file:///nowhere/x.py"}}), length_delta=30))
    s.send_message(notification("exit"))
    assert s.wait_exit() == 1  # no `shutdown` first


def test_request_with_invalid_params_gets_an_error_response(server):
    s = server()
    s.initialize()
    s.send_message(request(2, "textDocument/hover", {"textDocument": 5}))
    err = s.response(2)
    assert err["error"]["code"] == -32602  # InvalidParams
    assert "textDocument/hover" in err["error"]["message"]
    s.send_message(request(3, "textDocument/hover", HOVER))
    assert s.response(3).get("result", "missing") is None
    assert s.shutdown_and_exit() == 0


def _start_slow_lint(server, tmp_path, text: str):
    """A server whose test-only rule sleeps, with a document open and that rule running."""
    s = server([sys.executable, "-c", SLOW_SERVER])
    s.initialize(str(tmp_path))
    path = tmp_path / "slow.py"
    path.write_text(text)
    s.open(str(path), path.read_text())
    deadline = time.monotonic() + WAIT
    while "toy-slow: started" not in s.stderr_text():
        assert time.monotonic() < deadline, f"the slow rule never ran; stderr: {s.stderr_text()}"
        time.sleep(0.05)
    return s


def test_exit_during_a_long_lint_is_immediate(server, tmp_path):
    s = _start_slow_lint(server, tmp_path, "import torch.nn as nn\nSLOW_BN = nn.BatchNorm2d(3)\n")
    started = time.monotonic()
    assert s.shutdown_and_exit() == 0
    assert time.monotonic() - started < 3.0


def test_exit_without_shutdown_during_a_long_lint(server, tmp_path):
    s = _start_slow_lint(server, tmp_path, "SLOW_BN = 1\n")
    s.send_message(notification("exit"))
    assert s.wait_exit(3.0) == 1


# --- item 10: max-file-size and broken configs -------------------------------------------------


def test_document_over_max_file_size_gets_the_cli_bn000(server, tmp_path, bnlint_cli):
    (tmp_path / "bnlint.toml").write_text("max-file-size = 100\n")
    path = tmp_path / "big.py"
    text = BUGGY + "# padding\n" * 20
    path.write_text(text)
    s = server()
    s.initialize(str(tmp_path))
    uri = s.open(str(path), text)
    (diag,) = s.diagnostics(uri)["diagnostics"]
    assert diag["code"] == "BN000" and diag["source"] == "bnlint"
    assert diag["severity"] == 1  # error
    cli = bnlint_cli("check", "--no-cache", "--output-format", "json", str(path), cwd=str(tmp_path))
    (finding,) = json.loads(cli.stdout)
    assert finding["code"] == "BN000"
    assert diag["message"] == finding["message"]  # the CLI's words exactly
    assert s.shutdown_and_exit() == 0


DEEP = "x = " + "[" * 3000 + "]" * 3000 + "\n"  # tomllib recurses: RecursionError, not a ConfigError


@pytest.mark.parametrize(
    "name, content",
    [
        ("bnlint.toml", DEEP),
        ("pyproject.toml", "[tool.bnlint]\n" + DEEP),  # raises while the config is looked for
    ],
    ids=["bnlint.toml", "pyproject.toml"],
)
def test_broken_config_lints_with_defaults_and_shows_the_error(server, tmp_path, name, content):
    """README: "A broken config shows an error message and the file is linted with the default settings".
    (Invalid TOML and unknown keys did that already: tests/test_lsp.py.)  Here the loader raises
    something else than ConfigError (the issue's `[tool] bnlint = 5` did too), and the server
    published nothing at all."""
    (tmp_path / name).write_text(content)
    path = tmp_path / "train.py"
    path.write_text(BUGGY)
    s = server()
    s.initialize(str(tmp_path))
    uri = s.open(str(path), BUGGY)
    codes = [d["code"] for d in s.diagnostics(uri)["diagnostics"]]
    assert codes == ["BN002"]  # the default settings
    shown = s.wait_for(lambda m: m.get("method") == "window/showMessage", what="window/showMessage")
    assert shown["params"]["type"] == 1  # Error
    assert name in shown["params"]["message"]
    assert s.shutdown_and_exit() == 0
