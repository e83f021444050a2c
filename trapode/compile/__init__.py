"""Compiling models at run time: SymPy expressions → a generated module in a hash-named cache → numba.

:func:`model_module` is the one way the physics reaches the kernels, for the
ideal trap as for any other: the first use of a model (a set of field terms)
derives and writes its module, a later one, in any process, loads it from the
cache without SymPy. Parameter values are never part of a model.
"""

from __future__ import annotations

from types import ModuleType
from typing import TYPE_CHECKING

from . import cache

if TYPE_CHECKING:
    from ..setup.trap import PenningTrap

# The loaded model of each set of terms, so that a run looks its model up without hashing.
_MODELS: dict[tuple, ModuleType] = {}

__all__ = ["closed_form_module", "interactions_module", "model_module"]


def interactions_module() -> ModuleType:
    """The module of the Coulomb interaction, shared by every model."""

    def build(key: str) -> str:
        from .codegen import interactions_source

        return interactions_source(key)

    return cache.load("interactions", "coulomb", build)


def model_module(trap: PenningTrap, damped: bool = False) -> ModuleType:
    """The compiled module of ``trap``'s model (see :mod:`trapode.forces.protocol` for what it defines).

    ``damped`` adds a buffer gas's drag ``−γ v`` (parameter ``"damping"``).
    """
    terms = tuple(term.key for term in trap.terms()) + ((("damping",),) if damped else ())
    if terms not in _MODELS:
        interactions = interactions_module()

        def build(key: str) -> str:
            from .codegen import model_source

            return model_source(trap, key, interactions.__name__, damped)

        _MODELS[terms] = cache.load("model", [*terms, interactions.__name__], build)
    return _MODELS[terms]


def closed_form_module() -> ModuleType:
    """The module of the ideal trap's closed-form motion (NumPy functions)."""

    def build(key: str) -> str:
        from .codegen import closed_form_source

        return closed_form_source(key)

    return cache.load("closed_form", "ideal trap", build)
