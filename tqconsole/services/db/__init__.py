"""Browsing and editing the site's tables: queries, filters, records, export, audit."""
