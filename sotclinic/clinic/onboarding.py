"""New staff accounts, their set-up links and reactivation: written by a clinic's administrator, not the server's.

An administrator adds a member of staff (name, username, role, optional e-mail). The account starts without a
password; the administrator is shown a set-up link once (and it is e-mailed when an address is given). The link is
`<user uuid>-<token>` where the token is Django's password-reset token: an HMAC over the account's password hash,
last login and the time, with SECRET_KEY. It therefore
- expires after settings.PASSWORD_RESET_TIMEOUT (3 days, Django's default),
- works once: setting the password changes the hash it covers,
- dies when a newer link is made (making one gives the account a new unusable password hash).
A practitioner or administrator then sets up two-factor login at their first login, as every such account does.

Every write runs in one transaction with its audit row.
"""

from __future__ import annotations

import uuid

from django.contrib.auth.password_validation import validate_password
from django.contrib.auth.tokens import default_token_generator
from django.contrib.auth.validators import UnicodeUsernameValidator
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction

from sotclinic.audit.models import Action
from sotclinic.audit.services import audit_record, audit_sign_in
from sotclinic.clinic.models import Role, User

SETUP_LINK_DAYS = 3  # settings.PASSWORD_RESET_TIMEOUT, Django's default; said on the pages


def _clean(value: str, *, field: str, label: str, limit: int, required: bool) -> str:
    text = " ".join(value.split()) if isinstance(value, str) else ""
    if required and not text:
        raise ValidationError({field: f"{label}: this field is required."})
    if len(text) > limit:
        raise ValidationError({field: f"{label}: at most {limit} characters (it has {len(text)})."})
    if any(ord(c) < 32 or 0xD800 <= ord(c) <= 0xDFFF for c in text):
        raise ValidationError({field: f"{label}: remove the control characters."})
    return text


def user_create(
    *,
    by: User,
    username: str,
    first_name: str,
    last_name: str,
    role: str,
    title: str = "",
    email: str = "",
) -> tuple[User, str]:
    """A new active member of `by`'s clinic without a password, and the set-up link's token for them."""
    assert by.is_administrator and by.clinic_id is not None
    username = _clean(username, field="username", label="Username", limit=150, required=True)
    try:
        UnicodeUsernameValidator()(username)
    except ValidationError:
        raise ValidationError(
            {"username": "Username: letters, digits and @ . + - _ only, no spaces."}
        ) from None
    first_name = _clean(first_name, field="first_name", label="First name", limit=150, required=True)
    last_name = _clean(last_name, field="last_name", label="Family name", limit=150, required=True)
    title = _clean(title, field="title", label="Title", limit=40, required=False)
    email = _clean(email, field="email", label="E-mail", limit=254, required=False)
    if email:
        try:
            validate_email(email)
        except ValidationError:
            raise ValidationError({"email": "E-mail: this is not an e-mail address."}) from None
    if role not in Role.values:
        raise ValidationError({"role": "Role: choose one of the roles."})
    with transaction.atomic():
        # Usernames are unique across the whole server (they are what people type at the login page), compared
        # without regard to case so that "Desk" and "desk" cannot both exist.
        if User.objects.filter(username__iexact=username).exists():
            raise ValidationError({"username": f"Username: {username!r} is taken; choose another."})
        user = User(
            username=username,
            first_name=first_name,
            last_name=last_name,
            title=title,
            email=email,
            role=role,
            clinic_id=by.clinic_id,
            is_active=True,
        )
        user.set_unusable_password()
        user.save()
        audit_record(actor=by, action=Action.STAFF_CREATE, obj=user, detail={"role": role})
    return user, setup_token(user)


def setup_token(user: User) -> str:
    return f"{user.pk.hex}-{default_token_generator.make_token(user)}"


def user_new_setup_link(*, user: User, by: User) -> str:
    """A fresh set-up link for a member who has not set a password yet; older links stop working."""
    assert by.is_administrator and by.clinic_id == user.clinic_id
    if user.has_usable_password():
        raise ValidationError(f"{user.display_name} has already set a password.")
    if not user.is_active:
        raise ValidationError(f"{user.display_name} is deactivated; reactivate them first.")
    with transaction.atomic():
        user = User.objects.select_for_update().get(pk=user.pk)
        user.set_unusable_password()
        user.save(update_fields=["password"])
        audit_record(actor=by, action=Action.STAFF_SETUP_LINK, obj=user, detail={})
    return setup_token(user)


def user_for_setup_token(token: str) -> User | None:
    """The active account a set-up link is for, or None for anything else (expired, used, made up)."""
    if not isinstance(token, str) or len(token) > 200:
        return None
    user_hex, _, secret = token.partition("-")
    try:
        user_id = uuid.UUID(hex=user_hex)
    except ValueError:
        return None
    user = User.objects.filter(pk=user_id, is_active=True, clinic__isnull=False).first()
    if user is None or user.has_usable_password():
        return None
    if not default_token_generator.check_token(user, secret):
        return None
    return user


def user_set_first_password(*, token: str, password: str) -> User:
    """Set the password of the account the link is for. Refuses a dead link and a weak password (Django's
    validators, with the account's own details), saving nothing."""
    with transaction.atomic():
        user = user_for_setup_token(token)
        if user is None:
            raise ValidationError("This set-up link has expired or has been used.")
        user = User.objects.select_for_update().get(pk=user.pk)
        validate_password(password, user)
        user.set_password(password)
        user.save(update_fields=["password"])
        audit_sign_in(account=user, action=Action.ACCOUNT_PASSWORD_SET, proven=True)
    return user


def user_reactivate(*, user: User, by: User) -> User:
    """A deactivated member can log in again (with their old password and two-factor device)."""
    assert by.is_administrator and by.clinic_id == user.clinic_id
    with transaction.atomic():
        user = User.objects.select_for_update().get(pk=user.pk)
        if user.is_active:
            return user
        user.is_active = True
        user.save(update_fields=["is_active"])
        audit_record(actor=by, action=Action.STAFF_REACTIVATE, obj=user, detail={})
    return user
