"""How the reviews of products and of their revisions move them (kinds "product" and
"product_revision"). The review's own record is the audit record of each decision."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from smevoucher.reviews.registry import ChainStep, ReviewKind, register_review_kind
from smevoucher.staff.choices import StaffRole

from .choices import MaterialKind


def _product(action: str):
    def callback(*, subject, **_kw) -> None:
        from .services import product_review_moved

        product_review_moved(product_id=subject.pk, action=action)

    return callback


def _revision(action: str):
    def callback(*, subject, **_kw) -> None:
        from .services import product_revision_review_moved

        product_revision_review_moved(revision_id=subject.pk, action=action)

    return callback


def material_sets(rows) -> list[dict]:
    """(set number, kind, upload) rows as sets of contract, invoice and result."""
    sets: dict[int, dict] = {}
    for number, kind, upload in rows:
        sets.setdefault(number, {})[kind] = upload
    return [
        {
            "number": number,
            "files": [(label, files.get(kind)) for kind, label in MaterialKind.choices],
        }
        for number, files in sorted(sets.items())
    ]


def product_materials_context(subject, viewer) -> dict:
    from .selectors import price_history

    return {
        "product": subject,
        "tiers": list(subject.tiers.all()),
        "proofs": list(subject.qualification_proofs.all()),
        "material_sets": material_sets(
            (m.set_number, m.kind, m.upload) for m in subject.materials.select_related("upload")
        ),
        "prices": price_history(subject),
    }


def revision_materials_context(subject, viewer) -> dict:
    from smevoucher.uploads.models import Upload

    from .selectors import product_values

    data = subject.data
    uploads = {
        str(u.pk): u
        for u in Upload.objects.filter(
            pk__in=[
                *data.get("proof_upload_ids", []),
                *(m["upload_id"] for m in data.get("materials", [])),
            ]
        )
    }
    current = product_values(subject.product)
    changed = sorted(name for name in data if data.get(name) != current.get(name))
    return {
        "product": subject.product,
        "revision": data,
        "changed": changed,
        "proofs": [uploads[i] for i in data.get("proof_upload_ids", []) if i in uploads],
        "material_sets": material_sets(
            (m["set_number"], m["kind"], uploads.get(m["upload_id"]))
            for m in data.get("materials", [])
        ),
    }


register_review_kind(
    ReviewKind(
        key="product",
        label=_("服务产品发布"),
        default_chain=(ChainStep(name=_("产品审核"), role=StaffRole.REVIEWER, working_days=3),),
        on_submitted=_product("resubmit"),
        on_approved=_product("approve"),
        on_returned=_product("return"),
        on_rejected=_product("reject"),
        on_withdrawn=_product("withdraw"),
        materials_template="catalog/review_materials.html",
        materials_context=product_materials_context,
    )
)
register_review_kind(
    ReviewKind(
        key="product_revision",
        label=_("服务产品修改"),
        default_chain=(ChainStep(name=_("产品修改审核"), role=StaffRole.REVIEWER, working_days=3),),
        on_submitted=_revision("resubmit"),
        on_approved=_revision("approve"),
        on_returned=_revision("return"),
        on_rejected=_revision("reject"),
        on_withdrawn=_revision("withdraw"),
        materials_template="catalog/revision_review_materials.html",
        materials_context=revision_materials_context,
    )
)
