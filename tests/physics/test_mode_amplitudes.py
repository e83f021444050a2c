"""trapode.mode_amplitudes against states built from PHYSICS.md's modes and the linear system's eigenvalues, here."""

import math

import numpy as np
import pytest

import trapode
from tests.reference import TESLA, VOLT, linear_matrix, tilted_elliptic_hessian, tilted_field

B0, V0, D = 1.0, 0.025, 500.0


def ideal_frequencies(q, m, b0=B0, v0=V0, d=D):
    omega_c = abs(q) * b0 * TESLA / m
    omega_z = math.sqrt(2 * q * v0 * VOLT / (m * d * d))
    root = math.sqrt(omega_c**2 - 2 * omega_z**2)
    return (omega_c + root) / 2, (omega_c - root) / 2, omega_z


def state_of_modes(q, m, rho, theta, b0=B0, v0=V0):
    """x ± iy = ρ₊e^{−iθ₊} + ρ₋e^{−iθ₋}, z = ρz cos θz and their time derivatives (PHYSICS.md)."""
    wp, wm, wz = ideal_frequencies(q, m, b0, v0)
    f = rho[0] * np.exp(-1j * theta[0]) + rho[1] * np.exp(-1j * theta[1])
    df = -1j * (wp * rho[0] * np.exp(-1j * theta[0]) + wm * rho[1] * np.exp(-1j * theta[1]))
    sign = 1 if q > 0 else -1
    r = (f.real, sign * f.imag, rho[2] * math.cos(theta[2]))
    v = (df.real, sign * df.imag, -wz * rho[2] * math.sin(theta[2]))
    return trapode.Particle(q=q, m=m, r=r, v=v)


@pytest.mark.parametrize(("q", "m", "v0"), [(1.0, 40.0, V0), (-1.0, 1.00727646688, -V0)])
def test_radii_phases_and_energies_of_a_state_built_from_its_modes(q, m, v0):
    rho, theta = (12.0, 30.0, 7.0), (0.4, -2.0, 2.5)
    particle = state_of_modes(q, m, rho, theta, v0=v0)
    modes = trapode.mode_amplitudes(trapode.PenningTrap(B0=B0, V0=v0, d=D), particle)
    np.testing.assert_allclose([modes.rho_plus, modes.rho_minus, modes.rho_z], rho, rtol=1e-12)
    np.testing.assert_allclose([modes.phase_plus, modes.phase_minus, modes.phase_z], theta, atol=1e-12)
    wp, wm, wz = ideal_frequencies(q, m, v0=v0)
    expected = [
        0.5 * m * (wp**2 - wz**2 / 2) * rho[0] ** 2 / VOLT,
        0.5 * m * (wm**2 - wz**2 / 2) * rho[1] ** 2 / VOLT,
        0.5 * m * wz**2 * rho[2] ** 2 / VOLT,
    ]
    np.testing.assert_allclose([modes.energy_plus, modes.energy_minus, modes.energy_z], expected, rtol=1e-12)
    assert modes.energy_minus < 0 < modes.energy_plus  # the magnetron energy is negative


def test_a_tilted_elliptic_trap_has_constant_radii_and_phases_turning_at_its_eigenfrequencies():
    tilt, azimuth, epsilon = 0.05, 0.7, 0.1
    trap = trapode.PenningTrap(B0=B0, V0=V0, d=D, tilt=tilt, tilt_azimuth=azimuth, ellipticity=epsilon)
    particle = trapode.report_particle_1()
    # The linear system of PHYSICS.md, typed in tests/reference.py.
    hessian, field = tilted_elliptic_hessian(V0, D, epsilon), tilted_field(B0, tilt, azimuth)
    matrix = linear_matrix(particle.q / particle.m, hessian, field)
    omegas = np.sort(np.linalg.eigvals(matrix).imag)[3:]  # ω−, ωz, ω+ for these values
    config = trapode.SimulationConfig(
        trap=trap, particles=[particle], t_end=50.0, n_steps=2000, method="splitting", interactions=False
    )
    result = trapode.simulate(config, progress=False)
    modes = trapode.mode_amplitudes(trap, result)
    assert modes.rho_plus.shape == (2001, 1)
    for rho in (modes.rho_plus, modes.rho_minus, modes.rho_z):
        assert np.ptp(rho) < 1e-9 * rho.max()
        assert rho.min() > 1.0
    for phase, omega in ((modes.phase_minus, omegas[0]), (modes.phase_z, omegas[1]), (modes.phase_plus, omegas[2])):
        slope = np.polyfit(result.t, np.unwrap(phase[:, 0]), 1)[0]
        assert slope == pytest.approx(omega, rel=1e-10)
    # The mode energies add up to the state's energy in the trap (no cross terms between modes).
    total = result.energy().total
    np.testing.assert_allclose(modes.energy[:, 0], total, rtol=1e-11)


def test_shapes_follow_the_input_and_bad_input_is_refused():
    trap = trapode.PenningTrap(B0=B0, V0=V0, d=D)
    ions = trapode.random_particles(4, trap, seed=1)
    assert trapode.mode_amplitudes(trap, ions).rho_z.shape == (4,)
    assert trapode.mode_amplitudes(trap, ions[0]).rho_z.shape == ()
    with pytest.raises(trapode.ConfigError, match="does not confine"):
        trapode.mode_amplitudes(trapode.PenningTrap(B0=0.01, V0=V0, d=D), ions[0])
    with pytest.raises(trapode.ConfigError, match="states"):
        trapode.mode_amplitudes(trap, "ion")


def test_a_field_along_minus_z_is_the_mirror_image():
    # Mirroring y → −y turns B0 ẑ into −B0 ẑ: the mirrored state in the reversed field has the same modes.
    p = trapode.report_particle_1()
    mirrored = trapode.Particle(q=p.q, m=p.m, r=(p.r[0], -p.r[1], p.r[2]), v=(p.v[0], -p.v[1], p.v[2]))
    plain = trapode.mode_amplitudes(trapode.PenningTrap(B0=B0, V0=V0, d=D), p)
    reversed_field = trapode.mode_amplitudes(trapode.PenningTrap(B0=-B0, V0=V0, d=D), mirrored)
    for name in ("rho_plus", "rho_minus", "rho_z", "energy_plus", "energy_minus", "energy_z"):
        assert getattr(reversed_field, name) == pytest.approx(getattr(plain, name), rel=1e-12)
    assert plain.rho_plus != pytest.approx(plain.rho_minus, rel=1e-3)  # the two modes differ: the check has teeth


def test_a_particle_that_left_the_trap_has_no_modes_from_then_on():
    trap = trapode.PenningTrap(B0=B0, V0=V0, d=D)
    leaving = trapode.Particle(q=1.0, m=40.0, r=(0.0, 0.0, 450.0), v=(0.0, 0.0, 500.0))
    config = trapode.SimulationConfig(
        trap=trap, particles=[trapode.report_particle_1(), leaving], t_end=10.0, n_steps=100, interactions=False
    )
    result = trapode.simulate(config, progress=False)
    assert 0 < result.escape_time[1] < 10.0
    modes = trapode.mode_amplitudes(trap, result)
    assert np.isnan(modes.rho_z[result.t >= result.escape_time[1], 1]).all()
    assert np.isfinite(modes.rho_z[result.t < result.escape_time[1], 1]).all()
    assert np.isfinite(modes.rho_z[:, 0]).all()
