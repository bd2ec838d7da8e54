from smevoucher.staff.permissions import in_jurisdiction


def may_view_proof(actor, upload) -> bool:
    """Staff of the applicant's region may open a quota application's contract proof."""
    from .models import QuotaApplication

    if not actor.is_staff:
        return False
    application = QuotaApplication.objects.filter(proof=upload).select_related("org").first()
    return bool(application and in_jurisdiction(actor, application.org.region_code))
