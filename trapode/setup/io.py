"""Configuration files: TOML in, plain dictionaries both ways.

A configuration file looks like ``examples/two_particles.toml``::

    t_end = 50.0          # µs
    n_steps = 4000
    method = "rk4"        # "euler", "rk4" or "dop853"
    interactions = true
    save_every = 1        # keep every state ("final": only the initial and final ones)
    damping = 0.0         # buffer-gas damping rate γ in 1/µs (force −m γ v)

    [trap]
    B0 = 1.0              # T
    V0 = 0.025            # V
    d = 500.0             # µm
    C4 = 1e-3             # optional imperfections: C4, C6, B2 (T/m²), tilt, tilt_azimuth (rad), ellipticity
    constants = "codata"  # or "report", the report's rounded unit factors
    # drive = { amplitude = 0.1, omega = 1.39 }   # omega in rad/µs

    [[trap.excitations]]  # any number: kind = "dipole" (E0 in V/m), "quadrupole" (g0 in V/m²) or "voltage" (f)
    kind = "quadrupole"
    amplitude = 1.4e4
    omega = 2.4075        # rad/µs
    phase = 0.0           # rad
    start = 0.0           # µs
    duration = 200.0      # µs (leave out: on for ever)
    # direction = [0.0, 0.0, 1.0]   # a dipole's direction

    [[trap.potentials]]   # user terms, as text; any number of them
    expression = "C * V0 / d**4 * z**2 * (x**2 + y**2)"    # volts; x, y, z in µm, t in µs
    parameters = { C = 1e-4, V0 = 0.025, d = 500.0 }

    [[trap.magnetic_fields]]
    components = ["b * y", "b * x", "0"]                    # tesla
    parameters = { b = 1e-7 }

    [[particles]]
    species = "40Ca+"     # or q = 1 (e) and m = 40.077 (u)
    r = [20.0, 0.0, 20.0] # µm
    v = [0.0, 25.0, 0.0]  # µm/µs

Values are read as data by the TOML parser and checked field by field;
expressions are read by trapode's safe parser (:mod:`trapode.setup.expressions`),
and no text from a file is ever evaluated.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from typing import Any, TypeVar

from .._validate import close_matches, file_path, short_repr
from ..errors import ConfigError
from .config import SimulationConfig
from .excitations import EXCITATION_KINDS, DipoleExcitation, Excitation
from .expressions import sympy_text
from .fields import MagneticField, Potential
from .particle_set import ParticleSet
from .particles import Particle
from .trap import Drive, PenningTrap

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on Python 3.10 only
    import tomli as tomllib

__all__ = ["config_from_dict", "config_to_dict", "load_config", "trap_from_dict", "trap_to_dict"]

_TOP_KEYS = (
    "trap",
    "particles",
    "t_end",
    "n_steps",
    "method",
    "interactions",
    "rtol",
    "atol",
    "save_every",
    "damping",
    "coulomb",
    "fmm_tolerance",
    "output",
)
_TRAP_NUMBERS = ("B0", "V0", "d", "C4", "C6", "B2", "tilt", "tilt_azimuth", "ellipticity")
_TRAP_KEYS = (*_TRAP_NUMBERS, "constants", "drive", "potentials", "magnetic_fields", "excitations")
_EXCITATION_KEYS = ("kind", "amplitude", "omega", "phase", "start", "duration", "direction")
_DRIVE_KEYS = ("amplitude", "omega")
_PARTICLE_KEYS = ("species", "q", "m", "r", "v")
_REQUIRED_TOP = ("trap", "particles", "t_end", "n_steps")

_T = TypeVar("_T")


def _check_table(table: Any, allowed: tuple, where: str, source: str, required: tuple = ()) -> None:
    """Reject a non-table, unknown keys (suggesting a close match) and missing keys."""
    if not isinstance(table, dict):
        raise ConfigError(f"{source}: {where} must be a table, got {short_repr(table)}.")
    for key in table:
        if key not in allowed:
            raise ConfigError(
                f"{source}: unknown key {short_repr(key)} in {where}.{close_matches(key, allowed)} "
                f"Valid keys: {', '.join(allowed)}."
            )
    for key in required:
        if key not in table:
            raise ConfigError(f"{source}: {where} is missing the required key {key!r}.")


def _build(kind: Callable[..., _T], where: str, source: str, *arguments: Any, **fields: Any) -> _T:
    """Call a config class, prefixing its error with where the value came from."""
    try:
        return kind(*arguments, **fields)
    except ConfigError as error:
        raise ConfigError(f"{source}: {where}: {error}") from None
    except TypeError as error:  # e.g. a parameter table whose keys are not names
        raise ConfigError(f"{source}: {where}: {error}") from None


def _array_of_tables(data: dict, key: str, where: str, source: str) -> list:
    tables = data.get(key, [])
    if not isinstance(tables, list):
        raise ConfigError(f"{source}: {where} must be an array of tables ([[{where}]]), got {short_repr(tables)}.")
    return tables


def _user_terms(table: dict, key: str, kind: type[_T], content: str, where: str, source: str) -> list[_T]:
    """The user terms of ``[[{where}.{key}]]``: each a ``content`` (expression or components) and ``parameters``."""
    terms = []
    for index, entry in enumerate(_array_of_tables(table, key, f"{where}.{key}", source)):
        place = f"{where}.{key}[{index}]"
        _check_table(entry, (content, "parameters"), place, source, required=(content,))
        parameters = entry.get("parameters", {})
        if not isinstance(parameters, dict):
            raise ConfigError(f"{source}: {place}.parameters must be a table of numbers, got {short_repr(parameters)}.")
        terms.append(_build(kind, place, source, entry[content], **parameters))
    return terms


def trap_from_dict(table: Any, source: str = "configuration", where: str = "trap") -> PenningTrap:
    """Build a :class:`~trapode.PenningTrap` from plain data (the ``[trap]`` table of a file)."""
    _check_table(table, _TRAP_KEYS, f"[{where}]", source)
    drive: Drive | None = None
    if "drive" in table:
        _check_table(table["drive"], _DRIVE_KEYS, f"[{where}.drive]", source, required=_DRIVE_KEYS)
        drive = _build(Drive, f"[{where}.drive]", source, **table["drive"])
    potentials = _user_terms(table, "potentials", Potential, "expression", where, source)
    fields = _user_terms(table, "magnetic_fields", MagneticField, "components", where, source)
    excitations = []
    for index, entry in enumerate(_array_of_tables(table, "excitations", f"{where}.excitations", source)):
        place = f"{where}.excitations[{index}]"
        _check_table(entry, _EXCITATION_KEYS, place, source, required=("kind", "amplitude", "omega"))
        kind = entry["kind"]
        if kind not in EXCITATION_KINDS:
            raise ConfigError(
                f"{source}: {place}.kind must be one of {', '.join(map(repr, EXCITATION_KINDS))}, "
                f"got {short_repr(kind)}.{close_matches(str(kind), EXCITATION_KINDS)}"
            )
        if "direction" in entry and kind != "dipole":
            raise ConfigError(f"{source}: {place}: only a dipole excitation has a direction.")
        values = {key: value for key, value in entry.items() if key != "kind"}
        excitations.append(_build(EXCITATION_KINDS[kind], place, source, **values))
    settings = {key: table[key] for key in (*_TRAP_NUMBERS, "constants") if key in table}
    return _build(
        PenningTrap,
        f"[{where}]",
        source,
        drive=drive,
        potentials=potentials,
        magnetic_fields=fields,
        excitations=excitations,
        **settings,
    )


def config_from_dict(
    data: Any, source: str = "configuration", particles: ParticleSet | None = None
) -> SimulationConfig:
    """Build a :class:`~trapode.SimulationConfig` from plain data.

    Parameters
    ----------
    data : dict
        Keys as in a TOML configuration file (see :mod:`trapode.setup.io`).
    source : str
        Where the data came from, for error messages.
    particles : ParticleSet, optional
        The particles, when ``data`` has none (a file that keeps them as arrays).

    Raises
    ------
    ConfigError
        For an unknown key (with the closest valid one), a missing key or an
        invalid value, naming the field.
    """
    required = _REQUIRED_TOP if particles is None else tuple(key for key in _REQUIRED_TOP if key != "particles")
    _check_table(data, _TOP_KEYS, "the top level", source, required=required)
    trap = trap_from_dict(data["trap"], source)
    given: ParticleSet | list[Particle]
    if particles is None:
        listed: list[Particle] = []
        for index, table in enumerate(_array_of_tables(data, "particles", "particles", source)):
            where = f"particles[{index}]"
            _check_table(table, _PARTICLE_KEYS, where, source, required=("r", "v"))
            listed.append(_build(Particle, where, source, **table))
        given = listed
    elif "particles" in data:
        raise ConfigError(f"{source}: the particles are given twice (as data and as arrays).")
    else:
        given = particles
    settings = {key: data[key] for key in _TOP_KEYS if key in data and key not in ("trap", "particles")}
    config = _build(SimulationConfig, "settings", source, trap=trap, particles=given, **settings)
    from ..integrators import get_method  # the registry sits above this layer; checked before any work

    try:
        get_method(config.method)
    except ConfigError as error:
        raise ConfigError(f"{source}: {error}") from None
    return config


def _expression_text(expression: Any) -> str:
    """A user expression as text that trapode's parser reads back to the same expression, numbers exactly."""
    return expression if isinstance(expression, str) else sympy_text(expression)


