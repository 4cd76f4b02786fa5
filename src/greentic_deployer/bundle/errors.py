"""Typed errors of bundle staging; each names the file or entry and the rule it broke."""

from __future__ import annotations

from greentic_deployer.spec.errors import GreenticError, InvalidArgumentError


class BundleError(InvalidArgumentError):
    """A `.gtbundle` (or its source file) breaks a staging rule; CLI kind `invalid-argument`."""

    def __init__(self, subject: str, rule: str) -> None:
        super().__init__(subject, rule)
        self.subject = subject


class NotASquashfsError(BundleError):
    """The file is not a SquashFS 4.0 image with a supported compression (gzip, xz, none)."""


class CorruptBundleError(BundleError):
    """The image claims to be SquashFS but its structure or data cannot be read."""


class UnsafeEntryError(BundleError):
    """An entry would escape the extraction root or is a kind of file we never create."""


class BundleTooLargeError(BundleError):
    """The bundle exceeds an extraction limit (size, file size or entry count): a bundle bomb."""


class MissingManifestError(BundleError):
    """`bundle-manifest.json` is absent from the bundle root."""


class InvalidManifestError(BundleError):
    """`bundle-manifest.json` is present but is not a JSON object in a regular file."""


class NoPacksError(BundleError):
    """No `.gtpack` file lives under `packs/` or `providers/<domain>/`."""


class DuplicatePackStemError(BundleError):
    """Two pinned `.gtpack` files share a file stem (the pack id)."""


class InvalidPackNameError(BundleError):
    """A pinned `.gtpack` file name does not give a usable pack id."""


class PackConfigError(BundleError):
    """A `state/pack-configs/*.json` input is malformed, unscoped or names an unknown pack."""


class BundleIOError(GreenticError):
    """The filesystem failed while staging (disk full, permissions): not the bundle's fault."""

    kind = "io"

    def __init__(self, path: str, exc: OSError) -> None:
        super().__init__(f"staging into {path!r} failed: {exc.strerror or exc}")
        self.path = path
