"""A ruff-like cache: one packed file of findings per (bnlint build, effective settings).

Layout: ``<cache-dir>/<version>/<key>.json`` where ``key`` digests the bnlint
version, the code of bnlint and its rules (sizes and mtimes of their files, so
a rule edited in a development checkout never serves stale answers), the
effective settings and the project root.  The file maps each linted file's
absolute path to::

    [mtime_ns, size, inode, content_hash, findings, deps, checked_s]

where ``deps`` lists indices into the file's shared ``deps`` table of ``[path, signature]``
pairs (one framework file can rest on thousands of project paths; most are shared).

A file is unchanged when its (mtime, size, inode) match and the entry is not
"racily clean" (its stat taken within two seconds of the file's mtime, like
git's index), or else when its content hash matches.  ``deps`` records the project
modules that the analysis consulted through :class:`bnlint.inventory.ProjectIndex`
(``from models import Net`` decides whether ``Net`` holds BatchNorm), each with
its own (mtime, size, hash), or ``None`` for a module path that was probed and
did not exist; editing (or creating) one of them invalidates the entry.  A dependency on the
callers of a helper (``bnlint.callers``) is one on the project's whole Python file list.

JSON, not pickle: a cache directory checked into an untrusted repository must
not be able to run code.  Writes go to a temporary file that is renamed over
the old one, so concurrent runs never see half a file (the last writer wins;
each merges in what the others wrote since it loaded).  A corrupt or
unreadable cache file is ignored and rewritten.
"""
from __future__ import annotations

import os
import sys
import time

from bnlint import __version__
from bnlint.project_files import TREE_DEPENDENCY, tree_signature
from bnlint.rule import Finding
from bnlint.sources import blake2b, content_hash  # noqa: F401 (content_hash: the cache's content key, re-exported)

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing (a few ms of every start)
if TYPE_CHECKING:  # pragma: no cover
    from typing import Any, Dict, Iterable, List, Optional, Sequence, Tuple

CACHE_FORMAT = 3
_RACY_NS = 2_000_000_000  # stat-equal entries written this soon after the file's mtime are re-hashed
_PRUNE_S = 30 * 86400  # entries not seen for this long are dropped when the cache is rewritten
_REFRESH_S = 86400  # a hit refreshes its entry's clock (forcing a write) at most this often


def default_cache_dir(settings) -> str:
    if settings.cache_dir:
        base = settings.cache_dir
        if not os.path.isabs(base) and settings.config_path:
            base = os.path.join(os.path.dirname(settings.config_path), base)
        return base
    env = os.environ.get("BNLINT_CACHE_DIR")
    if env:
        return env
    return os.path.join(settings.project_root, ".bnlint_cache")


def code_fingerprint() -> str:
    """Sizes and mtimes of bnlint's own modules and of the loaded rule modules."""
    from bnlint.registry import load_rules

    load_rules()
    folders = [os.path.dirname(os.path.abspath(__file__))]
    rules = sys.modules.get("bnlint.rules")
    if rules is not None:
        folders.extend(getattr(rules, "__path__", []))
    h = blake2b(digest_size=12)
    for folder in folders:
        try:
            names = sorted(os.listdir(folder))
        except OSError:
            continue
        for name in names:
            if name.endswith(".py"):
                try:
                    st = os.stat(os.path.join(folder, name))
                except OSError:
                    continue
                h.update(f"{folder}/{name}:{st.st_size}:{st.st_mtime_ns};".encode("utf-8", "surrogateescape"))
    return h.hexdigest()


def _finding_to_data(f: Finding) -> Dict[str, Any]:
    data = f.to_json()
    data.pop("url", None)
    data.pop("path", None)
    data["stmt_lines"] = list(f.stmt_lines)
    return data


def _finding_from_data(data: Dict[str, Any], path: str) -> Finding:
    data = dict(data)
    data["path"] = path
    return Finding.from_json(data)


