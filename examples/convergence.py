"""Error and convergence of Euler and RK4 (report figs. 12, 13)
============================================================

Error and convergence analysis of forward Euler and RK4 (report figs. 12 and 13).

Particle 1 of the report in the default trap for 50 µs, with n = 4000, 8000,
16000 and 32000 steps. Prints the table of Δmax and the convergence rates
against the closed-form solution and against SciPy's DOP853, and saves the
relative-error figures.

Run it from the repository root::

    python examples/convergence.py [OUTPUT_FOLDER]

OUTPUT_FOLDER defaults to ``convergence_figures``.
"""

import pathlib
import sys

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt

import trapode
from trapode.plotting import plot_relative_error


def main(output=pathlib.Path("convergence_figures")):
    output.mkdir(parents=True, exist_ok=True)
    config = trapode.SimulationConfig(
        trap=trapode.PenningTrap(B0=1.0, V0=0.025, d=500.0),
        particles=[trapode.report_particle_1()],
        t_end=50.0,
        n_steps=4000,
        # Tighter than the default so that the DOP853 reference stays well below RK4's error at n = 32000.
        rtol=1e-13,
        atol=1e-13,
    )
    for reference in ("analytic", "dop853"):
        study = trapode.convergence_study(
            config, methods=("euler", "rk4"), n_steps=(4000, 8000, 16000, 32000), reference=reference
        )
        print(study.table(), end="\n\n")
        for method, figure_number in (("euler", 12), ("rk4", 13)):
            ax = plot_relative_error(study, method)
            path = output / f"fig{figure_number}_relative_error_{method}_vs_{reference}.png"
            ax.figure.savefig(path, dpi=150)
            plt.close(ax.figure)
            print(f"saved {path}")
        print()


if __name__ == "__main__":
    main(pathlib.Path(sys.argv[1]) if len(sys.argv) > 1 else pathlib.Path("convergence_figures"))
