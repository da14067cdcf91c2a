"""Command line: `bnlint [check] PATHS`, `bnlint rule CODE`, `bnlint rules`, `bnlint clean`, `bnlint lsp`, `bnlint trace`.

Exit codes follow ruff: 0 no findings, 1 findings remain, 2 usage/config/internal error.
Heavy imports (libcst, the rules) happen only once a command needs them.
"""
from __future__ import annotations

import os
import sys

from bnlint import __version__

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing (a few ms of every start)
if TYPE_CHECKING:  # pragma: no cover
    import argparse
    from typing import List, Optional, Sequence

SUBCOMMANDS = ("check", "rule", "rules", "clean", "lsp", "trace", "version")
EXIT_OK, EXIT_FINDINGS, EXIT_ERROR = 0, 1, 2


def _split(values: Optional[List[str]]) -> Optional[List[str]]:
    if values is None:
        return None
    out: List[str] = []
    for v in values:
        out.extend(x.strip() for x in v.split(",") if x.strip())
    return out


# The options of `bnlint [check]`, once: ``check_parser`` builds the argparse parser from them
# and ``parse_check_args`` reads ordinary command lines with them without importing argparse
# (argparse, gettext and locale, and building the parser, cost 6-9 ms of every start).
# Kinds: "flag" (store_true), "flag?" (store_true, default None: "not given" defers to the
# config), "off?" (store_false, default None), "value", "int", "choice", "append" (repeatable).
FORMATS = ("text", "concise", "full", "json", "sarif", "github")
CHECK_OPTIONS = (
    (("--select",), "select", "append", "rule codes, prefixes, names or ALL (comma-separated)"),
    (("--extend-select",), "extend_select", "append", "rules to enable on top of the selection"),
    (("--ignore",), "ignore", "append", "rules to disable"),
    (("--config",), "config", "value", "path to a pyproject.toml or bnlint.toml"),
    (("--isolated",), "isolated", "flag", "ignore all configuration files"),
    (("--format", "--output-format"), "format", "choice", None),
    (("--output-file", "-o"), "output_file", "value", "write the report to this file"),
    (("--statistics",), "statistics", "flag", "count findings per rule"),
    (("--show-source",), "show_source", "flag?", "show the offending source line"),
    (("--exit-zero",), "exit_zero", "flag", "exit 0 even when findings remain"),
    (("--quiet", "-q"), "quiet", "flag", "print findings only, no summary"),
    (("--fix",), "fix", "flag?", "apply safe fixes"),
    (("--unsafe-fixes",), "unsafe_fixes", "flag?", "also apply unsafe fixes with --fix/--diff"),
    (("--diff",), "diff", "flag", "print the fixes as a unified diff; write nothing"),
    (("--add-noqa",), "add_noqa", "flag", "add `# noqa: CODE` to every line with a finding"),
    (("--exclude",), "exclude", "append", "glob patterns to exclude (replaces the defaults)"),
    (("--extend-exclude",), "extend_exclude", "append", "glob patterns to exclude on top of the defaults"),
    (("--force-exclude",), "force_exclude", "flag?", "apply excludes to files named on the command line too"),
    (("--no-respect-gitignore",), "respect_gitignore", "off?", None),
    (("--stdin-filename",), "stdin_filename", "value", "the path of the file read from stdin"),
    (("--no-cache",), "no_cache", "flag", "neither read nor write the cache"),
    (("--cache-dir",), "cache_dir", "value", "where the cache lives (default .bnlint_cache)"),
    (("--jobs", "-j"), "jobs", "int", "worker processes (default: number of cores)"),
    (("--no-prefilter",), "no_prefilter", "flag", None),  # hidden: for tests and benchmarks
)
_HIDDEN = ("no_prefilter",)
_DEFAULTS = {"flag": False, "flag?": None, "off?": None, "value": None, "int": None, "choice": None, "append": None}
_BY_FLAG = {flag: (dest, kind) for flags, dest, kind, _ in CHECK_OPTIONS for flag in flags}


