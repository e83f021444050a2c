"""The outcome of a simulation and its file format."""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cached_property

import numpy as np

from .config import SimulationConfig
from .errors import ConfigError
from .io import config_from_dict, config_to_dict

__all__ = ["SimulationResult", "load_result"]

_FORMAT = "trapode-result-1"


@dataclass(frozen=True, eq=False)
class SimulationResult:
    """Trajectories of all particles, with the configuration that made them.

    Attributes
    ----------
    config : SimulationConfig
        The configuration that was run.
    t : ndarray, shape (n_steps + 1,)
        Times in µs.
    r : ndarray, shape (n_steps + 1, N, 3)
        Positions in µm.
    v : ndarray, shape (n_steps + 1, N, 3)
        Velocities in µm/µs.

    The arrays are read-only. A result cut short by an error (see
    :class:`~trapode.errors.IntegrationError`) holds fewer rows.
    """

    config: SimulationConfig
    t: np.ndarray
    r: np.ndarray
    v: np.ndarray

    def __post_init__(self):
        for name in ("t", "r", "v"):
            array = np.asarray(getattr(self, name), dtype=np.float64)
            array.setflags(write=False)
            object.__setattr__(self, name, array)

    @cached_property
    def distance_from_centre(self):
        """``|r|`` of every particle at every time, shape (n_steps + 1, N), in µm."""
        return np.linalg.norm(self.r, axis=2)

    @property
    def trapped(self):
        """Whether each particle is inside the trap (``|r| < d``) at the last time, shape (N,)."""
        return self.distance_from_centre[-1] < self.config.trap.d

    @property
    def fraction_trapped(self):
        """Fraction of the particles inside the trap at the last time."""
        return float(np.mean(self.trapped))

    @cached_property
    def escape_time(self):
        """First sampled time (µs) at which each particle is outside the trap (``|r| > d``).

        NaN for a particle that never left. Shape (N,).
        """
        outside = self.distance_from_centre > self.config.trap.d
        left = outside.any(axis=0)
        first = outside.argmax(axis=0)
        return np.where(left, self.t[first], np.nan)

    def save(self, path):
        """Write the result to a NumPy ``.npz`` file that :func:`load_result` reads back exactly.

        The configuration is stored as JSON text beside the arrays; no pickle
        is used. NumPy adds the ``.npz`` suffix if ``path`` lacks it.
        """
        np.savez(
            path,
            format=np.array(_FORMAT),
            config=np.array(json.dumps(config_to_dict(self.config))),
            t=self.t,
            r=self.r,
            v=self.v,
        )

    def __eq__(self, other):
        if not isinstance(other, SimulationResult):
            return NotImplemented
        return (
            self.config == other.config
            and np.array_equal(self.t, other.t)
            and np.array_equal(self.r, other.r)
            and np.array_equal(self.v, other.v)
        )

    __hash__ = None


def load_result(path):
    """Read a :class:`SimulationResult` written by :meth:`SimulationResult.save`.

    Raises
    ------
    ConfigError
        If the file is not a trapode result, or its configuration is invalid.
    """
    with np.load(path, allow_pickle=False) as data:
        if "format" not in data.files or str(data["format"]) != _FORMAT:
            raise ConfigError(f"{path} is not a trapode result file (expected format {_FORMAT!r}).")
        config = config_from_dict(json.loads(str(data["config"])), source=str(path))
        return SimulationResult(config=config, t=data["t"], r=data["r"], v=data["v"])
