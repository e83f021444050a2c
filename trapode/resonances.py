"""Finding resonances: dips in the fraction of ions kept, located and named automatically.

The report zooms on a resonance by hand. :func:`find_resonances` finds every
dip of a sweep below a threshold, refines the ωV grid at both edges of each
dip by bisection until they are known to a tolerance, and names each dip by
the Floquet band it falls in (:mod:`trapode.floquet`): the unstable band of
the linearised driven trap, named by the mode that grows there (axial n = 1,
2, …, radial ω₊ − ω₋, …).
"""

from __future__ import annotations

import itertools
import os
from collections.abc import Iterable
from concurrent.futures import Executor
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
from numpy.typing import ArrayLike

from ._validate import count, flag, instance, real
from .setup.particles import Particle
from .setup.trap import PenningTrap
from .sweep import SweepResult, _check_grid, _check_settings, sweep

if TYPE_CHECKING:
    from dask.distributed import Client
    from matplotlib.axes import Axes

    from .floquet import StabilityChart

__all__ = ["Resonance", "ResonanceScan", "find_resonances", "predicted_resonances"]


def predicted_resonances(trap: PenningTrap, particle: Particle, max_order: int = 6) -> list[tuple[str, float]]:
    """Drive frequencies at which a particle in ``trap`` may resonate, in rad/µs.

    Parametric resonances of the axial motion at ``2 ωz / n``, and of the
    radial motions at ``2 ω± / n``, ``(ω+ − ω−) / n`` and ``(ω+ + ω−) / n``,
    for n = 1..``max_order``.

    Returns
    -------
    list of (str, float)
        Labels such as ``"2ωz/3"`` with their angular frequencies, sorted by
        frequency.
    """
    instance("trap", trap, PenningTrap, "a trapode.PenningTrap")
    max_order = count("max_order", max_order, maximum=1000)
    frequencies = trap.frequencies(particle)
    bases = {
        "2ωz": 2 * frequencies.omega_z,
        "2ω+": 2 * frequencies.omega_plus,
        "2ω−": 2 * frequencies.omega_minus,
        "ω+ − ω−": frequencies.omega_plus - frequencies.omega_minus,
        "ω+ + ω−": frequencies.omega_plus + frequencies.omega_minus,
    }
    predictions: dict[float, str] = {}
    for (name, value), n in itertools.product(bases.items(), range(1, max_order + 1)):
        if isinstance(value, complex):  # not confined: no real resonance
            continue
        label = name if n == 1 else (f"({name})/{n}" if " " in name else f"{name}/{n}")
        predictions.setdefault(round(value / n, 12), label)
    return sorted(((label, value) for value, label in predictions.items()), key=lambda item: item[1])


@dataclass(frozen=True)
class Resonance:
    """One dip of the fraction of ions kept.

    Attributes
    ----------
    amplitude : float
        Drive amplitude f.
    left, right : float
        Edges (rad/µs) where the fraction crosses the threshold, each known to
        ± ``tolerance / 2``.
    depth : float
        Smallest fraction kept inside the dip.
    prediction_label : str
        The Floquet band the dip falls in, by the mode that grows there
        (``"axial n=2"``, ``"radial ω₊ − ω₋"``; see :class:`trapode.Band`);
        the nearest of :func:`predicted_resonances` where no band is found.
    prediction : float
        The band's first-order centre in rad/µs (``2ωz/n``, ``ω₊ − ω₋``, …).
    resolved : bool
        False if the dip reaches the end of the scanned range, so that one edge
        is only a bound.
    """

    amplitude: float
    left: float
    right: float
    depth: float
    prediction_label: str
    prediction: float
    resolved: bool = True

    @property
    def centre(self) -> float:
        """Middle of the dip in rad/µs."""
        return 0.5 * (self.left + self.right)

    @property
    def width(self) -> float:
        """Width of the dip at the threshold in rad/µs."""
        return self.right - self.left


