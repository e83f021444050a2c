"""The outcome of a simulation and its file format."""

from __future__ import annotations

import os
import pathlib
from dataclasses import dataclass
from functools import cached_property
from typing import TYPE_CHECKING, Any

import numpy as np

from ._display import Summarised, range_text, run_rows
from .errors import ConfigError
from .observers import rows_written
from .setup.config import SimulationConfig
from .setup.io import config_from_dict, config_to_dict

if TYPE_CHECKING:
    from .conserved import Energies

__all__ = ["SimulationResult", "load_result"]

_FORMAT = "trapode-result-2"

#: Largest configuration text a result file may hold (a million particles' worth).
_MAX_CONFIG_BYTES = 1 << 30


@dataclass(frozen=True, eq=False, repr=False)
class SimulationResult(Summarised):
    """The kept states of all particles, who left the trap and when, and the configuration that made them.

    Attributes
    ----------
    config : SimulationConfig
        The configuration that was run.
    t : ndarray, shape (rows,)
        Times of the kept states in µs (every ``config.save_every`` steps and the last).
    r : ndarray, shape (rows, N, 3)
        Positions in µm.
    v : ndarray, shape (rows, N, 3)
        Velocities in µm/µs.
    trapped : ndarray of bool, shape (N,)
        Whether each particle is inside the trap (``|r| < d``) in the last state.
    escape_time : ndarray, shape (N,)
        The first time (µs) each particle was outside the trap, checked at
        every step whatever was kept; NaN for a particle that never left.

    The arrays are read-only. A result cut short by an error (see
    :class:`~trapode.errors.IntegrationError`) holds fewer rows.
    """

    config: SimulationConfig
    t: np.ndarray
    r: np.ndarray
    v: np.ndarray
    trapped: np.ndarray
    escape_time: np.ndarray

    def _summary_rows(self) -> list[tuple[str, str]]:
        return [*run_rows(self.config, self.trapped), ("kept states", range_text(self.t, "µs"))]

    def __post_init__(self) -> None:
        for name, dtype in (
            ("t", np.float64),
            ("r", np.float64),
            ("v", np.float64),
            ("trapped", np.bool_),
            ("escape_time", np.float64),
        ):
            array = np.asarray(getattr(self, name), dtype=dtype).view()  # a view: no copy, the caller's stays writable
            array.setflags(write=False)
            object.__setattr__(self, name, array)
        rows, n = self.t.shape[0], self.config.n_particles
        expected = {"t": (rows,), "r": (rows, n, 3), "v": (rows, n, 3), "trapped": (n,), "escape_time": (n,)}
        for name, shape in expected.items():
            if getattr(self, name).shape != shape:
                raise ConfigError(
                    f"SimulationResult.{name} must have shape {shape} for {n} particle(s) and {rows} time(s), "
                    f"got {getattr(self, name).shape}."
                )

    @cached_property
    def distance_from_centre(self) -> np.ndarray:
        """``|r|`` of every particle at every kept time, shape (rows, N), in µm."""
        return np.linalg.norm(self.r, axis=2)

    @property
    def fraction_trapped(self) -> float:
        """Fraction of the particles inside the trap in the last state."""
        return float(np.mean(self.trapped))

    def energy(self) -> Energies:
        """Kinetic, trap, Coulomb and total energy of every kept state, in eV (:class:`~trapode.conserved.Energies`).

        Computed by the trap's compiled model (its potential derived by SymPy
        with the fields), the Coulomb pairs only if the particles interact.
        In a static trap the total is conserved; ``energy().relative_change``
        is then the integrator's error.

        Examples
        --------
        >>> import trapode
        >>> config = trapode.SimulationConfig(
        ...     trap=trapode.PenningTrap(), particles=[trapode.report_particle_1()], t_end=50.0, n_steps=4000)
        >>> energy = trapode.simulate(config, progress=False).energy()
        >>> bool(abs(energy.relative_change).max() < 1e-7)  # RK4 with h = 0.0125 µs
        True
        """
        from .conserved import energies

        return energies(self)

    def to_xarray(self) -> Any:
        """The kept states as an ``xarray.Dataset`` over (time, particle, axis), with units as attributes.

        Variables ``r`` (µm), ``v`` (µm/µs), ``trapped`` and ``escape_time``
        (µs); coordinates ``time`` (µs), ``particle`` with its ``q`` (e), ``m``
        (u) and ``species``; the configuration as JSON in ``attrs["config"]``.
        Needs xarray (``pip install "trapode[xarray]"``).

        Examples
        --------
        >>> import trapode
        >>> config = trapode.SimulationConfig(trap=trapode.PenningTrap(), particles=[trapode.report_particle_1()],
        ...                                   t_end=1.0, n_steps=10)
        >>> data = trapode.simulate(config, progress=False).to_xarray()
        >>> dict(data.sizes), data.r.attrs["units"]
        ({'time': 11, 'particle': 1, 'axis': 3}, 'µm')
        """
        from .export import states_dataset

        return states_dataset(self, self.r, self.v)

    def save(self, path: str | os.PathLike[str]) -> pathlib.Path:
        """Write the result to a NumPy ``.npz`` file that :func:`load_result` reads back exactly.

        The configuration is stored as JSON text beside the arrays; no pickle
        is used. ``.npz`` is added to ``path`` if it lacks it. The file is
        written whole or not at all: a crash during the write leaves any
        earlier file of that name as it was.

        Returns
        -------
        pathlib.Path
            The path written.

        Raises
        ------
        ConfigError
            If the folder does not exist or cannot be written.
        """
        from . import archive

        arrays = dict(t=self.t, r=self.r, v=self.v, trapped=self.trapped, escape_time=self.escape_time)
        return archive.write(
            path, "SimulationResult.save path", _FORMAT, config_to_dict(self.config), arrays, header_name="config"
        )

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, SimulationResult):
            return NotImplemented
        return self.config == other.config and all(
            np.array_equal(getattr(self, name), getattr(other, name), equal_nan=name == "escape_time")
            for name in ("t", "r", "v", "trapped", "escape_time")
        )

    __hash__ = None  # type: ignore[assignment]


