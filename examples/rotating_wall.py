"""A Coulomb crystal held by a rotating wall
=========================================

A rotating wall holds a buffer-gas-cooled Coulomb crystal at the cold-fluid density 2ε0 m ωr (ωc − ωr) / q².

300 ⁹Be⁺ ions in the default trap (B0 = 1 T, V0 = 25 mV, d = 500 µm) feel
each other's Coulomb force, a buffer gas's drag −mγv (γ = 1e-3 /µs, towards
the lab frame) and a rotating wall, the quadrupole potential

    Φw = (A/d²) [(x² − y²) cos 2ωr t − 2xy sin 2ωr t] = (A/d²) ρ² cos 2(θ + ωr t),

which turns clockwise seen from the tip of B, as the ions' E×B rotation
does (:attr:`trapode.TrapFrequencies.rotation`), at ωr = 0.3 rad/µs ≈ 3ω₋.
A cloud at rest in the frame of the wall is the cold-fluid equilibrium
(Dubin & O'Neil, Rev. Mod. Phys. 71, 87 (1999)): in that frame the trap,
the wall and the Lorentz force of the rotation add the confinement
(m/2) (Kx x² + Ky y² + ωz² z²), Kx,y = ωr(ωc − ωr) − ωz²/2 ± 2qA/(md²), whose
Laplacian is fixed by ωr alone (the wall's is zero); the cloud is a
uniform-density ellipsoid with plasma frequency ωp² = q²n/(ε0 m) =
2ωr(ωc − ωr) whose depolarisation factors are Ni = Ki/ωp² (Nz = ωz²/ωp²;
for A = 0 the spheroid of aspect ratio α with ωz² = ωp² Nz(α)). The wall is
strong (A = 10 mV = 0.4 V0, semi-axes about 1 : 2 : 1.3) because the drag
brakes the rotation: a weaker wall (3 mV) lets the cloud slip, heat and
expand.

The run starts from the cold crystal of a rotation at 0.9 ωr (10 % below the
wall's density), found by minimising its energy in its rotating frame, and
runs 20 ms of Boris steps of 0.1 µs (the Boris rotation gives the E×B drift
exactly at any step; ``"boris-exact"`` would slow it by tan(ωc h/2)/(ωc h/2)).
The wall spins it up to ωr and compresses it. At the end the script prints
the measured density, rotation frequency and semi-axes against the cold-fluid
theory computed here from scipy.constants, and draws the crystal from above
and from the side, in the frame of the wall, with the theory's boundary.

The density is that of the uniform ellipsoid with the same second moments as
the ions, each spread over its Wigner–Seitz sphere (radius a_ws,
4π a_ws³ n / 3 = 1): ``n = N / (4π/3 √(det 5C))`` with C the covariance of the
positions plus a_ws²/5 on its diagonal. Without the a_ws²/5 the outer shell
of a 300-ion crystal, half a spacing inside the fluid's boundary, would read
3 to 5 % too dense. The rotation frequency is the rigid rotation fitted to
the velocities, Σ ρ v_θ / Σ ρ².

Run it from the repository root::

    python examples/rotating_wall.py [OUTPUT.png or OUTPUT_FOLDER]

The figure is ``rotating_wall.png`` in the current folder by default. The
run takes about 25 s.
"""

import math
import pathlib
import sys
import time

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import numpy as np
import scipy.constants as constants
from matplotlib.patches import Ellipse
from scipy.integrate import quad
from scipy.optimize import fsolve, minimize

import trapode

VOLT = constants.e / constants.atomic_mass  # 1 V in u µm² / (µs² e)
COULOMB = constants.e**2 / (4 * math.pi * constants.epsilon_0 * constants.atomic_mass) * 1e6  # u µm³ / (µs² e²)
WALL = "A/d**2*((x**2 - y**2)*cos(2*w*t) - 2*x*y*sin(2*w*t))"  # turns clockwise: ρ² cos 2(θ + ωr t)


def depolarisation_factors(axes):
    """The depolarisation factors (N1, N2, N3) of a uniform ellipsoid of semi-axes ``axes``; they add up to 1."""
    a1, a2, a3 = axes

    def factor(a):
        def integrand(s):
            return 1.0 / ((a * a + s) * math.sqrt((a1 * a1 + s) * (a2 * a2 + s) * (a3 * a3 + s)))

        return a1 * a2 * a3 / 2 * quad(integrand, 0.0, math.inf, epsabs=0.0, epsrel=1e-10)[0]

    return np.array([factor(a) for a in axes])


def equilibrium_axes(factors, volume):
    """The semi-axes of the ellipsoid of the given depolarisation factors (Nx, Ny, Nz) and volume."""

    def mismatch(logs):
        return depolarisation_factors(np.exp([0.0, *logs]))[:2] - factors[:2]

    ratios = np.exp([0.0, *fsolve(mismatch, [0.0, 0.0], xtol=1e-12)])
    return ratios * (volume / (4 / 3 * math.pi * ratios.prod())) ** (1 / 3)


