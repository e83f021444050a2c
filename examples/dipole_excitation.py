r"""A dipole excitation of the axial motion
=======================================

A dipole excitation of the axial motion: linear growth on resonance, beats off it.

A ⁴⁰Ca⁺ ion at rest at the centre of the ideal trap (B0 = 1 T, V0 = 0.025 V,
d = 500 µm) feels a uniform field ``E = E0 cos(ωt) ẑ`` with E0 = 0.5 V/m. At
ω = ωz the axial amplitude :math:`\rho_z = \sqrt{z^2 + (\dot z/\omega_z)^2}` grows linearly from zero
(Blaum, Phys. Rep. 425, 1 (2006)):

.. math::

    \rho_z(t) = \frac{q E_0 t}{2 m \omega_z}.

Off resonance by δ = ω − ωz the drive and the motion drift out of phase and
the amplitude beats,
:math:`\rho_z(t) \approx (q E_0 / (m \omega_z |\delta|)) |\sin(\delta t/2)|`, never larger
than :math:`q E_0 / (m \omega_z |\delta|)`. (The small ripple at 2ω on the simulated curves is
the drive's counter-rotating part, which these formulas average away.) The
script fits the slope of the resonant ρz(t) and compares it with :math:`q E_0/(2 m \omega_z)`,
and the largest detuned amplitudes with :math:`q E_0/(m \omega_z |\delta|)`.

Run it from the repository root::

    python examples/dipole_excitation.py [OUTPUT.png]
"""

import sys

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import numpy as np
import scipy.constants as constants

import trapode
from trapode.modes import mode_radii

ion = trapode.Particle(species="40Ca+")  # at rest at the centre
frequencies = trapode.PenningTrap(B0=1.0, V0=0.025, d=500.0).frequencies(ion)
omega_z = frequencies.omega_z  # rad/µs
field = 0.5  # E0 in V/m
# q E0 / m in µm/µs²: E0 in V/m is E0·1e-6 V/µm, and e/u converts a volt into u µm²/(µs² e).
acceleration = ion.q / ion.m * field * 1e-6 * constants.e / constants.atomic_mass
duration = 200.0  # µs


def axial_amplitude(omega):
    """ρz(t) in µm of the ion driven at ``omega`` (rad/µs) for ``duration``, every 0.5 µs."""
    drive = trapode.DipoleExcitation(amplitude=field, omega=omega, direction=(0, 0, 1))
    trap = trapode.PenningTrap(B0=1.0, V0=0.025, d=500.0, excitations=[drive])
    config = trapode.SimulationConfig(trap=trap, particles=[ion], t_end=duration, n_steps=20000, save_every=50)
    result = trapode.simulate(config, progress=False)
    omegas = [frequencies.omega_plus, frequencies.omega_minus, omega_z]
    return result.t, mode_radii(result.r[:, 0], result.v[:, 0], omegas, ion.q)[:, 2]


t, rho_z = axial_amplitude(omega_z)
slope = np.polyfit(t, rho_z, 1)[0]
expected = acceleration / (2 * omega_z)
print(f"ωz = {omega_z:.6f} rad/µs, E0 = {field:g} V/m")
print(
    f"resonant drive: slope of ρz(t) = {slope:.5f} µm/µs; theory qE0/(2mωz) = {expected:.5f} µm/µs; "
    f"ratio {slope / expected:.5f}"
)

detunings = [0.03, 0.06]  # δ in rad/µs
beats = [axial_amplitude(omega_z + delta)[1] for delta in detunings]
for delta, rho in zip(detunings, beats, strict=True):
    bound = acceleration / (omega_z * delta)
    print(
        f"detuned by δ = {delta:g} rad/µs: largest ρz = {rho.max():.2f} µm; theory qE0/(mωzδ) = {bound:.2f} µm; "
        f"ratio {rho.max() / bound:.4f}"
    )

figure, (left, right) = plt.subplots(1, 2, figsize=(10.0, 4.2), layout="constrained")
left.plot(t, expected * t, color="k", lw=1.2, label=r"theory $qE_0 t / (2 m\omega_z)$")
left.plot(t[::8], rho_z[::8], "o", color="C0", ms=3.5, label=r"simulated, $\omega = \omega_z$")
left.set_title(f"(a) resonant drive: slope {slope:.4f} µm/µs (theory {expected:.4f})", fontsize="medium")
smooth = np.linspace(0.0, duration, 801)
right.plot(t, rho_z, color="C0", lw=1.2, label=r"$\delta$ = 0 (panel a)")
for index, (delta, rho) in enumerate(zip(detunings, beats, strict=True)):
    envelope = acceleration / (omega_z * delta) * np.abs(np.sin(delta * smooth / 2))
    right.plot(t, rho, color=f"C{index + 1}", lw=1.2, label=f"$\\delta$ = {delta:g} rad/µs")
    right.plot(smooth, envelope, color="k", ls="--", lw=1.0)
right.plot([], [], color="k", ls="--", lw=1.0, label=r"theory $(qE_0/m\omega_z\delta)\,|\sin(\delta t/2)|$")
right.set_title(r"(b) off resonance, $\omega = \omega_z + \delta$: beats", fontsize="medium")
for ax in (left, right):
    ax.set_xlabel("time t (µs)")
    ax.set_ylabel(r"axial amplitude $\rho_z$ (µm)")
    ax.legend(fontsize="small", loc="upper left")
    ax.grid(True, alpha=0.3)
figure.suptitle(
    f"Dipole excitation of $^{{40}}$Ca$^+$ along z, $E_0$ = {field:g} V/m, "
    f"$\\omega_z$ = {omega_z:.4f} rad/µs, from rest",
)
output = sys.argv[1] if len(sys.argv) > 1 else "dipole_excitation.png"
figure.savefig(output, dpi=150)
print(f"saved {output}")
