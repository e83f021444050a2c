"""Real traps: frequency shifts of simulated trajectories against PHYSICS.md's first-order theory.

Frequencies are measured here, independently of the package, from the zero
crossings of z(t), and the formulas of PHYSICS.md (Ketter et al. 2014) are
typed in. Modes are started pure: x + i y = ρ₊ e^{−iω₊t} + ρ₋ e^{−iω₋t}, z = ρz cos ωz t.
"""

import dataclasses
import math

import numpy as np
import pytest

import trapode

from .reference import CODATA

Q, M = 1.0, 40.077
V0, D, B0 = 0.025, 500.0, 1.0


def ideal_frequencies():
    omega_c = Q * B0 * CODATA["tesla"] / M
    omega_z = math.sqrt(2 * Q * V0 * CODATA["volt"] / (M * D**2))
    root = math.sqrt(omega_c**2 - 2 * omega_z**2)
    return omega_c, (omega_c + root) / 2, omega_z, (omega_c - root) / 2


def pure_modes(rho_plus, rho_minus, rho_z):
    _, omega_plus, _, omega_minus = ideal_frequencies()
    # f(0) = ρ₊ + ρ₋, ḟ(0) = −i(ω₊ρ₊ + ω₋ρ₋): v_x = 0, v_y = −(ω₊ρ₊ + ω₋ρ₋).
    return trapode.Particle(
        q=Q, m=M, r=(rho_plus + rho_minus, 0.0, rho_z), v=(0.0, -(omega_plus * rho_plus + omega_minus * rho_minus), 0.0)
    )


def axial_frequency(t, z):
    """ω from the upward zero crossings of z(t), each placed by linear interpolation."""
    upward = np.flatnonzero((z[:-1] < 0) & (z[1:] >= 0))
    crossings = t[upward] - z[upward] * (t[upward + 1] - t[upward]) / (z[upward + 1] - z[upward])
    return 2 * math.pi * (len(crossings) - 1) / (crossings[-1] - crossings[0])


def measured_shift(trap, particle, t_end=300.0, n_steps=30000):
    config = trapode.SimulationConfig(trap=trap, particles=[particle], t_end=t_end, n_steps=n_steps)
    result = trapode.simulate(config)
    assert result.trapped[0]
    return axial_frequency(result.t, result.r[:, 0, 2]) - ideal_frequencies()[2]


def base_trap(**terms):
    return trapode.PenningTrap(B0=B0, V0=V0, d=D, **terms)


def test_the_frequency_fit_is_exact_on_the_ideal_trap():
    assert measured_shift(base_trap(), pure_modes(20.0, 40.0, 60.0)) == pytest.approx(0.0, abs=1e-9)


@pytest.mark.parametrize("rho_plus, rho_minus, rho_z", [(0.0, 0.0, 150.0), (0.0, 150.0, 100.0), (40.0, 60.0, 80.0)])
def test_c4_axial_shift_is_first_order_theory(rho_plus, rho_minus, rho_z):
    c4 = 0.01
    omega_z = ideal_frequencies()[2]
    # Δωz = ¾ (C4/d²) ωz (ρz² − 2ρ₊² − 2ρ₋²)
    theory = 0.75 * c4 / D**2 * omega_z * (rho_z**2 - 2 * rho_plus**2 - 2 * rho_minus**2)
    shift = measured_shift(base_trap(C4=c4), pure_modes(rho_plus, rho_minus, rho_z))
    assert abs(theory) > 3e-5  # a shift far above the fit's precision
    assert shift == pytest.approx(theory, rel=0.02)


@pytest.mark.parametrize("rho_plus, rho_minus", [(60.0, 0.0), (30.0, 120.0)])
def test_b2_axial_shift_is_first_order_theory(rho_plus, rho_minus):
    b2 = 3e4
    omega_c, omega_plus, omega_z, omega_minus = ideal_frequencies()
    # Δωz = (B2/B0)(ωc/2ωz)(ω₊ρ₊² + ω₋ρ₋²), B2/B0 in 1/µm².
    theory = b2 * 1e-12 / B0 * omega_c / (2 * omega_z) * (omega_plus * rho_plus**2 + omega_minus * rho_minus**2)
    shift = measured_shift(base_trap(B2=b2), pure_modes(rho_plus, rho_minus, 20.0))
    assert abs(theory) > 3e-5
    assert shift == pytest.approx(theory, rel=0.02)


C4_AS_TEXT = "C * V0 / d**4 * (8*z**4 - 24*z**2*(x**2 + y**2) + 3*(x**2 + y**2)**2) / 8"


