from __future__ import annotations

import datetime

from django import forms
from django.utils import timezone

from sotclinic.visits.models import SEVERITY_DEFINITIONS, Causality, Severity


class FlagDecisionForm(forms.Form):
    decision = forms.ChoiceField(
        choices=[("referred", "Referred"), ("proceed", "Proceed with a reason")], widget=forms.RadioSelect
    )
    referred_to = forms.CharField(max_length=200, required=False, label="Referred to (whom, where)")
    referral_date = forms.DateField(
        required=False, widget=forms.DateInput(attrs={"type": "date"}), label="Referral date"
    )
    reason = forms.CharField(
        max_length=2000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        label="Reason / modification (for example, a cleared imaging report)",
    )

    def clean(self) -> dict[str, object]:
        data = super().clean() or {}
        if data.get("decision") == "referred":
            if not data.get("referred_to"):
                self.add_error("referred_to", "Say to whom the patient was referred.")
            if not data.get("referral_date"):
                self.add_error("referral_date", "Give the date of the referral.")
            elif data["referral_date"] > timezone.localdate() + datetime.timedelta(days=1):
                self.add_error("referral_date", "A referral cannot be dated in the future.")
        if data.get("decision") == "proceed" and not (data.get("reason") or "").strip():
            self.add_error("reason", "Give the reason it is safe to proceed.")
        return data


class ConsentForm(forms.Form):
    agreed = forms.BooleanField(required=False, label="I have read this and agree to SOT care at this clinic")
    signed_name = forms.CharField(max_length=200, required=False, label="Type your full name to sign")
    by_guardian = forms.BooleanField(required=False, label="I am signing as the patient's parent or guardian")
    guardian_relationship = forms.CharField(
        max_length=100, required=False, label="Relationship to the patient"
    )


class ConsentTextForm(forms.Form):
    title = forms.CharField(max_length=200, initial="Consent to care")
    body = forms.CharField(widget=forms.Textarea(attrs={"rows": 14}), max_length=20000)


def _severity_choices() -> list[tuple[str, str]]:
    return [(code, f"{label} — {SEVERITY_DEFINITIONS[Severity(code)]}") for code, label in Severity.choices]


class AdverseEventForm(forms.Form):
    visit = forms.ChoiceField(label="After the visit of", required=False)
    description = forms.CharField(
        max_length=2000, widget=forms.Textarea(attrs={"rows": 3}), label="What happened"
    )
    began_at = forms.DateTimeField(
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}), label="When it began"
    )
    severity = forms.ChoiceField(choices=_severity_choices, widget=forms.RadioSelect)
    duration = forms.CharField(
        max_length=100, required=False, label="How long it lasted (e.g. 2 days, ongoing)"
    )
    action_taken = forms.CharField(
        max_length=2000, required=False, widget=forms.Textarea(attrs={"rows": 2}), label="Action taken"
    )
    causality = forms.ChoiceField(
        choices=Causality.choices, initial=Causality.POSSIBLE, label="Related to care?"
    )

    def __init__(self, *args: object, visits: list[tuple[str, str]] | None = None, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.fields["visit"].choices = [("", "—"), *(visits or [])]  # type: ignore[attr-defined]


class FollowUpForm(forms.Form):
    notes = forms.CharField(max_length=2000, widget=forms.Textarea(attrs={"rows": 3}), label="Follow-up")
