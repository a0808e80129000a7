from django.apps import AppConfig


class DossierConfig(AppConfig):
    name = "kam.dossier"
    label = "dossier"
    verbose_name = "客户档案与保密"
