"""Who must show a second factor, what a session remembers about its login, and re-authentication.

The flow:
1. The login page checks the password (django-axes counts failures; see lockout.py). Django gives the session a new
   key; `on_login` below stamps the session (login time, last activity, last authentication), fixes its absolute
   expiry and records a StaffSession row (user -> session key).
2. A practitioner, an administrator, a Django staff/superuser, or anyone who has set up a device, must then verify
   a TOTP code (or a one-time recovery code). Until then `MfaRequiredMiddleware` sends every page to the verify
   step, or to the enrol step if there is no device yet; the API answers 401. Verifying rotates the session key.
3. `SessionLimitsMiddleware` ends the session after the clinic's idle minutes or `SESSION_COOKIE_AGE` seconds.
4. Sensitive actions are wrapped in `require_recent_auth(minutes=5)`: without a password (and code) entered in the
   last minutes the user is sent to /account/confirm/ and back.

Why a StaffSession table rather than scanning the session store: deactivating a user must find that user's
sessions; scanning means decoding every session of every user (slow, and it grows with the clinic), while one row
written at login maps the user to their session keys. Even without it, a deactivated user is signed out at their
next request, because Django's ModelBackend no longer loads an inactive user.
"""

from __future__ import annotations

import functools
import logging
import time
from collections.abc import Callable
from datetime import timedelta
from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.signals import user_logged_in, user_logged_out
from django.dispatch import receiver
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.crypto import salted_hmac
from django.utils.http import url_has_allowed_host_and_scheme
from django_otp import DEVICE_ID_SESSION_KEY, verify_token
from django_otp import login as otp_login
from django_otp.models import Device
from django_otp.plugins.otp_static.models import StaticDevice

from sotclinic.clinic.models import Role, SealedTOTPDevice, StaffSession, User
from sotclinic.clinic.sealing import SealError

LOGIN_AT = "sot_login_at"  # when the password was entered at login (seconds since the epoch)
SEEN_AT = "sot_seen_at"  # the last request, to the minute
AUTH_AT = (
    "sot_auth_at"  # the last time the user proved who they are: login, second factor or re-authentication
)

# How often the last-activity stamp is written: once a minute, not on every request.
SEEN_RESOLUTION_SECONDS = 60

log = logging.getLogger("sotclinic.security")

MFA_REQUIRED_ROLES = (Role.PRACTITIONER, Role.ADMINISTRATOR)
RECOVERY_CODE_SALT = "sotclinic.clinic.recovery-code"
TOTP_DIGITS = 6


def mfa_required(user: User) -> bool:
    """Practitioners and administrators, and anyone who can open Django's admin site, must use a second factor."""
    return user.role in MFA_REQUIRED_ROLES or user.is_staff or user.is_superuser


def totp_device(user: User) -> SealedTOTPDevice | None:
    return SealedTOTPDevice.objects.filter(user=user, confirmed=True).first()


def mfa_enrolled(user: User) -> bool:
    return SealedTOTPDevice.objects.filter(user=user, confirmed=True).exists()


def is_verified(request: HttpRequest) -> bool:
    verified = getattr(request.user, "is_verified", None)
    return bool(verified and verified())


def needs_second_factor(request: HttpRequest) -> bool:
    """Signed in with a password, but the second factor this user must show has not been shown yet."""
    user = request.user
    if not user.is_authenticated or is_verified(request):
        return False
    assert isinstance(user, User)
    return mfa_required(user) or mfa_enrolled(user)


def verify_second_factor(user: User, token: str) -> Device | None:
    """The device that accepts this code: the authenticator app's 6 digits, or one of the recovery codes (which is
    then used up). Each device throttles failed codes (django-otp: the wait doubles after each failure)."""
    token = "".join(token.split()).lower()
    if not token:
        return None
    if token.isdigit() and len(token) == TOTP_DIGITS:  # recovery codes have 8 characters
        device = totp_device(user)
        if device is None:
            return None
        try:
            return verify_token(user, device.persistent_id, token)
        except SealError:
            # The seed cannot be opened: SECRET_KEY changed without SECRET_KEY_FALLBACKS. The code is refused like
            # a wrong one; the user signs in with a recovery code or asks an administrator to reset two-factor.
            log.error("the authenticator of user %s cannot be opened with the secret key", user.pk)
            return None
    recovery = StaticDevice.objects.filter(user=user, confirmed=True).first()
    return verify_token(user, recovery.persistent_id, recovery_code_digest(token)) if recovery else None


