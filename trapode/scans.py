"""Scans: one configuration run once per point of a grid over any of its parameters.

``scan(config, {"excitations[0].omega": grid}, observe="radial_energy")``
names each parameter by its path in the configuration (:func:`scan_parameters`
lists them), runs the configuration at every point of the grid (the outer
product of the grids of all paths), and keeps each run's final state, from
which the observable is computed.

Every run of a scan shares one compiled model: the parameters are run-time
values (:meth:`trapode.PenningTrap.parameter_values`), so a point is a row of
derived constants and the runs are batched into the compiled kernel that
spreads them over numba's threads
(:func:`trapode.integrators.runs.final_states`). Batches can also go to any
``concurrent.futures.Executor`` or a Dask cluster. A run's result never
depends on the batching or the number of workers.

A scan fails safe, as the sweeps it generalises: everything is checked before
any work; a run whose state becomes non-finite is reported (never counted as a
loss); Ctrl-C stops within a fraction of a second keeping every finished run
(on the exception and in the checkpoint); a retry on Dask really runs the task
again; and a Dask scheduler without workers gives up after ``timeout`` seconds.
"""

from __future__ import annotations

import dataclasses
import itertools
import os
import re
import sqlite3
import time
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import FIRST_COMPLETED, Executor, wait
from dataclasses import dataclass
from functools import cached_property
from types import MappingProxyType
from typing import TYPE_CHECKING, Any

import numpy as np
from numpy.typing import ArrayLike

from ._display import Summarised, range_text, setup_rows
from ._validate import close_matches, count, flag, instance, real, short_repr
from .budget import check_duration, check_memory, seconds_at_least
from .checkpoint import Checkpoint
from .compile.templates import instance_name
from .errors import ConfigError, Interrupted
from .forces.total import COULOMB_SERIAL
from .integrators import FixedStepIntegrator, get_method
from .integrators.base import species_of
from .modes import mode_radii, orbit_energy
from .monitor import QUIET, Monitor, Progress
from .setup.config import SimulationConfig
from .setup.io import config_to_dict
from .system import ParticleSystem, model_constants

if TYPE_CHECKING:
    from dask.distributed import Client
    from matplotlib.axes import Axes

__all__ = ["OBSERVABLES", "ScanError", "ScanResult", "load_scan", "scan", "scan_parameters"]

#: The observables a scan can record by name (any function of the final state is also accepted).
OBSERVABLES = MappingProxyType(
    {
        "fraction_trapped": "fraction of the particles inside the trap at t_end",
        "radii": "final mode radii ρ₊, ρ₋, ρz in µm (mean over the particles still trapped)",
        "radial_energy": "final energy of the radial orbits ½m(ω₊²ρ₊² + ω₋²ρ₋²) in eV (mean over those trapped)",
    }
)

_INDEXED = re.compile(r"^(excitations|potentials|magnetic_fields)\[(\d+)\]\.(.+)$")


class ScanError(RuntimeError):
    """Some runs of a scan did not finish; ``result`` holds everything else (NaN where a run failed).

    ``failures`` lists ``(index, error)`` for each, ``index`` the run's place
    in the grid: an exception raised ``retries + 1`` times, a
    :class:`FloatingPointError` for a run whose state became non-finite, or a
    :class:`TimeoutError` for runs left when a Dask cluster lost its workers.
    """

    def __init__(self, message: str, result: ScanResult, failures: list[tuple[tuple[int, ...], BaseException | None]]):
        super().__init__(message)
        self.result = result
        self.failures = failures


def scan_parameters(config: SimulationConfig) -> dict[str, float]:
    """Every parameter a scan of ``config`` can vary, by path, with its value in the user's units.

    The trap's numbers (``"B0"``, ``"C4"``, ...), its drive (``"drive.omega"``,
    when it has one), each excitation's amplitude, omega, phase, start and
    duration (``"excitations[0].omega"``), the parameters of user terms
    (``"potentials[0].C"``) and the damping rate (``"damping"``). A path may
    also be written with a leading ``"trap."``.
    """
    instance("config", config, SimulationConfig, "a trapode.SimulationConfig")
    values = {
        path: value
        for path, value in config.trap.parameter_values().items()
        if not path.startswith("constants.")
        and "direction[" not in path  # a direction is normalised: its components are not free
        and (config.trap.drive is not None or not path.startswith("drive."))
    }
    values["damping"] = config.damping
    return values


