"""Resonance sweeps: many driven runs of the same ions, one per (amplitude, ωV).

Every run uses RK4 on all the ions for ``t_end`` and records which ions are
still inside the trap (``|r| < d``). Runs are batched into the compiled
kernel that spreads them over numba's threads
(:func:`trapode.integrators.runs.final_states`, compiled for RK4), each run's
drive passed by name as parameter values; batches can also go to any
``concurrent.futures.Executor`` or a Dask cluster. A run's result never
depends on the batching or the number of workers.

A sweep fails safe: ions that would collide are refused before any work, a
run whose state becomes non-finite is reported (never counted as a loss),
Ctrl-C stops within a fraction of a second keeping every finished run (on the
exception and in the checkpoint), a retry on Dask really runs the task again,
and a Dask scheduler without workers gives up after ``timeout`` seconds.
"""

from __future__ import annotations

import dataclasses
import os
import sqlite3
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import FIRST_COMPLETED, Executor, wait
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
from numpy.typing import ArrayLike

from ._validate import count, flag, instance, real, sequence_of, short_repr
from .budget import check_duration, seconds_at_least
from .checkpoint import Checkpoint
from .compile.templates import instance_name
from .errors import ConfigError, Interrupted
from .forces.total import COULOMB_SERIAL
from .monitor import QUIET, Monitor, Progress
from .setup.config import reject_coincident
from .setup.io import trap_to_dict
from .setup.particles import Particle
from .setup.trap import Drive, PenningTrap
from .system import ParticleSystem, model_constants

if TYPE_CHECKING:
    from dask.distributed import Client
    from matplotlib.axes import Axes

    from .resonances import Resonance

__all__ = ["SweepError", "SweepResult", "sweep"]


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
        Which runs finished (all of them unless a :class:`SweepError` or
        :class:`trapode.Interrupted` was raised).
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
    instance("trap", trap, PenningTrap, "a trapode.PenningTrap")
    if isinstance(ions, Iterator):
        ions = list(ions)
    ions = sequence_of("ions", ions, Particle, "trapode.Particle", allow_empty=False)
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


