from django.urls import path

from sotclinic.patients import views
from sotclinic.visits import views as visit_views

app_name = "patients"
urlpatterns = [
    path("", views.patient_list, name="list"),
    path("new/", views.patient_new, name="new"),
    path("<uuid:patient_id>/", views.patient_chart, name="chart"),
    path("<uuid:patient_id>/edit/", views.patient_edit, name="edit"),
    path("<uuid:patient_id>/complaints/", views.complaint_new, name="complaint_new"),
    path("<uuid:patient_id>/visits/", visit_views.visit_new, name="visit_new"),
]
