"""Settings read from the environment: clear errors for bad values, production refusals."""

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.template.engine import Engine
from django.template.loaders.cached import Loader as CachedLoader

from .fresh_settings import import_settings
from .subprocesses import load_settings, manage, production_env

PRODUCTION = "storefront.settings.production"
LOCAL = "storefront.settings.local"


def _last_line(result) -> str:
    lines = result.stderr.strip().splitlines()
    return lines[-1] if lines else ""


@pytest.mark.parametrize("name", ["SECRET_KEY", "ALLOWED_HOSTS", "DATABASE_URL"])
@pytest.mark.parametrize("value", [None, ""])
def test_production_refuses_to_start_without_required_variable(name, value, monkeypatch):
    with pytest.raises(ImproperlyConfigured) as excinfo:
        import_settings(PRODUCTION, production_env(**{name: value}), monkeypatch)

    assert str(excinfo.value) == f"{name} must be set in production (see .env.example)."


def test_production_refusal_reaches_the_operator_as_one_clear_line():
    result = load_settings(settings=PRODUCTION, env=production_env(SECRET_KEY=None))

    assert result.returncode != 0
    assert _last_line(result) == (
        "django.core.exceptions.ImproperlyConfigured: SECRET_KEY must be set in production (see .env.example)."
    )


@pytest.mark.parametrize("key", ["too-short", "django-insecure-" + "x" * 60, "a" * 80])
def test_production_refuses_a_short_or_placeholder_secret_key(key, monkeypatch):
    with pytest.raises(ImproperlyConfigured, match="SECRET_KEY must be a random string of at least 50 characters"):
        import_settings(PRODUCTION, production_env(SECRET_KEY=key), monkeypatch)


@pytest.mark.parametrize("value", [None, "false"])
def test_production_refuses_a_silent_sandbox(value, monkeypatch):
    with pytest.raises(ImproperlyConfigured) as excinfo:
        import_settings(PRODUCTION, production_env(SANDBOX_ALLOWED=value), monkeypatch)

    message = str(excinfo.value)
    assert "PROXIES_SX_API_KEY and STRIPE_SECRET_KEY not set: the shop would run on its sandbox" in message
    assert "SANDBOX_ALLOWED=true" in message


def test_production_names_only_the_missing_key_when_one_integration_is_real(monkeypatch):
    env = production_env(
        SANDBOX_ALLOWED=None,
        PROXIES_SX_API_KEY="psx_live0123456789abcdef",
        PROXIES_SX_USERNAME="psx_ab12",
    )
    with pytest.raises(ImproperlyConfigured, match=r"^STRIPE_SECRET_KEY not set"):
        import_settings(PRODUCTION, env, monkeypatch)


def test_production_starts_without_sandbox_when_both_keys_are_set(monkeypatch):
    env = production_env(
        SANDBOX_ALLOWED=None,
        PROXIES_SX_API_KEY="psx_live0123456789abcdef",
        PROXIES_SX_USERNAME="psx_ab12",
        STRIPE_SECRET_KEY="sk_live_" + "0123456789abcdef",
        STRIPE_WEBHOOK_SECRET="whsec_0123456789abcdef",
    )
    production = import_settings(PRODUCTION, env, monkeypatch)

    assert production.SANDBOX_ACTIVE is False
    assert production.DEBUG is False


