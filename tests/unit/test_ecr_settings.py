"""The `aws` section: defaults and one checked error message per validation."""

from __future__ import annotations

import pytest

from registry_platform.settings import EcrRegistryArgs, SettingsError, load_stack_settings

KEY = "arn:aws:kms:eu-west-1:123456789012:key/12345678-1234-1234-1234-123456789012"
RAW = "aws.repositories[0].lifecycle.rawRules[0]"


def problems(aws: dict) -> dict[str, str]:
    with pytest.raises(SettingsError) as caught:
        load_stack_settings({"aws": aws})
    return {p.path: p.message for p in caught.value.problems}


def test_repository_defaults_are_the_secure_ones():
    repository = load_stack_settings({"aws": {"repositories": [{"name": "team/api"}]}}).aws.repositories[0]
    assert repository.effective_tag_mutability == "IMMUTABLE"
    assert repository.scan_on_push is True
    assert repository.encryption.type == "AES256"
    assert repository.force_delete is False
    assert repository.lifecycle is None and repository.access.empty


def test_exclusions_turn_mutability_into_with_exclusion():
    aws = load_stack_settings({"aws": {"repositories": [
        {"name": "aa", "tagMutabilityExclusions": ["latest"]},
        {"name": "bb", "tagMutability": "MUTABLE", "tagMutabilityExclusions": ["v*"]},
    ]}}).aws
    assert [r.effective_tag_mutability for r in aws.repositories] == ["IMMUTABLE_WITH_EXCLUSION", "MUTABLE_WITH_EXCLUSION"]


@pytest.mark.parametrize("name", ["ab", "team/api", "a.b_c-d/e-f", "x" * 256, "one/two/three"])
def test_valid_repository_names(name):
    assert load_stack_settings({"aws": {"repositories": [{"name": name}]}}).aws.repositories[0].name == name


def test_account_settings_inherit_the_region():
    aws = load_stack_settings({"aws": {"region": "eu-west-1", "registrySettings": {"scanning": {}}}}).aws
    assert aws.account_settings().region == "eu-west-1"
    assert aws.account_settings().scanning.rules[0].frequency == "SCAN_ON_PUSH"
    other = load_stack_settings({"aws": {"region": "eu-west-1", "registrySettings": {"region": "us-east-1"}}}).aws
    assert other.account_settings().region == "us-east-1"


