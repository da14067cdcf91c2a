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


_exclude_matchers: Dict[Tuple[str, ...], "_Matchers"] = {}

if TYPE_CHECKING:  # pragma: no cover
    # (path or a folder above it, the path itself, one part of it)
    _Matchers = Tuple[Optional["re.Pattern[str]"], Optional["re.Pattern[str]"], Optional["re.Pattern[str]"]]


def _matchers(settings: Settings) -> "_Matchers":
    """The exclude globs as regular expressions: for the relative path or a folder prefix of it, for
    the path itself, and for one of its parts (patterns without a slash).

    Same semantics as ``fnmatch`` per pattern, compiled once instead of tried path by path.
    """
    key = tuple(settings.exclude) + tuple(settings.extend_exclude)
    found = _exclude_matchers.get(key)
    if found is None:
        whole: List[str] = []
        exact: List[str] = []
        part: List[str] = []
        for pattern in key:
            pat = os.path.normcase(pattern.rstrip("/"))
            exact.append(fnmatch.translate(pat))
            whole += [fnmatch.translate(pat), fnmatch.translate(pat + "/*")]
            if "/" not in pat:
                part.append(fnmatch.translate(pat))
        found = tuple(re.compile("|".join(x)) if x else None for x in (whole, exact, part))  # type: ignore[assignment]
        _exclude_matchers[key] = found
    return found


def _excluded(path: str, settings: Settings) -> bool:
    """Is ``path`` excluded, itself or through a folder above it?  (``--force-exclude`` on a path
    named on the command line, which ruff checks the same way.)"""
    whole, _, part = _matchers(settings)
    rel = os.path.normcase(settings.relpath(path))
    if whole is not None and whole.match(rel):
        return True
    return part is not None and any(part.match(p) for p in rel.split("/"))


def _entry_excluded(path: str, name: str, settings: Settings) -> bool:
    """Is a file or folder met *below* a path the user named excluded?  Its own name, or its whole
    path from the project root, must match: the folders above the named path never count, so
    `bnlint env/proj` or `bnlint /srv/build/repo` lint what they name (as in ruff).  Folders
    between the two were matched, and pruned, as the walk passed them."""
    _, exact, part = _matchers(settings)
    if part is not None and part.match(os.path.normcase(name)):
        return True
    return exact is not None and exact.match(os.path.normcase(settings.relpath(path))) is not None


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


def _not_regular(path: str) -> Optional[str]:
    """Why ``path`` (which exists, or is a link) is not a file that can be read as source."""
    import stat

    try:
        st = os.stat(path)
    except OSError as exc:
        if os.path.islink(path):
            return f"broken symbolic link (to {os.readlink(path)}): not linted"
        return f"cannot read: {exc.strerror or exc}"
    if stat.S_ISREG(st.st_mode) or stat.S_ISDIR(st.st_mode):
        return None
    kind = "a FIFO" if stat.S_ISFIFO(st.st_mode) else "a socket" if stat.S_ISSOCK(st.st_mode) else "a device" if stat.S_ISCHR(st.st_mode) or stat.S_ISBLK(st.st_mode) else "a special file"
    return f"not a regular file ({kind}): not linted"


def discover(paths: Sequence[str], settings: Settings) -> Discovery:
    """The files to lint under ``paths``.  Files are told apart by their real path, so a file
    reached through a link (or named twice) is linted once.  Only regular files are read: a FIFO
    would block the run, a device would never end."""
    out = Discovery()
    found: List[str] = []
    walked: List[str] = []
    seen: Set[str] = set()
    for raw in paths:
        if raw == "-":
            found.append("-")
            continue
        if not os.path.lexists(raw):
            out.errors.append(f"{raw}: no such file or directory")
            continue
        why = _not_regular(raw)
        if why is not None:
            out.errors.append(f"{raw}: {why}")
            continue
        if not os.path.isdir(raw):
            if settings.force_exclude and _excluded(raw, settings):
                continue
            key = os.path.realpath(raw)
            if key not in seen:
                seen.add(key)
                found.append(raw)
            continue
        if not os.access(raw, os.R_OK | os.X_OK):
            out.warnings.append(f"{raw}: permission denied: directory not linted")
            continue
        if settings.force_exclude and _excluded(raw, settings):
            continue
        _walk(raw, settings, seen, walked, out.warnings)
    if settings.respect_gitignore and walked:
        ignored = _git_ignored(walked)
        walked = [p for p in walked if p not in ignored]
    out.files = found + walked
    return out


def _walk(top: str, settings: Settings, seen: Set[str], walked: List[str], warnings: List[str]) -> None:
    """Source files below ``top`` in sorted order (folders are not followed through links, as
    ``os.walk`` does not).  ``os.scandir``'s entries know their type without a ``stat`` per file,
    so telling regular files from FIFOs and broken links costs nothing extra."""
    stack = [os.path.normpath(top)]
    while stack:
        folder = stack.pop()
        try:
            with os.scandir(folder) as it:
                entries = sorted(it, key=lambda e: e.name)
        except OSError as exc:
            warnings.append(f"{exc.filename or folder}: cannot read directory: {exc.strerror}")
            continue
        real_folder: Optional[str] = None
        subfolders: List[str] = []
        for entry in entries:
            name = entry.name
            path = os.path.join(folder, name) if folder != os.curdir else name
            try:
                is_dir = entry.is_dir(follow_symlinks=False)
            except OSError:
                continue
            if is_dir:
                if not _entry_excluded(path, name, settings):
                    subfolders.append(path)
                continue
            if not name.endswith(SOURCE_SUFFIXES):
                continue
            try:
                regular = entry.is_file()  # follows a link; False for FIFOs, sockets, broken links
            except OSError:
                regular = False
            if not regular or _entry_excluded(path, name, settings):
                continue
            if entry.is_symlink():
                key = os.path.realpath(path)
            else:
                if real_folder is None:
                    real_folder = os.path.realpath(folder)
                key = os.path.join(real_folder, name)
            if key not in seen:
                seen.add(key)
                walked.append(path)
        stack.extend(reversed(subfolders))
