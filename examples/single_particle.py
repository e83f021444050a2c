"""One ion, Euler against RK4 (report figs. 2, 3)
==============================================

One Ca+ ion in the report's trap: forward Euler and RK4 against the closed form (report figs. 2, 3).

Run it from the repository root::

    python examples/single_particle.py [OUTPUT.png]
"""

import sys

import matplotlib

matplotlib.use("Agg")

import trapode
from trapode.plotting import plot_axial_motion

trap = trapode.PenningTrap(B0=1.0, V0=0.025, d=500.0)  # T, V, µm
ion = trapode.Particle(q=1, m=40.077, r=(20, 0, 20), v=(0, 25, 0))  # e, u, µm, µm/µs
print("frequencies (rad/µs):", trap.frequencies(ion))

runs = []
for method in ("euler", "rk4"):
    config = trapode.SimulationConfig(trap=trap, particles=[ion], t_end=50.0, n_steps=5000, method=method)
    result = trapode.simulate(config)
    exact = trapode.analytic_solution(trap, ion, result.t)
    error = trapode.relative_error(result.r[:, 0], exact).max()
    print(f"{method:>5}: largest relative error over 50 µs = {error:.2e}")
    runs.append(result)

output = sys.argv[1] if len(sys.argv) > 1 else "single_particle.png"
plot_axial_motion(runs).figure.savefig(output, dpi=150)
print(f"saved {output}")
