from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from sotclinic.audit.models import AuditEvent


@admin.register(AuditEvent)
class AuditEventAdmin(admin.ModelAdmin):
    list_display = [
        "at",
        "clinic",
        "seq",
        "actor",
        "actor_role",
        "action_label",
        "patient",
        "object_type",
        "address",
    ]
    list_filter = ["clinic", "action", "actor_role"]

    @admin.display(description="action", ordering="action")
    def action_label(self, event: AuditEvent) -> str:
        return event.get_action_display()

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
