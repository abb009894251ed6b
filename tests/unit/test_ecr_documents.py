"""The ECR documents, parsed and checked: lifecycle priorities, repository and registry policies."""

from __future__ import annotations

import json

from registry_platform.aws.documents import render_lifecycle_policy, render_registry_policy, render_repository_policy
from registry_platform.aws.documents import READ_ACTIONS, WRITE_ACTIONS
from registry_platform.settings.aws import AccessSettings, LifecycleSettings
from registry_platform.settings.aws.account import RegistryPolicySettings


def lifecycle(**settings) -> list[dict]:
    document = render_lifecycle_policy(LifecycleSettings.model_validate(settings))
    return json.loads(document)["rules"]


def test_no_lifecycle_policy_without_rules():
    assert render_lifecycle_policy(None) is None
    assert render_lifecycle_policy(LifecycleSettings()) is None
    assert render_lifecycle_policy(LifecycleSettings(keep_last=[], raw_rules=[])) is None


def test_typed_rules_render_with_ordered_unique_priorities():
    rules = lifecycle(
        keepLast=[{"count": 100}, {"tagPrefixes": ["v", "release-"], "count": 30}, {"tagPatterns": ["nightly-*"], "count": 5}],
        untaggedExpireDays=14,
        rawRules=[{"description": "old dev builds", "selection": {
            "tagStatus": "tagged", "tagPrefixList": ["dev-"], "countType": "sinceImagePushed",
            "countUnit": "days", "countNumber": 30}}],
    )
    assert [r["rulePriority"] for r in rules] == [1, 2, 3, 4, 5, 6]
    # ECR ANDs the prefixes of one list, so each prefix gets a rule of its own.
    assert rules[0] == {
        "rulePriority": 1,
        "description": "Keep the last 30 images tagged v*",
        "selection": {"tagStatus": "tagged", "tagPrefixList": ["v"], "countType": "imageCountMoreThan", "countNumber": 30},
        "action": {"type": "expire"},
    }
    assert rules[1]["selection"] == {"tagStatus": "tagged", "tagPrefixList": ["release-"],
                                     "countType": "imageCountMoreThan", "countNumber": 30}
    assert rules[2]["selection"] == {"tagStatus": "tagged", "tagPatternList": ["nightly-*"],
                                     "countType": "imageCountMoreThan", "countNumber": 5}
    assert rules[3]["selection"] == {"tagStatus": "untagged", "countType": "sinceImagePushed",
                                     "countUnit": "days", "countNumber": 14}
    assert rules[4] == {
        "rulePriority": 5,
        "description": "old dev builds",
        "selection": {"tagStatus": "tagged", "tagPrefixList": ["dev-"], "countType": "sinceImagePushed",
                      "countUnit": "days", "countNumber": 30},
        "action": {"type": "expire"},
    }
    # The rule that selects every image is evaluated last, as ECR requires.
    assert rules[5]["selection"] == {"tagStatus": "any", "countType": "imageCountMoreThan", "countNumber": 100}
    assert all(r["action"] == {"type": "expire"} for r in rules)
    assert all(len(r.get("selection", {}).get("tagPrefixList", [])) <= 1 for r in rules[:3])


def test_every_rendered_rule_is_a_valid_ecr_rule():
    """Re-read each rendered rule as an ECR raw rule: the same checks a user's raw rule must pass."""
    from registry_platform.settings.aws.lifecycle import LifecycleSelection

    rules = lifecycle(keepLast=[{"count": 3}, {"tagPatterns": ["v*", "rc-*"], "count": 2}], untaggedExpireDays=1)
    for rule in rules:
        LifecycleSelection.model_validate(rule["selection"])
    assert [r["selection"]["tagStatus"] for r in rules] == ["tagged", "tagged", "untagged", "any"]


def test_raw_any_rule_goes_last():
    rules = lifecycle(
        rawRules=[{"selection": {"tagStatus": "any", "countType": "imageCountMoreThan", "countNumber": 500}}],
        untaggedExpireDays=1,
    )
    assert [r["selection"]["tagStatus"] for r in rules] == ["untagged", "any"]
    assert [r["rulePriority"] for r in rules] == [1, 2]


def test_no_repository_policy_without_grants():
    assert render_repository_policy(AccessSettings()) is None


def test_partition_reaches_the_principals():
    access = AccessSettings.model_validate({"pull": ["210987654321"]})
    document = json.loads(render_repository_policy(access, partition="aws-us-gov"))
    assert document["Statement"][0]["Principal"] == {"AWS": ["arn:aws-us-gov:iam::210987654321:root"]}
    registry = json.loads(render_registry_policy(RegistryPolicySettings(allow_replication_from=["210987654321"]),
                                                 account_id="123456789012", region="cn-north-1", partition="aws-cn"))
    assert registry["Statement"][0]["Resource"] == "arn:aws-cn:ecr:cn-north-1:123456789012:repository/*"


def test_repository_policy_from_typed_lists():
    access = AccessSettings.model_validate({
        "pull": ["210987654321", "arn:aws:iam::123456789012:role/deploy"],
        "push": ["arn:aws:iam::123456789012:role/ci"],
        "lambdaPull": ["arn:aws:lambda:eu-west-1:123456789012:function:*"],
        "statements": [{"Sid": "Audit", "Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::123456789012:role/audit"},
                        "Action": ["ecr:DescribeImages"]}],
    })
    document = json.loads(render_repository_policy(access))
    assert document["Version"] == "2012-10-17"
    by_sid = {s["Sid"]: s for s in document["Statement"]}
    assert set(by_sid) == {"PullAccess", "PushAccess", "LambdaPull", "Audit"}
    assert by_sid["PullAccess"]["Principal"] == {"AWS": ["arn:aws:iam::210987654321:root", "arn:aws:iam::123456789012:role/deploy"]}
    assert by_sid["PullAccess"]["Action"] == READ_ACTIONS
    assert set(by_sid["PushAccess"]["Action"]) == set(READ_ACTIONS) | set(WRITE_ACTIONS)
    assert by_sid["LambdaPull"]["Principal"] == {"Service": "lambda.amazonaws.com"}
    assert by_sid["LambdaPull"]["Action"] == ["ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer"]
    assert by_sid["LambdaPull"]["Condition"] == {"StringLike": {"aws:sourceArn": ["arn:aws:lambda:eu-west-1:123456789012:function:*"]}}
    assert all(s["Effect"] == "Allow" for s in document["Statement"])
    actions = [a for s in document["Statement"] for a in s["Action"]]
    assert "ecr:GetAuthorizationToken" not in actions
    assert all("Resource" not in s for s in document["Statement"])  # a repository policy names no resource


def test_registry_policy():
    assert render_registry_policy(None, account_id="123456789012", region="eu-west-1") is None
    assert render_registry_policy(RegistryPolicySettings(), account_id="123456789012", region="eu-west-1") is None
    document = json.loads(render_registry_policy(
        RegistryPolicySettings(allow_replication_from=["210987654321"]), account_id="123456789012", region="eu-west-1"))
    (statement,) = document["Statement"]
    assert statement["Principal"] == {"AWS": ["arn:aws:iam::210987654321:root"]}
    assert statement["Action"] == ["ecr:CreateRepository", "ecr:ReplicateImage"]
    assert statement["Resource"] == "arn:aws:ecr:eu-west-1:123456789012:repository/*"
