"""Frequencies and confinement of any quadratic trap, against the test's own 6 × 6 matrix and closed forms."""

import math

import numpy as np
import pytest

import trapode
from trapode import ConfigError, Particle, PenningTrap

from .reference import CODATA, REPORT, linear_matrix, tilted_elliptic_hessian, tilted_field


def _closed_form(q, m, B0, V0, d, units=CODATA):
    """PHYSICS.md: ωc = |q|B0/m, ωz² = 2qV0/(m d²), ω± = [ωc ± √(ωc² − 2ωz²)]/2."""
    omega_c = abs(q) * B0 * units["tesla"] / m
    omega_z = math.sqrt(2 * q * V0 * units["volt"] / (m * d**2))
    root = math.sqrt(omega_c**2 - 2 * omega_z**2)
    return omega_c, (omega_c + root) / 2, omega_z, (omega_c - root) / 2


@pytest.mark.parametrize("constants", ["codata", "report"])
def test_ideal_trap_frequencies_are_the_closed_forms(constants):
    units = CODATA if constants == "codata" else REPORT
    trap = PenningTrap(constants=constants)
    f = trap.frequencies(trapode.report_particle_1())
    omega_c, plus, z, minus = _closed_form(1, 40.077, 1.0, 0.025, 500.0, units)
    assert (f.omega_c, f.omega_plus, f.omega_z, f.omega_minus) == pytest.approx((omega_c, plus, z, minus), rel=1e-12)
    assert f.rotation == "clockwise"
    assert f.nu_plus == pytest.approx(plus / (2 * math.pi) * 1e6, rel=1e-15)
    if constants == "report":  # SPEC.md quotes these to four decimals
        assert (round(f.omega_c, 4), round(f.omega_z, 4), round(f.omega_plus, 4), round(f.omega_minus, 4)) == (
            2.4075,
            0.6939,
            2.3030,
            0.1045,
        )


@pytest.mark.parametrize(
    "name, V0, B0",
    [
        ("antiproton", -0.025, 1.0),
        ("electron", -10.0, 5.36),
        ("positron", 10.0, 5.36),
        ("40Ca2+", 0.025, 1.0),
        ("9Be+", 0.025, -2.0),
    ],
)
def test_every_charge_sign_gives_positive_ordered_frequencies(name, V0, B0):
    particle = Particle(species=name)
    trap = PenningTrap(B0=B0, V0=V0, d=500.0)
    assert trap.confinement_problems(particle) == []
    f = trap.frequencies(particle)
    omega_c, plus, z, minus = _closed_form(particle.q, particle.m, abs(B0), V0, 500.0)
    assert (f.omega_plus, f.omega_z, f.omega_minus) == pytest.approx((plus, z, minus), rel=1e-9)
    assert f.omega_plus > f.omega_minus > 0 and f.omega_c == pytest.approx(omega_c, rel=1e-14)
    assert f.rotation == ("clockwise" if particle.q > 0 else "counterclockwise")


def test_an_antiproton_in_a_negative_trap_does_not_warn(recwarn):
    pbar = Particle(species="antiproton", r=(10, 0, 5), v=(0, 1, 0))
    trap = PenningTrap(V0=-0.025)
    trapode.simulate(trapode.SimulationConfig(trap=trap, particles=[pbar], t_end=1.0, n_steps=2000))
    assert not [w for w in recwarn if issubclass(w.category, trapode.ConfinementWarning)]


@pytest.mark.parametrize(
    "tilt, azimuth, ellipticity", [(0.01, 0.0, 0.002), (0.2, 1.1, 0.0), (0.0, 0.0, 0.05), (0.3, -0.4, 0.1)]
)
def test_tilted_and_elliptic_frequencies_are_the_eigenvalues(tilt, azimuth, ellipticity):
    particle = Particle(species="40Ca+")
    trap = PenningTrap(tilt=tilt, tilt_azimuth=azimuth, ellipticity=ellipticity)
    f = trap.frequencies(particle)
    A = linear_matrix(
        particle.q / particle.m, tilted_elliptic_hessian(0.025, 500.0, ellipticity), tilted_field(1.0, tilt, azimuth)
    )
    omegas = np.sort(np.abs(np.linalg.eigvals(A).imag))[::2]  # each ω appears as ±iω
    assert sorted([f.omega_plus, f.omega_z, f.omega_minus]) == pytest.approx(omegas, rel=1e-9)
    # Brown–Gabrielse invariance theorem.
    assert f.omega_plus**2 + f.omega_z**2 + f.omega_minus**2 == pytest.approx(f.omega_c**2, rel=1e-12)
    # The tilt moves the frequencies: the test is not blind to it.
    ideal = PenningTrap().frequencies(particle)
    if tilt:
        assert abs(f.omega_minus - ideal.omega_minus) > 1e-7


def test_confinement_criteria_for_either_sign(trap, particle_1):
    assert trap.confinement_problems(particle_1) == []
    anion = Particle(q=-1, m=40.077)
    assert "q V0 = -0.025 e V must be > 0" in trap.confinement_problems(anion)[0]
    assert PenningTrap(V0=-0.025).confinement_problems(anion) == []
    # q/m = 4 V0 / (B0² d²) is the edge (eq. 22): just below it the radial motion is unbounded.
    threshold = 4 * trap.V0_internal / (trap.B0_internal**2 * trap.d**2)
    assert "radial motion is not bounded" in trap.confinement_problems(Particle(q=1, m=1 / threshold * 1.001))[0]
    assert trap.confinement_problems(Particle(q=1, m=1 / threshold * 0.999)) == []
    assert "radial" in PenningTrap(B0=0.0).confinement_problems(particle_1)[0]


@pytest.mark.parametrize(
    "trap", [PenningTrap(V0=0.0, tilt=0.01), PenningTrap(ellipticity=1.0)], ids=["no voltage, tilted", "ellipticity 1"]
)
def test_a_mode_that_does_not_oscillate_is_not_confined(trap):
    ion = Particle(species="40Ca+")
    problems = trap.confinement_problems(ion)
    assert problems and "does not oscillate" in problems[0]
    with pytest.raises(ConfigError, match="does not oscillate"):
        trap.frequencies(ion)


def test_a_strongly_tilted_trap_reports_growth():
    problems = PenningTrap(tilt=1.2, V0=0.5).confinement_problems(Particle(species="40Ca+"))
    assert problems and "growing mode" in problems[0]
    with pytest.raises(ConfigError, match="growing mode"):
        PenningTrap(tilt=1.2, V0=0.5).frequencies(Particle(species="40Ca+"))


def test_unconfined_particle_warns_once_per_kind_with_its_indices(trap, particle_1):
    heavy = [Particle(q=1, m=1000.0, r=(10 + k, 0, 0)) for k in range(7)]
    config = trapode.SimulationConfig(trap=trap, particles=[particle_1, *heavy], t_end=1.0, n_steps=10)
    with pytest.warns(trapode.ConfinementWarning) as caught:
        trapode.simulate(config)
    assert len(caught) == 1
    assert "particles 1, 2, 3, 4, 5, ... (q = 1 e, m = 1000 u)" in str(caught[0].message)
