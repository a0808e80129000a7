"""Shared pieces of the API's list endpoints."""

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
