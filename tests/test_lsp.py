"""End-to-end tests of `bnlint lsp`: pytest-lsp drives the real server process over stdio.

Rules are written concurrently, so the tests only rely on BN002 (momentum=0) and BN000
(syntax errors).  Quick fixes are exercised end to end with a toy fixable rule that a
test-only server process registers before starting the normal server (`TOY_SERVER`).
"""
from __future__ import annotations

import asyncio
import os
import sys
import textwrap
from typing import Any, Dict, List, Optional

import pytest
import pytest_lsp
from lsprotocol import types
from pygls.protocol import default_converter
from pytest_lsp import ClientServerConfig, LanguageClient
from pytest_lsp.client import DEFAULT_CLIENT_FEATURES, register_lsp_features

from bnlint.lsp import finding_range, fix_text, from_lsp_position, minimal_edit, split_lines, to_lsp_position, to_text_edits

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
TIMEOUT = 20.0

BUGGY = "import torch.nn as nn\n\nbn = nn.BatchNorm2d(64, momentum=0)\n"
CLEAN = "import torch.nn as nn\n\nbn = nn.BatchNorm2d(64, momentum=0.1)\n"

# A server process with two extra test-only rules: BN990 (fixable: FIXME_BN -> FIXED_BN safe,
# UNSAFE_BN -> SAFE_BN unsafe) and BN991 (raises inside the rule on `EXPLODE_BN`).
TOY_SERVER = textwrap.dedent(
    '''
    import sys
    import libcst as cst
    from bnlint.registry import load_rules
    from bnlint.rule import FixSpec, ReplaceNode, Rule, register

    load_rules()

    @register
    class ToyFixable(Rule):
        """
        ## What it does
        Toy rule for the language-server tests.
        """
        code = "BN990"
        name = "toy-fixable"
        severity = "warning"
        fix_availability = "sometimes"
        trigger_tokens = ("_BN",)

        def visit_Name(self, node):
            if node.value == "FIXME_BN":
                self.report(node, "toy: rename FIXME_BN", fix=FixSpec("safe", [ReplaceNode(node, "FIXED_BN")], "Rename to FIXED_BN"))
            elif node.value == "UNSAFE_BN":
                self.report(node, "toy: rename UNSAFE_BN", fix=FixSpec("unsafe", [ReplaceNode(node, "SAFE_BN")], "Rename to SAFE_BN"))

    @register
    class ToyCrash(Rule):
        """
        ## What it does
        Toy rule that crashes.
        """
        code = "BN991"
        name = "toy-crash"
        trigger_tokens = ("EXPLODE_BN",)

        def visit_Name(self, node):
            if node.value == "EXPLODE_BN":
                raise RuntimeError("toy rule exploded")

    from bnlint.lsp import main
    sys.exit(main([]))
    '''
)


def _make_client() -> LanguageClient:
    """The pytest-lsp client, plus a record of every publishDiagnostics and registration."""
    client = LanguageClient(converter_factory=default_converter)
    client.published: List[types.PublishDiagnosticsParams] = []  # type: ignore[misc]
    client.registrations: List[types.Registration] = []  # type: ignore[misc]
    features = dict(DEFAULT_CLIENT_FEATURES)
    original = features[types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS]

    def publish(c: LanguageClient, params: types.PublishDiagnosticsParams) -> None:
        c.published.append(params)  # type: ignore[attr-defined]
        original(c, params)

    def register_capability(c: LanguageClient, params: types.RegistrationParams) -> None:
        c.registrations.extend(params.registrations)  # type: ignore[attr-defined]

    features[types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS] = publish
    features[types.CLIENT_REGISTER_CAPABILITY] = register_capability
    register_lsp_features(client, features)
    return client


ENV = {**os.environ, "PYTHONUNBUFFERED": "1"}


@pytest_lsp.fixture(config=ClientServerConfig(server_command=[sys.executable, "-m", "bnlint", "lsp"], client_factory=_make_client, server_env=ENV))
async def client(lsp_client: LanguageClient):
    yield
    await _shutdown(lsp_client)


@pytest_lsp.fixture(config=ClientServerConfig(server_command=[sys.executable, "-c", TOY_SERVER], client_factory=_make_client, server_env=ENV))
async def toy_client(lsp_client: LanguageClient):
    yield
    await _shutdown(lsp_client)


async def _shutdown(c: LanguageClient) -> None:
    if getattr(c, "_already_shut_down", False):
        return
    await asyncio.wait_for(c.shutdown_session(), TIMEOUT)


