"""Particles: species from maintained tables, the report's ions, reproducible random ensembles."""

import numpy as np
import pytest
from scipy import constants as si

import trapode
from trapode import ConfigError, Particle
from trapode.species import species

ELECTRON = si.physical_constants["electron mass in u"][0]


def test_report_particles_keep_the_reports_mass():
    assert trapode.report_particle_1() == Particle(q=1, m=40.077, r=(20, 0, 20), v=(0, 25, 0))
    assert trapode.report_particle_2() == Particle(q=1, m=40.077, r=(25, 25, 0), v=(0, 40, 5))
    assert trapode.units.REPORT_CALCIUM_MASS == 40.077


@pytest.mark.parametrize(
    "name, charge, atomic_mass",
    [
        ("40Ca+", 1, 39.962590851),  # PHYSICS.md: ⁴⁰Ca⁺ = 39.962590851 − 0.000548580 u
        ("9Be+", 1, 9.012183065),  # AME 2020
        ("133Cs+", 1, 132.905451961),
        ("40Ca2+", 2, 39.962590851),
        ("40Ca++", 2, 39.962590851),
        ("1H-", -1, 1.00782503223),
        ("4He", 0, 4.00260325413),
    ],
)
def test_ion_masses_are_atomic_masses_less_electrons(name, charge, atomic_mass):
    found = species(name)
    assert found.charge == charge
    # periodictable's table and AME 2020 differ in the ninth decimal for some isotopes.
    assert found.mass == pytest.approx(atomic_mass - charge * ELECTRON, abs=1e-8)


@pytest.mark.parametrize(
    "name, charge, key",
    [
        ("electron", -1, "electron mass in u"),
        ("positron", 1, "electron mass in u"),
        ("proton", 1, "proton mass in u"),
        ("antiproton", -1, "proton mass in u"),
        ("Antiproton", -1, "proton mass in u"),
        ("alpha", 2, "alpha particle mass in u"),
    ],
)
def test_elementary_particles_have_codata_masses(name, charge, key):
    found = species(name)
    assert (found.charge, found.mass) == (charge, si.physical_constants[key][0])


@pytest.mark.parametrize(
    "name, match",
    [
        ("antiprotn", r"Did you mean 'antiproton'"),
        ("Ca+", r"give an elementary particle .* such as '40Ca\+'"),
        ("40Xx+", r"'Xx' is not an element symbol"),
        ("40Cx+", r"'Cx' is not an element symbol\. Did you mean 'C'"),
        ("400Ca+", r"calcium has no isotope with mass number 400 .* 40Ca, 42Ca"),
        ("4He3+", r"helium has only 2 electrons to lose"),
        (40, r"species must be a name such as '40Ca\+'"),
        (["40Ca+"], r"species must be a name such as '40Ca\+'"),
        ("40Ca0+", r"is not known"),
        ("1H---", r"negative ion with 3 extra electrons"),
    ],
)
def test_unknown_species_are_refused_with_close_matches(name, match):
    with pytest.raises(ConfigError, match=match):
        species(name)


def test_particle_from_species():
    ion = Particle(species="40Ca+", r=(20, 0, 20), v=(0, 25, 0))
    assert ion.q == 1.0 and ion.m == pytest.approx(39.962590851 - ELECTRON, abs=1e-9)
    assert ion.species == "40Ca+" and ion.label() == "40Ca+"
    assert Particle(species="antiproton").r == (0.0, 0.0, 0.0)
    with pytest.raises(ConfigError, match="either species or q and m"):
        Particle(q=1, species="40Ca+")
    with pytest.raises(ConfigError, match=r"needs a species .* or both q \(e\) and m \(u\)"):
        Particle(q=1)


def test_values_are_normalised_to_floats_and_tuples():
    particle = Particle(q=1, m=40, r=[1, 2, 3], v=np.array([0, 0, 0.5]))
    assert particle.r == (1.0, 2.0, 3.0) and particle.v == (0.0, 0.0, 0.5) and isinstance(particle.m, float)


@pytest.mark.parametrize(
    "make, match",
    [
        (lambda: Particle(q=1, m=0), r"Particle\.m must be a positive finite mass in u, got 0"),
        (lambda: Particle(q=1, m=-2.5), r"Particle\.m .* got -2\.5"),
        (lambda: Particle(q=float("nan"), m=1), r"Particle\.q.*not finite"),
        (lambda: Particle(q=1, m=1, r=(0, 0)), r"Particle\.r must be a sequence of 3 .*2 values"),
        (lambda: Particle(q=1, m=1, v=(0, 0, 0, 1)), r"Particle\.v .*4 values"),
        (lambda: Particle(q=1, m=1, r=(0, float("inf"), 0)), r"Particle\.r\[1\].*not finite"),
        (lambda: Particle(q=1, m=1, r="abc"), r"Particle\.r must be a sequence of 3"),
        (lambda: Particle(q=1, m=1, r={5: "a", 6: "b", 7: "c"}), r"Particle\.r must be a sequence of 3.*\(dict\)"),
        (lambda: Particle(q=1, m=1, r=np.zeros((3, 1))), r"Particle\.r must be a sequence of 3"),
        (lambda: Particle(q="1", m=1), r"Particle\.q must be a finite charge in e, got '1' \(str\)"),
        (lambda: Particle(q=True, m=1), r"Particle\.q .*\(bool\)"),
    ],
)
def test_bad_values_name_field_value_and_expectation(make, match):
    with pytest.raises(ConfigError, match=match):
        make()


def test_random_particles_are_reproducible_and_normal_with_scale_tenth_of_d(trap):
    ions = trapode.random_particles(20000, trap, seed=7)
    assert ions[:5] == trapode.random_particles(20000, trap, seed=7)[:5]
    assert ions[:5] != trapode.random_particles(20000, trap, seed=8)[:5]
    positions = np.array([ion.r for ion in ions])
    velocities = np.array([ion.v for ion in ions])
    # Standard error of the std of 20000 normals is 0.5 %: 3 % is far outside chance.
    np.testing.assert_allclose(positions.std(axis=0), 50.0, rtol=0.03)
    np.testing.assert_allclose(velocities.std(axis=0), 50.0, rtol=0.03)
    np.testing.assert_allclose(positions.mean(axis=0), 0.0, atol=2.0)
    assert {ion.q for ion in ions} == {1.0} and {ion.m for ion in ions} == {40.077}


def test_random_particles_accept_a_generator_and_other_species(trap):
    generator = np.random.default_rng(3)
    ions = trapode.random_particles(3, trap, seed=generator, q=2, m=9.012)
    assert [ion.q for ion in ions] == [2.0] * 3 and ions[0].m == 9.012
    beryllium = trapode.random_particles(2, trap, seed=1, species="9Be+")
    assert {ion.species for ion in beryllium} == {"9Be+"}


@pytest.mark.parametrize("n", [0, -1, 2.5, True, "3"])
def test_random_particles_need_a_positive_count(trap, n):
    with pytest.raises(ConfigError, match=r"n must be an integer ≥ 1"):
        trapode.random_particles(n, trap)


@pytest.mark.parametrize("seed", ["abc", -1, 1.5])
def test_random_particles_check_the_seed(trap, seed):
    with pytest.raises(ConfigError, match=r"seed must be an integer ≥ 0"):
        trapode.random_particles(3, trap, seed=seed)
