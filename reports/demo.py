"""Demo report jobs: one finished report for each demo person who may ask for reports, so
"My reports" is not empty on first sign-in. Idempotent."""

from enterprises.models import Enterprise
from score_portal.models import User

from . import services
from .kinds import KINDS
from .models import JobStatus, ReportJob

ASKS = [
    ("coordinator.zj@score.demo", "enterprise", lambda: {"enterprise": _first("ZJ")}, "zh-hans"),
    ("coordinator.sc@score.demo", "enterprise", lambda: {"enterprise": _first("SC")}, "en"),
    ("admin@score.demo", "province", lambda: {"province": "all", "start": "2026-01-01", "end": "2026-12-31"}, "en"),
]


def _first(code):
    enterprise = Enterprise.objects.filter(province__code=code, archived_at__isnull=True).order_by("pk").first()
    return enterprise.pk if enterprise else None


def seed_demo(*, stdout, scale=0):
    made = 0
    for email, kind, params, language in ASKS:
        user = User.objects.filter(email=email).first()
        if user is None or kind not in KINDS or ReportJob.objects.filter(requested_by=user, kind=kind).exists():
            continue
        values = params()
        if None in values.values():
            continue
        job, _created = services.report_request(actor=user, kind=kind, params=values, language=language)
        services.report_render(job_id=job.pk)
        made += ReportJob.objects.filter(pk=job.pk, status=JobStatus.DONE).count()
    stdout.write(f"  report jobs made: {made}")
