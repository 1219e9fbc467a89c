from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from sotclinic.patients.models import Complaint, Patient


@admin.register(Patient)
class PatientAdmin(admin.ModelAdmin):
    list_display = ["family_name", "given_names", "date_of_birth", "clinic"]
    list_filter = ["clinic"]
    search_fields = ["family_key", "given_key"]

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # nothing is hard-deleted from a chart


@admin.register(Complaint)
class ComplaintAdmin(admin.ModelAdmin):
    list_display = ["patient", "code", "active", "created_at"]

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
