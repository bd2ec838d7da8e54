from ninja import Router

router = Router(tags=["账号"])


@router.get("/me", summary="当前用户")
def me(request):
    user = request.auth
    return {"id": user.pk, "phone": user.masked_phone, "display_name": user.display_name}
