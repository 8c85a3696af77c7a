"""Strict validation of manifests against the upstream Kubernetes OpenAPI schemas."""

import kubernetes_validate

KUBERNETES_VERSION = "1.37.0"


def schema_errors(manifest):
    """Empty when the manifest validates strictly (no unknown fields), else the error text."""
    try:
        kubernetes_validate.validate(manifest, KUBERNETES_VERSION, strict=True)
    except (kubernetes_validate.ValidationError, kubernetes_validate.SchemaNotFoundError) as exc:
        return str(exc)
    return ""
