"""Clouds of ions (issue 12): particles as arrays, the FMM, runs streamed to HDF5 and resumed, plasma diagnostics.

References are computed here: the Coulomb sum by NumPy over all pairs, the
free ion's closed form for the centre of mass (Kohn's theorem), a uniform
spheroid drawn with known size, rotation and temperatures.
"""

from __future__ import annotations

import dataclasses
import math
import os
import signal
import subprocess
import sys
import time

import numpy as np
import pytest
import scipy.constants

import trapode
from trapode.errors import ConfigError

from .reference import K_E, TESLA, VOLT

TRAP = trapode.PenningTrap()


def direct_accelerations(r: np.ndarray, q: np.ndarray, m: np.ndarray, k_e: float) -> np.ndarray:
    """(q_i/m_i) Σ_j k_e q_j (r_i − r_j)/|r_i − r_j|³ over all pairs, by NumPy (r: (N, 3))."""
    delta = r[:, None, :] - r[None, :, :]
    distance = np.linalg.norm(delta, axis=2)
    np.fill_diagonal(distance, np.inf)
    return (q / m)[:, None] * k_e * np.einsum("ijk,ij,j->ik", delta, distance**-3, q)


# --- particles as arrays ----------------------------------------------------------------------------------


def test_random_particles_are_the_normal_draws_of_the_seed_as_arrays():
    cloud = trapode.random_particles(1000, TRAP, seed=7)
    rng = np.random.default_rng(7)
    positions, velocities = rng.normal(0, 0.1 * TRAP.d, (1000, 3)), rng.normal(0, 0.1 * TRAP.d, (1000, 3))
    assert isinstance(cloud, trapode.ParticleSet)
    np.testing.assert_array_equal(cloud.r, positions)
    np.testing.assert_array_equal(cloud.v, velocities)
    assert cloud[3] == trapode.Particle(q=1, m=40.077, r=tuple(positions[3]), v=tuple(velocities[3]))
    assert list(cloud[:2]) == [cloud[0], cloud[1]] and len(cloud) == 1000


def test_a_particle_set_is_a_sequence_of_particles_everywhere_a_list_is():
    listed = [trapode.report_particle_1(), trapode.report_particle_2()]
    as_set = trapode.ParticleSet([p.r for p in listed], [p.v for p in listed], q=1, m=40.077)
    assert as_set == listed and as_set == tuple(listed)
    by_list = trapode.SimulationConfig(trap=TRAP, particles=listed, t_end=1.0, n_steps=10)
    by_set = trapode.SimulationConfig(trap=TRAP, particles=as_set, t_end=1.0, n_steps=10)
    assert by_list == by_set and hash(by_list.particles) == hash(by_set.particles)
    np.testing.assert_array_equal(trapode.simulate(by_list, progress=False).r, trapode.simulate(by_set).r)
    named = trapode.ParticleSet([[1, 0, 0], [0, 1, 0]], species=["9Be+", "40Ca+"])
    assert named[0].species == "9Be+" and named.m[1] == trapode.Particle(species="40Ca+").m


@pytest.mark.parametrize(
    "arguments, match",
    [
        (dict(r=[[0, 0, 0]], v=[[0, 0, 0], [1, 1, 1]], q=1, m=1), r"ParticleSet.v must be an array of shape \(1, 3\)"),
        (dict(r=[[0, 0]], q=1, m=1), r"ParticleSet.r must be an array of shape \(N, 3\).*got shape \(1, 2\)"),
        (dict(r=[[0, 0, 0], [1, np.nan, 0]], q=1, m=1), r"ParticleSet.r\[1\] must be 3 finite numbers in µm"),
        (dict(r=[[0, 0, 0]], q=[1, 2], m=1), r"ParticleSet.q must be a finite charge in e: a number or 1 numbers"),
        (dict(r=[[0, 0, 0]], q=1, m=-1), r"ParticleSet.m\[0\] must be a positive finite mass in u, got -1.0"),
        (dict(r=[[0, 0, 0]], q=1, m=1, species="9Be+"), r"either species or q and m"),
        (dict(r=[[0, 0, 0]]), r"needs species .* or both q \(e\) and m \(u\)"),
        (dict(r=np.empty((0, 3)), q=1, m=1), r"at least one particle"),
    ],
)
def test_bad_particle_sets_are_refused_naming_the_field(arguments, match):
    with pytest.raises(ConfigError, match=match):
        trapode.ParticleSet(**arguments)


