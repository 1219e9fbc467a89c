"""Each role's start page, the second-factor steps (enrol, verify), re-authentication and the account page."""

from __future__ import annotations

import base64

import qrcode
import qrcode.image.svg
from django import forms
from django.contrib import messages
from django.contrib.auth import authenticate
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.safestring import mark_safe
from django.views.decorators.http import require_http_methods, require_POST, require_safe
from django_otp.plugins.otp_static.models import StaticDevice

from sotclinic.clinic.authn import (
    complete_second_factor,
    is_verified,
    mark_authenticated,
    mfa_enrolled,
    mfa_required,
    recovery_codes_left,
    require_recent_auth,
    safe_next,
    totp_device,
    verify_second_factor,
)
from sotclinic.clinic.http import ClinicRequest
from sotclinic.clinic.models import Role
from sotclinic.clinic.services import recovery_codes_renew, totp_enrol_confirm, totp_enrol_start
from sotclinic.clinic.signin_audit import record_reauth, record_second_factor

BAD_CODE = "That code did not work. Check the time on your phone and try the newest code."


class CodeForm(forms.Form):
    code = forms.CharField(max_length=32, strip=True)


class ReauthForm(forms.Form):
    password = forms.CharField(strip=False, widget=forms.PasswordInput)
    code = forms.CharField(max_length=32, strip=True, required=False)


@login_required
@require_safe  # a page that only shows: any other method is 405
def home(request: ClinicRequest) -> HttpResponse:
    """Where each role starts: the patient list, the staff page, or (researchers) the research page."""
    role = request.user.role
    if role == Role.ADMINISTRATOR:
        return redirect("clinic:staff")
    if role == Role.RESEARCHER:
        return render(request, "clinic/research.html")
    return redirect("patients:list")


def _step(request: ClinicRequest, name: str) -> HttpResponse:
    """The other second-factor step, keeping ?next=."""
    query = request.GET.urlencode()
    return redirect(f"{reverse(name)}?{query}" if query else reverse(name))


def _qr_svg(data: str) -> str:
    """The otpauth URI as an inline SVG QR code (drawn by `qrcode` as one path; no image library, no script)."""
    image = qrcode.make(data, image_factory=qrcode.image.svg.SvgPathFillImage, box_size=12, border=2)
    svg: str = image.to_string(encoding="unicode")
    return svg


def _grouped(secret: str) -> str:
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))


@login_required
@require_http_methods(["GET", "POST"])
def mfa_enrol(request: ClinicRequest) -> HttpResponse:
    """Set up an authenticator app: scan the QR code (or type the secret), then type a code to confirm it."""
    user = request.user
    if mfa_enrolled(user) and not is_verified(request):
        return _step(request, "mfa_verify")
    if mfa_enrolled(user):
        return redirect("account")
    device = totp_enrol_start(user=user)
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if device.verify_token(form.cleaned_data["code"].replace(" ", "")):
            codes = totp_enrol_confirm(device=device, user=user)
            complete_second_factor(request, device)
            return render(
                request,
                "clinic/recovery_codes.html",
                {"codes": codes, "next": safe_next(request), "new": True},
            )
        form.add_error("code", BAD_CODE)
    secret = base64.b32encode(device.bin_key).decode()
    context = {
        "form": form,
        "secret": _grouped(secret),
        "uri": device.config_url,
        "qr": mark_safe(_qr_svg(device.config_url)),  # noqa: S308 - our own SVG, made from our own URI
        "required": mfa_required(user),
        "next": request.GET.get("next", request.POST.get("next", "")),
    }
    return render(request, "clinic/mfa_enrol.html", context, status=422 if form.errors else 200)


@login_required
@require_http_methods(["GET", "POST"])
def mfa_verify(request: ClinicRequest) -> HttpResponse:
    """The second step of logging in: a code from the authenticator app, or one of the recovery codes."""
    user = request.user
    if is_verified(request):
        return redirect(safe_next(request))
    if totp_device(user) is None:
        return _step(request, "mfa_enrol")
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        device = verify_second_factor(user, form.cleaned_data["code"])
        if device is not None:
            complete_second_factor(request, device)
            recovery = isinstance(device, StaticDevice)
            record_second_factor(user=user, passed=True, method="recovery code" if recovery else "app")
            if recovery:
                left = recovery_codes_left(user)
                messages.warning(
                    request,
                    f"You used a recovery code; {left} left. Make new ones on your account page if you are short.",
                )
            return redirect(safe_next(request))
        record_second_factor(user=user, passed=False)
        form.add_error("code", BAD_CODE)
    next_url = request.GET.get("next", request.POST.get("next", ""))
    return render(
        request,
        "clinic/mfa_verify.html",
        {"form": form, "next": next_url},
        status=422 if form.errors else 200,
    )


@login_required
@require_http_methods(["GET", "POST"])
def reauth(request: ClinicRequest) -> HttpResponse:
    """Confirm it is you before a sensitive action: the password, and a current code if you have a device.
    Wrong passwords count towards the login lockout like any other."""
    user = request.user
    with_code = mfa_enrolled(user)
    form = ReauthForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        checked = authenticate(request, username=user.get_username(), password=form.cleaned_data["password"])
        device = verify_second_factor(user, form.cleaned_data["code"]) if with_code and checked else None
        if checked is not None and checked.pk == user.pk and (device is not None or not with_code):
            mark_authenticated(request)
            record_reauth(user=user, passed=True)
            return redirect(safe_next(request))
        record_reauth(user=user, passed=False)
        form.add_error(None, "That did not match. Please try again.")
    next_url = request.GET.get("next", request.POST.get("next", ""))
    context = {"form": form, "with_code": with_code, "next": next_url}
    return render(request, "clinic/reauth.html", context, status=422 if form.errors else 200)


@login_required
@require_safe  # a page that only shows: any other method is 405
def account(request: ClinicRequest) -> HttpResponse:
    """The user's own login security: whether two-factor login is set up, and how many recovery codes are left."""
    context = {
        "enrolled": mfa_enrolled(request.user),
        "required": mfa_required(request.user),
        "codes_left": recovery_codes_left(request.user),
    }
    return render(request, "clinic/account.html", context)


@login_required
@require_POST
@require_recent_auth(minutes=5)
def recovery_codes_new(request: ClinicRequest) -> HttpResponse:
    if not mfa_enrolled(request.user):
        return redirect("account")
    codes = recovery_codes_renew(user=request.user)
    return render(request, "clinic/recovery_codes.html", {"codes": codes, "next": "", "new": False})
