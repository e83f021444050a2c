"""First-order frequency shifts (trapode.shifts) against PHYSICS.md and against simulated trajectories.

The formulas are typed in here from PHYSICS.md (C4; C6's Δωz; B2's Δωz and Δω₊)
and from their derivation in trapode/shifts.py (C6's Δω±, B2's Δω₋), with the
unit factors of tests/reference.py. The independent physics reference is the
simulation: an ion started in pure modes, x + iy = ρ₊e^{−iω₊t} + ρ₋e^{−iω₋t}
and z = ρz cos ωz t, is followed by the fourth-order exact-flow splitting, and
each mode's frequency is measured here as the slope of the unwrapped phase of
its phasor, ρ₊e^{−iθ₊} ∝ i(ḟ + iω₋f), ρ₋e^{−iθ₋} ∝ −i(ḟ + iω₊f), z + iż/ωz.
"""

import dataclasses
import math

import numpy as np
import pytest

import trapode
from tests.reference import TESLA, VOLT, linear_matrix, tilted_elliptic_hessian, tilted_field
from trapode.shifts import FrequencyShifts, frequency_shifts, invariance_check

B0, V0, D = 1.0, 0.025, 500.0  # T, V, µm: the report's trap
CALCIUM = trapode.Particle(species="40Ca+")
#: A negative ion of ⁴⁰Ca⁺'s mass: with V0 < 0 it mirrors the ion, turning the other way.
ANION = trapode.Particle(q=-1.0, m=CALCIUM.m)


def ideal_frequencies(q, m, b0=B0, v0=V0, d=D):
    """ωc, ω₊, ωz, ω₋ in rad/µs from PHYSICS.md, for either sign of q (q V0 > 0)."""
    omega_c = abs(q) * abs(b0) * TESLA / m
    omega_z = math.sqrt(2 * q * v0 * VOLT / (m * d * d))
    root = math.sqrt(omega_c**2 - 2 * omega_z**2)
    return omega_c, (omega_c + root) / 2, omega_z, (omega_c - root) / 2


def expected_shifts(effect, coefficient, q, m, rho_plus, rho_minus, rho_z, b0=B0, v0=V0, d=D):
    """(Δω₊, Δωz, Δω₋) in rad/µs: PHYSICS.md's formulas, and the derived ones where it gives none."""
    omega_c, omega_plus, omega_z, omega_minus = ideal_frequencies(q, m, b0, v0, d)
    a, b, z = rho_plus**2, rho_minus**2, rho_z**2
    split = omega_plus - omega_minus
    if effect == "C4":  # PHYSICS.md, all three
        k = 0.75 * coefficient / d**2
        return (
            k * omega_z**2 / split * (a + 2 * b - 2 * z),
            k * omega_z * (z - 2 * a - 2 * b),
            -k * omega_z**2 / split * (2 * a + b - 2 * z),
        )
    if effect == "C6":  # Δωz from PHYSICS.md; Δω± derived
        k = 15 / 16 * coefficient / d**4
        return (
            k * omega_z**2 / split * (-3 * z**2 + 6 * z * (a + 2 * b) - (a**2 + 6 * a * b + 3 * b**2)),
            k * omega_z * (z**2 - 6 * z * (a + b) + 3 * (a**2 + b**2 + 4 * a * b)),
            k * omega_z**2 / split * (3 * z**2 - 6 * z * (2 * a + b) + (3 * a**2 + 6 * a * b + b**2)),
        )
    ratio = coefficient * 1e-12 / b0  # B2/B0 in 1/µm²; Δωz, Δω₊ from PHYSICS.md, Δω₋ derived
    return (
        ratio * omega_c / (2 * split) * (omega_plus * z - omega_plus * a - (omega_plus + omega_minus) * b),
        ratio * omega_c / (2 * omega_z) * (omega_plus * a + omega_minus * b),
        ratio * omega_c / (2 * split) * (-omega_minus * z + omega_minus * b + (omega_plus + omega_minus) * a),
    )


# ---------------------------------------------------------------------------------------------------------------
# The formulas