def test_production_refuses_debug(monkeypatch):
    with pytest.raises(ImproperlyConfigured, match="DEBUG=true is not allowed with production settings"):
        import_settings(PRODUCTION, production_env(DEBUG="true"), monkeypatch)


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        ("DEBUG", "maybe", "DEBUG must be true or false, got 'maybe'."),
        ("CONN_MAX_AGE", "a minute", "CONN_MAX_AGE must be a whole number, got 'a minute'."),
        ("CONN_MAX_AGE", "-1", "CONN_MAX_AGE must be at least 0, got -1."),
        ("DATABASE_URL", "mysql://u@h/db", "DATABASE_URL must be a postgres://"),
        ("DATABASE_URL", "postgres://u@h:port/db", "DATABASE_URL is not a valid database URL"),
        ("DATABASE_URL", "postgres://u@h:5432/", "DATABASE_URL names no database."),
        ("REDIS_URL", "http://127.0.0.1:6379", "REDIS_URL must be an absolute URL starting with redis://"),
        ("SITE_URL", "shop.example.com", "SITE_URL must be an absolute URL starting with https:// or http://"),
        ("CSRF_TRUSTED_ORIGINS", "shop.example.com", "CSRF_TRUSTED_ORIGINS entries need a scheme"),
        ("EMAIL_URL", "carrier-pigeon://coop", "EMAIL_URL must look like smtp+tls://"),
        ("EMAIL_URL", "smtp://", "EMAIL_URL names no mail server host."),
        ("DEFAULT_FROM_EMAIL", "not an address", "DEFAULT_FROM_EMAIL must be an email address"),
        ("OPERATOR_EMAILS", "ops@example.com,nobody", "OPERATOR_EMAILS must be an email address, got 'nobody'."),
        ("ACCOUNT_EMAIL_VERIFICATION", "sometimes", "ACCOUNT_EMAIL_VERIFICATION must be one of mandatory"),
        ("STAFF_REQUIRE_MFA", "2", "STAFF_REQUIRE_MFA must be true or false"),
        ("BRAND_PRIMARY_COLOR", "red", "BRAND_PRIMARY_COLOR must be a colour like #4f46e5, got 'red'."),
        ("BRAND_LOGO_URL", "logo.png", "BRAND_LOGO_URL must be an absolute URL"),
        ("BRAND_SUPPORT_EMAIL", "support", "BRAND_SUPPORT_EMAIL must be an email address"),
        ("BRAND_NAME", "Acme\r\nBcc: x@evil.example", "BRAND_NAME must be one line without control characters"),
        (
            "DEFAULT_FROM_EMAIL",
            "Shop\r\nBcc: x@evil.example <shop@example.com>",
            "DEFAULT_FROM_EMAIL must be one line without control characters",
        ),
        (
            "PROXIES_SX_API_KEY",
            "pak_0123456789abcdef",
            "PROXIES_SX_API_KEY does not look right: it must start with psx_",
        ),
        ("PROXIES_SX_API_KEY", "psx_live0123456789abcdef", "PROXIES_SX_USERNAME is not"),
        ("PROXIES_SX_API_URL", "api.proxies.sx/v1", "PROXIES_SX_API_URL must be an absolute URL"),
        ("PROXIES_SX_GATEWAY_HOST", "https://gw.proxies.sx", "PROXIES_SX_GATEWAY_HOST must be a bare host name"),
        ("PROXIES_SX_CONNECT_TIMEOUT", "soon", "PROXIES_SX_CONNECT_TIMEOUT must be a number, got 'soon'."),
        ("PROXIES_SX_READ_TIMEOUT", "0", "PROXIES_SX_READ_TIMEOUT must be a number above 0"),
        ("PROXIES_SX_MAX_ATTEMPTS", "100", "PROXIES_SX_MAX_ATTEMPTS must be between 1 and 10, got 100."),
        ("POOL_KEY_REFRESH_SECONDS", "1.5", "POOL_KEY_REFRESH_SECONDS must be a whole number"),
        ("STRIPE_SECRET_KEY", "pk_live_0123456789", "STRIPE_SECRET_KEY does not look right"),
        ("STRIPE_SECRET_KEY", "sk_test_0123456789", "STRIPE_WEBHOOK_SECRET is not"),
        ("STRIPE_WEBHOOK_SECRET", "sk_test_0123456789", "STRIPE_WEBHOOK_SECRET does not look right"),
        ("STRIPE_API_BASE", "localhost:12111", "STRIPE_API_BASE must be an absolute URL"),
        ("REFUND_POLICY", "refund_twice", "REFUND_POLICY must be one of reduce_cap, disable; got 'refund_twice'."),
        ("LOG_LEVEL", "loud", "LOG_LEVEL must be DEBUG, INFO, WARNING, ERROR or CRITICAL; got 'LOUD'."),
        ("LOG_FORMAT", "xml", "LOG_FORMAT must be one of text, json; got 'xml'."),
        ("CHECKOUT_RATE_LIMIT", "lots", "CHECKOUT_RATE_LIMIT must be rates like 10/10m/user,30/10m/ip or off"),
        ("KEY_REGENERATE_RATE_LIMIT", "5/10m/everyone", "'5/10m/everyone' is not like 10/10m/user"),
        ("SESSION_CLOSE_RATE_LIMIT", "5/0m/user", "'5/0m/user' has a period of 0"),
    ],
)
def test_bad_environment_value_is_named_in_a_clear_error(name, value, message, monkeypatch):
    with pytest.raises(ImproperlyConfigured) as excinfo:
        import_settings(LOCAL, {name: value}, monkeypatch)

    assert message in str(excinfo.value)


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        ("SECURE_HSTS_SECONDS", "a year", "SECURE_HSTS_SECONDS must be a whole number"),
        ("SECURE_SSL_REDIRECT", "sure", "SECURE_SSL_REDIRECT must be true or false"),
        ("SANDBOX_ALLOWED", "please", "SANDBOX_ALLOWED must be true or false"),
    ],
)
def test_bad_production_value_is_named_in_a_clear_error(name, value, message, monkeypatch):
    with pytest.raises(ImproperlyConfigured, match=message):
        import_settings(PRODUCTION, production_env(**{name: value}), monkeypatch)


