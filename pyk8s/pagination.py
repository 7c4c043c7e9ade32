import json
from collections.abc import Callable
from typing import cast

from django.core.paginator import Page, Paginator
from django.http import HttpResponse
from rest_framework.exceptions import NotFound
from rest_framework.pagination import PageNumberPagination
from rest_framework.request import Request

# (offset, limit) -> (the whole list's length, the page's items as JSON texts)
FetchPage = Callable[[int, int], tuple[int, list[str]]]

# PostgreSQL's OFFSET is a bigint: past it, no list has a page (and the query would fail).
_MAX_OFFSET = 2**63 - 1


class RenderedPageNumberPagination(PageNumberPagination):
    """DRF's page-number pagination (its query parameter, links, errors and schema) for a
    list whose items arrive as JSON text, counted by the same query that made them."""

    def paginate_rendered(self, request: Request, fetch: FetchPage) -> list[str]:
        self.request = request
        size = cast(int, self.get_page_size(request))  # PAGE_SIZE is set
        raw_number = request.query_params.get(self.page_query_param) or "1"
        if raw_number in self.last_page_strings:
            total, _ = fetch(0, 1)
            raw_number = str(Paginator(range(total), size).num_pages)
        number = _positive_integer(raw_number)
        if number is None:
            raise self._invalid(raw_number, "That page number is not a positive integer")
        offset = (number - 1) * size
        if offset > _MAX_OFFSET:
            raise self._invalid(raw_number, "That page contains no results")
        total, items = fetch(offset, size)
        if not items and number > 1:
            raise self._invalid(raw_number, "That page contains no results")
        # A paginator over range(total) knows the page count without holding the items.
        self.page = Page(items, number, Paginator(range(total), size))
        return items

    def get_rendered_response(self, items: list[str]) -> HttpResponse:
        """As get_paginated_response(...) renders it, the items spliced in as they are."""
        links = {
            "count": cast(Page[str], self.page).paginator.count,
            "next": self.get_next_link(),
            "previous": self.get_previous_link(),
        }
        head = json.dumps(links, separators=(",", ":"))[:-1]
        return HttpResponse(
            f'{head},"results":[{",".join(items)}]}}', content_type="application/json"
        )

    def _invalid(self, page_number: str, message: str) -> NotFound:
        return NotFound(self.invalid_page_message.format(page_number=page_number, message=message))


def _positive_integer(text: str) -> int | None:
    try:
        number = int(text)
    except ValueError:
        return None
    return number if number >= 1 else None
