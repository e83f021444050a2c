"""Checkpoint files for scans and sweeps: every finished run is kept, so an interrupted scan resumes.

A checkpoint is an SQLite database (Python's standard ``sqlite3``). Each batch
of finished runs is written in one transaction, so a crash, even SIGKILL,
leaves either the whole batch or none of it, never a corrupt file. The file
records the settings it was made with, and refuses to be mixed with others.

A file from elsewhere is distrusted: it must carry trapode's SQLite
``application_id``, its tables and its settings, or it is refused with a
:class:`~trapode.ConfigError` before anything is written to it (another
application's database is never modified). Creating the file, checking it and
writing its settings is one transaction, so processes that open the same new
checkpoint at once all see one consistent file. A checkpoint that cannot be
created or written (a missing or read-only folder) is refused when it is
opened, before the sweep's first run.
"""

from __future__ import annotations

import json
import math
import os
import sqlite3
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

import numpy as np

from ._files import check_writable
from ._validate import short_repr
from .errors import ConfigError

__all__ = ["APPLICATION_ID", "Checkpoint"]

#: SQLite's application_id of a trapode checkpoint: "TRPD".
APPLICATION_ID = 0x54525044

# Format 1 (trapode 0.2) kept the trapped flags of sweeps by (amplitude, omega); format 2 keeps any
# scan's runs by their point, with their final states.
_SCHEMA_VERSION = 2

_TABLES = {
    "settings": "CREATE TABLE settings (id INTEGER PRIMARY KEY CHECK (id = 1), json TEXT NOT NULL)",
    "runs": "CREATE TABLE runs (point TEXT PRIMARY KEY, trapped BLOB NOT NULL, state BLOB NOT NULL)",
}