def test_bad_value_reaches_the_operator_as_one_clear_line_not_a_library_error():
    result = load_settings(settings=LOCAL, env={"CONN_MAX_AGE": "a minute"})

    assert result.returncode != 0
    assert _last_line(result) == (
        "django.core.exceptions.ImproperlyConfigured: CONN_MAX_AGE must be a whole number, got 'a minute'."
    )
    assert "ValueError" not in result.stderr


def test_rate_limits_are_read_from_the_environment(monkeypatch):
    env = {"CHECKOUT_RATE_LIMIT": "3/1h/user, 20/1d/ip", "SESSION_CLOSE_RATE_LIMIT": "off"}
    local = import_settings(LOCAL, env, monkeypatch)

    assert local.RATE_LIMITS["checkout"] == "3/1h/user, 20/1d/ip"
    assert local.RATE_LIMITS["session_close"] == "off"
    assert local.RATE_LIMITS["key_regenerate"] == "5/10m/user"  # the default


def test_empty_values_count_as_unset(monkeypatch):
    names = ["DEBUG", "CONN_MAX_AGE", "REDIS_URL", "BRAND_NAME", "LOG_LEVEL", "SITE_URL", "EMAIL_URL"]
    local = import_settings(LOCAL, dict.fromkeys(names, ""), monkeypatch)

    assert local.DEBUG is True
    assert local.REDIS_URL == ""
    assert local.CELERY_TASK_ALWAYS_EAGER is True
    assert local.BRAND_DEFAULTS["name"] == "Storefront"
    assert local.LOG_LEVEL == "INFO"
    assert local.SITE_URL == "http://127.0.0.1:8000"
    assert local.MAILERS["default"]["BACKEND"] == "django.core.mail.backends.console.EmailBackend"


def test_postgres_url_keeps_connections_and_checks_them(monkeypatch):
    env = {"DATABASE_URL": "postgres://shop:secret@db:5432/shop", "CONN_MAX_AGE": "120"}
    local = import_settings(LOCAL, env, monkeypatch)

    database = local.DATABASES["default"]
    assert database["ENGINE"] == "django.db.backends.postgresql"
    assert (database["NAME"], database["HOST"], database["PORT"]) == ("shop", "db", 5432)
    assert database["CONN_MAX_AGE"] == 120
    assert database["CONN_HEALTH_CHECKS"] is True
    assert database["ATOMIC_REQUESTS"] is True


def test_email_url_becomes_the_default_mailer(monkeypatch):
    local = import_settings(LOCAL, {"EMAIL_URL": "smtp+tls://mailer:p4ss@smtp.example.com:587"}, monkeypatch)

    assert local.MAILERS["default"] == {
        "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
        "OPTIONS": {
            "host": "smtp.example.com",
            "port": 587,
            "username": "mailer",
            "password": "p4ss",
            "use_tls": True,
            "use_ssl": False,
            "timeout": 10,
        },
    }
    assert local.ACCOUNT_EMAIL_VERIFICATION == "mandatory"


def test_redis_url_switches_cache_and_jobs_to_redis(monkeypatch):
    local = import_settings(LOCAL, {"REDIS_URL": "redis://cache.internal:6379/2"}, monkeypatch)

    assert local.CACHES["default"]["BACKEND"] == "django.core.cache.backends.redis.RedisCache"
    assert local.CELERY_BROKER_URL == "redis://cache.internal:6379/2"
    assert local.CELERY_TASK_ALWAYS_EAGER is False


def test_env_file_fills_in_what_the_environment_leaves_unset(tmp_path, monkeypatch):
    env_file = tmp_path / "storefront.env"
    env_file.write_text("BRAND_NAME=From the file\nBRAND_TAGLINE=Tagline from the file\n")
    import_env = {"BRAND_TAGLINE": "From the environment"}

    local = import_settings(LOCAL, import_env, monkeypatch, env_file=str(env_file))

    assert local.BRAND_DEFAULTS["name"] == "From the file"
    assert local.BRAND_DEFAULTS["tagline"] == "From the environment"


