"""Login rate limiting and lockout (django-axes), told to nobody.

After `SOTCLINIC_LOGIN_FAILURE_LIMIT` failed logins (default 5) for one username from one address, that pair is
locked for `SOTCLINIC_LOGIN_LOCKOUT_MINUTES` (default 15; each further try during the lockout starts it again).
A locked-out login gets exactly the answer of a wrong password or an unknown username — the login page with
"Your username and password did not match" — so the page reveals neither which usernames exist nor which are
locked. The login page always says, for everyone, that logging in pauses after repeated failures.

A locked-out member of staff waits, or asks the clinic's administrator, who lifts it on the staff page
(/clinic/staff/, "Unlock"); on the server, `sotclinic axes_reset_username USERNAME` does the same.
"""

from __future__ import annotations

from typing import Any

from axes.backends import AxesStandaloneBackend
from axes.exceptions import AxesBackendPermissionDenied
from axes.models import AccessAttempt
from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.http import HttpRequest, HttpResponse
from django.utils import timezone


class LockoutBackend(AxesStandaloneBackend):
    """Refuses a locked-out username and address before the password is checked, but only after hashing the
    password once, as a real check does, so the time taken does not tell a locked account apart either."""

    def authenticate(  # type: ignore[override]
        self, request: HttpRequest, username: str | None = None, password: str | None = None, **kwargs: Any
    ) -> None:
        try:
            super().authenticate(request, username, password, **kwargs)
        except AxesBackendPermissionDenied:
            make_password(password)
            raise


def lockout_response(
    request: HttpRequest, original_response: HttpResponse | None = None, credentials: Any = None
) -> HttpResponse:
    """settings.AXES_LOCKOUT_CALLABLE: the page the login view rendered for the refused login, unchanged."""
    if isinstance(original_response, HttpResponse):
        return original_response
    return HttpResponse("Your username and password did not match. Please try again.", status=403)


def locked_usernames(usernames: list[str]) -> set[str]:
    """Which of these usernames are locked out from some address right now (for the staff page)."""
    since = timezone.now() - settings.AXES_COOLOFF_TIME
    return set(
        AccessAttempt.objects.filter(
            username__in=usernames,
            failures_since_start__gte=settings.AXES_FAILURE_LIMIT,
            attempt_time__gte=since,
        ).values_list("username", flat=True)
    )
