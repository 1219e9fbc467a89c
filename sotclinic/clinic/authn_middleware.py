"""Session limits and the second-factor gate, for every page and the API (see authn.py for the whole flow)."""

from __future__ import annotations

import time
from collections.abc import Callable
from functools import cached_property
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect
from django.urls import reverse

from sotclinic.clinic.authn import (
    LOGIN_AT,
    SEEN_AT,
    SEEN_RESOLUTION_SECONDS,
    mfa_enrolled,
    needs_second_factor,
)
from sotclinic.clinic.models import User
from sotclinic.clinic.signin_audit import LOGOUT_REASON

DEFAULT_IDLE_MINUTES = 30


def _is_api(request: HttpRequest) -> bool:
    return request.path.startswith("/api/")


def _go(request: HttpRequest, url: str) -> HttpResponse:
    if request.headers.get("HX-Request"):
        response = HttpResponse(status=204)
        response["HX-Redirect"] = url
        return response
    return redirect(url)


def _with_next(request: HttpRequest, url: str) -> str:
    if request.method in ("GET", "HEAD") and request.path != "/":
        return f"{url}?{urlencode({'next': request.get_full_path()})}"
    return url


class SessionLimitsMiddleware:
    """Ends a signed-in session that has been idle longer than its clinic's `session_idle_minutes`, or that is older
    than `SESSION_COOKIE_AGE` (the absolute lifetime, whatever the activity). The last-activity stamp is written at
    most once a minute, so an active user's session is not saved on every request."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = request.user
        if user.is_authenticated:
            assert isinstance(user, User)
            reason, ended = self._check(request, user)
            if ended:
                setattr(request, LOGOUT_REASON, reason)
                return self._end(request, ended)
        return self.get_response(request)

    def _check(self, request: HttpRequest, user: User) -> tuple[str, str]:
        """("", "") while the session may go on; else (reason code, the message for the user)."""
        now = time.time()
        session = request.session
        login_at = session.get(LOGIN_AT)
        seen_at = session.get(SEEN_AT)
        if not isinstance(login_at, int | float) or not isinstance(seen_at, int | float):
            session[LOGIN_AT] = session[SEEN_AT] = now  # a session from before these limits: start them now
            return "", ""
        if now - login_at > settings.SESSION_COOKIE_AGE:
            hours = settings.SESSION_COOKIE_AGE / 3600
            return (
                "lifetime",
                f"You were signed out: a session lasts at most {hours:g} hours. Please log in again.",
            )
        idle = user.clinic.session_idle_minutes if user.clinic else DEFAULT_IDLE_MINUTES
        if now - seen_at > idle * 60:
            return "idle", f"You were signed out after {idle} minutes without activity. Please log in again."
        if now - seen_at >= SEEN_RESOLUTION_SECONDS:
            session[SEEN_AT] = now
        return "", ""

    def _end(self, request: HttpRequest, message: str) -> HttpResponse:
        logout(request)
        if _is_api(request):
            return JsonResponse({"detail": message}, status=401)
        messages.info(request, message)
        return _go(request, _with_next(request, reverse("login")))


class MfaRequiredMiddleware:
    """Until a user who must show a second factor has shown it, every page leads to the verify step (or the enrol
    step, without a device yet), and the API answers 401. Only those steps and logging out are let through."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    @cached_property
    def open_paths(self) -> frozenset[str]:
        return frozenset(reverse(name) for name in ("mfa_verify", "mfa_enrol", "logout"))

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.path in self.open_paths or not needs_second_factor(request):
            return self.get_response(request)
        if _is_api(request):
            return JsonResponse(
                {"detail": "Two-factor verification is required: log in on the website."}, status=401
            )
        assert isinstance(request.user, User)
        step = "mfa_verify" if mfa_enrolled(request.user) else "mfa_enrol"
        return _go(request, _with_next(request, reverse(step)))
