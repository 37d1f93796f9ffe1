"""Filesystem primitives for crash-safe writes: an atomic directory exchange and a per-customer lock."""

from __future__ import annotations

import ctypes
import ctypes.util
import errno
import fcntl
import os
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

from .errors import Problem, WriteError

_RENAME_EXCHANGE = 2
_AT_FDCWD = -100


def _load_renameat2():
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
        func = libc.renameat2
    except (OSError, AttributeError):
        return None
    func.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p, ctypes.c_uint]
    func.restype = ctypes.c_int
    return func


_renameat2 = _load_renameat2()


def exchange_dirs(a: Path, b: Path) -> None:
    """Atomically swap two directories (Linux renameat2 RENAME_EXCHANGE).

    Where the kernel or filesystem lacks it, fall back to two renames with a ``.swap`` marker that
    ``recover`` understands, so an interruption between them is repaired on the next run.
    """
    if _renameat2 is not None:
        if _renameat2(_AT_FDCWD, os.fsencode(a), _AT_FDCWD, os.fsencode(b), _RENAME_EXCHANGE) == 0:
            return
        err = ctypes.get_errno()
        if err not in (errno.EINVAL, errno.ENOSYS, errno.EOPNOTSUPP):
            raise OSError(err, os.strerror(err), str(a))
    parked = b.with_name(b.name + ".swap")
    os.rename(b, parked)
    os.rename(a, b)
    os.rename(parked, a)


def recover(target: Path) -> None:
    """Undo a fallback exchange interrupted between its renames: put the parked old tree back."""
    parked = target.with_name(target.name + ".swap")
    if parked.exists() and not target.exists():
        os.rename(parked, target)


def fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


@contextmanager
def customer_lock(lock_dir: Path, customer: str, timeout: float) -> Iterator[None]:
    """Exclusive lock per customer; a second process waits up to ``timeout`` seconds, then fails clearly."""
    lock_dir.mkdir(parents=True, exist_ok=True)
    path = lock_dir / f"{customer}.lock"
    fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW, 0o644)
    try:
        deadline = time.monotonic() + timeout
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    raise WriteError(Problem(str(path), 0, "", f"another fgen process is rendering {customer}; "
                                             f"gave up after waiting {timeout:g}s (--lock-timeout)")) from None
                time.sleep(0.05)
        os.ftruncate(fd, 0)
        os.write(fd, f"{os.getpid()}\n".encode())
        yield
    finally:
        os.close(fd)  # closing releases the flock