def _caps(dynamic_watch: bool = False, document_changes: bool = True) -> types.ClientCapabilities:
    return types.ClientCapabilities(
        workspace=types.WorkspaceClientCapabilities(
            did_change_watched_files=types.DidChangeWatchedFilesClientCapabilities(dynamic_registration=dynamic_watch),
            workspace_edit=types.WorkspaceEditClientCapabilities(document_changes=document_changes),
        ),
        text_document=types.TextDocumentClientCapabilities(
            code_action=types.CodeActionClientCapabilities(
                code_action_literal_support=types.ClientCodeActionLiteralOptions(
                    code_action_kind=types.ClientCodeActionKindOptions(value_set=[types.CodeActionKind.QuickFix, types.CodeActionKind.SourceFixAll])
                )
            ),
            hover=types.HoverClientCapabilities(content_format=[types.MarkupKind.Markdown]),
            publish_diagnostics=types.PublishDiagnosticsClientCapabilities(version_support=True),
        ),
    )


async def _init(c: LanguageClient, root, options: Optional[Dict[str, Any]] = None, **caps) -> types.InitializeResult:
    uri = root.as_uri()
    return await asyncio.wait_for(
        c.initialize_session(
            types.InitializeParams(
                capabilities=_caps(**caps),
                root_uri=uri,
                workspace_folders=[types.WorkspaceFolder(uri=uri, name="ws")],
                initialization_options=options or {"debounce_ms": 50},
            )
        ),
        TIMEOUT,
    )


def _open(c: LanguageClient, path, text: str, version: int = 1) -> str:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    uri = path.as_uri()
    c.text_document_did_open(types.DidOpenTextDocumentParams(text_document=types.TextDocumentItem(uri=uri, language_id="python", version=version, text=text)))
    return uri


def _change(c: LanguageClient, uri: str, text: str, version: int) -> None:
    c.text_document_did_change(
        types.DidChangeTextDocumentParams(
            text_document=types.VersionedTextDocumentIdentifier(uri=uri, version=version),
            content_changes=[types.TextDocumentContentChangeWholeDocument(text=text)],
        )
    )


async def _wait_for(c: LanguageClient, uri: str, pred=lambda p: True, start: int = 0) -> types.PublishDiagnosticsParams:
    """The first publishDiagnostics for ``uri`` (after index ``start``) that satisfies ``pred``."""
    deadline = asyncio.get_running_loop().time() + TIMEOUT
    while True:
        for p in c.published[start:]:  # type: ignore[attr-defined]
            if p.uri == uri and pred(p):
                return p
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError(f"no matching diagnostics for {uri}; got {[(p.uri, p.version, [d.code for d in p.diagnostics]) for p in c.published]}")  # type: ignore[attr-defined]
        await asyncio.sleep(0.01)


def _codes(p: types.PublishDiagnosticsParams) -> List[str]:
    return sorted(str(d.code) for d in p.diagnostics)


def _apply(text: str, edits: List[types.TextEdit]) -> str:
    """Apply LSP TextEdits (UTF-16 positions) the way a client would."""
    lines = split_lines(text)
    starts = [0]
    for raw in text.splitlines(keepends=True):
        starts.append(starts[-1] + len(raw))

    def offset(pos: types.Position) -> int:
        line, col = from_lsp_position(lines, pos)
        if line - 1 >= len(starts) - 1:
            return len(text)
        return starts[line - 1] + col - 1

    out = text
    for e in sorted(edits, key=lambda e: (e.range.start.line, e.range.start.character), reverse=True):
        a, b = offset(e.range.start), offset(e.range.end)
        out = out[:a] + e.new_text + out[b:]
    return out


def _edits_of(action: types.CodeAction, uri: str) -> List[types.TextEdit]:
    assert action.edit is not None
    if action.edit.document_changes:
        (change,) = action.edit.document_changes
        assert change.text_document.uri == uri
        return list(change.edits)
    return list(action.edit.changes[uri])


async def _code_actions(c: LanguageClient, uri: str, diag: Optional[types.Diagnostic] = None, only=None, rng=None) -> List[types.CodeAction]:
    if rng is None:
        rng = diag.range if diag else types.Range(start=types.Position(line=0, character=0), end=types.Position(line=0, character=0))
    result = await asyncio.wait_for(
        c.text_document_code_action_async(
            types.CodeActionParams(
                text_document=types.TextDocumentIdentifier(uri=uri),
                range=rng,
                context=types.CodeActionContext(diagnostics=[diag] if diag else [], only=only),
            )
        ),
        TIMEOUT,
    )
    return list(result or [])