@dataclass(frozen=True, eq=False)
class ResonanceScan:
    """The resonances found, with the sweeps that found them.

    Attributes
    ----------
    resonances : tuple of Resonance
    coarse : SweepResult
        The initial sweep.
    samples : dict
        ``samples[amplitude]``: (omegas, fractions) of every run at that
        amplitude, the refinements included, sorted by ωV.
    threshold, tolerance : float
    chart : StabilityChart or None
        The Floquet chart that named the dips (every amplitude, the swept range).
    """

    resonances: tuple
    coarse: SweepResult
    samples: dict
    threshold: float
    tolerance: float
    chart: StabilityChart | None = None

    def to_pandas(self) -> Any:
        """The resonances as a ``pandas.DataFrame``, a row each: the columns of :meth:`table` (rad/µs). Needs pandas."""
        from .export import require

        pandas = require("pandas", "ResonanceScan.to_pandas")
        rows = [
            {
                "amplitude f": r.amplitude,
                "centre (rad/µs)": r.centre,
                "width (rad/µs)": r.width,
                "depth": r.depth,
                "Floquet band": r.prediction_label,
                "band ωV (rad/µs)": r.prediction,
                "resolved": r.resolved,
            }
            for r in self.resonances
        ]
        columns = ["amplitude f", "centre (rad/µs)", "width (rad/µs)", "depth", "Floquet band", "band ωV (rad/µs)"]
        return pandas.DataFrame(rows, columns=[*columns, "resolved"])

    def table(self) -> str:
        """The resonances as aligned text, each with its Floquet band and that band's predicted centre."""
        lines = [
            f"{'f':>5} {'centre':>9} {'width':>8} {'depth':>6}  {'Floquet band':<20} {'ωV':>8} {'Δ':>8}",
        ]
        for r in self.resonances:
            edge = "" if r.resolved else "  (at the edge of the scan)"
            lines.append(
                f"{r.amplitude:>5g} {r.centre:>9.4f} {r.width:>8.4f} {r.depth:>6.2f}  {r.prediction_label:<20} "
                f"{r.prediction:>8.4f} {r.centre - r.prediction:>+8.4f}{edge}"
            )
        lines.append(
            f"(rad/µs; edges where the fraction kept crosses {self.threshold:g}, each to ± {self.tolerance / 2:g})"
        )
        return "\n".join(lines)

    def __str__(self) -> str:
        return self.table()

    def plot(self, ax: Axes | None = None, frequency_unit: str = "rad/µs") -> Axes:
        """The coarse sweep with the resonances and the predicted loss bands marked.

        See :func:`trapode.plotting.plot_fraction_trapped`; ``frequency_unit`` is
        ``"rad/µs"``, ``"Hz"``, ``"kHz"`` or ``"MHz"`` (ν = ω/2π).
        """
        from .plotting import plot_fraction_trapped

        return plot_fraction_trapped(
            self.coarse, ax=ax, resonances=self.resonances, chart=self.chart, frequency_unit=frequency_unit
        )


def _dips(omegas: np.ndarray, fractions: np.ndarray, threshold: float) -> list[tuple[int, int]]:
    """Index ranges [start, stop) of the runs of consecutive samples below ``threshold``."""
    below = fractions < threshold
    dips: list[tuple[int, int]]
    start: int | None
    dips, start = [], None
    for index, is_below in enumerate(below):
        if is_below and start is None:
            start = index
        elif not is_below and start is not None:
            dips.append((start, index))
            start = None
    if start is not None:
        dips.append((start, len(below)))
    return dips


