"""The `gcp` section: defaults, and one error test per validation (path, what is wrong, what is valid)."""

from __future__ import annotations

import pytest

from registry_platform import ArtifactRepositoryArgs, SettingsError, load_stack_settings

DEPLOYER = "serviceAccount:deploy@acme-prod.iam.gserviceaccount.com"
KEY = "projects/acme-sec/locations/europe-west1/keyRings/r/cryptoKeys/k"
POOL_PROVIDER = "projects/123456789012/locations/global/workloadIdentityPools/github/providers/github-actions"


def gcp(**section):
    return {"gcp": {"location": "europe-west1", "project": "acme-prod", **section}}


def problems_of(config) -> dict[str, str]:
    with pytest.raises(SettingsError) as caught:
        load_stack_settings(config)
    return {p.path: p.message for p in caught.value.problems}


def test_defaults_are_secure():
    settings = load_stack_settings(gcp(repositories=[{"repositoryId": "images"}])).gcp
    repository = settings.repositories[0]
    assert repository.mode == "STANDARD" and repository.immutable_tags and repository.vulnerability_scanning
    assert not repository.public and repository.cleanup is None and repository.kms_key_name is None
    assert settings.enable_services is False and settings.ci_service_accounts == []


@pytest.mark.parametrize(
    ("section", "path", "fragment"),
    [
        # formats
        ({"location": "Europe"}, "gcp.location", "region (e.g. europe-west1) or a multi-region"),
        ({"project": "Acme"}, "gcp.project", "6-30 lowercase"),
        ({"labels": {"Team": "x"}}, "gcp.labels", "label key 'Team'"),
        ({"labels": {"team": "Platform"}}, "gcp.labels", "value must be"),
        ({"repositories": [{"repositoryId": "Images"}]}, "gcp.repositories[0].repositoryId", "repository ID"),
        ({"repositories": [{"repositoryId": "images-"}]}, "gcp.repositories[0].repositoryId", "not ending with '-'"),
        ({"repositories": [{"repositoryId": "a" * 64}]}, "gcp.repositories[0].repositoryId", "1-63"),
        ({"repositories": [{"repositoryId": "a"}, {"repositoryId": "a"}]}, "gcp.repositories[1].repositoryId",
         "repository 'a' is already entry [0]"),
        ({"repositories": [{"repositoryId": "a", "kmsKeyName": "alias/key"}]}, "gcp.repositories[0].kmsKeyName", "cryptoKeys"),
        ({"repositories": [{"repositoryId": "a", "kmsKeyName": KEY.replace("europe-west1", "us-east1")}]},
         "gcp.repositories[0].kmsKeyName", "needs a key in its own location"),
        ({"repositories": [{"repositoryId": "a", "mode": "REMOTE"}]}, "gcp.repositories[0].mode", ""),
        # IAM members and roles
        ({"repositories": [{"repositoryId": "a", "access": {"pull": ["bob@acme.example"]}}]},
         "gcp.repositories[0].access.pull[0]", "user:EMAIL"),
        ({"repositories": [{"repositoryId": "a", "access": {"pull": ["allUsers"]}}]},
         "gcp.repositories[0].access.pull[0]", "set `public: true`"),
        ({"repositories": [{"repositoryId": "a", "public": True, "access": {"push": ["allAuthenticatedUsers"]}}]},
         "gcp.repositories[0].access.push[0]", "may only be granted roles/artifactregistry.reader"),
        ({"repositories": [{"repositoryId": "a", "iam": {"roles/artifactregistry.reader": ["allUsers"]}}]},
         "gcp.repositories[0].iam.roles/artifactregistry.reader[0]", "set `public: true`"),
        ({"repositories": [{"repositoryId": "a", "iam": {"artifactregistry.reader": ["user:a@acme.example"]}}]},
         "gcp.repositories[0].iam.artifactregistry.reader", "is not an IAM role"),
        ({"repositories": [{"repositoryId": "a", "iam": {"roles/artifactregistry.reader": ["user:a@acme.example"]},
                            "access": {"pull": ["user:b@acme.example"]}}]},
         "gcp.repositories[0].access.pull", "set authoritatively in `iam`"),
        ({"repositories": [{"repositoryId": "a", "iam": {"roles/artifactregistry.repoAdmin": ["user:a@acme.example"]},
                            "iamBindingsAdditive": {"x": {"role": "roles/artifactregistry.repoAdmin", "member": "user:b@acme.example"}}}]},
         "gcp.repositories[0].iamBindingsAdditive.x.role", "set authoritatively"),
        ({"repositories": [{"repositoryId": "a", "iamBindingsAdditive": {"Bad Key": {"role": "roles/viewer", "member": "user:b@acme.example"}}}]},
         "gcp.repositories[0].iamBindingsAdditive.Bad Key", "binding key"),
        # modes and upstreams
        ({"repositories": [{"repositoryId": "v", "mode": "VIRTUAL"}]}, "gcp.repositories[0].upstreams", "at least one upstream"),
        ({"repositories": [{"repositoryId": "a", "upstreams": [{"repository": "b", "priority": 1}]}]},
         "gcp.repositories[0].upstreams", "only applies with `mode: VIRTUAL`"),
        ({"repositories": [{"repositoryId": "a"}, {"repositoryId": "v", "mode": "VIRTUAL", "immutableTags": False,
                                                    "upstreams": [{"repository": "a", "priority": 1}]}]},
         "gcp.repositories[1].immutableTags", "only applies to STANDARD"),
        ({"repositories": [{"repositoryId": "a"}, {"repositoryId": "v", "mode": "VIRTUAL", "kmsKeyName": KEY,
                                                    "upstreams": [{"repository": "a", "priority": 1}]}]},
         "gcp.repositories[1].kmsKeyName", "only applies to STANDARD"),
        ({"repositories": [{"repositoryId": "a"}, {"repositoryId": "b"}, {"repositoryId": "v", "mode": "VIRTUAL", "upstreams": [
            {"repository": "a", "priority": 5}, {"repository": "b", "priority": 5}]}]},
         "gcp.repositories[2].upstreams[1].priority", "priorities must be unique"),
        ({"repositories": [{"repositoryId": "v", "mode": "VIRTUAL", "upstreams": [{"repository": "nope", "priority": 1}]}]},
         "gcp.repositories[0].upstreams[0].repository", "'nope' is not in gcp.repositories"),
        ({"repositories": [{"repositoryId": "v", "mode": "VIRTUAL", "upstreams": [{"repository": "v", "priority": 1}]}]},
         "gcp.repositories[0].upstreams[0].repository", "its own upstream"),
        ({"repositories": [{"repositoryId": "w", "mode": "VIRTUAL", "upstreams": [{"repository": "projects/p/locations/europe-west1/repositories/x", "priority": 1}]},
                           {"repositoryId": "v", "mode": "VIRTUAL", "upstreams": [{"repository": "w", "priority": 1}]}]},
         "gcp.repositories[1].upstreams[0].repository", "is itself VIRTUAL"),
        ({"repositories": [{"repositoryId": "v", "mode": "VIRTUAL",
                            "upstreams": [{"repository": "projects/p/locations/us/repositories/x", "priority": 1}]}]},
         "gcp.repositories[0].upstreams[0].repository", "in its own location (europe-west1)"),
        ({"repositories": [{"repositoryId": "v", "mode": "VIRTUAL", "upstreams": [{"repository": "Not/An/Id", "priority": 1}]}]},
         "gcp.repositories[0].upstreams[0].repository", "full repository name"),
        # cleanup
        ({"repositories": [{"repositoryId": "a", "cleanup": {}}]}, "gcp.repositories[0].cleanup", "no policy given"),
        ({"repositories": [{"repositoryId": "a", "cleanup": {"delete": [{"olderThanDays": 3, "tagPrefixes": ["pr-"]}]}}]},
         "gcp.repositories[0].cleanup.delete[0].tagPrefixes", "only applies with `tagState: TAGGED`"),
        ({"repositories": [{"repositoryId": "a", "cleanup": {"delete": [{"tagState": "UNTAGGED"}]}}]},
         "gcp.repositories[0].cleanup.delete[0].olderThanDays", "required"),
        ({"repositories": [{"repositoryId": "a", "cleanup": {"keepMostRecent": [{"count": 0}]}}]},
         "gcp.repositories[0].cleanup.keepMostRecent[0].count", "must be at least 1"),
        ({"repositories": [{"repositoryId": "a", "cleanup": {"keepMostRecent": [{"count": 1}] * 11}}]},
         "gcp.repositories[0].cleanup", "at most 10"),
        ({"repositories": [{"repositoryId": "a", "cleanup": {"keepMostRecent": [{"count": 1, "id": "x"}],
                                                              "keepTagged": [{"tagPrefixes": ["v"], "id": "x"}]}}]},
         "gcp.repositories[0].cleanup.keepTagged[0].id", "used twice"),
        ({"repositories": [{"repositoryId": "a", "cleanup": {"keepTagged": [{"tagPrefixes": ["v*"]}]}}]},
         "gcp.repositories[0].cleanup.keepTagged[0].tagPrefixes[0]", "no '*'"),
        ({"repositories": [{"repositoryId": "a", "cleanup": {"keepMostRecent": [{"count": 1, "packageNamePrefixes": ["Api"]}]}}]},
         "gcp.repositories[0].cleanup.keepMostRecent[0].packageNamePrefixes[0]", "package (image) name prefix"),
        ({"repositories": [{"repositoryId": "v", "mode": "VIRTUAL", "cleanup": {"deleteUntaggedOlderThanDays": 1},
                            "upstreams": [{"repository": "projects/p/locations/europe-west1/repositories/x", "priority": 1}]}]},
         "gcp.repositories[0].cleanup", "only applies to STANDARD"),
    ],
)
def test_gcp_config_errors(section, path, fragment):
    problems = problems_of(gcp(**section))
    assert path in problems, problems
    assert fragment in problems[path]


