"""Production settings come from the environment, are secure, and refuse to start without secrets."""

import os
import secrets
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def production_env(tmp_path, **overrides):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "PORTAL_"))}
    env.update(
        PORTAL_ENV="production",
        DJANGO_SECRET_KEY=secrets.token_urlsafe(64),
        DJANGO_ALLOWED_HOSTS="score.example.org",
        DATABASE_URL=f"sqlite:///{tmp_path / 'prod.sqlite3'}",
        REDIS_URL=os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0"),
        STATIC_ROOT=str(tmp_path / "static"),
        VAR_DIR=str(tmp_path / "var"),
    )
    env.update(overrides)
    return env


def manage(env, *args, timeout=120):
    return subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=timeout
    )


def test_check_deploy_is_clean_with_production_settings(tmp_path):
    result = manage(production_env(tmp_path), "check", "--deploy", "--fail-level", "WARNING")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


@pytest.mark.parametrize("missing", ["DJANGO_SECRET_KEY", "DJANGO_ALLOWED_HOSTS", "REDIS_URL"])
def test_production_refuses_to_start_without_a_secret(tmp_path, missing):
    env = production_env(tmp_path)
    del env[missing]
    result = manage(env, "check")
    assert result.returncode != 0
    assert missing in result.stderr


def test_production_settings_are_secure(tmp_path):
    code = (
        "from django.conf import settings as s;"
        "print(s.DEBUG, s.SESSION_COOKIE_SECURE, s.CSRF_COOKIE_SECURE, s.SECURE_SSL_REDIRECT,"
        " s.SECURE_HSTS_SECONDS >= 31536000, s.X_FRAME_OPTIONS)"
    )
    result = manage(production_env(tmp_path), "shell", "--no-imports", "-c", code)
    assert result.stdout.split() == ["False", "True", "True", "True", "True", "DENY"], result.stderr


def _free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_gunicorn_serves_the_portal_with_whitenoise(tmp_path):
    """The web process of docker-compose.yml, started the same way, on this machine."""
    env = production_env(tmp_path)
    assert manage(env, "migrate", "--noinput").returncode == 0
    collected = manage(env, "collectstatic", "--noinput")
    assert collected.returncode == 0, collected.stderr
    port = _free_port()
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "score_portal.wsgi:application",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            "1",
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:

        def get(path):
            request = urllib.request.Request(
                f"http://127.0.0.1:{port}{path}",
                headers={"Host": "score.example.org", "X-Forwarded-Proto": "https"},
            )
            return urllib.request.urlopen(request, timeout=5)  # noqa: S310 - loopback only

        for _ in range(100):
            try:
                response = get("/accounts/login/")
                break
            except OSError:
                time.sleep(0.1)
        else:
            pytest.fail("gunicorn did not answer: " + server.stderr.read1().decode())
        page = response.read().decode()
        assert response.status == 200
        assert "SCORE" in page
        assert response.headers["Strict-Transport-Security"].startswith("max-age=31536000")
        assert response.headers["X-Frame-Options"] == "DENY"
        css = page.split('href="/static/css/portal')[1].split('"')[0]
        static = get("/static/css/portal" + css)
        assert static.status == 200
        assert "max-age" in static.headers["Cache-Control"]
    finally:
        server.terminate()
        server.wait(timeout=10)


def test_pages_carry_a_content_security_policy_without_inline_scripts(client, db):
    response = client.get("/accounts/login/")
    policy = response["Content-Security-Policy"]
    assert "script-src 'self'" in policy
    assert "unsafe-inline" not in policy.split("script-src")[1].split(";")[0]
    assert "frame-ancestors 'none'" in policy
    page = response.content.decode()
    # Every <script> on the page loads a file; none carries code of its own.
    scripts = page.split("<script")[1:]
    assert scripts
    assert all(
        s.split(">", 1)[0].strip().startswith("src=") and s.split(">", 1)[1].startswith("</script") for s in scripts
    )
