"""Following searches, topics and organisations: subscriptions and their e-mail digests."""
