"""The project's Python files, for answers that rest on all of them (``bnlint.callers``).

Kept apart from the analysis so that the cache, which validates such answers by the file list's
signature, does not import the analysis to do it.
"""
from __future__ import annotations

import os
import stat

from bnlint.config import DEFAULT_EXCLUDES

TYPE_CHECKING = False
if TYPE_CHECKING:  # pragma: no cover
    from typing import List, Optional, Tuple

# A cache dependency on the whole project's Python file list (paths, sizes, mtimes), not on one file:
# ``bnlint.cache`` computes its signature with ``tree_signature``.
TREE_DEPENDENCY = "project-tree:"
_PROJECT_MARKERS = (".git", "pyproject.toml", "setup.py", "setup.cfg")
# Beyond this many Python files the callers are not looked for (a monorepo: reading it all for one
# helper would cost more than the answer is worth); the parameter stays unknown, as before.
MAX_PROJECT_FILES = 4000


def project_scope(path: str, root: Optional[str]) -> str:
    """The folder whose Python files may call into ``path``."""
    path = os.path.abspath(path)
    folder = os.path.dirname(path)
    if root and (folder == root or folder.startswith(root.rstrip(os.sep) + os.sep)):
        return root
    d = folder
    for _ in range(8):
        if any(os.path.exists(os.path.join(d, marker)) for marker in _PROJECT_MARKERS):
            return d
        parent = os.path.dirname(d)
        if parent == d:
            break
        d = parent
    d = folder
    while os.path.isfile(os.path.join(d, "__init__.py")) and os.path.dirname(d) != d:
        d = os.path.dirname(d)
    return d


def project_files(scope: str) -> Optional[List[Tuple[str, int, int]]]:
    """(path, mtime_ns, size) of the Python files under ``scope``, sorted; None when there are more
    than ``MAX_PROJECT_FILES`` or the folder cannot be read."""
    out: List[Tuple[str, int, int]] = []
    for folder, dirs, files in os.walk(scope):
        # The default excludes (virtual environments, build output) and hidden folders are no callers.
        dirs[:] = sorted(d for d in dirs if d not in DEFAULT_EXCLUDES and not d.startswith(".") and not d.endswith(".egg-info"))
        for name in files:
            if name.endswith(".py"):
                p = os.path.join(folder, name)
                try:
                    st = os.stat(p)
                except OSError:
                    continue
                if not stat.S_ISREG(st.st_mode):
                    continue  # a FIFO or device named `*.py`: reading it would block, and it is no module
                out.append((p, st.st_mtime_ns, st.st_size))
                if len(out) > MAX_PROJECT_FILES:
                    return None
    out.sort()
    return out


def tree_signature(dependency: str) -> Optional[list]:
    """The cache signature of a ``TREE_DEPENDENCY`` entry: [0, file count, digest of the listing]."""
    from bnlint.sources import content_hash

    files = project_files(dependency[len(TREE_DEPENDENCY):])
    if files is None:
        return None
    listing = "\n".join(f"{p}\t{m}\t{s}" for p, m, s in files).encode("utf-8", "surrogateescape")
    return [0, len(files), content_hash(listing)]


