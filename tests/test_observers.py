"""What a run keeps: the save schedule, and escapes checked at every step whatever is kept."""

import dataclasses

import numpy as np
import pytest

import trapode
from trapode.observers import row_of_step, rows_written, saved_steps


def test_save_schedule():
    assert saved_steps(10, 3).tolist() == [0, 3, 6, 9, 10]
    assert saved_steps(9, 3).tolist() == [0, 3, 6, 9]
    assert saved_steps(10, 10).tolist() == [0, 10]
    assert [row_of_step(step, 3) for step in (0, 3, 6, 9, 10)] == [0, 1, 2, 3, 4]
    assert rows_written(10, 3) == 5 and rows_written(7, 3) == 4


@pytest.mark.parametrize("method", ["rk4", "euler", "dop853"])
@pytest.mark.parametrize("save_every", [7, "final"])
def test_kept_states_are_those_of_the_full_run_and_escapes_are_exact(trap, method, save_every):
    # Fired along z from near the centre: axial amplitudes vz/ωz of 14 to 290 µm against d = 150 µm.
    weak = dataclasses.replace(trap, d=150.0, V0=0.025 * (150.0 / 500.0) ** 2)  # the same ωz as the report's
    ions = [trapode.Particle(q=1, m=40.077, r=(5, 0, 0), v=(0, 3, vz)) for vz in (10, 40, 80, 110, 130, 200)]
    config = trapode.SimulationConfig(
        trap=weak, particles=ions, t_end=20.0, n_steps=1000, method=method, interactions=False
    )
    full = trapode.simulate(config)
    part = trapode.simulate(dataclasses.replace(config, save_every=save_every))
    steps = saved_steps(1000, 1000 if save_every == "final" else save_every)
    np.testing.assert_array_equal(part.t, full.t[steps])
    np.testing.assert_array_equal(part.r, full.r[steps])
    np.testing.assert_array_equal(part.v, full.v[steps])
    np.testing.assert_array_equal(part.trapped, full.trapped)
    np.testing.assert_array_equal(part.escape_time, full.escape_time)
    assert 0 < np.isnan(full.escape_time).sum() < 6  # some left, some stayed: the check has something to check
    # The escape time is the first step outside, checked against the kept states of the full run.
    outside = np.linalg.norm(full.r, axis=2) >= weak.d
    left = outside.any(axis=0)
    np.testing.assert_array_equal(np.where(left, full.t[outside.argmax(axis=0)], np.nan), full.escape_time)


def test_final_keeps_the_first_and_last_state(trap, particle_1):
    config = trapode.SimulationConfig(trap=trap, particles=[particle_1], t_end=50.0, n_steps=4000, save_every="final")
    result = trapode.simulate(config)
    assert result.t.tolist() == [0.0, 50.0] and result.r.shape == (2, 1, 3)
    full = trapode.simulate(dataclasses.replace(config, save_every=1))
    np.testing.assert_array_equal(result.r[-1], full.r[-1])
