from django.urls import path

from sotclinic.clinic import staff_views

app_name = "clinic"
urlpatterns = [
    path("staff/", staff_views.staff_list, name="staff"),
    path("staff/<uuid:user_id>/role/", staff_views.staff_role, name="staff_role"),
    path("staff/<uuid:user_id>/deactivate/", staff_views.staff_deactivate, name="staff_deactivate"),
    path("staff/<uuid:user_id>/unlock/", staff_views.staff_unlock, name="staff_unlock"),
    path("staff/<uuid:user_id>/two-factor-reset/", staff_views.staff_mfa_reset, name="staff_mfa_reset"),
    path("settings/", staff_views.clinic_settings, name="settings"),
]