class CheckArgs:
    """The parsed command line of `bnlint [check]` (attribute access, like argparse's Namespace)."""

    def __init__(self, **values) -> None:
        self.__dict__.update(values)

    def __eq__(self, other: object) -> bool:
        return vars(self) == vars(other)

    def __repr__(self) -> str:
        return f"CheckArgs({vars(self)!r})"


def _count(text: str) -> int:
    """The type of the "int" options (``--jobs``): a whole number, 0 or more."""
    import argparse

    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None
    if value < 0:
        raise argparse.ArgumentTypeError(f"must be 0 or more (0: the default), got {value}")
    return value


def check_parser() -> argparse.ArgumentParser:
    from bnlint.argparsing import SUPPRESS, Parser, RawDescriptionHelpFormatter

    p = Parser(
        prog="bnlint",
        description="Find BatchNorm and train/eval-mode mistakes in PyTorch training code.",
        epilog=(
            "subcommands (before the options):\n"
            "  bnlint check [PATH ...]   lint (the default: `bnlint PATH` is the same)\n"
            "  bnlint rule CODE          a rule's documentation (`bnlint rule BN001`, or by name)\n"
            "  bnlint rules              the rules, their defaults and fix safety\n"
            "  bnlint clean              remove the cache\n"
            "  bnlint lsp                the language server (needs bnlint[lsp])\n"
            "  bnlint trace SCRIPT       runtime mode: run SCRIPT and confirm findings (needs bnlint[runtime])\n"
            "  bnlint version            the version"
        ),
        formatter_class=RawDescriptionHelpFormatter,
    )
    p.add_argument("paths", nargs="*", metavar="PATH", help="files or directories to lint (default: .); '-' reads stdin")
    p.add_argument("--version", action="version", version=f"bnlint {__version__}")
    for flags, dest, kind, text in CHECK_OPTIONS:
        help_text = SUPPRESS if dest in _HIDDEN else text
        if kind in ("flag", "flag?"):
            p.add_argument(*flags, dest=dest, action="store_true", default=_DEFAULTS[kind], help=help_text)
        elif kind == "off?":
            p.add_argument(*flags, dest=dest, action="store_false", default=None, help=help_text)
        elif kind == "append":
            p.add_argument(*flags, dest=dest, action="append", help=help_text)
        elif kind == "int":
            p.add_argument(*flags, dest=dest, type=_count, help=help_text)
        elif kind == "choice":
            p.add_argument(*flags, dest=dest, choices=FORMATS, help=help_text)
        else:
            p.add_argument(*flags, dest=dest, help=help_text)
    return p


def parse_check_args(argv: Sequence[str]) -> CheckArgs:
    """``check_parser().parse_intermixed_args(argv)``: paths may come before, between and after
    options (as in ruff).  Ordinary command lines (exact option names, values that do not start
    with "-" and are valid) are read here from ``CHECK_OPTIONS``; anything else (--help, --version,
    abbreviations, short-option clusters, "--", errors) goes to argparse, which words the error."""
    fast = _parse_simple(argv)
    if fast is not None:
        return fast
    return CheckArgs(**vars(check_parser().parse_intermixed_args(list(argv))))


def _parse_simple(argv: Sequence[str]) -> Optional[CheckArgs]:
    values = {dest: _DEFAULTS[kind] for _, dest, kind, _ in CHECK_OPTIONS}
    paths: List[str] = []
    i = 0
    while i < len(argv):
        arg = argv[i]
        i += 1
        if arg == "-" or not arg.startswith("-"):
            paths.append(arg)
            continue
        name, eq, inline = arg.partition("=") if arg.startswith("--") else (arg, "", "")
        option = _BY_FLAG.get(name)
        if option is None:
            return None
        dest, kind = option
        if kind in ("flag", "flag?", "off?"):
            if eq:
                return None  # argparse: "ignored explicit argument"
            values[dest] = kind != "off?"
            continue
        if eq:
            value = inline
        elif i < len(argv) and not argv[i].startswith("-"):
            value = argv[i]
            i += 1
        else:
            return None  # a missing value, or one argparse may read as an option
        if kind == "int":
            try:
                values[dest] = int(value)
            except ValueError:
                return None
            if values[dest] < 0:
                return None  # argparse words the error (``_count``)
        elif kind == "choice":
            if value not in FORMATS:
                return None
            values[dest] = value
        elif kind == "append":
            values[dest] = (values[dest] or []) + [value]
        else:
            values[dest] = value
    return CheckArgs(paths=paths, **values)


