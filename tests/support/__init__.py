"""Test support: Slack spec validation, a fake Slack Web API and signed Slack requests."""
