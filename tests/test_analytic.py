"""Exact single-particle motion: the closed form for the ideal trap, the matrix exponential for linear traps."""

import dataclasses
import math

import numpy as np
import pytest
from scipy.linalg import expm

import trapode
from trapode import Particle

from .conftest import single_config
from .reference import CODATA, linear_matrix, tilted_elliptic_hessian, tilted_field


def test_initial_state_and_axial_motion_by_hand(trap, particle_1):
    t = np.array([0.0, 1.0, 7.5, 50.0])
    r = trapode.analytic_solution(trap, particle_1, t)
    omega_z = math.sqrt(2 * 0.025 * CODATA["volt"] / (40.077 * 500.0**2))
    np.testing.assert_allclose(r[:, 2], 20.0 * np.cos(omega_z * t), rtol=1e-13)
    np.testing.assert_allclose(r[0], [20.0, 0.0, 20.0], atol=1e-13)


def test_radial_motion_by_hand_for_particle_1(trap, particle_1):
    """x0 = 20, vy0 = 25: f(0) = C+ + C− = 20, ḟ(0) = −i(ω+ C+ + ω− C−) = 25 i."""
    freq = trap.frequencies(particle_1)
    wp, wm = freq.omega_plus, freq.omega_minus
    c_plus = (-25 - wm * 20) / (wp - wm)
    c_minus = 20 - c_plus
    t = np.linspace(0, 50, 11)
    f = c_plus * np.exp(-1j * wp * t) + c_minus * np.exp(-1j * wm * t)
    r = trapode.analytic_solution(trap, particle_1, t)
    np.testing.assert_allclose(r[:, 0], f.real, rtol=1e-11, atol=1e-11)
    np.testing.assert_allclose(r[:, 1], f.imag, rtol=1e-11, atol=1e-11)
    amplitudes = trapode.radial_amplitudes(trap, particle_1)
    assert amplitudes.A_plus == pytest.approx(abs(c_plus), rel=1e-12)
    assert amplitudes.A_minus == pytest.approx(abs(c_minus), rel=1e-12)


@pytest.mark.parametrize("name, V0", [("antiproton", -0.025), ("40Ca+", 0.025)])
def test_radial_amplitudes_name_the_modes_for_either_charge(name, V0):
    """A pure cyclotron orbit has A+ = its radius and A− = 0, whatever the sign of the charge."""
    trap = trapode.PenningTrap(V0=V0)
    f = trap.frequencies(Particle(species=name))
    sign = 1 if Particle(species=name).q > 0 else -1
    for omega, expected in ((f.omega_plus, (10.0, 0.0)), (f.omega_minus, (0.0, 10.0))):
        # f = ρ e^{−i s ω t}: x0 = ρ, v_y0 = −s ω ρ.
        orbit = Particle(species=name, r=(10, 0, 0), v=(0, -sign * omega * 10, 0))
        amplitudes = trapode.radial_amplitudes(trap, orbit)
        assert (amplitudes.A_plus, amplitudes.A_minus) == pytest.approx(expected, abs=1e-9)
    mixed = Particle(species=name, r=(7, -3, 2), v=(4, 15, 3))
    a = trapode.radial_amplitudes(trap, mixed)
    t = np.linspace(0, 5, 30)
    f_t = a.A_plus * np.exp(-1j * sign * (f.omega_plus * t + a.phi_plus)) + a.A_minus * np.exp(
        -1j * sign * (f.omega_minus * t + a.phi_minus)
    )
    exact = trapode.analytic_solution(trap, mixed, t)
    np.testing.assert_allclose(f_t, exact[:, 0] + 1j * exact[:, 1], atol=1e-9)


def test_radius_stays_between_r_minus_and_r_plus(trap, particle_2):
    amplitudes = trapode.radial_amplitudes(trap, particle_2)
    r = trapode.analytic_solution(trap, particle_2, np.linspace(0, 200, 20001))
    radius = np.hypot(r[:, 0], r[:, 1])
    assert radius.min() >= amplitudes.radius_min - 1e-9 and radius.max() <= amplitudes.radius_max + 1e-9
    assert radius.min() == pytest.approx(amplitudes.radius_min, abs=1e-2)
    assert radius.max() == pytest.approx(amplitudes.radius_max, abs=1e-2)


