"""Output formats: text (ruff-like), json, sarif (2.1.0), github annotations."""
from __future__ import annotations

import os
from collections import Counter

from bnlint import __version__
from bnlint.rule import Finding, RuleType

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing (a few ms of every start)
if TYPE_CHECKING:  # pragma: no cover
    from typing import Dict, List, Optional, Sequence, TextIO



def _location(f: Finding) -> str:
    if f.cell is not None:
        return f"{f.path}:cell {f.cell}:{f.line}:{f.column}"
    return f"{f.path}:{f.line}:{f.column}"


class _Style:
    def __init__(self, color: bool) -> None:
        self.color = color

    def __call__(self, text: str, code: str) -> str:
        return f"\033[{code}m{text}\033[0m" if self.color else text


def _write_source_line(stream: TextIO, style: _Style, lines: Sequence[str], loc, mark: str, mark_style: str) -> None:
    """The line ``loc`` (a Finding or a Related) starts on, underlined from its column."""
    if 1 <= loc.line <= len(lines):
        text = lines[loc.line - 1]
        stream.write(f"{loc.line:>5} | {text}\n")
        width = max(1, (loc.end_column - loc.column) if loc.end_line == loc.line else len(text) - loc.column + 1)
        stream.write(f"      | {' ' * (loc.column - 1)}{style(mark * width, mark_style)}\n")


def format_text(findings: Sequence[Finding], stream: TextIO, color: bool, show_source: bool, sources: Dict[str, str], concise: bool = False) -> None:
    """One line per finding: its full explanation, or with ``concise`` its one-line summary; with
    ``show_source`` also its source line and, under it, the path that led to it
    (``Finding.related``): `  = note: <message> at path:line:col` and that source line."""
    style = _Style(color)
    for f in findings:
        marker = " [*]" if f.fix is not None and f.fix.applicability == "safe" else (" [-]" if f.fix is not None else "")
        stream.write(f"{style(_location(f), '1')}: {style(f.code, '1;31')}{style(marker, '36')} {f.short_message if concise else f.message}\n")
        if not show_source:
            continue
        lines = sources[f.path].splitlines() if f.path in sources else None
        if lines is not None and f.cell is None:
            _write_source_line(stream, style, lines, f, "^", "31")
        for r in f.related:
            where = f"{f.path}:cell {r.cell}:{r.line}:{r.column}" if r.cell is not None else f"{r.display_path() or f.path}:{r.line}:{r.column}"
            stream.write(f"  = {style('note', '1;36')}: {r.message} at {where}\n")
            other = _other_file_lines(r.path) if r.path is not None else None
            if (lines if r.path is None else other) is not None and r.cell is None:
                _write_source_line(stream, style, lines if r.path is None else other, r, "-", "36")


def _sarif_artifact(path: str) -> Dict[str, str]:
    """A SARIF artifactLocation for a path as displayed: relative to %SRCROOT%, or a file URI."""
    if os.path.isabs(path):
        from pathlib import Path

        return {"uri": Path(path).as_uri()}
    uri = path.replace(os.sep, "/")
    return {"uri": uri[2:] if uri.startswith("./") else uri, "uriBaseId": "%SRCROOT%"}


def _other_file_lines(path: str) -> Optional[List[str]]:
    """The lines of another project file that a related location points into (None if unreadable)."""
    try:
        with open(path, encoding="utf-8", errors="replace") as fh:
            return fh.read().splitlines()
    except OSError:
        return None


def summary_line(findings: Sequence[Finding], fixed: int, unsafe_enabled: bool, initial: Optional[int] = None, errors: int = 0) -> str:
    """The closing line.  ``initial``: what the run found before fixing (what a run without
    ``--fix`` reports); a fix can bring a finding of its own that a later fix removes (BN001's
    `.eval()`, then BN006's `.train()` after the block), so the counts start from what was found.
    ``errors``: paths or files that could not be checked (a missing path): never "All checks
    passed!" then."""
    n = len(findings)
    if initial is None:
        initial = n + fixed
    resolved = max(0, initial - n) if fixed else 0
    parts = []
    if fixed:
        parts.append(f"Fixed {resolved} error{'s' if resolved != 1 else ''}.")
    if not findings:
        if errors:
            return (" ".join(parts) + " " if parts else "") + f"No findings, but {errors} path{'s' if errors != 1 else ''} could not be checked (see the errors)."
        return (" ".join(parts) + " " if parts else "") + "All checks passed!"
    safe = sum(1 for f in findings if f.fix is not None and f.fix.applicability == "safe")
    unsafe = sum(1 for f in findings if f.fix is not None and f.fix.applicability == "unsafe")
    line = f"Found {n} error{'s' if n != 1 else ''}"
    if fixed:
        line = f"Found {initial} error{'s' if initial != 1 else ''} ({resolved} fixed, {n} remaining"
        if n > initial - resolved:
            line += f", {n - (initial - resolved)} of them from the fixes"
        line += ")"
    line += "."
    if safe:
        line += f"\n[*] {safe} fixable with the `--fix` option."
    if unsafe and not unsafe_enabled:
        line += f"\n[-] {unsafe} hidden fix{'es' if unsafe != 1 else ''} can be enabled with the `--unsafe-fixes` option."
    elif unsafe:
        line += f"\n[-] {unsafe} fixable with `--fix --unsafe-fixes`."
    return line


