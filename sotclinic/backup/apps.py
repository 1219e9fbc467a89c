from django.apps import AppConfig


class BackupConfig(AppConfig):
    name = "sotclinic.backup"
    label = "backup"
    verbose_name = "Backup and restore"