# --- end-to-end ----------------------------------------------------------------

asyncio_test = pytest.mark.asyncio(loop_scope="function")


@asyncio_test
async def test_open_publishes_bn002_with_range_severity_and_docs_link(client: LanguageClient, tmp_path):
    result = await _init(client, tmp_path)
    assert result.server_info.name == "bnlint"
    uri = _open(client, tmp_path / "train.py", BUGGY)
    p = await _wait_for(client, uri)
    assert p.version == 1
    (d,) = p.diagnostics
    assert d.code == "BN002" and d.source == "bnlint"
    assert d.severity == types.DiagnosticSeverity.Error
    assert d.code_description is None  # no public docs page to link (hover has the docs)
    assert "momentum=0" in d.message
    # `momentum=0` on line 3 (0-based 2), columns 24..34
    assert (d.range.start.line, d.range.start.character, d.range.end.line, d.range.end.character) == (2, 24, 2, 34)


@asyncio_test
async def test_no_op_code_is_tagged_unnecessary(client: LanguageClient, tmp_path):
    """BN002's momentum toggle in the eval branch does nothing: editors grey it out."""
    await _init(client, tmp_path)
    text = (
        "import torch.nn as nn\n\n\nclass Net(nn.Module):\n"
        "    def __init__(self):\n        super().__init__()\n        self.bn = nn.BatchNorm1d(8)\n\n"
        "    def forward(self, x):\n        if self.training:\n            self.bn.momentum = 0.1\n"
        "        else:\n            self.bn.momentum = 0\n        return self.bn(x)\n"
    )
    uri = _open(client, tmp_path / "toggle.py", text)
    p = await _wait_for(client, uri)
    (d,) = p.diagnostics
    assert d.code == "BN002" and d.range.start.line == 12
    assert list(d.tags) == [types.DiagnosticTag.Unnecessary]
    # An ordinary finding carries no tag.
    uri2 = _open(client, tmp_path / "plain.py", BUGGY)
    (d2,) = (await _wait_for(client, uri2)).diagnostics
    assert not d2.tags


@asyncio_test
async def test_columns_are_utf16_code_units(client: LanguageClient, tmp_path):
    await _init(client, tmp_path)
    text = 'import torch.nn as nn\nx = "😀é"; bn = nn.BatchNorm2d(64, momentum=0)\n'
    uri = _open(client, tmp_path / "emoji.py", text)
    p = await _wait_for(client, uri)
    (d,) = p.diagnostics
    prefix = 'x = "😀é"; bn = nn.BatchNorm2d(64, '
    units = len(prefix.encode("utf-16-le")) // 2
    assert units == len(prefix) + 1  # the emoji takes two UTF-16 code units
    assert (d.range.start.line, d.range.start.character, d.range.end.character) == (1, units, units + len("momentum=0"))


@asyncio_test
async def test_change_updates_diagnostics(client: LanguageClient, tmp_path):
    await _init(client, tmp_path)
    uri = _open(client, tmp_path / "train.py", CLEAN)
    p = await _wait_for(client, uri)
    assert not p.diagnostics
    _change(client, uri, BUGGY, 2)
    p = await _wait_for(client, uri, lambda p: p.version == 2)
    assert _codes(p) == ["BN002"]
    _change(client, uri, CLEAN, 3)
    p = await _wait_for(client, uri, lambda p: p.version == 3)
    assert not p.diagnostics


@asyncio_test
async def test_rapid_edits_publish_only_the_latest_version(client: LanguageClient, tmp_path):
    # A long debounce makes "every edit arrives before the first lint starts" hold on slow machines.
    await _init(client, tmp_path, {"debounce_ms": 400})
    uri = _open(client, tmp_path / "train.py", CLEAN)
    await _wait_for(client, uri)
    start = len(client.published)
    for v in range(2, 12):
        _change(client, uri, BUGGY if v % 2 == 0 else CLEAN, v)
    _change(client, uri, BUGGY + "\n" * 3, 12)
    p = await _wait_for(client, uri, lambda p: p.version == 12, start)
    assert _codes(p) == ["BN002"]
    await asyncio.sleep(0.6)  # anything stale would have arrived by now
    versions = [q.version for q in client.published[start:] if q.uri == uri]
    assert versions == [12]


