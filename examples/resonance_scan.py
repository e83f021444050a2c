"""Resonances of a driven trap (report figs. 14–16)
================================================

Resonances of a driven trap (report figs. 14, 15 and 16), found and named automatically.

1. The coarse sweep: 100 random Ca+ ions, 500 µs, 5000 RK4 steps, amplitudes
   f = 0.1, 0.4, 0.7 and ωV from 0.2 to 2.5 rad/µs in steps of 0.02, without
   Coulomb interaction; every dip is refined and named after the trap's
   frequencies (fig. 14).
2. The fine scan around ω+ − ω− (ωV from 2.05 to 2.35), without and with
   Coulomb interaction, averaged over several sets of random ions with a band
   of ± one standard error (figs. 15 and 16).

Run it from the repository root::

    python examples/resonance_scan.py [OUTPUT_FOLDER] [--seeds N] [--quick]

``--quick`` uses 20 ions and 1000 steps over 100 µs, to try it out in seconds.
Sweeps are checkpointed in the output folder: run it again to reuse them.
"""

import argparse
import pathlib

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import numpy as np

import trapode
from trapode.plotting import plot_fraction_trapped


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("output", nargs="?", default="resonance_figures", type=pathlib.Path)
    parser.add_argument("--seeds", type=int, default=3, help="sets of random ions for the fine scans (default 3)")
    parser.add_argument("--quick", action="store_true", help="20 ions, 1000 steps over 100 µs")
    arguments = parser.parse_args()
    output = arguments.output
    output.mkdir(parents=True, exist_ok=True)
    n_ions, settings = (
        (20, dict(t_end=100.0, n_steps=1000)) if arguments.quick else (100, dict(t_end=500.0, n_steps=5000))
    )
    trap = trapode.PenningTrap(B0=1.0, V0=0.025, d=500.0)
    amplitudes = [0.1, 0.4, 0.7]

    ions = trapode.random_particles(n_ions, trap, seed=2022)
    scan = trapode.find_resonances(
        trap, ions, amplitudes, np.arange(0.2, 2.5 + 1e-9, 0.02), checkpoint=output / "coarse.scan.db", **settings
    )
    print(scan.table(), end="\n\n")
    ax = scan.plot()
    ax.figure.savefig(output / "fig14_fraction_trapped.png", dpi=150)
    plt.close(ax.figure)

    fine = np.linspace(2.05, 2.35, 31)
    for figure, interactions in ((15, False), (16, True)):
        runs = [
            trapode.sweep(
                trap,
                trapode.random_particles(n_ions, trap, seed=seed),
                amplitudes,
                fine,
                interactions=interactions,
                checkpoint=output / f"fine_{interactions}_{seed}.scan.db",
                **settings,
            )
            for seed in range(2022, 2022 + arguments.seeds)
        ]
        ax = plot_fraction_trapped(runs)
        path = output / f"fig{figure}_fine_scan_{'with' if interactions else 'without'}_interaction.png"
        ax.figure.savefig(path, dpi=150)
        plt.close(ax.figure)
        mean = np.mean([run.fraction_trapped for run in runs], axis=0)
        lowest = ", ".join(
            f"f = {a:g}: {row.min():.2f} at ωV = {fine[np.argmin(row)]:.3f}"
            for a, row in zip(amplitudes, mean, strict=True)
        )
        print(
            f"fig. {figure} ({'with' if interactions else 'without'} interaction), lowest mean fraction kept: "
            f"{lowest} rad/µs; saved {path}"
        )


if __name__ == "__main__":
    main()
