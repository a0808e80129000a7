"""Shared pieces of the API: list pagination and the one error schema every operation documents."""

from __future__ import annotations

from typing import Any

from ninja import Field, Schema
from ninja.pagination import PageNumberPagination

from kam.core.inputs import ID_MAX

PAGE_MAX = ID_MAX // 1000  # the last page whose offset still fits a bigint (up to 1000 rows a page)


class Pages(PageNumberPagination):
    """Numbered pages; a page number no list can reach is a 422 naming `page`, never a database error."""

    class Input(Schema):
        page: int = Field(1, ge=1, le=PAGE_MAX)
        page_size: int | None = Field(None, ge=1, le=1000)


class Page50(Pages):
    page_size = 50


def meanings(choices) -> str:
    """An enumeration's values with their Chinese labels, for the API's descriptions."""
    return "；".join(f"{value} = {label}" for value, label in choices.choices)


class ErrorOut(Schema):
    """Every refusal of the API has this body (issue 12 §5): a message in Chinese, the field or rule at fault."""

    message: str = Field(description="说明（中文）")
    field: str | None = Field(None, description="出错的字段（如有）")
    rule: str | None = Field(None, description="相关的制度条款编号，如 A7.1（如有）")
    errors: list[dict[str, Any]] | None = Field(None, description="逐项校验错误（仅 422）")


ERROR_SCHEMA = "Error"
ERROR_REF = {"$ref": f"#/components/schemas/{ERROR_SCHEMA}"}

#: what every operation may answer besides its success (status: description)
ERRORS = {
    400: "请求被拒绝：数据不符合业务规则（message 说明原因，field/rule 指出字段或条款）",
    401: "未登录、令牌无效、已撤销或已过期",
    403: "无权执行（角色或只读令牌），或 CSRF 校验失败",
    404: "记录不存在或不在本人可见范围内",
    422: "参数校验失败（field 指出字段，errors 逐项列出）",
    429: "请求过于频繁（每用户、每令牌限速；Retry-After 给出等待秒数）",
}
BODY_ERRORS = {413: "请求体过大"}
RETRY_AFTER = {"Retry-After": {"description": "再次请求前须等待的秒数", "schema": {"type": "integer", "minimum": 1}}}


def document_errors(schema: dict) -> dict:
    """Add the shared error schema and the error answers to every operation of an OpenAPI schema."""
    components = schema.setdefault("components", {}).setdefault("schemas", {})
    components[ERROR_SCHEMA] = ErrorOut.model_json_schema(ref_template="#/components/schemas/{model}")
    for item in schema.get("paths", {}).values():
        for method, operation in item.items():
            if method not in ("get", "post", "put", "patch", "delete"):
                continue
            errors = {**ERRORS, **(BODY_ERRORS if "requestBody" in operation else {})}
            responses = operation.setdefault("responses", {})
            for status, description in errors.items():
                answer: dict = {"description": description, "content": {"application/json": {"schema": ERROR_REF}}}
                if status == 429:
                    answer["headers"] = RETRY_AFTER
                responses.setdefault(status, answer)
            operation["responses"] = dict(sorted(responses.items(), key=lambda kv: int(kv[0])))
    return schema