def _check_paths(config: SimulationConfig, parameters: object) -> dict[str, np.ndarray]:
    """The scanned paths (without ``trap.``) and their grids, checked."""
    if not isinstance(parameters, Mapping) or not parameters:
        raise ConfigError(
            f"parameters must be a non-empty mapping of parameter paths to grids, such as "
            f'{{"excitations[0].omega": omegas}}, got {short_repr(parameters)}.'
        )
    known = scan_parameters(config)
    grids: dict[str, np.ndarray] = {}
    for given, values in parameters.items():
        path = given[len("trap.") :] if isinstance(given, str) and given.startswith("trap.") else given
        if not isinstance(path, str) or path not in known:
            shown = ", ".join(sorted(known)[:40])
            hint = close_matches(path, known) if isinstance(path, str) else ""
            raise ConfigError(
                f"scan path {short_repr(given)} names no parameter of this configuration.{hint} "
                f"Paths that exist: {shown}."
            )
        if path in grids:
            raise ConfigError(f"scan path {given!r} is given twice.")
        grids[path] = scan_grid(f"the grid of {given!r}", values)
    return grids


def scan_grid(name: str, values: object) -> np.ndarray:
    """A grid of a scan: a non-empty 1-D sequence of finite numbers (never text), as floats."""
    if values is None or isinstance(values, (str, bytes, dict, set)):
        raise ConfigError(f"{name} must be a non-empty 1-D sequence of numbers, got {short_repr(values)}.")
    try:
        grid = np.atleast_1d(np.asarray(values))
    except (ValueError, TypeError):
        raise ConfigError(f"{name} must be a non-empty 1-D sequence of numbers, got {short_repr(values)}.") from None
    if grid.ndim != 1 or grid.size == 0 or grid.dtype.kind not in "iuf":  # text is never parsed as numbers
        raise ConfigError(f"{name} must be a non-empty 1-D sequence of numbers, got {short_repr(values)}.")
    try:
        grid = grid.astype(np.float64)
    except OverflowError:
        raise ConfigError(f"{name} must be finite numbers, got {short_repr(values)}.") from None
    if not np.all(np.isfinite(grid)):
        raise ConfigError(f"{name} must be finite, got {short_repr(grid.tolist())}.")
    return grid


def with_values(config: SimulationConfig, values: Mapping[str, float]) -> SimulationConfig:
    """``config`` with the parameters at ``values`` (paths as :func:`scan_parameters`), every value checked."""
    trap_changes: dict[str, Any] = {}
    trap = config.trap
    damping = config.damping
    excitations, potentials, fields = list(trap.excitations), list(trap.potentials), list(trap.magnetic_fields)
    for path, value in values.items():
        indexed = _INDEXED.match(path)
        if path == "damping":
            damping = value
        elif path.startswith("drive."):
            drive = trap_changes.get("drive", trap.drive)
            assert drive is not None  # scan_parameters lists drive paths only for a trap with a drive
            trap_changes["drive"] = dataclasses.replace(drive, **{path[6:]: value})
        elif indexed is None:
            trap_changes[path] = value
        else:
            kind, index, name = indexed.group(1), int(indexed.group(2)), indexed.group(3)
            if kind == "excitations":
                excitations[index] = dataclasses.replace(excitations[index], **{name: value})
            else:
                terms = potentials if kind == "potentials" else fields
                term = terms[index]
                content = term.expression if kind == "potentials" else term.components
                terms[index] = type(term)(content, **{**term.parameter_values, name: value})
    trap = dataclasses.replace(
        trap,
        excitations=tuple(excitations),
        potentials=tuple(potentials),
        magnetic_fields=tuple(fields),
        **trap_changes,
    )
    return dataclasses.replace(config, trap=trap, damping=damping)


#: The format name of a saved scan (:meth:`ScanResult.save`).
_SCAN_FORMAT = "trapode-scan-1"


