"""Two ions, with and without Coulomb interaction (report figs. 4–11)
==================================================================

Particles 1 and 2 of the report, without and with Coulomb interaction (report figs. 4–11).

Run it from the repository root::

    python examples/two_particles.py [OUTPUT_FOLDER]

Reads ``two_particles.toml`` beside this file, runs RK4 for 50 µs both ways,
prints how far apart the final positions end up and saves the xy paths and the
(z, v_z) phase space of each run.
"""

import dataclasses
import pathlib
import sys

import matplotlib

matplotlib.use("Agg")

import numpy as np

import trapode
from trapode.plotting import plot_phase, plot_xy

config = trapode.load_config(pathlib.Path(sys.argv[0]).with_name("two_particles.toml"))  # beside this script
output = pathlib.Path(sys.argv[1] if len(sys.argv) > 1 else "two_particles_figures")
output.mkdir(parents=True, exist_ok=True)

results = {}
for interactions in (False, True):
    label = "with" if interactions else "without"
    results[interactions] = result = trapode.simulate(dataclasses.replace(config, interactions=interactions))
    plot_xy(result).figure.savefig(output / f"xy_{label}_interaction.png", dpi=150)
    plot_phase(result, "z").figure.savefig(output / f"phase_z_{label}_interaction.png", dpi=150)

shift = np.linalg.norm(results[True].r[-1] - results[False].r[-1], axis=1)
print(f"the Coulomb interaction moves the final positions by {shift[0]:.2f} µm and {shift[1]:.2f} µm")
print(f"saved figures in {output}/")
