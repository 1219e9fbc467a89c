from django.urls import path

from sotclinic.clinic import caseload_views, onboarding_views, staff_views

app_name = "clinic"
urlpatterns = [
    path("staff/", staff_views.staff_list, name="staff"),
    path("staff/new/", onboarding_views.staff_new, name="staff_new"),
    path("staff/<uuid:user_id>/setup-link/", onboarding_views.staff_setup_link, name="staff_setup_link"),
    path("staff/<uuid:user_id>/reactivate/", onboarding_views.staff_reactivate, name="staff_reactivate"),
    path("staff/<uuid:user_id>/role/", staff_views.staff_role, name="staff_role"),
    path("staff/<uuid:user_id>/deactivate/", staff_views.staff_deactivate, name="staff_deactivate"),
    path("staff/<uuid:user_id>/unlock/", staff_views.staff_unlock, name="staff_unlock"),
    path("staff/<uuid:user_id>/two-factor-reset/", staff_views.staff_mfa_reset, name="staff_mfa_reset"),
    path("settings/", staff_views.clinic_settings, name="settings"),
    path("break-glass/", caseload_views.break_glass_list, name="break_glass"),
    path(
        "break-glass/<uuid:grant_id>/review/",
        caseload_views.break_glass_mark_reviewed,
        name="break_glass_review",
    ),
]
