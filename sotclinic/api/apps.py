from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "sotclinic.api"
    label = "api"
    verbose_name = "JSON API"
