"""Demo data for the embedded default: the database (``database.load_demo``, built part by
part), the buckets, the cache and the mail outbox."""
