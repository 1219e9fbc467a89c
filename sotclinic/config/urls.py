from django.contrib import admin
from django.contrib.auth import views as django_auth_views
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.urls import include, path
from django.views.defaults import page_not_found, permission_denied

from sotclinic.api.routes import api
from sotclinic.clinic import auth_views, onboarding_views
from sotclinic.outcomes import views as outcome_views
from sotclinic.patients import safety_views

urlpatterns = [
    path("", auth_views.home, name="home"),
    path("login/", django_auth_views.LoginView.as_view(redirect_authenticated_user=True), name="login"),
    path("logout/", django_auth_views.LogoutView.as_view(), name="logout"),
    path("account/", auth_views.account, name="account"),
    path("account/mfa/enrol/", auth_views.mfa_enrol, name="mfa_enrol"),
    path("account/mfa/verify/", auth_views.mfa_verify, name="mfa_verify"),
    path("account/recovery-codes/", auth_views.recovery_codes_new, name="recovery_codes_new"),
    path("account/confirm/", auth_views.reauth, name="reauth"),
    path("account/setup/<str:token>/", onboarding_views.account_setup, name="account_setup"),
    path("clinic/", include("sotclinic.clinic.urls")),
    path("patients/", include("sotclinic.patients.urls")),
    path("visits/", include("sotclinic.visits.urls")),
    path("adverse-events/", safety_views.adverse_events, name="adverse_register"),
    path(
        "adverse-events/<uuid:event_id>/follow-up/", safety_views.adverse_follow_up, name="adverse_follow_up"
    ),
    path("clinic/consent-text/", safety_views.consent_text, name="consent_text"),
    path("outcomes/", include("sotclinic.outcomes.urls")),
    path("q/<str:token>/", outcome_views.portal, name="portal"),
    path("audit/", include("sotclinic.audit.urls")),
    path("research/", include("sotclinic.reports.urls")),
    path("api/", api.urls),
    path("admin/", admin.site.urls),
]


def handler404(request: HttpRequest, exception: Exception) -> HttpResponse:
    """API clients get the JSON 404 the OpenAPI schema documents (a visit id that is not a UUID never reaches
    django-ninja's router); pages get Django's page."""
    if request.path.startswith("/api/"):
        return JsonResponse({"detail": "Not Found"}, status=404)
    return page_not_found(request, exception)


def handler403(request: HttpRequest, exception: Exception) -> HttpResponse:
    """A patient outside the practitioner's caseload: the break-the-glass page (still 403); anything else refused:
    Django's page. (The API answers its own 403s as JSON, sotclinic/api/routes.py.)"""
    from sotclinic.clinic.access import OutsideCaseload
    from sotclinic.clinic.caseload_views import outside_caseload

    if isinstance(exception, OutsideCaseload):
        return outside_caseload(request, exception)
    return permission_denied(request, exception)
