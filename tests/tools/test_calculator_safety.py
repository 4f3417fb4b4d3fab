"""The calculator must refuse code and absurd inputs, and be exact on valid arithmetic."""

from __future__ import annotations

import random
from fractions import Fraction

import pytest

from harness.tools import Call, Sandbox, execute, get_tools
from harness.tools.calculator import CalcError, evaluate, format_value

INJECTIONS = [
    "__import__('os').system('echo pwned')",
    "().__class__.__bases__[0].__subclasses__()",
    "(1).__class__",
    "open('/etc/passwd').read()",
    "exec('print(1)')",
    "x + 1",
    "1 if True else 2",
    "[1, 2, 3]",
    "lambda: 1",
    "1; 2",
    "'1' + '2'",
    "2 ^ 3",
    "1e5",
    "0x10",
]


@pytest.mark.parametrize("expr", INJECTIONS)
def test_refuses_code_and_names(expr: str) -> None:
    with pytest.raises(CalcError):
        evaluate(expr)


@pytest.mark.parametrize("expr", ["9**9**9", "10**100000", "2**5000", "(10**999)**999", "-(7**2000)"])
def test_refuses_huge_powers(expr: str) -> None:
    with pytest.raises(CalcError):
        evaluate(expr)


def test_refuses_long_and_deep_inputs() -> None:
    with pytest.raises(CalcError, match="too long"):
        evaluate("1+" * 150 + "1")
    with pytest.raises(CalcError, match="nested"):
        evaluate("(" * 60 + "1" + ")" * 60)
    with pytest.raises(CalcError, match="large"):
        evaluate("3**1000 * 3**1000 * 3**1000")  # each power allowed, the product too large


def test_errors_are_observations_not_exceptions() -> None:
    calc = {t.name: t for t in get_tools(["calculator"])}
    sb = Sandbox()
    obs, err = execute(Call("calculator", {"expression": "__import__('os').system('rm -rf /')"}), calc, sb)
    assert obs.startswith("Error:") and err == "tool_error"
    obs, err = execute(Call("calculator", {"expression": "1/0"}), calc, sb)
    assert "division by zero" in obs and err == "tool_error"
    obs, err = execute(Call("calculator", {"expr": "1+1"}), calc, sb)
    assert err == "tool_error" and "missing argument" in obs
    obs, err = execute(Call("calculator", {"expression": 12}), calc, sb)
    assert err == "tool_error"
    assert execute(Call("calculator", {"expression": "123 + 456"}), calc, sb) == ("579", None)


def test_precedence_and_decimals() -> None:
    cases = {"1+2*3": "7", "(1+2)*3": "9", "-2**2": "-4", "2**-2": "0.25", "2**3**2": "512", "7/2": "3.5", "10 % 4": "2",
             "-(3-5)": "2", "1.5*4": "6", "1/3": "0.333333333333", "123 × 4": "492", "+5": "5", "--5": "5"}
    for expr, want in cases.items():
        assert format_value(evaluate(expr)) == want, expr


def _tree(rng: random.Random, depth: int) -> tuple[str, Fraction]:
    """A random expression and its exact value, computed independently of the parser."""
    if depth == 0 or rng.random() < 0.3:
        n = rng.randrange(0, 10_000)
        return str(n), Fraction(n)
    op = rng.choice(["+", "-", "*", "/", "neg"])
    if op == "neg":
        s, v = _tree(rng, depth - 1)
        return f"-({s})", -v
    (ls, lv), (rs, rv) = _tree(rng, depth - 1), _tree(rng, depth - 1)
    if op == "/" and rv == 0:
        op = "+"
    value = {"+": lv + rv, "-": lv - rv, "*": lv * rv, "/": lv / rv if rv else 0}[op]
    return f"({ls} {op} {rs})", value


def test_exact_on_generated_expressions() -> None:
    rng = random.Random(7)
    checked = 0
    for _ in range(400):
        expr, value = _tree(rng, 4)
        if len(expr) > 200:
            continue
        assert evaluate(expr) == value, expr
        checked += 1
    assert checked > 200
    # integer arithmetic against Python's exact ints, including big products
    for _ in range(200):
        a, b, c = rng.randrange(-10**12, 10**12), rng.randrange(1, 10**9), rng.randrange(0, 12)
        assert format_value(evaluate(f"{a} * {b} - {b} ** {c} + {a} % {b}")) == str(a * b - b**c + a % b)
