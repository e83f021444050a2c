"""Frequency shifts against theory: C4, C6, B2, tilt and ellipticity
=================================================================

Frequency shifts against theory: C4, C6, a magnetic bottle B2, a tilt of B and an elliptic ring electrode.

A ⁴⁰Ca⁺ ion in the report's trap (B0 = 1 T, V0 = 25 mV, d = 500 µm) is
started in pure modes of the ideal trap (cyclotron radius ρ₊, magnetron radius
ρ₋, axial amplitude ρz: ``x + i y = ρ₊ e^{−iω₊t} + ρ₋ e^{−iω₋t}``,
``z = ρz cos ωz t``), followed for 400 µs (6.7 magnetron periods), and its
three frequencies are measured from the spectrum of its motion
(:func:`trapode.measure_frequencies`, about 1e-12 relative on a noiseless
run). Each is compared, as ``Δω/ω = (ω − ω_ideal)/ω_ideal``, with theory:

Octupole C4, dodecapole C6, magnetic bottle B2
    The first-order shifts of Ketter et al., Int. J. Mass Spectrom. 358, 1
    (2014), in trapode's normalisation
    (:func:`trapode.frequency_shifts`), e.g. for C4

    ``Δωz = ¾ (C4/d²) ωz (ρz² − 2ρ₊² − 2ρ₋²)``,
    ``Δω₊ = ¾ (C4/d²) ωz²/(ω₊−ω₋) (ρ₊² + 2ρ₋² − 2ρz²)``,
    ``Δω₋ = −¾ (C4/d²) ωz²/(ω₊−ω₋) (2ρ₊² + ρ₋² − 2ρz²)``,

    for C6 ``Δωz = (15/16)(C6/d⁴) ωz [ρz⁴ − 6ρz²(ρ₊² + ρ₋²) + 3(ρ₊⁴ + ρ₋⁴ + 4ρ₊²ρ₋²)]``
    and for the bottle (B2/B0 in 1/µm²) ``Δωz = (B2/B0)(ωc/2ωz)(ω₊ρ₊² + ω₋ρ₋²)``,
    ``Δω₊ = (B2/B0) ωc/(2(ω₊−ω₋)) [ω₊ρz² − ω₊ρ₊² − (ω₊+ω₋)ρ₋²]``.
    The axial amplitude ρz is scanned for C4 and C6, the cyclotron radius ρ₊
    for the bottle (whose Δωz measures the cyclotron energy). The runs use
    the fourth-order exact-flow splitting (``"splitting4"``, h = 0.05 µs):
    the linear motion is exact, the perturbation is applied as kicks.
Beyond first order
    With ρ₊ = ρ₋ = 0 the axial motion in C4 is a Duffing oscillator,
    ``z̈ = −ωz² (z + β z³)`` with ``β = 2 C4/d²``, whose exact frequency for
    the amplitude A is ``π ωz √(1 + βA²) / (2 K(k²))``, ``k² = βA²/(2(1 + βA²))``,
    K the complete elliptic integral of the first kind; its expansion,
    ``ωz [1 + (3/8)βA² − (21/256)(βA²)² + …]``, starts with the first-order
    shift (Landau & Lifshitz, Mechanics, §28). It shows that where first
    order fails the simulation follows the exact frequency.
Tilt θ of B, ellipticity ε of the ring
    The trap stays linear: its exact frequencies are the eigenvalues ±iω of
    the 6 × 6 system ẏ = A y (:meth:`trapode.PenningTrap.frequencies`), and
    they satisfy the Brown–Gabrielse invariance theorem
    ``ω₊² + ωz² + ω₋² = ωc²`` for any θ and ε (Brown & Gabrielse, Phys. Rev.
    A 25, 2423 (1982)). As the splitting's flow is that same matrix's
    exponential, these runs use RK4 instead (h = 0.005 µs, phase error
    (ωh)⁴/120 ≤ 2e-10), which integrates the Lorentz force itself.

Prints the table, where first order stops holding (from the data: the largest
amplitude up to which every ratio simulated/theory is within 1 % of 1, and the
slope of the axial ratio against Δωz/ωz), the invariance residuals and the
run times, and writes the figure (one panel per effect, and the ratios).

Run it from the repository root::

    python examples/validation.py [FIGURE.png] [TABLE.txt]
"""

