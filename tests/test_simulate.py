"""simulate(): the compiled integrators against hand-written references and closed forms."""

import dataclasses

import numpy as np
import pytest

import trapode
from trapode import Particle, SimulationConfig

from .conftest import single_config
from .reference import REPORT, integrate, linear_matrix, tilted_elliptic_hessian, tilted_field


def test_result_shapes_and_times(trap, particle_1, particle_2):
    config = SimulationConfig(trap=trap, particles=[particle_1, particle_2], t_end=50.0, n_steps=4000)
    result = trapode.simulate(config)
    assert result.t.shape == (4001,) and result.r.shape == (4001, 2, 3) and result.v.shape == (4001, 2, 3)
    assert (
        result.t[0] == 0.0 and result.t[-1] == 50.0 and result.t[1] == 50.0 / 4000 and result.t[7] == 7 * (50.0 / 4000)
    )
    np.testing.assert_array_equal(result.r[0], [particle_1.r, particle_2.r])
    np.testing.assert_array_equal(result.v[0], [particle_1.v, particle_2.v])
    assert result.trapped.tolist() == [True, True] and np.isnan(result.escape_time).all()
    assert result.config is config
    with pytest.raises(ValueError):
        result.r[0, 0, 0] = 1.0  # read-only


@pytest.mark.parametrize("method", ["euler", "rk4"])
@pytest.mark.parametrize("drive", [None, trapode.Drive(amplitude=0.7, omega=2.2)])
@pytest.mark.parametrize("constants", ["codata", "report"])
@pytest.mark.filterwarnings("ignore::trapode.AccuracyWarning")  # forward Euler's energy grows, as it should here
def test_fixed_step_methods_match_textbook_steps(method, drive, constants, trap, particle_1, particle_2):
    """Three interacting ions, 25 steps: agreement to round-off with the hand-written NumPy reference."""
    from .reference import CODATA

    third = Particle(q=2, m=80.0, r=(-30, 10, 5), v=(5, -20, 3))
    particles = [particle_1, particle_2, third]
    trap = dataclasses.replace(trap, drive=drive, constants=constants)
    config = SimulationConfig(trap=trap, particles=particles, t_end=2.0, n_steps=25, method=method)
    expected = integrate(
        method,
        2.0,
        25,
        [p.r for p in particles],
        [p.v for p in particles],
        [p.q for p in particles],
        [p.m for p in particles],
        B0=trap.B0,
        V0=trap.V0,
        d=trap.d,
        f=drive.amplitude if drive else 0.0,
        omega_v=drive.omega if drive else 0.0,
        units=CODATA if constants == "codata" else REPORT,
    )
    np.testing.assert_allclose(trapode.simulate(config).r, expected, rtol=1e-12, atol=1e-12)


def test_the_reports_constants_reproduce_the_old_results_digit_for_digit(trap, particle_1):
    """The constants differ by 8e-7; the report's digits are there for a digit-for-digit comparison."""
    codata = trapode.simulate(single_config(trap, particle_1, n_steps=4000))
    report = trapode.simulate(single_config(dataclasses.replace(trap, constants="report"), particle_1, n_steps=4000))
    difference = trapode.relative_error(codata.r[:, 0], report.r[:, 0]).max()
    assert 1e-7 < difference < 1e-4  # a 0.8 ppm frequency bias, accumulated over 50 µs


@pytest.mark.parametrize("constants", ["codata", "report"])
def test_rk4_max_relative_error_at_4000_steps(trap, particle_1, constants):
    """SPEC.md / the issue: RK4 with n = 4000 over 50 µs has max relative error ≈ 3.5e-7, whatever the constants."""
    trap = dataclasses.replace(trap, constants=constants)
    result = trapode.simulate(single_config(trap, particle_1, n_steps=4000))
    exact = trapode.analytic_solution(trap, particle_1, result.t)
    error = trapode.relative_error(result.r[:, 0], exact).max()
    assert f"{error:.1e}" == "3.5e-07"


