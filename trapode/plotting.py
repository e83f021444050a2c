"""Figures, each drawn on a matplotlib Axes that the caller may pass in.

Every function takes ``ax=None`` (a new figure is made) and returns the Axes.
Axes are labelled "quantity (unit)"; trajectories mark their start (○) and
end (□); where the closed form exists (one particle, or particles that do
not interact, in a static trap) it is drawn with the numerical curve.
Matplotlib is imported on first use.

Every figure kind shares one style (:func:`_finish`): the same font sizes,
line widths and grid, and the legend beside the axes, to the right of the
frame, where it covers no data. A figure made here uses matplotlib's
constrained layout, which makes room for it; on an Axes of your own, make
its figure with ``layout="constrained"`` or save it with
``bbox_inches="tight"`` so that the legend is not cut off.

Functions whose axis is a frequency take ``frequency_unit``: ``"rad/µs"``
(angular frequency ω, trapode's unit) or ``"Hz"``, ``"kHz"``, ``"MHz"``
(frequency ν = ω/2π, as measured and quoted; 1 rad/µs = 10⁶/2π Hz ≈
159.15 kHz).

=============================  ============================================
function                       report figures
=============================  ============================================
:func:`plot_axial_motion`      2, 3: z(t), numerical and closed form
:func:`plot_xy`                4, 5: paths in the xy plane
:func:`plot_phase`             6–9: phase space (x, v_x) or (z, v_z)
:func:`plot_3d`                10, 11: paths in space
:func:`plot_relative_error`    12, 13: relative error against time
:func:`plot_error`             the relative error of one result
:func:`plot_fraction_trapped`  14–16: ions kept against ωV (or νV)
:func:`plot_scan`              any scan's observable, with its theory
=============================  ============================================
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any, Literal, cast, overload

import numpy as np

from ._validate import choice, flag, instance, sequence_of
from .units import angular_frequency_to_hz

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure, SubFigure
    from matplotlib.text import Annotation
    from matplotlib.typing import ColorType
    from mpl_toolkits.mplot3d.axes3d import Axes3D

    from .analysis import ConvergenceStudy
    from .clouds import CloudDiagnostics
    from .floquet import StabilityChart
    from .resonances import Resonance
    from .result import SimulationResult
    from .scans import ScanResult
    from .sweep import SweepResult

__all__ = [
    "FREQUENCY_UNITS",
    "plot_3d",
    "plot_axial_motion",
    "plot_cloud_diagnostics",
    "plot_error",
    "plot_fraction_trapped",
    "plot_phase",
    "plot_relative_error",
    "plot_scan",
    "plot_xy",
]

_COMPONENTS = "xyz"

# --- the style every figure kind shares ---------------------------------------------------------------

#: Font sizes: titles, axis labels, tick labels, legends and the names written on a figure.
_TITLE_SIZE = "medium"
_LABEL_SIZE = "medium"
_TICK_SIZE = "small"
_LEGEND_SIZE = "small"
_NOTE_SIZE = "x-small"
#: Line widths in points: measured curves, dense paths (trajectories), reference curves (closed form, theory).
_LINE = 1.0
_PATH = 0.8
_REFERENCE = 0.7
#: A new figure's size in inches (width for the legend beside the axes); 3-D axes get more height.
_FIGSIZE = (8.0, 4.2)
_FIGSIZE_3D = (8.0, 5.2)

#: The units a frequency axis may use, and the factor from rad/µs to each: ν = ω/2π.
FREQUENCY_UNITS = ("rad/µs", "Hz", "kHz", "MHz")
_HZ_PER_RAD_PER_US = angular_frequency_to_hz(1.0)
_FROM_RAD_PER_US = {
    "rad/µs": 1.0,
    "Hz": _HZ_PER_RAD_PER_US,
    "kHz": _HZ_PER_RAD_PER_US / 1e3,
    "MHz": _HZ_PER_RAD_PER_US / 1e6,
}


def _label(quantity: str, unit: str = "") -> str:
    """An axis label in the form "quantity (unit)"; a dimensionless quantity has no parentheses."""
    return f"{quantity} ({unit})" if unit else quantity


def _frequency_unit(frequency_unit: Any) -> tuple[str, float]:
    """``frequency_unit`` checked, with the factor that turns rad/µs into it (ν = ω/2π for Hz, kHz, MHz).

    Raises
    ------
    ConfigError
        If ``frequency_unit`` is not one of :data:`FREQUENCY_UNITS`; the
        message names the argument, the value and the units allowed.
    """
    unit = choice("frequency_unit", frequency_unit, FREQUENCY_UNITS)
    return unit, _FROM_RAD_PER_US[unit]


def _frequency_label(unit: str, angular: str, linear: str) -> str:
    """The label of a frequency axis: ``angular`` (an ω) in rad/µs, else ``linear`` (its ν = ω/2π) in ``unit``."""
    return _label(angular, "rad/µs") if unit == "rad/µs" else _label(linear, unit)


def _finish(
    ax: Any,
    xlabel: str,
    ylabel: str,
    title: str | None = None,
    *,
    zlabel: str | None = None,
    legend: Literal["right", "above"] | None = "right",
    legend_title: str | None = None,
    grid: bool = True,
) -> None:
    """The style every figure kind shares: labels, title, tick labels, grid and a legend off the data.

    ``legend="right"`` puts the legend beside the axes, its top at the top
    of the frame; ``"above"`` puts it in one row above the frame (for panels
    without a title); None draws none. Either way it lies outside the axes,
    so it never covers a curve.
    """
    ax.set_xlabel(xlabel, fontsize=_LABEL_SIZE)
    ax.set_ylabel(ylabel, fontsize=_LABEL_SIZE)
    if zlabel is not None:
        ax.set_zlabel(zlabel, fontsize=_LABEL_SIZE)
    ax.tick_params(which="both", labelsize=_TICK_SIZE)
    if title is not None:
        ax.set_title(title, fontsize=_TITLE_SIZE)
    if grid:
        ax.grid(True, which="major", alpha=0.3, lw=0.6)
    handles, _ = ax.get_legend_handles_labels()
    if legend is None or not handles:
        return
    style: dict[str, Any] = {"fontsize": _LEGEND_SIZE, "title": legend_title, "title_fontsize": _LEGEND_SIZE}
    if legend == "right":
        ax.legend(loc="upper left", bbox_to_anchor=(1.02, 1.0), borderaxespad=0.0, **style)
    else:
        ax.legend(loc="lower left", bbox_to_anchor=(0.0, 1.02), borderaxespad=0.0, ncols=len(handles), **style)


def _settle_layout(figure: Figure | SubFigure) -> None:
    """Run the figure's layout engine now, so that the axes are where they will be drawn (for placing text)."""
    root = cast("Figure", figure.figure)  # a subfigure's figure is the whole figure, a figure's itself
    engine = root.get_layout_engine()
    if engine is not None:
        engine.execute(root)


