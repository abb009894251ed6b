"""The registry-platform policy pack. Only builds the pack: every rule lives in `registry_policies`.

`REGISTRY_POLICY_ENVIRONMENT=prod` raises the rules that are advisory in dev to mandatory (see
`registry_policies/levels.py` and the README's "Policy pack" section).
"""

import os

from pulumi_policy import PolicyPack

from registry_policies import pack_arguments

PolicyPack(**pack_arguments(os.environ))