import dataclasses
import math
import pathlib
import sys
import textwrap
import time

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.ticker import NullFormatter
from scipy.special import ellipk

import trapode

IDEAL = trapode.PenningTrap(B0=1.0, V0=0.025, d=500.0)  # T, V, µm
ION = trapode.Particle(species="40Ca+")
UNPERTURBED = IDEAL.frequencies(ION)
OMEGAS = np.array([UNPERTURBED.omega_plus, UNPERTURBED.omega_z, UNPERTURBED.omega_minus])  # rad/µs
MODES = ("ω+", "ωz", "ω−")
T_END = 400.0  # µs; measure_frequencies needs ≥ 3 magnetron periods (60 µs each)
SPLITTING_STEP = 0.05  # µs
RK4_STEP, RK4_SAVE_EVERY = 0.005, 4  # µs; every 4th state is plenty for the spectrum
TOLERANCE = 0.01  # first order "holds" while |simulated/theory − 1| ≤ 1 %
#: The radii (µm) of the modes that are not scanned.
FIXED_RADII = {"rho_plus": 10.0, "rho_minus": 20.0, "rho_z": 20.0}

#: (effect, coefficient, scanned radius, its values in µm). The coefficients are large so that the
#: scans reach the end of first order inside the trap (|r| < d); a tuned trap has C4 ~ 1e-4.
ANHARMONIC = (
    ("C4", 0.1, "rho_z", (100.0, 160.0, 220.0, 280.0, 340.0, 400.0)),
    ("C6", 0.2, "rho_z", (100.0, 150.0, 200.0, 250.0, 300.0, 350.0)),
    ("B2", 1e5, "rho_plus", (100.0, 160.0, 220.0, 280.0, 340.0, 400.0)),
)
#: (trap parameter, its values): θ in rad, ε dimensionless.
LINEAR = (
    ("tilt", (0.01, 0.02, 0.05, 0.1, 0.2)),
    ("ellipticity", (0.01, 0.03, 0.1, 0.2, 0.3)),
)
SYMBOLS = {
    "rho_plus": ("ρ+", "µm"),
    "rho_minus": ("ρ−", "µm"),
    "rho_z": ("ρz", "µm"),
    "tilt": ("θ", "rad"),
    "ellipticity": ("ε", ""),
}
COEFFICIENT_UNITS = {"C4": "", "C6": "", "B2": " T/m²"}


@dataclasses.dataclass(frozen=True)
class Point:
    """One run: the relative shifts Δω/ω of (ω₊, ωz, ω₋), simulated and theory (dimensionless)."""

    effect: str
    scanned: str
    amplitude: float  # µm, rad or dimensionless
    simulated: np.ndarray
    theory: np.ndarray
    #: Tilt and ellipticity: (ω₊² + ωz² + ω₋² − ωc²)/ωc² of the eigenfrequencies and of the simulated ones.
    invariance: tuple[float, float] | None = None

    @property
    def ratio(self) -> np.ndarray:
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.where(self.theory != 0, self.simulated / self.theory, np.nan)

    def amplitude_text(self) -> str:
        symbol, unit = SYMBOLS[self.scanned]
        return f"{symbol} = {self.amplitude:g} {unit}".rstrip()


class Clock:
    """Seconds spent integrating, measuring and loading (or compiling) kernels, and the runs counted."""

    def __init__(self) -> None:
        self.seconds = {"integrating": 0.0, "measuring": 0.0, "kernels": 0.0}
        self.runs = 0
        self.loaded = set()  # (the trap's nonzero terms, method): kernels already loaded

    def add(self, what: str, start: float) -> None:
        self.seconds[what] += time.perf_counter() - start