@dataclass(frozen=True, eq=False, repr=False)
class ScanResult(Summarised):
    """The final states of a scan's runs, and the observable it records.

    Attributes
    ----------
    config : SimulationConfig
        The configuration scanned (its values at the scanned paths are replaced by each point's).
    paths : tuple of str
        The scanned parameters, by path (:func:`scan_parameters`).
    grids : tuple of ndarray
        The values of each path; the runs are their outer product, so every
        per-run array has the shape ``shape = tuple(len(g) for g in grids)``.
    observe : str or callable
        The observable :attr:`values` holds (see :data:`OBSERVABLES`).
    positions, velocities : ndarray, shape ``(*shape, N, 3)``
        Final state of every particle of every run, µm and µm/µs.
    trapped : ndarray of bool, shape ``(*shape, N)``
        Which particles were inside the trap (``|r| < d``) at ``t_end``.
    completed : ndarray of bool, shape ``shape``
        Which runs finished (all of them unless a :class:`ScanError` or
        :class:`trapode.Interrupted` was raised); NaN marks the others' values.
    """

    config: SimulationConfig
    paths: tuple
    grids: tuple
    observe: Any
    positions: np.ndarray
    velocities: np.ndarray
    trapped: np.ndarray
    completed: np.ndarray

    def _summary_rows(self) -> list[tuple[str, str]]:
        observed = self.observe if isinstance(self.observe, str) else getattr(self.observe, "__name__", "a function")
        rows = [(path, range_text(grid)) for path, grid in zip(self.paths, self.grids, strict=True)]
        rows += [("observable", observed), ("runs", f"{int(self.completed.sum())} of {self.completed.size} completed")]
        return [*setup_rows(self.config), ("particles", f"{self.config.n_particles} in each run"), *rows]

    @property
    def shape(self) -> tuple[int, ...]:
        """The grid's shape: one axis per path."""
        return tuple(grid.size for grid in self.grids)

    def config_at(self, index: Sequence[int]) -> SimulationConfig:
        """The configuration of the run at ``index`` (one integer per path)."""
        return with_values(
            self.config, {path: float(grid[i]) for path, grid, i in zip(self.paths, self.grids, index, strict=True)}
        )

    @property
    def fraction_trapped(self) -> np.ndarray:
        """Fraction of the particles inside the trap at t_end, shape ``shape``; NaN for a failed run."""
        return np.where(self.completed, self.trapped.mean(axis=-1), np.nan)

    @cached_property
    def frequencies(self) -> np.ndarray:
        """(ω₊, ω₋, ωz) in rad/µs of every particle at every point, shape ``(*shape, N, 3)``.

        From each point's static trap; computed once (the radii, the energies
        and the theory all need them).
        """
        static = {path for path in self.paths if not path.startswith(("excitations[", "drive.")) and path != "damping"}
        particles = self.config.particles
        out = np.empty((*self.shape, len(particles), 3))
        cache: dict[tuple, tuple[float, float, float]] = {}
        base = self.config
        for index in np.ndindex(*self.shape):
            point = self.config_at(index) if static else base
            for k, particle in enumerate(particles):
                key = (index if static else (), particle.q, particle.m)
                if key not in cache:
                    frequencies = point.trap.frequencies(particle)
                    cache[key] = (frequencies.omega_plus, frequencies.omega_minus, frequencies.omega_z)
                where = (*index, k)
                out[where] = cache[key]
        return out

    @property
    def radii(self) -> np.ndarray:
        """Final mode radii (ρ₊, ρ₋, ρz) of every particle in µm, shape ``(*shape, N, 3)``.

        From the final state with the closed-form mode radii of an axisymmetric
        trap with B along z (:func:`trapode.modes.mode_radii`, :doc:`analysis`),
        with each point's trap frequencies.
        """
        frequencies = self.frequencies
        charge = self.config.particles.q
        rho = mode_radii(self.positions, self.velocities, frequencies, charge, self.config.trap.B0)
        return np.where(self.completed[..., np.newaxis, np.newaxis], rho, np.nan)

    @property
    def radial_energy(self) -> np.ndarray:
        """Final energy of each particle's radial orbits, ``½ m (ω₊² ρ₊² + ω₋² ρ₋²)``, in eV, shape ``(*shape, N)``.

        The radial kinetic energy averaged over the orbits, which a
        time-of-flight detector measures through the magnetic moment
        ``μ = E_r / B``.
        """
        mass = self.config.particles.m
        return orbit_energy(self.radii, self.frequencies, mass)

    @property
    def per_particle(self) -> np.ndarray:
        """The observable of every particle: shape ``(*shape, N)``, or ``(*shape, N, 3)`` for ``"radii"``.

        ``"fraction_trapped"`` gives the trapped flags as 0/1; a function
        observable has no per-particle form (ValueError).
        """
        if self.observe == "fraction_trapped":
            return np.where(self.completed[..., np.newaxis], self.trapped.astype(float), np.nan)
        if self.observe == "radii":
            return self.radii
        if self.observe == "radial_energy":
            return self.radial_energy
        raise ValueError("a function observable has no per-particle values; its result is in `values`.")

    @property
    def values(self) -> np.ndarray:
        """The observable at every point: shape ``shape`` (``(*shape, 3)`` for radii; a function's own shape).

        Radii and radial energies are averaged over the particles still in the
        trap at t_end (NaN where none is); NaN for a failed run.
        """
        if self.observe == "fraction_trapped":
            return self.fraction_trapped
        if self.observe in ("radii", "radial_energy"):
            values = self.per_particle
            kept = self.trapped if values.ndim == self.trapped.ndim else self.trapped[..., np.newaxis]
            with np.errstate(invalid="ignore"):
                total = np.where(kept, values, 0.0).sum(axis=len(self.shape))
                return total / self.trapped.sum(axis=-1).reshape(*self.shape, *([1] * (total.ndim - len(self.shape))))
        outputs = [
            np.asarray(self.observe(self.positions[index], self.velocities[index]), dtype=float)
            if self.completed[index]
            else None
            for index in np.ndindex(*self.shape)
        ]
        shape = next((output.shape for output in outputs if output is not None), ())
        filled = [output if output is not None else np.full(shape, np.nan) for output in outputs]
        return np.array(filled).reshape(*self.shape, *shape)

    def theory(self) -> np.ndarray | None:
        """The prediction of :attr:`values` at every point where one exists, else None.

        For a quadrupole excitation scanned over its frequency, duration or
        amplitude, starting from pure magnetron orbits, the radial energy and
        radii follow the conversion profile (König et al., Int. J. Mass Spectrom.
        Ion Proc. 142, 95 (1995); :doc:`excitations`), see
        :func:`trapode.modes.quadrupole_conversion`.
        """
        from .modes import conversion_prediction

        if self.observe not in ("radii", "radial_energy"):
            return None
        return conversion_prediction(self)

    def save(self, path: Any) -> Any:
        """Write the scan to a ``.npz`` file (trapode's format, :mod:`trapode.archive`); :func:`load_scan` reads it.

        The configuration, the paths and the observable as JSON; the grids and
        the final states as plain arrays; no pickle. A scan whose observable is
        a function cannot be saved (the function is code): scan with a named
        observable, or save its ``values`` yourself. Returns the path written.
        """
        from . import archive
        from .setup.io import config_to_dict

        if not isinstance(self.observe, str):
            raise ConfigError("ScanResult.save: a function observable cannot be saved; scan with a named one.")
        header = {"config": config_to_dict(self.config), "paths": list(self.paths), "observe": self.observe}
        arrays = {f"grid_{k}": np.asarray(grid, dtype=float) for k, grid in enumerate(self.grids)}
        arrays |= {"positions": self.positions, "velocities": self.velocities}
        arrays |= {"trapped": self.trapped, "completed": self.completed}
        return archive.write(path, "ScanResult.save path", _SCAN_FORMAT, header, arrays)

    def to_xarray(self) -> Any:
        """The scan as an ``xarray.Dataset``: one dimension per scanned path (named by the path), particle, axis.

        Final ``positions`` (µm) and ``velocities`` (µm/µs), ``trapped``,
        ``completed``, ``fraction_trapped`` and, for ``observe="radii"`` or
        ``"radial_energy"``, the observable; the configuration as JSON in
        ``attrs["config"]``. Needs xarray (``pip install "trapode[xarray]"``).
        """
        from .export import scan_dataset

        return scan_dataset(self)

    def plot(self, ax: Axes | None = None, theory: bool = True, frequency_unit: str = "rad/µs") -> Axes:
        """The observable against the first scanned parameter, one line per value of a second one.

        See :func:`trapode.plotting.plot_scan`; ``theory`` draws :meth:`theory` where it exists;
        ``frequency_unit`` (``"rad/µs"``, ``"Hz"``, ``"kHz"``, ``"MHz"``) converts scanned
        angular frequencies to ν = ω/2π.
        """
        from .plotting import plot_scan

        return plot_scan(self, ax=ax, theory=theory, frequency_unit=frequency_unit)