if TYPE_CHECKING:  # pragma: no cover
    FileState = Optional[Tuple[int, int, int]]  # (mtime_ns, size, inode); None: absent


def stat_state(path: str) -> FileState:
    try:
        st = os.stat(path)
    except OSError:
        return None
    return (st.st_mtime_ns, st.st_size, st.st_ino)


def _create_temp_file(folder: str) -> Tuple[int, str]:
    """``tempfile.mkstemp(dir=folder, prefix=".tmp-", suffix=".json")`` without ``tempfile``, which
    imports ``shutil`` and ``random`` (a few ms of a run that writes the cache)."""
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0) | getattr(os, "O_NOFOLLOW", 0)
    for _ in range(100):
        path = os.path.join(folder, f".tmp-{os.urandom(6).hex()}.json")
        try:
            return os.open(path, flags, 0o600), path
        except FileExistsError:
            continue
    raise FileExistsError(f"no free temporary file name in {folder}")


class Cache:
    """Findings per file for one bnlint build and one set of effective settings."""

    def __init__(self, directory: str, settings) -> None:
        self.root = directory
        import json  # here, not at module level: --no-cache runs import this module but not json

        settings_fp = settings.fingerprint()  # loads the rules first: code_fingerprint() covers their files
        material = json.dumps([CACHE_FORMAT, __version__, code_fingerprint(), settings_fp, os.path.abspath(settings.project_root)])
        key = blake2b(material.encode("utf-8", "surrogateescape"), digest_size=12).hexdigest()
        self.path = os.path.join(directory, __version__, key + ".json")
        self._entries: Optional[Dict[str, list]] = None
        self._loaded_state: FileState = None
        self._changed: Dict[str, list] = {}
        self._dirty = False
        self._now = int(time.time())  # taken before any file is stat'ed: conservative for racy checks
        self._dep_memo: Dict[str, Optional[list]] = {}
        self._stat_memo: Dict[str, Optional[Tuple[int, int]]] = {}
        # The loaded file's table of [path, signature] pairs that entries' ``deps`` index into;
        # entries written by this run keep a {path: signature} dict until they are saved.
        self._table: List[list] = []
        self._table_valid: Dict[int, bool] = {}

    # --- reading ---------------------------------------------------------------
    def _read_file(self) -> Tuple[Dict[str, list], List[list]]:
        import json

        try:
            with open(self.path, "rb") as fh:
                data = json.loads(fh.read())
        except (OSError, ValueError, UnicodeDecodeError):
            return {}, []
        if (
            not isinstance(data, dict)
            or data.get("format") != CACHE_FORMAT
            or not isinstance(data.get("entries"), dict)
            or not isinstance(data.get("deps"), list)
        ):
            return {}, []
        return data["entries"], data["deps"]

    def _load(self) -> Dict[str, list]:
        if self._entries is None:
            self._loaded_state = stat_state(self.path)
            self._entries, self._table = self._read_file()
            if self._loaded_state is not None and not self._entries:
                self._dirty = True  # corrupt or foreign: rewrite it
        return self._entries

    def _table_entry_valid(self, i: Any) -> bool:
        known = self._table_valid.get(i)
        if known is None:
            try:
                path, sig = self._table[i]
                known = isinstance(path, str) and self._dep_valid(path, sig)
            except (TypeError, ValueError, IndexError):
                known = False
            self._table_valid[i] = known
        return known

    def _dep_signature(self, path: str) -> Optional[list]:
        """[mtime_ns, size, hash] of a consulted project module, or None when it does not exist."""
        if path in self._dep_memo:
            return self._dep_memo[path]
        sig: Optional[list] = None
        if path.startswith(TREE_DEPENDENCY):
            # The project's whole file list (``bnlint.callers``): a caller added, removed or edited.
            sig = self._dep_memo[path] = tree_signature(path)
            return sig
        try:
            st = os.stat(path)
            if os.path.isfile(path):
                with open(path, "rb") as fh:
                    sig = [st.st_mtime_ns, st.st_size, content_hash(fh.read())]
        except OSError:
            sig = None
        self._dep_memo[path] = sig
        return sig

    def _dep_valid(self, path: str, old: Optional[list]) -> bool:
        if path.startswith(TREE_DEPENDENCY):
            return old is not None and self._dep_signature(path) == old
        if path not in self._stat_memo:
            try:
                st = os.stat(path)
                self._stat_memo[path] = (st.st_mtime_ns, st.st_size) if os.path.isfile(path) else None
            except OSError:
                self._stat_memo[path] = None
        now = self._stat_memo[path]
        if old is None or now is None:
            return old is None and now is None
        if list(now) == old[:2]:
            return True
        sig = self._dep_signature(path)
        return sig is not None and sig[2] == old[2]

    def lookup(self, abspath: str, state: FileState, read) -> Tuple[Optional[List[dict]], Optional[str]]:
        """Cached finding data for an unchanged file, else None.

        ``read()`` returns the file's bytes; it is called only when the stat
        fast path cannot decide.  Also returns the content hash when it was
        computed (to store it with the fresh answer on a miss).
        """
        entries = self._load()
        entry = entries.get(abspath)
        digest: Optional[str] = None
        if entry is None or state is None:
            return None, None
        try:
            mtime_ns, size, ino, old_hash, findings, deps, checked_s = entry
            racy = checked_s * 1_000_000_000 <= mtime_ns + _RACY_NS
        except (TypeError, ValueError):
            return None, None
        if not racy and state[0] == mtime_ns and state[1] == size and state[2] == ino:
            same = True
        else:
            data = read()
            if data is None:
                return None, None
            digest = content_hash(data)
            same = digest == old_hash
        if not same:
            return None, digest
        if deps:
            if isinstance(deps, dict):  # written by this run, not saved yet
                if not all(self._dep_valid(dep, sig) for dep, sig in deps.items()):
                    return None, digest
            elif not isinstance(deps, list) or not all(self._table_entry_valid(i) for i in deps):
                return None, digest
        if (digest is not None and (racy or state[:3] != (mtime_ns, size, ino))) or self._now - checked_s > _REFRESH_S:
            # Refresh the stat fields (a touched but unchanged file) and the prune clock.
            self._changed[abspath] = [state[0], state[1], state[2], old_hash, findings, deps, self._now]
            self._dirty = True
        return findings, digest

    def findings_for(self, data: List[dict], path: str) -> Optional[List[Finding]]:
        try:
            return [_finding_from_data(d, path) for d in data]
        except (KeyError, TypeError, ValueError, AttributeError):
            return None

    # --- writing ---------------------------------------------------------------
    def put(self, abspath: str, state: FileState, digest: str, findings: Sequence[Finding], deps: Iterable[str]) -> None:
        if state is None:
            return
        dep_sigs = {d: self._dep_signature(d) for d in sorted(deps) if d != abspath}
        self._changed[abspath] = [state[0], state[1], state[2], digest, [_finding_to_data(f) for f in findings], dep_sigs, self._now]
        self._dirty = True

    def save(self) -> None:
        if not self._dirty:
            return
        ours = self._load()
        table: List[list] = list(self._table)
        entries = dict(ours)
        if stat_state(self.path) != self._loaded_state:
            other, other_table = self._read_file()  # another run wrote meanwhile: keep its entries
            merged = _Table(other_table)
            entries = dict(other)
            for k, v in ours.items():
                if k not in entries:
                    entries[k] = merged.reencode(v, self._table)
            table = merged.pairs
        encoder = _Table(table)
        for k, v in self._changed.items():
            entries[k] = encoder.reencode(v, self._table)
        cutoff = self._now - _PRUNE_S
        entries = {
            k: v for k, v in entries.items() if isinstance(v, list) and len(v) == 7 and isinstance(v[6], int) and v[6] >= cutoff and isinstance(v[5], list)
        }
        entries, table = _compact(entries, encoder.pairs)
        folder = os.path.dirname(self.path)
        tmp = None
        try:
            os.makedirs(folder, exist_ok=True)
            _mark_cache_root(self.root)
            import json

            fd, tmp = _create_temp_file(folder)
            # json.dumps, not json.dump: only the one-shot form uses the C encoder (5x faster).
            text = json.dumps({"format": CACHE_FORMAT, "version": __version__, "deps": table, "entries": entries}, separators=(",", ":"))
            with os.fdopen(fd, "w", encoding="utf-8") as fh:
                fh.write(text)
            os.chmod(tmp, 0o644)
            os.replace(tmp, self.path)  # atomic: concurrent runs never see half a file
            tmp = None
        except OSError:
            pass  # a read-only checkout just runs uncached
        finally:
            if tmp is not None:
                try:
                    os.unlink(tmp)
                except OSError:
                    pass
        self._entries = entries
        self._table = table
        self._table_valid = {}
        self._loaded_state = stat_state(self.path)
        self._changed = {}
        self._dirty = False