def test_location_is_required_and_every_problem_is_reported_at_once():
    problems = problems_of({"gcp": {"project": "Acme", "repositories": [{"repositoryId": "a", "access": {"pull": ["allUsers"]}},
                                                                         {"repositoryId": "b-"}]}})
    assert problems["gcp.location"].startswith("required key is missing")
    assert "gcp.project" in problems and "gcp.repositories[1].repositoryId" in problems


def test_public_read_is_allowed_when_meant():
    settings = load_stack_settings(gcp(repositories=[{"repositoryId": "a", "public": True, "access": {"pull": ["allUsers"]}}]))
    assert settings.gcp.repositories[0].access.pull == ["allUsers"]


def test_standalone_repository_args_need_a_location():
    with pytest.raises(Exception, match="location"):
        ArtifactRepositoryArgs.model_validate({"repositoryId": "a"})


def test_member_kinds_accepted():
    members = [
        "user:a@acme.example", "group:g@acme.example", "serviceAccount:s@p.iam.gserviceaccount.com", "domain:acme.example",
        "principal://iam.googleapis.com/projects/1/locations/global/workloadIdentityPools/p/subject/s",
        "principalSet://iam.googleapis.com/projects/1/locations/global/workloadIdentityPools/p/attribute.repository/acme/api",
        "projectViewer:acme-prod",
    ]
    load_stack_settings(gcp(repositories=[{"repositoryId": "a", "access": {"pull": members}}]))


