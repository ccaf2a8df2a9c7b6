"""Reading YAML safely and within bounds, and describing a parsed value in an error message.

One reader for every YAML file racecall takes in (scenarios, calibration files).
It builds Python values straight from libyaml's event stream (the C parser when
present), so no node tree is ever held in memory, and it checks while it reads:

* at most :data:`MAX_FILE_BYTES` bytes are read (``MAX + 1`` are asked for, so
  ``/dev/zero`` or a sparse file fails at once instead of being read whole);
* at most :data:`MAX_NODES` values in the whole document and a nesting depth of at
  most :data:`MAX_DEPTH` (a million-element list is refused after a million
  events, before a Python object is built for each -- and deep nesting cannot
  exhaust the stack);
* a number written with more than :data:`MAX_DIGITS` digits is refused (Python
  would refuse to convert one of over 4,300 digits; none of racecall's fields
  needs more than 20);
* a duplicated key in a mapping is an error naming its line and the line it
  first appeared on (PyYAML keeps the last one silently);
* aliases and anchors' uses (``*name``) are refused outright, so an "alias bomb"
  fails at once; explicit tags other than the standard scalar ones are refused;
* impossible dates and times (``2020-02-30``, ``+99:00``) are errors with their
  line, not tracebacks.

Every problem raises :class:`~simulate.errors.ScenarioError` naming the source
and the line.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from ..errors import ScenarioError

MAX_FILE_BYTES = 20_000_000
MAX_NODES = 2_500_000
MAX_DEPTH = 32
MAX_DIGITS = 100

_PLAIN_TAGS = {
    "tag:yaml.org,2002:null", "tag:yaml.org,2002:bool", "tag:yaml.org,2002:int",
    "tag:yaml.org,2002:float", "tag:yaml.org,2002:str", "tag:yaml.org,2002:timestamp",
}
_MAP_TAG, _SEQ_TAG = "tag:yaml.org,2002:map", "tag:yaml.org,2002:seq"


def read_capped(path, source: str, limit: int, what: str = "file") -> bytes:
    """At most ``limit`` bytes of the file at ``path``; a longer file (or a device) is an error.

    Reads ``limit + 1`` bytes, never the whole of a larger file.  Raises
    :class:`ScenarioError` naming ``source`` when the file cannot be read.
    """
    try:
        with open(path, "rb") as fh:
            data = fh.read(limit + 1)
    except (OSError, ValueError) as exc:  # ValueError: a NUL byte in the path
        reason = getattr(exc, "strerror", None) or str(exc)
        raise ScenarioError(source, "", f"cannot read the {what} ({reason})") from None
    if len(data) > limit:
        raise ScenarioError(source, "", f"{what} is larger than {limit:,} bytes")
    return data


def read_yaml_file(path, source: str | None = None, limit: int = MAX_FILE_BYTES, what: str = "file") -> Any:
    """Read and parse the YAML file at ``path`` within the module's bounds."""
    source = str(path) if source is None else source
    data = read_capped(Path(path) if not isinstance(path, Path) else path, source, limit, what)
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ScenarioError(source, "", f"{what} is not UTF-8 text (byte {exc.start})") from None
    return parse_yaml(text, source)


def parse_yaml(text: str, source: str, *, max_nodes: int = MAX_NODES, max_depth: int = MAX_DEPTH) -> Any:
    """Parse one YAML document safely and within bounds (module docstring)."""
    import yaml

    loader_class = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml when present: same rules, ~10x faster
    loader = loader_class(text)
    try:
        return _Builder(loader, source, max_nodes, max_depth).document()
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}: " if mark is not None else ""
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        raise ScenarioError(source, "", f"{where}malformed YAML ({problem})") from None
    except RecursionError:  # cannot happen under MAX_DEPTH; kept so a bug stays one line
        raise ScenarioError(source, "", "nested too deeply") from None
    finally:
        loader.dispose()


