"""Transport hardening around every response (DESIGN.md §4), and keeping query strings out of the logs."""

from __future__ import annotations

import logging
import re
import uuid
from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse

from sotclinic.audit.context import request_context

# A request id a client or proxy may hand us: short and plain, so it is safe in a header, a log line and an audit row.
_REQUEST_ID = re.compile(r"[A-Za-z0-9._-]{1,64}")


class NoStoreMiddleware:
    """Any page of the app may carry patient data: browsers and proxies must not keep it.

    Sits just below WhiteNoise, so every response that is not a static file gets `Cache-Control: no-store`, whoever
    asked for it: a signed-in user's pages, their error pages (403, 404, 500), the redirect from the login page, the
    page after logging out, and anything a future patient-facing page shows to a visitor who is not signed in.
    Static files never reach it and keep WhiteNoise's caching headers. It also tags the request with an id (the
    client's X-Request-Id when it is plain, else a new one) for the audit trail and the response.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        offered = request.headers.get("X-Request-Id", "")
        request_id = offered if _REQUEST_ID.fullmatch(offered) else uuid.uuid4().hex
        address = request.META.get("REMOTE_ADDR", "")
        with request_context(request_id=request_id, address=address):
            response = self.get_response(request)
        response["Cache-Control"] = "no-store"
        response["X-Request-Id"] = request_id
        return response


class PermissionsPolicyMiddleware:
    """Tells the browser that no page of ours may use the camera, the microphone or the location
    (settings.PERMISSIONS_POLICY), so an injected script could not turn them on either."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response
        self.policy: str = settings.PERMISSIONS_POLICY

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        response.setdefault("Permissions-Policy", self.policy)
        return response


# A URL path followed by its query string, as found in an access-log line: "GET /patients/?q=Smith HTTP/1.1".
_QUERY_STRING = re.compile(r"(?P<path>/[^\s\"?#]*)\?[^\s\"#]+")
REDACTED = "?[redacted]"


def redact_query_strings(text: str) -> str:
    return _QUERY_STRING.sub(lambda m: m.group("path") + REDACTED, text)


class RedactQueryStrings(logging.Filter):
    """Drops the query string from every URL in a log record (settings.LOGGING puts it on every handler).

    A search (`/patients/?q=Smith`) or the login redirect that keeps it (`/login/?next=/patients/%3Fq%3DSmith`)
    carries a patient's name in the query string; the development server logs each request line whole. Paths only
    ever carry UUIDs, so they stay.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.msg, str):
            record.msg = redact_query_strings(record.msg)
        if isinstance(record.args, tuple):
            record.args = tuple(redact_query_strings(a) if isinstance(a, str) else a for a in record.args)
        elif isinstance(record.args, dict):
            record.args = {
                k: redact_query_strings(v) if isinstance(v, str) else v for k, v in record.args.items()
            }
        return True
