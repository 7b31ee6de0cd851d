"""The benchmarks' settings: the product's, plus this app (its commands and reference views).

Only `make bench`, `make bench-api` and `make bench-import` use them
(DJANGO_SETTINGS_MODULE=benchmarks.settings); the product never installs `benchmarks` nor mounts
its views.
"""

from portal.settings import *  # noqa: F403

INSTALLED_APPS = [*INSTALLED_APPS, "benchmarks"]  # noqa: F405
ROOT_URLCONF = "benchmarks.urls"

# The benchmark's report goes to the terminal; the product's log lines — one per request, one
# audit line per changed client (thousands in the bulk and import rounds) — to a file, written
# at the same cost as in production, out of the report's way.
BENCH_LOG = BASE_DIR / "var" / "benchmarks.log"  # noqa: F405
BENCH_LOG.parent.mkdir(exist_ok=True)
LOGGING["handlers"]["console"] = {  # noqa: F405
    **LOGGING["handlers"]["console"],  # noqa: F405
    "class": "logging.FileHandler",
    "filename": str(BENCH_LOG),
}
