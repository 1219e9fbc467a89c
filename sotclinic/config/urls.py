from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path
from django.views.generic import RedirectView

from sotclinic.api.routes import api

urlpatterns = [
    path("", RedirectView.as_view(pattern_name="patients:list", permanent=False)),
    path("login/", auth_views.LoginView.as_view(redirect_authenticated_user=True), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("patients/", include("sotclinic.patients.urls")),
    path("visits/", include("sotclinic.visits.urls")),
    path("api/", api.urls),
    path("admin/", admin.site.urls),
]
