"""Ready-made particles."""

import numpy as np
import pytest

import trapode


def test_report_particles():
    assert trapode.report_particle_1() == trapode.Particle(q=1, m=40.077, r=(20, 0, 20), v=(0, 25, 0))
    assert trapode.report_particle_2() == trapode.Particle(q=1, m=40.077, r=(25, 25, 0), v=(0, 40, 5))


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


@pytest.mark.parametrize("n", [0, -1, 2.5, True])
def test_random_particles_need_a_positive_count(trap, n):
    with pytest.raises(trapode.ConfigError, match=r"n must be an integer ≥ 1"):
        trapode.random_particles(n, trap)
