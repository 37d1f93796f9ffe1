"""Refuses manifest values that look like credentials: they belong in SSM Parameter Store or
Secrets Manager, referenced by name (``services.<name>.secrets``), never in the repository."""

from __future__ import annotations

import math
import re
from collections import Counter
from typing import Any

from .errors import Problem
from .yamlload import Document, KeyPath, format_path

PATTERNS: list[tuple[str, re.Pattern[str]]] = [
    ("an AWS access key id", re.compile(r"\b(AKIA|ASIA|AGPA|AIDA|AROA|ANPA|ANVA|AIPA)[A-Z0-9]{16}\b")),
    ("a private key", re.compile(r"-----BEGIN ([A-Z]+ )?PRIVATE KEY( BLOCK)?-----")),
    ("a GitHub token", re.compile(r"\b(gh[pousr]_[A-Za-z0-9]{36,}|github_pat_[A-Za-z0-9_]{40,})\b")),
    ("a Slack token", re.compile(r"\bxox[abposr]-[A-Za-z0-9-]{10,}")),
    ("a Stripe key", re.compile(r"\b[sr]k_(live|test)_[A-Za-z0-9]{16,}")),
    ("a Google API key", re.compile(r"\bAIza[0-9A-Za-z_-]{35}\b")),
    ("a JSON web token", re.compile(r"\beyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}")),
    ("a password in a URL", re.compile(r"[a-z][a-z0-9+.-]*://[^/\s:@]+:[^/\s@]+@")),
]
#: an AWS secret access key: 40 characters of base64 alphabet, alone
AWS_SECRET = re.compile(r"^[A-Za-z0-9/+]{40}$")
SENSITIVE_KEY = re.compile(r"(password|passwd|pwd|secret|token|credential|private[_-]?key|api[_-]?key|access[_-]?key"
                           r"|(^|[_-])key$)", re.IGNORECASE)
#: where the schema holds references to secrets (parameter names), not secrets
REFERENCE_MAPS = ("secrets",)
ADVICE = ("credentials never belong in manifests: store the value in SSM Parameter Store (SecureString) or "
          "Secrets Manager and reference it by name, e.g. services.<name>.secrets: {VARIABLE: <parameter name>}")


def entropy(value: str) -> float:
    """Shannon entropy in bits per character."""
    counts = Counter(value)
    return -sum(n / len(value) * math.log2(n / len(value)) for n in counts.values())


#: a lowercase relative file path such as an S3 state key (customer-x/dev/plain-terraform.tfstate):
#: a backend's `key`, not a credential (base64 secrets mix cases and have no file extension)
_FILE_PATH = re.compile(r"[a-z0-9._-]+(/[a-z0-9._-]+)+\.[a-z0-9]+")


def looks_like_secret(key: str, value: str) -> str | None:
    """What the value looks like, or None when it does not look like a credential."""
    for label, pattern in PATTERNS:
        if pattern.search(value):
            return label
    sensitive = bool(SENSITIVE_KEY.search(key))
    if AWS_SECRET.match(value) and (sensitive or entropy(value) > 4.5):
        return "an AWS secret access key"
    if sensitive and len(value) >= 12 and " " not in value and entropy(value) >= 3.3 \
            and not value.startswith(("arn:", "/", "alias/")) and not _FILE_PATH.fullmatch(value):
        return f"a secret (high-entropy value under '{key}')"
    return None


def scan_document(doc: Document) -> list[Problem]:
    problems: list[Problem] = []

    def walk(value: Any, path: KeyPath) -> None:
        if isinstance(value, dict):
            if len(path) >= 1 and path[-1] in REFERENCE_MAPS:
                return
            for key, item in value.items():
                walk(item, path + (key,))
        elif isinstance(value, list):
            for index, item in enumerate(value):
                walk(item, path + (index,))
        elif isinstance(value, str):
            key = next((str(p) for p in reversed(path) if isinstance(p, str)), "")
            found = looks_like_secret(key, value)
            if found:
                problems.append(Problem(doc.file, doc.line_of(path), format_path(path),
                                        f"this looks like {found}; {ADVICE}"))

    walk(doc.data, ())
    return problems
