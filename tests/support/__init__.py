"""Helpers the tests import: paths of the bundled data, analysed photos, the CLI runner, PostgreSQL, QR and card images."""
