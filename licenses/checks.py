from django.core.checks import Error, register
from django.core.exceptions import ImproperlyConfigured


@register()
def check_certificate_encryption_key(app_configs, **kwargs):
    """A malformed CERTIFICATE_ENCRYPTION_KEY stops the start, not the first upload."""
    from licenses.certificates import _fernet

    try:
        _fernet()
    except ImproperlyConfigured as error:
        return [Error(str(error), id="licenses.E001")]
    return []
