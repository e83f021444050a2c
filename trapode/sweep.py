"""Resonance sweeps: the report's experiment, one RK4 run of the same ions per drive (amplitude, ωV).

A sweep is the special case of :func:`trapode.scan` over the paths
``"drive.amplitude"`` and ``"drive.omega"`` of the report's drive, recording
which ions stay inside the trap (``|r| < d``): everything a scan does
(batching on all cores, checkpoints, executors and Dask, progress, retries,
results independent of the batching, failing safe) a sweep does too.
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Iterable, Iterator
from concurrent.futures import Executor
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
from numpy.typing import ArrayLike

from ._display import Summarised, range_text
from ._validate import count, flag, instance, real, sequence_of
from .errors import ConfigError, Interrupted
from .scans import ScanError, ScanResult, scan, scan_grid
from .setup.config import SimulationConfig
from .setup.particle_set import ParticleSet
from .setup.particles import Particle
from .setup.trap import Drive, PenningTrap

if TYPE_CHECKING:
    from dask.distributed import Client
    from matplotlib.axes import Axes

    from .resonances import Resonance

__all__ = ["SweepError", "SweepResult", "load_sweep", "sweep"]


class SweepError(RuntimeError):
    """Some runs of a sweep did not finish; ``result`` holds everything else (NaN where a run failed).

    ``failures`` lists ``(amplitude index, omega index, error)`` for each:
    an exception raised ``retries + 1`` times, a :class:`FloatingPointError`
    for a run whose state became non-finite, or a :class:`TimeoutError` for
    runs left when a Dask cluster lost all its workers.
    """

    def __init__(
        self, message: str, result: SweepResult, failures: list[tuple[int, int, BaseException | None]]
    ) -> None:
        super().__init__(message)
        self.result = result
        self.failures = failures


#: The format name of a saved sweep (:meth:`SweepResult.save`).
_SWEEP_FORMAT = "trapode-sweep-1"


@dataclass(frozen=True, eq=False, repr=False)
class SweepResult(Summarised):
    """The outcome of a sweep over drive amplitudes and angular frequencies.

    Attributes
    ----------
    trap : PenningTrap
        The static trap (its own drive, if any, is replaced by each run's).
    ions : tuple of Particle
    amplitudes : ndarray, shape (n_amplitudes,)
        Drive amplitudes f (dimensionless).
    omegas : ndarray, shape (n_omegas,)
        Drive angular frequencies ωV in rad/µs.
    t_end : float
        Duration of each run in µs.
    n_steps : int
        Steps (grid intervals) of each run.
    interactions : bool
        Whether the ions felt each other's Coulomb force.
    trapped : ndarray of bool, shape (n_amplitudes, n_omegas, n_ions)
        Which ions were inside the trap (``|r| < d``) at ``t_end``.
    completed : ndarray of bool, shape (n_amplitudes, n_omegas)
        Which runs finished (all of them unless a :class:`SweepError` or
        :class:`trapode.Interrupted` was raised).
    method : str
        The integration method of the runs. Default ``"rk4"``, the report's.
    """

    trap: PenningTrap
    ions: tuple
    amplitudes: np.ndarray
    omegas: np.ndarray
    t_end: float
    n_steps: int
    interactions: bool
    trapped: np.ndarray
    completed: np.ndarray
    method: str = "rk4"

    def _summary_rows(self) -> list[tuple[str, str]]:
        fraction = self.fraction_trapped[self.completed]
        kept = f"{fraction.min():.3f} … {fraction.max():.3f}" if fraction.size else "no run completed"
        interaction = "Coulomb" if self.interactions else "no interaction"
        return [
            ("trap", self.trap.summary()),
            ("ions", f"{len(self.ions)} ({interaction})"),
            ("amplitudes f", range_text(self.amplitudes)),
            ("ωV", range_text(self.omegas, "rad/µs")),
            (
                "runs",
                f"{int(self.completed.sum())} of {self.completed.size} completed, {self.method}, "
                f"{self.n_steps} steps to {self.t_end:g} µs",
            ),
            ("fraction trapped", kept),
        ]

    def __post_init__(self) -> None:
        grid = (np.size(self.amplitudes), np.size(self.omegas))
        for name, shape in (("trapped", (*grid, len(self.ions))), ("completed", grid)):
            if np.shape(getattr(self, name)) != shape:
                raise ConfigError(
                    f"SweepResult.{name} must have shape {shape} for {grid[0]} amplitude(s), {grid[1]} ωV and "
                    f"{len(self.ions)} ion(s), got {np.shape(getattr(self, name))}."
                )

    @property
    def fraction_trapped(self) -> np.ndarray:
        """Fraction of the ions left in the trap, shape (n_amplitudes, n_omegas); NaN for a failed run."""
        fraction = self.trapped.mean(axis=2)
        return np.where(self.completed, fraction, np.nan)

    def save(self, path: Any) -> Any:
        """Write the sweep to a ``.npz`` file (trapode's format, :mod:`trapode.archive`); :func:`load_sweep` reads it.

        The trap and the run settings as JSON, the grids, the ions and the
        outcome as plain arrays; no pickle. Written whole or not at all.
        Returns the path written (``.npz`` added if missing).
        """
        from . import archive
        from .setup.io import trap_to_dict
        from .setup.particle_set import as_particle_set

        ions = as_particle_set("SweepResult.ions", self.ions)
        header = {"trap": trap_to_dict(self.trap), "t_end": float(self.t_end), "n_steps": int(self.n_steps)}
        header |= {"interactions": bool(self.interactions), "method": self.method}
        arrays = {
            "amplitudes": np.asarray(self.amplitudes, dtype=float),
            "omegas": np.asarray(self.omegas, dtype=float),
        }
        arrays |= {"trapped": self.trapped, "completed": self.completed}
        arrays |= {"ion_q": ions.q, "ion_m": ions.m, "ion_r": ions.r, "ion_v": ions.v, "ion_species": ions.species}
        return archive.write(path, "SweepResult.save path", _SWEEP_FORMAT, header, arrays)

    def to_xarray(self) -> Any:
        """The sweep as an ``xarray.Dataset`` over (amplitude, omega, ion): trapped, completed, fraction_trapped.

        ``omega`` in rad/µs; the trap (JSON), t_end, n_steps, interactions and
        method as attributes. Needs xarray (``pip install "trapode[xarray]"``).
        """
        from .export import sweep_dataset

        return sweep_dataset(self)

    def to_pandas(self) -> Any:
        """The fraction trapped as a ``pandas.DataFrame``: one row per ωV (rad/µs), one column per amplitude f."""
        from .export import require

        pandas = require("pandas", "SweepResult.to_pandas")
        columns = pandas.Index(np.asarray(self.amplitudes), name="amplitude f")
        index = pandas.Index(np.asarray(self.omegas), name="omega (rad/µs)")
        return pandas.DataFrame(self.fraction_trapped.T, index=index, columns=columns)

    def plot(
        self, ax: Axes | None = None, resonances: Iterable[Resonance] | None = None, frequency_unit: str = "rad/µs"
    ) -> Axes:
        """Fraction trapped against ωV, one curve per amplitude (report figs. 14–16).

        See :func:`trapode.plotting.plot_fraction_trapped`; ``frequency_unit`` is
        ``"rad/µs"``, ``"Hz"``, ``"kHz"`` or ``"MHz"`` (ν = ω/2π).
        """
        from .plotting import plot_fraction_trapped

        return plot_fraction_trapped(self, ax=ax, resonances=resonances, frequency_unit=frequency_unit)


def _check_grid(name: str, values: ArrayLike, positive: bool) -> np.ndarray:
    grid = scan_grid(name, values)
    bad = grid[grid <= 0] if positive else grid[grid < 0]
    if bad.size:
        expected = "> 0 (angular frequencies in rad/µs)" if positive else "≥ 0 (relative amplitudes)"
        raise ConfigError(f"{name} must all be {expected}, got {bad.tolist()}.")
    return grid


def _check_settings(
    trap: PenningTrap, ions: Particle | Iterable[Particle], t_end: float, n_steps: int
) -> tuple[tuple[Particle, ...], float, int]:
    instance("trap", trap, PenningTrap, "a trapode.PenningTrap")
    if isinstance(ions, Iterator):
        ions = list(ions)
    if isinstance(ions, ParticleSet):
        ions = tuple(ions)
    ions = sequence_of("ions", ions, Particle, "trapode.Particle", allow_empty=False)
    t_end = real("t_end", t_end, "a positive finite duration in µs", minimum=0.0, strict=True)
    return ions, t_end, count("n_steps", n_steps)


def sweep(
    trap: PenningTrap,
    ions: Particle | Iterable[Particle],
    amplitudes: ArrayLike,
    omegas: ArrayLike,
    t_end: float = 500.0,
    n_steps: int = 5000,
    interactions: bool = False,
    checkpoint: str | os.PathLike[str] | None = None,
    executor: Executor | Client | None = None,
    progress: bool = True,
    batch_size: int | None = None,
    retries: int = 1,
    timeout: float = 60.0,
    method: str = "rk4",
    rtol: float | None = None,
    atol: float | None = None,
) -> SweepResult:
    """Run the ions once per drive ``V0 (1 + f cos(ωV t))`` and record who stays trapped.

    Parameters
    ----------
    trap : PenningTrap
        The trap; its own drive, if any, is ignored.
    ions : sequence of Particle
        The ions, all started from these states in every run (for instance
        :func:`trapode.random_particles`).
    amplitudes : sequence of float
        Drive amplitudes f ≥ 0.
    omegas : sequence of float
        Drive angular frequencies ωV > 0 in rad/µs.
    t_end : float
        Duration of each run in µs. Default 500.
    n_steps : int
        Steps per run (for ``method="adaptive"``: grid intervals, each taken
        in as many steps as the tolerances need). Default 5000.
    interactions : bool
        Coulomb interaction between the ions. Default False.
    checkpoint : str or path-like, optional
        An SQLite file that keeps every finished run; a sweep with the same
        settings skips the runs already there (see :mod:`trapode.checkpoint`).
    executor : concurrent.futures.Executor or dask.distributed.Client, optional
        Where batches run. Default: this process, on all of numba's threads.
    progress : bool
        Show a progress bar on stderr (only on a terminal, and only after a second).
    batch_size : int, optional
        Runs per batch (per checkpoint transaction and per task). Default: the
        number of numba threads here, so that every core is busy; one run per
        task with an executor, so that a worker that dies loses only its own run.
    retries : int
        How often a failed batch is tried again before its runs are reported
        as failed. Default 1.
    timeout : float
        With a Dask client: seconds to wait for a worker, at the start or
        when all have gone, before giving up. Default 60.
    method : str
        Any compiled method of :func:`trapode.available_methods` (not SciPy's
        ``"dop853"``).
        Default ``"rk4"``, the report's.
    rtol, atol : float, optional
        Tolerances of ``method="adaptive"`` (relative, and absolute in µm and
        µm/µs). Default: :class:`~trapode.SimulationConfig`'s.

    Returns
    -------
    SweepResult

    Raises
    ------
    ConfigError
        Before any work: for a bad value of any argument (empty or non-finite
        grids, negative amplitudes, ωV ≤ 0, n_steps < 1, no ions, ions at the
        same place with interactions on), a sweep whose every run would take
        longer than :data:`trapode.budget.MAX_SECONDS`, or a checkpoint that
        cannot be used (made with other settings, not a trapode checkpoint, in
        a missing folder).
    SweepError
        If some runs failed ``retries + 1`` times or became non-finite. All
        other runs are in its ``result`` (and in the checkpoint).
    trapode.Interrupted
        On Ctrl-C, within a fraction of a second; the finished runs are in its
        ``result`` (and in the checkpoint).
    TimeoutError
        If a Dask client has had no worker for ``timeout`` seconds at the start.

    Notes
    -----
    The report's interacting sweep (RK4, h = 0.1 µs) does not resolve close
    encounters: its trapped fraction depends on the step. ``method="adaptive"``
    with ``rtol=atol=1e-6`` is the converged version (``trapode reproduce``
    shows both as fig. 16).

    Examples
    --------
    >>> import trapode
    >>> trap = trapode.PenningTrap()
    >>> ions = trapode.random_particles(10, trap, seed=1)
    >>> result = trapode.sweep(trap, ions, amplitudes=[0.1], omegas=[1.0, 1.39], t_end=50.0, n_steps=500,
    ...                        progress=False)
    >>> result.fraction_trapped.shape
    (1, 2)
    """
    ions, t_end, n_steps = _check_settings(trap, ions, t_end, n_steps)
    interactions = flag("interactions", interactions)
    amplitude_grid = _check_grid("amplitudes", amplitudes, positive=False)
    omega_grid = _check_grid("omegas", omegas, positive=True)
    # The runs' trap has the drive; each run sets its amplitude and frequency by path.
    config = SimulationConfig(
        trap=dataclasses.replace(trap, drive=Drive(0.0, 1.0)),
        particles=ParticleSet.from_particles(ions),
        t_end=t_end,
        n_steps=n_steps,
        method=method,
        interactions=interactions,
        save_every="final",
        rtol=SimulationConfig.rtol if rtol is None else rtol,
        atol=SimulationConfig.atol if atol is None else atol,
    )
    try:
        scanned = scan(
            config,
            {"drive.amplitude": amplitude_grid, "drive.omega": omega_grid},
            checkpoint=checkpoint,
            executor=executor,
            progress=progress,
            batch_size=batch_size,
            retries=retries,
            timeout=timeout,
            _description="sweep",
        )
    except ScanError as error:
        failures = [(ia, iw, cause) for (ia, iw), cause in error.failures]
        # The runs named by the drive's own symbols, as a sweep's user knows them.
        message = str(error).replace("drive.amplitude=", "f=").replace("drive.omega=", "ωV=")
        raise SweepError(message, _as_sweep(trap, error.result), failures) from None
    except Interrupted as interrupted:
        message = str(interrupted).replace("Scan interrupted", "Sweep interrupted", 1)
        raise Interrupted(message, result=_as_sweep(trap, interrupted.result)) from None
    return _as_sweep(trap, scanned)


def _as_sweep(trap: PenningTrap, scanned: ScanResult) -> SweepResult:
    config = scanned.config
    return SweepResult(
        trap=dataclasses.replace(trap, drive=None),
        ions=tuple(config.particles),
        amplitudes=scanned.grids[0],
        omegas=scanned.grids[1],
        t_end=config.t_end,
        n_steps=config.n_steps,
        interactions=config.interactions and len(config.particles) > 1,
        trapped=scanned.trapped,
        completed=scanned.completed,
        method=config.method,
    )


def load_sweep(path: Any) -> SweepResult:
    """Read a :class:`SweepResult` written by :meth:`SweepResult.save`, checked before any array is read.

    Raises
    ------
    ConfigError
        If the file is missing, not a saved sweep, damaged, or its arrays do not fit its header.
    """
    from . import archive
    from .setup.io import trap_from_dict
    from .setup.particle_set import ParticleSet

    keys = ("trap", "t_end", "n_steps", "interactions", "method")
    with archive.read(path, "load_sweep path", "sweep", _SWEEP_FORMAT, keys=keys) as reader:
        header, shown = reader.header, reader.shown
        trap = trap_from_dict(header["trap"], source=shown)
        amplitudes, omegas, charges = (
            reader.vector("amplitudes", "f"),
            reader.vector("omegas", "f"),
            reader.vector("ion_q", "f"),
        )
        n = charges.size
        grid = (amplitudes.size, omegas.size)
        trapped, completed = reader.array("trapped", (*grid, n), "b"), reader.array("completed", grid, "b")
        ions = ParticleSet.from_stored(
            reader.array("ion_r", (n, 3), "f"),
            reader.array("ion_v", (n, 3), "f"),
            charges,
            reader.array("ion_m", (n,), "f"),
            reader.array("ion_species", (n,), "U"),
        )
    return SweepResult(
        trap=trap,
        ions=tuple(ions),
        amplitudes=amplitudes,
        omegas=omegas,
        t_end=header["t_end"],
        n_steps=header["n_steps"],
        interactions=header["interactions"],
        trapped=trapped,
        completed=completed,
        method=header["method"],
    )
