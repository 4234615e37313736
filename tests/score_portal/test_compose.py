"""docker-compose.yml cannot be started here (no Docker engine), so its promises
are checked against the settings, and the same processes are started directly."""

import re
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]


def compose():
    return yaml.safe_load((ROOT / "docker-compose.yml").read_text())


def settings_env_names():
    source = (ROOT / "score_portal" / "settings.py").read_text()
    return set(re.findall(r'env(?:\.\w+)?\(\s*"([A-Z_]+)"', source))


def test_compose_has_every_part_with_a_health_check():
    services = compose()["services"]
    assert set(services) == {"web", "worker", "beat", "postgres", "redis"}
    for name, service in services.items():
        assert "healthcheck" in service, f"{name} has no health check"
        assert service["healthcheck"]["test"], name


def test_portal_services_run_the_right_processes_against_postgres_and_redis():
    services = compose()["services"]
    assert "gunicorn score_portal.wsgi:application" in services["web"]["command"]
    assert "migrate" in services["web"]["command"]
    assert services["worker"]["command"].startswith("celery -A score_portal worker")
    assert services["beat"]["command"].startswith("celery -A score_portal beat")
    for name in ("web", "worker", "beat"):
        env = services[name]["environment"]
        assert env["PORTAL_ENV"] == "production"
        assert env["DATABASE_URL"].startswith("postgres://") and "@postgres:5432/" in env["DATABASE_URL"]
        assert env["REDIS_URL"] == "redis://redis:6379/0"
        assert services[name]["depends_on"]["postgres"]["condition"] == "service_healthy"
        assert services[name]["depends_on"]["redis"]["condition"] == "service_healthy"


def test_web_health_check_probes_the_health_page():
    test = compose()["services"]["web"]["healthcheck"]["test"]
    assert any("/health/" in part for part in test)


def test_env_example_lists_every_setting_and_nothing_else():
    example = (ROOT / ".env.example").read_text()
    listed = set(re.findall(r"^([A-Z_]+)=", example, flags=re.M))
    # These are read by docker-compose.yml, not by the settings.
    compose_only = {"POSTGRES_PASSWORD", "WEB_CONCURRENCY", "WORKER_CONCURRENCY"}
    assert listed - compose_only == settings_env_names()
    compose_text = (ROOT / "docker-compose.yml").read_text()
    assert all(name in compose_text for name in compose_only)


def test_compose_only_uses_known_settings():
    services = compose()["services"]
    known = settings_env_names()
    for name in ("web", "worker", "beat"):
        assert set(services[name]["environment"]) <= known


def _start(args, tmp_path, name):
    log = open(tmp_path / f"{name}.log", "w")  # noqa: SIM115 - closed with the process
    return subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "score_portal", *args],
        cwd=ROOT,
        stdout=log,
        stderr=subprocess.STDOUT,
    ), log


def _stop(process, log):
    process.terminate()
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        process.kill()
    log.close()


def test_worker_process_answers_ping(tmp_path):
    """The worker container's command and its health check, run directly."""
    worker, log = _start(["worker", "--loglevel=INFO", "--concurrency=1", "-n", "compose-test@%h"], tmp_path, "worker")
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            ping = subprocess.run(
                [
                    sys.executable,
                    "-m",
                    "celery",
                    "-A",
                    "score_portal",
                    "inspect",
                    "ping",
                    "-d",
                    f"compose-test@{socket.gethostname()}",
                    "--timeout",
                    "2",
                ],
                cwd=ROOT,
                capture_output=True,
                text=True,
                timeout=60,
            )
            if ping.returncode == 0 and "pong" in ping.stdout:
                break
        else:
            pytest.fail("worker did not answer: " + (tmp_path / "worker.log").read_text()[-2000:])
    finally:
        _stop(worker, log)


def test_beat_process_starts_and_writes_its_pid(tmp_path):
    pidfile = tmp_path / "beat.pid"
    beat, log = _start(
        ["beat", "--loglevel=INFO", f"--schedule={tmp_path / 'schedule'}", f"--pidfile={pidfile}"], tmp_path, "beat"
    )
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and not pidfile.exists():
            time.sleep(0.2)
        assert pidfile.exists(), (tmp_path / "beat.log").read_text()[-2000:]
        assert int(pidfile.read_text().strip()) == beat.pid
        assert beat.poll() is None
    finally:
        _stop(beat, log)
