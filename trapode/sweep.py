"""Resonance sweeps: many driven runs of the same ions, one per (amplitude, ωV).

Every run uses RK4 on all the ions for ``t_end`` and records which ions are
still inside the trap (``|r| < d``). Runs are batched into the compiled
kernel that spreads them over numba's threads
(:func:`trapode.integrators.runs.final_states`, compiled for RK4), each run's
drive passed by name as parameter values; batches can also go to any
``concurrent.futures.Executor`` or a Dask cluster. A run's result never
depends on the batching or the number of workers.
"""

from __future__ import annotations

import dataclasses
import os
import sys
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import FIRST_COMPLETED, Executor, wait
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
from numpy.typing import ArrayLike

from ._validate import count, real, short_repr
from .checkpoint import Checkpoint
from .compile.templates import instance_name
from .errors import ConfigError
from .forces.total import COULOMB_SERIAL
from .setup.io import trap_to_dict
from .setup.particles import Particle
from .setup.trap import Drive, PenningTrap
from .system import ParticleSystem, model_constants

if TYPE_CHECKING:
    from dask.distributed import Client
    from matplotlib.axes import Axes
    from tqdm.auto import tqdm

    from .resonances import Resonance

__all__ = ["SweepError", "SweepResult", "sweep"]


class SweepError(RuntimeError):
    """Some runs of a sweep failed twice; ``result`` holds everything else (NaN where a run failed)."""

    def __init__(
        self, message: str, result: SweepResult, failures: list[tuple[int, int, BaseException | None]]
    ) -> None:
        super().__init__(message)
        self.result = result
        self.failures = failures


@dataclass(frozen=True, eq=False)
class SweepResult:
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
        RK4 steps of each run.
    interactions : bool
        Whether the ions felt each other's Coulomb force.
    trapped : ndarray of bool, shape (n_amplitudes, n_omegas, n_ions)
        Which ions were inside the trap (``|r| < d``) at ``t_end``.
    completed : ndarray of bool, shape (n_amplitudes, n_omegas)
        Which runs finished (all of them unless a :class:`SweepError` was raised).
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

    @property
    def fraction_trapped(self) -> np.ndarray:
        """Fraction of the ions left in the trap, shape (n_amplitudes, n_omegas); NaN for a failed run."""
        fraction = self.trapped.mean(axis=2)
        return np.where(self.completed, fraction, np.nan)

    def plot(self, ax: Axes | None = None, resonances: Iterable[Resonance] | None = None) -> Axes:
        """Fraction trapped against ωV, one curve per amplitude (report figs. 14–16).

        See :func:`trapode.plotting.plot_fraction_trapped`.
        """
        from .plotting import plot_fraction_trapped

        return plot_fraction_trapped(self, ax=ax, resonances=resonances)


def _check_grid(name: str, values: ArrayLike, positive: bool) -> np.ndarray:
    try:
        grid = np.atleast_1d(np.asarray(values))
    except (ValueError, TypeError):
        raise ConfigError(f"{name} must be a sequence of numbers, got {short_repr(values)}.") from None
    if grid.size and grid.dtype.kind not in "iuf":  # text is never parsed as numbers
        raise ConfigError(f"{name} must be a sequence of numbers, got {short_repr(values)}.")
    grid = grid.astype(np.float64)
    if grid.ndim != 1 or grid.size == 0:
        raise ConfigError(f"{name} must be a non-empty 1-D sequence of numbers, got {values!r}.")
    if not np.all(np.isfinite(grid)):
        raise ConfigError(f"{name} must be finite, got {grid.tolist()}.")
    bad = grid[grid <= 0] if positive else grid[grid < 0]
    if bad.size:
        expected = "> 0 (angular frequencies in rad/µs)" if positive else "≥ 0 (relative amplitudes)"
        raise ConfigError(f"{name} must all be {expected}, got {bad.tolist()}.")
    return grid


def _check_settings(
    trap: PenningTrap, ions: Particle | Iterable[Particle], t_end: float, n_steps: int
) -> tuple[tuple[Particle, ...], float, int]:
    if not isinstance(trap, PenningTrap):
        raise ConfigError(f"trap must be a trapode.PenningTrap, got {trap!r}.")
    if isinstance(ions, Particle):
        ions = [ions]
    ions = tuple(ions)
    if not ions:
        raise ConfigError("ions must hold at least one trapode.Particle, got none.")
    for index, ion in enumerate(ions):
        if not isinstance(ion, Particle):
            raise ConfigError(f"ions[{index}] must be a trapode.Particle, got {ion!r}.")
    t_end = real("t_end", t_end, "a positive finite duration in µs", minimum=0.0, strict=True)
    return ions, t_end, count("n_steps", n_steps)


