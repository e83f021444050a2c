"""Results as xarray Datasets and pandas DataFrames, with their dimensions and units.

xarray and pandas are optional (``pip install "trapode[xarray]"``); asking
for a Dataset or a DataFrame without them is a :class:`~trapode.ConfigError`
that says how to install them. Every Dataset keeps the configuration that
made it as JSON text in ``attrs["config"]`` and each variable's unit in its
``attrs["units"]``, so that ``to_netcdf`` writes a self-describing file.

- :func:`states_dataset`: kept states over (time, particle, axis), for
  :meth:`trapode.SimulationResult.to_xarray` and
  :meth:`trapode.StreamedResult.to_xarray`;
- :func:`sweep_dataset`: a sweep over (amplitude, omega, ion);
- :func:`scan_dataset`: a scan over its scanned parameters and the particles.
"""

from __future__ import annotations

import json
from typing import Any

import numpy as np

from .errors import ConfigError

__all__ = ["require", "scan_dataset", "states_dataset", "sweep_dataset"]

AXIS = ["x", "y", "z"]


def require(module: str, what: str) -> Any:
    """Import ``module`` (``"xarray"`` or ``"pandas"``), or raise a ConfigError: ``what`` needs it; how to get it."""
    import importlib

    try:
        return importlib.import_module(module)
    except ImportError:
        raise ConfigError(
            f'{what} needs {module}: pip install "trapode[xarray]" (which brings xarray and pandas).'
        ) from None


def _config_json(config: Any) -> str:
    from .setup.io import config_to_dict

    return json.dumps(config_to_dict(config))


def _particle_coords(particles: Any, dim: str = "particle") -> dict[str, Any]:
    """The coordinates of the particles along ``dim``: their index, charge (e), mass (u) and species."""
    return {
        dim: (dim, np.arange(len(particles))),
        "q": (dim, particles.q, {"units": "e", "long_name": "charge"}),
        "m": (dim, particles.m, {"units": "u", "long_name": "mass"}),
        "species": (dim, np.asarray(particles.species, dtype=str)),
    }


def states_dataset(result: Any, r: Any, v: Any, config_json: str | None = None) -> Any:
    """The kept states of a run as a Dataset over (time, particle, axis); ``r``, ``v`` may be lazy (dask)."""
    xr = require("xarray", f"{type(result).__name__}.to_xarray")
    config = result.config
    coords = {
        "time": ("time", np.asarray(result.t), {"units": "µs"}),
        "axis": AXIS,
        **_particle_coords(config.particles),
    }
    data = {
        "r": (("time", "particle", "axis"), r, {"units": "µm", "long_name": "position"}),
        "v": (("time", "particle", "axis"), v, {"units": "µm/µs", "long_name": "velocity"}),
        "trapped": (("particle",), np.asarray(result.trapped), {"long_name": "inside the trap at the end"}),
        "escape_time": (("particle",), np.asarray(result.escape_time), {"units": "µs", "long_name": "first time out"}),
    }
    attrs = {"config": config_json if config_json is not None else _config_json(config), "method": config.method}
    return xr.Dataset(data, coords=coords, attrs=attrs)


def sweep_dataset(sweep: Any) -> Any:
    """A sweep as a Dataset over (amplitude, omega, ion): trapped, completed and the fraction trapped."""
    xr = require("xarray", "SweepResult.to_xarray")
    from .setup.particle_set import as_particle_set

    ions = as_particle_set("ions", sweep.ions)
    coords = {
        "amplitude": ("amplitude", np.asarray(sweep.amplitudes), {"long_name": "drive amplitude f"}),
        "omega": ("omega", np.asarray(sweep.omegas), {"units": "rad/µs", "long_name": "drive angular frequency ωV"}),
        **_particle_coords(ions, "ion"),
    }
    data = {
        "trapped": (("amplitude", "omega", "ion"), sweep.trapped, {"long_name": "inside the trap at t_end"}),
        "completed": (("amplitude", "omega"), sweep.completed),
        "fraction_trapped": (("amplitude", "omega"), sweep.fraction_trapped),
    }
    from .setup.io import trap_to_dict

    attrs = {
        "trap": json.dumps(trap_to_dict(sweep.trap)),
        "t_end_us": float(sweep.t_end),
        "n_steps": int(sweep.n_steps),
        "interactions": int(sweep.interactions),
        "method": sweep.method,
    }
    return xr.Dataset(data, coords=coords, attrs=attrs)


def scan_dataset(scan: Any) -> Any:
    """A scan as a Dataset: one dimension per scanned path (named by it), then particle and axis."""
    xr = require("xarray", "ScanResult.to_xarray")
    grid = list(scan.paths)
    coords: dict[str, Any] = {
        path: (path, np.asarray(values)) for path, values in zip(scan.paths, scan.grids, strict=True)
    }
    coords.update({"axis": AXIS, **_particle_coords(scan.config.particles)})
    data = {
        "positions": ((*grid, "particle", "axis"), scan.positions, {"units": "µm", "long_name": "final position"}),
        "velocities": ((*grid, "particle", "axis"), scan.velocities, {"units": "µm/µs", "long_name": "final velocity"}),
        "trapped": ((*grid, "particle"), scan.trapped, {"long_name": "inside the trap at t_end"}),
        "completed": (tuple(grid), scan.completed),
        "fraction_trapped": (tuple(grid), scan.fraction_trapped),
    }
    if isinstance(scan.observe, str) and scan.observe != "fraction_trapped":
        values = scan.values
        if scan.observe == "radii":
            data["radii"] = ((*grid, "mode"), values, {"units": "µm", "long_name": "mean mode radii"})
            coords["mode"] = ["plus", "minus", "z"]
        else:
            data[scan.observe] = (tuple(grid), values, {"units": "eV", "long_name": "mean radial energy"})
    attrs = {"config": _config_json(scan.config), "observe": scan.observe if isinstance(scan.observe, str) else ""}
    return xr.Dataset(data, coords=coords, attrs=attrs)
