"""Writes to the clinic and its staff: each runs in one transaction and writes its audit row in it."""

from __future__ import annotations

from importlib import import_module

from axes.utils import reset as axes_reset
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken

from sotclinic.audit.models import Action
from sotclinic.audit.services import audit_record
from sotclinic.clinic.authn import recovery_code_digest
from sotclinic.clinic.models import Clinic, Role, SealedTOTPDevice, StaffSession, User

RECOVERY_CODE_COUNT = 10


def _audit(*, actor: User, action: Action, obj: User | Clinic, detail: dict[str, object]) -> None:
    if actor.clinic_id is not None:  # a Django superuser outside any clinic has no audit chain
        audit_record(actor=actor, action=action, obj=obj, detail=detail)


def _not_yourself(*, user: User, by: User, what: str) -> None:
    if user.pk == by.pk:
        raise ValidationError(f"You cannot {what} yourself; ask another administrator.")


def user_sessions_end(*, user: User) -> int:
    """Delete every session the user has signed in with (StaffSession maps the user to its keys)."""
    store = import_module(settings.SESSION_ENGINE).SessionStore
    keys = list(StaffSession.objects.filter(user=user).values_list("session_key", flat=True))
    for key in keys:
        store(session_key=key).delete()
    StaffSession.objects.filter(user=user).delete()
    return len(keys)


def user_change_role(*, user: User, role: str, by: User) -> User:
    if role not in Role.values:
        raise ValidationError({"role": f"{role!r} is not a role."})
    _not_yourself(user=user, by=by, what="change the role of")
    with transaction.atomic():
        user = User.objects.select_for_update().get(pk=user.pk)
        before = user.role
        if before == role:
            return user
        user.role = role
        user.save(update_fields=["role"])
        _audit(actor=by, action=Action.STAFF_ROLE, obj=user, detail={"from": before, "to": role})
    return user


def user_deactivate(*, user: User, by: User) -> int:
    """The user can no longer log in, and every session they have ends now. Returns how many sessions ended."""
    _not_yourself(user=user, by=by, what="deactivate")
    with transaction.atomic():
        user = User.objects.select_for_update().get(pk=user.pk)
        user.is_active = False
        user.save(update_fields=["is_active"])
        ended = user_sessions_end(user=user)
        _audit(actor=by, action=Action.STAFF_DEACTIVATE, obj=user, detail={"sessions_ended": ended})
    return ended


def user_unlock(*, user: User, by: User) -> int:
    """Lift a login lockout (the failed-attempt records of this username, from every address)."""
    with transaction.atomic():
        lifted = axes_reset(username=user.get_username())
        _audit(actor=by, action=Action.STAFF_UNLOCK, obj=user, detail={"records": lifted})
    return lifted


def user_mfa_reset(*, user: User, by: User) -> None:
    """Remove a user's authenticator and recovery codes (a lost phone): they set up a new one at their next login,
    and their current sessions end."""
    _not_yourself(user=user, by=by, what="reset the two-factor login of")
    with transaction.atomic():
        SealedTOTPDevice.objects.filter(user=user).delete()
        StaticDevice.objects.filter(user=user).delete()
        ended = user_sessions_end(user=user)
        _audit(actor=by, action=Action.STAFF_MFA_RESET, obj=user, detail={"sessions_ended": ended})


def clinic_update_settings(
    *,
    clinic: Clinic,
    by: User,
    session_idle_minutes: int,
    caseloads_enabled: bool | None = None,
    break_glass_minutes: int | None = None,
) -> Clinic:
    """The idle time always; caseloads and the break-the-glass time when given. The audit row says what changed
    (the idle time always, the others when they changed)."""
    with transaction.atomic():
        clinic = Clinic.objects.select_for_update().get(pk=clinic.pk)
        before = clinic.session_idle_minutes
        clinic.session_idle_minutes = session_idle_minutes
        detail: dict[str, object] = {"session_idle_minutes": {"from": before, "to": session_idle_minutes}}
        changes = {"caseloads_enabled": caseloads_enabled, "break_glass_minutes": break_glass_minutes}
        for field, value in changes.items():
            if value is not None and getattr(clinic, field) != value:
                detail[field] = {"from": getattr(clinic, field), "to": value}
                setattr(clinic, field, value)
        clinic.full_clean()
        clinic.save(update_fields=["session_idle_minutes", "caseloads_enabled", "break_glass_minutes"])
        _audit(actor=by, action=Action.CLINIC_SETTINGS, obj=clinic, detail=detail)
    return clinic


def totp_enrol_start(*, user: User) -> SealedTOTPDevice:
    """The user's unconfirmed authenticator (a new secret the first time; the same one if the page is reloaded)."""
    device = SealedTOTPDevice.objects.filter(user=user, confirmed=False).first()
    if device is None:
        device = SealedTOTPDevice.create_for(user, name="Authenticator app", confirmed=False)
    return device


def _new_recovery_codes(user: User) -> list[str]:
    StaticDevice.objects.filter(user=user).delete()
    device = StaticDevice.objects.create(user=user, name="Recovery codes", confirmed=True)
    codes: list[str] = []
    while len(codes) < RECOVERY_CODE_COUNT:
        code = StaticToken.random_token()
        if code not in codes:
            codes.append(code)
    tokens = [StaticToken(device=device, token=recovery_code_digest(code)) for code in codes]
    StaticToken.objects.bulk_create(tokens)
    return codes


def totp_enrol_confirm(*, device: SealedTOTPDevice, user: User) -> list[str]:
    """The user has typed a code from the new authenticator: it becomes their device, and 10 one-time recovery
    codes are made (returned once, to be shown once)."""
    with transaction.atomic():
        SealedTOTPDevice.objects.filter(user=user).exclude(pk=device.pk).delete()
        device.confirmed = True
        device.save(update_fields=["confirmed"])
        codes = _new_recovery_codes(user)
        _audit(actor=user, action=Action.MFA_ENROL, obj=user, detail={"recovery_codes": len(codes)})
    return codes


def recovery_codes_renew(*, user: User) -> list[str]:
    """New recovery codes; the old ones stop working."""
    with transaction.atomic():
        codes = _new_recovery_codes(user)
        _audit(actor=user, action=Action.RECOVERY_CODES, obj=user, detail={"recovery_codes": len(codes)})
    return codes