def _note(ax: Axes, name: str, x: float, color: str, offset: tuple[float, float], leader: bool = False) -> Annotation:
    """A name written upright above the axes frame at data x, ``offset`` points away; a thin leader if asked."""
    arrow = {"arrowstyle": "-", "lw": 0.5, "color": color, "shrinkA": 0, "shrinkB": 0} if leader else None
    return ax.annotate(
        name,
        (x, 1.0),
        xycoords=("data", "axes fraction"),
        xytext=offset,
        textcoords="offset points",
        rotation=90,
        ha="center",
        va="bottom",
        fontsize=_NOTE_SIZE,
        color=color,
        annotation_clip=False,
        arrowprops=arrow,
    )


def _names_above(ax: Axes, names: dict[str, float], color: str = "0.3") -> list[Annotation]:
    """Write each name above the axes frame at its x (data), never over the data, and move the title above them.

    The names are upright, read from below, 2 points apart at least. Names
    that would overlap are spread sideways as a group centred where they
    belong, raised a little, each joined to its x by a thin leader.
    Names whose x is outside the axes' x range are not written.
    """
    _settle_layout(ax.figure)
    low, high = sorted(ax.get_xlim())
    shown = sorted((x, name) for name, x in names.items() if low <= x <= high)
    texts = [_note(ax, name, x, color, (0.0, 4.0)) for x, name in shown]
    if not texts:
        return texts
    points_per_pixel = 72 / ax.figure.dpi
    boxes = [text.get_window_extent() for text in texts]
    wanted = [0.5 * (box.x0 + box.x1) for box in boxes]  # display x of each name's own frequency
    widths = [box.width + 2 / points_per_pixel for box in boxes]

    def extent(first: int, last: int) -> tuple[float, float]:
        """Left and right (display) of names first..last side by side, centred on the mean of where they belong."""
        total = sum(widths[first : last + 1])
        centre = float(np.mean(wanted[first : last + 1]))
        return centre - total / 2, centre + total / 2

    groups = [(index, index) for index in range(len(texts))]
    merged = True
    while merged:  # join neighbouring groups that overlap until none does
        merged = False
        for k in range(len(groups) - 1):
            if extent(*groups[k])[1] > extent(*groups[k + 1])[0]:
                groups[k : k + 2] = [(groups[k][0], groups[k + 1][1])]
                merged = True
                break
    for first, last in groups:
        if first == last:
            continue
        left = extent(first, last)[0]
        for index in range(first, last + 1):
            shift = (left + widths[index] / 2 - wanted[index]) * points_per_pixel
            left += widths[index]
            texts[index].remove()
            texts[index] = _note(ax, shown[index][1], shown[index][0], color, (shift, 12.0), leader=True)
    top = max(text.get_window_extent().y1 for text in texts) - ax.get_window_extent().y1
    ax.set_title(ax.get_title(), fontsize=_TITLE_SIZE, pad=top * points_per_pixel + 6)
    return texts


