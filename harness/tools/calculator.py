"""The calculator: a hand-written recursive-descent parser over a token whitelist, exact arithmetic.

Grammar (Python precedence; `**` is right-associative and binds tighter than a unary minus on
its left, so -2**2 = -4 and 2**-1 = 1/2):
    expr  := term (('+' | '-') term)*
    term  := unary (('*' | '/' | '%') unary)*
    unary := ('+' | '-') unary | power
    power := atom ('**' unary)?
    atom  := NUMBER | '(' expr ')'
Values are `fractions.Fraction`, so integer results are exact at any size. Limits keep a model
from using the tool as a denial of service: input length, nesting depth, exponent size and
result size. Anything outside the whitelist (names, attributes, quotes, commas, brackets) is
rejected before parsing; nothing is ever passed to eval/exec.
"""

from __future__ import annotations

import re
from decimal import Decimal, localcontext
from fractions import Fraction

from harness.tools.base import Sandbox, ToolError, register_tool

MAX_LEN = 200
MAX_DEPTH = 40
MAX_EXPONENT = 1000
MAX_RESULT_BITS = 4096

_TOKEN = re.compile(r"\s*(?:(\d+(?:\.\d*)?|\.\d+)|(\*\*|[-+*/%()]))")
_ALIASES = str.maketrans({"×": "*", "÷": "/", "−": "-", "–": "-"})


class CalcError(ToolError):
    pass


def tokenize(expr: str) -> list[str]:
    expr = expr.translate(_ALIASES)
    if len(expr) > MAX_LEN:
        raise CalcError(f"expression too long ({len(expr)} > {MAX_LEN} characters)")
    tokens, pos = [], 0
    while pos < len(expr):
        if expr[pos:].strip() == "":
            break
        m = _TOKEN.match(expr, pos)
        if not m:
            bad = expr[pos:].lstrip()[:1]
            raise CalcError(f"unexpected character {bad!r}: only numbers, + - * / % ** and parentheses are allowed")
        tokens.append(m.group(1) or m.group(2))
        pos = m.end()
    if not tokens:
        raise CalcError("empty expression")
    return tokens


class _Parser:
    def __init__(self, tokens: list[str]):
        self.toks = tokens
        self.i = 0
        self.depth = 0

    def peek(self) -> str | None:
        return self.toks[self.i] if self.i < len(self.toks) else None

    def take(self) -> str:
        tok = self.peek()
        if tok is None:
            raise CalcError("unexpected end of expression")
        self.i += 1
        return tok

    def parse(self) -> Fraction:
        value = self.expr()
        if self.peek() is not None:
            raise CalcError(f"unexpected {self.peek()!r}")
        return value

    def expr(self) -> Fraction:
        value = self.term()
        while self.peek() in ("+", "-"):
            op, rhs = self.take(), self.term()
            value = value + rhs if op == "+" else value - rhs
            _check_size(value)
        return value

    def term(self) -> Fraction:
        value = self.unary()
        while self.peek() in ("*", "/", "%"):
            op, rhs = self.take(), self.unary()
            if op == "*":
                value = value * rhs
            elif rhs == 0:
                raise CalcError("division by zero")
            else:
                value = value / rhs if op == "/" else value % rhs
            _check_size(value)
        return value

    def unary(self) -> Fraction:
        if self.peek() in ("+", "-"):
            op = self.take()
            self._enter()
            value = self.unary()
            self.depth -= 1
            return -value if op == "-" else value
        return self.power()

    def power(self) -> Fraction:
        base = self.atom()
        if self.peek() != "**":
            return base
        self.take()
        self._enter()
        exp = self.unary()
        self.depth -= 1
        return _pow(base, exp)

    def atom(self) -> Fraction:
        tok = self.take()
        if tok == "(":
            self._enter()
            value = self.expr()
            self.depth -= 1
            if self.take() != ")":
                raise CalcError("missing ')'")
            return value
        if tok[0].isdigit() or tok[0] == ".":
            if len(tok) > 60:
                raise CalcError("number too long")
            return Fraction(tok)
        raise CalcError(f"unexpected {tok!r}")

    def _enter(self) -> None:
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise CalcError("expression nested too deeply")


def _check_size(v: Fraction) -> None:
    if v.numerator.bit_length() > MAX_RESULT_BITS or v.denominator.bit_length() > MAX_RESULT_BITS:
        raise CalcError("result too large")


def _pow(base: Fraction, exp: Fraction) -> Fraction:
    if exp.denominator != 1:
        raise CalcError("only integer exponents are supported")
    e = exp.numerator
    if abs(e) > MAX_EXPONENT:
        raise CalcError(f"exponent too large (|exponent| > {MAX_EXPONENT})")
    bits = max(base.numerator.bit_length(), base.denominator.bit_length())
    if bits * abs(e) > MAX_RESULT_BITS:
        raise CalcError("result too large")
    if base == 0 and e < 0:
        raise CalcError("division by zero")
    return base**e


def evaluate(expr: str) -> Fraction:
    """Exact value of an arithmetic expression; raises CalcError (a ToolError) on anything else."""
    if not isinstance(expr, str):
        raise CalcError("expression must be a string")
    return _Parser(tokenize(expr)).parse()


def format_value(v: Fraction) -> str:
    """Integers exactly; other values as decimals with up to 12 places (trailing zeros dropped)."""
    if v.denominator == 1:
        return str(v.numerator)
    with localcontext() as ctx:
        ctx.prec = 60
        d = (Decimal(v.numerator) / Decimal(v.denominator)).quantize(Decimal(1).scaleb(-12))
    s = format(d.normalize(), "f")
    return s if s not in ("-0", "") else "0"


@register_tool(
    "calculator",
    "Evaluate an arithmetic expression exactly (numbers, + - * / % ** and parentheses), e.g. '123 + 456'.",
    {"expression": {"type": "string", "description": "the arithmetic expression"}},
)
def calculator(args: dict, sandbox: Sandbox) -> str:
    return format_value(evaluate(args["expression"]))
