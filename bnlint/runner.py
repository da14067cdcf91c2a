"""Lint (and optionally fix) a set of files: the work behind `bnlint check`."""
from __future__ import annotations

import os
from collections import Counter

from bnlint.config import Settings
from bnlint.engine import FileResult, file_error, lint_source
from bnlint.fixes import apply_fixes, select_fixes, unified_diff
from bnlint.records import field, record
from bnlint.rule import Finding
from bnlint.sources import Source, SourceError, content_hash, read_source

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing (a few ms of every start)
if TYPE_CHECKING:  # pragma: no cover
    from typing import List, Optional, Set, Tuple

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
    encoding: Optional[str] = None  # the encoding the file was read with (fixes are written in it)
    unfixed_findings: List[Finding] = field(default_factory=list)  # before any fix (what a failed write leaves)


def lint_text(text: str, path: str, settings: Settings, index=None, use_prefilter: bool = True, regions=None) -> FileResult:
    return lint_source(text, path, settings, index=index, use_prefilter=use_prefilter, regions=regions)


def _map_notebook(src: Source, findings: List[Finding]) -> List[Finding]:
    out = []
    for f in findings:
        cell, line = src.locate(f.line)
        _, end_line = src.locate(f.end_line)
        f.column += src.column_shift(f.line)
        f.end_column += src.column_shift(f.end_line)
        f.cell, f.line, f.end_line = cell, line, end_line
        if f.related:  # each in its own cell, which need not be the finding's
            from bnlint.records import replace

            mapped = []
            for r in f.related:
                r_cell, r_line = src.locate(r.line)
                _, r_end = src.locate(r.end_line)
                shift, end_shift = src.column_shift(r.line), src.column_shift(r.end_line)
                mapped.append(replace(r, cell=r_cell, line=r_line, end_line=r_end, column=r.column + shift, end_column=r.end_column + end_shift))
            f.related = tuple(mapped)
        f.fix = None  # fixes are applied to .py files only (see README: notebooks)
        out.append(f)
    return out


def process_file(
    path: str,
    settings: Settings,
    fix: bool = False,
    unsafe: bool = False,
    diff: bool = False,
    index=None,
    use_prefilter: bool = True,
    digest: bool = False,
    write: bool = False,
) -> FileOutcome:
    """Lint (and fix) one file. Never raises: an unexpected error becomes an internal error naming the file.

    With ``write`` the fixed text is written back at once (``write_fixed``), not after every
    other file: the shorter the time between reading and writing, the less a concurrent edit
    can be lost, and a file that changed meanwhile is not written at all.
    """
    try:
        outcome = _process_file(path, settings, fix=fix or write, unsafe=unsafe, diff=diff, index=index, use_prefilter=use_prefilter, digest=digest or write)
    except RecursionError:
        return FileOutcome(path=path, internal_errors=[f"{path}: too deeply nested to analyse (RecursionError)"])
    except Exception as exc:  # defensive: one file's bug must not stop the other files
        import traceback

        detail = traceback.format_exc(limit=-3).strip()
        return FileOutcome(path=path, internal_errors=[f"{path}: internal error: {type(exc).__name__}: {exc}\n{detail}"])
    if write:
        error = write_fixed(outcome)
        if error:
            outcome.internal_errors.append(error)
            outcome.findings = outcome.unfixed_findings  # nothing was fixed: report what is in the file
            outcome.fixed_count = 0
            outcome.new_text = None
    return outcome


