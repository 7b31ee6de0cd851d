"""A job's files in the database, in pieces of CHUNK_BYTES: an export a worker wrote is
downloaded from any web instance, an upload a request took is read by any worker."""

from django.db import transaction

from jobs.models import JobFile, JobFileChunk

CHUNK_BYTES = 1024 * 1024
INPUT, OUTPUT = "entrada", "saida"


def store(job, stream, *, name: str, content_type: str, role: str = OUTPUT) -> JobFile:
    """Copy the binary `stream` into a file of the job's current attempt, in the caller's
    transaction (an export: the one that completes the job) or one of its own."""
    with transaction.atomic():
        file = JobFile.objects.create(
            job=job, attempt=job.attempt, role=role, name=name[:200], content_type=content_type
        )
        size, position = 0, 0
        while piece := stream.read(CHUNK_BYTES):
            JobFileChunk.objects.create(file=file, position=position, data=piece)
            size += len(piece)
            position += 1
        file.size = size
        file.save(update_fields=["size"])
    return file


def latest(job, role: str = OUTPUT) -> JobFile | None:
    return job.files.filter(role=role).order_by("-attempt", "-pk").first()


def pieces(file: JobFile):
    """The file's bytes, a piece per query (never the whole file in memory)."""
    position = 0
    while True:
        data = (
            JobFileChunk.objects.filter(file=file, position=position)
            .values_list("data", flat=True)
            .first()
        )
        if data is None:
            return
        yield bytes(data)
        position += 1


def read(file: JobFile) -> bytes:
    return b"".join(pieces(file))
