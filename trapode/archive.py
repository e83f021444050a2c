"""trapode's file format: a NumPy ``.npz`` archive of plain arrays with a JSON header, checked before it is read.

One format serves results (:meth:`trapode.SimulationResult.save`), sweeps
(:meth:`trapode.SweepResult.save`) and scans (:meth:`trapode.ScanResult.save`):

- ``format``: a short text naming the kind and its version;
- ``header``: JSON text, the configuration and whatever else is not an array;
- the arrays, each plain and C-ordered (no pickle, ever).

Writing goes through :func:`trapode._files.atomic_write`: a crash leaves the
old file or the new one. Reading (:class:`Reader`) checks the format, then
the header, then each array's shape and type from its header alone, so that
a damaged file claiming huge arrays allocates nothing; only then are the
values read.
"""

from __future__ import annotations

import json
import os
import pathlib
import zipfile
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import numpy as np

from ._files import atomic_write, check_writable
from ._validate import file_path, short_repr
from .errors import ConfigError

__all__ = ["MAX_HEADER_BYTES", "Reader", "read", "write"]

#: Largest header text a file may hold (a million particles' configuration).
MAX_HEADER_BYTES = 1 << 30


def write(
    path: Any, what: str, format: str, header: Any, arrays: dict[str, np.ndarray], header_name: str = "header"
) -> pathlib.Path:
    """Write ``arrays`` and the JSON ``header`` to ``path`` (``.npz`` added if missing); returns the path written.

    ``what`` names the caller in errors (``"SweepResult.save path"``); ``header_name`` is the header's array
    (results call theirs ``"config"``).
    """
    target = file_path(what, path)
    if target.suffix != ".npz":
        target = target.with_name(target.name + ".npz")
    check_writable(what, target)
    with atomic_write(target, binary=True) as file:
        members: dict[str, Any] = {"format": np.array(format), header_name: np.array(json.dumps(header)), **arrays}
        np.savez(file, **members)
    return target


class Reader:
    """An open archive whose format and header have been checked: ask it for arrays by name, shape and kind."""

    def __init__(self, archive: zipfile.ZipFile, shown: str, kind: str) -> None:
        self.archive, self.shown, self.kind = archive, shown, kind
        self.header: Any = None

    def shape(self, name: str) -> tuple[tuple[int, ...], np.dtype, zipfile.ZipInfo]:
        """Shape, dtype and member of the array ``name``, from its header alone."""
        try:
            info = self.archive.getinfo(f"{name}.npy")
            with self.archive.open(info) as member:
                version = np.lib.format.read_magic(member)
                shape, fortran, dtype = (
                    np.lib.format.read_array_header_1_0(member)
                    if version == (1, 0)
                    else np.lib.format.read_array_header_2_0(member)
                )
                offset = member.tell()
        except KeyError:
            raise ConfigError(f"{self.shown} is not a trapode {self.kind} file: it has no array {name!r}.") from None
        except (ValueError, OSError, zipfile.BadZipFile, EOFError) as error:
            raise ConfigError(f"{self.shown}: the array {name!r} cannot be read ({error}).") from None
        if fortran or dtype.hasobject:
            raise ConfigError(f"{self.shown}: the array {name!r} is not a plain C-ordered array of numbers.")
        if info.file_size != offset + int(np.prod(shape, dtype=np.float64)) * dtype.itemsize:
            raise ConfigError(
                f"{self.shown}: the array {name!r} is truncated or damaged (its size does not match its header)."
            )
        return shape, dtype, info

    def vector(self, name: str, kind: str) -> np.ndarray:
        """The one-dimensional array ``name``, of any length, once its header says dtype kind ``kind``."""
        shape, _, _ = self.shape(name)
        if len(shape) != 1:
            raise ConfigError(f"{self.shown}: {name} must be one-dimensional, got shape {shape}.")
        return self.array(name, shape, kind)

    def array(self, name: str, shape: tuple[int, ...], kind: str) -> np.ndarray:
        """The array ``name``, once its header says ``shape`` and dtype kind ``kind`` (``"f"``, ``"b"``, ``"U"``…)."""
        found, dtype, _ = self.shape(name)
        if found != tuple(shape) or dtype.kind != kind:
            names = {"f": "float", "b": "bool", "i": "integer", "U": "text"}
            raise ConfigError(
                f"{self.shown}: {name} must have shape {tuple(shape)} and {names.get(kind, kind)} values, "
                f"got shape {found} of {dtype}."
            )
        with self.archive.open(f"{name}.npy") as member:
            return np.lib.format.read_array(member, allow_pickle=False)


@contextmanager
def read(
    path: Any, what: str, kind: str, format: str, header_name: str = "header", keys: tuple[str, ...] = ()
) -> Iterator[Reader]:
    """Open ``path`` as a trapode ``kind`` file of ``format``; the Reader's ``header`` is the parsed JSON.

    With ``keys``, the header must be a JSON object with exactly those keys.
    Every failure (missing, foreign, damaged, wrong format, other keys) is a
    :class:`~trapode.ConfigError` naming the file.
    """
    path = file_path(what, path)
    shown = short_repr(os.fspath(path))
    try:
        archive = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, ValueError):
        raise ConfigError(f"{shown} is not a trapode {kind} file (not a NumPy .npz archive).") from None
    except OSError as error:
        raise ConfigError(f"cannot read the {kind} file {shown}: {error.strerror or error}.") from None
    reader = Reader(archive, shown, kind)
    with archive:
        try:
            shape, dtype, info = reader.shape("format")
            if (
                shape != ()
                or dtype.kind != "U"
                or info.file_size > 10_000
                or str(reader.array("format", (), "U")) != format
            ):
                raise ConfigError(f"{shown} is not a trapode {kind} file (expected format {format!r}).")
            shape, dtype, info = reader.shape(header_name)
            if shape != () or dtype.kind != "U" or info.file_size > MAX_HEADER_BYTES:
                raise ConfigError(
                    f"{shown}: its {header_name} is not one JSON text of at most {MAX_HEADER_BYTES} bytes."
                )
            try:
                reader.header = json.loads(str(reader.array(header_name, (), "U")))
            except (ValueError, RecursionError) as error:
                raise ConfigError(f"{shown}: its {header_name} is not valid JSON ({error}).") from None
            if keys and (not isinstance(reader.header, dict) or set(reader.header) != set(keys)):
                named = ", ".join(keys[:-1]) + " and " + keys[-1] if len(keys) > 1 else keys[0]
                raise ConfigError(f"{shown}: its {header_name} must name {named}.")
            yield reader
        except ConfigError:
            raise
        except (zipfile.BadZipFile, zlib.error, OSError, EOFError, ValueError) as error:  # a damaged member
            raise ConfigError(f"{shown} is damaged: {type(error).__name__}: {error}.") from None
