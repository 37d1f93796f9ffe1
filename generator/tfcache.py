"""Terraform verdicts that outlive a run: `validate --terraform` does not re-run what it has proven.

Same conventions as generator/cache.py (whole-tree parse verdicts), under ``.fgen-cache/terraform/``:

* ``<key>/verdicts/<xx>/<digest>.json``: one small file per environment that *passed*
  (init, validate and its ``terraform test``), named by the hash of every file Terraform read for it
  (the plain root's ``*.tf``, every module file, the environment's tfvars, the generated test file
  and the outputs the harness adds to modules), of Terraform's version (``terraform version -json``)
  and of the provider lock Terraform writes for the provider it installs now (version and package
  hashes), and of any ``TF_VAR_*`` variable in the environment. ``<key>`` is generator/cache.py's
  ``cache_key()``: fgen's version and a hash of its own source, so a change to fgen (the harness it
  writes, the assertions it derives) never trusts an old verdict.
* ``schema/<digest>.json``: the resource types whose provider schema has an ``arn`` attribute, keyed
  by the Terraform version and the provider lock (reading the schema costs ~5 s per process).

Only passes are stored; failures are always re-run and reported. Any edit (one byte of any file
read), another Terraform, another provider build: another digest, a full run. An unreadable,
truncated or foreign entry is a miss. Writes are atomic (a temporary file, then ``os.replace``), so
parallel runs never read half an entry. Deleting ``.fgen-cache/`` is always safe.
"""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path

from .cache import cache_key

#: bump when the meaning of a verdict changes in a way fgen's source hash would not show
FORMAT = "terraform-verdict-1"


def _write_atomic(path: Path, data: dict) -> None:
    tmp = path.with_name(f".{path.name}.{os.getpid()}.{id(data)}.tmp")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp.write_text(json.dumps(data, sort_keys=True), encoding="utf-8")
        os.replace(tmp, path)
    except OSError:
        tmp.unlink(missing_ok=True)  # a read-only or full disk only costs speed


def _read(path: Path) -> dict | None:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None


def verdict_digest(files: dict[str, bytes], terraform_version: str, provider_lock: str) -> str:
    """The hash of everything one environment's verdict depends on (besides fgen itself)."""
    digest = hashlib.sha256(f"{FORMAT}\0{terraform_version}\0{provider_lock}\0".encode())
    for name in sorted(os.environ):  # variables Terraform reads as input values
        if name.startswith("TF_VAR_"):
            digest.update(f"{name}={os.environ[name]}\0".encode())
    for path in sorted(files):
        digest.update(path.encode("utf-8") + b"\0")
        digest.update(hashlib.sha256(files[path]).digest())
    return digest.hexdigest()


class VerdictCache:
    """Passing environment verdicts; ``folder=None`` (``--no-cache``) stores and finds nothing."""

    def __init__(self, folder: Path | None, terraform_version: str, provider_lock: str):
        self.folder = folder / "terraform" / cache_key() / "verdicts" if folder is not None else None
        self.terraform_version = terraform_version
        self.provider_lock = provider_lock
        self.hits = 0

    def _path(self, digest: str) -> Path:
        assert self.folder is not None
        return self.folder / digest[:2] / f"{digest}.json"

    def known_valid(self, files: dict[str, bytes]) -> bool:
        if self.folder is None:
            return False
        digest = verdict_digest(files, self.terraform_version, self.provider_lock)
        entry = _read(self._path(digest))
        valid = entry is not None and entry.get("digest") == digest and entry.get("valid") is True
        self.hits += valid
        return valid

    def remember_valid(self, files: dict[str, bytes]) -> None:
        if self.folder is None:
            return
        digest = verdict_digest(files, self.terraform_version, self.provider_lock)
        _write_atomic(self._path(digest), {"digest": digest, "valid": True})


class SchemaMemo:
    """The resource types with an ``arn`` attribute, per Terraform version and provider lock."""

    def __init__(self, folder: Path | None, terraform_version: str, provider_lock: str):
        self.digest = hashlib.sha256(f"{FORMAT}\0{terraform_version}\0{provider_lock}".encode()).hexdigest()
        self.path = folder / "terraform" / "schema" / f"{self.digest}.json" if folder is not None else None

    def load(self) -> frozenset[str] | None:
        if self.path is None:
            return None
        entry = _read(self.path)
        if entry is None or entry.get("digest") != self.digest:
            return None
        types = entry.get("arn_types")
        if not isinstance(types, list) or not types or not all(isinstance(t, str) for t in types):
            return None
        return frozenset(types)

    def store(self, types: frozenset[str]) -> None:
        if self.path is not None:
            _write_atomic(self.path, {"digest": self.digest, "arn_types": sorted(types)})