@asyncio_test
async def test_stale_results_never_published_without_debounce(client: LanguageClient, tmp_path):
    await _init(client, tmp_path, {"debounce_ms": 0})
    uri = _open(client, tmp_path / "train.py", CLEAN)
    await _wait_for(client, uri)
    start = len(client.published)
    big_buggy = BUGGY + "".join(f"bn{i} = nn.BatchNorm2d({i}, momentum=0.1)\n" for i in range(400))
    for v in range(2, 20):
        _change(client, uri, big_buggy if v % 2 == 0 else CLEAN, v)
    p = await _wait_for(client, uri, lambda p: p.version == 19, start)
    assert not p.diagnostics
    versions = [q.version for q in client.published[start:] if q.uri == uri]
    assert versions == sorted(versions) and versions[-1] == 19
    await asyncio.sleep(0.3)
    assert [q.version for q in client.published[start:] if q.uri == uri][-1] == 19


@asyncio_test
async def test_did_save_lints(client: LanguageClient, tmp_path):
    await _init(client, tmp_path, {"debounce_ms": 5000})
    uri = _open(client, tmp_path / "train.py", CLEAN)
    await _wait_for(client, uri)
    _change(client, uri, BUGGY, 2)
    await asyncio.sleep(1.0)
    assert not [q for q in client.published if q.version == 2]  # the 5 s debounce holds it back
    client.text_document_did_save(types.DidSaveTextDocumentParams(text_document=types.TextDocumentIdentifier(uri=uri)))
    p = await _wait_for(client, uri, lambda p: p.version == 2)
    assert _codes(p) == ["BN002"]


@asyncio_test
async def test_noqa_code_action_adds_and_extends(client: LanguageClient, tmp_path):
    await _init(client, tmp_path)
    text = BUGGY + "bn2 = nn.BatchNorm1d(8, momentum=0)  # noqa: BN001\n"
    uri = _open(client, tmp_path / "train.py", text)
    p = await _wait_for(client, uri)
    assert len(p.diagnostics) == 2
    results = []
    for d in p.diagnostics:
        actions = await _code_actions(client, uri, d)
        (noqa,) = [a for a in actions if a.title == "Disable BN002 for this line"]
        assert noqa.kind == types.CodeActionKind.QuickFix
        results.append(_apply(text, _edits_of(noqa, uri)))
    assert results[0] == BUGGY.replace("momentum=0)", "momentum=0)  # noqa: BN002") + "bn2 = nn.BatchNorm1d(8, momentum=0)  # noqa: BN001\n"
    assert results[1] == BUGGY + "bn2 = nn.BatchNorm1d(8, momentum=0)  # noqa: BN001, BN002\n"
    # BN002 has no autofix: no quick fix, and no fix-all either
    assert not [a for a in await _code_actions(client, uri, p.diagnostics[0]) if "noqa" not in a.title and not a.title.startswith("Disable")]
    # the edited text is clean
    _change(client, uri, results[0], 2)
    p = await _wait_for(client, uri, lambda p: p.version == 2)
    assert [d.range.start.line for d in p.diagnostics] == [3]


@asyncio_test
async def test_quick_fix_and_fix_all_with_a_fixable_rule(toy_client: LanguageClient, tmp_path):
    c = toy_client
    await _init(c, tmp_path)
    text = "import torch.nn as nn\nFIXME_BN = 1\nprint(FIXME_BN, UNSAFE_BN)\nbn = nn.BatchNorm2d(64, momentum=0)\n"
    uri = _open(c, tmp_path / "train.py", text)
    p = await _wait_for(c, uri)
    assert _codes(p) == ["BN002", "BN990", "BN990", "BN990"]
    d_safe = next(d for d in p.diagnostics if d.code == "BN990" and d.range.start.line == 1)
    actions = await _code_actions(c, uri, d_safe)
    fix = next(a for a in actions if a.title.startswith("bnlint: Rename to FIXED_BN"))
    assert fix.is_preferred and "(unsafe)" not in fix.title
    assert _apply(text, _edits_of(fix, uri)) == text.replace("FIXME_BN = 1", "FIXED_BN = 1")
    assert any(a.title == "Disable BN990 for this line" for a in actions)

    d_unsafe = next(d for d in p.diagnostics if d.code == "BN990" and d.range.start.character == 16)
    actions = await _code_actions(c, uri, d_unsafe)
    fix = next(a for a in actions if "SAFE_BN" in a.title)
    assert fix.title.endswith("(unsafe)") and not fix.is_preferred
    assert _apply(text, _edits_of(fix, uri)) == text.replace("UNSAFE_BN)", "SAFE_BN)")

    # source.fixAll.bnlint: safe fixes only, everything at once
    actions = await _code_actions(c, uri, only=["source.fixAll.bnlint"])
    (fix_all,) = actions
    assert fix_all.kind == "source.fixAll.bnlint"
    fixed = _apply(text, _edits_of(fix_all, uri))
    assert fixed == text.replace("FIXME_BN", "FIXED_BN")
    # a client asking for the generic `source.fixAll` kind gets it too; quick fixes are not included
    actions = await _code_actions(c, uri, only=[types.CodeActionKind.SourceFixAll])
    assert [a.kind for a in actions] == ["source.fixAll.bnlint"]


