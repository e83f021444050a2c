"""Speed of trapode's compiled kernels, next to plain NumPy, the ideal trap and the report's C++ code.

    python benchmarks/run.py [--repeat N] [--skip-startup] [--skip-sweeps] [--skip-scans] [--skip-methods]
                              [--skip-analysis] [--skip-clouds] [--clouds-full]

Every figure is the best of several runs of ``trapode.simulate`` after a
warm-up run (so compilation is excluded), measured in this process next to a
reference run in the same process: the plain NumPy implementation in
``benchmarks/numpy_reference.py``, or, for a real trap, the ideal trap. The
C++ figures are those measured on this kind of machine for the report's
C++/Armadillo code (``shared/PERFORMANCE.md``): 0.33 µs per ion per RK4 step
without interaction and 2.3 ms per RK4 step for 100 interacting ions.

The "today's speed" figures (issue 7: the ideal trap through the general path
keeps the speed it had, within 5 %) run the same workloads, alternately in this
process, with the package as it was before the general core
(:data:`BEFORE_GENERAL_CORE`, taken from the git history into a temporary
folder and imported as ``trapode_before``); the ratio is the figure to trust on
a machine whose absolute times drift by several per cent.

The start-up figures run fresh Python processes: one with empty caches (a
fresh install: everything compiles), one that compiles only a new model (a
trap with terms not seen before), and one that finds everything cached.

The sweep figures are the workloads of the resonance experiments: the full
coarse sweep without interaction, the fine scan with interaction, and one RK4
step of 10 000 interacting ions (time and peak memory, in a fresh process).
NumPy is timed on a part of each and scaled.

The scan figures are the workloads of excitations: a quadrupole excitation
scanned over 200 frequencies (next to the same scan of the undriven trap), and
the Floquet stability chart of 3 × 1000 drives (next to SciPy's DOP853 on the
same monodromy matrices, timed on a few and scaled).

The cloud figures (issue 12) run fresh processes for time and peak memory:
a million random ions (next to NumPy's two normal draws), one Boris step of
10⁵ interacting ions by the direct sum, the FMM against the direct sum at
2×10⁴ ions (error and both times: the crossover of ``coulomb="auto"``), and,
with ``--clouds-full`` (about 15 minutes), one FMM evaluation at 10⁶ ions and
10⁴ ions × 10⁴ Boris steps streamed to HDF5 every 100 steps.
"""

import argparse
import dataclasses
import functools
import os
import pathlib
import subprocess
import sys
import tempfile
import time
import warnings

import numpy as np

import trapode

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))
import numpy_reference

# The report's workload (RK4, h = 0.1 µs, interacting ions) is timed as the report ran it; that it misses close
# encounters is known (docs/methods.rst) and is not what is measured here.
warnings.filterwarnings("ignore", category=trapode.AccuracyWarning)

CPP_SECONDS_PER_ION_STEP = 0.33e-6
CPP_SECONDS_PER_STEP_100_INTERACTING = 2.3e-3


def best_time(function, repeat):
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        function()
        best = min(best, time.perf_counter() - start)
    return best


def workloads():
    trap = trapode.PenningTrap(B0=1.0, V0=0.025, d=500.0)
    ions = trapode.random_particles(100, trap, seed=2022)
    one = trapode.SimulationConfig(trap=trap, particles=[trapode.report_particle_1()], t_end=50.0, n_steps=32000)
    coulomb = trapode.SimulationConfig(trap=trap, particles=ions, t_end=500.0, n_steps=5000, interactions=True)
    free = dataclasses.replace(coulomb, interactions=False)
    # (label, config, limit in s from the issues, C++ estimate in s, NumPy steps to time)
    return [
        ("1 particle, 32000 RK4 steps", one, 0.010, CPP_SECONDS_PER_ION_STEP * 32000, 32000),
        ("100 ions, Coulomb, 5000 RK4 steps", coulomb, 0.19, CPP_SECONDS_PER_STEP_100_INTERACTING * 5000, 250),
        ("100 ions, no interaction, 5000 RK4 steps", free, 0.030, CPP_SECONDS_PER_ION_STEP * 100 * 5000, 5000),
    ]


#: The last commit before the general trap core (issue 7): "today's speed" in that issue's words.
BEFORE_GENERAL_CORE = "0091d4f4bac82f006d3b490f74b35f11012dad8b"


def package_before_general_core(folder):
    """Import the package as it was at :data:`BEFORE_GENERAL_CORE` as ``trapode_before``; None without git history."""
    import importlib
    import io
    import tarfile

    root = pathlib.Path(__file__).resolve().parent.parent
    try:
        archive = subprocess.run(
            ["git", "-C", str(root), "archive", BEFORE_GENERAL_CORE, "trapode"], check=True, capture_output=True
        ).stdout
    except (OSError, subprocess.CalledProcessError):
        return None
    with tarfile.open(fileobj=io.BytesIO(archive)) as tar:
        tar.extractall(folder, filter="data")
    (pathlib.Path(folder) / "trapode").rename(pathlib.Path(folder) / "trapode_before")
    sys.path.insert(0, str(folder))
    return importlib.import_module("trapode_before")