@pytest.mark.parametrize(
    ("aws", "path", "fragment"),
    [
        ({"repositories": [{"name": "Team/API"}]}, "aws.repositories[0].name", "is not an ECR repository name"),
        ({"repositories": [{"name": "a"}]}, "aws.repositories[0].name", "2-256 characters"),
        ({"repositories": [{"name": "x" * 257}]}, "aws.repositories[0].name", "2-256 characters"),
        ({"repositories": [{"name": "team//api"}]}, "aws.repositories[0].name", "is not an ECR repository name"),
        ({"repositories": [{"name": "team/api-"}]}, "aws.repositories[0].name", "is not an ECR repository name"),
        ({"repositories": [{"name": "aa"}, {"name": "aa"}]}, "aws.repositories[1].name", "'aa' is already entry [0]"),
        ({"repositories": [{"name": "aa", "tagMutabilityExclusions": ["a*b*c*"]}]}, "aws.repositories[0].tagMutabilityExclusions[0]", "at most 2 '*'"),
        ({"repositories": [{"name": "aa", "tagMutabilityExclusions": ["a", "b", "c", "d", "e", "f"]}]}, "aws.repositories[0].tagMutabilityExclusions", "at most 5"),
        ({"repositories": [{"name": "aa", "encryption": {"type": "KMS", "kmsKeyArn": "my-key"}}]}, "aws.repositories[0].encryption.kmsKeyArn", "is not a KMS key ARN"),
        ({"repositories": [{"name": "aa", "encryption": {"kmsKeyArn": KEY}}]}, "aws.repositories[0].encryption.kmsKeyArn", "only applies with `type: KMS`"),
        ({"region": "us-east-1", "repositories": [{"name": "aa", "encryption": {"type": "KMS", "kmsKeyArn": KEY}}]}, "aws.repositories[0].encryption.kmsKeyArn", "the key is in eu-west-1 but the repository is in us-east-1"),
        ({"region": "europe"}, "aws.region", "is not an AWS region"),
        ({"repositories": [{"name": "aa", "lifecycle": {"keepLast": [{"count": 0}]}}]}, "aws.repositories[0].lifecycle.keepLast[0].count", "must be at least 1"),
        ({"repositories": [{"name": "aa", "lifecycle": {"untaggedExpireDays": 0}}]}, "aws.repositories[0].lifecycle.untaggedExpireDays", "must be at least 1"),
        ({"repositories": [{"name": "aa", "lifecycle": {"keepLast": [{"count": 1, "tagPrefixes": ["v"], "tagPatterns": ["v*"]}]}}]}, "aws.repositories[0].lifecycle.keepLast[0].tagPatterns", "not both"),
        ({"repositories": [{"name": "aa", "lifecycle": {"keepLast": [{"count": 1}, {"count": 2}]}}]}, "aws.repositories[0].lifecycle", "at most one rule may select every image"),
        ({"repositories": [{"name": "aa", "lifecycle": {"rawRules": [{"selection": {"tagStatus": "tagged", "countType": "imageCountMoreThan", "countNumber": 1}}]}}]}, RAW + ".selection.tagStatus", "needs exactly one of tagPrefixList or tagPatternList"),
        ({"repositories": [{"name": "aa", "lifecycle": {"rawRules": [{"selection": {"tagStatus": "tagged", "tagPrefixList": ["a"], "tagPatternList": ["b*"], "countType": "imageCountMoreThan", "countNumber": 1}}]}}]}, RAW + ".selection.tagStatus", "needs exactly one of"),
        ({"repositories": [{"name": "aa", "lifecycle": {"rawRules": [{"selection": {"tagStatus": "untagged", "tagPrefixList": ["a"], "countType": "imageCountMoreThan", "countNumber": 1}}]}}]}, RAW + ".selection.tagPrefixList", "only applies to `tagged` selections"),
        ({"repositories": [{"name": "aa", "lifecycle": {"rawRules": [{"selection": {"tagStatus": "untagged", "countType": "sinceImagePushed", "countNumber": 0, "countUnit": "days"}}]}}]}, RAW + ".selection.countNumber", "must be at least 1"),
        ({"repositories": [{"name": "aa", "lifecycle": {"rawRules": [{"selection": {"tagStatus": "untagged", "countType": "sinceImagePushed", "countNumber": 3}}]}}]}, RAW + ".selection.countUnit", "needs countUnit: days"),
        ({"repositories": [{"name": "aa", "lifecycle": {"rawRules": [{"selection": {"tagStatus": "untagged", "countType": "imageCountMoreThan", "countUnit": "days", "countNumber": 3}}]}}]}, RAW + ".selection.countUnit", "only applies to sinceImagePushed"),
        ({"repositories": [{"name": "aa", "lifecycle": {"rawRules": [{"selection": {"tagStatus": "every", "countType": "imageCountMoreThan", "countNumber": 3}}]}}]}, RAW + ".selection.tagStatus", "'tagged', 'untagged' or 'any'"),
        ({"repositories": [{"name": "aa", "lifecycle": {"rawRules": [{"selection": {"tagStatus": "any", "countType": "imageCount", "countNumber": 3}}]}}]}, RAW + ".selection.countType", "'imageCountMoreThan' or 'sinceImagePushed'"),
        ({"repositories": [{"name": "aa", "lifecycle": {"rawRules": [{"selection": {"tagStatus": "any", "tagprefixlist": ["a"], "countType": "imageCountMoreThan", "countNumber": 3}}]}}]}, RAW + ".selection.tagprefixlist", "did you mean `tagPrefixList`?"),
        ({"repositories": [{"name": "aa", "lifecycle": {"rawRules": [{"selection": {"tagStatus": "any", "countType": "imageCountMoreThan", "countNumber": 3}, "action": {"type": "delete"}}]}}]}, RAW + ".action.type", "'expire'"),
        ({"repositories": [{"name": "aa", "lifecycle": {"rawRules": [{"rulePriority": 1, "selection": {"tagStatus": "any", "countType": "imageCountMoreThan", "countNumber": 3}}]}}]}, RAW + ".rulePriority", "is assigned from the rule's place"),
        ({"repositories": [{"name": "aa", "lifecycle": {"untaggedExpireDays": 3, "rawRules": [{"selection": {"tagStatus": "untagged", "countType": "sinceImagePushed", "countUnit": "days", "countNumber": 3}}]}}]}, "aws.repositories[0].lifecycle.rawRules", "only one rule may select untagged images"),
        ({"repositories": [{"name": "aa", "lifecycle": {"keepLast": [{"count": 3, "tagPrefixes": ["v"]}, {"count": 5, "tagPrefixes": ["v"]}]}}]}, "aws.repositories[0].lifecycle", "two rules select the same tag prefixes ['v']"),
        ({"repositories": [{"name": "aa", "lifecycle": {"keepLast": [{"count": 3, "tagPrefixes": []}]}}]}, "aws.repositories[0].lifecycle.keepLast[0].tagPrefixes", "must have at least 1 entry"),
        ({"repositories": [{"name": "aa", "lifecycle": {"keepLast": [{"count": 3, "tagPrefixes": ["v*"]}]}}]}, "aws.repositories[0].lifecycle.keepLast[0].tagPrefixes[0]", "no '*'; use tagPatterns"),
        ({"repositories": [{"name": "aa", "lifecycle": {"keepLast": [{"count": 3, "tagPatterns": ["a*b*c*d*e*"]}]}}]}, "aws.repositories[0].lifecycle.keepLast[0].tagPatterns[0]", "at most 4 '*'"),
        ({"repositories": [{"name": "aa", "encryption": {"type": "KMS", "kmsKeyArn": "arn:aws:kms:eu-west-1:123456789012:alias/ecr"}}]}, "aws.repositories[0].encryption.kmsKeyArn", "is an alias ARN"),
        ({"repositories": [{"name": "aa", "encryption": {"awsManagedKey": True}}]}, "aws.repositories[0].encryption.awsManagedKey", "only applies with `type: KMS`"),
        ({"repositories": [{"name": "aa", "encryption": {"type": "KMS", "awsManagedKey": True, "kmsKeyArn": KEY}}]}, "aws.repositories[0].encryption.awsManagedKey", "not both"),
        ({"repositories": [{"name": "aa", "access": {"lambdaPull": ["arn:aws:lambda:*:*:function:*"]}}]}, "aws.repositories[0].access.lambdaPull[0]", "of one account"),
        ({"repositories": [{"name": "aa", "access": {"statements": [{"Effect": "Allow", "Principal": "*", "Action": "ecr:BatchGetImage", "Condition": {"Bool": {"aws:SecureTransport": "true"}}}]}}]}, "aws.repositories[0].access.statements[0].Principal", "would make the repository public"),
        ({"repositories": [{"name": "aa", "access": {"statements": [{"Principal": {"AWS": "arn:aws:iam::123456789012:root"}, "Action": "ecr:BatchGetImage"}]}}]}, "aws.repositories[0].access.statements[0].Effect", "must be Allow or Deny"),
        ({"repositories": [{"name": "aa", "access": {"statements": [{"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::123456789012:root"}}]}}]}, "aws.repositories[0].access.statements[0].Action", "is required"),
        ({"repositories": [{"name": "aa", "access": {"statements": [{"Effect": "Allow", "Action": "ecr:BatchGetImage"}]}}]}, "aws.repositories[0].access.statements[0].Principal", "is required"),
        ({"registrySettings": {"policy": {"statements": [{"Effect": "Allow", "Principal": "*", "Action": "ecr:ReplicateImage"}]}}}, "aws.registrySettings.policy.statements[0].Principal", "'*' would make the registry public"),
        ({"tags": {"aws:owner": "x"}}, "aws.tags.aws:owner", "the aws: prefix is reserved"),
        ({"repositories": [{"name": "aa", "tags": {f"k{i}": "v" for i in range(51)}}]}, "aws.repositories[0].tags", "AWS allows at most 50"),
        ({"registrySettings": {"replication": {"rules": [{"destinations": [{"region": "us-east-1"}], "repositoryPrefixes": ["Platform/*"]}]}}}, "aws.registrySettings.replication.rules[0].repositoryPrefixes[0]", "not a repository name prefix"),
        ({"registrySettings": {"replication": {"rules": [{"destinations": [{"region": "us-east-1"}], "repositoryPrefixes": ["p" * 257]}]}}}, "aws.registrySettings.replication.rules[0].repositoryPrefixes[0]", "2-256"),
        ({"registrySettings": {"replication": {"rules": [{"destinations": [{"region": "us-east-1"}, {"region": "us-east-1"}]}]}}}, "aws.registrySettings.replication.rules[0].destinations[1]", "is the same destination as destinations[0]"),
        ({"registrySettings": {"scanning": {"rules": [{"filters": ["a//b"]}]}}}, "aws.registrySettings.scanning.rules[0].filters[0]", "is not a repository filter"),
        ({"registrySettings": {"scanning": {"rules": [{"filters": ["-x"]}]}}}, "aws.registrySettings.scanning.rules[0].filters[0]", "is not a repository filter"),
        ({"registrySettings": {"scanning": {"rules": [{"filters": ["x" * 257]}]}}}, "aws.registrySettings.scanning.rules[0].filters[0]", "is not a repository filter"),
        ({"repositories": [{"name": "aa", "access": {"pull": ["*"]}}]}, "aws.repositories[0].access.pull[0]", "would make the repository public"),
        ({"repositories": [{"name": "aa", "access": {"push": ["12345"]}}]}, "aws.repositories[0].access.push[0]", "neither a 12-digit account ID nor an IAM ARN"),
        ({"repositories": [{"name": "aa", "access": {"lambdaPull": ["arn:aws:iam::123456789012:role/x"]}}]}, "aws.repositories[0].access.lambdaPull[0]", "not a Lambda function ARN pattern"),
        ({"repositories": [{"name": "aa", "access": {"statements": [{"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::123456789012:root"}, "Action": ["ecr:GetAuthorizationToken"]}]}}]}, "aws.repositories[0].access.statements[0].Action", "ecr:GetAuthorizationToken cannot be granted in a repository policy"),
        ({"repositories": [{"name": "aa", "access": {"statements": [{"Effect": "Allow", "Principal": "*", "Action": "ecr:BatchGetImage"}]}}]}, "aws.repositories[0].access.statements[0].Principal", "would make the repository public"),
        ({"registrySettings": {"scanning": {"type": "BASIC", "rules": [{"frequency": "CONTINUOUS_SCAN"}]}}}, "aws.registrySettings.scanning.rules[0].frequency", "BASIC scanning supports only SCAN_ON_PUSH"),
        ({"registrySettings": {"scanning": {"type": "ENHANCED", "rules": [{"frequency": "SCAN_ON_PUSH"}, {"frequency": "SCAN_ON_PUSH"}]}}}, "aws.registrySettings.scanning.rules[1].frequency", "appears twice"),
        ({"registrySettings": {"scanning": {"rules": [{"filters": ["Team/*"]}]}}}, "aws.registrySettings.scanning.rules[0].filters[0]", "is not a repository filter"),
        ({"registrySettings": {"replication": {"rules": []}}}, "aws.registrySettings.replication.rules", "must have at least 1 entry"),
        ({"registrySettings": {"replication": {"rules": [{"destinations": [{"region": "us-east-1"}]}] * 11}}}, "aws.registrySettings.replication.rules", "must have at most 10 entries (it has 11)"),
        ({"registrySettings": {"replication": {"rules": [{"destinations": [{"region": f"us-east-{i}", "registryId": "210987654321"} for i in range(1, 14)]}, {"destinations": [{"region": f"eu-west-{i}", "registryId": "210987654321"} for i in range(1, 14)]}]}}}, "aws.registrySettings.replication.rules", "26 distinct destinations; ECR allows at most 25"),
        ({"registrySettings": {"replication": {"rules": [{"destinations": []}]}}}, "aws.registrySettings.replication.rules[0].destinations", "must have at least 1 entry"),
        ({"registrySettings": {"replication": {"rules": [{"destinations": [{"region": "us-east-1", "registryId": "1"}]}]}}}, "aws.registrySettings.replication.rules[0].destinations[0].registryId", "not a 12-digit AWS account ID"),
        ({"region": "eu-west-1", "registrySettings": {"replication": {"rules": [{"destinations": [{"region": "eu-west-1"}]}]}}}, "aws.registrySettings.replication.rules[0].destinations[0]", "replicates eu-west-1 into itself"),
        ({"registrySettings": {"region": "eu-west-1", "replication": {"rules": [{"destinations": [{"region": "eu-west-1"}]}]}}}, "aws.registrySettings.replication.rules[0].destinations[0]", "replicates eu-west-1 into itself"),
        ({"registrySettings": {"policy": {"allowReplicationFrom": ["abc"]}}}, "aws.registrySettings.policy.allowReplicationFrom[0]", "not a 12-digit AWS account ID"),
        ({"repositories": [{"name": "aa", "scanOnPsh": False}]}, "aws.repositories[0].scanOnPsh", "did you mean `scanOnPush`?"),
    ],
)
def test_each_problem_is_reported_at_its_config_path(aws, path, fragment):
    found = problems(aws)
    assert path in found, found
    assert fragment in found[path]


