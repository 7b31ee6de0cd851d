"""The daily e-mail to partner users (`manage.py notify_partners`).

Each user of a partner who has an e-mail address gets one message summarising:
- clients expiring in the next 7 days (Ativo or Suspenso with vencimento from today through
  today + 6),
- clients Expirado this month (they become Inativo on the 1st of next month),
- registration codes to activate: not consumed yet, of clients in service (Ativo, Suspenso,
  Expirado) — fewer than the list's "unused codes" notice (clients.scoping.partner_unused_codes,
  every code not consumed yet), hence its own name,
- Navi A1 certificates expiring within 30 days, and Link installations not seen for more than
  `clients.domain.attention.NO_CONTACT_DAYS` days (of the same clients in use), with the predicates
  Início counts.
A partner with nothing to report gets no e-mail. Each message sent is remembered in
`NotificationLog` (one per user, kind and day), so running the command again on the same day
sends nothing new; the next day brings a new summary.

The command enqueues one job per partner (`enqueue_digests`, clients.tasks.send_digest): a
worker builds and sends that partner's summary (`notify_partner`), each message in a
transaction that also checks the run still owns its job, so a retried job never sends twice.
`--agora` and `--dry-run` run the same `notify_partner` in the command's own process.
"""

import datetime
from dataclasses import dataclass, field

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.utils import timezone, translation

from clients.domain import attention
from clients.domain.dates import next_month_start
from clients.domain.status import Status, status_q, statuses_q
from clients.models import Client, NotificationKind, NotificationLog, RegistrationCode
from jobs.models import JobLine
from jobs.running import JobRefused, job_key, own, submit
from partners.models import Partner

KIND = NotificationKind.DAILY_SUMMARY
EXPIRING_DAYS = attention.EXPIRING_DAYS
LIST_LIMIT = 50  # clients or codes listed per section; the counts are always complete
CODE_STATUSES = attention.IN_USE
CERTIFICATE_DAYS = attention.CERTIFICATE_WINDOWS[0]


@dataclass
class Section:
    count: int
    items: list  # at most LIST_LIMIT

    @property
    def more(self) -> int:
        return self.count - len(self.items)


def _section(queryset) -> Section:
    items = list(queryset[:LIST_LIMIT])
    count = len(items) if len(items) < LIST_LIMIT else queryset.count()
    return Section(count, items)


@dataclass
class Digest:
    partner: Partner
    today: datetime.date
    expiring: Section
    expired: Section
    codes_to_activate: Section
    certificates: Section
    silent: Section

    @property
    def is_empty(self) -> bool:
        sections = (
            self.expiring,
            self.expired,
            self.codes_to_activate,
            self.certificates,
            self.silent,
        )
        return not any(section.count for section in sections)

    @property
    def certificate_days(self) -> int:
        return CERTIFICATE_DAYS

    @property
    def silent_days(self) -> int:
        return attention.NO_CONTACT_DAYS

    @property
    def expiring_until(self) -> datetime.date:
        return self.today + datetime.timedelta(days=EXPIRING_DAYS - 1)

    @property
    def inactive_on(self) -> datetime.date:
        """The day this month's Expirado clients become Inativo: the 1st of next month."""
        return next_month_start(self.today)

    def summary(self) -> dict:
        return {
            "vencem_em_7_dias": self.expiring.count,
            "expirados_no_mes": self.expired.count,
            "codigos_a_ativar": self.codes_to_activate.count,
            "certificados_vencendo": self.certificates.count,
            "link_sem_contato": self.silent.count,
        }


def codes_to_activate(clients, today: datetime.date):
    """The registration codes of `clients` not consumed yet whose client is in service
    (CODE_STATUSES): what a partner still has to install."""
    return RegistrationCode.objects.filter(
        consumed_at__isnull=True, client__in=clients.filter(statuses_q(CODE_STATUSES, today))
    )


def partner_digest(partner: Partner, today: datetime.date) -> Digest:
    clients = Client.objects.filter(partner=partner)
    expiring = clients.filter(
        statuses_q(attention.AHEAD, today), attention.expiring_q(EXPIRING_DAYS, today)
    )
    expired = clients.filter(status_q(Status.EXPIRED, today))
    codes = codes_to_activate(clients, today).select_related("client")
    in_use = clients.filter(statuses_q(attention.IN_USE, today))
    certificates = in_use.filter(
        attention.certificate_q(str(CERTIFICATE_DAYS), today)
    ).select_related("certificate")
    silent = in_use.filter(attention.no_contact_q(attention.NO_CONTACT_DAYS, today))
    return Digest(
        partner=partner,
        today=today,
        expiring=_section(expiring.order_by("expires_on", "name", "pk")),
        expired=_section(expired.order_by("expires_on", "name", "pk")),
        codes_to_activate=_section(codes.order_by("client__name", "created_at", "pk")),
        certificates=_section(certificates.order_by("certificate__valid_until", "name", "pk")),
        silent=_section(silent.order_by("last_seen_at", "name", "pk")),
    )