def run_before_general_core(repeat):
    title = "today's speed: the code before the general core"
    print(f"{title:<52} {'now':>9} {'before':>9} {'ratio':>7} {'limit':>6}")
    with tempfile.TemporaryDirectory() as folder:
        before = package_before_general_core(folder)
        if before is None:
            print(f"(needs git and the history holding {BEFORE_GENERAL_CORE[:10]}; skipped)")
            return
        for label, config, _, _, _ in workloads():
            trap = before.PenningTrap(B0=config.trap.B0, V0=config.trap.V0, d=config.trap.d)
            ions = config.particles
            rows = (
                zip(ions.r, ions.v, ions.q, ions.m, strict=True)
                if isinstance(ions, trapode.ParticleSet)
                else ((p.r, p.v, p.q, p.m) for p in ions)
            )
            particles = [before.Particle(q=q, m=m, r=tuple(r), v=tuple(v)) for r, v, q, m in rows]
            old = before.SimulationConfig(
                trap=trap, particles=particles, t_end=config.t_end, n_steps=config.n_steps,
                interactions=config.interactions,
            )  # fmt: skip
            runs = {
                "now": functools.partial(trapode.simulate, config),
                "before": functools.partial(before.simulate, old),
            }
            seconds = {}
            for run in runs.values():
                run()  # compile / warm up
            for _ in range(max(repeat, 10)):  # interleaved, so that both see the same machine
                for name, run in runs.items():
                    start = time.perf_counter()
                    run()
                    seconds[name] = min(seconds.get(name, float("inf")), time.perf_counter() - start)
            ratio = seconds["now"] / seconds["before"]
            # Issue 7 names the Coulomb run (and the sweep, in its own table); the others have absolute limits only.
            verdict = (f"{1.05:5.2f}×  " + ("ok" if ratio <= 1.05 else "SLOW")) if config.interactions else f"{'—':>6}"
            print(f"{label:<52} {seconds['now'] * 1e3:7.2f}ms {seconds['before'] * 1e3:7.2f}ms {ratio:6.2f}× {verdict}")
    print("Both run in this process, alternately. The code before used the report's constants and masses; the")
    print("particles here are the same numbers (q, m, r, v), so both do the same work. The short runs without")
    print("interaction pay for what the general core added per step (escape times, save_every, chunks).")


def real_trap(trap):
    """The trap of the issue's speed target: C4, B2, tilt and a user term on top of ``trap``."""
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", trapode.FieldWarning)
        extra = trapode.Potential("C * V0 / d**4 * z**2 * (x**2 + y**2)", C=1e-4, V0=trap.V0, d=trap.d)
    return dataclasses.replace(trap, C4=1e-3, B2=3e4, tilt=0.01, potentials=(extra,))


def run_real_trap(repeat):
    print(f"{'a trap with C4, B2, tilt and a user term':<52} {'real':>9} {'ideal':>9} {'ratio':>7} {'limit':>6}")
    for label, config, _, _, _ in workloads():
        real = dataclasses.replace(config, trap=real_trap(config.trap))
        seconds = {}
        for run in (config, real):
            trapode.simulate(run)  # compile / warm up
        for _ in range(repeat):  # interleaved, so that both see the same machine
            for name, run in (("ideal", config), ("real", real)):
                start = time.perf_counter()
                trapode.simulate(run)
                seconds[name] = min(seconds.get(name, float("inf")), time.perf_counter() - start)
        ratio = seconds["real"] / seconds["ideal"]
        print(
            f"{label:<52} {seconds['real'] * 1e3:7.2f}ms {seconds['ideal'] * 1e3:7.2f}ms {ratio:6.2f}× {1.5:5.1f}×  "
            f"{'ok' if ratio <= 1.5 else 'SLOW'}"
        )
    print("Both traps run the same workload in this process, alternately; the real trap's model has the")
    print("multipole, bottle, tilted field and user potential as compiled terms.")


