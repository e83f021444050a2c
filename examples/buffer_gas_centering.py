"""Mass-selective buffer-gas centering
===================================

Mass-selective buffer-gas centering: a quadrupole drive at ωc of ⁴⁰Ca⁺ centres it and not ⁴²Ca⁺.

A ⁴⁰Ca⁺ and a ⁴²Ca⁺ ion (no interaction) start on magnetron orbits of 40 µm in
the ideal trap (B0 = 1 T, V0 = 0.025 V, d = 500 µm), in a buffer gas that
pulls on each with the force −mγv. Alone, the gas shrinks a cyclotron orbit
at γω₊/(ω₊ − ω₋) and grows a magnetron orbit at γω₋/(ω₊ − ω₋). An azimuthal
quadrupole ``E = g0 cos(ωc t) (x, −y, 0)`` at the cyclotron frequency
ωc = ω₊ + ω₋ of ⁴⁰Ca⁺ couples its two radial motions; when the coupling
k0 = q g0/(m(ω₊ − ω₋)) exceeds γωc/(ω₊ − ω₋), both of its radii shrink as
e^{−γt/2} (Savard et al., Phys. Lett. A 158, 247 (1991)). ⁴²Ca⁺,
whose ωc is lower by 5 %, far more than k0, is hardly driven: its magnetron
orbit keeps growing, and a diaphragm on the axis lets only the centred ions out.

Both follow from the amplitudes (a₊, a₋) of the two radial modes in the frame
of the drive (rotating-wave approximation), whose magnitudes are ρ₊ and ρ₋:

    d/dt (a₊, a₋) = [[−γ₊ − iδ/2, k0/2], [−k0/2, γ₋ + iδ/2]] (a₊, a₋),

with γ₊ = γω₊/(ω₊ − ω₋), γ₋ = γω₋/(ω₊ − ω₋) and δ = ω − ωc. At δ = 0 its
eigenvalues are (γ₋ − γ₊)/2 ± √((γ₊ + γ₋)²/4 − k0²/4): once k0 > γ₊ + γ₋ =
γωc/(ω₊ − ω₋) both decay at (γ₊ − γ₋)/2 = γ/2. The script solves it for
⁴²Ca⁺ (δ = ωc(⁴⁰Ca⁺) − ωc(⁴²Ca⁺)) and compares.

The damping rate is γ = q/(mK) for an ion of mobility K in the gas; K scales
as 1/pressure. The script computes γ for ⁴⁰Ca⁺ in helium from its reduced
mobility K0 ≈ 19.5 cm²/(V s) and uses γ = 0.01 /µs, a pressure of about
1e-2 mbar, so that centering takes a millisecond rather than tens.

Run it from the repository root::

    python examples/buffer_gas_centering.py [OUTPUT.png]
"""

import math
import sys

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import numpy as np
import scipy.constants as constants

import trapode
from trapode.modes import mode_radii

species = ("40Ca+", "42Ca+")
ideal = trapode.PenningTrap(B0=1.0, V0=0.025, d=500.0)
frequencies = [ideal.frequencies(trapode.Particle(species=name)) for name in species]
selected = frequencies[0]
split = selected.omega_plus - selected.omega_minus  # ω₊ − ω₋ of ⁴⁰Ca⁺, rad/µs

# γ = q/(mK) with K = K0 (p0/p) (T/T0), K0 the reduced mobility at p0 = 1013.25 mbar and T0 = 273.15 K.
calcium = trapode.Particle(species="40Ca+")
q_over_m = calcium.q * constants.e / (calcium.m * constants.atomic_mass)  # C/kg


def damping_rate(pressure, temperature=300.0, reduced_mobility=19.5e-4):
    """γ in 1/µs of ⁴⁰Ca⁺ in helium at ``pressure`` (mbar) and ``temperature`` (K); K0 in m²/(V s)."""
    mobility = reduced_mobility * (1013.25 / pressure) * (temperature / 273.15)
    return q_over_m / mobility * 1e-6


gamma = 0.01  # 1/µs
print(
    f"⁴⁰Ca⁺ in helium at 300 K: γ = {damping_rate(1e-4):.2e} /µs at 1e-4 mbar; "
    f"γ = {gamma:g} /µs is {gamma / damping_rate(1.0):.1e} mbar"
)

# Strong enough to centre: k0 = 4 γ ωc/(ω₊ − ω₋). g0 x with g0 in V/m² and x in µm is g0·1e-12 x in V/µm, and
# e/u converts a volt into u µm²/(µs² e).
volt = constants.e / constants.atomic_mass
threshold = gamma * selected.omega_c / split
coupling = 4 * threshold
g0 = coupling * split / (calcium.q / calcium.m * 1e-12 * volt)
print(f"k0 = {coupling:.4f} /µs (threshold γωc/(ω₊ − ω₋) = {threshold:.4f} /µs), g0 = {g0:.0f} V/m²")
drive = trapode.QuadrupoleExcitation(amplitude=g0, omega=selected.omega_c)
trap = trapode.PenningTrap(B0=1.0, V0=0.025, d=500.0, excitations=[drive])


def magnetron_ion(name, omega_minus, rho, phase):
    """A pure magnetron orbit of radius ρ (µm): x + iy = ρ e^{−i(ω₋t + φ)}, so ẋ + iẏ = −iω₋(x + iy)."""
    f = rho * np.exp(-1j * phase)
    df = -1j * omega_minus * f
    return trapode.Particle(species=name, r=(f.real, f.imag, 0.0), v=(df.real, df.imag, 0.0))