@pytest.mark.parametrize(
    "changes, match",
    [
        ({"coulomb": "fast"}, r"coulomb must be one of 'auto', 'direct', 'fmm', got 'fast'"),
        ({"fmm_tolerance": 0.5}, r"fmm_tolerance must be a relative precision from 1e-15 to 0.1, got 0.5"),
        ({"save_every": 2.5}, r"save_every must be an integer ≥ 1, got 2.5"),
        ({"save_every": 0}, r"save_every must be an integer ≥ 1, got 0"),
        ({"output": ""}, r"output must be a file path"),
    ],
)
def test_bad_cloud_settings_are_refused(changes, match):
    settings = dict(trap=TRAP, particles=trapode.random_particles(3, TRAP, seed=1), t_end=1.0, n_steps=10)
    with pytest.raises(ConfigError, match=match):
        trapode.SimulationConfig(**{**settings, **changes})


def test_an_output_that_cannot_be_written_is_refused_before_any_work(tmp_path):
    config = trapode.SimulationConfig(
        trap=TRAP, particles=trapode.random_particles(3, TRAP, seed=1), t_end=1.0, n_steps=10,
        output=tmp_path / "missing" / "cloud.h5",
    )  # fmt: skip
    with pytest.raises(ConfigError, match=r"output.*missing"):
        trapode.simulate(config)


def test_fmm_without_the_library_or_with_a_method_that_cannot_take_it_is_refused(monkeypatch):
    settings = dict(trap=TRAP, particles=trapode.random_particles(3, TRAP, seed=1), t_end=1.0, n_steps=10)
    with pytest.raises(ConfigError, match=r"coulomb = 'fmm' needs a method with one Coulomb sum .*got method 'rk4'"):
        trapode.simulate(trapode.SimulationConfig(**settings, method="rk4", coulomb="fmm"))
    from trapode.forces import fmm

    monkeypatch.setattr(fmm, "_module", lambda: None)
    with pytest.raises(ConfigError, match=r"fmm3dpy, which is not installed.*pip install \"trapode\[fmm\]\""):
        trapode.simulate(trapode.SimulationConfig(**settings, method="boris", coulomb="fmm"))
    # "auto" falls back to the direct sum.
    trapode.simulate(trapode.SimulationConfig(**settings, method="boris", coulomb="auto"), progress=False)


# --- the fast multipole method ----------------------------------------------------------------------------


@pytest.mark.parametrize("n", [257, 513, 2049])
def test_the_tiled_pair_sums_match_numpy_across_block_edges_whatever_the_threads(n):
    # Blocks are 256 particles here: 257 has a last block of one, 513 three blocks, 2049 nine (threaded).
    import numba

    from trapode.system import ParticleSystem

    rng = np.random.default_rng(n)
    cloud = trapode.ParticleSet(rng.normal(0, 50, (n, 3)), q=rng.choice([1.0, 2.0], n), m=rng.choice([9.0, 40.0], n))
    system = ParticleSystem.from_particles(cloud, TRAP, True)
    expected = direct_accelerations(cloud.r, cloud.q, cloud.m, K_E)
    scale = np.abs(expected).max()
    k_e = TRAP.units.coulomb_constant
    arguments = (system.positions, system.charge, system.q_over_m, k_e)
    serial, threaded = np.empty((3, n)), {}
    system.model.coulomb_accelerations(*arguments, serial)
    np.testing.assert_allclose(serial.T, expected, rtol=0, atol=1e-12 * scale)
    before = numba.get_num_threads()
    try:
        for threads in sorted({1, before}):
            numba.set_num_threads(threads)
            threaded[threads] = np.empty((3, n))
            system.model.coulomb_accelerations_threaded(*arguments, threaded[threads])
    finally:
        numba.set_num_threads(before)
    np.testing.assert_allclose(threaded[1].T, expected, rtol=0, atol=1e-12 * scale)
    assert all(np.array_equal(out, threaded[1]) for out in threaded.values())  # the same sums on any thread count