def run_speed(repeat):
    print(
        f"{'workload':<42} {'trapode':>10} {'limit':>8} {'NumPy':>10} {'×NumPy':>8} {'C++':>9} {'×C++':>7} "
        f"{'ns/ion-step':>12} {'ns/pair':>8}"
    )
    for label, config, limit, cpp, numpy_steps in workloads():
        trapode.simulate(config)  # compile / warm up
        seconds = best_time(functools.partial(trapode.simulate, config), repeat)
        numpy_seconds = (
            best_time(functools.partial(numpy_reference.rk4, config, numpy_steps), 1) * config.n_steps / numpy_steps
        )
        n = config.n_particles
        ion_steps = n * config.n_steps
        pairs = 4 * config.n_steps * n * (n - 1) if config.interactions and n > 1 else 0
        per_pair = f"{seconds / pairs * 1e9:8.2f}" if pairs else f"{'—':>8}"
        verdict = "ok" if seconds <= limit else "SLOW"
        print(
            f"{label:<42} {seconds * 1e3:8.2f}ms {limit * 1e3:6.0f}ms {numpy_seconds:9.2f}s "
            f"{numpy_seconds / seconds:7.0f}× {cpp:8.3f}s {cpp / seconds:6.1f}× "
            f"{seconds / ion_steps * 1e9:12.2f} {per_pair}  {verdict}"
        )
    print("NumPy times of the Coulomb run are measured over 250 steps and scaled to 5000.")
    print("ns/pair counts every ordered pair (i, j ≠ i) of each of the four RK4 stages.")


STARTUP_CODE = """
import sys, time
start = time.perf_counter()
import trapode
trap = trapode.PenningTrap(C6=float(sys.argv[1])) if len(sys.argv) > 1 else trapode.PenningTrap()
config = trapode.SimulationConfig(trap=trap, particles=[trapode.report_particle_1(), trapode.report_particle_2()],
                                  t_end=50.0, n_steps=4000)
trapode.simulate(config)
print(time.perf_counter() - start)
"""

NEW_VALUE_CODE = """
import dataclasses, time, trapode
from trapode.compile import model_module
trap = trapode.PenningTrap(C6=1e-4)
config = trapode.SimulationConfig(trap=trap, particles=[trapode.report_particle_1()], t_end=50.0, n_steps=4000)
trapode.simulate(config)
model = model_module(trap)
before = dict(model.rk4_advance.stats.cache_misses)
start = time.perf_counter()
trapode.simulate(dataclasses.replace(config, trap=dataclasses.replace(trap, C6=-3e-4, B0=1.2)))
seconds = time.perf_counter() - start
print(seconds, dict(model.rk4_advance.stats.cache_misses) == before, model_module(
    dataclasses.replace(trap, C6=-3e-4)) is model)
"""


def _fresh_process(code, environment, *arguments):
    start = time.perf_counter()
    output = subprocess.run(
        [sys.executable, "-c", code, *arguments], env=environment, check=True, capture_output=True, text=True
    ).stdout
    return time.perf_counter() - start, output


def run_startup():
    with tempfile.TemporaryDirectory() as numba_cache, tempfile.TemporaryDirectory() as trapode_cache:
        environment = dict(os.environ, NUMBA_CACHE_DIR=numba_cache, TRAPODE_CACHE_DIR=trapode_cache)
        cold, _ = _fresh_process(STARTUP_CODE, environment)
        warm, _ = _fresh_process(STARTUP_CODE, environment)
        new_model, _ = _fresh_process(STARTUP_CODE, environment, "1e-4")  # terms not seen before: C6
        later, _ = _fresh_process(STARTUP_CODE, environment, "2e-4")  # the same terms, another value
        _, output = _fresh_process(NEW_VALUE_CODE, environment)
    value_seconds, no_compile, same_module = output.split()
    rows = [
        ("first simulate() of a fresh install (all compiles)", cold, 40),
        ("a new model (new terms), its first process", new_model, 15),
        ("a later process: start, import, run", warm, 2),
        ("a later process with that model, another value", later, 2),
    ]
    for label, seconds, limit in rows:
        print(f"{label:<52} {seconds:6.2f} s   limit {limit:>2} s  {'ok' if seconds <= limit else 'SLOW'}")
    print(
        f"{'a changed parameter value in a running process':<52} {float(value_seconds) * 1e3:6.1f} ms  "
        f"compiles nothing: {no_compile == 'True' and same_module == 'True'}"
    )
    print("Each is a whole fresh process (interpreter start, import, run) with its own empty cache folders.")


