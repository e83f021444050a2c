"""Field expressions given as text, read safely.

A user potential or magnetic field can be written as text, for instance
``"C * V0 / d**4 * z**2 * (x**2 + y**2)"``. The text is never evaluated: it is
parsed by Python's :mod:`ast` module and the tree is checked node by node
against a short grammar:

- numbers (finite, at most 30 digits), the coordinates ``x``, ``y``, ``z``
  (µm), the time ``t`` (µs), the constant ``pi`` and the declared parameters;
- ``+ - * / **``, unary minus and plus, parentheses;
- the functions of :data:`FUNCTIONS`, called with positional arguments;
- powers with a constant exponent of magnitude at most 64.

Everything else (attribute access, subscripts, other calls, comparisons,
lambdas, comprehensions, conditionals, names not declared, text longer than
:data:`MAX_LENGTH` characters or nested deeper than :data:`MAX_DEPTH`) is
refused with an :class:`~trapode.ExpressionError` that quotes the offending
part. The checked tree is turned into SymPy by :mod:`trapode.physics.fields`,
node by node, again without evaluating text.

Examples
--------
>>> from trapode.setup.expressions import parse
>>> sorted(parse("C * x**2", ["C"]).names)
['C', 'x']
>>> parse("x.__class__", [])
Traceback (most recent call last):
...
trapode.errors.ExpressionError: expression 'x.__class__': attribute access is not allowed, at column 1: 'x.__class__'.
"""

from __future__ import annotations

import ast
import keyword
import math
import re
import warnings
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, cast

from .._validate import close_matches, short_repr
from ..errors import ExpressionError

if TYPE_CHECKING:
    import sympy as sp

__all__ = [
    "COORDINATES",
    "FUNCTIONS",
    "MAX_DEPTH",
    "MAX_LENGTH",
    "ParsedExpression",
    "check_parameter_name",
    "check_sympy_expression",
    "parse",
    "to_sympy",
]

#: Names that stand for the position (µm) and the time (µs).
COORDINATES = ("x", "y", "z", "t")

#: Functions allowed in expressions, with the number of arguments each takes.
FUNCTIONS = {
    "sin": 1,
    "cos": 1,
    "tan": 1,
    "asin": 1,
    "acos": 1,
    "atan": 1,
    "atan2": 2,
    "sinh": 1,
    "cosh": 1,
    "tanh": 1,
    "exp": 1,
    "log": 1,
    "sqrt": 1,
}

#: Named constants allowed in expressions.
CONSTANTS = ("pi",)

#: Longest expression text accepted, in characters.
MAX_LENGTH = 4000
#: Deepest nesting of the expression (parentheses, calls, powers) accepted; a long sum is one level.
MAX_DEPTH = 40
#: Most numbers, names and operations an expression may have.
MAX_NODES = 400
#: Largest magnitude of a constant exponent.
MAX_EXPONENT = 64
_MAX_DIGITS = 30
_RESERVED = frozenset(COORDINATES) | frozenset(FUNCTIONS) | frozenset(CONSTANTS)
_IDENTIFIER = re.compile(r"[A-Za-z][A-Za-z0-9_]{0,63}")
_BINARY = {ast.Add: "+", ast.Sub: "-", ast.Mult: "*", ast.Div: "/", ast.Pow: "**"}
_UNARY = {ast.USub: "-", ast.UAdd: "+"}
_HINTS = {
    ast.BitXor: "'^' is not a power: write x**2",
    ast.Attribute: "attribute access is not allowed",
    ast.Subscript: "subscripts are not allowed",
    ast.Compare: "comparisons are not allowed",
    ast.BoolOp: "'and'/'or' are not allowed",
    ast.IfExp: "conditional expressions are not allowed",
    ast.Lambda: "lambdas are not allowed",
    ast.Starred: "starred arguments are not allowed",
}


@dataclass(frozen=True)
class ParsedExpression:
    """A checked expression: its text, its tree and the names it uses.

    Attributes
    ----------
    text : str
        The expression as given.
    tree : ast.Expression
        The checked syntax tree (only the nodes of the grammar above).
    names : frozenset of str
        Coordinates, constants and parameters that occur in it.
    """

    text: str
    tree: ast.Expression
    names: frozenset

    @property
    def canonical(self) -> str:
        """The expression written back from its tree: the same text for the same expression."""
        return ast.unparse(self.tree)


