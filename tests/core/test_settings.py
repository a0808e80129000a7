import os
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def _import_settings(env):
    full = {k: v for k, v in os.environ.items() if not k.startswith("KAM_")} | env
    full["DJANGO_SETTINGS_MODULE"] = "kam.settings"
    return subprocess.run([sys.executable, "-c", "import django; django.setup(); print('ok')"], cwd=ROOT,
                          env=full, capture_output=True, text=True)


def test_startup_refuses_missing_secret_without_debug():
    result = _import_settings({})
    assert result.returncode != 0 and "KAM_SECRET_KEY" in result.stderr


def test_startup_refuses_default_secret_without_debug():
    result = _import_settings({"KAM_SECRET_KEY": "django-insecure-kam-development-only"})
    assert result.returncode != 0


def test_debug_allows_missing_secret():
    assert _import_settings({"KAM_DEBUG": "1"}).returncode == 0


def test_https_turns_on_secure_cookies_and_hsts():
    env = {"KAM_SECRET_KEY": "x" * 60, "KAM_HTTPS": "1"}
    full = {k: v for k, v in os.environ.items() if not k.startswith("KAM_")} | env
    full["DJANGO_SETTINGS_MODULE"] = "kam.settings"
    out = subprocess.run([sys.executable, "-c", "from kam import settings as s; print(s.SESSION_COOKIE_SECURE, "
                          "s.CSRF_COOKIE_SECURE, s.SECURE_SSL_REDIRECT, s.SECURE_HSTS_SECONDS > 0, s.TIME_ZONE, "
                          "s.LANGUAGE_CODE)"], cwd=ROOT, env=full, capture_output=True, text=True)
    assert out.stdout.split() == ["True", "True", "True", "True", "Asia/Shanghai", "zh-hans"]
