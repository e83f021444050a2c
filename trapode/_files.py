"""Files written whole or not at all, and output places checked before the work that fills them.

Every file trapode writes (results, tables, figures, compiled models) goes
through :func:`atomic_write`: the bytes go to a temporary file in the same
folder, which is flushed to disk and then renamed over the target. A crash,
even SIGKILL, leaves the old file or the new one, never a torn one.
:func:`check_writable` is called before long work, so that a run is not
thrown away because its output cannot be written.
"""

from __future__ import annotations

import os
import pathlib
import stat
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from typing import IO, Any

from ._validate import file_path, short_repr
from .errors import ConfigError

__all__ = ["atomic_write", "check_figure_path", "check_writable", "save_figure", "write_text"]


def _umask() -> int:
    """The process's umask (read by setting it, and setting it back)."""
    mask = os.umask(0)
    os.umask(mask)
    return mask


@contextmanager
def atomic_write(path: str | os.PathLike[str], binary: bool = False) -> Iterator[IO[Any]]:
    """Open a temporary file beside ``path`` for writing; on success it replaces ``path`` in one rename."""
    target = pathlib.Path(path)
    handle, temporary = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}-", suffix=".tmp")
    try:
        # mkstemp makes the file private (0600): give it the mode of the file it replaces, or of a new file.
        os.chmod(temporary, stat.S_IMODE(target.stat().st_mode) if target.exists() else 0o666 & ~_umask())
        file: IO[Any] = os.fdopen(handle, "wb") if binary else os.fdopen(handle, "w", encoding="utf-8")
        with file:
            yield file
            file.flush()
            os.fsync(file.fileno())
        os.replace(temporary, target)
    except BaseException:
        pathlib.Path(temporary).unlink(missing_ok=True)
        raise


def write_text(path: str | os.PathLike[str], text: str) -> None:
    """Write ``text`` to ``path`` as UTF-8, atomically (:func:`atomic_write`)."""
    with atomic_write(path) as file:
        file.write(text)


def check_writable(name: str, path: str | os.PathLike[str]) -> pathlib.Path:
    """Check that a file can be written at ``path`` (its folder exists and takes new files); returns the path.

    Raises
    ------
    ConfigError
        Naming ``name``, the path and what is wrong, before any work.
    """
    target = file_path(name, path)
    folder = target.parent
    if not folder.is_dir():
        raise ConfigError(f"{name} {short_repr(str(target))}: the folder {short_repr(str(folder))} does not exist.")
    if target.is_dir():
        raise ConfigError(f"{name} {short_repr(str(target))} is a folder; give a file name.")
    try:
        handle, probe = tempfile.mkstemp(dir=folder, prefix=f".{target.name}-", suffix=".probe")
        os.close(handle)
        os.unlink(probe)
    except OSError as error:
        raise ConfigError(f"{name} {short_repr(str(target))} cannot be written: {error.strerror or error}.") from None
    return target


def save_figure(figure: Any, path: str | os.PathLike[str], **options: Any) -> None:
    """``figure.savefig`` through :func:`atomic_write`, in the format named by the suffix of ``path``."""
    import matplotlib

    suffix = pathlib.Path(path).suffix.lstrip(".").lower()
    kind = suffix or matplotlib.rcParams["savefig.format"]
    with atomic_write(path, binary=True) as file:
        figure.savefig(file, format=kind, **options)


def check_figure_path(name: str, path: str | os.PathLike[str]) -> pathlib.Path:
    """:func:`check_writable`, and a suffix that names a format matplotlib writes (``.png``, ``.pdf``, ...)."""
    from matplotlib.figure import Figure

    target = check_writable(name, path)
    formats = Figure().canvas.get_supported_filetypes()
    suffix = target.suffix.lstrip(".").lower()
    if suffix and suffix not in formats:
        raise ConfigError(
            f"{name} {short_repr(str(target))}: matplotlib cannot write {suffix!r} figures; use one of "
            f"{', '.join('.' + kind for kind in sorted(formats))}."
        )
    return target
