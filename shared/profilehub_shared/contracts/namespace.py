"""Namespaced deployments: one prefix on every topic and one on every consumer group, so that several deployments
(staging and production, two tenants) share one Kafka cluster without reading each other's messages.

`KAFKA_TOPIC_PREFIX` (default empty) is put before every topic name, `KAFKA_GROUP_PREFIX` (default: the topic
prefix) before every consumer group. Both are read from the environment once, when the contracts are imported:
the topic is named on each message class and the services subscribe in decorators at import time, so the prefixed
name is the one every subscriber, publisher, topic creation, dead-letter topic (`<topic>.dlq`, derived from the
record's topic) and rejection topic uses, without any call site knowing about it. The services' settings read the
same variables (`ServiceSettings` derives from `KafkaNamespace`), and a service whose settings were given another
prefix in code refuses to start (`check_namespace`) rather than silently using the environment's.
"""

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

# Kafka allows letters, digits, '.', '_' and '-' in a topic name of at most 249 characters; the longest name of
# ours (a `.dlq`) is under 60, so a prefix of up to 100 always fits.
PREFIX_PATTERN = r"^[A-Za-z0-9._-]{0,100}$"


class KafkaNamespace(BaseSettings):
    """The topic and consumer-group prefixes of one deployment."""

    model_config = SettingsConfigDict(env_prefix="", extra="ignore", frozen=True)

    kafka_topic_prefix: str = Field(
        "",
        pattern=PREFIX_PATTERN,
        description="Put before every topic name, e.g. `staging.` (letters, digits, '.', '_', '-'; at most 100)",
    )
    kafka_group_prefix: str | None = Field(
        None,
        pattern=PREFIX_PATTERN,
        description="Put before every consumer group id; default: KAFKA_TOPIC_PREFIX",
    )

    @property
    def group_prefix(self) -> str:
        return self.kafka_topic_prefix if self.kafka_group_prefix is None else self.kafka_group_prefix

    def topic(self, name: str) -> str:
        """The name a topic has on the broker in this deployment."""
        return f"{self.kafka_topic_prefix}{name}"

    def group(self, group_id: str) -> str:
        """The id a consumer group has on the broker in this deployment."""
        return f"{self.group_prefix}{group_id}"


# The one namespace of this process, from its environment (see the module's docstring for why at import time).
NAMESPACE = KafkaNamespace()


def check_namespace(settings: KafkaNamespace) -> None:
    """Refuse settings whose prefixes differ from the ones the topics were named with (settings given in code)."""
    if (settings.kafka_topic_prefix, settings.group_prefix) != (NAMESPACE.kafka_topic_prefix, NAMESPACE.group_prefix):
        raise RuntimeError(
            f"the settings name topic prefix {settings.kafka_topic_prefix!r} and group prefix "
            f"{settings.group_prefix!r}, but the topics were named with {NAMESPACE.kafka_topic_prefix!r} and "
            f"{NAMESPACE.group_prefix!r}: set KAFKA_TOPIC_PREFIX / KAFKA_GROUP_PREFIX in the environment of the "
            "process, before it imports profilehub_shared"
        )
