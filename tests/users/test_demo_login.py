"""The demo stays easy to log in to: `kam serve --demo` makes two-factor authentication optional for every
role (KAM_OTP_REQUIRED_ROLES empty) for the web workers it starts; production requires it by default."""

import os

import pytest


class Started(Exception):
    pass


def test_serve_demo_turns_the_2fa_requirement_off_for_the_servers_it_starts(monkeypatch):
    from kam.core.management.commands import serve

    monkeypatch.delenv("KAM_OTP_REQUIRED_ROLES", raising=False)
    monkeypatch.setattr(serve, "call_command", lambda *a, **k: None)
    monkeypatch.setattr("subprocess.Popen", lambda *a, **k: None)

    def execv(path, argv):
        raise Started(os.environ.get("KAM_OTP_REQUIRED_ROLES"))

    monkeypatch.setattr(serve.os, "execv", execv)
    with pytest.raises(Started) as started:
        serve.Command().handle(host="127.0.0.1", port=0, workers=1, demo=True, with_worker=False)
    assert started.value.args[0] == ""
    monkeypatch.delenv("KAM_OTP_REQUIRED_ROLES")
    with pytest.raises(Started) as started:
        serve.Command().handle(host="127.0.0.1", port=0, workers=1, demo=False, with_worker=False)
    assert started.value.args[0] is None  # production: the settings' default applies


def test_production_requires_2fa_for_head_of_sales_management_and_administrator():
    import kam.settings as prod
    import kam.settings_test as test_settings

    if os.environ.get("KAM_OTP_REQUIRED_ROLES") is None:
        assert prod.KAM_OTP_REQUIRED_ROLES == ["head_of_sales", "management", "administrator"]
    assert test_settings.KAM_OTP_REQUIRED_ROLES == []
