"""Resonance sweeps: correctness, batching, executors, retries, checkpoints, progress."""

import concurrent.futures
import dataclasses
import os
import signal
import sqlite3
import subprocess
import sys
import textwrap
import time
from concurrent.futures.process import BrokenProcessPool

import numpy as np
import pytest

import trapode
from trapode import ConfigError, cli
from trapode.scans import run_batch

SMALL = dict(t_end=40.0, n_steps=400, progress=False)


@pytest.fixture
def ions(trap):
    return trapode.random_particles(12, trap, seed=11)


def test_sweep_matches_separate_simulations(trap, ions):
    amplitudes, omegas = [0.2, 0.7], [0.7, 1.39, 2.2]
    result = trapode.sweep(trap, ions, amplitudes, omegas, interactions=True, **SMALL)
    assert result.trapped.shape == (2, 3, 12) and result.fraction_trapped.shape == (2, 3)
    for ia, amplitude in enumerate(amplitudes):
        for iw, omega in enumerate(omegas):
            config = trapode.SimulationConfig(
                trap=dataclasses.replace(trap, drive=trapode.Drive(amplitude, omega)),
                particles=ions,
                t_end=40.0,
                n_steps=400,
                interactions=True,
            )
            np.testing.assert_array_equal(result.trapped[ia, iw], trapode.simulate(config).trapped)
    np.testing.assert_array_equal(result.fraction_trapped, result.trapped.mean(axis=2))
    assert result.fraction_trapped.min() < 1 and result.fraction_trapped.max() > 0  # not a trivial outcome


@pytest.mark.parametrize("interactions", [False, True])
def test_results_do_not_depend_on_batching(trap, ions, interactions):
    grid = dict(amplitudes=[0.4, 0.7], omegas=np.linspace(0.6, 2.3, 7), interactions=interactions, **SMALL)
    reference = trapode.sweep(trap, ions, batch_size=1, **grid)
    for batch_size in (3, 14):
        np.testing.assert_array_equal(
            trapode.sweep(trap, ions, batch_size=batch_size, **grid).trapped, reference.trapped
        )
    with concurrent.futures.ThreadPoolExecutor(2) as pool:
        np.testing.assert_array_equal(
            trapode.sweep(trap, ions, executor=pool, batch_size=2, **grid).trapped, reference.trapped
        )


@pytest.mark.slow
def test_process_pool_gives_the_local_result(trap, ions):
    grid = dict(amplitudes=[0.7], omegas=np.linspace(0.6, 2.3, 6), **SMALL)
    with concurrent.futures.ProcessPoolExecutor(2) as pool:
        remote = trapode.sweep(trap, ions, executor=pool, batch_size=2, **grid)
    np.testing.assert_array_equal(remote.trapped, trapode.sweep(trap, ions, **grid).trapped)


@pytest.mark.slow
def test_dask_local_cluster_gives_the_local_result(trap, ions, tmp_path):
    distributed = pytest.importorskip("distributed")
    grid = dict(amplitudes=[0.1, 0.7], omegas=np.linspace(0.6, 2.3, 6), interactions=True, **SMALL)
    with distributed.LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1", dashboard_address=None
    ) as cluster:
        with distributed.Client(cluster) as client:
            remote = trapode.sweep(trap, ions, executor=client, **grid)
        # The command line's --scheduler reaches the same cluster by its address.
        csv = tmp_path / "scan.csv"
        status = cli.main(
            [
                "sweep",
                "--scheduler",
                cluster.scheduler_address,
                "--quiet",
                "--output",
                str(csv),
                "--ions",
                "12",
                "--seed",
                "11",
                "--amplitudes",
                "0.1",
                "0.7",
                "--omega-min",
                "0.6",
                "--omega-max",
                "2.3",
                "--omega-step",
                str(1.7 / 5),
                "--t-end",
                "40",
                "--n-steps",
                "400",
                "--interactions",
            ]
        )
    local = trapode.sweep(trap, ions, **grid)
    np.testing.assert_array_equal(remote.trapped, local.trapped)
    assert status == 0
    from_cli = np.loadtxt(csv, delimiter=",", skiprows=1)
    np.testing.assert_allclose(from_cli[:, 0], grid["omegas"], rtol=1e-5)
    np.testing.assert_allclose(from_cli[:, 1:].T, local.fraction_trapped, atol=5e-5)


class FlakyExecutor(concurrent.futures.Executor):
    """Runs tasks at once; the first `failures` submissions of each listed ωV fail as a dead worker would."""

    def __init__(self, failing_omegas, failures=1):
        self.remaining = {omega: failures for omega in failing_omegas}
        self.submissions = 0

    def submit(self, fn, batch, *args):
        self.submissions += 1
        future = concurrent.futures.Future()
        omega = float(batch.points[0][1])  # (amplitude, ωV) of the batch's first run
        if self.remaining.get(omega, 0) > 0:
            self.remaining[omega] -= 1
            future.set_exception(BrokenProcessPool("worker died"))
        else:
            future.set_result(fn(batch, *args))
        return future


