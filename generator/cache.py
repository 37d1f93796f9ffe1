"""Parse results cached by content hash: in memory for a run, on disk across runs.

The on-disk cache lives in ``.fgen-cache/<key>/`` where the key covers fgen's and both parsers'
versions, so an upgrade never trusts an old verdict. It only ever answers "this exact text parses
to this": a hand-edited file has another hash, so the cache cannot hide a change. Deleting the
folder is always safe; an unreadable entry is ignored and recomputed.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any

import hcl2
import pygohcl

from . import __version__


def _dist_version(name: str) -> str:
    try:
        return version(name)
    except PackageNotFoundError:  # pragma: no cover - both are install requirements
        return "unknown"


CACHE_KEY = f"fgen-{__version__}_pygohcl-{_dist_version('pygohcl')}_python-hcl2-{_dist_version('python-hcl2')}"


class ParseCache:
    def __init__(self, folder: Path | None = None):
        self.memory: dict[str, tuple[dict[str, Any], str | None]] = {}
        self.folder = folder / CACHE_KEY if folder is not None else None
        self.hits = 0
        self.misses = 0

    def parse(self, text: str) -> tuple[dict[str, Any], str | None]:
        digest = hashlib.sha256(text.encode("utf-8")).hexdigest()
        found = self.memory.get(digest)
        if found is None and self.folder is not None:
            found = self._load(digest)
        if found is not None:
            self.hits += 1
            self.memory[digest] = found
            return found
        self.misses += 1
        found = _parse(text)
        self.memory[digest] = found
        if self.folder is not None:
            self._store(digest, found)
        return found

    def _path(self, digest: str) -> Path:
        assert self.folder is not None
        return self.folder / digest[:2] / f"{digest}.json"

    def _load(self, digest: str) -> tuple[dict[str, Any], str | None] | None:
        try:
            entry = json.loads(self._path(digest).read_text(encoding="utf-8"))
            if entry.get("digest") != digest or not isinstance(entry.get("result"), dict):
                return None
            return entry["result"], entry.get("error")
        except (OSError, ValueError, AttributeError):
            return None

    def _store(self, digest: str, found: tuple[dict[str, Any], str | None]) -> None:
        path = self._path(digest)
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")
            with os.fdopen(fd, "w", encoding="utf-8") as handle:
                json.dump({"digest": digest, "result": found[0], "error": found[1]}, handle)
            os.replace(tmp, path)
        except OSError:
            pass  # a read-only or full disk only costs speed


def _parse(text: str) -> tuple[dict[str, Any], str | None]:
    """Both parsers must accept the text; the Go parser's result is the one the checks read."""
    try:
        result = pygohcl.loads(text)
    except Exception as exc:  # pygohcl raises several types, all meaning "does not parse"
        return {}, f"Terraform's HCL parser: {exc}"
    try:
        hcl2.loads(text)
    except Exception as exc:  # lark errors carry line and column
        return {}, f"python-hcl2: {str(exc).splitlines()[0] if str(exc) else type(exc).__name__}"
    return _jsonable(result), None


def _jsonable(value: Any) -> Any:
    return json.loads(json.dumps(value, default=str))
