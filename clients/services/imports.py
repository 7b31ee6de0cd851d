"""Importar clientes in the portal: the file checked and previewed in the request (a dry run of
the one import path, clients.transfer.importing.import_clients), then, once confirmed, the
same call for real in a job (clients.tasks.import_file) — all or nothing, in the transaction
that also completes the job. Both are the partner's own import (`by_partner`): a row that would
do what costs credit elsewhere is refused, in the preview and again on the rows the job locks."""

import hashlib
from dataclasses import dataclass

from django.conf import settings
from django.db import transaction

from clients.domain.documents import normalize_document
from clients.models import Client, Product
from clients.transfer.importing import ImportFileError, import_clients
from clients.transfer.spreadsheets import SpreadsheetError, xlsx_as_csv
from jobs import files
from jobs.models import Job, JobLine, State
from jobs.running import JobRefused, complete, job_key, own
from partners.permissions import Permission

TASK = "clients.tasks.import_file"
CSV_TYPES = (".csv", ".txt")
XLSX = ".xlsx"
STAGES = {"validando": "validando as linhas", "gravando": "gravando"}
REFUSED_SHOWN = 5  # the refused lines a job that found them at its run names


class UploadRefused(Exception):
    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


def max_size() -> str:
    return f"{settings.IMPORT_MAX_BYTES / 1024 / 1024:.0f} MB"


def read_upload(upload) -> bytes:
    """The uploaded file as the import's CSV bytes (an XLSX converted), or UploadRefused."""
    name = (upload.name or "").lower()
    if upload.size > settings.IMPORT_MAX_BYTES:
        raise UploadRefused(
            f"O arquivo tem mais de {max_size()}, o limite de uma "
            "importação. Divida-o em arquivos menores."
        )
    if not name.endswith((*CSV_TYPES, XLSX)):
        raise UploadRefused("Envie um arquivo CSV (.csv) ou uma planilha do Excel (.xlsx).")
    data = upload.read()
    if not data.strip():
        raise UploadRefused("O arquivo está vazio.")
    if name.endswith(XLSX):
        try:
            data = xlsx_as_csv(data)
        except SpreadsheetError as error:
            raise UploadRefused(f"O arquivo {error}; salve-o de novo como .xlsx ou .csv.") from None
        if not data.strip():
            raise UploadRefused("A planilha está vazia.")
    return data


@dataclass
class Preview:
    job: Job
    rows: int
    created: int
    updated: int
    unchanged: int
    others: int  # new rows whose CPF/CNPJ and product another partner already has
    errors: int

    @property
    def blocked_reason(self) -> str:
        if self.errors:
            return "Corrija as linhas recusadas e envie o arquivo de novo: nada foi gravado."
        if self.created + self.updated == 0:
            return "O arquivo não muda nenhum cliente: não há o que importar."
        if self.others and self.others == self.created and not self.updated:
            return (
                "Todos os clientes novos deste arquivo já são de outro parceiro: confira se o "
                "arquivo é o certo. Nada foi gravado."
            )
        return ""


def prepare(*, partner, user, name: str, data: bytes, back_url: str = "") -> Job:
    """Preview the file (a dry run: nothing is written to the clients) and keep it, with the
    preview's counts and refused lines, in a draft job that confirming submits."""
    try:
        report = import_clients(
            partner=partner, data=data, dry_run=True, source=name, by_partner=True
        )
    except ImportFileError as error:
        raise UploadRefused(f"O arquivo não pôde ser lido: {error}. Nada foi gravado.") from None
    # The dry run's changes show the document formatted and the product by its label.
    products = {label: value for value, label in Product.choices}
    documents = {
        (normalize_document(c.document), products.get(c.product, c.product))
        for c in report.changes
        if c.kind == "criar"
    }
    others = sum(
        1
        for document, product in Client.objects.filter(
            cpf_cnpj__in={document for document, _ in documents}
        )
        .exclude(partner=partner)
        .values_list("cpf_cnpj", "product")
        .distinct()
        if (document, product) in documents
    )
    digest = hashlib.sha256(data).hexdigest()
    with transaction.atomic():
        job = Job.objects.create(
            partner=partner,
            user=user,
            kind="import",
            title=f"Importação de {name}"[:200],
            task_path=TASK,
            key=job_key("import", partner.pk, digest),
            state=State.DRAFT,
            permission=Permission.CHANGE,
            total=report.rows,
            outcome={
                "preview": {
                    "rows": report.rows,
                    "created": report.created,
                    "updated": report.updated,
                    "unchanged": report.unchanged,
                    "others": others,
                    "errors": len({error.line for error in report.errors}),
                    "ignored_columns": report.ignored_columns,
                }
            },
            arguments={"name": name, "sha256": digest},
            back_url=back_url,
        )
        files.store(job, _Bytes(data), name=name, content_type="text/csv", role=files.INPUT)
        JobLine.objects.bulk_create(
            JobLine(
                job=job,
                attempt=0,
                subject_id=error.line,
                label=f"Linha {error.line}",
                ok=False,
                message=error.message[:500],
            )
            for error in report.errors
        )
    return job


def preview_of(job: Job) -> Preview:
    counts = job.outcome.get("preview", {})
    return Preview(
        job,
        **{k: counts.get(k, 0) for k in ("rows", "created", "updated", "unchanged", "others")},
        errors=counts.get("errors", 0),
    )


class _Bytes:
    def __init__(self, data: bytes):
        self.data, self.at = data, 0

    def read(self, size: int) -> bytes:
        piece = self.data[self.at : self.at + size]
        self.at += len(piece)
        return piece


def run(job: Job, progress) -> None:
    """The import job's work: the kept file through import_clients, written with the job's
    completion in one transaction (a run that lost its job writes nothing)."""
    upload = files.latest(job, files.INPUT)
    data = files.read(upload)

    def report_progress(stage, done, total):
        progress(done, total, STAGES.get(stage, stage))

    try:
        with transaction.atomic():
            report = import_clients(
                partner=job.partner,
                data=data,
                source=upload.name,
                progress=report_progress,
                by_partner=True,
            )
            if report.errors:
                lines = len({error.line for error in report.errors})
                shown = "; ".join(str(error) for error in report.errors[:REFUSED_SHOWN])
                raise JobRefused(
                    f"{lines} linha(s) deixaram de ser válidas desde a prévia (os clientes "
                    f"mudaram): nada foi gravado. Envie o arquivo de novo. {shown}"
                    + ("; …" if len(report.errors) > REFUSED_SHOWN else ".")
                )
            own(job)
            counts = {
                "rows": report.rows,
                "created": report.created,
                "updated": report.updated,
                "unchanged": report.unchanged,
            }
            complete(job, {**job.outcome, "result": counts}, done=report.rows, total=report.rows)
    except ImportFileError as error:
        raise JobRefused(f"O arquivo não pôde ser importado: {error}. Nada foi gravado.") from None
