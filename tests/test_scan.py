"""Scans over any parameter: results equal separate runs, any batching, checkpoints, observables, bad input."""

import dataclasses
import math
import sqlite3

import numpy as np
import pytest

import trapode
from trapode import ConfigError

SMALL = dict(t_end=30.0, n_steps=300)


@pytest.fixture
def config(trap):
    ions = trapode.random_particles(6, trap, seed=3)
    excited = dataclasses.replace(
        trap,
        drive=trapode.Drive(0.2, 1.39),
        excitations=[trapode.QuadrupoleExcitation(amplitude=2e4, omega=2.41, duration=20.0)],
    )
    return trapode.SimulationConfig(trap=excited, particles=ions, interactions=False, **SMALL)


def test_every_point_of_a_two_parameter_scan_equals_its_own_simulation(config):
    omegas, dampings = [2.3, 2.41], [0.0, 0.01, 0.02]
    result = trapode.scan(
        config, {"excitations[0].omega": omegas, "damping": dampings}, observe="fraction_trapped", progress=False
    )
    assert result.shape == (2, 3) and result.positions.shape == (2, 3, 6, 3) and result.values.shape == (2, 3)
    for i, omega in enumerate(omegas):
        for j, damping in enumerate(dampings):
            excitation = dataclasses.replace(config.trap.excitations[0], omega=omega)
            single = dataclasses.replace(
                config,
                trap=dataclasses.replace(config.trap, excitations=[excitation]),
                damping=damping,
                save_every="final",
            )
            assert result.config_at((i, j)) == dataclasses.replace(single, save_every=config.save_every)
            run = trapode.simulate(single, progress=False)
            # Same model and steps: equal to round-off (a damped model is another compiled module).
            np.testing.assert_allclose(result.positions[i, j], run.r[-1], rtol=0, atol=1e-9)
            np.testing.assert_array_equal(result.trapped[i, j], run.trapped)


def test_results_are_bit_identical_for_any_batching(config):
    grid = {"excitations[0].omega": np.linspace(2.3, 2.5, 5), "drive.amplitude": [0.0, 0.3]}
    reference = trapode.scan(config, grid, progress=False, batch_size=1)
    for batch_size in (2, 7, 64):
        other = trapode.scan(config, grid, progress=False, batch_size=batch_size)
        np.testing.assert_array_equal(other.positions, reference.positions)
        np.testing.assert_array_equal(other.velocities, reference.velocities)


def test_a_checkpoint_resumes_a_scan_and_a_wider_grid_runs_only_the_new_points(config, tmp_path):
    path = tmp_path / "scan.db"
    first = trapode.scan(config, {"excitations[0].phase": [0.0, 1.0]}, checkpoint=path, progress=False)
    wider = trapode.scan(config, {"excitations[0].phase": [0.0, 1.0, 2.0]}, checkpoint=path, progress=False)
    np.testing.assert_array_equal(wider.positions[:2], first.positions)
    with sqlite3.connect(path) as connection:
        assert connection.execute("SELECT COUNT(*) FROM runs").fetchone() == (3,)
    with pytest.raises(ConfigError, match="made with other settings"):
        trapode.scan(config, {"excitations[0].amplitude": [0.0]}, checkpoint=path, progress=False)


def test_observables_radii_energy_and_functions(trap):
    ion = trapode.Particle(species="40Ca+", r=(40.0, 0.0, 10.0), v=(0.0, -4.0, 0.0))
    config = trapode.SimulationConfig(trap=trap, particles=[ion], **SMALL)
    frequencies = trap.frequencies(ion)
    result = trapode.scan(config, {"V0": [0.025]}, observe="radii", progress=False)
    f, df = complex(*result.positions[0, 0, :2]), complex(*result.velocities[0, 0, :2])
    split = frequencies.omega_plus - frequencies.omega_minus
    expected = [
        abs(df + 1j * frequencies.omega_minus * f) / split,
        abs(df + 1j * frequencies.omega_plus * f) / split,
        math.hypot(result.positions[0, 0, 2], result.velocities[0, 0, 2] / frequencies.omega_z),
    ]
    np.testing.assert_allclose(result.values[0], expected, rtol=1e-12)
    # ½ m (ω₊²ρ₊² + ω₋²ρ₋²) in eV, with m in u and speeds in µm/µs = m/s.
    energy = (
        0.5
        * ion.m
        * 1.66053906660e-27
        * ((frequencies.omega_plus * expected[0]) ** 2 + (frequencies.omega_minus * expected[1]) ** 2)
        / 1.602176634e-19
    )
    assert result.radial_energy[0, 0] == pytest.approx(energy, rel=1e-9)

    def axial_speed(positions, velocities):
        return np.abs(velocities[:, 2]).max()

    custom = trapode.scan(config, {"V0": [0.02, 0.025]}, observe=axial_speed, progress=False)
    assert custom.values.shape == (2,)
    assert custom.values[1] == np.abs(result.velocities[0, :, 2]).max()


def test_a_zero_coefficient_is_a_value_of_the_term_not_another_model(trap):
    ions = trapode.random_particles(4, trap, seed=2)
    config = trapode.SimulationConfig(trap=trap, particles=ions, interactions=False, **SMALL)
    result = trapode.scan(config, {"trap.C4": [0.0, 0.05]}, progress=False)
    plain = trapode.simulate(dataclasses.replace(config, save_every="final"), progress=False)
    np.testing.assert_allclose(result.positions[0], plain.r[-1], rtol=0, atol=1e-9)
    assert not np.allclose(result.positions[1], plain.r[-1])