class _Builder:
    """Python values from the event stream, with the bounds checked event by event.

    Iterative (an explicit stack of open lists and mappings), so the depth
    bound, not Python's stack, limits nesting.  Plain scalars that resolve to text,
    booleans or null are memoised by their text (keys and ids repeat), and plain
    decimal integers take a fast path; everything else goes through PyYAML's
    resolver and safe constructors, unchanged.
    """

    def __init__(self, loader, source: str, max_nodes: int, max_depth: int):
        self.loader, self.source = loader, source
        self.max_nodes, self.max_depth = max_nodes, max_depth
        self.memo: dict[str, Any] = {}
        self.stack: list[list] = []

    def fail(self, event, message: str):
        """An error naming the line and, as far as the reader has got, the dotted path."""
        raise ScenarioError(self.source, _position(self.stack), f"line {event.start_mark.line + 1}: {message}")

    def document(self) -> Any:
        import yaml

        scalar_event, alias_event = yaml.ScalarEvent, yaml.AliasEvent
        seq_start, map_start = yaml.SequenceStartEvent, yaml.MappingStartEvent
        seq_end, map_end = yaml.SequenceEndEvent, yaml.MappingEndEvent
        get = self.loader.get_event
        get()  # StreamStart
        event = get()
        if isinstance(event, yaml.StreamEndEvent):
            return None
        # A frame: [container, is_mapping, key (or _NO_KEY while a key is awaited), lines]
        stack = self.stack
        nodes, root, done = 0, None, False
        while not done:
            event = get()
            cls = type(event)
            if cls is yaml.DocumentEndEvent:
                break
            nodes += 1
            if nodes > self.max_nodes:
                self.fail(event, f"more than {self.max_nodes:,} values in one file")
            if cls is scalar_event:
                value = self.scalar(event)
            elif cls is seq_start or cls is map_start:
                if stack and stack[-1][1] and stack[-1][2] is _NO_KEY:
                    self.fail(event, "a mapping key must be a single value, not a list or mapping")
                if len(stack) >= self.max_depth:
                    self.fail(event, f"nested more than {self.max_depth} levels deep")
                if event.tag not in (None, "!", _SEQ_TAG if cls is seq_start else _MAP_TAG):
                    self.fail(event, f"YAML tag {event.tag} is not allowed")
                stack.append([{} if cls is map_start else [], cls is map_start, _NO_KEY, {}])
                continue
            elif cls is seq_end or cls is map_end:
                value = stack.pop()[0]
            elif cls is alias_event:
                self.fail(event, f"YAML aliases (*{event.anchor}) are not allowed in scenario files")
            else:  # pragma: no cover - libyaml emits nothing else inside a document
                self.fail(event, f"unexpected YAML event {cls.__name__}")
            if not stack:
                root, done = value, True
                continue
            frame = stack[-1]
            if not frame[1]:
                frame[0].append(value)
            elif frame[2] is _NO_KEY:
                line = event.start_mark.line + 1
                if value in frame[0]:
                    raise ScenarioError(self.source, _path(stack, value),
                                        f"line {line}: duplicate key (first given on line {frame[3][value]})")
                frame[2], frame[3][value] = value, line
            else:
                frame[0][frame[2]] = value
                frame[2] = _NO_KEY
        if not done:  # pragma: no cover - an empty document ends at DocumentEnd with no value
            return None
        get()  # DocumentEnd
        event = get()
        if not isinstance(event, yaml.StreamEndEvent):
            self.fail(event, "a scenario file holds one YAML document (found a second '---')")
        return root

    def scalar(self, event) -> Any:
        import yaml

        text = event.value
        plain = event.tag is None and event.implicit[0] and not event.style  # libyaml: style '' when plain
        if plain:
            if text in self.memo:
                return self.memo[text]
            if text.isdigit() and (text[0] != "0" or text == "0") and text.isascii():
                if len(text) > MAX_DIGITS:
                    self.fail(event, f"a number written with {len(text):,} digits (at most {MAX_DIGITS})")
                return int(text)
        loader = self.loader
        if event.tag in (None, "!"):
            tag = "tag:yaml.org,2002:str" if event.tag == "!" else loader.resolve(yaml.ScalarNode, text, event.implicit)
        else:
            tag = event.tag
        if tag not in _PLAIN_TAGS:
            self.fail(event, f"YAML tag {tag} is not allowed")
        if tag in ("tag:yaml.org,2002:int", "tag:yaml.org,2002:float"):
            digits = sum(ch.isdigit() for ch in text)
            if digits > MAX_DIGITS:
                self.fail(event, f"a number written with {digits:,} digits (at most {MAX_DIGITS})")
        node = yaml.ScalarNode(tag, text, event.start_mark, event.end_mark, event.style)
        try:
            value = loader.yaml_constructors[tag](loader, node)
        except (ValueError, OverflowError, TypeError) as exc:
            what = "date or time" if tag.endswith("timestamp") else "value"
            self.fail(event, f"impossible {what} {text!r} ({exc})")
        except yaml.YAMLError as exc:
            self.fail(event, f"cannot read {text!r} ({getattr(exc, 'problem', None) or exc})")
        if plain and len(text) <= 64 and (value is None or isinstance(value, (str, bool))) and len(self.memo) < 100_000:
            self.memo[text] = value
        return value


_NO_KEY = object()


def _position(stack: list) -> str:
    """The dotted path of the value being read (of the mapping, while a key is read)."""
    out = ""
    for container, is_mapping, current, _ in stack:
        if is_mapping and current is _NO_KEY:
            break
        out += f".{current}" if is_mapping else f"[{len(container)}]"
    return out.lstrip(".")


def _path(stack: list, key: Any) -> str:
    """The dotted path (``count.counted.a``, ``snapshots[2].units``) of ``key`` in the innermost mapping."""
    out = ""
    for container, is_mapping, current, _ in stack[:-1]:
        out += f".{current}" if is_mapping else f"[{len(container)}]"
    return (out + f".{key}").lstrip(".")


def kind(value: Any) -> str:
    if value is None:
        return "nothing"
    if isinstance(value, bool):
        return f"a boolean ({str(value).lower()})"
    if isinstance(value, (int, float, str)):
        return f"{type(value).__name__} {_short(value)}"
    return {"list": "a list", "dict": "a mapping"}.get(type(value).__name__, type(value).__name__)


def _short(value) -> str:
    """``repr`` of a value, cut to a readable length."""
    text = repr(value) if not isinstance(value, int) or abs(value) < 10**30 else f"a {len(str(abs(value)))}-digit number"
    return text if len(text) <= 80 else text[:77] + "..."
