from __future__ import annotations

import pandas as pd
import pytest

from bullseye.errors import ConfigError
from bullseye.strategy.icp import (
    ICP,
    Condition,
    Criterion,
    Disqualifier,
    IcpWriteRefused,
    load_icp,
    save_icp,
)


def _icp(**changes) -> ICP:
    base = ICP(
        criteria=[
            Criterion(
                id="ecom",
                name="E-commerce with many deliveries",
                conditions=[
                    Condition(attribute="industry", op="==", value="E-commerce"),
                    Condition(attribute="deliveries_per_day", op=">=", value=200),
                ],
                assumption=True,
            )
        ],
        disqualifiers=[
            Disqualifier(
                id="small",
                name="Under 50 employees",
                reason="churn 4x",
                conditions=[Condition(attribute="employees", op="<", value=50)],
                assumption=True,
            )
        ],
    )
    return base.model_copy(update=changes)


def test_conditions_select_rows_and_treat_missing_as_not_meeting():
    frame = pd.DataFrame(
        {
            "industry": ["E-commerce", "e-commerce ", None, "Retail"],
            "deliveries_per_day": [250, 150, 300, None],
            "own_fleet": [True, False, None, True],
            "tech_stack": [["SAP", "Shopify"], [], None, ["sap"]],
        }
    )
    assert Condition(attribute="industry", op="==", value="E-commerce").mask(frame).tolist() == [
        True,
        True,
        False,
        False,
    ]
    assert Condition(attribute="deliveries_per_day", op=">=", value=200).mask(frame).tolist() == [
        True,
        False,
        True,
        False,
    ]
    assert Condition(attribute="own_fleet", op="==", value="yes").mask(frame).tolist() == [True, False, False, True]
    assert Condition(attribute="tech_stack", op="contains", value="SAP").mask(frame).tolist() == [
        True,
        False,
        False,
        True,
    ]
    assert Condition(attribute="industry", op="not in", value=["Retail"]).mask(frame).tolist() == [
        True,
        True,
        False,
        False,
    ]
    assert Condition(attribute="industry", op="is missing").mask(frame).tolist() == [False, False, True, False]
    assert Condition(attribute="deliveries_per_day", op="between", value=[150, 260]).mask(frame).tolist() == [
        True,
        True,
        False,
        False,
    ]
    assert _icp().criteria[0].mask(frame).tolist() == [True, False, False, False]


def test_a_rule_needs_evidence_or_an_assumption():
    with pytest.raises(ValueError, match="no evidence"):
        Criterion(id="x", name="x", conditions=[Condition(attribute="a", op="==", value=1)])


def test_typo_in_icp_yaml_names_the_file_the_line_and_the_field(tmp_path):
    save_icp(tmp_path, _icp())
    path = tmp_path / "strategy" / "icp.yaml"
    path.write_text(path.read_text().replace("    op: <\n", "    opp: <\n"))
    with pytest.raises(ConfigError) as error:
        load_icp(tmp_path)
    message = str(error.value)
    assert "icp.yaml:" in message and "disqualifiers.0.conditions.0.opp" in message


def test_hand_edits_are_never_overwritten_without_force(tmp_path):
    path, diff = save_icp(tmp_path, _icp())
    assert diff.startswith("---") and "+id: icp" in diff
    assert (tmp_path / "strategy" / "schema" / "icp.schema.json").exists()
    # Bullseye may replace its own unedited draft.
    save_icp(tmp_path, _icp(name="Second draft"))
    assert "Second draft" in path.read_text()
    path.write_text(path.read_text().replace("Second draft", "Our bullseye"))
    with pytest.raises(IcpWriteRefused) as refused:
        save_icp(tmp_path, _icp(name="Third draft"))
    assert "-name: Our bullseye" in refused.value.diff and "+name: Third draft" in refused.value.diff
    assert "Our bullseye" in path.read_text()
    save_icp(tmp_path, _icp(name="Third draft"), force=True)
    assert load_icp(tmp_path).name == "Third draft"


def test_content_hash_changes_with_content_only():
    assert _icp().content_hash() == _icp().content_hash()
    assert _icp().content_hash() != _icp(name="Other").content_hash()
