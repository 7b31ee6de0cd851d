"""The partner's credit: the only code that writes ledger entries and balances.

Every write locks the partner's account row (`select_for_update`) and writes the entry and the
new balance in the same transaction; the balance's CHECK constraint is the last guard, so no
interleaving of concurrent debits can leave it below zero. On SQLite the database's write
lock serialises the transactions instead.
"""

from dataclasses import dataclass

from django.db import transaction
from django.db.models import F, Sum
from django.utils import timezone

from clients.domain.money import format_brl
from clients.models import CreditAccount, CreditEntry, EntryKind
from clients.services.errors import ActionNotAllowed
from clients.services.recording import actor_of

MAX_CREDIT = 100_000_000_00  # centavos one credit may add: R$ 100 milhões


class InsufficientCredit(ActionNotAllowed):
    """The partner's balance does not cover a charge; nothing was changed."""

    def __init__(self, amount: int, balance: int):
        self.amount, self.balance, self.missing = amount, balance, amount - balance
        super().__init__(
            f"Crédito insuficiente: esta operação custa {format_brl(amount)} e o saldo é "
            f"{format_brl(balance)}. Faltam {format_brl(self.missing)}."
        )


class InvalidAmount(ValueError):
    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


def balance(partner) -> int:
    """The partner's balance in centavos: one primary-key read (0 before any credit)."""
    pk = getattr(partner, "pk", partner)
    value = CreditAccount.objects.filter(pk=pk).values_list("balance", flat=True).first()
    return value or 0


def locked_account(partner_id: int) -> CreditAccount:
    """The partner's account, its row locked until the transaction ends (made if missing)."""
    CreditAccount.objects.get_or_create(pk=partner_id)
    return CreditAccount.objects.select_for_update().get(pk=partner_id)


def validate_amount(amount) -> int:
    """A positive whole number of centavos, or InvalidAmount with the pt-BR reason."""
    if isinstance(amount, bool) or not isinstance(amount, int):
        raise InvalidAmount("Informe o valor em centavos inteiros (ex.: 10000 = R$ 100,00).")
    if amount <= 0:
        raise InvalidAmount("Informe um valor maior que zero.")
    if amount > MAX_CREDIT:
        raise InvalidAmount(f"Um lançamento é de no máximo {format_brl(MAX_CREDIT)}.")
    return amount


def _actor_label(by) -> str:
    return by.get_username() if by is not None and by.is_authenticated else "sistema"


def _store(account, change: int) -> None:
    """Add `change` to the stored balance in the database itself (balance + change), not
    the value read: were the row ever written unlocked, a concurrent debit would then meet
    the CHECK constraint (an IntegrityError) instead of overwriting the other's balance."""
    CreditAccount.objects.filter(pk=account.pk).update(
        balance=F("balance") + change, updated_at=account.updated_at
    )


def _write(account, *, kind, amount, by, description, client=None, event=None, reverses=None):
    """One entry and the balance it leaves, on the locked `account` (caller's transaction)."""
    if account.balance + amount < 0:
        raise InsufficientCredit(-amount, account.balance)
    account.balance += amount
    account.updated_at = timezone.now()
    _store(account, amount)
    return CreditEntry.objects.create(
        partner_id=account.pk,
        kind=kind,
        amount=amount,
        balance_after=account.balance,
        client=client,
        event=event,
        reverses=reverses,
        description=description[:300],
        actor=actor_of(by),
        actor_label=_actor_label(by),
        at=account.updated_at,
    )


def credit_add(*, partner, amount: int, by, description: str = "") -> CreditEntry:
    """Credit the vendor's staff add to a partner (a payment received)."""
    amount = validate_amount(amount)
    description = " ".join((description or "").split()) or "Crédito adicionado"
    with transaction.atomic():
        account = locked_account(partner.pk)
        return _write(account, kind=EntryKind.CREDIT, amount=amount, by=by, description=description)


def credit_reverse(*, entry: CreditEntry, by, reason: str) -> CreditEntry:
    """Undo `entry` with an opposite entry (a charge made in error is given back; credit
    added in error is taken back, if the balance still holds it). Once per entry."""
    reason = " ".join((reason or "").split())
    if not reason:
        raise InvalidAmount("Informe o motivo do estorno.")
    if entry.kind == EntryKind.REVERSAL:
        raise InvalidAmount("Um estorno não pode ser estornado.")
    with transaction.atomic():
        account = locked_account(entry.partner_id)
        if CreditEntry.objects.filter(reverses=entry).exists():
            raise InvalidAmount("Este lançamento já foi estornado.")
        return _write(
            account,
            kind=EntryKind.REVERSAL,
            amount=-entry.amount,
            by=by,
            description=f"Estorno: {reason}",
            client=entry.client,
            reverses=entry,
        )


@dataclass
class Debit:
    """A charge to write once its client's event exists (clients.services._act)."""

    client: object
    charge: object  # clients.domain.money.Charge
    event: object = None


class Till:
    """The debits of one write (one client or a bulk chunk), all of one partner: the account
    is locked at the first charge, each charge checked against what is left, and every entry
    written at the end, in the same transaction as the clients' changes."""

    def __init__(self):
        self.account = None
        self.debits: list[Debit] = []

    @property
    def left(self) -> int:
        return self.account.balance - sum(d.charge.amount for d in self.debits)

    def reserve(self, client, charge) -> Debit | None:
        """Hold `charge` for `client`, or InsufficientCredit (nothing held)."""
        if not charge:
            return None
        if self.account is None:
            self.account = locked_account(client.partner_id)
        elif self.account.pk != client.partner_id:
            raise ValueError("One write charges one partner.")
        if charge.amount > self.left:
            raise InsufficientCredit(charge.amount, self.left)
        debit = Debit(client, charge)
        self.debits.append(debit)
        return debit

    def release(self, debit: Debit | None) -> None:
        if debit is not None:
            self.debits.remove(debit)

    def pay(self, by) -> list[CreditEntry]:
        """Write the held debits (each with its event set) as entries, and the balance they
        leave: one INSERT and one UPDATE for the whole set."""
        if not self.debits:
            return []
        account, now, entries = self.account, timezone.now(), []
        for d in self.debits:
            account.balance -= d.charge.amount
            entries.append(
                CreditEntry(
                    partner_id=account.pk,
                    kind=d.charge.kind,
                    amount=-d.charge.amount,
                    balance_after=account.balance,
                    client=d.client,
                    event=d.event,
                    description=d.charge.description[:300],
                    actor=actor_of(by),
                    actor_label=_actor_label(by),
                    at=now,
                )
            )
        account.updated_at = now
        _store(account, -sum(d.charge.amount for d in self.debits))
        self.debits = []
        return CreditEntry.objects.bulk_create(entries)


@dataclass
class Mismatch:
    partner_id: int
    stored: int
    entries: int


def reconcile() -> list[Mismatch]:
    """Each account whose stored balance differs from the sum of its entries (a partner with
    entries and no account counts as a stored 0)."""
    sums = dict(
        CreditEntry.objects.values("partner_id")
        .annotate(total=Sum("amount"))
        .values_list("partner_id", "total")
    )
    stored = dict(CreditAccount.objects.values_list("partner_id", "balance"))
    return [
        Mismatch(pk, stored.get(pk, 0), sums.get(pk, 0))
        for pk in sorted(set(sums) | set(stored))
        if stored.get(pk, 0) != sums.get(pk, 0)
    ]