def test_a_failed_batch_is_retried(trap, ions):
    grid = dict(amplitudes=[0.7], omegas=[0.7, 1.39, 2.2], batch_size=1, **SMALL)
    flaky = FlakyExecutor([1.39])
    result = trapode.sweep(trap, ions, executor=flaky, **grid)
    assert flaky.submissions == 4
    np.testing.assert_array_equal(result.trapped, trapode.sweep(trap, ions, **grid).trapped)


def test_a_batch_that_fails_twice_is_reported_and_the_rest_kept(trap, ions, tmp_path):
    grid = dict(amplitudes=[0.7], omegas=[0.7, 1.39, 2.2], batch_size=1, **SMALL)
    expected = r"1 run\(s\) did not finish: \(f=0\.7, ωV=1\.39\); 1 failed 2 time\(s\)"
    with pytest.raises(trapode.SweepError, match=expected) as caught:
        trapode.sweep(trap, ions, executor=FlakyExecutor([1.39], failures=2), checkpoint=tmp_path / "c.db", **grid)
    partial = caught.value.result
    assert partial.completed.tolist() == [[True, False, True]]
    assert np.isnan(partial.fraction_trapped[0, 1]) and not np.isnan(partial.fraction_trapped[0, 0])
    # The finished runs are in the checkpoint, so the next attempt computes only the failed one.
    counting = FlakyExecutor([])
    complete = trapode.sweep(trap, ions, executor=counting, checkpoint=tmp_path / "c.db", **grid)
    assert counting.submissions == 1 and complete.completed.all()


def test_checkpoint_resumes_without_recomputing(trap, ions, tmp_path):
    path = tmp_path / "scan.db"
    grid = dict(amplitudes=[0.1, 0.7], omegas=[0.7, 1.39], **SMALL)
    first = trapode.sweep(trap, ions, checkpoint=path, **grid)
    nothing_to_do = FlakyExecutor([])
    again = trapode.sweep(trap, ions, checkpoint=path, executor=nothing_to_do, **grid)
    assert nothing_to_do.submissions == 0
    np.testing.assert_array_equal(again.trapped, first.trapped)
    # A wider grid computes only the new runs.
    wider = FlakyExecutor([])
    trapode.sweep(
        trap,
        ions,
        checkpoint=path,
        executor=wider,
        amplitudes=[0.1, 0.7],
        omegas=[0.7, 1.39, 2.2],
        batch_size=1,
        **SMALL,
    )
    assert wider.submissions == 2
    with sqlite3.connect(path) as connection:
        assert connection.execute("SELECT COUNT(*) FROM runs").fetchone() == (6,)


def test_checkpoint_with_other_settings_is_refused(trap, ions, tmp_path):
    path = tmp_path / "scan.db"
    trapode.sweep(trap, ions, amplitudes=[0.1], omegas=[1.0], checkpoint=path, **SMALL)
    with pytest.raises(ConfigError, match=r"was made with other settings \(n_steps: 400 there, 500 here\)"):
        trapode.sweep(
            trap, ions, amplitudes=[0.1], omegas=[1.0], checkpoint=path, t_end=40.0, n_steps=500, progress=False
        )
    with pytest.raises(ConfigError, match=r"other settings \(particles differs\)"):
        trapode.sweep(trap, ions[:5], amplitudes=[0.1], omegas=[1.0], checkpoint=path, **SMALL)


KILLED_SWEEP = textwrap.dedent("""
    import sys
    import numpy as np
    import trapode
    trap = trapode.PenningTrap()
    ions = trapode.random_particles(60, trap, seed=3)
    trapode.sweep(trap, ions, [0.4], np.linspace(0.5, 2.4, 40), t_end=100.0, n_steps=4000, interactions=True,
                  checkpoint=sys.argv[1], batch_size=1, progress=False)
""")


@pytest.mark.slow
def test_sigkill_then_resume_gives_the_uninterrupted_result(tmp_path):
    path = tmp_path / "killed.db"
    script = tmp_path / "sweep.py"
    script.write_text(KILLED_SWEEP)
    process = subprocess.Popen([sys.executable, str(script), str(path)])
    deadline = time.monotonic() + 120
    count = 0
    while time.monotonic() < deadline:
        if path.exists():
            try:
                with sqlite3.connect(path, timeout=1) as connection:
                    count = connection.execute("SELECT COUNT(*) FROM runs").fetchone()[0]
            except sqlite3.OperationalError:  # the table is not there yet, or the file is locked
                pass
        if count >= 3 or process.poll() is not None:
            break
        time.sleep(0.02)
    os.kill(process.pid, signal.SIGKILL)
    process.wait()
    assert process.returncode == -signal.SIGKILL
    with sqlite3.connect(path) as connection:
        assert 3 <= connection.execute("SELECT COUNT(*) FROM runs").fetchone()[0] < 40
    trap = trapode.PenningTrap()
    ions = trapode.random_particles(60, trap, seed=3)
    grid = dict(
        amplitudes=[0.4], omegas=np.linspace(0.5, 2.4, 40), t_end=100.0, n_steps=4000, interactions=True, progress=False
    )
    resumed = trapode.sweep(trap, ions, checkpoint=path, **grid)
    np.testing.assert_array_equal(resumed.trapped, trapode.sweep(trap, ions, **grid).trapped)


