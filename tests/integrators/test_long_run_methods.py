"""Boris, phase-exact Boris, exact-flow splitting and the compiled adaptive pair, against independent references.

The references are PHYSICS.md's formulas computed here (the leapfrog maps' discrete
frequencies, the C4 shift, the closed-form motion), and the conservation laws.
Frequencies are fitted to the simulated trajectories by Prony's method: the states
of a linear map obey an exact linear recurrence whose roots are its eigenvalues.
"""

import math
import warnings

import numpy as np
import pytest

import trapode
from tests.reference import K_E, TESLA, VOLT

TRAP = trapode.PenningTrap(B0=1.0, V0=0.025, d=500.0)
P1 = trapode.report_particle_1()


def omegas(q, m, B0=1.0, V0=0.025, d=500.0):
    """ωc, ωz from PHYSICS.md with the CODATA factors of tests/reference.py."""
    return abs(q) * B0 * TESLA / m, math.sqrt(2 * q * V0 * VOLT / (m * d * d))


def prony(samples, order, h):
    """The angular frequencies (rad/µs) of the ``order`` modes of equally spaced samples, by least squares."""
    rows = np.array([samples[k : len(samples) - order + k] for k in range(order)]).T
    coefficients, *_ = np.linalg.lstsq(rows, samples[order:], rcond=None)
    roots = np.roots(np.concatenate([[1.0], -coefficients[::-1]]))
    return np.sort(np.abs(np.angle(roots)) / h)


def run(method, n_steps, t_end=50.0, particles=(P1,), trap=TRAP, **options):
    config = trapode.SimulationConfig(
        trap=trap, particles=list(particles), t_end=t_end, n_steps=n_steps, method=method, **options
    )
    return trapode.simulate(config, progress=False)


@pytest.mark.parametrize("method", ["boris", "boris-exact"])
def test_boris_frequencies_are_the_leapfrog_maps_closed_forms(method):
    h = 0.05
    result = run(method, 4000, t_end=4000 * h)
    omega_c, omega_z = omegas(P1.q, P1.m)
    theta = omega_c * h if method == "boris-exact" else 2 * math.atan(omega_c * h / 2)
    psi = math.acos(math.cos(theta / 2) * (1 + (omega_z * h) ** 2 / 4))
    expected_radial = sorted([(theta / 2 - psi) / h, (theta / 2 + psi) / h])
    expected_axial = 2 / h * math.asin(omega_z * h / 2)
    radial = prony(result.r[:, 0, 0] + 1j * result.r[:, 0, 1], 2, h)
    axial = prony(result.r[:, 0, 2], 2, h)
    np.testing.assert_allclose(radial, expected_radial, rtol=1e-7)
    np.testing.assert_allclose(axial, [expected_axial, expected_axial], rtol=1e-7)
    # method_errors gives the same discrete frequencies.
    errors = trapode.method_errors(TRAP, P1, method, h)
    np.testing.assert_allclose([errors.omega_minus, errors.omega_plus], expected_radial, rtol=1e-9)
    assert errors.omega_z == pytest.approx(expected_axial, rel=1e-9)
    assert abs(errors.amplitude_change["omega_plus"]) < 1e-10  # the map keeps amplitudes


def test_rk4_method_errors_are_the_stability_polynomials():
    h = 0.2
    _, omega_z = omegas(P1.q, P1.m)
    for mode, omega in (("omega_z", omega_z),):
        g = 1 + sum((1j * omega * h) ** k / math.factorial(k) for k in range(1, 5))
        errors = trapode.method_errors(TRAP, P1, "rk4", h)
        assert getattr(errors, mode) == pytest.approx(np.angle(g) / h, rel=1e-12)
        assert errors.amplitude_change[mode] == pytest.approx(abs(g) ** (2 * math.pi / np.angle(g)) - 1, rel=1e-9)
    # and a simulated axial amplitude decays as |G| per step says
    axial = trapode.Particle(q=P1.q, m=P1.m, r=(0.0, 0.0, 20.0), v=(0.0, 0.0, 0.0))
    result = run("rk4", 2000, t_end=2000 * h, particles=(axial,))
    amplitude = np.hypot(result.r[:, 0, 2], result.v[:, 0, 2] / omega_z)
    g = 1 + sum((1j * omega_z * h) ** k / math.factorial(k) for k in range(1, 5))
    assert amplitude[-1] / amplitude[0] == pytest.approx(abs(g) ** 2000, rel=1e-6)


@pytest.mark.slow
def test_boris_converges_at_second_order_in_the_report_study():
    config = trapode.SimulationConfig(trap=TRAP, particles=[P1], t_end=50.0, n_steps=4000)
    study = trapode.convergence_study(config, ["boris", "boris-exact", "splitting4"], reference="analytic")
    assert study.rates["boris"] == pytest.approx(2.0, abs=0.05)
    assert study.rates["boris-exact"] == pytest.approx(2.0, abs=0.05)


