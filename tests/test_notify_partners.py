"""manage.py notify_partners: one summary e-mail per partner user and day."""

import datetime as dt
import smtplib

import pytest
import time_machine
from django.contrib.auth import get_user_model
from django.core.mail import EmailMultiAlternatives
from django.core.management import CommandError
from django.utils import timezone

from clients.models import NotificationLog, Product, RegistrationCode
from partners.models import PartnerUser
from tests.csv_helpers import NOW, TODAY, run

# NOW is Friday 20/11/2026: "the next 7 days" are 20/11 through 26/11.


@pytest.fixture(autouse=True)
def now():
    with time_machine.travel(NOW, tick=False):
        yield NOW


@pytest.fixture
def users_a(partner_a, partner_a_user):
    """Partner A's users: two with an e-mail address, one without, one deactivated."""
    partner_a_user.email, partner_a_user.first_name = "ana@alfa.com.br", "Ana"
    partner_a_user.save()
    User = get_user_model()
    carla = User.objects.create_user("carla", email="carla@alfa.com.br")
    nobody = User.objects.create_user("sem-email")
    gone = User.objects.create_user("eva", email="eva@alfa.com.br", is_active=False)
    for user in (carla, nobody, gone):
        PartnerUser.objects.create(user=user, partner=partner_a)
    return [partner_a_user, carla]


@pytest.fixture
def clients_a(partner_a, make_client):
    def day(d):
        return dt.date(2026, 11, d)

    made = {
        "hoje": make_client(partner_a, name="Vence Hoje", expires_on=TODAY),
        "dia26": make_client(
            partner_a, name="Suspenso Vence 26", expires_on=day(26), suspended_at=NOW
        ),
        "dia27": make_client(partner_a, name="Vence 27 Fora", expires_on=day(27)),
        "expirado": make_client(partner_a, name="Expirou Dia 5", expires_on=day(5)),
        "inativo": make_client(partner_a, name="Inativo Fora", expires_on=dt.date(2026, 10, 31)),
        "pendente": make_client(
            partner_a, name="Pendente Fora", expires_on=day(22), pending_since=NOW
        ),
        "oculto": make_client(
            partner_a, name="Oculto Fora", expires_on=dt.date(2026, 1, 1), hidden_at=NOW
        ),
        "link": make_client(
            partner_a, name="Link Sem Ativar", product=Product.LINK, expires_on=dt.date(2027, 6, 1)
        ),
        "link_ativado": make_client(
            partner_a, name="Link Ativado", product=Product.LINK, expires_on=dt.date(2027, 6, 1)
        ),
    }
    RegistrationCode.objects.create(client=made["link"], code="AAAAA-BBBBB-CCCCC-DDDDD")
    RegistrationCode.objects.create(client=made["link_ativado"], consumed_at=NOW)
    RegistrationCode.objects.create(client=made["inativo"], code="ZZZZZ-ZZZZZ-ZZZZZ-ZZZZZ")
    return made


@pytest.fixture
def quiet_partner_b(partner_b, partner_b_user, make_client):
    """Partner B has a user with an e-mail address but nothing to report."""
    partner_b_user.email = "bruno@beta.com.br"
    partner_b_user.save()
    make_client(partner_b, name="Cliente Tranquilo", expires_on=dt.date(2027, 3, 1))


def test_each_partner_user_with_an_address_gets_one_summary(
    users_a, clients_a, quiet_partner_b, mailoutbox
):
    out, _ = run("notify_partners", "--agora")

    assert sorted(message.to[0] for message in mailoutbox) == [
        "ana@alfa.com.br",
        "carla@alfa.com.br",
    ]
    assert "2 e-mail(s) enviado(s)" in out
    assert "1 parceiro(s) sem nada a relatar" in out
    message = next(m for m in mailoutbox if m.to == ["ana@alfa.com.br"])
    assert message.subject == "Portal do Parceiro · Revenda Alfa: resumo de 20/11/2026"
    assert message.body.startswith("Olá, Ana.")


