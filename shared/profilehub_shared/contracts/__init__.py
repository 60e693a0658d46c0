"""Message contracts: the shared vocabulary of the services. One module per producing service."""

from .base import Command, Event, Message, dead_letter_topic, topic_name
from .system import HealthProbeRequested, ServiceHeartbeatRecorded

__all__ = [
    "Command",
    "Event",
    "HealthProbeRequested",
    "Message",
    "ServiceHeartbeatRecorded",
    "dead_letter_topic",
    "topic_name",
]
