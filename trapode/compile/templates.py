"""Kernel templates: numerical code written once, compiled into every model's module.

A time stepper must call the forces of whichever trap it runs, at the speed of
code written for that trap: numba inlines a function only when it is a global
of the caller's module, and caches only functions that live in a real file. So
the steppers, observers and pair sums are written once, as ordinary Python
functions in trapode's modules, decorated with :func:`kernel`; they call the
force protocol of :mod:`trapode.forces.protocol` by name (``acceleration``,
``time_terms``, ``inside``, ...). :mod:`trapode.compile.codegen` copies their
source into each model's generated module, beside that model's forces, and
numba compiles and caches the module. A stepper thereby sees accelerations,
never the trap.

Two more kinds of instance are made by renaming names in a template's syntax
tree, never by editing text:

- a **variant** (:func:`variant`) swaps some functions for others in every
  template that reaches them, directly or through other templates: the
  steppers compiled with the final-state-only observer are ``rk4_advance__final``;
- a **per-stepper** template is compiled once for every stepper, with the
  placeholder ``advance`` standing for that stepper (or one of its variants).

A template may use only: ``math``, ``np`` (NumPy), ``prange``, the names of
the force protocol, other templates of its group, and the constants it
declares with ``uses``.
"""

from __future__ import annotations

import ast
import inspect
import textwrap
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Any

__all__ = ["Template", "instance_name", "kernel", "template_source", "templates", "variant"]


@dataclass(frozen=True)
class Template:
    """A registered template: the function and how to compile it."""

    function: Callable
    group: str
    inline: bool
    parallel: bool
    fastmath: tuple = ()
    uses: dict = field(default_factory=dict)
    stepper: bool = False
    per_stepper: str | None = None
    serial_twin: bool = False

    @property
    def name(self) -> str:
        return self.function.__name__

    @property
    def source(self) -> str:
        """The function's source without its decorators."""
        source = textwrap.dedent(inspect.getsource(self.function))
        definition = ast.parse(source).body[0]
        assert isinstance(definition, ast.FunctionDef)
        return "\n".join(source.splitlines()[definition.lineno - 1 :]) + "\n"

    @property
    def references(self) -> frozenset:
        """Every name the function's body reads."""
        return frozenset(node.id for node in ast.walk(ast.parse(self.source)) if isinstance(node, ast.Name))


_REGISTRY: dict[str, Template] = {}
_VARIANTS: dict[str, dict[str, str]] = {}


def kernel(
    function: Callable | None = None,
    *,
    group: str = "model",
    inline: bool = False,
    parallel: bool = False,
    fastmath: tuple = (),
    uses: dict[str, Any] | None = None,
    stepper: bool = False,
    per_stepper: str | None = None,
    serial_twin: bool = False,
):
    """Register ``function`` as a template; it stays an ordinary Python function where it is defined.

    Parameters
    ----------
    group : {"model", "interactions"}
        The generated module it goes into: every model's, or the one module of
        interactions shared by all models.
    inline : bool
        Inline it into its callers (numba's ``inline="always"``): for small
        helpers called in the inner loops.
    parallel : bool
        Compile with ``parallel=True`` (for ``prange`` loops).
    fastmath : tuple of str
        LLVM fast-math flags, e.g. ``("reassoc", "contract")`` for reductions
        that must vectorise.
    uses : dict
        Module-level constants the template reads, written into the generated module.
    stepper : bool
        It is a fixed-step stepper, with the signature of
        :func:`trapode.integrators.euler.euler_advance`.
    per_stepper : str, optional
        Compile it once for every stepper, with the placeholder name
        ``advance`` standing for that stepper's variant of this suffix (``""``
        for the stepper itself): ``final_states`` with ``per_stepper="final"``
        becomes ``final_states__rk4_advance``, which calls ``rk4_advance__final``.
    serial_twin : bool
        With ``parallel``: also compile each instance without threads, named
        ``<instance>__serial`` (``prange`` runs as ``range``), for processes
        where numba's threads must not start.
    """

    def register(function: Callable) -> Callable:
        _REGISTRY[function.__name__] = Template(
            function, group, inline, parallel, tuple(fastmath), dict(uses or {}), stepper, per_stepper, serial_twin
        )
        return function

    return register(function) if function is not None else register


