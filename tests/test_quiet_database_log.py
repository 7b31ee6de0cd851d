"""PostgreSQL's own log stays free of errors the portal causes in normal operation: a check-in
on a new database connection (every app thread's first, after every restart) logs no ERROR.
The test reads the server's log through SQL (pg_read_file, as the test's superuser): the file
of pg_current_logfile() when the logging collector runs, else Debian's
/var/log/postgresql/postgresql-<version>-<cluster>.log, where pg_ctlcluster sends the
server's output.
"""

import pytest
from django.db import connection

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def _server_log() -> str | None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_current_logfile(), current_setting('cluster_name', true)")
        current, cluster = cursor.fetchone()
    if current:
        return current
    if cluster and "/" in cluster:  # Debian names its clusters "<version>/<name>"
        return f"/var/log/postgresql/postgresql-{cluster.replace('/', '-')}.log"
    return None


def _log_size(path) -> int | None:
    with connection.cursor() as cursor:
        try:
            cursor.execute("SELECT size FROM pg_stat_file(%s, true)", [path])
        except Exception:  # not a superuser, or the file is not the server's to read
            return None
        row = cursor.fetchone()
    return row[0] if row else None


def _log_since(path, offset) -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_read_file(%s, %s, 10000000)", [path, offset])
        return cursor.fetchone()[0]


@pytest.fixture
def server_log():
    """A function returning what the server logged from now on."""
    path = _server_log()
    if path is None or _log_size(path) is None:
        pytest.skip("o log do PostgreSQL não pode ser lido por SQL aqui")
    with connection.cursor() as cursor:
        cursor.execute("SHOW log_line_prefix")
        if "[%p]" not in cursor.fetchone()[0]:
            pytest.skip("log_line_prefix sem [%p]: as linhas não dizem de qual conexão são")
    offset = _log_size(path)
    return lambda: _log_since(path, offset)


def test_a_check_in_on_a_new_connection_logs_no_error(api, make_link_client, partner_a, server_log):
    _, code = make_link_client(partner_a)
    activation = {"codigo_registro": code, "maquina": "CAIXA-01", "versao": "4.2"}
    key = api.post("ativacao", activation).json()["chave"]
    connection.close()  # as a new app thread, or one after the database restarted
    connection.ensure_connection()
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        backend = cursor.fetchone()[0]

    response = api.post("verificacao", {"chave": key, "versao": "4.2"})

    assert response.status_code == 200
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        assert cursor.fetchone()[0] == backend  # the check-in ran on that connection
    errors = [
        line for line in server_log().splitlines() if f"[{backend}]" in line and "ERROR:" in line
    ]
    assert errors == []