@pytest.mark.parametrize(
    ("particle", "b0", "v0", "d", "radii"),
    [
        (CALCIUM, B0, V0, D, (20.0, 50.0, 30.0)),
        (CALCIUM, B0, V0, D, (0.0, 0.0, 150.0)),
        (ANION, B0, -V0, D, (40.0, 10.0, 70.0)),
        (CALCIUM, -2.0, 0.5, 1200.0, (100.0, 300.0, 200.0)),
        (trapode.Particle(species="electron"), 5.36, -10.0, 3500.0, (5.0, 40.0, 200.0)),
        (trapode.Particle(species="antiproton"), 1.9, -2.0, 2000.0, (30.0, 80.0, 150.0)),
    ],
)
def test_shifts_are_the_formulas_for_either_sign_of_charge_and_field(particle, b0, v0, d, radii):
    coefficients = {"C4": 2e-3, "C6": -7e-3, "B2": -4e3}
    trap = trapode.PenningTrap(B0=b0, V0=v0, d=d, **coefficients)
    theory = frequency_shifts(trap, particle, rho_plus=radii[0], rho_minus=radii[1], rho_z=radii[2])
    assert list(theory.shifts) == ["C4", "C6", "B2"]
    for effect, coefficient in coefficients.items():
        expected = expected_shifts(effect, coefficient, particle.q, particle.m, *radii, b0=b0, v0=v0, d=d)
        np.testing.assert_allclose(theory.shifts[effect], expected, rtol=1e-12, atol=0)
    omega_c, omega_plus, omega_z, omega_minus = ideal_frequencies(particle.q, particle.m, b0, v0, d)
    unperturbed = (theory.unperturbed.omega_plus, theory.unperturbed.omega_z, theory.unperturbed.omega_minus)
    assert theory.unperturbed == trap.frequencies(particle)
    # Eigenvalues of the 6 × 6 system: ω₋ is only good to ~1e-16 ωc/ω₋ (1e-10 for the electron).
    np.testing.assert_allclose(unperturbed, (omega_plus, omega_z, omega_minus), rtol=1e-15 * omega_c / omega_minus)
    assert theory.unperturbed.omega_c == pytest.approx(omega_c, rel=1e-12)


def test_shifted_frequencies_add_every_effect_and_convert_to_hz():
    trap = trapode.PenningTrap(B0=B0, V0=V0, d=D, C4=1e-3, B2=3e4)
    theory = frequency_shifts(trap, CALCIUM, rho_plus=20, rho_minus=50, rho_z=30)
    assert isinstance(theory, FrequencyShifts)
    assert set(theory.shifts) == {"C4", "B2"}  # C6 = 0 is left out
    assert theory.unperturbed == trap.frequencies(CALCIUM)
    c4, b2 = (np.array(theory.shifts[effect]) for effect in ("C4", "B2"))
    shifted = np.array([theory.omega_plus, theory.omega_z, theory.omega_minus])
    unperturbed = np.array([getattr(theory.unperturbed, n) for n in ("omega_plus", "omega_z", "omega_minus")])
    np.testing.assert_allclose(shifted, unperturbed + c4 + b2, rtol=1e-15)
    np.testing.assert_allclose([theory.nu_plus, theory.nu_z, theory.nu_minus], shifted / (2 * math.pi) * 1e6)
    np.testing.assert_allclose(theory.relative()["B2"], b2 / unperturbed, rtol=1e-15)
    assert frequency_shifts(trapode.PenningTrap(), CALCIUM, rho_z=10.0).shifts == {}
    with pytest.raises(dataclasses.FrozenInstanceError):
        theory.rho_z = 1.0  # type: ignore[misc]
    with pytest.raises(TypeError):
        theory.shifts["C6"] = (0.0, 0.0, 0.0)  # type: ignore[index]


def test_table_shows_every_mode_effect_and_the_shifted_frequencies():
    trap = trapode.PenningTrap(B0=B0, V0=V0, d=D, C4=1e-3, C6=2e-3, B2=3e4)
    theory = frequency_shifts(trap, CALCIUM, rho_plus=20, rho_minus=50, rho_z=30)
    text = theory.table()
    assert "40Ca+" in text and "ρ+ = 20 µm" in text and "ρz = 30 µm" in text
    assert "rad/µs" in text and "Hz" in text and "Δω/ω" in text
    lines = text.splitlines()
    assert len(lines) == 2 + 3 * (1 + 3 + 1)
    assert sum(line.split()[0] == "C6" for line in lines) == 3
    assert f"{theory.nu_z:17.6f}" in text and f"{theory.shifts['B2'][0]:+17.6e}" in text


def test_a_tilted_elliptic_trap_takes_its_exact_unperturbed_frequencies():
    trap = trapode.PenningTrap(B0=B0, V0=V0, d=D, C4=1e-3, tilt=0.05, tilt_azimuth=0.7, ellipticity=0.02)
    theory = frequency_shifts(trap, CALCIUM, rho_plus=20, rho_minus=50, rho_z=30)
    assert theory.unperturbed == trap.frequencies(CALCIUM)
    assert theory.unperturbed.omega_z != pytest.approx(ideal_frequencies(CALCIUM.q, CALCIUM.m)[2], rel=1e-6)
    assert all(math.isfinite(value) for value in theory.shifts["C4"])