def pure_modes(rho_plus: float, rho_minus: float, rho_z: float) -> trapode.Particle:
    """The ion in pure modes of the ideal trap: x + i y = ρ₊ + ρ₋ and ẏ = −(ω₊ρ₊ + ω₋ρ₋) at t = 0 (µm, µm/µs)."""
    return trapode.Particle(
        species="40Ca+",
        r=(rho_plus + rho_minus, 0.0, rho_z),
        v=(0.0, -(UNPERTURBED.omega_plus * rho_plus + UNPERTURBED.omega_minus * rho_minus), 0.0),
    )


def _config(trap, particle, method, n_steps=None):
    """The run: T_END with the method's step, or only ``n_steps`` steps of it."""
    step, save_every = (SPLITTING_STEP, 1) if method == "splitting4" else (RK4_STEP, RK4_SAVE_EVERY)
    n_steps = n_steps or round(T_END / step)
    return trapode.SimulationConfig(
        trap=trap,
        particles=[particle],
        t_end=n_steps * step,
        n_steps=n_steps,
        method=method,
        interactions=False,
        save_every=save_every,
    )


def measured_frequencies(trap, particle, method, clock):
    """(ω₊, ωz, ω₋) in rad/µs of a simulated run; a short first run of each kind of trap loads its kernels."""
    kind = (tuple(name for name in ("C4", "C6", "B2", "tilt", "ellipticity") if getattr(trap, name)), method)
    if kind not in clock.loaded:
        start = time.perf_counter()
        trapode.simulate(_config(trap, particle, method, n_steps=RK4_SAVE_EVERY), progress=False)
        clock.add("kernels", start)
        clock.loaded.add(kind)
    start = time.perf_counter()
    result = trapode.simulate(_config(trap, particle, method), progress=False)
    clock.add("integrating", start)
    if not result.trapped[0]:
        raise RuntimeError(f"the ion left the trap {trap}")
    start = time.perf_counter()
    frequencies = trapode.measure_frequencies(result)
    clock.add("measuring", start)
    clock.runs += 1
    return np.array([frequencies.omega_plus, frequencies.omega_z, frequencies.omega_minus])


def anharmonic_theory(effect, coefficient, scanned, amplitude):
    """First-order Δω/ω of (ω₊, ωz, ω₋) (trapode.frequency_shifts, Ketter et al. 2014)."""
    trap = dataclasses.replace(IDEAL, **{effect: coefficient})
    radii = {**FIXED_RADII, scanned: amplitude}
    return np.array(trapode.frequency_shifts(trap, ION, **radii).shifts[effect]) / OMEGAS


def linear_theory(parameter, value):
    """Exact Δω/ω of (ω₊, ωz, ω₋): the eigenfrequencies of the tilted or elliptic trap against the ideal one."""
    frequencies = dataclasses.replace(IDEAL, **{parameter: value}).frequencies(ION)
    return np.array([frequencies.omega_plus, frequencies.omega_z, frequencies.omega_minus]) / OMEGAS - 1


def run_anharmonic(clock):
    points = []
    for effect, coefficient, scanned, values in ANHARMONIC:
        trap = dataclasses.replace(IDEAL, **{effect: coefficient})
        for amplitude in values:
            ion = pure_modes(**{**FIXED_RADII, scanned: amplitude})
            simulated = measured_frequencies(trap, ion, "splitting4", clock) / OMEGAS - 1
            theory = anharmonic_theory(effect, coefficient, scanned, amplitude)
            points.append(Point(effect, scanned, amplitude, simulated, theory))
    return points


def run_linear(clock):
    """Tilt and ellipticity, with the invariance residuals of theory and simulation, and RK4's in the ideal trap.

    The simulated Δω/ω are taken against an RK4 run of the ideal trap with the same step: RK4's own phase
    error, (ωh)⁴/120 ≤ 2e-10 of each frequency, is the same with and without tilt or ellipticity and cancels.
    """
    ion = pure_modes(**FIXED_RADII)
    reference = measured_frequencies(IDEAL, ion, "rk4", clock)
    points = []
    for parameter, values in LINEAR:
        for value in values:
            trap = dataclasses.replace(IDEAL, **{parameter: value})
            omegas = measured_frequencies(trap, ion, "rk4", clock)
            residuals = (trapode.invariance_check(trap, ION), _invariance_residual(omegas))
            theory = linear_theory(parameter, value)
            points.append(Point(parameter, parameter, value, omegas / reference - 1, theory, invariance=residuals))
    return points, _invariance_residual(reference)


