from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from sotclinic.visits.models import Amendment, Visit


@admin.register(Visit)
class VisitAdmin(admin.ModelAdmin):
    list_display = ["date", "patient", "practitioner", "status", "category"]
    list_filter = ["status", "category", "clinic"]
    readonly_fields = ["status", "signed_at", "signed_by", "content_hash", "knowledge_version", "assessment"]

    # Visits are written only through the visit page and the API, which run the safety gate and the signing
    # rules; the admin is for looking. A signed note is locked in the database as well.
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Amendment)
class AmendmentAdmin(admin.ModelAdmin):
    list_display = ["visit", "author", "signed_at", "reason"]

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False
