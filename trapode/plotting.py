"""Figures, each drawn on a matplotlib Axes that the caller may pass in.

Every function takes ``ax=None`` (a new figure is made) and returns the Axes.
Axes are labelled with units; trajectories mark their start (○) and end (□);
where the closed form exists (one particle, or particles that do not
interact, in a static trap) it is drawn with the numerical curve.
Matplotlib is imported on first use.

=============================  ============================================
function                       report figures
=============================  ============================================
:func:`plot_axial_motion`      2, 3: z(t), numerical and closed form
:func:`plot_xy`                4, 5: paths in the xy plane
:func:`plot_phase`             6–9: phase space (x, v_x) or (z, v_z)
:func:`plot_3d`                10, 11: paths in space
:func:`plot_relative_error`    12, 13: relative error against time
:func:`plot_error`             the relative error of one result
:func:`plot_fraction_trapped`  14–16: ions kept against ωV
:func:`plot_scan`              any scan's observable, with its theory
=============================  ============================================
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Literal, cast, overload

import numpy as np

from ._validate import flag, instance, sequence_of

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure
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


@overload
def _axes(ax: Axes | None, projection: None = None) -> Axes: ...
@overload
def _axes(ax: Axes3D | None, projection: Literal["3d"]) -> Axes3D: ...
def _axes(ax: Axes | None, projection: str | None = None) -> Axes:
    from matplotlib.axes import Axes

    if ax is not None:
        instance("ax", ax, Axes, "a matplotlib Axes or None")
    if ax is None:
        import matplotlib.pyplot as plt

        figure = plt.figure(figsize=(6.4, 4.8 if projection else 4.2), layout="constrained")
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


def plot_axial_motion(
    results: SimulationResult | Iterable[SimulationResult], ax: Axes | None = None, particle: int = 0
) -> Axes:
    """z(t) of one particle, for one or several runs, with the closed form (report figs. 2, 3).

    Parameters
    ----------
    results : SimulationResult or sequence of SimulationResult
        Runs of the same configuration, e.g. forward Euler and RK4.
    ax : matplotlib.axes.Axes, optional
    particle : int

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
        ax.plot(finest.t, exact[:, 2], color="black", lw=2.5, alpha=0.35, label="closed form")
    for result in results:
        ax.plot(result.t, result.r[:, particle, 2], lw=1, label=_describe(result))
    ax.set_xlabel("t (µs)")
    ax.set_ylabel("z (µm)")
    ax.set_title(f"Axial motion of particle {particle + 1}", fontsize="medium")
    ax.legend(fontsize="small")
    ax.grid(True, alpha=0.3)
    return ax


def plot_xy(result: SimulationResult, ax: Axes | None = None) -> Axes:
    """Paths of all particles in the xy plane, equal aspect (report figs. 4, 5).

    Returns
    -------
    matplotlib.axes.Axes
    """
    ax = _axes(ax)
    for particle in range(result.r.shape[1]):
        exact = _closed_form(result, particle)
        (line,) = ax.plot(result.r[:, particle, 0], result.r[:, particle, 1], lw=0.8, label=f"particle {particle + 1}")
        if exact is not None:
            ax.plot(
                exact[:, 0],
                exact[:, 1],
                color="black",
                lw=0.6,
                ls=(0, (2, 3)),
                alpha=0.7,
                label="closed form" if particle == 0 else None,
            )
        _mark_ends(ax, result.r[:, particle, 0], result.r[:, particle, 1], color=line.get_color())
    ax.set_aspect("equal", adjustable="datalim")
    ax.set_xlabel("x (µm)")
    ax.set_ylabel("y (µm)")
    ax.set_title(f"Paths in the xy plane ({_describe(result)})", fontsize="medium")
    ax.legend(fontsize="small", title="○ start, □ end", title_fontsize="small")
    ax.grid(True, alpha=0.3)
    return ax


