"""Adding staff, their set-up links, reactivation (the administrator's side) and setting a first password from a
set-up link (the new member's side). The writes are in sotclinic/clinic/onboarding.py."""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST

from sotclinic.clinic.access import get_staff_member, require_administrator
from sotclinic.clinic.authn import require_recent_auth
from sotclinic.clinic.http import ClinicRequest
from sotclinic.clinic.models import Role, User
from sotclinic.clinic.onboarding import (
    SETUP_LINK_DAYS,
    user_create,
    user_for_setup_token,
    user_new_setup_link,
    user_reactivate,
    user_set_first_password,
)


class NewStaffForm(forms.Form):
    """Shapes only; the rules (lengths, characters, a free username) are the service's, so the API or a command
    would get the same answers."""

    first_name = forms.CharField(strip=False, required=False)
    last_name = forms.CharField(strip=False, required=False, label="Family name")
    title = forms.CharField(strip=False, required=False, help_text="e.g. Dr")
    username = forms.CharField(strip=False, required=False)
    email = forms.CharField(strip=False, required=False, label="E-mail (optional)")
    # No role is preselected: giving someone administrator (or any) rights is a choice made on purpose.
    role = forms.ChoiceField(
        choices=[("", "Choose a role…"), *Role.choices],
        required=False,
        error_messages={"invalid_choice": "Role: choose one of the roles."},
    )


class FirstPasswordForm(forms.Form):
    password1 = forms.CharField(strip=False, widget=forms.PasswordInput, label="New password")
    password2 = forms.CharField(strip=False, widget=forms.PasswordInput, label="The same password again")

    def clean(self) -> dict[str, object]:
        data = super().clean() or {}
        if data.get("password1") and data.get("password2") and data["password1"] != data["password2"]:
            self.add_error("password2", "The two passwords differ.")
        return data


def _link(request: ClinicRequest, token: str) -> str:
    return request.build_absolute_uri(reverse("account_setup", args=[token]))


def _show_link(request: ClinicRequest, member: User, token: str, *, new: bool) -> HttpResponse:
    link = _link(request, token)
    mailed = False
    if member.email:
        send_mail(
            subject="Your sotclinic account",
            message=(
                f"Hello {member.get_full_name()},\n\n"
                f"An account has been made for you at {member.clinic}. Set your password here "
                f"(the link works once, for {SETUP_LINK_DAYS} days):\n\n{link}\n"
            ),
            from_email=None,
            recipient_list=[member.email],
        )
        mailed = True
    context = {"member": member, "link": link, "days": SETUP_LINK_DAYS, "mailed": mailed, "new": new}
    return render(request, "clinic/staff_setup_link.html", context)


@login_required
@require_http_methods(["GET", "POST"])
@require_recent_auth(minutes=5)
def staff_new(request: ClinicRequest) -> HttpResponse:
    require_administrator(request.user)
    form = NewStaffForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            member, token = user_create(by=request.user, **form.cleaned_data)
        except ValidationError as exc:
            for field, errors in exc.message_dict.items():
                for error in errors:
                    form.add_error(field if field in form.fields else None, error)
        else:
            return _show_link(request, member, token, new=True)
    status = 422 if form.errors else 200
    return render(request, "clinic/staff_new.html", {"form": form}, status=status)


@login_required
@require_POST
@require_recent_auth(minutes=5)
def staff_setup_link(request: ClinicRequest, user_id: str) -> HttpResponse:
    member = get_staff_member(request.user, user_id)
    try:
        token = user_new_setup_link(user=member, by=request.user)
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
        return redirect("clinic:staff")
    member.refresh_from_db()
    return _show_link(request, member, token, new=False)


@login_required
@require_POST
@require_recent_auth(minutes=5)
def staff_reactivate(request: ClinicRequest, user_id: str) -> HttpResponse:
    member = get_staff_member(request.user, user_id)
    user_reactivate(user=member, by=request.user)
    messages.success(request, f"{member.display_name} can log in again.")
    return redirect("clinic:staff")


@require_http_methods(["GET", "POST"])
def account_setup(request: ClinicRequest, token: str) -> HttpResponse:
    """Whoever holds the link sets the account's first password; a dead link is a polite 410 naming no one."""
    member = user_for_setup_token(token)
    if member is None:
        return render(request, "clinic/setup_gone.html", status=410)
    form = FirstPasswordForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            user_set_first_password(token=token, password=form.cleaned_data["password1"])
        except ValidationError as exc:
            form.add_error("password1", exc)
        else:
            messages.success(request, "Your password is set. Log in with your username and the new password.")
            return redirect(settings.LOGIN_URL)
    context = {"form": form, "username": member.username}
    return render(request, "clinic/account_setup.html", context, status=422 if form.errors else 200)
