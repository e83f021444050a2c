"""Runs streamed to HDF5: states written at every save point, read lazily, and runs that go on after a kill.

A run with ``SimulationConfig(output="cloud.h5")`` keeps no states in
memory: :class:`Writer` writes each kept state to the file as it is reached
(chunked, compressed datasets), so memory stays O(N) whatever the number of
steps. The file is written in HDF5's single-writer/multiple-reader mode
(SWMR), whose writes always leave it readable: a run that is killed keeps
every state it wrote, and :func:`resume` goes on from the last one.
:func:`load_stream` reads a file lazily as a :class:`StreamedResult`
(``result.r[k]`` reads one state), and :meth:`StreamedResult.to_xarray` gives
an ``xarray.Dataset`` where xarray is installed.

Layout (attributes ``format`` and ``config``, the configuration as JSON
without its particles, which are arrays):

====================  ================  =========================================
``particles/q, m``    (N,)              charges (e), masses (u)
``particles/r, v``    (N, 3)            initial positions (µm), velocities (µm/µs)
``particles/species`` (N,)              species names, ``""`` where given by q, m
``t``, ``step``       (rows,)           time (µs) and step of each kept state
``r``, ``v``          (rows, N, 3)      kept positions and velocities
``written``           (1,)              rows written so far
``escape_step``       (N,)              first step outside the trap, -1 if none
``final/r, v``        (N, 3)            the state at the end of the run
``trapped``           (N,)              inside the trap at the end
``status``            (1,)              0 running, 1 complete, 2 stopped early
====================  ================  =========================================
"""

from __future__ import annotations

import json
import os
import pathlib
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from ._display import Summarised, range_text, run_rows
from ._files import check_writable
from ._validate import file_path, short_repr
from .errors import ConfigError

if TYPE_CHECKING:
    from .integrators.driven import StartState
    from .setup.config import SimulationConfig

__all__ = ["FORMAT", "StreamedResult", "Writer", "load_stream", "require_h5py"]

FORMAT = "trapode-stream-1"
RUNNING, COMPLETE, STOPPED = 0, 1, 2


def require_h5py(where: str) -> Any:
    """``h5py``, or a ConfigError naming ``where`` and how to install it."""
    try:
        import h5py
    except ImportError:
        raise ConfigError(f"{where} needs h5py to write HDF5: install it with pip install h5py.") from None
    return h5py


def _open_for_reading(path: pathlib.Path) -> Any:
    """Open a stream file read-only; SWMR mode also opens one whose writer was killed."""
    h5py = require_h5py("reading a stream file")
    shown = short_repr(os.fspath(path))
    try:
        file = h5py.File(path, "r", swmr=True, locking=False)
    except FileNotFoundError:
        raise ConfigError(f"the stream file {shown} does not exist.") from None
    except OSError as error:
        raise ConfigError(f"{shown} is not a readable HDF5 file ({error}).") from None
    if file.attrs.get("format") != FORMAT:
        file.close()
        raise ConfigError(f"{shown} is not a trapode stream file (expected format {FORMAT!r}).")
    return file