# ---------------------------------------------------------------------------------------------------------------
# The invariance theorem


def test_invariance_theorem_holds_to_rounding_for_a_tilted_elliptic_trap():
    trap = trapode.PenningTrap(B0=B0, V0=V0, d=D, tilt=0.05, tilt_azimuth=0.7, ellipticity=0.02)
    # The eigenfrequencies of the 6 × 6 system typed in from PHYSICS.md differ from the ideal trap's ...
    q_over_m = CALCIUM.q / CALCIUM.m
    hessian = tilted_elliptic_hessian(V0, D, 0.02)
    matrix = linear_matrix(q_over_m, hessian, tilted_field(B0, 0.05, 0.7))
    omegas = np.sort(np.linalg.eigvals(matrix).imag)[3:]
    omega_c = ideal_frequencies(CALCIUM.q, CALCIUM.m)[0]
    ideal = sorted(ideal_frequencies(CALCIUM.q, CALCIUM.m)[1:])
    assert np.abs(omegas / ideal - 1).max() > 1e-4
    # ... yet their squares add up to ωc², and the package says so.
    assert (omegas**2).sum() / omega_c**2 - 1 == pytest.approx(0.0, abs=1e-13)
    assert abs(invariance_check(trap, CALCIUM)) < 1e-14
    assert abs(invariance_check(trapode.PenningTrap(B0=5.36, V0=-10.0, d=3500.0, tilt=0.2), ANION)) < 1e-14


# ---------------------------------------------------------------------------------------------------------------
# Against simulated trajectories


def pure_modes(particle, rho_plus, rho_minus, rho_z, b0=B0, v0=V0):
    """``particle`` started in pure modes: f(0) = ρ₊ + ρ₋, ḟ(0) = −i(ω₊ρ₊ + ω₋ρ₋), f = x + i s y, s = sign(q B0)."""
    _, omega_plus, _, omega_minus = ideal_frequencies(particle.q, particle.m, b0, v0)
    sense = math.copysign(1.0, particle.q * b0)
    return trapode.Particle(
        q=particle.q,
        m=particle.m,
        r=(rho_plus + rho_minus, 0.0, rho_z),
        v=(0.0, -sense * (omega_plus * rho_plus + omega_minus * rho_minus), 0.0),
    )


def measured_shifts(trap, particle, method="splitting4", n_steps=10_000, t_end=1000.0):
    """(Δω₊, Δωz, Δω₋) in rad/µs: each phasor's mean angular velocity minus the ideal trap's frequency."""
    config = trapode.SimulationConfig(trap=trap, particles=[particle], t_end=t_end, n_steps=n_steps, method=method)
    result = trapode.simulate(config, progress=False)
    assert result.trapped[0]
    _, omega_plus, omega_z, omega_minus = ideal_frequencies(particle.q, particle.m, trap.B0, trap.V0, trap.d)
    sense = math.copysign(1.0, particle.q * trap.B0)
    r, v = result.r[:, 0], result.v[:, 0]
    f, f_dot = r[:, 0] + 1j * sense * r[:, 1], v[:, 0] + 1j * sense * v[:, 1]
    phasors = (
        1j * (f_dot + 1j * omega_minus * f),
        r[:, 2] + 1j * v[:, 2] / omega_z,
        -1j * (f_dot + 1j * omega_plus * f),
    )
    # Each phasor turns as e^{−iωt}: ω is minus the slope of its phase.
    return tuple(
        -np.polyfit(result.t, np.unwrap(np.angle(phasor)), 1)[0] - omega
        for phasor, omega in zip(phasors, (omega_plus, omega_z, omega_minus), strict=True)
    )


def test_the_measurement_finds_no_shift_in_the_ideal_trap():
    ion = pure_modes(CALCIUM, 60.0, 120.0, 50.0)
    np.testing.assert_allclose(measured_shifts(trapode.PenningTrap(B0=B0, V0=V0, d=D), ion), 0.0, atol=1e-11)