def _settings_from_args(args: CheckArgs):
    from bnlint.config import load_settings

    paths = args.paths or ["."]
    start = args.stdin_filename if args.paths == ["-"] and args.stdin_filename else paths[0]
    settings = load_settings([start], args.config, args.isolated)
    if args.select is not None:
        settings.select = _split(args.select)
        settings.extend_select = []
    if args.extend_select:
        settings.extend_select += _split(args.extend_select) or []
    if args.ignore:
        settings.ignore += _split(args.ignore) or []
    if args.exclude:
        settings.exclude = _split(args.exclude) or []
    if args.extend_exclude:
        settings.extend_exclude += _split(args.extend_exclude) or []
    for flag in ("respect_gitignore", "force_exclude", "fix", "unsafe_fixes", "show_source"):
        value = getattr(args, flag)
        if value is not None:
            setattr(settings, flag, value)
    if args.format:
        settings.output_format = args.format
    if args.cache_dir:
        settings.cache_dir = args.cache_dir
    if args.jobs:
        settings.jobs = args.jobs
    settings.enabled_rules()  # validates selectors now, so errors exit 2 before any work
    return settings


def run_check(argv: Sequence[str]) -> int:
    from bnlint.registry import LAZY_STDLIB_MODULES, install_lazy_modules, load_rules

    install_lazy_modules(LAZY_STDLIB_MODULES)  # before anything imports them
    from bnlint.config import ConfigError

    args = parse_check_args(argv)
    from bnlint.engine import tune_gc_for_batch

    tune_gc_for_batch()
    load_rules(lazy=True)  # the rules' libcst loads only when a file reaches it
    try:
        settings = _settings_from_args(args)
    except ConfigError as exc:
        sys.stderr.write(f"bnlint: error: {exc}\n")
        return EXIT_ERROR

    from bnlint.discovery import discover
    from bnlint.output import format_github, format_json, format_sarif, format_statistics, format_text, summary_line
    from bnlint.runner import diff_for

    paths = args.paths or ["."]
    stdin_mode = paths == ["-"]
    if stdin_mode:
        files = ["-"]
    else:
        found = discover(paths, settings)
        for w in found.warnings:
            sys.stderr.write(f"bnlint: warning: {w}\n")
        for e in found.errors:  # the paths that can be linted still are; the exit code says 2
            sys.stderr.write(f"bnlint: error: {e}\n")
        files = found.files
        if not files and not found.errors:
            sys.stderr.write("bnlint: warning: No Python files found under the given path(s)\n")

    fix = bool(settings.fix) and not args.diff
    unsafe = bool(settings.unsafe_fixes)
    want_fixes = fix or args.diff

    if stdin_mode:
        outcomes = [_check_stdin(args, settings, want_fixes, unsafe)]
    else:
        from bnlint.parallel import run_files

        outcomes = run_files(
            files, settings, fix=want_fixes, unsafe=unsafe, use_cache=not args.no_cache and not want_fixes, jobs=settings.jobs, use_prefilter=not args.no_prefilter, write=fix
        )
    for o in outcomes:
        for note in o.notes:
            sys.stderr.write(f"bnlint: warning: {note}\n")

    internal = [e for o in outcomes for e in o.internal_errors]
    path_errors = [] if stdin_mode else found.errors
    findings = sorted((f for o in outcomes for f in o.findings), key=lambda f: f.sort_key())
    fixed = sum(o.fixed_count for o in outcomes)
    # What a run without --fix would have reported: the count the summary starts from.
    initial = sum(len(o.unfixed_findings) if o.fixed_count else len(o.findings) for o in outcomes)

    out_stream = open(args.output_file, "w", encoding="utf-8") if args.output_file else sys.stdout
    try:
        if args.add_noqa:
            code = _add_noqa(outcomes, out_stream, args.quiet)
            return EXIT_ERROR if path_errors else code
        if args.diff:
            diffs = [diff_for(o) for o in outcomes]
            out_stream.write("".join(d for d in diffs if d))
            n = sum(1 for d in diffs if d)
            if not args.quiet:
                # As `--fix` counts them: the findings the fixes leave behind are not fixed, even
                # where a fix of one round removed one that an earlier round's fix brought.
                resolved = max(0, initial - len(findings)) if fixed else 0
                sys.stderr.write(f"Would fix {resolved} error{'s' if resolved != 1 else ''} in {n} file{'s' if n != 1 else ''}.\n")
            for e in internal:
                sys.stderr.write(f"bnlint: error: {e}\n")
            return EXIT_ERROR if internal or path_errors else (EXIT_FINDINGS if n and not args.exit_zero else EXIT_OK)
        if fix and stdin_mode:  # files were written by their workers, each as soon as it was fixed
            out_stream.write(outcomes[0].new_text if outcomes[0].new_text is not None else outcomes[0].original_text or "")

        fmt = settings.output_format
        if fmt in ("text", "concise", "full"):
            sources = {}
            if settings.show_source or fmt == "full":
                for f in findings:
                    if f.path not in sources and f.path != "-":
                        try:
                            from bnlint.sources import read_source

                            sources[f.path] = read_source(f.path, 0).text
                        except Exception:
                            pass
            if not (fix and stdin_mode):
                color = out_stream.isatty() and os.environ.get("NO_COLOR") is None
                if args.statistics:
                    format_statistics(findings, out_stream)  # the table instead of the findings, as ruff
                else:
                    format_text(findings, out_stream, color, bool(settings.show_source) or fmt == "full", sources, concise=fmt == "concise")
                if not args.quiet:
                    out_stream.write(summary_line(findings, fixed, unsafe, initial, errors=len(internal) + len(path_errors)) + "\n")
        elif fmt == "json":
            format_json(findings, out_stream)
        elif fmt == "sarif":
            format_sarif(findings, settings.enabled_rules(), out_stream)
        elif fmt == "github":
            format_github(findings, out_stream)
    finally:
        if out_stream is not sys.stdout:
            out_stream.close()

    for e in internal:
        sys.stderr.write(f"bnlint: error: {e}\n")
    if internal or path_errors:
        return EXIT_ERROR
    if findings and not args.exit_zero:
        return EXIT_FINDINGS
    return EXIT_OK


