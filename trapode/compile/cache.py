"""Trapode's cache of generated modules: named by a hash, written atomically, compiled once per machine.

A generated module is a file ``<kind>_<hash>.py`` in :func:`cache_dir`. The
hash covers what decides the file's content: the model's terms (not its
values), the versions of trapode, numba and SymPy, and the source of every
trapode module that takes part in code generation (so that an edited template
is never served from an old file). numba caches its machine code beside the
file (``cache=True``), keyed by that file: a later process loads it in well
under a second, without SymPy.

Several processes may build the same module at once: each writes a temporary
file in the same folder and renames it into place (an atomic step on POSIX
and Windows), and the contents are equal, so the file is always whole. numba
writes its own cache files the same way.
"""

from __future__ import annotations

import hashlib
import importlib.util
import json
import os
import pathlib
import sys
import threading
from collections.abc import Callable
from functools import cache
from types import ModuleType

from .._files import write_text

__all__ = ["ENVIRONMENT_VARIABLE", "cache_dir", "fingerprint", "load"]

#: Set this environment variable to a folder to keep trapode's compiled models there.
ENVIRONMENT_VARIABLE = "TRAPODE_CACHE_DIR"

_PACKAGE = pathlib.Path(__file__).resolve().parent.parent
# The parts of trapode whose source shapes a generated module.
_GENERATING = ("compile", "physics", "forces", "integrators", "observers.py", "setup/expressions.py", "setup/fields.py")
_LOCK = threading.Lock()
_LOADED: dict[str, ModuleType] = {}


def cache_dir() -> pathlib.Path:
    """The folder of generated modules: ``$TRAPODE_CACHE_DIR``, else the user's cache folder.

    The user's cache folder is the platform's (``~/.cache/trapode`` on Linux,
    through :mod:`platformdirs`).
    """
    configured = os.environ.get(ENVIRONMENT_VARIABLE)
    if configured:
        return pathlib.Path(configured).expanduser()
    import platformdirs

    return pathlib.Path(platformdirs.user_cache_dir("trapode", appauthor=False)) / "models"


@cache
def fingerprint() -> str:
    """A hash of the versions and the generating source code: part of every module's key."""
    from importlib.metadata import version

    from .. import __version__

    # Versions from the installed metadata: importing SymPy here would cost every run its import time.
    versions = f"trapode {__version__} numba {version('numba')} sympy {version('sympy')}"
    digest = hashlib.sha256(versions.encode())
    for part in _GENERATING:
        path = _PACKAGE / part
        for source in sorted(path.rglob("*.py")) if path.is_dir() else [path]:
            digest.update(source.relative_to(_PACKAGE).as_posix().encode())
            digest.update(source.read_bytes())
    return digest.hexdigest()


def module_key(kind: str, description: object) -> str:
    """The key of a module: a hash of its kind, its description (plain data) and :func:`fingerprint`."""
    text = json.dumps([kind, description, fingerprint()], sort_keys=True, default=repr)
    return hashlib.sha256(text.encode()).hexdigest()[:24]


def _import(name: str, path: pathlib.Path) -> ModuleType:
    import numba

    # Kernels call parallel ones (the threaded Coulomb sum). numba starts its threads when it loads a
    # parallel function from its cache, but a caller compiled against a cached parallel callee does not
    # inherit that step, and calling it in a process whose threads are not started crashes (numba issue
    # #8578). Starting them first, through the public API, makes every load safe.
    numba.get_num_threads()
    spec = importlib.util.spec_from_file_location(name, path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    try:
        spec.loader.exec_module(module)
    except BaseException:
        del sys.modules[name]
        raise
    return module


def load(kind: str, description: object, build: Callable[[str], str]) -> ModuleType:
    """The generated module of ``kind`` for ``description``, built by ``build(key)`` on first use.

    Parameters
    ----------
    kind : str
        ``"model"``, ``"interactions"`` or ``"closed_form"``: the file's prefix.
    description : object
        Plain data (JSON-serialisable) that decides the module's content.
    build : callable
        ``build(key) -> source``, called only if the file is not in the cache.
    """
    key = module_key(kind, description)
    name = f"trapode_{kind}_{key}"
    with _LOCK:
        if name in _LOADED:
            return _LOADED[name]
        folder = cache_dir()
        path = folder / f"{name}.py"
        if not path.exists():
            folder.mkdir(parents=True, exist_ok=True)
            write_text(path, build(key))
        try:
            module = _import(name, path)
        except SyntaxError:  # a file damaged outside trapode: write it again
            write_text(path, build(key))
            module = _import(name, path)
        _LOADED[name] = module
        return module