def _invariance_residual(omegas):
    """(ω₊² + ωz² + ω₋² − ωc²)/ωc² of measured (ω₊, ωz, ω₋) in rad/µs."""
    return float((omegas**2).sum() / UNPERTURBED.omega_c**2 - 1)


def duffing_frequency(c4, amplitude):
    """The exact axial frequency (rad/µs) of z̈ = −ωz²(z + β z³), β = 2 C4/d², from rest at z = A (µm)."""
    stiffening = 2 * c4 / IDEAL.d**2 * amplitude**2  # βA²
    return math.pi * UNPERTURBED.omega_z * math.sqrt(1 + stiffening) / (2 * ellipk(stiffening / (2 + 2 * stiffening)))


def run_duffing(clock):
    """C4 with ρ₊ = ρ₋ = 0: rows (ρz, simulated, exact and first-order Δωz/ωz)."""
    _, c4, _, values = ANHARMONIC[0]
    trap = dataclasses.replace(IDEAL, C4=c4)
    rows = []
    for amplitude in values:
        simulated = measured_frequencies(trap, pure_modes(0.0, 0.0, amplitude), "splitting4", clock)[1]
        first_order = 0.75 * c4 * amplitude**2 / IDEAL.d**2
        rows.append(
            (amplitude, simulated / OMEGAS[1] - 1, duffing_frequency(c4, amplitude) / OMEGAS[1] - 1, first_order)
        )
    return rows


def _effect_label(effect):
    """ "C4 = 0.1", "B2 = 1e5 T/m²", or the name of a linear effect."""
    for name, coefficient, _, _ in ANHARMONIC:
        if name == effect:
            number = f"{coefficient:g}" if 1e-3 <= abs(coefficient) < 1e3 else f"{coefficient:.0e}".replace("e+0", "e")
            return f"{name} = {number}{COEFFICIENT_UNITS[name]}"
    return effect


def first_order_limits(points):
    """Sentences, from the data, on where first order stops holding for C4, C6 and B2."""
    lines = []
    slopes = {}
    for effect, *_ in ANHARMONIC:
        scan = [point for point in points if point.effect == effect]
        good = []
        for point in scan:
            if np.all(np.abs(point.ratio - 1) <= TOLERANCE):
                good.append(point)
            else:
                break
        if good:
            largest = np.max([np.abs(point.theory) for point in good], axis=0)
            reach = ", ".join(f"{value:.1e} ({mode})" for value, mode in zip(largest, MODES, strict=True))
            sentence = (
                f"{_effect_label(effect)}: within 1 % of first order up to {good[-1].amplitude_text()}, "
                f"where |Δω/ω| reaches {reach}"
            )
        else:
            sentence = f"{_effect_label(effect)}: more than 1 % from first order already at {scan[0].amplitude_text()}"
        if len(good) < len(scan):
            failing = scan[len(good)]
            worst = int(np.nanargmax(np.abs(failing.ratio - 1)))
            sentence += (
                f"; at {failing.amplitude_text()} the ratio of {MODES[worst]} is {failing.ratio[worst]:.4f} "
                f"(|Δω/ω| = {abs(failing.theory[worst]):.1e})"
            )
        lines.append(sentence + ".")
        axial = np.array([point.theory[1] for point in scan])
        deviation = np.array([point.ratio[1] - 1 for point in scan])
        slopes[effect] = float(np.dot(deviation, axial) / np.dot(axial, axial))
    steepest = max(abs(slope) for slope in slopes.values())
    last = [[point for point in points if point.effect == effect][-1] for effect, *_ in ANHARMONIC]
    largest_axial = [abs(point.theory[1]) for point in last]
    largest_error = [np.nanmax(np.abs(point.ratio - 1)) for point in last]
    lines.append(
        "The axial ratio moves from 1 in proportion to the axial shift, ratio − 1 ≈ k Δωz/ωz with k = "
        + ", ".join(f"{slope:+.2f} ({effect})" for effect, slope in slopes.items())
        + f": first order is good to 1 % while |Δωz/ωz| ≲ {TOLERANCE / steepest:.1e} and to 0.1 % while "
        f"|Δωz/ωz| ≲ {TOLERANCE / 10 / steepest:.1e}; at the largest amplitudes here (|Δωz/ωz| = "
        f"{min(largest_axial):.1e} to {max(largest_axial):.1e}) it is off by {100 * min(largest_error):.1f} % to "
        f"{100 * max(largest_error):.1f} %."
    )
    return lines


