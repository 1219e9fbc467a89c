from django.urls import path

from sotclinic.reports import views

app_name = "reports"
urlpatterns = [
    path("export.zip", views.research_download, name="research_download"),
]