def run_batch(batch: _Batch, monitor: Progress = QUIET, threads: bool = True) -> tuple[np.ndarray, np.ndarray] | None:
    """Compute one batch of runs where it is sent.

    Returns ``trapped`` (runs, ions) and ``finite`` (runs,): who is inside the
    trap at the end, and whether the run's final state is finite. The runs
    advance in chunks of about a tenth of a second; None if ``monitor`` asked
    to stop between two of them (Ctrl-C). ``threads`` spreads the runs over
    numba's threads; workers run them on one thread each (they are already
    many, and GNU OpenMP, numba's threads on Linux, cannot run in a process
    forked from one that used it, as a ``ProcessPoolExecutor``'s are).
    """
    from numba import get_num_threads

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
    pos = np.repeat(system.positions[np.newaxis], runs, axis=0)
    vel = np.repeat(system.velocities[np.newaxis], runs, axis=0)
    kernel = getattr(model, instance_name("final_states", "rk4_advance") + ("" if threads else "__serial"))
    # The runs are spread over the threads, so each run sums its Coulomb forces on one.
    coulomb = min(system.coulomb, COULOMB_SERIAL)
    h = batch.t_end / batch.n_steps
    chunk = system.chunk_steps(runs_per_thread=-(-runs // get_num_threads()) if threads else runs)
    for first in range(0, batch.n_steps, chunk):
        last = min(first + chunk, batch.n_steps)
        kernel(first, last, h, system.charge, system.q_over_m, rows, coulomb, system.coulomb_constant, pos, vel)
        if last < batch.n_steps and monitor.stop_requested:
            return None
    finite = np.empty(runs, dtype=np.bool_)
    trapped = np.empty((runs, n), dtype=np.bool_)
    model.run_verdicts(pos, vel, rows, finite, trapped)
    return trapped, finite


class _Workers:
    """Where batches run: this process, a concurrent.futures executor, or a Dask client's workers."""

    def __init__(self, executor: Any, timeout: float) -> None:
        self.timeout = timeout
        self.client = executor if hasattr(executor, "get_executor") else None  # a dask.distributed.Client
        if self.client is not None:
            # pure=False: every submission is a new task, so that a retry really runs again (a pure task
            # with the same arguments would hand back the same failed future).
            self.executor: Executor | None = self.client.get_executor(pure=False)
        elif executor is None or callable(getattr(executor, "submit", None)):
            self.executor = executor
        else:
            raise ConfigError(
                "executor must be None, a concurrent.futures.Executor or a dask.distributed.Client, "
                f"got {short_repr(executor)}."
            )

    def wait_for_one(self) -> None:
        """With a Dask client, wait until it has a worker; TimeoutError after ``timeout`` seconds."""
        if self.client is None:
            return
        try:
            self.client.wait_for_workers(1, timeout=self.timeout)
        except Exception as error:  # distributed raises its own TimeoutError, or an OSError if the scheduler left
            raise TimeoutError(
                f"The Dask scheduler {short_repr(getattr(self.client, 'scheduler', None))} has had no worker for "
                f"{self.timeout:g} s ({type(error).__name__}): start workers (dask worker ADDRESS), or raise timeout."
            ) from None

    def idle(self) -> bool:
        """Whether a Dask client has no worker left (its tasks would wait for ever)."""
        if self.client is None:
            return False
        try:
            return not self.client.scheduler_info().get("workers")
        except Exception:
            return True


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
    timeout : float
        With a Dask client: seconds to wait for a worker, at the start or
        when all have gone, before giving up. Default 60.

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
    progress = flag("progress", progress)
    amplitude_grid = _check_grid("amplitudes", amplitudes, positive=False)
    omega_grid = _check_grid("omegas", omegas, positive=True)
    retries = count("retries", retries, minimum=0)
    timeout = real("timeout", timeout, "a positive number of seconds", minimum=0.0, strict=True)
    workers = _Workers(executor, timeout)
    if batch_size is None and workers.executor is not None:
        batch_size = 1
    elif batch_size is None:
        from numba import get_num_threads

        batch_size = get_num_threads()
    batch_size = count("batch_size", batch_size)
    if interactions and len(ions) > 1:
        reject_coincident("ions", [ion.r for ion in ions])
    check_duration(
        seconds_at_least(n_steps, len(ions), interactions),
        f"Each run of {len(ions)} ion(s) over n_steps = {n_steps} steps",
        "use fewer steps or ions",
    )
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
            finished = store.finished(len(ions))
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
        failures: list[tuple[int, int, BaseException | None]] = []
        store_errors: list[BaseException] = []

        def record(indices: Sequence[tuple[int, ...]], batch: _Batch, outcome: tuple[np.ndarray, np.ndarray]) -> None:
            rows, finite = outcome
            for (ia, iw), row, ok in zip(indices, rows, finite, strict=True):
                if ok:
                    trapped[ia, iw] = row
                    completed[ia, iw] = True
                else:
                    failures.append((ia, iw, FloatingPointError("the state became non-finite")))
            if store is not None and finite.any() and not store_errors:
                try:
                    store.record(batch.amplitudes[finite], batch.omegas[finite], rows[finite])
                except (sqlite3.Error, OSError) as error:  # disk full, locked for a minute: keep the runs here
                    store_errors.append(error)

        with Monitor(len(todo), "run", "sweep", progress) as monitor:
            stopped = _run_batches(batches, record, workers, retries, monitor, failures)
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
    kept = " and in the checkpoint" if checkpoint is not None and not store_errors else ""
    if store_errors and not stopped:
        raise SweepError(
            f"The checkpoint {short_repr(str(checkpoint))} could not be written ({store_errors[0]!r}); "
            f"the {int(completed.sum())} finished runs are on this exception's `result`.",
            result,
            failures,
        )
    if stopped:
        raise Interrupted(
            f"Sweep interrupted with {int(completed.sum())} of {completed.size} runs finished; they are on this "
            f"exception's `result`{kept}.",
            result=result,
        )
    if failures:
        failures.sort(key=lambda failure: failure[:2])
        shown = ", ".join(f"(f={amplitude_grid[ia]:g}, ωV={omega_grid[iw]:g})" for ia, iw, _ in failures[:5])
        nonfinite = sum(isinstance(error, FloatingPointError) for _, _, error in failures)
        timed_out = sum(isinstance(error, TimeoutError) for _, _, error in failures)
        raised = len(failures) - nonfinite - timed_out
        why = [f"{raised} failed {retries + 1} time(s)"] if raised else []
        if nonfinite:
            why.append(
                f"{nonfinite} became non-finite (ions that collide, or a step too long for the motion: "
                "try more n_steps)"
            )
        if timed_out:
            why.append(f"{timed_out} had no Dask worker left for {timeout:g} s")
        raise SweepError(
            f"{len(failures)} run(s) did not finish: {shown}{', ...' if len(failures) > 5 else ''}; "
            f"{'; '.join(why)}; first error: {failures[0][2]!r}. They are not counted as losses; the other runs "
            f"are in this exception's `result`{kept}.",
            result,
            failures,
        )
    return result


def _run_batches(
    batches: Sequence[tuple[Sequence[tuple[int, ...]], _Batch]],
    record: Callable[[Sequence[tuple[int, ...]], _Batch, tuple[np.ndarray, np.ndarray]], None],
    workers: _Workers,
    retries: int,
    monitor: Monitor,
    failures: list[tuple[int, int, BaseException | None]],
) -> bool:
    """Run every batch, here or on the workers, retrying failures into ``failures``; True if stopped by Ctrl-C."""
    if workers.executor is None:
        for indices, batch in batches:
            outcome: tuple[np.ndarray, np.ndarray] | None = None
            error: BaseException | None = None
            for _ in range(retries + 1):
                try:
                    outcome = run_batch(batch, monitor)
                    break
                except Exception as caught:
                    error = caught
            if monitor.stop_requested:
                if outcome is not None:
                    record(indices, batch, outcome)
                return True
            if outcome is None:
                failures.extend((ia, iw, error) for ia, iw in indices)
            else:
                record(indices, batch, outcome)
            monitor.update(len(indices))
        return False
    executor = workers.executor
    workers.wait_for_one()
    # On the workers, one thread per run (see run_batch).
    pending = {executor.submit(run_batch, batch, QUIET, False): (indices, batch, 0) for indices, batch in batches}
    idle_since: float | None = None
    try:
        while pending:
            done, _ = wait(pending, timeout=0.2, return_when=FIRST_COMPLETED)
            if monitor.stop_requested:
                for future in done:  # finished runs are kept, even when stopping
                    indices, batch, _ = pending.pop(future)
                    finished = future.result() if future.exception() is None else None
                    if finished is not None:
                        record(indices, batch, finished)
                return True
            if not done:
                # Tasks wait for ever on a cluster without workers: give up after the timeout.
                if workers.idle():
                    idle_since = idle_since if idle_since is not None else time.monotonic()
                    if time.monotonic() - idle_since > workers.timeout:
                        error = TimeoutError(f"no Dask worker for {workers.timeout:g} s")
                        for indices, _, _ in pending.values():
                            failures.extend((ia, iw, error) for ia, iw in indices)
                        return False
                else:
                    idle_since = None
                continue
            for future in done:
                indices, batch, attempt = pending.pop(future)
                error = future.exception()
                if error is None:
                    outcome = future.result()
                    assert outcome is not None  # run_batch stops early only for a monitor, and it has none there
                    record(indices, batch, outcome)
                    monitor.update(len(indices))
                elif attempt < retries:
                    try:
                        pending[executor.submit(run_batch, batch, QUIET, False)] = (indices, batch, attempt + 1)
                    except Exception as refused:  # a pool shut down or broken: these runs fail, the rest stay
                        failures.extend((ia, iw, refused) for ia, iw in indices)
                        monitor.update(len(indices))
                else:
                    failures.extend((ia, iw, error) for ia, iw in indices)
                    monitor.update(len(indices))
        return False
    finally:
        for future in pending:
            future.cancel()