def digest_message(digest: Digest, user) -> EmailMultiAlternatives:
    context = {"digest": digest, "user": user, "partner": digest.partner}
    with translation.override(settings.LANGUAGE_CODE):
        subject = " ".join(render_to_string("emails/partner_digest_subject.txt", context).split())
        text = render_to_string("emails/partner_digest.txt", context)
        html = render_to_string("emails/partner_digest.html", context)
    message = EmailMultiAlternatives(subject, text, to=[user.email])
    message.attach_alternative(html, "text/html")
    return message


@dataclass
class NotifyReport:
    sent: list[EmailMultiAlternatives] = field(default_factory=list)
    would_send: list[EmailMultiAlternatives] = field(default_factory=list)  # --dry-run
    already_sent: list[str] = field(default_factory=list)  # e-mail addresses
    failed: list[tuple[str, str]] = field(default_factory=list)  # (address, reason)
    nothing_to_report: list[Partner] = field(default_factory=list)


def _recipients(partner: Partner) -> list:
    users = partner.users.select_related("user").filter(user__is_active=True)
    return [link.user for link in users.exclude(user__email="").order_by("user__username")]


def notify_partners(*, dry_run: bool = False, today: datetime.date | None = None) -> NotifyReport:
    """Send (or, dry, only build) today's summary to every partner user not yet notified, in
    this process."""
    today = today or timezone.localdate()
    report = NotifyReport()
    for partner in Partner.objects.order_by("code"):
        notify_partner(partner, today, report, dry_run=dry_run)
    return report


def notify_partner(partner, today, report: NotifyReport, dry_run=False, job=None) -> None:
    """One partner's summary to each of its users not yet notified `today`. In a job, each
    message is sent only while the run owns the job (jobs.running.own)."""
    notified = set(
        NotificationLog.objects.filter(partner=partner, kind=KIND, sent_on=today).values_list(
            "user_id", flat=True
        )
    )
    recipients = []
    for user in _recipients(partner):
        if user.pk in notified:
            report.already_sent.append(user.email)
        else:
            recipients.append(user)
    if not recipients:
        return
    digest = partner_digest(partner, today)
    if digest.is_empty:
        report.nothing_to_report.append(partner)
        return
    for user in recipients:
        message = digest_message(digest, user)
        if dry_run:
            report.would_send.append(message)
        else:
            _send_once(message, user, digest, report, job)


DIGEST_TASK = "clients.tasks.send_digest"


def enqueue_digests(today: datetime.date | None = None) -> list:
    """One job per partner with a user to notify today (clients.tasks.send_digest); the same
    day's job still queued or running is joined, not doubled. The jobs, in partner order."""
    today = today or timezone.localdate()
    jobs = []
    for partner in Partner.objects.order_by("code"):
        if not _recipients(partner):
            continue
        job, _ = submit(
            partner=partner,
            user=None,
            kind="digest",
            title=f"Resumo diário de {today:%d/%m/%Y}",
            task_path=DIGEST_TASK,
            key=job_key("digest", partner.pk, today),
            arguments={"day": today.isoformat()},
        )
        jobs.append(job)
    return jobs


def send_digest(job, progress) -> None:
    """The digest job's work: its partner's summary of its day, then one line per user."""
    report = NotifyReport()
    notify_partner(job.partner, datetime.date.fromisoformat(job.arguments["day"]), report, job=job)
    lines = [(address, True, "já tinha recebido hoje") for address in report.already_sent]
    lines += [(message.to[0], True, "enviado") for message in report.sent]
    lines += [(address, False, reason) for address, reason in report.failed]
    JobLine.objects.bulk_create(
        JobLine(job=job, attempt=job.attempt, label=address, ok=ok, message=message[:500])
        for address, ok, message in lines
    )
    progress(len(lines), len(lines))
    if report.failed:
        raise JobRefused(
            f"{len(report.failed)} e-mail(s) não foram enviados; tente novamente.", retryable=True
        )


def _send_once(message, user, digest: Digest, report: NotifyReport, job=None) -> None:
    # The log row and the sending share a transaction: if sending fails, no row remains and
    # the next run tries again; if another run got there first, the unique row stops this one.
    try:
        with transaction.atomic():
            if job is not None:
                own(job)
            NotificationLog.objects.create(
                user=user,
                partner=digest.partner,
                kind=KIND,
                sent_on=digest.today,
                email=user.email,
                subject=message.subject[:200],
                summary=digest.summary(),
            )
            message.send()
    except IntegrityError:
        report.already_sent.append(user.email)
    except OSError as error:  # SMTP and network errors
        report.failed.append((user.email, str(error) or error.__class__.__name__))
    else:
        report.sent.append(message)
