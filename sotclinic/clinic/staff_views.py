"""The administrator's pages: the clinic's staff (roles, deactivation, lockouts, two-factor resets) and settings.

Every change is a POST with a CSRF token, needs a recent re-authentication (`require_recent_auth`, except lifting
a lockout), goes through a service in sotclinic/clinic/services.py and leaves an audit row.
"""

from __future__ import annotations

from collections.abc import Callable

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_POST

from sotclinic.clinic.access import get_staff_member, require_administrator, staff_for
from sotclinic.clinic.authn import require_recent_auth
from sotclinic.clinic.caseloads import break_glass_to_review
from sotclinic.clinic.http import ClinicRequest
from sotclinic.clinic.lockout import locked_usernames
from sotclinic.clinic.models import Clinic, Role, SealedTOTPDevice
from sotclinic.clinic.services import (
    clinic_update_settings,
    user_change_role,
    user_deactivate,
    user_mfa_reset,
    user_unlock,
)


class RoleForm(forms.Form):
    role = forms.ChoiceField(choices=Role.choices)


class ClinicSettingsForm(forms.Form):
    session_idle_minutes = forms.IntegerField(
        min_value=1, max_value=24 * 60, label="Sign out after (minutes idle)"
    )
    # Caseloads (sotclinic/clinic/access.py). A form without the field keeps the clinic's break-the-glass time.
    caseloads_enabled = forms.BooleanField(
        required=False, label="Caseloads: practitioners open their own patients; others by breaking the glass"
    )
    break_glass_minutes = forms.IntegerField(
        required=False, min_value=5, max_value=24 * 60, label="Break-the-glass access lasts (minutes)"
    )


@login_required
@require_GET
def staff_list(request: ClinicRequest) -> HttpResponse:
    clinic = Clinic.objects.get(pk=require_administrator(request.user))
    staff = list(staff_for(request.user).order_by("-is_active", "last_name", "first_name", "username"))
    enrolled = set(
        SealedTOTPDevice.objects.filter(user__in=staff, confirmed=True).values_list("user_id", flat=True)
    )
    locked = locked_usernames([u.username for u in staff])
    rows = [
        {"member": u, "mfa": u.pk in enrolled, "locked": u.username in locked, "me": u.pk == request.user.pk}
        for u in staff
    ]
    context = {
        "rows": rows,
        "roles": Role.choices,
        "settings_form": ClinicSettingsForm(
            initial={
                "session_idle_minutes": clinic.session_idle_minutes,
                "caseloads_enabled": clinic.caseloads_enabled,
                "break_glass_minutes": clinic.break_glass_minutes,
            }
        ),
        "break_glass_to_review": break_glass_to_review(clinic.pk),
    }
    return render(request, "clinic/staff.html", context)


def _apply(request: ClinicRequest, action: Callable[[], str]) -> HttpResponse:
    try:
        messages.success(request, action())
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
    return redirect("clinic:staff")


@login_required
@require_POST
@require_recent_auth(minutes=5)
def staff_role(request: ClinicRequest, user_id: str) -> HttpResponse:
    member = get_staff_member(request.user, user_id)
    form = RoleForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Choose one of the roles.")
        return redirect("clinic:staff")

    def change() -> str:
        changed = user_change_role(user=member, role=form.cleaned_data["role"], by=request.user)
        return f"{changed.display_name} is now {changed.get_role_display()}."

    return _apply(request, change)


@login_required
@require_POST
@require_recent_auth(minutes=5)
def staff_deactivate(request: ClinicRequest, user_id: str) -> HttpResponse:
    member = get_staff_member(request.user, user_id)

    def deactivate() -> str:
        ended = user_deactivate(user=member, by=request.user)
        return (
            f"{member.display_name} can no longer log in ({ended} session{'s' if ended != 1 else ''} ended)."
        )

    return _apply(request, deactivate)


@login_required
@require_POST
@require_recent_auth(minutes=5)
def staff_mfa_reset(request: ClinicRequest, user_id: str) -> HttpResponse:
    member = get_staff_member(request.user, user_id)

    def reset() -> str:
        user_mfa_reset(user=member, by=request.user)
        return f"{member.display_name} will set up two-factor login again at their next login."

    return _apply(request, reset)


@login_required
@require_POST
def staff_unlock(request: ClinicRequest, user_id: str) -> HttpResponse:
    member = get_staff_member(request.user, user_id)

    def unlock() -> str:
        user_unlock(user=member, by=request.user)
        return f"{member.display_name} can log in again."

    return _apply(request, unlock)


@login_required
@require_POST
@require_recent_auth(minutes=5)
def clinic_settings(request: ClinicRequest) -> HttpResponse:
    clinic_id = require_administrator(request.user)
    form = ClinicSettingsForm(request.POST)
    if not form.is_valid():
        if "session_idle_minutes" in form.errors:
            messages.error(request, "Sign-out time: a whole number of minutes from 1 to 1440.")
        if "break_glass_minutes" in form.errors:
            messages.error(request, "Break-the-glass access: a whole number of minutes from 5 to 1440.")
        return redirect("clinic:staff")
    clinic = Clinic.objects.get(pk=clinic_id)
    minutes = form.cleaned_data["session_idle_minutes"]
    caseloads = form.cleaned_data["caseloads_enabled"]
    glass_minutes = form.cleaned_data["break_glass_minutes"] or clinic.break_glass_minutes

    def save() -> str:
        clinic_update_settings(
            clinic=clinic,
            by=request.user,
            session_idle_minutes=minutes,
            caseloads_enabled=caseloads,
            break_glass_minutes=glass_minutes,
        )
        said = f"Idle sessions now end after {minutes} minutes."
        if caseloads:
            said += f" Caseloads are on; break-the-glass access lasts {glass_minutes} minutes."
        return said

    return _apply(request, save)
