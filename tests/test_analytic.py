"""The closed-form solution against hand-computed values and DOP853."""

import dataclasses
import math

import numpy as np
import pytest

import trapode
from trapode import Particle

from .conftest import single_config


def test_initial_state_and_axial_motion_by_hand(trap, particle_1):
    t = np.array([0.0, 1.0, 7.5, 50.0])
    r = trapode.analytic_solution(trap, particle_1, t)
    omega_z = math.sqrt(2 * 0.025 * 9.64852558e7 / (40.077 * 500.0**2))
    np.testing.assert_allclose(r[:, 2], 20.0 * np.cos(omega_z * t), rtol=1e-13)
    np.testing.assert_allclose(r[0], [20.0, 0.0, 20.0], atol=1e-13)


def test_radial_motion_by_hand_for_particle_1(trap, particle_1):
    """x0 = 20, vy0 = 25: C+ = (vy0 − ω− x0)/(ω+ − ω−)... typed in from f(0) and ḟ(0)."""
    freq = trap.frequencies(particle_1)
    wp, wm = freq.omega_plus, freq.omega_minus
    # f(0) = C+ + C− = 20, ḟ(0) = −i(ω+ C+ + ω− C−) = 25 i  ⇒  ω+ C+ + ω− C− = −25.
    c_plus = (-25 - wm * 20) / (wp - wm)
    c_minus = 20 - c_plus
    t = np.linspace(0, 50, 11)
    f = c_plus * np.exp(-1j * wp * t) + c_minus * np.exp(-1j * wm * t)
    r = trapode.analytic_solution(trap, particle_1, t)
    np.testing.assert_allclose(r[:, 0], f.real, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(r[:, 1], f.imag, rtol=1e-12, atol=1e-12)
    amplitudes = trapode.radial_amplitudes(trap, particle_1)
    assert amplitudes.A_plus == pytest.approx(abs(c_plus), rel=1e-13)
    assert amplitudes.A_minus == pytest.approx(abs(c_minus), rel=1e-13)


def test_radius_stays_between_r_minus_and_r_plus(trap, particle_2):
    amplitudes = trapode.radial_amplitudes(trap, particle_2)
    t = np.linspace(0, 200, 20001)
    r = trapode.analytic_solution(trap, particle_2, t)
    radius = np.hypot(r[:, 0], r[:, 1])
    assert radius.min() >= amplitudes.radius_min - 1e-9
    assert radius.max() <= amplitudes.radius_max + 1e-9
    assert radius.min() == pytest.approx(amplitudes.radius_min, abs=1e-2)
    assert radius.max() == pytest.approx(amplitudes.radius_max, abs=1e-2)


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


def test_drive_has_no_closed_form(trap, particle_1):
    driven = dataclasses.replace(trap, drive=trapode.Drive(0.1, 1.0))
    with pytest.raises(trapode.ConfigError, match=r"only for a static trap; PenningTrap\.drive must be None"):
        trapode.analytic_solution(driven, particle_1, [0.0])


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
