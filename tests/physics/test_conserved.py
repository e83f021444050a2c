"""result.energy() against the energies of PHYSICS.md's ideal trap and Coulomb's law, computed here."""

import math

import numpy as np
import pytest

import trapode
from tests.reference import K_E, TESLA, VOLT

B0, V0, D = 1.0, 0.025, 500.0


def energies_here(r, v, q, m, voltage):
    """Kinetic, trap and Coulomb energy in eV of one state (N, 3), with the report's quadrupole at ``voltage``."""
    kinetic = 0.5 * np.sum(m * np.sum(v**2, axis=1))
    inside = np.linalg.norm(r, axis=1) < D  # no trap field outside (the escape rule)
    phi = voltage / (2 * D * D) * (2 * r[:, 2] ** 2 - r[:, 0] ** 2 - r[:, 1] ** 2)
    trap = np.sum(np.where(inside, q * phi, 0.0))
    pairs = sum(
        K_E * q[i] * q[j] / np.linalg.norm(r[i] - r[j]) / VOLT for i in range(len(q)) for j in range(i + 1, len(q))
    )
    return kinetic / VOLT, trap, pairs


def test_energy_columns_are_kinetic_trap_and_coulomb_energies_in_ev():
    trap = trapode.PenningTrap(B0=B0, V0=V0, d=D, drive=trapode.Drive(0.3, 1.1))
    particles = [
        trapode.report_particle_1(),
        trapode.report_particle_2(),
        trapode.Particle(q=2, m=9.0, r=(-30.0, 10.0, -5.0), v=(3.0, 0.0, -2.0)),
    ]
    config = trapode.SimulationConfig(trap=trap, particles=particles, t_end=20.0, n_steps=400, interactions=True)
    result = trapode.simulate(config, progress=False)
    energy = result.energy()
    q = np.array([p.q for p in particles])
    m = np.array([p.m for p in particles])
    for row in (0, 137, -1):
        voltage = V0 * (1 + 0.3 * math.cos(1.1 * result.t[row]))  # the drive at that time
        expected = energies_here(result.r[row], result.v[row], q, m, voltage)
        got = (energy.kinetic[row], energy.trap[row], energy.coulomb[row])
        np.testing.assert_allclose(got, expected, rtol=1e-11)
        assert energy.total[row] == pytest.approx(sum(expected), rel=1e-11)
    np.testing.assert_array_equal(energy.t, result.t)


def test_no_coulomb_energy_without_interaction_and_no_trap_energy_outside():
    outside = trapode.Particle(q=1, m=40.0, r=(0.0, 0.0, 600.0), v=(0.0, 0.0, 1.0))
    config = trapode.SimulationConfig(
        trap=trapode.PenningTrap(B0=B0, V0=V0, d=D),
        particles=[trapode.report_particle_1(), outside],
        t_end=1.0,
        n_steps=10,
        interactions=False,
    )
    energy = trapode.simulate(config, progress=False).energy()
    assert np.all(energy.coulomb == 0.0)
    p1 = trapode.report_particle_1()
    expected = energies_here(np.array([p1.r]), np.array([p1.v]), np.array([1.0]), np.array([p1.m]), V0)
    assert energy.trap[0] == pytest.approx(expected[1], rel=1e-12)  # the particle outside adds nothing


def test_an_adaptive_static_interacting_run_conserves_its_energy():
    trap = trapode.PenningTrap(B0=B0, V0=V0, d=D)
    ions = trapode.random_particles(30, trap, seed=2022)
    adaptive = trapode.SimulationConfig(
        trap=trap, particles=ions, t_end=100.0, n_steps=100, interactions=True, method="adaptive", rtol=1e-9, atol=1e-9
    )
    drift = np.abs(trapode.simulate(adaptive, progress=False).energy().relative_change).max()
    assert drift < 1e-7


def test_canonical_angular_momentum_is_kept_in_an_axisymmetric_bottle_and_not_in_an_elliptic_trap():
    ions = trapode.random_particles(8, trapode.PenningTrap(B0=B0, V0=V0, d=D), seed=5)

    def spread(trap):
        config = trapode.SimulationConfig(
            trap=trap, particles=ions, t_end=100.0, n_steps=100, interactions=True, method="adaptive", rtol=1e-11,
            atol=1e-11,
        )  # fmt: skip
        momentum = trapode.canonical_angular_momentum(trapode.simulate(config, progress=False))
        # its scale: the magnetic part Σ q B0 ρ²/2 at the start (PHYSICS.md), computed here
        scale = sum(ion.q * B0 * TESLA * (ion.r[0] ** 2 + ion.r[1] ** 2) / 2 for ion in ions)
        return np.ptp(momentum) / scale

    assert spread(trapode.PenningTrap(B0=B0, V0=V0, d=D, C4=0.05, B2=2e4)) < 1e-8
    assert spread(trapode.PenningTrap(B0=B0, V0=V0, d=D, ellipticity=0.05)) > 1e-4
    with pytest.raises(trapode.ConfigError, match=r"tilt = 0\.01 rad"):
        config = trapode.SimulationConfig(
            trap=trapode.PenningTrap(tilt=0.01), particles=ions[:1], t_end=1.0, n_steps=1, interactions=False
        )
        trapode.canonical_angular_momentum(trapode.simulate(config, progress=False))