def _error(text: str, what: str, node: ast.AST | None = None) -> ExpressionError:
    shown = short_repr(text)
    if node is not None and hasattr(node, "col_offset"):
        segment = ast.get_source_segment(text, node) or ""
        where = f", at column {node.col_offset + 1}: {short_repr(segment)}"
        return ExpressionError(f"expression {shown}: {what}{where}.", text, node.col_offset)
    return ExpressionError(f"expression {shown}: {what}.", text)


def check_parameter_name(name: object, where: str) -> str:
    """A parameter name: a short ASCII identifier that is not a coordinate, function, constant or keyword."""
    if not isinstance(name, str) or not _IDENTIFIER.fullmatch(name) or keyword.iskeyword(name):
        raise ExpressionError(
            f"{where}: parameter name {short_repr(name)} must be a letter followed by letters, digits or '_' "
            "(at most 64 characters)."
        )
    if name in _RESERVED:
        raise ExpressionError(
            f"{where}: parameter name {name!r} is reserved (x, y, z, t, pi and the function names are)."
        )
    return name


def _prescan(text: str) -> None:
    if len(text) > MAX_LENGTH:
        raise ExpressionError(
            f"expression of {len(text)} characters is longer than the {MAX_LENGTH} allowed: {short_repr(text)}.", text
        )
    for column, character in enumerate(text):
        if not (character.isascii() and (character.isprintable() or character in " \t")):
            raise ExpressionError(
                f"expression {short_repr(text)}: character {character!r} at column {column + 1} is not allowed "
                "(printable ASCII only).",
                text,
                column,
            )
    depth = deepest = 0
    for character in text:
        depth += {"(": 1, ")": -1}.get(character, 0)
        deepest = max(deepest, depth)
    if deepest > MAX_DEPTH:
        raise ExpressionError(f"expression {short_repr(text)}: parentheses nested deeper than {MAX_DEPTH}.", text)


_MATH = {name: getattr(math, name) for name in FUNCTIONS}


def _constant_value(text: str, node: ast.AST) -> float | None:
    """The value of a subtree of numbers, ``pi``, arithmetic and calls, or None if it has other names.

    Raises ExpressionError if the value cannot be computed, is infinite, NaN or complex.
    """
    if isinstance(node, ast.Constant):
        assert isinstance(node.value, (int, float))  # the checker lets only numbers through
        return float(node.value)
    if isinstance(node, ast.Name):
        return math.pi if node.id == "pi" else None
    if isinstance(node, ast.UnaryOp):
        inner = _constant_value(text, node.operand)
        return None if inner is None else (-inner if isinstance(node.op, ast.USub) else inner)
    if isinstance(node, ast.BinOp):
        operands = [_constant_value(text, node.left), _constant_value(text, node.right)]
        compute = {
            ast.Add: lambda a, b: a + b,
            ast.Sub: lambda a, b: a - b,
            ast.Mult: lambda a, b: a * b,
            ast.Div: lambda a, b: a / b,
            ast.Pow: math.pow,
        }[type(node.op)]
    elif isinstance(node, ast.Call) and isinstance(node.func, ast.Name):
        operands = [_constant_value(text, argument) for argument in node.args]
        compute = _MATH[node.func.id]
    else:
        return None
    if any(operand is None for operand in operands):
        return None
    try:
        value = compute(*operands)
    except (ZeroDivisionError, OverflowError, ValueError):
        raise _error(
            text,
            "this constant part cannot be computed (a division by zero, an overflow, or a function outside its domain)",
            node,
        ) from None
    if not isinstance(value, float) or not math.isfinite(value):
        raise _error(text, "this constant part is not a finite real number", node)
    return value


_SAME_LEVEL = {
    ast.Add: (ast.Add, ast.Sub),
    ast.Sub: (ast.Add, ast.Sub),
    ast.Mult: (ast.Mult, ast.Div),
    ast.Div: (ast.Mult, ast.Div),
}


