from __future__ import annotations

import datetime

from django import forms
from django.utils import timezone

from sotclinic.patients.models import ComplaintCode, Patient

EARLIEST_BIRTH = datetime.date(1900, 1, 1)


class PatientForm(forms.ModelForm):
    class Meta:
        model = Patient
        fields = ["given_names", "family_name", "date_of_birth", "sex", "phone", "email", "address"]
        widgets = {
            "date_of_birth": forms.DateInput(attrs={"type": "date"}),
            "address": forms.Textarea(attrs={"rows": 2}),
        }

    def clean_date_of_birth(self) -> datetime.date:
        dob: datetime.date = self.cleaned_data["date_of_birth"]
        if dob > timezone.localdate():
            raise forms.ValidationError("Date of birth cannot be in the future.")
        if dob < EARLIEST_BIRTH:
            raise forms.ValidationError("Date of birth must be after 1900.")
        return dob

    def clean_family_name(self) -> str:
        return self._name("family_name")

    def clean_given_names(self) -> str:
        return self._name("given_names")

    def _name(self, field: str) -> str:
        value: str = " ".join(self.cleaned_data[field].split())
        if not value:
            raise forms.ValidationError("This field is required.")
        return value


class ComplaintForm(forms.Form):
    code = forms.ChoiceField(choices=ComplaintCode.choices, label="Complaint")
    description = forms.CharField(max_length=300, required=False, label="In the patient's words")
    onset = forms.DateField(required=False, widget=forms.DateInput(attrs={"type": "date"}), label="Began")

    def clean_onset(self) -> datetime.date | None:
        onset: datetime.date | None = self.cleaned_data.get("onset")
        if onset is not None and onset > timezone.localdate():
            raise forms.ValidationError("The complaint cannot begin in the future.")
        return onset


class SearchForm(forms.Form):
    q = forms.CharField(max_length=100, required=False, label="Name or date of birth")
