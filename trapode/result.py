"""The outcome of a simulation and its file format."""

from __future__ import annotations

import json
import os
import pathlib
import zipfile
import zlib
from dataclasses import dataclass
from functools import cached_property
from typing import TYPE_CHECKING, Any

import numpy as np

from ._display import Summarised, range_text, run_rows
from ._files import atomic_write, check_writable
from ._validate import file_path, short_repr
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
        target = file_path("SimulationResult.save path", path)
        if target.suffix != ".npz":
            target = target.with_name(target.name + ".npz")
        check_writable("SimulationResult.save path", target)
        with atomic_write(target, binary=True) as file:
            np.savez(
                file,
                format=np.array(_FORMAT),
                config=np.array(json.dumps(config_to_dict(self.config))),
                t=self.t,
                r=self.r,
                v=self.v,
                trapped=self.trapped,
                escape_time=self.escape_time,
            )
        return target

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, SimulationResult):
            return NotImplemented
        return self.config == other.config and all(
            np.array_equal(getattr(self, name), getattr(other, name), equal_nan=name == "escape_time")
            for name in ("t", "r", "v", "trapped", "escape_time")
        )

    __hash__ = None  # type: ignore[assignment]


def _read(archive: zipfile.ZipFile, name: str) -> np.ndarray:
    """The array ``name`` of an open ``.npz`` archive (read once its header has been checked)."""
    with archive.open(f"{name}.npy") as member:
        return np.lib.format.read_array(member, allow_pickle=False)


def _header(archive: zipfile.ZipFile, name: str, path: str) -> tuple[tuple[int, ...], np.dtype, zipfile.ZipInfo]:
    """Shape and dtype of the array ``name`` of an ``.npz`` archive, read from its header alone."""
    try:
        info = archive.getinfo(f"{name}.npy")
        with archive.open(info) as member:
            version = np.lib.format.read_magic(member)
            shape, fortran, dtype = (
                np.lib.format.read_array_header_1_0(member)
                if version == (1, 0)
                else np.lib.format.read_array_header_2_0(member)
            )
            offset = member.tell()
    except KeyError:
        raise ConfigError(f"{path} is not a trapode result file: it has no array {name!r}.") from None
    except (ValueError, OSError, zipfile.BadZipFile, EOFError) as error:
        raise ConfigError(f"{path}: the array {name!r} cannot be read ({error}).") from None
    if fortran or dtype.hasobject:
        raise ConfigError(f"{path}: the array {name!r} is not a plain C-ordered array of numbers.")
    if info.file_size != offset + int(np.prod(shape, dtype=np.float64)) * dtype.itemsize:
        raise ConfigError(f"{path}: the array {name!r} is truncated or damaged (its size does not match its header).")
    return shape, dtype, info


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
    path = file_path("load_result path", path)
    shown = short_repr(os.fspath(path))
    try:
        archive = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, ValueError):
        raise ConfigError(f"{shown} is not a trapode result file (not a NumPy .npz archive).") from None
    except OSError as error:
        raise ConfigError(f"cannot read the result file {shown}: {error.strerror or error}.") from None
    try:
        with archive:
            shape, dtype, info = _header(archive, "format", shown)
            if shape != () or dtype.kind != "U" or info.file_size > 10_000:
                raise ConfigError(f"{shown} is not a trapode result file (expected format {_FORMAT!r}).")
            if str(_read(archive, "format")) != _FORMAT:
                raise ConfigError(f"{shown} is not a trapode result file (expected format {_FORMAT!r}).")
            shape, dtype, info = _header(archive, "config", shown)
            if shape != () or dtype.kind != "U" or info.file_size > _MAX_CONFIG_BYTES:
                raise ConfigError(
                    f"{shown}: its configuration is not one JSON text of at most {_MAX_CONFIG_BYTES} bytes."
                )
            try:
                record = json.loads(str(_read(archive, "config")))
            except (ValueError, RecursionError) as error:
                raise ConfigError(f"{shown}: its configuration is not valid JSON ({error}).") from None
            config = config_from_dict(record, source=shown)
            n, most_rows = config.n_particles, rows_written(config.n_steps, config.save_stride)
            shape, dtype, _ = _header(archive, "t", shown)
            rows = shape[0] if len(shape) == 1 else -1
            if not 1 <= rows <= most_rows:
                raise ConfigError(
                    f"{shown}: t must hold 1 to {most_rows} times for its configuration, got shape {shape}."
                )
            expected = {"t": (rows,), "r": (rows, n, 3), "v": (rows, n, 3), "trapped": (n,), "escape_time": (n,)}
            for name, wanted in expected.items():
                shape, dtype, _ = _header(archive, name, shown)
                kind = "b" if name == "trapped" else "f"
                if shape != wanted or dtype.kind != kind:
                    raise ConfigError(
                        f"{shown}: {name} must have shape {wanted} and {'bool' if kind == 'b' else 'float'} "
                        f"values for {n} particle(s) and {rows} time(s), got shape {shape} of {dtype}."
                    )
            arrays = {name: _read(archive, name) for name in expected}
    except ConfigError:
        raise
    except (zipfile.BadZipFile, zlib.error, OSError, EOFError, ValueError) as error:  # a damaged member
        raise ConfigError(f"{shown} is damaged: {type(error).__name__}: {error}.") from None
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
