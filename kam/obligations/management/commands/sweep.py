from django.core.management.base import BaseCommand

from kam.obligations.sweep import sweep


class Command(BaseCommand):
    help = "Evaluate every obligation rule, record new alerts once, notify (G.5), deliver and send digests."

    def handle(self, *args, **options):
        result = sweep()
        self.stdout.write(" ".join(f"{k}={v}" for k, v in result.items()))