def _check_stdin(args, settings, want_fixes: bool, unsafe: bool):
    from bnlint.engine import file_error
    from bnlint.runner import FileOutcome, lint_text
    from bnlint.sources import SourceError, read_source

    path = args.stdin_filename or "-"
    try:
        src = read_source("-", 0)
    except SourceError as exc:
        return FileOutcome(path=path, findings=[file_error(path, str(exc))])
    if not want_fixes:
        res = lint_text(src.text, path, settings)
        return FileOutcome(path=path, findings=res.findings, internal_errors=res.internal_errors, original_text=src.text, notes=list(res.notes))
    # Reuse the file fix loop on a temporary copy; nothing is written to disk.
    import tempfile

    from bnlint.runner import process_file

    suffix = os.path.splitext(path)[1] or ".py"
    with tempfile.TemporaryDirectory() as tmp:
        tmp_path = os.path.join(tmp, "stdin" + suffix)
        with open(tmp_path, "w", encoding="utf-8") as fh:
            fh.write(src.text)
        outcome = process_file(tmp_path, settings, fix=True, unsafe=unsafe)
    for f in outcome.findings:
        f.path = path
    outcome.path = path
    outcome.original_text = src.text
    return outcome


def _add_noqa(outcomes, stream, quiet: bool) -> int:
    from bnlint.runner import FileOutcome, write_fixed
    from bnlint.sources import SourceError, read_source
    from bnlint.suppress import add_noqa

    total = 0
    errors = []
    for o in outcomes:
        by_line = {}  # (cell or None, line) -> codes
        for f in o.findings:
            if f.code == "BN000":
                continue
            line = f.line if f.stmt_lines[1] in (0, f.line) else f.stmt_lines[1]
            by_line.setdefault((f.cell, line), set()).add(f.code)
        if not by_line:
            continue
        try:
            src = read_source(o.path, 0, digest=True)
        except SourceError as exc:
            errors.append(f"{o.path}: cannot add noqa directives: {exc}")
            continue
        if o.content_digest is not None and o.content_digest != src.digest:
            errors.append(f"{o.path}: the file changed on disk while bnlint was running; no noqa directives were added (run bnlint again)")
            continue
        if src.is_notebook:
            # Each cell's own source gets its comments; the notebook's JSON keeps everything else.
            from bnlint.notebooks import with_cell_sources

            texts = src.cell_texts or {}
            changed = {}
            for cell in {c for c, _ in by_line}:
                if cell in texts:
                    cell_text = add_noqa(texts[cell], {line: codes for (c, line), codes in by_line.items() if c == cell})
                    if cell_text != texts[cell]:
                        changed[cell] = cell_text
            if not changed:
                continue
            new = with_cell_sources(src.raw or "", changed)
            if new is None:
                errors.append(f"{o.path}: the cells could not be written back into the notebook exactly; no noqa directives were added")
                continue
            original = src.raw
        else:
            new = add_noqa(src.text, {line: codes for (_, line), codes in by_line.items()})
            original = src.text
            if new == src.text:
                continue
        error = write_fixed(FileOutcome(path=o.path, new_text=new, original_text=original, content_digest=src.digest, encoding=src.encoding))
        if error:
            errors.append(error)
        else:
            total += sum(len(c) for c in by_line.values())
    if not quiet:
        stream.write(f"Added {total} noqa directive{'s' if total != 1 else ''}.\n")
    for e in errors:
        sys.stderr.write(f"bnlint: error: {e}\n")
    return EXIT_ERROR if errors else EXIT_OK


