"""Unit conversion over fixed factor tables (length, mass, time, volume) plus temperature."""

from __future__ import annotations

from harness.tools.base import Sandbox, ToolError, register_tool

# factor to the base unit of each dimension; several spellings per unit
_FACTORS: dict[str, tuple[str, float]] = {}
for dim, table in {
    "length": {("m", "meter", "meters", "metre", "metres"): 1.0, ("km", "kilometer", "kilometers"): 1000.0, ("cm", "centimeter", "centimeters"): 0.01,
               ("mm", "millimeter", "millimeters"): 0.001, ("mi", "mile", "miles"): 1609.344, ("ft", "foot", "feet"): 0.3048,
               ("in", "inch", "inches"): 0.0254, ("yd", "yard", "yards"): 0.9144},
    "mass": {("kg", "kilogram", "kilograms"): 1.0, ("g", "gram", "grams"): 0.001, ("lb", "lbs", "pound", "pounds"): 0.45359237,
             ("oz", "ounce", "ounces"): 0.028349523125, ("t", "tonne", "tonnes"): 1000.0},
    "time": {("s", "sec", "second", "seconds"): 1.0, ("min", "minute", "minutes"): 60.0, ("h", "hr", "hour", "hours"): 3600.0,
             ("day", "days", "d"): 86400.0, ("week", "weeks"): 604800.0},
    "volume": {("l", "liter", "liters", "litre", "litres"): 1.0, ("ml", "milliliter", "milliliters"): 0.001, ("gal", "gallon", "gallons"): 3.785411784},
}.items():
    for names, f in table.items():
        for n in names:
            _FACTORS[n] = (dim, f)
_TEMPS = {"c": "C", "celsius": "C", "f": "F", "fahrenheit": "F", "k": "K", "kelvin": "K"}
UNIT_NAMES = sorted(set(_FACTORS) | set(_TEMPS))


def _to_kelvin(v: float, u: str) -> float:
    return {"C": v + 273.15, "F": (v - 32) * 5 / 9 + 273.15, "K": v}[u]


def _from_kelvin(v: float, u: str) -> float:
    return {"C": v - 273.15, "F": (v - 273.15) * 9 / 5 + 32, "K": v}[u]


def convert(value: float, from_unit: str, to_unit: str) -> float:
    a, b = from_unit.strip().lower(), to_unit.strip().lower()
    if a in _TEMPS and b in _TEMPS:
        return _from_kelvin(_to_kelvin(value, _TEMPS[a]), _TEMPS[b])
    if a not in _FACTORS or b not in _FACTORS:
        bad = a if a not in _FACTORS else b
        raise ToolError(f"unknown unit {bad!r}")
    (da, fa), (db, fb) = _FACTORS[a], _FACTORS[b]
    if da != db:
        raise ToolError(f"cannot convert {da} ({from_unit}) to {db} ({to_unit})")
    return value * fa / fb


def fmt(x: float) -> str:
    s = f"{x:.6g}"
    return s if "e" not in s else f"{x:.6e}"


@register_tool(
    "convert_units",
    "Convert a quantity between units of length, mass, time, volume or temperature (e.g. km to mi, C to F).",
    {"value": {"type": "number", "description": "the quantity"}, "from_unit": {"type": "string", "description": "unit to convert from"},
     "to_unit": {"type": "string", "description": "unit to convert to"}},
)
def convert_units(args: dict, sandbox: Sandbox) -> str:
    return fmt(convert(float(args["value"]), args["from_unit"], args["to_unit"]))