class Checkpoint:
    """The finished runs of a scan, in an SQLite file.

    Each run is stored under its point (the values of the scanned parameters,
    as exact JSON text), with its trapped flags and its final state.

    Parameters
    ----------
    path : str or path-like
        The file; created if missing (its folder must exist).
    settings : dict
        Plain data describing everything but the grid (the configuration and
        the scanned paths). A file made with other settings is refused with a
        :class:`~trapode.ConfigError` naming what differs.

    Raises
    ------
    ConfigError
        If the file is not a trapode checkpoint (random bytes, another
        application's database: it is left untouched), was made with other
        settings, or cannot be created or written.
    """

    def __init__(self, path: str | os.PathLike[str], settings: dict[str, Any]) -> None:
        # A file that can be written (its folder exists and takes new files: SQLite's journal goes there).
        self.path = os.fspath(check_writable("checkpoint", path))
        if os.path.isfile(self.path) and os.path.getsize(self.path) > 0:
            try:
                with open(self.path, "rb") as file:
                    header = file.read(16)
            except OSError as error:
                raise self._refused("cannot be read", error) from None
            if header != b"SQLite format 3\x00":
                raise ConfigError(
                    f"checkpoint {short_repr(self.path)} is not a trapode checkpoint (not an SQLite file); "
                    "it was not modified. Give another file name."
                )
        try:
            self._connection = sqlite3.connect(self.path, timeout=60, isolation_level=None)
        except sqlite3.Error as error:
            raise self._refused("cannot be opened", error) from None
        try:
            with self._transaction():
                self._check_or_create(settings)
                # A write now, so that a file or folder that cannot be written is found before any run.
                self._connection.execute("UPDATE settings SET json = json WHERE id = 1")
        except ConfigError:
            self._connection.close()
            raise
        except sqlite3.Error as error:
            self._connection.close()
            raise self._refused("cannot be read and written", error) from None

    def _refused(self, what: str, error: BaseException) -> ConfigError:
        return ConfigError(f"checkpoint {short_repr(self.path)} {what}: {error}.")

    @contextmanager
    def _transaction(self) -> Iterator[None]:
        """One write transaction: BEGIN IMMEDIATE takes the write lock first, so creators queue up."""
        self._connection.execute("BEGIN IMMEDIATE")
        try:
            yield
        except BaseException:
            if self._connection.in_transaction:  # SQLite may have rolled back already (disk full, I/O error)
                self._connection.execute("ROLLBACK")
            raise
        self._connection.execute("COMMIT")

    def _check_or_create(self, settings: dict[str, Any]) -> None:
        connection = self._connection
        application = connection.execute("PRAGMA application_id").fetchone()[0]
        version = connection.execute("PRAGMA user_version").fetchone()[0]
        tables = {row[0] for row in connection.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        objects = connection.execute("SELECT COUNT(*) FROM sqlite_master").fetchone()[0]
        if application == 0 and version == 0 and objects == 0:  # a new (empty) file: make it a checkpoint
            connection.execute(f"PRAGMA application_id = {APPLICATION_ID}")
            connection.execute(f"PRAGMA user_version = {_SCHEMA_VERSION}")
            for statement in _TABLES.values():
                connection.execute(statement)
            connection.execute("INSERT INTO settings (id, json) VALUES (1, ?)", (json.dumps(settings),))
            return
        stored = self._stored_settings()  # a read: a foreign database stays as it is
        if stored is not None and stored.get("format") == "trapode-sweep-1" and version in (0, 1):
            raise ConfigError(
                f"checkpoint {short_repr(self.path)} was written by trapode 0.2 (format 1: a sweep's trapped flags "
                "only); this trapode keeps each run's final state (format 2). Delete it, or give another file name, "
                "to start again; it was not modified."
            )
        if application != APPLICATION_ID:
            raise ConfigError(
                f"checkpoint {short_repr(self.path)} is not a trapode checkpoint (an SQLite database of another "
                "application); it was not modified. Give another file name."
            )
        if version != _SCHEMA_VERSION or not set(_TABLES) <= tables:
            raise ConfigError(
                f"checkpoint {short_repr(self.path)} has format {version} with tables {sorted(tables)}; "
                f"this trapode reads format {_SCHEMA_VERSION} with tables {sorted(_TABLES)}."
            )
        if stored is None:
            raise ConfigError(f"checkpoint {short_repr(self.path)} has no readable settings; it is damaged.")
        if stored != settings:
            raise ConfigError(
                f"checkpoint {short_repr(self.path)} was made with other settings ({_difference(stored, settings)}); "
                "use another file, or delete it to start again."
            )

    def _stored_settings(self) -> dict[str, Any] | None:
        """The settings the file was made with, or None if it has none that can be read."""
        try:
            row = self._connection.execute("SELECT json FROM settings WHERE id = 1").fetchone()
            stored = json.loads(row[0]) if row is not None else None
        except (sqlite3.Error, TypeError, ValueError, RecursionError):  # RecursionError: arrays nested deep
            return None
        return stored if isinstance(stored, dict) else None

    def finished(
        self, n_particles: int, n_paths: int
    ) -> dict[tuple[float, ...], tuple[np.ndarray, np.ndarray, np.ndarray]]:
        """All finished runs as ``{point: (trapped, positions, velocities)}``.

        ``point`` is the tuple of the ``n_paths`` scanned values; ``trapped``
        is a bool array of ``n_particles``, positions and velocities (3, N).

        Raises
        ------
        ConfigError
            If a stored run is not that, at a finite point (the file is damaged).
        """
        try:
            rows = self._connection.execute("SELECT point, trapped, state FROM runs").fetchall()
        except sqlite3.Error as error:
            raise self._refused("cannot be read", error) from None
        runs = {}
        for text, flags, state in rows:
            point = _point(text, n_paths)
            valid = (
                point is not None
                and isinstance(flags, bytes)
                and len(flags) == n_particles
                and set(flags) <= {0, 1}
                and isinstance(state, bytes)
                and len(state) == 6 * 8 * n_particles
            )
            if not valid:
                raise ConfigError(
                    f"checkpoint {short_repr(self.path)} holds a run that is not {n_particles} trapped flags and "
                    f"final states at a point of {n_paths} finite values ({short_repr(text)}); it is damaged."
                )
            assert point is not None
            positions, velocities = np.frombuffer(state, dtype="<f8").reshape(2, 3, n_particles).copy()
            runs[point] = (np.frombuffer(flags, dtype=np.bool_).copy(), positions, velocities)
        return runs

    def record(
        self,
        points: Sequence[Sequence[float]],
        trapped: Sequence[np.ndarray],
        positions: Sequence[np.ndarray],
        velocities: Sequence[np.ndarray],
    ) -> None:
        """Store a batch of finished runs in one transaction (positions and velocities (3, N) each)."""
        rows = [
            (
                json.dumps([float(value) for value in point]),
                np.ascontiguousarray(flags, dtype=np.bool_).tobytes(),
                np.ascontiguousarray([pos, vel], dtype="<f8").tobytes(),
            )
            for point, flags, pos, vel in zip(points, trapped, positions, velocities, strict=True)
        ]
        with self._transaction():
            self._connection.executemany("INSERT OR REPLACE INTO runs (point, trapped, state) VALUES (?, ?, ?)", rows)

    def close(self) -> None:
        """Close the file."""
        self._connection.close()

    def __enter__(self) -> Checkpoint:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _point(text: object, n_paths: int) -> tuple[float, ...] | None:
    """A stored point: JSON text of ``n_paths`` finite floats (exact: JSON keeps a float's shortest repr)."""
    try:
        values = json.loads(text) if isinstance(text, str) else None
    except (ValueError, RecursionError):
        return None
    if not isinstance(values, list) or len(values) != n_paths:
        return None
    if not all(isinstance(value, float) and math.isfinite(value) for value in values):
        return None
    return tuple(values)


def _difference(stored: dict[str, Any], current: dict[str, Any]) -> str:
    """Name the top-level settings that differ, with both values where they are short."""
    parts = []
    for key in sorted(set(stored) | set(current)):
        old, new = stored.get(key), current.get(key)
        if old != new:
            if len(repr(old)) + len(repr(new)) < 80:
                parts.append(f"{key}: {old!r} there, {new!r} here")
            else:
                parts.append(f"{key} differs")
    return "; ".join(parts)
