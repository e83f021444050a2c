"""Configuration files: TOML in, plain dictionaries both ways.

A configuration file looks like ``examples/two_particles.toml``::

    t_end = 50.0          # µs
    n_steps = 4000
    method = "rk4"        # "euler", "rk4" or "dop853"
    interactions = true

    [trap]
    B0 = 1.0              # T
    V0 = 0.025            # V
    d = 500.0             # µm
    # drive = { amplitude = 0.1, omega = 1.39 }   # omega in rad/µs

    [[particles]]
    q = 1                 # e
    m = 40.077            # u
    r = [20.0, 0.0, 20.0] # µm
    v = [0.0, 25.0, 0.0]  # µm/µs

Values are read as data by the TOML parser and checked field by field; no text
from a file is ever evaluated.
"""

from __future__ import annotations

import difflib
import sys

from .config import Drive, Particle, PenningTrap, SimulationConfig
from .errors import ConfigError
from .integrators import get_method

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on Python 3.10 only
    import tomli as tomllib

__all__ = ["load_config", "config_from_dict", "config_to_dict"]

_TOP_KEYS = ("trap", "particles", "t_end", "n_steps", "method", "interactions", "rtol", "atol")
_TRAP_KEYS = ("B0", "V0", "d", "drive")
_DRIVE_KEYS = ("amplitude", "omega")
_PARTICLE_KEYS = ("q", "m", "r", "v")
_REQUIRED_TOP = ("trap", "particles", "t_end", "n_steps")


def _check_table(table, allowed, where, source, required=()):
    """Reject a non-table, unknown keys (suggesting a close match) and missing keys."""
    if not isinstance(table, dict):
        raise ConfigError(f"{source}: {where} must be a table, got {table!r}.")
    for key in table:
        if key not in allowed:
            close = difflib.get_close_matches(key, allowed, n=1, cutoff=0.5)
            hint = f" Did you mean {close[0]!r}?" if close else ""
            raise ConfigError(
                f"{source}: unknown key {key!r} in {where}.{hint} Valid keys: {', '.join(allowed)}."
            )
    for key in required:
        if key not in table:
            raise ConfigError(f"{source}: {where} is missing the required key {key!r}.")


def _build(kind, where, source, **fields):
    """Call a config class, prefixing its error with where the value came from."""
    try:
        return kind(**fields)
    except ConfigError as error:
        raise ConfigError(f"{source}: {where}: {error}") from None


def config_from_dict(data, source="configuration"):
    """Build a :class:`~trapode.SimulationConfig` from plain data.

    Parameters
    ----------
    data : dict
        Keys as in a TOML configuration file (see :mod:`trapode.io`).
    source : str
        Where the data came from, for error messages.

    Raises
    ------
    ConfigError
        For an unknown key (with the closest valid one), a missing key or an
        invalid value, naming the field.
    """
    _check_table(data, _TOP_KEYS, "the top level", source, required=_REQUIRED_TOP)
    trap_table = data["trap"]
    _check_table(trap_table, _TRAP_KEYS, "[trap]", source)
    drive = None
    if "drive" in trap_table:
        _check_table(trap_table["drive"], _DRIVE_KEYS, "[trap.drive]", source, required=_DRIVE_KEYS)
        drive = _build(Drive, "[trap.drive]", source, **trap_table["drive"])
    trap = _build(PenningTrap, "[trap]", source, **{k: v for k, v in trap_table.items() if k != "drive"}, drive=drive)
    particle_tables = data["particles"]
    if not isinstance(particle_tables, list):
        raise ConfigError(f"{source}: particles must be an array of tables ([[particles]]), got {particle_tables!r}.")
    particles = []
    for index, table in enumerate(particle_tables):
        where = f"particles[{index}]"
        _check_table(table, _PARTICLE_KEYS, where, source, required=_PARTICLE_KEYS)
        particles.append(_build(Particle, where, source, **table))
    settings = {key: data[key] for key in _TOP_KEYS if key in data and key not in ("trap", "particles")}
    config = _build(SimulationConfig, "settings", source, trap=trap, particles=particles, **settings)
    try:
        get_method(config.method)
    except ConfigError as error:
        raise ConfigError(f"{source}: {error}") from None
    return config


def config_to_dict(config):
    """Plain-data form of a configuration; :func:`config_from_dict` inverts it exactly."""
    trap = {"B0": config.trap.B0, "V0": config.trap.V0, "d": config.trap.d}
    if config.trap.drive is not None:
        trap["drive"] = {"amplitude": config.trap.drive.amplitude, "omega": config.trap.drive.omega}
    return {
        "t_end": config.t_end,
        "n_steps": config.n_steps,
        "method": config.method,
        "interactions": config.interactions,
        "rtol": config.rtol,
        "atol": config.atol,
        "trap": trap,
        "particles": [{"q": p.q, "m": p.m, "r": list(p.r), "v": list(p.v)} for p in config.particles],
    }


def load_config(path):
    """Read a :class:`~trapode.SimulationConfig` from a TOML file.

    Parameters
    ----------
    path : str or path-like

    Raises
    ------
    ConfigError
        For a TOML syntax error (with its line and column), an unknown or
        misspelt key (with the closest valid one), or an invalid value.
    FileNotFoundError
        If there is no such file.

    Examples
    --------
    >>> import trapode
    >>> config = trapode.load_config("examples/two_particles.toml")  # doctest: +SKIP
    """
    with open(path, "rb") as file:
        try:
            data = tomllib.load(file)
        except tomllib.TOMLDecodeError as error:
            raise ConfigError(f"{path}: invalid TOML: {error}") from None
    return config_from_dict(data, source=str(path))