#: Paragraphs are wrapped to this width (the table is 66 wide), so that the text fits a documentation page.
WIDTH = 62


def _paragraph(text):
    """``text`` wrapped to WIDTH, never inside ``ρz = 280 µm``, ``θ = 0.1 rad`` or ``1 %``."""
    for glued in (" = ", " µm", " rad", " %", " T,", " T/"):
        text = text.replace(glued, glued.replace(" ", "\N{NO-BREAK SPACE}"))
    return textwrap.fill(text, WIDTH, break_on_hyphens=False).replace("\N{NO-BREAK SPACE}", " ")


def table_text(points, duffing, ideal_residual, limits):
    """The text report: the table, the Duffing check, the invariance residuals, where first order stops holding."""
    f = UNPERTURBED
    fixed = ", ".join(f"{SYMBOLS[name][0]} = {value:g} µm" for name, value in FIXED_RADII.items())
    lines = [
        _paragraph(
            f"Frequency shifts of 40Ca+ in the trap B0 = {IDEAL.B0:g} T, V0 = {IDEAL.V0:g} V, d = {IDEAL.d:g} µm "
            f"(ω+ = {f.omega_plus:.6f}, ωz = {f.omega_z:.6f}, ω− = {f.omega_minus:.6f} rad/µs), simulated for "
            f"{T_END:g} µs and measured, against first-order theory (C4, C6, B2; Ketter et al. 2014) and the "
            f"exact eigenfrequencies (tilt, ellipticity). Δω/ω = (ω − ω_ideal)/ω_ideal; ratio = simulated/theory. "
            f"Radii not scanned: {fixed}."
        ),
        "",
        f"{'effect':<14} {'amplitude':<12} {'mode':<4} {'simulated':>11} {'theory':>11} {'ratio':>9}",
        f"{'':<14} {'':<12} {'':<4} {'Δω/ω':>11} {'Δω/ω':>11}",
    ]
    previous = None
    for point in points:
        effect = _effect_label(point.effect)
        if previous is not None and effect != previous:
            lines.append("")
        for index, mode in enumerate(MODES):
            ratio = point.ratio[index]
            ratio_text = f"{ratio:9.6f}" if math.isfinite(ratio) else f"{'—':>9}"
            head = f"{effect if index == 0 else '':<14} {point.amplitude_text() if index == 0 else '':<12}"
            lines.append(f"{head} {mode:<4} {point.simulated[index]:+11.4e} {point.theory[index]:+11.4e} {ratio_text}")
        previous = effect
    lines += [
        "",
        _paragraph(
            "Beyond first order: C4 with ρ+ = ρ− = 0 is a Duffing oscillator, its exact ωz from the complete "
            "elliptic integral."
        ),
        "",
        f"{'amplitude':<12} {'simulated':>14} {'exact':>14} {'sim./exact':>10} {'exact/first':>12}",
        f"{'':<12} {'Δωz/ωz':>14} {'Δωz/ωz':>14} {'− 1':>10} {'order':>12}",
    ]
    for amplitude, simulated, exact, first in duffing:
        lines.append(
            f"{f'ρz = {amplitude:g} µm':<12} {simulated:+14.7e} {exact:+14.7e} {simulated / exact - 1:+10.1e} "
            f"{exact / first:12.6f}"
        )
    linear = [point for point in points if point.invariance is not None]
    lines += [
        "",
        _paragraph(
            "Brown–Gabrielse invariance theorem, (ω+² + ωz² + ω−² − ωc²)/ωc² (RK4's residual is its phase error, "
            "(ωh)⁴/120 of ω+, the same as in the ideal trap):"
        ),
        "",
        f"{'effect':<14} {'amplitude':<12} {'eigenfrequencies':>17} {'simulated (RK4)':>17}",
        f"{'ideal trap':<14} {'':<12} {0.0:+17.2e} {ideal_residual:+17.2e}",
    ]
    for point in linear:
        exact, simulated = point.invariance
        lines.append(f"{point.effect:<14} {point.amplitude_text():<12} {exact:+17.2e} {simulated:+17.2e}")
    frequencies = max(np.max(np.abs((1 + point.simulated) / (1 + point.theory) - 1)) for point in linear)
    shifts = max(np.nanmax(np.abs(point.ratio - 1)) for point in linear)
    lines += [
        "",
        _paragraph(
            f"Tilt and ellipticity: the simulated frequencies agree with the eigenfrequencies to {frequencies:.1e} "
            f"(relative), the shifts to {shifts:.1e} of themselves."
        ),
        "",
        "Where first order stops holding:",
        "",
        *(_paragraph(limit) + "\n" for limit in limits),
    ]
    return "\n".join(lines).rstrip()


