"""Fail safe, in other processes: Ctrl-C, SIGKILL, files from outside, the command line and Dask (issue 8, items 3–8).

Each test starts a real process where a signal or a crash is what it checks:
a process killed during ``save()`` leaves the old file intact; SIGINT stops a
run, a sweep and a reproduction within a second and keeps what was done; an
unreachable scheduler is an error within the timeout.
"""

import concurrent.futures
import os
import signal
import sqlite3
import subprocess
import sys
import textwrap
import threading
import time
import zipfile

import numpy as np
import pytest

import trapode
from trapode import ConfigError

ENV = {**os.environ, "PYTHONIOENCODING": "utf-8"}


def start(script, *args, **kwargs):
    """Start ``python -c script`` with its output piped, as a user's process."""
    return subprocess.Popen(
        [sys.executable, "-c", textwrap.dedent(script), *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**ENV, **kwargs.pop("env", {})},
        **kwargs,
    )


def wait_for_line(process, text, timeout=120.0):
    """Read the process's stdout until a line holds ``text``; fail after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        line = process.stdout.readline()
        if text in line:
            return line
        if not line and process.poll() is not None:
            break
    process.kill()
    pytest.fail(f"no line with {text!r}; stderr: {process.stderr.read()[-2000:]}")


def interrupt_and_time(process, delay):
    """Send SIGINT after ``delay`` s; return the seconds until the process exits."""
    time.sleep(delay)
    process.send_signal(signal.SIGINT)
    sent = time.monotonic()
    try:
        process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        process.kill()
        pytest.fail("the process did not stop within 30 s of SIGINT")
    return time.monotonic() - sent


# --- 3. Ctrl-C works -----------------------------------------------------------------------------


@pytest.mark.slow
def test_sigint_stops_a_long_run_within_a_second_and_keeps_the_states(tmp_path):
    process = start(
        """
        import sys, time, trapode
        trap = trapode.PenningTrap()
        ion = trapode.Particle(q=1.0, m=40.077, r=(20.0, 0.0, 20.0), v=(0.0, 25.0, 0.0))
        config = trapode.SimulationConfig(trap=trap, particles=(ion,), t_end=1e5, n_steps=10**9, save_every=1000)
        trapode.simulate(trapode.SimulationConfig(trap=trap, particles=(ion,), t_end=1.0, n_steps=10), progress=False)
        print("go", flush=True)
        try:
            trapode.simulate(config, progress=False)
        except trapode.Interrupted as error:
            print("kept", error.result.t.size, error.step, flush=True)
        """
    )
    wait_for_line(process, "go")
    assert interrupt_and_time(process, 1.5) < 1.0
    kept = process.stdout.read().split()
    assert process.returncode == 0 and kept[0] == "kept", process.stderr.read()
    assert int(kept[1]) > 1 and int(kept[2]) > 1000  # the states computed before Ctrl-C


@pytest.mark.slow
def test_sigint_stops_a_sweep_within_a_second_and_the_checkpoint_keeps_its_runs(tmp_path):
    checkpoint = tmp_path / "sweep.sqlite"
    process = start(
        """
        import sys, numpy as np, trapode
        trap = trapode.PenningTrap()
        ions = trapode.random_particles(50, trap, seed=1)
        # About a minute of work: 900 runs of 50 ions over 50 000 steps.
        grid = dict(amplitudes=[0.1, 0.4, 0.7], omegas=np.linspace(0.2, 2.5, 300), t_end=500.0, n_steps=50000,
                    progress=False, batch_size=2)
        trapode.sweep(trap, ions, [0.1], [1.0], t_end=1.0, n_steps=10, progress=False)
        print("go", flush=True)
        try:
            trapode.sweep(trap, ions, checkpoint=sys.argv[1], **grid)
        except trapode.Interrupted as error:
            print("kept", int(error.result.completed.sum()), flush=True)
        """,
        str(checkpoint),
    )
    wait_for_line(process, "go")
    assert interrupt_and_time(process, 1.5) < 1.0
    kept = process.stdout.read().split()
    assert process.returncode == 0 and kept[0] == "kept", process.stderr.read()
    with sqlite3.connect(checkpoint) as db:
        (stored,) = db.execute("SELECT COUNT(*) FROM runs").fetchone()
    assert 0 < int(kept[1]) == stored < 900


@pytest.mark.slow
def test_sigint_stops_a_reproduction_within_a_second(tmp_path):
    # A compile in LLVM (the first run of a model, on a fresh install) cannot be interrupted until it
    # returns: warm the cache with the quick reproduction first, as any second run of the command is.
    warm = subprocess.run(
        [sys.executable, "-m", "trapode", "reproduce", "--out", str(tmp_path / "warm"), "--quick", "--quiet"],
        capture_output=True,
        text=True,
        env=ENV,
    )
    assert warm.returncode == 0, warm.stderr[-2000:]
    process = subprocess.Popen(
        [sys.executable, "-m", "trapode", "reproduce", "--out", str(tmp_path), "--quiet"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=ENV,
    )
    assert interrupt_and_time(process, 4.0) < 1.0
    stderr = process.stderr.read()
    assert process.returncode == 130
    assert "Traceback" not in stderr and len(stderr.strip().splitlines()) == 1, stderr


# --- 4. files are written atomically; results are checked when loaded ---------------------------


@pytest.fixture(scope="module")
def saved(tmp_path_factory):
    trap = trapode.PenningTrap()
    ions = trapode.random_particles(2, trap, seed=3)
    config = trapode.SimulationConfig(trap=trap, particles=tuple(ions), t_end=10.0, n_steps=1000)
    path = tmp_path_factory.mktemp("saved") / "run.npz"
    trapode.simulate(config, progress=False).save(path)
    return path


@pytest.mark.slow
def test_sigkill_during_save_leaves_the_old_file_whole(tmp_path, saved):
    target = tmp_path / "result.npz"
    target.write_bytes(saved.read_bytes())
    for delay in (0.3, 0.6, 0.9):
        process = start(
            """
            import sys, trapode
            result = trapode.load_result(sys.argv[1])
            big = type(result)(result.config, result.t, result.r, result.v, result.trapped, result.escape_time)
            print("go", flush=True)
            while True:
                big.save(sys.argv[2])
            """,
            str(saved),
            str(target),
        )
        wait_for_line(process, "go")
        time.sleep(delay)
        process.kill()
        process.wait()
        loaded = trapode.load_result(target)  # the old or a new file, never a broken one
        np.testing.assert_array_equal(loaded.r, trapode.load_result(saved).r)


def test_a_result_for_another_configuration_is_refused(tmp_path, saved):
    with np.load(saved, allow_pickle=False) as data:
        arrays = dict(data)
    arrays["r"] = np.concatenate([arrays["r"], arrays["r"][:, :1]], axis=1)  # 3 particles for a config of 2
    path = tmp_path / "three.npz"
    np.savez(path, **arrays)
    with pytest.raises(ConfigError, match="r"):
        trapode.load_result(path)


@pytest.mark.parametrize("keep", [0.1, 0.5, 0.95])
def test_a_truncated_result_is_refused(tmp_path, saved, keep):
    data = saved.read_bytes()
    path = tmp_path / "cut.npz"
    path.write_bytes(data[: int(len(data) * keep)])
    with pytest.raises(ConfigError, match=r"cut\.npz"):
        trapode.load_result(path)


@pytest.mark.parametrize("content", [b"", b"not a zip at all", os.urandom(4096)])
def test_a_foreign_result_file_is_refused(tmp_path, content):
    path = tmp_path / "foreign.npz"
    path.write_bytes(content)
    with pytest.raises(ConfigError, match=r"foreign\.npz"):
        trapode.load_result(path)


def test_a_result_header_claiming_huge_arrays_is_refused_without_allocating(tmp_path, saved):
    with zipfile.ZipFile(saved) as archive:
        members = {name: archive.read(name) for name in archive.namelist()}
    header = b"\x93NUMPY\x01\x00"
    text = b"{'descr': '<f8', 'fortran_order': False, 'shape': (1000000000000, 2, 3), }"
    text = text + b" " * (118 - len(header) - 2 - len(text)) + b"\n"
    members["r.npy"] = header + len(text).to_bytes(2, "little") + text + b"\0" * 64
    path = tmp_path / "huge.npz"
    with zipfile.ZipFile(path, "w") as archive:
        for name, content in members.items():
            archive.writestr(name, content)
    with pytest.raises(ConfigError, match=r"huge\.npz"):
        trapode.load_result(path)


@pytest.mark.skipif(hasattr(os, "geteuid") and os.geteuid() == 0, reason="root may write into read-only folders")
def test_cli_run_checks_its_output_before_the_run(tmp_path, examples_dir):
    folder = tmp_path / "locked"
    folder.mkdir()
    folder.chmod(0o500)
    completed = subprocess.run(
        [sys.executable, "-m", "trapode", "run", str(examples_dir / "report.toml"), "-o", str(folder / "x.npz")],
        capture_output=True,
        text=True,
        env=ENV,
    )
    assert completed.returncode == 2 and "x.npz" in completed.stderr


def test_cli_run_refuses_an_output_in_a_missing_folder_before_the_run(tmp_path, examples_dir):
    started = time.monotonic()
    completed = subprocess.run(
        [sys.executable, "-m", "trapode", "run", str(examples_dir / "report.toml"), "-o", str(tmp_path / "no/x.npz")],
        capture_output=True,
        text=True,
        env=ENV,
    )
    assert completed.returncode == 2 and "Traceback" not in completed.stderr
    assert "no" in completed.stderr and time.monotonic() - started < 30


# --- 7. files from outside are distrusted --------------------------------------------------------


@pytest.fixture
def small_sweep():
    trap = trapode.PenningTrap()
    return dict(
        trap=trap,
        ions=trapode.random_particles(3, trap, seed=1),
        amplitudes=[0.1],
        omegas=[1.0, 1.5],
        t_end=5.0,
        n_steps=50,
        progress=False,
    )


@pytest.mark.parametrize("content", [os.urandom(3000), b"SQLite format 3\x00" + os.urandom(3000), b""])
def test_a_corrupt_checkpoint_is_refused_and_left_unmodified(tmp_path, small_sweep, content):
    path = tmp_path / "checkpoint.sqlite"
    path.write_bytes(content)
    if content:
        with pytest.raises(ConfigError, match="checkpoint"):
            trapode.sweep(**small_sweep, checkpoint=path)
        assert path.read_bytes() == content
    else:  # an empty file is a new checkpoint
        trapode.sweep(**small_sweep, checkpoint=path)


@pytest.mark.parametrize(
    "statements",
    [["PRAGMA user_version = 7"], ["CREATE VIEW v AS SELECT 1"], ["CREATE TABLE t (x)"]],
    ids=["user_version", "a view", "a table"],
)
def test_a_database_that_is_not_empty_is_never_adopted(tmp_path, small_sweep, statements):
    path = tmp_path / "theirs.sqlite"
    with sqlite3.connect(path) as db:
        for statement in statements:
            db.execute(statement)
    db.close()
    before = path.read_bytes()
    with pytest.raises(ConfigError, match="not a trapode checkpoint"):
        trapode.sweep(**small_sweep, checkpoint=path)
    assert path.read_bytes() == before


def test_deeply_nested_json_in_a_result_is_refused(tmp_path, saved):
    with np.load(saved, allow_pickle=False) as data:
        arrays = dict(data)
    arrays["config"] = np.array("[" * 4000 + "]" * 4000)
    path = tmp_path / "nested.npz"
    np.savez(path, **arrays)
    with pytest.raises(ConfigError, match="JSON"):
        trapode.load_result(path)


def test_another_applications_database_is_refused_and_left_unmodified(tmp_path, small_sweep):
    path = tmp_path / "theirs.sqlite"
    with sqlite3.connect(path) as db:
        db.execute("CREATE TABLE runs (amplitude REAL, omega REAL, trapped BLOB)")
        db.execute("INSERT INTO runs VALUES (0.1, 1.0, x'00')")
    db.close()
    before = path.read_bytes()
    with pytest.raises(ConfigError, match="not a trapode checkpoint"):
        trapode.sweep(**small_sweep, checkpoint=path)
    assert path.read_bytes() == before


def test_a_checkpoint_of_trapode_0_2_is_refused_saying_so_and_left_unmodified(tmp_path, small_sweep):
    """Format 1 kept only a sweep's trapped flags; a scan needs each run's final state."""
    path = tmp_path / "old.sqlite"
    with sqlite3.connect(path) as db:
        db.execute(f"PRAGMA application_id = {trapode.checkpoint.APPLICATION_ID}")
        db.execute("PRAGMA user_version = 1")
        db.execute("CREATE TABLE settings (id INTEGER PRIMARY KEY CHECK (id = 1), json TEXT NOT NULL)")
        db.execute("CREATE TABLE runs (amplitude REAL, omega REAL, trapped BLOB, PRIMARY KEY (amplitude, omega))")
        db.execute("""INSERT INTO settings VALUES (1, '{"format": "trapode-sweep-1"}')""")
    db.close()
    before = path.read_bytes()
    with pytest.raises(ConfigError, match=r"written by trapode 0.2 \(format 1.*Delete it"):
        trapode.sweep(**small_sweep, checkpoint=path)
    assert path.read_bytes() == before


def test_a_checkpoint_in_a_missing_folder_is_refused_before_the_first_run(tmp_path, small_sweep):
    with pytest.raises(ConfigError, match="does not exist"):
        trapode.sweep(**small_sweep, checkpoint=tmp_path / "missing" / "c.sqlite")


@pytest.mark.slow
def test_processes_creating_the_same_checkpoint_at_once_all_succeed(tmp_path):
    script = """
        import sys, trapode
        from trapode.checkpoint import Checkpoint
        Checkpoint(sys.argv[1], {"format": "trapode-sweep-1", "n": 1}).close()
        print("ok", flush=True)
    """
    for trial in range(5):
        path = tmp_path / f"c{trial}.sqlite"
        processes = [start(script, str(path)) for _ in range(6)]
        outputs = [process.communicate(timeout=120) for process in processes]
        assert all(out.strip() == "ok" for out, _ in outputs), [err[-500:] for _, err in outputs]


@pytest.mark.parametrize(
    ("content", "match"),
    [
        ("t_end = 1.0\nnote = 'caf\u00e9'\n".encode("latin-1"), "UTF-8"),
        (b"x = " + b"[" * 5000 + b"]" * 5000 + b"\n", "nest"),
        (b"t_end = = 1\n", "line 1"),
    ],
    ids=["latin-1", "deeply nested", "not TOML"],
)
def test_bad_toml_files_get_a_clear_error(tmp_path, content, match):
    path = tmp_path / "bad.toml"
    path.write_bytes(content)
    with pytest.raises(ConfigError, match=match):
        trapode.load_config(path)


# --- 8. the command line never shows a traceback for a user mistake -----------------------------


def test_cli_survives_a_closed_pipe():
    command = f"{sys.executable} -m trapode info | head -n 1"
    completed = subprocess.run(command, shell=True, capture_output=True, text=True, env=ENV)
    assert completed.returncode == 0 and len(completed.stdout.splitlines()) == 1
    assert "Traceback" not in completed.stderr and "BrokenPipe" not in completed.stderr


def test_cli_works_on_a_terminal_that_is_not_utf8():
    completed = subprocess.run(
        [sys.executable, "-m", "trapode", "info"],
        capture_output=True,
        env={**ENV, "PYTHONIOENCODING": "cp1252"},
    )
    assert completed.returncode == 0, completed.stderr.decode("cp1252", "replace")
    assert b"\\u" in completed.stdout or b"omega" in completed.stdout.lower()


@pytest.mark.parametrize(
    "arguments",
    [
        ["run", "missing.toml"],
        ["sweep", "--ions", "0"],
        ["sweep", "--omega-step", "1e-12"],
        ["sweep", "--timeout", "-1"],
        ["plot", "missing.npz"],
        ["sweep", "--ions", "1e3"],
        ["bogus"],
        [],
        ["convergence", "--n-steps", "x", "y"],
    ],
)
def test_cli_mistakes_are_one_line_without_a_traceback(arguments):
    completed = subprocess.run(
        [sys.executable, "-m", "trapode", *arguments], capture_output=True, text=True, env=ENV, timeout=120
    )
    assert completed.returncode == 2, completed.stderr
    assert "Traceback" not in completed.stderr
    assert len(completed.stderr.strip().splitlines()) == 1, completed.stderr


# --- 6. Dask and executors never hang silently ---------------------------------------------------


def free_port():
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.mark.slow
def test_an_unreachable_scheduler_is_an_error_within_the_timeout():
    pytest.importorskip("distributed")
    started = time.monotonic()
    completed = subprocess.run(
        [sys.executable, "-m", "trapode", "sweep", "--scheduler", f"tcp://127.0.0.1:{free_port()}", "--timeout", "2"],
        capture_output=True,
        text=True,
        env=ENV,
        timeout=120,
    )
    assert completed.returncode != 0 and "Traceback" not in completed.stderr
    assert "scheduler" in completed.stderr.lower()
    assert time.monotonic() - started < 2 + 25  # the timeout, plus starting Python and importing Dask


@pytest.mark.slow
def test_an_http_port_instead_of_a_scheduler_is_an_error_within_the_timeout():
    pytest.importorskip("distributed")
    import http.server

    server = http.server.HTTPServer(("127.0.0.1", 0), http.server.SimpleHTTPRequestHandler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        address = f"tcp://127.0.0.1:{server.server_port}"
        started = time.monotonic()
        completed = subprocess.run(
            [sys.executable, "-m", "trapode", "sweep", "--timeout", "2", "--scheduler", address],
            capture_output=True,
            text=True,
            env=ENV,
            timeout=120,
        )
    finally:
        server.shutdown()
    assert completed.returncode != 0 and "Traceback" not in completed.stderr
    assert time.monotonic() - started < 2 + 25


@pytest.mark.slow
def test_a_scheduler_without_workers_is_an_error_within_the_timeout(small_sweep):
    distributed = pytest.importorskip("distributed")
    with distributed.LocalCluster(n_workers=0, host="127.0.0.1", dashboard_address=None) as cluster:
        with distributed.Client(cluster) as client:
            started = time.monotonic()
            with pytest.raises(TimeoutError, match="no worker"):
                trapode.sweep(**small_sweep, executor=client, timeout=1.0)
            assert time.monotonic() - started < 10


@pytest.mark.slow
def test_a_dask_worker_killed_mid_sweep_changes_nothing(small_sweep):
    distributed = pytest.importorskip("distributed")
    grid = {**small_sweep, "omegas": np.linspace(0.5, 2.0, 12), "n_steps": 4000, "t_end": 200.0}
    local = trapode.sweep(**grid)
    with distributed.LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1", dashboard_address=None
    ) as cluster:
        with distributed.Client(cluster) as client:
            pids = client.run(os.getpid)
            victim = sorted(pids.values())[0]
            killer = threading.Timer(2.0, os.kill, (victim, signal.SIGKILL))
            killer.start()
            remote = trapode.sweep(**grid, executor=client, retries=2)
            killer.join()
    np.testing.assert_array_equal(remote.trapped, local.trapped)


def test_saved_files_keep_the_usual_permissions(tmp_path, saved):
    """The temporary file of an atomic write is private; the file it becomes must not be."""
    target = tmp_path / "copy.npz"
    trapode.load_result(saved).save(target)
    assert target.stat().st_mode & 0o777 == 0o666 & ~_umask()
    target.chmod(0o640)
    trapode.load_result(saved).save(target)  # over an existing file: its mode is kept
    assert target.stat().st_mode & 0o777 == 0o640


def _umask():
    mask = os.umask(0)
    os.umask(mask)
    return mask


def test_a_damaged_array_in_a_result_is_refused(tmp_path, saved):
    data = bytearray(saved.read_bytes())
    with zipfile.ZipFile(saved) as archive:
        info = archive.getinfo("r.npy")
    middle = info.header_offset + 30 + len(info.filename) + info.compress_size // 2
    data[middle] ^= 0xFF  # flip one byte inside r's values: the CRC no longer matches
    path = tmp_path / "damaged.npz"
    path.write_bytes(bytes(data))
    with pytest.raises(ConfigError, match="damaged"):
        trapode.load_result(path)


class _StopOnThirdSubmit(concurrent.futures.Executor):
    """Runs each batch at once; at the third submission Ctrl-C is pressed (the finished runs must be kept)."""

    def __init__(self):
        self.submissions = 0

    def submit(self, fn, *args):
        self.submissions += 1
        if self.submissions == 3:
            os.kill(os.getpid(), signal.SIGINT)
        future = concurrent.futures.Future()
        future.set_result(fn(*args))
        return future


def test_ctrl_c_with_an_executor_keeps_the_finished_runs(small_sweep):
    with pytest.raises(trapode.Interrupted) as caught:
        trapode.sweep(**{**small_sweep, "omegas": [1.0, 1.5, 2.0]}, executor=_StopOnThirdSubmit())
    assert caught.value.result.completed.sum() == 3


class _BrokenOnRetry(concurrent.futures.Executor):
    """The first run fails; the pool is then broken, so the retry cannot even be submitted."""

    def __init__(self):
        self.submissions = 0

    def submit(self, fn, *args):
        self.submissions += 1
        future = concurrent.futures.Future()
        if self.submissions == 1:
            future.set_exception(RuntimeError("worker died"))
        elif self.submissions > 2:
            raise RuntimeError("cannot schedule new futures after shutdown")
        else:
            future.set_result(fn(*args))
        return future


def test_a_retry_that_cannot_be_submitted_is_a_failure_not_a_crash(small_sweep):
    with pytest.raises(trapode.SweepError, match="did not finish") as caught:
        trapode.sweep(**small_sweep, executor=_BrokenOnRetry())
    assert caught.value.result.completed.sum() == 1
