"""Kafka subscribers and publishers of the history service."""

from faststream.kafka import KafkaRouter

router = KafkaRouter()
