"""A rotating wall holds a buffer-gas-cooled crystal at the cold-fluid density (issue 12).

A cold cloud rotating rigidly at ωr in a Penning trap is a uniform-density
ellipsoid of density n = 2 ε0 m ωr (ωc − ωr) / q² (Dubin & O'Neil, Rev. Mod.
Phys. 71, 87 (1999)); in the frame of a quadrupole wall turning at ωr its
depolarisation factors are Kᵢ/ωp², with Kx,y = ωr(ωc − ωr) − ωz²/2 ± 2qA/(md²)
and Kz = ωz². The theory is computed here from scipy.constants; the wall and
the drag are trapode's. See examples/rotating_wall.py for the full-size run.
"""

import math

import numpy as np
import pytest
import scipy.constants as si
from scipy.integrate import quad
from scipy.optimize import minimize

import trapode
from tests.reference import K_E, VOLT

B0, V0, D = 1.0, 0.025, 500.0  # T, V, µm
MASS = 9.012183065 - si.m_e / si.atomic_mass  # ⁹Be⁺ in u
N_IONS, OMEGA_R, AMPLITUDE, GAMMA = 200, 0.3, 0.010, 1e-3  # -, rad/µs, V, 1/µs


def cold_crystal(springs, seed=1):
    """Positions (µm) of least energy of N_IONS ions of MASS in (m/2) Σ kᵢ xᵢ² (kᵢ in rad²/µs²) with Coulomb."""
    stiffness = MASS * np.asarray(springs)
    scale = 0.4 * (K_E * N_IONS / stiffness.mean()) ** (1 / 3)

    def energy(flat):
        r = flat.reshape(N_IONS, 3)
        separation = r[:, None, :] - r[None, :, :]
        distance = np.sqrt((separation**2).sum(axis=-1))
        np.fill_diagonal(distance, np.inf)
        inverse = 1.0 / distance
        gradient = stiffness * r - K_E * ((inverse**3)[:, :, None] * separation).sum(axis=1)
        return 0.5 * (stiffness * r * r).sum() + 0.5 * K_E * inverse.sum(), gradient.ravel()

    start = np.random.default_rng(seed).normal(scale=scale, size=(N_IONS, 3))
    return minimize(energy, start.ravel(), jac=True, method="L-BFGS-B", options={"maxiter": 10000}).x.reshape(-1, 3)


def depolarisation_factors(axes):
    """Nᵢ = (a1 a2 a3 / 2) ∫ ds / ((aᵢ² + s) √((a1² + s)(a2² + s)(a3² + s))) of a uniform ellipsoid of semi-axes aᵢ."""
    a1, a2, a3 = axes

    def integrand(s, a):
        return 1.0 / ((a * a + s) * math.sqrt((a1 * a1 + s) * (a2 * a2 + s) * (a3 * a3 + s)))

    return np.array([a1 * a2 * a3 / 2 * quad(integrand, 0.0, math.inf, args=(a,))[0] for a in axes])


@pytest.mark.slow
def test_a_rotating_wall_sets_the_density_of_a_buffer_gas_cooled_crystal():
    # Theory, in SI: ωc = eB/m, ωz² = 2eV0/(m d²), n = 2 ε0 m ωr (ωc − ωr) / e² (ωr in rad/s).
    m = MASS * si.atomic_mass
    omega_c = si.e * B0 / m * 1e-6  # rad/µs
    omega_z2 = 2 * si.e * V0 / (m * (D * 1e-6) ** 2) * 1e-12  # rad²/µs²
    density_theory = 2 * si.epsilon_0 * m * (OMEGA_R * 1e6) * ((omega_c - OMEGA_R) * 1e6) / si.e**2  # m⁻³
    wall_spring = 2 * AMPLITUDE * VOLT / (MASS * D * D)

    def springs(omega):  # the confinement (rad²/µs²) in the frame turning at ω, with the wall's deformation
        radial = omega * (omega_c - omega) - omega_z2 / 2
        return np.array([radial + wall_spring, radial - wall_spring, omega_z2])

    # Start from the cold crystal of a rotation at 0.9 ωr, 10 % below the wall's density.
    start = cold_crystal(springs(0.9 * OMEGA_R))
    velocity = -0.9 * OMEGA_R * np.column_stack([-start[:, 1], start[:, 0], np.zeros(N_IONS)])  # clockwise
    wall = trapode.Potential(
        "A/d**2*((x**2 - y**2)*cos(2*w*t) - 2*x*y*sin(2*w*t))", A=AMPLITUDE, d=D, w=OMEGA_R
    )  # ρ² cos 2(θ + ωr t): clockwise, as a positive ion's E×B rotation in B along +z
    config = trapode.SimulationConfig(
        trap=trapode.PenningTrap(B0=B0, V0=V0, d=D, potentials=[wall]),
        particles=trapode.ParticleSet(start, velocity, q=1.0, m=MASS),
        t_end=12000.0,
        n_steps=120000,
        method="boris",
        damping=GAMMA,
        save_every=6000,
    )
    result = trapode.simulate(config, progress=False)
    assert result.trapped.all()
    diagnostics = trapode.cloud_diagnostics(result)  # each ion spread over its Wigner–Seitz sphere
    start_theory = density_theory * 0.9 * (omega_c - 0.9 * OMEGA_R) / (omega_c - OMEGA_R)  # n at 0.9 ωr
    assert diagnostics.density[0] == pytest.approx(start_theory, rel=0.01)  # the start is 10 % from the end
    late = slice(-5, None)  # the last 2.4 ms, every 600 µs
    assert -diagnostics.rotation_frequency[late].mean() == pytest.approx(OMEGA_R, rel=0.02)
    assert diagnostics.density[late].mean() == pytest.approx(density_theory, rel=0.05)
    # The shape: the measured ellipsoid has the depolarisation factors Kᵢ/ωp² of the cold fluid
    # (the largest semi-axis has the smallest factor).
    factors = depolarisation_factors(diagnostics.semi_axes[late].mean(axis=0))
    assert factors == pytest.approx(np.sort(springs(OMEGA_R)) / (2 * OMEGA_R * (omega_c - OMEGA_R)), abs=0.01)