@asyncio_test
async def test_rule_exception_is_logged_and_server_survives(toy_client: LanguageClient, tmp_path):
    c = toy_client
    await _init(c, tmp_path)
    uri = _open(c, tmp_path / "train.py", BUGGY + "EXPLODE_BN = 1\n")
    p = await _wait_for(c, uri)
    assert _codes(p) == ["BN002"]  # the other rules still report
    deadline = asyncio.get_running_loop().time() + TIMEOUT
    while not any("BN991" in m.message and "toy rule exploded" in m.message for m in c.log_messages):
        assert asyncio.get_running_loop().time() < deadline, c.log_messages
        await asyncio.sleep(0.01)
    assert any(m.type == types.MessageType.Error for m in c.log_messages)
    _change(c, uri, CLEAN, 2)
    p = await _wait_for(c, uri, lambda p: p.version == 2)
    assert not p.diagnostics


@asyncio_test
async def test_hover_on_diagnostic_and_on_noqa_code(client: LanguageClient, tmp_path):
    await _init(client, tmp_path)
    text = BUGGY + "y = 1  # noqa: BN002\n"
    uri = _open(client, tmp_path / "train.py", text)
    await _wait_for(client, uri)

    async def hover(line: int, character: int):
        return await asyncio.wait_for(
            client.text_document_hover_async(types.HoverParams(text_document=types.TextDocumentIdentifier(uri=uri), position=types.Position(line=line, character=character))),
            TIMEOUT,
        )

    h = await hover(2, 28)
    assert h is not None and h.contents.kind == types.MarkupKind.Markdown
    # The finding's full explanation (the diagnostic shows its one-line summary), then the rule's docs.
    explanation, docs = h.contents.value.split("\n---\n\n", 1)
    assert explanation.startswith("**BN002** `momentum=0` does not freeze BatchNorm: it keeps running_mean/running_var still")
    assert docs.startswith("# momentum-zero-freeze (BN002)")
    assert "## Why is this bad?" in docs
    h = await hover(3, text.splitlines()[3].index("BN002") + 2)
    assert h is not None and "(BN002)" in h.contents.value
    assert h.range.start.character == text.splitlines()[3].index("BN002")
    assert await hover(0, 3) is None


@asyncio_test
async def test_config_reload_on_watched_file_change(client: LanguageClient, tmp_path):
    await _init(client, tmp_path)
    uri = _open(client, tmp_path / "pkg" / "train.py", BUGGY)
    p = await _wait_for(client, uri)
    assert _codes(p) == ["BN002"]

    def changed(path) -> None:
        client.workspace_did_change_watched_files(
            types.DidChangeWatchedFilesParams(changes=[types.FileEvent(uri=path.as_uri(), type=types.FileChangeType.Changed)])
        )

    pyproject = tmp_path / "pyproject.toml"
    pyproject.write_text('[project]\nname = "x"\n\n[tool.bnlint]\nignore = ["BN002"]\n')
    start = len(client.published)
    changed(pyproject)
    p = await _wait_for(client, uri, start=start)
    assert not p.diagnostics

    # A broken config: an error message, and diagnostics with the default settings.
    pyproject.write_text('[tool.bnlint]\nignore = ["BN002"\n')
    start = len(client.published)
    changed(pyproject)
    p = await _wait_for(client, uri, start=start)
    assert _codes(p) == ["BN002"]
    assert any(m.type == types.MessageType.Error and "pyproject.toml" in m.message for m in client.messages)

    # An unknown key is a config error too; fixing the file recovers.
    pyproject.write_text('[tool.bnlint]\nnot-a-key = 1\n')
    start = len(client.published)
    changed(pyproject)
    await _wait_for(client, uri, start=start)
    assert any("not-a-key" in m.message for m in client.messages)
    pyproject.write_text('[tool.bnlint]\nextend-exclude = ["pkg"]\n')
    start = len(client.published)
    changed(pyproject)
    p = await _wait_for(client, uri, start=start)
    assert not p.diagnostics  # excluded, as the CLI would skip it


