"""Excitations and buffer-gas damping against the formulas of PHYSICS.md, computed here.

Every test trap carries the same two excitations (a quadrupole and a dipole;
the one a test does not use has amplitude 0), so that the whole file compiles
two models: with and without damping.
"""

import math
import warnings

import numpy as np
import pytest
import scipy.constants as constants

import trapode
from trapode import ConfigError

# Unit factors from CODATA, computed here (PHYSICS.md, "Constants").
TESLA = constants.e / (constants.atomic_mass * 1e6)  # u/(µs e)
VOLT = constants.e / constants.atomic_mass  # u µm²/(µs² e)
B0, V0, D = 1.0, 0.025, 500.0
ION = trapode.Particle(species="40Ca+")
Q_OVER_M = ION.q / ION.m
OMEGA_C = Q_OVER_M * B0 * TESLA
OMEGA_Z = math.sqrt(2 * Q_OVER_M * V0 * VOLT / D**2)
OMEGA_PLUS = (OMEGA_C + math.sqrt(OMEGA_C**2 - 2 * OMEGA_Z**2)) / 2
OMEGA_MINUS = (OMEGA_C - math.sqrt(OMEGA_C**2 - 2 * OMEGA_Z**2)) / 2
SPLIT = OMEGA_PLUS - OMEGA_MINUS


def radii(r, v):
    """(ρ₊, ρ₋, ρz) of states (..., 3) of a positive ion in the ideal trap (PHYSICS.md)."""
    f = r[..., 0] + 1j * r[..., 1]
    df = v[..., 0] + 1j * v[..., 1]
    return (
        np.abs(df + 1j * OMEGA_MINUS * f) / SPLIT,
        np.abs(df + 1j * OMEGA_PLUS * f) / SPLIT,
        np.hypot(r[..., 2], v[..., 2] / OMEGA_Z),
    )


def trap_with(quadrupole=None, dipole=None):
    """The ideal trap with a quadrupole and a dipole excitation (amplitude 0 where not given)."""
    quadrupole = quadrupole or trapode.QuadrupoleExcitation(amplitude=0.0, omega=1.0)
    dipole = dipole or trapode.DipoleExcitation(amplitude=0.0, omega=1.0)
    return trapode.PenningTrap(B0=B0, V0=V0, d=D, excitations=[quadrupole, dipole])


def magnetron_ion(rho0, phase=0.0):
    """A 40Ca+ ion on a pure magnetron orbit of radius rho0 (µm): f = ρ0 e^{−i(ω₋ t + phase)}."""
    f = rho0 * np.exp(-1j * phase)
    df = -1j * OMEGA_MINUS * f
    return trapode.Particle(species="40Ca+", r=(f.real, f.imag, 0.0), v=(df.real, df.imag, 0.0))


def line_shape(x):
    """König's π-pulse profile F(x) = sin²((π/2)√(1+x²))/(1+x²), x = δT/π."""
    return np.sin(np.pi / 2 * np.sqrt(1 + x**2)) ** 2 / (1 + x**2)


PULSE = 200.0  # µs
# k0 T = π: k0 = q g0/(m (ω₊ − ω₋)) with g0 in V/m² (E per µm is g0·1e-12 V/µm).
G0_PI = math.pi / PULSE * SPLIT / (Q_OVER_M * 1e-12 * VOLT)


@pytest.fixture(scope="module")
def pi_pulse_scan():
    """A π pulse scanned across ωc: x = δT/π = 0, 0.5, 1, √3 (and the mirror −1), from two magnetron orbits."""
    quadrupole = trapode.QuadrupoleExcitation(amplitude=G0_PI, omega=OMEGA_C, duration=PULSE)
    ions = [magnetron_ion(50.0), magnetron_ion(80.0, phase=1.1)]
    config = trapode.SimulationConfig(
        trap=trap_with(quadrupole=quadrupole), particles=ions, t_end=PULSE, n_steps=40000, interactions=False
    )
    x = np.array([0.0, 0.5, 1.0, math.sqrt(3.0), -1.0])
    omegas = OMEGA_PLUS + OMEGA_MINUS + x * math.pi / PULSE
    return x, trapode.scan(config, {"excitations[0].omega": omegas}, observe="radii", progress=False)


def test_a_quadrupole_pi_pulse_at_the_cyclotron_frequency_converts_magnetron_into_cyclotron_motion(pi_pulse_scan):
    _, result = pi_pulse_scan
    rho_plus, rho_minus, _ = radii(result.positions[0], result.velocities[0])
    for rho0, plus, minus in zip((50.0, 80.0), rho_plus, rho_minus, strict=True):
        assert abs((plus / rho0) ** 2 - 1) < 0.015
        assert (minus / rho0) ** 2 < 0.015


def test_the_conversion_follows_the_pi_pulse_line_shape(pi_pulse_scan):
    x, result = pi_pulse_scan
    rho_plus, _, _ = radii(result.positions, result.velocities)
    conversion = (rho_plus / np.array([50.0, 80.0])) ** 2
    expected = line_shape(x)
    assert np.all(np.abs(conversion - expected[:, np.newaxis]) < 0.015), (conversion, expected)
    # The scan's own theory line is the same profile.
    theory = result.theory()
    assert theory is not None
    np.testing.assert_allclose(theory[:, 0], np.sqrt(expected) * 65.0, rtol=1e-9, atol=1e-9)  # mean over the ions


