"""Production settings come from the environment, and `check --deploy` has nothing to say."""

import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
# What the test sets itself, and what other tests put in this process's environment (the
# browser tests allow Django's async-unsafe calls for Playwright's event loop).
REPLACED = {
    "DEBUG",
    "SECRET_KEY",
    "ALLOWED_HOSTS",
    "DATABASE_URL",
    "YISHI_TESTING",
    "EMAIL_HOST",
    "DJANGO_ALLOW_ASYNC_UNSAFE",
}


def run(args, **env):
    environment = {key: value for key, value in os.environ.items() if key not in REPLACED}
    environment.update(env)
    return subprocess.run(
        [sys.executable, *args],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=300,
    )


# Production texts sign-in codes through a real provider; with DEBUG off the settings refuse the
# console (tests/communities/test_phone_sign_in.py). Nothing is sent here.
PRODUCTION_SMS = {
    "SMS_BACKEND": "tencent",
    "TENCENT_SMS_SECRET_ID": "AKID-settings-test",
    "TENCENT_SMS_SECRET_KEY": "settings-test",
    "TENCENT_SMS_SDK_APP_ID": "1400000000",
    "TENCENT_SMS_SIGN_NAME": "议事",
    "TENCENT_SMS_TEMPLATE_ID": "100000",
}


def production_secret_key():
    key = secrets.token_urlsafe(45)
    assert len(key) == 60
    return key


@pytest.mark.parametrize("database", ["sqlite", "postgresql"])
def test_deploy_check_is_clean_with_production_environment(tmp_path, database):
    # A database of its own: the shared development file may be busy with another process.
    # The checks need no connection, so the PostgreSQL address need not exist.
    database_url = {
        "sqlite": f"sqlite:///{tmp_path / 'deploy-check.sqlite3'}",
        "postgresql": "postgres://yishi@127.0.0.1:5432/yishi_deploy_check",
    }[database]
    result = run(
        ["manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        YISHI_TESTING="0",
        SECRET_KEY=production_secret_key(),
        **PRODUCTION_SMS,
        ALLOWED_HOSTS="yishi.example.cn",
        # Account emails are mandatory, so production names its mail server.
        EMAIL_HOST="smtp.example.cn",
        DATABASE_URL=database_url,
    )
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    assert "WARNINGS" not in output


def test_production_without_secret_key_refuses_to_start():
    result = run(
        ["-c", "import django; django.setup()"],
        YISHI_TESTING="0",
        ALLOWED_HOSTS="yishi.example.cn",
        DJANGO_SETTINGS_MODULE="config.settings",
    )
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert "SECRET_KEY" in result.stderr


def test_development_starts_without_secret_key():
    result = run(
        [
            "-c",
            "import django; django.setup(); from django.conf import settings; "
            "print(settings.DEBUG, bool(settings.SECRET_KEY))",
        ],
        YISHI_TESTING="0",
        DEBUG="1",
        DJANGO_SETTINGS_MODULE="config.settings",
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "True True"


def test_deploy_check_fails_when_production_has_no_mail_server(tmp_path):
    result = run(
        ["manage.py", "check", "--deploy"],
        YISHI_TESTING="0",
        SECRET_KEY=production_secret_key(),
        **PRODUCTION_SMS,
        ALLOWED_HOSTS="yishi.example.cn",
        DATABASE_URL=f"sqlite:///{tmp_path / 'deploy-check.sqlite3'}",
    )
    assert result.returncode != 0
    assert "mail.E001" in result.stderr


def test_postgresql_deployment_installs_contrib_postgres():
    """Wagtail's search index uses PostgreSQL's full-text fields, which need the app installed."""
    result = run(
        [
            "-c",
            "import django; django.setup(); from django.conf import settings; "
            "print('django.contrib.postgres' in settings.INSTALLED_APPS)",
        ],
        YISHI_TESTING="0",
        SECRET_KEY=production_secret_key(),
        **PRODUCTION_SMS,
        ALLOWED_HOSTS="yishi.example.cn",
        EMAIL_HOST="smtp.example.cn",
        DATABASE_URL="postgres://yishi@127.0.0.1:5432/yishi",
        DJANGO_SETTINGS_MODULE="config.settings",
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "True"


def test_sqlite_development_leaves_contrib_postgres_out(tmp_path):
    result = run(
        [
            "-c",
            "import django; django.setup(); from django.conf import settings; "
            "print('django.contrib.postgres' in settings.INSTALLED_APPS)",
        ],
        YISHI_TESTING="0",
        DEBUG="1",
        DATABASE_URL=f"sqlite:///{tmp_path / 'dev.sqlite3'}",
        DJANGO_SETTINGS_MODULE="config.settings",
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "False"


LANGUAGE_COOKIE = (
    "import django; django.setup(); from django.conf import settings; "
    "print(settings.LANGUAGE_COOKIE_SECURE, settings.LANGUAGE_COOKIE_SAMESITE)"
)


def test_language_cookie_is_secure_and_same_site_in_production(tmp_path):
    result = run(
        ["-c", LANGUAGE_COOKIE],
        YISHI_TESTING="0",
        SECRET_KEY=production_secret_key(),
        **PRODUCTION_SMS,
        ALLOWED_HOSTS="yishi.example.cn",
        DATABASE_URL=f"sqlite:///{tmp_path / 'prod.sqlite3'}",
        DJANGO_SETTINGS_MODULE="config.settings",
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "True Lax"


def test_language_cookie_works_over_plain_http_in_development(tmp_path):
    result = run(
        ["-c", LANGUAGE_COOKIE],
        YISHI_TESTING="0",
        DEBUG="1",
        DATABASE_URL=f"sqlite:///{tmp_path / 'dev.sqlite3'}",
        DJANGO_SETTINGS_MODULE="config.settings",
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "False Lax"