@pytest.mark.parametrize(
    ("effect", "coefficient", "radii"),
    [
        ("C4", 1e-2, (60.0, 120.0, 50.0)),
        ("C4", 1e-2, (30.0, 60.0, 150.0)),
        ("C6", 3e-2, (120.0, 60.0, 150.0)),
        ("C6", 3e-2, (80.0, 150.0, 120.0)),
        ("B2", 3e4, (60.0, 100.0, 80.0)),
        ("B2", 3e4, (100.0, 40.0, 120.0)),
    ],
)
def test_simulated_shifts_of_all_three_modes_are_first_order_theory(effect, coefficient, radii):
    trap = trapode.PenningTrap(B0=B0, V0=V0, d=D, **{effect: coefficient})
    theory = frequency_shifts(trap, CALCIUM, rho_plus=radii[0], rho_minus=radii[1], rho_z=radii[2]).shifts[effect]
    # Far above the measurement's precision (the ideal trap gives < 1e-11) and still first order (|Δω/ω| ≤ 4e-3).
    assert min(map(abs, theory)) > 1e-5
    measured = measured_shifts(trap, pure_modes(CALCIUM, *radii))
    np.testing.assert_allclose(measured, theory, rtol=0.02)


@pytest.mark.parametrize(("effect", "coefficient"), [("C4", 1e-2), ("B2", 3e4), ("B2", -3e4)])
def test_simulated_shifts_of_a_negative_ion_and_of_a_reversed_field_are_first_order_theory(effect, coefficient):
    radii = (60.0, 100.0, 80.0)
    cases = [(ANION, B0, -V0), (CALCIUM, -B0, V0)]
    for particle, b0, v0 in cases:
        trap = trapode.PenningTrap(B0=b0, V0=v0, d=D, **{effect: coefficient})
        theory = frequency_shifts(trap, particle, rho_plus=radii[0], rho_minus=radii[1], rho_z=radii[2]).shifts[effect]
        measured = measured_shifts(trap, pure_modes(particle, *radii, b0=b0, v0=v0))
        np.testing.assert_allclose(measured, theory, rtol=0.02, err_msg=f"q = {particle.q}, B0 = {b0}")


@pytest.mark.slow
def test_simulated_shifts_do_not_depend_on_the_method():
    radii = (60.0, 120.0, 50.0)
    trap = trapode.PenningTrap(B0=B0, V0=V0, d=D, C4=1e-2)
    theory = frequency_shifts(trap, CALCIUM, rho_plus=radii[0], rho_minus=radii[1], rho_z=radii[2]).shifts["C4"]
    measured = measured_shifts(trap, pure_modes(CALCIUM, *radii), method="rk4", n_steps=100_000)
    np.testing.assert_allclose(measured, theory, rtol=0.02)


# ---------------------------------------------------------------------------------------------------------------
# Bad input

TRAP = trapode.PenningTrap(B0=B0, V0=V0, d=D, C4=1e-3)


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (
            {"rho_plus": -1.0},
            r"frequency_shifts rho_plus must be a cyclotron radius in µm \(finite, ≥ 0\), got -1\.0\.",
        ),
        ({"rho_minus": math.inf}, r"frequency_shifts rho_minus must be a magnetron radius .*got inf \(not finite\)"),
        ({"rho_z": math.nan}, r"frequency_shifts rho_z must be an axial amplitude .*got nan \(not finite\)"),
        ({"rho_z": "30"}, r"frequency_shifts rho_z must be .*got '30' \(str\)"),
        ({"rho_z": 600.0}, r"reaches \|r\| = 600 µm, which must be < d = 500 µm"),
        ({"rho_plus": 300.0, "rho_minus": 200.0}, r"reaches \|r\| = 500 µm, which must be < d = 500 µm"),
    ],
)
def test_bad_radii_are_refused_naming_the_value(arguments, message):
    with pytest.raises(trapode.ConfigError, match=message):
        frequency_shifts(TRAP, CALCIUM, **arguments)


def test_bad_trap_or_particle_is_refused_naming_the_value():
    with pytest.raises(trapode.ConfigError, match=r"frequency_shifts trap must be a trapode.PenningTrap, got \{\}"):
        frequency_shifts({}, CALCIUM, rho_z=10.0)
    with pytest.raises(
        trapode.ConfigError, match=r"frequency_shifts particle must be a trapode.Particle, got '40Ca\+'"
    ):
        frequency_shifts(TRAP, "40Ca+", rho_z=10.0)
    with pytest.raises(trapode.ConfigError, match=r"does not confine 40Ca\+.*q V0 = -0.025 e V must be > 0"):
        frequency_shifts(trapode.PenningTrap(V0=-0.025, C4=1e-3), CALCIUM, rho_z=10.0)
    with pytest.raises(trapode.ConfigError, match=r"invariance_check particle must be a trapode.Particle, got None"):
        invariance_check(TRAP, None)
    with pytest.raises(trapode.ConfigError, match=r"invariance_check trap must be a trapode.PenningTrap, got 1\.0"):
        invariance_check(1.0, CALCIUM)
