"""Reading YAML safely, and describing a parsed value in an error message."""

from __future__ import annotations

from typing import Any

from ..errors import ScenarioError


def parse_yaml(text: str, source: str) -> Any:
    """Parse YAML text safely, refusing aliases; errors name ``source`` and the line."""
    import yaml

    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml when present: same rules, ~10x faster
    try:
        for event in yaml.parse(text, Loader=loader):
            if isinstance(event, yaml.AliasEvent):
                line = event.start_mark.line + 1
                raise ScenarioError(source, "", f"line {line}: YAML aliases (*{event.anchor}) are not allowed in scenario files")
        return yaml.load(text, Loader=loader)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}: " if mark is not None else ""
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        raise ScenarioError(source, "", f"{where}malformed YAML ({problem})") from None


def kind(value: Any) -> str:
    if value is None:
        return "nothing"
    if isinstance(value, bool):
        return f"a boolean ({str(value).lower()})"
    if isinstance(value, (int, float, str)):
        return f"{type(value).__name__} {value!r}"
    return {"list": "a list", "dict": "a mapping"}.get(type(value).__name__, type(value).__name__)
