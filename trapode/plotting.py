"""Figures, each drawn on a matplotlib Axes that the caller may pass in.

Every function takes ``ax=None`` (a new figure is made) and returns the Axes.
Matplotlib is imported on first use.
"""

from __future__ import annotations

__all__ = ["plot_fraction_trapped", "plot_relative_error"]


def _axes(ax):
    if ax is None:
        import matplotlib.pyplot as plt

        _, ax = plt.subplots(figsize=(6.4, 4.2), layout="constrained")
    return ax


def plot_relative_error(study, method, particle=0, ax=None):
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
    ax.set_ylabel(r"relative error $|\mathbf{r}_i - \mathbf{r}_\mathrm{ref}(t_i)| \,/\, |\mathbf{r}_\mathrm{ref}(t_i)|$")
    ax.set_title(f"{method}: relative error against the {study.reference} solution")
    ax.legend(title=f"rate {study.rates[method]:.3f}", fontsize="small")
    ax.grid(True, which="major", alpha=0.3)
    return ax


def plot_fraction_trapped(results, ax=None, resonances=None, band=True):
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

    Returns
    -------
    matplotlib.axes.Axes
    """
    import numpy as np

    ax = _axes(ax)
    results = [results] if hasattr(results, "fraction_trapped") else list(results)
    first = results[0]
    fractions = np.array([result.fraction_trapped for result in results])
    mean = fractions.mean(axis=0)
    for index, amplitude in enumerate(first.amplitudes):
        (line,) = ax.plot(first.omegas, mean[index], marker=".", ms=3, lw=1, label=f"f = {amplitude:g}")
        if band and len(results) > 1:
            error = fractions[:, index].std(axis=0, ddof=1) / np.sqrt(len(results))
            ax.fill_between(first.omegas, mean[index] - error, mean[index] + error, color=line.get_color(), alpha=0.25,
                            lw=0)
    colours = {float(amplitude): line.get_color() for amplitude, line in zip(first.amplitudes, ax.get_lines())}
    predictions = {}
    for resonance in resonances or ():
        predictions[resonance.prediction_label] = resonance.prediction
        # A triangle at the top marks each dip found, in its amplitude's colour.
        ax.plot([resonance.centre], [0.985], marker="v", ls="none", ms=6, transform=ax.get_xaxis_transform(),
                color=colours.get(float(resonance.amplitude), "0.3"))
    for label, omega in predictions.items():
        ax.axvline(omega, color="0.5", lw=0.8, ls=":")
        ax.annotate(label, (omega, 0.5), xycoords=("data", "axes fraction"), rotation=90, va="center", ha="right",
                    fontsize="x-small", color="0.3")
    seeds = f", mean of {len(results)} ion sets" if len(results) > 1 else ""
    ax.set_xlabel(r"drive angular frequency $\omega_V$ (rad/µs)")
    ax.set_ylabel(f"fraction of ions trapped after {first.t_end:g} µs")
    coulomb = "with" if first.interactions else "without"
    ax.set_title(f"{len(first.ions)} ions, {coulomb} Coulomb interaction, {first.n_steps} RK4 steps{seeds}",
                 fontsize="medium")
    ax.set_ylim(-0.02, 1.02)
    ax.legend(fontsize="small")
    ax.grid(True, alpha=0.3)
    return ax
