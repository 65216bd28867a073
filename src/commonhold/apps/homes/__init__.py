"""Homes: home inventory and recurring maintenance. A home is a space of kind ``home``."""
