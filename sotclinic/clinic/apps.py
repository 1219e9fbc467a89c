from django.apps import AppConfig


class ClinicConfig(AppConfig):
    name = "sotclinic.clinic"
    label = "clinic"
    verbose_name = "Clinic and staff"

    def ready(self) -> None:
        import sotclinic.clinic.authn  # noqa: F401  (stamps and records each new session at login)
        import sotclinic.clinic.signin_audit  # noqa: F401  (sign-in events in the audit chain)
        import sotclinic.config.checks  # noqa: F401  (registers the production start-up checks)

        # Load and validate the SOT knowledge base at start-up: a malformed file stops the app with a clear message.
        from sotclinic.sot import default_kb

        default_kb()
