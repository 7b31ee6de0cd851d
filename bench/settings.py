"""The benchmarks' settings: the product's, plus this app (its commands and reference views).

Only `make bench` and `make bench-api` use them (DJANGO_SETTINGS_MODULE=bench.settings); the
product never installs `bench` nor mounts its views.
"""

from portal.settings import *  # noqa: F403

INSTALLED_APPS = [*INSTALLED_APPS, "bench"]  # noqa: F405
ROOT_URLCONF = "bench.urls"