def plot_phase(result: SimulationResult, component: str = "x", ax: Axes | None = None) -> Axes:
    """Phase-space trajectories (q, v_q) of all particles (report figs. 6–9).

    Parameters
    ----------
    result : SimulationResult
    component : {"x", "y", "z"}
    ax : matplotlib.axes.Axes, optional

    Returns
    -------
    matplotlib.axes.Axes
    """
    if component not in _COMPONENTS:
        raise ValueError(f"component must be one of 'x', 'y', 'z', got {component!r}.")
    k = _COMPONENTS.index(component)
    ax = _axes(ax)
    for particle in range(result.r.shape[1]):
        (line,) = ax.plot(result.r[:, particle, k], result.v[:, particle, k], lw=0.8, label=f"particle {particle + 1}")
        exact = _closed_form(result, particle, velocity=True)
        if exact is not None:
            ax.plot(
                exact[0][:, k],
                exact[1][:, k],
                color="black",
                lw=0.6,
                ls=(0, (2, 3)),
                alpha=0.7,
                label="closed form" if particle == 0 else None,
            )
        _mark_ends(ax, result.r[:, particle, k], result.v[:, particle, k], color=line.get_color())
    ax.set_xlabel(f"{component} (µm)")
    ax.set_ylabel(f"$v_{component}$ (µm/µs)")
    ax.set_title(f"Phase space ({component}, $v_{component}$) ({_describe(result)})", fontsize="medium")
    ax.legend(fontsize="small", title="○ start, □ end", title_fontsize="small")
    ax.grid(True, alpha=0.3)
    return ax


def plot_3d(result: SimulationResult, ax: Axes3D | None = None) -> Axes3D:
    """Paths of all particles in space (report figs. 10, 11); ``ax`` must be a 3-D Axes if given.

    Returns
    -------
    mpl_toolkits.mplot3d.axes3d.Axes3D
    """
    ax = _axes(ax, projection="3d")
    for particle in range(result.r.shape[1]):
        x, y, z = result.r[:, particle].T
        (line,) = ax.plot(x, y, z, lw=0.7, label=f"particle {particle + 1}")
        _mark_ends(ax, x, y, z, color=line.get_color())
    ax.set_xlabel("x (µm)")
    ax.set_ylabel("y (µm)")
    ax.set_zlabel("z (µm)")
    ax.set_title(f"Paths in space ({_describe(result)})", fontsize="medium")
    ax.legend(fontsize="small", title="○ start, □ end", title_fontsize="small")
    return ax


def plot_error(result: SimulationResult, ax: Axes | None = None) -> Axes:
    """Relative error of each particle against the closed form, against time.

    Only for runs that have a closed form (one particle, or no interaction, in
    a static trap).

    Returns
    -------
    matplotlib.axes.Axes
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
        ax.plot(result.t[1:], error[1:], lw=1, label=f"particle {particle + 1}")
    ax.set_yscale("log")
    ax.set_xlabel("t (µs)")
    ax.set_ylabel(r"relative error $|\mathbf{r} - \mathbf{r}_\mathrm{exact}| \,/\, |\mathbf{r}_\mathrm{exact}|$")
    ax.set_title(f"Error against the closed form ({_describe(result)})", fontsize="medium")
    ax.legend(fontsize="small")
    ax.grid(True, alpha=0.3)
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

    Returns
    -------
    matplotlib.axes.Axes
    """
    ax = _axes(ax)
    for n in study.n_steps:
        error = study.relative_errors[method, n][:, particle]
        # The error is exactly zero at t = 0, which a log axis cannot show.
        ax.plot(study.times[n][1:], error[1:], label=f"n = {n}, h = {study.config.t_end / n:.3g} µs", lw=1)
    ax.set_yscale("log")
    ax.set_xlabel("t (µs)")
    ax.set_ylabel(
        r"relative error $|\mathbf{r}_i - \mathbf{r}_\mathrm{ref}(t_i)| \,/\, |\mathbf{r}_\mathrm{ref}(t_i)|$"
    )
    name = {"euler": "Forward Euler", "rk4": "RK4", "dop853": "DOP853"}.get(method, method)
    reference = "closed-form" if study.reference == "analytic" else study.reference.upper()
    ax.set_title(f"{name}: relative error against the {reference} solution", fontsize="medium")
    ax.legend(title=f"rate {study.rates[method]:.3f}", fontsize="small")
    ax.grid(True, which="major", alpha=0.3)
    return ax


