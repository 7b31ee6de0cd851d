"""The development mailer (e-mails printed as a person reads them), and e-mails sent after
the answer."""

import logging

from django.core.mail.backends.console import EmailBackend
from django.http import HttpResponseRedirect

logger = logging.getLogger(__name__)


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


class RedirectThenSend(HttpResponseRedirect):
    """A redirect that sends its e-mails only once it has been answered: the WSGI server
    closes a response after writing it, and close() sends them. So the answer takes as long
    whether or not there was anything to send (a password reset for an address with or
    without an account), and a mail server's failure (logged) is not an error page that
    would tell the difference either."""

    def __init__(self, url, messages, **kwargs):
        super().__init__(url, **kwargs)
        self.messages = list(messages)

    def close(self):
        try:
            for message in self.messages:
                try:
                    message.send()
                except Exception:
                    logger.exception("Falha ao enviar e-mail (depois da resposta)")
            self.messages = []
        finally:
            super().close()
