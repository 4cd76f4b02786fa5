"""The `greentic.deployer.k8s` env-pack: answers, naming, manifest rendering and output.

Owns how an environment becomes Kubernetes objects. Independent of the other packs; only its
cluster seam modules may import `lightkube` or `httpx`.
"""
