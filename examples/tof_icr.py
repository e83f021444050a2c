r"""A TOF-ICR resonance
===================

A TOF-ICR resonance: a quadrupole π pulse scanned across the cyclotron frequency ωc = ω₊ + ω₋.

Five ⁴⁰Ca⁺ ions (no interaction) start on pure magnetron orbits of radii 40 to
120 µm in the ideal trap (B0 = 1 T, V0 = 0.025 V, d = 500 µm). An azimuthal
quadrupole ``E = g0 cos(ωt) (x, −y, 0)`` is on for T = 200 µs with
k0 T = π, k0 = q g0/(m(ω₊ − ω₋)): at ω = ωc it turns every magnetron orbit
into a cyclotron orbit of the same radius, so the radial energy
½m(ω₊²ρ₊² + ω₋²ρ₋²) rises from the magnetron energy to the cyclotron one. In
a time-of-flight measurement that energy is what the detector sees. Off
resonance, the converted fraction follows König's line shape (König et al.,
Int. J. Mass Spectrom. Ion Proc. 142, 95 (1995))

    F(x) = sin²((π/2)√(1 + x²)) / (1 + x²),   x = δT/π,   δ = ω − ωc,

whose full width at half maximum is about 0.80/T in Hz. The script scans 61
detunings over :math:`|\delta| \le 4\pi/T` with :func:`trapode.scan`, measures the width of
the simulated line and compares it with 0.80/T.

Run it from the repository root::

    python examples/tof_icr.py [OUTPUT.png]
"""

import math
import sys

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import numpy as np
import scipy.constants as constants

import trapode

species = "40Ca+"
ion = trapode.Particle(species=species)
frequencies = trapode.PenningTrap(B0=1.0, V0=0.025, d=500.0).frequencies(ion)
omega_plus, omega_minus = frequencies.omega_plus, frequencies.omega_minus  # rad/µs
omega_c = omega_plus + omega_minus

pulse = 200.0  # T in µs
# k0 T = π with k0 = q g0/(m (ω₊ − ω₋)). A field g0 x with g0 in V/m² and x in µm is g0·1e-12 x in V/µm, and
# e/u converts a volt into u µm²/(µs² e), so that q/m·E comes out in µm/µs².
volt = constants.e / constants.atomic_mass
coupling = math.pi / pulse  # k0 in rad/µs
g0 = coupling * (omega_plus - omega_minus) / (ion.q / ion.m * 1e-12 * volt)  # V/m²
trap = trapode.PenningTrap(
    B0=1.0, V0=0.025, d=500.0, excitations=[trapode.QuadrupoleExcitation(amplitude=g0, omega=omega_c, duration=pulse)]
)


def magnetron_ion(rho, phase):
    """A pure magnetron orbit of radius ρ (µm): x + iy = ρ e^{−i(ω₋t + φ)}, so ẋ + iẏ = −iω₋(x + iy)."""
    f = rho * np.exp(-1j * phase)
    df = -1j * omega_minus * f
    return trapode.Particle(species=species, r=(f.real, f.imag, 0.0), v=(df.real, df.imag, 0.0))


radii = np.linspace(40.0, 120.0, 5)  # µm
ions = [magnetron_ion(rho, phase) for rho, phase in zip(radii, np.linspace(0.0, 2.0, 5), strict=True)]
config = trapode.SimulationConfig(trap=trap, particles=ions, t_end=pulse, n_steps=20000, interactions=False)

detunings = np.linspace(-4.0, 4.0, 61) * math.pi / pulse  # δ in rad/µs, x = δT/π from −4 to 4
result = trapode.scan(config, {"excitations[0].omega": omega_c + detunings}, observe="radial_energy", progress=False)
energy = result.values * 1e3  # mean over the ions, meV

# The theory: ρ₊² = ρ0² F and ρ₋² = ρ0² (1 − F), so E = E₋ + (E₊ − E₋) F with E± = ½ m ω±² <ρ0²>.
half_mass = 0.5 * ion.m * constants.atomic_mass / constants.e * 1e3  # ½ m in meV per (µm/µs)²
mean_square = np.mean(radii**2)
e_minus, e_plus = half_mass * omega_minus**2 * mean_square, half_mass * omega_plus**2 * mean_square


