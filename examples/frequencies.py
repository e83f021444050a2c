"""Frequencies to the ppb, against theory
======================================

Measure a particle's frequencies to the ppb and compare them with first-order theory.

Particle 1 of the report in its trap with an octupole C4 = 1e-3, run for 1 ms
with the fourth-order exact-flow splitting. ``trapode.mode_amplitudes`` gives
its mode radii and energies, ``trapode.measure_frequencies`` the three
frequencies (windowed FFT, refined by a least-squares fit, with 1σ
uncertainties) and ``trapode.frequency_shifts`` the first-order shifts of
Ketter et al. (2014) at those radii. The spectrum, its peaks named after the modes and
their combinations, goes to OUTPUT.png.

Run it from the repository root::

    python examples/frequencies.py [OUTPUT.png]
"""

import sys

import matplotlib

matplotlib.use("Agg")

import trapode

trap = trapode.PenningTrap(B0=1.0, V0=0.025, d=500.0, C4=1e-3)  # T, V, µm
ion = trapode.report_particle_1()
config = trapode.SimulationConfig(
    trap=trap, particles=[ion], t_end=1000.0, n_steps=20000, method="splitting4", interactions=False
)
result = trapode.simulate(config)

modes = trapode.mode_amplitudes(trap, ion)
print(
    f"radii: ρ+ = {modes.rho_plus:.3f} µm, ρ− = {modes.rho_minus:.3f} µm, ρz = {modes.rho_z:.3f} µm; "
    f"energies: {modes.energy_plus:.4g}, {modes.energy_minus:.4g} (magnetron: negative), {modes.energy_z:.4g} eV"
)
measured = trapode.measure_frequencies(result)
theory = trapode.frequency_shifts(trap, ion, rho_plus=modes.rho_plus, rho_minus=modes.rho_minus, rho_z=modes.rho_z)
linear = trap.frequencies(ion)
print(f"{'mode':<10} {'measured (Hz)':>26} {'theory (Hz)':>18} {'shift (Hz)':>12} {'measured − theory':>18}")
for mode, label in (("plus", "ν₊"), ("z", "νz"), ("minus", "ν₋")):
    nu, sigma = getattr(measured, f"nu_{mode}"), getattr(measured, f"sigma_nu_{mode}")
    expected = getattr(theory, f"nu_{mode}")
    shift = expected - getattr(linear, f"nu_{mode}")
    print(f"{label:<10} {nu:>16.6f} ± {sigma:<7.1g} {expected:>18.6f} {shift:>12.6f} {nu - expected:>18.2g}")
print("peaks:", ", ".join(f"{peak.name} ({peak.signal})" for peak in measured.peaks if peak.name))
axes = trapode.plot_spectrum(result)
axes.figure.savefig(sys.argv[1] if len(sys.argv) > 1 else "spectrum.png", dpi=120)