def test_deploy_check_passes_with_production_settings():
    result = manage("check", "--deploy", "--fail-level", "WARNING", settings=PRODUCTION, env=production_env())

    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout


def test_deploy_check_passes_on_postgresql_too():
    env = production_env(DATABASE_URL="postgres://storefront:secret@db.internal:5432/storefront")
    result = manage("check", "--deploy", "--fail-level", "WARNING", settings=PRODUCTION, env=env)

    assert result.returncode == 0, result.stdout + result.stderr


def test_deploy_check_flags_what_would_degrade_production():
    env = production_env(REDIS_URL=None, SITE_URL="http://other.example.com", EMAIL_URL=None)
    result = manage("check", "--deploy", "--fail-level", "WARNING", settings=PRODUCTION, env=env)

    assert result.returncode != 0
    output = result.stdout + result.stderr
    for check_id in ["storefront.W001", "storefront.W002", "storefront.W003", "mail.E001"]:
        assert check_id in output


def test_deploy_check_flags_hsts_turned_off():
    env = production_env(SECURE_HSTS_SECONDS="0")
    result = manage("check", "--deploy", "--fail-level", "WARNING", settings=PRODUCTION, env=env)

    assert result.returncode != 0
    assert "security.W004" in result.stdout + result.stderr


def test_test_settings_ignore_real_keys_and_redis_in_the_environment():
    env = {
        "PROXIES_SX_API_KEY": "psx_live0123456789abcdef",
        "STRIPE_SECRET_KEY": "sk_live_" + "0123456789abcdef",
        "REDIS_URL": "redis://127.0.0.1:6379/0",
    }
    code = (
        "from django.conf import settings as s; import os; "
        "print(s.PROXIES_SX_SANDBOX, s.STRIPE_SANDBOX, repr(s.REDIS_URL), s.CELERY_TASK_ALWAYS_EAGER, "
        "os.environ['REDIS_URL'])"
    )
    result = load_settings(settings="storefront.settings.test", env=env, code=code)

    assert result.returncode == 0, result.stderr
    # Sandboxes on, no Redis, and the process environment is left as it was.
    assert result.stdout.split() == ["True", "True", "''", "True", "redis://127.0.0.1:6379/0"]


def test_a_stale_threshold_shorter_than_two_heartbeats_is_refused(monkeypatch):
    with pytest.raises(ImproperlyConfigured, match="HEARTBEAT_STALE_SECONDS"):
        import_settings(LOCAL, {"HEARTBEAT_SECONDS": "60", "HEARTBEAT_STALE_SECONDS": "90"}, monkeypatch)


def test_make_run_links_follow_the_port_it_serves(monkeypatch):
    settings = import_settings(LOCAL, {"RUN_ADDRESS": "127.0.0.1:8100"}, monkeypatch)

    assert settings.SITE_URL == "http://127.0.0.1:8100"
    assert settings.CSRF_TRUSTED_ORIGINS == ["http://127.0.0.1:8100"]


def test_make_run_on_every_interface_links_to_the_loopback(monkeypatch):
    settings = import_settings(LOCAL, {"RUN_ADDRESS": "0.0.0.0:9000"}, monkeypatch)

    assert settings.SITE_URL == "http://127.0.0.1:9000"


def test_make_run_keeps_a_site_url_the_user_set(monkeypatch):
    settings = import_settings(
        LOCAL, {"RUN_ADDRESS": "127.0.0.1:8100", "SITE_URL": "https://tunnel.example.com"}, monkeypatch
    )

    assert settings.SITE_URL == "https://tunnel.example.com"


def test_make_run_refuses_an_address_without_a_port(monkeypatch):
    with pytest.raises(ImproperlyConfigured, match="RUN_ADDRESS must look like 127.0.0.1:8000"):
        import_settings(LOCAL, {"RUN_ADDRESS": "127.0.0.1"}, monkeypatch)


def test_production_templates_are_read_once_per_process(monkeypatch):
    """Parsed templates are kept (Django's cached loader), not re-read and re-parsed per request."""
    settings = import_settings(PRODUCTION, production_env(), monkeypatch)
    config = settings.TEMPLATES[0]
    engine = Engine(dirs=config["DIRS"], app_dirs=config["APP_DIRS"], debug=settings.DEBUG, **config.get("OPTIONS", {}))

    assert [type(loader) for loader in engine.template_loaders] == [CachedLoader]
