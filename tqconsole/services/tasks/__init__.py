"""Background work: the console's Huey queue and the site's Celery, read and acted on."""