@asyncio_test
async def test_edited_config_is_noticed_without_a_watcher_event(client: LanguageClient, tmp_path):
    pyproject = tmp_path / "pyproject.toml"
    pyproject.write_text("[tool.bnlint]\nignore = [\"BN002\"\n")  # broken TOML
    await _init(client, tmp_path)
    uri = _open(client, tmp_path / "train.py", BUGGY)
    assert _codes(await _wait_for(client, uri)) == ["BN002"]
    assert [m.type for m in client.messages] == [types.MessageType.Error]
    pyproject.write_text("[tool.bnlint]\nignore = [\"BN002\"]\n")
    os.utime(pyproject, ns=(1, 1))  # a different mtime, whatever the clock resolution
    _change(client, uri, BUGGY + "\n", 2)
    assert not (await _wait_for(client, uri, lambda p: p.version == 2)).diagnostics


@asyncio_test
async def test_new_config_file_is_noticed_without_a_watcher_event(client: LanguageClient, tmp_path):
    """A `bnlint.toml` created while the file is open (Neovim sends no didChangeWatchedFiles)
    takes effect at the next lint."""
    await _init(client, tmp_path)
    uri = _open(client, tmp_path / "train.py", BUGGY)
    assert _codes(await _wait_for(client, uri)) == ["BN002"]
    (tmp_path / "bnlint.toml").write_text("ignore = [\"BN002\"]\n")
    _change(client, uri, BUGGY + "\n", 2)
    assert not (await _wait_for(client, uri, lambda p: p.version == 2)).diagnostics


@asyncio_test
async def test_config_of_the_nearest_project_and_excludes(client: LanguageClient, tmp_path):
    (tmp_path / "a").mkdir()
    (tmp_path / "a" / "bnlint.toml").write_text('ignore = ["BN002"]\n')
    await _init(client, tmp_path)
    uri_a = _open(client, tmp_path / "a" / "train.py", BUGGY)
    uri_b = _open(client, tmp_path / "b" / "train.py", BUGGY)
    uri_build = _open(client, tmp_path / "build" / "gen.py", BUGGY)  # a default exclude
    assert not (await _wait_for(client, uri_a)).diagnostics
    assert _codes(await _wait_for(client, uri_b)) == ["BN002"]
    assert not (await _wait_for(client, uri_build)).diagnostics


@asyncio_test
async def test_dynamic_watcher_registration(client: LanguageClient, tmp_path):
    await _init(client, tmp_path, dynamic_watch=True)
    deadline = asyncio.get_running_loop().time() + TIMEOUT
    while not client.registrations:
        assert asyncio.get_running_loop().time() < deadline
        await asyncio.sleep(0.01)
    (reg,) = client.registrations
    assert reg.method == types.WORKSPACE_DID_CHANGE_WATCHED_FILES
    globs = [w["globPattern"] if isinstance(w, dict) else w.glob_pattern for w in (reg.register_options["watchers"] if isinstance(reg.register_options, dict) else reg.register_options.watchers)]
    assert "**/pyproject.toml" in globs and "**/bnlint.toml" in globs


@asyncio_test
async def test_syntax_error_publishes_bn000_and_server_stays_alive(client: LanguageClient, tmp_path):
    await _init(client, tmp_path)
    uri = _open(client, tmp_path / "train.py", "import torch.nn as nn\ndef f(:\n    bn = nn.BatchNorm2d(3, momentum=0)\n")
    p = await _wait_for(client, uri)
    (d,) = p.diagnostics
    assert d.code == "BN000" and d.severity == types.DiagnosticSeverity.Error
    assert d.range.start.line == 1 and d.range.end.character > d.range.start.character
    _change(client, uri, BUGGY, 2)
    p = await _wait_for(client, uri, lambda p: p.version == 2)
    assert _codes(p) == ["BN002"]


