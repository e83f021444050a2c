"""Error and convergence analysis: relative errors, Δmax and observed orders."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import ArrayLike

from ._display import Summarised
from ._validate import choice, counts, instance, reals, short_repr
from .analytic import analytic_solution
from .errors import ConfigError
from .setup.config import SimulationConfig
from .simulation import simulate_in_memory
from .system import ParticleSystem

__all__ = [
    "ConvergenceStudy",
    "convergence_rate",
    "convergence_study",
    "load_convergence_study",
    "max_error",
    "relative_error",
]

_STUDY_FORMAT = "trapode-convergence-1"


def relative_error(numeric: ArrayLike, exact: ArrayLike) -> np.ndarray:
    """Relative error ``|r_i − r_exact(t_i)| / |r_exact(t_i)|`` at every time.

    Parameters
    ----------
    numeric, exact : array_like, shape (..., 3)
        Positions (or any vectors) to compare; the last axis holds the
        Cartesian components.

    Returns
    -------
    ndarray, shape (...)
        One relative error per vector, e.g. per time step (and particle).

    Examples
    --------
    >>> import trapode
    >>> trapode.relative_error([[3.0, 0.0, 4.0]], [[0.0, 0.0, 5.0]])
    array([0.63245553])
    """
    numeric, exact = _vectors(numeric, exact)
    return np.linalg.norm(numeric - exact, axis=-1) / np.linalg.norm(exact, axis=-1)


def max_error(numeric: ArrayLike, exact: ArrayLike) -> float:
    """Largest absolute error ``Δmax = max_i |r_exact(t_i) − r_i|``, the report's error measure.

    Parameters
    ----------
    numeric, exact : array_like, shape (..., 3)

    Returns
    -------
    float
        In the units of the inputs (µm for positions).

    Examples
    --------
    >>> import trapode
    >>> trapode.max_error([[1.0, 2.0, 2.0], [0.0, 0.0, 0.0]], [[1.0, 0.0, 0.0], [0.0, 0.0, 1.0]])
    2.8284271247461903
    """
    numeric, exact = _vectors(numeric, exact)
    return float(np.max(np.linalg.norm(numeric - exact, axis=-1)))


def _vectors(numeric: ArrayLike, exact: ArrayLike) -> tuple[np.ndarray, np.ndarray]:
    numeric = reals("numeric", numeric, "the units of the vectors", max_ndim=32)
    exact = reals("exact", exact, "the units of the vectors", max_ndim=32)
    if numeric.shape != exact.shape or numeric.ndim == 0 or numeric.shape[-1] != 3:
        raise ConfigError(
            f"numeric and exact must have the same shape (..., 3), got {numeric.shape} and {exact.shape}."
        )
    return numeric, exact


def convergence_rate(step_sizes: ArrayLike, max_errors: ArrayLike) -> float:
    """Observed order of convergence, averaged over successive refinements.

    ``r = 1/(K−1) Σ_{k=2..K} log(Δmax_k / Δmax_{k−1}) / log(h_k / h_{k−1})``,
    the report's formula (with K = 4 there).

    Parameters
    ----------
    step_sizes : sequence of float
        Step sizes h_k, at least two, all different and positive.
    max_errors : sequence of float
        Δmax_k for each step size, positive.

    Returns
    -------
    float

    Examples
    --------
    >>> import trapode
    >>> trapode.convergence_rate([0.1, 0.05, 0.025], [1e-4, 6.25e-6, 3.90625e-7])
    4.0
    """
    h = reals("step_sizes", step_sizes, "µs")
    errors = reals("max_errors", max_errors, "the units of the errors")
    if h.ndim != 1 or h.shape != errors.shape or h.size < 2:
        raise ConfigError(
            "step_sizes and max_errors must be 1-D sequences of the same length ≥ 2, "
            f"got shapes {h.shape} and {errors.shape}."
        )
    if not (np.all(np.isfinite(h)) and np.all(h > 0) and np.all(np.isfinite(errors)) and np.all(errors > 0)):
        raise ConfigError(
            f"step_sizes and max_errors must be positive and finite, got {h.tolist()} and {errors.tolist()}."
        )
    if np.any(h[1:] == h[:-1]):
        raise ConfigError(f"successive step_sizes must differ, got {h.tolist()}.")
    return float(np.mean(np.log(errors[1:] / errors[:-1]) / np.log(h[1:] / h[:-1])))


@dataclass(frozen=True, eq=False, repr=False)
class ConvergenceStudy(Summarised):
    """Errors of several methods at several step counts, against one reference.

    Attributes
    ----------
    config : SimulationConfig
        The base configuration (its ``method`` and ``n_steps`` are replaced).
    methods : tuple of str
    n_steps : tuple of int
    reference : str
        ``"analytic"`` or the name of the reference method (``"dop853"``).
    step_sizes : ndarray, shape (len(n_steps),)
        h_k = t_end / n_k in µs.
    max_errors : ndarray, shape (len(methods), len(n_steps))
        Δmax in µm over all particles and times.
    rates : dict
        Observed order of each method (:func:`convergence_rate`).
    times : dict
        ``times[n]``: sample times (µs) of the runs with n steps.
    relative_errors : dict
        ``relative_errors[method, n]``: array (n + 1, N) of relative errors
        per time and particle.
    energy_errors : dict
        ``energy_errors[method, n]``: the largest relative change of the
        total energy over the run (:attr:`trapode.Energies.relative_change`),
        a conserved quantity's check beside the error against the reference;
        empty for a time-dependent trap, whose energy is not conserved.
    """

    config: SimulationConfig
    methods: tuple
    n_steps: tuple
    reference: str
    step_sizes: np.ndarray
    max_errors: np.ndarray
    rates: dict
    times: dict
    relative_errors: dict
    energy_errors: dict = dataclasses.field(default_factory=dict)

    def _summary_rows(self) -> list[tuple[str, str]]:
        return [
            ("trap", self.config.trap.summary()),
            ("reference", self.reference),
            ("n_steps", ", ".join(str(n) for n in self.n_steps) + f" to {self.config.t_end:g} µs"),
            ("observed order", ", ".join(f"{method} {self.rates[method]:.2f}" for method in self.methods)),
        ]

    def to_pandas(self) -> Any:
        """The study as a ``pandas.DataFrame``: one row per step count, with h (µs) and each method's Δmax (µm).

        Columns ``"h (µs)"`` and ``"Δmax <method> (µm)"``, and ``"max |ΔE|/E <method>"``
        where the energy was checked. Needs pandas.
        """
        from .export import require

        pandas = require("pandas", "ConvergenceStudy.to_pandas")
        columns: dict[str, Any] = {"h (µs)": self.step_sizes}
        for j, method in enumerate(self.methods):
            columns[f"Δmax {method} (µm)"] = self.max_errors[j]
            if self.energy_errors:
                columns[f"max |ΔE|/E {method}"] = [self.energy_errors[method, n] for n in self.n_steps]
        return pandas.DataFrame(columns, index=pandas.Index(list(self.n_steps), name="n_steps"))

    def save(self, path: Any) -> Any:
        """Write the study to a ``.npz`` file (trapode's format, :mod:`trapode.archive`).

        The configuration, methods, step counts and reference as JSON; the
        step sizes, Δmax, rates, sample times, relative errors and energy
        changes as plain arrays; no pickle. Written whole or not at all.
        :func:`load_convergence_study` reads it back. Returns the path written
        (``.npz`` added if missing).
        """
        from . import archive
        from .setup.io import config_to_dict

        header = {
            "config": config_to_dict(self.config),
            "methods": list(self.methods),
            "n_steps": [int(n) for n in self.n_steps],
            "reference": self.reference,
            "energy_checked": bool(self.energy_errors),
        }
        arrays = {
            "step_sizes": np.asarray(self.step_sizes, dtype=float),
            "max_errors": np.asarray(self.max_errors, dtype=float),
            "rates": np.array([self.rates[method] for method in self.methods], dtype=float),
        }
        for k, n in enumerate(self.n_steps):
            arrays[f"times_{k}"] = np.asarray(self.times[n], dtype=float)
            for j, method in enumerate(self.methods):
                arrays[f"relative_errors_{j}_{k}"] = np.asarray(self.relative_errors[method, n], dtype=float)
        if self.energy_errors:
            arrays["energy_errors"] = np.array(
                [[self.energy_errors[method, n] for n in self.n_steps] for method in self.methods], dtype=float
            )
        return archive.write(path, "ConvergenceStudy.save path", _STUDY_FORMAT, header, arrays)

    def table(self) -> str:
        """The Δmax table and the rates as aligned text."""
        header = f"{'n':>8} {'h (µs)':>12} " + " ".join(f"{'Δmax ' + m + ' (µm)':>20}" for m in self.methods)
        lines = [f"Convergence against the {self.reference} solution, t_end = {self.config.t_end:g} µs", header]
        for k, n in enumerate(self.n_steps):
            errors = " ".join(f"{self.max_errors[j, k]:>20.6e}" for j in range(len(self.methods)))
            lines.append(f"{n:>8d} {self.step_sizes[k]:>12.6g} {errors}")
        lines.append(f"{'rate':>8} {'':>12} " + " ".join(f"{self.rates[m]:>20.4f}" for m in self.methods))
        if self.energy_errors:
            lines.append(f"{'n':>8} {'':>12} " + " ".join(f"{'max |ΔE|/E ' + m:>20}" for m in self.methods))
            for n in self.n_steps:
                drifts = " ".join(f"{self.energy_errors[m, n]:>20.3e}" for m in self.methods)
                lines.append(f"{n:>8d} {'':>12} {drifts}")
        return "\n".join(lines)

    def __str__(self) -> str:
        return self.table()


def convergence_study(
    config: SimulationConfig,
    methods: Iterable[str] = ("euler", "rk4"),
    n_steps: Iterable[int] = (4000, 8000, 16000, 32000),
    reference: str = "analytic",
) -> ConvergenceStudy:
    """Run ``methods`` at each step count and measure their errors.

    Parameters
    ----------
    config : SimulationConfig
        Trap, particles and duration; ``method`` and ``n_steps`` are replaced.
    methods : sequence of str
        Registered method names.
    n_steps : sequence of int
        Step counts, at least two.
    reference : str
        ``"analytic"`` (one particle in a static trap; the closed form of
        :func:`trapode.analytic_solution`) or a registered method name such as
        ``"dop853"``, run at the same sample times with the tolerances of
        ``config``.

    Returns
    -------
    ConvergenceStudy

    Examples
    --------
    >>> import trapode
    >>> config = trapode.SimulationConfig(trap=trapode.PenningTrap(),
    ...     particles=[trapode.report_particle_1()], t_end=50.0, n_steps=1)
    >>> study = trapode.convergence_study(config, methods=["rk4"], n_steps=[4000, 8000])
    >>> round(study.rates["rk4"], 1)
    4.0
    """
    from .integrators import available_methods

    instance("config", config, SimulationConfig, "a trapode.SimulationConfig")
    known = available_methods()
    if isinstance(methods, str) or not isinstance(methods, Iterable):
        raise ConfigError(
            f"methods must be a sequence of method names ({', '.join(known)}), got {short_repr(methods)}."
        )
    methods = tuple(choice(f"methods[{k}]", method, known) for k, method in enumerate(methods))
    if not methods:
        raise ConfigError("convergence_study needs at least one method in methods, got none.")
    n_steps = counts("n_steps", n_steps, minimum_length=2)
    if len(set(n_steps)) != len(n_steps):
        raise ConfigError(f"n_steps must be different step counts, got {list(n_steps)}.")
    reference = choice("reference", reference, ("analytic", *known))
    if reference in methods:
        raise ConfigError(
            f"reference must not be one of the methods compared ({', '.join(methods)}): its error against "
            f"itself would be zero. Got reference={reference!r}."
        )
    if reference == "analytic" and config.n_particles != 1:
        raise ConfigError(
            f"reference='analytic' needs exactly one particle, got {config.n_particles}; use reference='dop853'."
        )
    max_errors = np.empty((len(methods), len(n_steps)))
    times: dict[int, np.ndarray]
    relative_errors: dict[tuple[str, int], np.ndarray]
    times, relative_errors = {}, {}
    energy_errors: dict[tuple[str, int], float] = {}
    static = ParticleSystem.from_config(config).model.IS_STATIC
    for k, n in enumerate(n_steps):
        # Every state is compared, so every state is kept.
        runs = {
            method: simulate_in_memory(dataclasses.replace(config, method=method, n_steps=n, save_every=1))
            for method in (*methods, *(() if reference == "analytic" else (reference,)))
        }
        t = runs[methods[0]].t
        if reference == "analytic":
            exact = analytic_solution(config.trap, config.particles[0], t)[:, np.newaxis, :]
        else:
            exact = runs[reference].r
        times[n] = t
        for j, method in enumerate(methods):
            numeric = runs[method].r
            relative_errors[method, n] = relative_error(numeric, exact)
            max_errors[j, k] = max_error(numeric, exact)
            if static:
                energy_errors[method, n] = float(np.abs(runs[method].energy().relative_change).max())
    step_sizes = np.array([config.t_end / n for n in n_steps])
    rates = {method: convergence_rate(step_sizes, max_errors[j]) for j, method in enumerate(methods)}
    return ConvergenceStudy(
        config=config,
        methods=methods,
        n_steps=n_steps,
        reference=reference,
        step_sizes=step_sizes,
        max_errors=max_errors,
        rates=rates,
        times=times,
        relative_errors=relative_errors,
        energy_errors=energy_errors,
    )


def load_convergence_study(path: Any) -> ConvergenceStudy:
    """Read a :class:`ConvergenceStudy` written by :meth:`ConvergenceStudy.save`, checked before any array is read.

    Parameters
    ----------
    path : str or path-like
        A ``.npz`` file written by :meth:`ConvergenceStudy.save`.

    Returns
    -------
    ConvergenceStudy
        Equal to the one saved, array for array.

    Raises
    ------
    ConfigError
        If the file is missing, not a saved convergence study, damaged, or its
        arrays do not fit its header.
    """
    from . import archive
    from .setup.io import config_from_dict

    keys = ("config", "methods", "n_steps", "reference", "energy_checked")
    with archive.read(path, "load_convergence_study path", "convergence study", _STUDY_FORMAT, keys=keys) as reader:
        header, shown = reader.header, reader.shown
        config = config_from_dict(header["config"], source=shown)
        methods, n_steps = header["methods"], header["n_steps"]
        if not (
            isinstance(methods, list)
            and methods
            and all(isinstance(method, str) for method in methods)
            and isinstance(n_steps, list)
            and len(n_steps) >= 2
            and all(type(n) is int and n > 0 for n in n_steps)
            and isinstance(header["reference"], str)
            and isinstance(header["energy_checked"], bool)
        ):
            raise ConfigError(
                f"{shown}: its header must hold a list of method names, a list of at least two positive step "
                f"counts, the reference's name and whether energies were checked; got methods={short_repr(methods)}, "
                f"n_steps={short_repr(n_steps)}."
            )
        grid = (len(methods), len(n_steps))
        step_sizes = reader.array("step_sizes", (len(n_steps),), "f")
        max_errors = reader.array("max_errors", grid, "f")
        rates = reader.array("rates", (len(methods),), "f")
        energies = reader.array("energy_errors", grid, "f") if header["energy_checked"] else None
        times, relative_errors = {}, {}
        for k, n in enumerate(n_steps):
            times[n] = reader.array(f"times_{k}", (n + 1,), "f")
            for j, method in enumerate(methods):
                relative_errors[method, n] = reader.array(f"relative_errors_{j}_{k}", (n + 1, config.n_particles), "f")
    energy_errors = {}
    if energies is not None:
        energy_errors = {
            (method, n): float(energies[j, k]) for j, method in enumerate(methods) for k, n in enumerate(n_steps)
        }
    return ConvergenceStudy(
        config=config,
        methods=tuple(methods),
        n_steps=tuple(n_steps),
        reference=header["reference"],
        step_sizes=step_sizes,
        max_errors=max_errors,
        rates={method: float(rates[j]) for j, method in enumerate(methods)},
        times=times,
        relative_errors=relative_errors,
        energy_errors=energy_errors,
    )
