from django.apps import AppConfig


class ConnectionsConfig(AppConfig):
    name = "raremap.connections"
    verbose_name = "Connections and private messages"
