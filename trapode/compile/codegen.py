"""From SymPy expressions to the source of a compiled module.

Three kinds of module are generated, each into trapode's cache
(:mod:`trapode.compile.cache`):

- one per **model** (a trap's set of field terms): its force protocol
  (:mod:`trapode.forces.protocol`) with every stepper and observer template
  compiled against it;
- one of **interactions**, shared by all models: the Coulomb pair field and
  its sums;
- one of the ideal trap's **closed form**, for checks and figures.

The model's expressions are split three ways before they are printed, so that
a run does in its inner loop only what depends on a particle's state:

- subexpressions of the named parameters alone (``volt V0 / d²``) become
  *constants* ``k_i``, computed once per run in Python by ``constants(p)``;
- subexpressions of the time and the parameters (``1 + f cos ωV t``) become
  *time terms* ``s_i``, computed once per stage by ``time_terms(t, c)``;
- what remains depends on the particle and is inlined into the steppers.

No expression text from a user reaches the generated code: user parameters
become ``p_i``, constants ``k_i`` and time terms ``s_i``, and only SymPy's
printers write code, from expressions built node by node. The parameters'
paths (``"potentials[0].C"``) appear once, as strings in ``PARAMETERS``.
"""

from __future__ import annotations

import importlib
import inspect
import textwrap
from collections.abc import Iterable, Sequence

import sympy as sp
from sympy.printing.numpy import NumPyPrinter
from sympy.printing.pycode import PythonCodePrinter

from ..physics import closed_form
from ..physics.fields import t
from ..physics.model import (
    COULOMB_SYMBOLS,
    DAMPING_SYMBOL,
    STATE_SYMBOLS,
    UNIT_SYMBOLS,
    SymbolicModel,
    coulomb_field,
    coulomb_pair_potential,
)
from ..setup.config import RESOLVED_SEPARATION
from .templates import template_source

__all__ = ["KernelPrinter", "closed_form_source", "interactions_source", "model_source", "split"]

# contract: a*b + c may become one fused multiply-add, rounded once: a tenth to a quarter faster on the
# dependency chains of a step, and no less accurate. error_model="numpy": no zero-division checks, which
# would stop the loops from vectorising.
JIT_OPTIONS = '_JIT = {"cache": True, "error_model": "numpy", "nogil": True, "fastmath": {"contract"}}'

#: The modules that define kernel templates; importing them registers the templates.
TEMPLATE_MODULES = (
    "trapode.forces.coulomb",
    "trapode.forces.total",
    "trapode.forces.energy",
    "trapode.observers",
    "trapode.integrators.euler",
    "trapode.integrators.rk4",
    "trapode.integrators.boris",
    "trapode.integrators.splitting",
    "trapode.integrators.adaptive",
    "trapode.integrators.runs",
    "trapode.integrators.scipy_ivp",
)


def load_templates() -> None:
    """Import every module of :data:`TEMPLATE_MODULES`, which registers their templates."""
    for name in TEMPLATE_MODULES:
        importlib.import_module(name)


def _templates(group: str) -> str:
    load_templates()
    return template_source(group)


class KernelPrinter(PythonCodePrinter):
    """Python printer whose powers compile to fast machine code.

    Small integer powers become products and half-integer powers square
    roots (``r2**(3/2)`` → ``r2*math.sqrt(r2)``): a call to ``pow`` neither
    vectorises nor is cheap.
    """

    def _print_Pow(self, expr, rational=False):
        base, exponent = expr.as_base_exp()
        printed = self.parenthesize(base, sp.printing.precedence.PRECEDENCE["Mul"])
        if exponent.is_Integer and 2 <= abs(int(exponent)) <= 4:
            product = "*".join([printed] * abs(int(exponent)))
            return f"({product})" if exponent > 0 else f"1.0/({product})"
        if exponent == -1:
            return f"1.0/{printed}"
        if exponent in (sp.Rational(1, 2), sp.Rational(-1, 2)):
            root = f"math.sqrt({self._print(base)})"
            return root if exponent > 0 else f"1.0/{root}"
        if exponent in (sp.Rational(3, 2), sp.Rational(-3, 2)):
            cube = f"({printed}*math.sqrt({self._print(base)}))"
            return cube if exponent > 0 else f"1.0/{cube}"
        return super()._print_Pow(expr, rational=rational)