def cold_crystal(n_ions, springs, mass, charge, seed):
    """Positions (µm) of minimum energy of ions in the confinement (m/2) Σ kᵢ xᵢ² with their Coulomb energy.

    ``springs`` are (kx, ky, kz) in rad²/µs², ``mass`` in u, ``charge`` in e.
    """
    stiffness = mass * np.asarray(springs)
    coupling = COULOMB * charge**2
    scale = 0.4 * (coupling * n_ions / stiffness.mean()) ** (1 / 3)  # about the cloud's radius

    def energy(flat):
        r = flat.reshape(n_ions, 3)
        separation = r[:, np.newaxis, :] - r[np.newaxis, :, :]
        distance = np.sqrt((separation**2).sum(axis=-1))
        np.fill_diagonal(distance, np.inf)
        inverse = 1.0 / distance
        value = 0.5 * (stiffness * r * r).sum() + 0.5 * coupling * inverse.sum()
        gradient = stiffness * r - coupling * ((inverse**3)[:, :, np.newaxis] * separation).sum(axis=1)
        return value, gradient.ravel()

    start = np.random.default_rng(seed).normal(scale=scale, size=(n_ions, 3))
    found = minimize(energy, start.ravel(), jac=True, method="L-BFGS-B", options={"maxiter": 10000})
    return found.x.reshape(n_ions, 3)


def wall_frame(r, wall_angle):
    """Positions (µm) about their centre of mass, turned by ``wall_angle`` (rad) about z into the frame of the wall."""
    r = r - r.mean(axis=0)
    c, s = math.cos(wall_angle), math.sin(wall_angle)
    return np.column_stack([c * r[:, 0] - s * r[:, 1], s * r[:, 0] + c * r[:, 1], r[:, 2]])


