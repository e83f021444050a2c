"""User field terms: text or SymPy, parameters by name, Laplace's equation and ∇·B = 0 checked when made."""

import warnings

import pytest
import sympy as sp

import trapode
from trapode import ConfigError, ExpressionError, FieldWarning, MagneticField, Potential


def test_the_issues_potential_is_accepted_and_warns_that_it_is_not_harmonic():
    with pytest.warns(FieldWarning, match=r"does not satisfy Laplace's equation .* not a vacuum field"):
        extra = Potential("C * V0 / d**4 * z**2 * (x**2 + y**2)", C=1e-4, V0=0.025, d=500.0)
    assert extra.parameter_values == {"C": 1e-4, "V0": 0.025, "d": 500.0}


def test_a_harmonic_potential_does_not_warn():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        Potential("C * V0 / d**4 * (8*z**4 - 24*z**2*(x**2 + y**2) + 3*(x**2 + y**2)**2) / 8", C=1e-3, V0=1.0, d=2.0)
        Potential("a * (x**2 - y**2) * cos(w * t)", a=1e-6, w=2.0)  # time-dependent and harmonic
        Potential("E0 * x", E0=0.1)


def test_a_tiny_but_real_laplacian_still_warns():
    with pytest.warns(FieldWarning):
        Potential("c * z**2", c=1e-20)


def test_float_rounding_is_not_taken_for_a_laplacian_or_a_divergence():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        Potential("0.1*x**2 + 0.7*y**2 - 0.8*z**2")
        Potential("a*x**2 + b*y**2 + c*z**2", a=0.1, b=0.7, c=-0.8)
        MagneticField(("0.1*x", "0.7*y", "-0.8*z"))
        Potential(
            "C/d**6*(16*z**6 - 120*z**4*(x**2+y**2) + 90*z**2*(x**2+y**2)**2 - 5*(x**2+y**2)**3)/16", C=1e-3, d=500.0
        )


def test_the_checks_never_call_simplify(monkeypatch):
    """sympy.simplify can take minutes on a short nested expression: the checks must not call it."""
    import sympy

    def refuse(*arguments, **keywords):
        raise AssertionError("simplify was called")

    monkeypatch.setattr(sympy, "simplify", refuse)
    with pytest.warns(FieldWarning):
        Potential("sin(sin(sin(sin(sin(sin(sin(sin(sin(x*y*z)))))))))")
    MagneticField(("sin(sin(y*z))", "cos(cos(x*z))", "0"))


@pytest.mark.parametrize("text", ["1/(x - x) * y", "sqrt(-1 - x**2)", "log(-1 - z**2)"])
def test_terms_that_are_not_finite_and_real_are_refused(text):
    with pytest.raises(ConfigError, match="is not a finite real number everywhere"):
        Potential(text)


def test_a_field_that_changes_in_time_warns_of_the_induction_it_leaves_out():
    with pytest.warns(FieldWarning, match="Faraday"):
        MagneticField(("0", "0", "b * cos(w * t)"), b=1e-6, w=1.0)


def test_a_text_term_and_its_sympy_form_are_one_term():
    x, y, C = sp.symbols("x y C")
    text = Potential("C * (x**2 - y**2) / 3", C=0.1 + 0.2)
    symbolic = Potential(C * (x**2 - y**2) / 3, C=0.1 + 0.2)
    assert text == symbolic and text.key == symbolic.key and hash(text) == hash(symbolic)
    assert Potential("C * (x**2 - y**2) / 3", C=0.3) != text  # the values count
    from trapode.compile import model_module

    assert model_module(trapode.PenningTrap(potentials=[text])) is model_module(
        trapode.PenningTrap(potentials=[symbolic])
    )


def test_sympy_expressions_are_accepted_with_any_assumptions():
    x, y, z, C = sp.symbols("x y z C")  # no assumptions: matched by name
    term = Potential(C * (2 * z**2 - x**2 - y**2), C=3.0)
    assert term.parameter_values == {"C": 3.0}
    assert term.key[1][0] == "text"  # keyed by its exact text, as a text term


