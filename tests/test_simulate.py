"""simulate(): the compiled integrators against hand-written references and closed forms."""

import dataclasses

import numpy as np
import pytest

import trapode
from trapode import Particle, SimulationConfig

from .conftest import single_config
from .reference import integrate


def test_result_shapes_and_times(trap, particle_1, particle_2):
    config = SimulationConfig(trap=trap, particles=[particle_1, particle_2], t_end=50.0, n_steps=4000)
    result = trapode.simulate(config)
    assert result.t.shape == (4001,) and result.r.shape == (4001, 2, 3) and result.v.shape == (4001, 2, 3)
    assert result.t[0] == 0.0 and result.t[-1] == 50.0 and result.t[1] == 50.0 / 4000
    np.testing.assert_array_equal(result.r[0], [particle_1.r, particle_2.r])
    np.testing.assert_array_equal(result.v[0], [particle_1.v, particle_2.v])
    assert result.trapped.tolist() == [True, True] and np.isnan(result.escape_time).all()
    assert result.config is config
    with pytest.raises(ValueError):
        result.r[0, 0, 0] = 1.0  # read-only


@pytest.mark.parametrize("method", ["euler", "rk4"])
@pytest.mark.parametrize("drive", [None, trapode.Drive(amplitude=0.7, omega=2.2)])
def test_fixed_step_methods_match_textbook_steps(method, drive, trap, particle_1, particle_2):
    """Three interacting ions, 25 steps: agreement to round-off with the hand-written NumPy reference."""
    third = Particle(q=2, m=80.0, r=(-30, 10, 5), v=(5, -20, 3))
    particles = [particle_1, particle_2, third]
    trap = dataclasses.replace(trap, drive=drive)
    config = SimulationConfig(trap=trap, particles=particles, t_end=2.0, n_steps=25, method=method)
    expected = integrate(
        method, 2.0, 25, [p.r for p in particles], [p.v for p in particles],
        [p.q for p in particles], [p.m for p in particles], B0=trap.B0, V0=trap.V0, d=trap.d,
        f=drive.amplitude if drive else 0.0, omega_v=drive.omega if drive else 0.0,
    )
    np.testing.assert_allclose(trapode.simulate(config).r, expected, rtol=1e-12, atol=1e-12)


def test_rk4_max_relative_error_at_4000_steps(trap, particle_1):
    """SPEC.md / the issue: RK4 with n = 4000 over 50 µs has max relative error ≈ 3.5e-7."""
    result = trapode.simulate(single_config(trap, particle_1, n_steps=4000))
    exact = trapode.analytic_solution(trap, particle_1, result.t)
    error = trapode.relative_error(result.r[:, 0], exact).max()
    assert f"{error:.1e}" == "3.5e-07"


def test_euler_is_first_order_accurate_per_step(trap, particle_1):
    """One Euler step of size h misses the exact position by O(h²): halving h quarters it."""
    errors = []
    for t_end in (0.02, 0.01):
        result = trapode.simulate(single_config(trap, particle_1, n_steps=10, method="euler", t_end=t_end))
        errors.append(np.linalg.norm(result.r[1, 0] - trapode.analytic_solution(trap, particle_1, result.t[1:2])[0]))
    assert errors[0] / errors[1] == pytest.approx(4.0, rel=0.01)


@pytest.mark.slow
def test_dop853_matches_analytic_to_1e_minus_10_at_every_step(trap, particle_1):
    result = trapode.simulate(single_config(trap, particle_1, n_steps=4000, method="dop853"))
    exact = trapode.analytic_solution(trap, particle_1, result.t)
    assert trapode.relative_error(result.r[:, 0], exact).max() <= 1e-10


@pytest.mark.slow
def test_two_interacting_particles_rk4_matches_dop853(trap, particle_1, particle_2):
    config = SimulationConfig(trap=trap, particles=[particle_1, particle_2], t_end=50.0, n_steps=32000)
    rk4 = trapode.simulate(config)
    dop853 = trapode.simulate(dataclasses.replace(config, method="dop853"))
    assert trapode.relative_error(rk4.r, dop853.r).max() <= 1e-8
    # The interaction matters: without it the paths differ far more than that.
    free = trapode.simulate(dataclasses.replace(config, interactions=False))
    assert trapode.relative_error(free.r, dop853.r).max() > 1e-3


@pytest.mark.slow
def test_rk4_with_drive_keeps_fourth_order(trap, particle_1):
    """Stages at their own times: with a fast drive RK4 still converges at order 4 against DOP853."""
    driven = dataclasses.replace(trap, drive=trapode.Drive(amplitude=0.7, omega=2.2))
    config = single_config(driven, particle_1, t_end=20.0, rtol=1e-13, atol=1e-13)
    study = trapode.convergence_study(config, methods=["rk4"], n_steps=[1000, 2000, 4000], reference="dop853")
    assert study.rates["rk4"] == pytest.approx(4.0, abs=0.05)


def test_right_hand_side_with_solve_ivp(trap, particle_1, particle_2):
    from scipy.integrate import solve_ivp

    config = SimulationConfig(trap=trap, particles=[particle_1, particle_2], t_end=5.0, n_steps=1000)
    fun, y0 = trapode.right_hand_side(config)
    np.testing.assert_array_equal(y0, [20, 0, 20, 25, 25, 0, 0, 25, 0, 0, 40, 5])
    t = np.linspace(0, 5.0, 1001)
    solution = solve_ivp(fun, (0, 5.0), y0, method="DOP853", t_eval=t, rtol=1e-12, atol=1e-12)
    positions, velocities = solution.y[:6].T.reshape(-1, 2, 3), solution.y[6:].T.reshape(-1, 2, 3)
    dop853 = trapode.simulate(dataclasses.replace(config, method="dop853"))
    np.testing.assert_array_equal(positions, dop853.r)
    np.testing.assert_array_equal(velocities, dop853.v)
    rk4 = trapode.simulate(config)  # h = 5 ns: RK4's own error is ~1e-8 µm here
    np.testing.assert_allclose(positions, rk4.r, rtol=0, atol=1e-7)
    np.testing.assert_allclose(velocities, rk4.v, rtol=0, atol=1e-6)


