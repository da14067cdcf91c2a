"""Lint (and optionally fix) a set of files: the work behind `bnlint check`."""
from __future__ import annotations

import os
from collections import Counter

from bnlint.config import Settings
from bnlint.engine import FileResult, file_error, lint_source
from bnlint.fixes import apply_fixes, select_fixes, unified_diff
from bnlint.records import field, record
from bnlint.rule import Finding
from bnlint.sources import NotPythonSource, Source, SourceError, content_hash, read_source

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing (a few ms of every start)
if TYPE_CHECKING:  # pragma: no cover
    from typing import Dict, List, Optional, Set, Tuple

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
    # Notebooks: (cell number, source before, source after) of each cell the fixes changed.
    cell_changes: List[Tuple[int, str, str]] = field(default_factory=list)


def lint_text(text: str, path: str, settings: Settings, index=None, use_prefilter: bool = True, regions=None) -> FileResult:
    return lint_source(text, path, settings, index=index, use_prefilter=use_prefilter, regions=regions)


def place_in_cells(src: Source, findings: List[Finding]) -> List[Finding]:
    """Findings in the joined code cells, placed in their cells; a fix moves into its cell's own
    source where it can be moved exactly (``notebooks.fix_in_cell``), else it is dropped."""
    from bnlint.notebooks import fix_in_cell

    joined_lines = src.text.split("\n")
    out = []
    for f in findings:
        if f.fix is not None:
            moved = fix_in_cell(f.fix, src.cells or (), joined_lines, src.cell_texts or {})
            f.fix = moved[1] if moved is not None else None
        cell, line = src.locate(f.line)
        _, end_line = src.locate(f.end_line)
        f.column += src.column_shift(f.line)
        f.end_column += src.column_shift(f.end_line)
        if f.stmt_lines != (0, 0):  # where a `# noqa` for it goes, in its cell
            f.stmt_lines = (src.locate(f.stmt_lines[0])[1], src.locate(f.stmt_lines[1])[1])
        f.cell, f.line, f.end_line = cell, line, end_line
        if f.related:  # each in its own cell, which need not be the finding's
            from bnlint.records import replace

            mapped = []
            for r in f.related:
                if r.path is not None:  # in another file: not one of the notebook's cells
                    mapped.append(r)
                    continue
                r_cell, r_line = src.locate(r.line)
                _, r_end = src.locate(r.end_line)
                shift, end_shift = src.column_shift(r.line), src.column_shift(r.end_line)
                mapped.append(replace(r, cell=r_cell, line=r_line, end_line=r_end, column=r.column + shift, end_column=r.end_column + end_shift))
            f.related = tuple(mapped)
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
    except NotPythonSource as exc:
        out.notes.append(f"{path}: {exc}")
        return out
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
        return _process_notebook(out, src, result.findings, settings, fix or diff, unsafe, index, use_prefilter)
    findings = result.findings
    out.unfixed_findings = findings
    if not (fix or diff):
        out.findings = findings
        return out

    def apply(text: str, chosen: List[Finding]) -> Tuple[str, List[Finding]]:
        return apply_fixes(text, chosen)

    def relint(text: str) -> FileResult:
        return lint_text(text, path, settings, index, use_prefilter)

    text, out.findings, out.fixed_count = _fix_rounds(out, path, src.text, findings, apply, relint, unsafe, settings)
    if text != src.text:
        out.original_text = src.text
        out.new_text = text
    return out


def _fix_rounds(out: FileOutcome, path: str, initial, findings: List[Finding], apply, relint, unsafe: bool, settings: Settings):
    """Apply fixes in rounds until nothing changes: (final document, its findings, fixes applied).

    The document is a file's text, or a notebook's cell sources; ``apply(document, chosen)`` gives
    the new document and the findings whose fixes it applied, ``relint(document)`` its findings.
    A round whose result does not parse is undone whole; a fix that leaves its own finding is
    dropped (and said), so that no run applies it again."""
    document, first_findings = initial, findings
    fixed = 0
    failed: Set[Tuple[str, str]] = set()  # fixes that left their own finding in place
    for _ in range(MAX_FIX_ROUNDS):
        chosen = [f for f in select_fixes(findings, unsafe, settings.is_fixable) if _fix_key(f) not in failed]
        if not chosen:
            break
        new_document, applied = apply(document, chosen)
        if new_document == document:
            break
        check = relint(new_document)
        if any(f.code == "BN000" for f in check.findings):
            out.internal_errors.append(f"{path}: a fix produced code that does not parse; fixes for this file were not applied")
            return initial, first_findings, 0
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
        document, findings = new_document, check.findings
    return document, findings, fixed


def _process_notebook(
    out: FileOutcome, src: Source, findings: List[Finding], settings: Settings, fix: bool, unsafe: bool, index, use_prefilter: bool
) -> FileOutcome:
    """A notebook's findings in their cells; with ``fix``, its fixes applied to the cells' own
    sources (``notebooks.fix_in_cell``) and the notebook's JSON text rebuilt around them."""
    import copy

    from bnlint.notebooks import fix_in_cell, with_cell_sources
    from bnlint.records import replace
    from bnlint.sources import join_cells

    path = out.path
    out.unfixed_findings = place_in_cells(src, [copy.copy(f) for f in findings])
    if not fix:
        out.findings = out.unfixed_findings
        return out
    initial = dict(src.cell_texts or {})

    def apply(texts: Dict[int, str], chosen: List[Finding]) -> Tuple[Dict[int, str], List[Finding]]:
        joined, spans = join_cells(list(texts.items()))
        joined_lines = joined.split("\n")
        per_cell: Dict[int, List[Finding]] = {}
        origin: Dict[int, Finding] = {}
        for f in chosen:
            moved = fix_in_cell(f.fix, spans, joined_lines, texts)
            if moved is None:
                continue
            proxy = copy.copy(f)
            proxy.fix = moved[1]
            origin[id(proxy)] = f
            per_cell.setdefault(moved[0], []).append(proxy)
        new_texts = dict(texts)
        applied: List[Finding] = []
        for key, proxies in per_cell.items():
            new_texts[key], done = apply_fixes(texts[key], proxies)
            applied.extend(origin[id(p)] for p in done)
        return new_texts, applied

    def relint(texts: Dict[int, str]) -> FileResult:
        joined, spans = join_cells(list(texts.items()))
        return lint_text(joined, path, settings, index, use_prefilter, [(c.first, c.last) for c in spans])

    texts, final, out.fixed_count = _fix_rounds(out, path, initial, findings, apply, relint, unsafe, settings)
    joined, spans = join_cells(list(texts.items()))
    out.findings = place_in_cells(replace(src, text=joined, cells=spans, cell_texts=texts), final)
    changed = {key: text for key, text in texts.items() if text != initial[key]}
    if changed:
        new_raw = with_cell_sources(src.raw or "", changed)
        if new_raw is None:
            out.internal_errors.append(f"{path}: the fixed cells could not be written back into the notebook exactly; fixes were not applied")
            out.findings, out.fixed_count = out.unfixed_findings, 0
            return out
        out.original_text, out.new_text = src.raw, new_raw
        out.cell_changes = [(key, initial[key], text) for key, text in changed.items()]
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
    if outcome.cell_changes:  # a notebook: the cells' sources, not its JSON
        return "".join(unified_diff(f"{outcome.path}:cell {key}", before, after) for key, before, after in outcome.cell_changes)
    return unified_diff(outcome.path, outcome.original_text, outcome.new_text)