class Writer:
    """Writes a run's kept states to an HDF5 file as they come (see the module for the layout).

    Parameters
    ----------
    path : path-like
        The file; replaced if it exists.
    config : SimulationConfig
        The run.
    copy_from : h5py.File, optional
        A stream file whose first ``rows`` rows (and escapes) to copy first: a resumed run.
    """

    def __init__(self, path: pathlib.Path, config: SimulationConfig, copy_from: Any = None, rows: int = 0) -> None:
        from .observers import rows_written
        from .setup.io import config_to_dict

        h5py = require_h5py("SimulationConfig.output")
        self.path = path
        n = config.n_particles
        total = rows_written(config.n_steps, config.save_stride)
        self.step_size = config.step_size
        file = h5py.File(path, "w", libver="latest")
        try:
            file.attrs["format"] = FORMAT
            file.attrs["config"] = json.dumps(config_to_dict(config, particles=False))
            particles = config.particles
            group = file.create_group("particles")
            for name in ("q", "m", "r", "v"):
                group.create_dataset(name, data=getattr(particles, name))
            group.create_dataset("species", data=particles.species.astype(h5py.string_dtype()))
            # One state a chunk, at most ~4 MB: a row is written and read whole, without touching the others.
            per_chunk = max(1, min(n, (4 << 20) // 24))
            for name in ("r", "v"):
                file.create_dataset(
                    name,
                    shape=(total, n, 3),
                    dtype="f8",
                    chunks=(1, per_chunk, 3),
                    compression="gzip",
                    compression_opts=1,
                    shuffle=True,
                )
            file.create_dataset("t", shape=(total,), dtype="f8", fillvalue=np.nan)
            file.create_dataset("step", shape=(total,), dtype="i8", fillvalue=-1)
            file.create_dataset("written", shape=(1,), dtype="i8")
            file.create_dataset("escape_step", shape=(n,), dtype="i8", fillvalue=-1)
            file.create_dataset("final/r", shape=(n, 3), dtype="f8", fillvalue=np.nan)
            file.create_dataset("final/v", shape=(n, 3), dtype="f8", fillvalue=np.nan)
            file.create_dataset("trapped", shape=(n,), dtype="?")
            file.create_dataset("status", shape=(1,), dtype="i8")
            if copy_from is not None and rows:
                for name in ("t", "step", "r", "v"):
                    for first in range(0, rows, 16):
                        last = min(rows, first + 16)
                        file[name][first:last] = copy_from[name][first:last]
                file["escape_step"][:] = copy_from["escape_step"][:]
                file["written"][0] = rows
            self.last_row = rows - 1
            file.swmr_mode = True
            file.flush()
        except BaseException:
            file.close()
            raise
        self.file = file

    def write(self, row: int, step: int, pos: np.ndarray, vel: np.ndarray, escape_step: np.ndarray) -> None:
        """Write the state (3, N) after ``step`` steps as row ``row``, with the escapes so far; then flush."""
        file = self.file
        file["r"][row] = pos.T
        file["v"][row] = vel.T
        file["t"][row] = step * self.step_size
        file["step"][row] = step
        file["escape_step"][:] = escape_step
        file["written"][0] = row + 1  # last: a reader (or resume) trusts only the rows counted here
        file.flush()
        self.last_row = row

    def trajectory_rows(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Nothing in memory: the rows are in the file (shape (0, N, 3))."""
        n = self.file["r"].shape[1]
        return np.empty((0, n, 3)), np.empty((0, n, 3)), np.empty(0, dtype=np.int64)

    def finish(self, trapped: np.ndarray, complete: bool) -> None:
        """Write the final state (the last row written) and who is trapped, mark the run's end, close the file."""
        file = self.file
        file["final/r"][:] = file["r"][self.last_row]
        file["final/v"][:] = file["v"][self.last_row]
        file["trapped"][:] = trapped
        file["status"][0] = COMPLETE if complete else STOPPED
        self.close()

    def close(self) -> None:
        if self.file.id.valid:
            self.file.flush()
            self.file.close()


@dataclass(frozen=True, eq=False, repr=False)
class StreamedResult(Summarised):
    """A run streamed to an HDF5 file, read lazily (see :mod:`trapode.output`).

    Attributes
    ----------
    config : SimulationConfig
    path : pathlib.Path
    t : ndarray, shape (rows,)
        Times of the kept states in µs (rows written so far).
    steps : ndarray of int, shape (rows,)
        The step of each kept state.
    r, v : h5py.Dataset, shape (rows_planned, N, 3)
        The kept positions (µm) and velocities (µm/µs), read on indexing:
        ``result.r[k]`` is state k; only the first ``len(t)`` rows hold states.
    final_r, final_v : ndarray, shape (N, 3)
        The state at the end of the run (the last state written, for a run that was killed).
    trapped : ndarray of bool, shape (N,)
    escape_time : ndarray, shape (N,)
        First time (µs) outside the trap, NaN if never; checked at every step.
    complete : bool
        Whether the run reached ``t_end``.
    file : h5py.File
        The open file (:meth:`close` closes it).
    """

    config: SimulationConfig
    path: pathlib.Path
    t: np.ndarray
    steps: np.ndarray
    r: Any
    v: Any
    final_r: np.ndarray
    final_v: np.ndarray
    trapped: np.ndarray
    escape_time: np.ndarray
    complete: bool
    file: Any

    def _summary_rows(self) -> list[tuple[str, str]]:
        rows = [*run_rows(self.config, self.trapped), ("kept states", range_text(self.t, "µs"))]
        return [*rows, ("file", str(self.path)), ("complete", "yes" if self.complete else "no: trapode.resume(path)")]

    @property
    def n_rows(self) -> int:
        """The number of states written."""
        return int(self.t.size)

    @property
    def fraction_trapped(self) -> float:
        return float(np.mean(self.trapped))

    def states(self, rows: slice | np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Times, positions and velocities of the kept states ``rows`` (default all written), read into memory."""
        picked = np.arange(self.n_rows)[rows if rows is not None else slice(None)]
        if picked.size == 0:
            return self.t[:0], np.empty((0, *self.r.shape[1:])), np.empty((0, *self.v.shape[1:]))
        return self.t[picked], self.r[picked], self.v[picked]

    def to_xarray(self) -> Any:
        """The kept states as an ``xarray.Dataset``, as :meth:`trapode.SimulationResult.to_xarray` gives them.

        Lazy (dask arrays, one state a chunk) where dask is installed, so a
        run larger than memory can be reduced state by state.
        """
        from .export import states_dataset

        rows = self.n_rows
        r, v = self.r, self.v
        try:
            import dask.array as da

            r = da.from_array(r, chunks=(1, *r.shape[1:]))
            v = da.from_array(v, chunks=(1, *v.shape[1:]))
        except ImportError:  # read into memory
            pass
        return states_dataset(self, r[:rows], v[:rows], config_json=self.file.attrs["config"])

    def close(self) -> None:
        """Close the file (the datasets r and v can then no longer be read)."""
        self.file.close()

    def __enter__(self) -> StreamedResult:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _config_of(file: Any, shown: str) -> SimulationConfig:
    from .setup.io import config_from_dict
    from .setup.particle_set import ParticleSet

    group = file["particles"]
    particles = ParticleSet.from_stored(group["r"][:], group["v"][:], group["q"][:], group["m"][:], group["species"][:])
    try:
        record = json.loads(file.attrs["config"])
    except (ValueError, TypeError) as error:
        raise ConfigError(f"{shown}: its configuration is not valid JSON ({error}).") from None
    return config_from_dict(record, source=shown, particles=particles)


def load_stream(path: str | os.PathLike[str]) -> StreamedResult:
    """Open a file written by a run with ``output=`` as a :class:`StreamedResult` (read lazily; close it when done).

    Works on the file of a run that was killed: it holds the states written before.

    Raises
    ------
    ConfigError
        If the file is missing, is not a trapode stream file, or is damaged.
    """
    path = file_path("load_stream path", path)
    shown = short_repr(os.fspath(path))
    file = _open_for_reading(path)
    try:
        config = _config_of(file, shown)
        rows = int(file["written"][0])
        n = config.n_particles
        if not 0 <= rows <= file["t"].shape[0] or file["r"].shape[1:] != (n, 3):
            raise ConfigError(f"{shown} is damaged: {rows} rows written of {file['t'].shape[0]} for {n} particles.")
        t = file["t"][:rows]
        steps = file["step"][:rows]
        escape_step = file["escape_step"][:]
        complete = int(file["status"][0]) != RUNNING
        if complete:
            final_r, final_v, trapped = file["final/r"][:], file["final/v"][:], file["trapped"][:]
        else:  # killed: the last state written is where it got to
            final_r = file["r"][rows - 1] if rows else config.particles.r
            final_v = file["v"][rows - 1] if rows else config.particles.v
            from .system import ParticleSystem

            trapped = ParticleSystem.from_config(config).trapped_flags(np.ascontiguousarray(final_r.T))
        escape_time = np.where(escape_step >= 0, escape_step * config.step_size, np.nan)
        return StreamedResult(
            config=config,
            path=path,
            t=t,
            steps=steps,
            r=file["r"],
            v=file["v"],
            final_r=final_r,
            final_v=final_v,
            trapped=trapped,
            escape_time=escape_time,
            complete=complete and int(file["status"][0]) == COMPLETE,
            file=file,
        )
    except ConfigError:
        file.close()
        raise
    except (KeyError, OSError, ValueError) as error:
        file.close()
        raise ConfigError(f"{shown} is damaged: {type(error).__name__}: {error}.") from None


def start_of(stream: StreamedResult) -> StartState:
    """Where a streamed run goes on from: its last state written and the escapes found until then."""
    from .integrators.driven import StartState

    rows = stream.n_rows
    if rows == 0:
        raise ConfigError(f"{stream.path} holds no state to go on from: run it again.")
    step = int(stream.steps[rows - 1])
    escape = np.asarray(stream.file["escape_step"][:], dtype=np.int64)
    escape[escape > step] = -1
    return StartState(
        step=step,
        pos=np.ascontiguousarray(stream.r[rows - 1].T),
        vel=np.ascontiguousarray(stream.v[rows - 1].T),
        escape_step=escape,
    )


def check_output(config: SimulationConfig) -> None:
    """Before any work: h5py is there and the output file can be written."""
    if config.output is None:
        return
    require_h5py("SimulationConfig.output")
    check_writable("SimulationConfig.output", pathlib.Path(config.output))
