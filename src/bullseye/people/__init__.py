"""Layer three of the funnel: the people inside ICP accounts (titles, the buying committee, voice of the customer)."""
