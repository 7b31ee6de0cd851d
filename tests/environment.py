# A pytest plugin (-p tests.environment), loaded before Django is set up: the test run's
# environment. Production settings stay strict (SECRET_KEY is required when DEBUG is off);
# tests run with DEBUG off, as production does.
import os

os.environ.setdefault("SECRET_KEY", "test-only-secret-key-not-for-production-0123456789")
# Certificates are encrypted at rest with a Fernet key; tests bring their own (32 bytes).
os.environ.setdefault("CERTIFICATE_ENCRYPTION_KEY", "dGVzdC1vbmx5LWNlcnRpZmljYXRlLWtleS0wMDAwMDA=")
# So are the two-factor (TOTP) secrets, with another key.
os.environ.setdefault("TWO_FACTOR_ENCRYPTION_KEY", "dGVzdC1vbmx5LXR3by1mYWN0b3Ita2V5LTAwMDAwMDA=")
