from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path
from django.views.generic import RedirectView

from sotclinic.api.routes import api
from sotclinic.outcomes import views as outcome_views
from sotclinic.patients import safety_views

urlpatterns = [
    path("", RedirectView.as_view(pattern_name="patients:list", permanent=False)),
    path("login/", auth_views.LoginView.as_view(redirect_authenticated_user=True), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("patients/", include("sotclinic.patients.urls")),
    path("visits/", include("sotclinic.visits.urls")),
    path("adverse-events/", safety_views.adverse_events, name="adverse_register"),
    path(
        "adverse-events/<uuid:event_id>/follow-up/", safety_views.adverse_follow_up, name="adverse_follow_up"
    ),
    path("clinic/consent-text/", safety_views.consent_text, name="consent_text"),
    path("outcomes/", include("sotclinic.outcomes.urls")),
    path("q/<str:token>/", outcome_views.portal, name="portal"),
    path("api/", api.urls),
    path("admin/", admin.site.urls),
]
