"""Parse-back without repeated work: parses shared within a run, whole-tree verdicts across runs.

Two levels, both keyed by content hashes, so neither can hide a change:

* in memory, for one process: ``parse(text)`` returns the parse of each distinct text once, so a
  module rendered identically for a hundred customers is parsed once per worker;
* on disk, under ``.fgen-cache/<key>/trees/``: one small file per *clean* tree, named by the hash of
  every parsed (``.tf``, ``.hcl``, ``.tfvars``) path and text in it. A no-op ``render --check`` whose planned tree hashes to
  a known-clean verdict skips parsing and the cross-unit checks altogether. A hand-edited file,
  another template, another manifest: another hash, a full check. Only clean verdicts are stored;
  problems are always recomputed and reported. Under ``python-hcl2/``, an empty file per text
  python-hcl2 has read without error, so the slow second parser reads each module once, ever.

The ``<key>`` folder covers fgen's version, a hash of fgen's own source and both parsers' versions:
an upgrade (or a local edit of fgen) never trusts an old verdict. Deleting ``.fgen-cache/`` is
always safe; an unreadable or corrupted entry is a miss.

Parsers: every file is parsed by Terraform's own HCL parser (pygohcl), whose result the checks read.
``second_parser=True`` (``fgen validate``, ``render --strict-parse``) also parses every file with
python-hcl2, an independent implementation: it catches text that Terraform's parser accepts but other
HCL tooling (editors, linters, python-hcl2 users) would not. It costs about 25 times as much as the
Go parser, so it is not on the hot path of ``render`` (see docs/performance.md).
"""

from __future__ import annotations

import hashlib
import json
import os
from functools import lru_cache
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any

from . import __version__

ParseResult = tuple[dict[str, Any], "str | None"]

#: the files parse-back reads (validate.parse_tree) and so the files a tree's verdict covers
PARSED_SUFFIXES = (".tf", ".hcl", ".tfvars")


def _dist_version(name: str) -> str:
    try:
        return version(name)
    except PackageNotFoundError:  # pragma: no cover - both are install requirements
        return "unknown"


@lru_cache(maxsize=1)
def cache_key() -> str:
    """The cache folder's name: changes whenever fgen, its source or a parser changes."""
    source = hashlib.sha256()
    package = Path(__file__).resolve().parent
    for path in sorted(package.rglob("*.py")):
        source.update(path.relative_to(package).as_posix().encode())
        source.update(path.read_bytes())
    return (f"fgen-{__version__}-{source.hexdigest()[:12]}_pygohcl-{_dist_version('pygohcl')}"
            f"_python-hcl2-{_dist_version('python-hcl2')}")


def tree_digest(tree: dict[str, str], prefix: str, second_parser: bool) -> str:
    """The hash of every file a tree's verdict depends on (besides fgen's version)."""
    digest = hashlib.sha256(f"{prefix}\0{int(second_parser)}\0".encode())
    for path in sorted(tree):
        if path.endswith(PARSED_SUFFIXES):
            digest.update(path.encode("utf-8") + b"\0")
            digest.update(hashlib.sha256(tree[path].encode("utf-8")).digest())
    return digest.hexdigest()


#: parses shared by every ParseCache of a process (a worker handles many customers, whose module
#: files are the same texts); bounded, oldest first out, so memory stays flat however many customers
_SHARED: dict[tuple[str, bool], ParseResult] = {}
_SHARED_LIMIT = 2048


class ParseCache:
    def __init__(self, folder: Path | None = None, second_parser: bool = False):
        self.memory = _SHARED
        self.folder = folder / cache_key() if folder is not None else None
        self.second_parser = second_parser
        self.hits = 0
        self.misses = 0
        self.tree_hits = 0

    def parse(self, text: str) -> ParseResult:
        digest = hashlib.sha256(text.encode("utf-8")).hexdigest()
        key = (digest, self.second_parser)
        found = self.memory.get(key)
        if found is not None:
            self.hits += 1
            return found
        self.misses += 1
        found = _parse_terraform(text)
        if found[1] is None and self.second_parser and not self._marked(digest):
            found = _parse_python_hcl2(text) or found
            if found[1] is None:
                self._mark(digest)
        if len(self.memory) >= _SHARED_LIMIT:
            del self.memory[next(iter(self.memory))]
        self.memory[key] = found
        return found

    def _marker(self, digest: str) -> Path:
        assert self.folder is not None
        return self.folder / "python-hcl2" / digest[:2] / digest

    def _marked(self, digest: str) -> bool:
        """python-hcl2 read this exact text before (its verdicts on modules outlive a run)."""
        return self.folder is not None and self._marker(digest).is_file()

    def _mark(self, digest: str) -> None:
        if self.folder is None:
            return
        try:
            marker = self._marker(digest)
            marker.parent.mkdir(parents=True, exist_ok=True)
            marker.touch()  # an empty file: its name is the verdict
        except OSError:
            pass

    def _tree_path(self, digest: str) -> Path:
        assert self.folder is not None
        return self.folder / "trees" / digest[:2] / f"{digest}.json"

    def known_clean(self, digest: str) -> bool:
        """True when this exact tree was checked clean before (by this fgen, with these parsers)."""
        if self.folder is None:
            return False
        try:
            entry = json.loads(self._tree_path(digest).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return False
        clean = isinstance(entry, dict) and entry.get("digest") == digest and entry.get("clean") is True
        self.tree_hits += clean
        return clean

    def remember_clean(self, digest: str) -> None:
        if self.folder is None:
            return
        path = self._tree_path(digest)
        tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            tmp.write_text(json.dumps({"digest": digest, "clean": True}), encoding="utf-8")
            os.replace(tmp, path)  # readers see the whole entry or none
        except OSError:
            tmp.unlink(missing_ok=True)  # a read-only or full disk only costs speed


def _parse_terraform(text: str) -> ParseResult:
    """Terraform's parser must accept the text; the checks read its result."""
    import pygohcl  # imported here: the Go runtime starts only in processes that parse

    try:
        return pygohcl.loads(text), None
    except Exception as exc:  # pygohcl raises several types, all meaning "does not parse"
        return {}, f"Terraform's HCL parser: {exc}"


def _parse_python_hcl2(text: str) -> ParseResult | None:
    """None when python-hcl2 reads the text too, else the problem."""
    import hcl2  # slow to import (lark grammar) and to run: only for the second opinion

    try:
        hcl2.loads(text)
    except Exception as exc:  # lark errors carry line and column
        return {}, f"python-hcl2: {str(exc).splitlines()[0] if str(exc) else type(exc).__name__}"
    return None