def line_shape(x):
    """König's π-pulse profile F(x) = sin²((π/2)√(1+x²))/(1+x²)."""
    return np.sin(math.pi / 2 * np.sqrt(1 + x**2)) ** 2 / (1 + x**2)


def predicted(delta):
    return e_minus + (e_plus - e_minus) * line_shape(delta * pulse / math.pi)


def full_width(delta, values, baseline):
    """Width of the central peak at half its height above ``baseline``, each edge by linear interpolation."""
    top = int(np.argmax(values))
    half = baseline + (values[top] - baseline) / 2
    below = values < half
    left, right = np.flatnonzero(below[:top])[-1], top + np.flatnonzero(below[top:])[0]
    edge_left = np.interp(half, values[left : left + 2], delta[left : left + 2])
    edge_right = np.interp(half, values[right - 1 : right + 1][::-1], delta[right - 1 : right + 1][::-1])
    return edge_right - edge_left


hz = 1e6 / (2 * math.pi)  # rad/µs to Hz
fwhm = full_width(detunings, energy, e_minus) * hz
expected = 0.80 / (pulse * 1e-6)
worst = np.max(np.abs(energy - predicted(detunings))) / (e_plus - e_minus)
print(f"ωc = {omega_c:.6f} rad/µs (νc = {omega_c * hz:.1f} Hz), T = {pulse:g} µs, g0 = {g0:.1f} V/m² (k0 T = π)")
print(f"radial energy at resonance: {energy[np.argmin(np.abs(detunings))]:.4f} meV, theory {e_plus:.4f} meV")
print(f"largest deviation from the line shape: {worst:.4f} of its height")
# The scan's own prediction (ScanResult.theory) is the same profile, computed by the package.
package = np.max(np.abs(result.theory() * 1e3 - predicted(detunings))) / (e_plus - e_minus)
print(f"ScanResult.theory() against the line shape computed here: {package:.1e} of its height")
print(f"FWHM of the simulated line: {fwhm:.1f} Hz; theory 0.80/T = {expected:.1f} Hz; ratio {fwhm / expected:.4f}")

figure, ax = plt.subplots(figsize=(6.4, 4.2), layout="constrained")
smooth = np.linspace(detunings[0], detunings[-1], 801)
ax.plot(smooth * hz / 1e3, predicted(smooth), color="k", lw=1.2, label=r"theory: $E_- + (E_+ - E_-)\,F(\delta T/\pi)$")
ax.plot(detunings * hz / 1e3, energy, "o", color="C0", ms=4, label="simulated, mean over 5 ions")
half = e_minus + (np.max(energy) - e_minus) / 2
ax.annotate(
    "",
    xy=(fwhm / 2e3, half),
    xytext=(-fwhm / 2e3, half),
    arrowprops=dict(arrowstyle="<->", color="C3", shrinkA=0, shrinkB=0),
)
ax.text(
    0.0,
    half * 0.92,
    f"FWHM {fwhm / 1e3:.2f} kHz\n(0.80/T = {expected / 1e3:.2f} kHz)",
    ha="center",
    va="top",
    color="C3",
    fontsize="small",
)
ax.set_xlabel(r"detuning $\nu - \nu_c$ (kHz), $\nu = \omega/2\pi$")
ax.set_ylabel("final radial energy (meV)")
ax.set_title(
    f"TOF-ICR line: $^{{40}}$Ca$^+$, quadrupole π pulse of T = {pulse:g} µs, $\\nu_c$ = {omega_c * hz / 1e3:.3f} kHz",
    fontsize="medium",
)
ax.legend(fontsize="small", loc="upper right")
ax.grid(True, alpha=0.3)
output = sys.argv[1] if len(sys.argv) > 1 else "tof_icr.png"
figure.savefig(output, dpi=150)
print(f"saved {output}")