def find_resonances(
    trap: PenningTrap,
    ions: Particle | Iterable[Particle],
    amplitudes: ArrayLike,
    omegas: ArrayLike,
    threshold: float = 0.5,
    refine: bool = True,
    tolerance: float = 0.005,
    t_end: float = 500.0,
    n_steps: int = 5000,
    interactions: bool = False,
    checkpoint: str | os.PathLike[str] | None = None,
    executor: Executor | Client | None = None,
    progress: bool = True,
    max_rounds: int = 12,
    timeout: float = 60.0,
) -> ResonanceScan:
    """Find the dips of the fraction of ions kept, refine their edges and name them.

    Parameters
    ----------
    trap, ions, amplitudes, omegas, t_end, n_steps, interactions, checkpoint, executor, progress, timeout :
        As for :func:`trapode.sweep`; ``omegas`` is the initial grid.
    threshold : float
        A dip is a run of frequencies where the fraction kept is below this.
    refine : bool
        Bisect each edge of each dip until it is known to ``tolerance``.
    tolerance : float
        Target uncertainty of the edges (full bracket width), rad/µs.
    max_rounds : int
        Most bisection rounds (each one sweep of all edges at once).

    Returns
    -------
    ResonanceScan

    Examples
    --------
    >>> import trapode
    >>> trap = trapode.PenningTrap()
    >>> ions = trapode.random_particles(20, trap, seed=1)
    >>> scan = trapode.find_resonances(trap, ions, [0.1], [1.3, 1.35, 1.4, 1.45], t_end=200.0, n_steps=2000,
    ...                                tolerance=0.01, progress=False)
    >>> [r.prediction_label for r in scan.resonances]
    ['axial n=1']
    """
    ions, t_end, n_steps = _check_settings(trap, ions, t_end, n_steps)
    threshold = real("threshold", threshold, "a fraction in (0, 1]", minimum=0.0, strict=True, maximum=1.0)
    tolerance = real("tolerance", tolerance, "a positive width in rad/µs", minimum=0.0, strict=True)
    refine = flag("refine", refine)
    max_rounds = count("max_rounds", max_rounds, minimum=0)
    omega_grid = np.unique(_check_grid("omegas", omegas, positive=True))
    options: dict[str, Any] = dict(
        t_end=t_end,
        n_steps=n_steps,
        interactions=interactions,
        checkpoint=checkpoint,
        executor=executor,
        progress=progress,
        timeout=timeout,
    )
    coarse = sweep(trap, ions, amplitudes, omega_grid, **options)
    samples = {
        float(a): dict(zip(coarse.omegas.tolist(), coarse.fraction_trapped[k].tolist(), strict=True))
        for k, a in enumerate(coarse.amplitudes)
    }

    for _ in range(max_rounds if refine else 0):
        wanted: dict[float, set[float]] = {}
        for amplitude, points in samples.items():
            omegas_sorted = np.array(sorted(points))
            fractions = np.array([points[w] for w in omegas_sorted])
            for start, stop in _dips(omegas_sorted, fractions, threshold):
                for outside, inside in ((start - 1, start), (stop, stop - 1)):
                    if 0 <= outside < len(omegas_sorted):
                        gap = abs(omegas_sorted[inside] - omegas_sorted[outside])
                        if gap > tolerance:
                            wanted.setdefault(amplitude, set()).add(
                                0.5 * (omegas_sorted[inside] + omegas_sorted[outside])
                            )
        if not wanted:
            break
        for amplitude, new_omegas in wanted.items():
            refined = sweep(trap, ions, [amplitude], sorted(new_omegas), **options)
            samples[amplitude].update(zip(refined.omegas.tolist(), refined.fraction_trapped[0].tolist(), strict=True))

    namer = _BandNamer(trap, ions[0], samples, tolerance)
    resonances = []
    ordered: dict[float, tuple[np.ndarray, np.ndarray]] = {}
    for amplitude, points in samples.items():
        omegas_sorted = np.array(sorted(points))
        fractions = np.array([points[w] for w in omegas_sorted])
        ordered[amplitude] = (omegas_sorted, fractions)
        for start, stop in _dips(omegas_sorted, fractions, threshold):
            resolved = start > 0 and stop < len(omegas_sorted)
            left = omegas_sorted[start] if start == 0 else 0.5 * (omegas_sorted[start - 1] + omegas_sorted[start])
            right = (
                omegas_sorted[stop - 1]
                if stop == len(omegas_sorted)
                else 0.5 * (omegas_sorted[stop - 1] + omegas_sorted[stop])
            )
            label, value = namer.name(amplitude, float(left), float(right))
            resonances.append(
                Resonance(
                    amplitude,
                    float(left),
                    float(right),
                    float(fractions[start:stop].min()),
                    label,
                    float(value),
                    resolved,
                )
            )
    return ResonanceScan(tuple(resonances), coarse, ordered, float(threshold), float(tolerance), namer.chart)


class _BandNamer:
    """Names a dip by the Floquet band it falls in, from one stability chart of every amplitude swept."""

    def __init__(self, trap: PenningTrap, particle: Particle, samples: dict, tolerance: float) -> None:
        from .floquet import stability_chart

        low = min(min(points) for points in samples.values())
        high = max(max(points) for points in samples.values())
        # Finer than the edges are known, and at least a few thousand points: narrow tongues are not missed.
        count = int(min(20000, max(2000, 4 * (high - low) / tolerance)))
        self.amplitudes = sorted(samples)
        self.chart = stability_chart(trap, particle, self.amplitudes, np.linspace(low, high, count))
        self.bands = {a: self.chart.bands(index) for index, a in enumerate(self.chart.amplitudes.tolist())}
        self.fallback = predicted_resonances(trap, particle)

    def name(self, amplitude: float, left: float, right: float) -> tuple[str, float]:
        """(label, predicted centre) of the fastest-growing band overlapping [left, right], else the nearest one."""
        bands = self.bands.get(float(amplitude), ())
        overlapping = [band for band in bands if band.left <= right and band.right >= left]
        if overlapping:
            band = max(overlapping, key=lambda band: band.peak_growth)
            return band.label, band.prediction
        centre = 0.5 * (left + right)
        if bands:
            band = min(bands, key=lambda band: min(abs(band.left - centre), abs(band.right - centre)))
            return band.label, band.prediction
        return min(self.fallback, key=lambda item: abs(item[1] - centre))