@pytest.mark.parametrize(
    "changes, match",
    [
        ({"omegas": []}, r"omegas must be a non-empty 1-D sequence"),
        ({"omegas": [1.0, float("nan")]}, r"omegas must be finite, got \[1\.0, nan\]"),
        (
            {"omegas": [1.0, 0.0, -2.0]},
            r"omegas must all be > 0 \(angular frequencies in rad/µs\), got \[0\.0, -2\.0\]",
        ),
        ({"amplitudes": [0.1, -0.4]}, r"amplitudes must all be ≥ 0 \(relative amplitudes\), got \[-0\.4\]"),
        ({"amplitudes": "0.1"}, r"amplitudes must be"),
        ({"n_steps": 0}, r"n_steps must be an integer ≥ 1, got 0"),
        ({"t_end": -1.0}, r"t_end must be a positive finite duration in µs, got -1\.0"),
        ({"ions": []}, r"ions must hold at least one trapode\.Particle, got none"),
        ({"batch_size": 0}, r"batch_size must be an integer ≥ 1, got 0"),
        ({"executor": "tcp://nowhere"}, r"executor must be None, a concurrent\.futures\.Executor or a dask"),
    ],
)
def test_bad_input_is_refused_before_any_work(trap, ions, changes, match):
    arguments = dict(trap=trap, ions=ions, amplitudes=[0.1], omegas=[1.0], **SMALL)
    arguments.update(changes)
    with pytest.raises(ConfigError, match=match):
        trapode.sweep(**arguments)


def test_no_progress_output_when_not_a_terminal(trap, ions, capsys):
    trapode.sweep(trap, ions, [0.1], [1.0, 1.2], t_end=40.0, n_steps=400, progress=True)
    assert capsys.readouterr().err == ""


@pytest.mark.slow
def test_progress_bar_on_a_terminal(tmp_path):
    """On a terminal, a sweep longer than a second shows a tqdm bar on stderr."""
    import fcntl
    import pty
    import struct
    import termios

    code = textwrap.dedent("""
        import numpy as np, trapode
        trap = trapode.PenningTrap()
        ions = trapode.random_particles(40, trap, seed=1)
        trapode.sweep(trap, ions, [0.1], np.linspace(0.5, 2.0, 24), t_end=100.0, n_steps=4000, interactions=True,
                      batch_size=1)
    """)
    leader, follower = pty.openpty()
    fcntl.ioctl(follower, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 100, 0, 0))  # tqdm hides on a 0×0 terminal
    process = subprocess.Popen([sys.executable, "-c", code], stderr=follower, stdout=subprocess.DEVNULL)
    os.close(follower)
    output = b""
    while True:
        try:
            chunk = os.read(leader, 4096)
        except OSError:
            break
        if not chunk:
            break
        output += chunk
    process.wait()
    assert process.returncode == 0
    assert b"sweep:" in output and b"run/s" in output


def test_run_batch_is_a_plain_function_of_its_batch(trap, ions):
    """What is sent to a worker: picklable data in, a bool array out."""
    import pickle

    result = trapode.sweep(trap, ions, [0.7], [1.39], **SMALL)
    from trapode.scans import _Batch
    from trapode.system import ParticleSystem

    system = ParticleSystem.from_particles(ions, dataclasses.replace(trap, drive=trapode.Drive(0.7, 1.39)), False)
    system.constants  # noqa: B018 - derived values cached on the object must not travel
    flow, species = trapode.integrators.METHODS["rk4"].stepper_data(system, 40.0 / 400)
    batch = _Batch(system, 40.0, 400, "rk4_advance", ((0.7, 1.39),), np.array([system.constants]), flow[None], species)
    payload = pickle.dumps(batch)
    assert b"trapode_model_" not in payload  # the compiled module stays behind; the worker loads its own
    for threads in (True, False):
        outcome = run_batch(pickle.loads(payload), threads=threads)
        assert outcome is not None
        _, _, rows, finite = outcome
        np.testing.assert_array_equal(rows, result.trapped[0])
        assert finite.tolist() == [True]


def test_a_sweep_runs_any_compiled_method_and_records_it():
    trap = trapode.PenningTrap(B0=1.0, V0=0.025, d=500.0)
    ions = trapode.random_particles(6, trap, seed=4)
    settings = {"method": "adaptive", "rtol": 1e-9, "atol": 1e-9}
    result = trapode.sweep(
        trap, ions, [0.7], [2.17], t_end=60.0, n_steps=60, interactions=True, progress=False, **settings
    )
    assert result.method == "adaptive"
    driven = dataclasses.replace(trap, drive=trapode.Drive(0.7, 2.17))
    config = trapode.SimulationConfig(
        trap=driven, particles=ions, t_end=60.0, n_steps=60, interactions=True, save_every="final", **settings
    )
    alone = trapode.simulate(config, progress=False)
    np.testing.assert_array_equal(result.trapped[0, 0], alone.trapped)
    assert 0 < alone.trapped.sum() < len(ions)  # the drive is resonant: the check sees both outcomes