@dataclass(frozen=True)
class _Batch:
    """One batch of runs: plain arrays, picklable, so that it can go to another process or machine."""

    system: ParticleSystem
    t_end: float
    n_steps: int
    stepper: str
    points: tuple  # each run's values of the scanned parameters, for the record
    rows: np.ndarray  # each run's derived constants
    flows: np.ndarray  # each run's stepper data (runs, species, L): the splitting's exact flows
    species: np.ndarray  # each particle's row in them


def run_batch(
    batch: _Batch, monitor: Progress = QUIET, threads: bool = True
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray] | None:
    """Compute one batch of runs where it is sent.

    Returns the final ``positions`` and ``velocities`` (runs, 3, N),
    ``trapped`` (runs, N) and ``finite`` (runs,): who is inside the trap at the
    end, and whether the run's final state is finite. The runs advance in
    chunks of about a tenth of a second; None if ``monitor`` asked to stop
    between two of them (Ctrl-C). ``threads`` spreads the runs over numba's
    threads; workers run them on one thread each (they are already many, and
    GNU OpenMP, numba's threads on Linux, cannot run in a process forked from
    one that used it, as a ``ProcessPoolExecutor``'s are).
    """
    from numba import get_num_threads

    system = batch.system
    model = system.model
    rows = batch.rows
    runs, n = rows.shape[0], system.n_particles
    pos = np.repeat(system.positions[np.newaxis], runs, axis=0)
    vel = np.repeat(system.velocities[np.newaxis], runs, axis=0)
    kernel = getattr(model, instance_name("final_states", batch.stepper) + ("" if threads else "__serial"))
    # The runs are spread over the threads, so each run sums its Coulomb forces on one.
    coulomb = min(system.coulomb, COULOMB_SERIAL)
    h = batch.t_end / batch.n_steps
    chunk = system.chunk_steps(runs_per_thread=-(-runs // get_num_threads()) if threads else runs)
    flows = batch.flows.copy()  # the steppers write into it (the adaptive step size); a retry starts afresh
    for first in range(0, batch.n_steps, chunk):
        last = min(first + chunk, batch.n_steps)
        kernel(
            first,
            last,
            h,
            system.charge,
            system.q_over_m,
            rows,
            coulomb,
            system.coulomb_constant,
            pos,
            vel,
            flows,
            batch.species,
        )
        if last < batch.n_steps and monitor.stop_requested:
            return None
    finite = np.empty(runs, dtype=np.bool_)
    trapped = np.empty((runs, n), dtype=np.bool_)
    model.run_verdicts(pos, vel, rows, finite, trapped)
    return pos, vel, trapped, finite


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


@dataclass
class _Progress:
    """What a scan has so far: filled in as batches finish, kept whatever happens next."""

    positions: np.ndarray
    velocities: np.ndarray
    trapped: np.ndarray
    completed: np.ndarray
    failures: list = dataclasses.field(default_factory=list)
    store_errors: list = dataclasses.field(default_factory=list)


def _stepper(config: SimulationConfig) -> FixedStepIntegrator:
    integrator = get_method(config.method)
    if not isinstance(integrator, FixedStepIntegrator):
        raise ConfigError(
            f"a scan runs a fixed-step method, got method {config.method!r}; use "
            f"{', '.join(repr(name) for name in _fixed_step_methods())}."
        )
    return integrator


def _fixed_step_methods() -> list[str]:
    from .integrators import METHODS

    return [name for name, method in METHODS.items() if isinstance(method, FixedStepIntegrator)]


def _check_observable(observe: object) -> Any:
    if callable(observe) and not isinstance(observe, str):
        return observe
    if isinstance(observe, str) and observe in OBSERVABLES:
        return observe
    listed = "; ".join(f"{name!r}: {meaning}" for name, meaning in OBSERVABLES.items())
    hint = close_matches(observe, OBSERVABLES) if isinstance(observe, str) else ""
    raise ConfigError(
        f"observe must name an observable or be a function f(positions, velocities) of the final state "
        f"(arrays (N, 3) in µm and µm/µs), got {short_repr(observe)}.{hint} Observables: {listed}."
    )


def scan(
    config: SimulationConfig,
    parameters: Mapping[str, ArrayLike],
    observe: str | Callable[[np.ndarray, np.ndarray], Any] = "fraction_trapped",
    *,
    checkpoint: str | os.PathLike[str] | None = None,
    executor: Executor | Client | None = None,
    progress: bool = True,
    batch_size: int | None = None,
    retries: int = 1,
    timeout: float = 60.0,
    _description: str = "scan",
) -> ScanResult:
    """Run ``config`` once per point of a grid over any of its parameters and record an observable.

    Parameters
    ----------
    config : SimulationConfig
        The run: trap, particles, ``t_end``, ``n_steps``, a fixed-step
        ``method``, interactions and damping. Every run starts the particles
        from their states in ``config``.
    parameters : mapping of str to sequence of float
        Each scanned parameter's path (:func:`scan_parameters` lists them:
        ``"excitations[0].omega"``, ``"drive.amplitude"``, ``"B0"``,
        ``"damping"``, ...) and its values, in the same units as the
        configuration. The runs are the outer product of the grids, in the
        order given.
    observe : str or callable
        ``"fraction_trapped"`` (default), ``"radii"`` or ``"radial_energy"``
        (:data:`OBSERVABLES`), or a function ``f(positions, velocities)`` of a
        run's final state (arrays (N, 3), µm and µm/µs) returning a number or
        an array. Every run keeps its final state, so the others can be had
        afterwards from the same result (:attr:`ScanResult.radii`, ...).
    checkpoint : str or path-like, optional
        An SQLite file that keeps every finished run; a scan with the same
        configuration and paths skips the runs already there
        (:mod:`trapode.checkpoint`).
    executor : concurrent.futures.Executor or dask.distributed.Client, optional
        Where batches run. Default: this process, on all of numba's threads.
    progress : bool
        Show a progress bar on stderr (only on a terminal, and only after a second).
    batch_size : int, optional
        Runs per batch (per checkpoint transaction and per task). Default: the
        number of numba threads here; one run per task with an executor, so
        that a worker that dies loses only its own run.
    retries : int
        How often a failed batch is tried again before its runs are reported
        as failed. Default 1.
    timeout : float
        With a Dask client: seconds to wait for a worker, at the start or
        when all have gone, before giving up. Default 60.

    Returns
    -------
    ScanResult

    Raises
    ------
    ConfigError
        Before any work: a path that names no parameter (with close matches
        and the paths that exist), an empty or non-finite grid, a grid value
        the parameter cannot take (named with its path), an unknown
        observable, a method that is not fixed-step, a scan whose final states
        cannot fit in memory or whose runs could not finish, a checkpoint that
        cannot be used.
    ScanError
        If some runs failed ``retries + 1`` times or became non-finite. All
        other runs are in its ``result`` (and in the checkpoint).
    trapode.Interrupted
        On Ctrl-C, within a fraction of a second; the finished runs are in its
        ``result`` (and in the checkpoint).
    TimeoutError
        If a Dask client has had no worker for ``timeout`` seconds at the start.

    Examples
    --------
    >>> import numpy as np, trapode
    >>> ion = trapode.Particle(species="40Ca+", r=(50.0, 0.0, 0.0), v=(0.0, -5.226, 0.0))
    >>> quad = trapode.QuadrupoleExcitation(amplitude=1.4e4, omega=2.41, duration=100.0)
    >>> config = trapode.SimulationConfig(trap=trapode.PenningTrap(excitations=[quad]), particles=[ion],
    ...                                   t_end=100.0, n_steps=10000)
    >>> result = trapode.scan(config, {"excitations[0].omega": np.linspace(2.3, 2.5, 5)},
    ...                       observe="radial_energy", progress=False)
    >>> result.values.shape
    (5,)
    """
    instance("config", config, SimulationConfig, "a trapode.SimulationConfig")
    grids = _check_paths(config, parameters)
    observe = _check_observable(observe)
    stepper = _stepper(config)
    progress = flag("progress", progress)
    retries = count("retries", retries, minimum=0)
    timeout = real("timeout", timeout, "a positive number of seconds", minimum=0.0, strict=True)
    workers = _Workers(executor, timeout)
    if batch_size is None:
        from numba import get_num_threads

        batch_size = 1 if workers.executor is not None else get_num_threads()
    batch_size = count("batch_size", batch_size)
    paths = tuple(grids)
    # Every value of every grid must be one its parameter can take: the checks are intervals (a minimum, a
    # maximum), so the smallest and largest values of each grid stand for all of them.
    for path, grid in grids.items():
        for value in {float(grid.min()), float(grid.max())}:
            try:
                with_values(config, {path: value})
            except ConfigError as error:
                raise ConfigError(f"scan path {path!r}: the value {value!r} is refused: {error}") from None
    # The runs' model: each path at its value of largest magnitude, so that a term whose coefficient is zero
    # somewhere but not everywhere is part of it (zero is then just a value of its parameter).
    typical = with_values(config, {path: float(grid[np.argmax(np.abs(grid))]) for path, grid in grids.items()})
    system = ParticleSystem.from_config(typical)
    model = system.model
    n = system.n_particles
    shape = tuple(grid.size for grid in grids.values())
    total = int(np.prod(shape))
    check_memory(
        total * n * (6 * 8 + 1) * 2,
        f"A scan of {total} runs of {n} particle(s), keeping each run's final state",
        "scan fewer points at once (split the grid) or fewer particles",
    )
    check_duration(
        seconds_at_least(config.n_steps, n, system.interactions),
        f"Each run of {n} particle(s) over n_steps = {config.n_steps} steps",
        "use fewer steps or particles",
    )
    base = system.parameter_values()
    h = config.t_end / config.n_steps
    distinct, species = species_of(system.q_over_m)  # the same particles at every point
    points = list(itertools.product(*(grid.tolist() for grid in grids.values())))
    state = _Progress(
        positions=np.full((*shape, n, 3), np.nan),
        velocities=np.full((*shape, n, 3), np.nan),
        trapped=np.zeros((*shape, n), dtype=np.bool_),
        completed=np.zeros(shape, dtype=np.bool_),
    )
    indices = list(np.ndindex(*shape))
    store: Checkpoint | None = None
    if checkpoint is not None:
        settings = {"format": "trapode-scan-1", "paths": list(paths), **config_to_dict(config)}
        store = Checkpoint(checkpoint, settings)
    try:
        if store is not None:
            finished = store.finished(n, len(paths))
            for index, point in zip(indices, points, strict=True):
                run = finished.get(point)
                if run is not None:
                    _fill(state, index, *run)
        todo = [(index, point) for index, point in zip(indices, points, strict=True) if not state.completed[index]]
        batches = []
        for start in range(0, len(todo), batch_size):
            chunk = todo[start : start + batch_size]
            values = [{**base, **dict(zip(paths, point, strict=True))} for _, point in chunk]
            rows = np.array([model_constants(model, point_values) for point_values in values])
            flows = np.array(
                [stepper.flow(model, point, distinct, h, rtol=config.rtol, atol=config.atol) for point in values]
            )
            points_of_chunk = tuple(point for _, point in chunk)
            batches.append(
                (
                    chunk,
                    _Batch(
                        system, config.t_end, config.n_steps, stepper.stepper, points_of_chunk, rows, flows, species
                    ),
                )
            )

        def record(chunk: Sequence[tuple[tuple[int, ...], tuple]], outcome: tuple) -> None:
            positions, velocities, trapped, finite = outcome
            for (index, _), pos, vel, row, ok in zip(chunk, positions, velocities, trapped, finite, strict=True):
                if ok:
                    _fill(state, index, row, pos, vel)
                else:
                    state.failures.append((index, FloatingPointError("the state became non-finite")))
            if store is not None and finite.any() and not state.store_errors:
                kept = [point for (_, point), ok in zip(chunk, finite, strict=True) if ok]
                try:
                    store.record(kept, trapped[finite], positions[finite], velocities[finite])
                except (sqlite3.Error, OSError) as error:  # disk full, locked for a minute: keep the runs here
                    state.store_errors.append(error)

        with Monitor(len(todo), "run", _description, progress) as monitor:
            stopped = _run_batches(batches, record, workers, retries, monitor, state.failures)
    finally:
        if store is not None:
            store.close()
    result = ScanResult(
        config=config,
        paths=paths,
        grids=tuple(grids.values()),
        observe=observe,
        positions=state.positions,
        velocities=state.velocities,
        trapped=state.trapped,
        completed=state.completed,
    )
    _raise_if_incomplete(result, state, stopped, checkpoint, retries, timeout)
    return result


def _fill(state: _Progress, index: tuple[int, ...], trapped: np.ndarray, pos: np.ndarray, vel: np.ndarray) -> None:
    """Keep one finished run: ``pos`` and ``vel`` as the kernels hold them, (3, N)."""
    state.trapped[index] = trapped
    state.positions[index] = pos.T
    state.velocities[index] = vel.T
    state.completed[index] = True


def _raise_if_incomplete(
    result: ScanResult,
    state: _Progress,
    stopped: bool,
    checkpoint: object,
    retries: int,
    timeout: float,
) -> None:
    """Raise for a scan that did not finish every run, with everything it did finish on the exception."""
    done = int(result.completed.sum())
    kept = " and in the checkpoint" if checkpoint is not None and not state.store_errors else ""
    if state.store_errors and not stopped:
        raise ScanError(
            f"The checkpoint {short_repr(str(checkpoint))} could not be written ({state.store_errors[0]!r}); "
            f"the {done} finished runs are on this exception's `result`.",
            result,
            state.failures,
        )
    if stopped:
        raise Interrupted(
            f"Scan interrupted with {done} of {result.completed.size} runs finished; they are on this "
            f"exception's `result`{kept}.",
            result=result,
        )
    failures = state.failures
    if not failures:
        return
    failures.sort(key=lambda failure: failure[0])
    shown = ", ".join(
        "("
        + ", ".join(f"{path}={grid[i]:g}" for path, grid, i in zip(result.paths, result.grids, index, strict=True))
        + ")"
        for index, _ in failures[:5]
    )
    nonfinite = sum(isinstance(error, FloatingPointError) for _, error in failures)
    timed_out = sum(isinstance(error, TimeoutError) for _, error in failures)
    raised = len(failures) - nonfinite - timed_out
    why = [f"{raised} failed {retries + 1} time(s)"] if raised else []
    if nonfinite:
        why.append(
            f"{nonfinite} became non-finite (particles that collide, or a step too long for the motion: "
            "try more n_steps)"
        )
    if timed_out:
        why.append(f"{timed_out} had no Dask worker left for {timeout:g} s")
    raise ScanError(
        f"{len(failures)} run(s) did not finish: {shown}{', ...' if len(failures) > 5 else ''}; "
        f"{'; '.join(why)}; first error: {failures[0][1]!r}. They are not counted as losses; the other runs "
        f"are in this exception's `result`{kept}.",
        result,
        failures,
    )


def _run_batches(
    batches: Sequence[tuple[Sequence[tuple[tuple[int, ...], tuple]], _Batch]],
    record: Callable[[Sequence[tuple[tuple[int, ...], tuple]], tuple], None],
    workers: _Workers,
    retries: int,
    monitor: Monitor,
    failures: list[tuple[tuple[int, ...], BaseException | None]],
) -> bool:
    """Run every batch, here or on the workers, retrying failures into ``failures``; True if stopped by Ctrl-C."""
    if workers.executor is None:
        for chunk, batch in batches:
            outcome: tuple | None = None
            error: BaseException | None = None
            for _ in range(retries + 1):
                try:
                    outcome = run_batch(batch, monitor)
                    break
                except Exception as caught:
                    error = caught
            if monitor.stop_requested:
                if outcome is not None:
                    record(chunk, outcome)
                return True
            if outcome is None:
                failures.extend((index, error) for index, _ in chunk)
            else:
                record(chunk, outcome)
            monitor.update(len(chunk))
        return False
    executor = workers.executor
    workers.wait_for_one()
    # On the workers, one thread per run (see run_batch).
    pending = {executor.submit(run_batch, batch, QUIET, False): (chunk, batch, 0) for chunk, batch in batches}
    idle_since: float | None = None
    try:
        while pending:
            done, _ = wait(pending, timeout=0.2, return_when=FIRST_COMPLETED)
            if monitor.stop_requested:
                for future in done:  # finished runs are kept, even when stopping
                    chunk, batch, _ = pending.pop(future)
                    finished = future.result() if future.exception() is None else None
                    if finished is not None:
                        record(chunk, finished)
                return True
            if not done:
                # Tasks wait for ever on a cluster without workers: give up after the timeout.
                if workers.idle():
                    idle_since = idle_since if idle_since is not None else time.monotonic()
                    if time.monotonic() - idle_since > workers.timeout:
                        error = TimeoutError(f"no Dask worker for {workers.timeout:g} s")
                        for chunk, _, _ in pending.values():
                            failures.extend((index, error) for index, _ in chunk)
                        return False
                else:
                    idle_since = None
                continue
            for future in done:
                chunk, batch, attempt = pending.pop(future)
                error = future.exception()
                if error is None:
                    outcome = future.result()
                    assert outcome is not None  # run_batch stops early only for a monitor, and it has none there
                    record(chunk, outcome)
                    monitor.update(len(chunk))
                elif attempt < retries:
                    try:
                        pending[executor.submit(run_batch, batch, QUIET, False)] = (chunk, batch, attempt + 1)
                    except Exception as refused:  # a pool shut down or broken: these runs fail, the rest stay
                        failures.extend((index, refused) for index, _ in chunk)
                        monitor.update(len(chunk))
                else:
                    failures.extend((index, error) for index, _ in chunk)
                    monitor.update(len(chunk))
        return False
    finally:
        for future in pending:
            future.cancel()


def load_scan(path: Any) -> ScanResult:
    """Read a :class:`ScanResult` written by :meth:`ScanResult.save`, checked before any array is read.

    Raises
    ------
    ConfigError
        If the file is missing, not a saved scan, damaged, or its arrays do not fit its header.
    """
    from . import archive
    from .setup.io import config_from_dict

    with archive.read(path, "load_scan path", "scan", _SCAN_FORMAT, keys=("config", "paths", "observe")) as reader:
        header, shown = reader.header, reader.shown
        config = config_from_dict(header["config"], source=shown)
        paths, observe = header["paths"], header["observe"]
        if not (isinstance(paths, list) and all(isinstance(p, str) for p in paths) and paths):
            raise ConfigError(f"{shown}: paths must be a list of parameter paths, got {short_repr(paths)}.")
        if observe not in OBSERVABLES:
            raise ConfigError(f"{shown}: observe must be one of {sorted(OBSERVABLES)}, got {short_repr(observe)}.")
        grids = tuple(reader.vector(f"grid_{k}", "f") for k in range(len(paths)))
        shape, n = tuple(grid.size for grid in grids), config.n_particles
        positions = reader.array("positions", (*shape, n, 3), "f")
        velocities = reader.array("velocities", (*shape, n, 3), "f")
        trapped, completed = reader.array("trapped", (*shape, n), "b"), reader.array("completed", shape, "b")
    return ScanResult(config, tuple(paths), grids, observe, positions, velocities, trapped, completed)
