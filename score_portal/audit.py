from .models import AuditEvent


def client_ip(request):
    if request is None:
        return None
    # Behind the proxy in docker-compose the client is the first forwarded address.
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
    ip = forwarded.split(",")[0].strip() if forwarded else request.META.get("REMOTE_ADDR")
    return ip or None


def audit_log(*, action, actor=None, target=None, request=None, email="", **data):
    """Write one audit row; call it inside the service's transaction."""
    if actor is not None and not actor.is_authenticated:
        actor = None
    return AuditEvent.objects.create(
        action=action,
        actor=actor,
        actor_email=email or (actor.email if actor else ""),
        target_type=target._meta.label_lower if target is not None else "",
        target_id=str(target.pk) if target is not None else "",
        target_repr=str(target)[:255] if target is not None else "",
        ip_address=client_ip(request),
        data=data,
    )


def saved_action(created):
    """The audit action for a form save that may have created or changed the row."""
    return AuditEvent.Action.CREATED if created else AuditEvent.Action.UPDATED


def workflow_action(from_status, to_status):
    """The audit action of a record moving through draft -> submitted -> approved / returned:
    approvals, returns and reopenings are searchable by name in the audit log."""
    if from_status == "approved":
        return AuditEvent.Action.REOPENED
    return {
        "submitted": AuditEvent.Action.SUBMITTED,
        "approved": AuditEvent.Action.APPROVED,
        "returned": AuditEvent.Action.RETURNED,
    }.get(to_status, AuditEvent.Action.UPDATED)
