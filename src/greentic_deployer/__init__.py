"""greentic-deployer: a deployment control plane for Greentic environments."""

__version__ = "0.1.0"
