"""Notifications: the inbox, the transactional outbox, devices and push delivery."""
