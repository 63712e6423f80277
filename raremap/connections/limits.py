"""Per-member limits on connection and message writes, shared by the pages and the API (the
same scope and key count together)."""

from raremap.core.throttle import Limit

REQUESTS = Limit("connection-request", 10, 24 * 60 * 60)
# Accept, decline, withdraw, end, block, unblock.
CONNECTION_CHANGES = Limit("connection-change", 60, 60 * 60)
MESSAGES = Limit("message", 60, 60 * 60)
MARK_READ = Limit("conversation-read", 600, 60 * 60)
MESSAGES_PER_DAY = Limit("message-day", 300, 24 * 60 * 60)
