"""Kernel templates: written once as Python, compiled into each model with its forces, variants by renaming."""

import ast

from trapode.compile import model_module
from trapode.compile.templates import instance_name, templates


def _calls(source, name):
    tree = ast.parse(source)
    function = next(node for node in tree.body if isinstance(node, ast.FunctionDef) and node.name == name)
    return {
        node.func.id for node in ast.walk(function) if isinstance(node, ast.Call) and isinstance(node.func, ast.Name)
    }


def test_templates_stay_ordinary_python_functions():
    from trapode.compile.codegen import load_templates
    from trapode.observers import row_of_step

    load_templates()
    assert row_of_step(7, 3) == 3 and row_of_step(6, 3) == 2
    names = {template.name for template in templates("model")}
    assert {"rk4_advance", "euler_advance", "observe", "final_states", "flat_rhs"} <= names


def test_the_final_state_variant_reaches_the_helpers(trap):
    source = open(model_module(trap).__file__).read()
    assert _calls(source, "rk4_advance__final") >= {"rk4_independent_step__final", "observe_nothing"}
    # The step marks escapes through mark_escapes, whose final variant marks nothing.
    assert "mark_escapes__final" in _calls(source, "rk4_independent_step__final")
    assert "mark_nothing" in _calls(source, "mark_escapes__final")
    assert "mark_escapes" in _calls(source, "rk4_independent_step")
    assert "mark_escape" in _calls(source, "mark_escapes")
    assert not {"mark_escape", "store", "observe"} & _calls(source, "rk4_advance__final")


def test_per_stepper_templates_call_the_steppers_variant(trap):
    source = open(model_module(trap).__file__).read()
    for stepper in ("rk4_advance", "euler_advance"):
        name = instance_name("final_states", stepper)
        assert instance_name(stepper, "final") in _calls(source, name)


def test_generated_module_carries_no_decorators_of_the_templates(trap):
    source = open(model_module(trap).__file__).read()
    assert "@kernel" not in source and "from trapode" not in source.split("_JIT")[0].replace("from trapode_", "")
