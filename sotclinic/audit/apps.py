from django.apps import AppConfig


class AuditConfig(AppConfig):
    name = "sotclinic.audit"
    label = "audit"
    verbose_name = "Audit trail"

    def ready(self) -> None:
        from django.db.models.signals import post_migrate

        from sotclinic.audit.guards import install_guards_after_migrate

        post_migrate.connect(install_guards_after_migrate, sender=self, dispatch_uid="sotclinic-db-guards")