class _Table:
    """A growing table of unique [path, signature] pairs, for encoding entries' deps as indices."""

    def __init__(self, pairs: List[list]) -> None:
        self.pairs = [p for p in pairs]
        self._index: Dict[tuple, int] = {}
        for i, pair in enumerate(self.pairs):
            try:
                self._index.setdefault(_pair_key(*pair), i)
            except (TypeError, ValueError):
                continue  # a malformed row: never matched

    def add(self, path: str, sig: Optional[list]) -> int:
        key = _pair_key(path, sig)
        i = self._index.get(key)
        if i is None:
            i = self._index[key] = len(self.pairs)
            self.pairs.append([path, sig])
        return i

    def reencode(self, entry: list, source_table: List[list]) -> list:
        """``entry`` with its deps (a {path: sig} dict, or indices into ``source_table``) as indices here."""
        if not isinstance(entry, list) or len(entry) != 7:
            return entry
        deps = entry[5]
        if isinstance(deps, dict):
            indices = [self.add(path, sig) for path, sig in deps.items()]
        elif isinstance(deps, list) and source_table is not self.pairs:
            try:
                indices = [self.add(*source_table[i]) for i in deps]
            except (TypeError, ValueError, IndexError):
                return []  # undecodable: dropped
        else:
            indices = deps
        return entry[:5] + [indices, entry[6]]


