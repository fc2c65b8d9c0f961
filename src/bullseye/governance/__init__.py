"""Keeping the ICP alive: versions, triggers, drift and the updates pushed to the teams."""
