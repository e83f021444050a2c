"""Results as xarray Datasets and pandas DataFrames (issue 13, part 3): the same numbers, named dimensions, units.

Every check compares the exported values with the object's own arrays exactly, and reads the
configuration back from the Dataset's JSON.
"""

from __future__ import annotations

import json
import sys

import numpy as np
import pytest

import trapode
from trapode.setup.io import config_from_dict

pytest.importorskip("xarray")

TRAP = trapode.PenningTrap()
CONFIG = trapode.SimulationConfig(
    trap=TRAP, particles=[trapode.report_particle_1(), trapode.Particle(species="9Be+", r=(5, 0, 3), v=(0, 2, 0))],
    t_end=2.0, n_steps=40, save_every=10,
)  # fmt: skip


def test_a_result_is_a_dataset_of_its_states_with_units_and_its_configuration():
    result = trapode.simulate(CONFIG, progress=False)
    data = result.to_xarray()
    assert data.r.dims == ("time", "particle", "axis") and data.r.attrs["units"] == "µm"
    np.testing.assert_array_equal(data.r.values, result.r)
    np.testing.assert_array_equal(data.v.values, result.v)
    np.testing.assert_array_equal(data.time.values, result.t)
    np.testing.assert_array_equal(data.trapped.values, result.trapped)
    assert data.time.attrs["units"] == "µs" and data.v.attrs["units"] == "µm/µs"
    assert data.species.values.tolist() == ["", "9Be+"]
    np.testing.assert_array_equal(data.m.values, CONFIG.particles.m)
    assert config_from_dict(json.loads(data.attrs["config"]), "the dataset") == CONFIG
    assert float(data.r.sel(axis="z", particle=0).isel(time=0)) == CONFIG.particles[0].r[2]


def test_a_streamed_result_gives_the_same_dataset(tmp_path):
    import dataclasses

    in_memory = trapode.simulate(dataclasses.replace(CONFIG, method="boris"), progress=False).to_xarray()
    config = dataclasses.replace(CONFIG, method="boris", output=str(tmp_path / "run.h5"))
    with trapode.simulate(config, progress=False) as streamed:
        data = streamed.to_xarray().load()
    np.testing.assert_array_equal(data.r.values, in_memory.r.values)
    np.testing.assert_array_equal(data.escape_time.values, in_memory.escape_time.values)
    assert data.r.attrs == in_memory.r.attrs and list(data.coords) == list(in_memory.coords)


def test_a_sweep_is_a_dataset_over_amplitude_omega_and_ion_and_a_frame_of_fractions():
    ions = trapode.random_particles(4, TRAP, seed=3)
    sweep = trapode.sweep(TRAP, ions, [0.1, 0.4], [0.5, 1.0, 1.5], t_end=20.0, n_steps=400, progress=False)
    data = sweep.to_xarray()
    assert data.trapped.dims == ("amplitude", "omega", "ion") and data.omega.attrs["units"] == "rad/µs"
    np.testing.assert_array_equal(data.trapped.values, sweep.trapped)
    np.testing.assert_array_equal(data.fraction_trapped.values, sweep.fraction_trapped)
    assert data.attrs["n_steps"] == 400 and data.attrs["method"] == "rk4"
    frame = sweep.to_pandas()
    assert frame.shape == (3, 2) and frame.index.name == "omega (rad/µs)"
    np.testing.assert_array_equal(frame.to_numpy(), sweep.fraction_trapped.T)
    assert frame.loc[1.0, 0.4] == sweep.fraction_trapped[1, 1]


def test_a_scan_is_a_dataset_with_a_dimension_per_scanned_parameter():
    import dataclasses

    config = dataclasses.replace(CONFIG, interactions=False, save_every="final")
    scan = trapode.scan(config, {"trap.C4": [0.0, 1e-3], "trap.B0": [1.0, 1.5, 2.0]}, observe="radii", progress=False)
    data = scan.to_xarray()
    assert scan.paths == ("C4", "B0")  # the scan's own names of the paths
    assert data.positions.dims == ("C4", "B0", "particle", "axis")
    np.testing.assert_array_equal(data.positions.values, scan.positions)
    np.testing.assert_array_equal(data["B0"].values, [1.0, 1.5, 2.0])
    np.testing.assert_array_equal(data.radii.values, scan.values)
    assert data.radii.dims == ("C4", "B0", "mode") and data.attrs["observe"] == "radii"


