from django.apps import AppConfig


class UsersConfig(AppConfig):
    name = "kam.users"
    label = "users"
    verbose_name = "用户与角色"

    def ready(self) -> None:
        from kam.users import signals

        signals.connect()
