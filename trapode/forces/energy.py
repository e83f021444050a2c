"""The energy of a state: kinetic, in the trap's potential, and of the Coulomb pairs.

A template compiled into every model's module, so that it reads the model's
own potential (derived by SymPy with the fields). In a static trap the total
is conserved; a run with interactions checks it (:func:`trapode.simulate`
warns when a fixed step lets it drift).
"""

from __future__ import annotations

from ..compile.templates import kernel
from .protocol import coulomb_potential, potential, time_terms

__all__ = ["state_energy"]


@kernel
def state_energy(t, pos, vel, charge, mass, c, interacting, k_e, out):
    """Write the kinetic, trap and Coulomb energies (u µm²/µs²) of the state (3, N) at ``t`` (µs) into ``out`` (3,).

    The Coulomb energy is summed over pairs only if ``interacting``.
    """
    s = time_terms(t, c)
    n = pos.shape[1]
    kinetic = 0.0
    trap = 0.0
    for i in range(n):
        kinetic += 0.5 * mass[i] * (vel[0, i] ** 2 + vel[1, i] ** 2 + vel[2, i] ** 2)
        trap += charge[i] * potential(pos[0, i], pos[1, i], pos[2, i], c, s)
    pairs = 0.0
    if interacting:
        for i in range(n):
            for j in range(i + 1, n):
                pairs += (
                    charge[i]
                    * charge[j]
                    * coulomb_potential(pos[0, i] - pos[0, j], pos[1, i] - pos[1, j], pos[2, i] - pos[2, j], k_e)
                )
    out[0] = kinetic
    out[1] = trap
    out[2] = pairs
