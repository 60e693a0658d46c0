"""Pure rules of profile writes: reading a record against a schema, matching, merging. No Kafka, no Mongo."""
