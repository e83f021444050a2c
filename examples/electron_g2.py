"""An electron in a g−2 trap for a millisecond
===========================================

An electron in a g−2-style trap for 1 ms, with steps of hundreds of cyclotron periods.

The trap: B0 = 5.36 T, V0 = −10 V, d = 3.5 mm and a small octupole C4 = 1e-3.
The electron turns at ωc/2π ≈ 150 GHz; RK4 would need some 10¹⁰ steps for a
millisecond. ``method="splitting"`` applies the flow of the trap's linear part
exactly (a matrix exponential per step) and only the octupole as kicks, so its
step need resolve the axial motion (85 MHz), not the cyclotron motion: 16 steps
per axial period, each about 110 cyclotron periods long.

The electron starts at rest 200 µm up the axis (ρ₊ = ρ₋ = 0, ρz = 200 µm);
the octupole shifts its axial frequency by, to first order (Ketter et al., Int. J. Mass Spectrom. 358, 1 (2014)),

    Δωz = ¾ (C4/d²) ωz ρz².

The script measures ωz from the phase of (z, v_z) over the run, against the
trap without the octupole, and prints the shift next to the formula.
A figure of the axial phase error (rad) against time is written to OUTPUT.png.

Run it from the repository root::

    python examples/electron_g2.py [OUTPUT.png]
"""

import math
import sys

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import numpy as np

import trapode

C4, D, RHO_Z = 1e-3, 3500.0, 200.0
electron = trapode.Particle(species="electron", r=(0.0, 0.0, RHO_Z), v=(0.0, 0.0, 0.0))
ideal = trapode.PenningTrap(B0=5.36, V0=-10.0, d=D)
trap = trapode.PenningTrap(B0=5.36, V0=-10.0, d=D, C4=C4)
frequencies = ideal.frequencies(electron)
omega_z = frequencies.omega_z
h = 2 * math.pi / omega_z / 16
t_end = 1000.0  # µs: 1 ms
n_steps = round(t_end / h)
print(
    f"ωc/2π = {frequencies.nu_c / 1e9:.1f} GHz, ωz/2π = {frequencies.nu_z / 1e6:.2f} MHz; step h = {h * 1e6:.0f} ps = "
    f"{frequencies.omega_c * h / (2 * math.pi):.0f} cyclotron periods; {n_steps} steps"
)


def axial_frequency(trap):
    """ωz (rad/µs) from the slope of the unwrapped phase of (z, −v_z/ωz) over the run, and the phase."""
    config = trapode.SimulationConfig(
        trap=trap, particles=[electron], t_end=t_end, n_steps=n_steps, method="splitting", save_every=4
    )
    result = trapode.simulate(config)
    phase = np.unwrap(np.arctan2(-result.v[:, 0, 2] / omega_z, result.r[:, 0, 2]))
    return np.polyfit(result.t, phase, 1)[0], result.t, phase


measured_ideal, t, phase_ideal = axial_frequency(ideal)
measured, _, phase = axial_frequency(trap)
theory = 0.75 * C4 / D**2 * omega_z * RHO_Z**2
print(f"ideal trap: ωz measured / closed form − 1 = {measured_ideal / omega_z - 1:.2e}")
print(f"octupole shift Δωz: simulated {measured - measured_ideal:.6e} rad/µs, first-order theory {theory:.6e} rad/µs")
print(f"ratio {(measured - measured_ideal) / theory:.4f}")

figure, ax = plt.subplots(figsize=(7, 4), layout="constrained")
ax.plot(t, phase_ideal - omega_z * t, label="ideal trap (splitting is exact)")
ax.plot(t, phase - omega_z * t, label=f"C4 = {C4:g}: the shift Δωz t")
ax.plot(t, theory * t, "k:", label="first-order theory ¾(C4/d²)ωz ρz² t")
ax.set_xlabel("time t (µs)")
ax.set_ylabel("axial phase − ωz t (rad)")
ax.set_title("Electron, 5.36 T, 1 ms with steps of ~110 cyclotron periods")
ax.legend()
figure.savefig(sys.argv[1] if len(sys.argv) > 1 else "electron_g2.png", dpi=120)