@overload
def _axes(ax: Axes | None, projection: None = None, size: tuple[float, float] = _FIGSIZE) -> Axes: ...
@overload
def _axes(ax: Axes3D | None, projection: Literal["3d"], size: tuple[float, float] = _FIGSIZE_3D) -> Axes3D: ...
def _axes(ax: Axes | None, projection: str | None = None, size: tuple[float, float] | None = None) -> Axes:
    """``ax`` checked, or the Axes of a new figure of ``size`` inches with constrained layout."""
    from matplotlib.axes import Axes

    if ax is not None:
        instance("ax", ax, Axes, "a matplotlib Axes or None")
    if ax is None:
        import matplotlib.pyplot as plt

        figure = plt.figure(figsize=size or (_FIGSIZE_3D if projection else _FIGSIZE), layout="constrained")
        ax = figure.add_subplot(projection=projection)
    return ax


@overload
def _closed_form(result: SimulationResult, particle: int, velocity: Literal[False] = False) -> np.ndarray | None: ...
@overload
def _closed_form(
    result: SimulationResult, particle: int, velocity: Literal[True]
) -> tuple[np.ndarray, np.ndarray] | None: ...
def _closed_form(
    result: SimulationResult, particle: int, velocity: bool = False
) -> np.ndarray | tuple[np.ndarray, np.ndarray] | None:
    """The closed-form trajectory of one particle of ``result``, or None where there is none."""
    from .analytic import analytic_solution

    config = result.config
    if config.trap.drive is not None or (config.interactions and config.n_particles > 1):
        return None
    try:
        return analytic_solution(config.trap, config.particles[particle], result.t, velocity=velocity)
    except ValueError:  # a degenerate trap has no closed form
        return None


def _describe(result: SimulationResult) -> str:
    config = result.config
    coulomb = ", with Coulomb interaction" if config.interactions and config.n_particles > 1 else ""
    return f"{config.method.upper() if config.method != 'euler' else 'forward Euler'}, n = {config.n_steps}{coulomb}"


def _mark_ends(ax: Axes, *coordinates: np.ndarray, color: ColorType) -> None:
    start = [c[0] for c in coordinates]
    end = [c[-1] for c in coordinates]
    ax.plot(*[[value] for value in start], marker="o", ms=6, mfc="none", color=color, ls="none")
    ax.plot(*[[value] for value in end], marker="s", ms=5, color=color, ls="none")


def _draw_closed_form(ax: Axes, x: np.ndarray, y: np.ndarray, first: bool) -> None:
    """A closed-form path, dotted black over the numerical one; labelled once."""
    ax.plot(x, y, color="black", lw=_REFERENCE, ls=(0, (2, 3)), alpha=0.7, label="closed form" if first else None)


