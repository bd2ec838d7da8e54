from django.apps import AppConfig
from django.contrib.auth.signals import user_logged_in
from django.utils.translation import gettext_lazy as _


def _track_session(sender, request, user, **kwargs):
    from .services import session_track

    if request is not None:
        session_track(request=request, user=user)


class AccountsConfig(AppConfig):
    name = "smevoucher.accounts"
    label = "accounts"
    verbose_name = _("账号")

    def ready(self):
        # Every login path (the forms, force_login, the admin) registers its session, so
        # logout and account disabling can end all of a person's sessions.
        user_logged_in.connect(_track_session, dispatch_uid="smevoucher.accounts.track_session")
