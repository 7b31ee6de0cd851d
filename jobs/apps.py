from django.apps import AppConfig


class JobsConfig(AppConfig):
    name = "jobs"
    verbose_name = "tarefas em segundo plano"

    def ready(self):
        from jobs import running  # noqa: F401 -- connects the worker's stale-job check