def main(output=pathlib.Path("rotating_wall.png")):
    started = time.perf_counter()
    B0, V0, d = 1.0, 0.025, 500.0  # T, V, µm
    n_ions, omega_r, amplitude, gamma = 300, 0.3, 0.010, 1e-3  # -, rad/µs, V, 1/µs
    ion = trapode.Particle(species="9Be+")
    f = trapode.PenningTrap(B0=B0, V0=V0, d=d).frequencies(ion)

    # Cold-fluid theory, in SI: n = 2 ε0 m ωr (ωc − ωr) / q², then the ellipsoid of the rotating frame.
    mass, charge = ion.m * constants.atomic_mass, ion.q * constants.e
    density_theory = 2 * constants.epsilon_0 * mass * (omega_r * 1e6) * ((f.omega_c - omega_r) * 1e6) / charge**2
    density_theory *= 1e-18  # 1/µm³
    plasma2 = 2 * omega_r * (f.omega_c - omega_r)  # ωp², rad²/µs²
    wall_spring = 2 * ion.q * amplitude * VOLT / (ion.m * d * d)  # 2qA/(md²), rad²/µs²
    radial = omega_r * (f.omega_c - omega_r) - f.omega_z**2 / 2
    springs = np.array([radial + wall_spring, radial - wall_spring, f.omega_z**2])
    axes_theory = equilibrium_axes(springs / plasma2, n_ions / density_theory)
    print(
        f"⁹Be⁺: ωc = {f.omega_c:.4f}, ωz = {f.omega_z:.4f}, ω₋ = {f.omega_minus:.4f} rad/µs; "
        f"wall ωr = {omega_r} rad/µs (νr = {omega_r / (2 * math.pi) * 1e3:.1f} kHz), A = {amplitude * 1e3:g} mV"
    )
    print(
        f"cold-fluid theory: n = {density_theory:.4e} /µm³ = {density_theory * 1e12:.4e} /cm³, "
        f"ωp = {math.sqrt(plasma2):.4f} rad/µs, depolarisation factors {np.round(springs / plasma2, 4).tolist()}"
    )

    # The cold crystal of a rotation at 0.9 ωr (its own equilibrium, with the wall's deformation), rotating so.
    omega_0 = 0.9 * omega_r
    radial_0 = omega_0 * (f.omega_c - omega_0) - f.omega_z**2 / 2
    start = cold_crystal(n_ions, (radial_0 + wall_spring, radial_0 - wall_spring, f.omega_z**2), ion.m, ion.q, seed=1)
    velocity = -omega_0 * np.column_stack([-start[:, 1], start[:, 0], np.zeros(n_ions)])  # clockwise
    wall = trapode.Potential(WALL, A=amplitude, d=d, w=omega_r)
    config = trapode.SimulationConfig(
        trap=trapode.PenningTrap(B0=B0, V0=V0, d=d, potentials=[wall]),
        particles=trapode.ParticleSet(start, velocity, species="9Be+"),
        t_end=20000.0,
        n_steps=200000,
        method="boris",
        damping=gamma,
        save_every=2000,
    )
    result = trapode.simulate(config, progress=False)
    diagnostics = trapode.cloud_diagnostics(result)  # density with each ion over its Wigner–Seitz sphere
    density, omega = diagnostics.density[-1] * 1e-18, diagnostics.rotation_frequency[-1]  # 1/µm³, rad/µs
    # The wall's weak axis is y at t = 0 and turns clockwise: turning the positions by +ωr t puts it on y.
    final = wall_frame(result.r[-1], omega_r * result.t[-1])
    axial = ion.m * constants.atomic_mass * np.mean((result.v[-1, :, 2] - result.v[-1, :, 2].mean()) ** 2)
    print(f"{int(result.trapped.sum())} of {n_ions} ions in the trap after {result.t[-1]:g} µs")
    print(
        f"density: start {diagnostics.density[0] * 1e-18:.4e} /µm³ "
        f"({diagnostics.density[0] * 1e-18 / density_theory:.3f} × theory), "
        f"end {density:.4e} /µm³; measured / theory = {density / density_theory:.4f}"
    )
    print(
        f"rotation: {omega:+.5f} rad/µs (clockwise), |ω| / ωr = {abs(omega) / omega_r:.4f} "
        f"(slip {1 - abs(omega) / omega_r:+.2%}; started at 0.9 ωr)"
    )
    print(
        f"principal semi-axes, largest first: measured {np.round(diagnostics.semi_axes[-1], 1).tolist()} µm, "
        f"theory {np.round(np.sort(axes_theory)[::-1], 1).tolist()} µm (wall frame x, y, z: "
        f"{np.round(axes_theory, 1).tolist()} µm)"
    )
    print(f"axial temperature m⟨δvz²⟩/kB = {axial / constants.k * 1e3:.2f} mK (velocities from µm/µs = m/s)")

    shell = np.sqrt(((final / axes_theory) ** 2).sum(axis=1))  # 1 on the theory's boundary
    figure = plt.figure(figsize=(13.0, 7.4), layout="constrained")
    grid = figure.add_gridspec(2, 3, height_ratios=(3, 1.4))
    top, side, shells = (figure.add_subplot(grid[0, column]) for column in range(3))
    trend = figure.add_subplot(grid[1, :])
    limit = 1.1 * axes_theory.max()
    for ax, (i, j), labels in ((top, (0, 1), ("x′", "y′")), (side, (1, 2), ("y′", "z"))):
        dots = ax.scatter(final[:, i], final[:, j], s=10, c=shell, cmap="viridis", vmin=0.0, vmax=1.0, lw=0)
        boundary = Ellipse((0, 0), 2 * axes_theory[i], 2 * axes_theory[j], fill=False, ls="--", color="C3", lw=1.2)
        ax.add_patch(boundary)
        ax.set_aspect("equal")
        ax.set_xlim(-limit, limit)
        ax.set_ylim(-limit, limit)
        ax.set_xlabel(f"{labels[0]} (µm)")
        ax.set_ylabel(f"{labels[1]} (µm)")
        ax.grid(True, alpha=0.3)
    top.set_title("from above, in the frame of the wall", fontsize="medium")
    side.set_title("from the side", fontsize="medium")
    top.legend([boundary], ["cold-fluid boundary (theory)"], loc="upper right", fontsize="small")
    figure.colorbar(dots, ax=side, shrink=0.8, label="ellipsoidal radius s (1: theory's boundary)")
    # A uniform ellipsoid has as many ions in every slice of s³; a crystal gathers them in shells.
    counts, edges = np.histogram(shell**3, bins=25, range=(0.0, 1.25))
    shells.stairs(counts, edges, fill=True, alpha=0.6, label="ions")
    shells.hlines(n_ions * (edges[1] - edges[0]), 0.0, 1.0, color="C3", ls="--", label="uniform cold fluid")
    shells.set_xlabel("s³ (s: ellipsoidal radius)")
    shells.set_ylabel("ions per bin")
    shells.set_title("crystal shells (a cold fluid: flat)", fontsize="medium")
    shells.legend(loc="upper left", fontsize="small")
    trend.plot(diagnostics.t / 1e3, diagnostics.density * 1e-18 / density_theory, label="density / theory")
    trend.plot(diagnostics.t / 1e3, -diagnostics.rotation_frequency / omega_r, label="rotation frequency / ωr")
    trend.axhspan(0.95, 1.05, color="0.88", zorder=0, label="± 5 %")
    trend.set_xlabel("time (ms)")
    trend.set_ylabel("ratio")
    trend.legend(loc="lower right", fontsize="small", ncols=3)
    trend.grid(True, alpha=0.3)
    figure.suptitle(
        f"Rotating wall (ωr = {omega_r} rad/µs, A = {amplitude * 1e3:g} mV, γ = {gamma:g} /µs): N = {n_ions} "
        f"$^9$Be$^+$, n = {density * 1e12:.3e} cm$^{{-3}}$, theory 2ε$_0$mω$_r$(ω$_c$ − ω$_r$)/q$^2$ = "
        f"{density_theory * 1e12:.3e} cm$^{{-3}}$",
        fontsize="medium",
    )
    figure.savefig(output, dpi=150)
    print(f"saved {output} ({time.perf_counter() - started:.0f} s)")


if __name__ == "__main__":
    target = pathlib.Path(sys.argv[1]) if len(sys.argv) > 1 else pathlib.Path("rotating_wall.png")
    if target.is_dir() or not target.suffix:  # a folder
        target.mkdir(parents=True, exist_ok=True)
        target = target / "rotating_wall.png"
    main(target)
