"""The synthetic world: geography, fleet, traffic, scenarios, ground truth and writers."""