def format_statistics(findings: Sequence[Finding], stream: TextIO) -> None:
    counts = Counter((f.code, f.name) for f in findings)
    safe = Counter(f.code for f in findings if f.fix is not None and f.fix.applicability == "safe")
    unsafe = Counter(f.code for f in findings if f.fix is not None and f.fix.applicability != "safe")
    for (code, name), n in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])):
        marker = "[*] " if safe[code] else "[-] " if unsafe[code] else "    "  # as the findings' markers
        stream.write(f"{n:>5}\t{code}\t{marker}{name}\n")


def format_json(findings: Sequence[Finding], stream: TextIO) -> None:
    import json  # imported by the formats that need it, not at every start

    json.dump([f.to_json() for f in findings], stream, indent=2)
    stream.write("\n")


def _sarif_level(severity: str) -> str:
    return {"error": "error", "warning": "warning", "info": "note"}.get(severity, "warning")


def format_sarif(findings: Sequence[Finding], rules: Sequence[RuleType], stream: TextIO) -> None:
    import json
    rule_list = list(rules)
    codes = {r.code for r in rule_list}
    if any(f.code == "BN000" for f in findings) and "BN000" not in codes:
        from bnlint.rule import Rule

        class _SyntaxError(Rule):
            """Reported when a file cannot be parsed or decoded."""

            code = "BN000"
            name = "syntax-error"
            severity = "error"
            summary = "The file could not be analysed"

        rule_list = [_SyntaxError] + rule_list
    index = {r.code: i for i, r in enumerate(rule_list)}
    sarif_rules = []
    for r in rule_list:
        sarif_rules.append(
            {
                "id": r.code,
                "name": r.name,
                "shortDescription": {"text": r.summary or r.name},
                "fullDescription": {"text": r.docs()},
                "help": {"text": r.docs(), "markdown": r.docs()},
                "defaultConfiguration": {"level": _sarif_level(r.severity)},
                "properties": {"tags": ["batchnorm", "pytorch"]},
            }
        )
    results = []
    for f in findings:
        uri = f.path.replace(os.sep, "/")
        if uri.startswith("./"):
            uri = uri[2:]
        result = {
            "ruleId": f.code,
            "level": _sarif_level(f.severity),
            "message": {"text": f.message},
            "locations": [
                {
                    "physicalLocation": {
                        "artifactLocation": {"uri": uri, "uriBaseId": "%SRCROOT%"},
                        "region": {"startLine": f.line, "startColumn": f.column, "endLine": f.end_line, "endColumn": f.end_column},
                    }
                }
            ],
        }
        if f.code in index:
            result["ruleIndex"] = index[f.code]
        if f.related:
            # The path that led to the finding (where the model was built, put in train mode, ...).
            related = []
            for i, r in enumerate(f.related):
                loc: Dict[str, object] = {
                    "id": i,
                    "physicalLocation": {
                        "artifactLocation": _sarif_artifact(r.display_path()) if r.path is not None else {"uri": uri, "uriBaseId": "%SRCROOT%"},
                        "region": {"startLine": r.line, "startColumn": r.column, "endLine": r.end_line, "endColumn": r.end_column},
                    },
                    "message": {"text": r.message},
                }
                if r.cell is not None:
                    loc["properties"] = {"cell": r.cell}
                related.append(loc)
            result["relatedLocations"] = related
        results.append(result)
    doc = {
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [
            {
                "tool": {"driver": {"name": "bnlint", "version": __version__, "rules": sarif_rules}},
                "results": results,
            }
        ],
    }
    json.dump(doc, stream, indent=2)
    stream.write("\n")


def _gh_escape(text: str, prop: bool = False) -> str:
    text = text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")
    if prop:
        text = text.replace(":", "%3A").replace(",", "%2C")
    return text


def format_github(findings: Sequence[Finding], stream: TextIO) -> None:
    for f in findings:
        level = {"error": "error", "warning": "warning", "info": "notice"}.get(f.severity, "warning")
        stream.write(
            f"::{level} file={_gh_escape(f.path, True)},line={f.line},col={f.column},endLine={f.end_line},endColumn={f.end_column},"
            f"title={_gh_escape(f.code + ' ' + f.name, True)}::{_gh_escape(f.code + ' ' + f.short_message)}\n"
        )