def plot_axial_motion(
    results: SimulationResult | Iterable[SimulationResult], ax: Axes | None = None, particle: int = 0
) -> Axes:
    """z(t) of one particle, for one or several runs, with the closed form (report figs. 2, 3).

    The legend is beside the axes, off the curves.

    Parameters
    ----------
    results : SimulationResult or sequence of SimulationResult
        Runs of the same configuration, e.g. forward Euler and RK4; t in µs,
        z in µm.
    ax : matplotlib.axes.Axes, optional
        Where to draw; a new figure if None.
    particle : int
        Index of the particle whose z is drawn.

    Returns
    -------
    matplotlib.axes.Axes
    """
    ax = _axes(ax)
    # hasattr does not narrow the union for mypy: a single result is one with a config.
    results = [cast("SimulationResult", results)] if hasattr(results, "config") else list(results)
    finest = max(results, key=lambda result: result.t.size)
    exact = _closed_form(finest, particle)
    if exact is not None:
        ax.plot(finest.t, exact[:, 2], color="black", lw=2.5 * _LINE, alpha=0.35, label="closed form")
    for result in results:
        ax.plot(result.t, result.r[:, particle, 2], lw=_LINE, label=_describe(result))
    _finish(ax, _label("t", "µs"), _label("z", "µm"), f"Axial motion of particle {particle + 1}")
    return ax


def plot_xy(result: SimulationResult, ax: Axes | None = None) -> Axes:
    """Paths of all particles in the xy plane, equal aspect (report figs. 4, 5).

    Parameters
    ----------
    result : SimulationResult
        Positions in µm.
    ax : matplotlib.axes.Axes, optional
        Where to draw; a new figure if None.

    Returns
    -------
    matplotlib.axes.Axes
    """
    ax = _axes(ax)
    for particle in range(result.r.shape[1]):
        exact = _closed_form(result, particle)
        (line,) = ax.plot(
            result.r[:, particle, 0], result.r[:, particle, 1], lw=_PATH, label=f"particle {particle + 1}"
        )
        if exact is not None:
            _draw_closed_form(ax, exact[:, 0], exact[:, 1], particle == 0)
        _mark_ends(ax, result.r[:, particle, 0], result.r[:, particle, 1], color=line.get_color())
    ax.set_aspect("equal", adjustable="datalim")
    _finish(
        ax,
        _label("x", "µm"),
        _label("y", "µm"),
        f"Paths in the xy plane ({_describe(result)})",
        legend_title="○ start, □ end",
    )
    return ax


def plot_phase(result: SimulationResult, component: str = "x", ax: Axes | None = None) -> Axes:
    """Phase-space trajectories (q, v_q) of all particles (report figs. 6–9).

    Parameters
    ----------
    result : SimulationResult
        Positions in µm, velocities in µm/µs.
    component : {"x", "y", "z"}
    ax : matplotlib.axes.Axes, optional
        Where to draw; a new figure if None.

    Returns
    -------
    matplotlib.axes.Axes
    """
    if component not in _COMPONENTS:
        raise ValueError(f"component must be one of 'x', 'y', 'z', got {component!r}.")
    k = _COMPONENTS.index(component)
    ax = _axes(ax)
    for particle in range(result.r.shape[1]):
        (line,) = ax.plot(
            result.r[:, particle, k], result.v[:, particle, k], lw=_PATH, label=f"particle {particle + 1}"
        )
        exact = _closed_form(result, particle, velocity=True)
        if exact is not None:
            _draw_closed_form(ax, exact[0][:, k], exact[1][:, k], particle == 0)
        _mark_ends(ax, result.r[:, particle, k], result.v[:, particle, k], color=line.get_color())
    _finish(
        ax,
        _label(component, "µm"),
        _label(f"$v_{component}$", "µm/µs"),
        f"Phase space ({component}, $v_{component}$) ({_describe(result)})",
        legend_title="○ start, □ end",
    )
    return ax


def plot_3d(result: SimulationResult, ax: Axes3D | None = None) -> Axes3D:
    """Paths of all particles in space (report figs. 10, 11); ``ax`` must be a 3-D Axes if given.

    Parameters
    ----------
    result : SimulationResult
        Positions in µm.
    ax : mpl_toolkits.mplot3d.axes3d.Axes3D, optional
        Where to draw; a new figure if None.

    Returns
    -------
    mpl_toolkits.mplot3d.axes3d.Axes3D
    """
    ax = _axes(ax, projection="3d")
    for particle in range(result.r.shape[1]):
        x, y, z = result.r[:, particle].T
        (line,) = ax.plot(x, y, z, lw=_PATH, label=f"particle {particle + 1}")
        _mark_ends(ax, x, y, z, color=line.get_color())
    _finish(
        ax,
        _label("x", "µm"),
        _label("y", "µm"),
        f"Paths in space ({_describe(result)})",
        zlabel=_label("z", "µm"),
        legend_title="○ start, □ end",
    )
    return ax


