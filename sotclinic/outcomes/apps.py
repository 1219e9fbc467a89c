from django.apps import AppConfig


class OutcomesConfig(AppConfig):
    name = "sotclinic.outcomes"
    label = "outcomes"
    verbose_name = "Outcome questionnaires"

    def ready(self) -> None:
        import sotclinic.outcomes.checks  # noqa: F401  (registers the check of the licensed item-text files)
