"""The channel-agnostic core: inbound messages in, replies out, whatever the channel."""
