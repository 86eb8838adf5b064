"""Settings: declared once, read from COOPFED_* variables, refused with the variable named."""

from __future__ import annotations

import pytest

from core.config import SETTINGS, ConfigError, load_settings


def test_every_setting_is_declared_with_a_meaning():
    names = [s.name for s in SETTINGS]
    assert len(names) == len(set(names))
    for setting in SETTINGS:
        assert setting.help.strip(), setting.name
    for required in ("DATABASE_URL", "REDIS_URL", "SECRET_KEY", "ENV", "DEPLOYMENT"):
        assert required in names


def test_embedded_defaults_need_no_servers(tmp_path):
    config: dict = {}
    load_settings(config, str(tmp_path))
    assert config["DATABASE_URL"] == f"sqlite:///{tmp_path / 'federation.sqlite'}"
    assert config["REDIS_URL"] is None
    secret = (tmp_path / "secret_key").read_text()
    assert config["SECRET_KEY"] == secret and len(secret) > 40
    again: dict = {}
    load_settings(again, str(tmp_path))
    assert again["SECRET_KEY"] == secret  # generated once, then reused
    assert (tmp_path / "secret_key").stat().st_mode & 0o077 == 0


def test_production_requires_a_secret_key(tmp_path):
    with pytest.raises(ConfigError, match="COOPFED_SECRET_KEY"):
        load_settings({"ENV": "production", "DATABASE_URL": "postgresql://x@y/z"},
                      str(tmp_path))
    assert not (tmp_path / "secret_key").exists()


def test_wrong_types_name_the_variable(tmp_path):
    with pytest.raises(ConfigError, match="COOPFED_MIGRATE_WORKERS"):
        load_settings({"MIGRATE_WORKERS": "many"}, str(tmp_path))
    with pytest.raises(ConfigError, match="COOPFED_ENV"):
        load_settings({"ENV": "staging"}, str(tmp_path))


def test_environment_variables_reach_the_app(monkeypatch, tmp_path):
    from federation.app import create_app

    monkeypatch.setenv("COOPFED_DEPLOYMENT", "from-env")
    monkeypatch.setenv("COOPFED_MIGRATE_WORKERS", "7")
    monkeypatch.delenv("COOPFED_DATABASE_URL", raising=False)
    monkeypatch.delenv("COOPFED_REDIS_URL", raising=False)
    app = create_app({"INSTANCE_PATH": str(tmp_path), "ENV": "test"})
    assert app.config["DEPLOYMENT"] == "from-env"
    assert app.config["MIGRATE_WORKERS"] == 7
    assert app.config["DATABASE_URL"].startswith("sqlite:///")
    app.extensions["coopfed.store"].dispose()


def test_production_requires_its_public_address_for_emailed_links(tmp_path):
    base = {"ENV": "production", "DATABASE_URL": "postgresql://x@y/z", "SECRET_KEY": "k" * 40}
    with pytest.raises(ConfigError, match="COOPFED_PUBLIC_URL"):
        load_settings(dict(base), str(tmp_path))
    config = dict(base, PUBLIC_URL="https://coopfed.cymru/")
    load_settings(config, str(tmp_path))
    assert config["PUBLIC_URL"] == "https://coopfed.cymru"


@pytest.mark.parametrize("variable, given, expected", [
    ("SECRET_KEY", "1e5", "1e5"),            # JSON-decoded, it became "100000.0"
    ("DEPLOYMENT", "007", "007"),            # and this one 7
    ("MAIL_FROM", "null", "null"),           # and this one None
    ("MAIL_FROM", '"Co-op" <a@b.cymru>', '"Co-op" <a@b.cymru>'),  # not JSON: kept either way
    ("MIGRATE_WORKERS", "3", 3),             # a number is converted by its declared type
    ("SESSION_COOKIE_SECURE", "true", True),
])
def test_environment_variables_are_read_as_the_text_given(monkeypatch, tmp_path, variable,
                                                          given, expected):
    from federation.app import create_app

    monkeypatch.setenv(f"COOPFED_{variable}", given)
    monkeypatch.delenv("COOPFED_DATABASE_URL", raising=False)
    monkeypatch.delenv("COOPFED_REDIS_URL", raising=False)
    app = create_app({"INSTANCE_PATH": str(tmp_path), "ENV": "test"})
    assert app.config[variable] == expected
    app.extensions["coopfed.store"].dispose()