@pytest.mark.parametrize("kernel", ["coulomb_accelerations", "coulomb_accelerations_threaded"])
def test_two_neutral_particles_at_one_point_make_the_pair_sums_fall_back_to_the_floored_field(kernel):
    # The fast sums have no floor on |Δ|²: at one point they meet 0 × ∞ = NaN, notice it, and sum again floored.
    from trapode.system import ParticleSystem

    rng = np.random.default_rng(5)
    q = np.array([1.0, 2.0, 0.0, 1.0, 0.0, 1.0, 2.0])
    cloud = trapode.ParticleSet(rng.normal(0, 50, (7, 3)), q=q, m=np.full(7, 40.0))
    system = ParticleSystem.from_particles(cloud, TRAP, True)
    positions = system.positions.copy()
    positions[:, 4] = positions[:, 2]  # the two neutral particles now coincide
    charged = q != 0.0
    expected = np.zeros((7, 3))  # neutral particles exert no field and feel no force
    expected[charged] = direct_accelerations(positions.T[charged], q[charged], np.full(5, 40.0), K_E)
    out = np.empty((3, 7))
    getattr(system.model, kernel)(positions, system.charge, system.q_over_m, TRAP.units.coulomb_constant, out)
    assert np.isfinite(out).all()
    np.testing.assert_allclose(out.T, expected, rtol=0, atol=1e-12 * np.abs(expected).max())


@pytest.mark.parametrize("n", [2, 300, 3000])
def test_fmm_accelerations_match_the_pair_sum(n):
    pytest.importorskip("fmm3dpy")
    from trapode.forces.fmm import fmm_accelerations

    rng = np.random.default_rng(n)
    r = rng.normal(0, 50, (n, 3))
    q = rng.choice([1.0, 2.0], n)
    m = rng.choice([9.0, 40.0], n)
    k_e = K_E
    expected = direct_accelerations(r, q, m, k_e)
    out = np.empty((3, n))
    for tolerance, bound in ((1e-6, 1e-6), (1e-12, 1e-11)):
        fmm_accelerations(np.ascontiguousarray(r.T), q, q / m, k_e, tolerance, out)
        error = np.linalg.norm(out.T - expected) / np.linalg.norm(expected)
        assert error < bound, (tolerance, error)


def test_a_run_with_the_fmm_follows_the_direct_run():
    pytest.importorskip("fmm3dpy")
    cloud = trapode.random_particles(200, TRAP, seed=3)
    for method in ("boris", "splitting"):
        settings = dict(trap=TRAP, particles=cloud, t_end=2.0, n_steps=80, method=method, save_every=40)
        direct = trapode.simulate(trapode.SimulationConfig(**settings, coulomb="direct"), progress=False)
        fmm = trapode.simulate(trapode.SimulationConfig(**settings, coulomb="fmm", fmm_tolerance=1e-12), progress=False)
        assert 0 < np.abs(fmm.r - direct.r).max() < 1e-9 * np.abs(direct.r).max()
        np.testing.assert_array_equal(fmm.t, direct.t)


# --- runs streamed to HDF5 --------------------------------------------------------------------------------


def _stream_config(path, n=200, n_steps=300, save_every=25, method="boris"):
    return trapode.SimulationConfig(
        trap=TRAP, particles=trapode.random_particles(n, TRAP, seed=5), t_end=3.0, n_steps=n_steps,
        method=method, save_every=save_every, output=path,
    )  # fmt: skip


@pytest.mark.parametrize("method", ["boris", "rk4", "splitting"])
def test_a_streamed_run_writes_the_states_of_the_run_in_memory(tmp_path, method):
    config = _stream_config(tmp_path / "cloud.h5", method=method)
    in_memory = trapode.simulate(dataclasses.replace(config, output=None), progress=False)
    with trapode.simulate(config, progress=False) as streamed:
        assert isinstance(streamed, trapode.StreamedResult) and streamed.complete
        np.testing.assert_array_equal(streamed.t, in_memory.t)
        np.testing.assert_array_equal(streamed.r[: streamed.n_rows], in_memory.r)
        np.testing.assert_array_equal(streamed.v[: streamed.n_rows], in_memory.v)
        np.testing.assert_array_equal(streamed.final_r, in_memory.r[-1])
        np.testing.assert_array_equal(streamed.trapped, in_memory.trapped)
        np.testing.assert_array_equal(streamed.escape_time, in_memory.escape_time)
        dataset = streamed.to_xarray()
        assert dataset["r"].sizes == {"time": 13, "particle": 200, "axis": 3}
        np.testing.assert_array_equal(dataset["r"].isel(time=-1).values, in_memory.r[-1])


