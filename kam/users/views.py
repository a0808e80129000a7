from django.conf import settings
from django.contrib import messages
from django.contrib.auth import update_session_auth_hash
from django.contrib.auth import views as auth_views
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from kam.core.access import login_required
from kam.core.errors import ApplicationError
from kam.core.redirects import safe_next
from kam.users import second_factor, selectors, services
from kam.users.forms import (
    ApiTokenForm,
    OtpCodeForm,
    PasswordChangeForm,
    PasswordConfirmForm,
    ThrottledAuthenticationForm,
)


class LoginView(auth_views.LoginView):
    """Password first; what the session still owes (a code, an enrolment, a new password) is asked next by
    kam.users.middleware.AccountGateMiddleware. Django's view only follows a `next` on this host."""

    form_class = ThrottledAuthenticationForm
    template_name = "registration/login.html"
    redirect_authenticated_user = True


def _refuse(form, exc: ApplicationError) -> None:
    form.add_error(exc.field if exc.field in form.fields else None, str(exc.message))


@login_required
def security(request):
    """Account security: password, two-factor authentication, API tokens."""
    return render(request, "users/security.html", {
        "otp": second_factor.status(user=request.user),
        "verified": getattr(request.user, "is_verified", lambda: False)(),
    })


@login_required
def password_change(request):
    form = PasswordChangeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.password_change(actor=request.user, old_password=form.cleaned_data["old_password"],
                                     new_password=form.cleaned_data["new_password1"])
        except ApplicationError as exc:
            _refuse(form, exc)
        else:
            update_session_auth_hash(request, request.user)  # this session stays; the others end
            messages.success(request, _("密码已修改。您在其他设备上的登录已退出。"))
            return redirect(safe_next(request, "users:security"))
    return render(request, "users/password_change.html", {
        "form": form, "forced": request.user.must_change_password, "next": safe_next(request, "")})


@login_required
def otp_enrol(request):
    """Enrol an authenticator: QR code and the key by hand; a first code confirms it; recovery codes once."""
    user = request.user
    verified = getattr(user, "is_verified", lambda: False)()
    if second_factor.has_device(user) and not verified:
        return redirect("users:otp_verify")
    key = request.session.get(second_factor.ENROL_KEY)
    if not key:
        key = request.session[second_factor.ENROL_KEY] = second_factor.new_key()
    form = OtpCodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            device, codes = second_factor.otp_enrol(actor=user, key_hex=key, code=form.cleaned_data["code"],
                                                    session_verified=verified)
        except ApplicationError as exc:
            _refuse(form, exc)
        else:
            from django_otp import login as otp_login

            request.session.pop(second_factor.ENROL_KEY, None)
            otp_login(request, device)
            return render(request, "users/otp_recovery_codes.html", {
                "codes": codes, "enrolled": True, "next": safe_next(request, "home")})
    uri = second_factor.provisioning_uri(user=user, key_hex=key)
    return render(request, "users/otp_enrol.html", {
        "form": form, "qr": second_factor.qr_data_uri(uri), "manual_key": second_factor.key_base32(key),
        "required": second_factor.required_for(user), "replacing": second_factor.has_device(user),
        "next": safe_next(request, "")})


@login_required
def otp_verify(request):
    """The log-in's second step: a code from the authenticator, or a recovery code."""
    user = request.user
    if getattr(user, "is_verified", lambda: False)():
        return redirect(safe_next(request, "home"))
    if not second_factor.has_device(user):
        if second_factor.required_for(user):
            return redirect(f"{reverse('users:otp_enrol')}?{request.GET.urlencode()}")
        request.session[second_factor.SESSION_KEY] = ""  # nothing left to verify (device removed)
        return redirect(safe_next(request, "home"))
    form = OtpCodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        result = second_factor.otp_verify(user=user, code=form.cleaned_data["code"])
        if result.device is not None:
            from django_otp import login as otp_login

            request.session.cycle_key()  # a new session key once the log-in is complete (ASVS 5.0 7.2.4)
            otp_login(request, result.device)
            if result.recovery_left is not None:
                messages.warning(request, _("已使用一个恢复码，还剩 %(n)s 个。恢复码用完前请在“账户安全”中重新生成。")
                                 % {"n": result.recovery_left})
            return redirect(safe_next(request, "home"))
        form.add_error("code", result.message)
    return render(request, "users/otp_verify.html", {"form": form, "next": safe_next(request, "")})


@login_required
@require_POST
def otp_recovery_codes(request):
    form = PasswordConfirmForm(request.POST)
    if form.is_valid():
        try:
            codes = second_factor.otp_recovery_codes_regenerate(actor=request.user,
                                                                password=form.cleaned_data["password"])
        except ApplicationError as exc:
            messages.error(request, str(exc.message))
        else:
            return render(request, "users/otp_recovery_codes.html", {"codes": codes, "enrolled": False,
                                                                     "next": ""})
    else:
        messages.error(request, _("请输入登录密码。"))
    return redirect("users:security")


@login_required
@require_POST
def otp_remove(request):
    form = PasswordConfirmForm(request.POST)
    if form.is_valid():
        try:
            second_factor.otp_remove(actor=request.user, user=request.user, password=form.cleaned_data["password"])
        except ApplicationError as exc:
            messages.error(request, str(exc.message))
        else:
            request.session[second_factor.SESSION_KEY] = ""  # nothing left to verify in this session
            messages.success(request, _("已关闭两步验证，验证器和恢复码均已失效。"))
    else:
        messages.error(request, _("请输入登录密码。"))
    return redirect("users:security")


@login_required
def api_tokens(request):
    form = ApiTokenForm(request.POST or None)
    raw = None
    if request.method == "POST" and form.is_valid():
        try:
            _token, raw = services.api_token_create(actor=request.user, name=form.cleaned_data["name"],
                                                    scope=form.cleaned_data["scope"])
        except ApplicationError as exc:
            form.add_error(exc.field, exc.message)
        else:
            form = ApiTokenForm()
    return render(request, "users/api_tokens.html",
                  {"form": form, "raw": raw, "tokens": selectors.user_api_tokens(user=request.user),
                   "now": timezone.now(), "token_days": settings.API_TOKEN_DAYS})


@login_required
@require_POST
def api_token_revoke(request, pk: int):
    token = get_object_or_404(selectors.user_api_tokens(user=request.user), pk=pk)
    services.api_token_revoke(actor=request.user, token=token)
    messages.success(request, _("令牌已撤销。"))
    return redirect("users:tokens")
