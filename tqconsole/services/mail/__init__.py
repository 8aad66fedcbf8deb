"""The site's mail: composing, templates, the post_office outbox and its delivery."""
