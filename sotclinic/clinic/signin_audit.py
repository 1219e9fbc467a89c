"""Sign-in events in the clinic's audit chain (ASVS V7: authentication events are logged).

What is recorded, each as one row in the hash chain of the account's clinic (actions `auth.*` in
sotclinic/audit/models.py):
- a login with the right password (`auth.login`), and a logout (`auth.logout`, with the reason when the session was
  ended for the user: idle, lifetime);
- a failed login for an existing account (`auth.login_failed`), and a refusal because the username and address are
  locked out (`auth.lockout`); the actor of a failure is empty (role "unverified"), the account tried is the object;
- the second factor passed or failed (`auth.mfa`, `auth.mfa_failed`, with the method: app or recovery code);
- re-authentication before a sensitive action, passed or failed (`auth.reauth`, `auth.reauth_failed`).

Never recorded: passwords or codes (Django hands the failure signal a scrubbed copy of the credentials, and the
username is not copied into the row at all: the object id names the account).

A failed login for a username that does not exist has no clinic and so no chain: it is counted by django-axes (per
username and address, for the lockout) and logged by `logging` (`sotclinic.security`) with the address only.
Recording a failure for an existing account costs one more insert than for an unknown username; against the
password hash every attempt computes (Argon2, tens of milliseconds) the difference is small, and we chose the audit
row over it.
"""

from __future__ import annotations

import logging
from typing import Any

from axes.signals import user_locked_out
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.dispatch import receiver
from django.http import HttpRequest

from sotclinic.audit.models import Action
from sotclinic.audit.services import audit_sign_in
from sotclinic.clinic.models import User

log = logging.getLogger("sotclinic.security")

# Set on the request by whoever ends a session for the user (SessionLimitsMiddleware), read by the logout receiver.
LOGOUT_REASON = "_sotclinic_logout_reason"


def _account(username: Any) -> User | None:
    if not isinstance(username, str) or not username or "\x00" in username or len(username) > 150:
        return None
    return User.objects.filter(username=username).first()


@receiver(user_logged_in, dispatch_uid="sotclinic.clinic.signin_audit.logged_in")
def on_logged_in(sender: Any, request: HttpRequest, user: User, **kwargs: Any) -> None:
    audit_sign_in(account=user, action=Action.AUTH_LOGIN, proven=True)


@receiver(user_logged_out, dispatch_uid="sotclinic.clinic.signin_audit.logged_out")
def on_logged_out(sender: Any, request: HttpRequest, user: User | None, **kwargs: Any) -> None:
    if user is None:
        return
    reason = getattr(request, LOGOUT_REASON, "")
    audit_sign_in(
        account=user, action=Action.AUTH_LOGOUT, proven=True, detail={"reason": reason} if reason else None
    )


@receiver(user_login_failed, dispatch_uid="sotclinic.clinic.signin_audit.login_failed")
def on_login_failed(
    sender: Any, credentials: dict[str, Any], request: HttpRequest | None = None, **kwargs: Any
) -> None:
    account = _account(credentials.get("username"))
    if account is None:
        address = request.META.get("REMOTE_ADDR", "") if request is not None else ""
        log.info("failed login for an unknown username from %s", address or "an unknown address")
        return
    audit_sign_in(account=account, action=Action.AUTH_LOGIN_FAILED, proven=False)


@receiver(user_locked_out, dispatch_uid="sotclinic.clinic.signin_audit.locked_out")
def on_locked_out(sender: Any, request: HttpRequest, username: Any = None, **kwargs: Any) -> None:
    account = _account(username)
    if account is None:
        log.warning("login locked for an unknown username after repeated failures")
        return
    audit_sign_in(account=account, action=Action.AUTH_LOCKOUT, proven=False)


def record_second_factor(*, user: User, passed: bool, method: str = "") -> None:
    """The verify step's outcome (auth_views.mfa_verify)."""
    if passed:
        audit_sign_in(account=user, action=Action.AUTH_MFA, proven=True, detail={"method": method})
    else:
        audit_sign_in(account=user, action=Action.AUTH_MFA_FAILED, proven=False)


def record_reauth(*, user: User, passed: bool) -> None:
    """The re-authentication page's outcome (auth_views.reauth). A wrong password there is also a failed login."""
    audit_sign_in(
        account=user, action=Action.AUTH_REAUTH if passed else Action.AUTH_REAUTH_FAILED, proven=passed
    )
