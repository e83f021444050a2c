"""Validated user input: the trap and its field terms, particles, run settings and their files.

Everything here is a frozen dataclass that checks its fields when it is made,
so that a bad value is reported before any work starts. Nothing here imports
SymPy except the checks of user field terms.
"""

from .config import SimulationConfig
from .excitations import DipoleExcitation, QuadrupoleExcitation, VoltageModulation
from .fields import MagneticField, Potential
from .io import config_from_dict, config_to_dict, load_config
from .particle_set import ParticleSet, random_particles
from .particles import Particle, report_particle_1, report_particle_2
from .trap import Drive, PenningTrap

__all__ = [
    "DipoleExcitation",
    "Drive",
    "MagneticField",
    "Particle",
    "ParticleSet",
    "PenningTrap",
    "Potential",
    "QuadrupoleExcitation",
    "SimulationConfig",
    "VoltageModulation",
    "config_from_dict",
    "config_to_dict",
    "load_config",
    "random_particles",
    "report_particle_1",
    "report_particle_2",
]
