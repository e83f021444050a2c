"""The outcome of a simulation and its file format."""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from functools import cached_property

import numpy as np

from .errors import ConfigError
from .setup.config import SimulationConfig
from .setup.io import config_from_dict, config_to_dict

__all__ = ["SimulationResult", "load_result"]

_FORMAT = "trapode-result-2"


@dataclass(frozen=True, eq=False)
class SimulationResult:
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

    def save(self, path: str | os.PathLike[str]) -> None:
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
            trapped=self.trapped,
            escape_time=self.escape_time,
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

    Raises
    ------
    ConfigError
        If the file is not a trapode result, or its configuration or arrays are invalid.
    """
    with np.load(path, allow_pickle=False) as data:
        if "format" not in data.files or str(data["format"]) != _FORMAT:
            raise ConfigError(f"{path} is not a trapode result file (expected format {_FORMAT!r}).")
        config = config_from_dict(json.loads(str(data["config"])), source=str(path))
        return SimulationResult(
            config=config,
            t=data["t"],
            r=data["r"],
            v=data["v"],
            trapped=data["trapped"],
            escape_time=data["escape_time"],
        )