_KILLED_RUN = """
import sys, trapode
config = trapode.SimulationConfig(
    trap=trapode.PenningTrap(), particles=trapode.random_particles(2000, trapode.PenningTrap(), seed=5),
    t_end=40.0, n_steps=4000, method="boris", save_every=10, output=sys.argv[1])
trapode.simulate(config, progress=False)
"""


@pytest.mark.filterwarnings("ignore::trapode.AccuracyWarning")  # 2000 ions at h = 0.01 µs: not the point
def test_a_killed_run_keeps_what_it_wrote_and_resumes_to_the_same_end(tmp_path):
    path = tmp_path / "killed.h5"
    environment = {**os.environ, "NUMBA_NUM_THREADS": "1"}
    process = subprocess.Popen([sys.executable, "-c", _KILLED_RUN, str(path)], env=environment)
    try:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            time.sleep(0.2)
            if path.exists():
                try:
                    with trapode.load_stream(path) as partial:
                        if partial.n_rows >= 3:
                            break
                except ConfigError:
                    pass  # still being created
        process.send_signal(signal.SIGKILL)
    finally:
        process.wait()
    with trapode.load_stream(path) as killed:
        assert not killed.complete and 3 <= killed.n_rows < 401
        written = killed.n_rows
        first_rows = killed.r[:written]
    resumed = trapode.resume(path, progress=False)
    config = resumed.config
    assert resumed.complete and resumed.n_rows == 401
    np.testing.assert_array_equal(resumed.r[:written], first_rows)
    whole = trapode.simulate(dataclasses.replace(config, output=None), progress=False)
    np.testing.assert_array_equal(resumed.final_r, whole.r[-1])
    np.testing.assert_array_equal(resumed.escape_time, whole.escape_time)
    resumed.close()


def test_a_stream_file_that_is_not_one_is_refused(tmp_path):
    path = tmp_path / "other.h5"
    path.write_bytes(b"not HDF5 at all")
    with pytest.raises(ConfigError, match=r"is not a readable HDF5 file"):
        trapode.load_stream(path)
    with pytest.raises(ConfigError, match=r"does not exist"):
        trapode.resume(tmp_path / "none.h5")


# --- physics ----------------------------------------------------------------------------------------------


def test_kohn_the_centre_of_mass_of_1000_interacting_ions_moves_as_one_free_ion():
    """Ideal trap, equal q/m: the Coulomb forces cancel in the sum (PHYSICS.md), whatever they do to each ion."""
    cloud = trapode.random_particles(1000, TRAP, seed=11)
    config = trapode.SimulationConfig(
        trap=TRAP, particles=cloud, t_end=10.0, n_steps=1000, method="rk4", save_every=10, coulomb="direct"
    )
    result = trapode.simulate(config, progress=False)
    com = trapode.cloud_diagnostics(result).centre_of_mass
    # The free ion's closed form (PHYSICS.md), from the centre of mass's initial state, computed here.
    x0, v0 = cloud.r.mean(axis=0), cloud.v.mean(axis=0)
    omega_c = TESLA * TRAP.B0 / 40.077
    omega_z = math.sqrt(2 * VOLT * TRAP.V0 / (40.077 * TRAP.d**2))
    root = math.sqrt(omega_c**2 - 2 * omega_z**2)
    plus, minus = (omega_c + root) / 2, (omega_c - root) / 2
    f0, df0 = complex(x0[0], x0[1]), complex(v0[0], v0[1])
    a_plus = (df0 + 1j * minus * f0) / (1j * (minus - plus))
    a_minus = (df0 + 1j * plus * f0) / (1j * (plus - minus))
    t = result.t
    f = a_plus * np.exp(-1j * plus * t) + a_minus * np.exp(-1j * minus * t)
    z = x0[2] * np.cos(omega_z * t) + v0[2] / omega_z * np.sin(omega_z * t)
    exact = np.stack([f.real, f.imag, z], axis=1)
    relative = np.linalg.norm(com - exact, axis=1).max() / np.linalg.norm(exact, axis=1).max()
    assert relative < 2e-7
    # ... while the ions themselves are far from free motion: the interaction matters.
    assert np.abs(result.r[-1] - trapode.simulate(
        dataclasses.replace(config, interactions=False), progress=False).r[-1]).max() > 1.0  # fmt: skip