class _Checker:
    def __init__(self, text: str, allowed_names: frozenset):
        self.text = text
        self.allowed = allowed_names
        self.names: set[str] = set()
        self.nodes = 0

    def check(self, node: ast.AST, depth: int) -> None:
        self.nodes += 1
        if self.nodes > MAX_NODES:
            raise _error(self.text, f"more than {MAX_NODES} numbers, names and operations")
        if depth > MAX_DEPTH:
            raise _error(self.text, f"nested deeper than {MAX_DEPTH} levels", node)
        method = getattr(self, f"_check_{type(node).__name__}", None)
        if method is None:
            what = _HINTS.get(type(node), f"{type(node).__name__} is not allowed")
            raise _error(self.text, what, node)
        method(node, depth)

    def _check_Constant(self, node: ast.Constant, depth: int) -> None:
        value = node.value
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise _error(self.text, f"only numbers are allowed as constants, not {type(value).__name__}", node)
        if isinstance(value, int) and value >= 10**_MAX_DIGITS:  # literals are never negative in the tree
            raise _error(self.text, f"integers may have at most {_MAX_DIGITS} digits", node)
        if isinstance(value, float) and not math.isfinite(value):
            raise _error(self.text, "numbers must be finite", node)

    def _check_Name(self, node: ast.Name, depth: int) -> None:
        if node.id not in self.allowed:
            declared = sorted(self.allowed - set(FUNCTIONS))
            raise _error(
                self.text,
                f"name {node.id!r} is not a coordinate, a constant or a declared parameter "
                f"(allowed: {', '.join(declared)}){close_matches(node.id, declared)}",
                node,
            )
        if node.id in FUNCTIONS:
            raise _error(self.text, f"{node.id!r} is a function: call it, as {node.id}(x)", node)
        self.names.add(node.id)

    def _check_BinOp(self, node: ast.BinOp, depth: int) -> None:
        if type(node.op) not in _BINARY:
            raise _error(
                self.text, _HINTS.get(type(node.op), f"operator {type(node.op).__name__} is not allowed"), node
            )
        # A sum or product continues on its left at the same level: a long sum is not deep.
        left_continues = isinstance(node.left, ast.BinOp) and isinstance(
            node.left.op, _SAME_LEVEL.get(type(node.op), ())
        )
        self.check(node.left, depth if left_continues else depth + 1)
        self.check(node.right, depth + 1)
        if isinstance(node.op, ast.Pow):
            exponent = _constant_value(self.text, node.right)
            if exponent is None:
                raise _error(self.text, "exponents must be numbers (use exp() and log() otherwise)", node.right)
            if abs(exponent) > MAX_EXPONENT:
                raise _error(self.text, f"exponents must be at most {MAX_EXPONENT} in magnitude", node.right)
        _constant_value(self.text, node)  # numbers alone must make a finite real number

    def _check_UnaryOp(self, node: ast.UnaryOp, depth: int) -> None:
        if type(node.op) not in _UNARY:
            raise _error(self.text, f"operator {type(node.op).__name__} is not allowed", node)
        self.check(node.operand, depth + 1)

    def _check_Call(self, node: ast.Call, depth: int) -> None:
        if not isinstance(node.func, ast.Name) or node.func.id not in FUNCTIONS:
            name = node.func.id if isinstance(node.func, ast.Name) else ast.get_source_segment(self.text, node.func)
            raise _error(
                self.text,
                f"only the functions {', '.join(FUNCTIONS)} may be called, not {short_repr(name)}"
                + (f" ({hint.strip()})" if (hint := close_matches(str(name), FUNCTIONS)) else ""),
                node,
            )
        if node.keywords:
            raise _error(self.text, "keyword arguments are not allowed", node)
        arity = FUNCTIONS[node.func.id]
        if len(node.args) != arity:
            raise _error(self.text, f"{node.func.id} takes {arity} argument(s), got {len(node.args)}", node)
        for argument in node.args:
            self.check(argument, depth + 1)
        _constant_value(self.text, node)  # a function of numbers alone must make a finite real number


def parse(text: object, parameters: Iterable[str], where: str = "expression") -> ParsedExpression:
    """Check ``text`` against the grammar and return its tree.

    Parameters
    ----------
    text : str
        The expression.
    parameters : iterable of str
        The declared parameter names it may use besides x, y, z, t and pi.
    where : str
        What the expression is, for error messages (``"Potential"``).

    Raises
    ------
    ExpressionError
        For anything outside the grammar, pointing at the offending part.
    """
    if not isinstance(text, str):
        raise ExpressionError(f"{where} must be a text expression or a SymPy expression, got {short_repr(text)}.")
    if not text.strip():
        raise ExpressionError(f"{where} must not be empty.", text)
    _prescan(text)
    try:
        with warnings.catch_warnings():  # Python's own warnings about odd literals ("1if") mean nothing here
            warnings.simplefilter("ignore", SyntaxWarning)
            tree = ast.parse(text.strip(), mode="eval")
    except SyntaxError as error:
        column = (error.offset or 1) - 1
        raise ExpressionError(
            f"{where} {short_repr(text)} is not a valid expression: {error.msg} at column {column + 1}.", text, column
        ) from None
    except (ValueError, RecursionError, MemoryError):
        raise ExpressionError(f"{where} {short_repr(text)} cannot be parsed (too complex).", text) from None
    checker = _Checker(text.strip(), frozenset(parameters) | _RESERVED)
    checker.check(tree.body, 1)
    return ParsedExpression(text=text, tree=tree, names=frozenset(checker.names))


