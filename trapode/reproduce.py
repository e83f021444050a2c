"""Reproduce every result of the report: ``trapode reproduce --out results/``.

Figures 2–16 (PDF for papers, PNG for screens), fig. 16 also converged
(the interacting fine scan with the adaptive method), the error table with both
convergence rates, the resonance table and a one-page summary
(``README.md``) that shows each figure with a sentence and its numbers.
Sweeps are checkpointed under ``OUT/checkpoints``, so a second run with the
same ``--out`` reuses them.
"""

from __future__ import annotations

import dataclasses
import pathlib
from dataclasses import dataclass

import numpy as np

from ._files import save_figure, write_text
from .errors import Interrupted
from .monitor import interruptible, progress_bar

__all__ = ["CONVERGED", "ReproductionSettings", "reproduce"]

#: How the converged interacting fine scan runs (beside the report's RK4): method and tolerances for
#: :func:`trapode.sweep`, with 500 grid intervals of 1 µs, each in as many steps as the tolerances need.
CONVERGED = {"method": "adaptive", "rtol": 1e-6, "atol": 1e-6, "n_steps": 500}


@dataclass(frozen=True)
class ReproductionSettings:
    """How much work a reproduction does; :meth:`report` is the report's, :meth:`quick` a fast check."""

    ions: int
    omega_step: float
    fine_points: int
    seeds: int
    trajectory_steps: int

    @classmethod
    def report(cls):
        """100 ions, ωV every 0.02 rad/µs, 31-point fine scans over 3 ion sets, 10 000-step trajectories."""
        return cls(ions=100, omega_step=0.02, fine_points=31, seeds=3, trajectory_steps=10000)

    @classmethod
    def quick(cls):
        """20 ions, ωV every 0.1 rad/µs, 11-point fine scans over 1 ion set, 4000-step trajectories."""
        return cls(ions=20, omega_step=0.1, fine_points=11, seeds=1, trajectory_steps=4000)


def _save(figure, out, name):
    paths = []
    for suffix in ("png", "pdf"):
        path = out / f"{name}.{suffix}"
        save_figure(figure, path, dpi=150)
        paths.append(path)
    import matplotlib.pyplot as plt

    plt.close(figure)
    return paths[0].name