def run_sweeps(repeat):
    trap = trapode.PenningTrap(B0=1.0, V0=0.025, d=500.0)
    ions = trapode.random_particles(100, trap, seed=2022)
    full = dict(amplitudes=[0.1, 0.4, 0.7], omegas=np.arange(0.2, 2.5 + 1e-9, 0.02), interactions=False)
    fine = dict(amplitudes=[0.1, 0.4, 0.7], omegas=np.linspace(2.05, 2.35, 31), interactions=True)
    print(f"{'sweep':<52} {'trapode':>9} {'limit':>7} {'NumPy':>9} {'×NumPy':>7} {'ns/ion-step':>12} {'ns/pair':>8}")
    for label, grid, limit, numpy_steps in (
        ("full sweep, 3 × 116 drives, 100 ions, no interaction", full, 0.48, 5000),
        ("fine scan, 3 × 31 drives, 100 ions, Coulomb", fine, 15.0, 100),
    ):
        arguments = dict(t_end=500.0, n_steps=5000, progress=False, **grid)
        trapode.sweep(
            trap,
            ions,
            amplitudes=[0.1],
            omegas=[1.0],
            t_end=5.0,
            n_steps=10,
            interactions=grid["interactions"],
            progress=False,
        )  # compile
        seconds = best_time(functools.partial(trapode.sweep, trap, ions, **arguments), repeat if limit < 5 else 1)
        runs = len(grid["amplitudes"]) * len(grid["omegas"])
        config = trapode.SimulationConfig(
            trap=dataclasses.replace(trap, drive=trapode.Drive(0.1, 1.0)),
            particles=ions,
            t_end=500.0,
            n_steps=5000,
            interactions=grid["interactions"],
        )
        numpy_seconds = (
            best_time(functools.partial(numpy_reference.rk4, config, numpy_steps), 1) * 5000 / numpy_steps * runs
        )
        ion_steps = runs * 100 * 5000
        pairs = runs * 5000 * 4 * 100 * 99 if grid["interactions"] else 0
        per_pair = f"{seconds / pairs * 1e9:8.2f}" if pairs else f"{'—':>8}"
        print(
            f"{label:<52} {seconds:8.2f}s {limit:6.1f}s {numpy_seconds:8.0f}s {numpy_seconds / seconds:6.0f}× "
            f"{seconds / ion_steps * 1e9:12.2f} {per_pair}  {'ok' if seconds <= limit else 'SLOW'}"
        )
    print("NumPy: one run at a time, timed over part of a run and scaled to the sweep. ns/ion-step and ns/pair")
    print("are wall time per ion per RK4 step and per ordered pair per stage, all cores together.")
    output = subprocess.run([sys.executable, "-c", LARGE_N_CODE], check=True, capture_output=True, text=True)
    step_seconds, peak_mib, state_mib = (float(x) for x in output.stdout.split())
    pair_ns = step_seconds / (4 * 10000 * 9999) * 1e9
    print(
        f"{'one RK4 step, 10 000 ions, Coulomb':<52} {step_seconds:8.3f}s {0.25:6.2f}s {'—':>9} {'—':>7} "
        f"{'':>12} {pair_ns:8.3f}  {'ok' if step_seconds <= 0.25 else 'SLOW'}"
    )
    print(
        f"  peak memory during the run: {peak_mib:.0f} MiB above the loaded process "
        f"(its state and output: {state_mib:.1f} MiB; an N × N array of doubles would be {10000**2 * 8 / 2**20:.0f} "
        "MiB). NumPy's (N, N, 3) version needs about 6 GB and is not run."
    )


def run_scans(repeat):
    from scipy.integrate import solve_ivp

    from trapode.floquet import stability_chart

    trap = trapode.PenningTrap(B0=1.0, V0=0.025, d=500.0)
    ions = trapode.random_particles(100, trap, seed=2022)
    quadrupole = trapode.QuadrupoleExcitation(amplitude=1.4e4, omega=2.41, duration=200.0)
    omegas = np.linspace(2.2, 2.6, 200)
    print(f"{'scan':<52} {'trapode':>9} {'limit':>7} {'reference':>9} {'ratio':>7} {'ns/ion-step':>12}")
    driven = trapode.SimulationConfig(
        trap=dataclasses.replace(trap, excitations=[quadrupole]),
        particles=ions,
        t_end=500.0,
        n_steps=5000,
        interactions=False,
    )
    plain = dataclasses.replace(driven, trap=dataclasses.replace(trap, excitations=[]))
    scans = {}
    for name, config, path in (("driven", driven, "excitations[0].omega"), ("plain", plain, "V0")):
        grid = omegas if name == "driven" else np.full(200, 0.025) + np.arange(200) * 1e-9
        trapode.scan(dataclasses.replace(config, n_steps=10), {path: grid[:2]}, progress=False)  # compile
        scans[name] = best_time(functools.partial(trapode.scan, config, {path: grid}, progress=False), repeat)
    seconds = scans["driven"]
    print(
        f"{'quadrupole excitation, 200 ω × 100 ions × 5000 RK4':<52} {seconds:8.2f}s {1.0:6.1f}s "
        f"{scans['plain']:8.2f}s {seconds / scans['plain']:6.2f}× {seconds / (200 * 100 * 5000) * 1e9:12.2f}  "
        f"{'ok' if seconds <= 1.0 else 'SLOW'}"
    )
    print("  reference: the same scan of the trap without the excitation (ratio: the excitation's cost)")

    ion = trapode.Particle(species="40Ca+")
    drives = np.linspace(0.2, 3.0, 1000)
    stability_chart(trap, ion, amplitudes=[0.1], omegas=drives[:2])  # compile
    seconds = best_time(
        functools.partial(stability_chart, trap, ion, amplitudes=[0.1, 0.4, 0.7], omegas=drives), repeat
    )
    matrix, _ = trapode.linear.linear_system(trap, ion)
    gradient = matrix[3:, :3].copy()

    def dop853_monodromy(amplitude, omega):
        def rhs(t, y):
            a = matrix.copy()
            a[3:, :3] = gradient * (1 + amplitude * np.cos(omega * t))
            return (a @ y.reshape(6, 6)).ravel()

        return solve_ivp(rhs, (0, 2 * np.pi / omega), np.eye(6).ravel(), method="DOP853", rtol=1e-10, atol=1e-12)

    sample = drives[::100]
    start = time.perf_counter()
    for omega in sample:
        dop853_monodromy(0.4, omega)
    reference = (time.perf_counter() - start) / sample.size * 3000
    print(
        f"{'Floquet stability chart, 3 × 1000 drives':<52} {seconds:8.2f}s {2.0:6.1f}s {reference:8.1f}s "
        f"{reference / seconds:6.0f}× {'':>12}  {'ok' if seconds <= 2.0 else 'SLOW'}"
    )
    print("  reference: SciPy DOP853 (rtol 1e-10) on the 6 × 6 monodromy, timed on 10 drives and scaled to 3000")


