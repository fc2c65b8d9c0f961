"""Glossary: every statistical word the pages use, in a sentence a product marketer understands."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI, Request

from bullseye.web.app import WebContext, page

__all__ = ["GLOSSARY", "glossary_page", "register"]

GLOSSARY: list[dict[str, str]] = [
    {
        "term": "Strong",
        "anchor": "strong",
        "meaning": "The difference is large enough, and seen in enough deals, that it is very unlikely to be luck "
        "even after allowing for the many segments we looked at; act on it.",
    },
    {
        "term": "Suggestive",
        "anchor": "suggestive",
        "meaning": "The data leans this way but could still be chance; treat it as a lead to check with sales, "
        "not as a rule.",
    },
    {
        "term": "Weak / not enough data",
        "anchor": "weak",
        "meaning": "Too few deals to tell either way; it may be true, but the numbers cannot show it yet.",
    },
    {
        "term": "Interval (95% interval)",
        "anchor": "interval",
        "meaning": "The range the true value most likely lies in: a win rate of 30% (24-36%) means we are fairly sure "
        "it is between 24% and 36%. A wide range means few deals.",
    },
    {
        "term": "Lift",
        "anchor": "lift",
        "meaning": "How many times better a segment does than the average: a lift of 2.0 on win rate means it wins "
        "twice as often as accounts overall.",
    },
    {
        "term": "Hazard ratio",
        "anchor": "hazard-ratio",
        "meaning": "How fast customers in a group cancel compared with the rest, at any moment: 0.5 means they churn "
        "half as fast, 2.0 twice as fast.",
    },
    {
        "term": "Holdout",
        "anchor": "holdout",
        "meaning": "The most recent deals, kept aside while the ICP was found and used only to check it, like a "
        "test the ICP has not seen the answers to.",
    },
    {
        "term": "ROC AUC",
        "anchor": "roc-auc",
        "meaning": "How well scores put winners above losers: pick one won and one lost account at random; AUC is "
        "how often the won one has the higher score (0.5 is a coin toss, 1.0 is perfect).",
    },
    {
        "term": "Calibration",
        "anchor": "calibration",
        "meaning": "Whether a predicted chance comes true that often: of accounts given a 30% chance to win, "
        "about 30 in 100 should actually win.",
    },
    {
        "term": "Drift",
        "anchor": "drift",
        "meaning": "The market or the pipeline has changed since the ICP was published (a different mix of "
        "accounts, or the ICP winning less), so the ICP may need a review.",
    },
    {
        "term": "Fit score",
        "anchor": "fit-score",
        "meaning": "0 to 100: how much an account looks like the ones you win. 50 is an average account; every "
        "20 points more doubles its odds of winning.",
    },
    {
        "term": "Tier",
        "anchor": "tier",
        "meaning": "The fit score cut into A (work first) to D (do not pursue); disqualified accounts are always D.",
    },
    {
        "term": "Why now",
        "anchor": "why-now",
        "meaning": "Something that just happened to the company (funding, a new executive, hiring) that makes it "
        "more likely to buy now; its weight fades with time.",
    },
    {
        "term": "TAM (total addressable market)",
        "anchor": "tam",
        "meaning": "Every company in your target audience, and what they would pay a year if all of them bought at "
        "the usual price of their segment: the ceiling, not a forecast.",
    },
    {
        "term": "SAM (serviceable available market)",
        "anchor": "sam",
        "meaning": "The part of the target audience that fits the ICP, times the typical deal size of ICP "
        "customers: the market you are built to win.",
    },
    {
        "term": "SOM (serviceable obtainable market)",
        "anchor": "som",
        "meaning": "What the sales team can realistically win in a year: reps x deals each rep closes x the ICP "
        "win rate, never more than the ICP companies that are not customers yet.",
    },
    {
        "term": "Waterfall",
        "anchor": "waterfall",
        "meaning": "The market narrowed one step at a time, from every company in the market list to your "
        "customers; each step says how many companies it removed and why.",
    },
    {
        "term": "Whitespace",
        "anchor": "whitespace",
        "meaning": "Companies that fit the ICP but are not in the CRM yet: the prospects nobody is working on.",
    },
    {
        "term": "Odds ratio",
        "anchor": "odds-ratio",
        "meaning": "How much a signal changes the odds of winning, comparing deals of equally good fit: 2.0 means "
        "the odds double when the signal is there, 1.0 means it makes no difference.",
    },
    {
        "term": "Priority",
        "anchor": "priority",
        "meaning": "Who to call first on the Signals page: the fit score (out of 100) times the why-now score, so "
        "a good-fit company with a fresh signal comes before a poor fit with the same signal.",
    },
]


def glossary_page(web: WebContext, request: Request) -> dict[str, Any]:
    return {"title": "Glossary", "terms": GLOSSARY}


def register(app: FastAPI) -> None:
    page(app, "/glossary", "glossary.html", glossary_page)
