"""Acquisition and downlink planning: requests, plans, schedulers and benchmark instances."""