def test_outside_the_trap_particles_move_in_straight_lines(trap, particle_1):
    """The escape rule: no E or B field where |r| > d."""
    outside = Particle(q=1, m=40.077, r=(600, 0, 0), v=(0, 3, 1))
    config = SimulationConfig(trap=trap, particles=[particle_1, outside], t_end=10.0, n_steps=100, interactions=False)
    result = trapode.simulate(config)
    expected = np.array([600.0, 0.0, 0.0]) + np.outer(result.t, [0.0, 3.0, 1.0])
    np.testing.assert_allclose(result.r[:, 1], expected, rtol=1e-14)
    np.testing.assert_array_equal(result.v[:, 1], np.tile([0.0, 3.0, 1.0], (101, 1)))
    assert result.trapped.tolist() == [True, False]
    assert np.isnan(result.escape_time[0]) and result.escape_time[1] == 0.0


def test_escape_time_is_first_sample_outside(trap):
    """An ion fired along z against a weak trap leaves; with no field outside it never returns."""
    weak = trapode.PenningTrap(B0=1.0, V0=0.0001, d=100.0)
    ion = Particle(q=1, m=40.077, r=(0, 0, 0), v=(0, 0, 50))
    result = trapode.simulate(SimulationConfig(trap=weak, particles=[ion], t_end=10.0, n_steps=1000))
    outside = np.linalg.norm(result.r[:, 0], axis=1) > 100.0
    first = np.argmax(outside)
    assert 0 < first < 1000 and outside[first:].all()
    assert result.escape_time[0] == result.t[first] and not result.trapped[0]
    assert result.fraction_trapped == 0.0


def test_non_finite_state_stops_with_step_time_particle_and_partial_result(trap, particle_1):
    runaway = Particle(q=1, m=40.077, r=(1, 0, 0), v=(1e308, 0, 0))
    config = SimulationConfig(trap=trap, particles=[particle_1, runaway], t_end=1.0, n_steps=10, interactions=False)
    with pytest.raises(trapode.NonFiniteStateError, match=r"particle 1 became non-finite at step 1 \(t = 0\.1 µs\)") as caught:
        trapode.simulate(config)
    error = caught.value
    assert (error.step, error.time, error.particle) == (1, 0.1, 1)
    assert error.result.r.shape == (1, 2, 3) and np.isfinite(error.result.r).all()
    np.testing.assert_array_equal(error.result.r[0], [particle_1.r, runaway.r])


def test_runs_are_deterministic(trap, particle_1, particle_2):
    config = SimulationConfig(trap=trap, particles=[particle_1, particle_2], t_end=5.0, n_steps=500)
    assert trapode.simulate(config) == trapode.simulate(config)


def test_failing_reference_method_reports_where_it_stopped(trap, particle_1):
    runaway = Particle(q=1, m=40.077, r=(1, 0, 0), v=(1e308, 0, 0))
    config = SimulationConfig(
        trap=trap, particles=[particle_1, runaway], t_end=1.0, n_steps=10, interactions=False, method="dop853"
    )
    with pytest.raises(trapode.IntegrationError, match=r"'dop853' stopped before step 0 \(t = 0 µs\) "
                       r"\(particle 1 has a non-finite acceleration\)") as caught:
        trapode.simulate(config)
    assert (caught.value.step, caught.value.particle) == (0, 1)
    assert caught.value.result.r.shape == (0, 2, 3)


@pytest.mark.parametrize("method", ["euler", "rk4"])
def test_threaded_coulomb_kernels_match_serial_ones(method, trap):
    """The kernels for thousands of ions (pair sum over threads) agree with the serial ones to round-off."""
    from trapode import kernels
    from trapode.integrators import METHODS
    from trapode.system import ParticleSystem

    ions = trapode.random_particles(61, trap, seed=4)
    system = ParticleSystem.from_config(SimulationConfig(trap=trap, particles=ions, t_end=5.0, n_steps=50))
    integrator = METHODS[method]
    serial = integrator.integrate(system, 5.0, 50)
    threaded = integrator.integrate(dataclasses.replace(system, interactions=True), 5.0, 50)
    assert not system.threaded_coulomb
    np.testing.assert_allclose(serial.r, threaded.r, rtol=1e-12)
    outputs = [np.empty((51, 3, 61)) for _ in range(2)]
    threaded_kernel = integrator.threaded_kernel
    threaded_kernel(5.0, 50, system.positions, system.velocities, system.charge, system.mass, system.trap, True, *outputs)
    np.testing.assert_allclose(outputs[0].transpose(0, 2, 1), serial.r, rtol=1e-12, atol=1e-12)
    assert kernels.THREADED_COULOMB_MIN_PARTICLES > 61


def test_thousands_of_interacting_ions_use_the_threaded_kernel(trap):
    from trapode import kernels
    from trapode.system import ParticleSystem

    ions = trapode.random_particles(kernels.THREADED_COULOMB_MIN_PARTICLES, trap, seed=5)
    config = SimulationConfig(trap=trap, particles=ions, t_end=1.0, n_steps=1)
    assert ParticleSystem.from_config(config).threaded_coulomb
    assert not ParticleSystem.from_config(dataclasses.replace(config, interactions=False)).threaded_coulomb