def _fix_key(f: Finding) -> Tuple[str, str]:
    """A finding's identity across fix rounds (its line moves when lines are inserted above it)."""
    return (f.code, f.message)


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
    out.encoding = src.encoding
    regions = [(c.first, c.last) for c in src.cells] if src.cells else None
    result = lint_text(src.text, path, settings, index, use_prefilter, regions)
    out.internal_errors.extend(result.internal_errors)
    out.notes.extend(result.notes)  # from this lint only, not from the fix rounds' re-lints
    if src.is_notebook:
        out.findings = _map_notebook(src, result.findings)
        return out
    findings = result.findings
    out.unfixed_findings = findings
    if not (fix or diff):
        out.findings = findings
        return out

    text = src.text
    fixed = 0
    failed: Set[Tuple[str, str]] = set()  # fixes that left their own finding in place
    for _ in range(MAX_FIX_ROUNDS):
        chosen = [f for f in select_fixes(findings, unsafe, settings.is_fixable) if _fix_key(f) not in failed]
        if not chosen:
            break
        new_text, applied = apply_fixes(text, chosen)
        if new_text == text:
            break
        check = lint_text(new_text, path, settings, index, use_prefilter)
        if any(f.code == "BN000" for f in check.findings):
            out.internal_errors.append(f"{path}: a fix produced code that does not parse; fixes for this file were not applied")
            text, fixed = src.text, 0
            findings = result.findings
            break
        before = Counter(_fix_key(f) for f in findings)
        after = Counter(_fix_key(f) for f in check.findings)
        stuck = [f for f in applied if after[_fix_key(f)] >= before[_fix_key(f)]]
        if stuck:
            # A fix that does not remove its finding would be applied again on every run (and
            # again in each round here): drop this round, report the fix, retry without it.
            for f in stuck:
                if _fix_key(f) not in failed:
                    failed.add(_fix_key(f))
                    out.notes.append(f"{path}:{f.line}:{f.column}: {f.code} fix not applied: it does not remove its own finding (a bnlint bug; please report it)")
            continue
        fixed += sum(min(n, before[k] - after[k]) for k, n in Counter(_fix_key(f) for f in applied).items())
        text, findings = new_text, check.findings
    out.findings = findings
    out.fixed_count = fixed
    if text != src.text:
        out.original_text = src.text
        out.new_text = text
    return out


def write_fixed(outcome: FileOutcome) -> Optional[str]:
    """Write a fixed file back; returns an error message (naming the file) on failure.

    The text is written as fixed: edits were applied to the text as read, whose line endings
    are kept, so nothing outside the edits changes.  It is encoded as it was read (a BOM
    stays).  A symbolic link is written through (its target is fixed, the link stays); the
    file keeps its permission bits and, where allowed, its owner; a file with other hard
    links is rewritten in place so that every name still shows the same file.  The bytes on
    disk must still be the ones that were analysed (``content_digest``), or nothing is written.
    """
    if outcome.new_text is None:
        return None
    target = os.path.realpath(outcome.path)
    try:
        with open(target, "rb") as fh:
            current = fh.read()
        if outcome.content_digest is not None and content_hash(current) != outcome.content_digest:
            return f"{outcome.path}: the file changed on disk while bnlint was running; fixes were not written (run bnlint again)"
        if outcome.encoding is None:
            from bnlint.sources import decode

            _, outcome.encoding = decode(current, outcome.path)
        try:
            data = outcome.new_text.encode(outcome.encoding)
        except (UnicodeEncodeError, LookupError) as exc:
            return f"{outcome.path}: cannot encode the fixed text as {outcome.encoding}: {exc}; fixes were not written"
        _replace_contents(target, data)
    except OSError as exc:
        return f"{outcome.path}: cannot write fixes: {exc.strerror or exc}"
    except SourceError as exc:
        return f"{outcome.path}: cannot write fixes: {exc}"
    return None


def _replace_contents(target: str, data: bytes) -> None:
    st = os.stat(target)
    if st.st_nlink > 1:
        # Replacing the file would split it from its other names: rewrite it in place.
        with open(target, "r+b") as fh:
            fh.write(data)
            fh.truncate()
        return
    import stat
    import tempfile

    # A unique name in the same folder: two runs fixing one file at once cannot clash, and the
    # final rename is atomic (a reader sees the old file or the new one, never half of it).
    folder, name = os.path.split(target)
    fd, tmp = tempfile.mkstemp(dir=folder, prefix=f".{name}.", suffix=".bnlint-tmp")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        os.chmod(tmp, stat.S_IMODE(st.st_mode))
        try:
            os.chown(tmp, st.st_uid, st.st_gid)
        except OSError:
            pass  # only root or the owner may: the file is then the writer's, as an editor would leave it
        os.replace(tmp, target)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise


def diff_for(outcome: FileOutcome) -> str:
    if outcome.new_text is None or outcome.original_text is None:
        return ""
    return unified_diff(outcome.path, outcome.original_text, outcome.new_text)
