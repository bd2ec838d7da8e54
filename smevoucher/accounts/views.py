from django.shortcuts import render


def lockout_response(request, original_response=None, credentials=None):
    """What a locked-out login sees (django-axes): a Chinese page or a JSON error."""
    from django.utils.translation import gettext as _

    message = _("登录失败次数过多，账号已暂时锁定，请30分钟后再试或通过短信找回密码")
    if request.path.startswith("/api/"):
        from django.http import JsonResponse

        return JsonResponse({"code": "login.locked", "message": message}, status=429, json_dumps_params={"ensure_ascii": False})
    return render(request, "accounts/locked.html", {"message": message}, status=429)