@pytest.mark.parametrize("method", ["splitting", "splitting4"])
@pytest.mark.parametrize("n_steps", [3, 10, 1000])
def test_splitting_is_exact_on_the_ideal_trap_for_any_step(method, n_steps):
    result = run(method, n_steps)
    exact = trapode.analytic_solution(TRAP, P1, result.t)
    scale = np.abs(exact).max()
    assert np.abs(result.r[:, 0] - exact).max() < 1e-9 * scale


@pytest.mark.parametrize(("method", "order"), [("splitting", 2), ("splitting4", 4), ("boris", 2)])
def test_orders_with_an_octupole_against_dop853(method, order):
    trap = trapode.PenningTrap(B0=1.0, V0=0.025, d=500.0, C4=0.2)
    ion = trapode.Particle(q=1.0, m=40.0, r=(150.0, 0.0, 120.0), v=(0.0, 60.0, 10.0))
    reference = run("dop853", 10, t_end=20.0, particles=(ion,), trap=trap, rtol=1e-13, atol=1e-13).r[-1, 0]
    errors = [
        np.linalg.norm(run(method, n, t_end=20.0, particles=(ion,), trap=trap).r[-1, 0] - reference) for n in (100, 200)
    ]
    assert math.log2(errors[0] / errors[1]) == pytest.approx(order, abs=0.15)


def test_electron_axial_shift_in_a_g2_trap_with_steps_of_hundreds_of_cyclotron_periods():
    c4, d, rho_z = 1e-3, 3500.0, 200.0
    trap = trapode.PenningTrap(B0=5.36, V0=-10.0, d=d, C4=c4)
    electron = trapode.Particle(species="electron", r=(0.0, 0.0, rho_z), v=(0.0, 0.0, 0.0))
    omega_c, omega_z = omegas(electron.q, electron.m, B0=5.36, V0=-10.0, d=d)
    shift = 0.75 * c4 / d**2 * omega_z * rho_z**2  # PHYSICS.md, first order, ρ± = 0
    h = 2 * math.pi / omega_z / 16
    assert omega_c * h / (2 * math.pi) > 100  # steps of over a hundred cyclotron periods
    t_end = 200.0
    result = run("splitting", round(t_end / h), t_end=t_end, particles=(electron,), trap=trap, save_every=4)
    phase = np.unwrap(np.arctan2(-result.v[:, 0, 2] / omega_z, result.r[:, 0, 2]))
    measured = np.polyfit(result.t, phase, 1)[0] - omega_z
    assert measured == pytest.approx(shift, rel=0.02)


def test_damping_with_splitting_and_boris_gives_the_cyclotron_decay_rate():
    gamma = 0.002
    frequencies = TRAP.frequencies(P1)
    expected = gamma * frequencies.omega_plus / (frequencies.omega_plus - frequencies.omega_minus)
    for method in ("splitting", "boris"):
        result = run(method, 20000, t_end=200.0, damping=gamma)
        omega = np.array([frequencies.omega_plus, frequencies.omega_minus, frequencies.omega_z])
        radii = trapode.modes.mode_radii(result.r[:, 0], result.v[:, 0], omega, P1.q)
        rate = -np.polyfit(result.t, np.log(radii[:, 0]), 1)[0]
        assert rate == pytest.approx(expected, rel=0.01), method


def test_scans_run_the_new_methods_as_simulate_does():
    omega = np.array([2.0, 2.2])
    trap = trapode.PenningTrap(drive=trapode.Drive(amplitude=0.3, omega=2.0))
    for method in ("boris", "splitting"):
        config = trapode.SimulationConfig(trap=trap, particles=[P1], t_end=30.0, n_steps=600, method=method)
        scan = trapode.scan(config, {"drive.omega": omega}, observe="fraction_trapped", progress=False)
        for index, value in enumerate(omega):
            alone = trapode.simulate(trapode.scans.with_values(config, {"drive.omega": value}), progress=False)
            np.testing.assert_allclose(scan.positions[index, 0], alone.r[-1, 0], rtol=1e-12, atol=1e-12)