def run_methods(repeat):
    """Boris against RK4 per step, splitting's speed, and the compiled adaptive pair against SciPy's DOP853."""
    from scipy.integrate import solve_ivp

    trap = trapode.PenningTrap(B0=1.0, V0=0.025, d=500.0)
    ion = trapode.report_particle_1()
    print(f"{'method':<52} {'trapode':>9} {'limit':>7} {'reference':>9} {'ratio':>7}")

    def one_ion(method, n_steps):
        config = trapode.SimulationConfig(
            trap=trap, particles=[ion], t_end=n_steps * 0.01, n_steps=n_steps, method=method, save_every=n_steps
        )
        trapode.simulate(dataclasses.replace(config, n_steps=10, t_end=0.1), progress=False)  # compile
        return best_time(functools.partial(trapode.simulate, config, progress=False), repeat)

    ions = trapode.random_particles(100, trap, seed=2022)
    cloud = trapode.SimulationConfig(
        trap=trap, particles=ions, t_end=50.0, n_steps=500, interactions=True, save_every=500, method="rk4"
    )
    per_step = {}
    for method in ("rk4", "boris"):
        config = dataclasses.replace(cloud, method=method)
        trapode.simulate(dataclasses.replace(config, n_steps=2, t_end=0.2), progress=False)  # compile
        per_step[method] = best_time(functools.partial(trapode.simulate, config, progress=False), repeat)
    ratio = per_step["rk4"] / per_step["boris"]
    print(
        f"{'boris, 100 interacting ions, 500 steps':<52} {per_step['boris']:8.3f}s {'':>7} "
        f"{per_step['rk4']:8.3f}s {ratio:6.2f}×  {'ok' if ratio >= 3 else 'SLOW'} (limit: RK4's time / 3)"
    )
    print("  reference: RK4 on the same run (one force evaluation a step against four)")

    seconds = one_ion("splitting", 500_000)
    rk4 = one_ion("rk4", 500_000)
    print(
        f"{'splitting, 500 000 steps of one ion':<52} {seconds:8.3f}s {1.0:6.1f}s {rk4:8.3f}s "
        f"{seconds / rk4:6.2f}×  {'ok' if seconds <= 1.0 else 'SLOW'}"
    )
    print("  reference: RK4, the same steps")

    electron = trapode.Particle(species="electron", r=(0.0, 0.0, 200.0), v=(0.0, 0.0, 0.0))
    g2 = trapode.PenningTrap(B0=5.36, V0=-10.0, d=3500.0, C4=1e-3)
    period = 2 * np.pi / g2.frequencies(electron).omega_z
    config = trapode.SimulationConfig(
        trap=g2,
        particles=[electron],
        t_end=1000.0,
        n_steps=round(1000.0 / (period / 16)),
        method="splitting",
        save_every=1000,
    )
    trapode.simulate(dataclasses.replace(config, n_steps=10, t_end=0.01), progress=False)  # compile
    seconds = best_time(functools.partial(trapode.simulate, config, progress=False), min(repeat, 2))
    print(
        f"{'splitting, electron in a g−2 trap, 1 ms, 16 steps/axial period':<52} {seconds:8.2f}s {10.0:6.1f}s "
        f"{'':>9} {'':>7}  {'ok' if seconds <= 10 else 'SLOW'} ({config.n_steps} steps)"
    )

    adaptive = trapode.SimulationConfig(
        trap=trap,
        particles=ions,
        t_end=500.0,
        n_steps=5000,
        interactions=True,
        method="adaptive",
        rtol=1e-7,
        atol=1e-7,
        save_every=5000,
    )
    trapode.simulate(dataclasses.replace(adaptive, t_end=1.0, n_steps=10), progress=False)  # compile
    seconds = best_time(functools.partial(trapode.simulate, adaptive, progress=False), min(repeat, 3))
    rhs, y0 = trapode.right_hand_side(adaptive)
    rhs(0.0, y0)
    start = time.perf_counter()
    solve_ivp(rhs, (0.0, 500.0), y0, method="DOP853", rtol=1e-7, atol=1e-7)
    reference = time.perf_counter() - start
    print(
        f"{'adaptive, 100 interacting ions, 500 µs, rtol 1e-7':<52} {seconds:8.2f}s {3.0:6.1f}s {reference:8.2f}s "
        f"{reference / seconds:6.2f}×  {'ok' if seconds <= 3.0 else 'SLOW'}"
    )
    print("  reference: SciPy's DOP853 at the same tolerances on the same compiled right-hand side")

    # The converged interacting fine scan of the reproduction (fig. 16), against the report's RK4 sweep.
    from trapode.reproduce import CONVERGED

    fine = np.linspace(2.05, 2.35, 31)
    amplitudes = [0.1, 0.4, 0.7]
    trapode.sweep(trap, ions[:4], amplitudes[:1], fine[:1], t_end=1.0, interactions=True, progress=False,
                  **{**CONVERGED, "n_steps": 10})  # compile  # fmt: skip
    trapode.sweep(trap, ions[:4], amplitudes[:1], fine[:1], t_end=1.0, n_steps=10, interactions=True, progress=False)
    start = time.perf_counter()
    trapode.sweep(trap, ions, amplitudes, fine, interactions=True, progress=False, **CONVERGED)
    seconds = time.perf_counter() - start
    start = time.perf_counter()
    trapode.sweep(trap, ions, amplitudes, fine, interactions=True, progress=False)
    reference = time.perf_counter() - start
    print(
        f"{'converged fine scan, 3 × 31 × 100 interacting ions':<52} {seconds:8.1f}s {120.0:6.0f}s {reference:8.1f}s "
        f"{reference / seconds:6.2f}×  {'ok' if seconds <= 120.0 else 'SLOW'}"
    )
    print(
        f"  method {CONVERGED['method']!r}, rtol = atol = {CONVERGED['rtol']:g}; reference: the report's RK4 sweep "
        "(5000 steps, not converged)"
    )