def test_a_resonant_dipole_drive_grows_the_axial_amplitude_linearly_at_qE0_over_2_m_omega_z():
    amplitude = 0.5  # V/m
    dipole = trapode.DipoleExcitation(amplitude=amplitude, omega=OMEGA_Z, direction=(0, 0, 1), duration=1e6)
    config = trapode.SimulationConfig(
        trap=trap_with(dipole=dipole), particles=[ION], t_end=100.0, n_steps=20000, save_every=50
    )
    result = trapode.simulate(config, progress=False)
    _, _, rho_z = radii(result.r[:, 0], result.v[:, 0])
    slope = np.polyfit(result.t, rho_z, 1)[0]
    expected = Q_OVER_M * amplitude * 1e-6 * VOLT / (2 * OMEGA_Z)  # E0 in V/µm times the volt factor
    assert slope == pytest.approx(expected, rel=0.01)


def test_a_dipole_excitation_is_off_outside_its_window():
    dipole = trapode.DipoleExcitation(amplitude=0.5, omega=OMEGA_Z, start=20.0, duration=30.0)
    config = trapode.SimulationConfig(trap=trap_with(dipole=dipole), particles=[ION], t_end=80.0, n_steps=16000)
    result = trapode.simulate(config, progress=False)
    _, _, rho_z = radii(result.r[:, 0], result.v[:, 0])
    before, during, after = rho_z[result.t < 20.0], rho_z[(result.t > 21) & (result.t < 49)], rho_z[result.t > 50.5]
    assert np.max(before) == 0.0
    assert during[-1] > 10 * during[0]
    grown = Q_OVER_M * 0.5 * 1e-6 * VOLT / (2 * OMEGA_Z) * 30.0  # 30 µs of linear growth
    assert after[0] == pytest.approx(grown, rel=0.02)
    assert np.ptp(after) < 1e-3 * after[0]  # free oscillation: the amplitude stays


@pytest.fixture(scope="module")
def damped_run():
    gamma = 0.002
    ions = [
        trapode.Particle(species="40Ca+", r=(30.0, 0.0, 0.0), v=(0.0, -OMEGA_PLUS * 30.0, 0.0)),  # cyclotron only
        magnetron_ion(30.0),
    ]
    config = trapode.SimulationConfig(
        trap=trap_with(), particles=ions, t_end=200.0, n_steps=40000, damping=gamma, interactions=False, save_every=400
    )
    return gamma, trapode.simulate(config, progress=False)


def test_damping_shrinks_the_cyclotron_radius_and_grows_the_magnetron_radius_at_the_predicted_rates(damped_run):
    gamma, result = damped_run
    rho_plus, _, _ = radii(result.r[:, 0], result.v[:, 0])
    _, rho_minus, _ = radii(result.r[:, 1], result.v[:, 1])
    decay = -np.polyfit(result.t, np.log(rho_plus), 1)[0]
    growth = np.polyfit(result.t, np.log(rho_minus), 1)[0]
    assert decay == pytest.approx(gamma * OMEGA_PLUS / SPLIT, rel=0.01)
    assert growth == pytest.approx(gamma * OMEGA_MINUS / SPLIT, rel=0.01)


def test_a_resonant_quadrupole_with_damping_centres_only_the_ion_driven_at_its_own_cyclotron_frequency():
    """Mass-selective buffer-gas centering (Savard et al. 1991): both radii of the resonant ion shrink as e^{−γt/2}."""
    gamma = 0.01
    other = trapode.Particle(q=1, m=ION.m + 2.0, r=(0.0, 40.0, 0.0), v=(0.0, 0.0, 0.0))
    ions = [magnetron_ion(40.0), other]
    # Strong enough: k0 > γ ωc / (ω₊ − ω₋).
    g0 = 4 * gamma * OMEGA_C / SPLIT * SPLIT / (Q_OVER_M * 1e-12 * VOLT)
    quadrupole = trapode.QuadrupoleExcitation(amplitude=g0, omega=OMEGA_C)
    config = trapode.SimulationConfig(
        trap=trap_with(quadrupole=quadrupole),
        particles=ions,
        t_end=600.0,
        n_steps=60000,
        damping=gamma,
        interactions=False,
        save_every="final",
    )
    result = trapode.simulate(config, progress=False)
    plus, minus, _ = radii(result.r[-1, 0], result.v[-1, 0])
    assert math.hypot(plus, minus) < 40.0 * math.exp(-gamma * 600.0 / 2) * 1.5
    # The other mass is off resonance by far more than k0: its magnetron orbit grows.
    other_frequencies = trapode.PenningTrap().frequencies(other)
    f = result.r[-1, 1, 0] + 1j * result.r[-1, 1, 1]
    df = result.v[-1, 1, 0] + 1j * result.v[-1, 1, 1]
    other_minus = abs(df + 1j * other_frequencies.omega_plus * f) / (
        other_frequencies.omega_plus - other_frequencies.omega_minus
    )
    assert other_minus > 40.0


