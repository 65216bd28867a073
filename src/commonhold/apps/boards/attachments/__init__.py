"""Files attached to cards, kept by the files platform."""