def run_rule(argv: Sequence[str]) -> int:
    from bnlint.argparsing import Parser

    p = Parser(prog="bnlint rule", description="Show a rule's documentation.")
    p.add_argument("rule", nargs="?", help="rule code (BN002) or name (momentum-zero-freeze)")
    p.add_argument("--all", action="store_true", help="print the docs of every rule")
    p.add_argument("--output-format", "--format", dest="format", choices=("text", "json"), default="text")
    args = p.parse_args(list(argv))
    from bnlint.registry import find_rule, load_rules

    load_rules(lazy=True)  # the docs need no libcst

    if args.all:
        rules = load_rules()
    else:
        if not args.rule:
            p.error("give a rule code or name, or --all")
        rule = find_rule(args.rule)
        if rule is None:
            sys.stderr.write(f"bnlint: error: unknown rule {args.rule!r}; `bnlint rules` lists them\n")
            return EXIT_ERROR
        rules = [rule]
    if args.format == "json":
        import json

        data = [_rule_json(r) for r in rules]
        json.dump(data if args.all else data[0], sys.stdout, indent=2)
        sys.stdout.write("\n")
        return EXIT_OK
    for r in rules:
        sys.stdout.write(rule_markdown(r) + "\n")
    return EXIT_OK


def _rule_json(r) -> dict:
    return {
        "code": r.code,
        "name": r.name,
        "severity": r.severity,
        "default": r.default_enabled,
        "fix": r.fix_availability,
        "summary": r.summary,
        "options": [{"name": o.name, "default": o.default, "help": o.help} for o in r.options],
        "explanation": r.docs(),
    }


def rule_markdown(r) -> str:
    head = f"# {r.name} ({r.code})\n\n"
    fix = {None: "Fix is not available.", "safe": "Fix is always available (safe).", "unsafe": "Fix is available (unsafe: review it).", "sometimes": "Fix is sometimes available."}[r.fix_availability]
    meta = f"Severity: {r.severity}. {'Enabled by default' if r.default_enabled else 'Opt-in (enable with --extend-select ' + r.code + ')'}. {fix}\n"
    if r.options:
        meta += "Options: " + ", ".join(f"`{o.name}` (default {o.default!r}): {o.help}" for o in r.options) + "\n"
    return head + meta + "\n" + r.docs() + "\n"


