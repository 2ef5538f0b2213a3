"""Forecasting and deal intelligence: win probability, risk, time-to-close, Monte Carlo."""