def run_analysis(repeat):
    """Measuring the three frequencies of a 10⁶-sample trajectory, against the FFTs alone."""
    trap = trapode.PenningTrap(B0=1.0, V0=0.025, d=500.0)
    config = trapode.SimulationConfig(
        trap=trap, particles=[trapode.report_particle_1()], t_end=50000.0, n_steps=1_000_000, method="splitting"
    )
    result = trapode.simulate(config, progress=False)
    seconds = best_time(functools.partial(trapode.measure_frequencies, result), repeat)
    signals = (result.r[:, 0, 0] + 1j * result.r[:, 0, 1], result.r[:, 0, 2])
    reference = best_time(lambda: [np.fft.fft(signal * np.hanning(signal.size)) for signal in signals], repeat)
    print(f"{'analysis':<52} {'trapode':>9} {'limit':>7} {'reference':>9} {'ratio':>7}")
    print(
        f"{'measure_frequencies, 10⁶ samples (3 modes)':<52} {seconds:8.3f}s {1.0:6.1f}s {reference:8.3f}s "
        f"{seconds / reference:6.1f}×  {'ok' if seconds <= 1.0 else 'SLOW'}"
    )
    print("  reference: the two windowed FFTs alone (NumPy)")


LARGE_N_CODE = """
import time, trapode
trap = trapode.PenningTrap()
ions = trapode.random_particles(10000, trap, seed=1)
config = trapode.SimulationConfig(trap=trap, particles=ions, t_end=0.1, n_steps=1, interactions=True)
trapode.simulate(config)  # compile
def peak_kib():
    with open("/proc/self/status") as status:
        return next(int(line.split()[1]) for line in status if line.startswith("VmHWM"))
with open("/proc/self/clear_refs", "w") as refs:
    refs.write("5")  # reset the peak
before = peak_kib()
best = float("inf")
for _ in range(3):
    start = time.perf_counter()
    trapode.simulate(config)
    best = min(best, time.perf_counter() - start)
state_mib = 10000 * 3 * 8 * (2 * 2 + 7) / 2**20
print(best, (peak_kib() - before) / 1024, state_mib)
"""


