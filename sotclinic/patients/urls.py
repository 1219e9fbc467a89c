from django.urls import path

from sotclinic.clinic import caseload_views
from sotclinic.patients import safety_views, views
from sotclinic.visits import views as visit_views

app_name = "patients"
urlpatterns = [
    path("", views.patient_list, name="list"),
    path("new/", views.patient_new, name="new"),
    path("<uuid:patient_id>/", views.patient_chart, name="chart"),
    path("<uuid:patient_id>/edit/", views.patient_edit, name="edit"),
    path("<uuid:patient_id>/complaints/", views.complaint_new, name="complaint_new"),
    path("<uuid:patient_id>/visits/", visit_views.visit_new, name="visit_new"),
    path("<uuid:patient_id>/screening/", safety_views.intake, name="intake"),
    path("<uuid:patient_id>/flags/<uuid:flag_id>/", safety_views.flag_decision, name="flag"),
    path(
        "<uuid:patient_id>/flags/<uuid:flag_id>/letter/", safety_views.referral_letter, name="referral_letter"
    ),
    path("<uuid:patient_id>/consent/", safety_views.consent, name="consent"),
    path("<uuid:patient_id>/adverse-events/new/", safety_views.adverse_new, name="adverse_new"),
    path("<uuid:patient_id>/break-glass/", caseload_views.break_glass, name="break_glass"),
    path("<uuid:patient_id>/practitioners/", caseload_views.caseload_change, name="practitioners"),
]
