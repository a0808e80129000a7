from django.apps import AppConfig


class ApprovalsConfig(AppConfig):
    """Approvals and workflow notifications, one mechanism for every kind (issue 13): a chapter registers its
    approval kinds; its services call `approval_request` / `approval_decide`; the approvers see everything
    waiting for them on one page ("待我审批") and hear of it in their inbox, e-mail and WeCom. Foundation: the
    policy (versions for approval) and every chapter above use it."""

    name = "kam.approvals"
    label = "approvals"
    verbose_name = "审批"

    def ready(self) -> None:
        from django.utils.translation import gettext_lazy as _

        from kam.approvals.selectors import waiting_count
        from kam.core.navigation import NavEntry, register, register_counter

        register(NavEntry("approvals:waiting", _("待我审批"), group="work", order=25, count_key="approvals",
                          visible=lambda user: bool(user.roles)))
        register_counter("approvals", waiting_count)
