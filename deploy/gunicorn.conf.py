"""gunicorn's settings for the portal (`make serve`, `make prod`), from the environment.

It listens on loopback (or the Unix socket the stack gives it in BIND): clients reach it
through nginx (deploy/nginx), which hands it whole requests only. gunicorn itself reads a
request in one of its threads, so a client sending slowly straight to it holds that thread.
"""

import os

wsgi_app = "portal.wsgi"
bind = [os.environ.get("BIND", "127.0.0.1:8000")]
# Processes × threads = the requests served at once; each thread keeps its own database
# connection (CONN_MAX_AGE), so the product must stay under PostgreSQL's max_connections.
workers = int(os.environ.get("WEB_CONCURRENCY", 2))
threads = int(os.environ.get("GUNICORN_THREADS", 4))
worker_class = "gthread"
timeout = int(os.environ.get("GUNICORN_TIMEOUT", 30))
graceful_timeout = int(os.environ.get("GUNICORN_GRACEFUL_TIMEOUT", 30))
# A worker is replaced after about this many requests: any slow leak stays bounded.
max_requests = int(os.environ.get("GUNICORN_MAX_REQUESTS", 10000))
max_requests_jitter = int(os.environ.get("GUNICORN_MAX_REQUESTS_JITTER", 1000))
# The Unix socket is for its owner and group (nginx's user joins the group): no one else on
# the machine may talk to the app behind the proxy's back.
umask = 0o007
control_socket_disable = True
