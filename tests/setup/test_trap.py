"""PenningTrap: validation, the terms of its model, and its parameters by name."""

import dataclasses

import pytest

import trapode
from trapode import ConfigError, Drive, PenningTrap
from trapode.setup.fields import BuiltinTerm

from ..reference import CODATA, REPORT


def test_defaults_are_the_reports_trap_with_codata_constants(trap):
    assert (trap.B0, trap.V0, trap.d, trap.constants) == (1.0, 0.025, 500.0, "codata")
    assert trap.B0_internal == pytest.approx(CODATA["tesla"], rel=1e-15)
    assert trap.V0_internal == pytest.approx(0.025 * CODATA["volt"], rel=1e-15)
    report = dataclasses.replace(trap, constants="report")
    assert report.B0_internal == REPORT["tesla"] and report.V0_internal == 0.025 * REPORT["volt"]


def test_the_issues_keywords():
    trap = PenningTrap(
        B0=1.0, V0=0.025, d=500.0, C4=1e-3, C6=0.0, B2=3e4, tilt=0.01, tilt_azimuth=0.0, ellipticity=0.002
    )
    kinds = [term.key for term in trap.terms()]
    assert kinds == [("quadrupole", 0), ("ellipticity", 0), ("multipole", 4), ("tilted_field", 0), ("bottle", 0)]


def test_a_term_is_present_only_when_its_coefficient_is_not_zero(trap):
    assert [term.key for term in trap.terms()] == [("quadrupole", 0), ("uniform_field", 0)]
    driven = dataclasses.replace(trap, drive=Drive(0.1, 1.0), C6=2e-4)
    assert [term.key for term in driven.terms()] == [
        ("quadrupole", 0),
        ("multipole", 6),
        ("drive", 0),
        ("uniform_field", 0),
    ]


def test_parameters_travel_by_name(trap):
    values = dataclasses.replace(trap, C4=1e-3, drive=Drive(0.2, 1.5)).parameter_values()
    assert values["C4"] == 1e-3 and values["drive.amplitude"] == 0.2 and values["drive.omega"] == 1.5
    assert values["constants.tesla"] == pytest.approx(CODATA["tesla"], rel=1e-15)
    assert values["constants.coulomb"] == pytest.approx(CODATA["k_e"], rel=1e-15)
    assert BuiltinTerm("multipole", 4).label == "multipole C4" and BuiltinTerm("tilted_field").label == "tilted field"


@pytest.mark.parametrize(
    "make, match",
    [
        (lambda: PenningTrap(d=0), r"PenningTrap\.d must be a length in µm between 1e-30 and 1e30, got 0"),
        (lambda: PenningTrap(d=-500), r"PenningTrap\.d .* got -500"),
        (lambda: PenningTrap(B0=float("nan")), r"PenningTrap\.B0.*not finite"),
        (lambda: PenningTrap(B0=10**400), r"PenningTrap\.B0 must be a finite magnetic field in tesla, .*too large"),
        (lambda: PenningTrap(V0="0.025"), r"PenningTrap\.V0 must be a finite voltage in volt, got '0\.025' \(str\)"),
        (lambda: PenningTrap(C4=complex(1, 1)), r"PenningTrap\.C4 .*\(complex\)"),
        (lambda: PenningTrap(B2=None), r"PenningTrap\.B2 .*got None"),
        (lambda: PenningTrap(tilt=float("inf")), r"PenningTrap\.tilt must be a finite angle in rad.*not finite"),
        (lambda: PenningTrap(ellipticity=[0.1]), r"PenningTrap\.ellipticity"),
        (lambda: PenningTrap(drive=0.1), r"PenningTrap\.drive must be a trapode\.Drive or None"),
        (lambda: PenningTrap(constants="CODATA2018"), r"PenningTrap\.constants must be one of 'codata', 'report'"),
        (lambda: PenningTrap(constants="reprot"), r"Did you mean 'report'\?"),
        (lambda: Drive(amplitude=-0.1, omega=1.0), r"Drive\.amplitude must be a finite number ≥ 0"),
        (lambda: Drive(amplitude=0.1, omega=0.0), r"Drive\.omega must be a positive finite angular frequency"),
    ],
)
def test_bad_values_name_field_value_and_expectation(make, match):
    with pytest.raises(ConfigError, match=match):
        make()


def test_a_trap_is_immutable_and_hashable(trap):
    with pytest.raises(dataclasses.FrozenInstanceError):
        trap.B0 = 2.0
    assert hash(trap) == hash(PenningTrap())


def test_frequencies_of_an_unconfining_trap_are_refused_with_the_criterion(trap):
    anion = trapode.Particle(q=-1, m=40.0)
    with pytest.raises(ConfigError, match=r"does not confine .*q V0 = -0\.025 e V must be > 0"):
        trap.frequencies(anion)
