from django.apps import AppConfig


class DemoConfig(AppConfig):
    """Demo data, synthetic data at volume and the benchmarks (`kam demo`, `kam generate`, `kam bench`).
    An entry point: it may import every app; nothing imports it."""

    name = "kam.demo"
    label = "demo"
    verbose_name = "演示数据与基准测试"