def trap_to_dict(trap: PenningTrap) -> dict:
    """Plain-data form of a trap; :func:`trap_from_dict` inverts it exactly."""
    table: dict[str, Any] = {name: getattr(trap, name) for name in _TRAP_NUMBERS}
    table["constants"] = trap.constants
    if trap.drive is not None:
        table["drive"] = {"amplitude": trap.drive.amplitude, "omega": trap.drive.omega}
    if trap.potentials:
        table["potentials"] = [
            {"expression": _expression_text(p.expression), "parameters": p.parameter_values} for p in trap.potentials
        ]
    if trap.magnetic_fields:
        table["magnetic_fields"] = [
            {
                "components": [_expression_text(c) for c in b.components],
                "parameters": b.parameter_values,
            }
            for b in trap.magnetic_fields
        ]
    if trap.excitations:
        table["excitations"] = [_excitation_to_dict(excitation) for excitation in trap.excitations]
    return table


def _excitation_to_dict(excitation: Excitation) -> dict:
    entry: dict[str, Any] = {"kind": excitation.kind}
    entry.update({name: value for name, value in excitation.parameters if not name.startswith("direction")})
    if entry["duration"] == float("inf"):  # TOML has inf, JSON (checkpoint settings) has not: leave it out
        del entry["duration"]
    if isinstance(excitation, DipoleExcitation):
        entry["direction"] = list(excitation.direction)
    return entry