def variant(suffix: str, replacements: dict[str, str]) -> None:
    """Declare a variant: every template that reaches a name of ``replacements`` is also compiled with it replaced.

    The variant of template ``f`` is ``f__<suffix>``; calls between templates
    of the variant go to their variants, so a replacement reaches helpers too.
    """
    _VARIANTS[suffix] = dict(replacements)


def templates(group: str) -> list[Template]:
    """The registered templates of ``group``, in the order they were defined."""
    return [template for template in _REGISTRY.values() if template.group == group]


class _Substitute(ast.NodeTransformer):
    """Rename the function and replace names in its body: one instance of a template."""

    def __init__(self, name: str, replacements: dict[str, str]):
        self.name, self.replacements = name, replacements

    def visit_FunctionDef(self, node: ast.FunctionDef) -> ast.FunctionDef:
        node.name = self.name
        self.generic_visit(node)
        return node

    def visit_Name(self, node: ast.Name) -> ast.Name:
        node.id = self.replacements.get(node.id, node.id)
        return node


def instance_name(template_name: str, suffix: str) -> str:
    """The name of a template compiled as a variant or for a stepper: ``final_states__rk4_advance``."""
    return f"{template_name}__{suffix}" if suffix else template_name


def _substituted(template: Template, name: str, replacements: dict[str, str]) -> str:
    return ast.unparse(_Substitute(name, replacements).visit(ast.parse(template.source))) + "\n"


def _dependents(items: list[Template], replaced: set[str]) -> set[str]:
    """The steppers and their helpers that reach a replaced name, directly or through other templates.

    Templates no stepper calls are left alone: a variant is a stepper compiled
    with another observer, and nothing else needs one.
    """
    by_name = {template.name: template for template in items}
    reachable = {template.name for template in items if template.stepper}
    frontier = set(reachable)
    while frontier:
        frontier = {name for current in frontier for name in by_name[current].references if name in by_name} - reachable
        reachable |= frontier
    dependent: set[str] = set()
    changed = True
    while changed:
        changed = False
        for name in reachable - dependent - replaced:
            if by_name[name].references & (replaced | dependent):
                dependent.add(name)
                changed = True
    return dependent


def _decorated(template: Template, source: str) -> str:
    options = ["**_JIT"]
    if template.inline:
        options.insert(0, 'inline="always"')
    if template.parallel:
        options.insert(0, "parallel=True")
    if template.fastmath:
        # Added to the module's own flags (_JIT's "fastmath"); sorted, so that the text is the same every time.
        flags = ", ".join(repr(flag) for flag in sorted(template.fastmath))
        options[-1] = f'**{{**_JIT, "fastmath": _JIT["fastmath"] | {{{flags}}}}}'
    return f"@njit({', '.join(options)})\n{source}"


def template_source(group: str) -> str:
    """Source of every template of ``group`` and of its instances, each decorated for numba."""
    items = templates(group)
    constants: dict[str, Any] = {}
    for template in items:
        constants.update(template.uses)
    parts = [f"{name} = {value!r}\n" for name, value in constants.items()]
    steppers = [template for template in items if template.stepper]
    for template in items:
        if template.per_stepper is None:
            parts.append(_decorated(template, template.source))
            continue
        for stepper in steppers:
            name = instance_name(template.name, stepper.name)
            advance = {"advance": instance_name(stepper.name, template.per_stepper)}
            parts.append(_decorated(template, _substituted(template, name, advance)))
            if template.serial_twin:
                serial = replace(template, parallel=False)
                parts.append(_decorated(serial, _substituted(template, instance_name(name, "serial"), advance)))
    for suffix, replacements in _VARIANTS.items():
        dependent = _dependents([t for t in items if t.per_stepper is None], set(replacements))
        mapping = {**replacements, **{name: instance_name(name, suffix) for name in dependent}}
        for template in items:
            if template.name in dependent:
                parts.append(
                    _decorated(template, _substituted(template, instance_name(template.name, suffix), mapping))
                )
    return "\n\n".join(parts)