def test_the_summary_lists_what_expires_what_expired_and_unused_codes(
    users_a, clients_a, mailoutbox
):
    run("notify_partners", "--agora")
    text = mailoutbox[0].body
    ((html, mimetype),) = mailoutbox[0].alternatives

    assert mimetype == "text/html"
    assert "VENCEM NOS PRÓXIMOS 7 DIAS (até 26/11/2026): 2 clientes" in text
    assert "- Vence Hoje (" in text and "vence em 20/11/2026" in text
    assert "- Suspenso Vence 26 (" in text
    assert "EXPIRADOS ESTE MÊS: 1 cliente\n" in text
    assert "em 01/12/2026 passam a Inativos" in text
    assert "- Expirou Dia 5 (" in text and "venceu em 05/11/2026" in text
    assert "CÓDIGOS DE REGISTRO A ATIVAR (CLIENTES ATIVOS, SUSPENSOS OU EXPIRADOS): 1\n" in text
    assert "- Link Sem Ativar (" in text and "AAAAA-BBBBB-CCCCC-DDDDD" in text
    for absent in (
        "Vence 27 Fora",
        "Inativo Fora",
        "Pendente Fora",
        "Oculto Fora",
        "Link Ativado",
        "ZZZZZ-ZZZZZ",
    ):
        assert absent not in text
        assert absent not in html
    assert "<td>Vence Hoje</td>" in html
    assert "<code>AAAAA-BBBBB-CCCCC-DDDDD</code>" in html
    assert "style=" not in html and "<script" not in html


def test_names_are_escaped_in_the_html_part(users_a, partner_a, make_client, mailoutbox):
    make_client(partner_a, name="<b>Loja & Cia</b>", expires_on=TODAY)
    run("notify_partners", "--agora")
    html = mailoutbox[0].alternatives[0][0]
    assert "&lt;b&gt;Loja &amp; Cia&lt;/b&gt;" in html
    assert "- <b>Loja & Cia</b> (" in mailoutbox[0].body  # plain text stays plain


def test_running_twice_on_one_day_sends_nothing_new(users_a, clients_a, mailoutbox):
    run("notify_partners", "--agora")
    assert len(mailoutbox) == 2

    with time_machine.travel(NOW + dt.timedelta(hours=13), tick=False):  # 23:00 the same day
        out, _ = run("notify_partners", "--agora")
    assert len(mailoutbox) == 2
    assert "0 e-mail(s) enviado(s); 2 usuário(s) já notificado(s) hoje" in out

    with time_machine.travel(NOW + dt.timedelta(days=1), tick=False):  # the next morning
        run("notify_partners", "--agora")
    assert len(mailoutbox) == 4
    assert "resumo de 21/11/2026" in mailoutbox[-1].subject
    assert NotificationLog.objects.filter(sent_on=TODAY).count() == 2


def test_a_user_added_later_that_day_still_gets_the_summary(
    users_a, clients_a, partner_a, mailoutbox
):
    run("notify_partners", "--agora")
    late = get_user_model().objects.create_user("davi", email="davi@alfa.com.br")
    PartnerUser.objects.create(user=late, partner=partner_a)
    run("notify_partners", "--agora")
    assert [message.to for message in mailoutbox[2:]] == [["davi@alfa.com.br"]]


def test_a_partner_with_nothing_to_report_gets_no_email(quiet_partner_b, mailoutbox):
    out, _ = run("notify_partners", "--agora")
    assert mailoutbox == []
    assert not NotificationLog.objects.exists()
    assert "1 parceiro(s) sem nada a relatar" in out


def test_dry_run_prints_what_would_be_sent_and_sends_nothing(users_a, clients_a, mailoutbox):
    out, _ = run("notify_partners", "--dry-run")
    assert mailoutbox == []
    assert not NotificationLog.objects.exists()
    assert "Para: ana@alfa.com.br\nAssunto: Portal do Parceiro · Revenda Alfa" in out
    assert "VENCEM NOS PRÓXIMOS 7 DIAS" in out
    assert "Simulação (--dry-run): 2 e-mail(s) seriam enviados" in out


def test_a_failed_send_is_reported_and_retried_by_the_next_run(
    users_a, clients_a, mailoutbox, monkeypatch
):
    def fail(message, *args, **kwargs):
        raise smtplib.SMTPServerDisconnected("conexão perdida")

    with monkeypatch.context() as patch:
        patch.setattr(EmailMultiAlternatives, "send", fail)
        with pytest.raises(CommandError, match="2 e-mail\\(s\\) não foram enviados"):
            run("notify_partners", "--agora")
    assert not NotificationLog.objects.exists()

    run("notify_partners", "--agora")
    assert len(mailoutbox) == 2


def test_what_was_sent_is_remembered(users_a, clients_a):
    run("notify_partners", "--agora")
    log = NotificationLog.objects.get(email="ana@alfa.com.br")
    assert (log.sent_on, log.sent_at) == (TODAY, timezone.now())
    assert log.summary == {
        "vencem_em_7_dias": 2,
        "expirados_no_mes": 1,
        "codigos_a_ativar": 1,
        "certificados_vencendo": 0,
        "link_sem_contato": 0,
    }


