from django.apps import AppConfig


class ReportsConfig(AppConfig):
    name = "sotclinic.reports"
    label = "reports"
    verbose_name = "Reports and exports"