class _Hoister:
    """Replace every maximal subexpression of ``movable`` symbols (containing ``marker``, if given) by a new symbol."""

    def __init__(self, movable: Iterable[sp.Symbol], marker: sp.Symbol | None, prefix: str):
        self.movable = frozenset(movable)
        self.marker = marker
        self.prefix = prefix
        self.definitions: dict[sp.Basic, sp.Symbol] = {}

    def _liftable(self, expression: sp.Basic) -> bool:
        free = expression.free_symbols
        return bool(free) and free <= self.movable and (self.marker is None or self.marker in free)

    def _symbol(self, expression: sp.Basic) -> sp.Symbol:
        if expression not in self.definitions:
            self.definitions[expression] = sp.Symbol(f"{self.prefix}_{len(self.definitions)}", real=True)
        return self.definitions[expression]

    def __call__(self, expression: sp.Basic) -> sp.Basic:
        if self._liftable(expression):
            return self._symbol(expression)
        if expression.is_Atom or not expression.args:
            return expression
        if isinstance(expression, (sp.Add, sp.Mul)):
            # The arguments that could move form one group, e.g. volt·V0/d² in a product with x. A product's
            # numbers stay out of it (−2 k z, not k' z), so that the code can share q/m·k between components.
            movable = [
                argument
                for argument in expression.args
                if argument.free_symbols <= self.movable and (argument.free_symbols or isinstance(expression, sp.Add))
            ]
            if len(movable) > 1 and self._liftable(expression.func(*movable)):
                rest = [self(argument) for argument in expression.args if argument not in movable]
                return expression.func(self._symbol(expression.func(*movable)), *rest)
        return expression.func(*(self(argument) for argument in expression.args))


def split(expressions: Sequence[sp.Basic], parameters: Sequence[sp.Symbol]):
    """Split expressions into per-run constants, per-stage time terms and the per-particle rest.

    Returns
    -------
    rest : list
        The expressions in the state, ``s_i`` and ``k_i``.
    time_terms : list of (symbol, expression)
        Each ``s_i`` as a function of t and the ``k_i``.
    constants : list of (symbol, expression)
        Each ``k_i`` as a function of the parameters.
    """
    time = _Hoister([*parameters, t], t, "s")
    rest = [time(expression) for expression in expressions]
    constant = _Hoister(parameters, None, "k")
    rest = [constant(expression) for expression in rest]
    time_terms = [(symbol, constant(expression)) for expression, symbol in time.definitions.items()]
    constants = [(symbol, expression) for expression, symbol in constant.definitions.items()]
    return rest, time_terms, constants


def _body(expressions: Sequence[sp.Basic], printer: PythonCodePrinter, indent: str = "    ") -> tuple[list, list]:
    """Common subexpressions as assignments, and the printed expressions."""
    assignments, reduced = sp.cse(list(expressions), symbols=sp.numbered_symbols("w"))
    # Printed as expressions, never with assign_to: a Piecewise assigned would print as an invalid statement.
    lines = [f"{indent}{symbol.name} = {printer.doprint(value)}" for symbol, value in assignments]
    return lines, [printer.doprint(expression) for expression in reduced]


def _unpack(symbols: Iterable[sp.Symbol], container: str, used: set) -> list[str]:
    return [f"    {symbol.name} = {container}[{index}]" for index, symbol in enumerate(symbols) if symbol in used]


def _free(expressions: Iterable[sp.Basic]) -> set:
    return set().union(*(sp.sympify(expression).free_symbols for expression in expressions))


def _tuple(items: Sequence[str]) -> str:
    return "(" + "".join(f"{item}, " for item in items) + ")" if items else "(0.0,)"