def plot_fraction_trapped(
    results: SweepResult | Iterable[SweepResult],
    ax: Axes | None = None,
    resonances: Iterable[Resonance] | None = None,
    band: bool = True,
    chart: StabilityChart | None = None,
) -> Axes:
    """Fraction of ions left in the trap against the drive frequency (report figs. 14–16).

    Parameters
    ----------
    results : SweepResult or sequence of SweepResult
        One sweep, or several over the same grid (for instance with ions from
        different seeds): their mean is drawn with a band of ± one standard
        error of the mean.
    ax : matplotlib.axes.Axes, optional
    resonances : sequence of Resonance, optional
        Each found dip is marked by a triangle at its centre, in its
        amplitude's colour; the predicted frequencies they are nearest to are
        drawn as labelled dotted lines (see :func:`trapode.find_resonances`).
    band : bool
        Draw the error band when several sweeps are given.
    chart : StabilityChart, optional
        Draw the loss bands it predicts (:meth:`StabilityChart.loss_bands`)
        for the sweep's ``t_end`` and its ions' median initial distance from
        the centre, as a strip in each amplitude's colour along the bottom.

    Returns
    -------
    matplotlib.axes.Axes
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
    ax = _axes(ax)
    first = results[0]
    fractions = np.array([result.fraction_trapped for result in results])
    mean = fractions.mean(axis=0)
    for index, amplitude in enumerate(first.amplitudes):
        (line,) = ax.plot(first.omegas, mean[index], marker=".", ms=3, lw=1, label=f"f = {amplitude:g}")
        if band and len(results) > 1:
            error = fractions[:, index].std(axis=0, ddof=1) / np.sqrt(len(results))
            ax.fill_between(
                first.omegas, mean[index] - error, mean[index] + error, color=line.get_color(), alpha=0.25, lw=0
            )
    colours = {
        float(amplitude): line.get_color() for amplitude, line in zip(first.amplitudes, ax.get_lines(), strict=False)
    }
    if chart is not None:
        _draw_loss_bands(ax, chart, first, colours)
    predictions = {}
    for resonance in resonances or ():
        predictions[resonance.prediction_label] = resonance.prediction
        # A triangle at the top marks each dip found, in its amplitude's colour.
        ax.plot(
            [resonance.centre],
            [0.985],
            marker="v",
            ls="none",
            ms=6,
            transform=ax.get_xaxis_transform(),
            color=colours.get(float(resonance.amplitude), "0.3"),
        )
    for label, omega in predictions.items():
        ax.axvline(omega, color="0.5", lw=0.8, ls=":")
        ax.annotate(
            label,
            (omega, 0.72),
            xycoords=("data", "axes fraction"),
            rotation=90,
            va="center",
            ha="right",
            fontsize="x-small",
            color="0.3",
        )
    seeds = f", mean of {len(results)} ion sets" if len(results) > 1 else ""
    ax.set_xlabel(r"drive angular frequency $\omega_V$ (rad/µs)")
    ax.set_ylabel(f"fraction of ions trapped after {first.t_end:g} µs")
    coulomb = "with" if first.interactions else "without"
    ax.set_title(
        f"{len(first.ions)} ions, {coulomb} Coulomb interaction, {first.n_steps} RK4 steps{seeds}", fontsize="medium"
    )
    ax.set_ylim(-0.06 if chart is not None else -0.02, 1.02)
    ax.legend(fontsize="small")
    ax.grid(True, alpha=0.3)
    return ax


def _draw_loss_bands(ax: Axes, chart: StabilityChart, sweep: SweepResult, colours: dict) -> None:
    """Strips along the bottom where the Floquet chart predicts losses, one row per amplitude."""
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
                loss.left,
                loss.right,
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


def _path_label(result: ScanResult, path: str) -> str:
    """A scanned path with its unit: ``excitations[0].omega (rad/µs)``."""
    name = path.rsplit(".", 1)[-1]
    unit = _UNITS.get(name, "")
    if name == "amplitude" and path.startswith("excitations["):
        excitation = result.config.trap.excitations[int(path[len("excitations[") : path.index("]")])]
        unit = excitation.amplitude_unit if excitation.kind != "voltage" else ""
    return f"{path} ({unit})" if unit else path


def plot_scan(result: ScanResult, ax: Axes | None = None, theory: bool = True) -> Axes:
    """A scan's observable against its first parameter, one curve per value of a second one.

    Parameters
    ----------
    result : ScanResult
        A scan over one or two parameters.
    ax : matplotlib.axes.Axes, optional
    theory : bool
        Draw the prediction (:meth:`ScanResult.theory`) as a dashed line where one exists.

    Returns
    -------
    matplotlib.axes.Axes
    """
    from .errors import ConfigError
    from .scans import ScanResult

    instance("result", result, ScanResult, "a trapode.ScanResult")
    theory = flag("theory", theory)
    if len(result.paths) > 2:
        raise ConfigError(f"plot_scan draws scans over one or two parameters; this one has {list(result.paths)}.")
    ax = _axes(ax)
    values = np.asarray(result.values, dtype=float)
    predicted = result.theory() if theory else None
    x = result.grids[0]
    radii = result.observe == "radii"
    # Curves: one per value of the second path (if any), and one per radius (ρ₊, ρ₋, ρz) for radii.
    second = result.grids[1] if len(result.paths) == 2 else [None]
    names = [r"$\rho_+$", r"$\rho_-$", r"$\rho_z$"] if radii else [""]
    for j, value in enumerate(second):
        for k, name in enumerate(names):
            index: tuple = (slice(None),) + ((j,) if value is not None else ()) + ((k,) if radii else ())
            where = f"{result.paths[1]} = {value:g}" if value is not None else ""
            label = ", ".join(part for part in (name, where) if part) or "simulated"
            (line,) = ax.plot(x, values[index], marker=".", ms=4, lw=1, label=label)
            if predicted is not None:
                single = len(second) * len(names) == 1
                ax.plot(x, predicted[index], ls="--", lw=1.2, color="k" if single else line.get_color(), zorder=3)
    if predicted is not None:
        ax.plot([], [], ls="--", color="k", label="theory (conversion profile)")
    observed = result.observe if isinstance(result.observe, str) else getattr(result.observe, "__name__", "value")
    ax.set_xlabel(_path_label(result, result.paths[0]))
    ax.set_ylabel("final mode radius (µm)" if radii else _OBSERVED.get(observed, observed))
    config = result.config
    ax.set_title(
        f"{config.n_particles} particle(s), {config.t_end:g} µs, {config.n_steps} {config.method} steps",
        fontsize="medium",
    )
    ax.legend(fontsize="small")
    ax.grid(True, alpha=0.3)
    return ax


def plot_cloud_diagnostics(diagnostics: CloudDiagnostics, title: str | None = None) -> Figure:
    """Four panels against time: size (µm), density (m⁻³), rotation frequency (rad/µs) and temperatures (K).

    Parameters
    ----------
    diagnostics : CloudDiagnostics
        From :func:`trapode.cloud_diagnostics`.
    title : str, optional
        The figure's title.
    """
    import matplotlib.pyplot as plt

    from .clouds import CloudDiagnostics as Diagnostics

    instance("diagnostics", diagnostics, Diagnostics, "a trapode.CloudDiagnostics")
    figure, ((size, density), (rotation, temperature)) = plt.subplots(2, 2, figsize=(10, 6.5), sharex=True)
    t = diagnostics.t
    size.plot(t, diagnostics.radius, label="radius a")
    size.plot(t, diagnostics.axial_extent, label="axial half-length b")
    size.set_ylabel("size (µm)")
    size.legend()
    density.plot(t, diagnostics.density, color="C2")
    density.set_ylabel("density (m⁻³)")
    rotation.plot(t, diagnostics.rotation_frequency, color="C3")
    rotation.set_ylabel("rotation frequency (rad/µs)")
    temperature.semilogy(t, diagnostics.temperature_axial, label="axial")
    temperature.semilogy(t, diagnostics.temperature_cyclotron, label="cyclotron")
    temperature.set_ylabel("temperature (K)")
    temperature.legend()
    for ax in (rotation, temperature):
        ax.set_xlabel("t (µs)")
    for ax in (size, density, rotation, temperature):
        ax.grid(alpha=0.3)
    figure.suptitle(title or f"Cloud of {int(diagnostics.n_particles.max(initial=0))} particles")
    figure.tight_layout()
    return figure
