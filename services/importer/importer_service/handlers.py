"""Kafka subscribers and publishers of the importer service."""

from faststream.kafka import KafkaRouter

router = KafkaRouter()