@pytest.mark.parametrize(
    "name, B0, V0, t_end, n_steps",
    # ω+ h ≈ 0.01 for each: the antiproton turns at 96 rad/µs, the electron at 1.8e5, Ca²⁺ at 4.7.
    [
        ("antiproton", 1.0, -0.025, 2.0, 20000),
        ("electron", 1.0, -0.025, 1e-3, 20000),
        ("40Ca2+", 1.0, 0.025, 50.0, 20000),
    ],
)
def test_rk4_equals_the_closed_form_for_every_charge(name, B0, V0, t_end, n_steps):
    """Antiproton, electron and a doubly charged ion as for Ca⁺: RK4 converges on the closed form."""
    trap = trapode.PenningTrap(B0=B0, V0=V0)
    speed = 25.0 if name != "electron" else 2e4
    particle = Particle(species=name, r=(20, 0, 20), v=(0, speed, 0))
    frequencies = trap.frequencies(particle)
    result = trapode.simulate(single_config(trap, particle, n_steps=n_steps, t_end=t_end))
    exact = trapode.analytic_solution(trap, particle, result.t)
    error = trapode.relative_error(result.r[:, 0], exact).max()
    assert error < 1e-7, (name, error, frequencies.omega_plus * t_end / n_steps)
    # Half the steps: the error grows by 2⁴ (the order), so the agreement is RK4's, not an accident.
    coarse = trapode.simulate(single_config(trap, particle, n_steps=n_steps // 2, t_end=t_end))
    coarse_error = trapode.relative_error(coarse.r[:, 0], trapode.analytic_solution(trap, particle, coarse.t)).max()
    assert 10 < coarse_error / error < 24


@pytest.mark.parametrize("tilt, azimuth, ellipticity", [(0.01, 0.0, 0.002), (0.2, 1.0, 0.05)])
def test_a_tilted_elliptic_trap_follows_the_matrix_exponential(tilt, azimuth, ellipticity):
    """The issue: a simulated trajectory equals the linear system's exact solution to 1e-7 relative."""
    from scipy.linalg import expm

    particle = Particle(species="40Ca+", r=(20, 0, 20), v=(0, 25, 0))
    trap = trapode.PenningTrap(tilt=tilt, tilt_azimuth=azimuth, ellipticity=ellipticity)
    result = trapode.simulate(single_config(trap, particle, n_steps=20000, t_end=50.0, save_every=100))
    A = linear_matrix(
        particle.q / particle.m, tilted_elliptic_hessian(0.025, 500.0, ellipticity), tilted_field(1.0, tilt, azimuth)
    )
    y0 = np.array([*particle.r, *particle.v])
    exact = np.array([expm(A * t) @ y0 for t in result.t])[:, :3]
    assert trapode.relative_error(result.r[:, 0], exact).max() < 1e-7
    untilted = trapode.analytic_solution(trapode.PenningTrap(), particle, result.t)
    assert trapode.relative_error(untilted, exact).max() > 1e-3  # the tilt matters at this level


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
    weak = trapode.PenningTrap(B0=1.0, V0=0.0004, d=100.0)
    ion = Particle(q=1, m=40.077, r=(0, 0, 0), v=(0, 0, 50))
    result = trapode.simulate(SimulationConfig(trap=weak, particles=[ion], t_end=10.0, n_steps=1000))
    outside = np.linalg.norm(result.r[:, 0], axis=1) >= 100.0
    first = np.argmax(outside)
    assert 0 < first < 1000 and outside[first:].all()
    assert result.escape_time[0] == result.t[first] and not result.trapped[0]
    assert result.fraction_trapped == 0.0


def test_non_finite_state_stops_with_step_time_particle_and_partial_result(trap, particle_1):
    runaway = Particle(q=1, m=40.077, r=(1, 0, 0), v=(1e308, 0, 0))
    config = SimulationConfig(trap=trap, particles=[particle_1, runaway], t_end=1.0, n_steps=10, interactions=False)
    with pytest.raises(
        trapode.NonFiniteStateError, match=r"particle 1 became non-finite at step 1 \(t = 0\.1 µs\)"
    ) as caught:
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
    with pytest.raises(
        trapode.IntegrationError,
        match=r"'dop853' stopped before step 1 \(t = 0\.1 µs\) "
        r"\(particle 1 has a non-finite acceleration\)",
    ) as caught:
        trapode.simulate(config)
    assert (caught.value.step, caught.value.particle) == (1, 1)
    assert caught.value.result.r.shape == (1, 2, 3)  # the initial state, all there is


@pytest.mark.parametrize("method", ["euler", "rk4"])
def test_threaded_coulomb_sum_matches_the_serial_one(method, trap):
    """The pair sum for thousands of ions (over threads) agrees with the serial one to round-off."""
    from trapode.forces.total import COULOMB_SERIAL, COULOMB_THREADED
    from trapode.integrators import METHODS
    from trapode.system import ParticleSystem

    ions = trapode.random_particles(61, trap, seed=4)
    system = ParticleSystem.from_config(SimulationConfig(trap=trap, particles=ions, t_end=5.0, n_steps=50))
    assert system.coulomb == COULOMB_SERIAL
    serial = METHODS[method].integrate(system, 5.0, 50, 1)

    class Threaded(ParticleSystem):
        coulomb = COULOMB_THREADED

    threaded = METHODS[method].integrate(
        Threaded(
            **{f: getattr(system, f) for f in ("trap", "positions", "velocities", "charge", "mass", "interactions")}
        ),
        5.0,
        50,
        1,
    )
    # Another summation order, amplified by 50 steps of 61 interacting ions: agreement to 1e-10.
    np.testing.assert_allclose(threaded.r, serial.r, rtol=1e-10, atol=1e-10)


def test_thousands_of_interacting_ions_use_the_threaded_sum(trap):
    from trapode.forces.coulomb import THREADED_COULOMB_MIN_PARTICLES
    from trapode.forces.total import COULOMB_OFF, COULOMB_THREADED
    from trapode.system import ParticleSystem

    ions = trapode.random_particles(THREADED_COULOMB_MIN_PARTICLES, trap, seed=5)
    config = SimulationConfig(trap=trap, particles=ions, t_end=1.0, n_steps=1)
    assert ParticleSystem.from_config(config).coulomb == COULOMB_THREADED
    assert ParticleSystem.from_config(dataclasses.replace(config, interactions=False)).coulomb == COULOMB_OFF


def test_with_thinned_saves_the_error_says_where_it_was_found_and_last_known_finite(trap, particle_1):
    runaway = Particle(q=1, m=40.077, r=(1, 0, 0), v=(1e308, 0, 0))
    config = SimulationConfig(
        trap=trap, particles=[particle_1, runaway], t_end=10.0, n_steps=100, interactions=False, save_every=50
    )
    with pytest.raises(trapode.NonFiniteStateError, match="last checked finite") as caught:
        trapode.simulate(config)
    error = caught.value
    assert error.particle == 1 and 1 <= error.step <= 50
    assert error.result.r.shape[0] == 1 and np.isfinite(error.result.r).all()
