"""Shared pieces of the API's list endpoints."""

from ninja.pagination import PageNumberPagination


class Page50(PageNumberPagination):
    page_size = 50