CLOUD_CODE = """
import json, sys, time, numpy as np, trapode
def peak_mib():
    with open("/proc/self/status") as status:
        return next(int(line.split()[1]) for line in status if line.startswith("VmHWM")) / 1024
n, steps, save_every, coulomb, output = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3], sys.argv[4], sys.argv[5]
trap = trapode.PenningTrap()
small = trapode.SimulationConfig(trap=trap, particles=trapode.random_particles(64, trap, seed=1), t_end=0.01,
                                 n_steps=1, method="boris", coulomb="direct")
trapode.simulate(small, progress=False)  # compile the model and the Boris step
with open("/proc/self/clear_refs", "w") as refs:
    refs.write("5")  # reset the peak
before = peak_mib()
cloud = trapode.random_particles(n, trap, seed=1)
config = trapode.SimulationConfig(trap=trap, particles=cloud, t_end=0.01 * steps, n_steps=steps, method="boris",
                                  coulomb=coulomb, save_every=int(save_every) if save_every != "final" else "final",
                                  output=None if output == "-" else output)
start = time.perf_counter()
result = trapode.simulate(config, progress=False)
seconds = time.perf_counter() - start
print(json.dumps({"seconds": seconds, "peak_mib": peak_mib() - before, "state_mib": n * 6 * 8 / 2**20}))
"""


def _cloud_run(n, steps, save_every, coulomb, output="-"):
    """Time and peak memory (above the compiled model) of one Boris run in a fresh process."""
    import json

    process = subprocess.run(
        [sys.executable, "-c", CLOUD_CODE, str(n), str(steps), str(save_every), coulomb, output],
        capture_output=True, text=True, check=True,
    )  # fmt: skip
    return json.loads(process.stdout.strip().splitlines()[-1])