@asyncio_test
async def test_close_clears_diagnostics(client: LanguageClient, tmp_path):
    await _init(client, tmp_path)
    uri = _open(client, tmp_path / "train.py", BUGGY)
    await _wait_for(client, uri, lambda p: bool(p.diagnostics))
    start = len(client.published)
    client.text_document_did_close(types.DidCloseTextDocumentParams(text_document=types.TextDocumentIdentifier(uri=uri)))
    p = await _wait_for(client, uri, start=start)
    assert not p.diagnostics


def open_notebook(client: LanguageClient, nb_path, cells) -> list:
    """Open a notebook of code ``cells`` (texts) through notebook document sync; returns the cell URIs."""
    cell_uris = [f"vscode-notebook-cell:{nb_path.as_posix()}#C{i}" for i in range(len(cells))]
    client.notebook_document_did_open(
        types.DidOpenNotebookDocumentParams(
            notebook_document=types.NotebookDocument(
                uri=nb_path.as_uri(),
                notebook_type="jupyter-notebook",
                version=1,
                cells=[types.NotebookCell(kind=types.NotebookCellKind.Code, document=u) for u in cell_uris],
            ),
            cell_text_documents=[types.TextDocumentItem(uri=u, language_id="python", version=1, text=t) for u, t in zip(cell_uris, cells)],
        )
    )
    return cell_uris


@asyncio_test
async def test_notebooks_do_not_crash_the_server(client: LanguageClient, tmp_path):
    await _init(client, tmp_path)
    # A raw .ipynb opened as a text document: skipped (empty diagnostics), no crash.
    nb_path = tmp_path / "nb.ipynb"
    uri = _open(client, nb_path, '{"cells": [], "metadata": {}, "nbformat": 4, "nbformat_minor": 5}')
    p = await _wait_for(client, uri)
    assert not p.diagnostics
    # Notebook document sync: cells are linted together, diagnostics land on the cell.
    cells = ["import torch.nn as nn\n%matplotlib inline\n", "bn = nn.BatchNorm2d(64, momentum=0)\n"]
    cell_uris = open_notebook(client, nb_path, cells)
    p = await _wait_for(client, cell_uris[1])
    (d,) = p.diagnostics
    assert d.code == "BN002" and d.range.start.line == 0 and d.range.start.character == 24
    assert not (await _wait_for(client, cell_uris[0])).diagnostics


NOTEBOOK_EVAL_CELLS = [
    "import torch\nimport torch.nn as nn\n%matplotlib inline\nmodel = nn.Sequential(nn.Conv2d(3, 8, 3), nn.BatchNorm2d(8))\n",
    "opt = torch.optim.SGD(model.parameters(), lr=0.1)\nfor x, y in train_loader:\n    opt.zero_grad()\n    model(x).sum().backward()\n    opt.step()\n",
    "with torch.no_grad():\n    for x, y in val_loader:\n        out = model(x)\n",
]


@asyncio_test
async def test_notebook_quick_fix_edits_its_own_cell(client: LanguageClient, tmp_path):
    await _init(client, tmp_path)
    cell_uris = open_notebook(client, tmp_path / "nb.ipynb", NOTEBOOK_EVAL_CELLS)
    p = await _wait_for(client, cell_uris[2], lambda p: bool(p.diagnostics))
    (d,) = p.diagnostics
    assert d.code == "BN001" and d.range.start.line == 2
    fixes = [a for a in await _code_actions(client, cell_uris[2], d) if a.title.startswith("bnlint: Insert")]
    (action,) = fixes
    assert action.title.endswith("(unsafe)")
    edits = _edits_of(action, cell_uris[2])
    assert _apply(NOTEBOOK_EVAL_CELLS[2], edits) == "model.eval()\n" + NOTEBOOK_EVAL_CELLS[2]
    (disable,) = [a for a in await _code_actions(client, cell_uris[2], d) if a.title == "Disable BN001 for this line"]
    assert _apply(NOTEBOOK_EVAL_CELLS[2], _edits_of(disable, cell_uris[2])).splitlines()[2] == "        out = model(x)  # noqa: BN001"