def _settings_record(
    trap: PenningTrap, ions: Sequence[Particle], t_end: float, n_steps: int, interactions: bool
) -> dict[str, Any]:
    """Everything that makes a run, but its drive: the identity of a checkpoint."""
    return {
        "format": "trapode-sweep-1",
        "method": "rk4",
        "trap": trap_to_dict(trap),
        "ions": [[ion.q, ion.m, *ion.r, *ion.v] for ion in ions],
        "t_end": float(t_end),
        "n_steps": int(n_steps),
        "interactions": bool(interactions),
    }


@dataclass(frozen=True)
class _Batch:
    """One batch of runs: plain arrays, picklable, so that it can go to another process or machine."""

    system: ParticleSystem
    t_end: float
    n_steps: int
    amplitudes: np.ndarray
    omegas: np.ndarray


def run_batch(batch: _Batch) -> np.ndarray:
    """Compute one batch of runs; returns the ``trapped`` rows, shape (runs, ions). Runs where it is sent."""
    system = batch.system
    model = system.model
    values = system.trap.parameter_values()
    rows = np.array(
        [
            model_constants(model, {**values, "drive.amplitude": amplitude, "drive.omega": omega})
            for amplitude, omega in zip(batch.amplitudes, batch.omegas, strict=True)
        ]
    )
    runs, n = rows.shape[0], system.n_particles
    final_pos, final_vel = np.empty((2, runs, 3, n))
    finite = np.empty(runs, dtype=np.bool_)
    trapped = np.empty((runs, n), dtype=np.bool_)
    kernel = getattr(model, instance_name("final_states", "rk4_advance"))
    # The runs are spread over the threads, so each run sums its Coulomb forces on one.
    coulomb = min(system.coulomb, COULOMB_SERIAL)
    kernel(
        batch.n_steps,
        batch.t_end / batch.n_steps,
        system.positions,
        system.velocities,
        system.charge,
        system.q_over_m,
        rows,
        coulomb,
        system.coulomb_constant,
        final_pos,
        final_vel,
        finite,
        trapped,
    )
    return trapped


def _as_executor(executor: Any) -> Executor | None:
    """A concurrent.futures-style executor from an Executor, a Dask Client or None."""
    if hasattr(executor, "get_executor"):  # a dask.distributed.Client
        return executor.get_executor()
    if executor is None or hasattr(executor, "submit"):
        return executor
    raise ConfigError(
        f"executor must be None, a concurrent.futures.Executor or a dask.distributed.Client, got {executor!r}."
    )