COLOURS = ("C0", "C1", "C2")
MARKERS = ("o", "s", "^")


def _draw_points(ax, x, values):
    """Markers of |Δω/ω| for the three modes: filled where Δω > 0, open where Δω < 0."""
    for index in range(3):
        for sign, face in ((1, COLOURS[index]), (-1, "none")):
            chosen = np.sign(values[:, index]) == sign
            ax.plot(
                x[chosen], np.abs(values[chosen, index]), MARKERS[index], color=COLOURS[index], mfc=face, ms=6, ls=""
            )


def _draw_theory(ax, x, values, skip=()):
    for index, mode in enumerate(MODES):
        if index not in skip:
            ax.plot(x, np.abs(values[:, index]), color=COLOURS[index], lw=1.2, label=mode)


def plot(points, duffing, path):
    figure, axes = plt.subplots(3, 2, figsize=(10, 13), layout="constrained")
    panels = iter("abcdef")
    for ax, (effect, coefficient, scanned, values) in zip(axes.flat, ANHARMONIC, strict=False):
        scan = [point for point in points if point.effect == effect]
        smooth = np.linspace(0.9 * values[0], 1.03 * values[-1], 200)
        theory = np.array([anharmonic_theory(effect, coefficient, scanned, value) for value in smooth])
        _draw_theory(ax, smooth, theory)
        _draw_points(ax, np.array([point.amplitude for point in scan]), np.array([point.simulated for point in scan]))
        symbol, unit = SYMBOLS[scanned]
        others = ", ".join(f"{SYMBOLS[name][0]} = {value:g}" for name, value in FIXED_RADII.items() if name != scanned)
        ax.set(
            xscale="log",
            yscale="log",
            xlabel=f"{'axial amplitude' if scanned == 'rho_z' else 'cyclotron radius'} {symbol} ({unit})",
            ylabel="|Δω/ω|",
            title=f"({next(panels)}) {_effect_label(effect)}, {others} µm",
        )
        ax.set_xticks(values, [f"{value:g}" for value in values])
        ax.xaxis.set_minor_formatter(NullFormatter())
    for ax, (parameter, values) in zip(axes.flat[3:5], LINEAR, strict=True):
        scan = [point for point in points if point.effect == parameter]
        smooth = np.geomspace(0.9 * values[0], 1.05 * values[-1], 200)
        theory = np.array([linear_theory(parameter, value) for value in smooth])
        exact_axial = parameter == "ellipticity"  # ε leaves ωz alone: nothing to draw on a log scale
        _draw_theory(ax, smooth, theory, skip=(1,) if exact_axial else ())
        simulated = np.array([point.simulated for point in scan])
        if exact_axial:
            simulated[:, 1] = np.nan
        _draw_points(ax, np.array([point.amplitude for point in scan]), simulated)
        symbol, unit = SYMBOLS[parameter]
        worst = max(abs(point.invariance[0]) for point in scan)
        note = "ωz unchanged; " if exact_axial else ""
        ax.set(
            xscale="log",
            yscale="log",
            xlabel=f"{'tilt of B' if parameter == 'tilt' else 'ellipticity'} {symbol}{f' ({unit})' if unit else ''}",
            ylabel="|Δω/ω|",
            title=f"({next(panels)}) {parameter}: eigenfrequencies (lines), RK4 (markers)",
        )
        ax.set_xticks(values, [f"{value:g}" for value in values])
        ax.xaxis.set_minor_formatter(NullFormatter())
        ax.text(
            0.03,
            0.97,
            f"{note}invariance residual ≤ {worst:.0e}",
            transform=ax.transAxes,
            va="top",
            fontsize="small",
        )
    for ax in axes.flat[:5]:
        ax.grid(True, which="both", alpha=0.25)
        ax.legend(title="theory", fontsize="small", loc="lower right")
    ax = axes.flat[5]
    ax.axhspan(1 - TOLERANCE, 1 + TOLERANCE, color="0.9", label="±1 %")
    for number, (effect, *_) in enumerate(ANHARMONIC):
        scan = [point for point in points if point.effect == effect]
        for index, mode in enumerate(MODES):
            ax.plot(
                [abs(point.theory[index]) for point in scan],
                [point.ratio[index] for point in scan],
                MARKERS[index] + "-",
                color=("C3", "C4", "C8")[number],
                ms=5,
                lw=0.8,
                label=f"{effect}, {mode}",
            )
    duffing = np.array(duffing)
    grid = np.geomspace(duffing[0, 3], duffing[-1, 3], 100)
    amplitudes = np.sqrt(grid * IDEAL.d**2 / (0.75 * ANHARMONIC[0][1]))
    exact = [duffing_frequency(ANHARMONIC[0][1], amplitude) / OMEGAS[1] - 1 for amplitude in amplitudes]
    ax.plot(grid, np.array(exact) / grid, "k--", lw=1, label="C4, ωz, ρ± = 0: exact (Duffing)")
    ax.plot(duffing[:, 3], duffing[:, 1] / duffing[:, 3], "kx", ms=6, label="C4, ωz, ρ± = 0: simulated")
    ax.set(
        xscale="log",
        xlabel="first-order |Δω/ω| of the mode",
        ylabel="simulated / first-order Δω",
        title="(f) where first order stops holding",
    )
    ax.grid(True, which="both", alpha=0.25)
    ax.legend(fontsize="x-small", ncol=2, loc="lower left")
    figure.suptitle(
        "⁴⁰Ca⁺, B0 = 1 T, V0 = 25 mV, d = 500 µm: simulated Δω/ω (markers; open: Δω < 0)\n"
        "against theory (lines), first order for C4, C6, B2, exact for tilt and ellipticity"
    )
    figure.savefig(path, dpi=110)
    plt.close(figure)


def main(argv):
    figure_path = pathlib.Path(argv[1] if len(argv) > 1 else "validation.png")
    started = time.perf_counter()
    clock = Clock()
    points = run_anharmonic(clock)
    duffing = run_duffing(clock)
    linear_points, ideal_residual = run_linear(clock)
    points += linear_points
    table = table_text(points, duffing, ideal_residual, first_order_limits(points))
    print(table)
    if len(argv) > 2:
        pathlib.Path(argv[2]).write_text(table + "\n", encoding="utf-8")
    plot(points, duffing, figure_path)
    print(f"figure: {figure_path}")
    seconds = clock.seconds
    whole = time.perf_counter() - started
    print(
        f"{clock.runs} simulations: {seconds['integrating']:.1f} s integrating and {seconds['measuring']:.1f} s "
        f"measuring frequencies ({seconds['integrating'] + seconds['measuring']:.1f} s in all), "
        f"{seconds['kernels']:.1f} s loading or compiling kernels; the whole example {whole:.1f} s."
    )


if __name__ == "__main__":
    main(sys.argv)