rho0 = 40.0  # µm
ions = [
    magnetron_ion(name, f.omega_minus, rho0, phase)
    for name, f, phase in zip(species, frequencies, (0.0, math.pi), strict=True)
]
t_end = 1000.0  # µs
config = trapode.SimulationConfig(
    trap=trap, particles=ions, t_end=t_end, n_steps=50000, interactions=False, damping=gamma, save_every=50
)
result = trapode.simulate(config, progress=False)
omegas = np.array([[f.omega_plus, f.omega_minus, f.omega_z] for f in frequencies])
radii = mode_radii(result.r, result.v, omegas, [ion.q for ion in ions])  # (time, ion, 3): ρ₊, ρ₋, ρz

envelope = rho0 * np.exp(-gamma * result.t / 2)


def coupled_modes(f, particle, delta, t):
    """|a₊(t)|, |a₋(t)| in µm from (0, ρ0): the rotating-wave solution above, for ``particle`` with frequencies f."""
    split = f.omega_plus - f.omega_minus
    k0 = particle.q / particle.m * g0 * 1e-12 * volt / split
    rates = gamma * f.omega_plus / split, gamma * f.omega_minus / split
    matrix = np.array([[-rates[0] - 0.5j * delta, k0 / 2], [-k0 / 2, rates[1] + 0.5j * delta]])
    values, vectors = np.linalg.eig(matrix)
    weights = np.linalg.solve(vectors, [0.0, rho0])
    amplitudes = vectors @ (weights[:, np.newaxis] * np.exp(np.outer(values, t)))
    return np.abs(amplitudes), values.real.max()


total = np.hypot(radii[:, 0, 0], radii[:, 0, 1])
decay = -np.polyfit(result.t, np.log(total), 1)[0]
other, late = frequencies[1], result.t > 300.0
predicted, drift = coupled_modes(other, ions[1], selected.omega_c - other.omega_c, result.t)
measured_drift = np.polyfit(result.t[late], np.log(radii[late, 1, 1]), 1)[0]
for index, name in enumerate(species):
    plus, minus = radii[-1, index, :2]
    print(f"{name} after {t_end:g} µs: ρ₊ = {plus:.4f} µm, ρ₋ = {minus:.4f} µm")
print(
    f"⁴⁰Ca⁺: decay rate of √(ρ₊² + ρ₋²) = {decay:.6f} /µs; theory γ/2 = {gamma / 2:.6f} /µs; "
    f"ratio {2 * decay / gamma:.4f}"
)
print(
    f"⁴²Ca⁺: growth rate of ρ₋ after 300 µs = {measured_drift:.3e} /µs; coupled modes {drift:.3e} /µs "
    f"(undriven γω₋/(ω₊ − ω₋) = {gamma * other.omega_minus / (other.omega_plus - other.omega_minus):.3e}); "
    f"final ρ₋ {radii[-1, 1, 1]:.2f} µm against {predicted[1, -1]:.2f} µm, ρ₊ {radii[-1, 1, 0]:.2f} µm against "
    f"{predicted[0, -1]:.2f} µm"
)

figure, ax = plt.subplots(figsize=(6.8, 5.6), layout="constrained")
band = dict(color="0.45", lw=3.0, alpha=0.45, zorder=1)
ax.plot(result.t, predicted[1], **band, label=r"$^{42}$Ca$^+$ theory: coupled modes (rotating wave)")
ax.plot(result.t, predicted[0], **band)
for index, (name, color) in enumerate(zip(("$^{40}$Ca$^+$", "$^{42}$Ca$^+$"), ("C0", "C3"), strict=True)):
    ax.plot(result.t, radii[:, index, 1], color=color, lw=1.4, label=rf"{name}: magnetron radius $\rho_-$")
    ax.plot(result.t, radii[:, index, 0], color=color, lw=1.0, ls=":", label=rf"{name}: cyclotron radius $\rho_+$")
ax.plot(result.t, total, color="C0", lw=2.5, alpha=0.35, label=r"$^{40}$Ca$^+$: $\sqrt{\rho_+^2 + \rho_-^2}$")
ax.plot(result.t, envelope, color="k", ls="--", lw=1.2, label=r"$^{40}$Ca$^+$ theory: $\rho_0\,e^{-\gamma t/2}$")
ax.set_yscale("log")
ax.set_ylim(0.1, 100.0)
ax.set_xlabel("time t (µs)")
ax.set_ylabel("mode radius (µm)")
ax.set_title(
    f"Buffer-gas centering at $\\omega_c$ of $^{{40}}$Ca$^+$: γ = {gamma:g} /µs, "
    f"$k_0$ = {coupling:.3f} /µs = 4 × threshold",
    fontsize="medium",
)
handles, labels = ax.get_legend_handles_labels()  # the band was drawn first (underneath); list it last
figure.legend(handles[1:] + handles[:1], labels[1:] + labels[:1], fontsize="small", loc="outside lower center", ncols=2)
ax.grid(True, which="both", alpha=0.3)
output = sys.argv[1] if len(sys.argv) > 1 else "buffer_gas_centering.png"
figure.savefig(output, dpi=150)
print(f"saved {output}")
