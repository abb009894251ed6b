"""The stack program: stack config -> validated settings -> registries -> outputs.

It uses the `registry_platform` library exactly as a team's own program would. Outputs (README, "Outputs"):
  registries           per registry: kind, endpoint, loginServer, username, caCertificatePem,
                       passwordExpiresAt, loginCommand, credentialHelper, identities (plain)
  registryCredentials  per registry: password, dockerConfigJson (secret)
  dockerConfigJson     one docker config.json for every registry (secret)
  selfHosted           the self-hosted registry's own details; selfHostedUserPasswords (secret)
  aws                  ECR: registryId, loginServer, repositories (url, arn), kmsKeyArn, ciRoles,
                       githubOidcProviderArn
  gcp                  Artifact Registry: project, location, loginServer, repositories (url, id),
                       ciServiceAccounts, workloadIdentityPool, workloadIdentityProvider
  azure                ACR: registryId, registryName, loginServer, resourceGroupName, sku, tokens,
                       replications, dataEndpoints, roleAssignments, webhooks,
                       customerManagedKeyIdentityPrincipalId
  harbor               Harbor: loginServer, projects (pullPrefix, projectId, proxyCache), robots
                       (username, access, durationDays); harborRobotSecrets (secret)
  pullThroughCaches    with caches: cache name -> target -> pullPrefix and details (plain);
                       pullThroughCacheUserPasswords (secret) when a mirror has pull users
  kubernetes           the registry on Kubernetes: namespace, deployment, service, replicas, storage,
                       configChecksum...; kubernetesUserPasswords (secret)
"""

import gc

import pulumi

from registry_platform import RegistryPlatform, load_stack_settings

# A one-shot program that allocates many small, long-lived objects (resources, Outputs, tasks): with
# Python's default thresholds (700, 10, 10) it spends about a quarter of its CPU in garbage collections
# whose full passes walk an ever larger heap. Collecting less often cuts that to a few percent
# (docs/benchmarks.md, "Program cost"); nothing here relies on prompt collection of cycles.
gc.set_threshold(20_000, 20, 20)

platform = RegistryPlatform("registry-platform", load_stack_settings())
for name, value in platform.stack_outputs().items():
    pulumi.export(name, value)
