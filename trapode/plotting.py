"""Figures, each drawn on a matplotlib Axes that the caller may pass in.

Every function takes ``ax=None`` (a new figure is made) and returns the Axes.
Matplotlib is imported on first use.
"""

from __future__ import annotations

__all__ = ["plot_relative_error"]


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