def run_rules(argv: Sequence[str]) -> int:
    from bnlint.argparsing import Parser

    p = Parser(prog="bnlint rules", description="List all rules.")
    p.add_argument("--output-format", "--format", dest="format", choices=("text", "json"), default="text")
    args = p.parse_args(list(argv))
    from bnlint.registry import load_rules

    rules = load_rules(lazy=True)  # the table needs no libcst
    if args.format == "json":
        import json

        json.dump([_rule_json(r) for r in rules], sys.stdout, indent=2)
        sys.stdout.write("\n")
        return EXIT_OK
    rows = [("code", "name", "default", "fixable", "severity")]
    for r in rules:
        rows.append((r.code, r.name, "on" if r.default_enabled else "opt-in", r.fix_availability or "-", r.severity))
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    for row in rows:
        sys.stdout.write("  ".join(c.ljust(w) for c, w in zip(row, widths)).rstrip() + "\n")
    return EXIT_OK


def run_clean(argv: Sequence[str]) -> int:
    from bnlint.argparsing import Parser

    p = Parser(prog="bnlint clean", description="Remove the cache directory.")
    p.add_argument("--cache-dir", help="cache directory to remove (default: from config, or .bnlint_cache)")
    args = p.parse_args(list(argv))
    import shutil

    from bnlint.config import ConfigError, load_settings

    try:
        settings = load_settings(["."])
    except ConfigError as exc:
        sys.stderr.write(f"bnlint: error: {exc}\n")
        return EXIT_ERROR
    from bnlint.cache import default_cache_dir

    target = args.cache_dir or default_cache_dir(settings)
    if os.path.isdir(target):
        shutil.rmtree(target, ignore_errors=True)
        sys.stdout.write(f"Removed cache at {target}\n")
    else:
        sys.stdout.write(f"No cache at {target}\n")
    return EXIT_OK


def main(argv: Optional[Sequence[str]] = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv == ["--version"]:  # fast path: no argparse, no config, no rules
        sys.stdout.write(f"bnlint {__version__}\n")
        return EXIT_OK
    try:
        if argv and argv[0] in SUBCOMMANDS:
            cmd, rest = argv[0], argv[1:]
            if cmd == "check":
                return run_check(rest)
            if cmd == "rule":
                return run_rule(rest)
            if cmd == "rules":
                return run_rules(rest)
            if cmd == "clean":
                return run_clean(rest)
            if cmd == "version":
                sys.stdout.write(f"bnlint {__version__}\n")
                return EXIT_OK
            if cmd == "lsp":
                try:
                    from bnlint.lsp import main as lsp_main
                except ImportError as exc:
                    sys.stderr.write(f"bnlint: error: the language server needs its extra: pip install 'bnlint[lsp]' ({exc})\n")
                    return EXIT_ERROR
                return lsp_main(rest)
            if cmd == "trace":
                try:
                    from bnlint.runtime.cli import main as trace_main
                except ImportError as exc:
                    sys.stderr.write(f"bnlint: error: runtime mode needs its extra: pip install 'bnlint[runtime]' ({exc})\n")
                    return EXIT_ERROR
                return trace_main(rest)
        return run_check(argv)
    except SystemExit as exc:
        return exc.code if isinstance(exc.code, int) else EXIT_ERROR
    except KeyboardInterrupt:
        sys.stderr.write("bnlint: interrupted\n")
        return 130
    except BrokenPipeError:
        return EXIT_OK
    except Exception as exc:  # last resort: one clear line, never a bare traceback
        import traceback

        sys.stderr.write(f"bnlint: internal error: {type(exc).__name__}: {exc}\n")
        if os.environ.get("BNLINT_DEBUG"):
            traceback.print_exc()
        else:
            sys.stderr.write("(set BNLINT_DEBUG=1 for the traceback, and please report it)\n")
        return EXIT_ERROR