def test_a_convergence_study_and_resonances_are_frames():
    import dataclasses

    config = dataclasses.replace(CONFIG, particles=CONFIG.particles[:1], interactions=False, save_every=1)
    study = trapode.convergence_study(config, ["euler", "rk4"], [100, 200, 400])
    frame = study.to_pandas()
    assert list(frame.index) == [100, 200, 400] and frame.index.name == "n_steps"
    np.testing.assert_array_equal(frame["Δmax rk4 (µm)"].to_numpy(), study.max_errors[1])
    np.testing.assert_array_equal(frame["h (µs)"].to_numpy(), study.step_sizes)
    resonances = (trapode.Resonance(0.1, 1.40, 1.44, 0.8, "axial n=1", 1.41),)
    ions = trapode.random_particles(2, TRAP, seed=1)
    coarse = trapode.sweep(TRAP, ions, [0.1], [1.4], t_end=1.0, n_steps=10, progress=False)
    found = trapode.ResonanceScan(resonances, coarse, {}, 0.5, 0.01)
    table = found.to_pandas()
    assert table.loc[0, "centre (rad/µs)"] == pytest.approx(1.42) and table.loc[0, "Floquet band"] == "axial n=1"


def test_without_xarray_or_pandas_the_error_says_how_to_install(monkeypatch):
    result = trapode.simulate(CONFIG, progress=False)
    monkeypatch.setitem(sys.modules, "xarray", None)
    expected = r'SimulationResult\.to_xarray needs xarray: pip install "trapode\[xarray\]"'
    with pytest.raises(trapode.ConfigError, match=expected):
        result.to_xarray()
    monkeypatch.setitem(sys.modules, "pandas", None)
    ions = trapode.random_particles(2, TRAP, seed=1)
    sweep = trapode.sweep(TRAP, ions, [0.1], [1.4], t_end=1.0, n_steps=10, progress=False)
    with pytest.raises(trapode.ConfigError, match=r"SweepResult\.to_pandas needs pandas"):
        sweep.to_pandas()


def test_a_sweep_saved_and_loaded_is_the_same_sweep(tmp_path):
    ions = trapode.ParticleSet([[10, 0, 5], [0, 20, -5]], [[0, 1, 0], [1, 0, 0]], species=["40Ca+", "9Be+"])
    sweep = trapode.sweep(trapode.PenningTrap(C4=1e-3), ions, [0.1, 0.4], [0.5, 1.0], t_end=5.0, n_steps=100,
                          progress=False)  # fmt: skip
    loaded = trapode.load_sweep(sweep.save(tmp_path / "sweep"))
    assert loaded.trap == sweep.trap and loaded.ions == sweep.ions and loaded.method == sweep.method
    assert (loaded.t_end, loaded.n_steps, loaded.interactions) == (sweep.t_end, sweep.n_steps, sweep.interactions)
    for name in ("amplitudes", "omegas", "trapped", "completed"):
        np.testing.assert_array_equal(getattr(loaded, name), getattr(sweep, name))
    assert [ion.species for ion in loaded.ions] == ["40Ca+", "9Be+"]


def test_a_scan_saved_and_loaded_is_the_same_scan_and_a_function_observable_is_refused(tmp_path):
    import dataclasses

    config = dataclasses.replace(CONFIG, interactions=False, save_every="final")
    scan = trapode.scan(config, {"trap.C4": [0.0, 1e-3], "trap.B0": [1.0, 1.5]}, observe="radii", progress=False)
    path = scan.save(tmp_path / "scan.npz")
    assert path == tmp_path / "scan.npz"
    loaded = trapode.load_scan(path)
    assert loaded.config == scan.config and loaded.paths == scan.paths and loaded.observe == "radii"
    for name in ("positions", "velocities", "trapped", "completed", "values"):
        np.testing.assert_array_equal(getattr(loaded, name), getattr(scan, name))
    for mine, theirs in zip(loaded.grids, scan.grids, strict=True):
        np.testing.assert_array_equal(mine, theirs)
    custom = dataclasses.replace(scan, observe=lambda r, v: r[:, 2].mean())
    with pytest.raises(trapode.ConfigError, match="function observable cannot be saved"):
        custom.save(tmp_path / "custom.npz")