def test_c4_given_as_text_is_the_builtin_c4_to_round_off():
    particle = pure_modes(40.0, 60.0, 80.0)
    text = base_trap(potentials=[trapode.Potential(C4_AS_TEXT, C=0.01, V0=V0, d=D)])
    config = trapode.SimulationConfig(trap=base_trap(C4=0.01), particles=[particle], t_end=20.0, n_steps=2000)
    builtin = trapode.simulate(config)
    user = trapode.simulate(dataclasses.replace(config, trap=text))
    assert trapode.relative_error(user.r[:, 0], builtin.r[:, 0]).max() < 1e-12
    ideal = trapode.simulate(dataclasses.replace(config, trap=base_trap()))
    assert trapode.relative_error(ideal.r[:, 0], builtin.r[:, 0]).max() > 1e-6  # C4 does something here


def test_c4_as_text_shifts_the_axial_frequency_as_the_builtin_does():
    particle = pure_modes(0.0, 150.0, 100.0)
    builtin = measured_shift(base_trap(C4=0.01), particle)
    text = measured_shift(base_trap(potentials=[trapode.Potential(C4_AS_TEXT, C=0.01, V0=V0, d=D)]), particle)
    assert text == pytest.approx(builtin, rel=1e-6)


def test_a_trap_with_every_imperfection_and_user_terms_runs():
    with pytest.warns(trapode.FieldWarning, match="not a vacuum field"):
        extra = trapode.Potential("C * V0 / d**4 * z**2 * (x**2 + y**2)", C=1e-4, V0=0.025, d=500.0)
    field = trapode.MagneticField(("b * y", "b * x", "0"), b=1e-7)
    trap = trapode.PenningTrap(
        B0=1.0,
        V0=0.025,
        d=500.0,
        C4=1e-3,
        C6=0.0,
        B2=3e4,
        tilt=0.01,
        tilt_azimuth=0.0,
        ellipticity=0.002,
        potentials=[extra],
        magnetic_fields=[field],
    )
    ion = trapode.Particle(species="40Ca+", r=(20, 0, 20), v=(0, 25, 0))
    rk4 = trapode.simulate(trapode.SimulationConfig(trap=trap, particles=[ion], t_end=20.0, n_steps=4000))
    dop853 = trapode.simulate(
        trapode.SimulationConfig(trap=trap, particles=[ion], t_end=20.0, n_steps=4000, method="dop853")
    )
    assert trapode.relative_error(rk4.r[:, 0], dop853.r[:, 0]).max() < 1e-8


def test_a_time_dependent_user_potential_drives_the_axial_resonance_as_the_closed_form():
    """Φ = −E₀ z cos ωz t on an ion at rest at the centre: z(t) = a t sin(ωz t)/(2ωz), a = qE₀/m exactly."""
    _, _, omega_z, _ = ideal_frequencies()
    e0 = 1e-6  # V/µm
    dipole = trapode.Potential("-E0 * z * cos(w * t)", E0=e0, w=omega_z)
    ion = trapode.Particle(q=Q, m=M, r=(0.0, 0.0, 0.0), v=(0.0, 0.0, 0.0))
    config = trapode.SimulationConfig(trap=base_trap(potentials=[dipole]), particles=[ion], t_end=200.0, n_steps=20000)
    result = trapode.simulate(config)
    a = Q * e0 * CODATA["volt"] / M
    expected = a * result.t * np.sin(omega_z * result.t) / (2 * omega_z)
    assert np.abs(expected).max() > 10.0  # the resonance grows to many µm
    np.testing.assert_allclose(result.r[:, 0, 2], expected, rtol=0, atol=1e-6 * np.abs(expected).max())
    np.testing.assert_array_equal(result.r[:, 0, :2], 0.0)


def test_user_magnetic_fields_are_the_builtin_uniform_field_and_bottle():
    particle = pure_modes(40.0, 60.0, 80.0)
    b2 = 3e4
    uniform = trapode.MagneticField(("0", "0", "B"), B=0.4)
    # B2 is in T/m², coordinates in µm: 1e-12 m²/µm².
    bottle = trapode.MagneticField(("-b * x * z", "-b * y * z", "b * (z**2 - (x**2 + y**2) / 2)"), b=b2 * 1e-12)
    builtin = trapode.PenningTrap(B0=B0, V0=V0, d=D, B2=b2)
    user = trapode.PenningTrap(B0=B0 - 0.4, V0=V0, d=D, magnetic_fields=[uniform, bottle])
    config = trapode.SimulationConfig(trap=builtin, particles=[particle], t_end=20.0, n_steps=2000)
    expected = trapode.simulate(config)
    got = trapode.simulate(dataclasses.replace(config, trap=user))
    assert trapode.relative_error(got.r[:, 0], expected.r[:, 0]).max() < 1e-12
    ideal = trapode.simulate(dataclasses.replace(config, trap=base_trap()))
    assert trapode.relative_error(ideal.r[:, 0], expected.r[:, 0]).max() > 1e-6  # the bottle does something
