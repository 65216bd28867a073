"""Every operation is documented to one standard, read from the app's own OpenAPI document:
an id, a summary, one tag and an example; errors as problem+json; 401 wherever a caller is
needed; and no string a client sends without a length bound (OWASP ASVS: bound all input)."""

from __future__ import annotations

import re
from collections import defaultdict
from typing import Any

import pytest

from commonhold.app import create_app
from commonhold.platform.errors import PROBLEM_MEDIA_TYPE, Problem
from commonhold.settings import Settings

# Anyone may call these; every other operation needs a signed-in caller.
PUBLIC_OPERATIONS = {
    "healthz",
    "readyz",
    "metrics",
    "auth_signup",
    "auth_login",
    "auth_refresh",
    "auth_logout",
    "auth_verify_email",
    "auth_request_password_reset",
    "auth_confirm_password_reset",
    "calendar_feed_read",  # the feed's secret token in the URL is its credential
    "billing_stripe_webhook",  # Stripe's signature (Stripe-Signature) is its credential
}
# Formats whose parsers only take text of a fixed length. Not date-time: its fraction of a
# second may have any number of digits. Not email or uri: those need a maxLength of their own.
SELF_BOUNDED_FORMATS = {"uuid", "date"}
Operations = list[tuple[str, dict[str, Any]]]


@pytest.fixture(scope="module")
def spec() -> dict[str, Any]:
    return create_app(Settings(environment="test")).openapi()


@pytest.fixture(scope="module")
def operations(spec: dict[str, Any]) -> Operations:
    found = [
        (f"{method.upper()} {path}", operation)
        for path, methods in spec["paths"].items()
        for method, operation in methods.items()
    ]
    assert len(found) > 90, "the app's operations went missing from its document"
    return found


def _components(spec: dict[str, Any]) -> dict[str, Any]:
    components: dict[str, Any] = spec["components"]["schemas"]
    return components


def _has_example(schema: Any, components: dict[str, Any], seen: set[str]) -> bool:
    if not isinstance(schema, dict):
        return False
    if "example" in schema or "examples" in schema:
        return True
    if "$ref" in schema:
        name = schema["$ref"].rsplit("/", 1)[-1]
        if name in seen:
            return False
        return _has_example(components[name], components, seen | {name})
    nested = [*schema.get("properties", {}).values(), schema.get("items")]
    for key in ("anyOf", "allOf", "oneOf"):
        nested += schema.get(key, [])
    return any(_has_example(part, components, seen) for part in nested)


def _documented_with_example(operation: dict[str, Any], components: dict[str, Any]) -> bool:
    schemas = [p.get("schema") for p in operation.get("parameters", [])]
    bodies = [operation.get("requestBody", {})]
    bodies += [body for status, body in operation["responses"].items() if status.startswith("2")]
    for body in bodies:
        for content in body.get("content", {}).values():
            if "example" in content:
                return True
            schemas.append(content.get("schema"))
    return any(_has_example(schema, components, set()) for schema in schemas)


def test_every_operation_has_an_id_a_summary_one_tag_and_an_example(
    spec: dict[str, Any], operations: Operations
) -> None:
    undocumented = [
        f"{name}: {missing}"
        for name, operation in operations
        for missing, ok in (
            ("operationId", bool(operation.get("operationId"))),
            ("summary", bool(operation.get("summary"))),
            ("exactly one tag", len(operation.get("tags", [])) == 1),
            ("example", _documented_with_example(operation, _components(spec))),
        )
        if not ok
    ]
    assert undocumented == []


def test_every_error_response_is_documented_as_a_problem(operations: Operations) -> None:
    wrong = [
        f"{name} {status}: {sorted(response.get('content', {}))}"
        for name, operation in operations
        for status, response in operation["responses"].items()
        if status[0] in "45" and not _is_problem(response.get("content", {}))
    ]
    assert wrong == []


def _is_problem(content: dict[str, Any]) -> bool:
    if list(content) != [PROBLEM_MEDIA_TYPE]:
        return False
    schema = content[PROBLEM_MEDIA_TYPE].get("schema", {})
    return schema.get("title") == "Problem" and set(schema["properties"]) == set(
        Problem.model_fields
    )


def test_operations_needing_a_caller_say_so_and_document_401(operations: Operations) -> None:
    public = {
        operation["operationId"] for _, operation in operations if not _needs_caller(operation)
    }
    assert public == PUBLIC_OPERATIONS
    without_401 = [
        name
        for name, operation in operations
        if _needs_caller(operation) and "401" not in operation["responses"]
    ]
    assert without_401 == []


def _needs_caller(operation: dict[str, Any]) -> bool:
    # An empty requirement ({}) among the alternatives would mean "or no credentials".
    requirements = operation.get("security", [])
    return bool(requirements) and {} not in requirements


