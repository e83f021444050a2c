"""Write the SymPy-derived equations into ``trapode/_generated.py``.

``lambdify`` turns each expression of :mod:`trapode.model` into Python source;
this module collects that source into a real module file, so that numba can
compile it with ``cache=True`` (functions without a file, as lambdify makes
them in memory, would be compiled again in every process) and so that running
a simulation never imports SymPy.

Run ``python -m trapode.codegen`` after changing :mod:`trapode.model`. The test
suite regenerates the source and fails if the committed file differs from it.
numba's cache does not notice when a function in another module changes;
:func:`trapode.kernels.drop_stale_cache` clears it when the generated file's
hash changes.
"""

from __future__ import annotations

import inspect
import pathlib
import textwrap

import sympy as sp
from sympy.printing.numpy import NumPyPrinter
from sympy.printing.pycode import PythonCodePrinter

from . import model

GENERATED_PATH = pathlib.Path(__file__).with_name("_generated.py")

HEADER = '''"""Equations of motion and closed-form solution, generated from trapode.model.

Do not edit: run ``python -m trapode.codegen`` to regenerate. Every function
here is made by ``sympy.lambdify`` from an expression that SymPy derived; the
kernels in :mod:`trapode.kernels` compile them with numba.
"""

import math

import numpy
'''


class KernelPrinter(PythonCodePrinter):
    """Python printer whose powers compile to fast machine code.

    ``r2**(3/2)`` becomes ``(r2*math.sqrt(r2))`` (a square root and a
    product, which vectorise, instead of a call to ``pow``), and squares
    become products.
    """

    def _print_Pow(self, expr, rational=False):
        base, exponent = expr.as_base_exp()
        if exponent in (sp.Rational(3, 2), sp.Rational(-3, 2)):
            printed = self._print(base)
            cube = f"(({printed})*math.sqrt({printed}))"
            return cube if exponent > 0 else f"1.0/{cube}"
        if exponent == 2:
            printed = self.parenthesize(base, sp.printing.precedence.PRECEDENCE["Mul"])
            return f"{printed}*{printed}"
        return super()._print_Pow(expr, rational=rational)


def _function_source(name, arguments, expressions, modules, printer=None):
    """Source of a function ``name(*arguments)`` returning ``expressions``, made by lambdify."""
    function = sp.lambdify(arguments, expressions, modules=modules, cse=True, printer=printer, docstring_limit=0)
    source = inspect.getsource(function)
    source = source.replace("def _lambdifygenerated(", f"def {name}(", 1)
    return source.rstrip() + "\n"


def _with_docstring(source, docstring):
    """Insert ``docstring`` after the ``def`` line of ``source``."""
    definition, body = source.split("\n", 1)
    return f'{definition}\n    """{textwrap.dedent(docstring).strip()}\n    """\n{body}'


def generated_source():
    """The full text of ``trapode/_generated.py`` as derived from the model now."""
    acceleration = model.external_acceleration()
    field = model.coulomb_field()
    solution = model.analytic_solution_expressions()
    parts = [
        _with_docstring(
            _function_source(
                "external_acceleration",
                model.EXTERNAL_SYMBOLS,
                tuple(acceleration),
                "math",
                KernelPrinter(),
            ),
            """Acceleration (a_x, a_y, a_z) in µm/µs² from the trap's E and B fields.

    Arguments: position (µm), velocity (µm/µs), charge-to-mass ratio (e/u),
    B0 (u/(µs e)), the electrode voltage now (u µm²/(µs² e)) and d (µm).
    Zero outside the trap, ``|r| > d``.""",
        ),
        _with_docstring(
            _function_source(
                "electrode_voltage", model.VOLTAGE_SYMBOLS, model.electrode_voltage(), "math", KernelPrinter()
            ),
            """Electrode voltage at time t (µs) for V0, drive amplitude f and ωV (rad/µs).""",
        ),
        _with_docstring(
            _function_source("coulomb_field", model.COULOMB_SYMBOLS, tuple(field), "math", KernelPrinter()),
            """Electric field (E_x, E_y, E_z) of a point charge q at separation (Δx, Δy, Δz).

    Units: µm for the separation, e for q, and k_e in u µm³/(µs² e²); the
    field is in u µm/(µs² e), so q_i/m_i times it is an acceleration.""",
        ),
        _with_docstring(
            _function_source(
                "analytic_motion",
                model.ANALYTIC_SYMBOLS,
                (solution["f"], solution["z"]),
                "numpy",
                NumPyPrinter({"fully_qualified_modules": True, "inline": True}),
            ),
            """Closed-form (f, z) with f = x + i y, for one particle in the static trap.

    Arguments: time (µs, array), initial position (µm), initial velocity
    (µm/µs), ω0 and ωz (rad/µs). Pass ω0 and ωz as complex numbers to cover
    unbounded motion.""",
        ),
        _with_docstring(
            _function_source(
                "analytic_velocity",
                model.ANALYTIC_SYMBOLS,
                (sp.diff(solution["f"], model.t), sp.diff(solution["z"], model.t)),
                "numpy",
                NumPyPrinter({"fully_qualified_modules": True, "inline": True}),
            ),
            """Time derivative (ḟ, ż) of analytic_motion: the velocity, with ḟ = v_x + i v_y.

    Arguments as for analytic_motion; µm/µs.""",
        ),
        _with_docstring(
            _function_source(
                "radial_coefficients",
                (model.x0, model.y0, model.vx0, model.vy0, model.omega_0, model.omega_z),
                (solution["C_plus"], solution["C_minus"]),
                "numpy",
                NumPyPrinter({"fully_qualified_modules": True, "inline": True}),
            ),
            """Complex coefficients (C+, C−) of f(t) = C+ e^{−i ω+ t} + C− e^{−i ω− t}.

    ``A± = |C±|`` and ``φ± = −arg C±``. Arguments as for analytic_motion, without t and z.""",
        ),
    ]
    return HEADER + "\n\n" + "\n\n".join(parts)


def write_generated_module(path=GENERATED_PATH):
    """Write :func:`generated_source` to ``path``."""
    path = pathlib.Path(path)
    path.write_text(generated_source(), encoding="utf-8")
    return path


if __name__ == "__main__":
    print(f"wrote {write_generated_module()}")
