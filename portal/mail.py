"""The development mailer: e-mails printed as a person reads them."""

from django.core.mail.backends.console import EmailBackend


class ReadableConsoleBackend(EmailBackend):
    """Django's console backend prints the MIME source, where pt-BR text is quoted-printable
    and a long link may be cut by a soft line break ("=" at the end of a line). This one
    prints the headers a person needs and the plain-text body as written, so that a reset or
    an invitation link can be followed from the terminal (`make run`)."""

    def write_message(self, message):
        self.stream.write(
            f"E-mail para {', '.join(message.to)}\n"
            f"De: {message.from_email}\n"
            f"Assunto: {message.subject}\n\n"
            f"{message.body}\n"
        )
        self.stream.write("-" * 79 + "\n")