def _pair_key(path: str, sig: Optional[list]) -> tuple:
    return (path, tuple(sig) if isinstance(sig, list) else sig)


def _compact(entries: Dict[str, list], table: List[list]) -> Tuple[Dict[str, list], List[list]]:
    """Drop table rows no entry refers to any more (and renumber), so the file does not only grow."""
    used = sorted({i for v in entries.values() for i in v[5] if isinstance(i, int) and 0 <= i < len(table)})
    if len(used) == len(table):
        return entries, table
    renumber = {old: new for new, old in enumerate(used)}
    out = {}
    for k, v in entries.items():
        try:
            out[k] = v[:5] + [[renumber[i] for i in v[5]], v[6]]
        except (KeyError, TypeError):
            continue  # refers to a row that does not exist: a miss next time anyway
    return out, [table[i] for i in used]


def _mark_cache_root(root: str) -> None:
    gitignore = os.path.join(root, ".gitignore")
    if not os.path.exists(gitignore):
        with open(gitignore, "w") as fh:
            fh.write("# Automatically created by bnlint.\n*\n")
    tag = os.path.join(root, "CACHEDIR.TAG")
    if not os.path.exists(tag):
        with open(tag, "w") as fh:
            fh.write("Signature: 8a477f597d28d172789f06886806bc55\n# This file is a cache directory tag created by bnlint.\n")