def _progress_bar(total: int, enabled: bool, description: str) -> tqdm:
    from tqdm.auto import tqdm

    # disable=None: silent when stderr is not a terminal; delay: only sweeps longer than a second show a bar.
    return tqdm(
        total=total,
        disable=None if enabled else True,
        delay=1.0,
        file=sys.stderr,
        unit="run",
        desc=description,
        leave=False,
    )


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
        RK4 steps per run. Default 5000.
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

    Returns
    -------
    SweepResult

    Raises
    ------
    ConfigError
        For empty or non-finite grids, negative amplitudes, ωV ≤ 0, n_steps < 1,
        no ions, or a checkpoint made with other settings; before any work.
    SweepError
        If some runs failed ``retries + 1`` times. All other runs are in its
        ``result`` (and in the checkpoint).

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
    amplitude_grid = _check_grid("amplitudes", amplitudes, positive=False)
    omega_grid = _check_grid("omegas", omegas, positive=True)
    executor = _as_executor(executor)
    if batch_size is None and executor is not None:
        batch_size = 1
    elif batch_size is None:
        from numba import get_num_threads

        batch_size = get_num_threads()
    batch_size = count("batch_size", batch_size)
    static_trap = dataclasses.replace(trap, drive=None)
    # The runs' model has the drive; each run sets its amplitude and frequency by name.
    system = ParticleSystem.from_particles(ions, dataclasses.replace(trap, drive=Drive(0.0, 1.0)), interactions)
    interactions = system.interactions  # off for a single ion, as in simulate()

    shape = (amplitude_grid.size, omega_grid.size)
    trapped = np.zeros((*shape, len(ions)), dtype=np.bool_)
    completed = np.zeros(shape, dtype=np.bool_)
    store: Checkpoint | None = None
    if checkpoint is not None:
        store = Checkpoint(checkpoint, _settings_record(static_trap, ions, t_end, n_steps, interactions))
    try:
        if store is not None:
            finished = store.finished()
            for (ia, iw), _ in np.ndenumerate(completed):
                row = finished.get((float(amplitude_grid[ia]), float(omega_grid[iw])))
                if row is not None:
                    trapped[ia, iw] = row
                    completed[ia, iw] = True
        todo = [index for index, done in np.ndenumerate(completed) if not done]
        batches = []
        for start in range(0, len(todo), batch_size):
            indices = todo[start : start + batch_size]
            batches.append(
                (
                    indices,
                    _Batch(
                        system,
                        t_end,
                        n_steps,
                        amplitudes=np.array([amplitude_grid[ia] for ia, _ in indices]),
                        omegas=np.array([omega_grid[iw] for _, iw in indices]),
                    ),
                )
            )

        def record(indices: Sequence[tuple[int, ...]], batch: _Batch, rows: np.ndarray) -> None:
            for (ia, iw), row in zip(indices, rows, strict=True):
                trapped[ia, iw] = row
                completed[ia, iw] = True
            if store is not None:
                store.record(batch.amplitudes, batch.omegas, rows)

        failures = _run_batches(batches, record, executor, retries, _progress_bar(len(todo), progress, "sweep"))
    finally:
        if store is not None:
            store.close()
    result = SweepResult(
        trap=static_trap,
        ions=ions,
        amplitudes=amplitude_grid,
        omegas=omega_grid,
        t_end=t_end,
        n_steps=n_steps,
        interactions=interactions,
        trapped=trapped,
        completed=completed,
    )
    if failures:
        shown = ", ".join(f"(f={amplitude_grid[ia]:g}, ωV={omega_grid[iw]:g})" for ia, iw, _ in failures[:5])
        raise SweepError(
            f"{len(failures)} run(s) failed {retries + 1} times: {shown}{', ...' if len(failures) > 5 else ''}; "
            f"first error: {failures[0][2]!r}. The other runs are in this exception's `result`"
            f"{' and in the checkpoint' if checkpoint is not None else ''}.",
            result,
            failures,
        )
    return result


def _run_batches(
    batches: Sequence[tuple[Sequence[tuple[int, ...]], _Batch]],
    record: Callable[[Sequence[tuple[int, ...]], _Batch, np.ndarray], None],
    executor: Executor | None,
    retries: int,
    bar: tqdm,
) -> list[tuple[int, int, BaseException | None]]:
    """Run every batch, here or on ``executor``, retrying failures; returns the runs that failed for good."""
    failures: list[tuple[int, int, BaseException | None]] = []
    rows: np.ndarray | None
    error: BaseException | None
    with bar:
        if executor is None:
            for indices, batch in batches:
                rows, error = None, None
                for _ in range(retries + 1):
                    try:
                        rows = run_batch(batch)
                        break
                    except Exception as caught:
                        error = caught
                if rows is None:
                    failures.extend((ia, iw, error) for ia, iw in indices)
                else:
                    record(indices, batch, rows)
                bar.update(len(indices))
            return failures
        pending = {executor.submit(run_batch, batch): (indices, batch, 0) for indices, batch in batches}
        while pending:
            done, _ = wait(pending, return_when=FIRST_COMPLETED)
            for future in done:
                indices, batch, attempt = pending.pop(future)
                error = future.exception()
                if error is None:
                    record(indices, batch, future.result())
                    bar.update(len(indices))
                elif attempt < retries:
                    try:
                        pending[executor.submit(run_batch, batch)] = (indices, batch, attempt + 1)
                    except Exception as caught:
                        try:
                            record(indices, batch, run_batch(batch))
                        except Exception:
                            failures.extend((ia, iw, caught) for ia, iw in indices)
                        bar.update(len(indices))
                else:
                    failures.extend((ia, iw, error) for ia, iw in indices)
                    bar.update(len(indices))
    return failures
