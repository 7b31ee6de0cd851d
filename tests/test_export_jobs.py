"""Exports above EXPORT_STREAM_MAX_ROWS run as a job: the list's CSV and XLSX and the bulk
bar's selection, the same bytes the streamed export sends, downloaded from the job's page."""

import pytest
from django.urls import reverse

from clients.domain.status import Status
from jobs.models import Job, JobFile, State
from partners.models import PartnerUser, Role

LIST = reverse("clients:list")


@pytest.fixture
def shops(partner_a, make_client_in):
    return [make_client_in(partner_a, Status.ACTIVE, name=f"Loja {n}") for n in range(3)]


def streamed(client, url, query) -> bytes:
    response = client.get(url, query)
    assert response.status_code == 200
    return b"".join(response.streaming_content) if response.streaming else response.content


def as_job(client, url, query, run_jobs):
    with run_jobs():
        response = client.get(url, query)
    assert response.status_code == 302
    job = Job.objects.get()
    assert response.url == reverse("jobs:detail", args=[job.pk])
    return job


@pytest.mark.parametrize("export_format", ["csv", "xlsx"])
def test_a_big_list_export_is_a_job_with_the_same_file(
    client_a, shops, settings, run_jobs, export_format
):
    query = {"_export": export_format, "q": "loja", "sort": "-name"}
    small = streamed(client_a, LIST, query)
    settings.EXPORT_STREAM_MAX_ROWS = 2
    job = as_job(client_a, LIST, query, run_jobs)
    job.refresh_from_db()
    assert (job.state, job.kind, job.total, job.done) == (State.DONE, "export", 3, 3)
    page = client_a.get(reverse("jobs:detail", args=[job.pk]))
    assert "Baixar clientes-" in page.text and "3 clientes" in page.text
    download = client_a.get(reverse("jobs:file", args=[job.pk]))
    assert download["Content-Disposition"].startswith('attachment; filename="clientes-')
    body = b"".join(download.streaming_content)
    if export_format == "csv":
        assert body == small
    else:
        from io import BytesIO

        from openpyxl import load_workbook

        def cells(data):
            sheet = load_workbook(BytesIO(data), read_only=True).active
            return [list(row) for row in sheet.iter_rows(values_only=True)]

        assert cells(body) == cells(small)


def test_the_selection_export_above_the_limit_is_a_job_too(client_a, shops, settings, run_jobs):
    query = {"acao": "exportar", "todos": "1", "q": "loja"}
    small = streamed(client_a, reverse("clients:bulk-preview"), query)
    settings.EXPORT_STREAM_MAX_ROWS = 2
    job = as_job(client_a, reverse("clients:bulk-preview"), query, run_jobs)
    assert b"".join(client_a.get(reverse("jobs:file", args=[job.pk])).streaming_content) == small


def test_a_second_click_while_it_runs_joins_the_first(client_a, shops, settings, run_jobs):
    settings.EXPORT_STREAM_MAX_ROWS = 2
    settings.TASKS = {"default": {"BACKEND": "django.tasks.backends.dummy.DummyBackend"}}
    with run_jobs():
        first = client_a.get(LIST, {"_export": "csv"})
        second = client_a.get(LIST, {"_export": "csv"}, follow=True)
    assert Job.objects.count() == 1
    assert second.redirect_chain[-1][0] == first.url
    assert "já estava em andamento" in second.text


def test_a_consulta_may_export_and_only_its_own_user_downloads(
    client, partner_a, partner_a_user, shops, settings, run_jobs, make_member
):
    PartnerUser.objects.filter(user=partner_a_user).update(role=Role.VIEWER)
    client.force_login(partner_a_user)
    settings.EXPORT_STREAM_MAX_ROWS = 2
    job = as_job(client, LIST, {"_export": "csv"}, run_jobs)
    assert client.get(reverse("jobs:file", args=[job.pk])).status_code == 200
    client.force_login(make_member(partner_a, "colega"))
    assert client.get(reverse("jobs:file", args=[job.pk])).status_code == 404


def test_no_file_until_the_job_is_done(client_a, partner_a, partner_a_user):
    job = Job.objects.create(
        partner=partner_a, user=partner_a_user, kind="export", title="x", key="k", task_path="x"
    )
    assert client_a.get(reverse("jobs:file", args=[job.pk])).status_code == 404
    assert not JobFile.objects.exists()
