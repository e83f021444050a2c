"""Checkpoint files for sweeps: every finished run is kept, so an interrupted sweep resumes.

A checkpoint is an SQLite database (Python's standard ``sqlite3``). Each batch
of finished runs is written in one transaction, so a crash, even SIGKILL,
leaves either the whole batch or none of it, never a corrupt file. The file
records the settings it was made with, and refuses to be mixed with others.
"""

from __future__ import annotations

import json
import sqlite3

import numpy as np

from .errors import ConfigError

__all__ = ["Checkpoint"]

_SCHEMA = """
CREATE TABLE IF NOT EXISTS settings (id INTEGER PRIMARY KEY CHECK (id = 1), json TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS runs (
    amplitude REAL NOT NULL,
    omega REAL NOT NULL,
    trapped BLOB NOT NULL,
    PRIMARY KEY (amplitude, omega)
);
"""


class Checkpoint:
    """The finished runs of a sweep, in an SQLite file.

    Parameters
    ----------
    path : str or path-like
        The file; created if missing.
    settings : dict
        Plain data describing everything but the drive grid (trap, ions,
        duration, steps, interactions). A file made with other settings is
        refused with a :class:`~trapode.ConfigError` naming what differs.
    """

    def __init__(self, path, settings):
        self.path = str(path)
        self._connection = sqlite3.connect(self.path, timeout=60)
        with self._connection:
            self._connection.executescript(_SCHEMA)
            row = self._connection.execute("SELECT json FROM settings WHERE id = 1").fetchone()
            if row is None:
                self._connection.execute("INSERT INTO settings (id, json) VALUES (1, ?)", (json.dumps(settings),))
            else:
                stored = json.loads(row[0])
                if stored != settings:
                    raise ConfigError(
                        f"checkpoint {self.path} was made with other settings ({_difference(stored, settings)}); "
                        "use another file, or delete it to start again."
                    )

    def finished(self):
        """All finished runs as ``{(amplitude, omega): trapped}`` with ``trapped`` a bool array."""
        rows = self._connection.execute("SELECT amplitude, omega, trapped FROM runs").fetchall()
        return {(a, w): np.frombuffer(blob, dtype=np.bool_).copy() for a, w, blob in rows}

    def record(self, amplitudes, omegas, trapped):
        """Store a batch of finished runs in one transaction."""
        rows = [
            (float(a), float(w), np.ascontiguousarray(row, dtype=np.bool_).tobytes())
            for a, w, row in zip(amplitudes, omegas, trapped, strict=True)
        ]
        with self._connection:
            self._connection.executemany(
                "INSERT OR REPLACE INTO runs (amplitude, omega, trapped) VALUES (?, ?, ?)", rows
            )

    def close(self):
        self._connection.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


def _difference(stored, current):
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
