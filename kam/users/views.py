from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from kam.core.access import login_required
from kam.core.errors import ApplicationError
from kam.users import selectors, services
from kam.users.forms import ApiTokenForm, ThrottledAuthenticationForm


class LoginView(auth_views.LoginView):
    form_class = ThrottledAuthenticationForm
    template_name = "registration/login.html"
    redirect_authenticated_user = True


@login_required
def api_tokens(request):
    form = ApiTokenForm(request.POST or None)
    raw = None
    if request.method == "POST" and form.is_valid():
        try:
            _token, raw = services.api_token_create(actor=request.user, name=form.cleaned_data["name"])
        except ApplicationError as exc:
            form.add_error(exc.field, exc.message)
        else:
            form = ApiTokenForm()
    return render(request, "users/api_tokens.html",
                  {"form": form, "raw": raw, "tokens": selectors.user_api_tokens(user=request.user)})


@login_required
@require_POST
def api_token_revoke(request, pk: int):
    token = get_object_or_404(selectors.user_api_tokens(user=request.user), pk=pk)
    services.api_token_revoke(actor=request.user, token=token)
    messages.success(request, _("令牌已撤销。"))
    return redirect("users:tokens")
