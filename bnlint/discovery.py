"""Which files to lint: recursive discovery, default and configured excludes, .gitignore."""
from __future__ import annotations

import fnmatch
import os
import re

from bnlint.config import Settings
from bnlint.records import field, record

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing (a few ms of every start)
if TYPE_CHECKING:  # pragma: no cover
    from typing import Dict, List, Optional, Sequence, Set, Tuple

SOURCE_SUFFIXES = (".py", ".pyi", ".ipynb")


@record
class Discovery:
    files: List[str] = field(default_factory=list)
    errors: List[str] = field(default_factory=list)  # fatal: a missing path
    warnings: List[str] = field(default_factory=list)  # reported, the run goes on


_exclude_matchers: Dict[Tuple[str, ...], Tuple[Optional["re.Pattern[str]"], Optional["re.Pattern[str]"]]] = {}


def _matchers(settings: Settings) -> Tuple[Optional["re.Pattern[str]"], Optional["re.Pattern[str]"]]:
    """The exclude globs as two regular expressions: for the relative path, and for one of its parts.

    Same semantics as ``fnmatch`` per pattern (a pattern matches the path, a folder prefix of it,
    or, without a slash, any single part), compiled once instead of tried path by path.
    """
    key = tuple(settings.exclude) + tuple(settings.extend_exclude)
    found = _exclude_matchers.get(key)
    if found is None:
        whole: List[str] = []
        part: List[str] = []
        for pattern in key:
            pat = os.path.normcase(pattern.rstrip("/"))
            whole += [fnmatch.translate(pat), fnmatch.translate(pat + "/*")]
            if "/" not in pat:
                part.append(fnmatch.translate(pat))
        found = (re.compile("|".join(whole)) if whole else None, re.compile("|".join(part)) if part else None)
        _exclude_matchers[key] = found
    return found


def _excluded(path: str, settings: Settings) -> bool:
    whole, part = _matchers(settings)
    rel = os.path.normcase(settings.relpath(path))
    if whole is not None and whole.match(rel):
        return True
    return part is not None and any(part.match(p) for p in rel.split("/"))


def _git_ignored(paths: Sequence[str]) -> Set[str]:
    """The subset of ``paths`` that git ignores (empty when git or a work tree is absent)."""
    if not paths:
        return set()
    by_dir = {}
    for p in paths:
        by_dir.setdefault(os.path.dirname(os.path.abspath(p)) or ".", []).append(p)
    ignored: Set[str] = set()
    # One call per top-level root is enough: git resolves nested .gitignore files itself.
    roots = {}
    for d in by_dir:
        roots.setdefault(d, []).extend(by_dir[d])
    for cwd, group in _group_by_repo(roots):
        try:
            import subprocess

            proc = subprocess.run(
                ["git", "check-ignore", "--stdin", "-z"],
                input="\0".join(os.path.abspath(p) for p in group).encode(),
                cwd=cwd,
                capture_output=True,
                timeout=30,
            )
        except (OSError, subprocess.SubprocessError):
            continue
        if proc.returncode in (0, 1):
            ignored.update(x.decode(errors="replace") for x in proc.stdout.split(b"\0") if x)
    return {p for p in paths if os.path.abspath(p) in ignored}


def _work_tree(d: str, cache: Dict[str, str]) -> str:
    """The git work tree holding folder ``d`` ("" if none): the nearest ancestor with a `.git`
    (a folder, or a file for worktrees and submodules). No `git` process per folder."""
    trail: List[str] = []
    cur = os.path.abspath(d)
    top = ""
    while True:
        if cur in cache:
            top = cache[cur]
            break
        trail.append(cur)
        if os.path.exists(os.path.join(cur, ".git")):
            top = cur
            break
        parent = os.path.dirname(cur)
        if parent == cur:
            break
        cur = parent
    for t in trail:
        cache[t] = top
    return top


def _group_by_repo(dirs):
    """Group directories by git work tree (one `git check-ignore` per repository)."""
    cache: Dict[str, str] = {}
    groups: Dict[str, list] = {}
    for d, files in dirs.items():
        top = _work_tree(d, cache)
        if top:
            groups.setdefault(top, []).extend(files)
    return list(groups.items())


def discover(paths: Sequence[str], settings: Settings) -> Discovery:
    out = Discovery()
    found: List[str] = []
    walked: List[str] = []
    seen: Set[str] = set()
    for raw in paths:
        if raw == "-":
            found.append("-")
            continue
        if not os.path.exists(raw):
            out.errors.append(f"{raw}: no such file or directory")
            continue
        if os.path.isfile(raw):
            if settings.force_exclude and _excluded(raw, settings):
                continue
            key = os.path.abspath(raw)
            if key not in seen:
                seen.add(key)
                found.append(raw)
            continue
        if not os.access(raw, os.R_OK | os.X_OK):
            out.warnings.append(f"{raw}: permission denied: directory not linted")
            continue

        def onerror(exc: OSError) -> None:
            out.warnings.append(f"{exc.filename}: cannot read directory: {exc.strerror}")

        for dirpath, dirnames, filenames in os.walk(raw, onerror=onerror):
            dirnames[:] = sorted(d for d in dirnames if not _excluded(os.path.join(dirpath, d), settings))
            for name in sorted(filenames):
                if not name.endswith(SOURCE_SUFFIXES):
                    continue
                p = os.path.normpath(os.path.join(dirpath, name))
                if _excluded(p, settings):
                    continue
                key = os.path.abspath(p)
                if key not in seen:
                    seen.add(key)
                    walked.append(p)
    if settings.respect_gitignore and walked:
        ignored = _git_ignored(walked)
        walked = [p for p in walked if p not in ignored]
    out.files = found + walked
    return out