def _kernel(
    name: str,
    arguments: str,
    doc: str,
    expressions: Sequence[sp.Basic],
    constants,
    time_terms,
    inline: bool = True,
    result=None,
) -> str:
    """An inlined numba function of the state that reads its constants from ``c`` and time terms from ``s``."""
    printer = KernelPrinter()
    used = _free(expressions)
    lines, printed = _body(expressions, printer)
    decorator = '@njit(inline="always", **_JIT)' if inline else "@njit(**_JIT)"
    head = [decorator, f"def {name}({arguments}):", f'    """{doc}"""']
    head += _unpack([symbol for symbol, _ in constants], "c", used)
    head += _unpack([symbol for symbol, _ in time_terms], "s", used)
    returned = result(printed) if result else f"    return {_tuple(printed)}"
    return "\n".join(head + lines + [returned]) + "\n"


def _constants_function(constants, parameter_symbols: Sequence[sp.Symbol]) -> str:
    printer = PythonCodePrinter()
    names = {symbol: sp.Symbol(f"p_{index}", real=True) for index, symbol in enumerate(parameter_symbols)}
    expressions = [expression.xreplace(names) for _, expression in constants]
    lines, printed = _body(expressions, printer)
    unpacked = ", ".join(symbol.name for symbol in names.values())
    return (
        "\n".join(
            [
                "def constants(p):",
                '    """The derived constants c of a run from its parameters p, in the order of PARAMETERS."""',
                f"    ({unpacked},) = p",
                *lines,
                f"    return {_tuple(printed)}",
            ]
        )
        + "\n"
    )


def _linearization_function(model: SymbolicModel, parameter_symbols: Sequence[sp.Symbol]) -> str:
    printer = PythonCodePrinter()
    names = {symbol: sp.Symbol(f"p_{index}", real=True) for index, symbol in enumerate(parameter_symbols)}
    field_at_centre, hessian, magnetic = (part.xreplace(names) for part in model.linear_parts())
    lines, printed = _body([*field_at_centre, *hessian, *magnetic], printer)
    unpacked = ", ".join(symbol.name for symbol in names.values())
    e0, k, b = printed[:3], printed[3:12], printed[12:]
    rows = ", ".join(f"({', '.join(k[3 * row : 3 * row + 3])})" for row in range(3))
    return (
        "\n".join(
            [
                "def linearization(p):",
                '    """The static trap at its centre per unit charge: (E0, K, B0), E ≈ E0 + K r, internal units."""',
                f"    ({unpacked},) = p",
                *lines,
                f"    return ({', '.join(e0)}), ({rows}), ({', '.join(b)})",
            ]
        )
        + "\n"
    )


def _term_names(trap) -> str:
    """The trap's terms in words, for the module's docstring: never the user's text."""
    return ", ".join(term.label for term in trap.terms())


