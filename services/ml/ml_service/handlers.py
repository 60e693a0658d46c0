"""Kafka subscribers and publishers of the ml service."""

from faststream.kafka import KafkaRouter

router = KafkaRouter()