@pytest.mark.parametrize("name, V0", [("antiproton", -0.025), ("40Ca2+", 0.025), ("1H-", -0.025)])
def test_closed_form_is_exact_for_any_charge(name, V0):
    """The closed form against the linear system's matrix exponential, computed here."""
    particle = Particle(species=name, r=(12, -5, 8), v=(3, 20, -4))
    trap = trapode.PenningTrap(V0=V0)
    t = np.linspace(0, 20, 41)
    exact = trapode.analytic_solution(trap, particle, t)
    A = linear_matrix(particle.q / particle.m, tilted_elliptic_hessian(V0, 500.0, 0.0), tilted_field(1.0, 0, 0))
    y0 = np.array([*particle.r, *particle.v])
    expected = np.array([expm(A * time) @ y0 for time in t])[:, :3]
    np.testing.assert_allclose(exact, expected, rtol=0, atol=1e-9 * np.abs(expected).max())


@pytest.mark.parametrize("tilt, azimuth, ellipticity", [(0.01, 0.0, 0.002), (0.15, 0.9, 0.03)])
def test_tilted_and_elliptic_traps_are_solved_by_the_matrix_exponential(tilt, azimuth, ellipticity):
    particle = Particle(species="40Ca+", r=(20, 5, 15), v=(2, 25, -3))
    trap = trapode.PenningTrap(tilt=tilt, tilt_azimuth=azimuth, ellipticity=ellipticity)
    t = np.linspace(0, 30, 61)
    r, v = trapode.analytic_solution(trap, particle, t, velocity=True)
    A = linear_matrix(
        particle.q / particle.m, tilted_elliptic_hessian(0.025, 500.0, ellipticity), tilted_field(1.0, tilt, azimuth)
    )
    expected = np.array([expm(A * time) @ np.array([*particle.r, *particle.v]) for time in t])
    np.testing.assert_allclose(r, expected[:, :3], rtol=0, atol=1e-10 * np.abs(expected[:, :3]).max())
    np.testing.assert_allclose(v, expected[:, 3:], rtol=0, atol=1e-10 * np.abs(expected[:, 3:]).max())


@pytest.mark.slow
def test_unbounded_motion_matches_dop853(trap):
    """A heavy ion (q/m below the criterion) spirals out; complex ω± still give the closed form."""
    heavy = Particle(q=1, m=250.0, r=(5, -3, 2), v=(1, 2, -1))
    config = single_config(trap, heavy, n_steps=200, method="dop853", t_end=20.0)
    with pytest.warns(trapode.ConfinementWarning, match="radial motion is not bounded"):
        result = trapode.simulate(config)
    exact = trapode.analytic_solution(trap, heavy, result.t)
    assert np.linalg.norm(exact[-1, :2]) > 5 * np.linalg.norm(exact[0, :2])  # it really grows
    assert trapode.relative_error(result.r[:, 0], exact).max() < 1e-9


@pytest.mark.parametrize(
    "change, match",
    [
        ({"drive": trapode.Drive(0.1, 1.0)}, "only for a static trap whose fields are linear"),
        ({"C4": 1e-3}, "the terms quadrupole, multipole C4, uniform field. Simulate it"),
        ({"B2": 1.0}, "bottle"),
    ],
)
def test_traps_without_an_exact_solution_are_refused(trap, particle_1, change, match):
    with pytest.raises(trapode.ConfigError, match=match):
        trapode.analytic_solution(dataclasses.replace(trap, **change), particle_1, [0.0])


def test_degenerate_trap_is_refused(particle_1):
    with pytest.raises(trapode.ConfigError, match=r"needs V0 ≠ 0"):
        trapode.analytic_solution(trapode.PenningTrap(V0=0.0), particle_1, [0.0])


def test_analytic_velocity_is_the_derivative_and_matches_dop853(trap, particle_2):
    t = np.linspace(0, 30, 3001)
    r, v = trapode.analytic_solution(trap, particle_2, t, velocity=True)
    np.testing.assert_allclose(v[0], particle_2.v, atol=1e-12)
    # Central differences of the positions agree with the velocity to O(dt²) ≈ |v| ω² dt² / 6 ≈ 4e-3.
    np.testing.assert_allclose((r[2:] - r[:-2]) / (t[2] - t[0]), v[1:-1], rtol=0, atol=1e-2)
    config = single_config(trap, particle_2, n_steps=3000, method="dop853", t_end=30.0)
    np.testing.assert_allclose(trapode.simulate(config).v[:, 0], v, rtol=0, atol=1e-8)