def test_every_string_a_request_body_carries_is_bounded(
    spec: dict[str, Any], operations: Operations
) -> None:
    unbounded = [
        finding
        for name, operation in operations
        for media_type, content in operation.get("requestBody", {}).get("content", {}).items()
        for finding in _unbounded_strings(
            content.get("schema"), _components(spec), f"{name} {media_type}: body", frozenset()
        )
    ]
    assert unbounded == []


def _unbounded_strings(
    schema: Any, components: dict[str, Any], where: str, seen: frozenset[str]
) -> list[str]:
    """Where in ``schema`` a client may send a string of any length."""
    if schema is True:
        return [f"{where} (any JSON value)"]
    if not isinstance(schema, dict) or "x-max-bytes" in schema:
        return []  # refused (False), or capped as a whole
    if "$ref" in schema:
        name = schema["$ref"].rsplit("/", 1)[-1]
        if name in seen:
            return []
        return _unbounded_strings(components[name], components, f"{where}->{name}", seen | {name})
    found: list[str] = []
    types = schema.get("type", [])
    types = [types] if isinstance(types, str) else types
    parts = [schema.get(key, []) for key in ("anyOf", "allOf", "oneOf")]
    if not types and not any(parts) and not _is_fixed(schema):
        found.append(f"{where} (any JSON value)")
    if "string" in types and not _bounded_string(schema):
        found.append(where)
    if "object" in types and schema.get("additionalProperties", True) is not False:
        keys = schema.get("propertyNames", {})
        if not (_is_fixed(keys) or _bounded_string(keys)):
            found.append(f"{where} (keys)")
        found += _unbounded_strings(
            schema.get("additionalProperties", True), components, f"{where}{{}}", seen
        )
    for field, part in schema.get("properties", {}).items():
        found += _unbounded_strings(part, components, f"{where}.{field}", seen)
    if "items" in schema:
        found += _unbounded_strings(schema["items"], components, f"{where}[]", seen)
    for part in (part for alternatives in parts for part in alternatives):
        found += _unbounded_strings(part, components, where, seen)
    return found


def _is_fixed(schema: dict[str, Any]) -> bool:
    return "enum" in schema or "const" in schema


def _bounded_string(schema: dict[str, Any]) -> bool:
    return (
        "maxLength" in schema
        or _is_fixed(schema)
        or schema.get("format") in SELF_BOUNDED_FORMATS
        or _bounded_pattern(schema.get("pattern", ""))
    )


def _bounded_pattern(pattern: str) -> bool:
    """Anchored at both ends with no open-ended repetition, so it caps the length itself."""
    return (
        pattern.startswith("^")
        and pattern.endswith("$")
        and not re.search(r"[*+]|\{\d*,\}", pattern)
    )


def test_a_path_parameter_has_one_example_wherever_it_appears(operations: Operations) -> None:
    examples: dict[str, set[str]] = defaultdict(set)
    for _, operation in operations:
        for parameter in operation.get("parameters", []):
            if parameter["in"] == "path":
                for example in parameter["schema"].get("examples", []):
                    examples[parameter["name"]].add(example)
    assert {name: found for name, found in examples.items() if len(found) > 1} == {}
    assert examples["space_id"] == examples["home_id"], "a home is a space: one id"


# Lists answered whole: each is bounded by something other than a page size.
WHOLE_LISTS = {
    "GET /api/v1/notifications/preferences": "one entry per notification type",
    "GET /api/v1/admin/notification-types": "one entry per notification type",
    "GET /api/v1/notifications/push/subscriptions": "a person's own browsers, added by them",
    "PUT /api/v1/homes/{home_id}/rooms/order": "the rooms the request listed",
    "GET /api/v1/items/{item_id}/attachments": "one item's attachments",
    "GET /api/v1/homes/{home_id}/occurrences": "a date range of at most 366 days",
    "GET /api/v1/agenda": "open occurrences overdue or due within 90 days, in my homes",
}


def test_every_list_is_paged_with_a_capped_size_or_bounded_otherwise(
    spec: dict[str, Any], operations: Operations
) -> None:
    components = _components(spec)
    unbounded = []
    for name, operation in operations:
        limits = [p for p in operation.get("parameters", []) if p["name"] == "limit"]
        for limit in limits:
            if not 1 <= limit["schema"].get("maximum", 0) <= 1000:
                unbounded.append(f"{name}: limit without a maximum of at most 1000")
        for status, response in operation["responses"].items():
            schema = response.get("content", {}).get("application/json", {}).get("schema", {})
            resolved = components.get(schema.get("$ref", "").rsplit("/", 1)[-1], schema)
            whole = status.startswith("2") and resolved.get("type") == "array"
            if whole and name not in WHOLE_LISTS:
                unbounded.append(f"{name}: answers a whole list; page it or say what bounds it")
    assert unbounded == []
    assert set(WHOLE_LISTS) <= {name for name, _ in operations}
