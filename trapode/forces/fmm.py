"""The Coulomb sum by the fast multipole method: FMM3D's Laplace kernel, O(N), for large clouds.

:func:`fmm_accelerations` gives the same accelerations as the direct pair sum
(:mod:`trapode.forces.coulomb`) to a requested relative precision, through
the Flatiron Institute's FMM3D (``fmm3dpy``: Greengard, Gimbutas et al.),
an optional dependency (``pip install "trapode[fmm]"``). Its kernel is
``1/(4π r)``, so the field of the charges is ``−4π k_e ∇u``. It is called from
Python between compiled stages (:mod:`trapode.integrators.driven`), one call a
force evaluation.

Accuracy: with ``tolerance = 1e-6`` the relative L2 error of the
accelerations is about 2e-8 (documented on the clouds page, tested against
the direct sum). Speed on a 2-core machine (:doc:`performance`): the
direct sum on 2 threads is faster below :data:`FMM_CROSSOVER` particles
(``python benchmarks/run.py`` measures both).
"""

from __future__ import annotations

import math
from types import ModuleType

import numpy as np

from ..errors import ConfigError

__all__ = ["FMM_CROSSOVER", "fmm_accelerations", "fmm_available", "require_fmm"]

#: Interacting particles from which ``coulomb="auto"`` takes the FMM: where it overtakes the direct
#: sum on 2 threads (benchmarks/run.py, from one evaluation of each at 10⁵: ≈ 2.2×10⁵ at tolerance 1e-6).
FMM_CROSSOVER = 200_000

INSTALL_HINT = 'install it with: pip install "trapode[fmm]" (or pip install fmm3dpy)'


def _module() -> ModuleType | None:
    try:
        import fmm3dpy
    except ImportError:
        return None
    return fmm3dpy


def fmm_available() -> bool:
    """Whether FMM3D's Python package ``fmm3dpy`` can be imported."""
    return _module() is not None


def require_fmm(where: str) -> ModuleType:
    """``fmm3dpy``, or a ConfigError naming ``where`` and how to install it."""
    module = _module()
    if module is None:
        raise ConfigError(
            f"{where} = 'fmm' needs FMM3D's Python package fmm3dpy, which is not installed: {INSTALL_HINT}."
        )
    return module


def fmm_accelerations(
    pos: np.ndarray, charge: np.ndarray, q_over_m: np.ndarray, k_e: float, tolerance: float, out: np.ndarray
) -> None:
    """Write the Coulomb acceleration of every particle at ``pos`` (3, N) µm into ``out`` (3, N) µm/µs².

    ``(q_i/m_i) Σ_{j≠i} k_e q_j (r_i − r_j)/|r_i − r_j|³`` to a relative
    precision ``tolerance`` (FMM3D's ``eps``), with ``k_e`` in internal units.
    """
    fmm3dpy = require_fmm("coulomb")
    sources = np.asfortranarray(pos, dtype=np.float64)
    gradient = fmm3dpy.lfmm3d(eps=tolerance, sources=sources, charges=np.asarray(charge, dtype=np.float64), pg=2).grad
    np.multiply(gradient, -4.0 * math.pi * k_e * q_over_m, out=out)
