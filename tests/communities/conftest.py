import pytest


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    """Accounts are made by the dozen here; real PBKDF2 would spend seconds on each."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
