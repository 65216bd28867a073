"""The products built on the platform. Each owns its Postgres schema and never imports another."""