def _lattice_sphere(n, density, rng):
    """n points of a cubic lattice of the given density (µm⁻³) filling a sphere, each moved by 10 % of a spacing."""
    spacing = density ** (-1 / 3)
    radius = (3 * n / (4 * math.pi * density)) ** (1 / 3)
    axis = (np.arange(int(2 * radius / spacing) + 3) - (int(2 * radius / spacing) + 2) / 2) * spacing
    grid = np.stack(np.meshgrid(axis, axis, axis, indexing="ij"), axis=-1).reshape(-1, 3)
    nearest = grid[np.argsort((grid**2).sum(axis=1), kind="stable")[:n]]
    return nearest + rng.normal(0, 0.1 * spacing, (n, 3))


@pytest.mark.slow
def test_the_coulomb_interaction_of_10_000_ions_conserves_energy_to_second_order_with_splitting():
    # 10⁴ cold ⁹Be⁺ in a sphere at n = 1e-4 µm⁻³ (spacing 21.5 µm): their Coulomb energy is 300 eV, four
    # orders above the trap's, and drives the cloud apart. The splitting flows the trap exactly and kicks
    # with the Coulomb force, so the energy error is the kicks'. Inside a uniform sphere that force is
    # harmonic, m ω² r with ω² = ωp²/3 (ωp² = q² n / (ε0 m)); kicks of a harmonic force conserve
    # p²/2m + (m ω²/2)(1 − (ωh)²/4) r² exactly, so the energy strays from its start by at most
    # (ωh)²/4 = (ωp h)²/12 of the force's energy: the bound. Halving h must quarter the error (order 2).
    n, density, mass = 10_000, 1e-4, 9.012183065 - scipy.constants.m_e / scipy.constants.atomic_mass
    si = scipy.constants
    omega_p = math.sqrt(si.e**2 * density * 1e18 / (si.epsilon_0 * mass * si.atomic_mass)) * 1e-6  # rad/µs
    rng = np.random.default_rng(3)
    cloud = trapode.ParticleSet(_lattice_sphere(n, density, rng), rng.normal(0, 0.1, (n, 3)), q=1.0, m=mass)
    errors = {}
    for step in (0.02, 0.01):
        config = trapode.SimulationConfig(trap=TRAP, particles=cloud, t_end=0.4, n_steps=round(0.4 / step),
                                          method="splitting", save_every=round(0.1 / step))  # fmt: skip
        result = trapode.simulate(config, progress=False)
        assert result.trapped.all()
        energy = result.energy()
        assert abs(energy.trap[0]) < 1e-3 * energy.coulomb[0]  # the Coulomb energy is what moves
        errors[step] = np.abs(energy.total - energy.total[0])
        assert errors[step].max() < (omega_p * step) ** 2 / 12 * energy.coulomb[0]
    assert errors[0.02].max() / errors[0.01].max() == pytest.approx(4.0, rel=0.1)


def _uniform_spheroid(n, a, b, omega, temperature_z, temperature_perp, mass, rng):
    """n points uniform in the spheroid (a, a, b), rotating rigidly at omega (rad/µs), with thermal velocities."""
    points = []
    while sum(len(p) for p in points) < n:
        trial = rng.uniform(-1, 1, (2 * n, 3))
        points.append(trial[(trial**2).sum(axis=1) < 1])
    unit = np.concatenate(points)[:n]
    r = unit * np.array([a, a, b])
    speed = lambda kelvin: math.sqrt(scipy.constants.k * kelvin / (mass * scipy.constants.atomic_mass))  # noqa: E731
    v = np.stack([-omega * r[:, 1], omega * r[:, 0], np.zeros(n)], axis=1)
    v += rng.normal(0, 1, (n, 3)) * np.array([speed(temperature_perp), speed(temperature_perp), speed(temperature_z)])
    return r + np.array([3.0, -2.0, 1.0]), v