def test_sweep_is_a_scan_of_the_drive(trap):
    ions = trapode.random_particles(5, trap, seed=4)
    swept = trapode.sweep(trap, ions, [0.1, 0.5], [1.0, 1.39], progress=False, **SMALL)
    config = trapode.SimulationConfig(
        trap=dataclasses.replace(trap, drive=trapode.Drive(0.0, 1.0)),
        particles=ions,
        interactions=False,
        **SMALL,
    )
    scanned = trapode.scan(config, {"drive.amplitude": [0.1, 0.5], "drive.omega": [1.0, 1.39]}, progress=False)
    np.testing.assert_array_equal(swept.trapped, scanned.trapped)


def test_plot_draws_the_observable_with_units(config):
    import matplotlib

    matplotlib.use("Agg")
    result = trapode.scan(config, {"excitations[0].omega": [2.3, 2.4], "damping": [0.0, 0.01]}, progress=False)
    ax = result.plot()
    assert ax.get_xlabel() == "excitations[0].omega (rad/µs)"
    assert ax.get_ylabel() == "fraction of particles trapped"
    assert len(ax.get_lines()) == 2
    with pytest.raises(ConfigError, match="one or two parameters"):
        trapode.scan(config, {"V0": [0.025], "B0": [1.0], "damping": [0.0]}, progress=False).plot()


# --- bad input ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("parameters", "match"),
    [
        (
            {"excitations[0].omgea": [1.0]},
            r"'excitations\[0\].omgea' names no parameter.*Did you mean 'excitations\[0\].omega'",
        ),
        ({"excitations[3].omega": [1.0]}, r"names no parameter.*Paths that exist: B0, B2, C4"),
        ({"t_end": [1.0]}, r"'t_end' names no parameter"),
        ({"excitations[0].omega": []}, r"grid of 'excitations\[0\].omega' must be a non-empty"),
        ({"excitations[0].omega": [1.0, math.nan]}, r"must be finite"),
        ({"excitations[0].omega": [1.0, math.inf]}, r"must be finite"),
        ({"excitations[0].omega": "1.0"}, r"non-empty 1-D sequence of numbers"),
        ({"excitations[0].omega": [[1.0]]}, r"non-empty 1-D"),
        ({"excitations[0].omega": [1.0, -1.0]}, r"excitations\[0\].omega': the value -1.0 is refused.*positive"),
        ({"damping": [0.0, -0.1]}, r"'damping': the value -0.1 is refused"),
        ({"excitations[0].duration": [0.0]}, r"duration"),
        ({}, r"non-empty mapping"),
        ([("V0", [1.0])], r"non-empty mapping"),
    ],
)
def test_bad_scans_are_refused_before_any_work(config, parameters, match):
    with pytest.raises(ConfigError, match=match):
        trapode.scan(config, parameters, progress=False)


def test_a_path_to_a_drive_the_trap_does_not_have_is_refused(trap):
    config = trapode.SimulationConfig(trap=trap, particles=[trapode.report_particle_1()], **SMALL)
    with pytest.raises(ConfigError, match=r"'drive.omega' names no parameter"):
        trapode.scan(config, {"drive.omega": [1.0]}, progress=False)


def test_an_unknown_observable_and_an_adaptive_method_are_refused(config):
    with pytest.raises(ConfigError, match=r"observe must name an observable.*Did you mean 'radii'.*Observables:"):
        trapode.scan(config, {"V0": [0.025]}, observe="radius", progress=False)
    with pytest.raises(ConfigError, match=r"a scan runs a fixed-step method, got method 'dop853'"):
        trapode.scan(dataclasses.replace(config, method="dop853"), {"V0": [0.025]}, progress=False)


def test_scan_parameters_lists_the_paths(config):
    paths = trapode.scan_parameters(config)
    assert paths["excitations[0].omega"] == 2.41 and paths["damping"] == 0.0 and paths["drive.amplitude"] == 0.2
    assert not any(path.startswith("constants.") or "direction" in path for path in paths)


def test_an_adaptive_scan_goes_on_from_its_step_size_across_chunks(trap, monkeypatch):
    # Chunks of a few steps: each call of the stepper must go on with the step size the last one ended with,
    # as a single simulation does, so that the steps (and the states, bit for bit) do not depend on the chunks.
    monkeypatch.setattr(trapode.system, "_CHUNK_WORK", 60.0)
    adaptive = trapode.SimulationConfig(
        trap=dataclasses.replace(trap, drive=trapode.Drive(0.0, 1.0)),  # the model of the sweeps' runs
        particles=trapode.random_particles(6, trap, seed=3),
        method="adaptive",
        rtol=1e-8,
        atol=1e-8,
        interactions=True,
        **SMALL,
    )
    assert trapode.system.ParticleSystem.from_config(adaptive).chunk_steps() < adaptive.n_steps / 10
    result = trapode.scan(adaptive, {"drive.amplitude": [0.2]}, progress=False)
    driven = dataclasses.replace(adaptive.trap, drive=trapode.Drive(0.2, 1.0))
    run = trapode.simulate(dataclasses.replace(adaptive, trap=driven, save_every="final"), progress=False)
    np.testing.assert_array_equal(result.positions[0], run.r[-1])
    np.testing.assert_array_equal(result.velocities[0], run.v[-1])
