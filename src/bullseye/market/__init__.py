"""Layer one of the funnel: the market (universe, industries, matching, sizing) and the "why now" signals."""