def plot_error(result: SimulationResult, ax: Axes | None = None) -> Axes:
    """Relative error of each particle against the closed form, against time.

    Only for runs that have a closed form (one particle, or no interaction, in
    a static trap). The legend is beside the axes, off the curves.

    Parameters
    ----------
    result : SimulationResult
        t in µs; the error is dimensionless.
    ax : matplotlib.axes.Axes, optional
        Where to draw; a new figure if None.

    Returns
    -------
    matplotlib.axes.Axes

    Raises
    ------
    ConfigError
        If ``result`` has no closed form.
    """
    from .analysis import relative_error
    from .errors import ConfigError

    if _closed_form(result, 0) is None:
        raise ConfigError(
            "the error plot needs a closed form: a static trap (no drive) and one particle or interactions=False."
        )
    ax = _axes(ax)
    for particle in range(result.r.shape[1]):
        # Not None, as for particle 0 above (a particle with a degenerate closed form fails in relative_error).
        error = relative_error(result.r[:, particle], cast(np.ndarray, _closed_form(result, particle)))
        ax.plot(result.t[1:], error[1:], lw=_LINE, label=f"particle {particle + 1}")
    ax.set_yscale("log")
    _finish(
        ax,
        _label("t", "µs"),
        r"relative error $|\mathbf{r} - \mathbf{r}_\mathrm{exact}| \,/\, |\mathbf{r}_\mathrm{exact}|$",
        f"Error against the closed form ({_describe(result)})",
    )
    return ax


def plot_relative_error(study: ConvergenceStudy, method: str, particle: int = 0, ax: Axes | None = None) -> Axes:
    """Relative error against time for every step count of a study (report figs. 12, 13).

    Parameters
    ----------
    study : ConvergenceStudy
    method : str
        One of ``study.methods``.
    particle : int
        Which particle's error to draw.
    ax : matplotlib.axes.Axes, optional
        Where to draw; a new figure if None.

    Returns
    -------
    matplotlib.axes.Axes
    """
    ax = _axes(ax)
    for n in study.n_steps:
        error = study.relative_errors[method, n][:, particle]
        # The error is exactly zero at t = 0, which a log axis cannot show.
        ax.plot(study.times[n][1:], error[1:], label=f"n = {n}, h = {study.config.t_end / n:.3g} µs", lw=_LINE)
    ax.set_yscale("log")
    name = {"euler": "Forward Euler", "rk4": "RK4", "dop853": "DOP853"}.get(method, method)
    reference = "closed-form" if study.reference == "analytic" else study.reference.upper()
    _finish(
        ax,
        _label("t", "µs"),
        r"relative error $|\mathbf{r}_i - \mathbf{r}_\mathrm{ref}(t_i)| \,/\, |\mathbf{r}_\mathrm{ref}(t_i)|$",
        f"{name}: relative error against the {reference} solution",
        legend_title=f"rate {study.rates[method]:.3f}",
    )
    return ax