def test_sympy_expressions_with_other_symbols_or_functions_are_refused():
    x, k = sp.symbols("x k")
    with pytest.raises(ExpressionError, match=r"symbol\(s\) 'k' are neither coordinates"):
        Potential(k * x**2 - k * sp.Symbol("y") ** 2)
    with pytest.raises(ExpressionError, match="besselj"):
        Potential(sp.besselj(0, x) + x**2 - sp.Symbol("y") ** 2)
    with pytest.raises(ExpressionError, match="must be a text expression or a SymPy expression"):
        Potential(3.0)


def test_magnetic_field_of_the_issue_is_divergence_free():
    field = MagneticField(("b * y", "b * x", "0"), b=1e-7)
    assert field.parameter_values == {"b": 1e-7}


@pytest.mark.parametrize(
    "components, match",
    [
        (("b * x", "b * y", "0"), r"has divergence ∇·B = 2\.0+e-7 T/µm; a magnetic field must have ∇·B = 0"),
        (("0", "0", "b * z**2"), r"∇·B"),
        (("b * sin(x)", "0", "0"), r"∇·B"),
    ],
)
def test_magnetic_fields_with_divergence_are_refused(components, match):
    with pytest.raises(ConfigError, match=match):
        MagneticField(components, b=1e-7)


def test_a_divergence_free_field_that_sympy_must_simplify_is_accepted():
    MagneticField(("b * (sin(x)**2 + cos(x)**2) * y", "-b * x", "0"), b=1.0)


@pytest.mark.parametrize(
    "make, match",
    [
        (lambda: MagneticField(("b * y", "b * x"), b=1.0), "sequence of 3 expressions"),
        (lambda: MagneticField("b * y", b=1.0), "sequence of 3 expressions"),
        (lambda: Potential("C * x", C="1"), r"Potential parameter C must be a finite number, got '1' \(str\)"),
        (lambda: Potential("C * x", C=float("nan")), "not finite"),
        (lambda: Potential("C * x", C=10**400), "too large for a float"),
        (lambda: Potential("C * x", C=True), r"\(bool\)"),
        (lambda: Potential("C * x"), "name 'C' is not a coordinate"),
        (lambda: Potential("C * x", C=1.0, D=2.0), r"parameter\(s\) 'D' are declared but not used"),
        (lambda: Potential("x * sin", sin=1.0), "reserved"),
    ],
)
def test_bad_terms_are_refused_naming_the_field(make, match):
    with pytest.raises(ConfigError, match=match):
        make()


def test_terms_are_values_and_their_key_ignores_parameter_values():
    a = Potential("C * (x**2 - y**2)", C=1.0)
    assert a == Potential("C * (x**2 - y**2)", C=1.0) and hash(a) == hash(Potential("C * (x**2 - y**2)", C=1.0))
    assert a.key == Potential("C*(x**2-y**2)", C=2.0).key  # same expression, other value: the same model
    assert a.key != Potential("C * (x**2 - z**2)", C=1.0).key
    assert "C=1.0" in repr(a)


def test_a_trap_takes_user_terms(trap):
    extra = Potential("a * (x**2 - y**2)", a=1e-8)
    field = MagneticField(("0", "0", "b"), b=1e-3)
    custom = trapode.PenningTrap(potentials=[extra], magnetic_fields=(field,))
    assert custom.potentials == (extra,) and custom.magnetic_fields == (field,)
    values = custom.parameter_values()
    assert values["potentials[0].a"] == 1e-8 and values["magnetic_fields[0].b"] == 1e-3
    with pytest.raises(ConfigError, match=r"PenningTrap\.potentials\[0\] must be trapode\.Potential"):
        trapode.PenningTrap(potentials=["x**2"])