def model_source(trap, module_key: str, interactions_module: str, damped: bool = False) -> str:
    """The full source of the compiled module of ``trap``'s model.

    Parameters
    ----------
    trap : PenningTrap
        Its terms (not its values) define the model.
    module_key : str
        The cache key, recorded in the module.
    interactions_module : str
        Name of the loaded interactions module to import the Coulomb sums from.
    damped : bool
        Include the drag ``−γ v`` of a buffer gas.
    """
    model = SymbolicModel.of(trap, damped)
    parameters = model.parameters
    symbols = list(parameters.values())
    # Each component with its common factors taken out (E_x = x F, E_y = y F for an axisymmetric trap), so
    # that the shared part is computed once: a real trap's step costs a fifth less.
    electric, magnetic = (field.applyfunc(sp.factor_terms) for field in model.internal_fields())
    acceleration = list(model.acceleration((electric, magnetic)))
    inside = model.inside()
    drag = DAMPING_SYMBOL if damped else sp.Float(0.0)
    potential = UNIT_SYMBOLS["constants.volt"] * model.fields.potential
    rest, time_terms, constants = split([*acceleration, *electric, *magnetic, inside, drag, potential], symbols)
    acceleration_rest, fields_rest, inside_rest, drag_rest = rest[:3], rest[3:9], rest[9], rest[10]
    potential_rest = rest[11]
    guarded = "\n".join(["    inside_now = inside(x, y, z, c)", "    return ({})"])
    state = ", ".join(symbol.name for symbol in STATE_SYMBOLS)  # x, y, z, v_x, v_y, v_z, q_over_m
    parts = [
        f'"""Compiled model of a trap with the terms {_term_names(trap)}{", damped" if damped else ""}.\n\n'
        "Generated by trapode.compile.codegen from the SymPy model: do not edit.\n"
        '"""',
        "import math\n\nimport numpy as np\nfrom numba import njit, prange\n",
        f"from {interactions_module} import coulomb_accelerations, coulomb_accelerations_threaded, coulomb_potential\n",
        JIT_OPTIONS,
        f"KEY = {module_key!r}",
        f"PARAMETERS = {tuple(parameters)!r}",
        f"N_CONSTANTS = {len(constants)}",
        f"IS_LINEAR = {model.is_linear()!r}",
        f"IS_STATIC = {not time_terms and not damped!r}",
        _constants_function(constants, symbols),
        _linearization_function(model, symbols),
        '@njit(inline="always", **_JIT)\ndef as_constants(row):\n'
        '    """A row of derived constants as the tuple c."""\n'
        f"    return {_tuple([f'row[{index}]' for index in range(len(constants))])}\n",
        _kernel(
            "time_terms",
            "t, c",
            "The time-dependent terms s at time t (µs).",
            [expression for _, expression in time_terms],
            constants,
            [],
        ),
        _kernel(
            "inside",
            "x, y, z, c",
            "The escape rule: True while the particle is in the trap.",
            [inside_rest],
            constants,
            [],
            result=lambda printed: f"    return {printed[0]}",
        ),
        _kernel(
            "damping_rate",
            "c",
            "The damping rate γ (1/µs) of the drag −γ v; 0.0 for a model without drag.",
            [drag_rest],
            constants,
            [],
            result=lambda printed: f"    return {printed[0]}",
        ),
        _kernel(
            "acceleration",
            f"{state}, c, s",
            "(q/m)(E + v × B) in µm/µs² inside the trap, zero outside.",
            acceleration_rest,
            constants,
            time_terms,
            result=lambda printed: guarded.format(", ".join(f"{p} if inside_now else 0.0" for p in printed)),
        ),
        _kernel(
            "potential",
            "x, y, z, c, s",
            "The trap's potential per unit charge (internal units: q times it is an energy in u µm²/µs²); 0 outside.",
            [potential_rest],
            constants,
            time_terms,
            result=lambda printed: f"    return {printed[0]} if inside(x, y, z, c) else 0.0",
        ),
        _kernel(
            "fields",
            "x, y, z, c, s",
            "(E_x, E_y, E_z, B_x, B_y, B_z) per unit charge, internal units; zero outside.",
            fields_rest,
            constants,
            time_terms,
            result=lambda printed: guarded.format(", ".join(f"{p} if inside_now else 0.0" for p in printed)),
        ),
        _templates("model"),
    ]
    return "\n\n".join(parts) + "\n"


