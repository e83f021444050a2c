"""The cache of generated modules: hash-named files, safe under concurrent builds, no compile on a later run."""

import os
import subprocess
import sys
import textwrap

import pytest

import trapode
from trapode.compile import cache

PYTHON = [sys.executable, "-c"]


def run(code, cache_dir, check=True):
    environment = dict(os.environ, TRAPODE_CACHE_DIR=str(cache_dir))
    environment.pop("NUMBA_CACHE_DIR", None)
    return subprocess.run(
        [*PYTHON, textwrap.dedent(code)], capture_output=True, text=True, env=environment, check=check, timeout=300
    )


def test_cache_dir_follows_the_environment(tmp_path, monkeypatch):
    monkeypatch.setenv(cache.ENVIRONMENT_VARIABLE, str(tmp_path / "mine"))
    assert cache.cache_dir() == tmp_path / "mine"
    monkeypatch.delenv(cache.ENVIRONMENT_VARIABLE)
    assert cache.cache_dir().name == "models" and "trapode" in str(cache.cache_dir())


def test_keys_depend_on_the_description_only():
    assert cache.module_key("model", [["quadrupole", 0]]) == cache.module_key("model", [["quadrupole", 0]])
    assert cache.module_key("model", [["quadrupole", 0]]) != cache.module_key("model", [["bottle", 0]])


def test_a_file_damaged_outside_trapode_is_written_again(tmp_path, monkeypatch):
    monkeypatch.setenv(cache.ENVIRONMENT_VARIABLE, str(tmp_path))
    calls = []

    def build(key):
        calls.append(key)
        return "VALUE = 42\n"

    key = cache.module_key("model", "test-damaged")
    (tmp_path / f"trapode_model_{key}.py").write_text("this is not python (")
    assert cache.load("model", "test-damaged", build).VALUE == 42 and calls == [key]


TWO_PROCESSES = textwrap.dedent("""
    import sys, trapode
    trap = trapode.PenningTrap(C6=1e-4, tilt=0.02)
    config = trapode.SimulationConfig(trap=trap, particles=trapode.random_particles(3, trap, seed=1),
                                      t_end=5.0, n_steps=200)
    print(repr(trapode.simulate(config).r[-1].tolist()))
""")


@pytest.mark.slow
def test_two_processes_building_one_model_at_once_agree_and_a_third_compiles_nothing(tmp_path):
    environment = dict(os.environ, TRAPODE_CACHE_DIR=str(tmp_path))
    environment.pop("NUMBA_CACHE_DIR", None)
    processes = [
        subprocess.Popen(
            [*PYTHON, TWO_PROCESSES], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=environment
        )
        for _ in range(2)
    ]
    outputs = [process.communicate(timeout=300) for process in processes]
    assert [process.returncode for process in processes] == [0, 0], outputs
    assert outputs[0][0] == outputs[1][0]
    assert len(list(tmp_path.glob("trapode_model_*.py"))) == 1 and not list(tmp_path.glob(".*.tmp"))
    later = run(
        TWO_PROCESSES
        + textwrap.dedent("""
        from trapode.compile import model_module
        model = model_module(trap)
        print(model.rk4_advance.stats.cache_misses, 'sympy' in sys.modules)
    """),
        tmp_path,
    )
    lines = later.stdout.splitlines()
    assert lines[0] == outputs[0][0].strip()
    assert lines[1] == "Counter() False"  # loaded from numba's cache, without SymPy


@pytest.mark.slow
def test_a_cached_kernel_with_a_cached_parallel_callee_runs(tmp_path):
    """numba issue #8578: a kernel compiled against a parallel callee loaded from the cache crashed on load."""
    run(
        """
        import numpy as np
        from trapode.compile import interactions_module
        m = interactions_module()
        pos = np.random.default_rng(1).normal(size=(3, 40)); out = np.empty_like(pos)
        m.coulomb_accelerations_threaded(pos, np.ones(40), np.ones(40), 1.0, out)
    """,
        tmp_path,
    )
    run(
        """
        import trapode
        config = trapode.SimulationConfig(trap=trapode.PenningTrap(), particles=[trapode.report_particle_1()],
                                          t_end=1.0, n_steps=10)
        trapode.simulate(config)
    """,
        tmp_path,
    )
    again = run(
        """
        import trapode
        config = trapode.SimulationConfig(trap=trapode.PenningTrap(), particles=[trapode.report_particle_1()],
                                          t_end=1.0, n_steps=10)
        print(trapode.simulate(config).trapped[0])
    """,
        tmp_path,
        check=False,
    )
    assert again.returncode == 0 and again.stdout.strip() == "True", again.stderr[-2000:]


def test_a_changed_value_compiles_nothing(trap, particle_1):
    import dataclasses

    from trapode.compile import model_module

    base = dataclasses.replace(trap, C4=1e-3)
    config = trapode.SimulationConfig(trap=base, particles=[particle_1], t_end=1.0, n_steps=10)
    trapode.simulate(config)
    model = model_module(base)
    compiled = dict(model.rk4_advance.stats.cache_misses)
    for value in (2e-3, -1e-2):
        trapode.simulate(dataclasses.replace(config, trap=dataclasses.replace(base, C4=value)))
    assert dict(model.rk4_advance.stats.cache_misses) == compiled and len(model.rk4_advance.signatures) == 1
    for value in (2e-3, -1e-2):
        assert model_module(dataclasses.replace(base, C4=value)) is model  # no other model was made
