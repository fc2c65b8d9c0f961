"""The demo company's own market definitions, as its product marketer would write them: which raw
industry labels mean which of its segments, and the target audience (who can buy)."""

from __future__ import annotations

from pathlib import Path

from bullseye.config import SETTINGS_FILE, Settings
from bullseye.market.industries import save_segments, segments_from_label_map
from bullseye.strategy.audience import Audience, AudienceCriterion, save_audience
from bullseye.strategy.icp import Condition

__all__ = ["DEMO_AUDIENCE", "DEMO_SIGNALS", "DEMO_SPEND_CHANNELS", "PLANTED_ICP", "write_demo_strategy"]

#: The lead source each of the demo's spend channels pays for (spend.csv and the CRM name them
#: differently, as real finance and CRM exports do). The AE team closes deals from every source,
#: so it pays for none of them alone and gets no CAC of its own.
DEMO_SPEND_CHANNELS = {
    "paid search": "Website",
    "LinkedIn ads": "LinkedIn",
    "events": "Event",
    "content": "Inbound - Content",
    "SDR team": "Outbound - SDR",
}

#: The ICP planted in the demo company (truth.json "segment" and "disqualifiers"), as a definition:
#: what a perfect discovery would draft. Tests and benchmarks measure against it.
PLANTED_ICP = """
id: icp
name: Planted truth
criteria:
- id: ecom_fleet
  name: E-commerce with own fleet and 200+ deliveries a day
  assumption: true
  conditions:
  - {attribute: industry, op: "==", value: E-commerce}
  - {attribute: own_fleet, op: "==", value: "yes"}
  - {attribute: deliveries_per_day, op: ">=", value: 200}
disqualifiers:
- id: small
  name: Under 50 employees
  assumption: true
  reason: churn 4.1x base
  conditions:
  - {attribute: employees, op: "<", value: 50}
"""

#: Two why-now signals to append to PLANTED_ICP (the planted one, an operations head hired, and funding),
#: as assumptions: screenshots and benchmarks rank with them without measuring them first.
DEMO_SIGNALS = """signals:
- id: head-of-logistics
  name: New Head of Logistics
  event_type: exec_hire
  filters: {title_function: operations, title_seniority: head}
  lookback_days: 90
  half_life_days: 30
  weight: 1.1
  assumption: true
- id: funding
  name: Funding round
  event_type: funding
  lookback_days: 180
  half_life_days: 60
  weight: 0.3
  assumption: true
"""

#: The segments the demo company sells to (the CRM's industry labels), as its audience.
SEGMENTS = ["E-commerce", "Regional carrier", "Urban delivery franchise", "Marketplace", "Omnichannel retail"]

DEMO_AUDIENCE = Audience(
    id="audience",
    name="Companies that deliver goods in Brazil",
    description="Who can buy route optimisation: firms in Brazil that move physical goods to customers, "
    "with a team big enough to run routes every day.",
    owner="Product marketing",
    criteria=[
        AudienceCriterion(
            id="brazil",
            name="Operates in Brazil",
            kind="geography",
            conditions=[Condition(attribute="country", op="==", value="Brazil")],
        ),
        AudienceCriterion(
            id="delivers-goods",
            name="Sells or moves physical goods",
            kind="segment",
            conditions=[Condition(attribute="industry", op="in", value=SEGMENTS)],
        ),
        AudienceCriterion(
            id="team",
            name="10 or more employees",
            kind="size",
            keep_unknown=True,
            conditions=[Condition(attribute="employees", op=">=", value=10)],
        ),
    ],
)


def write_demo_strategy(root: Path, truth: dict) -> None:
    """Write ``strategy/industries.yaml`` (the data provider's labels onto the CRM's segments) and
    ``strategy/audience.yaml``, and pair the spend channels with lead sources in ``bullseye.yaml``."""
    from bullseye.yamlio import dump_model, load_model

    settings = load_model(Settings, root / SETTINGS_FILE)
    dump_model(settings.model_copy(update={"spend_channels": DEMO_SPEND_CHANNELS}), root / SETTINGS_FILE)
    save_segments(root, segments_from_label_map(truth["universe"]["industry_map"]))
    save_audience(root, DEMO_AUDIENCE, force=True)