def interactions_source(module_key: str) -> str:
    """The source of the interactions module: the SymPy-derived pair field and the Coulomb sums."""
    field = coulomb_field()
    dx, dy, dz, k_e = COULOMB_SYMBOLS
    printer = KernelPrinter()
    # Two forms of the pair field. ``coulomb_field`` is SymPy's, unguarded: the pair sums use it. At one
    # point (neutral particles pass through each other) it gives 0 × ∞ = NaN, which the sums notice in
    # their last pass and answer by summing again with ``coulomb_field_floored``, whose |Δ|² is floored at
    # RESOLVED_SEPARATION² (1e-200 µm²), so that coincident particles get a zero field. The floor is one
    # max per pair, 3 % of the pair sum at 100 ions, paid only where it is needed. Interacting particles
    # are refused closer than RESOLVED_SEPARATION at the start, and their repulsion keeps them apart.
    r2 = sp.Symbol("r2", positive=True)
    separation = printer.doprint(dx**2 + dy**2 + dz**2)
    floored = f"max({separation}, {RESOLVED_SEPARATION**2!r})"

    def pair_function(name: str, summary: str, squared: str, expressions: list) -> str:
        lines, printed = _body([expression.subs(dx**2 + dy**2 + dz**2, r2) for expression in expressions], printer)
        result = _tuple(printed) if len(printed) > 1 else printed[0]
        return "\n".join(
            [
                '@njit(inline="always", **_JIT)',
                f"def {name}({dx.name}, {dy.name}, {dz.name}, {k_e.name}):",
                f'    """{summary}"""',
                f"    r2 = {squared}",
                *lines,
                f"    return {result}",
            ]
        )

    pair_functions = [
        pair_function(
            "coulomb_field",
            "Field (internal units) of a unit charge at separation Δ (µm): −∇(k_e/|Δ|), by SymPy.",
            separation,
            list(field),
        ),
        pair_function(
            "coulomb_field_floored",
            ":func:`coulomb_field` with |Δ|² floored, so that Δ = 0 gives a zero field, not NaN.",
            floored,
            list(field),
        ),
        pair_function(
            "coulomb_potential",
            "Potential energy (internal units) of two unit charges at separation Δ (µm), by SymPy; |Δ|² floored.",
            floored,
            [coulomb_pair_potential((dx, dy, dz), (0, 0, 0), 1, 1, k_e)],
        ),
    ]
    return (
        "\n\n".join(
            [
                '"""The Coulomb interaction, shared by every model.\n\n'
                'Generated by trapode.compile.codegen from the SymPy model: do not edit.\n"""',
                "import math\n\nimport numpy as np\nfrom numba import njit, prange\n",
                JIT_OPTIONS,
                f"KEY = {module_key!r}",
                *pair_functions,
                _templates("interactions"),
            ]
        )
        + "\n"
    )


def _lambdified(name: str, arguments, expressions, doc: str) -> str:
    """Source of ``name(*arguments)`` returning ``expressions``, printed for NumPy by lambdify."""
    printer = NumPyPrinter({"fully_qualified_modules": True, "inline": True})
    function = sp.lambdify(arguments, expressions, modules="numpy", cse=True, printer=printer, docstring_limit=0)
    source = inspect.getsource(function).replace("def _lambdifygenerated(", f"def {name}(", 1).rstrip() + "\n"
    definition, body = source.split("\n", 1)
    return f'{definition}\n    """{textwrap.dedent(doc).strip()}\n    """\n{body}'


def closed_form_source(module_key: str) -> str:
    """The source of the ideal trap's closed-form motion (NumPy functions, complex arithmetic)."""
    solution = closed_form.analytic_solution_expressions()
    return (
        "\n\n".join(
            [
                '"""The closed-form motion of one particle in the ideal static trap.\n\n'
                'Generated by trapode.compile.codegen from trapode.physics.closed_form: do not edit.\n"""',
                "import numpy",
                f"KEY = {module_key!r}",
                _lambdified(
                    "analytic_motion",
                    closed_form.ANALYTIC_SYMBOLS,
                    (solution["f"], solution["z"]),
                    "Closed-form (f, z) with f = x + i y. Arguments: t (µs, array), initial position (µm) "
                    "and velocity (µm/µs), ω0 = qB0/m and ωz (rad/µs, complex for unbounded motion).",
                ),
                _lambdified(
                    "analytic_velocity",
                    closed_form.ANALYTIC_SYMBOLS,
                    (sp.diff(solution["f"], t), sp.diff(solution["z"], t)),
                    "Time derivative (ḟ, ż) of analytic_motion, in µm/µs.",
                ),
                _lambdified(
                    "radial_coefficients",
                    closed_form.RADIAL_SYMBOLS,
                    (solution["C_plus"], solution["C_minus"]),
                    "Complex coefficients (C+, C−) of f(t) = C+ e^{−i ω+ t} + C− e^{−i ω− t}.",
                ),
            ]
        )
        + "\n"
    )
