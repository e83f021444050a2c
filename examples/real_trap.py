"""A real trap: the frequency shifts of C4 and B2
==============================================

A real trap: the axial frequency shifts of an octupole (C4) and a magnetic bottle (B2) against theory.

A ⁴⁰Ca⁺ ion in the report's trap with C4 = 0.01, then with B2 = 3e4 T/m²,
started in pure modes (cyclotron radius ρ+, magnetron radius ρ−, axial
amplitude ρz). Its axial frequency is measured from the zero crossings of
z(t) over 150 µs and compared with the first-order shifts of
Ketter et al., Int. J. Mass Spectrom. 358, 1 (2014):

    C4:  Δωz = ¾ (C4/d²) ωz (ρz² − 2ρ+² − 2ρ−²)
    B2:  Δωz = (B2/B0) (ωc/2ωz) (ω+ρ+² + ω−ρ−²)

Run it from the repository root::

    python examples/real_trap.py [OUTPUT.png]
"""

import dataclasses
import math
import sys

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import numpy as np

import trapode

ideal = trapode.PenningTrap(B0=1.0, V0=0.025, d=500.0)  # T, V, µm
species = "40Ca+"
f = ideal.frequencies(trapode.Particle(species=species))


def pure_modes(rho_plus, rho_minus, rho_z):
    """An ion in pure modes: x + i y = ρ+ e^{−iω+t} + ρ− e^{−iω−t}, z = ρz cos ωz t (µm)."""
    return trapode.Particle(
        species=species,
        r=(rho_plus + rho_minus, 0.0, rho_z),
        v=(0.0, -(f.omega_plus * rho_plus + f.omega_minus * rho_minus), 0.0),
    )


def axial_frequency(result):
    """ω from the upward zero crossings of z(t), each placed by linear interpolation (rad/µs)."""
    t, z = result.t, result.r[:, 0, 2]
    up = np.flatnonzero((z[:-1] < 0) & (z[1:] >= 0))
    crossings = t[up] - z[up] * (t[up + 1] - t[up]) / (z[up + 1] - z[up])
    return 2 * math.pi * (len(crossings) - 1) / (crossings[-1] - crossings[0])


def shift(trap, particle):
    config = trapode.SimulationConfig(trap=trap, particles=[particle], t_end=150.0, n_steps=15000, save_every=1)
    return axial_frequency(trapode.simulate(config)) - f.omega_z


c4, b2 = 0.01, 3e4


def octupole_theory(rho_z):
    return 0.75 * c4 / ideal.d**2 * f.omega_z * rho_z**2


def bottle_theory(rho_plus):
    return b2 * 1e-12 / ideal.B0 * f.omega_c / (2 * f.omega_z) * f.omega_plus * rho_plus**2


amplitudes = np.linspace(20.0, 150.0, 6)  # µm: the axial amplitude for C4, twice the cyclotron radius for B2
rows = []
for rho in amplitudes:
    c4_shift = shift(dataclasses.replace(ideal, C4=c4), pure_modes(0.0, 0.0, rho))
    b2_shift = shift(dataclasses.replace(ideal, B2=b2), pure_modes(rho / 2, 0.0, 10.0))
    rows.append((rho, c4_shift, octupole_theory(rho), b2_shift, bottle_theory(rho / 2)))
print(f"{'ρ (µm)':>8} {'C4: Δωz (rad/µs)':>18} {'theory':>12} {'ratio':>7} {'B2: Δωz':>12} {'theory':>12} {'ratio':>7}")
for rho, c4_sim, c4_th, b2_sim, b2_th in rows:
    print(
        f"{rho:8.1f} {c4_sim:18.4e} {c4_th:12.4e} {c4_sim / c4_th:7.4f} {b2_sim:12.4e} {b2_th:12.4e} "
        f"{b2_sim / b2_th:7.4f}"
    )

figure, ax = plt.subplots(figsize=(6.4, 4.2), layout="constrained")
table = np.array(rows)
smooth = np.linspace(0.0, 155.0, 200)
ppm = 1e6 / f.omega_z
ax.plot(smooth, octupole_theory(smooth) * ppm, color="C0", lw=1.2, label=r"$C_4$: first-order theory")
ax.plot(
    table[:, 0],
    table[:, 1] * ppm,
    "o",
    color="C0",
    ms=5,
    label=r"$C_4 = 0.01$ simulated, axial amplitude $\rho_z = \rho$",
)
ax.plot(smooth, bottle_theory(smooth / 2) * ppm, color="C1", lw=1.2, label=r"$B_2$: first-order theory")
ax.plot(
    table[:, 0],
    table[:, 3] * ppm,
    "s",
    color="C1",
    ms=5,
    label=r"$B_2 = 3\times10^4$ T/m² simulated, cyclotron radius $\rho_+ = \rho/2$",
)
ax.set_xlabel(r"mode amplitude $\rho$ (µm)")
ax.set_ylabel(r"axial frequency shift $\Delta\omega_z / \omega_z$ (ppm)")
ax.set_title(
    f"$^{{40}}$Ca$^+$ in a real trap, simulated (markers) and first order (lines); "
    f"$\\omega_z$ = {f.omega_z:.4f} rad/µs",
    fontsize="small",
)
ax.legend(fontsize="small", loc="upper left")
ax.grid(True, alpha=0.3)
output = sys.argv[1] if len(sys.argv) > 1 else "real_trap.png"
figure.savefig(output, dpi=150)
print(f"saved {output}")
