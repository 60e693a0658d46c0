"""Kafka subscribers and publishers of the schema service."""

from faststream.kafka import KafkaRouter

router = KafkaRouter()