def plot_fraction_trapped(
    results: SweepResult | Iterable[SweepResult],
    ax: Axes | None = None,
    resonances: Iterable[Resonance] | None = None,
    band: bool = True,
    chart: StabilityChart | None = None,
    frequency_unit: str = "rad/µs",
) -> Axes:
    """Fraction of ions left in the trap against the drive frequency (report figs. 14–16).

    The legend is beside the axes; the names of the predicted resonances are
    written above the frame, at their frequencies, so that neither covers
    the data.

    Parameters
    ----------
    results : SweepResult or sequence of SweepResult
        One sweep, or several over the same grid (for instance with ions from
        different seeds): their mean is drawn with a band of ± one standard
        error of the mean.
    ax : matplotlib.axes.Axes, optional
        Where to draw; a new figure if None.
    resonances : sequence of Resonance, optional
        Each found dip is marked by a triangle at its centre, in its
        amplitude's colour, in the headroom above the curves; the predicted
        frequencies they are nearest to are drawn as dotted lines, their
        names above the frame (see :func:`trapode.find_resonances`).
    band : bool
        Draw the error band when several sweeps are given.
    chart : StabilityChart, optional
        Draw the loss bands it predicts (:meth:`StabilityChart.loss_bands`)
        for the sweep's ``t_end`` and its ions' median initial distance from
        the centre, as a strip in each amplitude's colour along the bottom.
    frequency_unit : {"rad/µs", "Hz", "kHz", "MHz"}
        Unit of the frequency axis: ``"rad/µs"`` draws the angular frequency
        ωV as swept; ``"Hz"``, ``"kHz"`` or ``"MHz"`` draw the frequency
        νV = ωV/2π (1 rad/µs = 10⁶/2π Hz ≈ 159.15 kHz). The resonance marks
        and loss bands are converted with the curves.

    Returns
    -------
    matplotlib.axes.Axes

    Raises
    ------
    ConfigError
        If an argument is not of the kind described, or ``frequency_unit`` is
        not one of the four units.
    """
    from .floquet import StabilityChart
    from .resonances import Resonance
    from .sweep import SweepResult

    results = sequence_of("results", results, SweepResult, "trapode.SweepResult", allow_empty=False)
    if chart is not None:
        instance("chart", chart, StabilityChart, "a trapode.StabilityChart or None")
    if resonances is not None:
        resonances = sequence_of("resonances", resonances, Resonance, "trapode.Resonance")
    band = flag("band", band)
    unit, scale = _frequency_unit(frequency_unit)
    ax = _axes(ax, size=(_FIGSIZE[0], _FIGSIZE[1] + 0.8) if resonances else _FIGSIZE)  # names above the frame
    first = results[0]
    x = first.omegas * scale
    fractions = np.array([result.fraction_trapped for result in results])
    mean = fractions.mean(axis=0)
    colours = {}
    for index, amplitude in enumerate(first.amplitudes):
        (line,) = ax.plot(x, mean[index], marker=".", ms=3, lw=_LINE, label=f"f = {amplitude:g}")
        colours[float(amplitude)] = line.get_color()
        if band and len(results) > 1:
            error = fractions[:, index].std(axis=0, ddof=1) / np.sqrt(len(results))
            ax.fill_between(x, mean[index] - error, mean[index] + error, color=line.get_color(), alpha=0.25, lw=0)
    if chart is not None:
        _draw_loss_bands(ax, chart, first, colours, scale)
    predictions = {}
    for resonance in resonances or ():
        predictions[resonance.prediction_label] = resonance.prediction * scale
        # A triangle marks each dip found, in its amplitude's colour, in the headroom above the curves (y ≤ 1).
        ax.plot(
            [resonance.centre * scale],
            [_MARK_HEIGHT],
            marker="v",
            ls="none",
            ms=6,
            transform=ax.get_xaxis_transform(),
            color=colours.get(float(resonance.amplitude), "0.3"),
        )
    for omega in predictions.values():
        ax.axvline(omega, color="0.5", lw=_REFERENCE, ls=":")
    seeds = f", mean of {len(results)} ion sets" if len(results) > 1 else ""
    coulomb = "with" if first.interactions else "without"
    ax.set_ylim(-0.06 if chart is not None else -0.02, _FRACTION_TOP if predictions else 1.02)
    _finish(
        ax,
        _frequency_label(unit, r"drive angular frequency $\omega_V$", r"drive frequency $\nu_V = \omega_V/2\pi$"),
        f"fraction of ions trapped after {first.t_end:g} µs",
        f"{len(first.ions)} ions, {coulomb} Coulomb interaction, {first.n_steps} RK4 steps{seeds}",
    )
    _names_above(ax, predictions)
    return ax


#: With resonances marked, the fraction axis runs to 1.1, and the triangles sit at 0.97 of its height
#: (y ≈ 1.07): above every curve (a fraction is at most 1), below the frame.
_FRACTION_TOP = 1.1
_MARK_HEIGHT = 0.97


