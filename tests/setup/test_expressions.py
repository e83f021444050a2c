"""The safe reader of text expressions: hostile input is refused with an ExpressionError pointing at it."""

import math
import re

import mpmath
import pytest
import sympy as sp
from hypothesis import given, settings
from hypothesis import strategies as st

from trapode import ConfigError, ExpressionError
from trapode.setup.expressions import MAX_DEPTH, MAX_LENGTH, parse, to_sympy

x, y, z, t = sp.symbols("x y z t", real=True)
C, w = sp.symbols("C w", real=True)
SYMBOLS = {"x": x, "y": y, "z": z, "t": t, "C": C, "w": w}


def read(text, parameters=("C", "w")):
    return to_sympy(parse(text, parameters), SYMBOLS)


@pytest.mark.parametrize(
    "text, expected",
    [
        ("C * x**2", C * x**2),
        ("-x + +y - (z)", -x + y - z),
        ("x / 2", x / 2),
        ("1/2 * z**2 - (x**2 + y**2) / 4", sp.Rational(1, 2) * z**2 - (x**2 + y**2) / 4),
        ("C * cos(w * t) * x", C * sp.cos(w * t) * x),
        (
            "exp(-x**2) + sqrt(y**2 + 1) + atan2(y, x) + log(2)",
            sp.exp(-(x**2)) + sp.sqrt(y**2 + 1) + sp.atan2(y, x) + sp.log(2),
        ),
        ("pi * 1.5e-3 * z", sp.pi * sp.Float(1.5e-3) * z),
        ("x**(-2) + z**0.5", x**-2 + z ** sp.Float(0.5)),
        (
            "  (8*z**4 - 24*z**2*(x**2 + y**2) + 3*(x**2 + y**2)**2) / 8 ",
            (8 * z**4 - 24 * z**2 * (x**2 + y**2) + 3 * (x**2 + y**2) ** 2) / 8,
        ),
    ],
)
def test_allowed_expressions_become_the_sympy_expression(text, expected):
    assert sp.simplify(read(text) - expected) == 0


HOSTILE = [
    ("__import__('os').system('true')", "only the functions"),
    ("x.__class__", "attribute access is not allowed"),
    ("().__class__.__bases__[0].__subclasses__()", "only the functions"),
    ("x[0]", "subscripts are not allowed"),
    ("open('/etc/passwd').read()", "only the functions"),
    ("eval('1')", "only the functions"),
    ("exec", "not a coordinate"),
    ("lambda: 1", "lambdas are not allowed"),
    ("[i for i in range(10)]", "ListComp is not allowed"),
    ("{1: 2}", "Dict is not allowed"),
    ("x if y else z", "conditional expressions are not allowed"),
    ("x < y", "comparisons are not allowed"),
    ("x and y", "'and'/'or' are not allowed"),
    ("x ^ 2", "'^' is not a power"),
    ("x @ y", "not allowed"),
    ("x // 2", "not allowed"),
    ("x % 2", "not allowed"),
    ("~x", "not allowed"),
    ("'text'", "only numbers are allowed"),
    ("b'x'", "only numbers are allowed"),
    ("True * x", "only numbers are allowed"),
    ("None", "only numbers are allowed"),
    ("1j * x", "only numbers are allowed"),
    ("1e999 * x", "numbers must be finite"),
    ("x**y", "exponents must be numbers"),
    ("x**100", "exponents must be at most 64"),
    ("10**10**10", "exponents must be at most 64"),
    ("2.0**60**2", "exponents must be at most 64"),
    ("x**(1/0)", "cannot be computed"),
    ("1e200*1e200*x", "not a finite real number"),
    ("1/0*x*y", "cannot be computed"),
    ("log(0)*x*y", "cannot be computed"),
    ("exp(1000)*x*y", "cannot be computed"),
    ("sqrt(-1)*x*y", "cannot be computed"),
    ("(2 - 2*1)**(-1) * x", "cannot be computed"),
    (" + ".join(["x"] * 201), "more than 400 numbers, names and operations"),
    ("sin(x, y)", "sin takes 1 argument(s), got 2"),
    ("sin(x=1)", "keyword arguments are not allowed"),
    ("sin(*x)", "starred arguments are not allowed"),
    ("sin", "is a function: call it"),
    ("D * x", "name 'D' is not a coordinate"),
    ("c * x", "Did you mean 'C'"),
    ("__builtins__", "not a coordinate"),
    ("x; import os", "not a valid expression"),
    ("import os", "not a valid expression"),
    ("x = 1", "not a valid expression"),
    ("(x", "not a valid expression"),
    ("", "must not be empty"),
    ("   ", "must not be empty"),
    ("x\x00", "not allowed (printable ASCII only)"),
    ("x + ｙ", "not allowed (printable ASCII only)"),
    ("1" * 40 + " * x", "integers may have at most 30 digits"),
    ("(" * (MAX_DEPTH + 1) + "x" + ")" * (MAX_DEPTH + 1), "nested deeper"),
    ("-" * 200 + "x", "nested deeper"),
    ("x + " * 2000 + "x", "longer than the 4000 allowed"),
]


