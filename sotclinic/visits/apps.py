from django.apps import AppConfig


class VisitsConfig(AppConfig):
    name = "sotclinic.visits"
    label = "visits"
    verbose_name = "Visits and notes"
