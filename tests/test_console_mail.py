"""`make run` prints e-mails to the terminal as written, so a link can be followed from it."""

import io

from django.core.mail import EmailMultiAlternatives

from portal.mail import ReadableConsoleBackend


def test_a_long_link_and_portuguese_text_are_printed_as_written():
    link = "http://portal.exemplo.com.br:8000/convite/" + "A" * 43 + "/"
    stream = io.StringIO()
    message = EmailMultiAlternatives(
        "Convite para a equipe", f"Olá! Você foi convidado.\n\n{link}\n", to=["nova@example.com"]
    )
    ReadableConsoleBackend(stream=stream).send_messages([message])
    printed = stream.getvalue()
    assert "Assunto: Convite para a equipe" in printed and "E-mail para nova@example.com" in printed
    assert "Olá! Você foi convidado." in printed
    assert f"\n{link}\n" in printed
