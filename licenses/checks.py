from django.conf import settings
from django.core import checks
from django.core.exceptions import ImproperlyConfigured


@checks.register(checks.Tags.security, deploy=True)
def check_license_signing_key(app_configs, **kwargs):
    """`check --deploy` fails when the API could not sign licenses (no or a bad key)."""
    from licenses import signing

    try:
        signing.signing_key()
    except ImproperlyConfigured as problem:
        return [checks.Error(str(problem), id="licenses.E001")]
    if settings.DEBUG and not settings.LICENSE_SIGNING_KEY:
        return [
            checks.Warning(
                "As licenças são assinadas com a chave de desenvolvimento em var/.",
                hint="Defina LICENSE_SIGNING_KEY em produção.",
                id="licenses.W001",
            )
        ]
    return []