@pytest.mark.parametrize("text, message", HOSTILE, ids=[repr(text)[:40] for text, _ in HOSTILE])
def test_hostile_or_malformed_text_is_refused_and_pointed_at(text, message):
    with pytest.raises(ExpressionError, match=re.escape(message)) as caught:
        parse(text, ["C", "w"], "Potential")
    assert isinstance(caught.value, ConfigError) and isinstance(caught.value, ValueError)
    assert len(str(caught.value)) < 500  # a long input is never echoed whole


def test_offending_part_is_quoted_with_its_column():
    with pytest.raises(ExpressionError, match=r"at column 9: 'x\.real'") as caught:
        parse("C * y + x.real", ["C"])
    assert caught.value.offset == 8


def test_parameter_names_are_checked():
    from trapode.setup.expressions import check_parameter_name

    for bad in ("x", "t", "sin", "pi", "__class__", "_private", "1a", "a b", "lambda", "a" * 65, 3):
        with pytest.raises(ExpressionError):
            check_parameter_name(bad, "Potential")
    assert check_parameter_name("V0", "Potential") == "V0"


def test_max_length_is_a_few_thousand():
    assert 1000 <= MAX_LENGTH <= 10000


def test_a_long_sum_is_not_deep():
    text = " + ".join(f"x**{k % 4}" for k in range(60))  # 60 terms: one level, far from MAX_DEPTH
    assert parse(text, []).canonical.count("+") == 59


def test_sympy_expressions_keep_to_the_grammar_and_print_exactly():
    from trapode.setup.expressions import check_sympy_expression, sympy_text

    x, y = sp.symbols("x y")
    for bad in (sp.oo * x, sp.nan * x, sp.zoo * x, sp.I * x, x**y):
        with pytest.raises(ExpressionError):
            check_sympy_expression(bad, [], "Potential")
    exact = sp.Float(0.1 + 0.2) * x + sp.E * y + sp.Rational(1, 3)
    text = sympy_text(exact)
    assert "0.30000000000000004" in text and "exp(1)" in text
    back = to_sympy(parse(text, []), {"x": sp.Symbol("x", real=True), "y": sp.Symbol("y", real=True)})
    assert float(back.coeff(sp.Symbol("x", real=True))) == 0.1 + 0.2


# Hypothesis: arbitrary text never raises anything but ExpressionError.
@settings(max_examples=400, deadline=None)
@given(st.text(alphabet=st.characters(codec="utf-8"), max_size=80))
def test_any_text_is_either_read_or_refused_cleanly(text):
    try:
        read(text)
    except ExpressionError:
        pass


ALPHABET = "xyztCw0123456789.+-*/()e ,sincoqrtpalg_[]'\"=<>!&|^%@~:;{}"


@settings(max_examples=400, deadline=None)
@given(st.text(alphabet=ALPHABET, max_size=60))
def test_expression_like_text_is_either_read_or_refused_cleanly(text):
    try:
        read(text)
    except ExpressionError:
        pass


def _grammar():
    """Expressions of the grammar with their values at a point: the reader must agree with Python's arithmetic."""
    point = {"x": 1.3, "y": -0.7, "z": 0.4, "t": 2.0, "C": 0.9, "w": 1.1}
    leaves = st.sampled_from(list(point)) | st.integers(1, 9).map(str) | st.sampled_from(["0.5", "2.5", "pi"])

    def extend(children):
        return st.one_of(
            st.tuples(children, st.sampled_from(["+", "-", "*"]), children).map(lambda p: f"({p[0]} {p[1]} {p[2]})"),
            st.tuples(children, st.sampled_from(["2", "3"])).map(lambda p: f"({p[0]})**{p[1]}"),
            st.tuples(st.sampled_from(["sin", "cos", "exp", "atan"]), children).map(lambda p: f"{p[0]}({p[1]})"),
            children.map(lambda c: f"-{c}"),
        )

    return st.recursive(leaves, extend, max_leaves=12), point


EXPRESSIONS, POINT = _grammar()


@settings(max_examples=300, deadline=None)
@given(EXPRESSIONS)
def test_generated_expressions_evaluate_as_python_would(text):
    # The reference is Python's arithmetic on the same text at 50 digits (mpmath), so that cancellations
    # such as sin(pi) * exp(exp(3)) (1e-16 × 5e8 in floats, 0 exactly) compare exact against exact.
    with mpmath.workdps(50):
        point = {name: mpmath.mpf(str(value)) for name, value in POINT.items()}
        namespace = {**point, "pi": mpmath.pi, "sin": mpmath.sin, "cos": mpmath.cos, "exp": mpmath.exp}
        expected = complex(eval(text, {"__builtins__": {}}, {**namespace, "atan": mpmath.atan}))
    if not math.isfinite(abs(expected)) or abs(expected) > 1e300:
        return
    value = complex(read(text).subs({SYMBOLS[name]: v for name, v in POINT.items()}).evalf(30))
    assert value.imag == 0
    assert math.isclose(value.real, expected.real, rel_tol=1e-9, abs_tol=1e-9)
