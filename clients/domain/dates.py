"""Calendar-month arithmetic, shared by Reativar, Renovar, Novo cliente and license schedules."""

import calendar
import datetime

from django.utils import timezone

from clients.domain.status import month_start


def add_months(day: datetime.date, months: int = 1) -> datetime.date:
    """The same day `months` calendar months later, clamped to the month's end.

    31 Jan → 28 Feb (29 in a leap year); 31 Mar → 30 Apr; 15 Dec → 15 Jan of the next year.
    """
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    last_day = calendar.monthrange(year, month)[1]
    return day.replace(year=year, month=month, day=min(day.day, last_day))


def next_month_start(day: datetime.date) -> datetime.date:
    """The first day of the month after `day`'s: when a license reduction takes effect."""
    return add_months(month_start(day), 1)


def renewed_until(expires_on: datetime.date) -> datetime.date:
    """Renovar's new vencimento: one calendar month after the current one."""
    return add_months(expires_on, 1)


def active_until(day: datetime.date) -> datetime.date:
    """The vencimento of a client registered or reactivated on `day`: one month later."""
    return add_months(day, 1)


def format_day(day: datetime.date) -> str:
    """A day as the portal writes it in messages: dd/mm/aaaa (what `date_format(day, "d/m/Y")`
    gives, without a lookup of the locale's formats per call: a bulk preview writes thousands)."""
    return f"{day:%d/%m/%Y}"


def local_midnight(day: datetime.date) -> datetime.datetime:
    """The first moment of `day` in the local time zone."""
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time()))
