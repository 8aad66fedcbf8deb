"""The media, static and finance buckets: listing, transfers, usage, previews."""
