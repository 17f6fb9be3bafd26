"""The counter's SQLite file: the only place that writes SQL for it (schema, migrations,
records, audit log, admin PINs, encryption at rest, key rotation)."""
