"""Every homes endpoint is documented: an operation id, a summary and an example."""

from __future__ import annotations

from typing import Any

from commonhold.app import create_app
from commonhold.settings import Settings


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
    for status in ("200", "201"):
        bodies.append(operation["responses"].get(status, {}))
    for body in bodies:
        for content in body.get("content", {}).values():
            if "example" in content:
                return True
            schemas.append(content.get("schema"))
    return any(_has_example(schema, components, set()) for schema in schemas)


def test_every_homes_operation_has_an_id_a_summary_and_an_example() -> None:
    spec = create_app(Settings(environment="test")).openapi()
    components = spec["components"]["schemas"]
    operations = [
        (f"{method.upper()} {path}", operation)
        for path, methods in spec["paths"].items()
        for method, operation in methods.items()
        if "homes" in operation.get("tags", [])
    ]
    assert len(operations) > 40
    for name, operation in operations:
        assert operation.get("operationId"), name
        assert operation.get("summary"), name
        assert _documented_with_example(operation, components), name
