from __future__ import annotations

import hashlib

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    ACCOUNT_MANAGER = "account_manager", _("客户经理")
    HEAD_OF_SALES = "head_of_sales", _("销售部负责人")
    MANAGEMENT = "management", _("管理层")
    MARKETING = "marketing", _("市场部")
    AFTER_SALES = "after_sales", _("售后服务部")
    FINANCE = "finance", _("财务部")
    ADMINISTRATOR = "administrator", _("系统管理员")


class Department(models.TextChoices):
    SALES = "sales", _("销售部")
    MARKETING = "marketing", _("市场部")
    AFTER_SALES = "after_sales", _("售后服务部")
    FINANCE = "finance", _("财务部")
    MANAGEMENT = "management", _("管理层")
    IT = "it", _("信息技术")


ROLE_DEPARTMENT = {
    Role.ACCOUNT_MANAGER: Department.SALES,
    Role.HEAD_OF_SALES: Department.SALES,
    Role.MANAGEMENT: Department.MANAGEMENT,
    Role.MARKETING: Department.MARKETING,
    Role.AFTER_SALES: Department.AFTER_SALES,
    Role.FINANCE: Department.FINANCE,
    Role.ADMINISTRATOR: Department.IT,
}

# A7.1: roles that see core data (floor prices, decision makers' contact details).
CORE_DATA_ROLES = frozenset({Role.HEAD_OF_SALES, Role.MANAGEMENT})
# Roles that read every customer's basic data; account managers read only their own.
ALL_CUSTOMERS_ROLES = frozenset({Role.HEAD_OF_SALES, Role.MANAGEMENT, Role.MARKETING, Role.AFTER_SALES,
                                 Role.FINANCE})
#: every role that reads customers at all (the account manager: their own); the administrator reads none
CUSTOMER_READER_ROLES: tuple[str, ...] = (*sorted(ALL_CUSTOMERS_ROLES), Role.ACCOUNT_MANAGER)


class User(AbstractUser):
    display_name = models.CharField(_("姓名"), max_length=60, blank=True)
    department = models.CharField(_("部门"), max_length=20, choices=Department.choices, blank=True)
    phone = models.CharField(_("手机"), max_length=30, blank=True)
    wecom_userid = models.CharField(_("企业微信账号"), max_length=64, blank=True)
    # set when an administrator gives a temporary password: the user chooses a new one at the next log-in
    must_change_password = models.BooleanField(_("须修改密码"), default=False)

    class Meta:
        verbose_name = _("用户")
        verbose_name_plural = _("用户")

    def __str__(self) -> str:
        return self.display_name or self.username

    @cached_property
    def roles(self) -> frozenset[str]:
        if not self.pk or not self.is_active:
            return frozenset()
        return frozenset(self.role_grants.values_list("role", flat=True))

    def has_role(self, *roles: str) -> bool:
        return bool(self.roles.intersection(roles))

    @property
    def sees_core_data(self) -> bool:
        return self.has_role(*CORE_DATA_ROLES)

    @property
    def sees_all_customers(self) -> bool:
        return self.has_role(*ALL_CUSTOMERS_ROLES)

    @property
    def is_account_manager(self) -> bool:
        return self.has_role(Role.ACCOUNT_MANAGER)

    @property
    def is_administrator(self) -> bool:
        """Technical identifiers (the policy's setting keys) are shown to administrators only (issue 13)."""
        return self.has_role(Role.ADMINISTRATOR)


class RoleGrant(models.Model):
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="role_grants")
    role = models.CharField(_("角色"), max_length=20, choices=Role.choices)
    granted_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "role"], name="uniq_user_role")]
        verbose_name = _("角色授予")
        verbose_name_plural = _("角色授予")

    def __str__(self) -> str:
        return f"{self.user} · {self.get_role_display()}"


class LoginThrottle(models.Model):
    """Failed log-ins of one (user name, client address) pair, and the delay they earned (issue 12 §4).

    A pair that failed LOGIN_FAILURE_LIMIT times waits a growing delay (LOGIN_DELAY_SECONDS, doubling up to
    LOGIN_DELAY_MAX_SECONDS) before it may try again; the same user from another address is not affected.
    The row with an empty user name counts every failure from the address (LOGIN_ADDRESS_FAILURE_LIMIT).
    A success resets the pair; an administrator can lift a delay; the history lives in the audit trail.
    """

    username = models.CharField(_("用户名"), max_length=150, blank=True)  # lower-cased; "" = whole address
    ip = models.CharField(_("地址"), max_length=45, blank=True)  # "" when the address is unknown
    failures = models.PositiveIntegerField(_("连续失败次数"), default=0)
    delays = models.PositiveSmallIntegerField(default=0)  # delays imposed so far: the next is 2**delays longer
    first_failure_at = models.DateTimeField(null=True)
    last_failure_at = models.DateTimeField(db_index=True)
    locked_until = models.DateTimeField(_("延迟至"), null=True, db_index=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["username", "ip"], name="uniq_login_throttle")]
        verbose_name = _("登录限制")
        verbose_name_plural = _("登录限制")

    def __str__(self) -> str:
        return f"{self.username or '*'}@{self.ip or '?'}"


def hash_token(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


class TokenScope(models.TextChoices):
    """What an API token may do (issue 12 §5): read only (GET, HEAD, OPTIONS), or read and write."""

    READ = "read", _("只读")
    WRITE = "write", _("读写")


class ApiToken(models.Model):
    """A per-user API token for integrations: shown once, stored hashed, revocable, expiring
    (settings.API_TOKEN_DAYS after its creation) and scoped (read / write)."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(_("名称"), max_length=80)
    prefix = models.CharField(max_length=12, db_index=True)
    token_hash = models.CharField(max_length=64, unique=True)
    scope = models.CharField(_("权限"), max_length=5, choices=TokenScope.choices, default=TokenScope.READ)
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField(_("到期时间"))
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("API 令牌")
        verbose_name_plural = _("API 令牌")

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"
