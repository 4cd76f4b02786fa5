"""Env-packs: the Deployer contract, the handler registry and the built-in packs.

Owns what a pack provides (deployer verbs, credentials probes, wizard, renderer) and how a
bound kind resolves to a handler. May import `bundle`, `store`, `engine` and `spec`; never `ops`,
`testing` or `cli`. Each pack (`k8s`, `local_process`) is independent of the others; only the
Kubernetes cluster seam may import `lightkube` or `httpx`.
"""