def test_the_summary_lists_certificates_expiring_and_link_installations_not_seen(
    users_a, partner_a, make_client, mailoutbox
):
    from clients.models import Certificate

    def certificate(client, valid_until):
        Certificate.objects.create(
            client=client,
            holder=client.name,
            cnpj=client.cpf_cnpj,
            issuer="AC",
            serial_number="1",
            fingerprint="0" * 64,
            valid_from=valid_until - dt.timedelta(days=365),
            valid_until=valid_until,
            encrypted_file="x",
            encrypted_password="x",
        )

    later = dt.date(2027, 6, 1)
    certificate(
        make_client(partner_a, name="Certificado 30", expires_on=later), NOW + dt.timedelta(30)
    )
    certificate(
        make_client(partner_a, name="Certificado 31 Fora", expires_on=later),
        NOW + dt.timedelta(31, hours=13),
    )
    make_client(
        partner_a,
        name="Link Calado",
        product=Product.LINK,
        expires_on=later,
        license_key="K-CALADO",
        last_seen_at=NOW - dt.timedelta(days=20),
    )
    make_client(
        partner_a,
        name="Link Recente Fora",
        product=Product.LINK,
        expires_on=later,
        license_key="K-RECENTE",
        last_seen_at=NOW - dt.timedelta(days=3),
    )
    run("notify_partners", "--agora")
    text = mailoutbox[0].body
    ((html, _),) = mailoutbox[0].alternatives
    assert "CERTIFICADOS DIGITAIS (NAVI) QUE VENCEM EM ATÉ 30 DIAS: 1\n" in text
    assert "- Certificado 30 (" in text and "certificado vence em 20/12/2026" in text
    assert "LINK SEM CONTATO HÁ MAIS DE 14 DIAS: 1\n" in text
    assert "- Link Calado (" in text and "último contato em 31/10/2026" in text
    for absent in ("Certificado 31 Fora", "Link Recente Fora"):
        assert absent not in text and absent not in html
    assert "<td>Link Calado</td>" in html
    log = NotificationLog.objects.get(user__username="ana")
    assert log.summary["certificados_vencendo"] == 1
    assert log.summary["link_sem_contato"] == 1


# As jobs: the command enqueues one per partner; the worker sends (here, in-process).


def test_the_command_enqueues_one_job_per_partner_and_the_jobs_send(
    users_a, clients_a, quiet_partner_b, mailoutbox, run_jobs
):
    from jobs.models import Job, State

    with run_jobs():
        out, _ = run("notify_partners")
    assert "2 tarefa(s) do resumo diário na fila" in out
    assert sorted(m.to[0] for m in mailoutbox) == ["ana@alfa.com.br", "carla@alfa.com.br"]
    jobs = {job.partner.code: job for job in Job.objects.select_related("partner")}
    assert {job.state for job in jobs.values()} == {State.DONE}
    assert sorted(jobs["alfa"].lines.values_list("label", "message")) == [
        ("ana@alfa.com.br", "enviado"),
        ("carla@alfa.com.br", "enviado"),
    ]
    # The same day again: new jobs, nothing sent twice.
    with run_jobs():
        run("notify_partners")
    assert len(mailoutbox) == 2


def test_a_digest_job_that_failed_to_send_is_retried_and_sends_only_the_rest(
    users_a, clients_a, mailoutbox, monkeypatch, run_jobs
):
    from jobs.models import Job, State
    from jobs.running import retry

    sent = []

    def flaky(message, *args, **kwargs):
        if message.to == ["carla@alfa.com.br"] and not sent:
            sent.append(1)
            raise smtplib.SMTPServerDisconnected("conexão perdida")
        mailoutbox.append(message)

    monkeypatch.setattr(EmailMultiAlternatives, "send", flaky)
    with run_jobs():
        run("notify_partners")
    job = Job.objects.get()
    assert job.state == State.FAILED and "1 e-mail(s) não foram enviados" in job.error
    assert [m.to for m in mailoutbox] == [["ana@alfa.com.br"]]
    with run_jobs():
        assert retry(job)
    job.refresh_from_db()
    assert job.state == State.DONE
    assert [m.to for m in mailoutbox] == [["ana@alfa.com.br"], ["carla@alfa.com.br"]]
