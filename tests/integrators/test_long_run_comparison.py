"""The long-run comparison (trapode.compare_methods) against closed forms computed here.

On the ideal trap each method's one-step map is known: RK4 multiplies every mode's
phasor by its stability polynomial G(−iωh), the Boris map turns it at the leapfrog
map's discrete frequency (PHYSICS.md), the splitting is exact. The expected phase
errors and RK4's energy loss follow without simulating; the comparison must match.
"""

import math

import numpy as np
import pytest

import trapode
from tests.reference import TESLA, VOLT

P1 = trapode.report_particle_1()
B0, V0, D = 1.0, 0.025, 500.0
T_END, EVALUATIONS = 1.0e4, 400_000  # RK4 at h = 0.1 µs, Boris at 0.025 µs


def mode_frequencies():
    """(ω₊, ω₋, ωz) from PHYSICS.md."""
    omega_c = P1.q * B0 * TESLA / P1.m
    omega_z = math.sqrt(2 * P1.q * V0 * VOLT / (P1.m * D * D))
    root = math.sqrt(omega_c**2 - 2 * omega_z**2)
    return np.array([(omega_c + root) / 2, (omega_c - root) / 2, omega_z]), omega_c


def phasors(r, v, omega):
    """ρ e^{−iθ} of the (+, −, z) modes (PHYSICS.md, f = x + iy for q > 0)."""
    f, df = r[0] + 1j * r[1], v[0] + 1j * v[1]
    split = omega[0] - omega[1]
    return np.array(
        [1j * (df + 1j * omega[1] * f) / split, -1j * (df + 1j * omega[0] * f) / split, r[2] + 1j * v[2] / omega[2]]
    )


def energy(p, omega):
    """Kinetic + trap energy (u µm²/µs²) of the state with phasors ``p`` (the ideal trap's potential)."""
    f = p[0] + p[1]
    df = -1j * omega[0] * p[0] - 1j * omega[1] * p[1]
    x, y, z = f.real, f.imag, p[2].real
    vx, vy, vz = df.real, df.imag, omega[2] * p[2].imag
    kinetic = 0.5 * P1.m * (vx**2 + vy**2 + vz**2)
    trap = P1.q * V0 * VOLT / (2 * D * D) * (2 * z * z - x * x - y * y)
    return kinetic, trap


@pytest.fixture(scope="module")
def comparison():
    return trapode.compare_methods(t_end=T_END, evaluations=EVALUATIONS, samples=500)


def test_rk4_phase_errors_and_energy_loss_are_its_stability_polynomials(comparison):
    omega, _ = mode_frequencies()
    n = comparison.n_steps["rk4"]
    h = T_END / n
    g = 1 + sum((-1j * omega * h) ** k / math.factorial(k) for k in range(1, 5))
    expected_phase = n * (-np.angle(g) - omega * h)
    np.testing.assert_allclose(comparison.phase_error["rk4"][-1], expected_phase, rtol=1e-6, atol=1e-9)
    # Energy: every phasor scaled by |G|^n.
    p0 = phasors(np.array(P1.r), np.array(P1.v), omega)
    k0, u0 = energy(p0, omega)
    k1, u1 = energy(p0 * g**n, omega)
    expected_energy = (k1 + u1 - k0 - u0) / (abs(k0) + abs(u0))
    assert expected_energy < -0.1  # RK4's drift is large here: the check is not vacuous
    assert comparison.energy_error["rk4"][-1] == pytest.approx(expected_energy, rel=1e-5)
    # and it drifts: monotone in time
    assert np.all(np.diff(comparison.energy_error["rk4"]) < 0)


def test_boris_turns_at_the_leapfrog_frequencies_and_keeps_its_energy_bounded(comparison):
    omega, omega_c = mode_frequencies()
    h = T_END / comparison.n_steps["boris"]
    theta = 2 * math.atan(omega_c * h / 2)
    psi = math.acos(math.cos(theta / 2) * (1 + (omega[2] * h) ** 2 / 4))
    discrete_plus = (theta / 2 + psi) / h
    discrete_z = 2 / h * math.asin(omega[2] * h / 2)
    t = comparison.t["boris"]
    phase = comparison.phase_error["boris"]
    assert phase[-1, 0] == pytest.approx((discrete_plus - omega[0]) * T_END, rel=1e-3)
    assert phase[-1, 2] == pytest.approx((discrete_z - omega[2]) * T_END, rel=1e-3)
    assert abs(phase[-1, 0]) > 1.0  # seven radians behind: a visible error
    energy_error = np.abs(comparison.energy_error["boris"])
    early, late = energy_error[t <= T_END / 10].max(), energy_error[t >= T_END / 2].max()
    assert late < 1.5 * early  # bounded, not drifting
    assert late < (omega[0] * h) ** 2  # and of the order of (ωh)²


def test_splitting_is_exact_and_euler_leaves(comparison):
    for method in ("splitting", "splitting4"):
        assert np.abs(comparison.phase_error[method]).max() < 1e-9
        assert np.abs(comparison.energy_error[method]).max() < 1e-10
    assert comparison.escape_time["euler"] < 200.0
    assert np.isnan(comparison.phase_error["euler"][-1]).all()
    table = comparison.table()
    for method in trapode.comparison.LONG_RUN_METHODS:
        assert method in table
    assert "left the trap" in table


def test_equal_cost_means_equal_force_evaluations(comparison):
    stages = {"euler": 1, "rk4": 4, "boris": 1, "boris-exact": 1, "splitting": 2, "splitting4": 4}
    for method, n in comparison.n_steps.items():
        assert n * stages[method] == EVALUATIONS


def test_compare_methods_refuses_what_it_cannot_compare():
    with pytest.raises(trapode.ConfigError, match="ideal static trap"):
        trapode.compare_methods(trapode.PenningTrap(C4=1e-3), t_end=10.0, evaluations=100)
    with pytest.raises(trapode.ConfigError, match="'adaptive' chooses its own steps"):
        trapode.compare_methods(t_end=10.0, evaluations=100, methods=["adaptive"])
    with pytest.raises(trapode.ConfigError, match="t_end"):
        trapode.compare_methods(t_end=-1.0)