def test_a_voltage_modulation_is_the_reports_drive_with_a_phase_and_a_window():
    drive = trapode.PenningTrap(drive=trapode.Drive(0.3, 1.39))
    modulated = trapode.PenningTrap(excitations=[trapode.VoltageModulation(amplitude=0.3, omega=1.39)])
    runs = [
        trapode.simulate(
            trapode.SimulationConfig(trap=trap, particles=[trapode.report_particle_1()], t_end=50.0, n_steps=2000),
            progress=False,
        )
        for trap in (drive, modulated)
    ]
    np.testing.assert_allclose(runs[0].r, runs[1].r, rtol=0, atol=1e-9)


# --- bad input ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kind", "fields", "match"),
    [
        (trapode.DipoleExcitation, dict(amplitude=-1.0, omega=1.0), r"DipoleExcitation.amplitude .*≥ 0 in V/m"),
        (trapode.DipoleExcitation, dict(amplitude=math.nan, omega=1.0), r"DipoleExcitation.amplitude"),
        (trapode.QuadrupoleExcitation, dict(amplitude=math.inf, omega=1.0), r"QuadrupoleExcitation.amplitude"),
        (trapode.QuadrupoleExcitation, dict(amplitude=1.0, omega=0.0), r"QuadrupoleExcitation.omega .*positive"),
        (trapode.QuadrupoleExcitation, dict(amplitude=1.0, omega=-2.0), r"QuadrupoleExcitation.omega"),
        (trapode.DipoleExcitation, dict(amplitude=1.0, omega=1.0, duration=0.0), r"DipoleExcitation.duration"),
        (trapode.DipoleExcitation, dict(amplitude=1.0, omega=1.0, duration=-5.0), r"DipoleExcitation.duration"),
        (trapode.DipoleExcitation, dict(amplitude=1.0, omega=1.0, start=math.nan), r"DipoleExcitation.start"),
        (trapode.DipoleExcitation, dict(amplitude=1.0, omega=1.0, phase="0"), r"DipoleExcitation.phase"),
        (trapode.DipoleExcitation, dict(amplitude=1.0, omega=1.0, direction=(0, 0, 0)), r"direction .*not zero"),
        (trapode.DipoleExcitation, dict(amplitude=1.0, omega=1.0, direction=(0, 1)), r"direction"),
        (trapode.VoltageModulation, dict(amplitude=None, omega=1.0), r"VoltageModulation.amplitude"),
    ],
)
def test_bad_excitations_are_refused_naming_the_field(kind, fields, match):
    with pytest.raises(ConfigError, match=match):
        kind(**fields)


def test_a_trap_takes_only_excitations():
    with pytest.raises(ConfigError, match=r"PenningTrap.excitations\[0\]"):
        trapode.PenningTrap(excitations=[trapode.Drive(0.1, 1.0)])


def test_a_negative_damping_rate_is_refused():
    with pytest.raises(ConfigError, match=r"SimulationConfig.damping .*≥ 0 in 1/µs.*-0.1"):
        trapode.SimulationConfig(trap=trapode.PenningTrap(), particles=[ION], t_end=1.0, n_steps=1, damping=-0.1)


def test_an_excitation_that_starts_after_the_run_warns():
    late = trapode.PenningTrap(excitations=[trapode.DipoleExcitation(amplitude=1.0, omega=1.0, start=60.0)])
    with pytest.warns(trapode.FieldWarning, match=r"excitations\[0\] starts at 60 µs, at or after t_end = 50 µs"):
        trapode.SimulationConfig(trap=late, particles=[ION], t_end=50.0, n_steps=10)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        trapode.SimulationConfig(trap=late, particles=[ION], t_end=70.0, n_steps=10)


def test_excitations_and_damping_round_trip_through_a_configuration_file(tmp_path):
    from trapode.setup.io import config_from_dict, config_to_dict

    trap = trapode.PenningTrap(
        excitations=[
            trapode.DipoleExcitation(amplitude=0.5, omega=0.69, phase=0.3, direction=(1, 1, 0), start=1.0),
            trapode.QuadrupoleExcitation(amplitude=1.4e4, omega=2.41, duration=200.0),
            trapode.VoltageModulation(amplitude=0.1, omega=1.39, phase=-0.2, duration=5.0),
        ]
    )
    config = trapode.SimulationConfig(trap=trap, particles=[ION], t_end=10.0, n_steps=10, damping=0.01)
    assert config_from_dict(config_to_dict(config)) == config
    text = """
t_end = 10.0
n_steps = 10
damping = 0.01
[trap]
[[trap.excitations]]
kind = "quadropole"
amplitude = 1.0
omega = 1.0
[[particles]]
species = "40Ca+"
r = [0.0, 0.0, 0.0]
v = [0.0, 0.0, 0.0]
"""
    path = tmp_path / "bad.toml"
    path.write_text(text)
    with pytest.raises(ConfigError, match=r"excitations\[0\].kind must be one of .*Did you mean 'quadrupole'"):
        trapode.load_config(path)
