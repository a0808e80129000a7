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

        from kam.approvals.home import APPROVER_ROLES
        from kam.approvals.selectors import waiting_count, waiting_for
        from kam.core.navigation import NavEntry, register, register_counter

        # issue 13: no page that is always empty — the approvers always see it, anyone else while something waits
        register(NavEntry("approvals:waiting", _("待我审批"), group="work", order=25, count_key="approvals",
                          visible=lambda user: user.has_role(*APPROVER_ROLES)
                          or (bool(user.roles) and waiting_count(user=user) > 0)))
        register_counter("approvals", waiting_for)

        from kam.approvals.home import waiting_panel
        from kam.core.home import HomePanel, register_panel
        from kam.users.models import Role

        register_panel(HomePanel("approvals.waiting", _("待我审批"), tuple(Role.values), waiting_panel, order=10))