def _draw_loss_bands(ax: Axes, chart: StabilityChart, sweep: SweepResult, colours: dict, scale: float = 1.0) -> None:
    """Strips along the bottom where the Floquet chart predicts losses, one row per amplitude (x times ``scale``)."""
    start = float(np.median([np.linalg.norm(ion.r) for ion in sweep.ions]))
    start = min(max(start, 1e-9 * chart.trap.d), 0.5 * chart.trap.d)
    drawn = False
    for row, amplitude in enumerate(sweep.amplitudes):
        matches = np.flatnonzero(np.isclose(chart.amplitudes, amplitude, rtol=0, atol=1e-12))
        if not matches.size:
            continue
        for loss in chart.loss_bands(sweep.t_end, start, amplitude_index=int(matches[0])):
            bottom = 0.005 + 0.012 * row
            ax.axvspan(
                loss.left * scale,
                loss.right * scale,
                ymin=bottom,
                ymax=bottom + 0.01,
                color=colours.get(float(amplitude), "0.3"),
                alpha=0.8,
                lw=0,
                label=None if drawn else f"Floquet loss bands (A0 = {start:.0f} µm)",
            )
            drawn = True


# The unit of each kind of scanned parameter, by the last part of its path.
_UNITS = {
    "omega": "rad/µs",
    "phase": "rad",
    "start": "µs",
    "duration": "µs",
    "damping": "1/µs",
    "B0": "T",
    "V0": "V",
    "d": "µm",
    "B2": "T/m²",
    "tilt": "rad",
    "tilt_azimuth": "rad",
}
_OBSERVED = {
    "fraction_trapped": "fraction of particles trapped",
    "radial_energy": "radial energy (eV)",
}


def _is_angular_frequency(path: str) -> bool:
    """Whether a scanned path is an angular frequency (in rad/µs)."""
    return _UNITS.get(path.rsplit(".", 1)[-1]) == "rad/µs"


def _path_label(result: ScanResult, path: str, frequency_unit: str = "rad/µs") -> str:
    """A scanned path with its unit: ``excitations[0].omega (rad/µs)``, or ``excitations[0].omega: ν = ω/2π (kHz)``."""
    name = path.rsplit(".", 1)[-1]
    if _is_angular_frequency(path) and frequency_unit != "rad/µs":
        return _label(f"{path}: ν = ω/2π", frequency_unit)
    unit = _UNITS.get(name, "")
    if name == "amplitude" and path.startswith("excitations["):
        excitation = result.config.trap.excitations[int(path[len("excitations[") : path.index("]")])]
        unit = excitation.amplitude_unit if excitation.kind != "voltage" else ""
    return _label(path, unit)


def plot_scan(result: ScanResult, ax: Axes | None = None, theory: bool = True, frequency_unit: str = "rad/µs") -> Axes:
    """A scan's observable against its first parameter, one curve per value of a second one.

    The legend is beside the axes, off the curves.

    Parameters
    ----------
    result : ScanResult
        A scan over one or two parameters.
    ax : matplotlib.axes.Axes, optional
        Where to draw; a new figure if None.
    theory : bool
        Draw the prediction (:meth:`ScanResult.theory`) as a dashed line where one exists.
    frequency_unit : {"rad/µs", "Hz", "kHz", "MHz"}
        Unit of a scanned angular frequency (a path ending in ``omega``, in
        rad/µs), on the x axis or in the legend: ``"rad/µs"`` as scanned;
        ``"Hz"``, ``"kHz"`` or ``"MHz"`` as the frequency ν = ω/2π
        (1 rad/µs = 10⁶/2π Hz ≈ 159.15 kHz). Parameters that are not
        frequencies are drawn as they are.

    Returns
    -------
    matplotlib.axes.Axes

    Raises
    ------
    ConfigError
        If the scan has more than two parameters, or ``frequency_unit`` is not
        one of the four units.
    """
    from .errors import ConfigError
    from .scans import ScanResult

    instance("result", result, ScanResult, "a trapode.ScanResult")
    theory = flag("theory", theory)
    unit, scale = _frequency_unit(frequency_unit)
    if len(result.paths) > 2:
        raise ConfigError(f"plot_scan draws scans over one or two parameters; this one has {list(result.paths)}.")
    ax = _axes(ax)
    values = np.asarray(result.values, dtype=float)
    predicted = result.theory() if theory else None
    x = np.asarray(result.grids[0], dtype=float) * (scale if _is_angular_frequency(result.paths[0]) else 1.0)
    radii = result.observe == "radii"
    # Curves: one per value of the second path (if any), and one per radius (ρ₊, ρ₋, ρz) for radii.
    second = result.grids[1] if len(result.paths) == 2 else [None]
    if len(result.paths) == 2 and _is_angular_frequency(result.paths[1]) and unit != "rad/µs":
        legend_name, legend_scale, legend_unit = f"{result.paths[1]}: ν", scale, f" {unit}"
    else:
        legend_name, legend_scale, legend_unit = (result.paths[-1], 1.0, "")
    names = [r"$\rho_+$", r"$\rho_-$", r"$\rho_z$"] if radii else [""]
    for j, value in enumerate(second):
        for k, name in enumerate(names):
            index: tuple = (slice(None),) + ((j,) if value is not None else ()) + ((k,) if radii else ())
            where = f"{legend_name} = {value * legend_scale:g}{legend_unit}" if value is not None else ""
            label = ", ".join(part for part in (name, where) if part) or "simulated"
            (line,) = ax.plot(x, values[index], marker=".", ms=4, lw=_LINE, label=label)
            if predicted is not None:
                single = len(second) * len(names) == 1
                color = "k" if single else line.get_color()
                ax.plot(x, predicted[index], ls="--", lw=1.2 * _LINE, color=color, zorder=3)
    if predicted is not None:
        ax.plot([], [], ls="--", color="k", label="theory (conversion profile)")
    observed = result.observe if isinstance(result.observe, str) else getattr(result.observe, "__name__", "value")
    config = result.config
    _finish(
        ax,
        _path_label(result, result.paths[0], unit),
        _label("final mode radius", "µm") if radii else _OBSERVED.get(observed, observed),
        f"{config.n_particles} particle(s), {config.t_end:g} µs, {config.n_steps} {config.method} steps",
    )
    return ax