def reproduce(out, quick=False, progress=True, settings=None, constants="codata"):
    """Regenerate the report's figures and tables in ``out``; returns the path of the summary.

    Every file is written whole (figures, tables, summary); a Ctrl-C stops
    within a second with :class:`~trapode.Interrupted`, and a second
    reproduction reuses the sweeps finished in ``out/checkpoints``.

    Parameters
    ----------
    out : str or path-like
        Output folder (created).
    quick : bool
        :meth:`ReproductionSettings.quick` instead of the report's settings:
        the same code paths, a fraction of the work.
    progress : bool
        Show a progress bar on stderr (only on a terminal).
    settings : ReproductionSettings, optional
        Overrides ``quick``.
    constants : {"codata", "report"}
        The unit factors: CODATA (default), or the report's rounded digits for
        a digit-for-digit comparison with it. The summary says which.
    """
    import matplotlib.pyplot as plt

    import trapode
    from trapode import plotting

    out = pathlib.Path(out)
    (out / "checkpoints").mkdir(parents=True, exist_ok=True)
    if settings is None:
        settings = ReproductionSettings.quick() if quick else ReproductionSettings.report()
    trap = trapode.PenningTrap(B0=1.0, V0=0.025, d=500.0, constants=constants)
    p1, p2 = trapode.report_particle_1(), trapode.report_particle_2()
    sections = []
    steps = ["axial motion", "two particles", "convergence", "coarse sweep", "fine scans", "summary"]
    bar = progress_bar(steps, progress=progress, desc="reproduce", leave=False)

    def advance():
        bar.update(1)
        if request.pressed:
            request.heard = True
            raise Interrupted(
                f"Reproduction interrupted after {bar.n} of its {len(steps)} parts; the figures and tables "
                f"written so far are in {out}, and finished sweeps in {out / 'checkpoints'} are reused."
            )
        if bar.n < len(steps):
            bar.set_postfix_str(steps[bar.n])

    # Ctrl-C stops the run or sweep under way within a second (its own Interrupted), or stops here
    # between two parts.
    # Figures are drawn and saved, never shown: plt.ioff() keeps an interactive session's windows
    # closed without changing its backend.
    with bar, interruptible() as request, plt.ioff():
        bar.set_postfix_str(steps[0])
        # Figs. 2 and 3: z(t) of Particle 1, forward Euler and RK4 against the closed form.
        single = trapode.SimulationConfig(trap=trap, particles=[p1], t_end=50.0, n_steps=10000)
        for figure, n in ((2, 10000), (3, 5000)):
            runs = [trapode.simulate(dataclasses.replace(single, method=m, n_steps=n)) for m in ("euler", "rk4")]
            exact = trapode.analytic_solution(trap, p1, runs[0].t)
            errors = [np.abs(run.r[:, 0, 2] - exact[:, 2]).max() for run in runs]
            name = _save(plotting.plot_axial_motion(runs).figure, out, f"fig{figure}_axial_motion_n{n}")
            sections.append(
                (
                    f"Fig. {figure}: axial motion, n = {n}",
                    name,
                    f"z(t) of Particle 1 over 50 µs with h = {50 / n:g} µs. The largest deviation from "
                    f"the closed form is {errors[0]:.3g} µm for forward Euler and {errors[1]:.2g} µm for "
                    "RK4: Euler's amplitude grows, RK4's stays.",
                )
            )
        advance()

        # Figs. 4–11: two particles without and with Coulomb interaction.
        pair = trapode.SimulationConfig(
            trap=trap, particles=[p1, p2], t_end=50.0, n_steps=settings.trajectory_steps, interactions=False
        )
        results = {
            interactions: trapode.simulate(dataclasses.replace(pair, interactions=interactions))
            for interactions in (False, True)
        }
        shift = np.linalg.norm(results[True].r[-1] - results[False].r[-1], axis=1)
        kinds = (
            ("xy", "paths in the xy plane", plotting.plot_xy, 4),
            ("phase_x", "phase space (x, v_x)", lambda r: plotting.plot_phase(r, "x"), 6),
            ("phase_z", "phase space (z, v_z)", lambda r: plotting.plot_phase(r, "z"), 8),
            ("3d", "paths in space", plotting.plot_3d, 10),
        )
        for key, what, plot, first in kinds:
            for offset, interactions in enumerate((False, True)):
                label = "with" if interactions else "without"
                name = _save(plot(results[interactions]).figure, out, f"fig{first + offset}_{key}_{label}_interaction")
                sentence = (
                    f"Particles 1 and 2, RK4 with {settings.trajectory_steps} steps over 50 µs, {label} "
                    f"Coulomb interaction: {what}."
                )
                if interactions:
                    sentence += (
                        f" The interaction moves the final positions by {shift[0]:.3g} µm and {shift[1]:.3g} µm."
                    )
                else:
                    sentence += " The dotted curves are the closed form."
                sections.append((f"Fig. {first + offset}: {what}, {label} interaction", name, sentence))
        advance()

        # Figs. 12 and 13 and the error table.
        convergence = trapode.SimulationConfig(
            trap=trap, particles=[p1], t_end=50.0, n_steps=4000, rtol=1e-13, atol=1e-13
        )
        studies = {
            reference: trapode.convergence_study(convergence, reference=reference)
            for reference in ("analytic", "dop853")
        }
        write_text(out / "convergence.txt", "\n\n".join(study.table() for study in studies.values()) + "\n")
        analytic = studies["analytic"]
        for figure, method in ((12, "euler"), (13, "rk4")):
            name = _save(
                plotting.plot_relative_error(analytic, method).figure, out, f"fig{figure}_relative_error_{method}"
            )
            rk4_error = analytic.relative_errors["rk4", 4000].max()
            numbers = (
                f"convergence rate {analytic.rates[method]:.4f} against the closed form and "
                f"{studies['dop853'].rates[method]:.4f} against DOP853"
            )
            extra = f"; the largest relative error at n = 4000 is {rk4_error:.2g}" if method == "rk4" else ""
            sections.append(
                (
                    f"Fig. {figure}: relative error, {'forward Euler' if method == 'euler' else 'RK4'}",
                    name,
                    f"Particle 1 for 50 µs with n = 4000, 8000, 16000 and 32000: {numbers}{extra}.",
                )
            )
        advance()

        # Fig. 14: the coarse sweep, with its resonances found and named.
        amplitudes = [0.1, 0.4, 0.7]
        ions = trapode.random_particles(settings.ions, trap, seed=2022)
        omegas = np.arange(0.2, 2.5 + 1e-9, settings.omega_step)
        scan = trapode.find_resonances(
            trap, ions, amplitudes, omegas, checkpoint=out / "checkpoints" / "coarse.scan.db", progress=False
        )
        write_text(out / "resonances.txt", scan.table() + "\n")
        name = _save(scan.plot().figure, out, "fig14_fraction_trapped")
        named = ", ".join(f"{r.prediction_label} at {r.centre:.3f} (f = {r.amplitude:g})" for r in scan.resonances)
        sections.append(
            (
                "Fig. 14: fraction of ions left against ωV",
                name,
                f"{settings.ions} random Ca⁺ ions, 500 µs, 5000 RK4 steps, ωV every "
                f"{settings.omega_step:g} rad/µs, no interaction. Dips found, refined and named by the Floquet "
                f"band they fall in (the strips along the bottom: the loss bands the monodromy matrix predicts): "
                f"{named}.",
            )
        )
        advance()

        # Figs. 15 and 16: fine scans around ω+ − ω−, averaged over ion sets; fig. 16 also converged.
        fine = np.linspace(2.05, 2.35, settings.fine_points)
        means = {}
        for figure, interactions, method in ((15, False, "rk4"), (16, True, "rk4"), (16, True, "adaptive")):
            label = "with" if interactions else "without"
            converged = method == "adaptive"
            tag = "_converged" if converged else ""
            runs = [
                trapode.sweep(
                    trap,
                    trapode.random_particles(settings.ions, trap, seed=seed),
                    amplitudes,
                    fine,
                    interactions=interactions,
                    progress=False,
                    checkpoint=out / "checkpoints" / f"fine_{label}{tag}_{seed}.scan.db",
                    **(CONVERGED if converged else {}),
                )
                for seed in range(2022, 2022 + settings.seeds)
            ]
            name = _save(
                plotting.plot_fraction_trapped(runs).figure, out, f"fig{figure}_fine_scan_{label}_interaction{tag}"
            )
            mean = np.mean([run.fraction_trapped for run in runs], axis=0)
            means[label + tag] = mean
            lowest = "; ".join(
                f"f = {a:g}: {row.min():.2f} at {fine[np.argmin(row)]:.3f} rad/µs"
                for a, row in zip(amplitudes, mean, strict=True)
            )
            sentence = (
                f"ωV from 2.05 to 2.35 rad/µs, {settings.ions} ions, mean of {settings.seeds} ion "
                f"set(s) with a band of ± one standard error. Lowest fraction kept: {lowest}."
            )
            title = f"Fig. {figure}: fine scan {label} interaction"
            if converged:
                title += ", converged"
                report = means["with"]
                sentence = (
                    f"The runs of fig. 16 integrated by the compiled adaptive DOP853 pair (rtol = atol = "
                    f"{CONVERGED['rtol']:g}, which conserves the static 100-ion cloud's energy to 1.6e-6; "
                    "tightening it to 1e-7 moved no point of the 100-ion scan by more than 0.04, as measured when this "
                    "setting was chosen) instead of RK4 at the "
                    "report's h = 0.1 µs. They differ because RK4's fixed step does not resolve the ions' close "
                    "encounters: the total energy jumps at each, and ions leave that a static trap must keep (O'Neil's "
                    "theorem). The mean fraction kept over the whole scan is "
                    f"{np.nanmean(report):.3f} with RK4 and {np.nanmean(mean):.3f} converged; at the two edges "
                    f"of the scan, away from the resonance, {np.nanmean(report[:, [0, -1]]):.3f} and "
                    f"{np.nanmean(mean[:, [0, -1]]):.3f}. " + sentence
                )
            sections.append((title, name, sentence))
        advance()

        summary = out / "README.md"
        lines = [
            "# trapode: the report, reproduced",
            "",
            f"Made by `trapode reproduce{' --quick' if quick else ''}"
            f"{' --constants report' if constants == 'report' else ''}` with trapode {trapode.__version__}. "
            "Every figure is here as PNG and PDF.",
            "",
            "Unit factors: "
            + (
                "CODATA (scipy.constants); the report's rounded digits, 7.9e-7 to 8.9e-7 off, "
                "are available with `--constants report`."
                if constants == "codata"
                else "the report's rounded digits (`--constants report`), for a digit-for-digit "
                "comparison; trapode's default is CODATA."
            )
            + " The ions are the report's Ca⁺ with m = 40.077 u, calcium's natural atomic weight "
            "(a ⁴⁰Ca⁺ ion is 39.962 u).",
            "",
            "## Error and convergence",
            "",
            "```",
            (out / "convergence.txt").read_text().rstrip(),
            "```",
            "",
            "## Resonances",
            "",
            "```",
            (out / "resonances.txt").read_text().rstrip(),
            "```",
            "",
        ]
        for title, image, sentence in sections:
            lines += [f"## {title}", "", sentence, "", f"![{title}]({image})", ""]
        write_text(summary, "\n".join(lines))
        advance()
    return summary