_SYMPY_FUNCTIONS = {"asin": "asin", "acos": "acos", "atan": "atan", "atan2": "atan2"}


def to_sympy(parsed: ParsedExpression, symbols: dict) -> sp.Expr:
    """The SymPy form of a checked expression, built node by node (no text is evaluated).

    Parameters
    ----------
    parsed : ParsedExpression
    symbols : dict
        SymPy symbol for every name in ``parsed.names`` but ``pi``.
    """
    import sympy as sp

    def build(node: ast.AST) -> sp.Expr:
        if isinstance(node, ast.Constant):
            return sp.Integer(node.value) if isinstance(node.value, int) else sp.Float(node.value)
        if isinstance(node, ast.Name):
            return sp.pi if node.id == "pi" else symbols[node.id]
        if isinstance(node, ast.UnaryOp):
            operand = build(node.operand)
            return -operand if isinstance(node.op, ast.USub) else operand
        if isinstance(node, ast.BinOp):
            left, right = build(node.left), build(node.right)
            return {
                ast.Add: sp.Add,
                ast.Mult: sp.Mul,
                ast.Pow: sp.Pow,
                ast.Sub: lambda a, b: sp.Add(a, -b),
                ast.Div: lambda a, b: sp.Mul(a, sp.Pow(b, -1)),
            }[type(node.op)](left, right)
        if isinstance(node, ast.Call):
            name = cast(ast.Name, node.func).id  # parse() lets only the named functions be called
            function = getattr(sp, _SYMPY_FUNCTIONS.get(name, name))
            return function(*(build(argument) for argument in node.args))
        raise AssertionError(f"unchecked node {node!r}")  # parse() lets no other node through

    return build(parsed.tree.body)


def sympy_text(expression: Any) -> str:
    """A SymPy expression as text that :func:`parse` reads back to the same expression, numbers exactly.

    Floats are written with all their digits (``repr``), rationals as ``p/q``
    and Euler's number as ``exp(1)``; anything outside the grammar is left as
    SymPy prints it, for :func:`parse` to refuse.
    """
    from sympy.printing.str import StrPrinter

    class ExactPrinter(StrPrinter):
        def _print_Float(self, expr: Any) -> str:
            return repr(float(expr))

        def _print_Exp1(self, expr: Any) -> str:
            return "exp(1)"

    return ExactPrinter().doprint(expression)


def check_sympy_expression(expression: Any, parameters: Iterable[str], where: str) -> ParsedExpression:
    """Check a SymPy expression given instead of text, and return it read back from its exact text.

    Symbols are matched by name (x, y, z, t and the declared parameters), so
    symbols made with any assumptions are accepted. The expression must keep
    to the grammar of text expressions: it is printed exactly
    (:func:`sympy_text`) and read back by :func:`parse`, so that both forms of
    an expression are one and the same to trapode.
    """
    import sympy as sp

    if not isinstance(expression, sp.Expr):
        raise ExpressionError(f"{where} must be a text expression or a SymPy expression, got {short_repr(expression)}.")
    allowed = set(COORDINATES) | set(parameters)
    names = {symbol.name for symbol in expression.free_symbols}
    unknown = sorted(names - allowed)
    if unknown:
        raise ExpressionError(
            f"{where} {short_repr(expression)}: symbol(s) {', '.join(map(repr, unknown))} are neither coordinates "
            f"(x, y, z, t) nor declared parameters ({', '.join(sorted(set(parameters))) or 'none'})."
        )
    for node in sp.preorder_traversal(expression):
        if isinstance(node, sp.Number) and not (node.is_real and node.is_finite):
            raise ExpressionError(f"{where} {short_repr(expression)}: {node} is not a finite real number.")
    return parse(sympy_text(expression), parameters, where)