@pytest.mark.parametrize(
    ("section", "path", "fragment"),
    [
        ({"ciServiceAccounts": [{"name": "push", "access": "push", "repositories": ["nope"], "impersonators": [DEPLOYER]}]},
         "gcp.ciServiceAccounts[0].repositories[0]", "'nope' is not in gcp.repositories (images)"),
        ({"ciServiceAccounts": [{"name": "push", "access": "push", "githubSubjects": ["repo:acme/api:pull_request"]}]},
         "gcp.ciServiceAccounts[0].githubSubjects", "needs gcp.githubWorkloadIdentity"),
        ({"ciServiceAccounts": [{"name": "push", "access": "push", "githubRepositories": ["acme/api"]}]},
         "gcp.ciServiceAccounts[0].githubRepositories", "needs gcp.githubWorkloadIdentity"),
        ({"ciServiceAccounts": [{"name": "push", "access": "push"}]}, "gcp.ciServiceAccounts[0]", "nobody could act"),
        ({"ciServiceAccounts": [{"name": "push", "access": "push", "githubRepositories": ["acme/api"], "exportAccessToken": True}],
          "githubWorkloadIdentity": {"create": {}}},
         "gcp.ciServiceAccounts[0].exportAccessToken", "list the deploying identity in impersonators"),
        ({"ciServiceAccounts": [{"name": "a", "access": "push", "impersonators": [DEPLOYER], "exportAccessToken": True},
                                {"name": "b", "access": "pull", "impersonators": [DEPLOYER], "exportAccessToken": True}]},
         "gcp.ciServiceAccounts[1].exportAccessToken", "only one service account"),
        ({"ciServiceAccounts": [{"name": "a", "access": "push", "impersonators": [DEPLOYER]},
                                {"name": "a", "access": "pull", "impersonators": [DEPLOYER]}]}, "gcp.ciServiceAccounts[1].name",
         "CI service account 'a' is already entry [0]"),
        ({"ciServiceAccounts": [{"name": "Push", "access": "push", "impersonators": [DEPLOYER]}]},
         "gcp.ciServiceAccounts[0].name", "CI service account name"),
        ({"ciServiceAccounts": [{"name": "a" * 21, "access": "push", "impersonators": [DEPLOYER]}]},
         "gcp.ciServiceAccounts[0].name", "1-20"),
        ({"ciServiceAccounts": [{"name": "push", "access": "admin", "impersonators": [DEPLOYER]}]}, "gcp.ciServiceAccounts[0].access", ""),
        ({"ciServiceAccounts": [{"name": "push", "access": "push", "impersonators": [DEPLOYER], "accountId": "ci"}]},
         "gcp.ciServiceAccounts[0].accountId", "6-30"),
        ({"ciServiceAccounts": [{"name": "push", "access": "push", "impersonators": ["allUsers"]}]},
         "gcp.ciServiceAccounts[0].impersonators[0]", "anyone act as"),
        ({"ciServiceAccounts": [{"name": "p", "access": "push", "githubSubjects": ["repo:acme/api:ref:refs/heads/*"]}],
          "githubWorkloadIdentity": {"create": {}}},
         "gcp.ciServiceAccounts[0].githubSubjects[0]", "matches subjects exactly"),
        ({"ciServiceAccounts": [{"name": "p", "access": "push", "githubSubjects": ["acme/api"]}], "githubWorkloadIdentity": {"create": {}}},
         "gcp.ciServiceAccounts[0].githubSubjects[0]", "repo:OWNER/NAME:ref:refs/heads/BRANCH"),
        ({"ciServiceAccounts": [{"name": "p", "access": "push", "githubSubjects": ["repo:acme/api:environment:" + "e" * 120]}],
          "githubWorkloadIdentity": {"create": {}}},
         "gcp.ciServiceAccounts[0].githubSubjects[0]", "127 bytes"),
        ({"ciServiceAccounts": [{"name": "p", "access": "push", "githubRepositories": ["acme/*"]}], "githubWorkloadIdentity": {"create": {}}},
         "gcp.ciServiceAccounts[0].githubRepositories[0]", "OWNER/NAME"),
        ({"githubWorkloadIdentity": {}}, "gcp.githubWorkloadIdentity", "exactly one of"),
        ({"githubWorkloadIdentity": {"create": {}, "providerName": POOL_PROVIDER}}, "gcp.githubWorkloadIdentity", "exactly one of"),
        ({"githubWorkloadIdentity": {"providerName": "projects/acme-prod/locations/global/workloadIdentityPools/github/providers/gh"}},
         "gcp.githubWorkloadIdentity.providerName", "PROJECT_NUMBER"),
        ({"githubWorkloadIdentity": {"create": {"poolId": "gcp-pool"}}}, "gcp.githubWorkloadIdentity.create.poolId", "gcp- is reserved"),
        ({"ciServiceAccounts": [{"name": "pull", "access": "pull", "impersonators": [DEPLOYER]}],
          "repositories": [{"repositoryId": "images", "iam": {"roles/artifactregistry.reader": ["user:a@acme.example"]}}]},
         "gcp.ciServiceAccounts[0]", "sets the role authoritatively"),
    ],
)
def test_ci_service_account_config_errors(section, path, fragment):
    problems = problems_of(gcp(**{"repositories": [{"repositoryId": "images"}], **section}))
    assert path in problems, problems
    assert fragment in problems[path]


def test_an_account_without_repositories_needs_the_stack_to_declare_some():
    problems = problems_of(gcp(ciServiceAccounts=[{"name": "push", "access": "push", "impersonators": [DEPLOYER]}]))
    assert "declares no repository" in problems["gcp.ciServiceAccounts[0]"]
