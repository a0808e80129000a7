"""The OpenAPI schema tells the truth about errors and choices (issue 12 §5): every operation documents its
400/401/403/404/422/429 answers (413 where it takes a body) with one shared error schema, the 429 its Retry-After
header; choice fields are enumerations; no two of our classes share a schema name (one would silently replace
the other's documentation)."""

from __future__ import annotations

import enum

import pydantic
import pytest

from kam.api import api

METHODS = ("get", "post", "put", "patch", "delete")
ERROR = {"$ref": "#/components/schemas/Error"}
CHOICES = {"status", "kind", "channel", "state", "tier", "department", "customer_type", "confirmed_via", "draft",
           "decision", "final", "owner_role", "queue", "pref_price_sensitivity", "materials"}


@pytest.fixture(scope="module")
def schema():
    return api.get_openapi_schema(path_prefix="/api/")


def _operations(schema):
    for path, item in schema["paths"].items():
        for method, operation in item.items():
            if method in METHODS:
                yield f"{method.upper()} {path}", operation


def test_every_operation_documents_its_errors_with_the_shared_schema(schema):
    operations = list(_operations(schema))
    assert len(operations) > 50
    for label, operation in operations:
        responses = {str(k): v for k, v in operation["responses"].items()}
        expected = {"400", "401", "403", "404", "422", "429"} | ({"413"} if "requestBody" in operation else set())
        assert expected <= set(responses), (label, sorted(responses))
        for status in expected:
            assert responses[status]["content"]["application/json"]["schema"] == ERROR, (label, status)
        assert responses["429"]["headers"]["Retry-After"]["schema"]["type"] == "integer"
    error = schema["components"]["schemas"]["Error"]
    assert error["required"] == ["message"] and {"field", "rule", "errors"} <= set(error["properties"])


def _enum_values(node, components) -> set | None:
    """The values a property schema allows when it is an enumeration (through $ref, anyOf and arrays)."""
    if "$ref" in node:
        return _enum_values(components[node["$ref"].rsplit("/", 1)[1]], components)
    if "enum" in node:
        return set(node["enum"])
    if "const" in node:
        return {node["const"]}
    if node.get("type") == "null":
        return set()
    if "items" in node:
        return _enum_values(node["items"], components)
    if "anyOf" in node:
        parts = [_enum_values(n, components) for n in node["anyOf"]]
        return None if any(p is None for p in parts) else set().union(*parts)
    return None


def test_choice_fields_are_enumerations(schema):
    components = schema["components"]["schemas"]
    checked = 0
    for name, component in components.items():
        if not name.endswith("Out"):
            continue
        for prop, node in component.get("properties", {}).items():
            if prop in CHOICES:
                assert _enum_values(node, components), (name, prop, node)
                checked += 1
    assert checked > 20
    assert _enum_values(components["RequestListOut"]["properties"]["department"], components) == {
        "", "after_sales", "marketing", "finance"}


def _named_types(annotation, seen: set):
    for arg in getattr(annotation, "__args__", ()) or ():
        yield from _named_types(arg, seen)
    if isinstance(annotation, type) and annotation not in seen:
        seen.add(annotation)
        if issubclass(annotation, enum.Enum):
            yield annotation
        elif issubclass(annotation, pydantic.BaseModel):
            yield annotation
            for field in annotation.model_fields.values():
                yield from _named_types(field.annotation, seen)
                for meta in field.metadata:
                    yield from _named_types(getattr(meta, "annotation", None), seen)


def test_no_two_classes_share_a_schema_name():
    """Two schemas named alike (two `AssignIn`s) made the schema document one operation's body with the other's."""
    seen: set = set()
    by_name: dict[str, set[str]] = {}
    for bound in api._get_bound_routers():  # noqa: SLF001 - every operation of every router
        for path_view in bound.path_operations.values():
            for operation in path_view.operations:
                models = list(operation.models) + [m for m in operation.response_models.values()
                                                   if isinstance(m, type)]
                for model in models:
                    for cls in _named_types(model, seen):
                        if cls.__module__.startswith("kam."):
                            by_name.setdefault(cls.__name__, set()).add(f"{cls.__module__}.{cls.__qualname__}")
    assert len(by_name) > 40
    assert {name: where for name, where in by_name.items() if len(where) > 1} == {}