def load_result(path: str | os.PathLike[str]) -> SimulationResult:
    """Read a :class:`SimulationResult` written by :meth:`SimulationResult.save`.

    Everything is checked before an array is read: the file's format, the
    configuration, each array's shape and type against the configuration
    (from its header, so that a damaged file claiming huge arrays allocates
    nothing), and then the values (finite states, increasing times within
    ``[0, t_end]``).

    Raises
    ------
    ConfigError
        If the file is missing, is not a trapode result, is truncated or
        damaged, or its configuration or arrays are invalid.
    """
    from . import archive

    with archive.read(path, "load_result path", "result", _FORMAT, header_name="config") as reader:
        shown = reader.shown
        config = config_from_dict(reader.header, source=shown)
        n, most_rows = config.n_particles, rows_written(config.n_steps, config.save_stride)
        shape, _, _ = reader.shape("t")
        rows = shape[0] if len(shape) == 1 else -1
        if not 1 <= rows <= most_rows:
            raise ConfigError(f"{shown}: t must hold 1 to {most_rows} times for its configuration, got shape {shape}.")
        expected = {"t": (rows,), "r": (rows, n, 3), "v": (rows, n, 3), "trapped": (n,), "escape_time": (n,)}
        arrays = {
            name: reader.array(name, shape, "b" if name == "trapped" else "f") for name, shape in expected.items()
        }
    t, escape = arrays["t"], arrays["escape_time"]
    problems = []
    if not (np.isfinite(t).all() and t[0] == 0 and np.all(np.diff(t) > 0) and t[-1] <= config.t_end):
        problems.append(f"t must rise from 0 to at most t_end = {config.t_end:g} µs")
    if not (np.isfinite(arrays["r"]).all() and np.isfinite(arrays["v"]).all()):
        problems.append("r and v must be finite")
    if not np.all(np.isnan(escape) | ((escape >= 0) & (escape <= config.t_end))):
        problems.append("escape_time must be NaN or within [0, t_end]")
    if problems:
        raise ConfigError(f"{shown} is damaged: {'; '.join(problems)}.")
    return SimulationResult(config=config, **arrays)