@asyncio_test
async def test_notebook_cell_indented_as_a_whole_gets_no_quick_fix(client: LanguageClient, tmp_path):
    """IPython dedents such a cell before running it, and bnlint lints it dedented: an insertion
    computed there would land at the wrong indentation in the cell, so none is offered."""
    await _init(client, tmp_path)
    cells = NOTEBOOK_EVAL_CELLS[:2] + ["".join("  " + line + "\n" for line in NOTEBOOK_EVAL_CELLS[2].splitlines())]
    cell_uris = open_notebook(client, tmp_path / "nb.ipynb", cells)
    p = await _wait_for(client, cell_uris[2], lambda p: bool(p.diagnostics))
    (d,) = p.diagnostics
    assert d.code == "BN001" and (d.range.start.line, d.range.start.character) == (2, 16)
    titles = [a.title for a in await _code_actions(client, cell_uris[2], d)]
    assert titles == ["Disable BN001 for this line"]


@asyncio_test
async def test_shutdown_and_exit(client: LanguageClient, tmp_path):
    await _init(client, tmp_path)
    uri = _open(client, tmp_path / "train.py", BUGGY)
    await _wait_for(client, uri)
    await asyncio.wait_for(client.shutdown_async(None), TIMEOUT)
    client.exit(None)
    await asyncio.wait_for(client._server.wait(), TIMEOUT)
    assert client._server.returncode == 0
    client._already_shut_down = True  # type: ignore[attr-defined]


# --- unit tests of the position and edit conversions ---------------------------


def test_position_conversion_utf16_and_back():
    text = 'a = "😀"; b = 1\r\nc = "é"\n'
    lines = split_lines(text)
    assert lines == ['a = "😀"; b = 1', 'c = "é"', ""]
    pos = to_lsp_position(lines, 1, 10)  # the `b` after the emoji (code-point column 10)
    assert (pos.line, pos.character) == (0, 10)
    assert to_lsp_position(lines, 1, 10, "utf-32").character == 9
    assert to_lsp_position(lines, 1, 10, "utf-8").character == 12
    assert from_lsp_position(lines, pos) == (1, 10)
    assert from_lsp_position(lines, types.Position(line=1, character=7)) == (2, 8)
    # past the end of the file: clamped
    assert to_lsp_position(lines, 10, 1) == types.Position(line=2, character=0)


def test_point_findings_get_a_visible_range():
    from bnlint.engine import file_error

    lines = split_lines("def f(:\n    pass\n")
    r = finding_range(lines, file_error("x.py", "syntax error", 1, 7))
    assert (r.start.line, r.start.character, r.end.line, r.end.character) == (0, 6, 0, 7)
    r = finding_range(lines, file_error("x.py", "syntax error", 1, 8))
    assert (r.start.character, r.end.character) == (0, 7)


def test_edit_conversion_and_fix_all_with_a_synthetic_fix(monkeypatch):
    from bnlint.config import Settings
    from bnlint.engine import FileResult
    from bnlint.rule import Edit, Finding, Fix

    text = 'x = "😀"; y = OLD\nz = OLD\n'
    lines = split_lines(text)
    fix = Fix("safe", (Edit(1, 14, 1, 17, "NEW"),), "rename")
    (edit,) = to_text_edits(lines, fix.edits)
    assert (edit.range.start.character, edit.range.end.character) == (14, 17)  # UTF-16: emoji counts twice
    assert _apply(text, [edit]) == 'x = "😀"; y = NEW\nz = OLD\n'

    def fake_lint(source, path, settings, index=None, **kw):
        out = []
        for i, line in enumerate(source.splitlines(), start=1):
            col = line.find("OLD")
            if col >= 0:
                kind = "unsafe" if line.startswith("z") else "safe"
                out.append(Finding("BN990", "toy", "warning", "m", path, i, col + 1, i, col + 4, Fix(kind, (Edit(i, col + 1, i, col + 4, "NEW"),))))
        return FileResult(path=path, findings=out)

    monkeypatch.setattr("bnlint.engine.lint_source", fake_lint)
    assert fix_text(text, "x.py", Settings()) == 'x = "😀"; y = NEW\nz = OLD\n'
    assert fix_text(text, "x.py", Settings(), unsafe=True) == 'x = "😀"; y = NEW\nz = NEW\n'


def test_minimal_edit_touches_only_changed_lines():
    old = "a\nb\nc\n"
    new = "a\nb  # noqa: BN002\nc\n"
    e = minimal_edit(old, new)
    assert (e.range.start.line, e.range.start.character, e.range.end.line, e.range.end.character) == (1, 0, 2, 0)
    assert e.new_text == "b  # noqa: BN002\n"
    assert _apply(old, [e]) == new
    assert minimal_edit(old, old) is None
    e = minimal_edit("a\nb", "a\nc")
    assert _apply("a\nb", [e]) == "a\nc"