def test_suggest_steps_meets_its_phase_tolerance_in_a_simulated_run():
    t_end, tolerance = 1000.0, 0.05
    config = trapode.SimulationConfig(trap=TRAP, particles=[P1], t_end=t_end, n_steps=10, method="boris")
    n_steps = trapode.suggest_steps(config, tolerance)
    frequencies = TRAP.frequencies(P1)

    def cyclotron_phase_error(n):
        result = run("boris", n, t_end=t_end, save_every=n)
        f = result.r[:, 0, 0] + 1j * result.r[:, 0, 1]
        f_dot = result.v[:, 0, 0] + 1j * result.v[:, 0, 1]
        mode = f_dot + 1j * frequencies.omega_minus * f  # ∝ e^{−iω₊t}, PHYSICS.md
        return abs(np.angle(mode[-1] / mode[0] * np.exp(1j * frequencies.omega_plus * t_end)))

    assert 0.8 * tolerance < cyclotron_phase_error(n_steps) <= 1.02 * tolerance
    assert cyclotron_phase_error(n_steps // 2) > tolerance


def test_suggest_steps_and_method_errors_refuse_what_they_cannot_estimate():
    config = trapode.SimulationConfig(trap=TRAP, particles=[P1], t_end=10.0, n_steps=10, method="splitting")
    with pytest.raises(trapode.ConfigError, match="splitting methods follow the linear trap exactly"):
        trapode.suggest_steps(config, 0.1)
    with pytest.raises(trapode.ConfigError, match="tolerance"):
        trapode.suggest_steps(config, -1.0)
    with pytest.raises(trapode.ConfigError, match="method 'dop853'"):
        trapode.method_errors(TRAP, P1, "dop853", 0.1)
    with pytest.raises(trapode.ConfigError, match="h must be"):
        trapode.method_errors(TRAP, P1, "rk4", 0.0)


def _conserved(result, ions, trap):
    """Total energy and canonical angular momentum of every kept state, typed in from PHYSICS.md."""
    q = np.array([p.q for p in ions])
    m = np.array([p.m for p in ions])
    x, v = result.r, result.v
    kinetic = 0.5 * (m * (v**2).sum(-1)).sum(-1)
    phi = trap.V0 / (2 * trap.d**2) * (2 * x[..., 2] ** 2 - x[..., 0] ** 2 - x[..., 1] ** 2)
    potential = (q * VOLT * phi).sum(-1)
    iu = np.triu_indices(len(ions), 1)
    separation = np.linalg.norm(x[:, iu[0]] - x[:, iu[1]], axis=-1)
    pairs = (K_E * (q[iu[0]] * q[iu[1]]) / separation).sum(-1)
    angular = (
        m * (x[..., 0] * v[..., 1] - x[..., 1] * v[..., 0])
        + q * TESLA * trap.B0 * (x[..., 0] ** 2 + x[..., 1] ** 2) / 2
    ).sum(-1)
    return kinetic + potential + pairs, angular


@pytest.mark.slow
def test_adaptive_keeps_every_interacting_ion_and_conserves_energy_and_angular_momentum():
    ions = trapode.random_particles(100, TRAP, seed=2022)
    result = run("adaptive", 5000, t_end=500.0, particles=ions, interactions=True, rtol=1e-7, atol=1e-7, save_every=100)
    assert result.trapped.all()
    energy, angular = _conserved(result, ions, TRAP)
    assert np.abs(energy / energy[0] - 1).max() < 1e-6
    assert np.abs(angular / angular[0] - 1).max() < 1e-6


def test_fixed_steps_that_miss_close_encounters_warn_with_the_energy_drift():
    ions = trapode.random_particles(30, TRAP, seed=7)
    with pytest.warns(trapode.AccuracyWarning, match="total energy of the 30 interacting particles changed"):
        run("rk4", 300, t_end=300.0, particles=ions, interactions=True)
    with warnings.catch_warnings():
        warnings.simplefilter("error", trapode.AccuracyWarning)
        run("rk4", 4000, particles=(P1, trapode.report_particle_2()), interactions=True)  # resolved: no warning


def test_the_energy_check_is_left_out_where_it_would_cost_more_than_the_run(monkeypatch):
    # The same coarse run as above, as if 30 particles were many: 300 RK4 steps are 1200 force sums.
    ions = trapode.random_particles(30, TRAP, seed=7)
    monkeypatch.setattr(trapode.simulation, "THREADED_COULOMB_MIN_PARTICLES", 20)
    with pytest.warns(trapode.AccuracyWarning, match="total energy"):
        run("rk4", 300, t_end=300.0, particles=ions, interactions=True)
    monkeypatch.setattr(trapode.simulation, "ENERGY_CHECK_MIN_SUMS", 1201)
    with warnings.catch_warnings():
        warnings.simplefilter("error", trapode.AccuracyWarning)
        run("rk4", 300, t_end=300.0, particles=ions, interactions=True)


def test_method_errors_alias_steps_longer_than_a_cyclotron_period_to_the_nearest_frequency():
    # The electron of a g-2 trap with 16 steps per axial period: each step is over a hundred cyclotron turns, so
    # the one-step map's eigenvalue has turned past π many times; the splitting is still exact.
    trap = trapode.PenningTrap(B0=5.36, V0=-10.0, d=3500.0)
    electron = trapode.Particle(species="electron")
    omega_c, omega_z = omegas(electron.q, electron.m, B0=5.36, V0=-10.0, d=3500.0)
    h = 2 * math.pi / omega_z / 16
    assert omega_c * h > 100 * 2 * math.pi
    errors = trapode.method_errors(trap, electron, "splitting", h)
    assert max(abs(value) for value in errors.frequency_error.values()) < 1e-12
    assert max(errors.phase_error(1000.0).values()) < 1e-6