def test_python_args_accept_an_output_as_kms_key():
    import pulumi

    class FakeOutput(pulumi.Output):  # an Output without a running engine
        def __init__(self):
            pass

    key = FakeOutput()
    args = EcrRegistryArgs(repositories=[{"name": "aa", "encryption": {"type": "KMS", "kms_key_arn": key}}])
    assert args.repositories[0].encryption.kms_key_arn is key


def test_same_destination_in_two_rules_counts_once():
    rule = {"destinations": [{"region": f"us-east-{i}", "registryId": "210987654321"} for i in range(1, 21)]}
    aws = load_stack_settings({"aws": {"registrySettings": {"replication": {"rules": [rule, rule]}}}}).aws
    assert len(aws.registry_settings.replication.rules) == 2


@pytest.mark.parametrize("region", ["eu-west-1", "us-gov-west-1", "cn-north-1", "eusc-de-east-1", "ap-southeast-5"])
def test_regions(region):
    assert load_stack_settings({"aws": {"region": region}}).aws.region == region


def test_a_principal_star_limited_to_an_organisation_is_allowed():
    statement = {"Effect": "Allow", "Principal": "*", "Action": "ecr:BatchGetImage",
                 "Condition": {"StringEquals": {"aws:PrincipalOrgID": "o-abc123"}}}
    aws = load_stack_settings({"aws": {"repositories": [{"name": "aa", "access": {"statements": [statement]}}]}}).aws
    assert aws.repositories[0].access.statements == [statement]


def test_field_errors_do_not_hide_cross_field_problems():
    found = problems({"region": "nowhere", "repositories": [{"name": "aa", "encryption": {"type": "AES256", "kmsKeyArn": KEY}}]})
    assert set(found) == {"aws.region", "aws.repositories[0].encryption.kmsKeyArn"}
    found = problems({"region": "us-east-1", "repositories": [
        {"name": "aa", "encryption": {"type": "KMS", "kmsKeyArn": KEY}},
        {"name": "bb", "lifecycle": {"untaggedExpireDays": 0}},
    ]})
    assert "aws.repositories[1].lifecycle.untaggedExpireDays" in found