def test_saved_files_of_another_kind_or_damaged_are_refused(tmp_path):
    ions = trapode.random_particles(2, TRAP, seed=1)
    sweep_path = trapode.sweep(TRAP, ions, [0.1], [1.4], t_end=1.0, n_steps=10, progress=False).save(tmp_path / "s")
    with pytest.raises(trapode.ConfigError, match="not a trapode scan file"):
        trapode.load_scan(sweep_path)
    result_path = trapode.simulate(CONFIG, progress=False).save(tmp_path / "r")
    with pytest.raises(trapode.ConfigError, match="not a trapode sweep file"):
        trapode.load_sweep(result_path)
    cut = tmp_path / "cut.npz"
    cut.write_bytes(sweep_path.read_bytes()[:-200])
    with pytest.raises(trapode.ConfigError, match=r"cut\.npz"):
        trapode.load_sweep(cut)
    with np.load(sweep_path) as data:
        arrays = dict(data)
    arrays["trapped"] = arrays["trapped"][:, :, :1]  # one ion's outcome for two ions
    np.savez(tmp_path / "odd.npz", **arrays)
    with pytest.raises(trapode.ConfigError, match="trapped must have shape"):
        trapode.load_sweep(tmp_path / "odd.npz")
    arrays = dict(np.load(sweep_path))
    arrays["ion_species"] = np.array(["40Ca+", "Unobtainium+"])  # a label that names no species
    np.savez(tmp_path / "label.npz", **arrays)
    with pytest.raises(trapode.ConfigError, match="Unobtainium"):
        trapode.load_sweep(tmp_path / "label.npz")


def test_a_convergence_study_saved_and_loaded_is_the_same_study(tmp_path):
    import dataclasses

    config = dataclasses.replace(CONFIG, particles=CONFIG.particles[:1], interactions=False, save_every=1)
    study = trapode.convergence_study(config, ["euler", "rk4"], [100, 200])
    loaded = trapode.load_convergence_study(study.save(tmp_path / "study"))
    assert loaded.config == study.config and loaded.reference == study.reference
    assert (loaded.methods, loaded.n_steps, loaded.rates) == (study.methods, study.n_steps, study.rates)
    np.testing.assert_array_equal(loaded.step_sizes, study.step_sizes)
    np.testing.assert_array_equal(loaded.max_errors, study.max_errors)
    assert loaded.energy_errors == study.energy_errors and len(study.energy_errors) == 4
    assert loaded.times.keys() == study.times.keys() and loaded.relative_errors.keys() == study.relative_errors.keys()
    for n in study.n_steps:
        np.testing.assert_array_equal(loaded.times[n], study.times[n])
    for key, errors in study.relative_errors.items():
        np.testing.assert_array_equal(loaded.relative_errors[key], errors)
    assert loaded.table() == study.table()
    with np.load(tmp_path / "study.npz") as data:
        arrays = dict(data)
    arrays["relative_errors_1_0"] = arrays["relative_errors_1_0"][:-1]  # one sample short
    np.savez(tmp_path / "short.npz", **arrays)
    with pytest.raises(trapode.ConfigError, match=r"relative_errors_1_0 must have shape \(101, 1\)"):
        trapode.load_convergence_study(tmp_path / "short.npz")
    with pytest.raises(trapode.ConfigError, match="not a trapode convergence study file"):
        trapode.load_convergence_study(trapode.simulate(CONFIG, progress=False).save(tmp_path / "r"))


@pytest.mark.parametrize("kind", ["result", "sweep", "scan"])
def test_datasets_round_trip_through_netcdf_exactly(kind, tmp_path):
    import dataclasses

    xarray = pytest.importorskip("xarray")
    pytest.importorskip("h5netcdf")
    if kind == "result":
        data = trapode.simulate(CONFIG, progress=False).to_xarray()
    elif kind == "sweep":
        ions = trapode.random_particles(3, TRAP, seed=2)
        data = trapode.sweep(TRAP, ions, [0.1, 0.4], [0.5, 1.5], t_end=5.0, n_steps=100, progress=False).to_xarray()
    else:
        config = dataclasses.replace(CONFIG, interactions=False, save_every="final")
        data = trapode.scan(config, {"trap.C4": [0.0, 1e-3]}, observe="radii", progress=False).to_xarray()
    data.to_netcdf(tmp_path / "data.nc", engine="h5netcdf")
    with xarray.open_dataset(tmp_path / "data.nc", engine="h5netcdf") as reopened:
        xarray.testing.assert_identical(reopened.load(), data)


def test_a_header_with_other_keys_is_refused_naming_the_keys_expected(tmp_path):
    import json

    ions = trapode.random_particles(2, TRAP, seed=1)
    path = trapode.sweep(TRAP, ions, [0.1], [1.4], t_end=1.0, n_steps=10, progress=False).save(tmp_path / "s")
    arrays = dict(np.load(path))
    header = json.loads(str(arrays["header"]))
    header["extra"] = 1
    arrays["header"] = np.array(json.dumps(header))
    np.savez(tmp_path / "extra.npz", **arrays)
    with pytest.raises(trapode.ConfigError, match="header must name trap, t_end, n_steps, interactions and method"):
        trapode.load_sweep(tmp_path / "extra.npz")
