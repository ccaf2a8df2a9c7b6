"""Outputs that appear whole or not at all.

Every file racecall writes goes through here.  A file is written beside its
target under a hidden temporary name, flushed to disk and renamed over the
target (``os.replace`` is atomic on POSIX and Windows), so a reader sees the old
file or the new one, never a fragment -- not after a full disk, a file-size
limit or a ``SIGKILL`` half-way.  A set of files (an importer's scenarios, a
scenario with its units CSVs) is written into a new hidden directory that is
renamed into place when complete; an older directory of the same name is
exchanged with it in one step (Linux ``renameat2(RENAME_EXCHANGE)``; elsewhere two
renames) and removed only afterwards.  A process killed mid-way leaves at most a
hidden ``.NAME.*.new`` directory beside the target, never a changed target.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
from pathlib import Path
from typing import Callable, Iterator


def write_bytes(path, data: bytes, check: Callable[[Path], object] | None = None) -> Path:
    """Write ``data`` to ``path`` atomically; returns the path.  Raises ``OSError``.

    ``check``, when given, is called with the written temporary file (beside
    ``path``, so relative references resolve the same) before it is renamed into
    place; whatever it raises leaves ``path`` untouched.
    """
    path = Path(path)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        try:
            mode = os.stat(path).st_mode & 0o7777  # keep an existing file's permissions
        except OSError:
            mode = 0o666 & ~_umask()  # mkstemp makes the file private; the result is an ordinary file
        os.chmod(tmp, mode)
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        if check is not None:
            check(Path(tmp))
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


def write_text(path, text: str, check: Callable[[Path], object] | None = None) -> Path:
    """Write ``text`` (UTF-8, newlines as given) to ``path`` atomically (``check`` as for :func:`write_bytes`).

    Text that cannot be UTF-8 (a lone surrogate, as from a command-line argument
    in another encoding) raises ``UnicodeEncodeError`` before anything is written.
    """
    return write_bytes(path, text.encode("utf-8"), check)


@contextlib.contextmanager
def new_directory(path) -> Iterator[Path]:
    """Build a directory's whole content, then put it in place at ``path`` at once.

    Yields a hidden sibling directory to write into.  On success it replaces
    ``path`` (an existing directory there is moved aside first and deleted
    afterwards); on any exception it is deleted and ``path`` is left as it was::

        with new_directory(out) as tmp:
            write_text(tmp / "a.yaml", ...)
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(dir=path.parent, prefix=f".{path.name}.", suffix=".new"))
    try:
        os.chmod(tmp, 0o777 & ~_umask())  # mkdtemp makes it private; the result is an ordinary directory
        yield tmp
        if path.exists() and not path.is_dir():
            raise FileExistsError(f"{path} exists and is not a directory")
        if path.exists():
            _exchange(tmp, path)  # tmp now holds the old directory
        else:
            os.replace(tmp, path)
            return
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    shutil.rmtree(tmp, ignore_errors=True)


def _umask() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def _exchange(a: Path, b: Path) -> None:
    """Swap two directories atomically where the system can (Linux), else by two renames."""
    try:
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        renameat2 = libc.renameat2
    except (OSError, AttributeError):
        renameat2 = None
    if renameat2 is not None:
        at_fdcwd, rename_exchange = -100, 2
        if renameat2(at_fdcwd, os.fsencode(a), at_fdcwd, os.fsencode(b), rename_exchange) == 0:
            return
        errno = ctypes.get_errno()
        if errno not in (22, 38, 95):  # EINVAL, ENOSYS, EOPNOTSUPP: the file system cannot; fall back
            raise OSError(errno, os.strerror(errno), str(b))
    aside = Path(tempfile.mkdtemp(dir=b.parent, prefix=f".{b.name}.", suffix=".old"))
    os.rmdir(aside)
    os.replace(b, aside)
    os.replace(a, b)
    os.replace(aside, a)
