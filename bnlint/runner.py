"""Lint (and optionally fix) a set of files: the work behind `bnlint check`."""
from __future__ import annotations

import os

from bnlint.config import Settings
from bnlint.engine import FileResult, file_error, lint_source
from bnlint.fixes import apply_findings, select_fixes, unified_diff
from bnlint.records import field, record
from bnlint.rule import Finding
from bnlint.sources import Source, SourceError, read_source

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing (a few ms of every start)
if TYPE_CHECKING:  # pragma: no cover
    from typing import List, Optional

MAX_FIX_ROUNDS = 20


@record
class FileOutcome:
    path: str
    findings: List[Finding] = field(default_factory=list)
    internal_errors: List[str] = field(default_factory=list)
    fixed_count: int = 0
    new_text: Optional[str] = None  # set when fixes changed the file
    original_text: Optional[str] = None
    notes: List[str] = field(default_factory=list)
    content_digest: Optional[str] = None  # ``sources.content_hash`` of the bytes analysed


def lint_text(text: str, path: str, settings: Settings, index=None, use_prefilter: bool = True) -> FileResult:
    return lint_source(text, path, settings, index=index, use_prefilter=use_prefilter)


def _map_notebook(src: Source, findings: List[Finding]) -> List[Finding]:
    out = []
    for f in findings:
        cell, line = src.locate(f.line)
        _, end_line = src.locate(f.end_line)
        f.cell, f.line, f.end_line = cell, line, end_line
        f.fix = None  # fixes are applied to .py files only (see README: notebooks)
        out.append(f)
    return out


def process_file(
    path: str, settings: Settings, fix: bool = False, unsafe: bool = False, diff: bool = False, index=None, use_prefilter: bool = True, digest: bool = False
) -> FileOutcome:
    """Lint (and fix) one file. Never raises: an unexpected error becomes an internal error naming the file."""
    try:
        return _process_file(path, settings, fix=fix, unsafe=unsafe, diff=diff, index=index, use_prefilter=use_prefilter, digest=digest)
    except RecursionError:
        return FileOutcome(path=path, internal_errors=[f"{path}: too deeply nested to analyse (RecursionError)"])
    except Exception as exc:  # defensive: one file's bug must not stop the other files
        import traceback

        detail = traceback.format_exc(limit=-3).strip()
        return FileOutcome(path=path, internal_errors=[f"{path}: internal error: {type(exc).__name__}: {exc}\n{detail}"])


def _process_file(
    path: str, settings: Settings, fix: bool = False, unsafe: bool = False, diff: bool = False, index=None, use_prefilter: bool = True, digest: bool = False
) -> FileOutcome:
    out = FileOutcome(path=path)
    try:
        src = read_source(path, settings.max_file_size, digest=digest)
    except SourceError as exc:
        out.findings.append(file_error(path, str(exc)))
        return out
    out.content_digest = src.digest
    result = lint_text(src.text, path, settings, index, use_prefilter)
    out.internal_errors.extend(result.internal_errors)
    if src.is_notebook:
        out.findings = _map_notebook(src, result.findings)
        return out
    findings = result.findings
    if not (fix or diff):
        out.findings = findings
        return out

    text = src.text
    fixed = 0
    for _ in range(MAX_FIX_ROUNDS):
        chosen = select_fixes(findings, unsafe, settings.is_fixable)
        if not chosen:
            break
        new_text = apply_findings(text, chosen)
        if new_text == text:
            break
        check = lint_text(new_text, path, settings, index, use_prefilter)
        if any(f.code == "BN000" for f in check.findings):
            out.internal_errors.append(f"{path}: a fix produced code that does not parse; fixes for this file were not applied")
            text, fixed = src.text, 0
            findings = result.findings
            break
        fixed += len(findings) - len(check.findings) if len(findings) > len(check.findings) else len(chosen)
        text, findings = new_text, check.findings
    out.findings = findings
    out.fixed_count = fixed
    if text != src.text:
        out.original_text = src.text
        out.new_text = text
    return out


def write_fixed(outcome: FileOutcome) -> Optional[str]:
    """Write a fixed file back, keeping its line endings; returns an error message on failure."""
    if outcome.new_text is None:
        return None
    try:
        with open(outcome.path, "rb") as fh:
            raw = fh.read()
        newline = "\r\n" if b"\r\n" in raw[:10000] else "\n"
        from bnlint.sources import decode

        _, encoding = decode(raw, outcome.path)
        text = outcome.new_text if newline == "\n" else outcome.new_text.replace("\r\n", "\n").replace("\n", "\r\n")
        tmp = outcome.path + ".bnlint-tmp"
        with open(tmp, "w", encoding=encoding, newline="") as fh:
            fh.write(text)
        os.replace(tmp, outcome.path)
    except OSError as exc:
        return f"{outcome.path}: cannot write fixes: {exc.strerror or exc}"
    return None


def diff_for(outcome: FileOutcome) -> str:
    if outcome.new_text is None or outcome.original_text is None:
        return ""
    return unified_diff(outcome.path, outcome.original_text, outcome.new_text)