def test_a_flat_cloud_has_no_density_but_its_semi_axes():
    # 100 ions in the plane z = 0 (a 2-D crystal's layer): no volume, so NaN density, and the bare in-plane axes.
    rng = np.random.default_rng(4)
    r = np.column_stack([rng.uniform(-50, 50, (100, 2)), np.zeros(100)])
    config = trapode.SimulationConfig(trap=TRAP, particles=trapode.ParticleSet(r, q=1, m=9.0), t_end=1e-6,
                                      n_steps=1, method="boris", interactions=False, save_every="final")  # fmt: skip
    result = trapode.simulate(config, progress=False)
    for wigner_seitz in (True, False):
        diagnostics = trapode.cloud_diagnostics(result, wigner_seitz=wigner_seitz)
        assert np.isnan(diagnostics.density[0]) and diagnostics.semi_axes[0, 2] < 1e-3
        centred = result.r[0, :, :2] - result.r[0, :, :2].mean(axis=0)
        expected = np.sqrt(5 * np.linalg.eigvalsh(centred.T @ centred / 100))[::-1]
        np.testing.assert_allclose(diagnostics.semi_axes[0, :2], expected, rtol=1e-9)


def test_cloud_diagnostics_measure_a_uniform_rotating_spheroid():
    rng = np.random.default_rng(1)
    n, a, b, omega, mass = 200_000, 80.0, 40.0, 0.05, 9.012
    r, v = _uniform_spheroid(n, a, b, omega, 0.002, 0.005, mass, rng)
    cloud = trapode.ParticleSet(r, v, q=1, m=mass)
    config = trapode.SimulationConfig(trap=TRAP, particles=cloud, t_end=1e-6, n_steps=1, method="boris",
                                      interactions=False)  # fmt: skip
    result = trapode.simulate(config, progress=False)
    diagnostics = trapode.cloud_diagnostics(result, wigner_seitz=False)  # points drawn, not a crystal
    assert diagnostics.radius[0] == pytest.approx(a, rel=3e-3)
    np.testing.assert_allclose(diagnostics.semi_axes[0], [a, a, b], rtol=3e-3)
    assert diagnostics.axial_extent[0] == pytest.approx(b, rel=3e-3)
    assert diagnostics.aspect_ratio[0] == pytest.approx(0.5, rel=5e-3)
    assert diagnostics.density[0] == pytest.approx(n / (4 / 3 * math.pi * a * a * b * 1e-18), rel=1e-2)
    assert diagnostics.rotation_frequency[0] == pytest.approx(omega, rel=1e-2)
    assert diagnostics.temperature_axial[0] == pytest.approx(0.002, rel=1e-2)
    assert diagnostics.temperature_cyclotron[0] == pytest.approx(0.005, rel=1e-2)
    np.testing.assert_allclose(diagnostics.centre_of_mass[0], [3.0, -2.0, 1.0], atol=0.3)
    # Spread over Wigner–Seitz spheres (4/3 π a_ws³ = the volume per point), each variance a²/5 gains
    # a_ws²/5, and the density falls by Σ (a_ws²/5) / (2 aᵢ²/5) to first order: 5.5e-4 here.
    a_ws2 = (a * a * b / n) ** (2 / 3)
    spread = trapode.cloud_diagnostics(result).density[0] / diagnostics.density[0]
    assert 1 - spread == pytest.approx(a_ws2 / 2 * (2 / a**2 + 1 / b**2), rel=0.02)
    with pytest.raises(trapode.ConfigError, match="wigner_seitz"):
        trapode.cloud_diagnostics(result, wigner_seitz="yes")
    figure = diagnostics.plot()
    assert [ax.get_ylabel() for ax in figure.axes] == [
        "size (µm)", "density (m⁻³)", "rotation frequency (rad/µs)", "temperature (K)"
    ]  # fmt: skip
