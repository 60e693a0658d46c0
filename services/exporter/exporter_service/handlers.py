"""Kafka subscribers and publishers of the exporter service."""

from faststream.kafka import KafkaRouter

router = KafkaRouter()