def run_clouds(repeat, full):
    """Issue 12's numbers: random clouds, one step of 10⁵ ions, FMM against direct, and with --clouds-full the rest."""
    from trapode.forces.fmm import FMM_CROSSOVER, fmm_accelerations

    trap = trapode.PenningTrap()
    print(f"{'clouds':<52} {'trapode':>9} {'limit':>7} {'reference':>9} {'ratio':>7}")
    seconds = best_time(lambda: trapode.random_particles(1_000_000, trap, seed=1), repeat)
    rng = np.random.default_rng(1)
    reference = best_time(lambda: (rng.normal(0, 50, (10**6, 3)), rng.normal(0, 50, (10**6, 3))), repeat)
    print(f"{'random_particles, 10⁶ ions':<52} {seconds:8.3f}s {1.0:6.1f}s {reference:8.3f}s "
          f"{seconds / reference:6.1f}×  {'ok' if seconds <= 1.0 else 'SLOW'}")  # fmt: skip
    print("  reference: NumPy's two (10⁶, 3) normal draws alone")
    one = _cloud_run(100_000, 1, "final", "direct")
    print(f"{'one Boris step, 10⁵ interacting ions (direct)':<52} {one['seconds']:8.2f}s {5.0:6.1f}s "
          f"{'':>9} {'':>7}  {'ok' if one['seconds'] <= 5.0 else 'SLOW'}")  # fmt: skip
    print(f"{'  its peak memory':<52} {one['peak_mib']:7.0f}MiB {1024:5.0f}MiB "
          f"{one['state_mib']:7.1f}MiB {one['peak_mib'] / one['state_mib']:6.1f}×  "
          f"{'ok' if one['peak_mib'] <= 1024 else 'OVER'}   (reference: the state, 6N floats)")  # fmt: skip
    n = 20_000
    cloud = trapode.random_particles(n, trap, seed=2)
    system = trapode.system.ParticleSystem.from_particles(cloud, trap, True)
    k_e = trap.units.coulomb_constant
    direct, fmm = np.empty((3, n)), np.empty((3, n))
    model = system.model
    model.coulomb_accelerations_threaded(system.positions, system.charge, system.q_over_m, k_e, direct)
    seconds_direct = best_time(
        lambda: model.coulomb_accelerations_threaded(system.positions, system.charge, system.q_over_m, k_e, direct),
        repeat,
    )
    seconds_fmm = best_time(
        lambda: fmm_accelerations(system.positions, system.charge, system.q_over_m, k_e, 1e-6, fmm), max(1, repeat // 3)
    )
    error = float(np.linalg.norm(fmm - direct) / np.linalg.norm(direct))
    print(f"{'FMM (1e-6) against direct, 2×10⁴ ions: relative L2 error':<52} {error:9.1e} {1e-6:7.0e}")
    print(f"{'  one FMM evaluation, 2×10⁴ ions':<52} {seconds_fmm:8.3f}s {'':>7} {seconds_direct:8.3f}s "
          f"{seconds_fmm / seconds_direct:6.1f}×  (reference: the direct sum on all threads)")  # fmt: skip
    # The FMM is O(N) for large N, the direct sum O(N²): where they cross, for coulomb="auto". At 2×10⁴ the
    # FMM's fixed costs still weigh, so the estimate is taken from one evaluation of each at 10⁵.
    n = 100_000
    cloud = trapode.random_particles(n, trap, seed=3)
    system = trapode.system.ParticleSystem.from_particles(cloud, trap, True)
    direct, fmm = np.empty((3, n)), np.empty((3, n))
    arguments = (system.positions, system.charge, system.q_over_m, k_e)
    seconds_direct = best_time(lambda: model.coulomb_accelerations_threaded(*arguments, direct), 1)
    seconds_fmm = best_time(lambda: fmm_accelerations(*arguments, 1e-6, fmm), 1)
    print(f"{'  one FMM evaluation, 10⁵ ions':<52} {seconds_fmm:8.3f}s {'':>7} {seconds_direct:8.3f}s "
          f"{seconds_fmm / seconds_direct:6.1f}×  (reference: the direct sum on all threads)")  # fmt: skip
    crossover = n * seconds_fmm / seconds_direct
    print(f"  crossover estimated from these: N ≈ {crossover:.2g} (coulomb='auto' switches at {FMM_CROSSOVER:.2g})")
    if not full:
        print("  (--clouds-full adds 10⁶ ions with the FMM and 10⁴ ions × 10⁴ steps streamed to HDF5)")
        return
    million = _cloud_run(1_000_000, 1, "final", "fmm")
    print(f"{'one Boris step, 10⁶ ions with the FMM':<52} {million['seconds']:8.1f}s {80.0:6.1f}s "
          f"{'':>9} {'':>7}  {'ok' if million['seconds'] <= 80 else 'SLOW'}")  # fmt: skip
    print(
        f"{'  its peak memory':<52} {million['peak_mib']:7.0f}MiB {4096:5.0f}MiB {million['state_mib']:7.1f}MiB "
        f"{million['peak_mib'] / million['state_mib']:6.1f}×  {'ok' if million['peak_mib'] <= 4096 else 'OVER'}"
    )
    with tempfile.TemporaryDirectory() as folder:
        streamed = _cloud_run(10_000, 10_000, 100, "direct", os.path.join(folder, "cloud.h5"))
    print(f"{'10⁴ ions × 10⁴ Boris steps, streamed every 100':<52} {streamed['seconds']:8.1f}s {600.0:6.1f}s "
          f"{'':>9} {'':>7}  {'ok' if streamed['seconds'] <= 600 else 'SLOW'}")  # fmt: skip
    print(f"{'  its peak memory (101 states on disk)':<52} {streamed['peak_mib']:7.0f}MiB {'O(N)':>7} "
          f"{streamed['state_mib']:7.1f}MiB {streamed['peak_mib'] / streamed['state_mib']:6.1f}×  "
          f"(in memory the states would take {101 * streamed['state_mib']:.0f} MiB)")  # fmt: skip


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeat", type=int, default=7, help="runs per figure; the best is kept (default 7)")
    parser.add_argument("--skip-startup", action="store_true", help="skip the fresh-process start-up figures")
    parser.add_argument("--skip-sweeps", action="store_true", help="skip the resonance-sweep workloads")
    parser.add_argument("--skip-scans", action="store_true", help="skip the excitation-scan and Floquet workloads")
    parser.add_argument("--skip-methods", action="store_true", help="skip the Boris, splitting and adaptive workloads")
    parser.add_argument("--skip-analysis", action="store_true", help="skip the frequency measurement")
    parser.add_argument("--skip-clouds", action="store_true", help="skip the cloud workloads (issue 12)")
    parser.add_argument("--clouds-full", action="store_true", help="add 10⁶ ions (FMM) and the streamed 10⁴ × 10⁴ run")
    arguments = parser.parse_args()
    print(f"trapode {trapode.__version__}, numpy {np.__version__}, {os.cpu_count()} CPUs\n")
    run_speed(arguments.repeat)
    print()
    run_before_general_core(arguments.repeat)
    print()
    run_real_trap(arguments.repeat)
    if not arguments.skip_sweeps:
        print()
        run_sweeps(arguments.repeat)
    if not arguments.skip_scans:
        print()
        run_scans(arguments.repeat)
    if not arguments.skip_methods:
        print()
        run_methods(arguments.repeat)
    if not arguments.skip_analysis:
        print()
        run_analysis(arguments.repeat)
    if not arguments.skip_clouds:
        print()
        run_clouds(arguments.repeat, arguments.clouds_full)
    if not arguments.skip_startup:
        print()
        run_startup()


if __name__ == "__main__":
    main()
