"""Mastodon parameter styles: query string, form, multipart and JSON bodies, Rails-style brackets.

`media_ids[]=1&media_ids[]=2` becomes a list, `poll[options][]=a` a nested dict of lists, and
JSON bodies are taken as they are. Accessors validate types and raise 422/400 errors.
"""

from __future__ import annotations

import re
from typing import Any

import orjson
from starlette.datastructures import UploadFile
from starlette.requests import Request

from spark.domain.errors import BadRequest, Invalid

_KEY_RE = re.compile(r"^([^\[\]]+)((?:\[[^\[\]]*\])*)$")
TRUE = {"true", "1", "on", "yes", "t"}
FALSE = {"false", "0", "off", "no", "f", ""}
MAX_BODY = 1 * 1024 * 1024  # non-file bodies


def _insert(target: dict, key: str, value: Any) -> None:
    match = _KEY_RE.match(key)
    if not match:
        target[key] = value
        return
    name, brackets = match.group(1), match.group(2)
    parts = re.findall(r"\[([^\[\]]*)\]", brackets)
    node: Any = target
    path = [name, *parts]
    for i, part in enumerate(path):
        last = i == len(path) - 1
        nxt = None if last else path[i + 1]
        if part == "":
            # list append; `a[][k]=1&a[][j]=2` fills one dict until a key repeats (as Rails does)
            if not isinstance(node, list):
                return
            if last:
                node.append(value)
            elif nxt == "":  # `a[][]=1&a[][]=2`: [["1"], ["2"]], as Rack parses it
                node.append([])
                node = node[-1]
            else:
                if not (node and isinstance(node[-1], dict) and nxt not in node[-1]):
                    node.append({})
                node = node[-1]
            continue
        if not isinstance(node, dict):
            return
        if last:
            node[part] = value
        else:
            if part not in node or not isinstance(node[part], dict | list):
                node[part] = [] if nxt == "" else {}
            node = node[part]


class Params:
    """Typed access to merged request parameters."""

    def __init__(self, data: dict[str, Any]):
        self.data = data

    def __contains__(self, key: str) -> bool:
        return key in self.data and self.data[key] is not None

    def raw(self, key: str, default: Any = None) -> Any:
        return self.data.get(key, default)

    def str(self, key: str, default: str | None = None, *, max_length: int | None = None) -> str | None:
        value = self.data.get(key)
        if value is None:
            return default
        if isinstance(value, bool | int | float):
            value = str(value).lower() if isinstance(value, bool) else str(value)
        if not isinstance(value, str):
            raise Invalid(f"Validation failed: {key} must be a string")
        if "\x00" in value:
            raise Invalid(f"Validation failed: {key} contains a NUL byte")
        if max_length is not None and len(value) > max_length:
            raise Invalid(f"Validation failed: {key} is too long (maximum is {max_length} characters)")
        return value

    def bool(self, key: str, default: bool | None = False) -> bool | None:
        value = self.data.get(key)
        if value is None:
            return default
        if isinstance(value, bool):
            return value
        if isinstance(value, int | float):
            return bool(value)
        if isinstance(value, str) and value.strip().lower() in TRUE | FALSE:
            return value.strip().lower() in TRUE
        raise Invalid(f"Validation failed: {key} must be a boolean")

    def int(self, key: str, default: int | None = None, *, minimum: int | None = None,
            maximum: int | None = None) -> int | None:
        value = self.data.get(key)
        if value is None or value == "":
            return default
        if isinstance(value, bool):
            raise Invalid(f"Validation failed: {key} must be an integer")
        try:
            number = int(value)
        except (TypeError, ValueError):
            raise Invalid(f"Validation failed: {key} must be an integer") from None
        if minimum is not None and number < minimum:
            raise Invalid(f"Validation failed: {key} must be at least {minimum}")
        if maximum is not None and number > maximum:
            raise Invalid(f"Validation failed: {key} must be at most {maximum}")
        return number

    def id(self, key: str) -> int | None:
        """An id parameter; ids that cannot exist are treated as absent records (404 later)."""
        value = self.data.get(key)
        if value is None or value == "":
            return None
        try:
            number = int(value)
        except (TypeError, ValueError):
            return -1
        return number if 0 <= number < 2**63 else -1

    def list(self, key: str, *, max_items: int = 100) -> list:
        value = self.data.get(key)
        if value is None:
            value = self.data.get(key + "[]")
        if value is None:
            return []
        if isinstance(value, dict):  # media_ids[0]=..&media_ids[1]=..
            value = [value[k] for k in sorted(value, key=lambda k: (len(k), k))]
        if not isinstance(value, list):
            value = [value]
        if len(value) > max_items:
            raise Invalid(f"Validation failed: too many {key}")
        return value

    def ids(self, key: str, *, max_items: int = 100) -> list[int]:
        out = []
        # Mastodon.py sends an `id[]` list as `id[][]=…`, which parses as lists in a list.
        items = [x for item in self.list(key, max_items=max_items) for x in (item if isinstance(item, list) else [item])]
        if len(items) > max_items:
            raise Invalid(f"Validation failed: too many {key}")
        for item in items:
            try:
                number = int(item)
            except (TypeError, ValueError):
                raise Invalid(f"Validation failed: {key} must be a list of ids") from None
            out.append(number)
        return out

    def dict(self, key: str) -> Params:
        value = self.data.get(key)
        if value is None:
            return Params({})
        if not isinstance(value, dict):
            raise Invalid(f"Validation failed: {key} must be an object")
        return Params(value)

    def file(self, key: str) -> UploadFile | None:
        value = self.data.get(key)
        if value is None or value == "":
            return None
        if not isinstance(value, UploadFile):
            raise Invalid(f"Validation failed: {key} must be a file")
        return value


def path_id(request: Request, name: str = "id") -> int | None:
    """An id from the route's path (`/…/{id}`), read as `Params.id` reads one."""
    return Params(dict(request.path_params)).id(name)


async def parse(request: Request, *, max_file_size: int = MAX_BODY) -> Params:
    """Merge query parameters and the body (form, multipart or JSON) into one Params."""
    data: dict[str, Any] = {}
    for key, value in request.query_params.multi_items():
        _insert(data, key, value)
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if request.method in ("GET", "HEAD") and not content_type.endswith("json"):
        return Params(data)  # some clients (Mastodon.py) send JSON bodies even on GET
    if content_type == "application/json" or content_type.endswith("+json"):
        body = await request.body()
        if len(body) > MAX_BODY:
            raise Invalid("Request body too large")
        if body.strip():
            try:
                parsed = orjson.loads(body)
            except orjson.JSONDecodeError:
                raise BadRequest("Error occurred while parsing request parameters (invalid JSON)") from None
            if not isinstance(parsed, dict):
                raise BadRequest("Error occurred while parsing request parameters (expected a JSON object)")
            data.update(parsed)
    elif content_type in ("application/x-www-form-urlencoded", "multipart/form-data"):
        try:
            form = await request.form(max_files=8, max_fields=1000, max_part_size=MAX_BODY)
            _check_file_sizes(form, max_file_size)
        except Invalid:
            raise
        except Exception as exc:  # malformed multipart bodies
            raise BadRequest(f"Error occurred while parsing request parameters ({exc})") from None
        for key, value in form.multi_items():
            _insert(data, key, value)
    return Params(data)


def _check_file_sizes(form, max_file_size: int) -> None:
    for _, value in form.multi_items():
        if isinstance(value, UploadFile) and value.size is not None and value.size > max_file_size:
            raise Invalid(f"Validation failed: File size must be less than {max_file_size // 1048576} MB")
