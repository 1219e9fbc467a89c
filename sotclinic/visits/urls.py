from django.urls import path

from sotclinic.patients import safety_views
from sotclinic.visits import views

app_name = "visits"
urlpatterns = [
    path("<uuid:visit_id>/", views.visit_detail, name="detail"),
    path("<uuid:visit_id>/autosave/", views.visit_autosave, name="autosave"),
    path("<uuid:visit_id>/carry-forward/", views.visit_carry, name="carry_forward"),
    path("<uuid:visit_id>/sign/", views.visit_sign_view, name="sign"),
    path("<uuid:visit_id>/amendments/", views.visit_amend_view, name="amend"),
    path("<uuid:visit_id>/screening/", safety_views.visit_screening, name="screening"),
]
