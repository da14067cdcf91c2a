"""A ruff-like cache: findings per file, keyed by content hash, bnlint version and settings."""
from __future__ import annotations

import hashlib
import json
import os
import tempfile
from typing import List, Optional

from bnlint import __version__
from bnlint.rule import Finding


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


class Cache:
    """One small JSON file per (file content, version, settings); atomic writes, corrupt files ignored."""

    def __init__(self, directory: str, settings_fingerprint: str) -> None:
        self.directory = os.path.join(directory, __version__, settings_fingerprint)
        self._ready = False

    @staticmethod
    def key(path: str, data: bytes) -> str:
        h = hashlib.blake2b(data, digest_size=20)
        h.update(b"\0" + os.path.abspath(path).encode("utf-8", "surrogateescape"))
        return h.hexdigest()

    def get(self, key: str) -> Optional[List[Finding]]:
        try:
            with open(os.path.join(self.directory, key[:2], key), "r", encoding="utf-8") as fh:
                data = json.load(fh)
            return [Finding.from_json(d) for d in data]
        except (OSError, ValueError, KeyError, TypeError):
            return None

    def put(self, key: str, findings: List[Finding]) -> None:
        folder = os.path.join(self.directory, key[:2])
        try:
            if not self._ready:
                os.makedirs(self.directory, exist_ok=True)
                gitignore = os.path.join(os.path.dirname(os.path.dirname(self.directory)), ".gitignore")
                if not os.path.exists(gitignore):
                    with open(gitignore, "w") as fh:
                        fh.write("# Automatically created by bnlint.\n*\n")
                self._ready = True
            os.makedirs(folder, exist_ok=True)
            payload = [dict(f.to_json(), stmt_lines=list(f.stmt_lines)) for f in findings]
            fd, tmp = tempfile.mkstemp(dir=folder, prefix=".tmp-")
            with os.fdopen(fd, "w", encoding="utf-8") as fh:
                json.dump(payload, fh)
            os.replace(tmp, os.path.join(folder, key))  # atomic: concurrent runs never see half a file
        except OSError:
            pass  # a read-only checkout just runs uncached