def plot_cloud_diagnostics(
    diagnostics: CloudDiagnostics, title: str | None = None, frequency_unit: str = "rad/µs"
) -> Figure:
    """Four panels against time: size (µm), density (m⁻³), rotation frequency and temperatures (K).

    Legends are above their panels, off the curves.

    Parameters
    ----------
    diagnostics : CloudDiagnostics
        From :func:`trapode.cloud_diagnostics`; t in µs.
    title : str, optional
        The figure's title.
    frequency_unit : {"rad/µs", "Hz", "kHz", "MHz"}
        Unit of the rotation frequency: ``"rad/µs"`` draws the angular
        frequency ω_r as measured; ``"Hz"``, ``"kHz"`` or ``"MHz"`` draw
        ν_r = ω_r/2π (1 rad/µs = 10⁶/2π Hz ≈ 159.15 kHz).

    Returns
    -------
    matplotlib.figure.Figure

    Raises
    ------
    ConfigError
        If ``diagnostics`` is not a CloudDiagnostics or ``frequency_unit`` is
        not one of the four units.
    """
    import matplotlib.pyplot as plt

    from .clouds import CloudDiagnostics as Diagnostics

    instance("diagnostics", diagnostics, Diagnostics, "a trapode.CloudDiagnostics")
    unit, scale = _frequency_unit(frequency_unit)
    figure, ((size, density), (rotation, temperature)) = plt.subplots(
        2, 2, figsize=(10, 6.5), sharex=True, layout="constrained"
    )
    t = diagnostics.t
    size.plot(t, diagnostics.radius, lw=_LINE, label="radius a")
    size.plot(t, diagnostics.axial_extent, lw=_LINE, label="axial half-length b")
    density.plot(t, diagnostics.density, lw=_LINE, color="C2")
    rotation.plot(t, np.asarray(diagnostics.rotation_frequency) * scale, lw=_LINE, color="C3")
    temperature.semilogy(t, diagnostics.temperature_axial, lw=_LINE, label="axial")
    temperature.semilogy(t, diagnostics.temperature_cyclotron, lw=_LINE, label="cyclotron")
    time = _label("t", "µs")
    _finish(size, "", _label("size", "µm"), legend="above")
    _finish(density, "", _label("density", "m⁻³"))
    rotation_label = _frequency_label(unit, "rotation frequency", "rotation frequency ν = ω/2π")
    _finish(rotation, time, rotation_label)
    _finish(temperature, time, _label("temperature", "K"), legend="above")
    figure.suptitle(title or f"Cloud of {int(diagnostics.n_particles.max(initial=0))} particles", fontsize="large")
    return figure