def recovery_code_digest(code: str) -> str:
    """What the database keeps of a recovery code: a keyed hash (HMAC-SHA256 with SECRET_KEY, 64 bits in hex, the
    16 characters django-otp's token column holds). A copy of the database alone does not reveal a usable code,
    as it does not reveal a password; the codes are shown once, when they are made. Changing SECRET_KEY without
    listing the old one in SECRET_KEY_FALLBACKS makes everyone's recovery codes unusable (the app still works)."""
    return salted_hmac(RECOVERY_CODE_SALT, "".join(code.split()).lower(), algorithm="sha256").hexdigest()[:16]


def recovery_codes_left(user: User) -> int:
    return sum(d.token_set.count() for d in StaticDevice.objects.filter(user=user, confirmed=True))


def mark_authenticated(request: HttpRequest) -> None:
    request.session[AUTH_AT] = time.time()


def recently_authenticated(request: HttpRequest, minutes: float) -> bool:
    at = request.session.get(AUTH_AT)
    return isinstance(at, int | float) and time.time() - at <= minutes * 60


def rotate_session(request: HttpRequest) -> None:
    """A new session key, keeping the data, when the session gains rights (the second factor)."""
    old = request.session.session_key
    request.session.cycle_key()
    if old:
        StaffSession.objects.filter(session_key=old).update(session_key=request.session.session_key)


def complete_second_factor(request: HttpRequest, device: Device) -> None:
    otp_login(request, device)
    rotate_session(request)
    mark_authenticated(request)


@receiver(user_logged_in, dispatch_uid="sotclinic.clinic.authn.on_login")
def on_login(sender: Any, request: HttpRequest, user: User, **kwargs: Any) -> None:
    """Stamp a new session and map it to its user. Runs for every login (the login page, the admin's, tests'
    force_login), which is why this is a signal receiver and not a line in one view."""
    now = time.time()
    session = request.session
    session.pop(DEVICE_ID_SESSION_KEY, None)
    session[LOGIN_AT] = session[SEEN_AT] = session[AUTH_AT] = now
    # An absolute expiry: saving the session later (every minute of activity) must not push it further out.
    session.set_expiry(timezone.now() + timedelta(seconds=settings.SESSION_COOKIE_AGE))
    if session.session_key is None:
        session.save()
    StaffSession.objects.update_or_create(session_key=session.session_key, defaults={"user": user})
    # Rows of sessions that have expired by now are of no further use.
    too_old = timezone.now() - timedelta(seconds=settings.SESSION_COOKIE_AGE)
    StaffSession.objects.filter(user=user, created_at__lt=too_old).delete()


@receiver(user_logged_out, dispatch_uid="sotclinic.clinic.authn.on_logout")
def on_logout(sender: Any, request: HttpRequest, user: User | None, **kwargs: Any) -> None:
    """Logging out deletes the session; its row goes with it."""
    if request.session.session_key:
        StaffSession.objects.filter(session_key=request.session.session_key).delete()


def safe_next(request: HttpRequest, fallback: str = "home") -> str:
    """The ?next= (or posted next) address when it stays on this site, else the fallback page."""
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return reverse(fallback)


def require_recent_auth(
    minutes: float = 5,
) -> Callable[[Callable[..., HttpResponse]], Callable[..., HttpResponse]]:
    """A view decorator for sensitive actions (role changes, deactivation, exports): the user must have entered
    their password (and, if they have a device, a current code) in the last `minutes`. Otherwise they go to the
    re-authentication page, which brings them back: to the same address for a GET, to the page they came from for a
    POST (which they then repeat; nothing is done on the stale request). Put it below @login_required."""

    def decorator(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
        @functools.wraps(view)
        def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            if recently_authenticated(request, minutes):
                return view(request, *args, **kwargs)
            if request.method in ("GET", "HEAD"):
                back = request.get_full_path()
            else:
                referer = request.headers.get("Referer", "")
                ok = url_has_allowed_host_and_scheme(
                    referer, allowed_hosts={request.get_host()}, require_https=request.is_secure()
                )
                back = referer if referer and ok else request.path
                messages.info(request, "Please confirm it is you, then repeat the change.")
            url = f"{reverse('reauth')}?{urlencode({'next': back})}"
            if request.headers.get("HX-Request"):
                response = HttpResponse(status=204)
                response["HX-Redirect"] = url
                return response
            return redirect(url)

        return wrapped

    return decorator
