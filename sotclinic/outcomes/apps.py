from django.apps import AppConfig


class OutcomesConfig(AppConfig):
    name = "sotclinic.outcomes"
    label = "outcomes"
    verbose_name = "Outcome questionnaires"
