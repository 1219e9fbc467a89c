from django.urls import path

from sotclinic.outcomes import views

app_name = "outcomes"
urlpatterns = [
    path("due/", views.due_list, name="due"),
    path("report/", views.report, name="report"),
    path("patients/<uuid:patient_id>/defaults/", views.assign_defaults, name="assign_defaults"),
    path("patients/<uuid:patient_id>/assign/", views.assign_one, name="assign"),
    path("patients/<uuid:patient_id>/assignments/<uuid:assignment_id>/stop/", views.stop, name="stop"),
    path("patients/<uuid:patient_id>/discharge/", views.discharge, name="discharge"),
    path("patients/<uuid:patient_id>/link/", views.send_link, name="link"),
    path("patients/<uuid:patient_id>/total/", views.enter_total, name="total"),
]