def particles_to_list(particles: ParticleSet) -> list[dict]:
    """The particles as a list of tables (``species`` or ``q`` and ``m``, then ``r`` and ``v``), from the arrays."""
    tables = []
    for name, q, m, r, v in zip(
        particles.species.tolist(),
        particles.q.tolist(),
        particles.m.tolist(),
        particles.r.tolist(),
        particles.v.tolist(),
        strict=True,
    ):
        kind = {"species": name} if name else {"q": q, "m": m}
        tables.append({**kind, "r": r, "v": v})
    return tables


def config_to_dict(config: SimulationConfig, *, particles: bool = True) -> dict:
    """Plain-data form of a configuration; :func:`config_from_dict` inverts it exactly.

    ``particles=False`` leaves the particles out (a file that keeps them as arrays).
    """
    data: dict[str, Any] = {
        "t_end": config.t_end,
        "n_steps": config.n_steps,
        "method": config.method,
        "interactions": config.interactions,
        "rtol": config.rtol,
        "atol": config.atol,
        "trap": trap_to_dict(config.trap),
        "save_every": config.save_every,
        "damping": config.damping,
        "coulomb": config.coulomb,
        "fmm_tolerance": config.fmm_tolerance,
    }
    if config.output is not None:
        data["output"] = os.fspath(config.output)
    if particles:
        data["particles"] = particles_to_list(config.particles)
    return data


#: Largest configuration file read, in bytes.
MAX_TOML_BYTES = 64 * 1024 * 1024


def load_config(path: str | os.PathLike[str]) -> SimulationConfig:
    """Read a :class:`~trapode.SimulationConfig` from a TOML file.

    Parameters
    ----------
    path : str or path-like

    Raises
    ------
    ConfigError
        If the file cannot be read (missing, a folder, larger than 64 MiB),
        is not UTF-8 text, is not valid TOML (with its line and column) or
        nests arrays too deep, has an unknown or misspelt key (with the
        closest valid one), or holds an invalid value.

    Examples
    --------
    >>> import trapode
    >>> config = trapode.load_config("examples/two_particles.toml")  # doctest: +SKIP
    """
    path = file_path("load_config path", path)
    shown = short_repr(os.fspath(path))
    try:
        with open(path, "rb") as file:
            raw = file.read(MAX_TOML_BYTES + 1)
    except OSError as error:
        raise ConfigError(f"cannot read the configuration {shown}: {error.strerror or error}.") from None
    if len(raw) > MAX_TOML_BYTES:
        raise ConfigError(f"{shown} is larger than {MAX_TOML_BYTES // 2**20} MiB; it is not a trapode configuration.")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as error:
        line = raw[: error.start].count(b"\n") + 1
        raise ConfigError(
            f"{shown} is not UTF-8 text: byte {raw[error.start]:#04x} on line {line} (TOML files are UTF-8)."
        ) from None
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise ConfigError(f"{shown}: invalid TOML: {error}") from None
    except RecursionError:
        raise ConfigError(f"{shown}: arrays or tables are nested too deep to be a trapode configuration.") from None
    return config_from_dict(data, source=str(path))
