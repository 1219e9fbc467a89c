from __future__ import annotations

import uuid
from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

from sotclinic.audit.context import request_context


class NoStoreMiddleware:
    """Pages shown to a signed-in user may carry patient data: browsers and proxies must not keep them."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        request_id = request.headers.get("X-Request-Id") or uuid.uuid4().hex
        address = request.META.get("REMOTE_ADDR", "")
        with request_context(request_id=request_id[:64], address=address):
            response = self.get_response(request)
        if getattr(request, "user", None) is not None and request.user.is_authenticated:
            response["Cache-Control"] = "no-store"
        response["X-Request-Id"] = request_id[:64]
        return response
